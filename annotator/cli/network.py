"""`annotator network`: discourse networks (DNA's affiliation, congruence and conflict networks)
from statements, as CSV, GraphML or GEXF."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from annotator.cli.common import db_option, friendly_errors, open_store

NORMALIZATIONS = ["none", "average", "jaccard", "cosine", "activity", "prominence"]


@click.command("network")
@click.option("--var1", required=True,
              help="First variable, the network's nodes: an attribute (actor) or one of label, "
              "label_set, annotator, outlet, document.")
@click.option("--var2", required=True,
              help="Second variable, what var1 nodes are tied through: an attribute (target), "
              "label (the concept), outlet, annotator, document or label_set.")
@click.option("--qualifier",
              help="An attribute with numbered values (agreement: yes = 1, no = 0, or an "
              "intensity scale) that congruence and conflict compare.")
@click.option("--type", "kind", type=click.Choice(["affiliation", "congruence", "conflict"]),
              default="affiliation", show_default=True,
              help="affiliation: var1 x var2 (two-mode; signed with a qualifier); congruence: "
              "var1 x var1 tied by agreeing on var2 values; conflict: by disagreeing.")
@click.option("--normalize", type=click.Choice(NORMALIZATIONS), default="none",
              show_default=True,
              help="congruence/conflict: average, jaccard or cosine; affiliation: activity or "
              "prominence (DNA's definitions, docs/networks.md).")
@click.option("--window", type=click.IntRange(min=1), metavar="DAYS",
              help="A moving time window of DAYS days over the documents' published dates: one "
              "network per day (DNA's time window).")
@click.option("--format", "fmt", type=click.Choice(["csv", "graphml", "gexf"]), default="csv",
              show_default=True,
              help="csv: an edge list (Gephi's Source,Target,Weight,Type); graphml and gexf "
              "need the [network] extra (networkx).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Output file; with --window and graphml/gexf, one file per window named "
              "OUT-stem_YYYY-MM-DD.")
@click.option("--label-set", "label_sets",
              help="Only these label sets (comma-separated; default: every span and sentence "
              "set that has the attributes named).")
@click.option("--annotators", help="Only statements coded by these annotators (comma-separated).")
@db_option
@friendly_errors
def network_cmd(
    var1: str, var2: str, qualifier: str | None, kind: str, normalize: str, window: int | None,
    fmt: str, out: str, label_sets: str | None, annotators: str | None, db_path: str,
) -> None:
    """Build a discourse network from statements, as the Discourse Network Analyzer does:
    who is tied to whom by what they say, about whom, and whether they agree."""
    from annotator.core.network import NetworkError
    from annotator.render import network as render
    from annotator.services.export.common import parse_list, write_text
    from annotator.services.network import build_network

    if kind == "affiliation" and normalize in ("average", "jaccard", "cosine"):
        raise click.UsageError(f"--normalize {normalize} is for congruence and conflict "
                               "networks; affiliation takes activity or prominence")
    if kind != "affiliation" and normalize in ("activity", "prominence"):
        raise click.UsageError(f"--normalize {normalize} is for affiliation networks; "
                               "congruence and conflict take average, jaccard or cosine")
    if fmt != "csv":
        try:
            import networkx  # noqa: F401
        except ImportError:
            click.echo(f"error: {render.NETWORKX_HINT}", err=True)
            sys.exit(2)
    store = open_store(db_path, create=False, readonly=True)
    try:
        result = build_network(
            store, var1, var2, qualifier=qualifier, kind=kind, normalize=normalize,
            window=window, label_sets=parse_list(label_sets), annotators=parse_list(annotators))
    except NetworkError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    path = Path(out)
    written: list[Path] = []
    if fmt == "csv":
        write_text(path, render.edge_csv(result.networks, result.windowed))
        written.append(path)
    else:
        for net in result.networks:
            target = path
            if result.windowed and net.start is not None and net.stop is not None:
                mid = net.start + (net.stop - net.start) / 2
                target = path.with_name(f"{path.stem}_{mid.isoformat()}{path.suffix}")
            write_text(target, render.graph_text(net, var1, var2, fmt))
            written.append(target)
    st = result.statements
    ties = sum(len(n.edges()) for n in result.networks)
    click.echo(
        f"{out}: {kind} network of {var1} x {var2 if kind == 'affiliation' else var1} "
        f"from {len(st.items)} statement(s) in {', '.join(st.label_sets)}"
        + (f", {len(result.networks)} window(s) of {window} day(s)" if window else "")
        + f", {ties} tie(s)"
        + (f", {len(written)} file(s)" if len(written) > 1 else "")
    )
    if st.left_out:
        click.echo(f"note: {st.left_out} annotation(s) left out (no {var1}, {var2}"
                   + (f" or {qualifier}" if qualifier else "") + " value)", err=True)
