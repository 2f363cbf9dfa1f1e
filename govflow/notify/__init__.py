"""Notifications (通知): feed events delivered to people over callback, webhook and e-mail channels.

`Notifier` is one more consumer of the feed (see `govflow.feed`); `govflow worker` runs it when
configured. Channels follow `govflow.storage`'s shape: `Channel` in `base`, one file per channel,
`MemoryChannel` as the in-memory twin. `WebhookChannel` needs httpx (``govflow[notify]``) and is
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govflow.notify.base import Channel, DeliveryFailed, Notification
from govflow.notify.callback import CallbackChannel
from govflow.notify.email import EmailChannel
from govflow.notify.memory import MemoryChannel
from govflow.notify.notifier import DeliveryReport, Notifier, deliver_notifications
from govflow.notify.routing import Rule, Template, default_rules

if TYPE_CHECKING:
    from govflow.notify.webhook import WebhookChannel, verify_signature

__all__ = [
    "CallbackChannel",
    "Channel",
    "DeliveryFailed",
    "DeliveryReport",
    "EmailChannel",
    "MemoryChannel",
    "Notification",
    "Notifier",
    "Rule",
    "Template",
    "WebhookChannel",
    "default_rules",
    "deliver_notifications",
    "verify_signature",
]


def __getattr__(name: str) -> Any:
    """Load the webhook channel lazily (httpx is an optional dependency)."""
    if name in ("WebhookChannel", "verify_signature"):
        from govflow.notify import webhook

        return getattr(webhook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
