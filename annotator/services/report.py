"""`annotator report`: how outlets frame the event, and how far the annotators agree.

Everything here is arithmetic over rows the store returns (``Store.report_*``); the HTML page is
drawn by :mod:`annotator.render.report_html`. Definitions (also in the README):

- **per 100 sentences** (pooled over annotators): for a sentence label set, the number of
  (annotator, sentence) pairs carrying the label divided by the number of (annotator, sentence)
  pairs answered, times 100; for a span set, spans instead of labelled sentences. Who answered
  which sentence is the units rule's (:mod:`annotator.core.units`): marked done under a scheme
  version that has the set; labels on sentences not answered are left out. Pooling
  weights each annotator by how much they annotated, so one fast annotator does not vanish.
- **agreement**: the values of ``annotator agree`` (:mod:`annotator.services.agreement`), so both
  commands always show the same numbers. Units are those answered by two or more annotators (the
  units rule).
  Per set: alpha with the MASI distance (multiple-choice sets), alpha at the set's scale
  (single-choice sets), mean pairwise exact-match F1 (span sets). Per label: binary alpha (has
  the label / not; computed here for single-choice sets) or, for span sets, character-level alpha.
- **confusion**: over every ordered pair of annotators on a unit, labels both gave count on the
  diagonal; what one gave and the other did not is paired with what the other gave instead, or
  with ``(none)``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from annotator.core.colors import scheme_colors

if TYPE_CHECKING:
    from annotator.services.units import SetProgress
    from annotator.store import Store

NONE = "(none)"
UNKNOWN_SOURCE = "(no source)"


# ------------------------------------------------------------------------------------ model
@dataclass
class SetInfo:
    """What the report needs to know of a label set."""

    name: str
    level: str
    labels: list[str]
    multiple: bool = False
    colors: dict[str, str] = field(default_factory=dict)


@dataclass
class RateTable:
    """Label frequency per 100 sentences, one row per outlet or per document."""

    label_set: str
    level: str
    labels: list[str]
    rows: list[RateRow]

    def max_rate(self) -> float:
        return max((v for r in self.rows for v in r.rates.values()), default=0.0)


@dataclass
class RateRow:
    name: str  # outlet, or "#id title" for a document
    source: str
    answered: int  # denominator: (annotator, sentence) pairs answered
    counts: dict[str, int]
    rates: dict[str, float]


@dataclass
class SpanText:
    text: str
    n: int
    sources: dict[str, int]


@dataclass
class SpanTexts:
    """The most frequent span texts of one technique (overall, or within one outlet)."""

    label_set: str
    label: str
    total: int
    top: list[SpanText]


@dataclass
class DocLabels:
    """Document-level labels (stance, primary frame): per outlet counts and per document votes."""

    label_set: str
    labels: list[str]
    outlets: list[tuple[str, int, dict[str, int]]]  # (source, judgements, label -> count)
    documents: list[tuple[int, str, str, dict[str, list[str]]]]  # (id, title, source, label -> who)


@dataclass
class AgreementRow:
    label_set: str
    label: str | None  # None: the whole set
    alpha: float | None  # None: not computable (fewer than 2 coders, or no variation)
    units: int
    coders: int
    positives: int = 0  # units where at least one annotator gave the label
    measure: str = "α"  # what ``alpha`` holds: α MASI, α nominal, α binary, α characters, F1

    @property
    def is_alpha(self) -> bool:
        return self.measure.startswith("α")


@dataclass
class Confusion:
    label_set: str
    categories: list[str]
    matrix: list[list[int]]
    units: int


@dataclass
class ProgressRow:
    annotator: str
    done: int
    seen: int
    total: int
    documents_done: int
    seconds: float
    timed: int

    @property
    def per_sentence(self) -> float | None:
        return self.seconds / self.timed if self.timed else None


@dataclass
class Report:
    scheme: str
    scheme_version: int
    generated_at: str
    n_documents: int
    n_sentences: int
    outlets: list[tuple[str, int, int]]  # (source, documents, sentences)
    sets: list[SetInfo]
    outlet_rates: list[RateTable]
    document_rates: list[RateTable]
    span_texts: list[SpanTexts]
    outlet_span_texts: dict[str, list[SpanTexts]]
    doc_labels: list[DocLabels]
    agreement: list[AgreementRow]
    confusions: list[Confusion]
    progress: list[ProgressRow]
    campaign: list[SetProgress] = field(default_factory=list)  # when documents are assigned


# ------------------------------------------------------------------------------------ building
def build_report(store: Store, scheme_name: str | None = None, *, top: int = 5) -> Report:
    """Compute every table of the report from the database."""
    _, scheme = store.schemes.load(scheme_name)
    name = scheme.name
    sets = _sets_from_scheme(scheme)
    unit_rows = store.annotations.unit_labels(name)
    _add_unknown_sets(sets, unit_rows)

    docs = store.corpus.documents()
    source_of = {int(d["id"]): d["source"] or UNKNOWN_SOURCE for d in docs}
    outlets = _outlets(docs)
    who = answered_units(store, name, sets)
    unit_rows = [r for r in unit_rows if _is_answer(who, r[4], r[0], r[1], r[2], r[3])]
    counts = _label_counts(unit_rows)
    rate_sets = [s for s in sets if s.level in ("sentence", "span")]
    outlet_rates = [
        _rate_table(
            s,
            counts,
            _answered_per_document(who[s.name]),
            lambda d: source_of.get(d, UNKNOWN_SOURCE),
            [o for o, _, _ in outlets],
            source_of,
            by_document=False,
        )
        for s in rate_sets
    ]
    doc_names = {int(d["id"]): _doc_name(d) for d in docs}
    document_rates = [
        _rate_table(
            s,
            counts,
            _answered_per_document(who[s.name]),
            lambda d: doc_names[d],
            [doc_names[int(d["id"])] for d in docs],
            source_of,
            by_document=True,
        )
        for s in rate_sets
    ]
    spans = [
        r
        for r in store.annotations.span_texts(name)
        if _is_answer(who, r["label_set"], r["annotator"], "span", r["document_id"],
                      r["sentence_id"])
    ]
    span_sets = [s for s in sets if s.level == "span"]
    span_texts = _span_texts(span_sets, spans, top)
    outlet_span_texts = {
        o: _span_texts(span_sets, [r for r in spans if (r["source"] or UNKNOWN_SOURCE) == o], 3)
        for o, _, _ in outlets
    }
    doc_sets = [s for s in sets if s.level == "document"]
    doc_labels = [_doc_labels(s, unit_rows, docs) for s in doc_sets]

    units = _units(sets, unit_rows, who)
    agreement: list[AgreementRow] = []
    confusions: list[Confusion] = []
    from annotator.services.agreement import agreement_report

    agree = {
        e["label_set"]: e for e in agreement_report(store, name, n_boot=0, top=1)["label_sets"]
    }
    for s in sets:
        entry = agree.get(s.name)
        rows = agreement_rows(s, units[s.name], from_command=entry is not None)
        agreement.extend(with_agree_command(rows, entry))
        confusions.append(confusion(s, units[s.name]))

    status = {r["annotator"]: r for r in store.progress.status()}
    labelled_by = {u[0] for u in unit_rows}
    progress = [
        ProgressRow(
            annotator=r["annotator"],
            done=int(r["done"]),
            seen=int(r["seen"]),
            total=store.corpus.count_sentences(),
            documents_done=int(status.get(r["annotator"], {}).get("documents_done", 0)),
            seconds=float(r["seconds"]),
            timed=int(r["timed"]),
        )
        for r in store.progress.time()
        if int(r["seen"]) > 0 or r["annotator"] in labelled_by
    ]
    campaign = []
    if store.assignments.exists():
        from annotator.services.units import set_progress

        campaign = [
            sp for sp in set_progress(store, [a.name for a in store.schemes.annotators()])
            if sp.scheme == name
        ]
    return Report(
        campaign=campaign,
        scheme=name,
        scheme_version=int(scheme.version),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        n_documents=len(docs),
        n_sentences=store.corpus.count_sentences(),
        outlets=outlets,
        sets=sets,
        outlet_rates=outlet_rates,
        document_rates=document_rates,
        span_texts=span_texts,
        outlet_span_texts=outlet_span_texts,
        doc_labels=doc_labels,
        agreement=agreement,
        confusions=confusions,
        progress=progress,
    )


def _sets_from_scheme(scheme: Any) -> list[SetInfo]:
    colors = scheme_colors(scheme)
    return [
        SetInfo(
            name=ls.name,
            level=ls.level,
            labels=[lab.name for lab in ls.labels],
            multiple=bool(getattr(ls, "multiple", False)),
            colors={lab.name: colors[(ls.name, lab.name)] for lab in ls.labels},
        )
        for ls in scheme.label_sets
    ]


UnitRow = tuple[str, str, int, int | None, str, str]  # see Store.report_unit_labels


def _add_unknown_sets(sets: list[SetInfo], rows: Iterable[UnitRow]) -> None:
    """Labels in the database but not in the latest scheme version still get reported."""
    by_name = {s.name: s for s in sets}
    known = {(s.name, lab) for s in sets for lab in s.labels}
    for _, level, _, _, set_name, label in rows:
        if (set_name, label) in known:
            continue
        s = by_name.get(set_name)
        if s is None:
            s = SetInfo(set_name, level, [], multiple=True)
            by_name[s.name] = s
            sets.append(s)
        if label not in s.labels:
            s.labels.append(label)
        known.add((set_name, label))


def _label_counts(rows: Iterable[UnitRow]) -> list[dict[str, Any]]:
    """Per annotator, document, label set and label: annotations (``n``) and the distinct
    sentences (or documents) they sit on (``units``)."""
    n: Counter[tuple[str, int, str, str, str]] = Counter()
    units: dict[tuple[str, int, str, str, str], set[int | None]] = defaultdict(set)
    for annotator, level, doc, sid, set_name, label in rows:
        key = (annotator, doc, set_name, level, label)
        n[key] += 1
        units[key].add(sid)
    return [
        {
            "annotator": k[0],
            "document_id": k[1],
            "label_set": k[2],
            "level": k[3],
            "label": k[4],
            "n": v,
            "units": len(units[k]),
        }
        for k, v in n.items()
    ]


def _outlets(docs: Sequence[dict[str, Any]]) -> list[tuple[str, int, int]]:
    n_docs: Counter[str] = Counter()
    n_sents: Counter[str] = Counter()
    for d in docs:
        src = d["source"] or UNKNOWN_SOURCE
        n_docs[src] += 1
        n_sents[src] += int(d["n_sentences"])
    return [(s, n_docs[s], n_sents[s]) for s in sorted(n_docs)]


def _doc_name(d: dict[str, Any]) -> str:
    title = (d["title"] or "").strip()
    if len(title) > 40:
        title = title[:39] + "…"
    return f"#{d['id']} {title}".strip()


def _rate_table(
    s: SetInfo,
    counts: Sequence[dict[str, Any]],
    answered: Sequence[dict[str, Any]],
    key: Any,
    order: list[str],
    source_of: dict[int, str],
    *,
    by_document: bool,
) -> RateTable:
    denom: Counter[str] = Counter()
    for r in answered:
        denom[key(int(r["document_id"]))] += int(r["n"])
    num: dict[str, Counter[str]] = defaultdict(Counter)
    for r in counts:
        if r["label_set"] != s.name:
            continue
        # sentence sets: labelled sentences; span sets: spans
        num[key(int(r["document_id"]))][r["label"]] += int(
            r["units"] if s.level == "sentence" else r["n"]
        )
    rows: list[RateRow] = []
    doc_source = {}
    if by_document:
        doc_source = {key(d): src for d, src in source_of.items()}
    for name in order:
        if by_document and denom[name] == 0 and not num.get(name):
            continue
        c = num.get(name, Counter())
        d = denom[name]
        rows.append(
            RateRow(
                name=name,
                source=doc_source.get(name, name),
                answered=d,
                counts={lab: c[lab] for lab in s.labels},
                rates={lab: (100.0 * c[lab] / d if d else 0.0) for lab in s.labels},
            )
        )
    return RateTable(s.name, s.level, list(s.labels), rows)


_SPACES = re.compile(r"\s+")


def _span_texts(
    sets: Sequence[SetInfo], spans: Sequence[dict[str, Any]], top: int
) -> list[SpanTexts]:
    """Most frequent texts per technique; texts are grouped ignoring case and spacing."""
    # (set, label) -> folded text -> [(text, source)], in one pass over the spans
    by_label: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}
    for r in spans:
        text = _SPACES.sub(" ", r["text"] or "").strip()
        groups = by_label.setdefault((r["label_set"], r["label"]), {})
        groups.setdefault(text.casefold(), []).append((text, r["source"] or UNKNOWN_SOURCE))
    out: list[SpanTexts] = []
    for s in sets:
        for label in s.labels:
            found = by_label.get((s.name, label))
            if not found:
                continue
            ranked = sorted(found.values(), key=lambda g: (-len(g), g[0][0].casefold()))
            items = [
                SpanText(
                    text=Counter(t for t, _ in g).most_common(1)[0][0],
                    n=len(g),
                    sources=dict(Counter(src for _, src in g).most_common()),
                )
                for g in ranked[:top]
            ]
            out.append(SpanTexts(s.name, label, sum(len(g) for g in found.values()), items))
    return out


def _doc_labels(s: SetInfo, rows: Sequence[UnitRow], docs: Sequence[dict[str, Any]]) -> DocLabels:
    votes: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for annotator, level, doc, _, set_name, label in rows:
        if set_name == s.name and level == "document":
            who = votes[doc][label]
            if annotator not in who:
                who.append(annotator)
    per_outlet: dict[str, Counter[str]] = defaultdict(Counter)
    documents = []
    for d in docs:
        did = int(d["id"])
        src = d["source"] or UNKNOWN_SOURCE
        v = votes.get(did)
        if not v:
            continue
        for label, who in v.items():
            per_outlet[src][label] += len(who)
        ordered = {lab: sorted(v[lab]) for lab in s.labels if lab in v}
        documents.append((did, d["title"] or "", src, ordered))
    outlets = [
        (src, sum(c.values()), {lab: c[lab] for lab in s.labels})
        for src, c in sorted(per_outlet.items())
    ]
    return DocLabels(s.name, list(s.labels), outlets, documents)


# ------------------------------------------------------------------------------------ agreement
Units = dict[tuple[int, int | None], dict[str, AbstractSet[str]]]


Answers = dict[str, dict[tuple[int, int | None], set[str]]]
"""label set -> unit -> annotators who answered it (the units rule)."""


def answered_units(store: Store, scheme_name: str, sets: Sequence[SetInfo]) -> Answers:
    """Per label set, who answered which unit: :mod:`annotator.core.units` decides."""
    from annotator.services.units import who_answered_by_set

    return who_answered_by_set(store, scheme_name, [(s.name, s.level) for s in sets])


def _is_answer(
    who: Answers, set_name: str, annotator: str, level: str, doc: int, sid: int | None
) -> bool:
    """Whether a label is part of an answer (labels on units not answered are left out)."""
    units = who.get(set_name)
    if units is None:
        return False
    key = (doc, None) if level == "document" else (doc, sid)
    return annotator in units.get(key, ())


def _answered_per_document(units: dict[tuple[int, int | None], set[str]]) -> list[dict[str, Any]]:
    """(document, answered (annotator, unit) pairs): the denominators of the rates."""
    per: Counter[int] = Counter()
    for (doc, _), annotators in units.items():
        per[doc] += len(annotators)
    return [{"document_id": d, "n": n} for d, n in sorted(per.items())]


def _units(sets: Sequence[SetInfo], rows: Sequence[UnitRow], who: Answers) -> dict[str, Units]:
    """Per label set: unit -> annotator -> labels, for units answered by two or more annotators
    (who answered comes from the units rule; ``rows`` are labels that are answers)."""
    labels: dict[str, dict[tuple[int, int | None], dict[str, set[str]]]] = {
        s.name: {} for s in sets
    }
    for annotator, level, doc, sid, name, label in rows:
        by_unit = labels.get(name)
        if by_unit is None:
            continue
        key: tuple[int, int | None] = (doc, None) if level == "document" else (doc, sid)
        by_unit.setdefault(key, {}).setdefault(annotator, set()).add(label)
    empty: frozenset[str] = frozenset()
    out: dict[str, Units] = {}
    for s in sets:
        units: Units = {}
        for key in sorted(who.get(s.name, {}), key=lambda k: (k[0], -1 if k[1] is None else k[1])):
            coders = who[s.name][key]
            if len(coders) < 2:
                continue
            per = labels[s.name].get(key) or {}
            units[key] = {a: per.get(a, empty) for a in coders}
        out[s.name] = units
    return out


def _value(x: Any) -> float | None:
    from annotator.core.agreement import jsonable

    v = jsonable(x)
    return None if v is None or v != v else float(v)


def agreement_rows(s: SetInfo, units: Units, *, from_command: bool = False) -> list[AgreementRow]:
    """Alpha for the set as a whole and for each of its labels, computed by
    :mod:`annotator.core.agreement` (see the module docstring for the units).

    ``from_command``: the values ``annotator agree`` gives will replace these (see
    :func:`with_agree_command`), so only what it does not give is computed: the per-label binary
    alpha of single-choice sets."""
    import numpy as np

    from annotator.core import agreement

    coders = sorted({a for per in units.values() for a in per})
    keys = list(units)
    positives: Counter[str] = Counter()
    for per in units.values():
        positives.update(frozenset().union(*per.values()))
    whole: float | None = None
    per_label: dict[str, float | None] = {}
    single = not s.multiple and s.level != "span"
    if keys and single:
        # codes matrix (annotators x units) of the label chosen; binary views derive from it
        cats: dict[frozenset[str], int] = {}
        row_of = {a: i for i, a in enumerate(coders)}
        m = np.full((len(coders), len(keys)), np.nan)
        for u, k in enumerate(keys):
            for a, labs in units[k].items():
                m[row_of[a], u] = cats.setdefault(frozenset(labs), len(cats))
        if not from_command:
            whole = _value(agreement.krippendorff_alpha(m, "nominal"))
        given = ~np.isnan(m)
        codes = np.where(given, m, -1).astype(np.int64)
        for lab in s.labels:
            has = np.array([lab in c for c in cats] + [False])
            view = np.where(given, has[codes].astype(np.float64), np.nan)
            per_label[lab] = _value(agreement.krippendorff_alpha(view, "nominal"))
    elif keys and not from_command:
        sets = [[units[k].get(a) for a in coders] for k in keys]
        if s.multiple:
            whole = _value(agreement.set_alpha(sets, "masi"))
        for key, v in agreement.per_label_agreement(sets, s.labels).items():
            per_label[str(key)] = _value(v["krippendorff_alpha"])
    whole_measure = "α MASI" if s.multiple else "α nominal"
    rows = [AgreementRow(s.name, None, whole, len(keys), len(coders), measure=whole_measure)]
    for lab in s.labels:
        rows.append(
            AgreementRow(
                s.name,
                lab,
                per_label.get(lab),
                len(keys),
                len(coders),
                positives[lab],
                "α binary",
            )
        )
    return rows


def _mean(values: Iterable[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def with_agree_command(
    rows: list[AgreementRow], entry: dict[str, Any] | None
) -> list[AgreementRow]:
    """Take the values of ``annotator agree`` (services.agreement) where it has them, so the
    report and the agreement command never disagree: whole sets (MASI alpha for multiple-choice
    sets, alpha at the set's scale for single-choice sets, mean pairwise exact-match F1 for span
    sets), per label (binary alpha; span sets: character-level alpha). Per label of a
    single-choice set stays the binary alpha computed here (the command does not give it)."""
    if entry is None:
        return rows
    units = int(entry.get("n_units") or 0)
    coders = len(entry.get("annotators") or [])
    per = {p["label"]: p for p in entry.get("per_label") or []}
    out: list[AgreementRow] = []
    for r in rows:
        r.units, r.coders = units, coders
        if r.label is None:
            if entry.get("level") == "span":
                r.alpha = _mean(
                    (p.get("all_labels") or {}).get("exact_f1") for p in entry.get("pairs") or []
                )
                r.measure = "F1 exact (pairs)"
            elif entry.get("multiple"):
                r.alpha, r.measure = entry.get("masi_alpha"), "α MASI"
            else:
                r.alpha = entry.get("krippendorff_alpha")
                r.measure = f"α {entry.get('scale') or 'nominal'}"
        elif r.label in per:
            p = per[r.label]
            if entry.get("level") == "span":
                r.alpha, r.measure = p.get("char_alpha"), "α characters"
            else:
                r.alpha, r.measure = p.get("krippendorff_alpha"), "α binary"
        out.append(r)
    return out


def confusion(s: SetInfo, units: Units) -> Confusion:
    """Label-by-label confusion counts between annotators (see the module docstring)."""
    cats = [*s.labels, NONE]
    index = {c: i for i, c in enumerate(cats)}
    m = [[0] * len(cats) for _ in cats]
    for per in units.values():
        for a, la in per.items():
            for b, lb in per.items():
                if a == b:
                    continue
                for lab in la & lb:
                    m[index[lab]][index[lab]] += 1
                if not la and not lb:
                    m[index[NONE]][index[NONE]] += 1
                    continue
                ra, rb = la - lb, lb - la
                if not ra and not rb:
                    continue
                for x in sorted(ra) or [NONE]:
                    for y in sorted(rb) or [NONE]:
                        m[index[x]][index[y]] += 1
    return Confusion(s.name, cats, m, len(units))
