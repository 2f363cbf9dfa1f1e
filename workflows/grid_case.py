# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""网格民情案件 — the grid case: report → accept → dispatch → handle → 复核 → feedback → close.

A grid worker on patrol, or a resident, reports a problem in the grid (发现、上报). The grid
head accepts it (受理). What the grid can solve it solves at once; what it cannot it reports up
the levels — grid → community → street → district — each level with its own time to act. A
level that can coordinate departments (community and up) dispatches the case (派遣) to the
department that owns its category, read from a routing table (data, not code), with a limit
(限期). The department handles it, or — when the case is not its business — sends it back to
the level that dispatched it (转办, with a reason), and the level dispatches it again elsewhere.
Someone other than the handler checks the result (复核检查); the grid head tells the resident
and records their satisfaction (满意度); the case is closed (办结, 一档一册).

The monthly sampled assessment and the quarterly ranking of grid teams are *facts* here —
`team_facts`, `monthly_sample`, `quarterly_facts` — for a scoring engine to weigh later; the
documents give no points for them. The cadences of the grid's people (the supervisor's weekly
patrol, the team's weekly meeting, the monthly analysis meeting) are the recurring duties of a
second workflow, `grid_duty` (网格履职).

**转办 is a transition for now.** The architecture (decision 15) makes 转办 a generic engine
operation; it does not exist yet, so ``redirect`` is an ordinary role-checked transition of this
workflow. Move it to the generic operation when that lands.

Rules and their sources (seed file and line; digests ``grid-overseas-trips-petitions-discipline_seed-003.md``
§1.4–§1.7 and ``grid-management-and-resettlement_seed-002.md`` §1–§2):

- grid staff are the 「发现、受理、处置、协调、报告"第一人"」: seed 003 L45 — a grid worker
  reports; the grid head accepts (seed 002 L53: 网格长…为该网格的第一责任人);
- residents raise matters (诉求) to the grid: seed 002 L61, L83 — a resident may report;
- 民情日志 records what was found: seed 003 L43 — a report must describe the problem;
- the grid team answers or solves on the spot what it can (即时答复、解决): seed 002 L83;
  what the community can solve 「要立即予以处理」: seed 003 L43 — ``solve`` at every level;
- hard problems are 「限时办理,由社区组织协调有关部门和单位解决」, widespread ones 「由街道(乡镇)协调
  解决」: seed 003 L43; 「需上级协调解决的困难和问题,逐级予以上报」: seed 002 L73 — the ladder;
  dispatching to departments from community level up;
- the office assigns 「分层分类落实责任人限期进行解决」: seed 002 L85; the command centre
  「指派处理」 to the responsible unit: seed 002 L30 — ``dispatch`` by category with a limit;
- 「问题的发现、上报、处理及解决问题后的复核检查」: seed 002 L56 — ``verify`` after handling,
  by someone who did not handle it (separation of duties, `NotActorOf`);
- 「由网格组长负责及时向当事人和相关人员作反馈,并按一档一册要求进行归档」: seed 002 L87;
  「办理结果要及时反馈,并收集居民反馈意见」: seed 003 L43 — ``give_feedback`` by the grid head,
  with the resident's satisfaction answer, then closed;
- 群众满意度 is an important part of the team assessment: seed 002 L75 — satisfaction is a
  fact of `team_facts`;
- monthly: 11 of 33 grids drawn at random and assessed; quarterly: scores and a ranking are
  published: seed 002 L32 — `monthly_sample` (a third of the grids) and `quarterly_facts`;
- the cadences (`grid_duty`): the grid supervisor patrols 「每周不少于1次」: seed 003 L41; the
  service team meets 「每周召开1次工作例会」: seed 002 L62; the street and community hold the
  analysis meeting 「一般每月召开1次」: seed 002 L72.

**Choices where the text is silent** (each a named constant below):

- The documents give no number for any limit (seed 002 has none at all, see its digest §0.1).
  `ACCEPT_WITHIN`: the grid head accepts by the end of the next day (当日清, seed 003 L43, read
  generously, since a report may come in after the daily meeting). `LEVEL_LIMITS`: the grid 1
  day, the community 5 working days (限时办理 with no number), the street 5 working days (its
  weekly review, seed 003 L43), the district 10 working days. `ROUTES`' limits are per category,
  3–10 working days. `VERIFY_WITHIN` 2 working days, `FEEDBACK_WITHIN` 2 working days (及时).
- `LEVEL_EXPIRY`: when a level's limit passes the case is marked overdue and stays; the text
  does not say that a passed limit escalates (the digest §1.5 says so explicitly).
- `DISPATCH_FROM`: the grid level solves or reports up; only community, street and district
  dispatch to departments (seed 003 L43 has the community and the street coordinate units).
- `NO_BOUNCE_BACK`: after a 转办 the case may not be dispatched again to a department that
  sent it back (else a wrong dispatch could loop); the dispatcher reclassifies it.
- `REWORK_LIMIT`: a failed check sends the case back to its handler; a department gets a
  fresh limit of its route's length from the check (the old limit may have passed).
- `SATISFACTION`: three answers, 满意 / 基本满意 / 不满意 (the documents name no scale), plus
  未联系上 when the resident cannot be reached; `SATISFIED_ANSWERS` counts 满意 and 基本满意 as
  satisfied. `DISSATISFIED_CLOSES`: an unsatisfied answer is recorded and the case still closes
  (the text asks to collect the opinion, not to reopen).
- `SAMPLE_SHARE`: a third of the grids each month (11 of 33), rounded up.
- `RANKING_ORDER`: the quarterly ranking orders teams by satisfaction rate, then the share of
  cases handled in time, then fewer overdue cases — a placeholder for the scoring engine.
- The daily patrol (「每天至少到网格巡查1次」, seed 003 L45) is not a recurring duty here: the
  engine's periods start at a week.

```mermaid
---
title: grid_case v1 (网格民情案件)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "reported (已上报)" as reported
  Class reported s_default
  state "at_grid (网格办理中)" as at_grid
  Class at_grid s_default
  state "at_community (社区办理中)" as at_community
  Class at_community s_default
  state "at_street (街道办理中)" as at_street
  Class at_street s_default
  state "at_district (区办理中)" as at_district
  Class at_district s_default
  state "dispatched (已派遣(限期办理))" as dispatched
  Class dispatched s_default
  state "verifying (待复核)" as verifying
  Class verifying s_default
  state "feedback (待反馈)" as feedback
  Class feedback s_default
  state "closed (已办结(归档))" as closed
  Class closed s_final

  reported --> at_grid: accept (网格受理) [grid_head@unit]
  at_grid --> at_community: escalate (上报社区) [grid_head@unit] if grid_case.reason_given
  at_grid --> verifying: solve (网格就地解决) [grid_head@unit] if grid_case.result_given
  at_community --> at_street: escalate (上报街道) [community@unit+above] if grid_case.reason_given
  at_community --> verifying: solve (社区就地解决) [community@unit+above] if grid_case.result_given
  at_community --> dispatched: dispatch (社区分类派遣) [community@unit+above] if grid_case.category_routed, grid_case.limit_positive, grid_case.not_bounced
  at_street --> at_district: escalate (上报区) [street@unit+above] if grid_case.reason_given
  at_street --> verifying: solve (街道就地解决) [street@unit+above] if grid_case.result_given
  at_street --> dispatched: dispatch (街道分类派遣) [street@unit+above] if grid_case.category_routed, grid_case.limit_positive, grid_case.not_bounced
  at_district --> verifying: solve (区就地解决) [district@unit+above] if grid_case.result_given
  at_district --> dispatched: dispatch (区分类派遣) [district@unit+above] if grid_case.category_routed, grid_case.limit_positive, grid_case.not_bounced
  verifying --> at_grid: rework (复核不通过(退回网格)) [verifier] if grid_case.opinion_given, grid_case.handled_by_level, grid_case.level_grid 分离 four-eyes
  verifying --> at_community: rework (复核不通过(退回社区)) [verifier] if grid_case.opinion_given, grid_case.handled_by_level, grid_case.level_community 分离 four-eyes
  verifying --> at_street: rework (复核不通过(退回街道)) [verifier] if grid_case.opinion_given, grid_case.handled_by_level, grid_case.level_street 分离 four-eyes
  verifying --> at_district: rework (复核不通过(退回区)) [verifier] if grid_case.opinion_given, grid_case.handled_by_level, grid_case.level_district 分离 four-eyes
  verifying --> dispatched: rework (复核不通过(退回部门)) [verifier] if grid_case.opinion_given, grid_case.handled_by_department 分离 four-eyes
  verifying --> feedback: verify (复核通过) [verifier] if grid_case.opinion_given 分离 four-eyes
  dispatched --> at_community: redirect (转办(退回社区)) [department] if grid_case.reason_given, grid_case.dispatched_from_community 分离 own-unit-only
  dispatched --> at_street: redirect (转办(退回街道)) [department] if grid_case.reason_given, grid_case.dispatched_from_street 分离 own-unit-only
  dispatched --> at_district: redirect (转办(退回区)) [department] if grid_case.reason_given, grid_case.dispatched_from_district 分离 own-unit-only
  dispatched --> verifying: handle (办理完毕) [department] if grid_case.result_given 分离 own-unit-only
  feedback --> closed: give_feedback (反馈居民并办结) [grid_head@unit]
  [*] --> reported
  closed --> [*]
  note right of reported : accept (当日受理)： 1 days (日), from entering the state； mark overdue (逾期)
  note right of at_grid : grid_limit (网格办理时限)： 1 days (日), from entering the state； mark overdue (逾期)
  note right of at_community : community_limit (社区办理时限)： 5 working days (个工作日), from entering the state； mark overdue (逾期)
  note right of at_street : street_limit (街道办理时限)： 5 working days (个工作日), from entering the state； mark overdue (逾期)
  note right of at_district : district_limit (区办理时限)： 10 working days (个工作日), from entering the state； mark overdue (逾期)
  note right of dispatched : handle (限期办理)： 1 days (日)； remind 1 working days (个工作日) before, from data field 'due_eve'； mark overdue (逾期)
  note right of verifying : verify (复核检查)： 2 working days (个工作日), from entering the state； mark overdue (逾期)
  note right of feedback : feedback (及时反馈)： 2 working days (个工作日), from entering the state； mark overdue (逾期)
```
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal, get_args

import attrs

from govflow import (
    Actor,
    Days,
    Deadline,
    Engine,
    FromField,
    Recurring,
    State,
    TickOutcome,
    Transition,
    Workflow,
    WorkingDays,
)
from govflow import deadlines as dl
from govflow.access import NotActorOf, OwnUnitOnly, Requirement, Scoped
from govflow.clock import SHANGHAI
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard
from govflow.ladder import Ladder, Level
from govflow.routing import Route, RoutingTable

WORKFLOW_NAME = "grid_case"
"""The case workflow's name."""

DUTY_WORKFLOW_NAME = "grid_duty"
"""The recurring-duties workflow's name."""

TZ = SHANGHAI
"""The time zone effects date things in."""

LevelName = Literal["grid", "community", "street", "district"]
"""The levels a case climbs: 网格 → 社区 → 街道 → 区."""

LEVELS: tuple[LevelName, ...] = get_args(LevelName)
LEVEL_LABELS: dict[str, str] = {"grid": "网格", "community": "社区", "street": "街道", "district": "区"}

Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied", "unreachable"]
"""The resident's answer (居民反馈意见): 满意 / 基本满意 / 不满意 / 未联系上."""

SATISFACTION: tuple[Satisfaction, ...] = get_args(Satisfaction)
SATISFACTION_LABELS: dict[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "unreachable": "未联系上",
}
SATISFIED_ANSWERS: frozenset[str] = frozenset({"satisfied", "basically_satisfied"})
"""Choice: answers that count as satisfied in the satisfaction rate (unreachable counts in neither)."""

DISSATISFIED_CLOSES = True
"""Choice: an unsatisfied answer is recorded and the case still closes (seed 003 L43 收集居民反馈意见)."""

WorkType = Literal["routine", "coordination", "emergency"]
"""一般性工作、协调性工作、突发性工作 (seed 003 L43): recorded; the text gives no procedure per type."""

# -- the documents' numbers, and the choices where they are silent ------------------------------

ACCEPT_WITHIN = Days(1)
"""Choice: the grid head accepts by the end of the next day (当日清, seed 003 L43)."""

LEVEL_LIMITS: dict[str, dl.WorkingDays | dl.Days] = {
    "grid": Days(1),
    "community": WorkingDays(5),
    "street": WorkingDays(5),
    "district": WorkingDays(10),
}
"""Choice: how long each level has to solve, dispatch or report up (no number in the documents)."""

LEVEL_EXPIRY: Literal["overdue"] = "overdue"
"""Choice: a level's passed limit marks the case overdue; it does not escalate by itself."""

DISPATCH_FROM: tuple[LevelName, ...] = ("community", "street", "district")
"""Choice: the levels that dispatch to departments (seed 003 L43: the community and the street coordinate units)."""

NO_BOUNCE_BACK = True
"""Choice: a case is not dispatched again to a department that sent it back (转办)."""

REWORK_LIMIT = "the route's limit again, counted from the failed check"
"""Choice: what a department gets after a failed 复核."""

VERIFY_WITHIN = WorkingDays(2)
"""Choice: 复核检查 (seed 002 L56) within 2 working days of the handling report."""

FEEDBACK_WITHIN = WorkingDays(2)
"""Choice: 及时反馈 (seed 002 L87, seed 003 L43) within 2 working days of the check."""

REMIND_BEFORE = WorkingDays(1)
"""Choice: a department is reminded (催办) one working day before its limit (seed 002 L85 跟踪和督促)."""

SAMPLE_SHARE = (11, 33)
"""11 of 33 grids each month (seed 002 L32): a third, rounded up for other grid counts."""

RANKING_ORDER = ("satisfaction_rate desc", "on_time_rate desc", "overdue asc", "grid asc")
"""Choice: the placeholder ordering of the quarterly ranking until a scoring scheme weighs the facts."""

ROUTES = RoutingTable(
    "beidajie_grid_routes",
    source="choice, after the division of matters in seed 002 L16–L27",
    routes=[
        Route("sanitation", "district.sanitation", WorkingDays(3), label="环境卫生", source="seed 002 L13, L17"),
        Route(
            "street_order",
            "district.city_management",
            WorkingDays(5),
            label="占道经营、乱搭乱建",
            source="seed 002 L17",
        ),
        Route("noise_fumes", "district.environment", WorkingDays(5), label="噪声、油烟、污水", source="seed 002 L23"),
        Route("property", "district.housing", WorkingDays(10), label="物业小区", source="seed 002 L24"),
        Route("utilities", "district.construction", WorkingDays(5), label="市政设施", source="seed 002 L20"),
        Route("public_security", "district.police", WorkingDays(3), label="社会治安", source="seed 003 L39"),
        Route(
            "social_aid", "district.civil_affairs", WorkingDays(10), label="优抚救济、社会救助", source="seed 003 L39"
        ),
    ],
)
"""The reference routing table: category → department and the department's limit (限期). The
departments follow the division of matters in seed 002 L16–L27 (莒南) and the matters of seed
003 L39 (哈尔滨); the limits are choices (no number in the documents)."""

ROLES: dict[str, str] = {
    "grid_worker": "网格管理服务工作人员 (发现、上报)",
    "resident": "居民 (反映诉求)",
    "grid_head": "网格长 / 网格组长 (受理、就地解决、反馈)",
    "community": "社区社会管理服务综合工作站 (协调、派遣)",
    "street": "街道社会管理服务综合指挥分中心 (协调、派遣)",
    "district": "区指挥中心 (协调、派遣)",
    "department": "职能部门 / 责任单位 (办理、转办)",
    "verifier": "复核人员 (复核检查)",
    "supervisor": "网格督导员 (每周巡查)",
}
"""The roles beside their Chinese names (timers act as ``system``)."""

LADDER = Ladder(
    "at",
    levels=[
        Level("grid", "网格", Scoped("grid_head"), LEVEL_LIMITS["grid"], source="seed 002 L83; limit a choice"),
        Level(
            "community",
            "社区",
            Scoped("community", "ancestors"),
            LEVEL_LIMITS["community"],
            source="seed 003 L43 限时办理; limit a choice",
        ),
        Level(
            "street",
            "街道",
            Scoped("street", "ancestors"),
            LEVEL_LIMITS["street"],
            source="seed 003 L43 街道每周分析研判; limit a choice",
        ),
        Level(
            "district",
            "区",
            Scoped("district", "ancestors"),
            LEVEL_LIMITS["district"],
            source="seed 002 L73 逐级予以上报; limit a choice",
        ),
    ],
    label="上报",
    on_expiry=LEVEL_EXPIRY,
)
"""The escalation ladder: one state per level, each with its limit; a level's people are
scoped to the case's grid or a unit above it (units are dotted: ``district.street.community.grid``)."""


# -- data -----------------------------------------------------------------------------------------


@attrs.frozen
class GridCase:
    """One 民情 case. Start data gives the first four fields; the rest the workflow keeps."""

    description: str
    """What was found or asked (民情日志的记录)."""
    reporter_kind: Literal["grid_worker", "resident"] = "grid_worker"
    category: str = ""
    """Suggested by the reporter; set by the dispatcher (分类)."""
    work_type: WorkType = "routine"
    level: LevelName = "grid"
    """The level that holds the case now (or last held it, while a department handles it)."""
    top_level: LevelName = "grid"
    escalations: int = 0
    escalated: bool = False
    department: str | None = None
    dispatched_from: LevelName | None = None
    dispatches: int = 0
    limit_days: int | None = None
    due_date: date | None = None
    due_eve: date | None = None
    redirects: int = 0
    redirected: bool = False
    returned_by: list[str] = attrs.field(factory=list)
    handled_by: Literal["level", "department"] | None = None
    handler: str | None = None
    result: str = ""
    handled_on: date | None = None
    days_late: int = 0
    late: bool = False
    reworks: int = 0
    satisfaction: Satisfaction | None = None
    closed_on: date | None = None


DERIVED = tuple(
    f.name for f in attrs.fields(GridCase) if f.name not in {"description", "reporter_kind", "category", "work_type"}
)
"""Fields the workflow keeps itself: a report starts with them at their defaults."""


@attrs.frozen
class Dispatch:
    """派遣: the category (which picks the department) and, optionally, a limit in working days
    other than the route's."""

    category: str
    limit_days: int | None = None
    note: str = ""


@attrs.frozen
class Redirect:
    """转办: why the case is not this department's business."""

    reason: str


@attrs.frozen
class Escalation:
    """上报: why this level cannot solve it."""

    reason: str


@attrs.frozen
class Handling:
    """办理结果."""

    result: str


@attrs.frozen
class Check:
    """复核检查: the verifier's opinion."""

    opinion: str


@attrs.frozen
class Feedback:
    """反馈: what the resident was told, and their answer."""

    satisfaction: Satisfaction
    note: str = ""


@attrs.frozen
class NoPayload:
    """Events that carry nothing."""


# -- helpers --------------------------------------------------------------------------------------


def _today(ctx: EffectContext) -> date:
    return ctx.now.astimezone(TZ).date()


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def due_for(engine: Any, today: date, route: Route, limit_days: int | None) -> date:
    """The limit's last day: `limit_days` working days, or the route's own limit, from `today`."""
    limit: dl.WorkingDays | dl.Days = WorkingDays(limit_days) if limit_days is not None else route.limit
    return dl.due_date(limit, today, engine.calendar).day


# -- rules ----------------------------------------------------------------------------------------


@guard("grid_case.described", "a report must say what the problem is (民情日志)", source="seed 003 L43")
def described(ctx: GuardContext) -> bool:
    """建立民情日志制度: the report records the problem."""
    return _text(ctx.data.get("description"))


@guard(
    "grid_case.reporter_matches",
    "the reporter kind must match who reports: a grid worker (第一人) or a resident",
    source="seed 003 L45; seed 002 L61",
)
def reporter_matches(ctx: GuardContext) -> bool | str:
    """A resident's report is a resident's; a grid worker's a grid worker's (the facts count them apart)."""
    kind = ctx.data.get("reporter_kind", "grid_worker")
    if kind in ctx.actor.roles:
        return True
    return f"{ctx.actor.id!r} reports as {kind!r} without that role"


@guard("grid_case.fresh_record", "the case's handling fields are kept by the workflow and cannot be given at start")
def fresh_record(ctx: GuardContext) -> bool | str:
    """Integrity: a new report has no level history, dispatch, handling or answer yet."""
    defaults = GridCase(description="x")
    given = sorted(f for f in DERIVED if getattr(ctx.model, f) != getattr(defaults, f))
    return not given or "kept by the workflow, cannot be given at start: " + ", ".join(given)


@guard(
    "grid_case.category_routed",
    "the category must be one the routing table lists",
    source="seed 002 L85 分层分类",
    on_payload=True,
)
def category_routed(ctx: GuardContext) -> bool | str:
    """分类: the dispatcher classifies the case into a category of `ROUTES`."""
    category = ctx.payload.get("category", "")
    return ROUTES.has(category) or f"no route for category {category!r} (known: {', '.join(ROUTES.categories)})"


@guard("grid_case.limit_positive", "a limit is a whole number of working days ≥ 1", on_payload=True)
def limit_positive(ctx: GuardContext) -> bool:
    """限期: a limit, when given, is at least one working day."""
    n = ctx.payload.get("limit_days")
    return n is None or (isinstance(n, int) and not isinstance(n, bool) and n >= 1)


@guard(
    "grid_case.not_bounced",
    "the case cannot go back to a department that sent it back (转办): reclassify it",
    on_payload=True,
)
def not_bounced(ctx: GuardContext) -> bool | str:
    """`NO_BOUNCE_BACK`."""
    category = ctx.payload.get("category", "")
    if not NO_BOUNCE_BACK or not ROUTES.has(category):
        return True
    unit = ROUTES.route(category).unit
    return unit not in ctx.data.get("returned_by", []) or f"{unit} already sent this case back (转办)"


@guard("grid_case.reason_given", "say why (理由)", on_payload=True)
def reason_given(ctx: GuardContext) -> bool:
    """转办 and 上报 carry their reason onto the record."""
    return _text(ctx.payload.get("reason"))


@guard(
    "grid_case.result_given", "a handling report says what was done (办理结果)", source="seed 002 L87", on_payload=True
)
def result_given(ctx: GuardContext) -> bool:
    """The handling result, which the grid head reports back to the resident."""
    return _text(ctx.payload.get("result"))


@guard("grid_case.opinion_given", "a check states its opinion (复核意见)", source="seed 002 L56", on_payload=True)
def opinion_given(ctx: GuardContext) -> bool:
    """复核检查 writes its opinion."""
    return _text(ctx.payload.get("opinion"))


def _handled(by: str) -> Any:
    @guard(
        f"grid_case.handled_by_{by}", f"the case was handled by {'a department' if by == 'department' else 'a level'}"
    )
    def check(ctx: GuardContext) -> bool:
        return ctx.data.get("handled_by") == by

    return check


def _at_level(field: str, level: str) -> Any:
    @guard(f"grid_case.{field}_{level}", f"the case's {field.replace('_', ' ')} is {LEVEL_LABELS[level]} ({level})")
    def check(ctx: GuardContext) -> bool:
        return ctx.data.get(field) == level

    return check


HANDLED_BY_DEPARTMENT = _handled("department")
HANDLED_AT_LEVEL = _handled("level")


# -- effects --------------------------------------------------------------------------------------


@effect("grid_case.record_escalation", "move the case one level up")
def record_escalation(ctx: EffectContext) -> None:
    """逐级上报: the level above takes the case (seed 002 L73)."""
    level = LADDER.level_of(ctx.dest)
    assert level is not None
    ctx.data.update(
        level=level.name, top_level=level.name, escalations=int(ctx.data.get("escalations", 0)) + 1, escalated=True
    )
    ctx.detail["reason"] = ctx.payload.get("reason", "")


@effect("grid_case.record_dispatch", "route the case by category and set its limit")
def record_dispatch(ctx: EffectContext) -> None:
    """派遣: the department from `ROUTES`, the limit from the payload or the route (seed 002 L85)."""
    route = ROUTES.route(ctx.payload["category"])
    due = due_for(ctx.engine, _today(ctx), route, ctx.payload.get("limit_days"))
    ctx.data.update(
        category=route.category,
        department=route.unit,
        dispatched_from=ctx.data.get("level"),
        dispatches=int(ctx.data.get("dispatches", 0)) + 1,
        limit_days=ctx.payload.get("limit_days"),
        due_date=due.isoformat(),
        due_eve=date.fromordinal(due.toordinal() - 1).isoformat(),
    )
    ctx.detail.update(department=route.unit, due_date=due.isoformat())


@effect("grid_case.record_redirect", "send the case back to its dispatcher (转办)")
def record_redirect(ctx: EffectContext) -> None:
    """转办: the department that returned it is remembered (`NO_BOUNCE_BACK`)."""
    ctx.data.update(
        returned_by=[*ctx.data.get("returned_by", []), ctx.data.get("department")],
        department=None,
        due_date=None,
        due_eve=None,
        redirects=int(ctx.data.get("redirects", 0)) + 1,
        redirected=True,
    )
    ctx.detail["reason"] = ctx.payload.get("reason", "")


def _record_handling(ctx: EffectContext, by: str) -> None:
    today = _today(ctx)
    due = ctx.data.get("due_date")
    late = max(0, (today - date.fromisoformat(due)).days) if by == "department" and due else 0
    ctx.data.update(
        handled_by=by,
        handler=ctx.actor.id,
        result=ctx.payload.get("result", ""),
        handled_on=today.isoformat(),
        days_late=late,
        late=bool(ctx.data.get("late")) or late > 0,
    )


@effect("grid_case.record_solve", "record the level's own solution")
def record_solve(ctx: EffectContext) -> None:
    """就地解决 (seed 003 L43 立即予以处理; seed 002 L83 即时答复、解决)."""
    _record_handling(ctx, "level")


@effect("grid_case.record_handling", "record the department's result and its lateness")
def record_handling(ctx: EffectContext) -> None:
    """办理完毕: the result, and calendar days after the limit (0 if in time)."""
    _record_handling(ctx, "department")


@effect("grid_case.record_rework", "count the failed check; a department gets a fresh limit")
def record_rework(ctx: EffectContext) -> None:
    """`REWORK_LIMIT`: back to the handler; a department's new limit is its route's, from today."""
    ctx.data["reworks"] = int(ctx.data.get("reworks", 0)) + 1
    ctx.detail["opinion"] = ctx.payload.get("opinion", "")
    if ctx.data.get("handled_by") == "department":
        route = ROUTES.route(ctx.data["category"])
        due = due_for(ctx.engine, _today(ctx), route, ctx.data.get("limit_days"))
        ctx.data.update(due_date=due.isoformat(), due_eve=date.fromordinal(due.toordinal() - 1).isoformat())
    ctx.data.update(handled_by=None, handler=None, result="")


@effect("grid_case.record_feedback", "record the resident's answer and close")
def record_feedback(ctx: EffectContext) -> None:
    """反馈 and 收集居民反馈意见 (seed 003 L43, seed 002 L87)."""
    ctx.data.update(satisfaction=ctx.payload["satisfaction"], closed_on=_today(ctx).isoformat())


# -- the definition -------------------------------------------------------------------------------

HANDLE = Deadline(
    "handle",
    Days(1),
    anchor=FromField("due_eve"),
    remind=(REMIND_BEFORE,),
    label="限期办理",
    source="seed 002 L85",
)
"""The department's limit: it falls due at 24:00 on `due_date` (one day after `due_eve`)."""

_GRID = Scoped("grid_head")
_FOUR_EYES = NotActorOf(events=("solve", "handle"))  # type: ignore[arg-type]  # attrs converter=tuple
_VERIFIER: set[str | Requirement] = {"verifier"}
_DEPARTMENT = OwnUnitOnly(field="department")
_LEVEL_STATES = dict(zip(LEVELS, LADDER.state_names, strict=True))


def _level_transitions() -> list[Transition]:
    found: list[Transition] = []
    for level in LADDER.levels:
        state = LADDER.state_name(level)
        found.append(
            Transition(
                "solve",
                source=state,
                dest="verifying",
                roles={level.role},
                payload_schema=Handling,
                guards=[result_given],
                effects=[record_solve],
                label=f"{level.label}就地解决",
            )
        )
        if level.name in DISPATCH_FROM:
            found.append(
                Transition(
                    "dispatch",
                    source=state,
                    dest="dispatched",
                    roles={level.role},
                    payload_schema=Dispatch,
                    guards=[category_routed, limit_positive, not_bounced],
                    effects=[record_dispatch],
                    label=f"{level.label}分类派遣",
                )
            )
            found.append(
                Transition(
                    "redirect",
                    source="dispatched",
                    dest=state,
                    roles={"department"},
                    separation=[_DEPARTMENT],
                    payload_schema=Redirect,
                    guards=[reason_given, _at_level("dispatched_from", level.name)],
                    effects=[record_redirect],
                    label=f"转办(退回{level.label})",
                )
            )
        found.append(
            Transition(
                "rework",
                source="verifying",
                dest=state,
                roles=_VERIFIER,
                separation=[_FOUR_EYES],
                payload_schema=Check,
                guards=[opinion_given, HANDLED_AT_LEVEL, _at_level("level", level.name)],
                effects=[record_rework],
                label=f"复核不通过(退回{level.label})",
            )
        )
    return found


OPEN_STATES = ("reported", *LADDER.state_names, "dispatched", "verifying", "feedback")
"""Every state but `closed`."""

GRID_CASE = Workflow(
    name=WORKFLOW_NAME,
    version=1,
    title="网格民情案件",
    description="发现上报 → 受理 → (就地解决 | 逐级上报 | 分类派遣 → 办理 | 转办) → 复核检查 → 反馈 → 办结.",
    schema=GridCase,
    index=("level", "top_level", "category", "department", "satisfaction", "redirected", "escalated", "late"),
    start_roles={"grid_worker", "resident"},
    start_guards=[described, reporter_matches, fresh_record],
    states=[
        State(
            "reported",
            "已上报",
            initial=True,
            deadlines=[Deadline("accept", ACCEPT_WITHIN, label="当日受理", source="seed 003 L43 当日清")],
        ),
        *LADDER.states(label="{label}办理中"),
        State("dispatched", "已派遣(限期办理)", deadlines=[HANDLE]),
        State(
            "verifying",
            "待复核",
            deadlines=[Deadline("verify", VERIFY_WITHIN, label="复核检查", source="seed 002 L56")],
        ),
        State(
            "feedback",
            "待反馈",
            deadlines=[Deadline("feedback", FEEDBACK_WITHIN, label="及时反馈", source="seed 002 L87")],
        ),
        State("closed", "已办结(归档)", final=True),
    ],
    transitions=[
        Transition(
            "accept",
            source="reported",
            dest=_LEVEL_STATES["grid"],
            roles={_GRID},
            payload_schema=NoPayload,
            label="网格受理",
        ),
        *LADDER.transitions(guards=[reason_given], effects=[record_escalation], payload_schema=Escalation),
        *_level_transitions(),
        Transition(
            "handle",
            source="dispatched",
            dest="verifying",
            roles={"department"},
            separation=[_DEPARTMENT],
            payload_schema=Handling,
            guards=[result_given],
            effects=[record_handling],
            label="办理完毕",
        ),
        Transition(
            "verify",
            source="verifying",
            dest="feedback",
            roles=_VERIFIER,
            separation=[_FOUR_EYES],
            payload_schema=Check,
            guards=[opinion_given],
            label="复核通过",
        ),
        Transition(
            "rework",
            source="verifying",
            dest="dispatched",
            roles=_VERIFIER,
            separation=[_FOUR_EYES],
            payload_schema=Check,
            guards=[opinion_given, HANDLED_BY_DEPARTMENT],
            effects=[record_rework],
            label="复核不通过(退回部门)",
        ),
        Transition(
            "give_feedback",
            source="feedback",
            dest="closed",
            roles={_GRID},
            payload_schema=Feedback,
            effects=[record_feedback],
            label="反馈居民并办结",
        ),
    ],
)
"""The 网格民情案件 workflow."""


# -- the recurring duties of a grid ----------------------------------------------------------------


@attrs.frozen
class Duty:
    """One grid's duties: the grid (its head holds the team meeting) and who holds them."""

    grid: str
    supervisor: str = ""
    head: str = ""


@attrs.frozen
class DutyRecord:
    """A patrol or meeting held: when and what came of it."""

    summary: str
    cases_found: int = 0


@guard("grid_duty.summary_given", "say what the patrol or meeting did", on_payload=True)
def summary_given(ctx: GuardContext) -> bool:
    """A duty is recorded with what it did (民情日志 / 会议记录)."""
    return _text(ctx.payload.get("summary"))


PATROL = Recurring(
    "supervisor_patrol", "week", None, satisfied_by="record_patrol", label="督导员每周巡查", source="seed 003 L41"
)
"""网格督导员…每周不少于1次参与网格巡查 (seed 003 L41): by each Sunday."""

TEAM_MEETING = Recurring(
    "team_meeting", "week", None, satisfied_by="hold_team_meeting", label="网格团队周例会", source="seed 002 L62"
)
"""网格服务团队每周召开1次工作例会 (seed 002 L62)."""

ANALYSIS_MEETING = Recurring(
    "analysis_meeting",
    "month",
    None,
    satisfied_by="hold_analysis_meeting",
    label="月度分析研判例会",
    source="seed 002 L72",
)
"""街道和社区两级…一般每月召开1次工作例会 (seed 002 L72): by each month's last day."""

GRID_DUTY = Workflow(
    name=DUTY_WORKFLOW_NAME,
    version=1,
    title="网格履职",
    description="A grid's recurring duties: the supervisor's weekly patrol, the team's weekly meeting, the monthly analysis meeting.",
    schema=Duty,
    start_roles={"community"},
    states=[
        State("on_duty", "履职中", initial=True, deadlines=[PATROL, TEAM_MEETING, ANALYSIS_MEETING]),
        State("ended", "已撤销网格", final=True),
    ],
    transitions=[
        Transition(
            "record_patrol",
            source="on_duty",
            dest="on_duty",
            roles={"supervisor"},
            payload_schema=DutyRecord,
            guards=[summary_given],
            label="登记督导巡查",
        ),
        Transition(
            "hold_team_meeting",
            source="on_duty",
            dest="on_duty",
            roles={"grid_head"},
            separation=[OwnUnitOnly(field="grid")],
            payload_schema=DutyRecord,
            guards=[summary_given],
            label="召开团队周例会",
        ),
        Transition(
            "hold_analysis_meeting",
            source="on_duty",
            dest="on_duty",
            roles={"community"},
            payload_schema=DutyRecord,
            guards=[summary_given],
            label="召开分析研判例会",
        ),
        Transition(
            "end", source="on_duty", dest="ended", roles={"community"}, payload_schema=NoPayload, label="撤销网格"
        ),
    ],
)
"""网格履职: one instance per grid (its unit), holding the grid's recurring duties."""

WORKFLOWS = [GRID_CASE, GRID_DUTY]


# -- sweeping --------------------------------------------------------------------------------------


def sweep(engine: Engine, *, max_rounds: int = 100) -> list[TickOutcome]:
    """`Engine.tick` until nothing more is due at the clock's now (after the clock jumps)."""
    done: list[TickOutcome] = []
    for _ in range(max_rounds):
        outcomes = engine.tick()
        if not outcomes:
            break
        done.extend(outcomes)
    return done


# -- facts for the assessment ------------------------------------------------------------------------


def month_window(year: int, month: int) -> tuple[datetime, datetime]:
    """[first of the month, first of the next) in Beijing time."""
    nxt = (year + month // 12, month % 12 + 1)
    return datetime(year, month, 1, tzinfo=TZ), datetime(nxt[0], nxt[1], 1, tzinfo=TZ)


def quarter_window(year: int, quarter: int) -> tuple[datetime, datetime]:
    """[first day of the quarter, first day of the next) in Beijing time."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter}")
    start, _ = month_window(year, 3 * quarter - 2)
    _, end = month_window(year, 3 * quarter)
    return start, end


@attrs.frozen
class TeamFacts:
    """What one grid team's cases of a period show (reported in the period), as of the clock."""

    grid: str
    cases: int
    closed: int
    open: int
    by_reporter: dict[str, int]
    solved_in_grid: int
    """Closed cases solved at the grid level, never escalated."""
    escalated: int
    redirected: int
    handled_late: int
    """Cases a department handled after its limit."""
    overdue_now: int
    """Open cases with a passed limit (any of the case's deadlines marked overdue)."""
    answers: dict[str, int]
    """Satisfaction answers by kind (`SATISFACTION`)."""
    satisfaction_rate: float | None
    """Satisfied answers (`SATISFIED_ANSWERS`) over answers that reached the resident; None without any."""
    on_time_rate: float | None
    """Closed cases handled in time over closed cases; None without any."""


def team_facts(engine: Engine, grid: str, start: datetime, end: datetime) -> TeamFacts:
    """The facts of grid `grid`'s cases reported in [start, end)."""
    cases = engine.find(WORKFLOW_NAME, unit=grid, created_from=start, created_to=end)
    closed = [c for c in cases if c.state == "closed"]
    answers: dict[str, int] = {a: sum(1 for c in closed if c.data.get("satisfaction") == a) for a in SATISFACTION}
    reached = sum(n for a, n in answers.items() if a != "unreachable")
    satisfied = sum(answers[a] for a in SATISFIED_ANSWERS)
    on_time = sum(1 for c in closed if not c.data.get("late"))
    return TeamFacts(
        grid=grid,
        cases=len(cases),
        closed=len(closed),
        open=len(cases) - len(closed),
        by_reporter={k: sum(1 for c in cases if c.data.get("reporter_kind") == k) for k in ("grid_worker", "resident")},
        solved_in_grid=sum(1 for c in closed if c.data.get("top_level") == "grid" and not c.data.get("dispatches")),
        escalated=sum(1 for c in cases if c.data.get("escalated")),
        redirected=sum(1 for c in cases if c.data.get("redirected")),
        handled_late=sum(1 for c in cases if c.data.get("late")),
        overdue_now=sum(1 for c in cases if c.state != "closed" and c.marks.get("overdue")),
        answers={a: n for a, n in answers.items() if n},
        satisfaction_rate=satisfied / reached if reached else None,
        on_time_rate=on_time / len(closed) if closed else None,
    )


@attrs.frozen
class MonthlySample:
    """The month's drawn grids (随机抽取) and their facts: what the 考核小组 assesses."""

    year: int
    month: int
    grids: tuple[str, ...]
    facts: dict[str, TeamFacts]


def sample_size(total: int) -> int:
    """`SAMPLE_SHARE` of `total` grids, rounded up: 11 of 33 (seed 002 L32)."""
    part, whole = SAMPLE_SHARE
    return min(total, math.ceil(total * part / whole))


def monthly_sample(
    engine: Engine, grids: Sequence[str], year: int, month: int, *, seed: int | None = None
) -> MonthlySample:
    """Draw a third of `grids` at random (seed 002 L32: 从33个网格中随机抽取11个) and read their facts.

    `seed` makes the draw reproducible (the draw itself is the 考核小组's; record the seed)."""
    rng = random.Random(seed if seed is not None else f"{year}-{month:02d}")
    drawn = tuple(sorted(rng.sample(sorted(grids), sample_size(len(grids)))))
    start, end = month_window(year, month)
    return MonthlySample(year, month, drawn, {g: team_facts(engine, g, start, end) for g in drawn})


@attrs.frozen
class RankedTeam:
    """One line of the quarterly ranking (排出名次)."""

    rank: int
    facts: TeamFacts


def _rank_key(f: TeamFacts) -> tuple[float, float, int, str]:
    return (-(f.satisfaction_rate or 0.0), -(f.on_time_rate or 0.0), f.overdue_now + f.handled_late, f.grid)


def quarterly_facts(engine: Engine, grids: Iterable[str], year: int, quarter: int) -> list[RankedTeam]:
    """Every grid's facts for the quarter, ordered by `RANKING_ORDER` (seed 002 L32 季度…排出名次).

    The order is a placeholder: the documents publish a ranking but give no points; a scoring
    scheme reading these facts replaces it."""
    start, end = quarter_window(year, quarter)
    facts = sorted((team_facts(engine, g, start, end) for g in grids), key=_rank_key)
    return [RankedTeam(rank=i + 1, facts=f) for i, f in enumerate(facts)]


# -- actors ---------------------------------------------------------------------------------------


def grid_unit(street: str, community: str, grid: str) -> str:
    """The dotted unit of a grid: ``district.<street>.<community>.<grid>`` (levels via the dots)."""
    return f"district.{street}.{community}.{grid}"


def department(unit: str, person: str | None = None) -> Actor:
    """An officer of a department (职能部门) who handles or 转办 its cases."""
    return Actor(person or f"{unit}.officer", roles={"department"}, unit=unit)
