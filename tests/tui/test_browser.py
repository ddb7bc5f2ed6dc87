"""The document browser (ctrl+o), next flagged / next with note, and the note under the sentence
(issue 14, item 5). Checked through the real app (Pilot) on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotator.services.browse import DocumentList, FilterError, parse_filter
from annotator.store import Store
from annotator.tui.app import AnnotateScreen, AnnotatorApp
from annotator.tui.browser import BrowserScreen, DocumentTable

from .conftest import rendered

App = Callable[..., AnnotatorApp]


def browser(app: AnnotatorApp) -> BrowserScreen:
    screen = app.screen
    assert isinstance(screen, BrowserScreen), type(screen)
    return screen


def shown(app: AnnotatorApp) -> list[int]:
    return [r.id for r in browser(app).documents.shown]


def table_lines(app: AnnotatorApp) -> list[str]:
    table = app.screen.query_one(DocumentTable)
    n = len(table.documents.shown)
    return [table.render_line(y).text for y in range(min(n, table.size.height))]


def sentence_of(db: Store, document_id: int, idx: int) -> int:
    sid = db.corpus.sentence_at(document_id, idx)
    assert sid is not None
    return sid


def mark(db: Store, document_id: int, idx: int, *, flag: bool = False, note: str = "") -> None:
    """Flags and notes written by alice in an earlier session (another handle on the file)."""
    aid = db.schemes.annotator_id("alice")
    scheme_id, _ = db.schemes.load()
    sid = sentence_of(db, document_id, idx)
    if flag:
        db.progress.set_flag(aid, scheme_id, sid, True)
    if note:
        db.progress.set_note(aid, scheme_id, sid, note)


async def test_browser_lists_filters_and_opens(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("ctrl+o")
        assert shown(app) == [1, 2, 3]
        lines = table_lines(app)
        assert "Le front de l'Est" in lines[0] and "Le Test" in lines[0]
        assert "2024-03-02" in lines[1] and "0/3" in lines[1]
        # Accents and case folded: "deuxieme" finds « Deuxième article ».
        await pilot.press(*"DEUXIEME")
        assert shown(app) == [2]
        await pilot.press("enter")
        assert isinstance(app.screen, AnnotateScreen)
        assert app.session.document_id == 2
        assert app.session.sentence["idx"] == 0
        # Escape closes without moving; the cursor starts on the current document.
        await pilot.press("ctrl+o")
        assert browser(app).query_one(DocumentTable).cursor == 1
        await pilot.press("escape")
        assert isinstance(app.screen, AnnotateScreen) and app.session.document_id == 2


async def test_browser_sorts_by_column(new_app: App) -> None:
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("ctrl+o", "tab")  # by date, oldest first
        assert browser(app).documents.sort == "date"
        assert shown(app) == [1, 2, 3]
        await pilot.press("shift+tab")  # newest first
        assert shown(app) == [3, 2, 1]
        await pilot.press("tab")  # by source: La Gazette, then Le Test (ties: import order)
        assert shown(app) == [2, 1, 3]
        assert "source ▲" in str(app.screen.query_one("#browser-header").render())
        # The cursor stays on the document it was on (document 1, the current one).
        assert browser(app).query_one(DocumentTable).cursor == 1
        await pilot.press("tab", "tab")  # by progress, then flags
        assert browser(app).query_one(DocumentTable).current.id == 1  # type: ignore[union-attr]
        await pilot.press("enter")
        assert app.session.document_id == 1


async def test_browser_shows_progress_flags_and_notes(new_app: App, db: Store) -> None:
    mark(db, 1, 2, flag=True)
    mark(db, 3, 1, note="vérifier la source")
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("enter")  # done: 1 of document 1's sentences
        await pilot.press("ctrl+o")
        lines = table_lines(app)
        assert "1/6" in lines[0]
        assert "vérifier la source" in lines[2]
        await pilot.press(*"is:flagged")
        assert shown(app) == [1]
        await pilot.press(*["backspace"] * len("is:flagged"), *"note:verifier")
        assert shown(app) == [3]
        await pilot.press(*["backspace"] * len("note:verifier"), *"is:todo gazette")
        assert shown(app) == [2]


async def test_browser_filters_by_label(new_app: App, db: Store) -> None:
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("N", "2")  # document 2: Economic
        await pilot.press("ctrl+o", *"label:economic")
        assert shown(app) == [2]
        await pilot.press(*["backspace"] * 20, *"is:nonsense")
        assert "is:nonsense: use one of" in str(app.screen.query_one("#browser-title").render())


async def test_next_flagged_and_next_with_note(new_app: App, db: Store) -> None:
    mark(db, 1, 4, flag=True)
    mark(db, 3, 0, flag=True)
    mark(db, 2, 1, note="à revoir")
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+f")
        assert app.session.sentence_id == sentence_of(db, 1, 4)
        await pilot.press("ctrl+f")
        assert app.session.sentence_id == sentence_of(db, 3, 0)
        await pilot.press("ctrl+f")  # wraps
        assert app.session.sentence_id == sentence_of(db, 1, 4)
        await pilot.press("ctrl+e")
        assert app.session.sentence_id == sentence_of(db, 2, 1)
        # The note's text is shown under the sentence.
        assert "à revoir" in rendered(app, "legend")
        await pilot.press("ctrl+e")
        assert "only sentence with a note" in rendered(app, "message")


async def test_no_flag_says_so(new_app: App) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+f")
        assert "no flagged sentence" in rendered(app, "message")


async def test_note_stays_under_the_sentence_in_a_small_terminal(new_app: App) -> None:
    """Many spans on a small terminal: span lines are left out, the note is not."""
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "v", "l")
        for _ in range(5):
            await pilot.press("right", "m")
        await pilot.press("escape", "c", *"relire", "enter")
        legend = rendered(app, "legend")
        assert "more line(s)" in legend
        assert legend.rstrip().endswith("relire")


def test_filter_words() -> None:
    assert parse_filter("Réveil  is:fl source:Gazette label:") == [
        ("", "reveil"), ("is", "flagged"), ("source", "gazette")]
    for bad in ("is:", "is:xyz"):
        try:
            parse_filter(bad)
        except FilterError:
            continue
        raise AssertionError(bad)


def test_document_list_reads_the_annotators_own_marks(corpus: Any) -> None:
    """Blind: bruno's flags and notes are not alice's."""
    db = Store.open(corpus)
    scheme_id, _ = db.schemes.load()
    bruno = db.schemes.annotator_id("bruno")
    alice = db.schemes.annotator_id("alice")
    db.progress.set_note(bruno, scheme_id, sentence_of(db, 1, 0), "secret")
    rows = DocumentList.load(db, alice).rows
    assert [r.notes for r in rows] == [0, 0, 0]
    docs = DocumentList.load(db, bruno)
    assert [r.notes for r in docs.rows] == [1, 0, 0]
    docs.apply("secret")
    assert [r.id for r in docs.shown] == [1]
    db.close()


def document_marks(db: Store, annotator: str, document_id: int, *, flag: bool = False,
                   note: str | None = None) -> None:
    """A flag or note on a whole document (document_progress), written as a merge or an import
    of another tool's export writes it (the store's bulk API)."""
    db.db.bulk_insert("document_progress", [{
        "annotator_id": db.schemes.annotator_id(annotator), "document_id": document_id,
        "status": "seen", "flag": int(flag), "note": note,
        "updated_at": "2026-01-01T00:00:00Z",
    }])


async def test_browser_counts_flags_and_notes_on_the_whole_document(
    new_app: App, db: Store
) -> None:
    document_marks(db, "alice", 2, flag=True, note="article douteux")
    document_marks(db, "bruno", 3, flag=True, note="secret de bruno")  # blind: not alice's
    mark(db, 3, 1, note="vérifier la source")
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("ctrl+o")
        lines = table_lines(app)
        assert "document: article douteux" in lines[1], lines[1]
        assert "secret" not in "".join(lines)
        await pilot.press(*"is:flagged")
        assert shown(app) == [2]
        await pilot.press(*["backspace"] * len("is:flagged"), *"is:noted")
        assert shown(app) == [2, 3]
        await pilot.press(*["backspace"] * len("is:noted"), *"note:douteux")
        assert shown(app) == [2]
    rows = DocumentList.load(db, db.schemes.annotator_id("alice")).rows
    assert [(r.flags, r.notes) for r in rows] == [(0, 0), (1, 1), (0, 1)]


async def test_browser_marks_the_campaign_queue(new_app: App, db: Store) -> None:
    alice, bob = db.schemes.annotator_id("alice"), db.schemes.annotator_id("bob")
    db.assignments.add([(alice, 1, False), (bob, 2, False)], shared_documents=[3])
    db.assignments.add([(alice, 3, True), (bob, 3, True)])
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("ctrl+o")
        assert "your queue" in str(app.screen.query_one("#browser-title").render())
        lines = table_lines(app)
        assert [line.startswith("●") for line in lines] == [True, False, True], lines
        await pilot.press(*"is:assigned")
        assert shown(app) == [1, 3]
    carol = new_app("carol")  # no queue: no marker column, the list as before
    async with carol.run_test(size=(140, 30)) as pilot:
        await pilot.press("ctrl+o")
        assert not any(line.startswith("●") for line in table_lines(carol))
        assert "your queue" not in str(carol.screen.query_one("#browser-title").render())
