"""The annotation screen's counts: how many sentences this annotator has to do, how many are
done, how many documents there are.

Why a module of its own: the counts have their own life apart from the sentence shown. They are
read once at start (a campaign's queue, or the whole corpus for a researcher working alone),
moved by one with each done mark or its undo, and read again only when another writer changed
the corpus (an import while the screen is open: "doc 19/4" and "370% done" would be stale).
Noticing that costs one ``PRAGMA data_version`` per action and a shape query only when it moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.store import Store


class Totals:
    """``sentences`` to do (the queue's or the corpus's), ``done`` among them (done under a
    scheme version in ``complete``, the units rule), ``documents`` in the corpus."""

    def __init__(
        self, store: Store, annotator_id: int, complete: Sequence[int], *, queued: bool
    ) -> None:
        self.store = store
        self.annotator_id = annotator_id
        self.complete = complete
        self.queued = queued
        self.seen_version = store.db.data_version()
        self.corpus_shape = store.corpus.shape()
        self.documents = store.corpus.count_documents()
        self.sentences, self.done = self._count()

    def _count(self) -> tuple[int, int]:
        if self.queued:  # a campaign: the totals are the annotator's queue, not the corpus
            return self.store.assignments.queue_progress(self.annotator_id, self.complete)
        return (self.store.corpus.count_sentences(),
                self.store.progress.done_count(self.annotator_id, self.complete))

    def corpus_changed(self) -> int | None:
        """When another writer changed the documents since the last call: recount, and return
        how many documents were added (0 or less: changed otherwise); else None."""
        version = self.store.db.data_version()
        if version == self.seen_version:
            return None
        self.seen_version = version
        shape = self.store.corpus.shape()
        if shape == self.corpus_shape:
            return None
        before = self.corpus_shape[0]
        self.corpus_shape = shape
        self.documents = shape[0]
        self.sentences, self.done = self._count()
        return shape[0] - before
