"""The agent workspace: server-rendered pages (Jinja2 + htmx), sessions, CSRF, French and English.

``install(app)`` adds its routes, static files and the login redirect to a FastAPI app.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from comptoir.web.ui.base import STATIC_DIR, LoginRequired, login_redirect_target


async def _login_required(request: Request, exc: Exception) -> Response:
    wants_page = (
        request.method == "GET"
        and "hx-request" not in request.headers
        and not request.url.path.startswith("/ui/")
    )
    if wants_page:
        return RedirectResponse(login_redirect_target(request), status_code=303)
    response = JSONResponse(
        {"error": {"code": "unauthenticated", "message": "log in first"}}, status_code=401
    )
    response.headers["HX-Redirect"] = "/login"
    return response


def install(app: FastAPI) -> None:
    from comptoir.web.ui import admin, auth_routes, case_routes, inbox_routes, settings_routes

    app.add_exception_handler(LoginRequired, _login_required)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth_routes.router)
    app.include_router(inbox_routes.router)
    app.include_router(case_routes.router)
    app.include_router(settings_routes.router)
    app.include_router(admin.router)
