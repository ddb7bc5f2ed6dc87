"""A REFI-QDA codebook (.qdc) as a scheme (issue 18, round 2): `annotator scheme from-qdc`
turns a codebook (valid against the standard's Codebook.xsd) into a scheme file that `scheme
check` and `scheme add` accept; our own qdc export comes back as the scheme it came from;
`import-annotations` refuses a .qdc in one line saying how to proceed; hostile files fail in
one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import load_scheme_file, parse_scheme
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.store import Store

SCHEMAS = Path(__file__).parent / "fixtures" / "refiqda"
STATEMENTS = Path(__file__).resolve().parents[1] / "schemes" / "statements.yaml"


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# A codebook as MAXQDA or QualCoder would write it: folders, nested codes, a loose code, an
# attribute folder, a code set; names with spaces and accents.
CODEBOOK = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022">
  <Codes>
    <Code guid="{guid(1)}" name="Techniques de propagande" isCodable="false">
      <Description>Persuasion techniques (PTC).</Description>
      <Code guid="{guid(2)}" name="Loaded language" isCodable="true" color="#FF0000">
        <Description>Words with strong emotional implications.</Description>
      </Code>
      <Code guid="{guid(3)}" name="Name calling" isCodable="true" color="#00f"/>
      <Code guid="{guid(4)}" name="Appels" isCodable="false">
        <Code guid="{guid(5)}" name="Peur" isCodable="true" color="#123456"/>
        <Code guid="{guid(6)}" name="Drapeau" isCodable="true">
          <Code guid="{guid(7)}" name="Hymne" isCodable="true"/>
        </Code>
      </Code>
      <Code guid="{guid(8)}" name="Name calling" isCodable="true"/>
    </Code>
    <Code guid="{guid(9)}" name="Déclarations" isCodable="false">
      <Code guid="{guid(10)}" name="Claim" isCodable="true"/>
      <Code guid="{guid(11)}" name="@actor" isCodable="false"/>
      <Code guid="{guid(12)}" name="@target" isCodable="false">
        <Code guid="{guid(13)}" name="Russia" isCodable="true"/>
        <Code guid="{guid(14)}" name="Ukraine" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="{guid(15)}" name="Ironie" isCodable="true" color="#00FF00"/>
  </Codes>
  <Sets>
    <Set guid="{guid(16)}" name="À revoir"><MemberCode guid="{guid(2)}"/></Set>
  </Sets>
</CodeBook>
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_fixture_codebook_is_valid_refi_qda() -> None:
    etree = pytest.importorskip("lxml.etree", reason="lxml comes with the [test] extra")
    book = etree.XMLSchema(etree.parse(str(SCHEMAS / "Codebook.xsd")))
    assert book.validate(etree.fromstring(CODEBOOK.encode())), book.error_log


def test_codebook_becomes_a_scheme_that_scheme_add_stores(tmp_path: Path) -> None:
    qdc = tmp_path / "Projet Ukraine.qdc"
    qdc.write_text(CODEBOOK, encoding="utf-8")
    out = tmp_path / "scheme.yaml"
    code, stdout, err = run("scheme", "from-qdc", str(qdc), "--out", str(out))
    assert code == 0, err
    assert stdout == f"{out}: 3 label set(s), 7 label(s); next: annotator scheme add {out}\n"
    assert "'Name calling' appears twice in Techniques_de_propagande: kept once" in err
    assert "1 code set(s) left out" in err
    assert "level span given to" in err
    scheme = load_scheme_file(out)
    assert scheme.name == "Projet_Ukraine" and scheme.version == 1
    sets = {ls.name: ls for ls in scheme.label_sets}
    assert list(sets) == ["Techniques_de_propagande", "Declarations", "codes"]
    tech = sets["Techniques_de_propagande"]
    assert tech.level == "span" and tech.description == "Persuasion techniques (PTC)."
    assert [(lab.name, lab.color, lab.group) for lab in tech.labels] == [
        ("Loaded language", "#FF0000", None), ("Name calling", "#00f", None),
        ("Peur", "#123456", "Appels"), ("Drapeau", None, "Appels"), ("Hymne", None, "Appels")]
    assert tech.labels[0].description == "Words with strong emotional implications."
    statements = sets["Declarations"]
    actor, target = statements.attributes
    assert actor.name == "actor" and actor.open
    assert target.name == "target" and target.names == ("Russia", "Ukraine") and not target.open
    assert [(lab.name, lab.color) for lab in sets["codes"].labels] == [("Ironie", "#00FF00")]
    db = tmp_path / "a.db"
    code, stdout, err = run("scheme", "add", str(out), "--db", str(db))
    assert code == 0, err
    with Store.open(db) as store:
        _, stored = store.schemes.load("Projet_Ukraine")
    assert [ls.name for ls in stored.label_sets] == list(sets)


def test_our_qdc_export_comes_back_as_the_scheme_it_came_from(tmp_path: Path) -> None:
    original = parse_scheme(STATEMENTS.read_text("utf-8"))
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.schemes.add(original)
        exporter("qdc")(store, tmp_path / "c.qdc", Selection(), warn=print)
    code, yaml_text, err = run("scheme", "from-qdc", str(tmp_path / "c.qdc"), "--name",
                               "statements", "--level", "document")
    assert code == 0, err
    back = parse_scheme(yaml_text)
    for ls in original.label_sets:
        got = back.label_set(ls.name)
        assert got is not None and got.level == ls.level  # the level our export wrote
        assert got.description == ls.description
        assert [(lab.name, (lab.color or "").lower()) for lab in got.labels] == [
            (lab.name, (lab.color or "").lower()) for lab in ls.labels]
        assert [lab.description for lab in got.labels] == [lab.description for lab in ls.labels]
        assert [a.name for a in got.attributes] == [a.name for a in ls.attributes]
        for a in ls.attributes:
            b = got.attribute(a.name)
            assert b is not None and (b.open or b.names == a.names)


def test_import_annotations_refuses_a_codebook_in_one_line(tmp_path: Path) -> None:
    qdc = tmp_path / "book.qdc"
    qdc.write_text(CODEBOOK, encoding="utf-8")
    db = tmp_path / "none.db"
    for args in (["--format", "qdc"], []):
        code, _, err = run("import-annotations", str(qdc), "--db", str(db), *args)
        assert code == 1
        assert err.count("\n") == 1 and f"{qdc}: a REFI-QDA codebook holds codes" in err
        assert f"annotator scheme from-qdc {qdc} --out scheme.yaml" in err
        assert not db.exists()  # refused before anything was opened or created


@pytest.mark.parametrize("text, message", [
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<CodeBook/>',
     ":2: a DOCTYPE is not allowed"),
    ('<Project xmlns="urn:QDA-XML:project:1.0"/>', "a .qdpx project is read by"),
    ("<CodeBook><Codes>", ":1: malformed XML"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "has no code"),
])
def test_bad_codebooks_fail_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    qdc = tmp_path / "bad.qdc"
    qdc.write_text(text, encoding="utf-8")
    out = tmp_path / "s.yaml"
    code, _, err = run("scheme", "from-qdc", str(qdc), "--out", str(out))
    assert code == 1 and err.count("\n") == 1 and message in err and str(qdc) in err
    assert not out.exists()
