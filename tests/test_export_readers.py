"""Read the exported files back with readers written here, independently of the exporters, and
check every offset against the text, BIO validity, and that parquet loads in pandas/datasets."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.store import Store
from tests.export_fixture import build_template, copy_db


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Store:
    return copy_db(template, tmp_path / "fixture.db")


def current_spans(store: Store, annotator: str) -> set[tuple[str, int, int, str]]:
    """(document text, start, end, label) of an annotator's current spans, from the view."""
    rows = store.db.query(
        "SELECT d.text, v.start, v.\"end\", v.label FROM annotation_view v "
        "JOIN documents d ON d.id = v.document_id WHERE v.level = 'span' AND v.annotator = ?",
        [annotator],
    )
    return {(r["text"], r["start"], r["end"], r["label"]) for r in rows}


# ------------------------------------------------------------------------------------ brat
def read_brat(ann: str) -> tuple[list[dict], dict[str, str], dict[str, str]]:
    """Minimal brat standoff reader: T lines (with fragments), A lines, # notes."""
    entities, attrs, notes = [], {}, {}
    for line in ann.splitlines():
        cols = line.split("\t")
        if line.startswith("T"):
            typ, _, offsets = cols[1].partition(" ")
            frags = [tuple(int(x) for x in f.split()) for f in offsets.split(";")]
            entities.append({"id": cols[0], "type": typ, "frags": frags, "text": cols[2]})
        elif line.startswith("A"):
            name, target, value = cols[1].split(" ")
            assert name == "Label"
            attrs[target] = value
        elif line.startswith("#"):
            notes[cols[1].split(" ")[1]] = cols[2]
        else:
            raise AssertionError(f"unexpected brat line {line!r}")
    return entities, attrs, notes


def test_brat_offsets_and_fragments_match_the_text(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    exporter("brat")(store, out, Selection(), warn=print)
    for annotator in ("alice", "bruno", "chloe"):
        got: set[tuple[str, int, int, str]] = set()
        for ann_file in sorted((out / annotator).glob("*.ann")):
            text = ann_file.with_suffix(".txt").read_text("utf-8")
            entities, attrs, notes = read_brat(ann_file.read_text("utf-8"))
            for e in entities:
                pieces = [text[s:e_] for s, e_ in e["frags"]]
                assert all(p and "\n" not in p for p in pieces)
                assert " ".join(pieces) == e["text"]
                if e["id"] not in attrs:  # a span: its extent is first start .. last end
                    start, end = e["frags"][0][0], e["frags"][-1][1]
                    got.add((text, start, end, e["type"]))
                else:
                    assert e["type"] in ("frame", "stance")
            assert set(notes) <= {e["id"] for e in entities}
        assert got == current_spans(store, annotator)
    conf = (out / "alice" / "annotation.conf").read_text("utf-8")
    assert "[entities]" in conf and "Label\tArg:frame|stance" in conf


def test_brat_fragments_split_at_line_breaks(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    exporter("brat")(store, out, Selection(annotators=["alice"]), warn=print)
    entities, _, _ = read_brat((out / "alice" / "k1.ann").read_text("utf-8"))
    crossing = [e for e in entities if e["type"] == "Exaggeration"]
    assert [e["frags"] for e in crossing] == [[(153, 165), (166, 180)]]


# ------------------------------------------------------------------------------------ semeval
def test_semeval_span_files_offsets_match_article_files(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "sem"
    exporter("semeval")(store, out, Selection(), warn=print)
    for annotator in ("alice", "bruno", "chloe"):
        got = set()
        for f in sorted((out / annotator / "technique-spans").iterdir()):
            m = re.fullmatch(r"article(.+)-labels-subtask-3\.txt", f.name)
            assert m
            text = (out / "articles" / f"article{m.group(1)}.txt").read_text("utf-8")
            for line in f.read_text("utf-8").splitlines():
                art, label, s, e = line.split("\t")
                assert art == m.group(1)
                assert 0 <= int(s) < int(e) <= len(text)
                got.add((text, int(s), int(e), label))
        assert got == current_spans(store, annotator)


def test_semeval_paragraph_lines_follow_the_article_lines(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "sem"
    exporter("semeval")(store, out, Selection(annotators=["bruno"]), warn=print)
    # k1 is not a number: its SemEval id is the one article-ids.tsv gives it
    k1 = next(r.split("\t")[0] for r in (out / "article-ids.tsv").read_text("utf-8").splitlines()
              if r.split("\t")[1] == "k1")
    text = (out / "articles" / f"article{k1}.txt").read_text("utf-8")
    lines = text.split("\n")
    rows = [
        r.split("\t") for r in (out / "bruno" / "technique-paragraphs.txt").read_text(
            "utf-8").splitlines()
        if r.startswith(f"{k1}\t")
    ]
    # every non-empty line is listed once, by its 1-based number (title = line 1)
    assert [int(r[1]) for r in rows] == [i + 1 for i, ln in enumerate(lines) if ln.strip()]
    by_line = {int(r[1]): r[2] for r in rows}
    assert by_line[1] == ""
    assert "fraternité invincible" in lines[2] and by_line[3] == "Loaded_Language"
    assert "provocation terroriste" in lines[3] and by_line[4] == "Name_Calling"


# ------------------------------------------------------------------------------------ conll
def test_conll_bio_is_valid_and_matches_spans(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "conll"
    exporter("conll")(store, out, Selection(), warn=print)
    for f in sorted(out.glob("*.conll")):
        texts = {r["external_id"] or str(r["id"]): r["text"]
                 for r in store.db.query("SELECT id, external_id, text FROM documents")}
        doc = None
        prev = "O"
        spans: list[tuple[str, int, int, str]] = []
        open_span: list | None = None
        for line in f.read_text("utf-8").splitlines():
            if line.startswith("# document = "):
                doc = line.split(" = ", 1)[1]
            if not line or line.startswith("#"):
                prev = "O"
                if open_span:
                    spans.append(tuple(open_span))  # type: ignore[arg-type]
                    open_span = None
                continue
            token, s, e, tag = line.split("\t")
            assert doc is not None and texts[doc][int(s):int(e)] == token
            assert re.fullmatch(r"O|[BI]-\w+", tag)
            if tag.startswith("I-"):
                assert prev[2:] == tag[2:] and prev != "O", f"{f.name}: I- after {prev}"
                assert open_span is not None
                open_span[2] = int(e)
            else:
                if open_span:
                    spans.append(tuple(open_span))  # type: ignore[arg-type]
                open_span = [texts[doc], int(s), int(e), tag[2:]] if tag != "O" else None
            prev = tag
        if f.stem == "bruno":
            assert {(t[s:e], lab) for t, s, e, lab in spans} == {
                ("fraternité invincible", "Loaded_Language"),
                ("provocation terroriste", "Name_Calling"),
            }


def test_conll_tokenisation_of_french() -> None:
    from annotator.services.export.conll import tokenize

    assert [t for t, _, _ in tokenize("« L'armée » a-t-elle 12,5 km ?")] == [
        "«", "L", "'", "armée", "»", "a", "-", "t", "-", "elle", "12", ",", "5", "km", "?",
    ]


# ------------------------------------------------------------------------------------ parquet
def test_parquet_loads_with_pandas(store: Store, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    pytest.importorskip("pyarrow", reason="pyarrow (the parquet extra) is not installed")
    out = tmp_path / "pq"
    exporter("parquet")(store, out, Selection(), warn=print)
    docs = pd.read_parquet(out / "documents.parquet")
    sents = pd.read_parquet(out / "sentences.parquet")
    anns = pd.read_parquet(out / "annotations.parquet")
    assert list(docs["name"]) == ["k1", "2"]
    assert len(sents) == 7 and len(anns) == 17
    csv_path = tmp_path / "a.csv"
    exporter("csv")(store, csv_path, Selection(), warn=print)
    from_csv = pd.read_csv(csv_path, keep_default_na=False)
    assert list(anns["annotation_uid"]) == list(from_csv["annotation_uid"])
    assert list(anns["label"]) == list(from_csv["label"])
    spans = anns[anns["level"] == "span"]
    texts = dict(zip(docs["document_id"], docs["text"], strict=True))
    for row in spans.itertuples():
        assert texts[row.document_id][int(row.start):int(row.end)] == row.span_text
    assert anns["start"].dtype.name in ("float64", "Int64")  # nullable integers


def test_parquet_loads_with_datasets(store: Store, tmp_path: Path) -> None:
    if importlib.util.find_spec("datasets") is None:
        pytest.skip("Hugging Face `datasets` is not installed (optional)")
    import datasets

    out = tmp_path / "pq"
    exporter("parquet")(store, out, Selection(), warn=print)
    ds = datasets.load_dataset(
        "parquet", data_files={"train": str(out / "annotations.parquet")}, split="train"
    )
    assert len(ds) == 17 and "span_text" in ds.column_names
