"""The declared schema. Alembic migrations must produce exactly this (tests/integration/test_migrations.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from comptoir.clock import ensure_utc, from_storage

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BigInteger primary keys that still autoincrement on SQLite (which only does it for INTEGER).
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return from_storage(value)


def _ts(name: str, nullable: bool = True) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


brands = Table(
    "brands",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    _ts("created_at", False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200)),
    Column("agent_id", Id, ForeignKey("agents.id")),
    _ts("created_at", False),
    _ts("revoked_at"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("platform", String(20), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("region", String(100)),
    Column("redirect_to", Id, ForeignKey("accounts.id")),
    Column("callback_url", Text),
    Column("callback_secret", String(128)),
    Column("app_id", Id),
    Column("access_token_enc", Text),
    Column("settings", JSON, nullable=False),
    _ts("created_at", False),
    _ts("archived_at"),  # archived: no new messages, hidden from pickers, its history kept
    UniqueConstraint("platform", "external_id"),
)

persons = Table(
    "persons",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("display_name", String(300)),
    _ts("created_at", False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    Column("person_id", Id, ForeignKey("persons.id"), nullable=False, index=True),
    Column("platform", String(20), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("handle", String(200)),
    Column("display_name", String(300)),
    Column("followers", Integer),
    Column("verified", Boolean, nullable=False),
    Column("language", String(12)),
    _ts("created_at", False),
    _ts("updated_at", False),
    UniqueConstraint("brand_id", "platform", "external_id"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text),
    Column("language", String(8)),
    Column("availability", String(10), nullable=False, server_default=text("'offline'")),
    _ts("last_assigned_at"),
    Column("capacity", Integer, nullable=False, server_default=text("10")),
    Column("skills", JSON),
    _ts("created_at", False),
    _ts("disabled_at"),  # disabled: cannot log in, gets no work
    # Bumped to end every open workspace session of the agent (sessions carry the version they were issued at).
    Column("session_version", Integer, nullable=False, server_default=text("0")),
)

agent_brands = Table(
    "agent_brands",
    metadata,
    Column("agent_id", Id, ForeignKey("agents.id"), primary_key=True),
    Column("brand_id", Id, ForeignKey("brands.id"), primary_key=True),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    Column("name", String(200), nullable=False),
    _ts("created_at", False),
    UniqueConstraint("brand_id", "name"),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", Id, ForeignKey("teams.id"), primary_key=True),
    Column("agent_id", Id, ForeignKey("agents.id"), primary_key=True),
)

tags = Table(
    "tags",
    metadata,
    Column("brand_id", Id, ForeignKey("brands.id"), primary_key=True),
    Column("name", String(100), primary_key=True),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("contact_id", Id, ForeignKey("contacts.id")),
    Column("visibility", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("assignee_id", Id, ForeignKey("agents.id")),
    Column("team_id", Id, ForeignKey("teams.id")),
    Column("tags", JSON, nullable=False),
    Column("thread_root", String(200)),
    Column("merged_into", Id),
    Column("linked_conversation_id", Id),
    Column("language", String(12)),
    Column("intent", String(20)),
    Column("sentiment", String(10)),
    Column("urgency", String(10)),
    Column("noise", Boolean, nullable=False, server_default=text("false")),
    Column("sla_policy_id", Id),
    _ts("snoozed_until"),
    _ts("escalated_at"),
    _ts("first_response_due_at"),
    _ts("next_response_due_at"),
    _ts("resolution_due_at"),
    _ts("next_sla_deadline_at"),
    _ts("first_inbound_at"),
    _ts("first_response_at"),
    _ts("waiting_since"),
    _ts("last_activity_at", False),
    _ts("resolved_at"),
    _ts("created_at", False),
    Index("ix_conversations_inbox_waiting", "brand_id", "status", "noise", "waiting_since"),
    Index("ix_conversations_inbox_priority", "brand_id", "status", "noise", "priority"),
    Index("ix_conversations_inbox_activity", "brand_id", "status", "last_activity_at"),
    Index("ix_conversations_contact", "account_id", "contact_id", "visibility", "status"),
    Index("ix_conversations_assignee", "assignee_id", "status"),
    Index("ix_conversations_team", "team_id", "status"),
    Index("ix_conversations_inbox_deadline", "brand_id", "status", "noise", "next_sla_deadline_at"),
)

conversation_tags = Table(
    "conversation_tags",
    metadata,
    Column("conversation_id", Id, ForeignKey("conversations.id"), primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("ix_conversation_tags_tag", "tag", "conversation_id"),
)

thread_links = Table(
    "thread_links",
    metadata,
    Column("account_id", Id, ForeignKey("accounts.id"), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("conversation_id", Id, ForeignKey("conversations.id"), nullable=False, index=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("conversation_id", Id, ForeignKey("conversations.id")),
    Column("direction", String(10), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("external_id", String(200)),
    Column("author", JSON),
    Column("author_contact_id", Id, ForeignKey("contacts.id")),
    Column("author_agent_id", Id, ForeignKey("agents.id")),
    Column("text", Text, nullable=False),
    Column("attachments", JSON, nullable=False),
    _ts("sent_at", False),
    _ts("received_at", False),
    Column("in_reply_to", String(200)),
    Column("thread_key", String(200)),
    Column("raw", JSON),
    Column("processing_state", String(12), nullable=False),
    Column("pipeline_trail", JSON),
    Column("triage", JSON),
    Column("delivery_status", String(10)),
    Column("delivery_error", Text),
    Column("delivery_attempts", Integer, nullable=False, server_default=text("0")),
    Column("provider_id", String(200)),
    Column("idempotency_key", String(200)),
    UniqueConstraint("account_id", "external_id"),
    UniqueConstraint("conversation_id", "idempotency_key"),
    Index("ix_messages_conversation", "conversation_id", "id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    _ts("at", False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("conversation_id", Id),
    Column("message_id", Id),
    Column("data", JSON, nullable=False),
    Index("ix_audit_events_conversation", "conversation_id", "id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("lock", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    _ts("run_at", False),
    _ts("created_at", False),
    _ts("started_at"),
    Column("worker_id", String(100)),
    Column("last_error", Text),
    Index("ix_jobs_claim", "status", "run_at", "id"),
    Index("ix_jobs_lock", "lock", "id"),
    # At most one running job per lock: what keeps one conversation's messages in order across workers.
    Index(
        "uq_jobs_running_lock",
        "lock",
        unique=True,
        sqlite_where=text("status = 'doing'"),
        postgresql_where=text("status = 'doing'"),
    ),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", Id, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("lock", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    _ts("died_at", False),
    _ts("replayed_at"),
)

workers = Table(
    "workers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("hostname", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    _ts("started_at", False),
    _ts("heartbeat_at", False),
)

cursors = Table(
    "cursors",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", JSON, nullable=False),
    _ts("updated_at", False),
)


platform_apps = Table(
    "platform_apps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The brand that manages the app in the workspace; None: a shared app managed from the command line.
    Column("brand_id", Id, ForeignKey("brands.id"), index=True),
    Column("platform", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secrets_enc", Text, nullable=False),
    _ts("created_at", False),
)

triage_corrections = Table(
    "triage_corrections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
    Column("judgement", String(20), nullable=False),
    Column("old_value", String(50)),
    Column("new_value", String(50), nullable=False),
    Column("agent_id", Id, ForeignKey("agents.id")),
    _ts("at", False),
)

calendars = Table(
    "calendars",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    Column("account_id", Id, ForeignKey("accounts.id")),
    Column("spec", JSON, nullable=False),
    _ts("updated_at", False),
    UniqueConstraint("brand_id", "account_id"),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("targets", JSON, nullable=False),
    Column("actions", JSON, nullable=False),
    _ts("updated_at", False),
)

sla_timers = Table(
    "sla_timers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("conversations.id"), nullable=False),
    Column("clock", String(20), nullable=False),
    Column("event", String(10), nullable=False),
    _ts("cycle_started_at", False),
    _ts("fire_at", False),
    _ts("fired_at"),
    UniqueConstraint("conversation_id", "clock", "event"),
    Index("ix_sla_timers_due", "fired_at", "fire_at"),
)

ack_rules = Table(
    "ack_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    _ts("updated_at", False),
)

reply_templates = Table(
    "reply_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("team_id", Id, ForeignKey("teams.id")),
    Column("name", String(100), nullable=False),
    Column("language", String(8), nullable=False),
    Column("body", Text, nullable=False),
    _ts("updated_at", False),
    UniqueConstraint("brand_id", "name", "language"),
)

saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False),
    Column("agent_id", Id, ForeignKey("agents.id")),
    Column("name", String(100), nullable=False),
    Column("filters", JSON, nullable=False),
    _ts("created_at", False),
)


routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("brand_id", Id, ForeignKey("brands.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("target", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    _ts("updated_at", False),
)
