"""The review (adjudication) screen: walk the units where annotators disagree and decide gold.

Built by ``make_review_app`` (shared by ``annotator review`` and the tests). The logic (which
units, their order, union / intersection, what a decision holds) is in
:mod:`annotator.core.adjudicate`; decisions go to the store (``Store.adjudicate``) and the screen
redraws only after the write returned. Sentence text is shown through ``Content(...).stylize()``,
never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key, TextSelected
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static

from annotator.core import adjudicate as adj
from annotator.core import fold, textops
from annotator.core.colors import color_of
from annotator.core.untrusted import visible
from annotator.services.review import ReviewSession, load_table
from annotator.tui.article_pane import ArticlePane, article_lines, coder_mark, paragraphs
from annotator.tui.render import (
    SELECTION_STYLE,
    attributes_content,
    plain,
    safe,
    span_style,
)
from annotator.tui.text_pane import selection_offsets

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme
    from annotator.store import Store

HELP = "1-9 accept that version · ←/→ previous/next unit · tab next undecided"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#9c755f", "#edc948")


# ------------------------------------------------------------------------------ rendering
def items_content(
    items: frozenset[adj.Item],
    ls: LabelSet,
    sentence: dict[str, Any] | None,
    colors: Mapping[tuple[str, str], str],
    *,
    unit: adj.Unit | None = None,
    attributes: Mapping[adj.Item, dict[str, list[str]]] | None = None,
) -> Content:
    """A version (or the gold) on one line: labels, or spans as « text » Label; with ``unit``,
    an item no coder proposed as such says so (adjusted, added); with ``attributes`` (a coder's
    values per item), each item is followed by its values (``actor Lavrov · target Ukraine``)."""
    if not items:
        return Content("(nothing)").stylize("italic $text-muted")
    parts: list[Content] = []
    for item in adj.sorted_items(items, ls.names):
        if isinstance(item, tuple):
            start, end, label = item
            text = ""
            if sentence is not None:
                text = sentence["text"][start - sentence["start"] : end - sentence["start"]]
            parts.append(
                Content.assemble(
                    Content(f"«{text}»").stylize(span_style(color_of(colors, ls.name, label))),
                    " ",
                    Content(label),
                )
            )
        else:
            parts.append(Content(item).stylize(span_style(color_of(colors, ls.name, item))))
        if attributes and attributes.get(item):
            parts[-1] = Content.assemble(parts[-1], attributes_content(attributes[item]))
        origin = adj.origin(unit, item) if unit is not None else "coder"
        if origin != "coder":
            parts[-1] = Content.assemble(
                parts[-1], " ", Content(f"({origin})").stylize("italic $warning")
            )
    return Content("  ").join(parts)


def sentence_with_spans(
    sentence: dict[str, Any],
    items: frozenset[adj.Item],
    ls: LabelSet,
    colors: Mapping[tuple[str, str], str],
) -> Content:
    content = plain(sentence["text"])
    spans = sorted((i for i in items if isinstance(i, tuple)), key=lambda i: i[0] - i[1])
    for start, end, label in spans:
        content = content.stylize(
            span_style(color_of(colors, ls.name, label)),
            start - sentence["start"],
            end - sentence["start"],
        )
    return content


# ------------------------------------------------------------------------------ screens
class NoteScreen(ModalScreen[str | None]):
    """Why the unit stays unresolved (enter: save, escape: cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, note: str = "") -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Static(Content("Mark unresolved: note (enter to save, escape to cancel)"))
            field = Input(
                value=visible(self.note), placeholder="why it stays open", id="note-input"
            )
            field.cursor_blink = False
            yield field

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class EditFind(Input):
    """The `s` bar of the span editor: typing selects the first occurrence in the sentence
    (folding accents, apostrophes and spaces, :func:`annotator.core.fold.find`); tab the next
    one; enter keeps the selection; escape drops it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_match", "Next match", show=False),
        Binding("enter", "keep", show=False, priority=True),
        Binding("escape", "drop", show=False, priority=True),
    ]

    def _editor(self) -> EditScreen | None:
        screen = self.screen
        return screen if isinstance(screen, EditScreen) else None

    def action_next_match(self) -> None:
        if (editor := self._editor()) is not None:
            editor.next_match()

    def action_keep(self) -> None:
        if (editor := self._editor()) is not None:
            editor.close_find(keep=True)

    def action_drop(self) -> None:
        if (editor := self._editor()) is not None:
            editor.close_find(keep=False)

    async def _on_key(self, event: Key) -> None:
        if not self.display:
            return  # typed right after the bar closed: the key is the dialog's
        await super()._on_key(event)


class EditScreen(ModalScreen[frozenset[adj.Item] | None]):
    """Edit the result: up/down move, space toggles, a label's quick key toggles that label
    (span sets: gives the highlighted span that label), enter saves, escape cancels.

    Span sets also take the annotation screen's selection keys on the sentence: ``v`` selects
    the highlighted span's boundaries to adjust them (or the first word when there is no span),
    ``s`` selects by typing, ``+`` starts a new span at the first word, a mouse drag on the
    sentence selects (snapped to words); then ←/→ move by word,
    shift+←/→ extend, alt+←/→ move the end and ctrl+←/→ the start by one character
    (:mod:`annotator.core.textops`). Enter puts the adjusted boundaries on the span (label
    kept); a label key makes the selection a gold span with that label (a new one when the
    selection did not start from a span); escape drops the selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Cancel"),
        Binding("enter", "enter", "Save"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
        Binding("space", "toggle_row", "Toggle"),
        Binding("v", "select_span", "Adjust", id="review-edit-adjust"),
        Binding("s", "type_select", "Type", id="review-edit-type"),
        Binding("plus", "new_span", "New span", id="review-edit-new"),
        Binding("right", "word(1)", show=False),
        Binding("left", "word(-1)", show=False),
        Binding("shift+right", "extend(1)", show=False),
        Binding("shift+left", "extend(-1)", show=False),
        Binding("alt+right", "nudge('end', 1)", show=False),
        Binding("alt+left", "nudge('end', -1)", show=False),
        Binding("ctrl+right", "nudge('start', 1)", show=False),
        Binding("ctrl+left", "nudge('start', -1)", show=False),
    ]
    SPAN_ONLY = frozenset({"select_span", "type_select", "new_span"})
    SELECTING = frozenset({"word", "extend", "nudge"})

    def __init__(
        self,
        unit: adj.Unit,
        ls: LabelSet,
        start: frozenset[adj.Item],
        sentence: dict[str, Any] | None,
        colors: Mapping[tuple[str, str], str],
    ) -> None:
        super().__init__()
        self.unit = unit
        self.ls = ls
        self.sentence = sentence
        self.label_colors = colors
        self.selected: set[adj.Item] = set(start)
        if unit.level == "span":
            self.rows: list[adj.Item] = adj.sorted_items(adj.union(unit) | start, ls.names)
        else:
            self.rows = list(ls.names)
        self.cursor = 0
        self.error = ""
        # span editing: the selection (sentence offsets), and the row it adjusts (None: new)
        self.selection: tuple[int, int] | None = None
        self.target: int | None = None
        self.matches: list[tuple[int, int]] = []
        self.match_index = 0

    @property
    def spans(self) -> bool:
        """Whether the span editor is available (a span unit whose sentence is known)."""
        return self.unit.level == "span" and self.sentence is not None

    @property
    def text(self) -> str:
        return str(self.sentence["text"]) if self.sentence is not None else ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Static(id="edit-head")
            # the sentence alone in its widget: a mouse drag on it selects (on_text_selected)
            sentence = Static(id="edit-sentence")
            sentence.display = self.spans
            yield sentence
            yield Static(id="edit-body")
            find = EditFind(placeholder="type text to select; tab: next; enter: keep; esc: drop",
                            id="edit-find")
            find.cursor_blink = False
            find.display = False  # shown by s
            find.can_focus = False  # so that no focus rule hands it the keys while hidden
            yield find

    def on_mount(self) -> None:
        self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.SPAN_ONLY:
            return self.spans
        if action in self.SELECTING:
            return self.selection is not None
        return True

    def redraw(self) -> None:
        head: list[Content] = [
            Content(f"Edit gold for {self.ls.name}").stylize("bold"),
            Content("space or label key: toggle · enter: save · esc: cancel").stylize(
                "$text-muted"
            ),
        ]
        self.query_one("#edit-head", Static).update(safe(Content("\n").join(head)))
        lines: list[Content] = []
        if self.spans:
            shown, *lines = self.sentence_lines()
            self.query_one("#edit-sentence", Static).update(safe(shown))
        # show a window of rows around the cursor so long label sets fit small terminals
        room = max(3, int(self.app.size.height * 0.8) - 9 - len(lines) - (1 if self.spans else 0))
        first = max(0, min(self.cursor - room // 2, len(self.rows) - room))
        last = min(len(self.rows), first + room)
        if first > 0:
            lines.append(Content(f"  ↑ {first} more").stylize("$text-muted"))
        for i, item in list(enumerate(self.rows))[first:last]:
            mark = "[x]" if item in self.selected else "[ ]"
            label = adj.item_label(item)
            lab = self.ls.label(label)
            key = (lab.key if lab is not None else None) or " "
            body = items_content(
                frozenset({item}), self.ls, self.sentence, self.label_colors, unit=self.unit
            )
            line = Content.assemble(f"{'>' if i == self.cursor else ' '} {mark} {key} ", body)
            if i == self.cursor:
                line = line.stylize("bold")
            lines.append(line)
        if last < len(self.rows):
            lines.append(Content(f"  ↓ {len(self.rows) - last} more").stylize("$text-muted"))
        if self.error:
            lines.append(Content(self.error).stylize("bold $error"))
        self.query_one("#edit-body", Static).update(safe(Content("\n").join(lines)))

    def sentence_lines(self) -> list[Content]:
        """The sentence with the gold spans and the selection, and what the keys do now."""
        assert self.sentence is not None
        gold = frozenset(self.selected)
        shown = sentence_with_spans(self.sentence, gold, self.ls, self.label_colors)
        if self.selection is None:
            help_text = ("v: adjust the highlighted span · s: type a span · +: new span · "
                         "drag the mouse on the sentence: select")
            return [shown, Content(help_text).stylize("$text-muted")]
        a, b = self.selection
        shown = shown.stylize(SELECTION_STYLE, a, b)
        what = "adjusting the highlighted span" if self.target is not None else "new span"
        keys = "enter: keep boundaries · " if self.target is not None else ""
        return [
            shown,
            Content.assemble(
                Content(f"{what}: «").stylize("bold"),
                plain(textops.clip_end(self.text[a:b], 50)),
                Content("»").stylize("bold"),
                Content(
                    f" · ←→ word · shift: extend · alt/ctrl: char · {keys}label key: label · "
                    "esc: drop"
                ).stylize("$text-muted"),
            ),
        ]

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))
            self.redraw()

    def toggle(self, item: adj.Item) -> None:
        if item in self.selected:
            self.selected.discard(item)
        else:
            if not self.ls.multiple and self.unit.level != "span":
                self.selected.clear()
            self.selected.add(item)
        self.error = ""
        self.redraw()

    def action_toggle_row(self) -> None:
        if self.rows and self.selection is None:
            self.toggle(self.rows[self.cursor])

    def on_key(self, event: Key) -> None:
        if event.character is None or not event.is_printable or event.key in ("space",):
            return
        lab = self.ls.label_for_key(event.character)
        if lab is None:
            return
        event.stop()
        if self.unit.level != "span":
            self.cursor = self.rows.index(lab.name)
            self.toggle(lab.name)
            return
        if self.selection is not None:
            self.place(lab.name)
            return
        if not self.rows:
            return
        row = self.rows[self.cursor]
        if not isinstance(row, tuple):
            return
        self.put((row[0], row[1], lab.name), replace=self.cursor)

    # -- the span editor
    def put(self, new: adj.Item, replace: int | None) -> None:
        """Make ``new`` a gold span in place of row ``replace`` (taken out of the gold; a coder's
        span stays listed, so the adjudicator can go back to it), or as a new row; the cursor
        goes to it."""
        if replace is not None:
            self.selected.discard(self.rows[replace])
            if self.rows[replace] in adj.union(self.unit):
                replace = None
        if new in self.rows:
            self.cursor = self.rows.index(new)
        elif replace is not None:
            self.rows[replace] = new
            self.cursor = replace
        else:
            self.rows = adj.sorted_items([*self.rows, new], self.ls.names)
            self.cursor = self.rows.index(new)
        self.selected.add(new)
        self.error = ""
        self.redraw()

    def place(self, label: str | None) -> None:
        """The selection becomes a gold span (``label``; None: the adjusted span's own)."""
        assert self.selection is not None and self.sentence is not None
        base = int(self.sentence["start"])
        target = self.target
        if label is None:
            if target is None:
                names = " · ".join(
                    f"{lab.key} {lab.name}" for lab in self.ls.labels if lab.key
                ) or "space: pick a label"
                self.error = f"a new span needs a label: {names}"
                self.redraw()
                return
            label = adj.item_label(self.rows[target])
        a, b = self.selection
        self.selection = None
        self.target = None
        self.put((base + a, base + b, label), replace=target)

    def set_selection(self, sel: tuple[int, int] | None) -> None:
        self.selection = sel
        self.error = ""
        self.redraw()

    def action_select_span(self) -> None:
        """v: select the highlighted span's boundaries to adjust them (the first word when
        there is no span)."""
        assert self.sentence is not None
        row = self.rows[self.cursor] if self.rows else None
        if isinstance(row, tuple):
            base = int(self.sentence["start"])
            self.target = self.cursor
            self.set_selection((row[0] - base, row[1] - base))
        else:
            self.action_new_span()

    def action_new_span(self) -> None:
        """+: a new span, selected from the first word of the sentence."""
        sel = textops.first_word(self.text)
        if sel is not None:
            self.target = None
            self.set_selection(sel)

    def action_type_select(self) -> None:
        """s: select a new span by typing it."""
        self.target = None
        self.selection = None
        find = self.query_one("#edit-find", EditFind)
        find.value = ""
        find.display = True
        find.can_focus = True
        find.focus()
        self.redraw()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "edit-find":
            return
        event.stop()
        self.matches = fold.find(self.text, event.value)
        self.match_index = 0
        if self.matches:
            self.set_selection(self.matches[0])
        else:
            self.selection = None
            self.error = "no match" if event.value.strip() else ""
            self.redraw()

    def next_match(self) -> None:
        if self.matches:
            self.match_index = (self.match_index + 1) % len(self.matches)
            self.set_selection(self.matches[self.match_index])

    def close_find(self, *, keep: bool) -> None:
        find = self.query_one("#edit-find", EditFind)
        find.display = False
        find.can_focus = False
        self.set_focus(None)
        if not keep:
            self.selection = None
        self.redraw()

    def on_text_selected(self, event: TextSelected) -> None:
        """A mouse drag on the sentence selects, snapped to whole words as on the annotation
        screen: it adjusts the highlighted span when it overlaps it, else it is a new span."""
        if not self.spans:
            return
        widget = self.query_one("#edit-sentence", Static)
        sel = self.selections.get(widget)
        if sel is None:
            return
        span = selection_offsets(self.text, sel.start, sel.end)
        self.clear_selection()
        if span is None:
            return
        a, b = textops.snap(self.text, span)
        row = self.rows[self.cursor] if self.rows else None
        base = int(self.sentence["start"]) if self.sentence is not None else 0
        overlaps = isinstance(row, tuple) and row[0] - base < b and row[1] - base > a
        self.target = self.cursor if overlaps else None
        self.set_selection((a, b))

    def action_word(self, step: int) -> None:
        if self.selection is not None:
            self.set_selection(textops.move_word(self.text, self.selection, step))

    def action_extend(self, step: int) -> None:
        if self.selection is not None:
            self.set_selection(textops.extend_word(self.text, self.selection, step))

    def action_nudge(self, edge: str, step: int) -> None:
        if self.selection is not None:
            self.set_selection(textops.nudge(self.text, self.selection, edge, step))

    def action_escape(self) -> None:
        if self.selection is not None:
            self.selection = None
            self.target = None
            self.redraw()
            return
        self.dismiss(None)

    def action_enter(self) -> None:
        if self.selection is not None:
            self.place(None)
            return
        self.action_save()

    def action_save(self) -> None:
        problem = adj.single_choice_problem(
            self.selected, self.ls.multiple or self.unit.level == "span"
        )
        if problem:
            self.error = problem
            self.redraw()
            return
        self.dismiss(frozenset(self.selected))


class ReviewScreen(Screen[None]):
    """One disputed unit at a time: context, every annotator's version, the current decision."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *[Binding(str(i), f"accept({i})", show=False) for i in range(1, 10)],
        Binding("U", "union", "Union", id="review-union"),
        Binding("I", "intersection", "Inter", id="review-intersection"),
        Binding("e", "edit", "Edit", id="review-edit"),
        Binding("x", "unresolved", "Unresolved", id="review-unresolved"),
        Binding("u", "undo", "Undo", id="review-undo"),
        Binding("right,j,n", "step(1)", "Next", id="review-next", show=False),
        Binding("left,k,p", "step(-1)", "Prev", id="review-previous", show=False),
        Binding("tab", "next_undecided", "Undecided", id="review-next-undecided", show=False),
        Binding("down", "scroll_text(1)", "Scroll", id="review-scroll-down", show=False),
        Binding("up", "scroll_text(-1)", show=False, id="review-scroll-up"),
        Binding("pagedown", "scroll_text('page')", show=False, id="review-page-down"),
        Binding("pageup", "scroll_text('-page')", show=False, id="review-page-up"),
        Binding("home", "scroll_text('home')", show=False, id="review-scroll-home"),
        Binding("end", "scroll_text('end')", show=False, id="review-scroll-end"),
        Binding("a", "toggle_article", "Article", id="review-article"),
        Binding("q", "quit_review", "Quit", id="review-quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.message = Content(HELP)
        self.article_always = False  # a: the article beside sentence and span units too

    def compose(self) -> ComposeResult:
        yield Static(id="review-status")
        with Horizontal(id="review-body"):
            yield ArticlePane(id="review-article")
            with VerticalScroll(id="review-main"):
                yield Static(id="review-context")
                yield Static(id="review-versions")
                yield Static(id="review-decision")
        yield Static(id="review-message")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()

    # -- drawing
    def redraw(self) -> None:
        s = self.session
        unit = s.unit
        status = self.query_one("#review-status", Static)
        context = self.query_one("#review-context", Static)
        versions = self.query_one("#review-versions", Static)
        decision = self.query_one("#review-decision", Static)
        self.query_one("#review-message", Static).update(safe(self.message))
        article = self.query_one(ArticlePane)
        article.display = unit is not None and (
            unit.key.sentence_id is None or self.article_always
        )
        if unit is None:
            status.update(
                plain(f"Review · {s.adjudicator} · no disagreement to review").stylize("bold")
            )
            context.update(
                Content(
                    f"{len(s.table)} unit(s) annotated by two or more people; all agree. "
                    "Store them as gold with `annotator review --accept-unanimous`."
                )
            )
            versions.update("")
            decision.update("")
            return
        ls = s.label_set(unit.key.label_set)
        doc = s.document(unit.key.document_id)
        status.update(
            safe(Content.assemble(
                Content(f" Review · {s.adjudicator} ").stylize("bold reverse"),
                f" unit {s.index + 1}/{len(s.units)} · {s.decided()} decided · ",
                Content(ls.name).stylize("bold"),
                f" ({unit.level}) · disagreement {unit.score:.0%}",
                *([Content(" · attribute values differ").stylize("bold $warning")]
                  if s.values_differ(unit) else []),
            ))
        )
        context.update(safe(self.context_content(unit, ls, doc)))
        if article.display:
            self.show_article(unit, doc)
        versions.update(safe(self.versions_content(unit, ls)))
        decision.update(safe(self.decision_content(unit, ls)))

    def where(self, key: adj.UnitKey) -> str:
        """A unit named as the annotation screen names it: ``doc 5, sentence 7/16`` (the
        reports use render.numbers.sentence_ref, which tui may not import)."""
        if key.sentence_id is None:
            return f"doc {key.document_id}, the document"
        sents = self.session.sentences(key.document_id)
        pos = next((i for i, x in enumerate(sents) if x["id"] == key.sentence_id), None)
        if pos is None:
            return f"doc {key.document_id}, sentence #{key.sentence_id}"
        return f"doc {key.document_id}, sentence {pos + 1}/{len(sents)}"

    def sentence_of(self, unit: adj.Unit) -> dict[str, Any] | None:
        if unit.key.sentence_id is None:
            return None
        for sent in self.session.sentences(unit.key.document_id):
            if sent["id"] == unit.key.sentence_id:
                return sent
        return None

    def context_content(self, unit: adj.Unit, ls: LabelSet, doc: dict[str, Any]) -> Content:
        sents = self.session.sentences(unit.key.document_id)
        head = Content.assemble(
            Content(f"#{unit.key.document_id} ").stylize("bold"),
            plain(doc.get("source") or "(no source)").stylize("bold"),
            " · ",
            plain(doc.get("title") or ""),
        )
        lines = [head]
        if unit.key.sentence_id is None:
            lines.append(
                Content(
                    f"Document-level label set; the whole article ({len(sents)} sentences) is "
                    "on the left with the coders' spans: ↑↓ pgup pgdn home end scroll it"
                ).stylize("$text-muted")
            )
            return Content("\n").join(lines)
        pos = next((i for i, x in enumerate(sents) if x["id"] == unit.key.sentence_id), 0)
        lines[0] = Content.assemble(lines[0], f" · sentence {pos + 1}/{len(sents)}")
        if pos > 0:
            lines.append(plain(sents[pos - 1]["text"]).stylize("$text-muted"))
        current = plain(sents[pos]["text"]).stylize("bold")
        lines.append(Content.assemble("▶ ", current))
        if pos + 1 < len(sents):
            lines.append(plain(sents[pos + 1]["text"]).stylize("$text-muted"))
        return Content("\n").join(lines)

    def show_article(self, unit: adj.Unit, doc: dict[str, Any]) -> None:
        """The whole article, with the spans of the unit's coders, numbered as their
        versions."""
        s = self.session
        doc_id = unit.key.document_id
        number = {a: i for i, a in enumerate(unit.annotators, 1)}
        spans = s.coder_spans(doc_id, unit.annotators)
        sentences = s.sentences(doc_id)
        sentence = self.sentence_of(unit)
        current = None if sentence is None else (int(sentence["start"]), int(sentence["end"]))
        pane = self.query_one(ArticlePane)
        key = (doc_id, tuple(unit.annotators), s.hide_names, current,
               tuple(sp["uid"] for sp in spans))
        if key == pane.key:
            return  # shown already: nothing is built again on a key press
        lines = article_lines(
            str(doc.get("text") or ""), sentences, spans, number, s.colors, current
        )
        focus = None
        if current is not None:  # its paragraph (lines: paragraphs with blank lines between)
            at = next(i for i, p in enumerate(paragraphs(sentences)) if p[1] >= current[1])
            focus = 2 * at
        who = [
            Content.assemble(Content(coder_mark([n])).stylize("bold"), " ", plain(s.names[a]))
            for a, n in number.items()
        ]
        used = sorted({(sp["label_set"], sp["label"]) for sp in spans if sp["annotator"] in number})
        legend = [
            Content(label).stylize(span_style(color_of(s.colors, ls_name, label)))
            for ls_name, label in used
        ]
        head = Content.assemble(
            Content("Article").stylize("bold underline"),
            Content(" · coders' spans: ").stylize("$text-muted"),
            Content("  ").join(who),
            *(["\n", Content(" ").join(legend)] if legend else
              [Content(" · no spans on this article").stylize("$text-muted")]),
        )
        pane.show(key, head, lines, focus)

    def action_toggle_article(self) -> None:
        """a: the whole article beside sentence and span units too (document units always
        have it), the unit's sentence underlined."""
        unit = self.session.unit
        if unit is not None and unit.key.sentence_id is None:
            self.say("document-level units always show the whole article")
        else:
            self.article_always = not self.article_always
            self.say("article shown beside every unit (a: hide)" if self.article_always
                     else "article hidden for sentence and span units")
        self.redraw()

    def action_scroll_text(self, how: int | str) -> None:
        """↑↓ pgup pgdn home end: scroll the article (document units) or the unit's pane."""
        article = self.query_one(ArticlePane)
        pane: Any = article if article.display else self.query_one("#review-main")
        if how == "home":
            pane.scroll_home(animate=False)
        elif how == "end":
            pane.scroll_end(animate=False)
        elif isinstance(how, str):
            page = max(1, pane.scrollable_content_region.height - 1)
            pane.scroll_relative(y=page if how == "page" else -page, animate=False)
        else:
            pane.scroll_relative(y=how, animate=False)

    def versions_content(self, unit: adj.Unit, ls: LabelSet) -> Content:
        s = self.session
        sentence = self.sentence_of(unit)
        width = max(len(s.names[a]) for a in unit.annotators)
        lines = [Content("Versions").stylize("bold underline")]
        values = s.attributes(unit)
        for i, a in enumerate(unit.annotators, 1):
            who = Content(f"{i} {s.names[a]:<{width}}  ").stylize("bold")
            version = unit.versions[a]
            lines.append(Content.assemble(
                who, items_content(version, ls, sentence, s.colors, attributes=values.get(a))
            ))
            if unit.level == "span" and sentence is not None:
                marked = sentence_with_spans(sentence, version, ls, s.colors)
                lines.append(Content.assemble(" " * (width + 4), marked))
        return Content("\n").join(lines)

    def decision_content(self, unit: adj.Unit, ls: LabelSet) -> Content:
        cur = self.session.decisions.get(unit.key)
        if cur is None:
            return Content.assemble(
                Content("Gold  ").stylize("bold"), Content("undecided").stylize("italic $warning")
            )
        if cur.status == "unresolved":
            return Content.assemble(
                Content("Gold  ").stylize("bold"),
                Content("unresolved").stylize("bold $error"),
                f" by {cur.adjudicator}: ",
                Content(cur.note or ""),
            )
        choice = cur.choice
        if choice.startswith("accept:") and self.session.hide_names:
            choice = "accept:" + self.session.names.get(choice[7:], "?")
        origins = [adj.origin(unit, item) for item in cur.items]
        edited = [
            f"{origins.count(o)} {o}" for o in adj.ORIGINS[1:] if origins.count(o)
        ]
        return Content.assemble(
            Content("Gold  ").stylize("bold"),
            items_content(cur.items, ls, self.sentence_of(unit), self.session.colors, unit=unit,
                          attributes=self.session.gold_attributes(unit)),
            Content(f"   ({choice}, by {cur.adjudicator})").stylize("$text-muted"),
            *([Content(f" · edited: {', '.join(edited)}").stylize("bold $warning")]
              if edited else []),
        )

    def say(self, text: str, style: str = "") -> None:
        self.message = Content(text).stylize(style) if style else Content(text)

    # -- actions
    def _decide(self, decision: adj.Decision, what: str) -> None:
        s = self.session
        unit = s.unit
        if unit is None:
            return
        ls = s.label_set(unit.key.label_set)
        problem = adj.single_choice_problem(decision.items, ls.multiple or unit.level == "span")
        if problem and decision.status == "resolved":
            self.say(problem, "bold $error")
            self.redraw()
            return
        s.decide(decision)
        self.say(f"{what}; stored as gold")
        s.index = min(s.index + 1, len(s.units) - 1)
        self.redraw()

    def action_accept(self, n: int) -> None:
        unit = self.session.unit
        if unit is None:
            return
        if n > len(unit.annotators):
            self.say(f"no version {n} on this unit", "bold $error")
            self.redraw()
            return
        a = unit.annotators[n - 1]
        self._decide(adj.accept(unit, a), f"accepted {self.session.names[a]}'s version")

    def action_union(self) -> None:
        if self.session.unit is not None:
            self._decide(adj.take_union(self.session.unit), "took the union")

    def action_intersection(self) -> None:
        if self.session.unit is not None:
            self._decide(adj.take_intersection(self.session.unit), "took the intersection")

    def action_edit(self) -> None:
        s = self.session
        unit = s.unit
        if unit is None:
            return
        cur = s.decisions.get(unit.key)
        start = (
            cur.items if cur is not None and cur.status == "resolved" else adj.intersection(unit)
        )
        ls = s.label_set(unit.key.label_set)

        def done(items: frozenset[adj.Item] | None) -> None:
            if items is None:
                self.say("edit cancelled")
                self.redraw()
                return
            self._decide(adj.edited(unit, items), "edited the result")

        screen = EditScreen(unit, ls, start, self.sentence_of(unit), self.session.colors)
        self.app.push_screen(screen, done)

    def action_unresolved(self) -> None:
        s = self.session
        unit = s.unit
        if unit is None:
            return
        cur = s.decisions.get(unit.key)

        def done(note: str | None) -> None:
            if note is None:
                self.say("cancelled")
                self.redraw()
                return
            self._decide(adj.unresolved(unit, note), "marked unresolved")

        self.app.push_screen(NoteScreen(cur.note or "" if cur else ""), done)

    def action_undo(self) -> None:
        key = self.session.undo()
        if key is None:
            self.say("nothing to undo")
        else:
            self.say(f"undid the last decision ({key.label_set}, {self.where(key)})")
        self.redraw()

    def action_step(self, step: int) -> None:
        s = self.session
        if s.units:
            s.index = max(0, min(len(s.units) - 1, s.index + step))
            self.say("")
            self.redraw()

    def action_next_undecided(self) -> None:
        s = self.session
        if s.units:
            s.index = s.first_undecided(s.index + 1)
            self.say("")
            self.redraw()

    def action_quit_review(self) -> None:
        self.app.exit()


class LoadingScreen(Screen[None]):
    """Shown while a worker reads the annotations of a big database."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "Quit")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        yield Static(Content(self.what), id="review-loading")


class ReviewApp(App[None]):
    CSS_PATH = "review.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "annotator review"

    def __init__(
        self,
        session: ReviewSession | None = None,
        *,
        load: Callable[[], ReviewSession] | None = None,
        build_table: Callable[[], adj.UnitTable] | None = None,
        loading_text: str = "",
    ) -> None:
        """Either a ready ``session``, or ``build_table`` (run in a thread worker, with its own
        database connection) and ``load`` (turns them into the session on the UI thread)."""
        super().__init__()
        self.session = session
        self._load = load
        self._build_table = build_table
        self._loading_text = loading_text
        self.table: adj.UnitTable | None = None

    def on_mount(self) -> None:
        if self.session is not None:
            self.push_screen(ReviewScreen(self.session))
            return
        self.push_screen(LoadingScreen(self._loading_text))
        self.read_units()

    @work(thread=True, exclusive=True, group="review-load", description="reading annotations")
    def read_units(self) -> None:
        assert self._build_table is not None
        table = self._build_table()
        self.call_from_thread(self._loaded, table)

    def _loaded(self, table: adj.UnitTable) -> None:
        assert self._load is not None
        self.table = table
        self.session = self._load()
        self.switch_screen(ReviewScreen(self.session))


# Above this many current annotations the units are read in a worker behind a loading screen.
BACKGROUND_ABOVE = 100_000


def make_review_app(
    store: Store,
    scheme: Scheme,
    adjudicator: str,
    *,
    label_set: str | None = None,
    order: str = "disagreement",
    hide_names: bool = False,
    background: bool | None = None,
) -> ReviewApp:
    """The review screen over a store (the CLI and the tests both build it here).

    ``background``: read the annotations in a thread worker behind a loading screen (default:
    when the database may hold more than ``BACKGROUND_ABOVE`` current annotations)."""
    options: dict[str, Any] = {"label_set": label_set, "order": order, "hide_names": hide_names}
    if store.path == ":memory:":
        background = False
    if background is None:
        background = store.annotations.count_at_most() > BACKGROUND_ABOVE
    if not background:
        return ReviewApp(ReviewSession(store, scheme, adjudicator, **options))
    path = store.path

    def read_table() -> adj.UnitTable:
        from annotator.store import Store as StoreClass

        own = StoreClass.open(path, create=False)  # SQLite connections are per thread
        try:
            table = load_table(own, scheme, label_set)
            table.disputed(order)  # the order too, off the screen's thread
            return table
        finally:
            own.close()

    # Started now, while Textual starts the app; the app's worker waits for it.
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-load")
    future = pool.submit(read_table)
    pool.shutdown(wait=False)

    def build_table() -> adj.UnitTable:
        return future.result()

    app: ReviewApp

    def load() -> ReviewSession:
        return ReviewSession(store, scheme, adjudicator, table=app.table, **options)

    n_text = f"Reading the annotations of {path} to find the disagreements…"
    app = ReviewApp(load=load, build_table=build_table, loading_text=n_text)
    return app
