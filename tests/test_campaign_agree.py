"""`annotator agree --against gold|adjudicated|ANNOTATOR` and `agree --shared-only`, on a real
database whose numbers are checked by hand and against annotator.core (the coefficients are
computed by the same core functions as `agree`; these tests check what is fed to them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core import agreement as ag
from annotator.core.scheme import parse_scheme
from annotator.services.agree_against import against_report
from annotator.services.agreement import agreement_report
from annotator.store import Store
from tests.campaign_fixture import text
from tests.safety_helpers import simple_document

SCHEME = """\
name: calib
version: 1
label_sets:
  - name: tone
    level: sentence
    labels: [{name: pos}, {name: neg}]
  - name: technique
    level: span
    multiple: true
    labels: [{name: Loaded}, {name: Doubt}]
"""
GOLD_TONE = ["pos", "pos", "neg", "neg", "pos"]
ANSWERS = {
    "alice": GOLD_TONE,
    "bruno": ["pos", "neg", "neg", "pos", "pos"],
}


def tone(store: Store, scheme_id: int, who: str, doc: int, labels: list[str]) -> None:
    aid = store.schemes.annotator_id(who)
    for s, lab in zip(store.corpus.sentences(doc), labels, strict=True):
        store.annotations.add(aid, scheme_id, label_set="tone", label=lab, level="sentence",
                              document_id=doc, sentence_id=s["id"], replace_in_set=True)
        store.progress.mark_done(aid, scheme_id, s["id"])


def span(store: Store, scheme_id: int, who: str, doc: int, label: str, start: int,
         end: int) -> None:
    aid = store.schemes.annotator_id(who)
    s = store.corpus.sentences(doc)[0]
    store.annotations.add(aid, scheme_id, label_set="technique", label=label, level="span",
                          document_id=doc, sentence_id=s["id"], start=s["start"] + start,
                          end=s["start"] + end)


@pytest.fixture
def calib(store: Store) -> Store:
    """Four 5-sentence documents. Document 1 (shared, calibration) and 3 coded by alice and
    bruno; document 2 by chloe only. Gold on document 1: tone on its five sentences (four
    decided by the lead, one accepted as unanimous) and spans on its first sentence."""
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME))
    store.corpus.add_documents([simple_document(text(i, 5)) for i in range(4)])
    d1, d2, d3, _ = store.corpus.document_ids()
    a, b, c = (store.schemes.annotator_id(n) for n in ("alice", "bruno", "chloe"))
    store.assignments.add([(a, d1, True), (b, d1, True), (a, d3, False), (b, d3, False),
                           (c, d2, False)])
    for who, labels in ANSWERS.items():
        tone(store, scheme_id, who, d1, labels)
        tone(store, scheme_id, who, d3, ["pos", "neg", "pos", "neg", "neg"])
    tone(store, scheme_id, "chloe", d2, ["pos"] * 5)
    span(store, scheme_id, "alice", d1, "Loaded", 0, 5)
    span(store, scheme_id, "alice", d1, "Doubt", 6, 12)
    span(store, scheme_id, "bruno", d1, "Doubt", 6, 12)
    span(store, scheme_id, "zoe", d1, "Loaded", 0, 5)  # a reference coder named after alice
    store.progress.mark_done(store.schemes.annotator_id("zoe"), scheme_id,
                             store.corpus.sentences(d1)[0]["id"])
    lead = store.schemes.annotator_id("lead")
    sents = store.corpus.sentences(d1)
    store.adjudications.adjudicate_many(scheme_id, lead, [
        {"label_set": "tone", "level": "sentence", "document_id": d1, "sentence_id": s["id"],
         "choice": "unanimous" if i == 4 else "accept:alice", "gold": [{"label": lab}]}
        for i, (s, lab) in enumerate(zip(sents, GOLD_TONE, strict=True))
    ])
    store.adjudications.adjudicate(scheme_id, lead, {
        "label_set": "technique", "level": "span", "document_id": d1,
        "sentence_id": sents[0]["id"], "choice": "edit",
        "gold": [{"label": "Loaded", "start": sents[0]["start"], "end": sents[0]["start"] + 5}],
    })
    return store


def by_name(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["annotator"]: a for a in entry["annotators"]}


def kappa(x: list[str], y: list[str]) -> float:
    code = {"pos": 0.0, "neg": 1.0}
    return float(ag.cohen_kappa([code[v] for v in x], [code[v] for v in y]))


def test_against_gold_scores_each_annotator_on_the_decided_units(calib: Store) -> None:
    rep = against_report(calib, "gold")
    sets = {s["label_set"]: s for s in rep["label_sets"]}
    t = by_name(sets["tone"])
    assert sets["tone"]["reference_units"] == 5
    assert t["alice"]["n_units"] == 5 and t["alice"]["cohen_kappa"] == pytest.approx(1.0)
    assert t["bruno"]["n_units"] == 5
    assert t["bruno"]["cohen_kappa"] == pytest.approx(1 / 6)  # po 0.6, pe 0.52
    assert t["bruno"]["cohen_kappa"] == pytest.approx(kappa(ANSWERS["bruno"], GOLD_TONE))
    assert t["bruno"]["percent_agreement"] == pytest.approx(0.6)
    assert t["chloe"]["n_units"] == 0  # answered, but nothing the gold decided
    per = {e["label"]: e for e in t["bruno"]["per_label"]}
    assert set(per) == {"pos", "neg"}
    # spans: gold has Loaded on sentence 1; alice found it and added Doubt; bruno only Doubt
    s = by_name(sets["technique"])
    assert s["alice"]["exact_precision"] == pytest.approx(0.5)
    assert s["alice"]["exact_recall"] == pytest.approx(1.0)
    assert s["alice"]["exact_f1"] == pytest.approx(2 / 3)
    assert s["bruno"]["exact_recall"] == pytest.approx(0.0)
    loaded = {e["label"]: e for e in s["alice"]["per_label"]}["Loaded"]
    assert (loaded["n_reference"], loaded["n_annotator"], loaded["exact_f1"]) == (1, 1, 1.0)


def test_adjudicated_leaves_unanimous_decisions_out(calib: Store) -> None:
    rep = against_report(calib, "adjudicated", label_set="tone")
    [entry] = rep["label_sets"]
    assert entry["reference_units"] == 4
    t = by_name(entry)
    assert t["bruno"]["n_units"] == 4
    assert t["bruno"]["cohen_kappa"] == pytest.approx(kappa(ANSWERS["bruno"][:4], GOLD_TONE[:4]))


def test_against_an_annotator_orients_precision_and_recall(calib: Store) -> None:
    """zoe sorts after alice: the pair is analysed as (alice, zoe) and must be turned round
    so that precision stays the share of the scored annotator's spans."""
    rep = against_report(calib, "zoe", label_set="technique")
    s = by_name(rep["label_sets"][0])
    assert s["alice"]["exact_precision"] == pytest.approx(0.5)
    assert s["alice"]["exact_recall"] == pytest.approx(1.0)
    assert (s["alice"]["n_annotator"], s["alice"]["n_reference"]) == (2, 1)
    assert "zoe" not in s
    rep = against_report(calib, "alice", label_set="tone")
    t = by_name(rep["label_sets"][0])
    assert t["bruno"]["n_units"] == 10
    assert "alice" not in t


def test_shared_only_keeps_the_calibration_set(calib: Store) -> None:
    full = {s["label_set"]: s for s in agreement_report(calib, n_boot=0)["label_sets"]}
    shared_docs = calib.assignments.shared_documents()
    assert shared_docs == {calib.corpus.document_ids()[0]}
    shared = agreement_report(calib, n_boot=0, documents=shared_docs)
    sets = {s["label_set"]: s for s in shared["label_sets"]}
    assert full["tone"]["n_units"] == 10
    assert sets["tone"]["n_units"] == 5
    [pair] = [p for p in sets["tone"]["pairs"] if {p["a"], p["b"]} == {"alice", "bruno"}]
    assert pair["cohen_kappa"] == pytest.approx(kappa(ANSWERS["alice"], ANSWERS["bruno"]))
    assert shared["shared_only"] == {"documents": 1}
    assert not any("not marked done" in d["reason"] for d in sets["tone"]["units_dropped"])


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_against_and_shared_only(calib: Store, db_path: Path) -> None:
    calib.close()
    code, out, err = run("agree", "--db", str(db_path), "--against", "gold")
    assert code == 0, err
    assert out.startswith("Against gold (every resolved decision")
    assert "bruno      (whole set)      5  0.167  0.250      60.0%" in out  # alpha: 1 - .4/.533
    code, out, _ = run("agree", "--db", str(db_path), "--against", "gold", "--json")
    assert json.loads(out)["reference_kind"] == "gold"
    code, out, _ = run("agree", "--db", str(db_path), "--against", "alice", "--csv")
    assert out.splitlines()[0] == "label_set,level,annotator,reference,label,coefficient,value," \
                                  "reason,n"
    code, out, _ = run("agree", "--db", str(db_path), "--shared-only", "--n-boot", "0")
    assert code == 0 and "Calibration set only (--shared-only): 1 shared document" in out
    code, out, _ = run("agree", "--db", str(db_path), "--against", "gold", "--shared-only")
    assert code == 0 and ", shared documents only" in out
    code, _, err = run("agree", "--db", str(db_path), "--against", "nobody")
    assert code == 1 and "neither gold, adjudicated nor an annotator" in err
    code, _, err = run("agree", "--table", "x.csv", "--against", "gold")
    assert code == 2


def test_shared_only_without_a_calibration_set_says_so(store: Store, db_path: Path) -> None:
    store.schemes.add(parse_scheme(SCHEME))
    store.close()
    code, _, err = run("agree", "--db", str(db_path), "--shared-only")
    assert code == 1 and "no shared documents" in err
