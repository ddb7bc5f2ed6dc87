"""Loading agreement data: which units count for a label set, as numpy matrices (agree, report).

What a *unit* is for each label set (a done sentence, a document, the characters of a sentence)
and who answered it come from the units rule (core/units.py); this module reads the done marks and
labels in bulk (a :class:`ColumnReads`: the database's ``Columnar``, or the shared reads of
services/agreement_reads.py) and builds the matrices with lookup tables rather than per-unit
Python loops, then collapses them to their distinct columns (:func:`collapse`). It says how many
units were dropped, and why (:class:`Dropped`), so nothing is dropped silently. The analysis is
in services/agreement.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from annotator.core import units
from annotator.core.units import Marks, Versions

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet

NONE_LABEL = "(none)"


@dataclass
class Dropped:
    """Units (or rows) left out of a computation, with the reason in plain words."""

    count: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "reason": self.reason}


@dataclass
class UnitMatrix:
    """A sentence or document set as a reliability matrix (annotators x units).

    ``codes`` holds category indices into ``categories`` (NaN = missing); ``values`` the numbers
    the statistics use at the set's scale (the index for nominal sets, the scale value for
    ordinal/interval/ratio). Multi-label sets also carry ``present`` (annotators x units x
    labels) and ``answered`` (annotators x units).
    """

    label_set: str
    level: str
    scale: str
    multiple: bool
    annotators: list[str]
    unit_ids: np.ndarray
    categories: list[str]
    codes: np.ndarray
    values: np.ndarray
    present: np.ndarray | None = None
    answered: np.ndarray | None = None
    labels: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_answers: np.ndarray | None = None  # per annotator, over every unit (used or not)
    code_values: np.ndarray | None = None  # value of each code at the scale (NaN: none)


@dataclass
class SpanData:
    """A span set: who completed which sentence, and every span on a completed sentence."""

    label_set: str
    annotators: list[str]
    labels: list[str]
    done: np.ndarray  # bool, annotators x sentences (columns: ``sentence_ids``)
    sentence_ids: np.ndarray
    sent_start: np.ndarray  # document offsets of each sentence (same order)
    sent_end: np.ndarray
    span_annotator: np.ndarray  # per span: annotator index
    span_sentence: np.ndarray  # per span: column in ``sentence_ids``
    span_label: np.ndarray  # per span: index into ``labels``
    span_start: np.ndarray  # document offsets, clipped to the sentence
    span_end: np.ndarray
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _rows_of(annotators: list[tuple[int, str]]) -> tuple[np.ndarray, list[str]]:
    """Lookup table annotator id -> matrix row (rows in name order; -1 = not chosen)."""
    chosen = sorted(annotators, key=lambda x: x[1])
    size = max((i for i, _ in chosen), default=0) + 1
    lut = np.full(size, -1, dtype=np.int64)
    for row, (i, _) in enumerate(chosen):
        lut[i] = row
    return lut, [n for _, n in chosen]


def _restrict_index(ann: np.ndarray, lut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matrix rows of the rows made by chosen annotators, and which rows those are."""
    row = np.where(ann < len(lut), lut[np.minimum(ann, len(lut) - 1)], -1)
    keep = np.flatnonzero(row >= 0)
    return row[keep], keep


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _label_space(ls: LabelSet, seen: list[str]) -> list[str]:
    """The set's labels in scheme (scale) order, then labels found in the data but no longer in
    the scheme (older versions), so nothing stored is lost."""
    names = list(ls.names)
    if ls.scale != "nominal":
        order = sorted(range(len(names)), key=lambda i: (ls.value_of(names[i]) or 0.0, i))
        names = [names[i] for i in order]
    extra = sorted(set(seen) - set(names))
    return names + extra


def _labels_flat(
    by_label: dict[str, tuple[np.ndarray, ...]], space: list[str], lut: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Every row of ``Store.agreement_labels`` by chosen annotators: label codes (index into
    ``space``) and the columns, the first one turned into matrix rows."""
    present = [lab for lab in space if lab in by_label]
    if not present:
        return np.zeros(0, np.int64), []
    width = len(by_label[present[0]])
    cols = [np.concatenate([by_label[lab][i] for lab in present]) for i in range(width)]
    codes = np.concatenate(
        [np.full(len(by_label[lab][0]), space.index(lab), dtype=np.int64) for lab in present]
    )
    rows, keep = _restrict_index(cols[0], lut)
    return codes[keep], [rows, *(c[keep] for c in cols[1:])]


class ColumnReads(Protocol):
    """What the loaders read: :class:`annotator.db.columnar.Columnar`, or
    :class:`PrefetchedReads`, which runs the same reads ahead in threads."""

    def done_marks(self, level: str) -> Marks: ...

    def labels(
        self, scheme_ids: tuple[int, ...], label_set: str, level: str
    ) -> dict[str, tuple[Any, ...]]: ...

    def latest_labels(
        self, scheme_ids: tuple[int, ...], label_set: str, level: str
    ) -> list[tuple[int, int, str]]: ...

    def sentence_bounds(self) -> tuple[Any, Any, Any]: ...


@dataclass
class Done:
    """Done marks of the chosen annotators: matrix rows, unit ids and the scheme version each
    was made under (``annotator.core.units`` decides which sets each one answers)."""

    rows: np.ndarray
    units: np.ndarray
    schemes: np.ndarray

    def marks(self) -> Marks:
        return Marks(self.rows, self.units, self.schemes)


def done_marks(reads: ColumnReads, level: str, annotators: list[tuple[int, str]]) -> Done:
    """The done marks of one kind (sentences, or document panels for ``level`` "document")."""
    lut, _ = _rows_of(annotators)
    marks = reads.done_marks(level)
    rows, keep = _restrict_index(marks.annotator, lut)
    return Done(rows, marks.unit[keep], marks.scheme[keep])


def done_sentences(reads: ColumnReads, annotators: list[tuple[int, str]]) -> Done:
    return done_marks(reads, "sentence", annotators)


def _mask(rows: np.ndarray, units: np.ndarray, n_rows: int, size: int) -> np.ndarray:
    m = np.zeros((n_rows, size), dtype=bool)
    m[rows, units] = True
    return m


def load_units(
    reads: ColumnReads,
    versions: Versions,
    ls: LabelSet,
    annotators: list[tuple[int, str]],
    done: Done | None = None,
) -> UnitMatrix:
    """Build the reliability matrix of a sentence or document set from two bulk reads."""
    level = ls.level
    unit_word = "sentence" if level == "sentence" else "document"
    lut, names = _rows_of(annotators)
    n_ann = len(names)
    dropped: list[Dropped] = []
    notes: list[str] = []
    scheme_ids = tuple(versions.sets)

    by_label = reads.labels(scheme_ids, ls.name, level)
    space = _label_space(ls, sorted(by_label))
    lc, cols = _labels_flat(by_label, space, lut)
    lab_row, lab_unit = (cols[0], cols[1]) if cols else (np.zeros(0, np.int64),) * 2

    # Who answered which unit: the units rule.
    if done is None or level == "document":
        done = done_marks(reads, level, annotators)
    ans = units.answered(ls.name, level, done.marks(), versions, (lab_row, lab_unit))
    size = int(max(ans.unit.max(initial=0), lab_unit.max(initial=0))) + 1
    answered_all = _mask(ans.annotator, ans.unit, n_ann, size)

    # Labels on sentences the annotator did not mark done are not answers.
    if level == "sentence" and len(lab_row):
        ok = answered_all[lab_row, lab_unit]
        n_bad = int((~ok).sum())
        if n_bad:
            dropped.append(
                Dropped(n_bad, f"{plural(n_bad, 'label')} on sentences the annotator has not "
                        "marked done (not counted as answers)")
            )
            lab_row, lab_unit, lc = lab_row[ok], lab_unit[ok], lc[ok]

    # Units answered by two or more annotators.
    n_answers = answered_all.sum(axis=1)
    counts = answered_all.sum(axis=0)
    unit_ids = np.flatnonzero(counts >= 2)
    n_single = int((counts == 1).sum())
    if n_single:
        dropped.insert(
            0, Dropped(n_single, f"{plural(n_single, unit_word)} completed by only one annotator")
        )
    n_units = len(unit_ids)
    col_of = np.full(size, -1, dtype=np.int64)
    col_of[unit_ids] = np.arange(n_units)
    answered = answered_all[:, unit_ids]
    lcol = col_of[lab_unit]
    sel = lcol >= 0
    la, lu, lc = lab_row[sel], lcol[sel], lc[sel]
    unknown = [n for n in space if n not in ls.names]
    if unknown:
        notes.append(
            "labels not in the current scheme version kept as categories: " + ", ".join(unknown)
        )

    if ls.multiple:
        present = np.zeros((n_ann, n_units, len(space)), dtype=bool)
        present[la, lu, lc] = True
        codes = np.full((n_ann, n_units), np.nan)
        return UnitMatrix(
            label_set=ls.name, level=level, scale=ls.scale, multiple=True, annotators=names,
            unit_ids=unit_ids, categories=space, codes=codes, values=codes.copy(),
            present=present, answered=answered, labels=space, dropped=dropped, notes=notes,
            n_answers=n_answers,
        )

    # Single choice: none = done with no label; the latest label wins if there are several.
    codes = np.full((n_ann, n_units), np.nan)
    none_code = len(space)
    codes[answered] = none_code
    if len(la):
        cell = la * n_units + lu
        codes[la, lu] = lc
        per_cell = np.bincount(cell, minlength=n_ann * n_units)
        n_multi = int((per_cell[per_cell > 1] - 1).sum())
        if n_multi:
            notes.append(
                f"{plural(n_multi, 'extra label')} in this single-choice set (an annotator with "
                "several labels on one unit): the latest one is used"
            )
            index = {n: i for i, n in enumerate(space)}
            for aid, unit, label in reads.latest_labels(scheme_ids, ls.name, level):
                row = lut[aid] if aid < len(lut) else -1
                col = col_of[unit] if unit < size else -1
                # Only where that annotator answered the unit: a label elsewhere is no answer.
                if row >= 0 and col >= 0 and answered[row, col]:
                    codes[row, col] = index[label]
    categories = [*space, NONE_LABEL]
    values = codes.copy()
    code_values = np.arange(len(categories), dtype=np.float64)
    if ls.scale != "nominal":
        scale_values = np.array(
            [v if (v := ls.value_of(n)) is not None else np.nan for n in space] + [np.nan]
        )
        off_scale = np.flatnonzero(np.isnan(scale_values[:-1]))
        n_none = int((codes == none_code).sum())
        n_off = int(np.isin(codes, off_scale).sum())
        if ls.scale == "ordinal":
            # Ordinal statistics need only the order: the positions on the scale.
            code_values[none_code] = np.nan
            code_values[off_scale] = np.nan
        else:
            code_values = scale_values
        safe = np.where(np.isnan(codes), none_code, codes).astype(np.int64)
        values = np.where(np.isnan(codes), np.nan, code_values[safe])
        if n_none:
            dropped.append(
                Dropped(n_none, f"{plural(n_none, 'answer')} done without a label left out "
                        f"of the {ls.scale} statistics (no value on the scale)")
            )
        if n_off:
            dropped.append(
                Dropped(n_off, f"{plural(n_off, 'answer')} with a label no longer in the "
                        "scheme left out (no value on the scale)")
            )
    return UnitMatrix(
        label_set=ls.name, level=level, scale=ls.scale, multiple=False, annotators=names,
        unit_ids=unit_ids, categories=categories, codes=codes, values=values,
        labels=space, dropped=dropped, notes=notes, n_answers=n_answers,
        code_values=code_values,
    )


def load_spans(
    reads: ColumnReads,
    versions: Versions,
    ls: LabelSet,
    annotators: list[tuple[int, str]],
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    done: Done | None = None,
) -> SpanData:
    """Who answered which sentence for the set, and the set's spans on answered sentences."""
    lut, names = _rows_of(annotators)
    n_ann = len(names)
    dropped: list[Dropped] = []
    notes: list[str] = []
    if done is None:
        done = done_sentences(reads, annotators)
    by_label = reads.labels(tuple(versions.sets), ls.name, "span")
    labels = _label_space(ls, sorted(by_label))
    lab, cols = _labels_flat(by_label, labels, lut)
    if cols:
        s_row, s_sent, s_start, s_end = cols
    else:
        s_row = s_sent = s_start = s_end = np.zeros(0, np.int64)
    ans = units.answered(ls.name, "span", done.marks(), versions)
    size = int(max(ans.unit.max(initial=0), s_sent.max(initial=0))) + 1
    done_all = _mask(ans.annotator, ans.unit, n_ann, size)
    sentence_ids = np.flatnonzero(done_all.any(axis=0))
    col_of = np.full(size, -1, dtype=np.int64)
    col_of[sentence_ids] = np.arange(len(sentence_ids))
    done_m = done_all[:, sentence_ids]

    if bounds is None:
        bounds = sentence_bounds(reads)
    b_ids, b_start, b_end = bounds
    pos = np.searchsorted(b_ids, sentence_ids)
    sent_start, sent_end = b_start[pos], b_end[pos]

    ok = done_all[s_row, s_sent]
    n_bad = int((~ok).sum())
    if n_bad:
        dropped.append(
            Dropped(n_bad, f"{plural(n_bad, 'span')} on sentences the annotator has not marked "
                    "done (not counted)")
        )
    col = col_of[s_sent[ok]]
    lo, hi = sent_start[col], sent_end[col]
    start = np.clip(s_start[ok], lo, hi)
    end = np.clip(s_end[ok], lo, hi)
    n_clip = int(((start != s_start[ok]) | (end != s_end[ok])).sum())
    if n_clip:
        notes.append(f"{plural(n_clip, 'span')} reaching outside their sentence clipped to it")
    unknown = [n for n in labels if n not in ls.names]
    if unknown:
        notes.append("labels not in the current scheme version kept: " + ", ".join(unknown))
    nonempty = end > start
    return SpanData(
        label_set=ls.name, annotators=names, labels=labels, done=done_m,
        sentence_ids=sentence_ids, sent_start=sent_start, sent_end=sent_end,
        span_annotator=s_row[ok][nonempty], span_sentence=col[nonempty],
        span_label=lab[ok][nonempty], span_start=start[nonempty], span_end=end[nonempty],
        dropped=dropped, notes=notes,
    )


def sentence_bounds(reads: ColumnReads) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, start, end) of every sentence, sorted by id."""
    ids, start, end = reads.sentence_bounds()
    return ids, start, end

def collapse(states: np.ndarray, weights: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical columns of a small-integer matrix (values 0..base-1), summing their
    weights: returns (distinct columns, weight of each). Uses a counting table when the number
    of possible columns is small, ``np.unique`` otherwise."""
    n_rows = states.shape[0]
    if states.shape[1] == 0:
        return states, np.zeros(0)
    if base**n_rows <= 2_000_000:
        code = np.zeros(states.shape[1], dtype=np.int64)
        for r in range(n_rows):
            code = code * base + states[r]
        w = np.bincount(code, weights=weights, minlength=base**n_rows)
        used = np.flatnonzero(w > 0)
        cols = np.zeros((n_rows, len(used)), dtype=np.int64)
        rest = used.copy()
        for r in range(n_rows - 1, -1, -1):
            cols[r] = rest % base
            rest //= base
        return cols, w[used]
    uniq, inverse = np.unique(states, axis=1, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=weights, minlength=uniq.shape[1])
    keep = w > 0
    return uniq[:, keep], w[keep]
