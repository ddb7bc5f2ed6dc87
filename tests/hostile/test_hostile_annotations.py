"""Issue 12, items 4, 5, 7, 8, 9 and 11: import-annotations and merge take only what the
annotation screen could have made, SemEval label files read only their articles folder, merge
never writes its sources, and every bad input is one line naming its file, never a traceback
or a hang."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from annotator.cli import cli
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.store import Store
from tests.export_fixture import build_template
from tests.safety_helpers import is_root, run_cli


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def lines(template: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The fixture's JSONL export, record by record."""
    out = tmp_path_factory.mktemp("export") / "e.jsonl"
    with Store.open(template) as s:
        exporter("jsonl")(s, out, Selection(), warn=print)
    return [json.loads(ln) for ln in out.read_text("utf-8").splitlines()]


def invoke(*args: str) -> Result:
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def write(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("documents", "sentences", "schemes", "annotators", "annotations",
                          "progress", "document_progress", "adjudications", "gold", "events")}
    finally:
        conn.close()


def first(rec: dict[str, Any], level: str) -> dict[str, Any]:
    return next(a for a in rec["annotations"] if a["level"] == level)


def _span(r: dict[str, Any]) -> dict[str, Any]:
    return first(r, "span")


def _sentence(r: dict[str, Any]) -> dict[str, Any]:
    return first(r, "sentence")


# (name, how the record of document 1 is edited, words the one error line must hold)
EDITS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("label not in its set", lambda r: _sentence(r).update(label="Invented"),
     "label 'Invented' is not in presse v1/frame"),
    ("set not in the scheme", lambda r: _sentence(r).update(label_set="../../x"),
     "label set '../../x' is not in scheme presse v1"),
    ("set at the wrong level", lambda r: _sentence(r).update(label_set="stance"),
     "stance is a document-level label set"),
    ("tab and newline in a label", lambda r: _sentence(r).update(label="Political\t1\n2"),
     "contains a tab or line break"),
    ("non-string label", lambda r: _sentence(r).update(label=7), "label must be a string"),
    ("control character in a label", lambda r: _sentence(r).update(label="Pol\x1b]0;x\x07"),
     "control character U+001B"),
    ("empty annotator", lambda r: _sentence(r).update(annotator=""), "annotator name is empty"),
    ("annotator with a newline", lambda r: _sentence(r).update(annotator="eve\nmallory"),
     "annotator name"),
    ("span outside its sentence", lambda r: _span(r).update(start=0, end=5, text=None),
     "does not start in its sentence"),
    ("span past the text", lambda r: _span(r).update(end=10**9, text=None),
     "outside the text"),
    ("span with text offsets as strings", lambda r: _span(r).update(start="3"),
     "span offsets"),
    ("sentence label with offsets", lambda r: _sentence(r).update(start=0, end=3),
     "a sentence label has no offsets"),
    ("document label on a sentence", lambda r: first(r, "document").update(sentence=0),
     "a document label has no sentence"),
    ("two labels in a single-choice set",
     lambda r: r["annotations"].append({**first(r, "document"), "uid": "dup", "label": "favor"}),
     "takes one label per unit"),
    ("Infinity value", lambda r: _sentence(r).update(value=float("inf")),
     "Infinity is not a JSON number"),
    ("text value", lambda r: _sentence(r).update(value="abc"), "finite number"),
    ("progress status bogus", lambda r: r["progress"][0].update(status="bogus"),
     "status must be seen or done, not 'bogus'"),
    ("progress seconds abc", lambda r: r["progress"][0].update(seconds="abc"),
     "seconds must be a number"),
    ("progress seconds negative", lambda r: r["progress"][0].update(seconds=-5),
     "seconds must be a number"),
    ("progress sentence out of range", lambda r: r["progress"][0].update(sentence=99),
     "sentence index 99 out of range"),
    ("document progress bogus",
     lambda r: r["document_progress"][0].update(status="maybe"), "status must be seen or done"),
    ("gold span at -100..10^9",
     lambda r: r["adjudications"][0]["gold"][0].update(start=-100, end=10**9),
     "a sentence label has no offsets"),
    ("gold label not in the scheme",
     lambda r: r["adjudications"][0]["gold"][0].update(label="Nope"), "label 'Nope' is not in"),
    ("gold of another set",
     lambda r: r["adjudications"][0]["gold"][0].update(label_set="technique"),
     "another label set"),
    ("decision status", lambda r: r["adjudications"][0].update(status="done"),
     "status must be resolved or unresolved"),
    ("title that is a number", lambda r: r.update(title=5), "bad document record"),
    ("sentences overlapping",
     lambda r: r["sentences"][1].update(start=r["sentences"][0]["start"]),
     "without overlapping"),
]


@pytest.mark.parametrize("name", [e[0] for e in EDITS])
def test_import_annotations_refuses_what_the_screen_forbids(
    name: str, lines: list[dict[str, Any]], tmp_path: Path
) -> None:
    edit, needle = next((e[1], e[2]) for e in EDITS if e[0] == name)
    records = copy.deepcopy(lines)
    doc = next(i for i, r in enumerate(records) if r.get("type") == "document"
               and r["adjudications"])
    edit(records[doc])
    src = write(tmp_path / "bad.jsonl", records)
    db = tmp_path / "a.db"
    Store.open(db).close()
    res = invoke("import-annotations", str(src), "--db", str(db))
    assert res.exit_code == 1, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert errors[0].startswith(f"error: {src}:{doc + 1}: "), res.stderr
    assert needle in errors[0], (needle, res.stderr)
    assert counts(db)["documents"] == 0 and counts(db)["annotations"] == 0  # all or nothing


def _planted(template: Path, tmp_path: Path, sql: str, params: list[Any]) -> Path:
    """A copy of the fixture with one row changed through SQL (as an older version, or a
    malicious colleague, could have it)."""
    path = tmp_path / "source.db"
    shutil.copyfile(template, path)
    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()
    return path


MERGE_PLANTS = [
    ("label not in its set", "UPDATE annotations SET label = 'Invented' WHERE id = 1", [],
     "label 'Invented' is not in"),
    ("label set as a path", "UPDATE annotations SET label_set = '../../x' WHERE id = 1", [],
     "label set '../../x' is not in scheme"),
    ("annotator with controls", "UPDATE annotators SET name = ? WHERE name = 'alice'",
     ["al\x1b]0;x\x07ice"], "control character U+001B"),
    ("progress status", "UPDATE progress SET seconds = 'abc' WHERE rowid = 1", [],
     "seconds must be a number"),
    ("event on another document's sentence",  # document 2 has 3 sentences, this is idx 3
     "UPDATE events SET document_id = 2, sentence_id = (SELECT id FROM sentences "
     "WHERE document_id = 1 AND idx = 3) WHERE id = (SELECT min(id) FROM events)", [],
     "sentence 3 of a document of 3 sentences"),
]


@pytest.mark.parametrize("name", [p[0] for p in MERGE_PLANTS])
def test_merge_refuses_bad_rows_and_names_the_source(
    name: str, template: Path, tmp_path: Path
) -> None:
    sql, params, needle = next((p[1], p[2], p[3]) for p in MERGE_PLANTS if p[0] == name)
    src = _planted(template, tmp_path, sql, params)
    target = tmp_path / "target.db"
    Store.open(target).close()
    before_src = src.read_bytes()
    res = invoke("merge", str(src), "--db", str(target))
    assert res.exit_code == 1, res.output
    [line] = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert line.startswith(f"error: {src}: ") and "nothing merged from it" in line, line
    assert needle in line, (needle, line)
    assert counts(target)["documents"] == 0
    assert src.read_bytes() == before_src  # the source is never written


def test_merge_reads_an_older_source_without_migrating_it(template: Path, tmp_path: Path) -> None:
    """An older source (its last migration undone) with a planted trigger that would delete its
    annotations when the migration updates progress: the source file is untouched, the trigger
    never fires, and everything is merged."""
    src = tmp_path / "old.db"
    shutil.copyfile(template, src)
    conn = sqlite3.connect(src)
    conn.executescript(  # as before m003: no done_scheme_id
        "DELETE FROM _sqlite_migrations WHERE name = 'm003_done_scheme_version';"
        "ALTER TABLE progress DROP COLUMN done_scheme_id;"
        "ALTER TABLE document_progress DROP COLUMN done_scheme_id;"
        "CREATE TRIGGER planted AFTER UPDATE ON progress BEGIN DELETE FROM annotations; END;"
    )
    conn.commit()
    conn.close()
    before = src.read_bytes()
    n_annotations = counts(src)["annotations"]
    target = tmp_path / "t.db"
    res = invoke("merge", str(src), "--db", str(target))
    assert res.exit_code == 0, res.output
    assert src.read_bytes() == before
    assert counts(src)["annotations"] == n_annotations
    assert counts(target)["annotations"] == n_annotations
    assert not list(tmp_path.glob("old.db.bak-*"))  # nothing written next to the source


@contextlib.contextmanager
def read_only_copy(template: Path, prefix: str) -> Iterator[Path]:
    """A copy of the fixture, read-only, in a folder of its own that the test may make
    read-only too; owned by user nobody when the tests run as root (who ignores modes)."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        base.chmod(0o755)
        db = base / "ro" / "source.db"
        db.parent.mkdir()
        shutil.copyfile(template, db)
        if is_root():
            for p in (base, db.parent, db):
                os.chown(p, 65534, 65534)
        db.chmod(0o444)
        yield db
    finally:
        for p in base.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_merge_from_read_only_media(template: Path) -> None:
    """A source in a folder nobody may write (as on a CD or a read-only share) is merged."""
    with read_only_copy(template, "annotator-ro-merge-") as src:
        src.parent.chmod(0o555)
        target = src.parent.parent / "t.db"
        res = run_cli("merge", str(src), "--db", str(target), as_nobody=is_root())
        assert res.returncode == 0, res.stderr
        assert "Traceback" not in res.stderr
        assert counts(target)["annotations"] == counts(src)["annotations"]
        assert sorted(p.name for p in src.parent.iterdir()) == ["source.db"]


# ------------------------------------------------------------------------------ SemEval
def test_semeval_article_ids_cannot_leave_the_articles_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "articlepasswd.txt").write_text("root:x:0:0\n", "utf-8")
    root = tmp_path / "corpus"
    arts = root / "train-articles"
    arts.mkdir(parents=True)
    (arts / "article1.txt").write_text("Titre\n\nUne phrase ici.\n", "utf-8")
    (arts / "articlelink.txt").symlink_to(secret / "articlepasswd.txt")
    labels = root / "train-labels"
    labels.mkdir()
    f = labels / "all.labels"
    f.write_text("../../secret/articlepasswd\tDoubt\t0\t4\n"
                 "s/../../../secret/passwd\tDoubt\t0\t4\n"
                 "link\tDoubt\t0\t4\n"
                 "1\tDoubt\t0\t²\n"
                 "1\tDo\tubt\t0\t3\n"
                 "1\tDoubt\x1b]0;x\x07\t0\t4\n", "utf-8")
    db = tmp_path / "a.db"
    res = invoke("import-annotations", str(f), "--db", str(db), "--annotator", "ptc",
                 "--format", "semeval")
    assert res.exit_code == 1
    err = res.stderr
    assert f"{f}:1: article id '../../secret/articlepasswd' must be" in err
    assert f"{f}:2: article id 's/../../../secret/passwd' must be" in err
    assert "articlelink.txt not found" in err  # the symbolic link out of the folder
    assert f"{f}:4: start and end must be integers ('0', '²')" in err
    assert f"{f}:6: technique" in err and "U+001B" in err
    assert "Traceback" not in err and "root:x" not in err
    with Store.open(db) as s:
        assert s.corpus.count_documents() == 0


# ------------------------------------------------------------------------------ tracebacks
def test_no_traceback_inputs(lines: list[dict[str, Any]], tmp_path: Path) -> None:
    """Item 8: each of these was a traceback; each is now one line naming the file."""
    db = tmp_path / "a.db"
    big = tmp_path / "big.jsonl"
    big.write_text('{"text": "Un.", "n": ' + "9" * 5000 + '}\n{"text": "Le suivant."}\n',
                   "utf-8")
    res = invoke("import", str(big), "--db", str(db))
    assert res.exit_code == 1 and f"error: {big}:1: unreadable JSON value" in res.stderr
    assert "1 new document(s)" in res.stdout  # the valid next record is kept
    header = {**lines[0], "format_version": "abc"}
    fv = write(tmp_path / "fv.jsonl", [header, *lines[1:]])
    res = invoke("import-annotations", str(fv), "--db", str(db))
    assert res.exit_code == 1 and f"{fv}:1: format_version must be a whole number" in res.stderr
    big_ann = tmp_path / "bigann.jsonl"
    big_ann.write_text(json.dumps(lines[0]) + "\n" + '{"type": "document", "x": '
                       + "1" * 5000 + "}\n", "utf-8")
    res = invoke("import-annotations", str(big_ann), "--db", str(db))
    assert res.exit_code == 1 and f"{big_ann}:2: unreadable JSON value" in res.stderr
    scheme = tmp_path / "s.yaml"
    scheme.write_text("name: s\nversion: 9223372036854775808\nlabel_sets:\n  - name: f\n"
                      "    level: sentence\n    labels: [A]\n", "utf-8")
    res = invoke("scheme", "check", str(scheme))
    assert res.exit_code == 2 and "version must be at most" in res.stderr
    res = invoke("scheme", "add", str(scheme), "--db", str(db))
    assert res.exit_code == 2 and "version must be at most" in res.stderr
    res = invoke("annotate", "--db", str(db), "--document", "99999999999999999999")
    assert res.exit_code == 1 and "no document with id 99999999999999999999" in res.output
    keymap = tmp_path / "km.yaml"
    keymap.write_bytes("next: \"é\"\n".encode("latin-1"))
    res = invoke("annotate", "--db", str(db), "--keymap", str(keymap))
    assert res.exit_code == 1 and f"{keymap}: not UTF-8" in res.output


async def test_goto_huge_numbers_on_the_screen(tmp_path: Path) -> None:
    from annotator.tui.app import make_app
    from tests.safety_helpers import seed

    db = tmp_path / "a.db"
    with Store.open(db) as s:
        seed(s, n_docs=2)
    app = make_app(db, None, "alice")
    async with app.run_test(size=(100, 36)) as pilot:
        for text, needle in (("#99999999999999999999999", "no sentence with id"),
                             ("99999999999999999999999", "no document"),
                             ("1:99999999999999999999999", "has no sentence"),
                             ("²", "no document"), ("#-3", "no sentence")):
            await pilot.press("g")
            await pilot.pause()
            for ch in text:
                await pilot.press(ch if ch != "#" else "number_sign")
            await pilot.press("enter")
            await pilot.pause()
            shown = str(app.screen.query_one("#prompt-help").render())
            assert needle in shown, (text, shown)
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running and app.return_code in (None, 0)


# ------------------------------------------------------------------------------ hangs
@pytest.mark.parametrize("args", [
    ["import"], ["import-annotations"], ["agree", "--table"], ["scheme", "check"],
    # the other tools' formats, guessed from the file name (.json, .tsv, .conllu, .spacy)
    ["import-annotations", "--annotator", "x", "pipe.json"],
    ["import-annotations", "--annotator", "x", "pipe.tsv"],
    ["import-annotations", "--annotator", "x", "pipe.conllu"],
    ["import-annotations", "--annotator", "x", "pipe.spacy"],
], ids=" ".join)
def test_fifo_is_refused_not_waited_on(args: list[str], tmp_path: Path) -> None:
    args = list(args)  # the parameter list is shared between runs: never change it in place
    name = args.pop() if args[-1].startswith("pipe.") else None
    fifo = tmp_path / (name or ("pipe.csv" if "--table" in args else "pipe.jsonl"))
    os.mkfifo(fifo)
    result: list[Result] = []
    t = threading.Thread(target=lambda: result.append(
        CliRunner().invoke(cli, [*args, str(fifo), *(["--db", str(tmp_path / "a.db")]
                                                    if args[0].startswith("import") else [])])),
        daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "w"):
            pass
        pytest.fail(f"{' '.join(args)} waited on a FIFO")
    [res] = result
    assert res.exit_code != 0 and ("FIFO" in res.stderr or "not a file" in res.stderr)


# ------------------------------------------------------------------------------ smaller (11)
def test_summary_is_true_per_file(lines: list[dict[str, Any]], tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", lines)
    bad_records = copy.deepcopy(lines)
    bad_records[1]["text"] = "édité à la main"
    bad = write(tmp_path / "bad.jsonl", bad_records)
    db = tmp_path / "a.db"
    res = invoke("import-annotations", str(good), str(bad), "--db", str(db))
    assert res.exit_code == 1
    assert f"{good}: 2 new document(s)" in res.stdout
    assert f"error: {bad}: nothing imported from this file" in res.stderr
    assert "1 of 2 file(s) imported: 2 new document(s)" in res.stderr
    assert "nothing was imported" not in res.stderr
    assert counts(db)["documents"] == 2


def test_nan_and_infinity_in_jsonl_meta_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "nan.jsonl"
    src.write_text('{"text": "Un article.", "score": NaN}\n{"text": "Deux.", "x": -Infinity}\n'
                   '{"text": "Trois.", "x": 1.5}\n', "utf-8")
    db = tmp_path / "a.db"
    res = invoke("import", str(src), "--db", str(db))
    assert res.exit_code == 1
    assert f"{src}:1: unreadable JSON value (NaN is not a JSON number" in res.stderr
    assert f"{src}:2: unreadable JSON value (-Infinity is not a JSON number" in res.stderr
    assert "1 new document(s)" in res.stdout
    out = tmp_path / "e.jsonl"
    assert invoke("export", "--format", "jsonl", "--out", str(out), "--db", str(db)).exit_code == 0
    assert "NaN" not in out.read_text() and "Infinity" not in out.read_text()


def test_invalid_byte_rejects_only_its_record(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b'{"text": "Premier article."}\n{"text": "Caf\xe9 cass\xe9."}\n'
                    b'{"text": "Troisi\xc3\xa8me article."}\n')
    csv_src = tmp_path / "mixed.csv"
    csv_src.write_bytes(b'text\nPremier.\n"Caf\xe9."\nTroisi\xc3\xa8me.\n')
    db = tmp_path / "a.db"
    res = invoke("import", str(src), str(csv_src), "--db", str(db))
    assert res.exit_code == 1
    assert [ln for ln in res.stderr.splitlines()] == [
        f"error: {src}:2: not UTF-8 (byte 0xE9 at character 14); pass --encoding "
        "(e.g. --encoding latin-1)",
        f"error: {csv_src}:3: not UTF-8 (byte 0xE9 at character 4); pass --encoding "
        "(e.g. --encoding latin-1)",
    ]
    assert "4 new document(s)" in res.stdout


def test_scheme_rename_label_refuses_tab_newline_and_controls(tmp_path: Path) -> None:
    from tests.export_fixture import SCHEME_YAML

    db = tmp_path / "a.db"
    scheme = tmp_path / "s.yaml"
    scheme.write_text(SCHEME_YAML, "utf-8")
    assert invoke("scheme", "add", str(scheme), "--db", str(db)).exit_code == 0
    for new in ("A\tB", "A\nforged\trow", "A\x1b[2J", "", " A"):
        res = invoke("scheme", "rename-label", "presse", "frame", "Political", new, "--db",
                     str(db))
        assert res.exit_code == 1 and res.stderr.startswith("error: the new label name"), new


def test_doctor_on_a_read_only_database(template: Path) -> None:
    """No false "out of sync" search index on a database it cannot write."""
    with read_only_copy(template, "annotator-ro-doctor-") as db:
        # (the fixture's span across two sentences is no finding: doctor accepts a span that
        # starts in its sentence and ends in the text, as SemEval imports make them)
        for _ in ("read-only file", "and read-only folder"):
            res = run_cli("doctor", "--db", str(db), as_nobody=is_root())
            assert "Traceback" not in res.stderr and res.stderr == "", res.stderr
            assert ": ok (" in res.stdout, res.stdout
            assert "search-index" not in res.stdout and "out of sync" not in res.stdout
            db.parent.chmod(0o555)


def test_read_only_file_system_gets_a_hint(tmp_path: Path) -> None:
    """SQLite only says "unable to open database file": the error now says the place is
    read-only and what still works. On a real read-only mount when this machine allows
    mounting one (root), and always in a folder the user may not write."""
    import subprocess
    import tempfile

    src = tmp_path / "a.txt"
    src.write_text("Titre\n\nUne phrase.\n", "utf-8")
    src.chmod(0o644)
    tmp_path.chmod(0o755)
    base = Path(tempfile.mkdtemp(prefix="annotator-ro-fs-"))
    try:
        base.chmod(0o555)
        res = run_cli("import", str(src), "--db", str(base / "new.db"), as_nobody=is_root())
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert f"error: {base / 'new.db'}: cannot write: the folder {base} is read-only" \
            in res.stderr, res.stderr
        base.chmod(0o755)
        mounted = is_root() and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(base)],
            capture_output=True).returncode == 0
        if mounted:
            try:
                res = run_cli("import", str(src), "--db", str(base / "new.db"))
                assert f"the file system of {base} is mounted read-only" in res.stderr, res.stderr
                assert "commands that only read" in res.stderr
            finally:
                subprocess.run(["umount", str(base)], check=False)
    finally:
        base.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
