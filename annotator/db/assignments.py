"""Campaign assignments: which annotator codes which document (migration m004).

A row per (annotator, document). ``shared`` marks the calibration set that every named
annotator codes. Handing a document over (``annotator assign --move``) never deletes: the row of
the annotator it was taken from gets ``released_at`` (their finished sentences stay their
answers), the new annotator's row records ``moved_from``. *Active* rows are those not released.

What to assign is decided elsewhere (``annotator.core.assign``, ``annotator.services.campaign``);
this part stores and reads rows, each write in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from annotator.db.connection import Connection, now
from annotator.db.progress import done_condition

ACTIVE = "released_at IS NULL"


class Assignments:
    """The assignments of one database."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    # ---------------------------------------------------------------- reads
    def exists(self) -> bool:
        """Whether any document is assigned: without assignments nobody runs a campaign and
        every annotator is asked the whole corpus."""
        return self.db.scalar(f"SELECT 1 FROM assignments WHERE {ACTIVE} LIMIT 1") is not None

    def active(self) -> list[tuple[int, int, bool]]:
        """Every active (annotator id, document id, shared), by document then annotator."""
        return [
            (int(a), int(d), bool(s))
            for a, d, s in self.db.execute(
                f"SELECT annotator_id, document_id, shared FROM assignments WHERE {ACTIVE} "
                "ORDER BY document_id, annotator_id"
            )
        ]

    def queue(self, annotator_id: int) -> list[tuple[int, bool]]:
        """The annotator's documents in working order: the shared (calibration) documents
        first, then the others, each in corpus order. Documents with no sentence are left out
        (there is nothing to show)."""
        return [
            (int(d), bool(s))
            for d, s in self.db.execute(
                "SELECT a.document_id, a.shared FROM assignments a "
                "JOIN documents d ON d.id = a.document_id "
                f"WHERE a.annotator_id = ? AND a.{ACTIVE} AND d.n_sentences > 0 "
                "ORDER BY a.shared DESC, a.document_id",
                [annotator_id],
            )
        ]

    def queue_progress(
        self, annotator_id: int, complete: Sequence[int] | None = None
    ) -> tuple[int, int]:
        """(sentences, sentences done) over the annotator's assigned documents; ``complete``:
        the scheme versions whose done marks count (``progress.done_condition``)."""
        cond, params = done_condition("p", complete)
        total = self.db.scalar(
            "SELECT coalesce(sum(d.n_sentences), 0) FROM assignments a "
            f"JOIN documents d ON d.id = a.document_id WHERE a.annotator_id = ? AND a.{ACTIVE}",
            [annotator_id],
        )
        done = self.db.scalar(
            "SELECT count(*) FROM progress p JOIN assignments a ON a.annotator_id = "
            "p.annotator_id AND a.document_id = p.document_id AND a.released_at IS NULL "
            f"WHERE p.annotator_id = ? AND {cond}",
            [annotator_id, *params],
        )
        return int(total), int(done)

    def next_open(
        self,
        annotator_id: int,
        after: tuple[bool, int, int] | None = None,
        complete: Sequence[int] | None = None,
    ) -> int | None:
        """The annotator's next sentence not done in queue order (shared documents first, then
        corpus order), after ``after`` = (shared, document id, sentence idx), wrapping once; the
        first one when ``after`` is None."""
        cond, params = done_condition("p", complete)
        sql = (
            "SELECT s.id FROM assignments a JOIN sentences s ON s.document_id = a.document_id "
            f"WHERE a.annotator_id = ? AND a.{ACTIVE} AND {{after}} AND NOT EXISTS (SELECT 1 "
            f"FROM progress p WHERE p.annotator_id = ? AND p.sentence_id = s.id AND {cond}) "
            "ORDER BY a.shared DESC, a.document_id, s.idx LIMIT 1"
        )
        if after is not None:
            shared, doc, idx = int(after[0]), after[1], after[2]
            row = self.db.execute(
                sql.replace(
                    "{after}",
                    "(a.shared < ? OR (a.shared = ? AND (a.document_id > ? OR "
                    "(a.document_id = ? AND s.idx > ?))))",
                ),
                [annotator_id, shared, shared, doc, doc, idx, annotator_id, *params],
            ).fetchone()
            if row is not None:
                return int(row[0])
        row = self.db.execute(
            sql.replace("{after}", "1"), [annotator_id, annotator_id, *params]
        ).fetchone()
        return int(row[0]) if row else None

    def overview(self, annotator: str | None = None) -> list[dict[str, Any]]:
        """Per active assignment: annotator, document (id, external id, title, source),
        shared, sentences, sentences done by the annotator, their active seconds there, and
        whom it was handed over from. Ordered by annotator, then queue order."""
        params: list[Any] = []
        where = f"a.{ACTIVE}"
        if annotator is not None:
            where += " AND n.name = ?"
            params.append(annotator)
        return self.db.query(
            "SELECT n.name AS annotator, a.document_id, d.external_id, d.title, d.source, "
            "a.shared, d.n_sentences AS sentences, coalesce(p.done, 0) AS done, "
            "coalesce(p.seconds, 0.0) AS seconds, prev.name AS moved_from "
            "FROM assignments a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN documents d ON d.id = a.document_id "
            "LEFT JOIN (SELECT annotator_id, document_id, sum(status = 'done') AS done, "
            "sum(seconds) AS seconds FROM progress GROUP BY annotator_id, document_id) p "
            "ON p.annotator_id = a.annotator_id AND p.document_id = a.document_id "
            "LEFT JOIN annotators prev ON prev.id = a.moved_from "
            f"WHERE {where} ORDER BY n.name, a.shared DESC, a.document_id",
            params,
        )

    def finished(self, annotator_id: int) -> set[int]:
        """The annotator's assigned documents whose every sentence they marked done."""
        return {
            int(r[0])
            for r in self.db.execute(
                "SELECT a.document_id FROM assignments a JOIN documents d ON d.id = a.document_id "
                f"WHERE a.annotator_id = ? AND a.{ACTIVE} AND d.n_sentences > 0 "
                "AND d.n_sentences = (SELECT count(*) FROM progress p WHERE p.annotator_id = ? "
                "AND p.document_id = a.document_id AND p.status = 'done')",
                [annotator_id, annotator_id],
            )
        }

    def shared_documents(self) -> set[int]:
        """The calibration set: documents with an active shared assignment."""
        return {
            int(r[0])
            for r in self.db.execute(
                f"SELECT DISTINCT document_id FROM assignments WHERE shared = 1 AND {ACTIVE}"
            )
        }

    # ---------------------------------------------------------------- writes
    def add(
        self,
        rows: Iterable[tuple[int, int, bool]],
        *,
        seed: int | None = None,
        shared_documents: Sequence[int] = (),
    ) -> int:
        """Assign (annotator id, document id, shared) rows and mark ``shared_documents``
        shared for everyone on them, in one transaction. A row released earlier (the document
        was handed over, then comes back) becomes active again. Returns the rows written."""
        ts = now()
        data = [(int(a), int(d), int(bool(s)), ts, seed) for a, d, s in rows]
        with self.db.atomic():
            self.db.executemany(
                "INSERT INTO assignments (annotator_id, document_id, shared, assigned_at, seed) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (annotator_id, document_id) DO UPDATE SET "
                "shared = excluded.shared, assigned_at = excluded.assigned_at, "
                "seed = excluded.seed, moved_from = NULL, released_at = NULL "
                "WHERE released_at IS NOT NULL",
                data,
            )
            docs = [(int(d),) for d in shared_documents]
            self.db.executemany(
                f"UPDATE assignments SET shared = 1 WHERE document_id = ? AND {ACTIVE}", docs
            )
        return len(data)

    def hand_over(self, moves: Iterable[tuple[int, int, int]]) -> int:
        """Move (document id, from annotator id, to annotator id): the giver's row is
        released, the receiver's row records whom it came from (shared flag kept). One
        transaction. Returns how many documents moved."""
        ts = now()
        moves = list(moves)
        with self.db.atomic():
            for doc, giver, taker in moves:
                shared = self.db.scalar(
                    f"SELECT shared FROM assignments WHERE document_id = ? AND annotator_id = ? "
                    f"AND {ACTIVE}",
                    [doc, giver],
                )
                self.db.execute(
                    "UPDATE assignments SET released_at = ? WHERE document_id = ? "
                    f"AND annotator_id = ? AND {ACTIVE}",
                    [ts, doc, giver],
                )
                self.db.execute(
                    "INSERT INTO assignments (annotator_id, document_id, shared, assigned_at, "
                    "moved_from) VALUES (?, ?, ?, ?, ?) ON CONFLICT (annotator_id, document_id) "
                    "DO UPDATE SET shared = excluded.shared, assigned_at = excluded.assigned_at, "
                    "moved_from = excluded.moved_from, released_at = NULL",
                    [taker, doc, int(shared or 0), ts, giver],
                )
        return len(moves)

    # ---------------------------------------------------------------- offline copies
    def export_rows(self, annotator_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Active rows of some annotators with names and document hashes (ids differ between
        databases), for an offline copy."""
        marks = ",".join("?" * len(annotator_ids)) or "NULL"
        return self.db.query(
            "SELECT n.name AS annotator, d.sha256 AS document_sha256, a.shared, a.assigned_at, "
            "a.seed, prev.name AS moved_from FROM assignments a "
            "JOIN annotators n ON n.id = a.annotator_id JOIN documents d ON d.id = a.document_id "
            "LEFT JOIN annotators prev ON prev.id = a.moved_from "
            f"WHERE a.{ACTIVE} AND a.annotator_id IN ({marks}) ORDER BY a.id",
            list(annotator_ids),
        )

    def import_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Store rows of :meth:`export_rows` from another database: documents by hash,
        annotators by name (both must be here already); present rows are left alone."""
        rows = list(rows)
        with self.db.atomic():
            docs = {str(s): int(i) for i, s in self.db.execute("SELECT id, sha256 FROM documents")}
            people = {str(n): int(i) for i, n in self.db.execute("SELECT id, name FROM annotators")}
            data = [
                (people[r["annotator"]], docs[r["document_sha256"]], int(r["shared"]),
                 r["assigned_at"], r["seed"], people.get(r["moved_from"] or ""))
                for r in rows
                if r["annotator"] in people and r["document_sha256"] in docs
            ]
            self.db.executemany(
                "INSERT OR IGNORE INTO assignments (annotator_id, document_id, shared, "
                "assigned_at, seed, moved_from) VALUES (?, ?, ?, ?, ?, ?)",
                data,
            )
        return len(data)
