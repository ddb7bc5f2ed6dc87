"""Folding French news text for matching, with offsets that stay exact in the original.

Why: coders type on a keyboard what an article printed with typography. « d'énormes » must find
« d’énormes », « enormes » must find « énormes », « neo-nazis » must find « néo‑nazis » (a
non-breaking hyphen) and a non-breaking space must match a space. Matching therefore runs on a
folded copy of the text, and every folded character remembers the original character it came
from, so a match maps back to half-open offsets into the stored text: the span saved is always
the article's own characters, never the folded ones.

One home for this rule: the `s` bar, the `/` search's highlighting and the learned suggestions
all call here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Typographic variants a keyboard does not type, mapped to what it does type.
_APOSTROPHES = "\u2019\u2018\u02bc\u02bb\u2032\u00b4\u0060\u2035"
_DOUBLE_QUOTES = "\u00ab\u00bb\u201c\u201d\u201e\u201f\u2033\u2039\u203a"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe63\uff0d"
_SPACES = "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width characters

_TABLE: dict[str, str] = {}
_TABLE.update({c: "'" for c in _APOSTROPHES})
_TABLE.update({c: '"' for c in _DOUBLE_QUOTES})
_TABLE.update({c: "-" for c in _DASHES})
_TABLE.update({c: " " for c in _SPACES})
_TABLE.update({c: "" for c in _INVISIBLE})
_TABLE.update({"\u0153": "oe", "\u0152": "oe", "\u00e6": "ae", "\u00c6": "ae"})


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """What one character matches as: lower case, no accents, keyboard punctuation.

    May be empty (soft hyphen, zero-width space) or longer than one character (œ -> oe, ß -> ss).
    """
    if char in _TABLE:
        return _TABLE[char]
    if char.isascii():
        return char.lower()
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_TABLE.get(c, c) for c in bare.casefold())


def fold(text: str) -> str:
    """The folded form of ``text`` (for keys and comparisons where offsets are not needed)."""
    if text.isascii() and "`" not in text:  # the backtick is the one ASCII apostrophe variant
        return text.lower()
    return "".join(fold_char(c) for c in text)


@dataclass(frozen=True)
class Folded:
    """A folded copy of a text and, for each folded character, the original index it came from.

    ``origin`` has one entry more than ``text``: the original length, so that a match ending at
    the end of the folded text maps to the end of the original.
    """

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original half-open offsets of the folded range [start, end).

        The end maps past the last original character the range touches, so a match ending
        inside an expansion (the ``o`` of ``œ`` -> ``oe``) still covers the whole character.
        """
        if end <= start:
            at = self.origin[start]
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def fold_with_offsets(text: str) -> Folded:
    """Fold ``text`` and keep where each folded character came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = fold_char(char)
        out.append(folded)
        origin.extend([i] * len(folded))
    origin.append(len(text))
    return Folded("".join(out), tuple(origin))


def find(text: str, query: str, *, whole_words: bool = False) -> list[tuple[int, int]]:
    """Every occurrence of ``query`` in ``text`` under folding, as original offsets.

    Non-overlapping, in order. Runs of spaces in the query match any run of spacing in the text
    (a line break or a non-breaking space included). With ``whole_words`` the match may neither
    start nor end inside a word.
    """
    q = fold(query).strip()
    if not q:
        return []
    folded = fold_with_offsets(text)
    pattern = r"\s+".join(re.escape(part) for part in q.split())
    if whole_words:
        pattern = r"(?<!\w)" + pattern + r"(?!\w)"
    return [folded.span(m.start(), m.end()) for m in re.finditer(pattern, folded.text)]


_WORD_SPLIT = re.compile(r"[\s'\-]+")


def inflection_key(phrase: str) -> str:
    """A key equal for light French variants of one phrase: néo-nazis, néonazi, Néo‑nazis.

    Folds, joins hyphenated or apostrophed parts, and drops a final plural -s or -x of each word
    longer than three letters (so « pays » and « choix » lose a letter too, harmlessly: both forms
    of the key agree). Not a lemmatiser: a key to group what a coder would call the same phrase.
    """
    words: list[str] = []
    for chunk in fold(phrase).split():
        joined = _WORD_SPLIT.sub("", chunk)
        joined = re.sub(r"[^\w]", "", joined)
        if len(joined) > 3 and joined[-1] in "sx":
            joined = joined[:-1]
        if joined:
            words.append(joined)
    return " ".join(words)
