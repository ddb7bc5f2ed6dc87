"""SemEval exports read by the official scorers' rules (tests/scorer_rules.py), numeric article
ids, labels with commas, the PTC layout, and every file we export read back in."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.scheme import parse_scheme
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.import_annotations import AnnotationImportError
from annotator.services.import_semeval import import_semeval
from annotator.services.importing import make_document
from annotator.store import Store
from tests import scorer_rules as rules


def view(store: Store, level: str | None = None) -> set[tuple]:
    rows = store.db.query(
        "SELECT v.annotator, v.label_set, v.label, v.level, d.sha256, s.idx, v.start, v.\"end\" "
        "FROM annotation_view v JOIN documents d ON d.id = v.document_id "
        "LEFT JOIN sentences s ON s.id = v.sentence_id"
    )
    return {tuple(r.values()) for r in rows if level is None or r["level"] == level}


def test_2023_layout_passes_the_scorers_file_rules(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "sem"
    exporter("semeval")(filled, out, Selection(), warn=print)
    ids = (out / "article-ids.tsv").read_text("utf-8").splitlines()
    assert ids[0] == "article_id\tname\tsha256"
    by_name = {r.split("\t")[1]: r.split("\t")[0] for r in ids[1:]}
    assert by_name["2"] == "2"  # a numeric name is kept
    assert by_name["k1"].isdigit() and len(by_name["k1"]) == 9  # others get a stable number
    for who in ("alice", "bruno", "chloe"):
        d = out / who
        classes = rules.read_classes(d / "technique-techniques.txt")
        gold = rules.ptc_gold_folder(d / "technique-spans", classes) if any(
            (d / "technique-spans").glob("*.labels")) else {}
        assert gold == {}  # 2023 span files are .txt, named as in the bundle
        for f in (d / "technique-spans").iterdir():
            assert rules.PTC_ID.match(f.name)  # the id regex still finds the number
            rules.ptc_submission(f, classes)
        para = rules.semeval2023_subtask3(d / "technique-paragraphs.txt", classes)
        assert all(k.split("\t")[0].isdigit() for k in para)
        rules.semeval2023_subtask3(
            d / "frame-paragraphs.txt", rules.read_classes(d / "frame-techniques.txt"))
        # stance is a single-label document set: subtask-1 rules (one class per line)
        rules.semeval2023_subtask1(
            d / "stance-articles.txt", rules.read_classes(d / "stance-techniques.txt"))
    # the same ids in a second export
    again = tmp_path / "sem2"
    exporter("semeval")(filled, again, Selection(), warn=print)
    assert (again / "article-ids.tsv").read_bytes() == (out / "article-ids.tsv").read_bytes()


def test_ptc_layout_is_what_the_task11_scorer_reads(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "ptc"
    exporter("semeval")(filled, out, Selection(), warn=print, layout="ptc")
    d = out / "alice"
    classes = rules.read_classes(d / "technique-techniques.txt")
    gold = rules.ptc_gold_folder(d / "technique-labels", classes)
    sub = rules.ptc_submission(d / "technique.labels", classes)
    assert {k: sorted(v) for k, v in gold.items()} == {k: sorted(v) for k, v in sub.items()}
    texts = {p.name[len("article"):-len(".txt")]: p.read_text("utf-8")
             for p in (out / "articles").iterdir()}
    spans = {(texts[a], s, e, t) for a, rows in gold.items() for t, s, e in rows}
    expected = {(r[4], r[6], r[7], r[2]) for r in view(filled, "span") if r[0] == "alice"}
    shas = {r["sha256"]: r["text"] for r in filled.db.query("SELECT sha256, text FROM documents")}
    assert spans == {(shas[sha], s, e, lab) for sha, s, e, lab in expected}
    # and back in: the same spans, the article names restored from article-ids.tsv
    other = Store.open(tmp_path / "b.db")
    import_semeval(other, [d / "technique-labels"], annotator="alice")
    assert {r[2:] for r in view(other)} == {r[2:] for r in view(filled, "span")
                                           if r[0] == "alice"}
    assert sorted(r["external_id"] for r in other.db.query("SELECT external_id FROM documents")
                  ) == ["2", "k1"]


COMMA_SCHEME = """\
name: ptc
version: 1
label_sets:
  - name: technique
    level: span
    multiple: true
    labels:
      - "Name_Calling,Labeling"
      - Name_Calling-Labeling
      - Loaded_Language
  - name: genre
    level: document
    labels: [opinion, reporting]
"""
TEXT = "Le titre\n\nIls traitent leurs voisins de « nazis ». Quelle honte.\n"


def comma_store(path: Path) -> Store:
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(COMMA_SCHEME))
    [(doc, _)] = store.corpus.add_documents([make_document(TEXT, external_id="ptc-7")])
    sents = store.corpus.sentences(doc)
    who = store.schemes.annotator_id("ptc")
    s = TEXT.index("« nazis »")
    for label in ("Name_Calling,Labeling", "Loaded_Language"):
        store.annotations.add(who, scheme_id, label_set="technique", label=label, level="span",
                              document_id=doc, sentence_id=sents[1]["id"], start=s, end=s + 9)
    store.annotations.add(who, scheme_id, label_set="genre", label="opinion", level="document",
                          document_id=doc)
    for x in sents:
        store.progress.mark_done(who, scheme_id, x["id"])
    return store


def test_labels_with_commas_survive_the_comma_separated_files(tmp_path: Path) -> None:
    store = comma_store(tmp_path / "a.db")
    out = tmp_path / "sem"
    exporter("semeval")(store, out, Selection(), warn=print)
    d = out / "ptc"
    classes = rules.read_classes(d / "technique-techniques.txt")
    assert classes == ["Name_Calling-Labeling-2", "Name_Calling-Labeling", "Loaded_Language"]
    para = rules.semeval2023_subtask3(d / "technique-paragraphs.txt", classes)
    assert sorted(lab for labs in para.values() for lab in labs) == [
        "Loaded_Language", "Name_Calling-Labeling-2"]
    assert (out / "label-map.tsv").read_text("utf-8") == (
        "label_set\twritten\tlabel\ntechnique\tName_Calling-Labeling-2\tName_Calling,Labeling\n")
    # span files keep the name as it is (tab-separated: PTC writes it so), with their own
    # classes file for the TC scorer
    [span_file] = (d / "technique-spans").iterdir()
    assert "\tName_Calling,Labeling\t" in span_file.read_text("utf-8")
    span_classes = rules.read_classes(d / "technique-span-techniques.txt")
    assert span_classes == ["Name_Calling,Labeling", "Name_Calling-Labeling", "Loaded_Language"]
    rules.ptc_submission(span_file, span_classes)
    ptc = tmp_path / "ptc"
    exporter("semeval")(store, ptc, Selection(), warn=print, layout="ptc")
    gold = rules.ptc_gold_folder(ptc / "ptc" / "technique-labels", span_classes)
    assert sorted(t for rows in gold.values() for t, _, _ in rows) == [
        "Loaded_Language", "Name_Calling,Labeling"]
    # the paragraph file alone, back into the scheme: the comma comes back
    other = Store.open(tmp_path / "b.db")
    other.schemes.add(parse_scheme(COMMA_SCHEME))
    import_semeval(other, [d / "technique-paragraphs.txt", d / "genre-articles.txt"],
                   annotator="ptc")
    got = {(r[1], r[2], r[3]) for r in view(other)}
    assert got == {("technique", "Name_Calling,Labeling", "span"),
                   ("technique", "Loaded_Language", "span"), ("genre", "opinion", "document")}
    line = TEXT.split("\n")[2]
    start = TEXT.index(line)
    assert {(r[6], r[7]) for r in view(other, "span")} == {(start, start + len(line))}


def test_every_exported_file_comes_back_in(filled: Store, tmp_path: Path) -> None:
    """Spans from span files, sentence labels from paragraph files, document labels from
    article files: a re-export gives the same files."""
    first = tmp_path / "first"
    exporter("semeval")(filled, first, Selection(annotators=["bruno"]), warn=print)
    empty = Store.open(tmp_path / "empty.db")
    result = import_semeval(empty, [first / "bruno"], annotator="bruno")
    assert any("skipped" in w and "technique-paragraphs.txt" in w for w in result.warnings)
    second = tmp_path / "second"
    exporter("semeval")(empty, second, Selection(), warn=print)
    for rel in ("bruno/technique-paragraphs.txt", "bruno/frame-paragraphs.txt",
                "bruno/stance-articles.txt", "paragraphs.template", "article-ids.tsv"):
        assert (second / rel).read_text("utf-8") == (first / rel).read_text("utf-8"), rel
    spans = {r[2:] for r in view(empty, "span")}
    assert spans == {r[2:] for r in view(filled, "span") if r[0] == "bruno"}
    # frame is a sentence set: bruno's sentence labels, one per sentence of the line
    frames = {(r[2], r[4], r[5]) for r in view(empty, "sentence")}
    assert ("Economic", next(iter({r[4] for r in view(filled) if r[0] == "bruno"
                                    and r[2] == "Economic"})), 2) in frames


def test_template_alone_gives_the_articles(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "sem"
    exporter("semeval")(filled, out, Selection(), warn=print)
    empty = Store.open(tmp_path / "empty.db")
    result = import_semeval(empty, [out / "paragraphs.template"], annotator="x",
                            articles=tmp_path)  # no article files there: the template is the text
    assert result.documents_new == 2 and result.annotations_new == 0
    texts = {r["text"] for r in empty.db.query("SELECT text FROM documents")}
    assert texts == {r["text"] for r in filled.db.query("SELECT text FROM documents")}
    # with the article files, a template line that differs is named
    tpl = out / "paragraphs.template"
    lines = tpl.read_text("utf-8").splitlines()
    lines[0] = lines[0] + " (modifié)"
    tpl.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(AnnotationImportError) as err:
        import_semeval(Store.open(tmp_path / "c.db"), [tpl], annotator="x")
    assert err.value.problems[0].startswith(f"{tpl}:1: line 1 differs from line 1 of article")


def test_paragraph_file_given_alone_is_not_mistaken_for_si(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "sem"
    exporter("semeval")(filled, out, Selection(annotators=["alice"]), warn=print)
    para = out / "alice" / "frame-paragraphs.txt"
    renamed = tmp_path / "labels.txt"  # a name that says nothing: the columns decide
    renamed.write_text(para.read_text("utf-8"), "utf-8")
    other = Store.open(tmp_path / "b.db")  # no scheme: one is made from the file
    result = import_semeval(other, [renamed], annotator="alice", articles=out / "articles")
    assert result.annotations_new > 0
    assert {r[3] for r in view(other)} == {"sentence"}
