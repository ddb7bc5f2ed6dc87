"""Campaigns: assign documents to annotators, hand work over, follow progress, offline copies.

``annotator assign`` plans with :mod:`annotator.core.assign` (pure, seeded) over what the
database already holds, then stores the new rows in one transaction: re-running it adds only
what is new. ``annotator assignments`` reads where each annotator stands. ``annotator checkout``
writes one annotator's share into a database of its own (a merge into an empty file, scoped to
their documents and work), which ``annotator merge`` brings back.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.assign import AssignError, Doc, Plan, hand_over, plan, shared_count

if TYPE_CHECKING:
    from annotator.services.merge import MergeReport
    from annotator.store import Store


# ----------------------------------------------------------------------------------- selecting
def parse_documents(store: Store, spec: str) -> list[int]:
    """``--documents``: comma-separated database ids, ranges (``10-20``) or external ids."""
    out: list[int] = []
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        lo, dash, hi = token.partition("-")
        if dash and lo.strip().isdigit() and hi.strip().isdigit():
            a, b = int(lo), int(hi)
            if b < a:
                raise AssignError(f"--documents: range {token} runs backwards")
            known = set(store.corpus.document_ids())
            out.extend(i for i in range(a, b + 1) if i in known)
            continue
        found = store.corpus.find_document(token)
        if found is None:
            raise AssignError(f"--documents: no document {token!r} (database id or external id)")
        out.append(found)
    if not out:
        raise AssignError(f"--documents {spec!r}: no document selected")
    return list(dict.fromkeys(out))


def select_documents(
    store: Store, *, sources: Sequence[str] = (), documents: Sequence[int] | None = None
) -> tuple[list[Doc], int]:
    """The campaign's documents (those with sentences), restricted to ``sources`` and
    ``documents`` when given; and how many selected documents have no sentence (left out)."""
    wanted = set(documents) if documents is not None else None
    rows = store.corpus.documents()
    if sources:
        known = {r["source"] for r in rows}
        unknown = [s for s in sources if s not in known]
        if unknown:
            names = ", ".join(sorted(str(s) for s in known if s is not None)) or "none"
            raise AssignError(f"--source: no document from {', '.join(unknown)} (sources: {names})")
    picked = [
        r for r in rows
        if (not sources or r["source"] in sources) and (wanted is None or int(r["id"]) in wanted)
    ]
    docs = [Doc(int(r["id"]), r["source"], int(r["n_sentences"])) for r in picked]
    return [d for d in docs if d.sentences > 0], sum(d.sentences == 0 for d in docs)


def _state(store: Store) -> tuple[dict[int, dict[str, bool]], dict[str, int]]:
    """Active assignments: document id -> {annotator: shared}, and sentences per annotator."""
    names = {a.id: a.name for a in store.schemes.annotators()}
    size = {int(r["id"]): int(r["n_sentences"]) for r in store.corpus.documents()}
    existing: dict[int, dict[str, bool]] = {}
    loads: dict[str, int] = {}
    for aid, doc, shared in store.assignments.active():
        existing.setdefault(doc, {})[names[aid]] = shared
        loads[names[aid]] = loads.get(names[aid], 0) + size.get(doc, 0)
    return existing, loads


# ----------------------------------------------------------------------------------- assigning
@dataclass
class AssignResult:
    plan: Plan
    selected: int  # documents with sentences in the selection
    empty: int  # selected documents without a sentence (left out)
    per_document: int
    loads: dict[str, tuple[int, int]]  # annotator -> (documents, sentences) in the campaign

    @property
    def new(self) -> int:
        return len(self.plan.rows)


def assign(
    store: Store,
    annotators: Sequence[str],
    *,
    per_document: int = 2,
    shared: str | None = None,
    sources: Sequence[str] = (),
    documents: Sequence[int] | None = None,
    seed: int = 0,
) -> AssignResult:
    """Give every selected document to ``per_document`` annotators and the calibration set
    (``shared``: N or P%) to all of them; what is already assigned stays and counts."""
    names = list(dict.fromkeys(a.strip() for a in annotators if a.strip()))
    docs, empty = select_documents(store, sources=sources, documents=documents)
    if not docs:
        raise AssignError("no document with sentences to assign (import documents first)")
    n_shared = shared_count(shared, len(docs)) if shared else 0
    existing, loads = _state(store)
    result = plan(docs, names, per_document=per_document, shared=n_shared, seed=seed,
                  existing=existing, loads=loads)
    with store.db.atomic():  # new annotators and their rows: all or nothing
        ids = {n: store.schemes.annotator_id(n) for n in names}
        store.assignments.add(
            ((ids[who], doc, sh) for who, doc, sh in result.rows),
            seed=seed, shared_documents=result.new_shared,
        )
    return AssignResult(result, len(docs), empty, per_document, campaign_loads(store))


def campaign_loads(store: Store) -> dict[str, tuple[int, int]]:
    """Annotator -> (documents, sentences) actively assigned."""
    out: dict[str, tuple[int, int]] = {}
    for r in store.assignments.overview():
        d, s = out.get(r["annotator"], (0, 0))
        out[r["annotator"]] = (d + 1, s + int(r["sentences"]))
    return out


@dataclass
class MoveResult:
    giver: str
    moves: list[tuple[int, str]]  # (document id, receiver)
    kept_finished: int  # documents the giver finished: they stay theirs
    stuck: list[int]  # documents every receiver already codes: left with the giver
    loads: dict[str, tuple[int, int]]


def move(
    store: Store,
    giver: str,
    receivers: Sequence[str],
    *,
    documents: Sequence[int] | None = None,
    seed: int = 0,
) -> MoveResult:
    """Hand over what ``giver`` has not finished (every sentence done) to ``receivers``,
    balanced in sentences; finished documents, and every label and mark, stay the giver's."""
    names = list(dict.fromkeys(r.strip() for r in receivers if r.strip()))
    if giver in names:
        raise AssignError(f"--move {giver} --to {giver}: hand the work to someone else")
    known = {a.name: a.id for a in store.schemes.annotators()}
    if giver not in known:
        raise AssignError(f"--move: no annotator named {giver!r}")
    gid = known[giver]
    queue = store.assignments.queue(gid)
    if not queue:
        raise AssignError(f"--move: {giver} has no assigned document")
    finished = store.assignments.finished(gid)
    wanted = set(documents) if documents is not None else None
    size = {int(r["id"]): int(r["n_sentences"]) for r in store.corpus.documents()}
    open_docs = [
        Doc(doc, None, size[doc]) for doc, _ in queue
        if doc not in finished and (wanted is None or doc in wanted)
    ]
    existing, loads = _state(store)
    moves, stuck = hand_over(open_docs, names, existing=existing, loads=loads, seed=seed)
    with store.db.atomic():
        ids = {n: store.schemes.annotator_id(n) for n in names}
        store.assignments.hand_over((doc, gid, ids[who]) for doc, who in moves)
    kept = sum(1 for doc, _ in queue if doc in finished and (wanted is None or doc in wanted))
    return MoveResult(giver, moves, kept, stuck, campaign_loads(store))


# ----------------------------------------------------------------------------------- progress
@dataclass
class AnnotatorProgress:
    """Where one annotator stands in the campaign."""

    annotator: str
    documents: int
    shared: int
    documents_done: int
    sentences: int
    done: int
    median_seconds: float | None  # active seconds per done sentence (median)
    pace_from: str | None  # "own", or "everyone" when the annotator has no timed sentence

    @property
    def remaining(self) -> int:
        return self.sentences - self.done

    @property
    def time_left(self) -> float | None:
        return None if self.median_seconds is None else self.remaining * self.median_seconds


@dataclass
class Overview:
    annotators: list[AnnotatorProgress] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # one per assignment


def overview(store: Store, annotator: str | None = None) -> Overview:
    """Per annotator: documents and sentences assigned, done, remaining, median seconds per
    sentence and the time left at that pace; and one row per assigned document."""
    if annotator is not None and annotator not in {a.name for a in store.schemes.annotators()}:
        raise AssignError(f"--annotator: no annotator named {annotator!r}")
    rows = store.assignments.overview(annotator)
    pace = store.progress.done_seconds()
    everyone = [s for secs in pace.values() for s in secs]
    fallback = statistics.median(everyone) if everyone else None
    out = Overview()
    by_name: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        r["shared"] = bool(r["shared"])
        r["done"] = min(int(r["done"]), int(r["sentences"]))
        r["remaining"] = int(r["sentences"]) - r["done"]
        r["seconds"] = round(float(r["seconds"]), 1)
        by_name.setdefault(r["annotator"], []).append(r)
        out.documents.append(r)
    for name, docs in by_name.items():
        own = pace.get(name)
        median = statistics.median(own) if own else fallback
        out.annotators.append(
            AnnotatorProgress(
                annotator=name,
                documents=len(docs),
                shared=sum(d["shared"] for d in docs),
                documents_done=sum(d["remaining"] == 0 for d in docs),
                sentences=sum(int(d["sentences"]) for d in docs),
                done=sum(d["done"] for d in docs),
                median_seconds=median,
                pace_from="own" if own else ("everyone" if median is not None else None),
            )
        )
    return out


# ----------------------------------------------------------------------------------- offline copies
@dataclass
class CheckoutResult:
    annotator: str
    path: Path
    documents: int
    report: MergeReport


def checkout(store: Store, annotator: str, out: str | Path) -> CheckoutResult:
    """Write ``annotator``'s share into a new database ``out``: every scheme version, their
    assigned documents, their work so far (labels, marks, event log) and their assignments,
    nobody else's labels and no gold. It is a merge into an empty file scoped to that share,
    so ``annotator merge OUT`` brings the work back by the same rules."""
    from annotator.services.merge import Scope, merge_scoped
    from annotator.store import Store, StoreError

    known = {a.name: a.id for a in store.schemes.annotators()}
    if annotator not in known:
        raise AssignError(f"no annotator named {annotator!r}")
    queue = store.assignments.queue(known[annotator])
    if not queue:
        raise AssignError(f"{annotator} has no assigned document (run `annotator assign` first)")
    path = Path(out)
    if path.exists():
        raise StoreError(
            f"{path}: already exists; merge it back (`annotator merge {path}`) and remove it, "
            "or choose another file"
        )
    target = Store.open(path)
    try:
        scope = Scope(annotators=[annotator], documents={d for d, _ in queue})
        report = merge_scoped(target, store, scope)
        target.assignments.import_rows(store.assignments.export_rows([known[annotator]]))
    except BaseException:
        target.close()
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        raise
    target.close()
    return CheckoutResult(annotator, path, len(queue), report)


def check_file_names(annotators: Iterable[str]) -> None:
    """``--split`` names each copy after its annotator: refuse names the one safe-name rule
    would have to change (before anything is assigned), so ``NAME.db`` is the name typed."""
    from annotator.services.export.common import safe_file_name

    unsafe = [n for n in annotators if safe_file_name(n) != n]
    if unsafe:
        raise AssignError(f"--split: {', '.join(map(repr, unsafe))} cannot be a file name; "
                          "use `annotator checkout NAME FILE`")


def copy_owner(store: Store) -> str | None:
    """The annotator an offline copy belongs to: its only annotator, when they have assigned
    documents (what ``checkout`` writes). The screen defaults to them, so a coder who forgets
    ``--annotator`` on their laptop does not work under their login name."""
    people = store.schemes.annotators()
    if len(people) == 1 and store.assignments.queue(people[0].id):
        return people[0].name
    return None


def split(store: Store, annotators: Iterable[str], directory: str | Path) -> list[CheckoutResult]:
    """One offline copy per annotator: ``DIRECTORY/NAME.db``."""
    names = list(annotators)
    check_file_names(names)
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return [checkout(store, name, d / f"{name}.db") for name in names]
