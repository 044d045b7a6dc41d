"""The instruments the product knows: the symbols of the market data it trades from (the bundled
files, or `ALGO_DATA_DIR`: the set `algo market` and `GET /api/market/symbols` read).

A symbol a request names (a strategy's symbols, a hand-made trade) must be one of them: a
well-formed but unknown symbol is refused with a 400 naming the field before anything is
written, never stored to fail at the next evaluation. The set is read once per data directory
and process (listing the files costs a directory walk; they do not change under a process).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from algotrading.api.errors import bad_request
from algotrading.market.datafiles import DataSet


@lru_cache(maxsize=4)
def _symbols(data_dir: str | None) -> frozenset[str]:
    return frozenset(DataSet([data_dir] if data_dir else None).symbols())


class Instruments:
    """The known symbols, and the check a request's symbols pass."""

    def __init__(self, symbols: frozenset[str]) -> None:
        self.symbols = symbols

    def check(self, names: Iterable[str], field: str) -> None:
        """400 naming `field` and the first unknown symbol."""
        for name in names:
            if name not in self.symbols:
                raise bad_request(
                    f"{field}: unknown symbol {name}; GET /api/market/symbols lists them", field
                )


def instruments(request: Request) -> Instruments:
    configured = request.app.state.settings.data_dir
    return Instruments(_symbols(str(configured) if configured else None))


KnownInstruments = Annotated[Instruments, Depends(instruments)]
