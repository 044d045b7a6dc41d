"""The embedded PostgreSQL 16 of the one-machine mode, through the `pgserver` wheel.

The data directory is reused across runs. pgserver counts the processes holding the server and
stops it when the last of them exits, so concurrent CLI runs share one server cleanly.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from algotrading.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

_SOCKET_PATH_LIMIT = 100
_servers: dict[Path, PostgresServer] = {}
_lock = threading.Lock()


def embedded_database_url(pgdata: Path, database: str = "postgres") -> str:
    """Start (or join) the embedded server on `pgdata` and return a connection URL."""
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError:
        raise DatabaseUnavailable(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed "
            "(pip install 'algotrading[local]')"
        ) from None
    path = pgdata.expanduser().resolve()
    if len(str(path)) > _SOCKET_PATH_LIMIT:
        raise DatabaseUnavailable(
            f"ALGO_PGDATA_DIR path is too long for a Unix socket ({len(str(path))} characters)"
        )
    with _lock:
        server = _servers.get(path)
        if server is None:
            try:
                path.mkdir(parents=True, exist_ok=True)  # pgserver's own mkdir races
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    server = pgserver.postgres_server.get_server(path, cleanup_mode="stop")
            except Exception as exc:  # pgserver raises bare subprocess/OS errors
                raise DatabaseUnavailable(
                    f"embedded PostgreSQL failed to start in {path}: {exc}"
                ) from None
            _servers[path] = server
    return server.get_uri(database)
