"""spaCy ``DocBin`` (``.spacy``): one ``Doc`` per document and annotator (optional extra
``[spacy]``).

The Doc's text is the document text exactly (its tokens are the CoNLL export's, cut at span
edges, with whitespace runs as tokens where spaCy needs them), so every span is a
``doc.spans[<set>]`` span with the same character offsets. Document labels are ``doc.cats``
(1.0 for each label; several sets share it) and, with their sets, ``user_data["document_labels"]``;
sentence labels are ``user_data["sentence_labels"]`` (``[start, end, set, label]``) and the
sentences ``doc.sents``; notes ``user_data["notes"]`` (``[start, end, set, label, note]``);
``user_data`` also has ``annotator``, ``seconds`` and the document's fields (``document``).
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

from annotator.services.export.common import ExportError, Selection, Walker
from annotator.services.export.exchange import Mark, document_fields, works
from annotator.store import Store

HINT = "spaCy DocBin needs spaCy: pip install 'annotator[spacy]'"
PIECE = re.compile(r"\w+|[^\w\s]|\s+")


def words_and_spaces(
    text: str, sentences: list[dict[str, Any]], span_starts: set[int], span_ends: set[int]
) -> tuple[list[str], list[bool], list[bool]]:
    """spaCy's words and trailing-space flags rebuilding ``text`` exactly, cut at span edges
    (a space a span starts or ends with stays a token of its own), and which word starts a
    sentence."""
    starts = {int(s["start"]) for s in sentences}
    cuts = span_starts | span_ends
    pieces: list[tuple[int, int]] = []
    for m in PIECE.finditer(text):
        edges = [m.start(), *sorted(c for c in cuts if m.start() < c < m.end()), m.end()]
        pieces += list(pairwise(edges))
    words: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool] = []
    for a, b in pieces:
        piece = text[a:b]
        if (piece == " " and words and not words[-1].isspace() and not spaces[-1]
                and a not in span_starts and b not in span_ends):
            spaces[-1] = True  # one plain space after a word: spaCy's trailing space
            continue
        words.append(piece)
        spaces.append(False)
        sent_starts.append(a in starts)
    return words, spaces, sent_starts


def make_doc(vocab: Any, w: Any) -> Any:
    from spacy.tokens import Doc

    text = w.doc.text
    marks: list[Mark] = w.marks
    spans = [m for m in marks if m.level == "span"]
    words, spaces, sent_starts = words_and_spaces(
        text, w.doc.sentences, {int(m.start or 0) for m in spans}, {int(m.end or 0) for m in spans}
    )
    doc = Doc(vocab, words=words, spaces=spaces,
              sent_starts=[True if i == 0 else s for i, s in enumerate(sent_starts)])
    assert doc.text == text
    groups: dict[str, list[Any]] = {}
    for m in marks:
        if m.level == "span":
            span = doc.char_span(int(m.start or 0), int(m.end or 0), label=m.label)
            assert span is not None, (m.start, m.end)
            groups.setdefault(m.label_set, []).append(span)
    for key, group in groups.items():
        doc.spans[key] = group
    doc.cats = {m.label: 1.0 for m in marks if m.level == "document"}
    by_set: dict[str, list[str]] = {}
    for m in marks:
        if m.level == "document":
            by_set.setdefault(m.label_set, []).append(m.label)
    doc.user_data["annotator"] = w.annotator
    doc.user_data["seconds"] = w.seconds
    doc.user_data["document"] = document_fields(w.doc)
    doc.user_data["document_labels"] = by_set
    doc.user_data["sentence_labels"] = [
        [m.start, m.end, m.label_set, m.label] for m in marks if m.level == "sentence"
    ]
    doc.user_data["notes"] = [
        [m.start, m.end, m.label_set, m.label, m.note] for m in marks
        if m.note and m.level != "document"
    ]
    return doc


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        raise ExportError(HINT) from None
    walker = Walker(store, selection, warn)
    vocab = spacy.blank("xx").vocab
    db = DocBin(store_user_data=True)
    n = 0
    for _doc, done in works(walker):
        for w in done:
            db.add(make_doc(vocab, w))
            n += len(w.marks)
        if advance is not None:
            advance(1)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = db.to_bytes()
    # binary: common.write_text is for text; the same temporary file + rename, by hand
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return {"documents": len(walker), "annotations": n}

