"""Inter-annotator agreement statistics, pure numpy.

Data model: a *reliability matrix* ``values`` of shape ``(n_annotators, n_units)``, float, with
``NaN`` for "this annotator gave no value for this unit". Values are category codes (nominal) or
numbers (ordinal, interval, ratio). :func:`matrix_from_rows` builds it from long
``(unit, annotator, label)`` rows and keeps the category index, so every annotator shares one
coding (the per-column factor recoding that turns Fleiss 1971's κ = 0.430 into 0.282 cannot
happen).

Every coefficient returns ``float | Undefined``. A coefficient that the data cannot define (one
single label everywhere, no unit with two values) is never reported as NaN or 1.0 but as
``Undefined(reason)``; :func:`jsonable` turns either into ``None`` plus a reason for JSON.

Krippendorff's α is computed from per-unit sufficient statistics (category counts from
``np.bincount`` on (unit, value) pairs; sums and sums of squares for the interval metric, and for
the ordinal metric after replacing each value by its cumulative-marginal mid-rank, which makes
Krippendorff's ordinal δ² a squared difference). The same per-unit numbers make each bootstrap
replicate a weighted sum instead of a recomputation.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from annotator.core.uncertainty import is_small_sample

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS: tuple[str, ...] = ("linear", "quadratic")
# What weighted Cohen's κ measures distances between: the positions 0..k−1 of the ordered
# categories (R irr kappa2, scikit-learn cohen_kappa_score) or the numeric values themselves.
KAPPA_DISTANCES: tuple[str, ...] = ("positions", "values")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Above this many cells a dense (units x categories) count table is not built.
_DENSE_CELLS = 30_000_000


@dataclass(frozen=True)
class Undefined:
    """A coefficient the data cannot define, with the reason in words."""

    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"value": None, "reason": self.reason}

    def __str__(self) -> str:
        return f"undefined ({self.reason})"


Coefficient = float | Undefined

# Reasons shared by several coefficients (and by ``annotator agree`` over the database).
NO_PAIRS = "no unit has values from two or more annotators"
NO_RATINGS = "no ratings at all"
# Why a unit with a single value is dropped from α, percent agreement and Cohen's κ (its value
# still counts in Fleiss' and AC1's category shares).
LONE_VALUE = "fewer than 2 annotators gave a value"
IDENTICAL = "all pairable values are identical, so expected disagreement is 0"


def jsonable(x: Coefficient) -> float | None:
    """The JSON value of a coefficient: the float, or ``None`` when undefined."""
    return None if isinstance(x, Undefined) else float(x)


def reason(x: Coefficient) -> str | None:
    return x.reason if isinstance(x, Undefined) else None


# ------------------------------------------------------------------------------ building the matrix
@dataclass
class Reliability:
    """A reliability matrix with the names behind its rows, columns and codes.

    ``values[a, u]`` is the value annotator ``annotators[a]`` gave unit ``units[u]``. When every
    label is numeric, values are the numbers themselves and ``categories`` lists the distinct
    numbers in increasing order; otherwise values are indexes into ``categories`` (numbers,
    then text labels in NFC, unless the categories were given).
    """

    values: FloatArray
    annotators: list[Hashable]
    units: list[Hashable]
    categories: list[Any]
    numeric: bool


# A number as people write one in ASCII: optional sign, digits with an optional decimal point,
# optional exponent. No "_" separators, "inf", "nan" or hex, which Python's float() accepts.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def as_number(label: object) -> float | None:
    """The label as a finite float when it is a number or a numeric string, else ``None``.

    A string is a number when its NFKC form, without surrounding spaces, is an ASCII decimal
    number: "1", "1.0" and " 1e0 " are all 1; superscript "²" and fullwidth "１" (NFKC "2", "1")
    are numbers; Arabic-Indic "١" or Devanagari "१", which NFKC keeps as they are, are not (they
    stay text labels, although Python's ``float`` would read them as digits).
    """
    if isinstance(label, bool):
        return None
    if isinstance(label, int | float | np.integer | np.floating):
        x = float(label)
    elif isinstance(label, str):
        text = unicodedata.normalize("NFKC", label).strip()
        if not _NUMBER.fullmatch(text):
            return None
        x = float(text)
    else:
        return None
    return x if math.isfinite(x) else None


def label_key(label: object) -> float | str:
    """What makes two labels one: the number a label reads as (:func:`as_number`), else its text
    in NFC (so "é" composed and "e" + combining acute are one label). The same label always has
    the same key, whatever the other labels are."""
    x = as_number(label)
    if x is not None:
        return x
    return unicodedata.normalize("NFC", label if isinstance(label, str) else str(label))


def matrix_from_rows(
    rows: Iterable[tuple[Hashable, Hashable, Any]],
    *,
    categories: Sequence[Any] | None = None,
    numeric: bool | None = None,
) -> Reliability:
    """Build a :class:`Reliability` from ``(unit, annotator, label)`` rows.

    ``label`` ``None`` or ``""`` means missing (the annotator saw the unit, gave no value). Units
    and annotators keep their first-seen order. Labels are numeric when every label parses as a
    number (``numeric=None``) and then ordered by value; otherwise they are coded by their index in
    ``categories`` (default: the numbers in increasing order, then the text labels sorted). Either
    way two labels are one when :func:`label_key` says so ("1" and "1.0"; NFC-equal texts),
    whatever else the rows hold. A second row for the same (unit, annotator) raises
    ``ValueError`` naming the row index.
    """
    unit_ix: dict[Hashable, int] = {}
    ann_ix: dict[Hashable, int] = {}
    cells: dict[tuple[int, int], Any] = {}
    for i, (unit, annotator, label) in enumerate(rows):
        u = unit_ix.setdefault(unit, len(unit_ix))
        a = ann_ix.setdefault(annotator, len(ann_ix))
        if (a, u) in cells:
            raise ValueError(
                f"row {i}: annotator {annotator!r} already has a value for unit {unit!r}"
            )
        cells[(a, u)] = None if label is None or label == "" else label
    present = [v for v in cells.values() if v is not None]
    if numeric is None:
        numeric = categories is None and all(as_number(v) is not None for v in present)
    values = np.full((len(ann_ix), len(unit_ix)), np.nan)
    if numeric:
        nums: dict[tuple[int, int], float] = {}
        for (a, u), v in cells.items():
            if v is None:
                continue
            x = as_number(v)
            if x is None:
                raise ValueError(f"label {v!r} is not a number")
            nums[(a, u)] = x
        for (a, u), x in nums.items():
            values[a, u] = x
        cats: list[Any] = sorted(set(nums.values()))
    else:
        if categories is not None:
            cats = list(categories)
        else:
            keys = {label_key(v) for v in present}
            cats = [*sorted(k for k in keys if isinstance(k, float)),
                    *sorted(k for k in keys if isinstance(k, str))]
        code: dict[float | str, int] = {}
        for i, c in enumerate(cats):
            code.setdefault(label_key(c), i)
        for (a, u), v in cells.items():
            if v is None:
                continue
            key = label_key(v)
            if key not in code:
                raise ValueError(f"label {v!r} is not one of the categories")
            values[a, u] = code[key]
    return Reliability(values, list(ann_ix), list(unit_ix), cats, bool(numeric))


def _matrix(values: npt.ArrayLike) -> FloatArray:
    m = np.asarray(values, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"reliability matrix must be 2-D (annotators x units), got {m.ndim}-D")
    if np.isinf(m).any():
        raise ValueError("reliability matrix holds infinite values")
    return m


def _codes(values: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Category codes (``-1`` = missing), the sorted distinct values they index, and how often
    each value occurs."""
    present = ~np.isnan(values)
    n_missing = values.size - int(present.sum())
    if n_missing == values.size:
        return np.full(values.shape, -1, dtype=np.int64), np.empty(0), np.empty(0)
    lo = float(np.fmin.reduce(values, axis=None))
    hi = float(np.fmax.reduce(values, axis=None))
    if hi - lo < 1_000_000:
        shifted = np.where(present, values - lo, 0.0)
        ints = shifted.astype(np.int64)
        if np.array_equal(ints, shifted):
            # Integral values: a lookup table instead of a sort.
            seen = np.bincount(ints.ravel(), minlength=int(hi - lo) + 1)
            seen[0] -= n_missing
            used = seen > 0
            lut = np.cumsum(used) - 1
            codes = np.where(present, lut[ints], -1)
            cats = np.flatnonzero(used)
            return codes, cats.astype(np.float64) + lo, seen[cats].astype(np.float64)
    codes = np.full(values.shape, -1, dtype=np.int64)
    uniq, inv, counts = np.unique(values[present], return_inverse=True, return_counts=True)
    codes[present] = inv.reshape(-1)
    return codes, uniq.astype(np.float64), counts.astype(np.float64)


def _pair_agreements(codes: IntArray, n_cats: int) -> FloatArray:
    """Σ_c n_uc² per unit (ordered pairs of equal values, each value paired with itself too)."""
    n_ann, n_units = codes.shape
    present = codes >= 0
    if n_units * max(n_cats, 1) <= _DENSE_CELLS and n_ann * (n_ann - 1) // 2 > 2 * n_cats:
        counts = _unit_counts(codes, n_cats)
        return np.asarray((counts * counts).sum(axis=1), dtype=np.float64)
    total: FloatArray = present.sum(axis=0).astype(np.float64)
    for a in range(n_ann):
        for b in range(a + 1, n_ann):
            total += 2.0 * ((codes[a] == codes[b]) & present[a])
    return total


def _unit_counts(codes: IntArray, n_cats: int) -> FloatArray:
    """Dense (units x categories) count table n_uc via one ``np.bincount``.

    Missing values (code −1) go to a spare last column that is dropped.
    """
    n_units = codes.shape[1]
    width = n_cats + 1
    flat = np.arange(n_units) * width + np.where(codes >= 0, codes, n_cats)
    counts = np.bincount(flat.ravel(), minlength=n_units * width).reshape(n_units, width)
    return counts[:, :n_cats].astype(np.float64)


def category_counts(values: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The (units x categories) count table of a reliability matrix and its category values."""
    m = _matrix(values)
    codes, cats, _ = _codes(m)
    return _unit_counts(codes, len(cats)), cats


def coincidence_matrix(values: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Krippendorff's coincidence matrix ``o`` (V x V) and the category values it is indexed by.

    Each pairable unit (two or more values) adds each ordered pair of values from different
    annotators with weight ``1/(m_u - 1)``; built with ``np.bincount`` per annotator pair.
    """
    codes, cats, _ = _codes(_matrix(values))
    o, _ = _coincidence_from_codes(codes, len(cats))
    return o, cats


# ------------------------------------------------------------------------------------ distances
def distance_matrix(
    cats: FloatArray, level: str, marginals: FloatArray | None = None
) -> FloatArray:
    """Krippendorff's squared distance δ² between the category values ``cats``.

    Ordinal uses the cumulative-marginal definition, which needs the pairable marginals n_c.
    """
    x = np.asarray(cats, dtype=np.float64)
    if level == "nominal":
        return 1.0 - np.eye(len(x))
    if level == "interval":
        return (x[:, None] - x[None, :]) ** 2
    if level == "ratio":
        s = x[:, None] + x[None, :]
        d = x[:, None] - x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(s == 0, 0.0, d / np.where(s == 0, 1.0, s))
        return r * r
    if level == "ordinal":
        if marginals is None:
            raise ValueError("the ordinal metric needs the marginal counts")
        r = _midranks(np.asarray(marginals, dtype=np.float64))
        return (r[:, None] - r[None, :]) ** 2
    raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def _midranks(n_c: FloatArray) -> FloatArray:
    """Mid-rank of each category: Σ_{g<c} n_g + n_c/2.

    Krippendorff's ordinal δ_ck = Σ_{g=c..k} n_g − (n_c + n_k)/2 equals r_k − r_c.
    """
    return np.cumsum(n_c) - n_c / 2.0


# ------------------------------------------------------------------------------ Krippendorff's α
def _unit_weights(unit_weights: npt.ArrayLike | None, n_units: int) -> FloatArray | None:
    """Validated unit weights: one finite, non-negative number per unit (column), or ``None``."""
    if unit_weights is None:
        return None
    w = np.asarray(unit_weights, dtype=np.float64)
    if w.shape != (n_units,):
        raise ValueError(f"unit_weights needs one weight per unit ({n_units}), got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("unit weights must be finite and not negative")
    return w


@dataclass
class _AlphaParts:
    """Per-pairable-unit pieces of α.

    ``d[u]`` is unit u's share of the observed disagreement, Σ_{i≠j} δ²(v_i, v_j) / (m_u − 1).
    ``features[u]`` are per-unit statistics whose (weighted) column sums give, through
    ``from_sums`` (vectorised over rows of sums), the pairable total n, the expected-disagreement
    sum Σ_ck n_c n_k δ²_ck and the level at or under which that sum counts as 0; ``totals`` are
    their sums with the unit weights. ``weights`` are those unit weights (``None``: 1 each); a
    unit of weight w counts as w copies of itself. Features are only built when a bootstrap
    needs them; when a dense (units x categories) table would be too large they are ``None`` and
    ``sparse()`` = (value codes, their unit, V) gives weighted category marginals by
    ``np.bincount``.
    """

    level: str
    d: FloatArray
    units: IntArray  # indexes (into the full matrix) of the pairable units
    totals: FloatArray
    from_sums: Callable[[FloatArray], tuple[FloatArray, FloatArray, FloatArray]]
    make_features: Callable[[], FloatArray | None]
    sparse: Callable[[], tuple[IntArray, IntArray, int]] | None = None
    weights: FloatArray | None = None
    undefined: Undefined | None = None  # α cannot be computed at all (and why)

    @functools.cached_property
    def features(self) -> FloatArray | None:
        return self.make_features()

    @property
    def n_draw(self) -> int:
        """Units in a bootstrap replicate: the pairable units, each counted by its weight."""
        if self.weights is None:
            return int(self.d.size)
        return round(float(self.weights.sum()))

    def sums(self, w: FloatArray | None = None) -> FloatArray:
        if w is None:
            return self.totals
        if self.features is not None:
            return w @ self.features
        assert self.sparse is not None
        codes, units, v = self.sparse()
        return np.bincount(codes, weights=w[units], minlength=v).astype(np.float64)

    def alpha(self, w: FloatArray | None = None) -> Coefficient:
        """α with the parts' own unit weights, or with ``w`` (a bootstrap replicate)."""
        if self.undefined is not None:
            return self.undefined
        if self.d.size == 0:
            return Undefined(NO_PAIRS)
        if w is None:
            w = self.weights
            do = float(self.d.sum() if w is None else self.d @ w)
            return self.alpha_from(do, self.totals)
        return self.alpha_from(float(self.d @ w), self.sums(w))

    def alpha_from(self, do: float, sums: FloatArray) -> Coefficient:
        a = float(self.alphas(np.array([do]), np.asarray(sums, dtype=np.float64)[None, :])[0])
        return Undefined(IDENTICAL) if math.isnan(a) else a

    def alphas(self, do: FloatArray, sums: FloatArray) -> FloatArray:
        """α of many replicates at once (``do`` per replicate, ``sums`` one row each); NaN where
        α is undefined."""
        n, de, zero = self.from_sums(sums)
        ok = (n >= 2) & (de > zero)
        out = np.full(len(do), np.nan)
        out[ok] = 1.0 - (n[ok] - 1.0) * do[ok] / de[ok]
        return out


# Expected disagreement from squared differences of centred values, 2(n·Σx² − (Σx)²), is a
# difference of two nearly equal numbers when every value is the same; it counts as 0 at or
# under this share of its largest possible value 2n·Σx², whatever the scale of the values.
_MOMENTS_ZERO = 1e-10


def _nominal_total(s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """n and Σ_c n_c (n − n_c) per row: a sum of non-negative terms, exactly 0 iff one
    category."""
    n = s.sum(axis=1)
    return n, (s * (n[:, None] - s)).sum(axis=1), np.zeros(len(n))


def _moments_total(s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    n, t1, t2 = s[:, 0], s[:, 1], s[:, 2]
    return n, 2.0 * (n * t2 - t1 * t1), _MOMENTS_ZERO * 2.0 * n * t2


def _quadratic_total(
    delta: FloatArray,
) -> Callable[[FloatArray], tuple[FloatArray, FloatArray, FloatArray]]:
    """n and Σ_ck n_c n_k δ_ck per row, for a distance that is 0 on the diagonal and positive
    elsewhere (the sum is then 0 iff one category). Built block by block of rows of δ so a
    large V never needs a V x V product per replicate at once."""
    v = delta.shape[0]
    step = max(1, 4_000_000 // max(v, 1))

    def total(s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        de = np.zeros(s.shape[0])
        for i in range(0, v, step):
            de += ((s[:, i : i + step] @ delta[i : i + step]) * s).sum(axis=1)
        return s.sum(axis=1), de, np.zeros(s.shape[0])

    return total


def _ratio_total(cats: FloatArray) -> Callable[[FloatArray], tuple[FloatArray, FloatArray,
                                                                  FloatArray]]:
    """Like :func:`_quadratic_total` with the ratio δ², computed block by block (never a
    V x V matrix for many distinct values)."""
    v = len(cats)
    step = max(1, 4_000_000 // max(v, 1))

    def total(s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        de = np.zeros(s.shape[0])
        for i in range(0, v, step):
            block = cats[i : i + step, None] + cats[None, :]
            diff = cats[i : i + step, None] - cats[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(block == 0, 0.0, diff / np.where(block == 0, 1.0, block))
            de += ((s[:, i : i + step] @ (r * r)) * s).sum(axis=1)
        # δ² is 0 on the diagonal and positive elsewhere: the sum is 0 iff one category.
        return s.sum(axis=1), de, np.zeros(s.shape[0])

    return total


def _moment_parts(
    level: str, x: FloatArray, mu: FloatArray, keep: IntArray, w0: FloatArray | None
) -> _AlphaParts:
    """α pieces for a squared-difference metric on values ``x`` (0 where missing), best centred
    (the expected-disagreement test is relative to Σx²)."""
    s1 = x.sum(axis=0)
    s2 = (x * x).sum(axis=0)
    d = np.maximum(2.0 * (mu * s2 - s1 * s1) / (mu - 1.0), 0.0)
    feats = np.stack([mu, s1, s2], axis=1)
    totals = feats.sum(axis=0) if w0 is None else w0 @ feats
    return _AlphaParts(level, d, keep, totals, _moments_total, lambda: feats, weights=w0)


def _unit_views(
    codes: IntArray, pres: Any, n_units: int, v: int
) -> tuple[Callable[[], FloatArray | None], Callable[[], tuple[IntArray, IntArray, int]]]:
    """The two lazy views of the per-unit category counts that alpha's parts offer: a dense
    units x categories table (None when it would be too big) and the sparse (category, unit)
    pairs of the present values."""
    dense = n_units * max(v, 1) <= _DENSE_CELLS

    def table() -> FloatArray | None:
        return _unit_counts(codes, v) if dense else None

    def sparse() -> tuple[IntArray, IntArray, int]:
        return codes[pres], np.broadcast_to(np.arange(n_units), codes.shape)[pres], v

    return table, sparse


def _alpha_parts(
    values: npt.ArrayLike,
    level: str,
    unit_weights: npt.ArrayLike | None = None,
    delta: npt.ArrayLike | None = None,
) -> _AlphaParts:
    """α's pieces for a reliability matrix at ``level``, or for a matrix of codes 0..V−1 under
    the distance matrix ``delta`` (V x V). Units of weight 0 are left out like unpairable ones."""
    if delta is None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    m = _matrix(values)
    w_all = _unit_weights(unit_weights, m.shape[1])
    present = ~np.isnan(m)
    mu_all = present.sum(axis=0)
    pairable = mu_all >= 2
    if w_all is not None:
        pairable &= w_all > 0
    keep = np.flatnonzero(pairable)
    whole = len(keep) == m.shape[1]
    sub = m if whole else m[:, keep]
    pres = present if whole else present[:, keep]
    mu = mu_all[keep].astype(np.float64)
    w0 = None if w_all is None else w_all[keep]
    n_units = len(keep)
    if delta is not None:
        return _delta_parts(sub, pres, mu, keep, w0, np.asarray(delta, dtype=np.float64))
    if level == "interval":
        if not n_units:
            center = 0.0
        elif w0 is None:
            center = float(sub[pres].mean())
        else:
            center = float(w0 @ np.where(pres, sub, 0.0).sum(axis=0)) / float(w0 @ mu)
        return _moment_parts(level, np.where(pres, sub - center, 0.0), mu, keep, w0)
    codes, cats, n_c = _codes(sub)
    v = len(cats)
    if level == "ratio" and v and cats[0] < 0:
        # The ratio metric's (c − k)/(c + k) assumes a true zero and no value below it.
        why = f"ratio α needs values of 0 or more; found the negative value {cats[0]:g}"
        empty = np.zeros(0)
        return _AlphaParts(level, empty, keep[:0], empty, _nominal_total, lambda: None,
                           undefined=Undefined(why))
    if w0 is not None:
        n_c = _weighted_marginals(codes, pres, w0, v)
    table, sparse = _unit_views(codes, pres, n_units, v)

    if level == "nominal":
        agree = _pair_agreements(codes, v)
        d = (mu * mu - agree) / (mu - 1.0)
        return _AlphaParts(level, d, keep, n_c, _nominal_total, table, sparse, w0)

    if level == "ordinal":
        # Not centred: centring would reorder the bootstrap's groups (see _group_units) and so
        # change every seeded interval; ranks are at most n, which the relative test allows.
        ranks = _midranks(n_c)
        x = np.where(pres, ranks[np.maximum(codes, 0)], 0.0)
        return _moment_parts(level, x, mu, keep, w0)

    # ratio: δ² depends on both values jointly, so pair up annotators.
    d = np.zeros(n_units)
    xs = np.where(pres, sub, 0.0)
    for a in range(sub.shape[0]):
        for b in range(a + 1, sub.shape[0]):
            both = pres[a] & pres[b]
            s = xs[a] + xs[b]
            diff = xs[a] - xs[b]
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(both & (s != 0), diff / np.where(s == 0, 1.0, s), 0.0)
            d += 2.0 * r * r
    d /= np.maximum(mu - 1.0, 1.0)
    return _AlphaParts(level, d, keep, n_c, _ratio_total(cats), table, sparse, w0)


def _weighted_marginals(codes: IntArray, pres: npt.NDArray[np.bool_], w0: FloatArray,
                        v: int) -> FloatArray:
    """How often each category occurs, each value counted with its unit's weight."""
    w = np.broadcast_to(w0, codes.shape)[pres]
    return np.bincount(codes[pres], weights=w, minlength=v).astype(np.float64)


def _delta_parts(
    sub: FloatArray,
    pres: npt.NDArray[np.bool_],
    mu: FloatArray,
    keep: IntArray,
    w0: FloatArray | None,
    delta: FloatArray,
) -> _AlphaParts:
    """α pieces for codes 0..V−1 under a V x V distance ``delta`` (set distances)."""
    if delta.ndim != 2 or delta.shape[0] != delta.shape[1]:
        raise ValueError("a distance matrix must be square")
    v = delta.shape[0]
    codes = np.where(pres, sub, -1).astype(np.int64)
    if (codes >= v).any() or (np.where(pres, codes, 0) < 0).any():
        raise ValueError("a code is outside the distance matrix")
    n_units = codes.shape[1]
    safe = np.maximum(codes, 0)
    d = np.zeros(n_units)
    for a in range(codes.shape[0]):
        for b in range(a + 1, codes.shape[0]):
            both = pres[a] & pres[b]
            pair = delta[safe[a], safe[b]] + delta[safe[b], safe[a]]
            d += np.where(both, pair, 0.0)
    d /= np.maximum(mu - 1.0, 1.0)
    if w0 is None:
        n_c = np.bincount(codes[pres], minlength=v).astype(np.float64)
    else:
        n_c = _weighted_marginals(codes, pres, w0, v)
    table, sparse = _unit_views(codes, pres, n_units, v)

    return _AlphaParts("distance", d, keep, n_c, _quadratic_total(delta), table, sparse, w0)


def krippendorff_alpha(
    values: npt.ArrayLike, level: str = "nominal", *, unit_weights: npt.ArrayLike | None = None
) -> Coefficient:
    """Krippendorff's α for a reliability matrix with missing values (NaN).

    Units with fewer than two values are not pairable and are ignored, as Krippendorff defines.
    ``level`` picks δ²: nominal (0/1), ordinal (cumulative marginal ranks), interval
    (squared difference), ratio (((c − k)/(c + k))²; undefined when a pairable value is
    negative, the ratio scale having a true zero). ``unit_weights`` (one per column) counts
    each column that many times: the distinct columns of a matrix with their counts give the α
    of the whole matrix.
    """
    return _alpha_parts(values, level, unit_weights).alpha()


@dataclass
class BootstrapCI:
    """Percentile bootstrap interval for α, resampling pairable units."""

    low: float
    high: float
    n_boot: int
    n_used: int  # replicates where α was defined
    seed: int
    confidence: float = 0.95

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "n_boot": self.n_boot,
            "n_used": self.n_used,
            "seed": self.seed,
            "confidence": self.confidence,
        }


def alpha_bootstrap_ci(
    values: npt.ArrayLike,
    level: str = "nominal",
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    unit_weights: npt.ArrayLike | None = None,
    delta: npt.ArrayLike | None = None,
) -> BootstrapCI | Undefined:
    """Seeded percentile bootstrap CI for α, resampling units with replacement.

    Each replicate weights every pairable unit by how often it was drawn, so α is a weighted sum of
    per-unit contributions. For the ordinal metric the ranks stay those of the full sample. With
    ``unit_weights`` a column stands for that many units (a replicate draws their total); with
    ``delta`` the matrix holds codes 0..V−1 compared by that V x V distance (``level`` unused).
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    parts = _alpha_parts(values, level, unit_weights, delta)
    point = parts.alpha()
    if isinstance(point, Undefined):
        return point
    n_draw = parts.n_draw
    rng = np.random.default_rng(seed)
    grouped = _group_units(parts)
    if grouped is not None:
        # Units with identical statistics are interchangeable: drawing n units with replacement
        # is a multinomial draw over the groups, with the same distribution and far less work.
        d_g, f_g, sizes = grouped
        draws = rng.multinomial(n_draw, sizes / sizes.sum(), size=n_boot).astype(np.float64)
        every = parts.alphas(draws @ d_g, draws @ f_g)
        reps = every[~np.isnan(every)].tolist()
    else:
        reps = []
        p = None if parts.weights is None else parts.weights / parts.weights.sum()
        n_units = parts.d.size
        for _ in range(n_boot):
            if p is None:
                w = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units)
            else:
                w = rng.multinomial(n_draw, p)
            a = parts.alpha(w.astype(np.float64))
            if not isinstance(a, Undefined):
                reps.append(a)
    if len(reps) < max(2, n_boot // 2):
        return Undefined(
            f"α was undefined in {n_boot - len(reps)} of {n_boot} bootstrap replicates"
        )
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(np.asarray(reps), [tail, 1.0 - tail])
    return BootstrapCI(float(lo), float(hi), n_boot, len(reps), seed, confidence)


def _group_units(parts: _AlphaParts) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Distinct feature rows, their d, and the total weight of the units sharing each, when
    that compresses well.

    A unit's d is a function of its feature row (its value counts or moments), so units with
    equal rows are interchangeable in the bootstrap.
    """
    feats = parts.features
    if feats is None or feats.shape[0] == 0:
        return None
    key = np.zeros(feats.shape[0], dtype=np.int64)
    radix = 1
    for col in feats.T:
        lo = float(col.min())
        span = float(col.max()) - lo
        ints = (col - lo).astype(np.int64)
        if span < 1_000_000 and np.array_equal(ints, col - lo):
            card = int(span) + 1
        else:
            _, inv = np.unique(col, return_inverse=True)
            ints = inv.reshape(-1).astype(np.int64)
            card = int(ints.max()) + 1
        if radix * card >= 2**62:
            return None
        key += ints * radix
        radix *= card
    if parts.weights is None:
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
    else:
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), weights=parts.weights, minlength=len(first))
    if len(first) > max(1000, feats.shape[0] // 4):
        return None
    return parts.d[first], np.ascontiguousarray(feats[first]), counts.astype(np.float64)


def alpha_with_distance(
    codes: npt.ArrayLike, delta: npt.ArrayLike, *, unit_weights: npt.ArrayLike | None = None
) -> Coefficient:
    """α for a coded matrix (codes 0..V−1, NaN missing) under any V x V distance matrix δ²
    (0 on the diagonal), with optional ``unit_weights`` as in :func:`krippendorff_alpha`."""
    return _alpha_parts(codes, "nominal", unit_weights, delta).alpha()


def _coincidence_from_codes(codes: IntArray, v: int) -> tuple[FloatArray, IntArray]:
    present = codes >= 0
    mu = present.sum(axis=0)
    w = np.where(mu >= 2, 1.0 / np.maximum(mu - 1, 1), 0.0)
    o = np.zeros(v * v)
    for a in range(codes.shape[0]):
        for b in range(codes.shape[0]):
            if a != b:
                both = present[a] & present[b]
                o += np.bincount(
                    codes[a][both] * v + codes[b][both], weights=w[both], minlength=v * v
                )
    return o.reshape(v, v), mu


# --------------------------------------------------------------------------- simple agreement
def percent_agreement(
    values: npt.ArrayLike, *, unit_weights: npt.ArrayLike | None = None
) -> Coefficient:
    """Mean over pairable units of the share of annotator pairs that gave the same value
    (weighted by ``unit_weights`` when given)."""
    m = _matrix(values)
    w = _unit_weights(unit_weights, m.shape[1])
    codes, cats, _ = _codes(m)
    mu = (codes >= 0).sum(axis=0).astype(np.float64)
    keep = mu >= 2
    if w is not None:
        keep &= w > 0
    if not keep.any():
        return Undefined(NO_PAIRS)
    agree = _pair_agreements(codes[:, keep], len(cats))
    mk = mu[keep]
    share = (agree - mk) / (mk * (mk - 1.0))
    if w is None:
        return float(np.mean(share))
    return float(share @ w[keep] / w[keep].sum())


# ------------------------------------------------------------------------------------ Cohen's κ
def _weight_matrix(scores: FloatArray, weights: str | None) -> FloatArray:
    k = len(scores)
    if weights is None:
        return np.eye(k)
    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; use linear or quadratic")
    span = float(scores.max() - scores.min()) if k else 0.0
    if span == 0:
        return np.ones((k, k))
    diff = np.abs(scores[:, None] - scores[None, :]) / span
    return 1.0 - (diff if weights == "linear" else diff * diff)


def confusion_table(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    categories: npt.ArrayLike | None = None,
    *,
    unit_weights: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Contingency table of two annotators' values (rows = ``a``) over units both rated, each
    unit counted ``unit_weights`` times when given; and the categories it is indexed by (those
    given, else the values found in both vectors)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("the two annotators' vectors must be 1-D and of equal length")
    uw = _unit_weights(unit_weights, x.shape[0])
    both = ~np.isnan(x) & ~np.isnan(y)
    if uw is not None:
        both &= uw > 0
    x, y = x[both], y[both]
    if categories is None:
        cats = np.unique(np.concatenate([x, y]))
    else:
        cats = np.asarray(categories, dtype=np.float64)
        if not np.isin(np.concatenate([x, y]), cats).all():
            raise ValueError("a value is not one of the given categories")
    k = len(cats)
    ix = np.searchsorted(cats, x)
    iy = np.searchsorted(cats, y)
    table = np.bincount(
        ix * k + iy, weights=None if uw is None else uw[both], minlength=k * k
    ).reshape(k, k)
    return table.astype(np.float64), cats


def cohen_kappa(
    a: npt.ArrayLike,
    b: npt.ArrayLike | None = None,
    *,
    weights: str | None = None,
    categories: npt.ArrayLike | None = None,
    distance: str = "positions",
    unit_weights: npt.ArrayLike | None = None,
) -> Coefficient:
    """Cohen's κ, optionally weighted (``'linear'`` or ``'quadratic'``).

    Either a square contingency table (rows = first annotator), or two value vectors with NaN
    for missing (units missing either value are dropped; each unit counted ``unit_weights``
    times when given). The categories are ``categories`` when given, else the values the two
    vectors hold on the units both rated, in increasing order.

    Weights are 1 − |d|/D (linear) or 1 − (d/D)² (quadratic) with D the largest distance.
    ``distance="positions"`` (default) measures d between the positions 0..k−1 of the ordered
    categories, as R's irr ``kappa2(weight="equal"/"squared")`` and scikit-learn's
    ``cohen_kappa_score(weights="linear"/"quadratic")`` do; ``"values"`` between the numeric
    values (for a table, ``categories`` must then give each row's value).
    """
    if distance not in KAPPA_DISTANCES:
        raise ValueError(f"unknown distance {distance!r}; use positions or values")
    if b is None:
        if unit_weights is not None:
            raise ValueError("unit_weights go with two value vectors, not a contingency table")
        table = np.asarray(a, dtype=np.float64)
        if table.ndim != 2 or table.shape[0] != table.shape[1]:
            raise ValueError("a contingency table must be square")
        scores = np.arange(table.shape[0], dtype=np.float64)
        if distance == "values" and weights is not None:
            if categories is None:
                raise ValueError("distance='values' on a contingency table needs categories")
            scores = np.asarray(categories, dtype=np.float64)
            if scores.shape != (table.shape[0],):
                raise ValueError("categories must give one value per row of the table")
    else:
        table, cats = confusion_table(a, b, categories, unit_weights=unit_weights)
        scores = cats if distance == "values" else np.arange(len(cats), dtype=np.float64)
    n = float(table.sum())
    if n == 0:
        return Undefined("no unit was rated by both annotators")
    w = _weight_matrix(scores, weights)
    p = table / n
    po = float((w * p).sum())
    pe = float(p.sum(axis=1) @ w @ p.sum(axis=0))
    if pe >= 1.0 - 1e-12:
        return Undefined("chance agreement is 1: both annotators used one and the same label")
    return (po - pe) / (1.0 - pe)


def pairwise_cohen(
    values: npt.ArrayLike,
    *,
    weights: str | None = None,
    distance: str = "positions",
    unit_weights: npt.ArrayLike | None = None,
) -> list[tuple[int, int, int, Coefficient]]:
    """Cohen's κ of every annotator pair: ``(a, b, n_units_both, κ)``.

    Each pair's categories are the values it gave on the units both rated, so its weighted κ
    is what ``kappa2`` or ``cohen_kappa_score`` give on that pair's two columns (``distance`` as
    in :func:`cohen_kappa`). With ``unit_weights`` each column counts that many times
    (``n_units_both`` too).
    """
    m = _matrix(values)
    uw = _unit_weights(unit_weights, m.shape[1])
    given = ~np.isnan(m)
    out: list[tuple[int, int, int, Coefficient]] = []
    for a in range(m.shape[0]):
        for b in range(a + 1, m.shape[0]):
            both = given[a] & given[b]
            n = int(both.sum()) if uw is None else round(float(uw[both].sum()))
            k = cohen_kappa(m[a], m[b], weights=weights, distance=distance, unit_weights=uw)
            out.append((a, b, n, k))
    return out


def mean_pairwise_cohen(
    values: npt.ArrayLike,
    *,
    weights: str | None = None,
    distance: str = "positions",
    unit_weights: npt.ArrayLike | None = None,
) -> Coefficient:
    """Average of the defined pairwise Cohen κ (what NLTK calls ``kappa``)."""
    pairs = pairwise_cohen(values, weights=weights, distance=distance, unit_weights=unit_weights)
    ks = [k for *_, k in pairs if not isinstance(k, Undefined)]
    if not ks:
        return Undefined("no annotator pair has a defined Cohen's κ")
    return float(np.mean(ks))


# ------------------------------------------------------------------------------ Fleiss, Gwet
def _count_table_stats(
    counts: FloatArray, unit_weights: npt.ArrayLike | None = None
) -> tuple[float, FloatArray, int] | Undefined:
    """Observed agreement p_a and mean category shares π_k (Gwet's forms for missing data).

    p_a averages, over units with two or more ratings, the share of agreeing rater pairs; π_k
    averages each unit's category shares over all units with at least one rating, so a unit's
    lone rating counts in chance agreement only (Gwet 2014, irrCAC). Both are weighted averages
    with ``unit_weights`` (units of weight 0 are left out).
    """
    w = _unit_weights(unit_weights, counts.shape[0])
    r = counts.sum(axis=1)
    rated = r >= 1
    two = r >= 2
    if w is not None:
        rated &= w > 0
        two &= w > 0
    if not rated.any():
        return Undefined(NO_RATINGS)
    if not two.any():
        return Undefined(NO_PAIRS)
    rr = r[two]
    per_unit = (counts[two] * (counts[two] - 1)).sum(axis=1) / (rr * (rr - 1))
    shares = counts[rated] / r[rated, None]
    if w is None:
        return float(np.mean(per_unit)), shares.mean(axis=0), int(two.sum())
    pa = float(per_unit @ w[two] / w[two].sum())
    return pa, w[rated] @ shares / w[rated].sum(), int(two.sum())


def _rated_columns(values: npt.ArrayLike, unit_weights: npt.ArrayLike | None
                   ) -> tuple[FloatArray, FloatArray | None]:
    """The matrix without its columns of weight 0, and the remaining weights."""
    m = _matrix(values)
    w = _unit_weights(unit_weights, m.shape[1])
    if w is None or (w > 0).all():
        return m, w
    return m[:, w > 0], w[w > 0]


def fleiss_kappa_from_counts(
    counts: npt.ArrayLike, *, unit_weights: npt.ArrayLike | None = None
) -> Coefficient:
    """Fleiss' κ from a (units x categories) table of how many annotators chose each category.

    With the same number of ratings per unit this is Fleiss (1971); with unequal numbers
    (missing data) it is Gwet's generalisation (as irrCAC computes it): a unit with one rating
    adds nothing to observed agreement but its rating counts in the category shares behind
    chance agreement. Undefined when there are no ratings, no unit with two, or when every
    rating is one category (chance agreement 1), never 1.0 then. ``unit_weights`` (one per row)
    counts each row that many times.
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError("a count table must be 2-D (units x categories)")
    stats = _count_table_stats(table, unit_weights)
    if isinstance(stats, Undefined):
        return stats
    pa, pi, _ = stats
    if np.count_nonzero(pi) < 2:
        return Undefined("every rating is the same category, so chance agreement is 1")
    pe = float(pi @ pi)
    return (pa - pe) / (1.0 - pe)


def fleiss_kappa(
    values: npt.ArrayLike, *, unit_weights: npt.ArrayLike | None = None
) -> Coefficient:
    """Fleiss' κ from a reliability matrix (annotators x units, NaN missing), each column
    counted ``unit_weights`` times when given."""
    m, w = _rated_columns(values, unit_weights)
    counts, _ = category_counts(m)
    return fleiss_kappa_from_counts(counts, unit_weights=w)


def gwet_ac1_from_counts(
    counts: npt.ArrayLike,
    n_categories: int | None = None,
    *,
    unit_weights: npt.ArrayLike | None = None,
) -> Coefficient:
    """Gwet's AC1 from a (units x categories) count table.

    p_e = Σ_k π_k(1 − π_k)/(q − 1) with q the number of categories (the table's columns unless
    ``n_categories`` says more exist); p_a and π_k as in :func:`fleiss_kappa_from_counts` (a lone
    rating counts in π_k only), and so is ``unit_weights``. With q ≥ 2, p_e ≤ 1/q < 1: AC1 is
    undefined only without ratings, without a unit rated twice, or with q < 2.
    """
    table = np.asarray(counts, dtype=np.float64)
    q = int(n_categories if n_categories is not None else table.shape[1])
    if q < 2:
        return Undefined("AC1 needs at least two categories")
    stats = _count_table_stats(table, unit_weights)
    if isinstance(stats, Undefined):
        return stats
    pa, pi, _ = stats
    pe = float((pi * (1.0 - pi)).sum() / (q - 1))
    return (pa - pe) / (1.0 - pe)


def gwet_ac1(
    values: npt.ArrayLike,
    n_categories: int | None = None,
    *,
    unit_weights: npt.ArrayLike | None = None,
) -> Coefficient:
    """Gwet's AC1 (unweighted) from a reliability matrix, with missing data as Gwet defines it,
    each column counted ``unit_weights`` times when given.

    q is the number of categories found in the matrix, so one label everywhere leaves AC1
    undefined (its chance term divides by q − 1 = 0) rather than 1.0; a caller that declares
    ``n_categories`` ≥ 2 gets Gwet's AC1 over that many, which is 1.0 when everyone agrees.
    """
    m, w = _rated_columns(values, unit_weights)
    counts, cats = category_counts(m)
    if not len(cats):
        return Undefined(NO_RATINGS)
    if len(cats) < 2 and n_categories is None:
        return Undefined("only one category was used, so AC1 has no chance model")
    return gwet_ac1_from_counts(counts, n_categories, unit_weights=w)


# ---------------------------------------------------------------------------------- diagnostics
def confusion_matrix(
    values: npt.ArrayLike, a: int, b: int
) -> tuple[FloatArray, FloatArray]:
    """Contingency table of annotators ``a`` (rows) and ``b`` over the matrix's categories."""
    m = _matrix(values)
    cats = np.unique(m[~np.isnan(m)])
    return confusion_table(m[a], m[b], cats)


def unit_disagreement(values: npt.ArrayLike, level: str = "nominal") -> FloatArray:
    """Mean pairwise δ² within each unit (NaN where fewer than two values).

    For nominal data this is the share of annotator pairs that disagree.
    """
    m = _matrix(values)
    parts = _alpha_parts(m, level)
    out = np.full(m.shape[1], np.nan)
    mu = (~np.isnan(m[:, parts.units])).sum(axis=0)
    out[parts.units] = parts.d / mu
    return out


def most_disagreed_units(
    values: npt.ArrayLike, level: str = "nominal", top: int = 10
) -> list[tuple[int, float]]:
    """The ``top`` units with the highest mean pairwise disagreement, as (unit index, value)."""
    dis = unit_disagreement(values, level)
    order = np.argsort(-np.nan_to_num(dis, nan=-1.0), kind="stable")
    return [(int(u), float(dis[u])) for u in order[:top] if not np.isnan(dis[u]) and dis[u] > 0]


def alpha_without_each(values: npt.ArrayLike, level: str = "nominal") -> list[Coefficient]:
    """α recomputed with each annotator left out in turn (index = the annotator left out)."""
    m = _matrix(values)
    return [
        krippendorff_alpha(np.delete(m, a, axis=0), level) for a in range(m.shape[0])
    ]


# ------------------------------------------------------------------------- set-valued labels
LabelSet = frozenset[Hashable]


def jaccard_distance(x: LabelSet, y: LabelSet) -> float:
    """1 − |x ∩ y| / |x ∪ y|; two empty sets are identical (distance 0)."""
    union = len(x | y)
    return 0.0 if union == 0 else 1.0 - len(x & y) / union


def masi_distance(x: LabelSet, y: LabelSet) -> float:
    """MASI distance (Passonneau 2006): 1 − Jaccard × monotonicity weight.

    The weight is 1 for equal sets, 2/3 when one contains the other, 1/3 for another overlap,
    0 for disjoint sets (Passonneau's weights, as in NLTK 3.9+). Two empty sets are identical
    (distance 0).
    """
    inter = len(x & y)
    union = len(x | y)
    if union == 0:
        return 0.0
    if len(x) == len(y) == inter:
        mono = 1.0
    elif inter == min(len(x), len(y)):
        mono = 2.0 / 3.0
    elif inter > 0:
        mono = 1.0 / 3.0
    else:
        mono = 0.0
    return 1.0 - inter / union * mono


SET_DISTANCES: dict[str, Callable[[LabelSet, LabelSet], float]] = {
    "masi": masi_distance,
    "jaccard": jaccard_distance,
}


def set_alpha(
    sets: Sequence[Sequence[Iterable[Hashable] | None]], distance: str = "masi"
) -> Coefficient:
    """Krippendorff's α over label *sets* (multi-label annotation).

    ``sets[u][a]`` is the set of labels annotator ``a`` gave unit ``u`` (rows are units here, as
    one usually lists them), ``None`` when the annotator did not annotate the unit; an empty set
    means "annotated, no label". ``distance`` is ``'masi'`` or ``'jaccard'``.
    """
    dist = SET_DISTANCES.get(distance)
    if dist is None:
        raise ValueError(f"unknown set distance {distance!r}; use masi or jaccard")
    index: dict[LabelSet, int] = {}
    n_units = len(sets)
    n_ann = max((len(row) for row in sets), default=0)
    codes = np.full((n_ann, n_units), np.nan)
    for u, row in enumerate(sets):
        for a, s in enumerate(row):
            if s is not None:
                codes[a, u] = index.setdefault(frozenset(s), len(index))
    distinct = list(index)
    delta = np.array([[dist(x, y) for y in distinct] for x in distinct], dtype=np.float64)
    return alpha_with_distance(codes, delta.reshape(len(distinct), len(distinct)))


def sets_from_rows(
    rows: Iterable[tuple[Hashable, Hashable, Hashable | None]],
) -> tuple[list[list[LabelSet | None]], list[Hashable], list[Hashable]]:
    """Multi-label rows ``(unit, annotator, label)`` to ``sets[u][a]``.

    Several rows for one (unit, annotator) collect into one set; a row with label ``None`` marks
    that the annotator annotated the unit and gave no label (empty set). Absent pairs are ``None``.
    """
    unit_ix: dict[Hashable, int] = {}
    ann_ix: dict[Hashable, int] = {}
    acc: dict[tuple[int, int], set[Hashable]] = {}
    for unit, annotator, label in rows:
        u = unit_ix.setdefault(unit, len(unit_ix))
        a = ann_ix.setdefault(annotator, len(ann_ix))
        cell = acc.setdefault((u, a), set())
        if label is not None and label != "":
            cell.add(label)
    out: list[list[LabelSet | None]] = [[None] * len(ann_ix) for _ in unit_ix]
    for (u, a), labels in acc.items():
        out[u][a] = frozenset(labels)
    return out, list(unit_ix), list(ann_ix)


def binary_view(sets: Sequence[Sequence[Iterable[Hashable] | None]], label: Hashable) -> FloatArray:
    """Present/absent matrix (annotators x units) for one label: 1, 0, or NaN when not annotated."""
    n_ann = max((len(row) for row in sets), default=0)
    out = np.full((n_ann, len(sets)), np.nan)
    for u, row in enumerate(sets):
        for a, s in enumerate(row):
            if s is not None:
                out[a, u] = 1.0 if label in set(s) else 0.0
    return out


def per_label_agreement(
    sets: Sequence[Sequence[Iterable[Hashable] | None]],
    labels: Iterable[Hashable] | None = None,
) -> dict[Hashable, dict[str, Any]]:
    """For each label, α and κ on its binary present/absent view.

    κ is Cohen's for exactly two annotators, else the mean pairwise Cohen's κ. Values are
    :data:`Coefficient` objects; ``prevalence`` is the share of given values that are "present".
    """
    if labels is None:
        found: set[Hashable] = set()
        for row in sets:
            for s in row:
                if s is not None:
                    found.update(s)
        labels = sorted(found, key=str)
    out: dict[Hashable, dict[str, Any]] = {}
    for label in labels:
        view = binary_view(sets, label)
        given = view[~np.isnan(view)]
        kappa = (
            cohen_kappa(view[0], view[1], categories=[0.0, 1.0])
            if view.shape[0] == 2
            else mean_pairwise_cohen(view)
        )
        out[label] = {
            "krippendorff_alpha": krippendorff_alpha(view, "nominal"),
            "kappa": kappa,
            "prevalence": float(given.mean()) if given.size else 0.0,
            "n_units": int(((~np.isnan(view)).sum(axis=0) >= 2).sum()),
        }
    return out


# ------------------------------------------------------------------------------- attributes
def attribute_alpha(
    cells: dict[tuple[Hashable, Hashable], Any], scale: str = "nominal", *, multiple: bool = False
) -> tuple[Coefficient, str, int]:
    """Krippendorff's α of one attribute (who speaks, about whom...) over matched units.

    ``cells[(unit, annotator)]`` is the value an annotator gave the attribute on a unit (a
    matched span, a sentence label): a string for nominal attributes, a number for ordinal,
    interval and ratio ones, a set of strings for ``multiple`` ones. Absent cells are missing.
    Returns (α, the metric used, pairable units). The metric follows the attribute's scale:
    nominal δ² for open text and unnumbered values, ordinal / interval / ratio δ² for values on
    a scale, and MASI (Passonneau 2006) between value sets for multiple attributes (partial
    credit when one annotator named Ukraine and another Ukraine and West), as in ``agree`` for
    multi-label sets."""
    units = list(dict.fromkeys(u for u, _ in cells))
    annotators = list(dict.fromkeys(a for _, a in cells))
    u_ix = {u: i for i, u in enumerate(units)}
    a_ix = {a: i for i, a in enumerate(annotators)}
    given = np.zeros(len(units), dtype=np.int64)
    for u, _ in cells:
        given[u_ix[u]] += 1
    pairable = int((given >= 2).sum())
    if multiple:
        sets: list[list[Iterable[Hashable] | None]] = [[None] * len(annotators) for _ in units]
        for (u, a), v in cells.items():
            sets[u_ix[u]][a_ix[a]] = frozenset(v)
        return (set_alpha(sets, "masi") if pairable else Undefined(NO_PAIRS)), "masi", pairable
    values = np.full((len(annotators), len(units)), np.nan)
    if scale == "nominal":
        codes: dict[Hashable, int] = {}
        for (u, a), v in cells.items():
            values[a_ix[a], u_ix[u]] = codes.setdefault(label_key(v), len(codes))
    else:
        for (u, a), v in cells.items():
            values[a_ix[a], u_ix[u]] = float(v)
    if not pairable:
        return Undefined(NO_PAIRS), scale, 0
    return krippendorff_alpha(values, scale), scale, pairable


# ------------------------------------------------------------------------------------- summary
@dataclass
class _Drops:
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, why: str, n: int) -> None:
        if n:
            self.reasons[why] = self.reasons.get(why, 0) + n


def summarize(
    values: npt.ArrayLike,
    level: str = "nominal",
    weights: str | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    *,
    annotators: Sequence[Hashable] | None = None,
    kappa_distance: str = "positions",
) -> dict[str, Any]:
    """All coefficients for one reliability matrix, as a JSON-friendly dict.

    Undefined coefficients are ``None`` and their reasons are under ``undefined``. κ, Fleiss and
    AC1 treat values as categories; α and the bootstrap CI use ``level``. ``cohen_kappa`` appears
    only with exactly two annotators (weighted when ``weights`` is given, over the distances
    ``kappa_distance`` names: see :func:`cohen_kappa`).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if weights is not None and weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; use linear or quadratic")
    if kappa_distance not in KAPPA_DISTANCES:
        raise ValueError(f"unknown distance {kappa_distance!r}; use positions or values")
    m = _matrix(values)
    names = list(annotators) if annotators is not None else list(range(m.shape[0]))
    mu = (~np.isnan(m)).sum(axis=0)
    drops = _Drops()
    drops.add("no value from any annotator", int((mu == 0).sum()))
    drops.add(LONE_VALUE, int((mu == 1).sum()))
    undefined: dict[str, str] = {}

    def put(key: str, x: Coefficient) -> float | None:
        if isinstance(x, Undefined):
            undefined[key] = x.reason
        return jsonable(x)

    out: dict[str, Any] = {
        "level": level,
        "weights": weights,
        "kappa_distance": kappa_distance,
        "n_units": int(m.shape[1]),
        "n_annotators": int(m.shape[0]),
        "n_values": int(mu.sum()),
        "units_used": int((mu >= 2).sum()),
        "units_dropped": int((mu < 2).sum()),
        "units_dropped_reasons": drops.reasons,
        # the text's small-sample warning, for scripts (as each set of `agree --json` on a db)
        "small_sample": is_small_sample(int((mu >= 2).sum())),
        "categories": [float(c) for c in np.unique(m[~np.isnan(m)])],
    }
    out["percent_agreement"] = put("percent_agreement", percent_agreement(m))
    out["krippendorff_alpha"] = put("krippendorff_alpha", krippendorff_alpha(m, level))
    ci = alpha_bootstrap_ci(m, level, n_boot=n_boot, seed=seed) if n_boot > 0 else None
    if isinstance(ci, Undefined):
        undefined["alpha_ci95"] = ci.reason
        out["alpha_ci95"] = None
    else:
        out["alpha_ci95"] = None if ci is None else ci.to_json()
    out["fleiss_kappa"] = put("fleiss_kappa", fleiss_kappa(m))
    out["gwet_ac1"] = put("gwet_ac1", gwet_ac1(m))
    pairs = pairwise_cohen(m, weights=weights, distance=kappa_distance)
    if m.shape[0] == 2:
        out["cohen_kappa"] = put("cohen_kappa", pairs[0][3])
    out["pairwise_cohen"] = [
        {
            "a": names[a],
            "b": names[b],
            "n_units": n,
            "kappa": jsonable(k),
            "reason": reason(k),
        }
        for a, b, n, k in pairs
    ]
    out["undefined"] = undefined
    return out
