"""Agents as users of the workspace: passwords, who is logged in, their brands, teams and language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from comptoir.actions import admin, audit
from comptoir.domain.enums import Role
from comptoir.errors import NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.web.ui.security import MIN_PASSWORD_LENGTH, hash_password, verify_password

LANGUAGES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class CurrentAgent:
    id: int
    email: str
    name: str
    role: str
    language: str | None
    brands: dict[int, str]
    team_ids: tuple[int, ...]
    session_version: int = 0

    @property
    def brand_ids(self) -> list[int]:
        return sorted(self.brands)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def actor(self) -> str:
        return f"agent:{self.id}"

    @property
    def can_supervise(self) -> bool:
        return self.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", details={"field": "password"}
        )


def set_password(db: Database, agent_id: int, password: str, *, actor: str = "cli") -> None:
    """Store an argon2 hash of ``password`` (audited in each of the agent's brands; the hash is not logged)."""
    _check_password(password)
    hashed = hash_password(password)
    with db.transaction() as tx:
        found = tx.conn.execute(update(t.agents).where(t.agents.c.id == agent_id).values(password_hash=hashed))
        if found.rowcount == 0:
            raise NotFound(f"agent {agent_id} not found")
        brand_ids = tx.conn.execute(
            select(t.agent_brands.c.brand_id).where(t.agent_brands.c.agent_id == agent_id)
        ).scalars()
        for brand_id in brand_ids:
            audit.record(
                tx, brand_id=brand_id, actor=actor, action="agent.password_set", data={"agent_id": agent_id}
            )


def create_user(
    db: Database,
    *,
    brand_ids: list[int],
    email: str,
    name: str,
    role: str,
    password: str,
    actor: str = "cli",
) -> int:
    """An agent who can log in: ``comptoir user create``."""
    if role not in {r.value for r in Role}:
        raise ValidationFailed(f"unknown role {role!r}", details={"allowed": [r.value for r in Role]})
    if "@" not in email or not name.strip():
        raise ValidationFailed("a user needs an e-mail address and a name")
    _check_password(password)
    agent_id = admin.create_agent(
        db, brand_ids=brand_ids, email=email, name=name.strip(), role=role, actor=actor
    )
    set_password(db, agent_id, password, actor=actor)
    return agent_id


def agent_id_by_email(db: Database, email: str) -> int | None:
    with db.read() as conn:
        row = conn.execute(select(t.agents.c.id).where(t.agents.c.email == email.strip().lower())).first()
    return int(row.id) if row else None


def authenticate(db: Database, email: str, password: str) -> int | None:
    """The agent id for these credentials, or None (one argon2 verification either way)."""
    with db.read() as conn:
        row = conn.execute(
            select(t.agents.c.id, t.agents.c.password_hash).where(t.agents.c.email == email.strip().lower())
        ).first()
    if row is None or row.password_hash is None:
        verify_password(None, password)
        return None
    return int(row.id) if verify_password(row.password_hash, password) else None


def load_agent(db: Database, agent_id: int) -> CurrentAgent | None:
    """The agent who may use the workspace (None: unknown, without a password, or disabled)."""
    with db.read() as conn:
        row = conn.execute(select(t.agents).where(t.agents.c.id == agent_id)).first()
        if row is None or row.password_hash is None or row.disabled_at is not None:
            return None
        brands = {
            int(r.id): str(r.name)
            for r in conn.execute(
                select(t.brands.c.id, t.brands.c.name)
                .join(t.agent_brands, t.agent_brands.c.brand_id == t.brands.c.id)
                .where(t.agent_brands.c.agent_id == agent_id)
            )
        }
        teams = tuple(
            int(x)
            for x in conn.execute(
                select(t.team_members.c.team_id).where(t.team_members.c.agent_id == agent_id)
            ).scalars()
        )
    return CurrentAgent(
        id=int(row.id),
        email=str(row.email),
        name=str(row.name),
        role=str(row.role),
        language=row.language,
        brands=brands,
        team_ids=teams,
        session_version=int(row.session_version or 0),
    )


def set_language(db: Database, agent: CurrentAgent, language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed(f"unsupported language {language!r}", details={"allowed": list(LANGUAGES)})
    with db.transaction() as tx:
        tx.conn.execute(update(t.agents).where(t.agents.c.id == agent.id).values(language=language))
        for brand_id in agent.brand_ids:
            audit.record(
                tx,
                brand_id=brand_id,
                actor=agent.actor,
                action="agent.settings_changed",
                data={"language": language},
            )


def record_login(db: Database, agent: CurrentAgent, action: str) -> None:
    """Audit a login or logout in each of the agent's brands."""
    with db.transaction() as tx:
        for brand_id in agent.brand_ids:
            audit.record(tx, brand_id=brand_id, actor=agent.actor, action=action, data={})
