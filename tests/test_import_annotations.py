"""import-annotations: the JSONL round trip (byte for byte), SemEval/PTC span files, and bad
input refused with FILE:LINE messages and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.import_annotations import AnnotationImportError
from annotator.services.import_jsonl import import_jsonl
from annotator.services.import_semeval import import_semeval
from annotator.store import Store
from tests.export_fixture import build_template, copy_db


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def filled(template: Path, tmp_path: Path) -> Store:
    return copy_db(template, tmp_path / "fixture.db")


def counts(store: Store) -> dict[str, int]:
    return {
        t: int(store.db.scalar(f"SELECT count(*) FROM {t}"))
        for t in ("documents", "sentences", "schemes", "annotators", "annotations", "progress",
                  "document_progress", "adjudications", "gold")
    }


def test_jsonl_round_trip_is_byte_identical(filled: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    exporter("jsonl")(filled, first, Selection(), warn=print)
    empty = Store.open(tmp_path / "empty.db")
    result = import_jsonl(empty, first)
    assert (result.documents_new, result.annotations_new) == (2, 18)  # 17 current + 1 removed
    second = tmp_path / "second.jsonl"
    exporter("jsonl")(empty, second, Selection(), warn=print)
    assert second.read_bytes() == first.read_bytes()
    assert counts(empty) == counts(filled)
    # the other formats agree too once ids are the same
    for fmt in ("csv", "conll"):
        a, b = tmp_path / f"a-{fmt}", tmp_path / f"b-{fmt}"
        exporter(fmt)(filled, a, Selection(), warn=print)
        exporter(fmt)(empty, b, Selection(), warn=print)
        pa = sorted(p for p in a.rglob("*") if p.is_file()) if a.is_dir() else [a]
        pb = sorted(p for p in b.rglob("*") if p.is_file()) if b.is_dir() else [b]
        assert [p.read_bytes() for p in pa] == [p.read_bytes() for p in pb]


def test_jsonl_import_twice_adds_nothing(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    exporter("jsonl")(filled, path, Selection(), warn=print)
    before = counts(filled)
    result = import_jsonl(filled, path)
    assert (result.documents_new, result.annotations_new) == (0, 0)
    assert (result.documents_present, result.annotations_present) == (2, 18)
    assert counts(filled) == before


def test_jsonl_edited_text_is_refused_with_its_line(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    exporter("jsonl")(filled, path, Selection(), warn=print)
    lines = path.read_text("utf-8").splitlines()
    rec = json.loads(lines[2])
    rec["text"] = rec["text"].replace("Pyongyang", "Pyong-yang")
    lines[2] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    empty = Store.open(tmp_path / "empty.db")
    with pytest.raises(AnnotationImportError) as err:
        import_jsonl(empty, path)
    assert err.value.problems == [f"{path}:3: sha256 does not match the text (edited by hand?)"]
    # all or nothing: the valid first document did not stay
    assert counts(empty)["documents"] == 0 and counts(empty)["annotations"] == 0


def test_jsonl_bad_span_offsets_and_malformed_lines(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    exporter("jsonl")(filled, path, Selection(), warn=print)
    lines = path.read_text("utf-8").splitlines()
    rec = json.loads(lines[1])
    span = next(a for a in rec["annotations"] if a["level"] == "span")
    span["end"] = 10_000
    lines[1] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    empty = Store.open(tmp_path / "empty.db")
    with pytest.raises(AnnotationImportError, match=r":2: annotation \w+: span offsets 123-10000"):
        import_jsonl(empty, path)
    path.write_text(lines[0] + "\n{not json\n", "utf-8")
    with pytest.raises(AnnotationImportError, match=r"e.jsonl:2: malformed JSON"):
        import_jsonl(empty, path)
    header = json.loads(lines[0])
    header["schemes"][0].pop("yaml")
    path.write_text(json.dumps(header) + "\n", "utf-8")
    with pytest.raises(AnnotationImportError, match=r"e.jsonl:1: bad header record \(KeyError"):
        import_jsonl(empty, path)
    path.write_text(lines[0] + "\n" + "[" * 100_000 + "\n", "utf-8")
    with pytest.raises(AnnotationImportError, match=r"e.jsonl:2: malformed JSON"):
        import_jsonl(empty, path)
    rec = json.loads(lines[1])
    rec["sentences"] = "abc"
    path.write_text(lines[0] + "\n" + json.dumps(rec) + "\n", "utf-8")
    with pytest.raises(AnnotationImportError, match=r"e.jsonl:2: bad document record"):
        import_jsonl(empty, path)
    path.write_text('{"text": "un article"}\n', "utf-8")
    with pytest.raises(AnnotationImportError, match=r"e.jsonl:1: not an annotator JSONL export"):
        import_jsonl(empty, path)
    assert counts(empty)["documents"] == 0


def test_semeval_round_trip_is_byte_identical(filled: Store, tmp_path: Path) -> None:
    first = tmp_path / "first"
    exporter("semeval")(filled, first, Selection(annotators=["alice"], label_sets=["technique"]),
                        warn=print)
    empty = Store.open(tmp_path / "empty.db")
    result = import_semeval(empty, [first / "alice"], annotator="alice")
    assert (result.documents_new, result.annotations_new) == (2, 3)
    second = tmp_path / "second"
    exporter("semeval")(empty, second, Selection(), warn=print)
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (second / rel).read_bytes() == (first / rel).read_bytes(), rel
    again = import_semeval(empty, [first / "alice"], annotator="alice")
    assert (again.annotations_new, again.annotations_present) == (0, 3)


# ------------------------------------------------------------------------------------ PTC layout
ARTICLE = (
    "Le Kremlin salue un accord historique\n\n"
    "Selon Moscou, le traité scelle une amitié éternelle.\n"
    "Des experts parlent d'un chantage déguisé.\n"
)


def ptc_corpus(root: Path, lines: list[str]) -> Path:
    """PTC layout: train-articles/article<ID>.txt and train-labels-task-flc-tc/*.labels."""
    (root / "train-articles").mkdir(parents=True)
    (root / "train-articles" / "article7001.txt").write_text(ARTICLE, "utf-8")
    labels = root / "train-labels-task-flc-tc"
    labels.mkdir()
    path = labels / "article7001.task-flc-tc.labels"
    path.write_text("".join(ln + "\n" for ln in lines), "utf-8")
    return path


def at(phrase: str) -> str:
    s = ARTICLE.index(phrase)
    return f"{s}\t{s + len(phrase)}"


def test_ptc_span_files_enter_as_an_annotator(tmp_path: Path) -> None:
    labels = ptc_corpus(tmp_path, [
        f"7001\tLoaded_Language\t{at('amitié éternelle')}",
        f"7001\tName_Calling,Labeling\t{at('chantage déguisé')}",
        f"7001\tLoaded_Language\t{at('chantage déguisé')}",
    ])
    store = Store.open(tmp_path / "db.db")
    result = import_semeval(store, [labels], annotator="ptc")
    assert (result.documents_new, result.annotations_new) == (1, 3)
    rows = store.db.query(
        "SELECT v.label, substr(d.text, v.start + 1, v.\"end\" - v.start) AS t, v.sentence_id, "
        "d.external_id FROM annotation_view v JOIN documents d ON d.id = v.document_id "
        "WHERE v.annotator = 'ptc' ORDER BY v.start, v.label"
    )
    assert [(r["label"], r["t"], r["external_id"]) for r in rows] == [
        ("Loaded_Language", "amitié éternelle", "7001"),
        ("Loaded_Language", "chantage déguisé", "7001"),
        ("Name_Calling,Labeling", "chantage déguisé", "7001"),
    ]
    first = store.corpus.sentence(rows[0]["sentence_id"])
    assert first is not None and "amitié éternelle" in first["text"]
    # the whole article counts as annotated: every sentence is done for "ptc"
    n_sent = store.corpus.count_sentences()
    assert store.db.scalar("SELECT count(*) FROM progress WHERE status = 'done'") == n_sent
    # a scheme was made from the labels found, since the database had none
    assert store.schemes.summary()[0]["name"] == "semeval"


def test_ptc_problems_name_file_and_line_and_store_nothing(tmp_path: Path) -> None:
    labels = ptc_corpus(tmp_path, [
        f"7001\tLoaded_Language\t{at('amitié éternelle')}",
        "7001\tLoaded_Language\t40\t9999",
        "7001\tLoaded_Language\tdix\t20",
    ])
    store = Store.open(tmp_path / "db.db")
    with pytest.raises(AnnotationImportError) as err:
        import_semeval(store, [labels], annotator="ptc")
    assert err.value.problems == [
        f"{labels}:3: start and end must be integers ('dix', '20')",
        f"{labels}:2: span 40-9999 runs past the end of article7001.txt ({len(ARTICLE)} "
        "characters)",
    ]
    assert store.corpus.count_documents() == 0


def test_ptc_labels_must_exist_in_a_stored_scheme(filled: Store, tmp_path: Path) -> None:
    labels = ptc_corpus(tmp_path, [f"7001\tDoubt\t{at('chantage déguisé')}"])
    before = counts(filled)
    with pytest.raises(AnnotationImportError, match=r"labels not in presse/technique: Doubt"):
        import_semeval(filled, [labels], annotator="ptc")
    assert counts(filled) == before


def test_ptc_articles_from_option_and_missing_article(tmp_path: Path) -> None:
    labels = ptc_corpus(tmp_path / "a", [f"7001\tDoubt\t{at('chantage déguisé')}"])
    lone = tmp_path / "lone.labels"
    lone.write_text(labels.read_text("utf-8"), "utf-8")
    store = Store.open(tmp_path / "db.db")
    with pytest.raises(AnnotationImportError, match=r"article7001.txt not found"):
        import_semeval(store, [lone], annotator="ptc")
    result = import_semeval(
        store, [lone], annotator="ptc", articles=tmp_path / "a" / "train-articles"
    )
    assert result.annotations_new == 1


def test_cli_import_annotations_reports_and_exits_1(filled: Store, tmp_path: Path) -> None:
    labels = ptc_corpus(tmp_path, ["7001\tLoaded_Language\t40\t9999"])
    runner = CliRunner()
    res = runner.invoke(cli, ["import-annotations", str(labels), "--db", filled.path,
                              "--annotator", "ptc"])
    assert res.exit_code == 1
    assert f"error: {labels}:1: span 40-9999 runs past the end" in res.stderr
    assert "nothing was imported" in res.stderr
    res = runner.invoke(cli, ["import-annotations", str(labels), "--db", filled.path])
    assert res.exit_code != 0 and "--annotator" in res.output + res.stderr
    out = tmp_path / "e.jsonl"
    assert runner.invoke(cli, ["export", "--format", "jsonl", "--out", str(out), "--db",
                               filled.path]).exit_code == 0
    res = runner.invoke(cli, ["import-annotations", str(out), "--db", str(tmp_path / "n.db")])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == (
        "2 new document(s), 0 already present; 18 new annotation(s), 0 already present"
    )
