"""The annotation screen: `annotator annotate` and the bundled `annotator demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from annotator.cli.common import db_option, default_annotator, friendly_errors, open_store


@click.command("demo")
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
    _, created = store.schemes.add(scheme)
    demo = Path(__file__).resolve().parents[1] / "demo" / "articles.jsonl"
    summary = import_paths(store, [demo])
    if summary.failed:  # the package is broken: say so rather than open an empty screen
        problems = "; ".join(str(p) for p in summary.problems)
        raise click.ClickException(f"the bundled demo corpus could not be read: {problems}")
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
    from annotator.tui.app import make_app
    from annotator.tui.keys import KeymapError

    _, scheme = store.schemes.load(scheme_name)
    if document is not None and store.corpus.document(document) is None:
        raise click.ClickException(f"no document with id {document} in {store.path}")
    try:
        app = make_app(store, scheme, annotator_name, document_id=document, keymap=keymap)
    except KeymapError as exc:
        raise click.ClickException(str(exc)) from None
    app.run()
    if app.return_code:  # the screen ended on an error (Textual printed it): say so by the status
        raise SystemExit(app.return_code)


@click.command("annotate")
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
    """Open the annotation screen (keys: see `?` on the screen and the README).

    On an offline copy (`annotator checkout`) the annotator defaults to the copy's owner."""
    import os

    from annotator.core.scheme import DEFAULT_SCHEME, find_scheme_source, load_scheme_file
    from annotator.services.campaign import copy_owner

    store = open_store(db_path)
    if not store.schemes.summary():
        store.schemes.add(load_scheme_file(find_scheme_source(scheme_name or DEFAULT_SCHEME)))
    if store.corpus.count_sentences() == 0:
        raise click.ClickException(
            f"{db_path}: no documents yet; run `annotator import FILE...` first"
        )
    name = annotator_name or os.environ.get("ANNOTATOR_NAME") or copy_owner(store)
    run_tui(store, scheme_name, name or default_annotator(), document, keymap)
