"""A campaign corpus for tests and the benchmark: documents of varied lengths from several
outlets, our own texts (one sentence per line, no segmenter), and the safety tests' scheme."""

from __future__ import annotations

import random

from annotator.store import Store
from tests.safety_helpers import SCHEME_YAML, simple_document

SOURCES = ("Le Quotidien", "La Gazette", "Radio Nord", "Le Matin")


def text(i: int, n: int) -> str:
    lines = [f"Titre de l'article {i}"]
    lines += [f"Phrase {j} de l'article {i} sur la réunion du conseil." for j in range(n - 1)]
    return "\n".join(lines) + "\n"


def build(store: Store, n_docs: int = 40, *, seed: int = 7, sources: tuple[str, ...] = SOURCES,
          min_sentences: int = 3, max_sentences: int = 30) -> int:
    """Store the scheme and ``n_docs`` documents (sizes and outlets drawn with ``seed``);
    returns the scheme id. Sources are uneven: the first outlet has the most documents."""
    from annotator.core.scheme import parse_scheme

    rng = random.Random(seed)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME_YAML))
    weights = [len(sources) - k for k in range(len(sources))]
    docs = [
        simple_document(
            text(i, rng.randint(min_sentences, max_sentences)),
            external_id=f"art-{i}", title=f"Article {i}",
            source=rng.choices(sources, weights)[0],
        )
        for i in range(n_docs)
    ]
    store.corpus.add_documents(docs)
    return scheme_id


def finish(store: Store, scheme_id: int, annotator: str, document_id: int,
           n: int | None = None) -> None:
    """Mark the first ``n`` sentences (all by default) of a document done for ``annotator``."""
    aid = store.schemes.annotator_id(annotator)
    for s in store.corpus.sentences(document_id)[:n]:
        store.progress.mark_done(aid, scheme_id, s["id"])
