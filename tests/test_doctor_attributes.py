"""`annotator doctor` on attribute values (issue 18, round 2): values the scheme does not allow,
attributes the label set does not have, several values of a single-choice attribute; a value
added by a later scheme version is not a problem. Damage done with direct SQL on a real file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import parse_scheme
from annotator.services.doctor import diagnose
from annotator.store import Store

from .test_attributes import STATEMENTS, statements_session


def coded(path: Path) -> tuple[int, int]:
    """alice's span with actor, two targets and agreement: all allowed. Returns the ids of the
    span annotation and of the tone label (which has an intensity)."""
    with Store.open(path) as store:
        s = statements_session(store)
        s.toggle_span("statement", "Claim", 0, 6)
        span = s.spans()[0]
        for attribute, value in (("actor", "Lavrov"), ("target", "Ukraine"),
                                 ("target", "West"), ("agreement", "yes")):
            s.set_attribute(str(span["uid"]), attribute, value)
        s.toggle_label("tone", "hostile")
        tone = s.sentence_labels()[0]
        s.set_attribute(str(tone["uid"]), "intensity", "high")
        return int(span["id"]), int(tone["id"])


def put(path: Path, annotation_id: int, attribute: str, value: str, uid: str) -> None:
    with Store.open(path) as store:
        store.db.execute(
            "INSERT INTO attribute_values (uid, annotation_id, attribute, value, created_at) "
            "VALUES (?, ?, ?, ?, '2026-12-01T00:00:00')",
            [uid, annotation_id, attribute, value],
        )


def findings(path: Path) -> dict[str, list[str]]:
    with Store.open(path) as store:
        return {f.check: f.examples for f in diagnose(store)}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_clean_attribute_values_are_ok(db_path: Path) -> None:
    coded(db_path)
    assert findings(db_path) == {}
    code, out = run("doctor", "--db", str(db_path))
    assert code == 0 and "attributes" in out


def test_each_kind_of_bad_value_is_found_and_not_repaired(db_path: Path) -> None:
    span, tone = coded(db_path)
    put(db_path, span, "target", "Mars", "v1")  # not a closed value
    put(db_path, tone, "intensity", "extreme", "v2")  # not on the ordinal scale
    put(db_path, span, "colour", "red", "v3")  # no such attribute in the set
    put(db_path, span, "agreement", "no", "v4")  # a second value of a single-choice attribute
    found = findings(db_path)
    assert set(found) == {"attribute-values", "attribute-names", "attribute-multiple"}
    assert len(found["attribute-values"]) == 2
    assert "statement/target 'Mars'" in found["attribute-values"][0]
    assert "tone/intensity 'extreme' (low, mid, high)" in found["attribute-values"][1]
    assert found["attribute-names"] == [
        f"value 8 on annotation {span}: statement has no attribute 'colour' in st"
    ]
    assert found["attribute-multiple"] == [  # the bad intensity is a second one, too
        f"annotation {span}: statement/agreement has 2 values",
        f"annotation {tone}: tone/intensity has 2 values",
    ]
    code, out = run("doctor", "--db", str(db_path))
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("problem: attribute")]
    assert len(lines) == 3 and all("not repaired automatically" in line for line in lines)
    code, out = run("doctor", "--db", str(db_path), "--repair")
    assert code == 1 and "still wrong: attribute-values" in out
    with Store.open(db_path) as store:  # nothing the coder stored was touched
        assert store.db.execute(
            "SELECT count(*) FROM attribute_values WHERE removed_at IS NULL"
        ).fetchone()[0] == 9


def test_value_of_a_later_version_and_removed_annotations_are_fine(db_path: Path) -> None:
    span, _ = coded(db_path)
    with Store.open(db_path) as store:
        store.schemes.add(parse_scheme(STATEMENTS.replace("version: 1", "version: 2").replace(
            "DPRK, West]", "DPRK, West, China]")))
    put(db_path, span, "target", "China", "v1")  # given under v2 on a label made under v1
    assert findings(db_path) == {}
    put(db_path, span, "target", "Mars", "v2")
    assert set(findings(db_path)) == {"attribute-values"}
    with Store.open(db_path) as store:  # a removed annotation keeps its values for undo
        store.db.execute("UPDATE annotations SET removed_at = '2026-12-01' WHERE id = ?", [span])
        assert "attribute-values" not in {f.check for f in diagnose(store)}
