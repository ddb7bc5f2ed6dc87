"""Health checks and repairs of the file itself, behind `annotator doctor` (the logic, what is a
finding and what may be repaired, lives in annotator/doctor.py).

Repairs only re-derive data from its source of truth: the full-text index from the sentences,
sentence texts from their document's text, and orphans (rows whose parent is gone) are deleted.
sqlite-utils is imported only to rebuild the full-text index (it wrote the index and its
triggers in migration m001, and rebuilding it the same way keeps them identical).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from annotator.db.connection import Connection

FTS_TRIGGERS = ("sentences_ai", "sentences_ad", "sentences_au")


class Maintenance:
    """Integrity, consistency and full-text index checks and repairs of one database."""

    FTS_TRIGGERS = FTS_TRIGGERS

    def __init__(self, db: Connection) -> None:
        self.db = db

    # ---------------------------------------------------------------- checks
    def integrity_errors(self, limit: int = 20) -> list[str]:
        """``PRAGMA integrity_check``: an empty list when the file is sound."""
        rows = [r[0] for r in self.db.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()]
        if rows == ["ok"]:
            return []
        lines = [ln.strip() for r in rows for ln in str(r).splitlines()]
        return [ln for ln in lines if ln and not ln.startswith("***")][:limit]

    def foreign_key_violations(self) -> list[dict[str, Any]]:
        """Rows pointing at a parent that does not exist: (table, rowid, parent)."""
        return [
            {"table": r[0], "rowid": r[1], "parent": r[2]}
            for r in self.db.execute("PRAGMA foreign_key_check").fetchall()
        ]

    def fts_problems(self) -> list[str]:
        """Whether the full-text index matches the sentences (and its triggers exist)."""
        problems = []
        if not self.db.table_exists("sentences_fts"):
            return ["the full-text index sentences_fts is missing"]
        have = self.db.trigger_names()
        missing = [t for t in FTS_TRIGGERS if t not in have]
        if missing:
            problems.append(f"full-text index triggers missing: {', '.join(missing)}")
        try:
            self.db.execute(
                "INSERT INTO sentences_fts(sentences_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as exc:
            if "readonly" not in str(exc) and "read-only" not in str(exc):
                problems.append("the full-text index sentences_fts is out of sync with sentences")
            elif self._fts_rows_differ():
                # FTS5's own check is a write statement: a database opened read-only (or on
                # read-only media) gets this lighter one, every sentence indexed exactly once.
                problems.append("the full-text index sentences_fts is out of sync with "
                                "sentences (not every sentence indexed exactly once)")
        return problems

    def _fts_rows_differ(self) -> bool:
        if not self.db.table_exists("sentences_fts_docsize"):
            return False
        return bool(self.db.scalar(
            "SELECT EXISTS (SELECT 1 FROM sentences s WHERE NOT EXISTS (SELECT 1 FROM "
            "sentences_fts_docsize d WHERE d.id = s.id)) OR EXISTS (SELECT 1 FROM "
            "sentences_fts_docsize d WHERE NOT EXISTS (SELECT 1 FROM sentences s "
            "WHERE s.id = d.id))"
        ))

    def bad_sentence_offsets(self) -> list[dict[str, Any]]:
        """Sentences whose offsets fall outside their document: id, document_id, start, end and
        the document's length ``n``."""
        return self.db.query(
            'SELECT s.id, s.document_id, s.start, s."end", length(d.text) AS n FROM sentences s '
            'JOIN documents d ON d.id = s.document_id WHERE s.start < 0 OR s."end" <= s.start '
            'OR s."end" > length(d.text)'
        )

    def bad_sentence_texts(self) -> list[dict[str, Any]]:
        """Ids of sentences (with valid offsets) whose text is not their document's slice."""
        return self.db.query(
            'SELECT s.id FROM sentences s JOIN documents d ON d.id = s.document_id '
            'WHERE s."end" <= length(d.text) AND s.start >= 0 AND '
            's.text IS NOT substr(d.text, s.start + 1, s."end" - s.start)'
        )

    def bad_sentence_counts(self) -> list[dict[str, Any]]:
        """Ids of documents whose ``n_sentences`` is not their number of sentences."""
        return self.db.query(
            "SELECT d.id FROM documents d WHERE d.n_sentences != "
            "(SELECT count(*) FROM sentences s WHERE s.document_id = d.id)"
        )

    def bad_annotation_offsets(self) -> list[dict[str, Any]]:
        """Current annotations whose span does not start in its sentence or runs past its
        document, or on a sentence of another document: id, start, end, s_start, s_end, s_doc
        (the sentence's) and document_id.

        A span starts in its sentence's stretch of text: from the sentence's start (0 for the
        first sentence) up to the next sentence's start. It may end further on: spans imported
        from PTC or SemEval files cross sentence boundaries and may end with the line break
        after a sentence, and they are attached to the sentence where they start."""
        return self.db.query(
            'SELECT a.id, a.start, a."end", s.start AS s_start, s."end" AS s_end, '
            "s.document_id AS s_doc, a.document_id FROM annotations a "
            "JOIN sentences s ON s.id = a.sentence_id JOIN documents d ON d.id = a.document_id "
            "WHERE a.removed_at IS NULL AND ("
            "(a.level = 'span' AND (a.\"end\" <= a.start "
            "OR a.start < CASE WHEN s.idx = 0 THEN 0 ELSE s.start END "
            "OR a.start >= coalesce((SELECT n.start FROM sentences n WHERE "
            "n.document_id = s.document_id AND n.idx = s.idx + 1), length(d.text)) "
            "OR a.\"end\" > length(d.text))) "
            "OR s.document_id != a.document_id)"
        )

    # ---------------------------------------------------------------- repairs
    def rebuild_fts(self) -> None:
        """Recreate the full-text index and its triggers from the sentences table."""
        with self.db.atomic():
            self.db.utils().table("sentences").enable_fts(
                ["text"],
                create_triggers=True,
                replace=True,
                tokenize="unicode61 remove_diacritics 2",
            )
            self.db.execute("INSERT INTO sentences_fts(sentences_fts) VALUES ('rebuild')")

    def delete_orphans(self) -> int:
        """Delete rows whose parent row is gone (repeats: a deleted row can orphan others)."""
        total = 0
        with self.db.atomic():
            # Orphans may point at each other (undo_of): check the keys at COMMIT, not per row.
            self.db.execute("PRAGMA defer_foreign_keys = ON")
            for _ in range(10):
                bad = self.foreign_key_violations()
                if not bad:
                    break
                for v in bad:
                    self.db.execute(f'DELETE FROM "{v["table"]}" WHERE rowid = ?', [v["rowid"]])
                total += len(bad)
        return total

    def fix_sentence_texts(self) -> int:
        """Set sentence texts back to their document's slice (the document text is the truth)."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE sentences SET text = (SELECT substr(d.text, sentences.start + 1, "
                'sentences."end" - sentences.start) FROM documents d '
                "WHERE d.id = sentences.document_id) "
                "WHERE id IN (SELECT s.id FROM sentences s "
                "JOIN documents d ON d.id = s.document_id "
                'WHERE s."end" <= length(d.text) AND '
                's.text IS NOT substr(d.text, s.start + 1, s."end" - s.start))'
            )
            self.db.execute(
                "UPDATE documents SET n_sentences = (SELECT count(*) FROM sentences s "
                "WHERE s.document_id = documents.id)"
            )
        return int(cur.rowcount)
