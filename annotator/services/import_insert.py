"""How the checked parts of a document record are stored: :class:`InsertNew` adds what is not
there yet (``import-annotations``); ``merge`` gives its own :class:`Parts` for what differs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from annotator.services.import_jsonl import Records


class Parts(Protocol):
    """How the parts of a document record are stored (an import adds what is new; a merge
    also settles what changed on both sides)."""

    def annotations(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...

    def progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...

    def document_progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int
    ) -> None: ...

    def adjudications(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...


class InsertNew:
    """An import's parts: rows not yet in the database are added, present ones left alone."""

    def __init__(self) -> None:
        self.known_adjudications: set[str] | None = None

    def annotations(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        text = rec["text"]
        anns = [(a, False) for a in rec.get("annotations") or []]
        anns += [(a, True) for a in rec.get("removed_annotations") or []]
        present = r.store.annotations.removed_at_of([a["uid"] for a, _ in anns])
        rows = []
        for a, removed in anns:
            if a["uid"] in present:
                r.result.annotations_present += 1
                continue
            rows.append(r.annotation_row(lineno, a, removed, text, doc_id, sent_ids))
        r.store.db.bulk_insert("annotations", rows)
        r.result.annotations_new += len(rows)
        r.store.attributes.import_rows(
            v for a, _ in anns for v in r.attribute_values(lineno, a)
        )

    def progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        r.store.db.bulk_insert(
            "progress",
            (r.progress_row(lineno, p, doc_id, sent_ids) for p in rec.get("progress") or []),
            ignore=True,
        )

    def document_progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int
    ) -> None:
        r.store.db.bulk_insert(
            "document_progress",
            (r.document_progress_row(lineno, p, doc_id) for p in rec.get("document_progress")
             or []),
            ignore=True,
        )

    def adjudications(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        if self.known_adjudications is None:
            self.known_adjudications = r.store.adjudications.uids()
        for j in rec.get("adjudications") or []:
            if j["uid"] in self.known_adjudications:
                continue
            self.known_adjudications.add(j["uid"])
            sentence = (
                None if j["sentence"] is None else r.sentence(lineno, sent_ids, j["sentence"])
            )
            r.store.adjudications.insert(
                {"uid": j["uid"],
                 "scheme_id": r.scheme(lineno, j["scheme"], j["scheme_version"]),
                 "label_set": j["label_set"], "level": j["level"], "document_id": doc_id,
                 "sentence_id": sentence,
                 "adjudicator_id": r.annotator(j["adjudicator"]), "choice": j["choice"],
                 "sources": json.dumps(j["sources"], ensure_ascii=False), "status": j["status"],
                 "note": j["note"], "created_at": j["created_at"],
                 "superseded_at": j["superseded_at"]},
                [
                    {"label_set": g["label_set"], "label": g["label"], "level": g["level"],
                     "document_id": doc_id, "sentence_id": sentence,
                     "start": g["start"], "end": g["end"], "value": g["value"],
                     "origin": g.get("origin")}  # absent in exports made before gold.origin
                    for g in j["gold"]
                ],
            )
