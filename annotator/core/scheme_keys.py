"""Checking labels' quick keys: one printable character, not one the screen keeps, unique
among the label sets reachable at once."""

from __future__ import annotations

from annotator.core.scheme_fields import Fields
from annotator.core.scheme_model import LabelSet
from annotator.core.scheme_yaml import Node, kind_name

# Keys the annotation screen keeps for itself (navigation, undo, done, flag, search, quit, help...).
RESERVED_KEYS: frozenset[str] = frozenset(
    {
        "j", "k", "n", "N", "P", "g", "u", "c", "f", "d", "s", "v", "q", "?", "/", "a", "A",
        "up", "down", "left", "right", "enter", "escape", "space", " ", "tab", "pageup",
        "pagedown", "home", "end", "backspace", "delete", "shift+tab",
    }
)  # fmt: skip

_RESERVED_SHOWN = " ".join(sorted(k for k in RESERVED_KEYS if len(k) == 1 and k != " "))


class KeyChecks:
    """The key checks of one file, reporting into its :class:`Fields`."""

    def __init__(self, fields: Fields) -> None:
        self.fields = fields
        self.at = self.fields.at  # report a problem at a node

    def key(self, node: Node, what: str) -> str | None:
        if "key" not in node.entries:
            return None
        knode = node.entries["key"][1]
        v = knode.value
        if knode.kind == "scalar" and type(v) is int and 0 <= v <= 9:
            v = str(v)  # key: 1
        if knode.kind != "scalar" or not isinstance(v, str):
            got = kind_name(knode)
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

    def unique_keys(self, sets: list[tuple[LabelSet, Node]]) -> None:
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
