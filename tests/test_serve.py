"""`annotator serve`: the annotation screen in a real headless Chromium, behind access tokens.

The server runs as a real subprocess on a free localhost port, over a real database file; the
browser is Debian's chromium driven by chromedriver (selenium). What the page shows is read from
the websocket frames the browser received (the terminal draws on a canvas: no DOM text), so a
label is looked up in the database only once the browser has been sent the screen showing it:
that is the durability claim (a label shown is on disk), checked from the outside.

The offline claim: the browser resolves no host name but the server's address, and every
request the page makes goes to the server, none fails, and the Roboto Mono font is loaded from
it (textual-serve's own page fetches the font's stylesheet from Google Fonts).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from annotator.core.scheme import parse_scheme
from annotator.store import Store
from tests.tui.conftest import DOCS, SCHEME_YAML, make_doc

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
LINK = re.compile(r"^(\S+) \((annotation|review) screen\): (http\S+)$")

needs_serve = pytest.mark.skipif(
    not (find_spec("textual_serve") and find_spec("selenium") and CHROMIUM and CHROMEDRIVER),
    reason="needs the serve extra, selenium (test extra) and Debian's chromium + chromium-driver",
)


# ------------------------------------------------------------------ fixtures
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    out["COLUMNS"] = "100"
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True, text=True, env=env(), timeout=60, check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "campaign.db"
    with Store.open(path) as s:
        s.schemes.add(parse_scheme(SCHEME_YAML, "tui-test.yaml"))
        s.corpus.add_documents([make_doc(d) for d in DOCS])
    return path


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    db: Path
    links: dict[str, str]
    output: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def children(self) -> list[int]:
        """Processes the server has spawned (browser sessions' screens)."""
        pid = self.proc.pid
        out: list[int] = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(c) for c in (task / "children").read_text().split()]
        return out


@contextlib.contextmanager
def serve(db: Path, *args: str) -> Iterator[Served]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotator", "serve", "--db", str(db), "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(),
    )
    served = Served(proc, port, db, {})
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the links come first, then "serving ..."
            served.output.append(line.rstrip("\n"))
            if m := LINK.match(line.strip()):
                served.links[m[1]] = m[3]
            if line.startswith("serving "):
                break
        else:
            pytest.fail("annotator serve exited:\n" + "\n".join(served.output))
        stdout = proc.stdout
        threading.Thread(  # keep reading the log, so that the pipe never fills up
            target=lambda: served.output.extend(line.rstrip("\n") for line in stdout),
            daemon=True,
        ).start()
        deadline = time.monotonic() + 15
        while True:  # listening?
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert time.monotonic() < deadline, "\n".join(served.output)
            time.sleep(0.05)
        yield served
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return int(exc.code), dict(exc.headers)


def get(url: str, headers: dict[str, str] | None = None) -> int:
    return fetch(url, headers)[0]


WEBSOCKET_UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


# ------------------------------------------------------------------ the browser
class Browser:
    """One headless Chromium (its own profile) on one link; reads what the screen was sent."""

    def __init__(self, url: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM or ""
        for arg in (
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
            "--window-size=1280,900",
            # offline: no host name resolves (the server is reached by its IP address)
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER or ""), options=options)
        self.received = b""
        self.requests: list[str] = []
        self.failed: list[dict[str, Any]] = []
        self.driver.get(url)

    def _drain(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message["params"]
            if method == "Network.webSocketFrameReceived" and params["response"]["opcode"] == 2:
                self.received += base64.b64decode(params["response"]["payloadData"])
            elif method == "Network.requestWillBeSent":
                self.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                self.failed.append(params)

    def screen_text(self) -> str:
        """Everything the terminal was sent, without escape sequences."""
        self._drain()
        text = self.received.decode("utf-8", "replace")
        return re.sub(r"\x1b(\[[0-9;?$]*[a-zA-Z]|\][^\x07]*\x07)", "", text)

    def wait_for(self, what: str | Callable[[str], bool], timeout: float = 20) -> None:
        check = what if callable(what) else (lambda text: what in text)
        deadline = time.monotonic() + timeout
        while not check(self.screen_text()):
            if time.monotonic() > deadline:
                tail = self.screen_text()[-3000:]
                raise AssertionError(f"the screen never showed {what!r}; it showed:\n{tail}")
            time.sleep(0.05)

    def press(self, *keys: str) -> None:
        """Type into the terminal (its hidden textarea has the keyboard focus)."""
        from selenium.webdriver.common.by import By

        area = self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for key in keys:
            area.send_keys(key)

    def body_classes(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").get_attribute("class") or ""

    def close(self) -> None:
        self.driver.quit()


@contextlib.contextmanager
def browsers(*urls: str) -> Iterator[list[Browser]]:
    opened: list[Browser] = []
    try:
        for url in urls:
            opened.append(Browser(url))
        yield opened
    finally:
        for b in opened:
            b.close()


def view(db: Path, annotator: str) -> list[tuple[Any, ...]]:
    with Store.open(db) as s:
        return [
            tuple(r.values())
            for r in s.db.query(
                'SELECT label_set, label, level, sentence_id, start, "end" FROM annotation_view '
                "WHERE annotator = ? ORDER BY level, label",
                [annotator],
            )
        ]


# ------------------------------------------------------------------ tests
@needs_serve
def test_requests_without_a_valid_token_are_refused_and_spawn_nothing(corpus: Path) -> None:
    with serve(corpus, "--annotators", "alice,bob") as served:
        assert set(served.links) == {"alice", "bob"}
        alice = token_of(served.links["alice"])
        assert get(served.origin + "/") == 403
        assert get(served.origin + "/?token=nope") == 403
        assert get(f"{served.origin}/?token={alice[:-1]}") == 403
        assert get(served.origin + "/ws/nope?width=80&height=24", WEBSOCKET_UPGRADE) == 403
        assert get(served.origin + "/ws/?width=80", WEBSOCKET_UPGRADE) in (403, 404)
        # a revoked token opens nothing either
        assert run_cli("tokens", "revoke", "bob", "--db", str(corpus)).returncode == 0
        bob = token_of(served.links["bob"])
        assert get(f"{served.origin}/?token={bob}") == 403
        assert get(f"{served.origin}/ws/{bob}", WEBSOCKET_UPGRADE) == 403
        assert served.children() == []
        # the valid one gets the page (nothing from elsewhere, no referrer, no framing), and
        # the page its assets, without a token; still nothing spawned before the websocket
        status, headers = fetch(f"{served.origin}/?token={alice}")
        assert status == 200
        assert headers["Content-Security-Policy"].startswith("default-src 'self';")
        assert (headers["Referrer-Policy"], headers["X-Frame-Options"]) == ("no-referrer", "DENY")
        assert get(served.origin + "/static/js/textual.js") == 200
        assert served.children() == []
    log = [line for line in served.output if not LINK.match(line)]
    assert log and not any(alice in line for line in log)  # the server does not log tokens


@needs_serve
def test_browser_labels_frame_and_span_under_the_tokens_annotator(corpus: Path) -> None:
    with serve(corpus, "--annotators", "alice,bob") as served, browsers(
        served.links["alice"]
    ) as [page]:
        page.wait_for("sentence 1/")  # the screen is drawn and reads keys
        with Store.open(corpus) as s:
            first = s.corpus.first_sentence()
        page.press("1")
        page.wait_for("✓Security_and_defense")
        # shown in the browser, so on disk, under the link's annotator
        assert view(corpus, "alice") == [("frame", "Security_and_defense", "sentence", first,
                                          None, None)]
        page.press("v", "l")  # select the first word ("Le"), label it Loaded_Language
        page.wait_for(lambda text: re.search(r"Loaded_Language\s*«Le»", text) is not None)
        got = view(corpus, "alice")
        assert ("technique", "Loaded_Language", "span", first, 0, 2) in got
        assert view(corpus, "bob") == []
        assert len(served.children()) == 1

        # offline: everything came from the server; nothing failed; the font is its copy
        page._drain()
        assert page.requests and all(u.startswith(served.origin) for u in page.requests), (
            page.requests
        )
        assert page.failed == []
        fonts = page.driver.execute_script(
            "return [...document.fonts].filter(f => f.status == 'loaded').map(f => f.family)"
        )
        assert any("Roboto Mono" in f for f in fonts), fonts

        # a server killed outright (kill -9, the OOM killer) takes its screens with it
        if shutil.which("setpriv"):
            [screen] = served.children()
            served.proc.kill()
            served.proc.wait(timeout=10)
            deadline = time.monotonic() + 10
            while Path(f"/proc/{screen}").exists() and not _zombie(screen):
                assert time.monotonic() < deadline, "the screen outlived its server"
                time.sleep(0.1)
    assert ("technique", "Loaded_Language", "span", first, 0, 2) in view(corpus, "alice")


def _zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True


@needs_serve
def test_two_browsers_with_different_tokens_write_under_their_own_names(corpus: Path) -> None:
    with serve(corpus, "--annotators", "alice,bob") as served, browsers(
        served.links["alice"], served.links["bob"]
    ) as [alice, bob]:
        alice.wait_for("sentence 1/")
        bob.wait_for("sentence 1/")
        assert len(served.children()) == 2
        alice.press("1")
        bob.press("j", "2")
        alice.wait_for("✓Security_and_defense")
        bob.wait_for("✓Economic")
        with Store.open(corpus) as s:
            first = s.corpus.first_sentence()
        assert view(corpus, "alice") == [
            ("frame", "Security_and_defense", "sentence", first, None, None)
        ]
        [(label_set, label, _, sentence, _, _)] = view(corpus, "bob")
        assert (label_set, label) == ("frame", "Economic") and sentence != first

        # revoking bob closes his running session, not alice's
        assert run_cli("tokens", "revoke", "bob", "--db", str(corpus)).returncode == 0
        deadline = time.monotonic() + 15
        while "-closed" not in bob.body_classes():
            assert time.monotonic() < deadline, "bob's session was not closed"
            time.sleep(0.1)
        assert "-closed" not in alice.body_classes()
        alice.press("2")
        alice.wait_for("✓Economic")
        assert ("frame", "Economic", "sentence", first, None, None) in view(corpus, "alice")

        # stopping the server (SIGTERM, as systemd does) ends the open session and its screen
        [screen] = served.children()
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=15) == 0
        assert not Path(f"/proc/{screen}").exists()
        deadline = time.monotonic() + 10
        while "-closed" not in alice.body_classes():
            assert time.monotonic() < deadline, "alice's page did not see the session end"
            time.sleep(0.1)


# ------------------------------------------------------------------ tokens and the command line
def test_serve_without_the_extra_says_how_to_install_it(corpus: Path) -> None:
    code = (
        "import sys; sys.modules['textual_serve'] = None\n"
        "from annotator.cli import main\n"
        f"main(['serve', '--db', {str(corpus)!r}, '--annotators', 'alice'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(),
                         timeout=60, check=False)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        'annotator serve needs the "serve" extra: pip install "annotator[serve]" '
        '(pip install ".[serve]" in a source checkout)'
    ]


def test_serve_refuses_to_start_without_anyone_to_serve(corpus: Path) -> None:
    out = run_cli("serve", "--db", str(corpus), "--port", str(free_port()))
    assert out.returncode == 1
    assert "name the coders with --annotators" in out.stderr
    with Store.open(corpus) as s:
        assert s.db.query("SELECT * FROM access_tokens") == []


def test_session_command_quotes_the_name() -> None:
    import shlex

    from annotator.store import Grant
    from annotator.tui.serve import ServeConfig, session_command

    name = "O'Brien; rm -rf ~ $(x)"
    cmd = session_command(ServeConfig("/data/my db.db", "news"), Grant(1, name, "annotate"))
    args = shlex.split(cmd)
    assert args[0] == "exec" and args[-4:] == ["--annotator", name, "--scheme", "news"]
    assert args[args.index(sys.executable):][:3] == [sys.executable, "-m", "annotator"]
    assert args[args.index("--db") + 1] == "/data/my db.db"
    review = shlex.split(session_command(ServeConfig("/d.db"), Grant(1, "lead", "review")))
    assert review[-5:] == ["review", "--db", "/d.db", "--annotator", "lead"]


@needs_serve
def test_serve_links_last_across_restarts_and_follow_assignments(corpus: Path) -> None:
    with Store.open(corpus) as s:
        carol = s.schemes.annotator_id("carol")
        if s.db.table_exists("assignments"):  # annotator assign (campaigns) is in this build
            s.db.execute(
                "INSERT INTO assignments (annotator_id, document_id, assigned_at) "
                "VALUES (?, ?, '2026-01-01')",
                [carol, s.corpus.document_ids()[0]],
            )
        else:  # a database written by a build that has it: its public view is what is read
            s.db.execute("CREATE VIEW assignment_view AS SELECT 'carol' AS annotator")
    with serve(corpus, "--reviewers", "lead") as served:
        assert set(served.links) == {"carol", "lead"}
        assert "lead (review screen): http" in "\n".join(served.output)
        with browsers(served.links["lead"]) as [page]:  # the token decides the screen too
            page.wait_for("Review · lead")
    with serve(corpus) as served:  # restart: the same links work, none is printed again
        assert served.links == {}
        assert any(line.startswith("carol (annotation screen): link issued") for line in
                   served.output)
    with serve(corpus, "--host", "0.0.0.0") as served:
        text = "\n".join(served.output)
        assert "warning: listening on 0.0.0.0" in text and "ssh -N -L" in text


@needs_serve
def test_alt_digit_counts_reach_the_screen_through_the_page(corpus: Path) -> None:
    """alt+2…9 (a count for the next word move, README "Keys") pass through the page: xterm.js
    sends them as ESC + digit (Textual reads "£" for ESC 3), which the screen takes as a count.
    A real browser may keep some for itself (Chrome and Firefox on Linux switch tabs with
    alt+1…8): docs/serve.md gives the keymap that binds the counts to other keys as well."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with serve(corpus, "--annotators", "alice") as served, browsers(
        served.links["alice"]
    ) as [page]:
        page.wait_for("sentence 1/")
        page.press("v")  # select the first word
        page.wait_for("selected «Le»")
        area = page.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        ActionChains(page.driver).key_down(Keys.ALT, area).send_keys("3").key_up(
            Keys.ALT).perform()
        page.wait_for("×3: the next")
        page.press(Keys.SHIFT + Keys.ARROW_RIGHT)
        page.wait_for(lambda text: re.search(r"selected «Le \S+ \S+ \S+»", text) is not None)
