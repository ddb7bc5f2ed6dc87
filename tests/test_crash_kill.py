"""Crash safety: the annotation screen in a real terminal (tmux), killed with SIGKILL at random
moments, 50 times.

Each round starts `annotator annotate`, checks that it resumes where the last screen was,
applies sentence labels, spans, document labels, done marks and undos through the keyboard, reads
what the screen shows after every key, then sends one more key and kills the process 0-60 ms
later (or while idle). Then: every label the screen had shown as applied is in the database
(the key in flight when the process died may or may not have landed, nothing else may differ),
``PRAGMA integrity_check`` is ok, and the event log replays to the stored state (undo history
consistent).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator.services.doctor import replay_problems
from annotator.store import Store

ROUNDS = int(os.environ.get("ANNOTATOR_CRASH_ROUNDS", "50"))
SEED = 20261121

SCHEME = """\
name: crash
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels:
      - {name: Security, key: x}
      - {name: Political, key: y}
      - {name: Economic, key: z}
  - name: technique
    level: span
    multiple: true
    labels:
      - {name: Loaded, key: l}
      - {name: Doubt, key: o}
  - name: stance
    level: document
    scale: ordinal
    labels:
      - {name: against, key: "1"}
      - {name: neutral, key: "2"}
      - {name: favor, key: "3"}
"""
SENTENCE_KEYS = {"x": "Security", "y": "Political", "z": "Economic"}
SPAN_KEYS = {"l": "Loaded", "o": "Doubt"}
DOC_KEYS = {"1": "against", "2": "neutral", "3": "favor"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@dataclass
class Shown:
    """What one screen showed about the current sentence and document."""

    doc: int  # 1-based document position
    sent: int  # 1-based sentence position in the document
    done: bool
    labels: frozenset[str] | None  # None: the sentence label set was not visible
    spans: dict[str, int] | None  # None: the span label set was not visible
    stance: str | None
    panel: bool = False  # the document panel was open
    selecting: bool = False

    @property
    def pos(self) -> tuple[int, int]:
        return (self.doc, self.sent)


HEADER = re.compile(r"doc (\d+)/\d+ · sentence (\d+)/\d+")


def parse(screen: str) -> Shown | None:
    """The state a captured screen shows, or None while it is not the annotation screen."""
    m = HEADER.search(screen)
    if not m:
        return None
    header = screen[m.start(): screen.index("\n", m.start())]
    panel = "Document labels:" in screen
    if panel:
        marks = re.findall(r"✓ (against|neutral|favor)", screen)
        stance = marks[0] if marks else None
    else:
        d = re.search(r"Document stance: (\S+)", screen)
        if d is None:
            return None
        stance = None if d.group(1) == "—" else d.group(1)
    # A label set scrolled out of view (or under a dialog) shows nothing either way.
    spans = None
    if not panel and re.search(r"l\s(✓)?Loaded(?: ×\d+)?\s+o\s(✓)?Doubt", screen):
        spans = {name: int(n or 1)
                 for name, n in re.findall(r"✓(Loaded|Doubt)(?: ×(\d+))?", screen)}
    labels = None
    if not panel and re.search(r"x\s(✓)?Security\s+y\s(✓)?Political\s+z\s(✓)?Economic", screen):
        labels = frozenset(re.findall(r"✓(Security|Political|Economic)", screen))
    return Shown(
        doc=int(m.group(1)),
        sent=int(m.group(2)),
        done="✓ done" in header,
        labels=labels,
        spans=spans,
        stance=stance,
        panel=panel,
        selecting="selected «" in screen,
    )


class Terminal:
    """One tmux server of our own, running the annotation screen in a 100x36 terminal."""

    def __init__(self, db: Path, socket: str) -> None:
        self.db = db
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=False).stdout

    def serve(self) -> None:
        """A long-lived server (one idle session) that keeps dead panes for diagnosis."""
        self.tmux("new-session", "-d", "-s", "keep", "sleep 100000")
        self.tmux("set-option", "-g", "remain-on-exit", "on")

    def start(self) -> int:
        cmd = (f"cd {self.db.parent} && exec env ANNOTATOR_NAME=alice TERM=xterm-256color "
               f"{sys.executable} -m annotator annotate --db {self.db} --scheme crash")
        self.tmux("new-session", "-d", "-s", "ann", "-x", "100", "-y", "36", cmd)
        pid = self.tmux("display-message", "-p", "-t", "ann", "#{pane_pid}").strip()
        assert pid.isdigit(), f"tmux did not start the screen: {self.screen()!r}"
        return int(pid)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "ann")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "ann", *(["-l"] if literal else []), *keys)
        if "Escape" in keys:
            time.sleep(0.2)  # an escape followed at once by a key reads as alt+key

    def settle(self, before: str, timeout: float = 3.0) -> str:
        """Wait until the screen changed from ``before`` and stayed the same for 60 ms."""
        deadline = time.monotonic() + timeout
        last = self.screen()
        while time.monotonic() < deadline:
            time.sleep(0.03)
            now = self.screen()
            if now == last and now != before:
                time.sleep(0.03)
                if self.screen() == now:
                    return now
            last = now
        return last

    def ready(self, timeout: float = 20.0) -> str:
        """Wait for the annotation screen to be drawn (and stop changing)."""
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while parse(screen) is None and time.monotonic() < deadline:
            time.sleep(0.05)
            screen = self.screen()
        time.sleep(0.1)
        while (again := self.screen()) != screen:
            screen = again
            time.sleep(0.1)
        return screen

    def barrier(self, timeout: float = 20.0) -> str:
        """Open and close the guidelines (`?`, escape): once they have come and gone, every
        key sent before was processed, so the screen returned shows their effect."""
        marker = "type to filter"
        self.keys("?")
        deadline = time.monotonic() + timeout
        while marker not in self.screen():
            assert time.monotonic() < deadline, f"guidelines never opened:\n{self.screen()}"
            time.sleep(0.02)
        self.keys("Escape")
        screen = self.screen()
        while marker in screen or parse(screen) is None:
            assert time.monotonic() < deadline, f"guidelines never closed:\n{screen}"
            time.sleep(0.02)
            screen = self.screen()
        while (again := self.screen()) != screen:
            screen = again
            time.sleep(0.03)
        return screen

    def stop(self) -> None:
        self.tmux("kill-server")


def db_state(store: Store, pos: tuple[int, int]) -> Shown:
    """The same facts as a screen, read from the database for annotator alice."""
    doc_id = store.corpus.document_ids()[pos[0] - 1]
    sent = store.corpus.sentences(doc_id)[pos[1] - 1]
    aid = store.schemes.annotator_id("alice")
    anns = store.annotations.current(aid, sentence_id=sent["id"])
    spans: dict[str, int] = {}
    for a in anns:
        if a["level"] == "span":
            spans[a["label"]] = spans.get(a["label"], 0) + 1
    docs = store.annotations.current(aid, document_id=doc_id, level="document")
    prog = store.progress.row(aid, sent["id"])
    return Shown(
        doc=pos[0], sent=pos[1], done=bool(prog and prog["status"] == "done"),
        labels=frozenset(a["label"] for a in anns if a["level"] == "sentence"),
        spans=spans, stance=docs[0]["label"] if docs else None,
    )


def same(actual: Shown, shown: Shown) -> bool:
    """The database state agrees with everything the screen showed (unshown facets aside)."""
    return (
        actual.done == shown.done
        and (shown.labels is None or actual.labels == shown.labels)
        and (shown.spans is None or actual.spans == shown.spans)
    )


def allowed_after(shown: Shown, key: str | None) -> list[Shown]:
    """The states the unit may be in when ``key`` was in flight at the kill."""
    out = [shown]
    if key in SENTENCE_KEYS and shown.labels is not None:
        out.append(Shown(**{**shown.__dict__, "labels": shown.labels ^ {SENTENCE_KEYS[key]}}))
    elif key in SPAN_KEYS and shown.spans is not None:
        name = SPAN_KEYS[key]
        for n in (shown.spans.get(name, 0) + 1, shown.spans.get(name, 0) - 1):
            spans = {k: v for k, v in {**shown.spans, name: n}.items() if v > 0}
            out.append(Shown(**{**shown.__dict__, "spans": spans}))
    elif key == "Enter":
        out.append(Shown(**{**shown.__dict__, "done": True}))
    return out


@dataclass
class Journal:
    """Everything the screens showed, per sentence and per document (last shown wins)."""

    sentences: dict[tuple[int, int], Shown] = field(default_factory=dict)
    stances: dict[int, str | None] = field(default_factory=dict)
    last: Shown | None = None

    def record(self, s: Shown) -> None:
        if not s.panel:
            self.sentences[s.pos] = s
        self.stances[s.doc] = s.stance
        self.last = s


def verify(db: Path, journal: Journal, in_flight: str | None) -> list[str]:
    """Compare every shown state with the database; returns the differences not explained by
    the key in flight."""
    problems: list[str] = []
    with Store.open(db) as store:
        assert store.db.scalar("PRAGMA integrity_check") == "ok"
        aid = store.schemes.annotator_id("alice")
        assert replay_problems(store, aid) == []
        store.annotations.history(aid)
        last = journal.last
        loose_units = 1 if in_flight == "u" else 0  # an undo may change any one unit
        for pos, shown in journal.sentences.items():
            actual = db_state(store, pos)
            if same(actual, shown):
                continue
            if last is not None and pos == last.pos and any(
                same(actual, ok) for ok in allowed_after(shown, in_flight)
            ):
                continue
            if loose_units:
                loose_units -= 1
                continue
            problems.append(f"sentence {pos}: screen showed {shown}, database has {actual}")
        for doc, stance in journal.stances.items():
            actual_stance = db_state(store, (doc, 1)).stance
            if actual_stance == stance:
                continue
            if last is not None and doc == last.doc and in_flight in DOC_KEYS:
                continue
            if loose_units:
                loose_units -= 1
                continue
            problems.append(f"document {doc}: screen showed stance {stance}, database has "
                            f"{actual_stance}")
    return problems


def make_db(tmp: Path) -> Path:
    db = tmp / "annotations.db"
    arts = []
    for i in range(4):
        body = " ".join(
            f"Le ministre {j} a parlé de la fraternité invincible devant {j + 10} soldats."
            for j in range(5)
        )
        arts.append({"id": f"a{i}", "title": f"Article {i}", "source": "Test",
                     "text": f"Titre {i}\n\n{body}\n"})
    (tmp / "arts.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n"
                                            for a in arts))
    (tmp / "crash.yaml").write_text(SCHEME)
    for args in (["import", str(tmp / "arts.jsonl")], ["scheme", "add", str(tmp / "crash.yaml")]):
        res = subprocess.run([sys.executable, "-m", "annotator", *args, "--db", str(db)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    return db


def one_action(term: Terminal, rng: random.Random, screen: str, shown: Shown) -> tuple[str, str]:
    """Perform one complete action through the keyboard; returns it and the settled screen."""
    kind = rng.choice(["label", "label", "label", "span", "span", "doc", "done", "nav", "undo"])
    if kind == "label":
        term.keys(rng.choice(list(SENTENCE_KEYS)))
    elif kind == "span":
        term.keys("s")
        screen = term.settle(screen)
        term.keys(rng.choice(["ministre", "fraternité", "soldats", "Titre", "e"]), literal=True)
        screen = term.settle(screen, timeout=1.0)
        term.keys("Enter")
        screen = term.settle(screen, timeout=1.0)
        if "selected «" not in screen:
            term.keys("Escape")
            return kind, term.barrier()
        term.keys(rng.choice(list(SPAN_KEYS)))
    elif kind == "doc":
        term.keys("d")
        screen = term.settle(screen)
        term.keys(rng.choice(list(DOC_KEYS)))
        screen = term.settle(screen)
        term.keys("Escape")
    elif kind == "done":
        term.keys("Enter")
    elif kind == "nav":
        term.keys(rng.choice(["j", "k", "j"]))
    else:
        term.keys("u")
    return kind, term.barrier()


def test_sigkill_fifty_times_loses_nothing_shown(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = make_db(tmp_path)
    term = Terminal(db, f"annotator-crash-{os.getpid()}")
    journal = Journal()
    in_flight: str | None = None
    kills = actions = 0
    term.serve()
    try:
        for rnd in range(ROUNDS):
            previous = journal.last
            pid = term.start()
            screen = term.ready()
            shown = parse(screen)
            assert shown is not None, f"round {rnd}: no annotation screen:\n{screen}"
            # Resumes where the last screen was (a navigation or undo key in flight may move it).
            if previous is not None and in_flight not in ("j", "k", "Enter", "u"):
                assert shown.pos == previous.pos, (rnd, shown, previous, in_flight)
            # The fresh screen is the database's state: also checks the screen parser.
            assert shown.labels is not None and shown.spans is not None, screen
            with Store.open(db) as store:
                assert same(db_state(store, shown.pos), shown), (rnd, shown)
            journal.record(shown)
            for _ in range(rng.randint(1, 6)):
                kind, screen = one_action(term, rng, screen, shown)
                now = parse(screen)
                if now is None:  # an unexpected dialog: close it, keep going
                    term.keys("Escape")
                    screen = term.settle(screen)
                    now = parse(screen)
                    if now is None:
                        continue
                if kind == "done" and now.pos != shown.pos:
                    # Enter marked the sentence done and moved on (the progress bar showed it).
                    journal.sentences[shown.pos] = Shown(**{**shown.__dict__, "done": True})
                shown = now
                journal.record(shown)
                actions += 1
            # The kill: idle, or 0-60 ms after one more key.
            if rng.random() < 0.2:
                in_flight = None
            else:
                choices = [*SENTENCE_KEYS, "Enter", "j", "u"]
                if shown.selecting:
                    choices = list(SPAN_KEYS)
                if shown.panel:
                    choices = list(DOC_KEYS)
                in_flight = rng.choice(choices)
                term.keys(in_flight)
                time.sleep(rng.uniform(0, 0.06))
            os.kill(pid, signal.SIGKILL)
            kills += 1
            dead = term.tmux("display-message", "-p", "-t", "ann", "#{pane_dead}")
            deadline = time.monotonic() + 5
            while dead.strip() != "1" and time.monotonic() < deadline:
                time.sleep(0.02)
                dead = term.tmux("display-message", "-p", "-t", "ann", "#{pane_dead}")
            term.tmux("kill-session", "-t", "ann")
            problems = verify(db, journal, in_flight)
            assert problems == [], f"round {rnd} (key in flight {in_flight!r}): {problems}"
            if in_flight is not None:
                # What the in-flight key did is now simply the truth on disk.
                with Store.open(db) as store:
                    for pos in list(journal.sentences):
                        journal.sentences[pos] = db_state(store, pos)
                    for doc in list(journal.stances):
                        journal.stances[doc] = db_state(store, (doc, 1)).stance
    finally:
        term.stop()
    assert kills == ROUNDS
    print(f"{kills} SIGKILLs survived, {actions} confirmed keyboard actions, "
          f"{len(journal.sentences)} sentences checked")
