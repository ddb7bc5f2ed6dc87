"""Our lossless JSONL export back in (``import-annotations``, and ``merge`` which reuses
:class:`Records`): the records read and checked against the annotation screen's rules (a label
of the scheme, a unit the screen could make, a value of the attribute...), then stored by a
:class:`~annotator.services.import_insert.Parts` in one transaction (all or nothing).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from annotator.core import adjudicate as adj
from annotator.core.untrusted import clean_field, first_unsafe, name_problem, not_regular_file
from annotator.services.doctor import log_imported_state
from annotator.services.import_annotations import AnnotationImportError, ImportResult
from annotator.services.import_insert import InsertNew, Parts
from annotator.store import DatabaseError, Store, StoreError, now

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme


def _is_int(v: object) -> TypeGuard[int]:
    """An integer SQLite can store (a Python int may have any number of digits)."""
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def _is_number(v: object) -> TypeGuard[int | float]:
    """A storable integer or a finite float."""
    return _is_int(v) or (isinstance(v, float) and math.isfinite(v))


def _text_or_none(v: object) -> bool:
    return v is None or isinstance(v, str)


def _field(value: object) -> str | None:
    """A document's metadata field from a record: text, cleaned only when it holds control
    characters or line breaks (annotator.core.untrusted), so clean exports round-trip exactly."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"metadata must be text, not {type(value).__name__}")
    if first_unsafe(value) is None and "\n" not in value and "\t" not in value:
        return value
    return clean_field(value) or None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    special = not_regular_file(path)
    if special is not None:
        raise AnnotationImportError([f"{path}: {special}"])
    try:
        f = path.open("rb")  # closed below; streamed line by line
    except OSError as exc:
        raise AnnotationImportError([f"{path}: {exc.strerror or exc}"]) from None
    with f:
        yield from _records(path, f)


def _records(path: Path, f: Iterable[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    from annotator.services.importing import InputError, json_record

    for lineno, raw in enumerate(f, start=1):
        if not raw.strip():
            continue
        try:
            rec = json_record(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise AnnotationImportError(
                [f"{path}:{lineno}: not UTF-8 (byte {exc.start} of the line)"]
            ) from None
        except InputError as exc:
            raise AnnotationImportError([f"{path}:{lineno}: {exc}"]) from None
        if not isinstance(rec, dict):
            raise AnnotationImportError([f"{path}:{lineno}: expected a JSON object"])
        yield lineno, rec


class Records:
    """Reads JSONL export records into this database: ids for names, schemes and sentences,
    checked rows, and problems as ``FILE:LINE: cause``. How a document's parts are then stored
    is up to a ``Parts`` object: :class:`InsertNew` for an import, the merge's own for a merge.
    """

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self.result = ImportResult()
        self.schemes: dict[tuple[str, int], int] = {}
        self.parsed: dict[int, Scheme] = {}
        self.annotators: dict[str, int] = {}
        self.bounds: list[tuple[int, int]] = []  # the current document's sentences
        self.uids: set[Any] = set()  # uids of the annotations and decisions read so far

    def fail(self, lineno: int, message: str) -> AnnotationImportError:
        """One problem, on one line whatever the data quoted in it holds."""
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        return AnnotationImportError([f"{self.path}:{lineno}: {message}"])

    def header(self, lineno: int, header: dict[str, Any]) -> None:
        """Store the header's schemes (each a valid scheme whose name, version and hash are its
        text's) and annotators (valid names)."""
        from annotator.core.scheme import SchemeError, parse_scheme

        for s in header.get("schemes") or []:
            text = s["yaml"]
            name, version = s["name"], s["version"]
            if not (isinstance(text, str) and _is_int(version) and isinstance(name, str)
                    and isinstance(s["sha256"], str) and _text_or_none(s["added_at"])):
                raise self.fail(lineno, "bad header record (a scheme needs a name, an integer "
                                "version, its yaml text and sha256, and a time stamp or null)")
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != s["sha256"]:
                raise self.fail(lineno, f"scheme {name} v{version}: sha256 does not "
                                "match its text")
            try:
                parsed = parse_scheme(text, f"<scheme {name} v{version}>")
            except SchemeError as exc:
                first = str(exc).splitlines()[0]
                raise self.fail(lineno, f"scheme {name} v{version} is not a valid scheme "
                                f"({first})") from None
            if (parsed.name, parsed.version) != (name, version):
                raise self.fail(lineno, f"scheme {name} v{version}: its text is scheme "
                                f"{parsed.name} v{parsed.version}")
            try:
                sid = self.store.schemes.import_row(
                    name, version, s["sha256"], text, s["added_at"] or now()
                )
            except StoreError as exc:
                raise self.fail(lineno, str(exc)) from None
            self.schemes[(name, version)] = sid
            self.parsed[sid] = parsed
        for a in header.get("annotators") or []:
            self.check_name(lineno, a["name"], "annotator name")
            if not _text_or_none(a["created_at"]):
                raise self.fail(lineno, f"annotator {a['name']}: created_at must be a time "
                                "stamp or null")
            self.annotators[a["name"]] = self.store.schemes.import_annotator(
                a["name"], a["created_at"] or now()
            )

    def check_name(self, lineno: int, name: object, what: str) -> None:
        problem = name_problem(name, what)
        if problem is not None:
            raise self.fail(lineno, problem)

    def scheme_object(self, scheme_id: int) -> Scheme:
        """The parsed scheme version of a stored scheme id (its label sets validate rows)."""
        from annotator.core.scheme import parse_scheme

        if scheme_id not in self.parsed:
            row = next(r for r in self.store.schemes.versions() if int(r["id"]) == scheme_id)
            self.parsed[scheme_id] = parse_scheme(
                row["yaml"], f"<stored {row['name']} v{row['version']}>"
            )
        return self.parsed[scheme_id]

    def annotator(self, name: str) -> int:
        if name not in self.annotators:
            self.annotators[name] = self.store.schemes.annotator_id(name)
        return self.annotators[name]

    def scheme(self, lineno: int, name: str | None, version: int | None) -> int | None:
        if name is None:
            return None
        if not isinstance(name, str) or not (version is None or _is_int(version)):
            raise self.fail(lineno, f"scheme {name!r} v{version!r}: a scheme is a name and an "
                            "integer version")
        key = (name, int(version or 0))
        if key not in self.schemes:
            known = self.store.schemes.ids_by_key().get(key)
            if known is None:
                raise self.fail(lineno, f"scheme {name} v{version} is neither in the header nor "
                                "in the database")
            self.schemes[key] = known[0]
        return self.schemes[key]

    def sentence(self, lineno: int, sent_ids: list[int], idx: int) -> int:
        if not isinstance(idx, int) or not 0 <= idx < len(sent_ids):
            raise self.fail(lineno, f"sentence index {idx!r} out of range "
                            f"(the document has {len(sent_ids)} sentences)")
        return sent_ids[idx]

    def document(self, lineno: int, rec: dict[str, Any], parts: Parts) -> None:
        """Store the document (unless its text is here already), then its parts."""
        text = rec["text"]
        if not isinstance(text, str) or not text:
            raise self.fail(lineno, "`text` must be a non-empty string")
        sha = sha256_text(text)
        if sha != rec["sha256"]:
            raise self.fail(lineno, "sha256 does not match the text (edited by hand?)")
        sentences = rec["sentences"]
        end = 0
        for i, s in enumerate(sentences):
            if not all(_is_int(s[k]) for k in ("idx", "start", "end", "paragraph")):
                raise self.fail(lineno, f"sentence {i}: idx, start, end and paragraph must be "
                                "integers")
            if not (0 <= s["start"] < s["end"] <= len(text)):
                raise self.fail(lineno, f"sentence {s['idx']}: offsets {s['start']}-{s['end']} "
                                f"outside the text ({len(text)} characters)")
            if s["idx"] != i or s["start"] < end:
                raise self.fail(lineno, f"sentence {s['idx']}: sentences must be numbered from 0 "
                                "in text order, without overlapping")
            end = s["end"]
        self.bounds = [(int(s["start"]), int(s["end"])) for s in sentences]
        if not _text_or_none(rec.get("imported_at")):
            raise self.fail(lineno, "imported_at must be a time stamp or null")
        self.check_parts(lineno, rec, text)
        row = {
            "external_id": _field(rec.get("id")), "title": _field(rec.get("title")),
            "source": _field(rec.get("source")), "url": _field(rec.get("url")),
            "published": _field(rec.get("published")), "language": _field(rec.get("language")),
            "text": text, "sha256": sha,
            "meta": json.dumps(rec.get("meta") or {}, ensure_ascii=False, sort_keys=True,
                               allow_nan=False),
            "origin": _field(rec.get("origin")), "imported_at": rec.get("imported_at") or now(),
        }
        doc_id, sent_ids, created = self.store.corpus.import_document(row, sentences)
        if created:
            self.result.documents_new += 1
        else:
            self.result.documents_present += 1
        parts.annotations(self, lineno, rec, doc_id, sent_ids)
        parts.progress(self, lineno, rec, doc_id, sent_ids)
        parts.document_progress(self, lineno, rec, doc_id)
        parts.adjudications(self, lineno, rec, doc_id, sent_ids)

    # ------------------------------------------------------------ the annotation screen's rules
    def check_parts(self, lineno: int, rec: dict[str, Any], text: str) -> None:
        """Every annotation, progress mark and decision of a document record obeys the rules
        the annotation screen applies, against its scheme version and the document text:
        known label sets of the right level, labels of the set (names without tabs, line breaks
        or control characters), valid annotator names, spans inside their sentence, one label
        per unit in a single-choice set, done/seen marks, numeric times. Raises the first
        problem as ``FILE:LINE: cause`` (the whole file is then refused)."""
        single: set[tuple[Any, ...]] = set()
        for removed, key in ((False, "annotations"), (True, "removed_annotations")):
            for a in rec.get(key) or []:
                self.check_name(lineno, a["annotator"], "annotator name")
                ls = self.check_label(lineno, a, f"annotation {a['uid']!r}")
                if not isinstance(a["uid"], str) or not a["uid"]:
                    raise self.fail(lineno, f"annotation {a['uid']!r}: uid must be a string")
                if a["uid"] in self.uids:
                    raise self.fail(lineno, f"annotation {a['uid']}: its uid is used twice")
                self.uids.add(a["uid"])
                self.check_unit(lineno, a, ls.level, text, f"annotation {a['uid']}")
                self.check_value(lineno, a.get("value"), f"annotation {a['uid']}")
                self.check_times(lineno, a, ("created_at",), ("note", "removed_at"),
                                 f"annotation {a['uid']}")
                if not removed and not ls.multiple:
                    unit = (a["annotator"], ls.name, a["sentence"],
                            (a["start"], a["end"]) if ls.level == "span" else None)
                    if unit in single:
                        raise self.fail(lineno, f"annotation {a['uid']}: {ls.name} takes one "
                                        f"label per unit and {a['annotator']} has two")
                    single.add(unit)
        for p in rec.get("progress") or []:
            self.check_name(lineno, p["annotator"], "annotator name")
            self.check_sentence(lineno, p["sentence"])
            self.check_mark(lineno, p, "progress")
            seconds = p["seconds"]
            if not _is_number(seconds) or seconds < 0:
                raise self.fail(lineno, f"progress of sentence {p['sentence']}: seconds must be "
                                f"a number of seconds, not {seconds!r}")
            self.check_times(lineno, p, ("seen_at", "updated_at"), ("note", "done_at"),
                             f"progress of sentence {p['sentence']}")
        for p in rec.get("document_progress") or []:
            self.check_name(lineno, p["annotator"], "annotator name")
            self.check_mark(lineno, p, "document progress")
            self.check_times(lineno, p, ("updated_at",), ("note",), "document progress")
        for j in rec.get("adjudications") or []:
            what = f"decision {j['uid']!r}"
            if not isinstance(j["uid"], str) or not j["uid"]:
                raise self.fail(lineno, f"{what}: uid must be a string")
            if ("decision", j["uid"]) in self.uids:
                raise self.fail(lineno, f"{what}: its uid is used twice")
            self.uids.add(("decision", j["uid"]))
            self.check_name(lineno, j["adjudicator"], "adjudicator name")
            if j["status"] not in ("resolved", "unresolved"):
                raise self.fail(lineno, f"{what}: status must be resolved or unresolved, not "
                                f"{j['status']!r}")
            if not isinstance(j["choice"], str) or not isinstance(j["sources"], list):
                raise self.fail(lineno, f"{what}: choice must be a string and sources a list")
            self.check_times(lineno, j, ("created_at",), ("note", "superseded_at"), what)
            own = self.check_label(lineno, {**j, "label": None}, what)
            if own.level == "document" and j["sentence"] is not None:
                raise self.fail(lineno, f"{what}: a document-level decision has no sentence")
            if own.level != "document":
                self.check_sentence(lineno, j["sentence"])
            for g in j["gold"]:
                if (g["label_set"], g["level"]) != (j["label_set"], j["level"]):
                    raise self.fail(lineno, f"{what}: a gold label of another label set or level")
                ls = self.check_label(lineno, {**j, **g}, f"{what}: gold label")
                self.check_unit(lineno, {**g, "sentence": j["sentence"]}, ls.level, text,
                                f"{what}: gold label")
                self.check_value(lineno, g.get("value"), f"{what}: gold label")
                if g.get("origin") not in (None, *adj.ORIGINS):
                    raise self.fail(lineno, f"{what}: gold origin must be one of "
                                    f"{', '.join(adj.ORIGINS)}, not {g['origin']!r}")

    def check_label(self, lineno: int, a: dict[str, Any], what: str) -> LabelSet:
        """The label set of ``a`` in its scheme version (of ``a``'s level), and its label
        (unless ``a["label"]`` is None: a decision's own set)."""
        sid = self.scheme(lineno, a["scheme"], a["scheme_version"])
        if sid is None:
            raise self.fail(lineno, f"{what}: no scheme")
        scheme = self.scheme_object(sid)
        self.check_name(lineno, a["label_set"], "label set name")
        ls = scheme.label_set(a["label_set"])
        if ls is None:
            raise self.fail(lineno, f"{what}: label set {a['label_set']!r} is not in scheme "
                            f"{scheme.name} v{scheme.version}")
        if ls.level != a["level"]:
            raise self.fail(lineno, f"{what}: {ls.name} is a {ls.level}-level label set, not "
                            f"{a['level']!r}")
        if a["label"] is not None:
            self.check_name(lineno, a["label"], "label")
            if ls.label(a["label"]) is None:
                raise self.fail(lineno, f"{what}: label {a['label']!r} is not in "
                                f"{scheme.name} v{scheme.version}/{ls.name}")
        return ls

    def check_sentence(self, lineno: int, idx: object) -> tuple[int, int]:
        if _is_int(idx) and 0 <= idx < len(self.bounds):
            return self.bounds[idx]
        raise self.fail(lineno, f"sentence index {idx!r} out of range "
                        f"(the document has {len(self.bounds)} sentences)")

    def check_unit(self, lineno: int, a: dict[str, Any], level: str, text: str,
                   what: str) -> None:
        """Document labels name no sentence and no offsets; sentence labels a sentence; spans
        a sentence and offsets in the text that start in that sentence (the sentence a span
        belongs to is the one it starts in; a SemEval technique span may run on into the next
        sentences)."""
        start, end = a.get("start"), a.get("end")
        if level == "document":
            if a["sentence"] is not None or start is not None or end is not None:
                raise self.fail(lineno, f"{what}: a document label has no sentence or offsets")
            return
        if a["sentence"] is None:
            raise self.fail(lineno, f"{what}: a {level} label needs a sentence")
        s_start, s_end = self.check_sentence(lineno, a["sentence"])
        if level == "sentence":
            if start is not None or end is not None:
                raise self.fail(lineno, f"{what}: a sentence label has no offsets")
            return
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
            raise self.fail(lineno, f"{what}: span offsets {start}-{end} outside the text "
                            f"({len(text)} characters)")
        assert isinstance(start, int)
        idx = a["sentence"]
        following = self.bounds[idx + 1][0] if idx + 1 < len(self.bounds) else len(text)
        if not s_start <= start < following:
            raise self.fail(lineno, f"{what}: span {start}-{end} does not start in its sentence "
                            f"{idx} ({s_start}-{s_end})")

    def check_value(self, lineno: int, value: object, what: str) -> None:
        if value is not None and not _is_number(value):
            raise self.fail(lineno, f"{what}: value must be a finite number, not {value!r}")

    def check_mark(self, lineno: int, p: dict[str, Any], what: str) -> None:
        if p["status"] not in ("seen", "done"):
            raise self.fail(lineno, f"{what}: status must be seen or done, not {p['status']!r}")
        if not (_is_int(p["flag"]) or isinstance(p["flag"], bool)) or p["flag"] not in (0, 1):
            raise self.fail(lineno, f"{what}: flag must be true or false, not {p['flag']!r}")
        self.scheme(lineno, p["scheme"], p["scheme_version"])

    def check_times(self, lineno: int, row: dict[str, Any], required: tuple[str, ...],
                    optional: tuple[str, ...], what: str) -> None:
        for k in required:
            if not isinstance(row[k], str) or not row[k]:
                raise self.fail(lineno, f"{what}: {k} must be a time stamp (text)")
        for k in optional:
            if row.get(k) is not None and not isinstance(row[k], str):
                raise self.fail(lineno, f"{what}: {k} must be text or null")

    def progress_row(
        self, lineno: int, p: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> dict[str, Any]:
        """A ``progress`` row; a done mark keeps the version of its record (``done_scheme_id``,
        see annotator.core.units)."""
        scheme_id = self.scheme(lineno, p["scheme"], p["scheme_version"])
        return {
            "annotator_id": self.annotator(p["annotator"]),
            "sentence_id": self.sentence(lineno, sent_ids, p["sentence"]),
            "document_id": doc_id, "scheme_id": scheme_id,
            "status": p["status"], "seconds": p["seconds"], "flag": int(p["flag"]),
            "note": p["note"], "seen_at": p["seen_at"], "done_at": p["done_at"],
            "updated_at": p["updated_at"],
            "done_scheme_id": scheme_id if p["status"] == "done" else None,
        }

    def document_progress_row(
        self, lineno: int, p: dict[str, Any], doc_id: int
    ) -> dict[str, Any]:
        scheme_id = self.scheme(lineno, p["scheme"], p["scheme_version"])
        return {
            "annotator_id": self.annotator(p["annotator"]), "document_id": doc_id,
            "scheme_id": scheme_id, "status": p["status"], "flag": int(p["flag"]),
            "note": p["note"], "updated_at": p["updated_at"],
            "done_scheme_id": scheme_id if p["status"] == "done" else None,
        }

    def annotation_row(
        self, lineno: int, a: dict[str, Any], removed: bool, text: str, doc_id: int,
        sent_ids: list[int],
    ) -> dict[str, Any]:
        level = a["level"]
        if level not in ("document", "sentence", "span"):
            raise self.fail(lineno, f"annotation {a['uid']}: unknown level {level!r}")
        start, end = a["start"], a["end"]
        if level == "span":
            if not (isinstance(start, int) and isinstance(end, int)
                    and 0 <= start < end <= len(text)):
                raise self.fail(lineno, f"annotation {a['uid']}: span offsets {start}-{end} "
                                f"outside the text ({len(text)} characters)")
            if a.get("text") is not None and text[start:end] != a["text"]:
                raise self.fail(lineno, f"annotation {a['uid']}: span text {a['text']!r} does not "
                                f"match the document text at {start}-{end}")
        sid = None if a["sentence"] is None else self.sentence(lineno, sent_ids, a["sentence"])
        if level != "document" and sid is None:
            raise self.fail(lineno, f"annotation {a['uid']}: a {level} label needs a sentence")
        scheme_id = self.scheme(lineno, a["scheme"], a["scheme_version"])
        return {
            "uid": a["uid"], "annotator_id": self.annotator(a["annotator"]),
            "scheme_id": scheme_id, "label_set": a["label_set"], "label": a["label"],
            "level": level, "document_id": doc_id, "sentence_id": sid, "start": start,
            "end": end, "value": a["value"], "note": a["note"], "created_at": a["created_at"],
            "removed_at": a.get("removed_at") if removed else None,
        }


    def attribute_values(self, lineno: int, a: dict[str, Any]) -> list[dict[str, Any]]:
        """The attribute values an annotation record carries (``attributes``: uid, attribute,
        value, created_at, removed_at), checked, with the annotation's uid."""
        raw = a.get("attributes")
        if raw is None:
            return []
        what = f"annotation {a['uid']}"
        if not isinstance(raw, list):
            raise self.fail(lineno, f"{what}: attributes must be a list")
        out = []
        for v in raw:
            if not isinstance(v, dict):
                raise self.fail(lineno, f"{what}: each attribute value must be an object")
            for key in ("uid", "attribute", "value", "created_at"):
                if not isinstance(v.get(key), str) or not v[key]:
                    raise self.fail(lineno, f"{what}: attribute value {key} must be text")
            if v.get("removed_at") is not None and not isinstance(v["removed_at"], str):
                raise self.fail(lineno, f"{what}: attribute value removed_at must be text or null")
            bad = first_unsafe(v["value"])
            if bad is not None:
                raise self.fail(lineno, f"{what}: attribute value {v['value']!r} contains a "
                                "control character")
            out.append({"annotation_uid": a["uid"], "uid": v["uid"],
                        "attribute": v["attribute"], "value": v["value"],
                        "created_at": v["created_at"], "removed_at": v.get("removed_at")})
        return out


class JsonlImport:
    """``import-annotations`` of our JSONL export: header first, then document records, all in
    one transaction (all or nothing)."""

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self.records = Records(store, path)
        self.parts = InsertNew()

    def run(self) -> ImportResult:
        from annotator.services.export.jsonl import FORMAT, FORMAT_VERSION

        r = self.records
        records = _read_jsonl(self.path)
        first = next(records, None)
        if first is None:
            raise AnnotationImportError([f"{self.path}: empty file"])
        lineno, header = first
        if header.get("type") != "header" or header.get("format") != FORMAT:
            raise r.fail(lineno, "not an annotator JSONL export (the first line must be its "
                         "header record); to import articles use `annotator import`")
        version = header.get("format_version")
        if not (_is_int(version) and version >= 1):
            raise r.fail(lineno, f"format_version must be a whole number, not {version!r}")
        if version > FORMAT_VERSION:
            raise r.fail(lineno, f"format version {version} is newer than "
                         "this annotator reads; upgrade annotator")
        try:
            with self.store.db.atomic():
                try:
                    r.header(lineno, header)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise r.fail(lineno, f"bad header record ({exc!r})") from None
                for lineno, rec in records:
                    if rec.get("type") != "document":
                        raise r.fail(lineno, f"unexpected record type {rec.get('type')!r}")
                    try:
                        r.document(lineno, rec, self.parts)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        raise r.fail(lineno, f"bad document record ({exc!r})") from None
                    except StoreError as exc:
                        raise r.fail(lineno, str(exc)) from None
                    except DatabaseError as exc:  # a constraint the checks above missed
                        raise r.fail(lineno, f"refused by the database ({exc})") from None
                log_imported_state(self.store, set(r.annotators.values()))
        except StoreError as exc:
            raise AnnotationImportError([f"{self.path}: {exc}"]) from None
        return r.result


def import_jsonl(store: Store, path: str | Path) -> ImportResult:
    """Import an ``annotator export --format jsonl`` file (documents, schemes, annotators,
    annotations, progress, adjudications)."""
    return JsonlImport(store, Path(path)).run()
