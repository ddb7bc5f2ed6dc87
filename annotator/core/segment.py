"""French-aware sentence segmentation with exact character offsets.

Annotators tag sentences, so a split in the wrong place costs a wrong unit of work. The segmenter
is rule-based, pure Python and fast: one compiled regular expression finds every candidate
boundary (a run of ``. ! ? …`` with its closing quotes and brackets, or a line break) and a few
cheap checks around each candidate decide. Nothing scans the text character by character in
Python and no pattern can backtrack catastrophically (possessive quantifiers, and a cluster of
final punctuation can only start a match where such a cluster begins).

Rules, in short:

* Punctuation ends a sentence only when whitespace follows and the next text can start one
  (not a lowercase letter, not ``, ; : ) »``). So ``etc. et``, ``p. ex.``, URLs, e-mail
  addresses, ``3.5``, ``2,5`` and ``11 000`` never split, and ``« Où ? » demanda-t-il`` stays whole.
* Titles and abbreviations before a capital do not end a sentence (``M. Lavrov``, ``MM.``,
  ``Dr.``, ``av. J.-C.``, ``cf.``), nor do initials (``A. Dupont``, ``J.-P. Sartre``); page and
  number abbreviations before a digit neither (``p. 12``, ``n. 3``, ``oct. 2024``). A lone list
  number at the start of a unit (``1. Introduction``) does not split.
* Closing quotes and brackets after the punctuation stay with their sentence (``.»``, ``. »``,
  ``."``, ``.)``).
* A blank line (``\\n`` followed by a whitespace-only line) always ends a sentence and starts
  a new paragraph.
* A single line break ends the sentence when the line before ends with final punctuation (by
  the same checks as above, so ``M.`` at a line end does not) or has no final punctuation at all:
  news text has headline, tag, caption and "Lire aussi" lines that are units of their own. The
  sentence goes on over the line break only when the line clearly continues: it ends with
  ``,`` ``;`` an opening quote or bracket or a hyphen (and the next line is not a bullet), with
  ``:`` before a lowercase letter or an opening quote, or with a word before a line that starts
  in lowercase (and the line has at least four words, so a one-word heading such as
  "Étiquettes" above a lowercase tag line stays apart).

Paragraphs: when the text has blank lines, a paragraph is a blank-line-separated block. When it
has none, every line is a paragraph of its own (SemEval-style one-paragraph-per-line article
files), except that a line the rules above join to the previous one (a wrapped line) stays in
the previous line's paragraph. Indices count paragraphs that hold text, from 0, so they are
consecutive. Only ``\\n`` is a line break; ``\\r`` and other separators count as spaces, which
keeps ``\\r\\n`` text right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Segment", "segment"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence: half-open offsets into the text and its paragraph index."""

    start: int
    end: int
    paragraph: int


# Candidates: (1) a line-break run: inline whitespace, "\n", any further whitespace-only lines,
# and the next line's indentation; it may only start where a whitespace run starts. (2) A
# cluster of final punctuation (only where a cluster starts), its closing quotes/brackets, and
# then either inline whitespace before more text on the same line, or the end of the line.
_CANDIDATE = re.compile(
    r"(?P<nl>(?<![^\S\n])[^\S\n]*+\n(?:[^\S\n]*+\n)*+[^\S\n]*+)"
    r"|(?<![.!?…])(?P<p>[.!?…]++)"
    r"(?:[\x20\u00a0\u202f\u2009]?»|[”’)\]]|[\"'](?=[\s»”)\]]))*+"
    r"(?:(?P<ws>[^\S\n]++)(?=\S)|(?=[^\S\n]*+\n))"
)
_NONWS = re.compile(r"\S")
_BLANK_LINE = re.compile(r"\n[^\S\n]*+\n")
# Initials and dotted acronyms: A, J.-P, U.S.A (the final period is the candidate itself).
_INITIALS = re.compile(r"[^\W\d_](?:\.-?[^\W\d_])*")

# Abbreviations that are (almost) never sentence-final before a capital: titles and the like.
_TITLES = frozenset(
    "M MM Mme Mmes Mlle Mlles Mr Mrs Ms Dr Drs Pr Prof Pres Me Mgr St Ste Sts Stes Sr "
    "Gén Gal Col Cdt Lt Cpt Capt Sgt Adj Vve Bd bd Av av boul apr cf Cf ex resp réf Réf "
    "tél Tél vs viz env".split()
)
# Abbreviations that are not sentence-final before a number: p. 12, n. 3, oct. 2024.
_BEFORE_NUMBER = frozenset(
    "p pp n no nº Nº No vol Vol chap Chap art Art fig Fig t T tab ch éd Éd ca env dép "
    "janv Janv févr fév Févr Fév avr Avr juil Juil sept Sept oct Oct nov Nov déc Déc "
    "hab km mm cm kg".split()
)
# Characters that cannot begin a sentence (besides lowercase letters).
_NO_START = frozenset(",;:)]}»”’.!?%…")
_OPENERS = frozenset("«“‘([{\"'")
_BULLETS = frozenset("•‣◦▪▫●○■□–—-*·")
_LEAD_PUNCT = "«“‘([{\"'¿¡"
_TOKEN_WINDOW = 48


def _can_start(ch: str) -> bool:
    return not (ch.islower() or ch in _NO_START)


def _token_before(text: str, pos: int) -> str | None:
    """The whitespace-delimited token ending at ``pos``, without leading quotes and elisions.

    Returns None for a token longer than the window (an URL, a long word): never an abbreviation.
    """
    lo = pos - _TOKEN_WINDOW
    window = text[max(lo, 0) : pos]
    parts = window.rsplit(None, 1)
    if not parts:
        return ""
    if window[-1].isspace():
        return ""
    if len(parts) == 1 and lo > 0 and not window[0].isspace():
        return None
    tok = parts[-1].lstrip(_LEAD_PUNCT)
    for apostrophe in ("'", "’"):
        if apostrophe in tok:
            tok = tok.rsplit(apostrophe, 1)[1]
    return tok


def _ends_here(text: str, p0: int, cluster: str, nxt: int, unit_start: int) -> bool:
    """Does the punctuation cluster at ``p0`` end a sentence whose next text starts at ``nxt``?"""
    nc = text[nxt]
    if not _can_start(nc):
        return False
    if "!" in cluster or "?" in cluster or cluster != ".":
        return True
    tok = _token_before(text, p0)
    if not tok:
        return True
    if nc.isdigit() and tok in _BEFORE_NUMBER:
        return False
    if tok in _TITLES:
        return False
    if _INITIALS.fullmatch(tok):
        if tok.isupper():
            # A. Dupont, J.-P. Sartre: a name follows. Dotted acronyms (U.S.A.) and J.-C. may
            # end a sentence like any word.
            if "-" in tok:
                return tok == "J.-C" or not nc.isupper()
            if len(tok) == 1:
                return not nc.isupper() or _is_unit_start(text, p0 - 1, unit_start)
            return True
        if len(tok) <= 2 and _is_unit_start(text, p0 - len(tok), unit_start):
            return False  # "a. " at the start of a unit: a list marker
        return True
    if tok.isdigit() and len(tok) <= 3 and _is_unit_start(text, p0 - len(tok), unit_start):
        return False  # "1. Introduction": a list number, not a sentence
    return True


def _is_unit_start(text: str, pos: int, unit_start: int) -> bool:
    """Is ``pos`` the first non-space character of the unit that began at ``unit_start``?"""
    m = _NONWS.search(text, unit_start, pos + 1)
    return m is not None and m.start() == pos


def _line_continues(text: str, line_start: int, line_end: int, nxt: int) -> bool:
    """After a line without final punctuation, does the sentence go on over the line break?"""
    last = text[line_end - 1]
    first = text[nxt]
    if last in ",;-" or last in _OPENERS:
        return first not in _BULLETS
    if last == ":":
        return first.islower() or first in _OPENERS
    return first.islower() and text.count(" ", line_start, line_end) >= 3


def segment(text: str) -> list[Segment]:
    """Split ``text`` into sentences; see the module docstring for the rules."""
    first = _NONWS.search(text)
    if first is None:
        return []
    size = len(text.rstrip())
    by_block = _BLANK_LINE.search(text, first.start(), size) is not None

    out: list[Segment] = []
    append = out.append
    para = 0
    unit = first.start()  # where the current sentence begins (may be whitespace)
    unit_para = 0
    line_start = first.start()
    pending: tuple[int, int, str] | None = None  # line-final punctuation: (start, end, cluster)

    def emit(end: int) -> None:
        m = _NONWS.search(text, unit, end)
        if m is not None:
            append(Segment(m.start(), end, unit_para))

    for m in _CANDIDATE.finditer(text, first.start(), size):
        cluster = m.group("p")
        if cluster is not None:
            ws = m.start("ws")
            if ws < 0:
                # Final punctuation at the end of a line: decide at the line break.
                pending = (m.start(), m.end(), cluster)
            elif _ends_here(text, m.start(), cluster, m.end(), unit):
                emit(ws)
                unit = m.end()
                unit_para = para
            continue

        # A line break run.
        brk, nxt = m.start(), m.end()
        if nxt >= size:
            break
        blank = m.group().count("\n") > 1
        if blank:
            split = True
        elif pending is not None and pending[1] == brk:
            split = _ends_here(text, pending[0], pending[2], nxt, unit)
        else:
            split = not _line_continues(text, line_start, brk, nxt)
        pending = None
        line_start = nxt
        if split:
            emit(brk)
            if blank or not by_block:
                para += 1
            unit = nxt
            unit_para = para
    emit(size)
    return out
