"""Agreement over the database: which units count, the matrices, and the report.

``annotator agree`` without ``--table`` lands here. This module decides what a *unit* is for each
label set (a done sentence, a document, the characters of a sentence), reads everything it needs
in a few bulk queries (``Store.agreement_*``, run side by side in threads), builds numpy matrices
with lookup tables rather than per-unit Python loops, and computes the coefficients with
``annotator.core.agreement`` itself, so each coefficient (and each "undefined" reason) has one
implementation. Because a matrix of 200,000 sentences x 3 annotators has only a few hundred
distinct columns, the matrix is collapsed to those columns (``_collapse``) and the core functions
get their counts as ``unit_weights``, which gives exactly what the full matrix gives (the core's
tests check that). Span matching is vectorised here over every span of the database and checked
against ``annotator.core.spans``. It also says how many units were used and how many were
dropped, and why, so nothing is dropped silently.

Units:
- sentence sets: sentences marked done by two or more of the chosen annotators. "Done with no
  label" is an answer (the ``(none)`` category of a single-choice set, the empty set of a
  multi-label set); a sentence an annotator did not mark done is missing for that annotator.
- document sets: documents; a document counts for an annotator who labelled it in the set or
  marked its document panel done.
- span sets: pairwise precision/recall/F1 per label over the sentences both annotators marked
  done, and a character-level alpha per label whose units are the characters of sentences done
  by two or more annotators (value 1 inside a span of the label, 0 outside, missing for an
  annotator who did not mark the sentence done).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from annotator.core import units
from annotator.core.uncertainty import is_small_sample
from annotator.core.units import Marks, Versions

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme
    from annotator.store import Store

NONE_LABEL = "(none)"


# ------------------------------------------------------------------------------------ loading
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


def _plural(n: int, word: str) -> str:
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
                Dropped(n_bad, f"{_plural(n_bad, 'label')} on sentences the annotator has not "
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
            0, Dropped(n_single, f"{_plural(n_single, unit_word)} completed by only one annotator")
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
                f"{_plural(n_multi, 'extra label')} in this single-choice set (an annotator with "
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
                Dropped(n_none, f"{_plural(n_none, 'answer')} done without a label left out "
                        f"of the {ls.scale} statistics (no value on the scale)")
            )
        if n_off:
            dropped.append(
                Dropped(n_off, f"{_plural(n_off, 'answer')} with a label no longer in the "
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
            Dropped(n_bad, f"{_plural(n_bad, 'span')} on sentences the annotator has not marked "
                    "done (not counted)")
        )
    col = col_of[s_sent[ok]]
    lo, hi = sent_start[col], sent_end[col]
    start = np.clip(s_start[ok], lo, hi)
    end = np.clip(s_end[ok], lo, hi)
    n_clip = int(((start != s_start[ok]) | (end != s_end[ok])).sum())
    if n_clip:
        notes.append(f"{_plural(n_clip, 'span')} reaching outside their sentence clipped to it")
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


# ------------------------------------------------------------------------------- span maths
# Vectorised over every span of the database at once (annotator.core.spans has the same
# measures on plain span lists; the tests check both give the same numbers).


def _global_offsets(spans: SpanData, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lay the chosen sentences end to end: (base offset of each chosen column, total length)."""
    lengths = (spans.sent_end - spans.sent_start)[cols]
    base = np.zeros(len(spans.sentence_ids), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(cols) else np.zeros(0, np.int64)
    base[cols] = starts
    return base, np.asarray(int(lengths.sum()))


def _degree(
    q_label: np.ndarray, q_start: np.ndarray, q_end: np.ndarray,
    r_label: np.ndarray, r_start: np.ndarray, r_end: np.ndarray, width: int,
) -> np.ndarray:
    """For each query span: how many reference spans of the same label share a character.

    Positions are global (sentences laid end to end, ``width`` > every position), so spans only
    meet spans of their own sentence. Overlapping references are those starting before the
    query's end, minus those ending at or before its start (which all start before it too).
    """
    if not len(q_label) or not len(r_label):
        return np.zeros(len(q_label), dtype=np.int64)
    starts = np.sort(r_label * width + r_start)
    ends = np.sort(r_label * width + r_end)
    lo = q_label * width
    before_end = np.searchsorted(starts, lo + q_end, "left") - np.searchsorted(starts, lo, "left")
    ended = np.searchsorted(ends, lo + q_start, "right") - np.searchsorted(ends, lo, "right")
    degree: np.ndarray = (before_end - ended).astype(np.int64)
    return degree


@dataclass
class PairCounts:
    """Span matching counts of one pair of annotators for one label (or all labels)."""

    n_a: int
    n_b: int
    exact: int  # spans equal in sentence, start, end and label (as multisets)
    overlap: int  # size of a maximum one-to-one matching of overlapping spans


def span_pair_counts(
    spans: SpanData, a: int, b: int
) -> tuple[int, dict[int, PairCounts]]:
    """Per label: spans of each annotator and matches (exact and overlap) between a and b, over
    the sentences both marked done. Returns (sentences both completed, counts by label index).

    Matching follows ``annotator.core.spans.span_prf``: exact matches count as a multiset;
    overlap matches are one-to-one and maximal. When no span overlaps two spans of the other
    annotator (the usual case) the matching is just the overlapping pairs, counted vectorised;
    the rare sentences with chains of overlaps go through ``span_prf`` itself.
    """
    from annotator.core.spans import Span, span_prf

    both = spans.done[a] & spans.done[b]
    cols = np.flatnonzero(both)
    base, total = _global_offsets(spans, cols)
    width = int(total) + 2
    out: dict[int, PairCounts] = {}
    side: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for who in (a, b):
        m = (spans.span_annotator == who) & both[spans.span_sentence]
        c = spans.span_sentence[m]
        off = base[c] - spans.sent_start[c]
        side.append((spans.span_label[m], spans.span_start[m] + off, spans.span_end[m] + off, c))
    (la, sa, ea, ca), (lb, sb, eb, cb) = side
    n_lab = len(spans.labels)
    ka = (la * width + sa) * width + ea
    kb = (lb * width + sb) * width + eb
    ua, na = np.unique(ka, return_counts=True)
    ub, nb = np.unique(kb, return_counts=True)
    common, ia, ib = np.intersect1d(ua, ub, return_indices=True)
    exact = np.bincount(common // (width * width), weights=np.minimum(na[ia], nb[ib]),
                        minlength=n_lab)
    deg_a = _degree(la, sa, ea, lb, sb, eb, width)
    deg_b = _degree(lb, sb, eb, la, sa, ea, width)
    # (label, sentence) groups where some span meets two or more: exact matching needed.
    n_cols = len(spans.sentence_ids) + 1
    ga, gb = la * n_cols + ca, lb * n_cols + cb
    hard = np.unique(np.concatenate([ga[deg_a >= 2], gb[deg_b >= 2]]))
    easy_b = ~np.isin(gb, hard)
    overlap = np.bincount(lb[easy_b], weights=deg_b[easy_b], minlength=n_lab)
    for g in hard.tolist():
        ra = [Span(0, int(x), int(y), "x") for x, y in zip(sa[ga == g], ea[ga == g], strict=True)]
        rb = [Span(0, int(x), int(y), "x") for x, y in zip(sb[gb == g], eb[gb == g], strict=True)]
        overlap[g // n_cols] += span_prf(ra, rb, "overlap").per_label["x"].matched
    n_a = np.bincount(la, minlength=n_lab)
    n_b = np.bincount(lb, minlength=n_lab)
    for i in range(n_lab):
        out[i] = PairCounts(int(n_a[i]), int(n_b[i]), int(exact[i]), int(overlap[i]))
    return len(cols), out


def _collapse(states: np.ndarray, weights: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
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


def char_patterns(spans: SpanData, label: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Character-level reliability data for one label, compressed.

    Units are the characters of the sentences marked done by two or more annotators; an
    annotator's value is 1 inside one of their spans of the label, 0 outside, missing when they
    did not mark the sentence done. Characters outside every span of the label only depend on
    who completed their sentence, so they are counted per sentence; only the stretches between
    span boundaries are cut out. Identical columns are then merged: returns (matrix annotators
    x patterns with NaN, weight = characters per pattern, characters, sentences).
    """
    n_ann = len(spans.annotators)
    multi = spans.done.sum(axis=0) >= 2
    cols = np.flatnonzero(multi)
    if not len(cols) or not n_ann:
        return np.zeros((n_ann, 0)), np.zeros(0), 0, 0
    base, total_arr = _global_offsets(spans, cols)
    lengths = (spans.sent_end - spans.sent_start)[cols].astype(np.float64)
    s_begin = base[cols]
    done = spans.done[:, cols]
    state_parts = [done.astype(np.int64)]  # 0 missing, 1 outside, 2 inside
    base_w = lengths.copy()
    weight_parts: list[np.ndarray] = []
    m = (spans.span_label == label) & multi[spans.span_sentence]
    if m.any():
        c = spans.span_sentence[m]
        off = base[c] - spans.sent_start[c]
        g_start, g_end = spans.span_start[m] + off, spans.span_end[m] + off
        who = spans.span_annotator[m]
        points = np.unique(np.concatenate([g_start, g_end]))
        inside = np.zeros((n_ann, len(points) - 1), dtype=bool)
        for a in range(n_ann):
            mine = who == a
            if not mine.any():
                continue
            delta = np.bincount(np.searchsorted(points, g_start[mine]), minlength=len(points))
            delta -= np.bincount(np.searchsorted(points, g_end[mine]), minlength=len(points))
            inside[a] = np.cumsum(delta)[:-1] > 0
        covered = inside.any(axis=0)
        seg_start = points[:-1][covered]
        seg_len = np.diff(points)[covered].astype(np.float64)
        k = np.searchsorted(s_begin, seg_start, side="right") - 1  # sentence of each stretch
        base_w -= np.bincount(k, weights=seg_len, minlength=len(cols))
        state_parts.append(np.where(done[:, k], 1 + inside[:, covered], 0))
        weight_parts.append(seg_len)
    states = np.concatenate(state_parts, axis=1)
    weights = np.concatenate([base_w, *weight_parts])
    pat, w = _collapse(states, weights, 3)
    matrix = np.where(pat == 0, np.nan, pat - 1).astype(float)
    return matrix, w, int(total_arr), len(cols)


# ------------------------------------------------------------------------------ computation
def _coef(out: dict[str, Any], key: str, x: Any) -> None:
    """Store a coefficient as a float, or None with its reason under ``undefined``."""
    from annotator.core.agreement import Undefined

    if isinstance(x, Undefined):
        out[key] = None
        out.setdefault("undefined", {})[key] = x.reason
    else:
        out[key] = float(x)
        out.setdefault("undefined", {})


def _ci_json(ci: Any) -> tuple[dict[str, Any] | None, str | None]:
    from annotator.core.agreement import Undefined

    if isinstance(ci, Undefined):
        return None, ci.reason
    return ci.to_json(), None


def _bootstrap(
    values: np.ndarray, level: str, w: np.ndarray, n_boot: int, seed: int,
    delta: np.ndarray | None = None,
) -> Any:
    """The core's seeded bootstrap CI of α over the weighted distinct columns, or why not."""
    from annotator.core.agreement import Undefined, alpha_bootstrap_ci

    if n_boot <= 0:
        return Undefined("no bootstrap requested (--n-boot 0)")
    return alpha_bootstrap_ci(values, level, n_boot=n_boot, seed=seed, unit_weights=w,
                              delta=delta)


def _set_codes(um: UnitMatrix) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Multi-label answers as codes of distinct label sets (NaN = not answered)."""
    assert um.present is not None and um.answered is not None
    n_lab = um.present.shape[2]
    if n_lab <= 62:
        weights = (np.int64(1) << np.arange(n_lab, dtype=np.int64))
        mask = (um.present.astype(np.int64) * weights).sum(axis=2)
        distinct, inverse = np.unique(mask[um.answered], return_inverse=True)
        sets = [
            frozenset(um.labels[i] for i in range(n_lab) if (int(d) >> i) & 1) for d in distinct
        ]
    else:
        rows = um.present[um.answered]
        distinct_rows, inverse = np.unique(rows, axis=0, return_inverse=True)
        sets = [frozenset(um.labels[i] for i in np.flatnonzero(r)) for r in distinct_rows]
    codes = np.full(um.answered.shape, np.nan)
    codes[um.answered] = inverse.ravel()
    return codes, sets


def analyse_units(
    um: UnitMatrix,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    top: int = 10,
    kappa_distance: str = "positions",
    scale_values: np.ndarray | None = None,
) -> dict[str, Any]:
    """Every coefficient of a sentence or document set.

    On ordered scales the weighted Cohen's κ measures distances between the positions of the
    categories a pair used (``kappa_distance="positions"``, as R irr ``kappa2`` and scikit-learn
    do) or between their values on the scale (``"values"``: ``scale_values`` per code, NaN for
    none, needed for ordinal sets whose ``code_values`` are positions; interval and ratio sets
    use their ``code_values``)."""
    from annotator.core import agreement as ag

    names = um.annotators
    out: dict[str, Any] = {
        "label_set": um.label_set,
        "level": um.level,
        "scale": um.scale,
        "multiple": um.multiple,
        "unit": um.level,
        "annotators": names,
        "n_units": len(um.unit_ids),
        "units_dropped": [d.as_dict() for d in um.dropped],
        "notes": list(um.notes),
        "undefined": {},
    }
    if um.multiple:
        return _analyse_multi(um, out, n_boot=n_boot, seed=seed, top=top)

    values = um.values
    level = um.scale
    numeric = level != "nominal"
    present = ~np.isnan(values)
    m_u = present.sum(axis=0)
    out["n_values"] = int(m_u.sum())
    out["units_without_two_values"] = int((m_u < 2).sum())
    # Everything works on the distinct columns of the code matrix, weighted by their counts
    # (a few hundred columns for 200,000 sentences), which the core functions take as
    # unit_weights.
    n_codes = len(um.categories)
    shifted, w = _collapse((np.nan_to_num(um.codes, nan=-1.0) + 1).astype(np.int64),
                           np.ones(um.codes.shape[1]), n_codes + 1)
    pat = shifted - 1
    # The value each code stands for (NaN: no value at this scale).
    assert um.code_values is not None
    value_of = np.append(um.code_values, np.nan)
    pat_values = value_of[np.where(pat >= 0, pat, n_codes)]
    patf = np.where(pat >= 0, pat, np.nan).astype(np.float64)  # codes, NaN = no answer
    _coef(out, "percent_agreement", ag.percent_agreement(pat_values, unit_weights=w))
    _coef(out, "krippendorff_alpha", ag.krippendorff_alpha(pat_values, level, unit_weights=w))
    _coef(out, "fleiss_kappa", ag.fleiss_kappa(pat_values, unit_weights=w))
    _coef(out, "gwet_ac1", ag.gwet_ac1(pat_values, unit_weights=w))
    ci, why = _ci_json(_bootstrap(pat_values, level, w, n_boot, seed))
    out["alpha_ci95"] = ci
    if why:
        out["undefined"]["alpha_ci95"] = why
    # Pairs: Cohen (weighted for ordered scales), confusion matrix (over every answer, "(none)"
    # included).
    cats_present = np.unique(pat[pat >= 0]) if pat.size else np.zeros(0, np.int64)
    cat_names = [um.categories[i] for i in cats_present]
    cohen = ag.pairwise_cohen(pat_values, unit_weights=w)
    weighted = {}
    if numeric:
        out["kappa_distance"] = kappa_distance
        kappa_values = pat_values
        if kappa_distance == "values" and scale_values is not None:
            kappa_values = np.append(scale_values, np.nan)[np.where(pat >= 0, pat, n_codes)]
        weighted = {
            wt: ag.pairwise_cohen(kappa_values, weights=wt, distance=kappa_distance,
                                  unit_weights=w)
            for wt in ("linear", "quadratic")
        }
    all_codes = np.arange(n_codes, dtype=np.float64)
    pairs = []
    for i, (a, b, n_both, kappa) in enumerate(cohen):
        entry: dict[str, Any] = {"a": names[a], "b": names[b], "n_units": n_both,
                                 "undefined": {}}
        _coef(entry, "cohen_kappa", kappa)
        if numeric:
            _coef(entry, "cohen_kappa_linear", weighted["linear"][i][3])
            _coef(entry, "cohen_kappa_quadratic", weighted["quadratic"][i][3])
        table, _ = ag.confusion_table(patf[a], patf[b], all_codes, unit_weights=w)
        sub = table[np.ix_(cats_present, cats_present)]
        entry["confusion"] = {"categories": cat_names, "matrix": np.rint(sub).astype(int).tolist()}
        pairs.append(entry)
    out["pairs"] = pairs
    out["per_label"] = _per_label_binary(
        names, um.labels, patf,
        np.arange(len(um.labels))[None, :] == np.arange(n_codes)[:, None], w,
    )
    loo = [
        ag.krippendorff_alpha(np.delete(pat_values, a, axis=0), level, unit_weights=w)
        if len(names) > 2 else
        ag.Undefined("leaving one of two annotators out leaves nobody to agree with")
        for a in range(len(names))
    ]
    out["leave_one_out"] = _leave_one_out(names, loo)
    dis = ag.most_disagreed_units(um.codes if not numeric else values, "nominal"
                                  if not numeric else level, top=top)
    out["most_disagreement"] = [
        {
            "unit_id": int(um.unit_ids[u]),
            "disagreement": d,
            "answers": {
                names[a]: (None if np.isnan(um.codes[a, u]) else um.categories[int(um.codes[a, u])])
                for a in range(len(names))
            },
        }
        for u, d in dis
    ]
    return out


def _per_label_binary(
    names: list[str], labels: list[str], pat: np.ndarray, has: np.ndarray, w: np.ndarray
) -> list[dict[str, Any]]:
    """Per label, α and κ of its present/absent view: ``pat`` holds answer codes (NaN = no
    answer) of distinct columns weighted by ``w``; ``has[code, label]`` says whether an answer
    holds the label. κ is Cohen's for two annotators, else the mean of the defined pairwise κ
    (as ``core.agreement.per_label_agreement``)."""
    from annotator.core import agreement as ag

    out = []
    safe = np.nan_to_num(pat, nan=0.0).astype(np.int64)
    for li, label in enumerate(labels):
        view = np.where(np.isnan(pat), np.nan, has[safe, li].astype(np.float64))
        entry: dict[str, Any] = {"label": label, "undefined": {}}
        given = ~np.isnan(view)
        n_given = float((given * w).sum())
        n_present = float((np.nan_to_num(view) * w).sum())
        entry["prevalence"] = n_present / n_given if n_given else 0.0
        entry["n_present"] = round(n_present)
        _coef(entry, "krippendorff_alpha", ag.krippendorff_alpha(view, unit_weights=w))
        if len(names) == 2:
            kappa = ag.cohen_kappa(view[0], view[1], categories=[0.0, 1.0], unit_weights=w)
        else:
            kappa = ag.mean_pairwise_cohen(view, unit_weights=w)
        _coef(entry, "kappa", kappa)
        out.append(entry)
    return out


def _leave_one_out(
    names: list[str], alphas: list[Any], key: str = "krippendorff_alpha"
) -> list[dict[str, Any]]:
    rows = []
    for a, x in enumerate(alphas):
        entry: dict[str, Any] = {"left_out": names[a], "undefined": {}}
        _coef(entry, key, x)
        rows.append(entry)
    return rows


def _analyse_multi(
    um: UnitMatrix, out: dict[str, Any], *, n_boot: int, seed: int, top: int
) -> dict[str, Any]:
    """Multi-label set: set alphas (MASI, Jaccard), exact-set agreement, and per label a binary
    present/absent α and κ."""
    from annotator.core import agreement as ag

    assert um.present is not None and um.answered is not None
    names = um.annotators
    codes, sets = _set_codes(um)
    out["n_values"] = int(um.answered.sum())
    out["distinct_label_sets"] = len(sets)

    deltas = {
        d: np.array([[ag.SET_DISTANCES[d](x, y) for y in sets] for x in sets]).reshape(
            len(sets), len(sets)
        )
        for d in ("masi", "jaccard")
    }
    # Everything below works on the distinct columns of the set-code matrix (a few hundred
    # patterns for 200,000 sentences), each weighted by how many units share it.
    shifted, w = _collapse((np.nan_to_num(codes, nan=-1.0) + 1).astype(np.int64),
                           np.ones(codes.shape[1]), len(sets) + 1)
    pat = shifted - 1  # -1 = not answered
    patf = np.where(pat >= 0, pat, np.nan).astype(np.float64)
    # Exact-set agreement: each distinct set a nominal category.
    _coef(out, "percent_agreement", ag.percent_agreement(patf, unit_weights=w))
    _coef(out, "krippendorff_alpha_exact_sets", ag.krippendorff_alpha(patf, unit_weights=w))
    _coef(out, "fleiss_kappa_exact_sets", ag.fleiss_kappa(patf, unit_weights=w))
    _coef(out, "gwet_ac1_exact_sets", ag.gwet_ac1(patf, unit_weights=w))
    _coef(out, "masi_alpha", ag.alpha_with_distance(patf, deltas["masi"], unit_weights=w))
    _coef(out, "jaccard_alpha", ag.alpha_with_distance(patf, deltas["jaccard"], unit_weights=w))
    ci, why = _ci_json(_bootstrap(patf, "nominal", w, n_boot, seed, delta=deltas["masi"]))
    out["masi_alpha_ci95"] = ci
    if why:
        out["undefined"]["masi_alpha_ci95"] = why
    n_lab = len(um.labels)
    # has[c, l]: set code c holds label l; column n_lab: the empty set.
    has = np.zeros((max(len(sets), 1), n_lab + 1), dtype=bool)
    for c, st in enumerate(sets):
        for li, label in enumerate(um.labels):
            has[c, li] = label in st
        has[c, n_lab] = not st
    out["per_label"] = _per_label_binary(
        names, um.labels, np.where(pat >= 0, pat, np.nan).astype(np.float64), has, w
    )
    # Pairs: exact-set kappa and label co-occurrence (how often a's label meets b's).
    pairs = []
    for a, b, n_both, kappa in ag.pairwise_cohen(patf, unit_weights=w):
        both = (pat[a] >= 0) & (pat[b] >= 0)
        entry = {"a": names[a], "b": names[b], "n_units": n_both, "undefined": {}}
        _coef(entry, "cohen_kappa_exact_sets", kappa)
        ha = has[pat[a][both]].astype(np.float64) * w[both][:, None]
        hb = has[pat[b][both]].astype(np.float64)
        entry["confusion"] = {
            "categories": [*um.labels, NONE_LABEL],
            "matrix": np.rint(ha.T @ hb).astype(int).tolist(),
            "note": "units where a has the row label and b the column label",
        }
        pairs.append(entry)
    out["pairs"] = pairs
    loo = [
        ag.alpha_with_distance(np.delete(patf, a, axis=0), deltas["masi"], unit_weights=w)
        for a in range(len(names))
    ] if len(names) > 2 else [
        ag.Undefined("leaving one of two annotators out leaves nobody to agree with")
    ] * len(names)
    out["leave_one_out"] = _leave_one_out(names, loo, "masi_alpha")
    # Most disagreement: mean pairwise Jaccard distance between the answered sets.
    jd = deltas["jaccard"]
    full = np.nan_to_num(codes, nan=-1.0).astype(np.int64)
    dist = np.zeros(codes.shape[1])
    npairs = np.zeros(codes.shape[1])
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            bothu = (full[a] >= 0) & (full[b] >= 0)
            dist += np.where(bothu, jd[np.maximum(full[a], 0), np.maximum(full[b], 0)], 0.0)
            npairs += bothu
    score = np.where(npairs > 0, dist / np.maximum(npairs, 1), 0.0)
    order = np.argsort(-score, kind="stable")[:top]
    out["most_disagreement"] = [
        {
            "unit_id": int(um.unit_ids[u]),
            "disagreement": float(score[u]),
            "answers": {
                names[a]: (sorted(sets[int(full[a, u])]) if full[a, u] >= 0 else None)
                for a in range(len(names))
            },
        }
        for u in order
        if score[u] > 0
    ]
    return out


def _prf(entry: dict[str, Any], prefix: str, matched: int, n_a: int, n_b: int) -> None:
    """Precision (share of b's spans matched), recall (share of a's) and F1 = 2·matched/(n_a +
    n_b), as ``annotator.core.spans.PRF`` defines them, or undefined with the reason."""
    from annotator.core.agreement import Undefined

    p: Any = matched / n_b if n_b else Undefined(f"{entry['b']} marked no span")
    r: Any = matched / n_a if n_a else Undefined(f"{entry['a']} marked no span")
    if not n_a and not n_b:
        f: Any = Undefined("neither annotator marked a span on the sentences both completed")
    else:
        f = 2.0 * matched / (n_a + n_b)
    _coef(entry, f"{prefix}_precision", p)
    _coef(entry, f"{prefix}_recall", r)
    _coef(entry, f"{prefix}_f1", f)


def analyse_spans(sd: SpanData) -> dict[str, Any]:
    """Pairwise span P/R/F1 per label (exact and overlap) and character-level α per label."""
    from annotator.core.agreement import Undefined, krippendorff_alpha
    from annotator.core.spans import NO_SHARED_SENTENCE

    names = sd.annotators
    done_by = sd.done.sum(axis=0)
    out: dict[str, Any] = {
        "label_set": sd.label_set,
        "level": "span",
        "unit": "sentence",
        "annotators": names,
        "n_units": int((done_by >= 2).sum()),
        "n_spans": len(sd.span_label),
        "units_dropped": [d.as_dict() for d in sd.dropped],
        "notes": list(sd.notes),
        "undefined": {},
    }
    single = int((done_by == 1).sum())
    if single:
        out["units_dropped"].insert(
            0, Dropped(single, f"{_plural(single, 'sentence')} completed by only one annotator")
            .as_dict(),
        )
    pairs = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            n_sent, counts = span_pair_counts(sd, a, b)
            pair: dict[str, Any] = {"a": names[a], "b": names[b], "n_sentences": n_sent}
            rows = []
            tot = PairCounts(0, 0, 0, 0)
            for li, label in enumerate(sd.labels):
                c = counts[li]
                tot = PairCounts(tot.n_a + c.n_a, tot.n_b + c.n_b, tot.exact + c.exact,
                                 tot.overlap + c.overlap)
                e: dict[str, Any] = {"label": label, "a": names[a], "b": names[b],
                                     "n_a": c.n_a, "n_b": c.n_b, "undefined": {}}
                _prf(e, "exact", c.exact, c.n_a, c.n_b)
                _prf(e, "overlap", c.overlap, c.n_a, c.n_b)
                del e["a"], e["b"]
                rows.append(e)
            e = {"label": None, "a": names[a], "b": names[b], "n_a": tot.n_a, "n_b": tot.n_b,
                 "undefined": {}}
            _prf(e, "exact", tot.exact, tot.n_a, tot.n_b)
            _prf(e, "overlap", tot.overlap, tot.n_a, tot.n_b)
            del e["a"], e["b"], e["label"]
            pair["all_labels"] = e
            pair["per_label"] = rows
            pairs.append(pair)
    out["pairs"] = pairs
    per_label = []
    for li, label in enumerate(sd.labels):
        matrix, weights, n_chars, n_sent = char_patterns(sd, li)
        entry: dict[str, Any] = {"label": label, "n_characters": n_chars,
                                 "n_sentences": n_sent, "undefined": {}}
        if n_chars == 0:
            alpha: Any = Undefined(NO_SHARED_SENTENCE)
        elif not (sd.span_label == li).any():
            alpha = Undefined("nobody marked a span with this label")
        else:
            alpha = krippendorff_alpha(matrix, unit_weights=weights)
        _coef(entry, "char_alpha", alpha)
        per_label.append(entry)
    out["per_label"] = per_label
    return out


# ---------------------------------------------------------------------------------- the report
class PrefetchedReads:
    """The database's column reads (:class:`annotator.db.columnar.Columnar`), started at once
    in a few threads for a whole report.

    SQLite releases the GIL while it computes a ``group_concat``, so the reads of the done
    marks, the sentence bounds and each label set run side by side, each on its own connection
    opened and closed in its thread (connections are per thread). The loaders then take the
    prefetched result, or read directly when nothing was prefetched for them.
    """

    def __init__(
        self, store: Store, jobs: list[tuple[str, tuple[Any, ...]]], threads: int = 4
    ) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.path = store.path
        self.store = store
        self._owner = threading.get_ident()
        self.columnar = store.columnar
        self._futures: dict[tuple[str, tuple[Any, ...]], Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(threads, len(jobs))))
        for name, args in jobs:
            self._futures[(name, args)] = self._pool.submit(self._run, name, args)

    def _run(self, name: str, args: tuple[Any, ...]) -> Any:
        from annotator.store import Store

        with Store.open(self.path, create=False, readonly=True) as st:  # opened, closed here
            st.columnar.read_mode()
            return _call(st, name, args)

    def _get(self, name: str, *args: Any) -> Any:
        """The result of a read: ``name`` is a ``Columnar`` method, or ``part.method`` of
        another part of the store (e.g. ``progress.time``)."""
        fut = self._futures.pop((name, args), None)
        if fut is None and threading.get_ident() != self._owner:
            # another thread (the store's connection is not for it): on a pool connection
            fut = self._pool.submit(self._run, name, args)
        return fut.result() if fut is not None else _call(self.store, name, args)

    def done_marks(self, level: str) -> Marks:
        return cast(Marks, self._get("done_marks", level))

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        return self._get("labels", tuple(scheme_ids), label_set, level)

    def sentence_bounds(self) -> Any:
        return self._get("sentence_bounds")

    def latest_labels(self, *args: Any) -> Any:
        return self.columnar.latest_labels(*args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class ScopedReads:
    """Column reads restricted to some documents (``agree --shared-only``: the calibration set
    of a campaign): done marks and labels on units outside them are left out, as if those
    documents were not in the corpus."""

    def __init__(
        self,
        base: ColumnReads,
        sentence_documents: tuple[np.ndarray, np.ndarray],
        documents: Collection[int],
    ) -> None:
        ids, docs = sentence_documents
        self.base = base
        self.documents = np.array(sorted(int(d) for d in documents), dtype=np.int64)
        self.sentences = np.asarray(ids)[np.isin(docs, self.documents)]

    def _allowed(self, level: str) -> np.ndarray:
        return self.documents if units.UNIT_LEVEL[level] == "document" else self.sentences

    def done_marks(self, level: str) -> Marks:
        marks = self.base.done_marks(level)
        return marks.select(np.isin(marks.unit, self._allowed(level)))

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        allowed = self._allowed(level)
        out = {}
        for label, cols in self.base.labels(scheme_ids, label_set, level).items():
            keep = np.isin(cols[1], allowed)
            if keep.any():
                out[label] = tuple(np.asarray(c)[keep] for c in cols)
        return out

    def latest_labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        allowed = set(self._allowed(level).tolist())
        return [r for r in self.base.latest_labels(scheme_ids, label_set, level)
                if r[1] in allowed]

    def sentence_bounds(self) -> Any:
        return self.base.sentence_bounds()


def _call(store: Store, name: str, args: tuple[Any, ...]) -> Any:
    part, _, method = name.rpartition(".")
    return getattr(getattr(store, part or "columnar"), method)(*args)


class ReadOnce:
    """Every current label of a scheme (``Columnar.current_labels``, with span offsets) and the
    done marks, read once and served to every caller that needs them: the report hands the
    same reads to its own tables, the units rule and :func:`agreement_report`, instead of
    reading the database three times.

    The reads run in threads on their own connections (:class:`PrefetchedReads`), with the
    caller's other ``jobs``; :meth:`get` collects one. ``sets``: read only these (label set,
    level) pairs, one query each (review); default: every label of the scheme, one query per
    version. ``bounds``: also read the sentence bounds (span agreement needs them)."""

    def __init__(
        self,
        store: Store,
        versions: Versions,
        jobs: Sequence[tuple[str, tuple[Any, ...]]] = (),
        *,
        sets: Sequence[tuple[str, str]] | None = None,
        bounds: bool = True,
    ) -> None:
        self.store = store
        self.columnar = store.columnar
        scheme_ids = tuple(versions.sets)
        self.scheme_ids = scheme_ids
        self._read = frozenset(scheme_ids)
        self._cache: dict[tuple[str, tuple[Any, ...]], Any] = {}
        self._prefetch: PrefetchedReads | None = None
        self._groups: list[Any] | None = None
        self._parts: list[tuple[Any, ...]]
        if store.path == ":memory:":
            wanted: Sequence[tuple[str | None, str | None]] = sets or [(None, None)]
            self._parts = [(scheme_ids, True, level, name) for name, level in wanted]
            return
        if sets is None:  # each version's sets, one query each, so that they are read side by side
            self._parts = [
                ((sid,), True, None, name)
                for sid in scheme_ids
                for name in store.columnar.label_sets_used(sid)
            ]
        else:
            self._parts = [(scheme_ids, True, level, name) for name, level in sets]
        base: list[tuple[str, tuple[Any, ...]]] = [
            ("done_marks", ("sentence",)), ("done_marks", ("document",)),
            ("sentence_documents", ()),
        ]
        if bounds:
            base.append(("sentence_bounds", ()))
        # the labels first (the callers wait for them), the caller's own reads last
        labels = [("current_labels", part) for part in self._parts]
        self._prefetch = PrefetchedReads(store, [*labels, *base, *jobs], threads=2)

    @property
    def groups(self) -> list[Any]:
        """Every label group read (waits for them)."""
        if self._groups is None:
            self._groups = [g for part in self._parts for g in self.get("current_labels", *part)]
        return self._groups

    def set_groups(self, label_set: str, level: str) -> list[Any]:
        """The groups of one (label set, level) read with ``sets`` (waits for those only)."""
        for part in self._parts:
            if tuple(part[2:]) == (level, label_set):
                return list(self.get("current_labels", *part))
        return [g for g in self.groups if g.label_set == label_set and g.level == level]

    def get(self, name: str, *args: Any) -> Any:
        """A read's result (see :meth:`PrefetchedReads._get`), kept for the next caller."""
        key = (name, args)
        if key not in self._cache:
            self._cache[key] = (
                self._prefetch._get(name, *args) if self._prefetch is not None
                else _call(self.store, name, args)
            )
        return self._cache[key]

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.close()

    def done_marks(self, level: str) -> Marks:
        return cast(Marks, self.get("done_marks", units.UNIT_LEVEL[level]))

    def sentence_documents(self) -> tuple[Any, Any]:
        return cast(tuple[Any, Any], self.get("sentence_documents"))

    def labels(
        self, scheme_ids: tuple[int, ...], label_set: str, level: str
    ) -> dict[str, tuple[Any, ...]]:
        """What ``Columnar.labels`` returns, cut from the groups read (scheme versions outside
        those read are read from the database)."""
        missing = tuple(i for i in scheme_ids if i not in self._read)
        parts: dict[str, list[tuple[Any, ...]]] = {}
        for g in self.groups:  # in the order read: by version, then index order
            if g.label_set == label_set and g.level == level and g.scheme_id in scheme_ids:
                cols = (g.annotator, g.unit, g.start, g.end) if level == "span" else (
                    g.annotator, g.unit)
                parts.setdefault(g.label, []).append(cols)
        if missing:
            for label, cols in self.columnar.labels(missing, label_set, level).items():
                parts.setdefault(label, []).append(cols)
        return {
            label: tuple(np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0])))
            for label, chunks in parts.items()
        }

    def latest_labels(self, *args: Any) -> Any:
        if self._prefetch is not None:
            return self._prefetch._get("latest_labels", *args)
        return self.columnar.latest_labels(*args)

    def sentence_bounds(self) -> Any:
        return self.get("sentence_bounds")


def _keep_active_units(um: UnitMatrix, requested: list[str] | None) -> UnitMatrix:
    """Drop annotators with no answer in this set (saying so if they were asked for)."""
    if um.n_answers is None:
        return um
    active = np.asarray(um.n_answers > 0)
    if active.all():
        return um
    flags = active.tolist()
    gone = [n for n, a in zip(um.annotators, flags, strict=True) if not a]
    asked = [g for g in gone if requested and g in requested]
    if asked:
        um.notes.append("no answer in this set from " + ", ".join(asked))
    um.annotators = [n for n, a in zip(um.annotators, flags, strict=True) if a]
    um.codes, um.values = um.codes[active], um.values[active]
    um.n_answers = um.n_answers[active]
    if um.present is not None and um.answered is not None:
        um.present, um.answered = um.present[active], um.answered[active]
    return um


def _keep_active_spans(sd: SpanData, requested: list[str] | None) -> SpanData:
    active = np.asarray(sd.done.any(axis=1))
    if active.all():
        return sd
    flags = active.tolist()
    gone = [n for n, a in zip(sd.annotators, flags, strict=True) if not a]
    asked = [g for g in gone if requested and g in requested]
    if asked:
        sd.notes.append("no answer in this set from " + ", ".join(asked))
    remap = np.cumsum(active) - 1
    sd.annotators = [n for n, a in zip(sd.annotators, flags, strict=True) if a]
    sd.done = sd.done[active]
    sd.span_annotator = remap[sd.span_annotator]
    return sd


def scheme_versions(store: Store, scheme: str | None) -> tuple[Scheme, Versions]:
    """The scheme agreement is about (the only stored one when ``scheme`` is None) and the
    label sets of its stored versions."""
    if scheme is None:
        # Name the only scheme here: load_scheme(None) would count every annotation to list them.
        stored = store.schemes.names()
        scheme = stored[0] if len(stored) == 1 else None
    _, sch = store.schemes.load(scheme)
    return sch, store.schemes.label_sets_by_version(sch.name)


def agreement_report(
    store: Store,
    scheme: str | None = None,
    label_set: str | None = None,
    annotators: list[str] | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    top: int = 10,
    kappa_distance: str = "positions",
    documents: Collection[int] | None = None,
    reads: ColumnReads | None = None,
) -> dict[str, Any]:
    """The whole agreement report of a database as a JSON-ready dict (see README, Agreement).

    Every annotator is considered (or those named); per label set, only those who answered it
    appear. ``documents``: only units of these documents (``--shared-only``, the calibration
    set). ``reads``: the column reads, when the caller has them already (:class:`ReadOnce`).
    """
    from annotator.store import StoreError

    sch, versions = scheme_versions(store, scheme)
    known = [(a.id, a.name) for a in store.schemes.annotators()]
    if annotators:
        by_name = {n: i for i, n in known}
        missing = [n for n in annotators if n not in by_name]
        if missing:
            raise StoreError(
                f"no annotator named {', '.join(missing)} in {store.path} "
                f"(annotators: {', '.join(n for _, n in known) or 'none'})"
            )
        chosen = [(by_name[n], n) for n in dict.fromkeys(annotators)]
    else:
        chosen = known
    if label_set is not None:
        ls = sch.label_set(label_set)
        if ls is None:
            raise StoreError(
                f"scheme {sch.name!r} has no label set {label_set!r} "
                f"(sets: {', '.join(s.name for s in sch.label_sets)})"
            )
        sets = [ls]
    else:
        sets = list(sch.label_sets)
    report: dict[str, Any] = {
        "scheme": sch.name,
        "scheme_version": sch.version,
        "annotators": [],
        "bootstrap": {"n_boot": n_boot, "seed": seed, "confidence": 0.95},
        "label_sets": [],
    }
    tids = tuple(versions.sets)
    jobs: list[tuple[str, tuple[Any, ...]]] = [
        ("labels", (tids, ls.name, ls.level)) for ls in sets
    ]
    if any(ls.level != "document" for ls in sets):
        jobs.insert(0, ("done_marks", ("sentence",)))
    if any(ls.level == "span" for ls in sets):
        jobs.insert(1, ("sentence_bounds", ()))
    if any(ls.level == "document" for ls in sets):
        jobs.append(("done_marks", ("document",)))
    own = reads is None
    if reads is None:
        reads = store.columnar
        if store.path != ":memory:" and len(sets) > 1:
            reads = PrefetchedReads(store, jobs)
    prefetched = reads if own else None
    if documents is not None:
        report["shared_only"] = {"documents": len(documents)}
        reads = ScopedReads(reads, store.columnar.sentence_documents(), documents)
    try:
        _analyse_sets(report, reads, versions, sets, chosen, annotators, n_boot, seed, top,
                      kappa_distance)
    finally:
        if isinstance(prefetched, PrefetchedReads):
            prefetched.close()
    _attach_texts(store, report)
    if any(ls.attributes for ls in sets):  # statements with actors, targets... (issue 18)
        from annotator.services.attribute_agreement import attribute_agreement

        report["attributes"] = attribute_agreement(store, sch, sets, chosen, documents=documents)
    return report


def _analyse_sets(
    report: dict[str, Any],
    reads: ColumnReads,
    versions: Versions,
    sets: list[LabelSet],
    chosen: list[tuple[int, str]],
    annotators: list[str] | None,
    n_boot: int,
    seed: int,
    top: int,
    kappa_distance: str = "positions",
) -> None:
    bounds = None
    done = done_sentences(reads, chosen) if chosen and any(
        ls.level != "document" for ls in sets) else None
    seen: set[str] = set()
    for ls in sets:
        entry: dict[str, Any]
        if ls.level == "span":
            if bounds is None:
                bounds = sentence_bounds(reads)
            sd = load_spans(reads, versions, ls, chosen, bounds, done)
            sd = _keep_active_spans(sd, annotators)
            names, entry = sd.annotators, (analyse_spans(sd) if len(sd.annotators) >= 2 else {})
            dropped, notes = sd.dropped, sd.notes
        else:
            um = _keep_active_units(load_units(reads, versions, ls, chosen, done), annotators)
            names = um.annotators
            entry = (analyse_units(um, n_boot=n_boot, seed=seed, top=top,
                                   kappa_distance=kappa_distance,
                                   scale_values=_scale_values(ls, um))
                     if len(um.annotators) >= 2 else {})
            dropped, notes = um.dropped, um.notes
        seen.update(names)
        if not entry:
            entry = {
                "label_set": ls.name, "level": ls.level, "scale": ls.scale,
                "multiple": ls.multiple, "annotators": names, "n_units": 0,
                "units_dropped": [d.as_dict() for d in dropped],
                "notes": [*notes, "agreement needs answers from two or more annotators; "
                          + ("only " + ", ".join(names) if names else "nobody")
                          + " answered this set"],
                "undefined": {},
            }
        # what the text output's small-sample warning says, for scripts (docs/agreement.md)
        pairable = entry["n_units"] - (entry.get("units_without_two_values") or 0)
        entry["pairable_units"] = pairable
        entry["small_sample"] = is_small_sample(pairable)
        report["label_sets"].append(entry)
    report["annotators"] = sorted(seen)


def _scale_values(ls: LabelSet, um: UnitMatrix) -> np.ndarray | None:
    """The value on the scale of each category code of an ordinal set (NaN: none, or a label no
    longer in the scheme), for weighted κ over values; ``None`` for other sets."""
    if ls.scale != "ordinal" or um.multiple:
        return None
    return np.array([v if (v := ls.value_of(n)) is not None else np.nan for n in um.labels]
                    + [np.nan])


def _attach_texts(store: Store, report: dict[str, Any]) -> None:
    """Document title and sentence text for the few units listed for adjudication."""
    sent_ids: set[int] = set()
    doc_ids: set[int] = set()
    for s in report["label_sets"]:
        for u in s.get("most_disagreement", []):
            (sent_ids if s["level"] == "sentence" else doc_ids).add(u["unit_id"])
    sents, docs = store.corpus.unit_texts(sorted(sent_ids), sorted(doc_ids))
    for s in report["label_sets"]:
        for u in s.get("most_disagreement", []):
            if s["level"] == "sentence":
                did, title, text, idx, n = sents.get(u["unit_id"], (None, None, "", -1, 0))
                u["document_id"], u["title"], u["text"] = did, title, text
                u["sentence_idx"], u["n_sentences"] = idx, n
            else:
                u["document_id"], u["title"] = u["unit_id"], docs.get(u["unit_id"])
