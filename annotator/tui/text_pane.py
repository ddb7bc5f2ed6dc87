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
from textual.widget import Widget
from textual.widgets import Static

from annotator.core import textops
from annotator.tui.render import context_content, legend_content, safe, sentence_content

if TYPE_CHECKING:
    from annotator.services.annotation import Session, Suggestion


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
    """The current sentence; mouse selection inside it becomes a span selection."""


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
    ) -> None:
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
        self.query_one("#before", Lines).show(
            context_content(before) if before else Content("(start of document)").stylize("dim")
        )
        self.query_one("#after", Lines).show(
            context_content(after) if after else Content("(end of document)").stylize("dim")
        )
        sentence = self.query_one(SentenceView)
        sentence.show(
            sentence_content(
                s.sentence["text"],
                spans,
                suggestions,
                s.colors,
                selection=selection,
                span_cursor=span_cursor,
                suggestion_cursor=suggestion_cursor,
            )
        )
        self.query_one("#legend", Lines).show(
            legend_content(
                s,
                spans,
                suggestions,
                span_cursor=span_cursor,
                suggestion_cursor=suggestion_cursor,
                max_lines=None if wide else 4,
            )
        )
        sentence.set_class(selection is not None, "-selecting")
        sentence.set_class(s.done, "-done")
