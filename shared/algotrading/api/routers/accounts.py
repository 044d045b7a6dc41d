"""`/api/accounts`: the caller's trading accounts (an admin's: everyone's), their risk limits
and exchange keys. The account id is in the path; reaching it is checked like the
`X-Trading-Account-Id` header (`deps.reachable_account`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from algotrading.api.accounts import keys, manage
from algotrading.api.deps import Caller, Conn, PageQuery
from algotrading.api.responses import errors
from algotrading.api.schemas.accounts import (
    AccountCreate,
    AccountKeys,
    AccountOut,
    AccountUpdate,
    KeyCheck,
)
from algotrading.api.schemas.common import Message, Page

router = APIRouter(
    prefix="/api/accounts", tags=["accounts"],
    responses=errors(400, 401, 403, 404, 409, 413, 422, 503),
)  # fmt: skip
AccountId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The trading account's id")]


@router.get("")
def list_accounts(caller: Caller, conn: Conn, page: PageQuery) -> Page[AccountOut]:
    """The caller's accounts; for an admin, every account with its owner."""
    found, total = manage.listed(conn, caller, page.limit, page.offset)
    return Page(
        items=[AccountOut.of(a) for a in found], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", status_code=201)
def create_account(body: AccountCreate, caller: Caller, conn: Conn) -> AccountOut:
    return AccountOut.of(manage.create(conn, caller, body))


@router.get("/{account_id}")
def get_account(account_id: AccountId, caller: Caller, conn: Conn) -> AccountOut:
    return AccountOut.of(manage.shown(conn, caller, account_id))


@router.patch("/{account_id}")
def update_account(
    account_id: AccountId, body: AccountUpdate, caller: Caller, conn: Conn
) -> AccountOut:
    """Change name, mode, environment, active flag or risk limits; fields left out stay."""
    return AccountOut.of(manage.update(conn, caller, account_id, body))


@router.delete("/{account_id}")
def delete_account(account_id: AccountId, caller: Caller, conn: Conn) -> Message:
    """Delete the account and everything it recorded (trades, snapshots, configuration)."""
    manage.delete(conn, caller, account_id)
    return Message(message=f"trading account {account_id} deleted")


@router.put("/{account_id}/keys")
def set_keys(account_id: AccountId, body: AccountKeys, caller: Caller, conn: Conn) -> AccountOut:
    """Store the exchange keys, encrypted; they are never shown again (`has_keys` says so)."""
    keys.store(conn, caller, account_id, body)
    return AccountOut.of(manage.shown(conn, caller, account_id))


@router.post("/{account_id}/keys/verify")
def verify_keys(account_id: AccountId, caller: Caller, conn: Conn) -> KeyCheck:
    """Read the wallet balance with the stored keys; a refusal is `ok: false` with the reason."""
    return keys.check(conn, caller, account_id)
