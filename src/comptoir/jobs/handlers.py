"""Job handlers: processing inbound messages and delivering outbound ones."""

from __future__ import annotations

from typing import Any

from comptoir.actions.ingest import PROCESS_MESSAGE
from comptoir.actions.replies import DELIVER_MESSAGE, mark_delivery
from comptoir.channels.outbox import deliver_outbound
from comptoir.channels.profiles import REFRESH_PROFILE, refresh_profile
from comptoir.domain.enums import DeliveryStatus
from comptoir.jobs.registry import handler, on_dead
from comptoir.pipeline.engine import process_message
from comptoir.runtime import Runtime


@handler(PROCESS_MESSAGE)
def handle_process_message(runtime: Runtime, payload: dict[str, Any]) -> None:
    process_message(runtime, int(payload["message_id"]))


@handler(DELIVER_MESSAGE)
def handle_deliver_message(runtime: Runtime, payload: dict[str, Any]) -> None:
    """Deliver through the platform's connector (channels/outbox.py); sent once, failures explained."""
    deliver_outbound(runtime, int(payload["message_id"]))


@handler(REFRESH_PROFILE)
def handle_refresh_profile(runtime: Runtime, payload: dict[str, Any]) -> None:
    """Author influence: the customer's profile from the platform, stored on the contact."""
    refresh_profile(runtime, int(payload["account_id"]), str(payload["user_id"]))


@on_dead(DELIVER_MESSAGE)
def delivery_gave_up(runtime: Runtime, payload: dict[str, Any]) -> None:
    mark_delivery(
        runtime.db,
        int(payload["message_id"]),
        status=DeliveryStatus.FAILED,
        error=f"gave up after repeated failures: {payload.get('error')}",
    )
