"""`annotator report` and `annotator review --accept-unanimous` on a big database.

Reuses the database of bench/agree_db.py (20,000 documents x 10 sentences from three outlets,
three annotators who marked everything done, a single-choice and a multi-label sentence set, a
span set and an ordinal document set; built once, then reused). Times, in the same run:

- the reference: ``annotator agree``'s own computation (``agreement_report`` with no bootstrap),
  which the report calls for its agreement section, and reading every current annotation with
  plain SQL;
- ``build_report`` (all tables), ``format_text`` and ``render_html``;
- building the review units (``ReviewSession``, what the review screen does at start-up);
- the review screen itself (``make_review_app`` under Textual's Pilot, headless): seconds from
  the app's start until the first disputed unit is on screen (goal: under 1 s);

and prints each as a ratio of the reference. ``--accept-unanimous`` is timed on a copy of the
database (it writes), as a ratio of the same reference.

    python bench/report.py [--db PATH] [--rebuild] [--repeat N]
    python bench/report.py --docs 100000 --db /work/bench/speed/report1m.db   # 1M sentences
    # (building the 1M database takes several minutes; it is reused afterwards)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import agree_db as agree_bench  # noqa: E402

from annotator.store import Store  # noqa: E402


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def first_unit_on_screen(store: Store, scheme: Any) -> float:
    """Seconds from the review app's start (headless, 120x40) until its first unit is drawn."""
    import asyncio

    from annotator.tui.review import ReviewScreen, make_review_app

    async def run() -> float:
        t0 = time.perf_counter()
        app = make_review_app(store, scheme, "bench-adjudicator")
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, ReviewScreen):
                await pilot.pause(0.005)
            await pilot.pause()
            took = time.perf_counter() - t0
            await pilot.press("q")
        return took

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "annotator-agree-bench.db"
    )
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--docs", type=int, default=agree_bench.N_DOCS,
                    help="documents of 10 sentences when building the database")
    args = ap.parse_args()
    if args.rebuild or not args.db.exists():
        print(f"building {args.db} (bench/agree_db.py fixture) ...", flush=True)
        if args.db.exists():
            args.db.unlink()
        agree_bench.build(args.db, args.docs)

    from annotator.render.report_html import render_html
    from annotator.render.report_text import format_text
    from annotator.services.agreement import agreement_report
    from annotator.services.report import build_report
    from annotator.services.review import ReviewSession, accept_unanimous

    store = Store.open(args.db)
    n_sent = store.corpus.count_sentences()
    n_ann = int(store.db.scalar("SELECT count(*) FROM annotations WHERE removed_at IS NULL"))
    print(
        f"{args.db}: {store.corpus.count_documents()} documents, {n_sent} sentences, "
        f"{n_ann} annotations"
    )

    ref, _ = best_of(args.repeat, lambda: agreement_report(store, n_boot=0, top=1))
    sql, _ = best_of(args.repeat, lambda: store.db.query("SELECT * FROM annotation_view"))
    rep_t, rep = best_of(args.repeat, lambda: build_report(store))
    txt_t, text = best_of(args.repeat, lambda: format_text(rep))
    html_t, page = best_of(args.repeat, lambda: render_html(rep))
    # the review writes (the adjudicator's name, decisions): time it on a copy of the database
    copy = args.db.with_name(args.db.stem + "-review-copy.db")
    shutil.copyfile(args.db, copy)
    with Store.open(copy) as c:
        c_scheme = c.schemes.load()[1]
        rev_t, session = best_of(
            args.repeat, lambda: ReviewSession(c, c_scheme, "bench-adjudicator")
        )
        first_t = min(first_unit_on_screen(c, c_scheme) for _ in range(args.repeat))
        t0 = time.perf_counter()
        stored, _ = accept_unanimous(c, c_scheme, "bench-adjudicator")
        acc_t = time.perf_counter() - t0
    copy.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)

    print(f"reference: agreement_report (no bootstrap)   {ref:8.2f} s   1.00")
    rows = [
        ("SELECT * FROM annotation_view", sql),
        ("build_report (all tables)", rep_t),
        ("format_text", txt_t),
        ("render_html", html_t),
        (f"ReviewSession ({len(session.units)} disputed units)", rev_t),
        (f"accept_unanimous ({stored} units stored)", acc_t),
    ]
    for name, t in rows:
        print(f"{name:<44} {t:8.2f} s   {t / ref:5.2f}x")
    print(f"{'review screen: first unit on screen':<44} {first_t:8.2f} s   (goal < 1 s)")
    print(f"report text: {len(text.splitlines())} lines; HTML: {len(page) / 1e6:.1f} MB")
    print(f"build_report minus agreement_report: {rep_t - ref:.2f} s ({(rep_t - ref) / ref:.2f}x)")


if __name__ == "__main__":
    main()
