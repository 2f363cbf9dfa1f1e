# ruff: noqa: E501  (the Mermaid diagrams in the docstring are pasted exactly as generated)
"""因公临时出国(境) approval — Chongqing, 渝委发[2005]14号 (seed 003, the second document).

Source: 《关于进一步规范和加强市管党政领导干部因公临时出国(境)管理的通知》, 中共重庆市委办公厅、重庆市
人民政府办公厅, 2005-12-19 (seed 003 L63–L149; the digest is
``domain/grid-overseas-trips-petitions-discipline_seed-003.md`` §2). "Lnn" below is line nn of
``seeds/003_ec4c128682b62831.txt``.

Two workflows:

* **`overseas_trip_plan` — the annual trip plan (出访计划, process A).** The organising unit (组团单位)
  drafts next year's plan (L79) and sends it to the 市外办 in the first ten days of November
  (「每年11月上旬将下年的出访计划送市外办统筹协调」, L83); the 市外办 coordinates; the city leader in
  charge (分管市领导, or for a district the 市委 leader liaising with it) consents (同意), and the
  市委 and 市政府 approve (L83) — one `ApprovalChain` with a ``consent`` step and a ``cosign`` step.
  An approved plan is what the per-group rule "计划外…原则上不予审批" (L85) looks up. A plan sent
  back (退回调整, 退回修改) is corrected by the payload of its next ``submit`` (a partial update).
* **`overseas_trip` — the per-group application (一团一报, process B, and C after the trip).**
  drafted (请示, L107) → signed by the organising unit's principal head (主要负责人签发, L107:
  ``Scoped("principal")`` of the case's unit) → submitted and accepted (受理) by the 市外办 (L107) →
  reviewed by the 市外办, which forwards it with its 初审意见 or proposes to adjust (退回修改),
  postpone or cancel it (L137) → reviewed by the 市委 or 市政府 general office (L111, L137) →
  approved by the leaders the routing table names (L111–L129: an `ApprovalChain` on the policy
  ``overseas_trip.route`` of `govflow_workflows._trip_routing`, signing in sequence, a mixed party/
  government group getting one parallel track per crossing member, approved only when every
  track is; ``NotSubject("member_ids")`` so no member of the group signs for it) → approved →
  abroad → returned (回渝), which opens two obligations, the report within 1 month (L141) and
  the passports within 15 days (L143) → closed once both are met.

Sanctions (process D, L143–L145) are shared records in storage, written by `record_sanction`,
`suspend_intake` and `lift_suspension` and checked by the application's `start_guards` (and
again when the 市外办 accepts a request, and the bans when the group departs): a unit found forging an invitation, inventing a task
etc. may not organise or join trips for 1 year, the people involved may not join for 2 years,
both counted from discovery (「一经查出」); a unit that refuses to deposit its passports has its
applications refused until it complies.

Who acts: the organising unit's clerk (`CLERK`, scoped to the case's unit) drafts, revises,
submits, records departure and return, files the report and may withdraw; its principal head
signs; a 市外办 reviewer (`FAO_REVIEWER`) accepts, reviews, receives the passports and closes;
a reviewer of the general office of the side the request goes to (`OFFICE_REVIEWER`, resolved
by ``overseas_trip.general_office``) presents or returns; the routed leaders sign. The sample
organisation is `trip_directory()`; `application_data` and `plan_data` build valid requests and
plans from its people. `govflow.demo.overseas_trip.demo_trips` runs a year of them.

## Rules

Hard rules (一律 / 严禁 / 不得 / 必须 / 须) raise `GuardRejected` naming the rule and its line;
原则上 rules raise `JustificationRequired`, and a fire with a justification goes ahead with the
override on the record. G-numbers are the digest's (§2.8).

| Rule | Strength | Where checked | Source |
|---|---|---|---|
| off-plan 考察/参展/办展/培训 groups not approved (G1) | soft 原则上 | submit | L85 |
| group size ≤ 6 for 考察 groups (G5; "应在请示中说明情况") | soft 原则上 | submit | L91 |
| cover identity needs prior separate approval (G7) | hard 应先…报批 | submit | L93 |
| ≤ 1 trip per city-managed cadre a year (G8; query on indexed ``member_ids``) | soft 原则上 | submit | L95 |
| same-level leaders of one region/department not in one group (G9) | soft 原则上 | submit | L95 |
| … nor leading groups to one country within a short period (G10) | soft 原则上 | submit | L95 |
| ≤ 2 countries a trip (G12) | soft 原则上 | submit | L99 |
| stay ≤ 6 days for 1 country, ≤ 10 for 2, travel included (G13, G14, G18) | soft 原则上 | submit | L99 |
| transit through a place not visited: reason stated (G16) | hard 要…说明原因 | submit | L99 |
| training stay 3–6 weeks (以…为宜) and ≤ 6 months (原则上) (G17) | soft | submit | L99 |
| training abroad organised only by the 市委组织部 | hard 不得擅自 | submit (plan and group) | L79 |
| exhibition plans drafted by the 市外经委 (统一拟定) | hard | plan submit | L79 |
| plan content: task, countries, batches and time, headcount and composition, funding, budget | hard | plan submit | L79 |
| plan sent to the 市外办 in 11月上旬 of the previous year | deadline (overdue mark) | plan drafting | L83 |
| sensitive fields organised by the central ministry (G34) | soft 原则上 | submit (plan and group) | L81 |
| … a local unit needs the central ministry's consent first | hard 须 | submit (plan and group) | L81 |
| request in the 请示 genre, signed by the organiser's principal head (G21) | hard | sign | L107 |
| the eleven elements of a request (G22) | hard 应具备 | submit | L109 |
| attachments: 参团人员审核表, 邀请函, 中文译文 (G23) | hard 应有 | submit | L109 |
| 双跨 groups need the attached opinions of 市委 and 市政府 leaders (G30) | hard 一律 | submit | L131 |
| request ≥ 3 weeks before the passport/visa date (G24, `lead_time`) | soft 如无特殊情况 | submit | L133 |
| no 特急件/急件 handling | soft 如无特殊情况 | submit | L133 |
| never through the private-travel channel (G29) | hard 一律不得 | submit | L139 |
| no enterprise delegation, no enterprise funding (G28) | hard 不得 | submit | L139 |
| invitation from a counterpart department or an official of matching rank (G25) | hard 必须 | submit | L139 |
| no invitation through a travel agency or intermediary (G26) | hard 严禁 | submit | L139 |
| no trip in the name of an overseas Chinese-funded enterprise (G27) | hard 不得 | submit | L139 |
| the approvers listed are not all members of the group (separation of duties) | hard | present | L111, digest §2.10 |
| trip report to the 市外办 within 1 month of returning (C1) | obligation | return → close | L141 |
| passports deposited with the 市外办 within 15 days of returning (C2) | obligation | return → close | L143 |
| unit suspended for refusing to deposit passports: applications refused (G33) | hard | start, accept | L143 |
| unit banned 1 year, people banned 2 years from discovery (G32) | hard | start, accept, depart | L145 |

Not encoded as guards, because they are judgements the 市外办 makes in its review (L137), not
facts in the request: a clear official purpose (G2), a task within the traveller's own portfolio
(G3), no tourism (G4), a reasonable route (G11), padding by transit (G15), expenses per the
national rules (G19), the restrictions on indebted districts, whose rules the text leaves to
others (G20), and coordination of groups visiting one country (L137, besides G10).

## The choices the text leaves open (digest §2.13), each a named constant

1. **一年内** (G8) — `CADRE_YEAR` = ``"calendar"``: trips departing in the same calendar year
   count, since the plan that governs trips is a calendar-year plan (L79, L83); ``"rolling"``
   counts any other trip departing less than 12 months before or after.
2. **1个月内 / 15日** — `REPORT_DEADLINE` = ``Months(1, roll_forward=True)`` (a calendar month,
   not 30 days) and `PASSPORT_DEADLINE` = ``Days(15, roll_forward=True)`` (calendar days, the
   return day not counted): the text says 日 and 月, not 工作日. Both count from the return date
   in the data (返渝 / 回渝) and, where the last day is a rest day on the PRC calendar, end on the
   next working day (`ROLL_TO_WORKING_DAY`), since the 市外办 receives reports and passports
   only on working days.
3. **Stay counting** (G13, G14, G17, G18) — `STAY_DAYS_INCLUSIVE` = True: "以上时间均含旅途时间"
   (L99), so a stay is counted from the departure day to the return day, both included: leaving
   on Monday and back on Saturday is 6 days.
4. **短期内** (G10) — `SHORT_PERIOD_DAYS` = 30: two same-level leaders of one region or
   department leading groups to one country with departures at most 30 days apart (inclusive)
   need a justification.
5. **Does the intake suspension end?** — `SUSPENSION_ENDS_ON_COMPLIANCE` = True: the text gives
   no end date (L143); the suspension lasts until `lift_suspension` is called, and that refuses
   while any of the unit's trips still has its passport obligation overdue.
6. **Sequential or parallel signing** — `SIGN_IN_SEQUENCE` (from `govflow_workflows._trip_routing`) =
   True: the listed leaders sign one after another; separate row-9 tracks run in parallel.
7. **The lead-time milestone** (G24) — `LEAD_TIME_FIELD` = ``"passport_visa_date"`` and
   `LEAD_TIME` = ``Weeks(3)``: the rule counts back from the planned passport/visa application,
   not from departure (「在办理护照、签证前三周呈报」, L133), so that date is a required field.

Other readings, also constants:

* the 1-year and 2-year bans (`UNIT_BAN`, `PERSON_BAN`) run from the day of discovery to the
  same date a year (two years) later, both days included; a sanctioned unit or person is
  refused on any day of the ban when a request starts, when the 市外办 accepts it (受理) and when
  the group departs (出境), since a banned unit may neither organise nor join a trip;
* G5 applies to 考察 groups, as the text says (`GROUP_SIZE_TYPES`);
* a late plan is marked overdue, not refused (the text attaches no sanction to lateness), and an
  early one is accepted;
* the plan is approved by the 书记 and the 市长 together (`PLAN_APPROVERS`: "报市委、市政府审批", L83);
* the exhibition planner 市外经委 is played by `EXHIBITION_PLANNER` in the sample directory.

## Diagrams

The annual plan:

```mermaid
---
title: overseas_trip_plan v1 (出访计划审批)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "drafting (拟订计划)" as drafting
  Class drafting s_default
  state "coordinating (市外办统筹协调)" as coordinating
  Class coordinating s_default
  state "approving (分管市领导同意·市委市政府审批)" as approving
  Class approving s_default
  state "approved (已批准·按计划执行)" as approved
  Class approved s_final
  state "rejected (不予批准)" as rejected
  Class rejected s_final

  drafting --> coordinating: submit (报送市外办) [trip_clerk@unit] if overseas_trip_plan.content, overseas_trip_plan.training_by_organisation_dept, overseas_trip_plan.exhibition_by_planner, overseas_trip_plan.central_consent 原则上 overseas_trip_plan.sensitive_field_local
  coordinating --> drafting: send_back (退回调整) [fao_reviewer]
  coordinating --> approving: coordinate (统筹协调完毕·报批) [fao_reviewer]
  approving --> approving: approve (计划审批·签批) [signer of trip_plan_approval] if chain.trip_plan_approval.more_to_sign
  approving --> approved: approve (计划审批·签批（完成）) [signer of trip_plan_approval] if chain.trip_plan_approval.completes
  approving --> drafting: return (退回修改) [signer of trip_plan_approval]
  approving --> rejected: reject (不予批准) [signer of trip_plan_approval]
  [*] --> drafting
  approved --> [*]
  rejected --> [*]
  note right of drafting : submit_plan (11月上旬送市外办)： by 11/10； remind 5 days (日) before, from data field 'window_opens'； mark overdue (逾期)
```

The per-group application:

```mermaid
---
title: overseas_trip v1 (因公临时出国(境)审批)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "drafting (起草请示)" as drafting
  Class drafting s_default
  state "signed (主要负责人已签发)" as signed
  Class signed s_default
  state "submitted (已呈报·待市外办受理)" as submitted
  Class submitted s_default
  state "fao_review (市外办审核)" as fao_review
  Class fao_review s_default
  state "postponed (推迟)" as postponed
  Class postponed s_default
  state "office_review (办公厅审核)" as office_review
  Class office_review s_default
  state "leader_approval (市领导审批)" as leader_approval
  Class leader_approval s_default
  state "approved (已批准)" as approved
  Class approved s_default
  state "abroad (出访中)" as abroad
  Class abroad s_default
  state "returned (已回渝)" as returned
  Class returned s_default
  state "closed (办结)" as closed
  Class closed s_final
  state "cancelled (取消)" as cancelled
  Class cancelled s_final
  state "rejected (不予批准)" as rejected
  Class rejected s_final
  state "withdrawn (撤回)" as withdrawn
  Class withdrawn s_final

  drafting --> drafting: revise (修改请示) [trip_clerk@unit] if overseas_trip.changes_something
  drafting --> signed: sign (主要负责人签发) [principal@unit] if overseas_trip.own_unit, overseas_trip.genre_request
  drafting --> withdrawn: withdraw (撤回) [trip_clerk@unit]
  signed --> submitted: submit (呈报·送市外办) [trip_clerk@unit] if overseas_trip.required_elements, overseas_trip.required_attachments, overseas_trip.invitation_from_counterpart, overseas_trip.no_agency_invitation, overseas_trip.no_chinese_enterprise_invitation, overseas_trip.no_enterprise_group, overseas_trip.official_channel, overseas_trip.dual_cross_opinions, overseas_trip.cover_identity_cleared, overseas_trip.transit_explained, overseas_trip.training_by_organisation_dept, overseas_trip.central_consent 原则上 overseas_trip.in_annual_plan, overseas_trip.group_size, overseas_trip.one_trip_a_year, overseas_trip.same_level_not_together, overseas_trip.same_level_same_country, overseas_trip.at_most_two_countries, overseas_trip.stay_limit, overseas_trip.training_stay_recommended, overseas_trip.training_stay_cap, overseas_trip.lead_time, overseas_trip.not_urgent, overseas_trip.sensitive_field_local
  signed --> withdrawn: withdraw (撤回) [trip_clerk@unit]
  submitted --> fao_review: accept (受理) [fao_reviewer] if overseas_trip.unit_not_banned, overseas_trip.people_not_banned, overseas_trip.intake_not_suspended
  submitted --> withdrawn: withdraw (撤回) [trip_clerk@unit]
  fao_review --> office_review: forward (初审意见·送办公厅) [fao_reviewer]
  fao_review --> drafting: propose_adjust (提出调整意见·退回修改) [fao_reviewer]
  fao_review --> postponed: postpone (提出推迟意见) [fao_reviewer]
  fao_review --> cancelled: cancel (提出取消意见) [fao_reviewer]
  postponed --> cancelled: cancel (提出取消意见) [fao_reviewer]
  postponed --> drafting: resume (调整日程·重新办理) [trip_clerk@unit]
  postponed --> withdrawn: withdraw (撤回) [trip_clerk@unit]
  office_review --> leader_approval: present (审核·呈送市领导) [市委或市政府办公厅] if overseas_trip.approvers_not_travelling
  office_review --> drafting: office_return (办公厅退回) [市委或市政府办公厅]
  leader_approval --> leader_approval: approve (市领导审批·签批) [signer of trip_leaders] if chain.trip_leaders.more_to_sign 分离 not-subject
  leader_approval --> approved: approve (市领导审批·签批（完成）) [signer of trip_leaders] if chain.trip_leaders.completes 分离 not-subject
  leader_approval --> drafting: return (退回修改) [signer of trip_leaders] 分离 not-subject
  leader_approval --> rejected: reject (不予批准) [signer of trip_leaders] 分离 not-subject
  approved --> abroad: depart (出境) [trip_clerk@unit] if overseas_trip.unit_not_banned, overseas_trip.people_not_banned
  abroad --> returned: return_home (回渝) [trip_clerk@unit] if overseas_trip.return_recorded_truly
  returned --> returned: file_report (报送出访报告) [trip_clerk@unit] | deposit_passports (交回护照·市外办统一管理) [fao_reviewer] if overseas_trip.every_passport
  returned --> closed: close (办结) [fao_reviewer]
  [*] --> drafting
  closed --> [*]
  cancelled --> [*]
  rejected --> [*]
  withdrawn --> [*]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal

import attrs

from govflow import Days, Deadline, FromField, Months, State, Transition, Weeks, Workflow, lead_time
from govflow.access import NotSubject, Relative, ResolveContext, Scoped, resolver
from govflow.approvals import ApprovalChain, Step, routing
from govflow.clock import SHANGHAI
from govflow.data import converter
from govflow.deadlines import ByDate
from govflow.directory import Directory, Post, Unit
from govflow.effects import EffectContext, effect
from govflow.engine import Engine
from govflow.errors import DirectoryError, InvalidData, UnknownWorkflow, UnresolvedRole
from govflow.guards import Guard, GuardContext, guard

from ._trip_routing import (
    GOVERNMENT_UNIT,
    PARTY_UNIT,
    POLICY,
    PRINCIPAL,
    SIGN_IN_SEQUENCE,
    Side,
    Traveller,
    TripGroup,
    dual_cross_cleared,
    liaison,
    line,
    route_group,
    sample_directory,
    sample_travellers,
)

__all__ = [
    "CADRE_YEAR",
    "CLERK",
    "CLERKS",
    "COUNTED_STATES",
    "EXHIBITION_PLANNER",
    "FAO_REVIEWER",
    "FAO_UNIT",
    "GOVERNMENT_OFFICE",
    "GROUP_SIZE_LIMIT",
    "GROUP_SIZE_TYPES",
    "LEAD_TIME",
    "LEAD_TIME_FIELD",
    "MAX_COUNTRIES",
    "OFFENCES",
    "OFFICE_REVIEWER",
    "OFF_PLAN_TYPES",
    "ORGANISATION_DEPT",
    "PARTY_OFFICE",
    "PASSPORT_DEADLINE",
    "PERSON_BAN",
    "PLAN",
    "PLAN_APPROVERS",
    "PLAN_POLICY",
    "REPORT_DEADLINE",
    "ROLL_TO_WORKING_DAY",
    "SHORT_PERIOD_DAYS",
    "SIGN_IN_SEQUENCE",
    "STAY_DAYS_INCLUSIVE",
    "STAY_LIMITS",
    "SUSPENSION_ENDS_ON_COMPLIANCE",
    "TRAINING_MAX",
    "TRAINING_RECOMMENDED",
    "TRIP",
    "TRIP_TYPES",
    "UNIT_BAN",
    "WORKFLOWS",
    "Invitation",
    "Member",
    "Offence",
    "Opinion",
    "PassportDeposit",
    "PlannedGroup",
    "Returned",
    "Sanction",
    "Suspension",
    "TripApplication",
    "TripPlan",
    "TripReport",
    "application_data",
    "lift_suspension",
    "plan_data",
    "record_sanction",
    "sample_members",
    "sanctions",
    "stay_days",
    "suspend_intake",
    "suspensions",
    "trip_directory",
]


def _src(*lines: int) -> str:
    """A citation of seed 003 lines: ``seed 003 L85`` or ``seed 003 L111, L137``."""
    return "seed 003 " + ", ".join(f"L{n}" for n in lines)


# -- vocabulary and units -------------------------------------------------------------------------

TripType = Literal["inspection", "training", "exhibition", "visit"]
"""考察 / 培训 / 参展办展 / 访问·会谈 (L79, L85)."""

TRIP_TYPES: dict[str, str] = {
    "inspection": "考察",
    "training": "培训",
    "exhibition": "参展、办展",
    "visit": "访问、会谈",
}
"""Each trip type with its Chinese name."""

MemberRank = Literal["principal", "deputy", "staff"]
"""A member's rank in their own unit: 正职 / 副职 (the 领导 of G9, G10) / other staff."""

FAO_UNIT = "cq.gov.fao"
"""市外办: accepts (受理) and reviews requests, coordinates plans, receives reports and passports."""

PARTY_OFFICE = "cq.party.office"
"""市委办公厅: reviews requests sent to the 市委 (L111, L137)."""

GOVERNMENT_OFFICE = "cq.gov.office"
"""市政府办公厅: reviews requests sent to the 市政府 (L111, L137)."""

ORGANISATION_DEPT = "cq.party.organisation"
"""市委组织部: the only unit that may organise training abroad for city-managed cadres (L79)."""

EXHIBITION_PLANNER = "cq.gov.commerce"
"""The unit that drafts exhibition plans: the text's 市外经委 (L79). The sample directory has no
市外经委; its foreign-trade role is played by the 市商务委, so this constant names that unit."""

CLERK = "trip_clerk"
"""经办人 of an organising unit (组团单位): drafts and submits plans and requests, files reports."""

FAO_REVIEWER = "fao_reviewer"
"""A reviewer of the 市外办."""

OFFICE_REVIEWER = "office_reviewer"
"""A reviewer of the 市委 / 市政府 general office."""

CLERKS: dict[str, str] = {
    "cq.party.propaganda": "clerk.propaganda",
    "cq.party.organisation": "clerk.organisation",
    "cq.npc.foreign_affairs": "clerk.npc",
    "cq.gov.commerce": "clerk.commerce",
    "cq.gov.education": "clerk.education",
    "cq.yubei.party": "clerk.yubei",
    "cq.yubei.gov": "clerk.yubei_gov",
    "cq.wanzhou.party": "clerk.wanzhou",
    "cq.wanzhou.gov": "clerk.wanzhou_gov",
    "cq.cqu": "clerk.cqu",
    "cq.daily": "clerk.daily",
}
"""The clerk (`CLERK`) of each organising unit in `trip_directory`, by unit."""


def trip_directory() -> Directory:
    """`sample_directory()` plus what the trip workflows need besides the leaders: the 市委 and
    市政府 general offices with a reviewer each (lu, qin), two 市外办 reviewers (bai, shen) and a
    clerk in every unit that organises trips (`CLERKS`). Fictional people."""
    base = sample_directory()
    units = [
        *base.units,
        Unit(PARTY_OFFICE, "市委办公厅", PARTY_UNIT, "市委办事机构", "party"),
        Unit(GOVERNMENT_OFFICE, "市政府办公厅", GOVERNMENT_UNIT, "市政府办事机构", "government"),
    ]
    posts = [
        *base.posts,
        Post("lu", OFFICE_REVIEWER, PARTY_OFFICE, "2022-01-01"),
        Post("qin", OFFICE_REVIEWER, GOVERNMENT_OFFICE, "2022-01-01"),
        Post("bai", FAO_REVIEWER, FAO_UNIT, "2022-01-01"),
        Post("shen", FAO_REVIEWER, FAO_UNIT, "2022-01-01"),
        *(Post(person, CLERK, unit, "2022-01-01") for unit, person in CLERKS.items()),
    ]
    return Directory(units=units, posts=posts)


# -- data schemas -------------------------------------------------------------------------------


def _blank(text: str) -> bool:
    return not text.strip()


@attrs.frozen
class Member:
    """A member of the group as the 团组人员名单 lists them (L109): id, name, unit, post, rank in
    the unit (正职 / 副职 / staff) and, for a district cadre, the district's unit id. Travellers
    (city-managed cadres) are members too; so are staff such as interpreters."""

    person: str
    name: str
    unit: str
    post: str
    rank: MemberRank = "staff"
    district: str | None = None

    @property
    def area(self) -> str:
        """同一地区、同一部门 (G9, G10): the district for a district cadre, else the unit."""
        return self.district or self.unit

    @property
    def leader(self) -> bool:
        """Whether the member is a 领导 of their unit (正职 or 副职)."""
        return self.rank != "staff"


InviterKind = Literal["counterpart_department", "official", "overseas_chinese_enterprise", "enterprise", "other"]
"""Who invites: 外交对口部门 / 相应职级官员 (the two L139 allows) / 境外中资企业 / 企业 / other."""

ProvidedVia = Literal["inviter", "travel_agency", "intermediary"]
"""How the invitation came: from the inviter itself, or (严禁, L139) through a 旅行社 / 中介机构."""


@attrs.frozen
class Invitation:
    """The invitation (邀请函, L109, L139): inviter, kind, how it came, the inviter's background
    (邀请单位背景情况) and the organising unit's pledge that it is genuine (真实有效的承诺)."""

    inviter: str
    inviter_kind: InviterKind
    provided_via: ProvidedVia = "inviter"
    background: str = ""
    authenticity_pledge: bool = False


ATTACHMENTS: dict[str, str] = {
    "member_vetting_form": "参团人员审核表",
    "invitation": "邀请函",
    "invitation_translation": "邀请函中文译文",
}
"""The attachments a request must have (「附件应有参团人员审核表、邀请函及中文译文等材料」, L109)."""


def _member_ids(self: TripApplication) -> list[str]:
    return [m.person for m in self.members]


@attrs.frozen
class TripApplication:
    """A per-group request (出国请示件, 一团一报). Fields follow the eleven elements of L109:
    purpose (出访目的), dates (出访时间, 在外停留天数 derived from them), countries (出访国家或地区),
    group leader and members (团长及人数, 团组人员名单), funding source and budget (费用来源, 经费预算),
    itinerary (日程安排), the invitation with its background and authenticity pledge.

    `organiser` is the organising unit (组团单位); `request_to` and `travellers` (the city-managed
    cadres, a subset of the members) are what the routing policy reads. `member_ids` repeats the
    members' ids because an index cannot reach inside a list of records: leave it out and it is
    filled in; a payload that changes `members` must send it too. `departed_on` / `returned_on`
    are recorded by the ``depart`` / ``return_home`` steps.
    """

    purpose: str
    trip_type: TripType
    organiser: str
    request_to: Side
    travellers: list[Traveller]
    members: list[Member]
    group_leader: str
    countries: list[str]
    departure: date
    return_date: date
    passport_visa_date: date
    funding_source: str
    budget_yuan: int
    itinerary: str
    invitation: Invitation
    attachments: list[str] = attrs.Factory(lambda: list(ATTACHMENTS))
    transit: list[str] = attrs.Factory(list)
    transit_reason: str = ""
    plan_batch: str | None = None
    genre: str = "请示"
    channel: Literal["official", "private"] = "official"
    enterprise_group: bool = False
    enterprise_funded: bool = False
    dual_cross: bool = False
    dual_cross_opinions: list[Side] = attrs.Factory(list)
    cover_identity: bool = False
    cover_identity_approved: bool = False
    sensitive_field: bool = False
    central_consent: bool = False
    urgent: bool = False
    member_ids: list[str] = attrs.Factory(_member_ids, takes_self=True)
    departed_on: date | None = None
    returned_on: date | None = None

    def __attrs_post_init__(self) -> None:
        problems = []
        ids = [m.person for m in self.members]
        if self.member_ids != ids:
            problems.append(f"member_ids must list the members' ids in order: {ids}, not {self.member_ids}")
        twice = sorted({p for p in ids if ids.count(p) > 1})
        if twice:
            problems.append(f"members listed twice: {', '.join(twice)}")
        missing = [t.person for t in self.travellers if t.person not in ids]
        if missing:
            problems.append(f"travellers missing from the members: {', '.join(missing)}")
        if self.group_leader not in ids:
            problems.append(f"the group leader {self.group_leader!r} is not a member")
        if self.return_date < self.departure:
            problems.append(f"the return date {self.return_date} is before the departure {self.departure}")
        unknown = sorted(set(self.attachments) - set(ATTACHMENTS))
        if unknown:
            problems.append(f"unknown attachments {unknown} (known: {', '.join(ATTACHMENTS)})")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def stay(self) -> int:
        """Days abroad, planned (see `stay_days`)."""
        return stay_days(self.departure, self.return_date)

    @property
    def leader_member(self) -> Member:
        """The group leader's record (团长)."""
        return next(m for m in self.members if m.person == self.group_leader)


@attrs.frozen
class PlannedGroup:
    """One group of an annual plan (L79: 出访任务、出访国家或地区、批次及时间安排、人数及人员构成、经费来源和
    费用预算). `batch` is its key, quoted by a request's `plan_batch`."""

    batch: str
    task: str
    trip_type: TripType
    countries: list[str]
    month: int
    headcount: int
    composition: str
    funding_source: str
    budget_yuan: int
    sensitive_field: bool = False
    central_consent: bool = False

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, not {self.month}")


def _window_opens(self: TripPlan) -> date:
    return date(self.plan_year - 1, 11, 1)


@attrs.frozen
class TripPlan:
    """An organising unit's plan for `plan_year` (出访计划, L79). The leader who consents is found
    by `business_line` (分管市领导) or, for a district, by `district` (联系该区县的市委领导, L83):
    give exactly one. `window_opens` is 1 November of the year before (filled in; it anchors the
    11月上旬 deadline)."""

    plan_year: int
    organiser: str
    groups: list[PlannedGroup]
    business_line: str | None = None
    district: str | None = None
    window_opens: date = attrs.Factory(_window_opens, takes_self=True)

    def __attrs_post_init__(self) -> None:
        problems = []
        if (self.business_line is None) == (self.district is None):
            problems.append("give exactly one of business_line (分管市领导) and district (联系区县的市委领导)")
        if self.window_opens != date(self.plan_year - 1, 11, 1):
            problems.append(f"window_opens is 1 November of the year before the plan: {self.plan_year - 1}-11-01")
        batches = [g.batch for g in self.groups]
        twice = sorted({b for b in batches if batches.count(b) > 1})
        if twice:
            problems.append(f"batches listed twice: {', '.join(twice)}")
        if problems:
            raise ValueError("; ".join(problems))


def _not_blank(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if _blank(value):
        raise ValueError(f"{attribute.name} must not be empty")


@attrs.frozen
class Opinion:
    """What a review step carries: the reviewer's opinion (初审意见; the reason to adjust,
    postpone or cancel), kept in the audit trail."""

    opinion: str = attrs.field(validator=_not_blank)


@attrs.frozen
class Returned:
    """What ``return_home`` carries: the day the group was back in Chongqing (返渝), if not today."""

    returned_on: date | None = None


@attrs.frozen
class TripReport:
    """The trip report (出访报告, L141)."""

    summary: str = attrs.field(validator=_not_blank)


@attrs.frozen
class PassportDeposit:
    """Whose passports or passes the 市外办 received (L143): every member's is required."""

    persons: list[str]


# -- the rules' numbers and the choices (module docstring, "choices") ----------------------------

OFF_PLAN_TYPES = frozenset({"inspection", "training", "exhibition"})
"""Trip types the off-plan rule names: 「计划外的考察、参展、办展、培训团组」 (L85)."""

GROUP_SIZE_LIMIT = 6
"""G5: at most 6 members, inclusive (「人员总数原则上不超过6人」, L91)."""

GROUP_SIZE_TYPES = frozenset({"inspection"})
"""G5 is said of 考察团组 (L91); 培训团组人数应严格控制 gives no number."""

MAX_COUNTRIES = 2
"""G12: at most 2 countries or regions, inclusive (「原则上控制在两个以内」, L99)."""

STAY_LIMITS: dict[int, int] = {1: 6, 2: 10}
"""G13/G14: days abroad by number of countries, inclusive (「出访1国…不超过6天;出访2国,不超过10天」,
L99); a trip to more countries (itself needing a justification) is held to the 2-country limit."""

STAY_DAYS_INCLUSIVE = True
"""§2.13 point 3: the departure and the return day both count (「以上时间均含旅途时间」, L99)."""

TRAINING_RECOMMENDED = (21, 42)
"""G17: 「以3至6周为宜」 (L99) — 21 to 42 days, inclusive. 为宜 is advice, weaker than 原则上; it is
kept as a soft rule so a training stay outside it carries a stated reason."""

TRAINING_MAX = Months(6)
"""G17: 「原则上不得超过6个月」 (L99): the return day at most 6 calendar months after departure."""

CADRE_YEAR: Literal["calendar", "rolling"] = "calendar"
"""§2.13 point 1: "一年内" (G8, L95) is the calendar year of departure (``"rolling"``: less than
12 months apart)."""

COUNTED_STATES = (
    "submitted",
    "fao_review",
    "postponed",
    "office_review",
    "leader_approval",
    "approved",
    "abroad",
    "returned",
    "closed",
)
"""States in which another request counts as a trip for G8 and G10: submitted and not
withdrawn, cancelled or refused (a draft is not yet a request)."""

SHORT_PERIOD_DAYS = 30
"""§2.13 point 4: "短期内" (G10, L95): departures at most 30 days apart, inclusive."""

LEAD_TIME_FIELD = "passport_visa_date"
"""§2.13 point 7: the lead time counts back from the planned passport/visa application (L133)."""

LEAD_TIME = Weeks(3)
"""G24: 「前三周」 (L133): the request goes up no later than 21 days before that date."""

ROLL_TO_WORKING_DAY = True
"""§2.13 point 2: a report or passport deadline falling on a rest day ends on the next working day."""

REPORT_DEADLINE = Months(1, roll_forward=ROLL_TO_WORKING_DAY)
"""C1: 「应于返渝后1个月内」 (L141): one calendar month from the return day (not 30 days)."""

PASSPORT_DEADLINE = Days(15, roll_forward=ROLL_TO_WORKING_DAY)
"""C2: 「应在回渝后15日内」 (L143): 15 calendar days, the return day not counted."""

UNIT_BAN = Months(12)
"""D: 「组团、参团单位一年内不得组团或参加」 (L145), from discovery to the same date a year later."""

PERSON_BAN = Months(24)
"""D: 「相关人员两年内不得参团」 (L145), from discovery to the same date two years later."""

SUSPENSION_ENDS_ON_COMPLIANCE = True
"""§2.13 point 5: the intake suspension (L143) lasts until lifted, and may be lifted only once the
unit has no overdue passport obligation left."""

PLAN_APPROVERS = ("书记", "市长")
"""「报市委、市政府审批」 (L83) is read as both principals co-signing (a ``cosign`` step)."""

Offence = Literal[
    "fabricated_task", "false_unit_or_post", "forged_invitation", "false_funding", "visa_via_agency", "lax_gatekeeping"
]
"""The offences of L145 that bring the 1-year / 2-year bans."""

OFFENCES: dict[str, str] = {
    "fabricated_task": "编造出访任务或目的",
    "false_unit_or_post": "谎报工作单位或职务",
    "forged_invitation": "伪造邀请函或编造邀请函中文译文",
    "false_funding": "谎报经费来源及编造假预算",
    "visa_via_agency": "通过旅行社或航空公司办理入(过)境签证",
    "lax_gatekeeping": "因单位领导把关不严造成严重后果",
}
"""Each offence of L145 in the document's words."""


def stay_days(departure: date, returned: date) -> int:
    """Days abroad from `departure` to `returned`, travel included; both days count when
    `STAY_DAYS_INCLUSIVE` (Monday to Saturday is 6)."""
    return (returned - departure).days + (1 if STAY_DAYS_INCLUSIVE else 0)


# -- helpers for guards -----------------------------------------------------------------------------


def _today(ctx: GuardContext | EffectContext) -> date:
    """Today in the engine calendar's time zone (Beijing time without one)."""
    calendar = getattr(ctx, "calendar", None) or getattr(getattr(ctx, "engine", None), "calendar", None)
    if calendar is not None:
        day: date = calendar.local_date(ctx.now)
        return day
    return ctx.now.astimezone(SHANGHAI).date()


def _application(ctx: GuardContext) -> TripApplication:
    if isinstance(ctx.model, TripApplication):
        return ctx.model
    app: TripApplication = converter.structure(dict(ctx.data), TripApplication)
    return app


def _plan(ctx: GuardContext) -> TripPlan:
    if isinstance(ctx.model, TripPlan):
        return ctx.model
    plan: TripPlan = converter.structure(dict(ctx.data), TripPlan)
    return plan


def _others(ctx: GuardContext, where: Mapping[str, Any]) -> list[TripApplication]:
    """Other requests (not this one) in `COUNTED_STATES` matching the indexed `where`."""
    own = ctx.instance.id if ctx.instance is not None else None
    found = ctx.engine.find(TRIP_WORKFLOW, state=COUNTED_STATES, where=where)
    return [converter.structure(dict(i.data), TripApplication) for i in found if i.id != own]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (date(year + (month == 11), (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


# -- start guards: sanctions (process D) -------------------------------------------------------------


@guard(
    "overseas_trip.drafted_by_organiser",
    "the organising unit (组团单位) drafts its own request or plan",
    source=_src(79, 107),
)
def drafted_by_organiser(ctx: GuardContext) -> bool | str:
    """The person starting a plan or request belongs to the organising unit named in it."""
    organiser = ctx.data.get("organiser")
    if ctx.actor.unit == organiser:
        return True
    return f"the organising unit is {organiser!r}, but {ctx.actor.id!r} acts for {ctx.actor.unit!r}"


@guard("overseas_trip.unit_not_banned", "组团、参团单位一年内不得组团或参加因公出国(境)", source=_src(145))
def unit_not_banned(ctx: GuardContext) -> bool | str:
    """G32 (units): neither the organising unit nor a participating unit is under a 1-year ban
    on the day of the action (start, 受理, 出境)."""
    app = _application(ctx)
    today = _today(ctx)
    units = {app.organiser, *(m.unit for m in app.members)}
    hits = [
        f"{unit} (banned {s.discovered}–{s.unit_ban_until} for {OFFENCES[s.offence]}, record {s.key})"
        for s in sanctions(ctx.engine)
        for unit in sorted(units & set(s.units))
        if s.discovered <= today <= s.unit_ban_until
    ]
    return not hits or "组团、参团单位一年内不得组团或参加因公出国(境): " + "; ".join(hits)


@guard("overseas_trip.people_not_banned", "相关人员两年内不得参团因公出国(境)", source=_src(145))
def people_not_banned(ctx: GuardContext) -> bool | str:
    """G32 (people): no member is under a 2-year ban on the day of the action (start, 受理, 出境)."""
    app = _application(ctx)
    today = _today(ctx)
    hits = [
        f"{person} (banned {s.discovered}–{s.person_ban_until} for {OFFENCES[s.offence]}, record {s.key})"
        for s in sanctions(ctx.engine)
        for person in app.member_ids
        if person in s.people and s.discovered <= today <= s.person_ban_until
    ]
    return not hits or "相关人员两年内不得参团因公出国(境): " + "; ".join(hits)


@guard("overseas_trip.intake_not_suspended", "市外办停止受理拒不交回证件的单位的出访任务申请", source=_src(143))
def intake_not_suspended(ctx: GuardContext) -> bool | str:
    """G33: the organising unit's applications are not suspended for refusing to deposit passports."""
    organiser = str(ctx.data.get("organiser"))
    today = _today(ctx)
    open_ = [s for s in suspensions(ctx.engine) if s.unit == organiser and s.in_force(today)]
    if not open_:
        return True
    since = ", ".join(f"since {s.since} ({s.reason})" for s in open_)
    return f"对拒不执行规定的,市外办应停止受理该单位的出访任务申请: {organiser} is suspended {since}"


# -- per-group rules (process B) ------------------------------------------------------------------------


@guard("overseas_trip.own_unit", "the request is signed for the organising unit it names", source=_src(107))
def own_unit(ctx: GuardContext) -> bool | str:
    """The case belongs to the organising unit, so `Scoped("principal")` finds that unit's head."""
    unit = ctx.instance.unit if ctx.instance is not None else None
    organiser = ctx.data.get("organiser")
    return unit == organiser or f"the case belongs to {unit!r} but names {organiser!r} as the organising unit"


@guard("overseas_trip.genre_request", "以'请示'文种报市委或市政府审批", source=_src(107))
def genre_request(ctx: GuardContext) -> bool | str:
    """G21: the document is a 请示 (formal request)."""
    genre = ctx.data.get("genre")
    return genre == "请示" or f"以'请示'文种报市委或市政府审批: the document is a {genre!r}, not a 请示"


@guard("overseas_trip.required_elements", "出访请示应具备的要素不全", source=_src(109))
def required_elements(ctx: GuardContext) -> bool | str:
    """G22: the eleven elements of a request (dates and stay are typed fields, always present)."""
    app = _application(ctx)
    missing = [
        label
        for label, absent in (
            ("出访目的", _blank(app.purpose)),
            ("出访国家或地区", not app.countries or any(_blank(c) for c in app.countries)),
            ("团长及人数", not app.members),
            ("费用来源", _blank(app.funding_source)),
            ("经费预算", app.budget_yuan <= 0),
            ("日程安排", _blank(app.itinerary)),
            ("邀请单位背景情况", _blank(app.invitation.background)),
            ("邀请函真实有效的承诺", not app.invitation.authenticity_pledge),
        )
        if absent
    ]
    return not missing or "出访请示应具备以下要素, missing: " + "、".join(missing)


@guard("overseas_trip.required_attachments", "附件应有参团人员审核表、邀请函及中文译文", source=_src(109))
def required_attachments(ctx: GuardContext) -> bool | str:
    """G23: the three attachments."""
    app = _application(ctx)
    missing = [label for key, label in ATTACHMENTS.items() if key not in app.attachments]
    return not missing or "附件应有参团人员审核表、邀请函及中文译文, missing: " + "、".join(missing)


@guard("overseas_trip.invitation_from_counterpart", "出访必须有外交对口部门或相应职级官员的邀请", source=_src(139))
def invitation_from_counterpart(ctx: GuardContext) -> bool | str:
    """G25: the inviter is a counterpart department or an official of matching rank."""
    kind = _application(ctx).invitation.inviter_kind
    return kind in ("counterpart_department", "official") or (
        f"出访必须有外交对口部门或相应职级官员的邀请: the inviter is {kind!r}"
    )


@guard("overseas_trip.no_agency_invitation", "严禁通过旅行社或中介机构提供邀请函", source=_src(139))
def no_agency_invitation(ctx: GuardContext) -> bool | str:
    """G26: the invitation did not come through a travel agency or an intermediary."""
    via = _application(ctx).invitation.provided_via
    return via == "inviter" or f"严禁通过旅行社或中介机构提供邀请函: it came through a {via}"


@guard("overseas_trip.no_chinese_enterprise_invitation", "不得以境外中资企业邀请的名义出访", source=_src(139))
def no_chinese_enterprise_invitation(ctx: GuardContext) -> bool:
    """G27: not invited in the name of an overseas Chinese-funded enterprise."""
    return _application(ctx).invitation.inviter_kind != "overseas_chinese_enterprise"


@guard(
    "overseas_trip.no_enterprise_group",
    "党政干部不得参加企业团组出国(境),也不得接受企业出资或资助出国(境)",
    source=_src(139),
)
def no_enterprise_group(ctx: GuardContext) -> bool | str:
    """G28: not an enterprise delegation, not paid for by an enterprise."""
    app = _application(ctx)
    faults = [
        text for text, bad in (("企业团组", app.enterprise_group), ("企业出资或资助", app.enterprise_funded)) if bad
    ]
    return not faults or "党政干部不得参加企业团组出国(境),也不得接受企业出资或资助出国(境): " + "、".join(faults)


@guard("overseas_trip.official_channel", "因公出访任务一律不得按因私途径申报和审批", source=_src(139))
def official_channel(ctx: GuardContext) -> bool:
    """G29: an official trip goes through the official channel."""
    return _application(ctx).channel == "official"


@guard(
    "overseas_trip.dual_cross_opinions", "双跨团组需附上市委、市政府相关领导的意见,否则一律不予审批", source=_src(131)
)
def dual_cross_opinions(ctx: GuardContext) -> bool | str:
    """G30 (row 10): a 双跨 group has both sides' prior opinions attached."""
    app = _application(ctx)
    if dual_cross_cleared(dual_cross=app.dual_cross, opinions_from=app.dual_cross_opinions):
        return True
    attached = ", ".join(app.dual_cross_opinions) or "none"
    return f"双跨团组需附上市委、市政府相关领导的意见,否则一律不予审批: opinions attached from {attached}"


@guard("overseas_trip.cover_identity_cleared", "需使用对外身份的,应先按干部管理权限单独报批同意", source=_src(93))
def cover_identity_cleared(ctx: GuardContext) -> bool:
    """G7: a cover identity only after the separate prior approval (the approval is the
    "确有特殊原因" that lifts the 原则上不得)."""
    app = _application(ctx)
    return not app.cover_identity or app.cover_identity_approved


@guard("overseas_trip.transit_explained", "途经非访问地的其他国家或地区要在请示中说明原因", source=_src(99))
def transit_explained(ctx: GuardContext) -> bool | str:
    """G16: a transit through places not visited states its reason."""
    app = _application(ctx)
    if not app.transit or not _blank(app.transit_reason):
        return True
    return f"途经非访问地的其他国家或地区要在请示中说明原因: transit through {'、'.join(app.transit)}"


@guard("overseas_trip.training_by_organisation_dept", "其他部门和地方不得擅自组织市管干部出国(境)培训", source=_src(79))
def training_by_organisation_dept(ctx: GuardContext) -> bool | str:
    """Training abroad of city-managed cadres is organised by the 市委组织部 only (L79)."""
    app = _application(ctx)
    if app.trip_type != "training" or app.organiser == ORGANISATION_DEPT:
        return True
    return f"其他部门和地方不得擅自组织市管干部出国(境)培训: {app.organiser} is not the 市委组织部"


@guard("overseas_trip.central_consent", "敏感领域出访须征得中央主管部门同意", source=_src(81))
def central_consent(ctx: GuardContext) -> bool:
    """G34 (hard part): a locally organised sensitive-field trip has the central ministry's consent."""
    app = _application(ctx)
    return not app.sensitive_field or app.central_consent


@guard("overseas_trip.sensitive_field_local", "敏感领域的出访活动原则上由中央主管部门统一组织", source=_src(81))
def sensitive_field_local(ctx: GuardContext) -> bool:
    """G34 (soft part): a sensitive-field trip is in principle organised centrally; a local one
    states why it is 确有必要."""
    return not _application(ctx).sensitive_field


def _plan_owner(trip_type: str, organiser: str) -> str:
    """Whose plan lists the group: 培训 the 组织部's, 参展办展 the exhibition planner's (L79)."""
    if trip_type == "training":
        return ORGANISATION_DEPT
    if trip_type == "exhibition":
        return EXHIBITION_PLANNER
    return organiser


@guard("overseas_trip.in_annual_plan", "对计划外的考察、参展、办展、培训团组,原则上不予审批", source=_src(85))
def in_annual_plan(ctx: GuardContext) -> bool | str:
    """G1: the group is a batch of the approved annual plan for its departure year (looked up
    across instances: an ``overseas_trip_plan`` in state ``approved``)."""
    app = _application(ctx)
    if app.trip_type not in OFF_PLAN_TYPES:
        return True
    owner = _plan_owner(app.trip_type, app.organiser)
    year = app.departure.year
    try:
        plans = ctx.engine.find(PLAN_WORKFLOW, state="approved", where={"organiser": owner, "plan_year": year})
    except UnknownWorkflow:
        return (
            f"对计划外的团组,原则上不予审批: this engine does not run {PLAN_WORKFLOW!r}, so no plan approves the group"
        )
    for found in plans:
        plan = converter.structure(dict(found.data), TripPlan)
        if any(g.batch == app.plan_batch and g.trip_type == app.trip_type for g in plan.groups):
            return True
    where = f"batch {app.plan_batch!r}" if app.plan_batch else "no plan batch given"
    return f"对计划外的{TRIP_TYPES[app.trip_type]}团组,原则上不予审批: {where} is not in an approved {year} plan of {owner}"


@guard("overseas_trip.group_size", "考察团组人员总数原则上不超过6人", source=_src(91))
def group_size(ctx: GuardContext) -> bool | str:
    """G5: an inspection group has at most `GROUP_SIZE_LIMIT` members (inclusive)."""
    app = _application(ctx)
    if app.trip_type not in GROUP_SIZE_TYPES or len(app.members) <= GROUP_SIZE_LIMIT:
        return True
    return (
        f"考察团组人员总数原则上不超过{GROUP_SIZE_LIMIT}人: {len(app.members)} members (说明情况 as the justification)"
    )


@guard("overseas_trip.one_trip_a_year", "市管干部原则上一年内出访不得超过1次", source=_src(95))
def one_trip_a_year(ctx: GuardContext) -> bool | str:
    """G8: no city-managed traveller has another trip in the same year (`CADRE_YEAR`), found by a
    query on the indexed ``member_ids`` field."""
    app = _application(ctx)
    hits = []
    for traveller in app.travellers:
        for other in _others(ctx, {"member_ids": traveller.person}):
            if CADRE_YEAR == "calendar":
                same = other.departure.year == app.departure.year
            else:
                same = _add_months(app.departure, -12) < other.departure < _add_months(app.departure, 12)
            if same:
                hits.append(f"{traveller.person} also departs {other.departure} ({other.purpose})")
    year = f"in {app.departure.year}" if CADRE_YEAR == "calendar" else "within 12 months"
    return not hits or f"市管干部原则上一年内出访不得超过1次 ({year}): " + "; ".join(hits)


def _same_level(a: Member, b: Member) -> bool:
    return a.leader and b.leader and a.area == b.area and a.rank == b.rank


@guard("overseas_trip.same_level_not_together", "同一地区、同一部门的同级领导原则上不得同团出访", source=_src(95))
def same_level_not_together(ctx: GuardContext) -> bool | str:
    """G9: no two leaders of one region or department at the same rank travel in one group."""
    members = _application(ctx).members
    pairs = [
        f"{a.person} and {b.person} ({a.area}, {a.rank})"
        for i, a in enumerate(members)
        for b in members[i + 1 :]
        if _same_level(a, b)
    ]
    return not pairs or "同一地区、同一部门的同级领导原则上不得同团出访: " + "; ".join(pairs)


@guard(
    "overseas_trip.same_level_same_country", "同级领导原则上不得同时或短期内分别率团出访同一国家或地区", source=_src(95)
)
def same_level_same_country(ctx: GuardContext) -> bool | str:
    """G10: no same-level leader of the same region or department leads another group to one of
    the same countries with a departure within `SHORT_PERIOD_DAYS` (a query on ``countries``)."""
    app = _application(ctx)
    leader = app.leader_member
    if not leader.leader:
        return True
    hits = []
    seen: set[tuple[str, date]] = set()
    for country in app.countries:
        for other in _others(ctx, {"countries": country}):
            key = (other.group_leader, other.departure)
            if key in seen:
                continue
            near = abs((other.departure - app.departure).days) <= SHORT_PERIOD_DAYS
            if near and _same_level(leader, other.leader_member) and leader.person != other.group_leader:
                seen.add(key)
                hits.append(f"{other.group_leader} leads a group to {country} departing {other.departure}")
    return not hits or (
        f"同级领导原则上不得同时或短期内({SHORT_PERIOD_DAYS}日内)分别率团出访同一国家或地区: " + "; ".join(hits)
    )


@guard("overseas_trip.at_most_two_countries", "一次出访的国家(地区)原则上控制在两个以内", source=_src(99))
def at_most_two_countries(ctx: GuardContext) -> bool | str:
    """G12: at most `MAX_COUNTRIES` countries or regions (inclusive)."""
    n = len(_application(ctx).countries)
    return n <= MAX_COUNTRIES or f"一次出访的国家(地区)原则上控制在两个以内: {n} countries"


@guard("overseas_trip.stay_limit", "出访1国原则上不超过6天,出访2国不超过10天(含旅途时间)", source=_src(99))
def stay_limit(ctx: GuardContext) -> bool | str:
    """G13, G14, G18: days abroad, travel included, within `STAY_LIMITS` (training excepted)."""
    app = _application(ctx)
    if app.trip_type == "training" or not app.countries:
        return True
    limit = STAY_LIMITS[min(len(app.countries), max(STAY_LIMITS))]
    days = app.stay
    if days <= limit:
        return True
    return (
        f"出访{len(app.countries)}国,在外停留时间原则上不超过{limit}天(含旅途时间): "
        f"{app.departure}–{app.return_date} is {days} days"
    )


@guard("overseas_trip.training_stay_recommended", "培训团组在外停留时间以3至6周为宜", source=_src(99))
def training_stay_recommended(ctx: GuardContext) -> bool | str:
    """G17: a training stay of 3 to 6 weeks (`TRAINING_RECOMMENDED`, inclusive)."""
    app = _application(ctx)
    low, high = TRAINING_RECOMMENDED
    if app.trip_type != "training" or low <= app.stay <= high:
        return True
    return f"培训团组在外停留时间以3至6周为宜: {app.stay} days"


@guard("overseas_trip.training_stay_cap", "培训团组在外停留时间原则上不得超过6个月", source=_src(99))
def training_stay_cap(ctx: GuardContext) -> bool | str:
    """G17: a training stay ends at most 6 calendar months after departure (`TRAINING_MAX`)."""
    app = _application(ctx)
    latest = _add_months(app.departure, TRAINING_MAX.n)
    if app.trip_type != "training" or app.return_date <= latest:
        return True
    return f"培训团组在外停留时间原则上不得超过6个月: back {app.return_date}, after {latest}"


LEAD = lead_time(
    "overseas_trip.lead_time",
    LEAD_TIME_FIELD,
    LEAD_TIME,
    message="出国请示件应在办理护照、签证前三周呈报市委、市政府审批",
    source=_src(133),
)
"""G24: 「出国请示件应在办理护照、签证前三周呈报」, soft: 「如无特殊情况」 (L133)."""


@guard("overseas_trip.not_urgent", "如无特殊情况,不作'特急件'或'急件'处理", source=_src(133))
def not_urgent(ctx: GuardContext) -> bool:
    """L133: a request marked urgent (特急件 / 急件) states the special circumstances."""
    return not _application(ctx).urgent


@guard(
    "overseas_trip.approvers_not_travelling",
    "a leader who travels with the group cannot approve it, and the text names no substitute",
    source=_src(111) + "; digest §2.10",
)
def approvers_not_travelling(ctx: GuardContext) -> bool | str:
    """Refuse to present a request whose chain would have a step only members of the group can
    sign (``NotSubject`` bars them, so the case would wait forever): say so before it is routed."""
    directory = ctx.engine.directory
    if directory is None:
        return True  # entering the chain reports the missing directory
    app = _application(ctx)
    try:
        steps = route_group(TripGroup(app.request_to, list(app.travellers)), directory, _today(ctx))
    except (DirectoryError, UnresolvedRole):
        return True  # entering the chain reports it, naming the post
    members = set(app.member_ids)
    stuck = [f"{s.label} ({', '.join(s.people)})" for s in steps if s.people and set(s.people) <= members]
    return not stuck or "no one outside the group can sign as " + "; ".join(stuck)


@guard(
    "overseas_trip.return_recorded_truly",
    "the return date is not in the future nor before the departure",
    source=_src(141, 143),
    on_payload=True,
)
def return_recorded_truly(ctx: GuardContext) -> bool | str:
    """The return day the obligations count from (返渝/回渝) is a real day: not after today and not
    before the recorded departure."""
    raw = ctx.payload.get("returned_on")
    if raw is None:
        return True
    day = date.fromisoformat(raw) if isinstance(raw, str) else raw
    departed = ctx.data.get("departed_on")
    if day > _today(ctx):
        return f"the return day {day} is in the future"
    if departed is not None and day < date.fromisoformat(str(departed)):
        return f"the return day {day} is before the departure {departed}"
    return True


@guard(
    "overseas_trip.every_passport",
    "因公出国(境)团组或人员应将所持护照或通行证交由市外办统一管理",
    source=_src(143),
    on_payload=True,
)
def every_passport(ctx: GuardContext) -> bool | str:
    """C2: the deposit covers every member's passport or pass."""
    persons = set(ctx.payload.get("persons", ()))
    missing = [p for p in ctx.data.get("member_ids", ()) if p not in persons]
    return not missing or "因公出国(境)团组或人员应将所持护照或通行证交由市外办统一管理, missing: " + ", ".join(missing)


@guard("overseas_trip.changes_something", "a revision (修改请示) changes at least one field", on_payload=True)
def changes_something(ctx: GuardContext) -> bool | str:
    """A 修改 that changes nothing is refused (it would only lengthen the record)."""
    before = ctx.instance.data if ctx.instance is not None else {}
    changed = [key for key, value in ctx.payload.items() if before.get(key) != ctx.data.get(key)]
    return bool(changed) or "修改请示: the payload changes no field"


# -- plan rules (process A) -------------------------------------------------------------------------


@guard(
    "overseas_trip_plan.content",
    "出访计划应包括出访任务、出访国家或地区、批次及时间安排、人数及人员构成、经费来源和费用预算",
    source=_src(79),
)
def plan_content(ctx: GuardContext) -> bool | str:
    """The plan lists at least one group, each with every element L79 names."""
    plan = _plan(ctx)
    if not plan.groups:
        return "出访计划 lists no group"
    faults = []
    for g in plan.groups:
        missing = [
            label
            for label, absent in (
                ("出访任务", _blank(g.task)),
                ("出访国家或地区", not g.countries),
                ("批次", _blank(g.batch)),
                ("人数", g.headcount < 1),
                ("人员构成", _blank(g.composition)),
                ("经费来源", _blank(g.funding_source)),
                ("费用预算", g.budget_yuan <= 0),
            )
            if absent
        ]
        if missing:
            faults.append(f"batch {g.batch!r} lacks " + "、".join(missing))
    return (
        not faults
        or "出访计划应包括出访任务、出访国家或地区、批次及时间安排、人数及人员构成、经费来源和费用预算: "
        + "; ".join(faults)
    )


@guard(
    "overseas_trip_plan.training_by_organisation_dept",
    "培训计划由市委组织部拟定;其他部门和地方不得擅自组织市管干部出国(境)培训",
    source=_src(79),
)
def plan_training_by_organisation_dept(ctx: GuardContext) -> bool | str:
    """Only the 市委组织部's plan may list training groups (L79)."""
    plan = _plan(ctx)
    bad = [g.batch for g in plan.groups if g.trip_type == "training"]
    if plan.organiser == ORGANISATION_DEPT or not bad:
        return True
    return f"其他部门和地方不得擅自组织市管干部出国(境)培训: {plan.organiser} lists training batches {', '.join(bad)}"


@guard("overseas_trip_plan.exhibition_by_planner", "参展、办展计划由市外经委统一拟定", source=_src(79))
def plan_exhibition_by_planner(ctx: GuardContext) -> bool | str:
    """Only `EXHIBITION_PLANNER`'s plan may list exhibition groups (L79)."""
    plan = _plan(ctx)
    bad = [g.batch for g in plan.groups if g.trip_type == "exhibition"]
    if plan.organiser == EXHIBITION_PLANNER or not bad:
        return True
    return f"参展、办展计划由市外经委统一拟定: {plan.organiser} lists exhibition batches {', '.join(bad)}"


@guard("overseas_trip_plan.central_consent", "敏感领域出访须征得中央主管部门同意后,再制定出访计划", source=_src(81))
def plan_central_consent(ctx: GuardContext) -> bool | str:
    """G34 (hard part), per planned group."""
    bad = [g.batch for g in _plan(ctx).groups if g.sensitive_field and not g.central_consent]
    return not bad or "须征得中央主管部门同意后,再制定出访计划: batches " + ", ".join(bad)


@guard("overseas_trip_plan.sensitive_field_local", "敏感领域的出访活动原则上由中央主管部门统一组织", source=_src(81))
def plan_sensitive_field_local(ctx: GuardContext) -> bool | str:
    """G34 (soft part), per planned group."""
    bad = [g.batch for g in _plan(ctx).groups if g.sensitive_field]
    return not bad or "敏感领域的出访活动原则上由中央主管部门统一组织: batches " + ", ".join(bad)


# -- effects ---------------------------------------------------------------------------------------


@effect("overseas_trip.record_departure", "record the day the group left (出境)")
def record_departure(ctx: EffectContext) -> None:
    """Set ``departed_on`` to today."""
    ctx.data["departed_on"] = _today(ctx).isoformat()


@effect("overseas_trip.record_return", "record the day the group was back in Chongqing (返渝)")
def record_return(ctx: EffectContext) -> None:
    """Set ``returned_on`` from the payload, or to today: the obligations count from it."""
    given = ctx.payload.get("returned_on")
    ctx.data["returned_on"] = str(given) if given is not None else _today(ctx).isoformat()


# -- access ------------------------------------------------------------------------------------------


@resolver("overseas_trip.general_office")
def general_office(ctx: ResolveContext) -> list[str]:
    """市委或市政府办公厅: the office reviewers of the side the request goes to (L111)."""
    if ctx.directory is None:
        return []
    unit = PARTY_OFFICE if ctx.data.get("request_to") == "party" else GOVERNMENT_OFFICE
    return [p.person for p in ctx.directory.find_posts(ctx.on, position=OFFICE_REVIEWER, unit=unit)]


PLAN_POLICY = "overseas_trip.plan_route"
"""The registered routing policy of the annual plan's approval chain."""


@routing(PLAN_POLICY)
def plan_route(ctx: ResolveContext) -> list[Step]:
    """The plan's chain (L83): the 分管市领导 (by the plan's business line; for a district, the 市委
    leader liaising with it) consents, then the 书记 and 市长 co-sign the approval."""
    if ctx.directory is None:
        raise UnresolvedRole("出访计划审批 (seed 003 L83)", "the engine has no organisation directory")
    directory = ctx.directory
    district = ctx.data.get("district")
    if district:
        posts = directory.find_posts(ctx.on, unit=PARTY_UNIT, portfolio=liaison(str(district)))
        label = "联系该区县的市委领导同意"
    else:
        item = line(str(ctx.data.get("business_line")))
        posts = [
            p for unit in (PARTY_UNIT, GOVERNMENT_UNIT) for p in directory.find_posts(ctx.on, unit=unit, portfolio=item)
        ]
        label = "分管市领导同意"
    consent = tuple(sorted({p.person for p in posts}))
    top = tuple(
        person for unit in (PARTY_UNIT, GOVERNMENT_UNIT) for person in directory.holders(PRINCIPAL, unit, ctx.on)
    )
    return [
        Step("consent", consent, label),
        Step("cosign", top, "市委、市政府审批"),
    ]


# -- the workflows ---------------------------------------------------------------------------------

PLAN_WORKFLOW = "overseas_trip_plan"
TRIP_WORKFLOW = "overseas_trip"

PLAN_CHAIN = ApprovalChain(
    "trip_plan_approval",
    state="approving",
    policy=PLAN_POLICY,
    approved="approved",
    returned="drafting",
    rejected="rejected",
    sequential=True,
    label="计划审批",
)

PLAN = Workflow(
    name=PLAN_WORKFLOW,
    version=1,
    title="出访计划审批",
    description="因公出国(境)年度出访计划: 组团单位拟订, 11月上旬送市外办统筹协调, 分管市领导同意, 市委、市政府审批 (seed 003 L79–L85).",
    schema=TripPlan,
    index=("organiser", "plan_year"),
    start_roles={CLERK},
    start_guards=[drafted_by_organiser],
    chains=[PLAN_CHAIN],
    states=[
        State(
            "drafting",
            "拟订计划",
            initial=True,
            deadlines=[
                Deadline(
                    "submit_plan",
                    ByDate(11, 10),
                    anchor=FromField("window_opens"),
                    remind=[Days(5)],
                    label="11月上旬送市外办",
                    source=_src(83),
                )
            ],
        ),
        State("coordinating", "市外办统筹协调"),
        State("approving", "分管市领导同意·市委市政府审批"),
        State("approved", "已批准·按计划执行", final=True),
        State("rejected", "不予批准", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            source="drafting",
            dest="coordinating",
            roles={Scoped(CLERK)},
            guards=[plan_content, plan_training_by_organisation_dept, plan_exhibition_by_planner, plan_central_consent],
            soft_guards=[plan_sensitive_field_local],
            label="报送市外办",
        ),
        Transition(
            "send_back",
            source="coordinating",
            dest="drafting",
            roles={FAO_REVIEWER},
            payload_schema=Opinion,
            label="退回调整",
        ),
        Transition(
            "coordinate", source="coordinating", dest="approving", roles={FAO_REVIEWER}, label="统筹协调完毕·报批"
        ),
        *PLAN_CHAIN.transitions(),
    ],
)
"""Process A, the annual trip plan (出访计划, seed 003 L79–L85)."""

TRIP_CHAIN = ApprovalChain(
    "trip_leaders",
    state="leader_approval",
    policy=POLICY,
    approved="approved",
    returned="drafting",
    rejected="rejected",
    sequential=SIGN_IN_SEQUENCE,
    label="市领导审批",
    separation=[NotSubject("member_ids")],
)

REPORT = Deadline(
    "report",
    REPORT_DEADLINE,
    anchor=FromField("returned_on"),
    satisfied_by="file_report",
    remind=[Days(7)],
    label="返渝后1个月内报送出访报告",
    source=_src(141),
)
PASSPORTS = Deadline(
    "passports",
    PASSPORT_DEADLINE,
    anchor=FromField("returned_on"),
    satisfied_by="deposit_passports",
    remind=[Days(3)],
    label="回渝后15日内交回护照",
    source=_src(143),
)

SUBMIT_HARD: list[Guard] = [
    required_elements,
    required_attachments,
    invitation_from_counterpart,
    no_agency_invitation,
    no_chinese_enterprise_invitation,
    no_enterprise_group,
    official_channel,
    dual_cross_opinions,
    cover_identity_cleared,
    transit_explained,
    training_by_organisation_dept,
    central_consent,
]
"""The hard rules checked when a request is submitted (呈报)."""

SUBMIT_SOFT: list[Guard] = [
    in_annual_plan,
    group_size,
    one_trip_a_year,
    same_level_not_together,
    same_level_same_country,
    at_most_two_countries,
    stay_limit,
    training_stay_recommended,
    training_stay_cap,
    LEAD,
    not_urgent,
    sensitive_field_local,
]
"""The 原则上 rules checked when a request is submitted."""

SANCTIONS: list[Guard] = [unit_not_banned, people_not_banned, intake_not_suspended]
"""Process D, checked at start and when the 市外办 accepts (受理)."""

_unit_clerk = Scoped(CLERK)

TRIP = Workflow(
    name=TRIP_WORKFLOW,
    version=1,
    title="因公临时出国(境)审批",
    description="一团一报: 请示 → 主要负责人签发 → 市外办受理、审核 → 办公厅审核 → 市领导审批 → 出访 → 回渝后报告、交回护照 (seed 003 L85, L107–L145).",
    schema=TripApplication,
    index=("organiser", "member_ids", "countries"),
    start_roles={CLERK},
    start_guards=[drafted_by_organiser, *SANCTIONS],
    chains=[TRIP_CHAIN],
    states=[
        State("drafting", "起草请示", initial=True),
        State("signed", "主要负责人已签发"),
        State("submitted", "已呈报·待市外办受理"),
        State("fao_review", "市外办审核"),
        State("postponed", "推迟"),
        State("office_review", "办公厅审核"),
        State("leader_approval", "市领导审批"),
        State("approved", "已批准"),
        State("abroad", "出访中"),
        State("returned", "已回渝"),
        State("closed", "办结", final=True),
        State("cancelled", "取消", final=True),
        State("rejected", "不予批准", final=True),
        State("withdrawn", "撤回", final=True),
    ],
    transitions=[
        Transition(
            "revise",
            source="drafting",
            dest="drafting",
            roles={_unit_clerk},
            guards=[changes_something],
            label="修改请示",
        ),
        Transition(
            "sign",
            source="drafting",
            dest="signed",
            roles={Scoped(PRINCIPAL)},
            guards=[own_unit, genre_request],
            label="主要负责人签发",
        ),
        Transition(
            "submit",
            source="signed",
            dest="submitted",
            roles={_unit_clerk},
            guards=SUBMIT_HARD,
            soft_guards=SUBMIT_SOFT,
            label="呈报·送市外办",
        ),
        Transition(
            "accept", source="submitted", dest="fao_review", roles={FAO_REVIEWER}, guards=SANCTIONS, label="受理"
        ),
        Transition(
            "forward",
            source="fao_review",
            dest="office_review",
            roles={FAO_REVIEWER},
            payload_schema=Opinion,
            label="初审意见·送办公厅",
        ),
        Transition(
            "propose_adjust",
            source="fao_review",
            dest="drafting",
            roles={FAO_REVIEWER},
            payload_schema=Opinion,
            label="提出调整意见·退回修改",
        ),
        Transition(
            "postpone",
            source="fao_review",
            dest="postponed",
            roles={FAO_REVIEWER},
            payload_schema=Opinion,
            label="提出推迟意见",
        ),
        Transition(
            "cancel",
            source=("fao_review", "postponed"),
            dest="cancelled",
            roles={FAO_REVIEWER},
            payload_schema=Opinion,
            label="提出取消意见",
        ),
        Transition("resume", source="postponed", dest="drafting", roles={_unit_clerk}, label="调整日程·重新办理"),
        Transition(
            "present",
            source="office_review",
            dest="leader_approval",
            roles={Relative("overseas_trip.general_office", "市委或市政府办公厅")},
            guards=[approvers_not_travelling],
            label="审核·呈送市领导",
        ),
        Transition(
            "office_return",
            source="office_review",
            dest="drafting",
            roles={Relative("overseas_trip.general_office", "市委或市政府办公厅")},
            payload_schema=Opinion,
            label="办公厅退回",
        ),
        *TRIP_CHAIN.transitions(),
        Transition(
            "depart",
            source="approved",
            dest="abroad",
            roles={_unit_clerk},
            guards=[unit_not_banned, people_not_banned],
            effects=[record_departure],
            label="出境",
        ),
        Transition(
            "return_home",
            source="abroad",
            dest="returned",
            roles={_unit_clerk},
            payload_schema=Returned,
            guards=[return_recorded_truly],
            effects=[record_return],
            opens=[REPORT, PASSPORTS],
            label="回渝",
        ),
        Transition(
            "file_report",
            source="returned",
            dest="returned",
            roles={_unit_clerk},
            payload_schema=TripReport,
            label="报送出访报告",
        ),
        Transition(
            "deposit_passports",
            source="returned",
            dest="returned",
            roles={FAO_REVIEWER},
            payload_schema=PassportDeposit,
            guards=[every_passport],
            label="交回护照·市外办统一管理",
        ),
        Transition(
            "close",
            source="returned",
            dest="closed",
            roles={FAO_REVIEWER},
            requires_met=["report", "passports"],
            label="办结",
        ),
        Transition(
            "withdraw",
            source=("drafting", "signed", "submitted", "postponed"),
            dest="withdrawn",
            roles={_unit_clerk},
            label="撤回",
        ),
    ],
)
"""Process B (the per-group request, 一团一报) and C (the duties after return), seed 003 L85–L145."""

WORKFLOWS = [PLAN, TRIP]
"""The workflows of this module (the CLI loads them)."""


# -- sanctions in storage (process D) -----------------------------------------------------------------


@attrs.frozen
class Sanction:
    """A sanction of L145, stored as document kind ``"sanction"``: the offence, the day it was
    found (一经查出), the units banned from organising or joining trips until `unit_ban_until`
    and the people banned from joining until `person_ban_until` (both days inclusive)."""

    key: str
    offence: Offence
    discovered: date
    units: tuple[str, ...]
    people: tuple[str, ...]
    unit_ban_until: date
    person_ban_until: date
    note: str = ""
    instance_id: str | None = None


@attrs.frozen
class Suspension:
    """An intake suspension of L143 (document kind ``"passport_suspension"``): the 市外办 stops
    accepting `unit`'s applications from `since` and revokes its documents, until `lifted_on`."""

    key: str
    unit: str
    since: date
    reason: str
    documents_revoked: bool = True
    lifted_on: date | None = None
    lift_note: str = ""

    def in_force(self, on: date) -> bool:
        """Whether the unit's applications are refused on `on`."""
        return self.since <= on and (self.lifted_on is None or on < self.lifted_on)


def record_sanction(
    engine: Engine,
    *,
    offence: Offence,
    discovered: date,
    units: Iterable[str] = (),
    people: Iterable[str] = (),
    note: str = "",
    instance_id: str | None = None,
) -> Sanction:
    """Record a sanction of L145 found on `discovered`: `units` may not organise or join official
    trips for a year (`UNIT_BAN`), `people` may not join for two (`PERSON_BAN`). Returns the record."""
    if offence not in OFFENCES:
        raise InvalidData(f"unknown offence {offence!r} (known: {', '.join(OFFENCES)})")
    units, people = tuple(units), tuple(people)
    if not units and not people:
        raise InvalidData("a sanction names at least one unit or person")
    existing = engine.storage.documents("sanction")
    sanction = Sanction(
        key=f"S{len(existing) + 1:04d}",
        offence=offence,
        discovered=discovered,
        units=units,
        people=people,
        unit_ban_until=_add_months(discovered, UNIT_BAN.n),
        person_ban_until=_add_months(discovered, PERSON_BAN.n),
        note=note,
        instance_id=instance_id,
    )
    engine.storage.put_document("sanction", sanction.key, converter.unstructure(sanction))
    return sanction


def sanctions(engine: Engine) -> list[Sanction]:
    """Every sanction on record, oldest key first."""
    docs = engine.storage.documents("sanction")
    return [converter.structure(docs[key], Sanction) for key in sorted(docs)]


def suspend_intake(engine: Engine, unit: str, *, since: date, reason: str) -> Suspension:
    """The 市外办 stops accepting `unit`'s trip applications from `since` and revokes the
    documents it holds (「拒不执行规定的,市外办应停止受理该单位的出访任务申请,并吊销其所持证件」, L143)."""
    if _blank(reason):
        raise InvalidData("say why the unit's intake is suspended")
    existing = engine.storage.documents("passport_suspension")
    suspension = Suspension(key=f"P{len(existing) + 1:04d}", unit=unit, since=since, reason=reason)
    engine.storage.put_document("passport_suspension", suspension.key, converter.unstructure(suspension))
    return suspension


def suspensions(engine: Engine) -> list[Suspension]:
    """Every intake suspension on record, lifted or not."""
    docs = engine.storage.documents("passport_suspension")
    return [converter.structure(docs[key], Suspension) for key in sorted(docs)]


def lift_suspension(engine: Engine, unit: str, *, on: date, note: str = "") -> list[Suspension]:
    """Lift `unit`'s suspensions from `on` (its applications are accepted again that day).

    With `SUSPENSION_ENDS_ON_COMPLIANCE`, refused while any trip of the unit still has its
    passport obligation overdue: the unit has not complied yet. Returns what was lifted."""
    open_ = [s for s in suspensions(engine) if s.unit == unit and s.lifted_on is None]
    if not open_:
        raise InvalidData(f"{unit!r} has no suspension to lift")
    if SUSPENSION_ENDS_ON_COMPLIANCE:
        overdue = [d for d in engine.overdue(TRIP_WORKFLOW, unit=unit) if d.timer.name == PASSPORTS.name]
        if overdue:
            cases = ", ".join(f"{d.instance.id} (due {d.timer.params.get('due_date')})" for d in overdue)
            raise InvalidData(f"{unit!r} has not complied: passports still overdue on {cases}")
    lifted = [attrs.evolve(s, lifted_on=on, lift_note=note) for s in open_]
    for s in lifted:
        engine.storage.put_document("passport_suspension", s.key, converter.unstructure(s))
    return lifted


# -- sample data (tests, docs, demo) -----------------------------------------------------------------


def sample_members() -> dict[str, Member]:
    """A `Member` for each traveller of `sample_travellers()` and a few staff, by person id
    (fictional people, matching `trip_directory`)."""
    people = [
        Member("xu", "徐明", "cq.party.propaganda", "市委宣传部部长", "principal"),
        Member("he", "何平", "cq.party.propaganda", "市委宣传部副部长", "deputy"),
        Member("yang", "杨光", "cq.party.organisation", "市委组织部部长", "principal"),
        Member("kong", "孔文", "cq.npc.foreign_affairs", "市人大外事委员会主任委员", "principal"),
        Member("lin", "林涛", "cq.yubei.party", "渝北区委书记", "principal", "cq.yubei"),
        Member("pan", "潘越", "cq.yubei.party", "渝北区委副书记", "deputy", "cq.yubei"),
        Member("luo", "罗川", "cq.wanzhou.party", "万州区委书记", "principal", "cq.wanzhou"),
        Member("feng", "冯宁", "cq.gov.commerce", "市商务委主任", "principal"),
        Member("deng", "邓华", "cq.gov.commerce", "市商务委副主任", "deputy"),
        Member("jiang", "江岚", "cq.gov.education", "市教委主任", "principal"),
        Member("guo", "郭峰", "cq.yubei.gov", "渝北区区长", "principal", "cq.yubei"),
        Member("song", "宋杰", "cq.yubei.gov", "渝北区副区长", "deputy", "cq.yubei"),
        Member("xie", "谢林", "cq.wanzhou.gov", "万州区区长", "principal", "cq.wanzhou"),
        Member("du", "杜衡", "cq.cqu", "重庆大学校长", "principal"),
        Member("fan", "范青", "cq.cqu", "重庆大学副校长", "deputy"),
        Member("cao", "曹远", "cq.daily", "重庆日报报业集团社长", "principal"),
        Member("peng", "彭程", "cq.daily", "重庆日报报业集团副社长", "deputy"),
        Member("tian", "田野", "cq.party.propaganda", "市委宣传部外宣处处长"),
        Member("qiu", "邱实", "cq.party.propaganda", "市委宣传部科长"),
        Member("zeng", "曾毅", "cq.gov.commerce", "市商务委外贸处处长"),
        Member("ruan", "阮晴", "cq.gov.commerce", "市商务委翻译"),
        Member("wei", "魏然", "cq.gov.education", "市教委国际处处长"),
        Member("yao", "姚远", "cq.yubei.gov", "渝北区外办主任", district="cq.yubei"),
    ]
    return {m.person: m for m in people}


def application_data(
    people: Sequence[str],
    *,
    departure: date,
    days: int = 6,
    countries: Sequence[str] = ("德国",),
    trip_type: TripType = "inspection",
    organiser: str | None = None,
    request_to: Side | None = None,
    passport_visa_date: date | None = None,
    plan_batch: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A complete, valid request (JSON form) for `people` from `sample_members()`: the first is the
    group leader, the city-managed ones (`sample_travellers()`) are the travellers; `days` is the
    stay, both ends counted; the passport/visa date defaults to 14 days before departure.
    `fields` set any other field of `TripApplication` (e.g. ``urgent=True``)."""
    members = sample_members()
    travellers = sample_travellers()
    group = [members[p] for p in people]
    routed = [travellers[p] for p in people if p in travellers]
    app = TripApplication(
        purpose=fields.pop("purpose", f"赴{'、'.join(countries)}{TRIP_TYPES[trip_type]}"),
        trip_type=trip_type,
        organiser=organiser or group[0].unit,
        request_to=request_to or (routed[0].side if routed else "government"),
        travellers=routed,
        members=group,
        group_leader=group[0].person,
        countries=list(countries),
        departure=departure,
        return_date=departure + timedelta(days=days - 1),
        passport_visa_date=passport_visa_date or departure - timedelta(days=14),
        funding_source=fields.pop("funding_source", "部门预算"),
        budget_yuan=fields.pop("budget_yuan", 30000 * len(group)),
        itinerary=fields.pop("itinerary", "; ".join(f"第{i + 1}天 日程" for i in range(days))),
        invitation=fields.pop(
            "invitation",
            Invitation(
                f"{countries[0]}对口部门",
                "counterpart_department",
                background="对口政府部门, 长期合作",
                authenticity_pledge=True,
            ),
        ),
        plan_batch=plan_batch,
        **fields,
    )
    data: dict[str, Any] = converter.unstructure(app)
    return data


def plan_data(
    organiser: str,
    plan_year: int,
    groups: Sequence[Mapping[str, Any]],
    *,
    business_line: str | None = None,
    district: str | None = None,
) -> dict[str, Any]:
    """A plan (JSON form) for `organiser` and `plan_year`: each of `groups` gives `batch`,
    `trip_type`, `countries` and `month` (others defaulted: task, headcount 5, composition,
    funding, budget)."""
    planned = [
        PlannedGroup(
            batch=g["batch"],
            task=g.get("task", f"{TRIP_TYPES[g['trip_type']]}: {'、'.join(g['countries'])}"),
            trip_type=g["trip_type"],
            countries=list(g["countries"]),
            month=g["month"],
            headcount=g.get("headcount", 5),
            composition=g.get("composition", "单位领导1人, 业务处室3人, 翻译1人"),
            funding_source=g.get("funding_source", "部门预算"),
            budget_yuan=g.get("budget_yuan", 150000),
            sensitive_field=g.get("sensitive_field", False),
            central_consent=g.get("central_consent", False),
        )
        for g in groups
    ]
    plan = TripPlan(plan_year, organiser, planned, business_line=business_line, district=district)
    data: dict[str, Any] = converter.unstructure(plan)
    return data
