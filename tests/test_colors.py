"""One colour rule: a label has the same colour on the annotation screen, in review and in the
report, whether or not the scheme gives it one (issue 10: a label without a colour changed colour
between the three)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from annotator.core.colors import (
    FALLBACK,
    PALETTE,
    color_of,
    contrast,
    palette_color,
    readable,
    scheme_colors,
    text_on,
)
from annotator.core.scheme import parse_scheme
from annotator.services.annotation import Session
from annotator.services.report import _sets_from_scheme
from annotator.services.review import ReviewSession
from annotator.store import Store

YAML = """\
name: colours
version: 1
language: fr
label_sets:
  - name: frame
    level: sentence
    labels: [{name: Political}, {name: Security, color: "#123456"}, {name: Economic}]
  - name: stance
    level: document
    labels: [{name: pro}, {name: contra}]
"""


def test_rule() -> None:
    colors = scheme_colors(parse_scheme(YAML))
    assert colors[("frame", "Political")] == PALETTE[0]
    assert colors[("frame", "Security")] == "#123456"  # the scheme's own colour wins
    assert colors[("frame", "Economic")] == PALETTE[2]
    assert colors[("stance", "pro")] == PALETTE[3]  # positions run across sets
    assert color_of(colors, "frame", "Gone") == FALLBACK  # a label of an older version


def test_same_colour_in_annotate_review_and_report(store: Store) -> None:
    scheme = parse_scheme(YAML)
    scheme_id, _ = store.schemes.add(scheme)
    session = Session(store, scheme, scheme_id, "alice")
    review = ReviewSession(store, scheme, "lead")
    report = {s.name: s.colors for s in _sets_from_scheme(scheme)}
    for ls in scheme.label_sets:
        for lab in ls.labels:
            expected = scheme_colors(scheme)[(ls.name, lab.name)]
            assert session.color(ls.name, lab.name) == expected
            assert color_of(review.colors, ls.name, lab.name) == expected
            assert report[ls.name][lab.name] == expected


# ------------------------------------------------------------------ many labels (issue 15, round 2)
SHIPPED = sorted((Path(__file__).parent.parent / "schemes").glob("*.yaml"))


def test_every_shipped_set_has_distinct_colours() -> None:
    """primary_frame has 14 labels, SemEval's persuasion techniques 23: no two labels of one set
    share a colour, in any shipped scheme."""
    assert SHIPPED
    for path in SHIPPED:
        scheme = parse_scheme(path.read_text(encoding="utf-8"))
        colors = scheme_colors(scheme)
        for ls in scheme.label_sets:
            mine = [colors[(ls.name, lab.name)].lower() for lab in ls.labels]
            assert len(set(mine)) == len(mine), (path.name, ls.name)


def test_palette_colours_are_far_apart_and_from_the_fallback() -> None:
    """24 colours, each visibly different from the others and from the grey of unknown labels
    (CIE76 distance in Lab; 2.3 is the just-noticeable difference)."""
    assert len(PALETTE) >= 24
    every = [*PALETTE, FALLBACK]
    assert len({c.lower() for c in every}) == len(every)
    worst = min(_delta_e(a, b) for i, a in enumerate(every) for b in every[i + 1:])
    assert worst > 15


def test_sets_larger_than_the_palette_stay_distinct() -> None:
    labels = ", ".join(f"{{name: L{i}}}" for i in range(60))
    scheme = parse_scheme(
        f"name: big\nversion: 1\nlanguage: fr\nlabel_sets:\n"
        f"  - name: many\n    level: sentence\n    labels: [{labels}]\n"
    )
    colors = list(scheme_colors(scheme).values())
    assert colors[:24] == list(PALETTE)
    assert len(set(colors)) == 60
    assert all(c.startswith("#") and len(c) == 7 for c in colors)


def test_text_on_every_colour_meets_wcag_aa() -> None:
    """The text colour the terminal and the HTML report write on a label's fill contrasts at
    least 4.5:1 with it (WCAG AA for body text), for every palette colour and every colour a
    shipped scheme gives."""
    fills = {palette_color(i) for i in range(72)} | {FALLBACK}
    for path in SHIPPED:
        scheme = parse_scheme(path.read_text(encoding="utf-8"))
        fills |= {c for c in scheme_colors(scheme).values() if c.startswith("#")}
    for fill in fills:
        assert contrast(text_on(fill), fill) >= 4.5, fill
    assert text_on("#ffffff") == "#000000"
    assert text_on("#000000") == "#ffffff"
    assert text_on("red") == "#000000"  # a named colour: black (the TUI converts names first)
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)


def test_palette_reads_as_text_on_dark_and_light_themes() -> None:
    """Label names are drawn in their colour on the terminal's background: every palette
    colour stands out on a dark theme and on a white page."""
    for i in range(72):
        c = palette_color(i)
        assert contrast(c, "#1e1e1e") >= 3.5, c
        assert contrast(c, "#ffffff") >= 1.8, c
        assert readable(c)


def test_terminal_and_html_pick_the_same_text_colour() -> None:
    from annotator.tui.render import text_on as terminal_text_on

    for i in range(24):
        c = palette_color(i)
        assert terminal_text_on(c) == {"#000000": "black", "#ffffff": "white"}[text_on(c)]


def _delta_e(a: str, b: str) -> float:
    def lab(color: str) -> tuple[float, float, float]:
        def lin(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

        h = color.lstrip("#")
        r, g, bl = (lin(int(h[i:i + 2], 16)) for i in (0, 2, 4))
        x = (0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047
        y = 0.2126 * r + 0.7152 * g + 0.0722 * bl
        z = (0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883

        def f(t: float) -> float:
            return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

        return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))

    return math.dist(lab(a), lab(b))
