"""Label Studio JSON export in: a task list (a ``.json`` file, or a directory holding
``tasks.json``), each task's ``data.text`` a document and each annotation one annotator's work.

``labels`` regions become spans (or sentence labels, see formats_in.common) of the label set
named by their ``from_name``; ``choices`` become document labels (``choices`` attached to a
region, Label Studio's ``perRegion``, label that region); a per-region ``textarea`` is the
region's note. The annotator is ``completed_by``'s e-mail (``{"email": ...}``) or
``user-<id>``; ``lead_time`` is the active time; cancelled (skipped) annotations and
``predictions`` (suggestions, not answers) are left out and counted in a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item

FIELDS = ("id", "title", "source", "url", "published", "language")


def annotator_name(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        for key in ("email", "username", "name"):
            if completed_by.get(key):
                return str(completed_by[key])
        if completed_by.get("id") is not None:
            return f"user-{completed_by['id']}"
    if completed_by is None or completed_by == "":
        return "labelstudio"
    return f"user-{completed_by}"


def read(path: Path, problems: list[str], warnings: list[str]) -> list[ForeignDoc]:
    if path.is_dir():
        path = path / "tasks.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({exc})")
        return []
    except json.JSONDecodeError as exc:
        problems.append(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})")
        return []
    except RecursionError:
        problems.append(f"{path}: malformed JSON (nested too deeply)")
        return []
    tasks = data if isinstance(data, list) else [data]
    docs: list[ForeignDoc] = []
    left_out = cancelled = 0
    for i, task in enumerate(tasks, start=1):
        where = f"{path} (task {task.get('id', i) if isinstance(task, dict) else i})"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            problems.append(f"{where}: not a Label Studio task (no `data` object)")
            continue
        text = task["data"].get("text")
        if not isinstance(text, str):
            problems.append(f"{where}: `data.text` is missing (the text field must be named "
                            "`text`)")
            continue
        doc = ForeignDoc(where, text, {k: task["data"][k] for k in FIELDS if k in task["data"]})
        extra = {k: v for k, v in task["data"].items() if k not in FIELDS and k != "text"}
        if extra:
            doc.meta["labelstudio_data"] = extra
        left_out += len(task.get("predictions") or [])
        for ann in task.get("annotations") or task.get("completions") or []:
            if not isinstance(ann, dict):
                problems.append(f"{where}: an annotation is not an object")
                continue
            if ann.get("was_cancelled") or ann.get("skipped"):
                cancelled += 1
                continue
            doc.works.append(_work(ann, text, where, problems))
        docs.append(doc)
    if left_out:
        warnings.append(f"{path}: {left_out} prediction(s) left out (suggestions, not answers)")
    if cancelled:
        warnings.append(f"{path}: {cancelled} cancelled (skipped) annotation(s) left out")
    return docs


def _work(ann: dict[str, Any], text: str, where: str, problems: list[str]) -> ForeignWork:
    w = ForeignWork(annotator_name(ann.get("completed_by")))
    try:
        w.seconds = float(ann.get("lead_time") or 0)
    except (TypeError, ValueError):
        w.seconds = 0.0
    w.created_at = ann.get("created_at") if isinstance(ann.get("created_at"), str) else None
    regions: dict[str, tuple[int, int]] = {}
    notes: dict[str, str] = {}
    results = [r for r in ann.get("result") or [] if isinstance(r, dict)]
    for r in results:
        note_value: dict[str, Any] = r["value"] if isinstance(r.get("value"), dict) else {}
        if r.get("type") == "textarea":
            texts = note_value.get("text") or []
            if r.get("id") and texts:
                notes[str(r["id"])] = " ".join(str(t) for t in texts)
    for r in results:
        value: dict[str, Any] = r["value"] if isinstance(r.get("value"), dict) else {}
        kind, set_name = r.get("type"), r.get("from_name")
        here = f"{where}, result {r.get('id', '?')}"
        if kind == "labels":
            start, end = value.get("start"), value.get("end")
            if not (isinstance(start, int) and isinstance(end, int)):
                problems.append(f"{here}: a `labels` region needs integer start and end")
                continue
            shown = value.get("text")
            if isinstance(shown, str) and 0 <= start <= end <= len(text) \
                    and text[start:end] != shown:
                problems.append(f"{here}: region text {shown!r} is not the text at "
                                f"{start}-{end}")
                continue
            regions[str(r.get("id"))] = (start, end)
            for label in value.get("labels") or []:
                w.items.append(Item(str(label), start, end, set_name,
                                    notes.get(str(r.get("id"))), here))
        elif kind == "choices":
            start, end = value.get("start"), value.get("end")
            region = regions.get(str(r.get("id")))
            if region is None and isinstance(start, int) and isinstance(end, int):
                region = (start, end)
            for label in value.get("choices") or []:
                if region is None:
                    w.items.append(Item(str(label), label_set=set_name, where=here))
                else:
                    w.items.append(Item(str(label), region[0], region[1], set_name, where=here))
    return w
