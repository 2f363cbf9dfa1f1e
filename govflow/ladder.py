"""Multi-level escalation (逐级上报) with a limit per level.

A case that one level cannot solve is handed up to the next — grid → community → street →
district in a grid-management system (seed 002 L73 「逐级予以上报」) — and each level has its own
time to act before it is late. A `Ladder` describes the levels once, as data, and builds the
states (one per level, each with its level's limit as a deadline) and the ``escalate``
transitions between neighbours, so a workflow does not spell out N copies by hand:

```python
from govflow import Days, WorkingDays
from govflow.ladder import Ladder, Level

ladder = Ladder(
    "at",
    levels=[
        Level("grid", "网格", "grid_head", Days(1)),
        Level("community", "社区", "community", WorkingDays(5)),
        Level("street", "街道", "street", WorkingDays(5)),
    ],
)
assert [s.name for s in ladder.states()] == ["at_grid", "at_community", "at_street"]
assert [(t.source, t.dest) for t in ladder.transitions()] == [
    (("at_grid",), "at_community"),
    (("at_community",), "at_street"),
]
```

When a level's limit passes the case is marked overdue (``on_expiry="overdue"``, the default:
lateness is recorded, the level keeps the case) or handed up by the system
(``on_expiry="escalate"``; the top level can only be marked overdue). Either way every
escalation is a transition on the audit trail, fired by the level's own role (or ``system``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

from govflow import access as ac
from govflow import deadlines as dl
from govflow.definition import State, Transition
from govflow.effects import Effect
from govflow.errors import DefinitionError
from govflow.guards import Guard


@attrs.frozen
class Level:
    """One rung: its name, Chinese label, who works cases there (a role name or a requirement
    such as ``Scoped("street", "ancestors")``), and its limit."""

    name: str
    label: str
    role: str | ac.Requirement
    limit: dl.WorkingDays | dl.Days | dl.Months
    source: str = ""
    """Where the level or its limit comes from (seed file and line, or "choice")."""


def _levels(value: Iterable[Level]) -> tuple[Level, ...]:
    return tuple(value)


@attrs.frozen
class Ladder:
    """Levels lowest first; states are named ``{prefix}_{level.name}``."""

    prefix: str
    levels: tuple[Level, ...] = attrs.field(converter=_levels)
    event: str = "escalate"
    label: str = "上报"
    on_expiry: Literal["overdue", "escalate"] = "overdue"

    def __attrs_post_init__(self) -> None:
        problems = []
        if len(self.levels) < 2:
            problems.append("a ladder needs at least two levels")
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            problems.append(f"level names repeat: {names}")
        if self.on_expiry not in ("overdue", "escalate"):
            problems.append(f"on_expiry must be 'overdue' or 'escalate', not {self.on_expiry!r}")
        if problems:
            raise DefinitionError(self.prefix or "Ladder", problems, kind="ladder")

    def state_name(self, level: Level | str) -> str:
        """The state a case is in while `level` works it."""
        name = level.name if isinstance(level, Level) else level
        return f"{self.prefix}_{name}"

    @property
    def state_names(self) -> tuple[str, ...]:
        """Every level's state, lowest first."""
        return tuple(self.state_name(lv) for lv in self.levels)

    def level(self, name: str) -> Level:
        """The level called `name`, or `KeyError`."""
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise KeyError(name)

    def level_of(self, state: str) -> Level | None:
        """The level whose state is `state`, if any."""
        for lv in self.levels:
            if self.state_name(lv) == state:
                return lv
        return None

    def above(self, level: Level | str) -> Level | None:
        """The next level up, or None at the top."""
        name = level.name if isinstance(level, Level) else level
        names = [lv.name for lv in self.levels]
        index = names.index(name)
        return self.levels[index + 1] if index + 1 < len(self.levels) else None

    def deadline(self, level: Level) -> dl.Deadline:
        """The level's limit, armed when the case reaches it."""
        top = self.above(level) is None
        action: dl.Action = dl.FireEvent(self.event) if self.on_expiry == "escalate" and not top else dl.OVERDUE
        return dl.Deadline(
            f"{level.name}_limit",
            level.limit,
            action=action,
            label=f"{level.label}办理时限",
            source=level.source,
        )

    def states(self, *, label: str = "{label}办理中") -> list[State]:
        """One state per level, each with its limit; `label` formats the level's Chinese label."""
        return [
            State(self.state_name(lv), label.format(label=lv.label), deadlines=[self.deadline(lv)])
            for lv in self.levels
        ]

    def transitions(
        self,
        *,
        guards: Sequence[Guard] = (),
        effects: Sequence[Effect] = (),
        payload_schema: type | None = None,
    ) -> list[Transition]:
        """``escalate`` from each level to the next, fired by the lower level's role (and by
        ``system`` when the ladder escalates on expiry — then `payload_schema` and `guards`
        must accept the system's empty payload)."""
        found = []
        for lower, upper in zip(self.levels, self.levels[1:], strict=False):
            roles: set[str | ac.Requirement] = {lower.role}
            if self.on_expiry == "escalate":
                roles.add("system")
            found.append(
                Transition(
                    self.event,
                    source=self.state_name(lower),
                    dest=self.state_name(upper),
                    roles=roles,
                    guards=guards,
                    effects=effects,
                    payload_schema=payload_schema,
                    label=f"{self.label}{upper.label}",
                )
            )
        return found
