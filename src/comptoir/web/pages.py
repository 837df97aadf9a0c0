"""Plain pages outside the agent workspace: the health check (the workspace itself is comptoir.web.ui)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
