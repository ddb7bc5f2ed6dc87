"""Phrase suggestions: the scheme's cues and the coder's own spans, found again in new sentences.

Why: the same phrases recur across a corpus (« néo-nazis », « régime de Kiev »), and a coder
who marked one should not type it again in the next article. INCEpTION's string-matching
recommender and Prodigy's patterns do this; here one matcher serves both the scheme's cue
phrases and the phrases the coder already marked, so cues gain the same tolerance as learned
phrases (a cue « néo-nazis » finds « Néonazi »).

Matching is word by word on keys: each word of the text is folded (:mod:`annotator.core.fold`,
the one folding rule) and reduced by :func:`~annotator.core.fold.inflection_key` (plural -s/-x,
hyphen or none), and a phrase matches a run of consecutive words with the same keys. Offsets
stay those of the original text, so an accepted suggestion stores the article's own characters.
Punctuation between words is ignored (« néo-nazis, » matches « néo-nazis »); elided articles
are words of their own (« l’ennemi » is ``l`` + ``ennemi``).

Pure: no database, no screen. The session feeds it (services/annotation.py) and a benchmark
measures it (bench/suggest.py). Nothing here applies a label: a suggestion waits for a key.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotator.core.fold import fold_with_offsets, inflection_key

CUE = "cue"
LEARNED = "learned"

# A word for matching, on folded text: letters and digits, hyphenated parts joined (the folded
# text has every dash as "-" and every apostrophe as "'", which therefore splits words).
_TOKEN = re.compile(r"\w+(?:-\w+)*")

# Phrases made only of these words are not learned: a coder who marks « le » once (a slip, or
# the start of a longer span later corrected) must not see every « le » of the corpus suggested.
_FUNCTION_WORDS = (
    "à au aux avec ce ces cet cette d dans de des du elle en est et il ils je l la le les leur "
    "lui m ma mais me mon n ne nous on ou où par pas pour qu que qui s sa se son sont sur t te "
    "un une y vous"
)
FUNCTION_WORDS = frozenset(inflection_key(word) for word in _FUNCTION_WORDS.split(" "))


@dataclass(frozen=True)
class PhraseMatch:
    """One phrase of the lexicon found in a text (offsets into that text, half-open).

    ``source`` is ``"learned"`` when the coder marked this phrase with this label before
    (``count`` times), else ``"cue"`` (a cue of the scheme, ``count`` 0). ``phrase`` is the
    lexicon's key (to count a rejection)."""

    start: int
    end: int
    label_set: str
    label: str
    source: str
    count: int
    phrase: tuple[str, ...] = ()


def tokens(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` as (start, end, key): original offsets, inflection keys."""
    folded = fold_with_offsets(text)
    out: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(folded.text):
        key = inflection_key(m.group())
        if key:
            start, end = folded.span(m.start(), m.end())
            out.append((start, end, key))
    return out


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The key a phrase is stored under: its words' keys (empty for punctuation only)."""
    return tuple(key for _, _, key in tokens(phrase))


@dataclass
class _Entry:
    cue: bool = False
    learned: int = 0
    rejected: int = 0

    @property
    def trusted(self) -> bool:
        """A learned phrase is suggested while the coder used it at least as often as they
        left it unmarked in a sentence they finished (a common word marked once stops being
        suggested after it was passed over twice)."""
        return self.learned > 0 and self.rejected <= self.learned


class Lexicon:
    """Phrases with the (label set, label) they suggest, looked up by word n-grams.

    Cues are added once (:meth:`add_cue`); learned phrases are counted (:meth:`learn`,
    :meth:`forget`), so the coder deleting a span takes back exactly what adding it gave, and
    so are rejections (:meth:`reject`, :func:`unmarked`): a learned phrase left unmarked in
    finished sentences more often than it was used is no longer suggested (a cue still is).
    Updating costs a dictionary step, never a rebuild: the screen calls it after each span
    added or removed. :meth:`match` remembers its last answer, since the screen redraws the
    same sentence several times per key.
    """

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], dict[tuple[str, str], _Entry]] = {}
        self._lengths: Counter[int] = Counter()
        self.version = 0
        self._last: tuple[str, int, list[PhraseMatch]] | None = None

    def __len__(self) -> int:
        return len(self._phrases)

    def _entry(self, key: tuple[str, ...], label_set: str, label: str) -> _Entry:
        labels = self._phrases.get(key)
        if labels is None:
            labels = self._phrases[key] = {}
            self._lengths[len(key)] += 1
        return labels.setdefault((label_set, label), _Entry())

    def add_cue(self, phrase: str, label_set: str, label: str) -> None:
        key = phrase_key(phrase)
        if key:
            self._entry(key, label_set, label).cue = True
            self.version += 1

    def learn(self, phrase: str, label_set: str, label: str) -> bool:
        """Count one more use of ``phrase`` with this label; False when it is not learnable
        (punctuation, or function words only)."""
        key = phrase_key(phrase)
        if not key or all(word in FUNCTION_WORDS for word in key):
            return False
        self._entry(key, label_set, label).learned += 1
        self.version += 1
        return True

    def forget(self, phrase: str, label_set: str, label: str) -> None:
        """Take back one :meth:`learn` of ``phrase`` with this label (no-op when absent)."""
        key = phrase_key(phrase)
        labels = self._phrases.get(key)
        entry = labels.get((label_set, label)) if labels else None
        if labels is None or entry is None or entry.learned == 0:
            return
        entry.learned -= 1
        if not entry.learned and not entry.cue:
            del labels[(label_set, label)]
            if not labels:
                del self._phrases[key]
                self._lengths[len(key)] -= 1
                if not self._lengths[len(key)]:
                    del self._lengths[len(key)]
        self.version += 1

    def reject(self, phrase: tuple[str, ...], label_set: str, label: str, n: int = 1) -> None:
        """Count ``n`` finished sentences where the coder left a learned phrase unmarked (a
        negative ``n`` takes them back: the done mark was undone)."""
        labels = self._phrases.get(phrase)
        entry = labels.get((label_set, label)) if labels else None
        if entry is not None:
            entry.rejected = max(0, entry.rejected + n)
            self.version += 1

    def set_rejections(self, counts: dict[tuple[tuple[str, ...], str, str], int]) -> None:
        """Replace every rejection count (replayed over the coder's finished sentences)."""
        for labels in self._phrases.values():
            for entry in labels.values():
                entry.rejected = 0
        for (phrase, label_set, label), n in counts.items():
            self.reject(phrase, label_set, label, n)
        self.version += 1

    def copy(self) -> Lexicon:
        """An independent copy (for a worker thread to match with)."""
        other = Lexicon()
        other._phrases = {
            key: {k: _Entry(e.cue, e.learned, e.rejected) for k, e in labels.items()}
            for key, labels in self._phrases.items()
        }
        other._lengths = Counter(self._lengths)
        other.version = self.version
        return other

    def count(self, phrase: str, label_set: str, label: str) -> int:
        """How often the coder used ``phrase`` (any variant) with this label."""
        labels = self._phrases.get(phrase_key(phrase))
        entry = labels.get((label_set, label)) if labels else None
        return entry.learned if entry else 0

    def match(self, text: str) -> list[PhraseMatch]:
        """Every phrase of the lexicon in ``text``, in reading order.

        A match inside a longer match of the same label is left out (« nazis » inside
        « comme les nazis »): the longer phrase is what the coder marked before."""
        if self._last is not None and self._last[0] == text and self._last[1] == self.version:
            return self._last[2]
        found: list[PhraseMatch] = []
        if self._phrases:
            words = tokens(text)
            keys = [k for _, _, k in words]
            lengths = sorted(self._lengths, reverse=True)
            for i in range(len(words)):
                for n in lengths:
                    if i + n > len(words):
                        continue
                    labels = self._phrases.get(tuple(keys[i : i + n]))
                    if not labels:
                        continue
                    start, end = words[i][0], words[i + n - 1][1]
                    for (label_set, label), entry in labels.items():
                        if entry.trusted:
                            source, count = LEARNED, entry.learned
                        elif entry.cue:
                            source, count = CUE, 0
                        else:
                            continue
                        found.append(PhraseMatch(
                            start, end, label_set, label, source, count, tuple(keys[i : i + n])
                        ))
        found = _outermost(found)
        self._last = (text, self.version, found)
        return found


def unmarked(
    matches: list[PhraseMatch], spans: list[tuple[int, int, str, str]]
) -> list[PhraseMatch]:
    """The learned matches of a finished sentence that the coder left unmarked: no span of
    theirs with that label overlaps it (``spans``: (start, end, label set, label))."""
    return [
        m for m in matches
        if m.source == LEARNED and not any(
            s < m.end and m.start < e and (ls, lab) == (m.label_set, m.label)
            for s, e, ls, lab in spans
        )
    ]


Rejection = tuple[tuple[str, ...], str, str]
"""(phrase key, label set, label): one learned phrase left unmarked in one finished sentence."""


def rejections_by_sentence(
    lexicon: Lexicon, sentences: Iterable[tuple[int, str, list[tuple[int, int, str, str]]]]
) -> dict[int, list[Rejection]]:
    """The rejections each finished sentence ((id, text, the coder's spans)) counts, by
    sentence id, so that undoing one done mark takes back exactly its own. Give it a copy
    (:meth:`Lexicon.copy`): its own rejections are cleared first, so a phrase is not hidden
    while its rejections are counted."""
    lexicon.set_rejections({})
    out: dict[int, list[Rejection]] = {}
    for sid, text, spans in sentences:
        found = [(m.phrase, m.label_set, m.label) for m in unmarked(lexicon.match(text), spans)]
        if found:
            out[sid] = found
    return out


def count_rejections(by_sentence: Mapping[int, list[Rejection]]) -> dict[Rejection, int]:
    """What :meth:`Lexicon.set_rejections` takes: how many finished sentences rejected each."""
    return dict(Counter(key for keys in by_sentence.values() for key in keys))


def replay_rejections(
    lexicon: Lexicon, sentences: list[tuple[str, list[tuple[int, int, str, str]]]]
) -> dict[Rejection, int]:
    """Rejection counts over finished sentences ((text, the coder's spans) pairs), as
    :func:`rejections_by_sentence` finds them."""
    return count_rejections(rejections_by_sentence(
        lexicon, ((i, text, spans) for i, (text, spans) in enumerate(sentences))
    ))


def _outermost(matches: list[PhraseMatch]) -> list[PhraseMatch]:
    """Drop each match lying inside another, longer match of the same label."""
    by_label: dict[tuple[str, str], list[PhraseMatch]] = {}
    for m in matches:
        by_label.setdefault((m.label_set, m.label), []).append(m)
    kept: list[PhraseMatch] = []
    for group in by_label.values():
        for m in group:
            if not any(
                o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) >
                (m.end - m.start) for o in group
            ):
                kept.append(m)
    kept.sort(key=lambda m: (m.start, m.end, m.label_set, m.label))
    return kept
