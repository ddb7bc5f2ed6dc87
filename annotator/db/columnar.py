"""Bulk reads for statistics, as numpy arrays (behind `annotator agree`, whose loader builds the
matrices, and the units rule).

A handful of queries, never one per unit: 200,000 sentences x 3 annotators must load in well
under a second. Rows travel as one comma-separated string of packed integers per query
(``group_concat``), parsed by numpy in C, instead of millions of Python tuples; annotations
come from the covering index ``idx_annotations_agreement`` (migration m002). numpy is imported
inside the methods: the annotation screen never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from annotator.db.connection import Connection

if TYPE_CHECKING:
    from annotator.core.units import Marks

SHIFT = 1 << 20  # packed pair: unit id * 2^20 + annotator id
_SEP = "\x01"  # joins strings read in one piece (a control character news text lacks)


def _marks(ids: Sequence[Any]) -> str:
    return ",".join("?" * len(ids)) or "NULL"


def ints(text: str | None, width: int = 1) -> Any:
    """A ``group_concat`` string of integers as a numpy array of ``width`` columns."""
    import numpy as np

    if not text:
        return np.zeros((0, width), dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",").reshape(-1, width)


def unpack(packed: Any) -> tuple[Any, Any]:
    """(annotator ids, unit ids) of packed pairs."""
    return packed & (SHIFT - 1), packed // SHIFT


class LabelGroup(NamedTuple):
    """Current annotations of one scheme version, label set, level and label, as numpy arrays
    (see ``Columnar.current_labels``)."""

    scheme_id: int
    label_set: str
    level: str
    label: str
    annotator: Any  # annotator ids
    unit: Any  # sentence ids (document ids for document-level rows)
    start: Any  # document offsets of span rows (None unless read)
    end: Any


class Columnar:
    """Column-wise reads of one database."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def read_mode(self) -> None:
        """Memory-map the file for this connection: ``agree`` reads most of the database once,
        and mapped pages skip a system call per page (a quarter of the time on 200,000
        sentences)."""
        self.db.execute("PRAGMA mmap_size = 1073741824")

    def done_marks(self, level: str) -> Marks:
        """Every done mark of one kind, with the scheme version it was made under: sentences
        (``level`` "sentence" or "span") or document panels ("document"). The units rule
        (``annotator.core.units``) decides which label sets each one answers."""
        import numpy as np

        from annotator.core.units import NO_SCHEME, UNIT_LEVEL, Marks

        if UNIT_LEVEL[level] == "document":
            table, unit = "document_progress", "document_id"
        else:
            table, unit = "progress", "sentence_id"
        packed, schemes = self.db.execute(
            f"SELECT group_concat({unit} * {SHIFT} + annotator_id), "
            f"group_concat(coalesce(done_scheme_id, {NO_SCHEME})) FROM "
            f"(SELECT {unit}, annotator_id, done_scheme_id FROM {table} WHERE status = 'done')"
        ).fetchone()
        ann, units = unpack(ints(packed)[:, 0])
        return Marks(ann.astype(np.int64), units.astype(np.int64), ints(schemes)[:, 0])

    def sentence_documents(self) -> tuple[Any, Any]:
        """(sentence ids, their document ids), sorted by sentence id, as numpy arrays."""
        ids, docs = self.db.execute(
            "SELECT group_concat(id), group_concat(document_id) "
            "FROM (SELECT id, document_id FROM sentences ORDER BY id)"
        ).fetchone()
        return ints(ids)[:, 0], ints(docs)[:, 0]

    def current_labels(
        self,
        scheme_ids: Sequence[int],
        offsets: bool = False,
        level: str | None = None,
        label_set: str | None = None,
        other_than: Sequence[str] = (),
    ) -> list[LabelGroup]:
        """Every current annotation of the given scheme versions in one pass over the covering
        index, grouped by (version, label set, level, label), rows in index order. Starts and
        ends are read for span rows when ``offsets`` is set. Only rows of one ``level``, of one
        ``label_set``, or of sets ``other_than`` those given, when asked (so that a caller can
        read the sets side by side). What the report, review and the units rule aggregate."""
        unit = "CASE WHEN level = 'document' THEN document_id ELSE sentence_id END"
        extra = ', group_concat(start), group_concat("end")' if offsets else ", NULL, NULL"
        # plain equalities (not coalesce) so that the index is searched, not scanned
        where, params = "", []
        for column, value in (("label_set", label_set), ("level", level)):
            if value is not None:
                where += f" AND {column} = ?"
                params.append(value)
        if other_than:
            where += f" AND label_set NOT IN ({_marks(other_than)})"
            params += list(other_than)
        out: list[LabelGroup] = []
        for sid in scheme_ids:
            for name, lvl, label, packed, starts, ends in self.db.execute(
                f"SELECT label_set, level, label, group_concat({unit} * {SHIFT} + annotator_id)"
                f"{extra} FROM annotations INDEXED BY idx_annotations_agreement "
                f"WHERE removed_at IS NULL AND scheme_id = ?{where} "
                "GROUP BY label_set, level, label",
                [sid, *params],
            ):
                ann, units = unpack(ints(packed)[:, 0])
                span = offsets and lvl == "span"
                out.append(LabelGroup(
                    int(sid), str(name), str(lvl), str(label), ann, units,
                    ints(starts)[:, 0] if span else None, ints(ends)[:, 0] if span else None,
                ))
        return out

    def label_sets_used(self, scheme_id: int) -> list[str]:
        """The label sets with a current annotation under one scheme version, sorted: one seek
        per set in idx_annotations_set (a skip scan), not a pass over the annotations."""
        names: list[str] = []
        while True:
            after = " AND label_set > ?" if names else ""
            row = self.db.execute(
                "SELECT label_set FROM annotations INDEXED BY idx_annotations_set "
                f"WHERE removed_at IS NULL AND scheme_id = ?{after} ORDER BY label_set LIMIT 1",
                [scheme_id, *names[-1:]],
            ).fetchone()
            if row is None:
                return names
            names.append(str(row[0]))

    def span_texts(
        self, scheme_ids: Sequence[int], label_set: str
    ) -> tuple[list[str], list[str], list[str], Any, Any]:
        """Every current span of one label set, oldest first: labels, sources ('' when none),
        texts (cut from the document by the offsets), annotator ids and sentence ids (numpy).
        Each column travels as one joined string, split in C, not as a Python row per span."""
        select = (
            "SELECT a.label, coalesce(d.source, '') AS source, "
            'substr(d.text, a.start + 1, a."end" - a.start) AS text, '
            f"a.sentence_id * {SHIFT} + a.annotator_id AS who "
            "FROM annotations a JOIN documents d ON d.id = a.document_id "
            "WHERE a.removed_at IS NULL AND a.level = 'span' AND a.label_set = ? "
            f"AND a.scheme_id IN ({_marks(scheme_ids)}) ORDER BY a.id"
        )
        params = [label_set, *scheme_ids]
        n, labels, sources, texts, who = self.db.execute(
            f"SELECT count(*), group_concat(label, '{_SEP}'), group_concat(source, '{_SEP}'), "
            f"group_concat(text, '{_SEP}'), group_concat(who) FROM ({select})",
            params,
        ).fetchone()
        if not n:
            return [], [], [], *unpack(ints(None)[:, 0])
        cols = [str(c).split(_SEP) for c in (labels, sources, texts)]
        if any(len(c) != n for c in cols):  # a separator inside a text: row by row instead
            rows = self.db.execute(select, params).fetchall()
            cols = [[str(r[i]) for r in rows] for i in range(3)]
        ann, sentences = unpack(ints(who)[:, 0])
        return cols[0], cols[1], cols[2], ann, sentences

    def first_label_ids(
        self, scheme_ids: Sequence[int], keys: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], int]:
        """(label set, level, label) -> id of its oldest current annotation: the order in which
        labels no longer in the scheme first appeared (a handful of index lookups)."""
        out: dict[tuple[str, str, str], int] = {}
        for key in keys:
            first = self.db.execute(
                "SELECT min(id) FROM annotations INDEXED BY idx_annotations_agreement "
                f"WHERE removed_at IS NULL AND scheme_id IN ({_marks(scheme_ids)}) "
                "AND label_set = ? AND level = ? AND label = ?",
                [*scheme_ids, *key],
            ).fetchone()[0]
            if first is not None:
                out[key] = int(first)
        return out

    def labels(
        self, scheme_ids: Sequence[int], label_set: str, level: str
    ) -> dict[str, tuple[Any, ...]]:
        """Current annotations of one label set, by label: label -> (annotator ids, unit ids) for
        sentence and document sets (the unit is the sentence or the document), label ->
        (annotator ids, sentence ids, starts, ends) for span sets; numpy arrays."""
        import numpy as np

        unit = "document_id" if level == "document" else "sentence_id"
        cols = [f"group_concat({unit} * {SHIFT} + annotator_id)"]
        if level == "span":
            cols += ["group_concat(start)", 'group_concat("end")']
        parts: dict[str, list[list[Any]]] = {}
        for sid in scheme_ids:
            for label, *texts in self.db.execute(
                f"SELECT label, {', '.join(cols)} FROM annotations "
                "INDEXED BY idx_annotations_agreement WHERE removed_at IS NULL "
                "AND scheme_id = ? AND label_set = ? AND level = ? GROUP BY label",
                [sid, label_set, level],
            ):
                parts.setdefault(str(label), []).append([ints(t)[:, 0] for t in texts])
        out: dict[str, tuple[Any, ...]] = {}
        for label, chunks in parts.items():
            columns = [np.concatenate([c[i] for c in chunks]) for i in range(len(cols))]
            ann, units = unpack(columns[0])
            out[label] = (ann, units, *columns[1:])
        return out

    def latest_labels(
        self, scheme_ids: Sequence[int], label_set: str, level: str
    ) -> list[tuple[int, int, str]]:
        """(annotator id, unit id, label) of the most recent label wherever an annotator has
        several current labels on one unit of the set (a single-choice set should not)."""
        unit = "document_id" if level == "document" else "sentence_id"
        return [
            (int(r[0]), int(r[1]), str(r[2]))
            for r in self.db.execute(
                f"SELECT annotator_id, {unit}, label, max(id) FROM annotations "
                "WHERE removed_at IS NULL "
                f"AND scheme_id IN ({_marks(scheme_ids)}) AND label_set = ? "
                f"AND level = ? GROUP BY annotator_id, {unit} HAVING count(*) > 1",
                [*scheme_ids, label_set, level],
            )
        ]

    def sentence_bounds(self) -> tuple[Any, Any, Any]:
        """(ids, starts, ends) of every sentence, sorted by id, as numpy arrays."""
        ids, packed = self.db.execute(
            'SELECT group_concat(id), group_concat(start * 4294967296 + ("end" - start)) '
            'FROM (SELECT id, start, "end" FROM sentences ORDER BY id)'
        ).fetchone()
        id_arr = ints(ids)[:, 0]
        both = ints(packed)[:, 0]
        start = both >> 32
        return id_arr, start, start + (both & 0xFFFFFFFF)
