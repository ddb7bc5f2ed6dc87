"""Sentence segmentation benchmark on UD French-GSD: boundary F1 and throughput, ours vs pysbd.

Gold sentences are joined with one space into paragraphs of 8; each segmenter splits the
paragraphs and is scored on boundary offsets inside them (the end of a paragraph is not a
boundary to find). Throughput is measured in the same run for both, on the same text, and given
as a ratio. The "whole import" line times ``annotator.services.importing.import_paths`` into a
real SQLite
store (read, decode, NFC, sha256, segment, insert) when that module exists; otherwise it times
segment() + NFC + sha256 and says so.

A last table times our segmenter alone on 5 MB inputs (real text and worst-case shapes) to show
the scan stays linear.

    python bench/segmentation.py [--shared PATH] [--rounds N] [--no-stress]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core.segment import segment  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "bench" / "ud-french-gsd"
FILES = ("fr_gsd-ud-dev.sentences.txt", "fr_gsd-ud-test.sentences.txt")
GROUP = 8
PUBLISHED_PYSBD_F1 = 0.9725

Spans = list[tuple[int, int]]


def read_sentences(path: Path) -> list[str]:
    """The ``# text = `` lines of a sentences file, in order."""
    prefix = "# text = "
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(prefix):
            out.append(line[len(prefix) :].strip())
    return out


def paragraphs(sentences: list[str], group: int = GROUP) -> list[tuple[str, set[int]]]:
    """Paragraphs of ``group`` sentences joined by a space, each with its gold inner boundaries."""
    out = []
    for i in range(0, len(sentences), group):
        chunk = sentences[i : i + group]
        text = " ".join(chunk)
        gold: set[int] = set()
        pos = 0
        for sent in chunk[:-1]:
            pos += len(sent)
            gold.add(pos)
            pos += 1
        out.append((text, gold))
    return out


def ours(text: str) -> Spans:
    return [(s.start, s.end) for s in segment(text)]


def make_pysbd() -> Callable[[str], Spans]:
    import pysbd

    seg = pysbd.Segmenter(language="fr", clean=False)

    def run(text: str) -> Spans:
        # Offsets located from the returned strings (pysbd's own char_span is unreliable on
        # repeated sentences); the strings are the input's characters, in order.
        spans: Spans = []
        pos = 0
        for sent in seg.segment(text):
            piece = sent.strip()
            if not piece:
                continue
            at = text.find(piece, pos)
            if at < 0:
                continue
            spans.append((at, at + len(piece)))
            pos = at + len(piece)
        return spans

    return run


def score(paras: list[tuple[str, set[int]]], spans: list[Spans]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for (text, gold), found in zip(paras, spans, strict=True):
        end = len(text.rstrip())
        pred = {e for _, e in found if e < end}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def timed(fn: Callable[[str], Spans], texts: list[str], repeat: int) -> tuple[list[Spans], float]:
    """Results of one pass and the best wall time over ``repeat`` passes."""
    best = float("inf")
    result: list[Spans] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = [fn(t) for t in texts]
        best = min(best, time.perf_counter() - t0)
    return result, best


def whole_import_seconds(texts: list[str], repeat: int) -> tuple[float, str]:
    """Best time to import ``texts`` (one per file), and a description of what was timed."""
    if importlib.util.find_spec("annotator.services.importing") is not None:
        from annotator.services.importing import import_paths
        from annotator.store import Store

        best = float("inf")
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "in"
                src.mkdir()
                for i, t in enumerate(texts):
                    (src / f"doc{i:05d}.txt").write_text(t, encoding="utf-8")
                store = Store.open(str(Path(tmp) / "bench.db"))
                try:
                    t0 = time.perf_counter()
                    summary = import_paths(store, [src])
                    best = min(best, time.perf_counter() - t0)
                finally:
                    store.close()
                if summary.new != len(texts):
                    raise SystemExit(f"import stored {summary.new} of {len(texts)} documents")
        what = (
            "annotator.services.importing.import_paths into SQLite "
            "(read, NFC, sha256, segment, insert)"
        )
        return best, what

    def pipeline(text: str) -> Spans:
        norm = unicodedata.normalize("NFC", text)
        hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()
        return ours(norm)

    _, secs = timed(pipeline, texts, repeat)
    return secs, "annotator.services.importing not found: segment() + NFC + sha256 only"


def stress_inputs(texts: list[str], size: int = 5_000_000) -> dict[str, str]:
    """About ``size`` characters each: real text, and shapes that would expose quadratic scans."""
    article = "\n\n".join(texts)
    return {
        "GSD text, blank-line paragraphs": (article * (size // len(article) + 1))[:size],
        "one line, no line break": (" ".join(texts) * (size // len(article) + 1))[:size],
        "one word per line": "mot\n" * (size // 4),
        "'!' run": "!" * size + " x",
        "spaces then newline": " " * size + "\nx",
        "'A. ' repeated (initials)": "A. " * (size // 3),
        "'a. \" b. \" ' repeated": 'a. " b. " ' * (size // 10),
    }


def stress(texts: list[str]) -> None:
    print()
    print(f"{'5 MB input (ours only)':<34} {'MB/s':>8} {'segments':>10}")
    for name, text in stress_inputs(texts).items():
        mb = len(text.encode("utf-8", "surrogatepass")) / 1e6
        t0 = time.perf_counter()
        n = len(segment(text))
        secs = time.perf_counter() - t0
        print(f"{name:<34} {mb / secs:>8.2f} {n:>10}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="UD French-GSD folder")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (best kept)")
    ap.add_argument("--no-stress", dest="stress", action="store_false", help="skip 5 MB inputs")
    args = ap.parse_args(argv)

    sentences: list[str] = []
    for name in FILES:
        path = args.shared / name
        if not path.exists():
            print(f"error: {path}: no such file (pass --shared)", file=sys.stderr)
            return 2
        sentences += read_sentences(path)
    paras = paragraphs(sentences)
    texts = [t for t, _ in paras]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"UD French-GSD dev+test: {len(sentences)} sentences, {len(paras)} paragraphs of "
          f"{GROUP}, {mb:.3f} MB")

    # Documents for the import: paragraphs in blank-line separated articles of 8 paragraphs.
    docs = ["\n\n".join(texts[i : i + 8]) for i in range(0, len(texts), 8)]
    sbd = make_pysbd()
    our_s = sbd_s = imp_s = float("inf")
    imp_what = ""
    # Interleaved rounds, best time of each kept, so a busy machine hurts all three alike.
    for _ in range(args.rounds):
        our_spans, secs = timed(ours, texts, 3)
        our_s = min(our_s, secs)
        sbd_spans, secs = timed(sbd, texts, 1)
        sbd_s = min(sbd_s, secs)
        secs, imp_what = whole_import_seconds(docs, 1)
        imp_s = min(imp_s, secs)

    rows = [
        ("annotator segment()", *score(paras, our_spans), mb / our_s),
        ("pysbd 0.3.4 (fr)", *score(paras, sbd_spans), mb / sbd_s),
    ]
    print()
    print(f"{'segmenter':<24} {'precision':>9} {'recall':>9} {'F1':>9} {'MB/s':>10}")
    for name, p, r, f, speed in rows:
        print(f"{name:<24} {p:>9.4f} {r:>9.4f} {f:>9.4f} {speed:>10.2f}")
    imp_speed = mb / imp_s
    sbd_speed = mb / sbd_s
    print("(scored: inner sentence ends of each paragraph; the data README's reference F1")
    print(f" for pysbd 0.3.4 is {PUBLISHED_PYSBD_F1}, ours must beat it)")
    print()
    print(f"segment() throughput / pysbd: {rows[0][4] / sbd_speed:.1f}x")
    print(f"whole import: {imp_speed:.2f} MB/s = {imp_speed / sbd_speed:.1f}x pysbd")
    print(f"  ({imp_what})")
    if args.stress:
        stress(texts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
