r"""French-aware sentence segmentation with exact character offsets.

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
  ``Dr.``, ``av. J.-C. à``, ``cf.``), nor do initials and dotted acronyms before a name
  (``A. Dupont``, ``J.-P. Sartre``, ``J.A. Howe``), unless the next word is one that opens
  sentences (``Louis I. Il ...``, ``aux U.S.A. Les ...``). Page and number abbreviations before a
  digit do not end one either (``p. 12``, ``art. 3``, ``L. 642-3``, ``oct. 2024``), nor does a list
  number or letter opening a unit (``1. Introduction``) or an omission mark (``(...)``, ``[…]``).
* Closing quotes and brackets after the punctuation stay with their sentence (``.»``, ``. »``,
  ``."``, ``.)``). A straight quote with spaces on both sides (``. " Il``) closes when it is
  the odd one on its line, or when no later quote could pair with it as an opener.
* A short parenthesis that ends its line after a full stop is a credit and stays with the
  sentence (``... le 25 avril. (AFP)``).
* ``;`` ends a sentence only before a capitalised word that typically opens one (``; Il``,
  ``; Les``) or a bullet: list items and run-on text; ``; Paris`` stays inside.
* A blank line (``\n`` followed by a whitespace-only line) always ends a sentence and starts
  a new paragraph.
* A single line break ends the sentence when the line before ends with final punctuation (by
  the same checks as above, so ``M.`` at a line end does not) or has no final punctuation at all:
  news text has headline, tag, caption and "Lire aussi" lines that are units of their own. The
  sentence goes on over the line break only when the line clearly continues: it ends with
  ``,`` a hyphen or an opening quote or bracket (and the next line is not a bullet), with ``;``
  (unless a bullet or a sentence opener follows), with ``:`` before a lowercase letter or an
  opening quote, or with a word before a line that starts in lowercase (and the line has at
  least four words, so a one-word heading such as "Étiquettes" above a lowercase tag line
  stays apart). A hard-wrapped sentence whose next line starts with a capital (a name) is
  therefore split: in news text such a line is far more often a headline.

Paragraphs: when the text has blank lines, a paragraph is a blank-line-separated block. When it
has none, every line is a paragraph of its own (SemEval-style one-paragraph-per-line article
files), except that a line the rules above join to the previous one (a wrapped line) stays in
the previous line's paragraph. Indices count paragraphs that hold text, from 0, so they are
consecutive. Only ``\n`` is a line break; ``\r`` and other separators count as spaces, which
keeps ``\r\n`` text right.
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


# Candidates, found by one scan that starts only at "\n", final punctuation or ";" (so the regex
# engine skips ahead with its first-character set): (1) a line-break run: "\n", any further
# whitespace-only lines and the next line's indentation. (2) A cluster of final punctuation (or
# a ";"), matched only where a cluster starts, its closing quotes and brackets, then either
# inline whitespace before more text on the same line, or the end of the line.
_CANDIDATE = re.compile(
    r"[\n.!?…;](?:"
    r"(?<=\n)(?:[^\S\n]*+\n)*+[^\S\n]*+"
    r"|(?<![.!?…].)(?P<p>[.!?…]*+)"
    r"(?:[\x20\u00a0\u202f\u2009]?»|[”’)\]]|[\"'](?=[\s»”)\]]))*+"
    r"(?:(?P<ws>[^\S\n]++)(?=\S)|(?=[^\S\n]*+\n))"
    r")"
)
_NONWS = re.compile(r"\S")
_BLANK_LINE = re.compile(r"\n[^\S\n]*+\n")
_WORD = re.compile(r"[^\W\d_]+['’]?")
# Initials and dotted acronyms: A, J.-P, U.S.A (the final period is the candidate itself).
_INITIALS = re.compile(r"[^\W\d_](?:\.-?[^\W\d_])*")

# Abbreviations that are (almost) never sentence-final before a capital: titles and the like.
_TITLES = frozenset(
    """M MM Mme Mmes Mlle Mlles Mr Mrs Ms Dr Drs Pr Prof Me Mgr St Ste Sts Stes Sr Gén Gal Col
    Cdt Lt Cpt Capt Sgt Adj Vve Bd bd Av av boul apr cf Cf ex resp réf Réf tél Tél vs viz
    env""".split()  # noqa: SIM905 - a word list reads better than a list literal
)
# Abbreviations that are not sentence-final before a number: p. 12, n. 3, oct. 2024.
_BEFORE_NUMBER = frozenset(
    """p pp n no nº Nº No vol Vol chap Chap art Art fig Fig t T tab ch éd Éd ca env dép janv
    Janv févr fév Févr Fév avr Avr juil Juil sept Sept oct Oct nov Nov déc Déc hab km mm cm
    kg""".split()  # noqa: SIM905
)
# Capitalised words that usually open a sentence and are not names: after an initial
# ("Louis I. Il ...", "la classe A. Les ..."), such a word means the sentence did end.
_SENTENCE_OPENERS = frozenset(
    """Il Ils Elle Elles On Nous Vous Je J' Tu Le La Les L' Un Une Des Du De D' Ce Cet Cette
    Ces C' Ceci Cela Ça Mais Et Ou Donc Or Car Ni En Dans Pour Par Sur Sous Avec Sans Selon
    Au Aux À Si Depuis Après Avant Lors Alors Puis Enfin Cependant Pourtant Ainsi Son Sa Ses
    Leur Leurs Mon Ma Mes Notre Nos Votre Vos Qui Que Qu' Quand Comme Chaque Tout Toute Tous
    Toutes Voici Voilà Toutefois Néanmoins Ensuite Entre Vers Contre
    The This It He She They We""".split()  # noqa: SIM905
)
# Characters that cannot begin a sentence (besides lowercase letters).
_NO_START = frozenset(",;:)]}»”’.!?%…")
_OPENERS = frozenset("«“‘([{")
_BULLETS = frozenset("•‣◦▪▫●○■□–—-*·")
_LEAD_PUNCT = "«“‘([{\"'¿¡"
_TOKEN_WINDOW = 24


def _can_start(ch: str) -> bool:
    return not (ch.islower() or ch in _NO_START)


def _token_before(text: str, pos: int) -> str | None:
    """The whitespace-delimited token ending at ``pos``, without leading quotes and elisions.

    Returns None for a token longer than the window (an URL, a long word): never an abbreviation.
    """
    lo = pos - _TOKEN_WINDOW
    window = text[max(lo, 0) : pos]
    if not window or window[-1].isspace():
        return ""
    parts = window.rsplit(None, 1)
    if len(parts) == 1 and lo > 0:
        return None
    tok = parts[-1].lstrip(_LEAD_PUNCT)
    for apostrophe in ("'", "’"):
        if apostrophe in tok:
            tok = tok.rsplit(apostrophe, 1)[1]
    return tok


def _opens_sentence(text: str, pos: int) -> bool:
    """Is the word at ``pos`` one that typically opens a sentence (Il, Les, Mais, L'...)?"""
    m = _WORD.match(text, pos)
    return m is not None and m.group().replace("’", "'") in _SENTENCE_OPENERS


def _is_credit(text: str, pos: int) -> bool:
    """Is ``pos`` a short parenthesis that ends its line, like a photo credit "(AFP)"?"""
    close = text.find(")", pos, pos + 80)
    if close < 0:
        return False
    inside = text[pos:close]
    if "." in inside or "!" in inside or "?" in inside:
        return False
    rest = text[close + 1 : close + 40].lstrip(" \t\r\u00a0\u202f")
    return not rest or rest[0] == "\n"


def _ends_here(text: str, p0: int, cluster: str, nxt: int, unit: int) -> bool:
    """Does the punctuation cluster at ``p0`` end a sentence whose next text starts at ``nxt``?

    ``unit`` is where the current sentence began (possibly on whitespace).
    """
    nc = text[nxt]
    if not _can_start(nc):
        return False
    if p0 > 0 and text[p0 - 1] in "([":
        return False  # "(...)" or "[…]": an omission mark inside the sentence
    if nc == "(" and _is_credit(text, nxt):
        return False  # "... le 25 avril. (AFP)" keeps its credit
    if cluster == ";":
        # "; Il ..." : a capitalised sentence opener after a semicolon starts a new sentence
        # (lists, run-on items); "; Moscou ..." stays. A bullet after ";" starts an item.
        return nc in _BULLETS or _opens_sentence(text, nxt)
    if cluster != ".":
        return True
    if p0 >= 6 and text[p0 - 6 : p0].isalpha() and text[p0 - 6 : p0].islower():
        return True  # after a long lowercase word: no abbreviation is that long
    tok = _token_before(text, p0)
    if not tok:
        return True
    if nc.isdigit() and tok in _BEFORE_NUMBER:
        return False
    if tok in _TITLES:
        return False
    if _INITIALS.fullmatch(tok):
        if not tok.isupper():
            # a lowercase letter: "il y en a. Le ..." ends; "a. " opening a unit is a list mark
            return len(tok) > 1 or not _is_unit_start(text, p0 - 1, unit)
        if tok == "J.-C":
            return True  # av. J.-C. ends sentences like any word
        if len(tok) == 1 and _is_unit_start(text, p0 - 1, unit):
            return False  # "A. Introduction": a list letter
        if nc.isdigit():
            return len(tok) > 1  # "article L. 642-3"
        if nc.isupper() or nc == "(":
            # A. Dupont, J.-P. Sartre, J.A. Howe: a name follows, unless the next word is one
            # that opens sentences ("Louis I. Il ...", "aux U.S.A. Les ...").
            return _opens_sentence(text, nxt)
        return True
    # "1. Introduction": a list number opening the unit, not a sentence.
    return not (tok.isdigit() and len(tok) <= 3 and _is_unit_start(text, p0 - len(tok), unit))


def _is_unit_start(text: str, pos: int, unit: int) -> bool:
    """Is ``pos`` the first non-space character of the sentence that began at ``unit``?"""
    m = _NONWS.search(text, unit, pos + 1)
    return m is not None and m.start() == pos


def _line_continues(text: str, line_start: int, line_end: int, nxt: int) -> bool:
    """After a line without final punctuation, does the sentence go on over the line break?"""
    last = text[line_end - 1]
    first = text[nxt]
    if last == ";":
        return first not in _BULLETS and not _opens_sentence(text, nxt)
    if last in ",-" or last in _OPENERS:
        return first not in _BULLETS
    if last == ":":
        return first.islower() or first in _OPENERS or first == '"'
    return first.islower() and text.count(" ", line_start, line_end) >= 3


def segment(text: str) -> list[Segment]:
    """Split ``text`` into sentences; see the module docstring for the rules."""
    first = _NONWS.search(text)
    if first is None:
        return []
    size = len(text.rstrip())
    by_block = _BLANK_LINE.search(text, first.start(), size) is not None

    out: list[Segment] = []
    para = 0
    unit = first.start()  # where the current sentence begins (may be on whitespace)
    unit_para = 0
    line_start = first.start()
    pending = -1  # end of the punctuation that ends the current line, if any
    pending_at = 0
    pending_cluster = ""
    quotes = 0  # straight double quotes seen on this line before quotes_from
    quotes_from = first.start()

    for m in _CANDIDATE.finditer(text, first.start(), size):
        at = m.start()
        if text[at] != "\n":
            ws = m.start("ws")
            if ws < 0:
                # Final punctuation at the end of a line: decide at the line break.
                pending, pending_at, pending_cluster = m.end(), at, text[at : m.end("p")]
                continue
            nxt = m.end()
            end = ws
            if text[nxt] == '"' and text[nxt + 1 : nxt + 2].isspace():
                quotes += text.count('"', quotes_from, at)
                quotes_from = at
            if (
                text[nxt] == '"'
                and text[nxt + 1 : nxt + 2].isspace()
                and (quotes % 2 == 1 or text.find('"', nxt + 1, nxt + 400) < 0)
            ):
                # A spaced closing quote (". " Next"): it belongs to this sentence. It closes
                # when it is odd on its line, or when no quote follows that it could open.
                after = _NONWS.search(text, nxt + 1, size)
                if after is None:
                    continue
                end = nxt + 1
                nxt = after.start()
                if "\n" in text[end:nxt]:
                    continue  # the line break after the quote decides
            if _ends_here(text, at, text[at : m.end("p")], nxt, unit):
                s = _NONWS.search(text, unit, end)
                if s is not None:
                    out.append(Segment(s.start(), end, unit_para))
                unit = nxt
                unit_para = para
            continue

        # A line-break run.
        nxt = m.end()
        brk = at
        if brk > line_start and text[brk - 1].isspace():
            brk = line_start + len(text[line_start:brk].rstrip())
        if m.end() - at > 1 and text.count("\n", at, nxt) > 1:
            blank = split = True
        else:
            blank = False
            if pending == brk and pending_cluster != ";":
                split = _ends_here(text, pending_at, pending_cluster, nxt, unit)
            else:
                split = not _line_continues(text, line_start, brk, nxt)
        pending = -1
        line_start = quotes_from = nxt
        quotes = 0
        if split:
            s = _NONWS.search(text, unit, brk)
            if s is not None:
                out.append(Segment(s.start(), brk, unit_para))
            if blank or not by_block:
                para += 1
            unit = nxt
            unit_para = para
    s = _NONWS.search(text, unit, size)
    if s is not None:
        out.append(Segment(s.start(), size, unit_para))
    return out
