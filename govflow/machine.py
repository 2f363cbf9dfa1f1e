"""Compilation (编译): one workflow version → one shared `transitions.Machine`.

pytransitions binds state to model objects, and `add_model` costs time and memory per model.
govflow instead compiles each (name, version) once, with `model=None`, and drives instances
through it on a throw-away subject that lives only for one step. govflow has already chosen the
transition (roles, guards, payload); a condition on each compiled transition lets only that
choice through, and the machine runs the effects as its callbacks, in its order.

A transition with no effects has nothing for the machine to run: its destination is read from
the lookup table compiled from the same machine (checked against the machine's own tables when
compiling), which keeps a plain fire at a fraction of the cost of a `trigger` call.

A workflow with compound states (复合状态) compiles to transitions' `HierarchicalMachine`
(separator "."), which resolves a compound source for every sub-state and enters a compound
destination at its initial sub-state. It costs about six times a flat trigger, so flat workflows
keep the flat machine. A history transition (复工) is compiled once per sub-state it may resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import EventData, Machine
from transitions.extensions.nesting import HierarchicalMachine, NestedState

from govflow import deadlines as dl
from govflow.access import Grant, Requirement, Role, as_requirement
from govflow.actor import SYSTEM_ROLE
from govflow.children import Spawn
from govflow.definition import SEPARATOR, State, Transition, Workflow
from govflow.effects import EffectContext
from govflow.escalation import Escalated
from govflow.timer import Timer


class _Subject:
    """The model the shared machine moves for one step: just a `state` attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class _Chosen:
    """Condition letting a compiled transition run only when the engine chose it (and, for a
    history transition, the sub-state it resumes)."""

    __slots__ = ("dest", "transition")

    def __init__(self, transition: Transition, dest: str | None = None) -> None:
        self.transition = transition
        self.dest = dest

    def __call__(self, event_data: EventData) -> bool:
        kwargs = event_data.kwargs
        return kwargs["chosen"] is self.transition and (self.dest is None or kwargs["dest"] == self.dest)


class _DottedState(NestedState):
    separator = SEPARATOR


class _Hierarchical(HierarchicalMachine):
    """transitions' hierarchical machine with govflow's path separator (its default is "_",
    which state names may contain)."""

    state_cls = _DottedState


def _tree(states: tuple[State, ...]) -> list[Any]:
    """States as transitions' nested-state configuration."""
    return [
        {"name": s.name, "children": _tree(s.states), "initial": next(c.name for c in s.states if c.initial)}
        if s.states
        else s.name
        for s in states
    ]


def ancestry(path: str) -> tuple[str, ...]:
    """A state path and the compound states around it, outermost first: a.b.c → a, a.b, a.b.c."""
    parts = path.split(SEPARATOR)
    return tuple(SEPARATOR.join(parts[: n + 1]) for n in range(len(parts)))


def moves(source: str, dest: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(states left, innermost first; states entered, outermost first) going from leaf `source`
    to leaf `dest`. A compound state around both is neither left nor entered; a self-transition
    leaves and enters nothing."""
    if source == dest:
        return (), ()
    left, entered = ancestry(source), ancestry(dest)
    shared = 0
    while shared < min(len(left), len(entered)) and left[shared] == entered[shared]:
        shared += 1
    return tuple(reversed(left[shared:])), entered[shared:]


def _run_effects(event_data: EventData) -> None:
    chosen: Transition = event_data.kwargs["chosen"]
    context: EffectContext = event_data.kwargs["context"]
    for effect in chosen.effects:
        effect.run(context)


class CompiledWorkflow:
    """A workflow version with its shared machine and the lookup tables the engine uses."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.hierarchical = workflow.compound
        machine_cls = _Hierarchical if self.hierarchical else Machine
        self.machine = machine_cls(
            model=None,
            states=_tree(workflow.states),
            initial=workflow.initial.name,
            auto_transitions=False,
            send_event=True,
            name=f"{workflow.name}@v{workflow.version}",
        )
        self.events = frozenset(workflow.events)
        self.initial = workflow.entry(workflow.initial.name)
        """The leaf a new instance starts in."""
        self.dest: dict[int, str] = {id(t): workflow.entry(t.dest) for t in workflow.transitions}
        """Per transition: the leaf it lands in (a history transition: when there is no history)."""
        candidates: dict[tuple[str, str], list[Transition]] = {}
        for t in workflow.transitions:
            sources = workflow.sources(t)
            for source in sources:
                candidates.setdefault((source, t.event), []).append(t)
            self._compile(t, sources)
        self.candidates: dict[tuple[str, str], tuple[Transition, ...]] = {
            # Declared on an inner state before declared on an outer one, as the hierarchical machine tries them.
            (source, event): tuple(sorted(ts, key=lambda t, s=source: -workflow.depth(t, s)))  # type: ignore[misc]
            for (source, event), ts in candidates.items()
        }
        if not self.hierarchical:
            for (source, event), ts in self.candidates.items():
                compiled = [tr.dest for tr in self.machine.events[event].transitions[source]]
                if compiled != [t.dest for t in ts]:  # pragma: no cover - a bug in this module, not in a definition
                    raise RuntimeError(f"compiled machine disagrees on {event!r} from {source!r}: {compiled}")
        self.events_from: dict[str, tuple[str, ...]] = {state.name: () for state in workflow.leaves}
        for source, event in self.candidates:
            self.events_from[source] = (*self.events_from[source], event)
        escalated = _escalation_power(workflow)
        self.requirements: dict[int, tuple[Requirement, ...]] = {
            id(t): tuple(as_requirement(r) for r in sorted(t.roles, key=str))
            + ((escalated,) if escalated is not None and t.roles != {SYSTEM_ROLE} else ())
            for t in workflow.transitions
        }
        self.plain: dict[int, bool] = {
            id(t): not t.separation and all(isinstance(r, Role) for r in self.requirements[id(t)])
            for t in workflow.transitions
        }
        """Per transition: only plain roles, no separation rules — the fast path when no
        organisation directory is configured."""
        self.states_by_role: dict[str, frozenset[str]] = {}
        for (source, _event), ts in self.candidates.items():
            for t in ts:
                for requirement in self.requirements[id(t)]:
                    for role in requirement.role_names():
                        self.states_by_role[role] = self.states_by_role.get(role, frozenset()) | {source}

        self.state_deadlines: dict[str, dict[str, dl.Deadline | dl.Recurring]] = {
            state.name: {d.name: d for d in state.all_deadlines()} for state in workflow.nodes
        }
        self.obligations: dict[str, dl.Deadline] = {ob.name: ob for t in workflow.transitions for ob in t.opens}
        self.milestones = {m.name: m for m in workflow.milestones}
        self.milestone_deadlines = {m.name: m.deadline() for m in workflow.milestones}
        self._grants: dict[tuple[int, frozenset[str]], Grant] = {}
        self.chains_at = {chain.state: chain for chain in workflow.chains}
        self.spawns = any(t.spawn for t in workflow.transitions)
        self.reports: dict[str, Spawn] = {}
        """By child workflow: the (first) spawn whose children report up — looked up when a child ends."""
        for sp in (sp for t in workflow.transitions for sp in t.spawn if sp.report):
            self.reports.setdefault(sp.workflow, sp)
        """Whether instances of this version can have children (if not, no child lookups)."""
        self.windows = {state.name: state.window for state in workflow.nodes if state.window is not None}
        """Planned windows by state path (a compound state's is its phase's)."""
        self.timed = (
            bool(self.obligations) or bool(self.milestones) or any(state.all_deadlines() for state in workflow.nodes)
        )
        """Whether instances of this version can have timers (if not, fires skip timer I/O)."""

    def plain_grant(self, transition: Transition, roles: frozenset[str]) -> Grant:
        """The grant of a plain-roles transition to an actor holding `roles` (cached: the same
        few role sets recur on every fire)."""
        key = (id(transition), roles)
        grant = self._grants.get(key)
        if grant is None:
            used = roles & transition.roles
            grant = Grant(tuple(sorted(used)) if used else ("*",))
            if len(self._grants) < 4096:
                self._grants[key] = grant
        return grant

    def spec_for(self, timer: Timer) -> dl.Deadline | dl.Recurring | None:
        """The deadline, recurring duty or obligation a stored timer was armed for."""
        if timer.state is None:
            return self.obligations.get(timer.name) or self.milestone_deadlines.get(timer.name)
        return self.state_deadlines.get(timer.state, {}).get(timer.name)

    def _compile(self, t: Transition, sources: tuple[str, ...]) -> None:
        """Add `t` to the machine: from its declared sources in a hierarchical machine (which
        resolves them for every sub-state), from each concrete source in a flat one."""
        declared = t.source if self.hierarchical and "*" not in t.source else sources
        dests = self.workflow.inside(t.dest) if t.history else (t.dest,)
        for dest in dests:
            chosen = _Chosen(t, dest if t.history else None)
            for source in declared:
                self.machine.add_transition(t.event, source, dest, conditions=[chosen], after=[_run_effects])

    def landing(self, transition: Transition, marks: Mapping[str, Any]) -> str:
        """The leaf `transition` lands in: its destination's entry, or for a history
        transition the sub-state the case last left the compound destination from."""
        if transition.history:
            resumed = marks.get("history", {}).get(transition.dest)
            if isinstance(resumed, str) and resumed in self.events_from:
                return resumed
        return self.dest[id(transition)]

    def step(self, state: str, transition: Transition, context: EffectContext, dest: str) -> str:
        """Run `transition` from `state` to leaf `dest` through the shared machine; return the new state."""
        subject = _Subject(state)
        kwargs = {"chosen": transition, "context": context, "dest": dest}
        if self.hierarchical:
            moved = self.machine.trigger_event(subject, transition.event, **kwargs)
        else:
            moved = self.machine.events[transition.event].trigger(subject, **kwargs)
        if not moved or subject.state != dest:  # unreachable if the tables agree with the machine
            raise RuntimeError(f"machine took {transition.event!r} from {state!r} to {subject.state!r}, not {dest!r}")
        return dest

    def states_for(self, roles: frozenset[str]) -> frozenset[str]:
        """States in which an actor holding `roles` may have something to do (including states
        whose requirements depend on the case, marked ``"?"``)."""
        found = self.states_by_role.get("*", frozenset()) | self.states_by_role.get("?", frozenset())
        for role in roles:
            found = found | self.states_by_role.get(role, frozenset())
        return found


def _escalation_power(workflow: Workflow) -> Escalated | None:
    """The requirement that lets the roles this workflow's deadlines escalate to act on an
    escalated case (None when no deadline names a role)."""
    specs = [d for state in workflow.nodes for d in state.all_deadlines()]
    specs += [ob for t in workflow.transitions for ob in t.opens]
    roles = frozenset(
        spec.action.to_role for spec in specs if isinstance(spec.action, dl.Escalate) and spec.action.to_role
    )
    return Escalated(roles) if roles else None
