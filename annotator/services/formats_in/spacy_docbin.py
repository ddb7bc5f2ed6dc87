"""spaCy ``DocBin`` in (``.spacy``, optional extra ``[spacy]``): each Doc is one annotator's
work on one document.

``doc.spans[key]`` are spans of the label set ``key``; ``user_data["sentence_labels"]``,
``["document_labels"]``, ``["notes"]``, ``["annotator"]``, ``["seconds"]`` and ``["document"]``
(as our export writes them) come back as they were; without ``document_labels``, the
categories of ``doc.cats`` scored 0.5 or more are document labels. The annotator is
``user_data["annotator"]``, else ``--annotator``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item

HINT = "spaCy DocBin files need spaCy: pip install 'annotator[spacy]'"


def read(
    path: Path, problems: list[str], warnings: list[str], annotator: str | None = None
) -> list[ForeignDoc]:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        problems.append(f"{path}: {HINT}")
        return []
    try:
        db = DocBin().from_disk(path)
        docs = list(db.get_docs(spacy.blank("xx").vocab))
    except Exception as exc:  # a damaged or foreign file: one line, not a traceback
        problems.append(f"{path}: not a spaCy DocBin ({type(exc).__name__}: {exc})")
        return []
    out: list[ForeignDoc] = []
    by_text: dict[str, ForeignDoc] = {}
    for i, doc in enumerate(docs, start=1):
        where = f"{path} (doc {i})"
        data: dict[str, Any] = dict(doc.user_data) if doc.user_data else {}
        name = data.get("annotator") or annotator
        if not name:
            problems.append(f"{where}: no user_data['annotator']; pass --annotator NAME")
            continue
        fields = data.get("document") if isinstance(data.get("document"), dict) else {}
        foreign = by_text.get(doc.text)
        if foreign is None:
            foreign = by_text[doc.text] = ForeignDoc(where, doc.text, dict(fields or {}))
            out.append(foreign)
        work = ForeignWork(str(name))
        try:
            work.seconds = float(data.get("seconds") or 0)
        except (TypeError, ValueError):
            work.seconds = 0.0
        notes = {(n[0], n[1], n[2], n[3]): n[4] for n in data.get("notes") or [] if len(n) == 5}
        for key, group in doc.spans.items():
            for span in group:
                note = notes.get((span.start_char, span.end_char, key, span.label_))
                work.items.append(Item(span.label_, span.start_char, span.end_char, key, note,
                                       where))
        for s, e, set_name, label in data.get("sentence_labels") or []:
            work.items.append(Item(label, s, e, set_name, notes.get((s, e, set_name, label)),
                                   where))
        doc_labels = data.get("document_labels")
        if isinstance(doc_labels, dict):
            for set_name, labels in doc_labels.items():
                work.items += [Item(lab, label_set=set_name, where=where) for lab in labels]
        else:
            work.items += [Item(lab, where=where) for lab, score in doc.cats.items()
                           if score >= 0.5]
        foreign.works.append(work)
    return out
