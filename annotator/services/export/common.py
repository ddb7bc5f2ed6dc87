"""What every export format shares: the selection (annotators, label sets, gold) and the walk
over documents in a stable order.

Documents come in import order (``documents.id``), annotations oldest first (``created_at``,
then ``uid``). Both survive ``import-annotations``, so an export imported into an empty database
and exported again gives the same bytes. Gold labels are written as a pseudo-annotator named
``gold-majority`` or ``gold-adjudicated`` with a uid derived from their content.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from annotator.core.gold import majority_unit
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.core.scheme import Scheme

GOLD_MODES = ("none", "majority", "adjudicated")
LEVELS = ("document", "sentence", "span")

Warn = Callable[[str], None]


class ExportError(Exception):
    """A problem with the export request (bad selection, unwritable output)."""


@dataclass
class Selection:
    """Which annotations go out: the annotators, the label sets, and the gold mode."""

    annotators: list[str] | None = None
    label_sets: list[str] | None = None
    gold: str = "none"
    documents: frozenset[int] | None = None  # database ids (an offline copy's share); None: all

    def as_dict(self) -> dict[str, Any]:
        return {"annotators": self.annotators, "label_sets": self.label_sets, "gold": self.gold}


@dataclass
class ExportDoc:
    """One document with everything the formats need."""

    row: dict[str, Any]
    name: str  # file-safe id: the external id when usable, else the database id
    sentences: list[dict[str, Any]]
    annotations: list[dict[str, Any]]  # current (or gold) annotations, oldest first
    removed: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    document_progress: list[dict[str, Any]] = field(default_factory=list)
    adjudications: list[dict[str, Any]] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)  # who answered something in this document
    # annotation uid -> its attribute values (scheme `attributes:`), current and removed
    attributes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.row["text"])


def gold_name(mode: str) -> str:
    return f"gold-{mode}"


def parse_list(value: str | None) -> list[str] | None:
    """``a,b`` -> ["a", "b"]; empty -> None."""
    if not value:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


def document_names(docs: Sequence[dict[str, Any]]) -> dict[int, str]:
    """A unique file-safe name per document: its external id when that is safe and unique,
    else its database id (suffixed when that collides with an external id)."""
    ext = [str(d["external_id"]) for d in docs if d["external_id"] is not None]
    counts: dict[str, int] = {}
    for e in ext:
        counts[e] = counts.get(e, 0) + 1
    names: dict[int, str] = {}
    used: set[str] = set()
    pending: list[int] = []
    for d in docs:
        e = d["external_id"]
        if e is not None and safe_file_name(str(e)) == str(e) and counts[str(e)] == 1:
            names[int(d["id"])] = str(e)
            used.add(str(e))
        else:
            pending.append(int(d["id"]))
    for doc_id in pending:
        name, n = str(doc_id), 1
        while name in used:
            n += 1
            name = f"{doc_id}_{n}"
        names[doc_id] = name
        used.add(name)
    return names


def gold_uid(*parts: Any) -> str:
    """A deterministic uid for a gold label, from its content."""
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def latest_schemes(store: Store) -> list[Scheme]:
    """The latest stored version of every scheme (a version that no longer parses is left
    out: the export still covers its labels through the annotations themselves)."""
    from annotator.core.scheme import SchemeError, parse_scheme

    latest: dict[str, dict[str, Any]] = {}
    for row in store.schemes.versions():
        latest[row["name"]] = row
    out = []
    for row in latest.values():
        try:
            out.append(parse_scheme(row["yaml"], f"<stored {row['name']} v{row['version']}>"))
        except SchemeError:
            continue
    return out


def label_set_levels(store: Store, selection: Selection) -> dict[str, str]:
    """label set -> level for every set in the stored schemes (latest versions) and in the
    annotations, restricted to ``--label-set`` when given. Unknown requested sets are an error."""
    levels: dict[str, str] = {}
    for scheme in latest_schemes(store):
        for ls in scheme.label_sets:
            levels.setdefault(ls.name, ls.level)
    for name, level in store.annotations.label_sets():
        levels.setdefault(name, level)
    if selection.label_sets:
        unknown = [s for s in selection.label_sets if s not in levels]
        if unknown:
            raise ExportError(
                f"no label set named {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(sorted(levels)) or 'none'})"
            )
        return {s: levels[s] for s in selection.label_sets}
    return dict(sorted(levels.items()))


def answered_by_set(store: Store) -> dict[str, dict[tuple[int, int | None], set[str]]]:
    """label set -> unit -> who answered it, by the units rule, over every stored scheme (an
    export spans them all; a set name in two schemes pools their answers)."""
    from annotator.services.units import who_answered_by_set

    out: dict[str, dict[tuple[int, int | None], set[str]]] = {}
    for name in store.schemes.names():
        _, scheme = store.schemes.load(name)
        sets = [(ls.name, ls.level) for ls in scheme.label_sets]
        for set_name, by_unit in who_answered_by_set(store, name, sets).items():
            for unit, who in by_unit.items():
                out.setdefault(set_name, {}).setdefault(unit, set()).update(who)
    return out


def scheme_labels(store: Store) -> dict[str, list[str]]:
    """label set -> label names in scheme order (latest version of each scheme)."""
    out: dict[str, list[str]] = {}
    for scheme in latest_schemes(store):
        for ls in scheme.label_sets:
            names = out.setdefault(ls.name, [])
            names.extend(n for n in ls.names if n not in names)
    return out


class Walker:
    """Iterates the selected documents as ExportDoc, computing the gold when asked."""

    def __init__(self, store: Store, selection: Selection, warn: Warn) -> None:
        if selection.gold not in GOLD_MODES:
            raise ExportError(f"--gold must be one of {', '.join(GOLD_MODES)}")
        self.store = store
        self.selection = selection
        self.warn = warn
        known = {a.name for a in store.schemes.annotators()}
        if selection.annotators:
            unknown = [a for a in selection.annotators if a not in known]
            if unknown:
                raise ExportError(
                    f"no annotator named {', '.join(map(repr, unknown))} "
                    f"(known: {', '.join(sorted(known)) or 'none'})"
                )
        self.levels = label_set_levels(store, selection)
        self.docs = [
            d for d in store.corpus.documents()
            if selection.documents is None or int(d["id"]) in selection.documents
        ]
        self.names = document_names(self.docs)
        self.ties = 0
        self.who_answered = answered_by_set(store) if selection.gold == "majority" else {}

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def who(self) -> list[str]:
        """The annotator names (or the gold pseudo-annotator) the export is about."""
        if self.selection.gold != "none":
            return [gold_name(self.selection.gold)]
        names = [a.name for a in self.store.schemes.annotators()]
        if self.selection.annotators:
            return [n for n in names if n in self.selection.annotators]
        return names

    def __iter__(self) -> Iterator[ExportDoc]:
        sel = self.selection
        store = self.store
        sets = list(self.levels)
        full = sel.gold == "none"
        removed = (
            store.annotations.removed_by_document(annotators=sel.annotators, label_sets=sets)
            if full else {}
        )
        doc_progress = store.progress.document_panels(annotators=sel.annotators)
        adjudications = store.adjudications.by_document() if full else {}
        gold = (
            store.adjudications.gold_by_document(label_sets=sets)
            if sel.gold == "adjudicated" else {}
        )
        with_attributes = full and store.attributes.any_stored()
        for d in self.docs:
            doc_id = int(d["id"])
            row = store.corpus.document(doc_id)
            assert row is not None
            sentences = store.corpus.sentences(doc_id)
            anns = store.annotations.of_document(doc_id, annotators=sel.annotators, label_sets=sets)
            progress = store.progress.of_document(doc_id, annotators=sel.annotators)
            dprog = doc_progress.get(doc_id, [])
            doc = ExportDoc(
                row=row, name=self.names[doc_id], sentences=sentences, annotations=anns,
                removed=removed.get(doc_id, []), progress=progress, document_progress=dprog,
                adjudications=[
                    j for j in adjudications.get(doc_id, []) if j["label_set"] in self.levels
                ],
            )
            if with_attributes:
                doc.attributes = store.attributes.of_document(doc_id)
            doc.answered = (
                {a["annotator"] for a in anns}
                | {p["annotator"] for p in progress if p["status"] == "done"}
                | {p["annotator"] for p in dprog if p["status"] == "done"}
            )
            if sel.gold == "majority":
                self._majority(doc)
            elif sel.gold == "adjudicated":
                self._adjudicated(doc, gold.get(doc_id, []))
            if not full:  # gold exports carry no per-annotator state
                doc.progress, doc.document_progress = [], []
            yield doc

    # ------------------------------------------------------------------ gold
    def _majority(self, doc: ExportDoc) -> None:
        """Replace the annotations by the strict-majority gold, reporting ties."""
        doc_id = int(doc.row["id"])
        sentence_id = {int(s["idx"]): int(s["id"]) for s in doc.sentences}

        def voters_of(label_set: str, level: str, sidx: int | None) -> set[str]:
            """Who answered the unit (the units rule): only they vote, labels of others are
            not answers."""
            unit = (doc_id, None) if level == "document" or sidx is None else (
                doc_id, sentence_id.get(sidx))
            return set(self.who_answered.get(label_set, {}).get(unit, ()))

        # unit = (label_set, level, sentence idx or None) -> annotator -> items
        answers: dict[tuple[str, str, int | None], dict[str, list[Any]]] = {}
        by_item: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for a in doc.annotations:
            unit = (a["label_set"], a["level"], a["sentence_idx"])
            if a["annotator"] not in voters_of(*unit):
                continue
            item = (a["start"], a["end"], a["label"]) if a["level"] == "span" else a["label"]
            answers.setdefault(unit, {}).setdefault(a["annotator"], []).append(item)
            by_item.setdefault((unit, item), []).append(a)
        gold: list[dict[str, Any]] = []
        name = gold_name("majority")
        for unit, per_annotator in answers.items():
            label_set, level, sidx = unit
            voters = voters_of(label_set, level, sidx)
            chosen, ties = majority_unit(per_annotator, voters)
            for item, k, n in ties:
                self.ties += 1
                # named as the annotation screen names it: doc k1, sentence 4/12 (1-based)
                where = f"doc {doc.name}" + (
                    f", sentence {sidx + 1}/{len(doc.sentences)}"
                    if level != "document" and sidx is not None else ""
                )
                what = f"{item[2]} [{item[0]}:{item[1]}]" if level == "span" else item
                self.warn(
                    f"tie: {where}, {label_set}: {what} chosen by {k} of {n} annotators "
                    "(left out of the majority gold)"
                )
            for item in chosen:
                support = by_item[(unit, item)]
                first = support[0]
                gold.append(
                    {
                        **first,
                        "uid": gold_uid(doc.row["sha256"], label_set, level, sidx, item),
                        "annotator": name,
                        "scheme_version": max(s["scheme_version"] for s in support),
                        "note": None,
                        "created_at": max(s["created_at"] for s in support),
                        "removed_at": None,
                    }
                )
        gold.sort(key=_gold_order)
        doc.annotations = gold
        doc.answered = {name} if doc.answered else set()

    def _adjudicated(self, doc: ExportDoc, rows: list[dict[str, Any]]) -> None:
        name = gold_name("adjudicated")
        gold = []
        for g in rows:
            item = (g["start"], g["end"], g["label"]) if g["level"] == "span" else g["label"]
            gold.append(
                {
                    "uid": gold_uid(
                        doc.row["sha256"], g["label_set"], g["level"], g["sentence_idx"], item
                    ),
                    "annotator": name, "scheme": g["scheme"],
                    "scheme_version": g["scheme_version"], "label_set": g["label_set"],
                    "label": g["label"], "level": g["level"], "document_id": g["document_id"],
                    "sentence_id": g["sentence_id"], "sentence_idx": g["sentence_idx"],
                    "start": g["start"], "end": g["end"], "value": g["value"], "note": None,
                    "created_at": g["decided_at"], "removed_at": None,
                }
            )
        gold.sort(key=_gold_order)
        doc.annotations = gold
        doc.answered = {name} if gold else set()


def _gold_order(a: dict[str, Any]) -> tuple[Any, ...]:
    return (
        LEVELS.index(a["level"]),
        -1 if a["sentence_idx"] is None else a["sentence_idx"],
        -1 if a["start"] is None else a["start"],
        -1 if a["end"] is None else a["end"],
        a["label_set"],
        a["label"],
    )


def span_text(doc: ExportDoc, a: dict[str, Any]) -> str | None:
    if a["start"] is None:
        return None
    return doc.text[int(a["start"]) : int(a["end"])]


def sentence_by_idx(doc: ExportDoc) -> dict[int, dict[str, Any]]:
    return {int(s["idx"]): s for s in doc.sentences}


def safe_file_name(name: str) -> str:
    """THE file name made from a name in the data (annotator, label set, document id): every
    exporter builds its file and folder names with it.

    Letters, digits and ``_ . @ + -`` are kept, anything else becomes ``_``. It is injective:
    when cleaning changed the name (``alice bob`` and ``alice_bob``, ``Олена`` and ``Ольга``,
    ``alice/bob``), or the name is too long, reserved or hidden (``.x``, ``.``, ``..``), a
    short stable hash of the original is appended after a ``~`` (``alice_bob~3f2a9c01d4``), a
    character no kept name can hold, so two people never share a file. The result is never
    empty, absolute, ``.`` or ``..``."""
    cleaned = _UNSAFE_FILE_CHARS.sub("_", name)[:MAX_NAME]
    if name and cleaned == name and name[0] != "." and name.split(".")[0].upper() not in _RESERVED:
        return name
    return _hashed(name, cleaned)


def _hashed(name: str, cleaned: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    return f"{cleaned.lstrip('.') or '_'}~{digest}"


def unique_file_names(names: Iterable[str]) -> dict[str, str]:
    """name -> :func:`safe_file_name`, with the hash also added to names that differ only by
    case (``Alice`` and ``alice``): on macOS and Windows they would be one folder."""
    out = {n: safe_file_name(n) for n in names}
    folded: dict[str, list[str]] = {}
    for n, f in out.items():
        folded.setdefault(f.casefold(), []).append(n)
    for same in folded.values():
        if len(same) > 1:
            for n in same:
                out[n] = _hashed(n, _UNSAFE_FILE_CHARS.sub("_", n)[:MAX_NAME])
    return out


MAX_NAME = 80
HASH_CHARS = 10
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9_.@+-]")
# Names Windows gives to devices, whatever the extension: a folder named "con" cannot be made.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def inside(out: Path, *parts: str) -> Path:
    """``out / parts...``, refusing (ExportError) a path that would land outside ``out`` (an
    absolute or ``..`` part, or a symbolic link in ``out`` pointing elsewhere): no name in the
    data may make an export write anywhere but under ``--out``."""
    path = out.joinpath(*parts)
    root = out.resolve()
    if not path.resolve().is_relative_to(root) or path.resolve() == root:
        raise ExportError(f"{path}: refusing to write outside {out}")
    return path


def prepare_dir(out: Path) -> None:
    """Create the output directory; refuse a file in the way."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a directory (this format writes a directory)")
    out.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Write ``path`` all or nothing: the block writes the temporary path it is given, in the
    same folder; when the block ends without error that file is flushed to disk and renamed over
    ``path``, otherwise removed. A kill -9, a full disk or an error leaves the previous file (or
    none) under the final name, never a truncated one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:60]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_file(path: Path, *, newline: str | None = "\n") -> Iterator[IO[str]]:
    """A UTF-8 text file written all or nothing (:func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as f:
        yield f


def write_text(path: Path, text: str) -> None:
    """UTF-8, LF line ends, exactly the characters given; atomic (:func:`atomic_file`)."""
    with atomic_file(path) as f:
        f.write(text)
