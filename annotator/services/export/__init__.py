"""Dataset exports, one module per format, each with ``export(store, out, selection, ...)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

FORMATS = (
    "jsonl", "csv", "semeval", "brat", "conll", "parquet",
    "labelstudio", "doccano", "prodigy", "webanno", "conllu", "spacy", "qdpx", "qdc",
)
DIRECTORY_FORMATS = frozenset({"semeval", "brat", "conll", "parquet", "labelstudio", "webanno",
                               "conllu"})
MODULES = {"spacy": "spacy_docbin", "qdc": "qdpx"}  # format -> module, where the names differ
FUNCTIONS = {"qdc": "export_codebook"}  # format -> function, where it is not ``export``


def exporter(fmt: str) -> Callable[..., dict[str, int]]:
    """The ``export`` function of a format (its module is imported only now)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module: Any = importlib.import_module(
        f"annotator.services.export.{MODULES.get(fmt, fmt)}"
    )
    fn: Callable[..., dict[str, int]] = getattr(module, FUNCTIONS.get(fmt, "export"))
    return fn
