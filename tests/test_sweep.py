"""The sweep (govflow.sweep): timers of workflows not loaded here, retries, parking, re-arming,
stopping and storage faults mid-batch, and the worker loop surviving them (issue 12)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from govflow import Actor, Deadline, Engine, FireEvent, State, Transition, Workflow, WorkingDays
from govflow.clock import SHANGHAI, FakeClock
from govflow.effects import EffectContext, effect
from govflow.errors import InvalidData, StorageError, TimerNotRearmable, UnknownWorkflow
from govflow.storage import Change, MemoryStorage, Storage
from govflow.sweep import RetryPolicy, TickOutcome, Worker, WorkerPolicy, backoff

CLERK = Actor("li", roles={"clerk"}, unit="county.office")
OPERATOR = Actor("ops.wang", roles={"operator"})

BROKEN = {"effect": True}
"""Whether the `sweep_test.notify` effect raises (a bug an operator later fixes)."""


@effect("sweep_test.notify", "a notification step with a bug in it")
def notify(ctx: EffectContext) -> None:
    if BROKEN["effect"]:
        raise KeyError("recipient")
    ctx.data["notified"] = True


def grid_case(version: int = 1) -> Workflow:
    """A 网格事件 with a 3-working-day escalation (the case the issue describes)."""
    return Workflow(
        name="grid_case",
        version=version,
        states=[
            State("open", "待处置", initial=True, deadlines=[Deadline("handle", WorkingDays(3), label="限期处置")]),
            State("closed", "已办结", final=True),
        ],
        transitions=[Transition("close", source="open", dest="closed", roles={"clerk"})],
    )


def auto_close() -> Workflow:
    """A deadline that fires `close` as the system, through an effect with a bug in it."""
    return Workflow(
        name="auto_close",
        version=1,
        states=[
            State("open", initial=True, deadlines=[Deadline("expire", WorkingDays(1), action=FireEvent("close"))]),
            State("closed", final=True),
        ],
        transitions=[Transition("close", source="open", dest="closed", roles={"system"}, effects=[notify])],
    )


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def broken_effect() -> Any:
    BROKEN["effect"] = True
    yield
    BROKEN["effect"] = True


# -- item 1: timers of a workflow this engine has not loaded ------------------------------------


def test_a_timer_of_a_workflow_not_loaded_here_stays_pending(storage: Storage) -> None:
    clock = FakeClock(at(2))  # Monday
    service = Engine(storage=storage, workflows=[grid_case()], clock=clock)
    case = service.start("grid_case", actor=CLERK)
    clock.set(at(9))  # past the 3 working days
    bare = Engine(storage=storage, clock=clock)  # `govflow tick` without --workflows
    report = bare.tick()
    assert [t.status for t in service.timers(case.id)] == ["pending"]  # not destroyed
    assert report == [] and report.unloaded == {("grid_case", 1): 1}
    assert report.unloaded_text() == "grid_case v1 (1 timer)"
    assert len(service.history(case.id)) == 1  # untouched
    # A sweep with the module finds it and acts: the escalation is not lost.
    [outcome] = service.tick()
    assert outcome.result == "done" and [due.instance.id for due in service.overdue()] == [case.id]
    assert service.tick().unloaded == {}


def test_an_old_worker_leaves_a_new_versions_timers_alone(storage: Storage) -> None:
    clock = FakeClock(at(2))
    new = Engine(storage=storage, workflows=[grid_case(1), grid_case(2)], clock=clock)
    old_case = new.start("grid_case", actor=CLERK, version=1)
    new_case = new.start("grid_case", actor=CLERK)  # version 2
    clock.set(at(9))
    old = Engine(storage=storage, workflows=[grid_case(1)], clock=clock)  # a rolling deploy
    report = old.tick()
    assert [o.timer.instance_id for o in report] == [old_case.id]
    assert report.unloaded == {("grid_case", 2): 1}
    assert [t.status for t in new.timers(new_case.id)] == ["pending"]
    assert [o.timer.instance_id for o in new.tick()] == [new_case.id]


# -- item 1: a real failure is retried, parked, and re-armed on the record -----------------------


def test_a_bug_in_an_effect_is_retried_with_back_off_then_parked_and_audited(storage: Storage) -> None:
    clock = FakeClock(at(2))
    retry = RetryPolicy(max_attempts=3, base=timedelta(minutes=10), cap=timedelta(minutes=15))
    engine = Engine(storage=storage, workflows=[auto_close()], clock=clock, timer_retry=retry)
    inst = engine.start("auto_close", actor=CLERK)
    clock.set(at(4))
    [first] = engine.tick()  # the effect raises KeyError: the sweep goes on, the timer waits
    assert first.result == "retry" and "KeyError" in first.detail and "attempt 1 of 3" in first.detail
    [timer] = engine.timers(inst.id)
    assert (timer.status, timer.attempts, timer.retry_at) == ("pending", 1, at(4) + timedelta(minutes=10))
    assert "KeyError: 'recipient'" in (timer.last_error or "")
    assert engine.tick() == []  # backing off
    clock.advance(minutes=10)
    [second] = engine.tick()
    assert second.result == "retry" and engine.timers(inst.id)[0].retry_at == clock.now() + timedelta(minutes=15)
    assert [due.timer.attempts for due in engine.failed_timers()] == [2]  # visible while retrying
    clock.advance(minutes=15)
    [third] = engine.tick()
    assert third.result == "failed" and "KeyError" in third.detail
    assert engine.timers(inst.id) == [] and engine.get(inst.id).state == "open"
    failure = engine.history(inst.id)[-1]
    assert (failure.event, failure.actor, failure.detail["attempts"]) == ("timer_failed", "system", 3)
    assert failure.detail["event"] == "close" and "KeyError" in failure.detail["error"]
    [parked] = engine.failed_timers()
    assert (parked.instance.id, parked.timer.status, parked.timer.attempts) == (inst.id, "failed", 3)
    clock.advance(days=1)
    assert engine.tick() == []  # parked: no sweep touches it

    BROKEN["effect"] = False  # the fix is deployed
    rearmed = engine.rearm_timer(parked.timer.id, actor=OPERATOR, reason="通知模块已修复 (fix deployed)")
    assert (rearmed.status, rearmed.attempts) == ("pending", 0)
    record = engine.history(inst.id)[-1]
    assert (record.event, record.actor, record.justification) == (
        "timer_rearmed",
        "ops.wang",
        "通知模块已修复 (fix deployed)",
    )
    assert record.detail["attempts"] == 3 and "KeyError" in record.detail["last_error"]
    [done] = engine.tick()
    assert done.result == "done"
    after = engine.get(inst.id)
    assert after.state == "closed" and after.data["notified"] is True
    assert engine.history(inst.id)[-1].actor == "system" and engine.failed_timers() == []
    engine.verify(inst.id)


def test_re_arming_refuses_what_it_cannot_do_and_writes_nothing(storage: Storage) -> None:
    clock = FakeClock(at(2))
    retry = RetryPolicy(max_attempts=1)
    engine = Engine(storage=storage, workflows=[auto_close(), grid_case()], clock=clock, timer_retry=retry)
    broken = engine.start("auto_close", actor=CLERK)
    waiting = engine.start("grid_case", actor=CLERK)
    clock.set(at(4))
    [parked] = [o for o in engine.tick() if o.result == "failed"]  # max_attempts=1: parked at once
    revision = engine.get(broken.id).revision

    def refused(error: type[Exception], match: str, timer_id: str, **kw: Any) -> None:
        with pytest.raises(error, match=match):
            engine.rearm_timer(timer_id, **{"actor": OPERATOR, "reason": "retry", **kw})
        assert engine.get(broken.id).revision == revision

    refused(TimerNotRearmable, "there is no such timer", "no-such-timer")
    [pending] = engine.timers(waiting.id)
    refused(TimerNotRearmable, "it is pending, and only a parked", pending.id)
    refused(InvalidData, "needs a reason", parked.timer.id, reason="  ")
    with pytest.raises(InvalidData):
        engine.rearm_timer(parked.timer.id, actor="ops.wang", reason="x")  # type: ignore[arg-type]
    other = Engine(storage=storage, workflows=[grid_case()], clock=clock)
    with pytest.raises(UnknownWorkflow):
        other.rearm_timer(parked.timer.id, actor=OPERATOR, reason="x")
    assert engine.get(broken.id).revision == revision
    # A parked timer whose state was left since would act on a deadline that no longer applies.
    moved = attrs.evolve(engine.get(broken.id), state="closed")  # as an explicit migration might
    engine.storage.commit(Change(instance=moved, expected_revision=revision, events=(), data_changed=False))
    with pytest.raises(TimerNotRearmable, match="has since moved to 'closed'"):
        engine.rearm_timer(parked.timer.id, actor=OPERATOR, reason="x")


def test_a_retry_policy_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(InvalidData, match="max_attempts must be a whole number of at least 1"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(InvalidData, match="base must be a positive timedelta"):
        RetryPolicy(base=timedelta(0))
    with pytest.raises(InvalidData, match="must not be shorter than base"):
        RetryPolicy(base=timedelta(hours=2), cap=timedelta(hours=1))
    assert [backoff(n, timedelta(minutes=1), timedelta(minutes=5)).seconds // 60 for n in range(1, 6)] == [
        1,
        2,
        4,
        5,
        5,
    ]
    assert backoff(10_000, timedelta(seconds=1), timedelta(hours=1)) == timedelta(hours=1)  # no overflow


# -- stopping and storage faults mid-batch --------------------------------------------------------


def due_cases(storage: Storage, count: int) -> tuple[Engine, FakeClock, list[str]]:
    clock = FakeClock(at(2))
    engine = Engine(storage=storage, workflows=[grid_case()], clock=clock)
    ids = [engine.start("grid_case", actor=CLERK).id for _ in range(count)]
    clock.set(at(9))
    return engine, clock, ids


def test_stopping_mid_batch_releases_the_rest_for_other_sweepers(storage: Storage) -> None:
    engine, clock, _ids = due_cases(storage, 5)
    asked = iter([False, False, True])
    report = engine.sweeper.tick(limit=10, stop=lambda: next(asked, True))
    assert len(report) == 1  # asked before the claim, before the first timer, then stopped
    other = Engine(storage=storage, workflows=[grid_case()], clock=clock)
    assert len(other.tick()) == 4  # released: taken now, not when the lease runs out


class FailingCommits(MemoryStorage):
    """A memory storage whose `fail`-th commit from now raises `StorageError` (a lost server)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_at: int | None = None
        self.claim_faults = 0
        self.commits = 0

    def commit(self, change: Any) -> None:
        self.commits += 1
        if self.fail_at is not None and self.commits == self.fail_at:
            raise StorageError("lost the connection to the server during a change; nothing was written")
        super().commit(change)

    def claim_due(self, *args: Any, **kw: Any) -> Any:
        if self.claim_faults:
            self.claim_faults -= 1
            raise StorageError("cannot lease timers in the server: terminating connection due to administrator command")
        return super().claim_due(*args, **kw)


def test_a_storage_fault_mid_batch_releases_the_rest_and_is_raised() -> None:
    storage = FailingCommits()
    engine, clock, ids = due_cases(storage, 4)
    storage.fail_at = storage.commits + 2  # the second timer's commit fails
    heard: list[Sequence[TickOutcome]] = []
    with pytest.raises(StorageError, match="lost the connection"):
        engine.sweeper.tick(on_batch=heard.append)
    assert [len(batch) for batch in heard] == [1]  # what committed before the fault is reported
    first = [i for i in ids if len(engine.history(i)) == 2]
    assert len(first) == 1  # the first timer committed, the second's commit was lost
    other = Engine(storage=storage, workflows=[grid_case()], clock=clock)
    taken = sorted(o.timer.instance_id for o in other.tick())
    assert taken == sorted(set(ids) - set(first))  # released: no lease to wait out
    assert all(len([e for e in other.history(i) if e.event == "overdue"]) == 1 for i in ids)


def test_the_worker_survives_storage_faults_and_logs_each_batch() -> None:
    storage = FailingCommits()
    engine, _clock, ids = due_cases(storage, 5)
    storage.claim_faults = 2
    lines: list[str] = []
    seen: list[Sequence[TickOutcome]] = []
    policy = WorkerPolicy(interval=0.0, reconnect_base=0.001, reconnect_cap=0.002, limit=2)
    worker = Worker(engine, policy, log=lines.append, on_outcomes=seen.append)
    worker.run(threading.Event(), sweeps=2)
    assert (worker.sweeps, worker.faults, worker.batches) == (2, 2, 3)
    assert lines[0].startswith("storage fault #1, retrying in 0.001s: cannot lease timers")
    assert lines[1].startswith("storage fault #2, retrying in 0.002s:")
    assert lines[2:] == [
        "batch 1: 2 timer(s) — done 2",
        "batch 2: 2 timer(s) — done 2",
        "batch 3: 1 timer(s) — done 1",
        "storage back after 2 fault(s)",
    ]
    assert sorted(o.timer.instance_id for batch in seen for o in batch) == sorted(ids)


def test_the_worker_stops_on_a_fault_that_cannot_heal() -> None:
    storage = FailingCommits()
    engine, _clock, _ids = due_cases(storage, 1)

    def refuse(*args: Any, **kw: Any) -> Any:
        raise StorageError("schema version 9, newer than this govflow understands", permanent=True)

    storage.claim_due = refuse  # type: ignore[method-assign]
    with pytest.raises(StorageError, match="newer than this govflow"):
        Worker(engine, WorkerPolicy(interval=0.0), log=lambda line: None).run(threading.Event())


def test_the_worker_warns_once_about_workflows_not_loaded_here(storage: Storage) -> None:
    _engine, clock, _ids = due_cases(storage, 2)
    lines: list[str] = []
    Worker(Engine(storage=storage, clock=clock), WorkerPolicy(interval=0.0), log=lines.append).run(
        threading.Event(), sweeps=3
    )
    assert lines == ["warning: due timers left pending for workflows not loaded here: grid_case v1 (2 timers)"]


# -- schema version 3 on a database written by the previous version -------------------------------


def test_a_version_2_sqlite_database_upgrades_with_its_pending_timers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govflow.storage import SQLiteStorage
    from govflow.storage import sqlite as adapter

    path = tmp_path / "v2.db"
    monkeypatch.setattr(adapter, "MIGRATIONS", adapter.MIGRATIONS[:2])
    monkeypatch.setattr(adapter, "SCHEMA_VERSION", 2)
    old = SQLiteStorage(path)
    with old._write() as conn:  # what govflow at schema version 2 wrote: no retry columns yet
        conn.execute(
            "INSERT INTO instances VALUES ('i1', 'grid_case', 1, 'open', '{}', 1, 'u', '2026-03-02T01:00:00Z', "
            "'2026-03-02T01:00:00Z', 'li', 'h', NULL, '{}')"
        )
        conn.execute(
            "INSERT INTO timers (id, instance_id, name, due, action, state, params, provisional, status) "
            "VALUES ('t1', 'i1', 'handle', '2026-03-05T01:00:00Z', 'overdue', 'open', '{}', 0, 'pending')"
        )
    old.close()
    monkeypatch.undo()
    store = SQLiteStorage(path)
    from govflow.storage.sqlite import SCHEMA_VERSION

    assert store.schema_version == SCHEMA_VERSION  # every migration since version 2 applied
    [timer] = store.claim_due(at(9), 10, worker="w", lease=timedelta(minutes=5), workflows={("grid_case", 1)})
    assert (timer.id, timer.status, timer.attempts, timer.retry_at, timer.last_error) == (
        "t1",
        "pending",
        0,
        None,
        None,
    )
    store.close()


@effect("sweep_test.spawn_missing", "starts a child of a workflow this engine lacks")
def spawn_missing(ctx: EffectContext) -> None:
    raise UnknownWorkflow("ledger_child", None, ["auto_close v1"])


def test_an_action_naming_a_workflow_not_loaded_is_a_fault_not_someone_elses_timer(storage: Storage) -> None:
    flow = attrs.evolve(
        auto_close(),
        transitions=[Transition("close", source="open", dest="closed", roles={"system"}, effects=[spawn_missing])],
    )
    clock = FakeClock(at(2))
    engine = Engine(storage=storage, workflows=[flow], clock=clock, timer_retry=RetryPolicy(max_attempts=2))
    inst = engine.start("auto_close", actor=CLERK)
    clock.set(at(4))
    [first] = engine.tick()
    assert first.result == "retry" and "ledger_child" in first.detail
    clock.advance(minutes=1)
    [second] = engine.tick()
    assert second.result == "failed" and engine.history(inst.id)[-1].event == "timer_failed"
