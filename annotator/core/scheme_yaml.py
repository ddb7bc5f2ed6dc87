"""Reading a scheme's YAML into positioned nodes, within budgets, never raising.

Researchers write schemes by hand and files come from anywhere: every value keeps its line and
column for ``FILE:LINE:COL`` messages, and hostile input (alias bombs, deep nesting, huge
documents, binary junk) becomes a report, not an exception (core/scheme.py checks the nodes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

MAX_ALIASES = 200  # YAML aliases (*name) allowed in one file
MAX_NODES = 200_000  # values in one file
MAX_EXPANDED = 10_000  # values reached again through aliases (an alias bomb multiplies them)
MAX_DEPTH = 40  # nesting depth; a scheme needs 5


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
class Node:
    """A YAML value with its position: scalar (``value``), seq (``items``) or map (``entries``)."""

    kind: Literal["scalar", "seq", "map"]
    line: int
    col: int
    value: Any = None
    items: list[Node] = field(default_factory=list)
    entries: dict[str, tuple[Node, Node]] = field(default_factory=dict)  # key -> (key, value)
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


def type_name(v: Any) -> str:
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


def kind_name(node: Node) -> str:
    return {"seq": "a list", "map": "a mapping"}.get(node.kind, type_name(node.value))


class _Converter:
    """Turns composed YAML nodes into ``Node`` trees, reporting what cannot be represented."""

    def __init__(self, loader: _Loader, report: Any) -> None:
        self.loader = loader
        self.report = report
        self.visited = 0
        self.seen: set[int] = set()
        self.repeated = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
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
            return Node("scalar", line, col, value=value, raw=str(node.value))
        if node.tag not in (_MAP_TAG, _SEQ_TAG):
            self.report(line, col, f"YAML tag {node.tag!r} is not supported in schemes")
        if isinstance(node, yaml.SequenceNode):
            return Node("seq", line, col, items=[self.convert(n, depth + 1) for n in node.value])
        out = Node("map", line, col)
        merged: list[Node] = []
        for knode, vnode in node.value:
            if isinstance(knode, yaml.ScalarNode) and knode.tag == _MERGE_TAG:
                merged.append(self.convert(vnode, depth + 1))
                continue
            key = self.convert(knode, depth + 1)
            value = self.convert(vnode, depth + 1)
            if key.kind != "scalar" or not isinstance(key.value, str):
                shown = kind_name(key)
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


def parse_yaml(text: str, report: Any) -> Node | None:
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
