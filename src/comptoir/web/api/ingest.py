"""``POST /api/v1/accounts/{account_id}/messages``: the generic API channel's ingestion endpoint.

Order of checks: token (401), account of the token's brand (404), body size (413), UTF-8, JSON, batch size,
fields. Nothing is written unless the whole request is valid; the response is sent after the commit.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from comptoir.actions.admin import active_account_brand
from comptoir.errors import (
    AccountNotFound,
    BatchTooLarge,
    BodyTooLarge,
    EmptyBatch,
    InvalidJson,
    InvalidUtf8,
    ValidationFailed,
)
from comptoir.runtime import Runtime
from comptoir.web.api.schemas import Accepted, BatchAccepted, MessageIn
from comptoir.web.auth import brand_id_from_bearer, runtime_of

router = APIRouter(prefix="/api/v1", tags=["ingestion"])

_single = TypeAdapter(MessageIn)
_batch = TypeAdapter(list[MessageIn])


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"request body is over the {limit}-byte limit", details={"limit": limit})
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body is over the {limit}-byte limit", details={"limit": limit})
        chunks.append(chunk)
    return b"".join(chunks)


def parse_messages(body: bytes, max_batch: int) -> tuple[list[MessageIn], bool]:
    """Validate a body holding one message or a batch. Returns (messages, is_batch)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidUtf8(f"body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(f"body is not valid JSON: {exc}") from exc
    is_batch = isinstance(document, list)
    if is_batch:
        if not document:
            raise EmptyBatch("the batch is empty")
        if len(document) > max_batch:
            raise BatchTooLarge(
                f"a batch holds at most {max_batch} messages, got {len(document)}",
                details={"limit": max_batch},
            )
    elif not isinstance(document, dict):
        raise ValidationFailed("body must be a JSON object (one message) or an array of objects (a batch)")
    try:
        if is_batch:
            return _batch.validate_json(body, strict=True), True
        return [_single.validate_json(body, strict=True)], False
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed(f"{len(errors)} invalid field(s)", details={"errors": errors[:50]}) from exc


#: How long an account's brand is remembered: an archived or deleted account stops taking messages within this
#: delay in every server process (at once in the process that archived it, which forgets it).
ACCOUNT_CACHE_SECONDS = 30.0


async def check_account(request: Request, runtime: Runtime, brand_id: int, account_id: int) -> None:
    owners: dict[int, tuple[int, float]] = request.app.state.account_brands
    cached = owners.get(account_id)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        owner: int | None = cached[0]
    else:
        owner = await run_in_threadpool(_load_account, runtime, account_id)
        if owner is not None:
            if len(owners) > 100_000:
                owners.clear()
            owners[account_id] = (owner, now + ACCOUNT_CACHE_SECONDS)
        else:
            owners.pop(account_id, None)
    if owner != brand_id:
        raise AccountNotFound(f"account {account_id} not found")


def _load_account(runtime: Runtime, account_id: int) -> int | None:
    """The brand of the account, when it takes messages (an archived account is not found)."""
    with runtime.db.read() as conn:
        return active_account_brand(conn, account_id)


@router.post(
    "/accounts/{account_id}/messages",
    status_code=202,
    response_model=Accepted | BatchAccepted,
    responses={200: {"description": "Redelivery: the message was already stored"}},
    summary="Ingest one message or a batch (idempotent on external_id)",
)
async def post_messages(
    account_id: int, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> JSONResponse:
    runtime = runtime_of(request)
    await check_account(request, runtime, brand_id, account_id)
    body = await read_limited_body(request, runtime.settings.max_body_bytes)
    items, is_batch = parse_messages(body, runtime.settings.max_batch)
    outcomes = await request.app.state.group_committer.submit([item.to_domain(account_id) for item in items])
    if not is_batch:
        outcome = outcomes[0]
        status = "duplicate" if outcome.duplicate else "accepted"
        return FastJSONResponse(
            {"id": outcome.message_id, "status": status}, status_code=200 if outcome.duplicate else 202
        )
    any_new = False
    results: list[dict[str, Any]] = []
    for o in outcomes:
        any_new = any_new or not o.duplicate
        results.append(
            {
                "external_id": o.external_id,
                "id": o.message_id,
                "status": "duplicate" if o.duplicate else "accepted",
            }
        )
    return FastJSONResponse({"results": results}, status_code=202 if any_new else 200)


class FastJSONResponse(JSONResponse):
    """The same bytes as :class:`JSONResponse` (compact, UTF-8) for plain str/int content, by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
