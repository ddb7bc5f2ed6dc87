"""What the annotation screen learns in the background: rejected phrases and sentence labels.

Two pieces of learning take too long for a key press, so they run in a Textual thread worker:
replaying, over the annotator's finished sentences, which learned phrases they left unmarked
(``core.suggest.replay_rejections``: a pass of the matcher per sentence), and training the
sentence-label models (``services.suggest``; importing scikit-learn alone takes a second).
The database is read on the screen's thread (a few indexed queries: the SQLite connection
belongs to it), the worker touches no database and no live object, and its results reach the
session through ``call_from_thread``, followed by a redraw. Run at start, and again after
every ``RETRAIN_EVERY`` sentences marked done (rejections made meanwhile are counted at once
by ``Session.mark_done``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.suggest import replay_rejections
from annotator.services.suggest import (
    HINT,
    SentenceModel,
    enough_examples,
    model_available,
    sentence_examples,
    train_sentence_models,
)

if TYPE_CHECKING:
    from annotator.tui.app import AnnotateScreen

RETRAIN_EVERY = 10

Rejections = dict[tuple[tuple[str, ...], str, str], int]


class SuggestionLearner:
    """Keeps ``session.models`` and the phrase rejections learned from the annotator's own
    finished sentences."""

    def __init__(self, screen: AnnotateScreen) -> None:
        self.screen = screen
        self.done_since = 0
        self.hinted = False
        self.replayed = False

    def done_marked(self) -> None:
        """A sentence was marked done: retrain once enough new answers came in."""
        self.done_since += 1
        if self.done_since >= RETRAIN_EVERY:
            self.start()

    def start(self) -> None:
        self.done_since = 0
        s = self.screen.session
        examples = sentence_examples(s.store, s.scheme, s.annotator_id, s.versions.sets)
        train = enough_examples(examples)
        if train and not model_available():
            train = False
            if not self.hinted:
                self.hinted = True
                self.screen.say(HINT, "$text-muted")
                self.screen.redraw()
        replay = None
        if not self.replayed and s.phrases.tracked:  # once: later ones count as they happen
            done = s.store.progress.done_sentences(s.annotator_id, s.complete_versions)
            replay = s.phrases.replay_input(done) if done else None
            self.replayed = True
        if replay is None and not train:
            return
        app = self.screen.app

        def work() -> None:
            try:
                rejections = replay_rejections(*replay) if replay is not None else None
                models = train_sentence_models(examples) if train else None
            except Exception as exc:  # learning is a convenience: say why, keep annotating
                app.call_from_thread(self.failed, exc)
                return
            app.call_from_thread(self.ready, rejections, models)

        self.screen.run_worker(work, thread=True, exclusive=True, group="learning",
                               exit_on_error=False)

    def ready(self, rejections: Rejections | None, models: dict[str, SentenceModel] | None) -> None:
        s = self.screen.session
        if rejections is not None:
            s.phrases.lexicon.set_rejections(rejections)
        if models is not None:
            s.models = models
        self.screen.redraw()

    def failed(self, exc: Exception) -> None:
        self.screen.say(f"learning from your answers failed: {exc}", "$warning")
        self.screen.redraw()
