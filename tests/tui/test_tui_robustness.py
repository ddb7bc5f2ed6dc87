"""Terminal robustness of the annotation screen (Pilot): resizing to tiny and back, huge pastes
into the search and note fields, unknown keys, ctrl+c. No crash, no lost label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.widgets import Input

from annotator.store import DatabaseError, Store
from annotator.tui.app import AnnotatorApp
from tests.tui.conftest import rendered


def state(db: Store, name: str = "alice") -> list[tuple[Any, ...]]:
    """This annotator's current annotations and progress, read from the file."""
    aid = db.schemes.annotator_id(name)
    anns = db.db.query(
        'SELECT label_set, label, sentence_id, start, "end" FROM annotations '
        "WHERE annotator_id = ? AND removed_at IS NULL ORDER BY id", [aid])
    prog = db.db.query(
        "SELECT sentence_id, status, flag, note FROM progress WHERE annotator_id = ? "
        "ORDER BY sentence_id", [aid])
    return [tuple(r.values()) for r in anns + prog]


async def label_a_little(app: AnnotatorApp, pilot: Any) -> None:
    await pilot.press("j", "1", "2")  # two sentence labels on sentence 2
    await pilot.press("s", *"fraternité", "enter", "l")  # a span
    await pilot.press("d", "h", "escape")  # a document label


async def test_resize_to_tiny_and_back(new_app: Callable[..., AnnotatorApp], db: Store) -> None:
    app = new_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await label_a_little(app, pilot)
        before = state(db)
        assert len(before) >= 4
        for w, h in [(20, 5), (1, 1), (59, 17), (200, 60), (10, 40), (100, 36)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
            if w < 60 or h < 18:
                assert "Terminal too small" in rendered(app, "too-small")
                await pilot.press("1", "x", "space")  # label keys do nothing while tiny
        await pilot.pause()
        assert state(db) == before
        assert "✓Security_and_defense" in rendered(app, "labels")
        await pilot.press("3")  # and work again at full size
        assert len(state(db)) == len(before) + 1


async def test_huge_paste_into_note_and_search(new_app: Callable[..., AnnotatorApp],
                                               db: Store) -> None:
    huge = ("fraternité invincible " * 50_000).strip()  # about 1 MB on one line
    app = new_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await label_a_little(app, pilot)
        sid = app.session.sentence_id
        before = state(db)
        # Note: paste a huge line, plus more lines, then save.
        await pilot.press("c")
        focused = app.focused
        assert isinstance(focused, Input)
        focused.post_message(events.Paste(huge + "\nsecond line\nthird"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        note = db.progress.row(db.schemes.annotator_id("alice"), sid)["note"]
        assert note is not None and note.startswith("fraternité invincible") and len(note) > 1000
        # Search: a huge query, then escape.
        await pilot.press("slash")
        focused = app.focused
        assert isinstance(focused, Input)
        focused.post_message(events.Paste(huge))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # Every label is still there; only the note was added.
        after = state(db)
        assert [r for r in after if r[0] in ("frame", "technique", "stance")] == \
            [r for r in before if r[0] in ("frame", "technique", "stance")]
        await pilot.press("3")
        assert "✓Morality" in rendered(app, "labels")


async def test_unknown_keys_change_nothing(new_app: Callable[..., AnnotatorApp],
                                           db: Store) -> None:
    app = new_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await label_a_little(app, pilot)
        before = state(db)
        where = app.session.sentence_id
        unknown = ["b", "e", "r", "t", "w", "x", "z", "B", "Z", "é", "€", "0", "5", "#", "!",
                   "f5", "f12", "insert", "home", "end", "ctrl+b", "ctrl+e", "ctrl+t",
                   "ctrl+w", "alt+x", "shift+up", "ctrl+shift+x"]
        for key in unknown * 3:
            await pilot.press(key)
        await pilot.pause()
        assert state(db) == before
        assert app.session.sentence_id == where
        assert app.is_running
        assert "✓Security_and_defense" in rendered(app, "labels")


async def test_ctrl_c_keeps_everything(new_app: Callable[..., AnnotatorApp], db: Store) -> None:
    app = new_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await label_a_little(app, pilot)
        before = state(db)
        await pilot.press("ctrl+c")
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert state(db) == before
    # A new session sees the same labels and resumes on the same sentence.
    again = new_app()
    async with again.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        assert again.session.sentence_id == app.session.sentence_id
        assert "✓Security_and_defense" in rendered(again, "labels")
    assert state(db) == before


async def test_disk_full_mid_session_keeps_the_screen_alive(
    new_app: Callable[..., AnnotatorApp], db: Store
) -> None:
    app = new_app()
    store = app.session.store
    async with app.run_test(size=(100, 36)) as pilot:
        await label_a_little(app, pilot)
        before = state(db)
        # Let the file grow by one page at most, then fill it.
        store.db.execute(f"PRAGMA max_page_count = {store.db.scalar('PRAGMA page_count') + 1}")
        store.db.execute("CREATE TABLE filler (x)")
        for size in (1000, 100, 10, 1):
            try:
                for _ in range(100_000):
                    store.db.execute(f"INSERT INTO filler VALUES (zeroblob({size}))")
            except DatabaseError:
                pass
        for key in "232323232323232323232323232323":
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running
        assert "not saved" in str(app.screen.message).lower()  # type: ignore[attr-defined]
        # Nothing shown is missing from the file.
        shown = rendered(app, "labels")
        for label in ("Economic", "Morality"):
            if f"✓{label}" in shown:
                assert any(r[1] == label for r in state(db))
        assert [r for r in state(db) if r[0] == "technique"] == \
            [r for r in before if r[0] == "technique"]
