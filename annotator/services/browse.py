"""The document browser's data: every document with one annotator's standing on it (progress,
flags, notes, labels), filtered by what the coder types and sorted by a column.

Read once when the browser opens (two grouped queries: db/progress.py ``document_overview`` and
db/annotations.py ``labels_by_document``), then filtered and sorted in memory: the filter folds
accents, case and typographic apostrophes with annotator.core.fold (the rule every search of the
screen follows), which SQL's LIKE cannot do, and a keystroke over 20,000 documents then costs a
few milliseconds. The screen draws only the visible rows (tui/browser.py).

Filter words (all must match, accents and case ignored):

- a plain word matches the title, source, date, external id, this annotator's labels or notes;
- ``title:``, ``source:``, ``label:``, ``note:`` followed by a word restrict it to that field;
- ``is:flagged``, ``is:noted``, ``is:done``, ``is:todo`` (not done), ``is:started``,
  ``is:assigned`` (in this annotator's campaign queue) keep the documents in that state (for
  this annotator).

Flags and notes count the sentences' and the document panel's (``document_progress``: a flag
or note on the whole article, as imported from another tool or an export): a document flagged
as a whole is ``is:flagged`` although none of its sentences is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.core.fold import fold

if TYPE_CHECKING:
    from annotator.store import Store

FIELDS = ("title", "source", "label", "note")
STATES = ("flagged", "noted", "done", "todo", "started", "assigned")
DOCUMENT_NOTE = "document: "
"""Before the document panel's note where the browser shows it with the sentences' notes."""


@dataclass(slots=True)
class DocumentRow:
    """One document as the browser shows it (texts as stored: the screen makes them safe)."""

    id: int
    external_id: str
    title: str
    source: str
    published: str
    sentences: int
    done: int
    flags: int
    notes: int
    first_note: str  # the document's note, else the note on the first sentence that has one
    note: str  # every note of this annotator in the document, one a line
    labels: str
    assigned: bool = False  # in this annotator's campaign queue

    @property
    def complete(self) -> bool:
        return self.sentences > 0 and self.done >= self.sentences


# Sort columns: name -> key of a row (ties: document id, the import order).
SORTS: dict[str, Callable[[DocumentRow], Any]] = {
    "id": lambda r: r.id,
    "date": lambda r: (r.published == "", r.published),
    "source": lambda r: (r.source == "", fold(r.source)),
    "title": lambda r: (r.title == "", fold(r.title)),
    "progress": lambda r: (r.done / r.sentences if r.sentences else 0.0, r.done),
    "flags": lambda r: r.flags,
    "notes": lambda r: r.notes,
}


def _state(row: DocumentRow, state: str) -> bool:
    return {
        "flagged": row.flags > 0,
        "noted": row.notes > 0,
        "done": row.complete,
        "todo": not row.complete,
        "started": row.done > 0,
        "assigned": row.assigned,
    }[state]


class FilterError(ValueError):
    """A filter word the browser cannot use (an unknown ``is:`` state)."""


def parse_filter(text: str) -> list[tuple[str, str]]:
    """(field or "" for any or "is", folded word) for each word of the filter."""
    out: list[tuple[str, str]] = []
    for word in text.split():
        field, sep, rest = word.partition(":")
        field = field.lower()
        if sep and field == "is":
            state = fold(rest)
            matches = [s for s in STATES if s.startswith(state)] if state else []
            if len(matches) != 1:
                raise FilterError(f"is:{rest}: use one of " + ", ".join(f"is:{s}" for s in STATES))
            out.append(("is", matches[0]))
        elif sep and field in FIELDS:
            if rest:
                out.append((field, fold(rest)))
        else:
            out.append(("", fold(word)))
    return out


class DocumentList:
    """Every document with one annotator's standing; ``apply`` filters and sorts, ``shown`` is
    the result."""

    def __init__(self, rows: Sequence[DocumentRow]) -> None:
        self.rows = list(rows)
        self._folded: list[dict[str, str]] | None = None  # see folded()
        self.query = ""
        self.sort = "id"
        self.descending = False
        self.shown: list[DocumentRow] = list(self.rows)
        self.queued = False  # the annotator has a campaign queue: the browser marks it

    def folded(self) -> list[dict[str, str]]:
        """Folded texts per row and field, computed at the first filter (not when the browser
        opens: 0.15 s for 20,000 documents); a keystroke then only compares strings."""
        if self._folded is None:
            words = _WordFolder()
            self._folded = [
                {
                    "title": words.fold(r.title),
                    "source": words.fold(r.source),
                    "label": words.fold(f"{r.labels} {r.labels.replace('_', ' ')}"),
                    "note": words.fold(r.note),
                    "": words.fold(f"{r.published} {r.external_id}"),
                }
                for r in self.rows
            ]
        return self._folded

    @classmethod
    def load(
        cls, store: Store, annotator_id: int, complete: Sequence[int] | None = None,
        queue: Collection[int] = (),
    ) -> DocumentList:
        """Every document with this annotator's marks; ``queue``: the documents assigned to
        them (a campaign), marked in the list and kept by ``is:assigned``."""
        labels = store.annotations.labels_by_document(annotator_id)
        queued = set(queue)
        rows = []
        for (i, ext, title, source, published, n, done, flags, notes, first, texts,
             doc_flag, doc_note) in store.progress.document_overview(annotator_id, complete):
            doc_note = f"{DOCUMENT_NOTE}{doc_note}" if doc_note else ""
            rows.append(DocumentRow(
                id=int(i), external_id=str(ext or ""), title=str(title or ""),
                source=str(source or ""), published=str(published or ""), sentences=int(n),
                done=int(done), flags=int(flags) + bool(doc_flag),
                notes=int(notes) + bool(doc_note), first_note=doc_note or str(first or ""),
                note="\n".join(t for t in (doc_note, str(texts or "")) if t),
                labels=labels.get(int(i), ""), assigned=int(i) in queued,
            ))
        out = cls(rows)
        out.queued = bool(queued)
        return out

    def apply(
        self, query: str | None = None, sort: str | None = None, descending: bool | None = None
    ) -> None:
        """Filter by ``query`` and sort by ``sort`` (a key of SORTS); None keeps the current
        one. Raises FilterError (and keeps the previous result) on an unusable word."""
        words = parse_filter(self.query if query is None else query)
        if query is not None:
            self.query = query
        if sort is not None:
            if sort not in SORTS:
                raise ValueError(f"unknown sort column {sort!r}")
            self.sort = sort
        if descending is not None:
            self.descending = descending
        if words:
            folded = self.folded()
            shown = [r for r, f in zip(self.rows, folded, strict=True) if _keep(r, f, words)]
        else:
            shown = list(self.rows)
        if self.sort != "id" or self.descending:
            key = SORTS[self.sort]
            shown.sort(key=lambda r: (key(r), r.id), reverse=self.descending)
        self.shown = shown

    def index_of(self, document_id: int) -> int | None:
        return next((i for i, r in enumerate(self.shown) if r.id == document_id), None)


class _WordFolder:
    """core.fold.fold, word by word with a memo: folding is character-wise, so folding each
    space-separated word gives the same text, and the words of titles, sources and labels
    repeat across a corpus (20,000 titles: 0.45 s folded whole, a fraction word by word)."""

    def __init__(self) -> None:
        self.memo: dict[str, str] = {}

    def fold(self, text: str) -> str:
        if text.isascii():
            return fold(text)
        memo = self.memo
        out = []
        for word in text.split(" "):
            folded = memo.get(word)
            if folded is None:
                folded = memo[word] = fold(word)
            out.append(folded)
        return " ".join(out)


def _keep(row: DocumentRow, folded: dict[str, str], words: list[tuple[str, str]]) -> bool:
    for field, word in words:
        if field == "is":
            if not _state(row, word):
                return False
        elif field:
            if word not in folded[field]:
                return False
        elif not any(word in text for text in folded.values()):
            return False
    return True
