"""Review, issue 15: the whole article beside document-level decisions, and gold spans edited with
the annotation screen's selection keys (adjusted boundaries, spans no coder proposed), recorded
as such in ``gold.origin``. Every action is driven through Pilot on a real SQLite file and the
stored gold rows are read back from it.

Units of tests/framing_fixture.py used here (see tests/test_review.py for the full list):
  technique on Gazette s2 « Les experts doutent de ces chiffres. »: alice Doubt « doutent »,
  bob nothing; stance on Le Veilleur: alice favor / bob neutral, with spans on the article:
  « mercenaires » Name_Calling by alice and bob, « fraternité invincible » Loaded_Language by
  alice.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from annotator.cli import cli
from annotator.core import adjudicate as adj
from annotator.store import DocumentIn, Store
from annotator.tui.article_pane import ArticlePane, coder_mark, paragraphs
from annotator.tui.review import EditScreen
from tests import test_review as base
from tests.framing_fixture import Framing, build, span_of

framing = base.framing  # the fixture: the framing corpus in a real SQLite file
app_for, text = base.app_for, base.text


def gold_rows(path: Path) -> list[tuple[Any, ...]]:
    """The current gold, read from the file by a connection of its own."""
    with Store.open(path) as other:
        return [
            (r["label_set"], r["label"], r["start"], r["end"], r["origin"], r["choice"],
             r["status"], r["current"])
            for r in other.db.query(
                "SELECT a.label_set, g.label, g.start, g.\"end\", g.origin, a.choice, a.status, "
                "a.superseded_at IS NULL AS current FROM gold g "
                "JOIN adjudications a ON a.id = g.adjudication_id ORDER BY g.id"
            )
        ]


# ------------------------------------------------------------------------------ core
def test_origin_of_gold_items() -> None:
    unit = adj.Unit(
        adj.UnitKey(1, 2, "technique"),
        "span",
        {"a": frozenset({(10, 17, "Doubt")}), "b": frozenset({(30, 40, "Doubt")})},
    )
    assert adj.origin(unit, (10, 17, "Doubt")) == "coder"
    assert adj.origin(unit, (10, 20, "Doubt")) == "adjusted"  # boundaries moved
    assert adj.origin(unit, (10, 17, "Loaded")) == "adjusted"  # relabelled
    assert adj.origin(unit, (17, 30, "Doubt")) == "added"  # touches, does not overlap
    assert not adj.is_edited(unit, [(10, 17, "Doubt"), (30, 40, "Doubt")])
    assert adj.is_edited(unit, [(10, 17, "Doubt"), (50, 52, "Doubt")])
    labels = adj.Unit(adj.UnitKey(1, None, "stance"), "document",
                      {"a": frozenset({"favor"}), "b": frozenset({"neutral"})})
    assert adj.origin(labels, "favor") == "coder" and adj.origin(labels, "against") == "added"


def test_coder_marks_and_paragraphs() -> None:
    assert coder_mark([1, 2]) == "¹²" and coder_mark([3]) == "³"
    assert coder_mark([2, 11]) == "²˙¹¹"
    sents = [
        {"start": 0, "end": 5, "paragraph": 0},
        {"start": 6, "end": 9, "paragraph": 0},
        {"start": 11, "end": 20, "paragraph": 1},
    ]
    assert paragraphs(sents) == [(0, 9), (11, 20)]


# ------------------------------------------------------------------------------ span editor
async def test_adjust_boundaries_with_selection_keys(framing: Framing, db_path: Path) -> None:
    """v on alice's « doutent », shift+→ twice: « doutent de ces »; enter keeps the boundaries
    (label kept), enter saves: one gold span, adjusted, decision `edit`."""
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        await pilot.press("v")
        await pilot.pause()
        assert "adjusting the highlighted span: «doutent»" in text(app, "#edit-body")
        await pilot.press("shift+right", "shift+right")
        await pilot.pause()
        assert "«doutent de ces»" in text(app, "#edit-body")
        await pilot.press("enter")
        await pilot.pause()
        body = text(app, "#edit-body")
        assert "[x] b «doutent de ces» Doubt (adjusted)" in body
        assert "«doutent» Doubt" in body and "[ ] b «doutent» Doubt" in body  # alice's, left out
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
        assert "edited the result" in text(app, "#review-message")
        await pilot.press("left")  # back on the unit: the decision says it was edited
        await pilot.pause()
        decision = text(app, "#review-decision")
        assert "«doutent de ces» Doubt (adjusted)" in decision
        assert "edited: 1 adjusted" in decision
    start, end = span_of(framing.store, framing.s1[2], "doutent de ces")
    assert gold_rows(db_path) == [
        ("technique", "Doubt", start, end, "adjusted", "edit", "resolved", 1)
    ]


async def test_character_keys_and_escape(framing: Framing, db_path: Path) -> None:
    """ctrl+→ moves the start, alt+← the end, by one character; escape drops the selection
    (the dialog stays), a second escape cancels the edit and stores nothing."""
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "v", "ctrl+right", "alt+left")
        await pilot.pause()
        assert "«outen»" in text(app, "#edit-body")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen) and app.screen.selection is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
        assert "edit cancelled" in text(app, "#review-message")
    assert gold_rows(db_path) == []
    # then the same keys, kept with enter, store the trimmed span
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "v", "ctrl+right", "alt+left", "enter", "enter")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "outen")
    assert gold_rows(db_path) == [
        ("technique", "Doubt", start, end, "adjusted", "edit", "resolved", 1)
    ]


async def test_add_a_span_no_coder_proposed(framing: Framing, db_path: Path) -> None:
    """s types a span (matching folds case and accents), enter keeps it, a label key makes it
    gold; alice's span is kept too (space), and each gold row says where it came from."""
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "s")
        await pilot.pause()
        await pilot.press(*"CÉS chiffres")
        await pilot.pause()
        assert "new span: «ces chiffres»" in text(app, "#edit-body")
        await pilot.press("enter")  # keeps the selection, closes the bar
        await pilot.pause()
        assert app.screen.selection is not None
        await pilot.press("enter")  # a new span needs a label: says which keys
        await pilot.pause()
        assert "a new span needs a label: l Loaded_Language" in text(app, "#edit-body")
        await pilot.press("l")
        await pilot.pause()
        assert "[x] l «ces chiffres» Loaded_Language (added)" in text(app, "#edit-body")
        await pilot.press("up", "space", "enter")  # alice's « doutent » too
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
    d_start, d_end = span_of(framing.store, framing.s1[2], "doutent")
    c_start, c_end = span_of(framing.store, framing.s1[2], "ces chiffres")
    assert gold_rows(db_path) == [
        ("technique", "Doubt", d_start, d_end, "coder", "edit", "resolved", 1),
        ("technique", "Loaded_Language", c_start, c_end, "added", "edit", "resolved", 1),
    ]


async def test_new_span_from_the_first_word(framing: Framing, db_path: Path) -> None:
    """+ selects the first word; → moves it by a word, shift+→ extends; a label key stores it
    (overlapping no coder's span: added)."""
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "plus")
        await pilot.pause()
        assert "new span: «Les»" in text(app, "#edit-body")
        await pilot.press("right", "right", "right", "shift+right", "m", "enter")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "de ces")
    assert gold_rows(db_path) == [
        ("technique", "Name_Calling-Labeling", start, end, "added", "edit", "resolved", 1)
    ]


async def drag(pilot: Any, app: Any, sentence: str, frm: int, to: int) -> None:
    """A mouse drag on the editor's sentence from character ``frm`` to ``to`` (one line)."""
    view = app.screen.query_one("#edit-sentence", Static)
    assert str(view.render()) == sentence  # one line at this width: x is the offset
    x0 = view.content_region.x - view.region.x
    y = view.content_region.y - view.region.y
    await pilot.mouse_down("#edit-sentence", offset=(x0 + frm, y))
    await pilot.hover("#edit-sentence", offset=(x0 + to, y))
    await pilot.mouse_up("#edit-sentence", offset=(x0 + to, y))
    await pilot.pause()


async def test_mouse_drag_adjusts_the_highlighted_span(framing: Framing, db_path: Path) -> None:
    """A drag from inside « experts » to inside « doutent » (overlapping alice's « doutent »,
    the highlighted row) snaps to whole words and adjusts that span; enter keeps its label."""
    sentence = "Les experts doutent de ces chiffres."
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert "drag the mouse on the sentence: select" in text(app, "#edit-body")
        await drag(pilot, app, sentence, sentence.index("experts") + 2,
                   sentence.index("doutent") + 3)
        assert app.screen.selection == (4, 19)
        assert "adjusting the highlighted span: «experts doutent»" in text(app, "#edit-body")
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
    start, end = span_of(framing.store, framing.s1[2], "experts doutent")
    assert gold_rows(db_path) == [
        ("technique", "Doubt", start, end, "adjusted", "edit", "resolved", 1)
    ]


async def test_mouse_drag_selects_a_new_span(framing: Framing, db_path: Path) -> None:
    """A drag elsewhere (« es chiff », right to left) selects « ces chiffres » as a new span;
    a label key stores it next to alice's span (added)."""
    sentence = "Les experts doutent de ces chiffres."
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        await drag(pilot, app, sentence, sentence.index("chiffres") + 5,
                   sentence.index("ces") + 1)
        assert "new span: «ces chiffres»" in text(app, "#edit-body")
        await pilot.press("l")
        await pilot.pause()
        assert "[x] l «ces chiffres» Loaded_Language (added)" in text(app, "#edit-body")
        await pilot.press("enter")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "ces chiffres")
    assert gold_rows(db_path) == [
        ("technique", "Loaded_Language", start, end, "added", "edit", "resolved", 1)
    ]


async def test_accepting_a_version_is_a_coder_gold(framing: Framing, db_path: Path) -> None:
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "doutent")
    assert gold_rows(db_path) == [
        ("technique", "Doubt", start, end, "coder", "accept:alice", "resolved", 1)
    ]


async def test_edit_adds_a_label_no_coder_chose(framing: Framing, db_path: Path) -> None:
    """Document-level set: the edit dialog gives `against` (neither coder's): added."""
    app = app_for(framing.store, label_set="stance")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("e", "h", "enter")
        await pilot.pause()
        assert "edited: 1 added" in text(app, "#review-decision")
    assert gold_rows(db_path) == [
        ("stance", "against", None, None, "added", "edit", "resolved", 1)
    ]


async def test_undo_of_an_edit_restores_the_previous_gold(framing: Framing, db_path: Path) -> None:
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1", "e", "v", "shift+right", "enter", "enter")
        await pilot.pause()
        assert [r[4] for r in gold_rows(db_path) if r[7]] == ["adjusted"]
        await pilot.press("u")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "doutent")
    assert [r for r in gold_rows(db_path) if r[7]] == [
        ("technique", "Doubt", start, end, "coder", "accept:alice", "resolved", 1)
    ]


# ------------------------------------------------------------------------------ the article
async def test_document_unit_shows_the_whole_article_with_coders_spans(
    framing: Framing, db_path: Path
) -> None:
    app = app_for(framing.store, label_set="stance")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(ArticlePane)
        assert pane.display
        shown = " ".join(pane.text.split())  # as wrapped to the pane's width
        assert "coders' spans: ¹ alice ² bob" in shown
        assert "Le gouvernement dénonce des mercenaires¹²." in shown  # both coders
        assert "Une fraternité invincible¹, selon la capitale." in shown  # alice only
        assert "Name_Calling-Labeling" in shown and "Loaded_Language" in shown  # legend
        assert "whole article (2 sentences) is on the left" in text(app, "#review-context")
        assert "1 alice  favor" in text(app, "#review-versions")
        await pilot.press("2")  # the decision still goes to the database
        await pilot.pause()
    assert gold_rows(db_path) == [
        ("stance", "neutral", None, None, "coder", "accept:bob", "resolved", 1)
    ]


async def test_article_pane_hidden_on_sentence_units(framing: Framing) -> None:
    app = app_for(framing.store, label_set="frame")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(ArticlePane).display
        assert "▶ Le ministre célèbre" in text(app, "#review-context")


def long_article(path: Path, n: int) -> Store:
    """One article of ``n`` paragraphs (one sentence each), a stance by two coders who disagree
    and a span by each near its end."""
    from annotator.core.scheme import parse_scheme
    from tests.framing_fixture import SCHEME_YAML

    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    text = ""
    offsets: list[tuple[int, int, int]] = []
    for i in range(n):
        if text:
            text += "\n\n"
        s = f"Paragraphe {i} : les pertes de la semaine restent lourdes."
        offsets.append((len(text), len(text) + len(s), i))
        text += s
    [(doc, _)] = store.corpus.add_documents([DocumentIn(
        text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), sentences=offsets,
        title="Un long fil", source="Le Fil")])
    a, b = store.schemes.annotator_id("alice"), store.schemes.annotator_id("bob")
    for who, label in ((a, "favor"), (b, "against")):
        store.annotations.add(who, scheme_id, label_set="stance", label=label,
                              level="document", document_id=doc)
    last = store.corpus.sentences(doc)[-1]
    i = last["text"].index("lourdes")
    for who in (a, b):
        store.annotations.add(who, scheme_id, label_set="technique", label="Loaded_Language",
                              level="span", document_id=doc, sentence_id=last["id"],
                              start=last["start"] + i, end=last["start"] + i + len("lourdes"))
    return store


async def test_long_article_scrolls_to_its_end(db_path: Path) -> None:
    store = long_article(db_path, 3000)
    try:
        app = app_for(store)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            pane = app.screen.query_one(ArticlePane)
            assert pane.virtual_size.height > 5000  # every paragraph, blank lines between
            assert pane.scroll_offset.y == 0
            await pilot.press("pagedown")
            await pilot.pause()
            page = pane.scroll_offset.y
            assert page > 10
            await pilot.press("down")
            await pilot.pause()
            assert pane.scroll_offset.y == page + 1
            await pilot.press("end")
            await pilot.pause()
            assert pane.scroll_offset.y == pane.max_scroll_y > 5000
            bottom = "\n".join(
                pane.render_line(y).text for y in range(pane.scrollable_content_region.height)
            )
            assert "Paragraphe 2999 : les pertes de la semaine restent lourdes¹²." in bottom
            await pilot.press("home")
            await pilot.pause()
            assert pane.scroll_offset.y == 0
            await pilot.press("1")
            await pilot.pause()
    finally:
        store.close()
    assert gold_rows(db_path) == [
        ("stance", "favor", None, None, "coder", "accept:alice", "resolved", 1)
    ]


# ------------------------------------------------------------------------------ export
async def test_edited_gold_goes_out_in_exports(
    framing: Framing, db_path: Path, tmp_path: Path
) -> None:
    """`export --gold adjudicated` carries the adjusted and the added spans with the
    adjudicator's boundaries; the full JSONL export carries each gold row's origin, and
    import-annotations brings it back into another database."""
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "v", "shift+right", "enter")  # « doutent de », adjusted
        await pilot.press("s", *"chiffres", "enter", "l", "enter")  # « chiffres », added
        await pilot.pause()
    run = CliRunner().invoke
    out = tmp_path / "gold.jsonl"
    r = run(cli, ["export", "--db", str(db_path), "--format", "jsonl", "--gold", "adjudicated",
                  "--label-set", "technique", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    doc1 = next(d for d in docs if d.get("type") == "document" and d["annotations"])
    text_of = doc1["text"]
    assert [(a["annotator"], a["label"], text_of[a["start"]:a["end"]])
            for a in doc1["annotations"]] == [
        ("gold-adjudicated", "Doubt", "doutent de"),
        ("gold-adjudicated", "Loaded_Language", "chiffres"),
    ]
    full = tmp_path / "full.jsonl"
    r = run(cli, ["export", "--db", str(db_path), "--format", "jsonl", "--out", str(full),
                  "--quiet"])
    assert r.exit_code == 0, r.output
    records = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    decisions = [j for d in records if d.get("type") == "document"
                 for j in d.get("adjudications", [])]
    assert [(g["label"], g["origin"]) for j in decisions for g in j["gold"]] == [
        ("Doubt", "adjusted"), ("Loaded_Language", "added")
    ]
    other = tmp_path / "other.db"
    r = run(cli, ["import-annotations", "--db", str(other), str(full)])
    assert r.exit_code == 0, r.output
    assert [row[4] for row in gold_rows(other)] == ["adjusted", "added"]


# ------------------------------------------------------------------------------ the issue's case
def pertes(path: Path) -> tuple[Store, int, str]:
    """One sentence with a typographic apostrophe; alice marked « d’énormes pertes », bob marked
    nothing. Returns the store, the sentence id and its text."""
    from annotator.core.scheme import parse_scheme
    from tests.framing_fixture import SCHEME_YAML

    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    text = "L’offensive a causé d’énormes pertes pour un gain minime, selon l’état-major."
    [(doc, _)] = store.corpus.add_documents([DocumentIn(
        text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
        sentences=[(0, len(text), 0)], title="Front", source="Le Fil")])
    [sent] = store.corpus.sentences(doc)
    a, b = store.schemes.annotator_id("alice"), store.schemes.annotator_id("bob")
    i = text.index("d’énormes pertes")
    store.annotations.add(a, scheme_id, label_set="technique", label="Loaded_Language",
                          level="span", document_id=doc, sentence_id=sent["id"],
                          start=i, end=i + len("d’énormes pertes"))
    for who in (a, b):
        store.progress.mark_done(who, scheme_id, sent["id"])
    return store, int(sent["id"]), text


@pytest.mark.parametrize("how", ["extend", "type"])
async def test_the_issue_case_longer_gold_span(db_path: Path, how: str) -> None:
    """The lead wants « d’énormes pertes pour un gain minime » where alice marked « d’énormes
    pertes »: by extending alice's span word by word (v, shift+→ x4, enter), or by typing it
    with a keyboard apostrophe and no accent (s, then l for its label, alice's span unticked)."""
    store, _, text = pertes(db_path)
    wanted = "d’énormes pertes pour un gain minime"
    try:
        app = app_for(store, label_set="technique")
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.press("e")
            if how == "extend":
                await pilot.press("v", *["shift+right"] * 4, "enter")
            else:
                await pilot.press("s", *"d'enormes pertes pour un gain minime", "enter", "l")
            await pilot.pause()
            assert f"[x] l «{wanted}» Loaded_Language (adjusted)" in text_of_body(app)
            await pilot.press("enter")
            await pilot.pause()
    finally:
        store.close()
    i = text.index(wanted)
    assert gold_rows(db_path) == [
        ("technique", "Loaded_Language", i, i + len(wanted), "adjusted", "edit", "resolved", 1)
    ]


def text_of_body(app: Any) -> str:
    return text(app, "#edit-body")


async def test_article_pane_with_hidden_names(framing: Framing) -> None:
    app = app_for(framing.store, label_set="stance", hide_names=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = app.screen.query_one(ArticlePane).text
        assert "¹ A1  ² A2" in shown and "alice" not in shown and "bob" not in shown


def test_snapshot_document_unit_120x30(framing: Framing, snap_compare: Any) -> None:
    """The whole article beside a stance decision, coders' spans in colour with their
    numbers."""
    assert snap_compare(app_for(framing.store, label_set="stance"), terminal_size=(120, 30))


def test_snapshot_span_editor_100x30(framing: Framing, snap_compare: Any) -> None:
    """The edit dialog of a span unit while adjusting alice's span."""

    async def adjust(pilot: Any) -> None:
        await pilot.press("e", "v", "shift+right")

    assert snap_compare(
        app_for(framing.store, label_set="technique"), terminal_size=(100, 30), run_before=adjust
    )


async def test_article_beside_sentence_units_on_request(framing: Framing, db_path: Path) -> None:
    """a: the whole article beside a sentence unit too, scrolled to its paragraph; a again
    hides it; decisions still go to the database."""
    app = app_for(framing.store, label_set="frame")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        pane = app.screen.query_one(ArticlePane)
        assert pane.display
        shown = " ".join(pane.text.split())
        assert "Le ministre célèbre une fraternité invincible¹²." in shown
        await pilot.press("1")  # accept alice's; the next unit is shown with the article
        await pilot.pause()
        assert pane.display
        await pilot.press("a")
        await pilot.pause()
        assert not pane.display
    assert [r[:2] + r[4:6] for r in gold_rows(db_path)] == [
        ("frame", "Political", "coder", "accept:alice")
    ]


async def test_long_article_opens_at_the_units_sentence(db_path: Path) -> None:
    """A span unit near the end of a 3,000-paragraph article: a shows the article with that
    paragraph in view."""
    store = long_article(db_path, 3000)
    try:
        last = store.corpus.sentences(store.corpus.document_ids()[0])[-1]
        sid = store.schemes.annotator_id("bob")
        scheme_id = int(store.schemes.latest_row("framing-test")["id"])  # type: ignore[index]
        store.annotations.add(sid, scheme_id, label_set="technique", label="Doubt",
                              level="span", document_id=last["document_id"],
                              sentence_id=last["id"], start=last["start"],
                              end=last["start"] + len("Paragraphe"))
        for who in ("alice", "bob"):
            store.progress.mark_done(store.schemes.annotator_id(who), scheme_id, last["id"])
        app = app_for(store, label_set="technique")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("a")
            await pilot.pause()
            pane = app.screen.query_one(ArticlePane)
            assert pane.scroll_offset.y > 5000
            view = "\n".join(
                pane.render_line(y).text for y in range(pane.scrollable_content_region.height)
            )
            assert "Paragraphe² 2999 : les pertes de la semaine restent lourdes¹²." in view
    finally:
        store.close()


async def test_gold_stored_before_m008_keeps_no_origin(tmp_path: Path) -> None:
    """A database whose gold was stored before gold.origin: the upgrade adds the column (NULL:
    not recorded), the review screen still shows that decision, and a new one records it."""
    import sqlite3

    import sqlite_utils

    from annotator.db.migrations import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    migrations.apply(sqlite_utils.Database(conn), stop_before="m008_gold_origin")
    conn.close()
    f = build(path)  # the framing corpus in the old schema's tables, upgraded on open
    f.store.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE gold DROP COLUMN origin")  # as a database made before m008
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_gold_origin'")
    adj_id = conn.execute(
        "INSERT INTO adjudications (uid, scheme_id, label_set, level, document_id, "
        "sentence_id, adjudicator_id, choice, sources, status, created_at) VALUES "
        "('old1', 1, 'stance', 'document', ?, NULL, 1, 'accept:alice', '[\"alice\"]', "
        "'resolved', '2026-01-01')", [f.doc2]).lastrowid
    conn.execute("INSERT INTO gold (adjudication_id, label_set, label, level, document_id) "
                 "VALUES (?, 'stance', 'favor', 'document', ?)", [adj_id, f.doc2])
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        app = app_for(store, label_set="stance")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert "favor   (accept:alice, by alice)" in text(app, "#review-decision")
            await pilot.press("2")
            await pilot.pause()
    assert gold_rows(path) == [
        ("stance", "favor", None, None, None, "accept:alice", "resolved", 0),
        ("stance", "neutral", None, None, "coder", "accept:bob", "resolved", 1),
    ]
