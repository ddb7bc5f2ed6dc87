"""Pure helpers of the annotation screen: active time, word selection, cues, picker codes,
keymap files, mouse selection offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Offset

from annotator.core import textops
from annotator.core.timing import PAUSE_SECONDS, ActiveTimer
from annotator.tui.app import BINDING_IDS, KEYS, KeymapError, load_keymap
from annotator.tui.text_pane import selection_offsets

TEXT = "Le ministre salue une « fraternité invincible » entre les peuples."


def test_active_time_excludes_long_pauses() -> None:
    t = ActiveTimer()
    t.start(100.0)
    t.touch(110.0)  # 10 s
    t.touch(110.0 + PAUSE_SECONDS + 1)  # a pause: not counted
    t.touch(110.0 + PAUSE_SECONDS + 31)  # 30 s
    assert t.take(110.0 + PAUSE_SECONDS + 32) == 41.0
    assert t.take(110.0 + PAUSE_SECONDS + 33) == 1.0  # counting starts afresh
    assert t.take(110.0 + PAUSE_SECONDS + 32) == 0.0  # a clock going back counts nothing


def test_exactly_the_pause_limit_counts() -> None:
    t = ActiveTimer(pause=60)
    t.start(0)
    assert t.take(60) == 60
    t.start(0)
    assert t.take(60.5) == 0


def test_words_skip_punctuation() -> None:
    ws = textops.words(TEXT)
    assert [TEXT[s:e] for s, e in ws][:6] == [
        "Le",
        "ministre",
        "salue",
        "une",
        "fraternité",
        "invincible",
    ]
    assert textops.words("« »") == [(0, 3)]  # no word at all: the whole text
    assert textops.words("porte-parole l'a") == [(0, 12), (13, 16)]


def test_move_extend_and_nudge() -> None:
    sel = textops.first_word(TEXT)
    assert sel == (0, 2)
    sel = textops.move_word(TEXT, sel, 1)
    assert TEXT[slice(*sel)] == "ministre"
    sel = textops.extend_word(TEXT, sel, 1)
    assert TEXT[slice(*sel)] == "ministre salue"
    sel = textops.extend_word(TEXT, sel, -1)
    assert TEXT[slice(*sel)] == "ministre"
    sel = textops.extend_word(TEXT, sel, -1)  # single word: the start extends left
    assert TEXT[slice(*sel)] == "Le ministre"
    sel = textops.nudge(TEXT, sel, "end", 1)
    assert TEXT[slice(*sel)] == "Le ministre "
    sel = textops.nudge(TEXT, (3, 4), "end", -1)
    assert sel == (3, 4)  # never empty
    assert textops.nudge(TEXT, (0, 2), "start", -1) == (0, 2)  # never outside
    last = textops.words(TEXT)[-1]
    assert textops.move_word(TEXT, last, 1) == last
    assert textops.move_word(TEXT, (0, 2), -1) == (0, 2)


def test_occurrences_are_case_insensitive_and_literal() -> None:
    expected = [(i, i + 2) for i in range(len(TEXT)) if TEXT[i : i + 2].lower() == "le"]
    assert len(expected) == 4
    assert textops.occurrences(TEXT, "LE") == expected
    assert textops.occurrences("a [b] c [b]", "[b]") == [(2, 5), (8, 11)]
    assert textops.occurrences(TEXT, "") == []


def test_cues_match_whole_words_only() -> None:
    """Cues go through the one phrase matcher (core/suggest), as whole words."""
    from annotator.core.suggest import Lexicon

    lex = Lexicon()
    lex.add_cue("fraternité invincible", "technique", "Loaded_Language")
    lex.add_cue("barbares", "technique", "Loaded_Language")
    assert [(m.start, m.end) for m in lex.match(TEXT)] == [(24, 45)]
    assert lex.match("les barbarement") == []
    assert [(m.start, m.end) for m in lex.match("Les Barbares.")] == [(4, 12)]


def test_hint_codes_are_unique_and_prefer_quick_keys() -> None:
    names = [f"Label_{i}" for i in range(40)]
    codes = textops.hint_codes(names, ["x", None, "X", *([None] * 37)])
    assert len(set(codes)) == 40
    assert codes[0] == "x" and codes[2] != "x"
    assert sum(len(c) == 1 for c in codes) == 36  # one character while they last
    assert textops.hint_codes(["Doubt", "Delta"]) == ["d", "e"]


def test_fuzzy_ranking() -> None:
    names = ["Loaded_Language", "Name_Calling-Labeling", "Flag_Waving"]
    ranked = sorted(
        (n for n in names if textops.fuzzy_score("ll", n) is not None),
        key=lambda n: textops.fuzzy_score("ll", n) or 0,
    )
    assert ranked[0] == "Loaded_Language"  # initials beat a loose match
    assert textops.fuzzy_score("zzz", "Flag_Waving") is None
    assert textops.fuzzy_score("flag", "Flag_Waving") == 1


def test_keymap_file(tmp_path: Path) -> None:
    p = tmp_path / "k.yaml"
    p.write_text("next: l\nundo: [z, ctrl+z]\n", encoding="utf-8")
    assert load_keymap(p) == {"next": "l", "undo": "z,ctrl+z"}
    assert load_keymap(None) == {}
    assert load_keymap({"quit": "Q"}) == {"quit": "Q"}
    p.write_text("nxet: l\n", encoding="utf-8")
    with pytest.raises(KeymapError, match=r"k\.yaml: unknown binding id 'nxet'"):
        load_keymap(p)
    p.write_text("next: [l, 3]\n", encoding="utf-8")
    with pytest.raises(KeymapError, match="must be a string or a list"):
        load_keymap(p)
    p.write_text("next: [\n", encoding="utf-8")
    with pytest.raises(KeymapError, match="not valid YAML"):
        load_keymap(p)
    with pytest.raises(KeymapError, match="cannot read"):
        load_keymap(tmp_path / "missing.yaml")
    assert {"next", "undo", "picker", "done-next", "quit"} <= BINDING_IDS


def test_mouse_selection_offsets() -> None:
    assert selection_offsets(TEXT, Offset(3, 0), Offset(11, 0)) == (3, 11)
    assert selection_offsets(TEXT, Offset(11, 0), Offset(3, 0)) == (3, 11)  # dragged backwards
    assert selection_offsets(TEXT, Offset(2, 0), Offset(12, 0)) == (3, 11)  # spaces trimmed
    assert selection_offsets(TEXT, None, None) == (0, len(TEXT))
    assert selection_offsets("ab\ncd", Offset(1, 0), Offset(1, 1)) == (1, 4)
    assert selection_offsets(TEXT, Offset(2, 0), Offset(3, 0)) is None  # only a space


# Keys bound twice on purpose: the first acts only with a selection or span cursor
# (check_action), the second otherwise.
CONTEXTUAL = {"right": {"word-right", "next"}, "left": {"word-left", "previous"}}


def test_no_key_is_bound_to_two_actions_by_accident() -> None:
    """Parallel work once gave ctrl+e to both "next note" and "attributes": the later binding
    silently won. Every shared key must be a known contextual pair."""
    owners: dict[str, set[str]] = {}
    for bid, keys, *_ in KEYS:
        for key in keys.split(","):
            owners.setdefault(key.strip(), set()).add(bid)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert shared == {k: v for k, v in CONTEXTUAL.items() if k in shared}
