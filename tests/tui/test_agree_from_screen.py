"""`annotator agree` on a database annotated through the annotation screen (Pilot): what two
annotators did with their keys is what the agreement report counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from annotator.cli.analysis import run_db
from annotator.core import agreement as ag
from annotator.tui.app import AnnotatorApp

App = Callable[..., AnnotatorApp]


async def annotate(app: AnnotatorApp, tone: list[str | None], frame1: bool) -> None:
    """Sentences 0-2 of the first article: tone keys (None: no tone), the frame key on
    sentence 1, a Loaded_Language span on sentence 2, each sentence marked done with enter."""
    async with app.run_test() as pilot:
        for i, key in enumerate(tone):
            if i == 1 and frame1:
                await pilot.press("1")
            if i == 2:
                await pilot.press("s", *"fraternité invincible", "enter", "l", "escape")
            if key:
                await pilot.press(key)
            await pilot.press("enter")
        await pilot.pause()


async def test_agree_counts_what_the_screen_stored(new_app: App, corpus: Path) -> None:
    await annotate(new_app("alice"), [None, "7", "8"], frame1=True)
    await annotate(new_app("bob"), [None, "8", "8"], frame1=True)
    out, code = run_db(str(corpus), fmt="json")
    assert code == 0
    sets = {s["label_set"]: s for s in json.loads(out)["label_sets"]}
    tone = sets["tone"]
    assert tone["annotators"] == ["alice", "bob"]
    assert tone["n_units"] == 3  # sentence 0 done with no tone counts as an answer
    # codes: Negative 0, Neutral 1, Positive 2, (none) 3
    m = np.array([[3, 0, 1], [3, 1, 1]], dtype=float)
    assert tone["percent_agreement"] == pytest.approx(2 / 3)
    assert tone["krippendorff_alpha"] == pytest.approx(ag.krippendorff_alpha(m))
    assert tone["pairs"][0]["cohen_kappa"] == pytest.approx(ag.cohen_kappa(m[0], m[1]))
    frame = sets["frame"]
    assert frame["n_units"] == 3 and frame["masi_alpha"] == pytest.approx(1.0)
    tech = sets["technique"]
    ll = next(e for e in tech["pairs"][0]["per_label"] if e["label"] == "Loaded_Language")
    assert (ll["n_a"], ll["n_b"], ll["exact_f1"]) == (1, 1, 1.0)
    char = next(e for e in tech["per_label"] if e["label"] == "Loaded_Language")
    assert char["char_alpha"] == pytest.approx(1.0)
    assert sets["stance"]["n_units"] == 0  # nobody opened the document panel
