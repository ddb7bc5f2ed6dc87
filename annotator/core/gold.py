"""Majority gold: which labels a strict majority of the annotators chose, and where they tie.

Pure logic over plain values so that exporters, reports and tests share one definition. Each item
(a label for sentence and document sets; a ``(start, end, label)`` span for span sets) is a yes/no
question put to every annotator who answered the unit: it enters the gold when MORE than half of
them chose it. Exactly half is a tie: it is reported and left out, never guessed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item", bound=Hashable)
Unit = TypeVar("Unit", bound=Hashable)


@dataclass(frozen=True)
class Tie(Generic[Unit, Item]):
    """An item chosen by exactly half of the annotators who answered the unit."""

    unit: Unit
    item: Item
    votes: int
    voters: int


@dataclass
class MajorityResult(Generic[Unit, Item]):
    chosen: dict[Unit, list[Item]] = field(default_factory=dict)
    ties: list[Tie[Unit, Item]] = field(default_factory=list)


def is_majority(votes: Any, voters: Any) -> Any:
    """THE rule: an item is chosen when more than half of the unit's voters chose it (ints, or
    numpy arrays of them: the report applies it to every unit at once)."""
    return 2 * votes > voters


def majority_unit(
    answers: Mapping[str, Iterable[Item]], voters: Iterable[str]
) -> tuple[list[Item], list[tuple[Item, int, int]]]:
    """Majority over one unit.

    ``answers`` maps an annotator to the items they chose on the unit; ``voters`` are the
    annotators who answered it (marked it done or labelled it; an annotator in ``answers`` always
    counts as a voter). Returns (chosen items in first-seen order, ties as (item, votes, voters)).
    """
    who = set(voters) | set(answers)
    n = len(who)
    counts: Counter[Item] = Counter()
    order: dict[Item, int] = {}
    for name in sorted(answers):
        for item in set(answers[name]):
            counts[item] += 1
    for name in sorted(answers):
        for item in answers[name]:
            order.setdefault(item, len(order))
    chosen: list[Item] = []
    ties: list[tuple[Item, int, int]] = []
    for item in sorted(counts, key=order.__getitem__):
        k = counts[item]
        if is_majority(k, n):
            chosen.append(item)
        elif 2 * k == n:
            ties.append((item, k, n))
    return chosen, ties


def majority(
    answers: Mapping[Unit, Mapping[str, Iterable[Item]]],
    voters: Mapping[Unit, Iterable[str]],
) -> MajorityResult[Unit, Item]:
    """Majority over many units (see ``majority_unit``); units only in ``voters`` choose nothing."""
    result: MajorityResult[Unit, Item] = MajorityResult()
    for unit in list(answers) + [u for u in voters if u not in answers]:
        chosen, ties = majority_unit(answers.get(unit, {}), voters.get(unit, ()))
        if chosen:
            result.chosen[unit] = chosen
        result.ties.extend(Tie(unit, item, k, n) for item, k, n in ties)
    return result
