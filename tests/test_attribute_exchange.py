"""Attribute values travel with their labels: the lossless JSONL export, import-annotations and
merge carry them (current and removed), and existing exports are unchanged without them."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.scheme import parse_scheme
from annotator.services.importing import make_document
from annotator.services.merge import merge_database
from annotator.store import Store

from .test_attributes import STATEMENTS

TEXT = "Titre\n\nLavrov dit que la fraternité est invincible. Kiev répond.\n"
VIEW = ("SELECT annotator, label, start, \"end\", attribute, value, canonical, number "
        "FROM attribute_view ORDER BY annotator, start, attribute, value")


def build(path: Path) -> Store:
    store = Store.open(path)
    sid, _ = store.schemes.add(parse_scheme(STATEMENTS))
    [(doc, _)] = store.corpus.add_documents([make_document(TEXT, external_id="d1")])
    s1 = store.corpus.sentences(doc)[1]
    for who, start in (("alice", 0), ("bob", 1)):
        aid = store.schemes.annotator_id(who)
        uid = store.annotations.add(aid, sid, label_set="statement", label="Claim",
                                    level="span", document_id=doc, sentence_id=s1["id"],
                                    start=int(s1["start"]) + start, end=int(s1["start"]) + 6)
        store.attributes.set_value(aid, uid, "actor", "Lavrov")
        store.attributes.set_value(aid, uid, "target", "Ukraine", multiple=True)
        store.attributes.set_value(aid, uid, "agreement", "no")
        store.attributes.set_value(aid, uid, "agreement", "yes")  # "no" kept, removed
    return store


def test_jsonl_round_trip_keeps_attribute_values(tmp_path: Path) -> None:
    store = build(tmp_path / "a.db")
    before = store.db.query(VIEW)
    removed = store.db.scalar("SELECT count(*) FROM attribute_values WHERE removed_at IS NOT NULL")
    store.close()
    out = tmp_path / "all.jsonl"
    runner = CliRunner()
    res = runner.invoke(cli, ["export", "--format", "jsonl", "--out", str(out), "--db",
                              str(tmp_path / "a.db")])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8").splitlines()[1])
    values = doc["annotations"][0]["attributes"]
    assert [(v["attribute"], v["value"], v["removed_at"] is None) for v in values] == [
        ("actor", "Lavrov", True), ("target", "Ukraine", True), ("agreement", "no", False),
        ("agreement", "yes", True)]
    res = runner.invoke(cli, ["import-annotations", str(out), "--db", str(tmp_path / "b.db")])
    assert res.exit_code == 0, res.output
    again = Store.open(tmp_path / "b.db")
    assert again.db.query(VIEW) == before
    assert before[0]["canonical"] == "Sergueï Lavrov"  # aliases apply in the new file too
    assert again.db.scalar(
        "SELECT count(*) FROM attribute_values WHERE removed_at IS NOT NULL") == removed
    # importing the same file again adds nothing
    res = runner.invoke(cli, ["import-annotations", str(out), "--db", str(tmp_path / "b.db")])
    assert res.exit_code == 0, res.output
    assert again.db.scalar("SELECT count(*) FROM attribute_values") == 8
    again.close()


def test_bad_attribute_values_in_an_import_name_the_line(tmp_path: Path) -> None:
    build(tmp_path / "a.db").close()
    out = tmp_path / "all.jsonl"
    runner = CliRunner()
    runner.invoke(cli, ["export", "--format", "jsonl", "--out", str(out), "--db",
                        str(tmp_path / "a.db")])
    lines = out.read_text(encoding="utf-8").splitlines()
    doc = json.loads(lines[1])
    doc["annotations"][0]["attributes"][0]["value"] = 12
    out.write_text("\n".join([lines[0], json.dumps(doc)]) + "\n", encoding="utf-8")
    res = runner.invoke(cli, ["import-annotations", str(out), "--db", str(tmp_path / "b.db")])
    assert res.exit_code != 0
    assert f"{out}:2:" in res.output and "attribute value value must be text" in res.output


def test_merge_carries_attribute_values(tmp_path: Path) -> None:
    laptop = build(tmp_path / "laptop.db")
    laptop.close()
    shutil.copy(tmp_path / "laptop.db", tmp_path / "desktop.db")
    laptop = Store.open(tmp_path / "laptop.db")
    desktop = Store.open(tmp_path / "desktop.db")
    alice = laptop.schemes.annotator_id("alice")
    uid = laptop.annotations.current(alice, level="span")[0]["uid"]
    time.sleep(0.002)
    laptop.attributes.set_value(alice, uid, "target", "West", multiple=True)
    laptop.attributes.set_value(alice, uid, "actor", "Sergueï Lavrov")
    laptop.close()
    merge_database(desktop, tmp_path / "laptop.db")
    rows = desktop.db.query("SELECT attribute, value FROM attribute_view WHERE annotator = "
                            "'alice' ORDER BY attribute, value")
    assert [(r["attribute"], r["value"]) for r in rows] == [
        ("actor", "Sergueï Lavrov"), ("agreement", "yes"), ("target", "Ukraine"),
        ("target", "West")]
    # a second merge changes nothing
    n = desktop.db.scalar("SELECT count(*) FROM attribute_values")
    report = merge_database(desktop, tmp_path / "laptop.db")
    assert desktop.db.scalar("SELECT count(*) FROM attribute_values") == n
    assert not report.changed
    desktop.close()
