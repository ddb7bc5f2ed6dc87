"""Who codes which document in a campaign: pure selection and balancing (no database).

A campaign gives each document to K annotators and a calibration set ("shared" documents) to
every named annotator. The plan must be

- exact: a document gets K annotators (fewer only when fewer named annotators are left who do
  not already code it);
- balanced in what takes time, sentences: loads end within one document of each other.
  Documents go largest first, each to the K least-loaded annotators not already on it (longest
  processing time first). Adding a document of p sentences to the K smallest loads keeps
  max - min <= the largest document: the loads it raises were the smallest, and the
  (K+1)-th smallest load is at least the K-th;
- deterministic for a seed: ties (equal sizes, equal loads) are broken by a ``random.Random``
  seeded with it, never by dict or set order;
- additive: what is already assigned counts (its loads, its annotators) and is never moved.
  Only ``hand_over`` moves work, and only when asked (``annotator assign --move``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SHARED_SPEC = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


class AssignError(ValueError):
    """A campaign request that cannot be planned, explained in one line."""


@dataclass(frozen=True)
class Doc:
    """What the planner needs to know about a document."""

    id: int
    source: str | None
    sentences: int


@dataclass
class Plan:
    """New (annotator, document id, shared) rows, and the whole calibration set after them."""

    rows: list[tuple[str, int, bool]] = field(default_factory=list)
    shared: list[int] = field(default_factory=list)  # every shared document (old and new)
    new_shared: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)  # documents left with fewer than K

    def loads(self, docs: Iterable[Doc]) -> dict[str, int]:
        """Sentences each annotator receives in this plan."""
        size = {d.id: d.sentences for d in docs}
        out: dict[str, int] = {}
        for who, doc, _ in self.rows:
            out[who] = out.get(who, 0) + size[doc]
        return out


def shared_count(spec: str, n_documents: int) -> int:
    """``--shared``: N documents, or P% of the selected ones (rounded up, so 1% of 50 is one
    document rather than none)."""
    m = SHARED_SPEC.match(spec)
    if m is None:
        raise AssignError(f"--shared {spec!r}: give a number of documents (10) or a share (5%)")
    number, percent = float(m.group(1)), m.group(2) == "%"
    if percent:
        if number > 100:
            raise AssignError(f"--shared {spec}: a share cannot exceed 100%")
        return math.ceil(n_documents * number / 100 - 1e-9)
    if number != int(number):
        raise AssignError(f"--shared {spec}: a number of documents is a whole number")
    if number > n_documents:
        raise AssignError(
            f"--shared {int(number)}: only {n_documents} document(s) with sentences selected"
        )
    return int(number)


def spread_over_sources(docs: Sequence[Doc], n: int, rng: random.Random) -> list[Doc]:
    """``n`` documents taken in turn from each source (largest source first, each source's
    documents in a seeded random order), so a calibration set covers every outlet it can."""
    by_source: dict[str, list[Doc]] = {}
    for d in docs:
        by_source.setdefault(d.source or "", []).append(d)
    groups = sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    queues = []
    for _, group in groups:
        group = sorted(group, key=lambda d: d.id)
        rng.shuffle(group)
        queues.append(group)
    out: list[Doc] = []
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def plan(
    docs: Sequence[Doc],
    annotators: Sequence[str],
    *,
    per_document: int = 2,
    shared: int = 0,
    seed: int = 0,
    existing: Mapping[int, Mapping[str, bool]] | None = None,
    loads: Mapping[str, int] | None = None,
) -> Plan:
    """Plan the new assignments of ``docs`` (the selected documents, with sentences).

    ``existing``: document id -> {annotator: shared} already assigned (any annotator, named or
    not); ``loads``: sentences already assigned to each named annotator, over the whole
    campaign. ``shared``: how many selected documents the calibration set should hold (those
    already shared count)."""
    names = list(dict.fromkeys(annotators))
    if not names:
        raise AssignError("--annotators: name at least one annotator")
    if per_document < 1:
        raise AssignError("--per-document must be at least 1")
    if per_document > len(names):
        raise AssignError(
            f"--per-document {per_document}: only {len(names)} annotator(s) named "
            f"({', '.join(names)})"
        )
    existing = existing or {}
    rng = random.Random(seed)
    load = {n: int((loads or {}).get(n, 0)) for n in names}
    result = Plan()

    # The calibration set: what is already shared, topped up from the documents nobody codes
    # yet (then from the others), spread over sources.
    already = {d.id for d in docs if any(existing.get(d.id, {}).values())}
    want = max(0, shared - len(already))
    fresh = [d for d in docs if d.id not in existing]
    taken = [d for d in docs if d.id in existing and d.id not in already]
    picked = spread_over_sources(fresh, want, rng)
    if len(picked) < want:
        picked += spread_over_sources(taken, want - len(picked), rng)
    shared_ids = already | {d.id for d in picked}
    result.new_shared = sorted(d.id for d in picked)
    result.shared = sorted(shared_ids)
    for d in sorted((d for d in docs if d.id in shared_ids), key=lambda d: d.id):
        on = existing.get(d.id, {})
        for who in names:
            if who not in on:
                result.rows.append((who, d.id, True))
                load[who] += d.sentences

    # The rest: each document to the K least-loaded annotators not on it yet, largest first.
    rest = [d for d in docs if d.id not in shared_ids]
    tiebreak = {d.id: rng.random() for d in sorted(rest, key=lambda d: d.id)}
    for d in sorted(rest, key=lambda d: (-d.sentences, tiebreak[d.id])):
        on = existing.get(d.id, {})
        need = per_document - len(on)
        if need <= 0:
            continue
        free = [w for w in names if w not in on]
        jitter = {w: rng.random() for w in free}
        chosen = sorted(free, key=lambda w: (load[w], jitter[w]))[:need]
        if len(chosen) < need:
            result.short.append(d.id)
        for who in chosen:
            result.rows.append((who, d.id, False))
            load[who] += d.sentences
    return result


def hand_over(
    docs: Sequence[Doc],
    receivers: Sequence[str],
    *,
    existing: Mapping[int, Mapping[str, bool]],
    loads: Mapping[str, int],
    seed: int = 0,
) -> tuple[list[tuple[int, str]], list[int]]:
    """Give each of ``docs`` (a leaving annotator's unfinished documents) to the least-loaded
    receiver who does not code it yet, largest documents first. Returns ((document id,
    receiver) moves, documents no receiver can take)."""
    if not receivers:
        raise AssignError("--to: name the annotator(s) who take the work over")
    rng = random.Random(seed)
    load = {n: int(loads.get(n, 0)) for n in receivers}
    tiebreak = {d.id: rng.random() for d in sorted(docs, key=lambda d: d.id)}
    moves: list[tuple[int, str]] = []
    stuck: list[int] = []
    for d in sorted(docs, key=lambda d: (-d.sentences, tiebreak[d.id])):
        free = [w for w in receivers if w not in existing.get(d.id, {})]
        if not free:
            stuck.append(d.id)
            continue
        jitter = {w: rng.random() for w in free}
        who = min(free, key=lambda w: (load[w], jitter[w]))
        moves.append((d.id, who))
        load[who] += d.sentences
    return sorted(moves), sorted(stuck)
