"""50 MB on a single line (txt and jsonl) and oversized schemes: handled in bounded memory,
in a real process whose peak resident size is measured (ru_maxrss)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.store import Store
from tests.hostile import BASE_SCHEME, SENTENCE, big_line_file

LIMIT_MB = 1536

# Peak resident memory of this process image, in KB: VmHWM belongs to the address space made
# by exec, whereas ru_maxrss also counts the parent's pages from before exec (a large pytest).
WRAPPER = """
import atexit, resource, runpy, sys
out = sys.argv.pop(1)
def peak():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return line.split()[1]
    except OSError:
        pass
    return str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
atexit.register(lambda: open(out, "w").write(peak()))
sys.argv[0] = "annotator"
runpy.run_module("annotator", run_name="__main__")
"""


def run_measured(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `python -m annotator ARGS`; returns the result and its peak memory in MB."""
    out = tmp_path / "maxrss.txt"
    res = subprocess.run([sys.executable, "-c", WRAPPER, str(out), *args],
                         capture_output=True, text=True, timeout=600)
    return res, int(out.read_text()) / 1024  # Linux reports KB


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["txt", "jsonl"])
def test_fifty_megabyte_single_line(tmp_path: Path, kind: str) -> None:
    src = big_line_file(tmp_path, kind)
    assert src.stat().st_size >= 50 * 1024 * 1024 - 100
    assert src.read_bytes().count(b"\n") == (0 if kind == "txt" else 2)
    db = tmp_path / "annotations.db"
    res, peak = run_measured(tmp_path, "import", str(src), "--db", str(db))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    assert peak < LIMIT_MB, f"peak memory {peak:.0f} MB"
    with Store.open(db) as s:
        docs = s.db.query("SELECT id, length(text) AS n, n_sentences FROM documents ORDER BY id")
        assert len(docs) == (1 if kind == "txt" else 2)
        big = docs[0]
        n = 50 * 1024 * 1024 // len(SENTENCE.encode())
        assert big["n"] == n * len(SENTENCE)
        assert big["n_sentences"] == n  # one sentence per repetition
        # Offsets exact at the far end of the 50 MB text.
        last = s.db.query('SELECT start, "end", text FROM sentences WHERE document_id = ? '
                       "ORDER BY idx DESC LIMIT 1", [big["id"]])[0]
        assert last["text"] == SENTENCE.strip() and last["end"] == big["n"] - 1
    print(f"{kind}: 50 MB single line imported, peak {peak:.0f} MB")


@pytest.mark.slow
def test_fifty_megabyte_jsonl_line_that_is_broken(tmp_path: Path) -> None:
    """A 50 MB line cut off in the middle: one error naming the line, the other line in."""
    src = tmp_path / "broken.jsonl"
    with src.open("w") as f:
        f.write(json.dumps({"text": "Avant."}) + "\n")
        f.write('{"text": "' + SENTENCE * (50 * 1024 * 1024 // len(SENTENCE.encode())))
    db = tmp_path / "annotations.db"
    res, peak = run_measured(tmp_path, "import", str(src), "--db", str(db))
    assert res.returncode == 1
    assert res.stderr.strip().startswith(f"error: {src}:2: malformed JSON")
    assert len(res.stderr.strip().splitlines()) == 1 and len(res.stderr) < 500
    assert "1 new document(s)" in res.stdout
    assert peak < LIMIT_MB, f"peak memory {peak:.0f} MB"


def test_fifty_megabyte_scheme_is_refused_cheaply(tmp_path: Path) -> None:
    src = tmp_path / "huge.yaml"
    src.write_text(BASE_SCHEME + "      - name: A\n        description: "
                   + "x" * (50 * 1024 * 1024) + "\n")
    for args in (["scheme", "check", str(src)],
                 ["scheme", "add", str(src), "--db", str(tmp_path / "a.db")]):
        res, peak = run_measured(tmp_path, *args)
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert lines and "MB" in lines[0] and str(src) in lines[0], res.stderr
        assert "Traceback" not in res.stderr
        assert peak < 400, f"peak memory {peak:.0f} MB"
