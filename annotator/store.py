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

import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from annotator.db.adjudications import Adjudications
from annotator.db.annotations import UNDOABLE, Annotations
from annotator.db.columnar import Columnar
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
from annotator.db.maintenance import Maintenance
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
    "adjudications": Adjudications,
    "columnar": Columnar,
    "maintenance": Maintenance,
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
        self.adjudications = Adjudications(db)
        self.columnar = Columnar(db)
        self.maintenance = Maintenance(db)

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
    report_time = _via("progress", Progress.time)
    export_progress = _via("progress", Progress.of_document)
    export_document_progress = _via("progress", Progress.document_panels)
    progress_rows = _via("progress", Progress.rows_of_document)
    document_progress_rows = _via("progress", Progress.panel_rows_of_document)
    # adjudications
    current_adjudications = _via("adjudications", Adjudications.current)
    adjudicate = _via("adjudications", Adjudications.adjudicate)
    adjudicate_many = _via("adjudications", Adjudications.adjudicate_many)
    undo_adjudication = _via("adjudications", Adjudications.undo)
    export_adjudications = _via("adjudications", Adjudications.by_document)
    export_gold = _via("adjudications", Adjudications.gold_by_document)
    adjudication_uids = _via("adjudications", Adjudications.uids)
    supersede_adjudication = _via("adjudications", Adjudications.supersede)
    insert_adjudication = _via("adjudications", Adjudications.insert)
    # columnar
    agreement_read_mode = _via("columnar", Columnar.read_mode)
    agreement_labels = _via("columnar", Columnar.labels)
    agreement_latest_labels = _via("columnar", Columnar.latest_labels)
    agreement_sentence_bounds = _via("columnar", Columnar.sentence_bounds)
    # maintenance
    integrity_errors = _via("maintenance", Maintenance.integrity_errors)
    foreign_key_violations = _via("maintenance", Maintenance.foreign_key_violations)
    fts_problems = _via("maintenance", Maintenance.fts_problems)
    rebuild_fts = _via("maintenance", Maintenance.rebuild_fts)
    delete_orphans = _via("maintenance", Maintenance.delete_orphans)
    fix_sentence_texts = _via("maintenance", Maintenance.fix_sentence_texts)

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


def aliases() -> dict[str, tuple[str, str]]:
    """Old Store method -> (part attribute, method of the part), for every delegating alias."""
    out: dict[str, tuple[str, str]] = {}
    for name, value in vars(Store).items():
        target = getattr(value, "_alias_of", None)
        if target is not None:
            out[name] = target
    return out
