"""Word movement for French text (core/textops): elisions, hyphenated compounds, punctuation,
clause jumps, and the find bar's matching through core/fold. Our own sentences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.core import textops

T = (
    "Ils annoncent d\u2019\u00e9normes pertes, et les n\u00e9o\u2011nazis crient au scandale "
    "\u00ab sans fin \u00bb \u2014 disent-ils."
)


def cut(sel: tuple[int, int]) -> str:
    return T[sel[0] : sel[1]]


def test_words_join_elisions_and_hyphens_and_skip_punctuation() -> None:
    got = [cut(w) for w in textops.words(T)]
    assert got == [
        "Ils", "annoncent", "d\u2019\u00e9normes", "pertes", "et", "les", "n\u00e9o\u2011nazis",
        "crient", "au", "scandale", "sans", "fin", "disent-ils",
    ]  # fmt: skip
    assert textops.words("l'ONU \u2013 aujourd\u2019hui") == [(0, 5), (8, 19)]


def test_typed_text_finds_typography_with_exact_offsets() -> None:
    (hit,) = textops.occurrences(T, "d'enormes pertes")
    assert cut(hit) == "d\u2019\u00e9normes pertes"
    (hit,) = textops.occurrences(T, "NEO-NAZIS")
    assert cut(hit) == "n\u00e9o\u2011nazis"
    assert cut(textops.occurrences(T, "\" sans")[0]) == "\u00ab sans"


def test_snap_keeps_an_elided_word_start_and_completes_words() -> None:
    (hit,) = textops.occurrences(T, "enormes")
    assert cut(textops.snap(T, hit)) == "\u00e9normes"  # after d’: a fine start
    (hit,) = textops.occurrences(T, "normes")
    assert cut(textops.snap(T, hit)) == "\u00e9normes"
    (hit,) = textops.occurrences(T, "d'")
    assert cut(textops.snap(T, hit)) == "d\u2019\u00e9normes"
    (hit,) = textops.occurrences(T, "nazi")
    assert cut(textops.snap(T, hit)) == "n\u00e9o\u2011nazis"  # a compound is one word
    (hit,) = textops.occurrences(T, "pertes, ")
    assert cut(textops.snap(T, hit)) == "pertes"  # punctuation and spaces left out
    assert textops.snap(T, (T.index(","), T.index(",") + 1)) == (T.index(","), T.index(",") + 1)


def test_take_words_counts_the_word_being_typed() -> None:
    (hit,) = textops.occurrences(T, "cr")
    assert cut(textops.take_words(T, hit, 0)) == "crient"
    assert cut(textops.take_words(T, hit, 1)) == "crient au"
    assert cut(textops.take_words(T, hit, 2)) == "crient au scandale"
    assert cut(textops.take_words(T, hit, -1)) == "n\u00e9o\u2011nazis crient"
    assert cut(textops.take_words(T, hit, 99)).endswith("disent-ils")


def test_extension_jumps_over_punctuation_with_a_count() -> None:
    sel = textops.word_at(T, T.index("pertes"))
    assert sel is not None and cut(sel) == "pertes"
    assert cut(textops.extend_word(T, sel, 1)) == "pertes, et"
    assert cut(textops.extend_word(T, sel, 3)) == "pertes, et les n\u00e9o\u2011nazis"
    assert cut(textops.move_word(T, sel, 3)) == "n\u00e9o\u2011nazis"
    assert cut(textops.extend_word(T, textops.extend_word(T, sel, 3), -2)) == "pertes, et"


def test_clause_jumps_stop_at_punctuation_quotes_and_dashes() -> None:
    first = textops.word_at(T, 0)
    assert first is not None
    sel = textops.clause_end(T, first)
    assert cut(sel) == "Ils annoncent d\u2019\u00e9normes pertes"
    sel = textops.clause_end(T, sel)
    assert cut(sel).endswith("crient au scandale")
    sel = textops.clause_end(T, sel)
    assert cut(sel).endswith("sans fin")
    (hit,) = textops.occurrences(T, "scandale")
    assert cut(textops.clause_start(T, hit)) == "et les n\u00e9o\u2011nazis crient au scandale"
    assert textops.clause_end(T, textops.words(T)[-1]) == textops.words(T)[-1]


@given(st.text(alphabet="ab\u2019'- ,.\u00e9\u00ab\u00bb", max_size=40), st.data())
def test_selection_moves_stay_inside_the_text(text: str, data: st.DataObject) -> None:
    if not text:
        return
    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, len(text)))
    for sel in (
        textops.snap(text, (a, b)),
        textops.take_words(text, (a, b), data.draw(st.integers(-3, 3))),
        textops.extend_word(text, (a, b), data.draw(st.integers(-3, 3))),
        textops.clause_end(text, (a, b)),
        textops.clause_start(text, (a, b)),
    ):
        assert 0 <= sel[0] < sel[1] <= len(text), (text, a, b, sel)


def test_first_choice_prefers_a_whole_word_then_a_word_start() -> None:
    text = "Les \u00e9trangers sacr\u00e9s et cr\u00e9dules crient."
    matches = textops.occurrences(text, "et")  # « ét|rangers » comes first, « et » is a word
    assert matches[textops.first_choice(text, matches)][0] == text.index(" et ") + 1
    matches = textops.occurrences(text, "cr")  # « saCRés » comes first, « CRédules » a start
    assert matches[textops.first_choice(text, matches)][0] == text.index("cr\u00e9dules")
    assert textops.first_choice(text, textops.occurrences(text, "ngers")) == 0
    assert textops.first_choice(text, []) == 0
