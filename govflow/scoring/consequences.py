"""Consequences (结果运用): penalties by rank and threshold, personal ledgers, rewards, budgets.

Why conditions and actions: 「对每档年终综合考评最后一名且分值未满75分的单位,给予通报批评,诫勉谈话,
党政一把手罚款2000元,班子成员罚款1000元」 is a conjunction of conditions (`RankFromBottom`,
`ScoreBelow`) and a list of actions, each with the role it falls on and an amount; the same
shape covers 「60分以下且后三名…抄送有关部门」 and 「连续两年被评为差…组织处理」. Money is
`Decimal` yuan. A reward's split among a unit's leaders is checked by `check_allocation`,
which refuses an allocation breaking a rule (「党政正职奖金不低于奖金总额的30%」) by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from govflow.errors import AllocationRefused
from govflow.scoring.codec import kind
from govflow.scoring.conditions import Condition, to_conditions
from govflow.scoring.numbers import ZERO, opt_decimal, text, to_decimal, total


@kind("action")
@attrs.frozen
class Action:
    """One thing a consequence does: ``what`` (通报批评, 诫勉谈话, 罚款, 引咎辞职, 抄送干部管理部门),
    on whom (``role``: 党政一把手, 班子成员; empty: the unit), and an ``amount`` in yuan for fines."""

    what: str
    role: str = ""
    amount: Decimal | None = attrs.field(default=None, converter=opt_decimal)


def _actions(value: Iterable[Any]) -> tuple[Action, ...]:
    return tuple(Action(**{k: v for k, v in a.items() if k != "kind"}) if isinstance(a, Mapping) else a for a in value)


@kind("consequence")
@attrs.frozen
class Consequence:
    """When every condition in ``when`` holds, the ``actions`` apply to the subject."""

    key: str
    label: str
    when: tuple[Condition, ...] = attrs.field(converter=to_conditions)
    actions: tuple[Action, ...] = attrs.field(converter=_actions)
    source: str = ""


@kind("ledger")
@attrs.frozen
class Ledger:
    """A personal ledger entry derived from a unit's deduction (记差分): the unit's main leader
    is charged ``share`` × what rule ``rule`` deducted (「主要负责人按所扣分值的60%记差分」)."""

    key: str
    label: str
    rule: str
    share: Decimal = attrs.field(converter=to_decimal)
    source: str = ""


@kind("reward")
@attrs.frozen
class Reward:
    """Money for a quota's holders (奖金): ``amount`` yuan each, for the quota ``title``.

    ``heads_min_share``: the share the unit's 党政正职 must receive at least when the unit
    splits it among its leaders (「其中党政正职奖金不低于奖金总额的30%」), checked by
    `check_allocation`; ``heads_role`` names that role in an allocation.
    """

    key: str
    title: str
    amount: Decimal = attrs.field(converter=to_decimal)
    heads_min_share: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    heads_role: str = "党政正职"
    source: str = ""


@kind("budget")
@attrs.frozen
class Budget:
    """The money a cohort's rewards may pay at most; it must equal what the rewards add up to
    at full quotas (a `DefinitionError` otherwise), so a typo in an amount is caught."""

    total: Decimal = attrs.field(converter=to_decimal)
    source: str = ""


@kind("share")
@attrs.frozen
class Share:
    """One person's part of an allocated reward: who, in which role, how much."""

    person: str
    role: str
    amount: Decimal = attrs.field(converter=to_decimal)


def check_allocation(reward: Reward, amount: Decimal, shares: Iterable[Share]) -> None:
    """Refuse (`AllocationRefused`) a split of `amount` of `reward` that does not add up or that
    gives the heads (``reward.heads_role``) less than ``reward.heads_min_share``."""
    items = tuple(shares)
    problems: list[str] = []
    paid = total(s.amount for s in items)
    if paid != amount:
        problems.append(f"shares add up to {text(paid)}, the reward is {text(amount)}")
    problems += [f"{s.person}: negative share {text(s.amount)}" for s in items if s.amount < 0]
    if problems:
        raise AllocationRefused(f"{reward.key}:adds-up", reward.source, problems)
    if reward.heads_min_share is not None:
        heads = total(s.amount for s in items if s.role == reward.heads_role)
        floor = reward.heads_min_share * amount
        if heads < floor:
            raise AllocationRefused(
                f"{reward.key}:heads-min-share",
                reward.source,
                [
                    f"{reward.heads_role} receive {text(heads)} of {text(amount)}, below "
                    f"{text(reward.heads_min_share * 100)}% ({text(floor)})"
                ],
            )


def budget_total(rewards: Iterable[Reward], counts: Mapping[str, int]) -> Decimal:
    """What `rewards` pay when every quota (title → count) is filled."""
    return total(r.amount * counts.get(r.title, 0) for r in rewards) if rewards else ZERO
