"""One colour rule: a label has the same colour on the annotation screen, in review and in the
report, whether or not the scheme gives it one (issue 10: a label without a colour changed colour
between the three)."""

from __future__ import annotations

from annotator.core.colors import FALLBACK, PALETTE, color_of, scheme_colors
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
