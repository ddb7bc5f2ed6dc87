"""Who answered what, read from the database and decided by the one units rule.

:mod:`annotator.core.units` holds the rule; this module feeds it what a database holds (done
marks with their scheme versions, the scheme's stored versions) and hands the answer to callers
that think in annotator names and (document, sentence) keys: the report, review and
``--accept-unanimous``, and ``status``. ``annotator agree`` calls the rule directly on its
numpy matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.core import units
from annotator.core.units import UNIT_LEVEL, Answered, Campaign, Marks, Versions

if TYPE_CHECKING:
    from annotator.store import Store

UnitRef = tuple[int, int | None]
"""(document id, sentence id or None for a document unit)."""


@dataclass
class SchemeAnswers:
    """Everything the rule needs for one scheme, read once."""

    versions: Versions
    ids: dict[str, int]  # annotator name -> id
    names: dict[int, str]  # annotator id -> name
    sentence_marks: Marks
    document_marks: Marks
    sentence_ids: np.ndarray  # sorted
    sentence_documents: np.ndarray  # document of each id in ``sentence_ids``
    document_labels: dict[str, tuple[np.ndarray, np.ndarray]]  # set -> (annotators, documents)
    _document_of: np.ndarray | None = None  # sentence id -> document id (see documents_of)

    def answered(
        self, label_set: str, level: str, labelled: tuple[np.ndarray, np.ndarray] | None = None
    ) -> Answered:
        """The rule's answer for one set (``labelled``: the (annotators, documents) with a
        label of a document set, when not among the labels read here)."""
        marks = self.document_marks if UNIT_LEVEL[level] == "document" else self.sentence_marks
        if level == "document" and labelled is None:
            labelled = self.document_labels.get(label_set)
        elif level != "document":
            labelled = None
        return units.answered(label_set, level, marks, self.versions, labelled)

    def documents_of(self, level: str, unit: np.ndarray) -> np.ndarray:
        """The document of each unit (a sentence's document; a document unit is its own)."""
        if UNIT_LEVEL[level] == "document" or not len(self.sentence_ids):
            return unit
        if self._document_of is None:
            # a lookup table by sentence id when ids are dense (they are, unless most sentences
            # were deleted); binary search otherwise
            top = int(self.sentence_ids[-1])
            if top < 4 * len(self.sentence_ids) + 1024:
                self._document_of = np.zeros(top + 1, dtype=np.int64)
                self._document_of[self.sentence_ids] = self.sentence_documents
            else:
                self._document_of = np.zeros(0, dtype=np.int64)
        lut: np.ndarray = self._document_of
        if len(lut) and (not len(unit) or int(unit.max()) < len(lut)):
            found: np.ndarray = lut[unit]
            return found
        pos = np.searchsorted(self.sentence_ids, unit)
        pos = np.minimum(pos, len(self.sentence_ids) - 1)
        return self.sentence_documents[pos]

    def who_answered(self, label_set: str, level: str) -> dict[UnitRef, set[str]]:
        """unit -> names of the annotators who answered it, for one set (a dict per unit: for
        callers that look up a few units; the report and review work on the arrays)."""
        ans = self.answered(label_set, level)
        out: dict[UnitRef, set[str]] = {}
        if UNIT_LEVEL[level] == "document":
            for a, d in zip(ans.annotator.tolist(), ans.unit.tolist(), strict=True):
                out.setdefault((d, None), set()).add(self.names[a])
            return out
        docs = self.documents_of(level, ans.unit)
        for a, s, d in zip(ans.annotator.tolist(), ans.unit.tolist(), docs.tolist(), strict=True):
            out.setdefault((d, s), set()).add(self.names[a])
        return out


def load_answers(
    store: Store,
    scheme_name: str,
    *,
    groups: Sequence[Any] | None = None,
    versions: Versions | None = None,
    reads: Any = None,
) -> SchemeAnswers:
    """Read the done marks and scheme versions the rule needs for ``scheme_name``.

    A caller that read some of it already passes it on: ``groups``, the scheme's current labels
    as ``Columnar.current_labels`` gives them (their document-level rows answer document sets);
    ``reads``, anything with ``Columnar``'s ``done_marks`` and ``sentence_documents``."""
    people = [(a.id, a.name) for a in store.schemes.annotators()]
    source = reads or store.columnar
    ids, docs = source.sentence_documents()
    if versions is None:
        versions = store.schemes.label_sets_by_version(scheme_name)
    if groups is None:
        groups = store.columnar.current_labels(tuple(versions.sets), level="document")
    by_set: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for g in groups:
        if g.level == "document":
            by_set.setdefault(g.label_set, []).append((g.annotator, g.unit))
    labelled = {
        name: (np.concatenate([w for w, _ in parts]), np.concatenate([u for _, u in parts]))
        for name, parts in by_set.items()
    }
    return SchemeAnswers(
        versions=versions,
        ids={n: i for i, n in people},
        names={i: n for i, n in people},
        sentence_marks=source.done_marks("sentence"),
        document_marks=source.done_marks("document"),
        sentence_ids=ids,
        sentence_documents=docs,
        document_labels=labelled,
    )


def who_answered_by_set(
    store: Store, scheme_name: str, sets: Iterable[tuple[str, str]]
) -> dict[str, dict[UnitRef, set[str]]]:
    """label set -> unit -> who answered it, for the given (set name, level) pairs."""
    answers = load_answers(store, scheme_name)
    return {name: answers.who_answered(name, level) for name, level in sets}


@dataclass
class SetProgress:
    """How far each annotator is with one label set of a scheme's latest version."""

    scheme: str
    label_set: str
    level: str
    asked: int  # units of the set in the corpus (what everyone is asked without a campaign)
    answered: dict[str, int]  # annotator -> units answered
    missing: dict[str, int]  # annotator -> asked (in a campaign: assigned) and not answered
    assigned: dict[str, int] | None = None  # campaign: annotator -> units assigned
    done: dict[str, int] | None = None  # campaign: annotator -> units assigned and answered


def campaign(store: Store) -> Campaign | None:
    """The database's campaign for the units rule (None: no assignment, everyone is asked
    everything)."""
    return Campaign.from_rows((a, d) for a, d, _ in store.assignments.active())


def set_progress(store: Store, annotators: Iterable[str]) -> list[SetProgress]:
    """Answered and missing units per label set (latest version of every stored scheme) for the
    given annotators: where a scheme grew, the new set shows what is still to do; in a campaign,
    what each annotator was assigned, answered of it, and has still to do."""
    people = list(annotators)
    n_sent, n_doc = store.corpus.count_sentences(), store.corpus.count_documents()
    work = campaign(store)
    out: list[SetProgress] = []
    for name in store.schemes.names():
        _, scheme = store.schemes.load(name)
        answers = load_answers(store, name)
        sentences = (answers.sentence_ids, answers.sentence_documents)
        for ls in scheme.label_sets:
            ans = answers.answered(ls.name, ls.level)
            got = ans.count_by_annotator()
            rule = units.asked(ls.level, n_sent, n_doc, work, sentences)
            ids = {p: answers.ids.get(p, -1) for p in people}
            out.append(
                SetProgress(
                    scheme=name,
                    label_set=ls.name,
                    level=ls.level,
                    asked=rule.n_units,
                    answered={p: got.get(i, 0) for p, i in ids.items()},
                    missing={p: rule.missing(ans, i) for p, i in ids.items()},
                    assigned={p: rule.count(i) for p, i in ids.items()} if rule.campaign
                    else None,
                    done={p: rule.done(ans, i) for p, i in ids.items()} if rule.campaign
                    else None,
                )
            )
    return out
