"""Span maths: half-open character spans, normalisation, and span agreement.

Spans are half-open ``[start, end)`` character offsets into the *document* text, as in the
SemEval/PTC files. Two agreement views are given:

* :func:`span_prf`: precision/recall/F1 of one annotator's spans against another's, per label,
  with exact matching (same document, start, end and label) or overlap matching (same document
  and label, at least one shared character; a maximum one-to-one matching so a span is credited
  at most once).
* :func:`char_alpha`: Krippendorff's α per label over characters, which gives partial credit for
  partly overlapping spans (see its docstring for how units are built).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from annotator.core.agreement import Coefficient, Undefined, krippendorff_alpha

Mode = Literal["exact", "overlap"]

# Why a character-level α has no units (also said by ``annotator agree`` over the database).
NO_SHARED_SENTENCE = "no sentence was completed by two or more annotators"

# SemEval-2020 Task 11 (PTC v2) trims these from both ends of a span.
TRIM_CHARS = " \n.,:;"


@dataclass(frozen=True, order=True)
class Span:
    """A labelled half-open span ``[start, end)`` in document ``doc``."""

    doc: Hashable
    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")

    def __len__(self) -> int:
        return self.end - self.start


def overlap_length(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Number of characters two half-open ranges share (0 when they only touch)."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def span_overlap(a: Span, b: Span) -> int:
    """Shared characters of two spans; 0 when they are in different documents."""
    if a.doc != b.doc:
        return 0
    return overlap_length(a.start, a.end, b.start, b.end)


def normalise_span(
    text: str, start: int, end: int, trim: str = TRIM_CHARS
) -> tuple[int, int] | None:
    """Clip a span to the text and trim ``trim`` characters from both ends (PTC v2 rules).

    Returns ``None`` when nothing is left: the start lies at or past the end of the text, or the
    span holds only trimmable characters.
    """
    n = len(text)
    if start >= n or end <= start:
        return None
    start = max(start, 0)
    end = min(end, n)
    while start < end and text[start] in trim:
        start += 1
    while end > start and text[end - 1] in trim:
        end -= 1
    return (start, end) if start < end else None


# ------------------------------------------------------------------------- precision / recall
@dataclass(frozen=True)
class PRF:
    """Matches between a reference and a predicted span list for one label (or all labels)."""

    matched: int
    n_reference: int
    n_predicted: int

    @property
    def precision(self) -> Coefficient:
        if self.n_predicted == 0:
            return Undefined("no predicted spans")
        return self.matched / self.n_predicted

    @property
    def recall(self) -> Coefficient:
        if self.n_reference == 0:
            return Undefined("no reference spans")
        return self.matched / self.n_reference

    @property
    def f1(self) -> Coefficient:
        total = self.n_reference + self.n_predicted
        if total == 0:
            return Undefined("neither annotator marked a span")
        return 2.0 * self.matched / total

    def __add__(self, other: PRF) -> PRF:
        return PRF(
            self.matched + other.matched,
            self.n_reference + other.n_reference,
            self.n_predicted + other.n_predicted,
        )


@dataclass
class SpanScores:
    """Per-label :class:`PRF` and their micro-average over all labels."""

    per_label: dict[str, PRF] = field(default_factory=dict)

    @property
    def micro(self) -> PRF:
        total = PRF(0, 0, 0)
        for prf in self.per_label.values():
            total = total + prf
        return total


def _max_matching(adj: Sequence[Sequence[int]], n_right: int) -> int:
    """Size of a maximum bipartite matching (augmenting paths, iterative, deterministic)."""
    match_r = [-1] * n_right
    match_l = [-1] * len(adj)
    size = 0
    for u in range(len(adj)):
        parent: dict[int, int] = {}
        stack = [u]
        found = -1
        while stack and found < 0:
            x = stack.pop()
            for r in adj[x]:
                if r in parent:
                    continue
                parent[r] = x
                if match_r[r] == -1:
                    found = r
                    break
                stack.append(match_r[r])
        if found < 0:
            continue
        r = found
        while True:
            x = parent[r]
            previous = match_l[x]
            match_r[r] = x
            match_l[x] = r
            if x == u:
                break
            r = previous
        size += 1
    return size


def _overlap_matches(reference: list[Span], predicted: list[Span]) -> int:
    """Most one-to-one pairs of overlapping spans (same document and label already)."""
    ref = sorted(reference)
    adj: list[list[int]] = []
    for p in sorted(predicted):
        adj.append([i for i, r in enumerate(ref) if overlap_length(p.start, p.end, r.start, r.end)])
    return _max_matching(adj, len(ref))


def span_prf(
    reference: Iterable[Span], predicted: Iterable[Span], mode: Mode = "exact"
) -> SpanScores:
    """Precision, recall and F1 of ``predicted`` against ``reference``, per label.

    ``exact``: a predicted span matches a reference span with the same document, start, end and
    label (duplicates count as a multiset). ``overlap``: it matches one with the same document and
    label sharing at least one character; matching is one-to-one and maximal, so a span counts at
    most once. Swapping the two lists swaps precision and recall; F1 is symmetric.
    """
    if mode not in ("exact", "overlap"):
        raise ValueError(f"unknown matching mode {mode!r}; use exact or overlap")
    ref = list(reference)
    pred = list(predicted)
    labels = sorted({s.label for s in ref} | {s.label for s in pred})
    scores = SpanScores()
    for label in labels:
        r = [s for s in ref if s.label == label]
        p = [s for s in pred if s.label == label]
        if mode == "exact":
            matched = sum((Counter(r) & Counter(p)).values())
        else:
            by_doc_r: dict[Hashable, list[Span]] = defaultdict(list)
            by_doc_p: dict[Hashable, list[Span]] = defaultdict(list)
            for s in r:
                by_doc_r[s.doc].append(s)
            for s in p:
                by_doc_p[s.doc].append(s)
            matched = sum(
                _overlap_matches(by_doc_r[doc], spans)
                for doc, spans in by_doc_p.items()
                if doc in by_doc_r
            )
        scores.per_label[label] = PRF(matched, len(r), len(p))
    return scores


def pairwise_span_prf(
    spans_by_annotator: Mapping[Hashable, Iterable[Span]], mode: Mode = "exact"
) -> dict[tuple[Hashable, Hashable], SpanScores]:
    """:func:`span_prf` for every annotator pair ``(a, b)``, with ``a`` as the reference."""
    names = list(spans_by_annotator)
    lists = {a: list(spans_by_annotator[a]) for a in names}
    return {
        (a, b): span_prf(lists[a], lists[b], mode)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    }


# ------------------------------------------------------------------------- character-level α
@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, ``[start, end)`` in document offsets."""

    id: Hashable
    doc: Hashable
    start: int
    end: int


@dataclass
class CharUnits:
    """The character units of :func:`char_alpha`: per document, the offsets used and the
    sentence (index into ``sentences``) each offset belongs to."""

    sentences: list[Sentence]
    offsets: dict[Hashable, np.ndarray]
    sentence_of: dict[Hashable, np.ndarray]

    @property
    def n_units(self) -> int:
        return int(sum(len(v) for v in self.offsets.values()))


def char_units(
    sentences: Iterable[Sentence], completed: Mapping[Hashable, Iterable[Hashable]]
) -> CharUnits:
    """Characters of the sentences that at least two annotators completed, in document order."""
    done = {a: set(ids) for a, ids in completed.items()}
    count: Counter[Hashable] = Counter()
    for ids in done.values():
        count.update(ids)
    used = [s for s in sentences if count[s.id] >= 2 and s.end > s.start]
    by_doc: dict[Hashable, list[int]] = defaultdict(list)
    for i, s in enumerate(used):
        by_doc[s.doc].append(i)
    offsets: dict[Hashable, np.ndarray] = {}
    owner: dict[Hashable, np.ndarray] = {}
    for doc, idx in by_doc.items():
        idx.sort(key=lambda i: (used[i].start, used[i].end))
        offsets[doc] = np.concatenate([np.arange(used[i].start, used[i].end) for i in idx])
        owner[doc] = np.concatenate(
            [np.full(used[i].end - used[i].start, i, dtype=np.int64) for i in idx]
        )
    return CharUnits(used, offsets, owner)


def char_alpha(
    sentences: Iterable[Sentence],
    completed: Mapping[Hashable, Iterable[Hashable]],
    spans: Mapping[Hashable, Iterable[Span]],
    labels: Iterable[str] | None = None,
) -> dict[str, Coefficient]:
    """Krippendorff's α per label over characters (nominal, values 0/1).

    How units are built: ``completed[a]`` lists the sentence ids annotator ``a`` finished.
    Every character of every sentence finished by at least two annotators is one unit (with two
    annotators: the sentences both completed). Annotator ``a``'s value for a character is 1 when
    it lies inside one of ``a``'s spans with that label (spans are matched by document, may cross
    sentence boundaries), 0 when it does not, and missing when ``a`` did not finish that
    sentence. Partly overlapping spans thus agree on their shared characters and disagree on the
    rest. Whitespace and punctuation count like any other character. A label nobody used on
    these characters is :class:`Undefined` (no variation).
    """
    units = char_units(sentences, completed)
    annotators = list(completed)
    span_lists = {a: list(spans.get(a, ())) for a in annotators}
    if labels is None:
        labels = sorted({s.label for lst in span_lists.values() for s in lst})
    done = {a: set(completed[a]) for a in annotators}
    docs = list(units.offsets)
    n_units = units.n_units
    # Completion mask per annotator over all units, shared by every label.
    finished = np.array(
        [[s.id in done[a] for s in units.sentences] for a in annotators], dtype=bool
    ).reshape(len(annotators), len(units.sentences))
    mask = np.zeros((len(annotators), n_units), dtype=bool)
    starts: dict[Hashable, int] = {}
    pos = 0
    for doc in docs:
        starts[doc] = pos
        owner = units.sentence_of[doc]
        mask[:, pos : pos + len(owner)] = finished[:, owner]
        pos += len(owner)
    grouped: dict[tuple[str, int, Hashable], list[Span]] = defaultdict(list)
    for ai, a in enumerate(annotators):
        for sp in span_lists[a]:
            if sp.doc in starts:
                grouped[(sp.label, ai, sp.doc)].append(sp)
    out: dict[str, Coefficient] = {}
    for label in labels:
        values = np.zeros((len(annotators), n_units))
        for ai in range(len(annotators)):
            for doc in docs:
                mine = grouped.get((label, ai, doc))
                if not mine:
                    continue
                offs = units.offsets[doc]
                length = int(max(offs.max() + 1, max(s.end for s in mine))) + 1
                edge = np.zeros(length + 1, dtype=np.int64)
                np.add.at(edge, [max(s.start, 0) for s in mine], 1)
                np.add.at(edge, [s.end for s in mine], -1)
                inside = np.cumsum(edge)[:length] > 0
                values[ai, starts[doc] : starts[doc] + len(offs)] = inside[offs]
        values[~mask] = np.nan
        if n_units == 0:
            out[label] = Undefined(NO_SHARED_SENTENCE)
        else:
            out[label] = krippendorff_alpha(values, "nominal")
    return out


# ------------------------------------------------------------------------- matched spans
def match_spans(
    spans: Sequence[tuple[Hashable, Span]], mode: Mode = "overlap"
) -> list[list[int]]:
    """Group the spans of several annotators into *matched spans*: the units on which the
    attributes of a span label (who speaks, about whom...) are compared.

    ``spans`` are (annotator, span) pairs; the answer lists groups of indexes into it. Spans
    match when they have the same document and label and, in ``overlap`` mode, share at least
    one character (``exact``: the same offsets). A group holds at most one span per annotator:
    annotators are taken in order of first appearance, and each span joins the group, still
    without a span of its annotator, with which it shares the most characters (ties: the group
    formed first), else starts a group. Deterministic, and for two annotators a greedy
    one-to-one matching by overlap. Groups of one span are returned too (nothing to compare)."""
    if mode not in ("exact", "overlap"):
        raise ValueError(f"unknown matching mode {mode!r}; use exact or overlap")
    order = list(dict.fromkeys(a for a, _ in spans))
    groups: list[list[int]] = []
    members: list[set[Hashable]] = []
    reach: list[tuple[int, int]] = []  # each group's first span (start, end): what joins it
    by_key: dict[tuple[Hashable, str], list[int]] = defaultdict(list)
    for annotator in order:
        mine = sorted(
            (i for i, (a, _) in enumerate(spans) if a == annotator),
            key=lambda i: (str(spans[i][1].doc), spans[i][1].start, spans[i][1].end),
        )
        for i in mine:
            sp = spans[i][1]
            best, best_overlap = -1, 0
            for g in by_key[(sp.doc, sp.label)]:
                if annotator in members[g]:
                    continue
                start, end = reach[g]
                if mode == "exact":
                    shared = len(sp) + 1 if (start, end) == (sp.start, sp.end) else 0
                else:
                    shared = overlap_length(sp.start, sp.end, start, end)
                if shared > best_overlap:
                    best, best_overlap = g, shared
            if best < 0:
                best = len(groups)
                groups.append([])
                members.append(set())
                reach.append((sp.start, sp.end))
                by_key[(sp.doc, sp.label)].append(best)
            groups[best].append(i)
            members[best].add(annotator)
    return groups
