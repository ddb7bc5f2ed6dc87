"""`annotator import` of web pages (trafilatura, optional extra `[html]`), `.txt` front matter,
PTC article ids, and `.json` files that are never stored as an article of raw JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store


def run(db: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["import", *args, "--db", str(db)])
    return res.exit_code, res.stdout, res.stderr


def docs(db: Path) -> list[dict]:
    store = Store.open(db)
    try:
        return store.db.query(
            "SELECT external_id, title, source, url, published, meta, text FROM documents "
            "ORDER BY id"
        )
    finally:
        store.close()


PAGE = """<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>Kursk : la contre-offensive s'enlise | Le Quotidien du Soir</title>
<meta property="og:site_name" content="Le Quotidien du Soir">
<link rel="canonical" href="https://example.org/monde/kursk-contre-offensive">
<meta property="article:published_time" content="2024-08-10T08:00:00+02:00">
</head><body>
<nav><a href="/">Accueil</a> <a href="/monde">Monde</a> Étiquettes : Russie, Ukraine</nav>
<div class="slogan">Le journal qui dit tout, tous les jours</div>
<article>
<h1>Kursk : la contre-offensive s'enlise</h1>
<p>Les troupes ukrainiennes avancent lentement dans la région de Kursk, selon plusieurs
sources concordantes sur le terrain depuis le début de la semaine.</p>
<p>Le ministre parle d'une « fraternité invincible » entre les peuples, une formule reprise
le soir même par les médias officiels de Moscou et de Pyongyang.</p>
<p>Moscou dénonce pour sa part une provocation terroriste et promet une riposte.</p>
</article>
<footer>Mentions légales · Abonnez-vous</footer>
</body></html>
"""


def test_html_page_gives_main_text_and_metadata(tmp_path: Path) -> None:
    if importlib.util.find_spec("trafilatura") is None:
        pytest.skip("trafilatura (the [html] extra) is not installed")
    page = tmp_path / "pages" / "kursk.html"
    page.parent.mkdir()
    page.write_text(PAGE, "utf-8")
    db = tmp_path / "a.db"
    code, out, err = run(db, str(page.parent))  # a folder of pages
    assert code == 0, err
    [doc] = docs(db)
    assert doc["title"] == "Kursk : la contre-offensive s'enlise"
    assert doc["source"] == "Le Quotidien du Soir"
    assert doc["url"] == "https://example.org/monde/kursk-contre-offensive"
    assert doc["published"] == "2024-08-10"
    assert "fraternité invincible" in doc["text"]
    for chrome in ("Accueil", "Étiquettes", "Mentions légales", "tous les jours"):
        assert chrome not in doc["text"]
    meta = json.loads(doc["meta"])
    assert meta["html"] == PAGE  # kept, so that the extraction can be redone
    assert meta["extracted_with"].startswith("trafilatura ")
    # the same page again: same extracted text, nothing new
    code, out, _ = run(db, str(page))
    assert code == 0 and "1 already present" in out


def test_html_without_trafilatura_is_a_one_line_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_trafilatura(name: str, *args: object, **kwargs: object) -> object:
        if name == "trafilatura":
            raise ImportError("no trafilatura here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_trafilatura)
    page = tmp_path / "p.html"
    page.write_text(PAGE, "utf-8")
    (tmp_path / "ok.txt").write_text("Un article. Deux phrases.", "utf-8")
    code, out, err = run(tmp_path / "a.db", str(page), str(tmp_path / "ok.txt"))
    assert code == 1
    hint = "web pages need trafilatura: pip install 'annotator[html]'"
    assert err.strip() == f"error: {page}: {hint}"
    assert "1 new document(s)" in out  # the rest goes on


def test_txt_front_matter_sets_metadata_and_the_body_is_the_text(tmp_path: Path) -> None:
    f = tmp_path / "page.txt"
    body = "Kursk : la contre-offensive s'enlise\n\nLes troupes avancent.\n"
    f.write_text(
        "---\r\ntitle: \"Kursk : la contre-offensive s'enlise\"\r\nsource: Le Quotidien\r\n"
        "url: https://example.org/k1\r\npublished: 2024-08-10\r\nrubrique: monde\r\n"
        "tags: [Russie, Ukraine]\r\n---\r\n" + body.replace("\n", "\r\n"),
        "utf-8",
    )
    db = tmp_path / "a.db"
    code, _, err = run(db, str(f))
    assert code == 0, err
    [doc] = docs(db)
    assert doc["text"] == body  # offsets count from the body
    assert (doc["title"], doc["source"], doc["url"], doc["published"]) == (
        "Kursk : la contre-offensive s'enlise", "Le Quotidien", "https://example.org/k1",
        "2024-08-10",
    )
    assert json.loads(doc["meta"]) == {"rubrique": "monde", "tags": ["Russie", "Ukraine"]}


@pytest.mark.parametrize(
    ("head", "line", "cause"),
    [
        ("---\ntitle: [unclosed\n---\n", 3, "front matter is not valid YAML"),
        ("---\ntitle: x\nno closing line\n", 1, "no closing `---` line"),
        ("---\nbomb: &a {x: 1}\nmore: *a\n---\n", 2, "front matter value of 'bomb'"),
        ("---\n- a\n- b\n---\n", 2, "must be `key: value` lines"),
    ],
)
def test_bad_front_matter_names_file_and_line(
    tmp_path: Path, head: str, line: int, cause: str
) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(head + "Le texte.\n", "utf-8")
    code, _, err = run(tmp_path / "a.db", str(f))
    assert code == 1
    assert err.startswith(f"error: {f}:{line}: ") and cause in err, err
    assert docs(tmp_path / "a.db") == []


def test_ptc_article_file_keeps_its_id(tmp_path: Path) -> None:
    f = tmp_path / "article111111111.txt"
    f.write_text("Titre\n\nUne phrase.\n", "utf-8")
    (tmp_path / "notes.txt").write_text("Autre.\n", "utf-8")
    db = tmp_path / "a.db"
    assert run(db, str(tmp_path))[0] == 0
    assert [d["external_id"] for d in docs(db)] == ["111111111", None]


def test_json_files_are_records_or_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "records.json").write_text(
        json.dumps([{"id": "a1", "text": "Un article.", "title": "A"},
                    {"text": "Deux articles.", "rubrique": "monde"}]), "utf-8")
    ls = [{"id": 1, "data": {"text": "Une tâche."},
           "annotations": [{"result": [], "completed_by": 1}]}]
    (folder / "labelstudio.json").write_text(json.dumps(ls), "utf-8")
    (folder / "other.json").write_text(json.dumps({"config": True}), "utf-8")
    (folder / "broken.json").write_text('[{"text": "x"},\n', "utf-8")
    db = tmp_path / "a.db"
    code, out, err = run(db, str(folder))
    assert code == 1
    lines = sorted(err.strip().splitlines())
    assert len(lines) == 3
    assert lines[0].startswith(f"error: {folder / 'broken.json'}:2: malformed JSON")
    assert lines[1] == (
        f"error: {folder / 'labelstudio.json'}: a Label Studio export (tasks with `data`); "
        "import its texts and annotations with `annotator import-annotations --format "
        "labelstudio FILE`"
    )
    assert lines[2].startswith(f"error: {folder / 'other.json'}: not a known JSON format")
    assert "2 new document(s)" in out
    texts = [d["text"] for d in docs(db)]
    assert texts == ["Un article.", "Deux articles."]  # never the raw JSON
