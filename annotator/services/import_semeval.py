"""SemEval/PTC span files in (``import-annotations --format semeval``): ``article<ID>.labels``
span files with their article texts, plus the paragraph and article label files and side files
of services/formats_in/semeval.py; all or nothing, each problem as ``FILE:LINE: cause``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.untrusted import name_problem, not_regular_file
from annotator.services.doctor import log_imported_state
from annotator.services.import_annotations import (
    MAX_PROBLEMS,
    AnnotationImportError,
    ImportResult,
    mark_imported_done,
)
from annotator.store import Store, StoreError, new_uid, now

SPAN_FILE = re.compile(r"article([A-Za-z0-9_.-]+?)(?:-labels.*|\.task.*|\.labels)?\.(txt|labels)$")
# An article id names the file article<ID>.txt: letters, digits, "_", "-" and inner dots only,
# so that no id can climb out of the articles folder ("s/../../etc/x").
ARTICLE_ID = re.compile(r"[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
OFFSET = re.compile(r"[0-9]{1,12}")  # ASCII digits: "²".isdigit() is true, int("²") fails


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


def _file_article(path: Path) -> str | None:
    m = SPAN_FILE.search(path.name)
    return m.group(1) if m else None
