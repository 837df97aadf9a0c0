"""Login, logout and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from comptoir.web.ui import i18n
from comptoir.web.ui.base import (
    Page,
    acting_agent,
    check_csrf,
    current_agent,
    finish,
    read_session,
    runtime_of,
    safe_next,
    write_session,
)
from comptoir.web.ui.people import CurrentAgent, authenticate, load_agent, record_login, set_language
from comptoir.web.ui.security import LoginThrottle, new_session

router = APIRouter(include_in_schema=False)


def throttle_of(request: Request) -> LoginThrottle:
    throttle: LoginThrottle | None = getattr(request.app.state, "ui_login_throttle", None)
    if throttle is None:
        throttle = LoginThrottle()
        request.app.state.ui_login_throttle = throttle
    return throttle


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return Page(request, None).render("login.html", next=safe_next(next), error=None, email="")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    await check_csrf(request)
    page = Page(request, None)
    address = request.client.host if request.client else "unknown"
    throttle = throttle_of(request)
    wait = throttle.retry_after(email, address)
    if wait:
        response = page.render(
            "login.html", status_code=429, next=safe_next(next), error="throttled", email=email, wait=wait
        )
        response.headers["Retry-After"] = str(wait)
        return response
    db = runtime_of(request).db
    agent_id = await run_in_threadpool(authenticate, db, email, password)
    agent = await run_in_threadpool(load_agent, db, agent_id) if agent_id is not None else None
    if agent is None:
        throttle.failed(email, address)
        return page.render("login.html", status_code=401, next=safe_next(next), error="invalid", email=email)
    throttle.succeeded(email)
    await run_in_threadpool(record_login, db, agent, "agent.logged_in")
    redirect = RedirectResponse(safe_next(next), status_code=303)
    # A new session and CSRF token at login, valid until the agent's sessions are ended.
    write_session(request, redirect, new_session(agent.id, agent.session_version))
    finish(request, redirect)
    return redirect


@router.post("/logout")
async def logout(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    await run_in_threadpool(record_login, runtime_of(request).db, agent, "agent.logged_out")
    response = RedirectResponse("/login", status_code=303)
    write_session(request, response, new_session(None))
    finish(request, response)
    return response


@router.post("/ui/language")
async def choose_language(request: Request, language: str = Form(...), next: str = Form("/")) -> Response:
    await check_csrf(request)
    if language not in i18n.LANGUAGES:
        language = i18n.DEFAULT_LANGUAGE
    session = read_session(request)
    if isinstance(session.get("a"), int):
        agent = await current_agent(request)
        await run_in_threadpool(set_language, runtime_of(request).db, agent, language)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie("comptoir_lang", language, max_age=365 * 86400, samesite="lax", httponly=True)
    finish(request, response)
    return response
