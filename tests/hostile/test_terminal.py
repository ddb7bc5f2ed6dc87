"""Issue 12, item 1: control characters in the data never reach a terminal.

An article, a title, a source or a name holding ``ESC ] 52`` (set the clipboard), ``ESC ] 0``
(set the window title), a carriage return or a bidi override (U+202E) is shown as visible
escapes on every screen and in everything a command prints; the stored text stays exactly as
imported (offsets). The real terminal test runs the annotation screen in tmux and checks that
tmux's clipboard and window title were not touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.core.untrusted import UNSAFE, clean_field, escape, name_problem, visible
from annotator.store import Store
from tests.framing_fixture import build

OSC52 = "\x1b]52;c;SEFDS0VE\x1b\\"  # "HACKED" into the clipboard
OSC0 = "\x1b]0;PWNED-TITLE\x07"
RLO = "\u202e"
NASTY = f"{OSC0}{OSC52}\r\x9b2J{RLO}"


def unsafe_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in UNSAFE.findall(text)})


# ----------------------------------------------------------------------------- the policy
def test_visible_keeps_offsets_and_escape_keeps_json() -> None:
    text = f"a{NASTY}b\tc\nd"
    shown = visible(text)
    assert len(shown) == len(text) and unsafe_in(shown) == []
    assert shown.startswith("a␛]0;PWNED-TITLE␇") and "\tc\nd" in shown
    printed = escape(text)
    assert unsafe_in(printed) == [] and "\\u001b]52;c;" in printed
    # inside a JSON string, the escape is the same character: the data survives
    assert json.loads(f'"{escape(json.dumps(text, ensure_ascii=False)[1:-1])}"') == text
    assert clean_field(f" Titre {OSC0}\tdu\njour ") == "Titre ]0;PWNED-TITLE du jour"
    assert name_problem("alice") is None
    for bad in ("", "  ", "a\tb", "a\nb", f"al{RLO}ice", "a\x1b", " alice", 5):
        assert name_problem(bad) is not None, bad


# ----------------------------------------------------------------------------- commands
@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """The report fixture as an older database would hold it: names, titles, sources and a
    sentence with terminal controls (stored before this policy, so through SQL)."""
    path = tmp_path / "hostile.db"
    f = build(path)
    db = f.store.db
    db.execute("UPDATE annotators SET name = ? WHERE id = ?", [f"alice{OSC0}", f.alice])
    db.execute("UPDATE annotators SET name = ? WHERE id = ?", [f"bob{RLO}{OSC52}", f.bob])
    db.execute("UPDATE documents SET title = ?, source = ?", [f"Titre{NASTY}", f"Source{OSC52}"])
    db.execute("UPDATE annotations SET note = ?", [f"note{NASTY}"])
    f.store.close()
    return path


COMMANDS = [
    ["status"], ["status", "--json"], ["agree"], ["agree", "--json"], ["agree", "--csv"],
    ["report"], ["report", "--top", "50"], ["doctor"], ["scheme", "list"],
    ["export", "--format", "jsonl", "--out", "-"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_commands_print_no_control_character(hostile_db: Path, args: list[str],
                                             tmp_path: Path) -> None:
    if args[0] == "export":
        args = [*args[:-1], str(tmp_path / "out.jsonl")]
    res = CliRunner().invoke(cli, [*args, "--db", str(hostile_db)])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    out = res.stdout + res.stderr
    assert unsafe_in(out) == [], (args, out[:2000])
    if args == ["status", "--json"]:  # JSON keeps the data: \u escapes of the same characters
        names = {a["annotator"] for a in json.loads(res.stdout)["annotators"]}
        assert names == {f"alice{OSC0}", f"bob{RLO}{OSC52}"}
    if args[0] == "agree" and "--json" not in args:
        assert "alice\\u001b]0;PWNED-TITLE\\u0007" in out, out[:2000]


def test_html_report_has_no_control_character(hostile_db: Path, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    res = CliRunner().invoke(cli, ["report", "--db", str(hostile_db), "--html", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text("utf-8")
    assert unsafe_in(html) == [] and "alice\\u001b]0;PWNED-TITLE\\u0007" in html


def test_errors_print_no_control_character(tmp_path: Path) -> None:
    bad = tmp_path / f"nope{OSC0}.txt"
    res = CliRunner().invoke(cli, ["import", str(bad), "--db", str(tmp_path / "a.db")])
    assert res.exit_code == 1 and unsafe_in(res.stderr) == []
    assert "\\u001b]0;PWNED-TITLE\\u0007" in res.stderr
    res = CliRunner().invoke(cli, ["annotate", "--db", str(tmp_path / "a.db"),
                                   "--annotator", f"eve{OSC52}"])
    assert res.exit_code != 0 and unsafe_in(res.output) == []


def test_import_keeps_text_and_cleans_metadata(tmp_path: Path) -> None:
    text = f"Titre {OSC0}\n\nLe ministre {OSC52} a parlé. Phrase {RLO}inversée.\n"
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"text": text, "title": f"T{NASTY}", "source": f"S\t{OSC0}",
                               "id": f"x{RLO}1"}) + "\n" + json.dumps({"text": text + "2"})
                   + "\n", encoding="utf-8")
    db = tmp_path / "a.db"
    res = CliRunner().invoke(cli, ["import", str(src), "--db", str(db)])
    assert res.exit_code == 0, res.output
    with Store.open(db) as s:
        d1, d2 = (s.corpus.document(i) for i in s.corpus.document_ids())
        assert d1 is not None and d2 is not None
        assert d1["text"] == text  # exactly as imported: offsets index into it
        # controls dropped, the carriage return a space
        assert d1["title"] == "T]0;PWNED-TITLE]52;c;SEFDS0VE\\ 2J"
        assert (d1["source"], d1["external_id"]) == ("S ]0;PWNED-TITLE", "x1")
        assert d2["title"] == "Titre ]0;PWNED-TITLE"  # the first line, cleaned
        for sent in s.corpus.sentences(int(d1["id"])):
            assert sent["text"] == text[sent["start"]:sent["end"]]


def test_scheme_check_refuses_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "s.yaml"
    src.write_text('name: x\nversion: 1\nlabel_sets:\n  - name: frame\n    level: sentence\n'
                   '    labels:\n      - "A\\e]0;pwn\\a"\n      - name: B\n'
                   '        description: "bidi \\u202e"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["scheme", "check", str(src)])
    assert res.exit_code == 2
    assert "U+001B" in res.stderr and "U+202E" in res.stderr and unsafe_in(res.stderr) == []


# ----------------------------------------------------------------------------- screens (Pilot)
def _screen_text(app: object) -> str:
    """Everything the terminal is sent for the current screen: the text of every line of
    every visible widget, as rendered."""
    from textual.app import App

    assert isinstance(app, App)
    chunks = []
    for screen in app.screen_stack:
        for widget in screen.walk_children(with_self=True):
            if not widget.display or not widget.size.area:
                continue
            for y in range(widget.size.height):
                strip = widget.render_line(y)
                chunks.append("".join(seg.text for seg in strip))
    return "\n".join(chunks)


async def test_every_screen_shows_escapes(hostile_db: Path) -> None:
    from annotator.tui.app import make_app
    from annotator.tui.review import make_review_app

    app = make_app(hostile_db, None, "carol")
    async with app.run_test(size=(120, 40)) as pilot:
        seen = []
        for keys in ([], ["j"], ["g"], ["escape", "c"], ["escape", "d"], ["escape", "slash"],
                     ["f", "r", "a", "t", "e", "r", "n", "enter"], ["escape", "question_mark"],
                     ["escape", "v", "space"], ["escape", "escape"]):
            for k in keys:
                await pilot.press(k)
            await pilot.pause()
            text = _screen_text(app)
            assert unsafe_in(text) == [], (keys, text[:3000])
            seen.append(text)
        assert any("Titre␛]0;PWNED-TITLE␇" in t for t in seen), seen[0][:2000]
    store = Store.open(hostile_db)
    _, scheme = store.schemes.load(None)
    review = make_review_app(store, scheme, "judge", background=False)
    async with review.run_test(size=(120, 40)) as pilot:
        texts = []
        for keys in ([], ["n"], ["n"], ["u"], ["e"]):
            for k in keys:
                await pilot.press(k)
            await pilot.pause()
            text = _screen_text(review)
            assert unsafe_in(text) == [], (keys, text[:3000])
            texts.append(text)
        assert any("␛]0;PWNED-TITLE␇" in t for t in texts), texts[0][:2000]
    store.close()


# ----------------------------------------------------------------------------- a real terminal
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_terminal_clipboard_and_title_untouched(tmp_path: Path) -> None:
    """tmux with its clipboard and title features on: the article's OSC 52 and OSC 0 would set
    them. After the screen showed the article (and its search results), neither changed."""
    text = (f"Titre {OSC0} piège\n\nLe ministre {OSC52} a parlé. Deuxième phrase {RLO}à "
            f"l'envers.\r Troisième {OSC52} phrase.\n")
    src = tmp_path / "hostile.jsonl"
    src.write_text(json.dumps({"text": text, "title": f"Titre {OSC0}",
                               "source": f"S{OSC52}"}) + "\n", encoding="utf-8")
    db = tmp_path / "a.db"
    res = CliRunner().invoke(cli, ["import", str(src), "--db", str(db)])
    assert res.exit_code == 0, res.output
    sock = f"annotator-osc-{tmp_path.name}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=False).stdout

    try:
        tmux("new-session", "-d", "-s", "keep", "sleep 100000")
        tmux("set-option", "-g", "set-clipboard", "on")
        tmux("set-option", "-g", "allow-rename", "on")
        tmux("set-option", "-g", "set-titles", "on")
        cmd = (f"cd {tmp_path} && exec env PYTHONPATH={Path.cwd()} ANNOTATOR_NAME=alice "
               f"TERM=xterm-256color {sys.executable} -m annotator annotate --db {db}")
        tmux("new-session", "-d", "-s", "ann", "-x", "100", "-y", "36", cmd)
        title_before = tmux("display-message", "-p", "-t", "ann", "#{pane_title}")

        def screen() -> str:
            return tmux("capture-pane", "-p", "-t", "ann")

        deadline = time.monotonic() + 30
        while "doc 1/1" not in screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        shown = screen()
        for keys in (["Right"], ["Right"], ["/"], ["-l", "phrase"], ["Enter"]):
            tmux("send-keys", "-t", "ann", *keys)
            time.sleep(0.6)
        shown += screen()
        title = tmux("display-message", "-p", "-t", "ann", "#{pane_title}|#{window_name}")
        assert "PWNED" not in title and title.split("|")[0] == title_before.strip(), title
        assert tmux("list-buffers") == "", "the article wrote to the tmux clipboard"
        assert "␛]0;PWNED-TITLE␇" in shown and "␛]52;c;SEFDS0VE␛\\" in shown, shown
        tmux("send-keys", "-t", "ann", "Escape")
        time.sleep(0.3)
        tmux("send-keys", "-t", "ann", "q")
    finally:
        tmux("kill-server")
