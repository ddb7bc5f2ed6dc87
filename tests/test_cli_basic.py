"""CLI commands of the foundation: demo, status, scheme add/list, --db and $ANNOTATOR_DB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


def test_demo_loads_and_is_idempotent(db_path: Path) -> None:
    code, out, err = invoke("demo", "--no-tui", "--db", str(db_path))
    assert code == 0, err
    with Store.open(db_path) as s:
        n_docs, n_sents = s.corpus.count_documents(), s.corpus.count_sentences()
        schemes = s.schemes.summary()
    assert 3 <= n_docs <= 5 and n_sents > 20
    assert len(schemes) == 1
    code, out, _ = invoke("demo", "--no-tui", "--db", str(db_path))
    assert code == 0 and "0 new document(s)" in out and "already stored" in out
    with Store.open(db_path) as s:
        assert (s.corpus.count_documents(), s.corpus.count_sentences()) == (n_docs, n_sents)


def test_db_from_environment(tmp_path: Path) -> None:
    target = tmp_path / "env.db"
    code, _, err = invoke("demo", "--no-tui", env={"ANNOTATOR_DB": str(target)})
    assert code == 0, err
    assert target.exists()


def test_status_json(db_path: Path) -> None:
    invoke("demo", "--no-tui", "--db", str(db_path))
    with Store.open(db_path) as s:
        scheme_id, _ = s.schemes.load()
        a = s.schemes.annotator_id("alice")
        first = s.corpus.first_sentence()
        assert first is not None
        s.progress.mark_done(a, scheme_id, first)
    code, out, _ = invoke("status", "--db", str(db_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["annotators"][0]["annotator"] == "alice"
    assert data["annotators"][0]["sentences_done"] == 1


def test_status_on_missing_db(tmp_path: Path) -> None:
    code, _, err = invoke("status", "--db", str(tmp_path / "none.db"))
    assert code == 1
    assert "no such database" in err
    assert not (tmp_path / "none.db").exists()


def test_scheme_add_and_list(db_path: Path) -> None:
    from annotator.core.scheme import shipped_schemes

    names = sorted(shipped_schemes())
    assert len(names) >= 4
    for name in names:
        code, out, err = invoke("scheme", "add", name, "--db", str(db_path))
        assert code == 0, err
        assert "stored" in out
    code, out, _ = invoke("scheme", "list", "--db", str(db_path))
    assert code == 0
    assert sorted(line.split("\t")[0] for line in out.strip().splitlines()) == names


def test_version_and_help_list_every_command() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for name in ("import", "scheme", "status", "demo", "annotate"):
        assert name in out


def test_every_command_is_documented_in_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    import click

    def walk(group: click.Group, prefix: str) -> list[str]:
        names = []
        for name, cmd in group.commands.items():
            assert cmd.help, f"{prefix}{name} has no help text"
            if isinstance(cmd, click.Group):
                names += walk(cmd, f"{prefix}{name} ")
            else:
                names.append(f"{prefix}{name}")
        return names

    missing = [n for n in walk(cli, "") if f"annotator {n}" not in readme]
    assert missing == []


def test_readme_links_to_docs_resolve() -> None:
    """Reference sections live in docs/*.md, linked from the README: every link must resolve,
    every docs file must be linked, and each docs file must name what it documents."""
    import re

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", readme))
    on_disk = {p.relative_to(root).as_posix() for p in (root / "docs").glob("*.md")}
    assert linked and linked == on_disk
    schema = (root / "docs" / "schema.md").read_text(encoding="utf-8")
    for name in ("annotation_view", "gold_view", "done_scheme_id", "progress", "annotations"):
        assert name in schema


@pytest.mark.parametrize("args", [["annotate"], ["status"]])
def test_commands_on_non_sqlite_file(tmp_path: Path, args: list[str]) -> None:
    p = tmp_path / "junk.db"
    p.write_text("hello")
    code, _, err = invoke(*args, "--db", str(p))
    assert code == 1
    assert "not an annotator database" in err
    assert "Traceback" not in err


def test_db_before_the_command(tmp_path: Path) -> None:
    """`annotator --db PATH COMMAND` is the same as `annotator COMMAND --db PATH`, including
    for a nested command, and wins over $ANNOTATOR_DB as the command's own --db does."""
    target = tmp_path / "before.db"
    other = tmp_path / "env.db"
    code, _, err = invoke("--db", str(target), "demo", "--no-tui")
    assert code == 0, err
    assert target.exists()
    code, out, err = invoke("--db", str(target), "status", "--json",
                            env={"ANNOTATOR_DB": str(other)})
    assert code == 0, err
    assert json.loads(out)["documents"] > 0
    assert not other.exists()
    code, out, err = invoke("--db", str(target), "scheme", "list")
    assert code == 0, err
    assert "conflict-news" in out


def test_db_before_and_after_the_command(tmp_path: Path) -> None:
    """The same file on both sides is fine; two different files are a usage error naming both,
    and neither database is created."""
    target = tmp_path / "a.db"
    invoke("--db", str(target), "demo", "--no-tui")
    code, _, err = invoke("--db", str(target), "status", "--db", str(target))
    assert code == 0, err
    other = tmp_path / "b.db"
    code, _, err = invoke("--db", str(target), "status", "--db", str(other))
    assert code == 2
    assert "--db given twice" in err and str(target) in err and str(other) in err
    assert not other.exists()
