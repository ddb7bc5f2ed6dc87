"""Importing articles: formats, encodings, idempotence, failures that leave nothing behind."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store

ARTICLE = (
    "Des renforts arrivent à la frontière\n"
    "\n"
    "Selon M. Durand, « la situation reste tendue ». Les autorités évoquent 11 000 soldats.\n"
    "\r\n"
    "Photo : archives\n"
)


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["import", "--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def counts(db: Path) -> tuple[int, int]:
    with Store.open(db) as s:
        return s.corpus.count_documents(), s.corpus.count_sentences()


def test_txt_import_keeps_offsets(tmp_path: Path, db_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(ARTICLE.encode("utf-8"))
    code, out, err = run(db_path, str(f))
    assert code == 0, err
    assert "1 new document(s)" in out
    with Store.open(db_path) as s:
        doc = s.db.query("SELECT * FROM documents")[0]
        assert doc["title"] == "Des renforts arrivent à la frontière"
        assert "\r" not in doc["text"]
        # Only CRLF -> LF: the lone \r\n in the source became \n, nothing else changed.
        assert doc["text"] == ARTICLE.replace("\r\n", "\n")
        for sent in s.corpus.sentences(doc["id"]):
            assert doc["text"][sent["start"] : sent["end"]] == sent["text"]
            assert sent["text"] == sent["text"].strip()
        texts = [x["text"] for x in s.corpus.sentences(doc["id"])]
        assert texts[0] == "Des renforts arrivent à la frontière"
        assert "Photo : archives" in texts


def test_nfc_normalisation(tmp_path: Path, db_path: Path) -> None:
    f = tmp_path / "nfd.txt"
    f.write_text(unicodedata.normalize("NFD", "Été meurtrier à Koursk."), encoding="utf-8")
    assert run(db_path, str(f))[0] == 0
    with Store.open(db_path) as s:
        text = s.db.query("SELECT text FROM documents")[0]["text"]
    assert text == unicodedata.normalize("NFC", "Été meurtrier à Koursk.")


def test_jsonl_and_csv_with_metadata(tmp_path: Path, db_path: Path) -> None:
    j = tmp_path / "in.jsonl"
    j.write_text(
        json.dumps(
            {
                "id": "x1",
                "text": "Premier texte. Suite.",
                "source": "Le Monde",
                "url": "https://e.x/1",
                "published": "2024-11-02",
                "section": "monde",
            },
            ensure_ascii=False,
        )
        + "\n"
        + "\n"
        + json.dumps({"id": "x2", "title": "Titre", "text": "Deuxième texte."})
        + "\n",
        encoding="utf-8",
    )
    c = tmp_path / "in.csv"
    c.write_text(
        'id,text,source,extra\nc1,"Un texte, avec virgule.\nEt deux lignes.",Blog,42\n',
        encoding="utf-8",
    )
    code, out, err = run(db_path, str(j), str(c))
    assert code == 0, err
    assert "3 new document(s)" in out
    with Store.open(db_path) as s:
        rows = {r["external_id"]: r for r in s.db.query("SELECT * FROM documents")}
    assert rows["x1"]["source"] == "Le Monde"
    assert json.loads(rows["x1"]["meta"]) == {"section": "monde"}
    assert rows["x2"]["title"] == "Titre"
    assert json.loads(rows["c1"]["meta"]) == {"extra": "42"}


def test_idempotent(tmp_path: Path, db_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    run(db_path, str(f))
    before = counts(db_path)
    code, out, _ = run(db_path, str(f))
    assert code == 0
    assert "0 new document(s)" in out and "1 already present" in out
    assert counts(db_path) == before


def test_directory_recursive(tmp_path: Path, db_path: Path) -> None:
    (tmp_path / "corpus" / "sub").mkdir(parents=True)
    (tmp_path / "corpus" / "a.txt").write_text("Un. Deux.", encoding="utf-8")
    (tmp_path / "corpus" / "sub" / "b.txt").write_text("Trois.", encoding="utf-8")
    (tmp_path / "corpus" / "sub" / "ignored.pdf").write_bytes(b"%PDF")
    code, out, _ = run(db_path, str(tmp_path / "corpus"))
    assert "2 new document(s)" in out
    assert code == 0
    assert counts(db_path) == (2, 3)


def test_latin1_needs_encoding(tmp_path: Path, db_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Le général a parlé.".encode("latin-1"))
    code, _, err = run(db_path, str(f))
    assert code == 1
    assert f"{f}: line 1: not UTF-8" in err and "--encoding" in err
    assert len(err.strip().splitlines()) == 1
    assert counts(db_path) == (0, 0)
    code, _, _ = run(db_path, "--encoding", "latin-1", str(f))
    assert code == 0
    with Store.open(db_path) as s:
        assert s.db.query("SELECT text FROM documents")[0]["text"] == "Le général a parlé."


def test_bad_records_are_named_and_the_rest_goes_on(tmp_path: Path, db_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Un bon texte.", encoding="utf-8")
    j = tmp_path / "bad.jsonl"
    j.write_text('{"text": "Ligne correcte."}\n{"text": "tronqu', encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    c = tmp_path / "bad.csv"
    c.write_text('id,text\n1,"ok."\n2,"deux",extra\n3,"fin.\n', encoding="utf-8")
    code, out, err = run(db_path, str(good), str(j), str(empty), str(binary), str(c))
    assert code == 1
    lines = err.strip().splitlines()
    assert f"error: {j}:2: malformed JSON" in lines[0]
    assert any(f"{empty}: empty file" in ln for ln in lines)
    assert any(f"{binary}: binary file" in ln for ln in lines)
    assert any(f"{c}:3: expected 2 fields, found 3" in ln for ln in lines)
    assert any(f"{c}:4: malformed CSV" in ln for ln in lines)
    assert "Traceback" not in err
    assert "3 new document(s)" in out and "5 failed" in out
    with Store.open(db_path) as s:
        texts = sorted(r["text"] for r in s.db.query("SELECT text FROM documents"))
        # No partial document: each stored document has all its sentences.
        for d in s.db.query("SELECT id, n_sentences FROM documents"):
            assert len(s.corpus.sentences(d["id"])) == d["n_sentences"] > 0
    assert texts == ["Ligne correcte.", "Un bon texte.", "ok."]


def test_missing_file(tmp_path: Path, db_path: Path) -> None:
    code, _, err = run(db_path, str(tmp_path / "nope.txt"))
    assert code == 1
    assert "nope.txt: no such file or directory" in err


@pytest.mark.parametrize("bom", ["utf-8-sig", "utf-16"])
def test_bom_files(tmp_path: Path, db_path: Path, bom: str) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes("Texte avec BOM. Deuxième phrase.".encode(bom))
    assert run(db_path, str(f))[0] == 0
    with Store.open(db_path) as s:
        assert (
            s.db.query("SELECT text FROM documents")[0]["text"]
            == "Texte avec BOM. Deuxième phrase."
        )


def test_full_text_index_is_filled_per_batch_and_the_schema_kept(
    tmp_path: Path, db_path: Path
) -> None:
    """Import fills the full-text index with one statement per batch (its insert trigger is
    set aside inside the transaction): search finds every sentence, the index is in step, the
    trigger is back as it was, and a sentence inserted later is indexed by it again."""
    with Store.open(db_path) as s:
        before = s.db.query("SELECT name, sql FROM sqlite_master ORDER BY name")
    for i in range(3):
        (tmp_path / f"a{i}.txt").write_text(ARTICLE.replace("Durand", f"Durand{i}"),
                                            encoding="utf-8")
    assert run(db_path, str(tmp_path))[0] == 0
    with Store.open(db_path) as s:
        assert s.db.query("SELECT name, sql FROM sqlite_master ORDER BY name") == before
        assert s.maintenance.fts_problems() == []
        n = s.corpus.count_sentences()
        assert s.db.scalar("SELECT count(*) FROM sentences_fts") == n
        assert [r["text"] for r in s.corpus.search("Durand1")] == [
            "Selon M. Durand1, « la situation reste tendue »."
        ]
        s.db.execute(
            'INSERT INTO sentences (document_id, idx, start, "end", text) '
            "VALUES (1, 99, 0, 3, 'Zyxw')"
        )
        assert len(s.corpus.search("Zyxw")) == 1
