"""REFI-QDA: a project (``.qdpx``) or a codebook (``.qdc``) that MAXQDA, ATLAS.ti, NVivo,
QualCoder and Taguette open.

The REFI-QDA standard (www.qdasoftware.org, "REFI-QDA 1.5" and its schemas Project-mrt2019.xsd
and Codebook.xsd) defines a project as a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and ``sources/``; we write:

- Users: one per annotator (the coder of every selection and coding is named).
- CodeBook: one code per label set (not codable: a folder in those tools) with one codable code
  per label under it, with the scheme's colour and description.
- Variables: the document fields (source = the outlet, published, title, url, language, id) as
  text variables with a value on each source, so a media-studies project keeps its outlets.
- Sources: one TextSource per document; its text is ``sources/<guid>.txt`` (UTF-8, the
  standard's "plain text" rule); each span and sentence label is a PlainTextSelection with
  startPosition/endPosition in Unicode code points from 0 (section 10.2), the end exclusive
  as in our offsets (and as QualCoder and Taguette read it); document labels are codings of
  the source itself.
- Notes: an annotation's note is a Note (memo) referenced from its selection or coding.

GUIDs are derived from the content (uuid5), so exporting twice gives the same file. Annotators
who answered a document without labelling anything leave no trace: the standard has no place
for "looked and found nothing".
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from annotator.services.export.common import (
    ExportError,
    Selection,
    Walker,
    atomic_path,
    latest_schemes,
)
from annotator.services.export.exchange import Mark, document_fields, works
from annotator.store import Store

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
GUID_ROOT = uuid.UUID("6f1c7a52-3e0b-5d2a-9b1e-a7d0c0de0f18")  # our namespace for uuid5
FIELDS = ("id", "title", "source", "published", "url", "language")
# A label set's attribute (actor, target, agreement) is a folder code "@actor" inside the set's
# folder, one code per value; a statement's values are codings of those codes on its selection.
ATTRIBUTE_MARK = "@"
# XML 1.0 forbids most control characters even as references: such characters in a note or a
# name become U+FFFD (the source texts themselves go to .txt files, unchanged).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def guid(*parts: object) -> str:
    """A stable GUID for a thing of the export, from what identifies it."""
    return str(uuid.uuid5(GUID_ROOT, "\x1f".join(str(p) for p in parts))).upper()


def xml_text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _stamp(value: str | None) -> str | None:
    """Our ISO times as xsd:dateTime (UTC, seconds)."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _color(value: str) -> str | None:
    return value if re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", value or "") else None


class Codebook:
    """The codes: a folder code per label set, a codable code per label."""

    def __init__(self, store: Store, levels: dict[str, str]) -> None:
        from annotator.core.colors import FALLBACK, label_colors

        self.levels = levels
        self.sets: dict[str, dict[str, Any]] = {}
        for scheme in latest_schemes(store):
            colors = label_colors(scheme.label_sets)
            for ls in scheme.label_sets:
                if ls.name not in levels or ls.name in self.sets:
                    continue
                self.sets[ls.name] = {
                    "description": ls.description or f"{ls.level} labels ({scheme.name})",
                    "labels": {lab.name: (colors.get((ls.name, lab.name), FALLBACK),
                                          lab.description) for lab in ls.labels},
                    "attributes": {a.name: (a.description, dict.fromkeys(a.names))
                                   for a in ls.attributes},
                }
        for name in levels:
            self.sets.setdefault(name, {"description": f"{levels[name]} labels", "labels": {},
                                        "attributes": {}})

    def add_label(self, label_set: str, label: str) -> None:
        """A label the annotations use that the latest scheme no longer has."""
        from annotator.core.colors import FALLBACK

        self.sets[label_set]["labels"].setdefault(label, (FALLBACK, ""))

    def add_attribute_value(self, label_set: str, attribute: str, value: str) -> None:
        """A value the annotations use: open attributes' values exist only there."""
        _, values = self.sets[label_set]["attributes"].setdefault(attribute, ("", {}))
        values.setdefault(value, None)

    def code_guid(self, label_set: str, label: str | None = None) -> str:
        return guid("code", label_set, label) if label is not None else guid("set", label_set)

    def value_guid(self, label_set: str, attribute: str, value: str | None = None) -> str:
        return guid("attribute", label_set, attribute, *(() if value is None else (value,)))

    def element(self, ns: str) -> ET.Element:
        book = ET.Element(f"{{{ns}}}CodeBook")
        codes = ET.SubElement(book, f"{{{ns}}}Codes")
        for set_name, info in self.sets.items():
            folder = ET.SubElement(codes, f"{{{ns}}}Code", guid=self.code_guid(set_name),
                                   name=xml_text(set_name), isCodable="false")
            ET.SubElement(folder, f"{{{ns}}}Description").text = xml_text(info["description"])
            for label, (color, description) in info["labels"].items():
                attrs = {"guid": self.code_guid(set_name, label), "name": xml_text(label),
                         "isCodable": "true"}
                if _color(color):
                    attrs["color"] = color
                code = ET.SubElement(folder, f"{{{ns}}}Code", attrs)
                if description:
                    ET.SubElement(code, f"{{{ns}}}Description").text = xml_text(description)
            for attribute, (description, values) in info["attributes"].items():
                sub = ET.SubElement(folder, f"{{{ns}}}Code",
                                    guid=self.value_guid(set_name, attribute),
                                    name=xml_text(ATTRIBUTE_MARK + attribute), isCodable="false")
                ET.SubElement(sub, f"{{{ns}}}Description").text = xml_text(
                    description or f"values of the attribute {attribute} of {set_name} labels")
                for value in values:
                    ET.SubElement(sub, f"{{{ns}}}Code",
                                  guid=self.value_guid(set_name, attribute, value),
                                  name=xml_text(value), isCodable="true")
        return book


def _xml_bytes(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root, space=" ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def export(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    """Write ``out`` (a ``.qdpx`` zip) with every selected document and annotation."""
    if out.exists() and out.is_dir():
        raise ExportError(f"{out}: is a directory (qdpx writes one .qdpx file)")
    walker = Walker(store, selection, warn)
    book = Codebook(store, walker.levels)
    ns = f"{{{PROJECT_NS}}}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    project = ET.Element(f"{ns}Project", name=xml_text(Path(store.path).stem),
                         origin="annotator", creationDateTime=now)
    users = ET.SubElement(project, f"{ns}Users")
    user_ids: dict[str, str] = {}
    for name in walker.who:
        user_ids[name] = guid("user", name)
        ET.SubElement(users, f"{ns}User", guid=user_ids[name], name=xml_text(name))
    codebook_at = len(project)
    variables = ET.SubElement(project, f"{ns}Variables")
    for f in FIELDS:
        ET.SubElement(variables, f"{ns}Variable", guid=guid("variable", f), name=f,
                      typeOfVariable="Text")
    sources = ET.SubElement(project, f"{ns}Sources")
    values_of: dict[str, dict[str, list[str]]] = {}  # annotation uid -> attribute -> values
    for set_name in walker.levels:
        for r in store.attributes.current_rows(set_name):
            values_of.setdefault(r["annotation_uid"], {}).setdefault(
                r["attribute"], []).append(str(r["value"]))
    notes: list[ET.Element] = []
    texts: dict[str, str] = {}
    n_marks = 0
    for doc, done in works(walker):
        doc_guid = guid("document", doc.row["sha256"])
        fields = document_fields(doc)
        src = ET.SubElement(sources, f"{ns}TextSource", guid=doc_guid,
                            name=xml_text(fields.get("title") or doc.name),
                            plainTextPath=f"internal://{doc_guid}.txt")
        texts[f"sources/{doc_guid}.txt"] = doc.text
        selections: dict[tuple[int, int], ET.Element] = {}
        doc_codings: list[ET.Element] = []
        for w in done:
            for m in w.marks:
                book.add_label(m.label_set, m.label)
                n_marks += 1
                coding = _coding(book, m, user_ids[w.annotator], ns)
                if m.note:
                    note_guid = guid("note", m.uid or (doc_guid, w.annotator, m.label_set,
                                                       m.label, m.start, m.end))
                    notes.append(_note(note_guid, m, user_ids[w.annotator], ns))
                    ET.SubElement(coding, f"{ns}NoteRef", targetGUID=note_guid)
                if m.start is None or m.end is None:
                    doc_codings.append(coding)
                    continue
                sel = selections.get((m.start, m.end))
                if sel is None:
                    sel = ET.Element(f"{ns}PlainTextSelection", {
                        "guid": guid("selection", doc_guid, m.start, m.end),
                        "name": xml_text(doc.text[m.start:m.end][:80]),
                        "startPosition": str(m.start), "endPosition": str(m.end),
                        "creatingUser": user_ids[w.annotator],
                        **({"creationDateTime": s} if (s := _stamp(m.created_at)) else {}),
                    })
                    selections[(m.start, m.end)] = sel
                sel.append(coding)
                for attribute, values in values_of.get(m.uid, {}).items():
                    for value in values:
                        book.add_attribute_value(m.label_set, attribute, value)
                        sel.append(_value_coding(book, m, attribute, value,
                                                 user_ids[w.annotator], ns))
        for key in sorted(selections):
            src.append(selections[key])
        src.extend(doc_codings)
        for f in FIELDS:
            if fields.get(f):
                vv = ET.SubElement(src, f"{ns}VariableValue")
                ET.SubElement(vv, f"{ns}VariableRef", targetGUID=guid("variable", f))
                ET.SubElement(vv, f"{ns}TextValue").text = xml_text(fields[f])
        if advance is not None:
            advance(1)
    if not len(users):
        project.remove(users)
        codebook_at = 0
    project.insert(codebook_at, book.element(PROJECT_NS))
    if notes:
        notes_el = ET.SubElement(project, f"{ns}Notes")
        notes_el.extend(notes)
    if not len(sources):
        project.remove(sources)
    _write_zip(out, _xml_bytes(project, PROJECT_NS), texts)
    return {"documents": len(walker), "annotations": n_marks}


def _coding(book: Codebook, m: Mark, user: str, ns: str) -> ET.Element:
    attrs = {"guid": guid("coding", m.uid or (m.label_set, m.label, m.start, m.end, user)),
             "creatingUser": user}
    if (s := _stamp(m.created_at)) is not None:
        attrs["creationDateTime"] = s
    coding = ET.Element(f"{ns}Coding", attrs)
    ET.SubElement(coding, f"{ns}CodeRef", targetGUID=book.code_guid(m.label_set, m.label))
    return coding


def _value_coding(book: Codebook, m: Mark, attribute: str, value: str, user: str,
                  ns: str) -> ET.Element:
    attrs = {"guid": guid("value", m.uid, attribute, value), "creatingUser": user}
    if (s := _stamp(m.created_at)) is not None:
        attrs["creationDateTime"] = s
    coding = ET.Element(f"{ns}Coding", attrs)
    ET.SubElement(coding, f"{ns}CodeRef",
                  targetGUID=book.value_guid(m.label_set, attribute, value))
    return coding


def _note(note_guid: str, m: Mark, user: str, ns: str) -> ET.Element:
    attrs = {"guid": note_guid, "name": xml_text(f"{m.label_set}/{m.label}"),
             "creatingUser": user}
    if (s := _stamp(m.created_at)) is not None:
        attrs["creationDateTime"] = s
    note = ET.Element(f"{ns}Note", attrs)
    ET.SubElement(note, f"{ns}PlainTextContent").text = xml_text(m.note or "")
    return note


def _write_zip(out: Path, qde: bytes, texts: dict[str, str]) -> None:
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde)
        for name, text in texts.items():
            z.writestr(name, text.encode("utf-8"))


def export_codebook(
    store: Store, out: Path, selection: Selection, *, warn: Any, advance: Any = None
) -> dict[str, int]:
    """Write ``out`` (a ``.qdc`` file): the codebook alone, for a project begun elsewhere."""
    from annotator.services.export.common import label_set_levels

    if out.exists() and out.is_dir():
        raise ExportError(f"{out}: is a directory (qdc writes one .qdc file)")
    book = Codebook(store, label_set_levels(store, selection))
    root = book.element(CODEBOOK_NS)
    root.set("origin", "annotator")
    with atomic_path(out) as tmp:
        tmp.write_bytes(_xml_bytes(root, CODEBOOK_NS))
    return {"documents": 0, "annotations": 0, "codes": _count(book.sets.values())}


def _count(sets: Iterable[dict[str, Any]]) -> int:
    return sum(1 + len(s["labels"]) for s in sets)
