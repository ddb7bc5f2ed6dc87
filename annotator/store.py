"""The store: one SQLite database, opened once, with its data parts from ``annotator/db/``.

Everything the tool knows lives in one SQLite file (``annotations.db`` by default). The schema is a
public interface: researchers query it with SQL, so the tables are documented in the README and the
view ``annotation_view`` stays stable whatever the internal tables become. Migrations live in
``annotator/db/migrations.py``; an applied migration is never edited, new ones are appended.

:class:`Store` is a thin facade. It opens the database and holds one object per kind of data:

    store.db             the connection (transactions, generic reads, backups)
    store.corpus         documents and sentences
    store.schemes        scheme versions and annotators
    store.annotations    annotations and the event log
    store.progress       seen/done marks, positions, time
    store.adjudications  gold decisions
    store.columnar       bulk numpy reads for statistics
    store.maintenance    integrity checks and repairs

The methods the single ``Store`` class had before the split remain as aliases of the parts' methods
(the table below; :func:`aliases` lists them), so that callers move to the parts one at a time;
delete an alias when its last caller has moved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from annotator.db.connection import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    DATA_TABLES,
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
from annotator.db.corpus import Corpus, DocumentIn
from annotator.db.migrations import known_migrations, migrations
from annotator.db.schemes import AnnotatorRow, Schemes

UNDOABLE = frozenset({"add", "remove", "done", "undone", "note", "flag"})

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "DATA_TABLES",
    "DEFAULT_DB",
    "UNDOABLE",
    "AnnotatorRow",
    "DatabaseError",
    "DocumentIn",
    "Store",
    "StoreError",
    "aliases",
    "default_db_path",
    "explain_error",
    "known_migrations",
    "migrations",
    "new_uid",
    "now",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# attribute of Store -> class of that part (checked when an alias is defined)
_PARTS: dict[str, type] = {
    "db": Connection,
    "corpus": Corpus,
    "schemes": Schemes,
}


def _check_part(part: str, fn: Callable[..., Any]) -> None:
    owner = _PARTS[part]
    if getattr(owner, fn.__name__, None) is not fn:
        raise TypeError(f"{fn.__qualname__} is not a method of {owner.__name__} (store.{part})")


def _via(part: str, fn: Callable[Concatenate[T, P], R]) -> Callable[Concatenate[Store, P], R]:
    """An old Store method that calls ``fn`` on the part ``store.<part>`` (same signature, so
    mypy checks the callers). ``fn`` must be that part's own method: a renamed or moved method
    fails here, at import, not at the first call."""
    _check_part(part, fn)

    def alias(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return fn(getattr(self, part), *args, **kwargs)

    alias.__doc__ = fn.__doc__
    alias.__name__ = fn.__name__
    setattr(alias, "_alias_of", (part, fn.__name__))  # noqa: B010 (read by aliases())
    return alias


class Store:
    """A handle on one database file. One per thread: SQLite connections are per thread."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self.path = db.path
        self.corpus = Corpus(db)
        self.schemes = Schemes(db)
        self._history: dict[int, tuple[int, list[int], list[int]]] = {}

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open (and create or migrate) the database at ``path``.

        Raises StoreError with a one-line message for: a file that is not SQLite, a database
        written by a newer version of the tool, a read-only location, a missing file when
        ``create`` is false.
        """
        return cls(open_database(path, create=create))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    def reopen(self) -> Store:
        """A new handle on the same file, for another thread."""
        return Store.open(self.path)

    # ------------------------------------------------------------------------------------------
    # Aliases: the old method names, each a call of the part's method. Remove as callers move.
    # ------------------------------------------------------------------------------------------
    # connection
    query = _via("db", Connection.query)
    iter_query = _via("db", Connection.iter_query)
    scalar = _via("db", Connection.scalar)
    transaction = _via("db", Connection.atomic)
    bulk_insert = _via("db", Connection.bulk_insert)
    backup = _via("db", Connection.backup)
    writable = _via("db", Connection.writable)
    require_writable = _via("db", Connection.require_writable)
    # corpus
    has_document = _via("corpus", Corpus.has_document)
    add_documents = _via("corpus", Corpus.add_documents)
    import_document = _via("corpus", Corpus.import_document)
    document = _via("corpus", Corpus.document)
    document_ids = _via("corpus", Corpus.document_ids)
    count_documents = _via("corpus", Corpus.count_documents)
    count_sentences = _via("corpus", Corpus.count_sentences)
    sentences = _via("corpus", Corpus.sentences)
    sentence = _via("corpus", Corpus.sentence)
    search_sentences = _via("corpus", Corpus.search)
    neighbour_sentence = _via("corpus", Corpus.neighbour_sentence)
    first_sentence = _via("corpus", Corpus.first_sentence)
    neighbour_document = _via("corpus", Corpus.neighbour_document)
    document_index = _via("corpus", Corpus.document_index)
    tui_find_document = _via("corpus", Corpus.find_document)
    tui_documents_between = _via("corpus", Corpus.documents_between)
    tui_sentence_at = _via("corpus", Corpus.sentence_at)
    agreement_unit_texts = _via("corpus", Corpus.unit_texts)
    # schemes and annotators
    add_scheme = _via("schemes", Schemes.add)
    import_scheme_row = _via("schemes", Schemes.import_row)
    latest_scheme_row = _via("schemes", Schemes.latest_row)
    list_schemes = _via("schemes", Schemes.summary)
    agreement_scheme_names = _via("schemes", Schemes.names)
    scheme_ids_by_key = _via("schemes", Schemes.ids_by_key)
    load_scheme = _via("schemes", Schemes.load)
    scheme_ids = _via("schemes", Schemes.ids)
    label_usage = _via("schemes", Schemes.label_usage)
    rename_label = _via("schemes", Schemes.rename_label)
    annotator_id = _via("schemes", Schemes.annotator_id)
    import_annotator = _via("schemes", Schemes.import_annotator)

    # Lists that used to be separate queries, now derived from the one reader of their data.
    def annotator_names(self) -> list[str]:
        """Names of every annotator, by name (from ``schemes.annotators()``)."""
        return [a.name for a in self.schemes.annotators()]

    def agreement_annotators(self) -> list[tuple[int, str]]:
        """(id, name) of every annotator, by name (from ``schemes.annotators()``)."""
        return [(a.id, a.name) for a in self.schemes.annotators()]

    def export_annotators(self) -> list[dict[str, Any]]:
        """{name, created_at} of every annotator, by name (from ``schemes.annotators()``)."""
        return [{"name": a.name, "created_at": a.created_at} for a in self.schemes.annotators()]

    def annotator_ids_by_name(self) -> dict[str, int]:
        """name -> id of every annotator (from ``schemes.annotators()``)."""
        return {a.name: a.id for a in self.schemes.annotators()}

    def export_schemes(self) -> list[dict[str, Any]]:
        """Every scheme version's name, version, sha256, yaml, added_at, by name and version
        (from ``schemes.versions()``)."""
        keys = ("name", "version", "sha256", "yaml", "added_at")
        return [{k: v[k] for k in keys} for v in self.schemes.versions()]

    def export_documents(self) -> list[dict[str, Any]]:
        """(id, external_id, sha256, n_sentences) of every document, in import order (from
        ``corpus.documents()``)."""
        keys = ("id", "external_id", "sha256", "n_sentences")
        return [{k: d[k] for k in keys} for d in self.corpus.documents()]

    def report_documents(self) -> list[dict[str, Any]]:
        """Every document with its outlet (source) and sentence count (from
        ``corpus.documents()``)."""
        keys = ("id", "title", "source", "n_sentences")
        return [{k: d[k] for k in keys} for d in self.corpus.documents()]

    # ------------------------------------------------------------------------------------------
    # Not moved yet
    # ------------------------------------------------------------------------------------------
    """A handle on one database file. One per thread: SQLite connections are per thread."""

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

    def _scheme_cond(self, scheme: str | None, alias: str = "a") -> tuple[str, list[Any]]:
        if scheme is None:
            return "", []
        return f" AND {alias}.scheme_id IN (SELECT id FROM schemes WHERE name = ?)", [scheme]

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


def aliases() -> dict[str, tuple[str, str]]:
    """Old Store method -> (part attribute, method of the part), for every delegating alias."""
    out: dict[str, tuple[str, str]] = {}
    for name, value in vars(Store).items():
        target = getattr(value, "_alias_of", None)
        if target is not None:
            out[name] = target
    return out
