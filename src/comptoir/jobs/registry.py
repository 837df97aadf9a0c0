"""Job kinds and their handlers: a table, not a chain of ifs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comptoir.runtime import Runtime

Handler = Callable[[Runtime, dict[str, Any]], None]

HANDLERS: dict[str, Handler] = {}
#: Called once when a job of that kind is moved to the dead letters (payload gets an "error" key).
ON_DEAD: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``function`` as the handler of jobs of ``kind``."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def on_dead(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        ON_DEAD[kind] = function
        return function

    return register


def load_handlers() -> dict[str, Handler]:
    """Import the modules that register handlers, then return the table."""
    import comptoir.jobs.assignment
    import comptoir.jobs.escalation
    import comptoir.jobs.handlers
    import comptoir.jobs.sla_actions
    import comptoir.jobs.sla_recompute
    import comptoir.jobs.triage_training  # noqa: F401

    return HANDLERS
