"""Offline copies: `annotator checkout` / `assign --split` write each annotator's share into a
database of its own; after annotating there (through the Store API and one Pilot session on the
real screen), `annotator merge` brings the work back: the campaign database ends with exactly the
annotation_view (and done marks) of the same work done on one shared database."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import parse_scheme
from annotator.services import campaign
from annotator.store import Store
from annotator.tui.app import make_app
from tests.campaign_fixture import text
from tests.safety_helpers import simple_document

SCHEME = """\
name: offline
version: 1
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels: [{name: Political, key: "1"}, {name: Economic, key: "2"}]
  - name: stance
    level: document
    labels: [{name: pro, key: h}, {name: contra, key: i}]
  - name: technique
    level: span
    multiple: true
    labels: [{name: Loaded, key: l}]
"""


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def main_db(tmp_path: Path) -> Path:
    """Eight documents from two outlets, a campaign of alice and bruno (one coder per document,
    one shared document), and some work by alice before the copies are made."""
    path = tmp_path / "main.db"
    with Store.open(path) as s:
        scheme_id, _ = s.schemes.add(parse_scheme(SCHEME))
        s.corpus.add_documents([
            simple_document(text(i, 4 + i % 3), external_id=f"a{i}",
                            source="Nord" if i % 2 else "Sud")
            for i in range(8)
        ])
        campaign.assign(s, ["alice", "bruno"], per_document=1, shared="1", seed=3)
        alice = s.schemes.annotator_id("alice")
        doc = s.assignments.queue(alice)[0][0]
        first = s.corpus.sentences(doc)[0]
        s.annotations.add(alice, scheme_id, label_set="frame", label="Political",
                          level="sentence", document_id=doc, sentence_id=first["id"])
        s.progress.mark_done(alice, scheme_id, first["id"])
    return path


def sentence(store: Store, sha: str, idx: int) -> dict[str, Any]:
    doc = store.db.scalar("SELECT id FROM documents WHERE sha256 = ?", [sha])
    return store.corpus.sentences(int(doc))[idx]


def work(store: Store, who: str, plan: list[tuple[str, int]]) -> None:
    """The same annotation work wherever it is done: per (document sha, sentence idx), a
    label, a span, a removed label, a done mark; the document's stance on its first one."""
    scheme_id, _ = store.schemes.load("offline")
    aid = store.schemes.annotator_id(who)
    for n, (sha, idx) in enumerate(plan):
        s = sentence(store, sha, idx)
        store.annotations.add(aid, scheme_id, label_set="frame",
                              label="Economic" if n % 2 else "Political", level="sentence",
                              document_id=s["document_id"], sentence_id=s["id"])
        uid = store.annotations.add(aid, scheme_id, label_set="frame", label="Political"
                                    if n % 2 else "Economic", level="sentence",
                                    document_id=s["document_id"], sentence_id=s["id"])
        store.annotations.remove(aid, uid)  # undone work must stay undone after the merge
        store.annotations.add(aid, scheme_id, label_set="technique", label="Loaded",
                              level="span", document_id=s["document_id"], sentence_id=s["id"],
                              start=s["start"], end=s["start"] + 6)
        store.progress.mark_done(aid, scheme_id, s["id"])
        if idx == 0:
            store.annotations.add(aid, scheme_id, label_set="stance", label="pro",
                                  level="document", document_id=s["document_id"],
                                  replace_in_set=True)


def share(store: Store, who: str) -> list[tuple[str, int]]:
    """Two sentences in each of the annotator's first two documents (by hash)."""
    out = []
    for doc, _ in store.assignments.queue(store.schemes.annotator_id(who))[:2]:
        sha = str(store.corpus.document(doc)["sha256"])  # type: ignore[index]
        out += [(sha, 1), (sha, 2)]
    return out


async def pilot_session(path: Path) -> None:
    """alice on the real screen: a label and done on the first sentences of her queue."""
    app = make_app(path, None, "alice")
    async with app.run_test() as pilot:
        await pilot.press("2", "enter", "enter", "1", "enter")
        await pilot.press("q")
    app.session.store.close()


def snapshot(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """annotation_view and done marks, by names, document hashes and sentence indexes (ids and
    clock times differ between databases)."""
    conn = sqlite3.connect(path)
    try:
        view = conn.execute(
            "SELECT v.annotator, v.label_set, v.label, v.level, d.sha256, se.idx, v.start, "
            'v."end", v.value, v.note, v.scheme, v.scheme_version FROM annotation_view v '
            "JOIN documents d ON d.id = v.document_id "
            "LEFT JOIN sentences se ON se.id = v.sentence_id"
        ).fetchall()
        done = conn.execute(
            "SELECT n.name, d.sha256, se.idx, p.status FROM progress p "
            "JOIN annotators n ON n.id = p.annotator_id JOIN documents d ON d.id = p.document_id "
            "JOIN sentences se ON se.id = p.sentence_id WHERE p.status = 'done'"
        ).fetchall()
    finally:
        conn.close()
    key = lambda r: tuple("" if v is None else str(v) for v in r)  # noqa: E731
    return sorted(view, key=key), sorted(done, key=key)


async def test_split_annotate_merge_round_trip(main_db: Path, tmp_path: Path) -> None:
    single = tmp_path / "single.db"
    shutil.copy(main_db, single)

    # The copies: alice with `checkout`, bruno with `assign --split`.
    code, out, err = run("checkout", "alice", str(tmp_path / "alice.db"), "--db", str(main_db))
    assert code == 0, err
    assert "annotate with `annotator annotate --db" in out
    code, out, err = run("assign", "--db", str(main_db), "--annotators", "alice,bruno",
                         "--per-document", "1", "--shared", "1", "--seed", "3",
                         "--split", str(tmp_path / "split"))
    assert code == 0, err
    assert "0 new assignment(s)" in out
    bruno_db = tmp_path / "split" / "bruno.db"
    (tmp_path / "split" / "alice.db").unlink()  # alice works in her checkout

    with Store.open(main_db) as m, Store.open(tmp_path / "alice.db") as a:
        mine = {int(d) for d, _ in m.assignments.queue(m.schemes.annotator_id("alice"))}
        shas = {m.corpus.document(d)["sha256"] for d in mine}  # type: ignore[index]
        assert {d["sha256"] for d in a.corpus.documents()} == shas
        assert [x.name for x in a.schemes.annotators()] == ["alice"]
        assert a.db.scalar("SELECT count(*) FROM annotation_view") == 1  # her work so far
        assert a.db.scalar("SELECT count(*) FROM gold") == 0
        assert len(a.assignments.queue(a.schemes.annotator_id("alice"))) == len(mine)
        # `annotator annotate --db alice.db` without --annotator works as alice, not as the
        # laptop's login name
        assert campaign.copy_owner(a) == "alice" and campaign.copy_owner(m) is None
        plans = {"alice": share(m, "alice"), "bruno": share(m, "bruno")}

    # The same work: in the copies, and on the single database.
    for who, copy in (("alice", tmp_path / "alice.db"), ("bruno", bruno_db)):
        with Store.open(copy) as c:
            work(c, who, plans[who])
        with Store.open(single) as s:
            work(s, who, plans[who])
    await pilot_session(tmp_path / "alice.db")
    await pilot_session(single)

    code, out, err = run("merge", str(tmp_path / "alice.db"), str(bruno_db), "--db",
                         str(main_db))
    assert code == 0, err
    assert "0 conflict(s)" in out and "conflict:" not in err
    assert snapshot(main_db) == snapshot(single)
    view, done = snapshot(main_db)
    assert {r[0] for r in view} == {"alice", "bruno"} and len(done) > 8

    # Merging again changes nothing.
    before = snapshot(main_db)
    code, out, _ = run("merge", str(tmp_path / "alice.db"), str(bruno_db), "--db", str(main_db))
    assert code == 0
    assert "0 new annotation(s), 0 changed" in out
    assert snapshot(main_db) == before


def test_checkout_refuses_what_it_cannot_do(main_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.db"
    assert run("checkout", "alice", str(out), "--db", str(main_db))[0] == 0
    code, _, err = run("checkout", "alice", str(out), "--db", str(main_db))
    assert code == 1 and "already exists" in err
    code, _, err = run("checkout", "nobody", str(tmp_path / "n.db"), "--db", str(main_db))
    assert code == 2 and "no annotator named 'nobody'" in err
    assert not (tmp_path / "n.db").exists()
    with Store.open(main_db) as s:
        s.schemes.annotator_id("lead")
    code, _, err = run("checkout", "lead", str(tmp_path / "l.db"), "--db", str(main_db))
    assert code == 2 and "lead has no assigned document" in err
