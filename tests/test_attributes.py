"""Attributes of labels (issue 18): the scheme's `attributes:` and its `scheme check` rules,
versioning, the stored values with their event log and undo, `attribute_view`, and the
annotation screen's Session methods."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import (
    SchemeError,
    attribute_incompatibilities,
    check_scheme,
    parse_scheme,
    scheme_from_json,
    scheme_to_json,
    shipped_schemes,
)
from annotator.services.annotation import Session
from annotator.services.importing import make_document
from annotator.store import Store, StoreError

STATEMENTS = """\
name: st
version: 1
label_sets:
  - name: statement
    level: span
    multiple: true
    labels: [Claim, Denial]
    attributes:
      - {name: actor, open: true, aliases: {Sergueï Lavrov: [Lavrov, M. Lavrov]}}
      - {name: target, values: [Russia, Ukraine, DPRK, West], multiple: true}
      - {name: agreement, values: [{name: yes, value: 1}, {name: no, value: 0}]}
  - name: tone
    level: sentence
    labels: [hostile, calm]
    attributes:
      - {name: intensity, scale: ordinal, values: [low, mid, high]}
"""

TEXT = "Titre du jour\n\nLavrov a parlé de fraternité invincible. Les troupes avancent.\n"


def problems(yaml_text: str) -> list[str]:
    scheme, found = check_scheme(textwrap.dedent(yaml_text), "s.yaml")
    assert scheme is None, "expected problems"
    return [str(p) for p in found]


def one_set(attributes: str, level: str = "span") -> str:
    return (
        "name: s\nversion: 1\nlabel_sets:\n  - name: x\n    level: " + level
        + "\n    labels: [A]\n    attributes:\n"
        + textwrap.indent(textwrap.dedent(attributes), "      ")
    )


# ----------------------------------------------------------------------------- scheme model
def test_parse_attributes_example_of_the_issue() -> None:
    s = parse_scheme(STATEMENTS)
    ls = s.label_set("statement")
    assert ls is not None
    actor, target, agreement = ls.attributes
    assert actor.open and not actor.values and actor.scale == "nominal"
    assert actor.canonical("Lavrov") == actor.canonical("M. Lavrov") == "Sergueï Lavrov"
    assert actor.canonical("Poutine") == "Poutine"
    assert target.multiple and target.names == ("Russia", "Ukraine", "DPRK", "West")
    # `yes`/`no` are YAML 1.1 booleans: as value names they are the words
    assert agreement.names == ("yes", "no") and agreement.scale == "interval"
    assert agreement.number("yes") == 1.0 and agreement.number("no") == 0.0
    intensity = s.label_set("tone").attribute("intensity")  # type: ignore[union-attr]
    assert intensity is not None and intensity.number("high") == 2.0
    assert not target.accepts("Mars") and target.accepts("West")
    assert actor.accepts("Un porte-parole") and not actor.accepts("  ")
    # the checked form stored in the database reads back as the same scheme
    assert scheme_from_json(scheme_to_json(s), s.text) == s


def test_shipped_statements_scheme_checks() -> None:
    result = CliRunner().invoke(cli, ["scheme", "check", "statements"])
    assert result.exit_code == 0, result.output
    assert "attribute actor: open text, nominal" in result.output
    assert "attribute agreement: 2 values, interval" in result.output
    s = parse_scheme(shipped_schemes()["statements"].read_text(encoding="utf-8"))
    actor = s.label_sets[0].attribute("actor")
    assert actor is not None and actor.canonical("M. Lavrov") == "Sergueï Lavrov"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("- {name: actor}\n", "needs values (a list of choices) or open: true"),
        ("- {name: a, open: true}\n- {name: a, open: true}\n", 'duplicate attribute "a"'),
        ("- {name: a b, open: true}\n", 'attribute name "a b" must be letters'),
        ("- {name: a, open: true, colour: red}\n", 'unknown field "colour"'),
        ("- {name: a, values: []}\n", "values of attribute \"a\" of label set \"x\" must be a "
         "non-empty list"),
        ("- {name: a, values: [x, x]}\n", 'duplicate value "x"'),
        ("- {name: a, values: [1, 2]}\n", "must be a string or a mapping, got an integer"),
        ("- {name: a, values: [{name: x, value: one}]}\n", 'value of "x" in attribute "a"'),
        ("- {name: a, values: [{name: x, value: 1}, y]}\n", "give a value to every label or "
         "to none"),
        ("- {name: a, values: [{name: x, value: 1}, {name: y, value: 1}]}\n",
         'value 1 of "y" is also the value of "x"'),
        ("- {name: a, open: true, scale: interval}\n", "is open: only a nominal scale applies"),
        ("- {name: a, values: [x, y], multiple: true, scale: ordinal}\n",
         "is multiple: only a nominal scale applies"),
        ("- {name: a, values: [x], scale: ordinal}\n", "is ordinal and needs at least 2 values"),
        ("- {name: a, values: [x, y], aliases: {x: [z]}}\n", "aliases are for open attributes"),
        ("- {name: a, open: true, aliases: [x]}\n", "must be a mapping: canonical value"),
        ("- {name: a, open: true, aliases: {P: [Q], R: [Q]}}\n",
         'alias "Q" of attribute "a" of label set "x" is given to both "P" and "R"'),
        ("- {name: a, open: true, aliases: {P: [Q], Q: [S]}}\n",
         '"Q" of attribute "a" of label set "x" is both a canonical value and an alias of "P"'),
        ("- {name: a, open: true, multiple: maybe}\n", "multiple of attribute"),
        ("- actor\n", "attribute #1 of label set \"x\" must be a mapping"),
    ],
)
def test_attribute_check_rules(attributes: str, expected: str) -> None:
    found = problems(one_set(attributes))
    assert any(expected in p for p in found), found
    assert all(p.startswith("s.yaml:") and p.split(":")[1].isdigit() for p in found), found


def test_attribute_problems_name_their_line() -> None:
    found = problems(one_set("- {name: ok, open: true}\n- {name: bad}\n"))
    assert found == [
        's.yaml:9:9: attribute "bad" of label set "x" needs values (a list of choices) or open: '
        "true (free text)"
    ]


def test_attributes_refused_on_document_sets() -> None:
    found = problems(one_set("- {name: a, open: true}\n", level="document"))
    assert any("attributes are for sentence and span label sets" in p for p in found)


def test_attributes_not_a_list() -> None:
    text = "name: s\nversion: 1\nlabel_sets:\n  - {name: x, level: span, labels: [A], " \
           "attributes: {actor: 1}}\n"
    assert any("attributes of label set \"x\" must be a list" in p for p in problems(text))


def test_scheme_check_cli_reports_attribute_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(one_set("- {name: target, values: [x], aliases: {x: [y]}}\n"), "utf-8")
    result = CliRunner().invoke(cli, ["scheme", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:8:" in result.output and "aliases are for open attributes" in result.output


def test_attribute_incompatibilities() -> None:
    old = parse_scheme(STATEMENTS)
    more = parse_scheme(
        STATEMENTS.replace("version: 1", "version: 2")
        .replace("[Russia, Ukraine, DPRK, West]", "[Russia, Ukraine, DPRK, West, EU]")
        .replace("M. Lavrov]", "M. Lavrov, Serguei Lavrov]")
    )
    assert attribute_incompatibilities(old, more) == []  # adding values and aliases is fine
    fewer = parse_scheme(
        STATEMENTS.replace("version: 1", "version: 2")
        .replace("[Russia, Ukraine, DPRK, West]", "[Russia, Ukraine]")
        .replace(
            "      - {name: actor, open: true, aliases: {Sergueï Lavrov: [Lavrov, M. Lavrov]}}\n",
            "",
        )
    )
    assert set(attribute_incompatibilities(old, fewer)) == {
        ("statement", "actor", "*"), ("statement", "target", "DPRK"),
        ("statement", "target", "West"),
    }


# ----------------------------------------------------------------------------- storage
def statements_session(store: Store, annotator: str = "alice") -> Session:
    """The STATEMENTS scheme and TEXT stored (once), and ``annotator`` on its second sentence."""
    scheme = parse_scheme(STATEMENTS)
    scheme_id, _ = store.schemes.add(scheme)
    store.corpus.add_documents([make_document(TEXT, source="Le Test")])
    s = Session(store, scheme, scheme_id, annotator)
    s.start()
    s.goto(s.neighbour(1) or s.sentence_id)
    return s


@pytest.fixture
def session(store: Store) -> Session:
    return statements_session(store)


def span_uid(s: Session) -> str:
    s.toggle_span("statement", "Claim", 0, 6)
    return str(s.spans()[0]["uid"])


def test_values_stored_at_once_with_events_and_view(session: Session) -> None:
    s = session
    uid = span_uid(s)
    assert s.set_attribute(uid, "actor", "Lavrov") == "Claim actor: Lavrov"
    s.set_attribute(uid, "target", "Ukraine")
    s.set_attribute(uid, "target", "West")
    s.set_attribute(uid, "agreement", "yes")
    assert s.set_attribute(uid, "agreement", "no") == "Claim agreement: no"
    assert s.set_attribute(uid, "agreement", "no") == "agreement: unchanged"
    ann = s.spans()[0]
    assert s.attributes_of(ann) == {"actor": ["Lavrov"], "target": ["Ukraine", "West"],
                                    "agreement": ["no"]}
    # another handle (a restarted screen) reads what was chosen: nothing is held in memory
    other = Store.open(s.store.path)
    rows = other.db.query(
        "SELECT attribute, value, canonical, number, label, start FROM attribute_view "
        "ORDER BY attribute_value_id"
    )
    assert [(r["attribute"], r["value"], r["canonical"], r["number"]) for r in rows] == [
        ("actor", "Lavrov", "Sergueï Lavrov", None),
        ("target", "Ukraine", "Ukraine", None),
        ("target", "West", "West", None),
        ("agreement", "no", "no", 0.0),
    ]
    assert {r["label"] for r in rows} == {"Claim"}
    actions = [r[0] for r in other.db.execute("SELECT action FROM events ORDER BY id")]
    assert actions == ["add"] + ["attribute"] * 5
    # annotation_view is unchanged: one row for the span
    assert other.db.scalar("SELECT count(*) FROM annotation_view") == 1
    other.close()


def test_multiple_toggles_and_single_clears(session: Session) -> None:
    s = session
    uid = span_uid(s)
    s.set_attribute(uid, "target", "Russia")
    s.set_attribute(uid, "target", "DPRK")
    s.set_attribute(uid, "target", "Russia")  # toggled off
    s.set_attribute(uid, "agreement", "yes")
    s.set_attribute(uid, "agreement", None)  # cleared
    assert s.attributes_of(s.spans()[0]) == {"target": ["DPRK"]}


def test_undo_redo_attribute_values(session: Session) -> None:
    s = session
    uid = span_uid(s)
    s.set_attribute(uid, "agreement", "yes")
    s.set_attribute(uid, "agreement", "no")
    s.undo()
    assert s.attributes_of(s.spans()[0]) == {"agreement": ["yes"]}
    s.undo()
    assert s.attributes_of(s.spans()[0]) == {}
    s.undo(redo=True)
    s.undo(redo=True)
    assert s.attributes_of(s.spans()[0]) == {"agreement": ["no"]}
    # undoing the span hides its values with it; redo brings both back
    s.remove(uid)
    assert s.store.db.scalar("SELECT count(*) FROM attribute_view") == 0
    s.undo()
    assert s.store.db.scalar("SELECT value FROM attribute_view") == "no"


def test_bad_values_refused(session: Session) -> None:
    s = session
    uid = span_uid(s)
    with pytest.raises(ValueError, match="'maybe' is not one of yes, no"):
        s.set_attribute(uid, "agreement", "maybe")
    with pytest.raises(ValueError, match="no attribute 'colour'"):
        s.set_attribute(uid, "colour", "red")
    with pytest.raises(ValueError, match="one line of text"):
        s.set_attribute(uid, "actor", "a\nb")
    assert s.store.db.scalar("SELECT count(*) FROM attribute_values") == 0


def test_choices_and_default_follow_the_annotators_use(session: Session) -> None:
    s = session
    uid = span_uid(s)
    assert s.default_attribute_value("statement", "actor") is None
    s.set_attribute(uid, "actor", "Volodymyr Zelensky")
    s.set_attribute(uid, "actor", "Lavrov")
    assert s.default_attribute_value("statement", "actor") == "Lavrov"
    # only current values count: the replaced one is gone from the corpus
    assert s.attribute_choices("statement", "actor") == ["Lavrov"]
    # an alias's canonical value is offered when the query matches the alias or the canonical
    assert s.attribute_choices("statement", "actor", "serg") == ["Sergueï Lavrov"]
    assert s.attribute_choices("statement", "actor", "lav")[0] == "Lavrov"
    assert s.attribute_choices("statement", "target") == ["Russia", "Ukraine", "DPRK", "West"]
    s.set_attribute(uid, "target", "West")
    assert s.attribute_choices("statement", "target")[0] == "West"
    assert s.attribute_choices("statement", "target", "uk") == ["Ukraine"]


def test_scheme_version_removing_used_values_refused(session: Session) -> None:
    s = session
    uid = span_uid(s)
    s.set_attribute(uid, "target", "DPRK")
    v2 = parse_scheme(STATEMENTS.replace("version: 1", "version: 2")
                      .replace("[Russia, Ukraine, DPRK, West]", "[Russia, Ukraine, West]"))
    with pytest.raises(StoreError, match="statement/target=DPRK: 1 value"):
        s.store.schemes.add(v2)
    # adding an alias in a later version applies to values chosen earlier
    s.set_attribute(uid, "actor", "Serguei Lavrov")
    assert s.store.db.scalar("SELECT canonical FROM attribute_view WHERE attribute='actor'") == (
        "Serguei Lavrov")
    v3 = parse_scheme(STATEMENTS.replace("version: 1", "version: 3")
                      .replace("M. Lavrov]", "M. Lavrov, Serguei Lavrov]"))
    s.store.schemes.add(v3)
    assert s.store.db.scalar("SELECT canonical FROM attribute_view WHERE attribute='actor'") == (
        "Sergueï Lavrov")


def test_invalid_scheme_error_lists_every_problem() -> None:
    with pytest.raises(SchemeError) as info:
        parse_scheme(one_set("- {name: a}\n- {name: b, values: [x], aliases: {x: [y]}}\n"))
    assert len(info.value.problems) == 2


KILLED = """
import os, signal, sys
from annotator.core.scheme import parse_scheme
from annotator.services.annotation import Session
from annotator.store import Store
store = Store.open(sys.argv[1])
scheme_id, scheme = store.schemes.load("st")
s = Session(store, scheme, scheme_id, "alice")
s.start()
s.goto(s.neighbour(1) or s.sentence_id)
s.toggle_span("statement", "Claim", 0, 6)
uid = s.spans()[0]["uid"]
for value in ("Russia", "Ukraine", "DPRK"):
    s.set_attribute(uid, "target", value)
    print(value, flush=True)  # shown: stored
s.set_attribute(uid, "actor", "Lavrov")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_values_survive_kill_9(session: Session, tmp_path: Path) -> None:
    """Every value chosen before the process is killed is in the file, and the event log
    replays to the stored state."""
    import os
    import subprocess
    import sys

    from annotator.services.doctor import replay_problems

    path = session.store.path
    session.store.close()
    script = tmp_path / "killed.py"
    script.write_text(KILLED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert proc.stdout.split() == ["Russia", "Ukraine", "DPRK"]
    store = Store.open(path)
    rows = store.db.query("SELECT attribute, value FROM attribute_view ORDER BY attribute_value_id")
    assert [(r["attribute"], r["value"]) for r in rows] == [
        ("target", "Russia"), ("target", "Ukraine"), ("target", "DPRK"), ("actor", "Lavrov")]
    assert store.db.scalar("PRAGMA integrity_check") == "ok"
    assert replay_problems(store, store.schemes.annotator_id("alice")) == []
    store.close()


def test_scheme_add_says_which_attributes_a_version_adds(tmp_path: Path) -> None:
    v1 = tmp_path / "v1.yaml"
    v1.write_text("name: st\nversion: 1\nlabel_sets:\n  - {name: statement, level: span, "
                  "labels: [Claim]}\n", encoding="utf-8")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(STATEMENTS.replace("labels: [Claim, Denial]", "labels: [Claim]")
                  .replace("version: 1", "version: 2"), encoding="utf-8")
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["scheme", "add", str(v1), "--db", db]).exit_code == 0
    res = runner.invoke(cli, ["scheme", "add", str(v2), "--db", db])
    assert res.exit_code == 0, res.output
    assert ("attribute(s) added: statement/actor, statement/target, statement/agreement, "
            "tone/intensity") in res.output
