# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""安置帮教 — resettlement and assistance of released persons (刑释解教人员), and the 2007 screening campaign.

A prison or a labour camp (劳教所) sends a release notice (刑释解教通知书) or a name list; the
receiving justice office (司法所) checks the person against it, registers them (登记卡, 一人一卡的
帮教档案), names a helper (帮教工作人员) who signs an assistance agreement (帮教协议书), and classifies
them in one of three categories, each with its own people and visit cadence; a person who does not
turn up is searched for (去向不明的展开查找). Employment, training, transitional bases, 低保, a
business licence or schooling are referrals to other agencies, each a child task whose outcome
counts towards the resettlement rate. A new offence ends the case (reported by the police,
delivered by the person's id). At year end the district scores its townships on the 帮教率, the
安置率 (≥ 95 %) and the re-offence rate (≤ 2 %), counted from the stored cases. In 2007 the
district ran a concentrated screening campaign (集中排查清理) over the register in three stages.

Three workflows: `RESETTLEMENT` (one person), `REFERRAL` (one employment or social-security path),
`SCREENING_CAMPAIGN` with `SCREENING_UNIT` (the district's campaign and each township's part).

Rules and their sources (seed 002 = 洛江区 2007 刑释解教人员安置帮教工作意见, 第五篇; digest
``grid-management-and-resettlement_seed-002.md`` §5, §6.1, §6.2):

- release notices and name lists from prisons, labour camps, detention houses: seed 002 L153, L154;
  checked one by one against the list, with the police: L154 — `verify`;
- 一人一卡的帮教档案, 台帐式管理: seed 002 L149; 填写登记卡、逐人建立管理档案: L153 — `register`;
- every returnee promptly gets a named helper (哪里有帮教对象，哪里就有帮教工作人员): L144; the
  帮教协议书: L146 — `assign_helper`, hard;
- three categories: 有重新违法犯罪倾向 → 重点, by the 派出所 and the 司法所, 严密控制; 表现一般、思想不够稳定
  → 定期帮教 by township cadres with the village, relatives and friends; 表现较好、思想稳定、家庭和睦 →
  不定期谈话和家访 by the village helpers: L149 — the states, their roles, their visit duties;
- found in the screening to tend to reoffend → 重点: L154; 分类动态管理: L151 — `to_key`,
  `to_general`, `to_stable`;
- 去向不明 → 展开查找, 减少脱管失控; newly found → 及时登记建档: L154 — `searching`, start data;
- employment (灵活多样), vocational training, transitional bases for the 三无 and the unreformed,
  低保 for all eligible (应保尽保), 工商 registration, schooling for minors: L161–L164 — `REFERRAL`;
- 重新犯罪率 2%以下: L146; 安置率 95%以上: L164; year-end quantitative assessment of the townships:
  L147 — `year_end_kpis`;
- the screening campaign: population returned 2006-01 to 2007-03: L151; 准备 by 3月底, 排查清理 in
  April, 分析总结 by 5月中旬, materials to the district by 5月20日前: L153; revisit everyone released
  from prison within 5 years and from 劳教 within 3 years: L153 — `SCREENING_CAMPAIGN`, `in_scope`.

**Choices where the text is silent** (each a named constant below):

- `REPORT_IN_WITHIN`: the seed says 及时 for registration; a person not registered within 7 days
  of the release day is presumed 去向不明 and the search opens by itself (`FireEvent`).
- `SEARCH_WITHIN`: the search is expected to find the person within 30 days, else it is overdue
  (listed, not closed: the seed's aim is 最大限度地减少脱管失控).
- `HELPER_WITHIN`: a registered person gets a helper within 5 working days (及时).
- `KEY_VISITS`, `GENERAL_VISITS`: 严密控制 read as a monthly visit, 定期 as a quarterly one, each
  due 5 days after its period; 不定期 (stable) has no recurring duty.
- `DOWNGRADE_ONE_STEP`: the seed names only the upgrade to 重点; moving down (动态管理) is one
  category at a time, with a reason.
- `LOOK_BACK_YEARS`: 五年内刑释, 三年内解教 — the case may be closed when the look-back has passed.
- `RESETTLED_PATHS`: a referral placed on any path counts as 安置 (the seed lists the paths, not
  which count); `KPI_TARGETS` are inclusive (以上/以下).
- `SUMMARY_BY`: 5月中旬完成 read as the end of 中旬, 20 May — the same day as the submission
  (5月20日前 read inclusively, as everywhere in govflow).

```mermaid
---
title: resettlement v1 (刑释解教人员安置帮教)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "notified (已收到释放通知)" as notified
  Class notified s_default
  state "searching (去向不明·查找中)" as searching
  Class searching s_default
  state "registered (已登记建档)" as registered
  Class registered s_default
  state "assisting (帮教中)" as assisting
  Class assisting s_default
  state assisting {
    [*] --> assisting.key
    state "key (一类·重点帮教(严密控制))" as assisting.key
    state "general (二类·定期帮教)" as assisting.general
    state "stable (三类·不定期谈话家访)" as assisting.stable
  }
  state "closed (帮教期满)" as closed
  closed --> [*]
  Class closed s_final
  state "reoffended (重新违法犯罪)" as reoffended
  reoffended --> [*]
  Class reoffended s_final

  notified --> registered: register (核对名单、填写登记卡、建立档案) [justice_office] if resettlement.card
  notified --> searching: lose_contact (未按时报到,去向不明) [justice_office, system]
  notified --> reoffended: detained (重新违法犯罪(公安通报)) [external] if resettlement.detention_dated
  searching --> registered: found (查找到,登记建档) [justice_office, police_station] if resettlement.reason, resettlement.card
  searching --> reoffended: detained (重新违法犯罪(公安通报)) [external] if resettlement.detention_dated
  registered --> assisting.key: assign_helper (落实帮教人员、签订协议书(重点帮教对象)) [justice_office] if resettlement.helper_and_agreement, resettlement.first_key
  registered --> assisting.general: assign_helper (落实帮教人员、签订协议书(一般帮教对象)) [justice_office] if resettlement.helper_and_agreement, resettlement.first_general
  registered --> assisting.stable: assign_helper (落实帮教人员、签订协议书(稳定帮教对象)) [justice_office] if resettlement.helper_and_agreement, resettlement.first_stable
  registered --> registered: refer (转介就业、培训、基地、低保、工商、就学) [justice_office] if resettlement.referrals_listed | referral_settled (安置结果) [system]
  registered --> reoffended: detained (重新违法犯罪(公安通报)) [external] if resettlement.detention_dated
  assisting.general --> assisting.key: to_key (有重新违法犯罪倾向,列为重点) [justice_office, police_station] if resettlement.reason
  assisting.general --> assisting.stable: to_stable (表现较好、思想稳定,调为稳定) [justice_office] if resettlement.reason
  assisting.general --> assisting.general: visit (谈心、家访) [township_cadre] | refer (转介就业、培训、基地、低保、工商、就学) [justice_office] if resettlement.referrals_listed | referral_settled (安置结果) [system]
  assisting.stable --> assisting.key: to_key (有重新违法犯罪倾向,列为重点) [justice_office, police_station] if resettlement.reason
  assisting.stable --> assisting.general: to_general (思想不够稳定,调为一般帮教) [justice_office] if resettlement.reason
  assisting.stable --> assisting.stable: visit (谈心、家访) [village_helper] | refer (转介就业、培训、基地、低保、工商、就学) [justice_office] if resettlement.referrals_listed | referral_settled (安置结果) [system]
  assisting.key --> assisting.general: to_general (表现一般,调为一般帮教) [justice_office] if resettlement.reason
  assisting.key --> assisting.key: visit (谈心、家访) [justice_office, police_station] | refer (转介就业、培训、基地、低保、工商、就学) [justice_office] if resettlement.referrals_listed | referral_settled (安置结果) [system]
  assisting --> closed: close (帮教期满) [justice_office] if resettlement.look_back_passed
  assisting --> reoffended: detained (重新违法犯罪(公安通报)) [external] if resettlement.detention_dated
  [*] --> notified
  note right of notified : report_in (报到登记)： 7 days (日), from data field 'released_on'； fire lose_contact as system
  note right of searching : search (查找)： 30 days (日)； met by found, from entering the state； mark overdue (逾期)
  note right of registered : helper (落实帮教人员)： 5 working days (个工作日), from entering the state； mark overdue (逾期)
  note right of assisting.key : key_visit (重点对象严密控制(月访))： every month, due 5 days (日) after it ends； met by visit, each period； mark overdue (逾期)
  note right of assisting.general : general_visit (定期帮教(季访))： every quarter, due 5 days (日) after it ends； met by visit, each period； mark overdue (逾期)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, get_args

import attrs

from govflow import (
    Days,
    Deadline,
    Engine,
    FireEvent,
    FromField,
    Recurring,
    State,
    Transition,
    Workflow,
    WorkingDays,
)
from govflow.calendar import Calendar
from govflow.children import KEEP, ChildReport, Spawn, join
from govflow.correlation import EXTERNAL_ROLE
from govflow.deadlines import OnDate
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard
from govflow.phases import Milestone, Window

WORKFLOW_NAME = "resettlement"
REFERRAL_NAME = "resettlement_referral"
CAMPAIGN_NAME = "screening_campaign"
UNIT_NAME = "screening_unit"

Kind = Literal["prison", "labour"]
"""刑满释放 (from prison, 刑释) or 解除劳动教养 (from a labour camp, 解教)."""

KINDS: tuple[Kind, ...] = get_args(Kind)

Category = Literal["key", "general", "stable"]
"""一类 重点帮教对象, 二类 (一般), 三类 (稳定) (seed 002 L149)."""

CATEGORIES: tuple[Category, ...] = get_args(Category)
CATEGORY_LABELS = {"key": "重点帮教对象", "general": "一般帮教对象", "stable": "稳定帮教对象"}

Path = Literal["employment", "training", "base", "dibao", "business", "schooling"]
"""就业, 职业技能培训, 过渡性安置基地, 低保, 个体经营注册登记, 就学 (seed 002 L161–L164)."""

PATHS: tuple[Path, ...] = get_args(Path)
PATH_AGENCY: dict[str, str] = {
    "employment": "labour_bureau",  # 劳动和社会保障部门 (L163)
    "training": "labour_bureau",  # 依托劳动部门举办职业技能培训班 (L162)
    "base": "justice_office",  # 过渡性安置帮教实体(基地) (L161)
    "dibao": "civil_affairs",  # 民政部门 (L164)
    "business": "commerce",  # 工商部门 (L164)
    "schooling": "education",  # 教育部门, for minors (L164)
}
"""Which agency settles each path."""

# -- the documents' numbers, and the choices where they are silent -------------------------------

REPORT_IN_WITHIN = Days(7)
"""Choice: not registered within 7 days of release → 去向不明, the search opens by itself."""

SEARCH_WITHIN = Days(30)
"""Choice: the search is overdue after 30 days (it stays open until the person is found)."""

HELPER_WITHIN = WorkingDays(5)
"""Choice: 及时、逐人落实帮教工作人员 (L144) read as 5 working days after registration."""

KEY_VISITS = Recurring(
    "key_visit", "month", Days(5), satisfied_by="visit", label="重点对象严密控制(月访)", source="seed 002 L149"
)
"""Choice of cadence: 严密控制 read as a visit every month."""

GENERAL_VISITS = Recurring(
    "general_visit", "quarter", Days(5), satisfied_by="visit", label="定期帮教(季访)", source="seed 002 L149"
)
"""Choice of cadence: 定期进行帮教 read as a visit every quarter; 三类 不定期 has no duty."""

DOWNGRADE_ONE_STEP = True
"""Choice: 动态管理 downwards moves one category at a time (重点 → 一般 → 稳定)."""

LOOK_BACK_YEARS: dict[str, int] = {"prison": 5, "labour": 3}
"""五年内刑释人员和三年内解教人员 (seed 002 L153)."""

RESETTLED_PATHS: frozenset[str] = frozenset(PATHS)
"""Choice: a placement on any path counts as 安置."""

KPI_TARGETS: dict[str, tuple[str, Decimal]] = {
    "resettlement_rate": (">=", Decimal("0.95")),  # 安置率要达到95%以上 (L164), inclusive
    "reoffence_rate": ("<=", Decimal("0.02")),  # 重新犯罪率要控制在2%以下 (L146), inclusive
    "dibao_coverage": (">=", Decimal("1")),  # 应保尽保 (L164)
}
"""The year-end targets; 以上/以下 include the bound."""

CAMPAIGN_YEAR = 2007
PREPARE_BY = date(2007, 3, 31)
"""第一阶段…3月底前完成 (seed 002 L153)."""
SCREEN_FROM, SCREEN_TO = date(2007, 4, 1), date(2007, 4, 30)
"""第二阶段为排查清理阶段,4月份完成 (L153)."""
SUMMARY_BY = date(2007, 5, 20)
"""Choice: 5月中旬完成 (L153) read as the end of 中旬, the 20th."""
SUBMIT_BY = date(2007, 5, 20)
"""各乡镇(街道)…要在5月20日前…报送相关材料 (L153), read inclusively."""
COHORT = (date(2006, 1, 1), date(2007, 3, 31))
"""排查清理的对象是2006年1月至2007年3月回归的 (L151)."""


def _date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def in_scope(kind: str, released_on: date, as_of: date, calendar: Calendar) -> bool:
    """Whether a person is inside the revisit look-back on `as_of`: released from prison within
    5 years, from 劳教 within 3 (seed 002 L153); the day exactly 5 (3) years back is inside."""
    years = LOOK_BACK_YEARS[kind]
    return released_on >= calendar.add_months(as_of, -12 * years) if years else False


def in_cohort(released_on: date) -> bool:
    """Whether a person returned in the campaign's cohort, 2006-01 to 2007-03 (L151), inclusive."""
    return COHORT[0] <= released_on <= COHORT[1]


# -- guards ------------------------------------------------------------------------------------------


@guard("resettlement.notice_complete", "a release notice names the person, the kind and the release day")
def notice_complete(ctx: GuardContext) -> bool | str:
    """The notice's facts: person_id, name, kind (prison / labour), released_on, source."""
    data = ctx.data
    problems = []
    for field in ("person_id", "name", "source"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            problems.append(f"{field} is missing")
    if data.get("kind") not in KINDS:
        problems.append("kind must be prison (刑释) or labour (解教)")
    released = _date(data.get("released_on"))
    if released is None:
        problems.append("released_on must be a date")
    elif released.year != int(str(data.get("release_year", 0))):
        problems.append("release_year must be the year of released_on (use notice_data)")
    return "; ".join(problems) if problems else True


@guard("resettlement.card", "registration fills in the 登记卡 (card_no)", source="seed 002 L149, L153", on_payload=True)
def card(ctx: GuardContext) -> bool:
    """一人一卡: a registration names its card."""
    return isinstance(ctx.payload.get("card_no"), str) and bool(ctx.payload["card_no"].strip())


@guard(
    "resettlement.helper_and_agreement",
    "a helper is named and the 帮教协议书 signed; the first category is chosen",
    source="seed 002 L144, L146, L149",
    on_payload=True,
)
def helper_and_agreement(ctx: GuardContext) -> bool | str:
    """哪里有帮教对象，哪里就有帮教工作人员; 帮教协议书; the category at registration."""
    problems = []
    if not isinstance(ctx.payload.get("helper"), str) or not ctx.payload["helper"].strip():
        problems.append("helper (帮教工作人员) is missing")
    if ctx.payload.get("agreement_signed") is not True:
        problems.append("the 帮教协议书 is not signed")
    return "; ".join(problems) if problems else True


def _category_is(category: str) -> Any:
    @guard(f"resettlement.first_{category}", f"the first category is {CATEGORY_LABELS[category]}", on_payload=True)
    def check(ctx: GuardContext) -> bool:
        """The payload's category picks the state."""
        return ctx.payload.get("category") == category

    return check


FIRST: dict[str, Any] = {category: _category_is(category) for category in CATEGORIES}


@guard("resettlement.reason", "a reclassification or a search result states its reason", on_payload=True)
def reason(ctx: GuardContext) -> bool:
    """动态管理 is on the record: why the category changes."""
    return isinstance(ctx.payload.get("reason"), str) and bool(ctx.payload["reason"].strip())


@guard("resettlement.look_back_passed", "the case may close once the look-back has passed", source="seed 002 L153")
def look_back_passed(ctx: GuardContext) -> bool | str:
    """五年内刑释 / 三年内解教: after that the person is no longer revisited."""
    released = _date(ctx.data.get("released_on"))
    if released is None or ctx.calendar is None or ctx.data.get("kind") not in KINDS:
        return True
    today = ctx.calendar.local_date(ctx.now)
    if in_scope(str(ctx.data["kind"]), released, today, ctx.calendar):
        years = LOOK_BACK_YEARS[str(ctx.data["kind"])]
        return f"released {released.isoformat()}, still within the {years}-year look-back"
    return True


@guard("resettlement.detention_dated", "a new offence names the day of detention", on_payload=True)
def detention_dated(ctx: GuardContext) -> bool | str:
    """重新违法犯罪: the police report the day; not in the future, not before the release."""
    day = _date(ctx.payload.get("detained_on"))
    if day is None:
        return "detained_on is missing or not a date"
    if ctx.calendar is not None and day > ctx.calendar.local_date(ctx.now):
        return "detained_on lies in the future"
    released = _date(ctx.data.get("released_on"))
    if released is not None and day < released:
        return "detained_on is before the release"
    return True


@guard("resettlement.path_agency", "each path is settled by its agency", source="seed 002 L161-L164")
def path_agency(ctx: GuardContext) -> bool | str:
    """就业/培训 → 劳动保障, 基地 → 司法所, 低保 → 民政, 个体 → 工商, 就学 → 教育."""
    agency = PATH_AGENCY.get(str(ctx.data.get("path")))
    return True if agency in ctx.actor.roles else f"the {ctx.data.get('path')} path is settled by {agency}"


@guard("resettlement.referral_valid", "a referral names a known path", source="seed 002 L161-L164")
def referral_valid(ctx: GuardContext) -> bool | str:
    """The paths of L161–L164."""
    return True if ctx.data.get("path") in PATHS else f"path must be one of {', '.join(PATHS)}"


@guard("resettlement.referrals_listed", "a referral batch lists paths (referrals: [{path: ...}])", on_payload=True)
def referrals_listed(ctx: GuardContext) -> bool | str:
    """What the spawn turns into child tasks."""
    batch = ctx.payload.get("referrals")
    if not isinstance(batch, list) or not batch:
        return "referrals must be a non-empty list"
    bad = [item for item in batch if not isinstance(item, Mapping) or item.get("path") not in PATHS]
    return f"unknown paths in {bad}" if bad else True


@guard("resettlement.screened_counts", "the screening reports its counts (whole numbers ≥ 0)", on_payload=True)
def screened_counts(ctx: GuardContext) -> bool | str:
    """对照…逐一核对, 登记建档, 逐一回访, 查找去向不明, 新发现, 列为重点 — the township's numbers."""
    for field in SCREENING_COUNTS:
        value = ctx.payload.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{field} must be a whole number ≥ 0"
    if ctx.payload["revisited"] > ctx.payload["checked"]:
        return "revisited cannot exceed checked"
    return True


SCREENING_COUNTS = ("checked", "registered", "revisited", "missing", "new", "key_upgrades")
"""What a township reports from 排查清理 (seed 002 L153–L154)."""


# -- effects -----------------------------------------------------------------------------------------


def _today(ctx: EffectContext) -> str:
    calendar: Calendar = ctx.engine.calendar
    return calendar.local_date(ctx.now).isoformat()


@effect("resettlement.registered", "record the registration (登记建档)")
def record_registration(ctx: EffectContext) -> None:
    """The card and the day."""
    ctx.data["registered_on"] = _today(ctx)


@effect("resettlement.helper", "record the helper, the agreement and the category")
def record_helper(ctx: EffectContext) -> None:
    """帮教率 counts cases with a helper."""
    ctx.data["helped"] = True
    ctx.data["category"] = ctx.payload["category"]
    ctx.data["history"] = [*ctx.data.get("history", []), {"category": ctx.payload["category"], "on": _today(ctx)}]


@effect("resettlement.reclassified", "record the new category and why")
def record_category(ctx: EffectContext) -> None:
    """分类动态管理."""
    category = ctx.dest.rsplit(".", 1)[-1]
    ctx.data["category"] = category
    entry = {"category": category, "on": _today(ctx), "reason": ctx.payload["reason"]}
    ctx.data["history"] = [*ctx.data.get("history", []), entry]


@effect("resettlement.visit", "record a visit (谈心、家访)")
def record_visit(ctx: EffectContext) -> None:
    """Visits by whoever the category names."""
    ctx.data["visits"] = int(ctx.data.get("visits", 0)) + 1
    ctx.data["last_visit_on"] = _today(ctx)


@effect("resettlement.found", "the person is found: back under supervision")
def record_found(ctx: EffectContext) -> None:
    """查找到: registration follows."""
    ctx.data["found_on"] = _today(ctx)


@effect("resettlement.lost", "the person did not report in: 去向不明")
def record_lost(ctx: EffectContext) -> None:
    """脱管: counted by the campaign."""
    ctx.data["searched"] = True


@effect("resettlement.placed", "a referral placed the person: 安置")
def record_placement(ctx: EffectContext) -> None:
    """安置率 counts cases with a placement; 低保 coverage counts the 低保 path."""
    report = ctx.payload
    if report["outcome"] == "placed":
        path = report["outputs"].get("path")
        ctx.data["placements"] = [*ctx.data.get("placements", []), path]
        if path in RESETTLED_PATHS:
            ctx.data["resettled"] = True
        if path == "dibao":
            ctx.data["on_dibao"] = True


@effect("resettlement.reoffended", "重新违法犯罪: the case ends")
def record_reoffence(ctx: EffectContext) -> None:
    """The re-offence rate counts these, by the year of the detention."""
    ctx.data["outcome"] = "reoffended"
    ctx.data["ended_on"] = ctx.payload["detained_on"]


@effect("resettlement.closed", "the look-back has passed: the case closes")
def record_close(ctx: EffectContext) -> None:
    """Out of the register's active part."""
    ctx.data["outcome"] = "closed"
    ctx.data["ended_on"] = _today(ctx)


@effect("resettlement.referral_settled", "record the referral's outcome")
def record_referral(ctx: EffectContext) -> None:
    """Placed or declined, on the day."""
    ctx.data["settled_on"] = _today(ctx)


@effect("resettlement.screening", "record the township's screening counts")
def record_screening(ctx: EffectContext) -> None:
    """The counts the district sums."""
    for field in SCREENING_COUNTS:
        ctx.data[field] = ctx.payload[field]


@effect("resettlement.summary", "record the township's analysis (分析总结)")
def record_summary(ctx: EffectContext) -> None:
    """现状、动态、问题、对策."""
    ctx.data["summary"] = ctx.payload.get("summary", "")
    ctx.data["summarised_on"] = _today(ctx)


@effect("resettlement.tally", "add a township's counts to the campaign")
def tally_unit(ctx: EffectContext) -> None:
    """The district's totals, as the townships report them."""
    outputs = ctx.payload["outputs"]
    totals = dict(ctx.data.get("totals", {}))
    for field in SCREENING_COUNTS:
        totals[field] = int(totals.get(field, 0)) + int(outputs.get(field) or 0)
    ctx.data["totals"] = totals


# -- payloads ----------------------------------------------------------------------------------------


@attrs.frozen
class Nothing:
    """No payload."""


@attrs.frozen
class Reason:
    """Why (a reclassification, a search result)."""

    reason: str


@attrs.frozen
class Screening:
    """A township's 排查清理 counts (seed 002 L153–L154)."""

    checked: int
    registered: int
    revisited: int
    missing: int
    new: int
    key_upgrades: int


@attrs.frozen
class Summary:
    """分析总结: status, dynamics, problems, countermeasures."""

    summary: str


# -- the person's case ----------------------------------------------------------------------------

_ASSIST = ("assisting.key", "assisting.general", "assisting.stable")
_VISITORS = {
    "assisting.key": {"police_station", "justice_office"},  # 公安派出所和乡镇(街道)司法所 (L149)
    "assisting.general": {"township_cadre"},  # 乡镇(街道)干部会同村(社区)或单位领导 (L149)
    "assisting.stable": {"village_helper"},  # 村(社区)帮教工作人员 (L149)
}
_UPGRADERS = {"police_station", "justice_office"}  # 由公安派出所和乡镇(街道)司法所列为重点 (L149, L154)


def _report(source: str) -> Transition:
    return Transition(
        "referral_settled",
        source=source,
        dest=source,
        roles={"system"},
        payload_schema=ChildReport,
        effects=[record_placement],
        label="安置结果",
    )


def _assign(category: str) -> Transition:
    return Transition(
        "assign_helper",
        source="registered",
        dest=f"assisting.{category}",
        roles={"justice_office"},
        guards=[helper_and_agreement, FIRST[category]],
        effects=[record_helper],
        label=f"落实帮教人员、签订协议书({CATEGORY_LABELS[category]})",
    )


def _move(source: str, dest: str, roles: set[str], label: str) -> Transition:
    return Transition(
        "to_" + dest.rsplit(".", 1)[-1],
        source=source,
        dest=dest,
        roles=roles,
        guards=[reason],
        effects=[record_category],
        payload_schema=Reason,
        label=label,
    )


RESETTLEMENT = Workflow(
    name=WORKFLOW_NAME,
    version=1,
    title="刑释解教人员安置帮教",
    description="通知书/名单 → 核对 → 登记建档 → 落实帮教人员 → 分类帮教(重点/一般/稳定) → 期满 | 重新犯罪; 去向不明 → 查找.",
    index=("person_id", "kind", "release_year", "helped", "resettled", "outcome", "dibao_eligible", "on_dibao"),
    start_roles={"resettlement_office", "justice_office"},
    start_guards=[notice_complete],
    states=[
        State(
            "notified",
            "已收到释放通知",
            initial=True,
            deadlines=[
                Deadline(
                    "report_in",
                    REPORT_IN_WITHIN,
                    anchor=FromField("released_on"),
                    action=FireEvent("lose_contact"),
                    label="报到登记",
                    source="seed 002 L154 (去向不明); the 7 days are a choice",
                )
            ],
        ),
        State(
            "searching",
            "去向不明·查找中",
            deadlines=[Deadline("search", SEARCH_WITHIN, satisfied_by="found", label="查找", source="seed 002 L154")],
        ),
        State(
            "registered",
            "已登记建档",
            deadlines=[Deadline("helper", HELPER_WITHIN, label="落实帮教人员", source="seed 002 L144")],
        ),
        State(
            "assisting",
            "帮教中",
            states=[
                State("key", "一类·重点帮教(严密控制)", initial=True, deadlines=[KEY_VISITS]),
                State("general", "二类·定期帮教", deadlines=[GENERAL_VISITS]),
                State("stable", "三类·不定期谈话家访"),
            ],
        ),
        State("closed", "帮教期满", final=True),
        State("reoffended", "重新违法犯罪", final=True),
    ],
    transitions=[
        Transition(
            "register",
            source="notified",
            dest="registered",
            roles={"justice_office"},
            guards=[card],
            effects=[record_registration],
            label="核对名单、填写登记卡、建立档案",
        ),
        Transition(
            "lose_contact",
            source="notified",
            dest="searching",
            roles={"system", "justice_office"},
            effects=[record_lost],
            payload_schema=Nothing,
            label="未按时报到,去向不明",
        ),
        Transition(
            "found",
            source="searching",
            dest="registered",
            roles={"justice_office", "police_station"},
            guards=[reason, card],
            effects=[record_found, record_registration],
            label="查找到,登记建档",
        ),
        *[_assign(category) for category in CATEGORIES],
        _move("assisting.general", "assisting.key", _UPGRADERS, "有重新违法犯罪倾向,列为重点"),
        _move("assisting.stable", "assisting.key", _UPGRADERS, "有重新违法犯罪倾向,列为重点"),
        _move("assisting.key", "assisting.general", {"justice_office"}, "表现一般,调为一般帮教"),
        _move("assisting.general", "assisting.stable", {"justice_office"}, "表现较好、思想稳定,调为稳定"),
        _move("assisting.stable", "assisting.general", {"justice_office"}, "思想不够稳定,调为一般帮教"),
        *[
            Transition(
                "visit",
                source=state,
                dest=state,
                roles=_VISITORS[state],
                effects=[record_visit],
                payload_schema=Nothing,
                label="谈心、家访",
            )
            for state in _ASSIST
        ],
        *[
            Transition(
                "refer",
                source=state,
                dest=state,
                roles={"justice_office"},
                guards=[referrals_listed],
                spawn=[
                    Spawn(
                        REFERRAL_NAME, per="referrals", report="referral_settled", outputs=("path",), label="安置就业"
                    )
                ],
                label="转介就业、培训、基地、低保、工商、就学",
            )
            for state in (*_ASSIST, "registered")
        ],
        *[_report(state) for state in (*_ASSIST, "registered")],
        Transition(
            "close",
            source="assisting",
            dest="closed",
            roles={"justice_office"},
            guards=[look_back_passed],
            effects=[record_close],
            settle_children=KEEP,
            payload_schema=Nothing,
            label="帮教期满",
        ),
        Transition(
            "detained",
            source=("notified", "searching", "registered", "assisting"),
            dest="reoffended",
            roles={EXTERNAL_ROLE},
            guards=[detention_dated],
            effects=[record_reoffence],
            settle_children=KEEP,
            label="重新违法犯罪(公安通报)",
        ),
    ],
)

REFERRAL = Workflow(
    name=REFERRAL_NAME,
    version=1,
    title="安置就业转介",
    description="就业 / 培训 / 过渡性基地 / 低保 / 工商 / 就学: placed or declined, reported to the case.",
    index=("path",),
    start_roles={"justice_office"},
    start_guards=[referral_valid],
    states=[
        State("requested", "已转介", initial=True),
        State("placed", "已安置", final=True),
        State("declined", "未安置", final=True),
    ],
    transitions=[
        Transition(
            "place",
            source="requested",
            dest="placed",
            roles=set(PATH_AGENCY.values()),
            guards=[path_agency],
            effects=[record_referral],
            payload_schema=Nothing,
            label="安置落实",
        ),
        Transition(
            "decline",
            source="requested",
            dest="declined",
            roles=set(PATH_AGENCY.values()),
            guards=[path_agency, reason],
            effects=[record_referral],
            payload_schema=Reason,
            label="不符合条件/未安置",
        ),
    ],
)


# -- the 2007 screening campaign ----------------------------------------------------------------------

SCREENING_UNIT = Workflow(
    name=UNIT_NAME,
    version=1,
    title="乡镇(街道)集中排查清理",
    description="排查清理(4月) → 分析总结(5月中旬) → 报送区安教办(5月20日前).",
    start_roles={"district_office"},
    states=[
        State("screening", "排查清理", initial=True, window=Window(SCREEN_FROM, SCREEN_TO, label="4月份完成")),
        State("summarising", "分析总结", window=Window(SCREEN_TO, SUMMARY_BY, label="5月中旬完成")),
        State(
            "summarised",
            "已总结待报送",
            deadlines=[Deadline("submit", OnDate(SUBMIT_BY), label="5月20日前报送", source="seed 002 L153")],
        ),
        State("submitted", "已报送区安教办", final=True),
    ],
    transitions=[
        Transition(
            "screened",
            source="screening",
            dest="summarising",
            roles={"township_office"},
            guards=[screened_counts],
            effects=[record_screening],
            payload_schema=Screening,
            label="核对名单、登记建档、逐一回访",
        ),
        Transition(
            "summarise",
            source="summarising",
            dest="summarised",
            roles={"township_office"},
            effects=[record_summary],
            payload_schema=Summary,
            label="分析现状动态、提出对策、发现典型",
        ),
        Transition(
            "submit",
            source="summarised",
            dest="submitted",
            roles={"township_office"},
            payload_schema=Nothing,
            label="逐级上报、报送材料",
        ),
    ],
)

SCREENING_CAMPAIGN = Workflow(
    name=CAMPAIGN_NAME,
    version=1,
    title="2007年刑释解教人员集中排查清理",
    description="准备(3月底前) → 排查清理(4月) → 分析总结(5月中旬), 乡镇材料5月20日前报送.",
    start_roles={"district_office"},
    sequential_phases=True,
    milestones=[
        Milestone(
            "all_submitted",
            by=SUBMIT_BY,
            share=1.0,
            workflow=UNIT_NAME,
            states=("submitted",),
            label="各乡镇(街道)5月20日前报送",
            source="seed 002 L153",
        )
    ],
    states=[
        State("preparing", "排查资料准备", initial=True, window=Window(None, PREPARE_BY, label="3月底前完成")),
        State("screening", "排查清理", window=Window(SCREEN_FROM, SCREEN_TO, label="4月份完成")),
        State("summarising", "分析总结", window=Window(date(2007, 5, 1), SUMMARY_BY, label="5月中旬完成")),
        State("concluded", "已汇总上报", final=True),
    ],
    transitions=[
        Transition(
            "deploy",
            source="preparing",
            dest="screening",
            roles={"district_office"},
            spawn=[
                Spawn(
                    UNIT_NAME, per="townships", report="unit_submitted", outputs=SCREENING_COUNTS, label="乡镇排查清理"
                )
            ],
            label="收集通知书、部署各乡镇排查清理",
        ),
        *[
            Transition(
                "unit_submitted",
                source=state,
                dest=state,
                roles={"system"},
                payload_schema=ChildReport,
                effects=[tally_unit],
                label="乡镇报送结果",
            )
            for state in ("screening", "summarising")
        ],
        Transition(
            "begin_summary",
            source="screening",
            dest="summarising",
            roles={"district_office"},
            payload_schema=Nothing,
            label="转入分析总结",
        ),
        Transition(
            "conclude",
            source="summarising",
            dest="concluded",
            roles={"district_office"},
            guards=[join(UNIT_NAME, "submitted")],
            payload_schema=Nothing,
            label="汇总填报、逐级上报",
        ),
    ],
)

WORKFLOWS = [RESETTLEMENT, REFERRAL, SCREENING_UNIT, SCREENING_CAMPAIGN]


# -- helpers and queries ------------------------------------------------------------------------------


def notice_data(
    *,
    person_id: str,
    name: str,
    kind: str,
    released_on: date,
    source: str,
    dibao_eligible: bool = False,
    minor: bool = False,
) -> dict[str, Any]:
    """Start data from a release notice (刑释解教通知书) or a list entry."""
    return {
        "person_id": person_id,
        "name": name,
        "kind": kind,
        "released_on": released_on.isoformat(),
        "release_year": released_on.year,
        "source": source,
        "dibao_eligible": dibao_eligible,
        "minor": minor,
        "helped": False,
        "resettled": False,
        "on_dibao": False,
        "outcome": "open",
        "category": None,
        "referrals": [],
    }


def campaign_data(townships: list[str]) -> dict[str, Any]:
    """The campaign's data: the townships it spawns a screening for."""
    return {"townships": list(townships), "totals": {}}


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if whole else None


def _meets(name: str, value: Decimal | None) -> bool | None:
    if value is None:
        return None
    op, bound = KPI_TARGETS[name]
    return value >= bound if op == ">=" else value <= bound


def year_end_kpis(engine: Engine, year: int, unit: str | None = None) -> dict[str, Any]:
    """The year-end figures (seed 002 L146, L147, L164) from the stored cases, by indexed counts.

    The population is the persons released in `year` (`release_year`). 帮教率: with a helper; 安置率:
    placed on a path; re-offence rate: reoffended; 低保 coverage: on 低保 among the eligible. Each
    rate says whether it meets its target (inclusive); ``None`` when there is nobody to count.
    """
    where: dict[str, Any] = {"release_year": year}
    total = engine.count(WORKFLOW_NAME, unit=unit, where=where)
    helped = engine.count(WORKFLOW_NAME, unit=unit, where={**where, "helped": True})
    resettled = engine.count(WORKFLOW_NAME, unit=unit, where={**where, "resettled": True})
    reoffended = engine.count(WORKFLOW_NAME, unit=unit, where={**where, "outcome": "reoffended"})
    eligible = engine.count(WORKFLOW_NAME, unit=unit, where={**where, "dibao_eligible": True})
    covered = engine.count(WORKFLOW_NAME, unit=unit, where={**where, "dibao_eligible": True, "on_dibao": True})
    rates = {
        "assistance_rate": _rate(helped, total),
        "resettlement_rate": _rate(resettled, total),
        "reoffence_rate": _rate(reoffended, total),
        "dibao_coverage": _rate(covered, eligible),
    }
    return {
        "year": year,
        "persons": total,
        "helped": helped,
        "resettled": resettled,
        "reoffended": reoffended,
        "dibao_eligible": eligible,
        "on_dibao": covered,
        **rates,
        "meets": {name: _meets(name, rates[name]) for name in KPI_TARGETS},
    }
