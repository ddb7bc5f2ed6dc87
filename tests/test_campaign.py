"""Campaigns (issue 11): `annotator assign`, `--move`, `annotator assignments`, the units rule
with assignments, on real SQLite files."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core import units
from annotator.core.assign import AssignError, Doc, plan, shared_count
from annotator.services import campaign
from annotator.services.units import set_progress
from annotator.store import Store
from tests.campaign_fixture import build, finish

TEAM = ["alice", "bruno", "chloe", "dara", "emil"]


def active(store: Store) -> dict[int, dict[str, bool]]:
    """document id -> {annotator: shared} of the active assignments."""
    names = {a.id: a.name for a in store.schemes.annotators()}
    out: dict[int, dict[str, bool]] = {}
    for aid, doc, shared in store.assignments.active():
        out.setdefault(doc, {})[names[aid]] = shared
    return out


def loads(store: Store) -> dict[str, int]:
    return {who: s for who, (_, s) in campaign.campaign_loads(store).items()}


def rows(store: Store) -> list[tuple[int, int, bool]]:
    return sorted(store.assignments.active())


# ----------------------------------------------------------------------------- exactly K
@pytest.mark.parametrize("k", [1, 2, 3])
def test_each_document_goes_to_exactly_k_annotators(store: Store, k: int) -> None:
    build(store, 40)
    result = campaign.assign(store, TEAM, per_document=k, seed=3)
    got = active(store)
    assert set(got) == set(store.corpus.document_ids())
    assert all(len(who) == k for who in got.values())
    assert result.new == 40 * k and not result.plan.short


def test_shared_documents_go_to_everyone_and_spread_over_sources(store: Store) -> None:
    build(store, 40)
    campaign.assign(store, TEAM[:3], per_document=2, shared="4", seed=1)
    got = active(store)
    shared = [d for d, who in got.items() if any(who.values())]
    assert len(shared) == 4
    for d in shared:
        assert got[d] == {n: True for n in TEAM[:3]}  # every named annotator, flagged shared
    sources = {store.corpus.document(d)["source"] for d in shared}  # type: ignore[index]
    assert len(sources) == 4  # one per outlet, not four from the biggest one
    others = [who for d, who in got.items() if d not in shared]
    assert all(len(who) == 2 and not any(who.values()) for who in others)
    assert store.assignments.shared_documents() == set(shared)


def test_shared_share_is_rounded_up_and_checked() -> None:
    assert shared_count("10%", 45) == 5
    assert shared_count("1%", 50) == 1
    assert shared_count("3", 10) == 3
    for bad in ("12", "abc", "150%", "2.5"):
        with pytest.raises(AssignError):
            shared_count(bad, 10)


# ----------------------------------------------------------------------------- balance
def test_loads_are_balanced_within_one_document(store: Store) -> None:
    build(store, 60, min_sentences=2, max_sentences=60)
    campaign.assign(store, TEAM, per_document=2, shared="3", seed=11)
    biggest = max(int(d["n_sentences"]) for d in store.corpus.documents())
    got = loads(store)
    assert set(got) == set(TEAM)
    assert max(got.values()) - min(got.values()) <= biggest


@pytest.mark.parametrize("seed", range(12))
def test_plan_balance_holds_for_any_sizes_and_k(seed: int) -> None:
    """The longest-first rule keeps max - min <= the largest document, whatever the sizes."""
    rng = random.Random(seed)
    docs = [Doc(i, rng.choice("abc"), rng.randint(1, 80)) for i in range(rng.randint(5, 200))]
    team = [f"a{i}" for i in range(rng.randint(2, 8))]
    k = rng.randint(1, len(team))
    p = plan(docs, team, per_document=k, seed=seed)
    got = p.loads(docs)
    per_doc = Counter(d for _, d, _ in p.rows)
    assert all(per_doc[d.id] == k for d in docs)
    loads_all = [got.get(t, 0) for t in team]
    assert max(loads_all) - min(loads_all) <= max(d.sentences for d in docs)


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_plan_another_seed_another(tmp_path: Path) -> None:
    plans = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        with Store.open(tmp_path / f"{name}.db") as s:
            build(s, 30)
            campaign.assign(s, TEAM, per_document=2, shared="10%", seed=seed)
            plans[name] = rows(s)
    assert plans["a"] == plans["b"]
    assert plans["a"] != plans["c"]


def test_annotator_order_in_the_option_does_not_matter_for_k_and_balance(store: Store) -> None:
    build(store, 30)
    campaign.assign(store, list(reversed(TEAM)), per_document=2, seed=5)
    assert all(len(w) == 2 for w in active(store).values())


# ----------------------------------------------------------------------------- re-runs
def test_rerun_adds_nothing_then_only_what_is_new(store: Store) -> None:
    scheme_id = build(store, 30)
    first = campaign.assign(store, TEAM[:3], per_document=2, shared="3", seed=2)
    before = rows(store)
    again = campaign.assign(store, TEAM[:3], per_document=2, shared="3", seed=99)
    assert again.new == 0 and rows(store) == before
    finish(store, scheme_id, "alice", next(d for d, w in active(store).items() if "alice" in w))

    # five new documents: each to two annotators, nothing old moves
    from tests.campaign_fixture import text
    from tests.safety_helpers import simple_document

    store.corpus.add_documents(
        [simple_document(text(100 + i, 8), source="Le Matin") for i in range(5)]
    )
    more = campaign.assign(store, TEAM[:3], per_document=2, shared="3", seed=2)
    assert more.new == 10
    after = rows(store)
    assert set(before) <= set(after)
    assert all(len(w) == 2 or any(w.values()) for w in active(store).values())

    # a new annotator: the calibration set, and nothing taken from the others
    joined = campaign.assign(store, [*TEAM[:3], "dara"], per_document=2, shared="3", seed=2)
    assert set(after) <= set(rows(store))
    dara = store.schemes.annotator_id("dara")
    assert joined.new == 3
    assert {d for a, d, _ in rows(store) if a == dara} == store.assignments.shared_documents()
    assert first.plan.shared == joined.plan.shared


def test_growing_k_adds_annotators_without_moving_any(store: Store) -> None:
    build(store, 20)
    campaign.assign(store, TEAM, per_document=1, seed=4)
    before = set(rows(store))
    campaign.assign(store, TEAM, per_document=2, seed=4)
    assert before <= set(rows(store))
    assert all(len(w) == 2 for w in active(store).values())


# ----------------------------------------------------------------------------- --move
def test_move_hands_over_unfinished_work_and_keeps_finished_work(store: Store) -> None:
    scheme_id = build(store, 24)
    campaign.assign(store, TEAM[:3], per_document=1, seed=8)
    alice = store.schemes.annotator_id("alice")
    queue = [d for d, _ in store.assignments.queue(alice)]
    assert len(queue) >= 3
    done_doc, half_doc = queue[0], queue[1]
    finish(store, scheme_id, "alice", done_doc)
    finish(store, scheme_id, "alice", half_doc, n=1)
    first = store.corpus.sentences(half_doc)[0]
    store.annotations.add(alice, scheme_id, label_set="frame", label="Political",
                          level="sentence", document_id=half_doc, sentence_id=first["id"])
    labels_before = store.db.query("SELECT * FROM annotation_view ORDER BY annotation_id")

    moved = campaign.move(store, "alice", ["dara"], seed=1)

    assert moved.kept_finished == 1
    assert sorted(d for d, _ in moved.moves) == sorted(queue[1:])
    assert [d for d, _ in store.assignments.queue(alice)] == [done_doc]
    dara = store.schemes.annotator_id("dara")
    assert sorted(d for d, _ in store.assignments.queue(dara)) == sorted(queue[1:])
    # alice's labels and marks, finished or not, are still hers
    assert store.db.query("SELECT * FROM annotation_view ORDER BY annotation_id") == labels_before
    assert store.progress.row(alice, first["id"])["status"] == "done"  # type: ignore[index]
    view = store.db.query("SELECT * FROM assignment_view WHERE annotator = 'dara'")
    assert {r["moved_from"] for r in view} == {"alice"}
    # the units rule: the half-done document is no longer asked of alice
    frame = {p.label_set: p for p in set_progress(store, ["alice", "dara"])}["frame"]
    finished = int(store.corpus.document(done_doc)["n_sentences"])  # type: ignore[index]
    assert frame.assigned == {"alice": finished, "dara": sum(
        int(store.corpus.document(d)["n_sentences"]) for d in queue[1:])}  # type: ignore[index]
    assert frame.done == {"alice": finished, "dara": 0}
    assert frame.answered["alice"] == finished + 1  # the half-done sentence is still an answer


def test_move_spreads_over_several_receivers_who_do_not_code_the_document(store: Store) -> None:
    build(store, 30)
    campaign.assign(store, TEAM[:4], per_document=2, seed=8)
    before = active(store)
    moved = campaign.move(store, "alice", ["bruno", "emil"], seed=0)
    after = active(store)
    for doc, who in moved.moves:
        assert "bruno" not in before[doc] or who != "bruno"
        assert set(after[doc]) == (set(before[doc]) - {"alice"}) | {who}
    for doc in moved.stuck:
        assert "alice" in after[doc]
    assert all(len(w) == 2 for w in after.values())
    with pytest.raises(AssignError):
        campaign.move(store, "alice", ["alice"])


# ----------------------------------------------------------------------------- the units rule
def test_campaign_units_expand_assigned_documents_to_their_sentences() -> None:
    sentence_ids = np.array([10, 11, 12, 13, 14, 15])
    sentence_docs = np.array([1, 1, 2, 2, 2, 3])
    work = units.Campaign.from_rows([(7, 2), (8, 1), (8, 3)])
    assert work is not None
    a, u = work.units("sentence", sentence_ids, sentence_docs)
    assert sorted(zip(a.tolist(), u.tolist(), strict=True)) == [
        (7, 12), (7, 13), (7, 14), (8, 10), (8, 11), (8, 15)
    ]
    a, u = work.units("document", sentence_ids, sentence_docs)
    assert sorted(zip(a.tolist(), u.tolist(), strict=True)) == [(7, 2), (8, 1), (8, 3)]
    assert units.Campaign.from_rows([]) is None


def test_assigned_unit_not_done_is_missing(store: Store) -> None:
    scheme_id = build(store, 6, min_sentences=4, max_sentences=4)
    docs = store.corpus.document_ids()
    alice, bruno = store.schemes.annotator_id("alice"), store.schemes.annotator_id("bruno")
    store.assignments.add([(alice, docs[0], False), (alice, docs[1], False),
                           (bruno, docs[1], False)])
    finish(store, scheme_id, "alice", docs[0])
    finish(store, scheme_id, "alice", docs[2])  # outside her assignment: an answer, not asked
    by_set = {p.label_set: p for p in set_progress(store, ["alice", "bruno"])}
    frame = by_set["frame"]
    assert frame.assigned == {"alice": 8, "bruno": 4}
    assert frame.done == {"alice": 4, "bruno": 0}
    assert frame.missing == {"alice": 4, "bruno": 4}
    assert frame.answered == {"alice": 8, "bruno": 0}
    stance = by_set["stance"]
    assert stance.assigned == {"alice": 2, "bruno": 1}
    assert stance.missing == {"alice": 2, "bruno": 1}


def test_without_assignments_everyone_is_asked_everything(store: Store) -> None:
    build(store, 3, min_sentences=4, max_sentences=4)
    frame = {p.label_set: p for p in set_progress(store, ["alice"])}["frame"]
    assert (frame.asked, frame.assigned, frame.done, frame.missing) == (12, None, None,
                                                                        {"alice": 12})


# ----------------------------------------------------------------------------- command line
def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_assign_assignments_and_status(db_path: Path) -> None:
    with Store.open(db_path) as s:
        scheme_id = build(s, 12, min_sentences=4, max_sentences=4)
        first_doc = s.corpus.document_ids()[0]
    code, out, err = run("assign", "--db", str(db_path), "--annotators", "alice,bruno,chloe",
                         "--shared", "2", "--seed", "1")
    assert code == 0, err
    assert "12 document(s) selected, 2 annotator(s) each; 26 new assignment(s)" in out
    code, out, _ = run("assign", "--db", str(db_path), "--annotators", "alice,bruno,chloe",
                       "--shared", "2", "--seed", "1")
    assert "0 new assignment(s)" in out
    with Store.open(db_path) as s:
        who = active(s)[first_doc]
        name = sorted(who)[0]
        finish(s, scheme_id, name, first_doc)
        aid = s.schemes.annotator_id(name)
        s.db.execute("UPDATE progress SET seconds = 6 WHERE annotator_id = ?", [aid])
    code, out, _ = run("assignments", "--db", str(db_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data) == 26
    assert {"annotator", "document_id", "shared", "sentences", "done"} <= set(data[0])
    mine = next(r for r in data if r["annotator"] == name and r["document_id"] == first_doc)
    assert (mine["done"], mine["sentences"], mine["remaining"]) == (4, 4, 0)
    assert sum(r["shared"] for r in data) == 6
    code, out, _ = run("assignments", "--db", str(db_path))
    line = next(ln for ln in out.splitlines() if ln.startswith(name))
    remaining = sum(r["remaining"] for r in data if r["annotator"] == name)
    assert f"{remaining}" in line and "6.0s" in line  # median pace, time left at that pace
    code, out, _ = run("assignments", "--db", str(db_path), "--annotator", name)
    assert "external id" in out and "art-" in out
    code, out, _ = run("status", "--db", str(db_path))
    assert "campaign, per label set (units done / assigned, missing):" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--annotators", "alice", "--per-document", "2"], "only 1 annotator(s) named"),
        (["--annotators", "a,b", "--shared", "50"], "only 5 document(s)"),
        (["--annotators", "a,b", "--source", "Nowhere"], "no document from Nowhere"),
        (["--annotators", "a,b", "--documents", "zzz"], "no document 'zzz'"),
        (["--move", "alice"], "--move FROM needs --to TO"),
        ([], "--annotators a,b,c is required"),
    ],
)
def test_cli_assign_refuses_bad_requests_in_one_line(
    db_path: Path, args: list[str], message: str
) -> None:
    with Store.open(db_path) as s:
        build(s, 5)
    code, _, err = run("assign", "--db", str(db_path), *args)
    assert code == 2
    assert message in err
    with Store.open(db_path) as s:
        assert not s.assignments.exists()


def test_cli_assign_selects_by_source_and_documents(db_path: Path) -> None:
    with Store.open(db_path) as s:
        build(s, 20)
        radio = [int(d["id"]) for d in s.corpus.documents() if d["source"] == "Radio Nord"]
    code, _, err = run("assign", "--db", str(db_path), "--annotators", "a,b",
                       "--source", "Radio Nord")
    assert code == 0, err
    with Store.open(db_path) as s:
        assert set(active(s)) == set(radio)
    code, _, err = run("assign", "--db", str(db_path), "--annotators", "a,b",
                       "--documents", "1-3,art-9", "--per-document", "1")
    assert code == 0, err
    with Store.open(db_path) as s:
        assert {1, 2, 3, 10} <= set(active(s))


def test_cli_move(db_path: Path) -> None:
    with Store.open(db_path) as s:
        scheme_id = build(s, 10)
        campaign.assign(s, ["alice", "bruno"], per_document=1, seed=0)
        alice = s.schemes.annotator_id("alice")
        finish(s, scheme_id, "alice", s.assignments.queue(alice)[0][0])
        n = len(s.assignments.queue(alice))
    code, out, err = run("assign", "--db", str(db_path), "--move", "alice", "--to", "chloe")
    assert code == 0, err
    assert f"alice: {n - 1} unfinished document(s) handed over ({n - 1} to chloe); " \
           "1 finished document(s) stay with alice" in out
