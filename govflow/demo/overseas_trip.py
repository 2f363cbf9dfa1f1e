"""A demo run of the overseas-trip workflows (因公出国(境)演示): plans, dozens of trips, sanctions.

`demo_trips(engine, rng, n)` fills an engine with a year of Chongqing trips (fictional people
of `govflow_workflows.overseas_trip.trip_directory`): the organising units' annual plans, then `n`
groups, each pushed along a realistic path — approved and closed on time, late requests and
large groups going ahead with a justification on the record, requests refused by a hard rule,
adjusted, postponed or cancelled by the 市外办, returned or refused by a leader, reports and
passports overdue (and a unit suspended until it deposits them), a sanctioned unit's request
refused at the start. Steps happen in time order on the engine's `FakeClock` (a small
discrete-event run), with a timer sweep whenever the clock moves, so overdue marks are real.

Deterministic for a given `rng` seed and starting clock. It uses the engine's directory, or
stores `trip_directory()` when the engine has none; the trips are dated in the plan year (the
clock's year, or the next from November), so the engine's calendar must cover that year.
"""

from __future__ import annotations

import contextlib
import heapq
import random
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from govflow.actor import Actor
from govflow.clock import SHANGHAI, FakeClock
from govflow.engine import Engine
from govflow.errors import GovflowError, GuardRejected, InvalidData, JustificationRequired
from govflow_workflows import overseas_trip as ot

__all__ = ["TEMPLATES", "TripDemoSummary", "demo_trips"]

TEMPLATES: list[tuple[str, list[str], str]] = [
    ("cq.gov.commerce", ["feng", "zeng", "ruan"], "德国"),
    ("cq.gov.commerce", ["deng", "zeng"], "泰国"),
    ("cq.party.propaganda", ["xu", "tian"], "法国"),
    ("cq.party.propaganda", ["he", "qiu"], "英国"),
    ("cq.gov.education", ["jiang", "wei"], "澳大利亚"),
    ("cq.yubei.gov", ["guo", "yao"], "日本"),
    ("cq.yubei.gov", ["song", "yao"], "韩国"),
    ("cq.yubei.party", ["lin", "pan"], "新加坡"),
    ("cq.cqu", ["du", "fan"], "美国"),
    ("cq.daily", ["cao"], "意大利"),
    ("cq.npc.foreign_affairs", ["kong"], "俄罗斯"),
]
"""Groups the demo sends: organising unit, members (the first leads), country."""

PLAN_LEADERS = {
    "cq.gov.commerce": {"business_line": "commerce"},
    "cq.party.propaganda": {"business_line": "propaganda"},
    "cq.gov.education": {"business_line": "education"},
    "cq.yubei.gov": {"district": "cq.yubei"},
    "cq.yubei.party": {"district": "cq.yubei"},
    "cq.cqu": {"business_line": "education"},
    "cq.daily": {"business_line": "propaganda"},
    "cq.npc.foreign_affairs": {"business_line": "propaganda"},
}
"""Whose consent each unit's plan needs (分管市领导 by line, or the district's liaison leader)."""

LEADER_UNITS = frozenset({"cq.party", "cq.gov"})
"""The 市委 and 市政府 units, whose post holders sign the chains."""

PATHS = {
    "closed": 30,
    "late_request": 8,
    "large_group": 5,
    "off_plan": 6,
    "hard_refused": 6,
    "adjusted": 6,
    "postponed": 4,
    "cancelled": 3,
    "leader_returned": 5,
    "leader_rejected": 3,
    "report_overdue": 8,
    "passports_overdue": 6,
    "in_flight": 6,
}
"""The paths a group takes, with their weights."""


@attrs.define
class TripDemoSummary:
    """What `demo_trips` did: counts by outcome, every instance's final state, the records."""

    plans: int = 0
    trips: int = 0
    refused_at_start: int = 0
    refused_hard: int = 0
    justified: int = 0
    overdue: Counter[str] = attrs.Factory(Counter)
    by_state: Counter[str] = attrs.Factory(Counter)
    paths: Counter[str] = attrs.Factory(Counter)
    sanctions: int = 0
    suspensions: int = 0
    waited: int = 0
    """Weeks requests waited for acceptance while their unit's intake was suspended."""
    ids: list[str] = attrs.Factory(list)

    def lines(self) -> list[str]:
        """The summary as lines for a person."""
        states = ", ".join(f"{state} {n}" for state, n in sorted(self.by_state.items()))
        late = ", ".join(f"{name} {n}" for name, n in sorted(self.overdue.items())) or "none"
        return [
            f"annual plans approved: {self.plans}",
            f"trip requests: {self.trips} ({states})",
            f"refused at start (bans, suspensions): {self.refused_at_start}; "
            f"refused by a hard rule: {self.refused_hard}",
            f"原则上 rules overridden with a recorded justification: {self.justified}",
            f"obligations marked overdue: {late}",
            f"sanctions recorded: {self.sanctions}; intake suspensions: {self.suspensions} "
            f"(requests kept waiting {self.waited} week(s))",
        ]


def _local(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


class _Run:
    """The demo's state: the engine, its clock, the random source and the summary."""

    def __init__(self, engine: Engine, clock: FakeClock, rng: random.Random) -> None:
        self.engine = engine
        self.clock = clock
        self.rng = rng
        self.summary = TripDemoSummary()
        self.fao = Actor("bai", roles={ot.FAO_REVIEWER}, unit=ot.FAO_UNIT)

    def today(self) -> date:
        return self.engine.calendar.local_date(self.clock.now())

    def clerk(self, unit: str) -> Actor:
        return Actor(ot.CLERKS[unit], roles={ot.CLERK}, unit=unit)

    def principal(self, unit: str) -> Actor:
        assert self.engine.directory is not None
        [head] = self.engine.directory.holders("principal", unit, self.today())
        return Actor(head)

    def fire(self, case: str, event: str, actor: Actor, payload: dict[str, Any] | None = None) -> str:
        """Fire; a 原则上 rule gets a justification (recorded); returns the new state."""
        try:
            return self.engine.fire(case, event, actor=actor, payload=payload).state
        except JustificationRequired:
            self.summary.justified += 1
            why = self.rng.choice(
                ["外方日程调整, 确需按期出访", "经分管市领导同意, 特殊情况", "任务紧急, 已在请示中说明"]
            )
            return self.engine.fire(case, event, actor=actor, payload=payload, justification=why).state

    def signer(self, case: str) -> Actor:
        """A leader who may sign the case's open step today (the chain follows changes of post)."""
        assert self.engine.directory is not None
        on = self.today()
        leaders = sorted({p.person for p in self.engine.directory.posts if p.unit in LEADER_UNITS and p.active(on)})
        return next(Actor(p) for p in leaders if "approve" in self.engine.available(case, Actor(p)))

    def sign_chain(self, case: str, *, return_first: bool = False, reject: bool = False) -> str:
        """The leaders sign in order; optionally the first returns it, or one refuses it."""
        while True:
            instance = self.engine.get(case)
            if instance.state != "leader_approval":
                return instance.state
            person = self.signer(case)
            if return_first:
                return self.fire(case, "return", person, {"comments": "请压缩在外停留时间"})
            if reject:
                return self.fire(case, "reject", person, {"comments": "出访必要性不足, 不予批准"})
            self.fire(case, "approve", person)


def _plans(run: _Run, year: int, batches: dict[str, list[tuple[str, str]]]) -> Iterator[timedelta]:
    """Each unit's plan: drafted, sent to the 市外办, coordinated, consented and approved."""
    for unit, groups in sorted(batches.items()):
        data = ot.plan_data(
            unit,
            year,
            [{"batch": b, "trip_type": "inspection", "countries": [c], "month": 6} for b, c in groups],
            **PLAN_LEADERS[unit],
        )
        plan = run.engine.start(ot.PLAN.name, actor=run.clerk(unit), data=data, unit=unit)
        run.fire(plan.id, "submit", run.clerk(unit))
        yield timedelta(days=1)
        run.fire(plan.id, "coordinate", run.fao)
        while run.engine.get(plan.id).state == "approving":
            run.fire(plan.id, "approve", run.signer(plan.id))
        run.summary.plans += 1
    yield timedelta(0)


def _accepted(run: _Run, case: str, clerk: Actor) -> Generator[timedelta, None, bool]:
    """The 市外办 accepts (受理) the request; while the unit's intake is suspended (停止受理) it
    waits a week at a time, and after twelve weeks the unit withdraws it."""
    for _ in range(12):
        try:
            run.fire(case, "accept", run.fao)
            return True
        except GuardRejected:
            run.summary.waited += 1
            yield timedelta(days=7)
    run.fire(case, "withdraw", clerk)
    return False


def _trip(run: _Run, number: int, path: str, departure: date) -> Iterator[timedelta]:
    """One group along `path` (a key of `PATHS`), yielding the wait before its next step."""
    unit, people, country = TEMPLATES[number % len(TEMPLATES)]
    summary = run.summary
    summary.paths[path] += 1
    extra: dict[str, Any] = {}
    lead = timedelta(days=run.rng.randint(25, 40))
    if path == "large_group":
        people = [*people, *[p for p in ("tian", "qiu", "zeng", "ruan", "wei", "yao") if p not in people]][:7]
    if path == "late_request":
        lead = timedelta(days=run.rng.randint(8, 18))
    if path == "hard_refused":
        extra["invitation"] = ot.Invitation(f"{country}某旅行社", "other", "travel_agency", "旅行社代办", True)
    batch = None if path == "off_plan" else f"{unit}:{country}"
    data = ot.application_data(
        people,
        departure=departure,
        days=run.rng.choice([5, 6, 6]),
        countries=[country],
        trip_type="inspection",
        organiser=unit,
        passport_visa_date=departure - timedelta(days=14),
        plan_batch=batch,
        **extra,
    )
    # Start the request so that it goes up `lead` before the passport/visa date.
    wait = departure - timedelta(days=14) - lead - run.today()
    yield max(wait, timedelta(0))
    clerk = run.clerk(unit)
    try:
        case = run.engine.start(ot.TRIP.name, actor=clerk, data=data, unit=unit).id
    except GuardRejected:
        summary.refused_at_start += 1
        return
    summary.trips += 1
    summary.ids.append(case)
    run.fire(case, "sign", run.principal(unit))
    yield timedelta(days=1)
    try:
        run.fire(case, "submit", clerk)
    except GuardRejected:
        summary.refused_hard += 1
        yield timedelta(days=2)
        run.fire(case, "withdraw", clerk)
        return
    yield timedelta(days=1)
    if not (yield from _accepted(run, case, clerk)):
        return
    yield timedelta(days=2)
    if path == "adjusted":
        run.fire(case, "propose_adjust", run.fao, {"opinion": "请压缩在外停留时间, 补充邀请方背景"})
        yield timedelta(days=2)
        shorter = date.fromisoformat(run.engine.get(case).data["return_date"]) - timedelta(days=1)
        run.fire(case, "revise", clerk, {"return_date": shorter.isoformat()})  # 压缩在外停留时间
        run.fire(case, "sign", run.principal(unit))
        run.fire(case, "submit", clerk)
        yield timedelta(days=1)
        if not (yield from _accepted(run, case, clerk)):
            return
        yield timedelta(days=1)
    if path == "postponed":
        run.fire(case, "postpone", run.fao, {"opinion": "往访国近期局势变化, 建议推迟"})
        return
    if path == "cancelled":
        run.fire(case, "cancel", run.fao, {"opinion": "同期已有同类团组, 建议取消"})
        return
    run.fire(case, "forward", run.fao, {"opinion": "经审核, 团组必要, 建议同意"})
    yield timedelta(days=1)
    office = "lu" if run.engine.get(case).data["request_to"] == "party" else "qin"
    run.fire(case, "present", Actor(office))
    yield timedelta(days=2)
    if path == "leader_returned":
        run.sign_chain(case, return_first=True)
        yield timedelta(days=2)
        run.fire(case, "revise", clerk, {"itinerary": "压缩后的日程"})
        run.fire(case, "sign", run.principal(unit))
        run.fire(case, "submit", clerk)
        if not (yield from _accepted(run, case, clerk)):
            return
        run.fire(case, "forward", run.fao, {"opinion": "已按领导意见修改"})
        run.fire(case, "present", Actor(office))
        yield timedelta(days=1)
    if run.sign_chain(case, reject=path == "leader_rejected") != "approved":
        return
    if path == "in_flight":
        return
    yield max(_local(departure, 7) - run.clock.now(), timedelta(0))
    run.fire(case, "depart", clerk)
    back = date.fromisoformat(run.engine.get(case).data["return_date"])
    yield max(_local(back, 21) - run.clock.now(), timedelta(0))
    run.fire(case, "return_home", clerk)
    report_late = path == "report_overdue"
    passports_late = path == "passports_overdue"
    yield timedelta(days=run.rng.randint(3, 10))
    if not passports_late:
        run.fire(case, "deposit_passports", run.fao, {"persons": list(run.engine.get(case).data["member_ids"])})
    if not report_late:
        yield timedelta(days=run.rng.randint(5, 15))
        run.fire(case, "file_report", clerk, {"summary": "出访报告: 考察成果与落实建议"})
    if passports_late:
        yield timedelta(days=30)  # well past 15 days: the 市外办 stops accepting the unit's applications
        if not any(s.unit == unit and s.lifted_on is None for s in ot.suspensions(run.engine)):
            ot.suspend_intake(run.engine, unit, since=run.today(), reason="回渝后拒不交回因公护照")
            summary.suspensions += 1
        yield timedelta(days=10)
        run.fire(case, "deposit_passports", run.fao, {"persons": list(run.engine.get(case).data["member_ids"])})
        with contextlib.suppress(InvalidData):  # another group of the unit may still owe its passports
            ot.lift_suspension(run.engine, unit, on=run.today(), note="护照已全部交回")
    if report_late:
        yield timedelta(days=45)
        run.fire(case, "file_report", clerk, {"summary": "出访报告(逾期报送)"})
    yield timedelta(days=2)
    run.fire(case, "close", run.fao)


def demo_trips(engine: Engine, rng: random.Random, n: int = 40) -> TripDemoSummary:
    """Run `n` trip requests (and the plans they need) on `engine`; return what happened.

    The engine needs a `FakeClock` (the demo moves it forward); its directory is used, or
    `trip_directory()` is stored when it has none. One sanction (a forged invitation found at
    the start) bans a unit for the year, so its requests are refused when they start.
    """
    clock = engine.clock
    if not isinstance(clock, FakeClock):
        raise GovflowError("demo_trips moves the clock: give the engine a FakeClock")
    for workflow in ot.WORKFLOWS:
        engine.register(workflow)
    if engine.directory is None:
        engine.load_directory(ot.trip_directory())
    run = _Run(engine, clock, rng)
    start = run.today()
    year = start.year + 1 if start.month >= 11 else start.year
    first_departure = max(date(year, 3, 2), start + timedelta(days=70))
    window = max((date(year, 10, 31) - first_departure).days, 30)
    banned_unit = TEMPLATES[len(TEMPLATES) - 1][0]
    ot.record_sanction(engine, offence="forged_invitation", discovered=start, units=[banned_unit],
                       note="演示: 上一年度团组邀请函系伪造")  # fmt: skip
    run.summary.sanctions += 1
    batches: dict[str, list[tuple[str, str]]] = {}
    for unit, _, country in TEMPLATES:
        if unit in PLAN_LEADERS:
            batches.setdefault(unit, []).append((f"{unit}:{country}", country))
    queue: list[tuple[datetime, int, Iterator[timedelta]]] = []
    heapq.heappush(queue, (clock.now(), 0, _plans(run, year, batches)))
    names, weights = zip(*PATHS.items(), strict=True)
    for number in range(n):
        path = rng.choices(names, weights)[0]
        departure = first_departure + timedelta(days=rng.randrange(window))
        heapq.heappush(queue, (clock.now() + timedelta(days=3), number + 1, _trip(run, number, path, departure)))
    _simulate(run, queue)
    for case in run.summary.ids:
        instance = engine.get(case)
        run.summary.by_state[instance.state] += 1
        engine.verify(case)
    for event in (e for case in run.summary.ids for e in engine.history(case) if e.kind == "timer"):
        if event.event == "overdue":
            run.summary.overdue[str(event.detail.get("deadline"))] += 1
    return run.summary


def _simulate(run: _Run, queue: list[tuple[datetime, int, Iterator[timedelta]]]) -> None:
    """Advance the clock step by step in time order, sweeping timers whenever it moves."""
    step: Callable[[Iterator[timedelta]], timedelta | None] = lambda it: next(it, None)  # noqa: E731
    while queue:
        when, number, steps = heapq.heappop(queue)
        if when > run.clock.now():
            run.clock.set(when)
            run.engine.tick()
        wait = step(steps)
        if wait is not None:
            heapq.heappush(queue, (run.clock.now() + wait, number, steps))
    run.engine.tick()
