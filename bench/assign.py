"""`annotator assign` on a campaign of 2,000 articles and 6 annotators (issue 11: under 2 s).

Builds (once, then reuses) a database of 2,000 articles of 5 to 60 sentences from five
outlets, then times, in the same run:

- the reference: reading the whole documents table (``SELECT * FROM documents``, texts
  included), which any command over the corpus pays;
- ``campaign.assign``: 6 annotators, 2 per document, a 2% calibration set (planning, and the
  4,000-odd rows written in one transaction), on a fresh copy of the database each time;
- re-running the same assignment (nothing new: the idempotent path);
- ``campaign.overview`` (``annotator assignments``) and the units rule's per-set progress
  (``annotator status``) on the assigned database;

and prints each in seconds and as a ratio of the reference.

    python bench/assign.py [--db PATH] [--rebuild] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.store import Store  # noqa: E402

N_DOCS = 2000
TEAM = ["alice", "bruno", "chloe", "dara", "emil", "farah"]
SOURCES = ["Le Quotidien", "La Gazette", "Radio Nord", "Le Matin", "L'Hebdo"]
LIMIT = 2.0


def build(path: Path) -> None:
    from annotator.core.scheme import parse_scheme
    from tests.campaign_fixture import text
    from tests.safety_helpers import SCHEME_YAML, simple_document

    rng = random.Random(11)
    with Store.open(path) as store:
        store.schemes.add(parse_scheme(SCHEME_YAML))
        docs = [
            simple_document(text(i, rng.randint(5, 60)), external_id=f"art-{i}",
                            title=f"Article {i}", source=rng.choice(SOURCES))
            for i in range(N_DOCS)
        ]
        for i in range(0, len(docs), 200):
            store.corpus.add_documents(docs[i : i + 200])


def best_of(repeat: int, fn: Callable[[], Any], setup: Callable[[], Any] | None = None
            ) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        result = fn() if setup is None else fn(arg)  # type: ignore[call-arg]
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path,
                    default=Path(tempfile.gettempdir()) / "annotator-assign-bench.db")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if args.rebuild or not args.db.exists():
        print(f"building {args.db} ...", flush=True)
        args.db.unlink(missing_ok=True)
        build(args.db)

    from annotator.services import campaign
    from annotator.services.units import set_progress

    work = Path(tempfile.mkdtemp())
    with Store.open(args.db) as store:
        n_docs, n_sent = store.corpus.count_documents(), store.corpus.count_sentences()
        ref, _ = best_of(args.repeat, lambda: store.db.query("SELECT * FROM documents"))
    print(f"{args.db}: {n_docs} documents, {n_sent} sentences; {len(TEAM)} annotators")
    print(f"reference: read the documents table       {ref * 1000:8.1f} ms   1.0x")

    counter = iter(range(10_000))

    def fresh() -> Store:
        copy = work / f"copy{next(counter)}.db"
        shutil.copy(args.db, copy)
        return Store.open(copy)

    def assign(store: Store) -> campaign.AssignResult:
        try:
            return campaign.assign(store, TEAM, per_document=2, shared="2%", seed=1)
        finally:
            store.close()

    t_assign, result = best_of(args.repeat, assign, fresh)
    loads = [s for _, s in result.loads.values()]
    print(f"assign (plan + {result.new:,} rows)            {t_assign * 1000:8.1f} ms "
          f"{t_assign / ref:6.1f}x   under {LIMIT:.0f} s: {'yes' if t_assign < LIMIT else 'NO'}")
    print(f"  loads in sentences: min {min(loads):,}, max {max(loads):,}, "
          f"shared documents {len(result.plan.shared)}")

    assigned = fresh()
    campaign.assign(assigned, TEAM, per_document=2, shared="2%", seed=1)
    t_again, again = best_of(
        args.repeat,
        lambda: campaign.assign(assigned, TEAM, per_document=2, shared="2%", seed=1),
    )
    assert again.new == 0
    print(f"assign again (nothing new)                {t_again * 1000:8.1f} ms "
          f"{t_again / ref:6.1f}x")
    t_over, _ = best_of(args.repeat, lambda: campaign.overview(assigned))
    print(f"assignments (overview)                    {t_over * 1000:8.1f} ms "
          f"{t_over / ref:6.1f}x")
    t_units, _ = best_of(args.repeat, lambda: set_progress(assigned, TEAM))
    print(f"status: assigned/done/missing per set     {t_units * 1000:8.1f} ms "
          f"{t_units / ref:6.1f}x")
    assigned.close()
    shutil.rmtree(work, ignore_errors=True)
    if t_assign >= LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
