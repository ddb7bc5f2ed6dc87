"""Span helpers and span agreement, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.core.agreement import Undefined, krippendorff_alpha
from annotator.core.spans import (
    PRF,
    Sentence,
    Span,
    char_alpha,
    char_units,
    normalise_span,
    overlap_length,
    pairwise_span_prf,
    span_overlap,
    span_prf,
)


def test_overlap_length_half_open() -> None:
    assert overlap_length(0, 5, 5, 9) == 0  # touching spans share nothing
    assert overlap_length(0, 5, 4, 9) == 1
    assert overlap_length(2, 8, 0, 10) == 6  # nested
    assert overlap_length(0, 3, 7, 9) == 0
    assert span_overlap(Span("d1", 0, 5, "L"), Span("d2", 0, 5, "L")) == 0
    assert span_overlap(Span("d1", 0, 5, "L"), Span("d1", 3, 9, "M")) == 2


def test_span_rejects_reversed_offsets() -> None:
    with pytest.raises(ValueError, match="before its start"):
        Span("d", 5, 2, "L")


def test_normalise_trims_and_clips() -> None:
    text = "He said: « fraternité invincible », then left."
    start = text.index("«") - 2  # ": « ..."
    end = text.index("»") + 3  # "...» ,"
    got = normalise_span(text, start, end)
    assert got is not None
    s, e = got
    assert text[s:e] == "« fraternité invincible »"
    then = text.index("then")
    assert normalise_span(text, then - 1, 1000) == (then, len(text) - 1)  # clipped and trimmed
    assert normalise_span(text, len(text), len(text) + 5) is None  # starts past the end
    assert normalise_span(text, 7, 9) is None  # ": " only
    assert normalise_span("a\n.b;", 0, 5) == (0, 4)
    assert normalise_span("abc", 2, 2) is None


def test_exact_matching_counts_multisets() -> None:
    ref = [Span("d", 0, 5, "L"), Span("d", 0, 5, "L"), Span("d", 10, 12, "M")]
    pred = [Span("d", 0, 5, "L"), Span("d", 10, 12, "L"), Span("e", 10, 12, "M")]
    scores = span_prf(ref, pred, "exact")
    assert scores.per_label["L"] == PRF(matched=1, n_reference=2, n_predicted=2)
    assert scores.per_label["M"] == PRF(matched=0, n_reference=1, n_predicted=1)
    micro = scores.micro
    assert (micro.matched, micro.n_reference, micro.n_predicted) == (1, 3, 3)
    assert micro.precision == pytest.approx(1 / 3)
    assert micro.f1 == pytest.approx(1 / 3)


def test_overlap_matching_is_one_to_one() -> None:
    ref = [Span("d", 0, 10, "L"), Span("d", 12, 20, "L")]
    pred = [Span("d", 5, 15, "L")]  # overlaps both references, may match only one
    prf = span_prf(ref, pred, "overlap").per_label["L"]
    assert prf.matched == 1
    assert prf.precision == 1.0
    assert prf.recall == 0.5
    assert prf.f1 == pytest.approx(2 / 3)
    # Swapping the roles swaps precision and recall; F1 is symmetric.
    back = span_prf(pred, ref, "overlap").per_label["L"]
    assert (back.precision, back.recall, back.f1) == (0.5, 1.0, prf.f1)


def test_overlap_matching_is_maximal() -> None:
    """X overlaps A and B, Y only A: a greedy X→A leaves Y unmatched; the best pairing is X→B,
    Y→A, two matches."""
    ref = [Span("d", 0, 10, "A-L"), Span("d", 10, 20, "A-L")]
    pred = [Span("d", 0, 15, "A-L"), Span("d", 2, 5, "A-L")]
    assert span_prf(ref, pred, "overlap").per_label["A-L"].matched == 2


def test_overlap_needs_same_label_and_document() -> None:
    ref = [Span("d", 0, 10, "L")]
    pred = [Span("d", 0, 10, "M"), Span("e", 0, 10, "L")]
    scores = span_prf(ref, pred, "overlap")
    assert scores.per_label["L"].matched == 0
    assert scores.per_label["M"].matched == 0
    assert isinstance(scores.per_label["M"].recall, Undefined)
    assert scores.per_label["M"].f1 == 0.0


def test_prf_undefined_when_nobody_marked_anything() -> None:
    prf = PRF(0, 0, 0)
    assert isinstance(prf.precision, Undefined)
    assert isinstance(prf.recall, Undefined)
    assert isinstance(prf.f1, Undefined)
    with pytest.raises(ValueError, match="unknown matching mode"):
        span_prf([], [], "fuzzy")  # type: ignore[arg-type]


def test_pairwise_span_prf_keys() -> None:
    spans = {
        "ann": [Span("d", 0, 4, "L")],
        "bob": [Span("d", 0, 4, "L")],
        "cy": [Span("d", 1, 4, "L")],
    }
    pairs = pairwise_span_prf(spans, "exact")
    assert list(pairs) == [("ann", "bob"), ("ann", "cy"), ("bob", "cy")]
    assert pairs[("ann", "bob")].micro.f1 == 1.0
    assert pairs[("ann", "cy")].micro.f1 == 0.0
    assert pairwise_span_prf(spans, "overlap")[("ann", "cy")].micro.f1 == 1.0


# ---------------------------------------------------------------------------- character α
SENTENCES = [Sentence(1, "d", 0, 10), Sentence(2, "d", 11, 20), Sentence(3, "e", 0, 5)]


def test_char_alpha_partial_overlap_by_hand() -> None:
    """One 10-character sentence. ann marks [0, 6), bob [3, 9):
    ann 1111110000, bob 0001111110. Agreeing units: 3 with (1,1), 1 with (0,0); 6 disagree.
    o_11 = 6, o_00 = 2, o_01 = o_10 = 6; n_1 = 12, n_0 = 8, n = 20.
    α = 1 − (n − 1)(o_01 + o_10) / (2 n_0 n_1) = 1 − 19·12/192 = −0.1875."""
    spans = {"ann": [Span("d", 0, 6, "L")], "bob": [Span("d", 3, 9, "L")]}
    completed = {"ann": [1], "bob": [1]}
    out = char_alpha(SENTENCES, completed, spans)
    assert out["L"] == pytest.approx(-0.1875)
    # Identical spans agree perfectly; disjoint coverage is worse than partial overlap.
    same = char_alpha(SENTENCES, completed, {"ann": spans["ann"], "bob": spans["ann"]})
    assert same["L"] == 1.0
    apart = char_alpha(
        SENTENCES, completed, {"ann": [Span("d", 0, 3, "L")], "bob": [Span("d", 6, 9, "L")]}
    )
    assert apart["L"] < out["L"]


def test_char_alpha_units_are_sentences_both_completed() -> None:
    """Sentence 2 is completed by bob only, so bob's span there is not part of any unit."""
    spans = {
        "ann": [Span("d", 0, 6, "L")],
        "bob": [Span("d", 3, 9, "L"), Span("d", 12, 18, "L")],
    }
    completed = {"ann": [1, 3], "bob": [1, 2, 3]}
    units = char_units(SENTENCES, completed)
    assert units.n_units == 10 + 5
    out = char_alpha(SENTENCES, completed, spans)
    # Same as building the 2 x 15 matrix by hand: sentence 1 chars, then document e's 5 chars.
    ann = [1] * 6 + [0] * 4 + [0] * 5
    bob = [0] * 3 + [1] * 6 + [0] + [0] * 5
    assert out["L"] == pytest.approx(krippendorff_alpha(np.array([ann, bob], dtype=float)))


def test_char_alpha_missing_where_an_annotator_did_not_finish() -> None:
    """Three annotators: cy finished only sentence 2, so cy's values there count and are missing
    in sentence 1; a span crossing the sentence gap is clipped to the sentences."""
    spans = {
        "ann": [Span("d", 8, 14, "L")],  # crosses from sentence 1 into sentence 2
        "bob": [Span("d", 8, 14, "L")],
        "cy": [Span("d", 11, 14, "L"), Span("d", 0, 2, "M")],
    }
    completed = {"ann": [1, 2], "bob": [1, 2], "cy": [2]}
    out = char_alpha(SENTENCES, completed, spans)
    nan = np.nan
    s1 = [0] * 8 + [1, 1]
    s2 = [1, 1, 1] + [0] * 6
    m = np.array(
        [s1 + s2, s1 + s2, [nan] * 10 + [1, 1, 1] + [0] * 6],
        dtype=float,
    )
    assert out["L"] == pytest.approx(krippendorff_alpha(m))
    assert out["L"] == 1.0
    # cy's "M" lies in sentence 1, which cy did not finish: nobody has an M value there.
    assert isinstance(out["M"], Undefined)


def test_char_alpha_without_shared_sentences_is_undefined() -> None:
    out = char_alpha(
        SENTENCES, {"ann": [1], "bob": [2]}, {"ann": [Span("d", 0, 3, "L")]}, labels=["L", "X"]
    )
    assert set(out) == {"L", "X"}
    assert all(isinstance(v, Undefined) for v in out.values())


@pytest.mark.parametrize("seed", range(25))
def test_char_alpha_equals_naive_per_character_matrix(seed: int) -> None:
    """Random documents, sentences, completions and spans against a character-by-character
    construction of the same units."""
    rng = np.random.default_rng(seed)
    sentences: list[Sentence] = []
    sid = 0
    for doc in ("d", "e"):
        pos = 0
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.integers(1, 12))
            sentences.append(Sentence(sid, doc, pos, pos + length))
            sid += 1
            pos += length + int(rng.integers(0, 3))  # gaps between sentences
    annotators = ["a", "b", "c"][: int(rng.integers(2, 4))]
    completed = {
        a: [s.id for s in sentences if rng.random() < 0.8] for a in annotators
    }
    spans = {
        a: [
            Span(doc, int(st), int(st + rng.integers(1, 8)), str(rng.choice(["L", "M"])))
            for doc in ("d", "e")
            for st in rng.integers(0, 30, size=int(rng.integers(0, 4)))
        ]
        for a in annotators
    }
    got = char_alpha(sentences, completed, spans, labels=["L", "M"])
    for label in ("L", "M"):
        cols = []
        for s in sentences:
            if sum(s.id in completed[a] for a in annotators) < 2:
                continue
            for ch in range(s.start, s.end):
                col = []
                for a in annotators:
                    if s.id not in completed[a]:
                        col.append(np.nan)
                    else:
                        inside = any(
                            sp.doc == s.doc and sp.label == label and sp.start <= ch < sp.end
                            for sp in spans[a]
                        )
                        col.append(1.0 if inside else 0.0)
                cols.append(col)
        if not cols:
            assert isinstance(got[label], Undefined)
            continue
        expected = krippendorff_alpha(np.array(cols).T)
        if isinstance(expected, Undefined):
            assert isinstance(got[label], Undefined)
        else:
            assert got[label] == pytest.approx(expected)
