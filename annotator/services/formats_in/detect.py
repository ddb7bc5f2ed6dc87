"""What a JSON file is: article records for `annotator import`, or another tool's export that
belongs to `annotator import-annotations` (so that it is never stored as one article of raw
JSON)."""

from __future__ import annotations

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
