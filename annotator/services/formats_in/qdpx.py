"""REFI-QDA projects in (``.qdpx``, from MAXQDA, ATLAS.ti, NVivo, QualCoder, Taguette or our own
``export --format qdpx``): text sources with their coded selections.

What is read, and how it maps (the export's docstring gives the other direction):

- each TextSource is a document: its text is ``PlainTextContent`` or the UTF-8 file that
  ``plainTextPath`` names inside the zip (``internal://NAME``); its VariableValues named id,
  title, source, published, url or language are the document's fields;
- each Coding of a PlainTextSelection is a span (or a sentence label, when its set is a sentence
  set) at startPosition..endPosition (code points from 0, end exclusive); each Coding of the
  source itself a document label;
- the label is the code's name, its label set the name of the code's parent code (a top-level
  code has none: ``--label-set`` or the stored scheme decides, see formats_in.common);
- the annotator is the User named by the coding's ``creatingUser`` (or the selection's), else
  ``--annotator``, else ``qdpx``; a NoteRef's Note text is the annotation's note;
- a code inside a folder code ``@NAME`` inside a set's folder is a value of the attribute NAME
  of that set (our export writes attributes so): its coding on a selection gives that value to
  the same coder's labels of the set on the same selection.

Picture, PDF, audio and video sources are left out with a warning (they have no text offsets).

The file is untrusted: it is read member by member from the zip (nothing is extracted, so no
member name can place a file anywhere), only members that the project names under ``sources/``,
each at most MAX_MEMBER bytes; the XML is parsed with expat refusing any DOCTYPE (so no entity,
internal or external, can expand or reach the network).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from annotator.services.export.qdpx import ATTRIBUTE_MARK
from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item

NS = "urn:QDA-XML:project:1.0"
MAX_MEMBER = 512 * 1024 * 1024  # bytes of one zip member, read into memory
FIELDS = ("id", "title", "source", "published", "url", "language")


class XmlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Node:
    """An XML element: local tag name, attributes, children, text, and the line it starts on."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def first(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def walk(self) -> list[Node]:
        out = [self]
        for c in self.children:
            out += c.walk()
        return out


def parse_xml(data: bytes) -> Node:
    """Parse untrusted XML into Nodes (namespaces dropped: REFI-QDA files use one). A DOCTYPE
    (and with it every entity declaration) is refused, as defusedxml does."""
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[Node] = []
    root: list[Node] = []

    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1]

    def start(name: str, attrs: dict[str, str]) -> None:
        node = Node(local(name), {local(k): v for k, v in attrs.items()},
                    parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    def doctype(*args: object) -> None:
        raise XmlProblem(parser.CurrentLineNumber, "a DOCTYPE is not allowed (entities could "
                         "expand or reach the network)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlProblem(exc.lineno, f"malformed XML ({expat.ErrorString(exc.code)})") from None
    if not root:
        raise XmlProblem(1, "no XML element")
    return root[0]


def _member(z: zipfile.ZipFile, name: str) -> bytes:
    info = z.getinfo(name)
    if info.file_size > MAX_MEMBER:
        raise ValueError(f"{name} is {info.file_size} bytes (more than {MAX_MEMBER})")
    with z.open(info) as f:
        data = f.read(MAX_MEMBER + 1)
    if len(data) > MAX_MEMBER:
        raise ValueError(f"{name} is larger than {MAX_MEMBER} bytes")
    return data


def _source_member(path_attr: str) -> str | None:
    """``internal://NAME`` -> ``sources/NAME``, or None for a name that is not one plain file
    name (a ``..`` or a folder would point outside ``sources/``)."""
    if not path_attr.startswith("internal://"):
        return None
    name = path_attr[len("internal://"):]
    if not name or PurePosixPath(name).name != name or name in (".", "..") or "\\" in name:
        return None
    return f"sources/{name}"


def read(path: Path, problems: list[str], warnings: list[str],
         annotator: str | None = None) -> list[ForeignDoc]:
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        problems.append(f"{path}: not a .qdpx (zip) file ({exc})")
        return []
    with z:
        qde = [n for n in z.namelist() if n.endswith(".qde") and "/" not in n]
        if len(qde) != 1:
            problems.append(f"{path}: a .qdpx holds one .qde file at its top level "
                            f"({len(qde)} found)")
            return []
        where = f"{path}!{qde[0]}"
        try:
            root = parse_xml(_member(z, qde[0]))
        except XmlProblem as exc:
            problems.append(f"{where}:{exc.line}: {exc}")
            return []
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            problems.append(f"{where}: cannot read ({exc})")
            return []
        if root.tag != "Project":
            problems.append(f"{where}:{root.line}: not a REFI-QDA project (root <{root.tag}>)")
            return []
        return _Project(root, z, path, where, problems, warnings, annotator).documents()


class _Project:
    def __init__(self, root: Node, z: zipfile.ZipFile, path: Path, where: str,
                 problems: list[str], warnings: list[str], annotator: str | None) -> None:
        self.root, self.z, self.path, self.where = root, z, path, where
        self.problems, self.warnings = problems, warnings
        self.fallback = annotator or "qdpx"
        self.users = {u.attrib.get("guid", "").upper(): u.attrib.get("name") or u.attrib.get(
            "id") or "" for u in root.walk() if u.tag == "User"}
        # guid -> (name, parent name, grandparent name)
        self.codes: dict[str, tuple[str, str | None, str | None]] = {}
        book = root.first("CodeBook")
        codes = book.first("Codes") if book is not None else None
        for code in codes.all("Code") if codes is not None else []:
            self._code(code, None, None)
        self.variables = {v.attrib.get("guid", "").upper(): v.attrib.get("name", "")
                          for v in root.walk() if v.tag == "Variable"}
        self.notes = {n.attrib.get("guid", "").upper(): n for n in root.walk()
                      if n.tag == "Note"}

    def _code(self, code: Node, parent: str | None, grandparent: str | None) -> None:
        name = code.attrib.get("name", "")
        self.codes[code.attrib.get("guid", "").upper()] = (name, parent, grandparent)
        for child in code.all("Code"):
            self._code(child, name, parent)

    def at(self, node: Node) -> str:
        return f"{self.where}:{node.line}"

    def documents(self) -> list[ForeignDoc]:
        sources = self.root.first("Sources")
        docs: list[ForeignDoc] = []
        other = 0
        for src in sources.children if sources is not None else []:
            if src.tag != "TextSource":
                other += 1
                continue
            doc = self._document(src)
            if doc is not None:
                docs.append(doc)
        if other:
            self.warnings.append(f"{self.where}: {other} picture, PDF, audio or video source(s) "
                                 "left out (only text sources have character offsets)")
        return docs

    def _text(self, src: Node) -> str | None:
        content = src.first("PlainTextContent")
        if content is not None:
            return content.text
        path_attr = src.attrib.get("plainTextPath", "")
        member = _source_member(path_attr)
        if member is None:
            self.problems.append(f"{self.at(src)}: plainTextPath {path_attr!r} is not an "
                                 "internal://FILE of this project (external sources are not "
                                 "read)")
            return None
        try:
            return _member(self.z, member).decode("utf-8").removeprefix("\ufeff")
        except KeyError:
            self.problems.append(f"{self.at(src)}: {member} is missing from {self.path}")
        except UnicodeDecodeError:
            self.problems.append(f"{self.at(src)}: {member} is not UTF-8 text")
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            self.problems.append(f"{self.at(src)}: cannot read {member} ({exc})")
        return None

    def _document(self, src: Node) -> ForeignDoc | None:
        text = self._text(src)
        if text is None:
            return None
        fields: dict[str, str] = {}
        if src.attrib.get("name"):
            fields["title"] = src.attrib["name"]
        for vv in src.all("VariableValue"):
            ref = vv.first("VariableRef")
            name = self.variables.get(ref.attrib.get("targetGUID", "").upper(), "") \
                if ref is not None else ""
            value = next((c.text for c in vv.children if c.tag.endswith("Value")
                          and c.tag != "VariableValue"), "")
            if name in FIELDS and value.strip():
                fields[name] = value.strip()
        doc = ForeignDoc(self.at(src), text, fields)
        works: dict[str, ForeignWork] = {}
        for sel in src.all("PlainTextSelection"):
            span = self._positions(sel)
            if span is None:
                continue
            values: list[tuple[str, str, str, str]] = []  # who, set, attribute, value
            for coding in sel.all("Coding"):
                found = self._value(coding, sel)
                if found is not None:
                    values.append(found)
                else:
                    self._item(coding, sel, span, works)
            for who, set_name, attribute, value in values:
                owners = [it for it in works.get(who, ForeignWork(who)).items
                          if (it.start, it.end) == span and it.label_set == set_name]
                if not owners:
                    self.problems.append(
                        f"{self.at(sel)}: a value of {ATTRIBUTE_MARK}{attribute} coded by {who} "
                        f"without a {set_name} label on the same selection")
                for it in owners:
                    it.attributes.setdefault(attribute, []).append(value)
        for coding in src.all("Coding"):
            self._item(coding, src, None, works)
        doc.works = list(works.values())
        return doc

    def _positions(self, sel: Node) -> tuple[int, int] | None:
        raw = (sel.attrib.get("startPosition", ""), sel.attrib.get("endPosition", ""))
        if not all(re.fullmatch(r"\s*-?\d+\s*", r) for r in raw):
            self.problems.append(f"{self.at(sel)}: startPosition and endPosition must be "
                                 f"integers (got {raw[0]!r}, {raw[1]!r})")
            return None
        return int(raw[0]), int(raw[1])

    def _who(self, coding: Node, owner: Node) -> str:
        who_guid = (coding.attrib.get("creatingUser") or owner.attrib.get("creatingUser")
                    or "").upper()
        return self.users.get(who_guid) or self.fallback

    def _value(self, coding: Node, sel: Node) -> tuple[str, str, str, str] | None:
        """(annotator, set, attribute, value) of a coding with an attribute value code (a code
        inside an ``@attribute`` folder inside a set's folder), else None."""
        ref = coding.first("CodeRef")
        target = ref.attrib.get("targetGUID", "").upper() if ref is not None else ""
        name, parent, grandparent = self.codes.get(target, ("", None, None))
        if not (parent and grandparent and parent.startswith(ATTRIBUTE_MARK)):
            return None
        return self._who(coding, sel), grandparent, parent[len(ATTRIBUTE_MARK):], name

    def _item(self, coding: Node, owner: Node, span: tuple[int, int] | None,
              works: dict[str, ForeignWork]) -> None:
        ref = coding.first("CodeRef")
        target = ref.attrib.get("targetGUID", "").upper() if ref is not None else ""
        if target not in self.codes:
            self.problems.append(f"{self.at(coding)}: the coding names no code of the codebook "
                                 f"({target or 'no CodeRef'})")
            return
        label, parent, _ = self.codes[target]
        who = self._who(coding, owner)
        w = works.setdefault(who, ForeignWork(who))
        stamp = coding.attrib.get("creationDateTime") or owner.attrib.get("creationDateTime")
        if stamp and (w.created_at is None or stamp < w.created_at):
            w.created_at = stamp
        notes = [self.notes[r.attrib.get("targetGUID", "").upper()]
                 for r in coding.all("NoteRef") + (owner.all("NoteRef") if span else [])
                 if r.attrib.get("targetGUID", "").upper() in self.notes]
        note = "\n".join(c.text for n in notes for c in n.all("PlainTextContent")) or None
        start, end = span if span is not None else (None, None)
        w.items.append(Item(label, start, end, parent, note, self.at(coding)))
