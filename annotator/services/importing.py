"""Importing articles: plain text, JSONL, CSV and JSON files, web pages, or directories of them.

The stored text is the input decoded with only CRLF -> LF and Unicode NFC applied, so sentence
offsets stay valid against the original files. A document is identified by the SHA-256 of that
text: importing it again does nothing. Each bad file or record gets a one-line problem naming the
file and line; the rest of the import goes on and nothing partial is stored.

- ``.txt``: one article; ``article<DIGITS>.txt`` (PTC/SemEval) keeps DIGITS as its id. A file may
  open with a YAML front-matter block (``---`` ... ``---``) whose ``title``, ``source``, ``url``,
  ``published``, ``language`` and ``id`` set the metadata (other keys go to ``meta``); the text
  stored is the body after it, so offsets are offsets into the body.
- ``.json``: a list of records with a ``text`` field (as in JSONL). An annotation tool's export
  (Label Studio tasks) or any other JSON is refused with a message naming the file: never stored
  as an article of raw JSON.
- ``.html``/``.htm``: the article's main text, title, date, URL and site, extracted with
  trafilatura (optional extra ``[html]``); the page itself is kept in ``meta["html"]`` so that
  the extraction can be redone.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.segment import segment
from annotator.core.untrusted import clean_field, not_regular_file
from annotator.store import DocumentIn, Store

SUFFIXES = (".txt", ".jsonl", ".csv", ".json", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
PTC_ARTICLE = re.compile(r"article(\d+)\.txt")
FRONT_MATTER_FIELDS = ("title", "source", "url", "published", "language", "id")
MAX_FRONT_MATTER = 64 * 1024
KNOWN_FIELDS = ("id", "title", "source", "url", "published", "language", "text")
BATCH = 200
# A batch is one write transaction; annotators' writes wait for it (busy timeout 30 s), so a
# batch also ends once it holds this many sentences (about a second of writing).
BATCH_SENTENCES = 50_000
MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class Problem:
    """A record or file that could not be imported."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass
class ImportSummary:
    new: int = 0
    present: int = 0
    failed: int = 0
    sentences: int = 0
    problems: list[Problem] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)


def normalise(text: str) -> str:
    """CRLF -> LF and NFC, nothing else: offsets must stay valid against the file."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def make_document(
    text: str,
    *,
    title: str | None = None,
    external_id: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: str | None = None,
    language: str | None = None,
    meta: dict[str, Any] | None = None,
    origin: str | None = None,
) -> DocumentIn:
    """Normalise, hash and segment one text. The text is kept exactly (offsets); the metadata
    fields are cleaned of control characters and line breaks (annotator.core.untrusted)."""
    norm = normalise(text)
    sents = [(s.start, s.end, s.paragraph) for s in segment(norm)]
    if title is None:
        title = clean_field(next((ln for ln in norm.splitlines() if clean_field(ln)), ""))[:300]
    return DocumentIn(
        text=norm,
        sha256=hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest(),
        sentences=sents,
        external_id=_clean(external_id),
        title=clean_field(title),
        source=_clean(source),
        url=_clean(url),
        published=_clean(published),
        language=_clean(language),
        meta=meta or {},
        origin=_clean(origin),
    )


class InputError(Exception):
    """A whole file cannot be read (encoding, binary, empty); ``line`` when it is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes, path: str, encoding: str | None = None, *, lenient: bool = False) -> str:
    """Decode strictly; BOMs (UTF-8, UTF-16) are honoured and removed, anything else must be
    UTF-8 unless ``encoding`` says otherwise. Text with NUL characters is refused whatever the
    encoding (SQLite's text functions stop at NUL, so offsets would break).

    ``lenient`` (files of records): bytes that are not UTF-8 are kept as surrogate escapes for
    the caller to refuse the records that hold them (:func:`bad_bytes`), not the whole file."""
    text = _decode_bytes(data, encoding, lenient)
    if "\x00" in text:
        raise InputError("contains NUL characters; expected text")
    return text


def _decode_bytes(data: bytes, encoding: str | None, lenient: bool = False) -> str:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} at byte {exc.start}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16 at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        head = data[:8192]
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            order = "le" if head[1::2].count(0) > head[0::2].count(0) else "be"
            raise InputError(
                f"looks like UTF-16 without a byte-order mark; pass --encoding utf-16-{order}"
            )
        raise InputError("binary file (NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8", "surrogateescape" if lenient else "strict")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"line {line}: not UTF-8 (byte {exc.start}); pass --encoding (e.g. --encoding latin-1)"
        ) from None
    if "\x00" in text:
        raise InputError("contains NUL characters; expected text")
    return text


def bad_bytes(text: str) -> str | None:
    """Why a record decoded by ``decode(lenient=True)`` cannot be read (its first byte that is not
    UTF-8), or None."""
    for i, ch in enumerate(text):
        if "\udc80" <= ch <= "\udcff":
            return (f"not UTF-8 (byte 0x{ord(ch) - 0xDC00:02X} at character {i + 1}); pass "
                    "--encoding (e.g. --encoding latin-1)")
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (write null or a string)")


def json_record(line: str) -> Any:
    """One JSONL line parsed, or InputError with the one-line cause: malformed JSON, nesting too
    deep, NaN/Infinity (not JSON: other programs cannot read them back), an integer too long for
    Python to convert (over 4,300 digits)."""
    try:
        return json.loads(line, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise InputError("malformed JSON (nested too deeply)") from None
    except ValueError as exc:  # NaN/Infinity; int max str digits
        msg = str(exc).split(";")[0].split(":")[0]
        raise InputError(f"unreadable JSON value ({msg})") from None


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to import: the given files, and supported files found recursively in directories."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES:
                    yield child
        else:
            yield path


def _clean(value: Any) -> str | None:
    """A metadata field as stored: one line, no control characters (core/untrusted.py)."""
    if value is None:
        return None
    return clean_field(str(value)) or None


def _record_doc(rec: dict[str, Any], origin: str) -> DocumentIn:
    text = rec.get("text")
    if not isinstance(text, str):
        raise InputError("no `text` field" if text is None else "`text` is not a string")
    if not text.strip():
        raise InputError("empty `text`")
    if "\x00" in text:
        raise InputError("`text` contains NUL characters")
    try:  # JSON may carry lone surrogates ("\ud800"), which SQLite cannot store as UTF-8
        json.dumps(rec, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start]
        raise InputError(f"invalid Unicode (unpaired surrogate {bad!r})") from None
    meta = {k: v for k, v in rec.items() if k not in KNOWN_FIELDS}
    return make_document(
        text,
        title=_clean(rec.get("title")),
        external_id=_clean(rec.get("id")),
        source=_clean(rec.get("source")),
        url=_clean(rec.get("url")),
        published=_clean(rec.get("published")),
        language=_clean(rec.get("language")),
        meta=meta,
        origin=origin,
    )


def read_file(
    path: Path, *, encoding: str | None = None, source: str | None = None
) -> Iterator[DocumentIn | Problem]:
    """Documents (or problems) from one file, in order."""
    name = str(path)
    special = not_regular_file(path)
    if special is not None:
        yield Problem(name, None, special)
        return
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Problem(name, None, f"file too large ({size} bytes)")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(name, None, exc.strerror or str(exc))
        return
    suffix = path.suffix.lower()
    try:
        text = decode(data, name, encoding, lenient=suffix in (".jsonl", ".csv"))
    except InputError as exc:
        yield Problem(name, None, str(exc))
        return
    if not text.strip():
        yield Problem(name, None, "empty file")
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(name, text, source)
    elif suffix == ".csv":
        yield from _read_csv(name, text, source)
    elif suffix == ".json":
        yield from _read_json(name, text, source)
    elif suffix in HTML_SUFFIXES:
        yield _read_html(path, text, source)
    else:
        yield _read_txt(path, text, source)


def _read_txt(path: Path, text: str, source: str | None) -> DocumentIn | Problem:
    """A plain-text article, with an optional YAML front-matter block."""
    m = PTC_ARTICLE.fullmatch(path.name)
    fields: dict[str, Any] = {"id": m.group(1) if m else None, "source": source}
    meta: dict[str, Any] = {}
    body = text
    if text.startswith(("---\n", "---\r\n")):
        try:
            header, body = _front_matter(text)
        except InputError as exc:
            return Problem(str(path), exc.line, str(exc))
        for key, value in header.items():
            if key in FRONT_MATTER_FIELDS:
                fields[key] = _clean(value.isoformat() if hasattr(value, "isoformat") else value)
            else:
                plain = isinstance(value, (str, int, float, bool, list))
                meta[key] = value if plain else str(value)
        if not body.strip():
            return Problem(str(path), None, "nothing after the front-matter block")
    return make_document(
        body, title=fields.get("title"), external_id=fields.get("id"),
        source=fields.get("source") or source, url=fields.get("url"),
        published=fields.get("published"), language=fields.get("language"), meta=meta,
        origin=path.name,
    )


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(fields, body) of a text opening with ``---``; the block ends at the next ``---`` line
    (Jekyll/Hugo style)."""
    import yaml

    norm = text.replace("\r\n", "\n")
    end = norm.find("\n---\n", 3)
    if end < 0 and norm.endswith("\n---"):
        end = len(norm) - 4
    if end < 0 or end > MAX_FRONT_MATTER:
        raise InputError("front matter: no closing `---` line (or a block over 64 KB)", 1)
    block = norm[4:end + 1]
    data: dict[str, Any] = {}
    try:
        # composed, not loaded: aliases stay shared nodes (no alias bomb can expand), and only
        # flat `key: value` pairs (values plain or lists of plain values) are taken
        loader = yaml.SafeLoader(block)
        try:
            root = loader.get_single_node()
            if root is not None and not isinstance(root, yaml.MappingNode):
                raise InputError("front matter must be `key: value` lines (title, url, ...)", 2)
            for knode, vnode in root.value if root is not None else []:
                line = knode.start_mark.line + 2
                if not isinstance(knode, yaml.ScalarNode):
                    raise InputError("front matter keys must be plain names", line)
                key = str(loader.construct_object(knode))
                if isinstance(vnode, yaml.ScalarNode):
                    data[key] = loader.construct_object(vnode)
                elif isinstance(vnode, yaml.SequenceNode) and all(
                    isinstance(n, yaml.ScalarNode) for n in vnode.value
                ):
                    data[key] = [str(loader.construct_object(n)) for n in vnode.value]
                else:
                    raise InputError(f"front matter value of {key!r} must be plain text", line)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"front matter is not valid YAML ({getattr(exc, 'problem', None) or exc})",
            mark.line + 2 if mark is not None else 1,
        ) from None
    return data, norm[end + 5:]  # the body: what is stored, offsets count from here


def _read_json(name: str, text: str, source: str | None) -> Iterator[DocumentIn | Problem]:
    """A JSON array of article records; an annotation tool's export is refused with a hint."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Problem(name, exc.lineno, f"malformed JSON ({exc.msg}, column {exc.colno})")
        return
    except RecursionError:
        yield Problem(name, None, "malformed JSON (nested too deeply)")
        return
    from annotator.services.formats_in.detect import json_kind

    kind = json_kind(data)
    if kind != "records":
        yield Problem(name, None, kind)
        return
    records = [data] if isinstance(data, dict) else data
    for i, rec in enumerate(records, start=1):
        if source and not rec.get("source"):
            rec["source"] = source
        try:
            yield _record_doc(rec, f"{Path(name).name}#{i}")
        except InputError as exc:
            yield Problem(name, None, f"record {i}: {exc}")


def _read_html(path: Path, html: str, source: str | None) -> DocumentIn | Problem:
    """The main text of a saved web page and its metadata, with trafilatura."""
    try:
        import trafilatura
    except ImportError:
        return Problem(str(path), None, "web pages need trafilatura: pip install 'annotator[html]'")
    try:
        found = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # a parser failure on a hostile page is one line, not a traceback
        return Problem(str(path), None, f"cannot extract the article ({type(exc).__name__})")
    info: dict[str, Any] = {}
    if found is not None:
        info = found if isinstance(found, dict) else found.as_dict()
    body = info.get("text") or ""
    if not body.strip():
        return Problem(str(path), None, "no article text found in the page")
    meta = {
        "html": html,
        "extracted_with": f"trafilatura {getattr(trafilatura, '__version__', '?')}",
    }
    for key in ("author", "hostname", "description", "sitename"):
        if info.get(key):
            meta[key] = info[key]
    return make_document(
        body, title=_clean(info.get("title")), source=source or _clean(info.get("sitename")),
        url=_clean(info.get("url")), published=_clean(info.get("date")),
        language=_clean(info.get("language")), meta=meta, origin=path.name,
    )


def _read_jsonl(name: str, text: str, source: str | None) -> Iterator[DocumentIn | Problem]:
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            bad = bad_bytes(line)
            if bad is not None:
                raise InputError(bad)
            rec = json_record(line)
        except InputError as exc:
            yield Problem(name, lineno, str(exc))
            continue
        if not isinstance(rec, dict):
            yield Problem(name, lineno, "expected a JSON object with a `text` field")
            continue
        if source and not rec.get("source"):
            rec["source"] = source
        try:
            yield _record_doc(rec, f"{Path(name).name}:{lineno}")
        except InputError as exc:
            yield Problem(name, lineno, str(exc))


def _read_csv(name: str, text: str, source: str | None) -> Iterator[DocumentIn | Problem]:
    csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        yield Problem(name, 1, f"bad CSV header ({exc})")
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    bad = bad_bytes("".join(header))
    if bad is not None:
        yield Problem(name, 1, f"CSV header {bad}")
        return
    if "text" not in header:
        yield Problem(name, 1, "CSV header has no `text` column")
        return
    if len(set(header)) != len(header):
        yield Problem(name, 1, "CSV header repeats a column name")
        return
    while True:
        lineno = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Problem(name, lineno, f"malformed CSV ({exc})")
            break
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield Problem(
                name,
                lineno,
                f"expected {len(header)} fields, found {len(row)} (unbalanced quotes?)",
            )
            continue
        bad = bad_bytes("\t".join(row))
        if bad is not None:
            yield Problem(name, lineno, bad)
            continue
        rec: dict[str, Any] = dict(zip(header, row, strict=True))
        if source and not rec.get("source"):
            rec["source"] = source
        try:
            yield _record_doc(rec, f"{Path(name).name}:{lineno}")
        except InputError as exc:
            yield Problem(name, lineno, str(exc))


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    encoding: str | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import files into the store in batches; returns counts and problems.

    ``progress`` is called with the number of bytes of each file once it is read.
    """
    summary = ImportSummary()
    batch: list[DocumentIn] = []

    def flush() -> None:
        if not batch:
            return
        for doc, (doc_id, created) in zip(batch, store.corpus.add_documents(batch), strict=True):
            summary.document_ids.append(doc_id)
            if created:
                summary.new += 1
                summary.sentences += len(doc.sentences)
            else:
                summary.present += 1
        batch.clear()

    for path in iter_files(paths):
        if not path.exists():
            summary.problems.append(Problem(str(path), None, "no such file or directory"))
            summary.failed += 1
            continue
        for item in read_file(path, encoding=encoding, source=source):
            if isinstance(item, Problem):
                summary.problems.append(item)
                summary.failed += 1
                continue
            batch.append(item)
            if len(batch) >= BATCH or sum(len(d.sentences) for d in batch) >= BATCH_SENTENCES:
                flush()
        if progress is not None:
            try:
                progress(path.stat().st_size)
            except OSError:
                progress(0)
    flush()
    return summary
