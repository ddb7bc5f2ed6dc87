"""``annotator merge``: bring databases annotated on other machines into this one.

Documents match by the hash of their text, annotators by name, schemes by (name, version,
sha256); annotations, events and decisions by uid. Work only one side has is copied. When the
same annotator changed the same unit (one label set on one sentence, or on the document) on
both sides since they parted, the side whose latest change (from the event log, else the
annotations' own times) is later wins, and the conflict is reported. A second merge of the same
database finds nothing new and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.services.export.common import Selection, Walker
from annotator.services.export.jsonl import document_record, header_record
from annotator.services.import_annotations import AnnotationImportError
from annotator.services.import_insert import InsertNew
from annotator.services.import_jsonl import Records
from annotator.store import DatabaseError, Store, StoreError

Unit = tuple[str, str, str, int | None]  # annotator, label set, level, sentence idx


@dataclass
class MergeReport:
    source: str
    documents_new: int = 0
    annotations_new: int = 0
    annotations_changed: int = 0
    events_new: int = 0
    progress_changed: int = 0
    conflicts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.documents_new or self.annotations_new or self.annotations_changed
            or self.events_new or self.progress_changed
        )


def _touched(event: dict[str, Any]) -> set[str]:
    uids = {event["annotation_uid"]} if event["annotation_uid"] else set()
    for key in ("before", "after"):
        try:
            state = json.loads(event[key] or "{}")
        except json.JSONDecodeError:
            continue
        if isinstance(state, dict):
            uids.update((state.get("annotations") or {}).keys())
    return uids


def _news(events: Iterable[dict[str, Any]], other: set[str]) -> tuple[dict[str, str], dict[
    tuple[str, str | None, int | None], str]]:
    """Latest time of the events the other side lacks: per annotation uid, and per progress
    unit (annotator, document sha256, sentence idx)."""
    per_uid: dict[str, str] = {}
    per_progress: dict[tuple[str, str | None, int | None], str] = {}
    for e in events:
        if e["uid"] in other:
            continue
        for uid in _touched(e):
            per_uid[uid] = max(per_uid.get(uid, ""), e["ts"])
        if "progress" in (e["after"] or "") or e["action"] in ("done", "undone", "note", "flag"):
            key = (e["annotator"], e["document_sha256"], e["sentence_idx"])
            per_progress[key] = max(per_progress.get(key, ""), e["ts"])
    return per_uid, per_progress


@dataclass(frozen=True)
class Scope:
    """Part of the other database to merge: some annotators' work on some documents (source
    database ids), without decisions or gold. An offline copy (``annotator checkout``) is a
    scoped merge into an empty file."""

    annotators: list[str]
    documents: set[int]


class MergeParts:
    """How a merge stores a document's parts: what only the other database has is copied, and
    where the same unit changed on both sides the later change (by the event logs) wins and the
    conflict is reported. Composes the import's reading of records (:class:`Records`) and its
    plain insertion (:class:`InsertNew`) instead of inheriting from them."""

    def __init__(
        self, store: Store, source: Store, report: MergeReport, scope: Scope | None = None
    ) -> None:
        self.store = store
        self.source = source
        self.report = report
        self.scope = scope
        self.insert = InsertNew()
        self.src_events = source.annotations.events_for_export()
        if scope is not None:
            shas = {
                d["sha256"] for d in source.corpus.documents() if int(d["id"]) in scope.documents
            }
            self.src_events = [
                e for e in self.src_events
                if e["annotator"] in scope.annotators
                and (e["document_sha256"] is None or e["document_sha256"] in shas)
            ]
        self.tgt_events = store.annotations.events_for_export()
        src_uids = {e["uid"] for e in self.src_events}
        tgt_uids = {e["uid"] for e in self.tgt_events}
        self.src_news, self.src_prog_news = _news(self.src_events, tgt_uids)
        self.tgt_news, self.tgt_prog_news = _news(self.tgt_events, src_uids)
        self.tgt_removed = store.annotations.removed_by_document()
        # annotations some event speaks about: their state is explained by the logs
        self.evented = set().union(*(_touched(e) for e in self.src_events + self.tgt_events))
        self.doc_sha = ""

    def run(self) -> None:
        r = Records(self.store, Path(self.source.path))
        selection = Selection()
        if self.scope is not None:
            selection = Selection(annotators=self.scope.annotators,
                                  documents=frozenset(self.scope.documents))
        walker = Walker(self.source, selection, lambda _m: None)
        with self.store.db.atomic():
            r.header(0, header_record(self.source, walker))
            for doc in walker:
                rec = document_record(doc)
                self.doc_sha = rec["sha256"]
                r.document(0, rec, self)
            self._events(r)
        self.report.documents_new = r.result.documents_new
        self.report.annotations_new = r.result.annotations_new

    # ---------------------------------------------------------------- annotations
    def annotations(
        self, records: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        text = rec["text"]
        src = [(a, False) for a in rec["annotations"]] + [
            (a, True) for a in rec["removed_annotations"]
        ]
        tgt_rows = self.store.annotations.of_document(doc_id) + self.tgt_removed.get(doc_id, [])
        tgt = {r["uid"]: r for r in tgt_rows}
        units: dict[Unit, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        for a, _ in src:
            key = (a["annotator"], a["label_set"], a["level"], a["sentence"])
            units.setdefault(key, ([], []))[0].append(a)
        for r in tgt_rows:
            key = (r["annotator"], r["label_set"], r["level"], r["sentence_idx"])
            units.setdefault(key, ([], []))[1].append(r)
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str | None, str]] = []
        values_new: list[dict[str, Any]] = []  # attribute values: added when unknown here
        values_won: list[dict[str, Any]] = []  # ... and their removal follows the winning side
        for unit, (s_rows, t_rows) in units.items():
            if not s_rows:
                continue
            s_map = {a["uid"]: a for a in s_rows}
            t_map = {r["uid"]: r for r in t_rows}
            s_ts = self._side_news(s_map, t_map, self.src_news, self.evented)
            t_ts = self._side_news(t_map, s_map, self.tgt_news, self.evented)
            if not s_ts:
                values_new.extend(v for a in s_rows for v in records.attribute_values(lineno, a))
                continue
            src_wins = not t_ts or s_ts > t_ts
            for a in s_rows:
                for v in records.attribute_values(lineno, a):
                    if src_wins:
                        values_won.append(v)
                    else:  # kept for the audit trail, not as a current value
                        values_new.append({**v, "removed_at": v["removed_at"] or t_ts})
            if t_ts:
                self.report.conflicts.append(
                    f"{unit[0]}: {unit[1]} on {self._where(rec, unit)} changed in both databases; "
                    + self._kept(s_ts, t_ts)
                )
            for uid, a in s_map.items():
                if uid not in tgt:
                    row = records.annotation_row(lineno, a, True, text, doc_id, sent_ids)
                    if not src_wins and row["removed_at"] is None:
                        row["removed_at"] = t_ts
                    inserts.append(row)
                elif src_wins and tgt[uid]["removed_at"] != a.get("removed_at"):
                    updates.append((a.get("removed_at"), uid))
            if src_wins:
                for uid, r in t_map.items():
                    if uid not in s_map and r["removed_at"] is None:
                        updates.append((s_ts, uid))
        self.store.db.bulk_insert("annotations", inserts)
        self.store.annotations.set_removed_at(updates)
        self.store.attributes.import_rows(values_new)
        self.store.attributes.import_rows(values_won, update_removed=True)
        records.result.annotations_new += len(inserts)
        self.report.annotations_changed += len(updates)

    @staticmethod
    def _side_news(
        mine: dict[str, dict[str, Any]],
        theirs: dict[str, dict[str, Any]],
        news: dict[str, str],
        evented: set[str],
    ) -> str:
        """Time of this side's latest change to the unit that the other side has not seen
        ("" when none)."""
        times = [news[u] for u in (set(mine) | set(theirs)) if u in news]
        for uid, a in mine.items():
            if uid not in theirs:
                times.append(max(a["created_at"], a.get("removed_at") or ""))
            elif uid not in evented and a.get("removed_at") != theirs[uid].get("removed_at"):
                # no event says who changed it: a removal is the later change
                mine_r, theirs_r = a.get("removed_at"), theirs[uid].get("removed_at")
                if mine_r and (not theirs_r or mine_r > theirs_r):
                    times.append(mine_r)
        return max(times, default="")

    def _kept(self, s_ts: str, t_ts: str) -> str:
        src, tgt = Path(self.source.path).name, Path(self.store.path).name
        won, lost = ((src, s_ts), (tgt, t_ts)) if s_ts > t_ts else ((tgt, t_ts), (src, s_ts))
        return f"kept the later change in {won[0]} ({won[1]}) over {lost[0]} ({lost[1]})"

    def _where(self, rec: dict[str, Any], unit: Unit) -> str:
        doc = rec.get("id") or rec["sha256"][:12]
        return f"document {doc}" + (f" sentence {unit[3]}" if unit[3] is not None else "")

    # ---------------------------------------------------------------- progress
    def progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        current = self.store.progress.rows_of_document(doc_id)
        rows = []
        for p in rec["progress"]:
            row = r.progress_row(lineno, p, doc_id, sent_ids)
            who, sid = row["annotator_id"], row["sentence_id"]
            old = current.get((who, sid))
            if old is None:
                rows.append(row)
                continue
            same = all(old[k] == row[k] for k in ("status", "flag", "note", "done_at"))
            seconds = max(float(old["seconds"]), float(row["seconds"]))
            if same:
                if seconds != old["seconds"]:
                    rows.append({**old, "seconds": seconds})
                continue
            key = (p["annotator"], self.doc_sha, p["sentence"])
            s_ts = self.src_prog_news.get(key, "")
            t_ts = self.tgt_prog_news.get(key, "")
            if not s_ts and not t_ts:  # no events: the later state wins
                if row["updated_at"] > old["updated_at"]:
                    rows.append({**row, "seconds": seconds})
                continue
            if not s_ts:
                continue
            if t_ts:
                self.report.conflicts.append(
                    f"{p['annotator']}: progress (done/flag/note) on "
                    f"{self._where(rec, ('', '', '', p['sentence']))} changed in both databases; "
                    + self._kept(s_ts, t_ts)
                )
            if not t_ts or s_ts > t_ts:
                rows.append({**row, "seconds": seconds})
        self.store.db.bulk_insert("progress", rows, replace=True)
        self.report.progress_changed += len(rows)

    def document_progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int
    ) -> None:
        current = self.store.progress.panel_rows_of_document(doc_id)
        rows = []
        for p in rec["document_progress"]:
            row = r.document_progress_row(lineno, p, doc_id)
            who = row["annotator_id"]
            old = current.get(who)
            if old is None or (
                any(old[k] != row[k] for k in ("status", "flag", "note"))
                and row["updated_at"] > old["updated_at"]
            ):
                rows.append(row)
        self.store.db.bulk_insert("document_progress", rows, replace=True)
        self.report.progress_changed += len(rows)

    def adjudications(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        if self.scope is not None:
            return  # a scoped merge carries work, not decisions
        if self.insert.known_adjudications is None:
            self.insert.known_adjudications = self.store.adjudications.uids()
        for j in rec["adjudications"]:
            if j["uid"] in self.insert.known_adjudications and j["superseded_at"]:
                self.store.adjudications.supersede(j["uid"], j["superseded_at"])
        self.insert.adjudications(r, lineno, rec, doc_id, sent_ids)

    # ---------------------------------------------------------------- events
    @staticmethod
    def _check_event(r: Records, e: dict[str, Any]) -> None:
        """An event of the other database is what this tool writes: a uid, a known action, a
        time, a valid annotator, JSON states, and a sentence of its own document."""
        what = f"event {e['uid']!r}"
        if not isinstance(e["uid"], str) or not e["uid"]:
            raise r.fail(0, f"{what}: uid must be text")
        r.check_name(0, e["annotator"], "annotator name")
        if not isinstance(e["action"], str) or not e["action"].isidentifier():
            raise r.fail(0, f"{what}: unknown action {e['action']!r}")
        if not isinstance(e["ts"], str) or not e["ts"]:
            raise r.fail(0, f"{what}: ts must be a time stamp")
        idx = e["sentence_idx"]
        if idx is not None and (not isinstance(idx, int) or isinstance(idx, bool) or idx < 0):
            raise r.fail(0, f"{what}: bad sentence index {idx!r}")
        if idx is not None and not e["document_sha256"]:
            raise r.fail(0, f"{what}: a sentence without its document")
        for key in ("before", "after"):
            if e[key] is None:
                continue
            try:
                state = json.loads(e[key])
            except (TypeError, ValueError):
                raise r.fail(0, f"{what}: {key} is not JSON") from None
            if not isinstance(state, dict):
                raise r.fail(0, f"{what}: {key} is not a JSON object")

    def _events(self, r: Records) -> None:
        known = self.store.annotations.event_ids_by_uid()
        docs = {d["sha256"]: int(d["id"]) for d in self.store.corpus.documents()}
        sent_cache: dict[int, list[int]] = {}
        rows = []
        undo: list[tuple[str, str]] = []
        for e in self.src_events:
            if e["uid"] in known:
                continue
            self._check_event(r, e)
            doc_id = docs.get(e["document_sha256"]) if e["document_sha256"] else None
            sid = None
            if doc_id is not None and e["sentence_idx"] is not None:
                if doc_id not in sent_cache:
                    sent_cache[doc_id] = [int(s["id"]) for s in self.store.corpus.sentences(doc_id)]
                sents = sent_cache[doc_id]
                if not 0 <= int(e["sentence_idx"]) < len(sents):
                    raise r.fail(0, f"event {e['uid']}: sentence {e['sentence_idx']} of a "
                                 f"document of {len(sents)} sentences")
                sid = sents[int(e["sentence_idx"])]
            rows.append(
                {"uid": e["uid"], "annotator_id": r.annotator(e["annotator"]),
                 "scheme_id": r.scheme(0, e["scheme"], e["scheme_version"]),
                 "ts": e["ts"], "action": e["action"], "document_id": doc_id,
                 "sentence_id": sid, "annotation_uid": e["annotation_uid"],
                 "before": e["before"], "after": e["after"], "undo_of": None}
            )
            if e["undo_of_uid"]:
                undo.append((e["undo_of_uid"], e["uid"]))
        self.store.db.bulk_insert("events", rows)
        self.store.annotations.link_undo_events(undo)
        self.report.events_new += len(rows)


def merge_scoped(store: Store, source: Store, scope: Scope) -> MergeReport:
    """Merge part of an open database (``scope``) into ``store``; all or nothing."""
    report = MergeReport(source=str(source.path))
    try:
        MergeParts(store, source, report, scope).run()
    except AnnotationImportError as exc:
        raise StoreError(str(exc)) from None
    return report


def merge_database(store: Store, other: str | Path) -> MergeReport:
    """Merge one database file into ``store``; all or nothing."""
    path = Path(other)
    if not path.is_file():
        raise StoreError(f"{path}: no such database")
    if store.path != ":memory:" and path.resolve() == Path(store.path).resolve():
        raise StoreError(f"{path}: is the target database itself")
    try:
        source = Store.open(path, create=False, readonly=True)
    except StoreError as exc:
        raise StoreError(_about(path, str(exc))) from None
    report = MergeReport(source=str(path))
    try:
        MergeParts(store, source, report).run()
    except AnnotationImportError as exc:
        raise StoreError(_about(path, str(exc).replace(f"{path}:0: ", ""))) from None
    except StoreError as exc:  # a row the target refuses: the fault is in the source
        raise StoreError(_about(path, str(exc))) from None
    except DatabaseError as exc:
        raise StoreError(_about(path, f"cannot be merged ({exc})")) from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise StoreError(_about(path, f"holds a row this version cannot read ({exc!r})")) from None
    finally:
        source.close()
    return report


def _about(path: Path, message: str) -> str:
    """A merge problem, one line naming the source database it comes from (nothing of it was
    merged: the merge is one transaction)."""
    message = message.removeprefix(f"{path}: ").replace("\r", "\\r").replace("\n", "\\n")
    return f"{path}: {message}; nothing merged from it"
