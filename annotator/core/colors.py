"""One colour rule for labels, shared by the annotation screen, review and the report.

A label keeps the same colour everywhere: the colour its scheme gives it, else the palette colour
of its position among all labels of the scheme (in scheme order), so labels of different sets on
one screen differ too, and the same scheme always gives the same colours. A set that would run
past the end of the palette starts again at its first colour instead, so that each set of up to
24 labels takes base palette colours only (the variants are for sets longer than the palette).
A label the current scheme no longer has (made under an older version) is drawn in
``FALLBACK``, a grey no palette colour is close to.

The palette holds 24 colours (Tableau 10 without its grey, then colours picked as far as
possible from those and from each other), so a set of up to 24 labels never repeats a colour
(SemEval's 23 persuasion techniques, 14 frames). Every colour reads as text on a dark terminal
and on a white page (:func:`readable`: contrast at least 3.5 against #1e1e1e, 1.8 against
white), and :func:`text_on` picks black or white text on it by WCAG contrast (at least 4.5:1 on
every palette colour). Positions past the palette take its colours again with another
lightness.
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
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#d37295",
    "#b541d2",
    "#c2c22e",
    "#5e6ad9",
    "#41d241",
    "#c8b66f",
    "#41d2a7",
    "#e07bd6",
    "#a57327",
    "#428a66",
    "#87c22e",
    "#9089d2",
    "#d9835e",
    "#7bb8e0",
    "#41d27b",
    "#d24198",
)
FALLBACK = "#bab0ac"
"""Colour of a label the scheme does not define (older versions, imported data)."""


DARK_BACKGROUND = "#1e1e1e"
MIN_ON_DARK = 3.5
MIN_ON_WHITE = 1.8
"""What every colour of :func:`palette_color` keeps as text on a dark terminal and on white."""


def palette_color(i: int) -> str:
    """The colour of position ``i``: the palette, then in each later round the same colours
    lighter or darker (the k-th variant that still reads on both themes)."""
    base = PALETTE[i % len(PALETTE)]
    k = i // len(PALETTE)
    if not k:
        return base
    order = (255, 0) if luminance(base) < 0.3 else (0, 255)
    variants = [
        v for share in (0.3, 0.15) for toward in order
        if readable(v := _mix(base, toward, share))
    ]
    return variants[(k - 1) % len(variants)] if variants else base


def readable(color: str) -> bool:
    """Readable as text on a dark terminal theme and on a white page."""
    return (contrast(color, DARK_BACKGROUND) >= MIN_ON_DARK
            and contrast(color, "#ffffff") >= MIN_ON_WHITE)


def _mix(color: str, toward: int, share: float) -> str:
    return "#" + "".join(f"{round(c + (toward - c) * share):02x}" for c in _rgb(color))


def label_colors(label_sets: Iterable[LabelSet]) -> dict[tuple[str, str], str]:
    """(label set, label) -> colour for every label of the given sets, in order."""
    out: dict[tuple[str, str], str] = {}
    i = 0
    for ls in label_sets:
        if i % len(PALETTE) + len(ls.labels) > len(PALETTE):
            i = 0  # the set would run past the palette into the lighter/darker variants
        for j, lab in enumerate(ls.labels):
            out[(ls.name, lab.name)] = lab.color or palette_color(i + j)
        i += len(ls.labels)
    return out


def scheme_colors(scheme: Scheme) -> dict[tuple[str, str], str]:
    """The colour of every label of a scheme."""
    return label_colors(scheme.label_sets)


def color_of(colors: Mapping[tuple[str, str], str], label_set: str, label: str) -> str:
    return colors.get((label_set, label), FALLBACK)


def _rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21; 4.5 is the bar for text)."""
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def text_on(color: str) -> str:
    """Black or white text on a label's colour: whichever contrasts more (WCAG), so the
    terminal and the HTML report write on a fill the same way. Not a ``#rrggbb`` colour (a
    named colour of a scheme): black."""
    try:
        if not color.startswith("#"):
            raise ValueError(color)
        _rgb(color)
    except ValueError:
        return "#000000"
    return "#000000" if contrast(color, "#000000") >= contrast(color, "#ffffff") else "#ffffff"
