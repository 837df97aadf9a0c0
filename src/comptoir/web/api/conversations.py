"""Conversations: the inbox list, one conversation with messages and audit trail, changes and replies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from comptoir.actions.conversations import (
    ConversationFilter,
    change_conversation,
    get_conversation,
    list_conversations,
)
from comptoir.actions.replies import queue_reply
from comptoir.domain.enums import ConversationStatus
from comptoir.web.api.schemas import ConversationPatch, ReplyIn
from comptoir.web.auth import brand_id_from_bearer, runtime_of

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get("/conversations", summary="List conversations (the inbox)")
async def list_route(
    request: Request,
    brand_id: int = Depends(brand_id_from_bearer),
    status: ConversationStatus | None = None,
    account_id: int | None = None,
    visibility: Literal["public", "private"] | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    tag: str | None = None,
    language: str | None = None,
    intent: Literal["complaint", "request", "praise", "feedback", "spam", "other"] | None = None,
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    urgency: Literal["high", "normal", "low"] | None = None,
    noise: Literal["exclude", "include", "only"] = "exclude",
    sort: Literal["waiting", "priority", "deadline", "recent", "oldest"] = "waiting",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    f = ConversationFilter(
        status=status,
        account_id=account_id,
        visibility=visibility,
        assignee_id=assignee_id,
        team_id=team_id,
        tag=tag,
        language=language,
        intent=intent,
        sentiment=sentiment,
        urgency=urgency,
        noise=noise,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    items = await run_in_threadpool(list_conversations, runtime_of(request).db, brand_id, f)
    return {"conversations": items}


@router.get("/conversations/{conversation_id}", summary="One conversation: messages, pipeline trail, audit")
async def get_route(
    conversation_id: int, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> Any:
    return await run_in_threadpool(get_conversation, runtime_of(request).db, brand_id, conversation_id)


@router.patch("/conversations/{conversation_id}", summary="Change status, assignee, team or tags")
async def patch_route(
    conversation_id: int,
    patch: ConversationPatch,
    request: Request,
    brand_id: int = Depends(brand_id_from_bearer),
) -> Any:
    changes = patch.model_dump(exclude_unset=True)
    return await run_in_threadpool(
        lambda: change_conversation(runtime_of(request).db, brand_id, conversation_id, changes, actor="api")
    )


@router.post(
    "/conversations/{conversation_id}/replies", status_code=202, summary="Queue a reply in the outbox"
)
async def reply_route(
    conversation_id: int,
    reply: ReplyIn,
    request: Request,
    brand_id: int = Depends(brand_id_from_bearer),
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JSONResponse:
    result = await run_in_threadpool(
        lambda: queue_reply(
            runtime_of(request).db,
            brand_id=brand_id,
            conversation_id=conversation_id,
            text=reply.text,
            idempotency_key=idempotency_key,
        )
    )
    return JSONResponse(
        {"id": result.message_id, "status": result.delivery_status, "duplicate": result.duplicate},
        status_code=200 if result.duplicate else 202,
    )
