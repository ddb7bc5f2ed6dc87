"""core/uncertainty against SciPy: the bootstrap intervals (same draws, same numbers), the
chi-square statistic and Cramér's V, and the permutation p-value (Monte Carlo, so within a
tolerance of SciPy's own permutation test and, on a large table, of the asymptotic p)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.core.uncertainty import bootstrap_rates, chi2_statistic, group_difference

stats = pytest.importorskip("scipy.stats")


def ratio(num: np.ndarray, denom: np.ndarray, axis: int = -1) -> np.ndarray:
    return 100.0 * np.sum(num, axis=axis) / np.sum(denom, axis=axis)


@pytest.mark.parametrize("seed", [0, 7, 2026])
def test_bootstrap_interval_is_scipys_percentile_interval(seed: int) -> None:
    data = np.random.default_rng(100 + seed)
    n_docs = 5 + seed % 11
    denom = data.integers(3, 40, n_docs)
    num = np.column_stack([data.binomial(denom, p) for p in (0.05, 0.125, 0.4)])
    low, high = bootstrap_rates(num, denom, np.random.default_rng(seed), n_resamples=999)
    for j in range(num.shape[1]):
        ref = stats.bootstrap(
            (num[:, j], denom), ratio, paired=True, vectorized=True, n_resamples=999,
            method="percentile", confidence_level=0.95, rng=np.random.default_rng(seed),
        ).confidence_interval
        assert (low[j], high[j]) == (pytest.approx(ref.low, abs=1e-9),
                                     pytest.approx(ref.high, abs=1e-9))


def test_five_documents_give_a_wide_interval_and_one_document_none() -> None:
    # 12.5 per 100 sentences from five articles of 8 sentences: far from solid
    denom = np.array([8, 8, 8, 8, 8])
    num = np.array([[0], [3], [0], [2], [0]])
    low, high = bootstrap_rates(num, denom, np.random.default_rng(0))
    assert low[0] < 5.0 and high[0] > 25.0
    # 500 such articles: the interval narrows around the same rate
    big_low, big_high = bootstrap_rates(np.tile(num, (100, 1)), np.tile(denom, 100),
                                        np.random.default_rng(0))
    assert big_low[0] < 12.5 < big_high[0]
    assert big_high[0] - big_low[0] < (high[0] - low[0]) / 5
    one = bootstrap_rates(np.array([[3]]), np.array([8]), np.random.default_rng(0))
    assert np.isnan(one[0][0]) and np.isnan(one[1][0])


def test_bootstrap_coverage_of_a_known_rate() -> None:
    # documents of 20 sentences, each labelled with probability 0.1: the 95 % interval of the
    # rate should hold 10.0 in about 95 % of samples of 40 documents
    data = np.random.default_rng(5)
    hits = 0
    for i in range(200):
        denom = np.full(40, 20)
        num = data.binomial(20, 0.1, size=(40, 1))
        low, high = bootstrap_rates(num, denom, np.random.default_rng(i), n_resamples=400)
        hits += bool(low[0] <= 10.0 <= high[0])
    assert 0.88 <= hits / 200 <= 0.99


def test_chi_square_and_cramers_v_match_scipy() -> None:
    positives = np.array([12, 3, 7])
    sizes = np.array([20, 18, 9])
    table = np.column_stack([positives, sizes - positives])
    ref = stats.chi2_contingency(table, correction=False)
    d = group_difference(positives, sizes, np.random.default_rng(0), n_perm=2000)
    assert d.chi2 == pytest.approx(ref.statistic)
    assert d.cramers_v == pytest.approx(stats.contingency.association(table, method="cramer"))
    assert float(chi2_statistic(positives, sizes)) == pytest.approx(ref.statistic)


def test_permutation_p_matches_scipys_permutation_test() -> None:
    # documents of three outlets, 1 = uses the label
    groups = np.repeat([0, 1, 2], [8, 6, 5])
    used = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0])
    sizes = np.bincount(groups)
    positives = np.bincount(groups, weights=used).astype(int)

    def statistic(g: np.ndarray, axis: int = -1) -> np.ndarray:
        pos = np.stack([np.sum((g == k) * used, axis=axis) for k in range(3)], axis=-1)
        return chi2_statistic(pos, sizes)

    ref = stats.permutation_test(
        (groups,), statistic, permutation_type="pairings", vectorized=True, n_resamples=20_000,
        alternative="greater", rng=np.random.default_rng(1),
    )
    d = group_difference(positives, sizes, np.random.default_rng(2), n_perm=20_000)
    assert d.chi2 == pytest.approx(ref.statistic)
    assert d.p_value == pytest.approx(ref.pvalue, abs=0.015)


def test_permutation_p_near_asymptotic_on_a_large_table() -> None:
    positives = np.array([120, 90, 150])
    sizes = np.array([400, 380, 420])
    table = np.column_stack([positives, sizes - positives])
    ref = stats.chi2_contingency(table, correction=False)
    d = group_difference(positives, sizes, np.random.default_rng(3), n_perm=20_000)
    assert d.p_value == pytest.approx(ref.pvalue, abs=0.01)
    assert d.strength in {"negligible", "small"}


def test_no_variation_has_no_p_value() -> None:
    d = group_difference(np.array([0, 0]), np.array([3, 4]), np.random.default_rng(0))
    assert d.p_value is None and d.cramers_v == 0.0
    d = group_difference(np.array([3, 4]), np.array([3, 4]), np.random.default_rng(0))
    assert d.p_value is None


def test_one_draw_serves_several_denominators() -> None:
    """Two label sets coded on the same documents (each its own denominators) share one draw:
    each column is still exactly SciPy's interval for that column."""
    data = np.random.default_rng(9)
    denom_a, denom_b = data.integers(4, 30, 12), data.integers(1, 9, 12)
    num = np.column_stack([data.binomial(denom_a, 0.2), data.binomial(denom_b, 0.5)])
    low, high = bootstrap_rates(num, np.column_stack([denom_a, denom_b]),
                                np.random.default_rng(4), n_resamples=500)
    for j, denom in enumerate((denom_a, denom_b)):
        ref = stats.bootstrap((num[:, j], denom), ratio, paired=True, vectorized=True,
                              n_resamples=500, method="percentile",
                              rng=np.random.default_rng(4)).confidence_interval
        assert (low[j], high[j]) == (pytest.approx(ref.low), pytest.approx(ref.high))
