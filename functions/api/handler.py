"""The dashboard API on Lambda: API Gateway HTTP API (payload format 2.0, `$default` stage)
through Mangum. Lifespan is off: the database pool opens on the first request that needs it
and stays open for the warm process."""

from __future__ import annotations

from mangum import Mangum

from algotrading.api.app import create_app

handler = Mangum(create_app(), lifespan="off")
