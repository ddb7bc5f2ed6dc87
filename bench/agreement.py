"""Krippendorff's alpha benchmark: ours vs the `krippendorff` package vs NLTK, same run.

Data: a seeded reliability matrix of N units x A annotators (default 1,000,000 x 5) with 10% of
the values missing. Nominal data: 5 categories, each annotator copies a hidden true category with
probability 0.7, otherwise picks at random. Interval (and ordinal, ratio) data: the same scheme
on a 1..7 scale. --levels picks the levels (default nominal,interval).

Times are the best of --repeat runs (in this process) and reported as ratios ours/krippendorff.
NLTK's AnnotationTask is far too slow for the full matrix: it runs once on the first
--nltk-units units (default 10,000) and its time is extrapolated linearly to N units (the
output says so); its alpha is compared with ours on that same subsample. The bootstrap line
times `alpha_bootstrap_ci` (1,000 resamples of units) on the full matrix.

    python bench/agreement.py [--units N] [--annotators A] [--missing P] [--repeat R]
                              [--nltk-units M] [--no-nltk] [--seed S] [--n-boot B]
                              [--levels nominal,ordinal,interval,ratio]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core import agreement as ag  # noqa: E402


def make_matrix(level: str, n_units: int, n_ann: int, missing: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n_cats = 5 if level == "nominal" else 7
    truth = rng.integers(1, n_cats + 1, n_units)
    noise = rng.integers(1, n_cats + 1, (n_ann, n_units))
    m = np.where(rng.random((n_ann, n_units)) < 0.7, truth, noise).astype(np.float64)
    m[rng.random(m.shape) < missing] = np.nan
    return m


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best = float("inf")
    value: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def nltk_alpha(m: np.ndarray, level: str) -> float:
    from nltk.metrics.agreement import AnnotationTask
    from nltk.metrics.distance import binary_distance, interval_distance

    if level not in ("nominal", "interval"):
        raise ValueError("NLTK has no ordinal or ratio metric")

    data = [
        (a, u, float(m[a, u]))
        for a in range(m.shape[0])
        for u in range(m.shape[1])
        if not np.isnan(m[a, u])
    ]
    dist = binary_distance if level == "nominal" else interval_distance
    return float(AnnotationTask(data=data, distance=dist).alpha())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=1_000_000)
    p.add_argument("--annotators", type=int, default=5)
    p.add_argument("--missing", type=float, default=0.10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--nltk-units", type=int, default=10_000)
    p.add_argument("--no-nltk", action="store_true")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--levels", default="nominal,interval", help="comma-separated levels")
    args = p.parse_args()
    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    bad = [lv for lv in levels if lv not in ag.LEVELS]
    if bad:
        p.error(f"unknown level(s): {', '.join(bad)}")

    import krippendorff

    print(
        f"Krippendorff's alpha: {args.units:,} units x {args.annotators} annotators, "
        f"{args.missing:.0%} missing, seed {args.seed}; best of {args.repeat} runs"
    )
    header = (
        f"{'level':<9}{'ours s':>9}{'kripp s':>9}{'ours/kripp':>12}"
        f"{'alpha ours':>13}{'alpha kripp':>13}{'|diff|':>10}"
    )
    print(header)
    rows: list[dict[str, Any]] = []
    ok = True
    for level in levels:
        m = make_matrix(level, args.units, args.annotators, args.missing, args.seed)
        t_ours, a_ours = best_of(
            lambda m=m, level=level: ag.krippendorff_alpha(m, level), args.repeat
        )
        t_kr, a_kr = best_of(
            lambda m=m, level=level: krippendorff.alpha(m, level_of_measurement=level), args.repeat
        )
        diff = abs(float(a_ours) - float(a_kr))
        ok = ok and diff < 1e-9
        print(
            f"{level:<9}{t_ours:>9.3f}{t_kr:>9.3f}{t_ours / t_kr:>12.2f}"
            f"{a_ours:>13.6f}{a_kr:>13.6f}{diff:>10.1e}"
        )
        rows.append({"level": level, "m": m, "t_ours": t_ours})

    if not args.no_nltk:
        import nltk.metrics.agreement  # noqa: F401  (import once, outside the timed region)

        n = min(args.nltk_units, args.units)
        print()
        print(
            f"NLTK AnnotationTask.alpha on the first {n:,} units only, time extrapolated "
            f"linearly to {args.units:,} units (x{args.units / n:g}):"
        )
        print(
            f"{'level':<9}{'nltk s (sub)':>13}{'nltk s (extrap.)':>18}{'ours/nltk':>11}"
            f"{'alpha ours(sub)':>17}{'alpha nltk(sub)':>17}{'|diff|':>10}"
        )
        for row in rows:
            if row["level"] not in ("nominal", "interval"):
                print(f"{row['level']:<9}  (NLTK has no {row['level']} metric)")
                continue
            sub = row["m"][:, :n]
            t0 = time.perf_counter()
            a_nltk = nltk_alpha(sub, row["level"])
            t_sub = time.perf_counter() - t0
            t_full = t_sub * args.units / n
            a_sub = ag.krippendorff_alpha(sub, row["level"])
            diff = abs(float(a_sub) - a_nltk)
            ok = ok and diff < 1e-9
            print(
                f"{row['level']:<9}{t_sub:>13.3f}{t_full:>18.1f}{row['t_ours'] / t_full:>11.5f}"
                f"{a_sub:>17.6f}{a_nltk:>17.6f}{diff:>10.1e}"
            )

    if args.n_boot:
        print()
        for row in rows:
            t0 = time.perf_counter()
            ci = ag.alpha_bootstrap_ci(row["m"], row["level"], n_boot=args.n_boot, seed=args.seed)
            t_boot = time.perf_counter() - t0
            assert isinstance(ci, ag.BootstrapCI)
            print(
                f"bootstrap {row['level']}: {args.n_boot} resamples of {args.units:,} units in "
                f"{t_boot:.2f} s ({t_boot / row['t_ours']:.1f}x one alpha); "
                f"95% CI {ci.low:.4f} to {ci.high:.4f}"
            )

    print()
    print("values agree" if ok else "VALUES DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
