"""Text helpers for the annotation screen: words, occurrences, selection moves, fuzzy ranking.

Offsets here are relative to the sentence (Python string indices); the screen adds the sentence's
start to store document offsets.

Words follow a French reader: an apostrophe (typed ``'`` or printed ``’``) or a hyphen (also the
non-breaking one) inside a word joins it, so « d’énormes », « aujourd’hui » and « néo‑nazis » are
one word each for moving and extending; but the letter right after an elision's apostrophe is
also a place a span may start (« énormes » in « d’énormes » is a fine span). Punctuation is never
a word: word moves jump over it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from annotator.core.fold import find

# Characters that join two parts of one word: apostrophes (typed and typographic), hyphens
# (typed, Unicode hyphen, non-breaking hyphen). Dashes (– —) separate words.
APOSTROPHES = "'\u2019\u02bc\u2018"
HYPHENS = "\\-\u2010\u2011"
WORD = re.compile(rf"\w+(?:[{APOSTROPHES}{HYPHENS}]\w+)*")


def words(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) of each word; punctuation is not a word (extend by characters)."""
    found = [(m.start(), m.end()) for m in WORD.finditer(text)]
    if not found and text.strip():
        stripped = len(text) - len(text.lstrip())
        found = [(stripped, len(text.rstrip()))]
    return found


def occurrences(text: str, query: str) -> list[tuple[int, int]]:
    """Every occurrence of ``query`` in ``text`` (non-overlapping, in order), matched the way a
    keyboard types: case, accents, typographic apostrophes, quotes, dashes and non-breaking
    spaces folded (:func:`annotator.core.fold.find`); offsets are the original text's."""
    return find(text, query)


def first_choice(text: str, matches: Sequence[tuple[int, int]]) -> int:
    """Which of ``matches`` the find bar selects first: a whole word (« et » is the word et,
    not the start of « étrangères »), else the start of a word (a prefix names a word: « cr »
    is « crient », not « sacré »), else the first one."""
    ws = words(text)
    whole = set(ws)
    starts = {s for s, _ in ws}
    for good in (lambda m: m in whole, lambda m: m[0] in starts):
        hit = next((i for i, m in enumerate(matches) if good(m)), None)
        if hit is not None:
            return hit
    return 0


def word_index_at(spans: Sequence[tuple[int, int]], offset: int) -> int:
    """Index of the word containing (or first after) ``offset``; the last word if none after."""
    for i, (_s, e) in enumerate(spans):
        if offset < e:
            return i
    return max(0, len(spans) - 1)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a selection so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def fuzzy_score(query: str, name: str) -> int | None:
    """Rank ``name`` for ``query`` (lower is better), None when the letters do not appear in order.

    Prefix beats word-initial matches, which beat loose subsequences; case and ``_`` are ignored.
    """
    q = query.lower().replace(" ", "").replace("_", "")
    n = name.lower()
    flat = n.replace("_", "").replace(" ", "").replace("-", "")
    if not q:
        return 0
    if flat.startswith(q):
        return 1
    initials = "".join(w[0] for w in re.split(r"[_\s\-]+", n) if w)
    if initials.startswith(q):
        return 2
    if q in flat:
        return 3
    pos = 0
    gaps = 0
    for ch in q:
        found = flat.find(ch, pos)
        if found < 0:
            return None
        gaps += found - pos
        pos = found + 1
    return 10 + gaps


def hint_codes(names: Iterable[str], preferred: Iterable[str | None] = ()) -> list[str]:
    """A short unique code per name, so that picker key + code + enter reaches any label in three
    keystrokes. A label's own quick key is its code when free; then the name's initial, its
    other letters, digits; two characters only when more than 36 labels compete."""
    names = list(names)
    prefs = list(preferred) + [None] * len(names)
    pool = "abcdefghijklmnopqrstuvwxyz0123456789"
    used: set[str] = set()
    codes: list[str | None] = [None] * len(names)
    for i, pref in enumerate(prefs[: len(names)]):
        if pref and pref.lower() in pool and pref.lower() not in used:
            codes[i] = pref.lower()
            used.add(pref.lower())
    for i, name in enumerate(names):
        if codes[i] is not None:
            continue
        letters = [c for c in name.lower() if c.isalnum() and c.isascii()]
        choice = next((c for c in [*letters, *pool] if c not in used), None)
        if choice is None:
            choice = next(a + b for a in pool for b in pool if a + b not in used)
        used.add(choice)
        codes[i] = choice
    return [c or "" for c in codes]


Selection = tuple[int, int]


def first_word(text: str) -> Selection | None:
    ws = words(text)
    return ws[0] if ws else None


def word_at(text: str, offset: int) -> Selection | None:
    """The word at ``offset`` (the one containing it, else the next one, else the last one)."""
    ws = words(text)
    return ws[word_index_at(ws, offset)] if ws else None


def _part_start(text: str, word: Selection, at: int) -> int:
    """Where a span starting at ``at`` inside ``word`` begins: right after an elision's
    apostrophe (« d’|énormes ») when there is one before ``at``, else at the word's start."""
    s, _e = word
    for i in range(at, s, -1):
        if text[i - 1] in APOSTROPHES:
            return i
    return s


def snap(text: str, sel: Selection) -> Selection:
    """The selection widened to whole words: an end inside a word goes to the word's end, a start
    inside a word to its start (or to just after an elision, « d’|énormes »); spaces and
    punctuation at either edge are left out. Unchanged when it holds no word at all."""
    start, end = sel
    inside = [w for w in words(text) if w[1] > start and w[0] < end]
    if not inside:
        return sel
    first, last = inside[0], inside[-1]
    new_start = _part_start(text, first, start) if first[0] < start else first[0]
    return (new_start, last[1])


def move_word(text: str, sel: Selection, step: int) -> Selection:
    """Collapse the selection onto the ``step``-th next (step>0) or previous word."""
    ws = words(text)
    if not ws:
        return sel
    i = word_index_at(ws, sel[1] - 1 if step > 0 else sel[0])
    i = max(0, min(len(ws) - 1, i + step))
    return ws[i]


def extend_word(text: str, sel: Selection, step: int) -> Selection:
    """shift+right: the end moves to the next word's end (``step`` times; an end inside a word
    first reaches that word's end). shift+left: the end moves back to the previous word's end,
    or, when the selection is a single word, the start extends to the previous word."""
    ws = words(text)
    for _ in range(abs(step)):
        sel = _extend_once(ws, sel, 1 if step > 0 else -1)
    return sel


def _extend_once(ws: Sequence[tuple[int, int]], sel: Selection, step: int) -> Selection:
    start, end = sel
    if step > 0:
        nxt = next((e for s, e in ws if e > end), None)
        return (start, nxt) if nxt is not None else sel
    prev_end = max((e for s, e in ws if start < e < end), default=None)
    if prev_end is not None:
        return (start, prev_end)
    prev_start = max((s for s, e in ws if s < start), default=None)
    return (prev_start, end) if prev_start is not None else sel


def take_words(text: str, sel: Selection, more: int = 0) -> Selection:
    """The words a typed match touches (see :func:`snap`), then ``more`` words after them
    (``more`` < 0: before them). Typing « cr » then shift+right takes « crient au »: the word
    being typed counts as taken, as a reader means it."""
    start, end = snap(text, sel)
    ws = words(text)
    if more > 0:
        after = [e for s, e in ws if s >= end]
        if after:
            end = after[min(more, len(after)) - 1]
    elif more < 0:
        before = [s for s, e in ws if e <= start]
        if before:
            start = before[max(more, -len(before))]
    return (start, end)


_CLAUSE_BREAK = re.compile(r"[,;:.!?…«»“”()\[\]]|\s[\u2013\u2014]\s|\n")


def clause_end(text: str, sel: Selection) -> Selection:
    """shift+down: the end moves to the last word before the next clause break (comma, colon,
    semicolon, full stop, quote, bracket, dash between spaces), or of the clause after when the
    end is already there."""
    start, end = sel
    new_end: int | None = None
    prev = end
    for s, e in words(text):
        if e <= end:
            continue
        if new_end is not None and _CLAUSE_BREAK.search(text, max(prev, end), max(s, end)):
            break
        new_end, prev = e, e
    return (start, new_end) if new_end is not None else sel


def clause_start(text: str, sel: Selection) -> Selection:
    """shift+up: the start moves back to the first word after the previous clause break, or of
    the clause before when the start is already there."""
    start, end = sel
    new_start: int | None = None
    nxt = start
    for s, e in reversed(words(text)):
        if s >= start:
            continue
        if new_start is not None and _CLAUSE_BREAK.search(text, min(e, start), min(nxt, start)):
            break
        new_start, nxt = s, s
    return (new_start, end) if new_start is not None else sel


def nudge(text: str, sel: Selection, edge: str, step: int) -> Selection:
    """Move one edge of the selection by one character (never empty, never outside the text)."""
    start, end = sel
    if edge == "end":
        end = max(start + 1, min(len(text), end + step))
    else:
        start = max(0, min(end - 1, start + step))
    return (start, end)


def clip_start(text: str, n: int) -> str:
    """The last ``n`` characters of ``text``, with an ellipsis when cut."""
    text = text.replace("\n", " ")
    return text if len(text) <= n else "…" + text[len(text) - n + 1 :]


def clip_end(text: str, n: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"
