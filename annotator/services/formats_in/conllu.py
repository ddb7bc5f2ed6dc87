"""CoNLL-U Plus in (``# global.columns`` with ID, FORM, MISC and one BIO column per span set).

A folder is searched for ``*.conllup`` and ``*.conllu`` files. The text is ``# doc_text`` (a
JSON string) when the file has it, as ours do; otherwise the sentences' ``# text`` lines, one
paragraph each. Token offsets come from MISC ``TokenRange``
(else from finding each FORM in the text in order). A BIO column ``NS:NAME`` fills the label
set ``name`` (lower case); ``# label <set> = A|B`` are sentence labels, ``# doc_label <set> =``
document labels, ``# doc_<field> =`` the document's fields. The annotator is
``--annotator``, else the file's ``# annotator =`` line, else the file name (``alice.conllup``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item, read_lines

RANGE = re.compile(r"(?:^|\|)TokenRange=(\d+):(\d+)(?:\||$)")


def read(
    path: Path, problems: list[str], warnings: list[str], annotator: str | None = None
) -> list[ForeignDoc]:
    if path.is_dir():
        out: list[ForeignDoc] = []
        for f in sorted([*path.rglob("*.conllup"), *path.rglob("*.conllu")]):
            out += read(f, problems, warnings, annotator)
        return out
    lines = read_lines(path, problems)
    if lines is None:
        return []
    if not lines or not lines[0].startswith("# global.columns ="):
        problems.append(f"{path}:1: not CoNLL-U Plus (the first line must be "
                        "`# global.columns = ...`)")
        return []
    columns = lines[0].split("=", 1)[1].split()
    for need in ("ID", "FORM"):
        if need not in columns:
            problems.append(f"{path}:1: no {need} column in global.columns")
            return []
    bio = [(i, c.split(":")[-1].lower()) for i, c in enumerate(columns)
           if c not in ("ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL",
                        "DEPS", "MISC")]
    reader = _Reader(path, columns, bio, annotator or path.stem, problems)
    reader.fixed_name = annotator is not None
    for lineno, line in enumerate(lines[1:], start=2):
        reader.line(lineno, line.rstrip("\r"))
    reader.finish()
    return reader.docs


class _Reader:
    def __init__(self, path: Path, columns: list[str], bio: list[tuple[int, str]], name: str,
                 problems: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.bio = bio
        self.name = name
        self.fixed_name = False  # --annotator given: the file's own `# annotator` is ignored
        self.problems = problems
        self.docs: list[ForeignDoc] = []
        self.doc: ForeignDoc | None = None
        self.sentences: list[tuple[str, list[tuple[str, int | None, int | None, list[str]]],
                                   dict[str, list[str]], int]] = []
        self.meta: dict[str, str] = {}
        self.tokens: list[tuple[str, int | None, int | None, list[str]]] = []
        self.sent_labels: dict[str, list[str]] = {}
        self.sent_line = 0

    def line(self, lineno: int, line: str) -> None:
        where = f"{self.path}:{lineno}"
        if line.startswith("#"):
            key, sep, value = line[1:].partition("=")
            key, value = key.strip(), value.strip()
            if not sep:
                return
            if key == "annotator" and self.doc is None and not self.fixed_name:
                self.name = value  # the file names its annotator (the file name may not)
            elif key == "newdoc id":
                self.finish()
                self.doc = ForeignDoc(where, "", {"id": value})
                self.doc.works.append(ForeignWork(self.name))
                self.meta = {}
            elif key == "doc_text":
                self.meta["text"] = value
            elif key.startswith("doc_label "):
                for lab in filter(None, value.split("|")):
                    self._work().items.append(Item(lab, label_set=key[10:].strip(), where=where))
            elif key.startswith("doc_"):
                self._doc().fields[key[4:]] = value
            elif key == "text":
                self.meta["sent_text"] = value
            elif key.startswith("label "):
                self.sent_labels[key[6:].strip()] = [x for x in value.split("|") if x]
            return
        if not line.strip():
            self._end_sentence()
            return
        cols = line.split("\t")
        if len(cols) != len(self.columns):
            self.problems.append(f"{where}: {len(cols)} columns, global.columns has "
                                 f"{len(self.columns)}")
            return
        token_id = cols[self.columns.index("ID")]
        if "-" in token_id or "." in token_id:
            return  # multiword token ranges and empty nodes carry no text of their own
        misc = cols[self.columns.index("MISC")] if "MISC" in self.columns else "_"
        m = RANGE.search(misc)
        start, end = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        if not self.tokens:
            self.sent_line = lineno
        self.tokens.append((cols[self.columns.index("FORM")], start, end,
                            [cols[i] for i, _ in self.bio]))

    def _doc(self) -> ForeignDoc:
        if self.doc is None:
            self.doc = ForeignDoc(str(self.path), "", {})
            self.doc.works.append(ForeignWork(self.name))
        return self.doc

    def _work(self) -> ForeignWork:
        return self._doc().works[0]

    def _end_sentence(self) -> None:
        if self.tokens:
            self._doc()
            self.sentences.append((self.meta.pop("sent_text", ""), self.tokens,
                                   self.sent_labels, self.sent_line))
        self.tokens, self.sent_labels = [], {}

    def finish(self) -> None:
        self._end_sentence()
        if self.doc is None:
            return
        doc, work = self.doc, self.doc.works[0]
        text = self.meta.get("text")
        if text is not None:
            try:
                doc.text = json.loads(text)
            except ValueError:
                self.problems.append(f"{doc.where}: `# doc_text` is not a JSON string")
        else:
            doc.text = "\n".join(s[0] for s in self.sentences) + "\n"
        pos = 0
        open_spans: dict[int, Item] = {}
        for _text, tokens, labels, lineno in self.sentences:
            where = f"{self.path}:{lineno}"
            first: int | None = None
            last = 0
            for form, start, end, tags in tokens:
                if start is None or end is None:
                    found = doc.text.find(form, pos)
                    start, end = (found, found + len(form)) if found >= 0 else (None, None)
                if start is None or end is None or doc.text[start:end] != form:
                    self.problems.append(f"{where}: token {form!r} is not in the text at its "
                                         "offsets")
                    break
                pos = end
                first = start if first is None else first
                last = end
                for col, tag in enumerate(tags):
                    set_name = self.bio[col][1]
                    if tag.startswith("B-") or (tag.startswith("I-") and col not in open_spans):
                        self._close(open_spans, col)
                        open_spans[col] = Item(tag[2:], start, end, set_name, where=where)
                    elif tag.startswith("I-") and open_spans[col].label == tag[2:]:
                        open_spans[col].end = end
                    else:
                        self._close(open_spans, col)
            for col in list(open_spans):
                self._close(open_spans, col)  # BIO spans end with their sentence
            if first is not None:
                for set_name, labs in labels.items():
                    work.items += [Item(lab, first, last, set_name, where=where) for lab in labs]
        if doc.text:
            self.docs.append(doc)
        self.doc, self.sentences, self.meta = None, [], {}

    def _close(self, open_spans: dict[int, Item], col: int) -> None:
        item = open_spans.pop(col, None)
        if item is not None and self.doc is not None:
            self.doc.works[0].items.append(item)


