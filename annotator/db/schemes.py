"""Scheme versions and annotators: who labels, and under which version of which label scheme.

Each is listed by ONE reader (:meth:`Schemes.versions`, :meth:`Schemes.annotators`); the other
lists the tool needs (names, ids by name, export rows) are derived from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from annotator.core.untrusted import name_problem
from annotator.db.connection import Connection, StoreError, now

if TYPE_CHECKING:
    from annotator.core.scheme import Scheme
    from annotator.core.units import Versions


class AnnotatorRow(NamedTuple):
    id: int
    name: str
    created_at: str


class Schemes:
    """Scheme versions and annotators of one database."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self._cache_table: bool | None = None

    # ---------------------------------------------------------------- checked forms
    def parsed(self, text: str, sha256: str, where: str) -> Scheme:
        """The scheme of a stored text: from its checked form (``scheme_cache``, migration
        m005) when kept for this text, else parsed and checked (SchemeError when invalid)."""
        from annotator.core.scheme import PARSED_FORMAT, parse_scheme, scheme_from_json

        if self._has_cache():
            row = self.db.execute(
                "SELECT parsed FROM scheme_cache WHERE sha256 = ? AND format = ?",
                [sha256, PARSED_FORMAT],
            ).fetchone()
            if row is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() == sha256:
                try:
                    return scheme_from_json(str(row[0]), text)
                except ValueError:
                    pass  # not a form this version wrote: parse the text
        return parse_scheme(text, where)

    def _remember(self, scheme: Scheme) -> None:
        """Keep a checked scheme's form (inside the caller's transaction)."""
        from annotator.core.scheme import PARSED_FORMAT, scheme_to_json

        if self._has_cache():
            self.db.execute(
                "INSERT OR IGNORE INTO scheme_cache (sha256, format, parsed) VALUES (?, ?, ?)",
                [scheme.sha256, PARSED_FORMAT, scheme_to_json(scheme)],
            )

    def attribute_usage(
        self, name: str, wanted: list[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], int]:
        """How many current attribute values of a scheme's annotations each (label_set,
        attribute, value or "*") has; only those in use are returned."""
        out: dict[tuple[str, str, str], int] = {}
        for label_set, attribute, value in wanted:
            n = int(self.db.scalar(
                "SELECT count(*) FROM attribute_values v JOIN annotations a "
                "ON a.id = v.annotation_id JOIN schemes s ON s.id = a.scheme_id "
                "WHERE s.name = ? AND a.label_set = ? AND v.attribute = ? "
                "AND (? = '*' OR v.value = ?) AND v.removed_at IS NULL AND a.removed_at IS NULL",
                [name, label_set, attribute, value, value],
            ))
            if n:
                out[(label_set, attribute, value)] = n
        return out

    def _remember_terms(self, scheme_id: int, scheme: Scheme) -> None:
        """What each known attribute value of this version means (``attribute_terms``, m007):
        closed values with their number, aliases with their canonical value; read by
        ``attribute_view`` (inside the caller's transaction)."""
        rows = [
            (scheme_id, ls.name, attr.name, term, canonical, number)
            for ls in scheme.label_sets
            for attr in ls.attributes
            for term, canonical, number in attr.terms()
        ]
        if rows:
            self.db.executemany(
                "INSERT OR IGNORE INTO attribute_terms (scheme_id, label_set, attribute, term, "
                "canonical, number) VALUES (?,?,?,?,?,?)",
                rows,
            )

    def _has_cache(self) -> bool:
        if self._cache_table is None:
            self._cache_table = self.db.table_exists("scheme_cache")
        return self._cache_table

    # ---------------------------------------------------------------- scheme versions
    def versions(self) -> list[dict[str, Any]]:
        """Every stored scheme version, by name then version: id, name, version, sha256, yaml,
        added_at. Schemes are few (a handful of versions of a few KB), so callers that need only
        names or ids derive them from this."""
        return self.db.query(
            "SELECT id, name, version, sha256, yaml, added_at FROM schemes ORDER BY name, version"
        )

    def names(self) -> list[str]:
        """Names of the stored schemes (without counting their annotations)."""
        return list(dict.fromkeys(str(r["name"]) for r in self.versions()))

    def summary(self) -> list[dict[str, Any]]:
        """One row per scheme name: latest version, versions stored, annotations made (current
        ones, across versions), latest time a version was added."""
        counts = {
            int(r[0]): int(r[1])
            for r in self.db.execute(
                "SELECT scheme_id, count(*) FROM annotations WHERE removed_at IS NULL "
                "GROUP BY scheme_id"
            )
        }
        out: dict[str, dict[str, Any]] = {}
        for v in self.versions():
            row = out.setdefault(
                v["name"],
                {"name": v["name"], "version": v["version"], "versions": 0, "annotations": 0,
                 "added_at": v["added_at"]},
            )
            row["version"] = max(row["version"], v["version"])
            row["versions"] += 1
            row["annotations"] += counts.get(int(v["id"]), 0)
            row["added_at"] = max(row["added_at"], v["added_at"])
        return list(out.values())

    def ids_by_key(self) -> dict[tuple[str, int], tuple[int, str]]:
        """(name, version) -> (id, sha256) of every stored scheme version."""
        return {
            (str(r["name"]), int(r["version"])): (int(r["id"]), str(r["sha256"]))
            for r in self.versions()
        }

    def latest_row(self, name: str) -> dict[str, Any] | None:
        rows = self.db.query(
            "SELECT * FROM schemes WHERE name = ? ORDER BY version DESC LIMIT 1", [name]
        )
        return rows[0] if rows else None

    def ids(self, name: str) -> list[int]:
        """Ids of every stored version of a scheme."""
        return [
            r[0]
            for r in self.db.execute("SELECT id FROM schemes WHERE name = ?", [name]).fetchall()
        ]

    def add(self, scheme: Scheme, *, allow_incompatible: bool = False) -> tuple[int, bool]:
        """Store a scheme version. Returns (scheme_id, created).

        The same text again is a no-op. A new version may add labels and sets; one that removes
        or renames a label still in use is refused (StoreError says how many annotations use it).
        """
        from annotator.core.scheme import attribute_incompatibilities, incompatibilities

        row = self.db.execute(
            "SELECT id, sha256 FROM schemes WHERE name = ? AND version = ?",
            [scheme.name, scheme.version],
        ).fetchone()
        if row is not None:
            if row[1] == scheme.sha256:
                return int(row[0]), False
            raise StoreError(
                f"scheme {scheme.name!r} version {scheme.version} is already stored with different "
                "content; bump `version:` in the YAML to store the change"
            )
        latest = self.latest_row(scheme.name)
        if latest is not None:
            if int(latest["version"]) > scheme.version:
                raise StoreError(
                    f"scheme {scheme.name!r}: version {scheme.version} is older than the stored "
                    f"version {latest['version']}"
                )
            old = self.parsed(latest["yaml"], latest["sha256"],
                              f"<stored {scheme.name} v{latest['version']}>")
            missing = incompatibilities(old, scheme)
            usage = self.label_usage(scheme.name)
            in_use = [
                (s, lab, n)
                for (s, lab) in missing
                for (us, ul), n in usage.items()
                if us == s and (lab == "*" or ul == lab) and n > 0
            ]
            if in_use and not allow_incompatible:
                detail = ", ".join(f"{s}/{lab}: {n} annotation(s)" for s, lab, n in in_use)
                raise StoreError(
                    f"scheme {scheme.name!r} v{scheme.version} removes or renames labels still in "
                    f"use ({detail}); use `annotator scheme rename-label` to migrate them first"
                )
            lost = self.attribute_usage(scheme.name, attribute_incompatibilities(old, scheme))
            if lost and not allow_incompatible:
                detail = ", ".join(f"{s}/{a}{'' if v == '*' else '=' + v}: {n} value(s)"
                                   for (s, a, v), n in lost.items())
                raise StoreError(
                    f"scheme {scheme.name!r} v{scheme.version} removes or changes attributes "
                    f"still in use ({detail}); keep them (or their values) in the new version"
                )
        with self.db.atomic():
            pk = self.db.insert(
                "schemes",
                {
                    "name": scheme.name,
                    "version": scheme.version,
                    "sha256": scheme.sha256,
                    "yaml": scheme.text,
                    "added_at": now(),
                },
            )
            self._remember(scheme)
            self._remember_terms(pk, scheme)
        return pk, True

    def import_row(
        self, name: str, version: int, sha256: str, yaml_text: str, added_at: str
    ) -> int:
        """Store a scheme version exactly as exported (its text and time); same hash = no-op."""
        known = self.ids_by_key().get((name, version))
        if known is not None:
            if known[1] != sha256:
                raise StoreError(
                    f"scheme {name!r} version {version} is stored here with different content "
                    f"(sha256 {known[1][:12]} vs {sha256[:12]})"
                )
            return known[0]
        from annotator.core.scheme import check_scheme

        checked, _ = check_scheme(yaml_text)  # kept only when valid, as the text says it is
        with self.db.atomic():
            pk = self.db.insert(
                "schemes",
                {
                    "name": name,
                    "version": version,
                    "sha256": sha256,
                    "yaml": yaml_text,
                    "added_at": added_at,
                },
            )
            if checked is not None and checked.sha256 == sha256:
                self._remember(checked)
                self._remember_terms(pk, checked)
            return pk

    def load(self, name: str | None = None) -> tuple[int, Scheme]:
        """The latest stored version of a scheme (or the only scheme when name is None)."""
        if name is None:
            names = self.names()
            if len(names) != 1:
                raise StoreError(
                    "several schemes in the database, name one with --scheme: " + ", ".join(names)
                    if names
                    else "no scheme in the database"
                )
            name = names[0]
        row = self.latest_row(name)
        if row is None:
            known = ", ".join(self.names()) or "none"
            raise StoreError(f"no scheme named {name!r} in {self.db.path} (stored: {known})")
        where = f"<stored {name} v{row['version']}>"
        return int(row["id"]), self.parsed(row["yaml"], row["sha256"], where)

    def label_sets_by_version(
        self, name: str, known: Mapping[int, Scheme] | None = None
    ) -> Versions:
        """Every stored version of a scheme with its label sets, for the units rule. ``known``:
        versions the caller has parsed already (parsing a big scheme takes tens of ms)."""
        from annotator.core.units import Versions

        known = known or {}
        sets: dict[int, frozenset[str]] = {}
        for sid, version, text, sha256 in self.db.execute(
            "SELECT id, version, yaml, sha256 FROM schemes WHERE name = ? ORDER BY version",
            [name],
        ).fetchall():
            parsed = known.get(int(sid)) or self.parsed(text, sha256,
                                                        f"<stored {name} v{version}>")
            sets[int(sid)] = frozenset(ls.name for ls in parsed.label_sets)
        return Versions(sets)

    def label_usage(self, scheme_name: str) -> dict[tuple[str, str], int]:
        """Current annotations per (label_set, label) across all versions of a scheme."""
        rows = self.db.execute(
            "SELECT a.label_set, a.label, count(*) FROM annotations a "
            "JOIN schemes s ON s.id = a.scheme_id WHERE s.name = ? AND a.removed_at IS NULL "
            "GROUP BY a.label_set, a.label",
            [scheme_name],
        ).fetchall()
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def rename_label(self, scheme_name: str, label_set: str, old: str, new: str) -> int:
        """Rename a label in every annotation of a scheme (and gold); returns rows changed. The new
        name obeys the rule of every label name (no tab, line break or control character: it
        would forge rows in the TSV exports and reach terminals)."""
        problem = name_problem(new, "the new label name")
        if problem is not None:
            raise StoreError(problem)
        ids = self.ids(scheme_name)
        if not ids:
            raise StoreError(f"no scheme named {scheme_name!r}")
        marks = ",".join("?" * len(ids))
        with self.db.atomic():
            cur = self.db.execute(
                f"UPDATE annotations SET label = ? WHERE label_set = ? AND label = ? "
                f"AND scheme_id IN ({marks})",
                [new, label_set, old, *ids],
            )
            self.db.execute(
                f"UPDATE gold SET label = ? WHERE label_set = ? AND label = ? AND adjudication_id "
                f"IN (SELECT id FROM adjudications WHERE scheme_id IN ({marks}))",
                [new, label_set, old, *ids],
            )
        return int(cur.rowcount)

    # ---------------------------------------------------------------- annotators
    def annotators(self) -> list[AnnotatorRow]:
        """Every annotator (adjudicators included), by name: THE list of annotators."""
        return [
            AnnotatorRow(int(r[0]), str(r[1]), str(r[2]))
            for r in self.db.execute("SELECT id, name, created_at FROM annotators ORDER BY name")
        ]

    def annotator_id(self, name: str, *, create: bool = True) -> int:
        """The annotator's id, adding the annotator on first use unless ``create`` is false."""
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            raise StoreError(f"no annotator named {name!r} in {self.db.path}")
        self.check_name(name)
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, now()]
            )
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        return int(row[0])

    @staticmethod
    def check_name(name: object) -> None:
        """A new annotator's name must be a name (annotator.core.untrusted.name_problem): it is
        shown on every screen, printed by every command and made into export file names."""
        problem = name_problem(name, "annotator name")
        if problem is not None:
            raise StoreError(problem)

    def import_annotator(self, name: str, created_at: str) -> int:
        """Add an annotator with the creation time of another database (kept if present)."""
        self.check_name(name)
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)",
                [name, created_at],
            )
        return self.annotator_id(name, create=False)
