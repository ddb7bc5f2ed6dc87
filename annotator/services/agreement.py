"""Agreement over the database: the analysis of each label set, and the report.

``annotator agree`` without ``--table`` lands here. This module decides what a *unit* is for each
label set (a done sentence, a document, the characters of a sentence), reads everything it needs
in a few bulk queries (``Store.agreement_*``, run side by side in threads), builds numpy matrices
with lookup tables rather than per-unit Python loops, and computes the coefficients with
``annotator.core.agreement`` itself, so each coefficient (and each "undefined" reason) has one
implementation. Because a matrix of 200,000 sentences x 3 annotators has only a few hundred
distinct columns, the matrix is collapsed to those columns (``collapse``) and the core functions
get their counts as ``unit_weights``, which gives exactly what the full matrix gives (the core's
tests check that). Span matching is vectorised here over every span of the database and checked
against ``annotator.core.spans``. It also says how many units were used and how many were
dropped, and why, so nothing is dropped silently.

Its parts: the units and spans as matrices (services/agreement_load.py), span matching
(services/agreement_spans.py), the column reads shared by one report and run in threads
(services/agreement_reads.py), attributes (services/attribute_agreement.py).

Units:
- sentence sets: sentences marked done by two or more of the chosen annotators. "Done with no
  label" is an answer (the ``(none)`` category of a single-choice set, the empty set of a
  multi-label set); a sentence an annotator did not mark done is missing for that annotator.
- document sets: documents; a document counts for an annotator who labelled it in the set or
  marked its document panel done.
- span sets: pairwise precision/recall/F1 per label over the sentences both annotators marked
  done, and a character-level alpha per label whose units are the characters of sentences done
  by two or more annotators (value 1 inside a span of the label, 0 outside, missing for an
  annotator who did not mark the sentence done).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.core.uncertainty import is_small_sample
from annotator.core.units import Versions
from annotator.services.agreement_load import (
    NONE_LABEL,
    ColumnReads,
    Dropped,
    SpanData,
    UnitMatrix,
    collapse,
    done_sentences,
    load_spans,
    load_units,
    plural,
    sentence_bounds,
)
from annotator.services.agreement_reads import PrefetchedReads, ScopedReads
from annotator.services.agreement_spans import PairCounts, char_patterns, span_pair_counts

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme
    from annotator.store import Store

# What callers use; the loaders and span matching are named here too (their homes are
# agreement_load.py and agreement_spans.py), so ``services.agreement`` stays the one door.
__all__ = [
    "NONE_LABEL",
    "SpanData",
    "UnitMatrix",
    "agreement_report",
    "analyse_spans",
    "analyse_units",
    "char_patterns",
    "load_spans",
    "load_units",
    "scheme_versions",
    "span_pair_counts",
]


# ------------------------------------------------------------------------------ computation
def _coef(out: dict[str, Any], key: str, x: Any) -> None:
    """Store a coefficient as a float, or None with its reason under ``undefined``."""
    from annotator.core.agreement import Undefined

    if isinstance(x, Undefined):
        out[key] = None
        out.setdefault("undefined", {})[key] = x.reason
    else:
        out[key] = float(x)
        out.setdefault("undefined", {})


def _ci_json(ci: Any) -> tuple[dict[str, Any] | None, str | None]:
    from annotator.core.agreement import Undefined

    if isinstance(ci, Undefined):
        return None, ci.reason
    return ci.to_json(), None


def _bootstrap(
    values: np.ndarray, level: str, w: np.ndarray, n_boot: int, seed: int,
    delta: np.ndarray | None = None,
) -> Any:
    """The core's seeded bootstrap CI of α over the weighted distinct columns, or why not."""
    from annotator.core.agreement import Undefined, alpha_bootstrap_ci

    if n_boot <= 0:
        return Undefined("no bootstrap requested (--n-boot 0)")
    return alpha_bootstrap_ci(values, level, n_boot=n_boot, seed=seed, unit_weights=w,
                              delta=delta)


def _set_codes(um: UnitMatrix) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Multi-label answers as codes of distinct label sets (NaN = not answered)."""
    assert um.present is not None and um.answered is not None
    n_lab = um.present.shape[2]
    if n_lab <= 62:
        weights = (np.int64(1) << np.arange(n_lab, dtype=np.int64))
        mask = (um.present.astype(np.int64) * weights).sum(axis=2)
        distinct, inverse = np.unique(mask[um.answered], return_inverse=True)
        sets = [
            frozenset(um.labels[i] for i in range(n_lab) if (int(d) >> i) & 1) for d in distinct
        ]
    else:
        rows = um.present[um.answered]
        distinct_rows, inverse = np.unique(rows, axis=0, return_inverse=True)
        sets = [frozenset(um.labels[i] for i in np.flatnonzero(r)) for r in distinct_rows]
    codes = np.full(um.answered.shape, np.nan)
    codes[um.answered] = inverse.ravel()
    return codes, sets


def analyse_units(
    um: UnitMatrix,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    top: int = 10,
    kappa_distance: str = "positions",
    scale_values: np.ndarray | None = None,
) -> dict[str, Any]:
    """Every coefficient of a sentence or document set.

    On ordered scales the weighted Cohen's κ measures distances between the positions of the
    categories a pair used (``kappa_distance="positions"``, as R irr ``kappa2`` and scikit-learn
    do) or between their values on the scale (``"values"``: ``scale_values`` per code, NaN for
    none, needed for ordinal sets whose ``code_values`` are positions; interval and ratio sets
    use their ``code_values``)."""
    from annotator.core import agreement as ag

    names = um.annotators
    out: dict[str, Any] = {
        "label_set": um.label_set,
        "level": um.level,
        "scale": um.scale,
        "multiple": um.multiple,
        "unit": um.level,
        "annotators": names,
        "n_units": len(um.unit_ids),
        "units_dropped": [d.as_dict() for d in um.dropped],
        "notes": list(um.notes),
        "undefined": {},
    }
    if um.multiple:
        return _analyse_multi(um, out, n_boot=n_boot, seed=seed, top=top)

    values = um.values
    level = um.scale
    numeric = level != "nominal"
    present = ~np.isnan(values)
    m_u = present.sum(axis=0)
    out["n_values"] = int(m_u.sum())
    out["units_without_two_values"] = int((m_u < 2).sum())
    # Everything works on the distinct columns of the code matrix, weighted by their counts
    # (a few hundred columns for 200,000 sentences), which the core functions take as
    # unit_weights.
    n_codes = len(um.categories)
    shifted, w = collapse((np.nan_to_num(um.codes, nan=-1.0) + 1).astype(np.int64),
                           np.ones(um.codes.shape[1]), n_codes + 1)
    pat = shifted - 1
    # The value each code stands for (NaN: no value at this scale).
    assert um.code_values is not None
    value_of = np.append(um.code_values, np.nan)
    pat_values = value_of[np.where(pat >= 0, pat, n_codes)]
    patf = np.where(pat >= 0, pat, np.nan).astype(np.float64)  # codes, NaN = no answer
    _coef(out, "percent_agreement", ag.percent_agreement(pat_values, unit_weights=w))
    _coef(out, "krippendorff_alpha", ag.krippendorff_alpha(pat_values, level, unit_weights=w))
    _coef(out, "fleiss_kappa", ag.fleiss_kappa(pat_values, unit_weights=w))
    _coef(out, "gwet_ac1", ag.gwet_ac1(pat_values, unit_weights=w))
    ci, why = _ci_json(_bootstrap(pat_values, level, w, n_boot, seed))
    out["alpha_ci95"] = ci
    if why:
        out["undefined"]["alpha_ci95"] = why
    # Pairs: Cohen (weighted for ordered scales), confusion matrix (over every answer, "(none)"
    # included).
    cats_present = np.unique(pat[pat >= 0]) if pat.size else np.zeros(0, np.int64)
    cat_names = [um.categories[i] for i in cats_present]
    cohen = ag.pairwise_cohen(pat_values, unit_weights=w)
    weighted = {}
    if numeric:
        out["kappa_distance"] = kappa_distance
        kappa_values = pat_values
        if kappa_distance == "values" and scale_values is not None:
            kappa_values = np.append(scale_values, np.nan)[np.where(pat >= 0, pat, n_codes)]
        weighted = {
            wt: ag.pairwise_cohen(kappa_values, weights=wt, distance=kappa_distance,
                                  unit_weights=w)
            for wt in ("linear", "quadratic")
        }
    all_codes = np.arange(n_codes, dtype=np.float64)
    pairs = []
    for i, (a, b, n_both, kappa) in enumerate(cohen):
        entry: dict[str, Any] = {"a": names[a], "b": names[b], "n_units": n_both,
                                 "undefined": {}}
        _coef(entry, "cohen_kappa", kappa)
        if numeric:
            _coef(entry, "cohen_kappa_linear", weighted["linear"][i][3])
            _coef(entry, "cohen_kappa_quadratic", weighted["quadratic"][i][3])
        table, _ = ag.confusion_table(patf[a], patf[b], all_codes, unit_weights=w)
        sub = table[np.ix_(cats_present, cats_present)]
        entry["confusion"] = {"categories": cat_names, "matrix": np.rint(sub).astype(int).tolist()}
        pairs.append(entry)
    out["pairs"] = pairs
    out["per_label"] = _per_label_binary(
        names, um.labels, patf,
        np.arange(len(um.labels))[None, :] == np.arange(n_codes)[:, None], w,
    )
    loo = [
        ag.krippendorff_alpha(np.delete(pat_values, a, axis=0), level, unit_weights=w)
        if len(names) > 2 else
        ag.Undefined("leaving one of two annotators out leaves nobody to agree with")
        for a in range(len(names))
    ]
    out["leave_one_out"] = _leave_one_out(names, loo)
    dis = ag.most_disagreed_units(um.codes if not numeric else values, "nominal"
                                  if not numeric else level, top=top)
    out["most_disagreement"] = [
        {
            "unit_id": int(um.unit_ids[u]),
            "disagreement": d,
            "answers": {
                names[a]: (None if np.isnan(um.codes[a, u]) else um.categories[int(um.codes[a, u])])
                for a in range(len(names))
            },
        }
        for u, d in dis
    ]
    return out


def _per_label_binary(
    names: list[str], labels: list[str], pat: np.ndarray, has: np.ndarray, w: np.ndarray
) -> list[dict[str, Any]]:
    """Per label, α and κ of its present/absent view: ``pat`` holds answer codes (NaN = no
    answer) of distinct columns weighted by ``w``; ``has[code, label]`` says whether an answer
    holds the label. κ is Cohen's for two annotators, else the mean of the defined pairwise κ
    (as ``core.agreement.per_label_agreement``)."""
    from annotator.core import agreement as ag

    out = []
    safe = np.nan_to_num(pat, nan=0.0).astype(np.int64)
    for li, label in enumerate(labels):
        view = np.where(np.isnan(pat), np.nan, has[safe, li].astype(np.float64))
        entry: dict[str, Any] = {"label": label, "undefined": {}}
        given = ~np.isnan(view)
        n_given = float((given * w).sum())
        n_present = float((np.nan_to_num(view) * w).sum())
        entry["prevalence"] = n_present / n_given if n_given else 0.0
        entry["n_present"] = round(n_present)
        _coef(entry, "krippendorff_alpha", ag.krippendorff_alpha(view, unit_weights=w))
        if len(names) == 2:
            kappa = ag.cohen_kappa(view[0], view[1], categories=[0.0, 1.0], unit_weights=w)
        else:
            kappa = ag.mean_pairwise_cohen(view, unit_weights=w)
        _coef(entry, "kappa", kappa)
        out.append(entry)
    return out


def _leave_one_out(
    names: list[str], alphas: list[Any], key: str = "krippendorff_alpha"
) -> list[dict[str, Any]]:
    rows = []
    for a, x in enumerate(alphas):
        entry: dict[str, Any] = {"left_out": names[a], "undefined": {}}
        _coef(entry, key, x)
        rows.append(entry)
    return rows


def _analyse_multi(
    um: UnitMatrix, out: dict[str, Any], *, n_boot: int, seed: int, top: int
) -> dict[str, Any]:
    """Multi-label set: set alphas (MASI, Jaccard), exact-set agreement, and per label a binary
    present/absent α and κ."""
    from annotator.core import agreement as ag

    assert um.present is not None and um.answered is not None
    names = um.annotators
    codes, sets = _set_codes(um)
    out["n_values"] = int(um.answered.sum())
    out["distinct_label_sets"] = len(sets)

    deltas = {
        d: np.array([[ag.SET_DISTANCES[d](x, y) for y in sets] for x in sets]).reshape(
            len(sets), len(sets)
        )
        for d in ("masi", "jaccard")
    }
    # Everything below works on the distinct columns of the set-code matrix (a few hundred
    # patterns for 200,000 sentences), each weighted by how many units share it.
    shifted, w = collapse((np.nan_to_num(codes, nan=-1.0) + 1).astype(np.int64),
                           np.ones(codes.shape[1]), len(sets) + 1)
    pat = shifted - 1  # -1 = not answered
    patf = np.where(pat >= 0, pat, np.nan).astype(np.float64)
    # Exact-set agreement: each distinct set a nominal category.
    _coef(out, "percent_agreement", ag.percent_agreement(patf, unit_weights=w))
    _coef(out, "krippendorff_alpha_exact_sets", ag.krippendorff_alpha(patf, unit_weights=w))
    _coef(out, "fleiss_kappa_exact_sets", ag.fleiss_kappa(patf, unit_weights=w))
    _coef(out, "gwet_ac1_exact_sets", ag.gwet_ac1(patf, unit_weights=w))
    _coef(out, "masi_alpha", ag.alpha_with_distance(patf, deltas["masi"], unit_weights=w))
    _coef(out, "jaccard_alpha", ag.alpha_with_distance(patf, deltas["jaccard"], unit_weights=w))
    ci, why = _ci_json(_bootstrap(patf, "nominal", w, n_boot, seed, delta=deltas["masi"]))
    out["masi_alpha_ci95"] = ci
    if why:
        out["undefined"]["masi_alpha_ci95"] = why
    n_lab = len(um.labels)
    # has[c, l]: set code c holds label l; column n_lab: the empty set.
    has = np.zeros((max(len(sets), 1), n_lab + 1), dtype=bool)
    for c, st in enumerate(sets):
        for li, label in enumerate(um.labels):
            has[c, li] = label in st
        has[c, n_lab] = not st
    out["per_label"] = _per_label_binary(
        names, um.labels, np.where(pat >= 0, pat, np.nan).astype(np.float64), has, w
    )
    # Pairs: exact-set kappa and label co-occurrence (how often a's label meets b's).
    pairs = []
    for a, b, n_both, kappa in ag.pairwise_cohen(patf, unit_weights=w):
        both = (pat[a] >= 0) & (pat[b] >= 0)
        entry = {"a": names[a], "b": names[b], "n_units": n_both, "undefined": {}}
        _coef(entry, "cohen_kappa_exact_sets", kappa)
        ha = has[pat[a][both]].astype(np.float64) * w[both][:, None]
        hb = has[pat[b][both]].astype(np.float64)
        entry["confusion"] = {
            "categories": [*um.labels, NONE_LABEL],
            "matrix": np.rint(ha.T @ hb).astype(int).tolist(),
            "note": "units where a has the row label and b the column label",
        }
        pairs.append(entry)
    out["pairs"] = pairs
    loo = [
        ag.alpha_with_distance(np.delete(patf, a, axis=0), deltas["masi"], unit_weights=w)
        for a in range(len(names))
    ] if len(names) > 2 else [
        ag.Undefined("leaving one of two annotators out leaves nobody to agree with")
    ] * len(names)
    out["leave_one_out"] = _leave_one_out(names, loo, "masi_alpha")
    # Most disagreement: mean pairwise Jaccard distance between the answered sets.
    jd = deltas["jaccard"]
    full = np.nan_to_num(codes, nan=-1.0).astype(np.int64)
    dist = np.zeros(codes.shape[1])
    npairs = np.zeros(codes.shape[1])
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            bothu = (full[a] >= 0) & (full[b] >= 0)
            dist += np.where(bothu, jd[np.maximum(full[a], 0), np.maximum(full[b], 0)], 0.0)
            npairs += bothu
    score = np.where(npairs > 0, dist / np.maximum(npairs, 1), 0.0)
    order = np.argsort(-score, kind="stable")[:top]
    out["most_disagreement"] = [
        {
            "unit_id": int(um.unit_ids[u]),
            "disagreement": float(score[u]),
            "answers": {
                names[a]: (sorted(sets[int(full[a, u])]) if full[a, u] >= 0 else None)
                for a in range(len(names))
            },
        }
        for u in order
        if score[u] > 0
    ]
    return out


def _prf(entry: dict[str, Any], prefix: str, matched: int, n_a: int, n_b: int) -> None:
    """Precision (share of b's spans matched), recall (share of a's) and F1 = 2·matched/(n_a +
    n_b), as ``annotator.core.spans.PRF`` defines them, or undefined with the reason."""
    from annotator.core.agreement import Undefined

    p: Any = matched / n_b if n_b else Undefined(f"{entry['b']} marked no span")
    r: Any = matched / n_a if n_a else Undefined(f"{entry['a']} marked no span")
    if not n_a and not n_b:
        f: Any = Undefined("neither annotator marked a span on the sentences both completed")
    else:
        f = 2.0 * matched / (n_a + n_b)
    _coef(entry, f"{prefix}_precision", p)
    _coef(entry, f"{prefix}_recall", r)
    _coef(entry, f"{prefix}_f1", f)


def analyse_spans(sd: SpanData) -> dict[str, Any]:
    """Pairwise span P/R/F1 per label (exact and overlap) and character-level α per label."""
    from annotator.core.agreement import Undefined, krippendorff_alpha
    from annotator.core.spans import NO_SHARED_SENTENCE

    names = sd.annotators
    done_by = sd.done.sum(axis=0)
    out: dict[str, Any] = {
        "label_set": sd.label_set,
        "level": "span",
        "unit": "sentence",
        "annotators": names,
        "n_units": int((done_by >= 2).sum()),
        "n_spans": len(sd.span_label),
        "units_dropped": [d.as_dict() for d in sd.dropped],
        "notes": list(sd.notes),
        "undefined": {},
    }
    single = int((done_by == 1).sum())
    if single:
        out["units_dropped"].insert(
            0, Dropped(single, f"{plural(single, 'sentence')} completed by only one annotator")
            .as_dict(),
        )
    pairs = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            n_sent, counts = span_pair_counts(sd, a, b)
            pair: dict[str, Any] = {"a": names[a], "b": names[b], "n_sentences": n_sent}
            rows = []
            tot = PairCounts(0, 0, 0, 0)
            for li, label in enumerate(sd.labels):
                c = counts[li]
                tot = PairCounts(tot.n_a + c.n_a, tot.n_b + c.n_b, tot.exact + c.exact,
                                 tot.overlap + c.overlap)
                e: dict[str, Any] = {"label": label, "a": names[a], "b": names[b],
                                     "n_a": c.n_a, "n_b": c.n_b, "undefined": {}}
                _prf(e, "exact", c.exact, c.n_a, c.n_b)
                _prf(e, "overlap", c.overlap, c.n_a, c.n_b)
                del e["a"], e["b"]
                rows.append(e)
            e = {"label": None, "a": names[a], "b": names[b], "n_a": tot.n_a, "n_b": tot.n_b,
                 "undefined": {}}
            _prf(e, "exact", tot.exact, tot.n_a, tot.n_b)
            _prf(e, "overlap", tot.overlap, tot.n_a, tot.n_b)
            del e["a"], e["b"], e["label"]
            pair["all_labels"] = e
            pair["per_label"] = rows
            pairs.append(pair)
    out["pairs"] = pairs
    per_label = []
    for li, label in enumerate(sd.labels):
        matrix, weights, n_chars, n_sent = char_patterns(sd, li)
        entry: dict[str, Any] = {"label": label, "n_characters": n_chars,
                                 "n_sentences": n_sent, "undefined": {}}
        if n_chars == 0:
            alpha: Any = Undefined(NO_SHARED_SENTENCE)
        elif not (sd.span_label == li).any():
            alpha = Undefined("nobody marked a span with this label")
        else:
            alpha = krippendorff_alpha(matrix, unit_weights=weights)
        _coef(entry, "char_alpha", alpha)
        per_label.append(entry)
    out["per_label"] = per_label
    return out


# ---------------------------------------------------------------------------------- the report
def _keep_active_units(um: UnitMatrix, requested: list[str] | None) -> UnitMatrix:
    """Drop annotators with no answer in this set (saying so if they were asked for)."""
    if um.n_answers is None:
        return um
    active = np.asarray(um.n_answers > 0)
    if active.all():
        return um
    flags = active.tolist()
    gone = [n for n, a in zip(um.annotators, flags, strict=True) if not a]
    asked = [g for g in gone if requested and g in requested]
    if asked:
        um.notes.append("no answer in this set from " + ", ".join(asked))
    um.annotators = [n for n, a in zip(um.annotators, flags, strict=True) if a]
    um.codes, um.values = um.codes[active], um.values[active]
    um.n_answers = um.n_answers[active]
    if um.present is not None and um.answered is not None:
        um.present, um.answered = um.present[active], um.answered[active]
    return um


def _keep_active_spans(sd: SpanData, requested: list[str] | None) -> SpanData:
    active = np.asarray(sd.done.any(axis=1))
    if active.all():
        return sd
    flags = active.tolist()
    gone = [n for n, a in zip(sd.annotators, flags, strict=True) if not a]
    asked = [g for g in gone if requested and g in requested]
    if asked:
        sd.notes.append("no answer in this set from " + ", ".join(asked))
    remap = np.cumsum(active) - 1
    sd.annotators = [n for n, a in zip(sd.annotators, flags, strict=True) if a]
    sd.done = sd.done[active]
    sd.span_annotator = remap[sd.span_annotator]
    return sd


def scheme_versions(store: Store, scheme: str | None) -> tuple[Scheme, Versions]:
    """The scheme agreement is about (the only stored one when ``scheme`` is None) and the
    label sets of its stored versions."""
    if scheme is None:
        # Name the only scheme here: load_scheme(None) would count every annotation to list them.
        stored = store.schemes.names()
        scheme = stored[0] if len(stored) == 1 else None
    _, sch = store.schemes.load(scheme)
    return sch, store.schemes.label_sets_by_version(sch.name)


def agreement_report(
    store: Store,
    scheme: str | None = None,
    label_set: str | None = None,
    annotators: list[str] | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    top: int = 10,
    kappa_distance: str = "positions",
    documents: Collection[int] | None = None,
    reads: ColumnReads | None = None,
) -> dict[str, Any]:
    """The whole agreement report of a database as a JSON-ready dict (see README, Agreement).

    Every annotator is considered (or those named); per label set, only those who answered it
    appear. ``documents``: only units of these documents (``--shared-only``, the calibration
    set). ``reads``: the column reads, when the caller has them already (:class:`ReadOnce`).
    """
    from annotator.store import StoreError

    sch, versions = scheme_versions(store, scheme)
    known = [(a.id, a.name) for a in store.schemes.annotators()]
    if annotators:
        by_name = {n: i for i, n in known}
        missing = [n for n in annotators if n not in by_name]
        if missing:
            raise StoreError(
                f"no annotator named {', '.join(missing)} in {store.path} "
                f"(annotators: {', '.join(n for _, n in known) or 'none'})"
            )
        chosen = [(by_name[n], n) for n in dict.fromkeys(annotators)]
    else:
        chosen = known
    if label_set is not None:
        ls = sch.label_set(label_set)
        if ls is None:
            raise StoreError(
                f"scheme {sch.name!r} has no label set {label_set!r} "
                f"(sets: {', '.join(s.name for s in sch.label_sets)})"
            )
        sets = [ls]
    else:
        sets = list(sch.label_sets)
    report: dict[str, Any] = {
        "scheme": sch.name,
        "scheme_version": sch.version,
        "annotators": [],
        "bootstrap": {"n_boot": n_boot, "seed": seed, "confidence": 0.95},
        "label_sets": [],
    }
    tids = tuple(versions.sets)
    jobs: list[tuple[str, tuple[Any, ...]]] = [
        ("labels", (tids, ls.name, ls.level)) for ls in sets
    ]
    if any(ls.level != "document" for ls in sets):
        jobs.insert(0, ("done_marks", ("sentence",)))
    if any(ls.level == "span" for ls in sets):
        jobs.insert(1, ("sentence_bounds", ()))
    if any(ls.level == "document" for ls in sets):
        jobs.append(("done_marks", ("document",)))
    own = reads is None
    if reads is None:
        reads = store.columnar
        if store.path != ":memory:" and len(sets) > 1:
            reads = PrefetchedReads(store, jobs)
    prefetched = reads if own else None
    if documents is not None:
        report["shared_only"] = {"documents": len(documents)}
        reads = ScopedReads(reads, store.columnar.sentence_documents(), documents)
    try:
        _analyse_sets(report, reads, versions, sets, chosen, annotators, n_boot, seed, top,
                      kappa_distance)
    finally:
        if isinstance(prefetched, PrefetchedReads):
            prefetched.close()
    _attach_texts(store, report)
    if any(ls.attributes for ls in sets):  # statements with actors, targets... (issue 18)
        from annotator.services.attribute_agreement import attribute_agreement

        report["attributes"] = attribute_agreement(store, sch, sets, chosen, documents=documents)
    return report


def _analyse_sets(
    report: dict[str, Any],
    reads: ColumnReads,
    versions: Versions,
    sets: list[LabelSet],
    chosen: list[tuple[int, str]],
    annotators: list[str] | None,
    n_boot: int,
    seed: int,
    top: int,
    kappa_distance: str = "positions",
) -> None:
    bounds = None
    done = done_sentences(reads, chosen) if chosen and any(
        ls.level != "document" for ls in sets) else None
    seen: set[str] = set()
    for ls in sets:
        entry: dict[str, Any]
        if ls.level == "span":
            if bounds is None:
                bounds = sentence_bounds(reads)
            sd = load_spans(reads, versions, ls, chosen, bounds, done)
            sd = _keep_active_spans(sd, annotators)
            names, entry = sd.annotators, (analyse_spans(sd) if len(sd.annotators) >= 2 else {})
            dropped, notes = sd.dropped, sd.notes
        else:
            um = _keep_active_units(load_units(reads, versions, ls, chosen, done), annotators)
            names = um.annotators
            entry = (analyse_units(um, n_boot=n_boot, seed=seed, top=top,
                                   kappa_distance=kappa_distance,
                                   scale_values=_scale_values(ls, um))
                     if len(um.annotators) >= 2 else {})
            dropped, notes = um.dropped, um.notes
        seen.update(names)
        if not entry:
            entry = {
                "label_set": ls.name, "level": ls.level, "scale": ls.scale,
                "multiple": ls.multiple, "annotators": names, "n_units": 0,
                "units_dropped": [d.as_dict() for d in dropped],
                "notes": [*notes, "agreement needs answers from two or more annotators; "
                          + ("only " + ", ".join(names) if names else "nobody")
                          + " answered this set"],
                "undefined": {},
            }
        # what the text output's small-sample warning says, for scripts (docs/agreement.md)
        pairable = entry["n_units"] - (entry.get("units_without_two_values") or 0)
        entry["pairable_units"] = pairable
        entry["small_sample"] = is_small_sample(pairable)
        report["label_sets"].append(entry)
    report["annotators"] = sorted(seen)


def _scale_values(ls: LabelSet, um: UnitMatrix) -> np.ndarray | None:
    """The value on the scale of each category code of an ordinal set (NaN: none, or a label no
    longer in the scheme), for weighted κ over values; ``None`` for other sets."""
    if ls.scale != "ordinal" or um.multiple:
        return None
    return np.array([v if (v := ls.value_of(n)) is not None else np.nan for n in um.labels]
                    + [np.nan])


def _attach_texts(store: Store, report: dict[str, Any]) -> None:
    """Document title and sentence text for the few units listed for adjudication."""
    sent_ids: set[int] = set()
    doc_ids: set[int] = set()
    for s in report["label_sets"]:
        for u in s.get("most_disagreement", []):
            (sent_ids if s["level"] == "sentence" else doc_ids).add(u["unit_id"])
    sents, docs = store.corpus.unit_texts(sorted(sent_ids), sorted(doc_ids))
    for s in report["label_sets"]:
        for u in s.get("most_disagreement", []):
            if s["level"] == "sentence":
                did, title, text, idx, n = sents.get(u["unit_id"], (None, None, "", -1, 0))
                u["document_id"], u["title"], u["text"] = did, title, text
                u["sentence_idx"], u["n_sentences"] = idx, n
            else:
                u["document_id"], u["title"] = u["unit_id"], docs.get(u["unit_id"])
