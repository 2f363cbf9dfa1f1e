"""A demo round of the 整改闭环 (`govflow_workflows.rectification`): one county inspection, played out.

`demo_round(engine, rng, units)` inspects each unit, issues 整改通知单 (limits of N working days,
a date, or 长期), enters them in the ledger (some by the office, some left for the system), and
then lets the weeks pass on the engine's `FakeClock`, sweeping timers as it goes: some items are
rectified and closed in time, some late (after 挂牌督办, one after 曝光), some are sent back when
most residents surveyed are dissatisfied and closed on the second try, some are never reported
and climb the ladder to 考核扣分, and long-term items send (or miss) their monthly progress
reports. It returns a `RoundSummary` built from the module's assessment queries.

The round is deterministic for a given `rng` seed and clock start. It needs a `FakeClock`
(time must pass) and dates the engine's calendar covers (the default strict PRC calendar
covers 2001–2026, so start no later than about September 2026, or use a provisional calendar).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import attrs

from govflow import Actor, Engine
from govflow.clock import FakeClock
from govflow_workflows.rectification import (
    LEVELS,
    RECTIFICATION,
    RUNGS,
    TZ,
    WORKFLOW_NAME,
    assess,
    notice_payload,
    rectifier,
    reopen_payload,
    sweep,
)

INSPECTOR = Actor("inspector.zhang", roles={"inspector"}, unit="county.safety", name="张检查 (县安监局)")
"""The county's inspector (检查人员) for the round."""

OFFICE = Actor("office.liu", roles={"office"}, unit="county.office", name="刘台账 (县安委办)")
"""The office keeping the ledger and taking the ladder's rungs by hand (县安委办)."""

ITEMS = (
    "消防通道堵塞",
    "灭火器过期未更换",
    "危险化学品台账不全",
    "农贸市场积存暴露垃圾",
    "施工现场未设安全防护",
    "特种设备未按期检验",
    "应急预案未演练",
    "小餐饮店无三防设施",
    "渡口未执行六不发航制度",
    "安全生产责任制未落实到岗",
)
"""Findings of the kind the documents list (seed 000 L111–L121, seed 004 L977)."""

FATES = ("on_time", "late", "exposed_late", "reopened", "escalated", "long_term")
"""What happens to an item in the round."""


@attrs.frozen
class RoundSummary:
    """What a round left behind, read back through the assessment queries."""

    inspected_on: date
    ended_on: date
    findings: int
    by_fate: dict[str, int]
    by_state: dict[str, int]
    escalations: dict[str, int]
    reopens: int
    overdue: int
    deductions: dict[str, Decimal]
    instance_ids: tuple[str, ...]


class _Round:
    """The event queue of one round: actions at instants, run in order with a sweep before each."""

    def __init__(self, engine: Engine, clock: FakeClock, rng: random.Random) -> None:
        self.engine = engine
        self.clock = clock
        self.rng = rng
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.seq = 0

    def at(self, day: date, action: Callable[[], None], hour: int = 10) -> None:
        when = datetime.combine(day, time(hour, self.rng.randrange(0, 60, 5)), tzinfo=TZ)
        when = max(when, self.clock.now() + timedelta(minutes=1))
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, action))

    def working_day(self, start: date, n: int) -> date:
        return self.engine.calendar.add_working_days(start, n)

    def today(self) -> date:
        return self.engine.calendar.local_date(self.engine.now())

    def advance(self, to: datetime) -> None:
        """Move the clock to `to`, sweeping at 00:30 every day on the way, as a worker would."""
        day = self.today() + timedelta(days=1)
        while (nightly := datetime.combine(day, time(0, 30), tzinfo=TZ)) < to:
            self.clock.set(nightly)
            sweep(self.engine)
            day += timedelta(days=1)
        self.clock.set(max(self.clock.now(), to))
        sweep(self.engine)

    def run(self, until: date) -> date:
        """Run every action in order, then go on to 18:00 on `until` (or the last action's day)."""
        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            self.advance(when)
            action()
        end = max(until, self.today())
        self.advance(datetime.combine(end, time(18), tzinfo=TZ))
        return end


def demo_round(engine: Engine, rng: random.Random, units: Sequence[str]) -> RoundSummary:
    """Run one inspection round over `units` on `engine` (whose clock must be a `FakeClock`).

    Starts on the first working day on or after the clock's date, 09:00, and ends 30 working
    days after the last limit, so every ladder that can run has run.
    """
    clock = engine.clock
    if not isinstance(clock, FakeClock):
        raise TypeError("demo_round lets weeks pass: the engine needs a govflow.clock.FakeClock")
    if not units:
        raise ValueError("demo_round needs at least one unit")
    engine.register(RECTIFICATION)
    run = _Round(engine, clock, rng)
    start = engine.calendar.working_day_on_or_after(run.today())
    clock.set(max(clock.now(), datetime.combine(start, time(9), tzinfo=TZ)))
    began = clock.now()
    ids: list[str] = []
    fates: dict[str, int] = dict.fromkeys(FATES, 0)
    last_limit = start
    count = 0
    first_id = engine.count(WORKFLOW_NAME) + 1  # a second round on the same storage numbers on
    for unit in units:
        clerk = rectifier(unit)
        for _ in range(rng.randint(2, 4)):
            count += 1
            fate = FATES[(count - 1) % len(FATES)] if count <= len(FATES) else rng.choice(FATES)
            fates[fate] += 1
            unannounced = rng.random() < 0.5
            data = {
                "item": rng.choice(ITEMS),
                "level": rng.choice(LEVELS[:3]) if rng.random() < 0.9 else rng.choice(LEVELS),
                "unannounced": unannounced,
                "photo_no": f"P{count:03d}" if unannounced else "",
                "major": fate == "escalated" and rng.random() < 0.5,
            }
            inst = engine.start(
                WORKFLOW_NAME, actor=INSPECTOR, data=data, unit=unit, instance_id=f"rect-{first_id + count - 1:04d}"
            )
            ids.append(inst.id)
            notice = f"整改〔{start.year}〕{count:03d}号"
            if fate == "long_term":
                payload = notice_payload(engine, notice, long_term=True, requirement="建立长效机制,按月报送进展")
            elif rng.random() < 0.6:
                payload = notice_payload(engine, notice, working_days=rng.choice((5, 10, 15)))
            else:
                payload = notice_payload(engine, notice, due_date=start + timedelta(days=rng.choice((20, 30))))
            engine.fire(inst.id, "issue_notice", actor=INSPECTOR, payload=payload)
            if rng.random() < 0.75:  # the rest the system enters after LEDGER_WITHIN
                engine.fire(inst.id, "register", actor=OFFICE, payload={})
                if data["major"]:
                    engine.fire(inst.id, "list_supervision", actor=OFFICE, payload={})  # seed 004 L929
            limit = date.fromisoformat(payload["due_date"]) if "due_date" in payload else start
            last_limit = max(last_limit, limit)
            _plan(run, inst.id, fate, clerk, start, limit)
    end = run.run(run.working_day(last_limit, 30))
    year = start.year
    report = assess(engine, units, year)
    by_state = {s.name: engine.count(WORKFLOW_NAME, state=s.name, created_from=began) for s in RECTIFICATION.states}
    highest = [engine.get(case).data["escalation"] for case in ids]
    return RoundSummary(
        inspected_on=start,
        ended_on=end,
        findings=len(ids),
        by_fate={k: v for k, v in fates.items() if v},
        by_state={k: v for k, v in by_state.items() if v},
        escalations={rung: sum(1 for h in highest if h in RUNGS[i:]) for i, rung in enumerate(RUNGS)},
        reopens=sum(a.reopens for a in report.values()),
        overdue=sum(a.overdue for a in report.values()),
        deductions={unit: a.deduction.total for unit, a in report.items()},
        instance_ids=tuple(ids),
    )


def _plan(run: _Round, case: str, fate: str, clerk: Actor, start: date, limit: date) -> None:
    """Schedule what the unit and the inspector do with one item."""
    engine, rng = run.engine, run.rng

    def fire(event: str, actor: Actor, payload: dict[str, object]) -> Callable[[], None]:
        return lambda: _fire(engine, case, event, actor, payload)

    def verify_and_close() -> None:
        if engine.get(case).state != "verifying":
            return
        surveyed = rng.choice((0, 30, 40))
        payload = {
            "effective": True,
            "surveyed": surveyed,
            "dissatisfied": surveyed // 5,
            "opinion": "整改到位,同意销号",
        }
        _fire(engine, case, "close", INSPECTOR, payload)

    def report_then_close(day: date) -> None:
        run.at(day, fire("report_done", clerk, {"summary": "已按通知要求完成整改"}))
        run.at(run.working_day(day, rng.randint(2, 8)), verify_and_close, hour=15)

    if fate == "on_time":
        report_then_close(max(start + timedelta(days=1), limit - timedelta(days=rng.randint(1, 4))))
    elif fate == "late":
        report_then_close(run.working_day(limit, rng.randint(2, 6)))  # after 挂牌督办
    elif fate == "exposed_late":
        report_then_close(run.working_day(limit, rng.randint(13, 17)))  # after 曝光
    elif fate == "reopened":
        first = max(start + timedelta(days=1), limit - timedelta(days=2))
        run.at(first, fire("report_done", clerk, {"summary": "已清理,待核查"}))

        def reopen() -> None:
            if engine.get(case).state != "verifying":
                return
            payload = reopen_payload(
                engine,
                f"{engine.get(case).data['notice_no']}-复",
                effective=True,
                surveyed=40,
                dissatisfied=rng.randint(21, 30),
                opinion="多数群众不满意,重新整改",
                working_days=10,
            )
            _fire(engine, case, "reopen", INSPECTOR, payload)
            report_then_close(run.working_day(run.today(), rng.randint(3, 8)))

        run.at(run.working_day(first, 3), reopen, hour=15)
    elif fate == "long_term":
        for month in range(1, 4):
            if rng.random() < 0.75:  # sometimes a month's report is missed
                day = _first_of_next(start, month) + timedelta(days=rng.randint(0, 3))
                run.at(day, fire("report_progress", clerk, {"summary": f"第{month}个月整改进展"}))
    # "escalated": never reported; the sweep takes it up the ladder to 考核扣分.


def _first_of_next(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _fire(engine: Engine, case: str, event: str, actor: Actor, payload: dict[str, object]) -> None:
    engine.fire(case, event, actor=actor, payload=payload)
