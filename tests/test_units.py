"""The one units rule (annotator.core.units) and every command that uses it.

The case that motivated it: a scheme gains a label set in its second version, after two coders
finished the corpus under the first. Nobody has seen the new set, so agree, report, review and
status must all say "0 units" for it, not "10 sentences, agreement 1.000".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core import units
from annotator.core.scheme import parse_scheme
from annotator.core.units import NO_SCHEME, Marks, Versions
from annotator.services import agreement as agree_db
from annotator.services.importing import make_document
from annotator.services.report import build_report
from annotator.services.review import load_units as review_units
from annotator.services.units import set_progress
from annotator.store import Store

V1 = """\
name: growing
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    labels: [{name: Political}, {name: Security}]
  - name: stance
    level: document
    labels: [{name: pro}, {name: contra}]
"""
V2 = V1.replace("version: 1", "version: 2") + """\
  - name: tone
    level: sentence
    labels: [{name: Alarmist}, {name: Calm}]
  - name: technique
    level: span
    multiple: true
    labels: [{name: Loaded_Language}]
"""


# ----------------------------------------------------------------------------- the rule itself
def test_versions_answering_and_complete() -> None:
    v = Versions({1: {"frame"}, 2: {"frame", "tone"}, 7: {"other"}})
    assert v.answering("frame").tolist() == [NO_SCHEME, 1, 2]
    assert v.answering("tone").tolist() == [NO_SCHEME, 2]
    assert v.complete(["frame", "tone"]) == [2]
    assert v.complete(["frame"]) == [1, 2]


def test_answered_sentence_sets_need_a_done_mark_of_a_version_with_the_set() -> None:
    done = Marks.from_rows([(1, 10, 1), (2, 10, 2), (3, 10, None), (1, 11, 99)])
    v = Versions({1: {"frame"}, 2: {"frame", "tone"}})
    frame = units.answered("frame", "sentence", done, v)
    assert list(zip(frame.annotator.tolist(), frame.unit.tolist(), strict=True)) == [
        (1, 10), (2, 10), (3, 10)  # 99 is another scheme's version: answers nothing here
    ]
    tone = units.answered("tone", "sentence", done, v)
    assert tone.by_unit() == {10: [2, 3]}  # done under v1: missing for tone, not "none"
    # a label alone never answers a sentence set
    labelled = (np.array([4]), np.array([10]))
    assert units.answered("frame", "sentence", done, v, labelled).by_unit() == {10: [1, 2, 3]}


def test_answered_document_sets_count_labels_and_done_panels() -> None:
    v = Versions({1: {"stance"}})
    done = Marks.from_rows([(1, 5, 1)])
    ans = units.answered("stance", "document", done, v, (np.array([2, 1]), np.array([5, 5])))
    assert ans.by_unit() == {5: [1, 2]}
    assert ans.contains(np.array([1, 3]), np.array([5, 5])).tolist() == [True, False]
    assert units.missing_count("document", 1, n_sentences=50, n_documents=4) == 3


# ----------------------------------------------------------------------------- on a database
def _corpus(store: Store) -> tuple[int, list[dict]]:
    sid, _ = store.schemes.add(parse_scheme(V1))
    docs = []
    for i in range(2):
        text = " ".join(f"Phrase numéro {i}{j} sur le conflit." for j in range(5))
        [(doc, _)] = store.corpus.add_documents([make_document(text, title=f"Article {i}")])
        docs.append(doc)
    return sid, [s for d in docs for s in store.corpus.sentences(d)]


@pytest.fixture
def grown(store: Store) -> tuple[Store, int, int, list[dict]]:
    """Two coders finish all 10 sentences under v1, then the scheme grows to v2."""
    v1, sents = _corpus(store)
    for who, labels in (("alice", ["Political", "Security"]), ("bob", ["Political"] * 2)):
        aid = store.schemes.annotator_id(who)
        for i, s in enumerate(sents):
            store.annotations.add(
                aid, v1, label_set="frame", label=labels[i % 2], level="sentence",
                document_id=s["document_id"], sentence_id=s["id"], replace_in_set=True,
            )
            store.progress.mark_done(aid, v1, s["id"])
    v2, _ = store.schemes.add(parse_scheme(V2))
    return store, v1, v2, sents


def test_new_set_has_no_units_in_agree(grown: tuple[Store, int, int, list[dict]]) -> None:
    store = grown[0]
    report = agree_db.agreement_report(store, "growing", n_boot=0)
    by_set = {e["label_set"]: e for e in report["label_sets"]}
    assert by_set["frame"]["n_units"] == 10
    assert by_set["tone"]["n_units"] == 0
    assert by_set["technique"]["n_units"] == 0
    assert "percent_agreement" not in by_set["tone"]


def test_new_set_has_no_units_in_report(grown: tuple[Store, int, int, list[dict]]) -> None:
    rep = build_report(grown[0], "growing")
    tone = [a for a in rep.agreement if a.label_set == "tone"]
    assert tone and all(a.units == 0 for a in tone)
    [rates] = [t for t in rep.outlet_rates if t.label_set == "tone"]
    assert sum(r.answered for r in rates.rows) == 0
    [frame_rates] = [t for t in rep.outlet_rates if t.label_set == "frame"]
    assert sum(r.answered for r in frame_rates.rows) == 20  # 2 coders x 10 sentences


def test_new_set_has_no_units_in_review(grown: tuple[Store, int, int, list[dict]]) -> None:
    store = grown[0]
    _, scheme = store.schemes.load("growing")
    found = review_units(store, scheme)
    assert {u.key.label_set for u in found} == {"frame"}
    assert len(found) == 10


def test_status_says_what_is_missing(grown: tuple[Store, int, int, list[dict]]) -> None:
    store, _, v2, sents = grown
    # alice looked at sentence 0 again under v2
    store.progress.mark_done(store.schemes.annotator_id("alice"), v2, sents[0]["id"])
    by_set = {p.label_set: p for p in set_progress(store, ["alice", "bob"])}
    assert by_set["frame"].answered == {"alice": 10, "bob": 10}
    assert by_set["tone"].answered == {"alice": 1, "bob": 0}
    assert by_set["tone"].missing == {"alice": 9, "bob": 10}
    assert by_set["stance"].asked == 2


def test_status_json_and_text(grown: tuple[Store, int, int, list[dict]], db_path: Path) -> None:
    grown[0].close()
    out = CliRunner().invoke(cli, ["status", "--db", str(db_path), "--json"])
    assert out.exit_code == 0, out.output
    sets = {s["label_set"]: s for s in json.loads(out.output)["label_sets"]}
    assert sets["tone"]["answered"] == {"alice": 0, "bob": 0}
    text = CliRunner().invoke(cli, ["status", "--db", str(db_path)]).output
    assert "growing/tone (sentence): alice 0/10, bob 0/10" in text


def test_marking_done_again_records_the_new_version(
    grown: tuple[Store, int, int, list[dict]],
) -> None:
    store, v1, v2, sents = grown
    aid = store.schemes.annotator_id("alice")
    assert store.progress.row(aid, sents[3]["id"])["done_scheme_id"] == v1
    store.progress.mark_done(aid, v2, sents[3]["id"])
    assert store.progress.row(aid, sents[3]["id"])["done_scheme_id"] == v2
    store.annotations.undo(aid)  # back to done under v1
    assert store.progress.row(aid, sents[3]["id"])["done_scheme_id"] == v1
    # the annotation screen's "next not done" sends the coder back to sentences done under v1
    versions = store.schemes.label_sets_by_version("growing")
    complete = versions.complete(["frame", "tone", "technique"])
    assert complete == [v2]
    assert store.progress.next_not_done(aid, None, complete) == sents[0]["id"]
    assert store.progress.next_not_done(aid, None) is None  # any version: everything is done
    assert store.progress.done_count(aid, complete) == 0


def test_label_without_done_mark_is_no_answer_even_with_duplicates(store: Store) -> None:
    """Issue 10, defect 1: with duplicate labels in a single-choice set elsewhere, the 'latest
    label wins' pass used to write a label on a sentence its annotator never marked done into
    the matrix as an answer."""
    sid, sents = _corpus(store)
    a, b = store.schemes.annotator_id("alice"), store.schemes.annotator_id("bob")

    def label(who: int, i: int, lab: str) -> None:
        s = sents[i]
        store.annotations.add(who, sid, label_set="frame", label=lab, level="sentence",
                             document_id=s["document_id"], sentence_id=s["id"])

    for i in (0, 1):  # both done with a label
        label(a, i, "Political")
        label(b, i, "Political")
        store.progress.mark_done(a, sid, sents[i]["id"])
        store.progress.mark_done(b, sid, sents[i]["id"])
    label(a, 1, "Security")  # a duplicate in the single-choice set on a done sentence
    # sentence 2: bob done with Political; alice labels twice but never marks it done
    label(b, 2, "Political")
    store.progress.mark_done(b, sid, sents[2]["id"])
    # carol too, so sentence 2 has two answers
    store.progress.mark_done(store.schemes.annotator_id("carol"), sid, sents[2]["id"])
    label(a, 2, "Security")
    label(a, 2, "Political")
    versions = store.schemes.label_sets_by_version("growing")
    _, scheme = store.schemes.load("growing")
    frame = scheme.label_set("frame")
    assert frame is not None
    people = [(a, "alice"), (b, "bob"), (store.schemes.annotator_id("carol"), "carol")]
    um = agree_db.load_units(store.columnar, versions, frame, people)
    col = int(np.flatnonzero(um.unit_ids == sents[2]["id"])[0])
    assert np.isnan(um.codes[0, col])  # alice did not answer sentence 2


def test_migration_attributes_done_marks_to_their_version(db_path: Path) -> None:
    """A database from before m003: done marks get the version of the event that made them,
    even where a later note under another version overwrote the row's scheme_id."""
    store = Store.open(db_path)
    v1, sents = _corpus(store)
    v2, _ = store.schemes.add(parse_scheme(V2))
    aid = store.schemes.annotator_id("alice")
    store.progress.mark_done(aid, v1, sents[0]["id"])
    store.progress.set_note(aid, v2, sents[0]["id"], "looked at it under v2")
    store.progress.mark_done(aid, v2, sents[1]["id"])
    # make it a 0.1 database again
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_done_scheme_version'")
    store.db.execute("ALTER TABLE progress DROP COLUMN done_scheme_id")
    store.db.execute("ALTER TABLE document_progress DROP COLUMN done_scheme_id")
    assert store.db.execute(
        "SELECT scheme_id FROM progress WHERE sentence_id = ?", [sents[0]["id"]]
    ).fetchone()[0] == v2
    store.close()
    store = Store.open(db_path)
    got = dict(store.db.execute("SELECT sentence_id, done_scheme_id FROM progress").fetchall())
    assert got == {sents[0]["id"]: v1, sents[1]["id"]: v2}
    store.close()


def test_import_and_merge_keep_done_versions(
    grown: tuple[Store, int, int, list[dict]], tmp_path: Path
) -> None:
    """Done marks that travel through a JSONL export (import-annotations) or a merge keep the
    version they were made under, so the grown set stays unanswered there too."""
    from annotator.services.export import exporter
    from annotator.services.export.common import Selection
    from annotator.services.import_jsonl import import_jsonl
    from annotator.services.merge import merge_database

    store = grown[0]
    path = tmp_path / "all.jsonl"
    exporter("jsonl")(store, path, Selection(), warn=print)
    imported = Store.open(tmp_path / "imported.db")
    import_jsonl(imported, path)
    merged = Store.open(tmp_path / "merged.db")
    merge_database(merged, store.path)
    for other in (imported, merged):
        assert other.db.scalar(
            "SELECT count(*) FROM progress WHERE status = 'done' AND done_scheme_id IS NULL"
        ) == 0
        by_set = {
            e["label_set"]: e["n_units"]
            for e in agree_db.agreement_report(other, "growing", n_boot=0)["label_sets"]
        }
        assert by_set["frame"] == 10 and by_set["tone"] == 0
        other.close()
