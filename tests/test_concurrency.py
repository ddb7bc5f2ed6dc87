"""Several annotators on one database file, with an import and an agreement-like read at the
same time, in real processes: no "database is locked" reaches anyone, no write is lost, and
each annotator sees only their own labels."""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from annotator.store import Store
from tests.safety_helpers import (
    SENTENCE_LABELS,
    STANCES,
    TECHNIQUES,
    article,
    seed,
    simple_document,
)

N_ANNOTATORS = 3
ACTIONS = 250
IMPORT_BATCHES = 12


def annotator_worker(path: str, name: str, seed_: int, out: str) -> None:
    """Tight loop of labels, spans, document labels, removals, done marks, undo and redo."""
    result: dict[str, Any] = {"name": name, "errors": [], "logged": 0, "created": []}
    try:
        rng = random.Random(seed_)
        store = Store.open(path)
        aid = store.schemes.annotator_id(name)
        scheme_id = int(store.db.scalar("SELECT id FROM schemes LIMIT 1"))
        sentences = store.db.query('SELECT id, document_id, start, "end" FROM sentences')
        created: set[str] = set()
        for _ in range(ACTIONS):
            s = rng.choice(sentences)
            kind = rng.choice(["label", "label", "span", "doc", "remove", "done", "undo", "redo"])
            try:
                if kind == "label":
                    uid = store.annotations.add(
                        aid, scheme_id, label_set="frame", label=rng.choice(SENTENCE_LABELS),
                        level="sentence", document_id=s["document_id"], sentence_id=s["id"],
                    )
                    created.add(uid)
                    result["logged"] += 1
                elif kind == "span":
                    a = rng.randrange(s["start"], s["end"] - 1)
                    b = rng.randrange(a + 1, s["end"])
                    uid = store.annotations.add(
                        aid, scheme_id, label_set="technique", label=rng.choice(TECHNIQUES),
                        level="span", document_id=s["document_id"], sentence_id=s["id"],
                        start=a, end=b,
                    )
                    created.add(uid)
                    result["logged"] += 1
                elif kind == "doc":
                    uid = store.annotations.add(
                        aid, scheme_id, label_set="stance", label=rng.choice(STANCES),
                        level="document", document_id=s["document_id"], replace_in_set=True,
                    )
                    created.add(uid)
                    result["logged"] += 1
                elif kind == "remove":
                    mine = store.annotations.current(aid, sentence_id=s["id"])
                    if mine and store.annotations.remove(aid, rng.choice(mine)["uid"]):
                        result["logged"] += 1
                elif kind == "done":
                    before = store.progress.row(aid, s["id"])
                    store.progress.mark_done(aid, scheme_id, s["id"])
                    if before is None or before["status"] != "done":
                        result["logged"] += 1
                elif kind == "undo":
                    if store.annotations.undo(aid) is not None:
                        result["logged"] += 1
                elif kind == "redo" and store.annotations.redo(aid) is not None:
                    result["logged"] += 1
                # Blind annotation: whatever this annotator reads back is their own.
                seen = store.annotations.current(aid, sentence_id=s["id"])
                foreign = [r["uid"] for r in seen if r["uid"] not in created]
                if foreign:
                    result["errors"].append(f"{name} saw foreign annotations {foreign}")
            except Exception as exc:  # every error is a failure of the test, recorded
                result["errors"].append(f"{kind}: {type(exc).__name__}: {exc}")
        result["created"] = sorted(created)
        store.close()
    except Exception:
        result["errors"].append(traceback.format_exc())
    Path(out).write_text(json.dumps(result))


def import_worker(path: str, out: str) -> None:
    """Imports batches of new articles (each batch one transaction, like `annotator import`)."""
    result: dict[str, Any] = {"errors": [], "new": 0}
    try:
        store = Store.open(path)
        for b in range(IMPORT_BATCHES):
            docs = [simple_document(article(10_000 + b * 50 + i, 30)) for i in range(50)]
            result["new"] += sum(created for _, created in store.corpus.add_documents(docs))
        store.close()
    except Exception:
        result["errors"].append(traceback.format_exc())
    Path(out).write_text(json.dumps(result))


AGREEMENT_SQL = """
SELECT a.label_set, a.sentence_id, a.label, count(DISTINCT a.annotator) AS n
FROM annotation_view a JOIN sentences s ON s.id = a.sentence_id
GROUP BY a.label_set, a.sentence_id, a.label ORDER BY n DESC
"""


def reader_worker(path: str, seconds: float, out: str) -> None:
    """An agreement-like read: every annotator's labels per unit, over and over."""
    result: dict[str, Any] = {"errors": [], "queries": 0}
    try:
        store = Store.open(path)
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            store.db.query(AGREEMENT_SQL)
            store.db.query(
                "SELECT p.annotator_id, count(*) FROM progress p WHERE p.status = 'done' "
                "GROUP BY p.annotator_id"
            )
            result["queries"] += 1
        store.close()
    except Exception:
        result["errors"].append(traceback.format_exc())
    Path(out).write_text(json.dumps(result))


@pytest.mark.slow
def test_three_annotators_an_import_and_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    with Store.open(db) as store:
        seed(store, n_docs=8, n_sentences=8)
        docs_before = store.corpus.count_documents()

    ctx = mp.get_context("spawn")
    outs = {f"ann{i}": tmp_path / f"ann{i}.json" for i in range(N_ANNOTATORS)}
    procs = [
        ctx.Process(target=annotator_worker, args=(str(db), name, i, str(out)))
        for i, (name, out) in enumerate(outs.items())
    ]
    procs.append(ctx.Process(target=import_worker, args=(str(db), str(tmp_path / "imp.json"))))
    read_out = str(tmp_path / "read.json")
    procs.append(ctx.Process(target=reader_worker, args=(str(db), 8.0, read_out)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0, f"worker died with {p.exitcode}"

    results = {name: json.loads(out.read_text()) for name, out in outs.items()}
    imp = json.loads((tmp_path / "imp.json").read_text())
    read = json.loads((tmp_path / "read.json").read_text())
    errors = [e for r in results.values() for e in r["errors"]] + imp["errors"] + read["errors"]
    assert not errors, "\n".join(errors)
    assert read["queries"] > 0

    with Store.open(db) as store:
        assert store.db.scalar("PRAGMA integrity_check") == "ok"
        assert imp["new"] == 50 * IMPORT_BATCHES
        assert store.corpus.count_documents() == docs_before + imp["new"]
        for name, r in results.items():
            aid = store.schemes.annotator_id(name, create=False)
            # No write lost: one event per action the worker saw succeed.
            n_events = store.db.scalar("SELECT count(*) FROM events WHERE annotator_id = ?", [aid])
            assert n_events == r["logged"], name
            # Every annotation row of this annotator is one the worker created, and vice versa.
            uids = {row[0] for row in store.db.execute(
                "SELECT uid FROM annotations WHERE annotator_id = ?", [aid])}
            assert uids == set(r["created"]), name
            # The current state equals the replay of this annotator's event log.
            from annotator.services.doctor import replay_problems

            assert replay_problems(store, aid) == [], name


def opener_worker(path: str, out: str) -> None:
    try:
        Store.open(path).close()
        Path(out).write_text("ok")
    except Exception as exc:
        Path(out).write_text(f"{type(exc).__name__}: {exc}")


def test_many_processes_create_the_same_database_at_once(tmp_path: Path) -> None:
    """Several sessions starting together on a new file: one creates it, none fails."""
    db = tmp_path / "fresh.db"
    ctx = mp.get_context("spawn")
    outs = [tmp_path / f"open{i}.txt" for i in range(8)]
    procs = [ctx.Process(target=opener_worker, args=(str(db), str(o))) for o in outs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [o.read_text() for o in outs] == ["ok"] * len(outs)
    with Store.open(db) as store:
        names = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert sorted(names) == sorted(set(names))
        assert store.db.scalar("PRAGMA integrity_check") == "ok"
