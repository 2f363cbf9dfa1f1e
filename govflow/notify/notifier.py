"""`Notifier` (通知投递): the feed consumer that turns events into delivered notifications.

Each `run_once` does two bounded things, and nothing in it waits on a receiver for long:

1. reads one batch of the feed as the named consumer (``notify`` by default), routes each event
   through the rules, and delivers every notification not already on record, then acknowledges
   the batch — a notification that fails is recorded as ``failed`` with its reason and a
   `next_attempt`, and does **not** hold the feed back;
2. tries again the failed deliveries whose `next_attempt` has come (exponential back-off from
   `backoff`, at most `max_attempts` tries, then ``gave_up``).

Nothing is sent twice for one (event, recipient, channel): before sending, the delivery is
recorded as ``sending``; after, as ``sent``. A batch seen again (the process died before its
ack) finds the records and skips them. The one exception: a process that dies between handing
a message to the channel and recording ``sent`` leaves ``sending``, and that message is sent
again (at least once beats never) — as is a message whose channel failed after the receiver
had it (a dropped connection after the upload).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from govflow.delivery import FAILED, GAVE_UP, PENDING, SENDING, SENT, Delivery, DeliveryQuery
from govflow.errors import GovflowError, InvalidData
from govflow.feed import Batch, FeedEvent, announce
from govflow.notify.base import Channel, DeliveryFailed, Notification
from govflow.notify.routing import Rule, default_rules, fields

if TYPE_CHECKING:
    from govflow.engine import Engine

Contacts = Mapping[str, Mapping[str, str]] | Callable[[str, str], str | None]
"""Where to reach people: ``{person: {channel: address}}`` or a function (person, channel) →
address or None."""


@attrs.define
class DeliveryReport:
    """What one `run_once` did: events read, notifications sent / failed / skipped (already on
    record), per channel, and problems routing events (a rule's code that raised)."""

    events: int = 0
    sent: Counter[str] = attrs.field(factory=Counter)
    failed: Counter[str] = attrs.field(factory=Counter)
    skipped: int = 0
    retried: int = 0
    problems: list[str] = attrs.field(factory=list)

    def line(self) -> str:
        """One line for logs."""
        sent = ", ".join(f"{k} {v}" for k, v in sorted(self.sent.items())) or "none"
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failed.items())) or "none"
        return f"{self.events} feed event(s); sent: {sent}; failed: {failed}; retried {self.retried}"


class Notifier:
    """Deliver notifications for feed events over `channels`, following `rules`.

    `consumer` names the feed consumer (its cursor is stored; several worker processes share it);
    `start` is where a new consumer begins (``"end"``: only what commits from now on).
    `contacts` gives addresses to channels that need one. Failed deliveries are tried again
    after `backoff`, doubling, up to `max_attempts` tries in all.
    """

    def __init__(
        self,
        engine: Engine,
        channels: Iterable[Channel],
        rules: Iterable[Rule] | None = None,
        *,
        consumer: str = "notify",
        start: str = "beginning",
        contacts: Contacts | None = None,
        max_attempts: int = 5,
        backoff: timedelta = timedelta(seconds=30),
        batch: int = 100,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.engine = engine
        self.channels = {c.name: c for c in channels}
        self.rules = list(rules) if rules is not None else default_rules(tuple(self.channels))
        unknown = sorted({ch for r in self.rules for ch in r.channels} - set(self.channels))
        if unknown:
            raise InvalidData(f"rules name channels that are not configured: {', '.join(unknown)}")
        if max_attempts < 1:
            raise InvalidData(f"max_attempts must be at least 1, not {max_attempts}")
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.batch = batch
        self._contacts = contacts
        self.consumer = engine.consumer(consumer, start=start, lease=lease)

    # -- routing --------------------------------------------------------------------------------

    def route(self, event: FeedEvent) -> list[Notification]:
        """The notifications `event` calls for (one per rule, recipient and channel, deduplicated:
        one person told twice about one event over one channel gets one message)."""
        found: dict[str, Notification] = {}
        for rule in self.rules:
            if not rule.matches(event):
                continue
            for person in dict.fromkeys(rule.recipients(event, self.engine)):
                subject, body = rule.template.render(fields(event, self.engine, person))
                for name in rule.channels:
                    channel = self.channels[name]
                    address = self._address(person, name) if channel.needs_address else None
                    n = Notification(event, person, name, subject, body, rule.name, address)
                    found.setdefault(n.key, n)
        return list(found.values())

    def _address(self, person: str, channel: str) -> str | None:
        if self._contacts is None:
            return None
        if callable(self._contacts):
            return self._contacts(person, channel)
        return self._contacts.get(person, {}).get(channel)

    # -- delivering -----------------------------------------------------------------------------

    def run_once(self) -> DeliveryReport:
        """One batch of the feed, then the retries that are due (see the module docstring)."""
        report = DeliveryReport()
        batch = self.consumer.poll(self.batch)
        if batch is None:
            return report  # every partition is another process's this round
        for event in batch.events:
            report.events += 1
            try:
                notifications = self.route(event)
            except Exception as exc:  # a rule's own code: reported, and it must not wedge the feed
                report.problems.append(f"{event.id}: cannot route: {type(exc).__name__}: {exc}")
                continue
            for n in notifications:
                self._deliver_new(n, report)
        # Keep the partition while retrying its failed deliveries: the retries of a partition's
        # instances are this process's alone, so two workers never retry one delivery at once.
        if self.consumer.ack(batch, release=False):
            self.retry_due(report, owner=batch)
            self.consumer.release(batch)
        return report

    def _deliver_new(self, n: Notification, report: DeliveryReport) -> None:
        storage = self.engine.storage
        existing = storage.get_delivery(n.key)
        if existing is not None and existing.status != SENDING:
            report.skipped += 1  # sent, failed (retried on its own schedule) or given up
            return
        now = self.engine.now()
        record = existing or Delivery(
            key=n.key,
            event_id=n.event.id,
            instance_id=n.event.instance_id,
            recipient=n.recipient,
            channel=n.channel,
            status=PENDING,
            attempts=0,
            subject=n.subject,
            body=n.body,
            created_at=now,
            updated_at=now,
            address=n.address,
        )
        self._attempt(n, record, report)

    def _attempt(self, n: Notification, record: Delivery, report: DeliveryReport) -> None:
        storage = self.engine.storage
        now = self.engine.now()
        attempts = record.attempts + 1
        storage.put_delivery(attrs.evolve(record, status=SENDING, attempts=attempts, updated_at=now))
        channel = self.channels[n.channel]
        try:
            if channel.needs_address and not n.address:
                raise DeliveryFailed(f"no {n.channel} address for {n.recipient}", retry=False)
            try:
                channel.send(n)
            except DeliveryFailed:
                raise
            except Exception as exc:  # a channel breaking its contract must not stop the worker
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        except DeliveryFailed as exc:
            last = not exc.retry or attempts >= self.max_attempts
            storage.put_delivery(
                attrs.evolve(
                    record,
                    status=GAVE_UP if last else FAILED,
                    attempts=attempts,
                    reason=exc.reason,
                    updated_at=now,
                    next_attempt=None if last else now + self.backoff * 2 ** (attempts - 1),
                )
            )
            report.failed[n.channel] += 1
            return
        storage.put_delivery(
            attrs.evolve(record, status=SENT, attempts=attempts, reason=None, updated_at=now, next_attempt=None)
        )
        report.sent[n.channel] += 1

    def retry_due(
        self, report: DeliveryReport | None = None, *, owner: Batch | None = None, limit: int = 100
    ) -> DeliveryReport:
        """Try again the failed deliveries whose next attempt has come (only those of `owner`'s
        partition when given: `run_once` holds that partition's lease meanwhile)."""
        report = report if report is not None else DeliveryReport()
        due = self.engine.storage.find_deliveries(
            DeliveryQuery(statuses=(FAILED,), due_by=self.engine.now(), limit=limit)
        )
        for record in due:
            channel = self.channels.get(record.channel)
            if channel is None or (owner is not None and not owner.owns(record.instance_id)):
                continue  # a channel this process does not have, or another partition's
            try:
                event = _event_of(self.engine, record)
            except (GovflowError, IndexError, ValueError) as exc:
                report.problems.append(f"{record.key}: cannot rebuild its event: {exc}")
                continue
            n = Notification(event, record.recipient, record.channel, record.subject, record.body, "", record.address)
            report.retried += 1
            self._attempt(n, record, report)
        return report

    def deliveries(self, query: DeliveryQuery | None = None) -> list[Delivery]:
        """Delivery records (sent, failed with reason, attempts…), oldest first."""
        return self.engine.storage.find_deliveries(query or DeliveryQuery())

    def close(self) -> None:
        """Close every channel."""
        for channel in self.channels.values():
            channel.close()


def _event_of(engine: Engine, record: Delivery) -> FeedEvent:
    """The event a retried delivery is about, rebuilt from the audit trail (the feed row may
    have been pruned since; the audit trail never is)."""
    instance = engine.get(record.instance_id)
    seq = int(record.event_id.rpartition(":")[2])
    return announce(instance, engine.history(record.instance_id)[seq - 1])


def deliver_notifications(notifier: Notifier) -> DeliveryReport:
    """One delivery round for a worker loop: never raises for a channel's failure, and a storage
    problem is reported in the result instead of stopping the loop (the timers go on)."""
    try:
        return notifier.run_once()
    except GovflowError as exc:
        report = DeliveryReport()
        report.problems.append(f"notifications: {exc}")
        return report
