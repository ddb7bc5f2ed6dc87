"""``annotator agree`` for people: the readable report, its CSV rows, and the ``--table`` summary.

Formatting only (numbers from :mod:`annotator.services.agreement` and
:mod:`annotator.services.agree_table`, every number through :mod:`annotator.render.numbers`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from annotator.core.uncertainty import SMALL_SAMPLE, is_small_sample
from annotator.render import numbers

COEF_NAMES = {
    "percent_agreement": "percent agreement",
    "krippendorff_alpha": "Krippendorff's alpha",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "masi_alpha": "alpha (MASI distance)",
    "jaccard_alpha": "alpha (Jaccard distance)",
    "krippendorff_alpha_exact_sets": "alpha (exact sets, nominal)",
    "fleiss_kappa_exact_sets": "Fleiss' kappa (exact sets)",
    "gwet_ac1_exact_sets": "Gwet's AC1 (exact sets)",
    "cohen_kappa": "Cohen's kappa",
    "cohen_kappa_linear": "Cohen's kappa, linear weights",
    "cohen_kappa_quadratic": "Cohen's kappa, quadratic weights",
    "cohen_kappa_exact_sets": "Cohen's kappa (exact sets)",
}


def small_sample(pairable: int) -> str:
    """The warning agreement on fewer than ``SMALL_SAMPLE`` pairable units carries (both
    ``agree`` and ``report``), or nothing."""
    if not is_small_sample(pairable):
        return ""
    return (f"warning: small sample: {numbers.count(pairable, 'pairable unit')} (fewer than "
            f"{SMALL_SAMPLE}); the coefficients and their intervals are too unstable to call "
            "the scheme reliable or not")


def fmt_value(obj: dict[str, Any], key: str) -> str:
    """A coefficient for people: three decimals, or ``undefined (reason)``."""
    x = obj.get(key)
    if x is None:
        return f"undefined ({obj.get('undefined', {}).get(key, 'not computed')})"
    return numbers.coefficient(x)


def _ci_text(ci: dict[str, Any] | None, why: str | None) -> str:
    if ci is None:
        return f"95% CI undefined ({why or 'not computed'})"
    return (f"95% CI {numbers.interval(ci['low'], ci['high'])} "
            f"(bootstrap, {ci['n_boot']} resamples, seed {ci['seed']})")


def _snippet(text: str | None, width: int = 70) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def _answer(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, list):
        return "{" + ", ".join(x) + "}" if x else "{}"
    return str(x)


def _matrix_lines(cats: list[str], matrix: list[list[int]], indent: str) -> list[str]:
    """A confusion matrix with only the rows and columns that hold something; columns are
    numbered like the rows."""
    keep = [i for i in range(len(cats)) if any(matrix[i]) or any(row[i] for row in matrix)]
    if not keep:
        return [indent + "(empty)"]
    width = max(len(cats[i]) for i in keep)
    cells = [[str(matrix[i][j]) for j in keep] for i in keep]
    cw = max(max(len(c) for row in cells for c in row), len(str(len(keep))) + 1)
    tag = len(str(len(keep))) + 1
    lines = [indent + " " * (tag + 1 + width) + " ".join(
        f"{'c' + str(k + 1):>{cw}}" for k in range(len(keep)))]
    for k, i in enumerate(keep):
        lines.append(f"{indent}{'c' + str(k + 1):<{tag}} {cats[i]:<{width}}"
                     + " ".join(f"{c:>{cw}}" for c in cells[k]))
    return lines


def render_text(report: dict[str, Any]) -> str:
    """The readable report (the default output of ``annotator agree``)."""
    lines = [
        f"Agreement — scheme {report['scheme']} v{report['scheme_version']}, "
        f"annotators: {', '.join(report['annotators']) or 'none'}",
    ]
    if report.get("shared_only"):
        n = numbers.count(report["shared_only"]["documents"], "shared document")
        lines.append(f"Calibration set only (--shared-only): {n}")
    for s in report["label_sets"]:
        lines.append("")
        kind = ("multi-label" if s.get("multiple") else "single choice") if s["level"] != "span" \
            else "spans"
        scale = f", {s['scale']}" if s.get("scale") and s["level"] != "span" else ""
        lines.append(f"{s['label_set']} ({s['level']}{scale}, {kind})")
        unit = "sentence" if s["level"] in ("sentence", "span") else "document"
        used = f"  units: {numbers.count(s['n_units'], unit)} completed by two or more annotators"
        lines.append(used)
        for d in s["units_dropped"]:
            lines.append(f"  dropped: {d['reason']}")
        short = s.get("units_without_two_values") or 0
        if warning := small_sample(s.get("pairable_units", s["n_units"] - short)):
            lines.append(f"  {warning}")
        if short:
            n_short = numbers.count(short, unit)
            lines.append(f"  of which {n_short} left with fewer than two values: "
                         "not pairable (a lone value counts only in the chance agreement of "
                         "Fleiss' kappa and Gwet's AC1)")
        for n in s.get("notes", []):
            lines.append(f"  note: {n}")
        if "pairs" not in s:
            continue
        if s["level"] == "span":
            lines.extend(_span_text(s))
            continue
        keys = (["percent_agreement", "masi_alpha", "jaccard_alpha",
                 "krippendorff_alpha_exact_sets", "fleiss_kappa_exact_sets", "gwet_ac1_exact_sets"]
                if s["multiple"] else
                ["percent_agreement", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1"])
        for k in keys:
            extra = ""
            if k == "krippendorff_alpha":
                extra = "  " + _ci_text(s.get("alpha_ci95"), s["undefined"].get("alpha_ci95"))
            if k == "masi_alpha":
                extra = "  " + _ci_text(s.get("masi_alpha_ci95"),
                                        s["undefined"].get("masi_alpha_ci95"))
            lines.append(f"  {COEF_NAMES[k]:<32}{fmt_value(s, k)}{extra}")
        by_value = s.get("kappa_distance") == "values"
        lines.append("  pairs (weighted kappa by value distance):" if by_value else "  pairs:")
        for p in s["pairs"]:
            ks = [k for k in ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic",
                              "cohen_kappa_exact_sets") if k in p]
            vals = ", ".join(f"{COEF_NAMES[k]} {fmt_value(p, k)}" for k in ks)
            lines.append(f"    {p['a']} × {p['b']} ({numbers.count(p['n_units'], 'unit')}): {vals}")
        if s.get("per_label"):
            lines.append("  per label (present/absent):")
            w = max((len(e["label"]) for e in s["per_label"]), default=5)
            unused = []
            for e in s["per_label"]:
                if not e["n_present"]:
                    unused.append(e["label"])
                    continue
                lines.append(
                    f"    {e['label']:<{w}}  alpha {fmt_value(e, 'krippendorff_alpha')}, "
                    f"kappa {fmt_value(e, 'kappa')}, present in {e['prevalence']:.1%} of answers"
                )
            if unused:
                lines.append("    never used (alpha and kappa undefined): " + ", ".join(unused))
        lines.append("  each annotator left out:")
        key = "masi_alpha" if s["multiple"] else "krippendorff_alpha"
        for e in s["leave_one_out"]:
            lines.append(f"    without {e['left_out']}: {COEF_NAMES[key]} {fmt_value(e, key)}")
        lines.append("  confusion matrices (rows: first annotator, columns: second):")
        for p in s["pairs"]:
            c = p["confusion"]
            lines.append(f"    {p['a']} × {p['b']}" + (f" ({c['note']})" if "note" in c else ""))
            lines.extend(_matrix_lines(c["categories"], c["matrix"], "      "))
        if s.get("most_disagreement"):
            lines.append("  most disagreement:")
            for u in s["most_disagreement"]:
                answers = ", ".join(f"{a}: {_answer(x)}" for a, x in u["answers"].items())
                if s["level"] == "sentence":
                    ref = numbers.sentence_ref(u.get("document_id"), u.get("sentence_idx", -1),
                                               u.get("n_sentences", 0))
                    where = (f"{ref} “{_snippet(u.get('title'), 40)}”: "
                             f"{_snippet(u.get('text'))}")
                else:
                    where = f"doc {u['unit_id']} “{_snippet(u.get('title'), 60)}”"
                lines.append(f"    {where}")
                lines.append(f"      {answers}")
    lines.extend(attribute_lines(report.get("attributes") or []))
    return "\n".join(lines) + "\n"


METRIC_NAMES = {"nominal": "nominal", "ordinal": "ordinal", "interval": "interval",
                "ratio": "ratio", "masi": "MASI, value sets"}


def attribute_lines(entries: list[dict[str, Any]]) -> list[str]:
    """The attributes section of ``agree``: Krippendorff's alpha per attribute on matched
    labels (services/attribute_agreement.py says what a matched label is)."""
    if not entries:
        return []
    lines = ["", "Attributes (alpha on matched labels: same label, overlapping spans)"]
    for e in entries:
        value = numbers.coefficient(e["alpha"], f"undefined ({e['reason']})")
        lines.append(
            f"  {e['label_set'] + '/' + e['attribute']:<28} alpha {value}  "
            f"({METRIC_NAMES.get(e['metric'], e['metric'])}; "
            f"{numbers.count(e['n_units'], 'matched label')} with two or more values, "
            f"of {e['n_matched']} matched)"
        )
    return lines


def _span_text(s: dict[str, Any]) -> list[str]:
    used_labels = {e["label"] for p in s["pairs"] for e in p["per_label"] if e["n_a"] or e["n_b"]}
    n_chars = max((e["n_characters"] for e in s["per_label"]), default=0)
    lines = [f"  character-level alpha per label (units: the {n_chars:,} characters of those "
             "sentences):"]
    w = max((len(e["label"]) for e in s["per_label"]), default=5)
    unused = []
    for e in s["per_label"]:
        if e["char_alpha"] is None and e["label"] not in used_labels:
            unused.append(e["label"])
            continue
        lines.append(f"    {e['label']:<{w}}  {fmt_value(e, 'char_alpha')}")
    if unused:
        lines.append("    undefined (nobody marked a span with this label): " + ", ".join(unused))
    lines.append("  pairs (precision and recall of the second annotator against the first):")
    for p in s["pairs"]:
        a = p["all_labels"]
        lines.append(
            f"    {p['a']} × {p['b']} "
            f"({numbers.count(p['n_sentences'], 'sentence')} both completed): "
            f"F1 exact {fmt_value(a, 'exact_f1')}, overlap {fmt_value(a, 'overlap_f1')}"
        )
        for e in p["per_label"]:
            if not e["n_a"] and not e["n_b"]:
                continue
            lines.append(
                f"      {e['label']:<{w}}  spans {e['n_a']}/{e['n_b']}  exact "
                f"P {fmt_value(e, 'exact_precision')} R {fmt_value(e, 'exact_recall')} "
                f"F1 {fmt_value(e, 'exact_f1')}; overlap "
                f"P {fmt_value(e, 'overlap_precision')} R {fmt_value(e, 'overlap_recall')} "
                f"F1 {fmt_value(e, 'overlap_f1')}"
            )
    return lines


CSV_COLUMNS = ["label_set", "level", "scope", "label", "annotators", "coefficient", "value",
               "reason", "n"]


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per label set x label (or pair) x coefficient."""
    rows: list[dict[str, Any]] = []

    def add(s: dict[str, Any], scope: str, label: str, who: str, obj: dict[str, Any],
            keys: list[str], n: Any) -> None:
        for k in keys:
            if k in obj:
                rows.append({
                    "label_set": s["label_set"], "level": s["level"], "scope": scope,
                    "label": label, "annotators": who, "coefficient": k, "value": obj[k],
                    "reason": obj.get("undefined", {}).get(k, ""), "n": n,
                })

    everyone = "|".join(report["annotators"])
    for s in report["label_sets"]:
        if "pairs" not in s:  # not computed: one row saying why
            rows.append({
                "label_set": s["label_set"], "level": s["level"], "scope": "set", "label": "",
                "annotators": "|".join(s.get("annotators") or []), "coefficient": "",
                "value": None, "reason": "; ".join(s.get("notes") or []), "n": s["n_units"],
            })
            continue
        if s["level"] == "span":
            for e in s.get("per_label", []):
                add(s, "label", e["label"], everyone, e, ["char_alpha"], e["n_characters"])
            for p in s.get("pairs", []):
                who = f"{p['a']}|{p['b']}"
                keys = [f"{m}_{x}" for m in ("exact", "overlap") for x in ("precision", "recall",
                                                                            "f1")]
                add(s, "pair", "", who, p["all_labels"], keys, p["n_sentences"])
                for e in p["per_label"]:
                    add(s, "pair_label", e["label"], who, e, keys, p["n_sentences"])
            continue
        add(s, "set", "", everyone, s, [k for k in COEF_NAMES if not k.startswith("cohen")],
            s["n_units"])
        for key in ("alpha_ci95", "masi_alpha_ci95"):
            if key in s:
                ci = s[key] or {}
                for bound in ("low", "high"):
                    rows.append({
                        "label_set": s["label_set"], "level": s["level"], "scope": "set",
                        "label": "", "annotators": everyone, "coefficient": f"{key}_{bound}",
                        "value": ci.get(bound), "reason": s["undefined"].get(key, ""),
                        "n": s["n_units"],
                    })
        for p in s.get("pairs", []):
            add(s, "pair", "", f"{p['a']}|{p['b']}", p,
                [k for k in COEF_NAMES if k.startswith("cohen")], p["n_units"])
        for e in s.get("per_label", []):
            add(s, "label", e["label"], everyone, e, ["krippendorff_alpha", "kappa"],
                s["n_units"])
        for e in s.get("leave_one_out", []):
            add(s, "left_out", "", e["left_out"], e, ["krippendorff_alpha", "masi_alpha"],
                s["n_units"])
    for e in report.get("attributes") or []:
        rows.append({
            "label_set": e["label_set"], "level": e["level"], "scope": "attribute",
            "label": e["attribute"], "annotators": "|".join(e["annotators"]),
            "coefficient": f"attribute_alpha_{e['metric']}", "value": e["alpha"],
            "reason": e["reason"] or "", "n": e["n_units"],
        })
    return rows


def render_csv(report: dict[str, Any]) -> str:

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in csv_rows(report):
        writer.writerow({**r, "value": "" if r["value"] is None else repr(float(r["value"]))})
    return buf.getvalue()




# ------------------------------------------------------------------------------ --table mode
def render_table_text(s: dict[str, Any]) -> str:
    """A readable table of the coefficients with the units used and dropped."""
    from annotator.core.agreement import LONE_VALUE

    undefined: dict[str, str] = s["undefined"]
    out = [f"agreement for {s['file']} (level {s['level']})"]
    dropped = "; ".join(f"{why}: {n}" for why, n in s["units_dropped_reasons"].items())
    out.append(
        f"units: {s['n_units']} ({s['units_used']} used, {s['units_dropped']} dropped"
        + (f" — {dropped}" if dropped else "")
        + ")"
    )
    if warning := small_sample(int(s["units_used"])):
        out.append(warning)
    if s["units_dropped_reasons"].get(LONE_VALUE):
        out.append("  (a unit with one value is not pairable, but that value counts in the "
                   "chance agreement of Fleiss' kappa and Gwet's AC1)")
    out.append(
        f"annotators: {s['n_annotators']}   ratings: {s['n_values']}   "
        f"categories: {len(s['categories'])}"
    )
    out.append("")
    alpha_note = ""
    ci = s.get("alpha_ci95")
    if ci:
        alpha_note = (
            f"95% CI {numbers.coefficient(ci['low'])} to {numbers.coefficient(ci['high'])} "
            f"(bootstrap over units, {ci['n_boot']} resamples, seed {ci['seed']})"
        )
    rows: list[tuple[str, str, str]] = [
        ("percent agreement", "percent_agreement", ""),
        (f"Krippendorff's alpha ({s['level']})", "krippendorff_alpha", alpha_note),
        ("Fleiss' kappa", "fleiss_kappa", ""),
        ("Gwet's AC1", "gwet_ac1", ""),
    ]
    by_value = s.get("kappa_distance") == "values"
    if "cohen_kappa" in s:
        kind = ""
        if s.get("weights"):
            kind = f"{s['weights']}-weighted " + ("by value distance, " if by_value else "")
        rows.append((f"Cohen's kappa ({kind}two annotators)", "cohen_kappa", ""))
    width = max(len(r[0]) for r in rows) + 2
    out.append(f"{'coefficient':<{width}}{'value':>10}  note")
    for label, key, note in rows:
        why = undefined.get(key)
        note_text = why if why else note
        out.append(f"{label:<{width}}{numbers.coefficient(s[key]):>10}  {note_text}".rstrip())
    pairs = s["pairwise_cohen"]
    if len(pairs) > 1:
        out.append("")
        kind = ""
        if s.get("weights"):
            kind = f" ({s['weights']} weights" + (" by value distance)" if by_value else ")")
        out.append(f"pairwise Cohen's kappa{kind}")
        na = max([len(str(p["a"])) for p in pairs] + [9]) + 2
        nb = max([len(str(p["b"])) for p in pairs] + [9]) + 2
        out.append(f"{'annotator':<{na}}{'annotator':<{nb}}{'units':>6}{'kappa':>11}")
        for p in pairs:
            kappa = numbers.coefficient(p["kappa"])
            line = f"{p['a']!s:<{na}}{p['b']!s:<{nb}}{p['n_units']:>6}{kappa:>11}"
            if p["reason"]:
                line += f"  {p['reason']}"
            out.append(line)
    return "\n".join(out)


