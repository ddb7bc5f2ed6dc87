"""Precision and recall of the annotation screen's suggestions on held-out annotations.

One simulated coder annotates the earlier documents of a corpus through the real session
(``Session.toggle_span``, ``toggle_label``, ``mark_done`` on a real SQLite file); the later
documents are held out. On each held-out sentence the script asks ``Session.suggestions()``:

- *cue only*: a second annotator who marked nothing (the scheme's cues; also the blind-coding
  check: the coder's spans must not reach them);
- *cue + learned*: the coder, who learned from the earlier documents only (reopened as after a
  restart: what ``Session.learn`` reads back, rejections replayed);
- *cue + learned, online*: a third annotator who also annotates each held-out sentence after
  the suggestions were counted, as on the screen, so later sentences learn from earlier ones.

Span suggestions are scored against the coder's held-out spans, by exact offsets and label, and
by overlap (same label, overlapping). The sentence-label model (``suggest`` extra) is trained
the screen's way (``sentence_examples`` + ``train_sentence_models`` over the coder's done
sentences) and scored on the held-out sentences' frames: top-1 accuracy (no frame is a class)
against the majority class, and the precision and coverage of the suggestions it would show.

Corpora:
- a fixture generated here (no article text in the repository): documents of French-like
  sentences on a topic, with framing phrases of the shipped ``conflict-news`` scheme's techniques
  (its cues and other invented phrases, in inflected and typographic variants, by popularity)
  that the coder marks most of the time (some missed, some used innocently, some one-off
  phrases no suggestion can know);
- if present, the five example articles of /work/shared/corpus/seeds (read-only, never copied):
  the simulated coder marks each short quoted phrase « ... » (1 to 5 words) as Loaded_Language,
  a rule independent of the matcher; earlier articles teach the later ones. There are no
  sentence labels there: the model is measured on the fixture only.

    python bench/suggest.py [--docs 80] [--seed 7] [--train 0.6]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.scheme import Scheme, load_scheme_file, shipped_schemes
from annotator.services.annotation import Session
from annotator.services.importing import make_document
from annotator.services.suggest import (
    model_available,
    sentence_examples,
    train_sentence_models,
)
from annotator.store import DocumentIn, Store

SEEDS = Path("/work/shared/corpus/seeds")
SENTENCES_PER_DOC = 12
SPAN_SET = "technique"
FRAME_SET = "frame"

# Invented framing phrases (never from an article), besides the scheme's cues, per technique.
INVENTED = {
    "Name_Calling-Labeling": ["valets de l'Occident", "marionnettes de Washington",
                              "bandits ukrainiens", "clique au pouvoir", "mercenaires étrangers"],
    "Loaded_Language": ["guerre d'agression", "bain de sang", "fraternité éternelle",
                        "folie meurtrière", "génocide programmé", "héros de la patrie"],
    "Doubt": ["prétendus experts", "sources dites indépendantes", "soi-disant journalistes"],
    "Appeal_to_Fear-Prejudice": ["invasion silencieuse", "menace mortelle", "péril imminent"],
    "Exaggeration-Minimisation": ["opération limitée", "simple exercice", "catastrophe totale"],
}
TOPICS = {
    "Economic": ["prix", "salaires", "budget", "inflation", "exportations", "banque", "coût",
                 "taux", "marché", "dette", "croissance", "impôts"],
    "Security_and_defense": ["troupes", "armée", "missiles", "front", "soldats", "offensive",
                             "drones", "frontière", "défense", "convoi", "frappes", "bataillon"],
    "Political": ["élections", "parlement", "ministre", "parti", "opposition", "vote", "loi",
                  "président", "réforme", "coalition", "sénat", "campagne"],
}
FILLER = ["le", "la", "les", "un", "une", "des", "du", "de", "en", "dans", "pour", "avec", "sur",
          "selon", "hier", "encore", "aussi", "désormais", "toujours", "très", "plus", "région",
          "pays", "semaine", "annonce", "affirme", "rapporte", "continue", "reste", "devient"]


# ------------------------------------------------------------------------------- corpus
@dataclass
class Sentence:
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, label)
    frame: str | None = None


def variant(phrase: str, rng: random.Random) -> str:
    """A form of the phrase a later article may print: plural or singular, hyphen or none,
    capital, typographic apostrophe or non-breaking space."""
    words = phrase.split(" ")
    r = rng.random()
    if r < 0.2:
        last = words[-1]
        words[-1] = last[:-1] if last.endswith(("s", "x")) and len(last) > 4 else last + "s"
    elif r < 0.3:
        words = [w.replace("-", "") for w in words]
    out = " ".join(words)
    if rng.random() < 0.15:
        out = out[:1].upper() + out[1:]
    if rng.random() < 0.3:
        out = out.replace("'", "\u2019")
    if rng.random() < 0.1:
        out = out.replace(" ", "\u00a0", 1)
    return out


def fixture(scheme: Scheme, docs: int, rng: random.Random) -> list[list[Sentence]]:
    """``docs`` documents of ``SENTENCES_PER_DOC`` sentences: topic words, framing phrases by
    popularity (1/rank), the coder's spans and frames (with misses and noise)."""
    technique = scheme.label_set(SPAN_SET)
    assert technique is not None
    pool: list[tuple[str, str]] = []
    for lab in technique.labels:
        pool += [(c, lab.name) for c in lab.cues or ()]
        pool += [(p, lab.name) for p in INVENTED.get(lab.name, [])]
    rng.shuffle(pool)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(pool))]
    frames = list(TOPICS)
    out: list[list[Sentence]] = []
    for _ in range(docs):
        topic = rng.choice(frames)
        doc: list[Sentence] = []
        for _ in range(SENTENCES_PER_DOC):
            r = rng.random()
            frame = topic if r < 0.55 else rng.choice(frames) if r < 0.7 else None
            vocab = TOPICS[frame] if frame else FILLER
            words = [rng.choice(vocab if rng.random() < 0.35 else FILLER) for _ in range(11)]
            text = " ".join(words).capitalize()
            s = Sentence(text="", frame=frame if rng.random() > 0.08 else None)
            if rng.random() < 0.4:
                phrase, label = rng.choices(pool, weights)[0]
                form = variant(phrase, rng)
                cut = text.index(" ", len(text) // 2)
                start = cut + 1
                text = f"{text[:cut]} {form} {text[cut + 1:]}"
                used_innocently = rng.random() < 0.07
                if not used_innocently and rng.random() < 0.9:  # 10% missed by the coder
                    s.spans.append((start, start + len(form), label))
            if rng.random() < 0.1:  # a one-off phrase no suggestion can know
                a = text.index(" ") + 1
                b = text.index(" ", a)
                s.spans.append((a, b, rng.choice(technique.labels).name))
            s.text = text + "."
            doc.append(s)
        out.append(doc)
    return out


QUOTED = re.compile(r"«[\s\u00a0\u202f]*([^«»]+?)[\s\u00a0\u202f]*»")


def seeds() -> list[list[Sentence]] | None:
    """The example articles, segmented by the importer; the coder's spans: short quoted
    phrases. None when the directory is absent."""
    if not SEEDS.is_dir():
        return None
    out: list[list[Sentence]] = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = make_document(path.read_text(encoding="utf-8"))
        sentences: list[Sentence] = []
        for start, end, _ in doc.sentences:
            text = doc.text[start:end]
            spans = [(m.start(1), m.end(1), "Loaded_Language") for m in QUOTED.finditer(text)
                     if 1 <= len(m.group(1).split()) <= 5]
            sentences.append(Sentence(text, spans))
        out.append(sentences)
    return out


def document_in(doc: list[Sentence], n: int) -> DocumentIn:
    parts: list[str] = []
    offsets: list[tuple[int, int, int]] = []
    pos = 0
    for i, s in enumerate(doc):
        if parts:
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(s.text), i // 4))
        parts.append(s.text)
        pos += len(s.text)
    text = "".join(parts)
    return DocumentIn(text=text, sha256=hashlib.sha256(f"{n}:{text}".encode()).hexdigest(),
                      sentences=offsets, title=f"document {n}")


# ------------------------------------------------------------------------------- scoring
@dataclass
class Score:
    tp_exact: int = 0
    tp_overlap: int = 0
    found_overlap: int = 0
    suggested: int = 0
    gold: int = 0
    seconds: float = 0.0
    calls: int = 0

    def add(self, suggested: list[tuple[int, int, str]], gold: list[tuple[int, int, str]]) -> None:
        self.suggested += len(suggested)
        self.gold += len(gold)
        gold_set = set(gold)
        self.tp_exact += sum(1 for g in suggested if g in gold_set)

        def overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
            return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]

        self.tp_overlap += sum(1 for g in suggested if any(overlaps(g, o) for o in gold))
        self.found_overlap += sum(1 for o in gold if any(overlaps(g, o) for g in suggested))

    def row(self, name: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:5.1f}%" if b else "    –"

        micro = 1e6 * self.seconds / max(1, self.calls)
        return (f"  {name:<26} {pct(self.tp_exact, self.suggested)} {pct(self.tp_exact, self.gold)}"
                f"   {pct(self.tp_overlap, self.suggested)} {pct(self.found_overlap, self.gold)}"
                f"   {self.suggested:>5} {self.gold:>5}  {micro:6.0f} µs")


HEADER = ("  suggestions                exact P  exact R   overlap P overlap R  shown  gold"
          "  per sentence")


def apply(session: Session, sentence: Sentence) -> None:
    """The coder's own work on the sentence on screen, through the session."""
    for start, end, label in sentence.spans:
        session.toggle_span(SPAN_SET, label, start, end)
    if sentence.frame is not None:
        session.toggle_label(FRAME_SET, sentence.frame)
    session.mark_done()


def shown(session: Session, only: str | None) -> list[tuple[int, int, str]]:
    """The span suggestions on screen (of one label when the gold has only that one)."""
    return [(g.start, g.end, g.label) for g in session.suggestions()
            if g.label_set == SPAN_SET and only in (None, g.label)]


def run(name: str, docs: list[list[Sentence]], scheme: Scheme, train_share: float,
        frames: bool, only: str | None = None) -> None:
    cut = max(1, int(len(docs) * train_share))
    n_train = sum(len(d) for d in docs[:cut])
    n_test = sum(len(d) for d in docs[cut:])
    print(f"\n{name}: {len(docs)} documents; the coder annotated the first {cut} "
          f"({n_train} sentences), {len(docs) - cut} held out ({n_test} sentences)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "suggest.db")
        scheme_id, _ = store.schemes.add(scheme)
        store.corpus.add_documents([document_in(d, i) for i, d in enumerate(docs)])
        ids = [[int(s["id"]) for s in store.corpus.sentences(int(row["id"]))]
               for row in store.db.query("SELECT id FROM documents ORDER BY id")]
        t0 = time.perf_counter()
        coder = Session(store, scheme, scheme_id, "coder")
        online = Session(store, scheme, scheme_id, "online")
        for doc, sids in zip(docs[:cut], ids[:cut], strict=True):
            for sentence, sid in zip(doc, sids, strict=True):
                for s in (coder, online):
                    s.goto(sid)
                    apply(s, sentence)
        print(f"  (annotating the earlier documents through the session: "
              f"{time.perf_counter() - t0:.1f} s)")
        coder = Session(store, scheme, scheme_id, "coder")  # the next day: learns it all back
        t0 = time.perf_counter()
        coder.apply_learned(coder.learn())
        print(f"  (learning it back at start, model included: {time.perf_counter() - t0:.1f} s)")
        cue_only = Session(store, scheme, scheme_id, "nobody")  # opened after: still blind
        cue_only.apply_learned(cue_only.learn())
        scores = {"cue only": Score(), "cue + learned": Score(), "cue + learned, online": Score()}
        for doc, sids in zip(docs[cut:], ids[cut:], strict=True):
            for sentence, sid in zip(doc, sids, strict=True):
                for label, s in zip(scores, (cue_only, coder, online), strict=True):
                    s.goto(sid)
                    t = time.perf_counter()
                    got = shown(s, only)
                    scores[label].seconds += time.perf_counter() - t
                    scores[label].calls += 1
                    scores[label].add(got, sentence.spans)
                apply(online, sentence)
        # Blind coding: the annotator who marked nothing learned nothing from the others.
        assert not cue_only.phrases.tracked, "another annotator's spans were learned"
        print(HEADER)
        for label, score in scores.items():
            print(score.row(label))
        if frames:
            frame_model(store, scheme, coder, docs[cut:], ids[cut:])
        store.close()


def frame_model(store: Store, scheme: Scheme, coder: Session, test: list[list[Sentence]],
                ids: list[list[int]]) -> None:
    if not model_available():
        print("  sentence-label model: scikit-learn missing (pip install 'annotator[suggest]')")
        return
    examples = sentence_examples(store, scheme, coder.annotator_id, coder.versions.sets)
    t = time.perf_counter()
    model = train_sentence_models(examples).get(FRAME_SET)
    seconds = time.perf_counter() - t
    if model is None:
        print("  sentence-label model: not enough examples")
        return
    counts: dict[str | None, int] = {}
    for _, lab in examples[FRAME_SET]:
        counts[lab or None] = counts.get(lab or None, 0) + 1
    majority = max(counts, key=lambda k: counts[k])
    right = base = shown_n = shown_right = total = 0
    for doc, sids in zip(test, ids, strict=True):
        for sentence, _sid in zip(doc, sids, strict=True):
            guess = model.guess(sentence.text)
            predicted = guess.label if guess else None
            total += 1
            right += predicted == sentence.frame
            base += majority == sentence.frame
            if guess is not None:
                shown_n += 1
                shown_right += guess.label == sentence.frame
    print(f"  sentence-label model ({model.n_examples} examples, trained in {seconds:.2f} s): "
          f"top-1 accuracy {100 * right / total:.1f}% vs majority class "
          f"({majority or 'no frame'}) {100 * base / total:.1f}%; suggestions shown on "
          f"{100 * shown_n / total:.1f}% of sentences, right "
          f"{100 * shown_right / max(1, shown_n):.1f}%")


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=80, help="fixture documents (default 80)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--train", type=float, default=0.6, help="share of earlier documents")
    args = ap.parse_args(list(argv) if argv is not None else None)
    scheme = load_scheme_file(shipped_schemes()["conflict-news"])
    docs = fixture(scheme, args.docs, random.Random(args.seed))
    run("fixture corpus (generated)", docs, scheme, args.train, frames=True)
    real: Any = seeds()
    if real is None:
        print(f"\n{SEEDS}: absent, the example articles are skipped")
    else:
        run(f"example articles ({SEEDS}), quoted phrases as the coder's spans", real, scheme,
            args.train, frames=False, only="Loaded_Language")
    return 0


if __name__ == "__main__":
    sys.exit(main())
