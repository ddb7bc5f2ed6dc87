"""Fixtures for the annotation screen: a real SQLite file per test, our own texts and scheme."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.core.scheme import Scheme, parse_scheme
from annotator.store import DocumentIn, Store
from annotator.tui.app import AnnotatorApp, make_app

SCHEME_YAML = """\
name: tui-test
version: 1
language: fr
description: A small scheme to exercise the annotation screen.
guidelines: |
  Tag what the sentence does, not what you think of it. [Brackets] stay text.
label_sets:
  - name: frame
    level: sentence
    multiple: true
    description: Frames the sentence uses.
    labels:
      - name: Security_and_defense
        key: "1"
        color: "#e06c75"
        description: Threats, armies, protection of the nation.
        examples: ["Les troupes avancent vers la ville."]
      - name: Economic
        key: "2"
        color: "#98c379"
        description: Costs, prices, trade.
      - name: Morality
        key: "3"
      - name: Human_interest
        description: People and their stories (no quick key, reach it with the picker).
  - name: tone
    level: sentence
    labels:
      - name: Negative
        key: "7"
      - name: Neutral
        key: "8"
      - name: Positive
        key: "9"
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
        key: l
        color: "#e5c07b"
        description: Words with strong emotional weight.
        examples: ["une fraternité invincible"]
        cues: ["fraternité invincible", "barbares"]
      - name: Name_Calling
        key: m
        color: "#c678dd"
      - name: Doubt
  - name: stance
    level: document
    required: true
    scale: ordinal
    labels:
      - name: against
        key: h
      - name: neutral
        key: i
      - name: favor
        key: o
"""

DOCS: list[dict[str, Any]] = [
    {
        "title": "Le front de l'Est",
        "source": "Le Test",
        "published": "2024-03-01",
        "text": (
            "Le front de l'Est\n\n"
            "Les troupes avancent vers la ville. Le ministre salue une fraternité invincible "
            "entre les peuples. Les barbares ont frappé le marché [b]hier[/] soir.\n\n"
            "Le prix du blé a doublé en un an. Personne ne sait qui paiera."
        ),
    },
    {
        "title": "Deuxième article",
        "source": "La Gazette",
        "published": "2024-03-02",
        "text": "Deuxième article\n\nLa réunion a eu lieu à Genève. Les délégués n'ont rien signé.",
    },
    {
        "title": "Troisième",
        "source": "Le Test",
        "published": "2024-03-03",
        "text": "Troisième\n\nUne phrase courte. La fin.",
    },
]


def split(text: str) -> list[tuple[int, int, int]]:
    """Sentence offsets (start, end, paragraph) with a simple rule: our fixtures only."""
    out: list[tuple[int, int, int]] = []
    pos = 0
    for para, block in enumerate(text.split("\n\n")):
        base = text.index(block, pos)
        pos = base + len(block)
        for m in re.finditer(r"\S.*?(?:[.!?](?=\s|$)|$)", block, re.S):
            s, e = base + m.start(), base + m.end()
            if text[s:e].strip():
                out.append((s, e, para))
    return out


def make_doc(d: dict[str, Any]) -> DocumentIn:
    text = d["text"]
    return DocumentIn(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        sentences=split(text),
        title=d.get("title"),
        source=d.get("source"),
        published=d.get("published"),
    )


@pytest.fixture
def scheme() -> Scheme:
    return parse_scheme(SCHEME_YAML, "tui-test.yaml")


@pytest.fixture
def corpus(db_path: Path, scheme: Scheme) -> Path:
    """A database file with the scheme and the three fixture documents."""
    s = Store.open(db_path)
    s.schemes.add(scheme)
    s.corpus.add_documents([make_doc(d) for d in DOCS])
    s.close()
    return db_path


@pytest.fixture
def new_app(corpus: Path, scheme: Scheme) -> Callable[..., AnnotatorApp]:
    def build(annotator: str = "alice", **kwargs: Any) -> AnnotatorApp:
        return make_app(corpus, scheme, annotator, **kwargs)

    return build


@pytest.fixture
def db(corpus: Path) -> Store:
    """A second handle on the same file, to check what the screen committed."""
    s = Store.open(corpus)
    yield s  # type: ignore[misc]
    s.close()


def rendered(app: AnnotatorApp, widget_id: str) -> str:
    """The plain text a widget of the main screen shows ("labels" and "document-line": the
    two parts of the label pane)."""
    from textual.widgets import Static

    from annotator.tui.label_pane import LabelPane

    if widget_id in ("labels", "document-line"):
        pane = app.screen.query_one(LabelPane)
        return (pane.labels if widget_id == "labels" else pane.document).plain
    w = app.screen.query_one(f"#{widget_id}", Static)
    return str(w.render())
