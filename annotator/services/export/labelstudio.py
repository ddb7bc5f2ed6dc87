"""Label Studio JSON: ``OUT/tasks.json`` (a task list to import into a Label Studio project) and
``OUT/label_config.xml`` (the project's labeling configuration, from the scheme).

One task per document: ``data`` holds the text and the document's fields; ``annotations`` one
entry per annotator who answered it (``completed_by`` ``{"id", "email": name}``, ``lead_time``
= active seconds, ``created_at``/``updated_at``, ``ground_truth`` for gold); spans and sentence
labels are ``labels`` regions of the ``<Labels>`` tag named after their set, document labels
``choices`` of a ``<Choices>`` tag named after theirs, notes a per-region ``textarea`` named
``note``. ``predictions`` holds the scheme's cue phrases found in the text (the screen's
suggestions) as model ``annotator-cues``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from annotator.services.export.common import (
    Selection,
    Walker,
    prepare_dir,
    scheme_labels,
    write_text,
)
from annotator.services.export.exchange import (
    Mark,
    cue_suggestions,
    document_fields,
    works,
)
from annotator.store import Store

TEXT_TAG = "text"
NOTE_TAG = "note"
MODEL = "annotator-cues"


def label_config(store: Store, levels: dict[str, str]) -> str:
    """A ``<View>`` with the text, a Labels tag per span or sentence set, a Choices tag per
    document set and a per-region note."""
    from annotator.core.colors import color_of, scheme_colors

    known = scheme_labels(store)
    colors: dict[tuple[str, str], str] = {}
    for scheme_name in store.schemes.names():
        colors = {**scheme_colors(store.schemes.load(scheme_name)[1]), **colors}
    lines = ["<View>", '  <Header value="$title"/>',
             f'  <Text name="{TEXT_TAG}" value="$text" granularity="symbol"/>']
    for name, level in levels.items():
        labels = known.get(name, [])
        if level == "document":
            lines.append(f"  <Choices name={quoteattr(name)} toName=\"{TEXT_TAG}\" "
                         'choice="multiple" showInline="true">')
            lines += [f"    <Choice value={quoteattr(lab)}/>" for lab in labels]
            lines.append("  </Choices>")
        else:
            lines.append(f"  <Labels name={quoteattr(name)} toName=\"{TEXT_TAG}\">")
            lines += [
                f"    <Label value={quoteattr(lab)} "
                f"background={quoteattr(color_of(colors, name, lab))}/>"
                for lab in labels
            ]
            lines.append("  </Labels>")
    lines.append(f'  <TextArea name="{NOTE_TAG}" toName="{TEXT_TAG}" perRegion="true" '
                 'editable="true" rows="2"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def results(
    text: str, marks: list[Mark], prefix: str, origin: str = "manual"
) -> list[dict[str, Any]]:
    """Label Studio result entries for spans, sentence labels, document labels and notes."""
    out: list[dict[str, Any]] = []
    doc_sets: dict[str, list[str]] = {}
    for i, m in enumerate(marks):
        if m.level == "document":
            doc_sets.setdefault(m.label_set, []).append(m.label)
            continue
        assert m.start is not None and m.end is not None
        rid = m.uid[-10:] if m.uid else f"{prefix}{i}"  # region id, unique in the task
        out.append({
            "id": rid, "from_name": m.label_set, "to_name": TEXT_TAG, "type": "labels",
            "origin": origin,
            "value": {"start": m.start, "end": m.end, "text": text[m.start:m.end],
                      "labels": [m.label]},
        })
        if m.note:
            out.append({
                "id": rid, "from_name": NOTE_TAG, "to_name": TEXT_TAG, "type": "textarea",
                "origin": origin,
                "value": {"start": m.start, "end": m.end, "text": [m.note]},
            })
    for set_name, labels in doc_sets.items():
        out.append({
            "id": f"{prefix}{set_name}"[:10], "from_name": set_name, "to_name": TEXT_TAG,
            "type": "choices", "origin": origin, "value": {"choices": labels},
        })
    return out


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    walker = Walker(store, selection, warn)
    prepare_dir(out)
    user_ids = {name: i for i, name in enumerate(walker.who, start=1)}
    tasks = []
    n = 0
    next_annotation = 1
    for task_id, (doc, done) in enumerate(works(walker), start=1):
        annotations = []
        for w in done:
            annotations.append({
                "id": next_annotation,
                "completed_by": {"id": user_ids[w.annotator], "email": w.annotator},
                "result": results(doc.text, w.marks, f"a{next_annotation}-"),
                "was_cancelled": False,
                "ground_truth": w.annotator.startswith("gold-"),
                "created_at": w.created_at, "updated_at": w.updated_at,
                "lead_time": w.seconds,
            })
            next_annotation += 1
            n += len(w.marks)
        suggested = [m for m in cue_suggestions(store, doc) if m.label_set in walker.levels]
        tasks.append({
            "id": task_id,
            "data": {"text": doc.text, **document_fields(doc)},
            "meta": {"sha256": doc.row["sha256"]},
            "annotations": annotations,
            "predictions": [{"model_version": MODEL,
                             "result": results(doc.text, suggested, "p", "prediction")}]
            if suggested else [],
        })
        if advance is not None:
            advance(1)
    write_text(out / "tasks.json", json.dumps(tasks, ensure_ascii=False, indent=2) + "\n")
    write_text(out / "label_config.xml", label_config(store, walker.levels))
    return {"documents": len(walker), "annotations": n}
