"""Clocks (时钟): where "now" comes from, so tests can move time instead of waiting.

Every time-dependent part of govflow asks a `Clock`; nothing reads the system time directly.
Instants are always timezone-aware; naive datetimes are refused, never guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from govflow.errors import ClockWentBackwards, NaiveDatetime

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""The default time zone of govflow's calendars and deadlines (北京时间)."""


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return `value` unchanged if it carries a time zone; raise `NaiveDatetime` otherwise."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(what)
    return value


class Clock(Protocol):
    """Anything that can say what time it is (timezone-aware)."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        """The current instant from the operating system."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that stands still until told to move: the clock every time-dependent test uses.

    Example:
        ```python
        clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
        clock.advance(days=3)  # now 2026-03-05 09:00 Asia/Shanghai
        ```

    """

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "FakeClock start")

    def now(self) -> datetime:
        """The instant the clock was set or advanced to."""
        return self._now

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> datetime:
        """Move forward by `delta` or by `timedelta(**parts)`; time never runs backwards
        (`ClockWentBackwards`, a `ValueError` too)."""
        step = delta if delta is not None else timedelta(**parts)
        if step < timedelta(0):
            raise ClockWentBackwards(self._now + step, self._now)
        self._now = self._now + step
        return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (timezone-aware, not earlier than now)."""
        require_aware(when, "FakeClock.set")
        if when < self._now:
            raise ClockWentBackwards(when, self._now)
        self._now = when
        return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"
