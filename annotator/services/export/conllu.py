"""CoNLL-U Plus: one ``<annotator>.conllup`` per annotator (or gold), declared by
``# global.columns = ID FORM MISC <SET>...`` with one BIO column per span set (named
``ANNOTATOR:<SET>`` in capitals).

The annotator's name follows (``# annotator = <name>``: the file name may have had to change
it). Each document opens with ``# newdoc id = <name>``, ``# doc_text = <the text as a JSON
string>`` (so that the text, line breaks included, comes back exactly), its fields as
``# doc_<field> = ...`` and its document labels as ``# doc_label <set> = L1|L2``; each sentence
has ``# sent_id``, ``# text`` and its labels as ``# label <set> = L1|L2``. MISC gives each
token's document offsets (``TokenRange=start:end``, as UDPipe writes it) and ``SpaceAfter=No``.
Tokens are the CoNLL export's, cut at span edges so that spans keep their exact offsets; BIO
holds one span per token and set: an overlapping span is left out (counted on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    Selection,
    Walker,
    prepare_dir,
    safe_file_name,
    write_text,
)
from annotator.services.export.exchange import document_fields, split_tokens, works
from annotator.store import Store


def column_name(label_set: str) -> str:
    return "ANNOTATOR:" + label_set.upper()


def escape_comment(value: str) -> str:
    """One line, as comments must be."""
    return " ".join(value.split())


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    span_sets = [s for s, lev in walker.levels.items() if lev == "span"]
    header = "# global.columns = ID FORM MISC " + " ".join(map(column_name, span_sets)) + "\n"
    files: dict[str, list[str]] = {}
    left: dict[tuple[str, str], int] = {}
    n = 0
    for doc, done in works(walker):
        text = doc.text
        for w in done:
            n += len(w.marks)
            spans = [m for m in w.marks if m.level == "span"]
            tokens = split_tokens(doc.sentences, {c for m in spans for c in (m.start, m.end)
                                                  if c is not None})
            tags = {s: ["O"] * len(tokens) for s in span_sets}
            for m in sorted(spans, key=lambda m: (m.start or 0, -(m.end or 0), m.label)):
                hit = [i for i, (_, ts, te) in enumerate(tokens)
                       if ts < (m.end or 0) and te > (m.start or 0)]
                column = tags.get(m.label_set)
                if column is None:
                    continue
                if not hit or any(column[i] != "O" for i in hit):
                    left[(w.annotator, m.label_set)] = left.get((w.annotator, m.label_set), 0) + 1
                    continue
                prev = None
                for i in hit:
                    column[i] = ("B-" if tokens[i][0] != prev else "I-") + m.label
                    prev = tokens[i][0]
            lines = files.setdefault(w.annotator, [header, f"# annotator = {w.annotator}\n"])
            lines.append(f"# newdoc id = {doc.name}\n")
            lines.append(f"# doc_text = {json.dumps(text, ensure_ascii=False)}\n")
            for key, value in document_fields(doc).items():
                if key != "id":
                    lines.append(f"# doc_{key} = {escape_comment(str(value))}\n")
            by_set: dict[str, list[str]] = {}
            for m in w.document_labels:
                by_set.setdefault(m.label_set, []).append(m.label)
            lines += [f"# doc_label {s} = {'|'.join(labs)}\n" for s, labs in by_set.items()]
            for s in doc.sentences:
                idx = int(s["idx"])
                lines.append(f"# sent_id = {doc.name}-{idx}\n")
                lines.append(f"# text = {escape_comment(str(s['text']))}\n")
                sent_labels: dict[str, list[str]] = {}
                for m in w.marks:
                    if m.level == "sentence" and m.sentence == idx:
                        sent_labels.setdefault(m.label_set, []).append(m.label)
                lines += [f"# label {k} = {'|'.join(v)}\n" for k, v in sent_labels.items()]
                k = 0
                for i, (sidx, ts, te) in enumerate(tokens):
                    if sidx != idx:
                        continue
                    k += 1
                    misc = f"TokenRange={ts}:{te}"
                    if te >= len(text) or not text[te].isspace():
                        misc += "|SpaceAfter=No"
                    cols = "".join("\t" + tags[c][i] for c in span_sets)
                    lines.append(f"{k}\t{text[ts:te]}\t{misc}{cols}\n")
                lines.append("\n")
        if advance is not None:
            advance(1)
    for person, lines in files.items():
        write_text(out / f"{safe_file_name(person)}.conllup", "".join(lines))
    for (person, label_set), k in sorted(left.items()):
        warn(f"conllu: {person}, {label_set}: {k} span(s) overlap an earlier span or cover no "
             "token; left out of the BIO column")
    return {"documents": len(walker), "annotations": n}
