"""The French sentence segmenter: offsets are exact, rules hold on our own example texts."""

from __future__ import annotations

import importlib.util
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.segment import Segment, segment

GSD = Path(__file__).resolve().parents[2] / "shared" / "bench" / "ud-french-gsd"
BENCH = Path(__file__).resolve().parents[1] / "bench" / "segmentation.py"


def sents(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def check_invariants(text: str, segs: list[Segment]) -> None:
    """Ordered, disjoint, stripped, non-empty, inside the text; only whitespace left over."""
    pos = 0
    prev_para = -1
    for s in segs:
        assert isinstance(s, Segment)
        assert pos <= s.start < s.end <= len(text)
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
        assert text[pos : s.start].strip() == ""  # nothing but whitespace between segments
        assert s.paragraph in (prev_para, prev_para + 1) if prev_para >= 0 else s.paragraph == 0
        prev_para = s.paragraph
        pos = s.end
    assert text[pos:].strip() == ""


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Fail instead of hanging if a pattern ever backtracks catastrophically (POSIX only)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def boom(signum: int, frame: object) -> None:
        raise TimeoutError(f"segment() still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --- properties -----------------------------------------------------------------------------


@given(st.text(st.characters(exclude_categories=())))
@settings(max_examples=400)
def test_any_text_gives_valid_segments(text: str) -> None:
    check_invariants(text, segment(text))


PIECES = [
    "Le ministre",
    "a déclaré",
    "M.",
    "Mme",
    "J.-P.",
    "A.",
    "U.S.A.",
    "11 000",
    "11\u00a0000",
    "2,5",
    "3.5",
    "1er",
    "«",
    "»",
    "«\u00a0",
    "\u00a0»",
    '"',
    "“",
    "”",
    "(",
    ")",
    ".",
    "?",
    "!",
    "?!",
    "…",
    "...",
    ",",
    ";",
    ":",
    "etc.",
    "p. ex.",
    "cf.",
    "https://exemple.fr/a.html",
    "nom@exemple.fr",
    "il",
    "Il",
    "•",
    "-",
]
SPACES = ["", " ", "  ", "\u00a0", "\u202f", "\n", "\n\n", " \n \n ", "\t", "\r\n", "\r\n\r\n"]


@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), max_size=60))
@settings(max_examples=400)
def test_sentence_like_text_gives_valid_segments(parts: list[tuple[str, str]]) -> None:
    text = "".join(p + s for p, s in parts)
    check_invariants(text, segment(text))


def test_segment_is_a_frozen_slotted_record() -> None:
    seg = segment("Une phrase.")[0]
    assert seg == Segment(0, 11, 0)
    assert not hasattr(seg, "__dict__")
    with pytest.raises(AttributeError):
        seg.start = 3  # type: ignore[misc]


def test_whitespace_only_and_empty() -> None:
    assert segment("") == []
    assert segment(" \n\t\u00a0\r\n\n  ") == []


def test_offsets_skip_surrounding_whitespace() -> None:
    text = "  \n\n  Une phrase.   Une autre.  \n"
    segs = segment(text)
    assert [(s.start, s.end) for s in segs] == [(6, 17), (20, 30)]
    assert [s.paragraph for s in segs] == [0, 0]


def test_odd_characters_never_raise() -> None:
    text = "Texte\x00 avec NUL. \ud800 Surrogate seule. \udfff\n\x00\n\nFin ?"
    check_invariants(text, segment(text))


def test_large_pathological_inputs_run_and_stay_valid() -> None:
    """Large inputs (up to 5 MB) that would expose quadratic scans; a hang fails the test."""
    inputs = [
        "!" * 5_000_000 + "x",
        "." * 2_000_000 + " a",
        "A. " * 300_000,
        " " * 3_000_000 + "\nx",
        "\n" * 3_000_000 + "x",
        'a. " b. " ' * 100_000,
        "." + "»" * 2_000_000 + " X",
        "Titre\n\nLe texte. M. Dupont, 11 000 soldats… Fin ?! « Oui. » " * 20_000,
    ]
    with hang_guard(120):
        for text in inputs:
            segs = segment(text)
            assert segs
            assert segs[-1].end == len(text.rstrip())
            check_invariants(text[:3000], segment(text[:3000]))


# --- abbreviations, initials, acronyms ---------------------------------------------------------


def test_titles_do_not_end_sentences() -> None:
    assert sents("M. Dupont est arrivé. Mme Martin aussi. MM. Durand et Petit sont venus.") == [
        "M. Dupont est arrivé.",
        "Mme Martin aussi.",
        "MM. Durand et Petit sont venus.",
    ]
    assert sents("Le Dr. Lemoine soigne à St. Malo. Mlle Roux aussi.") == [
        "Le Dr. Lemoine soigne à St. Malo.",
        "Mlle Roux aussi.",
    ]


def test_abbreviations_inside_a_sentence() -> None:
    text = "Voir p. ex. le chapitre 3, cf. la note, p. 12 et n° 5. Il est mort en 44 av. J.-C. Rome"
    assert sents(text + " pleura.") == [
        "Voir p. ex. le chapitre 3, cf. la note, p. 12 et n° 5.",
        "Il est mort en 44 av. J.-C.",
        "Rome pleura.",
    ]
    assert sents("Né en 63 av. J.-C. à Rome, il régna longtemps.") == [
        "Né en 63 av. J.-C. à Rome, il régna longtemps."
    ]


def test_etc_ends_only_before_a_capital() -> None:
    assert sents("Des pommes, des poires, etc. et des prunes.") == [
        "Des pommes, des poires, etc. et des prunes."
    ]
    assert sents("Des pommes, des poires, etc. Le marché était plein.") == [
        "Des pommes, des poires, etc.",
        "Le marché était plein.",
    ]


def test_initials() -> None:
    assert sents("J.-P. Sartre a écrit ce livre. A. Dupont l'a lu. J.R. Martin aussi.") == [
        "J.-P. Sartre a écrit ce livre.",
        "A. Dupont l'a lu.",
        "J.R. Martin aussi.",
    ]
    # A capital letter before a word that opens sentences: the sentence did end.
    assert sents("Il régna après Louis I. Les nobles le suivirent.") == [
        "Il régna après Louis I.",
        "Les nobles le suivirent.",
    ]
    assert sents("Voir l'article L. 642-3 du code.") == ["Voir l'article L. 642-3 du code."]


def test_acronyms() -> None:
    assert sents("Il vit aux U.S.A. depuis 2010. Il y travaille.") == [
        "Il vit aux U.S.A. depuis 2010.",
        "Il y travaille.",
    ]
    assert sents("Il est rentré des U.S.A. Les siens l'attendaient.") == [
        "Il est rentré des U.S.A.",
        "Les siens l'attendaient.",
    ]


def test_list_numbers_are_not_sentences() -> None:
    assert sents("1. Le contexte\n2. Les enjeux") == ["1. Le contexte", "2. Les enjeux"]


# --- numbers ---------------------------------------------------------------------------------


def test_numbers() -> None:
    text = (
        "Il y a 11 000 soldats, soit 2,5 % de plus et 3.5 fois moins que le 1er mai. "
        "Le 2e jour, 11\u00a0000 autres sont arrivés, puis 11\u202f000. Fin."
    )
    assert sents(text) == [
        "Il y a 11 000 soldats, soit 2,5 % de plus et 3.5 fois moins que le 1er mai.",
        "Le 2e jour, 11\u00a0000 autres sont arrivés, puis 11\u202f000.",
        "Fin.",
    ]


def test_sentence_ending_in_a_year_splits_before_a_number() -> None:
    assert sents("Tout a changé en 2020. 300 personnes sont parties.") == [
        "Tout a changé en 2020.",
        "300 personnes sont parties.",
    ]


# --- quotes ----------------------------------------------------------------------------------


def test_guillemets_close_with_their_sentence() -> None:
    assert sents("Il a parlé d'une « fraternité invincible ». Puis il est parti.") == [
        "Il a parlé d'une « fraternité invincible ».",
        "Puis il est parti.",
    ]
    assert sents("« Nous sommes prêts. » Le ministre a conclu.") == [
        "« Nous sommes prêts. »",
        "Le ministre a conclu.",
    ]
    nb = "«\u00a0Nous sommes prêts.\u00a0» Le ministre a conclu."
    assert sents(nb) == ["«\u00a0Nous sommes prêts.\u00a0»", "Le ministre a conclu."]
    assert sents("«Nous partons.» Il a souri.") == ["«Nous partons.»", "Il a souri."]


def test_multi_sentence_quote_splits_inside() -> None:
    """Sentences inside a long quotation are units; the attribution stays with the last one."""
    assert sents("« Nous partons. Nous reviendrons. », a-t-il dit. Puis il est parti.") == [
        "« Nous partons.",
        "Nous reviendrons. », a-t-il dit.",
        "Puis il est parti.",
    ]


def test_quote_then_lowercase_continues() -> None:
    assert sents("« Où vas-tu ? » demanda-t-elle. Il ne répondit pas.") == [
        "« Où vas-tu ? » demanda-t-elle.",
        "Il ne répondit pas.",
    ]
    assert sents("« Assez ! » cria-t-il.") == ["« Assez ! » cria-t-il."]


def test_english_style_quotes() -> None:
    assert sents('"Nous partons." Il a souri. “Demain.” Elle aussi.') == [
        '"Nous partons."',
        "Il a souri.",
        "“Demain.”",
        "Elle aussi.",
    ]
    assert sents('Il a dit : " Je pars. " Ensuite il est parti.') == [
        'Il a dit : " Je pars. "',
        "Ensuite il est parti.",
    ]


def test_question_and_exclamation_clusters() -> None:
    assert sents("Vraiment ?! Oui !! Et alors ? Rien.") == [
        "Vraiment ?!",
        "Oui !!",
        "Et alors ?",
        "Rien.",
    ]
    assert sents("Qui l'a dit ?» Personne.") == ["Qui l'a dit ?»", "Personne."]


# --- URLs, e-mail, ellipses ----------------------------------------------------------------


def test_urls_and_emails() -> None:
    text = (
        "Consultez https://www.exemple.fr/page.html?id=3 pour en savoir plus. "
        "Écrivez à marie.dupont@exemple.org ou voyez www.exemple.fr. Merci."
    )
    assert sents(text) == [
        "Consultez https://www.exemple.fr/page.html?id=3 pour en savoir plus.",
        "Écrivez à marie.dupont@exemple.org ou voyez www.exemple.fr.",
        "Merci.",
    ]


def test_ellipses() -> None:
    assert sents("Il hésita… puis il partit. Et après... rien. Attendez... Voilà.") == [
        "Il hésita… puis il partit.",
        "Et après... rien.",
        "Attendez...",
        "Voilà.",
    ]
    assert sents("Il a dit (...) Que faire ? Et […] Rien.") == [
        "Il a dit (...) Que faire ?",
        "Et […] Rien.",
    ]


# --- lines and paragraphs --------------------------------------------------------------------


def test_headline_without_punctuation_is_its_own_unit() -> None:
    text = "Guerre des mots à Bruxelles\n\nLe sommet s'est ouvert hier. Les débats ont été vifs."
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == [
        "Guerre des mots à Bruxelles",
        "Le sommet s'est ouvert hier.",
        "Les débats ont été vifs.",
    ]
    assert [s.paragraph for s in segs] == [0, 1, 1]
    assert sents("Un titre sans point\nLe texte commence ici. Il continue.") == [
        "Un titre sans point",
        "Le texte commence ici.",
        "Il continue.",
    ]


def test_caption_tag_and_read_also_lines() -> None:
    text = (
        "Mots-clés\nrécolte, climat, agriculture\n\n"
        "Lire aussi : Les vendanges précoces\n"
        "Le port de Sète, le 3 mai 2024. (Photo Agence)\n"
        "Le trafic a repris lundi.\n"
        "Temps de lecture : 3 min\n"
        "Publié le 4 mai"
    )
    assert sents(text) == [
        "Mots-clés",
        "récolte, climat, agriculture",
        "Lire aussi : Les vendanges précoces",
        "Le port de Sète, le 3 mai 2024. (Photo Agence)",
        "Le trafic a repris lundi.",
        "Temps de lecture : 3 min",
        "Publié le 4 mai",
    ]


def test_bullet_lines() -> None:
    assert sents("Au programme :\n• la récolte ;\n• le climat ;\n• Les prix") == [
        "Au programme :",
        "• la récolte ;",
        "• le climat ;",
        "• Les prix",
    ]


def test_paragraph_break_always_ends() -> None:
    assert sents("Une phrase sans fin,\n\net la suite en minuscules.") == [
        "Une phrase sans fin,",
        "et la suite en minuscules.",
    ]
    assert sents("Le ministre a reçu M.\n  \nDupont hier.") == [
        "Le ministre a reçu M.",
        "Dupont hier.",
    ]


def test_single_newline_continuation() -> None:
    text = (
        "Les agriculteurs ont manifesté devant la préfecture\n"
        "pour réclamer des aides. Ils seront reçus."
    )
    assert sents(text) == [
        "Les agriculteurs ont manifesté devant la préfecture\npour réclamer des aides.",
        "Ils seront reçus.",
    ]
    assert sents("Selon le ministre,\nla récolte sera bonne.") == [
        "Selon le ministre,\nla récolte sera bonne."
    ]
    assert sents("Le ministre a reçu M.\nDupont hier.") == ["Le ministre a reçu M.\nDupont hier."]
    assert sents("Il a déclaré :\n« Nous partirons. »") == ["Il a déclaré :\n« Nous partirons. »"]
    # A short heading above a lowercase line stays apart.
    assert sents("Étiquettes\nrécolte, climat") == ["Étiquettes", "récolte, climat"]


def test_sentence_final_punctuation_at_line_end_splits() -> None:
    assert sents("Première phrase.\nDeuxième phrase !\nTroisième ?") == [
        "Première phrase.",
        "Deuxième phrase !",
        "Troisième ?",
    ]


def test_paragraphs_without_blank_lines_are_lines() -> None:
    text = "Première ligne.\nDeuxième ligne. Encore.\nTroisième,\ncontinuée.\nQuatrième."
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == [
        "Première ligne.",
        "Deuxième ligne.",
        "Encore.",
        "Troisième,\ncontinuée.",
        "Quatrième.",
    ]
    assert [s.paragraph for s in segs] == [0, 1, 1, 2, 3]


def test_joined_line_stays_in_its_paragraph() -> None:
    text = "Le ministre a reçu M.\nDupont hier.\nFin."
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == ["Le ministre a reçu M.\nDupont hier.", "Fin."]
    assert [s.paragraph for s in segs] == [0, 1]


def test_paragraphs_with_blank_lines_are_blocks() -> None:
    text = "Titre\n\nUn. Deux.\nTrois.\n\n\n  Quatre.\n"
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == ["Titre", "Un.", "Deux.", "Trois.", "Quatre."]
    assert [s.paragraph for s in segs] == [0, 1, 1, 1, 2]


def test_crlf_text() -> None:
    text = "Titre\r\n\r\nTexte un. Texte deux.\r\nFin\r\n"
    segs = segment(text)
    assert [text[s.start : s.end] for s in segs] == ["Titre", "Texte un.", "Texte deux.", "Fin"]
    assert [s.paragraph for s in segs] == [0, 1, 1, 1]


def test_semicolon_before_a_sentence_opener() -> None:
    assert sents("Trois lieux : la mairie ; Paris et Lyon ; l'école.") == [
        "Trois lieux : la mairie ; Paris et Lyon ; l'école."
    ]
    assert sents("Le vote est reporté ; Il aura lieu lundi.") == [
        "Le vote est reporté ;",
        "Il aura lieu lundi.",
    ]


# --- benchmark data (optional) ---------------------------------------------------------------


@pytest.mark.shared
def test_beats_pysbd_on_ud_french_gsd() -> None:
    """Boundary F1 on UD French-GSD dev+test must beat pysbd's published 0.9725."""
    if not GSD.exists():
        pytest.skip(f"UD French-GSD data not present at {GSD} (it lives in ../shared)")
    spec = importlib.util.spec_from_file_location("bench_segmentation", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sentences: list[str] = []
    for name in bench.FILES:
        sentences += bench.read_sentences(GSD / name)
    assert len(sentences) > 1800
    paras = bench.paragraphs(sentences)
    _, _, f1 = bench.score(paras, [bench.ours(t) for t, _ in paras])
    assert f1 > 0.9725
