# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""社区矫正 — community correction: one person's case from the court's documents to the end of the term.

A court sentences someone to 管制 / 缓刑 / 剥夺政治权利, or decides 暂予监外执行; or a prison releases
someone on 假释, on a prison-approved 暂予监外执行, or with 附加剥夺政治权利 still to serve. The
documents travel court/prison → county police (公安局) and county justice bureau (司法局) → the
township justice office (司法所) and police station (派出所), each hop with its own limit. The
person registers at the 司法所 first, then at the 派出所; the 司法所 opens a file, writes the
correction plan with the 派出所 and signs a supervision agreement with a relative; then months or
years of supervision with monthly duties, quarterly and yearly assessments, rewards and
punishments, leave. Thirty days before the term ends the pre-release review opens; at the end the
correction is lifted with a certificate and notices. A 暂予监外执行 whose ground lapses is
recommitted (收监) through a sub-process; anyone detained (recommitted, or for a new offence) leaves
correction **from the day of detention** (自然解除) — an event the police report, delivered to the
case by the person's id (`govflow.correlation.deliver`), not clicked by anyone.

Rules and their sources (seed 000 = the township's scheme, 篇10, L571–611; seed 001 = the
district's pilot scheme, 篇4, L270–295; digests ``assessment-schemes_seeds-000-004.md`` §A10 and
``trial-reforms-and-correction_seed-001.md`` §7):

- channels and their document sets: seed 001 L272 (existing cases), L273 (court: 管制, 单独剥权,
  缓刑), L274 (court: 暂予监外执行), L275 (假释), L276 (prison-approved 暂予监外执行), L277 (附加剥权);
  the 接受社区矫正保证书 from the court: seed 000 L575 — hard, on the documents' arrival;
- the court sends within **7 days** of 宣判/宣告: seed 000 L575; existing cases' files by **10月底**:
  seed 000 L573 — the first deadline;
- 公安局 copies the 执行通知书, 结案登记表, 保证书 to 司法局 within **5 days of receipt**: seed 000 L579;
- 司法局 and 公安局 forward to 司法所 and 派出所 within **3 days**: seed 000 L581, seed 001 L279;
- registration at the 司法所 **first**, then at the 派出所 with the 司法所's certificate; a person who
  comes to the police unregistered is sent to the 司法所 and the police tell the 司法所 within
  **3 days**: seed 000 L583 — the order is the state machine's, the notice an obligation;
- the talk (谈话教育) at once, family invited: seed 000 L583, seed 001 L280 — hard, on registration;
- the file, the plan 会同派出所, the supervision team: seed 000 L587, seed 001 L283; the agreement
  with an immediate relative, or else with the employer, village committee or a close relative:
  seed 000 L589, seed 001 L284 — hard;
- 公益劳动 每月累计不少于2个工作日 for those able to work: seed 000 L591, seed 001 L285; 集中学习
  不少于每月1次,每次不少于2小时: seed 000 L593, seed 001 L286 — quotas (`govflow.quotas`), a shortfall
  is a fact, not a refusal;
- 每季考评, 每年综合考评, 会同派出所, into the 考核表: seed 000 L599, seed 001 L289 — recurring duties;
- 奖惩 by the 司法所 (the Zhejiang rules, not in the seeds): seed 000 L601, seed 001 L290;
  violations handled by the 派出所: seed 001 L323; 请销假、会客、迁居: seed 001 L347 (篇5);
- the procuratorate supervises, may talk to the person and recommend 收监: seed 001 L301, seed 000 L629;
- pre-release: seed 000 L605 「矫正期满30日前」, seed 001 L292 「期满前30日内」 — the review opens on the
  30th day before the term ends; 书面总结/自我鉴定, 评议会 with staff, volunteers and the person,
  书面鉴定, 审核 by the 司法局 and the 公安局, which issues the notice (通知书): seed 000 L605;
- at the end, announced 会同派出所, the certificate by category, notices to the village and
  employer: seed 000 L607, seed 001 L293; the original court, procuratorate and prison informed:
  seed 000 L605, seed 001 L292; a 暂予监外执行's release by the original approving body: seed 000
  L609, seed 001 L293;
- 收监 of a 暂予监外执行 whose condition lapsed: 司法所 (会同派出所) proposes, the 区矫正委办公室
  reviews, the 公安分局 examines; 保外就医 → the original prison takes the person back, other grounds
  → the court of the registered residence decides; copies to the deciding bodies: seed 001 L294,
  seed 000 L609; life or 余刑1年以上 → prison, 不足1年 → detention centre: seed 001 L274;
- 被收监执行或在社区矫正期间重新犯罪的, 自羁押之日起自然解除社区矫正: seed 001 L295, seed 000 L611 —
  the external event `detained`.

**Choices where the texts are silent or differ** (each a named constant below):

- `HANDOFF_ROLLS_FORWARD`: the hand-off limits are counted in calendar days from the day after
  the judgment or receipt (期间开始之日不计算在内) and, as in criminal procedure (刑事诉讼法: 期间的最后
  一日为节假日的，以节假日后的第一日为期满日期), a limit ending on a rest day ends on the next working
  day. The seeds say 日, never 工作日, for these limits.
- `PROMPTLY`: 及时 (the prisons' hand-over at release, seed 001 L275–277; 建档 and 矫正方案, seed
  000 L587–589) is read as the court's own number, 7 days.
- `REVIEW_OPENS_BEFORE_END`: seed 000 says *by* the 30th day before the end (30日前), seed 001
  *within* the last 30 days (前30日内); both hold on exactly the 30th day before, so the review
  opens then, by itself (the system, at 00:00 that day).
- `LATE_ESCALATES_TO`: a hand-off past its limit is marked overdue (listed by
  `Engine.overdue`), and a late document is accepted only with a justification; its lateness is
  recorded in the case (`late_handoffs`, indexed `late_handoff`) as reported to the procuratorate
  (人民检察院, which supervises every agency's correction work, seed 001 L301) — never silently.
  It is not an `Escalate(to_role=...)`: that would give the procuratorate power over every step
  of the case, the police's detention report included.
- `INTAKE_COMPLETE_BEFORE_STATION`: the 司法所 registers on its documents (relay to the 司法所
  met); the 派出所 registers once its own documents and the 公安局's copies are in.
- `REPORT_AFTER`, `QUARTER_AFTER`, `YEAR_AFTER`: the monthly report by the 5th of the next month,
  the quarterly assessment within 10 days after the quarter, the yearly within 15 days after the
  year (the seeds give the periods, not the limits).
- `ANNOUNCE_WITHIN`: the end of correction is announced by the day after the term ends.
- `NO_REPORT_IN_LIMIT`: the seeds give no limit for the person to report in; none is encoded.
- Revocation of 缓刑/假释 (撤销缓刑/假释收监) goes to the court on a proposal the seeds do not
  describe (seed 000 L577 only times the court's ruling); only the 暂予监外执行 recommittal is a
  sub-process here, and a detention of anyone ends the case.
- Reward and punishment kinds are the Zhejiang rules' (not in the seeds): free text here.
- The prison administration's 5 days to send the approval forms to the prison (seed 001 L276,
  「应在5日」) run before the person leaves prison, between two custodial bodies: not part of the
  case, which starts with the prison's hand-over at release.

```mermaid
---
title: community_correction v1 (社区矫正)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "awaiting_documents (待送达法律文书)" as awaiting_documents
  Class awaiting_documents s_default
  state "intake (衔接)" as intake
  Class intake s_default
  state intake {
    [*] --> intake.relaying
    state "relaying (文书转送中)" as intake.relaying
    state "registered (已在司法所登记)" as intake.registered
  }
  state "filing (建档)" as filing
  Class filing s_default
  state "planning (制定矫正方案)" as planning
  Class planning s_default
  state "supervision (矫正中)" as supervision
  Class supervision s_default
  state supervision {
    [*] --> supervision.supervising
    state "supervising (日常监督管理)" as supervision.supervising
    state "pre_release (期满评议)" as supervision.pre_release
    state "recommittal (收监审查)" as supervision.recommittal
    state supervision.recommittal {
      [*] --> supervision.recommittal.proposed
      state "proposed (司法所提出意见)" as supervision.recommittal.proposed
      state "reviewed (矫正委办公室已审查)" as supervision.recommittal.reviewed
      state "court_deciding (户籍地法院决定中)" as supervision.recommittal.court_deciding
      state "awaiting_custody (待收监)" as supervision.recommittal.awaiting_custody
    }
  }
  state "released (解除矫正)" as released
  released --> [*]
  Class released s_final
  state "ended (自然解除)" as ended
  ended --> [*]
  Class ended s_final

  awaiting_documents --> intake: send_documents (法院送达法律文书) [court] if community_correction.by_court, community_correction.documents_complete 原则上 community_correction.documents_on_time | release_documents (监所释放时送交法律文书) [prison] if community_correction.by_prison, community_correction.documents_complete 原则上 community_correction.documents_on_time | hand_over_file (移交现有社区服刑人员档案) [county_police] if community_correction.by_police, community_correction.documents_complete 原则上 community_correction.documents_on_time
  awaiting_documents --> ended: detained (羁押(收监执行或重新犯罪),自羁押之日起自然解除) [external] if community_correction.detention_dated
  intake.relaying --> intake.relaying: copy_to_justice (公安局抄送司法局) [county_police] 原则上 community_correction.copy_on_time | relay_to_office (司法局转送司法所) [county_justice] 原则上 community_correction.office_relay_on_time | relay_to_station (公安局转送派出所) [county_police] 原则上 community_correction.station_relay_on_time | turned_away (责令先到司法所登记) [police_station] | notify_office (通报司法所) [police_station]
  intake.relaying --> intake.registered: register_at_office (司法所办理登记) [justice_office] if community_correction.talk_held
  intake.registered --> intake.registered: copy_to_justice (公安局抄送司法局) [county_police] 原则上 community_correction.copy_on_time | relay_to_office (司法局转送司法所) [county_justice] 原则上 community_correction.office_relay_on_time | relay_to_station (公安局转送派出所) [county_police] 原则上 community_correction.station_relay_on_time | notify_office (通报司法所) [police_station]
  intake.registered --> filing: register_at_station (持司法所证明到派出所登记) [police_station] if community_correction.talk_held
  filing --> planning: open_file (建档) [justice_office]
  filing --> ended: detained (羁押(收监执行或重新犯罪),自羁押之日起自然解除) [external] if community_correction.detention_dated
  planning --> planning: draft_plan (拟定矫正方案) [justice_office] | sign_agreement (签订监督管理协议) [justice_office] if community_correction.agreement_signatory
  planning --> supervision: countersign_plan (派出所会同确定方案、建立监督考察小组) [police_station] if community_correction.plan_ready 分离 four-eyes
  planning --> ended: detained (羁押(收监执行或重新犯罪),自羁押之日起自然解除) [external] if community_correction.detention_dated
  supervision.supervising --> supervision.supervising: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named | reward (奖励) [justice_office] if community_correction.described | punish (惩处) [justice_office] if community_correction.described | handle_violation (派出所依法处置违规) [police_station] if community_correction.described | recommend_recommittal (检察建议) [procuratorate] if community_correction.described | approve_leave (批准请假) [justice_office] if community_correction.leave_dated | report_return (销假) [justice_office] if community_correction.on_leave
  supervision.supervising --> supervision.pre_release: open_review (期满前30日启动评议) [justice_office, system] if community_correction.review_window
  supervision.supervising --> supervision.recommittal: propose_recommittal (暂予监外执行条件消失,提出收监意见) [justice_office] if community_correction.suspended_only, community_correction.described
  supervision.pre_release --> supervision.pre_release: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named | self_assessment (指导完成书面总结(自我鉴定)) [justice_office] | attend_review (志愿者参加评议会) [volunteer] if community_correction.self_assessed | review_meeting (召开评议会) [justice_office] if community_correction.self_assessed, community_correction.meeting_attended | submit_appraisal (作出书面鉴定并上报) [justice_office] if community_correction.appraised | approve_appraisal_justice (司法局审核) [county_justice] if community_correction.appraisal_submitted | approve_appraisal_police (公安局审核) [county_police] if community_correction.appraisal_submitted | issue_certificate (公安机关签发期满通知书) [county_police] if community_correction.certificate_due
  supervision.pre_release --> released: release (会同派出所宣布解除社区矫正) [justice_office] if community_correction.term_ended, community_correction.release_ready, community_correction.announced_with_station
  supervision.pre_release --> supervision.recommittal: propose_recommittal (暂予监外执行条件消失,提出收监意见) [justice_office] if community_correction.suspended_only, community_correction.described
  supervision.recommittal.proposed --> supervision.recommittal.proposed: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named
  supervision.recommittal.proposed --> supervision.recommittal.reviewed: review_recommittal (区矫正委办公室审查) [correction_committee]
  supervision.recommittal.proposed --> supervision.supervising: drop_recommittal (不予收监,继续矫正) [correction_committee, county_police, court]
  supervision.recommittal.reviewed --> supervision.recommittal.reviewed: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named
  supervision.recommittal.reviewed --> supervision.recommittal.awaiting_custody: notify_prison (审核后通知原收押监所收监(保外就医)) [county_police] if community_correction.medical
  supervision.recommittal.reviewed --> supervision.recommittal.court_deciding: petition_court (审核后提请户籍地法院决定收监) [county_police] if community_correction.not_medical
  supervision.recommittal.reviewed --> supervision.supervising: drop_recommittal (不予收监,继续矫正) [correction_committee, county_police, court]
  supervision.recommittal.court_deciding --> supervision.recommittal.court_deciding: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named
  supervision.recommittal.court_deciding --> supervision.recommittal.awaiting_custody: decide_recommittal (法院决定收监执行) [court]
  supervision.recommittal.court_deciding --> supervision.supervising: drop_recommittal (不予收监,继续矫正) [correction_committee, county_police, court]
  supervision.recommittal.awaiting_custody --> supervision.recommittal.awaiting_custody: monthly_report (月度监管报告) [justice_office] if community_correction.period_named | assess_quarter (季度考评) [justice_office] if community_correction.period_named | assess_year (年度综合考评) [justice_office] if community_correction.period_named
  intake --> ended: detained (羁押(收监执行或重新犯罪),自羁押之日起自然解除) [external] if community_correction.detention_dated
  supervision --> ended: detained (羁押(收监执行或重新犯罪),自羁押之日起自然解除) [external] if community_correction.detention_dated
  [*] --> awaiting_documents
  note right of awaiting_documents : send (法律文书送达)： 1 days (日)； met by send_documents, from data field 'documents_due_eve'； mark overdue (逾期)
  note right of filing : file (建立矫正档案)： 7 days (日), rolled to a working day, from entering the state； mark overdue (逾期)
  note right of planning : plan (矫正方案与监督管理协议)： 7 days (日), rolled to a working day, from entering the state； mark overdue (逾期)
  note right of supervision : monthly_report (月度监管(公益劳动、集中学习))： every month, due 5 days (日) after it ends； met by monthly_report, each period； mark overdue (逾期)
  note right of supervision : quarterly_assessment (季度考评)： every quarter, due 10 days (日) after it ends； met by assess_quarter, each period； mark overdue (逾期)
  note right of supervision : annual_assessment (年度综合考评)： every year, due 15 days (日) after it ends； met by assess_year, each period； mark overdue (逾期)
  note right of supervision.supervising : review_opens (期满前30日评议)： 31 days (日), before data field 'term_end'； fire open_review as system
  note right of supervision.pre_release : announce (期满宣告解除)： 1 days (日)； met by release, from data field 'term_end'； mark overdue (逾期)
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal, get_args

import attrs

from govflow import (
    BeforeField,
    ByDate,
    Days,
    Deadline,
    Engine,
    FireEvent,
    FromField,
    MarkOverdue,
    Recurring,
    State,
    Transition,
    Workflow,
)
from govflow.access import NotActorOf
from govflow.calendar import Calendar
from govflow.correlation import EXTERNAL_ROLE
from govflow.deadlines import due_date
from govflow.effects import EffectContext, effect
from govflow.guards import Guard, GuardContext, guard
from govflow.quotas import Minimum, record_shortfalls

WORKFLOW_NAME = "community_correction"
"""The workflow's name, as `Engine.start`, the queries and `deliver` use it."""

Channel = Literal["court", "court_suspended", "parole", "prison_suspended", "additional_deprivation", "existing"]
"""How the case comes in (seed 001 L272–277): a court judgment (管制, 单独剥权, 缓刑), a court's
暂予监外执行 decision, 假释, a prison-approved 暂予监外执行, 附加剥夺政治权利 after release, or an
existing case handed over when the scheme starts."""

CHANNELS: tuple[Channel, ...] = get_args(Channel)
CHANNEL_LABELS: dict[str, str] = {
    "court": "法院判决(管制/单处剥权/缓刑)",
    "court_suspended": "法院决定暂予监外执行",
    "parole": "假释",
    "prison_suspended": "监狱管理机关批准暂予监外执行",
    "additional_deprivation": "刑满释放后附加剥夺政治权利",
    "existing": "现有社区服刑人员移交",
}

Category = Literal["surveillance", "probation", "suspended", "parole", "deprivation"]
"""管制, 缓刑, 暂予监外执行, 假释, 剥夺政治权利 (seed 001 L315–319)."""

CATEGORIES: tuple[Category, ...] = get_args(Category)
CATEGORY_LABELS: dict[str, str] = {
    "surveillance": "管制",
    "probation": "缓刑",
    "suspended": "暂予监外执行",
    "parole": "假释",
    "deprivation": "剥夺政治权利",
}

CHANNEL_CATEGORIES: dict[str, frozenset[str]] = {
    "court": frozenset({"surveillance", "probation", "deprivation"}),  # seed 001 L273
    "court_suspended": frozenset({"suspended"}),  # seed 001 L274
    "parole": frozenset({"parole"}),  # seed 001 L275
    "prison_suspended": frozenset({"suspended"}),  # seed 001 L276
    "additional_deprivation": frozenset({"deprivation"}),  # seed 001 L277
    "existing": frozenset(CATEGORIES),  # seed 001 L272: whoever is already under supervision
}
"""Which categories each channel can bring."""

CHANNEL_SENDER: dict[str, str] = {
    "court": "court",
    "court_suspended": "court",
    "parole": "prison",
    "prison_suspended": "prison",
    "additional_deprivation": "prison",
    "existing": "county_police",
}
"""Who sends the documents, and so starts the case: the court (seed 000 L575), the prison or
detention centre at release (seed 001 L275–277), the county police for existing cases (L272)."""

Ground = Literal["medical", "pregnancy", "self_care"]
"""暂予监外执行's grounds: 保外就医, 怀孕或哺乳, 生活不能自理 (seed 001 L317)."""

GROUNDS: tuple[Ground, ...] = get_args(Ground)

REQUIRED_DOCUMENTS: dict[str, frozenset[str]] = {
    # seed 001 L273 + the guarantee the court has the person sign (seed 000 L575)
    "court": frozenset({"judgment", "execution_notice", "guarantee"}),
    # seed 001 L274 + seed 000 L575
    "court_suspended": frozenset(
        {"judgment", "execution_notice", "suspension_decision", "case_closing_form", "guarantee"}
    ),
    "parole": frozenset({"judgment", "execution_notice", "parole_ruling", "release_assessment"}),  # seed 001 L275
    "prison_suspended": frozenset(
        {"judgment", "execution_notice", "approval_form", "release_assessment"}
    ),  # seed 001 L276
    "additional_deprivation": frozenset({"judgment", "release_assessment"}),  # seed 001 L277
    "existing": frozenset({"judgment", "supervision_file"}),  # seed 001 L272, seed 000 L573
}
"""The document set each channel must deliver, or the hand-off is refused."""

DOCUMENT_LABELS: dict[str, str] = {
    "judgment": "生效判决(裁定)书",
    "execution_notice": "执行通知书",
    "guarantee": "接受社区矫正保证书",
    "suspension_decision": "暂予监外执行决定书",
    "case_closing_form": "结案登记表",
    "parole_ruling": "假释裁定书",
    "release_assessment": "罪犯出监(所)鉴定表",
    "approval_form": "暂予监外执行审批表",
    "supervision_file": "监督考察档案",
}

CERTIFICATES: dict[str, str | None] = {
    "probation": "缓刑期满通知书",
    "parole": "假释考验期满通知书",
    "deprivation": "恢复政治权利通知书",
    "surveillance": "解除管制通知书",
    "suspended": None,  # released by the original approving body (seed 000 L609, seed 001 L293)
}
"""The certificate the police issue at the end, by category (seed 000 L605–607, seed 001 L293)."""

Signatory = Literal["relative", "employer", "village_committee", "close_relative"]
"""Who signs the supervision agreement (监督管理协议): an immediate relative able to supervise, or,
when there is none, the employer, the village committee or a willing close relative (seed 000 L589)."""

SIGNATORIES: tuple[Signatory, ...] = get_args(Signatory)

# -- the documents' numbers, and the choices where they are silent ------------------------------

HANDOFF_ROLLS_FORWARD = True
"""Choice: a hand-off limit ending on a rest day ends on the next working day (刑事诉讼法's rule)."""

COURT_SENDS_WITHIN = Days(7, roll_forward=HANDOFF_ROLLS_FORWARD)
"""宣判、宣告之日起7日内 (seed 000 L575)."""

PROMPTLY = Days(7, roll_forward=HANDOFF_ROLLS_FORWARD)
"""Choice: 及时 read as the court's 7 days (prisons at release; 建档; 矫正方案)."""

EXISTING_BY = ByDate(10)
"""Existing cases' files 「今年10月底前」 (seed 000 L573), in the year the case is entered."""

POLICE_COPIES_WITHIN = Days(5, roll_forward=HANDOFF_ROLLS_FORWARD)
"""公安局 → 司法局 copies 「收到…之日起5日内」 (seed 000 L579)."""

RELAY_WITHIN = Days(3, roll_forward=HANDOFF_ROLLS_FORWARD)
"""司法局 → 司法所, 公安局 → 派出所 「应在3日内分别转送」 (seed 000 L581, seed 001 L279)."""

UNREGISTERED_NOTICE_WITHIN = Days(3, roll_forward=HANDOFF_ROLLS_FORWARD)
"""派出所 tells the 司法所 about an unregistered person 「在3日内」 (seed 000 L583)."""

FILE_WITHIN = PROMPTLY
PLAN_WITHIN = PROMPTLY

REVIEW_OPENS_BEFORE_END = 30
"""The pre-release review opens on the 30th day before the term ends (seed 000 L605, seed 001 L292)."""

REPORT_AFTER = Days(5)
"""Choice: the month's supervision report by the 5th of the next month."""

QUARTER_AFTER = Days(10)
"""Choice: the quarterly 考评 within 10 days after the quarter (seed 000 L599 gives the period)."""

YEAR_AFTER = Days(15)
"""Choice: the yearly 综合考评 within 15 days after the year (seed 000 L599 gives the period)."""

ANNOUNCE_WITHIN = Days(1)
"""Choice: the end of correction is announced by the day after the term ends."""

LATE_ESCALATES_TO = "procuratorate"
"""Choice: a late hand-off is reported to the procuratorate (法律监督, seed 001 L301), as a fact
on the case; the deadline itself marks the case overdue."""

INTAKE_COMPLETE_BEFORE_STATION = True
"""Choice: the 派出所 registers once every hand-off of the intake is in (documents at the station,
the 公安局's copies at the 司法局, any notice about an unregistered visit)."""

NO_REPORT_IN_LIMIT = None
"""The seeds give no limit for the person to report in (digest §7.2); none is encoded."""

PRISON_YEARS = 1
"""余刑1年以上 (inclusive, 以上) → prison; 不足1年 → detention centre (seed 001 L274)."""

SERVICE = Minimum(
    "community_service",
    "service_days",
    2,
    applies_if="able_to_work",
    unit="工作日",
    label="公益劳动每月累计不少于2个工作日",
    source="seed 000 L591; seed 001 L285",
)
STUDY = Minimum(
    "group_study",
    "study_hours",
    1,
    each_at_least=2,
    unit="次",
    label="集中学习每月不少于1次,每次不少于2小时",
    source="seed 000 L593; seed 001 L286",
)
QUOTAS = (SERVICE, STUDY)
"""The monthly quotas; a shortfall is recorded in `shortfalls` for the assessments."""

NOTIFIED_AT_END: tuple[str, ...] = ("original_court", "procuratorate", "original_prison", "village", "employer")
"""Who is told at the end: the original court, the procuratorate and the prison or detention
centre (seed 000 L605; for 暂监/假释 the prison, seed 001 L292), the village and the employer
(seed 000 L607)."""

RECOMMITTAL_COPIES: tuple[str, ...] = (
    "deciding_court",
    "procuratorate",
    "prison_administration",
    "police",
    "original_prison",
)
"""Copies of the review and examination with the 考核表 (seed 001 L294)."""


# -- helpers the service (and the tests) use ------------------------------------------------------


def _date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def documents_due(channel: str, decided_on: date, entered_on: date, calendar: Calendar) -> date:
    """The day the channel's documents are due at the county agencies.

    Court channels: 7 days from 宣判/宣告 (seed 000 L575); prisons at release 及时 (`PROMPTLY`);
    existing cases 10月底 of the year they are entered (seed 000 L573).
    """
    if channel == "existing":
        return due_date(EXISTING_BY, entered_on, calendar).day
    duration = COURT_SENDS_WITHIN if CHANNEL_SENDER.get(channel) == "court" else PROMPTLY
    return due_date(duration, decided_on, calendar).day


def intake_data(
    engine: Engine,
    *,
    person_id: str,
    name: str,
    channel: str,
    category: str,
    decided_on: date,
    term_end: date,
    ground: str | None = None,
    able_to_work: bool = True,
    has_immediate_relative: bool = True,
    remaining_months: int = 0,
    life_sentence: bool = False,
) -> dict[str, Any]:
    """Start data for a case, with the documents' due date computed on the engine's calendar."""
    due = documents_due(channel, decided_on, engine.calendar.local_date(engine.now()), engine.calendar)
    return {
        "person_id": person_id,
        "name": name,
        "channel": channel,
        "category": category,
        "ground": ground,
        "decided_on": decided_on.isoformat(),
        "term_end": term_end.isoformat(),
        "able_to_work": able_to_work,
        "has_immediate_relative": has_immediate_relative,
        "remaining_months": remaining_months,
        "life_sentence": life_sentence,
        "documents_due": due.isoformat(),
        "documents_due_eve": date.fromordinal(due.toordinal() - 1).isoformat(),
        "late_handoff": False,
        "late_handoffs": [],
        "shortfalls": [],
        "assessments": [],
        "measures": [],
        "leaves": [],
        "recommendations": [],
        "outcome": "open",
    }


def custody_for(remaining_months: int, life_sentence: bool) -> str:
    """Where a recommitted person goes (seed 001 L274): life or 余刑1年以上 → prison, else 看守所."""
    return "prison" if life_sentence or remaining_months >= 12 * PRISON_YEARS else "detention_centre"


# -- guards ------------------------------------------------------------------------------------------


@guard(
    "community_correction.intake_complete", "a case needs person_id, name, channel, category, decided_on and term_end"
)
def intake_complete(ctx: GuardContext) -> bool | str:
    """A case needs person_id, name, channel, category, decided_on and term_end."""
    data = ctx.data
    problems = []
    if not isinstance(data.get("person_id"), str) or not data["person_id"].strip():
        problems.append("person_id (the id number the agencies correlate on) is missing")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append("name is missing")
    if data.get("channel") not in CHANNELS:
        problems.append(f"channel must be one of {', '.join(CHANNELS)}")
    if data.get("category") not in CATEGORIES:
        problems.append(f"category must be one of {', '.join(CATEGORIES)}")
    decided, end = _date(data.get("decided_on")), _date(data.get("term_end"))
    if decided is None or end is None:
        problems.append("decided_on and term_end must be dates")
    elif end <= decided:
        problems.append("term_end must come after decided_on")
    elif ctx.calendar is not None and decided > ctx.calendar.local_date(ctx.now):
        problems.append("decided_on lies in the future")
    return "; ".join(problems) if problems else True


@guard(
    "community_correction.channel_fits",
    "the channel, the category, its ground and the starter must agree",
    source="seed 001 L272-277, L317",
)
def channel_fits(ctx: GuardContext) -> bool | str:
    """The channel, the category, its ground and the starter must agree."""
    data = ctx.data
    channel, category = data.get("channel"), data.get("category")
    if channel not in CHANNELS or category not in CATEGORIES:
        return True  # intake_complete says why
    problems = []
    if category not in CHANNEL_CATEGORIES[channel]:
        problems.append(f"channel {channel!r} does not bring {CATEGORY_LABELS[category]} ({category})")
    if (category == "suspended") != (data.get("ground") in GROUNDS):
        problems.append("暂予监外执行 (and only it) names its ground: medical, pregnancy or self_care")
    sender = CHANNEL_SENDER[channel]
    if sender not in ctx.actor.roles:
        problems.append(f"a {channel!r} case is entered by the {sender} that sends its documents")
    return "; ".join(problems) if problems else True


@guard("community_correction.due_computed", "documents_due must be the channel's due date (use intake_data)")
def due_computed(ctx: GuardContext) -> bool | str:
    """Documents_due must be the channel's due date (use intake_data)."""
    data = ctx.data
    decided = _date(data.get("decided_on"))
    if ctx.calendar is None or decided is None or data.get("channel") not in CHANNELS:
        return True
    expected = documents_due(str(data["channel"]), decided, ctx.calendar.local_date(ctx.now), ctx.calendar)
    if data.get("documents_due") != expected.isoformat() or _date(data.get("documents_due_eve")) != date.fromordinal(
        expected.toordinal() - 1
    ):
        return f"documents_due must be {expected.isoformat()} for this channel (and documents_due_eve the day before)"
    return True


def _received(ctx: GuardContext) -> date | None:
    return _date(ctx.payload.get("received_on"))


@guard(
    "community_correction.documents_complete",
    "the channel's document set must arrive whole, with the day it was received",
    source="seed 001 L272-277; seed 000 L575",
    on_payload=True,
)
def documents_complete(ctx: GuardContext) -> bool | str:
    """The channel's document set must arrive whole, with the day it was received."""
    received = _received(ctx)
    if received is None:
        return "received_on (the day the county agencies received the documents) is missing"
    if ctx.calendar is not None and received > ctx.calendar.local_date(ctx.now):
        return "received_on lies in the future"
    decided = _date(ctx.data.get("decided_on"))
    if decided is not None and received < decided:
        return "received_on is before the judgment or release"
    documents = ctx.payload.get("documents")
    if not isinstance(documents, list):
        return "documents must list what arrived"
    missing = REQUIRED_DOCUMENTS[str(ctx.data["channel"])] - set(documents)
    if missing:
        return "missing: " + ", ".join(f"{DOCUMENT_LABELS[d]} ({d})" for d in sorted(missing))
    return True


def _channel_is(name: str, senders: frozenset[str], message: str) -> Guard:
    @guard(name, message, source="seed 001 L272-277")
    def check(ctx: GuardContext) -> bool:
        return CHANNEL_SENDER.get(str(ctx.data.get("channel"))) in senders

    return check


BY_COURT = _channel_is("community_correction.by_court", frozenset({"court"}), "only the court's channels")
BY_PRISON = _channel_is("community_correction.by_prison", frozenset({"prison"}), "only the prisons' channels")
BY_POLICE = _channel_is("community_correction.by_police", frozenset({"county_police"}), "only existing cases")


@guard(
    "community_correction.documents_on_time",
    "the documents arrived after their limit; accept them with a justification, which is recorded",
    source="seed 000 L575, L573",
    on_payload=True,
)
def documents_on_time(ctx: GuardContext) -> bool | str:
    """The documents arrived after their limit; accept them with a justification, which is recorded."""
    received, due = _received(ctx), _date(ctx.data.get("documents_due"))
    if received is None or due is None or received <= due:
        return True
    return f"received {received.isoformat()}, due {due.isoformat()} ({(received - due).days} day(s) late)"


def _relay_on_time(name: str, duration: Days, what: str, source: str) -> Guard:
    @guard(name, f"{what} is past its limit; record it with a justification", source=source)
    def check(ctx: GuardContext) -> bool | str:
        received = _date(ctx.data.get("received_on"))
        if received is None or ctx.calendar is None:
            return True
        due = due_date(duration, received, ctx.calendar).day
        today = ctx.calendar.local_date(ctx.now)
        return True if today <= due else f"{what}: due {due.isoformat()}, done {today.isoformat()}"

    return check


COPY_ON_TIME = _relay_on_time(
    "community_correction.copy_on_time", POLICE_COPIES_WITHIN, "公安局 → 司法局 copies", "seed 000 L579"
)
OFFICE_RELAY_ON_TIME = _relay_on_time(
    "community_correction.office_relay_on_time", RELAY_WITHIN, "司法局 → 司法所", "seed 000 L581"
)
STATION_RELAY_ON_TIME = _relay_on_time(
    "community_correction.station_relay_on_time", RELAY_WITHIN, "公安局 → 派出所", "seed 000 L581"
)


@guard(
    "community_correction.talk_held",
    "registration needs the talk (谈话教育) held at once, the rules told",
    source="seed 000 L583; seed 001 L280",
    on_payload=True,
)
def talk_held(ctx: GuardContext) -> bool:
    """Registration needs the talk (谈话教育) held at once, the rules told."""
    return ctx.payload.get("talk_held") is True and ctx.payload.get("rules_told") is True


@guard(
    "community_correction.agreement_signatory",
    "the supervision agreement is signed with an immediate relative; others only when there is none",
    source="seed 000 L589; seed 001 L284",
    on_payload=True,
)
def agreement_signatory(ctx: GuardContext) -> bool | str:
    """The supervision agreement is signed with an immediate relative; others only when there is none."""
    signatory = ctx.payload.get("signatory")
    if signatory not in SIGNATORIES:
        return f"signatory must be one of {', '.join(SIGNATORIES)}"
    if signatory != "relative" and ctx.data.get("has_immediate_relative"):
        return "there is an immediate relative able to supervise: the agreement is signed with them"
    if signatory == "relative" and not ctx.data.get("has_immediate_relative"):
        return "the case records no immediate relative able to supervise"
    return True


@guard(
    "community_correction.plan_ready",
    "the plan needs the file, a drafted plan and a signed supervision agreement",
    source="seed 000 L587-589",
)
def plan_ready(ctx: GuardContext) -> bool | str:
    """The plan needs the file, a drafted plan and a signed supervision agreement."""
    missing = [what for what in ("plan_drafted_on", "agreement_signatory") if not ctx.data.get(what)]
    return "missing: " + ", ".join(missing) if missing else True


@guard("community_correction.period_named", "a report names its period (YYYY-MM, YYYY-Qn, YYYY)", on_payload=True)
def period_named(ctx: GuardContext) -> bool:
    """A report names its period (YYYY-MM, YYYY-Qn, YYYY)."""
    period = ctx.payload.get("period")
    return isinstance(period, str) and len(period) >= 4 and period[:4].isdigit()


@guard("community_correction.review_window", "the pre-release review opens on the 30th day before the term ends")
def review_window(ctx: GuardContext) -> bool | str:
    """The pre-release review opens on the 30th day before the term ends."""
    end = _date(ctx.data.get("term_end"))
    if end is None or ctx.calendar is None:
        return True
    opens = ctx.calendar.before(end, REVIEW_OPENS_BEFORE_END)
    today = ctx.calendar.local_date(ctx.now)
    return True if today >= opens else f"the review opens on {opens.isoformat()} (期满前30日), not {today.isoformat()}"


@guard("community_correction.self_assessed", "the 评议会 follows the person's written summary (自我鉴定)")
def self_assessed(ctx: GuardContext) -> bool:
    """The 评议会 follows the person's written summary (自我鉴定)."""
    return bool(ctx.data.get("self_assessment_on"))


@guard(
    "community_correction.meeting_attended",
    "the 评议会 is attended by correction staff, a volunteer and the person",
    source="seed 000 L605; seed 001 L292",
)
def meeting_attended(ctx: GuardContext) -> bool | str:
    """The 评议会 is attended by correction staff, a volunteer and the person."""
    return True if ctx.data.get("volunteers_attending") else "no volunteer has attended (attend_review)"


@guard("community_correction.appraised", "the 书面鉴定 needs the 评议会 held first", source="seed 000 L605")
def appraised(ctx: GuardContext) -> bool:
    """The 书面鉴定 needs the 评议会 held first."""
    return bool(ctx.data.get("review_meeting_on"))


@guard(
    "community_correction.appraisal_submitted",
    "the 鉴定 must be submitted before it is examined",
    source="seed 000 L605",
)
def appraisal_submitted(ctx: GuardContext) -> bool:
    """The 鉴定 must be submitted before it is examined."""
    return bool(ctx.data.get("appraisal_on"))


@guard(
    "community_correction.certificate_due",
    "the certificate is for its category; a 暂予监外执行 is released by the original approving body",
    source="seed 000 L605-609; seed 001 L293",
)
def certificate_due(ctx: GuardContext) -> bool | str:
    """The certificate is for its category; a 暂予监外执行 is released by the original approving body."""
    if CERTIFICATES.get(str(ctx.data.get("category"))) is None:
        return "暂予监外执行: no certificate; the original approving body handles the release"
    if not (ctx.data.get("justice_approved_on") and ctx.data.get("police_approved_on")):
        return "the 司法局 and the 公安局 must both approve the 鉴定 (审核无误) first"
    return True


@guard("community_correction.term_ended", "correction is lifted when the term has ended (矫正期满)")
def term_ended(ctx: GuardContext) -> bool | str:
    """Correction is lifted when the term has ended (矫正期满)."""
    end = _date(ctx.data.get("term_end"))
    if end is None or ctx.calendar is None:
        return True
    today = ctx.calendar.local_date(ctx.now)
    return True if today >= end else f"the term ends on {end.isoformat()}"


@guard("community_correction.release_ready", "the 鉴定 approved by both, and the certificate or the release papers")
def release_ready(ctx: GuardContext) -> bool | str:
    """The 鉴定 approved by both, and the certificate or the release papers."""
    data = ctx.data
    problems = []
    if not (data.get("justice_approved_on") and data.get("police_approved_on")):
        problems.append("the 鉴定 is not approved by both the 司法局 and the 公安局")
    if CERTIFICATES.get(str(data.get("category"))) is not None and not data.get("certificate"):
        problems.append(f"the police have not issued the {CERTIFICATES[str(data.get('category'))]}")
    return "; ".join(problems) if problems else True


@guard(
    "community_correction.announced_with_station",
    "the end is announced by the 司法所 together with the 派出所 (announced_with: the officer)",
    source="seed 000 L607; seed 001 L293",
    on_payload=True,
)
def announced_with_station(ctx: GuardContext) -> bool:
    """The end is announced by the 司法所 together with the 派出所 (announced_with: the officer)."""
    officer = ctx.payload.get("announced_with")
    return isinstance(officer, str) and bool(officer.strip())


@guard("community_correction.suspended_only", "收监 as a sub-process is for 暂予监外执行", source="seed 001 L294")
def suspended_only(ctx: GuardContext) -> bool:
    """收监 as a sub-process is for 暂予监外执行."""
    return ctx.data.get("category") == "suspended"


@guard("community_correction.medical", "保外就医: the original prison takes the person back", source="seed 001 L294")
def medical(ctx: GuardContext) -> bool:
    """保外就医: the original prison takes the person back."""
    return ctx.data.get("ground") == "medical"


@guard(
    "community_correction.not_medical",
    "other grounds: the court of registered residence decides",
    source="seed 001 L294",
)
def not_medical(ctx: GuardContext) -> bool:
    """Other grounds: the court of registered residence decides."""
    return ctx.data.get("ground") != "medical"


@guard(
    "community_correction.detention_dated",
    "a detention names its day, not in the future, not before the case began",
    source="seed 001 L295; seed 000 L611",
    on_payload=True,
)
def detention_dated(ctx: GuardContext) -> bool | str:
    """A detention names its day, not in the future, not before the case began."""
    day = _date(ctx.payload.get("detained_on"))
    if day is None:
        return "detained_on (自羁押之日) is missing or not a date"
    if ctx.calendar is not None and day > ctx.calendar.local_date(ctx.now):
        return "detained_on lies in the future"
    decided = _date(ctx.data.get("decided_on"))
    if decided is not None and day < decided:
        return "detained_on is before the case began"
    if ctx.payload.get("reason") not in ("recommitted", "reoffended"):
        return "reason must be recommitted (被收监执行) or reoffended (重新犯罪)"
    return True


@guard("community_correction.leave_dated", "a leave names its first and last day and where", on_payload=True)
def leave_dated(ctx: GuardContext) -> bool | str:
    """A leave names its first and last day and where."""
    first, last = _date(ctx.payload.get("first_day")), _date(ctx.payload.get("last_day"))
    if first is None or last is None or last < first:
        return "first_day and last_day must be dates, last_day not before first_day"
    if not isinstance(ctx.payload.get("destination"), str) or not ctx.payload["destination"]:
        return "destination is missing"
    if any(leave.get("returned_on") is None for leave in ctx.data.get("leaves", [])):
        return "a leave is still open (report_return first)"
    return True


@guard("community_correction.on_leave", "a return needs an open leave")
def on_leave(ctx: GuardContext) -> bool:
    """A return needs an open leave."""
    return any(leave.get("returned_on") is None for leave in ctx.data.get("leaves", []))


@guard("community_correction.described", "name what it is (kind) and why (reason)", on_payload=True)
def described(ctx: GuardContext) -> bool:
    """Name what it is (kind) and why (reason)."""
    return all(isinstance(ctx.payload.get(k), str) and ctx.payload[k].strip() for k in ("kind", "reason"))


# -- effects -----------------------------------------------------------------------------------------


def _today(ctx: EffectContext) -> date:
    calendar: Calendar = ctx.engine.calendar
    return calendar.local_date(ctx.now)


def _late(ctx: EffectContext, step: str, due: date, done: date) -> None:
    if done > due:
        fact = {
            "step": step,
            "due": due.isoformat(),
            "done": done.isoformat(),
            "days_late": (done - due).days,
            "reported_to": LATE_ESCALATES_TO,
        }
        ctx.data["late_handoffs"] = [*ctx.data.get("late_handoffs", []), fact]
        ctx.data["late_handoff"] = True
        ctx.detail["late"] = fact


@effect("community_correction.record_documents", "record the documents' arrival, and their lateness")
def record_documents(ctx: EffectContext) -> None:
    """Record the documents' arrival, and their lateness."""
    received = _date(ctx.data["received_on"])
    due = _date(ctx.data["documents_due"])
    assert received is not None and due is not None  # the guards checked both
    _late(ctx, "documents", due, received)


def _record_relay(name: str, step: str, field: str, duration: Days) -> Any:
    @effect(name, f"record {step} and its lateness")
    def run(ctx: EffectContext) -> None:
        received = _date(ctx.data["received_on"])
        assert received is not None
        today = _today(ctx)
        ctx.data[field] = today.isoformat()
        _late(ctx, step, due_date(duration, received, ctx.engine.calendar).day, today)

    return run


RECORD_COPY = _record_relay("community_correction.record_copy", "police_copy", "copied_on", POLICE_COPIES_WITHIN)
RECORD_OFFICE = _record_relay("community_correction.record_office", "relay_office", "office_relayed_on", RELAY_WITHIN)
RECORD_STATION = _record_relay(
    "community_correction.record_station", "relay_station", "station_relayed_on", RELAY_WITHIN
)


def _stamp(name: str, field: str, description: str) -> Any:
    @effect(name, description)
    def run(ctx: EffectContext) -> None:
        ctx.data[field] = _today(ctx).isoformat()

    return run


STAMP_OFFICE_REGISTERED = _stamp("community_correction.office_registered", "office_registered_on", "司法所登记")
STAMP_STATION_REGISTERED = _stamp("community_correction.station_registered", "station_registered_on", "派出所登记")
STAMP_TURNED_AWAY = _stamp("community_correction.turned_away", "turned_away_on", "未登记者到派出所")
STAMP_NOTIFIED = _stamp("community_correction.office_notified", "office_notified_on", "通报司法所")
STAMP_FILED = _stamp("community_correction.filed", "filed_on", "建档")
STAMP_PLAN = _stamp("community_correction.plan_drafted", "plan_drafted_on", "矫正方案")
STAMP_SUPERVISION = _stamp("community_correction.supervision_began", "supervision_began_on", "监督考察小组")
STAMP_REVIEW = _stamp("community_correction.review_opened", "review_opened_on", "期满评议")
STAMP_SELF = _stamp("community_correction.self_assessed", "self_assessment_on", "自我鉴定")
STAMP_MEETING = _stamp("community_correction.meeting", "review_meeting_on", "评议会")
STAMP_APPRAISAL = _stamp("community_correction.appraisal", "appraisal_on", "书面鉴定")
STAMP_JUSTICE_OK = _stamp("community_correction.justice_approved", "justice_approved_on", "司法局审核")
STAMP_POLICE_OK = _stamp("community_correction.police_approved", "police_approved_on", "公安局审核")


@effect("community_correction.agreement", "record who signed the supervision agreement")
def record_agreement(ctx: EffectContext) -> None:
    """Record who signed the supervision agreement."""
    ctx.data["agreement_signatory"] = ctx.payload["signatory"]


@effect("community_correction.volunteer", "record a volunteer at the 评议会")
def record_volunteer(ctx: EffectContext) -> None:
    """Record a volunteer at the 评议会."""
    ctx.data["volunteers_attending"] = sorted({*ctx.data.get("volunteers_attending", []), ctx.actor.id})


@effect("community_correction.assessment", "file the period's 考核表 with the period's shortfalls")
def record_assessment(ctx: EffectContext) -> None:
    """File the period's 考核表 with the period's shortfalls."""
    period = str(ctx.payload["period"])
    counted = [s for s in ctx.data.get("shortfalls", []) if str(s["period"]).startswith(period[:4])]
    entry = {
        "kind": ctx.event,
        "period": period,
        "grade": ctx.payload.get("grade", ""),
        "shortfalls_in_year": len(counted),
        "on": _today(ctx).isoformat(),
    }
    ctx.data["assessments"] = [*ctx.data.get("assessments", []), entry]


@effect("community_correction.measure", "record a reward, punishment, violation or recommendation")
def record_measure(ctx: EffectContext) -> None:
    """Record a reward, punishment, violation or recommendation."""
    entry = {"event": ctx.event, "kind": ctx.payload["kind"], "reason": ctx.payload["reason"], "by": ctx.actor.id}
    field = "recommendations" if ctx.event == "recommend_recommittal" else "measures"
    ctx.data[field] = [*ctx.data.get(field, []), {**entry, "on": _today(ctx).isoformat()}]


@effect("community_correction.leave", "record a leave (请假)")
def record_leave(ctx: EffectContext) -> None:
    """Record a leave (请假)."""
    leave = {k: ctx.payload[k] for k in ("first_day", "last_day", "destination")}
    ctx.data["leaves"] = [*ctx.data.get("leaves", []), {**leave, "approved_by": ctx.actor.id, "returned_on": None}]


@effect("community_correction.return", "record the return from leave (销假)")
def record_return(ctx: EffectContext) -> None:
    """Record the return from leave (销假)."""
    today = _today(ctx).isoformat()
    ctx.data["leaves"] = [
        {**leave, "returned_on": today} if leave.get("returned_on") is None else leave for leave in ctx.data["leaves"]
    ]


@effect("community_correction.certificate", "the police issue the category's certificate")
def record_certificate(ctx: EffectContext) -> None:
    """The police issue the category's certificate."""
    ctx.data["certificate"] = CERTIFICATES[str(ctx.data["category"])]
    ctx.data["certificate_on"] = _today(ctx).isoformat()


@effect("community_correction.release", "lift the correction; notify the agencies listed")
def record_release(ctx: EffectContext) -> None:
    """Lift the correction; notify the agencies listed."""
    ctx.data["outcome"] = "released"
    ctx.data["ended_on"] = _today(ctx).isoformat()
    ctx.data["released_by"] = "original_approver" if ctx.data["category"] == "suspended" else "justice_office"
    ctx.data["notified"] = list(NOTIFIED_AT_END)
    ctx.detail["notified"] = list(NOTIFIED_AT_END)


@effect("community_correction.recommittal_route", "where the person goes; copies to the deciding bodies")
def record_route(ctx: EffectContext) -> None:
    """Where the person goes; copies to the deciding bodies."""
    ctx.data["custody"] = custody_for(int(ctx.data.get("remaining_months", 0)), bool(ctx.data.get("life_sentence")))
    ctx.data["recommittal_copies"] = list(RECOMMITTAL_COPIES)
    ctx.data["recommittal_route"] = "original_prison" if ctx.event == "notify_prison" else "court"


@effect("community_correction.recommittal_dropped", "the recommittal ends without 收监")
def record_dropped(ctx: EffectContext) -> None:
    """The recommittal ends without 收监."""
    ctx.data["recommittals_dropped"] = int(ctx.data.get("recommittals_dropped", 0)) + 1


@effect("community_correction.detained", "自羁押之日起自然解除: the case ends from the day of detention")
def record_detention(ctx: EffectContext) -> None:
    """自羁押之日起自然解除: the case ends from the day of detention."""
    reason = ctx.payload["reason"]
    ctx.data["outcome"] = "reoffended" if reason == "reoffended" else "recommitted"
    ctx.data["ended_on"] = ctx.payload["detained_on"]  # effective from then, recorded now
    ctx.data["recorded_on"] = _today(ctx).isoformat()


# -- payloads ----------------------------------------------------------------------------------------


@attrs.frozen
class MonthlyReport:
    """The month's supervision report: 公益劳动 days, 集中学习 sessions (hours each)."""

    period: str
    service_days: float = 0
    study_hours: list[float] = attrs.field(factory=list)
    note: str = ""


@attrs.frozen
class Assessment:
    """A 考核表 entry: the period (``2024-Q3`` or ``2024``) and the grade."""

    period: str
    grade: str = ""


@attrs.frozen
class Measure:
    """A reward, punishment, violation or recommendation: what (kind) and why (reason)."""

    kind: str
    reason: str


@attrs.frozen
class Leave:
    """请假: the first and last day away and where (ISO dates)."""

    first_day: str
    last_day: str
    destination: str


@attrs.frozen
class Nothing:
    """No payload."""


# -- the definition ------------------------------------------------------------------------------

SUPERVISED = (
    "supervision.supervising",
    "supervision.pre_release",
    "supervision.recommittal.proposed",
    "supervision.recommittal.reviewed",
    "supervision.recommittal.court_deciding",
    "supervision.recommittal.awaiting_custody",
)
"""Every leaf of 矫正中: the monthly duties and the assessments run in all of them."""

INTAKE = ("intake.relaying", "intake.registered")

_LATE = MarkOverdue()

SEND = Deadline(
    "send",
    Days(1),
    anchor=FromField("documents_due_eve"),
    action=_LATE,
    satisfied_by="send_documents",
    label="法律文书送达",
    source="seed 000 L575 (7日内), L573 (10月底前); seed 001 L275-277 (及时)",
)
POLICE_COPY = Deadline(
    "police_copy",
    POLICE_COPIES_WITHIN,
    anchor=FromField("received_on"),
    action=_LATE,
    satisfied_by="copy_to_justice",
    label="公安局抄送司法局",
    source="seed 000 L579",
)
RELAY_OFFICE = Deadline(
    "relay_office",
    RELAY_WITHIN,
    anchor=FromField("received_on"),
    action=_LATE,
    satisfied_by="relay_to_office",
    label="司法局转送司法所",
    source="seed 000 L581; seed 001 L279",
)
RELAY_STATION = Deadline(
    "relay_station",
    RELAY_WITHIN,
    anchor=FromField("received_on"),
    action=_LATE,
    satisfied_by="relay_to_station",
    label="公安局转送派出所",
    source="seed 000 L581; seed 001 L279",
)
NOTIFY_OFFICE = Deadline(
    "notify_office",
    UNREGISTERED_NOTICE_WITHIN,
    action=_LATE,
    satisfied_by="notify_office",
    label="派出所通报司法所",
    source="seed 000 L583",
)
MONTHLY = Recurring(
    "monthly_report",
    "month",
    REPORT_AFTER,
    satisfied_by="monthly_report",
    label="月度监管(公益劳动、集中学习)",
    source="seed 000 L591-593; seed 001 L285-286",
)
QUARTERLY = Recurring(
    "quarterly_assessment",
    "quarter",
    QUARTER_AFTER,
    satisfied_by="assess_quarter",
    label="季度考评",
    source="seed 000 L599; seed 001 L289",
)
YEARLY = Recurring(
    "annual_assessment",
    "year",
    YEAR_AFTER,
    satisfied_by="assess_year",
    label="年度综合考评",
    source="seed 000 L599; seed 001 L289",
)
REVIEW_OPENS = Deadline(
    "review_opens",
    Days(REVIEW_OPENS_BEFORE_END + 1),
    anchor=BeforeField("term_end"),
    action=FireEvent("open_review"),
    label="期满前30日评议",
    source="seed 000 L605; seed 001 L292",
)
"""Due at the end of the 31st day before the term ends, so it fires at 00:00 on the 30th."""

ANNOUNCE = Deadline(
    "announce",
    ANNOUNCE_WITHIN,
    anchor=FromField("term_end"),
    satisfied_by="release",
    label="期满宣告解除",
    source="seed 000 L607; seed 001 L293",
)


def _loops(
    event: str,
    states: Iterable[str],
    roles: set[str],
    *,
    label: str,
    guards: Sequence[Guard] = (),
    soft_guards: Sequence[Guard] = (),
    effects: Sequence[Any] = (),
    payload_schema: type | None = None,
) -> list[Transition]:
    """The same event staying in each of `states` (recording something, the state unchanged)."""
    return [
        Transition(
            event,
            source=state,
            dest=state,
            roles=roles,
            guards=guards,
            soft_guards=soft_guards,
            effects=effects,
            payload_schema=payload_schema,
            label=label,
        )
        for state in states
    ]


COMMUNITY_CORRECTION = Workflow(
    name=WORKFLOW_NAME,
    version=1,
    title="社区矫正",
    description="法律文书衔接 → 司法所登记 → 派出所登记 → 建档 → 矫正方案 → 矫正中 → 期满评议 → 解除 | 收监 | 自然解除.",
    index=("person_id", "channel", "category", "outcome", "late_handoff"),
    start_roles={"court", "prison", "county_police"},
    start_guards=[intake_complete, channel_fits, due_computed],
    states=[
        State("awaiting_documents", "待送达法律文书", initial=True, deadlines=[SEND]),
        State(
            "intake",
            "衔接",
            states=[
                State("relaying", "文书转送中", initial=True),
                State("registered", "已在司法所登记"),
            ],
        ),
        State(
            "filing", "建档", deadlines=[Deadline("file", FILE_WITHIN, label="建立矫正档案", source="seed 000 L587")]
        ),
        State(
            "planning",
            "制定矫正方案",
            deadlines=[Deadline("plan", PLAN_WITHIN, label="矫正方案与监督管理协议", source="seed 000 L587-589")],
        ),
        State(
            "supervision",
            "矫正中",
            deadlines=[MONTHLY, QUARTERLY, YEARLY],
            states=[
                State("supervising", "日常监督管理", initial=True, deadlines=[REVIEW_OPENS]),
                State("pre_release", "期满评议", deadlines=[ANNOUNCE]),
                State(
                    "recommittal",
                    "收监审查",
                    states=[
                        State("proposed", "司法所提出意见", initial=True),
                        State("reviewed", "矫正委办公室已审查"),
                        State("court_deciding", "户籍地法院决定中"),
                        State("awaiting_custody", "待收监"),
                    ],
                ),
            ],
        ),
        State("released", "解除矫正", final=True),
        State("ended", "自然解除", final=True),
    ],
    transitions=[
        # -- intake: the documents and the relays ------------------------------------------------
        Transition(
            "send_documents",
            source="awaiting_documents",
            dest="intake",
            roles={"court"},
            guards=[BY_COURT, documents_complete],
            soft_guards=[documents_on_time],
            effects=[record_documents],
            opens=[POLICE_COPY, RELAY_OFFICE, RELAY_STATION],
            label="法院送达法律文书",
        ),
        Transition(
            "release_documents",
            source="awaiting_documents",
            dest="intake",
            roles={"prison"},
            guards=[BY_PRISON, documents_complete],
            soft_guards=[documents_on_time],
            effects=[record_documents],
            opens=[RELAY_OFFICE, RELAY_STATION],
            label="监所释放时送交法律文书",
        ),
        Transition(
            "hand_over_file",
            source="awaiting_documents",
            dest="intake",
            roles={"county_police"},
            guards=[BY_POLICE, documents_complete],
            soft_guards=[documents_on_time],
            effects=[record_documents],
            opens=[RELAY_OFFICE],
            label="移交现有社区服刑人员档案",
        ),
        *_loops(
            "copy_to_justice",
            INTAKE,
            {"county_police"},
            label="公安局抄送司法局",
            soft_guards=[COPY_ON_TIME],
            effects=[RECORD_COPY],
            payload_schema=Nothing,
        ),
        *_loops(
            "relay_to_office",
            INTAKE,
            {"county_justice"},
            label="司法局转送司法所",
            soft_guards=[OFFICE_RELAY_ON_TIME],
            effects=[RECORD_OFFICE],
            payload_schema=Nothing,
        ),
        *_loops(
            "relay_to_station",
            INTAKE,
            {"county_police"},
            label="公安局转送派出所",
            soft_guards=[STATION_RELAY_ON_TIME],
            effects=[RECORD_STATION],
            payload_schema=Nothing,
        ),
        Transition(
            "turned_away",
            source="intake.relaying",
            dest="intake.relaying",
            roles={"police_station"},
            effects=[STAMP_TURNED_AWAY],
            opens=[NOTIFY_OFFICE],
            payload_schema=Nothing,
            label="责令先到司法所登记",
        ),
        *_loops(
            "notify_office",
            INTAKE,
            {"police_station"},
            label="通报司法所",
            effects=[STAMP_NOTIFIED],
            payload_schema=Nothing,
        ),
        Transition(
            "register_at_office",
            source="intake.relaying",
            dest="intake.registered",
            roles={"justice_office"},
            guards=[talk_held],
            requires_met=["relay_office"],
            effects=[STAMP_OFFICE_REGISTERED],
            label="司法所办理登记",
        ),
        Transition(
            "register_at_station",
            source="intake.registered",
            dest="filing",
            roles={"police_station"},
            guards=[talk_held],
            requires_met=["relay_station", "police_copy", "notify_office"],
            effects=[STAMP_STATION_REGISTERED],
            label="持司法所证明到派出所登记",
        ),
        # -- file and plan -------------------------------------------------------------------------
        Transition(
            "open_file", source="filing", dest="planning", roles={"justice_office"}, effects=[STAMP_FILED], label="建档"
        ),
        Transition(
            "draft_plan",
            source="planning",
            dest="planning",
            roles={"justice_office"},
            effects=[STAMP_PLAN],
            payload_schema=Nothing,
            label="拟定矫正方案",
        ),
        Transition(
            "sign_agreement",
            source="planning",
            dest="planning",
            roles={"justice_office"},
            guards=[agreement_signatory],
            effects=[record_agreement],
            label="签订监督管理协议",
        ),
        Transition(
            "countersign_plan",
            source="planning",
            dest="supervision",
            roles={"police_station"},
            guards=[plan_ready],
            separation=[NotActorOf(["draft_plan"])],  # type: ignore[list-item]  # attrs converter=tuple is generic
            effects=[STAMP_SUPERVISION],
            payload_schema=Nothing,
            label="派出所会同确定方案、建立监督考察小组",
        ),
        # -- supervision: duties, assessments, measures, leave -------------------------------------
        *_loops(
            "monthly_report",
            SUPERVISED,
            {"justice_office"},
            label="月度监管报告",
            guards=[period_named],
            effects=[record_shortfalls("community_correction.shortfalls", QUOTAS)],
            payload_schema=MonthlyReport,
        ),
        *_loops(
            "assess_quarter",
            SUPERVISED,
            {"justice_office"},
            label="季度考评",
            guards=[period_named],
            effects=[record_assessment],
            payload_schema=Assessment,
        ),
        *_loops(
            "assess_year",
            SUPERVISED,
            {"justice_office"},
            label="年度综合考评",
            guards=[period_named],
            effects=[record_assessment],
            payload_schema=Assessment,
        ),
        *_loops(
            "reward",
            ("supervision.supervising",),
            {"justice_office"},
            label="奖励",
            guards=[described],
            effects=[record_measure],
            payload_schema=Measure,
        ),
        *_loops(
            "punish",
            ("supervision.supervising",),
            {"justice_office"},
            label="惩处",
            guards=[described],
            effects=[record_measure],
            payload_schema=Measure,
        ),
        *_loops(
            "handle_violation",
            ("supervision.supervising",),
            {"police_station"},
            label="派出所依法处置违规",
            guards=[described],
            effects=[record_measure],
            payload_schema=Measure,
        ),
        *_loops(
            "recommend_recommittal",
            ("supervision.supervising",),
            {"procuratorate"},
            label="检察建议",
            guards=[described],
            effects=[record_measure],
            payload_schema=Measure,
        ),
        *_loops(
            "approve_leave",
            ("supervision.supervising",),
            {"justice_office"},
            label="批准请假",
            guards=[leave_dated],
            effects=[record_leave],
            payload_schema=Leave,
        ),
        *_loops(
            "report_return",
            ("supervision.supervising",),
            {"justice_office"},
            label="销假",
            guards=[on_leave],
            effects=[record_return],
            payload_schema=Nothing,
        ),
        # -- pre-release review and normal termination ---------------------------------------------
        Transition(
            "open_review",
            source="supervision.supervising",
            dest="supervision.pre_release",
            roles={"justice_office", "system"},
            guards=[review_window],
            effects=[STAMP_REVIEW],
            payload_schema=Nothing,
            label="期满前30日启动评议",
        ),
        *_loops(
            "self_assessment",
            ("supervision.pre_release",),
            {"justice_office"},
            label="指导完成书面总结(自我鉴定)",
            effects=[STAMP_SELF],
            payload_schema=Nothing,
        ),
        *_loops(
            "attend_review",
            ("supervision.pre_release",),
            {"volunteer"},
            label="志愿者参加评议会",
            guards=[self_assessed],
            effects=[record_volunteer],
            payload_schema=Nothing,
        ),
        *_loops(
            "review_meeting",
            ("supervision.pre_release",),
            {"justice_office"},
            label="召开评议会",
            guards=[self_assessed, meeting_attended],
            effects=[STAMP_MEETING],
            payload_schema=Nothing,
        ),
        *_loops(
            "submit_appraisal",
            ("supervision.pre_release",),
            {"justice_office"},
            label="作出书面鉴定并上报",
            guards=[appraised],
            effects=[STAMP_APPRAISAL],
            payload_schema=Nothing,
        ),
        *_loops(
            "approve_appraisal_justice",
            ("supervision.pre_release",),
            {"county_justice"},
            label="司法局审核",
            guards=[appraisal_submitted],
            effects=[STAMP_JUSTICE_OK],
            payload_schema=Nothing,
        ),
        *_loops(
            "approve_appraisal_police",
            ("supervision.pre_release",),
            {"county_police"},
            label="公安局审核",
            guards=[appraisal_submitted],
            effects=[STAMP_POLICE_OK],
            payload_schema=Nothing,
        ),
        *_loops(
            "issue_certificate",
            ("supervision.pre_release",),
            {"county_police"},
            label="公安机关签发期满通知书",
            guards=[certificate_due],
            effects=[record_certificate],
            payload_schema=Nothing,
        ),
        Transition(
            "release",
            source="supervision.pre_release",
            dest="released",
            roles={"justice_office"},
            guards=[term_ended, release_ready, announced_with_station],
            effects=[record_release],
            label="会同派出所宣布解除社区矫正",
        ),
        # -- recommittal (暂予监外执行) ---------------------------------------------------------------
        Transition(
            "propose_recommittal",
            source=("supervision.supervising", "supervision.pre_release"),
            dest="supervision.recommittal",
            roles={"justice_office"},
            guards=[suspended_only, described],
            effects=[record_measure],
            payload_schema=Measure,
            label="暂予监外执行条件消失,提出收监意见",
        ),
        Transition(
            "review_recommittal",
            source="supervision.recommittal.proposed",
            dest="supervision.recommittal.reviewed",
            roles={"correction_committee"},
            payload_schema=Nothing,
            label="区矫正委办公室审查",
        ),
        Transition(
            "notify_prison",
            source="supervision.recommittal.reviewed",
            dest="supervision.recommittal.awaiting_custody",
            roles={"county_police"},
            guards=[medical],
            effects=[record_route],
            payload_schema=Nothing,
            label="审核后通知原收押监所收监(保外就医)",
        ),
        Transition(
            "petition_court",
            source="supervision.recommittal.reviewed",
            dest="supervision.recommittal.court_deciding",
            roles={"county_police"},
            guards=[not_medical],
            payload_schema=Nothing,
            label="审核后提请户籍地法院决定收监",
        ),
        Transition(
            "decide_recommittal",
            source="supervision.recommittal.court_deciding",
            dest="supervision.recommittal.awaiting_custody",
            roles={"court"},
            effects=[record_route],
            payload_schema=Nothing,
            label="法院决定收监执行",
        ),
        Transition(
            "drop_recommittal",
            source=(
                "supervision.recommittal.proposed",
                "supervision.recommittal.reviewed",
                "supervision.recommittal.court_deciding",
            ),
            dest="supervision.supervising",
            roles={"correction_committee", "county_police", "court"},
            effects=[record_dropped],
            payload_schema=Nothing,
            label="不予收监,继续矫正",
        ),
        # -- automatic termination: the police report a detention -----------------------------------
        Transition(
            "detained",
            source=("awaiting_documents", "intake", "filing", "planning", "supervision"),
            dest="ended",
            roles={EXTERNAL_ROLE},
            guards=[detention_dated],
            effects=[record_detention],
            label="羁押(收监执行或重新犯罪),自羁押之日起自然解除",
        ),
    ],
)

WORKFLOWS = [COMMUNITY_CORRECTION]


# -- queries -------------------------------------------------------------------------------------


def register_summary(engine: Engine, unit: str | None = None) -> dict[str, int]:
    """A justice office's register (台账): open cases, outcomes, late hand-offs (indexed counts)."""
    open_states = [leaf.name for leaf in COMMUNITY_CORRECTION.leaves if not leaf.final]
    return {
        "open": engine.count(WORKFLOW_NAME, state=open_states, unit=unit),
        "released": engine.count(WORKFLOW_NAME, unit=unit, where={"outcome": "released"}),
        "recommitted": engine.count(WORKFLOW_NAME, unit=unit, where={"outcome": "recommitted"}),
        "reoffended": engine.count(WORKFLOW_NAME, unit=unit, where={"outcome": "reoffended"}),
        "late_handoff": engine.count(WORKFLOW_NAME, unit=unit, where={"late_handoff": True}),
    }


def shortfalls_of(data: Mapping[str, Any], period_prefix: str) -> list[dict[str, Any]]:
    """A case's recorded shortfalls in the periods starting with `period_prefix` (a year, a month)."""
    return [s for s in data.get("shortfalls", []) if str(s["period"]).startswith(period_prefix)]
