"""Adjudication logic: which units need a decision, in what order, and what a decision holds.

Pure functions over plain rows (no SQLite, no UI), shared by ``annotator review`` (the terminal
screen) and ``annotator review --accept-unanimous``.

A *unit* is one label set on one sentence (sentence and span sets) or one document (document
sets). Who *answered* a unit is decided by the one units rule (:mod:`annotator.core.units`) and
handed in; a label by an annotator who did not answer the unit is not part of any version. Each
annotator's *version* of a unit is a set of items: label names for sentence and document sets,
``(start, end, label)`` triples for span sets. A unit is in review when two or more annotators
answered it; it is *unanimous* when all their versions are equal, else *disputed*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Item = str | tuple[int, int, str]


class UnitKey(NamedTuple):
    """Identifies a unit: (document, sentence or None, label set). A tuple, so hashing and
    comparing millions of them stays cheap."""

    document_id: int
    sentence_id: int | None
    label_set: str

    def sort_key(self, sentence_order: Mapping[int, int] | None = None) -> tuple[int, int, str]:
        idx = -1
        if self.sentence_id is not None:
            idx = (sentence_order or {}).get(self.sentence_id, self.sentence_id)
        return (self.document_id, idx, self.label_set)


@dataclass
class Unit:
    """A unit with every annotator's version of it."""

    key: UnitKey
    level: str
    versions: dict[str, frozenset[Item]]  # annotator name -> items

    @property
    def annotators(self) -> list[str]:
        return sorted(self.versions)

    @property
    def unanimous(self) -> bool:
        return len(set(self.versions.values())) <= 1

    @property
    def score(self) -> float:
        return disagreement(self.versions)


@dataclass
class Decision:
    """What the adjudicator decided for a unit; ``items`` become gold rows when resolved."""

    choice: str  # accept:NAME, union, intersection, edit, unanimous, unresolved
    items: frozenset[Item]
    sources: list[str]
    status: str = "resolved"
    note: str | None = None


@dataclass
class ReviewRows:
    """What the services hand over: current annotations and, per label set, who answered which
    unit (the units rule's verdict)."""

    # (annotator, label_set, level, document_id, sentence_id, label, start, end)
    annotations: list[tuple[Any, ...]]
    # label set -> (document_id, sentence_id or None) -> annotators who answered it
    answered: Mapping[str, Mapping[tuple[int, int | None], AbstractSet[str]]] = field(
        default_factory=dict
    )


# ------------------------------------------------------------------------------ building units
def build_units(
    rows: ReviewRows,
    sets: Sequence[tuple[str, str]],
    *,
    min_annotators: int = 2,
) -> list[Unit]:
    """Every unit answered by ``min_annotators`` or more, for the given (set name, level) pairs.

    An annotator who answered without a label of the set has the empty version (an answer:
    "nothing here"); labels of annotators who did not answer the unit are left out.
    """
    levels = dict(sets)
    versions: dict[UnitKey, dict[str, set[Item]]] = {}
    for annotator, name, row_level, doc, sentence, label, start, end in rows.annotations:
        level = levels.get(name)
        if level is None or row_level != level:
            continue
        sid = None if level == "document" else sentence
        if level != "document" and sid is None:
            continue
        key = UnitKey(int(doc), None if sid is None else int(sid), name)
        item: Item = label
        if level == "span":
            item = (int(start), int(end), str(label))
        per = versions.setdefault(key, {})
        mine = per.get(annotator)
        if mine is None:
            per[annotator] = {item}
        else:
            mine.add(item)

    empty: frozenset[Item] = frozenset()
    units: list[Unit] = []
    for name, level in sets:
        for (d, sid), who in (rows.answered.get(name) or {}).items():
            if len(who) < min_annotators:
                continue
            key = UnitKey(int(d), None if level == "document" else sid, name)
            per = versions.get(key) or {}
            units.append(
                Unit(
                    key,
                    level,
                    {a: (frozenset(per[a]) if a in per else empty) for a in sorted(who)},
                )
            )
    units.sort(
        key=lambda u: (
            u.key.document_id,
            -1 if u.key.sentence_id is None else u.key.sentence_id,
            u.key.label_set,
        )
    )
    return units


def disagreement(versions: Mapping[str, Iterable[Item]]) -> float:
    """Share of the items (in anyone's version) that not every annotator chose: 0 when all agree,
    1 when no item is shared by all. A unit where everyone chose nothing scores 0."""
    sets = [set(v) for v in versions.values()]
    if not sets:
        return 0.0
    union = set().union(*sets)
    if not union:
        return 0.0
    inter = set.intersection(*sets)
    return (len(union) - len(inter)) / len(union)


def order_units(
    units: Sequence[Unit], order: str, sentence_order: Mapping[int, int] | None = None
) -> list[Unit]:
    """``disagreement``: most disagreement first (then more annotators in dispute, then document
    order); ``document``: document and sentence order."""
    if order == "document":
        return sorted(units, key=lambda u: u.key.sort_key(sentence_order))
    if order != "disagreement":
        raise ValueError(f"unknown order {order!r}; use disagreement or document")
    return sorted(
        units,
        key=lambda u: (-u.score, -len(set(u.versions.values())), u.key.sort_key(sentence_order)),
    )


def disputed(units: Iterable[Unit]) -> list[Unit]:
    return [u for u in units if not u.unanimous]


def unanimous(units: Iterable[Unit]) -> list[Unit]:
    return [u for u in units if u.unanimous]


# ------------------------------------------------------------------------------ decisions
def union(unit: Unit) -> frozenset[Item]:
    return frozenset().union(*unit.versions.values()) if unit.versions else frozenset()


def intersection(unit: Unit) -> frozenset[Item]:
    if not unit.versions:
        return frozenset()
    return frozenset(set.intersection(*(set(v) for v in unit.versions.values())))


def accept(unit: Unit, annotator: str) -> Decision:
    return Decision(f"accept:{annotator}", unit.versions[annotator], [annotator])


def take_union(unit: Unit) -> Decision:
    return Decision("union", union(unit), _contributors(unit, union(unit)))


def take_intersection(unit: Unit) -> Decision:
    return Decision("intersection", intersection(unit), unit.annotators)


def edited(unit: Unit, items: Iterable[Item]) -> Decision:
    chosen = frozenset(items)
    return Decision("edit", chosen, _contributors(unit, chosen) or unit.annotators)


def unresolved(unit: Unit, note: str | None) -> Decision:
    return Decision(
        "unresolved",
        frozenset(),
        unit.annotators,
        status="unresolved",
        note=(note or "").strip() or None,
    )


def unanimous_decision(unit: Unit) -> Decision:
    items = next(iter(unit.versions.values()), frozenset())
    return Decision("unanimous", items, unit.annotators)


def _contributors(unit: Unit, items: frozenset[Item]) -> list[str]:
    """Annotators whose version contributed at least one of the items (all when none)."""
    who = [a for a in unit.annotators if unit.versions[a] & items]
    return who or unit.annotators


def single_choice_problem(items: Iterable[Item], multiple: bool) -> str | None:
    """A single-choice set takes at most one label per unit."""
    n = len(set(items))
    if not multiple and n > 1:
        return f"this label set takes one label, the result has {n}; accept one version or edit"
    return None


def item_label(item: Item) -> str:
    return item[2] if isinstance(item, tuple) else item


def sorted_items(items: Iterable[Item], label_order: Sequence[str] = ()) -> list[Item]:
    """Spans by position then label; labels in scheme order."""
    rank = {lab: i for i, lab in enumerate(label_order)}

    def key(x: Item) -> tuple[int, int, int, str]:
        if isinstance(x, tuple):
            return (x[0], x[1], rank.get(x[2], len(rank)), x[2])
        return (0, 0, rank.get(x, len(rank)), x)

    return sorted(items, key=key)


def display_names(annotators: Sequence[str], hide: bool) -> dict[str, str]:
    """Names shown on screen: the real ones, or A1, A2... in a stable (alphabetical) order."""
    return {a: (f"A{i}" if hide else a) for i, a in enumerate(sorted(annotators), 1)}
