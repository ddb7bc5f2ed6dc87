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
    store.attributes     attribute values of annotations (undone through the event log)
    store.progress       seen/done marks, positions, time
    store.adjudications  gold decisions
    store.assignments    campaign assignments (who codes which document)
    store.columnar       bulk numpy reads for statistics
    store.maintenance    integrity checks and repairs
    store.tokens         access tokens of `annotator serve`

Callers name the part they use (``store.progress.mark_done(...)``): the facade has no methods of
its own beyond opening and closing, so a concept lives in exactly one part.
"""

from __future__ import annotations

import os

from annotator.db.adjudications import Adjudications
from annotator.db.annotations import UNDOABLE, Annotations
from annotator.db.assignments import Assignments
from annotator.db.attributes import Attributes
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
from annotator.db.tokens import Grant, Tokens

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "DATA_TABLES",
    "DEFAULT_DB",
    "UNDOABLE",
    "AnnotatorRow",
    "DatabaseError",
    "DocumentIn",
    "Grant",
    "Store",
    "StoreError",
    "default_db_path",
    "explain_error",
    "known_migrations",
    "migrations",
    "new_uid",
    "now",
]

class Store:
    """A handle on one database file. One per thread: SQLite connections are per thread."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self.path = db.path
        self.corpus = Corpus(db)
        self.schemes = Schemes(db)
        self.annotations = Annotations(db)
        self.attributes = Attributes(db, events=self.annotations)
        self.progress = Progress(
            db, events=self.annotations, corpus=self.corpus, schemes=self.schemes
        )
        self.adjudications = Adjudications(db)
        self.assignments = Assignments(db)
        self.columnar = Columnar(db)
        self.maintenance = Maintenance(db)
        self.tokens = Tokens(db, schemes=self.schemes)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, create: bool = True,
        readonly: bool = False,
    ) -> Store:
        """Open (and create or migrate) the database at ``path``; ``readonly``: for reading
        only, never written nor migrated in place (annotator.db.connection.open_database).

        Raises StoreError with a one-line message for: a file that is not SQLite, a database
        written by a newer version of the tool, a read-only location, a missing file when
        ``create`` is false.
        """
        return cls(open_database(path, create=create, readonly=readonly))

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
