"""The API and the dashboard inside `algo up`: uvicorn in a thread of the stack's process.

One process on one machine: the API reads the same embedded database the jobs write, with the
same settings (the same key for exchange keys). The address is bound before anything starts, so
a port in use is one line and exit 2 with nothing started; the bound socket is handed to uvicorn,
so no other process can take the port in between. uvicorn installs no signal handlers outside the
main thread: Ctrl-C reaches the stack, which stops the server on its way out.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from algotrading.errors import AppError
from algotrading.settings import Settings

STARTUP_TIMEOUT_S = 15.0
"""How long the server may take to answer before the stack gives up on it."""


class PortInUse(AppError):
    """The address to listen on is taken or not allowed; nothing was started."""


class ApiDidNotStart(AppError):
    """The server thread ended or timed out before it was listening."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: any free port), or `PortInUse` in one line."""
    try:
        return socket.create_server((host, port))
    except OSError as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def url_of(sock: socket.socket) -> str:
    """The address a browser opens for this socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


@contextmanager
def serving(sock: socket.socket, settings: Settings, say: Callable[[str], None]) -> Iterator[str]:
    """Serve the API and the dashboard on `sock` while the block runs; the URL. Leaving the
    block (the stack's end, Ctrl-C, an error) stops the server and waits for its thread."""
    import uvicorn

    from algotrading.api.app import create_app

    config = uvicorn.Config(
        create_app(settings), log_level="warning", proxy_headers=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="api", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        url = url_of(sock)
        say(f"dashboard and API on {url} (OpenAPI at {url}/docs)")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_started(server: object, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not getattr(server, "started", False):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ApiDidNotStart("the API server did not start")
        time.sleep(0.05)
