# ruff: noqa: E501 - the module docstring holds the generated Mermaid diagram, whose edge lines are long
"""派驻纪检 — a resident discipline agency's case, and the commission's opinion before the host appoints.

Guangzhou placed discipline-inspection agencies (派驻纪检监察机构) in city departments (the host,
驻在部门) under the direct leadership and unified management of the city discipline commission
(市纪委监察局). The agency sits in the host but answers to the commission: that **dual line**
(双重领导) is modelled with the organisation directory. The agency's unit is a child of the
commission's unit (``city.jw`` → ``city.jw.agency.<host>``), so approvals scoped to "the case's
unit or a unit above it" reach the commission and never the host; the host's leaders hold
their posts in the host's own unit (``city.<host>``), which is not above the agency. The agency
head may also sit on the host's party committee (seed 003 L371) — a post in the host unit —
and is then kept out of the steps where the host must not act (`NotOwnUnit(field="host")`).

`discipline_case` (派驻机构受理的问题线索): a report or accusation is received by the agency
(受理检举、控告) → for a member of the host's leadership, preliminary verification only after
the commission's approval (经批准,初步核实) → verification → filing (立案), approved by the
commission, not the host → investigation → decision (处分 or none) → appeal (申诉) → the
appeal's decision → closed; or closed after verification when the matter is unfounded (了结).
For the host's leadership the agency only takes part in the investigation (参与调查) and the
commission decides; for other staff the agency investigates and decides itself (调查处理).

`cadre_consultation` (干部任用征求纪检意见): before the host appoints a cadre, the agency drafts
the integrity opinion (廉政意见) and the commission issues it; the host appoints only on a
favourable opinion; nobody gives an opinion on themselves, no one of the host issues it, and
the one who drafted it does not also issue it. The consultation's unit is the agency's (pass
``unit=agency_unit(host)`` to `Engine.start`), so the commission's posts lie above it.

Rules and their sources (seed 003, the Guangzhou opinion 穗办〔2006〕13号; digest §4):

- 「派驻机构由市纪委监察局直接领导和统一管理」: seed 003 L337; 「实施监督和查办案件工作直接受市纪委监察局
  领导,重要情况和重大问题直接向市纪委监察局请示、报告」: seed 003 L367 — the approvals are the
  commission's (`Scoped(..., "ancestors")` over the agency's unit);
- the agency's cases: 「经批准,初步核实驻在部门党委(党组)和行政领导班子及其成员违反党纪政纪的问题;参与调查
  …的案件;调查处理驻在部门其他违反党纪政纪的案件」: seed 003 L357 — the two branches;
- 「受理对驻在部门党组织、党员和行政监察对象的检举、控告及…不服处分的申诉」: seed 003 L361 (检查 in the
  source is read as 检举, the digest §0.2) — intake and appeal;
- the host's leadership 「负全面领导责任」 and the agency 「协助、配合,有关情况及时…沟通」: seed 003 L369
  — the host is told (a fact on the record), never asked to approve;
- the agency head sits on the host's party committee, and 「一般不参与驻在部门的业务分工」: seed 003
  L371 — the head's host post is in the directory; anyone with a post in the host (the head
  included, should they also hold a commission post) is kept out of the commission's steps —
  approvals, appeal decisions, integrity opinions (`NotOwnUnit(field="host")`);
- the agency supervises the host leadership's 「选拔任用领导干部」: seed 003 L355 —
  `cadre_consultation` (the opinion before appointment is this supervision's instrument; the
  seed does not spell out the consultation's steps).

**Choices where the text is silent** (each a named constant):

- `APPEAL_WINDOW`: the seed gives no time to appeal; 30 days from the decision, after which
  the case closes (a choice, not the party regulations' number).
- `APPEAL_DECIDED_BY`: the commission decides an appeal (not the agency that decided the
  case), and nobody who decided the case decides its appeal.
- `VERIFY_LIMIT`: no number in the seed; the agency reports on its verification within 30
  days (lateness recorded).
- `OPINION_BINDS`: an unfavourable opinion blocks the appointment (the host may withdraw it).
- The agency's own cadres (组长 nominated by 市纪委 with 组织部 and appointed by 市委, 「一般不从驻在
  部门产生」, seed 003 L381; deputies filed with 组织部 before the commission appoints them, L383)
  are not a workflow here yet.

```mermaid
---
title: discipline_case v1 (派驻机构问题线索处置)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:red,fill:darksalmon
  classDef s_previous color:blue,fill:azure
  classDef s_final color:black,fill:lightgrey

  state "received (已受理)" as received
  Class received s_default
  state "approval_requested (初核报批中)" as approval_requested
  Class approval_requested s_default
  state "verifying (初步核实中)" as verifying
  Class verifying s_default
  state "filing_requested (立案报批中)" as filing_requested
  Class filing_requested s_default
  state "investigating (调查中)" as investigating
  Class investigating s_default
  state "decided (已作出处理)" as decided
  Class decided s_default
  state "appeal (申诉复查中)" as appeal
  Class appeal s_default
  state "closed (已办结)" as closed
  Class closed s_final

  received --> approval_requested: request_approval (报市纪委批准初核) [agency_head@unit] if discipline.leadership, discipline.text_given
  received --> verifying: start_verification (初步核实) [agency_head@unit] if discipline.other_staff
  approval_requested --> verifying: approve_verification (市纪委批准初核) [commission_leader@unit+above] if discipline.text_given 分离 not-own-unit, not-subject
  verifying --> closed: close_unfounded (了结(问题不存在)) [agency_head@unit] if discipline.text_given 分离 not-subject
  verifying --> filing_requested: propose_filing (提请立案) [agency_head@unit] if discipline.text_given 分离 not-subject
  filing_requested --> investigating: approve_filing (市纪委批准立案) [commission_leader@unit+above] if discipline.text_given 分离 not-own-unit, not-subject
  investigating --> decided: decide (派驻机构调查处理) [agency_head@unit] if discipline.other_staff, discipline.sanction_named, discipline.text_given 分离 not-subject | decide (市纪委处理(派驻机构参与调查)) [commission_leader@unit+above] if discipline.leadership, discipline.sanction_named, discipline.text_given 分离 not-own-unit, not-subject
  decided --> appeal: appeal (受理申诉) [agency_staff@unit] if discipline.sanctioned, discipline.text_given
  decided --> closed: close (申诉期满办结) [system]
  appeal --> closed: decide_appeal (申诉复查决定) [commission_leader@unit+above] if discipline.text_given 分离 not-own-unit, not-subject, four-eyes
  [*] --> received
  closed --> [*]
  note right of verifying : verify (初核时限)： 30 days (日), from entering the state； mark overdue (逾期)
  note right of decided : appeal_window (申诉期)： 30 days (日), from entering the state； fire close as system
```
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from govflow import Actor, Days, Deadline, FireEvent, State, Transition, Workflow
from govflow.access import NotActorOf, NotOwnUnit, NotSubject, OwnUnitOnly, Scoped
from govflow.directory import Directory, Post, Unit
from govflow.effects import EffectContext, effect
from govflow.guards import GuardContext, guard

CASE_WORKFLOW_NAME = "discipline_case"
CONSULTATION_WORKFLOW_NAME = "cadre_consultation"

APPEAL_WINDOW = Days(30)
"""Choice: an appeal (申诉) within 30 days of the decision; the seed gives no number."""

APPEAL_DECIDED_BY = "the commission, not who decided the case"
"""Choice: who decides an appeal."""

VERIFY_LIMIT = Days(30)
"""Choice: preliminary verification reported within 30 days (no number in the seed)."""

OPINION_BINDS = True
"""Choice: the host appoints only on a favourable integrity opinion."""

ROLES: dict[str, str] = {
    "agency_staff": "派驻纪检组工作人员 (受理、初核、调查)",
    "agency_head": "派驻纪检组组长 (提请立案、处理)",
    "commission_leader": "市纪委监察局领导 (批准初核、立案,处理领导班子成员,复查申诉)",
    "host_leader": "驻在部门领导 (提出干部任用,任命)",
    "appellant": "申诉人 (受处分的党员、行政监察对象)",
}
"""The roles (directory positions) beside their Chinese names."""

COMMISSION = Scoped("commission_leader", "ancestors")
"""A commission leader: a post in a unit at or above the case's unit (the agency's)."""

AGENCY_STAFF = Scoped("agency_staff")
AGENCY_HEAD = Scoped("agency_head")
NOT_HOST = NotOwnUnit(field="host")
"""Nobody holding a post in the host department acts on the commission's steps."""


# -- data -----------------------------------------------------------------------------------------

Outcome = Literal["sanction", "no_sanction"]


@attrs.frozen
class Clue:
    """问题线索: who is reported, about what, and whether they belong to the host's leadership."""

    host: str
    """The host department's unit (驻在部门)."""
    subject: str
    """The person reported (被反映人): a person id."""
    allegation: str
    leadership: bool = False
    """A member of the host's 党委(党组) or 行政领导班子 (seed 003 L357)."""
    source: Literal["report", "accusation", "referral"] = "report"
    """检举 / 控告 / 市纪委监察局交办 (seed 003 L361, L363)."""
    approved_verification: bool = False
    verified_finding: str = ""
    filed: bool = False
    outcome: Outcome | None = None
    sanction: str = ""
    appealed: bool = False
    appeal_upheld: bool | None = None
    host_informed: bool = False


@attrs.frozen
class Text:
    """An opinion, a request or a finding."""

    text: str


@attrs.frozen
class Decision:
    """处理决定: a sanction (named) or none."""

    outcome: Outcome
    sanction: str = ""
    reasons: str = ""


@attrs.frozen
class AppealDecision:
    """申诉复查: the decision upheld or not."""

    upheld: bool
    reasons: str


@attrs.frozen
class NoPayload:
    """Events that carry nothing."""


# -- rules ----------------------------------------------------------------------------------------


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


@guard(
    "discipline.clue_described", "a clue names the host, the person reported and the allegation", source="seed 003 L361"
)
def clue_described(ctx: GuardContext) -> bool:
    """受理检举、控告: who, where, what."""
    return all(_text(ctx.data.get(f)) for f in ("host", "subject", "allegation"))


@guard("discipline.fresh_clue", "the case's progress fields are kept by the workflow")
def fresh_clue(ctx: GuardContext) -> bool:
    """Integrity: a new clue has no approval, finding, filing or decision yet."""
    d = ctx.data
    return not (
        d.get("approved_verification")
        or d.get("filed")
        or d.get("outcome")
        or d.get("appealed")
        or d.get("verified_finding")
    )


@guard("discipline.leadership", "the person reported belongs to the host's leadership", source="seed 003 L357")
def leadership(ctx: GuardContext) -> bool:
    """Branch: 驻在部门党委(党组)和行政领导班子及其成员."""
    return bool(ctx.data.get("leadership"))


@guard("discipline.other_staff", "the person reported is other staff of the host", source="seed 003 L357")
def other_staff(ctx: GuardContext) -> bool:
    """Branch: 驻在部门其他违反党纪政纪的案件."""
    return not ctx.data.get("leadership")


@guard("discipline.text_given", "state the opinion, request or finding", on_payload=True)
def text_given(ctx: GuardContext) -> bool:
    """Every step writes what it found or asks."""
    return _text(ctx.payload.get("text")) or _text(ctx.payload.get("reasons"))


@guard("discipline.sanction_named", "a sanction decision names the sanction", on_payload=True)
def sanction_named(ctx: GuardContext) -> bool:
    """处分 is named (警告, 严重警告, 撤销党内职务 …)."""
    return ctx.payload.get("outcome") != "sanction" or _text(ctx.payload.get("sanction"))


@guard("discipline.sanctioned", "only a sanction can be appealed (不服处分的申诉)", source="seed 003 L361")
def sanctioned(ctx: GuardContext) -> bool:
    """申诉 is against a 处分."""
    return ctx.data.get("outcome") == "sanction"


# -- effects --------------------------------------------------------------------------------------


@effect("discipline.record_approval", "record the commission's approval of verification")
def record_approval(ctx: EffectContext) -> None:
    """经批准,初步核实 (seed 003 L357)."""
    ctx.data["approved_verification"] = True


@effect("discipline.record_finding", "record the verification's finding")
def record_finding(ctx: EffectContext) -> None:
    """初步核实的情况."""
    ctx.data["verified_finding"] = ctx.payload["text"]


@effect("discipline.record_filing", "record the filing and that the host was told")
def record_filing(ctx: EffectContext) -> None:
    """立案, and 有关情况及时与驻在部门…沟通 (seed 003 L369): the host is informed, not asked."""
    ctx.data.update(filed=True, host_informed=True)


@effect("discipline.record_decision", "record the decision")
def record_decision(ctx: EffectContext) -> None:
    """处理决定."""
    ctx.data.update(outcome=ctx.payload["outcome"], sanction=ctx.payload.get("sanction", ""))


@effect("discipline.record_appeal", "record the appeal")
def record_appeal(ctx: EffectContext) -> None:
    """申诉 (seed 003 L361)."""
    ctx.data["appealed"] = True


@effect("discipline.record_appeal_decision", "record the appeal's decision")
def record_appeal_decision(ctx: EffectContext) -> None:
    """申诉复查的结论."""
    ctx.data["appeal_upheld"] = bool(ctx.payload["upheld"])


# -- the case -----------------------------------------------------------------------------------------

_NOT_SUBJECT = NotSubject("subject")
_NOT_DECIDER = NotActorOf(events=("decide",))  # type: ignore[arg-type]  # attrs converter=tuple

DISCIPLINE_CASE = Workflow(
    name=CASE_WORKFLOW_NAME,
    version=1,
    title="派驻机构问题线索处置",
    description="受理 → (领导班子成员: 报批初核) → 初步核实 → 立案(市纪委批准) → 调查 → 处理 → 申诉 → 办结.",
    schema=Clue,
    index=("host", "leadership", "outcome", "appealed"),
    start_roles={"agency_staff", "agency_head"},
    start_guards=[clue_described, fresh_clue],
    states=[
        State("received", "已受理", initial=True),
        State("approval_requested", "初核报批中"),
        State(
            "verifying", "初步核实中", deadlines=[Deadline("verify", VERIFY_LIMIT, label="初核时限", source="choice")]
        ),
        State("filing_requested", "立案报批中"),
        State("investigating", "调查中"),
        State(
            "decided",
            "已作出处理",
            deadlines=[
                Deadline("appeal_window", APPEAL_WINDOW, action=FireEvent("close"), label="申诉期", source="choice")
            ],
        ),
        State("appeal", "申诉复查中"),
        State("closed", "已办结", final=True),
    ],
    transitions=[
        Transition(
            "request_approval",
            source="received",
            dest="approval_requested",
            roles={AGENCY_HEAD},
            payload_schema=Text,
            guards=[leadership, text_given],
            label="报市纪委批准初核",
        ),
        Transition(
            "approve_verification",
            source="approval_requested",
            dest="verifying",
            roles={COMMISSION},
            separation=[NOT_HOST, _NOT_SUBJECT],
            payload_schema=Text,
            guards=[text_given],
            effects=[record_approval],
            label="市纪委批准初核",
        ),
        Transition(
            "start_verification",
            source="received",
            dest="verifying",
            roles={AGENCY_HEAD},
            payload_schema=NoPayload,
            guards=[other_staff],
            label="初步核实",
        ),
        Transition(
            "close_unfounded",
            source="verifying",
            dest="closed",
            roles={AGENCY_HEAD},
            separation=[_NOT_SUBJECT],
            payload_schema=Text,
            guards=[text_given],
            effects=[record_finding],
            label="了结(问题不存在)",
        ),
        Transition(
            "propose_filing",
            source="verifying",
            dest="filing_requested",
            roles={AGENCY_HEAD},
            separation=[_NOT_SUBJECT],
            payload_schema=Text,
            guards=[text_given],
            effects=[record_finding],
            label="提请立案",
        ),
        Transition(
            "approve_filing",
            source="filing_requested",
            dest="investigating",
            roles={COMMISSION},
            separation=[NOT_HOST, _NOT_SUBJECT],
            payload_schema=Text,
            guards=[text_given],
            effects=[record_filing],
            label="市纪委批准立案",
        ),
        Transition(
            "decide",
            source="investigating",
            dest="decided",
            roles={AGENCY_HEAD},
            separation=[_NOT_SUBJECT],
            payload_schema=Decision,
            guards=[other_staff, sanction_named, text_given],
            effects=[record_decision],
            label="派驻机构调查处理",
        ),
        Transition(
            "decide",
            source="investigating",
            dest="decided",
            roles={COMMISSION},
            separation=[NOT_HOST, _NOT_SUBJECT],
            payload_schema=Decision,
            guards=[leadership, sanction_named, text_given],
            effects=[record_decision],
            label="市纪委处理(派驻机构参与调查)",
        ),
        Transition(
            "appeal",
            source="decided",
            dest="appeal",
            roles={AGENCY_STAFF},
            payload_schema=Text,
            guards=[sanctioned, text_given],
            effects=[record_appeal],
            label="受理申诉",
        ),
        Transition(
            "decide_appeal",
            source="appeal",
            dest="closed",
            roles={COMMISSION},
            separation=[NOT_HOST, _NOT_SUBJECT, _NOT_DECIDER],
            payload_schema=AppealDecision,
            guards=[text_given],
            effects=[record_appeal_decision],
            label="申诉复查决定",
        ),
        Transition(
            "close", source="decided", dest="closed", roles={"system"}, payload_schema=NoPayload, label="申诉期满办结"
        ),
    ],
)
"""派驻机构问题线索处置."""


# -- the cadre consultation -------------------------------------------------------------------------


@attrs.frozen
class Appointment:
    """拟任干部: the host, the candidate and the post."""

    host: str
    candidate: str
    post: str
    favourable: bool | None = None
    opinion: str = ""


@attrs.frozen
class Opinion:
    """廉政意见: favourable or not, and why."""

    favourable: bool
    text: str


@guard("consultation.described", "name the host, the candidate and the post")
def appointment_described(ctx: GuardContext) -> bool:
    """A proposal names whom, for what, where."""
    return all(_text(ctx.data.get(f)) for f in ("host", "candidate", "post")) and ctx.data.get("favourable") is None


@guard("consultation.favourable", "the integrity opinion is not favourable: the host cannot appoint", on_payload=False)
def opinion_favourable(ctx: GuardContext) -> bool:
    """`OPINION_BINDS`."""
    return ctx.data.get("favourable") is True or not OPINION_BINDS


@guard("consultation.proposer_of_host", "only the host's own leaders propose its appointments")
def proposer_of_host(ctx: GuardContext) -> bool:
    """The host department appoints its cadres (the commission only gives its opinion)."""
    return ctx.actor.unit == ctx.data.get("host")


@effect("consultation.record_opinion", "record the commission's opinion")
def record_opinion(ctx: EffectContext) -> None:
    """廉政意见."""
    ctx.data.update(favourable=bool(ctx.payload["favourable"]), opinion=ctx.payload["text"])


HOST_LEADER = "host_leader"
"""A leader of the host department; `OwnUnitOnly(field="host")` keeps it to the host's own."""

_OWN_HOST = OwnUnitOnly(field="host")

_NOT_CANDIDATE = NotSubject("candidate")

CADRE_CONSULTATION = Workflow(
    name=CONSULTATION_WORKFLOW_NAME,
    version=1,
    title="干部任用征求纪检意见",
    description="驻在部门拟任 → 派驻机构起草廉政意见 → 市纪委出具意见 → 任命 | 撤回.",
    schema=Appointment,
    index=("host", "favourable"),
    start_roles={HOST_LEADER},
    start_guards=[appointment_described, proposer_of_host],
    states=[
        State("proposed", "拟任(征求意见)", initial=True),
        State("drafted", "意见已起草"),
        State("opinion_given", "已出具意见"),
        State("appointed", "已任命", final=True),
        State("withdrawn", "已撤回", final=True),
    ],
    transitions=[
        Transition(
            "draft_opinion",
            source="proposed",
            dest="drafted",
            roles={Scoped("agency_staff", "ancestors"), Scoped("agency_head", "ancestors")},
            separation=[_NOT_CANDIDATE],
            payload_schema=Text,
            guards=[text_given],
            label="派驻机构起草廉政意见",
        ),
        Transition(
            "issue_opinion",
            source="drafted",
            dest="opinion_given",
            roles={Scoped("commission_leader", "ancestors")},
            separation=[NOT_HOST, _NOT_CANDIDATE, NotActorOf(events=("draft_opinion",))],  # type: ignore[arg-type]
            payload_schema=Opinion,
            guards=[text_given],
            effects=[record_opinion],
            label="市纪委出具廉政意见",
        ),
        Transition(
            "appoint",
            source="opinion_given",
            dest="appointed",
            roles={HOST_LEADER},
            separation=[_OWN_HOST, _NOT_CANDIDATE],
            payload_schema=NoPayload,
            guards=[opinion_favourable],
            label="驻在部门任命",
        ),
        Transition(
            "withdraw",
            source=["proposed", "drafted", "opinion_given"],
            dest="withdrawn",
            roles={HOST_LEADER},
            separation=[_OWN_HOST],
            payload_schema=Text,
            guards=[text_given],
            label="撤回拟任",
        ),
    ],
)
"""干部任用征求纪检意见: the commission's opinion before the host appoints."""

WORKFLOWS = [DISCIPLINE_CASE, CADRE_CONSULTATION]


# -- the dual line in a directory ----------------------------------------------------------------------


def dual_line_directory(host: str, *, start: str = "2006-06-26") -> Directory:
    """A small directory of the dual line for one host department (`host`, e.g. ``housing``).

    ``city`` → ``city.jw`` (市纪委监察局, party line) → ``city.jw.agency.<host>`` (the 派驻纪检组);
    ``city`` → ``city.<host>`` (the host, government line). People: the commission's leader, the
    agency head (also on the host's party committee, seed 003 L371), agency staff, the host's
    director and a host cadre.
    """
    agency = f"city.jw.agency.{host}"
    units = [
        Unit("city", "市"),
        Unit("city.jw", "市纪委监察局", parent="city", line="party"),
        Unit(agency, f"驻{host}纪检组", parent="city.jw", kind="派驻机构", line="party"),
        Unit(f"city.{host}", f"市{host}局", parent="city", line="government"),
    ]
    posts = [
        Post("jw.lin", "commission_leader", "city.jw", start),
        Post(f"{host}.agency.zhou", "agency_head", agency, start),
        Post(f"{host}.agency.zhou", "party_committee_member", f"city.{host}", start),
        Post(f"{host}.agency.wu", "agency_staff", agency, start),
        Post(f"{host}.director", "host_leader", f"city.{host}", start),
        Post(f"{host}.cadre", "staff", f"city.{host}", start),
    ]
    return Directory(units=units, posts=posts)


def agency_unit(host: str) -> str:
    """The unit of the agency resident in `host`."""
    return f"city.jw.agency.{host}"


def person(engine: Any, person_id: str) -> Actor:
    """The actor for `person_id` with the roles the engine's directory gives them."""
    return engine.actor(person_id)  # type: ignore[no-any-return]
