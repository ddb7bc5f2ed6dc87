"""Dataset exports, one module per format, each with ``export(store, out, selection, ...)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

FORMATS = ("jsonl", "csv", "semeval", "brat", "conll", "parquet")
DIRECTORY_FORMATS = frozenset({"semeval", "brat", "conll", "parquet"})


def exporter(fmt: str) -> Callable[..., dict[str, int]]:
    """The ``export`` function of a format (its module is imported only now)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module: Any = importlib.import_module(f"annotator.services.export.{fmt}")
    fn: Callable[..., dict[str, int]] = module.export
    return fn
