"""Deadlines (期限) as data: how long, counted from what, and what happens when time is up.

A `Deadline` on a state is armed when the state is entered: its due date is computed with the
engine's calendar and stored as a timer in the same transaction, so a restart loses nothing.
The same `Deadline` on a transition's `opens` is an *obligation* (义务) that outlives the state
(after a trip: report within 1 month) and is met by its `satisfied_by` event.

Counting rules (see docs/time.md): "N 日内" counts calendar days with the start day not
counted; "N 个工作日" counts PRC working days; "N 个月" is calendar months clamped to the month
end; a deadline is met until the end of its due date (it falls due at 24:00 local time).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

import attrs

from govflow.calendar import Calendar, Reckoning
from govflow.errors import CalendarError, DefinitionError

if TYPE_CHECKING:
    from govflow.guards import Guard, GuardContext


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    """Durations count at least one unit: zero or negative is a definition error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        name = type(instance).__name__
        raise DefinitionError(
            name, [f"{name}.{attribute.name} must be a whole number ≥ 1, not {value!r}"], kind="duration"
        )


@attrs.frozen
class WorkingDays:
    """N 个工作日: PRC working days (weekends and statutory holidays off, 调休 days on)."""

    n: int = attrs.field(validator=_positive)

    def __str__(self) -> str:
        return f"{self.n} working days (个工作日)"


@attrs.frozen
class Days:
    """N 日: calendar days, the start day not counted; `roll_forward` moves a rest-day end to the
    next working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期)."""

    n: int = attrs.field(validator=_positive)
    roll_forward: bool = False

    def __str__(self) -> str:
        return f"{self.n} days (日)" + (", rolled to a working day" if self.roll_forward else "")


@attrs.frozen
class Weeks:
    """N 周: 7·N calendar days (前三周 = three weeks before a milestone)."""

    n: int = attrs.field(validator=_positive)

    def __str__(self) -> str:
        return f"{self.n} weeks (周)"


@attrs.frozen
class Months:
    """N 个月: calendar months, clamped to the month end (Jan 31 + 1 month = Feb 28/29)."""

    n: int = attrs.field(validator=_positive)
    roll_forward: bool = False

    def __str__(self) -> str:
        return f"{self.n} months (个月)"


@attrs.frozen
class ByDate:
    """A fixed date in the anchor's year or a later one: 每年9月底前 = ByDate(9), 次年3月底前 =
    ByDate(3, years_later=1), 11月15日之前 = ByDate(11, 15). `day=None` means the month's last day."""

    month: int
    day: int | None = None
    years_later: int = 0

    def __attrs_post_init__(self) -> None:
        problems = []
        if not 1 <= self.month <= 12:
            problems.append(f"month must be 1-12, not {self.month}")
        if self.day is not None and not 1 <= self.day <= 31:
            problems.append(f"day must be 1-31, not {self.day}")
        if self.years_later < 0:
            problems.append("years_later cannot be negative")
        if problems:
            raise DefinitionError("ByDate", problems, kind="duration")

    def __str__(self) -> str:
        day = "month end (底)" if self.day is None else str(self.day)
        later = f", {self.years_later} year(s) later" if self.years_later else ""
        return f"by {self.month}/{day}{later}"


@attrs.frozen
class OnDate:
    """Due on a fixed day: `day`, or — with a `FromField` anchor and no `day` — the anchor's day
    itself (a planned end date in the data)."""

    day: date | None = None

    def __str__(self) -> str:
        return f"on {self.day}" if self.day else "on the anchor date"


Duration = WorkingDays | Days | Weeks | Months | ByDate | OnDate


@attrs.frozen
class OnEnter:
    """Count from the moment the state is entered (the transition's time)."""

    def __str__(self) -> str:
        return "from entering the state"


@attrs.frozen
class FromField:
    """Count forward from a date in the instance data (e.g. the trip's return date)."""

    field: str

    def __str__(self) -> str:
        return f"from data field {self.field!r}"


@attrs.frozen
class BeforeField:
    """Count back from a planned milestone date in the data (前三周, 期满30日前)."""

    field: str

    def __str__(self) -> str:
        return f"before data field {self.field!r}"


Anchor = OnEnter | FromField | BeforeField
ON_ENTER = OnEnter()


@attrs.frozen
class MarkOverdue:
    """When due: record the instance as overdue (逾期), change nothing else — the default,
    since most documents attach blame to lateness rather than move the case."""

    kind: Literal["overdue"] = "overdue"


@attrs.frozen
class FireEvent:
    """When due: fire `event` as the system actor (the transition must allow role "system")."""

    event: str
    kind: Literal["fire"] = "fire"


@attrs.frozen
class Escalate:
    """When due: hand responsibility up (上报/督办) — to a named role, to a unit above, or
    both — recorded in the audit trail and on the instance; the instance is also overdue.

    Where it goes: `to_parent_unit` climbs one level; `to_level` climbs to the nearest unit above
    whose directory `kind` is that level (e.g. ``"街道"``, the street office); `to_unit` names
    the unit outright. At most one of the three. The case's `unit` becomes the unit it went to.

    `to_role` gives power: while the escalation stands (the deadline is overdue and the case
    has not left the state), holders of `to_role` in the unit it went to — or, when it names
    no unit, in the case's unit or above — may fire the case's transitions (those open to
    people; separation rules still apply). See `govflow.escalation`.
    """

    to_role: str | None = None
    to_parent_unit: bool = False
    to_level: str | None = None
    to_unit: str | None = None
    kind: Literal["escalate"] = "escalate"

    def __attrs_post_init__(self) -> None:
        targets = [t for t in (self.to_parent_unit, self.to_level, self.to_unit) if t]
        problems = []
        if self.to_role is None and not targets:
            problems.append(
                "name a role (to_role=...) or where it goes (to_parent_unit=True, to_level=..., to_unit=...)"
            )
        if len(targets) > 1:
            problems.append("name at most one of to_parent_unit, to_level and to_unit")
        for name in ("to_role", "to_level", "to_unit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                problems.append(f"{name} must be a non-empty string, not {value!r}")
        if problems:
            raise DefinitionError("Escalate", problems, kind="action")

    @property
    def destination(self) -> str | None:
        """Where it goes, for people: "the parent unit", "the nearest 街道 above", a unit id."""
        if self.to_parent_unit:
            return "the parent unit"
        if self.to_level:
            return f"the nearest {self.to_level} above"
        return self.to_unit


@attrs.frozen
class CheckMilestone:
    """When due: evaluate a milestone and record it met or missed (see `govflow.phases`)."""

    kind: Literal["milestone"] = "milestone"


Action = MarkOverdue | FireEvent | Escalate | CheckMilestone
OVERDUE = MarkOverdue()


def _offsets(value: Iterable[WorkingDays | Days]) -> tuple[WorkingDays | Days, ...]:
    return tuple(value)


def _kind_problems(spec: Deadline) -> list[str]:
    """A deadline's parts must be of their kinds when built (a ``"duration": 5`` read from JSON
    would otherwise be accepted and fail only when an instance enters the state)."""
    problems = []
    for field, kinds in (("duration", Duration), ("anchor", Anchor), ("action", Action)):
        value = getattr(spec, field)
        if not isinstance(value, kinds):
            names = ", ".join(k.__name__ for k in kinds.__args__)
            problems.append(f"{field} must be one of {names}, not {value!r}")
    return problems


@attrs.frozen
class Deadline:
    """A named time limit: `duration` counted from `anchor`; `action` when it passes.

    `remind` lists offsets before the due date at which to send a reminder (催办), counted on
    the instance. `satisfied_by` names the event that meets the deadline (required for an
    obligation opened by a transition). `label` is the Chinese term, `source` the citation.
    """

    name: str
    duration: Duration
    anchor: Anchor = ON_ENTER
    action: Action = OVERDUE
    remind: tuple[WorkingDays | Days, ...] = attrs.field(default=(), converter=_offsets)
    satisfied_by: str | None = None
    label: str = ""
    source: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise DefinitionError("Deadline", ["a deadline needs a non-empty name"], kind="deadline")
        problems = _kind_problems(self)
        if problems:
            raise DefinitionError(self.name, problems, kind="deadline")
        if isinstance(self.anchor, BeforeField) and isinstance(self.duration, ByDate):
            raise DefinitionError(
                self.name, ["a ByDate deadline cannot be counted back from a milestone"], kind="deadline"
            )

    @property
    def display(self) -> str:
        """`name (label)` for people."""
        return f"{self.name} ({self.label})" if self.label else self.name


@attrs.frozen
class Recurring:
    """A duty that recurs every period while the state lasts (定期报送): weekly (Monday to
    Sunday), monthly, quarterly, half-yearly or yearly, due `after` the period ends (次月5号前 =
    Recurring("monthly_report", "month", Days(5))), or — with ``after=None`` — by the period's
    last day (每周召开1次例会 = Recurring("meeting", "week", None)). Each period's deadline is
    armed when the previous one is met (`satisfied_by`) or passes."""

    name: str
    every: Literal["week", "month", "quarter", "half_year", "year"]
    after: Days | WorkingDays | None
    satisfied_by: str
    action: Action = OVERDUE
    label: str = ""
    source: str = ""

    def __attrs_post_init__(self) -> None:
        if self.every not in ("week", "month", "quarter", "half_year", "year"):
            raise DefinitionError(
                self.name,
                [f"every must be week, month, quarter, half_year or year, not {self.every!r}"],
                kind="recurring duty",
            )

    @property
    def display(self) -> str:
        """`name (label)` for people."""
        return f"{self.name} ({self.label})" if self.label else self.name


_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def period_of(every: str, day: date) -> tuple[date, date]:
    """The period (first day, last day) of kind `every` that contains `day`; a week runs
    Monday to Sunday (ISO 8601)."""
    if every == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    months = _PERIOD_MONTHS[every]
    first_month = (day.month - 1) // months * months + 1
    first = date(day.year, first_month, 1)
    nxt_index = day.year * 12 + first_month - 1 + months
    nxt = date(nxt_index // 12, nxt_index % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def period_label(every: str, first: date) -> str:
    """A readable period id: 2026-W10, 2026-03, 2026-Q1, 2026-H1, 2026."""
    if every == "week":
        iso = first.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if every == "month":
        return f"{first.year}-{first.month:02d}"
    if every == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    if every == "half_year":
        return f"{first.year}-H{1 if first.month == 1 else 2}"
    return str(first.year)


def recurring_due(spec: Recurring, period_end: date, calendar: Calendar) -> Reckoning:
    """When a recurring duty's period ending on `period_end` is due: `after` it, or that day."""
    if spec.after is None:
        return Reckoning(period_end, False)
    return due_date(spec.after, period_end, calendar)


def due_date(duration: Duration, anchor: date, calendar: Calendar, *, back: bool = False) -> Reckoning:
    """The due date of `duration` counted from `anchor` (or back from it), with provisional flag."""
    if back:
        if isinstance(duration, WorkingDays):
            day = calendar.before(anchor, duration.n, "working_days")
            return Reckoning(day, calendar.provisional_between(day, anchor))
        if isinstance(duration, Months):
            return Reckoning(calendar.add_months(anchor, -duration.n), False)
        if isinstance(duration, Weeks):
            return Reckoning(calendar.before(anchor, duration.n, "weeks"), False)
        if isinstance(duration, Days):
            return Reckoning(calendar.before(anchor, duration.n, "days"), False)
        if isinstance(duration, OnDate):
            return Reckoning(duration.day or anchor, False)
        raise CalendarError(f"{duration} cannot be counted back from a milestone")
    if isinstance(duration, WorkingDays):
        return calendar.add_working_days_info(anchor, duration.n)
    if isinstance(duration, Days):
        return calendar.add_days_info(anchor, duration.n, roll_forward=duration.roll_forward)
    if isinstance(duration, Weeks):
        return Reckoning(calendar.add_days(anchor, 7 * duration.n), False)
    if isinstance(duration, Months):
        day = calendar.add_months(anchor, duration.n, roll_forward=duration.roll_forward)
        provisional = duration.roll_forward and calendar.provisional_between(day, day)
        return Reckoning(day, provisional)
    if isinstance(duration, OnDate):
        return Reckoning(duration.day or anchor, False)
    year = anchor.year + duration.years_later
    last = (date(year + (duration.month == 12), duration.month % 12 + 1, 1) - timedelta(days=1)).day
    return Reckoning(date(year, duration.month, min(duration.day or last, last)), False)


def reminder_date(offset: WorkingDays | Days, due: date, calendar: Calendar) -> date:
    """The day a reminder is due: `offset` before the due date."""
    if isinstance(offset, WorkingDays):
        return calendar.before(due, offset.n, "working_days")
    return calendar.before(due, offset.n, "days")


def end_of_day(day: date, calendar: Calendar) -> datetime:
    """24:00 local time on `day`: when a deadline that ends on `day` has passed."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.tz)


def start_of_day(day: date, calendar: Calendar) -> datetime:
    """00:00 local time on `day`: when a reminder for `day` is sent."""
    return datetime.combine(day, time(0), tzinfo=calendar.tz)


def lead_time(
    name: str, field: str, duration: WorkingDays | Days | Weeks | Months, *, message: str, source: str = ""
) -> Guard:
    """A guard for lead-time rules (提前报批): the event must happen no later than `duration`
    before the date in data field `field` — e.g. "报批须在护照签证办理前三周" is
    ``lead_time("trip.lead_time", "visa_date", Weeks(3), message=...)``. Put it in `soft_guards`
    where the document says 如无特殊情况 (barring special circumstances), in `guards` otherwise.
    The last allowed day is counted like `BeforeField`; the guard passes through that day.
    """
    from govflow.guards import guard
    from govflow.scheduling import anchor_date

    def check(ctx: GuardContext) -> bool | str:
        calendar = ctx.calendar
        if calendar is None:
            return "no calendar to count the lead time with"
        milestone = anchor_date(FromField(field), ctx.data, ctx.now, calendar, f"lead-time rule {name!r}")
        latest = due_date(duration, milestone, calendar, back=True).day
        today = calendar.local_date(ctx.now)
        if today <= latest:
            return True
        return f"{message}: the last day to do this was {latest.isoformat()} ({duration} before {field} {milestone})"

    return guard(name, message, source=source)(check)


def action_text(action: Action) -> str:
    """What happens when a deadline passes, for people (逾期处理)."""
    if isinstance(action, FireEvent):
        return f"fire {action.event} as system"
    if isinstance(action, Escalate):
        to = [f"role {action.to_role}"] if action.to_role else []
        to += [action.destination] if action.destination else []
        return "escalate to " + " and ".join(to)
    if isinstance(action, CheckMilestone):
        return "check milestone"
    return "mark overdue (逾期)"


def describe(spec: Deadline | Recurring) -> tuple[str, str, str]:
    """(rule, anchor, action) of a deadline or recurring duty, as `govflow show` prints them:
    e.g. ("10 working days (个工作日)", "on entering the state", "mark overdue (逾期)")."""
    if isinstance(spec, Recurring):
        when = "by its last day" if spec.after is None else f"due {spec.after} after it ends"
        rule = f"every {spec.every.replace('_', '-')}, {when}; met by {spec.satisfied_by}"
        return rule, "each period", action_text(spec.action)
    rule = str(spec.duration)
    if spec.remind:
        rule += "; remind " + ", ".join(f"{r} before" for r in spec.remind)
    if spec.satisfied_by:
        rule += f"; met by {spec.satisfied_by}"
    return rule, str(spec.anchor), action_text(spec.action)
