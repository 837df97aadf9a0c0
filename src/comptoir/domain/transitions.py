"""The conversation status transition table: the only legal moves, and what triggers them."""

from __future__ import annotations

from comptoir.domain.enums import ConversationStatus as S
from comptoir.errors import InvalidTransition

#: (from, to) pairs an agent may request. A customer message on any non-open conversation
#: sets it back to open (see :func:`status_after_customer_message`).
ALLOWED: frozenset[tuple[S, S]] = frozenset(
    {
        (S.OPEN, S.PENDING),
        (S.OPEN, S.SNOOZED),
        (S.OPEN, S.RESOLVED),
        (S.PENDING, S.OPEN),
        (S.PENDING, S.SNOOZED),
        (S.PENDING, S.RESOLVED),
        (S.SNOOZED, S.OPEN),
        (S.SNOOZED, S.PENDING),
        (S.SNOOZED, S.RESOLVED),
        (S.RESOLVED, S.OPEN),
    }
)


def check_transition(current: S, target: S) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` → ``target`` is in the table."""
    if current == target:
        return
    if (current, target) not in ALLOWED:
        raise InvalidTransition(
            f"cannot move a conversation from {current} to {target}",
            details={"from": str(current), "to": str(target)},
        )


def status_after_customer_message(current: S) -> S:
    """A customer writing again makes any conversation open (resolved ones reopen within the window)."""
    return S.OPEN
