"""Serving the dashboard on this machine: solara's app under uvicorn, in this process."""

from __future__ import annotations

import os
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


def serve(
    scenario: Scenario,
    scenario_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_ready: Callable[[str], object] = print,
) -> None:
    """Serve the dashboard until interrupted (Ctrl-C or SIGTERM).

    Args:
        scenario: The validated scenario the pages open with.
        scenario_path: Its file; the ensemble page offers the files beside it.
        host: Address to listen on.
        port: Port to listen on; 0 picks a free one.
        on_ready: Called with the address once the server accepts connections.
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
    app.configure(scenario, scenario_path)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                on_ready(f"http://{shown}:{bound}/")

    from solara.server.starlette import app as solara_app

    config = uvicorn.Config(
        uncompressed_on_loopback(solara_app),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,  # open browser tabs hold websockets; do not wait on them
    )
    Server(config).run()
