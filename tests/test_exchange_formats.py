"""Exchange formats both ways: our export -> their format -> our import gives the same
annotation_view for what the format holds, and the other tool's own reader (where one installs
from the package index) reads our files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from annotator.core.scheme import parse_scheme
from annotator.services.doctor import diagnose
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.formats_in import import_files
from annotator.services.import_annotations import AnnotationImportError
from annotator.store import Store
from tests.export_fixture import SCHEME_YAML


def with_scheme(path: Path) -> Store:
    store = Store.open(path)
    store.schemes.add(parse_scheme(SCHEME_YAML))
    return store


def view(store: Store, *, notes: bool = True, levels: tuple[str, ...] = (
        "span", "sentence", "document")) -> set[tuple]:
    """annotation_view, with documents by text hash and sentences by index."""
    rows = store.db.query(
        "SELECT v.annotator, v.label_set, v.label, v.level, d.sha256, s.idx, v.start, v.\"end\", "
        "v.value, v.note FROM annotation_view v JOIN documents d ON d.id = v.document_id "
        "LEFT JOIN sentences s ON s.id = v.sentence_id"
    )
    return {
        tuple(r.values())[: 10 if notes else 9] for r in rows if r["level"] in levels
    }


def seconds(store: Store) -> dict[tuple[str, str], float]:
    rows = store.db.query(
        "SELECT n.name, d.sha256, sum(p.seconds) AS s FROM progress p JOIN annotators n "
        "ON n.id = p.annotator_id JOIN documents d ON d.id = p.document_id GROUP BY 1, 2"
    )
    return {(r["name"], r["sha256"]): round(r["s"], 3) for r in rows if r["s"]}


def round_trip(filled: Store, tmp_path: Path, fmt: str, out_name: str) -> Store:
    out = tmp_path / out_name
    exporter(fmt)(filled, out, Selection(), warn=print)
    other = with_scheme(tmp_path / f"{fmt}.db")
    import_files(other, fmt, [out])
    assert diagnose(other) == []  # a clean import leaves nothing for doctor
    again = import_files(other, fmt, [out])  # twice: nothing new
    assert again.annotations_new == 0 and again.documents_new == 0
    return other


# ------------------------------------------------------------------------------- Label Studio
def test_labelstudio_round_trip_keeps_annotators_labels_notes_and_time(
    filled: Store, tmp_path: Path
) -> None:
    other = round_trip(filled, tmp_path, "labelstudio", "ls")
    assert view(other) == view(filled)
    assert seconds(other) == seconds(filled)
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text("utf-8"))
    first = tasks[0]
    assert first["data"]["id"] == "k1" and first["data"]["source"] == "Le Quotidien"
    ann = first["annotations"][0]
    assert ann["completed_by"] == {"id": 1, "email": "alice"}
    assert {r["type"] for r in ann["result"]} == {"labels", "choices"}
    texts = {(r["value"]["text"], r["value"]["labels"][0]) for r in ann["result"]
             if r["type"] == "labels"}
    assert ("fraternité invincible", "Loaded_Language") in texts


def test_labelstudio_converter_reads_our_export(filled: Store, tmp_path: Path) -> None:
    if importlib.util.find_spec("label_studio_converter") is None:
        pytest.skip("label-studio-converter (in the [test] extra) is not installed")
    from label_studio_converter import Converter

    out = tmp_path / "ls"
    exporter("labelstudio")(filled, out, Selection(), warn=print)
    converter = Converter(config=str(out / "label_config.xml"), project_dir=None)
    converter.convert_to_json_min(str(out / "tasks.json"), str(tmp_path / "min"), is_dir=False)
    records = json.loads((tmp_path / "min" / "result.json").read_text("utf-8"))
    got = set()
    for rec in records:
        for item in rec.get("technique", []):
            got.add((rec["annotator"], rec["text"][item["start"]:item["end"]], item["text"],
                     item["technique"][0] if "technique" in item else item["labels"][0]))
        assert rec["lead_time"] is not None
    spans = {(r[0], r[2]) for r in view(filled, levels=("span",))}
    assert {(a, lab) for a, _, _, lab in got} == spans
    assert all(t == shown for _, t, shown, _ in got)
    stance = {(r["annotator"], r["stance"]) for r in records if "stance" in r}
    assert ("alice", "against") in stance  # a single choice, prettified by the converter


def test_labelstudio_file_from_label_studio_itself(tmp_path: Path) -> None:
    """A task as Label Studio exports it: integer completed_by, a skipped annotation,
    predictions, a region with a per-region note and choices."""
    text = "Moscou dénonce une provocation terroriste."
    task = [{
        "id": 7, "data": {"text": text, "source": "Radio Est"},
        "annotations": [
            {"id": 1, "completed_by": 3, "lead_time": 12.5, "was_cancelled": False,
             "result": [
                 {"id": "r1", "from_name": "technique", "to_name": "text", "type": "labels",
                  "value": {"start": 19, "end": 41, "text": "provocation terroriste",
                            "labels": ["Name_Calling"]}},
                 {"id": "r1", "from_name": "note", "to_name": "text", "type": "textarea",
                  "value": {"start": 19, "end": 41, "text": ["citation"]}},
                 {"id": "c1", "from_name": "stance", "to_name": "text", "type": "choices",
                  "value": {"choices": ["against"]}},
             ]},
            {"id": 2, "completed_by": 4, "was_cancelled": True, "result": []},
        ],
        "predictions": [{"model_version": "m1", "result": []}],
    }]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(task), "utf-8")
    store = with_scheme(tmp_path / "a.db")
    result = import_files(store, "labelstudio", [path])
    assert sorted(result.warnings) == [
        f"{path}: 1 cancelled (skipped) annotation(s) left out",
        f"{path}: 1 prediction(s) left out (suggestions, not answers)",
    ]
    assert {(r[0], r[1], r[2], r[3], r[9]) for r in view(store)} == {
        ("user-3", "technique", "Name_Calling", "span", "citation"),
        ("user-3", "stance", "against", "document", None),
    }
    # a region whose text is not the text at its offsets is refused, naming the task
    task[0]["annotations"][0]["result"][0]["value"]["text"] = "autre chose"
    path.write_text(json.dumps(task), "utf-8")
    with pytest.raises(AnnotationImportError) as err:
        import_files(with_scheme(tmp_path / "b.db"), "labelstudio", [path])
    assert err.value.problems == [
        f"{path} (task 7), result r1: region text 'autre chose' is not the text at 19-41"]


# ------------------------------------------------------------------------------------ doccano
def doccano_rules(path: Path) -> list[dict]:
    """doccano's import checks (backend/data_import/pipeline/label.py, SpanLabel and
    CategoryLabel): spans are [start_offset, end_offset, label] with non-negative integers,
    start < end, a non-empty label; categories non-empty strings; the text column `text`."""
    records = []
    for line in path.read_text("utf-8").splitlines():
        rec = json.loads(line)
        assert isinstance(rec["text"], str)
        spans = rec.get("entities", rec.get("label", []))
        for span in spans:
            start, end, label = span
            assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end
            assert isinstance(label, str) and label
            assert end <= len(rec["text"])
        assert all(isinstance(c, str) and c for c in rec.get("cats", []))
        records.append(rec)
    return records


def test_doccano_round_trip_and_shapes(filled: Store, tmp_path: Path) -> None:
    other = round_trip(filled, tmp_path, "doccano", "d.jsonl")
    assert view(other, notes=False) == view(filled, notes=False)  # doccano has no notes
    records = doccano_rules(tmp_path / "d.jsonl")
    assert {tuple(sorted(r)) for r in records} == {
        ("annotator", "cats", "entities", "id", "language", "published", "source", "text",
         "title", "url"),
        ("annotator", "cats", "entities", "id", "language", "source", "text", "title"),
    }
    # without document sets: the sequence-labeling shape
    spans_only = tmp_path / "s.jsonl"
    exporter("doccano")(filled, spans_only, Selection(label_sets=["technique"]), warn=print)
    assert all("label" in r and "cats" not in r for r in doccano_rules(spans_only))
    third = with_scheme(tmp_path / "c.db")
    import_files(third, "doccano", [spans_only])
    assert view(third, notes=False) == view(filled, notes=False, levels=("span",))


def test_doccano_lines_without_annotator_need_the_option(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Une provocation terroriste.",
                                "label": [[4, 26, "Name_Calling"]]}) + "\n"
                    + json.dumps({"text": "Un texte.", "label": ["neutral"]}) + "\n", "utf-8")
    store = with_scheme(tmp_path / "a.db")
    with pytest.raises(AnnotationImportError) as err:
        import_files(store, "doccano", [path])
    assert err.value.problems[0] == (
        f"{path}:1: no `annotator` or `user` field; pass --annotator NAME")
    import_files(store, "doccano", [path], annotator="pilot")
    assert {(r[0], r[2], r[3]) for r in view(store)} == {
        ("pilot", "Name_Calling", "span"), ("pilot", "neutral", "document")}


# ------------------------------------------------------------------------------------ Prodigy
def test_prodigy_round_trip_and_task_shape(filled: Store, tmp_path: Path) -> None:
    other = round_trip(filled, tmp_path, "prodigy", "p.jsonl")
    assert view(other, notes=False) == view(filled, notes=False)
    records = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text("utf-8").splitlines()]
    by_text: dict[str, set[int]] = {}
    for rec in records:
        assert rec["answer"] == "accept" and rec["_view_id"] == "blocks"
        assert isinstance(rec["_input_hash"], int) and isinstance(rec["_task_hash"], int)
        by_text.setdefault(rec["text"], set()).add(rec["_input_hash"])
        tokens = rec["tokens"]
        for span in rec["spans"]:
            assert rec["text"][span["start"]:span["end"]]
            if "token_start" in span:
                assert tokens[span["token_start"]]["start"] == span["start"]
                assert tokens[span["token_end"]]["end"] == span["end"]
        assert {o["id"] for o in rec["options"]} >= set(rec["accept"])
    assert all(len(h) == 1 for h in by_text.values())  # one input hash per text
    assert {r["_annotator_id"] for r in records} == {"alice", "bruno", "chloe"}


def test_prodigy_rejected_tasks_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    lines = [
        {"text": "Une provocation terroriste.", "spans": [
            {"start": 4, "end": 26, "label": "Name_Calling"}], "answer": "accept",
         "_session_id": "news-ana", "_annotator_id": "news-ana", "options": [
             {"id": 1, "text": "against"}], "accept": [1]},
        {"text": "Une provocation terroriste.", "spans": [], "answer": "reject",
         "_annotator_id": "news-bob"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    store = with_scheme(tmp_path / "a.db")
    result = import_files(store, "prodigy", [path])
    assert result.warnings == [f"{path}: 1 rejected or ignored task(s) left out"]
    assert {(r[0], r[2], r[3]) for r in view(store)} == {
        ("news-ana", "Name_Calling", "span"), ("news-ana", "against", "document")}


# ------------------------------------------------------------------------------ token formats
def test_conllu_plus_round_trip(filled: Store, tmp_path: Path) -> None:
    other = round_trip(filled, tmp_path, "conllu", "cu")
    texts = {r["sha256"]: r["text"] for r in filled.db.query("SELECT sha256, text FROM documents")}
    before, after = view(filled, notes=False), view(other, notes=False)  # no notes in CoNLL-U
    crossing = {r for r in before if r[3] == "span" and "\n" in texts[r[4]][r[6]:r[7]]}
    assert after - (after - before) == before - crossing
    # the span across a line break comes back as one span per sentence
    assert sorted(texts[r[4]][r[6]:r[7]] for r in after - before) == [
        "Moscou dénonce", "les peuples."]


def test_conllu_package_reads_our_files(filled: Store, tmp_path: Path) -> None:
    conllu = pytest.importorskip("conllu", reason="conllu (in the [test] extra) is not installed")
    out = tmp_path / "cu"
    exporter("conllu")(filled, out, Selection(), warn=print)
    text = (out / "alice.conllup").read_text("utf-8")
    assert text.startswith("# global.columns = ID FORM MISC ANNOTATOR:TECHNIQUE\n")
    fields = ["id", "form", "misc", "annotator:technique"]
    sentences = conllu.parse(text.split("\n", 1)[1], fields=fields)
    assert len(sentences) == 7
    first = sentences[0]
    assert first.metadata["newdoc id"] == "k1"
    doc_text = json.loads(first.metadata["doc_text"])
    for sent in sentences:
        assert sent.metadata["sent_id"] and sent.metadata["text"]
        for tok in sent:
            start, end = map(int, tok["misc"]["TokenRange"].split(":"))
            if sent.metadata["sent_id"].startswith("k1-"):
                assert doc_text[start:end] == tok["form"]
            assert tok["annotator:technique"] == "O" or tok["annotator:technique"][:2] in (
                "B-", "I-")
    tags = [tok["annotator:technique"] for s in sentences for tok in s]
    assert "B-Loaded_Language" in tags


def webanno_rules(path: Path) -> None:
    """The TSV 3 file rules (INCEpTION's "WebAnno TSV 3.3" format description): the format
    line, span layer declarations, two blank lines, then per sentence a blank line, `#Text=`
    lines and token lines `s-t<TAB>begin-end<TAB>token<TAB>one column per feature<TAB>`; a
    multi-token annotation has the same [n] on every one of its tokens."""
    lines = path.read_text("utf-8").split("\n")
    assert lines[0] == "#FORMAT=WebAnno TSV 3.3"
    layers = [ln for ln in lines[1:] if ln.startswith("#T_SP=")]
    n_features = sum(len(ln.split("|")) - 1 for ln in layers)
    assert lines[1 + len(layers)] == "" and lines[2 + len(layers)] == ""
    ids: dict[str, set[str]] = {}
    sentence = 0
    for line in lines[3 + len(layers):]:
        if not line or line.startswith("#Text="):
            continue
        cols = line.split("\t")
        assert cols[-1] == ""  # trailing tab
        s, t = cols[0].split("-")
        assert int(s) >= sentence and int(t) >= 1
        sentence = int(s)
        begin, end = map(int, cols[1].split("-"))
        assert begin < end and len(cols[2]) == end - begin - cols[2].count("\\\\")
        assert len(cols) == 3 + n_features + 1
        for cell in cols[3:-1]:
            for part in cell.split("|"):
                if part.endswith("]"):
                    ids.setdefault(part[part.index("[") + 1:-1], set()).add(cols[0])
    assert all(len(tokens) > 1 for tokens in ids.values())


def test_webanno_round_trip_and_file_rules(filled: Store, tmp_path: Path) -> None:
    other = round_trip(filled, tmp_path, "webanno", "wa")
    no_doc = {r for r in view(filled) if r[3] != "document"}  # TSV has no document labels
    assert view(other) == no_doc
    files = sorted((tmp_path / "wa" / "annotation").rglob("*.tsv"))
    assert [f.relative_to(tmp_path / "wa").as_posix() for f in files][:2] == [
        "annotation/2.txt/alice.tsv", "annotation/2.txt/bruno.tsv"]
    for f in files:
        webanno_rules(f)
    head = (tmp_path / "wa" / "annotation" / "k1.txt" / "bruno.tsv").read_text("utf-8")
    assert "#T_SP=webanno.custom.Frame|label|note\n" in head
    assert "Name\\_Calling[" in head and "citation du Kremlin[" in head  # escaped _, the note
    # without the source folder the text is rebuilt from #Text and the tokens
    alone = tmp_path / "bruno-k1.tsv"
    alone.write_text(head, "utf-8")
    third = with_scheme(tmp_path / "c.db")
    import_files(third, "webanno", [alone])
    [text] = [r["text"] for r in third.db.query("SELECT text FROM documents")]
    assert "fraternité invincible" in text
    assert {(r[0], r[2], r[3]) for r in view(third)} == {
        ("bruno-k1", r[2], r[3]) for r in no_doc if r[0] == "bruno" and r[4] == next(
            iter({x[4] for x in no_doc if x[2] == "Name_Calling"}))}


def test_spacy_docbin_round_trip_and_spacy_reads_it(filled: Store, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy", reason="spaCy (the [spacy] extra) is not installed")
    from spacy.tokens import DocBin

    other = round_trip(filled, tmp_path, "spacy", "a.spacy")
    assert view(other) == view(filled)
    assert seconds(other) == seconds(filled)
    docs = list(DocBin().from_disk(tmp_path / "a.spacy").get_docs(spacy.blank("fr").vocab))
    texts = {r["text"] for r in filled.db.query("SELECT text FROM documents")}
    assert {d.text for d in docs} == texts  # the exact texts
    got = {(d.user_data["annotator"], s.text, s.label_) for d in docs
           for s in d.spans.get("technique", [])}
    assert ("bruno", "provocation terroriste", "Name_Calling") in got
    assert ("alice", "les peuples.\nMoscou dénonce", "Exaggeration") in got
    alice_k1 = next(d for d in docs if d.user_data["annotator"] == "alice"
                    and d.user_data["document"]["id"] == "k1")
    assert alice_k1.cats == {"against": 1.0}
    # spaCy keeps the blank line after the title in the title's sentence
    first_sentence = next(iter(alice_k1.sents)).text.strip()
    assert first_sentence == "Kursk : la contre-offensive s'enlise"
