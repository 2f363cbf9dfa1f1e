"""The event feed (transactional outbox) and named consumers, on every adapter (the `storage` fixture).

PostgreSQL readers see a row only once every older transaction on the server has ended (the
horizon, see `PostgresStorage.read_feed`); the test server is shared, so reads that expect rows
go through `drain`, which reads until the expected number arrived (bounded, no timing asserted).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import attrs
import pytest
from conftest import ALICE, BOB, POSTGRES_URL

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import Days, Deadline, Escalate, FireEvent, WorkingDays
from govflow.errors import ConcurrentModification, InvalidData, PermissionDenied
from govflow.feed import ESCALATION, FIRE, REMINDER, START, TIMER_FIRED, FeedEvent, FeedPage, bucket, feed_kind
from govflow.storage import Storage


def drain(engine: Engine, expected: int, after: str | None = None, **filters: object) -> FeedPage:
    """Read pages until `expected` events arrived (PostgreSQL's horizon may hold them briefly)."""
    found: list[FeedEvent] = []
    cursor = after
    for _ in range(2400):
        page = engine.feed(cursor, limit=3, **filters)  # type: ignore[arg-type]
        found.extend(page.events)
        cursor = page.cursor
        if len(found) >= expected and not page.events:
            return FeedPage(tuple(found), cursor)
        if not page.events:
            time.sleep(0.025)
    raise AssertionError(f"{len(found)} of {expected} events arrived (a transaction on the server held them back?)")


def flow(engine: Engine) -> list[str]:
    """Two instances through the approval flow, interleaved; returns their ids."""
    a = engine.start("approval", actor=ALICE, data={"title": "关于开展调研的请示"})
    b = engine.start("approval", actor=ALICE)
    engine.fire(a.id, "submit", actor=ALICE, payload={"note": "请审示"})
    engine.fire(b.id, "submit", actor=ALICE)
    engine.fire(a.id, "approve", actor=BOB)
    return [a.id, b.id]


def test_every_committed_change_is_in_the_feed_once_in_order(engine: Engine) -> None:
    a, b = flow(engine)
    page = drain(engine, 5)
    assert [(e.instance_id, e.seq, e.kind, e.event) for e in page.events] == [
        (a, 1, START, "start"),
        (b, 1, START, "start"),
        (a, 2, FIRE, "submit"),
        (b, 2, FIRE, "submit"),
        (a, 3, FIRE, "approve"),
    ]
    first = page.events[0]
    assert first.id == f"{a}:1" and first.workflow == "approval" and first.workflow_version == 1
    assert first.unit == "county.office" and first.actor == "alice" and first.source is None and first.dest == "draft"
    assert first.summary == {"payload": {"title": "关于开展调研的请示"}}
    assert first.bucket == bucket(a) and first.at == engine.now()
    assert page.events[2].summary["payload"] == {"note": "请审示"}
    # Every event of the audit trail is announced, with the same identity.
    assert [e.id for e in page.events if e.instance_id == a] == [f"{a}:{e.seq}" for e in engine.history(a)]
    assert drain(engine, 0, after=page.cursor).events == ()


def test_a_refused_or_lost_change_announces_nothing(engine: Engine, storage: Storage) -> None:
    inst = engine.start("approval", actor=ALICE)
    with pytest.raises(PermissionDenied):
        engine.fire(inst.id, "submit", actor=BOB)
    stale = engine.get(inst.id)
    engine.fire(inst.id, "submit", actor=ALICE)
    # A writer holding the old revision loses the compare-and-set: its event must not be announced.
    _, change = engine._plan(stale, "submit", ALICE, None, None, engine.now())
    with pytest.raises(ConcurrentModification):
        storage.commit(change)
    page = drain(engine, 2)
    assert [(e.seq, e.event) for e in page.events] == [(1, "start"), (2, "submit")]


def test_pages_cover_the_feed_exactly_once_and_filters_apply(engine: Engine, approval: Workflow) -> None:
    other = attrs.evolve(approval, name="leave", title="请假")
    engine.register(other)
    flow(engine)
    leave = engine.start("leave", actor=Actor("carol", roles={"clerk"}, unit="county.hr"))
    whole = drain(engine, 6)
    assert len({e.id for e in whole.events}) == 6
    assert [e.id for e in drain(engine, 1, workflow="leave").events] == [f"{leave.id}:1"]
    assert [e.kind for e in drain(engine, 3, kind=START).events] == [START] * 3
    assert {e.unit for e in drain(engine, 5, unit="county.office").events} == {"county.office"}
    assert len(drain(engine, 6, kind=[START, FIRE], workflow=["approval", "leave"]).events) == 6


def test_a_bad_cursor_or_limit_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidData, match="not a feed cursor"):
        engine.feed("not-a-cursor")
    with pytest.raises(InvalidData, match="limit"):
        engine.feed(limit=0)
    with pytest.raises(InvalidData, match="consumer name"):
        engine.consumer("two words")
    with pytest.raises(InvalidData, match="start"):
        engine.consumer("x", start="middle")


def deadline_flow() -> Workflow:
    """A case the grid must settle in 3 working days (reminded a day before, escalated when late),
    and a draft the system withdraws after 5 days."""
    limit = Deadline(
        "handle",
        WorkingDays(3),
        action=Escalate(to_unit="county"),
        remind=[Days(1)],
        satisfied_by="settle",
        label="限期办理",
    )
    lapse = Deadline("lapse", Days(5), action=FireEvent("withdraw"))
    return Workflow(
        name="grid_case",
        version=1,
        title="网格民情",
        states=[
            State("draft", "草稿", initial=True, deadlines=[lapse]),
            State("handling", "办理中", deadlines=[limit]),
            State("closed", "已办结", final=True),
        ],
        transitions=[
            Transition("open", source="draft", dest="handling", roles={"clerk"}),
            Transition("withdraw", source="draft", dest="closed", roles={"system"}),
            Transition("settle", source="handling", dest="closed", roles={"clerk"}),
        ],
    )


def test_timers_are_announced_as_reminders_escalations_and_timer_fires(storage: Storage) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))  # a Monday
    engine = Engine(storage=storage, workflows=[deadline_flow()], clock=clock)
    case = engine.start("grid_case", actor=ALICE)
    engine.fire(case.id, "open", actor=ALICE)
    draft = engine.start("grid_case", actor=ALICE)
    clock.advance(timedelta(days=10))
    engine.tick()
    kinds = {(e.instance_id, e.kind) for e in drain(engine, 6).events}
    assert {(case.id, REMINDER), (case.id, ESCALATION), (draft.id, TIMER_FIRED)} <= kinds
    escalation = next(e for e in drain(engine, 1, kind=ESCALATION).events)
    assert escalation.summary["detail"]["to_unit"] == "county" and escalation.unit == "county"
    fired = next(e for e in drain(engine, 1, kind=TIMER_FIRED).events)
    assert (fired.event, fired.dest, fired.actor) == ("withdraw", "closed", "system")
    # Every adapter names kinds as `feed_kind` does (SQLite's trigger has its own copy in SQL).
    for e in drain(engine, 6).events:
        assert e.kind == feed_kind(engine.history(e.instance_id)[e.seq - 1]), e


def test_a_consumer_reads_at_least_once_and_its_cursor_is_stored(engine: Engine, storage: Storage) -> None:
    flow(engine)
    drain(engine, 5)  # wait until everything is past PostgreSQL's horizon
    reader = engine.consumer("sms", lease=timedelta(seconds=30))
    batch = reader.poll(limit=3)
    assert batch is not None and len(batch.events) == 3
    # The process dies before acknowledging: another process (another engine) sees the same
    # events once the lease has run out — at least once, never lost.
    other = Engine(storage=storage, workflows=engine.workflows(), clock=engine.clock)
    successor = other.consumer("sms")
    assert successor.poll() is None  # the partition is still leased to the first process
    engine.clock.advance(timedelta(seconds=31))  # type: ignore[attr-defined]
    again = successor.poll(limit=3)
    assert again is not None and [e.id for e in again.events] == [e.id for e in batch.events]
    assert reader.ack(batch) is False  # too late: the partition was taken over
    assert successor.ack(again) is True
    rest = successor.poll()
    assert rest is not None and len(rest.events) == 2 and successor.ack(rest)
    assert [c.cursor for c in storage.consumers("sms")] == [rest.events[-1].position]
    empty = successor.poll()
    assert empty is not None and empty.events == () and successor.ack(empty)
    assert storage.consumers("sms")[0].cursor == rest.events[-1].position


def test_run_once_hands_events_in_order_and_a_failing_handler_acks_nothing(engine: Engine) -> None:
    flow(engine)
    drain(engine, 5)
    reader = engine.consumer("audit-copy", lease=timedelta(seconds=5))
    seen: list[str] = []

    def broken(event: FeedEvent) -> None:
        raise RuntimeError("mail server down")

    with pytest.raises(RuntimeError):
        reader.run_once(broken)
    engine.clock.advance(timedelta(seconds=6))  # type: ignore[attr-defined]
    assert reader.run_once(lambda e: seen.append(e.id), limit=10) == 5
    assert reader.run_once(lambda e: seen.append(e.id)) == 0
    assert len(seen) == 5


def test_partitions_split_the_work_and_keep_each_instance_in_one(engine: Engine, storage: Storage) -> None:
    ids = [engine.start("approval", actor=ALICE).id for _ in range(12)]
    for iid in ids:
        engine.fire(iid, "submit", actor=ALICE)
    drain(engine, 24)
    workers = [Engine(storage=storage, workflows=engine.workflows(), clock=engine.clock) for _ in range(3)]
    readers = [w.consumer("split", parts=3) for w in workers]
    batches = [r.poll(limit=100) for r in readers]
    assert all(b is not None for b in batches)
    assert sorted(b.part for b in batches if b) == [0, 1, 2]  # three processes, three partitions
    assert readers[0].poll() is not None  # a process keeps its own partition while it holds it
    seen = [e for b in batches if b for e in b.events]
    assert sorted(e.id for e in seen) == sorted(f"{i}:{s}" for i in ids for s in (1, 2))
    for reader, b in zip(readers, batches, strict=True):
        assert b is not None
        assert all(bucket(e.instance_id) % 3 == b.part for e in b.events)
        assert reader.ack(b)


def test_a_consumer_starting_at_the_end_sees_only_what_commits_later(engine: Engine) -> None:
    flow(engine)
    drain(engine, 5)
    late = engine.consumer("late", start="end")
    after = engine.start("approval", actor=ALICE)
    events: list[FeedEvent] = []
    for _ in range(2400):
        batch = late.poll()
        assert batch is not None
        events.extend(batch.events)
        late.ack(batch)
        if events:
            break
        time.sleep(0.025)
    assert [e.id for e in events] == [f"{after.id}:1"]


def test_pruning_keeps_what_a_consumer_has_not_read(engine: Engine, storage: Storage) -> None:
    flow(engine)
    drain(engine, 5)
    reader = engine.consumer("slow")
    batch = reader.poll(limit=2)
    assert batch is not None and reader.ack(batch)
    engine.clock.advance(timedelta(days=40))  # type: ignore[attr-defined]
    assert engine.prune_feed(timedelta(days=30)) == 2  # the two the consumer read
    rest = drain(engine, 3)
    assert len(rest.events) == 3
    assert engine.prune_feed(timedelta(days=30)) == 0  # the rest is unread
    assert storage.drop_consumer("slow") is True
    assert engine.prune_feed(timedelta(days=50)) == 0  # younger than the retention
    assert engine.prune_feed(timedelta(days=30)) == 2  # the newest row always stays
    assert [e.seq for e in drain(engine, 1).events] == [3]
    # Positions are never reused after pruning: a new event comes after every old cursor.
    inst = engine.start("approval", actor=ALICE)
    assert [e.id for e in drain(engine, 1, after=rest.cursor).events] == [f"{inst.id}:1"]


def test_unknown_consumer_is_refused(storage: Storage) -> None:
    with pytest.raises(InvalidData, match="no feed consumer"):
        storage.lease_consumer("nobody", "w", datetime(2026, 3, 2, tzinfo=SHANGHAI), timedelta(seconds=1))


@pytest.mark.skipif(not POSTGRES_URL, reason="GOVFLOW_TEST_POSTGRES_URL is not set")
def test_postgres_reader_never_skips_a_transaction_that_commits_late(clean_pg_schema: str) -> None:
    """A writer takes its transaction id, a later one commits first: a reader must not move its
    cursor past the early writer's row (it would skip it when that commits)."""
    import psycopg

    from govflow.storage import PostgresStorage

    storage = PostgresStorage(POSTGRES_URL, schema=clean_pg_schema)
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    from conftest import approval_workflow

    engine = Engine(storage=storage, workflows=[approval_workflow()], clock=clock)
    try:
        first = engine.start("approval", actor=ALICE)
        seen = list(drain(engine, 1).events)
        cursor = seen[-1].position
        slow = psycopg.connect(POSTGRES_URL)
        try:
            slow.execute(
                f'INSERT INTO "{clean_pg_schema}".feed (event_id, instance_id, seq, workflow, workflow_version, '
                "unit, kind, event, source, dest, actor, at, summary, bucket) VALUES "
                "('slow:1', 'slow', 1, 'approval', 1, NULL, 'start', 'start', NULL, 'draft', 'alice', now(), "
                "'{}', 0)".encode()
            )  # the slow writer's transaction is open, its id taken
            fast = engine.fire(first.id, "submit", actor=ALICE)  # commits first, with a later id
            for _ in range(20):
                page = engine.feed(cursor)
                assert [e.id for e in page.events] == []  # held back behind the open transaction
                assert page.cursor == cursor
            slow.commit()
        finally:
            slow.close()
        page = drain(engine, 2, after=cursor)
        assert [e.id for e in page.events] == ["slow:1", f"{fast.id}:2"]
    finally:
        storage.close()
