"""What every command shares: ``--db``, one-line errors instead of tracebacks, the store, the
default annotator name."""

from __future__ import annotations

import functools
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

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
