"""SemEval-2023 Task 3 / PTC layouts: article files plus tab-separated labels, as the official
scorers read them.

Article ids must be numbers (the PTC scorer takes the id from the file name with
``article([0-9]+)``): a document whose name is a number keeps it; any other gets a stable
9-digit number derived from its text's SHA-256 (the same in every export and database), and
``article-ids.tsv`` maps every id to the document (its name and SHA-256). The article
file holds the stored document text exactly, so document offsets are offsets into the file.

Per annotator (or gold) directory, for each label set, with ``layout="2023"`` (the default):

- span sets: ``<set>-spans/article<ID>-labels-subtask-3.txt`` with
  ``ID<TAB>label<TAB>start<TAB>end`` (start inclusive, end exclusive), one file per article the
  annotator answered;
- span and sentence sets: ``<set>-paragraphs.txt`` with ``ID<TAB>line<TAB>L1,L2`` for every
  non-empty line of those articles (1-based line numbers, the title is line 1; an empty third
  column means no label): the labels of the spans or sentences that overlap the line;
- document sets: ``<set>-articles.txt`` with ``ID<TAB>L1,L2`` (a single-label set lists only
  the articles that have a label, as the subtask-1 scorer wants one class per line).

With ``layout="ptc"`` (SemEval-2020 Task 11), span sets are written as
``<set>-labels/article<ID>.labels`` (the folder the TC scorer reads with ``*.labels``) plus all
of them in one ``<set>.labels`` (a submission file); paragraph and article files are as above.

Label names with a comma (PTC's ``Name_Calling,Labeling``) cannot go in comma-separated
columns: there the comma becomes ``-`` (``Name_Calling-Labeling``, the SemEval-2023 spelling),
with a numbered suffix if that name is taken, and ``label-map.tsv`` says which name stands for
which (``import-annotations`` reads it back). Span files keep the names as they are. Each set's
``<set>-techniques.txt`` lists the names as written in its comma-separated files, one per line:
the classes file the scorers take (``<set>-span-techniques.txt``, the names with their commas,
when a span set's span files need it). ``paragraphs.template`` gives ``ID<TAB>line<TAB>text`` for
every non-empty line of every article (the SemEval-2023 template).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    ExportDoc,
    ExportError,
    Selection,
    Walker,
    inside,
    prepare_dir,
    safe_file_name,
    scheme_labels,
    unique_file_names,
    write_text,
)
from annotator.store import Store

LAYOUTS = ("2023", "ptc")
IDS_FILE = "article-ids.tsv"
LABEL_MAP_FILE = "label-map.tsv"
TEMPLATE_FILE = "paragraphs.template"


def article_file(name: str) -> str:
    return f"article{name}.txt"


def span_file(name: str) -> str:
    return f"article{name}-labels-subtask-3.txt"


def ptc_span_file(name: str) -> str:
    return f"article{name}.labels"


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


def numeric_ids(docs: list[dict[str, Any]], names: dict[int, str]) -> dict[int, str]:
    """database id -> SemEval article id: the document's name when it is a number, else a
    9-digit number from its text's SHA-256, moved on by one while taken (documents in import
    order, so the same database always gives the same ids)."""
    out: dict[int, str] = {}
    used = {n.lstrip("0") or "0" for n in names.values() if n.isdigit()}
    for d in docs:
        name = names[int(d["id"])]
        if name.isdigit():
            out[int(d["id"])] = name
            continue
        number = 100_000_000 + int(str(d["sha256"])[:15], 16) % 900_000_000
        while str(number) in used:
            number += 1
        used.add(str(number))
        out[int(d["id"])] = str(number)
    return out


def comma_free(labels: list[str]) -> dict[str, str]:
    """label -> the name written in comma-separated columns (commas become ``-``; a numbered
    suffix when that name is another label's or already given)."""
    taken = set(labels)
    out: dict[str, str] = {}
    for lab in labels:
        if "," not in lab:
            out[lab] = lab
            continue
        base = lab.replace(",", "-")
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        out[lab] = name
    return out


def _labels(items: list[tuple[int, int, str]], start: int, end: int, names: dict[str, str]) -> str:
    return ",".join(sorted({names.get(lab, lab) for s, e, lab in items if s < end and e > start}))


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None,
    layout: str = "2023",
) -> dict[str, int]:
    if layout not in LAYOUTS:
        raise ExportError(f"--semeval-layout must be one of {', '.join(LAYOUTS)}")
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    who = walker.who
    levels = walker.levels
    dirs = unique_file_names(who)  # one folder per person, never shared, never outside --out
    set_files = {s: safe_file_name(s) for s in levels}
    ids = numeric_ids(walker.docs, walker.names)
    known = scheme_labels(store)
    multiple = _multiple_sets(store)
    # label set -> label -> name in comma-separated columns (grown as labels are met)
    written: dict[str, dict[str, str]] = {
        s: comma_free(known.get(s, [])) for s in levels
    }
    # (who, file) -> (article order, line); articles in natural order of their IDs, the order
    # import-annotations reads them in, so that a re-export gives the same files
    lines: dict[tuple[str, str], list[tuple[tuple[int, str], str]]] = {}
    template: list[tuple[tuple[int, str], str]] = []
    n = 0
    for doc in walker:
        art = ids[int(doc.row["id"])]
        write_text(inside(out, "articles", article_file(art)), doc.text)
        bounds = line_bounds(doc.text)
        order = natural_key(art)
        template.extend(
            (order, f"{art}\t{number}\t{doc.text[s:e]}") for number, s, e in bounds
        )
        sents = {int(s["idx"]): s for s in doc.sentences}
        for person in who:
            if person not in doc.answered:
                continue
            mine = [a for a in doc.annotations if a["annotator"] == person]
            n += len(mine)
            d = dirs[person]
            for label_set, level in levels.items():
                in_set = [a for a in mine if a["label_set"] == label_set]
                names = written[label_set]
                for a in in_set:
                    if a["label"] not in names:
                        names.update(comma_free([*names, a["label"]]))
                if level == "document":
                    joined = ",".join(sorted({names[a["label"]] for a in in_set}))
                    if joined or multiple.get(label_set, True):
                        lines.setdefault((d, f"{set_files[label_set]}-articles.txt"), []).append(
                            (order, f"{art}\t{joined}")
                        )
                    continue
                items = _items(doc, in_set, level, sents)
                if level == "span":
                    rows = "".join(f"{art}\t{lab}\t{s}\t{e}\n" for s, e, lab in sorted(items))
                    if layout == "ptc":
                        write_text(
                            inside(out, d, f"{set_files[label_set]}-labels", ptc_span_file(art)),
                            rows,
                        )
                        lines.setdefault((d, f"{set_files[label_set]}.labels"), []).extend(
                            (order, r) for r in rows.splitlines()
                        )
                    else:
                        write_text(
                            inside(out, d, f"{set_files[label_set]}-spans", span_file(art)), rows
                        )
                para = lines.setdefault((d, f"{set_files[label_set]}-paragraphs.txt"), [])
                para.extend(
                    (order, f"{art}\t{number}\t{_labels(items, s, e, names)}")
                    for number, s, e in bounds
                )
        if advance is not None:
            advance(1)
    for (d, fname), content in lines.items():
        content.sort(key=lambda x: x[0])  # stable: line order within an article is kept
        write_text(inside(out, d, fname), "".join(r + "\n" for _, r in content))
    _write_side_files(out, walker, ids, written, levels, template, {d for d, _ in lines})
    return {"documents": len(walker), "annotations": n}


def _write_side_files(
    out: Path, walker: Walker, ids: dict[int, str], written: dict[str, dict[str, str]],
    levels: dict[str, str], template: list[tuple[tuple[int, str], str]], dirs: set[str],
) -> None:
    """The id map, the label map, the classes files and the paragraph template."""
    rows = sorted(
        ((ids[int(d["id"])], walker.names[int(d["id"])], str(d["sha256"]))
         for d in walker.docs),
        key=lambda r: natural_key(r[0]),
    )
    write_text(
        inside(out, IDS_FILE),
        "article_id\tname\tsha256\n" + "".join("\t".join(r) + "\n" for r in rows),
    )
    mapped = [
        (s, name, lab) for s in sorted(written) for lab, name in written[s].items() if name != lab
    ]
    if mapped:
        write_text(
            inside(out, LABEL_MAP_FILE),
            "label_set\twritten\tlabel\n" + "".join(f"{s}\t{w}\t{lab}\n" for s, w, lab in mapped),
        )
    for d in sorted(dirs):
        for label_set, names in written.items():
            if levels.get(label_set) and names:
                write_text(
                    inside(out, d, f"{safe_file_name(label_set)}-techniques.txt"),
                    "".join(f"{w}\n" for w in names.values()),
                )
                if levels[label_set] == "span" and any(w != lab for lab, w in names.items()):
                    # span files keep the names with commas: their classes file for the TC scorer
                    write_text(
                        inside(out, d, f"{safe_file_name(label_set)}-span-techniques.txt"),
                        "".join(f"{lab}\n" for lab in names),
                    )
    template.sort(key=lambda x: x[0])
    write_text(inside(out, TEMPLATE_FILE), "".join(r + "\n" for _, r in template))


def _multiple_sets(store: Store) -> dict[str, bool]:
    """label set -> whether it takes several labels (latest stored versions)."""
    out: dict[str, bool] = {}
    for name in store.schemes.names():
        _, scheme = store.schemes.load(name)
        for ls in scheme.label_sets:
            out.setdefault(ls.name, ls.multiple)
    return out


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
