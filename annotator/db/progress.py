"""Where each annotator stands: seen/done marks per sentence and document, flags and notes, active
time, and the resume position per scheme.

A sentence marked done with no label is an answer ("nothing to tag here"), which is why done
marks, not labels alone, say what an annotator has answered. ``next_not_done`` lives here
rather than with the corpus because what it skips is decided by these marks.

The module-level functions write progress rows inside a caller's transaction; the annotation
event log uses them too, to undo and replay a mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from annotator.db.connection import Connection, in_filter, now

if TYPE_CHECKING:
    from annotator.db.annotations import Annotations
    from annotator.db.corpus import Corpus
    from annotator.db.schemes import Schemes


def read(db: Connection, annotator_id: int, sentence_id: int) -> dict[str, Any] | None:
    """The annotator's marks on a sentence: status, flag, note, done_at and the scheme version
    the done mark was made under (None: never seen)."""
    rows = db.query(
        "SELECT status, flag, note, done_at, done_scheme_id FROM progress "
        "WHERE annotator_id = ? AND sentence_id = ?",
        [annotator_id, sentence_id],
    )
    return rows[0] if rows else None


def write(
    db: Connection,
    annotator_id: int,
    sentence_id: int,
    state: dict[str, Any] | None,
    *,
    scheme_id: int | None = None,
) -> None:
    """Set the annotator's marks on a sentence to ``state`` (None deletes the row)."""
    if state is None:
        db.execute(
            "DELETE FROM progress WHERE annotator_id = ? AND sentence_id = ?",
            [annotator_id, sentence_id],
        )
        return
    ts = now()
    status = state.get("status", "seen")
    # A done mark keeps the version it was made under (older events carry none: then the
    # version acted under, else the one already stored); a mark that is not done has none.
    done_scheme = (state.get("done_scheme_id") or scheme_id) if status == "done" else None
    db.execute(
        "INSERT INTO progress (annotator_id, sentence_id, document_id, scheme_id, status, "
        "flag, note, seen_at, done_at, updated_at, done_scheme_id) "
        "SELECT ?, s.id, s.document_id, ?, ?, ?, ?, ?, ?, ?, ? FROM sentences s WHERE s.id = ? "
        "ON CONFLICT (annotator_id, sentence_id) DO UPDATE SET status = excluded.status, "
        "flag = excluded.flag, note = excluded.note, done_at = excluded.done_at, "
        "updated_at = excluded.updated_at, "
        "scheme_id = coalesce(excluded.scheme_id, scheme_id), "
        "done_scheme_id = CASE WHEN excluded.status = 'done' THEN "
        "coalesce(excluded.done_scheme_id, done_scheme_id, scheme_id) END",
        [
            annotator_id,
            scheme_id,
            status,
            int(state.get("flag") or 0),
            state.get("note"),
            ts,
            state.get("done_at"),
            ts,
            done_scheme,
            sentence_id,
        ],
    )


def clear_marks(db: Connection, annotator_id: int, sentence_id: int) -> None:
    """Back to "seen" with no flag or note, keeping the time spent (events replayed to nothing
    about this sentence: it was still seen)."""
    db.execute(
        "UPDATE progress SET status = 'seen', done_at = NULL, done_scheme_id = NULL, "
        "flag = 0, note = NULL "
        "WHERE annotator_id = ? AND sentence_id = ?",
        [annotator_id, sentence_id],
    )


def done_condition(alias: str, complete: Sequence[int] | None) -> tuple[str, list[int]]:
    """SQL for "done, and done under one of the ``complete`` scheme versions" (None: any).
    A sentence done under a version that lacked one of today's sets is still to do."""
    cond = f"{alias}.status = 'done'"
    if complete is None:
        return cond, []
    marks = ",".join("?" * len(complete)) or "NULL"
    return (
        f"{cond} AND ({alias}.done_scheme_id IS NULL OR {alias}.done_scheme_id IN ({marks}))",
        list(complete),
    )


class Progress:
    """Progress of every annotator in one database.

    Calling the object, ``store.progress(annotator_id, sentence_id)``, is the old facade's
    spelling of :meth:`row`, kept while callers move to the parts.
    """

    def __init__(
        self, db: Connection, *, events: Annotations, corpus: Corpus, schemes: Schemes
    ) -> None:
        self.db = db
        self.events = events  # the event log: marks are undoable actions
        self.corpus = corpus
        self.schemes = schemes

    def row(self, annotator_id: int, sentence_id: int) -> dict[str, Any] | None:
        return read(self.db, annotator_id, sentence_id)

    __call__ = row

    # ---------------------------------------------------------------- marks (undoable)
    def _change(
        self,
        annotator_id: int,
        scheme_id: int | None,
        sentence_id: int,
        action: str,
        **changes: Any,
    ) -> dict[str, Any]:
        with self.db.atomic():
            before = read(self.db, annotator_id, sentence_id)
            if before is None:
                # Acting on a sentence means it was seen: undo goes back to "seen", not "unseen".
                write(self.db, annotator_id, sentence_id, {"status": "seen"}, scheme_id=scheme_id)
                before = read(self.db, annotator_id, sentence_id)
            state = dict(before or {})
            state.update(changes)
            if state == before:
                return state
            write(self.db, annotator_id, sentence_id, state, scheme_id=scheme_id)
            doc = self.db.execute(
                "SELECT document_id FROM sentences WHERE id = ?", [sentence_id]
            ).fetchone()
            self.events.log_event(
                annotator_id,
                scheme_id,
                action,
                document_id=doc[0] if doc else None,
                sentence_id=sentence_id,
                before={"progress": before},
                after={"progress": state},
            )
        return state

    def mark_seen(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        """Record that the sentence was shown (no event: seeing is not an annotation action)."""
        with self.db.atomic():
            if read(self.db, annotator_id, sentence_id) is None:
                write(self.db, annotator_id, sentence_id, {"status": "seen"}, scheme_id=scheme_id)

    def mark_done(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        """ "Seen, and everything to tag is tagged" (possibly nothing): an answer for agreement,
        for the label sets of the scheme version ``scheme_id``. Marking done again under another
        version records that version (the sentence was looked at again with its sets)."""
        row = read(self.db, annotator_id, sentence_id)
        if (
            row is not None
            and row["status"] == "done"
            and (scheme_id is None or row["done_scheme_id"] == scheme_id)
        ):
            return
        self._change(
            annotator_id, scheme_id, sentence_id, "done",
            status="done", done_at=now(), done_scheme_id=scheme_id,
        )

    def mark_not_done(self, annotator_id: int, scheme_id: int | None, sentence_id: int) -> None:
        self._change(
            annotator_id, scheme_id, sentence_id, "undone",
            status="seen", done_at=None, done_scheme_id=None,
        )

    def set_note(
        self, annotator_id: int, scheme_id: int | None, sentence_id: int, note: str | None
    ) -> None:
        self._change(annotator_id, scheme_id, sentence_id, "note", note=note or None)

    def set_flag(
        self, annotator_id: int, scheme_id: int | None, sentence_id: int, flag: bool
    ) -> None:
        self._change(annotator_id, scheme_id, sentence_id, "flag", flag=int(flag))

    # ---------------------------------------------------------------- time and position
    def add_time(self, annotator_id: int, sentence_id: int, seconds: float) -> None:
        """Add active time to a sentence (the caller excludes pauses)."""
        if seconds <= 0:
            return
        with self.db.atomic():
            self.db.execute(
                "UPDATE progress SET seconds = seconds + ? "
                "WHERE annotator_id = ? AND sentence_id = ?",
                [seconds, annotator_id, sentence_id],
            )

    def set_position(self, annotator_id: int, scheme_id: int, sentence_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO positions (annotator_id, scheme_id, sentence_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (annotator_id, scheme_id) DO UPDATE SET "
                "sentence_id = excluded.sentence_id, updated_at = excluded.updated_at",
                [annotator_id, scheme_id, sentence_id, now()],
            )

    def position(self, annotator_id: int, scheme_id: int) -> int | None:
        """Where the annotator last was under any version of this scheme."""
        row = self.db.execute(
            "SELECT sentence_id FROM positions WHERE annotator_id = ? AND scheme_id IN "
            "(SELECT id FROM schemes WHERE name = (SELECT name FROM schemes WHERE id = ?)) "
            "ORDER BY updated_at DESC LIMIT 1",
            [annotator_id, scheme_id],
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def visit(
        self,
        annotator_id: int,
        scheme_id: int,
        sentence_id: int,
        *,
        left_sentence_id: int | None = None,
        seconds: float = 0.0,
    ) -> None:
        """The annotation screen moved to a sentence: add the active time spent on the one it
        left, mark the new one seen and store it as the resume position, in one transaction.

        Moving is not labelling, so this commit does not wait for fsync (synchronous=NORMAL, WAL
        mode): it survives the process dying, kill -9 included; only an OS crash or power cut
        could lose the latest position or "seen", never a label (the next labelling commit
        syncs it too). That is 4-12 ms less per move on the annotation screen."""
        ts = now()
        with self.db.relaxed_sync(), self.db.atomic():
            if left_sentence_id is not None and seconds > 0:
                self.db.execute(
                    "UPDATE progress SET seconds = seconds + ? "
                    "WHERE annotator_id = ? AND sentence_id = ?",
                    [seconds, annotator_id, left_sentence_id],
                )
            self.db.execute(
                "INSERT INTO progress (annotator_id, sentence_id, document_id, scheme_id, status, "
                "seen_at, updated_at) SELECT ?, s.id, s.document_id, ?, 'seen', ?, ? "
                "FROM sentences s WHERE s.id = ? "
                "ON CONFLICT (annotator_id, sentence_id) DO NOTHING",
                [annotator_id, scheme_id, ts, ts, sentence_id],
            )
            self.db.execute(
                "INSERT INTO positions (annotator_id, scheme_id, sentence_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (annotator_id, scheme_id) DO UPDATE SET "
                "sentence_id = excluded.sentence_id, updated_at = excluded.updated_at",
                [annotator_id, scheme_id, sentence_id, ts],
            )

    def next_not_done(
        self,
        annotator_id: int,
        after_sentence_id: int | None,
        complete: Sequence[int] | None = None,
    ) -> int | None:
        """The annotator's next sentence not marked done, after the given one (wrapping once).
        ``complete``: the scheme versions whose done marks count (see :func:`done_condition`)."""
        start = (-1, -1)
        if after_sentence_id is not None:
            s = self.db.execute(
                "SELECT document_id, idx FROM sentences WHERE id = ?", [after_sentence_id]
            ).fetchone()
            if s is not None:
                start = (s[0], s[1])
        cond, params = done_condition("p", complete)
        sql = (
            "SELECT s.id FROM sentences s WHERE ({cond}) AND NOT EXISTS (SELECT 1 FROM progress p "
            f"WHERE p.annotator_id = ? AND p.sentence_id = s.id AND {cond}) "
            "ORDER BY s.document_id, s.idx LIMIT 1"
        )
        # row values: one index seek (an OR of the two cases sorted every later sentence)
        row = self.db.execute(
            sql.replace("{cond}", "(s.document_id, s.idx) > (?, ?)", 1),
            [start[0], start[1], annotator_id, *params],
        ).fetchone()
        if row is None:
            row = self.db.execute(sql.replace("{cond}", "1", 1), [annotator_id, *params]).fetchone()
        return int(row[0]) if row else None

    def next_marked(self, annotator_id: int, after_sentence_id: int, what: str) -> int | None:
        """The annotator's next sentence (corpus order, wrapping once) that they flagged
        (``what="flag"``) or wrote a note on (``what="note"``): the screen's "next flagged" and
        "next with note". Reads only the annotator's marked rows, a handful."""
        cond = {"flag": "p.flag = 1", "note": "p.note IS NOT NULL AND p.note <> ''"}[what]
        here = self.db.execute(
            "SELECT document_id, idx FROM sentences WHERE id = ?", [after_sentence_id]
        ).fetchone()
        start = (here[0], here[1]) if here is not None else (-1, -1)
        sql = (
            "SELECT s.id FROM progress p JOIN sentences s ON s.id = p.sentence_id "
            f"WHERE p.annotator_id = ? AND {cond} AND {{after}} "
            "ORDER BY s.document_id, s.idx LIMIT 1"
        )
        row = self.db.execute(
            sql.format(after="(s.document_id, s.idx) > (?, ?)"), [annotator_id, *start]
        ).fetchone()
        if row is None:
            row = self.db.execute(sql.format(after="1"), [annotator_id]).fetchone()
        return int(row[0]) if row else None

    def document_overview(
        self, annotator_id: int, complete: Sequence[int] | None = None
    ) -> list[Sequence[Any]]:
        """Every document with one annotator's standing on it, in import order, for the
        document browser: (id, external_id, title, source, published, n_sentences, done,
        flags, notes, the note of the first sentence with one, every note joined by newlines,
        the document panel's flag and note). Sentence marks and the panel's are given apart:
        the caller decides how they add up.

        One pass over the documents' small columns and one over the annotator's own progress
        rows, grouped (never a query per document): about 0.1 s for 20,000 documents of 25
        sentences (bench/browser.py). ``complete`` as in :func:`done_condition`."""
        cond, params = done_condition("p", complete)
        # The bare column p.note comes from the row where min() is reached (SQLite's rule for
        # one min() aggregate): the note of the first sentence that has one.
        return list(
            self.db.execute(
                "SELECT d.id, d.external_id, d.title, d.source, d.published, d.n_sentences, "
                "coalesce(m.done, 0), coalesce(m.flags, 0), coalesce(m.notes, 0), m.first, "
                "m.texts, coalesce(dp.flag, 0), nullif(dp.note, '') FROM documents d LEFT JOIN ("
                f"SELECT p.document_id, sum({cond}) AS done, sum(p.flag) AS flags, "
                "count(nullif(p.note, '')) AS notes, "
                "min(CASE WHEN nullif(p.note, '') IS NOT NULL THEN p.sentence_id END) AS sid, "
                "nullif(p.note, '') AS first, "
                "group_concat(nullif(p.note, ''), char(10)) AS texts FROM progress p "
                "WHERE p.annotator_id = ? GROUP BY p.document_id"
                ") AS m ON m.document_id = d.id "
                "LEFT JOIN document_progress dp ON dp.document_id = d.id AND dp.annotator_id = ? "
                "ORDER BY d.id",
                [*params, annotator_id, annotator_id],
            ).fetchall()
        )

    # ---------------------------------------------------------------- counts and summaries
    def done_count(self, annotator_id: int, complete: Sequence[int] | None = None) -> int:
        cond, params = done_condition("p", complete)
        return int(
            self.db.scalar(
                f"SELECT count(*) FROM progress p WHERE p.annotator_id = ? AND {cond}",
                [annotator_id, *params],
            )
        )

    def status(self) -> list[dict[str, Any]]:
        """Per annotator: documents and sentences done / total and annotations per label set."""
        total_docs = self.corpus.count_documents()
        total_sents = self.corpus.count_sentences()
        out: list[dict[str, Any]] = []
        documents_done = self.documents_done()
        for a in self.schemes.annotators():
            aid = a.id
            done = self.done_count(aid)
            docs_done = documents_done.get(aid, 0)
            per_set = {
                r["label_set"]: r["n"]
                for r in self.db.query(
                    "SELECT label_set, count(*) AS n FROM annotations WHERE annotator_id = ? "
                    "AND removed_at IS NULL GROUP BY label_set ORDER BY label_set",
                    [aid],
                )
            }
            seconds = float(
                self.db.scalar(
                    "SELECT coalesce(sum(seconds), 0) FROM progress WHERE annotator_id = ?", [aid]
                )
            )
            out.append(
                {
                    "annotator": a.name,
                    "documents_done": docs_done,
                    "documents_total": total_docs,
                    "sentences_done": done,
                    "sentences_total": total_sents,
                    "annotations": per_set,
                    "seconds": round(seconds, 1),
                }
            )
        return out

    def documents_done(self) -> dict[int, int]:
        """annotator id -> documents (with sentences) whose every sentence they marked done, in
        one pass over the done marks (not one count per document)."""
        return {
            int(a): int(n)
            for a, n in self.db.execute(
                "SELECT x.annotator_id, count(*) FROM (SELECT annotator_id, document_id, "
                "count(*) AS n FROM progress WHERE status = 'done' "
                "GROUP BY annotator_id, document_id) AS x "
                "JOIN documents d ON d.id = x.document_id "
                "WHERE d.n_sentences > 0 AND d.n_sentences = x.n GROUP BY x.annotator_id"
            )
        }

    def done_sentences(
        self, annotator_id: int, complete: Sequence[int] | None = None
    ) -> list[tuple[int, str]]:
        """(sentence id, text) of the sentences the annotator marked done under one of the
        ``complete`` scheme versions (see :func:`done_condition`), in corpus order: their
        answered units, which the sentence-label suggestions learn from."""
        cond, params = done_condition("p", complete)
        return [
            (int(sid), str(text))
            for sid, text in self.db.execute(
                "SELECT s.id, s.text FROM progress p JOIN sentences s ON s.id = p.sentence_id "
                f"WHERE p.annotator_id = ? AND {cond} ORDER BY s.document_id, s.idx",
                [annotator_id, *params],
            )
        ]

    def marks_of(self, annotator_id: int) -> dict[int, dict[str, Any]]:
        """sentence id -> (sentence_id, status, flag, note, document_id, scheme_id) of every
        sentence the annotator saw."""
        return {
            int(r["sentence_id"]): r
            for r in self.db.iter_query(
                "SELECT sentence_id, status, flag, note, document_id, scheme_id FROM progress "
                "WHERE annotator_id = ?",
                [annotator_id],
            )
        }

    # Reads behind `annotator report` (annotator/report.py does the arithmetic). ``scheme`` limits
    # annotations to the versions of one scheme name (None: all schemes).
    def time(self) -> list[dict[str, Any]]:
        """Per annotator: sentences done and seen, active seconds, sentences with time recorded."""
        return self.db.query(
            "SELECT n.name AS annotator, "
            "coalesce(sum(p.status = 'done'), 0) AS done, count(p.sentence_id) AS seen, "
            "coalesce(sum(p.seconds), 0.0) AS seconds, coalesce(sum(p.seconds > 0), 0) AS timed "
            "FROM annotators n LEFT JOIN progress p ON p.annotator_id = n.id "
            "GROUP BY n.id ORDER BY n.name"
        )

    # ---------------------------------------------------------------- export and merge
    def of_document(
        self, document_id: int, *, annotators: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Per annotator and sentence of a document: status, time, flag and note."""
        params: list[Any] = [document_id]
        where = in_filter("n.name", annotators, params)
        return self.db.query(
            "SELECT n.name AS annotator, se.idx AS sentence_idx, p.sentence_id, "
            "s.name AS scheme, s.version AS scheme_version, p.status, p.seconds, p.flag, p.note, "
            "p.seen_at, p.done_at, p.updated_at FROM progress p "
            "JOIN annotators n ON n.id = p.annotator_id JOIN sentences se ON se.id = p.sentence_id "
            "LEFT JOIN schemes s ON s.id = p.scheme_id "
            f"WHERE p.document_id = ?{where} ORDER BY n.name, se.idx",
            params,
        )

    def document_panels(
        self, *, annotators: Sequence[str] | None = None
    ) -> dict[int, list[dict[str, Any]]]:
        """Document panels (status, flag, note) grouped by document id."""
        params: list[Any] = []
        where = in_filter("n.name", annotators, params)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.db.iter_query(
            "SELECT p.document_id, n.name AS annotator, s.name AS scheme, "
            "s.version AS scheme_version, p.status, p.flag, p.note, p.updated_at "
            "FROM document_progress p JOIN annotators n ON n.id = p.annotator_id "
            f"LEFT JOIN schemes s ON s.id = p.scheme_id WHERE 1{where} "
            "ORDER BY p.document_id, n.name",
            params,
        ):
            out.setdefault(int(row["document_id"]), []).append(row)
        return out

    def rows_of_document(self, document_id: int) -> dict[tuple[int, int], dict[str, Any]]:
        """(annotator_id, sentence_id) -> progress row of a document."""
        return {
            (int(r["annotator_id"]), int(r["sentence_id"])): r
            for r in self.db.query("SELECT * FROM progress WHERE document_id = ?", [document_id])
        }

    def panel_rows_of_document(self, document_id: int) -> dict[int, dict[str, Any]]:
        """annotator_id -> document_progress row of a document."""
        return {
            int(r["annotator_id"]): r
            for r in self.db.query(
                "SELECT * FROM document_progress WHERE document_id = ?", [document_id]
            )
        }

    # ---------------------------------------------------------------- pace
    def done_seconds(self) -> dict[str, list[float]]:
        """Per annotator name: the active seconds of each sentence they marked done with time
        recorded (their pace, for a campaign's time estimates)."""
        out: dict[str, list[float]] = {}
        for name, secs in self.db.execute(
            "SELECT n.name, p.seconds FROM progress p JOIN annotators n ON n.id = p.annotator_id "
            "WHERE p.status = 'done' AND p.seconds > 0"
        ):
            out.setdefault(str(name), []).append(float(secs))
        return out
