"""The scheme model: the frozen objects a validated scheme becomes (core/scheme.py builds them).

Every part of the tool reads a scheme through these: label sets at three levels, their labels
(quick key, colour, value on a scale) and the attributes asked about each applied label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from annotator.core.untrusted import first_unsafe

# Versions are stored as SQLite integers and compared; a billion versions is plenty.
MAX_VERSION = 1_000_000_000
Level = Literal["document", "sentence", "span"]
Scale = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = get_args(Level)
SCALES: tuple[str, ...] = get_args(Scale)


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
