"""What the exchange formats (Label Studio, doccano, Prodigy, WebAnno TSV, spaCy, CoNLL-U Plus)
share: one annotator's work on one document, as those tools hold it (one record, task
annotation or file per annotator and document).

A sentence label has no home of its own in these tools: it is written as a span over the whole
sentence (its label set says it is a sentence label, and the importer makes it one again when
the span covers a sentence exactly). Time is the annotator's active seconds over the document's
sentences. The cue phrases of the scheme (the suggestions of the annotation screen) are what
Label Studio calls predictions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from annotator.services.export.common import ExportDoc, Walker
from annotator.store import Store


@dataclass
class Mark:
    """One label: a span (``start``/``end``), a sentence label (the sentence's offsets and
    ``sentence``) or a document label (no offsets)."""

    level: str
    label_set: str
    label: str
    start: int | None = None
    end: int | None = None
    sentence: int | None = None  # sentence idx of a sentence label
    note: str | None = None
    uid: str = ""
    created_at: str = ""


@dataclass
class Work:
    """One annotator's labels on one document."""

    doc: ExportDoc
    annotator: str
    marks: list[Mark] = field(default_factory=list)
    seconds: float = 0.0
    done: bool = False  # every sentence marked done

    @property
    def spans(self) -> list[Mark]:
        """Spans and sentence labels (both have offsets), in text order."""
        return sorted((m for m in self.marks if m.level != "document"),
                      key=lambda m: (m.start or 0, m.end or 0, m.label_set, m.label))

    @property
    def document_labels(self) -> list[Mark]:
        return [m for m in self.marks if m.level == "document"]

    @property
    def created_at(self) -> str | None:
        return min((m.created_at for m in self.marks if m.created_at), default=None)

    @property
    def updated_at(self) -> str | None:
        return max((m.created_at for m in self.marks if m.created_at), default=None)


def works(walker: Walker) -> Iterator[tuple[ExportDoc, list[Work]]]:
    """Each document with the work of each selected annotator who answered it."""
    for doc in walker:
        sents = {int(s["idx"]): s for s in doc.sentences}
        out = []
        for person in walker.who:
            if person not in doc.answered:
                continue
            w = Work(doc, person)
            for a in doc.annotations:
                if a["annotator"] != person:
                    continue
                m = Mark(a["level"], a["label_set"], a["label"], note=a["note"] or None,
                         uid=a["uid"], created_at=a["created_at"] or "")
                if a["level"] == "span":
                    m.start, m.end = int(a["start"]), int(a["end"])
                elif a["level"] == "sentence":
                    s = sents[int(a["sentence_idx"])]
                    m.start, m.end, m.sentence = int(s["start"]), int(s["end"]), int(s["idx"])
                w.marks.append(m)
            mine = [p for p in doc.progress if p["annotator"] == person]
            w.seconds = round(sum(float(p.get("seconds") or 0) for p in mine), 3)
            done = {p["sentence_idx"] for p in mine if p["status"] == "done"}
            w.done = bool(doc.sentences) and len(done) >= len(doc.sentences)
            out.append(w)
        yield doc, out


def document_fields(doc: ExportDoc) -> dict[str, Any]:
    """The document's own fields, as every format keeps them next to the text."""
    row = doc.row
    fields: dict[str, Any] = {"id": doc.name}
    for key in ("title", "source", "url", "published", "language"):
        if row.get(key):
            fields[key] = row[key]
    return fields


def input_hash(text: str) -> int:
    """A stable signed 32-bit number for a text (Prodigy's ``_input_hash`` role: the same
    input gives the same number; Prodigy's own function is not public)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big", signed=True)


def task_hash(text: str, marks: list[Mark]) -> int:
    """A stable number for a text with its labels (Prodigy's ``_task_hash`` role)."""
    raw = json.dumps([text, [(m.level, m.label_set, m.label, m.start, m.end) for m in marks]],
                     ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(raw.encode("utf-8")).digest()[:4], "big", signed=True)


def cue_suggestions(store: Store, doc: ExportDoc) -> list[Mark]:
    """The scheme's cue phrases found in the document's sentences (what the annotation screen
    suggests, by the same matcher: annotator.core.suggest), as spans of their label's set
    (sentence sets: the sentence). No learned phrases: they belong to one annotator."""
    from annotator.core.suggest import Lexicon

    lexicon = Lexicon()
    levels: dict[tuple[str, str], str] = {}
    for name in store.schemes.names():
        _, scheme = store.schemes.load(name)
        for ls in scheme.label_sets:
            if ls.level == "document":
                continue
            for lab in ls.labels:
                for cue in lab.cues or ():
                    lexicon.add_cue(cue, ls.name, lab.name)
                    levels.setdefault((ls.name, lab.name), ls.level)
    out: dict[tuple[Any, ...], Mark] = {}
    for s in doc.sentences:
        for g in lexicon.match(str(s["text"])):
            set_name, label, a, b = g.label_set, g.label, g.start, g.end
            if levels[(set_name, label)] == "span":
                m = Mark("span", set_name, label, int(s["start"]) + a, int(s["start"]) + b)
            else:
                m = Mark("sentence", set_name, label, int(s["start"]), int(s["end"]),
                         sentence=int(s["idx"]))
            out.setdefault((m.level, m.label_set, m.label, m.start, m.end), m)
    return sorted(out.values(), key=lambda m: (m.start or 0, m.end or 0, m.label))


def split_tokens(
    sentences: list[dict[str, Any]], cuts: set[int]
) -> list[tuple[int, int, int]]:
    """(sentence idx, start, end) of the CoNLL export's tokens of each sentence, cut again at
    every offset in ``cuts`` (the edges of the spans to write), so that every span is a run of
    whole tokens and its offsets survive token-based formats exactly."""
    from annotator.services.export.conll import tokenize

    out: list[tuple[int, int, int]] = []
    for s in sentences:
        for _, ts, te in tokenize(str(s["text"]), int(s["start"])):
            edges = [ts, *sorted(c for c in cuts if ts < c < te), te]
            out.extend((int(s["idx"]), a, b) for a, b in pairwise(edges))
    return out

