"""The Bybit V5 adapter: `client` (pybit, thin), `types` (raw shapes), `mapper` and `params`
(every conversion and quirk), `errors` (retCode -> typed errors), `adapter` (the port)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.exchange.bybit.adapter import BybitExchange
    from algotrading.exchange.bybit.client import BASE_URLS, BybitClient, resolve_base_url

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.exchange.bybit.adapter": ("BybitExchange",),
        "algotrading.exchange.bybit.client": (
            "BASE_URLS",
            "BybitClient",
            "resolve_base_url",
        ),
    },
)

__all__ = ["BASE_URLS", "BybitClient", "BybitExchange", "resolve_base_url"]
