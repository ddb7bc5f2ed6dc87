"""`annotator doctor`: check the database, and repair what is safe to repair."""

from __future__ import annotations

import os
import sys

import click

from annotator.cli.common import db_option, friendly_errors, open_store


@click.command("doctor")
@db_option
@click.option("--repair", is_flag=True, help="Repair what is safe to repair (after a backup).")
@friendly_errors
def doctor_cmd(db_path: str, repair: bool) -> None:
    """Check a database: integrity, orphan rows, labels missing from their scheme, attribute
    values the scheme does not allow, offsets outside their sentence or document, sentence
    texts, the search index, and whether the event log replays to the stored state. Says how
    to repair; `--repair` fixes what is safe to fix
    (search index, sentence texts, orphan rows, state from the event log) after a backup.
    Exit status 0 when nothing (or nothing left) is wrong, 1 otherwise."""
    from annotator.services.doctor import diagnose
    from annotator.services.doctor import repair as do_repair

    # Checking only: a database that cannot be written (read-only file, folder or medium) is
    # opened read-only rather than refused; a writable one normally, for SQLite's own full-text
    # index check (a write statement).
    folder = os.path.dirname(os.path.abspath(db_path))
    writable = os.access(db_path, os.W_OK) and os.access(folder, os.W_OK)
    store = open_store(db_path, create=False, readonly=not repair and not writable)
    findings = diagnose(store)
    if not findings:
        click.echo(
            f"{db_path}: ok (integrity, orphans, labels, attributes, offsets, search index, events)"
        )
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
