"""Who answered what, read from the database and decided by the one units rule.

:mod:`annotator.core.units` holds the rule; this module feeds it what a database holds (done
marks with their scheme versions, the scheme's stored versions) and hands the answer to callers
that think in annotator names and (document, sentence) keys: the report, review and
``--accept-unanimous``, and ``status``. ``annotator agree`` calls the rule directly on its
numpy matrices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

    def answered(self, label_set: str, level: str) -> Answered:
        """The rule's answer for one set."""
        marks = self.document_marks if UNIT_LEVEL[level] == "document" else self.sentence_marks
        labelled = self.document_labels.get(label_set) if level == "document" else None
        return units.answered(label_set, level, marks, self.versions, labelled)

    def who_answered(self, label_set: str, level: str) -> dict[UnitRef, set[str]]:
        """unit -> names of the annotators who answered it, for one set."""
        ans = self.answered(label_set, level)
        out: dict[UnitRef, set[str]] = {}
        if UNIT_LEVEL[level] == "document":
            for a, d in zip(ans.annotator.tolist(), ans.unit.tolist(), strict=True):
                out.setdefault((d, None), set()).add(self.names[a])
            return out
        pos = np.searchsorted(self.sentence_ids, ans.unit)
        pos = np.minimum(pos, max(len(self.sentence_ids) - 1, 0))
        docs = self.sentence_documents[pos] if len(self.sentence_ids) else ans.unit
        for a, s, d in zip(ans.annotator.tolist(), ans.unit.tolist(), docs.tolist(), strict=True):
            out.setdefault((d, s), set()).add(self.names[a])
        return out


def load_answers(store: Store, scheme_name: str) -> SchemeAnswers:
    """Read the done marks and scheme versions the rule needs for ``scheme_name``."""
    people = [(a.id, a.name) for a in store.schemes.annotators()]
    ids, docs = store.columnar.sentence_documents()
    labelled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label_set, pairs in store.columnar.document_label_pairs(scheme_name).items():
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        labelled[label_set] = (arr[:, 0], arr[:, 1])
    return SchemeAnswers(
        versions=store.schemes.label_sets_by_version(scheme_name),
        ids={n: i for i, n in people},
        names={i: n for i, n in people},
        sentence_marks=store.columnar.done_marks("sentence"),
        document_marks=store.columnar.done_marks("document"),
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
