"""`annotator network` on a small statements database: values computed by hand from DNA's
definitions (see tests/test_network_core.py for the definitions themselves), aliases counted as
their canonical actor, multiple targets as one statement each, time windows over published
dates, CSV/GraphML/GEXF files, and one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import parse_scheme
from annotator.services.importing import make_document
from annotator.services.network import actor_outlet_table, build_network
from annotator.store import Store

SCHEME = (Path(__file__).resolve().parents[1] / "schemes" / "statements.yaml").read_text("utf-8")
TEXT = "Une déclaration attribuée, rapportée dans la dépêche du jour.\n"

# (document, actor as written, label, targets, agreement)
STATEMENTS = [
    (0, "Lavrov", "Threat", ["Ukraine"], "yes"),
    (0, "Poutine", "Threat", ["Ukraine", "West"], "yes"),
    (1, "Zelensky", "Threat", ["Russia"], "yes"),
    (1, "M. Lavrov", "Solidarity", ["DPRK"], "yes"),
    (2, "Zelenski", "Solidarity", ["DPRK"], "no"),
    (2, None, "Blame", [], None),  # no actor: left out
]
L, P, Z = "Sergueï Lavrov", "Vladimir Poutine", "Volodymyr Zelensky"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return statements_db(tmp_path / "s.db")


def statements_db(path: Path) -> Path:
    """Three documents in two outlets on three days, and the statements above (alice)."""
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME))
    docs = [make_document(f"{TEXT}{n}", external_id=f"d{n}", source=src, published=day)
            for n, (src, day) in enumerate([("RT", "2024-03-01"), ("Le Monde", "2024-03-02"),
                                            ("RT", "2024-03-05")])]
    ids = [i for i, _ in store.corpus.add_documents(docs)]
    alice = store.schemes.annotator_id("alice")
    for n, (doc, actor, label, targets, agreement) in enumerate(STATEMENTS):
        sent = store.corpus.sentences(ids[doc])[0]["id"]
        uid = store.annotations.add(alice, scheme_id, label_set="statement", label=label,
                                    level="span", document_id=ids[doc], sentence_id=sent,
                                    start=n, end=n + 4)
        if actor:
            store.attributes.set_value(alice, uid, "actor", actor)
        for t in targets:
            store.attributes.set_value(alice, uid, "target", t, multiple=True)
        if agreement:
            store.attributes.set_value(alice, uid, "agreement", agreement)
    store.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


def ties(path: Path) -> dict[tuple[str, str], float]:
    with path.open(encoding="utf-8") as f:
        return {(r["Source"], r["Target"]): float(r["Weight"]) for r in csv.DictReader(f)}


def test_congruence_and_conflict_with_the_agreement_qualifier(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    code, stdout, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "label",
                            "--qualifier", "agreement", "--type", "congruence", "--out", str(out))
    assert code == 0, err
    # Lavrov: Threat yes, Solidarity yes; Poutine: Threat yes; Zelensky: Threat yes,
    # Solidarity no. Congruence counts co-support: each pair shares Threat/yes once.
    assert ties(out) == {(L, P): 1, (L, Z): 1, (P, Z): 1}
    assert "from 5 statement(s) in statement" in stdout
    assert "1 annotation(s) left out" in err
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "label",
                       "--qualifier", "agreement", "--type", "conflict", "--out", str(out))
    assert code == 0, err
    assert ties(out) == {(L, Z): 1}  # Solidarity: yes against no
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "label",
                       "--qualifier", "agreement", "--type", "congruence", "--normalize",
                       "average", "--out", str(out))
    assert code == 0, err
    # average activity: L 2 statements, P 1, Z 2
    assert ties(out) == pytest.approx({(L, P): 1 / 1.5, (L, Z): 1 / 2, (P, Z): 1 / 1.5})


def test_affiliation_with_multiple_targets_and_signed_qualifier(db: Path) -> None:
    store = Store.open(db)
    net = build_network(store, "actor", "target").networks[0]
    assert {(a, b): w for a, b, w in net.edges()} == {
        (L, "DPRK"): 1, (L, "Ukraine"): 1, (P, "Ukraine"): 1, (P, "West"): 1,
        (Z, "DPRK"): 1, (Z, "Russia"): 1}
    signed = build_network(store, "actor", "label", qualifier="agreement").networks[0]
    # binary subtract: yes counts +1, no -1
    assert {(a, b): w for a, b, w in signed.edges()} == {
        (L, "Solidarity"): 1, (L, "Threat"): 1, (P, "Threat"): 1, (Z, "Solidarity"): -1,
        (Z, "Threat"): 1}
    # built-in variables need no attribute: outlets tied through the concepts they carry
    outlets = build_network(store, "outlet", "label", kind="congruence").networks[0]
    assert {(a, b): w for a, b, w in outlets.edges()} == {("Le Monde", "RT"): 1 * 2 + 1 * 1}
    store.close()


def test_actor_by_outlet_table(db: Path) -> None:
    store = Store.open(db)
    table = actor_outlet_table(store)
    assert table is not None
    assert table.cols == ("Le Monde", "RT")
    assert dict(zip(table.rows, table.counts, strict=True)) == {
        L: [1, 1], Z: [1, 1], P: [0, 1]}
    store.close()


def test_time_window_over_published_dates(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    code, stdout, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "label",
                            "--qualifier", "agreement", "--type", "congruence", "--window", "3",
                            "--out", str(out))
    assert code == 0, err
    assert "3 window(s) of 3 day(s)" in stdout
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Only the window 1-3 March holds two actors on one concept.
    assert {(r["Source"], r["Target"], r["Start"], r["End"]) for r in rows} == {
        (L, P, "2024-03-01", "2024-03-03"), (L, Z, "2024-03-01", "2024-03-03"),
        (P, Z, "2024-03-01", "2024-03-03")}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_read_back_with_networkx(db: Path, tmp_path: Path, fmt: str) -> None:
    nx = pytest.importorskip("networkx", reason="networkx is the [network] extra")
    out = tmp_path / f"n.{fmt}"
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "target",
                       "--format", fmt, "--out", str(out))
    assert code == 0, err
    g = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    labels = {n: d["label"] for n, d in g.nodes(data=True)}
    got = {(labels[a], labels[b]) for a, b in g.edges()}
    assert (P, "West") in got or ("West", P) in got
    assert {d["variable"] for _, d in g.nodes(data=True)} == {"actor", "target"}
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "label",
                       "--type", "congruence", "--window", "1", "--format", fmt,
                       "--out", str(out))
    assert code == 0, err
    assert (tmp_path / f"n_2024-03-01.{fmt}").exists()
    assert len(list(tmp_path.glob(f"n_*.{fmt}"))) == 5


@pytest.mark.parametrize(("args", "message", "status"), [
    (["--var1", "actor", "--var2", "colour"], "no span or sentence label set has an "
     "attribute 'colour'", 1),
    (["--var1", "actor", "--var2", "label", "--qualifier", "target", "--type", "conflict"],
     "qualifier 'target' of statement has no numbered values", 1),
    (["--var1", "actor", "--var2", "label", "--type", "conflict"],
     "a conflict network needs a qualifier", 1),
    (["--var1", "actor", "--var2", "label", "--normalize", "jaccard"],
     "--normalize jaccard is for congruence and conflict networks", 2),
])
def test_bad_requests_are_one_line(db: Path, tmp_path: Path, args: list[str], message: str,
                                   status: int) -> None:
    code, _, err = run("network", "--db", str(db), *args, "--out", str(tmp_path / "x.csv"))
    assert code == status
    assert message in err
    assert not (tmp_path / "x.csv").exists()


def test_report_shows_who_is_quoted_where(db: Path) -> None:
    code, stdout, err = run("report", "--db", str(db))
    assert code == 0, err
    section = stdout.split("Statements by actor and outlet (who is quoted where)")[1]
    lines = section.strip().splitlines()
    assert lines[1].split() == ["actor", "\\", "outlet", "Le", "Monde", "RT", "total"]
    assert lines[2].split()[-3:] == ["1", "1", "2"] and lines[2].startswith(L)
    assert lines[4].startswith(P) and lines[4].split()[-3:] == ["0", "1", "1"]


def test_graphml_without_networkx_is_a_one_line_hint(db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "networkx", None)  # as if the extra were not installed
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "target",
                       "--format", "graphml", "--out", str(tmp_path / "n.graphml"))
    assert code == 2
    assert err == ("error: graphml and gexf need networkx: pip install 'annotator[network]' "
                   "(or use --format csv)\n")
    code, _, err = run("network", "--db", str(db), "--var1", "actor", "--var2", "target",
                       "--out", str(tmp_path / "n.csv"))
    assert code == 0, err
