"""A small annotated database for the export, import and merge tests, built through the Store API.

Two French articles written for these tests, three annotators (alice, bruno, chloe), sentence,
span and document labels, one removed annotation, a note, a flag, a tie for the majority gold and
one adjudicated decision. Random uids and clock times are then replaced by fixed ones so that
exports can be compared with golden files byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.core.scheme import parse_scheme
from annotator.services.importing import make_document
from annotator.store import Store

SCHEME_YAML = """\
name: presse
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    multiple: true
    labels:
      - name: Security_and_defense
      - name: Political
      - name: Economic
  - name: stance
    level: document
    scale: ordinal
    labels:
      - name: against
      - name: neutral
      - name: favor
  - name: technique
    level: span
    multiple: true
    labels:
      - name: Loaded_Language
      - name: Name_Calling
      - name: Exaggeration
"""

TEXT_K1 = (
    "Kursk : la contre-offensive s'enlise\n\n"
    "Les troupes ukrainiennes avancent dans la région de Kursk. "
    "Le ministre parle d'une « fraternité invincible » entre les peuples.\n"
    "Moscou dénonce une provocation terroriste.\n"
)
TEXT_P2 = (
    "Sommet de Pyongyang\n\n"
    "Le traité de défense mutuelle a été signé hier. "
    "Les analystes y voient un tournant historique pour la région.\n"
)


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def build(store: Store) -> dict[str, Any]:
    """Fill an empty store; returns ids useful to tests."""
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    [(k1, _), (p2, _)] = store.corpus.add_documents(
        [
            make_document(TEXT_K1, external_id="k1", source="Le Quotidien",
                          url="https://example.org/k1", published="2024-08-10", language="fr",
                          meta={"rubrique": "monde"}),
            make_document(TEXT_P2, source="Radio Est", language="fr"),
        ]
    )
    s1 = [s["id"] for s in store.corpus.sentences(k1)]
    s2 = [s["id"] for s in store.corpus.sentences(p2)]
    alice, bruno, chloe = (store.schemes.annotator_id(n) for n in ("alice", "bruno", "chloe"))

    def add(who: int, label_set: str, label: str, level: str, doc: int,
            sent: int | None = None, phrase: str | None = None, text: str = TEXT_K1,
            **kw: Any) -> str:
        start = end = None
        if phrase is not None:
            start, end = span(text, phrase)
        return store.annotations.add(
            who, scheme_id, label_set=label_set, label=label, level=level, document_id=doc,
            sentence_id=sent, start=start, end=end, **kw,
        )

    # k1 ------------------------------------------------------------------------------
    add(alice, "frame", "Security_and_defense", "sentence", k1, s1[1])
    add(bruno, "frame", "Security_and_defense", "sentence", k1, s1[1])
    add(chloe, "frame", "Political", "sentence", k1, s1[1])
    gone = add(alice, "frame", "Political", "sentence", k1, s1[1])
    store.annotations.remove(alice, gone)
    add(alice, "frame", "Political", "sentence", k1, s1[2])
    add(bruno, "frame", "Economic", "sentence", k1, s1[2])
    add(alice, "frame", "Security_and_defense", "sentence", k1, s1[3])  # tie: 1 of 2
    add(alice, "technique", "Loaded_Language", "span", k1, s1[2], "fraternité invincible")
    add(bruno, "technique", "Loaded_Language", "span", k1, s1[2], "fraternité invincible")
    add(chloe, "technique", "Exaggeration", "span", k1, s1[2], "fraternité invincible")
    # crosses the line break between two sentences: brat needs two fragments
    add(alice, "technique", "Exaggeration", "span", k1, s1[2], "les peuples.\nMoscou dénonce")
    add(bruno, "technique", "Name_Calling", "span", k1, s1[3], "provocation terroriste",
        note="citation du Kremlin")
    add(alice, "stance", "against", "document", k1, value=0.0)
    add(bruno, "stance", "against", "document", k1, value=0.0)
    add(chloe, "stance", "neutral", "document", k1, value=1.0)
    for who, sents in ((alice, s1), (bruno, s1), (chloe, s1[:3])):
        for sid in sents:
            store.progress.mark_done(who, scheme_id, sid)
    # p2 ------------------------------------------------------------------------------
    add(alice, "frame", "Security_and_defense", "sentence", p2, s2[1], text=TEXT_P2)
    add(bruno, "frame", "Political", "sentence", p2, s2[1], text=TEXT_P2)
    add(alice, "technique", "Exaggeration", "span", p2, s2[2], "tournant historique",
        text=TEXT_P2)
    for who in (alice, bruno):
        for sid in s2:
            store.progress.mark_done(who, scheme_id, sid)
    store.progress.set_flag(alice, scheme_id, s2[2], True)
    store.progress.set_note(alice, scheme_id, s2[2], "ton ironique ?")
    store.progress.add_time(alice, s2[2], 12.5)
    store.progress.add_time(bruno, s2[1], 3.25)
    store.db.bulk_insert(
        "document_progress",
        [
            {"annotator_id": a, "document_id": k1, "scheme_id": scheme_id, "status": "done",
             "flag": 0, "note": None, "updated_at": "x"}
            for a in (alice, bruno, chloe)
        ],
    )
    # one decision of the review workflow: the tie on k1's last sentence
    dora = store.schemes.annotator_id("dora")
    store.adjudications.adjudicate(
        scheme_id, dora,
        {"label_set": "frame", "level": "sentence", "document_id": k1, "sentence_id": s1[3],
         "choice": "alice", "sources": ["alice"], "gold": [{"label": "Security_and_defense"}]},
    )
    fix_clock(store)
    return {"scheme_id": scheme_id, "k1": k1, "p2": p2, "s1": s1, "s2": s2}


def fix_clock(store: Store) -> None:
    """Replace random uids and clock times by fixed ones (in creation order)."""
    db = store.db
    uids = [r[0] for r in db.execute("SELECT uid FROM annotations ORDER BY id")]
    for i, uid in enumerate(uids, start=1):
        new = f"{i:032x}"
        db.execute("UPDATE annotations SET uid = ? WHERE uid = ?", [new, uid])
        db.execute(
            "UPDATE events SET annotation_uid = replace(coalesce(annotation_uid, ''), ?, ?), "
            "before = replace(before, ?, ?), after = replace(after, ?, ?)",
            [uid, new, uid, new, uid, new],
        )
    db.execute("UPDATE events SET annotation_uid = NULL WHERE annotation_uid = ''")

    def stamp(n: int) -> str:
        return f"2026-03-01T10:{n // 60:02d}:{n % 60:02d}.000000Z"

    for i, (aid,) in enumerate(db.execute("SELECT id FROM annotations ORDER BY id").fetchall()):
        db.execute("UPDATE annotations SET created_at = ? WHERE id = ?", [stamp(i), aid])
    db.execute(
        "UPDATE annotations SET removed_at = ? WHERE removed_at IS NOT NULL", [stamp(59)]
    )
    for i, (eid,) in enumerate(db.execute("SELECT id FROM events ORDER BY id").fetchall()):
        db.execute(
            "UPDATE events SET ts = ?, uid = ? WHERE id = ?", [stamp(i), f"e{i:031x}", eid]
        )
    db.execute(
        "UPDATE progress SET seen_at = ?, updated_at = ?, "
        "done_at = CASE WHEN done_at IS NULL THEN NULL ELSE ? END",
        [stamp(100), stamp(101), stamp(101)],
    )
    db.execute("UPDATE document_progress SET updated_at = ?", [stamp(102)])
    db.execute("UPDATE documents SET imported_at = ?", [stamp(0)])
    db.execute("UPDATE schemes SET added_at = ?", [stamp(0)])
    db.execute("UPDATE annotators SET created_at = ?", [stamp(0)])
    db.execute(
        "UPDATE adjudications SET created_at = ?, uid = 'adj' || id", [stamp(103)]
    )


def make_db(path: Path) -> Store:
    store = Store.open(path)
    build(store)
    return store


def copy_db(template: Path, dest: Path) -> Store:
    """A writable copy of a closed fixture database (building one takes a second or two)."""
    import shutil

    shutil.copyfile(template, dest)
    return Store.open(dest)


def build_template(directory: Path) -> Path:
    """Build the fixture once into ``directory/template.db`` and close it (WAL checkpointed)."""
    path = directory / "template.db"
    store = make_db(path)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path
