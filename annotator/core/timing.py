"""Active time per sentence: the time between key presses, with long pauses left out.

Kept free of Textual and SQLite so the rule (what counts as active time) is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

PAUSE_SECONDS = 180.0
"""A gap between two key presses longer than this is a pause (coffee, meeting) and not counted."""


@dataclass
class ActiveTimer:
    """Accumulates active seconds on the sentence being shown.

    ``start(t)`` when a sentence appears, ``touch(t)`` on every key press, ``take(t)`` when leaving
    the sentence: it returns the active seconds since ``start`` and starts counting afresh.
    A gap longer than ``pause`` between two events counts for nothing.
    """

    pause: float = PAUSE_SECONDS
    last: float | None = None
    seconds: float = 0.0

    def start(self, t: float) -> None:
        self.last = t
        self.seconds = 0.0

    def touch(self, t: float) -> None:
        if self.last is not None:
            gap = t - self.last
            if 0 < gap <= self.pause:
                self.seconds += gap
        self.last = t

    def take(self, t: float) -> float:
        self.touch(t)
        value = self.seconds
        self.seconds = 0.0
        return value
