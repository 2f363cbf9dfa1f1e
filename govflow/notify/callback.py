"""`CallbackChannel` (回调渠道): hand notifications to a function in the same process.

For a service that delivers by itself (its own SMS gateway, an in-app message table): the
function gets each `Notification`; anything it raises is a failed delivery, tried again later.
"""

from __future__ import annotations

from collections.abc import Callable

from govflow.notify.base import Channel, DeliveryFailed, Notification


class CallbackChannel(Channel):
    """Calls `function(notification)`; an exception it raises becomes `DeliveryFailed`."""

    def __init__(
        self, function: Callable[[Notification], object], name: str = "callback", *, needs_address: bool = False
    ) -> None:
        self.function = function
        self.name = name
        self.needs_address = needs_address

    def send(self, notification: Notification) -> None:
        """Call the function; its exception is the failure's reason."""
        try:
            self.function(notification)
        except DeliveryFailed:
            raise
        except Exception as exc:  # any failure of the service's code is a failed delivery
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
