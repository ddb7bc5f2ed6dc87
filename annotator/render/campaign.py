"""Campaign progress as text (``annotator assignments``)."""

from __future__ import annotations

from typing import Any

from annotator.render import numbers
from annotator.render.report_text import format_table
from annotator.services.campaign import Overview


def render_overview(view: Overview, *, with_documents: bool = False) -> str:
    """One row per annotator; with ``with_documents`` also their documents in queue order."""
    if not view.annotators:
        return "no assignment yet (run `annotator assign --annotators a,b,c`)\n"
    rows: list[list[Any]] = []
    estimated_from_everyone = False
    for a in view.annotators:
        pace = numbers.seconds(a.median_seconds)
        if a.pace_from == "everyone":
            pace += "*"
            estimated_from_everyone = True
        rows.append([
            a.annotator, a.documents, a.shared, a.documents_done, a.sentences, a.done,
            a.remaining, pace, numbers.seconds(a.time_left),
        ])
    out = [format_table(
        ["annotator", "documents", "shared", "docs done", "sentences", "done", "remaining",
         "per sentence", "time left"],
        rows, align="lrrrrrrrr",
    )]
    if estimated_from_everyone:
        out.append("* no timed sentence yet: median of every annotator")
    if with_documents:
        out.append("")
        out.append(format_table(
            ["annotator", "document", "external id", "source", "shared", "sentences", "done",
             "remaining"],
            [[r["annotator"], r["document_id"], r["external_id"] or "", r["source"] or "",
              "yes" if r["shared"] else "", r["sentences"], r["done"], r["remaining"]]
             for r in view.documents],
            align="lrllrrrr",
        ))
    return "\n".join(out) + "\n"
