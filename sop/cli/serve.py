"""`sop serve`: the web workspace (`sop.web`) on http://127.0.0.1:8000 by default, a FastAPI app
on its own under uvicorn, over the same store and settings as the other commands.

The server does not hold the store: each request takes it for its own length, so `sop` commands
run beside it on the same `SOP_DB` (a page shows one line while a command holds the store).
FastAPI, uvicorn and the app load when the command runs, not with the script.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import typer

from sop.cli.common import console, fail, settings


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind; loopback unless you mean otherwise"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    users: Path | None = typer.Option(None, "--users",
                                      help="credentials file (person -> salted scrypt hash); default: the demo's"),
) -> None:
    """Serve the web workspace: the cycle, both gates, plans, decisions, actions and chat."""
    import uvicorn

    from sop.store.location import shown
    from sop.web.app import create_app
    from sop.web.auth import DEMO_USERS

    cfg = settings(ctx)

    try:
        app = create_app(cfg, users or DEMO_USERS)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        console.print(f"[yellow]warning:[/] serving on {host}, beyond this machine; sign-in is over plain HTTP",
                      highlight=False)
    console.print(f"The S&OP workspace: http://{host}:{port}/  (store {shown(cfg.db)}; Ctrl-C stops it)",
                  highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
