"""Other annotation tools' files in: Label Studio, doccano, Prodigy, INCEpTION/WebAnno TSV 3,
spaCy DocBin, CoNLL-U Plus and REFI-QDA projects (.qdpx), one reader per format turning a file into
:class:`~annotator.services.formats_in.common.ForeignDoc` records, which
:func:`~annotator.services.formats_in.common.store_documents` checks and stores (all or
nothing)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.services.import_annotations import ImportResult
    from annotator.store import Store

# format -> (module of formats_in, its reader function)
READERS: dict[str, tuple[str, str]] = {
    "labelstudio": ("labelstudio", "read"),
    "doccano": ("jsonlines", "read_doccano"),
    "prodigy": ("jsonlines", "read_prodigy"),
    "webanno": ("webanno", "read"),
    "conllu": ("conllu", "read"),
    "spacy": ("spacy_docbin", "read"),
    "qdpx": ("qdpx", "read"),
}
FORMATS = tuple(READERS)


def import_files(
    store: Store, fmt: str, paths: Iterable[str | Path], *, annotator: str | None = None,
    scheme_name: str | None = None, label_set: str | None = None,
) -> ImportResult:
    """Read every file with the format's reader, then store all of it (or nothing)."""
    from annotator.core.untrusted import not_regular_file
    from annotator.services.formats_in.common import store_documents
    from annotator.services.import_annotations import AnnotationImportError

    module_name, fn_name = READERS[fmt]
    module: Any = importlib.import_module(f"annotator.services.formats_in.{module_name}")
    reader = getattr(module, fn_name)
    problems: list[str] = []
    warnings: list[str] = []
    docs = []
    given = [Path(p) for p in paths]
    # A FIFO or device anywhere in the input would block a reader forever: refuse them first
    # (``stat`` does not open the file), so the import fails in one line instead of hanging.
    for p in given:
        inputs = [c for c in p.rglob("*") if not c.is_dir()] if p.is_dir() else [p]
        for c in inputs:
            special = not_regular_file(c)
            if special is not None:
                problems.append(f"{c}: {special}")
    if problems:
        raise AnnotationImportError(problems)
    for p in given:
        if not p.exists():
            problems.append(f"{p}: no such file")
            continue
        if fmt == "labelstudio":
            docs += reader(p, problems, warnings)
        else:
            docs += reader(p, problems, warnings, annotator)
    if not docs and not problems:
        raise AnnotationImportError([f"no document found in {', '.join(map(str, given))}"])
    result = store_documents(store, docs, scheme_name=scheme_name, label_set=label_set,
                             problems=problems)
    result.warnings += warnings
    return result
