"""Shared fixtures: real SQLite files in temporary directories, never mocks.

Also the CI guard: CI installs every optional extra and tool (.ci/run) so that every test runs
there; when the environment variable ``CI`` is set, a skipped test therefore fails the run, with
the list of skipped tests and their reasons, instead of passing silently. Locally (no ``CI``)
skips are only listed (``-ra``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "annotations.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def export_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The annotated fixture database of tests/export_fixture.py, built once per module."""
    from tests.export_fixture import build_template

    return build_template(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def filled(export_template: Path, tmp_path: Path) -> Store:
    """A writable copy of the annotated fixture database."""
    from tests.export_fixture import copy_db

    return copy_db(export_template, tmp_path / "fixture.db")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own settings out of tests."""
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    monkeypatch.delenv("ANNOTATOR_KEYMAP", raising=False)
    monkeypatch.setenv("ANNOTATOR_NAME", "tester")
    monkeypatch.setenv("COLUMNS", "100")  # `report` fits its tables to the terminal's width


# ------------------------------------------------------------------ CI: no silent skip
_SKIPPED: list[tuple[str, str]] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        return f"{reason} ({path}:{line})"
    return str(longrepr)


def _record(report: pytest.CollectReport | pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and _in_ci():
        _SKIPPED.append((report.nodeid, _skip_reason(report)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _record(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _record(report)  # a whole module skipped (importorskip or skip at module level)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SKIPPED:
        return
    terminalreporter.section("skipped tests fail the run in CI", sep="=", red=True, bold=True)
    terminalreporter.line(
        f"CI={os.environ.get('CI')}: every test must run here (.ci/run installs every extra and "
        f"tool), but {len(_SKIPPED)} test(s) skipped:",
        red=True,
    )
    for nodeid, reason in _SKIPPED:
        terminalreporter.line(f"  {nodeid}: {reason}")
