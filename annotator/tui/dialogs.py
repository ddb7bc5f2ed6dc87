"""Modal screens of the annotation screen: label picker, document panel, guidelines, prompts,
search. Each returns its answer through ``dismiss``; the main screen does the store writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key
from textual.keys import _character_to_key
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.core.textops import fuzzy_score, hint_codes
from annotator.core.untrusted import visible
from annotator.tui.render import highlight_terms, plain, safe, span_style

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme
    from annotator.services.annotation import Session


def guard(app: Any, fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """A dialog's result callback whose failed write (disk full...) is reported on the screen
    by ``app.write_failed`` instead of ending the app."""
    from annotator.store import DatabaseError, StoreError

    def call(value: Any) -> None:
        try:
            fn(value)
        except (DatabaseError, StoreError) as exc:
            app.write_failed(exc)

    return call


class NowInput(Input):
    """An Input whose enter is handled when the key is read (a priority binding calling the
    screen's ``submit_value``), so keys typed right after enter reach the screen that follows
    instead of this input. Its cursor does not blink (nothing on screen changes by itself)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit_now", show=False, priority=True),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cursor_blink = False

    def action_submit_now(self) -> None:
        submit = getattr(self.screen, "submit_value", None)
        if submit is not None:
            submit(self.value)


def quiet_input(**kwargs: Any) -> Input:
    """A non-blinking input whose enter goes straight to the screen's ``submit_value``."""
    return NowInput(**kwargs)


class ListInput(NowInput):
    """An Input that moves the highlight of the OptionList below it with up/down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]

    def __init__(self, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def action_move(self, step: int) -> None:
        ol = self.screen.query_one(self.target, OptionList)
        if ol.option_count == 0:
            return
        current = ol.highlighted if ol.highlighted is not None else 0
        ol.highlighted = max(0, min(ol.option_count - 1, current + step))


# ------------------------------------------------------------------------------ label picker
@dataclass(frozen=True)
class Choice:
    label_set: str
    label: str
    code: str


class PickerScreen(ModalScreen[Choice | None]):
    """Fuzzy label picker: every label reachable in three keystrokes (open, code, enter)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="picker-close", priority=True)
    ]

    def __init__(self, session: Session, sets: Sequence[LabelSet], title: str) -> None:
        super().__init__()
        self.session = session
        self.title_text = title
        pairs = [(ls, lab) for ls in sets for lab in ls.labels]
        codes = hint_codes([lab.name for _, lab in pairs], [lab.key for _, lab in pairs])
        self.choices = [
            Choice(ls.name, lab.name, code) for (ls, lab), code in zip(pairs, codes, strict=True)
        ]
        self.keys = {(ls.name, lab.name): lab.key for ls, lab in pairs}
        self.levels = {ls.name: ls.level for ls in sets}
        self.shown: list[Choice] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield ListInput(
                "#picker-options", placeholder="type a few letters, enter", id="picker-input"
            )
            yield OptionList(id="picker-options")
            yield Static(
                Content("code or letters, ↑↓, enter: apply · esc: close").stylize("$text-muted"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.refilter("")
        self.query_one("#picker-input", Input).focus()

    def ranked(self, query: str) -> list[Choice]:
        q = query.strip()
        scored: list[tuple[int, int, Choice]] = []
        for i, c in enumerate(self.choices):
            if q and q.lower() == c.code:
                scored.append((-1, i, c))
                continue
            score = fuzzy_score(q, c.label)
            if score is not None:
                scored.append((score, i, c))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [c for _, _, c in scored]

    def refilter(self, query: str) -> None:
        self.shown = self.ranked(query)
        ol = self.query_one("#picker-options", OptionList)
        ol.clear_options()
        options = []
        for c in self.shown:
            applied = self.session.applied(c.label_set, c.label, self.levels[c.label_set])
            color = self.session.color(c.label_set, c.label)
            key = self.keys.get((c.label_set, c.label))
            options.append(
                Option(
                    safe(Content.assemble(
                        (f"{c.code:>2} ", "bold $accent"),
                        (c.label, span_style(color) if applied else color),
                        ("  ✓" if applied else ""),
                        (f"  {c.label_set}", "$text-muted"),
                        (f"  key {key}" if key else "", "$text-muted"),
                    ))
                )
            )
        ol.add_options(options)
        if options:
            ol.highlighted = 0

    @on(Input.Changed, "#picker-input")
    def _changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    def submit_value(self, value: str) -> None:
        ol = self.query_one("#picker-options", OptionList)
        if ol.highlighted is not None and self.shown:
            self.dismiss(self.shown[ol.highlighted])

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])


# ------------------------------------------------------------------------------ document panel
class DocumentPanel(ModalScreen[None]):
    """Document-level label sets (stance, primary frame...). Quick keys or the picker apply a
    label; every change is stored before the panel redraws.

    ``reason`` (e.g. "Required before leaving the document") heads the list of required sets
    still unanswered, computed again at every redraw: a message written once when the panel
    opened kept naming sets the coder had answered meanwhile."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,d", "dismiss(None)", "Close", id="document-close"),
        Binding("space,tab", "pick", "Labels", id="document-picker"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("right", "choose", "Toggle", show=False),
    ]

    def __init__(
        self, session: Session, on_change: Callable[[str], None], reason: str = ""
    ) -> None:
        super().__init__()
        self.session = session
        self.on_change = on_change
        self.reason = reason
        self.keys = session.scheme.key_map(["document"])
        self.bind_label_keys()
        self.rows: list[tuple[str, str]] = [
            (ls.name, lab.name) for ls in session.sets("document") for lab in ls.labels
        ]
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="document-panel", classes="dialog"):
            yield Static(id="document-title", classes="dialog-title")
            body = VerticalScroll(id="document-body")
            body.can_focus = False  # arrows move the label cursor, not the scroll
            with body:
                yield Static(id="document-sets")
            yield Static(
                Content("key or →: toggle · ↑↓: move · space: picker · esc: close").stylize(
                    "$text-muted"
                ),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        s = self.session
        assert s.doc is not None
        title = (s.doc.row.get("title") or "").strip() or f"document {s.document_id}"
        head = Content.assemble(("Document labels: ", "bold"), plain(title))
        if self.reason:
            head = Content("\n").join([head, self.required_line()])
        self.query_one("#document-title", Static).update(safe(head))
        lines: list[Content] = []
        row = 0
        cursor_line = 0
        for ls in s.sets("document"):
            kind = "several" if ls.multiple else "one"
            req = ", required" if ls.required else ""
            lines.append(Content.assemble((ls.name, "bold"), (f"  ({kind}{req})", "$text-muted")))
            if ls.description:
                lines.append(
                    Content("  " + ls.description.strip().splitlines()[0]).stylize("$text-muted")
                )
            for lab in ls.labels:
                on_ = s.applied(ls.name, lab.name, "document") is not None
                color = s.color(ls.name, lab.name)
                pointer = "▶ " if row == self.cursor else "  "
                if row == self.cursor:
                    cursor_line = len(lines)
                lines.append(
                    Content.assemble(
                        pointer,
                        (lab.key or "·", "bold $accent"),
                        " ",
                        ("✓ " + lab.name if on_ else lab.name, span_style(color) if on_ else color),
                    )
                )
                row += 1
        if not lines:
            lines.append(Content("this scheme has no document-level label sets"))
        self.query_one("#document-sets", Static).update(safe(Content("\n").join(lines)))
        body = self.query_one("#document-body", VerticalScroll)
        body.scroll_to(y=max(0, cursor_line - body.size.height // 2), animate=False)

    def required_line(self) -> Content:
        """What is still required, as of now (or that nothing is)."""
        missing = self.session.missing_required_document_sets()
        if missing:
            return Content(f"{self.reason}: {', '.join(missing)}").stylize("bold $warning")
        return Content("✓ every required document label is answered · enter: continue").stylize(
            "bold $success"
        )

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = (self.cursor + step) % len(self.rows)
            self.redraw()

    def action_choose(self) -> None:
        if self.rows:
            self.toggle(*self.rows[self.cursor])

    def toggle(self, set_name: str, label: str) -> None:
        msg = self.session.toggle_label(set_name, label)
        self.on_change(msg)
        self.redraw()

    def bind_label_keys(self) -> None:
        """Document label quick keys as bindings, in the same queue as the panel's other keys
        (a key the panel itself uses, such as enter or d, stays with the panel)."""
        own = {k.strip() for b in self.BINDINGS if isinstance(b, Binding) for k in b.key.split(",")}
        for char, (ls, lab) in self.keys.items():
            key = _character_to_key(char)
            if key not in own:
                self._bindings.bind(key, f"label({ls.name!r}, {lab.name!r})", show=False)

    def action_label(self, set_name: str, label: str) -> None:
        self.cursor = self.rows.index((set_name, label))
        self.toggle(set_name, label)

    def action_pick(self) -> None:
        def picked(choice: Choice | None) -> None:
            if choice is not None:
                self.cursor = self.rows.index((choice.label_set, choice.label))
                self.toggle(choice.label_set, choice.label)

        self.app.push_screen(
            PickerScreen(self.session, self.session.sets("document"), "Document label"),
            guard(self.app, picked),
        )


# ------------------------------------------------------------------------------ prompts
class PromptScreen(ModalScreen[str | None]):
    """One line of input (note, go to). ``validate`` may return an error to show instead of
    closing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="prompt-cancel", priority=True)
    ]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        help_text: str = "",
        validate: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.help_text = help_text
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog prompt"):
            yield Static(plain(self.title_text), classes="dialog-title")
            # A stored note may hold control characters (an imported file): shown visible, so
            # saving the note unchanged stores the visible characters, never raw controls.
            yield quiet_input(
                value=visible(self.value), placeholder=self.placeholder, id="prompt-input"
            )
            yield Static(
                Content(self.help_text).stylize("$text-muted"),
                id="prompt-help",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def submit_value(self, value: str) -> None:
        if self.validate is not None:
            error = self.validate(value)
            if error:
                self.query_one("#prompt-help", Static).update(plain(error).stylize("bold $error"))
                return
        self.dismiss(value)


# ------------------------------------------------------------------------------ search
class SearchScreen(ModalScreen[int | None]):
    """Full-text search over sentences (FTS5, first 50 hits); enter on a hit goes there."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="search-close", priority=True)
    ]

    def __init__(self, search: Callable[[str], list[dict[str, Any]]], query: str = "") -> None:
        super().__init__()
        self.search = search
        self.query_text = query
        self.hits: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search", classes="dialog"):
            yield Static(Content("Search sentences"), classes="dialog-title")
            yield ListInput(
                "#search-results",
                value=self.query_text,
                placeholder="words, enter",
                id="search-input",
            )
            yield OptionList(id="search-results")
            yield Static(
                Content("enter: search, then ↑↓ enter: go · esc: close").stylize("$text-muted"),
                id="search-help",
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()

    def submit_value(self, value: str) -> None:
        ol = self.query_one("#search-results", OptionList)
        query = value.strip()
        if self.hits and query == self.query_text and ol.highlighted is not None:
            self.dismiss(int(self.hits[ol.highlighted]["id"]))
            return
        self.query_text = query
        self.hits = self.search(query)
        ol.clear_options()
        ol.add_options(
            Option(
                Content.assemble(
                    (f"doc {h['document_id']} · {h['idx'] + 1:>3}  ", "$text-muted"),
                    highlight_terms(h["text"], query),
                )
            )
            for h in self.hits
        )
        if self.hits:
            ol.highlighted = 0
        n = len(self.hits)
        self.query_one("#search-help", Static).update(
            Content(
                f"{n} hit(s){' (first 50)' if n >= 50 else ''} · enter: go · esc: close"
            ).stylize("$text-muted")
        )

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(self.hits[event.option_index]["id"]))


# ------------------------------------------------------------------------------ guidelines
def guidelines_content(scheme: Scheme, query: str, keys: Sequence[tuple[str, str]]) -> Content:
    """The scheme's guidelines, every label's description, examples and cues, and the keys;
    filtered to blocks containing ``query`` (case-insensitive)."""
    q = query.strip().lower()
    blocks: list[Content] = []

    def keep(*texts: str) -> bool:
        return not q or any(q in t.lower() for t in texts)

    head = Content.assemble((f"{scheme.name} v{scheme.version}", "bold"))
    if scheme.description and keep(scheme.description):
        head = Content("\n").join([head, Content(scheme.description.strip())])
    blocks.append(head)
    if scheme.guidelines and keep(scheme.guidelines):
        blocks.append(
            Content("\n").join(
                [
                    Content("Guidelines").stylize("bold underline"),
                    Content(scheme.guidelines.strip()),
                ]
            )
        )
    for ls in scheme.label_sets:
        label_blocks: list[Content] = []
        for lab in ls.labels:
            texts = [lab.name, lab.description, *lab.examples, *lab.cues, ls.name]
            if not keep(*texts):
                continue
            lines = [Content.assemble((lab.key or "·", "bold $accent"), " ", (lab.name, "bold"))]
            if lab.description:
                lines.append(Content("    " + lab.description.strip()))
            for ex in lab.examples:
                lines.append(Content.assemble(("    e.g. ", "$text-muted"), Content(ex.strip())))
            if lab.cues:
                lines.append(
                    Content.assemble(("    cues: ", "$text-muted"), Content(", ".join(lab.cues)))
                )
            label_blocks.append(Content("\n").join(lines))
        if label_blocks or (q and keep(ls.name, ls.description)):
            kind = "several" if ls.multiple else "one"
            title = Content.assemble(
                (ls.name, "bold underline"), (f"  {ls.level} · {kind} · {ls.scale}", "$text-muted")
            )
            parts = [title]
            if ls.description:
                parts.append(Content(ls.description.strip()).stylize("italic"))
            parts.extend(attribute_guidelines(ls))
            blocks.append(Content("\n").join([*parts, *label_blocks]))
    key_lines = [
        Content.assemble((f"{k:<18}", "bold $accent"), Content(d)) for k, d in keys if keep(k, d)
    ]
    if key_lines:
        blocks.append(Content("\n").join([Content("Keys").stylize("bold underline"), *key_lines]))
    if q and len(blocks) == 1:
        blocks.append(Content(f"nothing matches {query!r}").stylize("$warning"))
    return safe(Content("\n\n").join(blocks))


def attribute_guidelines(ls: LabelSet) -> list[Content]:
    """One line per attribute asked with the set's labels: kind, values, aliases, description."""
    lines = []
    for attr in ls.attributes:
        kind = "text" if attr.open else ", ".join(attr.names)
        if attr.multiple:
            kind += " (several)"
        line = Content.assemble(("  + ", "$text-muted"), (attr.name, "bold"), f": {kind}")
        if attr.description:
            line = Content.assemble(line, ("  " + attr.description.strip(), "$text-muted"))
        for canon, variants in attr.aliases:
            line = Content.assemble(line, ("\n      ", ""), canon, (" ← " + ", ".join(variants),
                                                                   "$text-muted"))
        lines.append(line)
    return lines


class GuidelinesScreen(ModalScreen[None]):
    """`?`: the scheme's guidelines, labels with descriptions and examples, and the keys,
    searchable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="guidelines-close", priority=True)
    ]

    def __init__(self, scheme: Scheme, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.scheme = scheme
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="guidelines", classes="dialog"):
            yield quiet_input(placeholder="search the guidelines", id="guidelines-input")
            with VerticalScroll(id="guidelines-body"):
                yield Static(guidelines_content(self.scheme, "", self.keys), id="guidelines-text")
            yield Static(
                Content("type to filter · ↑↓ pgup/pgdn scroll · esc: close").stylize("$text-muted"),
                classes="dialog-help",
            )

    def on_mount(self) -> None:
        self.query_one("#guidelines-input", Input).focus()

    @on(Input.Changed, "#guidelines-input")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#guidelines-text", Static).update(
            guidelines_content(self.scheme, event.value, self.keys)
        )

    def on_key(self, event: Key) -> None:
        body = self.query_one("#guidelines-body", VerticalScroll)
        moves = {"down": 1, "up": -1, "pagedown": 10, "pageup": -10}
        if event.key in moves:
            event.stop()
            body.scroll_relative(y=moves[event.key], animate=False)
