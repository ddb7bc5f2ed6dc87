"""THE policy for untrusted text: what may reach a terminal, and what a name may contain.

Articles about propaganda are hostile text by nature, and annotation files travel between
people. A terminal obeys the control characters it is sent: ``ESC ] 52`` sets the clipboard,
``ESC ] 0`` the window title, ``ESC [`` moves the cursor and repaints, a carriage return
overwrites a line, and the bidi overrides (U+202A-U+202E, U+2066-U+2069) reverse what follows so
that a name reads as another. So:

- **Unsafe** characters are the C0 controls other than tab and newline (U+0000-U+001F, carriage
  return included), DEL (U+007F), the C1 controls (U+0080-U+009F: some terminals read U+009B as
  ``ESC [``) and the bidi embeddings, overrides and isolates.
- **Stored article text stays exactly as imported**: offsets index into it. Unsafe characters are
  made visible only where the text leaves for a terminal:
  :func:`visible` on every screen (one visible character per character, so the offsets of
  spans and selections are unchanged), :func:`escape` in everything a command prints
  (``\\u001b``: the JSON escape of the same character, so ``--json`` output stays valid JSON
  with the same data).
- **Metadata** of an article (title, source, url, id, date, language) is cleaned at import
  (:func:`clean_field`): unsafe characters are dropped, tabs and line breaks become spaces. It is
  a display string, and an invisible character in it only ever misleads.
- **Names** (annotators, label sets, labels) are identities: they are compared, grouped and used
  in file names, so they are refused, never cleaned (:func:`name_problem`): cleaning could make
  two people one.
"""

from __future__ import annotations

import os
import re
import stat

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Line-breaking characters a one-line name or field must not hold, beyond the unsafe ones.
_BREAKS = "\t\n\r\x0b\x0c\x85\u2028\u2029"
_SPACES_RE = re.compile(f"[{_BREAKS}]")

_PICTURES = {c: chr(0x2400 + c) for c in range(0x20)}  # ␀ ... ␟ (Control Pictures)
_PICTURES[0x7F] = "\u2421"  # ␡
REPLACEMENT = "\ufffd"  # C1 controls and bidi overrides have no picture of their own


def is_unsafe(char: str) -> bool:
    return UNSAFE.match(char) is not None


def first_unsafe(text: str) -> int | None:
    """Index of the first unsafe character of ``text``, or None."""
    m = UNSAFE.search(text)
    return m.start() if m else None


def describe(char: str) -> str:
    """How a problem message names a character: ``U+001B``."""
    return f"U+{ord(char):04X}"


def visible(text: str) -> str:
    """``text`` for a screen: each unsafe character replaced by ONE visible character (its
    Control Picture, e.g. ␛ for ESC; � for C1 controls and bidi overrides), so sentence
    offsets, spans and selections keep their positions. Tab and newline are kept."""
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(lambda m: _PICTURES.get(ord(m.group()), REPLACEMENT), text)


def escape(text: str) -> str:
    r"""``text`` for printed output: each unsafe character written as ``\uXXXX``. Inside a JSON
    string this is the escape of the very same character, so JSON output keeps its data."""
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean_field(value: str) -> str:
    """A one-line metadata field (title, source...) made safe: tabs and line breaks become
    spaces, other unsafe characters are dropped, surrounding space is stripped."""
    return UNSAFE.sub("", _SPACES_RE.sub(" ", value)).strip()


def name_problem(name: object, what: str = "name") -> str | None:
    """Why ``name`` cannot be a name (annotator, label set, label), or None when it can: it must
    be a non-empty string without unsafe characters, tabs or line breaks, and without spaces
    around it. Used by the scheme check, the annotation screen, import-annotations, merge and
    ``scheme rename-label``, so they all accept the same names."""
    if not isinstance(name, str):
        return f"{what} must be a string, not {type(name).__name__}"
    if not name.strip():
        return f"{what} is empty"
    for ch in name:
        if ch in _BREAKS:
            return f"{what} {escape(name)!r} contains a tab or line break"
        if is_unsafe(ch):
            return f"{what} {escape(name)!r} contains the control character {describe(ch)}"
    if name != name.strip():
        return f"{what} {name!r} starts or ends with spaces"
    return None


# ------------------------------------------------------------------------- files named by users
def not_regular_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it is a regular file (or does
    not exist: the caller says "no such file" in its own words).

    Opening a FIFO blocks until something writes to it, and a device may never end: an import
    given one would hang instead of failing. ``stat`` does not open the file, so it cannot hang.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode)
            or stat.S_ISBLK(mode) else "a special file")
    return f"is {kind}, not a regular file"
