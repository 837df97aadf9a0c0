"""Channel-specific agent actions over the API: ``POST /api/v1/conversations/{id}/private-reply`` and
``GET /api/v1/conversations/{id}/reply-rules`` (window, length limit, reply kind)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from comptoir.channels.private_reply import queue_private_reply
from comptoir.channels.reply_rules import reply_rules
from comptoir.web.auth import brand_id_from_bearer, runtime_of

router = APIRouter(prefix="/api/v1", tags=["conversations"])


class PrivateReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)
    comment_id: str | None = Field(None, description="The comment answered; default: the latest one.")


@router.post(
    "/conversations/{conversation_id}/private-reply",
    summary="Move a public comment to private: a Meta private reply, linked private conversation",
    status_code=202,
)
async def private_reply_route(
    conversation_id: int,
    reply: PrivateReplyIn,
    request: Request,
    brand_id: int = Depends(brand_id_from_bearer),
) -> JSONResponse:
    result = await run_in_threadpool(
        lambda: queue_private_reply(
            runtime_of(request).db,
            brand_id=brand_id,
            conversation_id=conversation_id,
            text=reply.text,
            comment_id=reply.comment_id,
        )
    )
    return JSONResponse({"id": result.message_id, "status": result.delivery_status}, status_code=202)


@router.get(
    "/conversations/{conversation_id}/reply-rules",
    summary="What a reply may be now: kind, messaging window (Meta), length limit (X 280)",
)
async def reply_rules_route(
    conversation_id: int, request: Request, brand_id: int = Depends(brand_id_from_bearer)
) -> JSONResponse:
    runtime = runtime_of(request)
    rules = await run_in_threadpool(reply_rules, runtime.db, runtime.settings, brand_id, conversation_id)
    return JSONResponse(rules)
