"""`algo api serve`: the dashboard API with uvicorn on one machine (docs/api.md)."""

from __future__ import annotations

import click

from algotrading.errors import AppError


class PortInUse(AppError):
    """The address to listen on is taken or not allowed."""


@click.group()
def api() -> None:
    """The dashboard API."""


@api.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the API (and its OpenAPI page at /docs) until Ctrl-C."""
    import socket

    import uvicorn

    from algotrading.api.app import create_app
    from algotrading.api.config import get_api_settings

    get_api_settings()  # a bad setting stops here, before the port is taken
    try:
        socket.create_server((host, port)).close()
    except OSError as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"API on http://{host}:{port} (OpenAPI at /docs); Ctrl-C stops it", err=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="warning", proxy_headers=False)
