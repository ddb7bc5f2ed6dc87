"""``annotator agree --against gold|adjudicated|ANNOTATOR``: every annotator scored against a
reference, on the units both have; and the column reads behind ``--shared-only``.

How a lead finds the coder who needs retraining. Nothing here computes a coefficient: each
annotator and the reference form a pair of "annotators" that the agreement loaders
(:func:`annotator.services.agreement_load.load_units`,
:func:`~annotator.services.agreement_load.load_spans`) and analyses (``analyse_units``,
``analyse_spans``, hence ``annotator.core.agreement`` and the span matching checked against
``annotator.core.spans``) handle as usual. The gold enters as one
more annotator through :class:`ReferenceReads`: its "done marks" are the units with a resolved
decision of the set (a decision with no gold label answers "none"), its labels the gold labels.

- ``gold``: every resolved decision (``gold_view``), unanimous ones (``review
  --accept-unanimous``) included;
- ``adjudicated``: only decisions a person made in ``annotator review`` (choice other than
  ``unanimous``): the hard cases, where agreeing with everyone else proves nothing;
- an annotator's name: that annotator's answers (an expert, or the lead).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.core.units import NO_SCHEME, Marks
from annotator.services.agreement import analyse_spans, analyse_units, scheme_versions
from annotator.services.agreement_load import ColumnReads, load_spans, load_units
from annotator.services.agreement_reads import ScopedReads

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet
    from annotator.store import Store

GOLD_REFERENCES = ("gold", "adjudicated")


class CachedReads:
    """The database's column reads, each read once (the same reads serve every annotator)."""

    def __init__(self, base: ColumnReads) -> None:
        self.base = base
        self.memo: dict[tuple[Any, ...], Any] = {}

    def _get(self, name: str, *args: Any) -> Any:
        key = (name, *args)
        if key not in self.memo:
            self.memo[key] = getattr(self.base, name)(*args)
        return self.memo[key]

    def done_marks(self, level: str) -> Marks:
        marks: Marks = self._get("done_marks", level)
        return marks

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        return self._get("labels", tuple(scheme_ids), label_set, level)

    def latest_labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        return self._get("latest_labels", tuple(scheme_ids), label_set, level)

    def sentence_bounds(self) -> Any:
        return self._get("sentence_bounds")


class ReferenceReads:
    """Column reads of one label set with the gold added as annotator ``ref_id``: done marks on
    the decided units (made under no scheme: they answer the set), and the gold labels."""

    def __init__(self, base: ColumnReads, ref_id: int, decisions: list[dict[str, Any]],
                 level: str) -> None:
        self.base = base
        unit_key = "document_id" if level == "document" else "sentence_id"
        self.units = np.array([int(d[unit_key]) for d in decisions], dtype=np.int64)
        self.ref = ref_id
        self.gold: dict[str, list[tuple[int, int, int]]] = {}
        for d in decisions:
            for g in d["gold"]:
                self.gold.setdefault(str(g["label"]), []).append(
                    (int(d[unit_key]), int(g["start"] or 0), int(g["end"] or 0))
                )

    def done_marks(self, level: str) -> Marks:
        base = self.base.done_marks(level)
        n = len(self.units)
        return Marks(
            np.concatenate([base.annotator, np.full(n, self.ref, dtype=np.int64)]),
            np.concatenate([base.unit, self.units]),
            np.concatenate([base.scheme, np.full(n, NO_SCHEME, dtype=np.int64)]),
        )

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        out = dict(self.base.labels(scheme_ids, label_set, level))
        for label, items in self.gold.items():
            arr = np.array(items, dtype=np.int64).reshape(-1, 3)
            extra = [np.full(len(arr), self.ref, dtype=np.int64), arr[:, 0]]
            if level == "span":
                extra += [arr[:, 1], arr[:, 2]]
            if label in out:
                out[label] = tuple(
                    np.concatenate([np.asarray(a), b]) for a, b in zip(out[label], extra,
                                                                        strict=True)
                )
            else:
                out[label] = tuple(extra)
        return out

    def latest_labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        return self.base.latest_labels(scheme_ids, label_set, level)

    def sentence_bounds(self) -> Any:
        return self.base.sentence_bounds()


def _decisions(store: Store, label_set: str, reference: str) -> list[dict[str, Any]]:
    rows = [d for d in store.adjudications.current(label_set) if d["status"] == "resolved"]
    if reference == "adjudicated":
        rows = [d for d in rows if d["choice"] != "unanimous"]
    return rows


def _unit_summary(out: dict[str, Any], who: str) -> dict[str, Any]:
    """The annotator-vs-reference numbers of a sentence or document set's analysis."""
    entry: dict[str, Any] = {"annotator": who, "n_units": out["n_units"], "undefined": {}}
    keys = (("percent_agreement", "masi_alpha", "krippendorff_alpha_exact_sets")
            if out["multiple"] else ("percent_agreement", "krippendorff_alpha"))
    for k in keys:
        entry[k] = out.get(k)
        if k in out.get("undefined", {}):
            entry["undefined"][k] = out["undefined"][k]
    pair = out["pairs"][0] if out.get("pairs") else {}
    for k in ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic",
              "cohen_kappa_exact_sets"):
        if k in pair:
            entry[k] = pair[k]
            if k in pair.get("undefined", {}):
                entry["undefined"][k] = pair["undefined"][k]
    entry["per_label"] = [
        {k: e[k] for k in ("label", "n_present", "krippendorff_alpha", "kappa", "undefined")}
        for e in out.get("per_label", [])
    ]
    return entry


def _span_summary(out: dict[str, Any], who: str, ref: str) -> dict[str, Any]:
    """Precision (share of the annotator's spans the reference has), recall (share of the
    reference's spans the annotator found) and F1, exact and overlapping, per label."""
    pair = out["pairs"][0]
    swap = pair["a"] != ref  # the analysis orders a pair by name; the reference must be "a"

    def oriented(e: dict[str, Any]) -> dict[str, Any]:
        r: dict[str, Any] = {
            "n_reference": e["n_b"] if swap else e["n_a"],
            "n_annotator": e["n_a"] if swap else e["n_b"],
            "undefined": {},
        }
        for m in ("exact", "overlap"):
            p, rc = f"{m}_precision", f"{m}_recall"
            names = {p: rc, rc: p} if swap else {p: p, rc: rc}
            for key in (p, rc, f"{m}_f1"):
                src = names.get(key, key)
                r[key] = e[src]
                if src in e["undefined"]:
                    r["undefined"][key] = e["undefined"][src]  # it names whose spans lack
        return r

    entry: dict[str, Any] = {"annotator": who, "n_units": pair["n_sentences"],
                             **oriented(pair["all_labels"])}
    entry["per_label"] = [{"label": e["label"], **oriented(e)} for e in pair["per_label"]]
    return entry


def against_report(
    store: Store,
    reference: str,
    scheme: str | None = None,
    label_set: str | None = None,
    annotators: list[str] | None = None,
    *,
    documents: Collection[int] | None = None,
    n_boot: int = 0,
    seed: int = 0,
) -> dict[str, Any]:
    """Every annotator (or those named) against ``reference`` (``gold``, ``adjudicated`` or an
    annotator's name), per label set and per label, on the units both answered (restricted to
    ``documents`` when given: ``--shared-only``)."""
    from annotator.store import StoreError

    sch, versions = scheme_versions(store, scheme)
    known = [(a.id, a.name) for a in store.schemes.annotators()]
    by_name = {n: i for i, n in known}
    is_gold = reference in GOLD_REFERENCES
    if not is_gold and reference not in by_name:
        raise StoreError(
            f"--against {reference!r}: neither gold, adjudicated nor an annotator "
            f"(annotators: {', '.join(by_name) or 'none'})"
        )
    if annotators:
        missing = [n for n in annotators if n not in by_name]
        if missing:
            raise StoreError(f"no annotator named {', '.join(missing)} in {store.path}")
        scored = [(by_name[n], n) for n in dict.fromkeys(annotators) if n != reference]
    else:
        scored = [(i, n) for i, n in known if n != reference]
    sets: list[LabelSet] = list(sch.label_sets)
    if label_set is not None:
        ls = sch.label_set(label_set)
        if ls is None:
            raise StoreError(f"scheme {sch.name!r} has no label set {label_set!r}")
        sets = [ls]
    ref_name = f"({reference})" if is_gold else reference
    ref_id = max([i for i, _ in known] + [0]) + 1 if is_gold else by_name[reference]
    base: ColumnReads = CachedReads(store.columnar)
    if documents is not None:
        base = ScopedReads(base, store.columnar.sentence_documents(), documents)
    report: dict[str, Any] = {
        "scheme": sch.name, "scheme_version": sch.version, "reference": reference,
        "reference_kind": reference if is_gold else "annotator",
        "shared_only": documents is not None, "label_sets": [],
    }
    for ls in sets:
        reads: ColumnReads = base
        entry: dict[str, Any] = {"label_set": ls.name, "level": ls.level, "scale": ls.scale,
                                 "multiple": ls.multiple, "annotators": []}
        if is_gold:
            decisions = [d for d in _decisions(store, ls.name, reference)
                         if documents is None or int(d["document_id"]) in documents]
            reads = ReferenceReads(base, ref_id, decisions, ls.level)
            entry["reference_units"] = len(decisions)
        for aid, who in scored:
            chosen = [(aid, who), (ref_id, ref_name)]
            if ls.level == "span":
                sd = load_spans(reads, versions, ls, chosen)
                if not sd.done.any(axis=1).all():
                    continue  # no answer from the annotator (or the reference) in this set
                entry["annotators"].append(_span_summary(analyse_spans(sd), who, ref_name))
            else:
                um = load_units(reads, versions, ls, chosen)
                if um.n_answers is None or not (um.n_answers > 0).all():
                    continue
                out = analyse_units(um, n_boot=n_boot, seed=seed, top=0)
                entry["annotators"].append(_unit_summary(out, who))
        report["label_sets"].append(entry)
    return report
