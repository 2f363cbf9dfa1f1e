"""The engine (流程引擎): start instances, fire events, sweep timers, read history.

Every change follows one path: load the instance, choose the transition (event valid in the
state, actor holding a role, payload fitting its schema, hard and soft guards), step the shared
machine, seal the audit event, and commit it all as one `Change` with compare-and-set on the
revision. Any rejection raises a typed error before the commit, so a rejected call writes nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import attrs

from govflow import deadlines as dl
from govflow.access import AccessContext, Grant, ResolveContext, authorize
from govflow.actor import SYSTEM, Actor
from govflow.audit import GENESIS, AuditEvent, seal, seal_positional, verify_chain
from govflow.calendar import Calendar, ChinaCalendar, YearSchedule, china_calendar
from govflow.children import KEEP
from govflow.clock import Clock, SystemClock
from govflow.data import structure, validate
from govflow.definition import Transition, Workflow
from govflow.directory import Directory
from govflow.effects import EffectContext
from govflow.errors import (
    AuditIntegrityError,
    ClockError,
    ClockWentBackwards,
    ConcurrentModification,
    DefinitionError,
    DirectoryError,
    GovflowError,
    GuardFailed,
    GuardRejected,
    InvalidData,
    JustificationRequired,
    PermissionDenied,
    StorageError,
    TransitionNotAllowed,
    UnknownEvent,
    UnknownWorkflow,
)
from govflow.feed import BUCKETS, Consumer, FeedFilter, FeedPage, check_name
from govflow.guards import Guard, GuardContext
from govflow.instance import Instance, new_instance_id
from govflow.machine import CompiledWorkflow, ancestry, moves
from govflow.phases import entry_note
from govflow.scheduling import TimerBook, deadline_timers, next_recurring_timer, recomputed, recurring_timer
from govflow.storage.base import Change, Query, Storage, TimerQuery, index_keys
from govflow.storage.memory import MemoryStorage
from govflow.sweep import RetryPolicy, Sweeper
from govflow.sweep import TickOutcome as TickOutcome  # re-exported: the sweep's results were defined here
from govflow.sweep import TickReport as TickReport
from govflow.timer import Timer
from govflow.values import (
    MAX_PAGE,
    MAX_REVISION,
    identifier,
    identifiers,
    instant,
    json_object,
    optional_identifier,
    text,
    whole_number,
)

MAX_FOLLOW_UPS = 64
"""How many events one fire may chain through raised follow-ups before it is called a loop."""

MAX_RETRY_ATTEMPTS = 100
"""The most tries `fire_retrying` takes (a caller asking for more has a loop, not a race)."""

RECOMPUTE_ATTEMPTS = 5
"""How often `recompute_provisional` reloads an instance that keeps changing under it before the
lost race is raised (running it again finishes the job)."""


@attrs.frozen
class InboxItem:
    """An instance waiting for an actor (待办), with the events the actor may fire on it."""

    instance: Instance
    events: tuple[str, ...]


class Inbox(list[InboxItem]):
    """An actor's 待办 list (a plain list of `InboxItem`), with `problems`: one line for each
    instance left out because a guard's code raised while checking it."""

    def __init__(self, items: Iterable[InboxItem] = ()) -> None:
        super().__init__(items)
        self.problems: list[str] = []


@attrs.frozen
class Due:
    """A deadline as a person sees it: the instance, the timer, and when it falls due."""

    instance: Instance
    timer: Timer


def dotted_parent(unit: str) -> str | None:
    """Default parent-unit rule until an organisation directory is configured:
    ``county.office`` → ``county`` (the unit id's dotted prefix)."""
    parent, dot, _ = unit.rpartition(".")
    return parent if dot else None


class _Choice(NamedTuple):
    """The transition the engine chose for one event, with what it will record."""

    transition: Transition
    data: dict[str, Any]
    payload: dict[str, Any]
    grant: Grant
    overrides: tuple[str, ...]


class Engine:
    """Runs workflows over a storage adapter.

    `workflows` are registered at once (more with `register`); `clock` says what time it is
    (use `FakeClock` in tests); `calendar` counts deadlines (default: the PRC calendar, counting
    years without official data provisionally (推定) and marking such deadlines — pass
    ``china_calendar(provisional=False)`` to refuse them instead). Year schedules stored with
    `load_schedule` are applied to the calendar when the engine opens. `directory` is the
    organisation directory (default: the one stored with `load_directory`, if any); with it,
    roles come from people's posts too, and AB岗 backups and delegations apply. `parent_unit`
    says which unit is above another (default: the directory's tree, else `dotted_parent`).
    `timer_retry` says how often and how patiently the sweep retries a timer whose action fails
    before parking it (default `RetryPolicy()`: 5 attempts, back-off from 1 minute doubling up
    to 1 hour).
    """

    def __init__(
        self,
        storage: Storage | None = None,
        workflows: Iterable[Workflow] = (),
        *,
        clock: Clock | None = None,
        calendar: Calendar | None = None,
        parent_unit: Callable[[str], str | None] | None = None,
        directory: Directory | None = None,
        timer_retry: RetryPolicy | None = None,
    ) -> None:
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.calendar: Calendar = calendar if calendar is not None else china_calendar()
        if directory is None:
            stored = self.storage.get_document("directory", "current")
            directory = Directory.from_json(stored["json"]) if stored else None
        self.directory: Directory | None = directory
        self.parent_unit: Callable[[str], str | None] = parent_unit or self._parent_unit
        if isinstance(self.calendar, ChinaCalendar):
            for key, doc in sorted(self.storage.documents("calendar").items()):
                self.calendar = self.calendar.with_schedule(YearSchedule.from_json(doc["json"], origin=f"stored {key}"))
        self.skipped_provisional: list[str] = []
        """Workflow versions whose provisional deadlines the last recompute could not handle."""
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """Who this engine is when it leases due timers (host, process, random suffix)."""
        self._compiled: dict[tuple[str, int], CompiledWorkflow] = {}
        self._latest: dict[str, int] = {}
        self._hierarchical = False
        """Whether any registered workflow has compound states (queries then expand them)."""
        self._reporting: frozenset[str] = frozenset()
        """Workflows whose instances report to their parent when they end (`Spawn.report`)."""
        self.sweeper = Sweeper(self, timer_retry)
        """The sweep (`govflow.sweep.Sweeper`): `tick`, `failed_timers` and `rearm_timer` delegate to it."""
        for workflow in workflows:
            self.register(workflow)

    # -- definitions --------------------------------------------------------------------------

    def register(self, workflow: Workflow) -> None:
        """Compile and add a workflow version. A different definition under a used (name,
        version) is refused: running instances are pinned to what that version meant.
        """
        existing = self._compiled.get(workflow.key)
        if existing is not None:
            if existing.workflow == workflow:
                return
            raise DefinitionError(
                workflow.name,
                [f"version {workflow.version} is already registered with a different definition; bump the version"],
            )
        self._compiled[workflow.key] = CompiledWorkflow(workflow)
        self._hierarchical = self._hierarchical or workflow.compound
        self._reporting |= {sp.workflow for t in workflow.transitions for sp in t.spawn if sp.report}
        self._latest[workflow.name] = max(workflow.version, self._latest.get(workflow.name, 0))

    def workflow(self, name: str, version: int | None = None) -> Workflow:
        """The registered definition (latest version unless `version` is given)."""
        return self._compile_for(name, version).workflow

    def workflows(self) -> list[Workflow]:
        """Every registered definition, by name then version."""
        return [self._compiled[key].workflow for key in sorted(self._compiled)]

    def _compile_for(self, name: str, version: int | None) -> CompiledWorkflow:
        if version is None:
            version = self._latest.get(name)
        compiled = self._compiled.get((name, version)) if version is not None else None
        if compiled is None:
            known = [f"{n} v{v}" for n, v in sorted(self._compiled)]
            raise UnknownWorkflow(name, version, known)
        return compiled

    def _parent_unit(self, unit: str) -> str | None:
        if self.directory is not None and self.directory.has_unit(unit):
            return self.directory.parent(unit)
        return dotted_parent(unit)

    def load_directory(self, directory: Directory) -> None:
        """Store the organisation directory for every engine on this storage, and use it here."""
        self.storage.put_document("directory", "current", {"json": directory.to_json()})
        self.directory = directory

    def actor(self, person: str) -> Actor:
        """An `Actor` for someone in the directory, with the positions they hold today as roles
        and their first post's unit (AB岗 and delegated posts are found at fire time)."""
        if self.directory is None or not self.directory.knows(person):
            raise DirectoryError([f"{person!r} holds no post in the organisation directory"])
        posts = self.directory.posts_of(person, self.calendar.local_date(self.now()))
        return Actor(person, roles={p.position for p in posts}, unit=posts[0].unit if posts else None)

    def now(self) -> datetime:
        """The engine clock's current instant in UTC, as stored: refused if the clock is naive
        (`NaiveDatetime`) or outside the years govflow records (`ClockError`, see `govflow.values`)."""
        try:
            return instant(self.clock.now(), "clock.now()")
        except InvalidData as exc:
            raise ClockError(str(exc)) from None

    # -- changing instances -------------------------------------------------------------------

    def start(
        self,
        workflow: str,
        *,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        unit: str | None = None,
        version: int | None = None,
        instance_id: str | None = None,
        parent_id: str | None = None,
        justification: str | None = None,
    ) -> Instance:
        """Create an instance in the workflow's initial state (latest version by default).

        The instance's unit defaults to the actor's. Data is validated against the schema, then
        the workflow's `start_guards` (hard) and `start_soft_guards` (原则上: pass a
        `justification` to override) are checked, e.g. "a sanctioned unit may not apply".
        """
        compiled = self._compile_for(
            identifier(workflow, "workflow"),
            None if version is None else whole_number(version, "version", low=1, high=MAX_REVISION),
        )
        _require_actor(actor)
        _require_justification(justification)
        unit = optional_identifier(unit, "unit")
        instance_id = optional_identifier(instance_id, "instance_id")
        parent_id = optional_identifier(parent_id, "parent_id")
        if data is not None:
            typed = compiled.workflow.schema is not None  # a schema may take dates: it checks them itself
            data = json_object(data, "data", what=f"start data of {workflow!r}", objects=typed)
        instance, change = self._plan_start(
            compiled, actor, data, unit, instance_id, parent_id, justification, self.now()
        )
        self.storage.commit(change)
        return instance

    def _plan_start(
        self,
        compiled: CompiledWorkflow,
        actor: Actor,
        data: Mapping[str, Any] | None,
        unit: str | None,
        instance_id: str | None,
        parent_id: str | None,
        justification: str | None,
        now: datetime,
    ) -> tuple[Instance, Change]:
        """Everything `start` writes, planned but not committed (children ride along a parent's change)."""
        wf = compiled.workflow
        if not actor.has_any(wf.start_roles):
            raise PermissionDenied(
                actor.id,
                "start",
                "role",
                f"starting {wf.name!r} needs one of the roles {_roles_text(wf.start_roles)}, "
                f"the actor holds {_roles_text(actor.roles)}",
            )
        plain, model = validate(wf.schema, data or {}, f"start data of {wf.name!r}")
        overrides: tuple[str, ...] = ()
        if wf.start_guards or wf.start_soft_guards:
            ctx = GuardContext(
                instance=None, data=plain, payload={}, actor=actor, event="start", now=now, engine=self,
                model=model, calendar=self.calendar,
            )  # fmt: skip
            hard = _failures(wf.start_guards, ctx)
            if hard:
                raise GuardRejected("start", hard)
            soft = [(g.name, r) for g in wf.start_soft_guards if (r := g.failure(ctx)) is not None]
            if soft and justification is None:
                raise JustificationRequired("start", [r for _, r in soft])
            overrides = tuple(name for name, _ in soft)
        new_id = instance_id or new_instance_id()
        initial = compiled.initial
        arm: list[Timer] = []
        if compiled.timed:
            book = TimerBook(open=[], now=now)
            for state in ancestry(initial):
                self._arm_state(compiled, book, new_id, state, plain, now)
            for deadline in compiled.milestone_deadlines.values():
                book.add(
                    deadline_timers(
                        deadline, instance_id=new_id, state=None, data=plain, entered=now, calendar=self.calendar
                    )
                )
            arm = book.arm
        provisional = _provisional_note(arm)
        event = seal(
            instance_id=new_id,
            seq=1,
            kind="start",
            event="start",
            source=None,
            dest=initial,
            actor=actor.id,
            roles=_used(actor, wf.start_roles),
            at=now,
            payload=plain,
            justification=justification,
            overrides=overrides,
            workflow_version=wf.version,
            prev_hash=GENESIS,
            detail={"provisional": provisional} if provisional else None,
        )
        instance = Instance(
            id=new_id,
            workflow=wf.name,
            workflow_version=wf.version,
            state=initial,
            data=plain,
            revision=1,
            unit=unit if unit is not None else actor.unit,
            created_at=now,
            updated_at=now,
            created_by=actor.id,
            head=event.hash,
            parent_id=parent_id,
        )
        keys = index_keys(wf.index, plain) if wf.index else None
        return instance, Change(instance=instance, expected_revision=0, events=(event,), arm=tuple(arm), keys=keys)

    def fire(
        self,
        instance_id: str,
        event: str,
        *,
        actor: Actor,
        payload: Mapping[str, Any] | None = None,
        justification: str | None = None,
        expected_revision: int | None = None,
    ) -> Instance:
        """Fire `event` on the instance as `actor`; return the instance's new record.

        `payload` is recorded in the audit event (and updates the data unless the transition
        declares a payload schema). `justification` overrides failed 原则上 rules on the record.
        `expected_revision` makes the call fail with `ConcurrentModification` if the instance
        moved on since the caller read it. Follow-up events raised by effects run after this
        one, in the same transaction.
        """
        instance_id = identifier(instance_id, "instance_id")
        event = identifier(event, "event")
        _require_actor(actor)
        _require_justification(justification)
        if payload is not None:
            payload = json_object(payload, "payload", what=f"payload of {event!r}", objects=True)
        if expected_revision is not None:
            whole_number(expected_revision, "expected_revision", high=MAX_REVISION)
        instance = self.storage.load(instance_id)
        if expected_revision is not None and instance.revision != expected_revision:
            raise ConcurrentModification(instance_id, expected_revision, instance.revision)
        return self._transact(instance, event, actor, payload, justification, self.now())

    def fire_retrying(
        self,
        instance_id: str,
        event: str,
        *,
        actor: Actor,
        payload: Mapping[str, Any] | None = None,
        justification: str | None = None,
        attempts: int = 3,
    ) -> Instance:
        """`fire`, reloading and trying again when another writer got there first, up to
        `attempts` times. Every try re-reads the instance and re-checks state, roles and guards,
        so a retry never applies an event the newer state no longer allows.
        """
        attempts = whole_number(attempts, "attempts", low=1, high=MAX_RETRY_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            try:
                return self.fire(instance_id, event, actor=actor, payload=payload, justification=justification)
            except ConcurrentModification:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _transact(
        self,
        instance: Instance,
        event: str,
        actor: Actor,
        payload: Mapping[str, Any] | None,
        justification: str | None,
        now: datetime,
        claim: tuple[tuple[str, str], ...] = (),
        detail: Mapping[str, Any] | None = None,
    ) -> Instance:
        """Plan every step of one fire (follow-ups included) and commit it as one `Change`."""
        current, change = self._plan(instance, event, actor, payload, justification, now, claim, detail)
        self.storage.commit(change)
        return current

    def _plan(
        self,
        instance: Instance,
        event: str,
        actor: Actor,
        payload: Mapping[str, Any] | None,
        justification: str | None,
        now: datetime,
        claim: tuple[tuple[str, str], ...] = (),
        detail: Mapping[str, Any] | None = None,
        settling: frozenset[str] = frozenset(),
    ) -> tuple[Instance, Change]:
        """Every step of one fire (follow-ups included) as the `Change` to commit, with the
        children it spawns or settles, and the report to its parent, riding along. `settling`
        names instances already changing in this commit (a parent settling its children, a
        child reporting up): they are neither settled nor reported to again."""
        instance_id = instance.id
        if now < instance.updated_at:
            raise ClockWentBackwards(now, instance.updated_at, instance_id)
        also: list[Change] = []
        compiled = self._compile_for(instance.workflow, instance.workflow_version)
        book = TimerBook(open=self.storage.timers(instance_id), now=now) if compiled.timed else None
        current = instance
        events: list[AuditEvent] = []
        queue: deque[tuple[str, Mapping[str, Any] | None, str | None]] = deque([(event, payload, justification)])
        while queue:
            if len(events) >= MAX_FOLLOW_UPS:
                raise GovflowError(f"{event!r} raised more than {MAX_FOLLOW_UPS} follow-up events; the workflow loops")
            name, body, why = queue.popleft()
            choice = self._choose(compiled, current, name, actor, body, why, now, book)
            t = choice.transition
            landing = compiled.landing(t, current.marks)
            context: EffectContext | None = None
            if t.effects:
                context = EffectContext(
                    # Effects get their own copies: a fire rejected later must leave the stored record alone.
                    data=dict(choice.data),
                    payload=choice.payload,
                    actor=actor,
                    event=name,
                    source=current.state,
                    dest=landing,
                    now=now,
                    marks=dict(current.marks),
                    on_behalf_of=choice.grant.on_behalf_of,
                    instance_id=instance_id,
                    engine=self,
                )
                dest = compiled.step(current.state, t, context, landing)
            else:
                dest = landing  # nothing to run: the compiled table already names the destination
            data = choice.data
            marks = current.marks
            extra: dict[str, Any] = {}
            if context is not None:
                data, _ = validate(compiled.workflow.schema, context.data, f"data after the effects of {name!r}")
                queue.extend((raised, raised_payload, None) for raised, raised_payload in context.raised)
                marks, extra = context.marks, context.detail
            entered = dest != current.state
            if entered and compiled.hierarchical:
                marks, extra = _hierarchy_notes(
                    compiled, t, current.state, dest, data, marks, extra, self.calendar, now
                )
            elif entered and dest in compiled.windows:
                extra = {**extra, "window": entry_note(compiled.windows[dest], data, self.calendar.local_date(now))}
            chain = compiled.chains_at.get(dest) if entered else None
            if chain is not None:
                ctx = ResolveContext(
                    data=data,
                    unit=current.unit,
                    directory=self.directory,
                    on=self.calendar.local_date(now),
                    instance=current,
                )
                doc = chain.enter(ctx)
                marks = {**marks, "chains": {**marks.get("chains", {}), chain.name: doc}}
                extra = {**extra, "chain": {chain.name: doc}}
            if book is not None:
                armed = len(book.arm)
                self._advance_timers(compiled, book, t, current.state, dest, name, data, now, instance_id)
                marks = _with_overdue(marks, book)
                provisional = _provisional_note(book.arm[armed:])
                if provisional:
                    extra = {**extra, "provisional": provisional}
            record = seal_positional(
                instance_id, current.revision + 1, "transition", name, current.state, dest, actor.id,
                choice.grant.roles, now, choice.payload, why, choice.overrides, current.workflow_version,
                current.head, choice.grant.on_behalf_of,
                _detail({**detail, **extra} if detail and not events else extra, choice.grant),
            )  # fmt: skip
            events.append(record)
            if t.spawn:
                also.extend(self._spawned(t, current, data, actor, now))
            if compiled.spawns and (t.settle_children is not None or dest in compiled.workflow.final_states):
                also.extend(self._settled(t, current, dest, now, settling))
            current = Instance(
                id=current.id,
                workflow=current.workflow,
                workflow_version=current.workflow_version,
                state=dest,
                data=data,
                revision=record.seq,
                unit=current.unit,
                created_at=current.created_at,
                updated_at=now,
                created_by=current.created_by,
                head=record.hash,
                parent_id=current.parent_id,
                marks=marks,
            )
        wf = compiled.workflow
        if (
            current.parent_id is not None
            and current.workflow in self._reporting
            and current.parent_id not in settling
            and current.state in wf.final_states
            and instance.state not in wf.final_states
        ):
            report = self._report_up(current, now, settling)
            if report is not None:
                also.append(report)
        keys = index_keys(wf.index, current.data) if wf.index and current.data is not instance.data else None
        change = Change(
            instance=current,
            expected_revision=instance.revision,
            events=tuple(events),
            arm=tuple(book.arm) if book else (),
            claim=claim,
            settle=tuple(book.settle.items()) if book else (),
            keys=keys,
            data_changed=current.data is not instance.data,
            marks_changed=current.marks is not instance.marks,
            also=tuple(also),
        )
        return current, change

    # -- children -----------------------------------------------------------------------------

    def _spawned(
        self, t: Transition, parent: Instance, data: Mapping[str, Any], actor: Actor, now: datetime
    ) -> list[Change]:
        """One child start per item, as changes riding along the parent's."""
        changes: list[Change] = []
        for spawn in t.spawn:
            compiled = self._compile_for(spawn.workflow, None)
            for unit, child_data in spawn.items(data):
                _, change = self._plan_start(
                    compiled, actor, child_data, unit or parent.unit, None, parent.id, None, now
                )
                changes.append(change)
        return changes

    def _settled(
        self, t: Transition, parent: Instance, dest: str, now: datetime, settling: frozenset[str]
    ) -> list[Change]:
        """What happens to children still in flight when the parent ends (or says so)."""
        in_flight = [
            child for child in self.children(parent.id) if not self._is_final(child) and child.id not in settling
        ]
        if not in_flight:
            return []
        if t.settle_children is None:
            raise GuardRejected(
                t.event,
                [
                    f"{len(in_flight)} child instance(s) are still in flight; declare "
                    f"Transition(settle_children=...) to say what happens to them (an event such as "
                    f"'cancel', or 'keep')"
                ],
            )
        if t.settle_children == KEEP:
            return []
        changes = []
        for child in in_flight:
            try:
                _, change = self._plan(
                    child, t.settle_children, SYSTEM, None, None, now, settling=frozenset({parent.id})
                )
            except GovflowError as exc:
                raise GuardRejected(
                    t.event, [f"child {child.id} ({child.state}) cannot take {t.settle_children!r}: {exc}"]
                ) from None
            changes.append(change)
        return changes

    def _report_up(self, child: Instance, now: datetime, settling: frozenset[str]) -> Change | None:
        """The parent's side of a child ending: its report event, fired as the system — or,
        where the parent cannot take it, a note in its audit trail. Never an error for the child."""
        assert child.parent_id is not None
        parent = self.storage.load(child.parent_id)
        spawn = self._compile_for(parent.workflow, parent.workflow_version).reports.get(child.workflow)
        if spawn is None or spawn.report is None:  # this parent's version spawned it without reports
            return None
        report = {
            "child_id": child.id,
            "workflow": child.workflow,
            "unit": child.unit,
            "outcome": child.state,
            "outputs": {name: child.data.get(name) for name in spawn.outputs},
        }
        try:
            _, change = self._plan(parent, spawn.report, SYSTEM, report, None, now, settling=settling | {child.id})
            return change
        except (TransitionNotAllowed, PermissionDenied, GuardRejected, InvalidData) as exc:
            note = self._timer_event(parent, "child_reported", {**report, "not_taken": str(exc)}, now, kind="note")
            noted = attrs.evolve(parent, revision=note.seq, updated_at=now, head=note.hash)
            return Change(instance=noted, expected_revision=parent.revision, events=(note,), data_changed=False,
                          marks_changed=False)  # fmt: skip

    def _is_final(self, instance: Instance) -> bool:
        return instance.state in self._compile_for(instance.workflow, instance.workflow_version).workflow.final_states

    def children(
        self, parent_id: str, *, state: str | Sequence[str] | None = None, unit: str | None = None
    ) -> list[Instance]:
        """The parent's child instances (子任务), optionally by state and unit, oldest first."""
        return self.find(parent_id=parent_id, state=state, unit=unit)

    def children_summary(self, parent_id: str) -> dict[str, Any]:
        """A campaign's children at a glance: counts by state and by unit, and those overdue."""
        kids = self.children(parent_id)
        by_state: dict[str, int] = {}
        by_unit: dict[str, int] = {}
        for kid in kids:
            by_state[kid.state] = by_state.get(kid.state, 0) + 1
            by_unit[kid.unit or "-"] = by_unit.get(kid.unit or "-", 0) + 1
        ids = {kid.id for kid in kids}
        overdue = sorted({due.instance.id for due in self.overdue() if due.instance.id in ids})
        return {"total": len(kids), "by_state": by_state, "by_unit": by_unit, "overdue": overdue}

    # -- timers -------------------------------------------------------------------------------

    def _arm_state(
        self,
        compiled: CompiledWorkflow,
        book: TimerBook,
        instance_id: str,
        state: str,
        data: Mapping[str, Any],
        now: datetime,
    ) -> None:
        for spec in compiled.workflow.state(state).all_deadlines():
            if isinstance(spec, dl.Recurring):
                on = self.calendar.local_date(now)
                book.add([recurring_timer(spec, instance_id=instance_id, state=state, on=on, calendar=self.calendar)])
            else:
                book.add(
                    deadline_timers(
                        spec, instance_id=instance_id, state=state, data=data, entered=now, calendar=self.calendar
                    )
                )

    def _advance_timers(
        self,
        compiled: CompiledWorkflow,
        book: TimerBook,
        transition: Transition,
        source: str,
        dest: str,
        event: str,
        data: Mapping[str, Any],
        now: datetime,
        instance_id: str,
    ) -> None:
        """Settle what `event` meets, cancel the left state's timers, arm the new state's and
        the obligations the transition opens."""
        recurring_met: set[str] = set()
        active = ancestry(source)
        left, entered = moves(source, dest)
        for timer in sorted(book.live(), key=lambda t: (t.due, t.id)):
            if timer.action == "remind" or timer.id in book.settle:
                continue
            spec = compiled.spec_for(timer)
            if spec is None or spec.satisfied_by != event or (timer.state is not None and timer.state not in active):
                continue
            if isinstance(spec, dl.Recurring):
                # One report meets one period: the oldest still open. The next period is armed
                # only if none is pending yet (an overdue period already armed its successor).
                if spec.name in recurring_met:
                    continue
                recurring_met.add(spec.name)
                book.close(timer, "met")
                still_pending = any(
                    t.name == spec.name and t.state == timer.state and t.status == "pending" and t.id not in book.settle
                    for t in book.live()
                )
                if timer.state not in left and not still_pending:
                    book.add([next_recurring_timer(spec, timer, self.calendar)])
                continue
            book.close(timer, "met")
        for timer in book.live():
            if timer.state in left:
                book.close(timer, "cancelled")
        for state in entered:
            self._arm_state(compiled, book, instance_id, state, data, now)
        for obligation in transition.opens:
            existing = book.open_obligation(obligation.name)
            if existing is not None:
                book.close(existing, "superseded", "superseded")
            book.add(
                deadline_timers(
                    obligation, instance_id=instance_id, state=None, data=data, entered=now, calendar=self.calendar
                )
            )

    def registered_versions(self) -> frozenset[tuple[str, int]]:
        """The (workflow, version) pairs this engine can run: the sweep leases only their timers."""
        return frozenset(self._compiled)

    def tick(self, *, limit: int = 1000, lease: timedelta = timedelta(minutes=5)) -> TickReport:
        """Fire every timer due at the clock's now, soonest first; return what each did.

        Safe to run twice and from several processes or hosts: due timers are leased in batches
        of `limit` to this engine's `worker_id` for `lease` (others skip them meanwhile), and
        each timer is claimed in the same transaction as its effect, so it acts exactly once.
        A sweeper that dies leaves its leased timers to others once the lease runs out.

        Only timers of workflow versions registered here are leased: the others stay pending
        for an engine that has them, and the result's `unloaded` counts them per version. An
        action that breaks is retried with back-off (`timer_retry`) and parked as failed in
        the end; see `govflow.sweep`.
        """
        return self.sweeper.tick(limit=limit, lease=lease)

    def failed_timers(self, workflow: str | None = None, *, unit: str | None = None) -> list[Due]:
        """Timers whose action has failed (故障计时器): parked ones (``failed``), which wait for
        an operator's `rearm_timer`, and pending ones still being retried, oldest due first."""
        return [Due(instance, timer) for timer, instance in self.sweeper.failed(workflow, unit=unit)]

    def rearm_timer(self, timer_id: str, *, actor: Actor, reason: str) -> Timer:
        """Put a parked (``failed``) timer back to pending with its failure count cleared, so
        the next sweep acts on it; audited as ``timer_rearmed`` with `actor` and `reason`.

        Raises `TimerNotRearmable` (timer missing, not parked, or its state left since),
        `UnknownWorkflow` (its version not registered here) or `InvalidData` (no reason).
        """
        _require_actor(actor)
        return self.sweeper.rearm(timer_id, actor=actor, reason=reason)

    def _timer_event(
        self, instance: Instance, event: str, detail: Mapping[str, Any], now: datetime, kind: str = "timer"
    ) -> AuditEvent:
        """An engine event that records something without moving the instance (a timer acting,
        a child's report the parent could not take)."""
        return seal(
            instance_id=instance.id,
            seq=instance.revision + 1,
            kind=kind,
            event=event,
            source=instance.state,
            dest=instance.state,
            actor=SYSTEM.id,
            roles=sorted(SYSTEM.roles),
            at=now,
            payload={},
            justification=None,
            overrides=(),
            workflow_version=instance.workflow_version,
            prev_hash=instance.head,
            detail=detail,
        )

    def timers(self, instance_id: str) -> list[Timer]:
        """The instance's open timers (pending or overdue), soonest first."""
        self.storage.load(instance_id)
        return self.storage.timers(instance_id)

    def overdue(self, workflow: str | None = None, *, unit: str | None = None) -> list[Due]:
        """Deadlines that have passed and are still unmet (逾期未办), oldest first."""
        pairs = self.storage.find_timers(TimerQuery(statuses=("overdue",), workflow=workflow, unit=unit))
        return [Due(instance, timer) for timer, instance in pairs]

    def upcoming(
        self,
        within: timedelta,
        *,
        workflow: str | None = None,
        unit: str | None = None,
        actor: Actor | None = None,
    ) -> list[Due]:
        """Deadlines falling due in the next `within`, soonest first; with `actor`, only those
        on instances where the actor has something to do now (reminders are not listed)."""
        now = self.now()
        query = TimerQuery(statuses=("pending",), due_from=now, due_to=now + within, workflow=workflow, unit=unit)
        found = [
            Due(instance, timer) for timer, instance in self.storage.find_timers(query) if timer.action != "remind"
        ]
        if actor is not None:
            found = [due for due in found if self.available(due.instance.id, actor)]
        return found

    def load_schedule(self, schedule: YearSchedule) -> int:
        """Adopt a year's official holiday schedule (国务院放假安排): store it for every engine on
        this storage, apply it here, and recompute the pending provisional deadlines, each
        instance's with an audit event saying what moved (see `recompute_provisional`).

        Returns how many deadlines were recomputed.
        """
        if not isinstance(self.calendar, ChinaCalendar):
            raise GovflowError(f"the engine's calendar ({self.calendar.name}) does not take official year schedules")
        self.storage.put_document("calendar", str(schedule.year), {"json": schedule.to_json()})
        self.calendar = self.calendar.with_schedule(schedule)
        return self.recompute_provisional(schedule=schedule)

    def recompute_provisional(self, *, schedule: YearSchedule | None = None) -> int:
        """Recompute pending provisional (推定) deadlines on the current calendar; return how many
        were recomputed.

        Why per instance: a deadline moving is a fact about the case, so each instance gets one
        sealed ``deadline_recomputed`` event on its audit chain (kind ``calendar``, actor
        ``system``; detail: the `schedule` that caused it, and per deadline its old and new due
        date and whether it is still provisional), committed through the normal commit path in
        the same transaction as the timers' new due times — both or neither. An instance that
        changes meanwhile is reloaded and recomputed afresh. Running it again after a failure
        is safe: what was recomputed is no longer provisional, unless its new due date reaches
        into another year without official data.

        Timers of workflow versions this engine does not know are left alone (an engine that
        registers them can run this again); `skipped_provisional` names those versions.
        """
        pending: dict[str, None] = {}
        skipped: set[str] = set()
        for _timer, instance in self.storage.find_timers(TimerQuery(statuses=("pending",), provisional=True)):
            if (instance.workflow, instance.workflow_version) in self._compiled:
                pending[instance.id] = None
            else:
                skipped.add(f"{instance.workflow} v{instance.workflow_version}")
        self.skipped_provisional = sorted(skipped)
        cause = {"year": schedule.year, "source": schedule.source} if schedule is not None else None
        return sum(self._recompute_instance(instance_id, cause) for instance_id in pending)

    def _recompute_instance(self, instance_id: str, cause: Mapping[str, Any] | None) -> int:
        """One instance's provisional deadlines recomputed and audited in one commit."""
        for attempt in range(1, RECOMPUTE_ATTEMPTS + 1):
            instance = self.storage.load(instance_id)
            compiled = self._compile_for(instance.workflow, instance.workflow_version)
            moved: list[Timer] = []
            entries: list[dict[str, Any]] = []
            for timer in self.storage.timers(instance_id):
                spec = compiled.spec_for(timer) if timer.status == "pending" and timer.provisional else None
                if spec is None:
                    continue
                new = recomputed(timer, spec, self.calendar)
                moved.append(new)
                entries.append(
                    {
                        "deadline": timer.name,
                        "action": timer.action,
                        "from": timer.params.get("due_date"),
                        "to": new.params.get("due_date"),
                        "provisional": new.provisional,
                    }
                )
            if not moved:
                return 0
            now = self.now()
            detail = {"schedule": dict(cause) if cause else None, "deadlines": entries}
            record = self._timer_event(instance, "deadline_recomputed", detail, now, kind="calendar")
            current = attrs.evolve(instance, revision=record.seq, updated_at=now, head=record.hash)
            change = Change(
                instance=current,
                expected_revision=instance.revision,
                events=(record,),
                reschedule=tuple(moved),
                data_changed=False,
                marks_changed=False,
            )
            try:
                self.storage.commit(change)
                return len(moved)
            except ConcurrentModification:
                if attempt == RECOMPUTE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _choose(
        self,
        compiled: CompiledWorkflow,
        instance: Instance,
        event: str,
        actor: Actor,
        payload: Mapping[str, Any] | None,
        justification: str | None,
        now: datetime,
        book: TimerBook | None = None,
        probe: bool = False,
    ) -> _Choice:
        """Pick the transition `event` takes, or raise the error that explains why none.

        With `probe` (listing what an actor may do), the payload is not yet known: payload
        schemas and guards marked `on_payload` are not checked, and soft rules do not block.
        """
        if event not in compiled.events:
            raise UnknownEvent(instance.workflow, event, compiled.events)
        candidates = compiled.candidates.get((instance.state, event))
        if not candidates:
            raise TransitionNotAllowed(instance.id, event, instance.state, compiled.events_from.get(instance.state, ()))
        permitted: list[tuple[Transition, Grant]] = []
        denied: PermissionDenied | None = None
        access: AccessContext | None = None
        for t in candidates:
            if compiled.plain[id(t)] and self.directory is None:
                if actor.has_any(t.roles):  # type: ignore[arg-type]
                    permitted.append((t, compiled.plain_grant(t, actor.roles)))
                continue
            if access is None:
                access = AccessContext(
                    actor=actor, event=event, instance=instance, data=instance.data, now=now, engine=self
                )
            try:
                permitted.append((t, authorize(compiled.requirements[id(t)], t.separation, access)))
            except PermissionDenied as exc:
                denied = denied or exc
        if not permitted:
            if denied is not None:
                raise denied
            needed = frozenset().union(*(t.roles for t in candidates))
            raise PermissionDenied(
                actor.id,
                event,
                "role",
                f"needs one of the roles {_roles_text(map(str, needed))}, the actor holds {_roles_text(actor.roles)}",
            )
        wf = compiled.workflow
        rejected: list[str] = []
        for t, grant in permitted:
            body: dict[str, Any]
            if probe:
                data, body = dict(instance.data), {}
            else:
                data, body = _apply_payload(wf, t, instance.data, payload or {}, event)
            unmet = _unmet(t, book)
            if unmet:
                rejected.extend(unmet)
                continue
            if t.guards or t.soft_guards:
                ctx = GuardContext(
                    instance=instance,
                    data=data,
                    payload=body,
                    actor=actor,
                    event=event,
                    now=now,
                    engine=self,
                    model=structure(wf.schema, data),
                    calendar=self.calendar,
                )
                hard = _failures([g for g in t.guards if not (probe and g.on_payload)], ctx)
                if hard:
                    rejected.extend(hard if len(permitted) == 1 else [f"to {t.dest}: {r}" for r in hard])
                    continue
                soft = [] if probe else [(g.name, r) for g in t.soft_guards if (r := g.failure(ctx)) is not None]
                if soft and justification is None:
                    raise JustificationRequired(event, [reason for _, reason in soft])
                overrides = tuple(name for name, _ in soft)
            else:
                overrides = ()
            return _Choice(transition=t, data=data, payload=body, grant=grant, overrides=overrides)
        raise GuardRejected(event, rejected)

    # -- reading ------------------------------------------------------------------------------

    def get(self, instance_id: str) -> Instance:
        """The instance's current record (`InstanceNotFound` if there is none)."""
        return self.storage.load(identifier(instance_id, "instance_id"))

    def history(self, instance_id: str) -> list[AuditEvent]:
        """The instance's audit events, oldest first."""
        instance_id = identifier(instance_id, "instance_id")
        self.storage.load(instance_id)
        return self.storage.history(instance_id)

    def available(self, instance_id: str, actor: Actor) -> list[str]:
        """Events `actor` may fire on the instance now: valid here, role held, hard guards pass.

        Events held back only by a 原则上 rule are included (they need a justification).
        """
        _require_actor(actor)
        instance = self.storage.load(identifier(instance_id, "instance_id"))
        compiled = self._compile_for(instance.workflow, instance.workflow_version)
        return self._available(compiled, instance, actor)

    def _available(self, compiled: CompiledWorkflow, instance: Instance, actor: Actor) -> list[str]:
        now = self.now()
        book = TimerBook(open=self.storage.timers(instance.id), now=now) if compiled.timed else None
        found: list[str] = []
        for event in compiled.events_from.get(instance.state, ()):
            try:
                self._choose(compiled, instance, event, actor, None, None, now, book, probe=True)
            except (PermissionDenied, GuardRejected, InvalidData):
                continue
            found.append(event)
        return found

    def inbox(self, actor: Actor, workflow: str | None = None, *, unit: str | None = None, limit: int = 200) -> Inbox:
        """Instances in which `actor` has something to do now (待办), oldest first.

        An instance whose guard raises (a bug in that guard's code) is left out and named in the
        result's `problems`, so one broken guard does not hide everyone's work."""
        _require_actor(actor)
        workflow = optional_identifier(workflow, "workflow")
        unit = optional_identifier(unit, "unit")
        whole_number(limit, "limit")
        items = Inbox()
        roles = actor.roles
        if self.directory is not None and self.directory.knows(actor.id):
            on = self.calendar.local_date(self.now())
            roles = roles | {a.post.position for a in self.directory.acting(actor.id, on)}
        for key in sorted(self._compiled):
            compiled = self._compiled[key]
            if workflow is not None and key[0] != workflow:
                continue
            states = compiled.states_for(roles)
            if not states:
                continue
            query = Query(workflow=key[0], states=tuple(sorted(states)), unit=unit)
            for instance in self.storage.find(query):
                if instance.workflow_version != key[1]:
                    continue
                try:
                    events = self._available(compiled, instance, actor)
                except GuardFailed as exc:
                    items.problems.append(f"{instance.id} ({instance.workflow}): {exc}")
                    continue
                if events:
                    items.append(InboxItem(instance, tuple(events)))
        items.sort(key=lambda item: (item.instance.created_at, item.instance.id))
        del items[limit:]
        return items

    def find(
        self,
        workflow: str | None = None,
        *,
        state: str | Sequence[str] | None = None,
        unit: str | None = None,
        where: Mapping[str, Any] | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        parent_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Instance]:
        """Instances by workflow, state(s), unit, indexed data fields and creation time.

        `where` may only name fields the workflow declares in `Workflow.index`, so a query
        never degrades into loading every instance.
        """
        return self.storage.find(
            self._query(workflow, state, unit, where, created_from, created_to, parent_id, limit, offset)
        )

    def count(
        self,
        workflow: str | None = None,
        *,
        state: str | Sequence[str] | None = None,
        unit: str | None = None,
        where: Mapping[str, Any] | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        parent_id: str | None = None,
    ) -> int:
        """How many instances `find` would return without a limit."""
        query = self._query(workflow, state, unit, where, created_from, created_to, parent_id, None, 0)
        return self.storage.count(query)

    def _query(
        self,
        workflow: str | None,
        state: str | Sequence[str] | None,
        unit: str | None,
        where: Mapping[str, Any] | None,
        created_from: datetime | None,
        created_to: datetime | None,
        parent_id: str | None,
        limit: int | None,
        offset: int,
    ) -> Query:
        """The storage query for `find`/`count`, every argument checked (`govflow.values`)."""
        workflow = optional_identifier(workflow, "workflow")
        unit = optional_identifier(unit, "unit")
        parent_id = optional_identifier(parent_id, "parent_id")
        where = json_object(where, "where") if where is not None else None
        limit = None if limit is None else whole_number(limit, "limit", high=MAX_PAGE)
        offset = whole_number(offset, "offset", high=MAX_PAGE)
        if where:
            if workflow is None:
                raise InvalidData("a query on data fields must name its workflow")
            indexed = {f for (name, _), c in self._compiled.items() if name == workflow for f in c.workflow.index}
            if not indexed:
                self._compile_for(workflow, None)
            missing = sorted(set(where) - indexed)
            if missing:
                raise InvalidData(
                    f"cannot query {workflow!r} on {', '.join(missing)}: not indexed "
                    f"(declare it in Workflow(index=...); indexed: {', '.join(sorted(indexed)) or 'none'})"
                )
        created_from = None if created_from is None else instant(created_from, "created_from")
        created_to = None if created_to is None else instant(created_to, "created_to")
        states = None if state is None else identifiers(state, "state")
        if states is not None and self._hierarchical:
            states = self._leaves_within(workflow, states)
        return Query(
            workflow=workflow,
            states=states,
            unit=unit,
            where=dict(where or {}),
            created_from=created_from,
            created_to=created_to,
            parent_id=parent_id,
            limit=limit,
            offset=offset,
        )

    def _leaves_within(self, workflow: str | None, states: tuple[str, ...]) -> tuple[str, ...]:
        """States as stored: a compound state stands for every sub-state inside it."""
        found: dict[str, None] = {}
        for state in states:
            found[state] = None
            for (name, _version), compiled in self._compiled.items():
                if (workflow is None or name == workflow) and state in compiled.workflow.nodes_by_path:
                    found.update(dict.fromkeys(compiled.workflow.inside(state)))
        return tuple(found)

    def verify(self, instance_id: str) -> None:
        """Raise `AuditIntegrityError` if the instance's audit chain was tampered with."""
        instance_id = identifier(instance_id, "instance_id")
        instance = self.storage.load(instance_id)
        try:
            events = self.storage.history(instance_id)
        except StorageError as exc:
            raise AuditIntegrityError(instance_id, None, f"an event cannot be read: {exc}") from None
        verify_chain(instance_id, events, instance.head, instance.revision, instance.state)

    def verify_all(self, workflow: str | None = None, *, batch: int = 500) -> list[AuditIntegrityError]:
        """Check every instance's chain; return the failures (empty when all verify)."""
        failures: list[AuditIntegrityError] = []
        offset = 0
        while True:
            page = self.storage.find(Query(workflow=workflow, limit=batch, offset=offset))
            for instance in page:
                try:
                    self.verify(instance.id)
                except AuditIntegrityError as exc:
                    failures.append(exc)
            if len(page) < batch:
                return failures
            offset += batch

    # -- the feed (事件订阅): see govflow.feed ----------------------------------------------------

    def feed(
        self,
        after: str | None = None,
        *,
        limit: int = 100,
        workflow: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        unit: str | Iterable[str] | None = None,
    ) -> FeedPage:
        """Committed events after cursor `after` (None: from the oldest kept), in feed order,
        filtered by workflow, feed kind (`govflow.feed.FIRE`, ``START``, ``ESCALATION``…) and unit;
        the page's `cursor` is where to read on from. Reading never skips an event that commits
        late (see `Storage.read_feed`)."""
        if limit < 1:
            raise InvalidData(f"limit must be at least 1, not {limit}")
        return self.storage.read_feed(after, limit, FeedFilter(workflows=workflow, kinds=kind, units=unit))

    def consumer(
        self,
        name: str,
        *,
        start: str = "beginning",
        parts: int = 1,
        lease: timedelta = timedelta(minutes=1),
        workflow: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        unit: str | Iterable[str] | None = None,
    ) -> Consumer:
        """The named consumer (订阅者), registered on first use with its cursor at the feed's
        ``"beginning"`` or ``"end"`` (only what commits from now on) and `parts` partitions for
        several processes to share; later calls find it as stored (`start` and `parts` then do
        not matter). Its cursor lives in the database; reads are at least once."""
        check_name(name)
        if start not in ("beginning", "end"):
            raise InvalidData(f"start must be 'beginning' or 'end', not {start!r}")
        if not 1 <= parts <= BUCKETS:
            raise InvalidData(f"parts must be between 1 and {BUCKETS}, not {parts}")
        if not self.storage.consumers(name):
            self.storage.register_consumer(name, parts, self.storage.feed_end() if start == "end" else None)
        return Consumer(
            self.storage,
            name,
            worker=self.worker_id,
            now=self.now,
            lease=lease,
            filter=FeedFilter(workflows=workflow, kinds=kind, units=unit),
        )

    def prune_feed(self, keep: timedelta) -> int:
        """Delete feed rows older than `keep` that every registered consumer has read (retention);
        return how many. The audit trail is untouched: the feed is for telling, not for the record."""
        if keep < timedelta(0):
            raise InvalidData(f"keep must not be negative, not {keep}")
        return self.storage.prune_feed(self.now() - keep)


def _hierarchy_notes(
    compiled: CompiledWorkflow,
    t: Transition,
    source: str,
    dest: str,
    data: Mapping[str, Any],
    marks: Mapping[str, Any],
    extra: dict[str, Any],
    calendar: Calendar,
    now: datetime,
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """Moving through compound states: remember the sub-state each compound is left from (deep
    history, for a later ``history=True`` transition, 复工), say what a history transition
    resumed, and note every planned window entered (``window``: the innermost; ``windows``: all
    of them when several are entered at once)."""
    left, entered = moves(source, dest)
    remembered = {path: source for path in left if path != source}
    if t.history:
        resumed = marks.get("history", {}).get(t.dest) == dest
        extra = {**extra, "history": {"state": t.dest, "resumed": dest if resumed else None}}
    if remembered:
        marks = {**marks, "history": {**marks.get("history", {}), **remembered}}
    today = calendar.local_date(now)
    notes = {path: {"state": path, **entry_note(compiled.windows[path], data, today)}
             for path in entered if path in compiled.windows}  # fmt: skip
    if notes:
        extra = {**extra, "window": notes[next(reversed(notes))]}
        if len(notes) > 1:
            extra["windows"] = notes
    return marks, extra


def _detail(detail: dict[str, Any], grant: Grant) -> dict[str, Any]:
    """The audit detail, plus how the actor was allowed to act when not on their own post."""
    if grant.via != "own":
        return {**detail, "via": grant.via}
    return detail


def _unmet(t: Transition, book: TimerBook | None) -> list[str]:
    """Reasons the obligations `t` requires are not met yet."""
    if not t.requires_met or book is None:
        return []
    reasons = []
    for name in t.requires_met:
        timer = book.open_obligation(name)
        if timer is not None:
            label = timer.params.get("label") or name
            reasons.append(f"obligation {name!r} ({label}) is not met yet (due {timer.params.get('due_date')})")
    return reasons


def _provisional_note(timers: Iterable[Timer]) -> list[dict[str, Any]]:
    """The deadlines among `timers` counted on provisional (推定) holiday data, for the audit
    event of the step that armed them (reminders are implied by their deadline)."""
    return [
        {"deadline": t.name, "due": t.params.get("due_date")} for t in timers if t.provisional and t.action != "remind"
    ]


def _with_overdue(marks: Mapping[str, Any], book: TimerBook) -> Mapping[str, Any]:
    """Marks with ``overdue`` recomputed from the timers still open and overdue."""
    overdue = {t.name: t.params.get("due_date") for t in book.live() if t.status == "overdue" and t.action != "remind"}
    if overdue == marks.get("overdue", {}) or (not overdue and "overdue" not in marks):
        return marks
    updated = dict(marks)
    if overdue:
        updated["overdue"] = overdue
    else:
        updated.pop("overdue", None)
    return updated


def _require_justification(justification: Any) -> None:
    """A justification is None or non-blank text (`govflow.values.text`)."""
    if justification is not None and not text(justification, "justification").strip():
        raise InvalidData("a justification must be a non-empty text")


def _require_actor(actor: Any) -> None:
    """The actor is an `Actor` whose id, unit and roles are identifiers (`govflow.values`)."""
    if not isinstance(actor, Actor):
        raise InvalidData(f"actor must be a govflow Actor, got {type(actor).__name__}")
    identifier(actor.id, "actor id")
    optional_identifier(actor.unit, "actor unit")
    for role in actor.roles:
        identifier(role, "actor role")


def _roles_text(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return "{" + ", ".join(names) + "}" if names else "no roles"


def _used(actor: Actor, allowed: frozenset[str]) -> tuple[str, ...]:
    """The actor's roles that authorised a step (``*`` when any actor was allowed)."""
    used = actor.roles & allowed
    return tuple(sorted(used)) if used else ("*",)


def _failures(guards: Sequence[Guard], ctx: GuardContext) -> list[str]:
    reasons: list[str] = []
    for g in guards:
        reason = g.failure(ctx)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _apply_payload(
    wf: Workflow, t: Transition, data: Mapping[str, Any], payload: Mapping[str, Any], event: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new data, payload as recorded): validated against the payload or workflow schema."""
    if not isinstance(payload, Mapping):
        raise InvalidData(f"the payload of {event!r} must be a mapping, got {type(payload).__name__}")
    if t.payload_schema is not None:
        body, _ = validate(t.payload_schema, payload, f"payload of {event!r}")
        return dict(data), body
    if not payload:
        return data if isinstance(data, dict) else dict(data), {}
    body = json_object(payload, "payload", what=f"payload of {event!r}")
    merged, _ = validate(wf.schema, {**data, **body}, f"data after the payload of {event!r}")
    return merged, body
