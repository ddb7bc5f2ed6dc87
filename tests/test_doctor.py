"""`annotator doctor`: each kind of damage is found, explained, and repaired when safe.

The damage is done with direct SQL on a real database built through the Store API, the way a
researcher's hand edit, an old tool or a crash would leave it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.services.doctor import diagnose, replay_problems
from annotator.store import Store
from tests.safety_helpers import SCHEME_YAML, article, simple_document


@pytest.fixture
def worked(db_path: Path) -> Path:
    """Two annotators' real work: labels, spans, document labels, done marks, undo and redo."""
    from annotator.core.scheme import parse_scheme

    with Store.open(db_path) as store:
        scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
        store.corpus.add_documents([simple_document(article(i, 5)) for i in range(3)])
        sents = store.db.query('SELECT id, document_id, start, "end" FROM sentences ORDER BY id')
        for name in ("alice", "bob"):
            aid = store.schemes.annotator_id(name)
            for s in sents[:6]:
                store.annotations.add(aid, scheme_id, label_set="frame", label="Political",
                                     level="sentence", document_id=s["document_id"],
                                     sentence_id=s["id"])
                store.annotations.add(aid, scheme_id, label_set="technique",
                                     label="Loaded_Language", level="span",
                                     document_id=s["document_id"], sentence_id=s["id"],
                                     start=s["start"], end=s["start"] + 5)
                store.progress.mark_done(aid, scheme_id, s["id"])
            store.annotations.add(aid, scheme_id, label_set="stance", label="against",
                                 level="document", document_id=sents[0]["document_id"],
                                 replace_in_set=True)
            store.progress.set_flag(aid, scheme_id, sents[1]["id"], True)
            store.progress.set_note(aid, scheme_id, sents[2]["id"], "à revoir")
            store.annotations.undo(aid)
            store.annotations.undo(aid)
            store.annotations.redo(aid)
    return db_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def checks(path: Path) -> set[str]:
    with Store.open(path) as store:
        return {f.check for f in diagnose(store)}


def test_healthy_database_is_ok(worked: Path) -> None:
    code, out = run("doctor", "--db", str(worked))
    assert code == 0, out
    assert "ok" in out
    with Store.open(worked) as store:
        for aid in (store.schemes.annotator_id("alice"), store.schemes.annotator_id("bob")):
            assert replay_problems(store, aid) == []


def test_missing_database_and_junk_file(tmp_path: Path) -> None:
    code, out = run("doctor", "--db", str(tmp_path / "nope.db"))
    assert code == 1 and "no such database" in out
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 200)
    code, out = run("doctor", "--db", str(junk))
    assert code == 1 and "not an annotator database" in out
    assert junk.read_bytes().startswith(b"PK\x03\x04")


def test_orphan_rows_found_and_deleted_after_backup(worked: Path) -> None:
    with Store.open(worked) as store:
        store.db.execute("PRAGMA foreign_keys = OFF")
        store.db.execute("DELETE FROM documents WHERE id = 1")
        kept = store.db.scalar("SELECT count(*) FROM annotations WHERE document_id != 1")
    code, out = run("doctor", "--db", str(worked))
    assert code == 1
    assert "orphans" in out and "sentences" in out and "annotations" in out
    assert "--repair" in out
    code, out = run("doctor", "--db", str(worked), "--repair")
    assert code == 0, out
    assert "backup written to" in out and "ok after repair" in out
    backups = list(worked.parent.glob("annotations.db.doctor-*"))
    assert len(backups) == 1
    with Store.open(backups[0]) as b:
        assert b.db.scalar("SELECT count(*) FROM sentences WHERE document_id = 1") > 0
    with Store.open(worked) as store:
        assert store.db.scalar("SELECT count(*) FROM sentences WHERE document_id = 1") == 0
        assert store.db.scalar("SELECT count(*) FROM annotations") == kept  # others untouched


def test_label_not_in_scheme_is_reported_not_repaired(worked: Path) -> None:
    with Store.open(worked) as store:
        store.db.execute("UPDATE annotations SET label = 'Invented' WHERE id = 1")
        store.db.execute("UPDATE annotations SET label_set = 'nowhere' WHERE id = 2")
    code, out = run("doctor", "--db", str(worked), "--repair")
    assert code == 1
    assert "frame/Invented not in its scheme" in out
    assert "no label set 'nowhere'" in out
    assert "rename-label" in out
    with Store.open(worked) as store:  # nothing was deleted
        assert store.db.scalar("SELECT label FROM annotations WHERE id = 1") == "Invented"


def test_span_and_sentence_offsets(worked: Path) -> None:
    with Store.open(worked) as store:
        span = store.db.scalar("SELECT id FROM annotations WHERE level = 'span' LIMIT 1")
        store.db.execute('UPDATE annotations SET "end" = "end" + 100000 WHERE id = ?', [span])
        store.db.execute('UPDATE sentences SET "end" = 999999 WHERE id = 3')
    found = checks(worked)
    assert {"span-offsets", "sentence-offsets"} <= found
    code, out = run("doctor", "--db", str(worked))
    assert code == 1 and f"annotation {span}" in out and "sentence 3" in out


def test_sentence_text_restored_from_document(worked: Path) -> None:
    with Store.open(worked) as store:
        right = store.db.scalar("SELECT text FROM sentences WHERE id = 4")
        store.db.execute("UPDATE sentences SET text = 'texte altéré' WHERE id = 4")
        store.db.execute("UPDATE documents SET n_sentences = 42 WHERE id = 2")
    assert "sentence-text" in checks(worked)
    code, out = run("doctor", "--db", str(worked), "--repair")
    assert code == 0, out
    with Store.open(worked) as store:
        assert store.db.scalar("SELECT text FROM sentences WHERE id = 4") == right
        assert store.db.scalar("SELECT n_sentences FROM documents WHERE id = 2") == 5
        assert [r["id"] for r in store.corpus.search("altéré")] == []


def test_search_index_out_of_sync_and_missing_trigger(worked: Path) -> None:
    with Store.open(worked) as store:
        row = store.db.query("SELECT id, text FROM sentences WHERE id = 2")[0]
        store.db.execute(
            "INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES ('delete', ?, ?)",
            [row["id"], row["text"]],
        )
        store.db.execute("DROP TRIGGER sentences_au")
    code, out = run("doctor", "--db", str(worked))
    assert code == 1
    assert "out of sync" in out and "sentences_au" in out
    code, out = run("doctor", "--db", str(worked), "--repair")
    assert code == 0, out
    with Store.open(worked) as store:
        assert store.maintenance.fts_problems() == []
        assert 2 in [r["id"] for r in store.corpus.search("ministre fraternité")]
        # The trigger is back: an edit is indexed again.
        store.db.execute("UPDATE sentences SET text = text WHERE id = 2")
        assert store.maintenance.fts_problems() == []


def test_state_that_events_do_not_replay_to(worked: Path) -> None:
    with Store.open(worked) as store:
        alice = store.schemes.annotator_id("alice")
        gone = store.db.scalar(
            "SELECT uid FROM annotations WHERE annotator_id = ? AND removed_at IS NULL LIMIT 1",
            [alice],
        )
        # A label silently removed, a done mark silently dropped, a label with no event.
        store.db.execute("UPDATE annotations SET removed_at = '2026-01-01' WHERE uid = ?", [gone])
        sid = store.db.scalar(
            "SELECT sentence_id FROM progress WHERE annotator_id = ? AND status = 'done' LIMIT 1",
            [alice],
        )
        store.db.execute(
            "UPDATE progress SET status = 'seen', done_at = NULL WHERE annotator_id = ? "
            "AND sentence_id = ?", [alice, sid],
        )
        store.db.execute(
            "INSERT INTO annotations (uid, annotator_id, scheme_id, label_set, label, level, "
            "document_id, sentence_id, created_at) VALUES ('handmade', ?, 1, 'frame', 'Economic', "
            "'sentence', 1, 1, '2026-01-01')", [alice],
        )
        problems = replay_problems(store, alice)
        assert len(problems) == 3, problems
        assert store.annotations.history(alice)  # undo history itself still readable
    code, out = run("doctor", "--db", str(worked))
    assert code == 1 and "events" in out and "no event records it" in out
    code, out = run("doctor", "--db", str(worked), "--repair")
    assert code == 0, out
    with Store.open(worked) as store:
        alice = store.schemes.annotator_id("alice")
        assert replay_problems(store, alice) == []
        assert store.db.scalar("SELECT removed_at FROM annotations WHERE uid = ?", [gone]) is None
        assert store.progress.row(alice, sid)["status"] == "done"
        # The handmade row is kept, now recorded, and not something undo would take away.
        assert store.db.scalar("SELECT removed_at FROM annotations WHERE uid = 'handmade'") is None
        before = store.annotations.history(alice)
        assert store.db.scalar("SELECT action FROM events ORDER BY id DESC LIMIT 1") == "adopt"
        assert store.annotations.history(alice) == before


def test_corrupted_file_is_explained(worked: Path) -> None:
    with Store.open(worked) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.db.scalar("PRAGMA page_size")
        root = store.db.scalar(
            "SELECT rootpage FROM sqlite_master WHERE name = 'idx_events_annotator'"
        )
    data = bytearray(worked.read_bytes())
    off = (root - 1) * page
    data[off + 8: off + page] = b"\xff" * (page - 8)
    worked.write_bytes(bytes(data))
    code, out = run("doctor", "--db", str(worked))
    assert code == 1
    assert "integrity" in out or "malformed" in out
    assert len([ln for ln in out.splitlines() if ln.strip()]) <= 3, out
