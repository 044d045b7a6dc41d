"""Wiring: one aiohttp server (REST + WebSocket on one port) in a background thread.

`BybitSimulator(config).start()` binds, starts the clock and returns; `rest_url`, `ws_public_url`
and `ws_private_url` say where it listens. Tests drive a stepped clock with `step_to`/`advance`;
the CLI can do the same over HTTP (POST /sim/step, not part of Bybit's API). Every state change
(requests, clock steps, bar replays, publishing) runs on the server's loop under one asyncio
lock, so WebSocket pushes leave in the order things happened.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from algotrading.db.connection import database_url
from algotrading.domain.timefmt import ms_to_iso
from algotrading.local.bybit_sim.clock import SimClock, wall_ms
from algotrading.local.bybit_sim.config import SimConfig
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.errors import SimConfigError
from algotrading.local.bybit_sim.faults import FaultInjector
from algotrading.local.bybit_sim.market import MarketReplay
from algotrading.local.bybit_sim.persistence import SimStore
from algotrading.local.bybit_sim.rest import json_response, make_handler
from algotrading.local.bybit_sim.ws import Hub
from algotrading.logs import get_logger
from algotrading.market.datafiles import DataSet

log = get_logger(__name__)
PERSIST_CLOCK_EVERY_S = 5.0


class BybitSimulator:
    def __init__(
        self,
        config: SimConfig,
        market: MarketReplay | None = None,
        store: SimStore | None = None,
    ) -> None:
        self.config = config.validated()
        self.market = market or MarketReplay(
            DataSet(list(config.data_dirs) or None), config.symbols
        )
        if store is None and self.config.persist:
            url = self.config.database_url or database_url()
            store = SimStore(url, self.config.name)
        self.store = store
        try:
            snapshot = store.load() if store is not None else None
            start = self._start_ms(snapshot)
        except Exception:
            if store is not None:
                store.close()
            raise
        self.clock = SimClock(start, None if config.stepped else config.speed)
        self.engine = Engine(self.market, self.config, start)
        if snapshot is not None:
            self.engine.restore(snapshot)
        self.faults = FaultInjector(config.faults, config.seed)
        self.hub = Hub(self.engine, lambda: self.engine.now_ms)
        self.port = 0
        self.lock: asyncio.Lock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._saved_wall = 0.0

    def _start_ms(self, snapshot: dict[str, Any] | None) -> int:
        if snapshot is not None:
            if self.config.start_ms is not None:
                raise SimConfigError(
                    f"simulator {self.config.name!r} has stored state at "
                    f"{ms_to_iso(int(snapshot['now_ms']))}; drop --start or use another --name"
                )
            return int(snapshot["now_ms"])
        if self.config.start_ms is None:
            return self.market.default_start(self.config.warmup_ms)
        first = min(t.bars.start_ms[0] for t in self.market.tapes.values())
        if not first <= self.config.start_ms <= self.market.end_ms():
            raise SimConfigError(
                f"--start {ms_to_iso(self.config.start_ms)} lies outside the data "
                f"({ms_to_iso(int(first))} .. {ms_to_iso(self.market.end_ms())})"
            )
        return self.config.start_ms

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> BybitSimulator:
        """Bind and serve in a background thread; raise SimConfigError if binding fails."""
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        started.result(timeout=30)
        return self

    def _run(self, started: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except Exception as exc:  # reported to start(); nothing is listening
            started.set_exception(exc)
            self._loop = None
            loop.close()
            return
        started.set_result(None)
        loop.run_forever()
        loop.run_until_complete(self._shutdown())
        loop.close()

    async def _startup(self) -> None:
        self.lock = asyncio.Lock()
        app = web.Application(middlewares=[_no_traces])
        app.router.add_get("/v5/public/linear", self.hub.public)
        app.router.add_get("/v5/private", self.hub.private)
        app.router.add_get("/sim/clock", self._clock_route)
        app.router.add_post("/sim/step", self._step_route)
        app.router.add_route("*", "/{tail:.*}", make_handler(self))
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            where = f"{self.config.host}:{self.config.port}"
            raise SimConfigError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        if not self.clock.stepped:
            self._tasks.append(asyncio.create_task(self._tick_loop()))
            if self.config.faults.ws_drop_every:
                self._tasks.append(asyncio.create_task(self._drop_loop()))

    def stop(self) -> None:
        """Close every connection, save the state (with --persist) and stop the thread."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop = None

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.store is not None:
            self._save()
            self.store.close()

    def __enter__(self) -> BybitSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def ws_public_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/v5/public/linear"

    @property
    def ws_private_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/v5/private"

    # --- the clock ----------------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        return self.engine.now_ms

    def step_to(self, target_ms: int) -> None:
        """Stepped clock: move to `target_ms`, replaying everything in between (blocking)."""
        self._call(self._step(target_ms))

    def advance(self, ms: int) -> None:
        self.step_to(self.engine.now_ms + ms)

    def _call(self, coro: Any) -> Any:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the simulator is not running; call start() first")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=120)

    async def _step(self, target_ms: int) -> None:
        async with self.lock:
            self.clock.step_to(target_ms)
            await self._advance_locked(target_ms)

    async def sync_locked(self) -> None:
        """A running clock: replay up to now before a request is answered."""
        if not self.clock.stepped:
            await self._advance_locked(self.clock.now_ms())

    async def _advance_locked(self, target_ms: int, force: bool = False) -> None:
        t0 = self.engine.now_ms
        if target_ms > t0:
            with self.engine.lock:
                self.engine.advance_to(target_ms)
            self._maybe_drop(t0, target_ms)
        await self.after_change_locked(clock_moved=target_ms > t0)
        if target_ms > t0 or force:
            await self.hub.publish_market(t0, max(target_ms, t0), force)

    async def after_change_locked(self, clock_moved: bool = False) -> None:
        """Push the queued private events, then save (with --persist) if anything changed."""
        await self.hub.publish_private(self.engine.drain())
        if self.store is None:
            return
        periodic = time.monotonic() - self._saved_wall >= PERSIST_CLOCK_EVERY_S
        if self.engine.changed or (clock_moved and (self.clock.stepped or periodic)):
            self._save()

    def _save(self) -> None:
        assert self.store is not None
        try:
            with self.engine.lock:
                self.store.save(self.engine.snapshot())
            self.engine.changed = False
            self._saved_wall = time.monotonic()
        except Exception:  # keep serving; the log says loudly that state is not being kept
            log.exception("simulator state could not be saved")

    def _maybe_drop(self, t0: int, t1: int) -> None:
        """Stepped clock: drop every WebSocket when a ws_drop_every boundary of sim time passes."""
        every = self.config.faults.ws_drop_every
        if every and self.clock.stepped and t0 // int(every * 1000) != t1 // int(every * 1000):
            log.info("fault: dropped %d websocket connection(s)", self.hub.drop_all())

    async def _tick_loop(self) -> None:
        last_push = time.monotonic()
        while True:
            await asyncio.sleep(self.config.tick_s)
            force = time.monotonic() - last_push >= self.config.repush_s
            if force:
                last_push = time.monotonic()
            try:
                async with self.lock:
                    await self._advance_locked(self.clock.now_ms(), force)
            except Exception:  # a bug must not stop the clock; it is in the log
                log.exception("simulator clock tick failed")

    async def _drop_loop(self) -> None:
        every = self.config.faults.ws_drop_every
        assert every
        while True:
            await asyncio.sleep(every)
            log.info("fault: dropped %d websocket connection(s)", self.hub.drop_all())

    # --- control endpoints (not Bybit's) ---------------------------------------------------

    async def _clock_route(self, request: web.Request) -> web.Response:
        return json_response(self.clock_state())

    def clock_state(self) -> dict[str, Any]:
        return {
            "nowMs": self.engine.now_ms,
            "now": ms_to_iso(self.engine.now_ms),
            "stepped": self.clock.stepped,
            "speed": self.clock.speed,
            "dataEndMs": self.market.end_ms(),
            "wallMs": wall_ms(),
        }

    async def _step_route(self, request: web.Request) -> web.Response:
        """POST /sim/step {"to": ms} or {"advance": ms}; stepped clocks only."""
        if not self.clock.stepped:
            return json_response({"error": "the clock is running; start with --stepped"}, 409)
        try:
            body = await request.json()
            target = int(body["to"]) if "to" in body else self.engine.now_ms + int(body["advance"])
        except (ValueError, KeyError, TypeError):
            return json_response({"error": 'send {"to": ms} or {"advance": ms}'}, 400)
        try:
            await self._step(target)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response(self.clock_state())


@web.middleware
async def _no_traces(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own errors (404, 405, bad requests) and bugs as JSON, never as a trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return json_response({"error": exc.reason}, exc.status)
    except Exception:
        log.exception("simulator error on %s", request.path)
        return json_response({"error": "internal simulator error"}, 500)
