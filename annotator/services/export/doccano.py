"""doccano JSONL: one line per document and annotator, as doccano imports and exports them.

A selection with document label sets gives doccano's "intent detection" shape
``{"text", "entities": [[start, end, label], ...], "cats": [label, ...]}``; one without gives the
sequence-labeling shape ``{"text", "label": [[start, end, label], ...]}``. Sentence labels are
entities over their sentence. Each line also carries ``annotator`` and the document's fields
(``id``, ``title``, ``source``, ...), which doccano keeps as the example's metadata. doccano has
no notes, time or label sets (document labels of all sets share ``cats``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.services.export.common import Selection, Walker, write_text
from annotator.services.export.exchange import document_fields, works
from annotator.store import Store


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    intent = any(level == "document" for level in walker.levels.values())
    lines = []
    n = 0
    for doc, done in works(walker):
        for w in done:
            spans = [[m.start, m.end, m.label] for m in w.spans]
            rec: dict[str, Any] = {"text": doc.text}
            if intent:
                rec["entities"] = spans
                rec["cats"] = [m.label for m in w.document_labels]
            else:
                rec["label"] = spans
            rec["annotator"] = w.annotator
            rec.update(document_fields(doc))
            lines.append(json.dumps(rec, ensure_ascii=False))
            n += len(w.marks)
        if advance is not None:
            advance(1)
    write_text(out, "".join(line + "\n" for line in lines))
    return {"documents": len(walker), "annotations": n}
