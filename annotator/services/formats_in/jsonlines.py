"""doccano and Prodigy JSONL in: one JSON object per line, lines with the same text being one
document (one annotator's work per line).

doccano: ``label`` as ``[[start, end, label], ...]`` (or objects with ``start_offset``,
``end_offset``, ``label``) for spans, or as a list of strings for document labels; ``entities``
+ ``cats`` (intent detection). The annotator is the line's ``annotator`` or ``user`` field, else
``--annotator``. doccano's own rules hold: offsets are non-negative integers with start < end,
labels non-empty strings.

Prodigy: ``spans`` (``start``, ``end``, ``label``), ``accept`` (the accepted options, by
``id``, shown as their ``text``) as document labels; only ``"answer": "accept"`` lines count
(rejected and ignored tasks are counted in a warning). The annotator is ``_annotator_id``,
else ``_session_id``, else ``--annotator``; ``meta`` gives the document's fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item

FIELDS = ("id", "title", "source", "url", "published", "language")


def _lines(path: Path, problems: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path}: {exc.strerror or exc}")
        return
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(f"{path}:{lineno}: not UTF-8 (byte {exc.start} of the line)")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{lineno}: malformed JSON ({exc.msg}, column {exc.colno})")
            continue
        except RecursionError:
            problems.append(f"{path}:{lineno}: malformed JSON (nested too deeply)")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            problems.append(f"{path}:{lineno}: expected a JSON object with a `text` field")
            continue
        yield lineno, rec


class _Docs:
    """Documents by text, in file order."""

    def __init__(self) -> None:
        self.by_text: dict[str, ForeignDoc] = {}

    def get(self, where: str, text: str, fields: dict[str, Any]) -> ForeignDoc:
        doc = self.by_text.get(text)
        if doc is None:
            doc = self.by_text[text] = ForeignDoc(where, text, fields)
        return doc


def _span(obj: Any, where: str, problems: list[str]) -> Item | None:
    """A doccano span: ``[start, end, label]`` or an object with the offsets and label."""
    if isinstance(obj, (list, tuple)) and len(obj) == 3:
        start, end, label = obj
    elif isinstance(obj, dict):
        start = obj.get("start_offset", obj.get("start"))
        end = obj.get("end_offset", obj.get("end"))
        label = obj.get("label")
    else:
        problems.append(f"{where}: a span must be [start, end, label]")
        return None
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        problems.append(f"{where}: span offsets must be integers with 0 <= start < end "
                        f"({start!r}, {end!r})")
        return None
    if not isinstance(label, str) or not label:
        problems.append(f"{where}: a span label must be a non-empty string")
        return None
    return Item(label, start, end, where=where)


def read_doccano(
    path: Path, problems: list[str], warnings: list[str], annotator: str | None = None
) -> list[ForeignDoc]:
    docs = _Docs()
    for lineno, rec in _lines(path, problems):
        where = f"{path}:{lineno}"
        name = rec.get("annotator") or rec.get("user") or annotator
        if not name:
            problems.append(f"{where}: no `annotator` or `user` field; pass --annotator NAME")
            continue
        fields = {k: rec[k] for k in FIELDS if k in rec}
        work = ForeignWork(str(name))
        spans = rec.get("entities") if "entities" in rec else None
        label = rec.get("label")
        if spans is None and isinstance(label, list) and label and not all(
                isinstance(x, str) for x in label):
            spans = label
        elif isinstance(label, list):
            work.items += [Item(x, where=where) for x in label if isinstance(x, str)]
        for obj in spans or []:
            item = _span(obj, where, problems)
            if item is not None:
                work.items.append(item)
        for cat in rec.get("cats") or []:
            if isinstance(cat, str) and cat:
                work.items.append(Item(cat, where=where))
            else:
                problems.append(f"{where}: a category must be a non-empty string")
        docs.get(where, rec["text"], fields).works.append(work)
    return list(docs.by_text.values())


def read_prodigy(
    path: Path, problems: list[str], warnings: list[str], annotator: str | None = None
) -> list[ForeignDoc]:
    docs = _Docs()
    not_accepted = 0
    for lineno, rec in _lines(path, problems):
        where = f"{path}:{lineno}"
        if rec.get("answer", "accept") != "accept":
            not_accepted += 1
            continue
        name = rec.get("_annotator_id") or rec.get("_session_id") or annotator
        if not name:
            problems.append(f"{where}: no `_annotator_id` or `_session_id`; pass --annotator")
            continue
        meta: dict[str, Any] = rec["meta"] if isinstance(rec.get("meta"), dict) else {}
        work = ForeignWork(str(name))
        if isinstance(rec.get("_timestamp"), int):
            from datetime import UTC, datetime

            work.created_at = datetime.fromtimestamp(rec["_timestamp"], UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000000Z")
        for span in rec.get("spans") or []:
            item = _span(span, where, problems)
            if item is not None:
                work.items.append(item)
        texts = {o.get("id"): o.get("text") for o in rec.get("options") or []
                 if isinstance(o, dict)}
        for choice in rec.get("accept") or []:
            label = texts.get(choice, choice)
            if isinstance(label, (str, int)) and str(label):
                work.items.append(Item(str(label), where=where))
        doc = docs.get(where, rec["text"], {k: meta[k] for k in FIELDS if k in meta})
        doc.works.append(work)
    if not_accepted:
        warnings.append(f"{path}: {not_accepted} rejected or ignored task(s) left out")
    return list(docs.by_text.values())
