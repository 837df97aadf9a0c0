"""One conversation: timeline, contact card, triage and corrections, SLA, actions, composer and reply coach."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from comptoir import clock
from comptoir.actions import case_moves
from comptoir.actions.conversations import change_conversation, get_conversation
from comptoir.actions.replies import queue_reply
from comptoir.channels.private_reply import queue_private_reply
from comptoir.channels.reply_rules import reply_rules
from comptoir.errors import ComptoirError, ConversationNotFound, ValidationFailed
from comptoir.replies.coach import LENGTH_LIMITS, CoachContext, coach
from comptoir.replies.library import list_templates
from comptoir.replies.templates import conversation_reference, first_name, suggest, variables_for
from comptoir.web.ui import actions, queries
from comptoir.web.ui.base import Page, acting_agent, current_agent, finish, require_supervisor, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)

#: Outcome keys shown after an action (only these keys are ever displayed: nothing from the URL is echoed).
DONE = {
    "replied", "noted", "status", "assigned", "team", "tags", "corrected", "retried",
    "escalated", "escalation_urls", "snoozed", "private", "linked", "redirected",
}
ERRORS = {"invalid_transition", "validation_error", "not_found", "conflict"}


def _case(request: Request, agent: CurrentAgent, conversation_id: int) -> tuple[int, dict[str, Any]]:
    db = runtime_of(request).db
    brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
    return brand_id, get_conversation(db, brand_id, conversation_id)


def _customer_name(conversation: dict[str, Any]) -> str | None:
    contact = conversation.get("contact") or {}
    return contact.get("name") or None


def _context(agent: CurrentAgent, conversation: dict[str, Any], details: dict[str, Any]) -> CoachContext:
    row = details["row"]
    return CoachContext(
        platform=str(details["account"].platform),
        visibility=str(row.visibility),
        customer_first_name=first_name(_customer_name(conversation)) or None,
        agent_first_name=agent.first_name,
        sentiment=row.sentiment,
        intent=row.intent,
    )


def _variables(agent: CurrentAgent, conversation: dict[str, Any], details: dict[str, Any]) -> dict[str, str]:
    return variables_for(
        customer_name=_customer_name(conversation),
        agent_name=agent.name,
        account_handle=str(details["account"].handle),
        conversation_id=int(conversation["id"]),
    )


def _back(request: Request, conversation_id: int, **params: str) -> Response:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = RedirectResponse(f"/c/{conversation_id}" + (f"?{query}" if query else ""), status_code=303)
    finish(request, response)
    return response


async def _act(request: Request, conversation_id: int, done: str, work: Any) -> Response:
    """Run an action; on a refused change come back to the conversation with the error's code."""
    try:
        await run_in_threadpool(work)
    except ConversationNotFound:
        raise
    except ComptoirError as exc:
        code = str(exc.code)
        return _back(request, conversation_id, error=code if code in ERRORS else "validation_error")
    return _back(request, conversation_id, done=done)


@router.get("/c/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    request: Request, conversation_id: int, agent: CurrentAgent = Depends(current_agent)
) -> HTMLResponse:
    db = runtime_of(request).db

    def load() -> dict[str, Any]:
        brand_id, conversation = _case(request, agent, conversation_id)
        details = queries.case_details(db, brand_id, conversation_id)
        latest = queries.latest_inbound(conversation["messages"])
        urls = {tm.id: case_moves.escalation_urls(db, tm.id) for tm in details["teams"]}
        fixes = queries.corrections(db, brand_id, [latest["id"]] if latest else [])
        templates = list_templates(db, brand_id, list(agent.team_ids) or None)
        suggestions = suggest(
            templates,
            query="",
            language=details["row"].language,
            intent=details["row"].intent,
            variables=_variables(agent, conversation, details),
            limit=3,
        )
        invite = suggest(
            templates,
            query="priv",
            language=details["row"].language,
            intent=None,
            variables=_variables(agent, conversation, details),
            limit=1,
        )
        return {
            "linked": case_moves.linked_case(db, brand_id, details["row"].linked_conversation_id),
            "link_candidates": case_moves.private_candidates(db, brand_id, conversation_id),
            "redirect_target": case_moves.redirect_target(db, brand_id, int(details["row"].account_id)),
            "escalation_urls": urls if agent.can_supervise else {},  # may hold secrets: supervisors only
            "escalation_ready": {team_id: bool(found) for team_id, found in urls.items()},
            "rules": reply_rules(db, runtime_of(request).settings, brand_id, conversation_id),
            "invite": invite[0] if invite and details["row"].visibility == "public" else None,
            "brand_id": brand_id,
            "brand_name": agent.brands.get(brand_id, ""),
            "c": conversation,
            "d": details,
            "latest": latest,
            "fixes": fixes,
            "suggestions": suggestions,
            "reference": conversation_reference(conversation_id),
            "limit": LENGTH_LIMITS.get((str(details["account"].platform), str(details["row"].visibility))),
        }

    data = await run_in_threadpool(load)
    done = request.query_params.get("done")
    error = request.query_params.get("error")
    return Page(request, agent).render(
        "conversation.html",
        done=done if done in DONE else None,
        error=error if error in ERRORS else None,
        idempotency_key=secrets.token_urlsafe(16),
        correctable=actions.CORRECTABLE,
        now=clock.now(),
        **data,
    )


@router.get("/ui/c/{conversation_id}/timeline", response_class=HTMLResponse)
async def timeline(
    request: Request, conversation_id: int, agent: CurrentAgent = Depends(current_agent)
) -> HTMLResponse:
    db = runtime_of(request).db

    def load() -> dict[str, Any]:
        brand_id, conversation = _case(request, agent, conversation_id)
        return {"c": conversation, "d": queries.case_details(db, brand_id, conversation_id)}

    data = await run_in_threadpool(load)
    return Page(request, agent).render("_timeline.html", **data)


@router.post("/ui/c/{conversation_id}/coach", response_class=HTMLResponse)
async def coach_draft(
    request: Request,
    conversation_id: int,
    text: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> HTMLResponse:
    db = runtime_of(request).db

    def load() -> list[Any]:
        brand_id, conversation = _case(request, agent, conversation_id)
        details = queries.case_details(db, brand_id, conversation_id)
        variables = _variables(agent, conversation, details)
        templates = list_templates(db, brand_id)
        rendered = [s.text for s in suggest(templates, query="", language=None, intent=None, variables=variables, limit=100)]
        context = _context(agent, conversation, details)
        context = CoachContext(
            platform=context.platform,
            visibility=context.visibility,
            customer_first_name=context.customer_first_name,
            agent_first_name=context.agent_first_name,
            sentiment=context.sentiment,
            intent=context.intent,
            templates=tuple(rendered),
        )
        return coach(text, context)

    advice = await run_in_threadpool(load)
    return Page(request, agent).render("_coach.html", advice=advice, draft=text)


@router.get("/ui/c/{conversation_id}/templates")
async def template_suggestions(
    request: Request, conversation_id: int, q: str = "", agent: CurrentAgent = Depends(current_agent)
) -> JSONResponse:
    db = runtime_of(request).db

    def load() -> list[dict[str, Any]]:
        brand_id, conversation = _case(request, agent, conversation_id)
        details = queries.case_details(db, brand_id, conversation_id)
        found = suggest(
            list_templates(db, brand_id, list(agent.team_ids) or None),
            query=q,
            language=details["row"].language,
            intent=details["row"].intent,
            variables=_variables(agent, conversation, details),
        )
        return [
            {"name": s.template.name, "language": s.template.language, "text": s.text, "why": list(s.reasons)}
            for s in found
        ]

    response = JSONResponse(await run_in_threadpool(load))
    finish(request, response)
    return response


@router.post("/c/{conversation_id}/reply")
async def reply(
    request: Request,
    conversation_id: int,
    text: str = Form(""),
    idempotency_key: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        queue_reply(
            db,
            brand_id=brand_id,
            conversation_id=conversation_id,
            text=text.strip(),
            idempotency_key=idempotency_key[:100] or None,
            agent_id=agent.id,
            actor=agent.actor,
        )

    return await _act(request, conversation_id, "replied", work)


@router.post("/c/{conversation_id}/note")
async def note(
    request: Request, conversation_id: int, text: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        actions.add_note(db, brand_id=brand_id, conversation_id=conversation_id, agent_id=agent.id, text=text)

    return await _act(request, conversation_id, "noted", work)


@router.post("/c/{conversation_id}/status")
async def status(
    request: Request, conversation_id: int, status: str = Form(...), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        change_conversation(db, brand_id, conversation_id, {"status": status}, actor=agent.actor)

    response = await _act(request, conversation_id, "status", work)
    if status == "resolved" and "error=" not in response.headers.get("location", ""):
        response = RedirectResponse("/?done=resolved", status_code=303)
        finish(request, response)
    return response


@router.post("/c/{conversation_id}/assign")
async def assign(
    request: Request,
    conversation_id: int,
    assignee: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db
    target: int | None = agent.id if assignee == "me" else int(assignee) if assignee.isdigit() else None

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        change_conversation(db, brand_id, conversation_id, {"assignee_id": target}, actor=agent.actor)

    return await _act(request, conversation_id, "assigned", work)


@router.post("/c/{conversation_id}/team")
async def transfer(
    request: Request, conversation_id: int, team: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db
    target = int(team) if team.isdigit() else None

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        change_conversation(db, brand_id, conversation_id, {"team_id": target}, actor=agent.actor)

    return await _act(request, conversation_id, "team", work)


@router.post("/c/{conversation_id}/tags")
async def retag(
    request: Request, conversation_id: int, tags: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db
    names = [tag.strip()[:100] for tag in tags.split(",") if tag.strip()][:20]

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        change_conversation(db, brand_id, conversation_id, {"tags": names}, actor=agent.actor)

    return await _act(request, conversation_id, "tags", work)


@router.post("/c/{conversation_id}/triage")
async def correct(
    request: Request,
    conversation_id: int,
    message_id: int = Form(...),
    judgement: str = Form(...),
    value: str = Form(...),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        actions.correct_triage(
            db,
            brand_id=brand_id,
            conversation_id=conversation_id,
            message_id=message_id,
            judgement=judgement,
            value=value,
            agent_id=agent.id,
        )

    return await _act(request, conversation_id, "corrected", work)


@router.post("/c/{conversation_id}/messages/{message_id}/retry")
async def retry(
    request: Request, conversation_id: int, message_id: int, agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        actions.retry_delivery(
            db, brand_id=brand_id, conversation_id=conversation_id, message_id=message_id, agent_id=agent.id
        )

    return await _act(request, conversation_id, "retried", work)


@router.post("/ui/c/{conversation_id}/presence")
async def presence(
    request: Request,
    conversation_id: int,
    state: str = Form("replying"),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        actions.announce_presence(
            db,
            brand_id=brand_id,
            conversation_id=conversation_id,
            agent_id=agent.id,
            agent_name=agent.name,
            state=state,
        )

    await run_in_threadpool(work)
    response = Response(status_code=204)
    finish(request, response)
    return response


@router.post("/c/{conversation_id}/escalate")
async def escalate(
    request: Request,
    conversation_id: int,
    team: str = Form(""),
    note: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db
    link = str(request.base_url).rstrip("/") + f"/c/{conversation_id}"

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        if not team.isdigit():
            raise ValidationFailed("choose a team")
        case_moves.escalate(
            db, brand_id=brand_id, conversation_id=conversation_id, team_id=int(team), note=note,
            actor=agent.actor, link=link,
        )

    return await _act(request, conversation_id, "escalated", work)


@router.post("/c/{conversation_id}/escalation-urls")
async def escalation_urls(
    request: Request,
    conversation_id: int,
    team: str = Form(""),
    urls: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db
    require_supervisor(agent)

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        if not team.isdigit():
            raise ValidationFailed("choose a team")
        case_moves.set_escalation_urls(
            db, brand_id=brand_id, team_id=int(team), urls=urls.splitlines(), actor=agent.actor
        )

    return await _act(request, conversation_id, "escalation_urls", work)


@router.post("/c/{conversation_id}/snooze")
async def snooze(
    request: Request,
    conversation_id: int,
    duration: str = Form(""),
    until: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        target = case_moves.parse_snooze(duration, until, clock.now())
        case_moves.snooze(db, brand_id=brand_id, conversation_id=conversation_id, until=target, actor=agent.actor)

    return await _act(request, conversation_id, "snoozed", work)


@router.post("/c/{conversation_id}/private")
async def move_to_private(
    request: Request, conversation_id: int, text: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    """Meta comments: a private reply to the comment; other channels: a public reply inviting a DM."""
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        rules = reply_rules(db, runtime_of(request).settings, brand_id, conversation_id)
        if rules["reply_kind"] != "public":
            raise ValidationFailed("this conversation is already private")
        if rules["private_reply_to_comment"]:
            queue_private_reply(
                db, brand_id=brand_id, conversation_id=conversation_id, text=text.strip(),
                agent_id=agent.id, actor=agent.actor,
            )
        else:
            queue_reply(
                db, brand_id=brand_id, conversation_id=conversation_id, text=text.strip(),
                idempotency_key=None, agent_id=agent.id, actor=agent.actor,
            )
        case_moves.record(db, brand_id, conversation_id, agent.actor, "conversation.moved_to_private",
                          {"private_reply": bool(rules["private_reply_to_comment"])})

    return await _act(request, conversation_id, "private", work)


@router.post("/c/{conversation_id}/link")
async def link(
    request: Request, conversation_id: int, other: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        if not other.isdigit():
            raise ValidationFailed("choose a conversation")
        case_moves.link(db, brand_id=brand_id, conversation_id=conversation_id, other_id=int(other),
                        actor=agent.actor)

    return await _act(request, conversation_id, "linked", work)


@router.post("/c/{conversation_id}/redirect")
async def redirect(
    request: Request, conversation_id: int, text: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    """Point the customer to the account this one redirects to (care or regional), publicly, audited."""
    db = runtime_of(request).db

    def work() -> None:
        brand_id = queries.brand_of_conversation(db, conversation_id, agent.brand_ids)
        details = queries.case_details(db, brand_id, conversation_id)
        target = case_moves.redirect_target(db, brand_id, int(details["row"].account_id))
        if target is None:
            raise ValidationFailed("this account redirects nowhere")
        body = text.strip() or case_moves.redirect_text(details["row"].language, target["handle"])
        queued = queue_reply(
            db, brand_id=brand_id, conversation_id=conversation_id, text=body,
            idempotency_key=None, agent_id=agent.id, actor=agent.actor,
        )
        case_moves.record(db, brand_id, conversation_id, agent.actor, "conversation.redirected",
                          {"to_account_id": target["id"], "to": target["handle"], "message_id": queued.message_id})

    return await _act(request, conversation_id, "redirected", work)


@router.get("/ui/responsiveness", response_class=HTMLResponse)
async def responsiveness(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    db = runtime_of(request).db

    def load() -> list[dict[str, Any]]:
        return case_moves.brands_responsiveness(db, agent.brand_ids)

    accounts = await run_in_threadpool(load)
    return Page(request, agent).render("responsiveness.html", accounts=accounts, brands=agent.brands)
