"""The attribute form: after a label with attributes (scheme ``attributes:``) is applied, one
compact dialog asks each attribute in turn (who speaks, about whom, agreeing or not).

Each value is stored the moment it is chosen (``Session.set_attribute``: one transaction, one
undoable event), so closing the form, a crash or ``kill -9`` loses nothing already chosen. The
input autocompletes fuzzily over the values this annotator already used in the corpus (most
recent first) and the scheme's values; with nothing typed, enter keeps the default, the value
chosen last time, because a coder marking a run of statements by one speaker types the name once.

Keys: type to filter, ↑↓ to move in the list, enter to choose (a multiple attribute stays open
for more, enter on an empty input moves on), tab / shift+tab to skip to the next / previous
attribute, backspace on an empty input to clear the attribute, escape to close.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.core.textops import clip_end, fuzzy_score
from annotator.tui.dialogs import ListInput
from annotator.tui.render import plain, safe, span_style

if TYPE_CHECKING:
    from annotator.core.scheme import Attribute
    from annotator.services.annotation import Session

CLOSE_MATCH = 3
"""A typed text highlights an earlier value when ``fuzzy_score`` finds it as a prefix, word
initials or a substring (scores up to 3); a looser match leaves the text as typed highlighted, so
a new actor is one enter away."""


class AttributeInput(ListInput):
    """The form's input: backspace on an empty input clears the current attribute.

    Its enter is NOT a priority binding (unlike the picker's): the form stays open from one
    attribute to the next, so enter must be handled in the input's own queue, after the letters
    typed before it and before those typed after it ("Lav⏎dp⏎" arriving in one read chooses
    Lavrov, then DPRK)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # not a priority binding: enter reaches _on_key below, in this input's queue
        Binding("enter", "submit_now", show=False),
        Binding("backspace", "clear_or_delete", show=False),
    ]

    async def _on_key(self, event: Key) -> None:
        if event.key == "enter":  # in this input's queue, in order with the letters
            event.stop()
            event.prevent_default()
            submit = getattr(self.screen, "submit_value", None)
            if submit is not None:
                submit(self.value)
            return
        await super()._on_key(event)

    def action_clear_or_delete(self) -> None:
        if self.value:
            self.action_delete_left()
            return
        clear = getattr(self.screen, "clear_current", None)
        if clear is not None:
            clear()


class AttributeForm(ModalScreen[None]):
    """Attributes of one annotation of the current sentence (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="attributes-close", priority=True),
        Binding("tab", "step(1)", show=False, priority=True),
        Binding("shift+tab", "step(-1)", show=False, priority=True),
    ]

    def __init__(
        self,
        session: Session,
        annotation_uid: str,
        on_change: Callable[[str], None],
        *,
        start: int = 0,
    ) -> None:
        super().__init__()
        self.session = session
        self.uid = annotation_uid
        self.on_change = on_change
        ann = self.annotation()
        assert ann is not None, "the form opens on an annotation of the current sentence"
        self.label_set = str(ann["label_set"])
        self.label = str(ann["label"])
        self.attrs: tuple[Attribute, ...] = session.label_set(self.label_set).attributes
        self.index = max(0, min(start, len(self.attrs) - 1))
        self.shown: list[str] = []  # option values, in the list's order
        self.typed_row = False  # the first option is the text as typed (open attributes)
        self.ranked_for = ""  # the text the list was ranked for

    # ------------------------------------------------------------------ state
    def annotation(self) -> dict[str, Any] | None:
        return next((a for a in self.session.annotations if a["uid"] == self.uid), None)

    @property
    def current(self) -> Attribute:
        return self.attrs[self.index]

    def values(self, name: str) -> list[str]:
        ann = self.annotation()
        return [] if ann is None else self.session.attributes_of(ann).get(name, [])

    def default(self) -> str | None:
        return self.session.default_attribute_value(self.label_set, self.current.name)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical(id="attribute-form", classes="dialog"):
            yield Static(id="attribute-title", classes="dialog-title")
            yield Static(id="attribute-rows")
            yield AttributeInput("#attribute-options", id="attribute-input")
            yield OptionList(id="attribute-options")
            yield Static(
                Content(
                    "enter: choose (empty: keep the default) · ↑↓: list · tab: skip · "
                    "⌫ on empty: clear · esc: close"
                ).stylize("$text-muted"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.redraw()
        self.query_one("#attribute-input", Input).focus()

    def redraw(self) -> None:
        s = self.session
        ann = self.annotation()
        if ann is None:  # undone under the form (another screen): nothing left to describe
            self.dismiss(None)
            return
        if ann["level"] == "span":
            base = int(s.sentence["start"])
            text = str(s.sentence["text"])[int(ann["start"]) - base : int(ann["end"]) - base]
            where = Content.assemble(" «", plain(clip_end(text, 50)), "»")
        else:
            where = Content(" (sentence)")
        color = s.color(self.label_set, self.label)
        self.query_one("#attribute-title", Static).update(
            safe(Content.assemble((f" {self.label} ", span_style(color)), where))
        )
        rows: list[Content] = []
        for i, attr in enumerate(self.attrs):
            chosen = self.values(attr.name)
            here = i == self.index
            value = (
                plain(", ".join(chosen)).stylize("$success")
                if chosen
                else Content("—").stylize("$text-muted")
            )
            kind = "several" if attr.multiple else ("text" if attr.open else "one")
            rows.append(
                Content.assemble(
                    ("▶ " if here else "  "),
                    (attr.name, "bold" if here else ""),
                    (f" ({kind})", "$text-muted"),
                    ": ",
                    value,
                )
            )
        if self.current.description:
            rows.append(plain(self.current.description.strip()).stylize("$text-muted"))
        self.query_one("#attribute-rows", Static).update(safe(Content("\n").join(rows)))
        default = self.default()
        field = self.query_one("#attribute-input", Input)
        hint = f"{self.current.name}: type to search"
        if default is not None and not self.values(self.current.name):
            hint += f" · enter: {default}"
        field.placeholder = hint
        self.refilter(field.value)

    def refilter(self, query: str) -> None:
        self.ranked_for = query
        attr = self.current
        choices = self.session.attribute_choices(self.label_set, attr.name, query)
        typed = query.strip()
        self.typed_row = bool(attr.open and typed and typed not in choices)
        self.shown = ([typed] if self.typed_row else []) + choices
        chosen = set(self.values(attr.name))
        ol = self.query_one("#attribute-options", OptionList)
        ol.clear_options()
        options = []
        for i, v in enumerate(self.shown):
            if i == 0 and self.typed_row:
                options.append(Option(safe(Content.assemble(
                    "+ ", plain(v), ("  (as typed)", "$text-muted")))))
                continue
            mark = "✓ " if v in chosen else "  "
            number = attr.number(v)
            extra = f"  = {number:g}" if number is not None else ""
            options.append(Option(safe(Content.assemble(mark, plain(v), (extra, "$text-muted")))))
        ol.add_options(options)
        ol.highlighted = self.first_highlight(query) if options else None

    def first_highlight(self, query: str) -> int | None:
        """Nothing highlighted for an empty input (enter keeps the default); the best match
        for a typed text, unless it is a loose one and the text can be kept as typed."""
        if not query.strip():
            return None
        if not self.typed_row:
            return 0
        if len(self.shown) > 1 and self.close_match(query, self.shown[1]):
            return 1
        return 0

    def close_match(self, query: str, value: str) -> bool:
        names = [value]
        for canon, variants in self.current.aliases:
            if canon == value:
                names.extend(variants)
        scores = [fuzzy_score(query, n) for n in names]
        return any(sc is not None and sc <= CLOSE_MATCH for sc in scores)

    @on(Input.Changed, "#attribute-input")
    def _changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    # ------------------------------------------------------------------ actions
    def store(self, value: str | None) -> None:
        """Store one value now and show it (the main screen's message too)."""
        try:
            msg = self.session.set_attribute(self.uid, self.current.name, value)
        except ValueError as exc:
            self.on_change(str(exc))
            return
        self.on_change(msg)

    def submit_value(self, text: str) -> None:
        """Enter: the highlighted value, or with nothing typed the default (then move on)."""
        attr = self.current
        ol = self.query_one("#attribute-options", OptionList)
        field = self.query_one("#attribute-input", Input)
        if text != self.ranked_for:  # typed faster than the list followed: rank for what is there
            self.refilter(text)
        if ol.highlighted is not None and self.shown:
            # a multiple attribute toggles: enter on a ticked value unticks it
            self.store(self.shown[ol.highlighted])
            field.value = ""
            if attr.multiple:
                self.redraw()
                return
            self.step(1)
            return
        if text.strip():  # typed, and no value of a closed attribute matches: stay
            names = ", ".join(attr.names)
            self.on_change(f"{attr.name}: no value matches {text.strip()!r} (values: {names})")
            return
        default = self.default()
        if not self.values(attr.name) and default is not None:
            self.store(default)
        self.step(1)

    def clear_current(self) -> None:
        attr = self.current
        if attr.multiple:
            for v in self.values(attr.name):
                self.store(v)  # a multiple attribute toggles: each value off
        elif self.values(attr.name):
            self.store(None)
        self.redraw()

    def action_step(self, step: int) -> None:
        self.step(step)

    def step(self, step: int) -> None:
        """Move to another attribute; past the last one the form closes."""
        target = self.index + step
        if target >= len(self.attrs):
            self.dismiss(None)
            return
        self.index = max(0, target)
        field = self.query_one("#attribute-input", Input)
        field.value = ""
        self.redraw()

    @on(OptionList.OptionSelected, "#attribute-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#attribute-options", OptionList).highlighted = event.option_index
        self.submit_value(self.query_one("#attribute-input", Input).value)
