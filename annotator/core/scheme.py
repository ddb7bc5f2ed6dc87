"""Labeling schemes: the YAML format, its validator and the frozen model the rest of the tool uses.

A scheme is a YAML file naming label sets at three levels (document, sentence, span). Researchers
write these files by hand, so the validator reports every problem at once, each as
``FILE:LINE:COL: message`` with the real position in the YAML, and it never raises on hostile input
(alias bombs, deep nesting, binary junk, huge files): everything becomes a ``Problem``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from annotator.core.untrusted import describe, escape, first_unsafe, not_regular_file

# Versions are stored as SQLite integers and compared; a billion versions is plenty.
MAX_VERSION = 1_000_000_000
Level = Literal["document", "sentence", "span"]
Scale = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = get_args(Level)
SCALES: tuple[str, ...] = get_args(Scale)

# Keys the annotation screen keeps for itself (navigation, undo, done, flag, search, quit, help...).
RESERVED_KEYS: frozenset[str] = frozenset(
    {
        "j", "k", "n", "N", "P", "g", "u", "c", "f", "d", "s", "v", "q", "?", "/", "a", "A",
        "up", "down", "left", "right", "enter", "escape", "space", " ", "tab", "pageup",
        "pagedown", "home", "end", "backspace", "delete", "shift+tab",
    }
)  # fmt: skip

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

_RESERVED_SHOWN = " ".join(sorted(k for k in RESERVED_KEYS if len(k) == 1 and k != " "))

MAX_BYTES = 5_000_000  # a scheme is a few KB; anything this big is a mistake (or an attack)
MAX_ALIASES = 200  # YAML aliases (*name) allowed in one file
MAX_NODES = 200_000  # values in one file
MAX_EXPANDED = 10_000  # values reached again through aliases (an alias bomb multiplies them)
MAX_DEPTH = 40  # nesting depth; a scheme needs 5
DEFAULT_SCHEME = "conflict-news"

_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SCHEME_SUFFIXES = (".yaml", ".yml")


# ---------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Label:
    """One label of a set. ``key`` is its quick key on the annotation screen."""

    name: str
    key: str | None = None
    color: str | None = None
    description: str = ""
    examples: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    value: float | None = None
    group: str | None = None


@dataclass(frozen=True)
class AttributeValue:
    """One choice of a closed attribute (``values:``); ``value`` is its number on a scale."""

    name: str
    value: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Attribute:
    """A question asked about every label of a set once applied: who speaks (``actor``, open
    text), about whom (``target``, closed values, several allowed), agreeing or not (a closed
    value with a number). DNA-style statements are a span label with such attributes.

    ``open``: free text (``values`` then only suggests). ``aliases``: canonical value -> the
    variants that mean it (``Sergueï Lavrov`` <- ``Lavrov``, ``M. Lavrov``), so that analyses
    count one actor, while the row keeps what the annotator typed. ``scale``: how agreement
    compares two values (nominal unless the values carry numbers, then interval)."""

    name: str
    open: bool = False
    values: tuple[AttributeValue, ...] = ()
    multiple: bool = False
    scale: Scale = "nominal"
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.values)

    def canonical(self, value: str) -> str:
        """The value an analysis counts: the canonical name when ``value`` is one of its aliases
        (exact match), else ``value`` itself."""
        for canon, variants in self.aliases:
            if value in variants:
                return canon
        return value

    def number(self, value: str) -> float | None:
        """A closed value's number: its explicit ``value``, else its 0-based position on an
        ordinal/interval/ratio scale; None for nominal attributes and for free text."""
        for i, v in enumerate(self.values):
            if v.name == value:
                if v.value is not None:
                    return v.value
                return None if self.scale == "nominal" else float(i)
        return None

    def terms(self) -> list[tuple[str, str, float | None]]:
        """(term, canonical, number) of every value and alias this attribute knows."""
        out = [(v.name, self.canonical(v.name), self.number(v.name)) for v in self.values]
        out += [(alias, canon, None) for canon, variants in self.aliases for alias in variants]
        return out

    def accepts(self, value: str) -> bool:
        """Whether a value may be stored: any non-empty one-line text for open attributes, one
        of ``values`` for closed ones."""
        if self.open:
            return bool(value.strip()) and first_unsafe(value) is None and "\n" not in value
        return value in self.names


@dataclass(frozen=True)
class LabelSet:
    """A named choice made at one level: one label (or several if ``multiple``) per unit."""

    name: str
    level: Level
    labels: tuple[Label, ...]
    multiple: bool = False
    scale: Scale = "nominal"
    required: bool = False
    description: str = ""
    target: str | None = None
    attributes: tuple[Attribute, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def label(self, name: str) -> Label | None:
        return next((lab for lab in self.labels if lab.name == name), None)

    def value_of(self, name: str) -> float | None:
        """The numeric value agreement statistics use: the explicit ``value``, else the label's
        0-based position for ordinal/interval/ratio sets; None for nominal sets."""
        for i, lab in enumerate(self.labels):
            if lab.name == name:
                if lab.value is not None:
                    return lab.value
                return None if self.scale == "nominal" else float(i)
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(lab.name for lab in self.labels)

    @property
    def groups(self) -> tuple[str, ...]:
        """Distinct label groups in order of first use."""
        return tuple(dict.fromkeys(lab.group for lab in self.labels if lab.group))

    def label_for_key(self, key: str) -> Label | None:
        return next((lab for lab in self.labels if lab.key == key), None)


@dataclass(frozen=True)
class Scheme:
    """A validated scheme with the exact YAML text it came from (stored and hashed as is)."""

    name: str
    version: int
    label_sets: tuple[LabelSet, ...]
    language: str = "fr"
    description: str = ""
    guidelines: str = ""
    text: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def label_set(self, name: str) -> LabelSet | None:
        return next((s for s in self.label_sets if s.name == name), None)

    def sets_at(self, level: Level) -> tuple[LabelSet, ...]:
        return tuple(s for s in self.label_sets if s.level == level)

    def key_map(self, levels: Iterable[Level]) -> dict[str, tuple[LabelSet, Label]]:
        """Quick key -> (set, label) for the sets at these levels (keys are unique there)."""
        wanted = set(levels)
        return {
            lab.key: (s, lab)
            for s in self.label_sets
            if s.level in wanted
            for lab in s.labels
            if lab.key
        }


@dataclass(frozen=True)
class Problem:
    """One validation problem at a 1-based line and column (line 0: the file as a whole)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class SchemeError(Exception):
    """A scheme that cannot be used; ``str()`` lists every problem, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ----------------------------------------------------------------------------- YAML -> nodes
class _TooManyAliases(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing, to refuse alias bombs early."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise _TooManyAliases(self.peek_event().start_mark)
        return super().compose_node(parent, index)


@dataclass
class _Node:
    """A YAML value with its position: scalar (``value``), seq (``items``) or map (``entries``)."""

    kind: Literal["scalar", "seq", "map"]
    line: int
    col: int
    value: Any = None
    items: list[_Node] = field(default_factory=list)
    entries: dict[str, tuple[_Node, _Node]] = field(default_factory=dict)  # key -> (key, value)
    raw: str | None = None  # a scalar as written (YAML 1.1 reads `yes` as true)


class _Budget(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _type_name(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, bytes):
        return "binary data"
    return f"a {type(v).__name__}"


def _kind_name(node: _Node) -> str:
    return {"seq": "a list", "map": "a mapping"}.get(node.kind, _type_name(node.value))


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and word.lower() in {c.lower() for c in choices}:
        close = [c for c in choices if c.lower() == word.lower()][:1]
    return f' (did you mean "{close[0]}"?)' if close else ""


class _Converter:
    """Turns composed YAML nodes into ``_Node`` trees, reporting what cannot be represented."""

    def __init__(self, loader: _Loader, report: Any) -> None:
        self.loader = loader
        self.report = report
        self.visited = 0
        self.seen: set[int] = set()
        self.repeated = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> _Node:
        self.visited += 1
        if id(node) in self.seen:
            self.repeated += 1
            if self.repeated > MAX_EXPANDED:
                raise _Budget(
                    node, f"aliases expand to more than {MAX_EXPANDED} values (alias bomb?)"
                )
        else:
            self.seen.add(id(node))
        if self.visited > MAX_NODES:
            raise _Budget(node, f"the document has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise _Budget(node, f"values are nested more than {MAX_DEPTH} levels deep")
        line, col = _pos(node)
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except Exception as exc:  # bad tag, impossible date, ...
                reason = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
                self.report(line, col, f"cannot read this value: {reason}")
                value = None
            return _Node("scalar", line, col, value=value, raw=str(node.value))
        if node.tag not in (_MAP_TAG, _SEQ_TAG):
            self.report(line, col, f"YAML tag {node.tag!r} is not supported in schemes")
        if isinstance(node, yaml.SequenceNode):
            return _Node("seq", line, col, items=[self.convert(n, depth + 1) for n in node.value])
        out = _Node("map", line, col)
        merged: list[_Node] = []
        for knode, vnode in node.value:
            if isinstance(knode, yaml.ScalarNode) and knode.tag == _MERGE_TAG:
                merged.append(self.convert(vnode, depth + 1))
                continue
            key = self.convert(knode, depth + 1)
            value = self.convert(vnode, depth + 1)
            if key.kind != "scalar" or not isinstance(key.value, str):
                shown = _kind_name(key)
                hint = " (quote it)" if key.kind == "scalar" and key.value is not None else ""
                self.report(key.line, key.col, f"keys must be strings, got {shown}{hint}")
                continue
            if key.value in out.entries:
                first = out.entries[key.value][0]
                self.report(
                    key.line, key.col, f'duplicate key "{key.value}" (first at line {first.line})'
                )
                continue
            out.entries[key.value] = (key, value)
        for m in merged:  # "<<: *defaults": keys written in the mapping win
            sources = m.items if m.kind == "seq" else [m]
            for src in sources:
                if src.kind != "map":
                    self.report(src.line, src.col, "a merge key (<<) needs a mapping")
                    continue
                for k, pair in src.entries.items():
                    out.entries.setdefault(k, pair)
        return out


def _parse_yaml(text: str, report: Any) -> _Node | None:
    """Compose and convert; YAML errors and resource limits become reports, never exceptions."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is None:
            report(1, 1, "the scheme is empty (expected a mapping with name, version, label_sets)")
            return None
        return _Converter(loader, report).convert(root)
    except _TooManyAliases as exc:
        report(
            exc.mark.line + 1,
            exc.mark.column + 1,
            f"more than {MAX_ALIASES} YAML aliases (*name): refused (alias bomb?)",
        )
    except _Budget as exc:
        line, col = _pos(exc.node)
        report(line, col, exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        if mark is None:
            report(1, 1, f"YAML syntax error: {msg}")
        else:
            report(mark.line + 1, mark.column + 1, f"YAML syntax error: {msg}")
    except yaml.reader.ReaderError as exc:
        pos = max(0, min(int(exc.position), len(text)))
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        report(line, col, f"unacceptable character {char!r} (U+{ord(char):04X}): not a text file?")
    except RecursionError:
        report(1, 1, "the YAML is nested too deeply to read")
    except yaml.YAMLError as exc:
        report(1, 1, f"YAML error: {exc}")
    except Exception as exc:  # last resort: a validator must not crash on any input
        report(1, 1, f"cannot read this YAML ({type(exc).__name__}: {exc})")
    finally:
        if loader is not None:
            try:
                loader.dispose()
            except Exception:
                pass
    return None


# ------------------------------------------------------------------------------- validation
_TOP_FIELDS = ("name", "version", "label_sets", "language", "description", "guidelines")
_SET_FIELDS = (
    "name", "level", "labels", "multiple", "scale", "required", "description", "target",
    "attributes",
)  # fmt: skip
_ATTRIBUTE_FIELDS = ("name", "open", "values", "multiple", "scale", "aliases", "description")
_VALUE_FIELDS = ("name", "value", "description")
_LABEL_FIELDS = ("name", "key", "color", "description", "examples", "cues", "value", "group")


class _Checker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def report(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.filename, line, col, message))

    def at(self, node: _Node, message: str) -> None:
        self.report(node.line, node.col, message)

    # -- field helpers
    def fields(self, m: _Node, allowed: tuple[str, ...], what: str) -> None:
        for key, (knode, _) in m.entries.items():
            if key not in allowed:
                self.at(knode, f'unknown field "{key}" in {what}{_did_you_mean(key, allowed)}')

    def require(self, m: _Node, names: Iterable[str], what: str) -> bool:
        ok = True
        for name in names:
            if name not in m.entries:
                self.at(m, f'{what} is missing the required field "{name}"')
                ok = False
        return ok

    def text(
        self, m: _Node, name: str, what: str, *, default: str | None = None, oneline: bool = False
    ) -> str | None:
        if name not in m.entries:
            return default
        node = m.entries[name][1]
        v = node.value
        if node.kind != "scalar" or not isinstance(v, str):
            got = _type_name(v) if node.kind == "scalar" else _kind_name(node)
            numeric = node.kind == "scalar" and isinstance(v, int | float)
            hint = ' (quote it: "…")' if numeric else ""
            self.at(node, f"{name} of {what} must be a string, got {got}{hint}")
            return default
        if oneline and ("\t" in v or "\n" in v or "\r" in v):
            self.at(node, f"{name} of {what} must not contain tabs or line breaks")
            return default
        if not self.safe(node, v, f"{name} of {what}"):
            return default
        return v

    def safe(self, node: _Node, v: str, what: str) -> bool:
        """Scheme texts are shown on screens and printed: no control characters (a YAML
        escape such as "\\e" or "\\u202e" can write one; annotator.core.untrusted)."""
        bad = first_unsafe(v)
        if bad is None:
            return True
        self.at(node, f"{what} contains the control character {describe(v[bad])}")
        return False

    def flag(self, m: _Node, name: str, what: str) -> bool:
        if name not in m.entries:
            return False
        node = m.entries[name][1]
        if node.kind != "scalar" or not isinstance(node.value, bool):
            got = _kind_name(node)
            self.at(node, f"{name} of {what} must be true or false, got {got}")
            return False
        return bool(node.value)

    def strings(self, m: _Node, name: str, what: str) -> tuple[str, ...]:
        if name not in m.entries:
            return ()
        node = m.entries[name][1]
        if node.kind == "scalar" and isinstance(node.value, str):
            return (node.value,) if self.safe(node, node.value, f"{name} of {what}") else ()
        if node.kind != "seq":
            got = _type_name(node.value) if node.kind == "scalar" else "a mapping"
            self.at(node, f"{name} of {what} must be a list of strings, got {got}")
            return ()
        out = []
        for item in node.items:
            if item.kind != "scalar" or not isinstance(item.value, str):
                got = _kind_name(item)
                self.at(item, f"{name} of {what}: each entry must be a string, got {got}")
            elif not self.safe(item, item.value, f"{name} of {what}"):
                continue
            elif item.value.strip():
                out.append(item.value)
        return tuple(out)

    def enum(self, m: _Node, name: str, choices: tuple[str, ...], what: str, default: str) -> str:
        if name not in m.entries:
            return default
        node = m.entries[name][1]
        v = node.value
        if node.kind != "scalar" or not isinstance(v, str):
            got = _kind_name(node)
            self.at(node, f"{name} of {what} must be one of {', '.join(choices)}; got {got}")
            return default
        if v not in choices:
            self.at(
                node,
                f'{name} of {what} must be one of {", ".join(choices)}, not "{v}"'
                + _did_you_mean(v, choices),
            )
            return default
        return v

    # -- the scheme
    def scheme(self, root: _Node, text: str) -> Scheme | None:
        if root.kind != "map":
            self.at(root, "a scheme must be a mapping with name, version and label_sets")
            return None
        self.fields(root, _TOP_FIELDS, "the scheme")
        self.require(root, ("name", "version", "label_sets"), "the scheme")
        name = self.text(root, "name", "the scheme", oneline=True)
        if name is not None and not _NAME_RE.match(name):
            self.at(
                root.entries["name"][1],
                f'scheme name "{name}" must be letters, digits, "_", "-" or "." (no spaces)',
            )
        version = 0
        if "version" in root.entries:
            node = root.entries["version"][1]
            v = node.value
            if node.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int):
                got = _kind_name(node)
                self.at(node, f"version must be a whole number (1, 2, ...), got {got}")
            elif v < 1:
                self.at(node, f"version must be 1 or more, not {v}")
            elif v > MAX_VERSION:
                self.at(node, f"version must be at most {MAX_VERSION}, not {v}")
            else:
                version = v
        language = self.text(root, "language", "the scheme", default="fr", oneline=True) or "fr"
        description = self.text(root, "description", "the scheme", default="") or ""
        guidelines = self.text(root, "guidelines", "the scheme", default="") or ""
        sets: list[LabelSet] = []
        set_nodes: list[tuple[LabelSet, _Node]] = []
        if "label_sets" in root.entries:
            node = root.entries["label_sets"][1]
            if node.kind != "seq":
                got = _type_name(node.value) if node.kind == "scalar" else "a mapping"
                self.at(node, f"label_sets must be a list of label sets, got {got}")
            elif not node.items:
                self.at(node, "label_sets is empty: a scheme needs at least one label set")
            else:
                seen: dict[str, _Node] = {}
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
        self.keys(set_nodes)
        if self.problems or name is None:
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

    def label_set(self, node: _Node, index: int) -> LabelSet | None:
        if node.kind != "map":
            got = _type_name(node.value) if node.kind == "scalar" else "a list"
            self.at(node, f"label set #{index} must be a mapping (name, level, labels), got {got}")
            return None
        raw_name = self.text(node, "name", f"label set #{index}", oneline=True)
        what = f'label set "{raw_name}"' if raw_name else f"label set #{index}"
        self.fields(node, _SET_FIELDS, what)
        ok = self.require(node, ("name", "level", "labels"), what)
        if raw_name is not None and not _NAME_RE.match(raw_name):
            self.at(
                node.entries["name"][1],
                f'label set name "{raw_name}" must be letters, digits, "_", "-" or "." (no spaces)',
            )
            ok = False
        level = self.enum(node, "level", LEVELS, what, "")
        scale = self.enum(node, "scale", SCALES, what, "nominal")
        multiple = self.flag(node, "multiple", what)
        required = self.flag(node, "required", what)
        description = self.text(node, "description", what, default="") or ""
        target = self.text(node, "target", what, oneline=True)
        labels: list[Label] = []
        value_nodes: list[tuple[Label, _Node]] = []
        if "labels" in node.entries:
            lnode = node.entries["labels"][1]
            if lnode.kind != "seq":
                got = _type_name(lnode.value) if lnode.kind == "scalar" else "a mapping"
                self.at(lnode, f"labels of {what} must be a list, got {got}")
                ok = False
            elif not lnode.items:
                self.at(lnode, f"{what} has no labels")
                ok = False
            else:
                seen: dict[str, _Node] = {}
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
                ok = self.values(value_nodes, scale, what) and ok
        attributes: tuple[Attribute, ...] = ()
        if "attributes" in node.entries:
            anode = node.entries["attributes"][1]
            if level == "document":
                self.at(anode, f"{what}: attributes are for sentence and span label sets "
                        "(they are asked on the annotation screen when a label is applied)")
                ok = False
            else:
                found = self.attributes(anode, what)
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

    # -- attributes
    def attributes(self, node: _Node, set_what: str) -> tuple[Attribute, ...] | None:
        """The ``attributes:`` list of a set (None when any is wrong, each problem reported)."""
        if node.kind != "seq":
            got = _type_name(node.value) if node.kind == "scalar" else "a mapping"
            self.at(node, f"attributes of {set_what} must be a list, got {got}")
            return None
        out: list[Attribute] = []
        seen: dict[str, _Node] = {}
        ok = True
        for i, item in enumerate(node.items, 1):
            attr = self.attribute(item, i, set_what)
            if attr is None:
                ok = False
                continue
            if attr.name in seen:
                self.at(item, f'duplicate attribute "{attr.name}" in {set_what} '
                        f"(first at line {seen[attr.name].line})")
                ok = False
                continue
            seen[attr.name] = item
            out.append(attr)
        return tuple(out) if ok else None

    def attribute(self, node: _Node, index: int, set_what: str) -> Attribute | None:
        if node.kind != "map":
            self.at(node, f"attribute #{index} of {set_what} must be a mapping "
                    "(name, and open: true or values), got " + _kind_name(node))
            return None
        raw = node.entries.get("name")
        name = raw[1].value if raw and isinstance(raw[1].value, str) else None
        what = f'attribute "{name}" of {set_what}' if name else f"attribute #{index} of {set_what}"
        self.fields(node, _ATTRIBUTE_FIELDS, what)
        if not self.require(node, ("name",), what):
            return None
        name = self.text(node, "name", what, oneline=True)
        if name is None:
            return None
        ok = True
        if not _NAME_RE.match(name):
            self.at(node.entries["name"][1],
                    f'attribute name "{name}" must be letters, digits, "_", "-" or "." (no spaces)')
            ok = False
        is_open = self.flag(node, "open", what)
        multiple = self.flag(node, "multiple", what)
        values: list[AttributeValue] = []
        value_nodes: list[tuple[AttributeValue, _Node]] = []
        if "values" in node.entries:
            vnode = node.entries["values"][1]
            if vnode.kind != "seq" or not vnode.items:
                self.at(vnode, f"values of {what} must be a non-empty list")
                ok = False
            else:
                seen: dict[str, _Node] = {}
                for j, item in enumerate(vnode.items, 1):
                    v = self.attribute_value(item, j, what)
                    if v is None:
                        ok = False
                    elif v.name in seen:
                        self.at(item, f'duplicate value "{v.name}" in {what} '
                                f"(first at line {seen[v.name].line})")
                        ok = False
                    else:
                        seen[v.name] = item
                        values.append(v)
                        value_nodes.append((v, item))
        elif not is_open:
            self.at(node, f"{what} needs values (a list of choices) or open: true (free text)")
            ok = False
        numbered = any(v.value is not None for v in values)
        default_scale = "interval" if numbered and not is_open and not multiple else "nominal"
        scale = self.enum(node, "scale", SCALES, what, default_scale)
        if scale != "nominal" and (is_open or multiple):
            kind = "open" if is_open else "multiple"
            self.at(node.entries["scale"][1] if "scale" in node.entries else node,
                    f"{what} is {kind}: only a nominal scale applies (drop scale or {kind})")
            ok = False
        if scale == "ordinal" and len(values) < 2:
            self.at(node, f"{what} is ordinal and needs at least 2 values")
            ok = False
        ok = self.values(value_nodes, scale, what) and ok
        aliases: list[tuple[str, tuple[str, ...]]] = []
        if "aliases" in node.entries:
            found = self.aliases(node.entries["aliases"][1], is_open, what)
            if found is None:
                ok = False
            else:
                aliases = found
        if not ok:
            return None
        return Attribute(
            name=name,
            open=is_open,
            values=tuple(values),
            multiple=multiple,
            scale=scale,  # type: ignore[arg-type]
            aliases=tuple(aliases),
            description=self.text(node, "description", what, default="") or "",
        )

    def attribute_value(self, node: _Node, index: int, what: str) -> AttributeValue | None:
        if node.kind == "scalar":  # shorthand: "- Russia"
            v = node.raw if isinstance(node.value, bool) else node.value  # "- yes" is the word
            if not isinstance(v, str):
                hint = ' (quote it: "…")' if isinstance(v, int | float) and v is not None else ""
                self.at(node, f"value #{index} of {what} must be a string or a mapping, "
                        f"got {_type_name(v)}{hint}")
                return None
            return AttributeValue(v) if self.label_name(node, v, index, what) else None
        if node.kind != "map":
            self.at(node, f"value #{index} of {what} must be a string or a mapping, got a list")
            return None
        self.fields(node, _VALUE_FIELDS, f"value #{index} of {what}")
        if not self.require(node, ("name",), f"value #{index} of {what}"):
            return None
        nnode = node.entries["name"][1]
        raw = nnode.value
        if isinstance(raw, bool):
            raw = nnode.raw  # YAML 1.1 reads yes/no/on/off as booleans: here they are words
        if not isinstance(raw, str):
            self.at(nnode, f"name of value #{index} of {what} must be a string, got "
                    f'{_kind_name(nnode)} (quote it: "…")')
            return None
        if not self.label_name(nnode, raw, index, what):
            return None
        number: float | None = None
        if "value" in node.entries:
            vnode = node.entries["value"][1]
            v = vnode.value
            if vnode.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int | float):
                self.at(vnode, f'value of "{raw}" in {what} must be a number, got '
                        f"{_kind_name(vnode)}")
                return None
            if not math.isfinite(v):
                self.at(vnode, f'value of "{raw}" in {what} must be a finite number')
                return None
            number = float(v)
        description = self.text(node, "description", f'"{raw}" in {what}', default="") or ""
        return AttributeValue(raw, number, description)

    def aliases(
        self, node: _Node, is_open: bool, what: str
    ) -> list[tuple[str, tuple[str, ...]]] | None:
        """``aliases: {canonical: [variant, ...]}``; a variant names one canonical value only."""
        if not is_open:
            self.at(node, f"aliases of {what}: aliases are for open attributes (open: true); "
                    "a closed attribute's values are already canonical")
            return None
        if node.kind != "map":
            self.at(node, f"aliases of {what} must be a mapping: canonical value -> list of "
                    f"variants, got {_kind_name(node)}")
            return None
        out: list[tuple[str, tuple[str, ...]]] = []
        owner: dict[str, str] = {}
        ok = True
        for canon, (knode, vnode) in node.entries.items():
            if not canon.strip() or not self.safe(knode, canon, f"alias of {what}"):
                if not canon.strip():
                    self.at(knode, f"aliases of {what}: empty canonical value")
                ok = False
                continue
            variants = self.strings(node, canon, f"aliases of {what}")
            for v in variants:
                if v in owner and owner[v] != canon:
                    self.at(vnode, f'alias "{v}" of {what} is given to both "{owner[v]}" and '
                            f'"{canon}"')
                    ok = False
                elif v in {c for c, _ in out} or v == canon:
                    self.at(vnode, f'alias "{v}" of {what} is itself a canonical value')
                    ok = False
                owner[v] = canon
            out.append((canon, tuple(dict.fromkeys(variants))))
        for canon, _ in out:
            if canon in owner:
                self.at(node, f'"{canon}" of {what} is both a canonical value and an alias of '
                        f'"{owner[canon]}"')
                ok = False
        return out if ok else None

    def values(
        self, labels: Sequence[tuple[Label | AttributeValue, _Node]], scale: str, what: str
    ) -> bool:
        given = [(lab, n) for lab, n in labels if lab.value is not None]
        if not given:
            return True
        ok = True
        if len(given) != len(labels):
            missing = next(n for lab, n in labels if lab.value is None)
            self.at(missing, f"{what}: give a value to every label or to none")
            ok = False
        if scale != "nominal":
            seen: dict[float, Label | AttributeValue] = {}
            for lab, n in given:
                assert lab.value is not None
                if lab.value in seen:
                    self.at(
                        n.entries["value"][1],
                        f'value {lab.value:g} of "{lab.name}" is also the value of '
                        f'"{seen[lab.value].name}" in {what}',
                    )
                    ok = False
                seen[lab.value] = lab
                if scale == "ratio" and lab.value < 0:
                    self.at(n.entries["value"][1], f"{what} is a ratio scale: values must be >= 0")
                    ok = False
        return ok

    def label(self, node: _Node, index: int, set_what: str) -> Label | None:
        if node.kind == "scalar":  # shorthand: "- Doubt"
            v = node.value
            if not isinstance(v, str):
                hint = ' (quote it: "…")' if isinstance(v, int | float) and v is not None else ""
                self.at(node, f"label #{index} of {set_what} must be a string or a mapping, "
                        f"got {_type_name(v)}{hint}")
                return None
            return Label(name=v) if self.label_name(node, v, index, set_what) else None
        if node.kind != "map":
            self.at(node, f"label #{index} of {set_what} must be a string or a mapping, got a list")
            return None
        raw = node.entries.get("name")
        name = raw[1].value if raw and isinstance(raw[1].value, str) else None
        what = f'label "{name}"' if name else f"label #{index} of {set_what}"
        self.fields(node, _LABEL_FIELDS, what)
        if not self.require(node, ("name",), what):
            return None
        name = self.text(node, "name", what)
        if name is None or not self.label_name(node.entries["name"][1], name, index, set_what):
            return None
        key = self.key(node, what)
        color = self.color(node, what)
        value: float | None = None
        if "value" in node.entries:
            vnode = node.entries["value"][1]
            v = vnode.value
            if vnode.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int | float):
                got = _kind_name(vnode)
                self.at(vnode, f"value of {what} must be a number, got {got}")
            elif not math.isfinite(v):
                self.at(vnode, f"value of {what} must be a finite number")
            else:
                value = float(v)
        return Label(
            name=name,
            key=key,
            color=color,
            description=self.text(node, "description", what, default="") or "",
            examples=self.strings(node, "examples", what),
            cues=self.strings(node, "cues", what),
            value=value,
            group=self.text(node, "group", what, oneline=True),
        )

    def label_name(self, node: _Node, name: str, index: int, set_what: str) -> bool:
        if not name.strip():
            self.at(node, f"label #{index} of {set_what} has an empty name")
            return False
        if any(c in name for c in "\t\n\r"):
            self.at(node, f'label name "{name.strip()}" must not contain tabs or line breaks')
            return False
        if name != name.strip():
            self.at(node, f'label name "{name}" must not start or end with spaces')
            return False
        return self.safe(node, name, f"label name {escape(name)!r}")

    def key(self, node: _Node, what: str) -> str | None:
        if "key" not in node.entries:
            return None
        knode = node.entries["key"][1]
        v = knode.value
        if knode.kind == "scalar" and type(v) is int and 0 <= v <= 9:
            v = str(v)  # key: 1
        if knode.kind != "scalar" or not isinstance(v, str):
            got = _kind_name(knode)
            self.at(knode, f'key of {what} must be one character, got {got} (quote it: "x")')
            return None
        low = v.lower()
        if low.startswith("ctrl+") or low.startswith("ctrl-") or low.startswith("^"):
            self.at(knode, f'key "{v}" of {what}: ctrl combinations are reserved by the tool')
            return None
        if v in RESERVED_KEYS or (len(v) > 1 and low.replace(" ", "") in RESERVED_KEYS):
            self.at(knode, f'key "{v}" of {what} is reserved by the annotation screen '
                    f"(reserved: {_RESERVED_SHOWN}, arrows, enter, escape, space, tab, "
                    "page up/down, ctrl+…)")
            return None
        if len(v) != 1 or not v.isprintable() or v.isspace():
            self.at(knode, f'key "{v}" of {what} must be exactly one printable character')
            return None
        return v

    def color(self, node: _Node, what: str) -> str | None:
        if "color" not in node.entries:
            return None
        cnode = node.entries["color"][1]
        v = cnode.value
        if cnode.kind == "scalar" and v is None:
            self.at(cnode, f'color of {what} is empty (in YAML "#" starts a comment: '
                    'write color: "#e6194b" in quotes)')
            return None
        if cnode.kind != "scalar" or not isinstance(v, str):
            got = _kind_name(cnode)
            self.at(cnode, f"color of {what} must be a string, got {got}")
            return None
        if _COLOR_RE.match(v) or v.lower() in NAMED_COLORS:
            return v
        self.at(cnode, f'color "{v}" of {what} is not #rgb, #rrggbb or a known colour name'
                + _did_you_mean(v.lower(), sorted(NAMED_COLORS)))
        return None

    def keys(self, sets: list[tuple[LabelSet, _Node]]) -> None:
        """Quick keys must be unique among the sets reachable at once: all sentence and span sets
        (the annotation screen), and all document sets (the document panel)."""
        for group in (("sentence", "span"), ("document",)):
            used: dict[str, tuple[str, str, int]] = {}
            for ls, snode in sets:
                if ls.level not in group:
                    continue
                label_nodes = snode.entries["labels"][1].items
                for lab, lnode in zip(ls.labels, label_nodes, strict=False):
                    if not lab.key:
                        continue
                    if lab.key in used:
                        other_set, other_label, line = used[lab.key]
                        knode = lnode.entries["key"][1]
                        where = "the document panel" if group == ("document",) else (
                            "the annotation screen")
                        self.at(
                            knode,
                            f'key "{lab.key}" of {ls.name}/{lab.name} is already used by '
                            f"{other_set}/{other_label} (line {line}); both are reachable on "
                            f"{where}",
                        )
                    else:
                        line = lnode.entries["key"][1].line
                        used[lab.key] = (ls.name, lab.name, line)


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
        checker.report(0, 0, f"expected text, got {_type_name(text)}")
        return None, checker.problems
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        checker.report(
            1, 1, f"file is {size / 1e6:.1f} MB; a scheme may be at most {MAX_BYTES / 1e6:g} MB"
        )
        return None, checker.problems
    text = normalise_text(text)
    root = _parse_yaml(text, checker.report)
    scheme = None
    if root is not None:
        try:
            scheme = checker.scheme(root, text)
        except RecursionError:
            checker.report(1, 1, "the YAML is nested too deeply to read")
    problems = sorted(checker.problems, key=lambda p: (p.line, p.col))
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
    hint = _did_you_mean(name_or_path, shipped)
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
