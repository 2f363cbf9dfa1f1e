"""Notifications: routing rules, delivery records, retries, and the webhook and e-mail channels
against real servers on 127.0.0.1 (an http.server receiver that checks the signature, aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from test_escalation import POSTS, UNITS

from govflow import Engine, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import Deadline, Escalate, WorkingDays
from govflow.delivery import FAILED, GAVE_UP, SENT, DeliveryQuery
from govflow.directory import Directory
from govflow.errors import InvalidData, StorageError
from govflow.notify import (
    CallbackChannel,
    DeliveryFailed,
    EmailChannel,
    MemoryChannel,
    Notification,
    Notifier,
    Rule,
    Template,
    deliver_notifications,
)
from govflow.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookChannel, sign, verify_signature
from govflow.storage import Storage

CONTACTS = {
    "grid.li": {"email": "li@grid3.example.gov.cn"},
    "community.wu": {"email": "wu@heping.example.gov.cn"},
    "street.zhao": {"email": "zhao@beidajie.example.gov.cn"},
}


def grid_case() -> Workflow:
    limit = Deadline(
        "handle",
        WorkingDays(3),
        action=Escalate(to_role="street_head", to_level="街道"),
        satisfied_by="settle",
        label="限期办理",
    )
    return Workflow(
        name="grid_case",
        version=1,
        title="网格民情事项",
        states=[
            State("reported", "已上报", initial=True),
            State("handling", "办理中", deadlines=[limit]),
            State("closed", "已办结", final=True),
        ],
        transitions=[
            Transition("accept", source="reported", dest="handling", roles={"community_head"}, label="受理"),
            Transition("settle", source="handling", dest="closed", roles={"grid_worker"}, label="办结"),
        ],
    )


@pytest.fixture
def town(storage: Storage) -> Engine:
    clock = FakeClock(datetime(2016, 9, 26, 9, tzinfo=SHANGHAI))  # the Monday before National Day
    return Engine(storage=storage, workflows=[grid_case()], clock=clock, directory=Directory.from_csv(UNITS, POSTS))


def run_case(engine: Engine, notifier: Notifier | None = None) -> str:
    """Reported by the grid worker, accepted by the community, late (escalated), then settled;
    with `notifier`, it runs after each step, as a worker beside the service would."""

    def step() -> None:
        if notifier is not None:
            drain(notifier, 1)

    case = engine.start("grid_case", actor=engine.actor("grid.li"))
    step()
    engine.fire(case.id, "accept", actor=engine.actor("community.wu"))
    step()
    engine.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    engine.tick()
    step()
    engine.fire(case.id, "settle", actor=engine.actor("grid.li"))
    step()
    return case.id


def drain(notifier: Notifier, events: int) -> None:
    """Run until `events` feed events were handled (PostgreSQL's horizon may hold some briefly)."""
    seen = 0
    for _ in range(2400):
        seen += notifier.run_once().events
        if seen >= events:
            return
        threading.Event().wait(0.025)
    raise AssertionError(f"only {seen} of {events} feed events arrived")


def test_the_default_rules_tell_the_right_people_in_chinese(town: Engine) -> None:
    mail = MemoryChannel("email", needs_address=True)
    notifier = Notifier(town, [mail], contacts=CONTACTS)
    case = run_case(town, notifier)
    told = [(n.rule, n.recipient, n.address, n.subject) for n in mail.sent]
    assert told == [
        ("todo", "community.wu", "wu@heping.example.gov.cn", "【待办】网格民情事项：已上报"),
        ("todo", "grid.li", "li@grid3.example.gov.cn", "【待办】网格民情事项：办理中"),
        ("escalation", "street.zhao", "zhao@beidajie.example.gov.cn", "【督办】网格民情事项逾期未办结，已提级"),
        ("decision", "grid.li", "li@grid3.example.gov.cn", "【办结】网格民情事项：已办结"),
    ]
    escalation = mail.sent[2].body
    assert "期限“限期办理”已于 2016-09-29 届满仍未办结" in escalation and "北大街街道办事处" in escalation
    assert f"（编号 {case}）已由 grid.li 发起" in mail.sent[0].body
    records = notifier.deliveries()
    assert [(d.status, d.attempts) for d in records] == [(SENT, 1)] * 4
    assert {d.event_id.rpartition(":")[0] for d in records} == {case}


def test_nothing_is_sent_twice_when_a_batch_comes_round_again(town: Engine, storage: Storage) -> None:
    mail = MemoryChannel("email", needs_address=True)
    notifier = Notifier(town, [mail], contacts=CONTACTS, lease=timedelta(seconds=30))
    run_case(town, notifier)
    assert len(mail.sent) == 4
    # As if the process had died before its ack: the consumer's cursor goes back to the start.
    [part] = storage.consumers("notify")
    assert storage.lease_consumer("notify", "other", town.now(), timedelta(seconds=1)) is not None
    assert storage.save_cursor("notify", part.part, "other", None, release=True)
    again = Notifier(town, [mail], contacts=CONTACTS)
    report = again.run_once()
    assert report.events >= 1 and report.skipped >= 1 and not report.sent
    assert len(mail.sent) == 4


def test_a_failing_channel_is_retried_with_back_off_and_does_not_hold_the_feed(town: Engine) -> None:
    mail = MemoryChannel("email", needs_address=True)
    notifier = Notifier(town, [mail], contacts=CONTACTS, backoff=timedelta(seconds=30), max_attempts=3)
    case = town.start("grid_case", actor=town.actor("grid.li"))
    mail.fail_next(1, "550 mailbox busy")
    drain(notifier, 1)
    [failed] = notifier.deliveries(DeliveryQuery(statuses=(FAILED,)))
    assert (failed.recipient, failed.attempts, failed.reason) == ("community.wu", 1, "550 mailbox busy")
    assert failed.next_attempt == town.now() + timedelta(seconds=30)
    town.fire(case.id, "accept", actor=town.actor("community.wu"))
    drain(notifier, 1)  # the next event goes out though the first is still failing
    assert [n.recipient for n in mail.sent] == ["grid.li"]
    assert notifier.run_once().retried == 0  # not due yet
    town.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    mail.fail_next(1, "550 mailbox busy")
    assert notifier.run_once().failed["email"] == 1  # second failure: next try in 60 s
    assert notifier.deliveries(DeliveryQuery(statuses=(FAILED,)))[0].next_attempt == town.now() + timedelta(seconds=60)
    town.clock.advance(timedelta(seconds=60))  # type: ignore[attr-defined]
    assert notifier.run_once().sent["email"] == 1
    done = town.storage.get_delivery(failed.key)
    assert done is not None and (done.status, done.attempts, done.reason) == (SENT, 3, None)
    assert [n.recipient for n in mail.sent] == ["grid.li", "community.wu"]


def test_repeated_failure_gives_up_and_a_missing_address_is_not_retried(town: Engine) -> None:
    mail = MemoryChannel("email", needs_address=True)
    notifier = Notifier(town, [mail], contacts={"community.wu": {"email": "wu@x"}}, max_attempts=2)
    case = town.start("grid_case", actor=town.actor("grid.li"))
    mail.fail_next(5)
    drain(notifier, 1)
    town.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    notifier.run_once()
    [given_up] = notifier.deliveries(DeliveryQuery(statuses=(GAVE_UP,)))
    assert (given_up.attempts, given_up.reason, given_up.next_attempt) == (2, "simulated outage", None)
    town.fire(case.id, "accept", actor=town.actor("community.wu"))
    drain(notifier, 1)
    missing = notifier.deliveries(DeliveryQuery(recipient="grid.li"))
    assert [(d.status, d.attempts, d.reason) for d in missing] == [(GAVE_UP, 1, "no email address for grid.li")]


def test_a_callback_channel_and_custom_rules(town: Engine) -> None:
    got: list[Notification] = []

    def deliver(n: Notification) -> None:
        if n.recipient == "nobody":
            raise ConnectionError("gateway down")
        got.append(n)

    rule = Rule(
        "everything",
        ("start", "fire"),
        lambda event, engine: ["grid.li", "nobody"],
        Template("{title}：{event}", "{instance} → {state}"),
        "sms",
    )
    notifier = Notifier(town, [CallbackChannel(deliver, "sms")], [rule])
    case = town.start("grid_case", actor=town.actor("grid.li"))
    drain(notifier, 1)
    assert [(n.recipient, n.subject, n.body) for n in got] == [("grid.li", "网格民情事项：发起", f"{case.id} → 已上报")]
    [failed] = notifier.deliveries(DeliveryQuery(statuses=(FAILED,)))
    assert failed.reason == "ConnectionError: gateway down"
    with pytest.raises(InvalidData, match="not configured: email"):
        Notifier(town, [CallbackChannel(deliver, "sms")], [Rule("x", "start", rule.recipients, rule.template, "email")])


def test_a_worker_round_never_raises(town: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    notifier = Notifier(town, [MemoryChannel("email")], contacts=CONTACTS)
    town.start("grid_case", actor=town.actor("grid.li"))

    def gone(*args: object) -> None:
        raise StorageError("the database went away")

    monkeypatch.setattr(town.storage, "lease_consumer", gone)
    report = deliver_notifications(notifier)
    assert report.problems and report.problems[0].startswith("notifications:")


# -- the webhook channel against a real receiver ---------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 that checks every request's signature, and answers with
    the statuses it is told (then 200)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.answers: list[int] = []
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                genuine = verify_signature(
                    receiver.secret, body, self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER)
                )
                receiver.requests.append({"genuine": genuine, "body": json.loads(body), "headers": dict(self.headers)})
                status = receiver.answers.pop(0) if receiver.answers else (200 if genuine else 401)
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/govflow"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("s3cret-共享密钥")
    yield r
    r.close()


def test_webhook_posts_signed_json_and_retries_a_5xx(town: Engine, receiver: Receiver) -> None:
    waits: list[float] = []
    hook = WebhookChannel(receiver.url, receiver.secret, retries=2, backoff=0.5, sleep=waits.append)
    notifier = Notifier(town, [hook])
    case = town.start("grid_case", actor=town.actor("grid.li"))
    receiver.answers = [503, 502]
    drain(notifier, 1)
    assert [r["genuine"] for r in receiver.requests] == [True, True, True]
    assert waits == [0.5, 1.0]  # exponential back-off between the tries
    body = receiver.requests[-1]["body"]
    assert body["recipient"] == "community.wu" and body["subject"] == "【待办】网格民情事项：已上报"
    assert body["event"]["id"] == f"{case.id}:1" and body["event"]["kind"] == "start"
    assert receiver.requests[0]["headers"]["X-Govflow-Delivery"] == body["key"]
    [record] = notifier.deliveries()
    assert (record.status, record.attempts) == (SENT, 1)


def test_webhook_4xx_is_not_retried_and_a_wrong_secret_is_refused(town: Engine, receiver: Receiver) -> None:
    wrong = WebhookChannel(receiver.url, "not-the-secret", retries=3, sleep=lambda s: None)
    notifier = Notifier(town, [wrong])
    town.start("grid_case", actor=town.actor("grid.li"))
    drain(notifier, 1)
    assert [r["genuine"] for r in receiver.requests] == [False]  # 401, once: no retry of a refusal
    [record] = notifier.deliveries()
    assert record.status == GAVE_UP and "401" in (record.reason or "")


def test_webhook_timeout_and_unreachable_receiver_fail_with_a_reason(town: Engine) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    hook = WebhookChannel(f"http://127.0.0.1:{port}/", "k", retries=1, sleep=lambda s: None, timeout=1.0)
    event = Notification(_event(), "p", "webhook", "s", "b")
    with pytest.raises(DeliveryFailed, match="cannot reach") as caught:
        hook.send(event)
    assert caught.value.retry is True
    with pytest.raises(DeliveryFailed, match="secret"):
        WebhookChannel("http://127.0.0.1:1/", "")


def test_signature_verification_rejects_tampering_and_replays() -> None:
    body = b'{"a":1}'
    good = sign("k", "1000", body)
    assert verify_signature("k", body, "1000", good, now=lambda: 1100.0)
    assert not verify_signature("k", b'{"a":2}', "1000", good, now=lambda: 1100.0)
    assert not verify_signature("other", body, "1000", good, now=lambda: 1100.0)
    assert not verify_signature("k", body, "1000", good, now=lambda: 2000.0)  # too old: a replay
    assert verify_signature("k", body, "1000", good, tolerance=None, now=lambda: 9e9)
    assert not verify_signature("k", body, None, good)


def _event() -> Any:
    from govflow.feed import FeedEvent

    return FeedEvent(
        id="i:1",
        instance_id="i",
        seq=1,
        workflow="w",
        workflow_version=1,
        unit=None,
        kind="start",
        event="start",
        source=None,
        dest="a",
        actor="alice",
        at=datetime(2026, 3, 2, tzinfo=SHANGHAI),
        summary={},
        bucket=0,
    )


# -- the e-mail channel against a real SMTP server -------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    # aiosmtpd calls hooks by these names.
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.startswith("refused@"):
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_email_reaches_a_real_smtp_server_in_chinese(town: Engine, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    mail = EmailChannel("127.0.0.1", port, sender="北大街街道办 <oa@beidajie.example.gov.cn>", timeout=5)
    notifier = Notifier(town, [mail], contacts=CONTACTS)
    case = run_case(town, notifier)
    assert [rcpt for _, rcpt, _ in inbox.messages] == [
        ["wu@heping.example.gov.cn"],
        ["li@grid3.example.gov.cn"],
        ["zhao@beidajie.example.gov.cn"],
        ["li@grid3.example.gov.cn"],
    ]
    first = message_from_bytes(inbox.messages[0][2])
    assert str(make_header(decode_header(first["Subject"]))) == "【待办】网格民情事项：已上报"
    assert "北大街街道办" in str(make_header(decode_header(first["From"])))
    text = first.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert f"网格民情事项（编号 {case}）已由 grid.li 发起" in text
    assert first["X-Govflow-Delivery"] == f"{case}:1|community.wu|email"


def test_email_refused_recipient_and_dead_server(town: Engine, smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    mail = EmailChannel("127.0.0.1", port, sender="oa@example.gov.cn", timeout=5)
    with pytest.raises(DeliveryFailed, match="refused refused@") as refused:
        mail.send(Notification(_event(), "p", "email", "主题", "正文", address="refused@example.gov.cn"))
    assert refused.value.retry is False
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    down = EmailChannel("127.0.0.1", dead, sender="oa@example.gov.cn", timeout=2)
    with pytest.raises(DeliveryFailed, match="failed") as failed:
        down.send(Notification(_event(), "p", "email", "主题", "正文", address="a@example.gov.cn"))
    assert failed.value.retry is True


def test_a_rule_or_channel_that_breaks_is_reported_and_does_not_wedge_the_feed(town: Engine) -> None:
    def broken_rule(event: object, engine: Engine) -> list[str]:
        raise KeyError("no such field")

    class Buggy(MemoryChannel):
        def send(self, notification: Notification) -> None:
            raise RuntimeError("bug in the channel")

    template = Template("s", "b")
    rules = [Rule("bad", "start", broken_rule, template, "x"), Rule("ok", "fire", lambda e, g: ["p"], template, "x")]
    notifier = Notifier(town, [Buggy("x")], rules)
    case = town.start("grid_case", actor=town.actor("grid.li"))
    town.fire(case.id, "accept", actor=town.actor("community.wu"))
    seen, problems = 0, []
    for _ in range(2400):
        report = notifier.run_once()
        seen += report.events
        problems += report.problems
        if seen >= 2:
            break
        threading.Event().wait(0.025)
    assert seen == 2 and len(problems) == 1 and "cannot route: KeyError" in problems[0]
    [record] = notifier.deliveries()
    assert (record.status, record.reason) == (FAILED, "RuntimeError: bug in the channel")
