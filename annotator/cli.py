"""The `annotator` command line (click).

Every command takes ``--db PATH`` (default ``./annotations.db`` or ``$ANNOTATOR_DB``). Heavy
modules (textual, numpy, exporters) are imported inside the commands that need them, so that
``annotator --help`` and small commands start fast.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from annotator import __version__

F = TypeVar("F", bound=Callable[..., Any])


def db_option(f: F) -> F:
    """The ``--db`` option shared by every command."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False),
        envvar="ANNOTATOR_DB",
        default="annotations.db",
        show_default=True,
        help="SQLite database file (env: ANNOTATOR_DB).",
    )(f)


def friendly_errors(f: F) -> F:
    """Turn store and input errors into one line on stderr and a non-zero exit, never a
    traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from annotator.core.scheme import SchemeError
        from annotator.store import DatabaseError, StoreError, explain_error

        try:
            return f(*args, **kwargs)
        except StoreError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except SchemeError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        except DatabaseError as exc:
            path = kwargs.get("db_path") or "database"
            click.echo(f"error: {explain_error(str(path), exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; everything already written is kept", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def open_store(db_path: str, *, create: bool = True) -> Any:
    from annotator.store import Store

    return Store.open(db_path, create=create)


def default_annotator() -> str:
    """``$ANNOTATOR_NAME``, else the OS user name."""
    name = os.environ.get("ANNOTATOR_NAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "annotator"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
def cli() -> None:
    """Annotate propaganda and framing in news articles, measure agreement, export datasets."""


main = cli


# ------------------------------------------------------------------------------------- import
@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--encoding", help="Decode files with this encoding instead of UTF-8 (e.g. latin-1).")
@click.option("--source", help="Source (outlet) for documents that do not name one.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly_errors
def import_cmd(
    paths: tuple[str, ...], db_path: str, encoding: str | None, source: str | None, quiet: bool
) -> None:
    """Import articles from .txt, .jsonl and .csv files or directories (recursive).

    JSONL and CSV records need a `text` field and may have id, title, source, url, published and
    language; other fields are kept as metadata. Re-importing the same text does nothing.
    """
    from annotator.services.importing import import_paths, iter_files

    store = open_store(db_path)
    files = list(iter_files(paths))
    total = sum(p.stat().st_size for p in files if p.is_file())
    show = not quiet and total > 1_000_000 and sys.stderr.isatty()
    with click.progressbar(
        length=total, label="importing", file=sys.stderr if show else open(os.devnull, "w")
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


# ------------------------------------------------------------------------------------- schemes
@cli.group("scheme")
def scheme_group() -> None:
    """Check, store and list labeling schemes (YAML)."""


@scheme_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
def scheme_check(files: tuple[str, ...]) -> None:
    """Validate scheme files (or shipped scheme names, or folders of .yaml files).

    Prints one `FILE:LINE:COL: message` line per problem on stderr and exits with status 2;
    a valid scheme gets a summary of its label sets per level (exit 0).
    """
    from annotator.core.scheme import (
        SchemeError,
        check_scheme,
        find_scheme_source,
        read_scheme_text,
    )

    paths: list[Path] = []
    failed = False
    for name in files:
        if Path(name).is_dir():
            found = sorted(p for p in Path(name).iterdir() if p.suffix in (".yaml", ".yml"))
            if not found:
                click.echo(f"{name}: no .yaml file in this folder", err=True)
                failed = True
            paths.extend(found)
            continue
        try:
            paths.append(find_scheme_source(name))
        except SchemeError as exc:
            click.echo(str(exc), err=True)
            failed = True
    for path in paths:
        try:
            text = read_scheme_text(path)
        except SchemeError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        scheme, problems = check_scheme(text, str(path))
        for p in problems:
            click.echo(str(p), err=True)
        if problems or scheme is None:
            n = len(problems)
            click.echo(f"{path}: {n} problem{'s' if n != 1 else ''}", err=True)
            failed = True
            continue
        click.echo(scheme_summary(str(path), scheme))
    if failed:
        sys.exit(2)


def scheme_summary(name: str, scheme: Any) -> str:
    """What a valid scheme holds: one line per label set, grouped by level."""
    lines = [f"{name}: ok: {scheme.name} v{scheme.version} ({scheme.language})"]
    for level in ("document", "sentence", "span"):
        sets = scheme.sets_at(level)
        if not sets:
            continue
        n_labels = sum(len(ls.labels) for ls in sets)
        lines.append(f"  {level}: {len(sets)} set(s), {n_labels} label(s)")
        for ls in sets:
            flags = [ls.scale]
            if ls.multiple:
                flags.append("multiple")
            if ls.required:
                flags.append("required")
            if ls.target:
                flags.append(f"target {ls.target}")
            keys = sum(1 for lab in ls.labels if lab.key)
            if keys:
                flags.append(f"{keys} quick key(s)")
            lines.append(
                f"    {ls.name:<24} {len(ls.labels):>3} labels  {', '.join(flags)}"
            )
    return "\n".join(lines)


@scheme_group.command("add")
@click.argument("file", type=click.Path())
@db_option
@friendly_errors
def scheme_add(file: str, db_path: str) -> None:
    """Store a scheme (a file, or the name of a shipped scheme) with its YAML text and hash.

    A new version may add labels and label sets; one that removes or renames a label still in use
    is refused.
    """
    from annotator.core.scheme import find_scheme_source, load_scheme_file, parse_scheme

    scheme = load_scheme_file(find_scheme_source(file))
    store = open_store(db_path)
    previous = store.latest_scheme_row(scheme.name)
    scheme_id, created = store.add_scheme(scheme)
    state = "stored" if created else "already stored"
    click.echo(
        f"{scheme.name} v{scheme.version}: {state} (id {scheme_id}, sha256 {scheme.sha256[:12]})"
    )
    if created and previous is not None:
        old = parse_scheme(previous["yaml"], f"<stored {scheme.name} v{previous['version']}>")
        click.echo(f"  changes from v{previous['version']}: {scheme_changes(old, scheme)}")


def scheme_changes(old: Any, new: Any) -> str:
    """One line saying which labels a new scheme version adds and drops."""
    from annotator.core.scheme import incompatibilities

    def known(set_name: str, label: str) -> bool:
        ls = old.label_set(set_name)
        return ls is not None and ls.label(label) is not None

    added = [f"{ls.name}/{lab.name}" for ls in new.label_sets for lab in ls.labels
             if not known(ls.name, lab.name)]
    gone = [f"{s}/{lab}" if lab != "*" else f"{s} (level or multiple changed)"
            for s, lab in incompatibilities(old, new)]
    parts = [f"{len(added)} label(s) added"]
    if added:
        parts[0] += " (" + ", ".join(added[:8]) + (", ..." if len(added) > 8 else "") + ")"
    if gone:
        parts.append("changed or removed, unused so far: " + ", ".join(gone))
    return "; ".join(parts)


@scheme_group.command("list")
@db_option
@click.option("--shipped", is_flag=True, help="List the schemes shipped with annotator instead.")
@friendly_errors
def scheme_list(db_path: str, shipped: bool) -> None:
    """List the schemes stored in the database (latest version, annotations made)."""
    if shipped:
        from annotator.core.scheme import shipped_schemes

        for name, path in sorted(shipped_schemes().items()):
            click.echo(f"{name}\t{path}")
        return
    store = open_store(db_path)
    rows = store.list_schemes()
    if not rows:
        click.echo("no scheme stored (annotator scheme add FILE)")
    for r in rows:
        click.echo(
            f"{r['name']}\tv{r['version']}\t{r['versions']} version(s)\t"
            f"{r['annotations']} annotation(s)"
        )


@scheme_group.command("rename-label")
@click.argument("scheme_name")
@click.argument("label_set")
@click.argument("old")
@click.argument("new")
@db_option
@friendly_errors
def scheme_rename_label(scheme_name: str, label_set: str, old: str, new: str, db_path: str) -> None:
    """Rename a label in every stored annotation of a scheme (before storing a version that
    renames it)."""
    store = open_store(db_path, create=False)
    n = store.rename_label(scheme_name, label_set, old, new)
    click.echo(f"{n} annotation(s) of {scheme_name}/{label_set} renamed {old} -> {new}")


# ------------------------------------------------------------------------------------- status
@cli.command("status")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def status_cmd(db_path: str, as_json: bool) -> None:
    """Per annotator: documents and sentences done / total, annotations per label set."""
    from dataclasses import asdict

    from annotator.services.units import set_progress

    store = open_store(db_path, create=False)
    rows = store.status()
    sets = set_progress(store, [r["annotator"] for r in rows])
    if as_json:
        click.echo(
            json.dumps(
                {
                    "documents": store.count_documents(),
                    "sentences": store.count_sentences(),
                    "annotators": rows,
                    "label_sets": [asdict(s) for s in sets],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{store.count_documents()} documents, {store.count_sentences()} sentences")
    if not rows:
        click.echo("no annotator yet")
    for r in rows:
        labels = ", ".join(f"{k}: {v}" for k, v in r["annotations"].items()) or "no annotations"
        click.echo(
            f"{r['annotator']}: documents {r['documents_done']}/{r['documents_total']}, "
            f"sentences {r['sentences_done']}/{r['sentences_total']}, {labels}"
        )
    if rows and sets:
        click.echo("answered per label set (units answered / asked):")
        for s in sets:
            who = ", ".join(f"{a} {n}/{s.asked}" for a, n in s.answered.items())
            click.echo(f"  {s.scheme}/{s.label_set} ({s.level}): {who}")


# ------------------------------------------------------------------------------------- demo
@cli.command("demo")
@db_option
@click.option(
    "--annotator",
    "annotator_name",
    help="Annotator name (default: $ANNOTATOR_NAME or the OS user).",
)
@click.option(
    "--no-tui", is_flag=True, help="Only load the demo; do not open the annotation screen."
)
@friendly_errors
def demo_cmd(db_path: str, annotator_name: str | None, no_tui: bool) -> None:
    """Load the bundled demo corpus and the default scheme, then open the annotation screen.

    Idempotent: running it again adds nothing and deletes nothing.
    """
    from annotator.core.scheme import DEFAULT_SCHEME, find_scheme_source, load_scheme_file
    from annotator.services.importing import import_paths

    store = open_store(db_path)
    scheme = load_scheme_file(find_scheme_source(DEFAULT_SCHEME))
    _, created = store.add_scheme(scheme)
    demo = Path(__file__).parent / "demo" / "articles.jsonl"
    summary = import_paths(store, [demo])
    click.echo(
        f"{db_path}: scheme {scheme.name} v{scheme.version} "
        f"{'stored' if created else 'already stored'}; demo corpus: {summary.new} new document(s) "
        f"({summary.sentences} sentences), {summary.present} already present"
    )
    if no_tui:
        return
    run_tui(store, scheme.name, annotator_name or default_annotator(), None)


def run_tui(
    store: Any,
    scheme_name: str | None,
    annotator_name: str,
    document: int | None,
    keymap: str | None = None,
) -> None:
    """Open the annotation screen (imports Textual only here)."""
    from annotator.tui.app import KeymapError, make_app

    _, scheme = store.load_scheme(scheme_name)
    if document is not None and store.document(document) is None:
        raise click.ClickException(f"no document with id {document} in {store.path}")
    try:
        app = make_app(store, scheme, annotator_name, document_id=document, keymap=keymap)
    except KeymapError as exc:
        raise click.ClickException(str(exc)) from None
    app.run()


# ------------------------------------------------------------------------------------- annotate
@cli.command("annotate")
@db_option
@click.option("--scheme", "scheme_name", help="Scheme name (needed when several are stored).")
@click.option(
    "--annotator",
    "annotator_name",
    help="Annotator name (default: $ANNOTATOR_NAME or the OS user).",
)
@click.option("--document", type=int, help="Start at this document id.")
@click.option(
    "--keymap",
    type=click.Path(dir_okay=False),
    envvar="ANNOTATOR_KEYMAP",
    help="YAML file mapping binding ids to keys, e.g. `next: l` (env: ANNOTATOR_KEYMAP).",
)
@friendly_errors
def annotate_cmd(
    db_path: str,
    scheme_name: str | None,
    annotator_name: str | None,
    document: int | None,
    keymap: str | None,
) -> None:
    """Open the annotation screen (keys: see `?` on the screen and the README)."""
    from annotator.core.scheme import DEFAULT_SCHEME, find_scheme_source, load_scheme_file

    store = open_store(db_path)
    if not store.list_schemes():
        store.add_scheme(load_scheme_file(find_scheme_source(scheme_name or DEFAULT_SCHEME)))
    if store.count_sentences() == 0:
        raise click.ClickException(
            f"{db_path}: no documents yet; run `annotator import FILE...` first"
        )
    run_tui(store, scheme_name, annotator_name or default_annotator(), document, keymap)


# --- further commands are appended below, one section per area ---


# ------------------------------------------------------------------------------------- report
@cli.command("report")
@db_option
@click.option("--scheme", "scheme_name", help="Scheme name (needed when several are stored).")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Also write the report as one self-contained HTML file (charts inline, no network).",
)
@click.option("--top", default=5, show_default=True, help="Span texts listed per technique.")
@friendly_errors
def report_cmd(db_path: str, scheme_name: str | None, html_path: str | None, top: int) -> None:
    """Compare framing across outlets: label frequency per 100 sentences by outlet and document,
    frequent span texts, document labels, agreement per label, progress and active time."""
    from annotator.render.report_text import format_text
    from annotator.services.report import build_report

    store = open_store(db_path, create=False)
    rep = build_report(store, scheme_name, top=top)
    click.echo(format_text(rep), nl=False)
    if html_path:
        from annotator.render.report_html import render_html

        try:
            Path(html_path).write_text(render_html(rep), encoding="utf-8")
        except OSError as exc:
            msg = f"{html_path}: cannot write ({exc.strerror or exc})"
            raise click.ClickException(msg) from None
        click.echo(f"HTML report written to {html_path}")


# ------------------------------------------------------------------------------------- doctor
@cli.command("doctor")
@db_option
@click.option("--repair", is_flag=True, help="Repair what is safe to repair (after a backup).")
@friendly_errors
def doctor_cmd(db_path: str, repair: bool) -> None:
    """Check a database: integrity, orphan rows, labels missing from their scheme, offsets
    outside their sentence or document, sentence texts, the search index, and whether the event
    log replays to the stored state. Says how to repair; `--repair` fixes what is safe to fix
    (search index, sentence texts, orphan rows, state from the event log) after a backup.
    Exit status 0 when nothing (or nothing left) is wrong, 1 otherwise."""
    from annotator.services.doctor import diagnose
    from annotator.services.doctor import repair as do_repair

    store = open_store(db_path, create=False)
    findings = diagnose(store)
    if not findings:
        click.echo(f"{db_path}: ok (integrity, orphans, labels, offsets, search index, events)")
        return
    for f in findings:
        click.echo(f"problem: {f}")
    if not repair:
        fixable = sum(f.repairable for f in findings)
        if fixable:
            click.echo(f"{fixable} of {len(findings)} problem(s) can be repaired: "
                       f"annotator doctor --repair --db {db_path}")
        sys.exit(1)
    backup, done = do_repair(store, findings)
    if backup:
        click.echo(f"backup written to {backup}")
    for line in done:
        click.echo(f"repaired: {line}")
    left = diagnose(store)
    for f in left:
        click.echo(f"still wrong: {f}")
    if left:
        sys.exit(1)
    click.echo(f"{db_path}: ok after repair")


# ------------------------------------------------------------------------------------- agree
@cli.command("agree")
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
    if table_path is not None:
        text, code = run_table(table_path, level, weights, as_json, seed=seed, n_boot=n_boot,
                               kappa_distance=kappa_distance)
        click.echo(text, err=code != 0)
        if code:
            sys.exit(code)
        return
    names = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
    text, code = run_db(
        db_path,
        scheme_name,
        label_set,
        names,
        "json" if as_json else "csv" if as_csv else "text",
        n_boot=n_boot,
        seed=seed,
        kappa_distance=kappa_distance,
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
) -> tuple[str, int]:
    """``annotator agree`` on a database: (output text, exit status). ``fmt`` is text, json or
    csv. Store problems raise ``StoreError`` (the command prints them as one line)."""
    from annotator.render.agreement import render_csv, render_text
    from annotator.services.agreement import agreement_report
    from annotator.store import Store

    with Store.open(db_path, create=False) as store:
        store.agreement_read_mode()
        report = agreement_report(store, scheme, label_set, annotators, n_boot=n_boot,
                                  seed=seed, top=top, kappa_distance=kappa_distance)
    report["database"] = db_path
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n", 0
    if fmt == "csv":
        return render_csv(report), 0
    return render_text(report), 0


# ------------------------------------------------------------------------------------- review
@cli.command("review")
@db_option
@click.option("--annotator", "adjudicator", required=True, help="Adjudicator name (who decides).")
@click.option("--scheme", "scheme_name", help="Scheme name (needed when several are stored).")
@click.option("--label-set", "label_set", help="Review only this label set.")
@click.option(
    "--order",
    type=click.Choice(["disagreement", "document"]),
    default="disagreement",
    show_default=True,
    help="Most disagreement first, or document order.",
)
@click.option("--hide-names", is_flag=True, help="Show annotators as A1, A2... instead of names.")
@click.option(
    "--accept-unanimous",
    is_flag=True,
    help="Store every unit where all annotators agree as gold, say how many, and exit.",
)
@friendly_errors
def review_cmd(
    db_path: str,
    adjudicator: str,
    scheme_name: str | None,
    label_set: str | None,
    order: str,
    hide_names: bool,
    accept_unanimous: bool,
) -> None:
    """Adjudicate: walk the units where annotators disagree and decide the gold labels.

    Keys: 1-9 accept that annotator's version, U union, I intersection, e edit, x unresolved
    (with a note), u undo, right/left next/previous, tab next undecided, q quit. Decisions are
    stored at once with their provenance and feed `export --gold adjudicated`.
    """
    store = open_store(db_path, create=False)
    _, scheme = store.load_scheme(scheme_name)
    if label_set is not None and scheme.label_set(label_set) is None:
        known = ", ".join(ls.name for ls in scheme.label_sets)
        raise click.BadParameter(f"no label set {label_set!r} in {scheme.name} ({known})",
                                 param_hint="--label-set")
    if accept_unanimous:
        from annotator.services.review import accept_unanimous as store_unanimous

        n, skipped = store_unanimous(store, scheme, adjudicator, label_set=label_set)
        click.echo(
            f"{n} unanimous unit(s) stored as gold by {adjudicator}"
            + (f"; {skipped} already decided, left as they are" if skipped else "")
        )
        return
    from annotator.tui.review import make_review_app

    make_review_app(
        store, scheme, adjudicator, label_set=label_set, order=order, hide_names=hide_names
    ).run()


# ------------------------------------------------------------------------------------- export
@cli.command("export")
@click.option(
    "--format", "fmt", required=True,
    type=click.Choice(["jsonl", "csv", "semeval", "brat", "conll", "parquet"]),
    help="jsonl and csv write a file; semeval, brat, conll and parquet write a directory.",
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
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly_errors
def export_cmd(
    fmt: str, out: str, db_path: str, annotators: str | None, label_sets: str | None,
    gold: str, quiet: bool,
) -> None:
    """Export the annotations as a dataset (see the README for each format's layout)."""
    from annotator.services.export import exporter
    from annotator.services.export.common import ExportError, Selection, parse_list

    store = open_store(db_path, create=False)
    selection = Selection(parse_list(annotators), parse_list(label_sets), gold)
    n_docs = store.count_documents()
    show = not quiet and sys.stderr.isatty() and (
        n_docs >= 500 or store.count_current_annotations() >= 50_000
    )
    warnings: list[str] = []
    try:
        with click.progressbar(
            length=n_docs, label=f"exporting {fmt}",
            file=sys.stderr if show else open(os.devnull, "w"),
        ) as bar:
            counts = exporter(fmt)(
                store, Path(out), selection, warn=warnings.append, advance=bar.update
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


# ------------------------------------------------------------------------- import-annotations
@cli.command("import-annotations")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "semeval"]), default=None,
    help="jsonl: an `annotator export` file; semeval: SemEval-2023/PTC span label files "
    "(default: jsonl for *.jsonl, else semeval).",
)
@click.option("--annotator", "annotator_name",
              help="semeval: the annotator the imported spans belong to (required).")
@click.option("--articles", type=click.Path(file_okay=False),
              help="semeval: directory of the article<ID>.txt files.")
@click.option("--scheme", "scheme_name", help="semeval: the stored scheme of the labels.")
@click.option("--label-set", "label_set", help="semeval: the span label set of the labels.")
@friendly_errors
def import_annotations_cmd(
    paths: tuple[str, ...], db_path: str, fmt: str | None, annotator_name: str | None,
    articles: str | None, scheme_name: str | None, label_set: str | None,
) -> None:
    """Import annotations: an `annotator export --format jsonl` file (documents, schemes,
    annotators and all annotations), or SemEval/PTC span files as one annotator's work.

    All or nothing: any problem is reported as FILE:LINE: cause and nothing is stored.
    Importing the same file twice adds nothing.
    """
    from annotator.services.import_annotations import (
        AnnotationImportError,
        ImportResult,
        import_jsonl,
        import_semeval,
    )

    if fmt is None:
        fmt = "jsonl" if all(p.endswith(".jsonl") for p in paths) else "semeval"
    store = open_store(db_path)
    try:
        if fmt == "jsonl":
            if annotator_name or articles:
                raise click.UsageError("--annotator and --articles are for --format semeval")
            result = ImportResult()
            for p in paths:
                r = import_jsonl(store, p)
                result.documents_new += r.documents_new
                result.documents_present += r.documents_present
                result.annotations_new += r.annotations_new
                result.annotations_present += r.annotations_present
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
    click.echo(
        f"{result.documents_new} new document(s), {result.documents_present} already present; "
        f"{result.annotations_new} new annotation(s), {result.annotations_present} already present"
    )


# ------------------------------------------------------------------------------------- merge
@cli.command("merge")
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
