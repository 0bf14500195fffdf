"""Serving the dashboard on this machine: solara's app under uvicorn, in this process."""

from __future__ import annotations

import contextlib
import hmac
import http.cookies
import ipaddress
import os
import urllib.parse
import warnings
from collections.abc import Callable
from pathlib import Path

import uvicorn

from model.config.schema import Scenario
from model.dashboard import app

APP = "model.dashboard.app"
_LOOPBACK = ("127.", "::1")  # the address uvicorn reports for a client on this machine


def uncompressed_on_loopback(app):
    """The ASGI app, with responses to this machine's own browser sent uncompressed.

    Solara gzips every response at level 9, its 2 MB of scripts and styles included, on
    every page load: for bytes that never leave the machine that is server time spent
    before the first paint, for nothing. Clients elsewhere still get compressed answers.

    Args:
        app: The ASGI application (solara's starlette app).

    Returns:
        An ASGI application.
    """

    async def serve_app(scope, receive, send):
        client = scope.get("client") or ("",)
        if scope["type"] == "http" and str(client[0]).startswith(_LOOPBACK):
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return serve_app


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this machine only (127.0.0.1, ::1, localhost)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int, token: str | None) -> str | None:
    """The warning a server reachable from other machines prints, or None on the loopback."""
    if is_loopback(host):
        return None
    who = (
        "only with the token (add ?token=... to the address once)"
        if token
        else "with no password: anyone who can reach it"
    )
    return (
        f"WARNING the dashboard listens on {host}:{port}, so other machines can use it, "
        f"{who}, and every visitor can start runs on this machine's cores; keep it on a "
        "private network, or use --host 127.0.0.1 (this machine only)"
    )


_COOKIE = "model_dashboard_token"


def token_required(app, token: str):
    """The ASGI app, answering clients on other machines only if they give ``token``.

    A client on this machine needs none. Another gives it once as ``?token=...`` in the
    address, which sets a cookie for the page's later requests and its websocket; a client
    without it gets 403 (a websocket is closed).

    Args:
        app: The ASGI application.
        token: The token.

    Returns:
        An ASGI application.
    """
    want = token.encode()

    def given(scope) -> tuple[bool, bool]:
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        in_query = any(hmac.compare_digest(t.encode(), want) for t in query.get("token", []))
        cookies = http.cookies.SimpleCookie()
        for k, v in scope.get("headers", []):
            if k == b"cookie":
                with contextlib.suppress(http.cookies.CookieError):
                    cookies.load(v.decode("latin-1"))
        morsel = cookies.get(_COOKIE)
        in_cookie = morsel is not None and hmac.compare_digest(morsel.value.encode(), want)
        return in_query, in_cookie

    async def guard(scope, receive, send):
        client = scope.get("client") or ("",)
        if scope["type"] not in ("http", "websocket") or str(client[0]).startswith(_LOOPBACK):
            await app(scope, receive, send)
            return
        in_query, in_cookie = given(scope)
        if not (in_query or in_cookie):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"403: this dashboard needs "
                        b"its token (?token=... in the address)\n"})  # fmt: skip
            return

        async def send_cookie(message):
            if in_query and message["type"] == "http.response.start":
                cookie = f"{_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode())]}  # fmt: skip
            await send(message)

        await app(scope, receive, send_cookie)

    return guard


def serve(
    scenario: Scenario,
    scenario_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_ready: Callable[[str], object] = print,
    token: str | None = None,
    max_runs: int = app.DEFAULT_MAX_RUNS,
    results_root: str | Path = app.RESULTS_ROOT,
) -> None:
    """Serve the dashboard until interrupted (Ctrl-C or SIGTERM).

    Args:
        scenario: The validated scenario the pages open with.
        scenario_path: Its file; the ensemble page offers the files beside it.
        host: Address to listen on.
        port: Port to listen on; 0 picks a free one.
        on_ready: Called with the address once the server accepts connections.
        token: Clients on other machines must give it (``token_required``); None: none.
        max_runs: The most runs per scenario a visitor can start.
        results_root: The folder whose posterior folders the ensemble page offers.
    """
    # Solara reads these when its server module is imported: the app to serve, and no
    # usage reports sent from a user's machine.
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import solara.server.settings as settings

    settings.main.mode = "production"  # no hot reload, no source watching
    # A warning a user can do nothing about: the session cookie on plain http, which is what
    # a server on this machine speaks.
    warnings.filterwarnings("ignore", message=r"(?s)Cookies with samesite=none require https")
    settings.telemetry.mixpanel_enable = False
    settings.theme.show_banner = False  # its fixed footer covered the bottom of the tables
    app.configure(scenario, scenario_path, max_runs, results_root)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                on_ready(f"http://{shown}:{bound}/")

    from solara.server.starlette import app as solara_app

    served = uncompressed_on_loopback(solara_app)
    if token:
        served = token_required(served, token)
    config = uvicorn.Config(
        served,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,  # open browser tabs hold websockets; do not wait on them
    )
    Server(config).run()
