"""The annotation screen in a browser (``annotator serve``): textual-serve behind access tokens.

textual-serve (optional extra ``serve``) runs a Textual app once per browser session: the page's
websocket makes it spawn a shell command whose stdin/stdout it relays. Its own server spawns one
fixed command for anybody who connects; this subclass adds what a campaign needs:

- **Tokens, checked before anything starts.** The page (``/?token=...``) and the websocket
  (``/ws/<token>``) are refused with 403 unless the token is valid (``store.tokens.check``); the
  process is spawned only after that, with the annotator name and screen taken from the token,
  never from the browser. A revoked token's running sessions are closed within
  ``RECHECK_SECONDS``.
- **One process per session on the shared database**, exactly ``annotator annotate`` (or
  ``annotator review`` for a lead) as in a terminal: same code, same durability (each label is
  committed before the screen shows it), several writers handled by SQLite WAL and
  ``BEGIN IMMEDIATE``.
- **Offline page.** textual-serve's page loads the Roboto Mono stylesheet from Google Fonts and
  builds absolute URLs from the server's address. Our page (``serve_page.html``) declares the
  font from the copy textual-serve ships in its ``static/fonts``, uses relative URLs only (so an
  SSH tunnel on another local port or a reverse proxy works as it is), and a Content Security
  Policy forbids any other origin.
- **Tokens out of the logs.** aiohttp's access log would print every websocket path, token
  included: it is off; sessions are logged by annotator name.

The token lookups run in one dedicated thread holding its own Store (SQLite connections are per
thread), so a long write by another process (an import) never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import html
import logging
import shlex
import shutil
import string
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from annotator.store import Grant, Store

log = logging.getLogger("annotator.serve")

T = TypeVar("T")

PAGE = Path(__file__).with_name("serve_page.html")
RECHECK_SECONDS = 5.0
MAX_SESSIONS_PER_TOKEN = 3

# Everything from this server; inline script and style (the page's own, no user data in them);
# the xterm renderer draws with WebGL/canvas and may use blob: workers.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # the page's URL holds the token
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # no framing: a framing page could read keystrokes' effects
}

REFUSED = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>annotator</title></head>
<body style="font-family: sans-serif; margin: 3em; max-width: 40em">
<h1>This link does not open the annotation screen</h1>
<p>It has no valid access token: it was mistyped, cut, or revoked. Ask the person who runs the
annotation server for your link (<code>annotator tokens new NAME</code> makes a new one).</p>
</body></html>
"""


@dataclass(frozen=True)
class ServeConfig:
    """What every session of a server opens: the database, the scheme, the screen's options."""

    db_path: str
    scheme: str | None = None


def session_command(config: ServeConfig, grant: Grant) -> str:
    """The shell command of one browser session: the same command as in a terminal, for the
    token's annotator (textual-serve runs it with ``create_subprocess_shell``, hence quoted)."""
    if grant.role == "review":
        args = ["review", "--db", config.db_path, "--annotator", grant.annotator]
    else:
        args = ["annotate", "--db", config.db_path, "--annotator", grant.annotator]
    if config.scheme:
        args += ["--scheme", config.scheme]
    # exec: the shell becomes the session's process, so stopping it stops the screen itself.
    # setpriv (Linux, util-linux): the screen gets SIGTERM when the server dies, even by
    # SIGKILL or the OOM killer; else it would wait for input that never comes, forever.
    guard = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
    return "exec " + shlex.join([*guard, sys.executable, "-m", "annotator", *args])


class AnnotatorServer(Server):
    """textual-serve's server with access tokens, an offline page and token-free logs."""

    def __init__(self, config: ServeConfig, *, host: str, port: int) -> None:
        super().__init__("annotator", host=host, port=port, title="annotator")
        self.config = config
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokens")
        self._store: Store | None = None
        self._sessions: dict[int, int] = {}  # token id -> open sessions
        self._websockets: set[web.WebSocketResponse] = set()
        self._page = string.Template(PAGE.read_text(encoding="utf-8"))

    # ------------------------------------------------------------------ tokens (db thread)
    async def _in_db_thread(self, fn: Callable[[Store], T]) -> T:
        def call() -> T:
            if self._store is None:
                self._store = Store.open(self.config.db_path, create=False)
            return fn(self._store)

        return await asyncio.get_running_loop().run_in_executor(self._db_thread, call)

    async def grant(self, token: str, *, touch: bool = False) -> Grant | None:
        return await self._in_db_thread(lambda s: s.tokens.check(token, touch=touch))

    # ------------------------------------------------------------------ aiohttp application
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[_security_headers])
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        log.info("serving %s on %s:%s", self.config.db_path, self.host, self.port)

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every browser session (each handler then stops its screen, which has
        committed every label it showed) before closing the token store."""
        for websocket in list(self._websockets):
            await websocket.close(message=b"server shutting down")

        def close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        await asyncio.get_running_loop().run_in_executor(self._db_thread, close)

    async def handle_index(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        grant = await self.grant(token)
        if grant is None:
            return web.Response(status=403, text=REFUSED, content_type="text/html")
        page = self._page.substitute(
            title=html.escape(f"annotator: {grant.annotator}"),
            font_size=_font_size(request.query.get("fontsize", "")),
            websocket_path=html.escape(f"ws/{token}"),
        )
        return web.Response(
            text=page, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        token = request.match_info["token"]
        grant = await self.grant(token, touch=True)
        if grant is None:  # before the websocket handshake: nothing is spawned
            raise web.HTTPForbidden(text="no valid access token\n")
        if self._sessions.get(grant.token_id, 0) >= MAX_SESSIONS_PER_TOKEN:
            raise web.HTTPTooManyRequests(
                text=f"{grant.annotator} has {MAX_SESSIONS_PER_TOKEN} sessions open already\n"
            )
        width = _int(request.query.get("width", ""), 80)
        height = _int(request.query.get("height", ""), 24)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        self._sessions[grant.token_id] = self._sessions.get(grant.token_id, 0) + 1
        self._websockets.add(websocket)

        async def close() -> None:
            await websocket.close()

        service = AppService(
            session_command(self.config, grant),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        watcher: asyncio.Task[None] | None = None
        log.info("%s: %s session opened", grant.annotator, grant.role)
        try:
            await service.start(width, height)
            watcher = asyncio.create_task(self._close_when_revoked(token, grant, websocket))
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as exc:  # a broken session must not take the server down
            log.exception(exc)
        finally:
            if watcher is not None:
                watcher.cancel()
            await service.stop()
            self._websockets.discard(websocket)
            self._sessions[grant.token_id] -= 1
            log.info("%s: %s session closed", grant.annotator, grant.role)
        return websocket

    async def _close_when_revoked(
        self, token: str, grant: Grant, websocket: web.WebSocketResponse
    ) -> None:
        while not websocket.closed:
            await asyncio.sleep(RECHECK_SECONDS)
            if await self.grant(token) is None:
                log.info("%s: token revoked, closing the session", grant.annotator)
                await websocket.close(message=b"access token revoked")
                return

    # ------------------------------------------------------------------ running
    def initialize_logging(self) -> None:
        """Plain lines on stderr. textual-serve's rich handler prints tracebacks with their
        local variables, which would put tokens in the log."""
        logging.basicConfig(
            level=logging.DEBUG if self.debug else logging.INFO,
            format="%(asctime)s %(message)s",
            datefmt="%Y-%m-%d %H:%M:%S",
        )

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C or SIGTERM (textual-serve's ``serve``, without its access log,
        which would print every token)."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            import signal

            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        except NotImplementedError:  # pragma: no cover - Windows
            pass
        try:
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                access_log=None,
                print=lambda *args: None,
            )
        finally:
            self._db_thread.shutdown(wait=True)


@web.middleware
async def _security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(HEADERS)
        raise
    if not response.prepared:
        response.headers.update(HEADERS)
    return response


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def _font_size(value: str) -> int:
    return min(max(_int(value, 16), 6), 48)
