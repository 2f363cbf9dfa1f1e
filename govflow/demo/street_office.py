"""A street office's month for `govflow demo`: grid cases and petitions in October 2016.

The 北大街 street office (two communities, three grids each) handles its residents' matters
around the National Day break: grid cases reported by grid workers and residents, solved in
the grid or reported up, dispatched to departments by the routing table, some sent back
(转办) and dispatched again, some handled late or sent back by the check, answered with the
residents' satisfaction; the grids' weekly meetings held or missed; and two petitions, one
handled in time and one extended. `demo_month` runs it on any engine; `print_month` runs it
into the demo database and prints what the street office sees.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from govflow.actor import Actor
from govflow.clock import SHANGHAI, FakeClock
from govflow.engine import Engine

if TYPE_CHECKING:
    from rich.console import Console

MONTH_START = datetime(2016, 9, 28, 9, tzinfo=SHANGHAI)
"""The Wednesday before the National Day break of 2016."""

STREET = "beidajie"
COMMUNITIES = ("c1", "c2")
GRIDS_PER_COMMUNITY = 3
MATTERS: dict[str, list[str]] = {
    "sanitation": ["楼道垃圾堆放", "背街小巷卫生死角"],
    "street_order": ["流动摊贩占道经营", "违章搭建雨棚"],
    "noise_fumes": ["餐馆油烟扰民", "夜间施工噪音"],
    "property": ["物业不作为,电梯长期故障", "小区绿地被占"],
    "utilities": ["井盖缺失", "路灯不亮"],
    "public_security": ["小区门禁损坏,外来人员随意进出"],
    "social_aid": ["独居老人需要救助"],
}
"""What the residents of the month bring up, by routing category."""


@attrs.frozen
class StreetMonth:
    """What the street office's month produced, read back through the workflows' queries."""

    cases: int
    by_state: dict[str, int]
    by_top_level: dict[str, int]
    dispatched: int
    redirected: int
    reworked: int
    handled_late: int
    answers: dict[str, int]
    ranking: list[tuple[int, str, str]]
    """(rank, grid, a short line of its facts), best first."""
    meetings_missed: int
    petitions: dict[str, str]
    """Petition → its state and limit, as a line."""
    broken: int
    case_ids: tuple[str, ...]

    def lines(self) -> list[str]:
        """The summary as lines of text (what `govflow demo` prints)."""
        out = [
            f"grid cases (民情案件): {self.cases}, "
            + ", ".join(f"{state} {n}" for state, n in sorted(self.by_state.items())),
            "highest level reached: " + ", ".join(f"{lv} {n}" for lv, n in self.by_top_level.items()),
            f"dispatched to departments {self.dispatched}, sent back (转办) {self.redirected}, "
            f"failed the check (复核不通过) {self.reworked}, handled late {self.handled_late}",
            "residents' answers (满意度): " + ", ".join(f"{a} {n}" for a, n in sorted(self.answers.items())),
            f"Q4 team ranking of the {STREET} grids (季度排名, facts for a scoring scheme):",
            *(f"  {rank}. {grid}: {line}" for rank, grid, line in self.ranking),
            f"weekly team meetings missed in October (周例会未开): {self.meetings_missed}",
            *(f"petition {name}: {line}" for name, line in self.petitions.items()),
            f"{self.broken} broken audit chains among the street office's cases",
        ]
        return out


def _grids() -> list[str]:
    from govflow_workflows.grid_case import grid_unit

    return [grid_unit(STREET, c, f"g{g}") for c in COMMUNITIES for g in range(1, GRIDS_PER_COMMUNITY + 1)]


Script = Iterator[float]
"""A case's story: code between yields runs at one moment; each yield waits that many hours."""


def _run(engine: Engine, clock: FakeClock, scripts: list[tuple[datetime, Script]]) -> None:
    """Play the scripts interleaved in time order, sweeping the timers before each step."""
    from govflow_workflows.grid_case import sweep

    queue: list[tuple[datetime, int, Script]] = []
    order = itertools.count()
    for when, script in scripts:
        heapq.heappush(queue, (when, next(order), script))
    while queue:
        when, _, script = heapq.heappop(queue)
        if when > clock.now():
            clock.set(when)
        sweep(engine)
        try:
            wait = next(script)
        except StopIteration:
            continue
        heapq.heappush(queue, (clock.now() + timedelta(hours=wait), next(order), script))


def demo_month(engine: Engine, rng: random.Random, *, cases: int = 36) -> StreetMonth:
    """Play October 2016 in the street office on `engine` (its clock must be a `FakeClock`)."""
    import govflow_workflows.grid_case as gc
    import govflow_workflows.petition as pt

    clock = engine.clock
    if not isinstance(clock, FakeClock):
        raise TypeError("demo_month needs an engine with a FakeClock")
    for wf in (*gc.WORKFLOWS, *pt.WORKFLOWS):
        if wf.key not in {w.key for w in engine.workflows()}:
            engine.register(wf)
    if clock.now() < MONTH_START:
        clock.set(MONTH_START)
    begin = clock.now()
    grids = _grids()
    street_unit = f"district.{STREET}"
    street = Actor(f"{STREET}.center", roles={"street"}, unit=street_unit, name="街道指挥分中心")
    district = Actor("district.center", roles={"district"}, unit="district", name="区指挥中心")
    verifier = Actor(f"{STREET}.checker", roles={"verifier"}, unit=street_unit, name="复核员")
    supervisor = Actor(f"{STREET}.supervisor", roles={"supervisor"}, unit=street_unit, name="网格督导员")
    community = {c: Actor(f"{STREET}.{c}.station", roles={"community"}, unit=f"{street_unit}.{c}") for c in COMMUNITIES}
    ids: list[str] = []
    fired: Counter[str] = Counter()

    def fire(case: str, event: str, actor: Actor, payload: dict[str, Any]) -> None:
        engine.fire(case, event, actor=actor, payload=payload)
        fired[event] += 1

    def grid_case(n: int, grid: str) -> Script:
        worker = Actor(f"{grid}.worker", roles={"grid_worker"}, unit=grid)
        head = Actor(f"{grid}.head", roles={"grid_head"}, unit=grid)
        resident = Actor(f"{grid}.resident", roles={"resident"}, unit=grid)
        station = community[grid.split(".")[2]]
        category = rng.choice(sorted(MATTERS))
        reporter = resident if rng.random() < 0.35 else worker
        data = {"description": rng.choice(MATTERS[category]), "reporter_kind": next(iter(reporter.roles))}
        case = engine.start(gc.WORKFLOW_NAME, actor=reporter, unit=grid, data=data).id
        ids.append(case)
        if n == cases - 1:
            return  # the last report of the month still waits for the grid head
        yield rng.uniform(1, 20)
        fire(case, "accept", head, {})
        path = rng.random()
        if path < 0.3:
            yield rng.uniform(0.5, 6)
            fire(case, "solve", head, {"result": "网格当场解决"})
        else:
            yield rng.uniform(2, 20)
            fire(case, "escalate", head, {"reason": "网格无法解决,需协调部门"})
            holder = station
            if path > 0.8:
                yield rng.uniform(24, 72)
                fire(case, "escalate", station, {"reason": "问题较普遍,需街道协调"})
                holder = street
                if path > 0.93:
                    yield rng.uniform(24, 96)
                    fire(case, "escalate", street, {"reason": "需区级协调"})
                    holder = district
            yield rng.uniform(2, 30)
            wrong = category != "noise_fumes" and rng.random() < 0.2
            first = "noise_fumes" if wrong else category
            fire(case, "dispatch", holder, {"category": first})
            if wrong:
                yield rng.uniform(4, 48)
                fire(case, "redirect", gc.department(gc.ROUTES.route(first).unit), {"reason": "不属本部门职责"})
                yield rng.uniform(2, 24)
                fire(case, "dispatch", holder, {"category": category})
            late = rng.random() < 0.15
            yield rng.uniform(24 * 12, 24 * 16) if late else rng.uniform(4, 60)
            officer = gc.department(gc.ROUTES.route(category).unit)
            fire(case, "handle", officer, {"result": "已按职责处理"})
            if rng.random() < 0.15:
                yield rng.uniform(4, 24)
                fire(case, "rework", verifier, {"opinion": "现场复核未达要求"})
                yield rng.uniform(4, 48)
                fire(case, "handle", officer, {"result": "已重新处理"})
        yield rng.uniform(2, 30)
        fire(case, "verify", verifier, {"opinion": "现场复核通过"})
        yield rng.uniform(2, 30)
        fire(case, "give_feedback", head, {"satisfaction": rng.choices(gc.SATISFACTION, weights=[6, 3, 1, 1])[0]})

    duties: dict[str, str] = {}

    def grid_duty(grid: str) -> Script:
        head = Actor(f"{grid}.head", roles={"grid_head"}, unit=grid)
        duties[grid] = engine.start(
            gc.DUTY_WORKFLOW_NAME, actor=community[grid.split(".")[2]], unit=grid, data={"grid": grid}
        ).id
        for _ in range(5):  # the weeks of the month, meeting on a weekday of each
            yield 24 * 2 + rng.uniform(0, 48)
            if rng.random() < 0.8:
                engine.fire(duties[grid], "hold_team_meeting", actor=head, payload={"summary": "网格团队周例会"})
            engine.fire(duties[grid], "record_patrol", actor=supervisor, payload={"summary": "督导巡查"})
            yield 24 * 3

    petitions: dict[str, str] = {}
    office = Actor(f"{STREET}.petition_office", roles={"petition_office"}, unit=f"{street_unit}.petition")
    housing = pt.handler("district.housing")
    housing_head = Actor("district.housing.head", roles={"unit_head"}, unit="district.housing")

    def petition(name: str, extended: bool) -> Script:
        received = clock.now().astimezone(SHANGHAI).date().isoformat()
        matter = "小区违建久拖不拆" if extended else "物业拒退装修押金"
        case = engine.start(
            pt.WORKFLOW_NAME, actor=office, data={"petitioner": "居民", "matter": matter, "received_on": received}
        ).id
        yield 24 * 2
        engine.fire(case, "accept", actor=office, payload={})
        engine.fire(
            case,
            "assign",
            actor=office,
            payload={"letter_no": f"北信交〔2016〕{name}", "unit": "district.housing", "limit_days": 20},
        )
        if extended:
            yield 24 * 15
            engine.fire(
                case, "request_extension", actor=housing, payload={"days": 15, "reason": "涉及多个部门,需联合执法"}
            )
            yield 24
            engine.fire(case, "approve_extension", actor=housing_head, payload={"note": "同意延期15日"})
            yield 24 * 12
        else:
            yield 24 * 12
        inst = engine.fire(
            case, "reply", actor=housing, payload={"reply_no": f"北住复〔2016〕{name}", "opinion": "已处理并书面答复"}
        )
        petitions[name] = (
            f"replied {inst.data['replied_on']}, limit {inst.data['due_date']}, "
            f"extended {inst.data['extended_days']} days, late: {'yes' if inst.data['late'] else 'no'}"
        )

    span = 24 * 30.0
    scripts: list[tuple[datetime, Script]] = [
        (begin + timedelta(hours=rng.uniform(0, span)), grid_case(n, grids[n % len(grids)])) for n in range(cases)
    ]
    scripts += [(begin, grid_duty(g)) for g in grids]
    scripts += [
        (begin + timedelta(days=11), petition("1号", False)),
        (begin + timedelta(days=11), petition("2号", True)),
    ]
    _run(engine, clock, scripts)

    found = [i for i in engine.find(gc.WORKFLOW_NAME) if i.id in set(ids)]
    by_state = Counter(i.state for i in found)
    top = Counter(str(i.data.get("top_level")) for i in found)
    answers = Counter(str(i.data.get("satisfaction")) for i in found if i.state == "closed")
    ranking = [
        (
            r.rank,
            r.facts.grid.removeprefix(f"{street_unit}."),
            f"{r.facts.cases} cases · satisfied {r.facts.satisfaction_rate or 0:.0%} · "
            f"in time {r.facts.on_time_rate or 0:.0%} · overdue {r.facts.overdue_now}",
        )
        for r in gc.quarterly_facts(engine, grids, 2016, 4)
    ]
    missed = sum(
        1
        for d in duties.values()
        for t in engine.timers(d)
        if t.name == "team_meeting" and t.status == "overdue" and t.params["period_start"] < "2016-10-31"
    )
    broken = len(engine.verify_all(gc.WORKFLOW_NAME)) + len(engine.verify_all(pt.WORKFLOW_NAME))
    return StreetMonth(
        cases=len(found),
        by_state=dict(by_state),
        by_top_level={lv: top[lv] for lv in gc.LEVELS if top[lv]},
        dispatched=sum(1 for i in found if i.data.get("dispatches")),
        redirected=sum(1 for i in found if i.data.get("redirected")),
        reworked=fired["rework"],
        handled_late=sum(1 for i in found if i.data.get("late")),
        answers=dict(answers),
        ranking=ranking,
        meetings_missed=missed,
        petitions=dict(sorted(petitions.items())),
        broken=broken,
        case_ids=tuple(ids),
    )


def print_month(db_path: str, console: Console, *, seed: int) -> None:
    """Run the month into `db_path` and print the street office's summary."""
    from govflow.storage.sqlite import SQLiteStorage

    engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(MONTH_START))
    try:
        month = demo_month(engine, random.Random(seed))
    finally:
        engine.storage.close()
    console.print("网格民情案件 and 信访 (a street office's month, October 2016): what the 北大街 office sees")
    for line in month.lines():
        console.print(f"  {line}")
