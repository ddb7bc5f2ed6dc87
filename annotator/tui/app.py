"""The annotation screen: one sentence in its context, its labels, spans and document labels.

Built by ``make_app`` (shared by the CLI and the tests). Every action calls the store through
``Session`` and redraws only after the call returns, i.e. after COMMIT. Nothing redraws by itself:
no clock, no blinking cursor, no notifications that fade.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.events import Event, Key, Resize
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import Footer, Static

from annotator.core import textops
from annotator.services.annotation import Session
from annotator.tui.dialogs import (
    Choice,
    DocumentPanel,
    GuidelinesScreen,
    PickerScreen,
    PromptScreen,
    SearchScreen,
    guard,
)
from annotator.tui.keys import ALT_DIGIT_CHARACTERS, FIND_KEYS, FOOTER_KEYS, KEYS, load_keymap

# The keys live in tui/keys.py; BINDING_IDS and KeymapError stay importable from here (tests).
from annotator.tui.keys import BINDING_IDS as BINDING_IDS
from annotator.tui.keys import KeymapError as KeymapError
from annotator.tui.label_pane import LabelPane
from annotator.tui.learning import SuggestionLearner
from annotator.tui.render import header_content
from annotator.tui.selection import FindInput, SelectingScreen
from annotator.tui.text_pane import Lines, TextPane

if TYPE_CHECKING:
    from annotator.core.scheme import Scheme
    from annotator.store import Store

MIN_WIDTH = 60
MIN_HEIGHT = 18
WIDE_WIDTH = 140


class AnnotateScreen(SelectingScreen):
    """The main screen. Modes: normal; span selection (after s/v/mouse, tui/selection.py); span
    cursor (delete)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # `s` acts when read (priority): the find bar has the focus before the next key, typed
        # at once, is routed (else it would reach the screen: d opens the document panel).
        Binding(keys, action, footer or action, show=bool(footer), id=bid,
                priority=bid == "select-text")
        for bid, keys, action, footer, _ in KEYS
    ]

    def __init__(self, session: Session, taken: set[str] | None = None) -> None:
        super().__init__(session)
        taken = taken or set()
        self.main_keys = session.scheme.key_map(["sentence", "span"])
        self.bind_label_keys(taken)
        self.learning = SuggestionLearner(self)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield Lines(id="header")
            with Container(id="body"):
                yield TextPane(id="text-pane")
                yield LabelPane(id="labels-pane")
            yield Lines(id="message")
            find = FindInput(
                placeholder="type text to select; tab: next; enter: keep; esc: cancel", id="find"
            )
            find.cursor_blink = False
            yield find
            yield Footer(show_command_palette=False)
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.query_one("#find", FindInput).display = False
        self.apply_size(self.app.size.width, self.app.size.height)
        s = self.session
        if s.queue:
            first = f", {len(s.shared)} shared first" if s.shared else ""
            self.say(f"your queue: {len(s.queue)} document(s){first} · n N P follow it")
        self.redraw()
        self.call_after_refresh(self.learning.start)  # after the first sentence is painted

    def on_resize(self, event: Resize) -> None:
        self.apply_size(event.size.width, event.size.height)
        self.redraw()

    def apply_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small != self.has_class("-too-small"):
            self.set_class(small, "-too-small")
            self.refresh_bindings()
        self.set_class(width >= WIDE_WIDTH and height >= 30, "-wide")
        if small:
            self.query_one("#too-small", Static).update(
                Content(
                    f"Terminal too small ({width}x{height}).\n"
                    f"The annotation screen needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
                    "Enlarge the window; q quits (everything is saved)."
                )
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the terminal is too small nothing can be seen, so only quitting works."""
        if action == "word":
            return self.selection is not None or self.span_cursor is not None
        if action == "clause":
            return self.selection is not None
        if action == "select_text" and self.query_one("#find", FindInput).display:
            return False  # an `s` typed into the bar is text
        return action == "quit" or not self.has_class("-too-small")

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """Show the session's state; each part repaints only what changed (see text_pane and
        label_pane)."""
        s = self.session
        if s.doc is None:
            return
        width = self.app.size.width
        wide = self.has_class("-wide")
        text_width = (width * 2 // 3 if wide else width) - 4
        self.query_one("#header", Lines).show(header_content(s, width))
        spans = s.spans()
        suggestions = s.suggestions()
        if self.suggestion_cursor >= len(suggestions):
            self.suggestion_cursor = 0
        if self.span_cursor is not None and self.span_cursor >= len(spans):
            self.span_cursor = len(spans) - 1 if spans else None
        self.query_one(TextPane).show(
            s, spans, suggestions, wide=wide, text_width=text_width,
            height=self.app.size.height, selection=self.selection, span_cursor=self.span_cursor,
            suggestion_cursor=self.suggestion_cursor if suggestions else None,
            follow_suggestion=self.suggestion_chosen,
            finding=self.query_one("#find", FindInput).display,
        )
        order = ("span", "sentence") if self.selection is not None else ("sentence", "span")
        self.query_one(LabelPane).show(s, order, width - text_width - 8 if wide else None)
        self.query_one("#message", Lines).show(self.message)

    # ------------------------------------------------------------------ navigation
    def clear_modes(self) -> None:
        self.selection = None
        self.span_cursor = None
        self.suggestion_cursor = 0
        self.suggestion_chosen = False
        self.count = None
        self.hide_find()

    def go(self, target: int | None, *, forward: bool = False, what: str = "") -> None:
        """Move to ``target``; when going forward out of a document whose required document
        sets are unanswered, open the document panel first."""
        s = self.session
        s.touch()
        assert s.doc is not None
        if target is None:
            self.say(what or "no further sentence", "$warning")
            if forward and s.is_last_in_document() and s.missing_required_document_sets():
                self.open_document_panel("Still required for this document")
                return
            self.redraw()
            return
        leaving = target not in s.doc.by_id
        if forward and leaving and s.is_last_in_document():
            missing = s.missing_required_document_sets()
            if missing:
                self.open_document_panel("Required before leaving the document", then=target)
                return
        self.move_to(target)

    def move_to(self, target: int) -> None:
        self.clear_modes()
        self.session.goto(target)
        self.say("")
        self.redraw()

    def action_done_next(self) -> None:
        s = self.session
        s.mark_done()
        self.learning.done_marked()
        self.go(s.neighbour(1), forward=True, what=f"✓ done · last sentence of {s.scope}")

    def action_next(self) -> None:
        s = self.session
        self.go(s.neighbour(1), forward=True, what=f"last sentence of {s.scope}")

    def action_previous(self) -> None:
        s = self.session
        self.go(s.neighbour(-1), what=f"first sentence of {s.scope}")

    def action_word(self, step: int) -> None:
        """Arrows while selecting: move the selection (or the span cursor) instead of the
        sentence. Disabled otherwise (see check_action), so the arrows navigate."""
        if self.span_cursor is not None:
            self.move_span_cursor(step)
        elif self.selection is not None:
            step *= self.take_count()
            self.set_selection(textops.move_word(self.text, self.selection, step))

    def action_next_not_done(self) -> None:
        s = self.session
        self.go(s.next_not_done(), forward=True,
                what="every sentence of your queue is done" if s.queue
                else "every sentence is done")

    def action_next_document(self) -> None:
        s = self.session
        self.go(s.next_document(1), what="last document" + (" of your queue" if s.queue else ""))

    def action_previous_document(self) -> None:
        s = self.session
        self.go(s.next_document(-1),
                what="first document" + (" of your queue" if s.queue else ""))

    def say_if_outside_queue(self) -> None:
        """After `g` or a search: a document nobody assigned to this annotator still opens, but
        the screen says so (n, N and P lead back to the queue)."""
        s = self.session
        if s.outside_queue:
            self.say(f"document {s.document_id} is not in your queue (not assigned to you); "
                     "N: back to your queue", "$warning")
            self.redraw()

    def action_goto(self) -> None:
        resolved: dict[str, int] = {}

        def validate(text: str) -> str | None:
            try:
                resolved["id"] = self.session.resolve_goto(text)
            except ValueError as exc:
                return str(exc)
            return None

        def done(value: str | None) -> None:
            if value is not None and "id" in resolved:
                self.go(resolved["id"])
                self.say_if_outside_queue()

        self.app.push_screen(
            PromptScreen(
                "Go to",
                placeholder="12  ·  12:5  ·  :5  ·  #345",
                help_text="document id (or external id), doc:sentence, :sentence in this "
                "document, #sentence-id",
                validate=validate,
            ),
            guard(self.app, done),
        )

    def action_search(self) -> None:
        def done(sid: int | None) -> None:
            if sid is not None:
                self.go(sid)
                self.say_if_outside_queue()

        self.app.push_screen(
            SearchScreen(self.session.search), guard(self.app, done)
        )

    # ------------------------------------------------------------------ labels
    def bind_label_keys(self, taken: set[str]) -> None:
        """The scheme's quick keys become bindings of this screen, so they are handled in the
        same queue as every other key and keep their order when typed fast. A key the keymap
        gives to an action stays with the action (the label remains in the picker)."""
        for char, (ls, lab) in self.main_keys.items():
            key = _character_to_key(char)
            if key in taken:
                continue
            self._bindings.bind(key, f"label({ls.name!r}, {lab.name!r})", show=False)
        # alt+3 as some terminals send it (ESC 3, read as "£"): a count too (tui/keys.py).
        for char, n in ALT_DIGIT_CHARACTERS.items():
            key = _character_to_key(char)
            if key not in taken and char not in self.main_keys:
                self._bindings.bind(key, f"count({n})", show=False)

    def action_label(self, set_name: str, label: str) -> None:
        self.apply_label(set_name, label)

    def apply_label(self, set_name: str, label: str) -> None:
        s = self.session
        s.touch()
        ls = s.label_set(set_name)
        if ls.level == "span":
            if self.selection is None:
                self.say(
                    f"{label} is a span label: select text first (s: type it, v: arrows)",
                    "$warning",
                )
                self.redraw()
                return
            msg = s.toggle_span(set_name, label, *self.selection)
        else:
            msg = s.toggle_label(set_name, label)
        self.say(msg, "$success")
        self.redraw()
        if s.last_added is not None and ls.attributes:
            self.open_attributes(s.last_added)

    def open_attributes(self, uid: str) -> None:
        """The attribute form (tui/attributes.py) for one label; it stores each value itself."""
        from annotator.tui.attributes import AttributeForm

        def changed(msg: str) -> None:
            self.say(msg, "$success")
            self.redraw()

        def closed(_: None) -> None:
            self.redraw()

        self.app.push_screen(AttributeForm(self.session, uid, changed), closed)

    def action_attributes(self) -> None:
        uid = self.session.attribute_target(self.span_cursor)
        if uid is None:
            self.say("no label with attributes here (ctrl+a on a span chosen with delete)",
                     "$warning")
            self.redraw()
            return
        self.open_attributes(uid)

    def action_picker(self) -> None:
        s = self.session
        if self.selection is not None:
            sets = s.sets("span")
            title = f"Span label for «{textops.clip_end(self.text[slice(*self.selection)], 40)}»"
        else:
            sets = s.sets("sentence")
            title = "Sentence label"
        if not sets:
            self.say("no label sets for this (select text for span labels)", "$warning")
            self.redraw()
            return

        def picked(choice: Choice | None) -> None:
            if choice is not None:
                self.apply_label(choice.label_set, choice.label)

        self.app.push_screen(PickerScreen(s, sets, title), guard(self.app, picked))

    # ------------------------------------------------------------------ spans and suggestions
    def action_delete_span(self) -> None:
        s = self.session
        spans = s.spans()
        if not spans:
            self.say("no span on this sentence", "$warning")
            self.redraw()
            return
        if self.span_cursor is None:
            index = 0
            if self.selection is not None:
                overlapping = [
                    i
                    for i, sp in enumerate(spans)
                    if sp["rs"] < self.selection[1] and sp["re"] > self.selection[0]
                ]
                index = overlapping[0] if overlapping else 0
            self.selection = None
            self.move_span_cursor(0, index)
            return
        target = spans[self.span_cursor]
        s.remove(target["uid"])
        self.say(
            Content.assemble(
                "deleted span ",
                target["label"],
                " «",
                Content(self.text[target["rs"] : target["re"]]),
                "»",
            ),
            "$success",
        )
        remaining = s.spans()
        self.span_cursor = min(self.span_cursor, len(remaining) - 1) if remaining else None
        self.redraw()

    def move_span_cursor(self, step: int, index: int | None = None) -> None:
        spans = self.session.spans()
        if not spans:
            self.span_cursor = None
            self.redraw()
            return
        current = self.span_cursor if index is None else index
        self.span_cursor = ((current or 0) + step) % len(spans)
        sp = spans[self.span_cursor]
        self.say(
            Content.assemble(
                f"span {self.span_cursor + 1}/{len(spans)} ",
                sp["label"],
                " «",
                Content(textops.clip_end(self.text[sp["rs"] : sp["re"]], 40)),
                "» · delete again: remove · ←→: other span · esc: cancel",
            )
        )
        self.redraw()

    def action_accept_suggestion(self) -> None:
        s = self.session
        suggestions = s.suggestions()
        if not suggestions:
            self.say("no suggestion on this sentence", "$warning")
            self.redraw()
            return
        g = suggestions[min(self.suggestion_cursor, len(suggestions) - 1)]
        self.say(s.accept(g), "$success")
        self.redraw()
        if s.last_added is not None and s.label_set(g.label_set).attributes:
            self.open_attributes(s.last_added)

    def action_accept_label_guess(self) -> None:
        s = self.session
        guess = s.label_guess()
        if guess is None:
            self.say("no suggested sentence label here", "$warning")
        else:
            self.say(s.toggle_label(guess.label_set, guess.label), "$success")
        self.redraw()

    def action_next_suggestion(self) -> None:
        n = len(self.session.suggestions())
        if n:
            self.suggestion_cursor = (self.suggestion_cursor + 1) % n
            self.suggestion_chosen = True
        self.redraw()

    # ------------------------------------------------------------------ document, notes, undo
    def open_document_panel(self, reason: str = "", then: int | None = None) -> None:
        s = self.session
        if not s.sets("document"):
            if then is not None:
                self.move_to(then)
            else:
                self.say("this scheme has no document-level label sets", "$warning")
                self.redraw()
            return

        def changed(msg: str) -> None:
            self.say(msg, "$success")
            self.redraw()

        def closed(_: None) -> None:
            if then is not None:
                self.move_to(then)
            else:
                self.redraw()

        self.app.push_screen(DocumentPanel(s, changed, reason), guard(self.app, closed))

    def action_document_panel(self) -> None:
        self.open_document_panel()

    def action_note(self) -> None:
        def done(value: str | None) -> None:
            if value is not None:
                self.session.set_note(value.strip() or None)
                self.say("note saved" if value.strip() else "note removed", "$success")
            self.redraw()

        self.app.push_screen(
            PromptScreen(
                "Note on this sentence",
                value=self.session.note or "",
                help_text="enter: save (empty removes it) · esc: cancel",
            ),
            guard(self.app, done),
        )

    def action_flag(self) -> None:
        flagged = self.session.toggle_flag()
        self.say("⚑ flagged as unsure" if flagged else "flag removed", "$success")
        self.redraw()

    def action_browser(self) -> None:
        """`ctrl+o`: the document browser; enter opens the chosen document's first sentence."""
        from annotator.tui.browser import BrowserScreen

        s = self.session

        def opened(document_id: int | None) -> None:
            if document_id is not None and document_id != s.document_id:
                try:
                    self.move_to(s.resolve_goto(str(document_id)))
                    return
                except ValueError as exc:
                    self.say(str(exc), "$warning")
            self.redraw()

        self.app.push_screen(BrowserScreen(s.document_list(), s.document_id),
                             guard(self.app, opened))

    def action_next_marked(self, what: str) -> None:
        """`ctrl+f` / `ctrl+e`: the next flagged sentence / the next sentence with a note."""
        s = self.session
        name = "flagged sentence" if what == "flag" else "sentence with a note"
        target = s.next_marked(what)
        if target is None:
            self.say(f"no {name}", "$warning")
        elif target == s.sentence_id:
            self.say(f"this is the only {name}", "$warning")
        else:
            self.move_to(target)
            self.say(f"next {name}")
        self.redraw()

    def action_undo(self) -> None:
        self._reverse(redo=False)

    def action_redo(self) -> None:
        self._reverse(redo=True)

    def _reverse(self, *, redo: bool) -> None:
        s = self.session
        row = s.undo(redo=redo)
        word = "redone" if redo else "undone"
        if row is None:
            self.say(f"nothing to {'redo' if redo else 'undo'}", "$warning")
        else:
            self.clear_modes()
            what = row["action"]
            if row.get("annotation_uid"):
                label = s.label_of(row["annotation_uid"])
                if label is not None:
                    what = f"{what} {label}"
            self.say(f"{word}: {what}", "$success")
        self.redraw()

    def action_guidelines(self) -> None:
        keymap = getattr(self.app, "_keymap", {})
        keys = [(keymap.get(bid, default), text)
                for bid, default, _, _, text in [*KEYS, *FIND_KEYS]]
        self.app.push_screen(GuidelinesScreen(self.session.scheme, keys))

    def action_cancel(self) -> None:
        if self.span_cursor is not None or self.selection is not None:
            self.clear_modes()
            self.say("cancelled")
        self.redraw()

    async def action_quit(self) -> None:
        await self.app.action_quit()


class AnnotatorApp(App[None]):
    """The annotation screen as an application."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "annotator"

    def __init__(self, session: Session, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.initial_keymap = dict(keymap or {})

    async def run_action(
        self,
        action: str | tuple[str, str, tuple[object, ...]],
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key's action goes through here: a write that fails (disk full, file made
        read-only...) was rolled back by the store and had not been shown, so the screen says
        "not saved" and keeps running instead of ending with a traceback."""
        from annotator.store import DatabaseError, StoreError

        news, refuse = self.noticed_changes(action)
        if refuse:
            return True
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (DatabaseError, StoreError) as exc:
            self.write_failed(exc)
            return True
        finally:
            if news is not None:
                self.show_news(news)

    def noticed_changes(
        self, action: str | tuple[str, str, tuple[object, ...]]
    ) -> tuple[str | None, bool]:
        """Before each action: what other writers changed (Session.notice_changes), to show
        after the action, and whether the action must not run: the database file was replaced,
        and only quitting or closing a dialog still makes sense."""
        from annotator.store import DatabaseError

        name = action if isinstance(action, str) else action[1]
        try:
            news = self.session.notice_changes()
        except DatabaseError:
            return None, False
        if not self.session.replaced or name.split(".")[-1].startswith(
            ("quit", "dismiss", "cancel", "pop_screen")
        ):
            return news, False
        self.show_news(f"NOT SAVED: the database file {self.session.store.path} was replaced "
                       "while this screen was open; quit (q) and start again")
        return None, True

    def show_news(self, news: str) -> None:
        screen = next((s for s in self.screen_stack if isinstance(s, AnnotateScreen)), None)
        if screen is None:
            return
        screen.say(news, "bold $error" if self.session.replaced else "bold $warning")
        screen.redraw()

    def write_failed(self, error: Exception) -> None:
        from annotator.store import DatabaseError, StoreError, explain_error

        screen = next((s for s in self.screen_stack if isinstance(s, AnnotateScreen)), None)
        if screen is None:
            raise error
        path = self.session.store.path
        why = explain_error(path, error) if isinstance(error, DatabaseError) else str(error)
        screen.say(f"NOT SAVED: {why}", "bold $error")
        try:
            self.session.reload()
            self.session.reload_document_labels()
        except (DatabaseError, StoreError):
            pass
        screen.redraw()

    async def on_event(self, event: Event) -> None:
        if isinstance(event, Key):
            self.session.touch()  # any key press is activity on the sentence shown
        await super().on_event(event)

    def get_key_display(self, binding: Binding) -> str:
        """The footer shows the most memorable default key (unless the keymap changed it)."""
        if binding.id in FOOTER_KEYS and binding.id not in self._keymap:
            return FOOTER_KEYS[binding.id]
        return super().get_key_display(binding)

    async def action_quit(self) -> None:
        """Store the active time on the current sentence, then leave (labels are already on
        disk)."""
        self.session.flush_time()
        self.exit()

    def get_default_screen(self) -> Screen[None]:
        """The annotation screen is the app's first screen, so no blank default screen is drawn
        (and replaced) before it: about 60 ms less start-up (bench/tui_latency.py)."""
        if self.initial_keymap:
            self._keymap = self._normalize_keymap(self.initial_keymap)
        taken = {k for keys in self._keymap.values() for k in keys.split(",")}
        return AnnotateScreen(self.session, taken)

    def on_mount(self) -> None:
        if self.initial_keymap:
            self.set_keymap(self.initial_keymap)  # again, now that the footer can refresh


def make_app(
    store_or_path: Store | str | os.PathLike[str],
    scheme: Scheme | str | None,
    annotator: str,
    *,
    document_id: int | None = None,
    keymap: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> AnnotatorApp:
    """Build the annotation screen for ``annotator`` over a database (a Store or a path).

    ``scheme`` is a Scheme (stored if new), a stored scheme's name, or None for the only stored
    scheme. ``keymap`` is a mapping or a YAML file (default: ``$ANNOTATOR_KEYMAP`` if set).
    """
    from annotator.store import Store

    store = store_or_path if isinstance(store_or_path, Store) else Store.open(store_or_path)
    if scheme is None or isinstance(scheme, str):
        scheme_id, scheme_obj = store.schemes.load(scheme)
    else:
        scheme_id, _ = store.schemes.add(scheme)
        scheme_obj = scheme
    if keymap is None:
        keymap = os.environ.get("ANNOTATOR_KEYMAP") or None
    session = Session(store, scheme_obj, scheme_id, annotator)
    if not session.start(document_id):
        raise ValueError(f"{store.path}: no sentences to annotate (import documents first)")
    return AnnotatorApp(session, load_keymap(keymap))
