"""Extra: exports of real French news articles (../shared/corpus/seeds, team machine only).

Spans are placed at pseudo-random positions (some across sentence and line boundaries) so that
non-breaking spaces, « » quotes and boilerplate lines all go through the offset checks.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.core.scheme import parse_scheme
from annotator.services.export import exporter
from annotator.services.export.common import Selection
from annotator.services.import_jsonl import import_jsonl
from annotator.services.import_semeval import import_semeval
from annotator.services.importing import import_paths
from annotator.store import Store
from tests.export_fixture import SCHEME_YAML

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


@pytest.mark.shared
def test_real_articles_round_trip_and_offsets(tmp_path: Path) -> None:
    if not SEEDS.is_dir():
        pytest.skip("needs ../shared/corpus/seeds (only on the team machine)")
    store = Store.open(tmp_path / "a.db")
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    summary = import_paths(store, [SEEDS])
    assert summary.new >= 1
    rng = random.Random(3)
    who = store.schemes.annotator_id("alice")
    expected: set[tuple[str, int, int, str]] = set()
    for doc_id in store.corpus.document_ids():
        text = store.corpus.document(doc_id)["text"]  # type: ignore[index]
        for s in store.corpus.sentences(doc_id):
            if rng.random() < 0.5:
                continue
            start = rng.randrange(s["start"], s["end"])
            end = min(len(text), start + rng.randint(1, 120))
            label = rng.choice(["Loaded_Language", "Name_Calling", "Exaggeration"])
            store.annotations.add(who, scheme_id, label_set="technique", label=label,
                                 level="span", document_id=doc_id, sentence_id=s["id"],
                                 start=start, end=end)
            store.annotations.add(who, scheme_id, label_set="frame", label="Political",
                                 level="sentence", document_id=doc_id, sentence_id=s["id"])
            expected.add((text, start, end, label))
            store.progress.mark_done(who, scheme_id, s["id"])
    # jsonl round trip, byte for byte
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    exporter("jsonl")(store, first, Selection(), warn=print)
    other = Store.open(tmp_path / "b.db")
    import_jsonl(other, first)
    exporter("jsonl")(other, second, Selection(), warn=print)
    assert first.read_bytes() == second.read_bytes()
    # SemEval: every span line is valid against its article file
    sem = tmp_path / "sem"
    exporter("semeval")(store, sem, Selection(), warn=print)
    got = set()
    for f in (sem / "alice" / "technique-spans").iterdir():
        art = f.name[len("article"):-len("-labels-subtask-3.txt")]
        text = (sem / "articles" / f"article{art}.txt").read_text("utf-8")
        for line in f.read_text("utf-8").splitlines():
            _, label, s, e = line.split("\t")
            got.add((text, int(s), int(e), label))
    assert got == expected
    # and back in as another annotator: the same spans
    third = Store.open(tmp_path / "c.db")
    import_semeval(third, [sem / "alice"], annotator="alice")
    back = {
        (r["text"], r["start"], r["end"], r["label"]) for r in third.db.query(
            'SELECT d.text, v.start, v."end", v.label FROM annotation_view v '
            "JOIN documents d ON d.id = v.document_id WHERE v.level = 'span'")
    }
    assert back == expected
    # brat: fragments never contain a line break and rebuild the span extents
    brat = tmp_path / "brat"
    exporter("brat")(store, brat, Selection(), warn=print)
    seen = set()
    for ann in (brat / "alice").glob("*.ann"):
        text = ann.with_suffix(".txt").read_text("utf-8")
        for line in ann.read_text("utf-8").splitlines():
            if not line.startswith("T"):
                continue
            _, typ_offsets, shown = line.split("\t")
            typ, _, offsets = typ_offsets.partition(" ")
            frags = [tuple(map(int, f.split())) for f in offsets.split(";")]
            assert " ".join(text[a:b] for a, b in frags) == shown
            assert all("\n" not in text[a:b] for a, b in frags)
            if typ != "frame":
                seen.add((text, frags[0][0], frags[-1][1], typ))
    # a span starting or ending on a line break loses that character in brat
    assert {(t, s, e) for t, s, e, _ in seen} <= {
        (t, s2, e2) for t, s, e, _ in expected
        for s2 in (s, s + 1) for e2 in (e, e - 1)
    }
