"""Delivery records (通知投递记录): what was sent to whom, over which channel, and how it went.

Pure data, stored by the storage adapters (table ``deliveries``) so every process of a service
sees the same state: `govflow.notify` writes them, operators query them. One record per (feed
event, recipient, channel) — its `key` — which is what keeps a notification from going out twice.
"""

from __future__ import annotations

from datetime import datetime

import attrs

PENDING = "pending"
"""Routed, not yet tried."""
SENDING = "sending"
"""Handed to the channel; if the process died here the outcome is unknown and it is tried again."""
SENT = "sent"
"""The channel accepted it (已发送)."""
FAILED = "failed"
"""The last try failed (`reason` says why); tried again at `next_attempt`."""
GAVE_UP = "gave_up"
"""Failed `attempts` times, the most a notifier tries; left for a person to look at."""
STATUSES = (PENDING, SENDING, SENT, FAILED, GAVE_UP)


def delivery_key(event_id: str, recipient: str, channel: str) -> str:
    """The record's identity: one per feed event, recipient and channel."""
    return f"{event_id}|{recipient}|{channel}"


@attrs.frozen
class Delivery:
    """One notification to one recipient over one channel, and its state."""

    key: str
    event_id: str
    instance_id: str
    recipient: str
    channel: str
    status: str
    attempts: int
    subject: str
    body: str
    created_at: datetime
    updated_at: datetime
    address: str | None = None
    reason: str | None = None
    next_attempt: datetime | None = None


@attrs.frozen
class DeliveryQuery:
    """Which delivery records to list: by status, event, instance, recipient, channel, and
    `due_by` (retries whose `next_attempt` is at or before it). Ordered by creation, then key."""

    statuses: tuple[str, ...] | None = None
    event_id: str | None = None
    instance_id: str | None = None
    recipient: str | None = None
    channel: str | None = None
    due_by: datetime | None = None
    limit: int | None = None

    def matches(self, d: Delivery) -> bool:
        """Whether `d` is one of the records asked for."""
        return (
            (self.statuses is None or d.status in self.statuses)
            and (self.event_id is None or d.event_id == self.event_id)
            and (self.instance_id is None or d.instance_id == self.instance_id)
            and (self.recipient is None or d.recipient == self.recipient)
            and (self.channel is None or d.channel == self.channel)
            and (self.due_by is None or (d.next_attempt is not None and d.next_attempt <= self.due_by))
        )
