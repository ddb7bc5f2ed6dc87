"""annotator merge: two copies of one database annotated apart, brought back together."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.services.importing import make_document
from annotator.services.merge import merge_database
from annotator.store import Store, StoreError
from tests.export_fixture import build_template, copy_db

TABLES = ("documents", "sentences", "schemes", "annotators", "annotations", "progress",
          "document_progress", "events", "adjudications", "gold")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


def dump(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {t: store.db.query(f"SELECT * FROM {t} ORDER BY rowid") for t in TABLES}


def labels(store: Store, annotator: str, sentence_id: int) -> list[str]:
    return [
        r["label"] for r in store.db.query(
            "SELECT label FROM annotation_view WHERE annotator = ? AND sentence_id = ? "
            "AND label_set = 'frame' ORDER BY label",
            [annotator, sentence_id],
        )
    ]


def tick() -> None:
    time.sleep(0.002)  # distinct microsecond timestamps between the two machines' actions


def two_machines(template: Path, tmp_path: Path) -> tuple[Store, Store, dict[str, Any]]:
    """alice's laptop (A) and desktop (B), both copies of the fixture, then diverging."""
    a = copy_db(template, tmp_path / "laptop.db")
    b = copy_db(template, tmp_path / "desktop.db")
    scheme_id = a.schemes.load("presse")[0]
    k1 = a.db.query("SELECT id FROM documents WHERE external_id = 'k1'")[0]["id"]
    s = [r["id"] for r in a.corpus.sentences(k1)]
    alice_a, alice_b = a.schemes.annotator_id("alice"), b.schemes.annotator_id("alice")
    political = b.annotations.current(alice_b, sentence_id=s[2], label_set="frame")[0]["uid"]
    # laptop first: alice adds Economic on sentence 2 and a note on it
    a.annotations.add(alice_a, scheme_id, label_set="frame", label="Economic", level="sentence",
                     document_id=k1, sentence_id=s[2])
    a.progress.set_note(alice_a, scheme_id, s[2], "vu sur le portable")
    tick()
    # then the desktop: alice removes her Political on the same sentence, another note
    b.annotations.remove(alice_b, political)
    b.progress.set_note(alice_b, scheme_id, s[2], "vu sur le fixe")
    # work only the laptop has: a new article labelled by chloe, a span by bruno
    [(new_doc, _)] = a.corpus.add_documents([make_document(
        "Exercices navals\n\nLa flotte du Nord manœuvre en mer de Barents.\n",
        external_id="n3")])
    n3_s = a.corpus.sentences(new_doc)[1]["id"]
    a.annotations.add(a.schemes.annotator_id("chloe"), scheme_id, label_set="frame",
                     label="Security_and_defense", level="sentence", document_id=new_doc,
                     sentence_id=n3_s)
    p2 = a.db.query("SELECT id FROM documents WHERE external_id IS NULL")[0]["id"]
    p2_s = a.corpus.sentences(p2)[1]
    a.annotations.add(a.schemes.annotator_id("bruno"), scheme_id, label_set="technique",
                     label="Loaded_Language", level="span", document_id=p2,
                     sentence_id=p2_s["id"], start=p2_s["start"] + 3, end=p2_s["start"] + 9)
    return a, b, {"k1": k1, "s": s, "political": political}


def test_merge_laptop_into_desktop(template: Path, tmp_path: Path) -> None:
    a, b, ids = two_machines(template, tmp_path)
    s2 = ids["s"][2]
    report = merge_database(b, a.path)
    # the same unit (alice, frame, k1 sentence 2) changed on both: the desktop's removal is
    # later, so the desktop's state of the unit wins and the laptop's Economic is not current
    assert labels(b, "alice", s2) == []
    unit = [c for c in report.conflicts if "frame on document k1 sentence 2" in c]
    assert len(unit) == 1 and "kept the later change in desktop.db (" in unit[0]
    assert any("progress" in c and "sentence 2" in c for c in report.conflicts)
    assert b.progress.row(b.schemes.annotator_id("alice"), s2)["note"] == "vu sur le fixe"
    # work only the laptop had came over
    assert b.db.scalar("SELECT count(*) FROM documents") == 3
    assert b.db.scalar("SELECT count(*) FROM annotation_view WHERE annotator = 'chloe' "
                    "AND label_set = 'frame' AND label = 'Security_and_defense'") == 1
    assert b.db.scalar("SELECT count(*) FROM annotation_view WHERE annotator = 'bruno' "
                    "AND level = 'span'") == 3
    # the laptop's Economic is kept for audit, removed
    assert b.db.scalar("SELECT count(*) FROM annotations WHERE label = 'Economic' "
                    "AND removed_at IS NOT NULL") == 1
    # every event of the laptop is in the desktop's log now
    a_events = {e["uid"] for e in a.annotations.events_for_export()}
    assert a_events <= {e["uid"] for e in b.annotations.events_for_export()}


def test_merge_desktop_into_laptop_reaches_the_same_state(template: Path, tmp_path: Path) -> None:
    a, b, ids = two_machines(template, tmp_path)
    s2 = ids["s"][2]
    report = merge_database(a, b.path)
    assert labels(a, "alice", s2) == []  # the later change (desktop) wins on this side too
    assert a.progress.row(a.schemes.annotator_id("alice"), s2)["note"] == "vu sur le fixe"
    unit = [c for c in report.conflicts if "frame on document k1 sentence 2" in c]
    assert len(unit) == 1 and "kept the later change in desktop.db (" in unit[0]
    assert ") over laptop.db (" in unit[0]


def test_merging_twice_changes_nothing(template: Path, tmp_path: Path) -> None:
    a, b, _ = two_machines(template, tmp_path)
    merge_database(b, a.path)
    before = dump(b)
    again = merge_database(b, a.path)
    assert dump(b) == before
    assert not again.changed and again.conflicts == []
    # and merging the result back into the laptop twice is stable as well
    merge_database(a, b.path)
    settled = dump(a)
    assert not merge_database(a, b.path).changed
    assert dump(a) == settled


def test_merge_without_overlap_copies_everything(template: Path, tmp_path: Path) -> None:
    target = Store.open(tmp_path / "empty.db")
    source = copy_db(template, tmp_path / "src.db")
    report = merge_database(target, source.path)
    assert report.conflicts == []
    for t in TABLES:
        assert target.db.scalar(f"SELECT count(*) FROM {t}") == source.db.scalar(
            f"SELECT count(*) FROM {t}"), t
    # undo links survive: the events of the history replay the same stacks
    for name in ("alice", "bruno"):
        assert len(target.annotations.history(target.schemes.annotator_id(name))[0]) == len(
            source.annotations.history(source.schemes.annotator_id(name))[0])


def test_merge_refuses_a_different_scheme_with_the_same_version(
    template: Path, tmp_path: Path
) -> None:
    from annotator.core.scheme import parse_scheme
    from tests.export_fixture import SCHEME_YAML

    target = Store.open(tmp_path / "t.db")
    target.schemes.add(parse_scheme(SCHEME_YAML.replace("Economic", "Economy")))
    before = dump(target)
    with pytest.raises(StoreError, match="scheme 'presse' version 1 is stored here with "
                       "different content"):
        merge_database(target, copy_db(template, tmp_path / "s.db").path)
    assert dump(target) == before
    with pytest.raises(StoreError, match="is the target database itself"):
        merge_database(target, target.path)


def test_cli_merge(template: Path, tmp_path: Path) -> None:
    a, b, _ = two_machines(template, tmp_path)
    a.close()
    runner = CliRunner()
    res = runner.invoke(cli, ["merge", str(tmp_path / "laptop.db"), "--db", b.path])
    assert res.exit_code == 0, res.output
    assert "conflict: alice: frame on document k1 sentence 2 changed in both" in res.stderr
    assert "laptop.db: 1 new document(s)" in res.stdout
    res = runner.invoke(cli, ["merge", str(tmp_path / "nope.db"), "--db", b.path])
    assert res.exit_code == 1 and "nope.db: no such database" in res.stderr
