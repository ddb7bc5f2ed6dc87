"""Span selection on the annotation screen: the `s` find bar and the keyboard/mouse selection.

Why a module of its own: choosing the characters of a span (typing them in the find bar with
folded matching, tab through occurrences, word/clause/character moves with a count, a mouse drag
snapped to words) is one concept with its own state (the selection, the matches, the count),
and it is the part of the screen that changes most while the rest (navigation, labels, undo)
stays put. :class:`SelectingScreen` holds that state and behaviour; the annotation screen
(tui/app.py) derives from it and supplies ``redraw`` and ``action_cancel``. Every text rule
(words, clauses, folding) lives in annotator.core.textops; here only the keys and the state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Key, TextSelected
from textual.screen import Screen
from textual.widgets import Input

from annotator.core import textops
from annotator.tui.keys import FIND_KEYS
from annotator.tui.text_pane import SentenceView

if TYPE_CHECKING:
    from annotator.services.annotation import Session


class FindInput(Input):
    """The `s` bar: typing selects the first occurrence; tab the next one; enter keeps it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(keys, action, footer or action, show=False, id=bid)
          for bid, keys, action, footer, _ in FIND_KEYS),
        # Enter is NOT a priority binding: a priority binding acts when the key is read, before
        # the letters typed just before it (a paste, a fast typist, a terminal delivering
        # "d'enormes pertes⏎" in one read) have reached this bar, and kept a partial match.
        # It is handled in _on_key, in this bar's queue, in order with the letters; keys typed
        # after it find the bar hidden and bubble to the screen (below).
        Binding("enter", "submit", show=False),
        Binding("escape", "close_bar", show=False, priority=True),
    ]

    async def action_submit(self) -> None:
        """Enter closes the bar at once (not through a message), so the keys typed next
        already find it closed."""
        screen = self.screen
        if isinstance(screen, SelectingScreen):
            screen.keep_find()

    def action_close_bar(self) -> None:
        screen = self.screen
        if isinstance(screen, SelectingScreen):
            screen.action_cancel()

    async def _on_key(self, event: Key) -> None:
        if not self.display:
            # Typed right after enter/escape closed the bar: routed here while it was still
            # open. Send it again from the top (in order: this bar's queue is read in order), so
            # the screen's bindings get it; never type it into a hidden bar. Bubbling would not
            # do: Input's own handler runs first unless the default is prevented, and a
            # prevented key is ignored by the App's bindings too.
            event.stop()
            event.prevent_default()
            self.app.post_message(Key(event.key, event.character))
            return
        if event.key == "enter":  # in this bar's queue, after the letters typed before it
            event.stop()
            event.prevent_default()
            await self.action_submit()
            return
        await super()._on_key(event)

    def action_next_match(self, step: int = 1) -> None:
        screen = self.screen
        if isinstance(screen, SelectingScreen):
            screen.next_match(step)

    def action_take_words(self, more: int) -> None:
        screen = self.screen
        if isinstance(screen, SelectingScreen):
            screen.take_words(more)

    def action_complete(self) -> None:
        """Right arrow: at the end of the text typed, complete the match to whole words (as a
        shell accepts a suggestion); elsewhere, move the cursor as usual."""
        screen = self.screen
        if self.cursor_at_end and isinstance(screen, SelectingScreen):
            screen.sync_matches()
        if self.cursor_at_end and isinstance(screen, SelectingScreen) and screen.selection:
            screen.take_words(0)
        else:
            self.action_cursor_right()


class SelectingScreen(Screen[None]):
    """A screen showing one sentence of ``session`` where a span can be selected.

    State: ``selection`` (sentence-relative offsets, or None), the find bar's ``matches`` and
    the one chosen, a pending ``count`` (alt+3: the next word move goes three words) and the
    message line. Subclasses draw (``redraw``) and leave modes (``action_cancel``)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.selection: tuple[int, int] | None = None
        self.span_cursor: int | None = None
        self.suggestion_cursor = 0
        self.suggestion_chosen = False  # A was pressed: the box follows that suggestion
        self.matches: list[tuple[int, int]] = []
        self.match_index = 0
        self.match_query: str | None = None  # the find bar's text the matches are for
        self.count: int | None = None  # alt+3: the next word move or extension goes 3 words
        self.message: Content = Content("")

    def redraw(self) -> None:
        """Show the state (the screen knows its layout): after every change of selection."""
        raise NotImplementedError

    def action_cancel(self) -> None:
        """Leave every mode (escape in the find bar too)."""
        raise NotImplementedError

    @property
    def text(self) -> str:
        return str(self.session.sentence["text"])

    def say(self, text: str | Content, style: str = "") -> None:
        msg = Content(text) if isinstance(text, str) else text
        self.message = msg.stylize(style) if style else msg

    def action_count(self, n: int) -> None:
        """alt+N: a count for the next word move or extension (alt+3 shift+→: three words)."""
        self.count = n
        self.say(f"×{n}: the next ←→ / shift+←→ goes {n} words")
        self.redraw()

    def take_count(self) -> int:
        n, self.count = self.count or 1, None
        return n

    def set_selection(self, sel: tuple[int, int] | None) -> None:
        self.session.touch()
        self.selection = sel
        self.span_cursor = None
        if sel is not None:
            self.say(
                Content.assemble(
                    "selected «",
                    Content(textops.clip_end(self.text[sel[0] : sel[1]], 50)),
                    f"» [{sel[0]}:{sel[1]}] · span key or space: label · esc: cancel",
                )
            )
        self.redraw()

    def action_select_text(self) -> None:
        self.span_cursor = None
        find = self.query_one("#find", FindInput)
        find.value = ""
        self.match_query = None
        find.display = True
        # At once (focus() waits for the next idle): the keys typed right after `s` are often
        # already read (a fast typist, a real terminal) and must land in the bar, not on
        # the screen's bindings (d would open the document panel).
        self.set_focus(find)
        self.say("type the text to select")
        self.redraw()

    def hide_find(self) -> None:
        find = self.query_one("#find", FindInput)
        if find.display:
            find.display = False
            self.set_focus(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "find":
            return
        find = self.query_one("#find", FindInput)
        if not find.display or event.value != find.value or event.value == self.match_query:
            return  # stale: the bar already closed, or a later value was already matched
        self.find_matches(event.value)

    def sync_matches(self) -> None:
        """Match what the bar holds now. Keys are read faster than the Changed messages they
        post are handled: enter or shift+→ typed right after the text (a fast typist, a paste,
        a real terminal) must act on the whole text, not on the part handled so far."""
        value = self.query_one("#find", FindInput).value
        if value != self.match_query:
            self.find_matches(value)

    def find_matches(self, value: str) -> None:
        self.match_query = value
        self.matches = textops.occurrences(self.text, value)
        self.match_index = textops.first_choice(self.text, self.matches)
        if self.matches:
            self.set_selection(self.matches[self.match_index])
            self.say_match()
            self.redraw()
        else:
            self.selection = None
            self.say(
                "no match" if value else "type the text to select",
                "$warning" if value else "",
            )
            self.redraw()

    def say_match(self) -> None:
        self.say(Content(f"match {self.match_index + 1}/{len(self.matches)} · tab: next · "
                         "→: word · shift+→: +1 word · enter: keep"))

    def next_match(self, step: int = 1) -> None:
        self.sync_matches()
        if self.matches:
            self.match_index = (self.match_index + step) % len(self.matches)
            self.set_selection(self.matches[self.match_index])
            self.say_match()
            self.redraw()

    def take_words(self, more: int) -> None:
        """From the find bar: the whole word(s) the match touches, and ``more`` words after
        (before when negative); the bar closes, so label keys apply at once."""
        self.sync_matches()
        if self.selection is None:
            return
        sel = textops.take_words(self.text, self.selection, more)
        self.hide_find()
        self.set_selection(sel)

    def keep_find(self) -> None:
        """Enter in the find bar: close it and keep the selection."""
        self.sync_matches()
        self.hide_find()
        if self.selection is not None:
            self.set_selection(self.selection)
        else:
            self.say("nothing selected")
            self.redraw()

    def action_visual(self) -> None:
        if self.selection is None:
            sel = self.visual_start()
            if sel is None:
                return
            self.set_selection(sel)
        self.say(Content.assemble(self.message, "  (←→ word · shift+←→ extend · shift+↑↓ "
                                  "clause · alt+2…9 count · alt/ctrl+←→ char)"))
        self.redraw()

    def visual_start(self) -> tuple[int, int] | None:
        """Where `v` starts: the word under the mouse pointer when it rests on the sentence,
        else the suggestion chosen with A, else the first word."""
        x, y = self.app.mouse_position
        widget, offset = self.get_widget_and_offset_at(x, y)
        if isinstance(widget, SentenceView) and offset is not None:
            at = widget.sentence_index(self.text, offset)
            if at is not None:
                return textops.word_at(self.text, at)
        suggestions = self.session.suggestions()
        if self.suggestion_chosen and suggestions:
            g = suggestions[min(self.suggestion_cursor, len(suggestions) - 1)]
            return (g.start, g.end)
        return textops.first_word(self.text)

    def action_extend(self, step: int) -> None:
        if self.selection is None:
            sel = self.visual_start()
            if sel is None:
                return
            self.set_selection(sel)
            return
        self.set_selection(
            textops.extend_word(self.text, self.selection, step * self.take_count())
        )

    def action_clause(self, direction: int) -> None:
        if self.selection is not None:
            move = textops.clause_end if direction > 0 else textops.clause_start
            self.set_selection(move(self.text, self.selection))

    def action_nudge(self, edge: str, step: int) -> None:
        if self.selection is not None:
            self.set_selection(textops.nudge(self.text, self.selection, edge, step))

    def on_text_selected(self, event: TextSelected) -> None:
        """Mouse selection inside the current sentence becomes the span selection."""
        widget = self.query_one("#sentence", SentenceView)
        sel = self.selections.get(widget)
        if sel is None:
            return
        span = widget.sentence_offsets(self.text, sel.start, sel.end)
        self.clear_selection()
        if span is not None:
            # A drag that starts or ends inside a word takes the whole word.
            self.set_selection(textops.snap(self.text, span))
