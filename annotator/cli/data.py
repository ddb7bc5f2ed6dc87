"""Data in and out: `annotator export`, `import-annotations` and `merge`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli.common import db_option, friendly_errors, open_store, raw_stderr


@click.command("export")
@click.option(
    "--format", "fmt", required=True,
    type=click.Choice(["jsonl", "csv", "semeval", "brat", "conll", "parquet", "labelstudio",
                       "doccano", "prodigy", "webanno", "conllu", "spacy", "qdpx", "qdc"]),
    help="jsonl, csv, doccano, prodigy, spacy, qdpx (REFI-QDA project) and qdc (REFI-QDA "
    "codebook) write a file; the others a directory (docs/formats.md says what each keeps).",
)
@click.option("--out", "out", required=True, type=click.Path(), help="Output file or directory.")
@db_option
@click.option("--annotators", help="Only these annotators (comma-separated names).")
@click.option("--label-set", "label_sets", help="Only these label sets (comma-separated).")
@click.option(
    "--gold", type=click.Choice(["none", "majority", "adjudicated"]), default="none",
    show_default=True,
    help="none: every annotator's labels; majority: labels a strict majority of the annotators "
    "who answered the unit chose (ties reported on stderr, left out); adjudicated: the "
    "decisions of `annotator review`.",
)
@click.option(
    "--semeval-layout", type=click.Choice(["2023", "ptc"]), default="2023", show_default=True,
    help="semeval: 2023 = SemEval-2023 Task 3 bundle names (article<ID>-labels-subtask-3.txt); "
    "ptc = SemEval-2020 Task 11 / PTC scorer (<set>-labels/article<ID>.labels and <set>.labels).",
)
@click.option(
    "--spreadsheet-safe", is_flag=True,
    help="csv: prefix cells starting with = + - @ with ' so spreadsheets do not run them as "
    "formulas (article text is untrusted); off by default, data stays exact for programs.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly_errors
def export_cmd(
    fmt: str, out: str, db_path: str, annotators: str | None, label_sets: str | None,
    gold: str, semeval_layout: str, spreadsheet_safe: bool, quiet: bool,
) -> None:
    """Export the annotations as a dataset (see the README for each format's layout)."""
    from annotator.services.export import exporter
    from annotator.services.export.common import ExportError, Selection, parse_list

    if spreadsheet_safe and fmt != "csv":
        raise click.UsageError("--spreadsheet-safe is for --format csv")
    store = open_store(db_path, create=False, readonly=True)
    selection = Selection(parse_list(annotators), parse_list(label_sets), gold)
    options = {"spreadsheet_safe": True} if spreadsheet_safe else {}
    n_docs = store.corpus.count_documents()
    show = not quiet and sys.stderr.isatty() and (
        n_docs >= 500 or store.annotations.count_current() >= 50_000
    )
    warnings: list[str] = []
    try:
        with click.progressbar(
            length=n_docs, label=f"exporting {fmt}",
            file=raw_stderr() if show else open(os.devnull, "w"),
        ) as bar:
            extra = {"layout": semeval_layout} if fmt == "semeval" else {}
            counts = exporter(fmt)(
                store, Path(out), selection, warn=warnings.append, advance=bar.update,
                **extra, **options,
            )
    except ExportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {out}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    for w in warnings:
        click.echo(w, err=True)
    click.echo(
        f"{out}: {counts['annotations']} annotation(s) from {counts['documents']} document(s)"
        + (f", {sum(w.startswith('tie:') for w in warnings)} tie(s) left out"
           if gold == "majority" else "")
    )


@click.command("import-annotations")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option(
    "--format", "fmt",
    type=click.Choice(["jsonl", "semeval", "labelstudio", "doccano", "prodigy", "webanno",
                       "conllu", "spacy", "qdpx"]),
    default=None,
    help="jsonl: an `annotator export` file; semeval: SemEval-2023/PTC span, paragraph and "
    "article label files and .template files; the others: those tools' files (default: "
    "guessed from the files).",
)
@click.option("--annotator", "annotator_name",
              help="Whose work it is: required for semeval, and for files that name no "
              "annotator.")
@click.option("--articles", type=click.Path(file_okay=False),
              help="semeval: directory of the article<ID>.txt files.")
@click.option("--scheme", "scheme_name", help="The stored scheme of the labels.")
@click.option("--label-set", "label_set",
              help="The label set of labels the files do not place (semeval: the span set).")
@friendly_errors
def import_annotations_cmd(
    paths: tuple[str, ...], db_path: str, fmt: str | None, annotator_name: str | None,
    articles: str | None, scheme_name: str | None, label_set: str | None,
) -> None:
    """Import annotations: an `annotator export --format jsonl` file (documents, schemes,
    annotators and all annotations), SemEval/PTC files as one annotator's work, or another
    tool's export (Label Studio, doccano, Prodigy, INCEpTION/WebAnno TSV 3, CoNLL-U Plus, spaCy,
    REFI-QDA .qdpx from MAXQDA, ATLAS.ti, NVivo, QualCoder or Taguette).

    All or nothing: any problem is reported as FILE:LINE: cause and nothing is stored.
    Importing the same file twice adds nothing.
    """
    from annotator.services.formats_in import FORMATS, import_files
    from annotator.services.formats_in.detect import guess_format
    from annotator.services.import_annotations import AnnotationImportError, ImportResult
    from annotator.services.import_jsonl import import_jsonl
    from annotator.services.import_semeval import import_semeval

    if fmt is None:
        fmt = guess_format([Path(p) for p in paths])
    store = open_store(db_path)
    try:
        if fmt in FORMATS:
            if articles:
                raise click.UsageError("--articles is for --format semeval")
            result = import_files(store, fmt, paths, annotator=annotator_name,
                                  scheme_name=scheme_name, label_set=label_set)
        elif fmt == "jsonl":
            if annotator_name or articles:
                raise click.UsageError("--annotator and --articles are for --format semeval")
            # Each file is all or nothing; the others go on, and the summary says what each
            # file gave (a failed file after a good one must not read "nothing was imported").
            result = ImportResult()
            failed = []
            for p in paths:
                try:
                    r = import_jsonl(store, p)
                except AnnotationImportError as exc:
                    for problem in exc.problems:
                        click.echo(f"error: {problem}", err=True)
                    click.echo(f"error: {p}: nothing imported from this file", err=True)
                    failed.append(p)
                    continue
                if len(paths) > 1:
                    click.echo(f"{p}: {_summary(r)}")
                result.documents_new += r.documents_new
                result.documents_present += r.documents_present
                result.annotations_new += r.annotations_new
                result.annotations_present += r.annotations_present
            if failed:
                done = len(paths) - len(failed)
                click.echo(f"{done} of {len(paths)} file(s) imported: {_summary(result)}"
                           if done else "nothing was imported", err=True)
                sys.exit(1)
        else:
            if not annotator_name:
                raise click.UsageError("--format semeval needs --annotator NAME")
            result = import_semeval(
                store, paths, annotator=annotator_name, articles=articles,
                scheme_name=scheme_name, label_set=label_set,
            )
    except AnnotationImportError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(1)
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    click.echo(_summary(result))


def _summary(result: Any) -> str:
    return (
        f"{result.documents_new} new document(s), {result.documents_present} already present; "
        f"{result.annotations_new} new annotation(s), {result.annotations_present} already present"
    )


@click.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
@friendly_errors
def merge_cmd(others: tuple[str, ...], db_path: str) -> None:
    """Merge annotators' databases into --db (documents by text hash, annotators by name,
    schemes by hash, annotations and events by uid).

    When the same annotator changed the same unit in both, the later change wins and the
    conflict is printed. Each database is merged all or nothing; merging one twice changes
    nothing.
    """
    from annotator.services.merge import merge_database

    store = open_store(db_path)
    for other in others:
        report = merge_database(store, other)
        for c in report.conflicts:
            click.echo(f"conflict: {c}", err=True)
        click.echo(
            f"{other}: {report.documents_new} new document(s), {report.annotations_new} new "
            f"annotation(s), {report.annotations_changed} changed, {report.events_new} event(s), "
            f"{report.progress_changed} progress row(s), {len(report.conflicts)} conflict(s)"
        )
