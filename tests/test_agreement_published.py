"""Agreement coefficients against values printed in papers, package docs and package tests.

Sources and rounding are listed in the research notes (schemes.md §5); every fixture below is
typed in from those published tables.
"""

from __future__ import annotations

import numpy as np
import pytest

from annotator.core import agreement as ag

NA = np.nan

# Fleiss (1971) psychiatric diagnoses: 30 subjects x 6 raters; 1 Depression, 2 Personality
# disorder, 3 Schizophrenia, 4 Neurosis, 5 Other. Rows = subjects.
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]
DIAGNOSIS_NAMES = {1: "Depression", 2: "Personality Disorder", 3: "Schizophrenia",
                   4: "Neurosis", 5: "Other"}

# Wikipedia "Fleiss' kappa" worked example: 10 subjects x 5 categories, 14 raters each.
WIKI_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]

# Krippendorff (2011), example C: 4 coders (rows) x 12 units (columns), with missing values.
EXAMPLE_C = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
])

SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def diagnoses_matrix() -> np.ndarray:
    return np.array(DIAGNOSES, dtype=float).T  # raters x subjects


def test_fleiss_1971_from_raw_matrix() -> None:
    assert round(ag.fleiss_kappa(diagnoses_matrix()), 3) == 0.430
    assert ag.fleiss_kappa(diagnoses_matrix()) == pytest.approx(0.4302445, abs=1e-7)


def test_fleiss_1971_category_totals_and_count_table() -> None:
    counts, cats = ag.category_counts(diagnoses_matrix())
    assert list(cats) == [1, 2, 3, 4, 5]
    assert list(counts.sum(axis=0)) == [26, 26, 30, 55, 43]
    assert round(ag.fleiss_kappa_from_counts(counts), 3) == 0.430


def test_fleiss_1971_factor_pitfall_is_avoided() -> None:
    """Rater 6 never says "Depression". Coding each rater's labels on its own (R's factor codes)
    shifts rater 6 by one and gives 0.282; one shared category index gives 0.430."""
    rows = [
        (subject, f"rater{r + 1}", DIAGNOSIS_NAMES[code])
        for subject, ratings in enumerate(DIAGNOSES)
        for r, code in enumerate(ratings)
    ]
    assert "Depression" not in {lab for _, rater, lab in rows if rater == "rater6"}
    rel = ag.matrix_from_rows(rows)
    assert not rel.numeric
    assert round(ag.fleiss_kappa(rel.values), 3) == 0.430
    shifted = diagnoses_matrix()
    levels = sorted(set(shifted[5]))  # rater 6's own factor levels: 2, 3, 4, 5
    shifted[5] = [levels.index(v) + 1 for v in shifted[5]]
    assert round(ag.fleiss_kappa(shifted), 3) == 0.282


def test_fleiss_wikipedia_worked_example() -> None:
    kappa = ag.fleiss_kappa_from_counts(WIKI_COUNTS)
    assert round(kappa, 3) == 0.210
    assert kappa == pytest.approx(0.20993, abs=1e-5)


def test_fleiss_from_counts_equals_from_raw_on_wikipedia() -> None:
    # Expand the count table into a raters x subjects matrix (rater order is irrelevant).
    raw = np.array([[c for c, n in enumerate(row) for _ in range(n)] for row in WIKI_COUNTS]).T
    assert ag.fleiss_kappa(raw) == pytest.approx(ag.fleiss_kappa_from_counts(WIKI_COUNTS))


@pytest.mark.parametrize(
    ("level", "published", "precise"),
    [
        ("nominal", 0.743, 0.7434211),
        ("ordinal", 0.815, 0.8153875),
        ("interval", 0.849, 0.8491071),
        ("ratio", 0.797, 0.7974028),
    ],
)
def test_krippendorff_2011_example_c(level: str, published: float, precise: float) -> None:
    alpha = ag.krippendorff_alpha(EXAMPLE_C, level)
    assert round(alpha, 3) == published
    assert alpha == pytest.approx(precise, abs=1e-7)


def test_example_c_lone_value_position_does_not_matter() -> None:
    """Gwet's and irr's copy puts unit 12's single value under coder C instead of B."""
    moved = EXAMPLE_C.copy()
    moved[1, 11], moved[2, 11] = NA, 3
    for level in ag.LEVELS:
        assert ag.krippendorff_alpha(moved, level) == pytest.approx(
            ag.krippendorff_alpha(EXAMPLE_C, level)
        )


def test_gwet_ac1_example_c() -> None:
    ac1 = ag.gwet_ac1(EXAMPLE_C)
    assert round(ac1, 3) == 0.775
    assert ac1 == pytest.approx(0.7754, abs=1e-4)
    # p_a = 0.818 is the mean pairwise agreement over the 11 pairable units.
    assert round(ag.percent_agreement(EXAMPLE_C), 3) == 0.818


def test_cohen_sas_table() -> None:
    assert round(ag.cohen_kappa(SAS_TABLE), 4) == 0.4842
    assert round(ag.cohen_kappa(SAS_TABLE, weights="linear"), 4) == 0.4701


def test_cohen_sas_table_from_vectors() -> None:
    """The same table given as two rating vectors over categories 0, 1, 2."""
    a: list[float] = []
    b: list[float] = []
    for i, row in enumerate(SAS_TABLE):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    cats = [0, 1, 2]
    assert round(ag.cohen_kappa(a, b, categories=cats), 4) == 0.4842
    assert round(ag.cohen_kappa(a, b, weights="linear", categories=cats), 4) == 0.4701


@pytest.mark.parametrize(
    ("table", "published"),
    [
        ([[20, 5], [10, 15]], 0.400),
        ([[45, 15], [25, 15]], 0.130),
        ([[25, 35], [5, 35]], 0.259),
    ],
)
def test_cohen_wikipedia_tables(table: list[list[int]], published: float) -> None:
    assert round(ag.cohen_kappa(table), 3) == published


def test_summarize_example_c_has_published_values() -> None:
    s = ag.summarize(EXAMPLE_C, "interval", n_boot=200, seed=3)
    assert round(s["krippendorff_alpha"], 3) == 0.849
    assert round(s["gwet_ac1"], 3) == 0.775
    assert s["n_units"] == 12 and s["n_annotators"] == 4
    assert s["units_used"] == 11 and s["units_dropped"] == 1
    assert s["units_dropped_reasons"] == {"fewer than 2 annotators gave a value": 1}
    assert "cohen_kappa" not in s
    assert len(s["pairwise_cohen"]) == 6
    assert s["undefined"] == {}
    ci = s["alpha_ci95"]
    assert ci["low"] <= s["krippendorff_alpha"] <= ci["high"]
