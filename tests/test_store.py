"""The store: migrations, pragmas, version refusal, the annotation API and its event log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.services.importing import make_document
from annotator.store import Store, StoreError, known_migrations

SCHEME_YAML = """\
name: tiny
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels:
      - name: Security_and_defense
        key: x
      - name: Political
  - name: stance
    level: document
    scale: ordinal
    labels:
      - name: against
      - name: neutral
      - name: favor
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
"""

TEXT = "Titre du jour\n\nLe ministre a parlé. Les troupes avancent.\n"


@pytest.fixture
def filled(store: Store) -> tuple[Store, int, int, list[dict]]:
    from annotator.core.scheme import parse_scheme

    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    [(doc_id, created)] = store.corpus.add_documents([make_document(TEXT, source="Le Test")])
    assert created
    return store, scheme_id, doc_id, store.corpus.sentences(doc_id)


def test_open_sets_pragmas_and_migrates(db_path: Path) -> None:
    s = Store.open(db_path)
    assert s.db.journal_mode == "wal"
    assert s.db.scalar("PRAGMA foreign_keys") == 1
    applied = {r["name"] for r in s.db.query("SELECT name FROM _sqlite_migrations")}
    assert applied == set(known_migrations())
    assert "annotation_view" in s.db.view_names()
    s.close()
    # Opening again is a no-op.
    Store.open(db_path).close()


def test_newer_database_is_refused(db_path: Path) -> None:
    s = Store.open(db_path)
    s.db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ["annotator", "m999_from_the_future", "2030-01-01"],
    )
    s.close()
    with pytest.raises(StoreError, match="newer version"):
        Store.open(db_path)


def test_not_a_database(tmp_path: Path) -> None:
    p = tmp_path / "junk.db"
    p.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not an annotator database"):
        Store.open(p)
    assert p.read_bytes().startswith(b"this is not sqlite")


def test_missing_database_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store.open(tmp_path / "nope.db", create=False)


def test_sentences_match_offsets(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, _, doc_id, sents = filled
    doc = store.corpus.document(doc_id)
    assert doc is not None
    assert [s["text"] for s in sents] == [
        "Titre du jour",
        "Le ministre a parlé.",
        "Les troupes avancent.",
    ]
    for s in sents:
        assert doc["text"][s["start"] : s["end"]] == s["text"]


def test_reimport_is_noop(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, _, doc_id, _ = filled
    [(again, created)] = store.corpus.add_documents([make_document(TEXT)])
    assert (again, created) == (doc_id, False)
    assert store.corpus.count_documents() == 1


def test_labels_view_and_undo_redo(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, scheme_id, doc_id, sents = filled
    alice = store.schemes.annotator_id("alice")
    sid = sents[1]["id"]
    uid = store.annotations.add(
        alice,
        scheme_id,
        label_set="frame",
        label="Political",
        level="sentence",
        document_id=doc_id,
        sentence_id=sid,
    )
    start = sents[1]["start"] + 3
    store.annotations.add(
        alice,
        scheme_id,
        label_set="technique",
        label="Loaded_Language",
        level="span",
        document_id=doc_id,
        sentence_id=sid,
        start=start,
        end=start + 8,
    )
    store.progress.mark_done(alice, scheme_id, sid)
    view = store.db.query("SELECT * FROM annotation_view ORDER BY label")
    assert [(r["annotator"], r["label"], r["scheme_version"]) for r in view] == [
        ("alice", "Loaded_Language", 1),
        ("alice", "Political", 1),
    ]
    assert set(view[0]) >= {
        "annotator",
        "label_set",
        "label",
        "level",
        "document_id",
        "sentence_id",
        "start",
        "end",
        "value",
        "note",
        "scheme_version",
        "created_at",
    }
    # Undo the done mark, then the span; redo the span.
    assert store.annotations.undo(alice) is not None
    assert store.progress.row(alice, sid)["status"] == "seen"
    store.annotations.undo(alice)
    rows = store.db.query("SELECT label FROM annotation_view")
    assert [r["label"] for r in rows] == ["Political"]
    store.annotations.redo(alice)
    assert len(store.db.query("SELECT * FROM annotation_view")) == 2
    # Removal is an action too, and its undo restores the same row.
    assert store.annotations.remove(alice, uid)
    assert len(store.db.query("SELECT * FROM annotation_view")) == 1
    store.annotations.undo(alice)
    assert len(store.db.query("SELECT * FROM annotation_view WHERE label = 'Political'")) == 1


def test_undo_history_survives_reopen(
    filled: tuple[Store, int, int, list[dict]], db_path: Path
) -> None:
    store, scheme_id, doc_id, _ = filled
    bob = store.schemes.annotator_id("bob")
    store.annotations.add(
        bob,
        scheme_id,
        label_set="stance",
        label="favor",
        level="document",
        document_id=doc_id,
        value=2,
        replace_in_set=True,
    )
    store.annotations.add(
        bob,
        scheme_id,
        label_set="stance",
        label="against",
        level="document",
        document_id=doc_id,
        value=0,
        replace_in_set=True,
    )
    assert [a["label"] for a in store.annotations.current(bob, document_id=doc_id)] == ["against"]
    store.close()
    again = Store.open(db_path)
    done, redo = again.annotations.history(bob)
    assert len(done) == 2 and redo == []
    again.annotations.undo(bob)  # the replacement is one action: favor comes back
    assert [a["label"] for a in again.annotations.current(bob, document_id=doc_id)] == ["favor"]
    again.close()


def test_blind_current_annotations(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, scheme_id, doc_id, sents = filled
    a, b = store.schemes.annotator_id("a"), store.schemes.annotator_id("b")
    store.annotations.add(
        a,
        scheme_id,
        label_set="frame",
        label="Political",
        level="sentence",
        document_id=doc_id,
        sentence_id=sents[0]["id"],
    )
    assert store.annotations.current(b, sentence_id=sents[0]["id"]) == []


def test_done_without_labels_is_distinguishable(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, scheme_id, _, sents = filled
    a = store.schemes.annotator_id("a")
    store.progress.mark_seen(a, scheme_id, sents[0]["id"])
    store.progress.mark_done(a, scheme_id, sents[1]["id"])
    assert store.progress.row(a, sents[0]["id"])["status"] == "seen"
    assert store.progress.row(a, sents[1]["id"])["status"] == "done"
    assert store.progress.row(a, sents[2]["id"]) is None
    assert store.progress.next_not_done(a, None) == sents[0]["id"]
    assert store.progress.next_not_done(a, sents[0]["id"]) == sents[2]["id"]


def test_navigation_and_search(filled: tuple[Store, int, int, list[dict]]) -> None:
    store, _, _, sents = filled
    ids = [s["id"] for s in sents]
    assert store.corpus.neighbour_sentence(ids[0], 1) == ids[1]
    assert store.corpus.neighbour_sentence(ids[0], -1) is None
    assert store.corpus.neighbour_sentence(ids[2], 1) is None
    hits = store.corpus.search("troupes")
    assert [h["id"] for h in hits] == [ids[2]]
    assert store.corpus.search('"unbalanced AND (') == []


def test_foreign_keys_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            'INSERT INTO sentences (document_id, idx, start, "end", text) '
            "VALUES (999, 0, 0, 1, 'x')"
        )


def test_scheme_versions(filled: tuple[Store, int, int, list[dict]]) -> None:
    from annotator.core.scheme import parse_scheme

    store, scheme_id, doc_id, sents = filled
    a = store.schemes.annotator_id("a")
    store.annotations.add(
        a,
        scheme_id,
        label_set="frame",
        label="Political",
        level="sentence",
        document_id=doc_id,
        sentence_id=sents[0]["id"],
    )
    # Same text again: no-op.
    assert store.schemes.add(parse_scheme(SCHEME_YAML)) == (scheme_id, False)
    # Adding a label is accepted.
    v2 = SCHEME_YAML.replace("version: 1", "version: 2").replace(
        "      - name: Political\n", "      - name: Political\n      - name: Economic\n"
    )
    _, created = store.schemes.add(parse_scheme(v2))
    assert created
    # Removing a label in use is refused with the count.
    v3 = v2.replace("version: 2", "version: 3").replace("      - name: Political\n", "")
    with pytest.raises(StoreError, match=r"frame/Political: 1 annotation"):
        store.schemes.add(parse_scheme(v3))
    # After renaming the label in the annotations, the version that drops it is accepted.
    assert store.schemes.rename_label("tiny", "frame", "Political", "Economic") == 1
    store.schemes.add(parse_scheme(v3))
    assert store.schemes.summary()[0]["version"] == 3


def test_history_cache_sees_other_handles(
    filled: tuple[Store, int, int, list[dict]], db_path: Path
) -> None:
    """The cached replay reads new events, also those written through another connection."""
    store, scheme_id, doc_id, sents = filled
    a = store.schemes.annotator_id("a")
    sid = sents[0]["id"]
    store.annotations.add(
        a,
        scheme_id,
        label_set="frame",
        label="Political",
        level="sentence",
        document_id=doc_id,
        sentence_id=sid,
    )
    assert len(store.annotations.history(a)[0]) == 1
    other = Store.open(db_path)
    other.progress.mark_done(a, scheme_id, sid)
    other.close()
    done, redo = store.annotations.history(a)
    assert len(done) == 2 and redo == []
    store.annotations.undo(store.schemes.annotator_id("a"))  # undoes the done mark made elsewhere
    assert store.progress.row(a, sid)["status"] == "seen"
    store.annotations.undo(a)
    assert store.annotations.current(a, sentence_id=sid) == []
    redo = store.annotations.history(a)[1]
    assert store.annotations.history(a) == ([], sorted(redo, reverse=True))
    fresh = Store.open(db_path)
    assert fresh.annotations.history(a) == store.annotations.history(a)
    fresh.close()


def test_scheme_is_read_from_its_checked_form(db_path: Path) -> None:
    """m005: a stored scheme's checked form is kept and read back as the same Scheme; a form
    that does not match the text (edited text, unreadable form) is not used: the YAML is
    parsed and checked as before."""
    import json

    from annotator.core.scheme import parse_scheme

    with Store.open(db_path) as store:
        sid, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
        [(sha, form)] = store.db.execute("SELECT sha256, parsed FROM scheme_cache").fetchall()
        assert sha == parse_scheme(SCHEME_YAML).sha256
        assert store.schemes.load("tiny") == (sid, parse_scheme(SCHEME_YAML))
        # the form is what is read: a description only the form has shows up
        marked = json.dumps({**json.loads(form), "description": "from the checked form"})
        store.db.execute("UPDATE scheme_cache SET parsed = ?", [marked])
        assert store.schemes.load("tiny")[1].description == "from the checked form"
        # an unreadable form: the YAML
        store.db.execute("UPDATE scheme_cache SET parsed = '{\"name\": 1}'")
        assert store.schemes.load("tiny")[1] == parse_scheme(SCHEME_YAML)
        # a text that no longer hashes to the form's key: the YAML
        store.db.execute("UPDATE scheme_cache SET parsed = ?", [marked])
        store.db.execute("UPDATE schemes SET yaml = replace(yaml, 'Political', 'Politics')")
        loaded = store.schemes.load("tiny")[1]
        assert loaded.description == "" and "Politics" in loaded.label_set("frame").names
