"""Long-format CSV: one row per annotation, ready for pandas or R.

Columns are those of ``annotation_view`` plus the document's external id, source and title, the
sentence index and text, and the span text. Empty cells are empty strings (NA in pandas/R).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from annotator.services.export.common import Selection, Walker, sentence_by_idx, span_text
from annotator.store import Store

COLUMNS = (
    "annotator", "label_set", "label", "level", "document_id", "sentence_id", "start", "end",
    "value", "note", "scheme_version", "created_at", "scheme", "annotation_uid",
    "document_external_id", "source", "title", "sentence_idx", "sentence_text", "span_text",
)


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for doc in walker:
            sents = sentence_by_idx(doc)
            for a in doc.annotations:
                sent = sents.get(a["sentence_idx"]) if a["sentence_idx"] is not None else None
                writer.writerow(
                    [
                        a["annotator"], a["label_set"], a["label"], a["level"],
                        doc.row["id"], a["sentence_id"], a["start"], a["end"], a["value"],
                        a["note"], a["scheme_version"], a["created_at"], a["scheme"], a["uid"],
                        doc.row["external_id"], doc.row["source"], doc.row["title"],
                        a["sentence_idx"], sent["text"] if sent else None, span_text(doc, a),
                    ]
                )
                n += 1
            if advance is not None:
                advance(1)
    return {"documents": len(walker), "annotations": n}
