"""The sentence-label models of the annotation screen, retrained in a thread worker.

Training takes from a fraction of a second to a few seconds (importing scikit-learn alone takes
one), so it never runs on the screen's thread: the examples are read there (a few indexed
queries: the SQLite connection belongs to that thread), the fitting runs in a Textual thread
worker, and the models reach the session through ``call_from_thread``, followed by a redraw.
Retrained at start and after every ``RETRAIN_EVERY`` sentences marked done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


class LabelModelTrainer:
    """Keeps ``session.models`` learned from the annotator's own answered sentences."""

    def __init__(self, screen: AnnotateScreen) -> None:
        self.screen = screen
        self.done_since = 0
        self.hinted = False

    def done_marked(self) -> None:
        """A sentence was marked done: retrain once enough new answers came in."""
        self.done_since += 1
        if self.done_since >= RETRAIN_EVERY:
            self.retrain()

    def retrain(self) -> None:
        self.done_since = 0
        s = self.screen.session
        examples = sentence_examples(s.store, s.scheme, s.annotator_id, s.versions.sets)
        if not enough_examples(examples):
            return
        if not model_available():
            if not self.hinted:
                self.hinted = True
                self.screen.say(HINT, "$text-muted")
                self.screen.redraw()
            return
        app = self.screen.app

        def train() -> None:
            try:
                models = train_sentence_models(examples)
            except Exception as exc:  # a model is a convenience: say why, keep annotating
                app.call_from_thread(self.failed, exc)
                return
            app.call_from_thread(self.ready, models)

        self.screen.run_worker(train, thread=True, exclusive=True, group="label-model",
                               exit_on_error=False)

    def ready(self, models: dict[str, SentenceModel]) -> None:
        self.screen.session.models = models
        self.screen.redraw()

    def failed(self, exc: Exception) -> None:
        self.screen.say(f"sentence-label suggestions unavailable: {exc}", "$warning")
        self.screen.redraw()
