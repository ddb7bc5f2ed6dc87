"""The annotation screen in a campaign: it follows the annotator's queue (shared documents
first), `g` still opens any document but says it is not assigned, and without assignments
nothing changes. Pilot on a real database; moves checked on what the screen shows and on the
database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.store import Store
from annotator.tui.app import AnnotatorApp
from annotator.tui.dialogs import DocumentPanel

from .conftest import rendered

App = Callable[..., AnnotatorApp]


def assign(path: Path) -> None:
    """alice: document 1, and document 3 shared; bob: document 2, and document 3 shared."""
    with Store.open(path) as s:
        alice, bob = s.schemes.annotator_id("alice"), s.schemes.annotator_id("bob")
        s.assignments.add([(alice, 1, False), (bob, 2, False)], shared_documents=[3])
        s.assignments.add([(alice, 3, True), (bob, 3, True)])


def at(app: AnnotatorApp) -> tuple[int, int]:
    s: dict[str, Any] = app.session.sentence
    return int(s["document_id"]), int(s["idx"])


async def test_screen_follows_the_queue_shared_first(
    new_app: App, corpus: Path, db: Store
) -> None:
    assign(corpus)
    app = new_app()
    async with app.run_test() as pilot:
        assert at(app) == (3, 0)  # the shared document comes first, though last in the corpus
        assert "your queue: 2 document(s), 1 shared first" in rendered(app, "message")
        header = rendered(app, "header")
        assert "queue 1/2 shared · sentence 1/3" in header
        assert "0/9 done" in header  # the queue's sentences, not the corpus's 12
        assert app.size.width == 80 and all(len(ln) <= 78 for ln in header.splitlines())
        await pilot.press("N")
        assert at(app) == (1, 0)
        assert "queue 2/2 · sentence 1/6" in rendered(app, "header")
        await pilot.press("N")
        assert at(app) == (1, 0)
        assert "last document of your queue" in rendered(app, "message")
        await pilot.press("P")
        assert at(app) == (3, 0)
        # Sentence by sentence, a document's edge leads to the queue's next document (the
        # corpus has nothing after document 3), and back.
        await pilot.press("j", "j", "j")
        assert isinstance(app.screen, DocumentPanel)  # leaving it asks its required label
        await pilot.press("i", "escape")
        assert at(app) == (1, 0)
        await pilot.press("k")
        assert at(app) == (3, 2)

        # g opens a document outside the queue, and says so; N comes back to the queue.
        await pilot.press("g", *"2", "enter")
        assert at(app) == (2, 0)
        assert "not in your queue" in rendered(app, "message")
        assert "not in your queue" in rendered(app, "header")
        await pilot.press("N")
        assert at(app) == (3, 0)

        # Finish the shared document: done on its last sentence goes on in the queue.
        await pilot.press("enter", "enter", "enter")
        assert at(app) == (1, 0)
        assert "3/9 done" in rendered(app, "header")
        aid = db.schemes.annotator_id("alice")
        assert db.assignments.finished(aid) == {3}
        # n: the next sentence not done, in queue order.
        await pilot.press("enter", "k")
        assert at(app) == (1, 0)
        await pilot.press("n")
        assert at(app) == (1, 1)
        await pilot.press("q")

    # Reopened: the first unfinished assigned document, at its first sentence not done.
    again = new_app()
    async with again.run_test() as pilot:
        assert at(again) == (1, 1)
        await pilot.press("q")


async def test_without_own_assignment_the_whole_corpus_as_today(
    new_app: App, corpus: Path
) -> None:
    assign(corpus)  # alice and bob have queues; carol has none
    app = new_app("carol")
    async with app.run_test() as pilot:
        assert at(app) == (1, 0)
        header = rendered(app, "header")
        assert "doc 1/3 · sentence 1/6" in header and "0/12 done" in header
        assert "queue" not in header and "queue" not in rendered(app, "message")
        await pilot.press("N", "N")
        assert at(app) == (3, 0)
        await pilot.press("g", *"2", "enter")
        assert "not in your queue" not in rendered(app, "message")
        await pilot.press("q")
