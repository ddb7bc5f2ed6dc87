"""Folding for matching: what a keyboard types finds what the article printed, offsets exact."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.fold import find, fold, fold_with_offsets, inflection_key


def test_apostrophe_and_accents_match_typographic_text() -> None:
    text = "Ils annoncent d\u2019\u00e9normes pertes pour un gain minime."
    (hit,) = find(text, "d'enormes pertes")
    assert text[hit[0] : hit[1]] == "d\u2019\u00e9normes pertes"


def test_case_dashes_and_non_breaking_spaces() -> None:
    text = "Les N\u00c9O\u2011NAZIS\u00a0du r\u00e9gime"
    (hit,) = find(text, "neo-nazis du")
    assert text[hit[0] : hit[1]] == "N\u00c9O\u2011NAZIS\u00a0du"


def test_ligature_expands_and_maps_back_to_whole_character() -> None:
    text = "le c\u0153ur du probl\u00e8me"
    (hit,) = find(text, "coeur")
    assert text[hit[0] : hit[1]] == "c\u0153ur"
    (hit,) = find(text, "co")
    assert text[hit[0] : hit[1]] == "c\u0153"


def test_whole_words_and_every_occurrence() -> None:
    text = "gain, regain et gain"
    assert find(text, "gain", whole_words=True) == [(0, 4), (16, 20)]
    assert len(find(text, "gain")) == 3


def test_query_spaces_match_line_breaks() -> None:
    text = "crient\nau  scandale"
    (hit,) = find(text, "crient au scandale")
    assert (hit[0], hit[1]) == (0, len(text))


def test_empty_query_finds_nothing() -> None:
    assert find("abc", "") == []
    assert find("abc", "   ") == []


def test_inflection_key_groups_french_variants() -> None:
    variants = ["n\u00e9o-nazis", "n\u00e9onazi", "N\u00e9onazis", "n\u00e9o\u2011nazi"]
    keys = {inflection_key(p) for p in variants}
    assert keys == {"neonazi"}
    assert inflection_key("d\u2019\u00e9normes pertes") == inflection_key("d'énorme perte")
    assert inflection_key("gain") != inflection_key("regain")


@given(st.text(max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_offsets_always_map_into_the_original(text: str, a: int, b: int) -> None:
    folded = fold_with_offsets(text)
    assert folded.text == fold(text)
    assert len(folded.origin) == len(folded.text) + 1
    a, b = sorted((min(a, len(folded.text)), min(b, len(folded.text))))
    start, end = folded.span(a, b)
    assert 0 <= start <= end <= len(text)


@given(st.text(min_size=1, max_size=30))
def test_every_substring_is_found_in_itself(text: str) -> None:
    query = text.strip()
    if fold(query).strip():
        hits = find(text, query)
        assert hits, (text, query)
        assert all(0 <= s <= e <= len(text) for s, e in hits)
