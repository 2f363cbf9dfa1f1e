"""`WebhookChannel` (Webhook 渠道): POST each notification as JSON to a service's URL, signed.

The receiver checks the signature with `verify_signature` (or the same three lines in any
language): ``X-Govflow-Signature`` is ``sha256=`` and the hex HMAC-SHA256, under the shared
secret, of ``<X-Govflow-Timestamp>.<raw body>``. Including the timestamp lets the receiver refuse
replays of an old request (`verify_signature`'s `tolerance`). ``X-Govflow-Delivery`` carries the
delivery key, the same on every retry of one notification, so a receiver can drop duplicates.

Failures: a timeout, a connection error or a 5xx/408/429 answer is tried again right away up to
`retries` times with exponential back-off (``backoff``, ``2 × backoff``, …); other 4xx answers
mean the receiver refused the message as such and are not retried (``retry=False``). httpx is
an optional dependency: ``pip install 'govflow[notify]'``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from govflow.notify.base import Channel, DeliveryFailed, Notification

_IMPORT_ERROR: ImportError | None = None
try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised only where httpx is not installed
    _IMPORT_ERROR = exc

SIGNATURE_HEADER = "X-Govflow-Signature"
TIMESTAMP_HEADER = "X-Govflow-Timestamp"
DELIVERY_HEADER = "X-Govflow-Delivery"
_RETRYABLE = {408, 429}


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (Unix seconds as text)."""
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(
    secret: str | bytes,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance: float | None = 300.0,
    now: Callable[[], float] = time.time,
) -> bool:
    """Whether a received request is genuine: the signature matches (compared in constant time)
    and, unless `tolerance` is None, the timestamp is within `tolerance` seconds of now."""
    if not timestamp or not signature:
        return False
    if tolerance is not None:
        try:
            if abs(now() - float(timestamp)) > tolerance:
                return False
        except ValueError:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookChannel(Channel):
    """POST notifications to `url` as JSON, signed with `secret` (see the module docstring).

    `timeout` bounds each request (seconds); `retries` and `backoff` bound the immediate retries
    (at most ``backoff × (2**retries − 1)`` seconds of waiting per notification; later retries are
    the notifier's, at its own pace, so a receiver that is down does not hold up the worker).
    `client` may be an `httpx.Client` of the caller's (proxies, certificates); `sleep` is for tests.
    """

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        name: str = "webhook",
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if _IMPORT_ERROR is not None:
            raise DeliveryFailed(f"WebhookChannel needs httpx: pip install 'govflow[notify]' ({_IMPORT_ERROR})")
        if not secret:
            raise DeliveryFailed("a webhook needs a secret to sign with (the receiver checks it)", retry=False)
        self.url = url
        self.name = name
        self.retries = max(0, retries)
        self.backoff = backoff
        self._secret = secret
        self._own = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)
        self._sleep = sleep

    @staticmethod
    def body(notification: Notification) -> dict[str, Any]:
        """What is posted: the event, the recipient and the rendered message."""
        return {
            "key": notification.key,
            "rule": notification.rule,
            "recipient": notification.recipient,
            "address": notification.address,
            "subject": notification.subject,
            "body": notification.body,
            "event": notification.event.json(),
        }

    def send(self, notification: Notification) -> None:
        """POST it; retry transient failures with back-off; raise `DeliveryFailed` with the last reason."""
        payload = json.dumps(self.body(notification), ensure_ascii=False, separators=(",", ":")).encode()
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self._secret, timestamp, payload),
                DELIVERY_HEADER: notification.key,
            }
            try:
                response = self._client.post(self.url, content=payload, headers=headers)
            except httpx.TimeoutException:
                reason = f"no answer from {self.url} within the timeout"
                continue
            except httpx.HTTPError as exc:
                reason = f"cannot reach {self.url}: {type(exc).__name__}: {exc}"
                continue
            if response.is_success:
                return
            reason = f"{self.url} answered {response.status_code} {response.reason_phrase}".strip()
            if response.status_code < 500 and response.status_code not in _RETRYABLE:
                raise DeliveryFailed(reason, retry=False)
        raise DeliveryFailed(reason)

    def close(self) -> None:
        """Close the HTTP client if this channel made it."""
        if self._own:
            self._client.close()
