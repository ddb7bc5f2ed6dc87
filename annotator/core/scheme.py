"""Labeling schemes: the YAML format, its validator and the frozen model the rest of the tool uses.

A scheme is a YAML file naming label sets at three levels (document, sentence, span). Researchers
write these files by hand, so the validator reports every problem at once, each as
``FILE:LINE:COL: message`` with the real position in the YAML, and it never raises on hostile input
(alias bombs, deep nesting, binary junk, huge files): everything becomes a ``Problem``.

This module is the public door (parse, check, load, shipped schemes, versions, the stored checked
form) and checks the scheme, its label sets and labels. Its parts: ``scheme_model`` (the frozen
objects), ``scheme_yaml`` (YAML to positioned nodes, within budgets), ``scheme_fields`` (checks of
one field, problems collected), ``scheme_attributes`` (attributes, issue 18), ``scheme_keys``
(quick keys). Callers import from here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from pathlib import Path
from typing import Any

from annotator.core.scheme_attributes import AttributeChecks
from annotator.core.scheme_fields import NAME_RE, Fields, did_you_mean
from annotator.core.scheme_keys import RESERVED_KEYS, KeyChecks
from annotator.core.scheme_model import (
    LEVELS,
    MAX_VERSION,
    SCALES,
    Attribute,
    AttributeValue,
    Label,
    LabelSet,
    Level,
    Problem,
    Scale,
    Scheme,
    SchemeError,
)
from annotator.core.scheme_yaml import Node, kind_name, parse_yaml, type_name
from annotator.core.untrusted import not_regular_file

__all__ = [
    "DEFAULT_SCHEME",
    "LEVELS",
    "MAX_VERSION",
    "PARSED_FORMAT",
    "RESERVED_KEYS",
    "SCALES",
    "Attribute",
    "AttributeValue",
    "Label",
    "LabelSet",
    "Level",
    "Problem",
    "Scale",
    "Scheme",
    "SchemeError",
    "attribute_incompatibilities",
    "check_scheme",
    "find_scheme_source",
    "incompatibilities",
    "load_scheme_file",
    "normalise_text",
    "parse_scheme",
    "read_scheme_text",
    "scheme_from_json",
    "scheme_to_json",
    "shipped_scheme_dir",
    "shipped_schemes",
]

MAX_BYTES = 5_000_000  # a scheme is a few KB; anything this big is a mistake (or an attack)
DEFAULT_SCHEME = "conflict-news"

_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SCHEME_SUFFIXES = (".yaml", ".yml")

# Named colours accepted besides #rgb and #rrggbb (all understood by Textual and CSS).
NAMED_COLORS: frozenset[str] = frozenset(
    {
        "black", "white", "gray", "grey", "silver", "red", "maroon", "crimson", "tomato",
        "coral", "salmon", "orange", "darkorange", "gold", "yellow", "khaki", "olive", "lime",
        "green", "darkgreen", "teal", "turquoise", "cyan", "aqua", "skyblue", "blue", "navy",
        "indigo", "purple", "violet", "orchid", "plum", "magenta", "fuchsia", "pink",
        "hotpink", "brown", "chocolate", "tan",
    }
)  # fmt: skip


# ------------------------------------------------------------------------------- validation
_TOP_FIELDS = ("name", "version", "label_sets", "language", "description", "guidelines")
_SET_FIELDS = (
    "name", "level", "labels", "multiple", "scale", "required", "description", "target",
    "attributes",
)  # fmt: skip
_LABEL_FIELDS = ("name", "key", "color", "description", "examples", "cues", "value", "group")


class _Checker:
    """The checks of one file: the scheme, its label sets and labels here; attributes and keys
    in their own modules; every problem collected in one :class:`Fields`."""

    def __init__(self, filename: str) -> None:
        self.fields = Fields(filename)
        self.at = self.fields.at  # report a problem at a node
        self.attributes = AttributeChecks(self.fields)
        self.keys = KeyChecks(self.fields)

    def scheme(self, root: Node, text: str) -> Scheme | None:
        if root.kind != "map":
            self.at(root, "a scheme must be a mapping with name, version and label_sets")
            return None
        self.fields.unknown(root, _TOP_FIELDS, "the scheme")
        self.fields.require(root, ("name", "version", "label_sets"), "the scheme")
        name = self.fields.text(root, "name", "the scheme", oneline=True)
        if name is not None and not NAME_RE.match(name):
            self.at(
                root.entries["name"][1],
                f'scheme name "{name}" must be letters, digits, "_", "-" or "." (no spaces)',
            )
        version = 0
        if "version" in root.entries:
            node = root.entries["version"][1]
            v = node.value
            if node.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int):
                got = kind_name(node)
                self.at(node, f"version must be a whole number (1, 2, ...), got {got}")
            elif v < 1:
                self.at(node, f"version must be 1 or more, not {v}")
            elif v > MAX_VERSION:
                self.at(node, f"version must be at most {MAX_VERSION}, not {v}")
            else:
                version = v
        language = (
            self.fields.text(root, "language", "the scheme", default="fr", oneline=True) or "fr"
        )
        description = self.fields.text(root, "description", "the scheme", default="") or ""
        guidelines = self.fields.text(root, "guidelines", "the scheme", default="") or ""
        sets: list[LabelSet] = []
        set_nodes: list[tuple[LabelSet, Node]] = []
        if "label_sets" in root.entries:
            node = root.entries["label_sets"][1]
            if node.kind != "seq":
                got = type_name(node.value) if node.kind == "scalar" else "a mapping"
                self.at(node, f"label_sets must be a list of label sets, got {got}")
            elif not node.items:
                self.at(node, "label_sets is empty: a scheme needs at least one label set")
            else:
                seen: dict[str, Node] = {}
                for i, item in enumerate(node.items, 1):
                    ls = self.label_set(item, i)
                    pair = item.entries.get("name") if item.kind == "map" else None
                    raw = pair[1].value if pair else None
                    if isinstance(raw, str):
                        if raw in seen:
                            self.at(
                                pair[1],  # type: ignore[index]
                                f'duplicate label set name "{raw}" '
                                f"(first at line {seen[raw].line})",
                            )
                            continue
                        seen[raw] = item
                    if ls is not None:
                        sets.append(ls)
                        set_nodes.append((ls, item))
        self.keys.unique_keys(set_nodes)
        if self.fields.problems or name is None:
            return None
        return Scheme(
            name=name,
            version=version,
            label_sets=tuple(sets),
            language=language,
            description=description,
            guidelines=guidelines,
            text=text,
        )

    def label_set(self, node: Node, index: int) -> LabelSet | None:
        if node.kind != "map":
            got = type_name(node.value) if node.kind == "scalar" else "a list"
            self.at(node, f"label set #{index} must be a mapping (name, level, labels), got {got}")
            return None
        raw_name = self.fields.text(node, "name", f"label set #{index}", oneline=True)
        what = f'label set "{raw_name}"' if raw_name else f"label set #{index}"
        self.fields.unknown(node, _SET_FIELDS, what)
        ok = self.fields.require(node, ("name", "level", "labels"), what)
        if raw_name is not None and not NAME_RE.match(raw_name):
            self.at(
                node.entries["name"][1],
                f'label set name "{raw_name}" must be letters, digits, "_", "-" or "." (no spaces)',
            )
            ok = False
        level = self.fields.enum(node, "level", LEVELS, what, "")
        scale = self.fields.enum(node, "scale", SCALES, what, "nominal")
        multiple = self.fields.flag(node, "multiple", what)
        required = self.fields.flag(node, "required", what)
        description = self.fields.text(node, "description", what, default="") or ""
        target = self.fields.text(node, "target", what, oneline=True)
        labels: list[Label] = []
        value_nodes: list[tuple[Label, Node]] = []
        if "labels" in node.entries:
            lnode = node.entries["labels"][1]
            if lnode.kind != "seq":
                got = type_name(lnode.value) if lnode.kind == "scalar" else "a mapping"
                self.at(lnode, f"labels of {what} must be a list, got {got}")
                ok = False
            elif not lnode.items:
                self.at(lnode, f"{what} has no labels")
                ok = False
            else:
                seen: dict[str, Node] = {}
                for j, item in enumerate(lnode.items, 1):
                    lab = self.label(item, j, what)
                    if lab is None:
                        ok = False
                        continue
                    if lab.name in seen:
                        self.at(
                            item,
                            f'duplicate label "{lab.name}" in {what} '
                            f"(first at line {seen[lab.name].line})",
                        )
                        ok = False
                        continue
                    seen[lab.name] = item
                    labels.append(lab)
                    value_nodes.append((lab, item))
                if scale == "ordinal" and len(lnode.items) < 2:
                    self.at(lnode, f"{what} is ordinal and needs at least 2 labels")
                    ok = False
                ok = self.fields.values(value_nodes, scale, what) and ok
        attributes: tuple[Attribute, ...] = ()
        if "attributes" in node.entries:
            anode = node.entries["attributes"][1]
            if level == "document":
                self.at(anode, f"{what}: attributes are for sentence and span label sets "
                        "(they are asked on the annotation screen when a label is applied)")
                ok = False
            else:
                found = self.attributes.of_set(anode, what)
                ok = found is not None and ok
                attributes = found or ()
        if not ok or not level or raw_name is None:
            return None
        return LabelSet(
            name=raw_name,
            level=level,  # type: ignore[arg-type]
            labels=tuple(labels),
            multiple=multiple,
            scale=scale,  # type: ignore[arg-type]
            required=required,
            description=description,
            target=target,
            attributes=attributes,
        )

    def label(self, node: Node, index: int, set_what: str) -> Label | None:
        if node.kind == "scalar":  # shorthand: "- Doubt"
            v = node.value
            if not isinstance(v, str):
                hint = ' (quote it: "…")' if isinstance(v, int | float) and v is not None else ""
                self.at(node, f"label #{index} of {set_what} must be a string or a mapping, "
                        f"got {type_name(v)}{hint}")
                return None
            return Label(name=v) if self.fields.label_name(node, v, index, set_what) else None
        if node.kind != "map":
            self.at(node, f"label #{index} of {set_what} must be a string or a mapping, got a list")
            return None
        raw = node.entries.get("name")
        name = raw[1].value if raw and isinstance(raw[1].value, str) else None
        what = f'label "{name}"' if name else f"label #{index} of {set_what}"
        self.fields.unknown(node, _LABEL_FIELDS, what)
        if not self.fields.require(node, ("name",), what):
            return None
        name = self.fields.text(node, "name", what)
        name_node = node.entries["name"][1]
        if name is None or not self.fields.label_name(name_node, name, index, set_what):
            return None
        key = self.keys.key(node, what)
        color = self.color(node, what)
        value: float | None = None
        if "value" in node.entries:
            vnode = node.entries["value"][1]
            v = vnode.value
            if vnode.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int | float):
                got = kind_name(vnode)
                self.at(vnode, f"value of {what} must be a number, got {got}")
            elif not math.isfinite(v):
                self.at(vnode, f"value of {what} must be a finite number")
            else:
                value = float(v)
        return Label(
            name=name,
            key=key,
            color=color,
            description=self.fields.text(node, "description", what, default="") or "",
            examples=self.fields.strings(node, "examples", what),
            cues=self.fields.strings(node, "cues", what),
            value=value,
            group=self.fields.text(node, "group", what, oneline=True),
        )

    def color(self, node: Node, what: str) -> str | None:
        if "color" not in node.entries:
            return None
        cnode = node.entries["color"][1]
        v = cnode.value
        if cnode.kind == "scalar" and v is None:
            self.at(cnode, f'color of {what} is empty (in YAML "#" starts a comment: '
                    'write color: "#e6194b" in quotes)')
            return None
        if cnode.kind != "scalar" or not isinstance(v, str):
            got = kind_name(cnode)
            self.at(cnode, f"color of {what} must be a string, got {got}")
            return None
        if _COLOR_RE.match(v) or v.lower() in NAMED_COLORS:
            return v
        self.at(cnode, f'color "{v}" of {what} is not #rgb, #rrggbb or a known colour name'
                + did_you_mean(v.lower(), sorted(NAMED_COLORS)))
        return None


def check_scheme(text: str, filename: str = "<scheme>") -> tuple[Scheme | None, list[Problem]]:
    """Validate a scheme's YAML text: (scheme, []) when valid, else (None, problems by position).

    Results for small texts are cached (schemes are immutable): the CLI parses the same scheme
    from its file and again from the database on startup, and PyYAML's pure-Python composer
    (the only one that is safe on hostile input) takes ~50 ms for the default scheme.
    """
    if isinstance(text, str) and len(text) <= _CACHE_MAX_CHARS:
        scheme, problems = _check_cached(text)
        return scheme, [dataclasses.replace(p, file=filename) for p in problems]
    return _check(text, filename)


_CACHE_MAX_CHARS = 200_000


@functools.lru_cache(maxsize=32)
def _check_cached(text: str) -> tuple[Scheme | None, tuple[Problem, ...]]:
    scheme, problems = _check(text, "")
    return scheme, tuple(problems)


def _check(text: str, filename: str) -> tuple[Scheme | None, list[Problem]]:
    checker = _Checker(filename)
    if not isinstance(text, str):
        checker.fields.report(0, 0, f"expected text, got {type_name(text)}")
        return None, checker.fields.problems
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        checker.fields.report(
            1, 1, f"file is {size / 1e6:.1f} MB; a scheme may be at most {MAX_BYTES / 1e6:g} MB"
        )
        return None, checker.fields.problems
    text = normalise_text(text)
    root = parse_yaml(text, checker.fields.report)
    scheme = None
    if root is not None:
        try:
            scheme = checker.scheme(root, text)
        except RecursionError:
            checker.fields.report(1, 1, "the YAML is nested too deeply to read")
    problems = sorted(checker.fields.problems, key=lambda p: (p.line, p.col))
    return (scheme if not problems else None), problems


def normalise_text(text: str) -> str:
    """Drop a byte-order mark and use LF line ends, so a file hashes the same on every OS."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n")


def parse_scheme(text: str, filename: str = "<scheme>") -> Scheme:
    """A valid scheme or SchemeError listing every problem."""
    scheme, problems = check_scheme(text, filename)
    if scheme is None:
        raise SchemeError(problems or [Problem(filename, 0, 0, "not a valid scheme")])
    return scheme


def read_scheme_text(path: str | Path) -> str:
    """A scheme file's text (UTF-8, BOM tolerated); SchemeError naming the file otherwise."""
    p = Path(path)
    try:
        if p.is_dir():
            raise SchemeError([Problem(str(path), 0, 0, "is a directory, not a scheme file")])
        special = not_regular_file(p)
        if special is not None:  # a FIFO would block the read forever
            raise SchemeError([Problem(str(path), 0, 0, special)])
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise SchemeError([Problem(str(path), 0, 0, f"file is {size / 1e6:.1f} MB; a scheme "
                                       f"may be at most {MAX_BYTES / 1e6:g} MB")])
        data = p.read_bytes()
    except FileNotFoundError:
        raise SchemeError([Problem(str(path), 0, 0, "no such file")]) from None
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
        raise SchemeError([Problem(str(path), 0, 0, reason)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise SchemeError(
            [Problem(str(path), line, col, f"not UTF-8 (byte 0x{bad}); save the file as UTF-8")]
        ) from None


def load_scheme_file(path: str | Path) -> Scheme:
    """Read and validate a scheme file; SchemeError (naming the file) if anything is wrong."""
    return parse_scheme(read_scheme_text(path), str(path))


# --------------------------------------------------------------------------- shipped schemes
def shipped_scheme_dir() -> Path:
    """Where the bundled schemes are: ``annotator/schemes`` in a wheel, ``schemes/`` in a repo."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "schemes", package.parent / "schemes"):
        if candidate.is_dir():
            return candidate
    return package / "schemes"


def shipped_schemes() -> dict[str, Path]:
    """Shipped scheme name -> file (each file is named after the scheme it holds)."""
    folder = shipped_scheme_dir()
    if not folder.is_dir():
        return {}
    return {
        p.stem: p
        for p in sorted(folder.iterdir())
        if p.suffix in _SCHEME_SUFFIXES and p.is_file()
    }


def find_scheme_source(name_or_path: str) -> Path:
    """A scheme file path as given, else the shipped scheme of that name; SchemeError otherwise."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    shipped = shipped_schemes()
    stem = p.stem if p.suffix in _SCHEME_SUFFIXES and len(p.parts) == 1 else name_or_path
    if stem in shipped:
        return shipped[stem]
    if p.exists():
        raise SchemeError([Problem(name_or_path, 0, 0, "is not a file")])
    names = ", ".join(sorted(shipped)) or "none"
    hint = did_you_mean(name_or_path, shipped)
    raise SchemeError(
        [Problem(name_or_path, 0, 0, f"no such file or shipped scheme{hint} (shipped: {names})")]
    )


# ------------------------------------------------------------------------------ versioning
def incompatibilities(old: Scheme, new: Scheme) -> list[tuple[str, str]]:
    """What stored annotations made under ``old`` would lose under ``new``: (label_set, label)
    pairs that were removed or renamed, and (label_set, "*") for a set whose level or
    ``multiple`` changed. Adding sets or labels is compatible."""
    out: list[tuple[str, str]] = []
    for old_set in old.label_sets:
        new_set = new.label_set(old_set.name)
        if new_set is None:
            out.extend((old_set.name, lab.name) for lab in old_set.labels)
            continue
        if new_set.level != old_set.level or new_set.multiple != old_set.multiple:
            out.append((old_set.name, "*"))
        out.extend(
            (old_set.name, lab.name) for lab in old_set.labels if new_set.label(lab.name) is None
        )
    return out


def attribute_incompatibilities(old: Scheme, new: Scheme) -> list[tuple[str, str, str]]:
    """What stored attribute values made under ``old`` would lose under ``new``: (label_set,
    attribute, value) for a closed value removed, (label_set, attribute, "*") for an attribute
    removed, turned from open to closed, or whose ``multiple`` changed. Adding attributes,
    values and aliases is compatible."""
    out: list[tuple[str, str, str]] = []
    for old_set in old.label_sets:
        new_set = new.label_set(old_set.name)
        for attr in old_set.attributes:
            now = new_set.attribute(attr.name) if new_set is not None else None
            if now is None or now.multiple != attr.multiple or (attr.open and not now.open):
                out.append((old_set.name, attr.name, "*"))
            elif not now.open:
                out.extend((old_set.name, attr.name, v) for v in attr.names if v not in now.names)
    return out


# ------------------------------------------------------------------------- the checked form
PARSED_FORMAT = 1
"""Version of :func:`scheme_to_json`'s layout; a stored form of another version is ignored."""


def scheme_to_json(scheme: Scheme) -> str:
    """A checked scheme as JSON (without its text): what the database keeps next to the YAML so
    that opening a scheme does not parse and check the YAML again (tens of ms per start)."""
    data = dataclasses.asdict(scheme)
    data.pop("text")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def scheme_from_json(parsed: str, text: str) -> Scheme:
    """The scheme :func:`scheme_to_json` wrote, with its YAML ``text`` (ValueError when the JSON
    is not such a scheme)."""
    try:
        data = json.loads(parsed)
        sets = tuple(
            LabelSet(
                **{
                    **ls,
                    "labels": tuple(
                        Label(**{**lab, "examples": tuple(lab["examples"]),
                                 "cues": tuple(lab["cues"])})
                        for lab in ls["labels"]
                    ),
                    "attributes": tuple(
                        _attribute_from_json(a) for a in ls.get("attributes", ())
                    ),
                }
            )
            for ls in data.pop("label_sets")
        )
        return Scheme(**data, label_sets=sets, text=text)
    except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a stored scheme form: {exc}") from None


def _attribute_from_json(data: dict[str, Any]) -> Attribute:
    return Attribute(
        **{
            **data,
            "values": tuple(AttributeValue(**v) for v in data["values"]),
            "aliases": tuple((str(c), tuple(vs)) for c, vs in data["aliases"]),
        }
    )
