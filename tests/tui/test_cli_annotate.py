"""`annotator annotate` errors before the screen opens: one line, non-zero exit, nothing lost."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from annotator.cli import cli


def test_bad_keymap_is_one_line_error(corpus: Path, tmp_path: Path) -> None:
    km = tmp_path / "keys.yaml"
    km.write_text("nxet: l\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["annotate", "--db", str(corpus), "--annotator", "a", "--keymap", str(km)]
    )
    assert result.exit_code == 1
    assert "keys.yaml: unknown binding id 'nxet'" in result.output
    assert "Traceback" not in result.output


def test_unknown_document_is_one_line_error(corpus: Path) -> None:
    result = CliRunner().invoke(
        cli, ["annotate", "--db", str(corpus), "--annotator", "a", "--document", "99"]
    )
    assert result.exit_code == 1
    assert "no document with id 99" in result.output
