"""Arming and settling timers (计时): turning deadline specs into stored due instants.

The engine calls these while it plans a change; nothing here writes. A `TimerBook` follows one
instance's open timers through the steps of a fire (follow-up events included) and collects
what the change must arm and settle, so deadlines commit in the same transaction as the state.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from govflow import deadlines as dl
from govflow.calendar import Calendar
from govflow.errors import InvalidData
from govflow.instance import ID_SOURCE
from govflow.timer import Timer


def anchor_date(anchor: dl.Anchor, data: Mapping[str, Any], entered: datetime, calendar: Calendar, where: str) -> date:
    """The date a deadline counts from: entry day, or a date field of the data."""
    if isinstance(anchor, dl.OnEnter):
        return calendar.local_date(entered)
    value = data.get(anchor.field)
    if value is None:
        raise InvalidData(f"{where} counts from data field {anchor.field!r}, which is missing")
    if isinstance(value, datetime):
        return calendar.local_date(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidData(f"{where} counts from {anchor.field!r} = {value!r}, which is not a date") from None
        if len(value) > 10:
            if parsed.tzinfo is None:
                raise InvalidData(f"{where} counts from {anchor.field!r} = {value!r}, a datetime without a time zone")
            return calendar.local_date(parsed)
        return parsed.date()
    raise InvalidData(f"{where} counts from {anchor.field!r} = {value!r}, which is not a date")


def _new_id() -> str:
    """A random timer id, or the next of `govflow.instance.id_source`'s source when one is set."""
    source = ID_SOURCE.get()
    return source() if source is not None else uuid.uuid4().hex


def deadline_timers(
    spec: dl.Deadline,
    *,
    instance_id: str,
    state: str | None,
    data: Mapping[str, Any],
    entered: datetime,
    calendar: Calendar,
) -> list[Timer]:
    """The main timer of a deadline (or obligation) plus its reminders still in the future."""
    kind = "deadline" if state is not None else "obligation"
    where = f"{kind} {spec.name!r}"
    anchor = anchor_date(spec.anchor, data, entered, calendar, where)
    due = dl.due_date(spec.duration, anchor, calendar, back=isinstance(spec.anchor, dl.BeforeField))
    main = Timer(
        id=_new_id(),
        instance_id=instance_id,
        name=spec.name,
        due=dl.end_of_day(due.day, calendar).astimezone(UTC),
        action=spec.action.kind,
        state=state,
        params={"kind": kind, "anchor": anchor.isoformat(), "due_date": due.day.isoformat(), "label": spec.label},
        provisional=due.provisional,
    )
    timers = [main]
    for index, offset in enumerate(spec.remind):
        day = dl.reminder_date(offset, due.day, calendar)
        at = dl.start_of_day(day, calendar).astimezone(UTC)
        if at <= entered:
            continue
        timers.append(
            Timer(
                id=_new_id(),
                instance_id=instance_id,
                name=spec.name,
                due=at,
                action="remind",
                state=state,
                params={**main.params, "reminder": index, "parent": main.id, "remind_date": day.isoformat()},
                provisional=main.provisional,
            )
        )
    return timers


def recurring_timer(spec: dl.Recurring, *, instance_id: str, state: str, on: date, calendar: Calendar) -> Timer:
    """The timer for the period of `spec` that contains the day `on`."""
    first, last = dl.period_of(spec.every, on)
    due = dl.recurring_due(spec, last, calendar)
    return Timer(
        id=_new_id(),
        instance_id=instance_id,
        name=spec.name,
        due=dl.end_of_day(due.day, calendar).astimezone(UTC),
        action=spec.action.kind,
        state=state,
        params={
            "kind": "recurring",
            "anchor": last.isoformat(),
            "due_date": due.day.isoformat(),
            "period": dl.period_label(spec.every, first),
            "period_start": first.isoformat(),
            "label": spec.label,
        },
        provisional=due.provisional,
    )


def next_recurring_timer(spec: dl.Recurring, current: Timer, calendar: Calendar) -> Timer:
    """The following period's timer, after `current` was met or passed."""
    period_end = date.fromisoformat(current.params["anchor"])
    assert current.state is not None
    return recurring_timer(
        spec, instance_id=current.instance_id, state=current.state, on=period_end + timedelta(days=1), calendar=calendar
    )


def recomputed(timer: Timer, spec: dl.Deadline | dl.Recurring, calendar: Calendar) -> Timer:
    """The same timer with its due time recomputed on `calendar` (after a schedule is loaded)."""
    anchor = date.fromisoformat(timer.params["anchor"])
    if isinstance(spec, dl.Recurring):
        due = dl.recurring_due(spec, anchor, calendar)
    else:
        due = dl.due_date(spec.duration, anchor, calendar, back=isinstance(spec.anchor, dl.BeforeField))
    if timer.action == "remind":
        offset = spec.remind[timer.params["reminder"]] if isinstance(spec, dl.Deadline) else None
        if offset is None:
            return timer
        day = dl.reminder_date(offset, due.day, calendar)
        params = {**timer.params, "due_date": due.day.isoformat(), "remind_date": day.isoformat()}
        return attrs.evolve(
            timer, due=dl.start_of_day(day, calendar).astimezone(UTC), provisional=due.provisional, params=params
        )
    params = {**timer.params, "due_date": due.day.isoformat()}
    return attrs.evolve(
        timer, due=dl.end_of_day(due.day, calendar).astimezone(UTC), provisional=due.provisional, params=params
    )


@attrs.define
class TimerBook:
    """One instance's open timers as a change unfolds, and what the change must write."""

    open: list[Timer]
    now: datetime
    arm: list[Timer] = attrs.field(factory=list)
    settle: dict[str, str] = attrs.field(factory=dict)

    def live(self) -> list[Timer]:
        """Open timers not yet settled by this change, including ones it armed."""
        return [t for t in (*self.open, *self.arm) if t.id not in self.settle]

    def add(self, timers: list[Timer]) -> None:
        """Arm `timers` with this change."""
        self.arm.extend(timers)

    def close(self, timer: Timer, on_time: str, late: str = "late") -> None:
        """Settle `timer` (and its reminders): `on_time` if its due time has not passed, `late`
        if it has — judged by the clock, whether or not a sweep has marked it overdue yet."""
        in_time = timer.status == "pending" and self.now < timer.due
        self.settle[timer.id] = on_time if in_time else late
        for other in self.live():
            if other.params.get("parent") == timer.id:
                self.settle[other.id] = "cancelled"

    def open_obligation(self, name: str) -> Timer | None:
        """The live main timer of the obligation called `name`, if any."""
        for t in self.live():
            if t.state is None and t.name == name and t.action != "remind":
                return t
        return None
