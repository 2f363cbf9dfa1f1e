# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""信访 — a petition: registration → 受理/不予受理 → 交办 → handling and a written reply → 复查 → 复核 → close.

A petition (信访事项: a letter, a visit, a call) is registered by the petition office
(信访工作机构). The office decides within 15 days whether to accept it (受理); a petition it
does not accept (不予受理) is closed with the reason and — where another organ or procedure is
competent (诉讼, 仲裁, 行政复议 …) — the referral the petitioner is told of. An accepted petition
is assigned (交办) to the responsible unit with a 交办函 and its limit; the unit investigates
and gives the petitioner a written reply (书面答复) within 60 days of acceptance, extendable
once by up to 30 days with its head's approval and a stated reason. A unit that runs past its
limit explains in writing why, how far it has got, what it will do next and when it expects
to finish; each 催办 (reminder) from the office is counted. The petitioner may ask the organ
above for a review (复查) within 30 days of the reply, and the review body answers within 30
days; then a re-review (复核) on the same terms; the 复核 opinion ends the matter. A window that
passes without a request closes the case.

Collective petitions (集体上访) are incidents of a second workflow, `petition_incident`:
recorded where they went (national / provincial / city organs), attributed to the responsible
units (each in full, 涉及多个单位的等同对待), with whether each unit's responsible official came
to the scene in time. `item4_deduction` and `item5_deduction` read both workflows as facts for
the Shenzhen assessment's items (四) and (五).

**Where each limit comes from.** The seed — the Shenzhen assessment measures (深办〔2003〕36号,
seed 003) — gives the case's lifecycle and its deductions but *no* statutory day counts: the
unit works to 「交办函要求的时限」 (seed 003 L269). The day counts are national regulation, not in
any seed; each is a named constant citing it: the 信访条例 (国务院令第431号, 2005), whose
periods the 信访工作条例 (2022) keeps — check them against the text in force:

- `ACCEPT_DECISION_WITHIN` = 15 days — 信访条例 (2005) art. 21–22: the petition office handles a
  petition it receives within 15 days, and an organ that cannot answer on the spot whether it
  accepts tells the petitioner in writing within 15 days of receipt;
- `HANDLE_WITHIN` = 60 days from acceptance, `EXTENSION_MAX` = 30 days — art. 33: 「应当自受理之日起
  60日内办结;情况复杂的,经本行政机关负责人批准,可以适当延长办理期限,但延长期限不得超过30日,
  并告知信访人延期理由」;
- `REVIEW_REQUEST_WINDOW` = 30 days from the written reply, `REVIEW_WITHIN` = 30 days — art. 34;
- `RE_REVIEW_REQUEST_WINDOW` = 30 days from the review opinion, `RE_REVIEW_WITHIN` = 30 days — art. 35.

"N日" counts calendar days, the start day not counted (docs/time.md); the regulation does not
move an end that falls on a rest day, so neither does this workflow (`ROLL_FORWARD = False`).

Rules and their sources in the seed (seed 003, Shenzhen, §3 of the digest):

- 「承办市信访立案件能按照交办函要求的时限办结并上报办理结果」: seed 003 L269 — `assign` states the
  交办函's limit; `reply` reports the result;
- 「逾期未结的,能书面说明未结原因、目前办理进度、下一步工作打算和预计办结时间」: seed 003 L269 — hard:
  `explain_delay` needs all four, and only once the limit has passed;
- 「每催办一次,加扣0.5分」: seed 003 L269 — `remind` (催办) is counted;
- the quality of a closed case (事实清楚, 定性准确 …) and 「未能按要求答复信访人」: seed 003 L271 —
  the reply records whether the petitioner was answered in writing; the office's quality
  check is a fact (`quality_ok`);
- 交办的信访大要案 handled and reported by the leaders who took them on: seed 003 L199 — `major`;
- collective petitions to national / provincial / city organs, 3 / 2 / 1 per occurrence per
  responsible unit, each unit in full; the same again when the unit's responsible official did
  not come in time: seed 003 L259, L261; a 疑难个访 to city-level organs or above where the
  official did not come: 0.5: seed 003 L265;
- the item (四) total is capped at 20, item (五) at 15; a unit without incidents or cases
  scores full marks: seed 003 L283.

**Choices where the text is silent** (each a named constant):

- `LIMIT_WITHIN_STATUTE`: the 交办函's limit may be shorter than 60 days from acceptance, never
  longer (the unit cannot be given more than the regulation allows).
- `EXTENSIONS`: one extension (art. 33 allows 「适当延长」 by at most 30 days: read as once).
  The handling unit asks with its reason; its head (负责人) approves — not the person who asked.
- `NOT_HANDLED_AS_REQUIRED`: for item (五), a case is 未能按要求办理 if its reply came after its
  limit (as extended), or it is open past its limit, without a written delay explanation on
  the record; a late case *with* the explanation is not deducted (the seed asks for one).
- `close`: the sweep closes a case when its request window ends; the office may close it too,
  but only once the window has passed (so nobody cuts the petitioner's time short).
- `INCIDENT_LEVELS`: the deduction follows the organ the petitioners went to; a 疑难个访 counts
  only at city level or above (seed 003 L265).

```mermaid
---
title: petition v1 (信访事项办理)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "registered (已登记)" as registered
  Class registered s_default
  state "not_accepted (不予受理)" as not_accepted
  Class not_accepted s_final
  state "accepted (已受理(待交办))" as accepted
  Class accepted s_default
  state "handling (办理中)" as handling
  Class handling s_default
  state "extension_requested (延期审批中)" as extension_requested
  Class extension_requested s_default
  state "extended (延期办理中)" as extended
  Class extended s_default
  state "replied (已书面答复)" as replied
  Class replied s_default
  state "reviewing (复查中)" as reviewing
  Class reviewing s_default
  state "reviewed (已复查)" as reviewed
  Class reviewed s_default
  state "re_reviewing (复核中)" as re_reviewing
  Class re_reviewing s_default
  state "closed (已办结)" as closed
  Class closed s_final

  registered --> accepted: accept (受理) [petition_office]
  registered --> not_accepted: refuse (不予受理(告知理由、引导)) [petition_office] if petition.reason_given
  accepted --> handling: assign (交办(交办函)) [petition_office] if petition.letter_numbered, petition.limit_within_statute
  handling --> handling: remind (催办) [petition_office] | explain_delay (书面说明逾期) [handler] if petition.past_limit, petition.delay_complete 分离 own-unit-only
  handling --> extension_requested: request_extension (申请延期) [handler] if petition.reason_given, petition.extension_days 分离 own-unit-only
  handling --> replied: reply (书面答复并上报结果) [handler] if petition.reply_numbered 分离 own-unit-only
  extension_requested --> extension_requested: remind (催办) [petition_office]
  extension_requested --> extended: approve_extension (负责人批准延期) [unit_head] 分离 own-unit-only, four-eyes
  extension_requested --> handling: refuse_extension (不批准延期) [unit_head] 分离 own-unit-only, four-eyes
  extended --> extended: remind (催办) [petition_office] | explain_delay (书面说明逾期) [handler] if petition.past_limit, petition.delay_complete 分离 own-unit-only
  extended --> replied: reply (书面答复并上报结果) [handler] if petition.reply_numbered 分离 own-unit-only
  replied --> replied: check_quality (办结质量审查) [petition_office]
  replied --> reviewing: request_review (请求复查) [petition_office, petitioner] if petition.grounds_given, petition.review_window
  replied --> closed: close (请求期满办结) [petition_office, system] if petition.window_passed
  reviewing --> reviewed: decide_review (复查意见) [review_body] if petition.opinion_given 分离 not-own-unit
  reviewed --> re_reviewing: request_re_review (请求复核) [petition_office, petitioner] if petition.grounds_given, petition.re_review_window
  reviewed --> closed: close (请求期满办结) [petition_office, system] if petition.window_passed
  re_reviewing --> closed: decide_re_review (复核意见(终结)) [re_review_body] if petition.opinion_given 分离 not-own-unit
  [*] --> registered
  not_accepted --> [*]
  closed --> [*]
  note right of registered : decide (受理告知)： 15 days (日), from data field 'received_on'； mark overdue (逾期)
  note right of handling : handle (交办时限)： 1 days (日), from data field 'due_eve'； mark overdue (逾期)
  note right of extension_requested : handle (交办时限)： 1 days (日), from data field 'due_eve'； mark overdue (逾期)
  note right of extended : handle (交办时限)： 1 days (日), from data field 'due_eve'； mark overdue (逾期)
  note right of replied : review_window (复查请求期)： 30 days (日), from data field 'replied_on'； fire close as system
  note right of reviewing : review (复查期限)： 30 days (日), from entering the state； mark overdue (逾期)
  note right of reviewed : re_review_window (复核请求期)： 30 days (日), from data field 'reviewed_on'； fire close as system
  note right of re_reviewing : re_review (复核期限)： 30 days (日), from entering the state； mark overdue (逾期)
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
    State,
    TickOutcome,
    Transition,
    Workflow,
)
from govflow import deadlines as dl
from govflow.access import NotActorOf, NotOwnUnit, OwnUnitOnly
from govflow.clock import SHANGHAI
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard

WORKFLOW_NAME = "petition"
"""The petition case's workflow name."""

INCIDENT_WORKFLOW_NAME = "petition_incident"
"""The collective-petition incident's workflow name."""

TZ = SHANGHAI

# -- the limits: national regulation (not in the seed), and choices ---------------------------

ROLL_FORWARD = False
"""Choice: a period ending on a rest day is not moved (the regulation does not say to)."""

ACCEPT_DECISION_WITHIN = Days(15, roll_forward=ROLL_FORWARD)
"""受理/不予受理 within 15 days of receipt: 信访条例 (2005) art. 21–22 (not in the seed)."""

HANDLE_WITHIN = 60
"""办结 within 60 days of acceptance: 信访条例 (2005) art. 33 (not in the seed)."""

EXTENSION_MAX = 30
"""An extension of at most 30 days, approved by the organ's head, with the reason told to the
petitioner: 信访条例 (2005) art. 33 (not in the seed)."""

EXTENSIONS = 1
"""Choice: one extension per case."""

REVIEW_REQUEST_WINDOW = Days(30, roll_forward=ROLL_FORWARD)
"""复查 may be requested within 30 days of receiving the written reply: 信访条例 (2005) art. 34."""

REVIEW_WITHIN = Days(30, roll_forward=ROLL_FORWARD)
"""The review body's opinion within 30 days of the request: 信访条例 (2005) art. 34."""

RE_REVIEW_REQUEST_WINDOW = Days(30, roll_forward=ROLL_FORWARD)
"""复核 may be requested within 30 days of the review opinion: 信访条例 (2005) art. 35."""

RE_REVIEW_WITHIN = Days(30, roll_forward=ROLL_FORWARD)
"""The re-review body's opinion within 30 days of the request: 信访条例 (2005) art. 35."""

LIMIT_WITHIN_STATUTE = True
"""Choice: the 交办函's limit is at most `HANDLE_WITHIN` days from acceptance."""

NOT_HANDLED_AS_REQUIRED = "replied after its limit, or open past it, without a written delay explanation"
"""Choice: what 未能按要求办理 (seed 003 L269) means when item (五) is read."""

ROLES: dict[str, str] = {
    "petition_office": "信访工作机构 (登记、受理、交办、催办)",
    "handler": "承办单位 (调查、答复)",
    "unit_head": "承办单位负责人 (批准延期)",
    "petitioner": "信访人 (请求复查、复核)",
    "review_body": "复查机关 (原办理机关的上一级)",
    "re_review_body": "复核机关 (复查机关的上一级)",
}
"""The roles beside their Chinese names (timers act as ``system``)."""

Channel = Literal["letter", "visit", "phone", "online"]
"""来信、来访、电话、网上."""

IncidentLevel = Literal["national", "provincial", "city"]
"""Where the petitioners went: 国家 / 省 / 市 党政领导机关."""

INCIDENT_LEVELS: tuple[IncidentLevel, ...] = get_args(IncidentLevel)

COLLECTIVE_DEDUCTION: dict[str, Decimal] = {"national": Decimal(3), "provincial": Decimal(2), "city": Decimal(1)}
"""每起依次扣3分、2分、1分 (seed 003 L259), and the same again for not coming in time (L261)."""

INDIVIDUAL_DEDUCTION = Decimal("0.5")
"""A 疑难个访 to city-level organs or above where the official did not come in time (seed 003 L265)."""

ITEM4_CAP = Decimal(20)
ITEM5_CAP = Decimal(15)
"""The deduction stops at the item's value: 第四项为20分,第五项为15分 (seed 003 L283)."""

NOT_HANDLED = Decimal(1)
"""未能按要求办理的,每件扣1分 (seed 003 L269)."""

PER_REMINDER = Decimal("0.5")
"""每催办一次,加扣0.5分 (seed 003 L269)."""

QUALITY = Decimal(1)
"""A closed case failing the quality standards: 每件扣1分 (seed 003 L271)."""

NOT_ANSWERED = Decimal("0.5")
"""未能按要求答复信访人的,每件扣0.5分 (seed 003 L271)."""


# -- data -----------------------------------------------------------------------------------------


@attrs.frozen
class Delay:
    """逾期说明: the four things seed 003 L269 asks for."""

    reason: str
    progress: str
    next_steps: str
    expected_date: date


@attrs.frozen
class Petition:
    """A petition case. Registration gives the first five fields; the rest the workflow keeps."""

    petitioner: str
    matter: str
    received_on: date
    """The day the office received it: the acceptance decision counts from it."""
    channel: Channel = "letter"
    major: bool = False
    """交办的信访大要案 (seed 003 L199)."""
    accepted_on: date | None = None
    responsible_unit: str | None = None
    letter_no: str = ""
    due_date: date | None = None
    due_eve: date | None = None
    statutory_due: date | None = None
    """`HANDLE_WITHIN` days from acceptance (with an extension, `EXTENSION_MAX` more at most)."""
    requested_days: int = 0
    extended_days: int = 0
    extension_reason: str = ""
    reminders: int = 0
    delays: list[Delay] = attrs.field(factory=list)
    replied_on: date | None = None
    reply_no: str = ""
    answered: bool = False
    """The petitioner was answered in writing (答复信访人, seed 003 L271)."""
    late: bool = False
    quality_ok: bool | None = None
    review_requested_on: date | None = None
    reviewed_on: date | None = None
    review_upheld: bool | None = None
    re_review_requested_on: date | None = None
    re_reviewed_on: date | None = None
    re_review_upheld: bool | None = None
    not_accepted_reason: str = ""
    referral: str = ""
    closed_on: date | None = None


DERIVED = tuple(
    f.name for f in attrs.fields(Petition) if f.name not in {"petitioner", "matter", "channel", "received_on", "major"}
)
"""Fields the workflow keeps itself."""


@attrs.frozen
class Refusal:
    """不予受理: the reason, and where the petitioner is referred (may be empty when none is competent)."""

    reason: str
    referral: str = ""


@attrs.frozen
class Assignment:
    """交办: the 交办函's number, the responsible unit and the limit (days from acceptance)."""

    letter_no: str
    unit: str
    limit_days: int = HANDLE_WITHIN


@attrs.frozen
class ExtensionRequest:
    """延期申请: how many days more, and why."""

    days: int
    reason: str


@attrs.frozen
class Reply:
    """书面答复 and 上报办理结果."""

    reply_no: str
    opinion: str
    answered: bool = True


@attrs.frozen
class QualityCheck:
    """The office's check of the closed case against seed 003 L271's standards."""

    quality_ok: bool
    note: str = ""


@attrs.frozen
class Request:
    """复查 / 复核 request: the petitioner's grounds."""

    grounds: str


@attrs.frozen
class Opinion:
    """复查 / 复核 opinion: the reply upheld or not, and the opinion."""

    upheld: bool
    opinion: str


@attrs.frozen
class Note:
    """催办 and other notes."""

    note: str = ""


@attrs.frozen
class NoPayload:
    """Events that carry nothing."""


# -- helpers --------------------------------------------------------------------------------------


def _local(ctx: EffectContext | GuardContext) -> date:
    if isinstance(ctx, GuardContext) and ctx.calendar is not None:
        return ctx.calendar.local_date(ctx.now)
    return ctx.now.astimezone(TZ).date()


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _set_due(data: dict[str, Any], due: date) -> None:
    data.update(due_date=due.isoformat(), due_eve=(due - timedelta(days=1)).isoformat())


# -- rules ----------------------------------------------------------------------------------------


@guard("petition.described", "a petition names its petitioner and its matter (登记)")
def described(ctx: GuardContext) -> bool:
    """Registration records who petitions and about what."""
    return _text(ctx.data.get("petitioner")) and _text(ctx.data.get("matter"))


@guard("petition.received_not_future", "a petition cannot be received after it is registered")
def received_not_future(ctx: GuardContext) -> bool:
    """The receipt day, if given, is not later than today."""
    received = _day(ctx.data.get("received_on"))
    return received is not None and received <= _local(ctx)


@guard("petition.fresh_record", "the case's handling fields are kept by the workflow and cannot be given at start")
def fresh_record(ctx: GuardContext) -> bool | str:
    """Integrity: a new petition has no decision, assignment, reply or review yet."""
    defaults = Petition(petitioner="x", matter="x", received_on=date(2000, 1, 1))
    given = sorted(f for f in DERIVED if getattr(ctx.model, f) != getattr(defaults, f))
    return not given or "kept by the workflow, cannot be given at start: " + ", ".join(given)


@guard("petition.reason_given", "say why (理由)", on_payload=True)
def reason_given(ctx: GuardContext) -> bool:
    """不予受理 and an extension state their reason (art. 33: 告知信访人延期理由)."""
    return _text(ctx.payload.get("reason"))


@guard(
    "petition.letter_numbered",
    "a 交办函 has its number and names the responsible unit",
    source="seed 003 L269",
    on_payload=True,
)
def letter_numbered(ctx: GuardContext) -> bool:
    """按照交办函要求的时限: the letter is a numbered document naming the unit."""
    return _text(ctx.payload.get("letter_no")) and _text(ctx.payload.get("unit"))


@guard(
    "petition.limit_within_statute",
    f"the 交办函's limit is 1 to {HANDLE_WITHIN} days from acceptance (信访条例 art. 33)",
    on_payload=True,
)
def limit_within_statute(ctx: GuardContext) -> bool | str:
    """`LIMIT_WITHIN_STATUTE`."""
    n = ctx.payload.get("limit_days", HANDLE_WITHIN)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= HANDLE_WITHIN:
        return f"limit_days must be 1-{HANDLE_WITHIN}, not {n!r}"
    return True


@guard("petition.extension_days", f"an extension is 1 to {EXTENSION_MAX} days (信访条例 art. 33)", on_payload=True)
def extension_days(ctx: GuardContext) -> bool:
    """延长期限不得超过30日."""
    n = ctx.payload.get("days")
    return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= EXTENSION_MAX


@guard("petition.reply_numbered", "a written reply (书面答复) has its number and its opinion", on_payload=True)
def reply_numbered(ctx: GuardContext) -> bool:
    """书面答复: a numbered document with the handling opinion."""
    return _text(ctx.payload.get("reply_no")) and _text(ctx.payload.get("opinion"))


@guard(
    "petition.delay_complete",
    "a delay explanation gives the reason, the progress, the next steps and the expected date",
    source="seed 003 L269",
    on_payload=True,
)
def delay_complete(ctx: GuardContext) -> bool | str:
    """书面说明未结原因、目前办理进度、下一步工作打算和预计办结时间."""
    missing = [f for f in ("reason", "progress", "next_steps") if not _text(ctx.payload.get(f))]
    expected = _day(ctx.payload.get("expected_date"))
    if expected is None or expected < _local(ctx):
        missing.append("expected_date (today or later)")
    return not missing or "the delay explanation lacks: " + ", ".join(missing)


@guard("petition.past_limit", "a delay is explained once the limit has passed (逾期未结的)", source="seed 003 L269")
def past_limit(ctx: GuardContext) -> bool:
    """Only a case past its limit owes the explanation."""
    due = _day(ctx.data.get("due_date"))
    return due is not None and _local(ctx) > due


@guard("petition.grounds_given", "a request for review states its grounds", on_payload=True)
def grounds_given(ctx: GuardContext) -> bool:
    """The petitioner says why the reply (or review) is wrong."""
    return _text(ctx.payload.get("grounds"))


@guard("petition.opinion_given", "an opinion is stated", on_payload=True)
def opinion_given(ctx: GuardContext) -> bool:
    """复查 / 复核 opinions are written."""
    return _text(ctx.payload.get("opinion"))


def _window(field: str, window: Days, label: str) -> Any:
    @guard(f"petition.{label}_window", f"the {label.replace('_', '-')} request is within {window.n} days of {field}")
    def check(ctx: GuardContext) -> bool | str:
        start = _day(ctx.data.get(field))
        if start is None or ctx.calendar is None:
            return f"no {field} to count the window from"
        last = dl.due_date(window, start, ctx.calendar).day
        return _local(ctx) <= last or f"the window closed on {last.isoformat()} ({window} from {field} {start})"

    return check


@guard("petition.window_passed", "the request window has not closed yet: the petitioner may still ask")
def window_passed(ctx: GuardContext) -> bool:
    """Nobody closes a case while the petitioner may still ask for 复查 / 复核 (art. 34, 35)."""
    field, window = ("replied_on", REVIEW_REQUEST_WINDOW)
    if ctx.instance is not None and ctx.instance.state == "reviewed":
        field, window = ("reviewed_on", RE_REVIEW_REQUEST_WINDOW)
    start = _day(ctx.data.get(field))
    if start is None or ctx.calendar is None:
        return False
    return _local(ctx) > dl.due_date(window, start, ctx.calendar).day


REVIEW_WINDOW_OPEN = _window("replied_on", REVIEW_REQUEST_WINDOW, "review")
RE_REVIEW_WINDOW_OPEN = _window("reviewed_on", RE_REVIEW_REQUEST_WINDOW, "re_review")


# -- effects --------------------------------------------------------------------------------------


@effect("petition.record_refusal", "record 不予受理, its reason and referral")
def record_refusal(ctx: EffectContext) -> None:
    """不予受理 with the reason and where the petitioner may turn."""
    ctx.data.update(
        not_accepted_reason=ctx.payload["reason"],
        referral=ctx.payload.get("referral", ""),
        closed_on=_local(ctx).isoformat(),
    )


@effect("petition.record_acceptance", "record the acceptance day and the statutory limit")
def record_acceptance(ctx: EffectContext) -> None:
    """受理: the 60 days of art. 33 count from today."""
    today = _local(ctx)
    ctx.data.update(accepted_on=today.isoformat(), statutory_due=(today + timedelta(days=HANDLE_WITHIN)).isoformat())


@effect("petition.record_assignment", "record the 交办函 and its limit")
def record_assignment(ctx: EffectContext) -> None:
    """交办: the limit is `limit_days` from acceptance (seed 003 L269 交办函要求的时限)."""
    accepted = _day(ctx.data.get("accepted_on"))
    assert accepted is not None
    ctx.data.update(letter_no=ctx.payload["letter_no"], responsible_unit=ctx.payload["unit"])
    _set_due(ctx.data, accepted + timedelta(days=int(ctx.payload.get("limit_days", HANDLE_WITHIN))))


@effect("petition.record_extension_request", "record the requested extension")
def record_extension_request(ctx: EffectContext) -> None:
    """延期申请: kept until the head decides (the reason is told to the petitioner, art. 33)."""
    ctx.data.update(extension_reason=ctx.payload["reason"], requested_days=int(ctx.payload["days"]))


@effect("petition.record_extension", "extend the limit by the requested days")
def record_extension(ctx: EffectContext) -> None:
    """The head approves: the limit and the statutory limit move by the requested days."""
    days = int(ctx.data.get("requested_days", 0))
    due = _day(ctx.data.get("due_date"))
    statutory = _day(ctx.data.get("statutory_due"))
    assert due is not None and statutory is not None
    _set_due(ctx.data, due + timedelta(days=days))
    ctx.data.update(extended_days=days, statutory_due=(statutory + timedelta(days=days)).isoformat())


@effect("petition.record_delay", "append the written delay explanation")
def record_delay(ctx: EffectContext) -> None:
    """逾期说明 (seed 003 L269)."""
    ctx.data["delays"] = [
        *ctx.data.get("delays", []),
        {k: ctx.payload[k] for k in ("reason", "progress", "next_steps", "expected_date")},
    ]


@effect("petition.record_reminder", "count the 催办")
def record_reminder(ctx: EffectContext) -> None:
    """每催办一次 (seed 003 L269)."""
    ctx.data["reminders"] = int(ctx.data.get("reminders", 0)) + 1


@effect("petition.record_reply", "record the written reply and its lateness")
def record_reply(ctx: EffectContext) -> None:
    """办结并上报办理结果 — late when after the (extended) limit."""
    today = _local(ctx)
    due = _day(ctx.data.get("due_date"))
    ctx.data.update(
        replied_on=today.isoformat(),
        reply_no=ctx.payload["reply_no"],
        answered=bool(ctx.payload.get("answered", True)),
        late=due is not None and today > due,
    )


@effect("petition.record_quality", "record the office's quality check")
def record_quality(ctx: EffectContext) -> None:
    """Seed 003 L271's standards, judged by the office."""
    ctx.data["quality_ok"] = bool(ctx.payload["quality_ok"])


def _stamp(field: str) -> Any:
    @effect(f"petition.stamp_{field}", f"record {field}")
    def run(ctx: EffectContext) -> None:
        ctx.data[field] = _local(ctx).isoformat()

    return run


@effect("petition.record_review", "record the review opinion")
def record_review(ctx: EffectContext) -> None:
    """复查意见."""
    ctx.data.update(reviewed_on=_local(ctx).isoformat(), review_upheld=bool(ctx.payload["upheld"]))


@effect("petition.record_re_review", "record the re-review opinion and close")
def record_re_review(ctx: EffectContext) -> None:
    """复核意见: the end of the matter."""
    today = _local(ctx).isoformat()
    ctx.data.update(re_reviewed_on=today, re_review_upheld=bool(ctx.payload["upheld"]), closed_on=today)


STAMP_REVIEW_REQUEST = _stamp("review_requested_on")
STAMP_RE_REVIEW_REQUEST = _stamp("re_review_requested_on")
STAMP_CLOSED = _stamp("closed_on")


# -- the definition -------------------------------------------------------------------------------

HANDLE = Deadline(
    "handle", Days(1), anchor=FromField("due_eve"), label="交办时限", source="seed 003 L269; 信访条例 art. 33"
)
"""The 交办函's limit (as extended): due at 24:00 on `due_date`; lateness is recorded."""

_HANDLING = ("handling", "extension_requested", "extended")
_UNIT = OwnUnitOnly(field="responsible_unit")
_OFFICE = {"petition_office"}
_SYSTEM_OR_OFFICE = {"petition_office", "system"}
_ASKER = NotActorOf(events=("request_extension",))  # type: ignore[arg-type]  # attrs converter=tuple

PETITION = Workflow(
    name=WORKFLOW_NAME,
    version=1,
    title="信访事项办理",
    description="登记 → 受理/不予受理 → 交办 → 办理(延期) → 书面答复 → 复查 → 复核 → 办结.",
    schema=Petition,
    index=("responsible_unit", "late", "major", "answered", "quality_ok"),
    start_roles=_OFFICE,
    start_guards=[described, received_not_future, fresh_record],
    states=[
        State(
            "registered",
            "已登记",
            initial=True,
            deadlines=[
                Deadline(
                    "decide",
                    ACCEPT_DECISION_WITHIN,
                    anchor=FromField("received_on"),
                    label="受理告知",
                    source="信访条例 (2005) art. 21-22",
                )
            ],
        ),
        State("not_accepted", "不予受理", final=True),
        State("accepted", "已受理(待交办)"),
        State("handling", "办理中", deadlines=[HANDLE]),
        State("extension_requested", "延期审批中", deadlines=[HANDLE]),
        State("extended", "延期办理中", deadlines=[HANDLE]),
        State(
            "replied",
            "已书面答复",
            deadlines=[
                Deadline(
                    "review_window",
                    REVIEW_REQUEST_WINDOW,
                    anchor=FromField("replied_on"),
                    action=FireEvent("close"),
                    label="复查请求期",
                    source="信访条例 (2005) art. 34",
                )
            ],
        ),
        State(
            "reviewing",
            "复查中",
            deadlines=[Deadline("review", REVIEW_WITHIN, label="复查期限", source="信访条例 (2005) art. 34")],
        ),
        State(
            "reviewed",
            "已复查",
            deadlines=[
                Deadline(
                    "re_review_window",
                    RE_REVIEW_REQUEST_WINDOW,
                    anchor=FromField("reviewed_on"),
                    action=FireEvent("close"),
                    label="复核请求期",
                    source="信访条例 (2005) art. 35",
                )
            ],
        ),
        State(
            "re_reviewing",
            "复核中",
            deadlines=[Deadline("re_review", RE_REVIEW_WITHIN, label="复核期限", source="信访条例 (2005) art. 35")],
        ),
        State("closed", "已办结", final=True),
    ],
    transitions=[
        Transition(
            "accept",
            source="registered",
            dest="accepted",
            roles=_OFFICE,
            payload_schema=NoPayload,
            effects=[record_acceptance],
            label="受理",
        ),
        Transition(
            "refuse",
            source="registered",
            dest="not_accepted",
            roles=_OFFICE,
            payload_schema=Refusal,
            guards=[reason_given],
            effects=[record_refusal],
            label="不予受理(告知理由、引导)",
        ),
        Transition(
            "assign",
            source="accepted",
            dest="handling",
            roles=_OFFICE,
            payload_schema=Assignment,
            guards=[letter_numbered, limit_within_statute],
            effects=[record_assignment],
            label="交办(交办函)",
        ),
        *(
            Transition(
                "remind",
                source=state,
                dest=state,
                roles=_OFFICE,
                payload_schema=Note,
                effects=[record_reminder],
                label="催办",
            )
            for state in _HANDLING
        ),
        *(
            Transition(
                "explain_delay",
                source=state,
                dest=state,
                roles={"handler"},
                separation=[_UNIT],
                payload_schema=Delay,
                guards=[past_limit, delay_complete],
                effects=[record_delay],
                label="书面说明逾期",
            )
            for state in ("handling", "extended")
        ),
        Transition(
            "request_extension",
            source="handling",
            dest="extension_requested",
            roles={"handler"},
            separation=[_UNIT],
            payload_schema=ExtensionRequest,
            guards=[reason_given, extension_days],
            effects=[record_extension_request],
            label="申请延期",
        ),
        Transition(
            "approve_extension",
            source="extension_requested",
            dest="extended",
            roles={"unit_head"},
            separation=[_UNIT, _ASKER],
            payload_schema=Note,
            effects=[record_extension],
            label="负责人批准延期",
        ),
        Transition(
            "refuse_extension",
            source="extension_requested",
            dest="handling",
            roles={"unit_head"},
            separation=[_UNIT, _ASKER],
            payload_schema=Note,
            label="不批准延期",
        ),
        Transition(
            "reply",
            source=["handling", "extended"],
            dest="replied",
            roles={"handler"},
            separation=[_UNIT],
            payload_schema=Reply,
            guards=[reply_numbered],
            effects=[record_reply],
            label="书面答复并上报结果",
        ),
        Transition(
            "check_quality",
            source="replied",
            dest="replied",
            roles=_OFFICE,
            payload_schema=QualityCheck,
            effects=[record_quality],
            label="办结质量审查",
        ),
        Transition(
            "request_review",
            source="replied",
            dest="reviewing",
            roles={"petitioner", "petition_office"},
            payload_schema=Request,
            guards=[grounds_given, REVIEW_WINDOW_OPEN],
            effects=[STAMP_REVIEW_REQUEST],
            label="请求复查",
        ),
        Transition(
            "decide_review",
            source="reviewing",
            dest="reviewed",
            roles={"review_body"},
            separation=[NotOwnUnit(field="responsible_unit")],
            payload_schema=Opinion,
            guards=[opinion_given],
            effects=[record_review],
            label="复查意见",
        ),
        Transition(
            "request_re_review",
            source="reviewed",
            dest="re_reviewing",
            roles={"petitioner", "petition_office"},
            payload_schema=Request,
            guards=[grounds_given, RE_REVIEW_WINDOW_OPEN],
            effects=[STAMP_RE_REVIEW_REQUEST],
            label="请求复核",
        ),
        Transition(
            "decide_re_review",
            source="re_reviewing",
            dest="closed",
            roles={"re_review_body"},
            separation=[NotOwnUnit(field="responsible_unit")],
            payload_schema=Opinion,
            guards=[opinion_given],
            effects=[record_re_review],
            label="复核意见(终结)",
        ),
        Transition(
            "close",
            source=["replied", "reviewed"],
            dest="closed",
            roles=_SYSTEM_OR_OFFICE,
            payload_schema=NoPayload,
            guards=[window_passed],
            effects=[STAMP_CLOSED],
            label="请求期满办结",
        ),
    ],
)
"""The 信访事项办理 workflow."""


# -- collective petitions (集体上访) and difficult individual petitions (疑难个访) ------------------

IncidentKind = Literal["collective", "individual"]
"""集体上访 / 疑难个访."""


@attrs.frozen
class Responsible:
    """One responsible unit of an incident, and whether its responsible official came in time."""

    unit: str
    attended: bool


@attrs.frozen
class Incident:
    """A collective (or difficult individual) petition to a party or government organ."""

    kind: IncidentKind
    level: IncidentLevel
    """The organ the petitioners went to: 国家 / 省 / 市."""
    occurred_on: date
    summary: str
    people: int = 0
    responsible: list[Responsible] = attrs.field(factory=list)
    attributed_on: date | None = None


@attrs.frozen
class Attribution:
    """责任认定: the responsible units (each in full) and who came to the scene in time."""

    responsible: list[Responsible]


@guard("petition_incident.summary_given", "an incident says what happened", on_payload=False)
def incident_described(ctx: GuardContext) -> bool:
    """The incident record states what happened."""
    return _text(ctx.data.get("summary"))


@guard("petition_incident.not_future", "an incident cannot be recorded before it happened")
def incident_not_future(ctx: GuardContext) -> bool:
    """The occurrence day is not after today."""
    day = _day(ctx.data.get("occurred_on"))
    return day is not None and day <= _local(ctx)


@guard("petition_incident.unattributed", "the responsible units are attributed by the office, not at start")
def incident_unattributed(ctx: GuardContext) -> bool:
    """Integrity: attribution is its own step."""
    return not ctx.data.get("responsible") and ctx.data.get("attributed_on") is None


@guard(
    "petition_incident.units_named",
    "name at least one responsible unit, each once (涉及多个单位的等同对待)",
    source="seed 003 L259",
    on_payload=True,
)
def units_named(ctx: GuardContext) -> bool:
    """按责任归属: one or more units, no repeats."""
    units = [r.get("unit") for r in ctx.payload.get("responsible", [])]
    return bool(units) and all(_text(u) for u in units) and len(set(units)) == len(units)


@effect("petition_incident.record_attribution", "record the responsible units and the attribution day")
def record_attribution(ctx: EffectContext) -> None:
    """责任认定."""
    ctx.data.update(responsible=ctx.payload["responsible"], attributed_on=_local(ctx).isoformat())


COLLECTIVE_PETITION = Workflow(
    name=INCIDENT_WORKFLOW_NAME,
    version=1,
    title="集体上访事件",
    description="发生 → 责任认定(到场情况) → 计入考核.",
    schema=Incident,
    index=("kind", "level"),
    start_roles=_OFFICE,
    start_guards=[incident_described, incident_not_future, incident_unattributed],
    states=[State("occurred", "已发生", initial=True), State("attributed", "已认定责任(计入考核)", final=True)],
    transitions=[
        Transition(
            "attribute",
            source="occurred",
            dest="attributed",
            roles=_OFFICE,
            payload_schema=Attribution,
            guards=[units_named],
            effects=[record_attribution],
            label="责任认定",
        )
    ],
)
"""集体上访事件: recorded, then attributed to the responsible units with their attendance."""

WORKFLOWS = [PETITION, COLLECTIVE_PETITION]


# -- building payloads, sweeping -----------------------------------------------------------------


def delay_payload(reason: str, progress: str, next_steps: str, expected: date) -> dict[str, Any]:
    """A `Delay` payload (逾期说明)."""
    return {"reason": reason, "progress": progress, "next_steps": next_steps, "expected_date": expected.isoformat()}


def sweep(engine: Engine, *, max_rounds: int = 100) -> list[TickOutcome]:
    """`Engine.tick` until nothing more is due at the clock's now."""
    done: list[TickOutcome] = []
    for _ in range(max_rounds):
        outcomes = engine.tick()
        if not outcomes:
            break
        done.extend(outcomes)
    return done


# -- facts for the Shenzhen assessment ------------------------------------------------------------


def year_window(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) in Beijing time."""
    return datetime(year, 1, 1, tzinfo=TZ), datetime(year + 1, 1, 1, tzinfo=TZ)


@attrs.frozen
class ItemDeduction:
    """A unit's deduction on one item of a year: the events counted, the raw total and the capped one."""

    unit: str
    year: int
    counted: dict[str, int]
    raw: Decimal
    total: Decimal
    """`raw` capped at the item's value (seed 003 L283)."""
    cap: Decimal


def item4_deduction(engine: Engine, unit: str, year: int) -> ItemDeduction:
    """Item (四): incidents that occurred in `year` attributed to `unit` (seed 003 L259–L265).

    A collective petition costs 3 / 2 / 1 by level; the same again when the unit's official did
    not come in time; a 疑难个访 at city level or above where the official did not come costs 0.5.
    Every responsible unit is counted in full (等同对待). Capped at 20 (L283)."""
    start, end = year_window(year)
    counted = {"collective": 0, "not_attended": 0, "individual_not_attended": 0}
    raw = Decimal(0)
    for inc in engine.find(INCIDENT_WORKFLOW_NAME, state="attributed"):
        occurred = _day(inc.data.get("occurred_on"))
        if occurred is None or not start.date() <= occurred < end.date():
            continue
        mine = [r for r in inc.data.get("responsible", []) if r.get("unit") == unit]
        if not mine:
            continue
        attended = bool(mine[0].get("attended"))
        if inc.data["kind"] == "collective":
            counted["collective"] += 1
            raw += COLLECTIVE_DEDUCTION[inc.data["level"]]
            if not attended:
                counted["not_attended"] += 1
                raw += COLLECTIVE_DEDUCTION[inc.data["level"]]
        elif not attended:
            counted["individual_not_attended"] += 1
            raw += INDIVIDUAL_DEDUCTION
    return ItemDeduction(unit, year, counted, raw, min(raw, ITEM4_CAP), ITEM4_CAP)


def not_handled_as_required(engine: Engine, inst: Any) -> bool:
    """`NOT_HANDLED_AS_REQUIRED`: late (replied after the limit, or open past it) and never explained."""
    if inst.data.get("delays"):
        return False
    if inst.data.get("replied_on") is not None:
        return bool(inst.data.get("late"))
    due = _day(inst.data.get("due_date"))
    return due is not None and engine.calendar.local_date(engine.now()) > due


def item5_deduction(engine: Engine, unit: str, year: int) -> ItemDeduction:
    """Item (五): petitions assigned to `unit` and registered in `year` (seed 003 L269, L271).

    1 per case not handled as required; 0.5 per 催办; 1 per closed case failing the quality
    check; 0.5 per case whose petitioner was not answered. Capped at 15 (L283)."""
    start, end = year_window(year)
    cases = engine.find(WORKFLOW_NAME, where={"responsible_unit": unit}, created_from=start, created_to=end)
    counted = {
        "not_handled": sum(1 for c in cases if not_handled_as_required(engine, c)),
        "reminders": sum(int(c.data.get("reminders", 0)) for c in cases),
        "quality_failed": sum(1 for c in cases if c.data.get("quality_ok") is False),
        "not_answered": sum(1 for c in cases if c.data.get("replied_on") is not None and not c.data.get("answered")),
    }
    raw = (
        NOT_HANDLED * counted["not_handled"]
        + PER_REMINDER * counted["reminders"]
        + QUALITY * counted["quality_failed"]
        + NOT_ANSWERED * counted["not_answered"]
    )
    return ItemDeduction(unit, year, counted, raw, min(raw, ITEM5_CAP), ITEM5_CAP)


def assess(engine: Engine, units: Iterable[str], year: int) -> dict[str, tuple[ItemDeduction, ItemDeduction]]:
    """Items (四) and (五) per unit for `year`: a unit with no incidents or cases loses nothing."""
    return {u: (item4_deduction(engine, u, year), item5_deduction(engine, u, year)) for u in units}


def handler(unit: str, person: str | None = None) -> Actor:
    """An officer of the responsible unit (承办单位)."""
    return Actor(person or f"{unit}.officer", roles={"handler"}, unit=unit)
