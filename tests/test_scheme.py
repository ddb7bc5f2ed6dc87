"""Scheme model and validator: exact positions, every error class, hostile YAML, shipped schemes,
versioning, and the `scheme check` command."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import cli
from annotator.core.scheme import (
    DEFAULT_SCHEME,
    RESERVED_KEYS,
    Label,
    LabelSet,
    Problem,
    Scheme,
    SchemeError,
    check_scheme,
    find_scheme_source,
    incompatibilities,
    load_scheme_file,
    parse_scheme,
    shipped_scheme_dir,
    shipped_schemes,
)

REPO = Path(__file__).resolve().parents[1]

PERSUASION_GROUPS = {
    "Attack_on_Reputation": [
        "Name_Calling-Labeling",
        "Guilt_by_Association",
        "Doubt",
        "Appeal_to_Hypocrisy",
        "Questioning_the_Reputation",
    ],
    "Justification": [
        "Flag_Waving",
        "Appeal_to_Authority",
        "Appeal_to_Popularity",
        "Appeal_to_Values",
        "Appeal_to_Fear-Prejudice",
    ],
    "Simplification": [
        "Causal_Oversimplification",
        "False_Dilemma-No_Choice",
        "Consequential_Oversimplification",
    ],
    "Distraction": ["Straw_Man", "Red_Herring", "Whataboutism"],
    "Call": ["Slogans", "Conversation_Killer", "Appeal_to_Time"],
    "Manipulative_Wording": [
        "Loaded_Language",
        "Obfuscation-Vagueness-Confusion",
        "Exaggeration-Minimisation",
        "Repetition",
    ],
}

FRAMES = [
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
]

VALID = """\
name: mini
version: 2
language: en
description: A small scheme.
label_sets:
  - name: tech
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
        key: l
        color: "#f0e"
        group: Manipulative_Wording
        examples: [a pluie de feu]
        cues: ["fraternité invincible", néo-nazis]
      - Doubt
  - name: stance
    level: document
    scale: ordinal
    required: true
    target: Russia
    labels:
      - {name: against, value: -1}
      - {name: neutral, value: 0}
      - {name: favor, value: 1}
  - name: grade
    level: sentence
    scale: interval
    labels: [low, mid, high]
"""


def yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def problems(text: str, filename: str = "s.yaml") -> list[str]:
    scheme, found = check_scheme(text, filename)
    assert (scheme is None) == bool(found)
    return [str(p) for p in found]


def at(text: str, needle: str, nth: int = 0) -> str:
    """`LINE:COL` (1-based) of the nth occurrence of needle in text."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return f"{line}:{col}"


def after(text: str, needle: str) -> str:
    """`LINE:COL` of the character right after the first occurrence of needle."""
    idx = text.index(needle) + len(needle)
    line = text.count("\n", 0, idx) + 1
    return f"{line}:{idx - (text.rfind(chr(10), 0, idx) + 1) + 1}"


def one_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def base(sets: str) -> str:
    return "name: t\nversion: 1\nlabel_sets:\n" + textwrap.dedent(sets)


# ------------------------------------------------------------------------------- the model
def test_valid_scheme_model() -> None:
    s = parse_scheme(VALID, "mini.yaml")
    assert (s.name, s.version, s.language, s.description) == ("mini", 2, "en", "A small scheme.")
    assert s.text == VALID
    assert re.fullmatch(r"[0-9a-f]{64}", s.sha256)
    tech = s.label_set("tech")
    assert tech is not None and tech.level == "span" and tech.multiple
    ll = tech.label("Loaded_Language")
    assert ll == Label(
        name="Loaded_Language",
        key="l",
        color="#f0e",
        examples=("a pluie de feu",),
        cues=("fraternité invincible", "néo-nazis"),
        group="Manipulative_Wording",
    )
    assert tech.label("Doubt") == Label(name="Doubt")  # shorthand string label
    assert tech.label("nope") is None
    assert s.label_set("nope") is None
    assert [x.name for x in s.sets_at("document")] == ["stance"]
    assert [x.name for x in s.sets_at("sentence")] == ["grade"]
    stance = s.label_set("stance")
    assert stance is not None and stance.required and stance.target == "Russia"
    assert stance.scale == "ordinal"
    assert [stance.value_of(n) for n in ("against", "neutral", "favor")] == [-1.0, 0.0, 1.0]
    grade = s.label_set("grade")
    assert grade is not None
    assert [grade.value_of(n) for n in ("low", "mid", "high")] == [0.0, 1.0, 2.0]
    assert tech.value_of("Doubt") is None  # nominal, no explicit values
    assert grade.value_of("missing") is None
    assert s.key_map(["sentence", "span"]) == {"l": (tech, ll)}


def test_problem_and_error_format() -> None:
    p = Problem("a.yaml", 3, 7, "bad thing")
    assert str(p) == "a.yaml:3:7: bad thing"
    err = SchemeError([p, Problem("a.yaml", 4, 1, "other")])
    assert str(err) == "a.yaml:3:7: bad thing\na.yaml:4:1: other"
    assert err.problems[1].line == 4
    with pytest.raises(SchemeError) as info:
        parse_scheme("name: x\n", "x.yaml")
    assert str(info.value).startswith("x.yaml:1:1: ")


# ------------------------------------------------------------------------- error classes
def test_yaml_syntax_error_position() -> None:
    text = "name: t\nversion: 1\nlabel_sets: [\n  {name: a, level: span labels: [x]\n"
    found = problems(text)
    assert len(found) == 1 and "YAML syntax error" in found[0]
    assert re.match(r"s\.yaml:\d+:\d+: ", found[0])
    text = "name: t\nversion: 1\nlabel_sets:\n  - name: a: b\n"
    assert (
        one_problem(text)
        == f"s.yaml:{at(text, ': b')}: YAML syntax error: mapping values are not allowed here"
    )


def test_unknown_fields_with_did_you_mean() -> None:
    text = base("""\
      - name: tech
        levle: span
        labels:
          - name: A
            colour: red
            descripton: x
    """)
    found = problems(text)
    assert (
        f's.yaml:{at(text, "levle")}: unknown field "levle" in label set "tech" '
        '(did you mean "level"?)' in found
    )
    assert (
        f's.yaml:{at(text, "colour")}: unknown field "colour" in label "A" (did you mean "color"?)'
        in found
    )
    assert any('"descripton"' in p and 'did you mean "description"' in p for p in found)
    # levle is unknown, so "level" is also missing, reported at the set's first key
    assert (
        f's.yaml:{at(text, "name: tech")}: label set "tech" is missing the required field "level"'
        in found
    )
    text = "name: t\nversion: 1\nlabels_sets: []\n"
    assert (
        's.yaml:3:1: unknown field "labels_sets" in the scheme (did you mean "label_sets"?)'
        in problems(text)
    )


def test_missing_required_fields() -> None:
    text = "description: nothing else\n"
    found = problems(text)
    assert found == [
        's.yaml:1:1: the scheme is missing the required field "name"',
        's.yaml:1:1: the scheme is missing the required field "version"',
        's.yaml:1:1: the scheme is missing the required field "label_sets"',
    ]
    text = base("""\
      - level: span
        labels:
          - key: x
    """)
    found = problems(text)
    assert (
        f's.yaml:{at(text, "level: span")}: label set #1 is missing the required field "name"'
        in found
    )
    assert (
        f"s.yaml:{at(text, 'key: x')}: label #1 of label set #1 is missing the required "
        'field "name"' in found
    )


def test_wrong_types() -> None:
    text = base("""\
      - name: tech
        level: span
        multiple: "yes"
        required: 1
        labels:
          - name: 3
          - name: B
            examples: {a: 1}
          - name: C
            value: high
    """).replace("version: 1", "version: one")
    found = problems(text)
    assert (
        f"s.yaml:{at(text, 'one')}: version must be a whole number (1, 2, ...), got a string"
        in found
    )
    assert (
        f's.yaml:{at(text, chr(34) + "yes")}: multiple of label set "tech" must be true or '
        "false, got a string" in found
    )
    assert (
        f's.yaml:{after(text, "required: ")}: required of label set "tech" must be true or '
        "false, got an integer" in found
    )
    assert any(
        p.startswith(f"s.yaml:{at(text, '3')}: name of label #1") and "quote it" in p for p in found
    )
    assert (
        f's.yaml:{at(text, "{a: 1}")}: examples of label "B" must be a list of strings, '
        "got a mapping" in found
    )
    assert f's.yaml:{at(text, "high")}: value of label "C" must be a number, got a string' in found
    assert one_problem(
        "name: t\nversion: 0\nlabel_sets: [{name: a, level: span, labels: [x]}]\n"
    ) == ("s.yaml:2:10: version must be 1 or more, not 0")
    assert one_problem("name: t\nversion: 1\nlabel_sets: {a: 1}\n") == (
        "s.yaml:3:13: label_sets must be a list of label sets, got a mapping"
    )
    assert one_problem("- just\n- a list\n") == (
        "s.yaml:1:1: a scheme must be a mapping with name, version and label_sets"
    )


def test_bad_enum_values_with_did_you_mean() -> None:
    text = base("""\
      - name: a
        level: sentense
        scale: ordinl
        labels: [x, y]
    """)
    found = problems(text)
    assert found == [
        f's.yaml:{at(text, "sentense")}: level of label set "a" must be one of document, sentence, '
        'span, not "sentense" (did you mean "sentence"?)',
        f's.yaml:{at(text, "ordinl")}: scale of label set "a" must be one of nominal, ordinal, '
        'interval, ratio, not "ordinl" (did you mean "ordinal"?)',
    ]


def test_duplicates() -> None:
    text = base("""\
      - name: a
        level: span
        labels: [x, y, x]
      - name: a
        level: sentence
        labels: [z]
    """)
    found = problems(text)
    assert found == [
        f's.yaml:{at(text, "x", 1)}: duplicate label "x" in label set "a" (first at line 6)',
        's.yaml:7:9: duplicate label set name "a" (first at line 4)',
    ]
    text = "name: t\nversion: 1\nname: u\nlabel_sets: [{name: a, level: span, labels: [x]}]\n"
    assert one_problem(text) == 's.yaml:3:1: duplicate key "name" (first at line 1)'


def test_empty_sets_and_ordinal_size() -> None:
    text = base("""\
      - name: a
        level: span
        labels: []
      - name: b
        level: document
        scale: ordinal
        labels: [only]
    """)
    assert problems(text) == [
        f's.yaml:{at(text, "[]")}: label set "a" has no labels',
        f's.yaml:{at(text, "[only]")}: label set "b" is ordinal and needs at least 2 labels',
    ]
    assert one_problem("name: t\nversion: 1\nlabel_sets: []\n") == (
        "s.yaml:3:13: label_sets is empty: a scheme needs at least one label set"
    )


def test_colors() -> None:
    text = base("""\
      - name: a
        level: span
        labels:
          - {name: ok1, color: "#abc"}
          - {name: ok2, color: "#A0B1C2"}
          - {name: ok3, color: teal}
          - {name: bad1, color: "#abcd"}
          - {name: bad2, color: rde}
          - name: bad3
            color: #ff0000
    """)
    found = problems(text)
    assert found[0] == (
        f's.yaml:{at(text, chr(34) + "#abcd")}: color "#abcd" of label "bad1" is not #rgb, #rrggbb '
        "or a known colour name"
    )
    assert found[1] == (
        f's.yaml:{at(text, "rde")}: color "rde" of label "bad2" is not #rgb, #rrggbb or a known '
        'colour name (did you mean "red"?)'
    )
    assert found[2].startswith("s.yaml:13:") and "quotes" in found[2]  # unquoted # is a comment
    assert len(found) == 3


def test_label_names_and_values() -> None:
    text = base("""\
      - name: a
        level: span
        labels:
          - "with\\ttab"
          - "  "
          - " padded"
      - name: b
        level: document
        scale: ordinal
        labels:
          - {name: x, value: 1}
          - {name: y}
          - {name: z, value: 1}
      - name: c
        level: document
        scale: ratio
        labels:
          - {name: x, value: -1}
          - {name: y, value: .inf}
    """)
    found = problems(text)
    assert any(
        "must not contain tabs or line breaks" in p
        and p.startswith(f"s.yaml:{at(text, chr(34) + 'with')}")
        for p in found
    )
    assert (
        f's.yaml:{at(text, chr(34) + "  ")}: label #2 of label set "a" has an empty name' in found
    )
    assert (
        f's.yaml:{at(text, chr(34) + " padded")}: label name " padded" must not start or '
        "end with spaces" in found
    )
    assert (
        f's.yaml:{at(text, "{name: y}")}: label set "b": give a value to every label or to none'
        in found
    )
    assert (
        f's.yaml:{after(text, "{name: z, value: ")}: value 1 of "z" is also the value of '
        '"x" in label set "b"' in found
    )
    assert f's.yaml:{at(text, "-1")}: label set "c" is a ratio scale: values must be >= 0' in found
    assert f's.yaml:{at(text, ".inf")}: value of label "y" must be a finite number' in found


def test_set_and_scheme_names() -> None:
    text = "name: my scheme\nversion: 1\nlabel_sets: [{name: a b, level: span, labels: [x]}]\n"
    found = problems(text)
    assert found[0].startswith('s.yaml:1:7: scheme name "my scheme" must be')
    assert found[1].startswith(f's.yaml:{at(text, "a b")}: label set name "a b" must be')


# -------------------------------------------------------------------------------- quick keys
def two_sets(level_a: str, level_b: str, key_a: str, key_b: str) -> str:
    return base(f"""\
      - name: a
        level: {level_a}
        labels:
          - {{name: x, key: "{key_a}"}}
      - name: b
        level: {level_b}
        labels:
          - {{name: y, key: "{key_b}"}}
    """)


@pytest.mark.parametrize(
    ("level_a", "level_b", "collides"),
    [
        ("span", "span", True),
        ("sentence", "span", True),  # both reachable on the annotation screen
        ("sentence", "sentence", True),
        ("document", "document", True),  # both in the document panel
        ("document", "sentence", False),  # never reachable at once
        ("document", "span", False),
    ],
)
def test_key_collisions(level_a: str, level_b: str, collides: bool) -> None:
    text = two_sets(level_a, level_b, "x", "x")
    found = problems(text)
    if collides:
        where = "the document panel" if level_a == "document" else "the annotation screen"
        assert found == [
            f's.yaml:{at(text, chr(34) + "x", 1)}: key "x" of b/y is already used by a/x (line 7); '
            f"both are reachable on {where}"
        ]
    else:
        assert found == []
    assert problems(two_sets(level_a, level_b, "x", "X")) == []  # keys are case-sensitive


def test_key_collision_within_one_set() -> None:
    text = base("""\
      - name: a
        level: span
        labels:
          - {name: x, key: e}
          - {name: y, key: e}
    """)
    assert one_problem(text).startswith(
        f's.yaml:{at(text, "e}", 1)}: key "e" of a/y is already used by a/x'
    )


@pytest.mark.parametrize("key", sorted(k for k in RESERVED_KEYS if len(k) == 1 and k != " "))
def test_reserved_single_keys(key: str) -> None:
    text = two_sets("span", "document", key, "z").replace(f'"{key}"', json.dumps(key))
    found = problems(text)
    assert len(found) == 1 and f'key "{key}" of label "x" is reserved' in found[0]
    assert found[0].startswith(f"s.yaml:{at(text, 'key: ').split(':')[0]}:")


@pytest.mark.parametrize("key", ["enter", "Escape", "tab", "pageup", "PageDown", "up", "space"])
def test_reserved_named_keys(key: str) -> None:
    found = problems(two_sets("span", "document", key, "z"))
    assert len(found) == 1 and "is reserved by the annotation screen" in found[0]


@pytest.mark.parametrize("key", ["ctrl+x", "Ctrl+S", "ctrl-q", "^c"])
def test_ctrl_keys_reserved(key: str) -> None:
    found = problems(two_sets("span", "document", key, "z"))
    assert len(found) == 1 and "ctrl combinations are reserved" in found[0]


@pytest.mark.parametrize("key", ["ab", "\\t", "é1"])
def test_key_must_be_one_character(key: str) -> None:
    found = problems(two_sets("span", "document", key, "z"))
    assert len(found) == 1 and "must be exactly one printable character" in found[0], found


def test_digit_and_symbol_keys_are_fine() -> None:
    text = base("""\
      - name: a
        level: sentence
        labels:
          - {name: x, key: 1}
          - {name: y, key: "2"}
          - {name: z, key: "é"}
          - {name: w, key: "#"}
    """)
    s = parse_scheme(text)
    assert [lab.key for lab in s.label_sets[0].labels] == ["1", "2", "é", "#"]


# ---------------------------------------------------------------------------- hostile YAML
def assert_no_crash(text: str) -> list[Problem]:
    scheme, found = check_scheme(text, "h.yaml")
    assert scheme is None and found
    for p in found:
        assert isinstance(p, Problem) and p.file == "h.yaml" and p.line >= 1 and p.col >= 1
        assert "\n" not in p.message
    return found


def test_alias_bomb_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    found = assert_no_crash("\n".join(lines) + "\n")
    assert [p.message for p in found] == ["aliases expand to more than 10000 values (alias bomb?)"]


def test_many_aliases_refused() -> None:
    text = "x: &x 1\nl: [" + ", ".join(["*x"] * 500) + "]\n"
    found = assert_no_crash(text)
    assert found[0].message.startswith("more than 200 YAML aliases")
    assert found[0].line == 2


def test_recursive_alias() -> None:
    found = assert_no_crash("a: &a [*a]\n")
    assert "nested more than" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20000,
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000)),
        "{" * 300 + "}" * 300,
        "- " * 3000 + "x",
    ],
    ids=["flow-lists", "block-mappings", "flow-mappings", "compact-lists"],
)
def test_deep_nesting(text: str) -> None:
    found = assert_no_crash(text)
    assert [p.message for p in found] in (
        ["the YAML is nested too deeply to read"],
        ["values are nested more than 40 levels deep"],
    )


def test_non_string_keys() -> None:
    text = (
        "name: t\nversion: 1\n3: x\n[1, 2]: y\n? {a: 1}\n: z\n"
        "label_sets: [{name: a, level: span, labels: [x]}]\n"
    )
    found = [str(p) for p in assert_no_crash(text)]
    assert found == [
        "h.yaml:3:1: keys must be strings, got an integer (quote it)",
        "h.yaml:4:1: keys must be strings, got a list",
        "h.yaml:5:3: keys must be strings, got a mapping",
    ]


def test_binary_junk_and_control_characters() -> None:
    found = assert_no_crash("name: t\nver\x00sion: 1\n")
    assert str(found[0]) == "h.yaml:2:4: unacceptable character '\\x00' (U+0000): not a text file?"
    assert_no_crash(bytes(range(256)).decode("latin-1"))


def test_huge_file_refused() -> None:
    found = assert_no_crash("# " + "x" * 5_100_000 + "\n")
    assert "at most 5 MB" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo owned']\n",
        "a: !!python/name:os.system\n",
        "!!python/object:__main__.X {a: 1}\n",
        "a: !custom 1\n",
        "a: 2001-02-30\n",
        "---\na: 1\n---\nb: 2\n",
        "",
        "   \n",
        "~\n",
        "'unterminated\n",
        "a: *undefined\n",
        "a: &x 1\nb: &x 2\nc: [*x]\n",
        "\ufeffname: x\n",
        "<<: 3\n",
    ],
)
def test_hostile_inputs_give_problems(text: str) -> None:
    assert_no_crash(text)


def test_merge_keys_supported() -> None:
    text = base("""\
      - name: a
        level: span
        labels:
          - &base {name: x, color: red, group: G}
          - <<: *base
            name: y
    """)
    s = parse_scheme(text)
    y = s.label_sets[0].label("y")
    assert y is not None and (y.color, y.group) == ("red", "G")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_random_text_never_raises(text: str) -> None:
    scheme, found = check_scheme(text, "f.yaml")
    assert scheme is None or found == []
    assert all(isinstance(p, Problem) for p in found)


YAMLISH = st.text(alphabet=list("abn:-[]{}&*!|>'\"#?,@%`~ \n\t0123456789.<"), max_size=300)


@settings(max_examples=400, deadline=None)
@given(YAMLISH)
def test_fuzz_yaml_like_text_never_raises(text: str) -> None:
    check_scheme(text, "f.yaml")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_mutated_valid_scheme_never_raises(data: st.DataObject) -> None:
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        text = text[:i] + data.draw(st.text(max_size=6)) + text[j:]
    check_scheme(text, "f.yaml")


# ------------------------------------------------------------------------------- files
def test_load_scheme_file_bom_crlf_and_errors(tmp_path: Path) -> None:
    lf = tmp_path / "lf.yaml"
    lf.write_text(VALID, encoding="utf-8")
    crlf = tmp_path / "crlf.yaml"
    crlf.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode("utf-8"))
    a, b = load_scheme_file(lf), load_scheme_file(crlf)
    assert a == b and a.sha256 == b.sha256  # same scheme, same hash on every OS
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: t\nversion: 1\ndescription: caf\xe9\n")
    with pytest.raises(SchemeError) as info:
        load_scheme_file(bad)
    assert str(info.value) == f"{bad}:3:17: not UTF-8 (byte 0xe9); save the file as UTF-8"
    with pytest.raises(SchemeError) as info:
        load_scheme_file(tmp_path / "missing.yaml")
    assert str(info.value) == f"{tmp_path / 'missing.yaml'}: no such file"
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("name: t\nversion: 1\nlabel_sets: []\n", encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme_file(invalid)
    assert str(info.value).startswith(f"{invalid}:3:13: ")


def test_find_scheme_source(tmp_path: Path) -> None:
    assert find_scheme_source(DEFAULT_SCHEME) == shipped_schemes()[DEFAULT_SCHEME]
    assert find_scheme_source("conflict-news.yaml") == shipped_schemes()["conflict-news"]
    own = tmp_path / "conflict-news.yaml"
    own.write_text(VALID, encoding="utf-8")
    assert find_scheme_source(str(own)) == own  # a real file wins over a shipped name
    with pytest.raises(SchemeError) as info:
        find_scheme_source("conflict-new")
    assert 'did you mean "conflict-news"' in str(info.value) and "shipped:" in str(info.value)
    with pytest.raises(SchemeError):
        find_scheme_source(str(tmp_path))


# ------------------------------------------------------------------------- shipped schemes
def test_shipped_scheme_dir() -> None:
    folder = shipped_scheme_dir()
    assert folder == REPO / "schemes"  # running from the repository
    assert (folder / f"{DEFAULT_SCHEME}.yaml").is_file()
    assert set(shipped_schemes()) == {
        "conflict-news",
        "semeval2023-persuasion",
        "semeval2023-frames",
        "source-stance",
        "statements",
    }
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemes" = "annotator/schemes"' in pyproject  # the wheel puts them in the package


@pytest.mark.parametrize("name", sorted(shipped_schemes()))
def test_shipped_schemes_validate(name: str) -> None:
    path = shipped_schemes()[name]
    scheme = load_scheme_file(path)
    assert scheme.name == name == path.stem
    # Version 2: quick keys for every document label (issue 14); a database holding version 1
    # stores version 2 beside it (same labels), while v1 with new content would be refused.
    expected = {"conflict-news": 2, "semeval2023-frames": 2, "source-stance": 2}
    assert scheme.version == expected.get(name, 1) and scheme.language == "fr"
    assert len(scheme.description) > 40 and len(scheme.guidelines) > 100
    for ls in scheme.label_sets:
        assert ls.description
        for lab in ls.labels:
            assert lab.description and lab.color, (ls.name, lab.name)
            assert lab.key is None or lab.key not in RESERVED_KEYS


def technique_set(scheme_name: str) -> LabelSet:
    ls = load_scheme_file(shipped_schemes()[scheme_name]).label_set("technique")
    assert ls is not None
    return ls


@pytest.mark.parametrize("scheme_name", ["semeval2023-persuasion", DEFAULT_SCHEME])
def test_persuasion_techniques_exact(scheme_name: str) -> None:
    ls = technique_set(scheme_name)
    assert ls.level == "span" and ls.multiple
    expected = [name for names in PERSUASION_GROUPS.values() for name in names]
    assert len(expected) == 23
    assert sorted(ls.names) == sorted(expected)
    assert ls.groups == tuple(PERSUASION_GROUPS)
    for group, names in PERSUASION_GROUPS.items():
        assert sorted(lab.name for lab in ls.labels if lab.group == group) == sorted(names)
    for lab in ls.labels:
        assert len(lab.examples) >= 1


@pytest.mark.parametrize(
    ("scheme_name", "set_name"),
    [
        ("semeval2023-frames", "frame"),
        ("semeval2023-frames", "primary_frame"),
        (DEFAULT_SCHEME, "frame"),
        (DEFAULT_SCHEME, "primary_frame"),
    ],
)
def test_frames_exact(scheme_name: str, set_name: str) -> None:
    ls = load_scheme_file(shipped_schemes()[scheme_name]).label_set(set_name)
    assert ls is not None and list(ls.names) == FRAMES
    if set_name == "frame":
        assert ls.level == "sentence" and ls.multiple
    else:
        assert ls.level == "document" and not ls.multiple and ls.required


def test_source_stance() -> None:
    s = load_scheme_file(shipped_schemes()["source-stance"])
    assert [ls.name for ls in s.label_sets] == ["stance_russia", "stance_ukraine", "stance_dprk"]
    for ls in s.label_sets:
        assert ls.level == "document" and ls.scale == "ordinal" and ls.required and ls.target
        assert [(lab.name, ls.value_of(lab.name)) for lab in ls.labels] == [
            ("strongly_against", -2.0),
            ("against", -1.0),
            ("neutral", 0.0),
            ("favor", 1.0),
            ("strongly_favor", 2.0),
        ]


def test_default_scheme_contents() -> None:
    s = load_scheme_file(shipped_schemes()[DEFAULT_SCHEME])
    levels = {ls.name: ls.level for ls in s.label_sets}
    assert levels == {
        "technique": "span",
        "frame": "sentence",
        "attribution": "sentence",
        "primary_frame": "document",
        "genre": "document",
        "stance_russia": "document",
        "stance_ukraine": "document",
    }
    genre = s.label_set("genre")
    assert genre is not None and genre.names == ("opinion", "reporting", "satire")
    for name in ("primary_frame", "stance_russia", "stance_ukraine"):
        ls = s.label_set(name)
        assert ls is not None and ls.required
    tech = technique_set(DEFAULT_SCHEME)
    keyed = {lab.name for lab in tech.labels if lab.key}
    assert {
        "Loaded_Language",
        "Name_Calling-Labeling",
        "Doubt",
        "Appeal_to_Fear-Prejudice",
        "Flag_Waving",
        "Exaggeration-Minimisation",
    } <= keyed
    cues = {c for lab in tech.labels for c in lab.cues}
    assert {"fraternité invincible", "néo-nazis", "régime de Kiev", "chair à canon"} <= cues
    # every quick key reachable on the annotation screen is unique (the validator checks it;
    # this guards the guarantee itself)
    screen = [
        lab.key for ls in s.label_sets if ls.level != "document" for lab in ls.labels if lab.key
    ]
    assert len(screen) == len(set(screen)) >= 15


# ----------------------------------------------------------------------------- versioning
def variant(text: str) -> Scheme:
    return parse_scheme(text)


def test_incompatibilities() -> None:
    old = variant(VALID)
    assert incompatibilities(old, old) == []
    added = variant(
        VALID.replace("      - Doubt\n", "      - Doubt\n      - Slogans\n")
        + "  - name: extra\n    level: span\n    labels: [q]\n"
    )
    assert incompatibilities(old, added) == []
    renamed = variant(VALID.replace("- Doubt", "- Casting_Doubt"))
    assert incompatibilities(old, renamed) == [("tech", "Doubt")]
    assert incompatibilities(renamed, old) == [("tech", "Casting_Doubt")]
    no_grade = variant(VALID.split("  - name: grade")[0])
    assert incompatibilities(old, no_grade) == [
        ("grade", "low"),
        ("grade", "mid"),
        ("grade", "high"),
    ]
    single = variant(VALID.replace("    multiple: true\n", ""))
    assert incompatibilities(old, single) == [("tech", "*")]
    moved = variant(VALID.replace("level: sentence", "level: span"))
    assert incompatibilities(old, moved) == [("grade", "*")]


# ---------------------------------------------------------------------------------- CLI
def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_scheme_check_valid_and_shipped(tmp_path: Path) -> None:
    f = tmp_path / "mini.yaml"
    f.write_text(VALID, encoding="utf-8")
    code, out, err = run("scheme", "check", str(f), DEFAULT_SCHEME)
    assert code == 0, err
    assert f"{f}: ok: mini v2 (en)" in out
    assert "  span: 1 set(s), 2 label(s)" in out and "  document: 1 set(s), 3 label(s)" in out
    assert "conflict-news v2 (fr)" in out
    code, out, err = run("scheme", "check", str(REPO / "schemes"))
    assert code == 0, err
    assert out.count(": ok: ") == 5  # one per shipped scheme (statements added with attributes)


def test_cli_scheme_check_reports_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: t\nversion: 1\nlabel_sets:\n  - name: a\n    level: spam\n    labels: [x]\n",
        encoding="utf-8",
    )
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    code, out, err = run("scheme", "check", str(bad), str(good), str(tmp_path / "nope.yaml"))
    assert code == 2
    lines = err.splitlines()
    assert (
        f'{bad}:5:12: level of label set "a" must be one of document, sentence, span, '
        'not "spam" (did you mean "span"?)' in lines
    )
    assert f"{bad}: 1 problem" in lines
    assert any(
        line.startswith(f"{tmp_path / 'nope.yaml'}: no such file or shipped scheme")
        for line in lines
    )
    assert f"{good}: ok: mini v2" in out  # the other files are still checked
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff")
    code, _, err = run("scheme", "check", str(junk))
    assert code == 2 and err.startswith(f"{junk}:1:1: not UTF-8")
    assert "Traceback" not in err


def test_cli_scheme_add_invalid_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: t\nversion: 1\nlabel_sets:\n  - name: a\n    level: span\n    labels: []\n",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    code, out, err = run("scheme", "add", str(bad), "--db", str(db))
    assert code == 2 and err.strip() == f'{bad}:6:13: label set "a" has no labels'
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    code, out, err = run("scheme", "add", str(good), "--db", str(db))
    assert code == 0, err
    assert out.startswith("mini v2: stored")
    code, out, _ = run("scheme", "add", str(good), "--db", str(db))
    assert code == 0 and "already stored" in out
    code, out, _ = run("scheme", "list", "--db", str(db))
    assert code == 0 and out.startswith("mini\tv2")


# ----------------------------------------------------------------------------- demo corpus
DEMO = REPO / "annotator" / "demo" / "articles.jsonl"


def demo_articles() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line]


def test_demo_corpus_shape() -> None:
    arts = demo_articles()
    assert len(arts) == 4
    assert len({a["source"] for a in arts}) == 4
    for a in arts:
        assert set(a) == {"id", "title", "source", "url", "published", "language", "text"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"]) and a["language"] == "fr"
        text = a["text"]
        assert text.startswith(a["title"] + "\n\n")
        assert "«" in text and "»" in text
        assert re.search(r"\b(M\.|Mme) [A-Z]", text)
        assert re.search(r"11[\s\u00a0\u202f]000", text) and "2,5" in text
        assert re.search(r"^(Photo|Lire aussi|Tags)", text, re.M)
        sentences = re.split(r"(?<=[.!?»])\s+", text)
        assert 8 <= len(sentences) <= 20


def test_demo_contains_scheme_cues() -> None:
    cues = {c for lab in technique_set(DEFAULT_SCHEME).labels for c in lab.cues}
    text = "\n".join(a["text"] for a in demo_articles())
    present = {c for c in cues if c in text}
    assert {"fraternité invincible", "néo-nazis", "régime de Kiev", "chair à canon"} <= present


@pytest.mark.shared
def test_demo_does_not_copy_seed_texts() -> None:
    seeds = REPO.parent / "shared" / "corpus" / "seeds"
    if not seeds.is_dir():
        pytest.skip("needs ../shared/corpus/seeds (only on the team machine)")
    seed_text = " ".join(
        " ".join(p.read_text(encoding="utf-8", errors="replace").split())
        for p in seeds.rglob("*")
        if p.is_file()
    )
    for a in demo_articles():
        words = a["text"].split()
        for i in range(len(words) - 7):
            chunk = " ".join(words[i : i + 8])
            assert chunk not in seed_text, chunk


def test_shipped_scheme_dir_when_installed(tmp_path: Path) -> None:
    """The wheel layout (hatch force-include puts schemes/ at annotator/schemes)."""
    import shutil
    import subprocess
    import sys

    site = tmp_path / "site"
    shutil.copytree(
        REPO / "annotator", site / "annotator", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "schemes", site / "annotator" / "schemes")
    code = (
        "import annotator.core.scheme as s; "
        "print(s.shipped_scheme_dir()); print(','.join(sorted(s.shipped_schemes())))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": ""},
    ).stdout.splitlines()
    assert Path(out[0]) == site / "annotator" / "schemes"
    assert out[1] == (
        "conflict-news,semeval2023-frames,semeval2023-persuasion,source-stance,statements"
    )


# ------------------------------------------------------------------------------- README
def readme_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Labeling schemes (YAML)")
    return text[start : text.index("\n## ", start + 3)]


def test_readme_example_scheme_is_valid() -> None:
    section = readme_section()
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    scheme = parse_scheme(block, "README")
    assert [ls.name for ls in scheme.label_sets] == ["technique", "stance_russia"]


def test_readme_check_example_is_true(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    section = readme_section()
    block = section.split("$ cat my-scheme.yaml\n", 1)[1].split("```", 1)[0]
    yaml_text, output = block.split("$ annotator scheme check my-scheme.yaml\n")
    (tmp_path / "my-scheme.yaml").write_text(yaml_text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("scheme", "check", "my-scheme.yaml")
    assert code == 2 and out == ""
    assert err == output


def test_readme_lists_the_reserved_keys() -> None:
    section = readme_section()
    listed = section.split("cannot be used: `", 1)[1].split("`", 1)[0].split()
    assert set(listed) == {k for k in RESERVED_KEYS if len(k) == 1 and k != " "}


def test_cli_scheme_add_new_version_says_what_changed(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    v1, v2, v3 = (tmp_path / f"v{i}.yaml" for i in (1, 2, 3))
    v1.write_text(VALID, encoding="utf-8")
    v2.write_text(
        VALID.replace("version: 2", "version: 3").replace("- Doubt", "- Doubt\n      - Slogans"),
        encoding="utf-8",
    )
    v3.write_text(VALID.replace("version: 2", "version: 4"), encoding="utf-8")
    assert run("scheme", "add", str(v1), "--db", db)[0] == 0
    code, out, err = run("scheme", "add", str(v2), "--db", db)
    assert code == 0, err
    assert out.splitlines()[1] == "  changes from v2: 1 label(s) added (tech/Slogans)"
    code, out, err = run("scheme", "add", str(v3), "--db", db)
    assert code == 0, err
    assert out.splitlines()[1] == (
        "  changes from v3: 0 label(s) added; changed or removed, unused so far: tech/Slogans"
    )
    code, out, _ = run("scheme", "add", str(v1), "--db", db)
    assert code == 0 and "already stored" in out  # the same text again is a no-op
    old = tmp_path / "old.yaml"
    old.write_text(VALID.replace("version: 2", "version: 1"), encoding="utf-8")
    code, out, err = run("scheme", "add", str(old), "--db", db)
    assert code == 1 and "older than the stored version 4" in err


def test_reserved_keys_cover_the_annotation_screen_bindings() -> None:
    """A quick key must never shadow a key the annotation screen binds by default."""
    from annotator.tui.app import KEYS

    names = {"question_mark": "?", "slash": "/"}
    bound = {names.get(k, k) for row in KEYS for k in row[1].split(",")}
    plain = {k for k in bound if not k.startswith(("ctrl+", "alt+", "shift+"))}
    assert plain - RESERVED_KEYS == set()
