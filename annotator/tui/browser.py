"""The document browser (`ctrl+o` on the annotation screen): every document with source, date,
title, this annotator's progress, flags and first note (the document panel's counted with the
sentences'), a ● on those of the annotator's campaign queue; typing filters, `tab` changes the
sort column, `shift+tab` its direction, `enter` opens the highlighted document.

The table is a line-API widget: it draws only the rows on screen, each built when first shown
(from services/browse.py's in-memory list), so 20,000 documents cost what 30 do once loaded.
Every text from the data goes through ``plain``/``safe`` (never markup, no control characters).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click, Resize
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Input, Static

from annotator.services.browse import SORTS, DocumentList, DocumentRow, FilterError
from annotator.tui.dialogs import NowInput
from annotator.tui.render import plain, safe

# Sort columns in the order `tab` walks them (SORTS' keys).
SORT_ORDER = ("id", "date", "source", "title", "progress", "flags", "notes")


def _cell(text: str, width: int) -> Content:
    """One table cell: the text on one line, cut with "…" or padded to ``width`` cells."""
    return plain(" ".join(text.split())).truncate(width, ellipsis=True, pad=True)


class DocumentTable(ScrollView, can_focus=False):
    """The rows of a DocumentList, one line each, with a cursor; draws only visible rows."""

    def __init__(self, documents: DocumentList, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.documents = documents
        self.cursor = 0
        self._strips: dict[tuple[int, bool], Strip] = {}  # (row index, under cursor) -> strip
        self._width = -1

    # ------------------------------------------------------------------ layout of a row
    def widths(self, width: int) -> dict[str, int]:
        """Cells per column for a table ``width`` cells wide: the title takes what is left,
        shared with the note column when there is room."""
        fixed = {"id": 6, "date": 10, "source": 14, "progress": 7, "flags": 3, "notes": 3}
        if self.documents.queued:  # a campaign: one cell marks the annotator's queue
            fixed = {"queue": 1, **fixed}
        rest = max(10, width - sum(fixed.values()) - len(fixed) - 1)
        if rest >= 60:
            return {**fixed, "title": rest * 3 // 5, "note": rest - rest * 3 // 5 - 1}
        return {**fixed, "title": rest, "note": 0}

    def header(self, width: int) -> Content:
        w = self.widths(width)
        docs = self.documents
        arrow = " ▼" if docs.descending else " ▲"
        names = [("queue", "●"), ("id", "#"), ("date", "date"), ("source", "source"),
                 ("title", "title"), ("progress", "done"), ("flags", "⚑"), ("notes", "✎"),
                 ("note", "first note")]
        cells = []
        for key, name in names:
            if not w.get(key):
                continue
            label = name + (arrow if key == docs.sort else "")
            style = "bold $accent" if key == docs.sort else "bold"
            cells.append(Content(label).truncate(w[key], ellipsis=True, pad=True).stylize(style))
        return Content(" ").join(cells)

    def row_content(self, row: DocumentRow, width: int) -> Content:
        w = self.widths(width)
        complete = row.complete
        progress = f"{row.done}/{row.sentences}"
        cells = [
            Content(str(row.id)).truncate(w["id"], pad=True).stylize("$text-muted"),
            _cell(row.published[:10], w["date"]),
            _cell(row.source, w["source"]),
            _cell(row.title or f"document {row.id}", w["title"]).stylize("bold" if not row.done
                                                                         else ""),
            Content(progress).truncate(w["progress"], ellipsis=True, pad=True).stylize(
                "$success" if complete else ("$warning" if row.done else "$text-muted")
            ),
            Content(str(row.flags) if row.flags else "").truncate(w["flags"], pad=True).stylize(
                "bold $warning"
            ),
            Content(str(row.notes) if row.notes else "").truncate(w["notes"], pad=True).stylize(
                "bold $accent"
            ),
        ]
        if w["note"]:
            cells.append(_cell(row.first_note, w["note"]).stylize("italic"))
        if "queue" in w:
            cells.insert(0, Content("●" if row.assigned else " ").stylize("bold $accent"))
        return safe(Content(" ").join(cells))

    # ------------------------------------------------------------------ line API
    def reset(self, cursor: int = 0) -> None:
        """The list changed (filter, sort): forget drawn rows, put the cursor on row
        ``cursor``, redraw."""
        self._strips.clear()
        n = len(self.documents.shown)
        self.cursor = max(0, min(cursor, n - 1))
        self.virtual_size = Size(self.scrollable_content_region.width, n)
        self.scroll_to(y=0, animate=False)
        self.show_cursor()
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._strips.clear()
        self.virtual_size = Size(width, len(self.documents.shown))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        width = self.scrollable_content_region.width
        index = y + scroll_y
        shown = self.documents.shown
        if index >= len(shown) or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (index, index == self.cursor)
        strip = self._strips.get(key)
        if strip is None:
            content = self.row_content(shown[index], width)
            if index == self.cursor:
                content = content.stylize("reverse")
            strips = Visual.to_strips(self, content, width, 1, self.visual_style)
            strip = strips[0] if strips else Strip.blank(width, self.rich_style)
            if len(self._strips) > 2048:
                self._strips.clear()
            self._strips[key] = strip
        return strip.crop_extend(0, width, self.rich_style)

    # ------------------------------------------------------------------ cursor
    def move(self, step: int) -> None:
        n = len(self.documents.shown)
        if not n:
            return
        old = self.cursor
        self.cursor = max(0, min(n - 1, self.cursor + step))
        if self.cursor != old:
            self.refresh_line_of(old)
            self.refresh_line_of(self.cursor)
            self.show_cursor()

    def refresh_line_of(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh_line(y)

    def show_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_click(self, event: Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self.documents.shown):
            old, self.cursor = self.cursor, index
            self.refresh_line_of(old)
            self.refresh_line_of(index)
            if event.chain >= 2:
                screen = self.screen
                if isinstance(screen, BrowserScreen):
                    screen.open_current()

    @property
    def current(self) -> DocumentRow | None:
        shown = self.documents.shown
        return shown[self.cursor] if 0 <= self.cursor < len(shown) else None


class BrowserScreen(Screen[int | None]):
    """The document browser; dismisses with the chosen document id (None: closed). A whole
    screen, not a modal one: a modal screen repaints the annotation screen dimmed behind it,
    which was a third of the time to open the browser."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="browser-close", priority=True),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("pagedown", "page(1)", show=False, priority=True),
        Binding("pageup", "page(-1)", show=False, priority=True),
        Binding("ctrl+home", "move(-1000000000)", show=False, priority=True),
        Binding("ctrl+end", "move(1000000000)", show=False, priority=True),
        Binding("tab", "sort_next", "Sort", id="browser-sort", priority=True),
        Binding("shift+tab", "sort_reverse", "Reverse", id="browser-reverse", priority=True),
    ]

    def __init__(self, documents: DocumentList, current: int | None = None) -> None:
        super().__init__()
        self.documents = documents
        self.current_document = current

    def compose(self) -> ComposeResult:
        with Vertical(id="browser", classes="dialog"):
            yield Static(id="browser-title", classes="dialog-title")
            yield NowInput(
                placeholder="filter: words · source: label: note: title: · is:flagged "
                "is:noted is:todo is:done is:assigned",
                id="browser-input",
            )
            yield Static(id="browser-header")
            yield DocumentTable(self.documents, id="browser-table")
            yield Static(
                Content(
                    "type to filter · ↑↓ pgup/pgdn · tab: sort column · shift+tab: reverse · "
                    "enter: open · esc: close"
                ).stylize("$text-muted"),
                id="browser-help",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        table = self.query_one(DocumentTable)
        if self.current_document is not None:
            index = self.documents.index_of(self.current_document)
            if index is not None:
                table.cursor = index
        self.update_title()
        self.query_one("#browser-input", Input).focus()
        self.call_after_refresh(table.show_cursor)

    def on_resize(self, event: Resize) -> None:
        self.update_title()

    def update_title(self, error: str = "") -> None:
        docs = self.documents
        n, total = len(docs.shown), len(docs.rows)
        head = Content.assemble(
            ("Documents", "bold"), f"  {n} of {total}" if n != total else f"  {total}",
            ("  ● your queue", "$text-muted") if docs.queued else "",
            (f"  {error}", "bold $error") if error else "",
        )
        self.query_one("#browser-title", Static).update(head)
        table = self.query_one(DocumentTable)
        width = table.scrollable_content_region.width or self.app.size.width - 8
        self.query_one("#browser-header", Static).update(table.header(width))

    @on(Input.Changed, "#browser-input")
    def _changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    def refilter(self, query: str) -> None:
        try:
            self.documents.apply(query)
        except FilterError as exc:
            self.update_title(str(exc))
            return
        self.query_one(DocumentTable).reset()
        self.update_title()

    def resort(self, **how: Any) -> None:
        """Sort again; the cursor stays on the same document."""
        table = self.query_one(DocumentTable)
        current = table.current
        self.documents.apply(**how)
        index = self.documents.index_of(current.id) if current is not None else None
        table.reset(index or 0)
        self.update_title()

    def action_sort_next(self) -> None:
        order = SORT_ORDER
        assert set(order) <= set(SORTS)
        now = self.documents.sort
        nxt = order[(order.index(now) + 1) % len(order)] if now in order else order[0]
        # Numbers read best largest first (most flags, most notes, most advanced).
        self.resort(sort=nxt, descending=nxt in ("progress", "flags", "notes"))

    def action_sort_reverse(self) -> None:
        self.resort(descending=not self.documents.descending)

    def action_move(self, step: int) -> None:
        self.query_one(DocumentTable).move(step)

    def action_page(self, direction: int) -> None:
        table = self.query_one(DocumentTable)
        table.move(direction * max(1, table.scrollable_content_region.height - 1))

    def submit_value(self, value: str) -> None:
        """Enter in the filter: open the highlighted document."""
        self.open_current()

    def open_current(self) -> None:
        row = self.query_one(DocumentTable).current
        if row is not None:
            self.dismiss(row.id)
