# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagrams, whose edge lines are long
"""试点改革 — a pilot reform in phases, pilot units first, then rollout (先试点、后推广).

A district runs a reform as a pilot in four phases (seed 001 篇一, L113–L122), and the level
above rolls it out once it has proved itself (seed 001 L77 待确定后再推广; seed 003 L31):

1. 调查摸底,制定方案 (`planning`): the leading group surveys, drafts the plan and sends it to
   the city for approval — about one month, ending at the city's approval gate;
2. 宣传发动,掌握精神 (`mobilising`): one to two months of publicity while every pilot unit
   (each street, each functional department; 篇三's 各责任单位) writes its own plan — one child
   instance of `unit_plan` (配套方案 / 实施方案) per unit;
3. 组织实施,顺利推进 (`implementing`), a compound phase of three sequential steps: the streets'
   system (about 2 months), the communities' system (2 months), and — only with the city's
   support in place — the 城管/房管 reform (about 4 months). Implementation may be halted
   (停工, `suspended`) from any step and resumes in the step where it stopped (复工, history);
4. 总结提高 / 总结验收 (`reviewing`): the written report to the city; open-ended in 篇一;
5. 推广 (`rolling_out`): the city rolls the reform out, one child `rollout_unit` per unit, open
   ended; the Harbin variant (`grid_rollout`) carries Harbin's three dated targets as milestones.

Rules and their sources (seed file and line; digests ``trial-reforms-and-correction_seed-001.md``
§1.2, §3, §8 and ``grid-overseas-trips-petitions-discipline_seed-003.md`` §1.2):

- four phases, in order: seed 001 L114 (分四个阶段进行) — the states, `sequential_phases`, and
  the start guard that the planned dates follow one another;
- phase 1: 成立领导小组 … 起草 … 实施方案,上报市委、市政府审批。用一个月左右的时间完成: seed 001
  L116 — `planning` (`surveying` → `approving`), the city approves or returns the plan;
- phase 2: 各街道、各职能部门要根据实施方案的精神,制定相关配套改革的具体方案,用一至两个月的时间完成:
  seed 001 L118 — one `unit_plan` child per pilot unit, spawned by the approval; each responsible
  unit writes its own 《实施方案》: seed 001 L254 — the same children with 篇三's dates;
- phase 3, three steps of 两个月 / 两个月 / 四个月左右: seed 001 L120 — the compound state's
  sub-states and their deadlines; step 3 starts 在市里支持下: seed 001 L120, and 在支持到位的情况下,
  全面启动城管、房管体制改革: seed 001 L104 — the guard `city_support`;
- phase 4: 向市委、市政府写出书面报告: seed 001 L122 — `submit_report`, needed before the
  city decides; no duration is given (open-ended window);
- 由区选择相关类型的社区进行试点,待确定后再推广: seed 001 L77 — the rollout is decided after the
  pilot, by the city, and names its units;
- 篇三's exact dates: 8月1日至8月31日 (宣传动员,制定方案), 9月1日至10月20日 (全面实施),
  10月21日至10月31日 (总结验收): seed 001 L253–L256 — `QINGYANG_2012`; its 区委 decided on
  2012-07-25: seed 001 L226 — the approval, which comes before phase 1's planned start;
- Harbin: 2011年8月底 every urban street and county seat pilots in 1–2 communities; 2011年年底
  all urban and county-seat communities covered; 2012年6月底 the county towns' communities
  covered: seed 003 L31 — the `grid_rollout` milestones; the opinion is dated 2011-07-22:
  seed 003 L15.

No cited passage says 原则上: every rule is hard, or is a window whose lateness is recorded.

**Choices where the documents are silent** (each a named constant below):

- `ABOUT_MEANS_STATED_FIGURE`: "一个月左右", "四个月左右" plan the stated figure (1, 4 months).
- `MOBILISE_MONTHS`: "一至两个月" plans the upper bound (2 months) as the window's end; finishing
  after one month is allowed (`EARLY_FINISH_ALLOWED`).
- `MISSED_WINDOW`: the documents give no consequence for a phase running late (digest §1.5,
  §10), so a missed window or step deadline is marked overdue, on the record, and work goes on.
- `SCHEDULE_FIXED`: the planned dates are set when the reform starts and do not move when a
  phase overruns or implementation is halted; lateness is measured against the plan.
- `APPROVAL_GATE`: the city's approval is a state (`planning.approving`) inside phase 1, so the
  phase's window covers drafting and approval together, and a returned plan goes back to
  `planning.surveying` without leaving the phase.
- `UNIT_PLANS_APPROVED_BY`: the text says each unit writes its plan, not who approves it: the
  leading group does (never a member of the unit itself).
- `PLANS_BEFORE_IMPLEMENTATION`: implementation starts only when every pilot unit's plan is
  approved (a `join` on all of them).
- `CITY_SUPPORT_BY`: support is in place when the city records it (`pledge_support`, with its
  document number); without it step 3 cannot start.
- `SUSPEND_ROLES`, `STEP_RESTARTS_ON_RESUME`: the leading group or the city may halt
  implementation; while halted the phase's window and the step's deadline are not running
  (they belong to states the case has left); on resuming, the phase's window is re-armed with
  its planned end date unchanged, and the step's own duration counts afresh from the resumption.
- `ROLLOUT_DECIDED_BY`: the city decides the rollout, after the written report, and names the
  units; pilot units are not rollout units (they count as covered already).
- `ROLLOUT_COMPLETE`: the rollout is complete when every rollout unit is covered.
- `EMPTY_TIER_COVERED`: a tier without rollout units counts as fully covered once the rollout
  is decided (vacuously).
- `MILESTONES_COUNTED`: Harbin's pilot target is counted over the children (every pilot unit's
  plan approved = its pilot has started); the coverage targets are figures (`urban_share`,
  `county_share`) tallied from the rollout units' reports, because they concern a subset of
  the children (a tier), which a milestone cannot count by itself.
- `HARBIN_2011`: Harbin's text gives only the three target dates; the phase dates between them
  are ours. `XIHU_START`: 篇一 has no calendar dates at all; its examples start on a date of ours.
- 篇三's 总结验收 ends on 10-31, but 篇一's phase 4 has no end; one definition serves both, and a
  window's end read from the data must be present, so `reviewing` has an open-ended window
  (its start only) and 篇三's end date is kept in the data (`review_to`) but not timed.
- Milestone dates are fixed in a definition, so Harbin's targets live on a variant definition,
  `grid_rollout`, with the same states and transitions as `pilot_reform`.

**Queries**: `phase_counts` (reforms by phase, one `Engine.count` each), `pilot_progress` (one
reform's plans and rollout by state and unit, from `Engine.count` / `children_summary`), and
`units_behind` (pilot units whose plan is not approved yet, from `Engine.children`).

```mermaid
---
title: pilot_reform v1 (街道、社区管理体制改革试点)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "planning (调查摸底,制定方案)" as planning
  Class planning s_default
  state planning {
    [*] --> planning.surveying
    state "surveying (调查摸底,起草方案)" as planning.surveying
    state "approving (报市委、市政府审批)" as planning.approving
  }
  state "mobilising (宣传发动,掌握精神)" as mobilising
  Class mobilising s_default
  state "implementing (组织实施,顺利推进)" as implementing
  Class implementing s_default
  state implementing {
    [*] --> implementing.streets
    state "streets (第一步：理顺街道管理体制)" as implementing.streets
    state "communities (第二步：完善社区管理体制)" as implementing.communities
    state "city_housing (第三步：城管、房管体制改革)" as implementing.city_housing
  }
  state "suspended (暂停实施(停工))" as suspended
  Class suspended s_default
  state "reviewing (总结提高,逐步完善)" as reviewing
  Class reviewing s_default
  state "rolling_out (推广)" as rolling_out
  Class rolling_out s_default
  state "rolled_out (推广完成)" as rolled_out
  rolled_out --> [*]
  Class rolled_out s_final
  state "closed (试点结束(不推广))" as closed
  closed --> [*]
  Class closed s_final
  state "abandoned (终止试点)" as abandoned
  abandoned --> [*]
  Class abandoned s_final

  planning.surveying --> planning.approving: submit_plan (上报市委、市政府审批) [leading_group] if pilot_reform.numbered
  planning.approving --> planning.surveying: return_plan (退回修改) [city] if pilot_reform.reason_given
  planning.approving --> mobilising: approve_plan (批准实施方案) [city] if pilot_reform.numbered
  mobilising --> mobilising: plan_reported (配套方案结果报告) [system] if pilot_reform.plan_from_pilot_unit | pledge_support (市里支持到位) [city] if pilot_reform.numbered
  mobilising --> implementing: start_implementation (组织实施) [leading_group] if join：unit_plan：approved：all
  mobilising --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  implementing.streets --> implementing.streets: pledge_support (市里支持到位) [city] if pilot_reform.numbered
  implementing.streets --> implementing.communities: streets_done (第一步完成) [leading_group]
  implementing.communities --> implementing.communities: pledge_support (市里支持到位) [city] if pilot_reform.numbered
  implementing.communities --> implementing.city_housing: launch_city_reform (第二步完成,全面启动城管、房管体制改革) [leading_group] if pilot_reform.city_support
  suspended --> suspended: pledge_support (市里支持到位) [city] if pilot_reform.numbered
  suspended --> implementing: resume (复工) [city, leading_group] resumes history
  suspended --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  implementing.city_housing --> reviewing: implementation_done (第三步完成,转入总结) [leading_group]
  implementing --> suspended: suspend (停工) [city, leading_group] if pilot_reform.reason_given
  implementing --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  reviewing --> reviewing: submit_report (向市委、市政府写出书面报告) [leading_group] if pilot_reform.numbered
  reviewing --> rolling_out: launch_rollout (决定推广) [city] if pilot_reform.report_submitted, pilot_reform.numbered, pilot_reform.rollout_units
  reviewing --> closed: close (试点结束,不予推广) [city] if pilot_reform.report_submitted, pilot_reform.reason_given
  reviewing --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  rolling_out --> rolling_out: coverage_reported (推广单位结果报告) [system] if pilot_reform.coverage_from_rollout_unit
  rolling_out --> rolled_out: complete_rollout (推广完成) [city] if join：rollout_unit：covered：all
  rolling_out --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  planning --> abandoned: abandon (终止试点) [city] if pilot_reform.reason_given
  [*] --> planning
  note right of implementing.streets : streets (第一步：理顺街道管理体制： 用2个月左右完成)： 2 months (个月), from entering the state； mark overdue (逾期)
  note right of implementing.communities : communities (第二步：完善社区管理体制： 用2个月左右完成)： 2 months (个月), from entering the state； mark overdue (逾期)
  note right of implementing.city_housing : city_housing (第三步：城管、房管体制改革： 用4个月左右完成)： 4 months (个月), from entering the state； mark overdue (逾期)
```

```mermaid
---
title: unit_plan v1 (配套方案)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "drafting (制定配套方案)" as drafting
  Class drafting s_default
  state "submitted (已报送待审)" as submitted
  Class submitted s_default
  state "approved (已批准)" as approved
  Class approved s_final
  state "cancelled (已撤销)" as cancelled
  Class cancelled s_final

  drafting --> submitted: submit (报送配套方案) [unit] if unit_plan.numbered 分离 own-unit-only
  drafting --> cancelled: cancel (随试点终止撤销) [system]
  submitted --> drafting: return_plan (退回修改) [leading_group] if pilot_reform.reason_given 分离 not-own-unit
  submitted --> approved: approve (批准配套方案) [leading_group] 分离 not-own-unit
  submitted --> cancelled: cancel (随试点终止撤销) [system]
  [*] --> drafting
  approved --> [*]
  cancelled --> [*]
  note right of drafting : due (配套方案报送期限)： on the anchor date； met by submit, from data field 'due'； mark overdue (逾期)
```

```mermaid
---
title: rollout_unit v1 (推广单位)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "pending (待推行)" as pending
  Class pending s_default
  state "working (推行中)" as working
  Class working s_default
  state "covered (实现覆盖)" as covered
  Class covered s_final
  state "cancelled (已撤销)" as cancelled
  Class cancelled s_final

  pending --> working: launch (启动推行) [unit] 分离 own-unit-only
  pending --> cancelled: cancel (随试点终止撤销) [system]
  working --> covered: confirm (验收：实现覆盖) [leading_group] 分离 not-own-unit
  working --> cancelled: cancel (随试点终止撤销) [system]
  [*] --> pending
  covered --> [*]
  cancelled --> [*]
```
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal, get_args

import attrs

from govflow import Actor, Deadline, Engine, FromField, Months, State, Transition, Workflow
from govflow.access import NotOwnUnit, OwnUnitOnly
from govflow.children import ChildReport, Spawn, join
from govflow.clock import SHANGHAI
from govflow.deadlines import OnDate
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard
from govflow.phases import Milestone, Window

REFORM = "pilot_reform"
"""The generic pilot reform's workflow name."""

GRID_ROLLOUT = "grid_rollout"
"""The Harbin variant's workflow name (社区网格化管理服务, 哈办发〔2011〕14号)."""

UNIT_PLAN = "unit_plan"
"""Each pilot unit's own plan (配套方案 / 实施方案)."""

ROLLOUT_UNIT = "rollout_unit"
"""Each rollout unit's share of the rollout (推广)."""

TZ = SHANGHAI
"""The time zone effects date things in."""

Kind = Literal["street", "department", "community", "town"]
"""What a pilot unit is: 街道 / 职能部门 / 社区 / 乡镇."""

KIND_LABELS: dict[str, str] = {"street": "街道", "department": "职能部门", "community": "社区", "town": "乡镇"}

Tier = Literal["urban", "county_town"]
"""Harbin's two rollout targets: 城区 (and 县(市)城关镇) communities, and 县(市)城镇 communities."""

TIERS: tuple[Tier, ...] = get_args(Tier)
TIER_LABELS: dict[str, str] = {"urban": "城区及城关镇社区", "county_town": "县(市)城镇社区"}

ROLES: dict[str, str] = {
    "leading_group": "改革试点工作领导小组 (区委、区政府)",
    "city": "市委、市政府 (篇三: 区委常委会)",
    "unit": "试点单位 / 推广单位 (街道、职能部门、社区)",
}
"""The workflows' roles beside their Chinese names (reports from children arrive as ``system``)."""

# -- the documents' numbers, and the choices where they are silent ------------------------------

PLAN_MONTHS = 1
"""调查摸底,制定方案: 用一个月左右的时间完成 (seed 001 L116)."""

MOBILISE_MONTHS = 2
"""宣传发动: 用一至两个月的时间完成 (seed 001 L118) — choice: the upper bound ends the window."""

MOBILISE_MIN_MONTHS = 1
"""…and the lower bound, which is not enforced (`EARLY_FINISH_ALLOWED`)."""

EARLY_FINISH_ALLOWED = True
"""Choice: a phase may finish before its planned end; nothing holds it to a minimum."""

STEP_MONTHS: dict[str, int] = {"streets": 2, "communities": 2, "city_housing": 4}
"""组织实施's three steps: 两个月, 两个月, 四个月左右 (seed 001 L120)."""

IMPLEMENT_MONTHS = sum(STEP_MONTHS.values())
"""The implementation phase's planned length: the steps' sum, 8 months."""

ABOUT_MEANS_STATED_FIGURE = True
"""Choice: "左右" (about) plans the stated figure — one month, four months."""

MISSED_WINDOW = "marked overdue on the record; the phase goes on"
"""Choice: what a missed window or step deadline does (the documents give no consequence)."""

SCHEDULE_FIXED = True
"""Choice: planned dates do not move when a phase overruns or implementation is halted."""

APPROVAL_GATE = "state planning.approving"
"""Choice: the city's approval of the plan is a sub-state of phase 1 (seed 001 L116)."""

UNIT_PLANS_APPROVED_BY = "leading_group"
"""Choice: who approves a unit's 配套方案 (the text says only that each unit writes one)."""

PLANS_BEFORE_IMPLEMENTATION = "all approved"
"""Choice: implementation waits for every pilot unit's plan (a join on all children)."""

CITY_SUPPORT_BY = "city"
"""Choice: support (在市里支持下, seed 001 L120) is in place when the city records it."""

SUSPEND_ROLES = frozenset({"leading_group", "city"})
"""Choice: who may halt (停工) and resume (复工) implementation."""

STEP_RESTARTS_ON_RESUME = True
"""Choice (and the engine's semantics): a resumed step's own duration counts from resumption;
the phase's planned end date does not move."""

ROLLOUT_DECIDED_BY = "city"
"""Choice: the level above decides the rollout after the written report (seed 001 L77, L122)."""

ROLLOUT_COMPLETE = "every rollout unit covered"
"""Choice: when the rollout is complete."""

EMPTY_TIER_COVERED = True
"""Choice: a tier with no rollout units counts as covered (share 1.0) once the rollout is decided."""

MILESTONES_COUNTED = "pilots over children; coverage from reported figures"
"""Choice: how Harbin's targets are measured (see the module docstring)."""

XIHU_START = date(2005, 3, 1)
"""Choice: 篇一 has no calendar dates (its base year is 2004, seed 001 L89); its examples start here."""

# -- data -----------------------------------------------------------------------------------------


@attrs.frozen
class PilotUnit:
    """A unit that writes its own plan in phase 2 (each street, each functional department)."""

    unit: str
    kind: Kind = "street"
    name: str = ""
    due: date | None = None
    """When its plan is due; the approval fills in the end of phase 2 where it is not given."""


@attrs.frozen
class RolloutUnit:
    """A unit the reform is rolled out to, with Harbin's tier."""

    unit: str
    tier: Tier = "urban"
    name: str = ""


@attrs.frozen
class Suspension:
    """One halt (停工): when, in which step, why, and when work resumed (复工)."""

    on: date
    step: str
    reason: str
    resumed_on: date | None = None


@attrs.frozen
class Reform:
    """A pilot reform's record. Start data gives the title, the pilot units and the planned
    dates (`Schedule.as_data`); the rest is kept by the workflow and may not be given at start."""

    title: str
    pilot_units: list[PilotUnit]
    plan_to: date
    mobilise_to: date
    implement_to: date
    plan_from: date | None = None
    mobilise_from: date | None = None
    implement_from: date | None = None
    review_from: date | None = None
    review_to: date | None = None
    """Kept, not timed: `reviewing`'s window is open-ended (篇一 gives phase 4 no end)."""
    rollout_from: date | None = None
    plan_no: str = ""
    approved_on: date | None = None
    decision_no: str = ""
    plans: dict[str, str] = attrs.field(factory=dict)
    """Approved unit plans: unit → plan number (from the children's reports)."""
    city_support: bool = False
    support_doc: str = ""
    suspensions: list[Suspension] = attrs.field(factory=list)
    report_no: str = ""
    rollout_no: str = ""
    rollout_units: list[RolloutUnit] = attrs.field(factory=list)
    covered: dict[str, str] = attrs.field(factory=dict)
    """Rollout units covered: unit → the day it was confirmed (from the children's reports)."""
    urban_share: float = 0.0
    county_share: float = 0.0
    ended_reason: str = ""


DERIVED = (
    "plan_no",
    "approved_on",
    "decision_no",
    "plans",
    "city_support",
    "support_doc",
    "suspensions",
    "report_no",
    "rollout_no",
    "rollout_units",
    "covered",
    "urban_share",
    "county_share",
    "ended_reason",
)
"""Fields the workflow keeps itself: a reform starts with them at their defaults."""

PHASE_FIELDS = (
    ("plan_from", "plan_to"),
    ("mobilise_from", "mobilise_to"),
    ("implement_from", "implement_to"),
    ("review_from", "review_to"),
    ("rollout_from", None),
)
"""The planned dates, phase by phase, in order."""


@attrs.frozen
class UnitPlan:
    """A pilot unit's plan (配套方案 / 实施方案)."""

    unit: str
    due: date
    kind: Kind = "street"
    name: str = ""
    plan_no: str = ""
    submitted_on: date | None = None
    approved_on: date | None = None
    returns: int = 0


@attrs.frozen
class Coverage:
    """A rollout unit's record: launched, then confirmed covered (实现覆盖)."""

    unit: str
    tier: Tier = "urban"
    name: str = ""
    launched_on: date | None = None
    covered_on: date | None = None


# -- payloads ---------------------------------------------------------------------------------------


@attrs.frozen
class PlanSubmission:
    """The plan sent up for approval (实施方案), with its document number."""

    plan_no: str
    summary: str = ""


@attrs.frozen
class Decision:
    """A decision of the level above (批复 / 决定), with its document number."""

    decision_no: str
    opinion: str = ""


@attrs.frozen
class Opinion:
    """Why a plan is sent back, or why the reform ends without rollout."""

    opinion: str


@attrs.frozen
class Reason:
    """Why implementation halts, or the reform is abandoned."""

    reason: str


@attrs.frozen
class Support:
    """The city's support in place (市里支持到位): the document that commits it."""

    doc_no: str
    summary: str = ""


@attrs.frozen
class WrittenReport:
    """The written report to the city (书面报告)."""

    report_no: str
    summary: str = ""


@attrs.frozen
class RolloutDecision:
    """The decision to roll the reform out (推广), naming the units."""

    decision_no: str
    units: list[RolloutUnit]


@attrs.frozen
class NoPayload:
    """Events that carry nothing (so a payload cannot rewrite the record)."""


# -- the plan's dates -----------------------------------------------------------------------------


def span_end(start: date, months: int) -> date:
    """The last day of a span of `months` calendar months starting on `start`, inclusive: the
    day before the same day `months` later (8-01 + 1 month → 8-31, as 篇三 writes its phases;
    a day the later month lacks clamps to its end first: 2012-01-31 + 1 month → 2-28)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(start.day, last)) - timedelta(days=1)


@attrs.frozen
class Schedule:
    """The planned windows (计划时间) of a reform's phases, inclusive."""

    plan_to: date
    mobilise_to: date
    implement_to: date
    plan_from: date | None = None
    mobilise_from: date | None = None
    implement_from: date | None = None
    review_from: date | None = None
    review_to: date | None = None
    rollout_from: date | None = None

    @classmethod
    def relative(cls, start: date) -> Schedule:
        """篇一's durations laid out from `start`: about 1 month, 1–2 months (the upper bound),
        2 + 2 + about 4 months, then an open-ended review (seed 001 L116–L122)."""
        plan_to = span_end(start, PLAN_MONTHS)
        mobilise_from = plan_to + timedelta(days=1)
        mobilise_to = span_end(mobilise_from, MOBILISE_MONTHS)
        implement_from = mobilise_to + timedelta(days=1)
        implement_to = span_end(implement_from, IMPLEMENT_MONTHS)
        return cls(
            plan_from=start,
            plan_to=plan_to,
            mobilise_from=mobilise_from,
            mobilise_to=mobilise_to,
            implement_from=implement_from,
            implement_to=implement_to,
            review_from=implement_to + timedelta(days=1),
        )

    def as_data(self) -> dict[str, str]:
        """The dates as start-data fields (ISO strings; unset ones left out)."""
        return {f.name: value.isoformat() for f in attrs.fields(Schedule) if (value := getattr(self, f.name))}


QINGYANG_2012 = Schedule(
    plan_to=date(2012, 7, 31),
    mobilise_from=date(2012, 8, 1),
    mobilise_to=date(2012, 8, 31),
    implement_from=date(2012, 9, 1),
    implement_to=date(2012, 10, 20),
    review_from=date(2012, 10, 21),
    review_to=date(2012, 10, 31),
)
"""篇三's phases (seed 001 L253–L256); phase 1 ends the day before 8-01 (our choice)."""

HARBIN_PILOTS_BY = date(2011, 8, 31)
"""2011年8月底: every urban street and county seat pilots in 1–2 communities (seed 003 L31)."""

HARBIN_URBAN_BY = date(2011, 12, 31)
"""2011年年底: all urban and county-seat communities covered (seed 003 L31)."""

HARBIN_COUNTY_BY = date(2012, 6, 30)
"""2012年6月底: the county towns' communities covered (seed 003 L31)."""

HARBIN_2011 = Schedule(
    plan_from=date(2011, 7, 22),
    plan_to=date(2011, 7, 31),
    mobilise_from=date(2011, 8, 1),
    mobilise_to=HARBIN_PILOTS_BY,
    implement_from=date(2011, 9, 1),
    implement_to=date(2011, 10, 31),
    review_from=date(2011, 11, 1),
    rollout_from=date(2011, 11, 16),
)
"""Choice: Harbin's phases between its dated targets (the opinion is of 2011-07-22, seed 003 L15)."""


def pilot_unit(unit: str, kind: Kind = "street", name: str = "") -> dict[str, Any]:
    """A pilot unit for `reform_data`."""
    return {"unit": unit, "kind": kind, "name": name}


def rollout_unit(unit: str, tier: Tier = "urban", name: str = "") -> dict[str, Any]:
    """A rollout unit for `rollout_payload`."""
    return {"unit": unit, "tier": tier, "name": name}


def reform_data(title: str, units: Iterable[str | Mapping[str, Any]], schedule: Schedule) -> dict[str, Any]:
    """Start data for a reform: its title, its pilot units (unit ids, or `pilot_unit` mappings)
    and its planned dates."""
    pilots = [pilot_unit(u) if isinstance(u, str) else dict(u) for u in units]
    return {"title": title, "pilot_units": pilots, **schedule.as_data()}


def rollout_payload(decision_no: str, units: Iterable[str | Mapping[str, Any]]) -> dict[str, Any]:
    """A `RolloutDecision` payload: the decision's number and the units (ids or `rollout_unit`)."""
    return {"decision_no": decision_no, "units": [rollout_unit(u) if isinstance(u, str) else dict(u) for u in units]}


# -- rules ----------------------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _units(items: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(item.get("unit", "")) for item in items]


@guard("pilot_reform.titled", "a reform needs its title (改革试点名称)")
def titled(ctx: GuardContext) -> bool:
    """The reform names itself, so its plan and report can."""
    return bool(str(ctx.data.get("title", "")).strip())


@guard(
    "pilot_reform.pilot_units",
    "a reform names its pilot units, each once (各街道、各职能部门 / 各责任单位)",
    source="seed 001 L118, L254",
)
def pilot_units_named(ctx: GuardContext) -> bool | str:
    """At least one pilot unit; no unit twice; no unit without an id."""
    units = _units(ctx.data.get("pilot_units", []))
    if not units:
        return "a reform names at least one pilot unit (各街道、各职能部门制定配套方案)"
    if any(not u.strip() for u in units):
        return "every pilot unit needs a unit id"
    twice = sorted({u for u in units if units.count(u) > 1})
    return not twice or f"pilot units named twice: {', '.join(twice)}"


@guard(
    "pilot_reform.schedule_in_order",
    "the planned windows run in order and do not overlap (分四个阶段进行)",
    source="seed 001 L114",
)
def schedule_in_order(ctx: GuardContext) -> bool | str:
    """Every window starts no later than it ends, and each phase starts after the one before ends."""
    dates = [(name, _day(ctx.data.get(name))) for pair in PHASE_FIELDS for name in pair if name is not None]
    known = [(name, day) for name, day in dates if day is not None]
    problems = []
    for (a, da), (b, db) in itertools.pairwise(known):
        same_phase = a.split("_")[0] == b.split("_")[0]
        if db < da or (db == da and not same_phase):
            problems.append(f"{b} ({db}) is not after {a} ({da})")
    return not problems or "the planned dates are out of order: " + "; ".join(problems)


@guard("pilot_reform.fresh_record", "the record's fields are kept by the workflow and cannot be given at start")
def fresh_record(ctx: GuardContext) -> bool | str:
    """Integrity: a new reform has no plan number, support, reports or rollout yet."""
    defaults = Reform(title="x", pilot_units=[], plan_to=date.min, mobilise_to=date.min, implement_to=date.min)
    given = sorted(f for f in DERIVED if getattr(ctx.model, f) != getattr(defaults, f))
    return not given or f"the record's fields are kept by the workflow and cannot be given at start: {', '.join(given)}"


@guard("pilot_reform.numbered", "a document sent or decided needs its number (文号)", on_payload=True)
def numbered(ctx: GuardContext) -> bool:
    """Plans, decisions, support and reports are documents with numbers, so the record can cite them."""
    keys = ("plan_no", "decision_no", "doc_no", "report_no")
    return any(bool(str(ctx.payload.get(k, "")).strip()) for k in keys)


@guard("pilot_reform.reason_given", "say why (理由)", on_payload=True)
def reason_given(ctx: GuardContext) -> bool:
    """A plan sent back, a halt, an abandonment or a close without rollout says why."""
    return bool(str(ctx.payload.get("reason", ctx.payload.get("opinion", ""))).strip())


@guard(
    "pilot_reform.city_support",
    "step 3 starts only with the city's support in place (在市里支持下,全面启动改革)",
    source="seed 001 L104, L120",
)
def city_support(ctx: GuardContext) -> bool:
    """在支持到位的情况下,全面启动城管、房管体制改革."""
    return bool(ctx.data.get("city_support"))


@guard(
    "pilot_reform.report_submitted",
    "the written report to the city comes first (向市委、市政府写出书面报告)",
    source="seed 001 L122",
)
def report_submitted(ctx: GuardContext) -> bool:
    """The city decides on the pilot's future after the district's written report."""
    return bool(str(ctx.data.get("report_no", "")).strip())


@guard(
    "pilot_reform.rollout_units",
    "a rollout names its units, each once, none of them a pilot unit",
    source="seed 001 L77; seed 003 L31",
    on_payload=True,
)
def rollout_units_named(ctx: GuardContext) -> bool | str:
    """待确定后再推广: the rollout goes to units that did not pilot (pilots are covered already)."""
    units = _units(ctx.payload.get("units", []))
    if not units:
        return "a rollout names at least one unit"
    if any(not u.strip() for u in units):
        return "every rollout unit needs a unit id"
    twice = sorted({u for u in units if units.count(u) > 1})
    pilots = sorted(set(units) & set(_units(ctx.data.get("pilot_units", []))))
    problems = [f"named twice: {', '.join(twice)}"] if twice else []
    if pilots:
        problems.append(f"already pilot units: {', '.join(pilots)}")
    return not problems or "rollout units " + "; ".join(problems)


def _reported_by(listed: str, workflow: str) -> Any:
    def check(ctx: GuardContext) -> bool | str:
        unit = ctx.payload.get("unit")
        if ctx.payload.get("workflow") != workflow:
            return f"a report from {ctx.payload.get('workflow')!r}, expected {workflow!r}"
        return unit in _units(ctx.data.get(listed, [])) or f"{unit!r} is not one of the reform's {listed}"

    return check


plan_from_pilot_unit = guard(
    "pilot_reform.plan_from_pilot_unit", "a plan report comes from one of the reform's pilot units", on_payload=True
)(_reported_by("pilot_units", UNIT_PLAN))

coverage_from_rollout_unit = guard(
    "pilot_reform.coverage_from_rollout_unit",
    "a coverage report comes from one of the reform's rollout units",
    on_payload=True,
)(_reported_by("rollout_units", ROLLOUT_UNIT))


@guard("unit_plan.numbered", "a unit's plan needs its document number (文号)", source="seed 001 L254", on_payload=True)
def plan_numbered(ctx: GuardContext) -> bool:
    """各责任单位…制定各自《实施方案》: a document the reform's record can cite."""
    return bool(str(ctx.payload.get("plan_no", "")).strip())


plans_approved = join(UNIT_PLAN, "approved")
"""All the pilot units' plans approved (`PLANS_BEFORE_IMPLEMENTATION`; seed 001 L118–L120)."""

rollout_covered = join(ROLLOUT_UNIT, "covered")
"""Every rollout unit covered (`ROLLOUT_COMPLETE`)."""


# -- effects --------------------------------------------------------------------------------------


def _today(ctx: EffectContext) -> str:
    return ctx.now.astimezone(TZ).date().isoformat()


@effect("pilot_reform.record_plan", "record the plan's number")
def record_plan(ctx: EffectContext) -> None:
    """上报市委、市政府审批: the plan sent up is the one on record."""
    ctx.data["plan_no"] = ctx.payload["plan_no"]


@effect("pilot_reform.record_approval", "record the approval and give each unit plan its due date")
def record_approval(ctx: EffectContext) -> None:
    """The city's approval opens phase 2: each pilot unit's plan is due by the phase's end
    (unless the unit was given its own date)."""
    ctx.data["approved_on"] = _today(ctx)
    ctx.data["decision_no"] = ctx.payload["decision_no"]
    due = ctx.data["mobilise_to"]
    ctx.data["pilot_units"] = [{**u, "due": u.get("due") or due} for u in ctx.data["pilot_units"]]


@effect("pilot_reform.record_unit_plan", "record a pilot unit's approved plan")
def record_unit_plan(ctx: EffectContext) -> None:
    """A unit's plan approved: its number goes into the reform's record."""
    if ctx.payload["outcome"] == "approved":
        number = str(ctx.payload["outputs"].get("plan_no", ""))
        ctx.data["plans"] = {**ctx.data.get("plans", {}), str(ctx.payload["unit"]): number}


@effect("pilot_reform.record_support", "record the city's support")
def record_support(ctx: EffectContext) -> None:
    """市里支持到位."""
    ctx.data["city_support"] = True
    ctx.data["support_doc"] = ctx.payload["doc_no"]


@effect("pilot_reform.record_suspension", "record the halt and the step it stopped in")
def record_suspension(ctx: EffectContext) -> None:
    """停工: when, in which step, why."""
    step = ctx.source.split(".")[-1]
    entry = {"on": _today(ctx), "step": step, "reason": ctx.payload["reason"], "resumed_on": None}
    ctx.data["suspensions"] = [*ctx.data.get("suspensions", []), entry]


@effect("pilot_reform.record_resumption", "record the day work resumed")
def record_resumption(ctx: EffectContext) -> None:
    """复工."""
    *earlier, last = ctx.data["suspensions"]
    ctx.data["suspensions"] = [*earlier, {**last, "resumed_on": _today(ctx)}]


@effect("pilot_reform.record_report", "record the written report")
def record_report(ctx: EffectContext) -> None:
    """书面报告."""
    ctx.data["report_no"] = ctx.payload["report_no"]


def _shares(units: Sequence[Mapping[str, Any]], covered: Mapping[str, str]) -> dict[str, float]:
    shares: dict[str, float] = {}
    for tier in TIERS:
        names = [u["unit"] for u in units if u.get("tier", "urban") == tier]
        done = sum(1 for n in names if n in covered)
        shares[tier] = done / len(names) if names else (1.0 if EMPTY_TIER_COVERED else 0.0)
    return shares


def _store_shares(ctx: EffectContext) -> None:
    shares = _shares(ctx.data["rollout_units"], ctx.data["covered"])
    ctx.data["urban_share"] = shares["urban"]
    ctx.data["county_share"] = shares["county_town"]


@effect("pilot_reform.record_rollout", "record the rollout decision and its units")
def record_rollout(ctx: EffectContext) -> None:
    """推广: the decision and the units, which the spawn then reads."""
    ctx.data["rollout_no"] = ctx.payload["decision_no"]
    ctx.data["rollout_units"] = [dict(u) for u in ctx.payload["units"]]
    ctx.data["covered"] = {}
    _store_shares(ctx)


@effect("pilot_reform.record_coverage", "tally a rollout unit's report into the coverage shares")
def record_coverage(ctx: EffectContext) -> None:
    """A rollout unit covered (or withdrawn): the shares Harbin's milestones read."""
    if ctx.payload["outcome"] == "covered":
        on = str(ctx.payload["outputs"].get("covered_on") or _today(ctx))
        ctx.data["covered"] = {**ctx.data.get("covered", {}), str(ctx.payload["unit"]): on}
    _store_shares(ctx)


@effect("pilot_reform.record_end", "record why the reform ended")
def record_end(ctx: EffectContext) -> None:
    """终止 / 不予推广: the reason on the record."""
    ctx.data["ended_reason"] = str(ctx.payload.get("reason") or ctx.payload.get("opinion", ""))


@effect("unit_plan.record_submission", "record the plan's number and day")
def record_submission(ctx: EffectContext) -> None:
    """报送."""
    ctx.data["plan_no"] = ctx.payload["plan_no"]
    ctx.data["submitted_on"] = _today(ctx)


@effect("unit_plan.record_return", "count the return")
def record_return(ctx: EffectContext) -> None:
    """退回修改."""
    ctx.data["returns"] = int(ctx.data.get("returns", 0)) + 1


@effect("unit_plan.record_approval", "record the day the plan was approved")
def record_plan_approval(ctx: EffectContext) -> None:
    """批准."""
    ctx.data["approved_on"] = _today(ctx)


@effect("rollout_unit.record_launch", "record the day the unit launched")
def record_launch(ctx: EffectContext) -> None:
    """启动推行."""
    ctx.data["launched_on"] = _today(ctx)


@effect("rollout_unit.record_covered", "record the day coverage was confirmed")
def record_covered(ctx: EffectContext) -> None:
    """验收: 实现覆盖."""
    ctx.data["covered_on"] = _today(ctx)


# -- the definitions ------------------------------------------------------------------------------

_LEAD = {"leading_group"}
_CITY = {"city"}
_SYSTEM = {"system"}
_IN_FLIGHT_PHASES = ["planning", "mobilising", "implementing", "suspended", "reviewing", "rolling_out"]


def _step(name: str, label: str) -> State:
    months = STEP_MONTHS[name]
    return State(
        name,
        label,
        initial=name == "streets",
        deadlines=[Deadline(name, Months(months), label=f"{label}: 用{months}个月左右完成", source="seed 001 L120")],
    )


def _support(source: str) -> Transition:
    return Transition(
        "pledge_support",
        source=source,
        dest=source,
        roles=_CITY,
        payload_schema=Support,
        guards=[numbered],
        effects=[record_support],
        label="市里支持到位",
    )


def _reform_workflow(name: str, title: str, milestones: Sequence[Milestone] = ()) -> Workflow:
    """The pilot reform's states and transitions under `name`, with `milestones` (fixed dates)."""
    return Workflow(
        name=name,
        version=1,
        title=title,
        description="调查摸底(报批) → 宣传发动(各单位配套方案) → 组织实施(三步, 可停工复工) → 总结 → 推广.",
        schema=Reform,
        start_roles=_LEAD,
        start_guards=[titled, pilot_units_named, schedule_in_order, fresh_record],
        milestones=milestones,
        sequential_phases=True,
        states=[
            State(
                "planning",
                "调查摸底,制定方案",
                initial=True,
                window=Window(start="plan_from", end="plan_to", label="调查摸底,制定方案(一个月左右)"),
                states=[
                    State("surveying", "调查摸底,起草方案", initial=True),
                    State("approving", "报市委、市政府审批"),
                ],
            ),
            State(
                "mobilising",
                "宣传发动,掌握精神",
                window=Window(start="mobilise_from", end="mobilise_to", label="宣传发动(一至两个月)"),
            ),
            State(
                "implementing",
                "组织实施,顺利推进",
                window=Window(start="implement_from", end="implement_to", label="组织实施"),
                states=[
                    _step("streets", "第一步:理顺街道管理体制"),
                    _step("communities", "第二步:完善社区管理体制"),
                    _step("city_housing", "第三步:城管、房管体制改革"),
                ],
            ),
            State("suspended", "暂停实施(停工)"),
            State("reviewing", "总结提高,逐步完善", window=Window(start="review_from", label="总结验收")),
            State("rolling_out", "推广", window=Window(start="rollout_from", label="推广(不设结束日期)")),
            State("rolled_out", "推广完成", final=True),
            State("closed", "试点结束(不推广)", final=True),
            State("abandoned", "终止试点", final=True),
        ],
        transitions=[
            Transition(
                "submit_plan",
                source="planning.surveying",
                dest="planning.approving",
                roles=_LEAD,
                payload_schema=PlanSubmission,
                guards=[numbered],
                effects=[record_plan],
                label="上报市委、市政府审批",
            ),
            Transition(
                "return_plan",
                source="planning.approving",
                dest="planning.surveying",
                roles=_CITY,
                payload_schema=Opinion,
                guards=[reason_given],
                label="退回修改",
            ),
            Transition(
                "approve_plan",
                source="planning.approving",
                dest="mobilising",
                roles=_CITY,
                payload_schema=Decision,
                guards=[numbered],
                effects=[record_approval],
                spawn=[
                    Spawn(UNIT_PLAN, per="pilot_units", report="plan_reported", outputs=("plan_no",), label="配套方案")
                ],
                label="批准实施方案",
            ),
            Transition(
                "plan_reported",
                source="mobilising",
                dest="mobilising",
                roles=_SYSTEM,
                payload_schema=ChildReport,
                guards=[plan_from_pilot_unit],
                effects=[record_unit_plan],
                label="配套方案结果报告",
            ),
            _support("mobilising"),
            _support("implementing.streets"),
            _support("implementing.communities"),
            _support("suspended"),
            Transition(
                "start_implementation",
                source="mobilising",
                dest="implementing",
                roles=_LEAD,
                payload_schema=NoPayload,
                guards=[plans_approved],
                label="组织实施",
            ),
            Transition(
                "streets_done",
                source="implementing.streets",
                dest="implementing.communities",
                roles=_LEAD,
                payload_schema=NoPayload,
                label="第一步完成",
            ),
            Transition(
                "launch_city_reform",
                source="implementing.communities",
                dest="implementing.city_housing",
                roles=_LEAD,
                payload_schema=NoPayload,
                guards=[city_support],
                label="第二步完成,全面启动城管、房管体制改革",
            ),
            Transition(
                "implementation_done",
                source="implementing.city_housing",
                dest="reviewing",
                roles=_LEAD,
                payload_schema=NoPayload,
                label="第三步完成,转入总结",
            ),
            Transition(
                "suspend",
                source="implementing",
                dest="suspended",
                roles=SUSPEND_ROLES,
                payload_schema=Reason,
                guards=[reason_given],
                effects=[record_suspension],
                label="停工",
            ),
            Transition(
                "resume",
                source="suspended",
                dest="implementing",
                history=True,
                roles=SUSPEND_ROLES,
                payload_schema=NoPayload,
                effects=[record_resumption],
                label="复工",
            ),
            Transition(
                "submit_report",
                source="reviewing",
                dest="reviewing",
                roles=_LEAD,
                payload_schema=WrittenReport,
                guards=[numbered],
                effects=[record_report],
                label="向市委、市政府写出书面报告",
            ),
            Transition(
                "launch_rollout",
                source="reviewing",
                dest="rolling_out",
                roles=_CITY,
                payload_schema=RolloutDecision,
                guards=[report_submitted, numbered, rollout_units_named],
                effects=[record_rollout],
                spawn=[
                    Spawn(
                        ROLLOUT_UNIT,
                        per="rollout_units",
                        report="coverage_reported",
                        outputs=("covered_on",),
                        label="推广单位",
                    )
                ],
                label="决定推广",
            ),
            Transition(
                "close",
                source="reviewing",
                dest="closed",
                roles=_CITY,
                payload_schema=Opinion,
                guards=[report_submitted, reason_given],
                effects=[record_end],
                label="试点结束,不予推广",
            ),
            Transition(
                "coverage_reported",
                source="rolling_out",
                dest="rolling_out",
                roles=_SYSTEM,
                payload_schema=ChildReport,
                guards=[coverage_from_rollout_unit],
                effects=[record_coverage],
                label="推广单位结果报告",
            ),
            Transition(
                "complete_rollout",
                source="rolling_out",
                dest="rolled_out",
                roles=_CITY,
                payload_schema=NoPayload,
                guards=[rollout_covered],
                label="推广完成",
            ),
            Transition(
                "abandon",
                source=_IN_FLIGHT_PHASES,
                dest="abandoned",
                roles=_CITY,
                payload_schema=Reason,
                guards=[reason_given],
                effects=[record_end],
                settle_children="cancel",
                label="终止试点",
            ),
        ],
    )


PILOT_REFORM = _reform_workflow(REFORM, "街道、社区管理体制改革试点")
"""The pilot reform (seed 001 篇一, 篇三)."""

HARBIN_MILESTONES = (
    Milestone(
        "pilots",
        by=HARBIN_PILOTS_BY,
        share=1.0,
        workflow=UNIT_PLAN,
        states=["approved"],
        label="各街道和城关镇选择1—2个社区开展试点",
        source="seed 003 L31",
    ),
    Milestone(
        "urban_coverage",
        by=HARBIN_URBAN_BY,
        share=1.0,
        figure="urban_share",
        label="城区和城关镇社区全覆盖",
        source="seed 003 L31",
    ),
    Milestone(
        "county_coverage",
        by=HARBIN_COUNTY_BY,
        share=1.0,
        figure="county_share",
        label="县(市)城镇社区全覆盖",
        source="seed 003 L31",
    ),
)
"""Harbin's dated targets (seed 003 L31), each inclusive: the whole population by the day's end."""

HARBIN_GRID = _reform_workflow(GRID_ROLLOUT, "社区网格化管理服务试点与推广(哈尔滨)", HARBIN_MILESTONES)
"""The pilot reform with Harbin's milestones (哈办发〔2011〕14号)."""

PLAN_DUE = Deadline(
    "due",
    OnDate(),
    anchor=FromField("due"),
    satisfied_by="submit",
    label="配套方案报送期限",
    source="seed 001 L118, L254",
)
"""A unit's plan is due by its `due` day (the end of phase 2 unless given); missed: marked overdue."""

UNIT_PLAN_WORKFLOW = Workflow(
    name=UNIT_PLAN,
    version=1,
    title="配套方案",
    description="A pilot unit writes its own plan; the leading group approves it or sends it back.",
    schema=UnitPlan,
    index=("kind",),
    start_roles=_CITY | _LEAD,
    states=[
        State("drafting", "制定配套方案", initial=True, deadlines=[PLAN_DUE]),
        State("submitted", "已报送待审"),
        State("approved", "已批准", final=True),
        State("cancelled", "已撤销", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            source="drafting",
            dest="submitted",
            roles={"unit"},
            separation=[OwnUnitOnly()],
            payload_schema=PlanSubmission,
            guards=[plan_numbered],
            effects=[record_submission],
            label="报送配套方案",
        ),
        Transition(
            "return_plan",
            source="submitted",
            dest="drafting",
            roles=_LEAD,
            separation=[NotOwnUnit()],
            payload_schema=Opinion,
            guards=[reason_given],
            effects=[record_return],
            label="退回修改",
        ),
        Transition(
            "approve",
            source="submitted",
            dest="approved",
            roles=_LEAD,
            separation=[NotOwnUnit()],
            payload_schema=NoPayload,
            effects=[record_plan_approval],
            label="批准配套方案",
        ),
        Transition(
            "cancel",
            source=["drafting", "submitted"],
            dest="cancelled",
            roles=_SYSTEM,
            payload_schema=NoPayload,
            label="随试点终止撤销",
        ),
    ],
)
"""Each pilot unit's plan (配套方案 / 实施方案): seed 001 L118, L254."""

ROLLOUT_UNIT_WORKFLOW = Workflow(
    name=ROLLOUT_UNIT,
    version=1,
    title="推广单位",
    description="A unit the reform is rolled out to: it launches, and the leading group confirms coverage.",
    schema=Coverage,
    index=("tier",),
    start_roles=_CITY | _LEAD,
    states=[
        State("pending", "待推行", initial=True),
        State("working", "推行中"),
        State("covered", "实现覆盖", final=True),
        State("cancelled", "已撤销", final=True),
    ],
    transitions=[
        Transition(
            "launch",
            source="pending",
            dest="working",
            roles={"unit"},
            separation=[OwnUnitOnly()],
            payload_schema=NoPayload,
            effects=[record_launch],
            label="启动推行",
        ),
        Transition(
            "confirm",
            source="working",
            dest="covered",
            roles=_LEAD,
            separation=[NotOwnUnit()],
            payload_schema=NoPayload,
            effects=[record_covered],
            label="验收:实现覆盖",
        ),
        Transition(
            "cancel",
            source=["pending", "working"],
            dest="cancelled",
            roles=_SYSTEM,
            payload_schema=NoPayload,
            label="随试点终止撤销",
        ),
    ],
)
"""Each rollout unit's coverage (推广): seed 003 L31."""

WORKFLOWS = [PILOT_REFORM, HARBIN_GRID, UNIT_PLAN_WORKFLOW, ROLLOUT_UNIT_WORKFLOW]
"""Every workflow of the module (register them all: the reforms spawn the other two)."""

DIAGRAMMED = [PILOT_REFORM, UNIT_PLAN_WORKFLOW, ROLLOUT_UNIT_WORKFLOW]
"""The workflows whose diagrams the docstring shows (`grid_rollout` draws as `pilot_reform`)."""


# -- actors -----------------------------------------------------------------------------------------


def unit_clerk(unit: str, person: str | None = None, name: str = "") -> Actor:
    """Someone of a pilot or rollout unit, who writes its plan or launches its rollout."""
    return Actor(person or f"{unit}.clerk", roles={"unit"}, unit=unit, name=name)


# -- queries ----------------------------------------------------------------------------------------

PHASES = ("planning", "mobilising", "implementing", "suspended", "reviewing", "rolling_out")
"""The phases a reform in flight can be in (compound ones count every sub-state)."""


def phase_counts(engine: Engine, workflow: str = REFORM, *, unit: str | None = None) -> dict[str, int]:
    """Reforms by phase and by step: one `Engine.count` per state (a compound counts its sub-states)."""
    wf = engine.workflow(workflow)
    return {state.name: engine.count(workflow, state=state.name, unit=unit) for state in wf.nodes}


@attrs.frozen
class PilotProgress:
    """One reform at a glance: where it is, its units' plans, its rollout and its milestones."""

    reform_id: str
    state: str
    plans_by_state: dict[str, int]
    plans_by_unit: dict[str, str]
    """Pilot unit → its plan's state."""
    rollout_by_state: dict[str, int]
    rollout_by_tier: dict[str, tuple[int, int]]
    """Tier → (covered, total)."""
    overdue_children: list[str]
    milestones: dict[str, Any]
    suspensions: int


def pilot_progress(engine: Engine, reform_id: str) -> PilotProgress:
    """A reform's progress: counts by state (`Engine.count`), per unit (`Engine.children`),
    the overdue children (`Engine.children_summary`) and the milestones checked so far."""
    reform = engine.get(reform_id)

    def counts(workflow: Workflow, **where: Any) -> dict[str, int]:
        found = {
            s.name: engine.count(workflow.name, parent_id=reform_id, state=s.name, where=where or None)
            for s in workflow.states
        }
        return {name: n for name, n in found.items() if n}

    tiers = {
        tier: (
            engine.count(ROLLOUT_UNIT, parent_id=reform_id, state="covered", where={"tier": tier}),
            engine.count(ROLLOUT_UNIT, parent_id=reform_id, where={"tier": tier}),
        )
        for tier in TIERS
    }
    return PilotProgress(
        reform_id=reform_id,
        state=reform.state,
        plans_by_state=counts(UNIT_PLAN_WORKFLOW),
        plans_by_unit={p.unit or "-": p.state for p in engine.children(reform_id) if p.workflow == UNIT_PLAN},
        rollout_by_state=counts(ROLLOUT_UNIT_WORKFLOW),
        rollout_by_tier={tier: pair for tier, pair in tiers.items() if pair[1]},
        overdue_children=list(engine.children_summary(reform_id)["overdue"]),
        milestones=dict(reform.marks.get("milestones", {})),
        suspensions=len(reform.data.get("suspensions", [])),
    )


def units_behind(engine: Engine, reform_id: str) -> dict[str, str]:
    """Pilot units whose plan is not approved yet: unit → the plan's state (drafting, submitted)."""
    waiting = engine.children(reform_id, state=["drafting", "submitted"])
    return {p.unit or "-": p.state for p in waiting if p.workflow == UNIT_PLAN}
