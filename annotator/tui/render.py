"""Build what the annotation screen shows as ``textual.content.Content``.

Sentence text is always wrapped in ``Content(text)`` and styled with ``.stylize()``: news text has
brackets (``[b]``, ``[/]``) that must never be parsed as markup. Text from the database goes
through ``annotator.core.untrusted.visible`` first (:func:`plain`), and every Content a widget
shows through :func:`safe`: a control character in an article or a title must never reach the
terminal (it would set its title or clipboard, or move the cursor), and Textual would silently
drop some (carriage return, form feed), moving every span after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.content import Content

from annotator.core.colors import color_of
from annotator.core.colors import text_on as fill_text
from annotator.core.fold import find
from annotator.core.suggest import LEARNED
from annotator.core.untrusted import UNSAFE, visible

if TYPE_CHECKING:
    from annotator.services.annotation import Session
    from annotator.services.suggest import Suggestion

SELECTION_STYLE = "bold reverse"
CURSOR_STYLE = "bold underline reverse"


def plain(text: str) -> Content:
    """Text from the database as Content: never markup, unsafe characters made visible one for
    one (offsets into ``text`` stay offsets into the Content)."""
    return Content(visible(text))


def safe(content: Content | str) -> Content:
    """What a widget may show: ``content`` with any unsafe character left in it made visible
    (one for one, so its styles stay where they were). The last check before the terminal."""
    if isinstance(content, str):
        return plain(content)
    text = content.plain
    if UNSAFE.search(text) is None:
        return content
    return Content(visible(text), spans=list(content.spans))


def text_on(color: str) -> str:
    """A readable foreground for text on a label's colour: the one rule of
    :func:`annotator.core.colors.text_on` (WCAG contrast), named colours included."""
    try:
        parsed = Color.parse(color)
    except ColorParseError:
        return "black"
    return "black" if fill_text(parsed.hex[:7]) == "#000000" else "white"


def span_style(color: str) -> str:
    return f"{text_on(color)} on {color}"


def sentence_content(
    text: str,
    spans: Sequence[dict[str, Any]],
    suggestions: Sequence[Suggestion],
    colors: dict[tuple[str, str], str],
    *,
    selection: tuple[int, int] | None = None,
    span_cursor: int | None = None,
    suggestion_cursor: int | None = None,
) -> Content:
    """The current sentence with spans in their label's colour (longer spans first, so a span
    nested in another stays visible), cue suggestions underlined, and the selection reversed."""
    content = plain(text)
    for g_index, g in enumerate(suggestions):
        color = color_of(colors, g.label_set, g.label)
        style = f"underline {color}"
        if g_index == suggestion_cursor:
            style = f"bold underline {color}"
        content = content.stylize(style, g.start, g.end)
    ordered = sorted(spans, key=lambda s: -(s["re"] - s["rs"]))
    for s in ordered:
        content = content.stylize(
            span_style(color_of(colors, s["label_set"], s["label"])), s["rs"], s["re"]
        )
    if span_cursor is not None and 0 <= span_cursor < len(spans):
        s = spans[span_cursor]
        content = content.stylize(CURSOR_STYLE, s["rs"], s["re"])
    if selection is not None and selection[1] > selection[0]:
        content = content.stylize(SELECTION_STYLE, selection[0], selection[1])
    return content


@dataclass(frozen=True)
class Window:
    """The part of a long sentence its box shows: ``content`` (with the "↑ more" / "↓ more"
    marker lines), ``start`` the sentence offset of its first character, ``head`` the number of
    marker lines above the text (to map a mouse position back), ``first`` the first wrapped line
    shown (kept while the focus stays in view, so the text does not jump at every key)."""

    content: Content
    start: int = 0
    end: int | None = None  # None: to the end of the sentence
    head: int = 0
    first: int = 0


def line_starts(content: Content, width: int) -> list[int]:
    """Offset in ``content.plain`` of each line Textual wraps it into at ``width`` cells."""
    text = content.plain
    starts: list[int] = []
    pos = 0
    for line in content.wrap(max(1, width)):
        piece = line.plain.strip()
        at = text.find(piece, pos) if piece else pos
        at = pos if at < 0 else at
        starts.append(at)
        pos = at + len(piece)
        if not piece and pos < len(text) and text[pos] == "\n":
            pos += 1  # an empty line: the line break that made it
    return starts


def sentence_window(
    content: Content,
    width: int,
    rows: int,
    focus: tuple[int, int] | None,
    first: int = 0,
    marks: Sequence[tuple[int, int]] = (),
) -> Window:
    """At most ``rows`` lines of a sentence wrapped at ``width``: all of it when it fits, else
    the lines around ``focus`` (the selection, span cursor or chosen suggestion) with a marker
    line where text is cut, saying how many lines and marks (spans, suggestions) are out of
    view. ``first`` is the first line shown last time: kept while the focus is still in view."""
    starts = line_starts(content, width)
    total = len(starts)
    if total <= rows or rows < 3:
        return Window(content)
    text = content.plain

    def line_of(offset: int) -> int:
        return max(0, next((i for i, s in enumerate(starts) if s > offset), total) - 1)

    room = rows - 2
    first = max(0, min(first, total - room))
    if focus is not None:
        top, bottom = line_of(focus[0]), line_of(max(focus[0], focus[1] - 1))
        if bottom - top + 1 > room:
            first = bottom - room + 1  # longer than the box: show its end, where it grows
        elif top < first:
            first = top
        elif bottom >= first + room:
            first = bottom - room + 1
    if first <= 0:
        first, count = 0, rows - 1
    elif first + rows - 1 >= total:
        first, count = total - rows + 1, rows - 1
    else:
        count = room
    begin = starts[first]
    end = starts[first + count] if first + count < total else len(text)
    while end > begin and text[end - 1] in "\n ":
        end -= 1
    parts: list[Content] = []
    if first > 0:
        hidden = sum(1 for a, _b in marks if a < begin)
        note = f" · {hidden} mark(s)" if hidden else ""
        parts.append(Content(f"↑ … {first} more line(s) above{note}").stylize("$text-muted"))
    parts.append(content[begin:end])
    if first + count < total:
        hidden = sum(1 for _a, b in marks if b > end)
        note = f" · {hidden} mark(s)" if hidden else ""
        below = total - first - count
        parts.append(Content(f"↓ … {below} more line(s) below{note}").stylize("$text-muted"))
    return Window(Content("\n").join(parts), begin, end, 1 if first > 0 else 0, first)


def highlight_terms(text: str, query: str, style: str = "bold $accent") -> Content:
    """``text`` on one line with each word of a search ``query`` highlighted where it occurs,
    matched as the search matches (case, accents, typographic apostrophes folded)."""
    content = plain(text.replace("\n", " "))
    for term in query.replace('"', " ").split():
        for start, end in find(text, term):
            content = content.stylize(style, start, end)
    return content


def context_content(sentences: Sequence[dict[str, Any]]) -> Content:
    """Neighbouring sentences, dimmed; a new paragraph starts a new line."""
    parts: list[Content] = []
    previous_paragraph: int | None = None
    for s in sentences:
        if parts:
            sep = "\n" if s.get("paragraph") != previous_paragraph else " "
            parts.append(Content(sep))
        parts.append(plain(s["text"]))
        previous_paragraph = s.get("paragraph")
    return Content("").join(parts).stylize("dim") if parts else Content("")


def progress_bar(done: int, total: int, width: int) -> Content:
    width = max(4, width)
    filled = 0 if total <= 0 else round(width * done / total)
    filled = min(width, filled)
    pct = 0.0 if total <= 0 else 100.0 * done / total
    return Content.assemble(
        ("█" * filled, "$success"),
        ("░" * (width - filled), "$foreground 30%"),
        f" {done}/{total} done ({pct:.1f}%)",
    )


def header_content(session: Session, width: int) -> Content:
    assert session.doc is not None
    doc = session.doc.row
    title = (doc.get("title") or "").strip() or f"document {doc['id']}"
    line1 = Content.assemble((visible(title), "bold")).truncate(max(10, width - 2), ellipsis=True)
    # Source and date go on the second line, so a long headline never pushes them off an
    # 80-column screen.
    bits = [visible(str(b).strip()[:28]) for b in (doc.get("source"), doc.get("published")) if b]
    i, n = session.doc.index
    j = session.doc.by_id[session.sentence_id] + 1
    m = len(session.doc.sentences)
    state: list[tuple[str, str] | str] = []
    if session.queue and session.outside_queue:
        state.append(("not in your queue · ", "bold $warning"))
        state.append(f"doc {i}/{n} · sentence {j}/{m}")
    elif session.queue:
        state.append(f"queue {i}/{n}")
        if session.document_id in session.shared:
            state.append((" shared", "bold"))
        state.append(f" · sentence {j}/{m}")
    else:
        state.append(f"doc {i}/{n} · sentence {j}/{m}")
    if bits:
        source = " · ".join(bits)
        if session.queue:
            # The queue's words take room: the source gives way, so 80 columns still fit.
            rest = Content.assemble(*state).cell_length
            room = width - 2 - rest - progress_bar(
                session.totals.done, session.totals.sentences, 4).cell_length - 4
            source = source if len(source) <= room else source[: max(0, room - 1)] + "…"
        if source.strip("…"):
            state.insert(0, (source + "  ", "$text-muted"))
    if session.done:
        state.append(("  ✓ done", "bold $success"))
    if session.flagged:
        state.append(("  ⚑ flagged", "bold $warning"))
    if session.note:
        state.append(("  ✎ note", "bold $accent"))
    left = Content.assemble(*state)
    bar_width = max(4, min(30, width - left.cell_length - 30))
    bar = progress_bar(session.totals.done, session.totals.sentences, bar_width)
    gap = max(2, width - 2 - left.cell_length - bar.cell_length)
    line2 = Content.assemble(left, " " * gap, bar)
    return Content("\n").join([line1, line2])


def legend_content(
    session: Session,
    spans: Sequence[dict[str, Any]],
    suggestions: Sequence[Suggestion],
    *,
    span_cursor: int | None = None,
    suggestion_cursor: int | None = None,
    max_lines: int | None = None,
) -> Content:
    """One line per span (number, label, text) and per cue suggestion, so colours are named.
    With ``max_lines`` (a small terminal) a window around the span cursor and a count of the
    lines left out."""
    text = session.sentence["text"]
    lines: list[Content] = []
    for n, s in enumerate(spans, 1):
        color = session.color(s["label_set"], s["label"])
        marker = "▶" if span_cursor == n - 1 else " "
        lines.append(
            Content.assemble(
                f"{marker}{n} ",
                (f" {visible(s['label'])} ", span_style(color)),
                " «",
                plain(_clip(text[s["rs"] : s["re"]], 60)),
                "»",
                attributes_content(session.attributes_of(s)),
            )
        )
    for n, g in enumerate(suggestions):
        color = session.color(g.label_set, g.label)
        current = n == suggestion_cursor
        lines.append(
            Content.assemble(
                ("▶" if current else " ") + "? ",
                (visible(g.label), f"underline {color}"),
                " «",
                plain(_clip(text[g.start : g.end], 50)),
                "»",
                (f"  yours ×{g.count}" if g.source == LEARNED else "  cue", "$text-muted"),
                ("  a: accept  A: next" if current else "", "$text-muted"),
            )
        )
    guess = session.label_guess()
    if guess is not None:
        lines.append(
            Content.assemble(
                f"  suggested {visible(guess.label_set)}: ",
                (visible(guess.label), f"underline {session.color(guess.label_set, guess.label)}"),
                f" ({guess.confidence:.2f})",
                ("  ctrl+t: accept", "$text-muted"),
            )
        )
    # The note stays under the sentence even when a small terminal leaves out span lines.
    note = (
        [Content.assemble(("✎ ", "bold $accent"), plain(_clip(session.note, 200)))]
        if session.note else []
    )
    if not lines and not note:
        return Content("no spans · s: select by typing · v: select with arrows").stylize(
            "$text-muted"
        )
    if max_lines is not None and note:
        max_lines = max(1, max_lines - 1)
    if max_lines is not None and len(lines) > max_lines:
        keep = max(1, max_lines - 1)
        focus = span_cursor if span_cursor is not None else 0
        if span_cursor is None and suggestion_cursor is not None:
            focus = len(spans) + suggestion_cursor
        start = max(0, min(focus - keep // 2, len(lines) - keep))
        hidden = len(lines) - keep
        lines = [
            *lines[start : start + keep],
            Content(f"  … {hidden} more line(s): delete then ←→ browses spans").stylize(
                "$text-muted"
            ),
        ]
    return Content("\n").join([*lines, *note])


def attributes_content(values: dict[str, list[str]]) -> Content:
    """A label's attribute values after it, ``  actor Lavrov · target Ukraine, West``."""
    if not values:
        return Content("")
    parts = [
        Content.assemble((name, "$text-muted"), " ", plain(_clip(", ".join(vs), 40)))
        for name, vs in values.items()
    ]
    return Content.assemble("  ", Content(" · ").join(parts))


def labels_content(
    session: Session, levels: Sequence[str] = ("sentence", "span"), *, width: int | None = None
) -> Content:
    """Each label set with its labels' quick keys and what this annotator applied (✓).

    With ``width`` (a wide terminal) every label gets its own line with its description."""
    blocks: list[Content] = []
    span_counts: dict[tuple[str, str], int] = {}
    for s in session.spans():
        span_counts[(s["label_set"], s["label"])] = (
            span_counts.get((s["label_set"], s["label"]), 0) + 1
        )
    ordered = [ls for level in levels for ls in session.scheme.label_sets if ls.level == level]
    for ls in ordered:
        kind = "spans" if ls.level == "span" else ("several" if ls.multiple else "one")
        req = " required" if ls.required else ""
        head = Content.assemble((ls.name, "bold"), (f"  ({ls.level}, {kind}{req})", "$text-muted"))
        items: list[Content] = []
        for lab in ls.labels:
            color = session.color(ls.name, lab.name)
            key = lab.key or "·"
            applied = None
            if ls.level == "span":
                count = span_counts.get((ls.name, lab.name), 0)
                on = count > 0
                mark = f" ×{count}" if count > 1 else ""
            else:
                applied = session.applied(ls.name, lab.name, ls.level)
                on = applied is not None
                mark = ""
            name = Content.assemble((key, "bold $accent"), "\u00a0")
            if on:
                name = Content.assemble(name, (f"✓{lab.name}{mark}", span_style(color)))
                if ls.level != "span" and ls.attributes and applied is not None:
                    name = Content.assemble(
                        name, attributes_content(session.attributes_of(applied))
                    )
            else:
                name = Content.assemble(name, (lab.name, color))
            if width is not None:
                desc = (lab.description or "").strip().replace("\n", " ")
                room = width - name.cell_length - 4
                if desc and room > 10:
                    name = Content.assemble(name, ("  " + _clip(desc, room), "$text-muted"))
            items.append(name)
        sep = Content("\n") if width is not None else Content("  ")
        blocks.append(Content("\n").join([head, sep.join(items)]))
    return Content("\n").join(blocks)


def document_summary(session: Session) -> Content:
    """One line: the document-level answers (or what is still required)."""
    sets = session.sets("document")
    if not sets:
        return Content("")
    parts: list[Content] = [Content("Document ").stylize("bold")]
    for ls in sets:
        chosen = [a["label"] for a in session.doc_annotations if a["label_set"] == ls.name]
        if chosen:
            value = plain(", ".join(chosen)).stylize("$success")
        elif ls.required:
            value = Content("required").stylize("bold $warning")
        else:
            value = Content("—").stylize("$text-muted")
        parts.append(Content.assemble(f"{ls.name}: ", value, "  "))
    parts.append(Content("(d)").stylize("$text-muted"))
    return Content("").join(parts)


def _clip(text: str, n: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"
