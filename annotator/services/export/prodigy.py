"""Prodigy JSONL (``db-out`` shape): one accepted task per document and annotator.

``{"text", "tokens", "spans": [{"start", "end", "label", "token_start", "token_end"}],
"options": [{"id", "text"}], "accept": [...], "answer": "accept", "_input_hash",
"_task_hash", "_annotator_id", "_session_id", "_view_id": "blocks", "_timestamp",
"meta": {...}}``. Tokens are the CoNLL export's (a run of word characters or one other
character); a span's ``token_start``/``token_end`` are given when its edges fall on token
edges. Sentence labels are spans over their sentence; document labels are the accepted
options (every document label of the selected sets is an option). ``_input_hash`` is the same
for the same text and ``_task_hash`` for the same text and labels (stable numbers of our own:
Prodigy's hashing function is not public). Prodigy keeps no notes and no active time.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from annotator.services.export.common import Selection, Walker, scheme_labels, write_text
from annotator.services.export.conll import tokenize
from annotator.services.export.exchange import document_fields, input_hash, task_hash, works
from annotator.store import Store


def _timestamp(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    known = scheme_labels(store)
    options = [
        {"id": lab, "text": lab}
        for s, level in walker.levels.items() if level == "document" for lab in known.get(s, [])
    ]
    lines = []
    n = 0
    for doc, done in works(walker):
        tokens = [
            {"text": t, "start": s, "end": e, "id": i,
             "ws": e < len(doc.text) and doc.text[e].isspace()}
            for i, (t, s, e) in enumerate(tokenize(doc.text))
        ]
        first = {tok["start"]: tok["id"] for tok in tokens}
        last = {tok["end"]: tok["id"] for tok in tokens}
        for w in done:
            spans = []
            for m in w.spans:
                span: dict[str, Any] = {"start": m.start, "end": m.end, "label": m.label}
                if m.start in first and m.end in last:
                    span["token_start"], span["token_end"] = first[m.start], last[m.end]
                spans.append(span)
            rec: dict[str, Any] = {
                "text": doc.text, "meta": document_fields(doc), "tokens": tokens,
                "spans": spans,
            }
            if options:
                rec["options"] = options
                rec["accept"] = [m.label for m in w.document_labels]
            rec.update({
                "answer": "accept", "_input_hash": input_hash(doc.text),
                "_task_hash": task_hash(doc.text, w.marks), "_view_id": "blocks",
                "_annotator_id": w.annotator, "_session_id": w.annotator,
            })
            ts = _timestamp(w.updated_at)
            if ts is not None:
                rec["_timestamp"] = ts
            lines.append(json.dumps(rec, ensure_ascii=False))
            n += len(w.marks)
        if advance is not None:
            advance(1)
    write_text(out, "".join(line + "\n" for line in lines))
    return {"documents": len(walker), "annotations": n}
