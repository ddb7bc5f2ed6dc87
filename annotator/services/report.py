"""`annotator report`: how outlets frame the event, and how far the annotators agree.

Everything here is arithmetic over rows the store returns (``Store.report_*``); the HTML page is
drawn by :mod:`annotator.render.report_html`. Definitions (also in the README):

- **per 100 sentences** (pooled over annotators): for a sentence label set, the number of
  (annotator, sentence) pairs carrying the label divided by the number of (annotator, sentence)
  pairs answered, times 100; for a span set, spans instead of labelled sentences; for a
  document set (its **share**), (annotator, document) pairs instead of sentences. Who answered
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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from annotator.core import arrays
from annotator.core.colors import scheme_colors
from annotator.core.gold import is_majority
from annotator.core.uncertainty import N_BOOT, Difference, bootstrap_rates, group_difference
from annotator.core.units import UNIT_LEVEL

if TYPE_CHECKING:
    from annotator.core.units import Versions
    from annotator.services.agreement_reads import ReadOnce
    from annotator.services.network import Crosstab
    from annotator.services.units import SchemeAnswers, SetProgress
    from annotator.store import Store

NONE = "(none)"
UNKNOWN_SOURCE = "(no source)"
GOLD_MODES = ("adjudicated", "majority", "none")
GOLD_ID = 0
"""The annotator id of the gold in a gold ``SetAnswers`` (real annotator ids start at 1)."""
GOLD_NAME = "gold"


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
    """Label frequency per 100 sentences, one row per outlet or per document; for outlets, the
    test of whether they differ, per label (labels with no outlet coded have none)."""

    label_set: str
    level: str
    labels: list[str]
    rows: Sequence[RateRow]  # outlets: a list; documents: made when read
    differences: dict[str, Difference] = field(default_factory=dict)

    def max_rate(self) -> float:
        return max(
            (v for r in self.rows for v in r.rates.values() if v is not None), default=0.0
        )


@dataclass
class RateRow:
    name: str  # outlet, or "#id title" for a document
    source: str
    answered: int  # denominator: (annotator, sentence) pairs answered (gold: sentences decided)
    counts: dict[str, int]
    rates: dict[str, float | None]  # None: not coded (nothing answered), never 0
    documents: int = 0  # documents with an answered unit (what the interval resamples)
    low: dict[str, float | None] = field(default_factory=dict)  # 95 % bootstrap interval
    high: dict[str, float | None] = field(default_factory=dict)

    @property
    def coded(self) -> bool:
        return self.answered > 0


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
    coded: dict[str, int] = field(default_factory=dict)  # outlet -> documents answered
    differences: dict[str, Difference] = field(default_factory=dict)  # as RateTable's
    # per outlet and label: judgements giving it per 100 answered judgements (gold: per 100
    # decided documents), with its 95 % interval (bootstrap over the outlet's documents)
    shares: RateTable | None = None


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
    gold: str  # what the numbers count: adjudicated, majority, none (the coders pooled), mixed
    gold_by_set: dict[str, str]  # label set -> adjudicated, majority or none
    gold_note: str  # the same in words, with the coverage (the report's first line)
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
    # agreement per attribute of labels (issue 18), as `annotator agree` computes it
    attribute_agreement: list[dict[str, Any]] = field(default_factory=list)
    n_boot: int = N_BOOT
    seed: int = 0
    # who is quoted where (issue 18): statements per actor and outlet, when labels have an actor
    actor_outlet: Crosstab | None = None


# ------------------------------------------------------------------------------------ building
def build_report(
    store: Store, scheme_name: str | None = None, *, top: int = 5, gold: str | None = None,
    seed: int = 0, n_boot: int = N_BOOT,
) -> Report:
    """Compute every table of the report from the database.

    ``gold``: what the rates and document labels count: ``adjudicated`` (the resolved decisions
    of ``annotator review``; units without one are not coded), ``majority`` (core.gold's strict
    majority of the coders who answered each unit), ``none`` (every coder's labels, pooled);
    default: adjudicated when the scheme has a resolved decision, else pooled. Agreement,
    confusion and progress always describe the coders. Intervals: ``n_boot`` bootstrap
    resamples of documents, seeded by ``seed``.

    A few bulk reads (every current label of the scheme in one pass over the covering index,
    the done marks), the units rule on arrays, then numpy aggregation: no Python loop runs per
    annotation, only per row of the report's tables. Reads that do not depend on each other run
    side by side (see ``ReadOnce``)."""
    _, scheme = store.schemes.load(scheme_name)
    versions = store.schemes.label_sets_by_version(scheme.name)
    ids = tuple(versions.sets)
    jobs: list[tuple[str, tuple[Any, ...]]] = [
        ("span_texts", (ids, ls.name)) for ls in scheme.label_sets if ls.level == "span"
    ]
    jobs += [("progress.time", ()), ("progress.documents_done", ()), ("corpus.documents", ())]
    if gold is not None and gold not in GOLD_MODES:
        raise ValueError(f"gold must be one of {', '.join(GOLD_MODES)}, not {gold!r}")
    sets, answers, data, reads = read_answers(store, scheme, jobs, versions)
    try:
        counted, modes, note = gold_answers(store, ids, sets, answers, data, gold)
        rep = _build(store, scheme, sets, answers, data, reads, top,
                     counted=counted, gold=(modes, note), seed=seed, n_boot=n_boot)
    finally:
        reads.close()
    from annotator.services.network import actor_outlet_table

    rep.actor_outlet = actor_outlet_table(store)  # text and HTML print the same table
    return rep


def gold_answers(
    store: Store, scheme_ids: tuple[int, ...], sets: list[SetInfo], answers: SchemeAnswers,
    data: dict[str, SetAnswers], gold: str | None,
) -> tuple[dict[str, SetAnswers], dict[str, str], str]:
    """What the rates count, per set: the coders' answers (``none``), or the gold as answers of
    one pseudo-annotator (``GOLD_ID``) on the units it covers; with the mode of each set and
    the report's first line saying so. Default: adjudicated for each set with a resolved
    decision, the coders pooled for the others."""
    units, rows = store.adjudications.resolved_arrays(scheme_ids) if gold != "majority" else (
        {}, {})
    decided = {st.name: len(units[st.name]) for st in sets if st.name in units}
    modes = {st.name: gold or ("adjudicated" if st.name in decided else "none") for st in sets}
    counted: dict[str, SetAnswers] = {}
    for st in sets:
        mode = modes[st.name]
        counted[st.name] = (
            majority_answers(data[st.name]) if mode == "majority"
            else adjudicated_answers(st, data[st.name], answers, units.get(st.name), rows)
            if mode == "adjudicated" else data[st.name]
        )
    parts = []
    gold_sets = [st for st in sets if modes[st.name] == "adjudicated"]
    if gold_sets:
        cover = ", ".join(
            f"{st.name} {decided.get(st.name, 0):,} of {len(arrays.unique(data[st.name].unit)):,}"
            for st in gold_sets
        )
        parts.append(f"adjudicated gold, the resolved decisions of `annotator review` (units "
                     f"decided of units coded: {cover}; undecided units are not coded)")
    if gold == "majority":
        parts.append("majority gold (a label counts on a unit where more than half of the "
                     "coders who answered it gave it; ties left out)")
    pooled = [st.name for st in sets if modes[st.name] == "none"]
    if pooled:
        which = "" if len(pooled) == len(sets) else f" for {', '.join(pooled)}"
        why = " (no decision yet)" if gold is None else ""
        parts.append(f"every coder's labels, pooled{which}{why}")
    how = "default, see --gold" if gold is None else f"--gold {gold}"
    note = f"Counts ({how}): " + "; ".join(parts) + "."
    return counted, modes, note


def _gold_set(
    d: SetAnswers, units: np.ndarray, unit_docs: np.ndarray, unit: np.ndarray,
    label: np.ndarray, start: np.ndarray, end: np.ndarray,
) -> SetAnswers:
    """A SetAnswers of the gold pseudo-annotator: it answered ``units`` (sorted, with their
    documents) and gave the rows (unit, label, start, end)."""
    pos = np.searchsorted(units, unit) if len(units) else _EMPTY
    level = LEVEL_CODE[d.info.level]
    return SetAnswers(
        info=d.info,
        annotator=np.full(len(units), GOLD_ID, dtype=np.int64),
        unit=units,
        document=unit_docs,
        row_annotator=np.full(len(unit), GOLD_ID, dtype=np.int64),
        row_unit=unit,
        row_document=unit_docs[pos] if len(unit) else _EMPTY,
        row_label=label,
        row_level=np.full(len(unit), level, dtype=np.int64),
        row_start=start,
        row_end=end,
    )


def majority_answers(d: SetAnswers) -> SetAnswers:
    """The strict-majority gold of one set, on arrays (the rule of :func:`core.gold.is_majority`,
    the one ``export --gold majority`` applies): every unit answered by someone is coded; an
    item (a label; a span's label and boundaries) counts where more than half of the unit's
    answering annotators gave it."""
    units, voters = np.unique(d.unit, return_counts=True)
    unit_docs = d.document[np.r_[0, np.cumsum(voters)[:-1]]] if len(units) else _EMPTY
    # each annotator's item once, then votes per item
    _, unit, label, start, end = arrays.unique_rows(
        d.row_annotator, d.row_unit, d.row_label, d.row_start + 1, d.row_end + 1
    )
    item, n_items = arrays.group_ids(unit, label, start, end)
    votes = np.bincount(item, minlength=n_items)
    first = np.full(n_items, len(item), dtype=np.int64)
    np.minimum.at(first, item, np.arange(len(item)))
    unit, label, start, end = unit[first], label[first], start[first] - 1, end[first] - 1
    n_voters = voters[np.searchsorted(units, unit)] if len(unit) else _EMPTY
    keep = is_majority(votes, n_voters)
    return _gold_set(d, units, unit_docs, unit[keep], label[keep], start[keep], end[keep])


def adjudicated_answers(
    s: SetInfo, d: SetAnswers, answers: SchemeAnswers, decided: np.ndarray | None,
    rows: dict[tuple[str, str], np.ndarray],
) -> SetAnswers:
    """The adjudicated gold of one set: the units with a resolved decision, and their gold
    labels (labels the set no longer has are left out)."""
    column = 0 if UNIT_LEVEL[s.level] == "document" else 1
    units = _EMPTY if decided is None else arrays.unique(decided[:, column])
    units = units[units >= 0]
    parts = [
        (r[:, column], np.full(len(r), i, dtype=np.int64), r[:, 2], r[:, 3])
        for i, lab in enumerate(s.labels)
        if (r := rows.get((s.name, lab))) is not None
    ]
    unit, label, start, end = (
        np.concatenate([p[k] for p in parts]) if parts else _EMPTY for k in range(4)
    )
    keep = arrays.contains(units, unit)
    return _gold_set(d, units, answers.documents_of(s.level, units), unit[keep], label[keep],
                     start[keep], end[keep])


def _build(
    store: Store, scheme: Any, sets: list[SetInfo], answers: SchemeAnswers,
    data: dict[str, SetAnswers], reads: ReadOnce, top: int, *,
    counted: dict[str, SetAnswers], gold: tuple[dict[str, str], str], seed: int, n_boot: int,
) -> Report:
    name = scheme.name
    agree_job = _agree_in_background(store, name, reads)
    docs = reads.get("corpus.documents")
    outlets = _outlets(docs)
    table = _DocTable(docs, [o for o, _, _ in outlets])
    rate_sets = [st for st in sets if st.level in ("sentence", "span")]
    outlet_rates: list[RateTable] = []
    document_rates: list[RateTable] = []
    counts = [_rate_counts(st, counted[st.name], table) for st in rate_sets]
    for st, (denom, num) in zip(rate_sets, counts, strict=True):
        coded = denom > 0
        outlet_rates.append(_rate_table(
            st, table.by_outlet(denom), table.by_outlet(num), table.outlets, table.outlets,
            documents=table.by_outlet(coded.astype(np.int64))))
        document_rates.append(_rate_table(st, denom, num, table.names, table.sources,
                                          documents=coded.astype(np.int64), lazy=True))
    _uncertainty(outlet_rates, counts, table, seed=seed, n_boot=n_boot)

    span_texts: list[SpanTexts] = []
    outlet_span_texts: dict[str, list[SpanTexts]] = {o: [] for o, _, _ in outlets}
    for st in sets:
        if st.level == "span":
            # the texts come from what the rates count: the coders' spans, or the gold's
            coders = gold[0][st.name] == "none"
            spans = reads.get("span_texts", reads.scheme_ids, st.name)
            if not coders:
                spans = _gold_span_texts(store, st, counted[st.name], table)
            overall, per_outlet = _span_texts(st, counted[st.name], spans, top, 3)
            span_texts.extend(overall)
            for o, found in per_outlet.items():
                outlet_span_texts[o].extend(found)

    names = answers.names
    doc_labels = [
        _doc_labels(st, counted[st.name], table, {**names, GOLD_ID: GOLD_NAME}, (seed, k))
        for k, st in enumerate(sets) if st.level == "document"
    ]
    doc_sets = [st for st in sets if st.level == "document"]
    doc_counts = [_rate_counts(st, counted[st.name], table) for st in doc_sets]
    shares = [
        _rate_table(st, table.by_outlet(denom), table.by_outlet(num), table.outlets,
                    table.outlets, documents=table.by_outlet((denom > 0).astype(np.int64)))
        for st, (denom, num) in zip(doc_sets, doc_counts, strict=True)
    ]
    _intervals(shares, doc_counts, table, seed=seed, n_boot=n_boot)
    for dl, share in zip(doc_labels, shares, strict=True):
        share.differences = dl.differences  # the same test, shown with the intervals
        dl.shares = share

    # agree has an entry for every set of the scheme's latest version: computed here is what
    # it does not give, while it runs
    in_agree = {ls.name for ls in scheme.label_sets}
    own: list[list[AgreementRow]] = []
    confusions: list[Confusion] = []
    for st in sets:
        units = data[st.name].agreement_units(names)
        own.append(agreement_rows(st, units, from_command=st.name in in_agree))
        confusions.append(confusion(st, units))
    agree = {e["label_set"]: e for e in agree_job()["label_sets"]}
    attribute_agreement = attribute_agreement_rows(agree_job())
    agreement = [
        row for st, rows in zip(sets, own, strict=True)
        for row in with_agree_command(rows, agree.get(st.name))
    ]

    documents_done = reads.get("progress.documents_done")
    labelled_by = {names[a] for d in data.values() for a in arrays.unique(d.row_annotator).tolist()}
    n_sentences = store.corpus.count_sentences()
    ids = {n: i for i, n in names.items()}
    progress = [
        ProgressRow(
            annotator=r["annotator"],
            done=int(r["done"]),
            seen=int(r["seen"]),
            total=n_sentences,
            documents_done=documents_done.get(ids.get(r["annotator"], -1), 0),
            seconds=float(r["seconds"]),
            timed=int(r["timed"]),
        )
        for r in reads.get("progress.time")
        if int(r["seen"]) > 0 or r["annotator"] in labelled_by
    ]
    campaign = []
    if store.assignments.exists():
        from annotator.services.units import set_progress

        campaign = [
            sp for sp in set_progress(store, [a.name for a in store.schemes.annotators()])
            if sp.scheme == name
        ]
    modes = set(gold[0].values())
    return Report(
        attribute_agreement=attribute_agreement,
        gold=modes.pop() if len(modes) == 1 else "mixed",
        gold_by_set=gold[0],
        gold_note=gold[1],
        n_boot=n_boot,
        seed=seed,
        campaign=campaign,
        scheme=name,
        scheme_version=int(scheme.version),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        n_documents=len(docs),
        n_sentences=n_sentences,
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


def attribute_agreement_rows(agree: dict[str, Any]) -> list[dict[str, Any]]:
    """The attributes section of ``annotator agree`` (alpha per attribute of labels on matched
    labels: services/attribute_agreement.py), for the report's own short section."""
    return list(agree.get("attributes") or [])


def read_answers(
    store: Store,
    scheme: Any,
    jobs: Sequence[tuple[str, tuple[Any, ...]]] = (),
    versions: Versions | None = None,
) -> tuple[list[SetInfo], SchemeAnswers, dict[str, SetAnswers], ReadOnce]:
    """The report's label sets (the scheme's, then sets and labels only older versions had),
    what the units rule needs, each set's answers as arrays, and the reads they came from
    (which ``annotator agree``'s computation takes too; ``jobs``: more reads to run meanwhile,
    collected with ``ReadOnce.get``; close it when done)."""
    from annotator.services.agreement_reads import ReadOnce
    from annotator.services.units import load_answers

    sets = _sets_from_scheme(scheme)
    if versions is None:
        versions = store.schemes.label_sets_by_version(scheme.name)
    reads = ReadOnce(store, versions, jobs)
    try:
        _add_unknown_sets(sets, _first_uses(store, tuple(versions.sets), reads.groups, sets))
        answers = load_answers(store, scheme.name, groups=reads.groups, versions=versions,
                               reads=reads)
        data = {st.name: set_answers(st, answers, reads.groups) for st in sets}
    except BaseException:
        reads.close()
        raise
    return sets, answers, data, reads


def _agree_in_background(
    store: Store, scheme_name: str, reads: ReadOnce
) -> Callable[[], dict[str, Any]]:
    """Start ``annotator agree``'s computation (over the same reads) in a thread with its own
    connection, while the report's own tables are computed; returns what waits for it."""
    from concurrent.futures import ThreadPoolExecutor

    from annotator.services.agreement import agreement_report

    if store.path == ":memory:":
        result = agreement_report(store, scheme_name, n_boot=0, top=1, reads=reads)
        return lambda: result

    def run() -> dict[str, Any]:
        from annotator.store import Store as StoreClass

        with StoreClass.open(store.path, create=False, readonly=True) as own:  # only reads
            return agreement_report(own, scheme_name, n_boot=0, top=1, reads=reads)

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future.result


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


LabelGroups = Sequence[Any]
"""``Columnar.current_labels``: label groups (version, label set, level, label, arrays)."""


def _first_uses(
    store: Store, scheme_ids: tuple[int, ...], groups: LabelGroups, sets: Sequence[SetInfo]
) -> list[tuple[str, str, str]]:
    """(label set, level, label) of the labels in the database but not in the latest scheme
    version, in the order they were first used."""
    known = {(st.name, lab) for st in sets for lab in st.labels}
    keys = list(dict.fromkeys(
        (g.label_set, g.level, g.label) for g in groups if (g.label_set, g.label) not in known
    ))
    first = store.columnar.first_label_ids(scheme_ids, keys) if keys else {}
    return sorted(first, key=first.__getitem__)


def _add_unknown_sets(sets: list[SetInfo], rows: Iterable[tuple[str, str, str]]) -> None:
    """Labels in the database but not in the latest scheme version still get reported
    (``rows``: (label set, level, label) in the order they were first used)."""
    by_name = {s.name: s for s in sets}
    known = {(s.name, lab) for s in sets for lab in s.labels}
    for set_name, level, label in rows:
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


LEVEL_CODE = {"sentence": 0, "span": 1, "document": 2}
_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class SetAnswers:
    """One label set as arrays: who answered which unit (the units rule) and its labels that are
    answers (labels on units their annotator did not answer are left out)."""

    info: SetInfo
    annotator: np.ndarray  # answered (annotator, unit) pairs, sorted by unit then annotator
    unit: np.ndarray  # sentence id, or document id for a document set
    document: np.ndarray  # the document of each answered unit
    row_annotator: np.ndarray  # per label that is an answer: annotator id,
    row_unit: np.ndarray  # unit,
    row_document: np.ndarray  # document,
    row_label: np.ndarray  # index into info.labels,
    row_level: np.ndarray  # LEVEL_CODE of the row
    row_start: np.ndarray  # span rows: document offsets (-1 for other rows)
    row_end: np.ndarray

    def answered_cells(self, annotator: np.ndarray, unit: np.ndarray) -> np.ndarray:
        """Whether each (annotator, unit) pair answered the set."""
        return arrays.contains(self.unit * _PACK + self.annotator, unit * _PACK + annotator)

    def agreement_units(self, names: dict[int, str]) -> AgreementUnits:
        """The units answered by two or more annotators (those agreement is computed on)."""
        counts = np.unique(self.unit, return_counts=True)[1]
        keep = np.repeat(counts, counts) >= 2  # pairs are sorted by unit
        ann, unit, doc = self.annotator[keep], self.unit[keep], self.document[keep]
        coder_ids = sorted(arrays.unique(ann).tolist(), key=lambda a: names[a])
        row_of = np.zeros(max(coder_ids, default=0) + 1, dtype=np.int64)
        row_of[coder_ids] = np.arange(len(coder_ids))
        first = np.r_[True, unit[1:] != unit[:-1]] if len(unit) else np.zeros(0, bool)
        u_ids, u_docs = unit[first], doc[first]
        col_of_sorted = np.empty(len(u_ids), dtype=np.int64)
        col_of_sorted[np.lexsort((u_ids, u_docs))] = np.arange(len(u_ids))
        cell_col = col_of_sorted[np.cumsum(first) - 1]
        # labels: the cell (answered pair) each one belongs to; one row per (cell, label)
        cells = unit * _PACK + ann
        probe = self.row_unit * _PACK + self.row_annotator
        pos = np.minimum(np.searchsorted(cells, probe), max(len(cells) - 1, 0))
        found = cells[pos] == probe if len(cells) else np.zeros(len(probe), bool)
        pairs = arrays.unique(pos[found] * (len(self.info.labels) + 1) + self.row_label[found])
        return AgreementUnits(
            labels=list(self.info.labels),
            coders=[names[a] for a in coder_ids],
            n_units=len(u_ids),
            cell_row=row_of[ann],
            cell_col=cell_col,
            label_cell=pairs // (len(self.info.labels) + 1),
            label_code=pairs % (len(self.info.labels) + 1),
        )


_PACK = np.int64(1 << 31)


def set_answers(s: SetInfo, answers: SchemeAnswers, groups: LabelGroups) -> SetAnswers:
    """Apply the units rule to one set: who answered, and which of its labels are answers."""
    ans = answers.answered(s.name, s.level)
    code = {lab: i for i, lab in enumerate(s.labels)}
    mine = [g for g in groups if g.label_set == s.name]
    if mine:
        ann = np.concatenate([g.annotator for g in mine]).astype(np.int64, copy=False)
        unit = np.concatenate([g.unit for g in mine]).astype(np.int64, copy=False)
        label = np.concatenate([np.full(len(g.unit), code[g.label], np.int64) for g in mine])
        level = np.concatenate([np.full(len(g.unit), LEVEL_CODE[g.level], np.int64)
                                for g in mine])
        start, end = (
            np.concatenate([
                np.full(len(g.unit), -1, np.int64) if getattr(g, col) is None
                else getattr(g, col).astype(np.int64, copy=False) for g in mine
            ])
            for col in ("start", "end")
        )
    else:
        ann = unit = label = level = start = end = _EMPTY
    # a document-level row answers a document set only, a sentence or span row the others
    same_kind = (level == LEVEL_CODE["document"]) == (UNIT_LEVEL[s.level] == "document")
    keep = same_kind & ans.contains(ann, unit)
    return SetAnswers(
        info=s,
        annotator=ans.annotator,
        unit=ans.unit,
        document=answers.documents_of(s.level, ans.unit),
        row_annotator=ann[keep],
        row_unit=unit[keep],
        row_document=answers.documents_of(s.level, unit[keep]),
        row_label=label[keep],
        row_level=level[keep],
        row_start=start[keep],
        row_end=end[keep],
    )


class _DocTable:
    """Documents in corpus order and their outlets, as lookup arrays."""

    def __init__(self, docs: Sequence[dict[str, Any]], outlets: list[str]) -> None:
        self.ids = np.array([int(d["id"]) for d in docs], dtype=np.int64)
        self.names = [_doc_name(d) for d in docs]
        self.titles = [d["title"] or "" for d in docs]
        self.sources = [d["source"] or UNKNOWN_SOURCE for d in docs]
        self.outlets = outlets
        outlet_of = {o: i for i, o in enumerate(outlets)}
        self.outlet = np.array([outlet_of[src] for src in self.sources], dtype=np.int64)
        self.index = np.full(int(self.ids.max(initial=0)) + 1, -1, dtype=np.int64)
        self.index[self.ids] = np.arange(len(self.ids))

    def rows(self, documents: np.ndarray) -> np.ndarray:
        """Row (position in corpus order) of each document id."""
        return self.index[documents] if len(documents) else _EMPTY

    def by_outlet(self, per_document: np.ndarray) -> np.ndarray:
        """Sum rows of a per-document table (1-D or 2-D) per outlet."""
        out = np.zeros((len(self.outlets), *per_document.shape[1:]), dtype=per_document.dtype)
        np.add.at(out, self.outlet, per_document)
        return out


def _rate_counts(s: SetInfo, d: SetAnswers, table: _DocTable) -> tuple[np.ndarray, np.ndarray]:
    """Per document (corpus order): answered (annotator, unit) pairs, and per label the
    labelled sentences (sentence sets: distinct per annotator), the spans (span sets) or the
    judgements giving it (document sets: distinct per annotator)."""
    n_docs, n_labels = len(table.ids), len(s.labels)
    denom = np.bincount(table.rows(d.document), minlength=n_docs)[:n_docs]
    rows, labels = table.rows(d.row_document), d.row_label
    if s.level != "span" and len(rows):
        _, _, _, labels, rows = arrays.unique_rows(
            d.row_annotator, d.row_level, d.row_unit, d.row_label, rows
        )
    num = np.bincount(rows * n_labels + labels, minlength=n_docs * n_labels)
    return denom.astype(np.int64, copy=False), num[: n_docs * n_labels].reshape(n_docs, n_labels)


def _doc_name(d: dict[str, Any]) -> str:
    """``#id title`` in full (the renderers shorten it to their width, on word boundaries)."""
    title = " ".join((d["title"] or "").split())
    return f"#{d['id']} {title}".strip()


def _outlets(docs: Sequence[dict[str, Any]]) -> list[tuple[str, int, int]]:
    n_docs: Counter[str] = Counter()
    n_sents: Counter[str] = Counter()
    for d in docs:
        src = d["source"] or UNKNOWN_SOURCE
        n_docs[src] += 1
        n_sents[src] += int(d["n_sentences"])
    return [(s, n_docs[s], n_sents[s]) for s in sorted(n_docs)]


def _rate_table(
    s: SetInfo, denom: np.ndarray, num: np.ndarray, names: list[str], sources: list[str], *,
    documents: np.ndarray, lazy: bool = False,
) -> RateTable:
    """Rows of (name, source, answered pairs, counts per label); rates per 100 answered, None
    where nothing was answered (not coded: no rate, rather than a false 0). ``lazy``: rows
    are made when read (a table per document is read in full only on request)."""
    rows = _Rows(s.labels, denom, num, names, sources, documents)
    return RateTable(s.name, s.level, list(s.labels), rows if lazy else list(rows))


class _Rows(Sequence[RateRow]):
    """Rate rows built from the arrays when read, each once."""

    def __init__(self, labels: list[str], denom: np.ndarray, num: np.ndarray, names: list[str],
                 sources: list[str], documents: np.ndarray) -> None:
        self.labels, self.denom, self.num = labels, denom, num
        self.names, self.sources, self.documents = names, sources, documents
        self.made: dict[int, RateRow] = {}

    def __len__(self) -> int:
        return len(self.denom)

    def _row(self, i: int) -> RateRow:
        if i not in self.made:
            d, counts = int(self.denom[i]), self.num[i].tolist()
            self.made[i] = RateRow(
                name=self.names[i],
                source=self.sources[i],
                answered=d,
                counts=dict(zip(self.labels, counts, strict=True)),
                rates={lab: 100.0 * c / d if d else None
                       for lab, c in zip(self.labels, counts, strict=True)},
                documents=int(self.documents[i]),
            )
        return self.made[i]

    @overload
    def __getitem__(self, i: int) -> RateRow: ...
    @overload
    def __getitem__(self, i: slice) -> list[RateRow]: ...

    def __getitem__(self, i: int | slice) -> RateRow | list[RateRow]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._row(i)


def _uncertainty(
    tables: list[RateTable], counts: list[tuple[np.ndarray, np.ndarray]], table: _DocTable, *,
    seed: int, n_boot: int,
) -> None:
    """Per outlet and label, the 95 % bootstrap interval of the rate (:func:`_intervals`); per
    set and label, whether outlets differ in the share of their coded documents using it
    (permutation test, Cramér's V)."""
    _intervals(tables, counts, table, seed=seed, n_boot=n_boot)
    _differences(tables, counts, table, seed=seed)


def _intervals(
    tables: list[RateTable], counts: list[tuple[np.ndarray, np.ndarray]], table: _DocTable, *,
    seed: int, n_boot: int,
) -> None:
    """Per outlet and label, the 95 % bootstrap interval of the rate: the outlet's coded
    documents resampled, one seeded stream per outlet (``[seed, outlet]``), the same
    resamples for every set coded on the same documents (one draw serves them all)."""
    for j in range(len(table.outlets)):
        mine = table.outlet == j
        groups: dict[bytes, list[int]] = {}
        for k, (denom, _) in enumerate(counts):
            groups.setdefault(np.packbits(denom[mine] > 0).tobytes(), []).append(k)
        for ks in groups.values():
            docs = mine & (counts[ks[0]][0] > 0)
            low, high = bootstrap_rates(
                np.column_stack([counts[k][1][docs] for k in ks]),
                np.column_stack([np.repeat(counts[k][0][docs, None], len(tables[k].labels),
                                           axis=1) for k in ks]),
                np.random.default_rng([seed, j]), n_resamples=n_boot,
            )
            at = 0
            for k in ks:
                t = tables[k]
                n = len(t.labels)
                t.rows[j].low = _nan_none(t.labels, low[at:at + n])
                t.rows[j].high = _nan_none(t.labels, high[at:at + n])
                at += n


def _differences(
    tables: list[RateTable], counts: list[tuple[np.ndarray, np.ndarray]], table: _DocTable, *,
    seed: int,
) -> None:
    """Per set and label, whether outlets differ in the share of their coded documents using
    it (permutation test, Cramér's V)."""
    for k, (t, (denom, num)) in enumerate(zip(tables, counts, strict=True)):
        coded = denom > 0
        groups_with = [j for j, r in enumerate(t.rows) if r.documents]
        if len(groups_with) < 2:
            continue
        outlet = table.outlet[coded]
        sizes = np.bincount(outlet, minlength=len(t.rows))[groups_with]
        used = np.zeros((len(t.rows), len(t.labels)), dtype=np.int64)
        np.add.at(used, outlet, num[coded] > 0)
        for i, lab in enumerate(t.labels):
            t.differences[lab] = group_difference(
                used[groups_with, i], sizes, np.random.default_rng([seed, k, i, 1])
            )


def _nan_none(labels: list[str], values: np.ndarray) -> dict[str, float | None]:
    return {lab: None if v != v else v for lab, v in zip(labels, values.tolist(), strict=True)}


_SPACES = re.compile(r"\s+")


def _span_texts(
    s: SetInfo, d: SetAnswers, spans: tuple[Any, ...], top: int, outlet_top: int
) -> tuple[list[SpanTexts], dict[str, list[SpanTexts]]]:
    """Most frequent texts per technique, overall and per outlet; texts are grouped ignoring
    case and spacing. Only spans that are answers count.

    ``spans``: ``Columnar.span_texts`` (labels, sources, texts, annotators, sentences), oldest
    first, so ties go to the wording (and the source) seen first. Whole columns are normalised
    and case-folded in C, strings become integer ids, and numpy counts and ranks the groups."""
    labels, sources, texts, who, sentence = spans
    keep = d.answered_cells(who, sentence)
    if not keep.all():
        labels, sources, texts = (list(compress(c, keep.tolist())) for c in spans[:3])
    norm = _normalise(texts)
    folded = _SEP.join(norm).casefold().split(_SEP)
    if len(folded) != len(norm):  # a separator inside a text
        folded = [t.casefold() for t in norm]
    lab, lab_names = _ids(labels)
    src, src_names = _ids([src or UNKNOWN_SOURCE for src in sources])
    fold, fold_names = _ids(folded)
    word, word_names = _ids(norm)
    alphabetical = np.empty(len(fold_names), dtype=np.int64)
    alphabetical[sorted(range(len(fold_names)), key=fold_names.__getitem__)] = np.arange(
        len(fold_names)
    )

    def tables(table: np.ndarray, n_top: int) -> dict[int, tuple[int, list[SpanText]]]:
        """table id -> (spans, the ``n_top`` groups shown)."""
        group, n_groups = arrays.group_ids(table, fold)
        first = np.full(n_groups, len(group), dtype=np.int64)
        np.minimum.at(first, group, np.arange(len(group)))
        g_table, g_fold = table[first], fold[first]
        g_n = np.bincount(group, minlength=n_groups)
        # per table: most spans first, ties alphabetical
        order = np.lexsort((alphabetical[g_fold], -g_n, g_table))
        starts = np.r_[0, np.flatnonzero(np.diff(g_table[order])) + 1]
        within = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        shown = order[within < n_top]
        rows = np.flatnonzero(np.isin(group, shown))
        best = _first_most(group[rows], word[rows])  # group -> most frequent wording
        where = _ranked(group[rows], src[rows])  # group -> [(source, spans)]
        totals = np.bincount(table, minlength=int(table.max(initial=0)) + 1)
        out: dict[int, tuple[int, list[SpanText]]] = {}
        for g in shown.tolist():
            t = int(g_table[g])
            items = out.setdefault(t, (int(totals[t]), []))[1]
            items.append(SpanText(
                text=word_names[best[g]],
                n=int(g_n[g]),
                sources={src_names[i]: n for i, n in where[g]},
            ))
        return out

    def listed(found: dict[int, tuple[int, list[SpanText]]], key: Callable[[int], int]) -> list[
        SpanTexts
    ]:
        return [
            SpanTexts(s.name, label, *found[key(i)])
            for label in s.labels
            if (i := lab_names.index(label) if label in lab_names else -1) >= 0
            and key(i) in found
        ]

    overall = tables(lab, top)
    per_outlet = tables(src * len(lab_names) + lab, outlet_top)
    n_labels = len(lab_names)

    def outlet_key(j: int) -> Callable[[int], int]:
        return lambda i: j * n_labels + i

    return listed(overall, lambda i: i), {
        o: listed(per_outlet, outlet_key(j)) for j, o in enumerate(src_names)
    }


def _gold_span_texts(
    store: Store, s: SetInfo, d: SetAnswers, table: _DocTable
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """The gold spans of one set as ``Columnar.span_texts`` gives the coders' (labels,
    sources, texts, annotator ids, sentence ids), in document order; texts cut from the
    documents."""
    order = np.lexsort((d.row_end, d.row_start, d.row_unit, d.row_document))
    docs, starts, ends = d.row_document[order], d.row_start[order], d.row_end[order]
    texts = store.corpus.cut_texts(list(zip(docs.tolist(), starts.tolist(), ends.tolist(),
                                            strict=True)))
    sources = [table.sources[r] for r in table.rows(docs).tolist()]
    labels = [s.labels[i] for i in d.row_label[order].tolist()]
    return labels, sources, texts, d.row_annotator[order], d.row_unit[order]


def _ids(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each string as the index of its distinct value (in order of first appearance)."""
    index = {v: i for i, v in enumerate(dict.fromkeys(values))}
    ids = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return ids, list(index)


def _first_most(group: np.ndarray, value: np.ndarray) -> dict[int, int]:
    """group -> its most frequent value; ties go to the value that appeared first."""
    out: dict[int, int] = {}
    for g, pairs in _ranked(group, value).items():
        out[g] = pairs[0][0]
    return out


def _ranked(group: np.ndarray, value: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    """group -> [(value, count)], most frequent first, ties in order of first appearance (rows
    are in order)."""
    key, n_keys = arrays.group_ids(group, value)
    first = np.full(n_keys, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    counts = np.bincount(key, minlength=n_keys)
    order = np.lexsort((first, -counts, group[first]))
    out: dict[int, list[tuple[int, int]]] = {}
    for k in order.tolist():
        out.setdefault(int(group[first[k]]), []).append((int(value[first[k]]), int(counts[k])))
    return out


_SEP = "\x01"


def _normalise(texts: list[str]) -> list[str]:
    """Each text with runs of whitespace as one space, stripped: in one pass over the joined
    column (``str.split`` knows the same whitespace as ``\\s``) when no text holds the
    separator."""
    joined = _SEP.join(texts)
    if texts and joined.count(_SEP) == len(texts) - 1:
        joined = " ".join(joined.split())
        joined = joined.replace(" " + _SEP, _SEP).replace(_SEP + " ", _SEP)
        out = joined.split(_SEP)
        if len(out) == len(texts):
            return out
    return [_SPACES.sub(" ", t).strip() for t in texts]


def _doc_labels(
    s: SetInfo, d: SetAnswers, table: _DocTable, names: dict[int, str], seed: tuple[int, int]
) -> DocLabels:
    """Per outlet, how often each label was chosen; per document, who chose what; per label,
    whether outlets differ in the share of their coded documents given it (by anyone, when
    the coders are pooled)."""
    doc_rows = d.row_level == LEVEL_CODE["document"]
    rows = table.rows(d.row_document[doc_rows])
    labels, who = d.row_label[doc_rows], d.row_annotator[doc_rows]
    people = sorted(set(who.tolist()), key=lambda a: names[a])
    rank = np.zeros(max(people, default=0) + 1, dtype=np.int64)
    rank[people] = np.arange(len(people))
    votes = np.stack(arrays.unique_rows(rows, labels, rank[who]), axis=1).reshape(-1, 3)
    n_labels = len(s.labels)
    per_outlet = np.zeros((len(table.outlets), n_labels), dtype=np.int64)
    if len(votes):
        np.add.at(per_outlet, (table.outlet[votes[:, 0]], votes[:, 1]), 1)
    outlets = [
        (o, int(c.sum()), dict(zip(s.labels, c.tolist(), strict=True)))
        for o, c in zip(table.outlets, per_outlet, strict=True)
        if c.any()
    ]
    documents: list[tuple[int, str, str, dict[str, list[str]]]] = []
    for row, lab, person in votes.tolist():
        if not documents or documents[-1][0] != int(table.ids[row]):
            i = int(table.ids[row])
            documents.append((i, table.titles[row], table.sources[row], {}))
        documents[-1][3].setdefault(s.labels[lab], []).append(names[people[person]])
    answered = arrays.unique(d.unit)
    coded = np.bincount(table.outlet[table.rows(answered)], minlength=len(table.outlets))
    differences: dict[str, Difference] = {}
    groups = np.flatnonzero(coded)
    if len(groups) >= 2:
        given = np.zeros((len(table.outlets), n_labels), dtype=np.int64)
        doc_label = arrays.unique_rows(votes[:, 0], votes[:, 1]) if len(votes) else (_EMPTY,
                                                                                     _EMPTY)
        np.add.at(given, (table.outlet[doc_label[0]], doc_label[1]), 1)
        for i, name in enumerate(s.labels):
            differences[name] = group_difference(given[groups, i], coded[groups],
                                                 np.random.default_rng([*seed, i, 2]))
    return DocLabels(s.name, list(s.labels), outlets, documents,
                     dict(zip(table.outlets, coded.tolist(), strict=True)), differences)


# ------------------------------------------------------------------------------------ agreement
@dataclass
class AgreementUnits:
    """A label set's units answered by two or more annotators, as arrays: each answered cell
    (coder row, unit column; units in document order) and each (cell, label) given there."""

    labels: list[str]
    coders: list[str]  # sorted names
    n_units: int
    cell_row: np.ndarray
    cell_col: np.ndarray
    label_cell: np.ndarray
    label_code: np.ndarray

    def answered_matrix(self) -> np.ndarray:
        """coders x units: 0.0 where answered, NaN where not."""
        m = np.full((len(self.coders), self.n_units), np.nan)
        m[self.cell_row, self.cell_col] = 0.0
        return m

    def cell_sets(self) -> tuple[np.ndarray, list[frozenset[str]]]:
        """The label set of every cell as an index into a list of distinct sets."""
        n_labels = len(self.labels)
        # 63 labels per int64 word, so words stay non-negative
        words = np.zeros((len(self.cell_row), n_labels // 63 + 1), dtype=np.int64)
        np.bitwise_or.at(words, (self.label_cell, self.label_code // 63),
                         np.left_shift(1, self.label_code % 63))
        ids, n = arrays.group_ids(*words.T)
        first = np.zeros(n, dtype=np.int64)
        first[ids[::-1]] = np.arange(len(ids))[::-1]  # a cell holding each distinct set
        sets = [
            frozenset(self.labels[w * 63 + b] for w, word in enumerate(words[i].tolist())
                      for b in range(63) if word >> b & 1)
            for i in first.tolist()
        ]
        return ids, sets

    def as_lists(self) -> list[list[frozenset[str] | None]]:
        """units -> coder -> labels (None: not answered), for the set coefficients."""
        ids, sets = self.cell_sets()
        out: list[list[frozenset[str] | None]] = [
            [None] * len(self.coders) for _ in range(self.n_units)
        ]
        for r, c, i in zip(self.cell_row.tolist(), self.cell_col.tolist(), ids.tolist(),
                           strict=True):
            out[c][r] = sets[i]
        return out


def _value(x: Any) -> float | None:
    from annotator.core.agreement import jsonable

    v = jsonable(x)
    return None if v is None or v != v else float(v)


def agreement_rows(
    s: SetInfo, units: AgreementUnits, *, from_command: bool = False
) -> list[AgreementRow]:
    """Alpha for the set as a whole and for each of its labels, computed by
    :mod:`annotator.core.agreement` (see the module docstring for the units).

    ``from_command``: the values ``annotator agree`` gives will replace these (see
    :func:`with_agree_command`), so only what it does not give is computed: the per-label binary
    alpha of single-choice sets."""
    from annotator.core import agreement

    n_labels = len(s.labels)
    given = arrays.unique(units.cell_col[units.label_cell] * (n_labels + 1) + units.label_code)
    positives = np.bincount(given % (n_labels + 1), minlength=n_labels)
    whole: float | None = None
    per_label: dict[str, float | None] = {}
    single = not s.multiple and s.level != "span"
    if units.n_units and single:
        # the matrix (annotators x units) of each label's binary view: 1 given, 0 answered
        # without it, NaN not answered
        base = units.answered_matrix()
        if not from_command:
            ids, _ = units.cell_sets()
            codes = base.copy()
            codes[units.cell_row, units.cell_col] = ids
            whole = _value(agreement.krippendorff_alpha(codes, "nominal"))
        for i, lab in enumerate(s.labels):
            view = base.copy()
            cells = units.label_cell[units.label_code == i]
            view[units.cell_row[cells], units.cell_col[cells]] = 1.0
            per_label[lab] = _value(agreement.krippendorff_alpha(view, "nominal"))
    elif units.n_units and not from_command:
        sets = units.as_lists()
        if s.multiple:
            whole = _value(agreement.set_alpha(sets, "masi"))
        for key, v in agreement.per_label_agreement(sets, s.labels).items():
            per_label[str(key)] = _value(v["krippendorff_alpha"])
    whole_measure = "α MASI" if s.multiple else "α nominal"
    n_units, n_coders = units.n_units, len(units.coders)
    rows = [AgreementRow(s.name, None, whole, n_units, n_coders, measure=whole_measure)]
    for i, lab in enumerate(s.labels):
        rows.append(
            AgreementRow(
                s.name,
                lab,
                per_label.get(lab),
                n_units,
                n_coders,
                int(positives[i]),
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


def confusion(s: SetInfo, units: AgreementUnits) -> Confusion:
    """Label-by-label confusion counts between annotators (see the module docstring).

    Cells holding the same label set count the same, so each distinct pair of sets (over every
    ordered pair of annotators on a unit) is worked out once and weighted by how often it
    occurs."""
    cats = [*s.labels, NONE]
    index = {c: i for i, c in enumerate(cats)}
    m = [[0] * len(cats) for _ in cats]
    ids, sets = units.cell_sets()
    # cells sorted by unit: annotators of one unit are neighbours; pair each with the next k
    order = np.argsort(units.cell_col, kind="stable")
    col, ids = units.cell_col[order], ids[order]
    pairs: list[np.ndarray] = []
    for k in range(1, len(units.coders)):
        same = np.flatnonzero(col[k:] == col[:-k])
        if not len(same):
            break
        a, b = ids[same], ids[same + k]
        pairs += [a * len(sets) + b, b * len(sets) + a]
    combos, counts = np.unique(np.concatenate(pairs or [_EMPTY]), return_counts=True)
    for combo, n in zip(combos.tolist(), counts.tolist(), strict=True):
        la, lb = sets[combo // len(sets)], sets[combo % len(sets)]
        for lab in la & lb:
            m[index[lab]][index[lab]] += n
        if not la and not lb:
            m[index[NONE]][index[NONE]] += n
            continue
        ra, rb = la - lb, lb - la
        if not ra and not rb:
            continue
        for x in sorted(ra) or [NONE]:
            for y in sorted(rb) or [NONE]:
                m[index[x]][index[y]] += n
    return Confusion(s.name, cats, m, units.n_units)
