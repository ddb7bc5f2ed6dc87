"""What the annotation screen does, without the screen: one annotator walking a corpus.

The session holds the current document and sentence, writes every action through the store (each
store call returns after COMMIT, so the screen, which redraws after the call, never shows an action
that is not on disk), and keeps per-document caches so that a key press costs a few indexed
queries whatever the size of the corpus.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotator.core.colors import color_of, scheme_colors
from annotator.core.timing import ActiveTimer
from annotator.services.attributes import AttributeValues
from annotator.services.goto import resolve_goto
from annotator.services.suggest import (
    LabelGuess,
    Learned,
    PhraseSuggester,
    SentenceModel,
    Suggestion,
    Suggestions,
    learn,
)
from annotator.services.totals import Totals

if TYPE_CHECKING:
    from annotator.core.scheme import Label, LabelSet, Scheme
    from annotator.services.browse import DocumentList
    from annotator.store import Store



@dataclass
class DocumentCache:
    """The current document's row, sentences and position, loaded once per document."""

    row: dict[str, Any]
    sentences: list[dict[str, Any]]
    index: tuple[int, int]
    by_id: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {int(s["id"]): i for i, s in enumerate(self.sentences)}


class Session:
    """One annotator, one scheme, one database: navigation and every annotation action."""

    def __init__(
        self,
        store: Store,
        scheme: Scheme,
        scheme_id: int,
        annotator: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.scheme = scheme
        self.scheme_id = scheme_id
        self.annotator = annotator
        self.annotator_id = store.schemes.annotator_id(annotator)
        self.clock = clock
        self.timer = ActiveTimer()
        # Done marks made under a version that lacked one of today's sentence or span sets do
        # not count here: the sentence still has a set to answer (annotator.core.units).
        sentence_sets = [ls.name for ls in scheme.label_sets if ls.level != "document"]
        self.versions = store.schemes.label_sets_by_version(scheme.name, {scheme_id: scheme})
        self.complete_versions = self.versions.complete(sentence_sets)
        # A campaign's queue: the documents assigned to this annotator, shared ones first. With
        # one, navigation, the header and the progress bar follow it; without (nobody assigned
        # this annotator anything) the whole corpus, as for a researcher working alone.
        assigned = store.assignments.queue(self.annotator_id)
        self.queue: list[int] = [d for d, _ in assigned]
        self.queue_index = {d: i for i, d in enumerate(self.queue)}
        self.shared = {d for d, sh in assigned if sh}
        self.totals = Totals(store, self.annotator_id, self.complete_versions,
                             queued=bool(self.queue))
        self.replaced = False
        self.doc: DocumentCache | None = None
        self.sentence: dict[str, Any] = {}
        self.annotations: list[dict[str, Any]] = []
        self.doc_annotations: list[dict[str, Any]] = []
        self.progress: dict[str, Any] | None = None
        self.attrs = AttributeValues(store, scheme, self.annotator_id)
        self.last_added: str | None = None  # uid of the label the last toggle applied
        self.colors = scheme_colors(scheme)
        # The scheme's cues, this annotator's own spans and sentence-label models
        # (services/suggest.py): learned in the screen's worker, kept in step here.
        self.suggest = Suggestions(scheme)

    # ------------------------------------------------------------------ other writers
    def notice_changes(self) -> str | None:
        """What changed under the screen since the last action, said once, or None.

        Called before every action: one ``PRAGMA data_version`` and one ``stat``, a few
        microseconds. Another import added documents (the counts "doc 19/4" and "370% done"
        would otherwise be stale): the totals and the position are read again. The database
        file was replaced (a restored backup, a copy, a cloud folder's sync): this screen still
        writes to the old file, which nobody will read; ``replaced`` stays set and the screen
        refuses further actions."""
        db = self.store.db
        if not self.replaced and db.file_identity() != db.opened_identity:
            self.replaced = True
            return (f"the database file {self.store.path} was replaced by another file while "
                    "this screen was open; nothing more can be saved here: quit (q) and start "
                    "again")
        added = self.totals.corpus_changed()
        if added is None:
            return None
        if self.doc is not None:
            self.doc.index = self.store.corpus.document_index(int(self.doc.row["id"]))
        n = self.totals.documents
        if added > 0:
            return f"{added} new document(s) imported meanwhile: {n} in all"
        return f"documents changed meanwhile: {n} in all"

    # ------------------------------------------------------------------ scheme helpers
    def sets(self, level: str) -> list[LabelSet]:
        return [ls for ls in self.scheme.label_sets if ls.level == level]

    def label_set(self, name: str) -> LabelSet:
        ls = self.scheme.label_set(name)
        if ls is None:
            raise KeyError(f"no label set {name!r} in scheme {self.scheme.name}")
        return ls

    def label(self, set_name: str, label: str) -> Label:
        lab = self.label_set(set_name).label(label)
        if lab is None:
            raise KeyError(f"no label {label!r} in {set_name}")
        return lab

    def color(self, set_name: str, label: str) -> str:
        return color_of(self.colors, set_name, label)

    # ------------------------------------------------------------------ navigation
    @property
    def sentence_id(self) -> int:
        return int(self.sentence["id"])

    @property
    def document_id(self) -> int:
        return int(self.sentence["document_id"])

    @property
    def scope(self) -> str:
        """What navigation walks, in words: the queue or the corpus."""
        return "your queue" if self.queue else "the corpus"

    def in_scope(self, document_id: int) -> bool:
        """Whether a document counts in the progress bar: any, or an assigned one."""
        return not self.queue or document_id in self.queue_index

    @property
    def outside_queue(self) -> bool:
        """On a document that is not assigned to this annotator (opened with `g` or search)."""
        return bool(self.queue) and self.document_id not in self.queue_index

    def start(self, document_id: int | None = None) -> bool:
        """Go to the starting sentence: the given document; else, in a campaign, the first
        sentence not done of the queue (the first assigned document when all are done); else
        the stored position, else the first sentence. False when the database has no
        sentence."""
        sid: int | None = None
        if document_id is not None:
            sid = self.store.corpus.first_sentence(document_id)
        if sid is None and self.queue:
            sid = self.store.assignments.next_open(
                self.annotator_id, None, self.complete_versions
            ) or self.store.corpus.first_sentence(self.queue[0])
        if sid is None:
            sid = self.store.progress.position(self.annotator_id, self.scheme_id)
            if sid is not None and self.store.corpus.sentence(sid) is None:
                sid = None
        if sid is None:
            sid = self.store.corpus.first_sentence()
        if sid is None:
            return False
        self.goto(sid)
        return True

    def goto(self, sentence_id: int) -> None:
        """Show another sentence: store the time spent on the one left, mark the new one seen and
        remember it as the resume position (one transaction)."""
        now = self.clock()
        left = int(self.sentence["id"]) if self.sentence else None
        seconds = self.timer.take(now) if left is not None else 0.0
        row = self._sentence_row(sentence_id)
        self.store.progress.visit(
            self.annotator_id,
            self.scheme_id,
            int(row["id"]),
            left_sentence_id=left,
            seconds=seconds,
        )
        self.sentence = row
        self.timer.start(now)
        self.reload()

    def flush_time(self) -> None:
        """Store the active time on the current sentence (on quit)."""
        if self.sentence:
            seconds = self.timer.take(self.clock())
            self.store.progress.add_time(self.annotator_id, self.sentence_id, seconds)

    def touch(self) -> None:
        self.timer.touch(self.clock())

    def _sentence_row(self, sentence_id: int) -> dict[str, Any]:
        if self.doc is not None and sentence_id in self.doc.by_id:
            return self.doc.sentences[self.doc.by_id[sentence_id]]
        row = self.store.corpus.sentence(sentence_id)
        if row is None:
            raise LookupError(f"no sentence {sentence_id}")
        self._load_document(int(row["document_id"]))
        assert self.doc is not None
        return self.doc.sentences[self.doc.by_id[sentence_id]]

    def _load_document(self, document_id: int) -> None:
        row = self.store.corpus.document(document_id)
        if row is None:
            raise LookupError(f"no document {document_id}")
        total = self.totals.documents
        if document_id in self.queue_index:
            position, total = self.queue_index[document_id] + 1, len(self.queue)
        elif self.doc is not None and not self.queue:
            # Position relative to the document we come from: cheap for neighbours.
            here = int(self.doc.row["id"])
            moved = self.store.corpus.documents_between(here, document_id)
            position = self.doc.index[0] + (moved if document_id > here else -moved)
        else:
            position = self.store.corpus.document_index(document_id)[0]
        self.doc = DocumentCache(
            row=row,
            sentences=self.store.corpus.sentences(document_id),
            index=(position, total),
        )
        self.doc_annotations = self.store.annotations.current(
            self.annotator_id, document_id=document_id, level="document"
        )

    def reload(self) -> None:
        """Re-read this annotator's labels on the current sentence (blind: only theirs)."""
        self.annotations = self.store.annotations.current(
            self.annotator_id, sentence_id=self.sentence_id
        )
        self.progress = self.store.progress.row(self.annotator_id, self.sentence_id)
        self.attrs.load(self.annotations)
        self.suggest.phrases.sync(self.sentence_id, self.sentence["text"], self.spans())

    def reload_document_labels(self) -> None:
        self.doc_annotations = self.store.annotations.current(
            self.annotator_id, document_id=self.document_id, level="document"
        )

    def neighbour(self, step: int) -> int | None:
        """The next/previous sentence id, from the cached document when possible. At a
        document's edge: the next (previous) document of the queue, or of the corpus when the
        document is not in a queue."""
        assert self.doc is not None
        i = self.doc.by_id[self.sentence_id] + step
        if 0 <= i < len(self.doc.sentences):
            return int(self.doc.sentences[i]["id"])
        if self.document_id in self.queue_index:
            j = self.queue_index[self.document_id] + step
            if not 0 <= j < len(self.queue):
                return None
            doc = self.queue[j]
            if step > 0:
                return self.store.corpus.first_sentence(doc)
            n = len(self.store.corpus.sentences(doc))
            return self.store.corpus.sentence_at(doc, n - 1) if n else None
        return self.store.corpus.neighbour_sentence(self.sentence_id, step)

    def is_last_in_document(self) -> bool:
        assert self.doc is not None
        return self.doc.by_id[self.sentence_id] == len(self.doc.sentences) - 1

    def next_document(self, step: int) -> int | None:
        """First sentence of the next/previous document: in the queue when there is one (from
        a document outside it, back to the queue's first unfinished document)."""
        if self.queue:
            if self.document_id not in self.queue_index:
                return self.store.assignments.next_open(
                    self.annotator_id, None, self.complete_versions
                ) or self.store.corpus.first_sentence(self.queue[0])
            j = self.queue_index[self.document_id] + step
            return self.store.corpus.first_sentence(self.queue[j]) if (
                0 <= j < len(self.queue)) else None
        doc = self.store.corpus.neighbour_document(self.document_id, step)
        while doc is not None:
            sid = self.store.corpus.first_sentence(doc)
            if sid is not None:
                return sid
            doc = self.store.corpus.neighbour_document(doc, step)
        return None

    def next_not_done(self) -> int | None:
        """The next sentence not done: in queue order when there is a queue (from a document
        outside it: the queue's first), else in corpus order; wrapping once."""
        if self.queue:
            after = None
            if self.document_id in self.queue_index:
                after = (self.document_id in self.shared, self.document_id,
                         int(self.sentence["idx"]))
            return self.store.assignments.next_open(
                self.annotator_id, after, self.complete_versions
            )
        return self.store.progress.next_not_done(
            self.annotator_id, self.sentence_id, self.complete_versions
        )

    def resolve_goto(self, text: str) -> int:
        """Where `g` goes (services/goto.py); ValueError saying why not."""
        return resolve_goto(self.store, text, self.document_id)

    def next_marked(self, what: str) -> int | None:
        """The next sentence (corpus order, wrapping) this annotator flagged (``"flag"``) or
        wrote a note on (``"note"``); None when there is none."""
        return self.store.progress.next_marked(self.annotator_id, self.sentence_id, what)

    def document_list(self) -> DocumentList:
        """Every document with this annotator's progress, flags, notes, labels and queue, for
        the document browser (done counts follow the same scheme versions as the header)."""
        from annotator.services.browse import DocumentList

        return DocumentList.load(self.store, self.annotator_id, self.complete_versions,
                                 self.queue)

    # ------------------------------------------------------------------ state on screen
    def sentence_labels(self) -> list[dict[str, Any]]:
        return [a for a in self.annotations if a["level"] == "sentence"]

    def spans(self) -> list[dict[str, Any]]:
        """Current spans with sentence-relative ``rs``/``re`` added, in reading order."""
        base = int(self.sentence["start"])
        out = []
        for a in self.annotations:
            if a["level"] == "span":
                out.append({**a, "rs": int(a["start"]) - base, "re": int(a["end"]) - base})
        out.sort(key=lambda a: (a["rs"], a["re"], a["label_set"], a["label"]))
        return out

    def applied(self, set_name: str, label: str, level: str) -> dict[str, Any] | None:
        pool = self.doc_annotations if level == "document" else self.annotations
        for a in pool:
            if a["label_set"] == set_name and a["label"] == label and a["level"] == level:
                return a
        return None

    # ------------------------------------------------------------------ suggestions
    # The rules are in services/suggest.py (Suggestions); the screen asks through these.
    @property
    def phrases(self) -> PhraseSuggester:
        return self.suggest.phrases

    @property
    def models(self) -> dict[str, SentenceModel]:
        return self.suggest.models

    def suggestions(self) -> list[Suggestion]:
        """Cue phrases and this annotator's learned phrases in the sentence that are not
        already applied there: a span of the same label overlapping it, or the label."""
        return self.suggest.for_sentence(
            self.sentence["text"], self.spans(),
            lambda set_name, label: self.applied(set_name, label, "sentence") is not None,
        )

    def learn(self, store: Store | None = None, *, spans: bool = True) -> Learned:
        """What this annotator's own work teaches (services.suggest.learn); ``store``: another
        handle on the same file, when called from a worker thread."""
        return learn(store or self.store, self.scheme, self.annotator_id, self.versions.sets,
                     self.complete_versions, spans=spans)

    def apply_learned(self, learned: Learned) -> None:
        """Take in what :meth:`learn` returned (on the session's own thread)."""
        here = (self.sentence_id, self.sentence["text"], self.spans()) if self.sentence else None
        self.suggest.apply(learned, here)

    def label_guess(self) -> LabelGuess | None:
        """The most confident sentence-label model's guess for this sentence, among sets not
        answered yet by a label (None: no model, or every model says "no label")."""
        answered = frozenset(a["label_set"] for a in self.sentence_labels())
        return self.suggest.label_guess(self.sentence_id, self.sentence["text"], answered)

    def missing_required_document_sets(self) -> list[str]:
        answered = {a["label_set"] for a in self.doc_annotations}
        return [ls.name for ls in self.sets("document") if ls.required and ls.name not in answered]

    @property
    def done(self) -> bool:
        """Done under a scheme version that has every set on screen (else still to do)."""
        p = self.progress
        if not p or p.get("status") != "done":
            return False
        version = p.get("done_scheme_id")
        return version is None or version in self.complete_versions

    @property
    def flagged(self) -> bool:
        return bool(self.progress and self.progress.get("flag"))

    @property
    def note(self) -> str | None:
        return self.progress.get("note") if self.progress else None

    # ------------------------------------------------------------------ actions (each commits)
    def toggle_label(self, set_name: str, label: str) -> str:
        """Toggle a sentence or document label; a single-choice set replaces. Returns a message."""
        ls = self.label_set(set_name)
        level = ls.level
        if level == "span":
            raise ValueError("span label: select text first (s or v)")
        existing = self.applied(set_name, label, level)
        self.last_added = None
        if existing is not None:
            self.store.annotations.remove(self.annotator_id, existing["uid"])
            msg = f"removed {label}"
        else:
            self.last_added = self.store.annotations.add(
                self.annotator_id,
                self.scheme_id,
                label_set=set_name,
                label=label,
                level=level,
                document_id=self.document_id,
                sentence_id=None if level == "document" else self.sentence_id,
                value=_value(ls, label),
                replace_in_set=not ls.multiple,
            )
            msg = f"{set_name}: {label}"
        if level == "document":
            self.reload_document_labels()
        else:
            self.reload()
        return msg

    def toggle_span(self, set_name: str, label: str, start: int, end: int) -> str:
        """Apply (or remove, if present) a span label; offsets relative to the sentence."""
        ls = self.label_set(set_name)
        base = int(self.sentence["start"])
        self.last_added = None
        for s in self.spans():
            if (s["rs"], s["re"], s["label_set"], s["label"]) == (start, end, set_name, label):
                self.store.annotations.remove(self.annotator_id, s["uid"])
                self.reload()
                return f"removed span {label}"
        self.last_added = self.store.annotations.add(
            self.annotator_id,
            self.scheme_id,
            label_set=set_name,
            label=label,
            level="span",
            document_id=self.document_id,
            sentence_id=self.sentence_id,
            start=base + start,
            end=base + end,
            value=_value(ls, label),
            replace_in_set=not ls.multiple,
        )
        self.reload()
        return f"span «{self.sentence['text'][start:end]}»: {label}"

    def accept(self, suggestion: Suggestion) -> str:
        if self.label_set(suggestion.label_set).level == "sentence":
            return self.toggle_label(suggestion.label_set, suggestion.label)
        return self.toggle_span(
            suggestion.label_set, suggestion.label, suggestion.start, suggestion.end
        )

    # ------------------------------------------------------------------ attributes
    # The rules are in services/attributes.py; these names are what the form calls.
    @property
    def attributes(self) -> dict[int, dict[str, list[str]]]:
        """annotation id -> attribute -> values, for the current sentence's annotations."""
        return self.attrs.values

    def attribute_target(self, span_index: int | None = None) -> str | None:
        """The label the form edits from the screen (AttributeValues.target)."""
        return self.attrs.target(self.annotations, self.spans(), span_index)

    def attributes_of(self, annotation: dict[str, Any]) -> dict[str, list[str]]:
        return self.attrs.of(annotation)

    def set_attribute(self, annotation_uid: str, attribute: str, value: str | None) -> str:
        """Store one attribute value now (one undoable action): a single-valued attribute takes
        ``value`` (None clears it), a multiple one toggles it. Returns a message;
        ValueError for a value the scheme does not allow or an annotation not on this sentence."""
        ann, changed = self.attrs.store_value(self.annotations, annotation_uid, attribute, value)
        self.reload()
        return self.attrs.said(ann, attribute, changed)

    def attribute_choices(self, set_name: str, attribute: str, query: str = "") -> list[str]:
        return self.attrs.choices(set_name, attribute, query)

    def default_attribute_value(self, set_name: str, attribute: str) -> str | None:
        return self.attrs.default(set_name, attribute)

    def search(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        """Sentences of the corpus matching ``query`` (full-text, any text is safe)."""
        return self.store.corpus.search(query, limit)

    def label_of(self, uid: str) -> str | None:
        """The label of one of the annotator's annotations (to say what an undo undid)."""
        return self.store.annotations.label_of(uid)

    def remove(self, uid: str) -> None:
        self.store.annotations.remove(self.annotator_id, uid)
        self.reload()
        self.reload_document_labels()

    def mark_done(self) -> None:
        if not self.done:
            self.phrases.finished(self.sentence_id, self.sentence["text"])
            self.store.progress.mark_done(self.annotator_id, self.scheme_id, self.sentence_id)
            self.totals.done += self.in_scope(self.document_id)
        self.reload()

    def toggle_done(self) -> None:
        if self.done:
            self.store.progress.mark_not_done(self.annotator_id, self.scheme_id, self.sentence_id)
            self.totals.done -= self.in_scope(self.document_id)
            self.phrases.unfinished(self.sentence_id)
            self.reload()
        else:
            self.mark_done()

    def set_note(self, note: str | None) -> None:
        self.store.progress.set_note(self.annotator_id, self.scheme_id, self.sentence_id, note)
        self.reload()

    def toggle_flag(self) -> bool:
        self.store.progress.set_flag(
            self.annotator_id, self.scheme_id, self.sentence_id, not self.flagged
        )
        self.reload()
        return self.flagged

    def undo(self, redo: bool = False) -> dict[str, Any] | None:
        """Undo (or redo) the annotator's last action, then show where it happened."""
        log = self.store.annotations
        row = log.redo(self.annotator_id) if redo else log.undo(self.annotator_id)
        if row is None:
            return None
        before = json.loads(row["before"] or "{}")
        after = json.loads(row["after"] or "{}")
        old, new = (before, after) if redo else (after, before)
        finished: bool | None = None  # the sentence's done mark was made (True) or taken back
        if "progress" in old or "progress" in new:
            was = (old.get("progress") or {}).get("status") == "done"
            now = (new.get("progress") or {}).get("status") == "done"
            doc = row.get("document_id")
            if doc is None or self.in_scope(int(doc)):
                self.totals.done += int(now) - int(was)
            finished = now if now != was else None
        target = row.get("sentence_id")
        if target is not None and int(target) != self.sentence_id:
            self.goto(int(target))
        elif (
            target is None
            and row.get("document_id") is not None
            and (int(row["document_id"]) != self.document_id)
        ):
            sid = self.store.corpus.first_sentence(int(row["document_id"]))
            if sid is not None:
                self.goto(sid)
        self.reload()
        self.reload_document_labels()
        if finished is not None and target is not None:
            # The rejections a done mark counted follow it (services/suggest.py), at once.
            if finished:
                self.phrases.finished(self.sentence_id, self.sentence["text"])
            else:
                self.phrases.unfinished(int(target))
        return row


def _value(ls: LabelSet, label: str) -> float | None:
    v = ls.value_of(label)
    return None if v is None else float(v)

