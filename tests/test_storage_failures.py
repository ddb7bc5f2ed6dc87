"""Failing storage: read-only file or directory, disk full, a file that is not SQLite, a database
from a newer or an older version. Each gets a clear one-line message, a non-zero exit, and
nothing already stored is lost.

Permissions mean nothing to root, so when the tests run as root the commands that must be
refused run as the unprivileged user ``nobody`` (a real process with dropped privileges).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator import store as store_mod
from annotator.cli import cli
from annotator.store import Store, StoreError
from tests.safety_helpers import (
    NOBODY,
    article,
    is_root,
    run_cli,
    run_python,
    seed,
    table_counts,
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory the unprivileged user can use (pytest's tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="annotator-ro-"))
    d.chmod(0o755)
    if is_root():
        os.chown(d, NOBODY, NOBODY)
    try:
        yield d
    finally:
        d.chmod(0o755)
        shutil.rmtree(d, ignore_errors=True)


def worked_db(path: Path) -> dict[str, int]:
    """A database with documents, a scheme and annotations; returns its table counts."""
    with Store.open(path) as s:
        scheme_id = seed(s, n_docs=3)
        aid = s.schemes.annotator_id("alice")
        sent = s.db.query("SELECT id, document_id FROM sentences LIMIT 1")[0]
        s.annotations.add(aid, scheme_id, label_set="frame", label="Political", level="sentence",
                         document_id=sent["document_id"], sentence_id=sent["id"])
        s.progress.mark_done(aid, scheme_id, sent["id"])
    if is_root():
        for p in path.parent.iterdir():
            os.chown(p, NOBODY, NOBODY)
    return table_counts(path)


def write_articles(d: Path, n: int = 2, first: int = 100) -> Path:
    f = d / "new.jsonl"
    import json

    f.write_text("".join(json.dumps({"text": article(first + i)}) + "\n" for i in range(n)))
    f.chmod(0o644)
    return f


def check_failed(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "Traceback" not in out, out
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, out
    for n in needles:
        assert n in errors[0], (n, out)


# ------------------------------------------------------------------------------ read-only
def test_read_only_database_file(shared_dir: Path) -> None:
    db = shared_dir / "annotations.db"
    before = worked_db(db)
    digest = sha(db)
    db.chmod(0o444)
    new = write_articles(shared_dir)
    res = run_cli("import", str(new), "--db", str(db), as_nobody=is_root())
    check_failed(res, str(db), "read-only")
    # Reading still works: a read-only archive can be reported on.
    res = run_cli("status", "--db", str(db), as_nobody=is_root())
    assert res.returncode == 0, res.stderr
    assert "3 documents" in res.stdout
    assert table_counts(db) == before and sha(db) == digest


def test_read_only_database_refused_before_the_first_label(shared_dir: Path) -> None:
    """The annotation screen must know before the user labels anything: require_writable."""
    db = shared_dir / "annotations.db"
    worked_db(db)
    db.chmod(0o444)
    code = (
        "import sys\nfrom annotator.store import Store, StoreError\n"
        "s = Store.open(sys.argv[1])\n"
        "print('writable', s.db.writable())\n"
        "try:\n    s.db.require_writable()\nexcept StoreError as e:\n    print('refused:', e)\n"
    )
    res = run_python(code, str(db), as_nobody=is_root())
    assert "writable False" in res.stdout, res.stdout + res.stderr
    assert f"refused: {db}: cannot write (read-only" in res.stdout
    db.chmod(0o644)
    with Store.open(db) as s:
        assert s.db.writable()
        s.db.require_writable()


def test_read_only_directory(shared_dir: Path) -> None:
    """WAL needs to create -wal and -shm files next to the database."""
    db = shared_dir / "annotations.db"
    before = worked_db(db)
    digest = sha(db)
    src = Path(tempfile.mkdtemp(prefix="annotator-src-"))
    try:
        src.chmod(0o755)
        new = write_articles(src)
        assert sorted(p.name for p in shared_dir.iterdir()) == ["annotations.db"]
        shared_dir.chmod(0o555)
        res = run_cli("import", str(new), "--db", str(db), as_nobody=is_root())
        check_failed(res, str(db), "read-only", "-wal")
        # Commands that only read open the file read-only (issue 12): they work on read-only
        # media instead of failing, and write nothing.
        for args in (["status"], ["doctor"], ["agree"], ["report"]):
            res = run_cli(*args, "--db", str(db), as_nobody=is_root())
            assert res.returncode == 0 and "Traceback" not in res.stderr, (args, res.stderr)
        assert sorted(p.name for p in shared_dir.iterdir()) == ["annotations.db"]
    finally:
        shared_dir.chmod(0o755)
        shutil.rmtree(src, ignore_errors=True)
    assert table_counts(db) == before and sha(db) == digest


# ------------------------------------------------------------------------------ disk full
def test_disk_full_during_annotation_loses_nothing(db_path: Path) -> None:
    """SQLite's max_page_count makes the file unable to grow: the failing action is rolled
    back whole (annotation row and event together) and everything before it stays."""
    with Store.open(db_path) as s:
        scheme_id = seed(s, n_docs=2)
        aid = s.schemes.annotator_id("alice")
        sents = s.db.query("SELECT id, document_id FROM sentences")
        pages = s.db.scalar("PRAGMA page_count")
        s.db.execute(f"PRAGMA max_page_count = {pages + 2}")
        applied = 0
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for i in range(100_000):
                sent = sents[i % len(sents)]
                s.annotations.add(aid, scheme_id, label_set="frame", label="Political",
                                 level="sentence", document_id=sent["document_id"],
                                 sentence_id=sent["id"], note="x" * 200)
                applied += 1
        assert applied > 0
        # Nothing half-written: one event per annotation, all of them there.
        assert s.db.scalar("SELECT count(*) FROM annotations") == applied
        assert s.db.scalar("SELECT count(*) FROM events") == applied
        assert s.db.scalar("PRAGMA integrity_check") == "ok"
        # Room again: work continues on the same handle.
        s.db.execute("PRAGMA max_page_count = 1073741823")
        s.progress.mark_done(aid, scheme_id, sents[0]["id"])
    with Store.open(db_path) as s:
        assert s.db.scalar("SELECT count(*) FROM annotations") == applied
        assert s.progress.done_count(s.schemes.annotator_id("alice")) == 1


def test_disk_full_during_import_leaves_no_partial_document(db_path: Path) -> None:
    from annotator.services.importing import import_paths

    with Store.open(db_path) as s:
        seed(s, n_docs=2)
        before = table_counts(db_path)
        src = db_path.parent / "big.jsonl"
        import json

        src.write_text("".join(json.dumps({"text": article(500 + i, 40)}) + "\n"
                               for i in range(50)))
        s.db.execute(f"PRAGMA max_page_count = {s.db.scalar('PRAGMA page_count') + 3}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            import_paths(s, [src])
        assert table_counts(db_path) == before
        orphans = s.db.scalar(
            "SELECT count(*) FROM documents d WHERE n_sentences != "
            "(SELECT count(*) FROM sentences s WHERE s.document_id = d.id)"
        )
        assert orphans == 0
    res = CliRunner().invoke(cli, ["status", "--db", str(db_path)])
    assert res.exit_code == 0 and "2 documents" in res.output


@pytest.fixture
def small_fs() -> Iterator[Path]:
    """A real 1 MB file system (tmpfs), when this machine lets us mount one."""
    d = Path(tempfile.mkdtemp(prefix="annotator-small-"))
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)],
                         capture_output=True, text=True) if shutil.which("mount") else None
    if res is None or res.returncode != 0:
        d.rmdir()
        pytest.skip("cannot mount a small tmpfs here (needs root and mount); the "
                    "max_page_count tests above cover disk full")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=False)
        d.rmdir()


def test_disk_full_on_a_real_small_file_system(small_fs: Path, tmp_path: Path) -> None:
    db = small_fs / "annotations.db"
    res = run_cli("import", str(write_articles(tmp_path, n=3, first=1)), "--db", str(db))
    assert res.returncode == 0, res.stderr
    before = table_counts(db)
    big = tmp_path / "big.jsonl"
    import json

    big.write_text("".join(json.dumps({"text": article(900 + i, 300)}) + "\n" for i in range(40)))
    res = run_cli("import", str(big), "--db", str(db))
    check_failed(res, str(db), "disk full")
    assert table_counts(db) == before
    with Store.open(db) as s:
        assert s.db.scalar("PRAGMA integrity_check") == "ok"


# ------------------------------------------------------------------------------ not SQLite
@pytest.mark.parametrize(
    "content",
    [
        b"id,text\n1,hello\n" * 300,
        b"SQLite format 3\x00" + b"\x07" * 5000,  # right magic, garbage after
        bytes(range(256)) * 64,
    ],
    ids=["csv", "fake-header", "binary"],
)
def test_not_an_sqlite_file(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "annotations.db"
    db.write_bytes(content)
    for args in (["status"], ["import", str(write_articles(tmp_path))], ["doctor"]):
        res = CliRunner().invoke(cli, [*args, "--db", str(db)])
        assert res.exit_code == 1, res.output
        assert "Traceback" not in res.output
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"error: {db}:"), res.output
    assert db.read_bytes() == content
    assert not list(tmp_path.glob("annotations.db.bak-*"))


# ------------------------------------------------------------------------------ versions
def test_newer_database_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "annotations.db"
    before = worked_db(db)
    with Store.open(db) as s:
        s.db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?,?,?)",
            ["annotator", "m900_future_feature", "2030-01-01"],
        )
    digest = sha(db)
    for args in (["status"], ["import", str(write_articles(tmp_path))], ["doctor"]):
        res = run_cli(*args, "--db", str(db))
        check_failed(res, "newer version", "m900_future_feature", "upgrade annotator")
    assert sha(db) == digest and table_counts(db) == before


@pytest.fixture
def extra_migration(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """This tool, one version later: one more migration at the end of the list."""
    calls: list[str] = []
    extra = list(store_mod.migrations._migrations)

    def m999_test_add_column(db: object) -> None:
        calls.append("ran")
        db.execute("ALTER TABLE documents ADD COLUMN test_extra TEXT")  # type: ignore[attr-defined]

    from sqlite_utils.migrations import Migrations

    probe = Migrations("annotator")
    probe()(m999_test_add_column)
    extra += probe._migrations
    monkeypatch.setattr(store_mod.migrations, "_migrations", extra)
    return calls


def test_older_database_is_backed_up_then_migrated(tmp_path: Path,
                                                   extra_migration: list[str]) -> None:
    db = tmp_path / "annotations.db"
    # Build the database with the tool as it is (without the extra migration) ...
    real = [m for m in store_mod.migrations._migrations if m.name != "m999_test_add_column"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store_mod.migrations, "_migrations", real)
        before = worked_db(db)
    # ... then open it with the newer tool.
    with Store.open(db) as s:
        assert extra_migration == ["ran"]
        assert "test_extra" in s.db.table("documents").columns_dict
        applied = {r["name"] for r in s.db.query("SELECT name FROM _sqlite_migrations")}
        assert "m999_test_add_column" in applied
    assert table_counts(db) == before
    [backup] = list(tmp_path.glob("annotations.db.bak-*"))
    assert table_counts(backup) == before
    b = sqlite3.connect(backup)
    assert "test_extra" not in [r[1] for r in b.execute("PRAGMA table_info(documents)")]
    b.close()
    # Opening again neither migrates nor backs up again.
    Store.open(db).close()
    assert extra_migration == ["ran"] and len(list(tmp_path.glob("annotations.db.bak-*"))) == 1


def test_failed_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "annotations.db"
    before = worked_db(db)
    from sqlite_utils.migrations import Migrations

    probe = Migrations("annotator")

    @probe()
    def m998_broken(db: object) -> None:
        db.execute("ALTER TABLE documents ADD COLUMN half_done TEXT")  # type: ignore[attr-defined]
        db.execute("THIS IS NOT SQL")  # type: ignore[attr-defined]

    monkeypatch.setattr(store_mod.migrations, "_migrations",
                        [*store_mod.migrations._migrations, *probe._migrations])
    with pytest.raises(StoreError, match=str(db)):
        Store.open(db)
    monkeypatch.undo()
    with Store.open(db) as s:
        assert "half_done" not in s.db.table("documents").columns_dict
    assert table_counts(db) == before
    assert len(list(tmp_path.glob("annotations.db.bak-*"))) == 1


def test_every_real_migration_prefix_upgrades_with_backup(tmp_path: Path) -> None:
    """For each real migration after the first: a database stopped before it is upgraded."""
    names = [m.name for m in store_mod.migrations._migrations]
    for i, stop in enumerate(names[1:], start=1):
        db = tmp_path / f"old{i}.db"
        conn = sqlite3.connect(db)
        import sqlite_utils

        store_mod.migrations.apply(sqlite_utils.Database(conn), stop_before=stop)
        conn.execute("INSERT INTO annotators (name, created_at) VALUES ('old', '2020')")
        conn.commit()
        conn.close()
        with Store.open(db) as s:
            assert [a.name for a in s.schemes.annotators()] == ["old"]
            applied = s.db.query("SELECT name FROM _sqlite_migrations")
            assert {r["name"] for r in applied} == set(names)
        assert list(tmp_path.glob(f"old{i}.db.bak-*"))


def test_annotation_screen_refuses_a_read_only_database_at_start(shared_dir: Path) -> None:
    """The screen writes the resume position when it opens, so a read-only file is refused
    with one line before anyone can label (not at the first label)."""
    db = shared_dir / "annotations.db"
    before = worked_db(db)
    digest = sha(db)
    db.chmod(0o444)
    res = run_cli("annotate", "--db", str(db), "--scheme", "safety", as_nobody=is_root(),
                  timeout=60)
    check_failed(res, str(db), "read-only")
    assert table_counts(db) == before and sha(db) == digest
