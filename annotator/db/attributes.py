"""Reads of attribute values (table ``attribute_values``, migration m007) for review and doctor.

Writing values and the reads of the annotation screen stay with the annotations
(:class:`annotator.db.annotations.Annotations`: a value belongs to an annotation and goes through
its event log). Here: the read-only questions other use cases ask, as ``store.attributes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.db.connection import Connection

# the values of current resolved gold labels (as gold_attribute_view, in the order stored)
_GOLD = (
    "FROM gold_attributes ga JOIN gold g ON g.id = ga.gold_id "
    "JOIN adjudications a ON a.id = g.adjudication_id "
    "WHERE a.superseded_at IS NULL AND a.status = 'resolved'"
)


class Attributes:
    """Read-only questions about attribute values that are not the annotation screen's."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def of_unit(
        self, label_set: str, document_id: int, sentence_id: int | None,
        annotators: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Current values of current annotations of one unit (a sentence, or with
        ``sentence_id`` None a document) in one label set, with whose they are: ``annotator,
        label, level, start, end, attribute, value``, in the order chosen. What the review
        screen shows beside each version."""
        where = "a.sentence_id = ?" if sentence_id is not None else "a.level = 'document'"
        params: list[Any] = [label_set, document_id]
        if sentence_id is not None:
            params.append(sentence_id)
        who = ""
        if annotators is not None:
            if not annotators:
                return []
            who = f" AND n.name IN ({','.join('?' * len(annotators))})"
            params += list(annotators)
        return self.db.query(
            'SELECT n.name AS annotator, a.label, a.level, a.start, a."end", v.attribute, '
            "v.value FROM attribute_values v JOIN annotations a ON a.id = v.annotation_id "
            "JOIN annotators n ON n.id = a.annotator_id "
            f"WHERE a.label_set = ? AND a.document_id = ? AND {where}{who} "
            "AND v.removed_at IS NULL AND a.removed_at IS NULL ORDER BY v.id",
            params,
        )

    def with_schemes(self) -> list[dict[str, Any]]:
        """Every current value of a current annotation with the scheme version the annotation
        was made under: ``id`` (the value's row), ``annotation_id, scheme_id, label_set,
        attribute, value``. What `doctor` checks against the stored schemes."""
        return self.db.query(
            "SELECT v.id, v.annotation_id, a.scheme_id, a.label_set, v.attribute, v.value "
            "FROM attribute_values v JOIN annotations a ON a.id = v.annotation_id "
            "WHERE v.removed_at IS NULL AND a.removed_at IS NULL ORDER BY v.id"
        )

    # ---------------------------------------------------------------- gold (migration m009)
    def next_adjudication_id(self) -> int:
        """The id the next stored decision gets: inside the caller's transaction, the first id
        of a batch about to be stored (what :meth:`gold_candidates` then starts from)."""
        row = self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM adjudications").fetchone()
        return int(row[0])

    def gold_candidates(self, first_adjudication_id: int) -> list[dict[str, Any]]:
        """For the gold rows of decisions from ``first_adjudication_id`` on that a coder proposed
        exactly (origin ``coder``): each current annotation of the decision's coders (its
        ``sources``) that is that same item, with its current values: ``gold_id, choice,
        annotator, attribute, value`` (attribute and value None for a label without values),
        in gold, annotation and value order."""
        return self.db.query(
            "SELECT g.id AS gold_id, a.choice, n.name AS annotator, v.attribute, v.value "
            "FROM gold g JOIN adjudications a ON a.id = g.adjudication_id "
            "JOIN annotations x ON x.document_id = g.document_id AND x.label_set = g.label_set "
            "AND x.sentence_id IS g.sentence_id AND x.level = g.level AND x.label = g.label "
            'AND x.start IS g.start AND x."end" IS g."end" AND x.removed_at IS NULL '
            "JOIN annotators n ON n.id = x.annotator_id "
            "LEFT JOIN attribute_values v ON v.annotation_id = x.id AND v.removed_at IS NULL "
            "WHERE g.adjudication_id >= ? AND g.origin = 'coder' "
            "AND n.name IN (SELECT value FROM json_each(a.sources)) "
            "ORDER BY g.id, x.id, v.id",
            [first_adjudication_id],
        )

    def add_gold_values(self, rows: Sequence[tuple[int, str, str]]) -> int:
        """Store (gold id, attribute, value) rows; inside the caller's transaction."""
        if rows:
            self.db.executemany(
                "INSERT INTO gold_attributes (gold_id, attribute, value) VALUES (?, ?, ?)", rows
            )
        return len(rows)

    def gold_of_unit(
        self, label_set: str, document_id: int, sentence_id: int | None
    ) -> list[dict[str, Any]]:
        """The values of the unit's current resolved gold (``label, level, start, end,
        attribute, value``), for the review screen's gold line."""
        return self.db.query(
            f'SELECT g.label, g.level, g.start, g."end", ga.attribute, ga.value {_GOLD} '
            "AND g.label_set = ? AND g.document_id = ? AND g.sentence_id IS ? ORDER BY ga.id",
            [label_set, document_id, sentence_id],
        )

    def gold_by_document(
        self, label_sets: Sequence[str] | None = None
    ) -> dict[int, dict[tuple[Any, ...], dict[str, list[str]]]]:
        """document id -> (label set, sentence id, start, end, label) -> attribute -> values,
        of every current resolved gold label with values: what ``export --gold adjudicated``
        adds to its gold records."""
        where, params = "", []
        if label_sets is not None:
            if not label_sets:
                return {}
            where = f" AND g.label_set IN ({','.join('?' * len(label_sets))})"
            params = list(label_sets)
        out: dict[int, dict[tuple[Any, ...], dict[str, list[str]]]] = {}
        for r in self.db.query(
            "SELECT g.document_id, g.label_set, g.sentence_id, g.start, g.\"end\", g.label, "
            f"ga.attribute, ga.value {_GOLD}{where} ORDER BY ga.id",
            params,
        ):
            key = (r["label_set"], r["sentence_id"], r["start"], r["end"], r["label"])
            out.setdefault(int(r["document_id"]), {}).setdefault(key, {}).setdefault(
                str(r["attribute"]), []).append(str(r["value"]))
        return out
