"""`annotator agree --table FILE`: agreement coefficients for a long CSV of ratings.

The file has a header row naming the columns ``unit``, ``annotator`` and ``label`` (any order,
other columns ignored) and one row per rating. An empty label means the annotator saw the unit
and gave no value (missing). Numeric labels are ordered by value; ``--level`` ordinal, interval
and ratio need numeric labels (ratio: none below 0). Any bad row is reported as
``FILE:LINE: cause`` with exit code 2.

What a label is does not depend on the rest of the file: a label that reads as a number
(``annotator.core.agreement.as_number``: an ASCII decimal number after NFKC normalisation) is
that number, so "1" and "1.0" are one label in any file; other labels are compared in NFC. Unit
and annotator names are compared in NFC too.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from annotator.core.untrusted import not_regular_file

REQUIRED = ("unit", "annotator", "label")


class TableError(Exception):
    """A problem with the input file, already phrased as ``FILE[:LINE]: cause``."""


def read_table(
    path: str | Path, level: str = "nominal", weights: str | None = None
) -> tuple[list[tuple[str, str, str]], bool]:
    """Parse and validate the CSV; return the ``(unit, annotator, label)`` rows and whether the
    labels are numeric. Raises :class:`TableError` with ``FILE:LINE: cause``."""
    name = str(path)
    special = not_regular_file(path)
    if special is not None and not Path(path).is_dir():
        raise TableError(f"{name}: {special}")
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise TableError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise TableError(f"{name}: is a directory, expected a CSV file") from None
    except OSError as exc:
        raise TableError(f"{name}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TableError(f"{name}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x})") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise TableError(f"{name}:{line}: NUL byte; this is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[str, str, str]] = []
    lines: list[int] = []
    seen: dict[tuple[str, str], int] = {}
    header: list[str] | None = None
    cols: dict[str, int] = {}
    last = 0
    try:
        for record in reader:
            line = last + 1
            last = reader.line_num
            if not record or all(not f.strip() for f in record):
                continue
            if header is None:
                header = [f.strip().lower() for f in record]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise TableError(
                        f"{name}:{line}: header must name the columns unit, annotator, label "
                        f"(missing {', '.join(missing)}; found {', '.join(header) or 'nothing'})"
                    )
                cols = {c: header.index(c) for c in REQUIRED}
                continue
            if len(record) != len(header):
                raise TableError(
                    f"{name}:{line}: expected {len(header)} fields like the header, "
                    f"found {len(record)}"
                )
            unit, annotator, label = (
                unicodedata.normalize("NFC", record[cols[c]].strip()) for c in REQUIRED
            )
            if not unit:
                raise TableError(f"{name}:{line}: empty unit")
            if not annotator:
                raise TableError(f"{name}:{line}: empty annotator")
            key = (unit, annotator)
            if key in seen:
                raise TableError(
                    f"{name}:{line}: annotator {annotator!r} already rated unit {unit!r} "
                    f"on line {seen[key]}"
                )
            seen[key] = line
            rows.append((unit, annotator, label))
            lines.append(line)
    except csv.Error as exc:
        raise TableError(f"{name}:{reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise TableError(f"{name}:1: empty file; expected a header unit,annotator,label")
    if not rows:
        raise TableError(f"{name}: no ratings after the header")
    from annotator.core.agreement import as_number

    numeric = True
    for (_, _, label), line in zip(rows, lines, strict=True):
        x = as_number(label) if label else None
        if level == "ratio" and x is not None and x < 0:
            raise TableError(
                f"{name}:{line}: label {label!r} is negative; --level ratio needs values of 0 "
                "or more"
            )
        if label and x is None:
            if level != "nominal":
                raise TableError(
                    f"{name}:{line}: label {label!r} is not a number; "
                    f"--level {level} needs numeric labels"
                )
            if weights is not None:
                raise TableError(
                    f"{name}:{line}: label {label!r} is not a number; "
                    f"--weights {weights} needs numeric (ordered) labels"
                )
            numeric = False
            break
    return rows, numeric


def table_summary(
    path: str | Path,
    level: str = "nominal",
    weights: str | None = None,
    *,
    seed: int = 0,
    n_boot: int = 1000,
    kappa_distance: str = "positions",
) -> dict[str, Any]:
    """:func:`annotator.core.agreement.summarize` for a ratings CSV, plus names and labels.
    ``kappa_distance``: weighted κ over category positions (default) or numeric values."""
    from annotator.core.agreement import matrix_from_rows, summarize

    rows, numeric = read_table(path, level, weights)
    rel = matrix_from_rows(
        ((u, a, lab or None) for u, a, lab in rows), numeric=numeric
    )
    names: list[Hashable] = list(rel.annotators)
    summary = summarize(rel.values, level, weights, seed, n_boot, annotators=names,
                        kappa_distance=kappa_distance)
    summary["file"] = str(path)
    summary["annotators"] = names
    summary["categories"] = [_plain(c) for c in rel.categories]
    return summary


def _plain(x: Any) -> Any:
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x
