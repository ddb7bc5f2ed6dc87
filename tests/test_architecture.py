"""Layering rules: Textual only in annotator/tui, SQLite only in annotator/db/, light CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "annotator"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files() -> list[Path]:
    files = sorted(PKG.rglob("*.py"))
    assert len(files) > 5
    return files


def test_textual_only_in_tui() -> None:
    offenders = [
        str(p.relative_to(PKG))
        for p in python_files()
        if "tui" not in p.relative_to(PKG).parts
        and any(m == "textual" or m.startswith("textual.") for m in imported_modules(p))
    ]
    assert offenders == []


def test_sqlite_only_in_db() -> None:
    """sqlite3 and sqlite_utils are imported only under annotator/db/ (store.py, the facade over
    it, re-exports what callers need and imports neither)."""
    offenders = [
        str(p.relative_to(PKG))
        for p in python_files()
        if p.relative_to(PKG).parts[0] != "db"
        and any(m.split(".")[0] in {"sqlite3", "sqlite_utils", "apsw"} for m in imported_modules(p))
    ]
    assert offenders == []


def test_core_is_pure() -> None:
    """annotator/core must not import the store, the CLI or the UI."""
    for p in (PKG / "core").rglob("*.py"):
        mods = imported_modules(p)
        bad = {
            m
            for m in mods
            if m.startswith(("annotator.store", "annotator.cli", "annotator.tui", "click"))
        }
        assert not bad, f"{p.name} imports {bad}"


def test_cli_import_is_light() -> None:
    """`annotator --help` must not load Textual, numpy or pyarrow."""
    code = (
        "import sys, annotator.cli; "
        "heavy = [m for m in ('textual', 'numpy', 'pyarrow', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_contracts() -> None:
    """The layering of pyproject.toml's [tool.importlinter] contracts (core <- store <- services
    <- {render, tui} <- cli), checked by import-linter itself."""
    import shutil

    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    out = subprocess.run(
        [exe, "--no-cache"], cwd=PKG.parent, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "broken" not in out.stdout.lower().replace("0 broken", "")
