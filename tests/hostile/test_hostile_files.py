"""The nasty-file corpus through the real command line: one clear line per problem naming the
file (and line), a non-zero exit, no traceback, no partial document, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from annotator.cli import cli
from annotator.services.doctor import check_offsets
from annotator.store import Store
from tests.hostile import ImportCase, SchemeCase, import_cases, scheme_cases, unreadable_tree
from tests.safety_helpers import is_root, run_cli

CASES_DIR: dict[str, Path] = {}


def _import_case_names() -> list[str]:
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="hostile-names-"))
    return [c.name for c in import_cases(d)]


def _scheme_case_names() -> list[str]:
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="hostile-names-"))
    return [c.name for c in scheme_cases(d)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImportCase]:
    return {c.name: c for c in import_cases(tmp_path_factory.mktemp("corpus"))}


@pytest.fixture(scope="module")
def schemes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SchemeCase]:
    return {c.name: c for c in scheme_cases(tmp_path_factory.mktemp("schemes"))}


@pytest.fixture
def seeded(db_path: Path) -> tuple[Path, dict[str, object]]:
    """A database that already holds one article: it must come out of every import intact."""
    res = CliRunner().invoke(cli, ["import", str(_existing(db_path.parent)), "--db", str(db_path)])
    assert res.exit_code == 0, res.output
    with Store.open(db_path) as s:
        snap = {"doc": s.corpus.document(1), "sentences": s.corpus.sentences(1)}
    return db_path, snap


def _existing(d: Path) -> Path:
    p = d / "existing.txt"
    p.write_text("Déjà là\n\nUn article importé avant les fichiers hostiles. Il doit rester.\n")
    return p


def check_db(db: Path, snap: dict[str, object], docs_before: int, new: int) -> None:
    with Store.open(db) as s:
        assert s.corpus.count_documents() == docs_before + new
        assert s.corpus.document(1) == snap["doc"] and s.corpus.sentences(1) == snap["sentences"]
        assert s.db.scalar("PRAGMA integrity_check") == "ok"
        assert check_offsets(s) == []  # no partial document, every sentence its slice
        for d in s.db.query("SELECT id, text FROM documents"):
            assert not d["text"].startswith("\ufeff") and "\r\n" not in d["text"]


def check_errors(stderr: str, case: ImportCase | SchemeCase, *, prefix: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in stderr.splitlines() if ln.strip()]
    for ln in errors:
        assert ln.startswith(prefix), (ln, stderr)
    joined = "\n".join(errors)
    for needle in case.needles:
        assert needle in joined, (needle, stderr)
    for line in case.lines:
        assert f"{case.path}:{line}:" in joined or f"{case.path}: line {line}:" in joined, (
            line, stderr)
    return errors


def invoke(*args: str) -> Result:
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


@pytest.mark.parametrize("name", _import_case_names())
def test_hostile_import(name: str, corpus: dict[str, ImportCase],
                        seeded: tuple[Path, dict[str, object]]) -> None:
    case = corpus[name]
    db, snap = seeded
    res = invoke("import", str(case.path), "--db", str(db), *case.args)
    errors = check_errors(res.stderr, case, prefix=f"error: {case.path}")
    assert len(errors) == case.errors, res.stderr
    assert res.exit_code == (1 if case.errors else 0), res.output
    assert f"{case.new} new document(s)" in res.stdout
    check_db(db, snap, 1, case.new)
    # Importing again adds nothing (idempotent) and reports the same problems.
    again = invoke("import", str(case.path), "--db", str(db), *case.args)
    assert "0 new document(s)" in again.stdout and f"{case.new} already present" in again.stdout
    check_db(db, snap, 1, case.new)


def test_whole_corpus_in_one_import_in_a_real_process(corpus: dict[str, ImportCase],
                                                      seeded: tuple[Path, dict[str, object]]
                                                      ) -> None:
    """`python -m annotator import` over every file at once: each problem named, the rest in."""
    db, snap = seeded
    plain = [c for c in corpus.values() if not c.args]
    res = run_cli("import", *[str(c.path) for c in plain], "--db", str(db))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert len(res.stderr.splitlines()) == sum(c.errors for c in plain), res.stderr
    for c in plain:
        if c.errors:
            assert f"error: {c.path}" in res.stderr, c.name
    import re

    m = re.search(r"(\d+) new document\(s\) .*, (\d+) already present", res.stdout)
    assert m, res.stdout
    new, present = int(m[1]), int(m[2])
    assert new + present == sum(c.new for c in plain)  # some files hold the same article
    check_db(db, snap, 1, new)


def test_unreadable_file_in_a_directory(tmp_path: Path) -> None:
    """chmod 000 stops everyone but root: as root, the import runs as user nobody."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="annotator-unreadable-"))
    try:
        base.chmod(0o755)
        if is_root():
            os.chown(base, 65534, 65534)
        root, _good, secret = unreadable_tree(base)
        for p in [root, *root.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)
            if is_root():
                os.chown(p, 65534, 65534)
        db = base / "annotations.db"
        res = run_cli("import", str(root), "--db", str(db), as_nobody=is_root())
        assert res.returncode == 1, res.stdout + res.stderr
        assert "Traceback" not in res.stderr
        assert res.stderr.strip() == f"error: {secret}: Permission denied", res.stderr
        assert "1 new document(s)" in res.stdout
        with Store.open(db) as s:
            titles = [d["title"] for d in s.db.query("SELECT title FROM documents")]
            assert titles == ["Lisible du jour"]
    finally:
        for p in base.rglob("*"):
            if not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("name", _scheme_case_names())
def test_hostile_scheme_check_and_add(name: str, schemes: dict[str, SchemeCase],
                                      db_path: Path) -> None:
    case = schemes[name]
    res = invoke("scheme", "check", str(case.path))
    if case.ok:
        assert res.exit_code == 0, res.output
        assert res.stdout.startswith(f"{case.path}: ok")
    else:
        assert res.exit_code == 2, res.output
        check_errors(res.stderr, case, prefix=str(case.path))
    # `scheme add` stores it only when valid, and never half of it.
    Store.open(db_path).close()
    res = invoke("scheme", "add", str(case.path), "--db", str(db_path))
    with Store.open(db_path) as s:
        stored = s.schemes.summary()
    if case.ok:
        assert res.exit_code == 0, res.output
        assert [r["name"] for r in stored] == ["hostile"]
    else:
        assert res.exit_code != 0
        assert stored == []
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert lines and all(str(case.path) in ln or ln.startswith("error:") for ln in lines), \
            res.stderr
