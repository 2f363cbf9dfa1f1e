"""Tests for govflow.calendar: PRC working days, 调休, deadline counting and windows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govflow.calendar import (
    PACKAGE_OFFICIAL_YEARS,
    Calendar,
    ChinaCalendar,
    NaturalCalendar,
    Reckoning,
    WeekdayCalendar,
    YearSchedule,
    before,
    calendar_warning,
    china_calendar,
    first_half,
    first_ten_days,
    last_ten_days,
    load_schedule,
    middle_ten_days,
    month_end,
    quarter_end,
    second_half,
    window,
    year_end,
)
from govflow.errors import CalendarError, DateOutsideCalendar, InvalidSchedule, NaiveDatetime

PRC = china_calendar(provisional=False)  # strict: the explicit setting
PROVISIONAL = china_calendar()  # the default
MON_FRI = NaturalCalendar()
LAST_OFFICIAL = PACKAGE_OFFICIAL_YEARS[-1]
UNCOVERED = 2035  # far enough ahead that no holidays release will cover it soon


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- the design's own check (ARCHITECTURE.md, "Time semantics") -------------------------


def test_ten_working_days_from_2016_09_05_on_prc_calendar() -> None:
    # Mid-Autumn 9/15-9/17 off, Sunday 9/18 worked (2016 notice).
    assert PRC.add_working_days(d("2016-09-05"), 10) == d("2016-09-20")
    assert not PRC.is_working_day(d("2016-09-15"))
    assert not PRC.is_working_day(d("2016-09-16"))
    assert PRC.is_working_day(d("2016-09-18"))


def test_ten_working_days_from_2016_09_05_on_mon_fri_calendar() -> None:
    assert MON_FRI.add_working_days(d("2016-09-05"), 10) == d("2016-09-19")
    assert WeekdayCalendar is NaturalCalendar


# --- package data: coverage and 调休 ------------------------------------------------------


def test_package_covers_2001_to_at_least_2026() -> None:
    assert PACKAGE_OFFICIAL_YEARS[0] == 2001
    assert 2026 in PACKAGE_OFFICIAL_YEARS
    assert list(PACKAGE_OFFICIAL_YEARS) == list(range(2001, LAST_OFFICIAL + 1))


def test_spring_festival_2024_make_up_sundays() -> None:
    # 2024 notice: 2月10日至17日放假调休; 2月4日(星期日)、2月18日(星期日)上班.
    assert d("2024-02-04").weekday() == 6 and d("2024-02-18").weekday() == 6
    assert PRC.is_working_day(d("2024-02-04"))
    assert PRC.is_working_day(d("2024-02-18"))
    assert not any(PRC.is_working_day(d("2024-02-10") + timedelta(i)) for i in range(8))
    assert PRC.is_working_day(d("2024-02-09"))  # 除夕 2024 was a working day
    assert PRC.add_working_days(d("2024-02-09"), 1) == d("2024-02-18")
    assert PRC.working_days_between(d("2024-02-02"), d("2024-02-18")) == 7  # 2/4, 2/5-2/9, 2/18


def test_national_day_week_2024() -> None:
    # 10月1日至7日放假调休; 9月29日(星期日)、10月12日(星期六)上班.
    assert PRC.is_working_day(d("2024-09-29"))
    assert PRC.is_working_day(d("2024-10-12"))
    assert PRC.add_working_days(d("2024-09-30"), 1) == d("2024-10-08")
    assert PRC.working_days_between(d("2024-09-27"), d("2024-10-12")) == 7
    assert MON_FRI.working_days_between(d("2024-09-27"), d("2024-10-12")) == 10


def test_working_days_between_convention() -> None:
    assert PRC.working_days_between(d("2024-10-08"), d("2024-10-08")) == 0
    assert PRC.working_days_between(d("2024-10-07"), d("2024-10-08")) == 1
    assert PRC.working_days_between(d("2024-10-08"), d("2024-10-07")) == -1
    assert PRC.working_days_between(d("2024-10-12"), d("2024-09-27")) == -7


def test_start_on_a_rest_day_is_not_counted() -> None:
    assert PRC.add_working_days(d("2024-10-03"), 1) == d("2024-10-08")
    assert PRC.add_working_days(d("2024-09-28"), 1) == d("2024-09-29")


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_rejects_n_below_one(n: int) -> None:
    with pytest.raises(CalendarError, match="working days"):
        PRC.add_working_days(d("2024-01-02"), n)


# --- calendar days and months -------------------------------------------------------------


def test_add_days_excludes_start_day() -> None:
    # 「宣判之日起7日内」: judgment on 2024-01-02 -> last day 2024-01-09.
    assert PRC.add_days(d("2024-01-02"), 7) == d("2024-01-09")
    assert PRC.add_days(d("2024-01-02"), 0) == d("2024-01-02")
    with pytest.raises(CalendarError):
        PRC.add_days(d("2024-01-02"), -1)


def test_add_days_roll_forward_over_national_day() -> None:
    # 「收到…之日起5日内」 from Thu 2024-09-26: day 5 is 10/1, a holiday.
    assert PRC.add_days(d("2024-09-26"), 5) == d("2024-10-01")
    assert PRC.add_days(d("2024-09-26"), 5, roll_forward=True) == d("2024-10-08")
    assert MON_FRI.add_days(d("2024-09-26"), 5, roll_forward=True) == d("2024-10-01")
    # A make-up Sunday is a working day, so no roll.
    assert PRC.add_days(d("2024-09-24"), 5, roll_forward=True) == d("2024-09-29")
    # An ordinary weekend rolls to Monday.
    assert PRC.add_days(d("2024-06-10"), 5, roll_forward=True) == d("2024-06-17")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-12-15", 2, "2025-02-15"),
        ("2024-08-31", 1, "2024-09-30"),
        ("2024-05-31", 12, "2025-05-31"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
)
def test_add_months_clamps_to_month_end(start: str, n: int, expected: str) -> None:
    assert PRC.add_months(d(start), n) == d(expected)


def test_add_months_roll_forward() -> None:
    assert PRC.add_months(d("2024-09-01"), 1) == d("2024-10-01")
    assert PRC.add_months(d("2024-09-01"), 1, roll_forward=True) == d("2024-10-08")


def test_before_milestone() -> None:
    # 前三周: three weeks before a planned Monday is the Monday three weeks earlier.
    assert PRC.before(d("2024-06-24"), 3, "weeks") == d("2024-06-03")
    # 期满30日前 landing on National Day; roll_back moves to the last working day.
    assert PRC.before(d("2024-10-31"), 30) == d("2024-10-01")
    assert PRC.before(d("2024-10-31"), 30, roll_back=True) == d("2024-09-30")
    assert PRC.before(d("2024-10-08"), 1, "working_days") == d("2024-09-30")
    assert PRC.before(d("2024-10-08"), 2, "working_days") == d("2024-09-29")
    assert before(MON_FRI, d("2024-10-08"), 1, "working_days") == d("2024-10-07")
    with pytest.raises(CalendarError, match="unit"):
        PRC.before(d("2024-10-08"), 1, "months")  # type: ignore[arg-type]


def test_local_date_uses_shanghai_time() -> None:
    instant = datetime(2024, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 10/1 in Beijing
    assert PRC.local_date(instant) == d("2024-10-01")
    with pytest.raises(NaiveDatetime):
        PRC.local_date(datetime(2024, 9, 30, 17, 0))


# --- coverage: strict and provisional -----------------------------------------------------


def test_year_outside_coverage_raises_naming_date_and_range() -> None:
    first_uncovered = date(LAST_OFFICIAL + 1, 1, 1)
    with pytest.raises(DateOutsideCalendar) as caught:
        PRC.add_working_days(date(LAST_OFFICIAL, 12, 24), 10)
    message = str(caught.value)
    assert first_uncovered.isoformat() in message
    assert f"2001-{LAST_OFFICIAL}" in message
    assert caught.value.day == first_uncovered
    assert isinstance(caught.value, CalendarError)
    with pytest.raises(DateOutsideCalendar, match="2000-06-01"):
        PRC.is_working_day(d("2000-06-01"))
    with pytest.raises(DateOutsideCalendar):
        PRC.is_provisional(date(UNCOVERED, 3, 1))
    assert not PRC.is_official(date(UNCOVERED, 3, 1))
    # Pure calendar-day arithmetic needs no holiday data, so it still answers.
    assert PRC.add_days(date(UNCOVERED, 3, 1), 10) == date(UNCOVERED, 3, 11)


def test_provisional_mode_answers_and_flags() -> None:
    # 2035 by rule: National Day Mon 10/1-Wed 10/3, no make-up days known.
    due = PROVISIONAL.add_working_days_info(d("2035-09-28"), 1)
    assert due == Reckoning(d("2035-10-04"), provisional=True)
    assert PROVISIONAL.is_provisional(d("2035-10-04"))
    assert PROVISIONAL.add_working_days_info(d("2024-09-30"), 1) == Reckoning(d("2024-10-08"), False)
    crossing = PROVISIONAL.add_working_days_info(date(LAST_OFFICIAL, 12, 24), 10)
    assert crossing.provisional
    rolled = PROVISIONAL.add_days_info(d("2035-09-26"), 5, roll_forward=True)
    assert rolled == Reckoning(d("2035-10-04"), provisional=True)
    assert PROVISIONAL.add_days_info(d("2035-09-26"), 5) == Reckoning(d("2035-10-01"), False)
    assert PROVISIONAL.provisional_between(date(LAST_OFFICIAL, 12, 31), date(LAST_OFFICIAL + 1, 1, 1))


def test_the_default_calendar_counts_years_without_official_data_provisionally() -> None:
    """Issue 12: strict was the default, so a deadline crossing into next year was refused."""
    for default in (china_calendar(), ChinaCalendar()):
        assert default.provisional
        assert default.add_working_days_info(date(LAST_OFFICIAL, 12, 29), 3).provisional
        assert default.add_working_days_info(d("2035-09-28"), 1) == Reckoning(d("2035-10-04"), provisional=True)
        assert default.add_working_days_info(d("2016-09-05"), 10) == Reckoning(d("2016-09-20"), provisional=False)


def test_strict_refusal_is_an_explicit_setting() -> None:
    strict = china_calendar(provisional=False)
    assert not strict.provisional
    with pytest.raises(DateOutsideCalendar, match="build the calendar with provisional=True"):
        strict.add_working_days(date(LAST_OFFICIAL, 12, 29), 3)


# --- the year-end warning -------------------------------------------------------------------

SCHEDULE_2089 = YearSchedule(2089, {d("2089-01-01")}, set(), "test fixture 2089")
SCHEDULE_2090 = YearSchedule(2090, {d("2090-01-01")}, set(), "test fixture 2090")


def test_calendar_warning_from_november_when_next_year_has_no_official_schedule() -> None:
    cal = china_calendar(schedules=[SCHEDULE_2089])  # 2089 official, 2090 not (for any holidays release)
    assert calendar_warning(cal, d("2089-10-31")) is None
    warning = calendar_warning(cal, d("2089-11-01"))
    assert warning is not None
    assert "no official holiday schedule (放假安排) for 2090" in warning
    assert "counted provisionally" in warning and "govflow calendar load 2090.json" in warning
    assert calendar_warning(cal, d("2089-12-31")) == warning
    assert calendar_warning(cal.with_schedule(SCHEDULE_2090), d("2089-11-01")) is None
    strict = china_calendar(provisional=False, schedules=[SCHEDULE_2089])
    assert "strict calendar refuses" in (calendar_warning(strict, d("2089-11-15")) or "")
    # A year the package covers needs nothing; a calendar without holiday data never warns.
    assert calendar_warning(PRC, date(LAST_OFFICIAL - 1, 11, 1)) is None
    assert calendar_warning(MON_FRI, d("2089-11-01")) is None


# --- loaded schedules ---------------------------------------------------------------------

SCHEDULE_2035 = YearSchedule(
    year=2035,
    holidays=frozenset(
        [d("2035-01-01")]
        + [d("2035-02-07") + timedelta(i) for i in range(8)]
        + [d("2035-10-01") + timedelta(i) for i in range(7)]
    ),
    workdays=frozenset([d("2035-01-06"), d("2035-09-29"), d("2034-12-30")]),
    source="假想的国务院办公厅关于2035年部分节假日安排的通知 (test fixture)",
)


def test_loaded_schedule_makes_year_official_and_changes_answers() -> None:
    loaded = PRC.with_schedule(SCHEDULE_2035)
    assert loaded is not PRC and loaded != PRC
    assert loaded.is_official(d("2035-01-06")) and not loaded.is_provisional(d("2035-01-06"))
    assert loaded.add_working_days(d("2035-01-05"), 1) == d("2035-01-06")  # fake make-up Saturday
    assert PROVISIONAL.add_working_days(d("2035-01-05"), 1) == d("2035-01-08")
    assert loaded.add_working_days(d("2035-09-28"), 1) == d("2035-09-29")
    assert loaded.add_working_days(d("2035-09-28"), 2) == d("2035-10-08")
    assert loaded.add_working_days_info(d("2035-09-28"), 2).provisional is False
    with pytest.raises(DateOutsideCalendar):  # the original calendar is unchanged
        PRC.is_working_day(d("2035-01-06"))
    assert 2035 in loaded.official_years and 2035 not in PRC.official_years


def test_schedule_december_dates_override_previous_year() -> None:
    provisional = PROVISIONAL.with_schedule(SCHEDULE_2035)
    assert provisional.is_working_day(d("2034-12-30"))  # a Saturday worked per the 2035 notice
    assert provisional.is_provisional(d("2034-12-30"))  # 2034 itself still has no official data
    spill = YearSchedule(2027, {d("2027-01-01")}, {d("2026-12-26")}, "test fixture")
    assert not PRC.is_working_day(d("2026-12-26"))
    assert PRC.with_schedule(spill).is_working_day(d("2026-12-26"))


def test_schedule_replaces_package_data_for_its_year() -> None:
    bare = YearSchedule(2024, {d("2024-01-01")}, set(), "test fixture")
    replaced = PRC.with_schedule(bare)
    assert replaced.is_working_day(d("2024-10-01"))
    assert not replaced.is_working_day(d("2024-09-29"))
    assert PRC.with_schedule(bare).with_schedule(SCHEDULE_2035).schedules == (bare, SCHEDULE_2035)
    newer = YearSchedule(2024, {d("2024-01-02")}, set(), "second fixture")
    assert replaced.with_schedule(newer).schedules == (newer,)


def test_schedule_json_round_trip_and_file(tmp_path: Path) -> None:
    text = SCHEDULE_2035.to_json()
    payload = json.loads(text)
    assert payload["year"] == 2035
    assert payload["workdays"] == ["2034-12-30", "2035-01-06", "2035-09-29"]
    assert "国务院办公厅" in text  # written as UTF-8, not \u escapes
    assert YearSchedule.from_json(text) == SCHEDULE_2035
    path = tmp_path / "2035.json"
    path.write_text(text, encoding="utf-8")
    assert load_schedule(path) == SCHEDULE_2035


def _schedule_json(**changes: object) -> str:
    payload: dict[str, object] = {
        "year": 2027,
        "holidays": ["2027-01-01", "2027-02-08"],
        "workdays": ["2027-02-06"],
        "source": "国务院办公厅关于2027年部分节假日安排的通知",
    }
    payload.update(changes)
    return json.dumps({k: v for k, v in payload.items() if v is not ...})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (_schedule_json(source=...), "missing keys: source"),
        (_schedule_json(workday=["2027-02-06"]), "unknown keys: workday"),
        (_schedule_json(holidays="2027-01-01"), "must be a list"),
        (_schedule_json(holidays=["2027-1-1"]), "'2027-1-1' is not a YYYY-MM-DD date"),
        (_schedule_json(holidays=["2027-02-30"]), "is not a YYYY-MM-DD date"),
        (_schedule_json(holidays=[20270101]), "is not a YYYY-MM-DD date"),
        (_schedule_json(holidays=["2027-01-01", "2027-01-01"]), "listed twice"),
        (_schedule_json(holidays=["2028-01-01"]), "2028-01-01 is not in 2027"),
        (_schedule_json(holidays=["2026-11-30", "2027-01-01"]), "2026-11-30 is not in 2027"),
        (_schedule_json(workdays=["2027-02-08"]), "listed as both holiday and workday"),
        (_schedule_json(workdays=["2027-02-09"]), "2027-02-09 is a Tuesday"),
        (_schedule_json(holidays=[]), "no holidays listed"),
        (_schedule_json(source="  "), "source must name the notice"),
        (_schedule_json(year="2027"), "year must be an integer"),
        (_schedule_json(year=True), "year must be an integer"),
    ],
)
def test_bad_schedules_raise_calendar_error(text: str, message: str) -> None:
    with pytest.raises(InvalidSchedule, match=message) as caught:
        YearSchedule.from_json(text, origin="2027.json")
    assert isinstance(caught.value, CalendarError)
    assert "2027.json" in str(caught.value)


def test_bad_schedule_files_raise_calendar_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidSchedule, match="cannot read"):
        load_schedule(tmp_path / "missing.json")
    garbled = tmp_path / "garbled.json"
    garbled.write_bytes(b"\xff\xfe{")
    with pytest.raises(CalendarError, match=r"garbled\.json"):
        load_schedule(garbled)


def test_schedule_object_validation_and_immutability() -> None:
    with pytest.raises(InvalidSchedule, match="Saturday or Sunday"):
        YearSchedule(2027, {d("2027-01-01")}, {d("2027-01-04")}, "x")
    with pytest.raises(CalendarError, match="expected a date"):
        YearSchedule(2027, {datetime(2027, 1, 1, tzinfo=UTC)}, set(), "x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        SCHEDULE_2035.year = 2036  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        PRC.provisional = True  # type: ignore[misc]


# --- deployment extras --------------------------------------------------------------------


def test_extra_holidays_and_workdays() -> None:
    local = china_calendar(
        extra_holidays=[d("2024-03-08")],  # a local day off on a Friday
        extra_workdays=[d("2024-03-09"), d("2024-10-07")],  # a worked Saturday; a holiday worked
    )
    assert not local.is_working_day(d("2024-03-08"))
    assert local.is_working_day(d("2024-03-09"))
    assert local.is_working_day(d("2024-10-07"))
    assert local.add_working_days(d("2024-03-07"), 1) == d("2024-03-09")
    assert local == china_calendar(extra_holidays={d("2024-03-08")}, extra_workdays={d("2024-03-09"), d("2024-10-07")})
    with pytest.raises(CalendarError, match="2024-03-08"):
        china_calendar(extra_holidays=[d("2024-03-08")], extra_workdays=[d("2024-03-08")])


def test_calendars_are_calendars() -> None:
    assert isinstance(PRC, Calendar) and isinstance(PRC, ChinaCalendar)
    assert isinstance(MON_FRI, Calendar)
    assert PRC.name == "prc" and MON_FRI.name == "mon-fri"
    assert str(PRC.tz) == "Asia/Shanghai"
    assert hash(PRC) == hash(china_calendar(provisional=False))


# --- windows ------------------------------------------------------------------------------


def test_ten_day_windows() -> None:
    assert first_ten_days(2024, 2) == (d("2024-02-01"), d("2024-02-10"))
    assert middle_ten_days(2024, 2) == (d("2024-02-11"), d("2024-02-20"))
    assert last_ten_days(2024, 2) == (d("2024-02-21"), d("2024-02-29"))
    assert last_ten_days(2023, 2) == (d("2023-02-21"), d("2023-02-28"))
    assert last_ten_days(2024, 1) == (d("2024-01-21"), d("2024-01-31"))


def test_period_end_windows() -> None:
    assert month_end(2024, 9) == (d("2024-09-30"), d("2024-09-30"))  # 「9月底前」
    assert month_end(2024, 2, days=3) == (d("2024-02-27"), d("2024-02-29"))
    assert quarter_end(2024, 2) == (d("2024-06-30"), d("2024-06-30"))
    assert quarter_end(2024, 1, days=91) == (d("2024-01-01"), d("2024-03-31"))
    assert first_half(2024) == (d("2024-01-01"), d("2024-06-30"))
    assert second_half(2024) == (d("2024-07-01"), d("2024-12-31"))
    assert year_end(2024) == (d("2024-12-31"), d("2024-12-31"))
    assert year_end(2024, days=31) == (d("2024-12-01"), d("2024-12-31"))


@pytest.mark.parametrize(
    ("term", "month", "expected"),
    [
        ("上旬", 3, ("2024-03-01", "2024-03-10")),
        ("中旬", 3, ("2024-03-11", "2024-03-20")),
        ("下旬", 4, ("2024-04-21", "2024-04-30")),
        ("月底", 2, ("2024-02-29", "2024-02-29")),
        ("月末", 11, ("2024-11-30", "2024-11-30")),
        ("季度末", 5, ("2024-06-30", "2024-06-30")),
        ("季末", 10, ("2024-12-31", "2024-12-31")),
        ("上半年", None, ("2024-01-01", "2024-06-30")),
        ("下半年", None, ("2024-07-01", "2024-12-31")),
        ("年底", None, ("2024-12-31", "2024-12-31")),
        ("first_ten_days", 3, ("2024-03-01", "2024-03-10")),
        ("year_end", None, ("2024-12-31", "2024-12-31")),
    ],
)
def test_window_lookup(term: str, month: int | None, expected: tuple[str, str]) -> None:
    assert window(term, 2024, month) == (d(expected[0]), d(expected[1]))


def test_window_errors() -> None:
    with pytest.raises(CalendarError, match="unknown window term"):
        window("月初", 2024, 1)
    with pytest.raises(CalendarError, match="needs a month"):
        window("上旬", 2024)
    with pytest.raises(CalendarError, match="takes no month"):
        window("上半年", 2024, 3)
    with pytest.raises(CalendarError, match="month must be 1-12"):
        window("下旬", 2024, 13)
    with pytest.raises(CalendarError, match="takes no days"):
        window("上旬", 2024, 1, days=3)
    with pytest.raises(CalendarError, match="days must be 1-29"):
        month_end(2024, 2, days=30)
    with pytest.raises(CalendarError, match="quarter must be 1-4"):
        quarter_end(2024, 5)
    assert window("月底", 2024, 2, days=3) == (d("2024-02-27"), d("2024-02-29"))


# --- properties ---------------------------------------------------------------------------

official_dates = st.dates(min_value=date(2001, 9, 1), max_value=date(2026, 3, 31))
counts = st.integers(min_value=1, max_value=60)
calendars = st.sampled_from([PRC, MON_FRI])


@given(calendars, official_dates, counts)
def test_add_working_days_lands_on_the_nth_working_day(cal: Calendar, start: date, n: int) -> None:
    due = cal.add_working_days(start, n)
    assert due > start
    assert cal.is_working_day(due)
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(due, start) == -n
    assert cal.before(due, n, "working_days") == cal.working_day_on_or_before(start)


offsets = st.integers(min_value=-200, max_value=200)


@given(calendars, official_dates, offsets, offsets)
def test_working_days_between_is_additive(cal: Calendar, a: date, to_b: int, to_c: int) -> None:
    b, c = a + timedelta(days=to_b), a + timedelta(days=to_c)
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == cal.working_days_between(a, c)


@given(calendars, official_dates, st.integers(min_value=0, max_value=60))
def test_roll_forward_is_the_first_working_day_on_or_after(cal: Calendar, start: date, n: int) -> None:
    plain = cal.add_days(start, n)
    rolled = cal.add_days(start, n, roll_forward=True)
    assert plain == start + timedelta(days=n)
    assert rolled >= plain
    assert cal.is_working_day(rolled)
    assert cal.working_days_between(plain, rolled) == (1 if rolled > plain else 0)


@given(official_dates, counts)
def test_provisional_flag_does_not_change_official_answers(start: date, n: int) -> None:
    assert PROVISIONAL.add_working_days_info(start, n) == Reckoning(PRC.add_working_days(start, n), False)


@given(official_dates)
def test_prc_differs_from_mon_fri_only_by_package_data(day: date) -> None:
    if PRC.is_working_day(day) != MON_FRI.is_working_day(day):
        # Either a statutory holiday on a weekday or a 调休 weekend workday.
        assert (day.weekday() < 5) == (not PRC.is_working_day(day))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-36, 36))
def test_add_months_keeps_the_day_or_clamps(start: date, n: int) -> None:
    due = MON_FRI.add_months(start, n)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == n
    assert due.day == start.day or (due.day < start.day and (due + timedelta(days=1)).day == 1)


@given(st.integers(min_value=1901, max_value=2100), st.integers(min_value=1, max_value=12))
def test_ten_day_windows_partition_the_month(year: int, month: int) -> None:
    first, middle, last = first_ten_days(year, month), middle_ten_days(year, month), last_ten_days(year, month)
    assert first[0].day == 1 and middle[0] == first[1] + timedelta(days=1)
    assert last[0] == middle[1] + timedelta(days=1)
    assert last[1] == month_end(year, month)[1] and (last[1] + timedelta(days=1)).day == 1


year_days = st.integers(min_value=0, max_value=364).map(lambda i: date(2035, 1, 1) + timedelta(days=i))


@given(st.frozensets(year_days, min_size=1, max_size=20), st.frozensets(year_days, max_size=10))
def test_schedule_json_round_trips(holidays: frozenset[date], candidates: frozenset[date]) -> None:
    workdays = frozenset(x for x in candidates if x.weekday() >= 5) - holidays
    schedule = YearSchedule(2035, holidays, workdays, "round trip")
    assert YearSchedule.from_json(schedule.to_json()) == schedule
    cal = PRC.with_schedule(schedule)
    for day in holidays:
        assert not cal.is_working_day(day)
    for day in workdays:
        assert cal.is_working_day(day)
