"""Attribute values on the review screen (issue 18, round 2): each coder's values beside their
span, so a lead sees that alice said actor=Lavrov and bob actor=Zakharova on the same span.
Real SQLite file, the real review app through Pilot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from textual.widgets import Static

from annotator.cli import cli
from annotator.core import adjudicate as adj
from annotator.core.scheme import parse_scheme
from annotator.services.annotation import Session
from annotator.services.importing import make_document
from annotator.services.review import ReviewSession
from annotator.store import Store
from annotator.tui.review import make_review_app

from .test_attributes import STATEMENTS, TEXT


def coded(store: Store) -> tuple[Any, int]:
    """alice marks « Lavrov » Claim, bob « Lavrov a » Claim (a disputed unit: the review walks
    those), each with their own actor and targets, on sentence 2; alice also a tone label with
    an intensity; both mark the sentence done."""
    scheme = parse_scheme(STATEMENTS)
    scheme_id, _ = store.schemes.add(scheme)
    store.corpus.add_documents([make_document(TEXT, source="Le Test")])
    for who, actor, targets, length in (("alice", "Lavrov", ["Ukraine", "West"], 6),
                                        ("bob", "Zakharova\x1b[31m", ["Ukraine"], 8)):
        s = Session(store, scheme, scheme_id, who)
        s.start()
        s.goto(s.neighbour(1) or s.sentence_id)
        s.toggle_span("statement", "Claim", 0, length)
        uid = str(s.spans()[0]["uid"])
        if who == "bob":  # an open value as typed: unsafe characters must not reach the terminal
            store.db.execute(
                "INSERT INTO attribute_values (uid, annotation_id, attribute, value, created_at)"
                " SELECT 'v-bob', id, 'actor', ?, '2026-01-01' FROM annotations WHERE uid = ?",
                [actor, uid],
            )
        else:
            s.set_attribute(uid, "actor", actor)
        for t in targets:
            s.set_attribute(uid, "target", t)
        if who == "alice":
            s.toggle_label("tone", "hostile")
            s.set_attribute(str(s.sentence_labels()[0]["uid"]), "intensity", "high")
        else:
            s.toggle_label("tone", "calm")
        s.mark_done()
    return scheme, scheme_id


def test_values_differ_rule() -> None:
    from annotator.core.adjudicate import Unit, UnitKey, values_differ

    span = (0, 3, "Claim")
    unit = Unit(UnitKey(1, 2, "statement"), "span", {"alice": frozenset({span}),
                                                     "bob": frozenset({span})})
    assert values_differ(unit, {"alice": {span: {"actor": ["A"]}},
                                "bob": {span: {"actor": ["B"]}}})
    assert values_differ(unit, {"alice": {span: {"actor": ["A"]}}})  # bob gave none
    assert not values_differ(unit, {"alice": {span: {"target": ["x", "y"]}},
                                    "bob": {span: {"target": ["y", "x"]}}})
    assert not values_differ(unit, {})
    other = Unit(unit.key, "span", {"alice": frozenset({span}), "bob": frozenset()})
    assert not values_differ(other, {"alice": {span: {"actor": ["A"]}}})  # alone on it


def test_session_gives_each_coders_values_per_item(store: Store) -> None:
    scheme, _ = coded(store)
    review = ReviewSession(store, scheme, "carol", label_set="statement")
    unit = review.units[0]
    (mine,) = unit.versions["alice"]
    (theirs,) = unit.versions["bob"]
    values = review.attributes(unit)
    assert values["alice"] == {mine: {"actor": ["Lavrov"], "target": ["Ukraine", "West"]}}
    assert values["bob"] == {theirs: {"actor": ["Zakharova\x1b[31m"], "target": ["Ukraine"]}}
    tone = ReviewSession(store, scheme, "carol", label_set="tone")
    assert tone.attributes(tone.units[0]) == {"alice": {"hostile": {"intensity": ["high"]}}}


async def test_review_screen_shows_values_next_to_each_version(store: Store) -> None:
    scheme, _ = coded(store)
    app = make_review_app(store, scheme, "carol", label_set="statement", order="document")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        versions = str(app.screen.query_one("#review-versions", Static).render())
        lines = versions.splitlines()
        alice = next(line for line in lines if line.startswith("1 alice"))
        bob = next(line for line in lines if line.startswith("2 bob"))
        assert "«Lavrov» Claim  actor Lavrov · target Ukraine, West" in alice
        assert "«Lavrov a» Claim  actor Zakharova" in bob and "target Ukraine" in bob
        assert "\x1b" not in versions  # the typed escape is shown as a visible character



# ------------------------------------------------------------------ gold keeps values (m009)
def gold_values(store: Store) -> list[tuple[Any, ...]]:
    return [
        (r["label"], r["start"], r["end"], r["attribute"], r["value"], r["choice"])
        for r in store.db.query(
            'SELECT * FROM gold_attribute_view ORDER BY gold_id, attribute, value'
        )
    ]


def test_carried_values_rule() -> None:
    from annotator.core.adjudicate import carried_values

    a = {"actor": ["Lavrov"], "target": ["Ukraine", "West"]}
    b = {"actor": ["Zakharova"], "target": ["Ukraine"]}
    assert carried_values("accept:bob", {"alice": a, "bob": b}) == b
    assert carried_values("union", {"alice": a, "bob": b}) == {}  # disputed: not gold
    same = {"target": ["West", "Ukraine"], "actor": ["Lavrov"]}  # a set: order does not count
    assert carried_values("unanimous", {"alice": a, "bob": same}) == a
    assert carried_values("union", {"alice": a}) == a  # the one coder who proposed it
    assert carried_values("union", {"alice": {}, "bob": b}) == {}  # one gave none
    assert carried_values("intersection", {}) == {}


async def test_accepted_version_keeps_its_coders_values_in_gold(store: Store) -> None:
    scheme, _ = coded(store)
    sentence_start = store.db.query("SELECT start FROM sentences WHERE idx = 1")[0]["start"]
    app = make_review_app(store, scheme, "carol", label_set="statement", order="document")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("2")  # bob's version
        await pilot.pause()
        await pilot.press("left")
        await pilot.pause()
        decision = str(app.screen.query_one("#review-decision", Static).render())
        assert "«Lavrov a» Claim  actor Zakharova" in decision  # the gold line shows them
        assert gold_values(store) == [
            ("Claim", sentence_start, sentence_start + 8, "actor", "Zakharova\x1b[31m",
             "accept:bob"),
            ("Claim", sentence_start, sentence_start + 8, "target", "Ukraine", "accept:bob"),
        ]
        await pilot.press("u")  # undo: the gold, and its values, are gone
        await pilot.pause()
        assert gold_values(store) == []
        await pilot.press("U")  # union: each span keeps its one coder's values
        await pilot.pause()
    assert sorted(gold_values(store)) == sorted([
        ("Claim", sentence_start, sentence_start + 6, "actor", "Lavrov", "union"),
        ("Claim", sentence_start, sentence_start + 6, "target", "Ukraine", "union"),
        ("Claim", sentence_start, sentence_start + 6, "target", "West", "union"),
        ("Claim", sentence_start, sentence_start + 8, "actor", "Zakharova\x1b[31m", "union"),
        ("Claim", sentence_start, sentence_start + 8, "target", "Ukraine", "union"),
    ])


async def test_accept_unanimous_keeps_values_only_where_coders_agree(
        store: Store, tmp_path: Path) -> None:
    """alice and bob mark the same span on two sentences: the same values on the first,
    different actors on the second. --accept-unanimous stores the first with its values; the
    second is disputed (review shows it, saying why); export --gold adjudicated carries the
    values."""
    scheme = parse_scheme(STATEMENTS)
    scheme_id, _ = store.schemes.add(scheme)
    store.corpus.add_documents([make_document(TEXT, source="Le Test")])
    for who, second_actor in (("alice", "Lavrov"), ("bob", "Poutine")):
        s = Session(store, scheme, scheme_id, who)
        s.start()
        for actor in ("Macron", second_actor):
            s.goto(s.neighbour(1) or s.sentence_id)
            s.toggle_span("statement", "Claim", 0, 3)
            uid = str(s.spans()[0]["uid"])
            s.set_attribute(uid, "actor", actor)
            s.set_attribute(uid, "target", "West")
            s.mark_done()
    result = CliRunner().invoke(cli, ["review", "--db", str(store.path), "--annotator", "carol",
                                      "--accept-unanimous", "--label-set", "statement"])
    assert result.exit_code == 0, result.output
    assert "1 unanimous unit(s) stored" in result.output
    assert [(v[3], v[4], v[5]) for v in gold_values(store)] == [
        ("actor", "Macron", "unanimous"), ("target", "West", "unanimous")]
    app = make_review_app(store, scheme, "carol", label_set="statement")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        status = str(app.screen.query_one("#review-status", Static).render())
        assert "unit 1/1" in status and "disagreement 0% · attribute values differ" in status
        versions = str(app.screen.query_one("#review-versions", Static).render())
        assert "«Les» Claim  actor Lavrov" in versions and "«Les» Claim  actor Poutine" in versions
        await pilot.press("2")  # bob's version: his actor is the gold's
        await pilot.pause()
    assert [(v[3], v[4], v[5]) for v in gold_values(store)][2:] == [
        ("actor", "Poutine", "accept:bob"), ("target", "West", "accept:bob")]
    out = tmp_path / "gold.jsonl"
    result = CliRunner().invoke(cli, ["export", "--db", str(store.path), "--format", "jsonl",
                                      "--gold", "adjudicated", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    anns = [a for r in records if r["type"] == "document" for a in r.get("annotations", [])]
    assert [a["sentence"] for a in anns] == [1, 2]
    assert [(v["attribute"], v["value"], v["removed_at"]) for v in anns[0]["attributes"]] == [
        ("actor", "Macron", None), ("target", "West", None)]
    assert [(v["attribute"], v["value"]) for v in anns[1]["attributes"]] == [
        ("actor", "Poutine"), ("target", "West")]
    assert len({v["uid"] for a in anns for v in a["attributes"]}) == 4


def test_gold_values_survive_export_import_and_merge(store: Store, tmp_path: Path) -> None:
    """The lossless export carries each gold label's values; importing it, or merging the
    database, gives the same gold_attribute_view."""
    scheme, _ = coded(store)
    # the import refuses control characters (doctor reports them): bob's value made plain
    store.db.execute("UPDATE attribute_values SET value = 'Zakharova' WHERE uid = 'v-bob'")
    review = ReviewSession(store, scheme, "carol", label_set="statement")
    review.decide(adj.accept(review.units[0], "alice"))
    want = gold_values(store)
    assert [(v[3], v[4]) for v in want] == [
        ("actor", "Lavrov"), ("target", "Ukraine"), ("target", "West")]
    out = tmp_path / "all.jsonl"
    result = CliRunner().invoke(cli, ["export", "--db", str(store.path), "--format", "jsonl",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    for how in ("import-annotations", "merge"):
        other = tmp_path / f"{how}.db"
        source = str(out) if how == "import-annotations" else str(store.path)
        result = CliRunner().invoke(cli, [how, source, "--db", str(other)])
        assert result.exit_code == 0, result.output
        with Store.open(other) as copy:
            assert gold_values(copy) == want, how
        again = CliRunner().invoke(cli, [how, source, "--db", str(other)])  # twice: no more
        assert again.exit_code == 0, again.output
        with Store.open(other) as copy:
            assert gold_values(copy) == want, how
