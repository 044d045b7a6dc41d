"""The Bybit V5 adapter: `client` (pybit, thin), `types` (raw shapes), `mapper` and `params`
(every conversion and quirk), `errors` (retCode -> typed errors), `adapter` (the port)."""

from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.bybit.client import BASE_URLS, BybitClient, resolve_base_url

__all__ = ["BASE_URLS", "BybitClient", "BybitExchange", "resolve_base_url"]
