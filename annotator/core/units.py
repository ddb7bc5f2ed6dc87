"""THE rule for what an annotator was asked, answered and left missing.

Agreement, the report, review, ``--accept-unanimous``, ``status`` and the exports all need the
same answer to one question: for this annotator, this unit and this label set, is there an
answer, and which? Written once per caller, the copies drifted (a labelled sentence never marked
done counted as an answer in review but not in ``agree``; the report read done marks of every
scheme). So the rule lives here, in one place, and every caller asks it.

Vocabulary (the README's "Units and answers" section says the same for users):

- A *unit* of a label set is a sentence (sentence and span sets) or a document (document sets).
- A *done mark* is an annotator's "this sentence is finished" (or "this document panel is
  finished"), recorded with the scheme version it was made under.
- An (annotator, unit, label set) is *answered* when
  - sentence and span sets: the annotator marked the sentence done under a scheme version that
    has the set. A sentence done under version 1 is *missing* for a set that version 2 added,
    not "answered: none": nobody was ever shown that set there.
  - document sets: the annotator marked the document panel done under a version that has the
    set, or put a label of the set on the document (the screen has no separate "done" key for
    document labels; choosing one is the answer).
  A done mark with no scheme recorded (rows from before schemes were tracked) answers every set.
  A done mark made under another scheme answers none of this scheme's sets.
- The *answer* is the set of the annotator's current labels of the set on the unit (spans: their
  labels, or their (start, end, label) triples). No label is an answer too: "answered: none".
- A label on a unit its annotator has not answered is *not an answer*: callers leave it out and
  say how many they left out.
- An *attribute value* (who speaks, about whom: scheme ``attributes:``) is an answer exactly
  where its label is: the annotator answered the label's unit for the label's set
  (:func:`values_answered`). A value on a label that is not an answer is left out with it.
- An (annotator, unit, label set) is *asked* when the annotator takes part and the unit is in
  the corpus, as long as nobody assigns work. Once a campaign assigns documents
  (``annotator assign``, :class:`Campaign`), an annotator is asked exactly the units of the
  documents assigned to them: *asked* becomes *assigned*. Asked and not answered is *missing*
  (never "answered: none"); an answer outside one's assignment is still an answer.

Everything is vectorised: arrays of (annotator, unit, scheme) integer triples, as
``annotator.db`` reads them in bulk, so 200,000 sentences x 3 annotators take milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]

# numpy is imported inside the functions: the annotation screen asks this module which scheme
# versions are complete (Versions) and must not wait for numpy to load.

NO_SCHEME = -1
"""The scheme id of a done mark that records none (older rows): it answers every set."""

UNIT_LEVEL = {"sentence": "sentence", "span": "sentence", "document": "document"}
"""What a unit of each level of label set is: spans are answered sentence by sentence."""


@dataclass(frozen=True)
class Marks:
    """(annotator, unit, scheme version) triples as parallel integer arrays.

    ``unit`` is a sentence id or a document id, depending on the level read; ``scheme`` is the
    scheme id a done mark was made under (``NO_SCHEME`` when none is recorded)."""

    annotator: IntArray
    unit: IntArray
    scheme: IntArray

    @classmethod
    def empty(cls) -> Marks:
        import numpy as np

        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int | None]]) -> Marks:
        """From (annotator, unit, scheme id or None) tuples."""
        import numpy as np

        data = [(int(a), int(u), NO_SCHEME if s is None else int(s)) for a, u, s in rows]
        if not data:
            return cls.empty()
        arr = np.array(data, dtype=np.int64)
        return cls(arr[:, 0], arr[:, 1], arr[:, 2])

    def __len__(self) -> int:
        return len(self.annotator)

    def select(self, keep: BoolArray) -> Marks:
        return Marks(self.annotator[keep], self.unit[keep], self.scheme[keep])


@dataclass(frozen=True)
class Versions:
    """The label sets of every stored version of one scheme: scheme id -> set names.

    This is all the rule needs to know about schemes: which versions could have asked a set."""

    sets: Mapping[int, Collection[str]]

    def answering(self, label_set: str) -> IntArray:
        """Scheme ids whose done marks answer ``label_set`` (and ``NO_SCHEME``)."""
        import numpy as np

        ids = [sid for sid, names in self.sets.items() if label_set in names]
        return np.array(sorted([NO_SCHEME, *ids]), dtype=np.int64)

    def complete(self, current: Collection[str]) -> list[int]:
        """Scheme ids whose done marks answer every set in ``current`` (the version on screen):
        a sentence done under any other version still has a set to answer."""
        need = set(current)
        return sorted(sid for sid, names in self.sets.items() if need <= set(names))


def answers_set(done: Marks, versions: Versions, label_set: str) -> BoolArray:
    """Which done marks answer ``label_set``: those made under a version that has the set."""
    import numpy as np

    return np.isin(done.scheme, versions.answering(label_set))


def _pairs(annotator: IntArray, unit: IntArray) -> tuple[IntArray, IntArray]:
    """Unique (annotator, unit) pairs, sorted by unit then annotator."""
    import numpy as np

    from annotator.core import arrays

    annotator, unit = annotator.astype(np.int64, copy=False), unit.astype(np.int64, copy=False)
    if len(annotator) == 0:
        return annotator, unit
    key = arrays.unique(unit * (1 << 31) + annotator)
    return key % (1 << 31), key // (1 << 31)


@dataclass(frozen=True)
class Answered:
    """Who answered which unit of one label set: unique (annotator, unit) pairs, sorted by unit
    then annotator."""

    label_set: str
    level: str
    annotator: IntArray
    unit: IntArray

    def contains(self, annotator: IntArray, unit: IntArray) -> BoolArray:
        """Whether each (annotator, unit) pair is an answer (for filtering labels)."""
        import numpy as np

        from annotator.core import arrays

        have = self.unit * (1 << 31) + self.annotator  # sorted: pairs are sorted by unit
        probe = unit.astype(np.int64) * (1 << 31) + annotator.astype(np.int64, copy=False)
        return arrays.contains(have, probe)

    def by_unit(self) -> dict[int, list[int]]:
        """unit -> annotators who answered it (annotators in increasing order)."""
        out: dict[int, list[int]] = {}
        for a, u in zip(self.annotator.tolist(), self.unit.tolist(), strict=True):
            out.setdefault(u, []).append(a)
        return out

    def count_by_annotator(self) -> dict[int, int]:
        import numpy as np

        ids, counts = np.unique(self.annotator, return_counts=True)
        return {int(i): int(c) for i, c in zip(ids, counts, strict=True)}


def answered(
    label_set: str,
    level: str,
    done: Marks,
    versions: Versions,
    labelled: tuple[IntArray, IntArray] | None = None,
) -> Answered:
    """THE rule: the (annotator, unit) pairs that answered ``label_set``.

    ``done`` holds the done marks of the set's unit kind (sentences for sentence and span sets,
    document panels for document sets); ``labelled`` the (annotator, unit) pairs carrying a
    current label of the set, which answer a document set by themselves and nothing else.
    """
    import numpy as np

    keep = answers_set(done, versions, label_set)
    ann, unit = done.annotator[keep], done.unit[keep]
    if level == "document" and labelled is not None and len(labelled[0]):
        ann = np.concatenate([ann, labelled[0].astype(np.int64, copy=False)])
        unit = np.concatenate([unit, labelled[1].astype(np.int64, copy=False)])
    a, u = _pairs(ann, unit)
    return Answered(label_set, level, a, u)


def values_answered(answers: Answered, annotator: IntArray, unit: IntArray) -> BoolArray:
    """Which attribute values are answers: those whose annotation (by ``annotator`` on
    ``unit``, a sentence for sentence and span sets) is on an answered unit of its set."""
    return answers.contains(annotator, unit)


def asked_count(level: str, n_sentences: int, n_documents: int) -> int:
    """How many units of a set each taking-part annotator is asked when no campaign assigns
    work: all of them."""
    return n_documents if UNIT_LEVEL[level] == "document" else n_sentences


def missing_count(level: str, n_answered: int, n_sentences: int, n_documents: int) -> int:
    """Asked and not answered, when no campaign assigns work."""
    return max(0, asked_count(level, n_sentences, n_documents) - n_answered)


@dataclass(frozen=True)
class Campaign:
    """A campaign's assignments: (annotator, document) pairs, parallel integer arrays.

    With a campaign an annotator is asked exactly the units of the documents assigned to them;
    where a campaign is expected, ``None`` means nobody assigns work (everyone is asked all)."""

    annotator: IntArray
    document: IntArray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int]]) -> Campaign | None:
        """From (annotator, document) rows; None when there is none (no campaign)."""
        import numpy as np

        data = [(int(a), int(d)) for a, d in rows]
        if not data:
            return None
        arr = np.array(data, dtype=np.int64)
        return cls(arr[:, 0], arr[:, 1])

    def units(
        self, level: str, sentence_ids: IntArray, sentence_documents: IntArray
    ) -> tuple[IntArray, IntArray]:
        """The (annotator, unit) pairs asked for a set of ``level``: the assigned documents,
        or every sentence of them (``sentence_documents``: the document of each id)."""
        import numpy as np

        if UNIT_LEVEL[level] == "document":
            return _pairs(self.annotator, self.document)
        order = np.argsort(sentence_documents, kind="stable")
        docs_sorted = sentence_documents[order]
        lo = np.searchsorted(docs_sorted, self.document, "left")
        hi = np.searchsorted(docs_sorted, self.document, "right")
        n = hi - lo
        ann = np.repeat(self.annotator, n)
        # positions lo..hi-1 of each assignment, laid end to end
        starts = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
        pos = starts + np.arange(int(n.sum()))
        return _pairs(ann, sentence_ids[order][pos])


@dataclass(frozen=True)
class Asked:
    """What one label set asks of each annotator: every unit of the corpus (``pairs`` None: no
    campaign), or the (annotator, unit) pairs a campaign assigns."""

    level: str
    n_units: int  # units of the set in the corpus
    pairs: tuple[IntArray, IntArray] | None = None

    @property
    def campaign(self) -> bool:
        return self.pairs is not None

    def count(self, annotator: int) -> int:
        """Units the annotator is asked."""
        if self.pairs is None:
            return self.n_units
        return int((self.pairs[0] == annotator).sum())

    def done(self, answered: Answered, annotator: int) -> int:
        """Units the annotator is asked and answered."""
        if self.pairs is None:
            return int((answered.annotator == annotator).sum())
        mine = self.pairs[0] == annotator
        return int(answered.contains(self.pairs[0][mine], self.pairs[1][mine]).sum())

    def missing(self, answered: Answered, annotator: int) -> int:
        """Asked and not answered."""
        return max(0, self.count(annotator) - self.done(answered, annotator))


def asked(
    level: str,
    n_sentences: int,
    n_documents: int,
    campaign: Campaign | None = None,
    sentences: tuple[IntArray, IntArray] | None = None,
) -> Asked:
    """THE rule for what a set of ``level`` asks: everything, or what ``campaign`` assigns
    (``sentences``: sentence ids and their documents, needed for sentence and span sets)."""
    import numpy as np

    n_units = asked_count(level, n_sentences, n_documents)
    if campaign is None:
        return Asked(level, n_units)
    if UNIT_LEVEL[level] == "document":
        return Asked(level, n_units, campaign.units(level, np.zeros(0, np.int64),
                                                    np.zeros(0, np.int64)))
    if sentences is None:
        raise ValueError("a campaign's sentence units need the sentences' documents")
    return Asked(level, n_units, campaign.units(level, sentences[0], sentences[1]))
