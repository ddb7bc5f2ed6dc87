"""``import-annotations``: what every annotation import shares: its one-line errors, its result
and the done marks that imported work gets.

Every import is all-or-nothing: every problem is collected as ``FILE:LINE: cause`` first, and
nothing is written unless the whole input is valid. Rows already present (same annotation uid,
same document text) are left as they are, so importing twice adds nothing. The formats:
our lossless JSONL export (services/import_jsonl.py: its records read and checked, stored
through services/import_insert.py), SemEval/PTC span files (services/import_semeval.py) and
other tools' files (services/formats_in/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.store import Store

MAX_PROBLEMS = 20


class AnnotationImportError(Exception):
    """The input cannot be imported; ``problems`` are one-line ``FILE:LINE: cause`` messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "import failed")
        self.problems = problems


@dataclass
class ImportResult:
    documents_new: int = 0
    documents_present: int = 0
    annotations_new: int = 0
    annotations_present: int = 0
    warnings: list[str] = field(default_factory=list)


def mark_imported_done(
    store: Store, who: int, doc_id: int, scheme_id: int, sents: list[dict[str, Any]], ts: str,
    *, sentences: bool = True, panel: bool = True, seconds: float = 0.0,
) -> None:
    """Imported work counts as finished: the document's sentences (and its document panel)
    are marked done for the annotator under ``scheme_id``, ``seconds`` of active time on the
    first sentence. Marks already there stay as they are."""
    if sentences:
        store.db.bulk_insert(
            "progress",
            (
                {"annotator_id": who, "sentence_id": s["id"], "document_id": doc_id,
                 "scheme_id": scheme_id, "status": "done",
                 "seconds": float(seconds) if i == 0 else 0.0, "flag": 0, "note": None,
                 "seen_at": ts, "done_at": ts, "updated_at": ts, "done_scheme_id": scheme_id}
                for i, s in enumerate(sents)
            ),
            ignore=True,
        )
    if panel:
        store.db.bulk_insert(
            "document_progress",
            [{"annotator_id": who, "document_id": doc_id, "scheme_id": scheme_id,
              "status": "done", "flag": 0, "note": None, "updated_at": ts,
              "done_scheme_id": scheme_id}],
            ignore=True,
        )
