"""Opening the document browser (ctrl+o) and filtering it, on a large corpus, against opening a
bare screen in the same app.

Builds (once, cached under bench/out/) a database of N documents (default 20,000) of 25
sentences with the shipped ``conflict-news`` scheme; annotator ``alice`` marked the first tenth
of the documents done, with a flag on every 97th sentence and a note on every 101st. Then, in one
process and headless (Textual's Pilot, 140x40), interleaved run by run:

- open: ``Session.document_list()`` (two grouped queries) plus pushing the browser screen until
  it has painted, against pushing a bare Screen holding one Static (the cost of any screen);
- filter: one keystroke's refilter of the in-memory list (accent-folded words), for a few
  queries, after the first one (which folds the texts once).

Goal (issue 14): opening well under a second on 20,000 documents.

    python bench/browser.py                     # 20,000 documents, 5 runs
    python bench/browser.py --documents 50000 --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"
SENTENCES = 25
WORDS = [
    "le", "la", "les", "un", "une", "des", "guerre", "front", "armée", "ministre", "ville",
    "paix", "accord", "prix", "blé", "énergie", "réunion", "sanctions", "négociations",
    "frontière", "défense", "sécurité", "menace", "convoi", "hiver",
]  # fmt: skip


def build(path: Path, documents: int) -> None:
    from annotator.core.scheme import find_scheme_source, load_scheme_file
    from annotator.db import progress
    from annotator.store import DocumentIn, Store

    rng = random.Random(14)
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(load_scheme_file(find_scheme_source("conflict-news")))
    batch: list[DocumentIn] = []
    for i in range(documents):
        title = f"Article {i} " + " ".join(rng.choice(WORDS) for _ in range(6))
        text, offsets = title, [(0, len(title), 0)]
        for _ in range(SENTENCES - 1):
            sentence = " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
            start = len(text) + 1
            text += " " + sentence
            offsets.append((start, start + len(sentence), 1))
        batch.append(DocumentIn(
            text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), sentences=offsets,
            title=title, source=rng.choice(["Le Test", "La Gazette", "Réveil", "Le Soir"]),
            published=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        ))
        if len(batch) == 2000:
            store.corpus.add_documents(batch)
            batch = []
    if batch:
        store.corpus.add_documents(batch)
    alice = store.schemes.annotator_id("alice")
    with store.db.atomic():
        for (sid,) in store.db.execute(
            "SELECT id FROM sentences WHERE document_id <= ?", [documents // 10]
        ).fetchall():
            progress.write(store.db, alice, sid, {
                "status": "done", "flag": int(sid % 97 == 0),
                "note": "à revoir" if sid % 101 == 0 else None}, scheme_id=scheme_id)
    store.close()


async def measure(path: Path, runs: int) -> None:
    from textual.screen import Screen
    from textual.widgets import Static

    from annotator.tui.app import make_app
    from annotator.tui.browser import BrowserScreen

    class Bare(Screen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("bare")

    app = make_app(path, None, "alice")
    opened: list[float] = []
    bare: list[float] = []
    async with app.run_test(size=(140, 40)) as pilot:
        session = app.session
        for _ in range(runs):
            t = time.perf_counter()
            app.push_screen(Bare())
            await pilot.pause()
            bare.append(time.perf_counter() - t)
            app.pop_screen()
            await pilot.pause()
            t = time.perf_counter()
            app.push_screen(BrowserScreen(session.document_list(), session.document_id))
            await pilot.pause()
            opened.append(time.perf_counter() - t)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            docs = screen.documents
            app.pop_screen()
            await pilot.pause()
        t = time.perf_counter()
        docs.apply("g")
        first = time.perf_counter() - t
        keys: dict[str, float] = {}
        for query in ("gu", "guerre", "is:flagged", "revoir", "source:reveil paix"):
            t = time.perf_counter()
            docs.apply(query)
            keys[query] = time.perf_counter() - t
    n = len(docs.rows)
    med_open, med_bare = statistics.median(opened), statistics.median(bare)
    print(f"{n} documents, {runs} runs (medians)")
    print(f"open browser   {med_open * 1000:7.1f} ms   bare screen {med_bare * 1000:6.1f} ms   "
          f"ratio {med_open / med_bare:4.1f}x")
    print(f"first filter   {first * 1000:7.1f} ms   (folds every title, source, label and note)")
    for query, secs in keys.items():
        print(f"filter {query!r:22} {secs * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"browser_{args.documents}.db"
    if not path.exists():
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        build(tmp, args.documents)
        tmp.rename(path)
        print(f"built {path} in {time.perf_counter() - t:.1f} s")
    asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
