"""Accounts: responsiveness as the platforms measure it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from comptoir.actions.responsiveness import account_responsiveness
from comptoir.web.auth import brand_id_from_bearer, runtime_of

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get(
    "/accounts/{account_id}/responsiveness", summary="Response-rate objectives and the Facebook badge"
)
async def responsiveness_route(
    account_id: int, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> dict[str, Any]:
    return await run_in_threadpool(account_responsiveness, runtime_of(request).db, brand_id, account_id)
