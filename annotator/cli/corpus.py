"""Commands over the corpus: import articles, and how far each annotator is."""

from __future__ import annotations

import json
import os
import sys

import click

from annotator.cli.common import db_option, friendly_errors, open_store, raw_stderr


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--encoding", help="Decode files with this encoding instead of UTF-8 (e.g. latin-1).")
@click.option("--source", help="Source (outlet) for documents that do not name one.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly_errors
def import_cmd(
    paths: tuple[str, ...], db_path: str, encoding: str | None, source: str | None, quiet: bool
) -> None:
    """Import articles from .txt, .jsonl, .csv, .json files, web pages (.html) or directories
    (recursive).

    JSONL, CSV and JSON records need a `text` field and may have id, title, source, url,
    published and language; other fields are kept as metadata. A .txt file may open with a YAML
    front-matter block (title, source, url, published); article<DIGITS>.txt keeps DIGITS as its
    id. Web pages need the [html] extra (trafilatura). Re-importing the same text does nothing.
    """
    from annotator.services.importing import import_paths, iter_files

    store = open_store(db_path)
    files = list(iter_files(paths))
    total = sum(p.stat().st_size for p in files if p.is_file())
    show = not quiet and total > 1_000_000 and sys.stderr.isatty()
    with click.progressbar(
        length=total, label="importing", file=raw_stderr() if show else open(os.devnull, "w")
    ) as bar:
        summary = import_paths(store, paths, encoding=encoding, source=source, progress=bar.update)
    for problem in summary.problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(
        f"{summary.new} new document(s) ({summary.sentences} sentences), "
        f"{summary.present} already present, {summary.failed} failed"
    )
    if summary.failed:
        sys.exit(1)


@click.command("status")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def status_cmd(db_path: str, as_json: bool) -> None:
    """Per annotator: documents and sentences done / total, annotations per label set."""
    from dataclasses import asdict

    from annotator.services.units import set_progress

    store = open_store(db_path, create=False, readonly=True)
    rows = store.progress.status()
    sets = set_progress(store, [r["annotator"] for r in rows])
    if as_json:
        click.echo(
            json.dumps(
                {
                    "documents": store.corpus.count_documents(),
                    "sentences": store.corpus.count_sentences(),
                    "annotators": rows,
                    "label_sets": [asdict(s) for s in sets],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    n_docs, n_sents = store.corpus.count_documents(), store.corpus.count_sentences()
    click.echo(f"{n_docs} documents, {n_sents} sentences")
    if not rows:
        click.echo("no annotator yet")
    for r in rows:
        labels = ", ".join(f"{k}: {v}" for k, v in r["annotations"].items()) or "no annotations"
        click.echo(
            f"{r['annotator']}: documents {r['documents_done']}/{r['documents_total']}, "
            f"sentences {r['sentences_done']}/{r['sentences_total']}, {labels}"
        )
    if rows and sets and sets[0].assigned is not None:
        click.echo("campaign, per label set (units done / assigned, missing):")
        for s in sets:
            assert s.assigned is not None and s.done is not None
            who = ", ".join(
                f"{a} {s.done[a]}/{n} ({s.missing[a]} missing)" for a, n in s.assigned.items()
                if n or s.answered[a]
            )
            click.echo(f"  {s.scheme}/{s.label_set} ({s.level}): {who or 'nothing assigned'}")
    elif rows and sets:
        click.echo("answered per label set (units answered / asked):")
        for s in sets:
            who = ", ".join(f"{a} {n}/{s.asked}" for a, n in s.answered.items())
            click.echo(f"  {s.scheme}/{s.label_set} ({s.level}): {who}")
