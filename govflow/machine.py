"""Compilation (编译): one workflow version → one shared `transitions.Machine`.

pytransitions binds state to model objects, and `add_model` costs time and memory per model.
govflow instead compiles each (name, version) once, with `model=None`, and drives instances
through it on a throw-away subject that lives only for one step. govflow has already chosen the
transition (roles, guards, payload); a condition on each compiled transition lets only that
choice through, and the machine runs the effects as its callbacks, in its order.

A transition with no effects has nothing for the machine to run: its destination is read from
the lookup table compiled from the same machine (checked against the machine's own tables when
compiling), which keeps a plain fire at a fraction of the cost of a `trigger` call.
"""

from __future__ import annotations

from typing import Any

from transitions import EventData, Machine

from govflow import deadlines as dl
from govflow.access import Grant, Requirement, Role, as_requirement
from govflow.definition import Transition, Workflow
from govflow.effects import EffectContext
from govflow.timer import Timer


class _Subject:
    """The model the shared machine moves for one step: just a `state` attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class _Chosen:
    """Condition letting a compiled transition run only when the engine chose it."""

    __slots__ = ("transition",)

    def __init__(self, transition: Transition) -> None:
        self.transition = transition

    def __call__(self, event_data: EventData) -> bool:
        return event_data.kwargs["chosen"] is self.transition


def _run_effects(event_data: EventData) -> None:
    chosen: Transition = event_data.kwargs["chosen"]
    context: EffectContext = event_data.kwargs["context"]
    for effect in chosen.effects:
        effect.run(context)


class CompiledWorkflow:
    """A workflow version with its shared machine and the lookup tables the engine uses."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.machine = Machine(
            model=None,
            states=[state.name for state in workflow.states],
            initial=workflow.initial.name,
            auto_transitions=False,
            send_event=True,
            name=f"{workflow.name}@v{workflow.version}",
        )
        self.events = frozenset(workflow.events)
        self.candidates: dict[tuple[str, str], tuple[Transition, ...]] = {}
        for t in workflow.transitions:
            for source in workflow.sources(t):
                self.machine.add_transition(t.event, source, t.dest, conditions=[_Chosen(t)], after=[_run_effects])
                key = (source, t.event)
                self.candidates[key] = (*self.candidates.get(key, ()), t)
        for (source, event), ts in self.candidates.items():
            compiled = [tr.dest for tr in self.machine.events[event].transitions[source]]
            if compiled != [t.dest for t in ts]:  # pragma: no cover - a bug in this module, not in a definition
                raise RuntimeError(f"compiled machine disagrees on {event!r} from {source!r}: {compiled}")
        self.events_from: dict[str, tuple[str, ...]] = {state.name: () for state in workflow.states}
        for source, event in self.candidates:
            self.events_from[source] = (*self.events_from[source], event)
        self.requirements: dict[int, tuple[Requirement, ...]] = {
            id(t): tuple(as_requirement(r) for r in sorted(t.roles, key=str)) for t in workflow.transitions
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
            state.name: {d.name: d for d in state.all_deadlines()} for state in workflow.states
        }
        self.obligations: dict[str, dl.Deadline] = {ob.name: ob for t in workflow.transitions for ob in t.opens}
        self.milestones = {m.name: m for m in workflow.milestones}
        self.milestone_deadlines = {m.name: m.deadline() for m in workflow.milestones}
        self._grants: dict[tuple[int, frozenset[str]], Grant] = {}
        self.chains_at = {chain.state: chain for chain in workflow.chains}
        self.spawns = any(t.spawn for t in workflow.transitions)
        self.windows = {state.name: state.window for state in workflow.states if state.window is not None}
        """Whether instances of this version can have children (if not, no child lookups)."""
        """Approval chains by the state they run in: routed when a case enters that state."""
        self.timed = (
            bool(self.obligations) or bool(self.milestones) or any(state.all_deadlines() for state in workflow.states)
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

    def step(self, state: str, transition: Transition, context: EffectContext) -> str:
        """Run `transition` from `state` through the shared machine; return the new state."""
        subject = _Subject(state)
        event: Any = self.machine.events[transition.event]
        if not event.trigger(subject, chosen=transition, context=context):
            raise RuntimeError(f"machine refused {transition.event!r} from {state!r}")  # unreachable if tables agree
        return subject.state

    def states_for(self, roles: frozenset[str]) -> frozenset[str]:
        """States in which an actor holding `roles` may have something to do (including states
        whose requirements depend on the case, marked ``"?"``)."""
        found = self.states_by_role.get("*", frozenset()) | self.states_by_role.get("?", frozenset())
        for role in roles:
            found = found | self.states_by_role.get(role, frozenset())
        return found
