"""The SemEval/PTC files other than span files: paragraph labels (``ID<TAB>LINE<TAB>L1,L2``),
article labels (``ID<TAB>L1,L2``), ``.template`` paragraph files (``ID<TAB>LINE<TAB>text``) and
the side files of our export (``article-ids.tsv``, ``label-map.tsv``, ``<set>-techniques.txt``).

Which kind a file is: its name first (``*-paragraphs.txt`` and ``*-labels-subtask-3.txt`` not
starting with ``article`` are paragraph files, ``*-articles.txt`` and ``*-labels-subtask-[12].txt``
article files, ``*.template`` templates), else its first line's columns (4: spans, 3: paragraph
labels unless the last two are numbers, which is a span file without techniques, 2: article
labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from annotator.services.formats_in.common import read_lines

SIDE_FILES = ("article-ids.tsv", "label-map.tsv")
BUNDLE_SETS = {"1": "genre", "2": "frames", "3": "technique"}  # SemEval-2023 subtask -> set name
_BUNDLE = re.compile(r".*labels-subtask-([123])\.txt")
_OURS = re.compile(r"(.+)-(paragraphs|articles)\.txt")


@dataclass
class UnitLabels:
    """Labels of one paragraph (line >= 1) or one article (line 0), from FILE:LINE."""

    file: str
    lineno: int
    article: str
    line: int
    labels: list[str]


def kind_of(path: Path) -> str:
    """``spans``, ``paragraphs``, ``documents``, ``template`` or ``side`` (not labels)."""
    name = path.name
    if name in SIDE_FILES or name.endswith("-techniques.txt"):
        return "side"
    if name.endswith(".template"):
        return "template"
    m = _OURS.fullmatch(name)
    if m:
        return "paragraphs" if m.group(2) == "paragraphs" else "documents"
    b = _BUNDLE.fullmatch(name)
    if b and not name.startswith("article"):
        return "paragraphs" if b.group(1) == "3" else "documents"
    if name.endswith(".labels") or name.startswith("article"):
        return "spans"
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            first = next((ln.rstrip("\r\n") for ln in f if ln.strip()), "")
    except OSError:
        return "spans"  # the span reader reports the file
    cols = first.split("\t")
    if len(cols) == 2:
        return "documents"
    if len(cols) == 3 and not (cols[1].strip().isdigit() and cols[2].strip().isdigit()):
        return "paragraphs"
    return "spans"


def set_hint(path: Path) -> str | None:
    """The label set a file's name gives: ``<set>-paragraphs.txt`` -> set, the bundle's
    ``...-labels-subtask-1.txt`` -> genre, ``-2`` -> frames, ``-3`` -> technique."""
    m = _OURS.fullmatch(path.name)
    if m:
        return m.group(1)
    b = _BUNDLE.fullmatch(path.name)
    return BUNDLE_SETS[b.group(1)] if b else None


def parse_units(path: Path, kind: str, problems: list[str]) -> list[UnitLabels]:
    """Paragraph or article label lines (an empty label column: no label)."""
    out: list[UnitLabels] = []
    want = 3 if kind == "paragraphs" else 2
    lines = read_lines(path, problems)
    for lineno, raw in enumerate(lines or [], start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) == want - 1:  # the scorers' "ID<TAB>" with the tab trimmed
            cols.append("")
        if len(cols) != want:
            what = "article_id, line, labels" if want == 3 else "article_id, labels"
            problems.append(f"{path}:{lineno}: expected {want} tab-separated columns ({what}), "
                            f"found {len(cols)}")
            continue
        art = cols[0].strip()
        number = 0
        if want == 3:
            if not cols[1].strip().isdigit() or int(cols[1]) < 1:
                problems.append(f"{path}:{lineno}: line number must be a whole number >= 1, "
                                f"not {cols[1]!r}")
                continue
            number = int(cols[1])
        if not art:
            problems.append(f"{path}:{lineno}: empty article id")
            continue
        labels = [lab.strip() for lab in cols[-1].split(",") if lab.strip()]
        out.append(UnitLabels(str(path), lineno, art, number, labels))
    return out


def parse_template(path: Path, problems: list[str]) -> dict[str, dict[int, tuple[int, str]]]:
    """article -> line number -> (file line, paragraph text)."""
    out: dict[str, dict[int, tuple[int, str]]] = {}
    lines = read_lines(path, problems)
    for lineno, raw in enumerate(lines or [], start=1):
        if not raw.strip():
            continue
        cols = raw.split("\t", 2)
        if len(cols) != 3 or not cols[1].isdigit() or int(cols[1]) < 1:
            problems.append(f"{path}:{lineno}: expected article_id<TAB>line<TAB>text")
            continue
        by_line = out.setdefault(cols[0].strip(), {})
        if int(cols[1]) in by_line:
            problems.append(f"{path}:{lineno}: line {cols[1]} of article {cols[0]} given twice")
            continue
        by_line[int(cols[1])] = (lineno, cols[2])
    return out


def text_from_template(lines: dict[int, tuple[int, str]]) -> str:
    """The article as the template gives it: each paragraph on its line, the lines the
    template leaves out empty, a final line break."""
    last = max(lines)
    return "\n".join(lines[n][1] if n in lines else "" for n in range(1, last + 1)) + "\n"


def find_side_file(name: str, near: list[Path]) -> Path | None:
    """``name`` in the label files' folders or up to three levels above them."""
    for start in near:
        for d in [start, *list(start.parents)[:3]]:
            if (d / name).is_file():
                return d / name
    return None


def read_id_map(path: Path | None) -> dict[str, str]:
    """article id -> the document's name (``article-ids.tsv`` of our export)."""
    out: dict[str, str] = {}
    if path is None:
        return out
    for line in path.read_text("utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0] and cols[1]:
            out[cols[0]] = cols[1]
    return out


def read_label_map(path: Path | None) -> dict[str, dict[str, str]]:
    """label set -> written name -> label (``label-map.tsv`` of our export)."""
    out: dict[str, dict[str, str]] = {}
    if path is None:
        return out
    for line in path.read_text("utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 3:
            out.setdefault(cols[0], {})[cols[1]] = cols[2]
    return out


def read_classes(path: Path) -> list[str]:
    """A classes (techniques) file: one label per line."""
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
