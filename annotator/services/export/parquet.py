"""Parquet tables ``documents``, ``sentences`` and ``annotations`` (pyarrow, optional extra).

Written with fixed schemas so that every file loads the same way in pandas
(``pd.read_parquet``) and Hugging Face ``datasets`` (``load_dataset("parquet", ...)``). The
annotations table has the CSV export's columns.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from annotator.services.export.common import (
    ExportError,
    Selection,
    Walker,
    atomic_path,
    inside,
    prepare_dir,
    sentence_by_idx,
    span_text,
)
from annotator.store import Store

BATCH = 50_000


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError(
            "the parquet format needs pyarrow: pip install 'annotator[parquet]'"
        ) from None
    return pa, pq


def schemas(pa: Any) -> dict[str, Any]:
    s, i, f = pa.string(), pa.int64(), pa.float64()
    return {
        "documents": pa.schema(
            [("document_id", i), ("external_id", s), ("name", s), ("sha256", s), ("title", s),
             ("source", s), ("url", s), ("published", s), ("language", s), ("meta", s),
             ("origin", s), ("imported_at", s), ("n_sentences", i), ("text", s)]
        ),
        "sentences": pa.schema(
            [("document_id", i), ("sentence_id", i), ("idx", i), ("paragraph", i), ("start", i),
             ("end", i), ("text", s)]
        ),
        "annotations": pa.schema(
            [("annotator", s), ("label_set", s), ("label", s), ("level", s),
             ("document_id", i), ("sentence_id", i), ("start", i), ("end", i), ("value", f),
             ("note", s), ("scheme_version", i), ("created_at", s), ("scheme", s),
             ("annotation_uid", s), ("sentence_idx", i), ("sentence_text", s),
             ("span_text", s)]
        ),
    }


class _Table:
    """Column buffers flushed to a ParquetWriter every BATCH rows."""

    def __init__(self, pa: Any, pq: Any, path: Path, schema: Any) -> None:
        self.pa, self.schema = pa, schema
        self.writer = pq.ParquetWriter(str(path), schema)
        self.cols: dict[str, list[Any]] = {name: [] for name in schema.names}
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        for name, col in self.cols.items():
            col.append(row[name])
        self.rows += 1
        if len(self.cols["document_id"]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.cols["document_id"]:
            return
        self.writer.write_table(self.pa.Table.from_pydict(self.cols, schema=self.schema))
        for col in self.cols.values():
            col.clear()

    def close(self) -> None:
        self.flush()
        self.writer.close()


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    pa, pq = _pyarrow()
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    sch = schemas(pa)
    with contextlib.ExitStack() as stack:
        # each table is written to a temporary file, renamed over its final name only when the
        # whole export succeeded (ExitStack: every table closed, whatever fails)
        paths = {name: stack.enter_context(atomic_path(inside(out, f"{name}.parquet")))
                 for name in sch}
        tables = {name: _Table(pa, pq, paths[name], sch[name]) for name in sch}
        for t in tables.values():
            stack.callback(t.close)
        _write(walker, tables, advance)
    return {"documents": len(walker), "annotations": tables["annotations"].rows}


def _write(walker: Walker, tables: dict[str, _Table], advance: Any) -> None:
    """Every selected document's rows into the three tables."""
    for doc in walker:
        r = doc.row
        tables["documents"].add(
            {"document_id": r["id"], "external_id": r["external_id"], "name": doc.name,
             "sha256": r["sha256"], "title": r["title"], "source": r["source"],
             "url": r["url"], "published": r["published"], "language": r["language"],
             "meta": r["meta"], "origin": r["origin"], "imported_at": r["imported_at"],
             "n_sentences": r["n_sentences"], "text": r["text"]}
        )
        for s in doc.sentences:
            tables["sentences"].add(
                {"document_id": r["id"], "sentence_id": s["id"], "idx": s["idx"],
                 "paragraph": s["paragraph"], "start": s["start"], "end": s["end"],
                 "text": s["text"]}
            )
        sents = sentence_by_idx(doc)
        ann = tables["annotations"]
        for a in doc.annotations:
            sent = sents.get(a["sentence_idx"]) if a["sentence_idx"] is not None else None
            ann.add(
                {"annotator": a["annotator"], "label_set": a["label_set"],
                 "label": a["label"], "level": a["level"], "document_id": r["id"],
                 "sentence_id": a["sentence_id"], "start": a["start"], "end": a["end"],
                 "value": a["value"], "note": a["note"],
                 "scheme_version": a["scheme_version"], "created_at": a["created_at"],
                 "scheme": a["scheme"], "annotation_uid": a["uid"],
                 "sentence_idx": a["sentence_idx"],
                 "sentence_text": sent["text"] if sent else None,
                 "span_text": span_text(doc, a)}
            )
        if advance is not None:
            advance(1)
