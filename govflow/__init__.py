"""govflow: administrative processes as declarative state machines (政务流程引擎).

Definitions are immutable data (`Workflow`, `State`, `Transition`); instances are records in a
storage adapter; the `Engine` moves them, checking roles and rules on every fire and writing a
hash-chained audit trail in the same transaction.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from govflow import errors
from govflow.actor import SYSTEM, Actor
from govflow.audit import AuditEvent
from govflow.checks import check
from govflow.deadlines import (
    BeforeField,
    ByDate,
    Days,
    Deadline,
    Escalate,
    FireEvent,
    FromField,
    MarkOverdue,
    Months,
    Recurring,
    Weeks,
    WorkingDays,
    lead_time,
)
from govflow.definition import ANY_SOURCE, State, Transition, Workflow
from govflow.effects import Effect, EffectContext, effect
from govflow.engine import Due, Engine, Inbox, InboxItem, TickOutcome
from govflow.guards import Guard, GuardContext, guard
from govflow.instance import Instance

__all__ = [
    "ANY_SOURCE",
    "SYSTEM",
    "Actor",
    "AuditEvent",
    "BeforeField",
    "ByDate",
    "Days",
    "Deadline",
    "Due",
    "Effect",
    "EffectContext",
    "Engine",
    "Escalate",
    "FireEvent",
    "FromField",
    "Guard",
    "GuardContext",
    "Inbox",
    "InboxItem",
    "Instance",
    "MarkOverdue",
    "Months",
    "Recurring",
    "State",
    "TickOutcome",
    "Transition",
    "Weeks",
    "Workflow",
    "WorkingDays",
    "__version__",
    "check",
    "effect",
    "errors",
    "guard",
    "lead_time",
]

try:
    __version__ = _version("govflow")
    """The installed distribution's version (from the package metadata, so it cannot drift)."""
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"
