"""Agreement per attribute (issue 18): matched spans, α at each attribute's scale against
hand-computed values, the units rule, and the `agree` / `report` outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.agreement import Undefined, attribute_alpha
from annotator.core.scheme import parse_scheme
from annotator.core.spans import Span, match_spans
from annotator.services.agreement import agreement_report
from annotator.services.importing import make_document
from annotator.store import Store

from .test_attributes import STATEMENTS


# ----------------------------------------------------------------------------- matched spans
def test_match_spans_groups_one_span_per_annotator() -> None:
    spans = [
        ("a", Span(1, 0, 10, "Claim")),
        ("a", Span(1, 20, 30, "Claim")),
        ("b", Span(1, 5, 12, "Claim")),
        ("b", Span(1, 21, 25, "Claim")),
        ("b", Span(1, 40, 50, "Claim")),
        ("c", Span(1, 0, 3, "Claim")),
        ("c", Span(1, 0, 10, "Denial")),  # another label: never matched with Claim
        ("c", Span(2, 0, 10, "Claim")),  # another document
        ("a", Span(1, 2, 8, "Claim")),  # a's second span there: a's group is taken
    ]
    groups = sorted(sorted(g) for g in match_spans(spans))
    assert groups == [[0, 2, 5], [1, 3], [4], [6], [7], [8]]


def test_match_spans_prefers_the_largest_overlap_and_exact_mode() -> None:
    spans = [
        ("a", Span(1, 0, 10, "Claim")),
        ("a", Span(1, 12, 30, "Claim")),
        ("b", Span(1, 8, 20, "Claim")),  # 2 chars with the first, 8 with the second
    ]
    assert sorted(sorted(g) for g in match_spans(spans)) == [[0], [1, 2]]
    assert sorted(sorted(g) for g in match_spans(spans, "exact")) == [[0], [1], [2]]
    with pytest.raises(ValueError, match="unknown matching mode"):
        match_spans(spans, "fuzzy")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- α by scale
def cells(a: list[object], b: list[object]) -> dict[tuple[object, object], object]:
    out: dict[tuple[object, object], object] = {}
    for u, (x, y) in enumerate(zip(a, b, strict=True)):
        if x is not None:
            out[(u, "a")] = x
        if y is not None:
            out[(u, "b")] = y
    return out


def test_nominal_alpha_by_hand() -> None:
    # coincidences: o_xx = 4, o_yy = 2, o_xy = o_yx = 1; n_x = 5, n_y = 3, n = 8
    # D_o = 2/8, D_e = 2*5*3/(8*7) = 30/56, alpha = 1 - (1/4)/(30/56) = 1 - 56/120
    alpha, metric, n = attribute_alpha(cells(["x", "x", "y", "y"], ["x", "x", "y", "x"]))
    assert metric == "nominal" and n == 4
    assert alpha == pytest.approx(1 - 56 / 120)


def test_interval_alpha_by_hand_differs_from_nominal() -> None:
    a, b = [2.0, 0.0, 2.0], [2.0, 0.0, 1.0]
    # values 2,2,0,0,2,1: D_o = (2 * 1^2)/6; D_e = 2*29/30 (29 = sum of squared differences
    # over unordered pairs); alpha = 1 - (1/3)/(58/30) = 24/29
    alpha, metric, _ = attribute_alpha(cells(a, b), "interval")
    assert metric == "interval" and alpha == pytest.approx(24 / 29)
    # nominal on the same data: D_e = (36 - 9 - 4 - 1)/30 = 22/30, alpha = 1 - 10/22
    nominal, _, _ = attribute_alpha(cells([str(x) for x in a], [str(x) for x in b]))
    assert nominal == pytest.approx(12 / 22)


def test_masi_alpha_for_multiple_attributes_by_hand() -> None:
    # sets {U} | {U,W} (MASI distance 1 - 1/2 * 2/3 = 2/3) and {R} | {R}; n = 4
    # D_o = 2 * 2/3 / 4 = 1/3; D_e = (2*(2/3) + 2*2 + 2*2) / 12 = 7/9; alpha = 1 - 3/7
    c = cells([frozenset({"U"}), frozenset({"R"})], [frozenset({"U", "W"}), frozenset({"R"})])
    alpha, metric, n = attribute_alpha(c, multiple=True)
    assert metric == "masi" and n == 2
    assert alpha == pytest.approx(4 / 7)


def test_alpha_undefined_without_pairs() -> None:
    alpha, _, n = attribute_alpha(cells(["x", None], [None, "y"]))
    assert isinstance(alpha, Undefined) and n == 0
    alpha, _, _ = attribute_alpha({})
    assert isinstance(alpha, Undefined)


# ----------------------------------------------------------------------------- database
TEXT = (
    "Titre\n\nLavrov dit que la fraternité est invincible. Kiev répond par une menace.\n\n"
    "Une troisième phrase sans statement."
)


@pytest.fixture
def coded(store: Store) -> Store:
    """Two coders on the same two sentences; bob leaves his second sentence not done."""
    scheme = parse_scheme(STATEMENTS)
    sid, _ = store.schemes.add(scheme)
    [(doc, _)] = store.corpus.add_documents([make_document(TEXT, source="Le Test")])
    s1, s2 = store.corpus.sentences(doc)[:2]
    base1, base2 = int(s1["start"]), int(s2["start"])

    def statement(who: str, sentence: dict, start: int, end: int, **values: object) -> None:
        aid = store.schemes.annotator_id(who)
        uid = store.annotations.add(aid, sid, label_set="statement", label="Claim",
                                    level="span", document_id=doc, sentence_id=sentence["id"],
                                    start=start, end=end)
        for name, v in values.items():
            for one in (v if isinstance(v, list) else [v]):
                store.attributes.set_value(aid, uid, name, str(one),
                                                multiple=name == "target")

    statement("alice", s1, base1, base1 + 6, actor="Sergueï Lavrov", target=["Ukraine"],
              agreement="yes")
    statement("bob", s1, base1 + 1, base1 + 10, actor="M. Lavrov", target=["Ukraine", "West"],
              agreement="yes")
    statement("alice", s2, base2, base2 + 4, actor="Kiev", agreement="no")
    statement("bob", s2, base2, base2 + 4, actor="Zelensky", agreement="yes")
    for who in ("alice", "bob"):
        store.progress.mark_done(store.schemes.annotator_id(who), sid, s1["id"])
    store.progress.mark_done(store.schemes.annotator_id("alice"), sid, s2["id"])
    return store


def test_agreement_report_per_attribute_follows_the_units_rule(coded: Store) -> None:
    report = agreement_report(coded, "st", n_boot=0)
    by_name = {e["attribute"]: e for e in report["attributes"]}
    assert set(by_name) == {"actor", "target", "agreement", "intensity"}
    # only the first sentence is answered by both: one matched span; bob's second statement is
    # on a sentence he did not mark done, so its value is not an answer (alice's is, alone)
    actor = by_name["actor"]
    assert (actor["n_matched"], actor["n_units"], actor["n_values"]) == (1, 1, 3)
    # one unit where both agree (after aliases): no variation, alpha undefined, never 1
    assert actor["alpha"] is None and "identical" in actor["reason"]
    assert by_name["target"]["metric"] == "masi"
    assert by_name["agreement"]["metric"] == "interval"
    assert by_name["intensity"]["n_matched"] == 0
    # once bob marks his second sentence done, its statement is an answer too
    sid = coded.schemes.latest_row("st")["id"]  # type: ignore[index]
    s2 = coded.corpus.sentences(1)[1]
    coded.progress.mark_done(coded.schemes.annotator_id("bob"), sid, s2["id"])
    by_name = {e["attribute"]: e for e in agreement_report(coded, "st", n_boot=0)["attributes"]}
    actor = by_name["actor"]
    assert (actor["n_matched"], actor["n_units"]) == (2, 2)
    # actor: (Lavrov, Lavrov) and (Kiev, Zelensky): D_o = 2/4, D_e = (16 - 4 - 1 - 1)/12
    assert actor["alpha"] == pytest.approx(1 - (2 / 4) / (10 / 12))
    # agreement: (yes, yes), (no, yes) as numbers 1, 1, 0, 1: D_o = 2/4, D_e = 2*3/12
    assert by_name["agreement"]["alpha"] == pytest.approx(0.0)


def test_agree_and_report_show_attributes(coded: Store, db_path: Path) -> None:
    coded.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["agree", "--db", str(db_path), "--n-boot", "0"])
    assert out.exit_code == 0, out.output
    assert "Attributes (alpha on matched labels" in out.output
    assert "statement/actor" in out.output and "MASI, value sets" in out.output
    data = json.loads(runner.invoke(cli, ["agree", "--db", str(db_path), "--json"]).output)
    assert {e["attribute"] for e in data["attributes"]} >= {"actor", "target"}
    csv_out = runner.invoke(cli, ["agree", "--db", str(db_path), "--csv"]).output
    assert "attribute_alpha_masi" in csv_out
    rep = runner.invoke(cli, ["report", "--db", str(db_path)])
    assert rep.exit_code == 0, rep.output
    assert "Agreement per attribute" in rep.output and "alpha (masi)" in rep.output
    html = db_path.parent / "report.html"
    res = runner.invoke(cli, ["report", "--db", str(db_path), "--html", str(html)])
    assert res.exit_code == 0, res.output
    page = html.read_text(encoding="utf-8")
    assert 'id="attribute-agreement"' in page and "alpha (masi)" in page
