"""SemEval-2023 Task 3 layout (the PTC conventions): article files plus tab-separated labels.

The article file holds the stored document text exactly, so document offsets are offsets into
the file. Per annotator (or gold) directory, for each label set:

- span sets: ``<set>-spans/article<ID>-labels-subtask-3.txt`` with
  ``ID<TAB>label<TAB>start<TAB>end`` (start inclusive, end exclusive), one file per article the
  annotator answered;
- span and sentence sets: ``<set>-paragraphs.txt`` with ``ID<TAB>line<TAB>L1,L2`` for every
  non-empty line of those articles (1-based line numbers, the title is line 1; an empty third
  column means no label): the labels of the spans or sentences that overlap the line;
- document sets: ``<set>-articles.txt`` with ``ID<TAB>L1,L2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    ExportDoc,
    Selection,
    Walker,
    inside,
    prepare_dir,
    safe_file_name,
    unique_file_names,
    write_text,
)
from annotator.store import Store


def article_file(name: str) -> str:
    return f"article{name}.txt"


def span_file(name: str) -> str:
    return f"article{name}-labels-subtask-3.txt"


def natural_key(name: str) -> tuple[int, str]:
    """Numeric IDs in numeric order, then the others alphabetically."""
    return (int(name), "") if name.isdigit() else (1 << 62, name)


def line_bounds(text: str) -> list[tuple[int, int, int]]:
    """(1-based line number, start, end) of every non-empty line."""
    out: list[tuple[int, int, int]] = []
    pos = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            out.append((number, pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _labels(items: list[tuple[int, int, str]], start: int, end: int) -> str:
    return ",".join(sorted({lab for s, e, lab in items if s < end and e > start}))


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    who = walker.who
    dirs = unique_file_names(who)
    levels = walker.levels
    set_files = {s: safe_file_name(s) for s in levels}
    # (who, file) -> (article order, line); articles in natural order of their IDs, the order
    # import-annotations reads them in, so that a re-export gives the same files
    lines: dict[tuple[str, str], list[tuple[tuple[int, str], str]]] = {}
    n = 0
    for doc in walker:
        write_text(inside(out, "articles", article_file(doc.name)), doc.text)
        bounds = line_bounds(doc.text)
        order = natural_key(doc.name)
        sents = {int(s["idx"]): s for s in doc.sentences}
        for person in who:
            if person not in doc.answered:
                continue
            mine = [a for a in doc.annotations if a["annotator"] == person]
            n += len(mine)
            d = dirs[person]
            for label_set, level in levels.items():
                in_set = [a for a in mine if a["label_set"] == label_set]
                if level == "document":
                    joined = ",".join(sorted({a["label"] for a in in_set}))
                    lines.setdefault((d, f"{set_files[label_set]}-articles.txt"), []).append(
                        (order, f"{doc.name}\t{joined}")
                    )
                    continue
                items = _items(doc, in_set, level, sents)
                if level == "span":
                    rows = "".join(
                        f"{doc.name}\t{lab}\t{s}\t{e}\n" for s, e, lab in sorted(items)
                    )
                    write_text(
                        inside(out, d, f"{set_files[label_set]}-spans", span_file(doc.name)), rows
                    )
                para = lines.setdefault((d, f"{set_files[label_set]}-paragraphs.txt"), [])
                para.extend(
                    (order, f"{doc.name}\t{number}\t{_labels(items, s, e)}")
                    for number, s, e in bounds
                )
        if advance is not None:
            advance(1)
    for (d, fname), content in lines.items():
        content.sort(key=lambda x: x[0])  # stable: line order within an article is kept
        write_text(inside(out, d, fname), "".join(r + "\n" for _, r in content))
    return {"documents": len(walker), "annotations": n}


def _items(
    doc: ExportDoc, anns: list[dict[str, Any]], level: str, sents: dict[int, dict[str, Any]]
) -> list[tuple[int, int, str]]:
    """(start, end, label) in document offsets: the span, or the whole labelled sentence."""
    out = []
    for a in anns:
        if level == "span":
            out.append((int(a["start"]), int(a["end"]), str(a["label"])))
        else:
            s = sents[int(a["sentence_idx"])]
            out.append((int(s["start"]), int(s["end"]), str(a["label"])))
    return out
