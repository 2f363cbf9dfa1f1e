"""Typed errors (错误类型): every rejected call raises one of these and writes nothing.

Each error carries a message a person can act on, plus the structured facts behind it
(attributes), so services can map them to their own responses without parsing text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime


class GovflowError(Exception):
    """Base of every error govflow raises on purpose."""


class DefinitionError(GovflowError):
    """A workflow definition is structurally wrong (定义错误); raised when it is built."""

    def __init__(self, workflow: str, problems: Sequence[str], *, kind: str = "workflow") -> None:
        self.workflow = workflow
        self.problems = tuple(problems)
        joined = "; ".join(self.problems)
        super().__init__(f"{kind} {workflow!r} is not valid: {joined}")


class UnknownWorkflow(GovflowError):
    """No workflow of that name (and version) is registered with the engine."""

    def __init__(self, name: str, version: int | None = None, known: Iterable[str] = ()) -> None:
        self.name = name
        self.version = version
        label = name if version is None else f"{name} v{version}"
        known_list = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown workflow {label!r} (registered: {known_list})")


class UnknownEvent(GovflowError):
    """The event is not defined anywhere in the instance's workflow version."""

    def __init__(self, workflow: str, event: str, known: Iterable[str] = ()) -> None:
        self.workflow = workflow
        self.event = event
        known_list = ", ".join(sorted(known)) or "none"
        super().__init__(f"workflow {workflow!r} has no event {event!r} (events: {known_list})")


class InstanceNotFound(GovflowError):
    """No instance with that id exists in storage."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"no instance with id {instance_id!r}")


class TransitionNotAllowed(GovflowError):
    """The event exists but is not valid in the instance's current state (状态不允许)."""

    def __init__(self, instance_id: str, event: str, state: str, valid: Iterable[str] = ()) -> None:
        self.instance_id = instance_id
        self.event = event
        self.state = state
        self.valid = tuple(sorted(valid))
        hint = ", ".join(self.valid) if self.valid else "none (final state)"
        super().__init__(
            f"event {event!r} is not allowed in state {state!r} of instance {instance_id} (allowed here: {hint})"
        )


class PermissionDenied(GovflowError):
    """The actor may not fire this event (无权操作): a role, scope or separation rule failed.

    `requirement` names the rule that failed, e.g. ``"role"`` or ``"not-initiator"``.
    """

    def __init__(self, actor: str, event: str, requirement: str, detail: str) -> None:
        self.actor = actor
        self.event = event
        self.requirement = requirement
        self.detail = detail
        super().__init__(f"{actor!r} may not fire {event!r}: {detail} [{requirement}]")


class GuardRejected(GovflowError):
    """One or more hard rules (一律 / 严禁 / 不得) failed; `reasons` lists every one."""

    def __init__(self, event: str, reasons: Sequence[str]) -> None:
        self.event = event
        self.reasons = tuple(reasons)
        super().__init__(f"{event!r} rejected: " + "; ".join(self.reasons))


class GuardFailed(GovflowError):
    """A guard's own code raised instead of answering pass or fail: a bug in that guard, named
    here so an operator can find it (the call it broke wrote nothing)."""

    def __init__(self, guard: str, cause: BaseException) -> None:
        self.guard = guard
        self.cause = cause
        super().__init__(f"guard {guard!r} raised {type(cause).__name__}: {cause} (a bug in the guard's code)")


class JustificationRequired(GovflowError):
    """A soft rule (原则上) failed; the call may proceed only with a recorded justification."""

    def __init__(self, event: str, reasons: Sequence[str]) -> None:
        self.event = event
        self.reasons = tuple(reasons)
        super().__init__(
            f"{event!r} breaks a rule that holds 原则上 (in principle): "
            + "; ".join(self.reasons)
            + " — retry with a justification to override it on the record"
        )


class ConcurrentModification(GovflowError):
    """Someone else changed the instance first (a lost compare-and-set on `revision`)."""

    def __init__(self, instance_id: str, expected: int, actual: int | None, reason: str | None = None) -> None:
        self.instance_id = instance_id
        self.expected = expected
        self.actual = actual
        self.reason = reason
        """Why the server rolled the change back when it was not the revision check (e.g. a
        deadlock it detected), so an operator can tell the two kinds of lost race apart."""
        now = "deleted" if actual is None else f"at revision {actual}"
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"instance {instance_id} changed concurrently{why}: expected revision {expected}, it is {now}; "
            "reload and retry"
        )


class InvalidData(GovflowError):
    """Instance data or an event payload does not fit its declared schema (数据不合规)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = tuple(problems)
        detail = (": " + "; ".join(self.problems)) if self.problems else ""
        super().__init__(message + detail)


class AuditIntegrityError(GovflowError):
    """The audit chain of an instance was edited, deleted from, inserted into or reordered."""

    def __init__(self, instance_id: str, seq: int | None, problem: str) -> None:
        self.instance_id = instance_id
        self.seq = seq
        self.problem = problem
        at = f" at event #{seq}" if seq is not None else ""
        super().__init__(f"audit chain of instance {instance_id} is broken{at}: {problem}")


class StorageError(GovflowError):
    """The storage backend failed or holds something govflow cannot read (e.g. a corrupt file).

    `permanent` says the fault cannot heal by waiting (a schema newer than this govflow, bad
    credentials, a missing database): a `govflow worker` stops on it instead of retrying.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class TimerNotRearmable(GovflowError):
    """An operator asked to re-arm a timer that cannot be (不能重新启用): it does not exist, it is
    not parked as failed, or its state has been left since; nothing was written."""

    def __init__(self, timer_id: str, reason: str) -> None:
        self.timer_id = timer_id
        self.reason = reason
        super().__init__(f"cannot re-arm timer {timer_id}: {reason}")


class CalendarError(GovflowError):
    """A calendar cannot answer: a date outside the holiday data, or a bad calendar file."""


class NaiveDatetime(GovflowError, ValueError):
    """A datetime without a time zone was given where an instant is required."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is a naive datetime; pass a timezone-aware one "
            "(e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')))"
        )


class ClockError(GovflowError):
    """The clock gave an instant govflow cannot record (outside the years it stores, or before
    an event already recorded): fix the clock; nothing was written."""


class ClockWentBackwards(ClockError, ValueError):
    """Time ran backwards: a `FakeClock` told to move back, or an event stamped before the
    instance's last one (an audit trail is in time order; check the host's clock, e.g. NTP)."""

    def __init__(self, now: datetime, previous: datetime, instance_id: str | None = None) -> None:
        self.now = now
        self.previous = previous
        self.instance_id = instance_id
        if instance_id is None:
            message = f"a FakeClock only moves forward: {now.isoformat()} is before {previous.isoformat()}"
        else:
            message = (
                f"the clock says {now.isoformat()}, before the instance's last event at {previous.isoformat()} "
                f"(instance {instance_id}); an audit trail cannot go back in time — check this host's clock"
            )
        super().__init__(message)


def _year_ranges(years: Iterable[int]) -> str:
    """Format years compactly, e.g. ``2001-2026, 2028``."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs) or "none"


class DateOutsideCalendar(CalendarError):
    """A date lies in a year the calendar has no official holiday schedule (放假安排) for."""

    def __init__(self, day: date, calendar: str, covered: Iterable[int]) -> None:
        self.day = day
        self.calendar = calendar
        self.covered = tuple(sorted(covered))
        super().__init__(
            f"{day.isoformat()} is outside the official holiday data of calendar "
            f"{calendar!r} (covered years: {_year_ranges(self.covered)}); load that "
            "year's YearSchedule with ChinaCalendar.with_schedule(), or build the calendar "
            "with provisional=True to get answers flagged as provisional"
        )


class InvalidSchedule(CalendarError):
    """A holiday schedule (file or object) is malformed; `problems` lists every fault."""

    def __init__(self, origin: str, problems: Sequence[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        super().__init__(f"invalid holiday schedule {origin}: " + "; ".join(self.problems))


class DirectoryError(GovflowError):
    """The organisation directory is inconsistent or was asked about something it lacks (组织机构错误):
    an unknown unit or position, a cycle in the unit tree, overlapping single-holder tenures, a
    delegation to oneself or beyond one's own rights. `problems` lists every one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("organisation directory: " + "; ".join(self.problems))


class UnresolvedRole(GovflowError):
    """A relative role or approval step resolved to nobody (无人可办): named, never approved empty."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"no one can act as {rule}: {detail}")


class InvalidFacts(InvalidData):
    """Facts given to `govflow.scoring.evaluate` do not fit the scheme (考核事实不合规): an unknown
    subject or indicator, a rating outside the scale, a negative count, evidence dated outside
    the period, a deduction without a reason. `problems` names every faulty item; nothing was
    evaluated."""

    def __init__(self, scheme: str, problems: Sequence[str]) -> None:
        self.scheme = scheme
        super().__init__(f"facts do not fit scheme {scheme!r}", problems)


class AllocationRefused(GovflowError):
    """A reward allocation breaks a rule of its scheme (奖金分配不合规), e.g. 「党政正职奖金不低于
    奖金总额的30%」; `rule` names the rule and `source` the document line it cites."""

    def __init__(self, rule: str, source: str, problems: Sequence[str]) -> None:
        self.rule = rule
        self.source = source
        self.problems = tuple(problems)
        cite = f" [{source}]" if source else ""
        super().__init__(f"allocation refused by rule {rule!r}{cite}: " + "; ".join(self.problems))


class UnknownScheme(GovflowError):
    """No assessment scheme of that name (and version) was loaded (未知考核方案)."""

    def __init__(self, name: str, version: int | None = None, known: Iterable[str] = ()) -> None:
        self.name = name
        self.version = version
        label = name if version is None else f"{name} v{version}"
        known_list = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown scheme {label!r} (loaded: {known_list})")


def _correlation_text(correlate: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in sorted(correlate.items()))


class NoCorrelatedInstance(GovflowError):
    """An external event matched no instance waiting for it (无对应案件): nothing was fired.

    Raised by `govflow.correlation.deliver`; the sender's data (a person id) names no open case
    of the workflow in a state where the event is possible."""

    def __init__(self, workflow: str, event: str, correlate: Mapping[str, object]) -> None:
        self.workflow = workflow
        self.event = event
        self.correlate = dict(correlate)
        super().__init__(
            f"no {workflow!r} instance with {_correlation_text(correlate)} is waiting for {event!r}; nothing was fired"
        )


class AmbiguousCorrelation(GovflowError):
    """An external event matched several waiting instances where one was expected (关联不唯一).

    `instance_ids` lists them; nothing was fired. Deliver with ``expect="all"`` if every one of
    them should get the event."""

    def __init__(self, workflow: str, event: str, correlate: Mapping[str, object], instance_ids: Sequence[str]) -> None:
        self.workflow = workflow
        self.event = event
        self.correlate = dict(correlate)
        self.instance_ids = tuple(instance_ids)
        super().__init__(
            f"{len(self.instance_ids)} {workflow!r} instances with {_correlation_text(correlate)} wait for "
            f"{event!r} ({', '.join(self.instance_ids)}); nothing was fired — pass expect='all' to deliver to each"
        )
