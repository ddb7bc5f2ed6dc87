"""One colour rule for labels, shared by the annotation screen, review and the report.

A label keeps the same colour everywhere: the colour its scheme gives it, else the palette colour
of its position among all labels of the scheme (in scheme order), so labels of different sets on
one screen differ too. A label the current scheme no longer has (made under an older version) is
drawn in ``FALLBACK``. The palette (Tableau 10 and two more) reads on a dark terminal and on a
white page alike; the terminal picks black or white text on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.core.scheme import LabelSet, Scheme

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
)
FALLBACK = "#bab0ac"
"""Colour of a label the scheme does not define (older versions, imported data)."""


def label_colors(label_sets: Iterable[LabelSet]) -> dict[tuple[str, str], str]:
    """(label set, label) -> colour for every label of the given sets, in order."""
    out: dict[tuple[str, str], str] = {}
    i = 0
    for ls in label_sets:
        for lab in ls.labels:
            out[(ls.name, lab.name)] = lab.color or PALETTE[i % len(PALETTE)]
            i += 1
    return out


def scheme_colors(scheme: Scheme) -> dict[tuple[str, str], str]:
    """The colour of every label of a scheme."""
    return label_colors(scheme.label_sets)


def color_of(colors: Mapping[tuple[str, str], str], label_set: str, label: str) -> str:
    return colors.get((label_set, label), FALLBACK)
