"""The strict-majority gold (annotator/core/gold.py): chosen labels, ties, who votes."""

from __future__ import annotations

from annotator.core.gold import Tie, majority, majority_unit


def test_strict_majority_of_three() -> None:
    chosen, ties = majority_unit(
        {"a": ["Political"], "b": ["Political", "Economic"], "c": ["Economic"]}, ["a", "b", "c"]
    )
    assert chosen == ["Political", "Economic"] and ties == []


def test_half_is_a_tie_not_a_choice() -> None:
    chosen, ties = majority_unit({"a": ["Political"], "b": ["Economic"]}, ["a", "b"])
    assert chosen == []
    assert ties == [("Political", 1, 2), ("Economic", 1, 2)]


def test_done_without_label_is_a_vote_against() -> None:
    # c marked the unit done and chose nothing: 1 of 3 is no majority, and no tie either
    assert majority_unit({"a": ["Political"]}, ["a", "b", "c"]) == ([], [])
    # with only two who answered it is a tie
    assert majority_unit({"a": ["Political"]}, ["a", "b"]) == ([], [("Political", 1, 2)])
    # a labeller who did not mark the unit done still counts as having answered
    assert majority_unit({"a": ["X"], "b": ["X"]}, []) == (["X"], [])


def test_spans_must_match_exactly() -> None:
    chosen, ties = majority_unit(
        {"a": [(3, 9, "Loaded_Language")], "b": [(3, 9, "Loaded_Language")],
         "c": [(3, 10, "Loaded_Language")]},
        ["a", "b", "c"],
    )
    assert chosen == [(3, 9, "Loaded_Language")] and ties == []


def test_duplicate_items_of_one_annotator_count_once() -> None:
    assert majority_unit({"a": ["X", "X"], "b": [], "c": []}, ["a", "b", "c"]) == ([], [])


def test_many_units() -> None:
    result = majority(
        {"s1": {"a": ["X"], "b": ["X"]}, "s2": {"a": ["Y"], "b": ["Z"]}},
        {"s1": ["a", "b"], "s2": ["a", "b"], "s3": ["a"]},
    )
    assert result.chosen == {"s1": ["X"]}
    assert result.ties == [Tie("s2", "Y", 1, 2), Tie("s2", "Z", 1, 2)]
