"""``annotator agree --against REFERENCE`` for people: one table per label set (a row per
annotator, then per annotator and label), and CSV rows (every number through
:mod:`annotator.render.numbers`)."""

from __future__ import annotations

import csv
import io
from typing import Any

from annotator.render import numbers
from annotator.render.report_text import format_table

REFERENCE_WORDS = {
    "gold": "gold (every resolved decision of `annotator review`)",
    "adjudicated": "adjudicated gold (decisions made in `annotator review`, unanimous ones left "
    "out)",
}
UNIT_KEYS = ("cohen_kappa", "cohen_kappa_exact_sets", "krippendorff_alpha", "masi_alpha",
             "percent_agreement")
SPAN_KEYS = tuple(f"{m}_{x}" for m in ("exact", "overlap") for x in ("precision", "recall", "f1"))


def _v(obj: dict[str, Any], key: str) -> str:
    return numbers.coefficient(obj.get(key), missing="-")


def render_against_text(report: dict[str, Any]) -> str:
    ref = report["reference"]
    who = REFERENCE_WORDS.get(ref, f"annotator {ref}")
    lines = [f"Against {who} — scheme {report['scheme']} v{report['scheme_version']}"
             + (", shared documents only" if report.get("shared_only") else "")]
    for s in report["label_sets"]:
        lines.append("")
        unit = "sentence" if s["level"] in ("sentence", "span") else "document"
        decided = (f", {numbers.count(s['reference_units'], unit)} decided"
                   if "reference_units" in s else "")
        lines.append(f"{s['label_set']} ({s['level']}{decided})")
        if not s["annotators"]:
            lines.append("  nobody has units in common with the reference")
            continue
        if s["level"] == "span":
            head = ["annotator", "label", "sentences", "spans", "reference", "exact P",
                    "exact R", "exact F1", "overlap P", "overlap R", "overlap F1"]
            rows: list[list[Any]] = []
            for a in s["annotators"]:
                for e in [{"label": "(all labels)", **a}, *a["per_label"]]:
                    if e is not a and not (e["n_reference"] or e["n_annotator"]):
                        continue
                    rows.append([a["annotator"], e["label"], a["n_units"], e["n_annotator"],
                                 e["n_reference"], *(_v(e, k) for k in SPAN_KEYS)])
            lines.append(_indent(format_table(head, rows, align="llrrrrrrrrr")))
            continue
        kappa = "cohen_kappa_exact_sets" if s["multiple"] else "cohen_kappa"
        alpha = "masi_alpha" if s["multiple"] else "krippendorff_alpha"
        head = ["annotator", "label", "units", "kappa", "alpha", "agreement"]
        rows = []
        for a in s["annotators"]:
            pct = a.get("percent_agreement")
            rows.append([a["annotator"], "(whole set)", a["n_units"], _v(a, kappa), _v(a, alpha),
                         "-" if pct is None else f"{pct:.1%}"])
            for e in a["per_label"]:
                if e["n_present"]:
                    rows.append([a["annotator"], e["label"], a["n_units"], _v(e, "kappa"),
                                 _v(e, "krippendorff_alpha"), ""])
        lines.append(_indent(format_table(head, rows, align="llrrrr")))
        if s["multiple"]:
            lines.append("  whole set: Cohen's kappa over exact label sets, alpha with MASI "
                         "distance; per label: present/absent")
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + ln for ln in text.splitlines())


CSV_COLUMNS = ["label_set", "level", "annotator", "reference", "label", "coefficient", "value",
               "reason", "n"]


def render_against_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in report["label_sets"]:
        keys = SPAN_KEYS if s["level"] == "span" else UNIT_KEYS
        for a in s["annotators"]:
            for e in [{"label": "", **a}, *a["per_label"]]:
                for k in (*keys, "kappa"):
                    if k not in e:
                        continue
                    value = e[k]
                    writer.writerow({
                        "label_set": s["label_set"], "level": s["level"],
                        "annotator": a["annotator"], "reference": report["reference"],
                        "label": e["label"], "coefficient": k,
                        "value": "" if value is None else repr(float(value)),
                        "reason": e.get("undefined", {}).get(k, ""), "n": a["n_units"],
                    })
    return buf.getvalue()
