"""Working calendars (工作日历): which days count, and how deadlines are counted on them.

The documents count time three ways, and each has its own method here:

- "N 个工作日" (N working days): `Calendar.add_working_days`; PRC statutory holidays are off
  and 调休 make-up weekends are worked (`china_calendar`).
- "N 日内" (within N days): `Calendar.add_days`; calendar days, the start day not counted
  (期间开始之日不计算在内), optionally ending on the next working day if the last day is a
  rest day.
- "N 个月" (N months): `Calendar.add_months`; calendar months clamped to the month end.

Everything works on local dates; `Calendar.local_date` turns a stored instant into the date
it fell on in the calendar's time zone (Asia/Shanghai by default).

PRC data comes from the `holidays` package. Only the years it holds the State Council's
published schedule for are "official", plus any year whose notice was loaded as a
`YearSchedule`. Other years are counted provisionally (推定) by default — weekends and the
statutory holidays by rule, no 调休 make-up days — and every such answer is flagged, so work
does not stop at a year end before next year's notice is out; ``provisional=False`` (strict)
refuses them with `DateOutsideCalendar` instead. `calendar_warning` says when next year's
notice is due and not loaded.
"""

from __future__ import annotations

import abc
import json
import re
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import attrs
from holidays.countries.china import China, ChinaStaticHolidays

from govflow.clock import SHANGHAI, require_aware
from govflow.errors import CalendarError, DateOutsideCalendar, InvalidData, InvalidSchedule
from govflow.values import loads

__all__ = [
    "PACKAGE_OFFICIAL_YEARS",
    "Calendar",
    "ChinaCalendar",
    "NaturalCalendar",
    "Reckoning",
    "Unit",
    "WeekdayCalendar",
    "Window",
    "YearSchedule",
    "before",
    "calendar_warning",
    "china_calendar",
    "first_half",
    "first_ten_days",
    "last_ten_days",
    "load_schedule",
    "middle_ten_days",
    "month_end",
    "quarter_end",
    "second_half",
    "window",
    "year_end",
]

Unit = Literal["days", "weeks", "working_days"]
"""Units for `Calendar.before`: calendar days, weeks of 7 days, or working days."""

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _official_run(years: Iterable[int]) -> range:
    """The contiguous run of years ending at the newest year with official data."""
    known = set(years)
    last = max(known)
    first = last
    while first - 1 in known:
        first -= 1
    return range(first, last + 1)


_SWAPS = ChinaStaticHolidays.special_public_holidays
PACKAGE_OFFICIAL_YEARS: range = _official_run(_SWAPS)
"""Years for which `holidays` holds the State Council's published schedule (放假安排通知).

Derived from the package's table of 调休 swaps, so it grows with a package upgrade.
"""


@cache
def _package_official() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Per official year: (days off, weekend days worked), built once for all years."""
    cn = China(years=PACKAGE_OFFICIAL_YEARS)  # type: ignore[no-untyped-call]
    off = frozenset(cn.keys())
    worked = frozenset(cn.weekend_workdays)
    return {
        year: (
            frozenset(d for d in off if d.year == year),
            frozenset(d for d in worked if d.year == year),
        )
        for year in PACKAGE_OFFICIAL_YEARS
    }


@lru_cache(maxsize=64)
def _package_rule_based(year: int) -> frozenset[date]:
    """Statutory holidays the package computes by rule for a year without official data."""
    rule_based = China(years=year)  # type: ignore[no-untyped-call]
    return frozenset(d for d in rule_based if d.year == year)


def _shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        msg = f"{day.isoformat()} {days:+d} days is outside the supported years 1-9999"
        raise CalendarError(msg) from None


def _require_count(n: int, minimum: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise CalendarError(f"{what} must be an integer >= {minimum}, not {n!r}")


def _date_set(values: Iterable[date]) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise CalendarError(f"expected a date, got {value!r}")
    return result


@attrs.frozen
class Reckoning:
    """A computed date plus whether it rests on provisional (推定) holiday data."""

    day: date
    provisional: bool


@attrs.frozen(kw_only=True)
class Calendar(abc.ABC):
    """Which days are working days (工作日), and the deadline arithmetic built on that.

    Subclasses answer `is_working_day`; every counting rule lives here, once.
    """

    name: str = "calendar"
    tz: tzinfo = SHANGHAI

    @abc.abstractmethod
    def is_working_day(self, day: date) -> bool:
        """Whether `day` is worked (工作日) rather than a rest day (休息日)."""

    def is_official(self, day: date) -> bool:
        """Whether answers about `day` rest on official data (always, unless overridden)."""
        return True

    def is_provisional(self, day: date) -> bool:
        """Whether answers about `day` are provisional (推定); never, unless overridden."""
        return False

    def provisional_between(self, first: date, last: date) -> bool:
        """Whether any year touched by [first, last] (either order) is provisional.

        Provisional status is decided per calendar year, so one day per year is asked.
        """
        lo, hi = min(first, last), max(first, last)
        years = range(lo.year, hi.year + 1)
        return any(self.is_provisional(date(y, 1, 1)) for y in years)

    def local_date(self, instant: datetime) -> date:
        """The date an aware instant falls on in this calendar's time zone (北京时间)."""
        return require_aware(instant, "instant").astimezone(self.tz).date()

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = _shift(day, 1)
        while not self.is_working_day(day):
            day = _shift(day, 1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day = _shift(day, -1)
        while not self.is_working_day(day):
            day = _shift(day, -1)
        return day

    def working_day_on_or_after(self, day: date) -> date:
        """`day` if worked, else the next working day (the roll-forward rule)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_day_on_or_before(self, day: date) -> date:
        """`day` if worked, else the previous working day (the roll-back rule)."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def add_working_days(self, start: date, n: int) -> date:
        """Add "N 个工作日": the n-th working day after `start`, `start` not counted.

        `start` may itself be a rest day. Requires n >= 1.
        """
        _require_count(n, 1, "number of working days")
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def add_working_days_info(self, start: date, n: int) -> Reckoning:
        """`add_working_days` plus whether any day it examined was provisional."""
        due = self.add_working_days(start, n)
        return Reckoning(due, self.provisional_between(_shift(start, 1), due))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: `start` not counted, `end` counted.

        If end < start the result is the negative count of (end, start], so it is
        antisymmetric and additive: between(a, b) + between(b, c) == between(a, c).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day = _shift(day, 1)
            count += self.is_working_day(day)
        return count

    def add_days(self, start: date, n: int, *, roll_forward: bool = False) -> date:
        """Add "N 日内": start + n calendar days (期间开始之日不计算在内).

        With `roll_forward`, a last day that is a rest day moves to the next working day
        (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期). n >= 0; without
        `roll_forward` no holiday data is consulted.
        """
        _require_count(n, 0, "number of days")
        due = _shift(start, n)
        return self.working_day_on_or_after(due) if roll_forward else due

    def add_days_info(
        self,
        start: date,
        n: int,
        *,
        roll_forward: bool = False,
    ) -> Reckoning:
        """`add_days` plus whether the roll-forward looked at provisional data."""
        due = self.add_days(start, n, roll_forward=roll_forward)
        provisional = roll_forward and self.provisional_between(_shift(start, n), due)
        return Reckoning(due, provisional)

    def add_months(self, start: date, n: int, *, roll_forward: bool = False) -> date:
        """Add "N 个月": calendar months, clamped to the month end.

        Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year). n may be negative.
        `roll_forward` works as in `add_days`.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise CalendarError(f"number of months must be an integer, not {n!r}")
        year, month0 = divmod(start.year * 12 + start.month - 1 + n, 12)
        if not 1 <= year <= 9999:
            msg = f"{start.isoformat()} {n:+d} months is outside years 1-9999"
            raise CalendarError(msg)
        month = month0 + 1
        due = date(year, month, min(start.day, monthrange(year, month)[1]))
        return self.working_day_on_or_after(due) if roll_forward else due

    def before(self, milestone: date, n: int, unit: Unit = "days", *, roll_back: bool = False) -> date:
        """Count back from a milestone (前三周, 期满30日前), the milestone not counted.

        ``days``: milestone - n; ``weeks``: milestone - 7n (前三周 of Mon 2024-06-24 is
        Mon 2024-06-03); ``working_days``: the n-th working day before the milestone.
        With `roll_back`, a rest day result moves to the previous working day, so the
        duty still falls before the milestone. n >= 0 (>= 1 for working days).
        """
        if unit == "working_days":
            _require_count(n, 1, "number of working days")
            day = milestone
            for _ in range(n):
                day = self.previous_working_day(day)
            return day
        if unit not in ("days", "weeks"):
            units = "days, weeks or working_days"
            raise CalendarError(f"unknown unit {unit!r}; use {units}")
        _require_count(n, 0, f"number of {unit}")
        due = _shift(milestone, -n * (7 if unit == "weeks" else 1))
        return self.working_day_on_or_before(due) if roll_back else due


@attrs.frozen(kw_only=True)
class NaturalCalendar(Calendar):
    """Plain Monday-Friday working week with no holidays at all.

    "Natural" means no statutory holidays and no 调休, the baseline the design compares the
    PRC calendar with. It does NOT mean 自然日 (calendar days, every day counts): count those
    with `Calendar.add_days` on any calendar. `WeekdayCalendar` is the same class.
    """

    name: str = "mon-fri"

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday are worked; Saturday and Sunday are not."""
        return day.weekday() < 5


WeekdayCalendar = NaturalCalendar
"""Alias of `NaturalCalendar` for readers who expect the Mon-Fri meaning in the name."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SCHEDULE_KEYS = frozenset({"year", "holidays", "workdays", "source"})


def _schedule_problems(year: int, holidays_: frozenset[date], workdays: frozenset[date], source: str) -> list[str]:
    """Everything wrong with a schedule, so one error can list all of it."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2 <= year <= 9999:
        return [f"year must be an integer in 2-9999, not {year!r}"]
    problems: list[str] = []
    for kind, days in (("holiday", holidays_), ("workday", workdays)):
        for day in sorted(days):
            if not (day.year == year or (day.year == year - 1 and day.month == 12)):
                problems.append(f"{kind} {day.isoformat()} is not in {year} (only December {year - 1} may precede it)")
    for day in sorted(holidays_ & workdays):
        problems.append(f"{day.isoformat()} is listed as both holiday and workday")
    for day in sorted(workdays):
        if day.weekday() < 5:
            problems.append(
                f"workday {day.isoformat()} is a {_WEEKDAYS[day.weekday()]}; a make-up "
                "workday (调休上班) must be a Saturday or Sunday"
            )
    if not holidays_:
        problems.append("no holidays listed; a year's schedule always has some")
    if not isinstance(source, str) or not source.strip():
        problems.append("source must name the notice the schedule comes from")
    return problems


@attrs.frozen
class YearSchedule:
    """One year's official holiday schedule (放假安排), loaded without a package release.

    `holidays` are all days off (放假) in `year`; weekend days inside a holiday period may
    be listed or not. `workdays` are the weekend days worked (调休上班); a weekday there is
    an error. The schedule is complete for `year`: it replaces the package's data for it.
    Dates in December of the previous year are allowed too (a notice's 元旦 holiday or
    make-up day can fall there, e.g. 2006-12-30/31 in the 2007 notice); they override that
    year date by date. Invalid schedules raise `InvalidSchedule` listing every problem.
    """

    year: int
    holidays: frozenset[date] = attrs.field(converter=_date_set)
    workdays: frozenset[date] = attrs.field(converter=_date_set)
    source: str

    def __attrs_post_init__(self) -> None:
        problems = _schedule_problems(
            self.year,
            self.holidays,
            self.workdays,
            self.source,
        )
        if problems:
            raise InvalidSchedule(f"YearSchedule({self.year!r})", problems)

    def in_year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """The (holidays, workdays) of this schedule that fall in calendar year `year`."""
        return (
            frozenset(d for d in self.holidays if d.year == year),
            frozenset(d for d in self.workdays if d.year == year),
        )

    def to_json(self) -> str:
        """The JSON file form: year, sorted ISO dates, source."""
        payload = {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
            "source": self.source,
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, *, origin: str = "<json>") -> YearSchedule:
        """Parse and validate the JSON form; `origin` names the file in errors."""
        try:
            raw: Any = loads(text, "schedule")
        except InvalidData as exc:
            raise InvalidSchedule(origin, [str(exc)]) from None
        if not isinstance(raw, dict):
            raise InvalidSchedule(origin, ["the top level must be a JSON object"])
        problems: list[str] = []
        missing = sorted(_SCHEDULE_KEYS - raw.keys())
        unknown = sorted(raw.keys() - _SCHEDULE_KEYS)
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        if unknown:
            problems.append("unknown keys: " + ", ".join(unknown))
        off = _parse_dates(raw.get("holidays", []), "holidays", problems)
        on = _parse_dates(raw.get("workdays", []), "workdays", problems)
        year: Any = raw.get("year")
        source: Any = raw.get("source", "")
        if not problems:
            problems = _schedule_problems(year, off, on, source)
        if problems:
            raise InvalidSchedule(origin, problems)
        return cls(year, off, on, source)


def _parse_dates(value: object, key: str, problems: list[str]) -> frozenset[date]:
    if not isinstance(value, list):
        problems.append(f"{key} must be a list of YYYY-MM-DD strings")
        return frozenset()
    days: set[date] = set()
    for item in value:
        try:
            if not isinstance(item, str) or not _ISO_DATE.fullmatch(item):
                raise ValueError
            day = date.fromisoformat(item)
        except ValueError:
            problems.append(f"{key}: {item!r} is not a YYYY-MM-DD date")
            continue
        if day in days:
            problems.append(f"{key}: {item} is listed twice")
        days.add(day)
    return frozenset(days)


def load_schedule(path: str | PathLike[str]) -> YearSchedule:
    """Read a `YearSchedule` JSON file (UTF-8); any failure raises `InvalidSchedule`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidSchedule(str(path), [f"cannot read the file: {exc}"]) from None
    return YearSchedule.from_json(text, origin=str(path))


@attrs.frozen
class _YearData:
    off: frozenset[date]
    on: frozenset[date]
    official: bool


def _schedule_tuple(values: Iterable[YearSchedule]) -> tuple[YearSchedule, ...]:
    return tuple(sorted(values, key=lambda s: s.year))


@attrs.frozen(kw_only=True)
class ChinaCalendar(Calendar):
    """PRC working calendar: weekends and statutory holidays off, 调休 make-up days on.

    Layers, later ones winning for the dates they name: the year's base data (a loaded
    `YearSchedule`, else the package's official data, else, when `provisional` (the
    default), the package's rule-based holidays); December dates of next year's loaded
    schedule; then the deployment's `extra_holidays` (local holidays) and `extra_workdays`.
    With ``provisional=False`` (strict) a year without official data raises
    `DateOutsideCalendar`. Immutable: `with_schedule` returns a new calendar. Build it with
    `china_calendar`.
    """

    name: str = "prc"
    provisional: bool = True
    extra_holidays: frozenset[date] = attrs.field(
        default=frozenset(),
        converter=_date_set,
    )
    extra_workdays: frozenset[date] = attrs.field(
        default=frozenset(),
        converter=_date_set,
    )
    schedules: tuple[YearSchedule, ...] = attrs.field(
        default=(),
        converter=_schedule_tuple,
    )
    _years: dict[int, _YearData] = attrs.field(init=False, factory=dict, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise CalendarError(f"dates both extra holiday and extra workday: {listed}")
        years = [s.year for s in self.schedules]
        if len(set(years)) != len(years):
            raise CalendarError(f"more than one schedule for a year: {years}")

    @property
    def official_years(self) -> frozenset[int]:
        """Years with official data: the package's plus every loaded schedule's."""
        return frozenset(PACKAGE_OFFICIAL_YEARS) | {s.year for s in self.schedules}

    def with_schedule(self, schedule: YearSchedule) -> ChinaCalendar:
        """A new calendar where `schedule.year` is official (replacing any earlier one)."""
        kept = [s for s in self.schedules if s.year != schedule.year]
        return attrs.evolve(self, schedules=(*kept, schedule))

    def _data(self, day: date) -> _YearData:
        data = self._years.get(day.year)
        if data is None:
            data = self._years[day.year] = self._build(day.year)
        if not (data.official or self.provisional):
            raise DateOutsideCalendar(day, self.name, sorted(self.official_years))
        return data

    def _build(self, year: int) -> _YearData:
        by_year = {s.year: s for s in self.schedules}
        if year in by_year:
            off, on = by_year[year].in_year(year)
        elif year in PACKAGE_OFFICIAL_YEARS:
            off, on = _package_official()[year]
        else:
            off, on = _package_rule_based(year), frozenset()
        layers = [(self.extra_holidays, self.extra_workdays)]
        if year + 1 in by_year:
            layers.insert(0, by_year[year + 1].in_year(year))
        off_set, on_set = set(off), set(on)
        for layer_off, layer_on in layers:
            off_set = (off_set - layer_on) | {d for d in layer_off if d.year == year}
            on_set = (on_set - layer_off) | {d for d in layer_on if d.year == year}
        official = year in by_year or year in PACKAGE_OFFICIAL_YEARS
        return _YearData(frozenset(off_set), frozenset(on_set), official)

    def is_working_day(self, day: date) -> bool:
        """Worked if a make-up/extra workday, or a weekday that is not a holiday."""
        data = self._data(day)
        return day in data.on or (day.weekday() < 5 and day not in data.off)

    def is_official(self, day: date) -> bool:
        """Whether `day`'s year has official data (never raises)."""
        return day.year in self.official_years

    def is_provisional(self, day: date) -> bool:
        """True for a year without official data; raises for one unless `provisional`."""
        return not self._data(day).official


def china_calendar(
    *,
    provisional: bool = True,
    extra_holidays: Iterable[date] = (),
    extra_workdays: Iterable[date] = (),
    schedules: Iterable[YearSchedule] = (),
    tz: tzinfo = SHANGHAI,
    name: str = "prc",
) -> ChinaCalendar:
    """The PRC statutory calendar (法定节假日 + 调休), plus a deployment's local days.

    Provisional (推定) by default: a year without official data uses the package's
    rule-based holidays and no make-up days, and `Calendar.is_provisional` / the ``*_info``
    methods say so (deadlines armed on it are stored as provisional and recomputed when the
    year's schedule is loaded). ``provisional=False`` is the strict setting: such a date
    raises `DateOutsideCalendar`, so no deadline rests on unpublished holidays.
    """
    return ChinaCalendar(
        name=name,
        tz=tz,
        provisional=provisional,
        extra_holidays=extra_holidays,
        extra_workdays=extra_workdays,
        schedules=schedules,
    )


WARN_FROM = (11, 1)
"""(month, day) from which `calendar_warning` speaks up: the State Council's notice for next year
usually appears in November or December (e.g. the 2024 one on 10 November 2023)."""


def calendar_warning(calendar: Calendar, today: date) -> str | None:
    """A one-line warning from 1 November when next year has no official schedule, else None.

    Why: until next year's 放假安排 is loaded, deadlines reaching into it are provisional (or, on a
    strict calendar, refused), so the operator should load it before the year turns. Only a
    `ChinaCalendar` has official years to miss; other calendars never warn.
    """
    if not isinstance(calendar, ChinaCalendar) or (today.month, today.day) < WARN_FROM:
        return None
    coming = today.year + 1
    if coming in calendar.official_years:
        return None
    counted = (
        "deadlines reaching into it are counted provisionally (推定, no 调休) until it is loaded"
        if calendar.provisional
        else "the strict calendar refuses deadlines reaching into it until it is loaded"
    )
    return (
        f"warning: no official holiday schedule (放假安排) for {coming}; {counted} — "
        f"load the State Council's notice with `govflow calendar load {coming}.json`"
    )


def before(
    calendar: Calendar,
    milestone: date,
    n: int,
    unit: Unit = "days",
    *,
    roll_back: bool = False,
) -> date:
    """Function form of `Calendar.before` ("前三周" = ``before(cal, day, 3, "weeks")``)."""
    return calendar.before(milestone, n, unit, roll_back=roll_back)


# Named windows (时间窗口): inclusive (first_day, last_day) pairs.

Window = tuple[date, date]


def _month_length(year: int, month: int) -> int:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise CalendarError(f"month must be 1-12, not {month!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise CalendarError(f"year must be 1-9999, not {year!r}")
    return monthrange(year, month)[1]


def _tail(year: int, month: int, days: int, first_month: int) -> Window:
    """The last `days` days of the span from `first_month` to `month` (inclusive)."""
    last = date(year, month, _month_length(year, month))
    span = (last - date(year, first_month, 1)).days + 1
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= span:
        raise CalendarError(f"days must be 1-{span}, not {days!r}")
    return last - timedelta(days=days - 1), last


def first_ten_days(year: int, month: int) -> Window:
    """上旬 (first ten days of the month): days 1-10."""
    _month_length(year, month)
    return date(year, month, 1), date(year, month, 10)


def middle_ten_days(year: int, month: int) -> Window:
    """中旬 (middle ten days): days 11-20."""
    _month_length(year, month)
    return date(year, month, 11), date(year, month, 20)


def last_ten_days(year: int, month: int) -> Window:
    """下旬 (last part of the month): day 21 to the month end (8-11 days)."""
    last = _month_length(year, month)
    return date(year, month, 21), date(year, month, last)


def month_end(year: int, month: int, days: int = 1) -> Window:
    """月底 / 月末 (month end): the last `days` days; by default just the last day.

    One day is the reading of 「9月底前」 (by the end of September). Pass e.g. days=5
    for a "last days of the month" window.
    """
    return _tail(year, month, days, month)


def quarter_end(year: int, quarter: int, days: int = 1) -> Window:
    """季度末 / 季末 (quarter end, quarter 1-4): its last `days` days, default its last day."""
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        raise CalendarError(f"quarter must be 1-4, not {quarter!r}")
    return _tail(year, quarter * 3, days, quarter * 3 - 2)


def first_half(year: int) -> Window:
    """上半年 (first half-year): Jan 1 - Jun 30."""
    _month_length(year, 1)
    return date(year, 1, 1), date(year, 6, 30)


def second_half(year: int) -> Window:
    """下半年 (second half-year): Jul 1 - Dec 31."""
    _month_length(year, 1)
    return date(year, 7, 1), date(year, 12, 31)


def year_end(year: int, days: int = 1) -> Window:
    """年底 / 年末 (year end): the last `days` days, default Dec 31 only.

    「12月底前」 is `month_end(year, 12)`; pass days=31 for "all of December".
    """
    return _tail(year, 12, days, 1)


_TERMS: Mapping[str, str] = {
    "上旬": "first_ten_days",
    "中旬": "middle_ten_days",
    "下旬": "last_ten_days",
    "月底": "month_end",
    "月末": "month_end",
    "季度末": "quarter_end",
    "季末": "quarter_end",
    "上半年": "first_half",
    "下半年": "second_half",
    "年底": "year_end",
    "年末": "year_end",
}
_TEN_DAYS: Mapping[str, Callable[[int, int], Window]] = {
    "first_ten_days": first_ten_days,
    "middle_ten_days": middle_ten_days,
    "last_ten_days": last_ten_days,
}


def window(term: str, year: int, month: int | None = None, *, days: int = 1) -> Window:
    """Look a window up by Chinese term or English function name.

    Terms: 上旬 中旬 下旬 月底/月末 季度末/季末 (these need `month`; 季度末 takes the quarter
    containing it), 上半年 下半年 年底/年末 (no month). `days` widens 月底 / 季度末 / 年底.
    """
    key = _TERMS.get(term, term)
    if key not in _TERMS.values():
        known = ", ".join(_TERMS)
        raise CalendarError(f"unknown window term {term!r} (known: {known})")
    if days != 1 and key not in ("month_end", "quarter_end", "year_end"):
        raise CalendarError(f"window {term!r} takes no days argument")
    if key in (*_TEN_DAYS, "month_end", "quarter_end"):
        if month is None:
            raise CalendarError(f"window {term!r} needs a month")
        _month_length(year, month)
        if key == "month_end":
            return month_end(year, month, days)
        if key == "quarter_end":
            return quarter_end(year, (month - 1) // 3 + 1, days)
        return _TEN_DAYS[key](year, month)
    if month is not None:
        raise CalendarError(f"window {term!r} takes no month")
    if key == "year_end":
        return year_end(year, days)
    return first_half(year) if key == "first_half" else second_half(year)
