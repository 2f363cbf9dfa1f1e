"""Dated phases and milestones (阶段与节点): when a campaign's phases are planned, and how far along
it must be by when.

A state may carry a planned `Window` (计划时间): exact dates, dates taken from the instance data,
or "about N days/months" from entering it; either end may be open. `months` writes a range of
whole months (「9月—12月」) and `split` shares a stated total span out over phases. Entering
early or late is recorded in the audit event, and a phase still running after its window ends
is marked overdue like any deadline (the window is compiled into a deadline named ``window``). A workflow may
declare its phases sequential, and then windows that overlap are refused when it is built.

A `Milestone` (节点目标) is a dated target over the whole case — "30% of units rectified by 3/31,
70% by 4/15" — counted over the case's children in given states, or read from a number in the
data (a reported figure). When its date ends, the sweep records it met or missed, with the
numbers, in the audit trail and on the instance (``marks["milestones"]``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import attrs

from govflow import deadlines as dl
from govflow.errors import DefinitionError


def _day(value: date | str | None) -> date | str | None:
    """Dates as given; an ISO string is a date, any other string names a data field."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


@attrs.frozen
class Window:
    """A phase's planned window, inclusive. `start` / `end` are dates, or names of date fields in
    the instance data; `about` gives an end counted from entering ("about one month"), used when
    `end` is not given. Open ends are allowed (an open-ended 推广 phase)."""

    start: date | str | None = attrs.field(default=None, converter=_day)
    end: date | str | None = attrs.field(default=None, converter=_day)
    about: dl.Days | dl.WorkingDays | dl.Months | None = None
    label: str = "计划时间"

    def __attrs_post_init__(self) -> None:
        if isinstance(self.start, date) and isinstance(self.end, date) and self.end < self.start:
            raise DefinitionError(
                "window", [f"the window ends ({self.end}) before it starts ({self.start})"], kind="phase"
            )
        if self.end is not None and self.about is not None:
            raise DefinitionError("window", ["give end or about, not both"], kind="phase")

    def deadline(self) -> dl.Deadline | None:
        """The deadline that marks the phase overdue once its window has ended."""
        if isinstance(self.end, date):
            return dl.Deadline("window", dl.OnDate(self.end), label=self.label)
        if isinstance(self.end, str):
            return dl.Deadline("window", dl.OnDate(), anchor=dl.FromField(self.end), label=self.label)
        if self.about is not None:
            return dl.Deadline("window", self.about, label=self.label)
        return None

    def bounds(self, data: Mapping[str, Any]) -> tuple[date | None, date | None]:
        """(start, end) for one instance, reading data fields where the window names them."""

        def pick(value: date | str | None) -> date | None:
            if value is None or isinstance(value, date):
                return value
            raw = data.get(value)
            return date.fromisoformat(raw[:10]) if isinstance(raw, str) else raw if isinstance(raw, date) else None

        return pick(self.start), pick(self.end)


def months(first: str, last: str | None = None, *, label: str = "计划时间") -> Window:
    """A window of whole months, ``"2011-09"`` to ``"2011-12"`` inclusive (「9月—12月」); one
    month when `last` is not given."""
    start = _month_start(first)
    end_month = _month_start(last or first)
    following = date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1)
    return Window(start, following - timedelta(days=1), label=label)


def _month_start(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise DefinitionError("window", [f"{text!r} is not a month (write YYYY-MM)"], kind="phase") from None


def split(start: date, end: date, lengths: Sequence[int | None]) -> tuple[Window, ...]:
    """Consecutive windows that share out `start`..`end` (inclusive): `lengths` in days, in
    order, and at most one ``None`` for "the rest". The lengths must fill the span exactly, so
    a plan whose phases do not add up to its stated total is refused.

    Seed 001 篇3 (L253–256): 2012-08-01..10-31 as 31, 50 and 11 days.
    """
    total = (end - start).days + 1
    given = sum(n for n in lengths if n is not None)
    rest = [n for n in lengths if n is None]
    problems = []
    if any(n is not None and n < 1 for n in lengths):
        problems.append("every phase needs at least one day")
    if len(rest) > 1:
        problems.append("at most one phase may take 'the rest'")
    elif rest and given >= total:
        problems.append(f"the phases take {given} of {total} days, leaving nothing for 'the rest'")
    elif not rest and given != total:
        problems.append(f"the phases take {given} days, but {start}..{end} is {total} days")
    if problems:
        raise DefinitionError("split", problems, kind="phase")
    windows = []
    cursor = start
    for n in lengths:
        days = n if n is not None else total - given
        windows.append(Window(cursor, cursor + timedelta(days=days - 1)))
        cursor += timedelta(days=days)
    return tuple(windows)


def entry_note(window: Window, data: Mapping[str, Any], today: date) -> dict[str, Any]:
    """What the audit event of entering a windowed phase records: the window and early/late."""
    start, end = window.bounds(data)
    if start is not None and today < start:
        timing = "early"
    elif end is not None and today > end:
        timing = "late"
    else:
        timing = "in window"
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "entered": timing,
    }


def overlap_problems(states: Sequence[tuple[str, Window]]) -> list[str]:
    """Sequential phases (in definition order) whose fixed windows overlap."""
    problems = []
    dated = [(name, w) for name, w in states if isinstance(w.start, date) or isinstance(w.end, date)]
    for (a, wa), (b, wb) in itertools.pairwise(dated):
        if isinstance(wa.end, date) and isinstance(wb.start, date) and wb.start <= wa.end:
            problems.append(
                f"windows of {a!r} (to {wa.end}) and {b!r} (from {wb.start}) overlap, but the phases are sequential"
            )
    return problems


def _state_names(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


def _fixed_day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


@attrs.frozen
class Milestone:
    """A dated target: by the end of `by`, at least `share` (inclusive) or `count` of the case's
    children of `workflow` are in `states` — or, with `figure`, the number in that data field
    reaches `count`/`share` (a reported share such as 0.3). Checked once, when the day ends."""

    name: str
    by: date = attrs.field(converter=_fixed_day)
    share: float | None = None
    count: int | None = None
    workflow: str | None = None
    states: tuple[str, ...] = attrs.field(default=(), converter=_state_names)
    figure: str | None = None
    label: str = ""
    source: str = ""

    def __attrs_post_init__(self) -> None:
        problems = []
        if (self.share is None) == (self.count is None):
            problems.append("give exactly one of share or count")
        if self.share is not None and not 0 < self.share <= 1:
            problems.append(f"share must be in (0, 1], not {self.share}")
        if (self.workflow is None) == (self.figure is None):
            problems.append("count children (workflow=, states=) or read a figure (figure=), one of them")
        if self.workflow is not None and not self.states:
            problems.append("name the child states that count")
        if problems:
            raise DefinitionError(self.name, problems, kind="milestone")

    def deadline(self) -> dl.Deadline:
        """The timer that checks the milestone when its day ends."""
        return dl.Deadline(
            self.name, dl.OnDate(self.by), action=dl.CheckMilestone(), label=self.label or self.name, source=self.source
        )

    def target_text(self) -> str:
        """The target for people: "30%" or "12"."""
        return f"{self.share:.0%}" if self.share is not None else str(self.count)
