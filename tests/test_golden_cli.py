"""The command line is a public interface: its help, text and JSON output must not move by accident.

People script against ``annotator``: shell scripts and notebooks parse ``status --json`` and
``agree --json``, grep ``status``/``agree``/``report`` text, and the README and tutorials quote the
``--help`` pages. So whatever the code behind the commands becomes (a cli/ package, services,
renderers ...), the same invocation must print the same thing. Goldens under ``tests/golden/``:

* ``cli_help/<command path>.txt`` (e.g. ``annotator.scheme.add.txt``): ``--help`` of EVERY
  command and subcommand, found by walking the click group that ``[project.scripts]`` runs
  (``annotator.cli:main`` today; read from pyproject.toml), at a fixed width of 100 columns. A
  command that disappears fails too (its golden file is left over).
* ``cli_json/<case>.json``: every command that has a ``--json`` option, run on deterministic
  fixture databases; compared as parsed JSON (key order free, floats to 1e-9 relative, types
  exact). A new ``--json`` command without a case here fails.
* ``cli_text/<case>.txt``: the text output of ``status``, ``agree`` (also ``--table``),
  ``report``, ``demo`` and ``--version``, byte for byte; ``cli_text/agree-presse.csv``: ``agree
  --csv``, cell by cell (full-precision numbers to 1e-9 relative, as the JSON).

Fixtures, built once per run in a temporary directory and addressed by RELATIVE paths (the
commands run with that directory as working directory, so no temporary path is printed):

* ``presse.db``: tests/export_fixture.py (3 annotators, all three levels, a removed annotation,
  an adjudication; uids and clock times fixed by its ``fix_clock``);
* ``framing.db``: tests/framing_fixture.py (2 annotators, 2 outlets; numbers hand-checked in
  tests/test_report.py);
* ``demo.db``: ``annotator demo --no-tui`` (bundled corpus and default scheme, no annotation);
* ``campaign.db``: a copy of ``presse.db`` with a campaign (``annotator assign`` of alice, bruno
  and chloe, two per document, one shared document, seed 0);
* ``example_c.csv``: Krippendorff's (2011) example C for ``agree --table``.

Normalised before comparing (tests/golden_helpers.py ``normalise``), because they vary from run to
run of the same code: the temporary directory, the report's "generated at" clock time, clock
timestamps and random uids. Nothing else: counts, agreement values, seconds and bootstrap
intervals (seeded: ``--seed`` defaults to 0) are compared as they are.

Regenerate after an intended change, then review ``git diff tests/golden``:

    UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden_cli.py
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from tests.golden_helpers import (
    GOLDEN,
    check_csv,
    check_json,
    check_text,
    normalise,
    updating,
)

HELP_DIR = GOLDEN / "cli_help"
JSON_DIR = GOLDEN / "cli_json"
TEXT_DIR = GOLDEN / "cli_text"
WIDTH = 100


def entry_point() -> click.Command:
    """The object the installed `annotator` script runs, read from pyproject's [project.scripts]
    (so the goldens follow it if the CLI moves into a package)."""
    pyproject = tomllib.loads((GOLDEN.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, attr = pyproject["project"]["scripts"]["annotator"].partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    assert isinstance(obj, click.Command), obj
    return obj


main = entry_point()


def invoke(args: list[str], cwd: Path) -> Result:
    """Run ``annotator ARGS`` in ``cwd`` as the installed script would, 100 columns wide."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(
            main,
            args,
            prog_name="annotator",
            terminal_width=WIDTH,
            env={"COLUMNS": str(WIDTH), "ANNOTATOR_DB": None, "ANNOTATOR_KEYMAP": None,
                 "ANNOTATOR_NAME": "tester", "NO_COLOR": "1"},
            catch_exceptions=False,
        )


def ok_stdout(result: Result, args: list[str], cwd: Path) -> str:
    assert result.exit_code == 0, f"annotator {' '.join(args)}: exit {result.exit_code}\n" + (
        result.stderr
    )
    assert result.stderr == "", f"annotator {' '.join(args)} wrote to stderr:\n{result.stderr}"
    return normalise(result.stdout, cwd)


# ----------------------------------------------------------------------------- the command tree
def walk(cmd: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                          click.Command]]:
    """Every command and subcommand (through list_commands/get_command, so lazy groups work)."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name="annotator")
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None, name
            yield from walk(sub, (*path, name))


COMMANDS = dict(walk(main))


def help_file(path: tuple[str, ...]) -> Path:
    return HELP_DIR / (".".join(("annotator", *path)) + ".txt")


def test_entry_point_is_a_group_of_commands() -> None:
    assert isinstance(main, click.Group)
    assert len(COMMANDS) > 10


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "annotator")
def test_help(path: tuple[str, ...], tmp_path: Path) -> None:
    args = [*path, "--help"]
    check_text(help_file(path), ok_stdout(invoke(args, tmp_path), args, tmp_path))


def test_no_command_disappeared() -> None:
    """A golden help page without its command means a command (or subcommand) was lost."""
    expected = {help_file(p) for p in COMMANDS}
    stale = sorted(p for p in HELP_DIR.glob("*.txt") if p not in expected)
    if updating():
        for p in stale:
            p.unlink()
        return
    assert not stale, "commands gone (or renamed): " + ", ".join(p.stem for p in stale)


# ------------------------------------------------------------------------------------ fixtures
EXAMPLE_C = {  # Krippendorff (2011), example C: coders x 12 units, None = missing
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


ASSIGN = ["assign", "--db", "campaign.db", "--annotators", "alice,bruno,chloe", "--shared", "1",
          "--seed", "0"]


@dataclass
class Fixtures:
    dir: Path
    demo_first: Result
    demo_again: Result


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    from tests.export_fixture import make_db
    from tests.framing_fixture import build

    d = tmp_path_factory.mktemp("golden_cli")
    make_db(d / "presse.db").close()
    build(d / "framing.db").store.close()
    demo_first = invoke(["demo", "--no-tui", "--db", "demo.db"], d)
    shutil.copy(d / "presse.db", d / "campaign.db")
    assigned = invoke(ASSIGN, d)
    assert assigned.exit_code == 0, assigned.stderr
    demo_again = invoke(["demo", "--no-tui", "--db", "demo.db"], d)
    lines = ["unit,annotator,label"] + [
        f"u{unit},{coder},{'' if v is None else v}"
        for coder, values in EXAMPLE_C.items()
        for unit, v in enumerate(values, start=1)
    ]
    (d / "example_c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Fixtures(d, demo_first, demo_again)


# --------------------------------------------------------------------------------- JSON output
JSON_CASES: dict[str, list[str]] = {
    "status-presse": ["status", "--db", "presse.db", "--json"],
    "status-framing": ["status", "--db", "framing.db", "--json"],
    "status-demo": ["status", "--db", "demo.db", "--json"],
    "agree-presse": ["agree", "--db", "presse.db", "--json"],
    "agree-framing": ["agree", "--db", "framing.db", "--json"],
    "agree-presse-frame-alice-bruno": [
        "agree", "--db", "presse.db", "--label-set", "frame", "--annotators", "alice,bruno",
        "--json",
    ],
    "agree-table-nominal": ["agree", "--table", "example_c.csv", "--json"],
    "agree-presse-against-alice": ["agree", "--db", "presse.db", "--against", "alice", "--json"],
    "status-campaign": ["status", "--db", "campaign.db", "--json"],
    "assignments-campaign": ["assignments", "--db", "campaign.db", "--json"],
    "agree-table-ordinal-linear": [
        "agree", "--table", "example_c.csv", "--level", "ordinal", "--weights", "linear", "--json",
    ],
}


def test_every_json_command_has_a_golden() -> None:
    with_json = {
        path for path, cmd in COMMANDS.items()
        if any("--json" in p.opts for p in cmd.params)
    }
    covered = {(args[0],) for args in JSON_CASES.values()}
    assert with_json == covered, (
        f"commands with --json: {sorted(with_json)}; with a golden case: {sorted(covered)}"
    )


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_json(case: str, fx: Fixtures) -> None:
    args = JSON_CASES[case]
    out = ok_stdout(invoke(args, fx.dir), args, fx.dir)
    check_json(JSON_DIR / f"{case}.json", json.loads(out))


# --------------------------------------------------------------------------------- text output
TEXT_CASES: dict[str, list[str]] = {
    "version.txt": ["--version"],
    "status-presse.txt": ["status", "--db", "presse.db"],
    "status-framing.txt": ["status", "--db", "framing.db"],
    "status-demo.txt": ["status", "--db", "demo.db"],
    "agree-presse.txt": ["agree", "--db", "presse.db"],
    "agree-framing.txt": ["agree", "--db", "framing.db"],
    "agree-presse.csv": ["agree", "--db", "presse.db", "--csv"],
    "agree-table-nominal.txt": ["agree", "--table", "example_c.csv"],
    "report-presse.txt": ["report", "--db", "presse.db"],
    "report-framing.txt": ["report", "--db", "framing.db"],
    "report-demo.txt": ["report", "--db", "demo.db"],
    "agree-presse-against-gold.txt": ["agree", "--db", "presse.db", "--against", "gold"],
    "assign-campaign-again.txt": ASSIGN,
    "status-campaign.txt": ["status", "--db", "campaign.db"],
    "assignments-campaign.txt": ["assignments", "--db", "campaign.db"],
    "report-campaign.txt": ["report", "--db", "campaign.db"],
}


@pytest.mark.parametrize("case", list(TEXT_CASES))
def test_text(case: str, fx: Fixtures) -> None:
    args = TEXT_CASES[case]
    out = ok_stdout(invoke(args, fx.dir), args, fx.dir)
    (check_csv if case.endswith(".csv") else check_text)(TEXT_DIR / case, out)


@pytest.mark.parametrize("run", ["demo_first", "demo_again"])
def test_demo_output(run: str, fx: Fixtures) -> None:
    """`annotator demo --no-tui` loads the bundled corpus, then (again) adds nothing."""
    args = ["demo", "--no-tui", "--db", "demo.db"]
    check_text(TEXT_DIR / f"demo-{run.split('_')[1]}.txt",
               ok_stdout(getattr(fx, run), args, fx.dir))


def test_no_stale_output_goldens() -> None:
    """Every JSON and text golden belongs to a case above (a forgotten one would test nothing)."""
    expected = {JSON_DIR / f"{c}.json" for c in JSON_CASES} | {TEXT_DIR / c for c in TEXT_CASES}
    expected |= {TEXT_DIR / "demo-first.txt", TEXT_DIR / "demo-again.txt"}
    present = set(JSON_DIR.glob("*")) | set(TEXT_DIR.glob("*"))
    stale = sorted(present - expected)
    if updating():
        for p in stale:
            p.unlink()
        return
    assert not stale, "golden files without a test case: " + ", ".join(map(str, stale))
