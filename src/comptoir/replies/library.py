"""A brand's reply templates in the database: list, create (audited), and the starter set the demo ships."""

from __future__ import annotations

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError

from comptoir import clock
from comptoir.actions import audit
from comptoir.errors import Conflict, ValidationFailed
from comptoir.replies.templates import ReplyTemplate
from comptoir.store import tables as t
from comptoir.store.db import Database

STARTER_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "excuses",
        "fr",
        "Bonjour {customer.first_name}, nous sommes désolés pour ce désagrément. "
        "Je regarde votre dossier tout de suite et je reviens vers vous. {agent.first_name}",
    ),
    (
        "apology",
        "en",
        "Hi {customer.first_name}, we're sorry for the trouble. "
        "I'm looking into it right now and will get back to you. {agent.first_name}",
    ),
    (
        "message-prive",
        "fr",
        "Bonjour {customer.first_name}, pour vérifier votre dossier en toute sécurité, "
        "pouvez-vous nous écrire en message privé ? {agent.first_name}",
    ),
    (
        "private-message",
        "en",
        "Hi {customer.first_name}, so that we can check your account safely, "
        "could you send us a private message? {agent.first_name}",
    ),
    (
        "suivi",
        "fr",
        "Bonjour {customer.first_name}, votre demande {conversation.reference} est bien suivie : "
        "je vous tiens informé aujourd'hui. {agent.first_name}",
    ),
    (
        "follow-up",
        "en",
        "Hi {customer.first_name}, your request {conversation.reference} is in hand: "
        "I'll keep you posted today. {agent.first_name}",
    ),
    (
        "merci",
        "fr",
        "Merci beaucoup {customer.first_name}, ça fait plaisir à toute l'équipe ! {agent.first_name}",
    ),
    ("thanks", "en", "Thank you so much {customer.first_name}, the whole team is delighted! {agent.first_name}"),
)


def list_templates(db: Database, brand_id: int, team_ids: list[int] | None = None) -> list[ReplyTemplate]:
    """The brand's templates: brand-wide ones plus those of ``team_ids`` (all teams' when None)."""
    rt = t.reply_templates
    query = select(rt).where(rt.c.brand_id == brand_id)
    if team_ids is not None:
        query = query.where(or_(rt.c.team_id.is_(None), rt.c.team_id.in_(team_ids)))
    with db.read() as conn:
        rows = conn.execute(query.order_by(rt.c.name, rt.c.language)).all()
    return [ReplyTemplate(r.id, r.name, r.language, r.body, r.team_id) for r in rows]


def create_template(
    db: Database,
    *,
    brand_id: int,
    name: str,
    language: str,
    body: str,
    team_id: int | None = None,
    actor: str = "cli",
) -> int:
    name = name.strip().lower().replace(" ", "-")
    if not name or not body.strip():
        raise ValidationFailed("a template needs a name and a text")
    if language not in ("fr", "en"):
        raise ValidationFailed("template language must be fr or en", details={"field": "language"})
    try:
        with db.transaction() as tx:
            template_id = int(
                tx.conn.execute(
                    insert(t.reply_templates).values(
                        brand_id=brand_id,
                        team_id=team_id,
                        name=name,
                        language=language,
                        body=body.strip(),
                        updated_at=clock.now(),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action="template.created",
                data={"template_id": template_id, "name": name, "language": language},
            )
    except IntegrityError as exc:
        raise Conflict(f"a template {name!r} in {language} already exists") from exc
    return template_id


def seed_starter_templates(db: Database, brand_id: int) -> int:
    """Create the starter templates the brand lacks; returns how many were created."""
    existing = {(tpl.name, tpl.language) for tpl in list_templates(db, brand_id)}
    created = 0
    for name, language, body in STARTER_TEMPLATES:
        if (name, language) not in existing:
            create_template(db, brand_id=brand_id, name=name, language=language, body=body, actor="system")
            created += 1
    return created
