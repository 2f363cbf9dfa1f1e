"""govflow: administrative processes as declarative state machines (政务流程引擎).

Definitions are immutable data (`Workflow`, `State`, `Transition`); instances are records in a
storage adapter; the `Engine` moves them, checking roles and rules on every fire and writing a
hash-chained audit trail in the same transaction.
"""

from govflow import errors
from govflow.actor import SYSTEM, Actor
from govflow.audit import AuditEvent
from govflow.definition import ANY_SOURCE, State, Transition, Workflow
from govflow.effects import Effect, EffectContext, effect
from govflow.engine import Engine, InboxItem
from govflow.guards import Guard, GuardContext, guard
from govflow.instance import Instance

__all__ = [
    "ANY_SOURCE",
    "SYSTEM",
    "Actor",
    "AuditEvent",
    "Effect",
    "EffectContext",
    "Engine",
    "Guard",
    "GuardContext",
    "InboxItem",
    "Instance",
    "State",
    "Transition",
    "Workflow",
    "effect",
    "errors",
    "guard",
]
