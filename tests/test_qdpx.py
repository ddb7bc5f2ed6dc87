"""REFI-QDA (.qdpx projects, .qdc codebooks): our export is valid against the standard's XML
schemas (tests/fixtures/refiqda, MIT), an independent reader from the package index
(pyrefiqda) reads it, and a project written back by that reader imports into the same
annotation_view; hostile files fail in one line and store nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from annotator.services.doctor import diagnose
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.formats_in import import_files
from annotator.services.import_annotations import AnnotationImportError
from annotator.store import Store
from tests.test_exchange_formats import view, with_scheme

SCHEMAS = Path(__file__).parent / "fixtures" / "refiqda"
QDE_NS = "urn:QDA-XML:project:1.0"


def schema(name: str):  # type: ignore[no-untyped-def]
    etree = pytest.importorskip("lxml.etree", reason="lxml comes with the [test] extra")
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def test_project_and_codebook_are_valid_against_the_refi_qda_schemas(
        filled: Store, tmp_path: Path) -> None:
    from lxml import etree

    counts = exporter("qdpx")(filled, tmp_path / "p.qdpx", Selection(), warn=print)
    assert counts["documents"] == 2 and counts["annotations"] > 0
    with zipfile.ZipFile(tmp_path / "p.qdpx") as z:
        names = z.namelist()
        qde = z.read("project.qde")
    project = schema("Project-mrt2019.xsd")
    assert project.validate(etree.fromstring(qde)), project.error_log
    assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 2
    exporter("qdc")(filled, tmp_path / "c.qdc", Selection(), warn=print)
    book = schema("Codebook.xsd")
    assert book.validate(etree.parse(str(tmp_path / "c.qdc"))), book.error_log
    # Exporting twice gives the same project (GUIDs come from the content).
    exporter("qdpx")(filled, tmp_path / "q.qdpx", Selection(), warn=print)
    with zipfile.ZipFile(tmp_path / "q.qdpx") as z:
        again = z.read("project.qde")
    strip = [line for line in qde.splitlines() if b"creationDateTime=\"20" not in line[:200]]
    assert [line for line in again.splitlines() if b"creationDateTime=\"20" not in line[:200]] \
        == strip


def test_pyrefiqda_reads_users_codes_selections_and_notes(filled: Store, tmp_path: Path) -> None:
    pyrefiqda = pytest.importorskip("pyrefiqda", reason="pyrefiqda is in the [test] extra")
    exporter("qdpx")(filled, tmp_path / "p.qdpx", Selection(), warn=print)
    project = pyrefiqda.RefiProject.load(tmp_path / "p.qdpx", extract_dir=str(tmp_path / "x"))
    users = {u.guid: u.name for u in project.users.user}
    assert set(users.values()) >= {"alice", "bruno", "chloe"}
    codes = {}
    for folder in project.code_book.codes.code:
        assert folder.is_codable is False
        for code in folder.code:
            codes[code.guid] = (folder.name, code.name, code.color)
    assert ("technique", "Loaded_Language") in {(s, n) for s, n, _ in codes.values()}
    assert all(c and c.startswith("#") for _, _, c in codes.values())
    notes = {n.guid: n.plain_text_content for n in project.notes.note}
    got = set()
    noted = set()
    for src in project.sources.text_source:
        path = pyrefiqda.RefiProject.resolve_source_path(src.plain_text_path, tmp_path / "x")
        text = path.read_text("utf-8")
        for sel in src.plain_text_selection:
            for coding in sel.coding:
                _, label, _ = codes[coding.code_ref.target_guid]
                who = users[coding.creating_user]
                got.add((who, label, text[sel.start_position:sel.end_position]))
                for ref in coding.note_ref:
                    noted.add(notes[ref.target_guid])
    assert ("alice", "Loaded_Language", "fraternité invincible") in got
    ours = {(r[0], r[2]) for r in view(filled) if r[3] in ("span", "sentence")}
    assert {(w, lab) for w, lab, _ in got} == ours
    assert noted == {r[9] for r in view(filled) if r[9]}


def test_round_trip_through_pyrefiqda_keeps_the_annotation_view(
        filled: Store, tmp_path: Path) -> None:
    pyrefiqda = pytest.importorskip("pyrefiqda", reason="pyrefiqda is in the [test] extra")
    exporter("qdpx")(filled, tmp_path / "ours.qdpx", Selection(), warn=print)
    # ours -> the independent reader's model -> written again by it -> ours
    extracted = tmp_path / "x"
    project = pyrefiqda.RefiProject.load(tmp_path / "ours.qdpx", extract_dir=str(extracted))
    pyrefiqda.RefiProject.save(project, tmp_path / "theirs.qdpx",
                               source_media_dir=extracted / "sources")
    other = with_scheme(tmp_path / "other.db")
    result = import_files(other, "qdpx", [tmp_path / "theirs.qdpx"])
    assert result.documents_new == 2
    assert diagnose(other) == []
    assert view(other) == view(filled)
    fields = {d["source"]: d for d in other.db.query("SELECT * FROM documents")}
    assert fields["Le Quotidien"]["published"] == "2024-08-10"
    assert fields["Le Quotidien"]["external_id"] == "k1"
    again = import_files(other, "qdpx", [tmp_path / "theirs.qdpx"])
    assert again.annotations_new == 0 and again.documents_new == 0


def qdpx(path: Path, qde: str, members: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        for name, data in (members or {}).items():
            z.writestr(name, data)
    return path


CODEBOOK = (
    '<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="actor" '
    'isCodable="false"><Code guid="22222222-2222-2222-2222-222222222222" name="Lavrov" '
    'isCodable="true"/></Code></Codes></CodeBook>'
)


def project(sources: str, users: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="{QDE_NS}" name="t">'
            f"{users}{CODEBOOK}<Sources>{sources}</Sources></Project>")


def test_a_project_from_elsewhere_imports_with_coders_sets_and_text_content(
        tmp_path: Path) -> None:
    text = "Lavrov parle d'une fraternité invincible."
    src = (
        '<TextSource guid="33333333-3333-3333-3333-333333333333" name="Dépêche" '
        'plainTextPath="internal://a.txt"><PlainTextSelection '
        'guid="44444444-4444-4444-4444-444444444444" startPosition="0" endPosition="6">'
        '<Coding guid="55555555-5555-5555-5555-555555555555" '
        'creatingUser="66666666-6666-6666-6666-666666666666">'
        '<CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>'
        "</PlainTextSelection></TextSource>"
        '<PictureSource guid="77777777-7777-7777-7777-777777777777" path="internal://p.png"/>'
    )
    users = '<Users><User guid="66666666-6666-6666-6666-666666666666" name="mila"/></Users>'
    path = qdpx(tmp_path / "maxqda.qdpx", project(src, users), {"sources/a.txt": text.encode()})
    store = Store.open(tmp_path / "t.db")
    result = import_files(store, "qdpx", [path])
    assert any("picture" in w for w in result.warnings)
    rows = store.db.query("SELECT annotator, label_set, label, start, \"end\" FROM "
                          "annotation_view")
    assert list(rows) == [{"annotator": "mila", "label_set": "actor", "label": "Lavrov",
                           "start": 0, "end": 6}]


@pytest.mark.parametrize(("qde", "members", "message"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY a "aaaa">]>\n<Project name="x"/>', {},
     "project.qde:2: a DOCTYPE is not allowed"),
    ('<?xml version="1.0"?>\n<Project name="x">\n<Sources>', {}, "project.qde:3: malformed XML"),
    (project('\n<TextSource guid="33333333-3333-3333-3333-333333333333" '
             'plainTextPath="internal://../../etc/passwd"/>'), {},
     "project.qde:3: plainTextPath 'internal://../../etc/passwd' is not an internal://FILE"),
    (project('\n<TextSource guid="33333333-3333-3333-3333-333333333333">'
             "<PlainTextContent>Bonjour.</PlainTextContent>"
             '<PlainTextSelection guid="44444444-4444-4444-4444-444444444444" '
             'startPosition="2" endPosition="99"><Coding guid="55555555-5555-5555-5555-'
             '555555555555"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>'
             "</Coding></PlainTextSelection></TextSource>"), {},
     "span 2-99 outside the text"),
    (project('\n<TextSource guid="33333333-3333-3333-3333-333333333333">'
             "<PlainTextContent>Bonjour.</PlainTextContent>"
             '<Coding guid="55555555-5555-5555-5555-555555555555">'
             '<CodeRef targetGUID="99999999-9999-9999-9999-999999999999"/>'
             "</Coding></TextSource>"), {},
     "project.qde:3: the coding names no code of the codebook"),
])
def test_bad_projects_fail_in_one_line_and_store_nothing(
        filled: Store, tmp_path: Path, qde: str, members: dict[str, bytes], message: str) -> None:
    before = view(filled)
    path = qdpx(tmp_path / "bad.qdpx", qde, members)
    with pytest.raises(AnnotationImportError) as info:
        import_files(filled, "qdpx", [path])
    assert any(message in p and str(path) in p for p in info.value.problems), \
        info.value.problems
    assert view(filled) == before


def test_not_a_zip_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.qdpx"
    path.write_text("hello")
    with pytest.raises(AnnotationImportError) as info:
        import_files(Store.open(tmp_path / "t.db"), "qdpx", [path])
    assert info.value.problems[0].startswith(f"{path}: not a .qdpx (zip) file")


def attribute_rows(store: Store) -> set[tuple]:
    return {tuple(r.values()) for r in store.db.query(
        'SELECT annotator, label_set, label, start, "end", attribute, value FROM attribute_view')}


def test_attributes_go_out_as_value_codes_and_come_back(tmp_path: Path) -> None:
    from lxml import etree

    from tests.test_network_cli import SCHEME, statements_db

    source = Store.open(statements_db(tmp_path / "s.db"))
    exporter("qdpx")(source, tmp_path / "s.qdpx", Selection(), warn=print)
    with zipfile.ZipFile(tmp_path / "s.qdpx") as z:
        qde = z.read("project.qde")
    project = schema("Project-mrt2019.xsd")
    assert project.validate(etree.fromstring(qde)), project.error_log
    assert b'name="@actor"' in qde and b'name="M. Lavrov"' in qde  # as typed, not canonical
    # into a database with the same scheme: the same values, checked against it
    same = Store.open(tmp_path / "same.db")
    from annotator.core.scheme import parse_scheme

    same.schemes.add(parse_scheme(SCHEME))
    import_files(same, "qdpx", [tmp_path / "s.qdpx"])
    assert attribute_rows(same) == attribute_rows(source)
    assert diagnose(same) == []
    # into an empty database: a scheme is made with open attributes, and networks work on it
    fresh = Store.open(tmp_path / "fresh.db")
    import_files(fresh, "qdpx", [tmp_path / "s.qdpx"])
    assert attribute_rows(fresh) == attribute_rows(source)
    from annotator.services.network import build_network

    net = build_network(fresh, "actor", "outlet").networks[0]
    assert ("Lavrov", "RT", 1.0) in net.edges()  # no aliases in a made scheme


def test_an_attribute_the_scheme_lacks_is_one_line(filled: Store, tmp_path: Path) -> None:
    from tests.test_network_cli import statements_db

    source = Store.open(statements_db(tmp_path / "s.db"))
    exporter("qdpx")(source, tmp_path / "s.qdpx", Selection(), warn=print)
    target = Store.open(tmp_path / "t.db")
    from annotator.core.scheme import parse_scheme

    target.schemes.add(parse_scheme(
        "name: statements\nversion: 1\nlabel_sets:\n  - name: statement\n    level: span\n"
        "    multiple: true\n    labels: [Threat, Legitimacy, Solidarity, Blame]\n"))
    with pytest.raises(AnnotationImportError) as info:
        import_files(target, "qdpx", [tmp_path / "s.qdpx"])
    assert "attribute 'actor' is not an attribute of statements/statement" in \
        info.value.problems[0]
    assert target.corpus.count_documents() == 0


def test_characters_xml_cannot_hold_are_replaced_in_notes_not_in_texts(
        filled: Store, tmp_path: Path) -> None:
    from lxml import etree

    filled.db.execute("UPDATE annotations SET note = 'bip\x07 \x1b[31m rouge' "
                      "WHERE note IS NOT NULL")
    exporter("qdpx")(filled, tmp_path / "p.qdpx", Selection(), warn=print)
    with zipfile.ZipFile(tmp_path / "p.qdpx") as z:
        qde = z.read("project.qde")
    assert schema("Project-mrt2019.xsd").validate(etree.fromstring(qde))
    assert "bip\ufffd \ufffd[31m rouge".encode() in qde


def test_cli_bad_project_is_one_line_and_exit_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from annotator.cli import cli

    path = qdpx(tmp_path / "bad.qdpx", '<?xml version="1.0"?>\n<Project name="x">\n<Sources>')
    res = CliRunner().invoke(cli, ["import-annotations", str(path), "--db",
                                   str(tmp_path / "a.db")])
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"error: {path}!project.qde:3: malformed XML (no element found)",
        "nothing was imported"]


def test_attributes_survive_the_independent_reader_too(tmp_path: Path) -> None:
    pyrefiqda = pytest.importorskip("pyrefiqda", reason="pyrefiqda is in the [test] extra")
    from tests.test_network_cli import statements_db

    source = Store.open(statements_db(tmp_path / "s.db"))
    exporter("qdpx")(source, tmp_path / "ours.qdpx", Selection(), warn=print)
    extracted = tmp_path / "x"
    project = pyrefiqda.RefiProject.load(tmp_path / "ours.qdpx", extract_dir=str(extracted))
    folders = {c.name: [v.name for v in c.code] for f in project.code_book.codes.code
               for c in f.code if c.name.startswith("@")}
    assert folders["@agreement"] == ["yes", "no"]
    assert {"Lavrov", "M. Lavrov", "Zelenski"} <= set(folders["@actor"])
    pyrefiqda.RefiProject.save(project, tmp_path / "theirs.qdpx",
                               source_media_dir=extracted / "sources")
    fresh = Store.open(tmp_path / "fresh.db")
    import_files(fresh, "qdpx", [tmp_path / "theirs.qdpx"])
    assert attribute_rows(fresh) == attribute_rows(source)
