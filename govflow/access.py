"""Who may act (权限): role requirements and separation-of-duty rules, checked on every fire.

A transition's `roles` may mix plain role names with requirement objects:

* a plain role, e.g. ``"clerk"`` — the actor holds it (``"*"``: any actor);
* `Scoped` — the role held in the instance's unit, or in one of its ancestors (上级);
* `Relative` — the people a named resolver finds from the instance's data and the organisation
  directory ("the city leader in charge of the applicant's line"). A resolver that finds nobody
  is an `UnresolvedRole` error, never an approval nobody can give or anybody can.

Any one requirement in `roles` admits the actor. `separation` rules (`NotInitiator`,
`NotActorOf`, `NotSubject`, `OwnUnitOnly`, `NotOwnUnit`, `Custom`) must all hold. When the
directory lets someone act as AB岗 backup or by delegation (委托), the grant says for whom, the
separation rules hold for both people, and the audit event records both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from govflow.actor import Actor
from govflow.errors import PermissionDenied, UnresolvedRole
from govflow.registry import Registry

if TYPE_CHECKING:
    from govflow.audit import AuditEvent
    from govflow.directory import Directory
    from govflow.engine import Engine
    from govflow.instance import Instance


@attrs.frozen
class Holding:
    """A role someone may exercise, where, and how: their own, as backup, or by delegation."""

    role: str
    unit: str | None
    via: str = "own"
    for_person: str | None = None
    portfolio: frozenset[str] = frozenset()


@attrs.frozen
class Grant:
    """Why an actor was let through: the roles used and, if acting for someone, for whom."""

    roles: tuple[str, ...]
    on_behalf_of: str | None = None
    via: str = "own"


@attrs.define
class AccessContext:
    """What requirements and separation rules look at. History is read only if a rule asks."""

    actor: Actor
    event: str
    instance: Instance | None
    data: Mapping[str, Any]
    now: datetime
    engine: Engine
    _history: list[AuditEvent] | None = None
    _holdings: list[Holding] | None = None

    @property
    def on(self) -> date:
        """Today in the engine calendar's time zone (tenures and delegations are by day)."""
        return self.engine.calendar.local_date(self.now)

    @property
    def directory(self) -> Directory | None:
        """The engine's organisation directory, if it has one."""
        return self.engine.directory

    @property
    def unit(self) -> str | None:
        """The unit the instance belongs to (or, at start, the actor's)."""
        return self.instance.unit if self.instance is not None else self.actor.unit

    def history(self) -> list[AuditEvent]:
        """The instance's audit events so far (empty at start)."""
        if self._history is None:
            self._history = [] if self.instance is None else self.engine.storage.history(self.instance.id)
        return self._history

    def holdings(self) -> list[Holding]:
        """Every role the actor may exercise today: from the `Actor` itself, and from the
        directory's posts (own, AB岗 backup, delegation) when it knows the person."""
        if self._holdings is None:
            found = [Holding(role, self.actor.unit) for role in sorted(self.actor.roles)]
            directory = self.directory
            if directory is not None and directory.knows(self.actor.id):
                found.extend(
                    Holding(a.post.position, a.post.unit, a.via, a.for_person, a.post.portfolio)
                    for a in directory.acting(self.actor.id, self.on)
                )
            self._holdings = found
        return self._holdings

    def ancestors(self, unit: str) -> list[str]:
        """`unit` and the units above it (directory tree, else the engine's `parent_unit`)."""
        if self.directory is not None and self.directory.has_unit(unit):
            return self.directory.ancestors(unit)
        chain = [unit]
        parent = self.engine.parent_unit(unit)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.engine.parent_unit(parent)
        return chain


class Requirement(ABC):
    """One way to be allowed to fire a transition. Subclasses say who, and why not."""

    @abstractmethod
    def describe(self) -> str:
        """What is required, for people (used in `PermissionDenied` and diagrams)."""

    @abstractmethod
    def grant(self, ctx: AccessContext) -> Grant | None:
        """A grant if the actor meets this requirement now, else None."""

    def role_names(self) -> frozenset[str]:
        """Plain role names an actor must hold for this to possibly pass (inbox pre-filter);
        ``"?"`` when it depends on data and cannot be pre-filtered."""
        return frozenset({"?"})


@attrs.frozen
class Role(Requirement):
    """Hold `name` (any unit). What a plain string in `roles` means."""

    name: str

    def describe(self) -> str:
        return "any actor" if self.name == "*" else f"role {self.name!r}"

    def __str__(self) -> str:
        return self.name

    def grant(self, ctx: AccessContext) -> Grant | None:
        if self.name == "*":
            return Grant(("*",))
        for holding in ctx.holdings():
            if holding.role == self.name:
                return Grant((self.name,), holding.for_person, holding.via)
        return None

    def role_names(self) -> frozenset[str]:
        return frozenset({self.name})


@attrs.frozen
class Scoped(Requirement):
    """Hold `role` in the instance's own unit (``scope="unit"``) or in it or any unit above it
    (``scope="ancestors"``, e.g. a district reviewer for a street's case)."""

    role: str
    scope: str = "unit"

    def __attrs_post_init__(self) -> None:
        if self.scope not in ("unit", "ancestors"):
            raise ValueError(f"Scoped scope must be 'unit' or 'ancestors', not {self.scope!r}")

    def describe(self) -> str:
        where = "the case's own unit" if self.scope == "unit" else "the case's unit or a unit above it"
        return f"role {self.role!r} in {where}"

    def __str__(self) -> str:
        return f"{self.role}@{'unit' if self.scope == 'unit' else 'unit+above'}"

    def grant(self, ctx: AccessContext) -> Grant | None:
        unit = ctx.unit
        if unit is None:
            return None
        allowed = {unit} if self.scope == "unit" else set(ctx.ancestors(unit))
        for holding in ctx.holdings():
            if holding.role == self.role and holding.unit in allowed:
                return Grant((self.role,), holding.for_person, holding.via)
        return None

    def role_names(self) -> frozenset[str]:
        return frozenset({self.role})


@attrs.frozen
class ResolveContext:
    """What a relative-role resolver reads: the instance data, its unit, the directory, the day."""

    data: Mapping[str, Any]
    unit: str | None
    directory: Directory | None
    on: date
    instance: Instance | None = None


Resolver = Callable[[ResolveContext], Iterable[str]]

RESOLVERS: Registry[Resolver] = Registry("resolver")
"""Relative-role resolvers by name (`@resolver`)."""


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    """Decorator: register a function that names the people a relative role means today."""

    def register(fn: Resolver) -> Resolver:
        return RESOLVERS.add(name, fn)

    return register


@attrs.frozen
class Relative(Requirement):
    """Be one of the people resolver `name` finds (or act for one as backup or delegate).

    `label` says who that is in the document's words, e.g. "市委联系该区县的领导".
    """

    name: str
    label: str = ""

    def describe(self) -> str:
        return f"{self.label or self.name} (resolved by {self.name!r})"

    def __str__(self) -> str:
        return self.label or self.name

    def people(self, ctx: AccessContext) -> frozenset[str]:
        """Who the resolver names today; `UnresolvedRole` if nobody."""
        fn = RESOLVERS.get(self.name)
        found = frozenset(
            fn(ResolveContext(data=ctx.data, unit=ctx.unit, directory=ctx.directory, on=ctx.on, instance=ctx.instance))
        )
        if not found:
            raise UnresolvedRole(
                self.label or self.name, f"resolver {self.name!r} found nobody for this case on {ctx.on}"
            )
        return found

    def grant(self, ctx: AccessContext) -> Grant | None:
        people = self.people(ctx)
        if ctx.actor.id in people:
            return Grant((f"relative:{self.name}",))
        for holding in ctx.holdings():
            if holding.for_person in people:
                return Grant((f"relative:{self.name}",), holding.for_person, holding.via)
        return None


def as_requirement(entry: str | Requirement) -> Requirement:
    """A `roles` entry as a requirement (a plain string is a `Role`)."""
    return Role(entry) if isinstance(entry, str) else entry


# -- separation of duties ---------------------------------------------------------------------


class Separation(ABC):
    """A separation-of-duty rule (不相容职责分离): who may NOT fire, whatever their roles."""

    name: str = "separation"

    @abstractmethod
    def violation(self, ctx: AccessContext, person: str) -> str | None:
        """Why `person` may not fire here, or None."""


@attrs.frozen
class NotInitiator(Separation):
    """The person who started the case may not do this (e.g. approve their own application)."""

    name: str = "not-initiator"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        if ctx.instance is not None and ctx.instance.created_by == person:
            return f"{person!r} started this case and may not also do this"
        return None


@attrs.frozen
class NotActorOf(Separation):
    """Four eyes (双人复核): nobody who fired any of `events` earlier may do this."""

    events: tuple[str, ...] = attrs.field(converter=tuple)
    name: str = "four-eyes"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        for event in ctx.history():
            if event.event in self.events and person in (event.actor, event.on_behalf_of):
                return f"{person!r} already did {event.event!r} (#{event.seq}) on this case"
        return None


def values_at(data: Any, path: str) -> list[Any]:
    """Every value at a dotted `path` in JSON-like data, stepping into lists on the way:
    ``travellers.person`` gives each traveller's person."""
    found = [data]
    for part in path.split("."):
        step: list[Any] = []
        for item in found:
            for element in item if isinstance(item, list | tuple) else [item]:
                if isinstance(element, Mapping) and part in element:
                    step.append(element[part])
        found = step
    flat: list[Any] = []
    for item in found:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    return flat


@attrs.frozen
class NotSubject(Separation):
    """Nobody named at data path `field` (a person, a list of people, or a dotted path through
    lists such as ``travellers.person``) may do this — a member of a delegation may not approve
    its own trip."""

    field: str
    name: str = "not-subject"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        if person in values_at(ctx.data, self.field):
            return f"{person!r} is named in {self.field!r} of this case and may not act on it"
        return None


def _own_unit(ctx: AccessContext, person: str, field: str | None) -> tuple[bool, str | None]:
    unit = ctx.data.get(field) if field else ctx.unit
    units = {h.unit for h in ctx.holdings() if h.for_person in (None, person)} if person == ctx.actor.id else set()
    if person != ctx.actor.id and ctx.directory is not None:
        units = {p.unit for p in ctx.directory.posts_of(person, ctx.on)}
    return unit in units, unit


@attrs.frozen
class OwnUnitOnly(Separation):
    """Only the case's own unit acts here — the self-assessment step (自评) of the unit assessed."""

    field: str | None = None
    name: str = "own-unit-only"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        own, unit = _own_unit(ctx, person, self.field)
        return None if own else f"only people of {unit!r} act on this step (self-assessment)"


@attrs.frozen
class NotOwnUnit(Separation):
    """The case's own unit may not act here: no assessing oneself outside the self-assessment step."""

    field: str | None = None
    name: str = "not-own-unit"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        own, unit = _own_unit(ctx, person, self.field)
        return f"people of {unit!r} may not assess their own unit on this step" if own else None


SEPARATIONS: Registry[Callable[[AccessContext, str], str | None]] = Registry("separation rule")
"""Custom separation predicates by name (`Custom`)."""


@attrs.frozen
class Custom(Separation):
    """A registered predicate `(ctx, person) -> reason or None`, for rules of one's own."""

    rule: str
    name: str = "custom"

    def violation(self, ctx: AccessContext, person: str) -> str | None:
        return SEPARATIONS.get(self.rule)(ctx, person)


def authorize(
    requirements: Sequence[Requirement],
    separation: Sequence[Separation],
    ctx: AccessContext,
) -> Grant:
    """The grant under which `ctx.actor` may fire, or `PermissionDenied` naming what failed."""
    grant = None
    for requirement in requirements:
        grant = requirement.grant(ctx)
        if grant is not None:
            break
    if grant is None:
        needed = " or ".join(r.describe() for r in requirements)
        held = ", ".join(sorted({h.role for h in ctx.holdings()})) or "no roles"
        kind = "role" if all(isinstance(r, Role) for r in requirements) else "requirement"
        raise PermissionDenied(ctx.actor.id, ctx.event, kind, f"needs {needed}; the actor holds {held}")
    people = [ctx.actor.id] + ([grant.on_behalf_of] if grant.on_behalf_of else [])
    for rule in separation:
        for person in people:
            reason = rule.violation(ctx, person)
            if reason is not None:
                raise PermissionDenied(ctx.actor.id, ctx.event, rule.name, reason)
    return grant
