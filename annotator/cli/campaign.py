"""Campaigns: `annotator assign`, `annotator assignments` and `annotator checkout`."""

from __future__ import annotations

import json
from typing import Any

import click

from annotator.cli.common import db_option, friendly_errors, open_store


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _loads_line(loads: dict[str, tuple[int, int]]) -> str:
    return "; ".join(
        f"{who} {docs:,} document(s), {sents:,} sentences" for who, (docs, sents) in
        sorted(loads.items())
    )


@click.command("assign")
@db_option
@click.option("--annotators", help="Comma-separated annotators who code (e.g. alice,bruno,chloe).")
@click.option("--per-document", "per_document", type=int, default=2, show_default=True,
              help="Annotators per document (K).")
@click.option("--shared", help="Calibration set every named annotator codes: N documents or P% "
              "of the selected ones, spread over sources (`agree --shared-only`).")
@click.option("--source", "sources", multiple=True,
              help="Only documents from this source (repeatable).")
@click.option("--documents", help="Only these documents: ids, ranges (10-20) or external ids, "
              "comma-separated.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the tie-breaks (same seed, same database: same plan).")
@click.option("--move", "giver", help="Hand over what this annotator has not finished...")
@click.option("--to", "receivers", help="...to these annotators (comma-separated), balanced.")
@click.option("--split", "split_dir", type=click.Path(file_okay=False),
              help="Then write one offline database per named annotator into this directory "
              "(DIR/NAME.db, as `annotator checkout`).")
@friendly_errors
def assign_cmd(
    db_path: str, annotators: str | None, per_document: int, shared: str | None,
    sources: tuple[str, ...], documents: str | None, seed: int, giver: str | None,
    receivers: str | None, split_dir: str | None,
) -> None:
    """Assign documents to annotators: each selected document to K of them, loads balanced in
    sentences, the --shared calibration set to all. Re-running adds only what is new (new
    documents, a new annotator); nothing assigned or annotated moves unless --move asks.

    `annotator assign --move FROM --to TO` hands over every document FROM has not finished;
    finished documents, and all of FROM's labels, stay FROM's.
    """
    from annotator.core.assign import AssignError
    from annotator.services import campaign

    store = open_store(db_path, create=False)
    copies: list[Any] = []
    try:
        ids = campaign.parse_documents(store, documents) if documents else None
        if giver or receivers:
            if not (giver and receivers):
                raise click.UsageError("--move FROM needs --to TO (and --to needs --move)")
            if annotators or shared or sources or split_dir:
                raise click.UsageError(
                    "--move takes only --to, --documents and --seed")
            moved = campaign.move(store, giver, _names(receivers), documents=ids, seed=seed)
            per: dict[str, int] = {}
            for _, who in moved.moves:
                per[who] = per.get(who, 0) + 1
            click.echo(
                f"{giver}: {len(moved.moves)} unfinished document(s) handed over ("
                + (", ".join(f"{n} to {w}" for w, n in sorted(per.items())) or "none")
                + f"); {moved.kept_finished} finished document(s) stay with {giver}"
            )
            if moved.stuck:
                click.echo(
                    f"left with {giver} (every receiver already codes them): documents "
                    + ", ".join(map(str, moved.stuck)), err=True,
                )
            click.echo(f"campaign: {_loads_line(moved.loads)}")
            return
        names = _names(annotators)
        if not names:
            raise click.UsageError("--annotators a,b,c is required (or --move FROM --to TO)")
        if split_dir:
            campaign.check_file_names(names)
        result = campaign.assign(store, names, per_document=per_document, shared=shared,
                                 sources=sources, documents=ids, seed=seed)
        if split_dir:
            copies = campaign.split(store, names, split_dir)
    except AssignError as exc:
        raise click.UsageError(str(exc)) from None
    p = result.plan
    click.echo(
        f"{result.selected:,} document(s) selected, {per_document} annotator(s) each; "
        f"{result.new:,} new assignment(s)"
        + (f", {len(p.new_shared)} document(s) added to the shared set" if p.new_shared else "")
        + f"; shared set: {len(p.shared)} document(s)"
    )
    if result.empty:
        click.echo(f"{result.empty} selected document(s) without sentences left out", err=True)
    if p.short:
        click.echo(
            f"{len(p.short)} document(s) have fewer than {per_document} annotators (not enough "
            "named annotators who do not code them already)", err=True,
        )
    click.echo(f"campaign: {_loads_line(result.loads)}")
    for c in copies:
        click.echo(f"{c.path}: {c.annotator}, {c.documents} document(s)")


@click.command("assignments")
@db_option
@click.option("--annotator", "annotator_name", help="Only this annotator (text: with documents).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: one object per assigned document.")
@friendly_errors
def assignments_cmd(db_path: str, annotator_name: str | None, as_json: bool) -> None:
    """Campaign progress per annotator: documents and sentences assigned, done, remaining, median
    active seconds per sentence and the time left at that pace."""
    from annotator.core.assign import AssignError
    from annotator.render.campaign import render_overview
    from annotator.services.campaign import overview

    store = open_store(db_path, create=False)
    try:
        view = overview(store, annotator_name)
    except AssignError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        keys = ("annotator", "document_id", "external_id", "title", "source", "shared",
                "sentences", "done", "remaining", "seconds", "moved_from")
        rows: list[dict[str, Any]] = [{k: r[k] for k in keys} for r in view.documents]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(render_overview(view, with_documents=annotator_name is not None), nl=False)


@click.command("checkout")
@click.argument("name")
@click.argument("out", type=click.Path(dir_okay=False))
@db_option
@friendly_errors
def checkout_cmd(name: str, out: str, db_path: str) -> None:
    """Write NAME's share of the campaign into a new database OUT (schemes, their assigned
    documents, their work so far; nobody else's labels, no gold) to annotate offline with
    `annotator annotate --db OUT`; bring it back with `annotator merge OUT`."""
    from annotator.core.assign import AssignError
    from annotator.services.campaign import checkout

    store = open_store(db_path, create=False)
    try:
        c = checkout(store, name, out)
    except AssignError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(
        f"{c.path}: {c.annotator}, {c.documents} document(s), {c.report.annotations_new} "
        f"annotation(s) so far; annotate with `annotator annotate --db {c.path} --annotator "
        f"{c.annotator}`, then `annotator merge {c.path}` into {db_path}"
    )
