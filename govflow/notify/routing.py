"""Routing rules (通知规则): which feed events become notifications, for whom, in which words.

A `Rule` matches feed events by kind (and optionally workflow), names its recipients with a
function of the event (`todo_holders`, `escalation_heads`, `submitter`, `copied`, `urged`, or
the service's own), the channels to use, and a `Template` whose subject and body are formatted
with the event's facts. `default_rules` are the usual ones, worded as Chinese offices write
them: 【待办】 for the people who now have the case to handle, 【督办】 for the head of the unit a
late case was escalated to, 【提醒】 before a deadline, 【办结】 to the submitter when the case is
decided, 【抄送】 and 【催办】 for copied and urged people (those operations' feed kinds, ``copy``
and ``urge``, arrive with the approval operations).

Recipients are person ids from the organisation directory; without a directory only rules that
read people from the event itself (`submitter`, `copied`, `urged`) find anyone.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from govflow import feed
from govflow.clock import SHANGHAI
from govflow.errors import GovflowError
from govflow.feed import FeedEvent

if TYPE_CHECKING:
    from govflow.engine import Engine

Recipients = Callable[[FeedEvent, "Engine"], Iterable[str]]
"""A rule's recipients: person ids for an event (the engine gives access to the instance,
its workflow and the directory)."""

MAX_CANDIDATES = 200
"""How many role-holders `todo_holders` checks at most for one event."""


class _Lenient(string.Formatter):
    """str.format that leaves an unknown field empty instead of raising (templates are data)."""

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str):
            return kwargs.get(key, "")
        return super().get_value(key, args, kwargs)


_FORMATTER = _Lenient()


@attrs.frozen
class Template:
    """Subject and body with ``{field}`` placeholders: ``title`` (the workflow's title),
    ``instance``, ``state`` and ``source_state`` (labels), ``event`` (its label), ``actor``,
    ``unit``, ``at`` (local time), ``deadline``, ``due``, ``to_unit``, ``recipient``, ``step`` (what just happened, as a
    clause: 已由 X 发起, 已由 X 办理“受理”, 期限届满，已自动“撤回”). An unknown
    field renders empty."""

    subject: str
    body: str

    def render(self, fields: Mapping[str, Any]) -> tuple[str, str]:
        """(subject, body) for these fields."""
        return _FORMATTER.format(self.subject, **fields), _FORMATTER.format(self.body, **fields)


def _names(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Rule:
    """Feed events of `kinds` (in `workflows`, if given) → `recipients` over `channels`."""

    name: str
    kinds: tuple[str, ...] = attrs.field(converter=_names)
    recipients: Recipients
    template: Template
    channels: tuple[str, ...] = attrs.field(converter=_names)
    workflows: tuple[str, ...] | None = attrs.field(default=None, converter=_names)

    def matches(self, event: FeedEvent) -> bool:
        """Whether this rule is about `event`."""
        return event.kind in self.kinds and (self.workflows is None or event.workflow in self.workflows)


def _today(engine: Engine) -> date:
    return engine.calendar.local_date(engine.now())


def todo_holders(event: FeedEvent, engine: Engine) -> list[str]:
    """The people who now have the case to handle (待办): those holding a post whose position is
    a role of an event out of the state the case entered, for whom `Engine.available` lists
    something. None if the case has moved on since (the step is no longer waiting) or ended."""
    directory = engine.directory
    if directory is None or (event.source == event.dest and event.kind != feed.START):
        return []
    instance = engine.get(event.instance_id)
    workflow = engine.workflow(instance.workflow, instance.workflow_version)
    if instance.state != event.dest or instance.state in workflow.final_states:
        return []
    roles = {r for t in workflow.transitions if event.dest in t.source for r in t.roles if isinstance(r, str)}
    roles.discard("system")
    on = _today(engine)
    people = sorted({p.person for p in directory.find_posts(on) if p.position in roles})[:MAX_CANDIDATES]
    found = []
    for person in people:
        try:
            if engine.available(instance.id, engine.actor(person)):
                found.append(person)
        except GovflowError:
            continue
    return found


def todo_roles(event: FeedEvent, engine: Engine) -> list[str]:
    """Where there is no directory: the roles that can act in the state the case entered, as
    ``role:NAME`` recipients (a shared 岗位 mailbox per role, resolved by the contacts)."""
    if event.source == event.dest and event.kind != feed.START:
        return []
    instance = engine.get(event.instance_id)
    workflow = engine.workflow(instance.workflow, instance.workflow_version)
    if instance.state != event.dest or instance.state in workflow.final_states:
        return []
    roles = {r for t in workflow.transitions if event.dest in t.source for r in t.roles if isinstance(r, str)}
    return [f"role:{r}" for r in sorted(roles - {"system", "*"})]


def escalation_heads(event: FeedEvent, engine: Engine, *, head: str = "principal") -> list[str]:
    """Whoever holds the escalation's role (or `head`, the unit's 主要负责人) in the unit it went to."""
    detail = event.summary.get("detail", {})
    unit = detail.get("to_unit") or event.unit
    role = detail.get("to_role") or head
    if engine.directory is None or not unit:
        return []
    try:
        return engine.directory.holders(role, unit, _today(engine))
    except GovflowError:
        return []


def submitter(event: FeedEvent, engine: Engine) -> list[str]:
    """The person who started the case, when it has reached a final state (a decision, 办结)."""
    instance = engine.get(event.instance_id)
    workflow = engine.workflow(instance.workflow, instance.workflow_version)
    if event.dest not in workflow.final_states or event.source == event.dest:
        return []
    return [instance.created_by] if instance.created_by != "system" else []


def _people(event: FeedEvent, key: str) -> list[str]:
    for part in ("detail", "payload"):
        value = event.summary.get(part, {}).get(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
    return []


def copied(event: FeedEvent, engine: Engine) -> list[str]:
    """The people a 抄送 names (the event's ``to``)."""
    return _people(event, "to")


def urged(event: FeedEvent, engine: Engine) -> list[str]:
    """The person a 催办 is addressed to (the event's ``to``)."""
    return _people(event, "to")


TODO = Template(
    subject="【待办】{title}：{state}",
    body="{recipient}：您好！\n{title}（编号 {instance}）{step}，现处于“{state}”环节，请您及时办理。\n时间：{at}",
)
ESCALATED = Template(
    subject="【督办】{title}逾期未办结，已提级",
    body="{recipient}：您好！\n{title}（编号 {instance}）的期限“{deadline}”已于 {due} 届满仍未办结，"
    "现提交 {to_unit} 督办，请督促办理。\n时间：{at}",
)
REMINDED = Template(
    subject="【提醒】{title}即将到期",
    body="{recipient}：您好！\n{title}（编号 {instance}）的期限“{deadline}”将于 {due} 届满，"
    "目前处于“{state}”环节，请抓紧办理。",
)
DECIDED = Template(
    subject="【办结】{title}：{state}",
    body="{recipient}：您好！\n您提交的{title}（编号 {instance}）已于 {at} 办结，结果：{state}。",
)
COPIED = Template(
    subject="【抄送】{title}",
    body="{recipient}：您好！\n{actor} 将{title}（编号 {instance}）抄送给您，请阅知。",
)
URGED = Template(
    subject="【催办】{title}",
    body="{recipient}：您好！\n{actor} 催办{title}（编号 {instance}），现处于“{state}”环节，请尽快办理。",
)


def default_rules(channels: Iterable[str] | str = ("email",)) -> list[Rule]:
    """The usual rules over `channels`: 待办, 督办, 提醒, 办结, 抄送, 催办."""
    use = _names(channels) or ()
    return [
        Rule("todo", (feed.START, feed.FIRE, feed.TIMER_FIRED), todo_holders, TODO, use),
        Rule("escalation", feed.ESCALATION, escalation_heads, ESCALATED, use),
        Rule("reminder", feed.REMINDER, lambda e, eng: todo_holders(_as_entered(e), eng), REMINDED, use),
        Rule("decision", (feed.FIRE, feed.TIMER_FIRED), submitter, DECIDED, use),
        Rule("copy", "copy", copied, COPIED, use),
        Rule("urge", "urge", urged, URGED, use),
    ]


def _as_entered(event: FeedEvent) -> FeedEvent:
    """A reminder leaves the state as it is: ask who holds the state it is in."""
    return attrs.evolve(event, kind=feed.START)


def fields(event: FeedEvent, engine: Engine, recipient: str) -> dict[str, Any]:
    """The facts a template may use, in the words people read."""
    detail = event.summary.get("detail", {})
    try:
        workflow = engine.workflow(event.workflow, event.workflow_version)
        title = workflow.title or workflow.name
        states = {s.name: s.label or s.name for s in workflow.states}
        labels = {t.event: t.label or t.event for t in workflow.transitions}
    except GovflowError:
        title, states, labels = event.workflow, {}, {}
    local = event.at.astimezone(getattr(engine.calendar, "tz", SHANGHAI))
    to_unit = detail.get("to_unit") or ""
    if to_unit and engine.directory is not None and engine.directory.has_unit(to_unit):
        to_unit = engine.directory.unit(to_unit).name or to_unit
    return {
        "title": title,
        "instance": event.instance_id,
        "state": states.get(event.dest, event.dest),
        "source_state": states.get(event.source or "", event.source or ""),
        "event": "发起" if event.kind == feed.START else labels.get(event.event, event.event),
        "actor": "系统" if event.actor == "system" else event.actor,
        "unit": event.unit or "",
        "at": local.strftime("%Y-%m-%d %H:%M"),
        "deadline": detail.get("label") or detail.get("deadline", ""),
        "due": detail.get("due", ""),
        "to_unit": to_unit,
        "recipient": recipient,
        "step": _step(event, labels.get(event.event, event.event)),
    }


def _step(event: FeedEvent, label: str) -> str:
    """What just happened, as a clause: 已由 X 发起 / 已由 X 办理“受理” / 期限届满，已自动“撤回”."""
    if event.kind == feed.START:
        return f"已由 {event.actor} 发起"
    if event.kind == feed.TIMER_FIRED:
        return f"期限届满，已自动“{label}”"
    return f"已由 {event.actor} 办理“{label}”"
