"""INCEpTION / WebAnno TSV 3.3, laid out as in an INCEpTION project export:
``OUT/source/<name>.txt`` (the document text) and ``OUT/annotation/<name>.txt/<annotator>.tsv``
(one file per document and annotator).

Each span or sentence label set is a custom span layer ``webanno.custom.<Set>`` with the
features ``label`` and ``note``; a sentence label is an annotation over the sentence's tokens.
Tokens are the CoNLL export's, cut at span edges so that every span is whole tokens; a
multi-token annotation carries its number in brackets (``Loaded_Language[3]``), stacked ones are
joined with ``|``, ``_`` is no annotation and ``*`` an annotation with an empty feature; feature
values escape ``\\ [ ] | _ -> ; * `` and tabs and line breaks with a backslash. A span that
crosses sentences keeps one number across them. TSV has no document labels (they are left out)
and no time; a span's leading or trailing spaces are not tokens, so they are not kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    Selection,
    Walker,
    prepare_dir,
    safe_file_name,
    write_text,
)
from annotator.services.export.exchange import Mark, split_tokens, works
from annotator.store import Store

FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
SPECIAL = ("\\", "[", "]", "|", "_", "->", ";", "*", "\t", "\n")


def escape(value: str) -> str:
    out = value.replace("\\", "\\\\")
    for ch in SPECIAL[1:]:
        shown = {"\t": "\\t", "\n": "\\n"}.get(ch, "\\" + ch)
        out = out.replace(ch, shown)
    return out


def layer_name(label_set: str) -> str:
    """``frame`` -> ``webanno.custom.Frame``, ``primary_frame`` -> ``...PrimaryFrame``."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", label_set) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "Labels"
    return "webanno.custom." + ("L" + name if name[0].isdigit() else name)


def tsv(text: str, sentences: list[dict[str, Any]], sets: list[str], marks: list[Mark]) -> str:
    """One document's TSV for one annotator."""
    spans = [m for m in marks if m.level != "document" and m.label_set in sets]
    tokens = split_tokens(sentences, {c for m in spans for c in (m.start, m.end)
                                      if c is not None})
    cells: list[list[list[str]]] = [[[] for _ in range(2 * len(sets))] for _ in tokens]
    next_id = 1
    for m in sorted(spans, key=lambda m: (m.start or 0, m.end or 0, m.label_set, m.label)):
        hit = [i for i, (_, ts, te) in enumerate(tokens)
               if ts < (m.end or 0) and te > (m.start or 0)]
        if not hit:
            continue
        suffix = ""
        if len(hit) > 1:
            suffix = f"[{next_id}]"
            next_id += 1
        col = 2 * sets.index(m.label_set)
        for i in hit:
            cells[i][col].append(escape(m.label) + suffix)
            cells[i][col + 1].append((escape(m.note) if m.note else "*") + suffix)
    layers = "".join(f"#T_SP={layer_name(s)}|label|note\n" for s in sets)
    out = [f"{FORMAT_LINE}\n{layers}\n"]
    number = 0
    for s in sentences:
        idx = int(s["idx"])
        number += 1
        out.append("\n" + "".join(
            f"#Text={line.replace(chr(92), chr(92) * 2)}\n" for line in str(s["text"]).split("\n")
        ))
        k = 0
        for i, (sidx, ts, te) in enumerate(tokens):
            if sidx != idx:
                continue
            k += 1
            cols = "".join("\t" + ("|".join(c) if c else "_") for c in cells[i])
            out.append(f"{number}-{k}\t{ts}-{te}\t{text[ts:te].replace(chr(92), chr(92) * 2)}"
                       f"{cols}\t\n")
    return "".join(out)


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    sets = [s for s, lev in walker.levels.items() if lev != "document"]
    n = 0
    left = 0
    for doc, done in works(walker):
        name = f"{safe_file_name(doc.name)}.txt"
        write_text(out / "source" / name, doc.text)
        for w in done:
            n += len(w.marks)
            left += len(w.document_labels)
            write_text(out / "annotation" / name / f"{safe_file_name(w.annotator)}.tsv",
                       tsv(doc.text, doc.sentences, sets, w.marks))
        if advance is not None:
            advance(1)
    if left:
        warn(f"webanno: {left} document label(s) left out (WebAnno TSV has no document labels)")
    return {"documents": len(walker), "annotations": n}
