"""A REFI-QDA codebook (``.qdc``, from MAXQDA, ATLAS.ti, NVivo, QualCoder, Taguette or our own
``export --format qdc``) as a scheme: the YAML text of a first version, for the researcher to
check and store (``annotator scheme from-qdc``, then ``annotator scheme add``).

Why a file and not a stored scheme: a scheme here is a YAML file its researcher owns (levels,
keys, guidelines, versions checked by ``scheme add``), and a codebook cannot say everything a
scheme must: whether a code is applied to phrases, whole sentences or whole documents, or whether
an attribute takes one value or several. So the codebook becomes a file that says what it guessed,
``scheme check`` confirms it, and ``scheme add`` stores it (a new scheme, or, under an existing
scheme's name with a higher version, an extended one).

How codes map (the inverse of :mod:`annotator.services.export.qdpx`'s codebook):

- a top-level code with sub-codes is a label set (its name made a valid set name); its
  description is the set's, except our export's own ``span labels (SCHEME)`` or last line
  ``(span labels, scheme SCHEME)``, which gives the level instead;
- a sub-code is a label, with its ``color`` and description; a sub-code that has sub-codes of
  its own names a label *group*: its codes (at any depth) are labels of the set in that group;
- a sub-code named ``@NAME`` is the attribute NAME of the set (our export writes attributes so),
  its sub-codes the attribute's closed values; without sub-codes the attribute is open;
- a top-level code without sub-codes is a label of the set ``--label-set`` (default ``codes``);
- the codebook's ``Sets`` (cross-cutting groups of codes) have no place and are left out.

The file is untrusted: parsed with :func:`annotator.services.formats_in.qdpx.parse_xml` (no
DOCTYPE, so no entity can expand or reach the network), at most MAX_BYTES read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.services.export.qdpx import ATTRIBUTE_MARK
from annotator.services.formats_in.qdpx import Node, XmlProblem, parse_xml

MAX_BYTES = 64 * 1024 * 1024
LEVELS = ("span", "sentence", "document")
# our own export's description of a set: "span labels (scheme)" for a set without one, else its
# description and a last line "(span labels, scheme NAME)": the level, which has no field
_OUR_DESCRIPTION = re.compile(r"^(span|sentence|document) labels( \(.*\))?$")
_OUR_LEVEL_LINE = re.compile(r"\n\((span|sentence|document) labels, scheme [^)\n]*\)$")


class CodebookError(Exception):
    """A codebook that cannot be read: one line, FILE[:LINE]: cause."""


@dataclass
class Converted:
    """The scheme's YAML text and what the conversion had to guess or leave out."""

    yaml: str
    notes: list[str] = field(default_factory=list)
    n_sets: int = 0
    n_labels: int = 0


def _name(raw: str) -> str:
    """A name the scheme accepts (letters, digits, ``_ - .``), from a code's name: accents
    dropped (``Déclarations`` -> ``Declarations``), other characters become ``_``."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", raw.strip())
                    if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", plain).strip("._-")
    return cleaned or "codes"


def _text(node: Node, tag: str = "Description") -> str:
    found = node.first(tag)
    return found.text.strip() if found is not None else ""


def _descendants(code: Node) -> list[Node]:
    out = []
    for c in code.all("Code"):
        out.append(c)
        out += _descendants(c)
    return out


def scheme_from_codebook(
    path: Path, *, name: str | None = None, level: str = "span", label_set: str = "codes",
) -> Converted:
    """Read the codebook at ``path`` into the YAML text of version 1 of a scheme ``name``
    (default: the file's name), its sets at ``level`` unless the codebook says otherwise."""
    import yaml

    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise CodebookError(f"{path}: larger than {MAX_BYTES} bytes")
    try:
        root = parse_xml(data)
    except XmlProblem as exc:
        raise CodebookError(f"{path}:{exc.line}: {exc}") from None
    if root.tag != "CodeBook":
        raise CodebookError(f"{path}:{root.line}: not a REFI-QDA codebook (root <{root.tag}>"
                            + ("; a .qdpx project is read by import-annotations --format qdpx)"
                               if root.tag == "Project" else ")"))
    codes = root.first("Codes")
    top = codes.all("Code") if codes is not None else []
    if not top:
        raise CodebookError(f"{path}:{root.line}: the codebook has no code")
    out = Converted("")
    sets: dict[str, dict[str, Any]] = {}
    loose: list[Node] = []

    def label_of(code: Node, group: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": code.attrib.get("name", "").strip()}
        color = code.attrib.get("color", "")
        if re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", color):
            entry["color"] = color
        if _text(code):
            entry["description"] = _text(code)
        if group:
            entry["group"] = group
        return entry

    def add_label(ls: dict[str, Any], entry: dict[str, Any], code: Node) -> None:
        if not entry["name"]:
            out.notes.append(f"{path}:{code.line}: a code without a name left out")
        elif any(lab["name"] == entry["name"] for lab in ls["labels"]):
            out.notes.append(f"{path}:{code.line}: {entry['name']!r} appears twice in "
                             f"{ls['name']}: kept once")
        else:
            ls["labels"].append(entry)

    for code in top:
        children = code.all("Code")
        if not children:
            loose.append(code)
            continue
        set_name = _name(code.attrib.get("name", ""))
        while set_name in sets:
            set_name += "_2"
        description = _text(code)
        said = _OUR_DESCRIPTION.match(description) or _OUR_LEVEL_LINE.search(description)
        ls: dict[str, Any] = {"name": set_name, "level": said.group(1) if said else level,
                              "multiple": True}
        if said is not None:
            description = description[: said.start()].strip()
        if description:
            ls["description"] = description
        ls["labels"] = []
        attributes: list[dict[str, Any]] = []
        if code.attrib.get("isCodable", "").lower() == "true":
            out.notes.append(f"{path}:{code.line}: code {code.attrib.get('name')!r} is codable "
                             "and has sub-codes: it became the label set, not a label")
        for child in children:
            child_name = child.attrib.get("name", "").strip()
            if child_name.startswith(ATTRIBUTE_MARK):
                values = [v.attrib.get("name", "").strip() for v in child.all("Code")]
                attr: dict[str, Any] = {"name": _name(child_name[len(ATTRIBUTE_MARK):])}
                if values:
                    attr["values"] = list(dict.fromkeys(v for v in values if v))
                else:
                    attr["open"] = True
                if _text(child):
                    attr["description"] = _text(child)
                attributes.append(attr)
            elif child.all("Code"):
                if child.attrib.get("isCodable", "").lower() == "true":
                    add_label(ls, label_of(child, child_name), child)
                for grand in _descendants(child):
                    add_label(ls, label_of(grand, child_name), grand)
            else:
                add_label(ls, label_of(child), child)
        if attributes and ls["level"] == "document":
            out.notes.append(f"{path}:{code.line}: attributes of {set_name} left out (a "
                             "document set has none)")
        elif attributes:
            ls["attributes"] = attributes
            out.notes.append(f"{set_name}: attribute(s) {', '.join(a['name'] for a in attributes)}"
                             " take one value each; write `multiple: true` where several apply")
        if not ls["labels"]:
            out.notes.append(f"{path}:{code.line}: {set_name} has no label (left out)")
            continue
        sets[set_name] = ls
    if loose:
        name_ = _name(label_set)
        ls = sets.setdefault(name_, {"name": name_, "level": level, "multiple": True,
                                     "labels": []})
        for code in loose:
            add_label(ls, label_of(code), code)
    if not sets:
        raise CodebookError(f"{path}: no code of the codebook can be a label")
    code_sets = root.first("Sets")
    n_sets = len(code_sets.all("Set")) if code_sets is not None else 0
    if n_sets:
        out.notes.append(f"{path}: {n_sets} code set(s) left out (here a label set is a "
                         "parent code)")
    guessed = [s["name"] for s in sets.values() if s["level"] == level]
    if guessed:
        out.notes.append(f"level {level} given to {', '.join(guessed)} (the codebook does not "
                         "say; --level or edit the file)")
    scheme = {
        "name": _name(name or path.stem),
        "version": 1,
        "description": f"From the REFI-QDA codebook {path.name}"
        + (f" (made by {root.attrib['origin']})" if root.attrib.get("origin") else ""),
        "label_sets": list(sets.values()),
    }
    head = (f"# {scheme['name']}: a scheme made by `annotator scheme from-qdc` from "
            f"{path.name}.\n# Check each set's level and multiple, then: annotator scheme add "
            "THIS_FILE\n")
    out.yaml = head + yaml.safe_dump(scheme, sort_keys=False, allow_unicode=True, width=100)
    out.n_sets = len(sets)
    out.n_labels = sum(len(s["labels"]) for s in sets.values())
    return out
