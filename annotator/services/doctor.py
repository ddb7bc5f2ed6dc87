"""`annotator doctor`: find (and where safe, repair) what would make stored work unreliable.

Each check returns findings that say what is wrong, how many rows, a few examples, and how to
repair it. ``repair`` fixes only what can be re-derived from data that is the source of truth:
the full-text index (from the sentences), sentence texts (from the document text), orphan rows
(rows whose parent is gone) and annotation/progress state (from the append-only event log).
A backup copy of the database is written before any repair.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotator.store import UNDOABLE, Store

if TYPE_CHECKING:
    from annotator.core.scheme import Attribute, Scheme

EXAMPLES = 5


@dataclass
class Finding:
    """One kind of problem found by a check."""

    check: str
    message: str
    count: int
    how: str
    repairable: bool = False
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        ex = f" (e.g. {'; '.join(self.examples[:EXAMPLES])})" if self.examples else ""
        return f"{self.check}: {self.message}{ex} -> {self.how}"


# ------------------------------------------------------------------------------------ checks
def check_integrity(store: Store) -> list[Finding]:
    errors = store.maintenance.integrity_errors()
    if not errors:
        return []
    return [
        Finding(
            "integrity", "SQLite integrity check failed", len(errors),
            "restore the newest backup (*.bak-*, *.doctor-*) or run `sqlite3 DB .recover`; "
            "not repaired automatically",
            examples=errors[:EXAMPLES],
        )
    ]


def check_orphans(store: Store) -> list[Finding]:
    bad = store.maintenance.foreign_key_violations()
    if not bad:
        return []
    per_table: dict[str, int] = {}
    for v in bad:
        per_table[v["table"]] = per_table.get(v["table"], 0) + 1
    return [
        Finding(
            "orphans",
            "rows whose parent row is gone: "
            + ", ".join(f"{t} {n}" for t, n in sorted(per_table.items())),
            len(bad),
            "`annotator doctor --repair` deletes them (after a backup)",
            repairable=True,
            examples=[
                f"{v['table']} rowid {v['rowid']} -> missing {v['parent']}" for v in bad[:EXAMPLES]
            ],
        )
    ]


def _stored_schemes(store: Store) -> tuple[dict[int, Scheme], list[str]]:
    """Every stored scheme version that parses, by id; plus the unreadable ones."""
    from annotator.core.scheme import parse_scheme

    out: dict[int, Scheme] = {}
    broken: list[str] = []
    for row in sorted(store.schemes.versions(), key=lambda r: int(r["id"])):
        try:
            out[int(row["id"])] = parse_scheme(
                row["yaml"], f"<stored {row['name']} v{row['version']}>"
            )
        except Exception as exc:  # a stored scheme that no longer parses is itself a finding
            broken.append(f"{row['name']} v{row['version']}: {str(exc).splitlines()[0][:120]}")
    return out, broken


def _scheme_labels(store: Store) -> tuple[dict[int, dict[str, tuple[str, set[str]]]], list[str]]:
    """Per stored scheme id: label set name -> (level, label names); plus unreadable schemes."""
    schemes, broken = _stored_schemes(store)
    out: dict[int, dict[str, tuple[str, set[str]]]] = {
        sid: {ls.name: (ls.level, {lab.name for lab in ls.labels}) for ls in scheme.label_sets}
        for sid, scheme in schemes.items()
    }
    return out, broken


def check_labels(store: Store) -> list[Finding]:
    schemes, broken = _scheme_labels(store)
    findings = []
    if broken:
        findings.append(
            Finding("schemes", "stored scheme versions that no longer parse", len(broken),
                    "store a corrected version with `annotator scheme add`", examples=broken)
        )
    bad: list[str] = []
    for r in store.annotations.current_labels():
        sets = schemes.get(int(r["scheme_id"]))
        if sets is None:
            continue
        entry = sets.get(r["label_set"])
        if entry is None:
            bad.append(f"annotation {r['id']}: no label set {r['label_set']!r}")
        elif entry[0] != r["level"]:
            bad.append(
                f"annotation {r['id']}: {r['label_set']} is {entry[0]}-level, not {r['level']}"
            )
        elif r["label"] not in entry[1]:
            bad.append(f"annotation {r['id']}: {r['label_set']}/{r['label']} not in its scheme")
    if bad:
        findings.append(
            Finding(
                "labels",
                "annotations whose label is not in the scheme version they were made under",
                len(bad),
                "store a scheme version that has the label, or `annotator scheme rename-label`; "
                "not repaired automatically",
                examples=bad,
            )
        )
    return findings


def check_attributes(store: Store) -> list[Finding]:
    """Attribute values the scheme does not allow. A value counts as allowed when the version
    the annotation was made under, or a later version of that scheme, allows it: a value is
    stored without its own version, and versions only ever add values and attributes (`scheme
    add` refuses to drop one in use), so a later version's value may sit on an older label.
    Three findings, none repaired automatically: each value is a coder's judgement, and the
    fix is a scheme version that has it or the coder's own change on the annotation screen."""
    rows = store.attributes.with_schemes()
    if not rows:
        return []
    schemes, _ = _stored_schemes(store)  # unreadable versions are check_labels' finding
    later: dict[int, list[Scheme]] = {}
    for sid, v in schemes.items():
        later[sid] = sorted(
            (s for s in schemes.values() if s.name == v.name and s.version >= v.version),
            key=lambda s: s.version,
        )

    def versions_of(sid: int, label_set: str, name: str) -> list[Attribute]:
        out = []
        for version in later.get(sid, []):
            ls = version.label_set(label_set)
            attr = ls.attribute(name) if ls is not None else None
            if attr is not None:
                out.append(attr)
        return out

    unknown: list[str] = []
    not_allowed: list[str] = []
    counts: dict[tuple[int, str], int] = {}
    single: dict[tuple[int, str], str] = {}
    for r in rows:
        sid, ls_name, name = int(r["scheme_id"]), str(r["label_set"]), str(r["attribute"])
        scheme = schemes.get(sid)
        if scheme is None or scheme.label_set(ls_name) is None:
            continue  # an unreadable version or a set not in it: check_labels says so
        where = f"value {r['id']} on annotation {r['annotation_id']}"
        attrs = versions_of(sid, ls_name, name)
        if not attrs:
            unknown.append(f"{where}: {ls_name} has no attribute {name!r} in {scheme.name}")
            continue
        if not any(a.accepts(str(r["value"])) for a in attrs):
            allowed = ", ".join(attrs[-1].names) if not attrs[-1].open else "one line of text"
            not_allowed.append(f"{where}: {ls_name}/{name} {str(r['value'])!r} ({allowed})")
        if not attrs[0].multiple:
            key = (int(r["annotation_id"]), name)
            counts[key] = counts.get(key, 0) + 1
            single[key] = ls_name
    several = [
        f"annotation {aid}: {single[(aid, name)]}/{name} has {n} values"
        for (aid, name), n in counts.items() if n > 1
    ]
    how = ("store a scheme version that has it (`annotator scheme add`), or change the value "
           "on the annotation screen (ctrl+a); not repaired automatically")
    findings = []
    if unknown:
        findings.append(Finding(
            "attribute-names", "attribute values of attributes their label set does not have",
            len(unknown), how, examples=unknown,
        ))
    if not_allowed:
        findings.append(Finding(
            "attribute-values", "attribute values the scheme's closed values do not allow",
            len(not_allowed), how, examples=not_allowed,
        ))
    if several:
        findings.append(Finding(
            "attribute-multiple", "several current values of a single-choice attribute",
            len(several),
            "keep one on the annotation screen (ctrl+a); not repaired automatically (which "
            "one is right is the coder's call)",
            examples=several,
        ))
    return findings


def check_offsets(store: Store) -> list[Finding]:
    findings = []
    bad_sent = store.maintenance.bad_sentence_offsets()
    if bad_sent:
        findings.append(
            Finding(
                "sentence-offsets", "sentences whose offsets fall outside their document",
                len(bad_sent), "re-import the document; not repaired automatically",
                examples=[f"sentence {r['id']} [{r['start']}, {r['end']}) in a text of {r['n']}"
                          for r in bad_sent[:EXAMPLES]],
            )
        )
    bad_text = store.maintenance.bad_sentence_texts()
    bad_count = store.maintenance.bad_sentence_counts()
    if bad_text or bad_count:
        findings.append(
            Finding(
                "sentence-text",
                "sentence texts that differ from their document's slice, or wrong sentence counts",
                len(bad_text) + len(bad_count),
                "`annotator doctor --repair` copies the text back from the document",
                repairable=True,
                examples=[f"sentence {r['id']}" for r in bad_text[:EXAMPLES]]
                + [f"document {r['id']} n_sentences" for r in bad_count[:EXAMPLES]],
            )
        )
    bad_span = store.maintenance.bad_annotation_offsets()
    if bad_span:
        findings.append(
            Finding(
                "span-offsets",
                "spans that do not start in their sentence or run past their document",
                len(bad_span),
                "remove them in the annotation screen or with SQL; not repaired automatically",
                examples=[
                    f"annotation {r['id']} [{r['start']}, {r['end']}) vs sentence "
                    f"[{r['s_start']}, {r['s_end']}) of document {r['s_doc']}"
                    for r in bad_span[:EXAMPLES]
                ],
            )
        )
    return findings


def check_fts(store: Store) -> list[Finding]:
    problems = store.maintenance.fts_problems()
    if not problems:
        return []
    return [
        Finding("search-index", "; ".join(problems), len(problems),
                "`annotator doctor --repair` rebuilds it from the sentences", repairable=True)
    ]


# ------------------------------------------------------------------------------- event replay
@dataclass
class Replayed:
    """The state an annotator's event log leads to."""

    annotations: dict[str, bool] = field(default_factory=dict)
    progress: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def replay(store: Store, annotator_id: int) -> Replayed:
    """Replay the event log forward: actions apply ``after``, undo applies its target's
    ``before``, redo its target's ``after``."""
    out = Replayed()
    events: dict[int, dict[str, Any]] = {}

    def apply(state_json: str | None, sentence_id: int | None, eid: int) -> None:
        try:
            state = json.loads(state_json or "{}")
        except json.JSONDecodeError:
            out.problems.append(f"event {eid}: before/after is not JSON")
            return
        for uid, active in state.get("annotations", {}).items():
            out.annotations[uid] = bool(active)
        if "progress" in state and sentence_id is not None:
            out.progress[int(sentence_id)] = state["progress"]

    for ev in store.annotations.events_of(annotator_id):
        events[ev["id"]] = ev
        if ev["action"] in ("undo", "redo"):
            target = events.get(ev["undo_of"])
            if target is None:
                out.problems.append(
                    f"event {ev['id']}: {ev['action']} of unknown event {ev['undo_of']}"
                )
                continue
            key = "before" if ev["action"] == "undo" else "after"
            apply(target[key], target["sentence_id"], ev["id"])
        elif ev["action"] in UNDOABLE or ev["action"] == "adopt":
            apply(ev["after"], ev["sentence_id"], ev["id"])
    return out


def _same_progress(state: dict[str, Any] | None, row: dict[str, Any] | None) -> bool:
    def norm(s: dict[str, Any] | None) -> tuple[Any, ...]:
        if s is None:
            return ("seen", 0, None)
        return (s.get("status") or "seen", int(s.get("flag") or 0), s.get("note") or None)

    return norm(state) == norm(row)


def replay_problems(store: Store, annotator_id: int, state: Replayed | None = None) -> list[str]:
    """Differences between the stored state and the replay of the annotator's events."""
    state = state or replay(store, annotator_id)
    problems = list(state.problems)
    rows = store.annotations.activity_of(annotator_id)
    for uid, active in state.annotations.items():
        if uid not in rows:
            if active:
                problems.append(f"annotation {uid}: in the event log but missing from annotations")
        elif bool(rows[uid]) != active:
            problems.append(
                f"annotation {uid}: stored as {'current' if rows[uid] else 'removed'}, "
                f"events say {'current' if active else 'removed'}"
            )
    for uid, active in rows.items():
        if uid not in state.annotations and active:
            problems.append(f"annotation {uid}: current but no event records it")
    progress = store.progress.marks_of(annotator_id)
    for sid in set(progress) | set(state.progress):
        if not _same_progress(state.progress.get(sid), progress.get(sid)):
            problems.append(
                f"progress of sentence {sid}: stored {_fmt(progress.get(sid))}, "
                f"events say {_fmt(state.progress.get(sid))}"
            )
    return problems


def log_imported_state(store: Store, annotator_ids: list[int] | set[int]) -> int:
    """Append ``adopt`` events so that each annotator's event log replays to the stored state.

    Imports write annotations and done marks directly (in bulk, from files that are the source
    of truth); this records them in the log afterwards, the opposite direction of ``repair``,
    so that `doctor` finds nothing right after a clean import. One event per sentence (or per
    document for document labels) carries that unit's annotations and marks. Call it inside the
    import's transaction. Returns the number of events logged."""
    total = 0
    for aid in sorted(annotator_ids):
        state = replay(store, aid)
        changes: dict[tuple[int, int | None], dict[str, Any]] = {}

        def change(
            scheme_id: int | None, doc: int, sentence: int | None,
            changes: dict[tuple[int, int | None], dict[str, Any]] = changes,
        ) -> dict[str, Any]:
            return changes.setdefault(
                (doc, sentence),
                {"scheme_id": scheme_id, "document_id": doc, "sentence_id": sentence,
                 "before": {}, "after": {}},
            )

        for uid, (active, scheme_id, doc, sentence) in store.annotations.places_of(aid).items():
            if state.annotations.get(uid, False) != active:
                c = change(scheme_id, doc, sentence)
                c["before"].setdefault("annotations", {})[uid] = not active
                c["after"].setdefault("annotations", {})[uid] = active
        marks = store.progress.marks_of(aid)
        for sid, row in marks.items():
            before = state.progress.get(sid)
            if not _same_progress(before, row):
                c = change(row["scheme_id"], int(row["document_id"]), sid)
                c["before"]["progress"] = before
                c["after"]["progress"] = {
                    "status": row["status"], "flag": int(row["flag"] or 0), "note": row["note"]
                }
        for sid, before in state.progress.items():
            if sid not in marks and not _same_progress(before, None):
                row_ = store.corpus.sentence(sid)
                if row_ is not None:
                    c = change(None, int(row_["document_id"]), sid)
                    c["before"]["progress"], c["after"]["progress"] = before, None
        total += store.annotations.adopt_state(aid, changes.values())
    return total


def _fmt(s: dict[str, Any] | None) -> str:
    if s is None:
        return "nothing"
    flag = " flagged" if s.get("flag") else ""
    note = " with note" if s.get("note") else ""
    return f"{s.get('status')}{flag}{note}"


def check_events(store: Store) -> list[Finding]:
    bad: list[str] = []
    for a in sorted(store.schemes.annotators(), key=lambda a: a.id):
        bad += [f"{a.name}: {p}" for p in replay_problems(store, a.id)]
    if not bad:
        return []
    return [
        Finding(
            "events", "annotation state that the event log does not replay to", len(bad),
            "`annotator doctor --repair` sets the state to the replay of the events and records "
            "unlogged current annotations in the log (after a backup)",
            repairable=True, examples=bad,
        )
    ]


CHECKS: list[tuple[str, Callable[[Store], list[Finding]]]] = [
    ("integrity", check_integrity),
    ("orphans", check_orphans),
    ("labels", check_labels),
    ("attributes", check_attributes),
    ("offsets", check_offsets),
    ("search-index", check_fts),
    ("events", check_events),
]


def diagnose(store: Store) -> list[Finding]:
    """Run every check; integrity failures stop the rest (other checks would read garbage)."""
    findings: list[Finding] = []
    for name, check in CHECKS:
        try:
            found = check(store)
        except Exception as exc:  # a check that cannot run is itself a finding
            found = [Finding(name, f"check could not run: {type(exc).__name__}: {exc}", 1,
                             "restore a backup or run `sqlite3 DB .recover`")]
        findings += found
        if name == "integrity" and found:
            break
    return findings


def repair(store: Store, findings: list[Finding]) -> tuple[str | None, list[str]]:
    """Repair the repairable findings after a backup; returns (backup path, what was done)."""
    todo = {f.check for f in findings if f.repairable}
    if not todo:
        return None, []
    backup = store.db.backup("doctor")
    done: list[str] = []
    if "orphans" in todo:
        done.append(f"deleted {store.maintenance.delete_orphans()} orphan row(s)")
    if "sentence-text" in todo:
        n = store.maintenance.fix_sentence_texts()
        done.append(f"restored {n} sentence text(s) from their documents")
    if "search-index" in todo or "sentence-text" in todo or "orphans" in todo:
        store.maintenance.rebuild_fts()
        done.append("rebuilt the full-text index")
    if "events" in todo:
        n = 0
        for a in sorted(store.schemes.annotators(), key=lambda a: a.id):
            aid = a.id
            state = replay(store, aid)
            if replay_problems(store, aid, state):
                store.annotations.restore_state(aid, state.annotations, state.progress)
                for uid in store.annotations.current_uids(aid):
                    if uid not in state.annotations:
                        store.annotations.adopt(aid, uid)
                n += 1
        done.append(f"set the state of {n} annotator(s) to the replay of their events")
    return backup, done
