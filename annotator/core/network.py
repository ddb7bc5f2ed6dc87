"""Discourse networks from statements, as the Discourse Network Analyzer (DNA) defines them.

A statement is one coded observation: a first-variable value (an actor), a second-variable value
(a target, a concept, a label, an outlet), optionally an integer qualifier level (agreement: no =
0, yes = 1; or an intensity scale such as -5..+5) and a date. Researchers who know DNA (Leifeld)
expect its numbers, so this module follows the definitions of DNA's manual (leifeld/dna,
manual2/dna-manual.Rnw) and, where the manual is silent, its exporter (dna/export/Exporter.java):

- "Notation": X is the array of statement counts x_ijk (i first variable, j second variable, k
  qualifier level). K holds every level of the scale, not only the observed ones: an integer
  qualifier on -5..+5 has |K| - 1 = 10, whatever the data show (``scale`` below).
- "Construction of One-Mode Networks": congruence y_ii' = sum_j sum_k sum_k' x_ijk x_i'jk'
  (1 - |k - k'| / (|K| - 1)); conflict uses |k - k'| / (|K| - 1); with one level (no qualifier)
  both reduce to the "ignore" product sum_j (sum_k x_ijk)(sum_k x_i'jk). The diagonal is 0
  (the exporter skips i = i').
- "Normalization for One-Mode Networks": average activity (divide by the mean of the two row
  totals), Jaccard (matches plus each side's counts where the other is 0), cosine (product of
  the two row totals); a zero denominator gives 0, as in the exporter.
- "Affiliation Networks": two-mode y_ij = sum_k x_ijk without a qualifier; with one, the signed
  "subtract" form: sum_k k x_ijk for an integer scale, sum_k (k - (1 - k)) x_ijk for a binary
  one (no counts as -1). "Normalization of Affiliation Networks": activity divides by the row
  total sum_j sum_k x_ijk, prominence by the column total.
- "Time Series Options" and Exporter.computeTimeWindowMatrices: a moving window of w days is
  centred on each day from the first to the last statement date, reaching round((w - 1) / 2)
  days either side; only windows that lie wholly inside that range give a network.

Pure: numpy only, so the CLI, the report and the tests share one implementation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

OneModeKind = Literal["congruence", "conflict", "ignore"]
NetworkType = Literal["affiliation", "congruence", "conflict"]
ONE_MODE_NORMALIZATIONS = ("none", "average", "jaccard", "cosine")
TWO_MODE_NORMALIZATIONS = ("none", "activity", "prominence")


class NetworkError(ValueError):
    """A request the definitions cannot answer (e.g. conflict without a qualifier)."""


@dataclass(frozen=True)
class Statement:
    """One coded observation: who (var1), what or whom (var2), how (qualifier), when."""

    var1: str
    var2: str
    qualifier: int | None = None
    when: date | None = None


@dataclass(frozen=True)
class Cuboid:
    """DNA's X array: counts[i, j, k] = how often var1 value i used var2 value j at level k."""

    names1: tuple[str, ...]
    names2: tuple[str, ...]
    levels: tuple[int, ...]  # the k values; (0,) when there is no qualifier
    counts: np.ndarray  # shape (len(names1), len(names2), len(levels))
    qualified: bool


@dataclass(frozen=True)
class Network:
    """A weighted matrix with its row and column names (one-mode: rows == cols)."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    weights: np.ndarray
    one_mode: bool
    n_statements: int
    start: date | None = None
    stop: date | None = None

    def edges(self) -> list[tuple[str, str, float]]:
        """Non-zero ties; a one-mode network is symmetric, so each pair once (row < col)."""
        out: list[tuple[str, str, float]] = []
        for a, row in enumerate(self.weights):
            for b, w in enumerate(row):
                if w == 0 or (self.one_mode and b <= a):
                    continue
                out.append((self.rows[a], self.cols[b], float(w)))
        return out


def cuboid(
    statements: Iterable[Statement], scale: tuple[int, int] | None = None,
    names1: Sequence[str] | None = None, names2: Sequence[str] | None = None,
) -> Cuboid:
    """Count statements into X. ``scale`` is the qualifier's declared (min, max): every integer
    level between them belongs to K (the manual's "all k levels of the scale are included");
    without it, the observed minimum and maximum. Statements either all carry a qualifier or
    none does. ``names1``/``names2`` fix the node order (e.g. all actors, for time windows)."""
    items = list(statements)
    qualified = {s.qualifier is not None for s in items}
    if len(qualified) > 1:
        raise NetworkError("some statements have a qualifier and some do not")
    has_q = qualified == {True}
    if has_q:
        observed = [int(s.qualifier) for s in items if s.qualifier is not None]
        lo, hi = scale if scale is not None else (min(observed), max(observed))
        if any(q < lo or q > hi for q in observed):
            raise NetworkError(f"a qualifier value lies outside the scale {lo}..{hi}")
        levels = tuple(range(lo, hi + 1))
    else:
        levels = (0,)
    n1 = tuple(names1) if names1 is not None else tuple(sorted({s.var1 for s in items}))
    n2 = tuple(names2) if names2 is not None else tuple(sorted({s.var2 for s in items}))
    i1 = {n: i for i, n in enumerate(n1)}
    i2 = {n: i for i, n in enumerate(n2)}
    ik = {k: i for i, k in enumerate(levels)}
    x = np.zeros((len(n1), len(n2), len(levels)), dtype=float)
    for s in items:
        x[i1[s.var1], i2[s.var2], ik[int(s.qualifier) if has_q and s.qualifier is not None
                                     else 0]] += 1
    return Cuboid(n1, n2, levels, x, has_q)


def _similarity(levels: tuple[int, ...], kind: OneModeKind) -> np.ndarray:
    """The |K| x |K| weights of level pairs: 1 - |k-k'|/(|K|-1) (congruence), |k-k'|/(|K|-1)
    (conflict), or 1 everywhere (ignore: levels do not matter)."""
    k = np.array(levels, dtype=float)
    span = k.max() - k.min() if len(k) > 1 else 0.0
    if kind == "ignore":
        return np.ones((len(k), len(k)))
    if span == 0:
        # One level: every pair agrees; nothing can conflict.
        return np.ones((1, 1)) if kind == "congruence" else np.zeros((1, 1))
    dist = np.asarray(np.abs(k[:, None] - k[None, :]) / span, dtype=float)
    return 1.0 - dist if kind == "congruence" else dist


def one_mode(cube: Cuboid, kind: OneModeKind, normalize: str = "none") -> Network:
    """A one-mode (var1 x var1) network: congruence, conflict or ignore, then Phi."""
    if normalize not in ONE_MODE_NORMALIZATIONS:
        raise NetworkError(f"normalisation {normalize!r} is for affiliation networks; "
                           f"one-mode networks take {', '.join(ONE_MODE_NORMALIZATIONS)}")
    if kind == "conflict" and not cube.qualified:
        raise NetworkError("a conflict network needs a qualifier (--qualifier)")
    x = cube.counts
    sim = _similarity(cube.levels, kind)
    # y[i, i'] = sum_j sum_k sum_k' x[i,j,k] x[i',j,k'] sim[k,k']
    y = np.einsum("ajk,kl,bjl->ab", x, sim, x)
    np.fill_diagonal(y, 0.0)
    if normalize != "none":
        with np.errstate(divide="ignore", invalid="ignore"):
            y = y / _one_mode_denominator(x, normalize)
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
        np.fill_diagonal(y, 0.0)
    return Network(cube.names1, cube.names1, y, True, int(x.sum()))


def _one_mode_denominator(x: np.ndarray, normalize: str) -> np.ndarray:
    """Phi's denominators for every pair (0 where undefined; the caller turns x/0 into 0)."""
    activity = np.asarray(x.sum(axis=(1, 2)), dtype=float)
    if normalize == "average":
        return np.asarray((activity[:, None] + activity[None, :]) / 2.0, dtype=float)
    if normalize == "cosine":
        return np.asarray(np.sqrt(activity[:, None] ** 2) * np.sqrt(activity[None, :] ** 2),
                          dtype=float)
    # Jaccard: sum x_ijk [x_i'jk = 0] + sum x_i'jk [x_ijk = 0] + sum x_ijk x_i'jk
    flat = np.asarray(x.reshape(x.shape[0], -1), dtype=float)
    zero = (flat == 0).astype(float)
    only_a = flat @ zero.T
    return np.asarray(only_a + only_a.T + flat @ flat.T, dtype=float)


def affiliation(cube: Cuboid, normalize: str = "none") -> Network:
    """The two-mode (var1 x var2) network: counts, or signed counts with a qualifier."""
    if normalize not in TWO_MODE_NORMALIZATIONS:
        raise NetworkError(f"normalisation {normalize!r} is for one-mode networks; "
                           f"affiliation networks take {', '.join(TWO_MODE_NORMALIZATIONS)}")
    x = cube.counts
    if not cube.qualified:
        y = x.sum(axis=2)
    elif cube.levels == (0, 1):
        y = x[:, :, 1] - x[:, :, 0]
    else:
        y = np.einsum("ijk,k->ij", x, np.array(cube.levels, dtype=float))
    if normalize != "none":
        total = x.sum(axis=2)
        denom = (total.sum(axis=1)[:, None] if normalize == "activity"
                 else total.sum(axis=0)[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.nan_to_num(y / denom, nan=0.0, posinf=0.0, neginf=0.0)
    return Network(cube.names1, cube.names2, y, False, int(x.sum()))


def network(
    statements: Sequence[Statement], kind: NetworkType, normalize: str = "none",
    scale: tuple[int, int] | None = None,
) -> Network:
    """One network over all statements: affiliation, congruence or conflict."""
    cube = cuboid(statements, scale)
    if kind == "affiliation":
        return affiliation(cube, normalize)
    return one_mode(cube, kind if cube.qualified or kind == "conflict" else "ignore", normalize)


def _half_up(value: float) -> int:
    """Java's Math.round (half away from zero for positives), not Python's banker's round."""
    return math.floor(value + 0.5)


def time_windows(
    statements: Sequence[Statement], days: int, kind: NetworkType, normalize: str = "none",
    scale: tuple[int, int] | None = None,
) -> list[Network]:
    """DNA's moving time window in days: one network per day from the first to the last
    statement date, each over the statements within round((days - 1) / 2) days of that day;
    windows reaching outside the statements' date range are left out (as DNA does). Node sets
    are the same in every window, so the networks line up."""
    if days < 1:
        raise NetworkError("--window must be at least 1 day")
    dated = [s for s in statements if s.when is not None]
    if len(dated) != len(statements):
        raise NetworkError(f"{len(statements) - len(dated)} statement(s) have no date "
                           "(documents without a published date): a time window needs dates")
    if not dated:
        return []
    if scale is None and dated[0].qualifier is not None:
        observed = [int(s.qualifier) for s in dated if s.qualifier is not None]
        scale = (min(observed), max(observed))
    names1 = tuple(sorted({s.var1 for s in dated}))
    names2 = tuple(sorted({s.var2 for s in dated}))
    first = min(s.when for s in dated if s.when is not None)
    last = max(s.when for s in dated if s.when is not None)
    half = timedelta(days=_half_up((days - 1) / 2))
    out: list[Network] = []
    day = first
    while day <= last:
        lo, hi = day - half, day + half
        if lo >= first and hi <= last:
            inside = [s for s in dated if s.when is not None and lo <= s.when <= hi]
            cube = cuboid(inside, scale, names1, names2) if inside else _empty(
                names1, names2, scale, dated[0].qualifier is not None)
            if kind == "affiliation":
                net = affiliation(cube, normalize)
            else:
                net = one_mode(cube, kind if cube.qualified or kind == "conflict" else "ignore",
                               normalize)
            out.append(Network(net.rows, net.cols, net.weights, net.one_mode,
                               len(inside), lo, hi))
        day += timedelta(days=1)
    return out


def _empty(names1: tuple[str, ...], names2: tuple[str, ...],
           scale: tuple[int, int] | None, qualified: bool) -> Cuboid:
    levels = tuple(range(scale[0], scale[1] + 1)) if qualified and scale else (0,)
    return Cuboid(names1, names2, levels,
                  np.zeros((len(names1), len(names2), len(levels))), qualified)


def crosstab(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...],
                                                       np.ndarray]:
    """Counts of (row, col) pairs as a matrix: the report's actor x outlet table (who is
    quoted where) is the affiliation network of actor and outlet without a qualifier."""
    cube = cuboid(Statement(a, b) for a, b in pairs)
    return cube.names1, cube.names2, cube.counts.sum(axis=2)
