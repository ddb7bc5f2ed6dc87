"""The exchange formats through the command line (format guessed from the file, problems as
FILE:LINE lines and nothing stored), and every foreign reader fuzzed: whatever the bytes, one-line
problems or a clean import, never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import cli
from annotator.services.formats_in import FORMATS, import_files
from annotator.services.import_annotations import AnnotationImportError
from annotator.store import Store


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize(
    ("fmt", "out"),
    [("labelstudio", "ls"), ("doccano", "d.jsonl"), ("prodigy", "p.jsonl"),
     ("conllu", "cu"), ("webanno", "wa"), ("jsonl", "e.jsonl"), ("qdpx", "p.qdpx")],
)
def test_export_then_import_annotations_guesses_the_format(
    filled: Store, tmp_path: Path, fmt: str, out: str
) -> None:
    path = tmp_path / out
    code, stdout, err = invoke("export", "--format", fmt, "--out", str(path), "--db", filled.path)
    assert code == 0, err
    target = tmp_path / "new.db"
    given_path = path / "tasks.json" if fmt == "labelstudio" else path
    code, stdout, err = invoke("import-annotations", str(given_path), "--db", str(target))
    assert code == 0, err
    assert "new document(s)" in stdout
    assert Store.open(target).db.scalar("SELECT count(*) FROM annotations") > 0


def test_bad_foreign_file_names_file_and_line_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        json.dumps({"text": "Un texte.", "label": [[0, 2, "A"]], "annotator": "x"}) + "\n"
        + json.dumps({"text": "Deux.", "label": [[3, 1, "A"]], "annotator": "x"}) + "\n",
        "utf-8",
    )
    db = tmp_path / "a.db"
    code, _, err = invoke("import-annotations", str(path), "--db", str(db))
    assert code == 1
    assert err.splitlines() == [
        f"error: {path}:2: span offsets must be integers with 0 <= start < end (3, 1)",
        "nothing was imported",
    ]
    assert Store.open(db).corpus.count_documents() == 0


def test_spacy_without_spacy_is_a_one_line_hint(
    filled: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_spacy(name: str, *args: object, **kwargs: object) -> object:
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("no spaCy here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    code, _, err = invoke("export", "--format", "spacy", "--out", str(tmp_path / "a.spacy"),
                          "--db", filled.path)
    assert code == 1
    assert err.strip() == "error: spaCy DocBin needs spaCy: pip install 'annotator[spacy]'"


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SUFFIX = {"labelstudio": ".json", "doccano": ".jsonl", "prodigy": ".jsonl", "webanno": ".tsv",
          "conllu": ".conllup", "spacy": ".spacy", "qdpx": ".qdpx"}
pieces = st.sampled_from([
    "#FORMAT=WebAnno TSV 3.3\n", "#T_SP=webanno.custom.Technique|label|note\n\n\n",
    "#Text=Un texte.\n", "1-1\t0-2\tUn\tA\t*\t\n", "1-2\t3-9\tbizarre\t_\t_\n",
    "# global.columns = ID FORM MISC ANNOTATOR:TECHNIQUE\n", "# newdoc id = x\n",
    '# doc_text = "Un texte."\n', "1\tUn\tTokenRange=0:2\tB-A\n", "2\ttexte\t_\tI-A\n", "\n",
    '{"text": "Un texte.", "label": [[0, 2, "A"]], "annotator": "x"}\n',
    '{"text": "Un", "spans": [{"start": 0, "end": 9, "label": "A"}], "_annotator_id": "y"}\n',
    '[{"id": 1, "data": {"text": "Un texte."}, "annotations": [{"completed_by": 1, "result": ',
    '[{"from_name": "t", "type": "labels", "value": {"start": 0, "end": 2, "labels": ["A"]}}]',
    "}]}]", "\x00", "\ufeff", "\ud800", "[", "{", '"', "\t", "\\",
    '<Project xmlns="urn:QDA-XML:project:1.0" name="p">', "<Sources>", "</Sources>",
    '<TextSource guid="a"><PlainTextContent>Un texte.</PlainTextContent>',
    '<PlainTextSelection startPosition="0" endPosition="2"><Coding><CodeRef targetGUID="c"/>',
    '<CodeBook><Codes><Code guid="c" name="A" isCodable="true"/></Codes></CodeBook>',
    "</Coding></PlainTextSelection>", "</TextSource>", "</Project>", "<!DOCTYPE p>", "&a;",
])


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(body=st.lists(pieces | st.text(max_size=30), max_size=12).map("".join),
       raw=st.binary(max_size=64))
def test_every_foreign_reader_fails_in_one_line_or_imports(fmt: str, body: str, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"in{SUFFIX[fmt]}"
        data = body.encode("utf-8", "surrogatepass") + (raw if fmt == "spacy" else b"")
        if fmt == "qdpx":  # the body is the project.qde of a zip
            import zipfile

            with zipfile.ZipFile(path, "w") as z:
                z.writestr("project.qde", data)
        else:
            path.write_bytes(data)
        store = Store.open(Path(d) / "a.db")
        try:
            import_files(store, fmt, [path], annotator="fuzz")
        except AnnotationImportError as exc:
            assert exc.problems and all("\n" not in p for p in exc.problems)
            assert store.corpus.count_documents() == 0
        store.close()
