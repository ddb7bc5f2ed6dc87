"""Key-to-screen latency of the annotation screen in a real terminal, against a bare Textual app.

Builds (once, cached under bench/out/) a database of N sentences: N/20 synthetic French-like
documents of 20 sentences with valid offsets, inserted with ``Store.bulk_insert`` (``insert_all``
inside one transaction), plus the shipped ``conflict-news`` scheme. Then, in one run and on a
private tmux server (terminal 120x40):

- start-up: process start (``tmux new-session``) until the first sentence is on screen
  (``annotator annotate``) or until the bare app's Static is (the reference), interleaved;
- latency, from ``tmux send-keys`` until ``tmux capture-pane`` shows the change, for
  ``j`` (next sentence: the "sentence j/m" counter), ``7`` (toggle the Economic sentence label:
  the message line) and ``l`` (apply Loaded_Language to a span selected with ``s`` + the first
  word + enter: the message line), interleaved press by press with the reference: a bare Textual
  app (defined in this file, run with the same Python) that updates one Static per key.

Both apps are polled the same way (capture-pane every --poll ms), so the polling cost is in both
and the ratios are fair. Each measured press comes after --settle ms of idle (both apps), so it is
timed from a quiet screen; ``--settle 0`` shows what a fast typist meets (e.g. ``l`` right after
the enter that closed the find bar waits for Textual's footer rebuild). Start-ups run from a
bytecode cache under bench/out/pycache (see --no-bytecode-cache), as installed software does.
Each measured run writes its raw figures to bench/out/tui_latency_last.json. Every run uses a
fresh annotator name, so it starts at the first sentence of the cached database.
Goal (issue 3): p95 within 1.3x of the bare app, start-up within 1.5x.

    python bench/tui_latency.py                  # quick check: 20,000 sentences, 15 presses each
    python bench/tui_latency.py --sentences 1000000 --presses 50 --startups 10   # the full run
    # (the 1M database is built once, ~1.5 min, into bench/out/tui_latency_1000000.db; ~4 min)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
SENTENCES_PER_DOC = 20
PARAGRAPH = 5  # sentences per paragraph
WIDTH, HEIGHT = 120, 40
SCHEME = "conflict-news"

WORDS = (
    "le", "la", "les", "un", "une", "des", "du", "de", "en", "dans", "pour", "avec", "sur",
    "troupes", "ministre", "région", "frontière", "accord", "traité", "sommet", "armée",
    "offensive", "défense", "sécurité", "peuple", "nation", "alliance", "menace", "presse",
    "analystes", "experts", "gouvernement", "conflit", "négociations", "avancent", "dénonce",
    "salue", "affirme", "rejette", "promet", "historique", "civils", "village", "ville",
    "porte-parole", "président", "opposition", "sanctions", "gaz", "prix", "hiver", "convoi",
    "aide", "humanitaire", "drones", "missiles", "front", "ligne", "soldats", "volontaires",
)
OUTLETS = ("Le Quotidien", "Réveil Eurasie", "La Dépêche du Nord", "Info Continent")


# ---------------------------------------------------------------------------- the bare app
def run_bare_app() -> None:
    """The reference: a Textual app with one Static, updated on every key (q quits)."""
    from textual.app import App, ComposeResult
    from textual.events import Key
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("bare key 0", id="out")

        def on_key(self, event: Key) -> None:
            if event.key == "q":
                self.exit()
                return
            self.presses = getattr(self, "presses", 0) + 1
            self.query_one("#out", Static).update(f"bare key {self.presses}")

    Bare().run()


# ---------------------------------------------------------------------------- the database
def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    if len(words) > 10:
        words[rng.randint(3, len(words) - 4)] += ","
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", " !", " ?"))


def documents(n_docs: int, seed: int = 3) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(document row, sentence rows) with explicit ids; offsets index the document text."""
    rng = random.Random(seed)
    sid = 0
    for i in range(1, n_docs + 1):
        sents = [sentence(rng) for _ in range(SENTENCES_PER_DOC)]
        pieces: list[str] = []
        rows: list[dict[str, Any]] = []
        pos = 0
        for k, s in enumerate(sents):
            if k:
                sep = "\n\n" if k % PARAGRAPH == 0 else " "
                pieces.append(sep)
                pos += len(sep)
            sid += 1
            rows.append({"id": sid, "document_id": i, "idx": k, "paragraph": k // PARAGRAPH,
                         "start": pos, "end": pos + len(s), "text": s})
            pieces.append(s)
            pos += len(s)
        text = "".join(pieces)
        doc = {
            "id": i, "external_id": f"bench-{i}", "title": f"Dépêche {i} : {sents[0][:60]}",
            "source": OUTLETS[i % len(OUTLETS)], "url": f"https://example.org/{i}",
            "published": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": "fr",
            "text": text, "sha256": hashlib.sha256(text.encode()).hexdigest(), "meta": "{}",
            "origin": "bench", "n_sentences": len(rows), "imported_at": "2026-01-01T00:00:00Z",
        }
        yield doc, rows


def build_db(path: Path, n_sentences: int) -> None:
    from annotator.core.scheme import find_scheme_source, load_scheme_file
    from annotator.store import Store

    n_docs = max(1, n_sentences // SENTENCES_PER_DOC)
    partial = path.with_name(path.name + ".partial")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    store = Store.open(partial)
    store.schemes.add(load_scheme_file(find_scheme_source(SCHEME)))
    batch = 5000
    gen = documents(n_docs)
    with store.db.atomic():
        while True:
            chunk = [next(gen, None) for _ in range(batch)]
            items = [c for c in chunk if c is not None]
            if not items:
                break
            store.db.bulk_insert("documents", (d for d, _ in items))
            store.db.bulk_insert(
                "sentences", (s for _, rows in items for s in rows), batch_size=2000
            )
            print(f"\r  {items[-1][0]['id'] * SENTENCES_PER_DOC:,} sentences", end="", flush=True)
    store.db.execute("ANALYZE")
    store.close()
    partial.rename(path)
    print(f"\r  built {path} ({n_docs:,} documents) in {time.perf_counter() - t:.0f} s")


# ---------------------------------------------------------------------------- tmux driving
class Tmux:
    """A private tmux server (its own socket) so the bench touches no one else's sessions."""

    def __init__(self) -> None:
        self.socket = f"annotator-bench-{os.getpid()}"

    def run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return out.stdout

    def capture(self, session: str) -> str:
        return self.run("capture-pane", "-p", "-t", session)

    def start(self, session: str, argv: list[str]) -> None:
        cmd = "exec " + " ".join(shlex.quote(a) for a in argv)
        self.run("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), cmd)

    def alive(self, session: str) -> bool:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", session], capture_output=True
        )
        return out.returncode == 0

    def stop(self, session: str) -> None:
        self.run("send-keys", "-t", session, "q")
        deadline = time.perf_counter() + 5
        while self.alive(session) and time.perf_counter() < deadline:
            time.sleep(0.02)
        if self.alive(session):
            self.run("kill-session", "-t", session)

    def kill_server(self) -> None:
        self.run("kill-server")
        tmpdir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (tmpdir / self.socket).unlink(missing_ok=True)


class Poller:
    def __init__(self, tmux: Tmux, poll_ms: float, timeout: float = 20.0) -> None:
        self.tmux, self.poll, self.timeout = tmux, poll_ms / 1000, timeout

    def wait(
        self, session: str, ok: Callable[[str], bool], t0: float, what: str
    ) -> tuple[float, str]:
        """Poll the pane until ``ok(screen)``; returns (ms since t0, screen)."""
        while True:
            screen = self.tmux.capture(session)
            if ok(screen):
                return (time.perf_counter() - t0) * 1000, screen
            if time.perf_counter() - t0 > self.timeout:
                raise TimeoutError(f"{session}: no {what} after {self.timeout:.0f} s:\n{screen}")
            time.sleep(self.poll)

    def press(
        self, session: str, keys: list[str], ok: Callable[[str], bool], what: str,
        literal: bool = False, settle: float = 0.0,
    ) -> tuple[float, str]:
        """Send keys (after ``settle`` seconds idle) and wait for the screen to show them."""
        if settle:
            time.sleep(settle)
        t0 = time.perf_counter()
        self.tmux.run("send-keys", "-t", session, *(["-l"] if literal else []), *keys)
        return self.wait(session, ok, t0, what)


COUNTER = re.compile(r"doc (\d+)/\d+ · sentence (\d+)/(\d+)")


def position(screen: str) -> tuple[int, int, int] | None:
    m = COUNTER.search(screen)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def first_word(screen: str) -> str:
    """The first word of the current sentence (the line under the sentence box's top border)."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("╭", "╔", "┏")) and i + 1 < len(lines):
            inner = lines[i + 1].strip().strip("│║┃").strip()
            for w in re.findall(r"\w[\w-]+", inner):
                return str(w)
    raise ValueError("no sentence box on screen:\n" + screen)


def at_position(
    want: tuple[int, int] | None = None, doc_not: int | None = None
) -> Callable[[str], bool]:
    """A screen test: the counter shows (document, sentence) ``want`` / another document."""

    def ok(screen: str) -> bool:
        p = position(screen)
        if p is None:
            return False
        return p[:2] == want if want is not None else p[0] != doc_not

    return ok


def message_line(screen: str) -> str:
    """The line just above the footer (the screen's message line)."""
    lines = [ln for ln in screen.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines[-2] if len(lines) >= 2 else ""


# ---------------------------------------------------------------------------- measuring
def stats(ms: list[float]) -> tuple[float, float]:
    s = sorted(ms)
    p95 = s[min(len(s) - 1, max(0, round(0.95 * (len(s) - 1))))]
    return statistics.median(s), p95


def measure(args: argparse.Namespace, db: Path) -> None:
    py = sys.executable
    annotator = f"bench{int(time.time())}"  # a fresh annotator: the run starts on sentence 1
    ann_argv = [py, "-m", "annotator", "annotate", "--db", str(db), "--annotator", annotator,
                "--scheme", SCHEME]
    bare_argv = [py, str(Path(__file__).resolve()), "--bare"]
    if not args.no_bytecode_cache:
        # Installed software runs from compiled bytecode. Some environments (e.g. sandboxes) set
        # PYTHONDONTWRITEBYTECODE, which would make every start recompile our own modules but not
        # Textual's (its wheel ships them compiled). Both apps get one bytecode cache under
        # bench/out, written by the unmeasured first round. The private tmux server started
        # below inherits this environment.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    tmux = Tmux()
    poll = Poller(tmux, args.poll)
    startup: dict[str, list[float]] = {"bare": [], "annotator": []}
    lat: dict[str, list[float]] = {"bare": [], "next": [], "toggle": [], "span": []}
    try:
        # ------------------------------------------------ start-up, interleaved
        for r in range(args.startups + 1):
            for name, argv, ok in (
                ("bare", bare_argv, lambda s: "bare key 0" in s),
                ("annotator", ann_argv, lambda s: position(s) is not None),
            ):
                t0 = time.perf_counter()
                tmux.start(name, argv)
                ms, _ = poll.wait(name, ok, t0, "first screen")
                if r:  # the first round warms the OS caches and bytecode
                    startup[name].append(ms)
                tmux.stop(name)
        # ------------------------------------------------ key latency, interleaved
        if args.presses:
            key_latency(args, tmux, poll, ann_argv, bare_argv, lat)
    finally:
        tmux.kill_server()
    raw = OUT / "tui_latency_last.json"
    raw.write_text(json.dumps({"args": vars(args), "startup": startup, "latency": lat}, indent=1))
    report(args, db, startup, lat)
    print(f"raw figures: {raw}")


def key_latency(
    args: argparse.Namespace, tmux: Tmux, poll: Poller, ann_argv: list[str],
    bare_argv: list[str], lat: dict[str, list[float]],
) -> None:
    """Both apps open side by side; each measured press of the screen follows one of the bare
    app, so load changes on the machine hit both alike."""
    tmux.start("bare", bare_argv)
    tmux.start("ann", ann_argv)
    poll.wait("bare", lambda s: "bare key 0" in s, time.perf_counter(), "bare app")
    _, screen = poll.wait("ann", lambda s: position(s) is not None, time.perf_counter(),
                          "first sentence")
    bare_count = 0
    settle = args.settle / 1000

    def bare_press() -> None:
        nonlocal bare_count
        bare_count += 1
        want = f"bare key {bare_count}"
        ms, _ = poll.press("bare", ["j"], lambda s: want in s, want, settle=settle)
        lat["bare"].append(ms)

    for _ in range(args.presses):
        # next sentence (j); at the end of a document, N (unmeasured) goes to the next one
        pos = position(screen)
        assert pos is not None
        if pos[1] == pos[2]:
            _, screen = poll.press("ann", ["N"], at_position(doc_not=pos[0]), "next document")
            pos = position(screen)
            assert pos is not None
        bare_press()
        want = (pos[0], pos[1] + 1)
        ms, screen = poll.press(
            "ann", ["j"], at_position(want=want), "next sentence", settle=settle
        )
        lat["next"].append(ms)
        # sentence label toggle (7 = Economic); the move above cleared the message line
        bare_press()
        ms, screen = poll.press(
            "ann", ["7"], lambda s: "Economic" in message_line(s), "label toggle", settle=settle
        )
        lat["toggle"].append(ms)
        # span: s + first word + enter (unmeasured), then l (Loaded_Language) measured
        word = first_word(screen)
        poll.press("ann", ["s"], lambda s: "type the text to select" in s, "find bar")
        poll.press("ann", [word], lambda s: "match 1/" in s, "match", literal=True)
        poll.press("ann", ["Enter"], lambda s: "selected «" in s, "selection")
        bare_press()
        ms, screen = poll.press(
            "ann", ["l"], lambda s: "Loaded_Language" in message_line(s), "span label",
            settle=settle,
        )
        lat["span"].append(ms)
        _, screen = poll.press("ann", ["Escape"], lambda s: "cancelled" in s, "cancel")
    tmux.stop("ann")
    tmux.stop("bare")


def report(
    args: argparse.Namespace, db: Path, startup: dict[str, list[float]],
    lat: dict[str, list[float]],
) -> None:
    b_med, b_p95 = stats(lat["bare"]) if lat["bare"] else (0.0, 0.0)
    s_bare = statistics.median(startup["bare"])
    s_ann = statistics.median(startup["annotator"])
    print(f"\n{db.name}: {args.sentences:,} sentences · {args.presses} presses per action · "
          f"{args.startups} start-ups each · poll {args.poll:g} ms · settle {args.settle:g} ms · "
          f"terminal {WIDTH}x{HEIGHT}")
    print(f"{'':<28}{'median ms':>10}{'p95 ms':>10}{'p95 / bare':>12}{'goal':>7}")
    print(f"{'bare app: Static per key':<28}{b_med:>10.1f}{b_p95:>10.1f}{1.0:>12.2f}")
    rows = (("next sentence (j)", "next"), ("label toggle (7)", "toggle"),
            ("span apply (s..., l)", "span"))
    ok = True
    for title, key in rows if lat["bare"] else ():
        med, p95 = stats(lat[key])
        ratio = p95 / b_p95
        ok &= ratio <= 1.3
        print(f"{title:<28}{med:>10.1f}{p95:>10.1f}{ratio:>12.2f}{'1.30':>7}"
              f"{'' if ratio <= 1.3 else '  ✗'}")
    ratio = s_ann / s_bare
    ok &= ratio <= 1.5
    print(f"{'start-up, bare app':<28}{s_bare:>10.0f}{'':>10}{1.0:>12.2f}")
    print(f"{'start-up, first sentence':<28}{s_ann:>10.0f}{'':>10}{ratio:>12.2f}{'1.50':>7}"
          f"{'' if ratio <= 1.5 else '  ✗'}")
    print("(start-up: median of the runs, ms; the ratio compares medians)")
    print("goal met" if ok else "goal NOT met")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=20_000)
    ap.add_argument("--presses", type=int, default=15, help="presses per action")
    ap.add_argument("--startups", type=int, default=5, help="start-ups per app")
    ap.add_argument("--poll", type=float, default=3.0, help="capture-pane interval, ms")
    ap.add_argument(
        "--settle", type=float, default=250.0,
        help="idle time before each measured press, ms (both apps): a press is timed from a "
        "quiet screen, not while deferred work of the previous key is still running",
    )
    ap.add_argument(
        "--no-bytecode-cache", action="store_true",
        help="keep the environment's bytecode settings (default: cache under bench/out/pycache)",
    )
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    ap.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        run_bare_app()
        return
    sys.path.insert(0, str(REPO))
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"tui_latency_{args.sentences}.db"
    if args.rebuild or not db.exists():
        build_db(db, args.sentences)
    else:
        print(f"reusing {db}")
    measure(args, db)


if __name__ == "__main__":
    main()
