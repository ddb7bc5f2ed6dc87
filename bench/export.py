"""Export 1,000,000 annotations to JSONL and to Parquet, against a raw read of the same rows.

Builds a synthetic database (5,600 documents x 20 sentences, 3 annotators; per sentence and
annotator one sentence label and two spans, plus one document label per document and
annotator, and every sentence marked done) until it holds the requested number of current
annotations. Documents go in through ``Store.add_documents``; annotations and progress through
``Store.bulk_insert`` (``insert_all`` in one transaction).

Then, in the same run, it times:
- the reference: ``SELECT * FROM annotation_view`` fetched into Python dicts (every current
  annotation, no document text), and the same plus ``json.dumps`` of every row;
- ``export --format jsonl`` and ``export --format parquet`` through the exporters' API,
and prints rows/s and each export's time as a ratio of the reference.

    python bench/export.py [--annotations N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core.scheme import parse_scheme  # noqa: E402
from annotator.services.export import exporter  # noqa: E402
from annotator.services.export.common import Selection  # noqa: E402
from annotator.store import DocumentIn, Store, new_uid  # noqa: E402

SCHEME = """\
name: bench
version: 1
label_sets:
  - name: frame
    level: sentence
    labels:
      - name: Security_and_defense
      - name: Political
      - name: Economic
      - name: Morality
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
      - name: Name_Calling
      - name: Exaggeration
      - name: Doubt
  - name: stance
    level: document
    scale: ordinal
    labels:
      - name: against
      - name: neutral
      - name: favor
"""

WORDS = (
    "le", "la", "les", "un", "une", "des", "troupes", "ministre", "région", "frontière",
    "accord", "traité", "sommet", "armée", "offensive", "défense", "sécurité", "peuple",
    "nation", "alliance", "menace", "presse", "analystes", "experts", "gouvernement",
    "conflit", "négociations", "avancent", "dénonce", "salue", "affirme", "rejette", "promet",
    "historique", "invincible", "terroriste", "mutuelle", "provocation", "fraternité",
)
SENTENCES = 20
ANNOTATORS = ("alice", "bruno", "chloe")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    return " ".join(words).capitalize() + "."


def document(rng: random.Random, i: int) -> DocumentIn:
    parts = [f"Dépêche {i}"] + [sentence(rng) for _ in range(SENTENCES - 1)]
    text = parts[0] + "\n\n" + " ".join(parts[1:]) + "\n"
    spans, pos = [(0, len(parts[0]), 0)], len(parts[0]) + 2
    for p in parts[1:]:
        spans.append((pos, pos + len(p), 1))
        pos += len(p) + 1
    return DocumentIn(
        text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), sentences=spans,
        external_id=str(100000 + i), title=parts[0], source=rng.choice(["A", "B", "C"]),
        language="fr",
    )


def build(path: Path, target: int) -> Store:
    rng = random.Random(7)
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME))
    who = [store.schemes.annotator_id(n) for n in ANNOTATORS]
    per_doc = SENTENCES * len(who) * 3 + len(who)
    n_docs = -(-target // per_doc)
    docs = [document(rng, i) for i in range(n_docs)]
    for i in range(0, n_docs, 500):
        store.corpus.add_documents(docs[i : i + 500])
    stamp = "2026-03-01T10:00:00.000000Z"
    frames = ["Security_and_defense", "Political", "Economic", "Morality"]
    techniques = ["Loaded_Language", "Name_Calling", "Exaggeration", "Doubt"]
    count = 0

    def annotations() -> Iterator[dict[str, Any]]:
        nonlocal count
        for doc_id in store.corpus.document_ids():
            for a in who:
                if count >= target:
                    return
                count += 1
                yield {"uid": new_uid(), "annotator_id": a, "scheme_id": scheme_id,
                       "label_set": "stance", "label": rng.choice(["against", "neutral", "favor"]),
                       "level": "document", "document_id": doc_id, "sentence_id": None,
                       "start": None, "end": None, "value": None, "note": None,
                       "created_at": stamp, "removed_at": None}
            for s in store.corpus.sentences(doc_id):
                for a in who:
                    rows = [("frame", rng.choice(frames), "sentence", None, None)]
                    for _ in range(2):
                        st = rng.randrange(s["start"], s["end"] - 4)
                        rows.append(("technique", rng.choice(techniques), "span", st,
                                     min(s["end"], st + rng.randint(4, 30))))
                    for label_set, label, level, st, en in rows:
                        if count >= target:
                            return
                        count += 1
                        yield {"uid": new_uid(), "annotator_id": a, "scheme_id": scheme_id,
                               "label_set": label_set, "label": label, "level": level,
                               "document_id": doc_id, "sentence_id": s["id"], "start": st,
                               "end": en, "value": None, "note": None, "created_at": stamp,
                               "removed_at": None}

    store.db.bulk_insert("annotations", annotations(), batch_size=10_000)
    store.db.bulk_insert(
        "progress",
        (
            {"annotator_id": a, "sentence_id": sid, "document_id": did, "scheme_id": scheme_id,
             "status": "done", "seconds": 4.0, "flag": 0, "note": None, "seen_at": stamp,
             "done_at": stamp, "updated_at": stamp}
            for sid, did in store.db.execute("SELECT id, document_id FROM sentences").fetchall()
            for a in who
        ),
        batch_size=10_000,
    )
    return store


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--annotations", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="Build (or reuse) the database in this directory.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        db = where / "bench-export.db"
        if db.exists():
            store = Store.open(db)
            print(f"reusing {db}")
        else:
            t, store = timed(lambda: build(db, args.annotations))
            print(f"built {db} in {t:.1f} s")
        n = store.annotations.count_current()
        n_docs, n_sents = store.corpus.count_documents(), store.corpus.count_sentences()
        print(f"{n_docs:,} documents, {n_sents:,} sentences, "
              f"{n:,} current annotations")

        def raw() -> int:
            return sum(1 for _ in store.db.iter_query("SELECT * FROM annotation_view"))

        def raw_json() -> int:
            return sum(
                len(json.dumps(r, ensure_ascii=False))
                for r in store.db.iter_query("SELECT * FROM annotation_view")
            )

        t_raw, rows = timed(raw)
        t_raw_json, _ = timed(raw_json)
        print(f"reference  SELECT * FROM annotation_view  {t_raw:6.2f} s  "
              f"{rows / t_raw:>10,.0f} rows/s")
        print(f"reference  same + json.dumps per row       {t_raw_json:6.2f} s  "
              f"{rows / t_raw_json:>10,.0f} rows/s")
        for fmt, out in (("jsonl", where / "export.jsonl"), ("parquet", where / "parquet")):
            t, counts = timed(lambda fmt=fmt, out=out: exporter(fmt)(
                store, out, Selection(), warn=lambda m: None))
            size = (
                out.stat().st_size if out.is_file()
                else sum(p.stat().st_size for p in out.iterdir())
            )
            print(f"export     {fmt:<8} {counts['annotations']:,} annotations  {t:6.2f} s  "
                  f"{counts['annotations'] / t:>10,.0f} rows/s  {size / 1e6:7.1f} MB  "
                  f"x{t / t_raw:.1f} the raw SELECT, x{t / t_raw_json:.1f} SELECT+json.dumps")
        store.close()


if __name__ == "__main__":
    main()
