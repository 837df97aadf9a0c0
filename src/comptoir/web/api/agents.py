"""Agents' availability for assignment (brand tokens): read it and set it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from comptoir.actions.assignment import open_count_query, set_availability
from comptoir.errors import NotFound
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.web.auth import brand_id_from_bearer, runtime_of

router = APIRouter(prefix="/api/v1", tags=["agents"])


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    availability: Literal["online", "away", "offline"]


def read_availability(db: Database, brand_id: int, agent_id: int) -> dict[str, Any]:
    a, ab = t.agents, t.agent_brands
    with db.read() as conn:
        row = conn.execute(
            select(a.c.id, a.c.availability, a.c.capacity, open_count_query().label("open_count"))
            .join(ab, ab.c.agent_id == a.c.id)
            .where(a.c.id == agent_id, ab.c.brand_id == brand_id)
        ).first()
    if row is None:
        raise NotFound(f"agent {agent_id} not found")
    return {
        "id": row.id,
        "availability": row.availability,
        "capacity": row.capacity,
        "open_assigned": int(row.open_count),
    }


@router.get("/agents/{agent_id}/availability", summary="An agent's availability and load")
async def get_availability_route(
    agent_id: int, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> dict[str, Any]:
    return await run_in_threadpool(read_availability, runtime_of(request).db, brand_id, agent_id)


@router.put("/agents/{agent_id}/availability", summary="Set an agent online, away or offline")
async def put_availability_route(
    agent_id: int, body: AvailabilityIn, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> dict[str, Any]:
    db = runtime_of(request).db
    await run_in_threadpool(
        lambda: set_availability(db, agent_id, body.availability, brand_id=brand_id, actor="api")
    )
    return await run_in_threadpool(read_availability, db, brand_id, agent_id)
