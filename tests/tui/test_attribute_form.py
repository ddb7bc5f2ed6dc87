"""Pilot tests of the attribute form (issue 18): applying a label with attributes opens it; every
value is on disk the moment it is chosen (checked through a second Store on the same file);
autocomplete over the annotator's earlier values, the last value as default, enter to keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.core.scheme import Scheme, parse_scheme
from annotator.store import Store
from annotator.tui.app import AnnotateScreen, AnnotatorApp, make_app
from annotator.tui.attributes import AttributeForm

SCHEME = """\
name: tui-attrs
version: 1
label_sets:
  - name: statement
    level: span
    multiple: true
    labels:
      - {name: Claim, key: l, cues: [barbares]}
      - {name: Denial, key: m}
    attributes:
      - {name: actor, open: true, description: "Who speaks.",
         aliases: {Sergueï Lavrov: [Lavrov, M. Lavrov]}}
      - {name: target, values: [Russia, Ukraine, DPRK, West], multiple: true}
      - {name: agreement, values: [{name: yes, value: 1}, {name: no, value: 0}]}
  - name: tone
    level: sentence
    labels:
      - {name: Negative, key: "7"}
      - {name: Neutral, key: "8"}
    attributes:
      - {name: intensity, scale: ordinal, values: [low, mid, high]}
  - name: frame
    level: sentence
    multiple: true
    labels:
      - {name: Economic, key: "2"}
"""


@pytest.fixture
def scheme() -> Scheme:
    """This module's scheme: conftest's ``corpus`` and ``db`` fixtures use it."""
    return parse_scheme(SCHEME, "tui-attrs.yaml")


def values(db: Store) -> list[tuple[str, str, str]]:
    return [
        (r["label"], r["attribute"], r["value"])
        for r in db.db.query(
            "SELECT label, attribute, value FROM attribute_view ORDER BY attribute_value_id"
        )
    ]


async def claim_on_ministre(pilot: Any) -> None:
    """A Claim span on "ministre" of "Le ministre salue une fraternité invincible ..."."""
    await pilot.press("j", "j")
    await pilot.press("s", *"ministre", "enter", "l")


def form(app: AnnotatorApp) -> AttributeForm:
    assert isinstance(app.screen, AttributeForm), type(app.screen)
    return app.screen


async def test_form_opens_and_stores_each_value_at_once(corpus: Path, scheme: Scheme,
                                                        db: Store) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Le ministre salue une fraternité invincible ..."
        await pilot.press("s", *"ministre", "enter", "l")
        f = form(app)
        assert f.current.name == "actor"
        assert "Who speaks." in str(f.query_one("#attribute-rows").render())
        await pilot.press(*"Maria Zakharova", "enter")  # a new actor: kept as typed
        # on disk before the form closes
        assert values(db) == [("Claim", "actor", "Maria Zakharova")]
        assert form(app).current.name == "target"
        await pilot.press(*"ukr", "enter")  # fuzzy: Ukraine; multiple: stays on target
        await pilot.press(*"west", "enter")
        assert values(db)[1:] == [("Claim", "target", "Ukraine"), ("Claim", "target", "West")]
        assert form(app).current.name == "target"
        await pilot.press("enter")  # empty: move on
        assert form(app).current.name == "agreement"
        await pilot.press("n", "enter")  # "no"; the last attribute closes the form
        assert isinstance(app.screen, AnnotateScreen)
        assert values(db)[-1] == ("Claim", "agreement", "no")
        legend = str(app.screen.query_one("#legend").render())
        assert "actor Maria Zakharova" in legend and "target Ukraine, West" in legend
        assert "agreement no" in legend


async def test_default_is_the_last_value_and_enter_keeps_it(corpus: Path, scheme: Scheme,
                                                            db: Store) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        await pilot.press(*"Volodymyr Zelensky", "enter", "tab", "y", "enter")
        assert isinstance(app.screen, AnnotateScreen)
        # a second statement on another sentence: enter keeps every default
        await pilot.press("j")
        await pilot.press("s", *"barbares", "enter", "l")
        f = form(app)
        assert "enter: Volodymyr Zelensky" in f.query_one("#attribute-input").placeholder
        await pilot.press("enter", "enter", "enter")
        assert isinstance(app.screen, AnnotateScreen)
        rows = db.db.query(
            "SELECT annotation_id, attribute, value FROM attribute_view ORDER BY 1, 2"
        )
        second = [(r["attribute"], r["value"]) for r in rows if r["annotation_id"] == 2]
        # no target was ever chosen, so none is kept; the actor and agreement are
        assert second == [("actor", "Volodymyr Zelensky"), ("agreement", "yes")]


async def test_autocomplete_over_earlier_values_and_aliases(corpus: Path, scheme: Scheme,
                                                            db: Store) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        await pilot.press(*"Volodymyr Zelensky", "enter", "escape")
        await pilot.press("s", *"salue", "enter", "m")
        await pilot.press(*"zel")  # an earlier value, found by a few letters
        f = form(app)
        assert f.shown[:2] == ["zel", "Volodymyr Zelensky"]
        await pilot.press("enter")
        await pilot.press("escape")
        await pilot.press("s", *"fraternité", "enter", "l")
        await pilot.press(*"M. Lav")  # an alias offers its canonical value
        assert "Sergueï Lavrov" in form(app).shown
        await pilot.press("down", "enter", "escape")  # the typed row is first: down picks it
        got = [v for v in values(db) if v[1] == "actor"]
        assert got == [("Claim", "actor", "Volodymyr Zelensky"),
                       ("Denial", "actor", "Volodymyr Zelensky"),
                       ("Claim", "actor", "Sergueï Lavrov")]


async def test_escape_keeps_what_was_chosen_and_undo_reverses_one_value(
    corpus: Path, scheme: Scheme, db: Store
) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        await pilot.press(*"Lavrov", "enter", "r", "enter", "escape")
        assert isinstance(app.screen, AnnotateScreen)
        # an alias typed in full picks its canonical value
        assert values(db) == [("Claim", "actor", "Sergueï Lavrov"),
                              ("Claim", "target", "Russia")]
        await pilot.press("u")  # undo: the last value only
        assert values(db) == [("Claim", "actor", "Sergueï Lavrov")]
        await pilot.press("ctrl+y")
        assert len(values(db)) == 2


async def test_reopen_with_ctrl_e_and_clear_with_backspace(corpus: Path, scheme: Scheme,
                                                           db: Store) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        await pilot.press(*"Lavrov", "enter", "escape")
        # the view's canonical value follows the scheme's aliases too
        await pilot.press("ctrl+a")  # the newest label with attributes
        f = form(app)
        assert f.current.name == "actor"
        await pilot.press("backspace")  # empty input: clears the actor
        assert values(db) == []
        await pilot.press("tab", "tab")
        await pilot.press("y", "enter")
        assert values(db) == [("Claim", "agreement", "yes")]
        # a sentence label with attributes asks them too; its value shows in the label pane
        await pilot.press("7")
        assert form(app).current.name == "intensity"
        await pilot.press("h", "enter")
        assert isinstance(app.screen, AnnotateScreen)
        assert ("Negative", "intensity", "high") in values(db)
        from annotator.tui.label_pane import LabelPane

        assert "intensity high" in app.screen.query_one(LabelPane).labels.plain
        # a label without attributes opens nothing
        await pilot.press("2")
        assert isinstance(app.screen, AnnotateScreen)


async def test_closed_values_cannot_be_typed_in(corpus: Path, scheme: Scheme, db: Store) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        await pilot.press("tab", *"Mars", "enter")  # no such target: nothing matches
        assert form(app).shown == [] and form(app).current.name == "target"  # stays
        assert values(db) == []
        assert "no value matches 'Mars'" in str(app.screen_stack[0].query_one("#message").render())


async def test_keys_arriving_in_one_read_keep_their_order(corpus: Path, scheme: Scheme,
                                                          db: Store) -> None:
    """A fast typist (or a paste) delivers "Lav⏎dp⏎⏎y⏎" in one read: each enter must take the
    letters typed before it, not after (the terminal driver posts the keys at once)."""
    from textual.events import Key

    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await claim_on_ministre(pilot)
        form(app)
        for ch in "Lav\rdp\r\ry\r":
            key = "enter" if ch == "\r" else ch
            app.post_message(Key(key, ch))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        assert values(db) == [("Claim", "actor", "Sergueï Lavrov"), ("Claim", "target", "DPRK"),
                              ("Claim", "agreement", "yes")]


async def test_accepted_suggestion_asks_attributes_and_guidelines_list_them(
    corpus: Path, scheme: Scheme, db: Store
) -> None:
    app = make_app(corpus, scheme, "alice")
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "j")  # "Les barbares ont frappé ...": a cue of Claim
        await pilot.press("a")
        assert form(app).current.name == "actor"
        await pilot.press("escape", "question_mark")
        from annotator.tui.dialogs import guidelines_content

        text = guidelines_content(scheme, "", []).plain
        assert "+ actor: text  Who speaks." in text
        assert "Sergueï Lavrov ← Lavrov, M. Lavrov" in text
        assert "+ target: Russia, Ukraine, DPRK, West (several)" in text
