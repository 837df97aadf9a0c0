"""The ``assign_waiting`` job: when capacity frees up, the team's oldest waiting conversations get agents."""

from __future__ import annotations

import logging
from typing import Any

from comptoir.actions.assignment import assign_waiting
from comptoir.jobs.registry import handler
from comptoir.runtime import Runtime

log = logging.getLogger(__name__)


@handler("assign_waiting")
def handle_assign_waiting(runtime: Runtime, payload: dict[str, Any]) -> None:
    team_id = int(payload["team_id"])
    done = assign_waiting(runtime.db, team_id)
    if done:
        log.info("team %s: assigned %d waiting conversation(s)", team_id, len(done))
