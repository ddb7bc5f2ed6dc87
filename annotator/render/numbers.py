"""One number formatter for everything a person reads: coefficients, intervals, rates, times.

``annotator agree`` (both modes) and ``annotator report`` print the same quantity the same way:
three decimals for a coefficient, one for a rate per 100 sentences, a word (never NaN, never 1.0)
for a value that does not exist.
"""

from __future__ import annotations

from typing import Any


def count(n: int, word: str) -> str:
    """``1 sentence``, ``12,000 sentences``: a count with its noun, thousands separated."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def coefficient(x: float | None, missing: str = "undefined") -> str:
    """An agreement coefficient: three decimals, or ``missing``."""
    return missing if x is None else f"{x:.3f}"


def interval(low: float, high: float) -> str:
    """A confidence interval, as ``[low, high]`` with the coefficient's precision."""
    return f"[{coefficient(low)}, {coefficient(high)}]"


def rate(x: float) -> str:
    """A rate per 100 sentences (or any one-decimal quantity)."""
    return f"{x:.1f}"


def cell(v: Any) -> str:
    """A table cell: floats as rates, nothing as ``-``, anything else as text."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return rate(v)
    return str(v)


def seconds(v: float | None) -> str:
    """Active time: ``12.5s`` under a minute, then ``4m05s``, then ``1h02m03s``."""
    if v is None:
        return "-"
    if v < 60:
        return f"{v:.1f}s"
    m, s = divmod(round(v), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def sentence_ref(document_id: Any, idx: int, n_sentences: int) -> str:
    """A sentence as the annotation screen names it: ``doc 5, sentence 7/16`` (1-based
    position in its document), never its database id."""
    return f"doc {document_id}, sentence {idx + 1}/{n_sentences}"


def rate_interval(x: float | None, low: float | None, high: float | None) -> str:
    """A rate with its 95 % interval, ``12.5 [3.1–25.0]``; ``not coded`` without a rate."""
    if x is None:
        return NOT_CODED
    if low is None or high is None or rate(low) == rate(high):
        return rate(x)  # no spread to show (one document, or every resample alike)
    return f"{rate(x)} [{rate(low)}–{rate(high)}]"


def p_value(p: float) -> str:
    """A p-value for a sentence: ``p = 0.032``, ``p < 0.001``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


NOT_CODED = "not coded"
"""What a table shows for an outlet or a document with no coded unit: never a 0."""
