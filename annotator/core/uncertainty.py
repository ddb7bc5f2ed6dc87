"""How sure a rate or a difference between outlets is: bootstrap intervals and a permutation test,
both over documents.

Sentences of one article are not independent (one author, one topic, one editor), so every
resampling here draws whole documents: a rate of 12.5 per 100 sentences from five articles gets
the wide interval it deserves, however many sentences they hold.

- :func:`bootstrap_rates`: the percentile bootstrap of a ratio of sums (labelled sentences or
  spans over answered sentences, times 100) over the documents of one group. The resamples are
  drawn exactly as ``scipy.stats.bootstrap(..., paired=True, method="percentile")`` draws them
  from the same ``numpy.random.Generator`` (one ``integers(0, n, (n_resamples, n))`` call), so
  the tests compare the intervals with SciPy's to the last digit.
- :func:`group_difference`: does the share of documents using a label differ between groups? The
  chi-square statistic of the groups x (with, without) table, its p-value by permutation of the
  documents between groups (drawn as multivariate hypergeometric counts, which is what permuting
  the group labels does to that table, so the cost does not grow with the corpus), and Cramér's
  V as the effect size.

Pure numpy: no SciPy at run time (the tests use it as the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
N_BOOT = 1000
N_PERM = 10_000
SMALL_SAMPLE = 30
"""Agreement over fewer pairable units than this carries a small-sample warning: the bootstrap
interval of alpha is then too coarse to say whether a scheme is reliable."""


def is_small_sample(pairable: int) -> bool:
    """Whether agreement over ``pairable`` units (two or more values each) carries the
    small-sample warning: fewer than ``SMALL_SAMPLE``, and some (no unit: no coefficient to
    warn about)."""
    return 0 < pairable < SMALL_SAMPLE


def bootstrap_rates(
    num: np.ndarray,
    denom: np.ndarray,
    rng: np.random.Generator,
    *,
    n_resamples: int = N_BOOT,
    confidence: float = CONFIDENCE,
    scale: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of ``scale * sum(num[:, j]) / sum(denom)`` for every column
    ``j``, resampling the rows (documents) with replacement.

    ``num``: documents x labels counts; ``denom``: the documents' answered sentences (all > 0),
    one value per document, or one column per label (so that several label sets coded on the
    same documents share one draw). Returns (low, high) arrays, one value per label; NaN when there
    are fewer than two documents (one document gives no spread to resample)."""
    denom = np.asarray(denom, dtype=np.float64)
    num = np.asarray(num, dtype=np.float64)
    n, k = len(denom), (num.shape[1] if num.ndim == 2 else 1)
    num = num.reshape(n, k)
    denom = denom if denom.ndim == 2 else denom.reshape(n, 1)
    if n < 2 or n_resamples < 1:
        nan = np.full(k, np.nan)
        return nan, nan.copy()
    # scipy.stats.bootstrap's draw, row by row (int32 draws the same numbers as its int64,
    # with half the memory to move); then how often each document was drawn in each resample
    small = n_resamples * n < 2**31
    idx = rng.integers(0, n, (n_resamples, n), dtype=np.int32 if small else np.int64)
    idx += (n * np.arange(n_resamples, dtype=idx.dtype))[:, None]
    weights = np.bincount(idx.ravel(), minlength=n_resamples * n).reshape(n_resamples, n)
    del idx
    columns = np.column_stack([denom, num])
    # float32 sums are exact while every resample's total stays below 2**24
    exact32 = float(np.abs(columns).max(initial=0.0)) * n < 2**24
    kind = np.float32 if exact32 else np.float64
    sums = (weights.astype(kind) @ columns.astype(kind)).astype(np.float64)
    d = denom.shape[1]  # 1 (shared) or k
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = scale * sums[:, d:] / sums[:, :d]
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha], axis=0)
    return low, high


@dataclass(frozen=True)
class Difference:
    """Whether groups differ in the share of their documents that use a label."""

    with_label: list[int]  # per group: documents using the label
    documents: list[int]  # per group: documents
    chi2: float
    p_value: float | None  # None: no variation (every document, or none, uses the label)
    cramers_v: float
    n_perm: int

    @property
    def testable(self) -> bool:
        """Enough documents for the test to mean anything: at least two in every group and six
        in all (below that no permutation can reach 5 %), and some variation."""
        return self.p_value is not None and min(self.documents) >= 2 and sum(self.documents) >= 6

    @property
    def differs(self) -> bool:
        """Groups differ at the 5 % level."""
        return self.testable and self.p_value is not None and self.p_value < 0.05

    @property
    def strength(self) -> str:
        """Cramér's V in words (Cohen's thresholds for a 2-column table)."""
        v = self.cramers_v
        return (
            "negligible" if v < 0.1 else "small" if v < 0.3 else "medium" if v < 0.5 else "large"
        )


def chi2_statistic(positives: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Pearson's chi-square of groups x (with, without) tables, without continuity correction.

    ``positives``: (..., groups) documents with the label; ``sizes``: (groups,) documents."""
    positives = np.asarray(positives, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    share = positives.sum(axis=-1, keepdims=True) / total
    exp_pos = sizes * share
    exp_neg = sizes * (1.0 - share)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (positives - exp_pos) ** 2 / exp_pos + (positives - exp_pos) ** 2 / exp_neg
    out: np.ndarray = np.nansum(np.where((exp_pos > 0) & (exp_neg > 0), terms, 0.0), axis=-1)
    return out


def group_difference(
    positives: np.ndarray,
    sizes: np.ndarray,
    rng: np.random.Generator,
    *,
    n_perm: int = N_PERM,
) -> Difference:
    """Chi-square test of independence between group and label use over documents, its
    p-value by permutation (documents shuffled between the groups, ``n_perm`` times; p counts
    the observed table, so it is never 0) and Cramér's V.

    ``positives[g]``: documents of group ``g`` using the label; ``sizes[g]``: its documents
    (groups with none are left out by the caller)."""
    positives = np.asarray(positives, dtype=np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    total, used = int(sizes.sum()), int(positives.sum())
    observed = float(chi2_statistic(positives, sizes))
    v = float(np.sqrt(observed / total)) if total else 0.0
    if len(sizes) < 2 or used == 0 or used == total:
        return Difference(positives.tolist(), sizes.tolist(), observed, None, 0.0, 0)
    draws = rng.multivariate_hypergeometric(sizes, used, size=n_perm)
    extreme = int(np.count_nonzero(chi2_statistic(draws, sizes) >= observed * (1 - 1e-12)))
    p = (extreme + 1) / (n_perm + 1)
    return Difference(positives.tolist(), sizes.tolist(), observed, p, v, n_perm)
