"""The document panel (issue 14, item 4): every document set of the shipped schemes answered
with one key per set, and the required-sets line that follows what is answered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.core.scheme import find_scheme_source, load_scheme_file
from annotator.store import Store
from annotator.tui.app import AnnotateScreen, AnnotatorApp, make_app
from annotator.tui.dialogs import DocumentPanel

from .conftest import DOCS, make_doc

App = Callable[..., AnnotatorApp]
SHIPPED = sorted(p.stem for p in (Path(__file__).parents[2] / "schemes").glob("*.yaml"))


def doc_labels(db: Store, document_id: int) -> dict[str, str]:
    aid = db.schemes.annotator_id("alice")
    rows = db.annotations.current(aid, document_id=document_id, level="document")
    return {a["label_set"]: a["label"] for a in rows}


def title_text(app: AnnotatorApp) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#document-title", Static).render())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_document_label_of_the_shipped_schemes_has_a_quick_key(name: str) -> None:
    scheme = load_scheme_file(find_scheme_source(name))
    for ls in scheme.sets_at("document"):
        assert all(lab.key for lab in ls.labels), (name, ls.name)


@pytest.mark.parametrize("name", ["conflict-news", "source-stance"])
async def test_a_whole_article_takes_one_key_per_set(tmp_path: Any, name: str) -> None:
    """In the panel, one key per document set answers the article: the last label of each set
    (the last stance, the last frame...), stored in the database; the required line then says
    that everything is answered."""
    scheme = load_scheme_file(find_scheme_source(name))
    path = tmp_path / "shipped.db"
    db = Store.open(path)
    db.schemes.add(scheme)
    db.corpus.add_documents([make_doc(d) for d in DOCS])
    app = make_app(path, scheme, "alice")
    sets = scheme.sets_at("document")
    async with app.run_test() as pilot:
        await pilot.press("g", *":6", "enter", "enter")  # done on the last sentence: leaving
        assert isinstance(app.screen, DocumentPanel)
        assert "Required before leaving the document: " + ", ".join(
            ls.name for ls in sets) in title_text(app)
        keys = [ls.labels[-1].key for ls in sets]
        await pilot.press(*[k for k in keys if k])
        assert doc_labels(db, 1) == {ls.name: ls.labels[-1].name for ls in sets}
        assert "every required document label is answered" in title_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, AnnotateScreen)
        assert app.session.document_id == 2
    db.close()


async def test_required_line_follows_the_answers(new_app: App, db: Store) -> None:
    """The line names the required sets still unanswered as of now, not when the panel
    opened (it kept naming answered sets)."""
    app = new_app()
    async with app.run_test() as pilot:
        await pilot.press("g", *":6", "enter", "enter")
        assert isinstance(app.screen, DocumentPanel)
        assert "Required before leaving the document: stance" in title_text(app)
        await pilot.press("h")
        assert "stance" not in title_text(app).split("\n", 1)[1]
        assert "every required document label is answered" in title_text(app)
        await pilot.press("h")  # toggled off again: required again
        assert "Required before leaving the document: stance" in title_text(app)
        assert doc_labels(db, 1) == {}


@pytest.mark.parametrize("name", ["conflict-news", "semeval2023-frames", "source-stance"])
def test_a_database_with_version_1_takes_the_keyed_version(tmp_path: Any, name: str) -> None:
    """The keys came with version 2 of these schemes: a database that stored version 1 (same
    sets and labels, fewer keys) stores version 2 beside it instead of refusing new content
    under the old version number."""
    source = find_scheme_source(name)
    text = Path(source).read_text(encoding="utf-8")
    v1 = "\n".join(
        line for line in text.replace("\nversion: 2\n", "\nversion: 1\n").split("\n")
        if not line.strip().startswith("key:")
    )
    old = tmp_path / f"{name}-v1.yaml"
    old.write_text(v1, encoding="utf-8")
    db = Store.open(tmp_path / "old.db")
    db.schemes.add(load_scheme_file(old))
    _, created = db.schemes.add(load_scheme_file(source))
    assert created
    assert db.schemes.load(name)[1].version == 2
    db.close()
