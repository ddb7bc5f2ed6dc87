"""`annotator review`: every decision key driven through Pilot on a real SQLite file, asserting on
the adjudications and gold rows (provenance, undo, restart), plus --accept-unanimous.

Disputed units of tests/framing_fixture.py, in the order the screen walks them (all have
disagreement 100%, so document order breaks the tie):
  1. frame on Gazette s1: alice Political / bob Security_and_defense
  2. frame on Gazette s2: alice Political / bob nothing
  3. technique on Gazette s2: alice Doubt « doutent » / bob nothing
  4. stance on Veilleur: alice favor / bob neutral
Unanimous units: frame on Gazette s0, s3 and Veilleur s0; technique on Gazette s0, s1, s3 and
Veilleur s0; stance on Gazette: 8.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from annotator.cli import cli
from annotator.core import adjudicate as adj
from annotator.store import Store
from annotator.tui.review import EditScreen, NoteScreen, make_review_app
from tests.framing_fixture import Framing, build, span_of


@pytest.fixture
def framing(db_path: Path) -> Iterator[Framing]:
    f = build(db_path)
    yield f
    f.store.close()


def app_for(store: Store, **kw: Any) -> Any:
    _, scheme = store.schemes.load()
    return make_review_app(store, scheme, "carol", **kw)


def text(app: Any, wid: str) -> str:
    return str(app.screen.query_one(wid, Static).render())


def gold(store: Store) -> list[tuple[Any, ...]]:
    return [
        (
            r["label_set"],
            r["sentence_id"],
            r["label"],
            r["start"],
            r["end"],
            r["choice"],
            json.loads(r["sources"]),
            r["adjudicator"],
        )
        for r in store.db.query(
            "SELECT * FROM gold_view ORDER BY label_set, document_id, sentence_id, label"
        )
    ]


def decisions(store: Store) -> list[dict[str, Any]]:
    return store.db.query(
        "SELECT label_set, document_id, sentence_id, choice, sources, status, note, "
        "superseded_at IS NULL AS current FROM adjudications ORDER BY id"
    )


async def test_screen_shows_versions_side_by_side(framing: Framing) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "unit 1/4 · 0 decided · frame (sentence)" in text(app, "#review-status")
        ctx = text(app, "#review-context")
        assert "La Gazette" in ctx and "sentence 2/4" in ctx
        assert "▶ Le ministre célèbre une fraternité invincible." in ctx
        assert "Les troupes étrangères arrivent au front." in ctx  # previous sentence
        versions = text(app, "#review-versions").splitlines()
        assert versions[1:] == ["1 alice  Political", "2 bob    Security_and_defense"]
        assert "undecided" in text(app, "#review-decision")


async def test_accept_one_annotator(framing: Framing) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert "unit 2/4 · 1 decided" in text(app, "#review-status")
    s1 = framing.s1[1]
    assert gold(framing.store) == [
        ("frame", s1, "Security_and_defense", None, None, "accept:bob", ["bob"], "carol")
    ]
    [row] = framing.store.db.query("SELECT * FROM adjudications")
    assert (row["level"], row["status"], row["document_id"]) == (
        "sentence",
        "resolved",
        framing.doc1,
    )
    assert row["created_at"] and row["superseded_at"] is None


async def test_union_and_intersection(framing: Framing) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("U")  # unit 1: Political + Security
        await pilot.press("I")  # unit 2: alice Political, bob nothing -> nothing
        await pilot.pause()
    s1, s2 = framing.s1[1], framing.s1[2]
    assert gold(framing.store) == [
        ("frame", s1, "Political", None, None, "union", ["alice", "bob"], "carol"),
        ("frame", s1, "Security_and_defense", None, None, "union", ["alice", "bob"], "carol"),
    ]
    rows = decisions(framing.store)
    assert [(r["sentence_id"], r["choice"], r["status"]) for r in rows] == [
        (s1, "union", "resolved"),
        (s2, "intersection", "resolved"),
    ]
    # the intersection is a decision with no gold label: "no frame here"
    assert (
        framing.store.db.scalar(
            "SELECT count(*) FROM gold g JOIN adjudications a ON a.id = g.adjudication_id "
            "WHERE a.sentence_id = ?",
            [s2],
        )
        == 0
    )


async def test_union_refused_on_single_choice_set(framing: Framing) -> None:
    app = app_for(framing.store, label_set="stance")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("U")
        await pilot.pause()
        assert "takes one label" in text(app, "#review-message")
        assert decisions(framing.store) == []
        await pilot.press("1")
        await pilot.pause()
    assert gold(framing.store) == [
        ("stance", None, "favor", None, None, "accept:alice", ["alice"], "carol")
    ]
    [v] = framing.store.db.query("SELECT value FROM gold")
    assert v["value"] is None  # nominal set: no numeric value


async def test_edit_with_quick_keys(framing: Framing) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        # starts from the intersection (nothing); o = Political, e = Economic, o again removes
        await pilot.press("o", "e", "o", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, EditScreen)
        # escape cancels without storing
        await pilot.press("e", "y", "escape")
        await pilot.pause()
        assert "edit cancelled" in text(app, "#review-message")
    assert gold(framing.store) == [
        ("frame", framing.s1[1], "Economic", None, None, "edit", ["alice", "bob"], "carol")
    ]


async def test_edit_spans(framing: Framing) -> None:
    app = app_for(framing.store, label_set="technique")
    start, end = span_of(framing.store, framing.s1[2], "doutent")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        versions = text(app, "#review-versions")
        assert "1 alice  «doutent» Doubt" in versions and "2 bob    (nothing)" in versions
        # the candidate span gets label Loaded_Language (key l) and is kept
        await pilot.press("e", "l", "enter")
        await pilot.pause()
    assert gold(framing.store) == [
        (
            "technique",
            framing.s1[2],
            "Loaded_Language",
            start,
            end,
            "edit",
            ["alice", "bob"],
            "carol",
        )
    ]


async def test_span_accept_keeps_offsets(framing: Framing) -> None:
    app = app_for(framing.store, label_set="technique")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")
        await pilot.pause()
    start, end = span_of(framing.store, framing.s1[2], "doutent")
    assert gold(framing.store) == [
        ("technique", framing.s1[2], "Doubt", start, end, "accept:alice", ["alice"], "carol")
    ]
    doc = framing.store.corpus.document(framing.doc1)
    assert doc is not None and doc["text"][start:end] == "doutent"


async def test_unresolved_with_note(framing: Framing) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"ambigu [voir guide]", "enter")
        await pilot.pause()
        await pilot.press("left")
        await pilot.pause()
        assert "unresolved by carol: ambigu [voir guide]" in text(app, "#review-decision")
    [row] = decisions(framing.store)
    assert (row["choice"], row["status"], row["note"]) == (
        "unresolved",
        "unresolved",
        "ambigu [voir guide]",
    )
    assert json.loads(row["sources"]) == ["alice", "bob"]
    assert gold(framing.store) == []  # unresolved units give no gold


async def test_undo_restores_previous_decision(framing: Framing) -> None:
    app = app_for(framing.store)
    s1 = framing.s1[1]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")  # unit 1 -> alice; moves to unit 2
        await pilot.press("left", "2")  # unit 1 again -> bob, supersedes alice's
        await pilot.pause()
        assert [g[5] for g in gold(framing.store)] == ["accept:bob"]
        await pilot.press("u")
        await pilot.pause()
        assert "undid the last decision" in text(app, "#review-message")
        # named as the annotation screen names it, never by database id
        assert re.search(r"doc \d+, sentence \d+/\d+\)", text(app, "#review-message"))
        assert "unit 1/4" in text(app, "#review-status")
        assert "Political" in text(app, "#review-decision")
        assert gold(framing.store) == [
            ("frame", s1, "Political", None, None, "accept:alice", ["alice"], "carol")
        ]
        await pilot.press("u")
        await pilot.pause()
        assert gold(framing.store) == []
        assert "undecided" in text(app, "#review-decision")
        await pilot.press("u")
        await pilot.pause()
        assert "nothing to undo" in text(app, "#review-message")
    rows = decisions(framing.store)
    assert [(r["choice"], r["current"]) for r in rows] == [("accept:alice", 0), ("accept:bob", 0)]


async def test_decisions_survive_restart(framing: Framing, db_path: Path) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "1")  # units 1 and 2
        await pilot.press("q")
        await pilot.pause()
    framing.store.close()
    with Store.open(db_path) as again:
        app2 = app_for(again)
        async with app2.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            # resumes at the first undecided unit
            assert "unit 3/4 · 2 decided · technique" in text(app2, "#review-status")
            await pilot.press("left")
            await pilot.pause()
            assert "accept:alice, by carol" in text(app2, "#review-decision")
            await pilot.press("u")  # undo works across the restart
            await pilot.pause()
        assert [g[5] for g in gold(again)] == ["accept:bob"]


async def test_hidden_names(framing: Framing) -> None:
    app = app_for(framing.store, hide_names=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        versions = text(app, "#review-versions")
        assert "1 A1  Political" in versions and "2 A2  Security_and_defense" in versions
        assert "alice" not in versions and "bob" not in versions
        await pilot.press("2", "left")
        await pilot.pause()
        assert "accept:A2" in text(app, "#review-decision")
    # provenance keeps the real names
    assert gold(framing.store)[0][5:7] == ("accept:bob", ["bob"])


async def test_document_order_and_label_set(framing: Framing) -> None:
    app = app_for(framing.store, order="document", label_set="frame")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "unit 1/2" in text(app, "#review-status")
        assert "sentence 2/4" in text(app, "#review-context")
        await pilot.press("right")
        await pilot.pause()
        assert "sentence 3/4" in text(app, "#review-context")


def test_disagreement_order() -> None:
    k = adj.UnitKey
    u1 = adj.Unit(k(1, 1, "f"), "sentence", {"a": frozenset({"X"}), "b": frozenset({"X"})})
    u2 = adj.Unit(k(1, 2, "f"), "sentence", {"a": frozenset({"X", "Y"}), "b": frozenset({"X"})})
    u3 = adj.Unit(k(1, 3, "f"), "sentence", {"a": frozenset({"X"}), "b": frozenset({"Y"})})
    assert [u.score for u in (u1, u2, u3)] == [0.0, 0.5, 1.0]
    assert [u.key.sentence_id for u in adj.order_units([u1, u2, u3], "disagreement")] == [3, 2, 1]
    assert [u.key.sentence_id for u in adj.disputed([u1, u2, u3])] == [2, 3]
    assert adj.union(u2) == {"X", "Y"} and adj.intersection(u2) == {"X"}
    assert adj.take_union(u3).sources == ["a", "b"]
    assert adj.take_union(u2).sources == ["a", "b"]
    with pytest.raises(ValueError):
        adj.order_units([u1], "random")


def test_accept_unanimous_cli(framing: Framing, db_path: Path) -> None:
    run = CliRunner().invoke
    r = run(cli, ["review", "--db", str(db_path), "--annotator", "carol", "--accept-unanimous"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "8 unanimous unit(s) stored as gold by carol"
    rows = decisions(framing.store)
    assert len(rows) == 8 and {r["choice"] for r in rows} == {"unanimous"}
    assert all(json.loads(r["sources"]) == ["alice", "bob"] for r in rows)
    ll_start, ll_end = span_of(framing.store, framing.s1[1], "fraternité invincible")
    assert sorted(gold(framing.store)) == sorted(
        [
            (
                "frame",
                framing.s1[0],
                "Security_and_defense",
                None,
                None,
                "unanimous",
                ["alice", "bob"],
                "carol",
            ),
            (
                "frame",
                framing.s2[0],
                "Security_and_defense",
                None,
                None,
                "unanimous",
                ["alice", "bob"],
                "carol",
            ),
            ("stance", None, "against", None, None, "unanimous", ["alice", "bob"], "carol"),
            (
                "technique",
                framing.s1[1],
                "Loaded_Language",
                ll_start,
                ll_end,
                "unanimous",
                ["alice", "bob"],
                "carol",
            ),
            (
                "technique",
                framing.s2[0],
                "Name_Calling-Labeling",
                *span_of(framing.store, framing.s2[0], "mercenaires"),
                "unanimous",
                ["alice", "bob"],
                "carol",
            ),
        ]
    )
    r = run(cli, ["review", "--db", str(db_path), "--annotator", "carol", "--accept-unanimous"])
    assert (
        r.stdout.strip()
        == "0 unanimous unit(s) stored as gold by carol; 8 already decided, left as they are"
    )
    assert len(decisions(framing.store)) == 8


def test_review_cli_errors(framing: Framing, db_path: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    r = run(cli, ["review", "--db", str(db_path), "--annotator", "carol", "--label-set", "nope"])
    assert r.exit_code == 2 and "no label set 'nope'" in r.stderr
    r = run(cli, ["review", "--db", str(tmp_path / "missing.db"), "--annotator", "carol"])
    assert r.exit_code == 1 and "no such database" in r.stderr
    r = run(cli, ["review", "--db", str(db_path)])
    assert r.exit_code == 2 and "--annotator" in r.stderr


# ------------------------------------------------------------------------------ snapshots
def test_snapshot_80x24(framing: Framing, snap_compare: Any) -> None:
    assert snap_compare(app_for(framing.store), terminal_size=(80, 24))


def test_snapshot_spans_120x36(framing: Framing, snap_compare: Any) -> None:
    assert snap_compare(
        app_for(framing.store, label_set="technique", hide_names=True), terminal_size=(120, 36)
    )


async def test_decisions_feed_export_gold_adjudicated(
    framing: Framing, db_path: Path, tmp_path: Path
) -> None:
    app = app_for(framing.store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")  # frame on Gazette s1 -> bob's Security_and_defense
        await pilot.pause()
    out = tmp_path / "gold.jsonl"
    r = CliRunner().invoke(
        cli,
        [
            "export",
            "--db",
            str(db_path),
            "--format",
            "jsonl",
            "--gold",
            "adjudicated",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert r.exit_code == 0, r.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    anns = [a for d in docs if d["type"] == "document" for a in d.get("annotations", [])]
    assert [(a["annotator"], a["label_set"], a["label"], a["sentence"]) for a in anns] == [
        ("gold-adjudicated", "frame", "Security_and_defense", 1)
    ]


async def test_background_loading_reads_units_in_a_worker(framing: Framing) -> None:
    """Big databases: the units are read by a thread worker (own connection) behind a loading
    screen, then the same review screen appears and decisions work as usual."""
    from annotator.tui.review import LoadingScreen, ReviewScreen

    _, scheme = framing.store.schemes.load()
    app = make_review_app(framing.store, scheme, "carol", background=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, LoadingScreen) or app.session is not None
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "unit 1/4 · 0 decided" in text(app, "#review-status")
        await pilot.press("2")
        await pilot.pause()
    assert [g[5] for g in gold(framing.store)] == ["accept:bob"]


def test_snapshot_edit_dialog_80x24(framing: Framing, snap_compare: Any) -> None:
    async def open_edit(pilot: Any) -> None:
        await pilot.press("e", "down", "space")

    assert snap_compare(app_for(framing.store), terminal_size=(80, 24), run_before=open_edit)


async def test_undo_stays_within_the_reviewed_label_sets(framing: Framing) -> None:
    app = app_for(framing.store, label_set="stance")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")  # stance on Veilleur -> alice's favor
        await pilot.pause()
    app = app_for(framing.store, label_set="frame")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")  # nothing decided on frame: the stance decision stays
        await pilot.pause()
        assert "nothing to undo" in text(app, "#review-message")
    assert [g[0] for g in gold(framing.store)] == ["stance"]


@pytest.mark.parametrize("seed", range(30))
def test_unit_table_gives_what_build_units_gives(seed: int) -> None:
    """The array path (unit_table: scores, versions, order) against the definitions unit by
    unit (build_units, Unit.score, order_units), on random answers with labels and spans."""
    import random

    import numpy as np

    from annotator.core import arrays

    rng = random.Random(seed)
    people = {1: "ana", 2: "ben", 3: "cleo", 5: "dan"}
    labels = ["A", "B", "C"]
    rows: list[tuple[object, ...]] = []
    answered: dict[str, dict[tuple[int, int | None], set[str]]] = {"f": {}, "t": {}, "d": {}}
    built: list[adj.SetCells] = []
    for name, level in (("f", "sentence"), ("t", "span"), ("d", "document")):
        cells: list[tuple[int, int, int]] = []  # (unit, annotator, document)
        items: list[tuple[int, int, int, int, int]] = []  # (unit, annotator, label, start, end)
        for unit in range(rng.randint(0, 12)):
            doc = unit // 3 if level != "document" else unit
            who = rng.sample(sorted(people), rng.randint(0, 4))
            for a in who:
                cells.append((unit, a, doc))
                answered[name].setdefault((doc, None if level == "document" else unit),
                                          set()).add(people[a])
            for a in [*who, *rng.sample(sorted(people), 1)]:  # one may not have answered
                for _ in range(rng.randint(0, 3)):
                    lab = rng.randrange(3)
                    start = rng.randint(0, 3)
                    end = start + rng.randint(1, 2)
                    items.append((unit, a, lab, start, end))
                    rows.append((people[a], name, level, doc,
                                 None if level == "document" else unit, labels[lab],
                                 start if level == "span" else None,
                                 end if level == "span" else None))
        counts: dict[int, int] = {}
        for u, _, _ in cells:
            counts[u] = counts.get(u, 0) + 1
        kept = sorted(((u, a), d) for u, a, d in cells if counts[u] >= 2)
        index = {ua: i for i, (ua, _) in enumerate(kept)}
        rows_in = [(index[(u, a)], lab, st, en) for u, a, lab, st, en in items if (u, a) in index]
        if level == "span":
            item, n = arrays.group_ids([r[2] for r in rows_in], [r[3] for r in rows_in],
                                       [r[1] for r in rows_in])
            first = np.zeros(n, dtype=np.int64)
            first[item] = np.arange(len(item))
            lab_of = np.array([r[1] for r in rows_in], dtype=np.int64)[first] if n else first
            st_of = np.array([r[2] for r in rows_in], dtype=np.int64)[first] if n else first
            en_of = np.array([r[3] for r in rows_in], dtype=np.int64)[first] if n else first
        else:
            item = np.array([r[1] for r in rows_in], dtype=np.int64)
            lab_of, st_of, en_of = np.arange(3), None, None
        cell_of = np.array([r[0] for r in rows_in], dtype=np.int64)
        item_cell, item_id = arrays.unique_rows(cell_of, item)
        built.append(adj.SetCells(
            label_set=name, level=level,
            cell_unit=np.array([u for (u, _), _ in kept], dtype=np.int64),
            cell_document=np.array([d for _, d in kept], dtype=np.int64),
            cell_annotator=np.array([a for (_, a), _ in kept], dtype=np.int64),
            item_cell=item_cell, item=item_id, labels=labels, item_label=lab_of,
            item_start=st_of, item_end=en_of,
        ))
    table = adj.unit_table(built, people)
    expected = adj.build_units(adj.ReviewRows(rows, answered),
                               [("f", "sentence"), ("t", "span"), ("d", "document")])
    as_built = [table.unit(int(i)) for i in table.ordered("document")]
    assert as_built == expected
    for order in ("disagreement", "document"):
        want = adj.order_units(adj.disputed(expected), order)
        got = [table.unit(int(i)) for i in table.ordered(order, keep=table.score > 0)]
        assert got == want
    by_key = {u.key: u for u in expected}
    for i in range(len(table)):
        u = by_key[table.key(i)]
        assert table.score[i] == u.score
        assert table.n_versions[i] == len(set(u.versions.values()))
