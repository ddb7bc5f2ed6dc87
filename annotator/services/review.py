"""Adjudication over the store: the state of a review and ``--accept-unanimous``.

No UI here (the screen is :mod:`annotator.tui.review`): :class:`ReviewSession` holds the units to
walk, where the adjudicator stands and the current decisions, and writes every decision through
``Store.adjudicate`` before changing anything in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.core import adjudicate as adj
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
        units: list[adj.Unit] | None = None,
    ) -> None:
        """``units``: built beforehand by :func:`load_units` (e.g. in a worker thread with its
        own connection); read here when not given."""
        self.store = store
        self.scheme = scheme
        row = store.schemes.latest_row(scheme.name)
        if row is None:
            store.schemes.add(scheme)
            row = store.schemes.latest_row(scheme.name)
        assert row is not None
        self.scheme_id = int(row["id"])
        self.adjudicator = adjudicator
        self.colors = scheme_colors(scheme)  # one colour rule: annotate, review and the report
        self.adjudicator_id = store.schemes.annotator_id(adjudicator)
        if label_set is not None and scheme.label_set(label_set) is None:
            known = ", ".join(ls.name for ls in scheme.label_sets)
            raise ValueError(f"no label set {label_set!r} in scheme {scheme.name} ({known})")
        self.sets = [ls for ls in scheme.label_sets if label_set in (None, ls.name)]
        self.order = order
        self.hide_names = hide_names
        if units is None:
            units = load_units(store, scheme, label_set)
        self.all_units = units
        self.units = adj.order_units(adj.disputed(units), order)
        everyone = sorted({a for u in units for a in u.versions})
        self.names = adj.display_names(everyone, hide_names)
        self.decisions: dict[adj.UnitKey, Current] = {}
        self.reload_decisions()
        self.index = self.first_undecided(0)
        self._sentences: dict[int, list[dict[str, Any]]] = {}
        self._documents: dict[int, dict[str, Any]] = {}

    # -- data
    def reload_decisions(self) -> None:
        self.decisions = {}
        names = {s.name for s in self.sets}
        for r in self.store.adjudications.current():
            if r["label_set"] not in names:
                continue
            key = adj.UnitKey(int(r["document_id"]), r["sentence_id"], r["label_set"])
            items: set[adj.Item] = set()
            for g in r["gold"]:
                if r["level"] == "span":
                    items.add((int(g["start"]), int(g["end"]), str(g["label"])))
                else:
                    items.add(str(g["label"]))
            self.decisions[key] = Current(
                r["choice"], r["status"], r["adjudicator"], frozenset(items), r["note"]
            )

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

    @property
    def unit(self) -> adj.Unit | None:
        return self.units[self.index] if 0 <= self.index < len(self.units) else None

    def decided(self) -> int:
        return sum(1 for u in self.units if u.key in self.decisions)

    def first_undecided(self, start: int) -> int:
        n = len(self.units)
        for step in range(n):
            i = (start + step) % n
            if self.units[i].key not in self.decisions:
                return i
        return min(start, max(n - 1, 0))

    # -- decisions
    def decide(self, decision: adj.Decision) -> None:
        unit = self.unit
        assert unit is not None
        ls = self.label_set(unit.key.label_set)
        gold = []
        for item in adj.sorted_items(decision.items, ls.names):
            if isinstance(item, tuple):
                gold.append({"label": item[2], "start": item[0], "end": item[1]})
            else:
                gold.append({"label": item, "value": ls.value_of(item)})
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

    def undo(self) -> adj.UnitKey | None:
        row = self.store.adjudications.undo(self.adjudicator_id, [ls.name for ls in self.sets])
        if row is None:
            return None
        self.reload_decisions()
        key = adj.UnitKey(int(row["document_id"]), row["sentence_id"], row["label_set"])
        for i, u in enumerate(self.units):
            if u.key == key:
                self.index = i
        return key


def load_units(store: Store, scheme: Scheme, label_set: str | None = None) -> list[adj.Unit]:
    """Every unit answered by two or more annotators, for one label set or all of them."""
    sets = [(ls.name, ls.level) for ls in scheme.label_sets if label_set in (None, ls.name)]
    return adj.build_units(load_rows(store, scheme), sets)


def load_rows(store: Store, scheme: Scheme) -> adj.ReviewRows:
    """Current annotations and, per label set, who answered which unit (the units rule)."""
    from annotator.services.units import who_answered_by_set

    annotations = store.annotations.compared(scheme.name)
    levels = {ls.name: ls.level for ls in scheme.label_sets}
    for r in annotations:  # sets only older versions had keep their level
        levels.setdefault(r[1], r[2])
    answered = who_answered_by_set(store, scheme.name, levels.items())
    return adj.ReviewRows(annotations=annotations, answered=answered)


def accept_unanimous(
    store: Store, scheme: Scheme, adjudicator: str, *, label_set: str | None = None
) -> tuple[int, int]:
    """Store every unanimous unit without a current decision as gold, in one transaction.

    Returns (stored, already decided)."""
    session = ReviewSession(store, scheme, adjudicator, label_set=label_set)
    todo = [u for u in adj.unanimous(session.all_units) if u.key not in session.decisions]
    skipped = len(adj.unanimous(session.all_units)) - len(todo)
    decisions = []
    for u in todo:
        d = adj.unanimous_decision(u)
        ls = session.label_set(u.key.label_set)
        gold = [
            {"label": i[2], "start": i[0], "end": i[1]}
            if isinstance(i, tuple)
            else {"label": i, "value": ls.value_of(i)}
            for i in adj.sorted_items(d.items, ls.names)
        ]
        decisions.append(
            {
                "label_set": u.key.label_set,
                "level": u.level,
                "document_id": u.key.document_id,
                "sentence_id": u.key.sentence_id,
                "choice": d.choice,
                "sources": d.sources,
                "status": "resolved",
                "gold": gold,
            }
        )
    n = store.adjudications.adjudicate_many(session.scheme_id, session.adjudicator_id, decisions)
    return n, skipped
