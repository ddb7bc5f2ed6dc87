"""The `annotator` command line (click), one module per command group.

Every command takes ``--db PATH`` (default ``./annotations.db`` or ``$ANNOTATOR_DB``), before
or after the command name (``annotator --db x.db status`` = ``annotator status --db x.db``). Heavy
modules (textual, numpy, exporters) are imported inside the commands that need them, so that
``annotator --help`` and small commands start fast.
"""

from __future__ import annotations

import click

from annotator import __version__
from annotator.cli import (
    analysis,
    annotate,
    campaign,
    corpus,
    data,
    doctor,
    network,
    review,
    schemes,
    serve,
)
from annotator.cli.common import remember_global_db, safe_output


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    expose_value=False,
    callback=remember_global_db,
    help="SQLite database file for the command (same as its own --db).",
)
def cli() -> None:
    """Annotate propaganda and framing in news articles, measure agreement, export datasets."""
    click.get_current_context().call_on_close(safe_output())


main = cli

cli.add_command(corpus.import_cmd)
cli.add_command(corpus.status_cmd)
cli.add_command(schemes.scheme_group)
cli.add_command(annotate.demo_cmd)
cli.add_command(annotate.annotate_cmd)
cli.add_command(analysis.report_cmd)
cli.add_command(analysis.agree_cmd)
cli.add_command(network.network_cmd)
cli.add_command(doctor.doctor_cmd)
cli.add_command(review.review_cmd)
cli.add_command(data.export_cmd)
cli.add_command(data.import_annotations_cmd)
cli.add_command(data.merge_cmd)
cli.add_command(campaign.assign_cmd)
cli.add_command(campaign.assignments_cmd)
cli.add_command(campaign.checkout_cmd)
cli.add_command(serve.serve_cmd)
cli.add_command(serve.tokens_group)
