"""The lossless JSONL export: a header line, then one line per document with everything about it.

The header carries the scheme texts and the annotators, so ``import-annotations`` can rebuild a
database from the file alone. Records use names, hashes and sentence indexes, never internal ids.
The shape is documented in the README (section "annotator export").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from annotator.services.export.common import ExportDoc, Selection, Walker, atomic_file, span_text
from annotator.store import Store

FORMAT = "annotator-jsonl"
FORMAT_VERSION = 1


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def header_record(store: Store, walker: Walker) -> dict[str, Any]:
    sel = walker.selection
    if sel.gold != "none":
        annotators = [{"name": n, "created_at": None} for n in walker.who]
    else:
        annotators = [
            {"name": a.name, "created_at": a.created_at} for a in store.schemes.annotators()
            if not sel.annotators or a.name in sel.annotators
        ]
    return {
        "type": "header",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "selection": sel.as_dict(),
        "schemes": [
            {"name": s["name"], "version": s["version"], "sha256": s["sha256"],
             "added_at": s["added_at"], "yaml": s["yaml"]}
            for s in store.schemes.versions()
        ],
        "annotators": annotators,
    }


def _annotation(doc: ExportDoc, a: dict[str, Any], removed: bool = False) -> dict[str, Any]:
    rec = {
        "uid": a["uid"],
        "annotator": a["annotator"],
        "scheme": a["scheme"],
        "scheme_version": a["scheme_version"],
        "label_set": a["label_set"],
        "label": a["label"],
        "level": a["level"],
        "sentence": a["sentence_idx"],
        "start": a["start"],
        "end": a["end"],
        "text": span_text(doc, a),
        "value": a["value"],
        "note": a["note"],
        "created_at": a["created_at"],
    }
    if removed:
        rec["removed_at"] = a["removed_at"]
    values = doc.attributes.get(a["uid"])
    if values:  # attribute values (actor, target...), current and removed; absent when none
        rec["attributes"] = [
            {"uid": v["uid"], "attribute": v["attribute"], "value": v["value"],
             "created_at": v["created_at"], "removed_at": v["removed_at"]}
            for v in values
        ]
    return rec


def document_record(doc: ExportDoc) -> dict[str, Any]:
    """The lossless record of one document (see the README for the shape)."""
    row = doc.row
    return {
        "type": "document",
        "id": row["external_id"],
        "sha256": row["sha256"],
        "title": row["title"],
        "source": row["source"],
        "url": row["url"],
        "published": row["published"],
        "language": row["language"],
        "meta": json.loads(row["meta"] or "{}"),
        "origin": row["origin"],
        "imported_at": row["imported_at"],
        "text": row["text"],
        "sentences": [
            {"idx": s["idx"], "paragraph": s["paragraph"], "start": s["start"], "end": s["end"],
             "text": s["text"]}
            for s in doc.sentences
        ],
        "annotations": [_annotation(doc, a) for a in doc.annotations],
        "removed_annotations": [_annotation(doc, a, True) for a in doc.removed],
        "progress": [
            {"annotator": p["annotator"], "sentence": p["sentence_idx"], "scheme": p["scheme"],
             "scheme_version": p["scheme_version"], "status": p["status"],
             "seconds": p["seconds"], "flag": bool(p["flag"]), "note": p["note"],
             "seen_at": p["seen_at"], "done_at": p["done_at"], "updated_at": p["updated_at"]}
            for p in doc.progress
        ],
        "document_progress": [
            {"annotator": p["annotator"], "scheme": p["scheme"],
             "scheme_version": p["scheme_version"], "status": p["status"],
             "flag": bool(p["flag"]), "note": p["note"], "updated_at": p["updated_at"]}
            for p in doc.document_progress
        ],
        "adjudications": [
            {"uid": j["uid"], "scheme": j["scheme"], "scheme_version": j["scheme_version"],
             "label_set": j["label_set"], "level": j["level"], "sentence": j["sentence_idx"],
             "adjudicator": j["adjudicator"], "choice": j["choice"],
             "sources": json.loads(j["sources"] or "[]"), "status": j["status"],
             "note": j["note"], "created_at": j["created_at"],
             "superseded_at": j["superseded_at"], "gold": j["gold"]}
            for j in doc.adjudications
        ],
    }


def write_stream(store: Store, walker: Walker, f: IO[str], advance: Any = None) -> int:
    f.write(dumps(header_record(store, walker)) + "\n")
    n = 0
    for doc in walker:
        f.write(dumps(document_record(doc)) + "\n")
        n += len(doc.annotations)
        if advance is not None:
            advance(1)
    return n


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    """Write the JSONL file; returns counts."""
    walker = Walker(store, selection, warn)
    with atomic_file(out) as f:
        n = write_stream(store, walker, f, advance)
    return {"documents": len(walker), "annotations": n}
