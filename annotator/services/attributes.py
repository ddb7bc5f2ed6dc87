"""Attribute values (actor, target, agreement...) of one annotator's labels, as the annotation
screen reads and edits them.

Why a service of its own: attributes are a second layer over labels (scheme ``attributes:``,
docs/attributes.md) with their own rules (closed or open values, aliases, single or multiple,
the coder's last choice as the default), and the annotation session only needs to hold the
values of the sentence shown and to reload after each edit. ``Session`` holds one
:class:`AttributeValues` and keeps its old method names (``set_attribute``,
``attribute_choices``...) as one-line calls into it, for the form (tui/attributes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.core.textops import fuzzy_score

if TYPE_CHECKING:
    from annotator.core.scheme import Attribute, Scheme
    from annotator.store import Store


class AttributeValues:
    """One annotator's attribute values on the sentence shown, and what the form offers."""

    def __init__(self, store: Store, scheme: Scheme, annotator_id: int) -> None:
        self.store = store
        self.scheme = scheme
        self.annotator_id = annotator_id
        self.enabled = any(ls.attributes for ls in scheme.label_sets)
        # annotation id -> attribute -> values, for the current sentence's annotations
        self.values: dict[int, dict[str, list[str]]] = {}

    def load(self, annotations: list[dict[str, Any]]) -> None:
        """Read the values of these annotations (one query; none when no set has attributes)."""
        self.values = self.store.attributes.of_annotations(
            [int(a["id"]) for a in annotations]
        ) if self.enabled else {}

    def of(self, annotation: dict[str, Any]) -> dict[str, list[str]]:
        return self.values.get(int(annotation["id"]), {})

    def asks(self, annotation: dict[str, Any]) -> bool:
        """Whether a sentence or span label has attributes in today's scheme."""
        ls = self.scheme.label_set(annotation["label_set"])  # None: a set an older version had
        return ls is not None and bool(ls.attributes) and annotation["level"] != "document"

    def target(
        self, annotations: list[dict[str, Any]], spans: list[dict[str, Any]],
        span_index: int | None,
    ) -> str | None:
        """The annotation the form edits when asked from the screen: the span at
        ``span_index`` (the span cursor), else the newest label with attributes here."""
        if span_index is not None and 0 <= span_index < len(spans):
            return str(spans[span_index]["uid"]) if self.asks(spans[span_index]) else None
        with_attrs = [a for a in annotations if self.asks(a)]
        return str(max(with_attrs, key=lambda a: int(a["id"]))["uid"]) if with_attrs else None

    def store_value(
        self, annotations: list[dict[str, Any]], annotation_uid: str, attribute: str,
        value: str | None,
    ) -> tuple[dict[str, Any], bool]:
        """Check ``value`` against the scheme and store it (one undoable action); returns the
        annotation and whether anything changed. ValueError for a value the scheme does not
        allow or an annotation not among ``annotations``."""
        ann = next((a for a in annotations if a["uid"] == annotation_uid), None)
        if ann is None:
            raise ValueError("that label is no longer on this sentence")
        ls = self.scheme.label_set(ann["label_set"])
        attr = ls.attribute(attribute) if ls is not None else None
        if attr is None:
            raise ValueError(f"{ann['label_set']} has no attribute {attribute!r}")
        if value is not None:
            value = value.strip()
            if not attr.accepts(value):
                choices = ", ".join(attr.names)
                raise ValueError(
                    f"{attribute}: {value!r} is not one of {choices}" if not attr.open
                    else f"{attribute}: give one line of text"
                )
        changed = self.store.attributes.set_value(
            self.annotator_id, annotation_uid, attribute, value, multiple=attr.multiple
        )
        return ann, changed

    def said(self, annotation: dict[str, Any], attribute: str, changed: bool) -> str:
        """The message after an edit (values as reloaded)."""
        if not changed:
            return f"{attribute}: unchanged"
        shown = ", ".join(self.of(annotation).get(attribute, [])) or "—"
        return f"{annotation['label']} {attribute}: {shown}"

    def _attribute(self, set_name: str, attribute: str) -> Attribute | None:
        ls = self.scheme.label_set(set_name)
        if ls is None:
            raise KeyError(f"no label set {set_name!r} in scheme {self.scheme.name}")
        return ls.attribute(attribute)

    def choices(self, set_name: str, attribute: str, query: str = "") -> list[str]:
        """What the form offers, best first: with no query, the values this annotator used
        (most recent first, so the first is the default) then the scheme's values; with a
        query, those ranked by ``fuzzy_score`` (non-matching ones dropped), the canonical
        names of matching aliases included."""
        attr = self._attribute(set_name, attribute)
        if attr is None:
            return []
        used = self.store.attributes.used_values(self.annotator_id, set_name, attribute)
        if not attr.open:
            used = [v for v in used if v in attr.names]
        pool = list(dict.fromkeys([*used, *attr.names]))
        if not query.strip():
            return pool
        ranked: dict[str, tuple[int, int]] = {}
        for i, name in enumerate(pool):
            score = fuzzy_score(query, name)
            if score is not None:
                ranked[name] = (score, i)
        if attr.open:
            for canon, variants in attr.aliases:
                for alias in (canon, *variants):
                    score = fuzzy_score(query, alias)
                    if score is not None and (canon not in ranked or ranked[canon][0] > score):
                        ranked[canon] = (score, len(pool))
        return sorted(ranked, key=lambda n: ranked[n])

    def default(self, set_name: str, attribute: str) -> str | None:
        """The form's default: the value this annotator chose last for this attribute."""
        attr = self._attribute(set_name, attribute)
        if attr is None:
            return None
        for v in self.store.attributes.used_values(
            self.annotator_id, set_name, attribute
        ):
            if attr.open or v in attr.names:
                return v
        return None
