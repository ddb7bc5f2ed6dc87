"""What the annotation screen learns in the background from the annotator's own work.

Reading every span the annotator marked, replaying which learned phrases they passed over in
their finished sentences, and training the sentence-label models take from milliseconds to
seconds on a big database (importing scikit-learn alone takes one), so none of it runs on the
screen's thread: ``Session.learn`` runs in a Textual thread worker on a Store of its own (the
SQLite connection of the screen belongs to the screen's thread), reads only, and its result
reaches the session through ``call_from_thread`` (``Session.apply_learned``), followed by a
redraw. Until then the screen suggests the scheme's cues and the spans of the sentences shown.
Run at start; the models again after every ``RETRAIN_EVERY`` sentences marked done (phrases
and rejections are kept in step by the session itself meanwhile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.services.suggest import HINT, Learned

if TYPE_CHECKING:
    from annotator.tui.app import AnnotateScreen

RETRAIN_EVERY = 10


class SuggestionLearner:
    """Starts the learning worker and applies what it learned."""

    def __init__(self, screen: AnnotateScreen) -> None:
        self.screen = screen
        self.done_since = 0
        self.hinted = False
        self.spans_loaded = False

    def done_marked(self) -> None:
        """A sentence was marked done: retrain once enough new answers came in."""
        self.done_since += 1
        if self.done_since >= RETRAIN_EVERY:
            self.start()

    def start(self) -> None:
        self.done_since = 0
        session = self.screen.session
        app = self.screen.app
        spans = not self.spans_loaded

        def work() -> None:
            try:
                with session.store.reopen() as store:
                    learned = session.learn(store, spans=spans)
            except Exception as exc:  # learning is a convenience: say why, keep annotating
                app.call_from_thread(self.failed, exc)
                return
            app.call_from_thread(self.ready, learned)

        self.screen.run_worker(work, thread=True, exclusive=True, group="learning",
                               exit_on_error=False)

    def ready(self, learned: Learned) -> None:
        self.screen.session.apply_learned(learned)
        if learned.spans is not None:
            self.spans_loaded = True
        if learned.missing_extra and not self.hinted:
            self.hinted = True
            self.screen.say(HINT, "$text-muted")
        self.screen.redraw()

    def failed(self, exc: Exception) -> None:
        self.screen.say(f"learning from your answers failed: {exc}", "$warning")
        self.screen.redraw()
