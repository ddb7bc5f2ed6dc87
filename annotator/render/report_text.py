"""The report as aligned plain-text tables (``annotator report`` without ``--html``).

Formatting only: the numbers come from :mod:`annotator.services.report`; the HTML page
(:mod:`annotator.render.report_html`) shares the table rows built here, so both always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.core.uncertainty import SMALL_SAMPLE
from annotator.render import numbers
from annotator.services.report import Difference, RateRow, RateTable, Report


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
        align = _default_align(rows, len(headers))

    def line(vals: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(widths[i]) if align[i] == "r" else v.ljust(widths[i])
            for i, v in enumerate(vals)
        ).rstrip()

    out = [line(list(headers)), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _default_align(rows: Sequence[Sequence[Any]], n: int) -> str:
    """Numbers right, text left."""
    return "".join(
        "r" if rows and all(isinstance(r[i], int | float) or r[i] is None for r in rows) else "l"
        for i in range(n)
    )


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut at a word boundary with ``…`` (a single
    word longer than the width is cut inside, as nothing else fits)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut and text[width - 1] != " ":
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def wrap(text: str, width: int, indent: str = "") -> str:
    """A sentence of the report wrapped to the terminal (continuation lines indented more)."""
    import textwrap

    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)


def fit_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], width: int, *, align: str = ""
) -> str:
    """A table no wider than ``width``: as is when it fits, else its columns in blocks (each
    repeating the first column) one under the other, so nothing runs off the terminal."""
    whole = format_table(headers, rows, align=align)
    over = max(len(line) for line in whole.splitlines()) - width
    if over <= 0 or len(headers) <= 2:
        return whole
    cells = [[numbers.cell(v) for v in r] for r in rows]
    col_w = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    # a little too wide: shorten the widest text column rather than split the table
    text_cols = [i for i in range(len(headers))
                 if not all(isinstance(r[i], int | float) or r[i] is None for r in rows)]
    if text_cols:
        i = max(text_cols, key=col_w.__getitem__)
        if col_w[i] - over >= 16:
            cut = [[shorten(v, col_w[i] - over) if j == i else v for j, v in enumerate(r)]
                   for r in cells]
            return format_table([shorten(h, col_w[i] - over) if j == i else h
                                 for j, h in enumerate(headers)], cut,
                                align=align or _default_align(rows, len(headers)))
    blocks: list[list[int]] = [[]]
    used = col_w[0]
    for i in range(1, len(headers)):
        if blocks[-1] and used + 2 + col_w[i] > width:
            blocks.append([])
            used = col_w[0]
        blocks[-1].append(i)
        used += 2 + col_w[i]
    out = []
    for cols in blocks:
        keep = [0, *cols]
        out.append(format_table(
            [headers[i] for i in keep], [[r[i] for i in keep] for r in rows],
            align="".join(align[i] for i in keep) if align else "",
        ))
    return "\n\n".join(out)


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


def rate_cells(t: RateTable, row: RateRow) -> list[str]:
    """One outlet's cells: each label's rate with its 95 % interval, or ``not coded``."""
    return [numbers.rate_interval(row.rates[lab], row.low.get(lab), row.high.get(lab))
            for lab in t.labels]


def rate_table(t: RateTable, width: int) -> str:
    """Rates by outlet, fitted to ``width``: labels as rows and outlets as columns; outlet names
    shortened (on word boundaries) when that makes it fit, else outlets as rows when that
    fits, else the columns in blocks."""
    cells = [rate_cells(t, r) for r in t.rows]
    body: list[list[Any]] = [[lab, *[c[i] for c in cells]] for i, lab in enumerate(t.labels)]
    body.append(["(answered)", *[r.answered for r in t.rows]])
    body.append(["(documents)", *[r.documents for r in t.rows]])
    align = "l" + "r" * len(t.rows)

    def fits(text: str) -> bool:
        return "\n\n" not in text and max(len(x) for x in text.splitlines()) <= width

    table = fit_table(["label", *[r.name for r in t.rows]], body, width, align=align)
    if fits(table):
        return table
    short = [shorten(r.name, max(max(len(c) for c in cells[j]), 12))
             for j, r in enumerate(t.rows)]
    table = fit_table(["label", *short], body, width, align=align)
    if fits(table):
        return table
    flipped = fit_table(
        ["outlet", *t.labels, "answered" if t.level == "document" else "sentences", "documents"],
        [[r.name, *c, r.answered, r.documents] for r, c in zip(t.rows, cells, strict=True)],
        width, align="l" + "r" * (len(t.labels) + 2),
    )
    return flipped if fits(flipped) else table


MANY_LABELS = 8
"""Sets with more labels than this show only the labels some coded outlet uses."""


def used_only(t: RateTable, differences: dict[str, Difference]) -> tuple[RateTable, str]:
    """For a set of many labels, the table with only the labels some coded outlet uses, and a
    line saying which were left out (a 23-technique scheme on a few articles is otherwise
    mostly rows of 0.0): named here unless the tests below list them as "used in no coded
    document". A short set keeps its zeros (they read at a glance)."""
    used = [lab for lab in t.labels if any(r.counts.get(lab) for r in t.rows if r.coded)]
    unused = [lab for lab in t.labels if lab not in used]
    if len(t.labels) <= MANY_LABELS or not unused or not any(r.coded for r in t.rows):
        return t, ""
    shown = RateTable(t.label_set, t.level, used, t.rows, t.differences)
    if differences and all(lab in differences for lab in t.labels):
        return shown, (f"Left out: {numbers.count(len(unused), 'label')} at 0 in every coded "
                       "outlet (listed below as used in no coded document).")
    return shown, f"Left out, at 0 in every coded outlet: {', '.join(unused)}."


Groups = Sequence[tuple[str, int]]
"""The outlets compared: (name, coded documents), outlets with none left out."""


def rate_groups(t: RateTable) -> list[tuple[str, int]]:
    return [(r.name, r.documents) for r in t.rows if r.documents]


def difference_sentence(differences: dict[str, Difference], groups: Groups, label: str) -> str:
    """Whether the outlets differ in using ``label``, in words, with the test and effect size."""
    d = differences.get(label)
    if d is None:
        return "fewer than two outlets coded: nothing to compare"
    shares = ", ".join(
        f"{name} {k} of {n}"
        for (name, _), k, n in zip(groups, d.with_label, d.documents, strict=True)
    )
    if d.p_value is None:
        who = "no" if not sum(d.with_label) else "every"
        return f"{label}: used in {who} coded document, nothing to compare ({shares})"
    n = sum(d.documents)
    if not d.testable:
        return (f"{label}: too few coded documents to test a difference ({shares}); a "
                "permutation test needs at least 2 per outlet")
    verdict = "outlets differ" if d.differs else "no clear difference between outlets"
    few = f"; only {n} documents, so only a large difference could show" if n < 30 else ""
    return (f"{label}: {verdict} (documents using it: {shares}; permutation test over "
            f"documents {numbers.p_value(d.p_value)}, Cramér's V {d.cramers_v:.2f}, "
            f"{d.strength}{few})")


def difference_lines(
    labels: Sequence[str], differences: dict[str, Difference], groups: Groups
) -> list[str]:
    """The test of each label in words; labels no coded document uses, and labels with too few
    documents to test, each in one line (a 23-technique scheme stays readable)."""
    if not labels:
        return []
    if any(lab not in differences for lab in labels):
        return [difference_sentence(differences, groups, labels[0])]  # < 2 outlets coded
    unused = [lab for lab in labels if sum(differences[lab].with_label) == 0]
    untested = [lab for lab in labels if lab not in unused
                and differences[lab].p_value is not None and not differences[lab].testable]
    differ = [lab for lab in labels if differences[lab].differs]
    same = [lab for lab in labels if differences[lab].testable and lab not in differ]
    out = [difference_sentence(differences, groups, lab) for lab in labels
           if lab not in unused and lab not in untested and lab not in same]
    if same:
        n = sum(differences[same[0]].documents)
        few = f"; only {n} documents, so only a large difference could show" if n < 30 else ""
        listed = ", ".join(
            f"{lab} ({numbers.p_value(p)}, V {differences[lab].cramers_v:.2f})"
            for lab in same if (p := differences[lab].p_value) is not None
        )
        out.append(f"no clear difference between outlets (permutation test over documents, "
                   f"Cramér's V{few}): {listed}")
    if untested:
        sizes = ", ".join(f"{name} {n}" for name, n in groups)
        out.append(f"too few coded documents to test ({sizes}; a permutation test needs at "
                   f"least 2 per outlet and 6 in all): {', '.join(untested)}")
    if unused:
        out.append(f"used in no coded document: {', '.join(unused)}")
    return out


def agreement_warnings(rep: Report) -> list[str]:
    """The small-sample warning for the label sets whose agreement rests on fewer than
    ``SMALL_SAMPLE`` (but some) pairable units, in one sentence."""
    few = [(a.label_set, a.units) for a in rep.agreement
           if a.label is None and 0 < a.units < SMALL_SAMPLE]
    if not few:
        return []
    listed = ", ".join(f"{name} {numbers.count(n, 'unit')}" for name, n in few)
    return [f"warning: small sample: agreement on fewer than {SMALL_SAMPLE} pairable units "
            f"({listed}); the coefficients and their intervals are too unstable to call these "
            "sets reliable or not"]


def share_unit(label_set: str, rep: Report) -> str:
    """What a document set's share is out of: the gold's decided documents, or every coder's
    answered (annotator, document) pairs."""
    if rep.gold_by_set.get(label_set, "none") == "none":
        return "% of answered judgements (coder, document)"
    return "% of decided documents"


SPAN_SOURCES = {
    "adjudicated": "adjudicated gold spans",
    "majority": "majority gold spans",
    "none": "the coders' spans, pooled",
}


def span_source(rep: Report) -> str:
    """Whose spans the top span texts are: those the counts come from, per span set (the
    report decides that per set: ``Report.gold_by_set``)."""
    modes = {rep.gold_by_set.get(s.name, "none") for s in rep.sets if s.level == "span"}
    if len(modes) == 1:
        return SPAN_SOURCES[modes.pop()]
    return "; ".join(f"{s.name}: {SPAN_SOURCES[rep.gold_by_set.get(s.name, 'none')]}"
                     for s in rep.sets if s.level == "span")


def format_text(rep: Report, *, documents: bool = False, width: int = 100) -> str:
    """The report for the terminal: a summary (outlets, labels with intervals and tests, top
    spans, agreement) in tables no wider than ``width``; per-document tables with
    ``documents``."""
    out: list[str] = [wrap(rep.gold_note, width)]

    def section(title: str) -> None:
        out.append("")
        title = wrap(title, width)
        out.append(title)
        out.append("=" * max(len(line) for line in title.splitlines()))

    out.append(wrap(
        f"annotator report: scheme {rep.scheme} v{rep.scheme_version}, "
        f"{rep.n_documents:,} documents, {rep.n_sentences:,} sentences ({rep.generated_at})",
        width))
    section("Outlets")
    out.append(fit_table(["outlet", "documents", "sentences"], rep.outlets, width))

    def counted(label_set: str) -> str:
        return "pooled over coders" if rep.gold_by_set.get(label_set) == "none" else "gold"

    for t in rep.outlet_rates:
        what = "labelled sentences" if t.level == "sentence" else "spans"
        section(f"{t.label_set}: {what} per 100 sentences, by outlet ({counted(t.label_set)})")
        if not t.rows:
            out.append("no outlet")
            continue
        if not any(r.coded for r in t.rows):
            out.append(f"{numbers.NOT_CODED}: no outlet has an answered sentence yet")
            continue
        trimmed, note = used_only(t, t.differences)
        out.append(rate_table(trimmed, width))
        if note:
            out.append(wrap(note, width))
        out.append(wrap(
            f"Rates with their 95 % interval (bootstrap over the outlet's documents, "
            f"{rep.n_boot} resamples, seed {rep.seed}; none from a single document, rough from "
            "fewer than 5); not coded = no answered sentence.", width))
        out.append("")
        out.append("Do outlets differ? (share of coded documents using each label)")
        out.extend(wrap(line, width, "  ")
                   for line in difference_lines(t.labels, t.differences, rate_groups(t)))

    if documents:
        for t in rep.document_rates:
            what = "labelled sentences" if t.level == "sentence" else "spans"
            section(f"{t.label_set}: {what} per 100 sentences, by document "
                    f"({counted(t.label_set)})")
            if not t.rows:
                out.append("no document")
            for r in t.rows:
                name = f"{shorten(r.name, 50)} [{shorten(r.source, 24)}]"
                if not r.coded:
                    out.append(wrap(f"{name}: {numbers.NOT_CODED}", width))
                    continue
                top = sorted(
                    ((v, lab) for lab, v in r.rates.items() if v), key=lambda x: (-x[0], x[1])
                )
                listed = ", ".join(f"{lab} {numbers.rate(v)}" for v, lab in top) or "no label"
                out.append(wrap(f"{name} ({r.answered} sentences): {listed}", width))

    if rep.span_texts:
        section(f"Most frequent span texts per technique ({span_source(rep)})")
        for st in rep.span_texts:
            out.append(f"{st.label_set}/{st.label} ({numbers.count(st.total, 'span')})")
            for item in st.top:
                srcs = ", ".join(f"{k} {v}" for k, v in item.sources.items())
                out.append(wrap(f"{item.n:>4}  « {shorten(item.text, width - 30)} »  ({srcs})",
                                width, "  "))
        for outlet, lst in rep.outlet_span_texts.items():
            if not lst:
                continue
            out.append(f"-- {outlet}")
            for st in lst:
                texts = "; ".join(f"« {shorten(i.text, 40)} » {i.n}" for i in st.top)
                out.append(wrap(f"{st.label}: {texts}", width, "  "))

    outlet_names = [o for o, _, _ in rep.outlets]
    for dl in rep.doc_labels:
        unit = "judgements" if counted(dl.label_set) != "gold" else "documents"
        section(f"{dl.label_set} (document level), by outlet: {unit} per label "
                f"({counted(dl.label_set)})")
        if not any(dl.coded.values()):
            out.append(f"{numbers.NOT_CODED}: no outlet has a coded document yet")
            continue
        shown: RateTable | None = None
        note = ""
        if dl.shares is not None:
            shown, note = used_only(dl.shares, dl.differences)
        labels = shown.labels if shown is not None else dl.labels
        headers = ["outlet", *labels, unit]
        found = {o: (n, c) for o, n, c in dl.outlets}
        rows = [
            [o, *[numbers.NOT_CODED] * len(labels), 0] if not dl.coded.get(o)
            else [o, *[found[o][1][lab] if o in found else 0 for lab in labels],
                  found[o][0] if o in found else 0]
            for o in outlet_names
        ]
        align = "l" + "r" * (len(headers) - 1)
        table = fit_table(headers, rows, width, align=align)
        if "\n\n" in table:  # many labels: one row per label reads better than blocks
            flipped = fit_table(["label", *outlet_names],
                                [[h, *[r[i] for r in rows]] for i, h in enumerate(headers)
                                 if i], width, align="l" + "r" * len(outlet_names))
            table = flipped if "\n\n" not in flipped else table
        out.append(table)
        if shown is not None:
            out.append("")
            out.append(wrap(f"Share per outlet: {share_unit(dl.label_set, rep)} giving each "
                            "label, with its 95 % interval (bootstrap over the outlet's "
                            "documents; none from a single document)", width))
            out.append(rate_table(shown, width))
        if note:
            out.append(wrap(note, width))
        groups = [(o, dl.coded[o]) for o in outlet_names if dl.coded.get(o)]
        if len(groups) >= 2:
            out.append("")
            out.append("Do outlets differ? (share of coded documents given each label)")
            out.extend(wrap(line, width, "  ")
                       for line in difference_lines(dl.labels, dl.differences, groups))
        if documents:
            for did, title, src, votes in dl.documents:
                v = "; ".join(f"{lab}: {', '.join(who)}" for lab, who in votes.items())
                out.append(wrap(f"#{did} [{shorten(src, 24)}] {shorten(title, 40)}: {v}", width,
                                "  "))

    section("Agreement (as `annotator agree`; alpha >= 0.8 reliable, >= 0.667 tentative)")
    out.append(
        fit_table(
            ["label set", "label", "measure", "value", "units", "coders", "with label"],
            agreement_table_rows(rep),
            width,
            align="lllrrrr",
        )
    )
    out.extend(wrap(w, width) for w in agreement_warnings(rep))

    if rep.attribute_agreement:
        section("Agreement per attribute (alpha on matched labels, as `annotator agree`)")
        out.append(format_table(["label set", "attribute", "measure", "value", "units"],
                                attribute_table_rows(rep), align="lllrr"))

    if rep.campaign:
        section("Campaign (units assigned, done and missing per annotator)")
        out.append(fit_table(*campaign_table(rep), width, align="llrrr"))

    section("Progress and active time")
    if not rep.progress:
        out.append("no annotator yet")
        return "\n".join(out) + "\n"
    out.append(fit_table(*progress_table(rep), width, align="lrrrrrr"))
    if not documents and any(t.rows for t in rep.document_rates):
        out.append("")
        out.append("Per-document tables: --documents (terminal) or --csv DIR (files).")
    return "\n".join(out) + "\n"


def csv_tables(rep: Report) -> dict[str, str]:
    """The report's tables as CSV files (name -> content): rates by outlet with intervals, rates
    by document, document labels, agreement. Not coded = empty rate."""
    import csv
    import io

    def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(["" if v is None else v for v in r] for r in rows)
        return buf.getvalue()

    outlets = [
        [t.label_set, r.name, lab, r.counts[lab], r.answered, r.documents, r.rates[lab],
         r.low.get(lab), r.high.get(lab)]
        for t in rep.outlet_rates for r in t.rows for lab in t.labels
    ]
    docs = [
        [t.label_set, r.name.split(" ", 1)[0].lstrip("#"), r.name.partition(" ")[2], r.source,
         lab, r.counts[lab], r.answered, r.rates[lab]]
        for t in rep.document_rates for r in t.rows for lab in t.labels
    ]
    shares = [
        [dl.label_set, r.name, lab, r.counts[lab], r.answered, r.documents, r.rates[lab],
         r.low.get(lab), r.high.get(lab)]
        for dl in rep.doc_labels if dl.shares is not None for r in dl.shares.rows
        for lab in dl.labels
    ]
    doc_labels = [
        [dl.label_set, did, title, src, lab, ";".join(who)]
        for dl in rep.doc_labels for did, title, src, votes in dl.documents
        for lab, who in votes.items()
    ]
    return {
        "rates_by_outlet.csv": table(
            ["label_set", "outlet", "label", "count", "sentences", "documents", "per_100",
             "low95", "high95"], outlets),
        "rates_by_document.csv": table(
            ["label_set", "document_id", "title", "outlet", "label", "count", "sentences",
             "per_100"], docs),
        "document_shares_by_outlet.csv": table(
            ["label_set", "outlet", "label", "count", "answered", "documents", "percent",
             "low95", "high95"], shares),
        "document_labels.csv": table(
            ["label_set", "document_id", "title", "outlet", "label", "by"], doc_labels),
        "differences.csv": table(
            ["label_set", "label", "outlets", "documents", "documents_with_label", "chi2",
             "p_permutation", "n_permutations", "cramers_v"],
            [[name, lab, ";".join(o for o, _ in groups),
              ";".join(map(str, d.documents)), ";".join(map(str, d.with_label)), d.chi2,
              d.p_value, d.n_perm, d.cramers_v]
             for name, diffs, groups in [
                 *[(t.label_set, t.differences, rate_groups(t)) for t in rep.outlet_rates],
                 *[(dl.label_set, dl.differences,
                    [(o, n) for o, n in dl.coded.items() if n]) for dl in rep.doc_labels]]
             for lab, d in diffs.items()]),
        "agreement.csv": table(
            ["label_set", "label", "measure", "value", "units", "coders", "with_label"],
            agreement_table_rows(rep)),
    }
