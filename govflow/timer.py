"""Timers (计时器): a deadline's due instant, stored as data beside its instance.

Timers are written in the same transaction as the state change that arms them and are swept
by `Engine.tick()`; nothing lives in process memory, so a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs


@attrs.frozen
class Timer:
    """One pending due time of one instance.

    `state` is the state that armed it (the timer is cancelled when that state is left), or
    None for an obligation that outlives its state. `action` says what happens when it is due
    (``overdue``, ``fire``, ``escalate``, ``remind``), `params` carries what is needed to
    recompute the due time (anchor date, kind) and to show it (label, period).
    """

    id: str
    instance_id: str
    name: str
    due: datetime
    action: str
    state: str | None
    params: Mapping[str, Any] = attrs.field(factory=dict)
    provisional: bool = False
    status: str = "pending"
    attempts: int = 0
    """How many times the sweep tried to act on this timer and failed (重试次数); 0 until one fails."""
    retry_at: datetime | None = None
    """After a failed attempt, the instant before which no sweep tries again (back-off)."""
    last_error: str | None = None
    """Why the last attempt failed, one line, for the operator (``govflow timers --failed``)."""

    @property
    def is_open(self) -> bool:
        """Pending, or passed and still unmet (overdue)."""
        return self.status in OPEN


OPEN = ("pending", "overdue")
"""Statuses of timers that still matter: not yet due, or due and not met (逾期未办)."""

CLOSED = ("fired", "cancelled", "met", "late", "failed", "superseded")
"""Statuses of settled timers: the action ran, the state was left in time, the duty was met in
time or late, the system fire was refused or kept failing (parked, 挂起: an operator may re-arm
it), or a newer obligation replaced this one."""
