"""Attribute values: what a coder says about one annotation (issue 18: actor, target, stance...).

One row per value in ``attribute_values``, tied to its annotation; a value is never deleted, a
removed one keeps its row (``removed_at`` set) like an annotation. Choosing a value is one
transaction that appends one undoable ``attribute`` event to the annotations' event log, so undo
and redo (:class:`annotator.db.annotations.Annotations`) replay attribute changes with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from annotator.db.annotations import Annotations
from annotator.db.connection import Connection, new_uid, now


class Attributes:
    """Attribute values of one database; writes are logged through the annotations' event log."""

    def __init__(self, db: Connection, *, events: Annotations) -> None:
        self.db = db
        self.events = events

    def set_value(
        self,
        annotator_id: int,
        annotation_uid: str,
        attribute: str,
        value: str | None,
        *,
        multiple: bool = False,
    ) -> bool:
        """Store one attribute value of one of the annotator's current annotations, as one
        undoable ``attribute`` event (the moment it is chosen: the form never holds values).

        Single-valued: ``value`` replaces the current one (None clears it). ``multiple``: ``value``
        is toggled (added, or removed when present). Returns False when nothing changed."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT id, scheme_id, document_id, sentence_id FROM annotations "
                "WHERE uid = ? AND annotator_id = ? AND removed_at IS NULL",
                [annotation_uid, annotator_id],
            ).fetchone()
            if row is None:
                return False
            current = {
                str(r[1]): str(r[0])
                for r in self.db.execute(
                    "SELECT uid, value FROM attribute_values WHERE annotation_id = ? "
                    "AND attribute = ? AND removed_at IS NULL ORDER BY id",
                    [row[0], attribute],
                )
            }
            if multiple:
                drop = [current[value]] if value in current else []
                add = value is not None and value not in current
            else:
                if value is not None and list(current) == [value]:
                    return False
                drop = list(current.values())
                add = value is not None
            if not drop and not add:
                return False
            ts = now()
            before: dict[str, bool] = {u: True for u in drop}
            after: dict[str, bool] = {u: False for u in drop}
            if drop:
                marks = ",".join("?" * len(drop))
                self.db.execute(
                    f"UPDATE attribute_values SET removed_at = ? WHERE uid IN ({marks})",
                    [ts, *drop],
                )
            if add:
                uid = new_uid()
                self.db.execute(
                    "INSERT INTO attribute_values (uid, annotation_id, attribute, value, "
                    "created_at) VALUES (?,?,?,?,?)",
                    [uid, row[0], attribute, value, ts],
                )
                before[uid], after[uid] = False, True
            self.events.log_event(
                annotator_id,
                row[1],
                "attribute",
                document_id=row[2],
                sentence_id=row[3],
                before={"attributes": before},
                after={"attributes": after},
                annotation_uid=annotation_uid,
                ts=ts,
            )
        return True

    def of_annotations(self, annotation_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        """annotation id -> attribute -> current values (in the order chosen), for the screen."""
        out: dict[int, dict[str, list[str]]] = {}
        ids = [int(i) for i in annotation_ids]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for aid, attribute, value in self.db.execute(
                "SELECT annotation_id, attribute, value FROM attribute_values "
                f"WHERE removed_at IS NULL AND annotation_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY id",
                chunk,
            ):
                out.setdefault(int(aid), {}).setdefault(str(attribute), []).append(str(value))
        return out

    def used_values(
        self, annotator_id: int, label_set: str, attribute: str
    ) -> list[str]:
        """Values this annotator has given this attribute anywhere in the corpus (current ones),
        most recently chosen first: the form's autocomplete, and its default (the first)."""
        return [
            str(r[0])
            for r in self.db.execute(
                "SELECT v.value, max(v.id) AS last FROM attribute_values v "
                "JOIN annotations a ON a.id = v.annotation_id "
                "WHERE a.annotator_id = ? AND a.label_set = ? AND v.attribute = ? "
                "AND v.removed_at IS NULL AND a.removed_at IS NULL "
                "GROUP BY v.value ORDER BY last DESC",
                [annotator_id, label_set, attribute],
            )
        ]

    def any_stored(self) -> bool:
        """Whether any attribute value was ever stored (exports skip the reads otherwise)."""
        return self.db.execute("SELECT 1 FROM attribute_values LIMIT 1").fetchone() is not None

    def of_document(self, document_id: int) -> dict[str, list[dict[str, Any]]]:
        """annotation uid -> its attribute value rows, current and removed (uid, attribute,
        value, created_at, removed_at), in the order chosen: what the lossless export carries."""
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            "SELECT a.uid AS annotation_uid, v.uid, v.attribute, v.value, v.created_at, "
            "v.removed_at FROM attribute_values v JOIN annotations a ON a.id = v.annotation_id "
            "WHERE a.document_id = ? ORDER BY v.id",
            [document_id],
        ):
            out.setdefault(str(row.pop("annotation_uid")), []).append(row)
        return out

    def import_rows(
        self, rows: Iterable[dict[str, Any]], *, update_removed: bool = False
    ) -> int:
        """Store attribute values read from an export or another database (keys
        ``annotation_uid, uid, attribute, value, created_at, removed_at``) on the annotations
        stored here with that uid: unknown value uids are added; with ``update_removed`` a known
        one takes the given ``removed_at`` (a merge where the other side's change won).
        Returns how many were added. Inside the caller's transaction."""
        added = 0
        for r in rows:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO attribute_values (uid, annotation_id, attribute, value, "
                "created_at, removed_at) SELECT ?, id, ?, ?, ?, ? FROM annotations WHERE uid = ?",
                [r["uid"], r["attribute"], r["value"], r["created_at"], r.get("removed_at"),
                 r["annotation_uid"]],
            )
            added += max(0, cur.rowcount)
            if cur.rowcount <= 0 and update_removed:
                self.db.execute(
                    "UPDATE attribute_values SET removed_at = ? WHERE uid = ?",
                    [r.get("removed_at"), r["uid"]],
                )
        return added

    def current_rows(self, label_set: str | None = None) -> list[dict[str, Any]]:
        """Every current value of a current annotation, with the annotation's place (annotator
        and scheme ids, document, sentence, offsets, label): what agreement and networks read.
        ``canonical``/``number`` come from the analysis side (core Attribute), not from here."""
        params: list[Any] = []
        where = ""
        if label_set is not None:
            where = " AND a.label_set = ?"
            params.append(label_set)
        return self.db.query(
            "SELECT a.id AS annotation_id, a.uid AS annotation_uid, a.annotator_id, "
            "a.scheme_id, a.label_set, a.label, a.level, a.document_id, a.sentence_id, a.start, "
            'a."end", v.attribute, v.value FROM attribute_values v '
            "JOIN annotations a ON a.id = v.annotation_id "
            f"WHERE v.removed_at IS NULL AND a.removed_at IS NULL{where} ORDER BY a.id, v.id",
            params,
        )
