"""Long-format CSV: one row per annotation, ready for pandas or R.

Columns are those of ``annotation_view`` plus the document's external id, source and title, the
sentence index and text, and the span text. Empty cells are empty strings (NA in pandas/R).

Cells hold the data exactly. A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a formula, and article
text is hostile by nature ("formula injection": a formula can fetch a URL with the sheet's data).
``spreadsheet_safe`` (``--spreadsheet-safe``) prefixes such cells with ``'``, which spreadsheets
show as text; it is off by default, since programs reading the CSV would then see the ``'``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    Selection,
    Walker,
    atomic_file,
    sentence_by_idx,
    span_text,
)
from annotator.store import Store

COLUMNS = (
    "annotator", "label_set", "label", "level", "document_id", "sentence_id", "start", "end",
    "value", "note", "scheme_version", "created_at", "scheme", "annotation_uid",
    "document_external_id", "source", "title", "sentence_idx", "sentence_text", "span_text",
)


# What spreadsheets read as the start of a formula (OWASP "CSV injection": tab and carriage
# return too, which some strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` (shown as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None,
    spreadsheet_safe: bool = False,
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    n = 0
    with atomic_file(out, newline="") as f:
        writer: Any = csv.writer(f, lineterminator="\n")
        if spreadsheet_safe:
            writer = _SpreadsheetWriter(writer)
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


class _SpreadsheetWriter:
    """A csv writer whose text cells cannot start a formula (:func:`spreadsheet_cell`)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: list[Any] | tuple[Any, ...]) -> None:
        self.writer.writerow([spreadsheet_cell(v) for v in row])
