"""The report's "who is quoted where" table (issue 18, round 2): built once into the Report,
printed by the text report and written into the HTML report with the same counts (escaped)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from annotator.cli import cli
from annotator.render.report_html import render_html
from annotator.services.report import build_report
from annotator.store import Store

from .test_network_cli import L, P, Z, statements_db


class Tables(HTMLParser):
    """The text of every table cell, per table and row, and the h2 titles."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.h2: list[str] = []
        self._cell: list[str] | None = None
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_h2:
            self.h2[-1] += data


def parsed(html: str) -> Tables:
    p = Tables()
    p.feed(html)
    return p


def test_html_report_has_the_actor_by_outlet_table(tmp_path: Path) -> None:
    db = statements_db(tmp_path / "s.db")
    with Store.open(db) as store:
        rep = build_report(store)
    assert rep.actor_outlet is not None
    page = parsed(render_html(rep))
    title = "Statements by actor and outlet (who is quoted where)"
    assert title in page.h2
    # the section comes before progress, after the analyses
    assert page.h2.index(title) == page.h2.index("Progress and active time") - 1
    table = next(t for t in page.tables if t[0][0] == "actor \\ outlet")
    assert table == [
        ["actor \\ outlet", "Le Monde", "RT", "total"],
        [L, "1", "1", "2"],
        [Z, "1", "1", "2"],
        [P, "0", "1", "1"],
        ["total", "2", "3", "5"],
    ]


def test_text_and_html_print_the_same_counts_and_escape_names(tmp_path: Path) -> None:
    db = statements_db(tmp_path / "s.db")
    with Store.open(db) as store:  # an actor typed with markup and a control character
        store.db.execute("UPDATE attribute_values SET value = '<b>Bob</b> & \x07co' "
                         "WHERE value = 'Poutine'")
    html = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "--html", str(html)])
    assert result.exit_code == 0, result.output
    lines = result.output.split("(who is quoted where)")[1].splitlines()
    assert lines[3].index("1   1") == lines[5].index("0   1")  # escaped, then aligned
    assert lines[5].startswith("<b>Bob</b> & \\u0007co ")
    page = html.read_text("utf-8")
    assert "<b>Bob</b>" not in page and "&lt;b&gt;Bob&lt;/b&gt; &amp; \\u0007co" in page
    table = next(t for t in parsed(page).tables if t[0][0] == "actor \\ outlet")
    assert ["<b>Bob</b> & \\u0007co", "0", "1", "1"] in table


def test_no_actor_no_section(tmp_path: Path) -> None:
    from annotator.core.scheme import parse_scheme
    from annotator.services.importing import make_document

    from .test_attributes import TEXT

    with Store.open(tmp_path / "n.db") as store:
        store.schemes.add(parse_scheme(
            "name: plain\nversion: 1\nlabel_sets:\n"
            "  - {name: frame, level: sentence, labels: [A, B]}\n"))
        store.corpus.add_documents([make_document(TEXT, source="X")])
        rep = build_report(store)
    assert rep.actor_outlet is None
    assert "who is quoted where" not in render_html(rep)
