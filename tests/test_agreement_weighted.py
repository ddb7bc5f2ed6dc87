"""Unit weights: a matrix of distinct columns with their counts gives exactly what the expanded
matrix (each column repeated that many times) gives, for every coefficient.

``annotator agree`` over the database relies on this: 200,000 sentences x 3 annotators collapse
to a few hundred distinct columns, and every coefficient runs on those columns with their counts.
Weights of 0 drop a column (``np.repeat`` with 0 does the same to the expanded matrix).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import agreement as ag

SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def weighted_matrix(draw: st.DrawFn, *, max_cats: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A small annotators x units matrix of codes 1..q with NaN holes, and a weight per unit
    (0 to 4)."""
    n_ann = draw(st.integers(2, 4))
    n_units = draw(st.integers(1, 10))
    q = draw(st.integers(1, max_cats))
    cells = draw(st.lists(st.integers(1, q), min_size=n_ann * n_units,
                          max_size=n_ann * n_units))
    holes = draw(st.lists(st.booleans(), min_size=n_ann * n_units, max_size=n_ann * n_units))
    m = np.array(cells, dtype=float).reshape(n_ann, n_units)
    m[np.array(holes).reshape(m.shape) & (draw(st.integers(0, 2)) > 0)] = np.nan
    w = np.array(draw(st.lists(st.integers(0, 4), min_size=n_units, max_size=n_units)))
    return m, w


def same(got: ag.Coefficient, want: ag.Coefficient) -> None:
    if isinstance(want, ag.Undefined):
        assert got == want  # the same reason, too
    else:
        assert not isinstance(got, ag.Undefined), got
        assert got == pytest.approx(want, abs=1e-9)


@SETTINGS
@given(weighted_matrix(), st.sampled_from(ag.LEVELS))
def test_alpha(mw: tuple[np.ndarray, np.ndarray], level: str) -> None:
    m, w = mw
    expanded = np.repeat(m, w, axis=1)
    same(ag.krippendorff_alpha(m, level, unit_weights=w), ag.krippendorff_alpha(expanded, level))


@SETTINGS
@given(weighted_matrix(), st.sampled_from(ag.LEVELS), st.integers(0, 3))
def test_bootstrap_ci(mw: tuple[np.ndarray, np.ndarray], level: str, seed: int) -> None:
    """Same groups of interchangeable units, same sizes, same seeded draws: the same interval."""
    m, w = mw
    expanded = np.repeat(m, w, axis=1)
    got = ag.alpha_bootstrap_ci(m, level, n_boot=200, seed=seed, unit_weights=w)
    want = ag.alpha_bootstrap_ci(expanded, level, n_boot=200, seed=seed)
    if isinstance(want, ag.Undefined):
        assert got == want
    else:
        assert isinstance(got, ag.BootstrapCI), got
        assert got.n_used == want.n_used
        assert got.low == pytest.approx(want.low, abs=1e-9)
        assert got.high == pytest.approx(want.high, abs=1e-9)


@st.composite
def distance(draw: st.DrawFn, v: int = 5) -> np.ndarray:
    """A symmetric V x V distance, 0 on the diagonal and positive elsewhere."""
    upper = draw(st.lists(st.floats(0.05, 1.0), min_size=v * v, max_size=v * v))
    d = np.array(upper).reshape(v, v)
    d = np.triu(d, 1)
    return d + d.T


@SETTINGS
@given(weighted_matrix(), distance(), st.integers(0, 3))
def test_alpha_with_distance_and_its_ci(
    mw: tuple[np.ndarray, np.ndarray], delta: np.ndarray, seed: int
) -> None:
    m, w = mw
    codes = m - 1  # codes 0..q-1
    expanded = np.repeat(codes, w, axis=1)
    same(ag.alpha_with_distance(codes, delta, unit_weights=w),
         ag.alpha_with_distance(expanded, delta))
    got = ag.alpha_bootstrap_ci(codes, delta=delta, n_boot=100, seed=seed, unit_weights=w)
    want = ag.alpha_bootstrap_ci(expanded, delta=delta, n_boot=100, seed=seed)
    if isinstance(want, ag.Undefined):
        assert got == want
    else:
        assert isinstance(got, ag.BootstrapCI)
        assert (got.low, got.high) == pytest.approx((want.low, want.high), abs=1e-9)


@SETTINGS
@given(weighted_matrix())
def test_percent_fleiss_and_ac1(mw: tuple[np.ndarray, np.ndarray]) -> None:
    m, w = mw
    expanded = np.repeat(m, w, axis=1)
    same(ag.percent_agreement(m, unit_weights=w), ag.percent_agreement(expanded))
    same(ag.fleiss_kappa(m, unit_weights=w), ag.fleiss_kappa(expanded))
    same(ag.gwet_ac1(m, unit_weights=w), ag.gwet_ac1(expanded))
    same(ag.gwet_ac1(m, 6, unit_weights=w), ag.gwet_ac1(expanded, 6))
    counts, _ = ag.category_counts(m)
    big, _ = ag.category_counts(np.repeat(m, w, axis=1)) if w.sum() else (counts[:0], None)
    if big.shape[1] == counts.shape[1]:
        same(ag.fleiss_kappa_from_counts(counts, unit_weights=w), ag.fleiss_kappa_from_counts(big))
        same(ag.gwet_ac1_from_counts(counts, unit_weights=w), ag.gwet_ac1_from_counts(big))


@SETTINGS
@given(weighted_matrix(), st.sampled_from([None, "linear", "quadratic"]))
def test_cohen(mw: tuple[np.ndarray, np.ndarray], weights: str | None) -> None:
    m, w = mw
    expanded = np.repeat(m, w, axis=1)
    got = ag.pairwise_cohen(m, weights=weights, unit_weights=w)
    want = ag.pairwise_cohen(expanded, weights=weights)
    assert [(a, b, n) for a, b, n, _ in got] == [(a, b, n) for a, b, n, _ in want]
    for (*_, k_got), (*_, k_want) in zip(got, want, strict=True):
        same(k_got, k_want)
    same(ag.mean_pairwise_cohen(m, weights=weights, unit_weights=w),
         ag.mean_pairwise_cohen(expanded, weights=weights))
    same(ag.cohen_kappa(m[0], m[1], weights=weights, unit_weights=w),
         ag.cohen_kappa(expanded[0], expanded[1], weights=weights))
    t_got, c_got = ag.confusion_table(m[0], m[1], unit_weights=w)
    t_want, c_want = ag.confusion_table(expanded[0], expanded[1])
    np.testing.assert_array_equal(c_got, c_want)
    np.testing.assert_array_equal(t_got, t_want)


def test_collapsed_matrix_of_a_big_one() -> None:
    """The database case: many units, few distinct columns (np.unique over columns)."""
    rng = np.random.default_rng(4)
    truth = rng.integers(1, 5, 20_000)
    m = np.where(rng.random((3, 20_000)) < 0.7, truth, rng.integers(1, 5, (3, 20_000)))
    m = m.astype(float)
    m[rng.random(m.shape) < 0.1] = np.nan
    cols, counts = np.unique(np.nan_to_num(m, nan=-1.0), axis=1, return_counts=True)
    cols[cols == -1] = np.nan
    assert cols.shape[1] < 200
    for level in ag.LEVELS:
        assert ag.krippendorff_alpha(cols, level, unit_weights=counts) == pytest.approx(
            ag.krippendorff_alpha(m, level), abs=1e-12
        )
    for fn in (ag.percent_agreement, ag.fleiss_kappa, ag.gwet_ac1):
        assert fn(cols, unit_weights=counts) == pytest.approx(fn(m), abs=1e-12)
    got = ag.alpha_bootstrap_ci(cols, "nominal", n_boot=300, seed=5, unit_weights=counts)
    want = ag.alpha_bootstrap_ci(m, "nominal", n_boot=300, seed=5)
    assert isinstance(got, ag.BootstrapCI) and isinstance(want, ag.BootstrapCI)
    assert (got.low, got.high) == pytest.approx((want.low, want.high), abs=1e-12)


def test_weighted_bootstrap_without_grouping(monkeypatch: pytest.MonkeyPatch) -> None:
    """When units cannot be grouped, a replicate is a multinomial draw over the weighted
    columns: the interval is that of the grouped draw up to bootstrap noise."""
    rng = np.random.default_rng(8)
    m = rng.integers(1, 4, (3, 40)).astype(float)
    w = rng.integers(1, 30, 40)
    grouped = ag.alpha_bootstrap_ci(m, n_boot=3000, seed=2, unit_weights=w)
    monkeypatch.setattr(ag, "_group_units", lambda parts: None)
    per_column = ag.alpha_bootstrap_ci(m, n_boot=3000, seed=2, unit_weights=w)
    assert isinstance(grouped, ag.BootstrapCI) and isinstance(per_column, ag.BootstrapCI)
    assert per_column.low == pytest.approx(grouped.low, abs=0.02)
    assert per_column.high == pytest.approx(grouped.high, abs=0.02)


def test_bad_weights_are_refused() -> None:
    m = np.array([[1.0, 2.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="one weight per unit"):
        ag.krippendorff_alpha(m, unit_weights=[1.0])
    with pytest.raises(ValueError, match="not negative"):
        ag.percent_agreement(m, unit_weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="contingency table"):
        ag.cohen_kappa([[1, 0], [0, 1]], unit_weights=[1, 1])


# ------------------------------------------- moved from test_agree_db (agree_db's former copies)
def collapse(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct columns of ``m`` (NaN kept) and how many columns share each."""
    cols, counts = np.unique(np.nan_to_num(m, nan=-1.0), axis=1, return_counts=True)
    return np.where(cols == -1.0, np.nan, cols), counts


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_collapsed_alpha_equals_core(level: str) -> None:
    rng = np.random.default_rng(1)
    m = rng.integers(1, 5, (4, 300)).astype(float)
    m[rng.random(m.shape) < 0.3] = np.nan
    cols, counts = collapse(m)
    alpha = ag.krippendorff_alpha(cols, level, unit_weights=counts)
    assert alpha == pytest.approx(ag.krippendorff_alpha(m, level), abs=1e-9)
    ci = ag.alpha_bootstrap_ci(cols, level, n_boot=500, seed=3, unit_weights=counts)
    core = ag.alpha_bootstrap_ci(m, level, n_boot=500, seed=3)
    assert isinstance(core, ag.BootstrapCI) and isinstance(ci, ag.BootstrapCI)
    assert not isinstance(alpha, ag.Undefined)
    assert ci.low < alpha < ci.high
    assert ci.low == pytest.approx(core.low, abs=0.05) and ci.high == pytest.approx(core.high,
                                                                                   abs=0.05)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_weighted_alpha_matches_expansion(level: str) -> None:
    m = np.array([[0, 1, np.nan, 1, 2], [0, 1, 1, 0, 2], [np.nan, 1, 0, 1, 1]]) + 1
    w = np.array([3, 1, 2, 5, 4])
    expanded = np.repeat(m, w, axis=1)
    assert ag.krippendorff_alpha(m, level, unit_weights=w) == pytest.approx(
        ag.krippendorff_alpha(expanded, level)
    )


@pytest.mark.parametrize("seed", range(6))
def test_weighted_simple_equals_core_on_expanded_matrix(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_cat = [1, 2, 3, 5, 2, 4][seed]
    m = rng.integers(0, n_cat, (3, 40)).astype(float)
    m[rng.random(m.shape) < 0.35] = np.nan
    w = rng.integers(1, 6, 40)
    expanded = np.repeat(m, w, axis=1)
    for key, fn in (("percent_agreement", ag.percent_agreement),
                    ("fleiss_kappa", ag.fleiss_kappa), ("gwet_ac1", ag.gwet_ac1)):
        got = fn(m, unit_weights=w.astype(float))
        want = fn(expanded)
        if isinstance(want, ag.Undefined):
            assert isinstance(got, ag.Undefined), key
        else:
            assert got == pytest.approx(want), key


def test_weighted_simple_undefined_without_pairs() -> None:
    m = np.array([[0.0, np.nan], [np.nan, 1.0]])
    got = [fn(m, unit_weights=np.ones(2))
           for fn in (ag.percent_agreement, ag.fleiss_kappa, ag.gwet_ac1)]
    assert all(isinstance(v, ag.Undefined) for v in got)
    assert isinstance(ag.fleiss_kappa(m), ag.Undefined)
