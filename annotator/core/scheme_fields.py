"""Checking one field of a scheme mapping, collecting every problem at its position.

The scheme validator reports all problems at once (a researcher fixes a file in one go), so each
check records a :class:`Problem` and returns a default instead of raising. The label, attribute
and key checks (core/scheme.py, scheme_attributes.py, scheme_keys.py) share this one reader.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from annotator.core.scheme_model import AttributeValue, Label, Problem
from annotator.core.scheme_yaml import Node, kind_name, type_name
from annotator.core.untrusted import describe, escape, first_unsafe

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and word.lower() in {c.lower() for c in choices}:
        close = [c for c in choices if c.lower() == word.lower()][:1]
    return f' (did you mean "{close[0]}"?)' if close else ""


class Fields:
    """The problems found so far in one file, and the checks of single fields that add to them."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def report(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.filename, line, col, message))

    def at(self, node: Node, message: str) -> None:
        self.report(node.line, node.col, message)

    def unknown(self, m: Node, allowed: tuple[str, ...], what: str) -> None:
        for key, (knode, _) in m.entries.items():
            if key not in allowed:
                self.at(knode, f'unknown field "{key}" in {what}{did_you_mean(key, allowed)}')

    def require(self, m: Node, names: Iterable[str], what: str) -> bool:
        ok = True
        for name in names:
            if name not in m.entries:
                self.at(m, f'{what} is missing the required field "{name}"')
                ok = False
        return ok

    def text(
        self, m: Node, name: str, what: str, *, default: str | None = None, oneline: bool = False
    ) -> str | None:
        if name not in m.entries:
            return default
        node = m.entries[name][1]
        v = node.value
        if node.kind != "scalar" or not isinstance(v, str):
            got = type_name(v) if node.kind == "scalar" else kind_name(node)
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

    def safe(self, node: Node, v: str, what: str) -> bool:
        """Scheme texts are shown on screens and printed: no control characters (a YAML
        escape such as "\\e" or "\\u202e" can write one; annotator.core.untrusted)."""
        bad = first_unsafe(v)
        if bad is None:
            return True
        self.at(node, f"{what} contains the control character {describe(v[bad])}")
        return False

    def flag(self, m: Node, name: str, what: str) -> bool:
        if name not in m.entries:
            return False
        node = m.entries[name][1]
        if node.kind != "scalar" or not isinstance(node.value, bool):
            got = kind_name(node)
            self.at(node, f"{name} of {what} must be true or false, got {got}")
            return False
        return bool(node.value)

    def strings(self, m: Node, name: str, what: str) -> tuple[str, ...]:
        if name not in m.entries:
            return ()
        node = m.entries[name][1]
        if node.kind == "scalar" and isinstance(node.value, str):
            return (node.value,) if self.safe(node, node.value, f"{name} of {what}") else ()
        if node.kind != "seq":
            got = type_name(node.value) if node.kind == "scalar" else "a mapping"
            self.at(node, f"{name} of {what} must be a list of strings, got {got}")
            return ()
        out = []
        for item in node.items:
            if item.kind != "scalar" or not isinstance(item.value, str):
                got = kind_name(item)
                self.at(item, f"{name} of {what}: each entry must be a string, got {got}")
            elif not self.safe(item, item.value, f"{name} of {what}"):
                continue
            elif item.value.strip():
                out.append(item.value)
        return tuple(out)

    def enum(self, m: Node, name: str, choices: tuple[str, ...], what: str, default: str) -> str:
        if name not in m.entries:
            return default
        node = m.entries[name][1]
        v = node.value
        if node.kind != "scalar" or not isinstance(v, str):
            got = kind_name(node)
            self.at(node, f"{name} of {what} must be one of {', '.join(choices)}; got {got}")
            return default
        if v not in choices:
            self.at(
                node,
                f'{name} of {what} must be one of {", ".join(choices)}, not "{v}"'
                + did_you_mean(v, choices),
            )
            return default
        return v

    def label_name(self, node: Node, name: str, index: int, set_what: str) -> bool:
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

    def values(
        self, labels: Sequence[tuple[Label | AttributeValue, Node]], scale: str, what: str
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
