"""The sweep (到期扫描): act on due timers, retry what fails, never touch what is not ours.

Why it is a room of its own: the engine's facade (`Engine.tick`) only delegates here. The sweep
has three rules the rest of the engine does not need to know:

1. **Only what this engine can run.** Timers are leased at the storage level only for the
   (workflow, version) pairs the engine has registered, so a process that lacks a module (a
   `govflow tick` without ``--workflows``, a service that registers some workflows, an old
   worker during a rolling deploy) leaves those timers pending for one that has it. The sweep
   counts what it left (`TickReport.unloaded`).
2. **A fault is retried, a refusal is recorded.** When the rule itself says no — a `FireEvent`
   whose guard rejects, a transition not allowed any more — the timer is parked as ``failed``
   at once with a ``timer_failed`` audit event: a person has to act. When the action *broke*
   (a guard's code raised, an effect has a bug, the calendar lacks a year's data) the timer
   stays pending, its failure count and error are stored, and it is tried again after a
   capped exponential back-off (`RetryPolicy`); after `RetryPolicy.max_attempts` failures it
   is parked the same way. An operator re-arms a parked timer with `Sweeper.rearm`
   (``govflow timers rearm``), itself an audit event on the instance's chain.
3. **Stop cleanly.** A sweep checks its `stop` callable between timers; stopping (or a storage
   fault mid-batch) releases the leases of the batch's untouched timers so other sweepers take
   them now, not when the lease runs out.

`Worker` is the long-running loop of ``govflow worker``: it survives transient storage faults
(a terminated backend, a failover) with capped exponential back-off and stops only when asked
or on a fault that cannot heal.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from govflow import deadlines as dl
from govflow.actor import Actor
from govflow.audit import seal
from govflow.errors import (
    ConcurrentModification,
    GovflowError,
    GuardRejected,
    InvalidData,
    JustificationRequired,
    PermissionDenied,
    StorageError,
    TimerNotRearmable,
    TransitionNotAllowed,
    UnknownEvent,
    UnknownWorkflow,
)
from govflow.escalation import escalation_target
from govflow.instance import Instance
from govflow.machine import ancestry
from govflow.scheduling import TimerBook, next_recurring_timer
from govflow.storage.base import Change, TimerQuery
from govflow.timer import CLOSED, OPEN, Timer

if TYPE_CHECKING:
    from govflow.engine import Engine
    from govflow.phases import Milestone

MAX_SWEEP_ROUNDS = 1000
"""How many claim rounds one `tick` runs at most (each claims up to `limit` timers)."""

REFUSALS: tuple[type[GovflowError], ...] = (
    GuardRejected,
    JustificationRequired,
    PermissionDenied,
    TransitionNotAllowed,
    UnknownEvent,
)
"""Errors that mean the workflow's own rule refused the timer's action (not a fault): waiting
will not change the answer, so the timer is parked at once and a person acts."""


def backoff(failures: int, base: timedelta, cap: timedelta) -> timedelta:
    """Capped exponential back-off: `base` after the first failure, doubling, never above `cap`."""
    if failures < 1:
        return timedelta(0)
    delay = base
    for _ in range(failures - 1):
        if delay >= cap:
            break
        delay *= 2
    return min(cap, delay)


@attrs.frozen
class RetryPolicy:
    """How the sweep retries a timer whose action failed (重试策略), a named engine setting:
    ``Engine(..., timer_retry=RetryPolicy(max_attempts=5, base=timedelta(minutes=1),
    cap=timedelta(hours=1)))``, which is the default.

    After failure n (1, 2, …) the timer waits ``min(cap, base * 2**(n-1))`` — 1, 2, 4, 8 minutes
    by default — and after `max_attempts` failures it is parked as ``failed`` (the n-th failure
    itself parks it; ``max_attempts=1`` parks on the first).
    """

    max_attempts: int = 5
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)

    def __attrs_post_init__(self) -> None:
        problems = []
        if not isinstance(self.max_attempts, int) or isinstance(self.max_attempts, bool) or self.max_attempts < 1:
            problems.append(f"max_attempts must be a whole number of at least 1, not {self.max_attempts!r}")
        for name in ("base", "cap"):
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value <= timedelta(0):
                problems.append(f"{name} must be a positive timedelta, not {value!r}")
        if not problems and self.cap < self.base:
            problems.append(f"cap ({self.cap}) must not be shorter than base ({self.base})")
        if problems:
            raise InvalidData("RetryPolicy is not usable", problems)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failure before trying again."""
        return backoff(attempts, self.base, self.cap)


@attrs.frozen
class TickOutcome:
    """What one due timer did when swept: ``done``; ``retry`` (the action failed and will be
    tried again after a back-off, `detail` says why); ``failed`` (parked: refused by the rule, or
    failed `RetryPolicy.max_attempts` times; a ``timer_failed`` audit event says why); or
    ``lost`` (another sweeper or a concurrent change got there first)."""

    timer: Timer
    result: str
    detail: str = ""


class TickReport(list[TickOutcome]):
    """What a sweep did (a plain list of `TickOutcome`), with `unloaded`: how many due timers
    it left pending, per (workflow, version), because this engine has not registered that
    definition — another sweeper that has it will act on them (or this one once it is loaded)."""

    def __init__(self, outcomes: Sequence[TickOutcome] = (), unloaded: dict[tuple[str, int], int] | None = None):
        super().__init__(outcomes)
        self.unloaded: dict[tuple[str, int], int] = dict(unloaded or {})

    def unloaded_text(self) -> str:
        """The unloaded versions as one phrase, e.g. ``grid_case v1 (3 timers)``."""
        return versions_text(self.unloaded, "timer")


def versions_text(counts: dict[tuple[str, int], int], noun: str) -> str:
    """``name v1 (3 timers), other v2 (1 timer)`` for counts keyed by (workflow, version)."""
    return ", ".join(f"{n} v{v} ({c} {noun}{'' if c == 1 else 's'})" for (n, v), c in sorted(counts.items()))


BatchHook = Callable[[Sequence[TickOutcome]], None]
"""Called after each leased batch with what it did (the worker logs one line per batch)."""


class Sweeper:
    """Runs sweeps for one engine (the engine's `tick` and `rearm_timer` delegate here)."""

    def __init__(self, engine: Engine, retry: RetryPolicy | None = None) -> None:
        self.engine = engine
        self.retry: RetryPolicy = retry if retry is not None else RetryPolicy()

    # -- the sweep ------------------------------------------------------------------------------

    def tick(
        self,
        *,
        limit: int = 1000,
        lease: timedelta = timedelta(minutes=5),
        stop: Callable[[], bool] | None = None,
        on_batch: BatchHook | None = None,
    ) -> TickReport:
        """Act on every timer due at the engine's now that this engine can run, soonest first.

        Batches of `limit` are leased for `lease`; `stop` is asked between timers (a true answer
        releases the rest of the batch and ends the sweep); `on_batch` hears each batch's outcomes.
        """
        engine = self.engine
        now = engine.now()
        versions = engine.registered_versions()
        outcomes: list[TickOutcome] = []
        for _round in range(MAX_SWEEP_ROUNDS):
            # Another round while anything is claimed: acting on a timer may arm one already due
            # (a recurring duty after a long gap). Leased timers are not claimed again, so this ends.
            if stop is not None and stop():
                break
            due = engine.storage.claim_due(now, limit, worker=engine.worker_id, lease=lease, workflows=versions)
            if not due:
                break
            batch: list[TickOutcome] = []
            try:
                self._run_batch(due, now, stop, batch)
            finally:
                # Reported even when a storage fault cuts the batch short: what it did is committed.
                outcomes.extend(batch)
                if on_batch is not None and batch:
                    on_batch(batch)
            if len(batch) < len(due):
                break  # stopped
        return TickReport(outcomes, engine.storage.due_elsewhere(now, versions))

    def _run_batch(
        self, due: Sequence[Timer], now: datetime, stop: Callable[[], bool] | None, batch: list[TickOutcome]
    ) -> None:
        """Run a leased batch into `batch`; on a stop request or a storage fault, give back what is left."""
        for position, timer in enumerate(due):
            if stop is not None and stop():
                self._release(due[position:])
                break
            try:
                batch.append(self.run_timer(timer, now))
            except StorageError:
                self._release(due[position:])
                raise

    def _release(self, timers: Sequence[Timer]) -> None:
        """Give back leases where the storage still answers; if it does not, they run out."""
        with contextlib.suppress(StorageError):
            self.engine.storage.release([t.id for t in timers], worker=self.engine.worker_id)

    def run_timer(self, timer: Timer, now: datetime) -> TickOutcome:
        """Act on one leased timer: done, retry, failed (parked) or lost."""
        storage = self.engine.storage
        for _attempt in range(3):
            instance = storage.load(timer.instance_id)
            try:
                return self._act(instance, timer, now)
            except ConcurrentModification:
                if not any(t.id == timer.id and t.status == "pending" for t in storage.timers(timer.instance_id)):
                    return TickOutcome(timer, "lost", "another sweeper or change settled it first")
            except StorageError:
                raise  # the database is the problem: the next sweep tries again
            except UnknownWorkflow as exc:
                if (instance.workflow, instance.workflow_version) in self.engine.registered_versions():
                    # The action itself named a workflow this engine lacks (a child to spawn): a fault.
                    return self._failed_attempt(instance, timer, exc, now)
                # Pinned to a version this engine lacks (migrated since the lease): not ours.
                self._release([timer])
                return TickOutcome(timer, "lost", "its workflow version is not registered here; left pending")
            except REFUSALS as exc:
                return self._park(instance, timer, str(exc), now, attempts=timer.attempts + 1)
            except Exception as exc:  # a broken guard, effect or calendar must not stop the sweep
                return self._failed_attempt(instance, timer, exc, now)
        self._release([timer])
        return TickOutcome(timer, "lost", "the instance kept changing; left for the next sweep")

    def _act(self, instance: Instance, timer: Timer, now: datetime) -> TickOutcome:
        compiled = self.engine._compile_for(instance.workflow, instance.workflow_version)
        spec = compiled.spec_for(timer)
        if spec is None:
            raise GovflowError(
                f"timer {timer.name!r} matches no deadline of {instance.workflow} v{instance.workflow_version}"
            )
        if isinstance(spec.action, dl.FireEvent) and timer.action == "fire":
            detail = {
                "timer": timer.name,
                "due": timer.params.get("due_date"),
                **_attempt_note(timer),
                **_provisional_flag(timer),
            }
            self.engine._transact(
                instance, spec.action.event, _system(), None, None, now, claim=((timer.id, "fired"),), detail=detail
            )
        else:
            self._mark(instance, timer, spec, now)
        return TickOutcome(timer, "done")

    def _failed_attempt(self, instance: Instance, timer: Timer, exc: BaseException, now: datetime) -> TickOutcome:
        """Store the failure and back off, or park the timer when it has failed often enough."""
        attempts = timer.attempts + 1
        error = _error_text(exc)
        if attempts >= self.retry.max_attempts:
            return self._park(instance, timer, error, now, attempts=attempts)
        retry_at = now + self.retry.delay(attempts)
        if not self.engine.storage.record_attempt(timer.id, attempts=attempts, retry_at=retry_at, error=error):
            return TickOutcome(timer, "lost", "another sweeper or change settled it first")
        return TickOutcome(timer, "retry", f"attempt {attempts} of {self.retry.max_attempts} failed, next try "
                                           f"at {retry_at.isoformat()}: {error}")  # fmt: skip

    def _park(self, instance: Instance, timer: Timer, error: str, now: datetime, *, attempts: int) -> TickOutcome:
        """Close `timer` as failed with a ``timer_failed`` audit event saying why, in one change;
        the instance stays where it is."""
        detail: dict[str, Any] = {"timer": timer.name, "due": timer.params.get("due_date")}
        event = self._event_of(instance, timer)
        if event is not None:
            detail["event"] = event
        detail.update(error=error, attempts=attempts)
        # The count and the error stay on the timer for `govflow timers --failed`; should the
        # commit below fail, the timer is simply retried once more and parked then.
        if not self.engine.storage.record_attempt(timer.id, attempts=attempts, retry_at=now, error=error):
            return TickOutcome(timer, "lost", "another sweeper or change settled it first")
        record = self.engine._timer_event(instance, "timer_failed", detail, now)
        current = attrs.evolve(instance, revision=record.seq, updated_at=now, head=record.hash)
        try:
            self.engine.storage.commit(
                Change(
                    instance=current,
                    expected_revision=instance.revision,
                    events=(record,),
                    claim=((timer.id, "failed"),),
                    data_changed=False,
                    marks_changed=False,
                )
            )
        except ConcurrentModification:
            return TickOutcome(timer, "lost", "another sweeper or change settled it first")
        return TickOutcome(timer, "failed", error)

    def _event_of(self, instance: Instance, timer: Timer) -> str | None:
        """The event a ``fire`` timer fires, for the record (None if it cannot be told)."""
        compiled = self.engine._compiled.get((instance.workflow, instance.workflow_version))
        spec = compiled.spec_for(timer) if compiled is not None and timer.action == "fire" else None
        return spec.action.event if spec is not None and isinstance(spec.action, dl.FireEvent) else None

    def _mark(self, instance: Instance, timer: Timer, spec: dl.Deadline | dl.Recurring, now: datetime) -> None:
        """Overdue, escalate, remind or a milestone: record it on the instance and in its audit trail."""
        engine = self.engine
        marks = dict(instance.marks)
        detail: dict[str, Any] = {
            "deadline": timer.name,
            "label": timer.params.get("label", ""),
            "due": timer.params.get("due_date"),
            **_attempt_note(timer),
            **_provisional_flag(timer),
        }
        if "period" in timer.params:
            detail["period"] = timer.params["period"]
        unit = instance.unit
        book = TimerBook(open=[], now=now)
        milestone = self._milestone(instance, timer)
        if milestone is not None:
            status = "fired"
            result = self._evaluate_milestone(milestone, instance)
            marks["milestones"] = {**marks.get("milestones", {}), timer.name: result}
            detail.update(result)
        elif timer.action == "remind":
            counts = dict(marks.get("reminders", {}))
            counts[timer.name] = counts.get(timer.name, 0) + 1
            marks["reminders"] = counts
            detail["count"] = counts[timer.name]
            status = "fired"
        else:
            overdue = dict(marks.get("overdue", {}))
            overdue[timer.name] = timer.params.get("due_date")
            marks["overdue"] = overdue
            status = "overdue"
            if isinstance(spec.action, dl.Escalate):
                to_unit, note = escalation_target(spec.action, unit, engine.parent_unit, engine.directory)
                escalation = {
                    "deadline": timer.name,
                    "to_role": spec.action.to_role,
                    "to_unit": to_unit,
                    "state": instance.state,
                    "at": now.isoformat(),
                }
                marks["escalations"] = [*marks.get("escalations", []), escalation]
                detail.update(to_role=spec.action.to_role, to_unit=to_unit, from_unit=unit)
                if note is not None:
                    detail["note"] = note
                unit = to_unit or unit
            if isinstance(spec, dl.Recurring):
                book.add([next_recurring_timer(spec, timer, engine.calendar)])
        record = engine._timer_event(instance, timer.action, detail, now)
        current = attrs.evolve(instance, revision=record.seq, updated_at=now, head=record.hash, marks=marks, unit=unit)
        engine.storage.commit(
            Change(
                instance=current,
                expected_revision=instance.revision,
                events=(record,),
                arm=tuple(book.arm),
                claim=((timer.id, status),),
            )
        )

    def _milestone(self, instance: Instance, timer: Timer) -> Milestone | None:
        """The milestone a timer checks, if it is a milestone's."""
        if timer.action != "milestone":
            return None
        return self.engine._compile_for(instance.workflow, instance.workflow_version).milestones.get(timer.name)

    def _evaluate_milestone(self, milestone: Milestone, instance: Instance) -> dict[str, Any]:
        """Met or missed, with the numbers: children in the states, or the reported figure."""
        engine = self.engine
        if milestone.workflow is not None:
            total = engine.count(milestone.workflow, parent_id=instance.id)
            done = engine.count(milestone.workflow, parent_id=instance.id, state=list(milestone.states))
            actual: float = done if milestone.count is not None else (done / total if total else 0.0)
        else:
            value = instance.data.get(milestone.figure or "")
            actual = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
        target = milestone.count if milestone.count is not None else milestone.share
        met = target is not None and actual >= target
        return {"met": met, "actual": actual, "target": target, "by": milestone.by.isoformat()}

    # -- parked timers ----------------------------------------------------------------------------

    def failed(self, workflow: str | None = None, *, unit: str | None = None) -> list[tuple[Timer, Instance]]:
        """Parked timers (``failed``) and pending ones being retried, oldest due first."""
        query = TimerQuery(statuses=("pending", "failed"), workflow=workflow, unit=unit, failed_attempts=True)
        parked = TimerQuery(statuses=("failed",), workflow=workflow, unit=unit)
        found = {t.id: (t, i) for t, i in self.engine.storage.find_timers(parked)}
        found.update({t.id: (t, i) for t, i in self.engine.storage.find_timers(query)})
        return sorted(found.values(), key=lambda pair: (pair[0].due, pair[0].id))

    def rearm(self, timer_id: str, *, actor: Actor, reason: str) -> Timer:
        """Put a parked (``failed``) timer back to pending, so the next sweep acts on it again,
        with a ``timer_rearmed`` audit event naming `actor` and `reason` — one transaction.

        Refused (nothing written) when the timer does not exist, is not parked, belongs to a
        workflow version this engine has not loaded, or its state has been left since.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidData("re-arming a timer needs a reason for the record (e.g. 'calendar 2027 loaded')")
        engine = self.engine
        pairs = engine.storage.find_timers(TimerQuery(statuses=(*OPEN, *CLOSED), ids=(timer_id,)))
        if not pairs:
            raise TimerNotRearmable(timer_id, "there is no such timer (see `govflow timers --failed` for parked ones)")
        timer, instance = pairs[0]
        if timer.status != "failed":
            raise TimerNotRearmable(timer_id, f"it is {timer.status}, and only a parked (failed) timer can be re-armed")
        engine._compile_for(instance.workflow, instance.workflow_version)  # UnknownWorkflow if not loaded
        if timer.state is not None and timer.state not in ancestry(instance.state):
            raise TimerNotRearmable(
                timer_id,
                f"it was armed in state {timer.state!r} and instance {instance.id} has since moved to "
                f"{instance.state!r}, where its deadline no longer applies",
            )
        now = engine.now()
        record = seal(
            instance_id=instance.id,
            seq=instance.revision + 1,
            kind="timer",
            event="timer_rearmed",
            source=instance.state,
            dest=instance.state,
            actor=actor.id,
            roles=sorted(actor.roles),
            at=now,
            payload={},
            justification=reason.strip(),
            overrides=(),
            workflow_version=instance.workflow_version,
            prev_hash=instance.head,
            detail={"timer": timer.name, "timer_id": timer.id, "attempts": timer.attempts,
                    "last_error": timer.last_error, "due": timer.params.get("due_date")},
        )  # fmt: skip
        current = attrs.evolve(instance, revision=record.seq, updated_at=now, head=record.hash)
        engine.storage.commit(
            Change(
                instance=current,
                expected_revision=instance.revision,
                events=(record,),
                reopen=(timer.id,),
                data_changed=False,
                marks_changed=False,
            )
        )
        return attrs.evolve(timer, status="pending", attempts=0, retry_at=None, last_error=None)


def _provisional_flag(timer: Timer) -> dict[str, Any]:
    """``{"provisional": True}`` for a timer counted on provisional (推定) holiday data, for its
    audit detail."""
    return {"provisional": True} if timer.provisional else {}


def _attempt_note(timer: Timer) -> dict[str, Any]:
    """Audit detail for an action that succeeded after failed attempts (nothing otherwise)."""
    return {"after_failed_attempts": timer.attempts} if timer.attempts else {}


def _error_text(exc: BaseException) -> str:
    """One line naming the error: a govflow error's message, or the type and message of a bug."""
    text = " ".join(str(exc).split())
    if isinstance(exc, GovflowError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _system() -> Actor:
    from govflow.actor import SYSTEM

    return SYSTEM


# -- the worker loop ----------------------------------------------------------------------------


@attrs.frozen
class WorkerPolicy:
    """How `govflow worker` paces itself (a named setting): `interval` seconds between sweeps;
    after the n-th consecutive storage fault it waits ``min(reconnect_cap, reconnect_base *
    2**(n-1))`` seconds before sweeping again (defaults: 1 s doubling to 60 s); `limit` timers
    are leased per batch, each lease lasting `lease`."""

    interval: float = 30.0
    reconnect_base: float = 1.0
    reconnect_cap: float = 60.0
    limit: int = 1000
    lease: timedelta = timedelta(minutes=5)

    def reconnect_delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th consecutive storage fault."""
        base, cap = timedelta(seconds=self.reconnect_base), timedelta(seconds=self.reconnect_cap)
        return backoff(failures, base, cap).total_seconds()


class Worker:
    """The sweep loop of ``govflow worker``: sweep, wait, repeat until `stop` is set.

    A `StorageError` (a terminated backend, a failover, a full disk) does not end it: it logs
    one line, waits with capped exponential back-off and sweeps again — the storage adapter
    reconnects by itself. Only a fault marked `StorageError.permanent` (a schema newer than this
    govflow, bad credentials, a closed storage) is raised. `log` receives one line per event
    (each committed batch, each fault, timers left for workflows not loaded here).
    `before_sweep` runs before each sweep (the CLI warns there when next year's official
    calendar is missing) and `after_sweep` after each (the CLI delivers notifications there);
    a storage fault in either is survived like one in the sweep.
    """

    def __init__(
        self,
        engine: Engine,
        policy: WorkerPolicy | None = None,
        *,
        log: Callable[[str], None],
        on_outcomes: BatchHook | None = None,
        before_sweep: Callable[[], None] | None = None,
        after_sweep: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy if policy is not None else WorkerPolicy()
        self.log = log
        self.on_outcomes = on_outcomes
        self.before_sweep = before_sweep
        self.after_sweep = after_sweep
        self.sweeps = 0
        """Sweeps completed (a sweep cut short by a fault does not count)."""
        self.faults = 0
        """Storage faults survived."""
        self.batches = 0
        """Batches committed (each logged as one line)."""
        self._last_unloaded: dict[tuple[str, int], int] = {}

    def run(self, stop: threading.Event, *, sweeps: int | None = None) -> None:
        """Sweep until `stop` is set (or `sweeps` sweeps are done)."""
        failures = 0
        while not stop.is_set():
            if self.before_sweep is not None:
                self.before_sweep()
            try:
                report = self.engine.sweeper.tick(
                    limit=self.policy.limit, lease=self.policy.lease, stop=stop.is_set, on_batch=self._batch
                )
                if self.after_sweep is not None:
                    self.after_sweep()
            except StorageError as exc:
                if exc.permanent:
                    raise
                failures += 1
                self.faults += 1
                delay = self.policy.reconnect_delay(failures)
                self.log(f"storage fault #{failures}, retrying in {delay:g}s: {' '.join(str(exc).split())}")
                stop.wait(delay)
                continue
            if failures:
                self.log(f"storage back after {failures} fault(s)")
                failures = 0
            self.sweeps += 1
            self._warn_unloaded(report)
            if sweeps is not None and self.sweeps >= sweeps:
                break
            stop.wait(self.policy.interval)

    def _batch(self, outcomes: Sequence[TickOutcome]) -> None:
        self.batches += 1
        if self.on_outcomes is not None:
            self.on_outcomes(outcomes)
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.result] = counts.get(outcome.result, 0) + 1
        summary = ", ".join(f"{result} {n}" for result, n in sorted(counts.items()))
        self.log(f"batch {self.batches}: {len(outcomes)} timer(s) — {summary or 'nothing acted on'}")

    def _warn_unloaded(self, report: TickReport) -> None:
        if report.unloaded and report.unloaded != self._last_unloaded:
            self.log(f"warning: due timers left pending for workflows not loaded here: {report.unloaded_text()}")
        self._last_unloaded = dict(report.unloaded)
