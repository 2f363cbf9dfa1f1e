"""The notifier contract (通知渠道接口): what a channel must do, and nothing more.

Why the cut is here: a channel only carries one message to one recipient and says whether it
went — everything else (which feed events become messages, to whom, in which words, how often a
failure is tried again, never sending twice, the delivery record) is the `Notifier`'s and the
same for every channel. So a channel is one small file (`memory`, `callback`, `webhook`,
`email`) with one method, and `MemoryChannel` is a faithful twin for tests — the shape of
`govflow.storage`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import attrs

from govflow.delivery import delivery_key
from govflow.errors import GovflowError
from govflow.feed import FeedEvent


@attrs.frozen
class Notification:
    """One message for one recipient over one channel, about one feed event.

    `recipient` is a person id (as in the directory); `address` is where the channel sends it
    (an e-mail address, a phone number) when the channel needs one, from the notifier's contacts.
    """

    event: FeedEvent
    recipient: str
    channel: str
    subject: str
    body: str
    rule: str = ""
    address: str | None = None

    @property
    def key(self) -> str:
        """The delivery record's key: one per (event, recipient, channel)."""
        return delivery_key(self.event.id, self.recipient, self.channel)


class DeliveryFailed(GovflowError):
    """A channel could not deliver a notification (投递失败); `reason` says why.

    `retry` is False when trying again cannot help (the receiver refused the message as such, no
    address is known); the notifier then gives up at once instead of backing off.
    """

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        self.reason = reason
        self.retry = retry
        super().__init__(reason)


class Channel(ABC):
    """Base class of notification channels: `send` one notification or raise `DeliveryFailed`.

    `name` is how rules and delivery records refer to the channel; `needs_address` says the
    notifier must find the recipient's address (for `name`) in its contacts before sending.
    A channel must not raise anything but `DeliveryFailed`; if it cannot know whether a message
    went (the connection dropped after the message was handed over) it raises, and the message
    may then arrive twice — the one case in which a recipient gets one notification twice.
    """

    name: str = "channel"
    needs_address: bool = False

    @abstractmethod
    def send(self, notification: Notification) -> None:
        """Deliver `notification`, or raise `DeliveryFailed`."""

    def close(self) -> None:  # noqa: B027 - channels without resources need not override it
        """Release connections; the channel is unusable afterwards."""
