"""Suggestions that learn from the annotator's own work: real SQLite files, the real session and
the real screen (Pilot). Another annotator's spans are never suggested (blind coding)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.core.scheme import Scheme
from annotator.services.annotation import Session
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app

from .conftest import make_doc, rendered
from .test_annotate import spans

NEO = {
    "title": "Défilé",
    "source": "Le Test",
    "text": "Défilé\n\nLes néo-nazis défilent en ville. Un Néonazi a parlé au marché. La fin.",
}


@pytest.fixture
def neo(corpus: Path) -> int:
    """The fixture corpus plus a document where « néo-nazis » and « Néonazi » follow each
    other; its id."""
    s = Store.open(corpus)
    s.corpus.add_documents([make_doc(NEO)])
    doc = s.corpus.find_document("4")
    s.close()
    assert doc is not None
    return doc


def session(store: Store, name: str) -> Session:
    """A session that learned what the screen's worker teaches it at start."""
    scheme_id, scheme = store.schemes.load("tui-test")
    s = Session(store, scheme, scheme_id, name)
    s.apply_learned(s.learn())
    return s


def mark(s: Session, sentence: int, phrase: str, label: str = "Name_Calling") -> None:
    s.goto(sentence)
    start = s.sentence["text"].index(phrase)
    s.toggle_span("technique", label, start, start + len(phrase))


def sentence_of(store: Store, doc: int, n: int) -> int:
    sid = store.corpus.sentence_at(doc, n)
    assert sid is not None
    return sid


def texts(s: Session) -> list[tuple[str, str, str, int]]:
    text = s.sentence["text"]
    return [(text[g.start : g.end], g.label, g.source, g.count) for g in s.suggestions()]


def test_own_spans_are_learned_and_another_annotators_never(neo: int, db: Store) -> None:
    bob = session(db, "bob")
    mark(bob, sentence_of(db, neo, 1), "néo-nazis")
    mark(bob, sentence_of(db, neo, 2), "marché", "Doubt")
    alice = session(Store.open(db.path), "alice")  # a fresh screen, as after a restart
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice) == []  # bob's spans stay bob's
    mark(alice, sentence_of(db, neo, 1), "néo-nazis")
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice) == [("Néonazi", "Name_Calling", "learned", 1)]
    # Restarted, bob finds his own phrases back from the database.
    bob_again = session(Store.open(db.path), "bob")
    bob_again.goto(sentence_of(db, neo, 2))
    assert texts(bob_again) == [("Néonazi", "Name_Calling", "learned", 1)]


def test_deleting_or_undoing_a_span_takes_its_lesson_back(neo: int, db: Store) -> None:
    alice = session(db, "alice")
    mark(alice, sentence_of(db, neo, 1), "néo-nazis")
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice)
    alice.undo()  # goes back to the span's sentence, removes it
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice) == []
    alice.undo(redo=True)
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice) == [("Néonazi", "Name_Calling", "learned", 1)]
    alice.goto(sentence_of(db, neo, 1))
    alice.remove(alice.spans()[0]["uid"])
    alice.goto(sentence_of(db, neo, 2))
    assert texts(alice) == []


def test_cues_gain_the_folding(db: Store, corpus: Path) -> None:
    db.corpus.add_documents([make_doc({"title": "B", "text": "B\n\nDes Barbares, des barbare."})])
    alice = session(db, "alice")
    alice.goto(sentence_of(db, 4, 1))
    assert [t[0:3] for t in texts(alice)] == [
        ("Barbares", "Loaded_Language", "cue"), ("barbare", "Loaded_Language", "cue")
    ]


async def test_learned_suggestion_in_the_next_sentence_is_accepted_with_one_key(
    neo: int, corpus: Path, scheme: Scheme, db: Store
) -> None:
    app = make_app(corpus, scheme, "alice", document_id=neo)
    async with app.run_test() as pilot:
        await pilot.press("j", "s", *"néo-nazis", "enter", "m")
        assert [s[0::3] for s in spans(db)] == [("Name_Calling", "néo-nazis")]
        await pilot.press("j")
        legend = rendered(app, "legend")
        assert "«Néonazi»" in legend and "yours ×1" in legend
        assert len(spans(db)) == 1  # shown, never stored unless accepted
        await pilot.press("a")
        assert [s[0::3] for s in spans(db)] == [
            ("Name_Calling", "néo-nazis"), ("Name_Calling", "Néonazi")
        ]


# ---------------------------------------------------------------------- sentence-label model
ECONOMIC = ["Le prix du blé augmente encore.", "Les salaires baissent et les prix montent.",
            "Le coût de l'énergie explose cet hiver.", "La banque relève ses taux d'intérêt.",
            "Les exportations de gaz reculent fortement.", "Le budget de l'État est en déficit."]
SECURITY = ["Les troupes avancent vers la frontière.", "Des missiles frappent la ville.",
            "L'armée renforce ses positions au front.", "Les soldats repoussent l'offensive.",
            "Un convoi militaire traverse la région.", "Les drones survolent la ligne de front."]
NEUTRAL = ["Il fait beau ce matin.", "La réunion commence à dix heures.",
           "Le journal paraît le lundi.", "Une exposition ouvre au musée."]


def trained_corpus(store: Store) -> int:
    """Documents where alice answered 32 sentences (frames, and some with no frame) and one
    more document to annotate; the id of its first sentence, about prices."""
    scheme_id, _ = store.schemes.load("tui-test")
    pool = [(t, "Economic") for t in ECONOMIC] + [(t, "Security_and_defense") for t in SECURITY]
    pool += [(t, None) for t in NEUTRAL]
    rows = (pool * 2)[:32]
    text = "Entraînement\n\n" + " ".join(t for t, _ in rows)
    new = "Nouveau\n\nLe prix du gaz et les salaires augmentent. Fin."
    store.corpus.add_documents([make_doc({"title": "E", "text": text}),
                                make_doc({"title": "N", "text": new})])
    aid = store.schemes.annotator_id("alice")
    for i, (_, frame) in enumerate(rows):
        sid = sentence_of(store, 4, i + 1)
        if frame is not None:
            store.annotations.add(aid, scheme_id, label_set="frame", label=frame,
                                  level="sentence", document_id=4, sentence_id=sid)
        store.progress.mark_done(aid, scheme_id, sid)
    return sentence_of(store, 5, 1)


async def test_sentence_label_model_suggests_a_frame_accepted_with_one_key(
    corpus: Path, scheme: Scheme, db: Store
) -> None:
    pytest.importorskip("sklearn", reason="scikit-learn (the [suggest] extra) is not installed")
    target = trained_corpus(db)
    app: AnnotatorApp = make_app(corpus, scheme, "alice", document_id=5)
    async with app.run_test() as pilot:
        await pilot.press("j")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.sentence_id == target
        legend = rendered(app, "legend")
        assert "suggested frame: Economic (0." in legend, legend
        await pilot.press("ctrl+t")
        aid = db.schemes.annotator_id("alice")
        now = db.annotations.current(aid, sentence_id=target)
        assert [(a["label_set"], a["label"]) for a in now] == [("frame", "Economic")]
        assert "suggested frame" not in rendered(app, "legend")  # answered: no more guess


async def test_no_model_below_the_minimum_of_examples(
    new_app: Callable[..., AnnotatorApp], db: Store
) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        for _ in range(3):
            await pilot.press("2", "enter")  # Economic, done
        await app.workers.wait_for_complete()
        assert app.session.models == {}
        assert "suggested" not in rendered(app, "legend")


PARADE = {"title": "Rejet", "text": "Rejet\n\nLe défilé commence. Le défilé continue. "
          "Le défilé finit. Le défilé reprend."}


async def test_a_phrase_passed_over_stops_being_suggested_also_after_a_restart(
    corpus: Path, scheme: Scheme, db: Store
) -> None:
    db.corpus.add_documents([make_doc(PARADE)])
    alice = session(db, "alice")
    mark(alice, sentence_of(db, 4, 1), "défilé", "Doubt")
    alice.mark_done()
    for n in (2, 3):
        alice.goto(sentence_of(db, 4, n))
        assert texts(alice) == [("défilé", "Doubt", "learned", 1)]
        alice.mark_done()  # left unmarked: a rejection each time
    alice.goto(sentence_of(db, 4, 4))
    assert texts(alice) == []  # passed over twice, used once
    fresh = session(Store.open(db.path), "alice")  # restarted: the rejections are replayed
    fresh.goto(sentence_of(db, 4, 4))
    assert texts(fresh) == []
    assert fresh.phrases.lexicon.count("défilé", "technique", "Doubt") == 1


async def test_the_screen_learns_past_spans_in_a_worker(
    neo: int, corpus: Path, scheme: Scheme, db: Store
) -> None:
    mark(session(db, "alice"), sentence_of(db, neo, 1), "néo-nazis")
    app = make_app(corpus, scheme, "alice", document_id=neo)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("g", *":3", "enter")  # straight there: the span's sentence unseen
        assert app.session.sentence_id == sentence_of(db, neo, 2)
        legend = rendered(app, "legend")
        assert "«Néonazi»" in legend and "yours ×1" in legend


def parade_passed_over_twice(db: Store) -> Session:
    """Alice marked « défilé » in the parade's first sentence, then finished the next two
    without marking it (two rejections): it is no longer suggested."""
    db.corpus.add_documents([make_doc(PARADE)])
    alice = session(db, "alice")
    mark(alice, sentence_of(db, 4, 1), "défilé", "Doubt")
    alice.mark_done()
    for n in (2, 3):
        alice.goto(sentence_of(db, 4, n))
        alice.mark_done()
    return alice


def test_undoing_a_done_mark_takes_back_its_rejection_at_once(db: Store) -> None:
    alice = parade_passed_over_twice(db)
    alice.goto(sentence_of(db, 4, 4))
    assert texts(alice) == []
    row = alice.undo()  # the done mark of the third sentence
    assert row is not None and alice.sentence_id == sentence_of(db, 4, 3)
    assert texts(alice) == [("défilé", "Doubt", "learned", 1)]  # passed over once, used once
    alice.undo(redo=True)  # done again: rejected again, once
    assert texts(alice) == []
    alice.undo()
    alice.toggle_done()  # marked done another way, then not done: the same bookkeeping
    assert texts(alice) == []
    alice.toggle_done()
    assert texts(alice) == [("défilé", "Doubt", "learned", 1)]
    fresh = session(Store.open(db.path), "alice")  # a restart agrees
    fresh.goto(sentence_of(db, 4, 3))
    assert texts(fresh) == [("défilé", "Doubt", "learned", 1)]


async def test_undo_on_the_screen_brings_a_rejected_suggestion_back(
    corpus: Path, scheme: Scheme, db: Store
) -> None:
    parade_passed_over_twice(db)
    app = make_app(corpus, scheme, "alice", document_id=4)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()  # rejections replayed from the database
        await pilot.pause()
        await pilot.press("g", *":4", "enter")
        assert "«défilé»" not in rendered(app, "legend")
        await pilot.press("u")  # undoes the done mark of this sentence
        assert app.session.sentence_id == sentence_of(db, 4, 3) and not app.session.done
        legend = rendered(app, "legend")
        assert "«défilé»" in legend and "yours ×1" in legend, legend
