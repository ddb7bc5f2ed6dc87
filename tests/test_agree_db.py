"""`annotator agree` on a database: units, dropped counts and every coefficient, checked against
hand-computed values and against the core statistics applied to hand-built matrices.

Databases are built only through the Store API (add_annotation, mark_done), as the annotation
screen does.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from annotator.cli.analysis import run_db
from annotator.core import agreement as ag
from annotator.render.agreement import CSV_COLUMNS, render_text
from annotator.services import agreement as agree_db
from annotator.services.importing import make_document
from annotator.store import Store, StoreError

SCHEME_YAML = """\
name: agreetest
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    labels:
      - name: Political
      - name: Security
      - name: Economic
  - name: topics
    level: sentence
    multiple: true
    labels:
      - name: War
      - name: Energy
      - name: Health
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
      - name: Name_Calling
"""

WORDS = ["Le", "ministre", "annonce", "une", "réforme", "des", "troupes", "au", "nord", "du",
         "pays"]


def sentence(i: int, j: int) -> str:
    words = [WORDS[(i * 3 + j + k) % len(WORDS)] for k in range(8)]
    return " ".join(words).capitalize() + f" numéro {i}{j}."


@dataclass
class Db:
    store: Store
    scheme_id: int
    docs: list[int]
    sents: list[dict]  # every sentence in corpus order

    def who(self, name: str) -> int:
        return self.store.schemes.annotator_id(name)

    def label(self, name: str, s: int, label_set: str, label: str) -> None:
        sent = self.sents[s]
        self.store.annotations.add(
            self.who(name), self.scheme_id, label_set=label_set, label=label, level="sentence",
            document_id=sent["document_id"], sentence_id=sent["id"],
            replace_in_set=label_set == "frame",
        )

    def span(self, name: str, s: int, label: str, start: int, end: int) -> None:
        sent = self.sents[s]
        self.store.annotations.add(
            self.who(name), self.scheme_id, label_set="technique", label=label, level="span",
            document_id=sent["document_id"], sentence_id=sent["id"],
            start=sent["start"] + start, end=sent["start"] + end,
        )

    def doc_label(self, name: str, d: int, label: str) -> None:
        self.store.annotations.add(
            self.who(name), self.scheme_id, label_set="stance", label=label, level="document",
            document_id=self.docs[d], replace_in_set=True,
        )

    def done(self, name: str, s: int) -> None:
        self.store.progress.mark_done(self.who(name), self.scheme_id, self.sents[s]["id"])


@pytest.fixture
def db(store: Store) -> Db:
    from annotator.core.scheme import parse_scheme

    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    docs = []
    for i in range(4):
        text = " ".join(sentence(i, j) for j in range(5))
        [(doc_id, _)] = store.corpus.add_documents([make_document(text, title=f"Article {i}")])
        docs.append(doc_id)
    sents = [s for d in docs for s in store.corpus.sentences(d)]
    assert len(sents) == 20
    return Db(store, scheme_id, docs, sents)


def set_report(db: Db, label_set: str, **kw: object) -> dict:
    report = agree_db.agreement_report(db.store, "agreetest", label_set, **kw)  # type: ignore[arg-type]
    [entry] = report["label_sets"]
    return entry


# ------------------------------------------------------------------------ single-choice sentences
ALICE = ["Political", "Political", "Security", "Security", "Economic", "Political", None,
         "Security", "Political", "Economic"]
BOB = ["Political", "Security", "Security", "Security", "Economic", "Political", None,
       "Economic", "Political"]


def fill_frames(db: Db) -> None:
    db.label("bob", 0, "frame", "Economic")  # replaced below: only the current label counts
    for i, lab in enumerate(ALICE):
        if lab:
            db.label("alice", i, "frame", lab)
        db.done("alice", i)
    for i, lab in enumerate(BOB):
        if lab:
            db.label("bob", i, "frame", lab)
        db.done("bob", i)
    # Bob tagged sentence 10 but never marked it done: not an answer.
    db.label("bob", 10, "frame", "Economic")


def test_single_choice_matches_hand_values_and_core(db: Db) -> None:
    fill_frames(db)
    s = set_report(db, "frame")
    # 10 sentences done by alice, 9 by bob: 9 units, sentence 9 dropped (alice only).
    assert s["n_units"] == 9
    reasons = {d["reason"]: d["count"] for d in s["units_dropped"]}
    assert reasons["1 sentence completed by only one annotator"] == 1
    assert reasons["1 label on sentences the annotator has not marked done (not counted as "
                   "answers)"] == 1
    # Hand values: 7 of 9 units agree; kappa = (63/81 − 24/81) / (1 − 24/81) = 39/57;
    # alpha = 1 − 17 · 4 / (18² − (7² + 6² + 3² + 2²)) = 158/226.
    assert s["percent_agreement"] == pytest.approx(7 / 9)
    assert s["pairs"][0]["cohen_kappa"] == pytest.approx(39 / 57)
    assert s["krippendorff_alpha"] == pytest.approx(158 / 226)
    # The same numbers from the core on a hand-built matrix ("(none)" is its own category).
    code = {"Political": 0, "Security": 1, "Economic": 2, None: 3}
    m = np.array([[code[x] for x in ALICE[:9]], [code[x] for x in BOB]], dtype=float)
    assert s["fleiss_kappa"] == pytest.approx(ag.fleiss_kappa(m))
    assert s["gwet_ac1"] == pytest.approx(ag.gwet_ac1(m))
    assert s["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(m, "nominal"))
    per = {e["label"]: e for e in s["per_label"]}
    for label, c in code.items():
        if label is None:
            continue
        view = (m == c).astype(float)
        assert per[label]["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(view))
        assert per[label]["kappa"] == pytest.approx(ag.cohen_kappa(view[0], view[1]))
    ci = s["alpha_ci95"]
    assert ci["low"] <= s["krippendorff_alpha"] <= ci["high"]
    assert ci["seed"] == 0 and ci["n_boot"] == 1000
    # Done with no label is an answer: the (none) category shows in the confusion matrix.
    conf = s["pairs"][0]["confusion"]
    none_i = conf["categories"].index("(none)")
    assert conf["matrix"][none_i][none_i] == 1
    sec, eco = conf["categories"].index("Security"), conf["categories"].index("Economic")
    assert conf["matrix"][sec][eco] == 1  # sentence 7: alice Security, bob Economic
    # The two disagreements come first for adjudication, with their text.
    top = s["most_disagreement"]
    assert {u["unit_id"] for u in top} == {db.sents[1]["id"], db.sents[7]["id"]}
    assert top[0]["title"] == "Article 0" and top[0]["text"] in {db.sents[1]["text"],
                                                                 db.sents[7]["text"]}
    assert top[0]["answers"]["alice"] in {"Political", "Security"}


def test_replaced_label_uses_latest_and_seed_reproducible(db: Db) -> None:
    fill_frames(db)
    db.label("bob", 1, "frame", "Political")  # bob changes his mind: now agrees on sentence 1
    s = set_report(db, "frame")
    assert s["percent_agreement"] == pytest.approx(8 / 9)
    again = set_report(db, "frame")
    assert again["alpha_ci95"] == s["alpha_ci95"]
    other = set_report(db, "frame", seed=7)
    assert other["alpha_ci95"]["seed"] == 7


def test_unseen_is_missing_with_three_annotators(db: Db) -> None:
    fill_frames(db)
    # carol completes sentences 0-4 only, agreeing with alice.
    for i in range(5):
        db.label("carol", i, "frame", ALICE[i])
        db.done("carol", i)
    db.store.progress.mark_seen(db.who("carol"), db.scheme_id, db.sents[5]["id"])  # seen, not done
    s = set_report(db, "frame")
    assert s["annotators"] == ["alice", "bob", "carol"]
    code = {"Political": 0, "Security": 1, "Economic": 2, None: 3}
    m = np.full((3, 9), np.nan)
    m[0] = [code[x] for x in ALICE[:9]]
    m[1] = [code[x] for x in BOB]
    m[2, :5] = [code[x] for x in ALICE[:5]]
    assert s["n_values"] == 23
    assert s["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(m, "nominal"))
    assert s["percent_agreement"] == pytest.approx(ag.percent_agreement(m))
    assert s["fleiss_kappa"] == pytest.approx(ag.fleiss_kappa(m))
    loo = {e["left_out"]: e["krippendorff_alpha"] for e in s["leave_one_out"]}
    for a, name in enumerate(["alice", "bob", "carol"]):
        assert loo[name] == pytest.approx(ag.krippendorff_alpha(np.delete(m, a, axis=0)))
    pairs = {(p["a"], p["b"]): p for p in s["pairs"]}
    assert pairs[("alice", "carol")]["n_units"] == 5
    assert pairs[("alice", "carol")]["cohen_kappa"] == pytest.approx(1.0)
    # --annotators restricts the matrix.
    s2 = set_report(db, "frame", annotators=["alice", "carol"])
    assert s2["n_units"] == 5 and s2["krippendorff_alpha"] == pytest.approx(1.0)


def test_undefined_is_reported_with_reason_not_nan(db: Db) -> None:
    for i in range(4):
        for who in ("alice", "bob"):
            db.label(who, i, "frame", "Political")
            db.done(who, i)
    s = set_report(db, "frame")
    assert s["percent_agreement"] == 1.0
    assert s["krippendorff_alpha"] is None
    assert "identical" in s["undefined"]["krippendorff_alpha"]
    assert s["pairs"][0]["cohen_kappa"] is None and s["pairs"][0]["undefined"]["cohen_kappa"]
    text, code = run_db(db.store.path, "agreetest", "frame")
    assert code == 0
    assert "Krippendorff's alpha" in text and "undefined (all pairable values are identical" in text
    assert "nan" not in text.lower()
    out, _ = run_db(db.store.path, "agreetest", "frame", fmt="json")
    data = json.loads(out)
    assert data["label_sets"][0]["krippendorff_alpha"] is None
    assert data["label_sets"][0]["undefined"]["krippendorff_alpha"]


def test_no_units_at_all(db: Db) -> None:
    db.label("alice", 0, "frame", "Political")
    db.done("alice", 0)
    db.done("bob", 1)
    s = set_report(db, "frame")
    assert s["n_units"] == 0
    assert s["krippendorff_alpha"] is None and s["undefined"]["krippendorff_alpha"]
    assert {d["count"] for d in s["units_dropped"]} == {2}


# --------------------------------------------------------------------------------- multi-label
TOPICS_A = [{"War"}, {"War", "Energy"}, set(), {"Health"}, {"Energy"}]
TOPICS_B = [{"War"}, {"War"}, set(), {"Energy"}, {"Energy"}]


def test_multi_label_sets_and_per_label(db: Db) -> None:
    for who, sets in (("alice", TOPICS_A), ("bob", TOPICS_B)):
        for i, labs in enumerate(sets):
            for lab in sorted(labs):
                db.label(who, i, "topics", lab)
            db.done(who, i)
    s = set_report(db, "topics")
    assert s["n_units"] == 5
    sets = [[frozenset(a), frozenset(b)] for a, b in zip(TOPICS_A, TOPICS_B, strict=True)]
    assert s["masi_alpha"] == pytest.approx(ag.set_alpha(sets, "masi"))
    assert s["jaccard_alpha"] == pytest.approx(ag.set_alpha(sets, "jaccard"))
    assert s["percent_agreement"] == pytest.approx(3 / 5)  # units 0, 2, 4 have equal sets
    per = {e["label"]: e for e in s["per_label"]}
    for label in ("War", "Energy", "Health"):
        view = ag.binary_view(sets, label)
        assert per[label]["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(view))
        want = ag.cohen_kappa(view[0], view[1], categories=[0.0, 1.0])
        if isinstance(want, ag.Undefined):
            assert per[label]["kappa"] is None
        else:
            assert per[label]["kappa"] == pytest.approx(want)
    # War: alice 2 of 5, bob 2 of 5 -> perfect.
    assert per["War"]["krippendorff_alpha"] == pytest.approx(1.0)
    # Health: only alice, once; binary view [[0,0,0,1,0],[0,0,0,0,0]].
    assert per["Health"]["kappa"] == pytest.approx(0.0)
    conf = s["pairs"][0]["confusion"]
    war, energy = conf["categories"].index("War"), conf["categories"].index("Energy")
    assert conf["matrix"][energy][war] == 1  # unit 1: alice Energy (and War), bob War
    none = conf["categories"].index("(none)")
    assert conf["matrix"][none][none] == 1  # unit 2: both done with no label


# ------------------------------------------------------------------------------- document sets
def test_document_ordinal(db: Db) -> None:
    for d, lab in enumerate(["against", "neutral", "favor", "favor"]):
        db.doc_label("alice", d, lab)
    for d, lab in enumerate(["neutral", "favor", "favor"]):
        db.doc_label("bob", d, lab)
    db.doc_label("bob", 0, "against")  # replaced: against
    s = set_report(db, "stance")
    assert s["n_units"] == 3 and s["scale"] == "ordinal"
    assert {d["reason"] for d in s["units_dropped"]} == {
        "1 document completed by only one annotator"
    }
    m = np.array([[0, 1, 2], [0, 2, 2]], dtype=float)
    assert s["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(m, "ordinal"))
    p = s["pairs"][0]
    # Linear weights: po = (1 + 1/2 + 1)/3, pe = 1/2 -> kappa = 2/3.
    assert p["cohen_kappa_linear"] == pytest.approx(2 / 3)
    assert p["cohen_kappa_quadratic"] == pytest.approx(
        ag.cohen_kappa(m[0], m[1], weights="quadratic")
    )
    assert p["cohen_kappa"] == pytest.approx(ag.cohen_kappa(m[0], m[1]))
    assert s["most_disagreement"][0]["title"] == "Article 1"


# ---------------------------------------------------------------------------------- span sets
def test_span_f1_and_char_alpha(db: Db) -> None:
    db.span("alice", 0, "Loaded_Language", 0, 5)
    db.span("alice", 0, "Name_Calling", 10, 15)
    db.span("bob", 0, "Loaded_Language", 0, 5)
    db.span("bob", 0, "Name_Calling", 12, 20)
    db.span("bob", 1, "Loaded_Language", 3, 9)
    db.span("alice", 2, "Loaded_Language", 0, 4)  # sentence 2: alice did not mark it done
    for who in ("alice", "bob"):
        db.done(who, 0)
        db.done(who, 1)
    db.done("bob", 2)
    s = set_report(db, "technique")
    assert s["n_units"] == 2
    reasons = {d["reason"] for d in s["units_dropped"]}
    assert "1 sentence completed by only one annotator" in reasons
    assert "1 span on sentences the annotator has not marked done (not counted)" in reasons
    [pair] = s["pairs"]
    assert pair["n_sentences"] == 2
    per = {e["label"]: e for e in pair["per_label"]}
    ll, nc = per["Loaded_Language"], per["Name_Calling"]
    assert (ll["n_a"], ll["n_b"]) == (1, 2)
    assert ll["exact_precision"] == pytest.approx(1 / 2) and ll["exact_recall"] == 1.0
    assert ll["exact_f1"] == pytest.approx(2 / 3)
    assert nc["exact_f1"] == 0.0 and nc["overlap_f1"] == 1.0
    allp = pair["all_labels"]
    assert allp["exact_precision"] == pytest.approx(1 / 3)
    assert allp["exact_recall"] == pytest.approx(1 / 2)
    assert allp["exact_f1"] == pytest.approx(0.4)
    assert allp["overlap_f1"] == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    # Character-level alpha: hand-built matrix over the characters of sentences 0 and 1.
    def chars(spans_a: list[tuple[int, int]], spans_b: list[tuple[int, int]], n: int) -> np.ndarray:
        m = np.zeros((2, n))
        for row, spans in enumerate((spans_a, spans_b)):
            for a, b in spans:
                m[row, a:b] = 1
        return m

    n0 = len(db.sents[0]["text"])
    n1 = len(db.sents[1]["text"])
    ll_m = np.concatenate([chars([(0, 5)], [(0, 5)], n0), chars([], [(3, 9)], n1)], axis=1)
    nc_m = np.concatenate([chars([(10, 15)], [(12, 20)], n0), chars([], [], n1)], axis=1)
    char = {e["label"]: e for e in s["per_label"]}
    assert char["Loaded_Language"]["n_characters"] == n0 + n1
    assert char["Loaded_Language"]["char_alpha"] == pytest.approx(ag.krippendorff_alpha(ll_m))
    assert char["Name_Calling"]["char_alpha"] == pytest.approx(ag.krippendorff_alpha(nc_m))


def test_span_undefined_when_no_spans(db: Db) -> None:
    for who in ("alice", "bob"):
        db.done(who, 0)
    s = set_report(db, "technique")
    assert all(e["char_alpha"] is None and e["undefined"]["char_alpha"] for e in s["per_label"])
    e = s["pairs"][0]["all_labels"]
    assert e["exact_f1"] is None and "neither annotator" in e["undefined"]["exact_f1"]


# ------------------------------------------------------------------------------------ output
def test_json_csv_and_text(db: Db) -> None:
    fill_frames(db)
    db.doc_label("alice", 0, "favor")
    db.doc_label("bob", 0, "favor")
    out, code = run_db(db.store.path, fmt="json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"scheme", "scheme_version", "annotators", "bootstrap", "label_sets",
                         "database"}
    by = {s["label_set"]: s for s in data["label_sets"]}
    assert set(by) == {"frame", "topics", "stance", "technique"}
    assert set(by["frame"]) >= {
        "label_set", "level", "scale", "multiple", "n_units", "units_dropped", "notes",
        "percent_agreement", "krippendorff_alpha", "alpha_ci95", "fleiss_kappa", "gwet_ac1",
        "pairs", "leave_one_out", "most_disagreement", "undefined",
    }
    assert set(by["topics"]) >= {"masi_alpha", "jaccard_alpha", "per_label", "masi_alpha_ci95"}
    assert set(by["technique"]) >= {"pairs", "per_label", "n_units"}
    text, _ = run_db(db.store.path)
    assert "frame (sentence, nominal, single choice)" in text
    assert "units: 9 sentences completed by two or more annotators" in text
    assert "dropped: 1 sentence completed by only one annotator" in text
    assert "95% CI [" in text
    assert "nan" not in text.lower()
    out, _ = run_db(db.store.path, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and set(rows[0]) == set(CSV_COLUMNS)
    alpha = [r for r in rows if r["label_set"] == "frame" and r["scope"] == "set"
             and r["coefficient"] == "krippendorff_alpha"]
    assert len(alpha) == 1 and math.isclose(float(alpha[0]["value"]), 158 / 226)
    undefined = [r for r in rows if r["value"] == ""]
    assert all(r["reason"] for r in undefined)


def test_errors_name_the_problem(db: Db) -> None:
    fill_frames(db)
    with pytest.raises(StoreError, match="no label set 'nope'"):
        run_db(db.store.path, "agreetest", "nope")
    with pytest.raises(StoreError, match="no annotator named zoe"):
        run_db(db.store.path, "agreetest", None, ["alice", "zoe"])
    with pytest.raises(StoreError, match="no scheme named"):
        run_db(db.store.path, "other")


# ---------------------------------------------------- vectorised span maths == core.spans
@pytest.mark.parametrize("seed", range(8))
def test_span_maths_equal_core_spans(seed: int) -> None:
    from annotator.core import spans as sp

    rng = np.random.default_rng(seed)
    n_sent, n_ann, labels = 12, 3, ["A", "B"]
    lengths = rng.integers(5, 40, n_sent)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])  # one document, gaps of 1
    ends = starts + lengths
    done = rng.random((n_ann, n_sent)) < 0.7
    rows = []
    for _ in range(60):
        a, c, lab = int(rng.integers(n_ann)), int(rng.integers(n_sent)), int(rng.integers(2))
        if not done[a, c]:
            continue
        x = int(rng.integers(starts[c], ends[c] - 1))
        y = int(rng.integers(x + 1, ends[c] + 1))
        rows.append((a, c, lab, x, y))
    arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
    sd = agree_db.SpanData(
        label_set="t", annotators=["a0", "a1", "a2"], labels=labels, done=done,
        sentence_ids=np.arange(n_sent), sent_start=starts, sent_end=ends,
        span_annotator=arr[:, 0], span_sentence=arr[:, 1], span_label=arr[:, 2],
        span_start=arr[:, 3], span_end=arr[:, 4],
    )
    for a in range(n_ann):
        for b in range(a + 1, n_ann):
            both = set(np.flatnonzero(done[a] & done[b]).tolist())
            ref = [sp.Span(0, int(r[3]), int(r[4]), labels[r[2]]) for r in rows
                   if r[0] == a and r[1] in both]
            pred = [sp.Span(0, int(r[3]), int(r[4]), labels[r[2]]) for r in rows
                    if r[0] == b and r[1] in both]
            _, counts = agree_db.span_pair_counts(sd, a, b)
            for mode in ("exact", "overlap"):
                want = sp.span_prf(ref, pred, mode).per_label  # type: ignore[arg-type]
                for li, lab in enumerate(labels):
                    got = getattr(counts[li], mode)
                    assert got == (want[lab].matched if lab in want else 0), (a, b, mode, lab)
    sentences = [sp.Sentence(i, 0, int(starts[i]), int(ends[i])) for i in range(n_sent)]
    completed = {f"a{a}": np.flatnonzero(done[a]).tolist() for a in range(n_ann)}
    by_ann = {f"a{a}": [sp.Span(0, int(r[3]), int(r[4]), labels[r[2]]) for r in rows
                        if r[0] == a] for a in range(n_ann)}
    want_alpha = sp.char_alpha(sentences, completed, by_ann, labels)
    for li, lab in enumerate(labels):
        matrix, weights, n_chars, _ = agree_db.char_patterns(sd, li)
        got = ag.krippendorff_alpha(matrix, unit_weights=weights)
        assert n_chars == int(lengths[done.sum(axis=0) >= 2].sum())
        if isinstance(want_alpha[lab], ag.Undefined):
            assert isinstance(got, ag.Undefined)
        else:
            assert got == pytest.approx(want_alpha[lab])


# ------------------------------------------------------------------------------------- CLI
def test_cli_agree_on_database(db: Db) -> None:
    from click.testing import CliRunner

    from annotator.cli import cli

    fill_frames(db)
    path = db.store.path
    runner = CliRunner()
    r = runner.invoke(cli, ["agree", "--db", path, "--label-set", "frame"])
    assert r.exit_code == 0, r.output
    assert "frame (sentence, nominal, single choice)" in r.output
    assert "Krippendorff's alpha            0.699" in r.output
    r = runner.invoke(cli, ["agree", "--db", path, "--json", "--annotators", "alice,bob"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    frame = next(s for s in data["label_sets"] if s["label_set"] == "frame")
    assert frame["krippendorff_alpha"] == pytest.approx(158 / 226)
    assert data["annotators"] == ["alice", "bob"]
    r = runner.invoke(cli, ["agree", "--db", path, "--csv", "--label-set", "frame"])
    assert r.exit_code == 0 and r.output.startswith(",".join(CSV_COLUMNS))
    r = runner.invoke(cli, ["agree", "--db", path, "--label-set", "nope"])
    assert r.exit_code == 1 and "no label set 'nope'" in r.output
    r = runner.invoke(cli, ["agree", "--db", str(db.store.path) + ".missing"])
    assert r.exit_code == 1 and "no such database" in r.output


def test_several_labels_in_single_choice_set_latest_wins(db: Db) -> None:
    for who in ("alice", "bob"):
        for i in range(3):
            db.done(who, i)
    sent = db.sents[0]
    for label in ("Economic", "Security"):  # no replace: two current labels on one unit
        db.store.annotations.add(
            db.who("bob"), db.scheme_id, label_set="frame", label=label, level="sentence",
            document_id=sent["document_id"], sentence_id=sent["id"],
        )
    db.label("alice", 0, "frame", "Security")
    s = set_report(db, "frame")
    assert any("latest one is used" in n for n in s["notes"])
    conf = s["pairs"][0]["confusion"]
    sec = conf["categories"].index("Security")
    assert conf["matrix"][sec][sec] == 1  # sentence 0: bob's latest label is Security
    assert s["percent_agreement"] == 1.0


def test_document_done_without_label_and_annotator_per_set(db: Db) -> None:
    db.doc_label("alice", 0, "favor")
    db.doc_label("bob", 0, "favor")
    db.doc_label("alice", 1, "against")
    # bob closed document 1's panel without a stance (through the store's bulk API, as a merge
    # would): an answer, but not a value on the ordinal scale.
    db.store.db.bulk_insert("document_progress", [{
        "annotator_id": db.who("bob"), "document_id": db.docs[1], "status": "done",
        "updated_at": "2026-01-01T00:00:00Z",
    }])
    db.label("carol", 0, "frame", "Political")  # carol only touched the sentence set
    s = set_report(db, "stance")
    assert s["annotators"] == ["alice", "bob"]
    assert s["n_units"] == 2
    assert {d["reason"] for d in s["units_dropped"]} == {
        "1 answer done without a label left out of the ordinal statistics (no value on the scale)"
    }
    assert s["pairs"][0]["n_units"] == 1


def test_older_database_gets_the_agreement_index(db_path: Path) -> None:
    import sqlite3

    s = Store.open(db_path)
    s.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_agreement_covering_index'")
    s.db.execute("DROP INDEX idx_annotations_agreement")
    before = s.db.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid").fetchall()
    s.close()
    s = Store.open(db_path)  # migrates (after a backup) instead of hanging on its own lock
    assert "idx_annotations_agreement" in {i.name for i in s.db.table("annotations").indexes}
    s.close()
    [backup] = list(db_path.parent.glob("annotations.db.bak-*"))
    names = sqlite3.connect(backup).execute("SELECT name FROM _sqlite_migrations").fetchall()
    assert ("m001_initial",) in names
    assert names == before  # the backup is the database as it was before migrating


def test_no_bootstrap_says_so(db: Db) -> None:
    fill_frames(db)
    s = set_report(db, "frame", n_boot=0)
    assert s["alpha_ci95"] is None
    assert s["undefined"]["alpha_ci95"] == "no bootstrap requested (--n-boot 0)"
    assert s["krippendorff_alpha"] == pytest.approx(158 / 226)


# ------------------------------------------------------------------ scales: values and weights
SCALES_YAML = """\
name: scales
version: 1
language: fr
label_sets:
  - name: big
    level: sentence
    scale: ratio
    labels:
      - {name: low, value: 1000000}
      - {name: mid, value: 1000001}
      - {name: high, value: 1000003}
  - name: grade
    level: sentence
    scale: interval
    labels:
      - {name: one, value: 1}
      - {name: two, value: 2}
      - {name: five, value: 5}
"""


def fill_scales(db: Db, label_set: str, a: list[str], b: list[str]) -> None:
    from annotator.core.scheme import parse_scheme

    sid, _ = db.store.schemes.add(parse_scheme(SCALES_YAML))
    for who, labels in (("alice", a), ("bob", b)):
        for i, lab in enumerate(labels):
            sent = db.sents[i]
            db.store.annotations.add(
                db.who(who), sid, label_set=label_set, label=lab, level="sentence",
                document_id=sent["document_id"], sentence_id=sent["id"], replace_in_set=True,
            )
            db.store.progress.mark_done(db.who(who), sid, sent["id"])


def scales_report(db: Db, label_set: str, **kw: object) -> dict:
    report = agree_db.agreement_report(db.store, "scales", label_set, **kw)  # type: ignore[arg-type]
    [entry] = report["label_sets"]
    return entry


def test_ratio_alpha_defined_for_values_near_a_million(db: Db) -> None:
    """Scale values 1,000,000 / 1,000,001 / 1,000,003: α and its CI are defined."""
    a = ["low", "mid", "high", "high", "low", "mid"]
    b = ["low", "mid", "high", "mid", "low", "mid"]
    fill_scales(db, "big", a, b)
    s = scales_report(db, "big")
    value = {"low": 1e6, "mid": 1e6 + 1, "high": 1e6 + 3}
    m = np.array([[value[x] for x in a], [value[x] for x in b]])
    assert s["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(m, "ratio"))
    assert s["alpha_ci95"] is not None, s["undefined"]


GRADE_A = ["one", "two", "five", "one", "two", "five", "one", "five"]
GRADE_B = ["two", "two", "five", "one", "five", "five", "one", "two"]


def test_weighted_kappa_positions_by_default_values_on_request(db: Db, tmp_path: Path) -> None:
    """Database and --table mode give the same weighted κ: positions of the ordered categories
    by default (R irr kappa2, scikit-learn), the scale values with kappa_distance='values'."""
    from annotator.services.agree_table import table_summary

    fill_scales(db, "grade", GRADE_A, GRADE_B)
    value = {"one": 1.0, "two": 2.0, "five": 5.0}
    a = np.array([value[x] for x in GRADE_A])
    b = np.array([value[x] for x in GRADE_B])
    f = tmp_path / "grade.csv"
    f.write_text("unit,annotator,label\n" + "".join(
        f"u{u},alice,{x:g}\nu{u},bob,{y:g}\n" for u, (x, y) in enumerate(zip(a, b, strict=True))
    ), encoding="utf-8")
    # Positions 0, 1, 2 of one < two < five: plain κ weights on those.
    pos_a, pos_b = np.searchsorted([1.0, 2.0, 5.0], a), np.searchsorted([1.0, 2.0, 5.0], b)
    [pair] = scales_report(db, "grade")["pairs"]
    for wt in ("linear", "quadratic"):
        want = ag.cohen_kappa(pos_a.astype(float), pos_b.astype(float), weights=wt)
        assert pair[f"cohen_kappa_{wt}"] == pytest.approx(want, abs=1e-12)
    for distance in ("positions", "values"):
        [pair] = scales_report(db, "grade", kappa_distance=distance)["pairs"]
        for wt in ("linear", "quadratic"):
            want = ag.cohen_kappa(a, b, weights=wt, distance=distance)
            assert pair[f"cohen_kappa_{wt}"] == pytest.approx(want, abs=1e-12)
            table = table_summary(f, weights=wt, kappa_distance=distance, n_boot=0)
            assert table["cohen_kappa"] == pytest.approx(want, abs=1e-12)


def test_cli_kappa_distance_option(db: Db) -> None:
    from click.testing import CliRunner

    from annotator.cli import cli

    fill_scales(db, "grade", GRADE_A, GRADE_B)
    runner = CliRunner()
    got = {}
    for distance in ("positions", "values"):
        r = runner.invoke(cli, ["agree", "--db", db.store.path, "--scheme", "scales",
                                "--label-set", "grade", "--json", "--kappa-distance", distance])
        assert r.exit_code == 0, r.output
        [entry] = json.loads(r.output)["label_sets"]
        assert entry["kappa_distance"] == distance
        got[distance] = entry["pairs"][0]["cohen_kappa_linear"]
    assert got["positions"] != pytest.approx(got["values"])
    r = runner.invoke(cli, ["agree", "--db", db.store.path, "--scheme", "scales",
                            "--label-set", "grade", "--kappa-distance", "values"])
    assert r.exit_code == 0 and "weighted kappa by value distance" in r.output


def test_lone_values_are_said_to_count_in_fleiss_and_ac1(db: Db) -> None:
    """A unit left with one value on the scale is not pairable, but its value still counts in
    the chance agreement of Fleiss' κ and AC1: the report says so, and the numbers are the
    core's on the matrix that keeps it."""
    db.doc_label("alice", 0, "favor")
    db.doc_label("bob", 0, "favor")
    db.doc_label("alice", 1, "against")
    db.store.db.bulk_insert("document_progress", [{
        "annotator_id": db.who("bob"), "document_id": db.docs[1], "status": "done",
        "updated_at": "2026-01-01T00:00:00Z",
    }])
    s = set_report(db, "stance")
    m = np.array([[2.0, 0.0], [2.0, np.nan]])
    assert s["krippendorff_alpha"] is None
    assert s["fleiss_kappa"] == ag.fleiss_kappa(m) == 1.0
    assert s["gwet_ac1"] == ag.gwet_ac1(m) == 1.0
    text = render_text({"scheme": "agreetest", "scheme_version": 1,
                                 "annotators": ["alice", "bob"], "label_sets": [s]})
    assert ("of which 1 document left with fewer than two values: not pairable (a lone value "
            "counts only in the chance agreement of Fleiss' kappa and Gwet's AC1)") in text
