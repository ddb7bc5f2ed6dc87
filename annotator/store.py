"""The SQLite store: the only module that talks to the database.

Everything the tool knows lives in one SQLite file (``annotations.db`` by default). The schema is a
public interface: researchers query it with SQL, so the tables are documented in the README and the
view ``annotation_view`` stays stable whatever the internal tables become. Opening, transactions
and migrations live in ``annotator/db/``; an applied migration is never edited, new ones are
appended.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotator.db.connection import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    DEFAULT_DB,
    Connection,
    DatabaseError,
    StoreError,
    default_db_path,
    explain_error,
    new_uid,
    now,
    open_database,
)
from annotator.db.migrations import known_migrations, migrations

if TYPE_CHECKING:
    from annotator.core.scheme import Scheme

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "DEFAULT_DB",
    "UNDOABLE",
    "DatabaseError",
    "DocumentIn",
    "Store",
    "StoreError",
    "default_db_path",
    "explain_error",
    "known_migrations",
    "migrations",
    "new_uid",
    "now",
]

UNDOABLE = frozenset({"add", "remove", "done", "undone", "note", "flag"})


@dataclass
class Store:
    """A handle on one database file. One per thread: SQLite connections are per thread."""

    db: Connection
    path: str
    _history: dict[int, tuple[int, list[int], list[int]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    # ---------------------------------------------------------------- opening and closing
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open (and create or migrate) the database at ``path``.

        Raises StoreError with a one-line message for: a file that is not SQLite, a database
        written by a newer version of the tool, a read-only location, a missing file when
        ``create`` is false.
        """
        db = open_database(path, create=create)
        return cls(db=db, path=db.path)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reopen(self) -> Store:
        """A new handle on the same file, for another thread."""
        return Store.open(self.path)

    # ---------------------------------------------------------------- generic reads
    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts (for reports and exporters built over the store)."""
        return self.db.query(sql, params)

    def iter_query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> Iterator[dict[str, Any]]:
        yield from self.db.iter_query(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- documents and sentences
    def has_document(self, sha256: str) -> int | None:
        row = self.db.execute("SELECT id FROM documents WHERE sha256 = ?", [sha256]).fetchone()
        return int(row[0]) if row else None

    def add_documents(self, docs: Iterable[DocumentIn]) -> list[tuple[int, bool]]:
        """Insert documents with their sentences, each document atomically.

        Returns (document_id, created) per input; a document whose text is already stored
        (same sha256) is left untouched. A batch is one transaction: all or nothing.
        """
        results: list[tuple[int, bool]] = []
        with self.db.atomic():
            for doc in docs:
                existing = self.has_document(doc.sha256)
                if existing is not None:
                    results.append((existing, False))
                    continue
                doc_id = self.db.insert(
                    "documents",
                    {
                            "external_id": doc.external_id,
                            "title": doc.title,
                            "source": doc.source,
                            "url": doc.url,
                            "published": doc.published,
                            "language": doc.language,
                            "text": doc.text,
                            "sha256": doc.sha256,
                            "meta": json.dumps(doc.meta, ensure_ascii=False, sort_keys=True),
                            "origin": doc.origin,
                            "n_sentences": len(doc.sentences),
                            "imported_at": now(),
                    },
                )
                self.db.insert_all(
                    "sentences",
                    (
                        {
                            "document_id": doc_id,
                            "idx": i,
                            "paragraph": para,
                            "start": start,
                            "end": end,
                            "text": doc.text[start:end],
                        }
                        for i, (start, end, para) in enumerate(doc.sentences)
                    ),
                    batch_size=1000,
                )
                results.append((doc_id, True))
        return results

    def document(self, document_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM documents WHERE id = ?", [document_id])
        return rows[0] if rows else None

    def document_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id").fetchall()]

    def count_documents(self) -> int:
        return int(self.scalar("SELECT count(*) FROM documents"))

    def count_sentences(self) -> int:
        return int(self.scalar("SELECT count(*) FROM sentences"))

    def sentences(self, document_id: int) -> list[dict[str, Any]]:
        return self.query(
            'SELECT id, document_id, idx, paragraph, start, "end", text FROM sentences '
            "WHERE document_id = ? ORDER BY idx",
            [document_id],
        )

    def sentence(self, sentence_id: int) -> dict[str, Any] | None:
        rows = self.query(
            'SELECT id, document_id, idx, paragraph, start, "end", text FROM sentences '
            "WHERE id = ?",
            [sentence_id],
        )
        return rows[0] if rows else None

    def search_sentences(self, q: str, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search over sentences (FTS5); the query is quoted so any text is safe."""
        terms = [t for t in q.replace('"', " ").split() if t]
        if not terms:
            return []
        match = " ".join(f'"{t}"' for t in terms)
        return self.query(
            "SELECT s.id, s.document_id, s.idx, s.text FROM sentences_fts "
            "JOIN sentences s ON s.rowid = sentences_fts.rowid "
            # FTS5 yields matches in rowid order, which is corpus order (a document's sentences
            # are inserted together, after it): no sort over every match of a common word.
            "WHERE sentences_fts MATCH ? ORDER BY sentences_fts.rowid LIMIT ?",
            [match, limit],
        )

    # ---------------------------------------------------------------- schemes
    def add_scheme(self, scheme: Scheme, *, allow_incompatible: bool = False) -> tuple[int, bool]:
        """Store a scheme version. Returns (scheme_id, created).

        The same text again is a no-op. A new version may add labels and sets; one that removes
        or renames a label still in use is refused (StoreError says how many annotations use it).
        """
        from annotator.core.scheme import incompatibilities, parse_scheme

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
        latest = self.latest_scheme_row(scheme.name)
        if latest is not None:
            if int(latest["version"]) > scheme.version:
                raise StoreError(
                    f"scheme {scheme.name!r}: version {scheme.version} is older than the stored "
                    f"version {latest['version']}"
                )
            old = parse_scheme(latest["yaml"], f"<stored {scheme.name} v{latest['version']}>")
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
        return pk, True

    def latest_scheme_row(self, name: str) -> dict[str, Any] | None:
        rows = self.query(
            "SELECT * FROM schemes WHERE name = ? ORDER BY version DESC LIMIT 1", [name]
        )
        return rows[0] if rows else None

    def list_schemes(self) -> list[dict[str, Any]]:
        """One row per scheme name: latest version, versions stored, annotations made."""
        return self.query(
            """
            SELECT s.name, max(s.version) AS version, count(*) AS versions,
                   (SELECT count(*) FROM annotations a JOIN schemes s2 ON s2.id = a.scheme_id
                    WHERE s2.name = s.name AND a.removed_at IS NULL) AS annotations,
                   max(s.added_at) AS added_at
            FROM schemes s GROUP BY s.name ORDER BY s.name
            """
        )

    def load_scheme(self, name: str | None = None) -> tuple[int, Scheme]:
        """The latest stored version of a scheme (or the only scheme when name is None)."""
        from annotator.core.scheme import parse_scheme

        if name is None:
            names = [r["name"] for r in self.list_schemes()]
            if len(names) != 1:
                raise StoreError(
                    "several schemes in the database, name one with --scheme: " + ", ".join(names)
                    if names
                    else "no scheme in the database"
                )
            name = names[0]
        row = self.latest_scheme_row(name)
        if row is None:
            known = ", ".join(r["name"] for r in self.list_schemes()) or "none"
            raise StoreError(f"no scheme named {name!r} in {self.path} (stored: {known})")
        return int(row["id"]), parse_scheme(row["yaml"], f"<stored {name} v{row['version']}>")

    def scheme_ids(self, name: str) -> list[int]:
        return [
            r[0]
            for r in self.db.execute("SELECT id FROM schemes WHERE name = ?", [name]).fetchall()
        ]

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
        """Rename a label in every annotation of a scheme (and gold); returns rows changed."""
        ids = self.scheme_ids(scheme_name)
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
    def annotator_id(self, name: str, *, create: bool = True) -> int:
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            raise StoreError(f"no annotator named {name!r} in {self.path}")
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, now()]
            )
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        return int(row[0])

    def annotator_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM annotators ORDER BY name")]

    # ---------------------------------------------------------------- annotating
    # Every action is one transaction that changes the current state AND appends one event whose
    # before/after JSON lets undo/redo (and merge) replay it. The caller shows the action as
    # applied only after the method returns, i.e. after COMMIT.

    def _ann_state(self, uids: Iterable[str]) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for uid in uids:
            row = self.db.execute(
                "SELECT removed_at IS NULL FROM annotations WHERE uid = ?", [uid]
            ).fetchone()
            out[uid] = bool(row[0]) if row else False
        return out

    def _progress_row(self, annotator_id: int, sentence_id: int) -> dict[str, Any] | None:
        rows = self.query(
            "SELECT status, flag, note, done_at FROM progress "
            "WHERE annotator_id = ? AND sentence_id = ?",
            [annotator_id, sentence_id],
        )
        return rows[0] if rows else None

    def _log(
        self,
        annotator_id: int,
        scheme_id: int | None,
        action: str,
        *,
        document_id: int | None,
        sentence_id: int | None,
        before: dict[str, Any],
        after: dict[str, Any],
        annotation_uid: str | None = None,
        undo_of: int | None = None,
        ts: str | None = None,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO events (uid, annotator_id, scheme_id, ts, action, document_id, "
            "sentence_id, "
            "annotation_uid, before, after, undo_of) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                new_uid(),
                annotator_id,
                scheme_id,
                ts or now(),
                action,
                document_id,
                sentence_id,
                annotation_uid,
                json.dumps(before, ensure_ascii=False, sort_keys=True),
                json.dumps(after, ensure_ascii=False, sort_keys=True),
                undo_of,
            ],
        )
        return int(cur.lastrowid or 0)

    def current_annotations(
        self,
        annotator_id: int,
        *,
        sentence_id: int | None = None,
        document_id: int | None = None,
        level: str | None = None,
        label_set: str | None = None,
    ) -> list[dict[str, Any]]:
        """This annotator's current annotations on a sentence or a document (blind: only theirs)."""
        where = ["annotator_id = ?", "removed_at IS NULL"]
        params: list[Any] = [annotator_id]
        if sentence_id is not None:
            where.append("sentence_id = ?")
            params.append(sentence_id)
        if document_id is not None:
            where.append("document_id = ?")
            params.append(document_id)
        if level is not None:
            where.append("level = ?")
            params.append(level)
        if label_set is not None:
            where.append("label_set = ?")
            params.append(label_set)
        return self.query(
            'SELECT id, uid, label_set, label, level, document_id, sentence_id, start, "end", '
            "value, "
            f"note, created_at FROM annotations WHERE {' AND '.join(where)} ORDER BY start, id",
            params,
        )

    def add_annotation(
        self,
        annotator_id: int,
        scheme_id: int,
        *,
        label_set: str,
        label: str,
        level: str,
        document_id: int,
        sentence_id: int | None = None,
        start: int | None = None,
        end: int | None = None,
        value: float | None = None,
        note: str | None = None,
        replace_in_set: bool = False,
    ) -> str:
        """Apply a label; returns its uid. ``replace_in_set`` (single-choice sets) removes this
        annotator's other labels of the set on the same unit (same span offsets for spans) in the
        same transaction, so the replacement is one undoable action."""
        uid = new_uid()
        with self.db.atomic():
            removed: list[str] = []
            if replace_in_set:
                cond = ["annotator_id = ?", "label_set = ?", "removed_at IS NULL", "level = ?"]
                params: list[Any] = [annotator_id, label_set, level]
                if level == "document":
                    cond.append("document_id = ?")
                    params.append(document_id)
                else:
                    cond.append("sentence_id = ?")
                    params.append(sentence_id)
                if level == "span":
                    cond.append('start = ? AND "end" = ?')
                    params += [start, end]
                removed = [
                    r[0]
                    for r in self.db.execute(
                        f"SELECT uid FROM annotations WHERE {' AND '.join(cond)}", params
                    ).fetchall()
                ]
            ts = now()
            if removed:
                marks = ",".join("?" * len(removed))
                self.db.execute(
                    f"UPDATE annotations SET removed_at = ? WHERE uid IN ({marks})", [ts, *removed]
                )
            self.db.execute(
                "INSERT INTO annotations (uid, annotator_id, scheme_id, label_set, label, level, "
                'document_id, sentence_id, start, "end", value, note, created_at) '
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    uid,
                    annotator_id,
                    scheme_id,
                    label_set,
                    label,
                    level,
                    document_id,
                    sentence_id,
                    start,
                    end,
                    value,
                    note,
                    ts,
                ],
            )
            before = {"annotations": {u: True for u in removed}}
            before["annotations"][uid] = False
            after = {"annotations": {u: False for u in removed}}
            after["annotations"][uid] = True
            self._log(
                annotator_id,
                scheme_id,
                "add",
                document_id=document_id,
                sentence_id=sentence_id,
                before=before,
                after=after,
                annotation_uid=uid,
                ts=ts,
            )
        return uid

    def remove_annotation(self, annotator_id: int, uid: str) -> bool:
        """Remove one of the annotator's current annotations (kept for audit, gone from views)."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT scheme_id, document_id, sentence_id FROM annotations "
                "WHERE uid = ? AND annotator_id = ? AND removed_at IS NULL",
                [uid, annotator_id],
            ).fetchone()
            if row is None:
                return False
            ts = now()
            self.db.execute("UPDATE annotations SET removed_at = ? WHERE uid = ?", [ts, uid])
            self._log(
                annotator_id,
                row[0],
                "remove",
                document_id=row[1],
                sentence_id=row[2],
                before={"annotations": {uid: True}},
                after={"annotations": {uid: False}},
                annotation_uid=uid,
                ts=ts,
            )
        return True

    def _set_progress(
        self,
        annotator_id: int,
        sentence_id: int,
        state: dict[str, Any] | None,
        *,
        scheme_id: int | None = None,
    ) -> None:
        if state is None:
            self.db.execute(
                "DELETE FROM progress WHERE annotator_id = ? AND sentence_id = ?",
                [annotator_id, sentence_id],
            )
            return
        ts = now()
        self.db.execute(
            "INSERT INTO progress (annotator_id, sentence_id, document_id, scheme_id, status, "
            "flag, "
            "note, seen_at, done_at, updated_at) "
            "SELECT ?, s.id, s.document_id, ?, ?, ?, ?, ?, ?, ? FROM sentences s WHERE s.id = ? "
            "ON CONFLICT (annotator_id, sentence_id) DO UPDATE SET status = excluded.status, "
            "flag = excluded.flag, note = excluded.note, done_at = excluded.done_at, "
            "updated_at = excluded.updated_at, scheme_id = coalesce(excluded.scheme_id, scheme_id)",
            [
                annotator_id,
                scheme_id,
                state.get("status", "seen"),
                int(state.get("flag") or 0),
                state.get("note"),
                ts,
                state.get("done_at"),
                ts,
                sentence_id,
            ],
        )

    def _change_progress(
        self,
        annotator_id: int,
        scheme_id: int | None,
        sentence_id: int,
        action: str,
        **changes: Any,
    ) -> dict[str, Any]:
        with self.db.atomic():
            before = self._progress_row(annotator_id, sentence_id)
            if before is None:
                # Acting on a sentence means it was seen: undo goes back to "seen", not "unseen".
                self._set_progress(
                    annotator_id, sentence_id, {"status": "seen"}, scheme_id=scheme_id
                )
                before = self._progress_row(annotator_id, sentence_id)
            state = dict(before or {})
            state.update(changes)
            if state == before:
                return state
            self._set_progress(annotator_id, sentence_id, state, scheme_id=scheme_id)
            doc = self.db.execute(
                "SELECT document_id FROM sentences WHERE id = ?", [sentence_id]
            ).fetchone()
            self._log(
                annotator_id,
                scheme_id,
                action,
                document_id=doc[0] if doc else None,
                sentence_id=sentence_id,
                before={"progress": before},
                after={"progress": state},
            )
        return state

    def mark_seen(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        """Record that the sentence was shown (no event: seeing is not an annotation action)."""
        with self.db.atomic():
            if self._progress_row(annotator_id, sentence_id) is None:
                self._set_progress(
                    annotator_id, sentence_id, {"status": "seen"}, scheme_id=scheme_id
                )

    def mark_done(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        """ "Seen, and everything to tag is tagged" (possibly nothing): an answer for agreement."""
        row = self._progress_row(annotator_id, sentence_id)
        if row is not None and row["status"] == "done":
            return
        self._change_progress(
            annotator_id, scheme_id, sentence_id, "done", status="done", done_at=now()
        )

    def mark_not_done(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        self._change_progress(
            annotator_id, scheme_id, sentence_id, "undone", status="seen", done_at=None
        )

    def set_note(
        self, annotator_id: int, scheme_id: int | None, sentence_id: int, note: str | None
    ) -> None:
        self._change_progress(annotator_id, scheme_id, sentence_id, "note", note=note or None)

    def set_flag(
        self, annotator_id: int, scheme_id: int | None, sentence_id: int, flag: bool
    ) -> None:
        self._change_progress(annotator_id, scheme_id, sentence_id, "flag", flag=int(flag))

    def progress(self, annotator_id: int, sentence_id: int) -> dict[str, Any] | None:
        return self._progress_row(annotator_id, sentence_id)

    def add_time(self, annotator_id: int, sentence_id: int, seconds: float) -> None:
        """Add active time to a sentence (the caller excludes pauses)."""
        if seconds <= 0:
            return
        with self.db.atomic():
            self.db.execute(
                "UPDATE progress SET seconds = seconds + ? "
                "WHERE annotator_id = ? AND sentence_id = ?",
                [seconds, annotator_id, sentence_id],
            )

    # ---------------------------------------------------------------- undo / redo
    def history(self, annotator_id: int) -> tuple[list[int], list[int]]:
        """(undo stack, redo stack) of event ids, replayed from the event log.

        A normal action pushes on the undo stack and clears the redo stack; an ``undo`` event moves
        its target to the redo stack; a ``redo`` event moves it back. So both survive restarts.
        The log is append-only, so the replay is kept per handle and only events newer than the
        last one seen are read: an undo costs the same after a month of work as on day one.
        """
        last, done, redo = self._history.get(annotator_id, (0, [], []))
        done, redo = list(done), list(redo)
        for eid, action, undo_of in self.db.execute(
            "SELECT id, action, undo_of FROM events WHERE annotator_id = ? AND id > ? ORDER BY id",
            [annotator_id, last],
        ):
            last = eid
            if action == "undo":
                if done and done[-1] == undo_of:
                    done.pop()
                    redo.append(undo_of)
            elif action == "redo":
                if redo and redo[-1] == undo_of:
                    redo.pop()
                    done.append(undo_of)
            elif action in UNDOABLE:
                done.append(eid)
                redo.clear()
        if not self.db.in_transaction:
            # Cache only what is committed: a rolled-back transaction must not leave events here.
            self._history[annotator_id] = (last, done, redo)
        return list(done), list(redo)

    def _apply_state(
        self, annotator_id: int, sentence_id: int | None, state: dict[str, Any]
    ) -> None:
        ts = now()
        for uid, active in state.get("annotations", {}).items():
            self.db.execute(
                "UPDATE annotations SET removed_at = ? WHERE uid = ? AND annotator_id = ?",
                [None if active else ts, uid, annotator_id],
            )
        if "progress" in state and sentence_id is not None:
            self._set_progress(annotator_id, sentence_id, state["progress"])

    def _reverse(self, annotator_id: int, kind: str) -> dict[str, Any] | None:
        self.history(annotator_id)  # bring the cached replay up to date outside the transaction
        with self.db.atomic():
            done, redo = self.history(annotator_id)
            stack = done if kind == "undo" else redo
            if not stack:
                return None
            target = stack[-1]
            row = self.query("SELECT * FROM events WHERE id = ?", [target])[0]
            state = json.loads(row["before"] if kind == "undo" else row["after"])
            self._apply_state(annotator_id, row["sentence_id"], state)
            self._log(
                annotator_id,
                row["scheme_id"],
                kind,
                document_id=row["document_id"],
                sentence_id=row["sentence_id"],
                before={},
                after={},
                undo_of=target,
                annotation_uid=row["annotation_uid"],
            )
        return row

    def undo(self, annotator_id: int) -> dict[str, Any] | None:
        """Undo the annotator's last action; returns the event undone (None if nothing to undo)."""
        return self._reverse(annotator_id, "undo")

    def redo(self, annotator_id: int) -> dict[str, Any] | None:
        return self._reverse(annotator_id, "redo")

    # ---------------------------------------------------------------- navigation
    def set_position(self, annotator_id: int, scheme_id: int, sentence_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO positions (annotator_id, scheme_id, sentence_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (annotator_id, scheme_id) DO UPDATE SET "
                "sentence_id = excluded.sentence_id, updated_at = excluded.updated_at",
                [annotator_id, scheme_id, sentence_id, now()],
            )

    def position(self, annotator_id: int, scheme_id: int) -> int | None:
        row = self.db.execute(
            "SELECT sentence_id FROM positions WHERE annotator_id = ? AND scheme_id IN "
            "(SELECT id FROM schemes WHERE name = (SELECT name FROM schemes WHERE id = ?)) "
            "ORDER BY updated_at DESC LIMIT 1",
            [annotator_id, scheme_id],
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def neighbour_sentence(self, sentence_id: int, step: int) -> int | None:
        """The next (step=1) or previous (step=-1) sentence in corpus order, across documents."""
        s = self.db.execute(
            "SELECT document_id, idx FROM sentences WHERE id = ?", [sentence_id]
        ).fetchone()
        if s is None:
            return None
        if step > 0:
            row = self.db.execute(
                "SELECT id FROM sentences WHERE (document_id = ? AND idx > ?) OR document_id > ? "
                "ORDER BY document_id, idx LIMIT 1",
                [s[0], s[1], s[0]],
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT id FROM sentences WHERE (document_id = ? AND idx < ?) OR document_id < ? "
                "ORDER BY document_id DESC, idx DESC LIMIT 1",
                [s[0], s[1], s[0]],
            ).fetchone()
        return int(row[0]) if row else None

    def first_sentence(self, document_id: int | None = None) -> int | None:
        if document_id is None:
            row = self.db.execute(
                "SELECT id FROM sentences ORDER BY document_id, idx LIMIT 1"
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT id FROM sentences WHERE document_id = ? ORDER BY idx LIMIT 1", [document_id]
            ).fetchone()
        return int(row[0]) if row else None

    def next_not_done(self, annotator_id: int, after_sentence_id: int | None) -> int | None:
        """The annotator's next sentence not marked done, after the given one (wrapping once)."""
        start = (-1, -1)
        if after_sentence_id is not None:
            s = self.db.execute(
                "SELECT document_id, idx FROM sentences WHERE id = ?", [after_sentence_id]
            ).fetchone()
            if s is not None:
                start = (s[0], s[1])
        sql = (
            "SELECT s.id FROM sentences s WHERE ({cond}) AND NOT EXISTS (SELECT 1 FROM progress p "
            "WHERE p.annotator_id = ? AND p.sentence_id = s.id AND p.status = 'done') "
            "ORDER BY s.document_id, s.idx LIMIT 1"
        )
        row = self.db.execute(
            sql.format(cond="(s.document_id = ? AND s.idx > ?) OR s.document_id > ?"),
            [start[0], start[1], start[0], annotator_id],
        ).fetchone()
        if row is None:
            row = self.db.execute(sql.format(cond="1"), [annotator_id]).fetchone()
        return int(row[0]) if row else None

    def neighbour_document(self, document_id: int, step: int) -> int | None:
        op, order = (">", "ASC") if step > 0 else ("<", "DESC")
        row = self.db.execute(
            f"SELECT id FROM documents WHERE id {op} ? ORDER BY id {order} LIMIT 1", [document_id]
        ).fetchone()
        return int(row[0]) if row else None

    def document_index(self, document_id: int) -> tuple[int, int]:
        """(1-based position of the document, number of documents)."""
        pos = int(self.scalar("SELECT count(*) FROM documents WHERE id <= ?", [document_id]))
        return pos, self.count_documents()

    def done_count(self, annotator_id: int) -> int:
        return int(
            self.scalar(
                "SELECT count(*) FROM progress WHERE annotator_id = ? AND status = 'done'",
                [annotator_id],
            )
        )

    # ---------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        """Per annotator: documents and sentences done / total and annotations per label set."""
        total_docs = self.count_documents()
        total_sents = self.count_sentences()
        out: list[dict[str, Any]] = []
        for a in self.query("SELECT id, name FROM annotators ORDER BY name"):
            aid = a["id"]
            done = int(
                self.scalar(
                    "SELECT count(*) FROM progress WHERE annotator_id = ? AND status = 'done'",
                    [aid],
                )
            )
            docs_done = int(
                self.scalar(
                    "SELECT count(*) FROM documents d WHERE d.n_sentences > 0 AND d.n_sentences = "
                    "(SELECT count(*) FROM progress p WHERE p.document_id = d.id "
                    "AND p.annotator_id = ? AND p.status = 'done')",
                    [aid],
                )
            )
            per_set = {
                r["label_set"]: r["n"]
                for r in self.query(
                    "SELECT label_set, count(*) AS n FROM annotations WHERE annotator_id = ? "
                    "AND removed_at IS NULL GROUP BY label_set ORDER BY label_set",
                    [aid],
                )
            }
            seconds = float(
                self.scalar(
                    "SELECT coalesce(sum(seconds), 0) FROM progress WHERE annotator_id = ?", [aid]
                )
            )
            out.append(
                {
                    "annotator": a["name"],
                    "documents_done": docs_done,
                    "documents_total": total_docs,
                    "sentences_done": done,
                    "sentences_total": total_sents,
                    "annotations": per_set,
                    "seconds": round(seconds, 1),
                }
            )
        return out

    # --- doctor ---
    # Low-level checks and repairs for `annotator doctor` (the logic lives in annotator/doctor.py).
    def integrity_errors(self, limit: int = 20) -> list[str]:
        """``PRAGMA integrity_check``: an empty list when the file is sound."""
        rows = [r[0] for r in self.db.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()]
        if rows == ["ok"]:
            return []
        lines = [ln.strip() for r in rows for ln in str(r).splitlines()]
        return [ln for ln in lines if ln and not ln.startswith("***")][:limit]

    def foreign_key_violations(self) -> list[dict[str, Any]]:
        """Rows pointing at a parent that does not exist: (table, rowid, parent)."""
        return [
            {"table": r[0], "rowid": r[1], "parent": r[2]}
            for r in self.db.execute("PRAGMA foreign_key_check").fetchall()
        ]

    FTS_TRIGGERS = ("sentences_ai", "sentences_ad", "sentences_au")

    def fts_problems(self) -> list[str]:
        """Whether the full-text index matches the sentences (and its triggers exist)."""
        problems = []
        if not self.db.table_exists("sentences_fts"):
            return ["the full-text index sentences_fts is missing"]
        have = self.db.trigger_names()
        missing = [t for t in self.FTS_TRIGGERS if t not in have]
        if missing:
            problems.append(f"full-text index triggers missing: {', '.join(missing)}")
        try:
            self.db.execute(
                "INSERT INTO sentences_fts(sentences_fts, rank) VALUES ('integrity-check', 1)"
            )
        except DatabaseError:
            problems.append("the full-text index sentences_fts is out of sync with sentences")
        return problems

    def rebuild_fts(self) -> None:
        """Recreate the full-text index and its triggers from the sentences table."""
        with self.db.atomic():
            self.db.utils().table("sentences").enable_fts(
                ["text"],
                create_triggers=True,
                replace=True,
                tokenize="unicode61 remove_diacritics 2",
            )
            self.db.execute("INSERT INTO sentences_fts(sentences_fts) VALUES ('rebuild')")

    def backup(self, label: str = "backup") -> str:
        """A consistent copy of the database next to it (SQLite online backup); returns its path."""
        return self.db.backup(label)

    def delete_orphans(self) -> int:
        """Delete rows whose parent row is gone (repeats: a deleted row can orphan others)."""
        total = 0
        with self.db.atomic():
            # Orphans may point at each other (undo_of): check the keys at COMMIT, not per row.
            self.db.execute("PRAGMA defer_foreign_keys = ON")
            for _ in range(10):
                bad = self.foreign_key_violations()
                if not bad:
                    break
                for v in bad:
                    self.db.execute(f'DELETE FROM "{v["table"]}" WHERE rowid = ?', [v["rowid"]])
                total += len(bad)
        return total

    def fix_sentence_texts(self) -> int:
        """Set sentence texts back to their document's slice (the document text is the truth)."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE sentences SET text = (SELECT substr(d.text, sentences.start + 1, "
                'sentences."end" - sentences.start) FROM documents d '
                "WHERE d.id = sentences.document_id) "
                "WHERE id IN (SELECT s.id FROM sentences s "
                "JOIN documents d ON d.id = s.document_id "
                'WHERE s."end" <= length(d.text) AND '
                's.text IS NOT substr(d.text, s.start + 1, s."end" - s.start))'
            )
            self.db.execute(
                "UPDATE documents SET n_sentences = (SELECT count(*) FROM sentences s "
                "WHERE s.document_id = documents.id)"
            )
        return int(cur.rowcount)

    def restore_state(
        self,
        annotator_id: int,
        annotations: dict[str, bool],
        progress: dict[int, dict[str, Any] | None],
    ) -> None:
        """Set annotations' active flags and progress rows to a state replayed from the events."""
        with self.db.atomic():
            self._apply_state(annotator_id, None, {"annotations": annotations})
            for sentence_id, state in progress.items():
                if state is None:
                    self.db.execute(
                        "UPDATE progress SET status = 'seen', done_at = NULL, flag = 0, "
                        "note = NULL "
                        "WHERE annotator_id = ? AND sentence_id = ?",
                        [annotator_id, sentence_id],
                    )
                else:
                    self._set_progress(annotator_id, sentence_id, state)

    def adopt_annotation(self, annotator_id: int, uid: str) -> None:
        """Record in the event log a current annotation that no event records (rows written by
        hand or by an older tool), as an ``adopt`` event: replayable, not undoable."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT scheme_id, document_id, sentence_id FROM annotations "
                "WHERE uid = ? AND annotator_id = ?",
                [uid, annotator_id],
            ).fetchone()
            if row is None:
                return
            self._log(
                annotator_id,
                row[0],
                "adopt",
                document_id=row[1],
                sentence_id=row[2],
                before={"annotations": {uid: False}},
                after={"annotations": {uid: True}},
                annotation_uid=uid,
            )

    # --- robustness ---
    def writable(self) -> bool:
        """Whether this database can be written (file, directory and disk permitting)."""
        return self.db.writable()

    def require_writable(self) -> None:
        """Raise StoreError (one line) when the database cannot be written."""
        self.db.require_writable()

    # --- report ---
    # Read-only queries behind `annotator report` (annotator/report.py does the arithmetic).
    # ``scheme`` limits annotations to the versions of one scheme name (None: all schemes).

    def _scheme_cond(self, scheme: str | None, alias: str = "a") -> tuple[str, list[Any]]:
        if scheme is None:
            return "", []
        return f" AND {alias}.scheme_id IN (SELECT id FROM schemes WHERE name = ?)", [scheme]

    def report_documents(self) -> list[dict[str, Any]]:
        """Every document with its outlet (source) and sentence count."""
        return self.query("SELECT id, title, source, n_sentences FROM documents ORDER BY id")

    def report_answered(self, scheme: str | None = None) -> list[dict[str, Any]]:
        """Per annotator and document: sentences answered (marked done, or carrying at least one
        of the annotator's current labels or spans)."""
        cond, params = self._scheme_cond(scheme)
        return self.query(
            "SELECT n.name AS annotator, x.document_id, count(DISTINCT x.sentence_id) AS n FROM ("
            "SELECT annotator_id, document_id, sentence_id FROM progress WHERE status = 'done' "
            "UNION SELECT a.annotator_id, a.document_id, a.sentence_id FROM annotations a "
            f"WHERE a.removed_at IS NULL AND a.sentence_id IS NOT NULL{cond}"
            ") x JOIN annotators n ON n.id = x.annotator_id "
            "GROUP BY n.name, x.document_id ORDER BY n.name, x.document_id",
            params,
        )

    def report_span_texts(self, scheme: str | None = None) -> list[dict[str, Any]]:
        """Every current span with its text (cut from the document text by its offsets)."""
        cond, params = self._scheme_cond(scheme)
        return self.query(
            "SELECT n.name AS annotator, a.document_id, d.source, a.label_set, a.label, "
            'substr(d.text, a.start + 1, a."end" - a.start) AS text '
            "FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN documents d ON d.id = a.document_id "
            f"WHERE a.removed_at IS NULL AND a.level = 'span'{cond} ORDER BY a.id",
            params,
        )

    def report_unit_labels(
        self, scheme: str | None = None
    ) -> list[tuple[str, str, int, int | None, str, str]]:
        """Every current annotation reduced to its unit, as plain tuples (fast on big corpora):
        (annotator, level, document_id, sentence_id, label_set, label). Spans count as a label
        on their sentence."""
        cond, params = self._scheme_cond(scheme)
        return [
            tuple(r)
            for r in self.db.execute(
                "SELECT n.name, a.level, a.document_id, a.sentence_id, a.label_set, a.label "
                "FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
                f"WHERE a.removed_at IS NULL{cond} ORDER BY a.id",
                params,
            ).fetchall()
        ]

    def report_done_sentences(self) -> list[dict[str, Any]]:
        """(annotator, document, sentence) for every sentence an annotator marked done."""
        return self.query(
            "SELECT n.name AS annotator, p.document_id, p.sentence_id FROM progress p "
            "JOIN annotators n ON n.id = p.annotator_id WHERE p.status = 'done' "
            "ORDER BY p.document_id, p.sentence_id"
        )

    def report_done_documents(self) -> list[dict[str, Any]]:
        """(annotator, document) for every document panel an annotator marked done."""
        return self.query(
            "SELECT n.name AS annotator, p.document_id FROM document_progress p "
            "JOIN annotators n ON n.id = p.annotator_id WHERE p.status = 'done' "
            "ORDER BY p.document_id"
        )

    def report_time(self) -> list[dict[str, Any]]:
        """Per annotator: sentences done and seen, active seconds, sentences with time recorded."""
        return self.query(
            "SELECT n.name AS annotator, "
            "coalesce(sum(p.status = 'done'), 0) AS done, count(p.sentence_id) AS seen, "
            "coalesce(sum(p.seconds), 0.0) AS seconds, coalesce(sum(p.seconds > 0), 0) AS timed "
            "FROM annotators n LEFT JOIN progress p ON p.annotator_id = n.id "
            "GROUP BY n.id ORDER BY n.name"
        )

    # --- review ---
    # Adjudication: one current decision per unit (label set x sentence, or x document). A new
    # decision supersedes the current one (superseded_at = the new decision's created_at, which
    # links the two); undo supersedes the adjudicator's latest current decision and restores the
    # one it had replaced. Rows are never deleted, so the history stays auditable.

    def review_annotations(self, scheme: str | None = None) -> list[tuple[Any, ...]]:
        """Every current annotation, reduced to what adjudication compares, as plain tuples:
        (annotator, label_set, level, document_id, sentence_id, label, start, end)."""
        cond, params = self._scheme_cond(scheme)
        return self.db.execute(
            "SELECT n.name, a.label_set, a.level, a.document_id, a.sentence_id, "
            'a.label, a.start, a."end" FROM annotations a '
            "JOIN annotators n ON n.id = a.annotator_id "
            f"WHERE a.removed_at IS NULL{cond} ORDER BY a.id",
            params,
        ).fetchall()

    def current_adjudications(self, label_set: str | None = None) -> list[dict[str, Any]]:
        """Current (not superseded) decisions with their gold items under ``gold``."""
        where = "a.superseded_at IS NULL"
        params: list[Any] = []
        if label_set is not None:
            where += " AND a.label_set = ?"
            params.append(label_set)
        rows = self.query(
            "SELECT a.id, a.uid, a.label_set, a.level, a.document_id, a.sentence_id, "
            "n.name AS adjudicator, a.choice, a.sources, a.status, a.note, a.created_at "
            f"FROM adjudications a JOIN annotators n ON n.id = a.adjudicator_id WHERE {where} "
            "ORDER BY a.id",
            params,
        )
        gold: dict[int, list[dict[str, Any]]] = {}
        if rows:
            for g in self.query(
                'SELECT adjudication_id, label, start, "end", value FROM gold WHERE '
                "adjudication_id IN (SELECT id FROM adjudications WHERE superseded_at IS NULL) "
                "ORDER BY id"
            ):
                gold.setdefault(int(g["adjudication_id"]), []).append(g)
        for r in rows:
            r["sources"] = json.loads(r["sources"] or "[]")
            r["gold"] = gold.get(int(r["id"]), [])
        return rows

    def _insert_decision(
        self, scheme_id: int, adjudicator_id: int, d: dict[str, Any], ts: str
    ) -> int:
        unit = "label_set = ? AND document_id = ? AND sentence_id IS ? AND superseded_at IS NULL"
        self.db.execute(
            f"UPDATE adjudications SET superseded_at = ? WHERE {unit}",
            [ts, d["label_set"], d["document_id"], d.get("sentence_id")],
        )
        cur = self.db.execute(
            "INSERT INTO adjudications (uid, scheme_id, label_set, level, document_id, "
            "sentence_id, adjudicator_id, choice, sources, status, note, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                new_uid(),
                scheme_id,
                d["label_set"],
                d["level"],
                d["document_id"],
                d.get("sentence_id"),
                adjudicator_id,
                d["choice"],
                json.dumps(list(d.get("sources") or []), ensure_ascii=False),
                d.get("status", "resolved"),
                d.get("note"),
                ts,
            ],
        )
        adj_id = int(cur.lastrowid or 0)
        gold_rows = [
            (
                adj_id,
                d["label_set"],
                g["label"],
                d["level"],
                d["document_id"],
                d.get("sentence_id"),
                g.get("start"),
                g.get("end"),
                g.get("value"),
            )
            for g in d.get("gold") or []
        ]
        if gold_rows:
            self.db.executemany(
                "INSERT INTO gold (adjudication_id, label_set, label, level, document_id, "
                'sentence_id, start, "end", value) VALUES (?,?,?,?,?,?,?,?,?)',
                gold_rows,
            )
        return adj_id

    def adjudicate(self, scheme_id: int, adjudicator_id: int, decision: dict[str, Any]) -> int:
        """Store one decision (keys: label_set, level, document_id, sentence_id, choice, sources,
        status, note, gold = [{label, start, end, value}]) and its gold rows in one transaction,
        superseding the unit's current decision. Returns the adjudication id."""
        with self.db.atomic():
            return self._insert_decision(scheme_id, adjudicator_id, decision, now())

    def adjudicate_many(
        self, scheme_id: int, adjudicator_id: int, decisions: Iterable[dict[str, Any]]
    ) -> int:
        """Store many decisions in one transaction (all or nothing); returns how many."""
        n = 0
        with self.db.atomic():
            for d in decisions:
                self._insert_decision(scheme_id, adjudicator_id, d, now())
                n += 1
        return n

    def undo_adjudication(
        self, adjudicator_id: int, label_sets: Sequence[str] | None = None
    ) -> dict[str, Any] | None:
        """Undo the adjudicator's latest current decision (within ``label_sets`` when given):
        supersede it and restore the decision it replaced (if any). Returns the undone
        decision's row, or None when nothing is left."""
        where = "adjudicator_id = ? AND superseded_at IS NULL"
        params: list[Any] = [adjudicator_id]
        if label_sets is not None:
            where += f" AND label_set IN ({','.join('?' * len(label_sets))})"
            params += list(label_sets)
        with self.db.atomic():
            rows = self.query(
                f"SELECT * FROM adjudications WHERE {where} ORDER BY id DESC LIMIT 1", params
            )
            if not rows:
                return None
            last = rows[0]
            self.db.execute(
                "UPDATE adjudications SET superseded_at = ? WHERE id = ?", [now(), last["id"]]
            )
            previous = self.db.execute(
                "SELECT id FROM adjudications WHERE label_set = ? AND document_id = ? AND "
                "sentence_id IS ? AND id < ? AND superseded_at = ? ORDER BY id DESC LIMIT 1",
                [
                    last["label_set"],
                    last["document_id"],
                    last["sentence_id"],
                    last["id"],
                    last["created_at"],
                ],
            ).fetchone()
            if previous is not None:
                self.db.execute(
                    "UPDATE adjudications SET superseded_at = NULL WHERE id = ?", [previous[0]]
                )
        return last

    # --- agreement ---
    # Bulk reads behind `annotator agree` (annotator/agree_db.py builds the matrices). A handful
    # of queries, never one per unit, returning numpy arrays: 200,000 sentences x 3 annotators
    # must load in well under a second. Rows travel as one comma-separated string of packed
    # integers per query (``group_concat``), parsed by numpy in C, instead of millions of Python
    # tuples; annotations come from the covering index ``idx_annotations_agreement``.

    _AGREE_SHIFT = 1 << 20  # unit id * 2^20 + annotator id

    def agreement_read_mode(self) -> None:
        """Memory-map the file for this connection: ``agree`` reads most of the database once,
        and mapped pages skip a system call per page (a quarter of the time on 200,000
        sentences)."""
        self.db.execute("PRAGMA mmap_size = 1073741824")

    def _agree_marks(self, ids: Sequence[int]) -> str:
        return ",".join("?" * len(ids)) or "NULL"

    @staticmethod
    def _agree_ints(text: str | None, width: int = 1) -> Any:
        """A ``group_concat`` string of integers as a numpy array of ``width`` columns."""
        import numpy as np

        if not text:
            return np.zeros((0, width), dtype=np.int64)
        return np.fromstring(text, dtype=np.int64, sep=",").reshape(-1, width)

    def _agree_unpack(self, packed: Any) -> tuple[Any, Any]:
        return packed & (self._AGREE_SHIFT - 1), packed // self._AGREE_SHIFT

    def agreement_annotators(self) -> list[tuple[int, str]]:
        """(id, name) of every annotator, by name (agree_db keeps, per label set, those who
        answered it)."""
        return [
            (int(r[0]), str(r[1]))
            for r in self.db.execute("SELECT id, name FROM annotators ORDER BY name").fetchall()
        ]

    def agreement_done_sentences(self, scheme_ids: Sequence[int]) -> tuple[Any, Any]:
        """(annotator ids, sentence ids) of every sentence marked done under these scheme
        versions (or with no scheme recorded), as two numpy arrays."""
        row = self.db.execute(
            f"SELECT group_concat(sentence_id * {self._AGREE_SHIFT} + annotator_id) FROM progress "
            "WHERE status = 'done' "
            f"AND (scheme_id IS NULL OR scheme_id IN ({self._agree_marks(scheme_ids)}))",
            list(scheme_ids),
        ).fetchone()
        return self._agree_unpack(self._agree_ints(row[0])[:, 0])

    def agreement_done_documents(self, scheme_ids: Sequence[int]) -> tuple[Any, Any]:
        """(annotator ids, document ids) of every document panel marked done."""
        row = self.db.execute(
            f"SELECT group_concat(document_id * {self._AGREE_SHIFT} + annotator_id) "
            "FROM document_progress WHERE status = 'done' "
            f"AND (scheme_id IS NULL OR scheme_id IN ({self._agree_marks(scheme_ids)}))",
            list(scheme_ids),
        ).fetchone()
        return self._agree_unpack(self._agree_ints(row[0])[:, 0])

    def agreement_labels(
        self, scheme_ids: Sequence[int], label_set: str, level: str
    ) -> dict[str, tuple[Any, ...]]:
        """Current annotations of one label set, by label: label -> (annotator ids, unit ids) for
        sentence and document sets (the unit is the sentence or the document), label ->
        (annotator ids, sentence ids, starts, ends) for span sets; numpy arrays."""
        import numpy as np

        unit = "document_id" if level == "document" else "sentence_id"
        cols = [f"group_concat({unit} * {self._AGREE_SHIFT} + annotator_id)"]
        if level == "span":
            cols += ["group_concat(start)", 'group_concat("end")']
        parts: dict[str, list[list[Any]]] = {}
        for sid in scheme_ids:
            for label, *texts in self.db.execute(
                f"SELECT label, {', '.join(cols)} FROM annotations "
                "INDEXED BY idx_annotations_agreement WHERE removed_at IS NULL "
                "AND scheme_id = ? AND label_set = ? AND level = ? GROUP BY label",
                [sid, label_set, level],
            ):
                parts.setdefault(str(label), []).append([self._agree_ints(t)[:, 0] for t in texts])
        out: dict[str, tuple[Any, ...]] = {}
        for label, chunks in parts.items():
            columns = [np.concatenate([c[i] for c in chunks]) for i in range(len(cols))]
            ann, units = self._agree_unpack(columns[0])
            out[label] = (ann, units, *columns[1:])
        return out

    def agreement_latest_labels(
        self, scheme_ids: Sequence[int], label_set: str, level: str
    ) -> list[tuple[int, int, str]]:
        """(annotator id, unit id, label) of the most recent label wherever an annotator has
        several current labels on one unit of the set (a single-choice set should not)."""
        unit = "document_id" if level == "document" else "sentence_id"
        return [
            (int(r[0]), int(r[1]), str(r[2]))
            for r in self.db.execute(
                f"SELECT annotator_id, {unit}, label, max(id) FROM annotations "
                "WHERE removed_at IS NULL "
                f"AND scheme_id IN ({self._agree_marks(scheme_ids)}) AND label_set = ? "
                f"AND level = ? GROUP BY annotator_id, {unit} HAVING count(*) > 1",
                [*scheme_ids, label_set, level],
            )
        ]

    def agreement_sentence_bounds(self) -> tuple[Any, Any, Any]:
        """(ids, starts, ends) of every sentence, sorted by id, as numpy arrays."""
        ids, packed = self.db.execute(
            'SELECT group_concat(id), group_concat(start * 4294967296 + ("end" - start)) '
            'FROM (SELECT id, start, "end" FROM sentences ORDER BY id)'
        ).fetchone()
        id_arr = self._agree_ints(ids)[:, 0]
        both = self._agree_ints(packed)[:, 0]
        start = both >> 32
        return id_arr, start, start + (both & 0xFFFFFFFF)

    def agreement_scheme_names(self) -> list[str]:
        """Names of the stored schemes (without counting their annotations)."""
        return [
            str(r[0])
            for r in self.db.execute("SELECT DISTINCT name FROM schemes ORDER BY name").fetchall()
        ]

    def agreement_unit_texts(
        self, sentence_ids: Sequence[int] = (), document_ids: Sequence[int] = ()
    ) -> tuple[dict[int, tuple[int, str | None, str]], dict[int, str | None]]:
        """For a few units shown in a report: sentence id -> (document id, document title,
        sentence text) and document id -> title."""
        sents: dict[int, tuple[int, str | None, str]] = {}
        docs: dict[int, str | None] = {}
        s_ids, d_ids = list(sentence_ids), list(document_ids)
        for i in range(0, len(s_ids), 500):
            chunk = s_ids[i : i + 500]
            for sid, did, title, text in self.db.execute(
                "SELECT s.id, s.document_id, d.title, s.text FROM sentences s "
                "JOIN documents d ON d.id = s.document_id "
                f"WHERE s.id IN ({self._agree_marks(chunk)})",
                chunk,
            ):
                sents[int(sid)] = (int(did), title, text)
        for i in range(0, len(d_ids), 500):
            chunk = d_ids[i : i + 500]
            for did, title in self.db.execute(
                f"SELECT id, title FROM documents WHERE id IN ({self._agree_marks(chunk)})", chunk
            ):
                docs[int(did)] = title
        return sents, docs

    # --- tui ---
    def tui_visit(
        self,
        annotator_id: int,
        scheme_id: int,
        sentence_id: int,
        *,
        left_sentence_id: int | None = None,
        seconds: float = 0.0,
    ) -> None:
        """The annotation screen moved to a sentence: add the active time spent on the one it
        left, mark the new one seen and store it as the resume position, in one transaction.

        Moving is not labelling, so this commit does not wait for fsync (synchronous=NORMAL, WAL
        mode): it survives the process dying, kill -9 included; only an OS crash or power cut
        could lose the latest position or "seen", never a label (the next labelling commit
        syncs it too). That is 4-12 ms less per move on the annotation screen."""
        ts = now()
        sync = self.scalar("PRAGMA synchronous")
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            self._tui_visit(annotator_id, scheme_id, sentence_id, left_sentence_id, seconds, ts)
        finally:
            self.db.execute(f"PRAGMA synchronous = {int(sync)}")

    def _tui_visit(
        self,
        annotator_id: int,
        scheme_id: int,
        sentence_id: int,
        left_sentence_id: int | None,
        seconds: float,
        ts: str,
    ) -> None:
        with self.db.atomic():
            if left_sentence_id is not None and seconds > 0:
                self.db.execute(
                    "UPDATE progress SET seconds = seconds + ? "
                    "WHERE annotator_id = ? AND sentence_id = ?",
                    [seconds, annotator_id, left_sentence_id],
                )
            self.db.execute(
                "INSERT INTO progress (annotator_id, sentence_id, document_id, scheme_id, status, "
                "seen_at, updated_at) SELECT ?, s.id, s.document_id, ?, 'seen', ?, ? "
                "FROM sentences s WHERE s.id = ? "
                "ON CONFLICT (annotator_id, sentence_id) DO NOTHING",
                [annotator_id, scheme_id, ts, ts, sentence_id],
            )
            self.db.execute(
                "INSERT INTO positions (annotator_id, scheme_id, sentence_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (annotator_id, scheme_id) DO UPDATE SET "
                "sentence_id = excluded.sentence_id, updated_at = excluded.updated_at",
                [annotator_id, scheme_id, sentence_id, ts],
            )

    def tui_find_document(self, ref: str) -> int | None:
        """A document by id, else by external id (the `g` key of the annotation screen)."""
        if ref.isdigit():
            row = self.db.execute("SELECT id FROM documents WHERE id = ?", [int(ref)]).fetchone()
            if row:
                return int(row[0])
        row = self.db.execute(
            "SELECT id FROM documents WHERE external_id = ? ORDER BY id LIMIT 1", [ref]
        ).fetchone()
        return int(row[0]) if row else None

    def tui_documents_between(self, a: int, b: int) -> int:
        """How many documents have an id in (min(a, b), max(a, b)]: moving from one document to
        its neighbour costs one row, not a count of the whole table."""
        lo, hi = min(a, b), max(a, b)
        return int(self.scalar("SELECT count(*) FROM documents WHERE id > ? AND id <= ?", [lo, hi]))

    def tui_sentence_at(self, document_id: int, idx: int) -> int | None:
        """The id of the sentence at 0-based position ``idx`` in a document."""
        row = self.db.execute(
            "SELECT id FROM sentences WHERE document_id = ? AND idx = ?", [document_id, idx]
        ).fetchone()
        return int(row[0]) if row else None

    # --- export / merge ---
    # Reads behind `annotator export` and `annotator merge` (annotator/exporters/, merge.py) and
    # the bulk writes behind `import-annotations` and `merge`. Rows carry names, content hashes
    # and sentence indexes besides internal ids, so they mean the same thing in another database.

    _EXPORT_ANN_COLS = (
        "a.uid, n.name AS annotator, s.name AS scheme, s.version AS scheme_version, a.label_set, "
        "a.label, a.level, a.document_id, a.sentence_id, se.idx AS sentence_idx, a.start, "
        'a."end", a.value, a.note, a.created_at, a.removed_at '
        "FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
        "JOIN schemes s ON s.id = a.scheme_id LEFT JOIN sentences se ON se.id = a.sentence_id"
    )

    def _in_filter(self, column: str, values: Sequence[str] | None, params: list[Any]) -> str:
        if not values:
            return ""
        params.extend(values)
        return f" AND {column} IN ({','.join('?' * len(values))})"

    def export_documents(self) -> list[dict[str, Any]]:
        """(id, external_id, sha256, n_sentences) of every document, in import order."""
        return self.query("SELECT id, external_id, sha256, n_sentences FROM documents ORDER BY id")

    def export_annotations(
        self,
        document_id: int,
        *,
        annotators: Sequence[str] | None = None,
        label_sets: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Current annotations of a document with annotator and scheme names, oldest first."""
        params: list[Any] = [document_id]
        where = self._in_filter("n.name", annotators, params)
        where += self._in_filter("a.label_set", label_sets, params)
        return self.query(
            f"SELECT {self._EXPORT_ANN_COLS} WHERE a.document_id = ? AND a.removed_at IS NULL"
            f"{where} ORDER BY a.created_at, a.uid",
            params,
        )

    def export_removed_annotations(
        self,
        *,
        annotators: Sequence[str] | None = None,
        label_sets: Sequence[str] | None = None,
    ) -> dict[int, list[dict[str, Any]]]:
        """Removed (or undone) annotations grouped by document id: kept for audit, and few."""
        params: list[Any] = []
        where = self._in_filter("n.name", annotators, params)
        where += self._in_filter("a.label_set", label_sets, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.iter_query(
            f"SELECT {self._EXPORT_ANN_COLS} WHERE a.removed_at IS NOT NULL{where} "
            "ORDER BY a.document_id, a.created_at, a.uid",
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def export_progress(
        self, document_id: int, *, annotators: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Per annotator and sentence of a document: status, time, flag and note."""
        params: list[Any] = [document_id]
        where = self._in_filter("n.name", annotators, params)
        return self.query(
            "SELECT n.name AS annotator, se.idx AS sentence_idx, p.sentence_id, "
            "s.name AS scheme, s.version AS scheme_version, p.status, p.seconds, p.flag, p.note, "
            "p.seen_at, p.done_at, p.updated_at FROM progress p "
            "JOIN annotators n ON n.id = p.annotator_id JOIN sentences se ON se.id = p.sentence_id "
            "LEFT JOIN schemes s ON s.id = p.scheme_id "
            f"WHERE p.document_id = ?{where} ORDER BY n.name, se.idx",
            params,
        )

    def export_document_progress(
        self, *, annotators: Sequence[str] | None = None
    ) -> dict[int, list[dict[str, Any]]]:
        """Document panels (status, flag, note) grouped by document id."""
        params: list[Any] = []
        where = self._in_filter("n.name", annotators, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.iter_query(
            "SELECT p.document_id, n.name AS annotator, s.name AS scheme, "
            "s.version AS scheme_version, p.status, p.flag, p.note, p.updated_at "
            "FROM document_progress p JOIN annotators n ON n.id = p.annotator_id "
            f"LEFT JOIN schemes s ON s.id = p.scheme_id WHERE 1{where} "
            "ORDER BY p.document_id, n.name",
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def export_adjudications(self) -> dict[int, list[dict[str, Any]]]:
        """Every adjudication (superseded ones too) with its gold rows, grouped by document."""
        gold: dict[int, list[dict[str, Any]]] = {}
        for row in self.iter_query(
            'SELECT adjudication_id, label_set, label, level, start, "end", value FROM gold '
            'ORDER BY adjudication_id, start, "end", label, id'
        ):
            gold.setdefault(int(row.pop("adjudication_id")), []).append(row)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.iter_query(
            "SELECT ad.id, ad.uid, ad.document_id, s.name AS scheme, s.version AS scheme_version, "
            "ad.label_set, ad.level, se.idx AS sentence_idx, n.name AS adjudicator, ad.choice, "
            "ad.sources, ad.status, ad.note, ad.created_at, ad.superseded_at "
            "FROM adjudications ad JOIN annotators n ON n.id = ad.adjudicator_id "
            "JOIN schemes s ON s.id = ad.scheme_id "
            "LEFT JOIN sentences se ON se.id = ad.sentence_id "
            "ORDER BY ad.document_id, ad.created_at, ad.uid"
        ):
            row["gold"] = gold.get(int(row.pop("id")), [])
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def export_gold(
        self, *, label_sets: Sequence[str] | None = None
    ) -> dict[int, list[dict[str, Any]]]:
        """Current resolved gold labels (``gold_view``) with sentence indexes, by document."""
        params: list[Any] = []
        where = self._in_filter("g.label_set", label_sets, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.iter_query(
            "SELECT g.*, se.idx AS sentence_idx FROM gold_view g "
            f"LEFT JOIN sentences se ON se.id = g.sentence_id WHERE 1{where} "
            'ORDER BY g.document_id, se.idx, g.start, g."end", g.label_set, g.label',
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def export_schemes(self) -> list[dict[str, Any]]:
        return self.query(
            "SELECT name, version, sha256, yaml, added_at FROM schemes ORDER BY name, version"
        )

    def export_annotators(self) -> list[dict[str, Any]]:
        return self.query("SELECT name, created_at FROM annotators ORDER BY name")

    def export_label_sets(self) -> list[tuple[str, str]]:
        """(label_set, level) of every current annotation and gold label."""
        rows = self.db.execute(
            "SELECT DISTINCT label_set, level FROM annotations WHERE removed_at IS NULL "
            "UNION SELECT DISTINCT label_set, level FROM gold ORDER BY 1, 2"
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def export_events(self) -> list[dict[str, Any]]:
        """The whole event log with names, document hashes and sentence indexes, in order."""
        return self.query(
            "SELECT e.uid, n.name AS annotator, s.name AS scheme, s.version AS scheme_version, "
            "e.ts, e.action, d.sha256 AS document_sha256, se.idx AS sentence_idx, "
            "e.annotation_uid, e.before, e.after, u.uid AS undo_of_uid FROM events e "
            "JOIN annotators n ON n.id = e.annotator_id LEFT JOIN schemes s ON s.id = e.scheme_id "
            "LEFT JOIN documents d ON d.id = e.document_id "
            "LEFT JOIN sentences se ON se.id = e.sentence_id "
            "LEFT JOIN events u ON u.id = e.undo_of ORDER BY e.id"
        )

    def count_current_annotations(self) -> int:
        return int(self.scalar("SELECT count(*) FROM annotations WHERE removed_at IS NULL"))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction around many calls (all or nothing)."""
        with self.db.atomic():
            yield

    def bulk_insert(
        self,
        table: str,
        rows: Iterable[dict[str, Any]],
        *,
        ignore: bool = False,
        replace: bool = False,
        batch_size: int = 5000,
    ) -> None:
        """``insert_all`` into one of the data tables (INSERT OR IGNORE / OR REPLACE on request)."""
        self.db.bulk_insert(table, rows, ignore=ignore, replace=replace, batch_size=batch_size)

    def scheme_ids_by_key(self) -> dict[tuple[str, int], tuple[int, str]]:
        """(name, version) -> (id, sha256) of every stored scheme version."""
        return {
            (str(r[0]), int(r[1])): (int(r[2]), str(r[3]))
            for r in self.db.execute("SELECT name, version, id, sha256 FROM schemes")
        }

    def annotator_ids_by_name(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.db.execute("SELECT name, id FROM annotators")}

    def import_scheme_row(
        self, name: str, version: int, sha256: str, yaml_text: str, added_at: str
    ) -> int:
        """Store a scheme version exactly as exported (its text and time); same hash = no-op."""
        known = self.scheme_ids_by_key().get((name, version))
        if known is not None:
            if known[1] != sha256:
                raise StoreError(
                    f"scheme {name!r} version {version} is stored here with different content "
                    f"(sha256 {known[1][:12]} vs {sha256[:12]})"
                )
            return known[0]
        with self.db.atomic():
            return self.db.insert(
                "schemes",
                {
                    "name": name,
                    "version": version,
                    "sha256": sha256,
                    "yaml": yaml_text,
                    "added_at": added_at,
                },
            )

    def import_annotator(self, name: str, created_at: str) -> int:
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)",
                [name, created_at],
            )
        return self.annotator_id(name, create=False)

    def import_document(
        self, row: dict[str, Any], sentences: Sequence[dict[str, Any]]
    ) -> tuple[int, list[int], bool]:
        """Store a document with its own sentence split and import time, unless its text is
        already stored. Returns (document id, sentence ids by idx, created). Raises StoreError
        when the stored copy was split into different sentences (indexes would not match)."""
        existing = self.has_document(str(row["sha256"]))
        if existing is not None:
            stored = self.sentences(existing)
            if [(s["start"], s["end"]) for s in stored] != [
                (s["start"], s["end"]) for s in sentences
            ]:
                raise StoreError(
                    f"document {row.get('external_id') or row['sha256'][:12]} is already stored "
                    "with a different sentence split"
                )
            return existing, [int(s["id"]) for s in stored], False
        with self.db.atomic():
            doc_id = self.db.insert("documents", {**row, "n_sentences": len(sentences)})
            self.db.insert_all(
                "sentences",
                (
                    {
                        "document_id": doc_id,
                        "idx": s["idx"],
                        "paragraph": s["paragraph"],
                        "start": s["start"],
                        "end": s["end"],
                        "text": row["text"][s["start"] : s["end"]],
                    }
                    for s in sentences
                ),
                batch_size=1000,
            )
        ids = [int(s["id"]) for s in self.sentences(doc_id)]
        return doc_id, ids, True

    def annotation_states(self, uids: Sequence[str]) -> dict[str, str | None]:
        """uid -> removed_at (None when current) for the uids stored here."""
        out: dict[str, str | None] = {}
        for i in range(0, len(uids), 500):
            chunk = list(uids[i : i + 500])
            for uid, removed in self.db.execute(
                "SELECT uid, removed_at FROM annotations "
                f"WHERE uid IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[str(uid)] = removed
        return out

    def set_removed_at(self, changes: Iterable[tuple[str | None, str]]) -> None:
        """Set removed_at (None restores) for (removed_at, uid) pairs."""
        with self.db.atomic():
            self.db.executemany(
                "UPDATE annotations SET removed_at = ? WHERE uid = ?", list(changes)
            )

    def event_ids_by_uid(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.db.execute("SELECT uid, id FROM events")}

    def progress_rows(self, document_id: int) -> dict[tuple[int, int], dict[str, Any]]:
        """(annotator_id, sentence_id) -> progress row of a document."""
        return {
            (int(r["annotator_id"]), int(r["sentence_id"])): r
            for r in self.query("SELECT * FROM progress WHERE document_id = ?", [document_id])
        }

    def document_progress_rows(self, document_id: int) -> dict[int, dict[str, Any]]:
        return {
            int(r["annotator_id"]): r
            for r in self.query(
                "SELECT * FROM document_progress WHERE document_id = ?", [document_id]
            )
        }

    def adjudication_uids(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute("SELECT uid FROM adjudications")}

    def supersede_adjudication(self, uid: str, superseded_at: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE adjudications SET superseded_at = ? "
                "WHERE uid = ? AND superseded_at IS NULL",
                [superseded_at, uid],
            )

    def link_undo_events(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Point undo/redo events at the events they reverse: (target uid, undo event uid)."""
        with self.db.atomic():
            self.db.executemany(
                "UPDATE events SET undo_of = (SELECT id FROM events WHERE uid = ?) WHERE uid = ?",
                list(pairs),
            )

    def insert_adjudication(self, row: dict[str, Any], gold: Sequence[dict[str, Any]]) -> None:
        with self.db.atomic():
            pk = self.db.insert("adjudications", row)
            self.db.insert_all("gold", ({**g, "adjudication_id": pk} for g in gold))


@dataclass
class DocumentIn:
    """A document ready to store: normalised text, hash and sentence offsets."""

    text: str
    sha256: str
    sentences: list[tuple[int, int, int]]  # (start, end, paragraph)
    external_id: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] | None = None
    origin: str | None = None
