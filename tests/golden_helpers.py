"""Golden-file comparison shared by tests/test_golden_schema.py and tests/test_golden_cli.py.

A golden file holds what the CURRENT code produces for a public interface (the database schema,
the CLI's help, text and JSON output). A test compares today's output with it; a difference fails
with a diff. When a change is intended, regenerate and review the diff in git:

    UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden_schema.py tests/test_golden_cli.py

A missing golden file is a failure (never a silent pass) unless UPDATE_GOLDEN is set.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"


def updating() -> bool:
    """True when the goldens are being regenerated (``UPDATE_GOLDEN=1``)."""
    return os.environ.get("UPDATE_GOLDEN", "") not in ("", "0")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8", newline="\n")


def _missing(path: Path) -> None:
    pytest.fail(
        f"golden file {path.relative_to(GOLDEN.parent.parent)} is missing; if this output is new "
        "and correct, create it with UPDATE_GOLDEN=1 and commit it",
        pytrace=False,
    )


def _diff(expected: str, actual: str, path: Path, limit: int = 120) -> str:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{path.name} (golden)",
            tofile=f"{path.name} (now)",
        )
    )
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "".join(lines[:limit]) + more


def check_text(path: Path, actual: str) -> None:
    """``actual`` must equal the golden file at ``path`` exactly."""
    if updating():
        _write(path, actual)
        return
    if not path.exists():
        _missing(path)
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        pytest.fail(
            f"{path} differs from the current output (an interface changed; if on purpose, "
            f"regenerate with UPDATE_GOLDEN=1 and review the diff):\n"
            + _diff(expected, actual, path),
            pytrace=False,
        )


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def same_json(a: Any, b: Any, where: str = "$") -> str | None:
    """Where two parsed JSON values differ (None if they do not).

    Types must match (an int is not a float, null is not 0), objects must have the same keys (in
    any order) and lists the same items in the same order;
    floats are compared to 1e-9 relative, so an agreement value that moves in its 10th digit
    because numpy summed in another order is not an interface change, but any visible change is.
    """
    if isinstance(a, bool) or isinstance(b, bool) or type(a) is not type(b):
        return None if a == b and type(a) is type(b) else f"{where}: {a!r} != {b!r}"
    if isinstance(a, float):
        ok = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
        return None if ok else f"{where}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if set(a) != set(b):  # key order is not part of JSON's meaning
            return f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            d = same_json(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = same_json(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


def check_json(path: Path, actual: Any) -> None:
    """The parsed JSON ``actual`` must equal the golden file at ``path`` (see ``same_json``)."""
    text = dump_json(actual)
    if updating():
        _write(path, text)
        return
    if not path.exists():
        _missing(path)
    expected_text = path.read_text(encoding="utf-8")
    where = same_json(json.loads(expected_text), actual)
    if where:
        pytest.fail(
            f"{path} differs from the current output at {where} (if on purpose, regenerate with "
            f"UPDATE_GOLDEN=1 and review the diff):\n" + _diff(expected_text, text, path),
            pytrace=False,
        )


def _cell_differs(a: str, b: str) -> bool:
    if a == b:
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return True
    return not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def check_csv(path: Path, actual: str) -> None:
    """CSV output: same rows and cells as the golden file, numbers to 1e-9 relative (as JSON)."""
    if updating():
        _write(path, actual)
        return
    if not path.exists():
        _missing(path)
    expected = path.read_text(encoding="utf-8")
    rows_e = list(csv.reader(io.StringIO(expected)))
    rows_a = list(csv.reader(io.StringIO(actual)))
    where = None
    if len(rows_e) != len(rows_a):
        where = f"{len(rows_e)} rows != {len(rows_a)} rows"
    else:
        for i, (re_, ra) in enumerate(zip(rows_e, rows_a, strict=True), start=1):
            if len(re_) != len(ra) or any(
                _cell_differs(x, y) for x, y in zip(re_, ra, strict=True)
            ):
                where = f"row {i}"
                break
    if where:
        pytest.fail(
            f"{path} differs from the current output at {where} (if on purpose, regenerate with "
            f"UPDATE_GOLDEN=1 and review the diff):\n" + _diff(expected, actual, path),
            pytrace=False,
        )


# What legitimately varies between two runs of the same code, and nothing else. Numbers the code
# computes (counts, agreement values, seconds recorded in the fixture) are never touched.
_NORMALISERS = [
    # `annotator report` prints the time it was generated ("2026-03-01 10:00 UTC").
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d UTC\b"), "<NOW UTC>"),
    # Clock timestamps stored by the Store (fixtures built without fix_clock keep real ones).
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "<TIMESTAMP>"),
    # Random uids (uuid4().hex) of annotations, events and adjudications.
    (re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])"), "<UID>"),
]


def normalise(text: str, *tmp_dirs: Path) -> str:
    """Replace temporary directories by ``<TMP>`` and the run-dependent values above."""
    for d in tmp_dirs:
        for form in {str(d), str(d.resolve())}:
            text = text.replace(form, "<TMP>")
    for pattern, repl in _NORMALISERS:
        text = pattern.sub(repl, text)
    return text
