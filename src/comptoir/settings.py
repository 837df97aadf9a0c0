"""Every server setting, declared once: type, default and help. Environment variables ``COMPTOIR_*``.

A brand's own policies (SLA targets, routing rules, templates) live in the database, not here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TriageBackendSetting(BaseModel):
    """One HTTP classifier used for a triage judgement (see comptoir.triage.http_backend for the contract)."""

    judgement: Literal["intent", "sentiment", "spam", "urgency", "needs_reply"]
    url: str = Field(pattern=r"^https?://")
    brand: str | None = None  # a brand id: only this brand's messages; none: every brand without its own
    name: str | None = None  # shown in the explanations; default: the URL's host
    token: str | None = None  # sent as "Authorization: Bearer <token>"
    timeout_seconds: float = Field(2.0, gt=0, le=60)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="Directory for the SQLite database and local state.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: SQLite in WAL mode at <data_dir>/comptoir.db. "
        "Production: postgresql+psycopg://user:pass@host/db",
    )
    max_body_bytes: int = Field(1024 * 1024, description="Largest accepted request body, in bytes.")
    max_batch: int = Field(1000, description="Largest number of messages in one ingestion batch.")
    reopen_window_days: float = Field(
        7.0, description="A private message this soon after resolution reopens the conversation."
    )
    follow_up_link_window_hours: float = Field(
        72.0,
        description="Hours after the brand's public reply during which a new private conversation of the same "
        "person is linked to that public conversation (only when exactly one fits).",
    )
    inprocess_workers: int = Field(
        1, description="Job-runner threads inside `comptoir serve` (SQLite always runs jobs in-process)."
    )
    job_poll_seconds: float = Field(1.0, description="Longest a worker sleeps between polls for jobs.")
    job_max_attempts: int = Field(6, description="Attempts before a job goes to the dead-letter table.")
    job_backoff_base_seconds: float = Field(2.0, description="Retry delay = base * 2**(attempt-1), capped.")
    job_backoff_max_seconds: float = Field(600.0, description="Cap on the retry delay.")
    worker_heartbeat_seconds: float = Field(5.0, description="How often a worker says it is alive.")
    worker_stale_seconds: float = Field(
        30.0, description="A worker silent this long is dead; its running jobs are handed back."
    )
    delivery_timeout_seconds: float = Field(10.0, description="HTTP timeout for outbound deliveries.")
    meta_graph_url: str = Field(
        "https://graph.facebook.com/v25.0",
        description="Meta Graph API base URL, version included (the Meta simulator: http://127.0.0.1:8081/v25.0).",
    )
    instagram_graph_url: str | None = Field(
        None,
        description="Graph base URL for Instagram accounts (Instagram Login: https://graph.instagram.com/v25.0).",
    )
    x_api_url: str = Field(
        "https://api.x.com", description="X API base URL (the X simulator: http://127.0.0.1:8082)."
    )
    x_max_rate_limit_wait_seconds: float = Field(
        0.0,
        description="Sleep until x-rate-limit-reset when it is this close; otherwise fail with the reset time.",
    )
    secret_key: str = Field(
        "dev-insecure-change-me",
        description="Key for signing sessions and encrypting platform secrets at rest. Set it in production.",
    )
    triage_backends: list[TriageBackendSetting] = Field(
        [],
        description='HTTP classifiers replacing a triage judgement, as JSON: `[{"judgement": "intent", "url": '
        '"http://127.0.0.1:9000/classify", "brand": null, "token": null, "timeout_seconds": 2}]` '
        "(docs/triage.md, Backends); the default triage answers when one fails.",
    )
    log_level: str = Field("INFO", description="Python logging level.")

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'comptoir.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
