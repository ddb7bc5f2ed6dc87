"""The official SemEval scorers' file rules, replicated (the scorers are not on the package index).

Each function raises AssertionError where the scorer would stop (sys.exit or an exception) or
reject the file, and returns what the scorer would read.

Sources read (public copies of the organisers' scripts, Giovanni Da San Martino et al.):
- PTC / SemEval-2020 Task 11 tools, ``src/annotations.py``, ``src/annotation.py``,
  ``src/annotation_w_o_label.py`` (as vendored in github.com/DAMO-NLP-SG/PeerDA,
  SemEval/SemEval20/evaluation/src/): the gold folder is read with ``glob(folder, "*.labels")``;
  the article id comes from the file name with ``re.compile("article([0-9]+).*").match(basename)``
  (no match -> AttributeError); each line is ``line.rstrip().split("\t")`` and must have exactly
  4 columns (article id, technique, start, end); start and end go through ``int()``; the
  technique must be in the techniques file (``line.rstrip()`` per line); spans need
  0 <= start < end.
- SemEval-2023 Task 3 scorers ``scorer-subtask-1.py`` and ``scorer-subtask-2.py`` (public copies
  of the bundle's scorers): subtask 1 reads ``dict(line.rstrip().split("\t"))`` (exactly two
  fields per line, one class per article, the class in the fixed list); subtask 2 finds the
  first tab, reads an empty list when the line ends in ``"\t\n"``, else splits the rest (after
  ``rstrip()``) on ``","``, and every label must be in the classes file. The subtask-3 scorer
  was not found in the searchable copies; its file (``ID<TAB>LINE<TAB>L1,L2``, empty third column
  = no technique, per the bundle's README) is read here with the subtask-2 rules keyed by
  (ID, LINE), the same authors' code for the same comma-separated label column.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

PTC_ID = re.compile("article([0-9]+).*")


def read_classes(path: Path) -> list[str]:
    """A techniques/frames file: ``[line.rstrip() for line in f.readlines()]``."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip() for line in f.readlines()]


def _tc_rows(path: Path, techniques: list[str]) -> list[tuple[str, str, int, int]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f.readlines(), start=1):
            row = line.rstrip().split("\t")
            assert len(row) == 4, f"{path}:{i}: supposed to have 4 columns, found {len(row)}"
            start, end = int(row[2]), int(row[3])
            assert row[1] in techniques, f"{path}:{i}: label {row[1]!r} is not valid"
            assert start >= 0 and end >= 0, f"{path}:{i}: negative offsets"
            assert start < end, f"{path}:{i}: end must be greater than start"
            rows.append((row[0], row[1], start, end))
    return rows


def ptc_gold_folder(folder: Path, techniques: list[str]) -> dict[str, list[tuple[str, int, int]]]:
    """The TC scorer's reference folder: article id -> (technique, start, end)."""
    files = glob.glob(os.path.join(folder, "*.labels"))
    assert files, f"Cannot load file list {folder}/*.labels"
    out: dict[str, list[tuple[str, int, int]]] = {}
    for filename in files:
        m = PTC_ID.match(os.path.basename(filename))
        assert m is not None, f"{filename}: no article([0-9]+) in the file name"
        out.setdefault(m.group(1), [])
        for art, tech, s, e in _tc_rows(Path(filename), techniques):
            assert art == m.group(1), f"{filename}: a row of article {art}"
            out[art].append((tech, s, e))
    return out


def ptc_submission(path: Path, techniques: list[str]) -> dict[str, list[tuple[str, int, int]]]:
    """The TC scorer's submission file (all articles in one file)."""
    out: dict[str, list[tuple[str, int, int]]] = {}
    for art, tech, s, e in _tc_rows(path, techniques):
        out.setdefault(art, []).append((tech, s, e))
    return out


def semeval2023_subtask1(path: Path, classes: list[str]) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        pairs = [line.rstrip().split("\t") for line in f.readlines()]
    assert all(len(p) == 2 for p in pairs), f"{path}: a line without exactly 2 fields"
    labels = dict(pairs)  # type: ignore[arg-type]
    bad = set(labels.values()) - set(classes)
    assert not bad, f"{path}: labels not valid: {bad}"
    return labels


def _comma_lists(path: Path, key_columns: int) -> dict[str, list[str]]:
    a: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f.readlines():
            ind = -1
            for _ in range(key_columns):
                ind = line.find("\t", ind + 1)
                assert ind >= 0, f"{path}: no TAB found on line {line!r}"
            if ind == len(line) - 2:  # line ends in \t\n
                a[line[0:ind]] = []
            else:
                a[line[0:ind]] = line[ind + 1:].rstrip().split(",")
    return a


def semeval2023_subtask2(path: Path, classes: list[str]) -> dict[str, list[str]]:
    labels = _comma_lists(path, 1)
    bad = {lab for ls in labels.values() for lab in ls if lab not in classes}
    assert not bad, f"{path}: labels not valid: {bad}"
    return labels


def semeval2023_subtask3(path: Path, classes: list[str]) -> dict[str, list[str]]:
    labels = _comma_lists(path, 2)
    bad = {lab for ls in labels.values() for lab in ls if lab not in classes}
    assert not bad, f"{path}: labels not valid: {bad}"
    return labels
