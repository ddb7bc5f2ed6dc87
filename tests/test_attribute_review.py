"""Attribute values on the review screen (issue 18, round 2): each coder's values beside their
span, so a lead sees that alice said actor=Lavrov and bob actor=Zakharova on the same span.
Real SQLite file, the real review app through Pilot."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

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

