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
import json
import unicodedata
from collections.abc import Hashable
from pathlib import Path
from typing import Any

REQUIRED = ("unit", "annotator", "label")


class TableError(Exception):
    """A problem with the input file, already phrased as ``FILE[:LINE]: cause``."""


def read_table(
    path: str | Path, level: str = "nominal", weights: str | None = None
) -> tuple[list[tuple[str, str, str]], bool]:
    """Parse and validate the CSV; return the ``(unit, annotator, label)`` rows and whether the
    labels are numeric. Raises :class:`TableError` with ``FILE:LINE: cause``."""
    name = str(path)
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


def _fmt(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.3f}"


def render_text(s: dict[str, Any]) -> str:
    """A readable table of the coefficients with the units used and dropped."""
    from annotator.core.agreement import LONE_VALUE

    undefined: dict[str, str] = s["undefined"]
    out = [f"agreement for {s['file']} (level {s['level']})"]
    dropped = "; ".join(f"{why}: {n}" for why, n in s["units_dropped_reasons"].items())
    out.append(
        f"units: {s['n_units']} ({s['units_used']} used, {s['units_dropped']} dropped"
        + (f" — {dropped}" if dropped else "")
        + ")"
    )
    if s["units_dropped_reasons"].get(LONE_VALUE):
        out.append("  (a unit with one value is not pairable, but that value counts in the "
                   "chance agreement of Fleiss' kappa and Gwet's AC1)")
    out.append(
        f"annotators: {s['n_annotators']}   ratings: {s['n_values']}   "
        f"categories: {len(s['categories'])}"
    )
    out.append("")
    alpha_note = ""
    ci = s.get("alpha_ci95")
    if ci:
        alpha_note = (
            f"95% CI {ci['low']:.3f} to {ci['high']:.3f} "
            f"(bootstrap over units, {ci['n_boot']} resamples, seed {ci['seed']})"
        )
    rows: list[tuple[str, str, str]] = [
        ("percent agreement", "percent_agreement", ""),
        (f"Krippendorff's alpha ({s['level']})", "krippendorff_alpha", alpha_note),
        ("Fleiss' kappa", "fleiss_kappa", ""),
        ("Gwet's AC1", "gwet_ac1", ""),
    ]
    by_value = s.get("kappa_distance") == "values"
    if "cohen_kappa" in s:
        kind = ""
        if s.get("weights"):
            kind = f"{s['weights']}-weighted " + ("by value distance, " if by_value else "")
        rows.append((f"Cohen's kappa ({kind}two annotators)", "cohen_kappa", ""))
    width = max(len(r[0]) for r in rows) + 2
    out.append(f"{'coefficient':<{width}}{'value':>10}  note")
    for label, key, note in rows:
        why = undefined.get(key)
        note_text = why if why else note
        out.append(f"{label:<{width}}{_fmt(s[key]):>10}  {note_text}".rstrip())
    pairs = s["pairwise_cohen"]
    if len(pairs) > 1:
        out.append("")
        kind = ""
        if s.get("weights"):
            kind = f" ({s['weights']} weights" + (" by value distance)" if by_value else ")")
        out.append(f"pairwise Cohen's kappa{kind}")
        na = max([len(str(p["a"])) for p in pairs] + [9]) + 2
        nb = max([len(str(p["b"])) for p in pairs] + [9]) + 2
        out.append(f"{'annotator':<{na}}{'annotator':<{nb}}{'units':>6}{'kappa':>11}")
        for p in pairs:
            line = f"{p['a']!s:<{na}}{p['b']!s:<{nb}}{p['n_units']:>6}{_fmt(p['kappa']):>11}"
            if p["reason"]:
                line += f"  {p['reason']}"
            out.append(line)
    return "\n".join(out)


def run_table(
    path: str | Path,
    level: str = "nominal",
    weights: str | None = None,
    as_json: bool = False,
    *,
    seed: int = 0,
    n_boot: int = 1000,
    kappa_distance: str = "positions",
) -> tuple[str, int]:
    """Everything `annotator agree --table` prints, and its exit code (0 ok, 2 bad input).

    On error the text is the one-line ``FILE:LINE: cause`` message (for stderr).
    """
    try:
        summary = table_summary(path, level, weights, seed=seed, n_boot=n_boot,
                                kappa_distance=kappa_distance)
    except TableError as exc:
        return str(exc), 2
    if as_json:
        return json.dumps(summary, indent=2, ensure_ascii=False), 0
    return render_text(summary), 0
