"""`annotator serve` (the annotation screen in a browser) and `annotator tokens` (who may open it).

Serving needs the optional extra ``serve`` (textual-serve, aiohttp); without it ``serve`` says
how to install it and exits with status 2. Tokens need nothing: a lead can list and revoke them
on a machine without the extra.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import click

from annotator.cli.common import db_option, friendly_errors, open_store

SERVE_HINT = (
    'annotator serve needs the "serve" extra: pip install "annotator[serve]" '
    '(pip install ".[serve]" in a source checkout)'
)


def _names(value: str | None) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in (value or "").split(",") if n.strip()))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int, public_url: str | None) -> str:
    """Where a coder's browser reaches the server: ``--public-url``, else this host and port."""
    if public_url:
        return public_url.rstrip("/") + "/"
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def link(base: str, token: str) -> str:
    return f"{base}?token={token}"


def tls_advice(host: str, port: int) -> str:
    return (
        f"warning: listening on {host}, not only on this machine, over plain HTTP: links (with "
        "their tokens) and keystrokes cross the network unencrypted. Put TLS in front:\n"
        f"  - SSH tunnel: keep the default --host 127.0.0.1; each coder runs "
        f"`ssh -N -L {port}:127.0.0.1:{port} USER@THIS-SERVER` and opens the link with "
        f"http://127.0.0.1:{port}/;\n"
        f"  - reverse proxy with HTTPS (Caddy, nginx) forwarding to 127.0.0.1:{port}, websockets "
        "included; pass --public-url https://YOUR-HOST/ so the links use it.\n"
        "  See docs/serve.md."
    )


@click.command("serve")
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Address to listen on (anything but localhost: put TLS in front, see docs/serve.md).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--scheme", "scheme_name", help="Scheme name (needed when several are stored).")
@click.option(
    "--annotators", "annotators",
    help="Coders to give a link, comma-separated (default: everyone with a campaign assignment).",
)
@click.option("--reviewers", help="Leads to give a link to the review screen, comma-separated.")
@click.option(
    "--public-url",
    help="The address coders use (e.g. https://annotate.lab.example/ behind a reverse proxy), "
    "for the links printed.",
)
@friendly_errors
def serve_cmd(
    db_path: str,
    host: str,
    port: int,
    scheme_name: str | None,
    annotators: str | None,
    reviewers: str | None,
    public_url: str | None,
) -> None:
    """Serve the annotation screen to browsers: one link (with an access token) per coder.

    Each browser session runs `annotator annotate` as the link's annotator on this database, as
    its own process, with the same keys and the same durability as in a terminal. Links stay
    valid across restarts until revoked (`annotator tokens revoke NAME`); a coder who already
    has a valid link gets no new one (`annotator tokens new NAME` replaces it).
    """
    try:
        from annotator.tui.serve import AnnotatorServer, ServeConfig
    except ImportError:
        click.echo(SERVE_HINT, err=True)
        raise SystemExit(2) from None
    import os

    store = open_store(db_path, create=False)
    scheme_name = store.schemes.load(scheme_name)[1].name  # one scheme, or --scheme names it
    if store.corpus.count_sentences() == 0:
        raise click.ClickException(
            f"{db_path}: no documents yet; run `annotator import FILE...` first"
        )
    names = _names(annotators)
    if not names:
        names = store.tokens.assigned_annotators() or []
    leads = _names(reviewers)
    already = {(t.annotator, t.role): t for t in store.tokens.rows()}
    if not names and not leads:
        if not already:
            raise click.ClickException(
                "nobody to serve: name the coders with --annotators a,b (this database has no "
                "campaign assignments and no access tokens)"
            )
        names = sorted({a for a, role in already if role == "annotate"})
        leads = sorted({a for a, role in already if role == "review"})
    base = base_url(host, port, public_url)
    for role, people in (("annotate", names), ("review", leads)):
        for name in people:
            known = already.get((name, role))
            what = "review screen" if role == "review" else "annotation screen"
            if known is not None:
                renew = f"annotator tokens new {name}" + (" --review" if role == "review" else "")
                click.echo(
                    f"{name} ({what}): link issued {_minute(known.created_at)} UTC still valid "
                    f"(`{renew}` replaces it)"
                )
                continue
            token = store.tokens.issue(name, role, replace=False)
            click.echo(f"{name} ({what}): {link(base, token)}")
    store.close()
    if not _is_loopback(host):
        click.echo(tls_advice(host, port), err=True)
    click.echo(f"serving {db_path} on http://{host}:{port}/ (Ctrl+C stops; sessions end)")
    server = AnnotatorServer(
        ServeConfig(db_path=os.path.abspath(db_path), scheme=scheme_name), host=host, port=port
    )
    try:
        server.serve()
    except OSError as exc:
        reason = exc.strerror or exc
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None


@click.group("tokens")
def tokens_group() -> None:
    """List, revoke and renew the access tokens of `annotator serve`."""


@tokens_group.command("list")
@db_option
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@friendly_errors
def tokens_list(db_path: str, include_revoked: bool) -> None:
    """Who has a link: annotator, screen, when issued and last used (the tokens are not stored,
    only their hashes: a lost link is replaced with `annotator tokens new NAME`)."""
    store = open_store(db_path, create=False)
    rows = store.tokens.rows(include_revoked=include_revoked)
    if not rows:
        click.echo("no access tokens (`annotator serve --annotators a,b` issues them)")
        return
    table: list[tuple[Any, ...]] = [("annotator", "screen", "issued", "last used", "revoked")]
    for r in rows:
        table.append(
            (r.annotator, r.role, _minute(r.created_at), _minute(r.last_used_at) or "never",
             _minute(r.revoked_at) or "-")
        )
    if not include_revoked:
        table = [row[:4] for row in table]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@tokens_group.command("revoke")
@db_option
@click.argument("name")
@click.option("--role", type=click.Choice(["annotate", "review"]),
              help="Revoke only this screen's link (default: all of NAME's links).")
@friendly_errors
def tokens_revoke(db_path: str, name: str, role: str | None) -> None:
    """Revoke NAME's links: they open nothing any more, and a running session closes within a
    few seconds (what was labelled stays)."""
    store = open_store(db_path, create=False)
    n = store.tokens.revoke(name, role)
    if n == 0:
        raise click.ClickException(f"{name} has no valid access token")
    click.echo(f"revoked {n} token(s) of {name}")


@tokens_group.command("new")
@db_option
@click.argument("name")
@click.option("--review", is_flag=True, help="A link to the review screen (for a lead).")
@click.option(
    "--url", "url", default="http://127.0.0.1:8000/", show_default=True,
    help="The server's address as coders reach it, for the link printed.",
)
@friendly_errors
def tokens_new(db_path: str, name: str, review: bool, url: str) -> None:
    """Give NAME a new link (its earlier link for the same screen stops working)."""
    store = open_store(db_path, create=False)
    token = store.tokens.issue(name, "review" if review else "annotate")
    click.echo(link(base_url("", 0, url), token))


def _minute(ts: str | None) -> str:
    return ts[:16].replace("T", " ") if ts else ""
