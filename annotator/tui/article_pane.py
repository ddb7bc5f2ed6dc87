"""The whole article beside a document-level decision in review, with every coder's spans on it.

Why: a stance or a primary frame cannot be judged from an article's first lines (on scraped pages
they are the site's slogan and tags). The pane shows the article, paragraph by paragraph, each
coder's span highlighted in its label's colour (:mod:`annotator.core.colors`, the one colour rule)
and followed by the coders' numbers in superscript (¹ = version 1 of the review screen, ² =
version 2...), so who marked what stays readable where spans of several coders meet.

A line-API widget (like the annotation screen's label pane): the article is wrapped once per
document and width (``Content.wrap``, cheap: 9,000 lines in about 0.1 s), and ``render_line``
turns into strips only the lines on screen (kept for the next frames), so an article of
thousands of lines opens and scrolls without styling every line. Text from the database goes
through :func:`annotator.tui.render.plain` and :func:`safe`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.content import Content
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from annotator.core.colors import color_of
from annotator.tui.render import plain, safe, span_style

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def coder_mark(numbers: Sequence[int]) -> str:
    """The coders' numbers in superscript: ¹² for coders 1 and 2 (separated beyond 9)."""
    sep = "˙" if any(n > 9 for n in numbers) else ""
    return sep.join(str(n).translate(SUPERSCRIPT) for n in numbers)


def paragraphs(sentences: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(start, end) document offsets of each paragraph: its first sentence's start to its last
    sentence's end (a sentence without a paragraph number is its own paragraph)."""
    out: list[tuple[int, int]] = []
    previous: Any = object()
    for s in sentences:
        para = s.get("paragraph")
        if out and para is not None and para == previous:
            out[-1] = (out[-1][0], int(s["end"]))
        else:
            out.append((int(s["start"]), int(s["end"])))
        previous = para
    return out


def article_lines(
    text: str,
    sentences: Sequence[dict[str, Any]],
    spans: Sequence[dict[str, Any]],
    number: Mapping[str, int],
    colors: Mapping[tuple[str, str], str],
    current: tuple[int, int] | None = None,
) -> list[Content]:
    """One Content per paragraph (blank lines between): the paragraph's text with the coders'
    spans in their label's colour, each followed by its coders' numbers (``number``: annotator
    name -> its version number on the review screen; spans of others are left out), and the
    ``current`` sentence (document offsets) underlined."""
    # the same span by several coders is drawn once, with all their numbers
    who: dict[tuple[int, int, str, str], list[int]] = {}
    for sp in spans:
        n = number.get(sp["annotator"])
        if n is None:
            continue
        key = (int(sp["start"]), int(sp["end"]), str(sp["label_set"]), str(sp["label"]))
        who.setdefault(key, [])
        if n not in who[key]:
            who[key].append(n)
    ordered = sorted(who.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    out: list[Content] = []
    i = 0
    for start, end in paragraphs(sentences):
        content = plain(text[start:end])
        if current is not None and current[0] < end and start < current[1]:
            content = content.stylize(
                "bold underline", max(current[0], start) - start, min(current[1], end) - start
            )
        mine: list[tuple[tuple[int, int, str, str], list[int]]] = []
        while i < len(ordered) and ordered[i][0][0] < end:
            if ordered[i][0][1] > start:
                mine.append(ordered[i])
            i += 1
        # longer spans first, so a span nested in another stays visible
        for (s, e, ls, label), _ in sorted(mine, key=lambda kv: kv[0][0] - kv[0][1]):
            content = content.stylize(
                span_style(color_of(colors, ls, label)), max(s, start) - start, min(e, end) - start
            )
        # the coders' numbers after each span, inserted from the right so offsets hold
        for (_s, e, ls, label), numbers in sorted(mine, key=lambda kv: -kv[0][1]):
            at = min(e, end) - start
            mark = Content(coder_mark(sorted(numbers))).stylize(
                f"bold {color_of(colors, ls, label)}"
            )
            content = content[:at] + mark + content[at:]
        if out:
            out.append(Content(""))
        out.append(content)
    return out


class ArticlePane(ScrollView):
    """The whole article with the coders' spans (see the module docstring)."""

    can_focus = False  # the review screen's keys scroll it; the mouse wheel too

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._key: Any = None
        self._lines: list[Content] = []
        self._wrapped: list[Content] = []  # the lines as wrapped to _width
        self._strips: dict[int, Strip] = {}  # strips of the lines drawn so far
        self._first: list[int] = []  # per line of _lines: its first wrapped line
        self._focus: int | None = None  # the line of _lines to scroll to once wrapped
        self._width = -1

    @property
    def key(self) -> Any:
        """What the pane shows (the ``key`` given to :meth:`show`)."""
        return self._key

    def show(
        self, key: Any, head: Content, lines: Sequence[Content], focus: int | None = None
    ) -> None:
        """Show ``head`` (legend) and the article ``lines``, from the top or with line ``focus``
        in view; ``key`` names what they show, so the same article is not wrapped again (and
        keeps its scroll position)."""
        if key == self._key:
            return
        self._key = key
        self._lines = [safe(head), Content(""), *(safe(line) for line in lines)]
        self._focus = 0 if focus is None else focus + 2
        self._wrap()

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: wrapped on the first resize
        self._width = width
        self._wrapped = []
        self._first = []
        for line in self._lines:
            self._first.append(len(self._wrapped))
            self._wrapped.extend(line.wrap(width))
        self._strips = {}
        self.virtual_size = Size(width, len(self._wrapped))
        if self._focus is not None:  # a new article: to its top or the unit's paragraph
            top = max(0, self._first[self._focus] - 2) if self._focus else 0
            self._focus = None
            # after the refresh, once the new height is laid out (a resize keeps the position)
            self.scroll_to(0, top, animate=False, force=True)
        self.refresh()

    @property
    def text(self) -> str:
        """What the pane holds, as plain text (one line per wrapped line)."""
        return "\n".join(line.plain.rstrip() for line in self._wrapped)

    def strip(self, index: int) -> Strip:
        """Line ``index`` of the wrapped article as a strip (built when first drawn)."""
        strip = self._strips.get(index)
        if strip is None:
            if len(self._strips) > 4096:
                self._strips.clear()
            parts = Visual.to_strips(
                self, self._wrapped[index], self._width, None, self.visual_style
            )
            strip = parts[0] if parts else Strip.blank(self._width, self.rich_style)
            self._strips[index] = strip
        return strip

    def on_resize(self, event: Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._wrap()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = y + scroll_y
        if index >= len(self._wrapped):
            return Strip.blank(width, self.rich_style)
        return self.strip(index).crop_extend(scroll_x, scroll_x + width, self.rich_style)
