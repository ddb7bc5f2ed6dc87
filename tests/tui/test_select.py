"""Pilot tests of span selection on French text (issue 14): folded matching in the `s` bar,
occurrence cycling, whole words from a prefix, `v` starting points, counts and clause jumps,
mouse snapping, long sentences that scroll with markers, and the keystroke count of a typical
sentence. Every span is checked in the DATABASE (a second Store on the same file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from annotator.core.scheme import Scheme
from annotator.store import Store
from annotator.tui.app import AnnotateScreen, AnnotatorApp, make_app
from annotator.tui.text_pane import SentenceView, TextPane

from .conftest import make_doc, rendered
from .test_annotate import spans as stored_spans

App = Callable[..., AnnotatorApp]

# Our own sentences (never the seed articles): typographic apostrophes, a non-breaking hyphen,
# guillemets, a word twice, and one sentence of about 2,500 characters.
LONG = (
    "La commission a examiné "
    + ", ".join(f"le dossier numéro {i} des ponts et des routes du canton" for i in range(45))
    + " sous les vivats de la foule enfin rassemblée, en une fraternité invincible."
)
FRENCH = {
    "title": "Typographie",
    "source": "Le Test",
    "published": "2024-04-01",
    "text": (
        "Typographie\n\n"
        "Les généraux annoncent d\u2019\u00e9normes pertes pour un gain minime. "
        "Les n\u00e9o\u2011nazis crient au scandale \u00ab sans fin \u00bb, disent-ils. "
        "\u00c9normes ou pas, les pertes restent \u00e9normes.\n\n"
        + LONG
    ),
}


@pytest.fixture
def french(tmp_path: Path, scheme: Scheme) -> Path:
    path = tmp_path / "fr.db"
    s = Store.open(path)
    s.schemes.add(scheme)
    s.corpus.add_documents([make_doc(FRENCH)])
    s.close()
    return path


@pytest.fixture
def fr_app(french: Path, scheme: Scheme) -> App:
    def build(**kwargs: Any) -> AnnotatorApp:
        return make_app(french, scheme, "alice", **kwargs)

    return build


@pytest.fixture
def fr_db(french: Path) -> Any:
    s = Store.open(french)
    yield s
    s.close()


def spans(db: Store) -> list[tuple[str, str]]:
    """(label, text) of alice's spans, read from the database."""
    return [(label, text) for label, _s, _e, text in stored_spans(db)]


def screen(app: AnnotatorApp) -> AnnotateScreen:
    s = app.screen
    assert isinstance(s, AnnotateScreen), type(s)
    return s


def selected(app: AnnotatorApp) -> str | None:
    sel = screen(app).selection
    return None if sel is None else screen(app).text[sel[0] : sel[1]]


async def test_typed_apostrophe_and_accents_select_the_typography(
    fr_app: App, fr_db: Store
) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j")  # "Les généraux annoncent d’énormes pertes ..."
        await pilot.press("s", *"d'enormes pertes", "enter")
        assert selected(app) == "d\u2019\u00e9normes pertes"
        await pilot.press("l")
        assert spans(fr_db) == [("Loaded_Language", "d\u2019\u00e9normes pertes")]
        await pilot.press("escape", "j", "s", *"NEO-NAZIS", "enter", "m")
        assert ("Name_Calling", "n\u00e9o\u2011nazis") in spans(fr_db)


def in_one_read(app: AnnotatorApp, text: str) -> None:
    """Queue ``text`` as keys all at once, as a paste or a terminal read delivers them (before
    any of them is handled), unlike ``pilot.press``, which waits after each key."""
    from textual.events import Key

    for char in text:
        name = {"'": "apostrophe", " ": "space", "\r": "enter"}.get(char, char)
        app.post_message(Key(name, char))


async def test_keys_typed_at_once_after_s_land_in_the_bar(fr_app: App) -> None:
    """Keys read in one go (a fast typist, a real terminal): the text typed right after `s`
    goes into the bar (`d` does not open the document panel), and shift+→ right after the
    text acts on all of it, not on the part the bar had matched so far."""
    from textual.events import Key

    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j")
        in_one_read(app, "sd'enormes pertes")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        await pilot.press("enter")
        assert selected(app) == "d\u2019\u00e9normes pertes"
        await pilot.press("escape")
        in_one_read(app, "sgai")
        app.post_message(Key("shift+right", None))
        await pilot.pause()
        assert selected(app) == "gain minime"


async def test_enter_in_the_same_read_as_the_text_keeps_all_of_it(
    fr_app: App, fr_db: Store
) -> None:
    """A paste or a terminal delivering "s d'enormes pertes ⏎ l" in one read: enter keeps the
    whole typed match (it once acted before the letters reached the bar and kept « d »), and the
    label key after it labels the selection instead of being typed into the closed bar."""
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j")
        in_one_read(app, "sd'enormes pertes\rl")
        await pilot.pause()
        await pilot.pause()
        assert spans(fr_db) == [("Loaded_Language", "d\u2019\u00e9normes pertes")]


async def test_tab_and_shift_tab_cycle_folded_occurrences(fr_app: App) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "j")  # "Énormes ou pas, les pertes restent énormes."
        await pilot.press("s", *"enormes")
        s = screen(app)
        assert [s.text[a:b] for a, b in s.matches] == ["\u00c9normes", "\u00e9normes"]
        assert s.selection == s.matches[0]
        await pilot.press("tab")
        assert s.selection == s.matches[1]
        await pilot.press("tab")
        assert s.selection == s.matches[0]  # wraps
        await pilot.press("shift+tab")
        assert s.selection == s.matches[1]
        assert "match 2/2" in rendered(app, "message")


async def test_a_prefix_prefers_a_word_start(fr_app: App) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await goto_long(pilot)  # "... le dossier numéro 0 des ponts et des routes ..."
        await pilot.press("s", *"ro")  # "numéRO" comes first, "ROutes" starts a word
        text = screen(app).text
        assert screen(app).selection == (text.index("routes"), text.index("routes") + 2)
        await pilot.press("shift+tab")  # the occurrence before it: inside "numéro"
        assert screen(app).selection == (text.index("ro 0"), text.index("ro 0") + 2)
        await pilot.press(*"zz")  # nowhere: nothing selected, and the bar says so
        assert screen(app).selection is None and "no match" in rendered(app, "message")


async def test_prefix_then_shift_right_takes_whole_words(fr_app: App, fr_db: Store) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Les néo‑nazis crient au scandale « sans fin », disent-ils."
        await pilot.press("s", "c", "r", "shift+right", "shift+right")
        assert selected(app) == "crient au scandale"
        assert not screen(app).query_one("#find").display  # the bar closed: label keys apply
        await pilot.press("l")
        assert spans(fr_db) == [("Loaded_Language", "crient au scandale")]
        # right arrow at the end of the typed text: just the whole word.
        await pilot.press("escape", "s", *"scan", "right")
        assert selected(app) == "scandale"
        assert not screen(app).query_one("#find").display
        # shift+left: the word typed and the one before.
        await pilot.press("escape", "s", *"crie", "shift+left")
        assert selected(app) == "n\u00e9o\u2011nazis crient"


async def test_right_arrow_inside_the_typed_text_still_moves_the_cursor(fr_app: App) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "s", *"gin", "left", "left", "a", "right")
        find = screen(app).query_one("#find")
        assert find.display and find.value == "gain"  # type: ignore[attr-defined]
        assert selected(app) == "gain"


async def test_count_prefix_and_clause_jumps(fr_app: App, fr_db: Store) -> None:
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "v")  # "Les"
        assert selected(app) == "Les"
        await pilot.press("alt+3", "shift+right")
        assert selected(app) == "Les g\u00e9n\u00e9raux annoncent d\u2019\u00e9normes"
        await pilot.press("shift+right")  # the count was used once
        assert selected(app) == "Les g\u00e9n\u00e9raux annoncent d\u2019\u00e9normes pertes"
        await pilot.press("alt+2", "right")
        assert selected(app) == "un"
        await pilot.press("shift+down")
        assert selected(app) == "un gain minime"
        await pilot.press("shift+up")
        assert selected(app) == (
            "Les g\u00e9n\u00e9raux annoncent d\u2019\u00e9normes pertes pour un gain minime"
        )
        await pilot.press("m")
        assert spans(fr_db)[0][1].endswith("gain minime")


async def test_v_starts_at_the_chosen_suggestion_or_under_the_mouse(new_app: App) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Le ministre salue une fraternité invincible ..."
        await pilot.press("v")
        assert selected(app) == "Le"  # no suggestion chosen: the first word
        await pilot.press("escape", "A", "v")  # A chose the (only) cue suggestion
        assert selected(app) == "fraternit\u00e9 invincible"
        await pilot.press("escape")
        view = screen(app).query_one("#sentence", SentenceView)
        x0 = view.content_region.x - view.region.x
        y = view.content_region.y - view.region.y
        await pilot.hover("#sentence", offset=(x0 + 14, y))  # over "salue"
        await pilot.press("v")
        assert selected(app) == "salue"


async def test_mouse_drag_snaps_to_words(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Le ministre salue ..."
        view = screen(app).query_one("#sentence", SentenceView)
        x0 = view.content_region.x - view.region.x
        y = view.content_region.y - view.region.y
        await pilot.mouse_down("#sentence", offset=(x0 + 6, y))  # inside "ministre"
        await pilot.hover("#sentence", offset=(x0 + 14, y))
        await pilot.mouse_up("#sentence", offset=(x0 + 14, y))  # inside "salue"
        await pilot.pause()
        assert selected(app) == "ministre salue"


async def goto_long(pilot: Pilot[None]) -> None:
    await pilot.press("g", *":5", "enter")


@pytest.mark.parametrize("size", [(80, 24), (150, 40)])
async def test_long_sentence_scrolls_to_the_selection_with_markers(
    fr_app: App, fr_db: Store, size: tuple[int, int]
) -> None:
    app = fr_app()
    async with app.run_test(size=size) as pilot:
        await goto_long(pilot)
        assert len(screen(app).text) > 2500
        shown = rendered(app, "sentence")
        assert "La commission" in shown and "\u2193 \u2026" in shown and "vivats" not in shown
        assert "\u2191" not in shown
        await pilot.press("s", *"vivats", "shift+right")
        shown = rendered(app, "sentence")
        assert selected(app) == "vivats de"
        assert "vivats de" in shown and "\u2191 \u2026" in shown and "La commission" not in shown
        fits(app)
        await pilot.press("l")
        assert spans(fr_db) == [("Loaded_Language", "vivats de")]
        # Back to the start with a keyboard selection: the box follows it up.
        await pilot.press("escape", "v")
        shown = rendered(app, "sentence")
        assert "La commission" in shown and "\u2191" not in shown and "\u2193 \u2026" in shown
        assert "2 mark(s)" in shown  # the span and the cue at the end are out of view: it says so
        fits(app)
        # In the middle, both markers (80x24 shows 7 lines of the 38 at a time).
        await pilot.press("escape", "s", *"numero 22", "enter")
        shown = rendered(app, "sentence")
        assert "num\u00e9ro 22" in shown
        if size == (80, 24):
            assert "\u2191 \u2026" in shown and "\u2193 \u2026" in shown
        fits(app)


async def test_long_sentence_follows_the_suggestion_chosen_with_A(fr_app: App) -> None:
    app = fr_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto_long(pilot)
        assert "invincible" not in rendered(app, "sentence")  # arriving: the start is shown
        await pilot.press("A")  # the only suggestion, at the very end, becomes the current one
        shown = rendered(app, "sentence")
        assert "fraternit\u00e9 invincible" in shown and "\u2191 \u2026" in shown
        fits(app)


def fits(app: AnnotatorApp) -> None:
    """The sentence box is drawn whole: inside its pane, inside the screen, nothing cut."""
    view = screen(app).query_one(SentenceView)
    pane = screen(app).query_one(TextPane)
    assert pane.region.contains_region(view.region), (pane.region, view.region)
    assert view.region.bottom <= app.size.height - 2  # message line and footer below
    lines = len(view.window.content.wrap(view.content_region.width))
    assert view.content_region.height >= lines, (view.content_region, lines)


async def test_mouse_selection_in_a_scrolled_long_sentence(fr_app: App) -> None:
    app = fr_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto_long(pilot)
        await pilot.press("s", *"numero 30", "enter")
        view = screen(app).query_one(SentenceView)
        w = view.window
        assert w.head == 1 and w.start > 0
        x0 = view.content_region.x - view.region.x
        y = view.content_region.y - view.region.y + 1  # the first text line under "↑ more"
        await pilot.press("escape")
        await pilot.mouse_down("#sentence", offset=(x0, y))
        await pilot.hover("#sentence", offset=(x0 + 20, y))
        await pilot.mouse_up("#sentence", offset=(x0 + 20, y))
        await pilot.pause()
        sel = screen(app).selection
        assert sel is not None and sel[0] >= w.start
        line = view.window.content.plain.split("\n")[1]
        assert selected(app) is not None and line.startswith(selected(app).split()[0])  # type: ignore[union-attr]


async def test_new_keys_are_rebindable(fr_app: App) -> None:
    app = fr_app(keymap={"count-3": "alt+t", "find-words-right": "alt+n"})
    async with app.run_test() as pilot:
        await pilot.press("j", "s", "g", "e", "alt+n")
        assert selected(app) == "g\u00e9n\u00e9raux annoncent"
        await pilot.press("alt+t", "shift+right")
        assert selected(app) == "g\u00e9n\u00e9raux annoncent d\u2019\u00e9normes pertes pour"


# --------------------------------------------------------------------- the keystroke count
class Counting:
    """Presses keys through Pilot and counts them (the figure written in the README)."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.keys: list[str] = []

    async def press(self, *keys: str) -> None:
        self.keys.extend(keys)
        await self.pilot.press(*keys)


async def test_typical_sentence_takes_at_most_eight_keys(tmp_path: Path) -> None:
    """The bundled demo and default scheme: a sentence with one frame and a three-word span
    that no cue suggests ("crient au scandale"), labelled and marked done."""
    from annotator.core.scheme import DEFAULT_SCHEME, find_scheme_source, load_scheme_file
    from annotator.services.importing import import_paths

    db = tmp_path / "demo.db"
    store = Store.open(db)
    scheme = load_scheme_file(find_scheme_source(DEFAULT_SCHEME))
    store.schemes.add(scheme)
    demo = Path(__file__).resolve().parents[2] / "annotator" / "demo" / "articles.jsonl"
    import_paths(store, [demo])
    store.close()
    app = make_app(db, scheme.name, "alice")
    async with app.run_test() as pilot:
        while "crient au scandale" not in app.session.sentence["text"]:
            await pilot.press("j")
        sid = app.session.sentence["id"]
        assert not any(
            "crient" in app.session.sentence["text"][g.start : g.end]
            for g in app.session.suggestions()
        ), "the span must have no cue"
        keys = Counting(pilot)
        await keys.press("3")  # frame: Political
        await keys.press("s", "c", "r", "shift+right", "shift+right")  # « crient au scandale »
        await keys.press("l")  # Loaded_Language
        await keys.press("enter")  # done, next sentence
        assert len(keys.keys) <= 8, keys.keys
        assert app.session.sentence["id"] != sid
    store = Store.open(db)
    aid = store.schemes.annotator_id("alice")
    got = sorted((a["level"], a["label"]) for a in store.annotations.current(aid, sentence_id=sid))
    assert got == [("sentence", "Political"), ("span", "Loaded_Language")]
    (span,) = [a for a in store.annotations.current(aid, sentence_id=sid) if a["level"] == "span"]
    text = store.corpus.document(span["document_id"])["text"]  # type: ignore[index]
    assert text[span["start"] : span["end"]] == "crient au scandale"
    assert store.progress.row(aid, sid)["status"] == "done"  # type: ignore[index]
    store.close()
    print(f"keystrokes for a typical sentence: {len(keys.keys)} ({' '.join(keys.keys)})")


async def test_search_hits_highlight_the_query_folded(fr_app: App) -> None:
    from textual.widgets import OptionList

    from annotator.tui.dialogs import SearchScreen

    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("slash", *"d'enormes", "enter")
        assert isinstance(app.screen, SearchScreen)
        ol = app.screen.query_one("#search-results", OptionList)
        prompt = ol.get_option_at_index(0).prompt
        assert not isinstance(prompt, str)
        text = prompt.plain  # type: ignore[union-attr]
        marked = [text[s.start : s.end] for s in prompt.spans if "accent" in str(s.style)]  # type: ignore[union-attr]
        assert marked == ["d\u2019\u00e9normes"], (text, prompt.spans)  # type: ignore[union-attr]


async def test_alt_digit_counts_as_terminals_send_them(fr_app: App) -> None:
    """VTE terminals and xterm.js (under `annotator serve`) send alt+3 as ESC 3, which Textual's
    parser reads as "£" (macOS's option+3): it is a count all the same."""
    from textual._xterm_parser import XTermParser

    from annotator.tui.keys import ALT_DIGIT_CHARACTERS

    def as_sent(n: int) -> str:
        parser = XTermParser(debug=False)
        (key,) = [*parser.feed(f"\x1b{n}"), *parser.feed("")]
        assert ALT_DIGIT_CHARACTERS[key.character] == n  # type: ignore[attr-defined]
        return str(key.key)  # type: ignore[attr-defined]

    assert sorted(ALT_DIGIT_CHARACTERS.values()) == list(range(2, 10))
    app = fr_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "v", as_sent(3), "shift+right")
        assert selected(app) == "Les g\u00e9n\u00e9raux annoncent d\u2019\u00e9normes"
        await pilot.press("shift+right", as_sent(2), "right")  # as alt+2 in the test above
        assert selected(app) == "un"
