"""Suggestions that learn from one annotator's own work, never from anyone else's.

Two kinds, both only shown, never applied without a key press:

- phrases (:class:`PhraseSuggester`): the scheme's cue phrases and every span this annotator
  marked, found again in the sentence on screen by the one matcher of
  :mod:`annotator.core.suggest`, and kept in step with each span the coder adds or deletes
  (a dictionary step, not a reload);
- a sentence label per sentence set (:func:`train_sentence_models`): a small text classifier
  trained on the sentences this annotator answered (the units rule: done under a scheme version
  that has the set), shown with its confidence. It needs scikit-learn (the ``suggest`` extra);
  training is slow enough to run in a worker thread, so :func:`sentence_examples` reads the
  database on the caller's thread and the training itself touches no database.

Blind coding stays blind: every read here is one annotator's (db/annotations.py
``own_span_texts``, ``own_sentence_labels``; db/progress.py ``done_sentences``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from annotator.core.fold import fold
from annotator.core.suggest import (
    CUE,
    Lexicon,
    PhraseMatch,
    Rejection,
    count_rejections,
    rejections_by_sentence,
    unmarked,
)

if TYPE_CHECKING:
    from annotator.core.scheme import Scheme
    from annotator.store import Store

MIN_EXAMPLES = 20
"""Below this many answered sentences of a set, no model and no sentence-label suggestion: a
guess from a handful of examples would mostly repeat the coder's first choices."""

MIN_LABELLED = 5
"""...and at least this many of them carry a label of the set (else it only learns "none")."""

HINT = "sentence-label suggestions need scikit-learn: pip install 'annotator[suggest]'"

NONE = ""
"""The class of an answered sentence with no label of the set ("answered: none")."""


class PhraseSuggester:
    """The lexicon of cue phrases and of this annotator's spans, with which span taught what.

    Built with the scheme's cues only (no database read: the screen shows its first sentence at
    once); :meth:`load` adds the annotator's spans, read by :func:`learn` (in the screen's
    worker thread, on a connection of its own). ``tracked`` maps each span uid to (sentence id,
    set, label, start, end, text), so a span removed (deleted, undone, replaced in a
    single-choice set) takes back exactly what it taught; :meth:`sync` compares it with the
    spans of the sentence on screen after each action. A sentence marked done with a learned
    suggestion left unmarked counts a rejection (:meth:`finished`); :func:`learn` replays them
    over the finished sentences. ``rejected`` keeps which rejections each finished sentence
    counted, so undoing its done mark takes them back at once (:meth:`unfinished`).
    """

    def __init__(self, scheme: Scheme) -> None:
        self.lexicon = Lexicon()
        self.span_sets = [ls.name for ls in scheme.label_sets if ls.level == "span"]
        self.span_labels = {
            (ls.name, lab.name) for ls in scheme.label_sets if ls.level == "span"
            for lab in ls.labels
        }
        for ls in scheme.label_sets:
            if ls.level in ("span", "sentence"):
                for lab in ls.labels:
                    for cue in lab.cues or ():
                        self.lexicon.add_cue(cue, ls.name, lab.name)
        self.tracked: dict[str, tuple[int, str, str, int, int, str]] = {}
        self.by_sentence: dict[int, set[str]] = {}
        self.rejected: dict[int, list[Rejection]] = {}

    def load(self, rows: Iterable[SpanRow]) -> None:
        """Learn the annotator's spans (``Annotations.own_span_texts`` rows) not learned yet
        (those of sentences shown meanwhile are, by :meth:`sync`)."""
        for uid, sid, set_name, label, start, end, text in rows:
            if uid not in self.tracked:
                self._learn(uid, (sid, set_name, label, start, end, text))

    def _learn(self, uid: str, row: tuple[int, str, str, int, int, str]) -> None:
        sentence_id, set_name, label, _, _, text = row
        if (set_name, label) not in self.span_labels:  # a label today's scheme no longer has
            return
        self.lexicon.learn(text, set_name, label)
        self.tracked[uid] = row
        self.by_sentence.setdefault(sentence_id, set()).add(uid)

    def spans_of(self, sentence_id: int) -> list[tuple[int, int, str, str]]:
        """The annotator's tracked spans on a sentence: (start, end, set, label)."""
        rows = (self.tracked[uid] for uid in self.by_sentence.get(sentence_id, ()))
        return [(start, end, ls, lab) for _, ls, lab, start, end, _ in rows]

    def sync(self, sentence_id: int, text: str, spans: Iterable[dict[str, Any]]) -> None:
        """Bring the lexicon in step with the annotator's current spans on one sentence
        (``spans`` with sentence-relative ``rs``/``re``, as ``Session.spans`` gives them)."""
        now = {str(s["uid"]): s for s in spans}
        before = self.by_sentence.get(sentence_id, set())
        for uid in before - now.keys():
            _, set_name, label, _, _, phrase = self.tracked.pop(uid)
            self.lexicon.forget(phrase, set_name, label)
            before.discard(uid)
        for uid in now.keys() - before:
            s = now[uid]
            self._learn(uid, (sentence_id, s["label_set"], s["label"], s["rs"], s["re"],
                              text[s["rs"] : s["re"]]))

    def match(self, text: str) -> list[PhraseMatch]:
        return self.lexicon.match(text)

    def finished(self, sentence_id: int, text: str) -> None:
        """The sentence was marked done: each learned suggestion left unmarked is rejected."""
        self.unfinished(sentence_id)  # done again (a redo): counted once
        found = [(m.phrase, m.label_set, m.label)
                 for m in unmarked(self.lexicon.match(text), self.spans_of(sentence_id))]
        for key in found:
            self.lexicon.reject(*key)
        if found:
            self.rejected[sentence_id] = found

    def unfinished(self, sentence_id: int) -> None:
        """The sentence's done mark was undone: take back the rejections it counted."""
        for key in self.rejected.pop(sentence_id, ()):
            self.lexicon.reject(*key, n=-1)

    def set_rejected(self, by_sentence: dict[int, list[Rejection]]) -> None:
        """Take in the rejections replayed over the finished sentences (:func:`learn`);
        sentences finished here while they were read keep theirs."""
        self.rejected = {**self.rejected, **by_sentence}
        self.lexicon.set_rejections(count_rejections(self.rejected))


@dataclass(frozen=True)
class Suggestion:
    """A phrase found in the current sentence (sentence-relative offsets): a cue of the scheme
    (``source`` "cue") or a phrase this annotator marked ``count`` times before ("learned")."""

    start: int
    end: int
    label_set: str
    label: str
    source: str = CUE
    count: int = 0


class Suggestions:
    """Everything the annotation screen suggests to one annotator, held by ``Session``:
    phrases (:class:`PhraseSuggester`) and the sentence-label models a worker trained
    (none until then). Learned phrases, rejections and models arrive from :func:`learn` (the
    screen runs it in a worker; :meth:`apply` takes its result in)."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.phrases = PhraseSuggester(scheme)
        self.models: dict[str, SentenceModel] = {}
        self._guess: tuple[tuple[int, int, frozenset[str]], LabelGuess | None] | None = None

    def for_sentence(
        self, text: str, spans: list[dict[str, Any]], labelled: Callable[[str, str], bool]
    ) -> list[Suggestion]:
        """Cue phrases and learned phrases in ``text`` not already applied there: a span of
        the same label overlapping it (``spans`` as ``Session.spans`` gives them), or the
        sentence label (``labelled(set, label)``)."""
        out: list[Suggestion] = []
        for m in self.phrases.match(text):
            if any(
                s["rs"] < m.end and m.start < s["re"] and (s["label_set"], s["label"]) ==
                (m.label_set, m.label) for s in spans
            ):
                continue
            ls = self.scheme.label_set(m.label_set)
            if ls is None or ls.level == "document":
                continue
            if ls.level == "sentence" and labelled(m.label_set, m.label):
                continue
            out.append(Suggestion(m.start, m.end, m.label_set, m.label, m.source, m.count))
        out.sort(key=lambda g: (g.start, g.end, g.label))
        return out

    def apply(self, learned: Learned, sentence: tuple[int, str, list[dict[str, Any]]] | None
              ) -> None:
        """Take in what :func:`learn` returned (on the session's own thread); ``sentence``:
        the one on screen (id, text, spans), whose spans may have changed while it read."""
        if learned.spans is not None:
            self.phrases.load(learned.spans)
            if learned.rejected is not None:
                self.phrases.set_rejected(learned.rejected)
            if sentence is not None:  # a span deleted here while the worker read: forget it
                self.phrases.sync(*sentence)
        if learned.models is not None:
            self.models = learned.models

    def label_guess(
        self, sentence_id: int, text: str, answered: frozenset[str]
    ) -> LabelGuess | None:
        """The most confident model's guess for a sentence, among sets not in ``answered``
        (None: no model, or every model says "no label"). Remembered for the sentence: the
        screen asks on every redraw."""
        key = (sentence_id, id(self.models), answered)
        if self._guess is not None and self._guess[0] == key:
            return self._guess[1]
        best: LabelGuess | None = None
        for set_name, model in self.models.items():
            if set_name in answered:
                continue
            guess = model.guess(text)
            if guess is not None and (best is None or guess.confidence > best.confidence):
                best = guess
        self._guess = (key, best)
        return best


# ---------------------------------------------------------------------- sentence labels
@dataclass(frozen=True)
class LabelGuess:
    """A sentence set's most likely label for a sentence, with the model's probability."""

    label_set: str
    label: str
    confidence: float


@dataclass(frozen=True)
class SentenceModel:
    """A trained classifier for one sentence set (``NONE`` among its classes)."""

    label_set: str
    pipeline: Any
    n_examples: int

    def guess(self, text: str) -> LabelGuess | None:
        """The most likely label, or None when "no label" is the most likely answer."""
        probs = self.pipeline.predict_proba([text])[0]
        best = int(probs.argmax())
        label = str(self.pipeline.classes_[best])
        if label == NONE:
            return None
        return LabelGuess(self.label_set, label, float(probs[best]))


def model_available() -> bool:
    """Whether scikit-learn is installed (without importing it: that takes a second)."""
    return find_spec("sklearn") is not None


def sentence_examples(
    store: Store, scheme: Scheme, annotator_id: int, versions: Mapping[int, Collection[str]]
) -> dict[str, list[tuple[str, str]]]:
    """label set -> (sentence text, label or ``NONE``) of every sentence this annotator
    answered for the set (done under a version that has it; a sentence with two labels gives
    two examples). Fast reads, for the caller's thread."""
    out: dict[str, list[tuple[str, str]]] = {}
    for ls in scheme.label_sets:
        if ls.level != "sentence":
            continue
        answering = [sid for sid, names in versions.items() if ls.name in names]
        done = store.progress.done_sentences(annotator_id, answering)
        if len(done) < MIN_EXAMPLES:  # too few to train: spare the read of the labels
            out[ls.name] = []
            continue
        labels = store.annotations.own_sentence_labels(annotator_id, ls.name, list(versions))
        known = {lab.name for lab in ls.labels}
        examples: list[tuple[str, str]] = []
        for sid, text in done:
            mine = [lab for lab in labels.get(sid, ()) if lab in known]
            examples.extend((text, lab) for lab in mine or [NONE])
        out[ls.name] = examples
    return out


def train_sentence_model(
    label_set: str, examples: Sequence[tuple[str, str]]
) -> SentenceModel | None:
    """A classifier over folded character n-grams (robust to accents, typography and French
    inflection, and quick on a few thousand sentences), or None below the minimum of examples
    or with a single class. Needs scikit-learn; touches no database (runs in a worker)."""
    labelled = sum(1 for _, lab in examples if lab != NONE)
    classes = {lab for _, lab in examples}
    if len(examples) < MIN_EXAMPLES or labelled < MIN_LABELLED or len(classes) < 2:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(
        TfidfVectorizer(
            preprocessor=fold, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
            min_df=1, max_features=200_000,
        ),
        LogisticRegression(max_iter=1000, C=10.0),
    )
    pipeline.fit([t for t, _ in examples], [lab for _, lab in examples])
    return SentenceModel(label_set, pipeline, len(examples))


def train_sentence_models(
    examples: dict[str, list[tuple[str, str]]],
) -> dict[str, SentenceModel]:
    """One model per sentence set that has enough examples (see :func:`train_sentence_model`)."""
    models: dict[str, SentenceModel] = {}
    for label_set, rows in examples.items():
        model = train_sentence_model(label_set, rows)
        if model is not None:
            models[label_set] = model
    return models


def enough_examples(examples: dict[str, list[tuple[str, str]]]) -> bool:
    """Whether any set has enough examples to train (so the missing-extra hint is worth
    showing, and the worker worth starting)."""
    return any(
        len(rows) >= MIN_EXAMPLES and sum(1 for _, lab in rows if lab != NONE) >= MIN_LABELLED
        for rows in examples.values()
    )


# ---------------------------------------------------------------------- learning, in one go
SpanRow = tuple[str, int, str, str, int, int, str]
"""(uid, sentence id, label set, label, start, end in the sentence, text): a learned span."""


@dataclass
class Learned:
    """What :func:`learn` read and computed, for ``Session.apply_learned`` to take in."""

    spans: list[SpanRow] | None = None
    rejected: dict[int, list[Rejection]] | None = None  # by finished sentence
    models: dict[str, SentenceModel] | None = None
    missing_extra: bool = False  # enough examples for a model, but no scikit-learn


def learn(
    store: Store,
    scheme: Scheme,
    annotator_id: int,
    versions: Mapping[int, Collection[str]],
    complete: Sequence[int],
    *,
    spans: bool = True,
    models: bool = True,
) -> Learned:
    """Read this annotator's spans and finished sentences, replay the rejections and train the
    sentence-label models. Slow on a big database (seconds for 400,000 spans, plus the
    training), so the screen runs it in a worker thread with a Store of its own
    (``Store.reopen``); it only reads, and returns data for the screen's thread to apply.
    ``spans`` false: the models only (the session keeps its phrases in step by itself)."""
    out = Learned()
    if spans:
        probe = PhraseSuggester(scheme)
        out.spans = store.annotations.own_span_texts(annotator_id, list(versions),
                                                     probe.span_sets)
        probe.load(out.spans)
        if probe.tracked:
            done = store.progress.done_sentences(annotator_id, complete)
            out.rejected = rejections_by_sentence(
                probe.lexicon, ((sid, text, probe.spans_of(sid)) for sid, text in done)
            )
    if models:
        examples = sentence_examples(store, scheme, annotator_id, versions)
        if enough_examples(examples):
            if model_available():
                out.models = train_sentence_models(examples)
            else:
                out.missing_extra = True
    return out
