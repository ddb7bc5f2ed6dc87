"""Documents and their sentences: import, reads, navigation in corpus order, full-text search.

Corpus order is (document id, sentence idx): documents in import order, sentences in text order.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.db.connection import Connection, StoreError, now

_SENTENCE_COLS = 'id, document_id, idx, paragraph, start, "end", text'
MAX_ID = 2**63 - 1
# Documents with more sentences than this are staged before their transaction (add_documents).
STAGE_ABOVE = 50_000
STAGE_BATCH = 100_000  # SQLite's largest integer: a bigger id names no row (and cannot be bound)


@dataclass
class DocumentIn:
    """A document ready to store: normalised text, hash and sentence offsets."""

    text: str
    sha256: str
    sentences: list[tuple[int, int, int]]  # (start, end, paragraph)
    external_id: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] | None = None
    origin: str | None = None


class Corpus:
    """Documents and sentences of one database."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    # ---------------------------------------------------------------- import
    def has_document(self, sha256: str) -> int | None:
        row = self.db.execute("SELECT id FROM documents WHERE sha256 = ?", [sha256]).fetchone()
        return int(row[0]) if row else None

    def add_documents(self, docs: Iterable[DocumentIn]) -> list[tuple[int, bool]]:
        """Insert documents with their sentences, each document atomically.

        Returns (document_id, created) per input; a document whose text is already stored
        (same sha256) is left untouched. A batch is one transaction: all or nothing.

        The sentences of a document with more than ``STAGE_ABOVE`` of them are first written
        to a staging table (:meth:`_stage`), without holding the database's write lock; the
        transaction then copies them in one SQL statement, and the document appears whole at
        its commit. Inserting a 77 MB article row by row held the write lock for over 30 s
        (annotators' writes failed with "database is locked"); staged, about 5 s.
        """
        docs = list(docs)
        staged = {} if self.db.in_transaction else {  # inside a caller's transaction: as is
            id(doc): self._stage(doc) for doc in docs
            if len(doc.sentences) > STAGE_ABOVE and self.has_document(doc.sha256) is None
        }
        try:
            return self._add(docs, staged)
        finally:
            for key in staged.values():
                self._unstage(key)

    def _add(self, docs: list[DocumentIn], staged: dict[int, str]) -> list[tuple[int, bool]]:
        results: list[tuple[int, bool]] = []
        with self.db.atomic(), self._full_text_in_bulk():
            for doc in docs:
                existing = self.has_document(doc.sha256)
                if existing is not None:
                    results.append((existing, False))
                    continue
                doc_id = self.db.insert(
                    "documents",
                    {
                        "external_id": doc.external_id,
                        "title": doc.title,
                        "source": doc.source,
                        "url": doc.url,
                        "published": doc.published,
                        "language": doc.language,
                        "text": doc.text,
                        "sha256": doc.sha256,
                        "meta": json.dumps(doc.meta, ensure_ascii=False, sort_keys=True),
                        "origin": doc.origin,
                        "n_sentences": len(doc.sentences),
                        "imported_at": now(),
                    },
                )
                if id(doc) in staged:
                    self.db.execute(
                        'INSERT INTO sentences (document_id, idx, paragraph, start, "end", text) '
                        'SELECT ?, idx, paragraph, start, "end", text FROM temp.staged_sentences '
                        "WHERE stage = ? ORDER BY idx",
                        [doc_id, staged[id(doc)]],
                    )
                    results.append((doc_id, True))
                    continue
                # plain tuples of ints and text: no per-value conversion (insert_all's dicts)
                self.db.executemany(
                    f"INSERT INTO sentences ({_SENTENCE_COLS}) VALUES (NULL,?,?,?,?,?,?)",
                    (
                        (doc_id, i, para, start, end, doc.text[start:end])
                        for i, (start, end, para) in enumerate(doc.sentences)
                    ),
                )
                results.append((doc_id, True))
        return results

    def _stage(self, doc: DocumentIn) -> str:
        """Write a big document's sentences to a TEMP table of this connection, in batches.

        A TEMP table lives in SQLite's temporary database of this connection only: writing it
        takes no lock on the database file, so annotators keep writing meanwhile, and a killed
        import leaves nothing behind. Returns the key of the staged rows."""
        key = uuid.uuid4().hex
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_sentences (stage TEXT NOT NULL, "
            'idx INTEGER NOT NULL, paragraph INTEGER NOT NULL, start INTEGER NOT NULL, '
            '"end" INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (stage, idx))'
        )
        rows = (
            (key, i, para, start, end, doc.text[start:end])
            for i, (start, end, para) in enumerate(doc.sentences)
        )
        while True:
            chunk = list(itertools.islice(rows, STAGE_BATCH))
            if not chunk:
                return key
            self.db.execute("BEGIN")  # deferred, and only TEMP is written: no lock on the file
            try:
                self.db.executemany(
                    "INSERT INTO temp.staged_sentences VALUES (?, ?, ?, ?, ?, ?)", chunk
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.rollback()
                raise

    def _unstage(self, key: str) -> None:
        self.db.execute("DELETE FROM temp.staged_sentences WHERE stage = ?", [key])

    def import_document(
        self, row: dict[str, Any], sentences: Sequence[dict[str, Any]]
    ) -> tuple[int, list[int], bool]:
        """Store a document with its own sentence split and import time, unless its text is
        already stored. Returns (document id, sentence ids by idx, created). Raises StoreError
        when the stored copy was split into different sentences (indexes would not match)."""
        existing = self.has_document(str(row["sha256"]))
        if existing is not None:
            stored = self.sentences(existing)
            if [(s["start"], s["end"]) for s in stored] != [
                (s["start"], s["end"]) for s in sentences
            ]:
                raise StoreError(
                    f"document {row.get('external_id') or row['sha256'][:12]} is already stored "
                    "with a different sentence split"
                )
            return existing, [int(s["id"]) for s in stored], False
        with self.db.atomic(), self._full_text_in_bulk():
            doc_id = self.db.insert("documents", {**row, "n_sentences": len(sentences)})
            self.db.insert_all(
                "sentences",
                (
                    {
                        "document_id": doc_id,
                        "idx": s["idx"],
                        "paragraph": s["paragraph"],
                        "start": s["start"],
                        "end": s["end"],
                        "text": row["text"][s["start"] : s["end"]],
                    }
                    for s in sentences
                ),
                batch_size=1000,
            )
        ids = [int(s["id"]) for s in self.sentences(doc_id)]
        return doc_id, ids, True

    @contextlib.contextmanager
    def _full_text_in_bulk(self) -> Iterator[None]:
        """Fill the full-text index of the sentences inserted inside with one statement, not
        one trigger run per sentence (9x less time per batch on real text).

        Call inside a transaction: the insert trigger is dropped for the batch and created
        again from its stored SQL before the transaction ends, so the schema is unchanged, no
        other connection can insert meanwhile (the write lock is held), and a failure rolls
        all of it back."""
        row = self.db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'sentences_ai'"
        ).fetchone()
        if row is None:  # no full-text index kept in step by a trigger: nothing to do
            yield
            return
        last = int(self.db.scalar("SELECT coalesce(max(rowid), 0) FROM sentences"))
        self.db.execute("DROP TRIGGER sentences_ai")
        yield
        self.db.execute(
            "INSERT INTO sentences_fts (rowid, text) "
            "SELECT rowid, text FROM sentences WHERE rowid > ?",
            [last],
        )
        self.db.execute(str(row[0]))

    # ---------------------------------------------------------------- documents
    def document(self, document_id: int) -> dict[str, Any] | None:
        if not 0 <= document_id <= MAX_ID:
            return None
        rows = self.db.query("SELECT * FROM documents WHERE id = ?", [document_id])
        return rows[0] if rows else None

    def documents(self) -> list[dict[str, Any]]:
        """Every document's identity and size, in import order: id, external_id, title, source,
        sha256, n_sentences (not the text)."""
        return self.db.query(
            "SELECT id, external_id, title, source, sha256, n_sentences FROM documents ORDER BY id"
        )

    def document_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id").fetchall()]

    def shape(self) -> tuple[int, int]:
        """(number of documents, largest document id): changes when documents are added or
        deleted, read from the table's b-tree ends (no scan of the sentences)."""
        n, top = self.db.execute("SELECT count(*), coalesce(max(id), 0) FROM documents").fetchone()
        return int(n), int(top)

    def count_documents(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM documents"))

    def count_sentences(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM sentences"))

    def find_document(self, ref: str) -> int | None:
        """A document by id, else by external id (the `g` key of the annotation screen)."""
        if ref.isascii() and ref.isdigit() and int(ref) <= MAX_ID:
            row = self.db.execute("SELECT id FROM documents WHERE id = ?", [int(ref)]).fetchone()
            if row:
                return int(row[0])
        row = self.db.execute(
            "SELECT id FROM documents WHERE external_id = ? ORDER BY id LIMIT 1", [ref]
        ).fetchone()
        return int(row[0]) if row else None

    def neighbour_document(self, document_id: int, step: int) -> int | None:
        op, order = (">", "ASC") if step > 0 else ("<", "DESC")
        row = self.db.execute(
            f"SELECT id FROM documents WHERE id {op} ? ORDER BY id {order} LIMIT 1", [document_id]
        ).fetchone()
        return int(row[0]) if row else None

    def document_index(self, document_id: int) -> tuple[int, int]:
        """(1-based position of the document, number of documents)."""
        return self._ids_between(0, document_id), self.count_documents()

    def documents_between(self, a: int, b: int) -> int:
        """How many documents have an id in (min(a, b), max(a, b)]: moving from one document to
        its neighbour costs one row, not a count of the whole table."""
        return self._ids_between(min(a, b), max(a, b))

    def _ids_between(self, lo: int, hi: int) -> int:
        """How many documents have an id in (lo, hi]. A short range is read from the table; a
        long one is counted in a small index instead, since the table's pages hold every text
        (the middle of 50,000 documents: 150 ms in the table, 3 ms in the index)."""
        index = " INDEXED BY idx_documents_source" if hi - lo > 512 else ""
        return int(
            self.db.scalar(
                f"SELECT count(*) FROM documents{index} WHERE id > ? AND id <= ?", [lo, hi]
            )
        )

    # ---------------------------------------------------------------- sentences
    def sentences(self, document_id: int) -> list[dict[str, Any]]:
        return self.db.query(
            f"SELECT {_SENTENCE_COLS} FROM sentences WHERE document_id = ? ORDER BY idx",
            [document_id],
        )

    def sentence(self, sentence_id: int) -> dict[str, Any] | None:
        if not 0 <= sentence_id <= MAX_ID:
            return None
        rows = self.db.query(f"SELECT {_SENTENCE_COLS} FROM sentences WHERE id = ?", [sentence_id])
        return rows[0] if rows else None

    def sentence_at(self, document_id: int, idx: int) -> int | None:
        """The id of the sentence at 0-based position ``idx`` in a document."""
        if not 0 <= idx <= MAX_ID:
            return None
        row = self.db.execute(
            "SELECT id FROM sentences WHERE document_id = ? AND idx = ?", [document_id, idx]
        ).fetchone()
        return int(row[0]) if row else None

    def neighbour_sentence(self, sentence_id: int, step: int) -> int | None:
        """The next (step=1) or previous (step=-1) sentence in corpus order, across documents."""
        s = self.db.execute(
            "SELECT document_id, idx FROM sentences WHERE id = ?", [sentence_id]
        ).fetchone()
        if s is None:
            return None
        # A row-value comparison is one seek in the (document_id, idx) index; the equivalent
        # "(document_id = ? AND idx > ?) OR document_id > ?" made the planner sort every
        # following sentence (130 ms at each document boundary of a 1M-sentence corpus).
        op, order = (">", "ASC") if step > 0 else ("<", "DESC")
        row = self.db.execute(
            f"SELECT id FROM sentences WHERE (document_id, idx) {op} (?, ?) "
            f"ORDER BY document_id {order}, idx {order} LIMIT 1",
            [s[0], s[1]],
        ).fetchone()
        return int(row[0]) if row else None

    def first_sentence(self, document_id: int | None = None) -> int | None:
        if document_id is None:
            row = self.db.execute(
                "SELECT id FROM sentences ORDER BY document_id, idx LIMIT 1"
            ).fetchone()
        elif not 0 <= document_id <= MAX_ID:
            return None
        else:
            row = self.db.execute(
                "SELECT id FROM sentences WHERE document_id = ? ORDER BY idx LIMIT 1", [document_id]
            ).fetchone()
        return int(row[0]) if row else None

    def search(self, q: str, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search over sentences (FTS5); the query is quoted so any text is safe."""
        terms = [t for t in q.replace('"', " ").split() if t]
        if not terms:
            return []
        match = " ".join(f'"{t}"' for t in terms)
        return self.db.query(
            "SELECT s.id, s.document_id, s.idx, s.text FROM sentences_fts "
            "JOIN sentences s ON s.rowid = sentences_fts.rowid "
            # FTS5 yields matches in rowid order, which is corpus order (a document's sentences
            # are inserted together, after it): no sort over every match of a common word.
            "WHERE sentences_fts MATCH ? ORDER BY sentences_fts.rowid LIMIT ?",
            [match, limit],
        )

    def unit_texts(
        self, sentence_ids: Sequence[int] = (), document_ids: Sequence[int] = ()
    ) -> tuple[dict[int, tuple[int, str | None, str, int, int]], dict[int, str | None]]:
        """For a few units shown in a report: sentence id -> (document id, document title,
        sentence text, its 0-based position, the document's sentences: what the screen shows
        as "sentence 7/16") and document id -> title (read 500 ids at a time)."""
        sents: dict[int, tuple[int, str | None, str, int, int]] = {}
        docs: dict[int, str | None] = {}
        s_ids, d_ids = list(sentence_ids), list(document_ids)
        for i in range(0, len(s_ids), 500):
            chunk = s_ids[i : i + 500]
            for sid, did, title, text, idx, n in self.db.execute(
                "SELECT s.id, s.document_id, d.title, s.text, s.idx, d.n_sentences "
                "FROM sentences s "
                "JOIN documents d ON d.id = s.document_id "
                f"WHERE s.id IN ({_marks(chunk)})",
                chunk,
            ):
                sents[int(sid)] = (int(did), title, text, int(idx), int(n))
        for i in range(0, len(d_ids), 500):
            chunk = d_ids[i : i + 500]
            for did, title in self.db.execute(
                f"SELECT id, title FROM documents WHERE id IN ({_marks(chunk)})", chunk
            ):
                docs[int(did)] = title
        return sents, docs

    def cut_texts(self, spans: Sequence[tuple[int, int, int]]) -> list[str]:
        """The text of each (document id, start, end) span, cut from its document in SQLite (a
        gold span has no text of its own; the documents never travel to Python). A span of a
        document that is gone reads ''. 20,000 spans per statement."""
        out: list[str] = []
        for i in range(0, len(spans), 20_000):
            chunk = json.dumps([[int(d), int(a), int(b)] for d, a, b in spans[i : i + 20_000]])
            found = dict(self.db.execute(
                "SELECT CAST(j.key AS INTEGER), substr(d.text, json_extract(j.value, '$[1]') + 1, "
                "json_extract(j.value, '$[2]') - json_extract(j.value, '$[1]')) "
                "FROM json_each(?) j JOIN documents d ON d.id = json_extract(j.value, '$[0]')",
                [chunk],
            ).fetchall())
            out.extend(str(found.get(k) or "") for k in range(len(spans[i : i + 20_000])))
        return out


def _marks(ids: Sequence[Any]) -> str:
    return ",".join("?" * len(ids)) or "NULL"
