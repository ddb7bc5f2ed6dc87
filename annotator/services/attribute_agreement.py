"""Agreement per attribute (issue 18): do coders who marked the same statement give it the same
actor, targets and agreement qualifier?

Units are *matched labels*: spans of one label set matched across annotators by
``core.spans.match_spans`` (same document and label, overlapping), or, for sentence sets, the
same label on the same sentence. On each unit every annotator's value of an attribute is
compared with Krippendorff's α at the attribute's scale (``core.agreement.attribute_alpha``):
nominal for open text and plain values (after the latest scheme version's aliases, so ``Lavrov``
and ``Sergueï Lavrov`` agree), ordinal / interval / ratio for numbered values, MASI for
``multiple`` attributes. An annotator who gave the label but no value is missing on that
unit (the form cannot tell "skipped" from "none"). The units rule holds: a value counts only
where its label is an answer (``core.units.values_answered``).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.core.agreement import attribute_alpha, jsonable, reason
from annotator.core.spans import Mode, Span, match_spans
from annotator.core.units import values_answered

if TYPE_CHECKING:
    from annotator.core.scheme import Attribute, LabelSet, Scheme
    from annotator.store import Store


def attribute_agreement(
    store: Store,
    scheme: Scheme,
    sets: list[LabelSet],
    annotators: list[tuple[int, str]],
    *,
    documents: Collection[int] | None = None,
    mode: Mode = "overlap",
) -> list[dict[str, Any]]:
    """One JSON-ready entry per attribute of the given sets (sets without attributes: none).

    ``annotators``: (id, name) of those compared; ``documents``: only these (``--shared-only``).
    Each entry: label_set, level, attribute, metric, alpha (None when undefined, with
    ``reason``), n_units (matched labels with values from two or more annotators),
    n_matched (matched labels with two or more annotators), n_values, annotators."""
    from annotator.services.units import load_answers

    with_attrs = [ls for ls in sets if ls.attributes]
    if not with_attrs:
        return []
    names = dict(annotators)
    versions = {int(r["id"]) for r in store.schemes.versions() if r["name"] == scheme.name}
    answers = load_answers(store, scheme.name)
    out: list[dict[str, Any]] = []
    for ls in with_attrs:
        labels = [
            r for r in store.annotations.of_label_set(ls.name)
            if int(r["annotator_id"]) in names and int(r["scheme_id"]) in versions
            and r["level"] == ls.level
            and (documents is None or int(r["document_id"]) in documents)
        ]
        if labels:
            keep = values_answered(
                answers.answered(ls.name, ls.level),
                np.array([int(r["annotator_id"]) for r in labels], dtype=np.int64),
                np.array([int(r["sentence_id"]) for r in labels], dtype=np.int64),
            )
            labels = [r for r, k in zip(labels, keep.tolist(), strict=True) if k]
        unit_of = _units(labels, ls.level, mode)
        by_unit: dict[Hashable, set[int]] = {}
        for r in labels:
            by_unit.setdefault(unit_of[int(r["id"])], set()).add(int(r["annotator_id"]))
        matched = sum(1 for who in by_unit.values() if len(who) >= 2)
        chosen: dict[int, dict[str, list[str]]] = {}
        for v in store.attributes.current_rows(ls.name):
            if int(v["annotation_id"]) in unit_of:
                chosen.setdefault(int(v["annotation_id"]), {}).setdefault(
                    str(v["attribute"]), []).append(str(v["value"]))
        owner = {int(r["id"]): int(r["annotator_id"]) for r in labels}
        for attr in ls.attributes:
            cells: dict[tuple[Hashable, Hashable], Any] = {}
            for aid, values in chosen.items():
                cell = _cell(attr, values.get(attr.name, []))
                if cell is not None:
                    cells[(unit_of[aid], names[owner[aid]])] = cell
            alpha, metric, n_units = attribute_alpha(cells, attr.scale, multiple=attr.multiple)
            out.append({
                "label_set": ls.name,
                "level": ls.level,
                "attribute": attr.name,
                "metric": metric,
                "alpha": jsonable(alpha),
                "reason": reason(alpha),
                "n_units": n_units,
                "n_matched": matched,
                "n_values": len(cells),
                "annotators": sorted({a for _, a in cells}),
            })
    return out


def _units(labels: list[dict[str, Any]], level: str, mode: Mode) -> dict[int, Hashable]:
    """annotation id -> its unit: a matched-span group, or (sentence, label)."""
    if level != "span":
        return {int(r["id"]): (int(r["sentence_id"]), str(r["label"])) for r in labels}
    spans = [
        (int(r["annotator_id"]), Span(int(r["document_id"]), int(r["start"]), int(r["end"]),
                                      str(r["label"])))
        for r in labels
    ]
    out: dict[int, Hashable] = {}
    for g, members in enumerate(match_spans(spans, mode)):
        for i in members:
            out[int(labels[i]["id"])] = g
    return out


def _cell(attr: Attribute, values: list[str]) -> Any:
    """What α compares for one annotator on one unit: the canonical value (nominal), its
    number (scales), the set of canonical values (multiple); None when nothing comparable."""
    if not values:
        return None
    if attr.multiple:
        return frozenset(attr.canonical(v) for v in values)
    value = values[-1]
    if attr.scale == "nominal":
        return attr.canonical(value)
    return attr.number(value)
