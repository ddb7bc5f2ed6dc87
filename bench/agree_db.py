"""`annotator agree` on a big database: 200,000 done sentences x 3 annotators, target < 5 s.

Builds (once, then reuses) a database of 20,000 synthetic documents x 10 sentences in which three
annotators marked every sentence and every document done, with a single-choice sentence set
(`frame`), a multi-label sentence set (`topics`), a span set (`technique`) and an ordinal document
set (`stance`). Annotators agree with a hidden "true" label most of the time, so the coefficients
are neither 0 nor 1. Documents go in through ``Store.add_documents``; annotations and progress
through ``Store.bulk_insert`` (a benchmark fixture: ``insert_all`` in one transaction).

It then times, in the same run:
- ``annotator agree --db PATH`` as a subprocess (wall time, text output; and ``--json``),
- the reference: reading the rows agreement needs with plain SQL (done sentences and every
  current annotation, fetched into Python), and a bare ``SELECT count(*)`` scan,
- ``python -c "import annotator.cli"`` (interpreter start-up + CLI import),
and prints the ratios.

    python bench/agree_db.py [--db PATH] [--rebuild] [--repeat N]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core.scheme import parse_scheme  # noqa: E402
from annotator.store import DocumentIn, Store  # noqa: E402

N_DOCS = 20_000
SENTS_PER_DOC = 10
ANNOTATORS = ("ana", "ben", "cleo")
FIXTURE_VERSION = "agree-bench-1"

SCHEME = """\
name: agreebench
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    labels:
      - name: Economic
      - name: Security_and_defense
      - name: Political
      - name: Morality
      - name: Public_opinion
      - name: External_regulation
  - name: topics
    level: sentence
    multiple: true
    labels:
      - name: War
      - name: Energy
      - name: Elections
      - name: Migration
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
      - name: Name_Calling
      - name: Doubt
      - name: Exaggeration
  - name: stance
    level: document
    scale: ordinal
    labels:
      - name: against
      - name: neutral
      - name: favor
"""

PHRASE = (
    "le gouvernement annonce une réforme des retraites dans la capitale tandis que les troupes "
    "avancent vers le nord et que le ministre dénonce une campagne de désinformation menée par "
    "des médias étrangers selon plusieurs sources proches du dossier"
)
WORDS = PHRASE.split()


def sentence_text(rng: np.random.Generator) -> str:
    n = int(rng.integers(9, 16))
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    return " ".join(words).capitalize() + "."


def documents(rng: np.random.Generator, start: int, count: int) -> Iterator[DocumentIn]:
    for d in range(start, start + count):
        parts: list[str] = []
        offsets: list[tuple[int, int, int]] = []
        pos = 0
        for _ in range(SENTS_PER_DOC):
            s = sentence_text(rng)
            offsets.append((pos, pos + len(s), 0))
            parts.append(s)
            pos += len(s) + 1
        text = " ".join(parts) + f" ({d})"
        yield DocumentIn(
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            sentences=offsets,
            title=f"Dépêche {d}",
            source=("Le Quotidien", "La Gazette", "L'Écho")[d % 3],
        )


def build(path: Path, n_docs: int = N_DOCS) -> None:
    """Create the fixture database (a few minutes at most; reused afterwards); ``n_docs``
    documents of 10 sentences (bench/report.py builds a 1,000,000-sentence one with 100,000)."""
    rng = np.random.default_rng(42)
    t0 = time.perf_counter()
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME))
    ann_ids = [store.schemes.annotator_id(a) for a in ANNOTATORS]
    for start in range(0, n_docs, 1000):
        store.corpus.add_documents(documents(rng, start, min(1000, n_docs - start)))
    rows = store.db.execute(
        'SELECT id, document_id, start, "end" FROM sentences ORDER BY id'
    ).fetchall()
    sent = np.array(rows, dtype=np.int64)
    doc_ids = np.unique(sent[:, 1])
    n = len(sent)
    now = "2026-01-01T00:00:00.000000Z"

    def ann(a: int, label_set: str, label: str, level: str, doc: int, sid: int | None,
            start: int | None = None, end: int | None = None, value: float | None = None,
            ) -> dict[str, Any]:
        return {
            "uid": uuid.uuid4().hex, "annotator_id": a, "scheme_id": scheme_id,
            "label_set": label_set, "label": label, "level": level, "document_id": doc,
            "sentence_id": sid, "start": start, "end": end, "value": value, "created_at": now,
        }

    frames = parse_scheme(SCHEME).label_set("frame").names  # type: ignore[union-attr]
    topics = parse_scheme(SCHEME).label_set("topics").names  # type: ignore[union-attr]
    techniques = parse_scheme(SCHEME).label_set("technique").names  # type: ignore[union-attr]
    stances = ("against", "neutral", "favor")
    true_frame = rng.integers(-1, len(frames), n)  # -1: nothing to tag
    true_topic = rng.integers(-2, len(topics), n)  # < 0: no topic
    has_span = rng.random(n) < 0.5
    span_label = rng.integers(0, len(techniques), n)
    span_from = rng.integers(0, 20, n)
    span_len = rng.integers(3, 25, n)
    true_stance = rng.integers(0, 3, len(doc_ids))

    def annotation_rows() -> Iterator[dict[str, Any]]:
        for a in ann_ids:
            agree = rng.random(n) < 0.8
            other = rng.integers(-1, len(frames), n)
            for i in range(n):
                sid, did, s0, s1 = (int(x) for x in sent[i])
                f = int(true_frame[i] if agree[i] else other[i])
                if f >= 0:
                    yield ann(a, "frame", frames[f], "sentence", did, sid)
                t = int(true_topic[i]) if agree[i] else int(other[i]) % (len(topics) + 2) - 2
                if t >= 0:
                    yield ann(a, "topics", topics[t], "sentence", did, sid)
                if has_span[i] and agree[i]:
                    jitter = int(rng.integers(-2, 3)) if rng.random() < 0.3 else 0
                    st = min(s0 + int(span_from[i]) + max(jitter, 0), s1 - 2)
                    en = min(st + int(span_len[i]), s1)
                    yield ann(a, "technique", techniques[int(span_label[i])], "span", did, sid,
                              st, en)
            for j, did in enumerate(doc_ids.tolist()):
                s = int(true_stance[j]) if rng.random() < 0.7 else int(rng.integers(0, 3))
                yield ann(a, "stance", stances[s], "document", int(did), None, value=float(s))

    store.db.bulk_insert("annotations", annotation_rows(), batch_size=20_000)
    store.db.bulk_insert(
        "progress",
        (
            {"annotator_id": a, "sentence_id": int(sid), "document_id": int(did),
             "scheme_id": scheme_id, "status": "done", "seen_at": now, "done_at": now,
             "updated_at": now}
            for a in ann_ids for sid, did in sent[:, :2].tolist()
        ),
        batch_size=20_000,
    )
    store.db.bulk_insert(
        "document_progress",
        (
            {"annotator_id": a, "document_id": int(did), "scheme_id": scheme_id,
             "status": "done", "updated_at": now}
            for a in ann_ids for did in doc_ids.tolist()
        ),
        batch_size=20_000,
    )
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    Path(str(path) + ".ok").write_text(FIXTURE_VERSION)
    print(f"built {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def timed_run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return dt, proc.stdout


def reference_load(path: Path) -> tuple[float, float, int]:
    """(seconds to fetch every row agreement reads, seconds for a count(*) scan, rows)."""
    store = Store.open(path, create=False)
    t0 = time.perf_counter()
    rows = store.db.execute(
        "SELECT annotator_id, sentence_id FROM progress WHERE status = 'done'"
    ).fetchall()
    n = len(rows)
    for level in ("sentence", "span", "document"):
        rows = store.db.execute(
            'SELECT id, annotator_id, sentence_id, document_id, label, start, "end", value '
            "FROM annotations WHERE removed_at IS NULL AND level = ?",
            [level],
        ).fetchall()
        n += len(rows)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.db.scalar("SELECT count(*) FROM annotations WHERE removed_at IS NULL")
    scan = time.perf_counter() - t0
    store.close()
    return load, scan, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "annotator-agree-bench.db"
    ap.add_argument("--db", type=Path, default=default)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ok = Path(str(args.db) + ".ok")
    if args.rebuild or not ok.exists() or ok.read_text() != FIXTURE_VERSION:
        for suffix in ("", "-wal", "-shm", ".ok"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        build(args.db)
    store = Store.open(args.db, create=False)
    n_sent = store.corpus.count_sentences()
    n_done = store.db.scalar("SELECT count(*) FROM progress WHERE status = 'done'")
    n_ann = store.db.scalar("SELECT count(*) FROM annotations WHERE removed_at IS NULL")
    store.close()
    print(f"database: {args.db} — {n_sent:,} sentences, {n_done:,} done (annotator x sentence), "
          f"{n_ann:,} current annotations, {len(ANNOTATORS)} annotators")

    py = sys.executable
    agree = [py, "-m", "annotator", "agree", "--db", str(args.db)]
    # Warm the OS cache once so every timing below reads from memory alike.
    timed_run([*agree, "--n-boot", "0", "--label-set", "stance"])
    texts, jsons, loads, scans, starts = [], [], [], [], []
    out = ""
    for _ in range(args.repeat):
        t, out = timed_run(agree)
        texts.append(t)
        t, _ = timed_run([*agree, "--json"])
        jsons.append(t)
        load, scan, n_rows = reference_load(args.db)
        loads.append(load)
        scans.append(scan)
        t, _ = timed_run([py, "-c", "import annotator.cli"])
        starts.append(t)
    med = statistics.median
    print(f"annotator agree (text)          {med(texts):6.2f} s  (min {min(texts):.2f}, "
          f"target < 5 s: {'ok' if med(texts) < 5 else 'MISSED'})")
    print(f"annotator agree --json          {med(jsons):6.2f} s")
    print(f"reference: fetch the {n_rows:,} rows agreement reads (plain SQL, in-process) "
          f"{med(loads):.2f} s")
    print(f"reference: SELECT count(*) over annotations {med(scans):.3f} s")
    print(f"reference: python -c 'import annotator.cli' {med(starts):.2f} s")
    print(f"ratio agree / row fetch: {med(texts) / med(loads):.1f}x; "
          f"agree / (row fetch + start-up): {med(texts) / (med(loads) + med(starts)):.1f}x")
    print("--- first lines of the report ---")
    print("\n".join(out.splitlines()[:12]))


if __name__ == "__main__":
    main()
