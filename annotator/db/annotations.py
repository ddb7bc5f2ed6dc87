"""Annotations (labels on documents, sentences and spans) and the append-only event log.

Every annotation action is one transaction that changes the current state AND appends one event
whose before/after JSON lets undo/redo (and merge, and `doctor`) replay it. The caller shows the
action as applied only after the method returns, i.e. after COMMIT. A removed annotation keeps
its row (``removed_at`` set) for the audit trail; ``annotation_view`` shows current ones only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from annotator.db import progress as progress_rows
from annotator.db.connection import Connection, in_filter, new_uid, now

# Event actions that go on the undo stack (``undo``/``redo`` move them, ``adopt`` and ``time``
# are recorded but not undoable).
UNDOABLE = frozenset({"add", "remove", "done", "undone", "note", "flag", "attribute"})

_EXPORT_COLS = (
    "a.uid, n.name AS annotator, s.name AS scheme, s.version AS scheme_version, a.label_set, "
    "a.label, a.level, a.document_id, a.sentence_id, se.idx AS sentence_idx, a.start, "
    'a."end", a.value, a.note, a.created_at, a.removed_at '
    "FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
    "JOIN schemes s ON s.id = a.scheme_id LEFT JOIN sentences se ON se.id = a.sentence_id"
)


class Annotations:
    """Annotations and events of one database, with the per-handle undo/redo replay cache."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        # annotator id -> (last event id replayed, undo stack, redo stack); see history().
        self._history: dict[int, tuple[int, list[int], list[int]]] = {}

    # ---------------------------------------------------------------- the event log
    def log_event(
        self,
        annotator_id: int,
        scheme_id: int | None,
        action: str,
        *,
        document_id: int | None,
        sentence_id: int | None,
        before: dict[str, Any],
        after: dict[str, Any],
        annotation_uid: str | None = None,
        undo_of: int | None = None,
        ts: str | None = None,
    ) -> int:
        """Append one event (inside the caller's transaction); returns its id."""
        cur = self.db.execute(
            "INSERT INTO events (uid, annotator_id, scheme_id, ts, action, document_id, "
            "sentence_id, "
            "annotation_uid, before, after, undo_of) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                new_uid(),
                annotator_id,
                scheme_id,
                ts or now(),
                action,
                document_id,
                sentence_id,
                annotation_uid,
                json.dumps(before, ensure_ascii=False, sort_keys=True),
                json.dumps(after, ensure_ascii=False, sort_keys=True),
                undo_of,
            ],
        )
        return int(cur.lastrowid or 0)

    def history(self, annotator_id: int) -> tuple[list[int], list[int]]:
        """(undo stack, redo stack) of event ids, replayed from the event log.

        A normal action pushes on the undo stack and clears the redo stack; an ``undo`` event moves
        its target to the redo stack; a ``redo`` event moves it back. So both survive restarts.
        The log is append-only, so the replay is kept per handle and only events newer than the
        last one seen are read: an undo costs the same after a month of work as on day one.
        """
        last, done, redo = self._history.get(annotator_id, (0, [], []))
        done, redo = list(done), list(redo)
        for eid, action, undo_of in self.db.execute(
            "SELECT id, action, undo_of FROM events WHERE annotator_id = ? AND id > ? ORDER BY id",
            [annotator_id, last],
        ):
            last = eid
            if action == "undo":
                if done and done[-1] == undo_of:
                    done.pop()
                    redo.append(undo_of)
            elif action == "redo":
                if redo and redo[-1] == undo_of:
                    redo.pop()
                    done.append(undo_of)
            elif action in UNDOABLE:
                done.append(eid)
                redo.clear()
        if not self.db.in_transaction:
            # Cache only what is committed: a rolled-back transaction must not leave events here.
            self._history[annotator_id] = (last, done, redo)
        return list(done), list(redo)

    def _apply_state(
        self, annotator_id: int, sentence_id: int | None, state: dict[str, Any]
    ) -> None:
        ts = now()
        for uid, active in state.get("annotations", {}).items():
            self.db.execute(
                "UPDATE annotations SET removed_at = ? WHERE uid = ? AND annotator_id = ?",
                [None if active else ts, uid, annotator_id],
            )
        if "progress" in state and sentence_id is not None:
            progress_rows.write(self.db, annotator_id, sentence_id, state["progress"])
        for uid, active in state.get("attributes", {}).items():
            self.db.execute(
                "UPDATE attribute_values SET removed_at = ? WHERE uid = ? AND annotation_id IN "
                "(SELECT id FROM annotations WHERE annotator_id = ?)",
                [None if active else ts, uid, annotator_id],
            )

    def _reverse(self, annotator_id: int, kind: str) -> dict[str, Any] | None:
        self.history(annotator_id)  # bring the cached replay up to date outside the transaction
        with self.db.atomic():
            done, redo = self.history(annotator_id)
            stack = done if kind == "undo" else redo
            if not stack:
                return None
            target = stack[-1]
            row = self.db.query("SELECT * FROM events WHERE id = ?", [target])[0]
            state = json.loads(row["before"] if kind == "undo" else row["after"])
            self._apply_state(annotator_id, row["sentence_id"], state)
            self.log_event(
                annotator_id,
                row["scheme_id"],
                kind,
                document_id=row["document_id"],
                sentence_id=row["sentence_id"],
                before={},
                after={},
                undo_of=target,
                annotation_uid=row["annotation_uid"],
            )
        return row

    def undo(self, annotator_id: int) -> dict[str, Any] | None:
        """Undo the annotator's last action; returns the event undone (None if nothing to undo)."""
        return self._reverse(annotator_id, "undo")

    def redo(self, annotator_id: int) -> dict[str, Any] | None:
        return self._reverse(annotator_id, "redo")

    def restore_state(
        self,
        annotator_id: int,
        annotations: dict[str, bool],
        progress: dict[int, dict[str, Any] | None],
    ) -> None:
        """Set annotations' active flags and progress rows to a state replayed from the events."""
        with self.db.atomic():
            self._apply_state(annotator_id, None, {"annotations": annotations})
            for sentence_id, state in progress.items():
                if state is None:
                    progress_rows.clear_marks(self.db, annotator_id, sentence_id)
                else:
                    progress_rows.write(self.db, annotator_id, sentence_id, state)

    def adopt(self, annotator_id: int, uid: str) -> None:
        """Record in the event log a current annotation that no event records (rows written by
        hand or by an older tool), as an ``adopt`` event: replayable, not undoable."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT scheme_id, document_id, sentence_id FROM annotations "
                "WHERE uid = ? AND annotator_id = ?",
                [uid, annotator_id],
            ).fetchone()
            if row is None:
                return
            self.log_event(
                annotator_id,
                row[0],
                "adopt",
                document_id=row[1],
                sentence_id=row[2],
                before={"annotations": {uid: False}},
                after={"annotations": {uid: True}},
                annotation_uid=uid,
            )

    def adopt_state(self, annotator_id: int, changes: Iterable[dict[str, Any]]) -> int:
        """Record stored state that no event records yet (what an import wrote) as ``adopt``
        events, one per change ``{scheme_id, document_id, sentence_id, before, after}``:
        replayable, not undoable. Returns how many were logged."""
        rows = [
            (
                new_uid(), annotator_id, c["scheme_id"], now(), "adopt", c["document_id"],
                c["sentence_id"], None,
                json.dumps(c["before"], ensure_ascii=False, sort_keys=True),
                json.dumps(c["after"], ensure_ascii=False, sort_keys=True),
            )
            for c in changes
        ]
        with self.db.atomic():
            self.db.executemany(
                "INSERT INTO events (uid, annotator_id, scheme_id, ts, action, document_id, "
                "sentence_id, annotation_uid, before, after) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        return len(rows)

    def places_of(self, annotator_id: int) -> dict[str, tuple[bool, int, int, int | None]]:
        """uid -> (current, scheme id, document id, sentence id) of every annotation of the
        annotator: where an ``adopt`` event for it belongs."""
        return {
            str(r[0]): (bool(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4]))
            for r in self.db.execute(
                "SELECT uid, removed_at IS NULL, scheme_id, document_id, sentence_id "
                "FROM annotations WHERE annotator_id = ?",
                [annotator_id],
            )
        }

    def events_of(self, annotator_id: int) -> Iterator[dict[str, Any]]:
        """The annotator's events in order (id, action, sentence_id, before, after, undo_of),
        for replaying them (`doctor`)."""
        return self.db.iter_query(
            "SELECT id, action, sentence_id, before, after, undo_of FROM events "
            "WHERE annotator_id = ? ORDER BY id",
            [annotator_id],
        )

    # ---------------------------------------------------------------- annotating
    def current(
        self,
        annotator_id: int,
        *,
        sentence_id: int | None = None,
        document_id: int | None = None,
        level: str | None = None,
        label_set: str | None = None,
    ) -> list[dict[str, Any]]:
        """This annotator's current annotations on a sentence or a document (blind: only theirs)."""
        where = ["annotator_id = ?", "removed_at IS NULL"]
        params: list[Any] = [annotator_id]
        if sentence_id is not None:
            where.append("sentence_id = ?")
            params.append(sentence_id)
        if document_id is not None:
            where.append("document_id = ?")
            params.append(document_id)
        if level is not None:
            where.append("level = ?")
            params.append(level)
        if label_set is not None:
            where.append("label_set = ?")
            params.append(label_set)
        return self.db.query(
            'SELECT id, uid, label_set, label, level, document_id, sentence_id, start, "end", '
            "value, "
            f"note, created_at FROM annotations WHERE {' AND '.join(where)} ORDER BY start, id",
            params,
        )

    def add(
        self,
        annotator_id: int,
        scheme_id: int,
        *,
        label_set: str,
        label: str,
        level: str,
        document_id: int,
        sentence_id: int | None = None,
        start: int | None = None,
        end: int | None = None,
        value: float | None = None,
        note: str | None = None,
        replace_in_set: bool = False,
    ) -> str:
        """Apply a label; returns its uid. ``replace_in_set`` (single-choice sets) removes this
        annotator's other labels of the set on the same unit (same span offsets for spans) in the
        same transaction, so the replacement is one undoable action."""
        uid = new_uid()
        with self.db.atomic():
            removed: list[str] = []
            if replace_in_set:
                cond = ["annotator_id = ?", "label_set = ?", "removed_at IS NULL", "level = ?"]
                params: list[Any] = [annotator_id, label_set, level]
                if level == "document":
                    cond.append("document_id = ?")
                    params.append(document_id)
                else:
                    cond.append("sentence_id = ?")
                    params.append(sentence_id)
                if level == "span":
                    cond.append('start = ? AND "end" = ?')
                    params += [start, end]
                removed = [
                    r[0]
                    for r in self.db.execute(
                        f"SELECT uid FROM annotations WHERE {' AND '.join(cond)}", params
                    ).fetchall()
                ]
            ts = now()
            if removed:
                marks = ",".join("?" * len(removed))
                self.db.execute(
                    f"UPDATE annotations SET removed_at = ? WHERE uid IN ({marks})", [ts, *removed]
                )
            self.db.execute(
                "INSERT INTO annotations (uid, annotator_id, scheme_id, label_set, label, level, "
                'document_id, sentence_id, start, "end", value, note, created_at) '
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    uid,
                    annotator_id,
                    scheme_id,
                    label_set,
                    label,
                    level,
                    document_id,
                    sentence_id,
                    start,
                    end,
                    value,
                    note,
                    ts,
                ],
            )
            before = {"annotations": {u: True for u in removed}}
            before["annotations"][uid] = False
            after = {"annotations": {u: False for u in removed}}
            after["annotations"][uid] = True
            self.log_event(
                annotator_id,
                scheme_id,
                "add",
                document_id=document_id,
                sentence_id=sentence_id,
                before=before,
                after=after,
                annotation_uid=uid,
                ts=ts,
            )
        return uid

    def remove(self, annotator_id: int, uid: str) -> bool:
        """Remove one of the annotator's current annotations (kept for audit, gone from views)."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT scheme_id, document_id, sentence_id FROM annotations "
                "WHERE uid = ? AND annotator_id = ? AND removed_at IS NULL",
                [uid, annotator_id],
            ).fetchone()
            if row is None:
                return False
            ts = now()
            self.db.execute("UPDATE annotations SET removed_at = ? WHERE uid = ?", [ts, uid])
            self.log_event(
                annotator_id,
                row[0],
                "remove",
                document_id=row[1],
                sentence_id=row[2],
                before={"annotations": {uid: True}},
                after={"annotations": {uid: False}},
                annotation_uid=uid,
                ts=ts,
            )
        return True

    def of_label_set(self, label_set: str) -> list[dict[str, Any]]:
        """Every annotator's current annotations of one label set (id, annotator_id, scheme_id,
        label, level, document_id, sentence_id, start, end): the labels whose attributes
        agreement compares, with or without values."""
        return self.db.query(
            "SELECT id, annotator_id, scheme_id, label, level, document_id, sentence_id, start, "
            '"end" FROM annotations WHERE label_set = ? AND removed_at IS NULL ORDER BY id',
            [label_set],
        )

    # ---------------------------------------------------------------- single reads
    def labels_by_document(self, annotator_id: int) -> dict[int, str]:
        """document id -> the distinct labels (and their sets) one annotator applied anywhere
        in it, space-separated: what the document browser's filter matches labels against."""
        return {
            int(d): str(labels)
            for d, labels in self.db.execute(
                "SELECT document_id, group_concat(DISTINCT label_set || ' ' || label) "
                "FROM annotations WHERE annotator_id = ? AND removed_at IS NULL "
                "GROUP BY document_id",
                [annotator_id],
            )
        }

    def label_of(self, uid: str) -> str | None:
        """The label of an annotation (current or removed), e.g. to say what an undo undid."""
        row = self.db.execute("SELECT label FROM annotations WHERE uid = ?", [uid]).fetchone()
        return str(row[0]) if row else None

    def count_current(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM annotations WHERE removed_at IS NULL"))

    def count_at_most(self) -> int:
        """An upper bound of the current annotations in one index seek (the highest id): for
        deciding whether a database is big, without counting 10^6 rows."""
        return int(self.db.scalar("SELECT coalesce(max(id), 0) FROM annotations"))

    def activity_of(self, annotator_id: int) -> dict[str, bool]:
        """uid -> current (True) or removed (False) for every annotation of the annotator."""
        return {
            str(r[0]): bool(r[1])
            for r in self.db.execute(
                "SELECT uid, removed_at IS NULL AS active FROM annotations WHERE annotator_id = ?",
                [annotator_id],
            )
        }

    def current_uids(self, annotator_id: int) -> list[str]:
        return [
            str(r[0])
            for r in self.db.execute(
                "SELECT uid FROM annotations WHERE annotator_id = ? AND removed_at IS NULL",
                [annotator_id],
            )
        ]

    # ---------------------------------------------------------------- one coder's own labels
    # What the learned suggestions learn from (services/suggest.py). Always one annotator's:
    # blind coding stays blind, another coder's spans or labels are never read here.
    def own_span_texts(
        self, annotator_id: int, scheme_ids: Sequence[int], label_sets: Sequence[str]
    ) -> list[tuple[str, int, str, str, int, int, str]]:
        """(uid, sentence id, label set, label, start, end in the sentence, covered text) of
        the annotator's current spans of the given sets under the given scheme versions. A
        span reaching past its sentence (an import from another tool) is left out: it is not a
        phrase to look for again. One query per set, so that each is a range of
        ``idx_annotations_agreement`` (0.2 s over 1.2 M spans, where a scan of the scheme's
        annotations took 4 s)."""
        out: list[tuple[str, int, str, str, int, int, str]] = []
        if not scheme_ids:
            return out
        marks = ",".join("?" * len(scheme_ids))
        for label_set in label_sets:
            rows = self.db.execute(
                "SELECT a.uid, a.sentence_id, a.label_set, a.label, a.start - s.start, "
                'a."end" - s.start, substr(s.text, a.start - s.start + 1, a."end" - a.start) '
                "FROM annotations a JOIN sentences s ON s.id = a.sentence_id "
                f"WHERE a.scheme_id IN ({marks}) AND a.label_set = ? AND a.level = 'span' "
                "AND a.removed_at IS NULL AND a.annotator_id = ? AND a.start >= s.start "
                'AND a."end" <= s."end"',  # no ORDER BY: it made SQLite pick another index
                [*scheme_ids, label_set, annotator_id],
            )
            out.extend(
                (str(u), int(sid), str(ls), str(lab), int(rs), int(re_), str(t))
                for u, sid, ls, lab, rs, re_, t in rows
            )
        return out

    def own_sentence_labels(
        self, annotator_id: int, label_set: str, scheme_ids: Sequence[int]
    ) -> dict[int, list[str]]:
        """sentence id -> the annotator's current labels of a sentence set (any of the given
        scheme versions)."""
        out: dict[int, list[str]] = {}
        if not scheme_ids:
            return out
        marks = ",".join("?" * len(scheme_ids))
        for sid, label in self.db.execute(
            f"SELECT sentence_id, label FROM annotations WHERE scheme_id IN ({marks}) "
            "AND label_set = ? AND level = 'sentence' AND removed_at IS NULL "
            "AND annotator_id = ?",  # a range of idx_annotations_agreement (see own_span_texts)
            [*scheme_ids, label_set, annotator_id],
        ):
            out.setdefault(int(sid), []).append(str(label))
        return out

    # ---------------------------------------------------------------- bulk reads
    def current_labels(self) -> Iterator[dict[str, Any]]:
        """Every current annotation's (id, scheme_id, label_set, label, level), to check each
        against its scheme version (`doctor`)."""
        return self.db.iter_query(
            "SELECT id, scheme_id, label_set, label, level FROM annotations "
            "WHERE removed_at IS NULL"
        )

    def statement_rows(self, label_sets: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every current span and sentence annotation with what a discourse network reads
        besides attributes: annotator name, scheme name, and the document's outlet (source),
        date (published), title and external id (``annotator network``, the report's actor x
        outlet table; attribute values come from ``Attributes.current_rows`` (db/attributes.py))."""
        where = "a.removed_at IS NULL AND a.level IN ('span', 'sentence')"
        params: list[Any] = []
        if label_sets is not None:
            where += f" AND a.label_set IN ({', '.join('?' for _ in label_sets)})"
            params += list(label_sets)
        return self.db.query(
            "SELECT a.id AS annotation_id, n.name AS annotator, s.name AS scheme, a.label_set, "
            "a.label, a.document_id, d.source, d.published, d.title, d.external_id "
            "FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN schemes s ON s.id = a.scheme_id JOIN documents d ON d.id = a.document_id "
            f"WHERE {where} ORDER BY a.id",
            params,
        )

    # ---------------------------------------------------------------- export and merge
    # Rows carry names, content hashes and sentence indexes besides internal ids, so they mean
    # the same thing in another database.
    def of_document(
        self,
        document_id: int,
        *,
        annotators: Sequence[str] | None = None,
        label_sets: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Current annotations of a document with annotator and scheme names, oldest first."""
        params: list[Any] = [document_id]
        where = in_filter("n.name", annotators, params)
        where += in_filter("a.label_set", label_sets, params)
        return self.db.query(
            f"SELECT {_EXPORT_COLS} WHERE a.document_id = ? AND a.removed_at IS NULL"
            f"{where} ORDER BY a.created_at, a.uid",
            params,
        )

    def removed_by_document(
        self,
        *,
        annotators: Sequence[str] | None = None,
        label_sets: Sequence[str] | None = None,
    ) -> dict[int, list[dict[str, Any]]]:
        """Removed (or undone) annotations grouped by document id: kept for audit, and few."""
        params: list[Any] = []
        where = in_filter("n.name", annotators, params)
        where += in_filter("a.label_set", label_sets, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            f"SELECT {_EXPORT_COLS} WHERE a.removed_at IS NOT NULL{where} "
            "ORDER BY a.document_id, a.created_at, a.uid",
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def label_sets(self) -> list[tuple[str, str]]:
        """(label_set, level) of every current annotation and gold label."""
        rows = self.db.execute(
            "SELECT DISTINCT label_set, level FROM annotations WHERE removed_at IS NULL "
            "UNION SELECT DISTINCT label_set, level FROM gold ORDER BY 1, 2"
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def events_for_export(self) -> list[dict[str, Any]]:
        """The whole event log with names, document hashes and sentence indexes, in order."""
        return self.db.query(
            "SELECT e.uid, n.name AS annotator, s.name AS scheme, s.version AS scheme_version, "
            "e.ts, e.action, d.sha256 AS document_sha256, se.idx AS sentence_idx, "
            "e.annotation_uid, e.before, e.after, u.uid AS undo_of_uid FROM events e "
            "JOIN annotators n ON n.id = e.annotator_id LEFT JOIN schemes s ON s.id = e.scheme_id "
            "LEFT JOIN documents d ON d.id = e.document_id "
            "LEFT JOIN sentences se ON se.id = e.sentence_id "
            "LEFT JOIN events u ON u.id = e.undo_of ORDER BY e.id"
        )

    def removed_at_of(self, uids: Sequence[str]) -> dict[str, str | None]:
        """uid -> removed_at (None when current) for the uids stored here."""
        out: dict[str, str | None] = {}
        for i in range(0, len(uids), 500):
            chunk = list(uids[i : i + 500])
            for uid, removed in self.db.execute(
                "SELECT uid, removed_at FROM annotations "
                f"WHERE uid IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[str(uid)] = removed
        return out

    def set_removed_at(self, changes: Iterable[tuple[str | None, str]]) -> None:
        """Set removed_at (None restores) for (removed_at, uid) pairs."""
        with self.db.atomic():
            self.db.executemany(
                "UPDATE annotations SET removed_at = ? WHERE uid = ?", list(changes)
            )

    def event_ids_by_uid(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.db.execute("SELECT uid, id FROM events")}

    def link_undo_events(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Point undo/redo events at the events they reverse: (target uid, undo event uid)."""
        with self.db.atomic():
            self.db.executemany(
                "UPDATE events SET undo_of = (SELECT id FROM events WHERE uid = ?) WHERE uid = ?",
                list(pairs),
            )
