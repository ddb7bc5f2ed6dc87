"""Adjudication over the store: the state of a review and ``--accept-unanimous``.

No UI here (the screen is :mod:`annotator.tui.review`): :class:`ReviewSession` holds the units to
walk, where the adjudicator stands and the current decisions, and writes every decision through
``Store.adjudicate`` before changing anything in memory.

At the size of a real campaign (hundreds of thousands of units) nothing here is a Python object
per annotation: the units rule's answers and every version's items are arrays
(:class:`annotator.core.adjudicate.UnitTable`), scored and ordered in numpy; a ``Unit`` is built
only for the unit on screen, and a decision is read when its unit is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from annotator.core import adjudicate as adj
from annotator.core import arrays
from annotator.core.colors import scheme_colors

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme
    from annotator.store import Store


@dataclass
class Current:
    """The unit's current decision as the screen shows it."""

    choice: str
    status: str
    adjudicator: str
    items: frozenset[adj.Item]
    note: str | None


class Units(Sequence[adj.Unit]):
    """Some units of a :class:`~annotator.core.adjudicate.UnitTable` in a given order; each
    ``Unit`` is built when asked for (the few around the one on screen are kept)."""

    def __init__(self, table: adj.UnitTable, order: Any) -> None:
        self.table = table
        self.order = np.asarray(order, dtype=np.int64)
        self._built: dict[int, adj.Unit] = {}

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, i: int) -> adj.Unit: ...

    @overload
    def __getitem__(self, i: slice) -> list[adj.Unit]: ...

    def __getitem__(self, i: int | slice) -> adj.Unit | list[adj.Unit]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        unit = self._built.get(i)
        if unit is None:
            if len(self._built) > 256:
                self._built.clear()
            unit = self._built[i] = self.table.unit(int(self.order[i]))
        return unit

    def __iter__(self) -> Iterator[adj.Unit]:
        return (self[i] for i in range(len(self)))

    def key(self, i: int) -> adj.UnitKey:
        """The key of unit ``i`` (without building the unit)."""
        return self.table.key(int(self.order[i]))

    def position(self, key: adj.UnitKey) -> int | None:
        """Where the unit with this key is, if it is here."""
        found = self.table.find(key)
        if not len(found):
            return None
        at = np.flatnonzero(self.order == found[0])
        return int(at[0]) if len(at) else None


class Decisions:
    """The current decisions on the reviewed sets: which units have one is read up front, in
    arrays; a decision itself is read when its unit is shown, and kept."""

    def __init__(self, store: Store, sets: Sequence[str]) -> None:
        self.store = store
        self.sets = list(sets)
        self._known: dict[adj.UnitKey, Current | None] = {}
        self.keys: dict[str, tuple[Any, Any]] = {}
        self.reload()

    def reload(self) -> None:
        self._known = {}
        self.keys = self.store.adjudications.current_units(self.sets)

    def decided(self, table: adj.UnitTable) -> Any:
        """Per unit of ``table``: whether it has a current decision."""
        out = np.zeros(len(table), dtype=bool)
        for n, s in enumerate(table.sets):
            docs, sents = self.keys.get(s.label_set, (np.zeros(0, np.int64),) * 2)
            if not len(docs):
                continue
            mine = np.flatnonzero(table.unit_set == n)
            base = int(max(table.unit_sentence.max(initial=0), sents.max(initial=0))) + 2
            have = arrays.unique(docs * base + (sents + 1))
            out[mine] = arrays.contains(
                have, table.unit_document[mine] * base + (table.unit_sentence[mine] + 1)
            )
        return out

    def get(self, key: adj.UnitKey) -> Current | None:
        if key not in self._known:
            rows = self.store.adjudications.current(
                key.label_set, unit=(key.document_id, key.sentence_id)
            )
            self._known[key] = _current(rows[-1]) if rows else None
        return self._known[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, adj.UnitKey) and self.get(key) is not None

    def __setitem__(self, key: adj.UnitKey, value: Current) -> None:
        self._known[key] = value


def _current(r: dict[str, Any]) -> Current:
    items: set[adj.Item] = set()
    for g in r["gold"]:
        if r["level"] == "span":
            items.add((int(g["start"]), int(g["end"]), str(g["label"])))
        else:
            items.add(str(g["label"]))
    return Current(r["choice"], r["status"], r["adjudicator"], frozenset(items), r["note"])


class ReviewSession:
    """State of one review: the units to walk, where we are, and the decisions taken.

    Every method that changes something writes to the store first and updates memory after."""

    def __init__(
        self,
        store: Store,
        scheme: Scheme,
        adjudicator: str,
        *,
        label_set: str | None = None,
        order: str = "disagreement",
        hide_names: bool = False,
        table: adj.UnitTable | None = None,
    ) -> None:
        """``table``: built beforehand by :func:`load_table` (e.g. in a worker thread with its
        own connection); read here when not given."""
        self.store = store
        self.scheme = scheme
        self.scheme_id = scheme_row_id(store, scheme)
        self.adjudicator = adjudicator
        self.colors = scheme_colors(scheme)  # one colour rule: annotate, review and the report
        self.adjudicator_id = store.schemes.annotator_id(adjudicator)
        if label_set is not None and scheme.label_set(label_set) is None:
            known = ", ".join(ls.name for ls in scheme.label_sets)
            raise ValueError(f"no label set {label_set!r} in scheme {scheme.name} ({known})")
        self.sets = [ls for ls in scheme.label_sets if label_set in (None, ls.name)]
        self.order = order
        self.hide_names = hide_names
        if table is None:
            table = load_table(store, scheme, label_set)
        self.table = table
        self.units = Units(table, table.disputed(order))
        self._all_units: Units | None = None
        self.names = adj.display_names(table.annotators(), hide_names)
        self.decisions = Decisions(store, [ls.name for ls in self.sets])
        self._decided = np.zeros(len(self.units), dtype=bool)
        self.reload_decisions()
        self.index = self.first_undecided(0)
        self._sentences: dict[int, list[dict[str, Any]]] = {}
        self._documents: dict[int, dict[str, Any]] = {}

    @property
    def all_units(self) -> Units:
        """Every unit answered by two or more annotators (disputed or not), in document order."""
        if self._all_units is None:
            self._all_units = Units(self.table, self.table.ordered("document"))
        return self._all_units

    # -- data
    def reload_decisions(self) -> None:
        self.decisions.reload()
        self._decided = self.decisions.decided(self.table)[self.units.order]

    def label_set(self, name: str) -> LabelSet:
        ls = self.scheme.label_set(name)
        assert ls is not None
        return ls

    def sentences(self, document_id: int) -> list[dict[str, Any]]:
        if document_id not in self._sentences:
            self._sentences[document_id] = self.store.corpus.sentences(document_id)
        return self._sentences[document_id]

    def document(self, document_id: int) -> dict[str, Any]:
        if document_id not in self._documents:
            self._documents[document_id] = self.store.corpus.document(document_id) or {}
        return self._documents[document_id]

    def coder_spans(self, document_id: int, annotators: Sequence[str]) -> list[dict[str, Any]]:
        """The current spans of ``annotators`` on a document, in every span set of the scheme
        (what the whole-article pane shows beside a document-level decision)."""
        sets = [ls.name for ls in self.scheme.label_sets if ls.level == "span"]
        if not sets or not annotators:
            return []
        rows = self.store.annotations.of_document(
            document_id, annotators=list(annotators), label_sets=sets
        )
        return [r for r in rows if r["level"] == "span" and r["start"] is not None]

    @property
    def unit(self) -> adj.Unit | None:
        return self.units[self.index] if 0 <= self.index < len(self.units) else None

    def decided(self) -> int:
        return int(self._decided.sum())

    def first_undecided(self, start: int) -> int:
        """The first unit from ``start`` on (wrapping around) without a decision."""
        n = len(self.units)
        todo = np.flatnonzero(~self._decided)
        if not len(todo):
            return min(start, max(n - 1, 0))
        after = todo[todo >= start % n]
        return int(after[0] if len(after) else todo[0])

    # -- decisions
    def decide(self, decision: adj.Decision) -> None:
        unit = self.unit
        assert unit is not None
        ls = self.label_set(unit.key.label_set)
        gold = []
        for item in adj.sorted_items(decision.items, ls.names):
            origin = adj.origin(unit, item)  # coder, adjusted or added: the gold says which
            if isinstance(item, tuple):
                gold.append(
                    {"label": item[2], "start": item[0], "end": item[1], "origin": origin}
                )
            else:
                gold.append({"label": item, "value": ls.value_of(item), "origin": origin})
        self.store.adjudications.adjudicate(
            self.scheme_id,
            self.adjudicator_id,
            {
                "label_set": unit.key.label_set,
                "level": unit.level,
                "document_id": unit.key.document_id,
                "sentence_id": unit.key.sentence_id,
                "choice": decision.choice,
                "sources": decision.sources,
                "status": decision.status,
                "note": decision.note,
                "gold": gold if decision.status == "resolved" else [],
            },
        )
        self.decisions[unit.key] = Current(
            decision.choice,
            decision.status,
            self.adjudicator,
            decision.items if decision.status == "resolved" else frozenset(),
            decision.note,
        )
        self._decided[self.index] = True

    def undo(self) -> adj.UnitKey | None:
        row = self.store.adjudications.undo(self.adjudicator_id, [ls.name for ls in self.sets])
        if row is None:
            return None
        self.reload_decisions()
        key = adj.UnitKey(int(row["document_id"]), row["sentence_id"], row["label_set"])
        at = self.units.position(key)
        if at is not None:
            self.index = at
        return key


def scheme_row_id(store: Store, scheme: Scheme) -> int:
    """The id of the scheme's latest stored version (storing the scheme if it is new)."""
    row = store.schemes.latest_row(scheme.name)
    if row is None:
        store.schemes.add(scheme)
        row = store.schemes.latest_row(scheme.name)
    assert row is not None
    return int(row["id"])


def load_table(
    store: Store, scheme: Scheme, label_set: str | None = None
) -> adj.UnitTable:
    """Every unit answered by two or more annotators (the units rule), for one label set or all
    of the scheme's, with every version's items, as arrays.

    Each set is read (one query), turned into cells and scored in its own thread, so that sets
    are read and scored side by side; the done marks are read once for all."""
    from concurrent.futures import ThreadPoolExecutor

    from annotator.services.agreement_reads import ReadOnce
    from annotator.services.units import load_answers

    versions = store.schemes.label_sets_by_version(scheme.name)
    wanted = [(ls.name, ls.level) for ls in scheme.label_sets if label_set in (None, ls.name)]
    reads = ReadOnce(store, versions, sets=wanted, bounds=False)
    try:
        answers = load_answers(store, scheme.name, groups=[], versions=versions, reads=reads)

        def one(name: str, level: str) -> tuple[adj.SetCells, tuple[Any, ...]]:
            cells = _set_cells(name, level, answers, reads.set_groups(name, level))
            return cells, adj.score_set(cells)

        if store.path == ":memory:" or len(wanted) < 2:
            done = [one(*w) for w in wanted]
        else:
            with ThreadPoolExecutor(max_workers=2) as pool:
                done = list(pool.map(lambda w: one(*w), wanted))
    finally:
        reads.close()
    return adj.unit_table([c for c, _ in done], answers.names, [sc for _, sc in done])


def _set_cells(name: str, level: str, answers: Any, groups: Sequence[Any]) -> adj.SetCells:
    """One set's cells (units answered by two or more) and the items of every version
    (``groups``: the set's current labels at its level)."""
    labelled = [(g.annotator, g.unit) for g in groups if g.level == "document"]
    labelled_pairs = (
        (np.concatenate([a for a, _ in labelled]), np.concatenate([u for _, u in labelled]))
        if labelled else None
    )
    ans = answers.answered(name, level, labelled_pairs)  # sorted by unit, then annotator
    counts = np.unique(ans.unit, return_counts=True)[1]
    keep = np.repeat(counts, counts) >= 2
    unit, annotator = ans.unit[keep], ans.annotator[keep]
    mine = [g for g in groups if g.label_set == name and g.level == level]  # all, normally
    labels = list(dict.fromkeys(g.label for g in mine))
    z = np.zeros(0, dtype=np.int64)
    if mine:
        r_ann = np.concatenate([g.annotator for g in mine])
        r_unit = np.concatenate([g.unit for g in mine])
        r_label = np.concatenate([np.full(len(g.unit), labels.index(g.label)) for g in mine])
    else:
        r_ann = r_unit = r_label = z
    # the cell of each label row (labels of annotators who did not answer are no version)
    cells = unit * (1 << 31) + annotator
    probe = r_unit * (1 << 31) + r_ann
    pos = np.minimum(np.searchsorted(cells, probe), max(len(cells) - 1, 0))
    found = (cells[pos] == probe) if len(cells) else np.zeros(len(probe), dtype=bool)
    start = end = None
    if level == "span":
        r_start = np.concatenate([g.start for g in mine]) if mine else z
        r_end = np.concatenate([g.end for g in mine]) if mine else z
        item, n_items = arrays.group_ids(r_start[found], r_end[found], r_label[found])
        first = np.zeros(n_items, dtype=np.int64)
        first[item] = np.arange(len(item))
        start, end = r_start[found][first], r_end[found][first]
        item_label = r_label[found][first]
    else:
        item = r_label[found]
        item_label = np.arange(len(labels), dtype=np.int64)
    item_cell, item_id = arrays.unique_rows(pos[found], item)
    return adj.SetCells(
        label_set=name,
        level=level,
        cell_unit=unit,
        cell_document=answers.documents_of(level, unit),
        cell_annotator=annotator,
        item_cell=item_cell,
        item=item_id,
        labels=labels,
        item_label=item_label,
        item_start=start,
        item_end=end,
    )


def load_units(store: Store, scheme: Scheme, label_set: str | None = None) -> list[adj.Unit]:
    """Every unit answered by two or more annotators, for one label set or all of them, in
    document order (as ``Unit`` objects: for small databases and tests)."""
    table = load_table(store, scheme, label_set)
    return list(Units(table, table.ordered("document")))


def accept_unanimous(
    store: Store, scheme: Scheme, adjudicator: str, *, label_set: str | None = None
) -> tuple[int, int]:
    """Store every unanimous unit without a current decision as gold, in one transaction.

    Set-based: the unanimous units, their common version and its gold rows come from the
    arrays; the rows go in with two ``executemany``, decisions in document order (as the review
    takes them). Returns (stored, already decided)."""
    scheme_id = scheme_row_id(store, scheme)
    adjudicator_id = store.schemes.annotator_id(adjudicator)
    table = load_table(store, scheme, label_set)
    sets = [ls.name for ls in scheme.label_sets if label_set in (None, ls.name)]
    decided = Decisions(store, sets).decided(table)
    unanimous = table.score == 0
    todo = table.ordered("document", keep=unanimous & ~decided)
    skipped = int((unanimous & decided).sum())
    position = np.zeros(len(table), dtype=np.int64)
    position[todo] = np.arange(len(todo))
    decisions: list[Any] = [None] * len(todo)
    gold: list[tuple[Any, ...]] = []  # per set: (decision, label, value, start, end) columns
    for n, s in enumerate(table.sets):
        ls = scheme.label_set(s.label_set)
        assert ls is not None
        units = todo[table.unit_set[todo] == n]
        if not len(units):
            continue
        sources = _sources(table, s, units)
        for at, d, sid, src in zip(
            position[units].tolist(), table.unit_document[units].tolist(),
            table.unit_sentence[units].tolist(), sources, strict=True,
        ):
            decisions[at] = (s.label_set, s.level, d, None if sid < 0 else sid, "unanimous", src)
        gold.append(_unanimous_gold(table, s, ls, units, position[units]))
    rows: list[tuple[int, str, float | None, int | None, int | None]] = []
    if gold:
        which = np.concatenate([g[0] for g in gold])
        order = np.argsort(which, kind="stable")  # by decision; items keep their order
        labels = [x for g in gold for x in g[1]]
        values = [x for g in gold for x in g[2]]
        starts = [x for g in gold for x in g[3]]
        ends = [x for g in gold for x in g[4]]
        rows = [(int(which[i]), labels[i], values[i], starts[i], ends[i])
                for i in order.tolist()]
    n = store.adjudications.adjudicate_new(scheme_id, adjudicator_id, decisions, rows)
    return n, skipped


def _sources(table: adj.UnitTable, s: adj.SetCells, units: Any) -> list[str]:
    """Each unit's annotators (sorted names) as stored JSON, encoded once per distinct group
    of annotators."""
    ids = np.unique(s.cell_annotator).tolist()
    names = sorted(table.names[a] for a in ids)
    rank = np.zeros(max(ids, default=0) + 1, dtype=np.int64)
    for a in ids:
        rank[a] = names.index(table.names[a]) + 1
    cols = []
    for j in range(int(table.n_cells[units].max(initial=0))):  # each unit's j-th annotator
        cell = np.minimum(table.first_cell[units] + j, len(s.cell_unit) - 1)
        cols.append(np.where(j < table.n_cells[units], rank[s.cell_annotator[cell]], 0))
    group, n_groups = arrays.group_ids(*cols)
    first = np.zeros(n_groups, dtype=np.int64)
    first[group] = np.arange(len(group))
    text = [
        json.dumps(sorted(names[int(c[f]) - 1] for c in cols if c[f] > 0), ensure_ascii=False)
        for f in first.tolist()
    ]
    return [text[g] for g in group.tolist()]


def _unanimous_gold(
    table: adj.UnitTable, s: adj.SetCells, ls: LabelSet, units: Any, at: Any
) -> tuple[Any, list[str], list[float | None], list[int | None], list[int | None]]:
    """Gold rows of unanimous units (``at``: their decisions' positions): the items of each
    unit's common version, in the order ``sorted_items`` gives (spans by position, labels in
    scheme order), as columns."""
    first = table.first_cell[units]
    lo = np.searchsorted(s.item_cell, first)
    counts = np.searchsorted(s.item_cell, first, side="right") - lo
    rows = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
    which = np.repeat(at, counts)
    lab = s.item_label[s.item[rows]]
    rank = {name: i for i, name in enumerate(ls.names)}
    in_scheme = np.array([rank.get(x, len(rank)) for x in s.labels] or [0], dtype=np.int64)
    by_name = np.argsort(np.argsort(np.array(s.labels or [""]), kind="stable"))
    names = [s.labels[x] for x in range(len(s.labels))]
    if s.level == "span":
        st, en = s.item_start[s.item[rows]], s.item_end[s.item[rows]]
        order = np.lexsort((by_name[lab], in_scheme[lab], en, st, which))
        n = len(order)
        return (which[order], [names[x] for x in lab[order].tolist()], [None] * n,
                st[order].tolist(), en[order].tolist())
    order = np.lexsort((by_name[lab], in_scheme[lab], which))
    values = [ls.value_of(x) for x in s.labels]
    picked = lab[order].tolist()
    n = len(order)
    return (which[order], [names[x] for x in picked], [values[x] for x in picked],
            [None] * n, [None] * n)
