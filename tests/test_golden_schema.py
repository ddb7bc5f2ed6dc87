"""The database schema is a public interface: these tests prove it does not move by accident.

Researchers query ``annotations.db`` directly with SQL (the README documents its tables and the
views ``annotation_view`` and ``gold_view``), scripts read it, and databases written by one version
are opened, migrated and merged by the next. So whatever the code around it becomes (store.py split
into a package, services, ...), a fresh database must keep the same tables, columns, views,
indexes, triggers and migration names, and an old database must migrate to exactly what a fresh
one is.

Three nets:

* ``tests/golden/schema.txt``: the exact schema of a fresh database (every sqlite_master row
  with its SQL, the column list of every table and view from ``PRAGMA table_xinfo``, the applied
  migrations in order, application_id and user_version). Any change fails; regenerate on purpose
  with ``UPDATE_GOLDEN=1`` and review the diff. A missing file fails.
* ``tests/golden/schema_v0_1.txt``: the same dump, frozen at version 0.1.0 and NEVER regenerated
  (UPDATE_GOLDEN does not touch it). Later migrations may ADD (tables, columns, trailing view
  columns, indexes, migrations) but never break: every 0.1 table keeps every column with the same
  type, NOT NULL, default and key; the views keep their 0.1 columns first, in order; 0.1 indexes
  and triggers still exist; the 0.1 migrations are still the first ones applied, in order.
* A 0.1 database rebuilt from that frozen file's SQL (not from today's code), with a few rows,
  opened by today's Store, must end up with exactly the schema of a fresh database, its rows kept.

Left out of the dumps as unstable noise: SQLite's own objects (``sqlite_autoindex_*`` for UNIQUE
and PRIMARY KEY constraints, which the table SQL already shows; ``sqlite_sequence``,
``sqlite_stat*``) and the shadow tables that SQLite creates for an FTS virtual table
(``sentences_fts_data`` ...; their SQL is SQLite's, not ours, and varies with its version). The
FTS virtual table itself and its triggers are kept.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator.store import Store
from tests.golden_helpers import GOLDEN, check_text

SCHEMA = GOLDEN / "schema.txt"
SCHEMA_V0_1 = GOLDEN / "schema_v0_1.txt"

TYPE_ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}
FTS_SHADOW_SUFFIXES = ("data", "idx", "content", "docsize", "config", "segments", "segdir", "stat")
COLUMNS_HEADER = "--- columns: [name, type, notnull, default, pk, hidden]"


@dataclass
class Obj:
    type: str
    name: str
    tbl_name: str
    sql: str
    columns: list[list[object]] = field(default_factory=list)

    @property
    def virtual(self) -> bool:
        return self.sql.upper().startswith("CREATE VIRTUAL TABLE")


@dataclass
class Schema:
    application_id: int
    user_version: int
    migrations: list[tuple[str, str]]  # (migration_set, name) in the order applied
    objects: dict[tuple[str, str], Obj]

    def of_type(self, kind: str) -> list[Obj]:
        return [o for (t, _), o in sorted(self.objects.items()) if t == kind]

    def get(self, kind: str, name: str) -> Obj | None:
        return self.objects.get((kind, name))


# ------------------------------------------------------------------------------ dump and parse
def dump(conn: sqlite3.Connection) -> Schema:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    virtual = [n for t, n, _, sql in rows if t == "table" and (sql or "").upper().startswith(
        "CREATE VIRTUAL TABLE")]
    shadow = {f"{v}_{s}" for v in virtual for s in FTS_SHADOW_SUFFIXES}
    objects: dict[tuple[str, str], Obj] = {}
    for kind, name, tbl_name, sql in rows:
        if name.startswith("sqlite_") or name in shadow:
            continue
        obj = Obj(kind, name, tbl_name, sql or "")
        if kind in ("table", "view"):
            quoted = name.replace('"', '""')
            obj.columns = [
                [r[1], r[2], r[3], r[4], r[5], r[6]]
                for r in conn.execute(f'PRAGMA table_xinfo("{quoted}")').fetchall()
            ]
        objects[(kind, name)] = obj
    migrations = [
        (s, n)
        for s, n in conn.execute(
            "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"
        ).fetchall()
    ]
    return Schema(
        application_id=conn.execute("PRAGMA application_id").fetchone()[0],
        user_version=conn.execute("PRAGMA user_version").fetchone()[0],
        migrations=migrations,
        objects=objects,
    )


def render(schema: Schema, header: str) -> str:
    out = [header.rstrip("\n"), ""]
    out.append(f"pragma application_id {schema.application_id}")
    out.append(f"pragma user_version {schema.user_version}")
    out.append("")
    out.append("=== migrations (migration_set name, in the order applied)")
    out += [f"{s} {n}" for s, n in schema.migrations]
    for obj in sorted(schema.objects.values(), key=lambda o: (TYPE_ORDER[o.type], o.name)):
        out.append("")
        on = f" on {obj.tbl_name}" if obj.tbl_name != obj.name else ""
        out.append(f"=== {obj.type} {obj.name}{on}")
        out.append(obj.sql)
        if obj.type in ("table", "view"):
            out.append(COLUMNS_HEADER)
            out += [json.dumps(c, ensure_ascii=False) for c in obj.columns]
    return "\n".join(out) + "\n"


HEADER_RE = re.compile(r"^=== (table|index|view|trigger) (\S+)(?: on (\S+))?$")


def parse(text: str) -> Schema:
    """Read back a file written by ``render``."""
    pragmas: dict[str, int] = {}
    migrations: list[tuple[str, str]] = []
    objects: dict[tuple[str, str], Obj] = {}
    section: str | None = None
    current: Obj | None = None
    sql_lines: list[str] = []

    def finish() -> None:
        if current is not None and current.sql == "" and sql_lines:
            current.sql = "\n".join(sql_lines)

    for line in text.splitlines():
        m = HEADER_RE.match(line)
        if m:
            finish()
            kind, name, tbl = m.groups()
            current = Obj(kind, name, tbl or name, "")
            objects[(kind, name)] = current
            section, sql_lines = "sql", []
        elif line.startswith("=== migrations"):
            section = "migrations"
        elif section is None:
            if line.startswith("pragma "):
                _, key, value = line.split()
                pragmas[key] = int(value)
        elif section == "migrations":
            if line.strip():
                s, n = line.split(" ", 1)
                migrations.append((s, n))
        elif line == COLUMNS_HEADER:
            finish()
            section = "columns"
        elif section == "columns":
            if line.strip():
                assert current is not None
                current.columns.append(json.loads(line))
        elif section == "sql":
            sql_lines.append(line)
    finish()
    # render() puts one blank line between blocks: drop it from the end of index/trigger SQL.
    for obj in objects.values():
        obj.sql = obj.sql.rstrip("\n")
    return Schema(pragmas["application_id"], pragmas["user_version"], migrations, objects)


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    path = tmp_path_factory.mktemp("golden_schema") / "fresh.db"
    store = Store.open(path)
    try:
        return dump(store.db.conn)
    finally:
        store.close()


@pytest.fixture(scope="module")
def v0_1() -> Schema:
    if not SCHEMA_V0_1.exists():
        pytest.fail(f"{SCHEMA_V0_1} is missing: it is frozen and cannot be regenerated; restore "
                    "it from git", pytrace=False)
    return parse(SCHEMA_V0_1.read_text(encoding="utf-8"))


SCHEMA_HEADER = (
    "# The schema of a fresh annotator database, as tests/test_golden_schema.py dumps it.\n"
    "# Generated from the code: UPDATE_GOLDEN=1 python -m pytest tests/test_golden_schema.py"
)


# ---------------------------------------------------------------------------------- exact match
def test_fresh_schema_matches_golden(fresh: Schema) -> None:
    check_text(SCHEMA, render(fresh, SCHEMA_HEADER))


def test_dump_round_trips(fresh: Schema) -> None:
    """The parser reads back exactly what the dump wrote (the checks below rely on it)."""
    text = render(fresh, "# x")
    assert render(parse(text), "# x") == text


# --------------------------------------------------------------------------- add, never break
def test_v0_1_golden_is_frozen_and_sane(v0_1: Schema) -> None:
    assert {"annotation_view", "gold_view"} <= {v.name for v in v0_1.of_type("view")}
    assert ("annotator", "m001_initial") in v0_1.migrations
    assert v0_1.get("table", "annotations") is not None
    # UPDATE_GOLDEN regenerates schema.txt only; the 0.1 file is history, kept by hand.
    assert SCHEMA_V0_1.read_text(encoding="utf-8").startswith("# FROZEN")


def test_application_id_kept(fresh: Schema, v0_1: Schema) -> None:
    assert fresh.application_id == v0_1.application_id


def test_v0_1_migrations_are_still_applied_first_in_order(fresh: Schema, v0_1: Schema) -> None:
    assert fresh.migrations[: len(v0_1.migrations)] == v0_1.migrations


def test_v0_1_tables_keep_every_column(fresh: Schema, v0_1: Schema) -> None:
    problems = []
    for old in v0_1.of_type("table"):
        new = fresh.get("table", old.name)
        if new is None:
            problems.append(f"table {old.name} is gone")
            continue
        if new.virtual != old.virtual:
            problems.append(f"table {old.name}: virtual {old.virtual} -> {new.virtual}")
        now = {c[0]: c for c in new.columns}
        for col in old.columns:
            name, ctype, notnull, default, pk, hidden = col
            if name not in now:
                problems.append(f"{old.name}.{name} is gone")
                continue
            _, ctype2, notnull2, default2, pk2, hidden2 = now[name]
            if (ctype2, notnull2, default2, pk2, hidden2) != (ctype, notnull, default, pk, hidden):
                problems.append(
                    f"{old.name}.{name}: (type, notnull, default, pk, hidden) "
                    f"{(ctype, notnull, default, pk, hidden)} -> "
                    f"{(ctype2, notnull2, default2, pk2, hidden2)}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("view", ["annotation_view", "gold_view"])
def test_v0_1_views_start_with_the_same_columns(fresh: Schema, v0_1: Schema, view: str) -> None:
    old = v0_1.get("view", view)
    new = fresh.get("view", view)
    assert old is not None, f"{view} missing from {SCHEMA_V0_1.name}"
    assert new is not None, f"view {view} is gone"
    old_cols = [c[0] for c in old.columns]
    assert [c[0] for c in new.columns][: len(old_cols)] == old_cols


def test_every_v0_1_view_still_exists(fresh: Schema, v0_1: Schema) -> None:
    assert {v.name for v in v0_1.of_type("view")} <= {v.name for v in fresh.of_type("view")}


@pytest.mark.parametrize("kind", ["index", "trigger"])
def test_v0_1_indexes_and_triggers_still_exist(fresh: Schema, v0_1: Schema, kind: str) -> None:
    old = {(o.name, o.tbl_name) for o in v0_1.of_type(kind)}
    new = {(o.name, o.tbl_name) for o in fresh.of_type(kind)}
    assert old, f"no {kind} in {SCHEMA_V0_1.name}?"
    assert old <= new, f"{kind}(es) gone or moved to another table: {sorted(old - new)}"


# ------------------------------------------------------------------ a 0.1 database, migrated
def build_v0_1_database(path: Path, schema: Schema) -> None:
    """Create a database from the frozen 0.1 SQL alone (no code of today's store), record its
    migrations as applied, and put one row of each kind in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    order = {"table": 0, "index": 2, "view": 3, "trigger": 4}
    objs = sorted(
        schema.objects.values(),
        key=lambda o: (order[o.type] + (1 if o.virtual else 0), o.name),
    )
    conn.execute("BEGIN")
    for obj in objs:
        conn.execute(obj.sql)
    conn.executemany(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [(s, n, "2025-01-01 00:00:00.000000+00:00") for s, n in schema.migrations],
    )
    t = "2025-01-01T00:00:00.000000Z"
    text = "Le ministre parle. Les troupes avancent."
    conn.execute(
        "INSERT INTO documents (id, title, source, text, sha256, imported_at) "
        "VALUES (1, 'Titre', 'La Gazette', ?, 'a1', ?)", [text, t])
    conn.execute(
        'INSERT INTO sentences (id, document_id, idx, start, "end", text) VALUES '
        "(1, 1, 0, 0, 18, 'Le ministre parle.'), (2, 1, 1, 19, 40, 'Les troupes avancent.')")
    conn.execute(
        "INSERT INTO schemes (id, name, version, sha256, yaml, added_at) "
        "VALUES (1, 'tiny', 1, 'b2', 'name: tiny', ?)", [t])
    conn.execute("INSERT INTO annotators (id, name, created_at) VALUES (1, 'alice', ?)", [t])
    conn.execute(
        "INSERT INTO annotations (uid, annotator_id, scheme_id, label_set, label, level, "
        "document_id, sentence_id, created_at) "
        "VALUES ('u1', 1, 1, 'frame', 'Political', 'sentence', 1, 1, ?)", [t])
    conn.execute(
        "INSERT INTO progress (annotator_id, sentence_id, document_id, scheme_id, status, "
        "seconds, seen_at, done_at, updated_at) VALUES (1, 1, 1, 1, 'done', 2.5, ?, ?, ?)",
        [t, t, t])
    conn.execute(
        "INSERT INTO events (uid, annotator_id, scheme_id, ts, action, document_id, sentence_id, "
        "annotation_uid) VALUES ('e1', 1, 1, ?, 'add', 1, 1, 'u1')", [t])
    conn.execute("COMMIT")
    conn.execute(f"PRAGMA application_id = {schema.application_id}")
    conn.execute(f"PRAGMA user_version = {schema.user_version}")
    conn.close()


def test_v0_1_database_migrates_to_the_fresh_schema(
    tmp_path: Path, fresh: Schema, v0_1: Schema
) -> None:
    path = tmp_path / "v0_1.db"
    build_v0_1_database(path, v0_1)
    with sqlite3.connect(path) as conn:
        rebuilt = dump(conn)
    conn.close()
    # The rebuild is faithful: it is the 0.1 schema, object for object and column for column.
    assert render(rebuilt, "#") == render(v0_1, "#")

    store = Store.open(path)
    try:
        migrated = dump(store.db.conn)
        rows = store.db.execute(
            "SELECT annotator, label_set, label, level, document_id, sentence_id "
            "FROM annotation_view"
        ).fetchall()
        counts = [
            store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "sentences", "annotations", "progress", "events")
        ]
        matches = store.db.execute(
            "SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH 'troupes'"
        ).fetchall()
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()
    assert render(migrated, "#") == render(fresh, "#")
    assert rows == [("alice", "frame", "Political", "sentence", 1, 1)]
    assert counts == [1, 2, 1, 1, 1]
    assert matches == [(2,)]


def test_every_migration_function_is_registered_in_order(fresh: Schema) -> None:
    """A merge can drop the ``@migrations()`` line above a new migration (it happened): the
    function then never runs and nothing else notices until a user's column is missing."""
    import annotator.db.migrations as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    defined = re.findall(r"^def (m\d{3}_\w+)\(", source, flags=re.MULTILINE)
    decorated = re.findall(r"^@migrations\(\)\ndef (m\d{3}_\w+)\(", source, flags=re.MULTILINE)
    assert defined == decorated
    assert defined == sorted(defined)
    assert [name for _set, name in fresh.migrations] == defined
