"""`annotator review`: adjudication into gold."""

from __future__ import annotations

import click

from annotator.cli.common import db_option, friendly_errors, open_store


@click.command("review")
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
    _, scheme = store.schemes.load(scheme_name)
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
