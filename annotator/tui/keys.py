"""The annotation screen's keys: one table of (binding id, default keys, action, footer, help)
and the keymap file that remaps them.

Why a module of its own: the table is read by the screen (its bindings), the find bar, the
guidelines screen (the help list), the keymap loader (the ids a keymap file may name) and the
tests; none of them needs the screen's behaviour to read it. Binding ids follow posting's
practice: stable names that a user's keymap file refers to, whatever the default keys are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from annotator.core.untrusted import not_regular_file

# (binding id, default keys, action, footer text or "" to hide, help text)
KEYS: list[tuple[str, str, str, str, str]] = [
    (
        "done-next",
        "enter",
        "done_next",
        "Done",
        "mark the sentence done (even with no label), go to the next",
    ),
    (
        "word-right",
        "right",
        "word(1)",
        "",
        "with a selection: move it one word right (or next span)",
    ),
    (
        "word-left",
        "left",
        "word(-1)",
        "",
        "with a selection: move it one word left (or previous span)",
    ),
    ("next", "right,j", "next", "Next", "next sentence (drops a selection)"),
    ("previous", "left,k", "previous", "Prev", "previous sentence (drops a selection)"),
    ("next-not-done", "n", "next_not_done", "", "next sentence not done yet"),
    ("next-document", "N,pagedown", "next_document", "", "next document"),
    ("previous-document", "P,pageup", "previous_document", "", "previous document"),
    ("goto", "g", "goto", "", "go to: 12 (document), 12:5, :5 (sentence), #345 (sentence id)"),
    ("search", "slash", "search", "", "search sentences (full text)"),
    ("picker", "space,tab", "picker", "Labels", "label picker: type a code or letters, enter"),
    (
        "select-text",
        "s",
        "select_text",
        "Select",
        "select a span by typing (accents, ’ and case ignored; tab/shift+tab: other occurrence)",
    ),
    (
        "visual",
        "v",
        "visual",
        "",
        "select with the keyboard, from the word under the mouse, the suggestion chosen with A, "
        "or the first word",
    ),
    ("extend-right", "shift+right", "extend(1)", "", "selection: end one word further"),
    (
        "extend-left",
        "shift+left",
        "extend(-1)",
        "",
        "selection: end one word back / start one word left",
    ),
    ("char-end-right", "alt+right", "nudge('end', 1)", "", "selection: end one character right"),
    ("char-end-left", "alt+left", "nudge('end', -1)", "", "selection: end one character left"),
    (
        "char-start-left",
        "ctrl+left",
        "nudge('start', -1)",
        "",
        "selection: start one character left",
    ),
    (
        "char-start-right",
        "ctrl+right",
        "nudge('start', 1)",
        "",
        "selection: start one character right",
    ),
    (
        "extend-clause-end",
        "shift+down",
        "clause(1)",
        "",
        "selection: end at the end of the clause (next comma, stop, quote)",
    ),
    (
        "extend-clause-start",
        "shift+up",
        "clause(-1)",
        "",
        "selection: start at the start of the clause",
    ),
    *[
        (
            f"count-{n}",
            f"alt+{n}",
            f"count({n})",
            "",
            f"count: the next word move or extension goes {n} words (alt+{n} shift+→)",
        )
        for n in range(2, 10)
    ],
    (
        "accept-suggestion",
        "a",
        "accept_suggestion",
        "",
        "accept the highlighted cue suggestion as a span",
    ),
    ("next-suggestion", "A", "next_suggestion", "", "highlight the next cue suggestion"),
    (
        "accept-label-guess",
        "ctrl+t",
        "accept_label_guess",
        "",
        "accept the suggested sentence label (learned from your done sentences)",
    ),
    (
        "delete-span",
        "delete,backspace",
        "delete_span",
        "",
        "choose a span (←→), press again to delete it",
    ),
    ("document-panel", "d", "document_panel", "Doc", "document labels (stance, primary frame...)"),
    ("undo", "u,ctrl+z", "undo", "Undo", "undo the last action (survives restarts)"),
    ("redo", "ctrl+y", "redo", "", "redo"),
    ("note", "c", "note", "", "note on the sentence"),
    ("flag", "f", "flag", "", "flag the sentence as unsure"),
    ("browser", "ctrl+o", "browser", "", "document browser: filter, sort, enter opens"),
    ("next-flagged", "ctrl+f", "next_marked('flag')", "", "next flagged sentence"),
    ("next-note", "ctrl+e", "next_marked('note')", "", "next sentence with a note"),
    ("guidelines", "question_mark", "guidelines", "Help", "guidelines, labels with examples, keys"),
    (
        "attributes",
        "ctrl+a",
        "attributes",
        "",
        "attributes (actor, target...) of the span under the cursor, else the newest label",
    ),
    ("quit", "q", "quit", "Quit", "quit (everything is already saved)"),
    ("cancel", "escape", "cancel", "", "cancel the selection, close panels"),
]
# Keys of the `s` find bar (bound on the bar itself, remapped by the same keymap file).
FIND_KEYS: list[tuple[str, str, str, str, str]] = [
    ("find-next", "tab", "next_match(1)", "", "find bar: next occurrence"),
    ("find-previous", "shift+tab", "next_match(-1)", "", "find bar: previous occurrence"),
    (
        "find-words-right",
        "shift+right",
        "take_words(1)",
        "",
        "find bar: the word(s) typed and the next word; closes the bar (« cr ⇧→ » = crient au)",
    ),
    (
        "find-words-left",
        "shift+left",
        "take_words(-1)",
        "",
        "find bar: the word(s) typed and the word before; closes the bar",
    ),
    (
        "find-complete",
        "right",
        "complete",
        "",
        "find bar, at the end of the text typed: complete to whole word(s), close the bar",
    ),
]
# How alt+2…9 arrive from terminals that send alt as an ESC prefix (VTE terminals such as
# GNOME's, and xterm.js: the browser's terminal under `annotator serve`): ESC then the digit,
# which Textual reads as the character macOS types with option+digit ("£" for alt+3). Terminals
# with extended keys (kitty's protocol; tmux passes alt+3 as such) send alt+3 itself. The screen
# binds these characters to the counts as well, so alt+3 works in both (and option+3 on a Mac);
# tests/tui/test_select.py checks the table against Textual's own parser.
ALT_DIGIT_CHARACTERS: dict[str, int] = {
    "™": 2, "£": 3, "¢": 4, "∞": 5, "§": 6, "¶": 7, "•": 8, "ª": 9,
}
BINDING_IDS = frozenset(k[0] for k in [*KEYS, *FIND_KEYS])
FOOTER_KEYS = {"picker": "space", "next": "→", "previous": "←", "undo": "u", "done-next": "⏎"}


class KeymapError(ValueError):
    """A keymap file that cannot be used, explained in one line."""


def load_keymap(source: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, str]:
    """A keymap (binding id -> comma-separated keys) from a mapping or a YAML file.

    The file is a YAML mapping such as ``next: "l,right"`` or ``undo: [z, ctrl+z]``. Unknown
    binding ids are an error naming the file, so a typo does not silently leave a key unbound.
    """
    if source is None:
        return {}
    name = "keymap"
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        import yaml

        name = str(source)
        special = not_regular_file(source)
        if special is not None:
            raise KeymapError(f"{name}: {special}")
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise KeymapError(f"{name}: cannot read keymap ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise KeymapError(f"{name}: not UTF-8 (byte {exc.start}); save the keymap as "
                              "UTF-8") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise KeymapError(f"{name}{line}: not valid YAML") from None
        if data is None:
            return {}
    if not isinstance(data, Mapping):
        raise KeymapError(f"{name}: a keymap is a mapping of binding id to keys (e.g. next: l)")
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in BINDING_IDS:
            known = ", ".join(sorted(BINDING_IDS))
            raise KeymapError(f"{name}: unknown binding id {key!r} (known: {known})")
        if isinstance(value, str):
            keys = [v.strip() for v in value.split(",")]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            keys = [v.strip() for v in value]
        else:
            raise KeymapError(f"{name}: keys for {key!r} must be a string or a list of strings")
        if not all(keys):
            raise KeymapError(f"{name}: empty key for {key!r}")
        out[str(key)] = ",".join(keys)
    return out
