"""CoNLL-style token files with BIO tags, one file per annotator (or gold).

Tokenisation (documented in the README): within each stored sentence, a token is a maximal run of
word characters (``\\w+``, so letters with accents and digits) or a single other non-space
character; so « l'armée » gives ``l``, ``'``, ``armée``. Each token line is
``TOKEN<TAB>START<TAB>END<TAB>tag per span set`` with document offsets. A token takes ``B-label``
/ ``I-label`` when it overlaps a span; BIO cannot hold overlapping spans of one set, so a span
overlapping an earlier one (by start, then longest) is left out of that column and counted on
stderr. Sentence and document labels are comment lines ``# <set> = L1|L2``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    Selection,
    Walker,
    atomic_file,
    inside,
    prepare_dir,
    unique_file_names,
)
from annotator.store import Store

TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    return [(m.group(), offset + m.start(), offset + m.end()) for m in TOKEN.finditer(text)]


def bio(
    tokens: list[tuple[int, int, int]], spans: list[tuple[int, int, str]]
) -> tuple[list[str], int]:
    """Tags for tokens (sentence idx, start, end) given spans; returns (tags, spans left out)."""
    tags = ["O"] * len(tokens)
    left_out = 0
    for s, e, label in sorted(spans, key=lambda x: (x[0], -x[1], x[2])):
        hit = [i for i, (_, ts, te) in enumerate(tokens) if ts < e and te > s]
        if not hit or any(tags[i] != "O" for i in hit):
            left_out += 1
            continue
        prev_sent = None
        for i in hit:
            sent = tokens[i][0]
            tags[i] = ("B-" if sent != prev_sent else "I-") + label
            prev_sent = sent
    return tags, left_out


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    levels = walker.levels
    span_sets = [s for s, lev in levels.items() if lev == "span"]
    unit_sets = [(s, lev) for s, lev in levels.items() if lev != "span"]
    files: dict[str, list[str]] = {
        p: [f"# annotator = {p}\n", "# columns = TOKEN START END " + " ".join(span_sets) + "\n"]
        for p in walker.who
    }
    left: dict[tuple[str, str], int] = {}
    wrote: set[str] = set()
    n = 0
    for doc in walker:
        tokens: list[tuple[int, int, int]] = []
        words: list[str] = []
        for s in doc.sentences:
            for w, ts, te in tokenize(s["text"], int(s["start"])):
                tokens.append((int(s["idx"]), ts, te))
                words.append(w)
        for person in walker.who:
            if person not in doc.answered:
                continue
            mine = [a for a in doc.annotations if a["annotator"] == person]
            n += len(mine)
            columns = []
            for label_set in span_sets:
                spans = [
                    (int(a["start"]), int(a["end"]), a["label"])
                    for a in mine if a["label_set"] == label_set
                ]
                tags, dropped = bio(tokens, spans)
                if dropped:
                    left[(person, label_set)] = left.get((person, label_set), 0) + dropped
                columns.append(tags)
            lines = files[person]
            wrote.add(person)
            lines.append(f"\n# document = {doc.name}\n")
            for label_set, level in unit_sets:
                if level == "document":
                    labs = [a["label"] for a in mine if a["label_set"] == label_set]
                    lines.append(f"# {label_set} = {'|'.join(labs)}\n")
            i = 0
            for s in doc.sentences:
                idx = int(s["idx"])
                lines.append(f"\n# sentence = {idx}\n")
                for label_set, level in unit_sets:
                    if level == "sentence":
                        labs = [
                            a["label"] for a in mine
                            if a["label_set"] == label_set and a["sentence_idx"] == idx
                        ]
                        lines.append(f"# {label_set} = {'|'.join(labs)}\n")
                while i < len(tokens) and tokens[i][0] == idx:
                    _, ts, te = tokens[i]
                    cols = "".join("\t" + c[i] for c in columns)
                    lines.append(f"{words[i]}\t{ts}\t{te}{cols}\n")
                    i += 1
        if advance is not None:
            advance(1)
    names = unique_file_names(files)
    for person, lines in files.items():
        if person not in wrote:
            continue  # nothing answered: no file
        with atomic_file(inside(out, f"{names[person]}.conll")) as f:
            f.writelines(lines)
    for (person, label_set), k in sorted(left.items()):
        warn(f"conll: {person}, {label_set}: {k} span(s) overlap an earlier span or cover no "
             "token; left out of the BIO column")
    return {"documents": len(walker), "annotations": n}
