"""Helpers for the safety tests (storage failures, concurrency, doctor, hostile input).

They build real databases through the Store API without needing the segmenter or the scheme
loader, run the real command line in a subprocess, and drop root privileges where a test needs
file permissions to mean something.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from annotator.store import DocumentIn, Store

SCHEME_YAML = """\
name: safety
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels:
      - name: Security_and_defense
      - name: Political
      - name: Economic
  - name: stance
    level: document
    scale: ordinal
    labels:
      - name: against
      - name: neutral
      - name: favor
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
      - name: Doubt
"""
SENTENCE_LABELS = ("Security_and_defense", "Political", "Economic")
STANCES = ("against", "neutral", "favor")
TECHNIQUES = ("Loaded_Language", "Doubt")

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534


def simple_document(text: str, **fields: Any) -> DocumentIn:
    """A document whose sentences are the non-empty lines (no segmenter needed)."""
    sentences: list[tuple[int, int, int]] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            sentences.append((start, start + len(stripped), len(sentences)))
        pos += len(line) + 1
    return DocumentIn(
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        sentences=sentences,
        **fields,
    )


def article(i: int, n_sentences: int = 6) -> str:
    lines = [f"Titre numéro {i}"]
    for j in range(n_sentences - 1):
        lines.append(f"Le ministre {i} a déclaré la phrase {j} sur la « fraternité invincible ».")
    return "\n".join(lines) + "\n"


def add_scheme_row(store: Store, yaml_text: str = SCHEME_YAML, name: str = "safety",
                   version: int = 1) -> int:
    """Store a scheme row directly (the tests that use this do not exercise the scheme loader)."""
    with store.db.atomic():
        pk = store.db.table("schemes").insert(
            {
                "name": name,
                "version": version,
                "sha256": hashlib.sha256(yaml_text.encode()).hexdigest(),
                "yaml": yaml_text,
                "added_at": "2026-01-01T00:00:00.000000Z",
            }
        ).last_pk
    assert pk is not None
    return int(pk)


def seed(store: Store, n_docs: int = 5, n_sentences: int = 6) -> int:
    """A scheme row and ``n_docs`` articles; returns the scheme id."""
    scheme_id = add_scheme_row(store)
    store.corpus.add_documents([simple_document(article(i, n_sentences)) for i in range(n_docs)])
    return scheme_id


def table_counts(path: str | os.PathLike[str]) -> dict[str, int]:
    """Row counts of the data tables, read with a fresh connection."""
    import sqlite3

    # A plain connection: closing it checkpoints and removes the -wal/-shm files, as the tool
    # itself leaves the directory (a read-only connection would leave them behind).
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "sentences", "schemes", "annotators", "annotations",
                      "events", "progress")
        }
    finally:
        conn.close()


_UNPRIVILEGED: list[tuple[str, dict[str, str]] | None] = []


def unprivileged_python() -> tuple[str, dict[str, str]] | None:
    """An interpreter (and environment) the user ``nobody`` can run with our packages.

    The test venv's interpreter may live under a private home directory; a system Python of
    the same minor version with the venv's site-packages on PYTHONPATH does the same job.
    """
    if _UNPRIVILEGED:
        return _UNPRIVILEGED[0]
    import shutil
    import sysconfig

    path = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"]])
    env = {**os.environ, "PYTHONPATH": path, "HOME": "/tmp"}
    minor = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = None
    for exe in dict.fromkeys(
        [sys.executable, os.path.realpath(sys.executable), shutil.which(minor) or "",
         f"/usr/bin/{minor}", f"/usr/local/bin/{minor}"]
    ):
        if not exe or not os.path.exists(exe):
            continue
        try:
            res = subprocess.run(
                [exe, "-c", "import click, sqlite_utils, yaml, annotator.cli"], env=env,
                cwd="/", capture_output=True, timeout=60, user=NOBODY, group=NOBODY,
                extra_groups=[],
            )
        except OSError:
            continue
        if res.returncode == 0:
            found = (exe, env)
            break
    _UNPRIVILEGED.append(found)
    return found


def _command(as_nobody: bool) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    if not as_nobody:
        return [sys.executable], dict(os.environ), {}
    import pytest

    found = unprivileged_python()
    if found is None:
        pytest.skip("running as root and no Python interpreter that user nobody may execute "
                    "has this project's packages; file permissions cannot be tested")
    exe, env = found
    return [exe], env, {"user": NOBODY, "group": NOBODY, "extra_groups": []}


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None, as_nobody: bool = False,
            timeout: float = 300, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m annotator ARGS`` in a real subprocess (optionally as user nobody)."""
    exe, base_env, kwargs = _command(as_nobody)
    full_env = {**base_env, "ANNOTATOR_NAME": "tester", **(env or {})}
    full_env.pop("ANNOTATOR_DB", None)
    return subprocess.run(
        [*exe, "-m", "annotator", *args],
        cwd=cwd or ("/" if as_nobody else None), env=full_env, capture_output=True, text=True,
        timeout=timeout, **kwargs,
    )


def run_python(code: str, *args: str, as_nobody: bool = False, timeout: float = 300,
               cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in a subprocess (optionally as the unprivileged user nobody)."""
    exe, env, kwargs = _command(as_nobody)
    return subprocess.run(
        [*exe, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
        cwd=cwd or ("/" if as_nobody else None), env=env, **kwargs,
    )


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def assert_one_line_error(result: Any, *needles: str) -> str:
    """Non-zero exit, no traceback, and the error names what it must."""
    out = (result.stdout or "") + (getattr(result, "stderr", "") or "")
    assert result.returncode != 0 if hasattr(result, "returncode") else result.exit_code != 0, out
    assert "Traceback" not in out, out
    err_lines = [ln for ln in out.splitlines() if ln.startswith("error:") or "error" in ln.lower()]
    assert err_lines, out
    for needle in needles:
        assert any(needle in ln for ln in err_lines), (needle, out)
    return out
