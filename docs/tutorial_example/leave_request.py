"""请假审批 (leave request): the small workflow the govflow tutorial builds.

The rules are made up for the tutorial, but worded the way regulations word them:

- 请假一律不得超过 15 天 (leave is never longer than 15 days): a hard rule.
- 请假事由不得为空 (a leave request must give a reason): a hard rule.
- 原则上提前 3 天提出申请 (in principle, ask 3 days ahead): a soft rule; a later request
  goes ahead only with a justification, which the audit trail keeps.
- 审批人不得审批本人的请假 (nobody approves their own leave): a hard rule on approval.
"""

# --8<-- [start:schema]
from __future__ import annotations

from datetime import date

import attrs

from govflow import ANY_SOURCE, EffectContext, GuardContext, State, Transition, Workflow, effect, guard
from govflow.clock import SHANGHAI

MAX_DAYS = 15
"""请假一律不得超过 15 天: the longest leave, inclusive."""

NOTICE_DAYS = 3
"""原则上提前 3 天: calendar days between the request and the first day of leave, inclusive."""


@attrs.frozen
class LeaveRequest:
    """The instance data (业务数据) of a leave request."""

    applicant: str
    kind: str  # 年休假 (annual leave), 事假 (personal leave), 病假 (sick leave)
    start: date
    days: int
    reason: str = ""
    approved_by: str | None = None


@attrs.frozen
class ReturnNote:
    """The payload of 退回 (return for changes): recorded in the audit trail, not in the data."""

    reason: str


# --8<-- [end:schema]


# --8<-- [start:rules]
@guard("leave.at_most_15_days", f"请假一律不得超过 {MAX_DAYS} 天 (leave is at most {MAX_DAYS} days)")
def at_most_15_days(ctx: GuardContext) -> bool | str:
    """Hard rule: 1 to 15 days."""
    request: LeaveRequest = ctx.model  # the proposed data, as the schema class
    if request.days < 1:
        return f"请假天数至少 1 天 (at least 1 day, not {request.days})"
    return request.days <= MAX_DAYS


@guard("leave.reason_given", "请假事由不得为空 (give a reason for the leave)")
def reason_given(ctx: GuardContext) -> bool:
    """Hard rule: the reason is not blank."""
    return bool(ctx.model.reason.strip())


@guard("leave.notice", f"原则上提前 {NOTICE_DAYS} 天提出申请 (ask {NOTICE_DAYS} days ahead)")
def notice(ctx: GuardContext) -> bool:
    """Soft rule: the leave starts at least 3 days after today (北京时间)."""
    request: LeaveRequest = ctx.model
    today = ctx.now.astimezone(SHANGHAI).date()
    return (request.start - today).days >= NOTICE_DAYS


@guard("leave.not_own_request", "审批人不得审批本人的请假 (nobody approves their own leave)")
def not_own_request(ctx: GuardContext) -> bool:
    """Hard rule: the approver did not start the request."""
    return ctx.instance is not None and ctx.actor.id != ctx.instance.created_by


@effect("leave.record_approver", "write the approver into the data")
def record_approver(ctx: EffectContext) -> None:
    """Effect of approve: remember who approved."""
    ctx.data["approved_by"] = ctx.actor.id


# --8<-- [end:rules]


# --8<-- [start:workflow]
LEAVE_REQUEST = Workflow(
    name="leave_request",
    version=1,
    title="请假审批",
    description="A member of staff asks for leave; the head of the office approves or returns it.",
    schema=LeaveRequest,
    index=("applicant", "kind"),
    start_roles={"staff"},
    states=[
        State("draft", "起草", initial=True),
        State("submitted", "待审批"),
        State("approved", "已批准", final=True),
        State("withdrawn", "已撤回", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            label="提交",
            source="draft",
            dest="submitted",
            roles={"staff"},
            guards=[at_most_15_days, reason_given],
            soft_guards=[notice],
        ),
        Transition(
            "approve",
            label="批准",
            source="submitted",
            dest="approved",
            roles={"leader"},
            guards=[not_own_request],
            effects=[record_approver],
        ),
        Transition(
            "return",
            label="退回",
            source="submitted",
            dest="draft",
            roles={"leader"},
            payload_schema=ReturnNote,
        ),
        Transition("withdraw", label="撤回", source=ANY_SOURCE, dest="withdrawn", roles={"staff"}),
    ],
)

WORKFLOWS = [LEAVE_REQUEST]
"""What `govflow --workflows docs/tutorial_example/leave_request.py` registers."""
# --8<-- [end:workflow]
