"""`annotator report --gold`: the numbers a thesis cites come from adjudicated or majority gold,
outlets and documents nobody coded read "not coded" (never 0), every rate has a 95 % interval
checked against SciPy's bootstrap, every label a test of outlet differences checked against
SciPy's chi-square, and agreement on few units carries a warning (report and agree).

Hand-computed numbers use tests/framing_fixture.py (see its docstring for the facts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.render.report_html import render_html
from annotator.render.report_text import format_text, shorten
from annotator.services.report import RateTable, Report, build_report
from tests.framing_fixture import Framing, build, span_of
from tests.report_demo_fixture import NOT_CODED, Demo
from tests.report_demo_fixture import build as build_demo


@pytest.fixture
def framing(db_path: Path) -> Iterator[Framing]:
    f = build(db_path)
    yield f
    f.store.close()


def adjudicate(f: Framing) -> None:
    """The lead decided three sentences and one document of La Gazette, nothing of Le Veilleur
    (one unresolved decision there, which is no gold)."""
    store, lead = f.store, f.store.schemes.annotator_id("lead")

    def decide(label_set: str, level: str, doc: int, sid: int | None, gold: list[dict],
               status: str = "resolved") -> None:
        store.adjudications.adjudicate(f.scheme_id, lead, {
            "label_set": label_set, "level": level, "document_id": doc, "sentence_id": sid,
            "choice": "edit", "sources": ["alice", "bob"], "status": status, "gold": gold})

    decide("frame", "sentence", f.doc1, f.s1[0], [{"label": "Security_and_defense"}])
    decide("frame", "sentence", f.doc1, f.s1[1], [{"label": "Political"}])
    decide("frame", "sentence", f.doc1, f.s1[3], [])  # decided: nothing
    start, end = span_of(store, f.s1[1], "fraternité invincible")
    decide("technique", "span", f.doc1, f.s1[1],
           [{"label": "Loaded_Language", "start": start, "end": end}])
    decide("stance", "document", f.doc1, None, [{"label": "against"}])
    decide("frame", "sentence", f.doc2, f.s2[0], [], status="unresolved")


def rates(rep: Report, label_set: str) -> dict[str, dict[str, float | None]]:
    t = next(t for t in rep.outlet_rates if t.label_set == label_set)
    return {r.name: r.rates for r in t.rows}


def test_adjudicated_gold_numbers_and_not_coded(framing: Framing) -> None:
    adjudicate(framing)
    rep = build_report(framing.store)  # default: adjudicated, since decisions exist
    assert rep.gold == "adjudicated"
    # frame, La Gazette: 3 sentences decided (s0 Security, s1 Political, s3 nothing)
    frame = next(t for t in rep.outlet_rates if t.label_set == "frame")
    gazette, veilleur = frame.rows
    assert gazette.answered == 3 and gazette.documents == 1
    assert gazette.rates == {"Security_and_defense": pytest.approx(100 / 3),
                             "Political": pytest.approx(100 / 3), "Economic": 0.0}
    # Le Veilleur: only an unresolved decision, so nothing decided: not coded, never 0
    assert veilleur.answered == 0 and not veilleur.coded
    assert veilleur.rates == {"Security_and_defense": None, "Political": None, "Economic": None}
    # technique: one decided sentence holding one gold span
    assert rates(rep, "technique")["La Gazette"]["Loaded_Language"] == 100.0
    assert rates(rep, "technique")["Le Veilleur"]["Loaded_Language"] is None
    [stance] = rep.doc_labels
    assert stance.outlets == [("La Gazette", 1, {"against": 1, "neutral": 0, "favor": 0})]
    assert stance.coded == {"La Gazette": 1, "Le Veilleur": 0}
    assert stance.documents == [(framing.doc1, "Le front vu de la capitale", "La Gazette",
                                 {"against": ["gold"]})]
    # agreement still describes the coders
    alpha = {(a.label_set, a.label): a.alpha for a in rep.agreement}
    assert alpha[("frame", "Security_and_defense")] == pytest.approx(0.64)

    text = format_text(rep, documents=True)
    first = text.splitlines()[0]
    assert first.startswith("Counts (default, see --gold): adjudicated gold")
    frame_part = text.split("frame: labelled sentences per 100 sentences, by outlet (gold)")[1]
    row = next(line for line in frame_part.splitlines() if line.startswith("Security_and"))
    assert row.split()[1:] == ["33.3", "not", "coded"]
    stance_part = text.split("stance (document level)")[1]
    veilleur_row = next(line for line in stance_part.splitlines() if line.startswith("Le Veil"))
    assert veilleur_row.split()[2:] == ["not", "coded"] * 3 + ["0"]
    by_doc = text.split("frame: labelled sentences per 100 sentences, by document")[1]
    assert f"#{framing.doc2} Des mercenaires au front [Le Veilleur]: not coded" in by_doc

    page = render_html(rep)
    assert "Le Veilleur / Security_and_defense: not coded" in page
    assert "Le Veilleur / Security_and_defense: 0.0" not in page
    assert "Not coded (no answered sentence, so no rate): Le Veilleur." in page


def test_majority_gold_is_the_export_rule(framing: Framing) -> None:
    rep = build_report(framing.store, gold="majority")
    # frame: Gazette s0 Security by both (chosen); s1 Political/Security and s2 Political by
    # one of two (ties, left out): 1 of 4 units. Veilleur: s0 Security by both; s1 answered by
    # alice alone with no frame: 1 of 2
    assert rates(rep, "frame")["La Gazette"] == {
        "Security_and_defense": 25.0, "Political": 0.0, "Economic": 0.0}
    assert rates(rep, "frame")["Le Veilleur"]["Security_and_defense"] == 50.0
    # technique: the shared LL span in Gazette s1; Doubt by one of two is a tie; Veilleur s0
    # Name_Calling by both, s1 LL by alice, its only voter
    tech = rates(rep, "technique")
    assert (tech["La Gazette"]["Loaded_Language"], tech["La Gazette"]["Doubt"]) == (25.0, 0.0)
    assert tech["Le Veilleur"] == {"Loaded_Language": 50.0, "Name_Calling-Labeling": 50.0,
                                   "Doubt": 0.0}
    # stance: against by both; favor/neutral tie chooses nothing, yet the document is coded
    [stance] = rep.doc_labels
    assert stance.outlets == [("La Gazette", 1, {"against": 1, "neutral": 0, "favor": 0})]
    assert stance.coded == {"La Gazette": 1, "Le Veilleur": 1}
    assert format_text(rep).startswith("Counts (--gold majority): majority gold")

    # the same gold as `export --gold majority` (core.gold.majority_unit) per unit
    from annotator.core.gold import majority_unit

    chosen, ties = majority_unit({"alice": ["Political"], "bob": ["Security_and_defense"]},
                                 ["alice", "bob"])
    assert chosen == [] and len(ties) == 2


def test_pooled_when_asked_and_default_without_decisions(framing: Framing) -> None:
    pooled = build_report(framing.store)
    assert pooled.gold == "none"
    assert format_text(pooled).startswith(
        "Counts (default, see --gold): every coder's labels, pooled (no decision yet).")
    adjudicate(framing)
    asked = build_report(framing.store, gold="none")
    assert rates(asked, "frame") == rates(pooled, "frame")
    assert rates(asked, "frame")["La Gazette"]["Security_and_defense"] == 37.5


def test_cli_gold_option_csv_and_documents(framing: Framing, db_path: Path,
                                           tmp_path: Path) -> None:
    adjudicate(framing)
    r = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--gold", "majority"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Counts (--gold majority): majority gold")
    assert "by document" not in r.stdout and "--documents" in r.stdout
    r = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--documents",
                                 "--csv", str(tmp_path / "tables")])
    assert r.exit_code == 0, r.output
    assert "by document (gold)" in r.stdout
    rows = (tmp_path / "tables" / "rates_by_outlet.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == ("label_set,outlet,label,count,sentences,documents,per_100,low95,high95")
    assert "frame,Le Veilleur,Political,0,0,0,,," in rows
    shares = (tmp_path / "tables" / "document_shares_by_outlet.csv").read_text(
        encoding="utf-8").splitlines()
    assert shares[0] == "label_set,outlet,label,count,answered,documents,percent,low95,high95"
    assert "stance,La Gazette,against,1,1,1,100.0,," in shares  # gold: one decided document
    assert "stance,Le Veilleur,against,0,0,0,,," in shares  # not coded: empty, never 0
    r = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--gold", "best"])
    assert r.exit_code == 2 and "'best' is not one of" in r.stderr


# ------------------------------------------------------------------------------ uncertainty
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    d = build_demo(tmp_path_factory.mktemp("demo") / "demo.db")
    yield d
    d.store.close()


def per_document(rep: Report, t: RateTable, outlet: str) -> tuple[np.ndarray, np.ndarray]:
    """(counts per label, answered) of the outlet's coded documents, from the per-document
    table (an independent path to the same data)."""
    docs = next(d for d in rep.document_rates if d.label_set == t.label_set)
    rows = [r for r in docs.rows if r.source == outlet and r.coded]
    return (np.array([[r.counts[lab] for lab in t.labels] for r in rows]),
            np.array([r.answered for r in rows]))


def scipy_interval(stats: Any, num: np.ndarray, denom: np.ndarray, n_boot: int,
                   seed: list[int]) -> Any:
    """The reference: SciPy's paired percentile bootstrap of 100 * sum(num) / sum(denom)."""
    return stats.bootstrap(
        (num, denom),
        lambda a, b, axis=-1: 100 * a.sum(axis=axis) / b.sum(axis=axis),
        paired=True, vectorized=True, n_resamples=n_boot, method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval


@pytest.mark.parametrize("gold", ["none", "adjudicated"])
def test_intervals_are_scipys_bootstrap_over_documents(demo: Demo, gold: str) -> None:
    stats = pytest.importorskip("scipy.stats")
    rep = build_report(demo.store, gold=gold, seed=3)
    for t in rep.outlet_rates:
        for j, row in enumerate(t.rows):
            if row.name == NOT_CODED:
                assert not row.coded and all(v is None for v in row.rates.values())
                assert all(v is None for v in row.low.values())
                continue
            num, denom = per_document(rep, t, row.name)
            assert row.documents == len(denom)
            for i, lab in enumerate(t.labels):
                assert row.rates[lab] == pytest.approx(100 * num[:, i].sum() / denom.sum())
                ref = scipy_interval(stats, num[:, i], denom, rep.n_boot, [3, j])
                assert row.low[lab] == pytest.approx(ref.low, abs=1e-9), (t.label_set, lab)
                assert row.high[lab] == pytest.approx(ref.high, abs=1e-9)


def test_outlet_differences_are_scipys_chi_square(demo: Demo) -> None:
    stats = pytest.importorskip("scipy.stats")
    rep = build_report(demo.store, gold="adjudicated")
    t = next(t for t in rep.outlet_rates if t.label_set == "technique")
    coded = [r.name for r in t.rows if r.coded]
    assert NOT_CODED not in coded and len(coded) == 3
    for i, lab in enumerate(t.labels):
        used = [int((per_document(rep, t, o)[0][:, i] > 0).sum()) for o in coded]
        sizes = [len(per_document(rep, t, o)[1]) for o in coded]
        d = t.differences[lab]
        assert (d.with_label, d.documents) == (used, sizes)
        if d.p_value is None:
            assert sum(used) in (0, sum(sizes))
            continue
        table = np.column_stack([used, np.subtract(sizes, used)])
        ref = stats.chi2_contingency(table, correction=False)
        assert d.chi2 == pytest.approx(ref.statistic)
        assert d.cramers_v == pytest.approx(stats.contingency.association(table))
    # the outlet built to lean on name-calling is found to differ
    nc = t.differences["Name_Calling-Labeling"]
    assert nc.p_value is not None and nc.p_value < 0.05 and nc.strength == "large"
    text = format_text(rep, width=100)
    assert "Name_Calling-Labeling: outlets differ" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_small_sample_warning_in_report_and_agree(framing: Framing, db_path: Path) -> None:
    text = format_text(build_report(framing.store))
    assert ("warning: small sample: agreement on fewer than 30 pairable units (frame 5 units, "
            "technique 5 units, stance 2 units)") in " ".join(text.split())
    r = CliRunner().invoke(cli, ["agree", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "warning: small sample: 2 pairable units (fewer than 30)" in r.stdout
    # sentences named as the annotation screen names them
    assert "doc 1, sentence 2/4 “Le front vu de la capitale”" in r.stdout
    assert "sentence 2 in" not in r.stdout


def test_agree_json_flags_small_samples(framing: Framing, db_path: Path) -> None:
    """``agree --json`` says what the text warns about: per set, the pairable units and whether
    they are fewer than 30 (a field added, nothing renamed)."""
    import json

    r = CliRunner().invoke(cli, ["agree", "--db", str(db_path), "--json"])
    assert r.exit_code == 0, r.output
    sets = {s["label_set"]: s for s in json.loads(r.stdout)["label_sets"]}
    assert sets["stance"]["pairable_units"] == 2 and sets["stance"]["small_sample"] is True
    text = CliRunner().invoke(cli, ["agree", "--db", str(db_path)]).stdout
    for s in sets.values():
        assert s["pairable_units"] == s["n_units"] - (s.get("units_without_two_values") or 0)
        assert s["small_sample"] is (0 < s["pairable_units"] < 30)
        if s["small_sample"]:
            assert f"small sample: {s['pairable_units']} pairable unit" in text


def test_no_warning_from_30_units(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    lines = ["unit,annotator,label"]
    for u in range(30):
        lines += [f"u{u},a,{'x' if u % 3 else 'y'}", f"u{u},b,{'x' if u % 4 else 'y'}"]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["agree", "--table", str(table)])
    assert r.exit_code == 0 and "small sample" not in r.stdout
    table.write_text("\n".join(lines[:59]) + "\n", encoding="utf-8")  # 29 pairable units
    r = CliRunner().invoke(cli, ["agree", "--table", str(table)])
    assert "warning: small sample: 29 pairable units" in r.stdout


def test_titles_shortened_on_word_boundaries() -> None:
    title = "Une hausse brutale des loyers : les réactions se multiplient dans la région"
    assert shorten(title, 30) == "Une hausse brutale des loyers…"
    assert shorten(title, 33) == "Une hausse brutale des loyers…"
    assert shorten("Anticonstitutionnellement", 10) == "Anticonst…"
    assert shorten("court", 10) == "court"


def test_default_is_per_label_set(framing: Framing) -> None:
    """A set with a resolved decision counts the gold; a set nobody adjudicated yet counts the
    coders, pooled; the first line says which is which."""
    lead = framing.store.schemes.annotator_id("lead")
    framing.store.adjudications.adjudicate(framing.scheme_id, lead, {
        "label_set": "frame", "level": "sentence", "document_id": framing.doc1,
        "sentence_id": framing.s1[0], "choice": "edit", "sources": [],
        "gold": [{"label": "Political"}]})
    rep = build_report(framing.store)
    assert rep.gold == "mixed"
    assert rep.gold_by_set == {"frame": "adjudicated", "technique": "none", "stance": "none"}
    assert rates(rep, "frame")["La Gazette"]["Political"] == 100.0
    assert rates(rep, "frame")["Le Veilleur"]["Political"] is None
    assert rates(rep, "technique")["La Gazette"]["Loaded_Language"] == 25.0  # pooled, as before
    text = format_text(rep, width=200)
    assert rep.gold_note == text.split("\nannotator report")[0].replace("\n  ", " ") == (
        "Counts (default, see --gold): adjudicated gold, the resolved decisions of `annotator "
        "review` (units decided of units coded: frame 1 of 6; undecided units are not coded); "
        "every coder's labels, pooled for technique, stance (no decision yet).")
    assert "technique: spans per 100 sentences, by outlet (pooled over coders)" in text
    assert "frame: labelled sentences per 100 sentences, by outlet (gold)" in text


def test_terminal_report_fits_its_width(demo: Demo) -> None:
    """Every line of the report, per-document tables included, within the terminal's width."""
    rep = build_report(demo.store)
    for width in (72, 100, 140):
        text = format_text(rep, documents=True, width=width)
        assert max(len(line) for line in text.splitlines()) <= width, width
        assert "Le Courrier libre" in text and "not coded" in text


def test_document_label_differences_are_scipys_chi_square(demo: Demo) -> None:
    stats = pytest.importorskip("scipy.stats")
    rep = build_report(demo.store, gold="adjudicated")
    stance = next(dl for dl in rep.doc_labels if dl.label_set == "stance")
    outlets = [o for o, n in stance.coded.items() if n]
    assert NOT_CODED not in outlets and stance.coded[NOT_CODED] == 0
    for lab, d in stance.differences.items():
        used = [sum(1 for _, _, src, votes in stance.documents if src == o and lab in votes)
                for o in outlets]
        assert d.with_label == used and d.documents == [stance.coded[o] for o in outlets]
        table = np.column_stack([used, np.subtract(d.documents, used)])
        if d.p_value is not None:
            assert d.chi2 == pytest.approx(stats.chi2_contingency(table, correction=False)
                                           .statistic)
    text = format_text(rep)
    assert "Do outlets differ? (share of coded documents given each label)" in text


def test_top_span_texts_come_from_what_is_counted(framing: Framing) -> None:
    """With --gold adjudicated or majority the span texts are the gold's (the lead widened
    « fraternité invincible » to « une fraternité invincible »), as the counts are; the section
    title says which spans they are."""
    store, lead = framing.store, framing.store.schemes.annotator_id("lead")
    start, end = span_of(store, framing.s1[1], "une fraternité invincible")
    store.adjudications.adjudicate(framing.scheme_id, lead, {
        "label_set": "technique", "level": "span", "document_id": framing.doc1,
        "sentence_id": framing.s1[1], "choice": "edit", "sources": ["alice", "bob"],
        "status": "resolved", "gold": [{"label": "Loaded_Language", "start": start, "end": end}]})

    def texts(rep: Report) -> dict[str, list[tuple[str, int, dict[str, int]]]]:
        return {st.label: [(i.text, i.n, i.sources) for i in st.top] for st in rep.span_texts}

    gold = build_report(store, gold="adjudicated")
    assert texts(gold) == {
        "Loaded_Language": [("une fraternité invincible", 1, {"La Gazette": 1})]}
    assert gold.outlet_span_texts["La Gazette"][0].top[0].text == "une fraternité invincible"
    assert "Most frequent span texts per technique (adjudicated gold spans)" in format_text(
        gold, width=120)
    assert "Most frequent span texts (adjudicated gold spans)" in render_html(gold)

    majority = build_report(store, gold="majority")  # Doubt: alice only of two: no majority
    assert texts(majority) == {
        "Loaded_Language": [("fraternité invincible", 2, {"La Gazette": 1, "Le Veilleur": 1})],
        "Name_Calling-Labeling": [("mercenaires", 1, {"Le Veilleur": 1})],
    }
    assert "(majority gold spans)" in format_text(majority, width=120)

    pooled = build_report(store, gold="none")
    assert texts(pooled)["Loaded_Language"] == [
        ("fraternité invincible", 3, {"La Gazette": 2, "Le Veilleur": 1})]
    assert texts(pooled)["Doubt"] == [("doutent", 1, {"La Gazette": 1})]
    assert "(the coders' spans, pooled)" in format_text(pooled, width=120)


@pytest.mark.parametrize("gold", ["none", "adjudicated"])
def test_document_label_shares_are_scipys_bootstrap(demo: Demo, gold: str) -> None:
    """Document-level sets (stance, primary frame) get per-outlet shares with 95 % intervals
    over documents, as sentence sets get rates: checked against SciPy from the per-document
    votes (an independent path), in the text and drawn in the HTML."""
    stats = pytest.importorskip("scipy.stats")
    rep = build_report(demo.store, gold=gold, seed=5)
    for dl in rep.doc_labels:
        assert dl.shares is not None and dl.shares.level == "document"
        for j, row in enumerate(dl.shares.rows):
            if not dl.coded.get(row.name):
                assert not row.coded and all(v is None for v in row.rates.values())
                continue
            docs = [votes for _, _, src, votes in dl.documents if src == row.name]
            assert row.documents == len(docs) == dl.coded[row.name]
            denom = np.array([len({w for who in v.values() for w in who}) for v in docs])
            assert row.answered == denom.sum()
            for lab in dl.labels:
                num = np.array([len(v.get(lab, [])) for v in docs])
                assert row.rates[lab] == pytest.approx(100 * num.sum() / denom.sum())
                ref = scipy_interval(stats, num, denom, rep.n_boot, [5, j])
                assert row.low[lab] == pytest.approx(ref.low, abs=1e-9), (dl.label_set, lab)
                assert row.high[lab] == pytest.approx(ref.high, abs=1e-9)
    text = format_text(rep, width=100)
    unit = "% of decided documents" if gold == "adjudicated" else "% of answered judgements"
    assert f"Share per outlet: {unit}" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    html = render_html(rep)
    assert 'aria-label="stance: share (%) with 95% interval, by outlet"' in html


def test_many_label_tables_leave_out_labels_nobody_used(tmp_path: Path) -> None:
    """A 12-label set on a few articles: the terminal tables show the labels some coded outlet
    uses and say how many were left out (and which, in the tests' line), not rows of 0.0; the
    CSV keeps every label."""
    from annotator.core.scheme import parse_scheme
    from annotator.store import DocumentIn, Store

    labels = [f"L{i:02d}" for i in range(12)]
    yaml = ("name: many\nversion: 1\nlanguage: fr\nlabel_sets:\n  - name: tech\n"
            "    level: sentence\n    multiple: true\n    labels: ["
            + ", ".join(f"{{name: {lab}}}" for lab in labels) + "]\n")
    store = Store.open(tmp_path / "m.db")
    try:
        scheme_id, _ = store.schemes.add(parse_scheme(yaml))
        docs = []
        for i in range(4):
            text = f"Première phrase numéro {i}. Deuxième phrase numéro {i}."
            docs.append(DocumentIn(text=text, sha256=f"{i:064d}", sentences=[
                (0, text.index(" Deux"), 0), (text.index("Deux"), len(text), 0)],
                source="Nord" if i < 2 else "Sud", title=f"Article {i}"))
        a = store.schemes.annotator_id("alice")
        for did, _ in store.corpus.add_documents(docs):
            for s in store.corpus.sentences(did):
                store.annotations.add(a, scheme_id, label_set="tech", label="L03",
                                      level="sentence", document_id=did, sentence_id=s["id"])
                store.progress.mark_done(a, scheme_id, s["id"])
        rep = build_report(store)
    finally:
        store.close()
    text = format_text(rep, width=100)
    section = text.split("tech: labelled sentences")[1].split("Do outlets differ?")[0]
    assert "L03" in section and "L04" not in section
    assert "Left out: 11 labels at 0 in every coded outlet" in section
    assert "used in no coded document: L00, L01, L02, L04" in " ".join(text.split())
    assert len(next(t for t in rep.outlet_rates if t.label_set == "tech").labels) == 12


def test_long_heatmap_column_labels_are_shortened_with_the_full_name_in_a_tooltip() -> None:
    """conflict-news's « Legality_Constitutionality_and_jurisprudence » ran out of the top of
    the heatmap at 1400 px: long column labels are shortened, the full name kept as a tooltip,
    and the chart is tall enough for the shortened label turned 45°."""
    from annotator.render.report_html import MAX_COLUMN_LABEL, _heatmap

    long = "Legality_Constitutionality_and_jurisprudence"
    svg = _heatmap(aria="t", css_class="heatmap", rows=["Le Monde"], cols=[long, "Economic"],
                   values=[[1.0, None]], fmt=str, high=(8, 48, 107), scale_max=1.0,
                   row_title="outlet")
    assert f"<title>{long}</title>{shorten(long, MAX_COLUMN_LABEL)}</text>" in svg
    top = float(svg.split('class="col-label" x="')[1].split('y="')[1].split('"')[0]) + 6
    assert top >= MAX_COLUMN_LABEL * 7.4 * 0.72  # the label's reach fits above the cells
