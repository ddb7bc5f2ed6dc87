"""What a JSON file is: article records for `annotator import`, or another tool's export that
belongs to `annotator import-annotations` (so that it is never stored as one article of raw
JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HINT_LS = (
    "a Label Studio export (tasks with `data`); import its texts and annotations with "
    "`annotator import-annotations --format labelstudio FILE`"
)
UNKNOWN = (
    "not a known JSON format: `annotator import` reads a JSON list of records with a `text` "
    "field (id, title, source, url, published, language optional); other tools' exports go "
    "through `annotator import-annotations --format ...`"
)


def is_labelstudio(data: Any) -> bool:
    """A Label Studio task list (or one task): objects with a ``data`` object."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(
        isinstance(t, dict) and isinstance(t.get("data"), dict) for t in items
    )


def json_kind(data: Any) -> str:
    """``"records"`` when ``data`` is a list of article records (or one record); otherwise the
    one-line reason it cannot be imported as articles."""
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        data = [data]
    if is_labelstudio(data):
        return HINT_LS
    if isinstance(data, list) and not data:
        return "an empty JSON list: no article to import"
    if isinstance(data, list) and all(
        isinstance(r, dict) and isinstance(r.get("text"), str) for r in data
    ):
        return "records"
    return UNKNOWN


def guess_format(paths: list[Path]) -> str:
    """The import-annotations format of the given files: by suffix, then by a look at the
    first record (our JSONL export starts with its header record)."""
    first = paths[0] if paths else None
    if first is None:
        return "semeval"
    if first.is_dir():
        if (first / "tasks.json").is_file():
            return "labelstudio"
        for pattern, fmt in (("*.conllup", "conllu"), ("*.conllu", "conllu"),
                             ("*.tsv", "webanno"), ("*.spacy", "spacy")):
            if next(first.rglob(pattern), None) is not None:
                return fmt
        return "semeval"
    suffix = first.suffix.lower()
    if suffix == ".json":
        return "labelstudio"
    if suffix == ".spacy":
        return "spacy"
    if suffix == ".qdpx":
        return "qdpx"
    if suffix == ".qdc":
        return "qdc"  # refused by import-annotations with how to make it a scheme
    if suffix in (".conllu", ".conllup"):
        return "conllu"
    head = _head(first)
    if suffix == ".tsv" or head.startswith("#FORMAT=WebAnno TSV"):
        return "webanno"
    if suffix == ".jsonl":
        import json

        try:
            rec = json.loads(head) if head.strip() else {}
        except ValueError:
            return "jsonl"  # its own reader reports the line
        if not isinstance(rec, dict) or rec.get("type") == "header":
            return "jsonl"
        if any(k in rec for k in ("_input_hash", "_task_hash", "spans", "accept")):
            return "prodigy"
        if any(k in rec for k in ("label", "entities", "cats")):
            return "doccano"
        return "jsonl"
    return "semeval"


def _head(path: Path) -> str:
    """The first line of a file (empty when it cannot be read, or is no regular file: opening a
    FIFO would wait forever; the format's reader then says what the file is)."""
    from annotator.core.untrusted import not_regular_file

    if not_regular_file(path) is not None:
        return ""
    try:
        with path.open("rb") as f:
            return f.readline(1 << 20).decode("utf-8", "replace")
    except OSError:
        return ""
