"""The report as ONE self-contained HTML file: inline CSS and SVG charts drawn here, no script,
no font, no image and no stylesheet fetched from anywhere, so it opens offline and can be mailed.

Every piece of text from the database goes through :func:`escape`: ``html.escape``, and control
characters as visible ``\\uXXXX`` (annotator.core.untrusted: the file may be printed with cat).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape as html_escape

from annotator.core.colors import FALLBACK, text_on
from annotator.core.untrusted import escape as escape_controls
from annotator.render import numbers
from annotator.render.report_text import (
    agreement_table_rows,
    agreement_warnings,
    attribute_table_rows,
    campaign_table,
    difference_lines,
    fmt_seconds,
    progress_table,
    rate_groups,
    share_unit,
    shorten,
    span_source,
)
from annotator.services.report import (
    NONE,
    AgreementRow,
    Confusion,
    DocLabels,
    RateTable,
    Report,
)

RELIABLE = 0.8
MAX_COLUMN_LABEL = 32
"""Heatmap column labels longer than this are shortened (the full name in the tooltip)."""
MAX_HEATMAP_ROWS = 200
TENTATIVE = 0.667
_SAFE_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #1d2430; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid #dde3ea;
     padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.meta, p.note { color: #5a6472; font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #dde3ea; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart { overflow-x: auto; margin: .4rem 0 1rem; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
ul.spans { margin: .2rem 0 .8rem; padding-left: 1.2rem; font-size: .9rem; }
.toc a { margin-right: 1rem; }
p.gold { font-weight: 600; background: #f3f5f8; border-left: 4px solid #1565c0;
         padding: .4rem .7rem; }
p.warning { color: #8a4b00; background: #fff4e5; border-left: 4px solid #f9a825;
            padding: .3rem .7rem; font-size: .9rem; }
ul.tests { font-size: .88rem; margin: .2rem 0 1rem; padding-left: 1.2rem; }
ul.tests li.differ { font-weight: 600; }
"""

OUTLET_COLORS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037",
                 "#ad1457", "#455a64", "#9e9d24")


def escape(text: str) -> str:
    """Text from the database, safe in HTML and in a terminal that prints the file."""
    return html_escape(escape_controls(text))


def render_html(rep: Report) -> str:
    """The whole page."""
    parts: list[str] = []
    add = parts.append
    add("<!DOCTYPE html>")
    add('<html lang="fr"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>annotator report: {escape(rep.scheme)}</title>")
    add(f"<style>{CSS}</style></head><body>")
    add(f"<h1>Framing report: {escape(rep.scheme)} v{rep.scheme_version}</h1>")
    add(f'<p class="gold">{escape(rep.gold_note)}</p>')
    add(
        f'<p class="meta">{rep.n_documents:,} documents, {rep.n_sentences:,} sentences, '
        f"{len(rep.outlets)} outlets; generated {escape(rep.generated_at)}.</p>"
    )
    add(
        '<p class="toc"><a href="#outlets">Outlets</a><a href="#labels">Labels by outlet</a>'
        '<a href="#spans">Span texts</a><a href="#documents">Document labels</a>'
        '<a href="#agreement">Agreement</a><a href="#confusion">Confusion</a>'
        '<a href="#progress">Progress</a></p>'
    )

    add('<h2 id="outlets">Outlets</h2>')
    add(_table(["outlet", "documents", "sentences"], [list(o) for o in rep.outlets]))

    add('<h2 id="labels">Labels by outlet (per 100 sentences)</h2>')
    counted = {"none": "Pooled over coders", "mixed": "Gold or pooled (see the first line)"}.get(
        rep.gold, "Gold")
    add(
        f'<p class="note">{counted}: labelled sentences (sentence sets) or spans (span sets) '
        "per 100 answered sentences. Darker = more frequent; each chart has its own scale; "
        "hatched grey = not coded (no answered sentence: unknown, not zero). The dot charts "
        "give each rate with its 95 % interval (bootstrap over the outlet's documents, "
        f"{rep.n_boot} resamples, seed {rep.seed}): wide bars = few documents, not sure.</p>"
    )
    for t in rep.outlet_rates:
        add(f"<h3>{escape(t.label_set)} by outlet</h3>")
        add(_rate_heatmap(t, "outlet"))
        add(_interval_chart(t))
        add('<ul class="tests">')
        for line in difference_lines(t.labels, t.differences, rate_groups(t)):
            d = t.differences.get(line.split(":", 1)[0])
            cls = ' class="differ"' if d is not None and d.differs else ""
            add(f"<li{cls}>{escape(line)}</li>")
        add("</ul>")
    for t in rep.document_rates:
        if t.rows:
            add(f"<h3>{escape(t.label_set)} by document</h3>")
            add(_rate_heatmap(t, "document"))
            if len(t.rows) > MAX_HEATMAP_ROWS:
                add(
                    f'<p class="note">The chart shows the first {MAX_HEATMAP_ROWS} of '
                    f"{len(t.rows)} documents; <code>annotator report --documents</code> (or "
                    "<code>--csv DIR</code>) lists them all.</p>"
                )

    add(f'<h2 id="spans">Most frequent span texts ({escape(span_source(rep))})</h2>')
    if not rep.span_texts:
        add('<p class="note">No span annotated yet.</p>')
    for st in rep.span_texts:
        add(f"<h3>{escape(st.label)} <small>({numbers.count(st.total, 'span')})</small></h3>"
            '<ul class="spans">')
        for item in st.top:
            srcs = ", ".join(f"{escape(k)} {v}" for k, v in item.sources.items())
            add(f"<li>« {escape(item.text)} » × {item.n} <small>({srcs})</small></li>")
        add("</ul>")

    add('<h2 id="documents">Document-level labels by outlet</h2>')
    if not rep.doc_labels:
        add('<p class="note">The scheme has no document-level label set.</p>')
    set_colors = {s.name: s.colors for s in rep.sets}
    for dl in rep.doc_labels:
        add(f"<h3>{escape(dl.label_set)}</h3>")
        outlet_names = [o for o, _, _ in rep.outlets]
        add(_doc_label_bars(dl, set_colors.get(dl.label_set, {}), outlet_names))
        if dl.shares is not None and any(r.coded for r in dl.shares.rows):
            add(f'<p class="note">Share per outlet: {escape(share_unit(dl.label_set, rep))} '
                "giving each label, as a dot with its 95 % interval (bootstrap over the "
                "outlet's documents).</p>")
            add(_interval_chart(dl.shares))
        groups = [(o, dl.coded[o]) for o in outlet_names if dl.coded.get(o)]
        if len(groups) >= 2:
            add('<ul class="tests">')
            for line in difference_lines(dl.labels, dl.differences, groups):
                d = dl.differences.get(line.split(":", 1)[0])
                cls = ' class="differ"' if d is not None and d.differs else ""
                add(f"<li{cls}>{escape(line)}</li>")
            add("</ul>")
        rows = [
            [f"#{did}", shorten(title, 60), src,
             "; ".join(f"{lab}: {', '.join(who)}" for lab, who in v.items())]
            for did, title, src, v in dl.documents[:MAX_HEATMAP_ROWS]
        ]
        add(_table(["document", "title", "outlet", "labels (annotators)"], rows))
        if len(dl.documents) > MAX_HEATMAP_ROWS:
            add(f'<p class="note">The table shows the first {MAX_HEATMAP_ROWS} of '
                f"{len(dl.documents)} documents; <code>annotator report --csv DIR</code> "
                "writes them all.</p>")

    add('<h2 id="agreement">Agreement per label</h2>')
    add(
        '<p class="note">Krippendorff\'s alpha, the same values as <code>annotator agree</code>; '
        "dashed lines at 0.667 (tentative conclusions) and 0.8 (reliable). Per label: binary "
        "alpha (label given or not) over the units annotated by two or more annotators; span "
        "techniques: alpha over the characters of those sentences. The table gives each "
        "value's measure (span sets as a whole: mean pairwise exact-match F1).</p>"
    )
    by_set: dict[str, list[AgreementRow]] = {}
    for a in rep.agreement:
        by_set.setdefault(a.label_set, []).append(a)
    for warning in agreement_warnings(rep):
        add(f'<p class="warning">{escape(warning)}</p>')
    for name, rows_a in by_set.items():
        add(f"<h3>{escape(name)}</h3>")
        add(_agreement_bars(name, [a for a in rows_a if a.is_alpha]))
    add(
        _table(
            ["label set", "label", "measure", "value", "units", "coders", "units with label"],
            agreement_table_rows(rep),
        )
    )

    if rep.attribute_agreement:
        add('<h3 id="attribute-agreement">Attributes</h3>')
        add('<p class="note">Alpha per attribute of labels (actor, target...) on matched labels: '
            "the same label on overlapping spans (or on the same sentence) from two or more "
            "annotators; MASI between value sets for attributes with several values.</p>")
        add(_table(["label set", "attribute", "measure", "value", "units"],
                   attribute_table_rows(rep)))

    add('<h2 id="confusion">Confusion between annotators</h2>')
    add(
        '<p class="note">Row = what one annotator gave, column = what another gave on the same '
        "unit, over all pairs of annotators; (none) = nothing from the set.</p>"
    )
    for c in rep.confusions:
        if c.units:
            add(f"<h3>{escape(c.label_set)} <small>({c.units} units)</small></h3>")
            add(_confusion_heatmap(c))

    if rep.campaign:
        add('<h2 id="campaign">Campaign</h2>')
        add('<p class="note">Units assigned to each annotator, done (answered) and missing, per '
            "label set.</p>")
        add(_table(*campaign_table(rep)))

    parts += _actor_outlet_section(rep)

    add('<h2 id="progress">Progress and active time</h2>')
    add(_progress_bars(rep))
    add(_table(*progress_table(rep)))
    add("</body></html>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------------ pieces
def _actor_outlet_section(rep: Report) -> list[str]:
    """Who is quoted where (issue 18): statements per actor (rows, most quoted first) and
    outlet, with totals, each cell shaded by its share of the largest count: the text report's
    table (render.network.actor_outlet_text), from the same ``rep.actor_outlet``. Nothing when
    no label carries an actor."""
    t = rep.actor_outlet
    if t is None:
        return []
    top = max((c for row in t.counts for c in row), default=0) or 1
    head = "".join(f"<th>{escape(h)}</th>" for h in (f"{t.attribute} \\ outlet", *t.cols))
    body = []
    for name, counts in zip(t.rows, t.counts, strict=True):
        cells = "".join(
            f'<td class="num" style="background:{_mix(c / top, (21, 101, 192))}'
            f'{";color:#fff" if c / top > 0.6 else ""}">{c}</td>'
            for c in counts
        )
        body.append(f"<tr><td>{escape(name)}</td>{cells}<td class=\"num\">{sum(counts)}</td></tr>")
    totals = "".join(f'<td class="num">{sum(col)}</td>' for col in zip(*t.counts, strict=True))
    grand = sum(sum(row) for row in t.counts)
    return [
        f'<h2 id="actors">Statements by {escape(t.attribute)} and outlet (who is quoted '
        "where)</h2>",
        f'<p class="note">Statements (labels with a value of <code>{escape(t.attribute)}</code>, '
        "after aliases) per value and outlet, every coder pooled; the same counts as "
        "<code>annotator network --var1 actor --var2 outlet</code>.</p>",
        f"<table><thead><tr>{head}<th>total</th></tr></thead><tbody>{''.join(body)}"
        f'<tr><th>total</th>{totals}<td class="num">{grand}</td></tr></tbody></table>',
    ]


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = []
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, int | float):
                text = f"{v:.1f}" if isinstance(v, float) else str(v)
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _mix(frac: float, high: tuple[int, int, int]) -> str:
    """White to ``high`` by ``frac`` in [0, 1]."""
    frac = min(max(frac, 0.0), 1.0)
    r, g, b = (round(255 + (c - 255) * frac) for c in high)
    return f"#{r:02x}{g:02x}{b:02x}"


def _text_width(s: str, px: float = 6.6) -> float:
    return len(s) * px


def _heatmap(
    *,
    aria: str,
    css_class: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    fmt: Callable[[float], str],
    high: tuple[int, int, int],
    scale_max: float,
    row_title: str,
) -> str:
    cell_w, cell_h = (46 if len(cols) <= 15 else 36), 24
    left = max([_text_width(r) for r in rows] + [_text_width(row_title)]) + 16
    shown = [shorten(c, MAX_COLUMN_LABEL) for c in cols]  # the full name in its tooltip
    # a -45° label's reach (DejaVu Sans at 11 px runs wider than 6.6 px a character)
    longest = max([_text_width(c, 7.4) for c in shown] + [40]) * 0.72
    top = longest + 18
    width = left + cell_w * len(cols) + longest + 10
    height = top + cell_h * len(rows) + 10
    out = [
        f'<div class="chart"><svg class="{css_class}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(aria)}">',
        f"<title>{escape(aria)}</title>",
        f'<text x="4" y="{top - 6:.0f}" font-size="11" fill="#5a6472">{escape(row_title)}</text>',
    ]
    for j, c in enumerate(cols):
        x = left + cell_w * j + cell_w / 2
        out.append(
            f'<text class="col-label" x="{x:.1f}" y="{top - 6:.0f}" font-size="11" '
            f'transform="rotate(-45 {x:.1f} {top - 6:.0f})"><title>{escape(c)}</title>'
            f"{escape(shown[j])}</text>"
        )
    for i, r in enumerate(rows):
        y = top + cell_h * i
        out.append(
            f'<text class="row-label" x="{left - 8:.0f}" y="{y + cell_h / 2 + 4:.1f}" '
            f'font-size="12" text-anchor="end">{escape(r)}</text>'
        )
        for j, c in enumerate(cols):
            v = values[i][j]
            x = left + cell_w * j
            if v is None:  # hatched grey: unknown, not zero
                w, h = cell_w - 2, cell_h - 2
                out.append(
                    f'<rect class="not-coded" x="{x:.0f}" y="{y:.0f}" width="{w}" '
                    f'height="{h}" fill="#eeeeee" stroke="#dde3ea"><title>'
                    f"{escape(r)} / {escape(c)}: {numbers.NOT_CODED}</title></rect>"
                    + "".join(_hatch(x, y, w, h))
                )
                continue
            frac = v / scale_max if scale_max > 0 else 0.0
            fill = _mix(frac, high)
            ink = "#ffffff" if frac > 0.55 else "#1d2430"
            out.append(
                f'<rect x="{x:.0f}" y="{y:.0f}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" stroke="#dde3ea"><title>{escape(r)} / {escape(c)}: '
                f"{escape(fmt(v))}</title></rect>"
            )
            if v:
                out.append(
                    f'<text x="{x + (cell_w - 2) / 2:.1f}" y="{y + cell_h / 2 + 3:.1f}" '
                    f'font-size="10" text-anchor="middle" fill="{ink}">{escape(fmt(v))}</text>'
                )
    out.append("</svg></div>")
    return "".join(out)


def _hatch(x: float, y: float, w: float, h: float, step: int = 7) -> list[str]:
    """Diagonal lines filling a box (an SVG pattern would need ``url(#...)``, which the page
    avoids so that nothing in it looks like an outside reference)."""
    out = []
    for k in range(-int(h) + step // 2, int(w), step):
        x1 = max(x, x + k)
        x2 = min(x + w, x + k + h)
        if x2 <= x1:
            continue
        y1, y2 = y + h - (x1 - x - k), y + h - (x2 - x - k)
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   'stroke="#c4c4c4" stroke-width="1.2"/>')
    return out


def _rate_heatmap(t: RateTable, row_title: str) -> str:
    rows = t.rows[:MAX_HEATMAP_ROWS]
    return _heatmap(
        aria=f"{t.label_set}: per 100 sentences by {row_title}",
        css_class=f"heatmap rates by-{row_title}",
        rows=[shorten(r.name, 48) for r in rows],
        cols=t.labels,
        values=[[r.rates[lab] for lab in t.labels] for r in rows],
        fmt=numbers.rate,
        high=(8, 48, 107),
        scale_max=max((v for r in rows for v in r.rates.values() if v is not None),
                      default=0.0),
        row_title=row_title,
    )


def _interval_chart(t: RateTable) -> str:
    """Per label, one line per coded outlet: the rate as a dot, its 95 % interval as a bar and
    both in figures, on a scale common to the whole set, so that which outlet uses which label,
    and how sure that is, reads at a glance; the test of a difference heads each label (bold
    when outlets differ). Outlets nobody coded are named under the chart, not drawn at 0."""
    coded = [r for r in t.rows if r.coded]
    if not coded:
        return '<p class="note">No outlet coded yet.</p>'
    top_value = max(
        [v for r in coded for lab in t.labels for v in (r.rates[lab], r.high.get(lab))
         if v is not None] + [1.0]
    )
    step = max(5, math.ceil(top_value / 6 / 5) * 5)
    top_value = math.ceil(top_value / step) * step
    labels = [lab for lab in t.labels if any(r.rates[lab] for r in coded)]
    unused = [lab for lab in t.labels if lab not in labels]
    if not labels:
        return '<p class="note">No coded outlet uses any of these labels.</p>'
    names = {r.name: shorten(r.name, 30) for r in coded}
    left = max(_text_width(n, 6.2) for n in names.values()) + 24
    plot_w, head_h, row_h, gap = 560, 20, 15, 8
    width = left + plot_w + 210
    colors = {r.name: OUTLET_COLORS[i % len(OUTLET_COLORS)] for i, r in enumerate(coded)}
    y0 = 6
    height = y0 + (head_h + row_h * len(coded) + gap) * len(labels) + 22
    per = "share (%)" if t.level == "document" else "rate per 100 sentences"
    aria = f"{t.label_set}: {per} with 95% interval, by outlet"

    def xpos(v: float) -> float:
        return left + plot_w * v / top_value

    out = [
        f'<div class="chart"><svg class="intervals" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" role="img" aria-label="{escape(aria)}">'
        f"<title>{escape(aria)}</title>"
    ]
    for v in range(0, int(top_value) + 1, step):
        out.append(
            f'<line x1="{xpos(v):.1f}" y1="{y0}" x2="{xpos(v):.1f}" y2="{height - 18}" '
            f'stroke="#eceff1"/><text x="{xpos(v):.1f}" y="{height - 5}" font-size="10" '
            f'text-anchor="middle" fill="#5a6472">{v}</text>'
        )
    what = {"sentence": "labelled sentences per 100 sentences", "span": "spans per 100 sentences",
            "document": "share (%)"}.get(t.level, "")
    out.append(f'<text x="{left + plot_w + 18:.0f}" y="{height - 5}" font-size="10" '
               f'fill="#5a6472">{what}</text>')  # clear of the last tick's figure
    y = y0
    for lab in labels:
        d = t.differences.get(lab)
        differ = d is not None and d.differs
        weight = ' font-weight="bold"' if differ else ""
        test = ""
        if d is not None and d.testable and d.p_value is not None:
            verdict = "outlets differ" if differ else "no clear difference"
            test = f" — {verdict}: {numbers.p_value(d.p_value)}, V {d.cramers_v:.2f}"
        out.append(
            f'<text class="label-head" x="4" y="{y + 14}" font-size="12"{weight}>'
            f'{escape(lab)}<tspan font-size="11" fill="{"#1d2430" if differ else "#78909c"}">'
            f"{escape(test)}</tspan></text>"
        )
        y += head_h
        for r in coded:
            color = colors[r.name]
            rate, low, high = r.rates[lab], r.low.get(lab), r.high.get(lab)
            cy = y + row_h / 2
            figures = numbers.rate_interval(rate, low, high)
            tip = f"{r.name} / {lab}: {figures} ({r.documents} documents)"
            out.append(
                f'<text x="{left - 8:.0f}" y="{cy + 4:.1f}" font-size="11" text-anchor="end" '
                f'fill="{color}">{escape(names[r.name])}</text>'
            )
            if rate is not None:
                if low is not None and high is not None:
                    out.append(
                        f'<line x1="{xpos(low):.1f}" y1="{cy:.1f}" x2="{xpos(high):.1f}" '
                        f'y2="{cy:.1f}" stroke="{color}" stroke-width="4" stroke-opacity=".35"'
                        f' stroke-linecap="round"><title>{escape(tip)}</title></line>'
                    )
                out.append(
                    f'<circle class="rate" cx="{xpos(rate):.1f}" cy="{cy:.1f}" r="4" '
                    f'fill="{color}"><title>{escape(tip)}</title></circle>'
                    f'<text x="{left + plot_w + 8:.0f}" y="{cy + 4:.1f}" font-size="10" '
                    f'fill="#37474f">{escape(figures)} ({r.documents} doc.)</text>'
                )
            y += row_h
        out.append(
            f'<line x1="4" y1="{y + gap / 2:.0f}" x2="{left + plot_w}" '
            f'y2="{y + gap / 2:.0f}" stroke="#dde3ea"/>'
        )
        y += gap
    out.append("</svg></div>")
    if unused and not t.differences:  # else the tests below list them
        out.append(f'<p class="note">Used by no coded outlet (not drawn): '
                   f"{escape(', '.join(unused))}.</p>")
    missing = [r.name for r in t.rows if not r.coded]
    if missing:
        unit = "document" if t.level == "document" else "sentence"
        out.append(f'<p class="note">{numbers.NOT_CODED.capitalize()} (no answered {unit}, '
                   f"so no rate): {escape(', '.join(missing))}.</p>")
    return "".join(out)


def _confusion_heatmap(c: Confusion) -> str:
    n = len(c.categories)
    none = c.categories.index(NONE)
    scale = max(
        (c.matrix[i][j] for i in range(n) for j in range(n) if not (i == none and j == none)),
        default=0,
    )
    return _heatmap(
        aria=f"{c.label_set}: confusion between annotators",
        css_class="heatmap confusion",
        rows=c.categories,
        cols=c.categories,
        values=[[float(v) for v in row] for row in c.matrix],
        fmt=lambda v: f"{v:.0f}",
        high=(166, 54, 3),
        scale_max=float(scale),
        row_title="one annotator ↓ / other →",
    )


def _color(colors: dict[str, str], label: str) -> str:
    """The label's colour by the one colour rule (annotator.core.colors), checked once more
    before it goes into an attribute of the page."""
    c = colors.get(label)
    if c and _SAFE_COLOR.match(c):
        return c
    return FALLBACK


def _doc_label_bars(dl: DocLabels, scheme_colors: dict[str, str], outlets: list[str]) -> str:
    """One stacked bar per outlet: the share of judgements (gold: documents) per label; outlets
    with no coded document say so; the legend wraps so that every label shows."""
    if not dl.outlets and not any(dl.coded.values()):
        return '<p class="note">No document labelled yet.</p>'
    left = max(_text_width(o) for o in outlets) + 16
    bar_w, bar_h = 520, 22
    width = left + bar_w + 80
    colors = {lab: _color(scheme_colors, lab) for lab in dl.labels}
    legend: list[str] = []
    x, y = left, 8 + 30 * len(outlets) + 8
    for lab in dl.labels:
        w = 24 + _text_width(lab)
        if x + w > width and x > left:
            x, y = left, y + 18
        legend.append(
            f'<rect x="{x:.0f}" y="{y}" width="10" height="10" fill="{colors[lab]}"/>'
            f'<text class="legend" x="{x + 14:.0f}" y="{y + 9}" font-size="11">{escape(lab)}</text>'
        )
        x += w
    height = y + 22
    aria = f"{dl.label_set}: judgements per label by outlet"
    out = [
        f'<div class="chart"><svg class="stacked doc-labels" '
        f'width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="{escape(aria)}"><title>{escape(aria)}</title>'
    ]
    found = {o: (n, c) for o, n, c in dl.outlets}
    for i, outlet in enumerate(outlets):
        y = 8 + 30 * i
        out.append(
            f'<text x="{left - 8:.0f}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(outlet)}</text>"
        )
        if not dl.coded.get(outlet):
            out.append(f'<rect class="not-coded" x="{left}" y="{y}" width="{bar_w}" '
                       f'height="{bar_h}" fill="#eeeeee"/>' + "".join(_hatch(left, y, bar_w, bar_h))
                       + f'<text x="{left + 8}" y="{y + 15}" font-size="11" fill="#5a6472">'
                       f"{numbers.NOT_CODED}</text>")
            continue
        n, counts = found.get(outlet, (0, {}))
        x = left
        for lab in dl.labels:
            k = counts.get(lab, 0)
            if not k:
                continue
            w = bar_w * k / n if n else 0
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[lab]}">'
                f"<title>{escape(outlet)}: {escape(lab)} {k}/{n}</title></rect>"
            )
            inside = next((t for t in (f"{lab} {k}", str(k))
                           if _text_width(t, 6.0) + 8 < w), None)  # never spills over
            if inside:
                out.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 15}" font-size="10" text-anchor="middle" '
                    f'fill="{text_on(colors[lab])}">{escape(inside)}</text>'
                )
            x += w
        out.append(f'<text x="{left + bar_w + 6:.0f}" y="{y + 15}" font-size="11">n={n}</text>')
    out.extend(legend)
    out.append("</svg></div>")
    return "".join(out)


def _agreement_bars(name: str, rows: Sequence[AgreementRow]) -> str:
    if not rows:
        return '<p class="note">No alpha for this label set.</p>'
    labels = [(r.label or f"(whole set, {r.measure})", r) for r in rows]
    lo = min([0.0] + [r.alpha for r in rows if r.alpha is not None])
    lo = max(-1.0, math.floor(lo * 10) / 10)
    left = max(_text_width(lab) for lab, _ in labels) + 16
    plot_w, row_h = 420, 20
    width = left + plot_w + 70
    height = 24 + row_h * len(labels) + 26

    def xpos(v: float) -> float:
        return left + plot_w * (v - lo) / (1.0 - lo)

    aria = f"{name}: agreement per label"
    out = [
        f'<div class="chart"><svg class="bars agreement" '
        f'width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="{escape(aria)}"><title>{escape(aria)}</title>'
    ]
    for i, (lab, r) in enumerate(labels):
        y = 20 + row_h * i
        weight = ' font-weight="bold"' if r.label is None else ""
        out.append(
            f'<text class="row-label" x="{left - 8:.0f}" y="{y + 13}" font-size="12" '
            f'text-anchor="end"{weight}>{escape(lab)}</text>'
        )
        if r.alpha is None:
            out.append(
                f'<text x="{xpos(0) + 4:.1f}" y="{y + 13}" font-size="11" fill="#5a6472">n/a</text>'
            )
            continue
        a = r.alpha
        color = "#2e7d32" if a >= RELIABLE else "#f9a825" if a >= TENTATIVE else "#c62828"
        x0, x1 = sorted((xpos(0.0), xpos(a)))
        out.append(
            f'<rect x="{x0:.1f}" y="{y + 2}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 5}" '
            f'fill="{color}"><title>{escape(lab)}: alpha {a:.3f} over {r.units} units'
            "</title></rect>"
        )
        out.append(
            f'<text x="{max(x1, xpos(0)) + 4:.1f}" y="{y + 13}" font-size="11">{a:.3f}</text>'
        )
    bottom = 20 + row_h * len(labels)
    for v, text in ((TENTATIVE, "0.667"), (RELIABLE, "0.8")):
        x = xpos(v)
        out.append(
            f'<line class="threshold" x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="#37474f" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="11" font-size="10" text-anchor="middle">{text}</text>'
        )
    out.append(
        f'<line x1="{xpos(lo):.1f}" y1="{bottom}" x2="{xpos(1):.1f}" y2="{bottom}" '
        'stroke="#90a4ae"/>'
    )
    for v in sorted({lo, 0.0, 0.5, 1.0}):
        out.append(
            f'<text x="{xpos(v):.1f}" y="{bottom + 14}" font-size="10" text-anchor="middle">'
            f"{v:g}</text>"
        )
    out.append("</svg></div>")
    return "".join(out)


def _progress_bars(rep: Report) -> str:
    if not rep.progress:
        return '<p class="note">No annotator yet.</p>'
    left = max(_text_width(p.annotator) for p in rep.progress) + 16
    bar_w, row_h = 420, 26
    width = left + bar_w + 260
    height = row_h * len(rep.progress) + 12
    out = [
        '<div class="chart"><svg class="bars progress" '
        f'width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" role="img" '
        'aria-label="progress per annotator"><title>progress per annotator</title>'
    ]
    for i, p in enumerate(rep.progress):
        y = 6 + row_h * i
        total = max(p.total, 1)
        out.append(
            f'<text class="row-label" x="{left - 8:.0f}" y="{y + 14}" font-size="12" '
            f'text-anchor="end">{escape(p.annotator)}</text>'
            f'<rect x="{left:.0f}" y="{y}" width="{bar_w}" height="18" fill="#eceff1"/>'
            f'<rect x="{left:.0f}" y="{y}" width="{bar_w * p.seen / total:.1f}" height="18" '
            'fill="#b0bec5"/>'
            f'<rect x="{left:.0f}" y="{y}" width="{bar_w * p.done / total:.1f}" height="18" '
            f'fill="#1565c0"><title>{escape(p.annotator)}: {p.done} of {p.total} done'
            "</title></rect>"
            f'<text x="{left + bar_w + 8:.0f}" y="{y + 14}" font-size="11">'
            f"{p.done}/{p.total} done, "
            f"{escape(fmt_seconds(p.per_sentence))} per sentence</text>"
        )
    out.append("</svg></div>")
    return "".join(out)
