"""Span matching over the database, vectorised over every span: the pair counts of pairwise
precision/recall/F1 per label, and the character patterns of a character-level alpha per label.

Checked against ``annotator.core.spans`` (the per-pair rule) by the tests; services/agreement.py
turns these counts into coefficients with ``annotator.core.agreement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from annotator.services.agreement_load import SpanData, collapse

if TYPE_CHECKING:
    pass


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
    pat, w = collapse(states, weights, 3)
    matrix = np.where(pat == 0, np.nan, pat - 1).astype(float)
    return matrix, w, int(total_arr), len(cols)
