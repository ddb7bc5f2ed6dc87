"""The report as aligned plain-text tables (``annotator report`` without ``--html``).

Formatting only: the numbers come from :mod:`annotator.services.report`; the HTML page
(:mod:`annotator.render.report_html`) shares the table rows built here, so both always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.render import numbers
from annotator.services.report import Report


# ------------------------------------------------------------------------------------ text output
def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, align: str = "") -> str:
    """A plain-text table with aligned columns; ``align`` holds l/r per column (default: text
    left, numbers right)."""
    cells = [[numbers.cell(v) for v in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    if not align:
        align = "".join(
            "r"
            if rows and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
            else "l"
            for i in range(len(headers))
        )

    def line(vals: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(widths[i]) if align[i] == "r" else v.ljust(widths[i])
            for i, v in enumerate(vals)
        ).rstrip()

    out = [line(list(headers)), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _short(name: str, width: int = 22) -> str:
    """A column header short enough that several outlets fit a terminal."""
    return name if len(name) <= width else name[: width - 1] + "…"


def fmt_alpha(v: float | None) -> str:
    return numbers.coefficient(v, missing="n/a")


fmt_seconds = numbers.seconds


def agreement_table_rows(rep: Report) -> list[list[Any]]:
    """Rows of the agreement table, shared by the terminal and HTML reports."""
    return [
        [
            a.label_set,
            a.label or "(whole set)",
            a.measure,
            fmt_alpha(a.alpha),
            a.units,
            a.coders,
            "" if a.label is None else a.positives,
        ]
        for a in rep.agreement
    ]


PROGRESS_HEADERS = (
    "annotator",
    "done",
    "seen",
    "sentences",
    "documents done",
    "active time",
    "per sentence",
)


def progress_table(rep: Report) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the progress table, shared by the terminal and HTML reports."""
    rows = [
        [
            p.annotator,
            p.done,
            p.seen,
            p.total,
            p.documents_done,
            fmt_seconds(p.seconds),
            fmt_seconds(p.per_sentence),
        ]
        for p in rep.progress
    ]
    return list(PROGRESS_HEADERS), rows




CAMPAIGN_HEADERS = ("annotator", "label set", "assigned", "done", "missing")


def campaign_table(rep: Report) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the campaign table (units assigned, done, missing per annotator and
    label set), shared by the terminal and HTML reports; no rows without a campaign."""
    rows = [
        [who, s.label_set, n, (s.done or {}).get(who, 0), s.missing[who]]
        for s in rep.campaign
        for who, n in (s.assigned or {}).items()
        if n or s.answered.get(who)
    ]
    return list(CAMPAIGN_HEADERS), sorted(rows, key=lambda r: str(r[0]))


def attribute_table_rows(rep: Report) -> list[list[Any]]:
    """Rows of the per-attribute agreement table (terminal and HTML reports)."""
    return [
        [e["label_set"], e["attribute"], f"alpha ({e['metric']})",
         fmt_alpha(e["alpha"]), e["n_units"]]
        for e in rep.attribute_agreement
    ]


def format_text(rep: Report) -> str:
    """The report for the terminal: titled sections of aligned tables."""
    out: list[str] = []

    def section(title: str) -> None:
        out.append("")
        out.append(title)
        out.append("=" * len(title))

    out.append(
        f"annotator report: scheme {rep.scheme} v{rep.scheme_version}, "
        f"{rep.n_documents} documents, {rep.n_sentences} sentences ({rep.generated_at})"
    )
    section("Outlets")
    out.append(format_table(["outlet", "documents", "sentences"], rep.outlets))

    for t in rep.outlet_rates:
        what = "labelled sentences" if t.level == "sentence" else "spans"
        section(f"{t.label_set}: {what} per 100 sentences, by outlet (pooled over annotators)")
        if not t.rows:
            out.append("no outlet")
            continue
        headers = ["label", *[_short(r.name) for r in t.rows]]
        rows: list[list[Any]] = [[lab, *[r.rates[lab] for r in t.rows]] for lab in t.labels]
        rows.append(["(answered)", *[r.answered for r in t.rows]])
        out.append(format_table(headers, rows))

    for t in rep.document_rates:
        what = "labelled sentences" if t.level == "sentence" else "spans"
        section(f"{t.label_set}: {what} per 100 sentences, by document")
        if not t.rows:
            out.append("no document annotated")
        for r in t.rows:
            top = sorted(
                ((v, lab) for lab, v in r.rates.items() if v > 0), key=lambda x: (-x[0], x[1])
            )
            listed = ", ".join(f"{lab} {numbers.rate(v)}" for v, lab in top) or "no label"
            out.append(f"{r.name} [{r.source}] ({r.answered} answered): {listed}")

    if rep.span_texts:
        section("Most frequent span texts per technique")
        for st in rep.span_texts:
            out.append(f"{st.label_set}/{st.label} ({st.total} spans)")
            for item in st.top:
                srcs = ", ".join(f"{k} {v}" for k, v in item.sources.items())
                out.append(f"  {item.n:>4}  « {item.text} »  ({srcs})")
        for outlet, lst in rep.outlet_span_texts.items():
            if not lst:
                continue
            out.append(f"-- {outlet}")
            for st in lst:
                texts = "; ".join(f"« {i.text} » {i.n}" for i in st.top)
                out.append(f"  {st.label}: {texts}")

    for dl in rep.doc_labels:
        section(f"{dl.label_set} (document level), by outlet: judgements per label")
        if not dl.outlets:
            out.append("no document labelled")
            continue
        headers = ["outlet", *dl.labels, "judgements"]
        out.append(
            format_table(
                headers, [[o, *[c[lab] for lab in dl.labels], n] for o, n, c in dl.outlets]
            )
        )
        for did, title, src, votes in dl.documents:
            v = "; ".join(f"{lab}: {', '.join(who)}" for lab, who in votes.items())
            out.append(f"  #{did} [{src}] {title[:40]}: {v}")

    section("Agreement (as `annotator agree`; alpha >= 0.8 reliable, >= 0.667 tentative)")
    out.append(
        format_table(
            ["label set", "label", "measure", "value", "units", "coders", "with label"],
            agreement_table_rows(rep),
            align="lllrrrr",
        )
    )

    if rep.attribute_agreement:
        section("Agreement per attribute (alpha on matched labels, as `annotator agree`)")
        out.append(format_table(["label set", "attribute", "measure", "value", "units"],
                                attribute_table_rows(rep), align="lllrr"))

    if rep.campaign:
        section("Campaign (units assigned, done and missing per annotator)")
        out.append(format_table(*campaign_table(rep), align="llrrr"))

    section("Progress and active time")
    if not rep.progress:
        out.append("no annotator yet")
        return "\n".join(out).lstrip("\n") + "\n"
    out.append(
        format_table(
            *progress_table(rep),
            align="lrrrrrr",
        )
    )
    return "\n".join(out).lstrip("\n") + "\n"
