"""Every export format, byte for byte, on the small fixture database (tests/export_fixture.py).

The expected files under tests/fixtures/export/ were written by the exporters once and reviewed
by eye; any change in an exporter's output shows up here as a diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.store import Store
from tests.export_fixture import build_template, copy_db

GOLDEN = Path(__file__).parent / "fixtures" / "export"

CASES = [
    ("jsonl", "none"), ("jsonl", "majority"), ("csv", "none"), ("csv", "majority"),
    ("csv", "adjudicated"), ("semeval", "none"), ("semeval", "majority"), ("brat", "none"),
    ("brat", "majority"), ("conll", "none"), ("conll", "majority"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def fixture_db(template: Path, tmp_path: Path) -> Store:
    return copy_db(template, tmp_path / "fixture.db")


def tree(root: Path) -> dict[str, bytes]:
    if root.is_file():
        return {root.name: root.read_bytes()}
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(("fmt", "gold"), CASES)
def test_export_matches_golden_files(
    fixture_db: Store, tmp_path: Path, fmt: str, gold: str
) -> None:
    name = f"{fmt}-{gold}" + (f".{fmt}" if fmt in ("jsonl", "csv") else "")
    out = tmp_path / "out" / name
    warnings: list[str] = []
    exporter(fmt)(fixture_db, out, Selection(gold=gold), warn=warnings.append)
    expected = tree(GOLDEN / name)
    got = tree(out)
    assert sorted(got) == sorted(expected)
    for rel, data in expected.items():
        assert got[rel].decode("utf-8") == data.decode("utf-8"), rel
    if gold == "majority":
        ties = [w for w in warnings if w.startswith("tie:")]
        assert "\n".join(ties) + "\n" == (GOLDEN / "majority-ties.txt").read_text("utf-8")


def test_majority_ties_are_the_expected_units(fixture_db: Store, tmp_path: Path) -> None:
    """Spelled out: two annotators answered k1's last sentence and disagree (tie, left out);
    on k1's first sentence 2 of 3 chose Security_and_defense (gold); p2 has only ties."""
    warnings: list[str] = []
    exporter("csv")(fixture_db, tmp_path / "g.csv", Selection(gold="majority"),
                    warn=warnings.append)
    rows = (tmp_path / "g.csv").read_text("utf-8").splitlines()[1:]
    assert [r.split(",")[1:4] for r in rows] == [
        ["stance", "against", "document"],
        ["frame", "Security_and_defense", "sentence"],
        ["technique", "Loaded_Language", "span"],
    ]
    assert len(warnings) == 5
    # the second of p2's three sentences, named as the annotation screen names it
    assert any("doc 2, sentence 2/3, frame: Political chosen by 1 of 2" in w for w in warnings)


def test_selection_filters(fixture_db: Store, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    exporter("csv")(
        fixture_db, out, Selection(annotators=["bruno"], label_sets=["technique"]),
        warn=lambda m: None,
    )
    rows = out.read_text("utf-8").splitlines()[1:]
    assert [r.split(",")[:3] for r in rows] == [
        ["bruno", "technique", "Loaded_Language"],
        ["bruno", "technique", "Name_Calling"],
    ]


def test_unknown_selection_is_a_clear_error(fixture_db: Store, tmp_path: Path) -> None:
    from annotator.services.export.common import ExportError

    with pytest.raises(ExportError, match="no annotator named 'zoe'"):
        exporter("jsonl")(fixture_db, tmp_path / "x.jsonl", Selection(annotators=["zoe"]),
                          warn=print)
    with pytest.raises(ExportError, match="no label set named 'genre'"):
        exporter("jsonl")(fixture_db, tmp_path / "x.jsonl", Selection(label_sets=["genre"]),
                          warn=print)
