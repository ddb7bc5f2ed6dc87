"""A small two-outlet corpus annotated by two people, built through the Store API.

Shared by the report and review tests. The texts are our own French sentences; the sentence
offsets are written out here so the fixture does not depend on the segmenter. Every number the
report tests expect is worked out by hand in tests/test_report.py from the facts below.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from annotator.store import DocumentIn, Store

SCHEME_YAML = """\
name: framing-test
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels:
      - name: Security_and_defense
        key: y
        color: "#1f77b4"
      - name: Political
        key: o
      - name: Economic
        key: e
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
        key: l
      - name: Name_Calling-Labeling
        key: m
      - name: Doubt
        key: b
  - name: stance
    level: document
    labels:
      - name: against
        key: h
      - name: neutral
        key: z
      - name: favor
        key: r
"""

GAZETTE = [
    "Les troupes étrangères arrivent au front.",
    "Le ministre célèbre une fraternité invincible.",
    "Les experts doutent de ces chiffres.",
    "La situation reste tendue.",
]
VEILLEUR = [
    "Le gouvernement dénonce des mercenaires.",
    "Une fraternité invincible, selon la capitale.",
]


def make_doc(sentences: list[str], *, title: str, source: str) -> DocumentIn:
    text = ""
    offsets: list[tuple[int, int, int]] = []
    for s in sentences:
        if text:
            text += " "
        offsets.append((len(text), len(text) + len(s), 0))
        text += s
    return DocumentIn(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        sentences=offsets,
        title=title,
        source=source,
    )


@dataclass
class Framing:
    store: Store
    scheme_id: int
    doc1: int
    doc2: int
    s1: list[int]  # sentence ids of doc1 (La Gazette)
    s2: list[int]  # sentence ids of doc2 (Le Veilleur)
    alice: int
    bob: int


def span_of(store: Store, sentence_id: int, phrase: str) -> tuple[int, int]:
    s = store.corpus.sentence(sentence_id)
    assert s is not None
    i = s["text"].index(phrase)
    return s["start"] + i, s["start"] + i + len(phrase)


def build(path: Path) -> Framing:
    """Facts (alice = A, bob = B):

    La Gazette (doc1, 4 sentences, all done by A and B)
      s0 frame A: Security  B: Security
      s1 frame A: Political B: Security; span Loaded_Language "fraternité invincible" by A and B
      s2 frame A: Political B: -       ; span Doubt "doutent" by A
      s3 nothing
      stance A: against B: against
    Le Veilleur (doc2, 2 sentences; A did both, B only s0)
      s0 frame A: Security  B: Security; span Name_Calling "mercenaires" by A and B
      s1 span Loaded_Language "fraternité invincible" by A
      stance A: favor B: neutral
    Time: A 10 s on each of 3 sentences; B 4 s on one sentence.
    """
    from annotator.core.scheme import parse_scheme

    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    (d1, _), (d2, _) = store.corpus.add_documents(
        [
            make_doc(GAZETTE, title="Le front vu de la capitale", source="La Gazette"),
            make_doc(VEILLEUR, title="Des mercenaires au front", source="Le Veilleur"),
        ]
    )
    s1 = [s["id"] for s in store.corpus.sentences(d1)]
    s2 = [s["id"] for s in store.corpus.sentences(d2)]
    a = store.schemes.annotator_id("alice")
    b = store.schemes.annotator_id("bob")

    def frame(who: int, sid: int, doc: int, label: str) -> None:
        store.annotations.add(
            who,
            scheme_id,
            label_set="frame",
            label=label,
            level="sentence",
            document_id=doc,
            sentence_id=sid,
        )

    def span(who: int, sid: int, doc: int, label: str, phrase: str) -> None:
        start, end = span_of(store, sid, phrase)
        store.annotations.add(
            who,
            scheme_id,
            label_set="technique",
            label=label,
            level="span",
            document_id=doc,
            sentence_id=sid,
            start=start,
            end=end,
        )

    def stance(who: int, doc: int, label: str) -> None:
        store.annotations.add(
            who,
            scheme_id,
            label_set="stance",
            label=label,
            level="document",
            document_id=doc,
            replace_in_set=True,
        )

    frame(a, s1[0], d1, "Security_and_defense")
    frame(b, s1[0], d1, "Security_and_defense")
    frame(a, s1[1], d1, "Political")
    frame(b, s1[1], d1, "Security_and_defense")
    span(a, s1[1], d1, "Loaded_Language", "fraternité invincible")
    span(b, s1[1], d1, "Loaded_Language", "fraternité invincible")
    frame(a, s1[2], d1, "Political")
    span(a, s1[2], d1, "Doubt", "doutent")
    stance(a, d1, "against")
    stance(b, d1, "against")
    for sid in s1:
        store.progress.mark_done(a, scheme_id, sid)
        store.progress.mark_done(b, scheme_id, sid)

    frame(a, s2[0], d2, "Security_and_defense")
    frame(b, s2[0], d2, "Security_and_defense")
    span(a, s2[0], d2, "Name_Calling-Labeling", "mercenaires")
    span(b, s2[0], d2, "Name_Calling-Labeling", "mercenaires")
    span(a, s2[1], d2, "Loaded_Language", "fraternité invincible")
    stance(a, d2, "favor")
    stance(b, d2, "neutral")
    store.progress.mark_done(a, scheme_id, s2[0])
    store.progress.mark_done(a, scheme_id, s2[1])
    store.progress.mark_done(b, scheme_id, s2[0])

    for sid in (s1[0], s1[1], s1[2]):
        store.progress.add_time(a, sid, 10.0)
    store.progress.add_time(b, s1[0], 4.0)
    return Framing(store, scheme_id, d1, d2, s1, s2, a, b)
