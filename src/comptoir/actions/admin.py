"""Administration actions: brands, accounts (archive, delete), API tokens, teams, agents."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from comptoir import clock
from comptoir.actions import audit
from comptoir.domain.enums import AccountKind, Platform
from comptoir.domain.models import Account
from comptoir.errors import AccountNotFound, Conflict, NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx


def create_brand(db: Database, name: str, *, actor: str = "cli") -> int:
    name = name.strip()
    if not name:
        raise ValidationFailed("a brand needs a name")
    try:
        with db.transaction() as tx:
            brand_id = int(
                tx.conn.execute(
                    insert(t.brands).values(name=name, created_at=clock.now())
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            audit.record(tx, brand_id=brand_id, actor=actor, action="brand.created", data={"name": name})
    except IntegrityError as exc:
        raise Conflict(f"a brand named {name!r} already exists") from exc
    return brand_id


def require_brand(tx: Tx, brand_id: int) -> None:
    if tx.conn.execute(select(t.brands.c.id).where(t.brands.c.id == brand_id)).first() is None:
        raise NotFound(f"brand {brand_id} does not exist")


def create_account(
    db: Database,
    *,
    brand_id: int,
    platform: Platform,
    handle: str,
    external_id: str | None = None,
    kind: AccountKind = AccountKind.CARE,
    region: str | None = None,
    redirect_to: int | None = None,
    callback_url: str | None = None,
    app_id: int | None = None,
    access_token_enc: str | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    """Create an account; API accounts get a callback secret used to sign outbound deliveries."""
    callback_secret = secrets.token_urlsafe(32) if platform == Platform.API else None
    ext = external_id or (handle if platform != Platform.API else f"api:{secrets.token_hex(8)}")
    try:
        with db.transaction() as tx:
            require_brand(tx, brand_id)
            if redirect_to is not None:
                target = tx.conn.execute(
                    select(t.accounts.c.brand_id).where(t.accounts.c.id == redirect_to, t.accounts.c.archived_at.is_(None))
                ).first()
                if target is None or target.brand_id != brand_id:
                    raise AccountNotFound(f"redirect target account {redirect_to} not found in this brand")
            account_id = int(
                tx.conn.execute(
                    insert(t.accounts).values(
                        brand_id=brand_id,
                        platform=platform.value,
                        external_id=ext,
                        handle=handle,
                        kind=kind.value,
                        region=region,
                        redirect_to=redirect_to,
                        callback_url=callback_url,
                        callback_secret=callback_secret,
                        app_id=app_id,
                        access_token_enc=access_token_enc,
                        settings={},
                        created_at=clock.now(),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action="account.created",
                data={"account_id": account_id, "platform": platform.value, "handle": handle},
            )
    except IntegrityError as exc:
        raise Conflict(f"an account {platform.value}:{ext} already exists") from exc
    result: dict[str, Any] = {"id": account_id}
    if callback_secret:
        result["callback_secret"] = callback_secret
    return result


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, brand_id: int, label: str | None = None, agent_id: int | None = None) -> str:
    """Create a brand API token; only its hash is stored."""
    token = "cpt_" + secrets.token_urlsafe(32)
    with db.transaction() as tx:
        require_brand(tx, brand_id)
        tx.conn.execute(
            insert(t.api_tokens).values(
                brand_id=brand_id,
                token_hash=hash_token(token),
                label=label,
                agent_id=agent_id,
                created_at=clock.now(),
            )
        )
        audit.record(tx, brand_id=brand_id, actor="cli", action="token.created", data={"label": label})
    return token


def brand_for_token(db: Database, token: str) -> int | None:
    with db.read() as conn:
        row = conn.execute(
            select(t.api_tokens.c.brand_id).where(
                t.api_tokens.c.token_hash == hash_token(token), t.api_tokens.c.revoked_at.is_(None)
            )
        ).first()
    return int(row.brand_id) if row else None


def create_team(db: Database, brand_id: int, name: str, *, actor: str = "cli") -> int:
    with db.transaction() as tx:
        require_brand(tx, brand_id)
        team_id = int(
            tx.conn.execute(
                insert(t.teams).values(brand_id=brand_id, name=name, created_at=clock.now())
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        audit.record(tx, brand_id=brand_id, actor=actor, action="team.created", data={"team_id": team_id})
    return team_id


def account_from_row(row: Any) -> Account:
    return Account(
        id=row.id,
        brand_id=row.brand_id,
        platform=Platform(row.platform),
        external_id=row.external_id,
        handle=row.handle,
        kind=AccountKind(row.kind),
        region=row.region,
        redirect_to=row.redirect_to,
        callback_url=row.callback_url,
    )


def get_account(conn_or_tx: Any, account_id: int) -> Account | None:
    conn = conn_or_tx.conn if isinstance(conn_or_tx, Tx) else conn_or_tx
    row = conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)).first()
    return account_from_row(row) if row else None


def create_agent(
    db: Database,
    *,
    brand_ids: list[int],
    email: str,
    name: str,
    role: str = "agent",
    team_ids: list[int] | None = None,
    actor: str = "cli",
) -> int:
    """Create an agent belonging to ``brand_ids`` (login credentials come with the agent workspace)."""
    with db.transaction() as tx:
        for brand_id in brand_ids:
            require_brand(tx, brand_id)
        try:
            agent_id = int(
                tx.conn.execute(
                    insert(t.agents).values(email=email.lower(), name=name, role=role, created_at=clock.now())
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        except IntegrityError as exc:
            raise Conflict(f"an agent with e-mail {email!r} already exists") from exc
        tx.conn.execute(insert(t.agent_brands), [{"agent_id": agent_id, "brand_id": b} for b in brand_ids])
        if team_ids:
            tx.conn.execute(
                insert(t.team_members), [{"team_id": tm, "agent_id": agent_id} for tm in team_ids]
            )
        for brand_id in brand_ids:
            audit.record(
                tx, brand_id=brand_id, actor=actor, action="agent.created", data={"agent_id": agent_id}
            )
    return agent_id


def _agent_row_in(tx: Tx, brand_id: int, agent_id: int) -> Any:
    ag, ab = t.agents, t.agent_brands
    row = tx.conn.execute(
        select(ag.c.id, ag.c.role)
        .join(ab, ab.c.agent_id == ag.c.id)
        .where(ag.c.id == agent_id, ab.c.brand_id == brand_id)
    ).first()
    if row is None:
        raise NotFound(f"agent {agent_id} not found in this brand")
    return row


def change_agent_role(
    db: Database, brand_id: int, agent_id: int, role: str, *, by_id: int, by_role: str, actor: str = "cli"
) -> None:
    """Change an agent's role. Only an admin grants or withdraws the admin role; nobody changes their own."""
    from comptoir.domain.enums import Role

    if role not in {r.value for r in Role}:
        raise ValidationFailed(f"role: one of {', '.join(r.value for r in Role)}", details={"kind": "choice"})
    if agent_id == by_id:
        raise ValidationFailed("you cannot change your own role", details={"kind": "self"})
    with db.transaction() as tx:
        row = _agent_row_in(tx, brand_id, agent_id)
        if Role.ADMIN.value in (role, row.role) and by_role != Role.ADMIN.value:
            raise ValidationFailed("only an admin can grant or withdraw the admin role", details={"kind": "role"})
        tx.conn.execute(update(t.agents).where(t.agents.c.id == agent_id).values(role=role))
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="agent.role_changed",
            data={"agent_id": agent_id, "before": row.role, "after": role},
        )


def end_sessions(tx: Tx, agent_id: int) -> None:
    """End every open workspace session of the agent: the next request with an older cookie must log in again."""
    tx.conn.execute(
        update(t.agents).where(t.agents.c.id == agent_id).values(session_version=t.agents.c.session_version + 1)
    )


def _revoke_tokens(tx: Tx, agent_id: int, brand_id: int | None = None) -> int:
    """Revoke the agent's personal API tokens (in one brand, or all of them)."""
    k = t.api_tokens
    condition = (k.c.agent_id == agent_id) & k.c.revoked_at.is_(None)
    if brand_id is not None:
        condition = condition & (k.c.brand_id == brand_id)
    return int(tx.conn.execute(update(k).where(condition).values(revoked_at=clock.now())).rowcount or 0)


def _release(tx: Tx, agent_id: int, brand_ids: list[int]) -> int:
    """Unassign the agent's unresolved conversations in those brands (the waiting queue takes them back)."""
    c = t.conversations
    return int(
        tx.conn.execute(
            update(c)
            .where(c.c.brand_id.in_(brand_ids), c.c.assignee_id == agent_id, c.c.status != "resolved")
            .values(assignee_id=None)
        ).rowcount
        or 0
    )


def remove_agent_from_brand(db: Database, brand_id: int, agent_id: int, *, by_id: int, actor: str = "cli") -> None:
    """Take the agent out of the brand: its teams there go, its open assignments there are released, its personal
    API tokens of the brand are revoked and its open sessions end (it logs in again to see its other brands)."""
    if agent_id == by_id:
        raise ValidationFailed("you cannot remove yourself from a brand", details={"kind": "self"})
    with db.transaction() as tx:
        _agent_row_in(tx, brand_id, agent_id)
        team_ids = select(t.teams.c.id).where(t.teams.c.brand_id == brand_id).scalar_subquery()
        tx.conn.execute(
            delete(t.team_members).where(t.team_members.c.agent_id == agent_id, t.team_members.c.team_id.in_(team_ids))
        )
        released = _release(tx, agent_id, [brand_id])
        tx.conn.execute(
            delete(t.agent_brands).where(t.agent_brands.c.agent_id == agent_id, t.agent_brands.c.brand_id == brand_id)
        )
        revoked = _revoke_tokens(tx, agent_id, brand_id)
        end_sessions(tx, agent_id)
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="agent.brand_left",
            data={"agent_id": agent_id, "released_conversations": released, "revoked_tokens": revoked},
        )


def set_agent_disabled(
    db: Database,
    brand_id: int,
    agent_id: int,
    disabled: bool,
    *,
    by_id: int,
    by_role: str,
    by_brands: Collection[int],
    actor: str = "cli",
) -> None:
    """Disable an agent (no login, its sessions end at once, its personal API tokens are revoked, it is offline
    and its unresolved conversations are released) or enable it again (it logs in with its password).

    Nobody disables themselves; only an admin disables an admin; and an agent who also works for a brand the actor
    does not (``by_brands``) is removed from this brand instead — a brand never decides for another one."""
    from comptoir.domain.enums import Role

    if agent_id == by_id:
        raise ValidationFailed("you cannot disable your own account", details={"kind": "self"})
    with db.transaction() as tx:
        row = _agent_row_in(tx, brand_id, agent_id)
        if row.role == Role.ADMIN.value and by_role != Role.ADMIN.value:
            raise ValidationFailed("only an admin can disable or enable an admin", details={"kind": "admin_only"})
        brands = sorted(
            int(b)
            for b in tx.conn.execute(
                select(t.agent_brands.c.brand_id).where(t.agent_brands.c.agent_id == agent_id)
            ).scalars()
        )
        if any(b not in by_brands for b in brands):
            raise ValidationFailed(
                f"agent {agent_id} also works for another brand: remove them from this brand instead",
                details={"kind": "other_brands"},
            )
        current = tx.conn.execute(select(t.agents.c.disabled_at).where(t.agents.c.id == agent_id)).scalar_one()
        if (current is not None) == disabled:
            return
        data: dict[str, Any] = {"agent_id": agent_id}
        if disabled:
            tx.conn.execute(
                update(t.agents)
                .where(t.agents.c.id == agent_id)
                .values(disabled_at=clock.now(), availability="offline")
            )
            end_sessions(tx, agent_id)
            data["revoked_tokens"] = _revoke_tokens(tx, agent_id)
            data["released_conversations"] = _release(tx, agent_id, brands)
        else:
            tx.conn.execute(update(t.agents).where(t.agents.c.id == agent_id).values(disabled_at=None))
        for brand in brands:
            audit.record(
                tx, brand_id=brand, actor=actor, action="agent.disabled" if disabled else "agent.enabled", data=data
            )


# -- archiving and deleting accounts --------------------------------------------------------------------


def _account_row_in(tx: Tx, brand_id: int, account_id: int) -> Any:
    row = tx.conn.execute(
        select(t.accounts).where(t.accounts.c.id == account_id, t.accounts.c.brand_id == brand_id)
    ).first()
    if row is None:
        raise AccountNotFound(f"account {account_id} not found in this brand")
    return row


def _refuse_if_redirected_to(tx: Tx, account_id: int, what: str) -> None:
    """Customers must never be sent to an account that no longer takes messages."""
    a = t.accounts
    sources = tx.conn.execute(
        select(a.c.handle).where(a.c.redirect_to == account_id, a.c.id != account_id).order_by(a.c.id)
    ).all()
    if sources:
        handles = ", ".join(str(r.handle) for r in sources)
        raise ValidationFailed(
            f"cannot {what} account {account_id}: {handles} redirect(s) customers to it; change that first",
            details={"kind": "redirected", "accounts": [str(r.handle) for r in sources]},
        )


def active_account_brand(conn_or_tx: Any, account_id: int) -> int | None:
    """The brand of an account that takes new messages (None when it does not exist or is archived)."""
    conn = conn_or_tx.conn if isinstance(conn_or_tx, Tx) else conn_or_tx
    a = t.accounts
    value = conn.execute(
        select(a.c.brand_id).where(a.c.id == account_id, a.c.archived_at.is_(None))
    ).scalar_one_or_none()
    return int(value) if value is not None else None


def archive_account(db: Database, brand_id: int, account_id: int, *, actor: str = "cli") -> None:
    """Archive an account: it takes no new messages (ingestion and webhooks treat it as unknown) and is no longer
    offered in pickers; its conversations and messages stay. Refused while another account redirects to it."""
    with db.transaction() as tx:
        row = _account_row_in(tx, brand_id, account_id)
        if row.archived_at is not None:
            return
        _refuse_if_redirected_to(tx, account_id, "archive")
        tx.conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(archived_at=clock.now()))
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="account.archived",
            data={"account_id": account_id, "platform": row.platform, "handle": row.handle},
        )


def restore_account(db: Database, brand_id: int, account_id: int, *, actor: str = "cli") -> None:
    """Take an archived account back into service."""
    with db.transaction() as tx:
        row = _account_row_in(tx, brand_id, account_id)
        if row.archived_at is None:
            return
        tx.conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(archived_at=None))
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="account.restored",
            data={"account_id": account_id, "platform": row.platform, "handle": row.handle},
        )


def account_history(conn_or_tx: Any, account_id: int) -> tuple[int, int]:
    """How many conversations and messages an account holds."""
    conn = conn_or_tx.conn if isinstance(conn_or_tx, Tx) else conn_or_tx
    conversations = conn.execute(
        select(func.count()).select_from(t.conversations).where(t.conversations.c.account_id == account_id)
    ).scalar_one()
    messages = conn.execute(
        select(func.count()).select_from(t.messages).where(t.messages.c.account_id == account_id)
    ).scalar_one()
    return int(conversations), int(messages)


def delete_account(db: Database, brand_id: int, account_id: int, *, actor: str = "cli") -> None:
    """Delete an account that holds nothing: refused (Conflict, ``kind`` "has_history") when it has conversations
    or messages — archive it instead — and while another account redirects to it. Its own calendar goes too."""
    with db.transaction() as tx:
        row = _account_row_in(tx, brand_id, account_id)
        conversations, messages = account_history(tx, account_id)
        if conversations or messages:
            raise Conflict(
                f"account {account_id} has {conversations} conversation(s) and {messages} message(s): "
                "archive it instead, its history is kept",
                details={"kind": "has_history", "conversations": conversations, "messages": messages},
            )
        _refuse_if_redirected_to(tx, account_id, "delete")
        tx.conn.execute(delete(t.calendars).where(t.calendars.c.account_id == account_id))
        tx.conn.execute(delete(t.thread_links).where(t.thread_links.c.account_id == account_id))
        tx.conn.execute(delete(t.accounts).where(t.accounts.c.id == account_id))
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="account.deleted",
            data={"account_id": account_id, "platform": row.platform, "handle": row.handle},
        )
