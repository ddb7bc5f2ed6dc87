"""The schema's history: m001, m002, ... applied in order, each exactly once per database.

NEVER edit an applied migration: a database records the names of the migrations it has had
(set ``annotator`` in ``_sqlite_migrations``, one row per function name), so an edited one would
never run again on the files that already have it. Append a new function instead.

The list is read at every open (a database that has a migration this version does not know was
written by a newer version and is refused), but sqlite-utils, which runs the migrations, is
imported only when one is pending: that import costs 0.05-1 s (it imports pandas when installed)
and the annotation screen opens an up-to-date file. :class:`_MigrationList` therefore keeps the
shape of ``sqlite_utils.Migrations`` (the ``@migrations()`` decorator, a ``_migrations`` list of
entries with ``name``, ``fn`` and ``transactional``, ``apply(db, stop_before=...)``) and hands
its entries to a real ``sqlite_utils.Migrations("annotator")`` in :meth:`_MigrationList.apply`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Migration:
    name: str
    fn: Callable[[Any], None]
    transactional: bool = True


class _MigrationList:
    """This tool's migrations, in order (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[Any] = []  # _Migration, or sqlite-utils' own entries (tests)

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[F], F]:
        def register(fn: F) -> F:
            self._migrations.append(_Migration(name or fn.__name__, fn, transactional))
            return fn

        return register

    def names(self) -> list[str]:
        return [m.name for m in self._migrations]

    def apply(
        self, db: sqlite_utils.Database, *, stop_before: str | Iterable[str] | None = None
    ) -> None:
        """Apply the pending migrations with sqlite-utils (each in a savepoint of the caller's
        transaction, with its record in ``_sqlite_migrations``)."""
        from sqlite_utils import Migrations

        runner = Migrations(self.name)
        for m in self._migrations:
            runner(name=m.name, transactional=m.transactional)(m.fn)
        runner.apply(db, stop_before=stop_before)


migrations = _MigrationList("annotator")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """The whole data model: documents, sentences, schemes, annotators, annotations of all three
    levels, per-annotator progress, the append-only event log, and gold decisions."""
    db.executescript(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            external_id TEXT,
            title TEXT,
            source TEXT,
            url TEXT,
            published TEXT,
            language TEXT,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            meta TEXT NOT NULL DEFAULT '{}',
            origin TEXT,
            n_sentences INTEGER NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX idx_documents_source ON documents(source);
        CREATE INDEX idx_documents_external_id ON documents(external_id);

        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            paragraph INTEGER NOT NULL DEFAULT 0,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            UNIQUE (document_id, idx),
            CHECK (start >= 0 AND "end" > start)
        );

        CREATE TABLE schemes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            yaml TEXT NOT NULL,
            added_at TEXT NOT NULL,
            UNIQUE (name, version)
        );

        CREATE TABLE annotators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );

        -- One row per label applied. Undo/removal sets removed_at; the row stays for audit.
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            scheme_id INTEGER NOT NULL REFERENCES schemes(id),
            label_set TEXT NOT NULL,
            label TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('document', 'sentence', 'span')),
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            sentence_id INTEGER REFERENCES sentences(id) ON DELETE CASCADE,
            start INTEGER,
            "end" INTEGER,
            value REAL,
            note TEXT,
            created_at TEXT NOT NULL,
            removed_at TEXT,
            CHECK (level = 'document' OR sentence_id IS NOT NULL),
            CHECK (level != 'span' OR (start IS NOT NULL AND "end" > start))
        );
        CREATE INDEX idx_annotations_sentence ON annotations(sentence_id, annotator_id)
            WHERE removed_at IS NULL;
        CREATE INDEX idx_annotations_document ON annotations(document_id, annotator_id)
            WHERE removed_at IS NULL;
        CREATE INDEX idx_annotations_set ON annotations(scheme_id, label_set)
            WHERE removed_at IS NULL;

        -- Per annotator and sentence: seen / done, time spent, flag and note.
        -- "done with no label" is a row with status 'done' and no annotations: an answer.
        CREATE TABLE progress (
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            sentence_id INTEGER NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            scheme_id INTEGER REFERENCES schemes(id),
            status TEXT NOT NULL DEFAULT 'seen' CHECK (status IN ('seen', 'done')),
            seconds REAL NOT NULL DEFAULT 0,
            flag INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            seen_at TEXT NOT NULL,
            done_at TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator_id, sentence_id)
        );
        CREATE INDEX idx_progress_document ON progress(document_id, annotator_id);

        -- Per annotator and document: document-level panel answered, note, flag.
        CREATE TABLE document_progress (
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            scheme_id INTEGER REFERENCES schemes(id),
            status TEXT NOT NULL DEFAULT 'seen' CHECK (status IN ('seen', 'done')),
            flag INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator_id, document_id)
        );

        -- Where each annotator stands, per scheme, so a restart resumes there.
        CREATE TABLE positions (
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            scheme_id INTEGER NOT NULL REFERENCES schemes(id),
            sentence_id INTEGER REFERENCES sentences(id) ON DELETE SET NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator_id, scheme_id)
        );

        -- Append-only log of every annotation action: undo/redo, audit and merge replay it.
        -- action: add, remove, done, undone, note, flag, undo, redo, time ...
        -- before/after: JSON of the affected row(s); undo_of: the event an undo/redo reverses.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            scheme_id INTEGER REFERENCES schemes(id),
            ts TEXT NOT NULL,
            action TEXT NOT NULL,
            document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
            sentence_id INTEGER REFERENCES sentences(id) ON DELETE CASCADE,
            annotation_uid TEXT,
            before TEXT,
            after TEXT,
            undo_of INTEGER REFERENCES events(id)
        );
        CREATE INDEX idx_events_annotator ON events(annotator_id, id);

        -- Adjudication: one decision per unit (label set x sentence or document) and adjudicator.
        CREATE TABLE adjudications (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            scheme_id INTEGER NOT NULL REFERENCES schemes(id),
            label_set TEXT NOT NULL,
            level TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            sentence_id INTEGER REFERENCES sentences(id) ON DELETE CASCADE,
            adjudicator_id INTEGER NOT NULL REFERENCES annotators(id),
            choice TEXT NOT NULL,
            sources TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'resolved' CHECK (status IN ('resolved', 'unresolved')),
            note TEXT,
            created_at TEXT NOT NULL,
            superseded_at TEXT
        );
        CREATE INDEX idx_adjudications_unit ON adjudications(label_set, document_id, sentence_id)
            WHERE superseded_at IS NULL;

        -- The gold labels of a decision.
        CREATE TABLE gold (
            id INTEGER PRIMARY KEY,
            adjudication_id INTEGER NOT NULL REFERENCES adjudications(id) ON DELETE CASCADE,
            label_set TEXT NOT NULL,
            label TEXT NOT NULL,
            level TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            sentence_id INTEGER REFERENCES sentences(id) ON DELETE CASCADE,
            start INTEGER,
            "end" INTEGER,
            value REAL
        );
        CREATE INDEX idx_gold_adjudication ON gold(adjudication_id);

        CREATE VIEW annotation_view AS
        SELECT
            annotators.name AS annotator,
            a.label_set AS label_set,
            a.label AS label,
            a.level AS level,
            a.document_id AS document_id,
            a.sentence_id AS sentence_id,
            a.start AS start,
            a."end" AS "end",
            a.value AS value,
            a.note AS note,
            schemes.version AS scheme_version,
            a.created_at AS created_at,
            schemes.name AS scheme,
            a.id AS annotation_id
        FROM annotations a
        JOIN annotators ON annotators.id = a.annotator_id
        JOIN schemes ON schemes.id = a.scheme_id
        WHERE a.removed_at IS NULL;

        CREATE VIEW gold_view AS
        SELECT
            adjudications.label_set AS label_set,
            gold.label AS label,
            gold.level AS level,
            gold.document_id AS document_id,
            gold.sentence_id AS sentence_id,
            gold.start AS start,
            gold."end" AS "end",
            gold.value AS value,
            annotators.name AS adjudicator,
            adjudications.choice AS choice,
            adjudications.sources AS sources,
            adjudications.created_at AS decided_at,
            schemes.name AS scheme,
            schemes.version AS scheme_version
        FROM gold
        JOIN adjudications ON adjudications.id = gold.adjudication_id
        JOIN annotators ON annotators.id = adjudications.adjudicator_id
        JOIN schemes ON schemes.id = adjudications.scheme_id
        WHERE adjudications.superseded_at IS NULL AND adjudications.status = 'resolved';
        """
    )
    db.table("sentences").enable_fts(
        ["text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


@migrations()
def m002_agreement_covering_index(db: sqlite_utils.Database) -> None:
    """A covering index for `annotator agree`: the current annotations of one label set are read
    from the index alone, already grouped by label, instead of one table row per annotation."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_annotations_agreement ON annotations (scheme_id, "
        'label_set, level, label, sentence_id, document_id, annotator_id, start, "end") '
        "WHERE removed_at IS NULL"
    )


@migrations()
def m003_done_scheme_version(db: sqlite_utils.Database) -> None:
    """Record the scheme version each done mark was made under (``done_scheme_id``).

    A sentence marked done under version 1 of a scheme answers the label sets version 1 had, not
    a set that version 2 added (``annotator.core.units``). ``scheme_id`` cannot say it: any later
    note or flag overwrites it. Existing done marks are attributed to the version of the latest
    ``done`` event that made them (the event log keeps it), else to the row's ``scheme_id``."""
    for sql in (
        "ALTER TABLE progress ADD COLUMN done_scheme_id INTEGER REFERENCES schemes(id)",
        "ALTER TABLE document_progress ADD COLUMN done_scheme_id INTEGER REFERENCES schemes(id)",
        "UPDATE progress SET done_scheme_id = scheme_id WHERE status = 'done'",
        "UPDATE progress SET done_scheme_id = x.scheme_id "
        "FROM (SELECT annotator_id, sentence_id, scheme_id, max(id) FROM events "
        "WHERE action = 'done' AND scheme_id IS NOT NULL GROUP BY annotator_id, sentence_id) AS x "
        "WHERE progress.status = 'done' AND x.annotator_id = progress.annotator_id "
        "AND x.sentence_id = progress.sentence_id",
        "UPDATE document_progress SET done_scheme_id = scheme_id WHERE status = 'done'",
    ):
        db.execute(sql)


@migrations()
def m004_assignments(db: sqlite_utils.Database) -> None:
    """Campaigns: which annotator codes which document (``annotator assign``).

    One row per (annotator, document). ``shared`` marks the calibration set every named annotator
    codes. A document handed over with ``annotator assign --move`` keeps its row for the
    annotator it was taken from, with ``released_at`` set (their finished work stays theirs),
    and gets a row for the new annotator with ``moved_from``. While no row exists every
    annotator is asked the whole corpus, as before campaigns (``annotator.core.units``)."""
    db.executescript(
        """
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
            assigned_at TEXT NOT NULL,
            seed INTEGER,
            moved_from INTEGER REFERENCES annotators(id),
            released_at TEXT,
            UNIQUE (annotator_id, document_id)
        );
        CREATE INDEX idx_assignments_document ON assignments(document_id);

        CREATE VIEW assignment_view AS
        SELECT
            annotators.name AS annotator,
            a.document_id AS document_id,
            documents.external_id AS external_id,
            documents.source AS source,
            documents.n_sentences AS sentences,
            a.shared AS shared,
            a.assigned_at AS assigned_at,
            previous.name AS moved_from
        FROM assignments a
        JOIN annotators ON annotators.id = a.annotator_id
        JOIN documents ON documents.id = a.document_id
        LEFT JOIN annotators previous ON previous.id = a.moved_from
        WHERE a.released_at IS NULL;
        """
    )


@migrations()
def m005_scheme_cache(db: sqlite_utils.Database) -> None:
    """The checked form of each stored scheme text (JSON, ``core.scheme.scheme_to_json``), keyed
    by the text's sha256 and the form's layout: opening a scheme (every ``annotate``, ``review``,
    ``report``) reads it instead of parsing and checking the YAML again with the safe, slow
    pure-Python parser. Filled here for the versions already stored (texts that no longer parse
    are left out: they are parsed, and reported, as before)."""
    from annotator.core.scheme import PARSED_FORMAT, check_scheme, scheme_to_json

    db.execute(
        "CREATE TABLE IF NOT EXISTS scheme_cache (sha256 TEXT NOT NULL, format INTEGER NOT NULL, "
        "parsed TEXT NOT NULL, PRIMARY KEY (sha256, format))"
    )
    for sha256, text in db.execute("SELECT sha256, yaml FROM schemes").fetchall():
        scheme, _ = check_scheme(text)
        if scheme is not None and scheme.sha256 == sha256:
            db.execute(
                "INSERT OR IGNORE INTO scheme_cache (sha256, format, parsed) VALUES (?, ?, ?)",
                [sha256, PARSED_FORMAT, scheme_to_json(scheme)],
            )


@migrations()
def m006_access_tokens(db: sqlite_utils.Database) -> None:
    """Access tokens for ``annotator serve``: who may open the annotation screen in a browser.

    Only a SHA-256 of each token is stored (a copy of the file does not let anyone in); the token
    decides the annotator, so a coder cannot write under another's name. ``role`` says which
    screen the token opens (``annotate``, or ``review`` for a lead). A revoked token keeps its row
    (``revoked_at``) so ``annotator tokens list`` can say when access ended."""
    db.executescript(
        """
        CREATE TABLE access_tokens (
            id INTEGER PRIMARY KEY,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
            role TEXT NOT NULL DEFAULT 'annotate' CHECK (role IN ('annotate', 'review')),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        );
        CREATE INDEX idx_access_tokens_annotator ON access_tokens(annotator_id);
        """
    )


@migrations()
def m007_attributes(db: sqlite_utils.Database) -> None:
    """Attributes of labels (scheme ``attributes:``): who speaks, about whom, agreeing or not.

    ``attribute_values``: one row per value chosen for an annotation (several for a ``multiple``
    attribute), kept like annotations: a changed or removed value gets ``removed_at`` and the
    event log (action ``attribute``) toggles rows by ``uid`` for undo/redo. The value is stored as
    the annotator typed or chose it.

    ``attribute_terms``: per stored scheme version, what each known value means: its canonical
    form (aliases: ``Lavrov`` -> ``Sergueï Lavrov``) and its number (closed values on a scale).
    Filled when a version is stored; schemes stored before this migration cannot have attributes.

    ``attribute_view``: one row per current value of a current annotation, beside
    ``annotation_view`` (which is unchanged): ``canonical`` and ``number`` follow the LATEST
    stored version of the annotation's scheme, so aliases added later apply to earlier work."""
    db.executescript(
        """
        CREATE TABLE attribute_values (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT
        );
        CREATE INDEX idx_attribute_values_annotation
            ON attribute_values(annotation_id, attribute);

        CREATE TABLE attribute_terms (
            scheme_id INTEGER NOT NULL REFERENCES schemes(id) ON DELETE CASCADE,
            label_set TEXT NOT NULL,
            attribute TEXT NOT NULL,
            term TEXT NOT NULL,
            canonical TEXT NOT NULL,
            number REAL,
            PRIMARY KEY (scheme_id, label_set, attribute, term)
        );

        CREATE VIEW attribute_view AS
        SELECT
            annotators.name AS annotator,
            a.label_set AS label_set,
            a.label AS label,
            a.level AS level,
            a.document_id AS document_id,
            a.sentence_id AS sentence_id,
            a.start AS start,
            a."end" AS "end",
            v.attribute AS attribute,
            v.value AS value,
            coalesce(t.canonical, v.value) AS canonical,
            t.number AS number,
            schemes.name AS scheme,
            schemes.version AS scheme_version,
            v.created_at AS created_at,
            a.id AS annotation_id,
            v.id AS attribute_value_id
        FROM attribute_values v
        JOIN annotations a ON a.id = v.annotation_id
        JOIN annotators ON annotators.id = a.annotator_id
        JOIN schemes ON schemes.id = a.scheme_id
        LEFT JOIN attribute_terms t
            ON t.scheme_id = (SELECT s2.id FROM schemes s2 WHERE s2.name = schemes.name
                              ORDER BY s2.version DESC LIMIT 1)
            AND t.label_set = a.label_set AND t.attribute = v.attribute AND t.term = v.value
        WHERE v.removed_at IS NULL AND a.removed_at IS NULL;
        """
    )


@migrations()
def m008_gold_origin(db: sqlite_utils.Database) -> None:
    """Where each gold label came from (``gold.origin``, see ``core.adjudicate.ORIGINS``):
    ``coder`` (a coder proposed exactly it), ``adjusted`` (a coder's span whose boundaries or
    label the adjudicator changed in review) or ``added`` (nothing a coder proposed); NULL for
    gold stored before this column existed. A decision whose gold holds an adjusted or added
    item was edited: a thesis can say how much of the gold is the adjudicator's own.

    Only adds a column (checked first, so it runs after whatever m007 did to other tables)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(gold)").fetchall()}
    if "origin" not in columns:
        db.execute(
            "ALTER TABLE gold ADD COLUMN origin TEXT "
            "CHECK (origin IS NULL OR origin IN ('coder', 'adjusted', 'added'))"
        )


@migrations()
def m009_gold_attributes(db: sqlite_utils.Database) -> None:
    """Attribute values of gold labels (issue 18): a gold span or label taken from the coders
    keeps their values (actor, target...) when the accepted coder gave them, or when every coder
    who proposed it gave the same ones (``core.adjudicate.carried_values``). One row per value,
    deleted with its gold row; a superseded decision keeps its rows, as its gold does.

    ``gold_attribute_view``: one row per value of a current resolved gold label, beside
    ``gold_view`` (which is unchanged)."""
    db.executescript(
        """
        CREATE TABLE gold_attributes (
            id INTEGER PRIMARY KEY,
            gold_id INTEGER NOT NULL REFERENCES gold(id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL
        );
        CREATE INDEX idx_gold_attributes_gold ON gold_attributes(gold_id);

        CREATE VIEW gold_attribute_view AS
        SELECT
            adjudications.label_set AS label_set,
            gold.label AS label,
            gold.level AS level,
            gold.document_id AS document_id,
            gold.sentence_id AS sentence_id,
            gold.start AS start,
            gold."end" AS "end",
            ga.attribute AS attribute,
            ga.value AS value,
            annotators.name AS adjudicator,
            adjudications.choice AS choice,
            schemes.name AS scheme,
            schemes.version AS scheme_version,
            gold.id AS gold_id
        FROM gold_attributes ga
        JOIN gold ON gold.id = ga.gold_id
        JOIN adjudications ON adjudications.id = gold.adjudication_id
        JOIN annotators ON annotators.id = adjudications.adjudicator_id
        JOIN schemes ON schemes.id = adjudications.scheme_id
        WHERE adjudications.superseded_at IS NULL AND adjudications.status = 'resolved';
        """
    )


# --- add new migrations ABOVE this line, numbered after the last one (m009_...) ---


def known_migrations() -> frozenset[str]:
    """Names of the migrations this version of the tool knows."""
    return frozenset(migrations.names())
