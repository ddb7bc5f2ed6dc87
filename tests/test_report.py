"""`annotator report`: numbers checked by hand against tests/framing_fixture.py, the HTML page
(charts present, everything escaped, no external reference) and a headless-browser rendering."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.render.report_html import render_html
from annotator.render.report_text import format_text
from annotator.services.report import Report, build_report
from annotator.store import Store
from tests.framing_fixture import Framing, build, make_doc


@pytest.fixture
def framing(db_path: Path) -> Iterator[Framing]:
    f = build(db_path)
    yield f
    f.store.close()


@pytest.fixture
def rep(framing: Framing) -> Report:
    return build_report(framing.store)


def test_rates_per_outlet_pooled(rep: Report) -> None:
    # La Gazette: 4 sentences answered by alice + 4 by bob = 8 (annotator, sentence) pairs.
    #   Security: alice s0, bob s0, bob s1 = 3 -> 37.5; Political: alice s1, s2 = 2 -> 25.0
    # Le Veilleur: alice 2 + bob 1 = 3 pairs. Security: alice s0, bob s0 = 2 -> 66.7
    frame = next(t for t in rep.outlet_rates if t.label_set == "frame")
    rows = {r.name: r for r in frame.rows}
    assert rows["La Gazette"].answered == 8
    assert rows["La Gazette"].rates == {
        "Security_and_defense": 37.5,
        "Political": 25.0,
        "Economic": 0.0,
    }
    assert rows["Le Veilleur"].answered == 3
    assert rows["Le Veilleur"].rates["Security_and_defense"] == pytest.approx(200 / 3)
    assert rows["Le Veilleur"].rates["Political"] == 0.0
    # spans per 100 answered sentences: Gazette LL 2/8, Doubt 1/8; Veilleur NC 2/3, LL 1/3
    tech = next(t for t in rep.outlet_rates if t.label_set == "technique")
    rows = {r.name: r for r in tech.rows}
    assert rows["La Gazette"].rates["Loaded_Language"] == 25.0
    assert rows["La Gazette"].rates["Doubt"] == 12.5
    assert rows["Le Veilleur"].rates["Name_Calling-Labeling"] == pytest.approx(200 / 3)
    assert rows["Le Veilleur"].rates["Loaded_Language"] == pytest.approx(100 / 3)


def test_rates_per_document(rep: Report, framing: Framing) -> None:
    frame = next(t for t in rep.document_rates if t.label_set == "frame")
    assert [r.name.split()[0] for r in frame.rows] == [f"#{framing.doc1}", f"#{framing.doc2}"]
    assert [r.source for r in frame.rows] == ["La Gazette", "Le Veilleur"]
    assert frame.rows[0].counts == {"Security_and_defense": 3, "Political": 2, "Economic": 0}


def test_span_texts(rep: Report) -> None:
    ll = next(s for s in rep.span_texts if s.label == "Loaded_Language")
    assert ll.total == 3
    assert [(t.text, t.n, t.sources) for t in ll.top] == [
        ("fraternité invincible", 3, {"La Gazette": 2, "Le Veilleur": 1})
    ]
    veilleur = {s.label: s for s in rep.outlet_span_texts["Le Veilleur"]}
    assert veilleur["Name_Calling-Labeling"].top[0].text == "mercenaires"
    assert veilleur["Name_Calling-Labeling"].top[0].n == 2
    assert "Doubt" not in veilleur


def test_document_labels_per_outlet(rep: Report, framing: Framing) -> None:
    [stance] = rep.doc_labels
    assert stance.outlets == [
        ("La Gazette", 2, {"against": 2, "neutral": 0, "favor": 0}),
        ("Le Veilleur", 2, {"against": 0, "neutral": 1, "favor": 1}),
    ]
    assert stance.documents[1][3] == {"neutral": ["bob"], "favor": ["alice"]}


def test_agreement_hand_computed(rep: Report) -> None:
    alpha = {(a.label_set, a.label): a for a in rep.agreement}
    # frame/Security, binary over 5 units (4 Gazette + Veilleur s0, done by both):
    #   alice 1 0 0 0 1, bob 1 1 0 0 1 -> Do = 2/10, De = 2*5*5/90 -> alpha = 1 - 0.36 = 0.64
    assert alpha[("frame", "Security_and_defense")].alpha == pytest.approx(0.64)
    assert alpha[("frame", "Security_and_defense")].units == 5
    # frame/Political: alice 0 1 1 0 0, bob all 0 -> Do = 4/10, De = 2*2*8/90 -> -0.125
    assert alpha[("frame", "Political")].alpha == pytest.approx(-0.125)
    # nobody used Economic: no variation, alpha undefined
    assert alpha[("frame", "Economic")].alpha is None
    # frame as sets with MASI: two of five units disagree completely (distance 1);
    #   values S x5, P x2, {} x3 -> Do = 4/10, De = (100-25-4-9)/90 -> 1 - 0.4*90/62
    assert alpha[("frame", None)].alpha == pytest.approx(1 - 0.4 * 90 / 62)
    # stance (single choice) over 2 documents: (against, against), (favor, neutral)
    #   Do = 2/4, De = (16 - 4 - 1 - 1)/12 -> alpha = 1 - 0.5 * 12 / 10 = 0.4
    assert alpha[("stance", None)].alpha == pytest.approx(0.4)
    assert alpha[("stance", None)].units == 2
    # technique/Loaded_Language: units are sentences done by both; Veilleur s1 (alice only)
    # is not one, so the one LL sentence is agreed -> 1.0
    assert alpha[("technique", "Loaded_Language")].alpha == pytest.approx(1.0)
    assert alpha[("technique", "Loaded_Language")].positives == 1
    # span labels come from `annotator agree`: alpha over the characters of those 5 sentences
    # (189 characters). Doubt: alice marks the 7 characters of "doutent", bob none:
    #   n = 378, n1 = 7 -> Do = 14/378, De = 2*371*7/(378*377) -> 1 - 377/371 = -6/371
    doubt = alpha[("technique", "Doubt")]
    assert (doubt.measure, doubt.alpha) == ("α characters", pytest.approx(-6 / 371))
    # span set as a whole: exact-match F1 between the two annotators: 2 shared of 3 + 2 -> 0.8
    assert alpha[("technique", None)].measure == "F1 exact (pairs)"
    assert alpha[("technique", None)].alpha == pytest.approx(0.8)
    assert (alpha[("frame", None)].measure, alpha[("stance", None)].measure) == (
        "α MASI",
        "α nominal",
    )


def test_own_alpha_matches_agree_command(framing: Framing, rep: Report) -> None:
    """Without `annotator agree` the report computes alpha itself through core.agreement; both
    give the same numbers on sentence and document sets."""
    from annotator.services.report import agreement_rows, read_answers

    store = framing.store
    _, answers, data, _ = read_answers(store, store.schemes.load("framing-test")[1])
    units = {name: d.agreement_units(answers.names) for name, d in data.items()}
    from_command = {(a.label_set, a.label): a.alpha for a in rep.agreement}
    for s in rep.sets:
        if s.level == "span":
            continue  # the command measures spans per character, the fallback per sentence
        for row in agreement_rows(s, units[s.name], from_command=False):
            assert row.alpha == pytest.approx(from_command[(s.name, row.label)]), row


def test_confusion_counts(rep: Report) -> None:
    conf = next(c for c in rep.confusions if c.label_set == "frame")
    ix = {c: i for i, c in enumerate(conf.categories)}
    m = conf.matrix

    def cell(a: str, b: str) -> int:
        return m[ix[a]][ix[b]]

    # s0 and Veilleur s0: Security/Security, both orders -> 4; s1 Political vs Security;
    # s2 Political vs nothing; s3 nothing vs nothing (both orders -> 2)
    assert cell("Security_and_defense", "Security_and_defense") == 4
    assert cell("Political", "Security_and_defense") == 1
    assert cell("Security_and_defense", "Political") == 1
    assert cell("Political", "(none)") == 1
    assert cell("(none)", "Political") == 1
    assert cell("(none)", "(none)") == 2
    assert sum(map(sum, m)) == 10  # 5 units x 2 ordered pairs


def test_progress_and_time(rep: Report) -> None:
    p = {r.annotator: r for r in rep.progress}
    assert (p["alice"].done, p["alice"].total, p["alice"].documents_done) == (6, 6, 2)
    assert p["alice"].seconds == 30.0 and p["alice"].per_sentence == 10.0
    assert (p["bob"].done, p["bob"].documents_done, p["bob"].per_sentence) == (5, 1, 4.0)


def table_row(text: str, first: str) -> list[str]:
    """The cells of the text-table row starting with ``first``."""
    for line in text.splitlines():
        if line.startswith(first + " "):
            return line[len(first) :].split()
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_terminal_tables(rep: Report) -> None:
    text = format_text(rep)
    frame_part = text.split("frame: labelled sentences per 100 sentences, by outlet")[1]
    assert table_row(frame_part, "Security_and_defense") == ["37.5", "66.7"]
    assert table_row(frame_part, "Political") == ["25.0", "0.0"]
    assert table_row(frame_part, "(answered)") == ["8", "3"]
    stance_part = text.split("stance (document level)")[1]
    assert table_row(stance_part, "Le Veilleur") == ["0", "1", "1", "2"]
    agree = text.split("Agreement (as `annotator agree`")[1]
    assert re.search(r"^frame +Security_and_defense +α binary +0\.640 +5 +2 +3$", agree, re.M)
    assert re.search(r"^frame +Economic +α binary +n/a +5 +2 +0$", agree, re.M)
    assert re.search(r"^technique +\(whole set\) +F1 exact \(pairs\) +0\.800 +5 +2$", agree, re.M)
    progress = text.split("Progress and active time")[1]
    assert table_row(progress, "alice") == ["6", "6", "6", "2", "30.0s", "10.0s"]
    # columns are aligned: every line of a table has its cells at the same offsets
    block = frame_part.split("\n\n")[0].strip().splitlines()[2:]
    assert len({len(line) for line in block[:3]}) == 1


EXTERNAL = [
    re.compile(r"https?://", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"<[^>]*\ssrc\s*=", re.I),
    re.compile(r"<link\b", re.I),
    re.compile(r"url\s*\(", re.I),
    re.compile(r"<script\b", re.I),
    re.compile(r"<[^>]*\shref\s*=\s*(?![\"']?#)", re.I),  # only in-page anchors
]


def test_cli_report_and_html(db_path: Path, framing: Framing, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--html", str(out)])
    assert r.exit_code == 0, r.output
    assert "Security_and_defense        37.5         66.7" in r.stdout
    assert f"HTML report written to {out}" in r.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for pattern in EXTERNAL:
        assert not pattern.search(page), pattern.pattern
    svgs = re.findall(r"<svg class=\"([^\"]+)\".*?</svg>", page, re.S)
    kinds = " ".join(svgs)
    assert "heatmap rates by-outlet" in kinds
    assert "bars agreement" in kinds
    assert "heatmap confusion" in kinds
    assert "bars progress" in kinds
    assert "stacked doc-labels" in kinds
    # the outlet heatmap of techniques names every technique and outlet, with the rates
    tech = re.search(r'aria-label="technique: per 100 sentences by outlet".*?</svg>', page, re.S)
    assert tech is not None
    for label in ("Loaded_Language", "Name_Calling-Labeling", "Doubt", "La Gazette", "Le Veilleur"):
        assert f">{label}</text>" in tech.group(0)
    assert ">66.7</text>" in tech.group(0)
    # agreement bars carry both thresholds and each label
    agree = re.search(r'aria-label="frame: agreement per label".*?</svg>', page, re.S)
    assert agree is not None
    assert agree.group(0).count('class="threshold"') == 2
    assert ">0.667</text>" in agree.group(0) and ">0.8</text>" in agree.group(0)
    assert ">0.640</text>" in agree.group(0) and ">-0.125</text>" in agree.group(0)
    assert "« fraternité invincible » × 3" in page


def test_html_escapes_database_text(framing: Framing) -> None:
    store = framing.store
    [(doc, _)] = store.corpus.add_documents(
        [
            make_doc(
                ["Un <script>alert(1)</script> & « test »."],
                title="<i>titre</i>",
                source='<b onclick="x">Le Mal</b> & Co',
            )
        ]
    )
    [s] = store.corpus.sentences(doc)
    a = store.schemes.annotator_id("<img src=x>")
    store.annotations.add(
        a,
        framing.scheme_id,
        label_set="technique",
        label="Doubt",
        level="span",
        document_id=doc,
        sentence_id=s["id"],
        start=3,
        end=32,
    )
    store.progress.mark_done(a, framing.scheme_id, s["id"])
    page = render_html(build_report(store))
    assert "<script>" not in page and "<b onclick" not in page and "<img" not in page
    assert "&lt;b onclick=&quot;x&quot;&gt;Le Mal&lt;/b&gt; &amp; Co" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for pattern in EXTERNAL:
        assert not pattern.search(page), pattern.pattern


def test_report_on_unannotated_database(db_path: Path, tmp_path: Path) -> None:
    from annotator.core.scheme import parse_scheme
    from tests.framing_fixture import GAZETTE, SCHEME_YAML

    with Store.open(db_path) as s:
        s.schemes.add(parse_scheme(SCHEME_YAML))
        s.corpus.add_documents([make_doc(GAZETTE, title="t", source="La Gazette")])
    out = tmp_path / "empty.html"
    r = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--html", str(out)])
    assert r.exit_code == 0, r.output
    assert re.search(r"^frame +Security_and_defense +α binary +n/a +0 +0 +0$", r.stdout, re.M)
    assert re.search(r"^La Gazette\s+1\s+4$", r.stdout, re.M)
    assert "no annotator yet" in r.stdout
    assert "<svg" in out.read_text(encoding="utf-8")


def test_report_errors_are_one_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "missing.db")])
    assert r.exit_code == 1
    assert r.stderr.strip().count("\n") == 0 and "no such database" in r.stderr
    empty = tmp_path / "empty.db"
    Store.open(empty).close()
    r = CliRunner().invoke(cli, ["report", "--db", str(empty)])
    assert r.exit_code == 1 and "no scheme in the database" in r.stderr


def test_html_renders_in_headless_chromium(framing: Framing, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed: the HTML rendering check needs a headless browser")
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(framing.store)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--hide-scrollbars",
        "--window-size=1280,2400",
    ]
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), "chromium wrote no screenshot"
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page is a few kB; the charts make it far larger
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert dom.count("<svg") >= 8
    assert "Loaded_Language" in dom
