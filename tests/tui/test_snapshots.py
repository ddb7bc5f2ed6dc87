"""Snapshots of the annotation screen's main states at 80x24 and 200x60.

Baselines live in tests/tui/__snapshots__/; regenerate with ``pytest --snapshot-update`` only after
looking at the report. Everything on screen comes from the fixture texts and scheme (no dates of
the run, user names or paths).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from annotator.tui.app import AnnotatorApp

App = Callable[..., AnnotatorApp]

SPANS = ["j", "j", "s", *"ministre", "enter", "m", "escape", "1", "7"]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_start(snap_compare: Any, new_app: App, size: tuple[int, int]) -> None:
    assert snap_compare(new_app(), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_labels_spans_and_suggestion(
    snap_compare: Any, new_app: App, size: tuple[int, int]
) -> None:
    assert snap_compare(new_app(), press=SPANS, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_selection(snap_compare: Any, new_app: App, size: tuple[int, int]) -> None:
    keys = ["j", "j", "v", "right", "shift+right"]
    assert snap_compare(new_app(), press=keys, terminal_size=size)


def test_typing_selection_bar(snap_compare: Any, new_app: App) -> None:
    assert snap_compare(new_app(), press=["j", "j", "s", *"invinc"], terminal_size=(80, 24))


def test_markup_is_shown_as_text(snap_compare: Any, new_app: App) -> None:
    keys = ["j", "j", "j", "s", *"[b]hier[/]", "enter", "l", "escape"]
    assert snap_compare(new_app(), press=keys, terminal_size=(80, 24))


def test_picker(snap_compare: Any, new_app: App) -> None:
    assert snap_compare(new_app(), press=["j", "space", "h"], terminal_size=(80, 24))


def test_document_panel(snap_compare: Any, new_app: App) -> None:
    assert snap_compare(new_app(), press=["d", "i"], terminal_size=(80, 24))


def test_document_panel_opens_by_itself(snap_compare: Any, new_app: App) -> None:
    keys = ["g", *":6", "enter", "enter"]
    assert snap_compare(new_app(), press=keys, terminal_size=(80, 24))


def test_guidelines(snap_compare: Any, new_app: App) -> None:
    assert snap_compare(new_app(), press=["question_mark"], terminal_size=(80, 24))


def test_search(snap_compare: Any, new_app: App) -> None:
    keys = ["slash", *"troupes", "enter"]
    assert snap_compare(new_app(), press=keys, terminal_size=(80, 24))


def test_done_flag_note(snap_compare: Any, new_app: App) -> None:
    keys = ["enter", "k", "f", "c", *"à revoir", "enter"]
    assert snap_compare(new_app(), press=keys, terminal_size=(200, 60))


def test_too_small(snap_compare: Any, new_app: App) -> None:
    assert snap_compare(new_app(), terminal_size=(50, 14))
