"""Checking the ``attributes:`` of a label set (issue 18): open or closed values, scales, aliases.

An attribute is a question asked about each applied label (who speaks, about whom, agreeing or
not); this checks its YAML and builds the :class:`Attribute` objects of the scheme model.
"""

from __future__ import annotations

import math

from annotator.core.scheme_fields import NAME_RE, Fields
from annotator.core.scheme_model import SCALES, Attribute, AttributeValue
from annotator.core.scheme_yaml import Node, kind_name, type_name

_ATTRIBUTE_FIELDS = ("name", "open", "values", "multiple", "scale", "aliases", "description")
_VALUE_FIELDS = ("name", "value", "description")


class AttributeChecks:
    """The attribute checks of one file, reporting into its :class:`Fields`."""

    def __init__(self, fields: Fields) -> None:
        self.fields = fields
        self.at = self.fields.at  # report a problem at a node

    def of_set(self, node: Node, set_what: str) -> tuple[Attribute, ...] | None:
        """The ``attributes:`` list of a set (None when any is wrong, each problem reported)."""
        if node.kind != "seq":
            got = type_name(node.value) if node.kind == "scalar" else "a mapping"
            self.at(node, f"attributes of {set_what} must be a list, got {got}")
            return None
        out: list[Attribute] = []
        seen: dict[str, Node] = {}
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

    def attribute(self, node: Node, index: int, set_what: str) -> Attribute | None:
        if node.kind != "map":
            self.at(node, f"attribute #{index} of {set_what} must be a mapping "
                    "(name, and open: true or values), got " + kind_name(node))
            return None
        raw = node.entries.get("name")
        name = raw[1].value if raw and isinstance(raw[1].value, str) else None
        what = f'attribute "{name}" of {set_what}' if name else f"attribute #{index} of {set_what}"
        self.fields.unknown(node, _ATTRIBUTE_FIELDS, what)
        if not self.fields.require(node, ("name",), what):
            return None
        name = self.fields.text(node, "name", what, oneline=True)
        if name is None:
            return None
        ok = True
        if not NAME_RE.match(name):
            self.at(node.entries["name"][1],
                    f'attribute name "{name}" must be letters, digits, "_", "-" or "." (no spaces)')
            ok = False
        is_open = self.fields.flag(node, "open", what)
        multiple = self.fields.flag(node, "multiple", what)
        values: list[AttributeValue] = []
        value_nodes: list[tuple[AttributeValue, Node]] = []
        if "values" in node.entries:
            vnode = node.entries["values"][1]
            if vnode.kind != "seq" or not vnode.items:
                self.at(vnode, f"values of {what} must be a non-empty list")
                ok = False
            else:
                seen: dict[str, Node] = {}
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
        scale = self.fields.enum(node, "scale", SCALES, what, default_scale)
        if scale != "nominal" and (is_open or multiple):
            kind = "open" if is_open else "multiple"
            self.at(node.entries["scale"][1] if "scale" in node.entries else node,
                    f"{what} is {kind}: only a nominal scale applies (drop scale or {kind})")
            ok = False
        if scale == "ordinal" and len(values) < 2:
            self.at(node, f"{what} is ordinal and needs at least 2 values")
            ok = False
        ok = self.fields.values(value_nodes, scale, what) and ok
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
            description=self.fields.text(node, "description", what, default="") or "",
        )

    def attribute_value(self, node: Node, index: int, what: str) -> AttributeValue | None:
        if node.kind == "scalar":  # shorthand: "- Russia"
            v = node.raw if isinstance(node.value, bool) else node.value  # "- yes" is the word
            if not isinstance(v, str):
                hint = ' (quote it: "…")' if isinstance(v, int | float) and v is not None else ""
                self.at(node, f"value #{index} of {what} must be a string or a mapping, "
                        f"got {type_name(v)}{hint}")
                return None
            return AttributeValue(v) if self.fields.label_name(node, v, index, what) else None
        if node.kind != "map":
            self.at(node, f"value #{index} of {what} must be a string or a mapping, got a list")
            return None
        self.fields.unknown(node, _VALUE_FIELDS, f"value #{index} of {what}")
        if not self.fields.require(node, ("name",), f"value #{index} of {what}"):
            return None
        nnode = node.entries["name"][1]
        raw = nnode.value
        if isinstance(raw, bool):
            raw = nnode.raw  # YAML 1.1 reads yes/no/on/off as booleans: here they are words
        if not isinstance(raw, str):
            self.at(nnode, f"name of value #{index} of {what} must be a string, got "
                    f'{kind_name(nnode)} (quote it: "…")')
            return None
        if not self.fields.label_name(nnode, raw, index, what):
            return None
        number: float | None = None
        if "value" in node.entries:
            vnode = node.entries["value"][1]
            v = vnode.value
            if vnode.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int | float):
                self.at(vnode, f'value of "{raw}" in {what} must be a number, got '
                        f"{kind_name(vnode)}")
                return None
            if not math.isfinite(v):
                self.at(vnode, f'value of "{raw}" in {what} must be a finite number')
                return None
            number = float(v)
        description = self.fields.text(node, "description", f'"{raw}" in {what}', default="") or ""
        return AttributeValue(raw, number, description)

    def aliases(
        self, node: Node, is_open: bool, what: str
    ) -> list[tuple[str, tuple[str, ...]]] | None:
        """``aliases: {canonical: [variant, ...]}``; a variant names one canonical value only."""
        if not is_open:
            self.at(node, f"aliases of {what}: aliases are for open attributes (open: true); "
                    "a closed attribute's values are already canonical")
            return None
        if node.kind != "map":
            self.at(node, f"aliases of {what} must be a mapping: canonical value -> list of "
                    f"variants, got {kind_name(node)}")
            return None
        out: list[tuple[str, tuple[str, ...]]] = []
        owner: dict[str, str] = {}
        ok = True
        for canon, (knode, vnode) in node.entries.items():
            if not canon.strip() or not self.fields.safe(knode, canon, f"alias of {what}"):
                if not canon.strip():
                    self.at(knode, f"aliases of {what}: empty canonical value")
                ok = False
                continue
            variants = self.fields.strings(node, canon, f"aliases of {what}")
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
