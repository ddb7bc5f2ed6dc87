"""What every command shares: ``--db``, one-line errors instead of tracebacks, the store, the
default annotator name."""

from __future__ import annotations

import functools
import getpass
import io
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

import click
from click.core import ParameterSource

from annotator.core.untrusted import escape

F = TypeVar("F", bound=Callable[..., Any])


class SafeOutput(io.TextIOBase):
    """A text stream that writes unsafe characters (annotator.core.untrusted) as ``\\uXXXX``:
    every command prints titles, names and labels that came from files, and none of them may
    drive the terminal (set its title or clipboard, move the cursor, reverse the text).

    Installed as ``sys.stdout`` and ``sys.stderr`` for the duration of a command (see
    :func:`safe_output`), so every ``click.echo`` of every command goes through it. Output that
    is the tool's own terminal control (a progress bar) uses :func:`raw_stderr`."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, s: str) -> int:
        if not isinstance(s, str):  # click probes text streams with b"": not a binary stream
            raise TypeError("SafeOutput writes text")
        text = escape(s)
        try:
            self.raw.write(text)
        except UnicodeEncodeError:  # a terminal configured as ASCII: "?" rather than a crash
            self.raw.write(text.encode(self.encoding, "replace").decode(self.encoding))
        return len(s)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)


def safe_output() -> Callable[[], None]:
    """Route ``sys.stdout``/``sys.stderr`` through :class:`SafeOutput`; returns the function
    that puts the previous streams back."""
    before = sys.stdout, sys.stderr
    if sys.stdout is not None and not isinstance(sys.stdout, SafeOutput):
        sys.stdout = SafeOutput(sys.stdout)
    if sys.stderr is not None and not isinstance(sys.stderr, SafeOutput):
        sys.stderr = SafeOutput(sys.stderr)

    def restore() -> None:
        sys.stdout, sys.stderr = before

    return restore


def raw_stderr() -> TextIO:
    """The real standard error, for the tool's own terminal control (progress bars)."""
    err = sys.stderr
    return err.raw if isinstance(err, SafeOutput) else err


GLOBAL_DB = "annotator.global_db"  # ctx.meta key: the --db given before the command


def remember_global_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``annotator --db PATH COMMAND``: keep PATH for the command's own ``--db`` (see
    :func:`db_option`); ``ctx.meta`` is shared by the group's and the command's contexts."""
    if value is not None:
        ctx.meta[GLOBAL_DB] = value


def _same_file(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _resolve_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The database of a command: ``--db`` after the command, else ``--db`` before it, else
    ``$ANNOTATOR_DB``, else the default. Given both before and after the command with two
    different files, it is a usage error rather than a silent pick: writing labels into the
    wrong database is worse than retyping a command."""
    before = ctx.meta.get(GLOBAL_DB)
    if before is None:
        return value
    if ctx.get_parameter_source(param.name or "db_path") is ParameterSource.COMMANDLINE:
        if not _same_file(value, before):
            raise click.UsageError(
                f"--db given twice with different files: {before} (before the command) and "
                f"{value} (after it); give one"
            )
        return value
    return str(before)


def db_option(f: F) -> F:
    """The ``--db`` option shared by every command; ``annotator --db PATH COMMAND`` (the
    group's option) fills it too."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False),
        envvar="ANNOTATOR_DB",
        default="annotations.db",
        show_default=True,
        callback=_resolve_db,
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


def open_store(db_path: str, *, create: bool = True, readonly: bool = False) -> Any:
    """The database of a command; ``readonly`` for commands that only read (they then work on
    read-only media and never migrate or lock the file)."""
    from annotator.store import Store

    return Store.open(db_path, create=create, readonly=readonly)


def default_annotator() -> str:
    """``$ANNOTATOR_NAME``, else the OS user name."""
    name = os.environ.get("ANNOTATOR_NAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "annotator"
