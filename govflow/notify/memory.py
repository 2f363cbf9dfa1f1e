"""`MemoryChannel` (内存渠道): keeps what it was given, for tests and the demo's dry run."""

from __future__ import annotations

from govflow.notify.base import Channel, DeliveryFailed, Notification


class MemoryChannel(Channel):
    """Records every notification in `sent`; `fail_next(n)` makes the next n sends fail.

    `needs_address` can be set to behave like an addressed channel (e-mail, SMS) in tests.
    """

    def __init__(self, name: str = "memory", *, needs_address: bool = False) -> None:
        self.name = name
        self.needs_address = needs_address
        self.sent: list[Notification] = []
        self._failures = 0

    def fail_next(self, times: int = 1, reason: str = "simulated outage") -> None:
        """Make the next `times` sends raise `DeliveryFailed(reason)`."""
        self._failures = times
        self._reason = reason

    def send(self, notification: Notification) -> None:
        """Keep it (or fail as told)."""
        if self._failures > 0:
            self._failures -= 1
            raise DeliveryFailed(self._reason)
        self.sent.append(notification)
