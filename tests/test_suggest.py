"""The phrase matcher behind cue and learned suggestions (annotator.core.suggest): pure, exact
offsets in the original text, light French inflection, counts taken back exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.suggest import CUE, LEARNED, Lexicon, phrase_key, replay_rejections, tokens


def found(lex: Lexicon, text: str) -> list[tuple[str, str, str, int]]:
    return [(text[m.start : m.end], m.label, m.source, m.count) for m in lex.match(text)]


def test_learned_phrase_finds_inflected_and_unhyphenated_variants() -> None:
    lex = Lexicon()
    lex.learn("néo-nazis", "technique", "Name_Calling")
    text = "Des Néonazis défilent ; un néonazi parle, les néo\u2011nazis, les NÉO-NAZI."
    assert [f[0] for f in found(lex, text)] == ["Néonazis", "néonazi", "néo\u2011nazis", "NÉO-NAZI"]
    assert {f[1:] for f in found(lex, text)} == {("Name_Calling", LEARNED, 1)}


def test_cue_goes_through_the_same_matcher() -> None:
    lex = Lexicon()
    lex.add_cue("néo-nazis", "technique", "Name_Calling")
    assert found(lex, "Un néonazi.") == [("néonazi", "Name_Calling", CUE, 0)]


def test_typography_and_punctuation_between_words() -> None:
    lex = Lexicon()
    lex.learn("régime de Kiev", "technique", "Name_Calling")
    lex.learn("d'énormes pertes", "technique", "Exaggeration")
    text = "Le « Régime\u00a0de  KIEV » annonce d\u2019énormes pertes."
    assert [f[0] for f in found(lex, text)] == ["Régime\u00a0de  KIEV", "d\u2019énormes pertes"]


def test_whole_words_only() -> None:
    lex = Lexicon()
    lex.add_cue("barbare", "technique", "Loaded_Language")
    assert found(lex, "barbarement") == []
    assert [f[0] for f in found(lex, "Les Barbares.")] == ["Barbares"]


def test_counts_and_forget_take_back_exactly() -> None:
    lex = Lexicon()
    lex.add_cue("junte", "technique", "Name_Calling")
    lex.learn("junte", "technique", "Name_Calling")
    lex.learn("juntes", "technique", "Name_Calling")
    assert lex.count("Junte", "technique", "Name_Calling") == 2
    assert found(lex, "la junte") == [("junte", "Name_Calling", LEARNED, 2)]
    lex.forget("junte", "technique", "Name_Calling")
    lex.forget("junte", "technique", "Name_Calling")
    lex.forget("junte", "technique", "Name_Calling")  # one too many: no-op
    assert found(lex, "la junte") == [("junte", "Name_Calling", CUE, 0)]  # the cue stays
    lex.learn("fantoches", "technique", "Name_Calling")
    lex.forget("fantoche", "technique", "Name_Calling")
    assert found(lex, "des fantoches") == [] and len(lex) == 1


def test_longer_phrase_of_same_label_hides_the_shorter_inside() -> None:
    lex = Lexicon()
    lex.learn("nazis", "technique", "Guilt")
    lex.learn("comme les nazis", "technique", "Guilt")
    lex.learn("nazis", "technique", "Name_Calling")
    got = found(lex, "Ils agissent comme les nazis.")
    assert ("comme les nazis", "Guilt", LEARNED, 1) in got
    assert ("nazis", "Name_Calling", LEARNED, 1) in got  # another label: still shown
    assert ("nazis", "Guilt", LEARNED, 1) not in got


def test_function_words_and_punctuation_are_not_learned() -> None:
    lex = Lexicon()
    assert not lex.learn("le", "technique", "X")
    assert not lex.learn("« … »", "technique", "X")
    assert lex.learn("le régime", "technique", "X")
    assert found(lex, "le chat") == []


def test_keys() -> None:
    assert phrase_key("Néo-nazis") == phrase_key("néonazi") == ("neonazi",)
    assert phrase_key("l’ennemi") == ("l", "ennemi")
    assert [t[2] for t in tokens("Les chevaux, l'œil")] == ["les", "chevau", "l", "oeil"]


@given(st.text(alphabet="aéèbc’' -«»,.\u00a0\u2011Ldx", max_size=40))
def test_every_match_is_original_text_with_the_phrase_key(text: str) -> None:
    lex = Lexicon()
    for _, _, key in tokens(text)[:3]:
        lex.learn(key + "x", "s", "l")  # a plural of the word: found back by its key
    for m in lex.match(text):
        assert 0 <= m.start < m.end <= len(text)
        assert phrase_key(text[m.start : m.end])


def test_a_phrase_left_unmarked_more_often_than_used_stops_being_suggested() -> None:
    lex = Lexicon()
    lex.learn("prix", "technique", "Loaded_Language")
    lex.add_cue("junte", "technique", "Name_Calling")
    lex.learn("junte", "technique", "Name_Calling")
    (m,) = lex.match("Le prix monte.")
    lex.reject(m.phrase, m.label_set, m.label)
    assert found(lex, "Le prix monte.") == [("prix", "Loaded_Language", LEARNED, 1)]
    lex.reject(m.phrase, m.label_set, m.label)
    assert found(lex, "Le prix monte.") == []  # passed over twice, used once
    (j,) = lex.match("la junte")
    lex.reject(j.phrase, j.label_set, j.label, 5)
    assert found(lex, "la junte") == [("junte", "Name_Calling", CUE, 0)]  # still a cue


def test_rejections_replayed_over_finished_sentences() -> None:
    lex = Lexicon()
    lex.learn("prix", "technique", "Loaded_Language")
    lex.learn("néo-nazis", "technique", "Name_Calling")
    done = [
        ("Les néonazis et le prix.", [(4, 12, "technique", "Name_Calling")]),  # prix unmarked
        ("Un prix fou.", [(3, 7, "technique", "Loaded_Language")]),  # marked: no rejection
        ("Le prix baisse.", []),
        ("Des néo-nazis.", [(4, 13, "technique", "Doubt")]),  # another label: unmarked
    ]
    counts = replay_rejections(lex.copy(), done)
    assert counts == {(phrase_key("prix"), "technique", "Loaded_Language"): 2,
                      (("neonazi",), "technique", "Name_Calling"): 1}
    lex.set_rejections(counts)
    assert [f[0] for f in found(lex, "Le prix des néonazis.")] == ["néonazis"]
    assert lex.count("prix", "technique", "Loaded_Language") == 1  # copies are independent
