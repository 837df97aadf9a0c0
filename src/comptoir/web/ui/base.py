"""What every workspace route shares: the session, the logged-in agent, CSRF checks, the language, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from comptoir import clock
from comptoir.errors import ComptoirError, ErrorCode, Forbidden
from comptoir.runtime import Runtime
from comptoir.web.ui import i18n
from comptoir.web.ui.people import CurrentAgent, load_agent
from comptoir.web.ui.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    SessionSigner,
    csrf_matches,
    new_session,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class LoginRequired(ComptoirError):
    """No valid session: pages redirect to the login form, htmx and API-style calls get 401."""

    code = ErrorCode.UNAUTHENTICATED
    http_status = 401


class CsrfFailed(Forbidden):
    """A state-changing request without the session's CSRF token (or from another origin)."""


def _duration(seconds: float) -> str:
    seconds = abs(int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}"
    return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"


def _parse(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return clock.ensure_utc(value)
    return clock.ensure_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _since(value: datetime | str | None) -> str:
    if value is None:
        return ""
    when = _parse(value)
    return _duration((clock.now() - when).total_seconds())


def _iso(value: datetime | str | None) -> str:
    return clock.isoformat_z(_parse(value)) if value else ""


def _hhmm(value: datetime | str | None) -> str:
    if value is None:
        return ""
    return _parse(value).strftime("%Y-%m-%d %H:%M UTC")


def _build_env(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["since"] = _since
    env.filters["iso"] = _iso
    env.filters["hhmm"] = _hhmm
    env.filters["duration"] = _duration
    env.globals["language"] = language
    return env


_ENVS: dict[str, Environment] = {lang: _build_env(lang) for lang in i18n.LANGUAGES}


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def signer_of(request: Request) -> SessionSigner:
    signer: SessionSigner | None = getattr(request.app.state, "ui_signer", None)
    if signer is None:
        signer = SessionSigner(runtime_of(request).settings.secret_key)
        request.app.state.ui_signer = signer
    return signer


def read_session(request: Request) -> dict[str, Any]:
    """The request's session (a fresh anonymous one, with a CSRF token, when there is none)."""
    cached = request.scope.get("comptoir.session")
    if cached is not None:
        return dict(cached)
    data = signer_of(request).loads(request.cookies.get(SESSION_COOKIE))
    fresh = data is None
    session = data or new_session(None)
    request.scope["comptoir.session"] = session
    request.scope["comptoir.session_fresh"] = fresh
    return dict(session)


def write_session(request: Request, response: Response, session: dict[str, Any]) -> None:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(
        SESSION_COOKIE,
        signer_of(request).dumps(session),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def csrf_token(request: Request) -> str:
    return str(read_session(request)["c"])


async def current_agent(request: Request) -> CurrentAgent:
    """FastAPI dependency: the logged-in agent, or LoginRequired."""
    cached = request.scope.get("comptoir.agent")
    if isinstance(cached, CurrentAgent):
        return cached
    session = read_session(request)
    agent_id = session.get("a")
    if not isinstance(agent_id, int):
        raise LoginRequired("log in first")
    agent = await run_in_threadpool(load_agent, runtime_of(request).db, agent_id)
    if agent is None:
        raise LoginRequired("this session's agent no longer exists or is disabled")
    if session.get("v", 0) != agent.session_version:
        # The agent's sessions were ended (removed from a brand, disabled) after this one was issued.
        raise LoginRequired("this session has ended: log in again")
    request.scope["comptoir.agent"] = agent
    return agent


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token (header or form field) is not the session's."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise CsrfFailed("cross-origin request refused")
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not csrf_matches(read_session(request).get("c"), given):
        raise CsrfFailed("missing or wrong CSRF token")


async def acting_agent(request: Request) -> CurrentAgent:
    """FastAPI dependency for POST routes: a logged-in agent and a valid CSRF token."""
    agent = await current_agent(request)
    await check_csrf(request)
    return agent


def require_supervisor(agent: CurrentAgent) -> None:
    if not agent.can_supervise:
        raise Forbidden("supervisors and admins only")


def language_of(request: Request, agent: CurrentAgent | None = None) -> str:
    if agent is not None and agent.language in i18n.LANGUAGES:
        return str(agent.language)
    chosen = request.cookies.get("comptoir_lang")
    if chosen in i18n.LANGUAGES:
        return str(chosen)
    return i18n.negotiate(request.headers.get("accept-language"))


@dataclass(frozen=True, slots=True)
class Page:
    request: Request
    agent: CurrentAgent | None

    @property
    def language(self) -> str:
        return language_of(self.request, self.agent)

    def gettext(self, message: str) -> str:
        return str(i18n.translations(self.language).gettext(message))

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        env = _ENVS[self.language]
        html = env.get_template(template).render(
            agent=self.agent,
            csrf_token=csrf_token(self.request),
            path=self.request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status_code)
        finish(self.request, response)
        return response


def finish(request: Request, response: Response) -> None:
    """Security headers on every workspace response, and the session cookie when it was just created."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    if request.scope.get("comptoir.session_fresh"):
        write_session(request, response, read_session(request))


def login_redirect_target(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return "/login?next=" + quote(target, safe="")


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
