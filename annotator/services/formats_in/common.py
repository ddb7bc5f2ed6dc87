"""Storing what another tool's file holds: documents, and per annotator their labels, time and
whether they finished the document.

Each reader turns its file into :class:`ForeignDoc` records; :func:`store_documents` checks
everything first (offsets inside the text, labels in the scheme, one label set per label) and
then stores it all in one transaction, or nothing. A label with offsets goes to a span set, or
to a sentence set when its set is one (or its offsets are exactly a sentence's and a sentence
set has the label); a label without offsets to a document set. With no scheme in the database,
one named ``imported`` is made from the labels found. Imported work is logged as ``adopt``
events (``doctor`` finds nothing to say) and importing the same file twice adds nothing.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.services.import_annotations import (
    MAX_PROBLEMS,
    AnnotationImportError,
    ImportResult,
    mark_imported_done,
)
from annotator.store import Store, StoreError, new_uid, now

DOCUMENT_FIELDS = ("title", "source", "url", "published", "language")
DEFAULT_SETS = {"span": "technique", "sentence": "sentence_label", "document": "category"}


@dataclass
class Item:
    """One label as the file gives it: with offsets (a span, or a sentence label) or without
    (a document label); ``label_set`` when the format names it (Label Studio's ``from_name``,
    a spaCy span key, a WebAnno layer)."""

    label: str
    start: int | None = None
    end: int | None = None
    label_set: str | None = None
    note: str | None = None
    where: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)  # attribute -> values


@dataclass
class ForeignWork:
    """One annotator's labels on one document."""

    annotator: str
    items: list[Item] = field(default_factory=list)
    seconds: float = 0.0
    done: bool = True  # the document was finished: its sentences are marked done
    created_at: str | None = None


@dataclass
class ForeignDoc:
    where: str  # FILE or FILE:LINE, for messages
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # id, title, source, url, ...
    meta: dict[str, Any] = field(default_factory=dict)
    works: list[ForeignWork] = field(default_factory=list)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


class _Sets:
    """The stored scheme's label sets, or the sets of a scheme to make from the labels."""

    def __init__(self, store: Store, scheme_name: str | None, label_set: str | None,
                 problems: list[str]) -> None:
        self.problems = problems
        self.label_set = label_set
        self.scheme: Any = None
        self.scheme_id: int | None = None
        self.new: dict[str, tuple[str, list[str]]] = {}  # set -> (level, labels)
        self.new_attributes: dict[str, dict[str, bool]] = {}  # set -> attribute -> multiple
        if store.schemes.summary() or scheme_name is not None:
            try:
                self.scheme_id, self.scheme = store.schemes.load(scheme_name)
            except StoreError as exc:
                problems.append(str(exc))

    def resolve(self, item: Item, sentences: list[tuple[int, int, int]]) -> tuple[str, str] | None:
        """(set, level) of an item, or None after recording the problem."""
        has_offsets = item.start is not None
        exact = has_offsets and any(s == item.start and e == item.end for s, e, _ in sentences)
        if self.scheme is None:
            return self._new_set(item, has_offsets, exact)
        levels = ("span", "sentence") if has_offsets else ("document",)
        sets = [s for s in self.scheme.label_sets if s.level in levels]
        wanted = item.label_set or None
        named = [s for s in sets if s.name == wanted] or [
            s for s in sets if wanted and _loose(s.name) == _loose(wanted)
        ]  # a WebAnno layer PrimaryFrame is the set primary_frame
        if named:
            chosen = named
        else:
            chosen = [s for s in sets if s.label(item.label) is not None]
            if self.label_set and any(s.name == self.label_set for s in chosen):
                chosen = [s for s in chosen if s.name == self.label_set]
            if len(chosen) > 1 and has_offsets:
                by_level = [s for s in chosen if s.level == ("sentence" if exact else "span")]
                chosen = by_level or chosen
        where = f"{item.where}: " if item.where else ""
        if not chosen:
            self.problems.append(
                f"{where}label {item.label!r} is in no {'/'.join(levels)} label set of scheme "
                f"{self.scheme.name}" + (f" (no set named {wanted!r} either)" if wanted else ""))
            return None
        if len(chosen) > 1:
            self.problems.append(
                f"{where}label {item.label!r} is in several label sets of {self.scheme.name} "
                f"({', '.join(s.name for s in chosen)}); name one with --label-set")
            return None
        ls = chosen[0]
        if ls.label(item.label) is None:
            self.problems.append(f"{where}label {item.label!r} is not in "
                                 f"{self.scheme.name}/{ls.name}")
            return None
        return str(ls.name), str(ls.level)

    def check_attributes(self, item: Item, set_name: str) -> bool:
        """Whether the item's attribute values fit its set (recording the problem if not).
        A scheme made from the file gets each attribute as an open one."""
        if not item.attributes:
            return True
        where = f"{item.where}: " if item.where else ""
        if self.scheme is None:
            known = self.new_attributes.setdefault(set_name, {})
            for name, values in item.attributes.items():
                known[name] = known.get(name, False) or len(values) > 1
            return True
        ls = self.scheme.label_set(set_name)
        for name, values in item.attributes.items():
            attr = ls.attribute(name) if ls is not None else None
            if attr is None:
                self.problems.append(f"{where}attribute {name!r} is not an attribute of "
                                     f"{self.scheme.name}/{set_name}")
                return False
            bad = [v for v in values if not attr.accepts(v)]
            if bad:
                self.problems.append(f"{where}{bad[0]!r} is not a value of the attribute "
                                     f"{name!r} of {self.scheme.name}/{set_name}")
                return False
            if len(values) > 1 and not attr.multiple:
                self.problems.append(f"{where}the attribute {name!r} of {set_name} takes one "
                                     f"value ({len(values)} given)")
                return False
        return True

    def _new_set(self, item: Item, has_offsets: bool, exact: bool) -> tuple[str, str] | None:
        level = ("sentence" if exact and item.label_set else "span") if has_offsets else "document"
        name = _set_name(item.label_set) or self.label_set or DEFAULT_SETS[level]
        if name in self.new and (self.new[name][0] == "document") != (level == "document"):
            where = f"{item.where}: " if item.where else ""
            self.problems.append(f"{where}label set {name!r} has labels with and without offsets")
            return None
        old_level, labels = self.new.setdefault(name, (level, []))
        if old_level == "sentence" and level == "span":
            self.new[name] = ("span", labels)  # one span that is not a sentence: a span set
        if item.label not in labels:
            labels.append(item.label)
        return name, self.new[name][0]

    def store(self, store: Store) -> None:
        from annotator.core.scheme import parse_scheme

        if self.scheme is not None or not self.new:
            return
        text = "name: imported\nversion: 1\nlabel_sets:\n" + "".join(
            f"  - name: {name}\n    level: {level}\n    multiple: true\n    labels:\n"
            + "".join(f"      - name: {json.dumps(lab, ensure_ascii=False)}\n" for lab in labels)
            + ("    attributes:\n" if self.new_attributes.get(name) else "")
            + "".join(f"      - {{name: {json.dumps(a, ensure_ascii=False)}, open: true"
                      + (", multiple: true}\n" if many else "}\n")
                      for a, many in self.new_attributes.get(name, {}).items())
            for name, (level, labels) in self.new.items()
        )
        scheme = parse_scheme(text, "<imported scheme>")
        self.scheme_id, _ = store.schemes.add(scheme)
        self.scheme = scheme


def _loose(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _set_name(name: str | None) -> str | None:
    """A label set name the scheme accepts (letters, digits, ``_ - .``)."""
    if not name:
        return None
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip("._-")
    return cleaned or None


def store_documents(
    store: Store, docs: list[ForeignDoc], *, scheme_name: str | None = None,
    label_set: str | None = None, problems: list[str] | None = None,
) -> ImportResult:
    """Check every document and label, then store them all (or nothing)."""
    from annotator.services.doctor import log_imported_state
    from annotator.services.importing import make_document, normalise

    problems = list(problems or [])
    sets = _Sets(store, scheme_name, label_set, problems)
    prepared = []
    for d in docs:
        if not isinstance(d.text, str) or not d.text.strip():
            problems.append(f"{d.where}: no text")
            continue
        if "\x00" in d.text:
            problems.append(f"{d.where}: the text contains NUL characters")
            continue
        if normalise(d.text) != d.text:
            problems.append(f"{d.where}: the text has CRLF line ends or non-NFC characters; its "
                            "offsets would not match the stored text")
            continue
        f = d.fields
        doc_in = make_document(
            d.text, title=_clean(f.get("title")), external_id=_clean(f.get("id")),
            source=_clean(f.get("source")), url=_clean(f.get("url")),
            published=_clean(f.get("published")), language=_clean(f.get("language")),
            meta=d.meta, origin=d.where,
        )
        resolved: list[list[tuple[Item, str, str]]] = []
        for w in d.works:
            mine = []
            for it in w.items:
                if not isinstance(it.label, str) or not it.label.strip():
                    problems.append(f"{it.where or d.where}: empty label")
                    continue
                if it.start is not None:
                    ok = (isinstance(it.start, int) and isinstance(it.end, int)
                          and 0 <= it.start < it.end <= len(d.text))
                    if not ok:
                        problems.append(f"{it.where or d.where}: span {it.start}-{it.end} "
                                        f"outside the text ({len(d.text)} characters)")
                        continue
                r = sets.resolve(it, doc_in.sentences)
                if r is not None and sets.check_attributes(it, r[0]):
                    mine.append((it, r[0], r[1]))
            resolved.append(mine)
        prepared.append((d, doc_in, resolved))
    if problems:
        raise AnnotationImportError(problems[:MAX_PROBLEMS] + (
            [f"... and {len(problems) - MAX_PROBLEMS} more problem(s)"]
            if len(problems) > MAX_PROBLEMS else []
        ))
    result = ImportResult()
    who_ids: set[int] = set()
    with store.db.atomic():
        sets.store(store)
        for d, doc_in, resolved in prepared:
            [(doc_id, created)] = store.corpus.add_documents([doc_in])
            if created:
                result.documents_new += 1
            else:
                result.documents_present += 1
            for w, items in zip(d.works, resolved, strict=True):
                who = store.schemes.annotator_id(w.annotator)
                who_ids.add(who)
                _store_work(store, sets, doc_id, who, w, items, result)
        log_imported_state(store, who_ids)
    return result


def _store_work(
    store: Store, sets: _Sets, doc_id: int, who: int, w: ForeignWork,
    items: list[tuple[Item, str, str]], result: ImportResult,
) -> None:
    scheme_id = sets.scheme_id
    assert scheme_id is not None or not items
    sents = store.corpus.sentences(doc_id)
    starts = [int(s["start"]) for s in sents]
    existing = {
        (a["label_set"], a["level"], a["sentence_id"], a["start"], a["end"], a["label"])
        for a in store.annotations.current(who, document_id=doc_id)
    }
    ts = w.created_at or now()
    rows = []
    fresh: list[Item] = []  # the item of each row
    for it, set_name, level in items:
        sentence_id: int | None = None
        start, end = it.start, it.end
        if level != "document":
            assert start is not None
            sentence_id = int(sents[max(0, bisect_right(starts, start) - 1)]["id"])
        if level != "span":
            start = end = None
        key = (set_name, level, sentence_id, start, end, it.label)
        if key in existing:
            result.annotations_present += 1
            continue
        existing.add(key)
        fresh.append(it)
        ls = sets.scheme.label_set(set_name) if sets.scheme is not None else None
        rows.append(
            {"uid": new_uid(), "annotator_id": who, "scheme_id": scheme_id,
             "label_set": set_name, "label": it.label, "level": level, "document_id": doc_id,
             "sentence_id": sentence_id, "start": start, "end": end,
             "value": ls.value_of(it.label) if ls is not None else None,
             "note": it.note or None, "created_at": ts, "removed_at": None}
        )
    store.db.bulk_insert("annotations", rows)
    result.annotations_new += len(rows)
    for row, it in zip(rows, fresh, strict=True):
        for name, values in it.attributes.items():
            for value in values:
                store.attributes.set_value(who, str(row["uid"]), name, value,
                                               multiple=True)
    if w.done and sents and scheme_id is not None:
        mark_imported_done(store, who, doc_id, scheme_id, sents, ts, seconds=w.seconds or 0)


def read_lines(path: Path, problems: list[str]) -> list[str] | None:
    """The file's lines (UTF-8), or None after recording why it cannot be read."""
    try:
        return path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({exc})")
        return None
