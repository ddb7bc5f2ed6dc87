"""Imports leave a database `doctor` finds nothing wrong with (their annotations and done marks
are in the event log as ``adopt`` events), and brat keeps a span's leading or trailing line
break."""

from __future__ import annotations

from pathlib import Path

from annotator.core.scheme import parse_scheme
from annotator.services.doctor import diagnose, replay_problems
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.import_jsonl import import_jsonl
from annotator.services.import_semeval import import_semeval
from annotator.services.importing import make_document
from annotator.store import Store
from tests.export_fixture import SCHEME_YAML


def test_doctor_is_clean_after_jsonl_and_semeval_imports(filled: Store, tmp_path: Path) -> None:
    assert diagnose(filled) == []  # the fixture itself (a span crosses two sentences)
    exporter("jsonl")(filled, tmp_path / "e.jsonl", Selection(), warn=print)
    other = Store.open(tmp_path / "b.db")
    import_jsonl(other, tmp_path / "e.jsonl")
    assert diagnose(other) == []
    exporter("semeval")(filled, tmp_path / "sem", Selection(annotators=["alice"]), warn=print)
    third = Store.open(tmp_path / "c.db")
    import_semeval(third, [tmp_path / "sem" / "alice" / "technique-spans"], annotator="alice")
    assert diagnose(third) == []
    # importing again adds nothing, events included
    n_events = third.db.scalar("SELECT count(*) FROM events")
    import_semeval(third, [tmp_path / "sem" / "alice" / "technique-spans"], annotator="alice")
    assert third.db.scalar("SELECT count(*) FROM events") == n_events
    # the adopt events replay to the stored state and cannot be undone
    who = third.schemes.annotator_id("alice")
    assert replay_problems(third, who) == []
    assert third.annotations.undo(who) is None


TEXT = "Titre\n\nUne phrase qui finit.\nUne autre ligne ici.\n"


def newline_store(tmp_path: Path) -> tuple[Store, str]:
    store = Store.open(tmp_path / "nl.db")
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    [(doc, _)] = store.corpus.add_documents([make_document(TEXT, external_id="n1")])
    sents = store.corpus.sentences(doc)
    who = store.schemes.annotator_id("ana")
    start = TEXT.index("qui finit.")
    end = start + len("qui finit.\n")  # ends with the line break, as 6 of 10 PTC articles have
    store.annotations.add(who, scheme_id, label_set="technique", label="Loaded_Language",
                          level="span", document_id=doc, sentence_id=sents[1]["id"],
                          start=start, end=end)
    lead = TEXT.index("\nUne autre")  # starts with the line break
    store.annotations.add(who, scheme_id, label_set="technique", label="Exaggeration",
                          level="span", document_id=doc, sentence_id=sents[1]["id"],
                          start=lead, end=lead + len("\nUne autre"))
    for s in sents:
        store.progress.mark_done(who, scheme_id, s["id"])
    return store, TEXT[start:end]


def test_brat_keeps_a_line_break_at_either_end_of_a_span(tmp_path: Path) -> None:
    store, _ = newline_store(tmp_path)
    assert diagnose(store) == []  # a span may end with the line break after its sentence
    out = tmp_path / "brat"
    exporter("brat")(store, out, Selection(), warn=print)
    ann = (out / "ana" / "n1.ann").read_text("utf-8")
    text = (out / "ana" / "n1.txt").read_text("utf-8")
    extents = {}
    for line in ann.splitlines():
        cols = line.split("\t")
        typ, _, offsets = cols[1].partition(" ")
        frags = [tuple(int(x) for x in f.split()) for f in offsets.split(";")]
        extents[typ] = (frags[0][0], frags[-1][1])
        shown = " ".join(text[s:e].replace("\n", " ") for s, e in frags)
        assert shown == cols[2]
    start = TEXT.index("qui finit.")
    assert extents["Loaded_Language"] == (start, start + len("qui finit.\n"))
    lead = TEXT.index("\nUne autre")
    assert extents["Exaggeration"] == (lead, lead + len("\nUne autre"))
