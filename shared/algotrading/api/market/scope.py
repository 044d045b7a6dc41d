"""An account scope that is optional: public market data needs no account, but when the
caller names one (X-Trading-Account-Id) the candles carry that account's markers, and the
account is checked exactly as on every account-scoped route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from algotrading.api.deps import ACCOUNT_HEADER, AccountScope, Caller, Conn, account_scope


def optional_scope(
    conn: Conn,
    principal: Caller,
    account_header: Annotated[
        str | None,
        Header(
            alias=ACCOUNT_HEADER,
            description="Optional: the trading account whose signals and trades to mark",
        ),
    ] = None,
) -> AccountScope | None:
    if account_header is None:
        return None
    return account_scope(conn, principal, account_header)


MaybeScoped = Annotated[AccountScope | None, Depends(optional_scope)]
