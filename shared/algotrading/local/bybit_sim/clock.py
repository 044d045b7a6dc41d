"""The simulator's clock: market time that runs at `speed` times wall time, or only when stepped.

Two clocks exist on purpose. The *sim clock* is the replayed market's time: candles, fills,
funding and every timestamp inside an answer use it. The *wall clock* is the transport's: request
signatures (recv_window), `/v5/market/time` and the envelope's `time` use it, because a client
cannot follow a clock that runs 60 times faster or stands still (docs/simulator.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SimClock:
    """Sim time in UTC ms. Running: anchored to wall time and scaled; stepped: set explicitly."""

    def __init__(
        self,
        start_ms: int,
        speed: float | None,
        wall: Callable[[], int] = wall_ms,
    ) -> None:
        self._lock = threading.Lock()
        self._wall = wall
        self.speed = speed
        self._anchor_sim = start_ms
        self._anchor_wall = wall()

    @property
    def stepped(self) -> bool:
        return self.speed is None

    def now_ms(self) -> int:
        with self._lock:
            if self.speed is None:
                return self._anchor_sim
            return self._anchor_sim + int((self._wall() - self._anchor_wall) * self.speed)

    def step_to(self, target_ms: int) -> None:
        """Stepped clocks only; time never goes backwards (fills and funding are done)."""
        with self._lock:
            if self.speed is not None:
                raise ValueError("the clock is running; only a stepped clock can be stepped")
            if target_ms < self._anchor_sim:
                raise ValueError(
                    f"time cannot go backwards (now {self._anchor_sim}, asked {target_ms})"
                )
            self._anchor_sim = target_ms
