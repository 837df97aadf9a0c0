"""Rendering an administration page, and the one way every form changes something.

:func:`change` runs the form's work in a thread: success goes back to the section (303), a refused value
re-renders the page with status 400 (409 for a conflict), a translated message and the values typed; NotFound
and Forbidden propagate (404 / 403), so another brand's object looks exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from comptoir.actions import acknowledgements
from comptoir.domain.enums import AccountKind, Platform, Role
from comptoir.errors import ComptoirError, Conflict, Forbidden, NotFound
from comptoir.web.ui.admin.forms import FormError, brand_of
from comptoir.web.ui.admin.reading import section_data
from comptoir.web.ui.base import Page, finish, require_supervisor, runtime_of
from comptoir.web.ui.people import CurrentAgent

SECTIONS = ("accounts", "teams", "agents", "routing", "calendar", "policies", "ack-rules", "triage", "apps")
AVAILABILITY = ("online", "away", "offline")


def supervisor_in(agent: CurrentAgent, brand_id: str | int | None) -> int:
    """The brand the form names, when the agent supervises there (403 for agents, 404 for another brand)."""
    require_supervisor(agent)
    return brand_of(agent, brand_id)


def redirect(request: Request, url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    finish(request, response)
    return response


def _error_kind(error: ComptoirError) -> str:
    """Which translated message the page shows: the error's own ``kind`` (a FormError's, or an action's
    refusal that names one), else the generic conflict or invalid message."""
    kind = error.details.get("kind") if isinstance(error.details, dict) else None
    if isinstance(error, FormError) or isinstance(kind, str):
        return str(kind)
    return "conflict" if isinstance(error, Conflict) else "invalid"


async def render(
    request: Request,
    agent: CurrentAgent,
    section: str,
    brand_id: int,
    *,
    error: ComptoirError | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    data = await run_in_threadpool(section_data, runtime_of(request), section, brand_id)
    status = 200
    if error is not None:
        status = 409 if isinstance(error, Conflict) else 400
    return Page(request, agent).render(
        "admin.html",
        status_code=status,
        section=section,
        sections=SECTIONS,
        brand_id=brand_id,
        error_kind=_error_kind(error) if error is not None else None,
        error_detail=str(error) if error is not None else None,
        form=form or {},
        platforms=[p.value for p in Platform],
        kinds=[k.value for k in AccountKind],
        roles=[r.value for r in Role],
        availability=AVAILABILITY,
        when_values=sorted(acknowledgements.WHEN),
        ack_kinds=sorted(acknowledgements.KINDS),
        **data,
    )


async def change(
    request: Request,
    agent: CurrentAgent,
    section: str,
    brand_id: int,
    work: Callable[[], Any],
    form: dict[str, Any],
) -> Response:
    """Run ``work`` in a thread; success → back to the section, a refused value → the page with the message."""
    try:
        await run_in_threadpool(work)
    except (NotFound, Forbidden):
        raise
    except ComptoirError as exc:
        return await render(request, agent, section, brand_id, error=exc, form=form)
    return redirect(request, f"/ui/admin/{section}?brand={brand_id}")
