# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagrams, whose edge lines are long
"""安全生产大检查大整治 — the year-end safety-production special action, its units, and the
enterprises ordered to stop production.

Three workflows (register them with the 整改闭环 they spawn: ``rectification.WORKFLOWS +
safety_campaign.WORKFLOWS``):

- `CAMPAIGN` (``safety_campaign``, 安全生产专项行动): the county's December campaign in dated
  phases — 活动部署, 集中检查, 县领导带队检查, 督促督查, 总结验收 — each a state with its planned
  `Window`; issuing the deployment document (``deploy``, once, within 活动部署) spawns one
  `UNIT_INSPECTION` per county unit listed in its data, and the campaign concludes when every
  unit's inspection is settled.
- `UNIT_INSPECTION` (``unit_inspection``, 单位检查验收): one township's or county department's
  share. The unit inspects its area; inspectors order enterprises to stop production (each a
  `PRODUCTION_ORDER`); a county leader leads an inspection; the unit reports its summary; the
  acceptance team accepts it, or fails it — then every finding becomes a 限期整改 item of the
  existing ``rectification`` workflow and the unit's deduction for the annual assessment is on
  the record. The outcome is reported to the campaign (`Spawn(report=...)`).
- `PRODUCTION_ORDER` (``production_order``, 停产整顿): one enterprise ordered to stop
  production. It resumes only after passing acceptance; one found producing before that, or
  still not up to standard, is closed down (关闭取缔). The outcome is reported to the unit.

Rules and their sources (seed 004 = ``seeds/004_5235ae230ec6f4e0.txt``; digest
``assessment-schemes_seeds-000-004.md`` §B8.2, §B8.5, §D4; the states, transitions and guards
cite the same lines):

- 活动部署: 「12月10日前,县政府下发文件进行部署安排,各乡镇、县直各部门单位…制订…工作方案」:
  seed 004 L1081 — the ``deploying`` window, and deploying needs the document's number;
- 集中检查: 「12月10日-15月(sic: 15日),各乡镇、各部门对各自辖区、行业、单位和企业集中开展…大检查大整治」:
  seed 004 L1083 — the ``inspecting`` window; the units' own inspection;
- 「12月16日-18日,…由县政府全体副县长带队进行安全生产大检查(检查安排表附后)」: seed 004 L1083 —
  the ``leaders_inspecting`` window; a leader records a led inspection of a unit only then;
- 督促督查: 「12月19-20日,…进行专项督查,督查情况向县政府主要领导汇报并通报全县」: seed 004
  L1085 — the ``supervising`` window; leaving it needs the supervision report and the bulletin;
- 总结验收: 「12月20日-30日。各乡镇、县直各单位…进行认真总结…县安委办将统一组织进行全面验收」:
  seed 004 L1087 — the ``accepting`` window; units report their summary and are accepted or
  failed only then;
- 「对验收不合格、达不到要求、存在重大隐患或突出问题的除进行限期整改外,在年度考核中相应扣分」:
  seed 004 L1087 — failing names its grounds, spawns a 限期整改 item per finding and records a
  deduction (hard: at least one finding, a deduction above zero);
- 「依法责令停产整顿」 for units producing illegally; 「对非法生产经营建设和经停产整顿仍未达到要求的,
  一律依法关闭取缔」: seed 004 L951 — a `PRODUCTION_ORDER`, and its closure;
- 「因存在重大隐患被责令停产整顿未经验收擅自组织生产经营建设的」 is an illegal act (第3类): seed 004
  L863 — resuming before acceptance is 非法生产, so 一律依法关闭取缔 (L951);
  「该关闭的一律关闭,该停产的一律停产」: seed 004 L1093;
- 「县安委会…将…纳入年度安全生产目标考核」 (acceptance feeds the annual assessment): seed 004
  L943, L1087 — the deductions query.

None of these passages says 原则上: every rule is hard, or a window whose lateness is recorded.
The document gives no dated share targets for this campaign, so it has no milestones.

**Choices where the text is silent** (each a named constant below):

- `DATES_FROM_DATA`: the phases' dates are fields of the campaign's data, one campaign per year;
  `campaign_data(year, units)` fills them from `SCHEDULE`, the document's month/day dates.
  A county may move them; the start rule `schedule_in_order` keeps them in order.
- `DEPLOY_BEFORE_EXCLUSIVE`: 「12月10日前」 is read as before 10 December, so the deployment
  window ends on 9 December and 集中检查 starts on the 10th without overlap.
- `SHARED_LAST_DAY`: the document's own supervision (12/19–20) and acceptance (12/20–30) share
  20 December. Both windows keep the document's dates; acceptance may start on the day
  supervision ends (the office moves on once the 督查 is reported), never earlier. So the
  workflow does not set ``sequential_phases`` (it would refuse the document's dates as fixed
  windows; with dates read from data it would check nothing) and the start rule checks the order.
- `SETTLED`, `JOIN_SHARE`: the campaign concludes when all its units' inspections are settled —
  accepted, failed, or withdrawn — not a share of them.
- `PHASE_GATED` (the unit's steps that the document dates): a leader's inspection only during
  ``leaders_inspecting``, the summary and the acceptance only during ``accepting``. A unit
  inspection started on its own, outside a campaign, is not gated.
- `DEDUCTION_STATED`: 相应扣分 gives no number; the acceptance team states the points when it
  fails a unit (above zero), by the county's assessment rules.
- `FINDING_LEVEL`: the 限期整改 items a failed acceptance spawns are county-level findings (县安委办
  organises the acceptance), so the rectification ledger charges them at the county rate.
- `ORDERS_OUTLIVE_THE_UNIT`: a 停产整顿 order is a legal order and stands when the unit's
  inspection ends or the campaign is called off (`settle_children=KEEP`); so do 限期整改 items.
- `WITHDRAW_BY_OFFICE`: 县安委办 may withdraw one unit's inspection with a reason (a unit listed in
  error); calling the campaign off withdraws every unit still in flight, as the system.

**Queries** (an auditor's view of one campaign; `Engine.count`, `Engine.find` and
`Engine.children_summary` over that campaign's children, never every instance):
`units_by_outcome`, `unit_outcomes`, `deductions`, `closures`, `rectification_items`,
`summary`.

```mermaid
---
title: safety_campaign v1 (安全生产大检查大整治)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "deploying (活动部署)" as deploying
  Class deploying s_default
  state "inspecting (集中检查)" as inspecting
  Class inspecting s_default
  state "leaders_inspecting (县领导带队检查)" as leaders_inspecting
  Class leaders_inspecting s_default
  state "supervising (督促督查)" as supervising
  Class supervising s_default
  state "accepting (总结验收)" as accepting
  Class accepting s_default
  state "concluded (验收总结完毕)" as concluded
  Class concluded s_final
  state "called_off (已终止)" as called_off
  Class called_off s_final

  deploying --> deploying: deploy (县政府下发文件部署) [safety_office] if safety_campaign.not_deployed, safety_campaign.document_numbered
  deploying --> inspecting: begin_inspection (转入集中检查) [safety_office] if safety_campaign.deployed
  deploying --> called_off: call_off (终止专项行动) [safety_office] if safety_campaign.reason_given
  inspecting --> leaders_inspecting: lead_inspections (转入县领导带队检查) [safety_office]
  inspecting --> called_off: call_off (终止专项行动) [safety_office] if safety_campaign.reason_given
  leaders_inspecting --> supervising: supervise (开展专项督查) [safety_office]
  leaders_inspecting --> called_off: call_off (终止专项行动) [safety_office] if safety_campaign.reason_given
  supervising --> accepting: begin_acceptance (汇报通报督查情况,转入总结验收) [safety_office] if safety_campaign.supervision_reported
  supervising --> called_off: call_off (终止专项行动) [safety_office] if safety_campaign.reason_given
  accepting --> accepting: unit_settled (单位验收结果) [system]
  accepting --> concluded: conclude (全面验收完毕) [safety_office] if join：unit_inspection：accepted|failed|withdrawn：all
  accepting --> called_off: call_off (终止专项行动) [safety_office] if safety_campaign.reason_given
  [*] --> deploying
  concluded --> [*]
  called_off --> [*]
```

```mermaid
---
title: unit_inspection v1 (单位检查验收)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "inspecting (集中检查)" as inspecting
  Class inspecting s_default
  state "summarised (已报总结,待验收)" as summarised
  Class summarised s_default
  state "accepted (验收合格)" as accepted
  Class accepted s_final
  state "failed (验收不合格(限期整改、考核扣分))" as failed
  Class failed s_final
  state "withdrawn (已撤销)" as withdrawn
  Class withdrawn s_final

  inspecting --> inspecting: order_suspension (责令停产整顿) [inspector] if safety_campaign.orders_named | leader_inspect (副县长带队检查) [leader] if safety_campaign.during_leaders_inspecting, safety_campaign.notes_given | order_settled (停产整顿结果) [system]
  inspecting --> summarised: report (报送总结) [unit_clerk] if safety_campaign.during_accepting, safety_campaign.summary_consistent 分离 own-unit-only
  inspecting --> withdrawn: withdraw (撤销) [safety_office, system] if safety_campaign.reason_given
  summarised --> accepted: accept (验收合格) [inspector] if safety_campaign.during_accepting 分离 not-own-unit
  summarised --> failed: fail (验收不合格) [inspector] if safety_campaign.during_accepting, safety_campaign.failure_grounded 分离 not-own-unit
  summarised --> withdrawn: withdraw (撤销) [safety_office, system] if safety_campaign.reason_given
  summarised --> summarised: order_settled (停产整顿结果) [system]
  [*] --> inspecting
  accepted --> [*]
  failed --> [*]
  withdrawn --> [*]
```

```mermaid
---
title: production_order v1 (停产整顿)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "suspended (停产整顿中)" as suspended
  Class suspended s_default
  state "resumed (验收合格,恢复生产)" as resumed
  Class resumed s_final
  state "closed (依法关闭取缔)" as closed
  Class closed s_final

  suspended --> resumed: pass_acceptance (复产验收合格) [inspector]
  suspended --> closed: fail_acceptance (经停产整顿仍未达到要求,关闭取缔) [inspector] | resume_found (未经验收擅自复产,关闭取缔) [inspector] if safety_campaign.evidence_given
  [*] --> suspended
  resumed --> [*]
  closed --> [*]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args

import attrs

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.access import NotOwnUnit, OwnUnitOnly
from govflow.children import KEEP, ChildReport, Spawn, join
from govflow.clock import SHANGHAI
from govflow.effects import EffectContext, effect
from govflow.guards import Guard, GuardContext, guard
from govflow.phases import Window

from .rectification import WORKFLOW_NAME as RECTIFICATION_NAME

CAMPAIGN_NAME = "safety_campaign"
UNIT_NAME = "unit_inspection"
ORDER_NAME = "production_order"

TZ = SHANGHAI
"""The time zone effects date things in."""

ROLES: dict[str, str] = {
    "safety_office": "县安委办 (县安全生产委员会办公室): deploys, moves the phases, withdraws, calls off",
    "unit_clerk": "乡镇/县直部门单位 staff: reports the unit's summary (总结)",
    "leader": "副县长: leads a county inspection (带队检查)",
    "inspector": "检查/验收人员 (执法人员, 验收组): orders 停产整顿, accepts or fails units and enterprises",
}
"""The workflows' roles beside their Chinese names (the engine acts as ``system``)."""

# -- the documents' dates, and the choices where they are silent --------------------------------

PHASES = ("deploying", "inspecting", "leaders_inspecting", "supervising", "accepting")
"""The campaign's dated phases, in order."""

MonthDay = tuple[int, int]

SCHEDULE: dict[str, tuple[MonthDay | None, MonthDay]] = {
    "deploying": (None, (12, 9)),  # 12月10日前 (seed 004 L1081), DEPLOY_BEFORE_EXCLUSIVE
    "inspecting": ((12, 10), (12, 15)),  # 12月10日-15月[日] (seed 004 L1083)
    "leaders_inspecting": ((12, 16), (12, 18)),  # 12月16日-18日 (seed 004 L1083)
    "supervising": ((12, 19), (12, 20)),  # 12月19-20日 (seed 004 L1085)
    "accepting": ((12, 20), (12, 30)),  # 12月20日-30日 (seed 004 L1087)
}
"""Each phase's planned (start, end), inclusive, as the document dates them."""

FIELDS: dict[str, tuple[str | None, str]] = {
    "deploying": (None, "deploy_by"),
    "inspecting": ("inspect_from", "inspect_to"),
    "leaders_inspecting": ("leaders_from", "leaders_to"),
    "supervising": ("supervise_from", "supervise_to"),
    "accepting": ("accept_from", "accept_to"),
}
"""The campaign data fields holding each phase's window."""

DATES_FROM_DATA = True
"""Choice: the phases' dates are campaign data (one campaign per year), filled from `SCHEDULE`."""

DEPLOY_BEFORE_EXCLUSIVE = True
"""Choice: 12月10日前 means by the end of 9 December."""

SHARED_LAST_DAY = ("supervising", "accepting")
"""Choice: acceptance may start on the last day of supervision (the document's 20 December);
every other phase starts after the one before has ended."""

SETTLED = ("accepted", "failed", "withdrawn")
"""Unit inspection states that count as settled for the campaign's conclusion."""

JOIN_SHARE: float | None = None
"""Choice: all units settled (not a share) before the campaign concludes."""

PHASE_GATED: dict[str, str] = {
    "leader_inspect": "leaders_inspecting",
    "report": "accepting",
    "accept": "accepting",
    "fail": "accepting",
}
"""Choice: the unit's steps the document dates, and the campaign phase each needs."""

DEDUCTION_STATED = "by the acceptance team, above zero"
"""Choice: 相应扣分 has no number in the document; the team states the points."""

FINDING_LEVEL = "county"
"""Choice: a failed acceptance's 限期整改 items are county-level findings (rectification's `level`)."""

ORDERS_OUTLIVE_THE_UNIT = KEEP
"""Choice: 停产整顿 orders and 限期整改 items stand when the unit's inspection ends."""

WITHDRAW_BY_OFFICE = True
"""Choice: 县安委办 may withdraw one unit's inspection, with a reason."""

Ground = Literal["unqualified", "below_requirements", "major_hazard", "outstanding_problem"]
"""Grounds for failing acceptance (seed 004 L1087)."""

GROUNDS: tuple[Ground, ...] = get_args(Ground)
GROUND_LABELS: dict[str, str] = {
    "unqualified": "验收不合格",
    "below_requirements": "达不到要求",
    "major_hazard": "存在重大隐患",
    "outstanding_problem": "突出问题",
}

Closure = Literal["", "resumed_without_acceptance", "still_noncompliant"]
"""Why an enterprise was closed down: 擅自复产 (seed 004 L863, L951) or 整顿仍未达到要求 (L951)."""

CLOSURE_LABELS: dict[str, str] = {
    "resumed_without_acceptance": "停产整顿未经验收擅自组织生产",
    "still_noncompliant": "经停产整顿仍未达到要求",
}


# -- data -----------------------------------------------------------------------------------------


@attrs.frozen
class Campaign:
    """The campaign's data. Start data gives the year, the units and the phases' dates (see
    `campaign_data`); the rest is kept by the workflow and may not be given at start."""

    year: int
    units: list[str]
    """The county units (乡镇, 县直部门) taking part: one `UNIT_INSPECTION` each."""
    deploy_by: date
    inspect_from: date
    inspect_to: date
    leaders_from: date
    leaders_to: date
    supervise_from: date
    supervise_to: date
    accept_from: date
    accept_to: date
    title: str = "安全生产大检查大整治"
    document_no: str = ""
    """The county government's deployment document (县政府下发文件)."""
    deployed_on: date | None = None
    supervision_report: str = ""
    bulletin_no: str = ""
    outcomes: dict[str, str] = attrs.field(factory=dict)
    """Unit → its inspection's outcome, as the units report it."""
    deductions: dict[str, float] = attrs.field(factory=dict)
    """Unit → the points deducted for failing acceptance, as reported."""
    closed_enterprises: int = 0
    """Enterprises closed down (关闭取缔) in the units, as the units report them."""
    reason: str = ""
    """Why the campaign was called off."""


CAMPAIGN_KEPT: dict[str, Any] = {
    "document_no": "",
    "deployed_on": None,
    "supervision_report": "",
    "bulletin_no": "",
    "outcomes": {},
    "deductions": {},
    "closed_enterprises": 0,
    "reason": "",
}
"""Campaign fields the workflow keeps itself, at their start values."""


@attrs.frozen
class OrderItem:
    """One enterprise ordered to stop production (责令停产整顿): a `PRODUCTION_ORDER`'s start data."""

    enterprise: str
    order_no: str
    reason: str = ""


@attrs.frozen
class FindingItem:
    """One problem found at acceptance: a 限期整改 item (rectification's start data)."""

    item: str
    major: bool = False
    photo_no: str = ""


@attrs.frozen
class UnitRecord:
    """A unit inspection's data: all kept by the workflow (a unit starts with the defaults)."""

    enterprises: list[str] = attrs.field(factory=list)
    """Every enterprise ordered to stop production in this unit."""
    ordered: list[OrderItem] = attrs.field(factory=list)
    """The batch of orders last issued (what the spawn reads)."""
    leader_visits: list[dict[str, str]] = attrs.field(factory=list)
    summary: str = ""
    checked: int = 0
    hazards_found: int = 0
    hazards_rectified: int = 0
    reported_on: date | None = None
    settled_on: date | None = None
    opinion: str = ""
    grounds: list[Ground] = attrs.field(factory=list)
    findings: list[FindingItem] = attrs.field(factory=list)
    deduction: float = 0.0
    closed_enterprises: int = 0
    resumed_enterprises: int = 0


@attrs.frozen
class ProductionOrder:
    """停产整顿: the enterprise, the order's number and why; the rest is kept by the workflow."""

    enterprise: str
    order_no: str
    reason: str = ""
    settled_on: date | None = None
    closure: Closure = ""
    evidence: str = ""


@attrs.frozen
class Deployment:
    """活动部署: the county government's document."""

    document_no: str


@attrs.frozen
class SupervisionReport:
    """督促督查: what was reported to the county's principal leaders, and the bulletin (通报全县)."""

    summary: str
    bulletin_no: str


@attrs.frozen
class Reason:
    """Why (calling off, withdrawing). Empty only when the system withdraws a unit."""

    reason: str = ""


@attrs.frozen
class Orders:
    """责令停产整顿: one or more enterprises."""

    orders: list[OrderItem]


@attrs.frozen
class LeaderVisit:
    """A county leader's led inspection of the unit (副县长带队检查): what was found."""

    notes: str


@attrs.frozen
class Summary:
    """The unit's summary (总结): what it did, how many places it checked, hazards found and fixed."""

    summary: str
    checked: int
    hazards_found: int
    hazards_rectified: int


@attrs.frozen
class Opinion:
    """An acceptance opinion (验收意见)."""

    opinion: str = ""


@attrs.frozen
class Failure:
    """Failing acceptance: the grounds, the problems to rectify, and the points deducted."""

    grounds: list[Ground]
    findings: list[FindingItem]
    deduction: float
    opinion: str = ""


@attrs.frozen
class Evidence:
    """How an enterprise was found producing before its acceptance."""

    evidence: str


@attrs.frozen
class NoPayload:
    """Events that carry nothing."""


# -- helpers --------------------------------------------------------------------------------------


def schedule(year: int) -> dict[str, tuple[date | None, date]]:
    """Each phase's (start, end) in `year` as the document dates them (`SCHEDULE`)."""
    return {
        phase: (date(year, *start) if start else None, date(year, *end)) for phase, (start, end) in SCHEDULE.items()
    }


def campaign_data(year: int, units: list[str], *, title: str = "安全生产大检查大整治") -> dict[str, Any]:
    """Start data for `year`'s campaign over `units`, the phases dated as the document dates them."""
    data: dict[str, Any] = {"year": year, "units": list(units), "title": title}
    for phase, (start, end) in schedule(year).items():
        start_field, end_field = FIELDS[phase]
        if start_field is not None and start is not None:
            data[start_field] = start.isoformat()
        data[end_field] = end.isoformat()
    return data


def unit_clerk(unit: str, person: str | None = None, name: str = "") -> Actor:
    """A person of `unit` who reports its summary and, as the rectifying unit, its 整改."""
    return Actor(person or f"{unit}.clerk", roles={"unit_clerk", "rectifier"}, unit=unit, name=name)


def _today(ctx: GuardContext | EffectContext) -> date:
    return ctx.now.astimezone(TZ).date()


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _text(value: Any) -> bool:
    return bool(str(value or "").strip())


def _windows(data: Mapping[str, Any]) -> list[tuple[str, date | None, date | None]]:
    return [(phase, _day(data.get(s)) if s else None, _day(data.get(e))) for phase, (s, e) in FIELDS.items()]


# -- campaign rules ---------------------------------------------------------------------------------


@guard("safety_campaign.units_listed", "list the county units taking part, each once", source="seed 004 L1083")
def units_listed(ctx: GuardContext) -> bool | str:
    """各乡镇、各部门…集中开展: one inspection per unit, so each unit is listed once, by its id."""
    units = list(ctx.data.get("units", []))
    if not units:
        return "no units listed"
    blank = [u for u in units if not u.strip()]
    twice = sorted({u for u in units if units.count(u) > 1})
    if blank:
        return "a unit id is empty"
    return not twice or f"units listed twice: {', '.join(twice)}"


@guard(
    "safety_campaign.schedule_in_order",
    "the phases' dates lie in the campaign year, in order; only acceptance may start on supervision's last day",
    source="seed 004 L1081-L1087",
)
def schedule_in_order(ctx: GuardContext) -> bool | str:
    """活动部署 → 集中检查 → 副县长带队 → 督促督查 → 总结验收, as dated (`SHARED_LAST_DAY`)."""
    year = ctx.data.get("year")
    problems = []
    previous: tuple[str, date] | None = None
    for phase, start, end in _windows(ctx.data):
        assert end is not None  # the schema requires every end
        for day in (start, end):
            if day is not None and day.year != year:
                problems.append(f"{phase} ({day}) is not in {year}")
        if start is not None and end < start:
            problems.append(f"{phase} ends ({end}) before it starts ({start})")
        if previous is not None and start is not None:
            before, last = previous
            shared = (before, phase) == SHARED_LAST_DAY and start == last
            if start <= last and not shared:
                problems.append(f"{phase} starts ({start}) before {before} has ended ({last})")
        previous = (phase, end)
    return not problems or "; ".join(problems)


@guard("safety_campaign.fresh_campaign", "the tallies and records are kept by the workflow, not given at start")
def fresh_campaign(ctx: GuardContext) -> bool | str:
    """Integrity: a new campaign has no document, reports, outcomes or deductions yet."""
    given = sorted(f for f, start in CAMPAIGN_KEPT.items() if ctx.data.get(f) != start)
    return not given or f"kept by the workflow, cannot be given at start: {', '.join(given)}"


@guard(
    "safety_campaign.document_numbered",
    "the deployment needs the county document's number",
    source="seed 004 L1081",
    on_payload=True,
)
def document_numbered(ctx: GuardContext) -> bool:
    """县政府下发文件进行部署安排: the document has a number."""
    return _text(ctx.payload.get("document_no"))


@guard("safety_campaign.not_deployed", "the campaign is deployed once", source="seed 004 L1081")
def not_deployed(ctx: GuardContext) -> bool:
    """One deployment document, one set of unit inspections."""
    return not _text(ctx.data.get("document_no"))


@guard("safety_campaign.deployed", "deploy first (县政府下发文件)", source="seed 004 L1081")
def deployed(ctx: GuardContext) -> bool:
    """集中检查 follows the deployment: the units exist and have their orders."""
    return _text(ctx.data.get("document_no"))


@guard(
    "safety_campaign.supervision_reported",
    "the supervision is reported to the county's principal leaders and bulletined (通报全县)",
    source="seed 004 L1085",
    on_payload=True,
)
def supervision_reported(ctx: GuardContext) -> bool | str:
    """督查情况向县政府主要领导汇报并通报全县: a report and a bulletin number."""
    missing = [name for name in ("summary", "bulletin_no") if not _text(ctx.payload.get(name))]
    return not missing or f"missing: {', '.join(missing)}"


@guard("safety_campaign.reason_given", "say why (a reason is on the record)", on_payload=True)
def reason_given(ctx: GuardContext) -> bool:
    """Calling off or withdrawing is a decision with a reason; the system withdrawing units as
    part of a call-off refers to the campaign's."""
    return "system" in ctx.actor.roles or _text(ctx.payload.get("reason"))


# -- unit rules -------------------------------------------------------------------------------------


def _during(phase: str, source: str) -> Guard:
    """A guard: the unit's campaign is in `phase` (`PHASE_GATED`); a unit on its own is not gated."""

    @guard(f"safety_campaign.during_{phase}", f"only during the campaign's {phase} phase", source=source)
    def check(ctx: GuardContext) -> bool | str:
        parent_id = ctx.instance.parent_id if ctx.instance is not None else None
        if parent_id is None:
            return True
        parent = ctx.engine.get(parent_id)
        if parent.workflow != CAMPAIGN_NAME or parent.state == phase:
            return True
        return f"the campaign is in its {parent.state} phase, not {phase}"

    return check


during_leaders = _during("leaders_inspecting", "seed 004 L1083")
during_acceptance = _during("accepting", "seed 004 L1087")


@guard(
    "safety_campaign.orders_named",
    "each order names its enterprise and its number, once",
    source="seed 004 L951",
    on_payload=True,
)
def orders_named(ctx: GuardContext) -> bool | str:
    """依法责令停产整顿: each order is a numbered decision on a named enterprise, not already ordered here."""
    orders = list(ctx.payload.get("orders", []))
    if not orders:
        return "no enterprise ordered"
    names = [str(o.get("enterprise", "")).strip() for o in orders]
    if not all(names) or not all(_text(o.get("order_no")) for o in orders):
        return "an order lacks its enterprise or its number"
    already = sorted(set(names) & set(ctx.data.get("enterprises", [])))
    twice = sorted({n for n in names if names.count(n) > 1})
    if already or twice:
        return f"already ordered to stop production: {', '.join(already + twice)}"
    return True


@guard(
    "safety_campaign.notes_given", "a led inspection records what it found", source="seed 004 L1083", on_payload=True
)
def notes_given(ctx: GuardContext) -> bool:
    """副县长带队进行安全生产大检查: the visit is on the record with what it found."""
    return _text(ctx.payload.get("notes"))


@guard(
    "safety_campaign.summary_consistent",
    "a summary says what was done; 0 ≤ rectified ≤ found",
    source="seed 004 L1087",
    on_payload=True,
)
def summary_consistent(ctx: GuardContext) -> bool | str:
    """进行认真总结: a summary with numbers that make sense."""
    p = ctx.payload
    if not _text(p.get("summary")):
        return "the summary is empty"
    checked, found, fixed = p.get("checked", 0), p.get("hazards_found", 0), p.get("hazards_rectified", 0)
    return (checked >= 0 and 0 <= fixed <= found) or f"checked {checked}, found {found}, rectified {fixed}: impossible"


@guard(
    "safety_campaign.failure_grounded",
    "failing acceptance names its grounds, the problems to rectify (限期整改) and a deduction above zero (相应扣分)",
    source="seed 004 L1087",
    on_payload=True,
)
def failure_grounded(ctx: GuardContext) -> bool | str:
    """对验收不合格、达不到要求、存在重大隐患或突出问题的除进行限期整改外,在年度考核中相应扣分."""
    p = ctx.payload
    problems = []
    if not p.get("grounds"):
        problems.append("no grounds given")
    if not p.get("findings"):
        problems.append("no problem to rectify (限期整改)")
    if not p.get("deduction", 0) > 0:
        problems.append(f"deduction must be above zero, not {p.get('deduction')}")
    if "major_hazard" in p.get("grounds", []) and not any(f.get("major") for f in p.get("findings", [])):
        problems.append("存在重大隐患 is a ground, but no finding is marked major")
    return not problems or "; ".join(problems)


# -- production order rules ---------------------------------------------------------------------------


@guard("safety_campaign.order_complete", "an order names its enterprise and its number", source="seed 004 L951")
def order_complete(ctx: GuardContext) -> bool:
    """依法责令停产整顿: a decision on a named enterprise, with a number."""
    return _text(ctx.data.get("enterprise")) and _text(ctx.data.get("order_no"))


@guard("safety_campaign.fresh_order", "the outcome is kept by the workflow, not given at start")
def fresh_order(ctx: GuardContext) -> bool:
    """Integrity: a new order is not settled yet."""
    return ctx.data.get("settled_on") is None and not ctx.data.get("closure") and not ctx.data.get("evidence")


@guard(
    "safety_campaign.evidence_given",
    "say how the enterprise was found producing",
    source="seed 004 L863",
    on_payload=True,
)
def evidence_given(ctx: GuardContext) -> bool:
    """未经验收擅自组织生产经营建设: closure for it rests on what was found."""
    return _text(ctx.payload.get("evidence"))


# -- effects --------------------------------------------------------------------------------------


@effect("safety_campaign.record_deployment", "record the deployment document and day")
def record_deployment(ctx: EffectContext) -> None:
    """活动部署: the document's number and the day."""
    ctx.data.update(document_no=ctx.payload["document_no"], deployed_on=_today(ctx).isoformat())


@effect("safety_campaign.record_supervision", "record the supervision report and bulletin")
def record_supervision(ctx: EffectContext) -> None:
    """督促督查: what was reported, and the bulletin."""
    ctx.data.update(supervision_report=ctx.payload["summary"], bulletin_no=ctx.payload["bulletin_no"])


@effect("safety_campaign.record_reason", "record why")
def record_reason(ctx: EffectContext) -> None:
    """The reason for calling off (or withdrawing), when one is given."""
    if ctx.payload.get("reason"):
        ctx.data["reason"] = ctx.payload["reason"]


@effect("safety_campaign.tally_unit", "tally a unit's reported outcome, deduction and closures")
def tally_unit(ctx: EffectContext) -> None:
    """A unit's inspection ended: its outcome, its deduction (if it failed), its closures."""
    unit = ctx.payload.get("unit") or ctx.payload["child_id"]
    outputs = ctx.payload.get("outputs", {})
    ctx.data["outcomes"] = {**ctx.data.get("outcomes", {}), unit: ctx.payload["outcome"]}
    points = float(outputs.get("deduction") or 0)
    if points > 0:
        ctx.data["deductions"] = {**ctx.data.get("deductions", {}), unit: points}
    ctx.data["closed_enterprises"] = int(ctx.data.get("closed_enterprises", 0)) + int(
        outputs.get("closed_enterprises") or 0
    )


@effect("safety_campaign.record_orders", "add the enterprises ordered to stop production")
def record_orders(ctx: EffectContext) -> None:
    """责令停产整顿: the batch (which the spawn turns into orders) and the unit's list."""
    batch = [dict(o) for o in ctx.payload["orders"]]
    ctx.data["ordered"] = batch
    ctx.data["enterprises"] = [*ctx.data.get("enterprises", []), *(o["enterprise"] for o in batch)]


@effect("safety_campaign.record_visit", "record a leader's led inspection")
def record_visit(ctx: EffectContext) -> None:
    """副县长带队检查: who, when, what was found."""
    visit = {"leader": ctx.actor.id, "on": _today(ctx).isoformat(), "notes": ctx.payload["notes"]}
    ctx.data["leader_visits"] = [*ctx.data.get("leader_visits", []), visit]


@effect("safety_campaign.record_summary", "record the unit's summary")
def record_summary(ctx: EffectContext) -> None:
    """总结: the unit's account, with its numbers and the day."""
    ctx.data.update({k: ctx.payload[k] for k in ("summary", "checked", "hazards_found", "hazards_rectified")})
    ctx.data["reported_on"] = _today(ctx).isoformat()


@effect("safety_campaign.record_acceptance", "record the acceptance")
def record_acceptance(ctx: EffectContext) -> None:
    """验收合格: the day and the opinion."""
    ctx.data.update(settled_on=_today(ctx).isoformat(), opinion=ctx.payload.get("opinion", ""))


@effect("safety_campaign.record_failure", "record the failed acceptance: grounds, findings, deduction")
def record_failure(ctx: EffectContext) -> None:
    """验收不合格: the grounds, the findings (which the spawn turns into 限期整改 items), the points."""
    ctx.data.update(
        settled_on=_today(ctx).isoformat(),
        opinion=ctx.payload.get("opinion", ""),
        grounds=list(ctx.payload["grounds"]),
        findings=[dict(f) for f in ctx.payload["findings"]],
        deduction=float(ctx.payload["deduction"]),
    )


@effect("safety_campaign.tally_order", "tally an enterprise's outcome")
def tally_order(ctx: EffectContext) -> None:
    """An order ended: the enterprise resumed after acceptance, or was closed down."""
    key = "closed_enterprises" if ctx.payload["outcome"] == "closed" else "resumed_enterprises"
    ctx.data[key] = int(ctx.data.get(key, 0)) + 1


@effect("safety_campaign.record_order_outcome", "record how the order ended")
def record_order_outcome(ctx: EffectContext) -> None:
    """恢复生产 or 关闭取缔, the day, and for a closure why (`CLOSURE_LABELS`)."""
    ctx.data["settled_on"] = _today(ctx).isoformat()
    if ctx.event == "resume_found":
        ctx.data.update(closure="resumed_without_acceptance", evidence=ctx.payload["evidence"])
    elif ctx.event == "fail_acceptance":
        ctx.data["closure"] = "still_noncompliant"


# -- the definitions ----------------------------------------------------------------------------------

_OFFICE = {"safety_office"}


def _window(phase: str, label: str) -> Window:
    start, end = FIELDS[phase]
    return Window(start, end, label=label)


def _report(event: str, source: str, label: str, tally: Any) -> Transition:
    return Transition(
        event,
        source=source,
        dest=source,
        roles={"system"},
        payload_schema=ChildReport,
        effects=[tally],
        label=label,
    )


PRODUCTION_ORDER = Workflow(
    name=ORDER_NAME,
    version=1,
    title="停产整顿",
    description="责令停产整顿 → 验收合格恢复生产 | 擅自复产或仍未达到要求: 一律依法关闭取缔 (seed 004 L863, L951).",
    schema=ProductionOrder,
    start_roles={"inspector"},
    start_guards=[order_complete, fresh_order],
    states=[
        State("suspended", "停产整顿中", initial=True),
        State("resumed", "验收合格,恢复生产", final=True),
        State("closed", "依法关闭取缔", final=True),
    ],
    transitions=[
        Transition(
            "pass_acceptance",
            source="suspended",
            dest="resumed",
            roles={"inspector"},
            payload_schema=Opinion,
            effects=[record_order_outcome],
            label="复产验收合格",
        ),
        Transition(
            "fail_acceptance",
            source="suspended",
            dest="closed",
            roles={"inspector"},
            payload_schema=Opinion,
            effects=[record_order_outcome],
            label="经停产整顿仍未达到要求,关闭取缔",
        ),
        Transition(
            "resume_found",
            source="suspended",
            dest="closed",
            roles={"inspector"},
            payload_schema=Evidence,
            guards=[evidence_given],
            effects=[record_order_outcome],
            label="未经验收擅自复产,关闭取缔",
        ),
    ],
)
"""停产整顿 of one enterprise."""

_UNIT_OPEN = ("inspecting", "summarised")

UNIT_INSPECTION = Workflow(
    name=UNIT_NAME,
    version=1,
    title="单位检查验收",
    description="集中检查 (停产整顿, 副县长带队) → 总结 → 验收合格 | 验收不合格: 限期整改 + 年度考核扣分 (seed 004 L1083-L1087).",
    schema=UnitRecord,
    start_roles=_OFFICE,
    states=[
        State("inspecting", "集中检查", initial=True),
        State("summarised", "已报总结,待验收"),
        State("accepted", "验收合格", final=True),
        State("failed", "验收不合格(限期整改、考核扣分)", final=True),
        State("withdrawn", "已撤销", final=True),
    ],
    transitions=[
        Transition(
            "order_suspension",
            source="inspecting",
            dest="inspecting",
            roles={"inspector"},
            payload_schema=Orders,
            guards=[orders_named],
            effects=[record_orders],
            spawn=[Spawn(ORDER_NAME, per="ordered", report="order_settled", outputs=("closure",), label="停产整顿")],
            label="责令停产整顿",
        ),
        Transition(
            "leader_inspect",
            source="inspecting",
            dest="inspecting",
            roles={"leader"},
            payload_schema=LeaderVisit,
            guards=[during_leaders, notes_given],
            effects=[record_visit],
            label="副县长带队检查",
        ),
        Transition(
            "report",
            source="inspecting",
            dest="summarised",
            roles={"unit_clerk"},
            separation=[OwnUnitOnly()],
            payload_schema=Summary,
            guards=[during_acceptance, summary_consistent],
            effects=[record_summary],
            label="报送总结",
        ),
        Transition(
            "accept",
            source="summarised",
            dest="accepted",
            roles={"inspector"},
            separation=[NotOwnUnit()],
            payload_schema=Opinion,
            guards=[during_acceptance],
            effects=[record_acceptance],
            settle_children=ORDERS_OUTLIVE_THE_UNIT,
            label="验收合格",
        ),
        Transition(
            "fail",
            source="summarised",
            dest="failed",
            roles={"inspector"},
            separation=[NotOwnUnit()],
            payload_schema=Failure,
            guards=[during_acceptance, failure_grounded],
            effects=[record_failure],
            spawn=[Spawn(RECTIFICATION_NAME, per="findings", data={"level": FINDING_LEVEL}, label="限期整改")],
            settle_children=ORDERS_OUTLIVE_THE_UNIT,
            label="验收不合格",
        ),
        Transition(
            "withdraw",
            source=_UNIT_OPEN,
            dest="withdrawn",
            roles={"safety_office", "system"},
            payload_schema=Reason,
            guards=[reason_given],
            settle_children=ORDERS_OUTLIVE_THE_UNIT,
            label="撤销",
        ),
        _report("order_settled", "inspecting", "停产整顿结果", tally_order),
        _report("order_settled", "summarised", "停产整顿结果", tally_order),
    ],
)
"""One unit's share of the campaign (单位检查验收)."""

CAMPAIGN = Workflow(
    name=CAMPAIGN_NAME,
    version=1,
    title="安全生产大检查大整治",
    description="活动部署 → 集中检查 → 副县长带队检查 → 督促督查 → 总结验收 (seed 004 L1081-L1087).",
    schema=Campaign,
    index=("year",),
    start_roles=_OFFICE,
    start_guards=[units_listed, schedule_in_order, fresh_campaign],
    states=[
        State("deploying", "活动部署", initial=True, window=_window("deploying", "12月10日前部署")),
        State("inspecting", "集中检查", window=_window("inspecting", "集中检查 12月10日-15日")),
        State("leaders_inspecting", "县领导带队检查", window=_window("leaders_inspecting", "副县长带队 12月16日-18日")),
        State("supervising", "督促督查", window=_window("supervising", "专项督查 12月19-20日")),
        State("accepting", "总结验收", window=_window("accepting", "全面验收 12月20日-30日")),
        State("concluded", "验收总结完毕", final=True),
        State("called_off", "已终止", final=True),
    ],
    transitions=[
        Transition(
            "deploy",
            source="deploying",
            dest="deploying",
            roles=_OFFICE,
            payload_schema=Deployment,
            guards=[not_deployed, document_numbered],
            effects=[record_deployment],
            spawn=[
                Spawn(
                    UNIT_NAME,
                    per="units",
                    report="unit_settled",
                    outputs=("deduction", "closed_enterprises"),
                    label="单位检查验收",
                )
            ],
            label="县政府下发文件部署",
        ),
        Transition(
            "begin_inspection",
            source="deploying",
            dest="inspecting",
            roles=_OFFICE,
            payload_schema=NoPayload,
            guards=[deployed],
            label="转入集中检查",
        ),
        Transition(
            "lead_inspections",
            source="inspecting",
            dest="leaders_inspecting",
            roles=_OFFICE,
            payload_schema=NoPayload,
            label="转入县领导带队检查",
        ),
        Transition(
            "supervise",
            source="leaders_inspecting",
            dest="supervising",
            roles=_OFFICE,
            payload_schema=NoPayload,
            label="开展专项督查",
        ),
        Transition(
            "begin_acceptance",
            source="supervising",
            dest="accepting",
            roles=_OFFICE,
            payload_schema=SupervisionReport,
            guards=[supervision_reported],
            effects=[record_supervision],
            label="汇报通报督查情况,转入总结验收",
        ),
        _report("unit_settled", "accepting", "单位验收结果", tally_unit),
        Transition(
            "conclude",
            source="accepting",
            dest="concluded",
            roles=_OFFICE,
            payload_schema=NoPayload,
            guards=[join(UNIT_NAME, SETTLED, share=JOIN_SHARE)],
            settle_children=KEEP,  # nothing is in flight once the join holds
            label="全面验收完毕",
        ),
        Transition(
            "call_off",
            source=PHASES,
            dest="called_off",
            roles=_OFFICE,
            payload_schema=Reason,
            guards=[reason_given],
            effects=[record_reason],
            settle_children="withdraw",
            label="终止专项行动",
        ),
    ],
)
"""The December campaign (安全生产大检查大整治)."""

WORKFLOWS = [CAMPAIGN, UNIT_INSPECTION, PRODUCTION_ORDER]
"""This module's workflows. An engine also needs ``rectification.WORKFLOWS`` (failed units spawn
its items): ``Engine(workflows=[*rectification.WORKFLOWS, *safety_campaign.WORKFLOWS])``."""


# -- queries --------------------------------------------------------------------------------------


def units_by_outcome(engine: Engine, campaign_id: str) -> dict[str, int]:
    """How many of the campaign's unit inspections are in each state (one `count` per state)."""
    return {s.name: engine.count(UNIT_NAME, parent_id=campaign_id, state=s.name) for s in UNIT_INSPECTION.states}


def unit_outcomes(engine: Engine, campaign_id: str) -> dict[str, str]:
    """Unit → the state of its inspection (the campaign's own children only)."""
    return {kid.unit or kid.id: kid.state for kid in engine.children(campaign_id) if kid.workflow == UNIT_NAME}


def deductions(engine: Engine, campaign_id: str) -> dict[str, Decimal]:
    """Unit → points deducted in its annual assessment for failing acceptance (seed 004 L1087)."""
    failed = engine.find(UNIT_NAME, parent_id=campaign_id, state="failed")
    return {kid.unit or kid.id: Decimal(str(kid.data.get("deduction", 0))) for kid in failed}


def closures(engine: Engine, campaign_id: str) -> dict[str, int]:
    """Unit → enterprises closed down (关闭取缔) under its 停产整顿 orders; units with none left out."""
    found = {}
    for kid in engine.find(UNIT_NAME, parent_id=campaign_id):
        if kid.data.get("enterprises"):
            closed = engine.count(ORDER_NAME, parent_id=kid.id, state="closed")
            if closed:
                found[kid.unit or kid.id] = closed
    return found


def rectification_items(engine: Engine, campaign_id: str) -> dict[str, dict[str, int]]:
    """Failed unit → its 限期整改 items by state (e.g. ``{"rectifying": 2, "closed": 1}``)."""
    found = {}
    for kid in engine.find(UNIT_NAME, parent_id=campaign_id, state="failed"):
        counts: dict[str, int] = {}
        for item in engine.find(RECTIFICATION_NAME, parent_id=kid.id):  # not its 停产整顿 orders
            counts[item.state] = counts.get(item.state, 0) + 1
        found[kid.unit or kid.id] = dict(sorted(counts.items()))
    return found


@attrs.frozen
class CampaignSummary:
    """What an auditor reads about one campaign."""

    campaign_id: str
    year: int
    phase: str
    units: int
    by_outcome: dict[str, int]
    """Unit inspections per state, states with none left out."""
    deductions: dict[str, Decimal]
    closures: dict[str, int]
    rectification: dict[str, dict[str, int]]
    overdue: list[str]
    """Unit inspections of the campaign with an overdue deadline."""


def summary(engine: Engine, campaign_id: str) -> CampaignSummary:
    """`CampaignSummary` of one campaign, as of now."""
    campaign = engine.get(campaign_id)
    kids = engine.children_summary(campaign_id)
    return CampaignSummary(
        campaign_id=campaign_id,
        year=int(campaign.data["year"]),
        phase=campaign.state,
        units=kids["total"],
        by_outcome={k: v for k, v in units_by_outcome(engine, campaign_id).items() if v},
        deductions=deductions(engine, campaign_id),
        closures=closures(engine, campaign_id),
        rectification=rectification_items(engine, campaign_id),
        overdue=list(kids["overdue"]),
    )


def campaigns(engine: Engine, year: int) -> list[str]:
    """The ids of `year`'s campaigns (indexed ``year``)."""
    return [c.id for c in engine.find(CAMPAIGN_NAME, where={"year": year})]
