"""One SQLite file, one connection: opening, pragmas, transactions, writability, backups, errors.

Plain ``sqlite3``: sqlite-utils is imported only where a migration or a full-text index rebuild
runs (``db/migrations.py``, ``db/maintenance.py``). Importing it costs 0.05 s, and 0.4-1 s more
when pandas is installed (sqlite-utils imports pandas and numpy at import time to map their
types), which the annotation screen would pay at every start for two conveniences (``atomic()``
and ``table().insert``) that :class:`Connection` gives here in a few lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import sqlite3
import urllib.parse
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_DB = "annotations.db"
BUSY_TIMEOUT_MS = 30_000
APPLICATION_ID = 0x414E4E4F  # "ANNO"
SQLITE_MAX_VARS = 999  # as sqlite-utils: rows per multi-row batch = this // columns

Params = Sequence[Any] | dict[str, Any]
DatabaseError = sqlite3.DatabaseError

# The tables rows may be bulk-inserted into (merge, import-annotations, benchmark fixtures).
DATA_TABLES = frozenset(
    {
        "documents",
        "sentences",
        "schemes",
        "annotators",
        "annotations",
        "progress",
        "document_progress",
        "events",
        "adjudications",
        "gold",
    }
)


class StoreError(Exception):
    """A database problem explained in one line for the user."""


def default_db_path() -> str:
    """``ANNOTATOR_DB`` if set, else ``./annotations.db``."""
    return os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def now() -> str:
    """UTC timestamp with microseconds, sortable as text."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_uid() -> str:
    """A globally unique id, so rows can be matched when databases are merged."""
    return uuid.uuid4().hex


def new_uids(n: int) -> list[str]:
    """``n`` ids as :func:`new_uid` makes them (random UUID4s as hex), from one read of the
    system's random source: a set-based write of 10^5 rows spends no second on ids."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


def explain_error(path: str, exc: sqlite3.DatabaseError) -> str:
    """One-line explanation of an SQLite error, for the CLI."""
    msg = str(exc)
    if "file is not a database" in msg or "not a database" in msg:
        return f"{path}: not an annotator database (not an SQLite file)"
    if "readonly" in msg or "read-only" in msg:
        return (
            f"{path}: cannot write (read-only file or directory; SQLite's WAL mode needs a "
            "writable "
            "directory for its -wal and -shm files)"
        )
    if "unable to open" in msg:
        hint = _read_only_place(path)
        if hint:
            return f"{path}: cannot write: {hint}"
        return f"{path}: cannot open the database ({msg})"
    if "database or disk is full" in msg:
        return f"{path}: disk full; nothing was written by the failed operation"
    if "locked" in msg or "busy" in msg:
        return f"{path}: database is busy (another process holds a long write); try again"
    return f"{path}: {msg}"


def _read_only_place(path: str) -> str | None:
    """Why a database cannot be opened for writing where it is, when the place says so: a file
    system mounted read-only, or a folder this user may not write (SQLite then only says
    "unable to open database file")."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    fix = ("copy the database to a writable folder to change it; commands that only read "
           "(status, report, agree, export, doctor) work on it where it is")
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"the file system of {folder} is mounted read-only; {fix}"
    except OSError:
        return None
    if os.path.isdir(folder) and not os.access(folder, os.W_OK):
        return (f"the folder {folder} is read-only (SQLite's WAL mode needs to create -wal "
                f"and -shm files there); {fix}")
    return None


def quote(identifier: str) -> str:
    """An SQL identifier in double quotes (table and column names built into statements)."""
    return '"' + identifier.replace('"', '""') + '"'


def _sql_value(value: Any) -> Any:
    """A Python value as sqlite-utils' ``insert_all`` stores it (containers as JSON text), so
    rows written by ``insert``/``insert_all`` are the same as before sqlite-utils was dropped."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=repr, ensure_ascii=False)
    if isinstance(value, (dt.time, dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dt.timedelta, uuid.UUID)):
        return str(value)
    return value


def _dedupe_keys(keys: list[str]) -> list[str]:
    """Column names made unique (``id``, ``id_2``...) as sqlite-utils' ``query`` does, so a join
    that selects two columns of one name keeps both in the row dict."""
    taken = set(keys)
    if len(taken) == len(keys):
        return keys
    seen: set[str] = set()
    out = []
    for key in keys:
        if key in seen:
            new, n = key, 2
            while new in seen or new in taken:
                new, n = f"{key}_{n}", n + 1
            key = new
        seen.add(key)
        out.append(key)
    return out


class Connection:
    """A ``sqlite3`` connection in autocommit mode (``isolation_level=None``): every statement
    outside :meth:`atomic` commits on its own, and :meth:`atomic` is the only way to group writes.

    One per thread: SQLite connections are per thread.
    """

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._utils: sqlite_utils.Database | None = None
        self.cleanup: str | None = None  # a temporary folder to remove on close
        self.opened_identity = self.file_identity()

    @classmethod
    def connect(cls, path: str) -> Connection:
        """Connect with the pragmas every connection needs.

        - busy timeout: with several annotators on one file, a write waits up to 30 s for
          another's instead of failing at once;
        - foreign keys: deleting a document deletes its sentences and annotations;
        - recursive triggers: what sqlite-utils' ``Database`` set on every connection this tool
          opened until now; kept so REPLACE conflicts fire delete triggers exactly as before.
        """
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA recursive_triggers = on")
        db = cls(conn, path)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def close(self) -> None:
        self.conn.close()
        if self.cleanup is not None:
            import shutil

            shutil.rmtree(self.cleanup, ignore_errors=True)
            self.cleanup = None

    # ------------------------------------------------------------------ statements
    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def execute(self, sql: str, params: Params | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, params) if params is not None else self.conn.execute(sql)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def iter_query(self, sql: str, params: Params = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read query as dicts, fetched as they are iterated (the SQL runs now)."""
        cur = self.conn.execute(sql, params)
        keys = _dedupe_keys([d[0] for d in cur.description or ()])
        return (dict(zip(keys, row, strict=True)) for row in cur)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        return list(self.iter_query(sql, params))

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def atomic(self) -> Iterator[Connection]:
        """One transaction (all or nothing); nested blocks are savepoints inside it.

        The outermost block starts with BEGIN IMMEDIATE: a deferred BEGIN that reads and then
        writes cannot wait for another process's write (SQLite returns "database is locked" at
        once instead of using the busy timeout), so with several annotators on one file every
        write transaction takes the write lock up front.
        """
        if self.conn.in_transaction:
            savepoint = f"sqlite_utils_{uuid.uuid4().hex}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # An error such as a RAISE(ROLLBACK) trigger can end the whole transaction,
                # savepoint included: then there is nothing left to roll back.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise

    def rollback(self) -> None:
        """Roll back the open transaction, if any (an error may already have ended it)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def relaxed_sync(self) -> Iterator[None]:
        """Commits inside do not wait for fsync (``synchronous = NORMAL`` in WAL mode): they
        survive the process dying, kill -9 included, and only an OS crash or power cut could
        lose them. Only for writes that are not labels (moving between sentences); every other
        commit keeps the connection's setting (FULL by default)."""
        sync = self.scalar("PRAGMA synchronous")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA synchronous = {int(sync)}")

    # ------------------------------------------------------------------ inserts
    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row; returns its rowid (the ``id`` of the data tables)."""
        cols = list(row)
        cur = self.conn.execute(
            f"INSERT INTO {quote(table)} ({', '.join(map(quote, cols))}) "
            f"VALUES ({', '.join('?' * len(cols))})",
            [_sql_value(row[c]) for c in cols],
        )
        return int(cur.lastrowid or 0)

    def insert_all(
        self,
        table: str,
        rows: Iterable[dict[str, Any]],
        *,
        ignore: bool = False,
        replace: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Insert many rows in batches, as sqlite-utils' ``insert_all`` did: the columns are the
        keys of the first batch (sorted), extended by new keys of later batches; a row without a
        column gets NULL there (not the column's default). Call inside :meth:`atomic`."""
        if ignore and replace:
            raise ValueError("Use either ignore=True or replace=True, not both")
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE" if ignore else "INSERT"
        it = iter(rows)
        first = next(it, None)
        if first is None:
            return
        width = len(first)
        size = 1 if width == 0 else max(1, min(batch_size, SQLITE_MAX_VARS // width))
        columns: list[str] = []
        batch: list[dict[str, Any]] = [first]
        for row in it:
            if len(batch) == size:
                columns = self._insert_batch(table, verb, batch, columns)
                batch = []
            batch.append(row)
        self._insert_batch(table, verb, batch, columns)

    def bulk_insert(
        self,
        table: str,
        rows: Iterable[dict[str, Any]],
        *,
        ignore: bool = False,
        replace: bool = False,
        batch_size: int = 5000,
    ) -> None:
        """:meth:`insert_all` into one of the data tables, in one transaction (or a savepoint of
        the caller's), INSERT OR IGNORE / OR REPLACE on request."""
        if table not in DATA_TABLES:
            raise ValueError(f"not a data table: {table}")
        with self.atomic():
            self.insert_all(table, rows, ignore=ignore, replace=replace, batch_size=batch_size)

    def _insert_batch(
        self, table: str, verb: str, batch: list[dict[str, Any]], columns: list[str]
    ) -> list[str]:
        if not columns:
            columns = sorted({k for row in batch for k in row})
        else:
            columns = columns + [k for row in batch for k in row if k not in columns]
            columns = list(dict.fromkeys(columns))
        if not columns:
            for _ in batch:
                self.conn.execute(f"{verb} INTO {quote(table)} DEFAULT VALUES")
            return columns
        self.conn.executemany(
            f"{verb} INTO {quote(table)} ({', '.join(map(quote, columns))}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            ([_sql_value(row.get(c)) for c in columns] for row in batch),
        )
        return columns

    # ------------------------------------------------------------------ schema
    @property
    def journal_mode(self) -> str:
        return str(self.scalar("PRAGMA journal_mode"))

    def enable_wal(self) -> None:
        """WAL mode: readers never block the writer (and the writer never blocks readers)."""
        if self.journal_mode != "wal":
            self.conn.execute("PRAGMA journal_mode = wal")

    def table_exists(self, name: str) -> bool:
        return (
            self.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
            is not None
        )

    def view_names(self) -> list[str]:
        return [r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]

    def trigger_names(self) -> set[str]:
        return {r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}

    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils' view of this same connection (imported on first use): for migrations,
        the full-text index, and tests or scripts that inspect tables."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def table(self, name: str) -> sqlite_utils.db.Table:
        """sqlite-utils' table object (``.columns_dict``, ``.indexes``...), for tests and scripts;
        the tool itself does not use it."""
        return self.utils().table(name)

    # ------------------------------------------------------------------ other writers
    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when another connection commits to the
        file (not on this connection's own commits). Costs no disk read."""
        return int(self.scalar("PRAGMA data_version"))

    def file_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file under this path now: another value than at opening
        means the file was replaced (restored from a backup, copied over, synced by a cloud
        folder), and this connection still writes to the old, unlinked one."""
        if self.path == ":memory:":
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return (-1, -1)  # gone
        return (st.st_dev, st.st_ino)

    # ------------------------------------------------------------------ writability, backups
    def writable(self) -> bool:
        """Whether this database can be written (file, directory and disk permitting).

        Writes the header's application id inside a transaction that is rolled back, so a
        read-only file or directory is found before the user makes a first label.
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            finally:
                self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                return False
            raise
        return True

    def require_writable(self) -> None:
        """Raise StoreError (one line) when the database cannot be written."""
        try:
            ok = self.writable()
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain_error(self.path, exc)) from None
        if not ok:
            raise StoreError(
                f"{self.path}: cannot write (read-only file or directory; SQLite's WAL mode needs "
                "a writable directory for its -wal and -shm files)"
            )

    def backup(self, label: str = "backup") -> str:
        """A complete, verified copy of the database next to it; returns its path.

        SQLite's online backup API writes a consistent copy into a temporary file, which is
        then opened and checked (``PRAGMA integrity_check``, same tables and row counts) and
        flushed to disk; only then is it renamed to its final name. A kill -9 or a full disk
        during the copy therefore never leaves a "backup" that opens as an empty or partial
        database under a name doctor would advise restoring."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        return verified_copy(self.conn, f"{self.path}.{label}-{stamp}", self.path)

    def backup_before_migration(self) -> None:
        """Copy an older database aside before migrating it, so nothing can be lost.

        The copy is read through a second connection: this one already holds the migration's
        write lock, and a backup through it would wait on that lock forever."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        src = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            verified_copy(src, f"{self.path}.bak-{stamp}", self.path)
        finally:
            src.close()


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return sorted(conn.execute("SELECT type, name FROM sqlite_master").fetchall())


def verified_copy(src: sqlite3.Connection, target: str, what: str) -> str:
    """Copy the database of ``src`` to ``target`` with the backup API, through a temporary file
    that is verified (integrity check, the same tables, indexes and triggers) and synced before
    it is renamed to ``target``. Raises StoreError (the temporary file removed) when the copy is
    not sound. (Row counts are not compared: other annotators may write meanwhile, and the
    copy is the snapshot the backup API read.)"""
    folder = os.path.dirname(os.path.abspath(target))
    partial = os.path.join(folder, f"{os.path.basename(what)}-partial-{uuid.uuid4().hex[:8]}")
    try:
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)
            check = dest.execute("PRAGMA integrity_check").fetchone()[0]
            same = _schema(dest) == _schema(src)
        finally:
            dest.close()
        if check != "ok" or not same:
            raise StoreError(f"{what}: the backup copy did not verify ({check}); nothing was "
                             "changed")
        fd = os.open(partial, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return target


# ---------------------------------------------------------------------------------- opening
def open_database(
    path: str | os.PathLike[str] | None = None, *, create: bool = True, readonly: bool = False
) -> Connection:
    """Open (and create or migrate) the database at ``path``.

    ``readonly``: open it for reading only (a merge's source, a command that only reads), never
    writing it, not even to migrate it: see :func:`_open_readonly`.

    Raises StoreError with a one-line message for: a file that is not SQLite, a database
    written by a newer version of the tool, a read-only location, a missing file when
    ``create`` is false.
    """
    p = str(path) if path is not None else default_db_path()
    if readonly and p != ":memory:":
        return _open_readonly(p)
    if p != ":memory:":
        exists = Path(p).exists()
        if not exists and not create:
            raise StoreError(
                f"{p}: no such database (run `annotator import` or `annotator demo` first)"
            )
        if exists and Path(p).is_dir():
            raise StoreError(f"{p}: is a directory, not a database file")
        if not exists:
            parent = Path(p).resolve().parent
            if not parent.exists():
                raise StoreError(f"{p}: directory {parent} does not exist")
    try:
        db = Connection.connect(p)
        _prepare(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(explain_error(p, exc)) from None


def _ro_uri(path: str, how: str) -> str:
    return "file:" + urllib.parse.quote(os.path.abspath(path)) + f"?{how}"


def _open_readonly(p: str) -> Connection:
    """Open ``p`` read-only (``mode=ro``; ``immutable=1`` where the folder cannot hold the
    -shm file SQLite needs and no -wal file holds unmerged changes: read-only media).

    Nothing is written to the file, ever: an older database is not migrated in place but read
    through a migrated temporary copy (removed on close), and triggers that are not this
    tool's are dropped from that copy before the migration runs, so a trigger planted in a
    database received from someone else cannot fire and change what is read."""
    if not Path(p).exists():
        raise StoreError(f"{p}: no such database")
    if Path(p).is_dir():
        raise StoreError(f"{p}: is a directory, not a database file")
    wal = Path(p + "-wal")
    try:
        conn = sqlite3.connect(_ro_uri(p, "mode=ro"), uri=True, isolation_level=None,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            if "readonly" not in str(exc) and "unable to open" not in str(exc):
                raise
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreError(
                    f"{p}: cannot be read in place (its -wal file holds changes not yet in the "
                    "database and its folder is read-only); copy it with its -wal file to a "
                    "writable folder"
                ) from None
            conn = sqlite3.connect(_ro_uri(p, "immutable=1"), uri=True, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = Connection(conn, p)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        applied = _applied_migrations(db)
        from annotator.db.migrations import known_migrations

        known = known_migrations()
        if applied - known:
            raise StoreError(
                f"{p}: written by a newer version of annotator (unknown migrations: "
                f"{', '.join(sorted(applied - known))}); upgrade annotator to open it"
            )
        if known - applied:
            db = _migrated_copy(db)
        db.execute("PRAGMA query_only = ON")
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(explain_error(p, exc)) from None


def _migrated_copy(db: Connection) -> Connection:
    """An older database read through a temporary copy, migrated there (see _open_readonly)."""
    import shutil
    import tempfile

    from annotator.db.maintenance import FTS_TRIGGERS

    folder = tempfile.mkdtemp(prefix="annotator-readonly-")
    copy_path = os.path.join(folder, "copy.db")
    try:
        dest = sqlite3.connect(copy_path)
        try:
            db.conn.backup(dest)
        finally:
            dest.close()
        db.close()
        copy = Connection.connect(copy_path)
        for name in copy.trigger_names() - set(FTS_TRIGGERS):
            copy.execute(f"DROP TRIGGER {quote(name)}")
        _prepare(copy, backup=False)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    copy.path = db.path
    copy.opened_identity = copy.file_identity()
    copy.cleanup = folder
    return copy


def _applied_migrations(db: Connection) -> set[str]:
    if not db.table_exists("_sqlite_migrations"):
        return set()
    return {
        row[0]
        for row in db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", ["annotator"]
        ).fetchall()
    }


def _prepare(db: Connection, *, backup: bool = True) -> None:
    """Check the file, refuse a newer database, switch to WAL, apply pending migrations (after
    a backup copy of an older file, unless ``backup`` is false: a temporary copy)."""
    from annotator.db.migrations import known_migrations, migrations

    # Fail early and clearly on a file that is not SQLite.
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    applied = _applied_migrations(db)
    known = known_migrations()
    unknown = applied - known
    if unknown:
        raise StoreError(
            f"{db.path}: written by a newer version of annotator "
            f"(unknown migrations: {', '.join(sorted(unknown))}); upgrade annotator to open it"
        )
    if db.path != ":memory:" and db.journal_mode != "wal":
        db.enable_wal()
    if known - applied:
        # Several sessions may start together on a new or older file: take the write lock,
        # then look again, so exactly one of them migrates (the others wait, then see it done).
        with db.atomic():
            applied = _applied_migrations(db)
            if known - applied:
                if applied and backup and db.path != ":memory:":
                    db.backup_before_migration()
                migrations.apply(db.utils())
                if not applied:
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


# ------------------------------------------------------------------------------ SQL helpers
def in_filter(column: str, values: Sequence[str] | None, params: list[Any]) -> str:
    """`` AND <column> IN (?, ...)`` for a non-empty selection (its values appended to
    ``params``), else nothing."""
    if not values:
        return ""
    params.extend(values)
    return f" AND {column} IN ({','.join('?' * len(values))})"
