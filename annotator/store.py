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

from annotator.db.annotations import UNDOABLE, Annotations
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
from annotator.db.progress import Progress
from annotator.db.schemes import AnnotatorRow, Schemes

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
    "annotations": Annotations,
    "progress": Progress,
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
        self.annotations = Annotations(db)
        self.progress = Progress(
            db, events=self.annotations, corpus=self.corpus, schemes=self.schemes
        )

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
    #  (``store.progress(annotator_id, sentence_id)`` still works: the Progress part is callable.)
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
    # annotations and events
    current_annotations = _via("annotations", Annotations.current)
    add_annotation = _via("annotations", Annotations.add)
    remove_annotation = _via("annotations", Annotations.remove)
    history = _via("annotations", Annotations.history)
    undo = _via("annotations", Annotations.undo)
    redo = _via("annotations", Annotations.redo)
    restore_state = _via("annotations", Annotations.restore_state)
    adopt_annotation = _via("annotations", Annotations.adopt)
    count_current_annotations = _via("annotations", Annotations.count_current)
    review_annotations = _via("annotations", Annotations.compared)
    report_unit_labels = _via("annotations", Annotations.unit_labels)
    report_span_texts = _via("annotations", Annotations.span_texts)
    export_annotations = _via("annotations", Annotations.of_document)
    export_removed_annotations = _via("annotations", Annotations.removed_by_document)
    export_label_sets = _via("annotations", Annotations.label_sets)
    export_events = _via("annotations", Annotations.events_for_export)
    annotation_states = _via("annotations", Annotations.removed_at_of)
    set_removed_at = _via("annotations", Annotations.set_removed_at)
    event_ids_by_uid = _via("annotations", Annotations.event_ids_by_uid)
    link_undo_events = _via("annotations", Annotations.link_undo_events)
    # progress
    mark_seen = _via("progress", Progress.mark_seen)
    mark_done = _via("progress", Progress.mark_done)
    mark_not_done = _via("progress", Progress.mark_not_done)
    set_note = _via("progress", Progress.set_note)
    set_flag = _via("progress", Progress.set_flag)
    add_time = _via("progress", Progress.add_time)
    set_position = _via("progress", Progress.set_position)
    position = _via("progress", Progress.position)
    tui_visit = _via("progress", Progress.visit)
    next_not_done = _via("progress", Progress.next_not_done)
    done_count = _via("progress", Progress.done_count)
    status = _via("progress", Progress.status)
    report_answered = _via("progress", Progress.answered)
    report_done_sentences = _via("progress", Progress.done_sentences)
    report_done_documents = _via("progress", Progress.done_documents)
    report_time = _via("progress", Progress.time)
    export_progress = _via("progress", Progress.of_document)
    export_document_progress = _via("progress", Progress.document_panels)
    progress_rows = _via("progress", Progress.rows_of_document)
    document_progress_rows = _via("progress", Progress.panel_rows_of_document)

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

    def _in_filter(self, column: str, values: Sequence[str] | None, params: list[Any]) -> str:
        if not values:
            return ""
        params.extend(values)
        return f" AND {column} IN ({','.join('?' * len(values))})"

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

    def adjudication_uids(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute("SELECT uid FROM adjudications")}

    def supersede_adjudication(self, uid: str, superseded_at: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE adjudications SET superseded_at = ? "
                "WHERE uid = ? AND superseded_at IS NULL",
                [superseded_at, uid],
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
