"""Gold decisions: one current adjudication per unit (label set x sentence, or x document), with
its gold labels.

A new decision supersedes the unit's current one (``superseded_at`` = the new decision's
``created_at``, which links the two); undo supersedes the adjudicator's latest current decision
and restores the one it had replaced. Rows are never deleted, so the history stays auditable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from annotator.db.columnar import ints
from annotator.db.connection import Connection, in_filter, new_uid, new_uids, now


class Adjudications:
    """Adjudications and gold labels of one database."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def current(
        self, label_set: str | None = None, *, unit: tuple[int, int | None] | None = None
    ) -> list[dict[str, Any]]:
        """Current (not superseded) decisions with their gold items under ``gold``; of one
        label set, and of one unit (document id, sentence id or None), when given."""
        where = "a.superseded_at IS NULL"
        params: list[Any] = []
        if label_set is not None:
            where += " AND a.label_set = ?"
            params.append(label_set)
        if unit is not None:
            where += " AND a.document_id = ? AND a.sentence_id IS ?"
            params += list(unit)
        rows = self.db.query(
            "SELECT a.id, a.uid, a.label_set, a.level, a.document_id, a.sentence_id, "
            "n.name AS adjudicator, a.choice, a.sources, a.status, a.note, a.created_at "
            f"FROM adjudications a JOIN annotators n ON n.id = a.adjudicator_id WHERE {where} "
            "ORDER BY a.id",
            params,
        )
        gold: dict[int, list[dict[str, Any]]] = {}
        if rows:
            ids = [int(r["id"]) for r in rows]
            for g in self.db.query(
                'SELECT adjudication_id, label, start, "end", value, origin FROM gold WHERE '
                + (f"adjudication_id IN ({','.join('?' * len(ids))}) " if unit is not None else
                   "adjudication_id IN (SELECT id FROM adjudications WHERE superseded_at IS NULL) ")
                + "ORDER BY id",
                ids if unit is not None else [],
            ):
                gold.setdefault(int(g["adjudication_id"]), []).append(g)
        for r in rows:
            r["sources"] = json.loads(r["sources"] or "[]")
            r["gold"] = gold.get(int(r["id"]), [])
        return rows

    def current_units(self, label_sets: Sequence[str]) -> dict[str, tuple[Any, Any]]:
        """label set -> (document ids, sentence ids or -1) of its units with a current decision,
        as numpy arrays: which units are decided, without reading the decisions."""
        out: dict[str, tuple[Any, Any]] = {}
        params: list[Any] = []
        cond = in_filter("label_set", label_sets, params)
        for name, docs, sents in self.db.execute(
            "SELECT label_set, group_concat(document_id), group_concat(coalesce(sentence_id, -1)) "
            f"FROM adjudications WHERE superseded_at IS NULL{cond} GROUP BY label_set",
            params,
        ):
            out[str(name)] = (ints(docs)[:, 0], ints(sents)[:, 0])
        return out

    def resolved_arrays(
        self, scheme_ids: Sequence[int]
    ) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
        """What ``annotator report --gold adjudicated`` counts, as numpy arrays: per label set,
        its units with a current resolved decision (document id, sentence id or -1 per row);
        per (label set, label), the gold rows (document id, sentence id or -1, start or -1,
        end or -1 per row). Decisions of the given scheme versions only; one query each."""
        params: list[Any] = list(scheme_ids)
        marks = ",".join("?" * len(scheme_ids)) or "NULL"
        where = f"superseded_at IS NULL AND status = 'resolved' AND scheme_id IN ({marks})"
        units: dict[str, Any] = {}
        for name, packed in self.db.execute(
            "SELECT label_set, group_concat(document_id || ',' || coalesce(sentence_id, -1)) "
            f"FROM adjudications WHERE {where} GROUP BY label_set",
            params,
        ):
            units[str(name)] = ints(packed, 2)
        gold: dict[tuple[str, str], Any] = {}
        for name, label, packed in self.db.execute(
            "SELECT a.label_set, g.label, group_concat(g.document_id || ',' || "
            "coalesce(g.sentence_id, -1) || ',' || coalesce(g.start, -1) || ',' || "
            'coalesce(g."end", -1)) FROM gold g JOIN adjudications a ON a.id = g.adjudication_id '
            f"WHERE a.{where.replace(' AND ', ' AND a.')} GROUP BY a.label_set, g.label",
            params,
        ):
            gold[(str(name), str(label))] = ints(packed, 4)
        return units, gold

    def _insert_decision(
        self, scheme_id: int, adjudicator_id: int, d: dict[str, Any], ts: str
    ) -> int:
        unit = "label_set = ? AND document_id = ? AND sentence_id IS ? AND superseded_at IS NULL"
        self.db.execute(
            f"UPDATE adjudications SET superseded_at = ? WHERE {unit}",
            [ts, d["label_set"], d["document_id"], d.get("sentence_id")],
        )
        cur = self.db.execute(
            "INSERT INTO adjudications (uid, scheme_id, label_set, level, document_id, "
            "sentence_id, adjudicator_id, choice, sources, status, note, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                new_uid(),
                scheme_id,
                d["label_set"],
                d["level"],
                d["document_id"],
                d.get("sentence_id"),
                adjudicator_id,
                d["choice"],
                json.dumps(list(d.get("sources") or []), ensure_ascii=False),
                d.get("status", "resolved"),
                d.get("note"),
                ts,
            ],
        )
        adj_id = int(cur.lastrowid or 0)
        gold_rows = [
            (
                adj_id,
                d["label_set"],
                g["label"],
                d["level"],
                d["document_id"],
                d.get("sentence_id"),
                g.get("start"),
                g.get("end"),
                g.get("value"),
                g.get("origin"),
            )
            for g in d.get("gold") or []
        ]
        if gold_rows:
            self.db.executemany(
                "INSERT INTO gold (adjudication_id, label_set, label, level, document_id, "
                'sentence_id, start, "end", value, origin) VALUES (?,?,?,?,?,?,?,?,?,?)',
                gold_rows,
            )
        return adj_id

    def adjudicate(self, scheme_id: int, adjudicator_id: int, decision: dict[str, Any]) -> int:
        """Store one decision (keys: label_set, level, document_id, sentence_id, choice, sources,
        status, note, gold = [{label, start, end, value, origin}]) and its gold rows in one
        transaction (``origin``: see ``core.adjudicate.ORIGINS``),
        superseding the unit's current decision. Returns the adjudication id."""
        with self.db.atomic():
            return self._insert_decision(scheme_id, adjudicator_id, decision, now())

    def adjudicate_many(
        self, scheme_id: int, adjudicator_id: int, decisions: Iterable[dict[str, Any]]
    ) -> int:
        """Store many decisions in one transaction (all or nothing); returns how many."""
        n = 0
        with self.db.atomic():
            for d in decisions:
                self._insert_decision(scheme_id, adjudicator_id, d, now())
                n += 1
        return n

    def adjudicate_new(
        self,
        scheme_id: int,
        adjudicator_id: int,
        decisions: Sequence[tuple[str, str, int, int | None, str, str]],
        gold: Sequence[tuple[int, str, float | None, int | None, int | None]],
    ) -> int:
        """Store many decisions on units that have no current decision, set-based, in one
        transaction (all or nothing): ``decisions`` are (label set, level, document id,
        sentence id, choice, sources JSON), resolved; ``gold`` rows (index of their decision,
        label, value, start, end), every one a coder's (unanimous). Returns how many decisions
        were stored."""
        ts = now()
        # ids in sorted order: the unique index on uid then grows in one sweep, not at random
        uids = sorted(new_uids(len(decisions)))
        with self.db.atomic():
            base = int(self.db.scalar("SELECT coalesce(max(id), 0) FROM adjudications")) + 1
            self.db.executemany(
                "INSERT INTO adjudications (id, uid, scheme_id, label_set, level, document_id, "
                "sentence_id, adjudicator_id, choice, sources, status, note, created_at) VALUES "
                f"(?,?,{int(scheme_id)},?,?,?,?,{int(adjudicator_id)},?,?,'resolved',NULL,?)",
                (
                    (base + i, uid, ls, level, doc, sid, choice, sources, ts)
                    for i, (uid, (ls, level, doc, sid, choice, sources)) in enumerate(
                        zip(uids, decisions, strict=True)
                    )
                ),
            )
            self.db.executemany(
                "INSERT INTO gold (adjudication_id, label_set, label, level, document_id, "
                'sentence_id, start, "end", value, origin) VALUES (?,?,?,?,?,?,?,?,?,\'coder\')',
                (
                    (base + i, decisions[i][0], label, decisions[i][1], decisions[i][2],
                     decisions[i][3], start, end, value)
                    for i, label, value, start, end in gold
                ),
            )
        return len(decisions)

    def undo(
        self, adjudicator_id: int, label_sets: Sequence[str] | None = None
    ) -> dict[str, Any] | None:
        """Undo the adjudicator's latest current decision (within ``label_sets`` when given):
        supersede it and restore the decision it replaced (if any). Returns the undone
        decision's row, or None when nothing is left."""
        where = "adjudicator_id = ? AND superseded_at IS NULL"
        params: list[Any] = [adjudicator_id]
        if label_sets is not None:
            where += f" AND label_set IN ({','.join('?' * len(label_sets))})"
            params += list(label_sets)
        with self.db.atomic():
            rows = self.db.query(
                f"SELECT * FROM adjudications WHERE {where} ORDER BY id DESC LIMIT 1", params
            )
            if not rows:
                return None
            last = rows[0]
            self.db.execute(
                "UPDATE adjudications SET superseded_at = ? WHERE id = ?", [now(), last["id"]]
            )
            previous = self.db.execute(
                "SELECT id FROM adjudications WHERE label_set = ? AND document_id = ? AND "
                "sentence_id IS ? AND id < ? AND superseded_at = ? ORDER BY id DESC LIMIT 1",
                [
                    last["label_set"],
                    last["document_id"],
                    last["sentence_id"],
                    last["id"],
                    last["created_at"],
                ],
            ).fetchone()
            if previous is not None:
                self.db.execute(
                    "UPDATE adjudications SET superseded_at = NULL WHERE id = ?", [previous[0]]
                )
        return last

    # ---------------------------------------------------------------- export and merge
    def by_document(self) -> dict[int, list[dict[str, Any]]]:
        """Every adjudication (superseded ones too) with its gold rows, grouped by document."""
        values: dict[int, dict[str, list[str]]] = {}  # gold id -> its attribute values (m009)
        for gid, attribute, value in self.db.execute(
            "SELECT gold_id, attribute, value FROM gold_attributes ORDER BY id"
        ):
            values.setdefault(int(gid), {}).setdefault(str(attribute), []).append(str(value))
        gold: dict[int, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            'SELECT adjudication_id, id, label_set, label, level, start, "end", value, origin '
            "FROM gold "
            'ORDER BY adjudication_id, start, "end", label, id'
        ):
            kept = values.get(int(row.pop("id")))
            if kept:  # absent when none, so exports without attributes stay as they were
                row["attributes"] = kept
            gold.setdefault(int(row.pop("adjudication_id")), []).append(row)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            "SELECT ad.id, ad.uid, ad.document_id, s.name AS scheme, s.version AS scheme_version, "
            "ad.label_set, ad.level, se.idx AS sentence_idx, n.name AS adjudicator, ad.choice, "
            "ad.sources, ad.status, ad.note, ad.created_at, ad.superseded_at "
            "FROM adjudications ad JOIN annotators n ON n.id = ad.adjudicator_id "
            "JOIN schemes s ON s.id = ad.scheme_id "
            "LEFT JOIN sentences se ON se.id = ad.sentence_id "
            "ORDER BY ad.document_id, ad.created_at, ad.uid"
        ):
            row["gold"] = gold.get(int(row.pop("id")), [])
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def gold_by_document(
        self, *, label_sets: Sequence[str] | None = None
    ) -> dict[int, list[dict[str, Any]]]:
        """Current resolved gold labels (``gold_view``) with sentence indexes, by document."""
        params: list[Any] = []
        where = in_filter("g.label_set", label_sets, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            "SELECT g.*, se.idx AS sentence_idx FROM gold_view g "
            f"LEFT JOIN sentences se ON se.id = g.sentence_id WHERE 1{where} "
            'ORDER BY g.document_id, se.idx, g.start, g."end", g.label_set, g.label',
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def uids(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute("SELECT uid FROM adjudications")}

    def supersede(self, uid: str, superseded_at: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE adjudications SET superseded_at = ? "
                "WHERE uid = ? AND superseded_at IS NULL",
                [superseded_at, uid],
            )

    def insert(self, row: dict[str, Any], gold: Sequence[dict[str, Any]]) -> None:
        """Store a decision exactly as exported (merge, import-annotations) with its gold rows."""
        with self.db.atomic():
            pk = self.db.insert("adjudications", row)
            rows = [{k: v for k, v in g.items() if k != "attributes"} for g in gold]
            if not any(g.get("attributes") for g in gold):
                self.db.insert_all("gold", ({**g, "adjudication_id": pk} for g in rows))
                return
            for g, fields in zip(gold, rows, strict=True):  # values (m009) need the gold id
                gold_id = self.db.insert("gold", {**fields, "adjudication_id": pk})
                self.db.executemany(
                    "INSERT INTO gold_attributes (gold_id, attribute, value) VALUES (?, ?, ?)",
                    [(gold_id, str(a), str(v))
                     for a, vs in (g.get("attributes") or {}).items() for v in vs],
                )
