"""The label pane of the annotation screen: the document-level answers and every label set with
its quick keys and what the annotator applied, as one line-API widget fed by the session.

A key press that changes nothing here costs nothing (the pane compares a small key of what it
shows before building anything); one that does (a label toggled, a span added) repaints only
the lines that differ; and when the pane moves or is uncovered, its lines come from the strips
it keeps, without wrapping the text again. Text is built by :mod:`annotator.tui.render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from annotator.tui.render import document_summary, labels_content, safe

if TYPE_CHECKING:
    from annotator.services.annotation import Session


class LabelPane(ScrollView):
    """Document answers and label sets (see the module docstring); scrolls when they do not
    fit."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._key: Any = None
        self.document = Content("")  # the document-level answers
        self.labels = Content("")  # the label sets
        self._content = Content("")
        self._strips: list[Strip] = []
        self._wrapped: dict[tuple[Any, ...], list[Strip]] = {}  # a line's strips at _width
        self._width = -1

    def show(self, session: Session, levels: Sequence[str], width: int | None) -> None:
        """Show the session's state: label sets at ``levels`` first, in that order; ``width``:
        room for descriptions (a wide terminal), or None."""
        key = (
            tuple(sorted((a["label_set"], a["label"], a["level"]) for a in session.annotations)),
            tuple(sorted((a["label_set"], a["label"]) for a in session.doc_annotations)),
            repr(sorted(session.attributes.items())),  # attribute values of sentence labels
            id(session.scheme),
            tuple(levels),
            width,
        )
        if key == self._key:
            return
        self._key = key
        self.document = document_summary(session)
        self.labels = labels_content(session, levels, width=width)
        content = safe(Content("\n").join([p for p in (self.document, self.labels) if p.plain]))
        if content.is_same(self._content):
            return
        self._content = content
        self._render_strips(repaint_all=False)

    def _render_strips(self, *, repaint_all: bool) -> None:
        """Wrap the content to the pane's width into strips; repaint the lines that changed."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: drawn on the first resize
        old = self._strips
        if width != self._width or len(self._wrapped) > 4096:
            self._wrapped.clear()
        self._width = width
        # Line by line, each wrapped once: a toggle re-wraps the one line whose label changed.
        self._strips = []
        for line in self._content.split("\n", allow_blank=True):
            key = (line.plain, tuple(line.spans))
            strips = self._wrapped.get(key)
            if strips is None:
                strips = Visual.to_strips(self, line, width, None, self.visual_style)
                self._wrapped[key] = strips
            self._strips.extend(strips)
        if repaint_all:
            self.virtual_size = Size(width, len(self._strips))
            self.refresh()
            return
        new = self._strips
        same = min(len(old), len(new))
        first = next((i for i in range(same) if old[i] != new[i]), same)
        if len(old) != len(new):
            # lines from the first change on moved: repaint them, not the lines above
            self.virtual_size = Size(width, len(new))
            self.refresh_lines(first, max(len(old), len(new)) - first)
            return
        last = next((i for i in range(len(new) - 1, first - 1, -1) if old[i] != new[i]), first - 1)
        if last >= first:
            self.refresh_lines(first, last - first + 1)

    def on_resize(self, event: Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._render_strips(repaint_all=True)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = y + scroll_y
        if index >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        return self._strips[index].crop_extend(scroll_x, scroll_x + width, self.rich_style)
