# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""整改闭环 — the inspect–rectify loop: finding → notice → ledger → rectifying → verification → 销号.

An inspection finds a problem in a unit (发现问题). The inspector issues a rectification notice
(整改通知单) with a limit — a date (限期), N working days, or 长期 (long-term) — and the
office enters it in the rectification ledger (整改台账). The unit rectifies and reports; the
inspecting department verifies within 10 working days and either closes the item (销号) or sends
it back (重新整改) when the effect is poor or most residents are dissatisfied. An item not
rectified by its limit climbs the escalation ladder one rung at a time, each rung a transition
on the record: listed supervision (挂牌督办) → public exposure (曝光) → a deduction in the annual
assessment (考核扣分). Long-term items never fall overdue but owe a progress report every month.

Rules and their sources (seed file and line; digest ``assessment-schemes_seeds-000-004.md``
§D5, §D6; the states, transitions and guards cite the same lines):

- an unannounced inspection (暗访) photographs and numbers each deduction point (拍照编号):
  seed 000 L131 — hard, at start;
- the notice goes to the inspected unit, which rectifies; the department that issued it
  evaluates the effect within 10 working days: seed 004 L74, L76 — roles, a deadline;
- solvable problems at once, hard ones within a limit (限时解决): seed 004 L321; 整改期限 is a
  date, a year or 长期: seed 004 L349, L367, L383, L401, L443, L461 — hard: a notice states
  exactly one limit, and N working days must give the stated date;
- 建立整改台帐,领导挂牌督办,实行整改销号: seed 004 L323 — the states;
- 对解决问题效果不好、多数群众不满意的,要重新整改: seed 004 L323 — hard, on close and reopen;
- major hazards are screened and listed (挂牌督办): seed 004 L929, L951 — the office may list
  at once; look back and 回炉补火: seed 004 L937 — reopen;
- 实施县级挂牌督办并在县电视台进行曝光: seed 004 L977 — rung 2 (the office may take 1 and 2 together);
- failed acceptance: 限期整改 and 在年度考核中相应扣分: seed 004 L1087 — rung 3;
- 每起扣0.05、0.1、0.15、0.2、0.25分 by level (镇/县/市/省/国家), 整改不到位的,每起加倍扣分:
  seed 004 L176; 扣完该项分值为止: seed 004 L186 — `deduction`;
- monthly follow-up of open problems on the 1st–5th of the next month: seed 004 L76 — the
  长期 items' progress reports; staged reminders before a limit (分段提示): seed 000 L481.

None of the cited passages says 原则上, so there are no soft rules: every rule is hard, or is a
deadline whose lateness is recorded (not blocked).

**Choices where the text is silent** (each a named constant below):

- `VERIFY_FROM_REPORT`: seed 004 L76 counts the 10 working days from issuing the notice; in its
  monthly hospital cycle the fix is due at once. For notices with longer limits that would end
  the verification window before the work is due, so the window counts from the completion
  report (entering `verifying`).
- `LEDGER_WITHIN`: a notice not entered in the ledger by the office within 1 working day is
  entered by the system, so no notice escapes the ledger (seed 004 L323 建立整改台帐).
- `SUPERVISION_LIMIT`, `EXPOSURE_LIMIT`: the documents name the rungs but not when each is taken.
  An item is listed (挂牌督办) when its limit passes; the listing gives it 10 working days, then it
  is exposed (曝光); exposure gives it 10 more, then the deduction rung (考核扣分) is taken. Each
  rung's time counts from the rung before, so a sweep that runs late takes one rung at a time,
  and a major hazard the office lists early (seed 004 L929) is supervised for 10 working days
  from its listing. The office may take rungs 1 and 2 earlier by hand, or both at once for a
  major hazard (seed 004 L977).
- `MAJORITY`: 多数 is read as more than half of those surveyed (exactly half is not a majority);
  no survey (0 surveyed) is no majority.
- `REOPEN_RULE`: 效果不好、多数群众不满意 is read as *either* (each alone requires 重新整改); close
  needs a good effect *and* no dissatisfied majority, so close and reopen never both apply.
- `LIMIT_MAY_BE_TODAY`: a limit may be the issue day itself (立即予以解决, seed 004 L321), not
  earlier.
- `UNRECTIFIED`: 整改不到位 (doubling) means, when the assessment is read: the item reached the
  考核扣分 rung, or it is open and past its limit. An item closed late but before the assessment
  is rectified; a 长期 item still open is not 不到位 (`LONG_TERM_DOUBLES = False`).
- `PROGRESS_EVERY`, `PROGRESS_AFTER`: long-term items report monthly, by the 5th of the next
  month.
- Overdue days are calendar days after the limit (`OVERDUE_DAYS_UNIT`).
- The rectifying unit is the instance's `unit` (pass ``unit=`` to `Engine.start`); only its people
  report (`OwnUnitOnly`), and its people may not verify (`NotOwnUnit`).

**Assessment queries** (indexed fields: ``level``, ``escalation``, ``reopened``, ``long_term``):
`state_counts`, `overdue_items`, `escalation_counts`, `reopen_stats`, `deduction`, `assess`.
They use `Engine.count`, `Engine.find` with `where=` on those fields, and `Engine.overdue`;
none loads every instance.

```mermaid
---
title: rectification v1 (整改闭环)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "found (发现问题)" as found
  Class found s_default
  state "notified (已下发整改通知)" as notified
  Class notified s_default
  state "rectifying (限期整改中)" as rectifying
  Class rectifying s_default
  state "supervised (挂牌督办中)" as supervised
  Class supervised s_default
  state "exposed (已曝光)" as exposed
  Class exposed s_default
  state "deducted (考核扣分(仍须整改))" as deducted
  Class deducted s_default
  state "long_term (长期整改中)" as long_term
  Class long_term s_default
  state "verifying (整改核查中)" as verifying
  Class verifying s_default
  state "closed (已销号)" as closed
  Class closed s_final

  found --> notified: issue_notice (下发整改通知单) [inspector] if rectification.notice_numbered, rectification.limit_stated, rectification.limit_not_past, rectification.working_days_match
  notified --> rectifying: register (登记整改台账) [office, system] if rectification.ledger_dated
  notified --> long_term: register (登记整改台账(长期)) [office, system] if rectification.ledger_long_term
  rectifying --> supervised: list_supervision (挂牌督办) [office, system]
  rectifying --> exposed: expose (挂牌督办并曝光) [office]
  rectifying --> verifying: report_done (报告整改完成) [rectifier] 分离 own-unit-only
  supervised --> exposed: expose (曝光) [office, system]
  supervised --> verifying: report_done (报告整改完成) [rectifier] 分离 own-unit-only
  exposed --> deducted: deduct (考核扣分) [office, system]
  exposed --> verifying: report_done (报告整改完成) [rectifier] 分离 own-unit-only
  long_term --> long_term: report_progress (报送整改进展) [rectifier] 分离 own-unit-only
  long_term --> verifying: report_done (报告整改完成) [rectifier] 分离 own-unit-only
  deducted --> verifying: report_done (报告整改完成) [rectifier] 分离 own-unit-only
  verifying --> rectifying: reopen (重新整改) [inspector] if rectification.survey_consistent, rectification.reopen_warranted, rectification.notice_numbered, rectification.limit_stated, rectification.limit_not_past, rectification.working_days_match, rectification.reopen_dated 分离 not-own-unit
  verifying --> long_term: reopen (重新整改(长期)) [inspector] if rectification.survey_consistent, rectification.reopen_warranted, rectification.notice_numbered, rectification.limit_stated, rectification.limit_not_past, rectification.working_days_match, rectification.reopen_long_term 分离 not-own-unit
  verifying --> closed: close (核查通过销号) [inspector] if rectification.survey_consistent, rectification.rectified 分离 not-own-unit
  [*] --> found
  closed --> [*]
  note right of notified : ledger (登记台账)： 1 working days (个工作日), from entering the state； fire register as system
  note right of rectifying : limit (逾期挂牌督办)： 1 days (日), from data field 'due_eve'； fire list_supervision as system
  note right of supervised : exposure (督办逾期曝光)： 10 working days (个工作日), from entering the state； fire expose as system
  note right of exposed : assessment (曝光后考核扣分)： 10 working days (个工作日), from entering the state； fire deduct as system
  note right of long_term : progress (整改进展月报)： every month, due 5 days (日) after it ends； met by report_progress, each period； mark overdue (逾期)
  note right of verifying : verify (整改效果评价)： 10 working days (个工作日), from entering the state； mark overdue (逾期)
```
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, get_args

import attrs

from govflow import (
    Actor,
    Days,
    Deadline,
    Engine,
    FireEvent,
    FromField,
    Recurring,
    State,
    TickOutcome,
    Transition,
    Workflow,
    WorkingDays,
)
from govflow.access import NotOwnUnit, OwnUnitOnly
from govflow.clock import SHANGHAI
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard

WORKFLOW_NAME = "rectification"
"""The workflow's name, as `Engine.start` and the queries use it."""

TZ = SHANGHAI
"""The time zone effects date things in (effects are not given the engine's calendar)."""

Level = Literal["town", "county", "city", "province", "national"]
"""Who organised the inspection that found the problem: 镇 / 县 / 市 / 省 / 国家."""

LEVELS: tuple[Level, ...] = get_args(Level)
LEVEL_LABELS: dict[str, str] = {"town": "镇", "county": "县", "city": "市", "province": "省", "national": "国家"}

Rung = Literal["supervised", "exposed", "deducted"]
"""The escalation ladder's rungs, lowest first: 挂牌督办, 曝光, 考核扣分."""

RUNGS: tuple[Rung, ...] = get_args(Rung)
RUNG_LABELS: dict[str, str] = {"supervised": "挂牌督办", "exposed": "曝光", "deducted": "考核扣分"}
Escalation = Literal["none", "supervised", "exposed", "deducted"]

# -- the documents' numbers, and the choices where they are silent ------------------------------

VERIFY_WITHIN = WorkingDays(10)
"""整改效果评价 within 10 working days (seed 004 L76)."""

VERIFY_FROM_REPORT = True
"""Choice: the verification window counts from the completion report, not from the notice."""

LEDGER_WITHIN = WorkingDays(1)
"""Choice: the system enters a notice in the ledger if the office has not within this."""

SUPERVISION_LIMIT = WorkingDays(10)
"""Choice: 挂牌督办 gives this long, counted from the listing; then 曝光."""

EXPOSURE_LIMIT = WorkingDays(10)
"""Choice: 曝光 gives this long, counted from the exposure; then the 考核扣分 rung."""

REMIND_BEFORE = WorkingDays(3)
"""Choice of number: one staged reminder (分段提示, seed 000 L481) this long before the limit."""

PROGRESS_EVERY: Literal["month"] = "month"
"""Choice: long-term items report progress monthly (follow-up on the 1st–5th, seed 004 L76)."""

PROGRESS_AFTER = Days(5)
"""…by the 5th of the next month (seed 004 L76 次月1-5号)."""

MAJORITY = "more than half"
"""Choice: 多数群众不满意 means dissatisfied × 2 > surveyed (exclusive of exactly half)."""

REOPEN_RULE = "either"
"""Choice: poor effect OR a dissatisfied majority requires 重新整改 (seed 004 L323)."""

LIMIT_MAY_BE_TODAY = True
"""Choice: a limit on the issue day itself is allowed (立即予以解决, seed 004 L321)."""

BASE_DEDUCTION: dict[str, Decimal] = {
    "town": Decimal("0.05"),
    "county": Decimal("0.1"),
    "city": Decimal("0.15"),
    "province": Decimal("0.2"),
    "national": Decimal("0.25"),
}
"""Per finding, by who found it: 每起扣0.05、0.1、0.15、0.2、0.25分 (seed 004 L176)."""

DOUBLING_FACTOR = 2
"""整改不到位的,每起加倍扣分 (seed 004 L176)."""

UNRECTIFIED = "reached 考核扣分, or open past its limit when the assessment is read"
"""Choice: what 整改不到位 means for doubling."""

LONG_TERM_DOUBLES = False
"""Choice: an open 长期 item is not 整改不到位 (its limit is 长期)."""

OVERDUE_DAYS_UNIT = "calendar days"
"""Choice: overdue days are calendar days after the limit date."""

ROLES: dict[str, str] = {
    "inspector": "检查人员 (职能部门)",
    "office": "台账与督办 (安委办/质量管理办公室)",
    "rectifier": "整改责任单位",
}
"""The workflow's roles beside their Chinese names (timers act as ``system``)."""


# -- data -----------------------------------------------------------------------------------------


@attrs.frozen
class RungRecord:
    """One rung taken: which, on what day, by whom (``system`` when the sweep took it)."""

    rung: Rung
    on: date
    by: str


@attrs.frozen
class Finding:
    """One ledger item (整改台账条目). Start data gives the first five fields; the rest are kept
    by the workflow's effects from the events' payloads and may not be given at start."""

    item: str
    """The problem found (问题描述)."""
    level: Level = "county"
    """Who organised the inspection (镇/县/市/省/国家): sets the deduction (seed 004 L176)."""
    unannounced: bool = False
    """Found in an unannounced inspection (暗访)."""
    photo_no: str = ""
    """The numbered photo of the deduction point (拍照编号, seed 000 L131)."""
    major: bool = False
    """A major hazard (重大隐患), which the office may list for supervision at once (seed 004 L929)."""
    notice_no: str = ""
    issued_on: date | None = None
    due_date: date | None = None
    """The limit (限期), inclusive: rectified by the end of this day. None for 长期."""
    working_days: int | None = None
    """N when the notice gave its limit as N working days (the date is then N working days on)."""
    long_term: bool = False
    due_eve: date | None = None
    """Internal: the day before `due_date`, what the limit's timers count one day from."""
    reported_on: date | None = None
    days_late: int = 0
    """Calendar days between the limit and the (last) completion report, 0 if on time."""
    closed_on: date | None = None
    reopens: int = 0
    reopened: bool = False
    escalation: Escalation = "none"
    """The highest rung reached."""
    rungs: list[RungRecord] = attrs.field(factory=list)


DERIVED = (
    "notice_no",
    "issued_on",
    "due_date",
    "working_days",
    "long_term",
    "due_eve",
    "reported_on",
    "days_late",
    "closed_on",
    "reopens",
    "reopened",
    "escalation",
    "rungs",
)
"""Fields the workflow keeps itself: a finding starts with them at their defaults."""


@attrs.frozen
class Notice:
    """整改通知单: its number and limit — `due_date` (with `working_days` when it was given as N
    个工作日), or `long_term` (长期) — and what must be done."""

    notice_no: str
    due_date: date | None = None
    working_days: int | None = None
    long_term: bool = False
    requirement: str = ""


@attrs.frozen
class Report:
    """整改完成报告 / 进展报告: what the unit did."""

    summary: str


@attrs.frozen
class Verification:
    """整改核查: was the effect good, and how many residents were surveyed / dissatisfied."""

    effective: bool
    surveyed: int = 0
    dissatisfied: int = 0
    opinion: str = ""


@attrs.frozen
class Reopening:
    """重新整改: the verification that sent it back, and the new notice's number and limit."""

    effective: bool
    notice_no: str
    surveyed: int = 0
    dissatisfied: int = 0
    opinion: str = ""
    due_date: date | None = None
    working_days: int | None = None
    long_term: bool = False
    requirement: str = ""


@attrs.frozen
class NoPayload:
    """Events that carry nothing (so a payload cannot rewrite the ledger's fields)."""


# -- helpers --------------------------------------------------------------------------------------


def _today(ctx: GuardContext) -> date:
    return ctx.calendar.local_date(ctx.now) if ctx.calendar is not None else ctx.now.astimezone(TZ).date()


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def is_majority(dissatisfied: int, surveyed: int) -> bool:
    """多数: more than half of those surveyed (`MAJORITY`); nobody surveyed is no majority."""
    return surveyed > 0 and dissatisfied * 2 > surveyed


# -- rules ----------------------------------------------------------------------------------------


@guard("rectification.item_described", "a finding must say what the problem is (问题描述)", source="seed 000 L131")
def item_described(ctx: GuardContext) -> bool:
    """The finding names its problem: a deduction point is recorded (记录), not left blank."""
    return bool(str(ctx.data.get("item", "")).strip())


@guard(
    "rectification.photo_numbered",
    "a finding of an unannounced inspection (暗访) needs its numbered photo (拍照编号)",
    source="seed 000 L131",
)
def photo_numbered(ctx: GuardContext) -> bool:
    """采取暗访形式进行,对扣分点进行拍照编号记录."""
    return not ctx.data.get("unannounced") or bool(str(ctx.data.get("photo_no", "")).strip())


@guard("rectification.fresh_record", "the ledger fields are kept by the workflow and cannot be given at start")
def fresh_record(ctx: GuardContext) -> bool | str:
    """Integrity: a new finding has no notice, dates, reopens or rungs yet."""
    defaults = Finding(item="x")
    given = sorted(f for f in DERIVED if getattr(ctx.model, f) != getattr(defaults, f))
    return not given or f"the ledger fields are kept by the workflow and cannot be given at start: {', '.join(given)}"


@guard("rectification.notice_numbered", "a rectification notice needs its number (通知单编号)", on_payload=True)
def notice_numbered(ctx: GuardContext) -> bool:
    """The notice is a document with a number, so the ledger can cite it (seed 004 L74)."""
    return bool(str(ctx.payload.get("notice_no", "")).strip())


@guard(
    "rectification.limit_stated",
    "a notice states its limit: a date (限期), N working days with the date they give, or 长期 — exactly one",
    source="seed 004 L321, L349",
    on_payload=True,
)
def limit_stated(ctx: GuardContext) -> bool:
    """整改期限: a date or 长期, never both, never neither; N working days come with their date."""
    long_term = bool(ctx.payload.get("long_term"))
    due = ctx.payload.get("due_date")
    if long_term:
        return due is None and ctx.payload.get("working_days") is None
    return due is not None


@guard(
    "rectification.limit_not_past",
    "the limit cannot be earlier than the day the notice is issued",
    source="seed 004 L321",
    on_payload=True,
)
def limit_not_past(ctx: GuardContext) -> bool | str:
    """限时解决: the limit lies ahead (the issue day itself allowed, `LIMIT_MAY_BE_TODAY`)."""
    due = _day(ctx.payload.get("due_date"))
    today = _today(ctx)
    if due is None or due > today or (LIMIT_MAY_BE_TODAY and due == today):
        return True
    return f"the limit {due.isoformat()} is before the issue day {today.isoformat()}"


@guard(
    "rectification.working_days_match",
    "a limit of N working days must be the date N working days after the issue day",
    source="seed 004 L76",
    on_payload=True,
)
def working_days_match(ctx: GuardContext) -> bool | str:
    """N 个工作日 on the engine's (PRC) calendar, the issue day not counted (docs/time.md)."""
    n = ctx.payload.get("working_days")
    due = _day(ctx.payload.get("due_date"))
    if n is None or due is None:
        return True
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return f"working_days must be a whole number ≥ 1, not {n!r}"
    if ctx.calendar is None:
        return "no calendar to count working days with"
    expected = ctx.calendar.add_working_days(_today(ctx), n)
    return (
        due == expected or f"{n} working days from {_today(ctx).isoformat()} end on {expected.isoformat()}, not {due}"
    )


@guard("rectification.ledger_dated", "the notice has a dated limit", source="seed 004 L321")
def ledger_dated(ctx: GuardContext) -> bool:
    """Branch: a dated notice is rectified under its limit."""
    return not ctx.data.get("long_term")


@guard("rectification.ledger_long_term", "the notice's limit is 长期", source="seed 004 L349")
def ledger_long_term(ctx: GuardContext) -> bool:
    """Branch: a 长期 item is rectified with monthly progress reports."""
    return bool(ctx.data.get("long_term"))


@guard("rectification.reopen_dated", "the new notice has a dated limit", source="seed 004 L321", on_payload=True)
def reopen_dated(ctx: GuardContext) -> bool:
    """Branch of 重新整改: back under a dated limit."""
    return not ctx.payload.get("long_term")


@guard("rectification.reopen_long_term", "the new notice's limit is 长期", source="seed 004 L349", on_payload=True)
def reopen_long_term(ctx: GuardContext) -> bool:
    """Branch of 重新整改: back as a 长期 item."""
    return bool(ctx.payload.get("long_term"))


@guard(
    "rectification.survey_consistent",
    "a survey counts 0 ≤ dissatisfied ≤ surveyed",
    on_payload=True,
)
def survey_consistent(ctx: GuardContext) -> bool | str:
    """The verification's survey numbers make sense."""
    surveyed, dissatisfied = ctx.payload.get("surveyed", 0), ctx.payload.get("dissatisfied", 0)
    return 0 <= dissatisfied <= surveyed or f"survey of {surveyed} with {dissatisfied} dissatisfied is impossible"


@guard(
    "rectification.rectified",
    "an item is closed (销号) only when the effect is good and most residents are not dissatisfied",
    source="seed 004 L323",
    on_payload=True,
)
def rectified(ctx: GuardContext) -> bool | str:
    """对解决问题效果不好、多数群众不满意的,要重新整改 — so neither may be true at 销号."""
    reasons = []
    if not ctx.payload.get("effective"):
        reasons.append("the effect was judged poor (效果不好)")
    surveyed, dissatisfied = ctx.payload.get("surveyed", 0), ctx.payload.get("dissatisfied", 0)
    if is_majority(dissatisfied, surveyed):
        reasons.append(f"{dissatisfied} of {surveyed} surveyed are dissatisfied (多数群众不满意)")
    if not reasons:
        return True
    return "cannot close (销号): " + "; ".join(reasons) + " — 要重新整改"


@guard(
    "rectification.reopen_warranted",
    "重新整改 is for a poor effect or a dissatisfied majority; this verification found neither",
    source="seed 004 L323",
    on_payload=True,
)
def reopen_warranted(ctx: GuardContext) -> bool:
    """`REOPEN_RULE`: either a poor effect or a dissatisfied majority."""
    surveyed, dissatisfied = ctx.payload.get("surveyed", 0), ctx.payload.get("dissatisfied", 0)
    return not ctx.payload.get("effective") or is_majority(dissatisfied, surveyed)


NOTICE_RULES = [notice_numbered, limit_stated, limit_not_past, working_days_match]


# -- effects --------------------------------------------------------------------------------------


def _local_today(ctx: EffectContext) -> date:
    return ctx.now.astimezone(TZ).date()


def _apply_notice(ctx: EffectContext) -> None:
    today = _local_today(ctx)
    due = _day(ctx.payload.get("due_date"))
    long_term = bool(ctx.payload.get("long_term"))
    ctx.data.update(
        notice_no=ctx.payload["notice_no"],
        issued_on=today.isoformat(),
        due_date=None if long_term or due is None else due.isoformat(),
        working_days=None if long_term else ctx.payload.get("working_days"),
        long_term=long_term,
        due_eve=None if long_term or due is None else (due - timedelta(days=1)).isoformat(),
    )


@effect("rectification.record_notice", "write the notice's number and limit into the ledger item")
def record_notice(ctx: EffectContext) -> None:
    """下发整改通知单: the ledger item takes the notice's number, issue day and limit."""
    _apply_notice(ctx)


@effect("rectification.record_rung", "record the escalation rung taken")
def record_rung(ctx: EffectContext) -> None:
    """Each rung is recorded with its day and who took it (``system`` for the sweep). Exposing
    straight from `rectifying` takes both rungs at once: 实施县级挂牌督办并在县电视台进行曝光
    (seed 004 L977)."""
    rung = {"list_supervision": "supervised", "expose": "exposed", "deduct": "deducted"}[ctx.event]
    taken = ["supervised", rung] if ctx.event == "expose" and ctx.source == "rectifying" else [rung]
    on = _local_today(ctx).isoformat()
    ctx.data["rungs"] = [*ctx.data.get("rungs", []), *({"rung": r, "on": on, "by": ctx.actor.id} for r in taken)]
    order = ("none", *RUNGS)
    if order.index(rung) > order.index(ctx.data.get("escalation", "none")):
        ctx.data["escalation"] = rung


@effect("rectification.record_report", "record the completion report's day and lateness")
def record_report(ctx: EffectContext) -> None:
    """报告整改完成: the day, and how many calendar days after the limit (0 if in time)."""
    today = _local_today(ctx)
    due = _day(ctx.data.get("due_date"))
    ctx.data["reported_on"] = today.isoformat()
    ctx.data["days_late"] = max(0, (today - due).days) if due is not None and not ctx.data.get("long_term") else 0


@effect("rectification.record_close", "record the day the item was closed (销号)")
def record_close(ctx: EffectContext) -> None:
    """销号."""
    ctx.data["closed_on"] = _local_today(ctx).isoformat()


@effect("rectification.record_reopen", "count the reopen and take the new notice's limit")
def record_reopen(ctx: EffectContext) -> None:
    """重新整改: one more reopen, and the new notice replaces the old limit."""
    ctx.data["reopens"] = int(ctx.data.get("reopens", 0)) + 1
    ctx.data["reopened"] = True
    _apply_notice(ctx)


# -- the definition -------------------------------------------------------------------------------

RECTIFY = Deadline(
    "rectify",
    Days(1),
    anchor=FromField("due_eve"),
    remind=(REMIND_BEFORE,),
    satisfied_by="report_done",
    label="整改期限",
    source="seed 004 L321, L323",
)
"""The notice's limit, an obligation that outlives the ladder's states: it falls overdue at 24:00
on `due_date` (one day after `due_eve`) and stays overdue until the completion report."""

LADDER = (
    Deadline(
        "limit",
        Days(1),
        anchor=FromField("due_eve"),
        action=FireEvent("list_supervision"),
        label="逾期挂牌督办",
        source="seed 004 L323, L951",
    ),
    Deadline(
        "exposure",
        SUPERVISION_LIMIT,
        action=FireEvent("expose"),
        label="督办逾期曝光",
        source="seed 004 L977",
    ),
    Deadline(
        "assessment",
        EXPOSURE_LIMIT,
        action=FireEvent("deduct"),
        label="曝光后考核扣分",
        source="seed 004 L1087",
    ),
)
"""The escalation ladder's timers, one per rung's state: rung 1 when the limit passes, each later
rung `SUPERVISION_LIMIT` / `EXPOSURE_LIMIT` after the one before."""

RECTIFYING = ("rectifying", "supervised", "exposed", "deducted")
"""States in which a dated item is being rectified (at some rung of the ladder)."""

OPEN_STATES = ("found", "notified", *RECTIFYING, "long_term", "verifying")
"""Every state but `closed`."""

_NONE = NoPayload
_SYSTEM_OR_OFFICE = {"office", "system"}

RECTIFICATION = Workflow(
    name=WORKFLOW_NAME,
    version=1,
    title="整改闭环",
    description="Inspection finding → 整改通知单 → 整改台账 → 整改 → 核查 → 销号 | 重新整改 | 挂牌督办 → 曝光 → 考核扣分.",
    schema=Finding,
    index=("level", "escalation", "reopened", "long_term"),
    start_roles={"inspector"},
    start_guards=[item_described, photo_numbered, fresh_record],
    states=[
        State("found", "发现问题", initial=True),
        State(
            "notified",
            "已下发整改通知",
            deadlines=[Deadline("ledger", LEDGER_WITHIN, action=FireEvent("register"), label="登记台账")],
        ),
        State("rectifying", "限期整改中", deadlines=[LADDER[0]]),
        State("supervised", "挂牌督办中", deadlines=[LADDER[1]]),
        State("exposed", "已曝光", deadlines=[LADDER[2]]),
        State("deducted", "考核扣分(仍须整改)"),
        State(
            "long_term",
            "长期整改中",
            deadlines=[
                Recurring(
                    "progress",
                    PROGRESS_EVERY,
                    PROGRESS_AFTER,
                    satisfied_by="report_progress",
                    label="整改进展月报",
                    source="seed 004 L76",
                )
            ],
        ),
        State(
            "verifying",
            "整改核查中",
            deadlines=[Deadline("verify", VERIFY_WITHIN, label="整改效果评价", source="seed 004 L76")],
        ),
        State("closed", "已销号", final=True),
    ],
    transitions=[
        Transition(
            "issue_notice",
            source="found",
            dest="notified",
            roles={"inspector"},
            payload_schema=Notice,
            guards=NOTICE_RULES,
            effects=[record_notice],
            label="下发整改通知单",
        ),
        Transition(
            "register",
            source="notified",
            dest="rectifying",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=_NONE,
            guards=[ledger_dated],
            opens=[RECTIFY],
            label="登记整改台账",
        ),
        Transition(
            "register",
            source="notified",
            dest="long_term",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=_NONE,
            guards=[ledger_long_term],
            label="登记整改台账(长期)",
        ),
        Transition(
            "list_supervision",
            source="rectifying",
            dest="supervised",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=_NONE,
            effects=[record_rung],
            label="挂牌督办",
        ),
        Transition(
            "expose",
            source="supervised",
            dest="exposed",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=_NONE,
            effects=[record_rung],
            label="曝光",
        ),
        Transition(
            "expose",
            source="rectifying",
            dest="exposed",
            roles={"office"},
            payload_schema=_NONE,
            effects=[record_rung],
            label="挂牌督办并曝光",
        ),
        Transition(
            "deduct",
            source="exposed",
            dest="deducted",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=_NONE,
            effects=[record_rung],
            label="考核扣分",
        ),
        Transition(
            "report_progress",
            source="long_term",
            dest="long_term",
            roles={"rectifier"},
            separation=[OwnUnitOnly()],
            payload_schema=Report,
            label="报送整改进展",
        ),
        Transition(
            "report_done",
            source=[*RECTIFYING, "long_term"],
            dest="verifying",
            roles={"rectifier"},
            separation=[OwnUnitOnly()],
            payload_schema=Report,
            effects=[record_report],
            label="报告整改完成",
        ),
        Transition(
            "reopen",
            source="verifying",
            dest="rectifying",
            roles={"inspector"},
            separation=[NotOwnUnit()],
            payload_schema=Reopening,
            guards=[survey_consistent, reopen_warranted, *NOTICE_RULES, reopen_dated],
            effects=[record_reopen],
            opens=[RECTIFY],
            label="重新整改",
        ),
        Transition(
            "reopen",
            source="verifying",
            dest="long_term",
            roles={"inspector"},
            separation=[NotOwnUnit()],
            payload_schema=Reopening,
            guards=[survey_consistent, reopen_warranted, *NOTICE_RULES, reopen_long_term],
            effects=[record_reopen],
            label="重新整改(长期)",
        ),
        Transition(
            "close",
            source="verifying",
            dest="closed",
            roles={"inspector"},
            separation=[NotOwnUnit()],
            payload_schema=Verification,
            guards=[survey_consistent, rectified],
            effects=[record_close],
            label="核查通过销号",
        ),
    ],
)
"""The 整改闭环 workflow."""

WORKFLOWS = [RECTIFICATION]


# -- building payloads ----------------------------------------------------------------------------


def notice_payload(
    engine: Engine,
    notice_no: str,
    *,
    working_days: int | None = None,
    due_date: date | None = None,
    long_term: bool = False,
    requirement: str = "",
) -> dict[str, Any]:
    """A `Notice` payload for issuing now: give `working_days` (the date is counted on the
    engine's calendar from today), a `due_date`, or `long_term=True`."""
    if working_days is not None:
        due_date = engine.calendar.add_working_days(engine.calendar.local_date(engine.now()), working_days)
    body: dict[str, Any] = {"notice_no": notice_no, "long_term": long_term, "requirement": requirement}
    if due_date is not None:
        body["due_date"] = due_date.isoformat()
    if working_days is not None:
        body["working_days"] = working_days
    return body


def reopen_payload(
    engine: Engine,
    notice_no: str,
    *,
    effective: bool,
    surveyed: int = 0,
    dissatisfied: int = 0,
    opinion: str = "",
    working_days: int | None = None,
    due_date: date | None = None,
    long_term: bool = False,
) -> dict[str, Any]:
    """A `Reopening` payload: the verification's findings and the new notice (as `notice_payload`)."""
    body = notice_payload(engine, notice_no, working_days=working_days, due_date=due_date, long_term=long_term)
    body.update(effective=effective, surveyed=surveyed, dissatisfied=dissatisfied, opinion=opinion)
    return body


# -- sweeping --------------------------------------------------------------------------------------


def sweep(engine: Engine, *, max_rounds: int = 100) -> list[TickOutcome]:
    """`Engine.tick` until nothing more is due at the clock's now; every outcome, in order.

    One `tick` acts on the timers due when it starts. A timer it arms that is already due — the
    next rung after a sweep that ran late, the next month's progress report after months without
    a sweep — waits for the next tick. Run this after the clock jumps (tests, a catch-up after
    downtime); a worker sweeping every few seconds gets the same result over its next sweeps.
    """
    done: list[TickOutcome] = []
    for _ in range(max_rounds):
        outcomes = engine.tick()
        if not outcomes:
            break
        done.extend(outcomes)
    return done


# -- assessment queries ---------------------------------------------------------------------------


def year_window(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) in Beijing time: findings recorded in `year`."""
    return datetime(year, 1, 1, tzinfo=TZ), datetime(year + 1, 1, 1, tzinfo=TZ)


def _window(year: int | None) -> tuple[datetime | None, datetime | None]:
    return year_window(year) if year is not None else (None, None)


def state_counts(engine: Engine, *, unit: str | None = None, year: int | None = None) -> dict[str, int]:
    """How many items are in each state (one `count` per state), for a unit and a year."""
    start, end = _window(year)
    return {
        s.name: engine.count(WORKFLOW_NAME, state=s.name, unit=unit, created_from=start, created_to=end)
        for s in RECTIFICATION.states
    }


@attrs.frozen
class OverdueItem:
    """An item past its limit and not yet reported done (逾期未整改)."""

    instance_id: str
    unit: str | None
    item: str
    level: str
    due_date: date
    days_overdue: int
    """Calendar days from the limit to today (`OVERDUE_DAYS_UNIT`)."""
    state: str
    escalation: str


def overdue_items(engine: Engine, *, unit: str | None = None, year: int | None = None) -> list[OverdueItem]:
    """Items whose limit (the ``rectify`` obligation) has passed unmet, oldest limit first.

    Read from `Engine.overdue`; other overdue timers of this workflow (a late verification, a
    missed progress report) are not the item's lateness and are left out.
    """
    today = engine.calendar.local_date(engine.now())
    start, end = _window(year)
    found = []
    for due in engine.overdue(WORKFLOW_NAME, unit=unit):
        if due.timer.name != RECTIFY.name or due.timer.action == "remind":
            continue
        inst = due.instance
        if start is not None and end is not None and not start <= inst.created_at < end:
            continue
        limit = date.fromisoformat(due.timer.params["due_date"])
        found.append(
            OverdueItem(
                instance_id=inst.id,
                unit=inst.unit,
                item=inst.data.get("item", ""),
                level=inst.data.get("level", "county"),
                due_date=limit,
                days_overdue=(today - limit).days,
                state=inst.state,
                escalation=inst.data.get("escalation", "none"),
            )
        )
    return found


def escalation_counts(engine: Engine, *, unit: str | None = None, year: int | None = None) -> dict[str, int]:
    """How many items reached each rung (an item that reached 曝光 also counts under 挂牌督办)."""
    start, end = _window(year)
    highest = {
        rung: engine.count(WORKFLOW_NAME, unit=unit, where={"escalation": rung}, created_from=start, created_to=end)
        for rung in RUNGS
    }
    return {rung: sum(highest[r] for r in RUNGS[i:]) for i, rung in enumerate(RUNGS)}


@attrs.frozen
class ReopenStats:
    """Items sent back at least once, and the reopens in all."""

    items: int
    reopens: int


def reopen_stats(engine: Engine, *, unit: str | None = None, year: int | None = None) -> ReopenStats:
    """Reopened items (indexed ``reopened``) and their total reopens."""
    start, end = _window(year)
    found = engine.find(WORKFLOW_NAME, unit=unit, where={"reopened": True}, created_from=start, created_to=end)
    return ReopenStats(items=len(found), reopens=sum(int(i.data.get("reopens", 0)) for i in found))


@attrs.frozen
class Deduction:
    """A unit's deduction for its findings of a year (seed 004 L176, L186)."""

    unit: str
    year: int
    findings: dict[str, int]
    """Findings by level."""
    unrectified: dict[str, int]
    """整改不到位 findings by level (`UNRECTIFIED`): each costs `DOUBLING_FACTOR` times its base."""
    base: Decimal
    extra: Decimal
    total: Decimal
    """base + extra, capped at `cap` when one was given (扣完该项分值为止)."""
    capped: bool = False


def deduction(engine: Engine, unit: str, year: int, *, cap: Decimal | None = None) -> Deduction:
    """The unit's deduction for findings recorded in `year`, as of the engine's clock.

    Each finding costs `BASE_DEDUCTION` by its level; an unrectified one (`UNRECTIFIED`: reached
    考核扣分, or open past its limit) costs `DOUBLING_FACTOR` times that. With `cap` (the
    assessment item's value) the total stops there (seed 004 L186).
    """
    start, end = year_window(year)

    def count(**where: Any) -> int:
        return engine.count(WORKFLOW_NAME, unit=unit, where=where, created_from=start, created_to=end)

    findings: dict[str, int] = {lv: count(level=lv) for lv in LEVELS}
    unrectified: dict[str, int] = {lv: count(level=lv, escalation="deducted") for lv in LEVELS}
    for item in overdue_items(engine, unit=unit, year=year):
        if item.escalation != "deducted":
            unrectified[item.level] += 1
    base = sum((BASE_DEDUCTION[lv] * n for lv, n in findings.items()), Decimal(0))
    extra = sum((BASE_DEDUCTION[lv] * n * (DOUBLING_FACTOR - 1) for lv, n in unrectified.items()), Decimal(0))
    total = base + extra
    capped = cap is not None and total > cap
    return Deduction(
        unit=unit,
        year=year,
        findings={lv: n for lv, n in findings.items() if n},
        unrectified={lv: n for lv, n in unrectified.items() if n},
        base=base,
        extra=extra,
        total=cap if capped and cap is not None else total,
        capped=capped,
    )


@attrs.frozen
class UnitAssessment:
    """What the annual assessment needs about one unit's rectification (整改情况)."""

    unit: str
    year: int
    by_state: dict[str, int]
    overdue: int
    overdue_days: int
    """Sum of the overdue items' days past their limits."""
    late_closed: int
    """Items closed (销号) whose completion report came after the limit."""
    escalations: dict[str, int]
    reopened_items: int
    reopens: int
    deduction: Deduction


def assess(engine: Engine, units: Iterable[str], year: int, *, cap: Decimal | None = None) -> dict[str, UnitAssessment]:
    """`UnitAssessment` per unit for findings recorded in `year`, as of the engine's clock."""
    result = {}
    for unit in units:
        late = overdue_items(engine, unit=unit, year=year)
        start, end = year_window(year)
        closed = engine.find(WORKFLOW_NAME, state="closed", unit=unit, created_from=start, created_to=end)
        reopens = reopen_stats(engine, unit=unit, year=year)
        result[unit] = UnitAssessment(
            unit=unit,
            year=year,
            by_state=state_counts(engine, unit=unit, year=year),
            overdue=len(late),
            overdue_days=sum(i.days_overdue for i in late),
            late_closed=sum(1 for i in closed if int(i.data.get("days_late", 0)) > 0),
            escalations=escalation_counts(engine, unit=unit, year=year),
            reopened_items=reopens.items,
            reopens=reopens.reopens,
            deduction=deduction(engine, unit, year, cap=cap),
        )
    return result


def rectifier(unit: str, person: str | None = None, name: str = "") -> Actor:
    """An actor of the rectifying unit (整改责任单位) who reports for it."""
    return Actor(person or f"{unit}.clerk", roles={"rectifier"}, unit=unit, name=name)
