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
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static

from annotator.core import adjudicate as adj
from annotator.core.colors import color_of
from annotator.core.untrusted import visible
from annotator.services.review import ReviewSession, load_table
from annotator.tui.render import plain, safe, span_style

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
) -> Content:
    """A version (or the gold) on one line: labels, or spans as « text » Label."""
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


class EditScreen(ModalScreen[frozenset[adj.Item] | None]):
    """Edit the result: up/down move, space toggles, a label's quick key toggles that label
    (span sets: gives the highlighted span that label), enter saves, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("enter", "save", "Save"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
        Binding("space", "toggle_row", "Toggle"),
    ]

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

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Static(id="edit-body")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        lines: list[Content] = [
            Content(f"Edit gold for {self.ls.name}").stylize("bold"),
            Content("space or label key: toggle · enter: save · esc: cancel").stylize(
                "$text-muted"
            ),
        ]
        # show a window of rows around the cursor so long label sets fit small terminals
        room = max(3, int(self.app.size.height * 0.8) - 9)  # dialog max-height 80%
        first = max(0, min(self.cursor - room // 2, len(self.rows) - room))
        last = min(len(self.rows), first + room)
        if first > 0:
            lines.append(Content(f"  ↑ {first} more").stylize("$text-muted"))
        for i, item in list(enumerate(self.rows))[first:last]:
            mark = "[x]" if item in self.selected else "[ ]"
            label = adj.item_label(item)
            lab = self.ls.label(label)
            key = (lab.key if lab is not None else None) or " "
            body = items_content(frozenset({item}), self.ls, self.sentence, self.label_colors)
            line = Content.assemble(f"{'>' if i == self.cursor else ' '} {mark} {key} ", body)
            if i == self.cursor:
                line = line.stylize("bold")
            lines.append(line)
        if last < len(self.rows):
            lines.append(Content(f"  ↓ {len(self.rows) - last} more").stylize("$text-muted"))
        if self.error:
            lines.append(Content(self.error).stylize("bold $error"))
        self.query_one("#edit-body", Static).update(safe(Content("\n").join(lines)))

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
        if self.rows:
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
        if not self.rows:
            return
        row = self.rows[self.cursor]
        if not isinstance(row, tuple):
            return
        start, end = row[0], row[1]
        new: adj.Item = (start, end, lab.name)
        self.selected.discard(self.rows[self.cursor])
        if new not in self.rows:
            self.rows[self.cursor] = new
        else:
            self.cursor = self.rows.index(new)
        self.selected.add(new)
        self.redraw()

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
        Binding("q", "quit_review", "Quit", id="review-quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.message = Content(HELP)

    def compose(self) -> ComposeResult:
        yield Static(id="review-status")
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
            ))
        )
        context.update(safe(self.context_content(unit, ls, doc)))
        versions.update(safe(self.versions_content(unit, ls)))
        decision.update(safe(self.decision_content(unit, ls)))

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
                Content("Document-level label set; the article opens:").stylize("$text-muted")
            )
            for sent in sents[:3]:
                lines.append(plain(sent["text"]))
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

    def versions_content(self, unit: adj.Unit, ls: LabelSet) -> Content:
        s = self.session
        sentence = self.sentence_of(unit)
        width = max(len(s.names[a]) for a in unit.annotators)
        lines = [Content("Versions").stylize("bold underline")]
        for i, a in enumerate(unit.annotators, 1):
            who = Content(f"{i} {s.names[a]:<{width}}  ").stylize("bold")
            version = unit.versions[a]
            lines.append(Content.assemble(who, items_content(version, ls, sentence, s.colors)))
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
        return Content.assemble(
            Content("Gold  ").stylize("bold"),
            items_content(cur.items, ls, self.sentence_of(unit), self.session.colors),
            Content(f"   ({choice}, by {cur.adjudicator})").stylize("$text-muted"),
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
            where = f"sentence {key.sentence_id}" if key.sentence_id is not None else "document"
            self.say(f"undid the last decision ({key.label_set}, #{key.document_id} {where})")
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
