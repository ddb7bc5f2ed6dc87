"""``import-annotations``: our lossless JSONL export back in, and SemEval/PTC span files.

Both are all-or-nothing: every problem is collected as ``FILE:LINE: cause`` first, and nothing is
written unless the whole input is valid. Rows already present (same annotation uid, same
document text) are left as they are, so importing twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from annotator.core import adjudicate as adj
from annotator.core.untrusted import clean_field, first_unsafe, name_problem, not_regular_file
from annotator.services.doctor import log_imported_state
from annotator.store import DatabaseError, Store, StoreError, new_uid, now

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme

MAX_PROBLEMS = 20
SPAN_FILE = re.compile(r"article([A-Za-z0-9_.-]+?)(?:-labels.*|\.task.*|\.labels)?\.(txt|labels)$")
# An article id names the file article<ID>.txt: letters, digits, "_", "-" and inner dots only,
# so that no id can climb out of the articles folder ("s/../../etc/x").
ARTICLE_ID = re.compile(r"[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
OFFSET = re.compile(r"[0-9]{1,12}")  # ASCII digits: "²".isdigit() is true, int("²") fails


class AnnotationImportError(Exception):
    """The input cannot be imported; ``problems`` are one-line ``FILE:LINE: cause`` messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "import failed")
        self.problems = problems


@dataclass
class ImportResult:
    documents_new: int = 0
    documents_present: int = 0
    annotations_new: int = 0
    annotations_present: int = 0
    warnings: list[str] = field(default_factory=list)


def _is_int(v: object) -> TypeGuard[int]:
    """An integer SQLite can store (a Python int may have any number of digits)."""
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def _is_number(v: object) -> TypeGuard[int | float]:
    """A storable integer or a finite float."""
    return _is_int(v) or (isinstance(v, float) and math.isfinite(v))


def _text_or_none(v: object) -> bool:
    return v is None or isinstance(v, str)


def _field(value: object) -> str | None:
    """A document's metadata field from a record: text, cleaned only when it holds control
    characters or line breaks (annotator.core.untrusted), so clean exports round-trip exactly."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"metadata must be text, not {type(value).__name__}")
    if first_unsafe(value) is None and "\n" not in value and "\t" not in value:
        return value
    return clean_field(value) or None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ----------------------------------------------------------------------------------- jsonl
def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    special = not_regular_file(path)
    if special is not None:
        raise AnnotationImportError([f"{path}: {special}"])
    try:
        f = path.open("rb")  # closed below; streamed line by line
    except OSError as exc:
        raise AnnotationImportError([f"{path}: {exc.strerror or exc}"]) from None
    with f:
        yield from _records(path, f)


def _records(path: Path, f: Iterable[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    from annotator.services.importing import InputError, json_record

    for lineno, raw in enumerate(f, start=1):
        if not raw.strip():
            continue
        try:
            rec = json_record(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise AnnotationImportError(
                [f"{path}:{lineno}: not UTF-8 (byte {exc.start} of the line)"]
            ) from None
        except InputError as exc:
            raise AnnotationImportError([f"{path}:{lineno}: {exc}"]) from None
        if not isinstance(rec, dict):
            raise AnnotationImportError([f"{path}:{lineno}: expected a JSON object"])
        yield lineno, rec


class Records:
    """Reads JSONL export records into this database: ids for names, schemes and sentences,
    checked rows, and problems as ``FILE:LINE: cause``. How a document's parts are then stored
    is up to a ``Parts`` object: :class:`InsertNew` for an import, the merge's own for a merge.
    """

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self.result = ImportResult()
        self.schemes: dict[tuple[str, int], int] = {}
        self.parsed: dict[int, Scheme] = {}
        self.annotators: dict[str, int] = {}
        self.bounds: list[tuple[int, int]] = []  # the current document's sentences
        self.uids: set[Any] = set()  # uids of the annotations and decisions read so far

    def fail(self, lineno: int, message: str) -> AnnotationImportError:
        """One problem, on one line whatever the data quoted in it holds."""
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        return AnnotationImportError([f"{self.path}:{lineno}: {message}"])

    def header(self, lineno: int, header: dict[str, Any]) -> None:
        """Store the header's schemes (each a valid scheme whose name, version and hash are its
        text's) and annotators (valid names)."""
        from annotator.core.scheme import SchemeError, parse_scheme

        for s in header.get("schemes") or []:
            text = s["yaml"]
            name, version = s["name"], s["version"]
            if not (isinstance(text, str) and _is_int(version) and isinstance(name, str)
                    and isinstance(s["sha256"], str) and _text_or_none(s["added_at"])):
                raise self.fail(lineno, "bad header record (a scheme needs a name, an integer "
                                "version, its yaml text and sha256, and a time stamp or null)")
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != s["sha256"]:
                raise self.fail(lineno, f"scheme {name} v{version}: sha256 does not "
                                "match its text")
            try:
                parsed = parse_scheme(text, f"<scheme {name} v{version}>")
            except SchemeError as exc:
                first = str(exc).splitlines()[0]
                raise self.fail(lineno, f"scheme {name} v{version} is not a valid scheme "
                                f"({first})") from None
            if (parsed.name, parsed.version) != (name, version):
                raise self.fail(lineno, f"scheme {name} v{version}: its text is scheme "
                                f"{parsed.name} v{parsed.version}")
            try:
                sid = self.store.schemes.import_row(
                    name, version, s["sha256"], text, s["added_at"] or now()
                )
            except StoreError as exc:
                raise self.fail(lineno, str(exc)) from None
            self.schemes[(name, version)] = sid
            self.parsed[sid] = parsed
        for a in header.get("annotators") or []:
            self.check_name(lineno, a["name"], "annotator name")
            if not _text_or_none(a["created_at"]):
                raise self.fail(lineno, f"annotator {a['name']}: created_at must be a time "
                                "stamp or null")
            self.annotators[a["name"]] = self.store.schemes.import_annotator(
                a["name"], a["created_at"] or now()
            )

    def check_name(self, lineno: int, name: object, what: str) -> None:
        problem = name_problem(name, what)
        if problem is not None:
            raise self.fail(lineno, problem)

    def scheme_object(self, scheme_id: int) -> Scheme:
        """The parsed scheme version of a stored scheme id (its label sets validate rows)."""
        from annotator.core.scheme import parse_scheme

        if scheme_id not in self.parsed:
            row = next(r for r in self.store.schemes.versions() if int(r["id"]) == scheme_id)
            self.parsed[scheme_id] = parse_scheme(
                row["yaml"], f"<stored {row['name']} v{row['version']}>"
            )
        return self.parsed[scheme_id]

    def annotator(self, name: str) -> int:
        if name not in self.annotators:
            self.annotators[name] = self.store.schemes.annotator_id(name)
        return self.annotators[name]

    def scheme(self, lineno: int, name: str | None, version: int | None) -> int | None:
        if name is None:
            return None
        if not isinstance(name, str) or not (version is None or _is_int(version)):
            raise self.fail(lineno, f"scheme {name!r} v{version!r}: a scheme is a name and an "
                            "integer version")
        key = (name, int(version or 0))
        if key not in self.schemes:
            known = self.store.schemes.ids_by_key().get(key)
            if known is None:
                raise self.fail(lineno, f"scheme {name} v{version} is neither in the header nor "
                                "in the database")
            self.schemes[key] = known[0]
        return self.schemes[key]

    def sentence(self, lineno: int, sent_ids: list[int], idx: int) -> int:
        if not isinstance(idx, int) or not 0 <= idx < len(sent_ids):
            raise self.fail(lineno, f"sentence index {idx!r} out of range "
                            f"(the document has {len(sent_ids)} sentences)")
        return sent_ids[idx]

    def document(self, lineno: int, rec: dict[str, Any], parts: Parts) -> None:
        """Store the document (unless its text is here already), then its parts."""
        text = rec["text"]
        if not isinstance(text, str) or not text:
            raise self.fail(lineno, "`text` must be a non-empty string")
        sha = sha256_text(text)
        if sha != rec["sha256"]:
            raise self.fail(lineno, "sha256 does not match the text (edited by hand?)")
        sentences = rec["sentences"]
        end = 0
        for i, s in enumerate(sentences):
            if not all(_is_int(s[k]) for k in ("idx", "start", "end", "paragraph")):
                raise self.fail(lineno, f"sentence {i}: idx, start, end and paragraph must be "
                                "integers")
            if not (0 <= s["start"] < s["end"] <= len(text)):
                raise self.fail(lineno, f"sentence {s['idx']}: offsets {s['start']}-{s['end']} "
                                f"outside the text ({len(text)} characters)")
            if s["idx"] != i or s["start"] < end:
                raise self.fail(lineno, f"sentence {s['idx']}: sentences must be numbered from 0 "
                                "in text order, without overlapping")
            end = s["end"]
        self.bounds = [(int(s["start"]), int(s["end"])) for s in sentences]
        if not _text_or_none(rec.get("imported_at")):
            raise self.fail(lineno, "imported_at must be a time stamp or null")
        self.check_parts(lineno, rec, text)
        row = {
            "external_id": _field(rec.get("id")), "title": _field(rec.get("title")),
            "source": _field(rec.get("source")), "url": _field(rec.get("url")),
            "published": _field(rec.get("published")), "language": _field(rec.get("language")),
            "text": text, "sha256": sha,
            "meta": json.dumps(rec.get("meta") or {}, ensure_ascii=False, sort_keys=True,
                               allow_nan=False),
            "origin": _field(rec.get("origin")), "imported_at": rec.get("imported_at") or now(),
        }
        doc_id, sent_ids, created = self.store.corpus.import_document(row, sentences)
        if created:
            self.result.documents_new += 1
        else:
            self.result.documents_present += 1
        parts.annotations(self, lineno, rec, doc_id, sent_ids)
        parts.progress(self, lineno, rec, doc_id, sent_ids)
        parts.document_progress(self, lineno, rec, doc_id)
        parts.adjudications(self, lineno, rec, doc_id, sent_ids)

    # ------------------------------------------------------------ the annotation screen's rules
    def check_parts(self, lineno: int, rec: dict[str, Any], text: str) -> None:
        """Every annotation, progress mark and decision of a document record obeys the rules
        the annotation screen applies, against its scheme version and the document text:
        known label sets of the right level, labels of the set (names without tabs, line breaks
        or control characters), valid annotator names, spans inside their sentence, one label
        per unit in a single-choice set, done/seen marks, numeric times. Raises the first
        problem as ``FILE:LINE: cause`` (the whole file is then refused)."""
        single: set[tuple[Any, ...]] = set()
        for removed, key in ((False, "annotations"), (True, "removed_annotations")):
            for a in rec.get(key) or []:
                self.check_name(lineno, a["annotator"], "annotator name")
                ls = self.check_label(lineno, a, f"annotation {a['uid']!r}")
                if not isinstance(a["uid"], str) or not a["uid"]:
                    raise self.fail(lineno, f"annotation {a['uid']!r}: uid must be a string")
                if a["uid"] in self.uids:
                    raise self.fail(lineno, f"annotation {a['uid']}: its uid is used twice")
                self.uids.add(a["uid"])
                self.check_unit(lineno, a, ls.level, text, f"annotation {a['uid']}")
                self.check_value(lineno, a.get("value"), f"annotation {a['uid']}")
                self.check_times(lineno, a, ("created_at",), ("note", "removed_at"),
                                 f"annotation {a['uid']}")
                if not removed and not ls.multiple:
                    unit = (a["annotator"], ls.name, a["sentence"],
                            (a["start"], a["end"]) if ls.level == "span" else None)
                    if unit in single:
                        raise self.fail(lineno, f"annotation {a['uid']}: {ls.name} takes one "
                                        f"label per unit and {a['annotator']} has two")
                    single.add(unit)
        for p in rec.get("progress") or []:
            self.check_name(lineno, p["annotator"], "annotator name")
            self.check_sentence(lineno, p["sentence"])
            self.check_mark(lineno, p, "progress")
            seconds = p["seconds"]
            if not _is_number(seconds) or seconds < 0:
                raise self.fail(lineno, f"progress of sentence {p['sentence']}: seconds must be "
                                f"a number of seconds, not {seconds!r}")
            self.check_times(lineno, p, ("seen_at", "updated_at"), ("note", "done_at"),
                             f"progress of sentence {p['sentence']}")
        for p in rec.get("document_progress") or []:
            self.check_name(lineno, p["annotator"], "annotator name")
            self.check_mark(lineno, p, "document progress")
            self.check_times(lineno, p, ("updated_at",), ("note",), "document progress")
        for j in rec.get("adjudications") or []:
            what = f"decision {j['uid']!r}"
            if not isinstance(j["uid"], str) or not j["uid"]:
                raise self.fail(lineno, f"{what}: uid must be a string")
            if ("decision", j["uid"]) in self.uids:
                raise self.fail(lineno, f"{what}: its uid is used twice")
            self.uids.add(("decision", j["uid"]))
            self.check_name(lineno, j["adjudicator"], "adjudicator name")
            if j["status"] not in ("resolved", "unresolved"):
                raise self.fail(lineno, f"{what}: status must be resolved or unresolved, not "
                                f"{j['status']!r}")
            if not isinstance(j["choice"], str) or not isinstance(j["sources"], list):
                raise self.fail(lineno, f"{what}: choice must be a string and sources a list")
            self.check_times(lineno, j, ("created_at",), ("note", "superseded_at"), what)
            own = self.check_label(lineno, {**j, "label": None}, what)
            if own.level == "document" and j["sentence"] is not None:
                raise self.fail(lineno, f"{what}: a document-level decision has no sentence")
            if own.level != "document":
                self.check_sentence(lineno, j["sentence"])
            for g in j["gold"]:
                if (g["label_set"], g["level"]) != (j["label_set"], j["level"]):
                    raise self.fail(lineno, f"{what}: a gold label of another label set or level")
                ls = self.check_label(lineno, {**j, **g}, f"{what}: gold label")
                self.check_unit(lineno, {**g, "sentence": j["sentence"]}, ls.level, text,
                                f"{what}: gold label")
                self.check_value(lineno, g.get("value"), f"{what}: gold label")
                if g.get("origin") not in (None, *adj.ORIGINS):
                    raise self.fail(lineno, f"{what}: gold origin must be one of "
                                    f"{', '.join(adj.ORIGINS)}, not {g['origin']!r}")

    def check_label(self, lineno: int, a: dict[str, Any], what: str) -> LabelSet:
        """The label set of ``a`` in its scheme version (of ``a``'s level), and its label
        (unless ``a["label"]`` is None: a decision's own set)."""
        sid = self.scheme(lineno, a["scheme"], a["scheme_version"])
        if sid is None:
            raise self.fail(lineno, f"{what}: no scheme")
        scheme = self.scheme_object(sid)
        self.check_name(lineno, a["label_set"], "label set name")
        ls = scheme.label_set(a["label_set"])
        if ls is None:
            raise self.fail(lineno, f"{what}: label set {a['label_set']!r} is not in scheme "
                            f"{scheme.name} v{scheme.version}")
        if ls.level != a["level"]:
            raise self.fail(lineno, f"{what}: {ls.name} is a {ls.level}-level label set, not "
                            f"{a['level']!r}")
        if a["label"] is not None:
            self.check_name(lineno, a["label"], "label")
            if ls.label(a["label"]) is None:
                raise self.fail(lineno, f"{what}: label {a['label']!r} is not in "
                                f"{scheme.name} v{scheme.version}/{ls.name}")
        return ls

    def check_sentence(self, lineno: int, idx: object) -> tuple[int, int]:
        if _is_int(idx) and 0 <= idx < len(self.bounds):
            return self.bounds[idx]
        raise self.fail(lineno, f"sentence index {idx!r} out of range "
                        f"(the document has {len(self.bounds)} sentences)")

    def check_unit(self, lineno: int, a: dict[str, Any], level: str, text: str,
                   what: str) -> None:
        """Document labels name no sentence and no offsets; sentence labels a sentence; spans
        a sentence and offsets in the text that start in that sentence (the sentence a span
        belongs to is the one it starts in; a SemEval technique span may run on into the next
        sentences)."""
        start, end = a.get("start"), a.get("end")
        if level == "document":
            if a["sentence"] is not None or start is not None or end is not None:
                raise self.fail(lineno, f"{what}: a document label has no sentence or offsets")
            return
        if a["sentence"] is None:
            raise self.fail(lineno, f"{what}: a {level} label needs a sentence")
        s_start, s_end = self.check_sentence(lineno, a["sentence"])
        if level == "sentence":
            if start is not None or end is not None:
                raise self.fail(lineno, f"{what}: a sentence label has no offsets")
            return
        if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
            raise self.fail(lineno, f"{what}: span offsets {start}-{end} outside the text "
                            f"({len(text)} characters)")
        assert isinstance(start, int)
        idx = a["sentence"]
        following = self.bounds[idx + 1][0] if idx + 1 < len(self.bounds) else len(text)
        if not s_start <= start < following:
            raise self.fail(lineno, f"{what}: span {start}-{end} does not start in its sentence "
                            f"{idx} ({s_start}-{s_end})")

    def check_value(self, lineno: int, value: object, what: str) -> None:
        if value is not None and not _is_number(value):
            raise self.fail(lineno, f"{what}: value must be a finite number, not {value!r}")

    def check_mark(self, lineno: int, p: dict[str, Any], what: str) -> None:
        if p["status"] not in ("seen", "done"):
            raise self.fail(lineno, f"{what}: status must be seen or done, not {p['status']!r}")
        if not (_is_int(p["flag"]) or isinstance(p["flag"], bool)) or p["flag"] not in (0, 1):
            raise self.fail(lineno, f"{what}: flag must be true or false, not {p['flag']!r}")
        self.scheme(lineno, p["scheme"], p["scheme_version"])

    def check_times(self, lineno: int, row: dict[str, Any], required: tuple[str, ...],
                    optional: tuple[str, ...], what: str) -> None:
        for k in required:
            if not isinstance(row[k], str) or not row[k]:
                raise self.fail(lineno, f"{what}: {k} must be a time stamp (text)")
        for k in optional:
            if row.get(k) is not None and not isinstance(row[k], str):
                raise self.fail(lineno, f"{what}: {k} must be text or null")

    def progress_row(
        self, lineno: int, p: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> dict[str, Any]:
        """A ``progress`` row; a done mark keeps the version of its record (``done_scheme_id``,
        see annotator.core.units)."""
        scheme_id = self.scheme(lineno, p["scheme"], p["scheme_version"])
        return {
            "annotator_id": self.annotator(p["annotator"]),
            "sentence_id": self.sentence(lineno, sent_ids, p["sentence"]),
            "document_id": doc_id, "scheme_id": scheme_id,
            "status": p["status"], "seconds": p["seconds"], "flag": int(p["flag"]),
            "note": p["note"], "seen_at": p["seen_at"], "done_at": p["done_at"],
            "updated_at": p["updated_at"],
            "done_scheme_id": scheme_id if p["status"] == "done" else None,
        }

    def document_progress_row(
        self, lineno: int, p: dict[str, Any], doc_id: int
    ) -> dict[str, Any]:
        scheme_id = self.scheme(lineno, p["scheme"], p["scheme_version"])
        return {
            "annotator_id": self.annotator(p["annotator"]), "document_id": doc_id,
            "scheme_id": scheme_id, "status": p["status"], "flag": int(p["flag"]),
            "note": p["note"], "updated_at": p["updated_at"],
            "done_scheme_id": scheme_id if p["status"] == "done" else None,
        }

    def annotation_row(
        self, lineno: int, a: dict[str, Any], removed: bool, text: str, doc_id: int,
        sent_ids: list[int],
    ) -> dict[str, Any]:
        level = a["level"]
        if level not in ("document", "sentence", "span"):
            raise self.fail(lineno, f"annotation {a['uid']}: unknown level {level!r}")
        start, end = a["start"], a["end"]
        if level == "span":
            if not (isinstance(start, int) and isinstance(end, int)
                    and 0 <= start < end <= len(text)):
                raise self.fail(lineno, f"annotation {a['uid']}: span offsets {start}-{end} "
                                f"outside the text ({len(text)} characters)")
            if a.get("text") is not None and text[start:end] != a["text"]:
                raise self.fail(lineno, f"annotation {a['uid']}: span text {a['text']!r} does not "
                                f"match the document text at {start}-{end}")
        sid = None if a["sentence"] is None else self.sentence(lineno, sent_ids, a["sentence"])
        if level != "document" and sid is None:
            raise self.fail(lineno, f"annotation {a['uid']}: a {level} label needs a sentence")
        scheme_id = self.scheme(lineno, a["scheme"], a["scheme_version"])
        return {
            "uid": a["uid"], "annotator_id": self.annotator(a["annotator"]),
            "scheme_id": scheme_id, "label_set": a["label_set"], "label": a["label"],
            "level": level, "document_id": doc_id, "sentence_id": sid, "start": start,
            "end": end, "value": a["value"], "note": a["note"], "created_at": a["created_at"],
            "removed_at": a.get("removed_at") if removed else None,
        }


    def attribute_values(self, lineno: int, a: dict[str, Any]) -> list[dict[str, Any]]:
        """The attribute values an annotation record carries (``attributes``: uid, attribute,
        value, created_at, removed_at), checked, with the annotation's uid."""
        raw = a.get("attributes")
        if raw is None:
            return []
        what = f"annotation {a['uid']}"
        if not isinstance(raw, list):
            raise self.fail(lineno, f"{what}: attributes must be a list")
        out = []
        for v in raw:
            if not isinstance(v, dict):
                raise self.fail(lineno, f"{what}: each attribute value must be an object")
            for key in ("uid", "attribute", "value", "created_at"):
                if not isinstance(v.get(key), str) or not v[key]:
                    raise self.fail(lineno, f"{what}: attribute value {key} must be text")
            if v.get("removed_at") is not None and not isinstance(v["removed_at"], str):
                raise self.fail(lineno, f"{what}: attribute value removed_at must be text or null")
            bad = first_unsafe(v["value"])
            if bad is not None:
                raise self.fail(lineno, f"{what}: attribute value {v['value']!r} contains a "
                                "control character")
            out.append({"annotation_uid": a["uid"], "uid": v["uid"],
                        "attribute": v["attribute"], "value": v["value"],
                        "created_at": v["created_at"], "removed_at": v.get("removed_at")})
        return out


class Parts(Protocol):
    """How the parts of a document record are stored (an import adds what is new; a merge
    also settles what changed on both sides)."""

    def annotations(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...

    def progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...

    def document_progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int
    ) -> None: ...

    def adjudications(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None: ...


class InsertNew:
    """An import's parts: rows not yet in the database are added, present ones left alone."""

    def __init__(self) -> None:
        self.known_adjudications: set[str] | None = None

    def annotations(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        text = rec["text"]
        anns = [(a, False) for a in rec.get("annotations") or []]
        anns += [(a, True) for a in rec.get("removed_annotations") or []]
        present = r.store.annotations.removed_at_of([a["uid"] for a, _ in anns])
        rows = []
        for a, removed in anns:
            if a["uid"] in present:
                r.result.annotations_present += 1
                continue
            rows.append(r.annotation_row(lineno, a, removed, text, doc_id, sent_ids))
        r.store.db.bulk_insert("annotations", rows)
        r.result.annotations_new += len(rows)
        r.store.annotations.import_attribute_values(
            v for a, _ in anns for v in r.attribute_values(lineno, a)
        )

    def progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        r.store.db.bulk_insert(
            "progress",
            (r.progress_row(lineno, p, doc_id, sent_ids) for p in rec.get("progress") or []),
            ignore=True,
        )

    def document_progress(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int
    ) -> None:
        r.store.db.bulk_insert(
            "document_progress",
            (r.document_progress_row(lineno, p, doc_id) for p in rec.get("document_progress")
             or []),
            ignore=True,
        )

    def adjudications(
        self, r: Records, lineno: int, rec: dict[str, Any], doc_id: int, sent_ids: list[int]
    ) -> None:
        if self.known_adjudications is None:
            self.known_adjudications = r.store.adjudications.uids()
        for j in rec.get("adjudications") or []:
            if j["uid"] in self.known_adjudications:
                continue
            self.known_adjudications.add(j["uid"])
            sentence = (
                None if j["sentence"] is None else r.sentence(lineno, sent_ids, j["sentence"])
            )
            r.store.adjudications.insert(
                {"uid": j["uid"],
                 "scheme_id": r.scheme(lineno, j["scheme"], j["scheme_version"]),
                 "label_set": j["label_set"], "level": j["level"], "document_id": doc_id,
                 "sentence_id": sentence,
                 "adjudicator_id": r.annotator(j["adjudicator"]), "choice": j["choice"],
                 "sources": json.dumps(j["sources"], ensure_ascii=False), "status": j["status"],
                 "note": j["note"], "created_at": j["created_at"],
                 "superseded_at": j["superseded_at"]},
                [
                    {"label_set": g["label_set"], "label": g["label"], "level": g["level"],
                     "document_id": doc_id, "sentence_id": sentence,
                     "start": g["start"], "end": g["end"], "value": g["value"],
                     "origin": g.get("origin"),  # absent in exports made before gold.origin
                     "attributes": g.get("attributes")}  # values the gold kept (m009)
                    for g in j["gold"]
                ],
            )


class JsonlImport:
    """``import-annotations`` of our JSONL export: header first, then document records, all in
    one transaction (all or nothing)."""

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self.records = Records(store, path)
        self.parts = InsertNew()

    def run(self) -> ImportResult:
        from annotator.services.export.jsonl import FORMAT, FORMAT_VERSION

        r = self.records
        records = _read_jsonl(self.path)
        first = next(records, None)
        if first is None:
            raise AnnotationImportError([f"{self.path}: empty file"])
        lineno, header = first
        if header.get("type") != "header" or header.get("format") != FORMAT:
            raise r.fail(lineno, "not an annotator JSONL export (the first line must be its "
                         "header record); to import articles use `annotator import`")
        version = header.get("format_version")
        if not (_is_int(version) and version >= 1):
            raise r.fail(lineno, f"format_version must be a whole number, not {version!r}")
        if version > FORMAT_VERSION:
            raise r.fail(lineno, f"format version {version} is newer than "
                         "this annotator reads; upgrade annotator")
        try:
            with self.store.db.atomic():
                try:
                    r.header(lineno, header)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise r.fail(lineno, f"bad header record ({exc!r})") from None
                for lineno, rec in records:
                    if rec.get("type") != "document":
                        raise r.fail(lineno, f"unexpected record type {rec.get('type')!r}")
                    try:
                        r.document(lineno, rec, self.parts)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        raise r.fail(lineno, f"bad document record ({exc!r})") from None
                    except StoreError as exc:
                        raise r.fail(lineno, str(exc)) from None
                    except DatabaseError as exc:  # a constraint the checks above missed
                        raise r.fail(lineno, f"refused by the database ({exc})") from None
                log_imported_state(self.store, set(r.annotators.values()))
        except StoreError as exc:
            raise AnnotationImportError([f"{self.path}: {exc}"]) from None
        return r.result


def import_jsonl(store: Store, path: str | Path) -> ImportResult:
    """Import an ``annotator export --format jsonl`` file (documents, schemes, annotators,
    annotations, progress, adjudications)."""
    return JsonlImport(store, Path(path)).run()


# ----------------------------------------------------------------------------------- semeval
@dataclass
class _Span:
    file: str
    line: int
    article: str
    label: str
    start: int
    end: int


def span_files(paths: Iterable[str | Path]) -> list[Path]:
    """Label files given, and those found under directories (``*.labels``, ``*-labels*.txt``,
    our ``*-paragraphs.txt``, ``*-articles.txt`` and ``*.template``)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                c for c in p.rglob("*")
                if c.is_file() and (
                    c.suffix in (".labels", ".template") or "-labels" in c.name
                    or c.name.endswith(("-paragraphs.txt", "-articles.txt"))
                )
            )
        else:
            out.append(p)
    return out


def _article_dirs(label_file: Path, articles: Path | None) -> list[Path]:
    if articles is not None:
        return [articles]
    dirs = [label_file.parent]
    for up in list(label_file.parents)[:3]:
        dirs.append(up)
        if up.is_dir():
            dirs += sorted(c for c in up.iterdir() if c.is_dir() and "article" in c.name.lower())
    return list(dict.fromkeys(dirs))


def _article_file(folder: Path, art: str) -> bool:
    """Whether ``folder/article<art>.txt`` is a regular file that really is in ``folder`` (a
    symbolic link out of it, to /etc or a home directory, is not)."""
    path = folder / f"article{art}.txt"
    try:
        return path.is_file() and path.resolve().parent == folder.resolve()
    except OSError:
        return False


def _parse_span_file(path: Path, problems: list[str]) -> tuple[list[_Span], str | None]:
    m = SPAN_FILE.search(path.name)
    file_article = m.group(1) if m and ARTICLE_ID.fullmatch(m.group(1)) else None
    spans: list[_Span] = []
    special = not_regular_file(path)
    if special is not None:
        problems.append(f"{path}: {special}")
        return spans, file_article
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({exc})")
        return spans, file_article
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        cols = line.rstrip("\r").split("\t")
        if len(cols) == 3:
            problems.append(f"{path}:{lineno}: span line without a technique (SI format); "
                            "only technique span files (article, technique, start, end) can "
                            "be imported")
            continue
        if len(cols) != 4:
            problems.append(f"{path}:{lineno}: expected 4 tab-separated columns "
                            f"(article_id, technique, start, end), found {len(cols)}")
            continue
        art, label, s, e = (c.strip() for c in cols)
        if not art or not label:
            problems.append(f"{path}:{lineno}: empty article id or technique")
            continue
        if not ARTICLE_ID.fullmatch(art) or ".." in art:
            problems.append(f"{path}:{lineno}: article id {art!r} must be letters, digits, "
                            "'_', '-' or inner dots (it names the file article<ID>.txt)")
            continue
        problem = name_problem(label, "technique")
        if problem is not None:
            problems.append(f"{path}:{lineno}: {problem}")
            continue
        if not (OFFSET.fullmatch(s) and OFFSET.fullmatch(e)):
            problems.append(f"{path}:{lineno}: start and end must be integers ({s!r}, {e!r})")
            continue
        if int(e) <= int(s):
            problems.append(f"{path}:{lineno}: end {e} is not after start {s}")
            continue
        if file_article is not None and art != file_article and m and "labels-" in path.name:
            problems.append(f"{path}:{lineno}: article {art} in the file of article "
                            f"{file_article}")
            continue
        spans.append(_Span(str(path), lineno, art, label, int(s), int(e)))
    return spans, file_article


def import_semeval(
    store: Store,
    paths: Iterable[str | Path],
    *,
    annotator: str,
    articles: str | Path | None = None,
    scheme_name: str | None = None,
    label_set: str | None = None,
) -> ImportResult:
    """Import SemEval-2023 / PTC files as the annotations of ``annotator``: technique span files,
    paragraph label files (``ID<TAB>LINE<TAB>L1,L2``), article label files (``ID<TAB>L1,L2``)
    and ``.template`` paragraph files (which carry articles, not labels).

    Articles come from ``article<ID>.txt`` next to the label files (or in a sibling directory
    whose name contains "article", or ``articles``), else from a template. Every article read
    counts as fully annotated for the files given: span and paragraph files mark its sentences
    done for the annotator (no span = no technique), article files its document panel. Our
    export's ``article-ids.tsv`` and ``label-map.tsv`` give back the documents' names and the
    labels whose commas were replaced. A paragraph file of a span set that span files of the
    same import already give is skipped (it is derived from them).
    """
    from annotator.services.formats_in import semeval as sf

    problems: list[str] = []
    bad_name = name_problem(annotator, "annotator name")
    if bad_name is not None:
        raise AnnotationImportError([bad_name])
    files = span_files(paths)
    if not files:
        raise AnnotationImportError(["no SemEval/PTC label files found in the given paths"])
    adir = Path(articles) if articles is not None else None
    if adir is not None and not adir.is_dir():
        raise AnnotationImportError([f"{adir}: not a directory"])
    result = ImportResult()
    src = _SemevalSources()
    for f in files:
        if not f.exists():
            problems.append(f"{f}: no such file")
            continue
        kind = sf.kind_of(f)
        if kind == "side":
            continue
        if kind == "spans":
            spans, file_article = _parse_span_file(f, problems)
            src.span_files.append(f)
            for sp in spans:
                src.spans.setdefault(sp.article, []).append(sp)
            src.need(
                f, {sp.article for sp in spans} | ({file_article} if file_article else set()),
                problems,
            )
        elif kind == "template":
            for art, lines in sf.parse_template(f, problems).items():
                if not ARTICLE_ID.fullmatch(art) or ".." in art:
                    problems.append(f"{f}: article id {art!r} must be letters, digits, '_', '-' "
                                    "or inner dots (it names the file article<ID>.txt)")
                    continue
                src.templates[art] = (f, lines)
        else:
            rows = sf.parse_units(f, kind, problems)
            src.units.append((f, kind, sf.set_hint(f), rows))
            src.need(f, {r.article for r in rows}, problems)
    label_map = sf.read_label_map(sf.find_side_file("label-map.tsv", [f.parent for f in files]))
    id_map = sf.read_id_map(sf.find_side_file("article-ids.tsv", [f.parent for f in files]))
    texts, origins = _semeval_texts(src, adir, problems)
    plan = _SemevalPlan(store, scheme_name, label_set, label_map, problems)
    plan.resolve(src, files)
    if src.spans or src.units:
        _check_lines(src, plan, texts, problems)
    if problems:
        raise AnnotationImportError(problems[:MAX_PROBLEMS] + (
            [f"... and {len(problems) - MAX_PROBLEMS} more problem(s)"]
            if len(problems) > MAX_PROBLEMS else []
        ))
    result.warnings += plan.skipped
    with store.db.atomic():
        plan.store_scheme()
        who = store.schemes.annotator_id(annotator)
        for art in sorted(texts, key=_natural):
            _store_article(store, plan, src, who, art, texts[art], origins[art],
                           id_map.get(art, art), result)
        log_imported_state(store, {who})
    return result


def _natural(name: str) -> tuple[int, str]:
    from annotator.services.export.semeval import natural_key

    return natural_key(name)


@dataclass
class _SemevalSources:
    """What the given files hold, by article id."""

    spans: dict[str, list[_Span]] = field(default_factory=dict)
    span_files: list[Path] = field(default_factory=list)
    units: list[tuple[Path, str, str | None, list[Any]]] = field(default_factory=list)
    templates: dict[str, tuple[Path, dict[int, tuple[int, str]]]] = field(default_factory=dict)
    wanted: dict[str, Path] = field(default_factory=dict)  # article -> a label file naming it

    def need(self, label_file: Path, arts: set[str], problems: list[str]) -> None:
        """Articles the file names; an id that could name a path outside the articles folder
        (``../x``, ``/etc/x``) is a problem, never a file to read."""
        for art in sorted(arts):
            if not ARTICLE_ID.fullmatch(art) or ".." in art:
                problems.append(f"{label_file}: article id {art!r} must be letters, digits, "
                                "'_', '-' or inner dots (it names the file article<ID>.txt)")
                continue
            self.wanted.setdefault(art, label_file)


def _semeval_texts(
    src: _SemevalSources, adir: Path | None, problems: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """article -> text (the article file, else the template) and -> origin file name."""
    from annotator.services.formats_in.semeval import text_from_template
    from annotator.services.importing import decode, normalise

    texts: dict[str, str] = {}
    origins: dict[str, str] = {}
    for art in sorted(set(src.wanted) | set(src.templates), key=_natural):
        near = src.wanted.get(art) or src.templates[art][0]
        found = next(
            (d / f"article{art}.txt" for d in _article_dirs(near, adir) if _article_file(d, art)),
            None,
        )
        template = src.templates.get(art)
        if found is None:
            if template is None:
                problems.append(f"{near}: article{art}.txt not found (next to the labels, in an "
                                "*articles* directory nearby, or pass --articles DIR)")
                continue
            texts[art], origins[art] = text_from_template(template[1]), template[0].name
            continue
        try:
            raw = decode(found.read_bytes(), str(found))
        except Exception as exc:  # InputError or OSError: one line either way
            problems.append(f"{found}: {exc}")
            continue
        if normalise(raw) != raw:
            problems.append(f"{found}: has CRLF line ends or non-NFC characters; offsets would "
                            "not match the stored text (convert the file to LF/NFC and its "
                            "offsets)")
            continue
        texts[art], origins[art] = raw, found.name
        if template is not None:
            lines = raw.split("\n")
            for number, (lineno, para) in template[1].items():
                if number > len(lines) or lines[number - 1] != para:
                    problems.append(f"{template[0]}:{lineno}: line {number} differs from line "
                                    f"{number} of {found.name}")
    return texts, origins


class _SemevalPlan:
    """Which stored label set each file's labels go to (or the scheme to create)."""

    def __init__(
        self, store: Store, scheme_name: str | None, label_set: str | None,
        label_map: dict[str, dict[str, str]], problems: list[str],
    ) -> None:
        self.store = store
        self.scheme_name = scheme_name
        self.label_set = label_set
        self.label_map = label_map
        self.problems = problems
        self.scheme: Any = None
        self.scheme_id: int | None = None
        self.new_sets: dict[str, tuple[str, list[str], bool]] = {}  # name -> level, labels, multi
        self.span_set = ""
        self.unit_sets: dict[Path, str] = {}  # unit file -> set name ("" = skipped)
        self.skipped: list[str] = []

    def resolve(self, src: _SemevalSources, files: list[Path]) -> None:
        from annotator.services.formats_in.semeval import find_side_file, read_classes

        if self.store.schemes.summary() or self.scheme_name is not None:
            try:
                self.scheme_id, self.scheme = self.store.schemes.load(self.scheme_name)
            except StoreError as exc:
                self.problems.append(str(exc))
                return
        span_labels = sorted({s.label for spans in src.spans.values() for s in spans})
        if src.span_files:
            self.span_set = self._span_set(span_labels)
            if self.scheme is None:
                name = self.span_set
                classes = find_side_file(f"{name}-techniques.txt",
                                         [f.parent for f in src.span_files])
                known = [self._unmap(name, c) for c in read_classes(classes)] if classes else []
                self.new_sets[name] = ("span", known + [x for x in span_labels
                                                        if x not in known], True)
        for f, kind, hint, rows in src.units:
            if kind == "paragraphs" and src.span_files and hint in (None, self.span_set):
                self.unit_sets[f] = ""
                self.skipped.append(f"{f}: skipped (paragraph labels of the spans imported from "
                                    "the span files)")
                continue
            labels = sorted({self._unmap(hint or "", lab) for r in rows for lab in r.labels})
            self.unit_sets[f] = self._unit_set(f, kind, hint, labels, rows)

    def _unmap(self, label_set: str, label: str) -> str:
        return self.label_map.get(label_set, {}).get(label, label)

    def label(self, f: Path, label: str) -> str:
        return self._unmap(self.unit_sets.get(f) or "", label)

    def _span_set(self, labels: list[str]) -> str:
        if self.scheme is None:
            return self.label_set or "technique"
        span_sets = [s for s in self.scheme.label_sets if s.level == "span"]
        if self.label_set is not None:
            chosen = self.scheme.label_set(self.label_set)
            if chosen is None or chosen.level != "span":
                self.problems.append(
                    f"scheme {self.scheme.name} has no span label set {self.label_set!r} "
                    f"(span sets: {', '.join(s.name for s in span_sets) or 'none'})")
                return ""
        elif len(span_sets) != 1:
            self.problems.append(f"scheme {self.scheme.name} has {len(span_sets)} span label "
                                 "sets; name one with --label-set")
            return ""
        else:
            chosen = span_sets[0]
        unknown = [lab for lab in labels if chosen.label(lab) is None]
        if unknown:
            self.problems.append(f"labels not in {self.scheme.name}/{chosen.name}: "
                                 f"{', '.join(unknown)}")
        return str(chosen.name)

    def _unit_set(
        self, f: Path, kind: str, hint: str | None, labels: list[str], rows: list[Any]
    ) -> str:
        levels = ("document",) if kind == "documents" else ("sentence", "span")
        if self.scheme is None:
            name = hint or self.label_set or ("labels" if kind == "documents" else "paragraph")
            level = "document" if kind == "documents" else "sentence"
            multiple = kind != "documents" or any(len(r.labels) > 1 for r in rows)
            old = self.new_sets.get(name)
            if old is not None and old[0] != level:
                self.problems.append(f"{f}: label set {name!r} is {old[0]}-level in this import")
                return ""
            merged = (old[1] if old else []) + [x for x in labels if not old or x not in old[1]]
            self.new_sets[name] = (level, merged, multiple or bool(old and old[2]))
            return name
        candidates = [s for s in self.scheme.label_sets if s.level in levels]
        chosen = next((s for s in candidates if s.name == hint), None)
        if chosen is None and self.label_set is not None:
            chosen = next((s for s in candidates if s.name == self.label_set), None)
        if chosen is None:
            fitting = [s for s in candidates if all(s.label(x) is not None for x in labels)]
            if len(fitting) == 1:
                chosen = fitting[0]
        if chosen is None:
            self.problems.append(
                f"{f}: which {'/'.join(levels)} label set of {self.scheme.name} are these labels "
                f"for? name it with --label-set ({', '.join(s.name for s in candidates) or 'none'})"
            )
            return ""
        unknown = [lab for lab in labels if chosen.label(lab) is None]
        if unknown:
            self.problems.append(f"{f}: labels not in {self.scheme.name}/{chosen.name}: "
                                 f"{', '.join(unknown)}")
        return str(chosen.name)

    def store_scheme(self) -> None:
        """Store the scheme made from the labels found, when the database had none (a set
        with no label is left out; with none at all, articles come in without labels)."""
        from annotator.core.scheme import parse_scheme

        sets = [(n, lv, labels, m) for n, (lv, labels, m) in self.new_sets.items() if labels]
        if self.scheme is not None or not sets:
            return
        yaml_text = "name: semeval\nversion: 1\nlabel_sets:\n" + "".join(
            f"  - name: {name}\n    level: {level}\n    multiple: {str(multi).lower()}\n"
            "    labels:\n" + "".join(f"      - name: {json.dumps(lab)}\n" for lab in labels)
            for name, level, labels, multi in sets
        )
        scheme = parse_scheme(yaml_text, "<semeval import>")
        self.scheme_id, _ = self.store.schemes.add(scheme)
        self.scheme = scheme


def _line_span(text: str, number: int) -> tuple[int, int] | None:
    """[start, end) of 1-based line ``number`` of ``text``, None past the last line."""
    pos = 0
    for n, line in enumerate(text.split("\n"), start=1):
        if n == number:
            return pos, pos + len(line)
        pos += len(line) + 1
    return None


def _check_lines(
    src: _SemevalSources, plan: _SemevalPlan, texts: dict[str, str], problems: list[str]
) -> None:
    for art, spans in src.spans.items():
        if art not in texts:
            continue  # its missing article is already a problem
        size = len(texts[art])
        for s in spans:
            if s.end > size:
                problems.append(f"{s.file}:{s.line}: span {s.start}-{s.end} runs past the end "
                                f"of article{art}.txt ({size} characters)")
    for f, kind, _, rows in src.units:
        if kind != "paragraphs" or not plan.unit_sets.get(f):
            continue
        for r in rows:
            text = texts.get(r.article)
            if text is not None and (_line_span(text, r.line) is None or (
                    r.labels and not text.split("\n")[r.line - 1].strip())):
                problems.append(f"{r.file}:{r.lineno}: article {r.article} has no paragraph on "
                                f"line {r.line}")


def _store_article(
    store: Store, plan: _SemevalPlan, src: _SemevalSources, who: int, art: str, text: str,
    origin: str, external_id: str, result: ImportResult,
) -> None:
    """One article, its spans and unit labels, and its done marks."""
    from annotator.services.importing import make_document

    doc = make_document(text, external_id=external_id, origin=origin)
    [(doc_id, created)] = store.corpus.add_documents([doc])
    if created:
        result.documents_new += 1
    else:
        result.documents_present += 1
    scheme_id = plan.scheme_id
    if scheme_id is None or plan.scheme is None:
        return  # a template alone: the article, no labels
    sents = store.corpus.sentences(doc_id)
    starts = [int(s["start"]) for s in sents]
    existing = {
        (a["label_set"], a["level"], a["sentence_id"], a["start"], a["end"], a["label"])
        for a in store.annotations.current(who, document_id=doc_id)
    }
    rows: list[dict[str, Any]] = []
    ts = now()

    def add(label_set: str, level: str, label: str, sentence_id: int | None,
            start: int | None = None, end: int | None = None) -> None:
        key = (label_set, level, sentence_id, start, end, label)
        if key in existing:
            result.annotations_present += 1
            return
        existing.add(key)
        ls = plan.scheme.label_set(label_set)
        value = ls.value_of(label) if ls is not None else None
        rows.append(
            {"uid": new_uid(), "annotator_id": who, "scheme_id": scheme_id,
             "label_set": label_set, "label": label, "level": level, "document_id": doc_id,
             "sentence_id": sentence_id, "start": start, "end": end, "value": value,
             "note": None, "created_at": ts, "removed_at": None}
        )

    def sentence_at(pos: int) -> int:
        return int(sents[max(0, bisect_right(starts, pos) - 1)]["id"])

    # a span file names its article: the article was read, no span = no technique
    answered = art in src.spans or any(_file_article(f) == art for f in src.span_files)
    for s in sorted(src.spans.get(art, []), key=lambda x: (x.start, x.end, x.label)):
        add(plan.span_set, "span", s.label, sentence_at(s.start), s.start, s.end)
    panel = False
    for f, kind, _, units in src.units:
        set_name = plan.unit_sets.get(f)
        if not set_name:
            continue
        ls = plan.scheme.label_set(set_name)
        for r in units:
            if r.article != art:
                continue
            labels = [plan.label(f, x) for x in r.labels]
            if kind == "documents":
                panel = True
                for lab in labels:
                    add(set_name, "document", lab, None)
                continue
            answered = True
            start, end = _line_span(text, r.line) or (0, 0)
            if ls is not None and ls.level == "span":
                body = text[start:end]
                lo = start + len(body) - len(body.lstrip())
                hi = end - (len(body) - len(body.rstrip()))
                for lab in labels:
                    if hi > lo:
                        add(set_name, "span", lab, sentence_at(lo), lo, hi)
            else:
                for sent in sents:
                    if int(sent["start"]) < end and int(sent["end"]) > start:
                        for lab in labels:
                            add(set_name, "sentence", lab, int(sent["id"]))
    store.db.bulk_insert("annotations", rows)
    result.annotations_new += len(rows)
    mark_imported_done(store, who, doc_id, scheme_id, sents, ts, sentences=answered, panel=panel)


def mark_imported_done(
    store: Store, who: int, doc_id: int, scheme_id: int, sents: list[dict[str, Any]], ts: str,
    *, sentences: bool = True, panel: bool = True, seconds: float = 0.0,
) -> None:
    """Imported work counts as finished: the document's sentences (and its document panel)
    are marked done for the annotator under ``scheme_id``, ``seconds`` of active time on the
    first sentence. Marks already there stay as they are."""
    if sentences:
        store.db.bulk_insert(
            "progress",
            (
                {"annotator_id": who, "sentence_id": s["id"], "document_id": doc_id,
                 "scheme_id": scheme_id, "status": "done",
                 "seconds": float(seconds) if i == 0 else 0.0, "flag": 0, "note": None,
                 "seen_at": ts, "done_at": ts, "updated_at": ts, "done_scheme_id": scheme_id}
                for i, s in enumerate(sents)
            ),
            ignore=True,
        )
    if panel:
        store.db.bulk_insert(
            "document_progress",
            [{"annotator_id": who, "document_id": doc_id, "scheme_id": scheme_id,
              "status": "done", "flag": 0, "note": None, "updated_at": ts,
              "done_scheme_id": scheme_id}],
            ignore=True,
        )


def _file_article(path: Path) -> str | None:
    m = SPAN_FILE.search(path.name)
    return m.group(1) if m else None
