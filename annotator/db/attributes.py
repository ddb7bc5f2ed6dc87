"""Reads of attribute values (table ``attribute_values``, migration m007) for review and doctor.

Writing values and the reads of the annotation screen stay with the annotations
(:class:`annotator.db.annotations.Annotations`: a value belongs to an annotation and goes through
its event log). Here: the read-only questions other use cases ask, as ``store.attributes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.db.connection import Connection


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
