"""The column reads agreement works from, read once: in threads, scoped to documents, shared.

:class:`PrefetchedReads` starts the database's column reads at once on their own connections;
:class:`ReadOnce` serves every current label and the done marks to every caller of one report
(report tables, units rule, agreement) from one read; :class:`ScopedReads` restricts any of them
to some documents (``agree --shared-only``). All three answer the :class:`ColumnReads` protocol
the loaders (services/agreement_load.py) take.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from annotator.core import units
from annotator.core.units import Marks, Versions
from annotator.services.agreement_load import ColumnReads

if TYPE_CHECKING:
    from annotator.store import Store


class PrefetchedReads:
    """The database's column reads (:class:`annotator.db.columnar.Columnar`), started at once
    in a few threads for a whole report.

    SQLite releases the GIL while it computes a ``group_concat``, so the reads of the done
    marks, the sentence bounds and each label set run side by side, each on its own connection
    opened and closed in its thread (connections are per thread). The loaders then take the
    prefetched result, or read directly when nothing was prefetched for them.
    """

    def __init__(
        self, store: Store, jobs: list[tuple[str, tuple[Any, ...]]], threads: int = 4
    ) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.path = store.path
        self.store = store
        self._owner = threading.get_ident()
        self.columnar = store.columnar
        self._futures: dict[tuple[str, tuple[Any, ...]], Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(threads, len(jobs))))
        for name, args in jobs:
            self._futures[(name, args)] = self._pool.submit(self._run, name, args)

    def _run(self, name: str, args: tuple[Any, ...]) -> Any:
        from annotator.store import Store

        with Store.open(self.path, create=False, readonly=True) as st:  # opened, closed here
            st.columnar.read_mode()
            return _call(st, name, args)

    def _get(self, name: str, *args: Any) -> Any:
        """The result of a read: ``name`` is a ``Columnar`` method, or ``part.method`` of
        another part of the store (e.g. ``progress.time``)."""
        fut = self._futures.pop((name, args), None)
        if fut is None and threading.get_ident() != self._owner:
            # another thread (the store's connection is not for it): on a pool connection
            fut = self._pool.submit(self._run, name, args)
        return fut.result() if fut is not None else _call(self.store, name, args)

    def done_marks(self, level: str) -> Marks:
        return cast(Marks, self._get("done_marks", level))

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        return self._get("labels", tuple(scheme_ids), label_set, level)

    def sentence_bounds(self) -> Any:
        return self._get("sentence_bounds")

    def latest_labels(self, *args: Any) -> Any:
        return self.columnar.latest_labels(*args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class ScopedReads:
    """Column reads restricted to some documents (``agree --shared-only``: the calibration set
    of a campaign): done marks and labels on units outside them are left out, as if those
    documents were not in the corpus."""

    def __init__(
        self,
        base: ColumnReads,
        sentence_documents: tuple[np.ndarray, np.ndarray],
        documents: Collection[int],
    ) -> None:
        ids, docs = sentence_documents
        self.base = base
        self.documents = np.array(sorted(int(d) for d in documents), dtype=np.int64)
        self.sentences = np.asarray(ids)[np.isin(docs, self.documents)]

    def _allowed(self, level: str) -> np.ndarray:
        return self.documents if units.UNIT_LEVEL[level] == "document" else self.sentences

    def done_marks(self, level: str) -> Marks:
        marks = self.base.done_marks(level)
        return marks.select(np.isin(marks.unit, self._allowed(level)))

    def labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        allowed = self._allowed(level)
        out = {}
        for label, cols in self.base.labels(scheme_ids, label_set, level).items():
            keep = np.isin(cols[1], allowed)
            if keep.any():
                out[label] = tuple(np.asarray(c)[keep] for c in cols)
        return out

    def latest_labels(self, scheme_ids: tuple[int, ...], label_set: str, level: str) -> Any:
        allowed = set(self._allowed(level).tolist())
        return [r for r in self.base.latest_labels(scheme_ids, label_set, level)
                if r[1] in allowed]

    def sentence_bounds(self) -> Any:
        return self.base.sentence_bounds()


def _call(store: Store, name: str, args: tuple[Any, ...]) -> Any:
    part, _, method = name.rpartition(".")
    return getattr(getattr(store, part or "columnar"), method)(*args)


class ReadOnce:
    """Every current label of a scheme (``Columnar.current_labels``, with span offsets) and the
    done marks, read once and served to every caller that needs them: the report hands the
    same reads to its own tables, the units rule and :func:`agreement_report`, instead of
    reading the database three times.

    The reads run in threads on their own connections (:class:`PrefetchedReads`), with the
    caller's other ``jobs``; :meth:`get` collects one. ``sets``: read only these (label set,
    level) pairs, one query each (review); default: every label of the scheme, one query per
    version. ``bounds``: also read the sentence bounds (span agreement needs them)."""

    def __init__(
        self,
        store: Store,
        versions: Versions,
        jobs: Sequence[tuple[str, tuple[Any, ...]]] = (),
        *,
        sets: Sequence[tuple[str, str]] | None = None,
        bounds: bool = True,
    ) -> None:
        self.store = store
        self.columnar = store.columnar
        scheme_ids = tuple(versions.sets)
        self.scheme_ids = scheme_ids
        self._read = frozenset(scheme_ids)
        self._cache: dict[tuple[str, tuple[Any, ...]], Any] = {}
        self._prefetch: PrefetchedReads | None = None
        self._groups: list[Any] | None = None
        self._parts: list[tuple[Any, ...]]
        if store.path == ":memory:":
            wanted: Sequence[tuple[str | None, str | None]] = sets or [(None, None)]
            self._parts = [(scheme_ids, True, level, name) for name, level in wanted]
            return
        if sets is None:  # each version's sets, one query each, so that they are read side by side
            self._parts = [
                ((sid,), True, None, name)
                for sid in scheme_ids
                for name in store.columnar.label_sets_used(sid)
            ]
        else:
            self._parts = [(scheme_ids, True, level, name) for name, level in sets]
        base: list[tuple[str, tuple[Any, ...]]] = [
            ("done_marks", ("sentence",)), ("done_marks", ("document",)),
            ("sentence_documents", ()),
        ]
        if bounds:
            base.append(("sentence_bounds", ()))
        # the labels first (the callers wait for them), the caller's own reads last
        labels = [("current_labels", part) for part in self._parts]
        self._prefetch = PrefetchedReads(store, [*labels, *base, *jobs], threads=2)

    @property
    def groups(self) -> list[Any]:
        """Every label group read (waits for them)."""
        if self._groups is None:
            self._groups = [g for part in self._parts for g in self.get("current_labels", *part)]
        return self._groups

    def set_groups(self, label_set: str, level: str) -> list[Any]:
        """The groups of one (label set, level) read with ``sets`` (waits for those only)."""
        for part in self._parts:
            if tuple(part[2:]) == (level, label_set):
                return list(self.get("current_labels", *part))
        return [g for g in self.groups if g.label_set == label_set and g.level == level]

    def get(self, name: str, *args: Any) -> Any:
        """A read's result (see :meth:`PrefetchedReads._get`), kept for the next caller."""
        key = (name, args)
        if key not in self._cache:
            self._cache[key] = (
                self._prefetch._get(name, *args) if self._prefetch is not None
                else _call(self.store, name, args)
            )
        return self._cache[key]

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.close()

    def done_marks(self, level: str) -> Marks:
        return cast(Marks, self.get("done_marks", units.UNIT_LEVEL[level]))

    def sentence_documents(self) -> tuple[Any, Any]:
        return cast(tuple[Any, Any], self.get("sentence_documents"))

    def labels(
        self, scheme_ids: tuple[int, ...], label_set: str, level: str
    ) -> dict[str, tuple[Any, ...]]:
        """What ``Columnar.labels`` returns, cut from the groups read (scheme versions outside
        those read are read from the database)."""
        missing = tuple(i for i in scheme_ids if i not in self._read)
        parts: dict[str, list[tuple[Any, ...]]] = {}
        for g in self.groups:  # in the order read: by version, then index order
            if g.label_set == label_set and g.level == level and g.scheme_id in scheme_ids:
                cols = (g.annotator, g.unit, g.start, g.end) if level == "span" else (
                    g.annotator, g.unit)
                parts.setdefault(g.label, []).append(cols)
        if missing:
            for label, cols in self.columnar.labels(missing, label_set, level).items():
                parts.setdefault(label, []).append(cols)
        return {
            label: tuple(np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0])))
            for label, chunks in parts.items()
        }

    def latest_labels(self, *args: Any) -> Any:
        if self._prefetch is not None:
            return self._prefetch._get("latest_labels", *args)
        return self.columnar.latest_labels(*args)

    def sentence_bounds(self) -> Any:
        return self.get("sentence_bounds")
