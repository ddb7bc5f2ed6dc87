"""What the annotations say: `annotator report` and `annotator agree`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli.common import db_option, friendly_errors, open_store


@click.command("report")
@db_option
@click.option("--scheme", "scheme_name", help="Scheme name (needed when several are stored).")
@click.option(
    "--gold",
    type=click.Choice(["adjudicated", "majority", "none"]),
    help="What the rates and document labels count: adjudicated (resolved decisions of "
    "`annotator review`), majority (more than half of the coders who answered a unit), none "
    "(every coder, pooled). Default: per label set, adjudicated when it has a decision, else "
    "none.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Also write the report as one self-contained HTML file (charts inline, no network).",
)
@click.option("--documents", is_flag=True, help="Also print the per-document tables.")
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False),
    help="Also write the tables (per outlet with intervals, per document, document labels, "
    "agreement) as CSV files into this folder.",
)
@click.option("--top", default=5, show_default=True, help="Span texts listed per technique.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the bootstrap intervals and permutation tests.")
@friendly_errors
def report_cmd(
    db_path: str, scheme_name: str | None, gold: str | None, html_path: str | None,
    documents: bool, csv_dir: str | None, top: int, seed: int,
) -> None:
    """Compare framing across outlets: label frequency per 100 sentences by outlet with 95%
    intervals and a test of whether outlets differ, frequent span texts, document labels,
    agreement, progress and active time. Counts come from adjudicated gold where there is some
    (see --gold); outlets and documents nobody coded read "not coded", never 0."""
    import shutil

    from annotator.render.report_text import format_text
    from annotator.services.report import build_report

    store = open_store(db_path, create=False, readonly=True)
    rep = build_report(store, scheme_name, top=top, gold=gold, seed=seed)
    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    click.echo(format_text(rep, documents=documents, width=width), nl=False)
    if rep.actor_outlet is not None:  # issue 18: who is quoted where (actor attribute)
        from annotator.render.network import actor_outlet_text

        click.echo(actor_outlet_text(rep.actor_outlet), nl=False)
    from annotator.services.export.common import atomic_file

    def write(path: Path, text: str) -> None:
        try:
            with atomic_file(path) as f:
                f.write(text)
        except OSError as exc:
            raise click.ClickException(f"{path}: cannot write ({exc.strerror or exc})") from None

    if csv_dir:
        from annotator.render.report_text import csv_tables

        folder = Path(csv_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.ClickException(f"{folder}: cannot write ({exc.strerror or exc})") from None
        tables = csv_tables(rep)
        for name, text in tables.items():
            write(folder / name, text)
        click.echo(f"CSV tables written to {folder}: {', '.join(tables)}")
    if html_path:
        from annotator.render.report_html import render_html

        write(Path(html_path), render_html(rep))
        click.echo(f"HTML report written to {html_path}")


@click.command("agree")
@db_option
@click.option(
    "--table",
    "table_path",
    type=click.Path(dir_okay=False),
    help="Compute agreement for a CSV with header unit,annotator,label instead of the database "
    "(empty label = missing).",
)
@click.option(
    "--level",
    type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
    default="nominal",
    show_default=True,
    help="Measurement level for Krippendorff's alpha (ordinal/interval/ratio need numeric labels).",
)
@click.option(
    "--weights",
    type=click.Choice(["linear", "quadratic"]),
    help="Weighted Cohen's kappa (numeric labels, ordered by value).",
)
@click.option(
    "--kappa-distance",
    type=click.Choice(["positions", "values"]),
    default="positions",
    show_default=True,
    help="Weighted kappa's distances: between the positions 0..k-1 of the ordered categories "
    "(as R irr kappa2 and scikit-learn) or between the numeric values.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (undefined values are null).")
@click.option("--scheme", "scheme_name", help="Scheme name (database mode).")
@click.option("--label-set", "label_set", help="Label set to compare (database mode).")
@click.option("--annotators", help="Comma-separated annotators to compare (database mode).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (database mode).")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--n-boot", type=int, default=1000, show_default=True, help="Bootstrap resamples (0 = none)."
)
@click.option(
    "--against", "against",
    help="Score every annotator against a reference on the units both have: gold (resolved "
    "decisions of `annotator review`), adjudicated (the same without unanimous ones) or an "
    "annotator's name (database mode).",
)
@click.option("--shared-only", is_flag=True,
              help="Only the campaign's calibration set (documents assigned with --shared).")
@friendly_errors
def agree_cmd(
    db_path: str,
    table_path: str | None,
    level: str,
    weights: str | None,
    kappa_distance: str,
    as_json: bool,
    scheme_name: str | None,
    label_set: str | None,
    annotators: str | None,
    as_csv: bool,
    seed: int,
    n_boot: int,
    against: str | None,
    shared_only: bool,
) -> None:
    """Inter-annotator agreement: percent agreement, Krippendorff's alpha with a bootstrap 95% CI,
    Fleiss' kappa, Gwet's AC1, Cohen's kappa (pairwise; weighted with --weights, and on the
    ordinal, interval and ratio sets of the database; --kappa-distance picks its distances).

    With --table FILE the ratings come from a CSV (header unit,annotator,label); bad rows are
    reported as FILE:LINE: cause with exit code 2. Undefined coefficients (e.g. one single label
    everywhere) are printed as "undefined" with the reason, never as 1 or NaN. --level and
    --weights apply to --table; without --table the database is read (--scheme, --label-set,
    --annotators, --csv).
    """
    if table_path is not None and (against or shared_only):
        raise click.UsageError("--against and --shared-only read the database, not --table")
    if table_path is not None:
        text, code = run_table(table_path, level, weights, as_json, seed=seed, n_boot=n_boot,
                               kappa_distance=kappa_distance)
        click.echo(text, err=code != 0)
        if code:
            sys.exit(code)
        return
    names = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
    fmt = "json" if as_json else "csv" if as_csv else "text"
    if against is not None:
        click.echo(run_against(db_path, against, scheme_name, label_set, names, fmt,
                               shared_only=shared_only, seed=seed), nl=False)
        return
    text, code = run_db(
        db_path,
        scheme_name,
        label_set,
        names,
        fmt,
        n_boot=n_boot,
        seed=seed,
        kappa_distance=kappa_distance,
        shared_only=shared_only,
    )
    click.echo(text, nl=not text.endswith("\n"), err=code != 0)
    if code:
        sys.exit(code)


def run_table(
    path: str | Path,
    level: str = "nominal",
    weights: str | None = None,
    as_json: bool = False,
    *,
    seed: int = 0,
    n_boot: int = 1000,
    kappa_distance: str = "positions",
) -> tuple[str, int]:
    """Everything `annotator agree --table` prints, and its exit code (0 ok, 2 bad input).

    On error the text is the one-line ``FILE:LINE: cause`` message (for stderr).
    """
    from annotator.render.agreement import render_table_text
    from annotator.services.agree_table import TableError, table_summary

    try:
        summary = table_summary(path, level, weights, seed=seed, n_boot=n_boot,
                                kappa_distance=kappa_distance)
    except TableError as exc:
        return str(exc), 2
    if as_json:
        return json.dumps(summary, indent=2, ensure_ascii=False), 0
    return render_table_text(summary), 0


def run_db(
    db_path: str,
    scheme: str | None = None,
    label_set: str | None = None,
    annotators: list[str] | None = None,
    fmt: str = "text",
    *,
    n_boot: int = 1000,
    seed: int = 0,
    top: int = 10,
    kappa_distance: str = "positions",
    shared_only: bool = False,
) -> tuple[str, int]:
    """``annotator agree`` on a database: (output text, exit status). ``fmt`` is text, json or
    csv. Store problems raise ``StoreError`` (the command prints them as one line)."""
    from annotator.render.agreement import render_csv, render_text
    from annotator.services.agreement import agreement_report
    from annotator.store import Store

    with Store.open(db_path, create=False, readonly=True) as store:
        store.columnar.read_mode()
        documents = shared_documents(store) if shared_only else None
        report = agreement_report(store, scheme, label_set, annotators, n_boot=n_boot,
                                  seed=seed, top=top, kappa_distance=kappa_distance,
                                  documents=documents)
    report["database"] = db_path
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n", 0
    if fmt == "csv":
        return render_csv(report), 0
    return render_text(report), 0


def shared_documents(store: Any) -> set[int]:
    """The calibration set, or a one-line error when the database has none."""
    from annotator.store import StoreError

    docs: set[int] = store.assignments.shared_documents()
    if not docs:
        raise StoreError(
            f"{store.path}: no shared documents (assign a calibration set with "
            "`annotator assign --annotators a,b,c --shared N`)"
        )
    return docs


def run_against(
    db_path: str,
    reference: str,
    scheme: str | None = None,
    label_set: str | None = None,
    annotators: list[str] | None = None,
    fmt: str = "text",
    *,
    shared_only: bool = False,
    seed: int = 0,
) -> str:
    """``annotator agree --against REFERENCE``: every annotator scored against it."""
    from annotator.render.agree_against import render_against_csv, render_against_text
    from annotator.services.agree_against import against_report
    from annotator.store import Store

    with Store.open(db_path, create=False) as store:
        store.columnar.read_mode()
        documents = shared_documents(store) if shared_only else None
        report = against_report(store, reference, scheme, label_set, annotators,
                                documents=documents, seed=seed)
    report["database"] = db_path
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return render_against_csv(report)
    return render_against_text(report)
