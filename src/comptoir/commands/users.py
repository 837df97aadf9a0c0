"""`comptoir user create`: an agent who can log in to the workspace (the name is part of the contract)."""

from __future__ import annotations

import sys

import typer

from comptoir.commands.output import emit, guarded
from comptoir.domain.enums import Role
from comptoir.errors import ValidationFailed
from comptoir.runtime import build_runtime
from comptoir.web.ui.people import create_user

user_app = typer.Typer(help="Workspace users (agents, supervisors, admins).", no_args_is_help=True)


@user_app.command("create")
def user_create(
    brand: list[int] = typer.Option(..., "--brand", help="Brand id (repeat for several brands)."),
    email: str = typer.Option(..., "--email", help="Login e-mail address."),
    name: str = typer.Option(..., "--name", help="Display name (its first word signs replies)."),
    role: Role = typer.Option(Role.AGENT, "--role", help="agent, supervisor or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
) -> None:
    """Create a user who can log in; prints {"id": ...}. The password is read from stdin, never from argv."""

    def create() -> int:
        if not password_stdin:
            raise ValidationFailed("pass the password on standard input with --password-stdin")
        password = sys.stdin.readline().rstrip("\r\n")
        db = build_runtime().db
        return create_user(
            db, brand_ids=list(brand), email=email, name=name, role=role.value, password=password
        )

    emit({"id": guarded(create)})
