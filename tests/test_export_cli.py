"""`annotator export` from the command line: output, ties on stderr, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from tests.export_fixture import build_template

GOLDEN = Path(__file__).parent / "fixtures" / "export"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


def test_export_csv_majority_prints_ties_on_stderr(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "gold.csv"
    res = CliRunner().invoke(
        cli, ["export", "--format", "csv", "--out", str(out), "--db", str(db), "--gold",
              "majority"],
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == (GOLDEN / "csv-majority.csv").read_bytes()
    assert res.stderr == (GOLDEN / "majority-ties.txt").read_text("utf-8")
    assert res.stdout == f"{out}: 3 annotation(s) from 2 document(s), 5 tie(s) left out\n"


def test_export_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["export", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"),
                              "--db", str(db), "--label-set", "genre"])
    assert res.exit_code == 1
    assert res.stderr.startswith("error: no label set named 'genre' (known: frame, stance, ")
    assert res.stderr.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(cli, ["export", "--format", "brat", "--out", str(blocker),
                              "--db", str(db)])
    assert res.exit_code == 1
    assert res.stderr == f"error: {blocker}: exists and is not a directory (this format " \
        "writes a directory)\n"
    res = runner.invoke(cli, ["export", "--format", "csv", "--out", str(tmp_path / "y.csv"),
                              "--db", str(tmp_path / "missing.db")])
    assert res.exit_code == 1 and "missing.db: no such database" in res.stderr


def test_parquet_without_pyarrow_says_how_to_install(db: Path, tmp_path: Path) -> None:
    """pyarrow is an optional extra: without it the export stops with one clear line."""
    code = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
        "from annotator.cli import cli\n"
        f"cli(['export', '--format', 'parquet', '--out', {str(tmp_path / 'pq')!r}, "
        f"'--db', {str(db)!r}])\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr == (
        "error: the parquet format needs pyarrow: pip install 'annotator[parquet]'\n"
    )
