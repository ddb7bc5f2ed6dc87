"""Property tests: our coefficients against the reference implementations (krippendorff, NLTK,
statsmodels) on random tables with missing values, plus undefined cases and internal paths."""

from __future__ import annotations

import json
import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nltk.metrics import agreement as nltk_agreement
from nltk.metrics import distance as nltk_distance
from statsmodels.stats import inter_rater

from annotator.core import agreement as ag
from tests.test_agreement_published import EXAMPLE_C

SETTINGS = settings(max_examples=120, deadline=None)


@st.composite
def reliability(draw: st.DrawFn, *, missing: bool = True, min_value: int = 1) -> np.ndarray:
    """A small annotators x units matrix of integer codes with NaN holes."""
    n_ann = draw(st.integers(2, 5))
    n_units = draw(st.integers(2, 14))
    n_cats = draw(st.integers(2, 5))
    cells = draw(
        st.lists(
            st.integers(min_value, min_value + n_cats - 1),
            min_size=n_ann * n_units,
            max_size=n_ann * n_units,
        )
    )
    m = np.array(cells, dtype=float).reshape(n_ann, n_units)
    if missing:
        holes = draw(
            st.lists(st.booleans(), min_size=m.size, max_size=m.size).map(
                lambda b: np.array(b).reshape(m.shape)
            )
        )
        p = draw(st.sampled_from([0.0, 0.2, 0.4]))
        m[holes & (np.arange(m.size).reshape(m.shape) % 5 < p * 5)] = np.nan
    return m


def pairable_values(m: np.ndarray) -> np.ndarray:
    keep = (~np.isnan(m)).sum(axis=0) >= 2
    sub = m[:, keep]
    return sub[~np.isnan(sub)]


def alpha_is_defined(m: np.ndarray) -> bool:
    return len(np.unique(pairable_values(m))) >= 2


def nltk_triples(m: np.ndarray) -> list[tuple[str, str, float]]:
    return [
        (f"c{a}", f"u{u}", float(m[a, u]))
        for a in range(m.shape[0])
        for u in range(m.shape[1])
        if not np.isnan(m[a, u])
    ]


# --------------------------------------------------------------------- Krippendorff's α
@SETTINGS
@given(reliability(), st.sampled_from(ag.LEVELS))
def test_alpha_matches_krippendorff_package(m: np.ndarray, level: str) -> None:
    assume(alpha_is_defined(m))
    ours = ag.krippendorff_alpha(m, level)
    theirs = krippendorff.alpha(m, level_of_measurement=level)
    assert not isinstance(ours, ag.Undefined)
    assert ours == pytest.approx(theirs, abs=1e-9)


@SETTINGS
@given(reliability())
def test_alpha_matches_nltk_nominal_and_interval(m: np.ndarray) -> None:
    assume(alpha_is_defined(m))
    task = nltk_agreement.AnnotationTask(data=nltk_triples(m))
    assert ag.krippendorff_alpha(m, "nominal") == pytest.approx(task.alpha(), abs=1e-9)
    task_i = nltk_agreement.AnnotationTask(
        data=nltk_triples(m), distance=nltk_distance.interval_distance
    )
    assert ag.krippendorff_alpha(m, "interval") == pytest.approx(task_i.alpha(), abs=1e-9)


@SETTINGS
@given(reliability())
def test_coincidence_matrix_matches_definition(m: np.ndarray) -> None:
    """o_ck = Σ_u (number of ordered c-k pairs of different annotators) / (m_u − 1)."""
    o, cats = ag.coincidence_matrix(m)
    expected = np.zeros_like(o)
    for u in range(m.shape[1]):
        vals = m[:, u][~np.isnan(m[:, u])]
        if len(vals) < 2:
            continue
        for i, x in enumerate(vals):
            for j, y in enumerate(vals):
                if i != j:
                    expected[np.searchsorted(cats, x), np.searchsorted(cats, y)] += 1 / (
                        len(vals) - 1
                    )
    np.testing.assert_allclose(o, expected, atol=1e-12)
    # α from the coincidence matrix and the metric equals the fast path.
    if alpha_is_defined(m):
        for level in ag.LEVELS:
            n_c = o.sum(axis=1)
            delta = ag.distance_matrix(cats, level, n_c)
            n = n_c.sum()
            alpha = 1 - (n - 1) * (o * delta).sum() / (n_c @ delta @ n_c)
            assert ag.krippendorff_alpha(m, level) == pytest.approx(alpha, abs=1e-9)


def test_alpha_with_continuous_values_and_many_categories() -> None:
    rng = np.random.default_rng(5)
    m = rng.normal(10, 3, size=(4, 60)).round(3)
    m[rng.random(m.shape) < 0.2] = np.nan
    for level in ag.LEVELS:
        assert ag.krippendorff_alpha(m, level) == pytest.approx(
            krippendorff.alpha(m, level_of_measurement=level), abs=1e-9
        )


def test_dense_and_pairwise_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    m = rng.integers(0, 4, size=(6, 500)).astype(float)
    m[rng.random(m.shape) < 0.3] = np.nan
    dense = {level: ag.krippendorff_alpha(m, level) for level in ag.LEVELS}
    parts_dense = ag._alpha_parts(m, "nominal")
    monkeypatch.setattr(ag, "_DENSE_CELLS", 0)
    parts_sparse = ag._alpha_parts(m, "nominal")
    assert parts_sparse.features is None
    for level in ag.LEVELS:
        assert ag.krippendorff_alpha(m, level) == pytest.approx(dense[level], abs=1e-12)
    w = rng.integers(0, 3, size=parts_dense.d.size).astype(float)
    assert parts_sparse.alpha(w) == pytest.approx(parts_dense.alpha(w), abs=1e-12)


# ------------------------------------------------------------------ Cohen, Fleiss, pairwise
@SETTINGS
@given(reliability(missing=False, min_value=0))
def test_kappa_and_fleiss_match_nltk(m: np.ndarray) -> None:
    task = nltk_agreement.AnnotationTask(data=nltk_triples(m))
    pairs = ag.pairwise_cohen(m)
    assume(all(not isinstance(k, ag.Undefined) for *_, k in pairs))
    assume(not isinstance(ag.fleiss_kappa(m), ag.Undefined))
    # NLTK's `kappa` is the average of the pairwise Cohen's κ.
    assert ag.mean_pairwise_cohen(m) == pytest.approx(task.kappa(), abs=1e-9)
    # NLTK's `pi` (multi-π, Siegel & Castellan's K) is Fleiss' κ on complete data. NLTK's
    # `multi_kappa` is Davies & Fleiss (per-coder marginals), a different coefficient.
    assert ag.fleiss_kappa(m) == pytest.approx(task.pi(), abs=1e-9)
    # Observed agreement is the same average over coder pairs.
    assert ag.percent_agreement(m) == pytest.approx(task.avg_Ao(), abs=1e-9)


@SETTINGS
@given(reliability(missing=False))
def test_fleiss_matches_statsmodels(m: np.ndarray) -> None:
    table, _ = inter_rater.aggregate_raters(m.T.astype(int))
    ours = ag.fleiss_kappa(m)
    assume(not isinstance(ours, ag.Undefined))
    assert ours == pytest.approx(inter_rater.fleiss_kappa(table, method="fleiss"), abs=1e-9)
    assert ag.fleiss_kappa_from_counts(table) == pytest.approx(ours, abs=1e-12)


@SETTINGS
@given(
    st.integers(2, 5).flatmap(
        lambda k: st.lists(
            st.lists(st.integers(0, 12), min_size=k, max_size=k), min_size=k, max_size=k
        )
    ),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_matches_statsmodels(table: list[list[int]], weights: str | None) -> None:
    t = np.array(table, dtype=float)
    ours = ag.cohen_kappa(t, weights=weights)
    assume(not isinstance(ours, ag.Undefined))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = inter_rater.cohens_kappa(t, wt=weights).kappa
    assume(math.isfinite(theirs))
    assert ours == pytest.approx(theirs, abs=1e-9)


@SETTINGS
@given(reliability(), st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_vectors_equal_cohen_of_their_table(m: np.ndarray, weights: str | None) -> None:
    cats = np.unique(m[~np.isnan(m)])
    table, _ = ag.confusion_matrix(m, 0, 1)
    from_vectors = ag.cohen_kappa(m[0], m[1], weights=weights, categories=cats)
    if len(cats) and np.all(np.diff(cats) == 1):  # evenly spaced: positions = values
        from_table = ag.cohen_kappa(table, weights=weights)
        assert type(from_vectors) is type(from_table)
        if not isinstance(from_table, ag.Undefined):
            assert from_vectors == pytest.approx(from_table, abs=1e-12)
    both = ~np.isnan(m[0]) & ~np.isnan(m[1])
    assert table.sum() == both.sum()


def test_cohen_weights_use_values_when_asked() -> None:
    """Vectors with values 1, 2, 5 and ``distance="values"``: a 2-vs-5 disagreement weighs more
    than 1-vs-2."""
    a = [1, 2, 5, 1, 2, 5, 1]
    b = [2, 2, 5, 1, 5, 5, 1]
    table, cats = ag.confusion_table(a, b)
    assert list(cats) == [1, 2, 5]
    w = 1 - np.abs(cats[:, None] - cats[None, :]) / 4
    p = table / table.sum()
    po = (w * p).sum()
    pe = p.sum(axis=1) @ w @ p.sum(axis=0)
    assert ag.cohen_kappa(a, b, weights="linear", distance="values") == pytest.approx(
        (po - pe) / (1 - pe)
    )


def test_cohen_weights_default_to_category_positions() -> None:
    """By default weighted κ uses the positions 0..k−1 of the ordered categories, as R's irr
    ``kappa2(weight="equal")`` and scikit-learn's ``cohen_kappa_score(weights="linear")`` do:
    with values 1, 2, 5 a 1-vs-2 and a 2-vs-5 disagreement weigh the same."""
    a = [1, 2, 5, 1, 2, 5, 1]
    b = [2, 2, 5, 1, 5, 5, 1]
    table, _ = ag.confusion_table(a, b)
    for weights in ("linear", "quadratic"):
        assert ag.cohen_kappa(a, b, weights=weights) == pytest.approx(
            ag.cohen_kappa(table, weights=weights), abs=1e-12
        )
    # Hand value (linear): positions 0, 1, 2, weights 1 − |i − j|/2.
    p = table / table.sum()
    pos = np.arange(3)
    w = 1 - np.abs(pos[:, None] - pos[None, :]) / 2
    po = (w * p).sum()
    pe = p.sum(axis=1) @ w @ p.sum(axis=0)
    assert ag.cohen_kappa(a, b, weights="linear") == pytest.approx((po - pe) / (1 - pe))


# ---------------------------------------------------------------------------- Gwet's AC1
def test_gwet_two_raters_matches_hand_formula() -> None:
    a = np.array([1, 1, 2, 2, 1, 1, 1, 2, 1, 1], dtype=float)
    b = np.array([1, 2, 2, 2, 1, 1, 2, 2, 1, 1], dtype=float)
    po = np.mean(a == b)
    pi1 = (np.mean(a == 1) + np.mean(b == 1)) / 2
    pe = 2 * pi1 * (1 - pi1) / (2 - 1)
    assert ag.gwet_ac1(np.vstack([a, b])) == pytest.approx((po - pe) / (1 - pe))


# ------------------------------------------------------------------------------ undefined
def test_single_label_everywhere_is_undefined_not_one() -> None:
    m = np.ones((3, 6))
    m[0, 2] = np.nan
    for value in (
        ag.krippendorff_alpha(m, "nominal"),
        ag.krippendorff_alpha(m, "interval"),
        ag.fleiss_kappa(m),
        ag.gwet_ac1(m),
        ag.cohen_kappa(m[0], m[1]),
    ):
        assert isinstance(value, ag.Undefined)
        assert value.reason
    assert ag.percent_agreement(m) == 1.0  # raw agreement is defined: everyone agrees


def test_no_pairable_units_is_undefined() -> None:
    m = np.array([[1, np.nan, 2], [np.nan, 3, np.nan]])
    for value in (
        ag.krippendorff_alpha(m),
        ag.percent_agreement(m),
        ag.fleiss_kappa(m),
        ag.gwet_ac1(m),
        ag.cohen_kappa(m[0], m[1]),
        ag.alpha_bootstrap_ci(m),
    ):
        assert isinstance(value, ag.Undefined), value
    s = ag.summarize(m)
    assert s["krippendorff_alpha"] is None
    assert s["cohen_kappa"] is None
    assert s["alpha_ci95"] is None
    assert set(s["undefined"]) >= {"krippendorff_alpha", "cohen_kappa", "alpha_ci95", "gwet_ac1"}
    assert s["units_used"] == 0 and s["units_dropped"] == 3
    json.dumps(s)  # JSON-friendly: no NaN, no custom objects
    assert "NaN" not in json.dumps(s)


def test_undefined_json_form() -> None:
    u = ag.Undefined("why")
    assert u.to_json() == {"value": None, "reason": "why"}
    assert ag.jsonable(u) is None and ag.reason(u) == "why"
    assert ag.jsonable(0.5) == 0.5 and ag.reason(0.5) is None


def test_empty_contingency_table_is_undefined() -> None:
    assert isinstance(ag.cohen_kappa([[0, 0], [0, 0]]), ag.Undefined)


def test_summarize_two_annotators_weighted() -> None:
    m = np.array([[1, 2, 3, 3, 2, 1, np.nan], [1, 2, 3, 2, 2, 3, 1]], dtype=float)
    s = ag.summarize(m, "ordinal", weights="quadratic", n_boot=100, annotators=["ann", "bob"])
    assert s["cohen_kappa"] == pytest.approx(
        ag.cohen_kappa(m[0], m[1], weights="quadratic"), abs=1e-12
    )
    assert s["pairwise_cohen"][0]["a"] == "ann" and s["pairwise_cohen"][0]["b"] == "bob"
    assert s["units_dropped_reasons"] == {"fewer than 2 annotators gave a value": 1}
    with pytest.raises(ValueError, match="unknown level"):
        ag.summarize(m, "cardinal")
    with pytest.raises(ValueError, match="unknown weights"):
        ag.summarize(m, weights="cubic")


# ------------------------------------------------------------------------------- bootstrap
def test_bootstrap_is_seeded_and_brackets_alpha() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 5, 400)
    m = np.where(rng.random((3, 400)) < 0.75, truth, rng.integers(1, 5, (3, 400))).astype(float)
    m[rng.random(m.shape) < 0.1] = np.nan
    a = ag.alpha_bootstrap_ci(m, "nominal", n_boot=500, seed=42)
    b = ag.alpha_bootstrap_ci(m, "nominal", n_boot=500, seed=42)
    c = ag.alpha_bootstrap_ci(m, "nominal", n_boot=500, seed=43)
    assert isinstance(a, ag.BootstrapCI) and isinstance(c, ag.BootstrapCI)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    point = ag.krippendorff_alpha(m, "nominal")
    assert a.low < point < a.high
    assert a.high - a.low < 0.2
    with pytest.raises(ValueError, match="n_boot"):
        ag.alpha_bootstrap_ci(m, n_boot=0)


@pytest.mark.parametrize("level", ag.LEVELS)
def test_weighted_alpha_equals_alpha_of_repeated_units(level: str) -> None:
    """A bootstrap replicate (unit weights) gives exactly α of the resampled matrix."""
    rng = np.random.default_rng(7)
    m = rng.integers(1, 6, size=(4, 60)).astype(float)
    m[rng.random(m.shape) < 0.25] = np.nan
    parts = ag._alpha_parts(m, level)
    w = rng.integers(0, 4, size=parts.d.size)
    resampled = np.repeat(m[:, parts.units], w, axis=1)
    expected = ag.krippendorff_alpha(resampled, level)
    got = parts.alpha(w.astype(float))
    if level == "ordinal":
        # The bootstrap keeps the full-sample ranks; check against those.
        _, cats, n_c = ag._codes(m[:, parts.units])
        ranks = np.cumsum(n_c) - n_c / 2
        expected = ag.krippendorff_alpha(
            np.where(np.isnan(resampled), np.nan, np.interp(resampled, cats, ranks)), "interval"
        )
    assert got == pytest.approx(expected, abs=1e-9)


def test_grouped_and_per_unit_bootstrap_agree() -> None:
    """Units grouped by identical statistics (multinomial draw) vs unit-by-unit resampling."""
    rng = np.random.default_rng(2)
    truth = rng.integers(1, 4, 3000)
    m = np.where(rng.random((3, 3000)) < 0.7, truth, rng.integers(1, 4, (3, 3000))).astype(float)
    parts = ag._alpha_parts(m, "nominal")
    assert ag._group_units(parts) is not None
    grouped = ag.alpha_bootstrap_ci(m, "nominal", n_boot=1500, seed=1)
    jitter = m + rng.normal(0, 1e-9, m.shape)  # many distinct values: no grouping possible
    # Interval α on tiny jitter differs from nominal; compare the interval variants instead.
    g_int = ag.alpha_bootstrap_ci(m, "interval", n_boot=1500, seed=1)
    u_int = ag.alpha_bootstrap_ci(jitter, "interval", n_boot=1500, seed=1)
    assert ag._group_units(ag._alpha_parts(jitter, "interval")) is None
    assert isinstance(grouped, ag.BootstrapCI)
    assert isinstance(g_int, ag.BootstrapCI) and isinstance(u_int, ag.BootstrapCI)
    assert g_int.low == pytest.approx(u_int.low, abs=0.01)
    assert g_int.high == pytest.approx(u_int.high, abs=0.01)


# ------------------------------------------------------------------------------ set-valued
label_sets = st.frozensets(st.sampled_from("abcde"), min_size=1, max_size=3)


@SETTINGS
@given(label_sets, label_sets)
def test_masi_and_jaccard_match_nltk(x: frozenset[str], y: frozenset[str]) -> None:
    assert ag.masi_distance(x, y) == pytest.approx(nltk_distance.masi_distance(set(x), set(y)))
    assert ag.jaccard_distance(x, y) == pytest.approx(
        nltk_distance.jaccard_distance(set(x), set(y))
    )


def test_empty_sets_are_identical() -> None:
    assert ag.masi_distance(frozenset(), frozenset()) == 0.0
    assert ag.jaccard_distance(frozenset(), frozenset()) == 0.0
    assert ag.masi_distance(frozenset(), frozenset("a")) == 1.0


@SETTINGS
@given(
    st.integers(2, 4).flatmap(
        lambda k: st.lists(
            st.lists(st.one_of(st.none(), label_sets), min_size=k, max_size=k),
            min_size=2,
            max_size=10,
        )
    ),
    st.sampled_from(["masi", "jaccard"]),
)
def test_set_alpha_matches_nltk(sets: list[list[frozenset[str] | None]], dist: str) -> None:
    data = [
        (f"c{a}", f"u{u}", s)
        for u, row in enumerate(sets)
        for a, s in enumerate(row)
        if s is not None
    ]
    ours = ag.set_alpha(sets, dist)
    assume(not isinstance(ours, ag.Undefined))
    fn = nltk_distance.masi_distance if dist == "masi" else nltk_distance.jaccard_distance
    task = nltk_agreement.AnnotationTask(data=data, distance=fn)
    assert ours == pytest.approx(task.alpha(), abs=1e-9)


def test_set_alpha_of_singletons_is_nominal_alpha() -> None:
    m = np.array([[1, 2, 2, 3, 1], [1, 2, 3, 3, np.nan], [2, 2, 3, 3, 1]])
    sets = [
        [None if np.isnan(m[a, u]) else frozenset([int(m[a, u])]) for a in range(3)]
        for u in range(5)
    ]
    for dist in ("masi", "jaccard"):
        assert ag.set_alpha(sets, dist) == pytest.approx(ag.krippendorff_alpha(m, "nominal"))


def test_sets_from_rows_and_per_label_views() -> None:
    rows = [
        ("s1", "ann", "Fear"), ("s1", "ann", "Loaded"), ("s1", "bob", "Fear"),
        ("s2", "ann", None), ("s2", "bob", "Loaded"),
        ("s3", "ann", "Fear"), ("s3", "bob", "Fear"),
        ("s4", "bob", None),
    ]
    sets, units, annotators = ag.sets_from_rows(rows)
    assert units == ["s1", "s2", "s3", "s4"] and annotators == ["ann", "bob"]
    assert sets[0] == [frozenset({"Fear", "Loaded"}), frozenset({"Fear"})]
    assert sets[1] == [frozenset(), frozenset({"Loaded"})]
    assert sets[3] == [None, frozenset()]
    view = ag.binary_view(sets, "Loaded")
    np.testing.assert_array_equal(view[0, :3], [1, 0, 0])
    np.testing.assert_array_equal(view[1], [0, 1, 0, 0])
    assert np.isnan(view[0, 3])
    per = ag.per_label_agreement(sets)
    assert set(per) == {"Fear", "Loaded"}
    assert per["Fear"]["krippendorff_alpha"] == 1.0 or isinstance(
        per["Fear"]["krippendorff_alpha"], ag.Undefined
    )
    assert per["Loaded"]["krippendorff_alpha"] == pytest.approx(
        ag.krippendorff_alpha(view, "nominal")
    )
    assert per["Loaded"]["kappa"] == pytest.approx(ag.cohen_kappa(view[0], view[1]))
    assert per["Loaded"]["n_units"] == 3


# ------------------------------------------------------------------------------ diagnostics
def test_matrix_from_rows_numeric_and_duplicates() -> None:
    rel = ag.matrix_from_rows([("u1", "a", "3"), ("u1", "b", 1), ("u2", "a", ""), ("u2", "b", 2.5)])
    assert rel.numeric and rel.categories == [1.0, 2.5, 3.0]
    np.testing.assert_array_equal(rel.values[:, 0], [3.0, 1.0])
    assert np.isnan(rel.values[0, 1])
    with pytest.raises(ValueError, match="row 1"):
        ag.matrix_from_rows([("u1", "a", "x"), ("u1", "a", "y")])
    rel = ag.matrix_from_rows([("u1", "a", "x"), ("u1", "b", "y")], categories=["y", "x"])
    np.testing.assert_array_equal(rel.values[:, 0], [1.0, 0.0])


def test_confusion_most_disagreed_and_leave_one_out() -> None:
    m = np.array(
        [
            [1, 1, 2, 2, 3, np.nan],
            [1, 1, 2, 3, 1, 2],
            [1, 2, 2, 2, 2, 2],
        ],
        dtype=float,
    )
    table, cats = ag.confusion_matrix(m, 0, 1)
    assert list(cats) == [1, 2, 3]
    assert table.tolist() == [[2, 0, 0], [0, 1, 1], [1, 0, 0]]
    top = ag.most_disagreed_units(m, top=2)
    assert [u for u, _ in top] == [4, 1]  # unit 4: all three differ; unit 1: one of three pairs
    assert top[0][1] == pytest.approx(1.0)
    assert top[1][1] == pytest.approx(2 / 3)
    loo = ag.alpha_without_each(m)
    assert len(loo) == 3
    for a in range(3):
        assert loo[a] == pytest.approx(ag.krippendorff_alpha(np.delete(m, a, axis=0)))


# ------------------------------------------------------------ scale: "undefined" only when it is


@pytest.mark.parametrize(("offset", "step"), [(1_000_000.0, 1.0), (0.0, 1e-9), (5e6, 0.5)])
@pytest.mark.parametrize("level", ag.LEVELS)
def test_alpha_is_defined_whatever_the_scale(level: str, offset: float, step: float) -> None:
    """Ratings around 1,000,000 differing by a few units, or around 1e-9, have a defined α (the
    zero-expected-disagreement test must not depend on the scale)."""
    m = offset + step * EXAMPLE_C
    ours = ag.krippendorff_alpha(m, level)
    assert not isinstance(ours, ag.Undefined), ours
    assert ours == pytest.approx(krippendorff.alpha(m, level_of_measurement=level), abs=1e-6)
    ci = ag.alpha_bootstrap_ci(m, level, n_boot=200, seed=1)
    assert isinstance(ci, ag.BootstrapCI), ci
    assert ci.n_used == 200
    # One single value at that scale is still undefined.
    same = np.where(np.isnan(m), np.nan, offset + step)
    assert isinstance(ag.krippendorff_alpha(same, level), ag.Undefined)


# ------------------------------------------------------- weighted κ: positions, as R and sklearn
def sklearn_kappa(a: object, b: object, weights: str) -> float:
    """scikit-learn's ``cohen_kappa_score`` (the test is skipped without scikit-learn)."""
    metrics = pytest.importorskip("sklearn.metrics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(metrics.cohen_kappa_score(a, b, weights=weights))


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from([1.0, 2.0, 5.0, 10.0, 11.0]),
                       st.sampled_from([1.0, 2.0, 5.0, 10.0, 11.0])), min_size=2, max_size=30),
    st.sampled_from([("linear", "linear"), ("quadratic", "quadratic")]),
)
def test_weighted_cohen_matches_sklearn(pairs: list[tuple[float, float]],
                                        weights: tuple[str, str]) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    ours = ag.cohen_kappa(a, b, weights=weights[0])
    theirs = sklearn_kappa(a, b, weights[1])
    if isinstance(ours, ag.Undefined):
        assert not math.isfinite(theirs) or len(set(a) | set(b)) == 1
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_pairwise_weighted_cohen_uses_each_pairs_categories_like_sklearn() -> None:
    """Each pair's positions are those of the categories it used on the units both rated (as
    ``kappa2`` and ``cohen_kappa_score`` on that pair's two columns)."""
    m = np.array([
        [1, 2, 4, 4, 1, 2, 4, np.nan],
        [1, 3, 4, 3, 2, 1, 1, 3],
        [1, 2, 4, 1, 2, 2, 4, 3],  # with the first annotator: 1, 2 and 4 only
    ])
    for wt in ("linear", "quadratic"):
        for a, b, n, k in ag.pairwise_cohen(m, weights=wt):
            both = ~np.isnan(m[a]) & ~np.isnan(m[b])
            assert n == both.sum()
            assert k == pytest.approx(sklearn_kappa(m[a][both], m[b][both], wt), abs=1e-12)


# ---------------------------------------------------------------------------- what a label is
def test_as_number_reads_nfkc_ascii_decimals_only() -> None:
    assert ag.as_number("1") == ag.as_number("1.0") == ag.as_number(" 1e0 ") == 1.0
    assert ag.as_number("\u00b2") == 2.0  # superscript two: NFKC "2"
    assert ag.as_number("\uff11") == 1.0  # fullwidth one: NFKC "1"
    assert ag.as_number("-2.5") == -2.5
    for text in ("\u0661", "\u0969", "1_000", "nan", "inf", "0x10", "1e999", "", "½"):
        assert ag.as_number(text) is None, text


def test_matrix_from_rows_labels_do_not_depend_on_the_rest() -> None:
    """'1' and '1.0' are one label with or without a text label elsewhere; text labels are
    compared in NFC."""
    rows = [("u1", "a", "1"), ("u1", "b", "1.0"), ("u2", "a", "caf\u00e9"),
            ("u2", "b", "cafe\u0301")]
    rel = ag.matrix_from_rows(rows)
    assert not rel.numeric
    assert rel.values[0, 0] == rel.values[1, 0]
    assert rel.values[0, 1] == rel.values[1, 1]
    assert rel.categories == [1.0, "caf\u00e9"]
    numeric = ag.matrix_from_rows(rows[:2])
    assert numeric.numeric and numeric.categories == [1.0]


def test_ratio_alpha_with_negative_values_is_undefined() -> None:
    m = np.array([[1.0, 2.0, 3.0, -1.0], [1.0, 3.0, 3.0, -1.0]])
    for value in (ag.krippendorff_alpha(m, "ratio"), ag.alpha_bootstrap_ci(m, "ratio")):
        assert isinstance(value, ag.Undefined)
        assert "negative" in value.reason and "-1" in value.reason
    assert not isinstance(ag.krippendorff_alpha(m, "interval"), ag.Undefined)


# ------------------------------------------------------ Fleiss and AC1: what single values add
def test_ac1_and_fleiss_say_when_there_are_no_ratings_at_all() -> None:
    empty = np.full((3, 4), np.nan)
    for value in (ag.gwet_ac1(empty), ag.fleiss_kappa(empty),
                  ag.gwet_ac1_from_counts(np.zeros((4, 3))),
                  ag.fleiss_kappa_from_counts(np.zeros((4, 3)))):
        assert isinstance(value, ag.Undefined)
        assert value.reason == "no ratings at all"


def test_single_values_count_in_fleiss_and_ac1_chance_agreement_only() -> None:
    """A unit with one value is not pairable: α and percent agreement ignore it, and it adds
    nothing to Fleiss' and AC1's observed agreement p_a, but its value counts in their category
    shares π_k (Gwet 2014's form for missing ratings, as irrCAC computes it)."""
    pairs = np.array([[1, 1, 2, 2, 1], [1, 2, 2, 2, 1]], dtype=float)
    lone = np.array([[3], [np.nan]])
    m = np.hstack([pairs, lone])
    assert ag.krippendorff_alpha(m) == ag.krippendorff_alpha(pairs)
    assert ag.percent_agreement(m) == ag.percent_agreement(pairs)
    # Hand values: p_a over the five pairable units; π_k over all six rated units.
    pa = 4 / 5
    shares = np.array([[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
    pi = shares.mean(axis=0)
    pe_fleiss = float(pi @ pi)
    pe_ac1 = float((pi * (1 - pi)).sum() / 2)
    assert ag.fleiss_kappa(m) == pytest.approx((pa - pe_fleiss) / (1 - pe_fleiss), abs=1e-12)
    assert ag.gwet_ac1(m) == pytest.approx((pa - pe_ac1) / (1 - pe_ac1), abs=1e-12)
    assert ag.fleiss_kappa(m) != pytest.approx(ag.fleiss_kappa(pairs))


def test_one_label_everywhere_but_a_lone_value_elsewhere() -> None:
    """The README's rule: α is undefined when the pairable values are one label; Fleiss' κ and
    AC1, whose chance agreement also counts lone values, are defined (1.0) when a lone value
    shows another label, and undefined when every value is one label."""
    m = np.array([[1, 1, 1, 2], [1, 1, 1, np.nan]])
    assert isinstance(ag.krippendorff_alpha(m), ag.Undefined)
    assert ag.fleiss_kappa(m) == 1.0
    assert ag.gwet_ac1(m) == 1.0
    same = np.where(np.isnan(m), np.nan, 1.0)
    for value in (ag.krippendorff_alpha(same), ag.fleiss_kappa(same), ag.gwet_ac1(same)):
        assert isinstance(value, ag.Undefined)
