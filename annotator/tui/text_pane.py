"""The text pane of the annotation screen: the sentence in its context and the legend of its
spans and cue suggestions, each part repainted only when what it shows changed.

A key press then repaints the few lines it changes in place. Textual lays the screen out again
only when a part's box changes height, which also makes every resized widget ask for a second
pass a frame later; together they were most of a key's latency in a real terminal
(bench/tui_latency.py). The CSS gives the parts around the sentence fixed heights, so moving to
a sentence of another length changes no box. Text is built by :mod:`annotator.tui.render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.scalar import Unit
from textual.geometry import Offset
from textual.widget import Widget
from textual.widgets import Static

from annotator.core import textops
from annotator.tui.render import (
    Window,
    context_content,
    legend_content,
    safe,
    sentence_content,
    sentence_window,
)

if TYPE_CHECKING:
    from annotator.services.annotation import Session
    from annotator.services.suggest import Suggestion


def box_height(widget: Widget, content_height: int) -> int | None:
    """The height a widget's box takes for content of ``content_height`` lines, within its CSS
    height, min-height and max-height (in cells); None when they are in other units."""
    styles = widget.styles
    height = content_height + styles.gutter.height
    if styles.height is not None and styles.height.unit is not Unit.AUTO:
        if styles.height.unit is not Unit.CELLS:
            return None
        height = int(styles.height.value)
    for limit, pick in ((styles.min_height, max), (styles.max_height, min)):
        if limit is not None:
            if limit.unit is not Unit.CELLS:
                return None
            height = pick(height, int(limit.value))
    return height


class Lines(Static):
    """A Static that repaints only when its content changes (text or styles) and asks for a
    layout pass only when its box's height changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._shown: Content | None = None
        self._box: tuple[int, int | None] | None = None

    def show(self, content: Content) -> None:
        content = safe(content)  # the last check before the terminal
        if self._shown is not None and self._shown.is_same(content):
            return
        self._shown = content
        self.update(content, layout=False)
        width = self.size.width
        # Textual passes a widget's styles as the rules mapping too (Widget.get_content_height).
        rules: Any = self.styles
        box = (width, box_height(self, content.get_height(rules, width))) if width else None
        if box is None or box[1] is None or box != self._box:
            self.refresh(layout=True)
        self._box = box


class SentenceView(Lines):
    """The current sentence; mouse selection inside it becomes a span selection.

    A sentence longer than its box shows a window of lines around the selection (see
    :func:`annotator.tui.render.sentence_window`); positions in the widget map back to sentence
    offsets through that window."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.window = Window(Content(""))
        self._window_of: object = None

    def show_window(
        self,
        key: object,
        content: Content,
        width: int,
        rows: int,
        focus: tuple[int, int] | None,
        marks: Sequence[tuple[int, int]],
    ) -> None:
        """Show ``content`` (the sentence ``key``) within ``rows`` lines, keeping ``focus`` in
        view; the window stays where it was while the focus is in it."""
        first = self.window.first if key == self._window_of else 0
        self.window = sentence_window(content, width, rows, focus, first, marks)
        self._window_of = key
        self.show(self.window.content)

    def sentence_offsets(self, text: str, start: Any, end: Any) -> tuple[int, int] | None:
        """Sentence offsets of a mouse selection given in this widget's lines (marker lines
        above the text count as its start, below it as its end)."""
        w = self.window
        shown = text[w.start : w.end]

        def inside(offset: Any) -> Any:
            if offset is None:
                return None
            y = int(offset.y) - w.head
            return Offset(0, 0) if y < 0 else Offset(int(offset.x), y)

        span = selection_offsets(shown, inside(start), inside(end))
        if span is None:
            return None
        return span[0] + w.start, span[1] + w.start

    def sentence_index(self, text: str, offset: Any) -> int | None:
        """The sentence offset under a position of this widget (None off the text)."""
        w = self.window
        shown = text[w.start : w.end]
        lines = shown.split("\n")
        y = int(offset.y) - w.head
        if y < 0 or y >= len(lines):
            return None
        x = min(int(offset.x), len(lines[y]))
        return w.start + sum(len(line) + 1 for line in lines[:y]) + x


def selection_offsets(text: str, start: Any, end: Any) -> tuple[int, int] | None:
    """Sentence offsets of a mouse selection given as (x, y) offsets in the widget's text lines
    (None = from the beginning / to the end)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def index(offset: Any, default: int) -> int:
        if offset is None:
            return default
        x, y = int(offset.x), int(offset.y)
        if y >= len(lines):
            return len(text)
        return min(starts[y] + x, starts[y] + len(lines[y]))

    a, b = index(start, 0), index(end, len(text))
    a, b = textops.trim(text, min(a, b), max(a, b))
    return (a, b) if b > a else None


class TextPane(Vertical):
    """The context before, the sentence, the context after, and the legend."""

    def compose(self) -> ComposeResult:
        yield Lines(id="before", classes="context")
        yield SentenceView(id="sentence")
        yield Lines(id="after", classes="context")
        yield Lines(id="legend")

    def show(
        self,
        session: Session,
        spans: Sequence[dict[str, Any]],
        suggestions: Sequence[Suggestion],
        *,
        wide: bool,
        text_width: int,
        height: int,
        selection: tuple[int, int] | None,
        span_cursor: int | None,
        suggestion_cursor: int | None,
        follow_suggestion: bool = False,
        finding: bool = False,
    ) -> None:
        """Show the sentence and its surroundings. ``follow_suggestion``: the box keeps the
        current suggestion in view (after A); ``finding``: the find bar takes two lines."""
        s = session
        assert s.doc is not None
        n_ctx = max(1, min(6, (height - 30) // 6 + 2)) if wide else 1
        i = s.doc.by_id[s.sentence_id]
        before = s.doc.sentences[max(0, i - n_ctx) : i]
        after = s.doc.sentences[i + 1 : i + 1 + n_ctx]
        if not wide:
            budget = max(20, 2 * text_width - 2)
            before = [{**b, "text": textops.clip_start(b["text"], budget)} for b in before]
            after = [{**a, "text": textops.clip_end(a["text"], budget)} for a in after]
        before_c = (
            context_content(before) if before else Content("(start of document)").stylize("dim")
        )
        after_c = context_content(after) if after else Content("(end of document)").stylize("dim")
        self.query_one("#before", Lines).show(before_c)
        self.query_one("#after", Lines).show(after_c)
        legend = legend_content(
            s,
            spans,
            suggestions,
            span_cursor=span_cursor,
            suggestion_cursor=suggestion_cursor,
            max_lines=None if wide else 4,
        )
        self.query_one("#legend", Lines).show(legend)
        # The lines the sentence's box may take: what the screen leaves once the header,
        # message, footer (and find bar), the context and the legend have theirs (app.tcss).
        body = height - 4 - (2 if finding else 0)
        legend_h = len(legend.wrap(max(1, text_width)))
        if wide:
            context_h = sum(
                min(14, len(c.wrap(max(1, text_width - 2)))) + 2 for c in (before_c, after_c)
            )
            rows = body - context_h - min(12, legend_h) - 1 - 2
        else:
            rows = int(body * 0.7) - 4 - min(4, legend_h) - 2
        focus: tuple[int, int] | None = selection
        if focus is None and span_cursor is not None and 0 <= span_cursor < len(spans):
            focus = (spans[span_cursor]["rs"], spans[span_cursor]["re"])
        if focus is None and follow_suggestion and suggestion_cursor is not None:
            g = suggestions[suggestion_cursor]
            focus = (g.start, g.end)
        sentence = self.query_one(SentenceView)
        sentence.show_window(
            s.sentence_id,
            sentence_content(
                s.sentence["text"],
                spans,
                suggestions,
                s.colors,
                selection=selection,
                span_cursor=span_cursor,
                suggestion_cursor=suggestion_cursor,
            ),
            sentence.content_region.width or text_width,
            max(3, rows),
            focus,
            [(sp["rs"], sp["re"]) for sp in spans] + [(g.start, g.end) for g in suggestions],
        )
        sentence.set_class(selection is not None, "-selecting")
        sentence.set_class(s.done, "-done")
