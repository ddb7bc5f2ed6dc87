"""Where the annotation screen's `g` (go to) leads: ``12`` document 12 (id or external id),
``12:5`` its 5th sentence, ``:5`` the 5th sentence of the current document, ``#345`` the
sentence with id 345.

Why a module of its own: it is a small language of its own, read from what the coder types,
with one-line errors for each way it can be wrong (the prompt shows them as the coder types).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.store import Store


def resolve_goto(store: Store, text: str, document_id: int) -> int:
    """Where `g` goes: ``12`` document 12 (id or external id), ``12:5`` its 5th sentence,
    ``:5`` the 5th sentence of this document, ``#345`` sentence id 345."""
    text = text.strip()
    if not text:
        raise ValueError("type a document id, doc:sentence, :sentence or #sentence-id")
    if text.startswith("#"):
        sid = _int(text[1:], "sentence id")
        if store.corpus.sentence(sid) is None:
            raise ValueError(f"no sentence with id {sid}")
        return sid
    doc_part, _, sent_part = text.partition(":")
    if doc_part.strip():
        doc_id = store.corpus.find_document(doc_part.strip())
        if doc_id is None:
            raise ValueError(f"no document {doc_part.strip()!r}")
    else:
        doc_id = document_id
    if not sent_part.strip():
        first = store.corpus.first_sentence(doc_id)
        if first is None:
            raise ValueError(f"document {doc_id} has no sentences")
        return first
    n = _int(sent_part, "sentence number")
    found = store.corpus.sentence_at(doc_id, n - 1)
    if found is None:
        raise ValueError(f"document {doc_id} has no sentence {n}")
    return found


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text.strip()!r}") from None
