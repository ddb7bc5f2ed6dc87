"""Discourse networks from the database: statements (span and sentence annotations with their
attributes) into core/network's DNA definitions, and the report's actor x outlet table.

A statement is one current span or sentence annotation. Its variables are:

- ``label`` (the annotation's label: DNA's concept), ``label_set``, ``annotator`` (who coded
  it), ``outlet`` (the document's source), ``document`` (its external id, else title, else
  database id): no attributes needed;
- any attribute of the label set (``actor``, ``target``, ``agreement``...), read through the
  latest stored version of the scheme so that aliases count as their canonical value
  (``M. Lavrov`` -> ``Sergueï Lavrov``). A multiple attribute (several targets) gives one
  statement per value, as DNA would have one statement per target.

A statement without a value for a requested variable is left out (and counted). The qualifier
must be an attribute whose closed values carry whole numbers (``agreement: yes = 1, no = 0`` or
an intensity scale): its declared range is DNA's K. Every coded statement counts, as in DNA: with
several coders, the same quote coded twice counts twice; ``--annotators`` picks whose coding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from annotator.core.network import (
    Network,
    NetworkError,
    Statement,
    crosstab,
    network,
    time_windows,
)
from annotator.core.scheme import Attribute, LabelSet, Scheme
from annotator.store import Store

BUILT_IN = ("label", "label_set", "annotator", "outlet", "document")


@dataclass
class Statements:
    """What the database gives for a request: the statements and what was left out."""

    items: list[Statement] = field(default_factory=list)
    scale: tuple[int, int] | None = None
    left_out: int = 0  # annotations without a value for a requested variable
    label_sets: list[str] = field(default_factory=list)


@dataclass
class NetworkResult:
    networks: list[Network]
    statements: Statements
    windowed: bool


def _latest(store: Store) -> dict[str, Scheme]:
    out: dict[str, Scheme] = {}
    for name in store.schemes.names():
        try:
            out[name] = store.schemes.load(name)[1]
        except Exception:  # a stored version that no longer parses: its attributes are unknown
            continue
    return out


def _sets_with(schemes: dict[str, Scheme], attributes: Sequence[str]) -> dict[str, LabelSet]:
    """Span and sentence sets (latest versions) that declare every named attribute."""
    out: dict[str, LabelSet] = {}
    for scheme in schemes.values():
        for ls in scheme.label_sets:
            if ls.level in ("span", "sentence") and all(ls.attribute(a) for a in attributes):
                out.setdefault(ls.name, ls)
    return out


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _whole(x: float, attr: Attribute) -> int:
    if not float(x).is_integer():
        raise NetworkError(f"qualifier {attr.name!r} has the value {x}: DNA's qualifier levels "
                           "are whole numbers")
    return int(x)


def read_statements(
    store: Store, var1: str, var2: str, qualifier: str | None = None, *,
    label_sets: Sequence[str] | None = None, annotators: Sequence[str] | None = None,
) -> Statements:
    """The statements of the database for var1, var2 and the qualifier."""
    wanted_attrs = [v for v in (var1, var2, qualifier) if v is not None and v not in BUILT_IN]
    if qualifier is not None and qualifier in BUILT_IN:
        raise NetworkError(f"the qualifier must be an attribute with numbered values, not "
                           f"{qualifier!r}")
    schemes = _latest(store)
    sets = _sets_with(schemes, wanted_attrs)
    if label_sets is not None:
        unknown = [s for s in label_sets if s not in sets]
        if unknown:
            raise NetworkError(
                f"label set(s) {', '.join(unknown)} are not span or sentence sets"
                + (f" with the attribute(s) {', '.join(wanted_attrs)}" if wanted_attrs else ""))
        sets = {s: sets[s] for s in label_sets}
    if not sets:
        unknown = [a for a in wanted_attrs if not _sets_with(schemes, [a])]
        if unknown:
            raise NetworkError(f"no span or sentence label set has an attribute {unknown[0]!r} "
                               f"(variables are attributes or one of {', '.join(BUILT_IN)})")
        if wanted_attrs:
            raise NetworkError("no span or sentence label set has all of the attributes "
                               + ", ".join(wanted_attrs))
        raise NetworkError("no span or sentence label set in the stored schemes")
    result = Statements(label_sets=sorted(sets))
    qattr: Attribute | None = None
    if qualifier is not None:
        scales = []
        for ls in sets.values():
            qa = ls.attribute(qualifier)
            assert qa is not None
            numbers = [qa.number(v) for v in qa.names]
            if not numbers or any(n is None for n in numbers):
                raise NetworkError(f"qualifier {qualifier!r} of {ls.name} has no numbered "
                                   "values (an open or nominal attribute cannot be one)")
            whole = [_whole(float(n), qa) for n in numbers if n is not None]
            scales.append((min(whole), max(whole)))
            qattr = qattr or qa
        result.scale = (min(s[0] for s in scales), max(s[1] for s in scales))
    values: dict[int, dict[str, list[str]]] = {}
    for set_name in sets:
        for r in store.attributes.current_rows(set_name):
            if r["attribute"] in wanted_attrs:
                values.setdefault(int(r["annotation_id"]), {}).setdefault(
                    r["attribute"], []).append(str(r["value"]))
    who = set(annotators) if annotators else None
    for row in store.annotations.statement_rows(sorted(sets)):
        if who is not None and row["annotator"] not in who:
            continue
        scheme = schemes.get(row["scheme"])
        found = scheme.label_set(row["label_set"]) if scheme is not None else None
        mine = values.get(int(row["annotation_id"]), {})
        choices: list[list[str]] = []
        for var in (var1, var2, qualifier):
            if var is None:
                choices.append([""])
            elif var in BUILT_IN:
                value = _built_in(row, var)
                choices.append([value] if value else [])
            else:
                attr = found.attribute(var) if found is not None else None
                raw = mine.get(var, [])
                choices.append(sorted({attr.canonical(v) if attr else v for v in raw}))
        if not all(choices):
            result.left_out += 1
            continue
        when = _day(row["published"])
        for a, b, q in product(*choices):
            level: int | None = None
            if qualifier is not None:
                qa = found.attribute(qualifier) if found is not None else qattr
                number = qa.number(q) if qa is not None else None
                if number is None:
                    result.left_out += 1
                    continue
                level = _whole(number, qa) if qa is not None else int(number)
            result.items.append(Statement(a, b, level, when))
    return result


def _built_in(row: dict[str, Any], var: str) -> str:
    if var == "outlet":
        return str(row["source"] or "")
    if var == "document":
        return str(row["external_id"] or row["title"] or row["document_id"])
    return str(row[var] or "")


def build_network(
    store: Store, var1: str, var2: str, *, qualifier: str | None = None,
    kind: str = "affiliation", normalize: str = "none", window: int | None = None,
    label_sets: Sequence[str] | None = None, annotators: Sequence[str] | None = None,
) -> NetworkResult:
    """The network (or, with ``window`` days, DNA's sequence of windowed networks)."""
    if kind not in ("affiliation", "congruence", "conflict"):
        raise NetworkError(f"unknown network type {kind!r}")
    if var1 == var2:
        raise NetworkError("--var1 and --var2 must differ")
    st = read_statements(store, var1, var2, qualifier, label_sets=label_sets,
                         annotators=annotators)
    if not st.items:
        needed = ", ".join(v for v in (var1, var2, qualifier) if v)
        raise NetworkError(f"no statement has a value for each of {needed} "
                           f"(label sets: {', '.join(st.label_sets)}; {st.left_out} "
                           "annotation(s) without one)")
    if window is not None:
        nets = time_windows(st.items, window, kind, normalize, st.scale)  # type: ignore[arg-type]
        return NetworkResult(nets, st, True)
    return NetworkResult([network(st.items, kind, normalize, st.scale)],  # type: ignore[arg-type]
                         st, False)


@dataclass
class Crosstab:
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: list[list[int]]
    attribute: str


def actor_outlet_table(store: Store, actor: str = "actor") -> Crosstab | None:
    """Who is quoted where: statements per actor (rows) and outlet (columns), for the report.
    None when no label set has the attribute or no statement names an actor."""
    try:
        st = read_statements(store, actor, "outlet")
    except NetworkError:
        return None
    pairs = [(s.var1, s.var2) for s in st.items]
    if not pairs:
        return None
    rows, cols, m = crosstab(pairs)
    order = sorted(range(len(rows)), key=lambda i: (-int(m[i].sum()), rows[i]))
    return Crosstab(tuple(rows[i] for i in order), cols,
                    [[int(v) for v in m[i]] for i in order], actor)
