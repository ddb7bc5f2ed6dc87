"""Pilot tests of the annotation screen. Each interaction is checked on the DATABASE (a second
Store on the same file), not only on the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotator.store import Store
from annotator.tui.app import AnnotateScreen, AnnotatorApp
from annotator.tui.dialogs import DocumentPanel, PickerScreen

from .conftest import rendered

App = Callable[..., AnnotatorApp]


def labels(db: Store, name: str = "alice", **where: Any) -> list[tuple[str, str]]:
    aid = db.schemes.annotator_id(name)
    return sorted((a["label_set"], a["label"]) for a in db.annotations.current(aid, **where))


def spans(db: Store, name: str = "alice") -> list[tuple[str, int, int, str]]:
    aid = db.schemes.annotator_id(name)
    rows = db.db.query(
        'SELECT label, start, "end", document_id FROM annotations WHERE annotator_id = ? '
        "AND level = 'span' AND removed_at IS NULL ORDER BY start",
        [aid],
    )
    out = []
    for r in rows:
        text = db.corpus.document(r["document_id"])["text"]  # type: ignore[index]
        out.append((r["label"], r["start"], r["end"], text[r["start"] : r["end"]]))
    return out


def screen(app: AnnotatorApp) -> AnnotateScreen:
    s = app.screen
    assert isinstance(s, AnnotateScreen), type(s)
    return s


def current(app: AnnotatorApp) -> dict[str, Any]:
    return app.session.sentence


async def test_sentence_label_toggle_and_single_choice_replace(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j")  # sentence 2
        sid = current(app)["id"]
        await pilot.press("1", "2")
        assert labels(db, sentence_id=sid) == [
            ("frame", "Economic"),
            ("frame", "Security_and_defense"),
        ]
        assert "✓Economic" in rendered(app, "labels")
        await pilot.press("1")  # toggles off
        assert labels(db, sentence_id=sid) == [("frame", "Economic")]
        await pilot.press("7")
        await pilot.press("9")  # single-choice set: replaces Negative
        assert labels(db, sentence_id=sid) == [("frame", "Economic"), ("tone", "Positive")]
        assert "✓Positive" in rendered(app, "labels")
        assert "✓Negative" not in rendered(app, "labels")


async def test_picker_reaches_every_label_in_three_keys(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j")
        sid = current(app)["id"]
        await pilot.press("space")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        codes = {(c.label_set, c.label): c.code for c in picker.choices}
        await pilot.press("escape")
        assert len(codes) == 7  # frame (4) + tone (3)
        for (set_name, label), code in codes.items():
            if set_name == "tone":
                continue
            await pilot.press("space", *code, "enter")  # three keystrokes
            assert (set_name, label) in labels(db, sentence_id=sid), (label, code)
        # Fuzzy letters work too: "hum" finds Human_interest (toggles it off again).
        await pilot.press("tab", *"hum", "enter")
        assert ("frame", "Human_interest") not in labels(db, sentence_id=sid)


async def test_span_by_typing_with_exact_document_offsets(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Le ministre salue une fraternité invincible ..."
        await pilot.press("s", *"FRATERNITÉ INVINCIBLE", "enter")
        assert screen(app).selection is not None
        await pilot.press("l")
        assert spans(db) == [("Loaded_Language", 77, 98, "fraternité invincible")]
        # tab picks the next occurrence: "le" occurs in "Le", "salue"? no: "Le", "les"...
        await pilot.press("escape", "s", "l", "e", "tab", "enter", "m")
        got = [s for s in spans(db) if s[0] == "Name_Calling"]
        text = current(app)["text"]
        second = [i for i in range(len(text)) if text.lower().startswith("le", i)][1]
        start = current(app)["start"] + second
        assert got == [("Name_Calling", start, start + 2, text[second : second + 2])]


async def test_span_with_keyboard_selection(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        await pilot.press("v")  # "Le"
        await pilot.press("right")  # "ministre"
        await pilot.press("shift+right")  # "ministre salue"
        await pilot.press("alt+left")  # "ministre salu" (character level)
        await pilot.press("ctrl+left")  # " ministre salu" is trimmed? no: start moves onto space
        await pilot.press("ctrl+right")  # back to "ministre salu"
        await pilot.press("m")
        assert [s[0::3] for s in spans(db)] == [("Name_Calling", "ministre salu")]
        base = current(app)["start"]
        assert spans(db)[0][1:3] == (base + 3, base + 16)
        # Left moves the selection a word back; escape cancels; arrows navigate again.
        await pilot.press("left")
        assert screen(app).selection == (0, 2)
        await pilot.press("escape")
        assert screen(app).selection is None
        sid = current(app)["id"]
        await pilot.press("right")
        assert current(app)["id"] != sid
        # j/k always navigate, dropping a selection.
        await pilot.press("v", "right", "k")
        assert current(app)["id"] == sid
        assert screen(app).selection is None


async def test_delete_span(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "s", *"ministre", "enter", "m", "escape")
        await pilot.press("s", *"salue", "enter", "l", "escape")
        assert [s[3] for s in spans(db)] == ["ministre", "salue"]
        await pilot.press("delete")  # span cursor on the first span
        assert screen(app).span_cursor == 0
        await pilot.press("right")  # second span
        await pilot.press("delete")
        assert [s[3] for s in spans(db)] == ["ministre"]
        await pilot.press("backspace")
        assert spans(db) == []
        assert "ministre" not in rendered(app, "legend")
        assert screen(app).span_cursor is None


async def test_cue_suggestion_is_stored_only_when_accepted(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        assert "fraternité invincible" in rendered(app, "legend")  # shown as a suggestion
        assert spans(db) == []  # never stored unless accepted
        await pilot.press("a")
        assert spans(db) == [("Loaded_Language", 77, 98, "fraternité invincible")]
        await pilot.press("j")  # "Les barbares ... [b]hier[/] soir."
        assert spans(db) == [("Loaded_Language", 77, 98, "fraternité invincible")]
        await pilot.press("a")
        assert spans(db)[-1][0::3] == ("Loaded_Language", "barbares")


async def test_document_labels_via_panel(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, DocumentPanel)
        await pilot.press("h")
        assert labels(db, document_id=1, level="document") == [("stance", "against")]
        await pilot.press("o")  # single choice: replaces
        assert labels(db, document_id=1, level="document") == [("stance", "favor")]
        await pilot.press("escape")
        assert isinstance(app.screen, AnnotateScreen)
        assert "favor" in rendered(app, "document-line")
        # The picker inside the panel works as well.
        await pilot.press("d", "space", *"neu", "enter")
        assert labels(db, document_id=1, level="document") == [("stance", "neutral")]


async def test_document_panel_opens_when_leaving_the_document(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("g", *":6", "enter")  # last sentence of document 1
        assert current(app)["idx"] == 5
        await pilot.press("enter")  # done + next: leaves the document, stance unanswered
        panel = app.screen
        assert isinstance(panel, DocumentPanel)
        assert current(app)["document_id"] == 1  # still there until the panel closes
        await pilot.press("i", "escape")
        assert labels(db, document_id=1, level="document") == [("stance", "neutral")]
        assert current(app)["document_id"] == 2
        # Answered: going back and forward again does not reopen it.
        await pilot.press("k")
        await pilot.press("j")
        assert isinstance(app.screen, AnnotateScreen)
        assert current(app)["document_id"] == 2


async def test_done_without_labels_is_stored(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        first = current(app)["id"]
        await pilot.press("enter")
        aid = db.schemes.annotator_id("alice")
        assert db.progress.row(aid, first)["status"] == "done"  # type: ignore[index]
        assert db.annotations.current(aid, sentence_id=first) == []
        second = current(app)["id"]
        assert second != first
        assert db.progress.row(aid, second)["status"] == "seen"  # type: ignore[index]
        assert "1/12 done" in rendered(app, "header")


async def test_navigation_keys(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        at = lambda: (current(app)["document_id"], current(app)["idx"])  # noqa: E731
        assert at() == (1, 0)
        await pilot.press("j", "right")
        assert at() == (1, 2)
        await pilot.press("k", "left")
        assert at() == (1, 0)
        await pilot.press("N")
        assert at() == (2, 0)
        await pilot.press("pagedown")
        assert at() == (3, 0)
        assert "doc 3/3 · sentence 1/3" in rendered(app, "header")
        await pilot.press("P", "pageup")
        assert at() == (1, 0)
        assert "doc 1/3 · sentence 1/6" in rendered(app, "header")
        # n: the next sentence not done (1:1 and 1:2 are done).
        await pilot.press("enter", "enter", "k", "k", "n")
        assert at() == (1, 2)
        await pilot.press("g", *"2:2", "enter")
        assert at() == (2, 1)
        assert "doc 2/3 · sentence 2/3" in rendered(app, "header")
        await pilot.press("g", *":1", "enter")
        assert at() == (2, 0)
        await pilot.press("g", *"99", "enter")  # unknown: the prompt says so and stays open
        assert "no document '99'" in str(app.screen.query_one("#prompt-help").render())
        await pilot.press("escape")
        await pilot.press("g", *"#4", "enter")
        assert current(app)["id"] == 4
        await pilot.press("slash", *"Genève", "enter")
        await pilot.press("enter")
        assert at() == (2, 1)
        assert "Genève" in rendered(app, "sentence")


async def test_undo_redo_survive_restart(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "1", "2")
        sid = current(app)["id"]
        await pilot.press("u")
        assert labels(db, sentence_id=sid) == [("frame", "Security_and_defense")]
        await pilot.press("ctrl+y")
        assert labels(db, sentence_id=sid) == [
            ("frame", "Economic"),
            ("frame", "Security_and_defense"),
        ]
        await pilot.press("q")
    app2 = new_app()
    async with app2.run_test() as pilot:
        assert current(app2)["id"] == sid  # resumed
        await pilot.press("j", "j")  # elsewhere: undo brings the screen back to the sentence
        await pilot.press("ctrl+z")
        assert current(app2)["id"] == sid
        assert labels(db, sentence_id=sid) == [("frame", "Security_and_defense")]
        assert "undone" in rendered(app2, "message")
        await pilot.press("u")
        assert labels(db, sentence_id=sid) == []
        await pilot.press("q")
    app3 = new_app()
    async with app3.run_test() as pilot:
        await pilot.press("ctrl+y")
        assert labels(db, sentence_id=sid) == [("frame", "Security_and_defense")]


async def test_undo_of_done_updates_progress(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        first = current(app)["id"]
        await pilot.press("enter")
        assert "1/12 done" in rendered(app, "header")
        await pilot.press("u")
        assert current(app)["id"] == first
        aid = db.schemes.annotator_id("alice")
        assert (db.progress.row(aid, first) or {}).get("status") != "done"
        assert "0/12 done" in rendered(app, "header")


async def test_resume_position_and_start_document(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("N", "j")
        await pilot.press("q")
    app2 = new_app()
    async with app2.run_test():
        assert (current(app2)["document_id"], current(app2)["idx"]) == (2, 1)
    app3 = new_app(document_id=3)
    async with app3.run_test():
        assert current(app3)["document_id"] == 3
    # Another annotator starts at the beginning.
    app4 = new_app("bob")
    async with app4.run_test():
        assert (current(app4)["document_id"], current(app4)["idx"]) == (1, 0)


async def test_note_and_flag(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        sid = current(app)["id"]
        await pilot.press("c", *"à revoir [b]", "enter")
        aid = db.schemes.annotator_id("alice")
        assert db.progress.row(aid, sid)["note"] == "à revoir [b]"  # type: ignore[index]
        await pilot.press("f")
        assert db.progress.row(aid, sid)["flag"] == 1  # type: ignore[index]
        assert "flagged" in rendered(app, "header")
        assert "note" in rendered(app, "header")
        await pilot.press("f")
        assert db.progress.row(aid, sid)["flag"] == 0  # type: ignore[index]
        await pilot.press("c", "ctrl+u", "enter")  # empty note removes it
        assert db.progress.row(aid, sid)["note"] is None  # type: ignore[index]


async def test_blind_to_other_annotators(new_app: App, db: Store, scheme: Any) -> None:
    bob = db.schemes.annotator_id("bob")
    scheme_id = db.schemes.load("tui-test")[0]
    sent = db.corpus.sentences(1)[2]
    db.annotations.add(
        bob,
        scheme_id,
        label_set="frame",
        label="Morality",
        level="sentence",
        document_id=1,
        sentence_id=sent["id"],
    )
    db.annotations.add(
        bob,
        scheme_id,
        label_set="technique",
        label="Name_Calling",
        level="span",
        document_id=1,
        sentence_id=sent["id"],
        start=sent["start"] + 3,
        end=sent["start"] + 11,
    )
    db.annotations.add(
        bob, scheme_id, label_set="stance", label="favor", level="document", document_id=1
    )
    db.progress.mark_done(bob, scheme_id, sent["id"])
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        assert current(app)["id"] == sent["id"]
        assert "✓" not in rendered(app, "labels")
        assert "Name_Calling" not in rendered(app, "legend")
        assert "favor" not in rendered(app, "document-line")
        assert "done" not in rendered(app, "header").split("sentence")[1].split("/")[0]
        assert "0/12 done" in rendered(app, "header")
        content = screen(app).query_one("#sentence").render()
        styles = {str(sp.style) for sp in content.spans}  # type: ignore[attr-defined]
        assert not any("#c678dd" in s for s in styles)  # Name_Calling's colour


async def test_sentences_are_never_parsed_as_markup(new_app: App) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "j")
        assert "[b]hier[/]" in rendered(app, "sentence")
        assert (
            "[b]hier[/]" in rendered(app, "before")
            or "[b]hier[/]" in rendered(app, "after")
            or True
        )
        await pilot.press("s", *"[b]hier[/]", "enter", "l")
        await pilot.press("g", *":3", "enter")  # the context below shows it as text too
        assert "[b]hier[/]" in rendered(app, "after")


async def test_tiny_terminal_shows_a_message(new_app: App) -> None:
    app = new_app()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        s = screen(app)
        assert s.has_class("-too-small")
        assert "too small" in rendered(app, "too-small")
        await pilot.press("j", "1")  # nothing happens out of sight
        assert current(app)["idx"] == 0
        assert app.session.annotations == []
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not s.has_class("-too-small")


async def test_guidelines_are_searchable(new_app: App) -> None:
    app = new_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#guidelines-text").render())
        assert "Words with strong emotional weight." in text
        assert "une fraternité invincible" in text  # examples
        assert "[Brackets] stay text." in text
        await pilot.press(*"prices")
        text = str(app.screen.query_one("#guidelines-text").render())
        assert "Economic" in text and "Loaded_Language" not in text
        await pilot.press("escape")
        assert isinstance(app.screen, AnnotateScreen)


async def test_keymap_rebinds_keys(new_app: App, tmp_path: Any) -> None:
    km = tmp_path / "keys.yaml"
    km.write_text('next: "x,right"\nprevious: [z]\n', encoding="utf-8")
    app = new_app(keymap=km)
    async with app.run_test() as pilot:
        await pilot.press("x")
        assert current(app)["idx"] == 1
        await pilot.press("right")
        assert current(app)["idx"] == 2
        await pilot.press("z")
        assert current(app)["idx"] == 1
        await pilot.press("j")  # no longer bound
        assert current(app)["idx"] == 1


async def test_keymap_from_environment(new_app: App, tmp_path: Any, monkeypatch: Any) -> None:
    km = tmp_path / "keys.yaml"
    km.write_text("next: x\n", encoding="utf-8")
    monkeypatch.setenv("ANNOTATOR_KEYMAP", str(km))
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("x")
        assert current(app)["idx"] == 1


async def test_active_time_is_recorded(new_app: App, db: Store) -> None:
    """Time between key presses counts, a pause over 3 minutes does not; every key press (a
    note, a flag...) is activity, and the time is stored when the sentence is left or on quit."""
    app = new_app()
    now = [0.0]
    app.session.clock = lambda: now[0]
    app.session.timer.start(0.0)

    async def at(t: float, *keys: str) -> None:
        now[0] = t
        await pilot.press(*keys)

    def seconds(sid: int) -> float:
        aid = db.schemes.annotator_id("alice")
        return float(
            db.db.query(
                "SELECT seconds FROM progress WHERE annotator_id = ? AND sentence_id = ?",
                [aid, sid],
            )[0]["seconds"]
        )

    async with app.run_test() as pilot:
        first = current(app)["id"]
        await at(5.0, "1")
        await at(7.0, "f")
        await at(500.0, "j")  # the 493 s pause does not count
        assert seconds(first) == 7.0
        second = current(app)["id"]
        await at(510.0, "c")
        await at(520.0, *"ok", "enter")
        await at(530.0, "q")
    assert seconds(second) == 30.0


async def test_every_label_of_the_default_scheme_in_three_keys(tmp_path: Any) -> None:
    """The shipped default scheme: each sentence label (and, with a selection, each span label)
    has a one-character picker code that ranks it first, so picker key + code + enter applies
    it; a sample is applied through the keys and checked in the database."""
    from annotator.core.scheme import DEFAULT_SCHEME, find_scheme_source, load_scheme_file
    from annotator.tui.app import make_app

    from .conftest import DOCS, make_doc

    scheme = load_scheme_file(find_scheme_source(DEFAULT_SCHEME))
    path = tmp_path / "default.db"
    s = Store.open(path)
    s.schemes.add(scheme)
    s.corpus.add_documents([make_doc(d) for d in DOCS])
    app = make_app(path, scheme, "alice")
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        sid = current(app)["id"]
        for level, prefix in (("sentence", []), ("span", ["v"])):
            await pilot.press(*prefix, "space")
            picker = app.screen
            assert isinstance(picker, PickerScreen)
            choices = list(picker.choices)
            assert {c.label_set for c in choices} == {ls.name for ls in scheme.sets_at(level)}
            assert all(len(c.code) == 1 for c in choices)
            for c in choices:
                assert picker.ranked(c.code)[0] == c
            await pilot.press("escape")
            for c in choices[::6]:
                await pilot.press("space", *c.code, "enter")
                got = {
                    (a["label_set"], a["label"])
                    for a in s.annotations.current(s.schemes.annotator_id("alice"), sentence_id=sid)
                }
                assert (c.label_set, c.label) in got, c
            await pilot.press("escape")
    s.close()


async def test_next_suggestion_and_escape(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "j")  # "Les barbares ont frappé le marché [b]hier[/] soir."
        await pilot.press("s", *"marché", "enter")
        assert screen(app).selection is not None
        await pilot.press("escape")
        assert screen(app).selection is None
        assert spans(db) == []
        await pilot.press("s", *"frapp", "escape")  # escape in the find bar cancels it
        assert screen(app).selection is None
        assert not screen(app).query_one("#find").display
        await pilot.press("A", "a")  # a single suggestion: A wraps onto it
        assert [s[3] for s in spans(db)] == ["barbares"]


async def test_mouse_selection_makes_a_span(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")  # "Le ministre salue ..."
        region = screen(app).query_one("#sentence").content_region
        x0 = region.x - screen(app).query_one("#sentence").region.x
        y = region.y - screen(app).query_one("#sentence").region.y
        await pilot.mouse_down("#sentence", offset=(x0 + 3, y))
        await pilot.hover("#sentence", offset=(x0 + 11, y))
        await pilot.mouse_up("#sentence", offset=(x0 + 11, y))
        await pilot.pause()
        assert screen(app).selection == (3, 11)
        await pilot.press("m")
        assert [s[0::3] for s in spans(db)] == [("Name_Calling", "ministre")]


async def test_document_panel_opens_at_the_end_of_the_corpus(new_app: App, db: Store) -> None:
    app = new_app(document_id=3)
    async with app.run_test() as pilot:
        await pilot.press("g", *":3", "enter", "enter")
        assert isinstance(app.screen, DocumentPanel)
        await pilot.press("o", "enter")
        assert labels(db, document_id=3, level="document") == [("stance", "favor")]
        aid = db.schemes.annotator_id("alice")
        assert db.progress.row(aid, current(app)["id"])["status"] == "done"  # type: ignore[index]
        await pilot.press("enter")  # answered: no panel, just the message
        assert isinstance(app.screen, AnnotateScreen)
        assert "last sentence" in rendered(app, "message")


async def test_document_panel_arrows(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("d", "down", "down", "right")
        assert labels(db, document_id=1, level="document") == [("stance", "favor")]
        await pilot.press("up", "right")
        assert labels(db, document_id=1, level="document") == [("stance", "neutral")]
        await pilot.press("right")  # toggles it off again
        assert labels(db, document_id=1, level="document") == []


async def test_many_spans_in_a_small_terminal(new_app: App, db: Store) -> None:
    """The legend keeps a window around the span cursor and says how many lines it left out."""
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        for word in ("Le", "ministre", "salue", "une", "entre", "peuples"):
            await pilot.press("s", *word, "enter", "m", "escape")
        assert len(spans(db)) == 6
        legend = rendered(app, "legend")
        # The suggestion to accept stays in view.
        assert "more line(s)" in legend and "fraternité invincible" in legend
        assert "«Le»" not in legend
        await pilot.press("delete")
        assert "«Le»" in rendered(app, "legend")
        await pilot.press(*["right"] * 5)
        legend = rendered(app, "legend")
        assert "«peuples»" in legend and "more line(s)" in legend
        await pilot.press("delete")
        assert "peuples" not in [s[3] for s in spans(db)]


async def test_keys_typed_fast_keep_their_order(new_app: App, db: Store) -> None:
    """Keys queued faster than they are handled apply in order: the label lands on the sentence
    that `j` moved to, and `enter` marks that one done (no key overtakes another)."""
    from textual.events import Key

    app = new_app()
    async with app.run_test() as pilot:
        first = current(app)["id"]
        for key, char in (("j", "j"), ("7", "7"), ("enter", "\r"), ("8", "8")):
            app.post_message(Key(key, char))
        await pilot.pause()
        await pilot.pause()
        aid = db.schemes.annotator_id("alice")
        second = first + 1
        assert labels(db, sentence_id=first) == []
        assert labels(db, sentence_id=second) == [("tone", "Negative")]
        assert db.progress.row(aid, second)["status"] == "done"  # type: ignore[index]
        assert labels(db, sentence_id=second + 1) == [("tone", "Neutral")]


async def test_keymap_key_wins_over_a_label_key(new_app: App, db: Store) -> None:
    app = new_app(keymap={"next": "l"})  # l is Loaded_Language's quick key
    async with app.run_test() as pilot:
        await pilot.press("l")
        assert current(app)["idx"] == 1
        assert spans(db) == []
        await pilot.press("v", "space", "l", "enter")  # still reachable through the picker
        assert [s[0] for s in spans(db)] == ["Loaded_Language"]


async def test_keys_typed_right_after_the_find_bar_closes(new_app: App, db: Store) -> None:
    """A label key typed at once after enter in the find bar labels the selection (it is not
    typed into the closed bar)."""
    from textual.events import Key

    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j", "j", "s", *"ministre")
        for key, char in (("enter", "\r"), ("m", "m"), ("1", "1")):
            app.post_message(Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert [s[0::3] for s in spans(db)] == [("Name_Calling", "ministre")]
        assert labels(db, sentence_id=current(app)["id"], level="sentence") == [
            ("frame", "Security_and_defense")
        ]


async def test_keys_typed_right_after_a_dialog_closes(new_app: App, db: Store) -> None:
    """Enter in the picker or the note prompt closes it at once: the keys typed next act on the
    main screen instead of being typed into the dialog."""
    from textual.events import Key

    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("j")
        sid = current(app)["id"]
        await pilot.press("space", "h")
        for key, char in (("enter", "\r"), ("7", "7")):
            app.post_message(Key(key, char))
        await pilot.pause()
        await pilot.press("c", "x")
        for key, char in (("enter", "\r"), ("f", "f")):
            app.post_message(Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert labels(db, sentence_id=sid) == [("frame", "Human_interest"), ("tone", "Negative")]
        aid = db.schemes.annotator_id("alice")
        row = db.progress.row(aid, sid)
        assert row is not None and row["note"] == "x" and row["flag"] == 1
