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

import numpy as np

from annotator.core import arrays

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


ORIGINS = ("coder", "adjusted", "added")
"""Where a gold item came from (``gold.origin``): ``coder``, a coder proposed exactly this item;
``adjusted``, a span the adjudicator made from a coder's span (it overlaps one, with other
boundaries or another label); ``added``, something no coder proposed (a span overlapping no
coder's span, or a label no coder chose)."""


def origin(unit: Unit, item: Item) -> str:
    """Where ``item`` of a gold decision on ``unit`` came from (see :data:`ORIGINS`).

    Decided from the data, not from the keys pressed, so the same gold gets the same origin
    however the adjudicator reached it."""
    proposed = union(unit)
    if item in proposed:
        return "coder"
    if isinstance(item, tuple):
        start, end, _ = item
        for other in proposed:
            if isinstance(other, tuple) and other[0] < end and start < other[1]:
                return "adjusted"
    return "added"


def _same_values(coders: Iterable[Mapping[str, Sequence[str]]]) -> bool:
    """Whether coders gave the same values (each attribute compared as a set; none = none)."""
    versions = [{k: frozenset(v) for k, v in values.items() if v} for values in coders]
    return all(v == versions[0] for v in versions[1:])


def values_differ(
    unit: Unit, values: Mapping[str, Mapping[Item, Mapping[str, Sequence[str]]]]
) -> bool:
    """Whether two coders who proposed the same item of ``unit`` gave it other attribute
    values (``values``: annotator -> item -> attribute -> values; a coder without an entry gave
    none). Such a unit needs review even when its versions are equal: its gold would keep no
    values (:func:`carried_values`)."""
    by_item: dict[Item, list[Mapping[str, Sequence[str]]]] = {}
    for name, version in unit.versions.items():
        mine = values.get(name, {})
        for item in version:
            by_item.setdefault(item, []).append(mine.get(item, {}))
    return any(len(vs) > 1 and not _same_values(vs) for vs in by_item.values())


def carried_values(
    choice: str, coders: Mapping[str, Mapping[str, Sequence[str]]]
) -> dict[str, list[str]]:
    """The attribute values (actor, target...) a gold item taken from the coders keeps.

    ``coders``: every coder who proposed exactly this item -> their values of it ({} when they
    gave none). A decision that accepts one coder's version (``accept:NAME``) takes NAME's
    values; any other (union, intersection, unanimous, edited) takes the values when all these
    coders gave the same ones (each attribute compared as a set), else none: review decides
    labels, and a value the coders dispute is not made gold by a key meant for the labels."""
    if choice.startswith("accept:") and choice[7:] in coders:
        return {k: list(v) for k, v in coders[choice[7:]].items() if v}
    if not coders or not _same_values(coders.values()):
        return {}
    first = next(iter(coders.values()))
    return {k: list(v) for k, v in first.items() if v}


def is_edited(unit: Unit, items: Iterable[Item]) -> bool:
    """Whether a decision holds something no coder proposed as such (an adjusted or added
    item): the gold is then the adjudicator's own, not a choice among the versions."""
    return any(origin(unit, item) != "coder" for item in items)


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


# ------------------------------------------------------------------------------ units as arrays
# The same units, scores and order as build_units / order_units above, for whole databases:
# every answered cell and item in numpy arrays, Unit objects built only for the units shown.
@dataclass
class SetCells:
    """One label set's units answered by two or more annotators, as arrays.

    A *cell* is one (unit, annotator) answer; cells are sorted by unit then annotator. Each
    cell's version is the set of items ``item`` of the rows with ``item_cell`` equal to it
    (rows sorted by cell, then item). Items are numbered: ``labels[item_label[i]]``, with
    ``item_start``/``item_end`` (document offsets) for span sets."""

    label_set: str
    level: str
    cell_unit: Any  # sentence id, or document id for a document set
    cell_document: Any
    cell_annotator: Any  # annotator ids
    item_cell: Any
    item: Any
    labels: list[str]
    item_label: Any
    item_start: Any = None
    item_end: Any = None

    def item_value(self, i: int) -> Item:
        label = self.labels[int(self.item_label[i])]
        if self.level == "span":
            return (int(self.item_start[i]), int(self.item_end[i]), label)
        return label


@dataclass
class UnitTable:
    """Every unit of some label sets answered by two or more annotators, with its disagreement
    score and number of distinct versions, in document order (see :func:`unit_table`)."""

    sets: list[SetCells]
    names: Mapping[int, str]  # annotator id -> name
    unit_set: Any  # per unit: index into ``sets``
    unit_document: Any
    unit_sentence: Any  # -1 for a document unit
    first_cell: Any  # per unit: its cells are first_cell .. first_cell + n_cells - 1
    n_cells: Any
    score: Any
    n_versions: Any
    # per unit: whether coders who proposed the same item gave it other attribute values (see
    # values_differ); None when no set has attributes. Such a unit is disputed too.
    values_differ: Any = None

    def __len__(self) -> int:
        return len(self.unit_set)

    def agreed(self) -> Any:
        """Per unit: unanimous, on the items and on their attribute values."""
        same = self.score == 0
        return same if self.values_differ is None else same & ~self.values_differ

    def key(self, i: int) -> UnitKey:
        sid = int(self.unit_sentence[i])
        return UnitKey(int(self.unit_document[i]), None if sid < 0 else sid,
                       self.sets[int(self.unit_set[i])].label_set)

    def unit(self, i: int) -> Unit:
        """The unit with every annotator's version (built on demand)."""
        s = self.sets[int(self.unit_set[i])]
        first, n = int(self.first_cell[i]), int(self.n_cells[i])
        lo, hi = np.searchsorted(s.item_cell, [first, first + n])
        cells = s.item_cell[lo:hi].tolist()
        items = s.item[lo:hi].tolist()
        versions: dict[int, list[Item]] = {c: [] for c in range(first, first + n)}
        for c, it in zip(cells, items, strict=True):
            versions[c].append(s.item_value(it))
        named = {self.names[int(s.cell_annotator[c])]: frozenset(v) for c, v in versions.items()}
        return Unit(self.key(i), s.level, {a: named[a] for a in sorted(named)})

    def disputed(self, order: str) -> Any:
        """Indexes of the disputed units (score > 0, or attribute values that differ) in review
        order, computed once per order
        (a worker computes it ahead, so the screen only shows)."""
        memo: dict[str, Any] = self.__dict__.setdefault("_disputed", {})
        if order not in memo:
            memo[order] = self.ordered(order, keep=~self.agreed())
        return memo[order]

    def annotators(self) -> list[str]:
        """Everyone with a version of some unit, sorted."""
        ids = {int(a) for s in self.sets for a in np.unique(s.cell_annotator).tolist()}
        return sorted(self.names[a] for a in ids)

    def ordered(self, order: str, keep: Any = None) -> Any:
        """Unit indexes in review order (see :func:`order_units`), of the units ``keep``
        selects (a boolean mask; default: all)."""
        rank = np.argsort(np.argsort([s.label_set for s in self.sets], kind="stable"))
        set_rank = rank[self.unit_set] if len(self.unit_set) else self.unit_set
        if order == "document":
            idx = np.lexsort((set_rank, self.unit_sentence, self.unit_document))
        elif order == "disagreement":
            idx = np.lexsort((set_rank, self.unit_sentence, self.unit_document,
                              -self.n_versions, -self.score))
        else:
            raise ValueError(f"unknown order {order!r}; use disagreement or document")
        return idx if keep is None else idx[np.asarray(keep)[idx]]

    def find(self, key: UnitKey) -> Any:
        """Indexes of the units with this key (none or one)."""
        names = [s.label_set for s in self.sets]
        if key.label_set not in names:
            return np.zeros(0, dtype=np.int64)
        sid = -1 if key.sentence_id is None else key.sentence_id
        return np.flatnonzero(
            (self.unit_set == names.index(key.label_set))
            & (self.unit_document == key.document_id) & (self.unit_sentence == sid)
        )


def unit_table(
    sets: Sequence[SetCells], names: Mapping[int, str], scores: Sequence[Any] | None = None
) -> UnitTable:
    """Score every unit of the given sets: :func:`disagreement` and the number of distinct
    versions, computed over the arrays (exactly what :class:`Unit` gives one by one).
    ``scores``: :func:`score_set` of each set, when already computed (e.g. side by side)."""
    parts = list(scores) if scores is not None else [score_set(s) for s in sets]

    def cat(i: int) -> Any:
        return np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)

    unit_set = np.concatenate(
        [np.full(len(p[0]), n, dtype=np.int64) for n, p in enumerate(parts)]
    ) if parts else np.zeros(0, np.int64)
    return UnitTable(
        sets=list(sets), names=names, unit_set=unit_set, unit_document=cat(0),
        unit_sentence=cat(1), first_cell=cat(2), n_cells=cat(3),
        score=cat(4).astype(np.float64), n_versions=cat(5),
    )


def score_set(s: SetCells) -> tuple[Any, ...]:
    """Per unit of one set: document, sentence (-1), first cell, cells, score, versions."""
    n_cells = len(s.cell_unit)
    if n_cells == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z, np.zeros(0), z
    new = np.r_[True, s.cell_unit[1:] != s.cell_unit[:-1]]
    first = np.flatnonzero(new)
    k = np.diff(np.r_[first, n_cells])
    unit_of_cell = np.cumsum(new) - 1
    n_units = len(first)
    # union and intersection: the distinct (unit, item) pairs and how many cells hold each
    ui = unit_of_cell[s.item_cell]
    group, n_groups = arrays.group_ids(ui, s.item)
    holders = np.bincount(group, minlength=n_groups)
    g_unit = np.zeros(n_groups, dtype=np.int64)
    g_unit[group] = ui
    union = np.bincount(g_unit, minlength=n_units)
    inter = np.bincount(g_unit, weights=(holders == k[g_unit]), minlength=n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(union > 0, (union - inter) / np.maximum(union, 1), 0.0)
    # distinct versions: two cells of a unit hold the same version when both have as many
    # items as they share
    size = np.bincount(s.item_cell, minlength=n_cells)
    order = np.lexsort((s.item_cell, group))
    g_sorted, c_sorted = group[order], s.item_cell[order]
    shared_keys: list[Any] = []
    for d in range(1, int(holders.max(initial=1))):
        same = np.flatnonzero(g_sorted[d:] == g_sorted[:-d])
        if not len(same):
            break
        shared_keys.append(c_sorted[same] * n_cells + c_sorted[same + d])
    pair_key, shared = np.unique(np.concatenate(shared_keys or [np.zeros(0, np.int64)]),
                                 return_counts=True)
    duplicate = np.zeros(n_cells, dtype=bool)
    for d in range(1, int(k.max(initial=1))):
        i = np.flatnonzero(s.cell_unit[d:] == s.cell_unit[:-d])
        if not len(i):
            break
        j = i + d
        probe = i * n_cells + j
        pos = np.minimum(np.searchsorted(pair_key, probe), max(len(pair_key) - 1, 0))
        common = np.where(pair_key[pos] == probe, shared[pos], 0) if len(pair_key) else 0
        equal = (size[i] == size[j]) & (common == size[i])
        duplicate[j[equal]] = True
    n_versions = k - np.bincount(unit_of_cell[duplicate], minlength=n_units)
    sentence = (np.full(n_units, -1, dtype=np.int64) if s.level == "document"
                else s.cell_unit[first])
    return s.cell_document[first], sentence, first, k, score, n_versions
