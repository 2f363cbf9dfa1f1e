"""Definitions (流程定义): a workflow as immutable data, checked when it is built.

`Workflow`, `State` and `Transition` describe a process; they hold no instance state. Building a
`Workflow` validates its structure and raises `DefinitionError` listing every problem, so a broken
definition never reaches an engine. Definitions round-trip through JSON, with guards, effects and
schemas referenced by their registered names.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import partial
from typing import Any, TypeVar

import attrs

from govflow import access as ac
from govflow import deadlines as dl
from govflow.approvals import POLICIES, ApprovalChain, ChainSigner
from govflow.children import ChildReport, Spawn
from govflow.data import SCHEMAS, register_schema, schema_fields
from govflow.effects import EFFECTS, Effect
from govflow.errors import DefinitionError, InvalidData
from govflow.guards import GUARDS, Guard
from govflow.phases import Milestone, Window, overlap_problems
from govflow.registry import qualified_name
from govflow.values import json_value

ANY_SOURCE = "*"
"""Use as a transition's source to mean every non-final state (e.g. 撤销 / withdraw)."""


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _states(value: Iterable[State]) -> tuple[State, ...]:
    return tuple(value)


SEPARATOR = "."
"""Joins a compound state's name and its sub-state's: ``implementing.communities``."""


def _transitions(value: Iterable[Transition]) -> tuple[Transition, ...]:
    return tuple(value)


def _guards(value: Iterable[Guard]) -> tuple[Guard, ...]:
    return tuple(value)


def _effects(value: Iterable[Effect]) -> tuple[Effect, ...]:
    return tuple(value)


def _deadlines(value: Iterable[dl.Deadline | dl.Recurring]) -> tuple[dl.Deadline | dl.Recurring, ...]:
    return tuple(value)


def _obligations(value: Iterable[dl.Deadline]) -> tuple[dl.Deadline, ...]:
    return tuple(value)


def _role_set(value: str | Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _requirements(value: str | ac.Requirement | Iterable[str | ac.Requirement]) -> frozenset[str | ac.Requirement]:
    if isinstance(value, str | ac.Requirement):
        return frozenset({value})
    return frozenset(value)


def _separations(value: Iterable[ac.Separation]) -> tuple[ac.Separation, ...]:
    return tuple(value)


def _chains(value: Iterable[ApprovalChain]) -> tuple[ApprovalChain, ...]:
    return tuple(value)


def _spawns(value: Iterable[Spawn]) -> tuple[Spawn, ...]:
    return tuple(value)


def _milestones(value: Iterable[Milestone]) -> tuple[Milestone, ...]:
    return tuple(value)


@attrs.frozen
class State:
    """A stage of the process: English identifier `name`, Chinese `label` (e.g. "整改中")."""

    name: str
    label: str = ""
    initial: bool = False
    final: bool = False
    description: str = ""
    deadlines: tuple[dl.Deadline | dl.Recurring, ...] = attrs.field(default=(), converter=_deadlines)
    """Armed on entering the state, cancelled on leaving it (see `govflow.deadlines`)."""
    window: Window | None = None
    """The phase's planned window (计划时间), see `govflow.phases`."""
    states: tuple[State, ...] = attrs.field(default=(), converter=_states)
    """Sub-states: a compound state (复合状态) is a phase with its own stages. Exactly one is
    `initial`; entering the compound enters it. Its deadlines and window run while the case is
    anywhere inside it."""

    @property
    def compound(self) -> bool:
        """Whether the state has sub-states."""
        return bool(self.states)

    def all_deadlines(self) -> tuple[dl.Deadline | dl.Recurring, ...]:
        """Its deadlines, plus the one its window implies (named ``window``)."""
        implied = self.window.deadline() if self.window is not None else None
        return (*self.deadlines, implied) if implied is not None else self.deadlines

    @property
    def display(self) -> str:
        """`name (label)` for people: the identifier beside its Chinese term."""
        return f"{self.name} ({self.label})" if self.label else self.name


@attrs.frozen
class Transition:
    """What an event does: from `source` state(s) to `dest`, for actors meeting one of `roles`
    (role names, or `govflow.access` requirements: `Scoped`, `Relative`) and every `separation`
    rule (`NotInitiator`, `NotActorOf`, `NotSubject`, …).

    `guards` are hard rules, `soft_guards` are 原则上 rules (see `govflow.guards`); `effects` run
    after the state change. With `payload_schema` (an attrs class) the event's payload is
    validated against it and kept out of the instance data; without it, the payload is a partial
    update of the instance data, validated against the workflow's schema. `opens` lists
    obligations (deadlines that outlive the state) this transition starts; `requires_met` names
    obligations that must be met before this transition may happen (e.g. before closing).
    `spawn` starts child instances (one per unit, per finding); `settle_children` says what
    happens to children still in flight when this transition ends the parent — an event fired
    on each, or ``"keep"`` (see `govflow.children`).
    """

    event: str
    source: tuple[str, ...] = attrs.field(converter=_names)
    dest: str
    roles: frozenset[str | ac.Requirement] = attrs.field(converter=_requirements)
    guards: tuple[Guard, ...] = attrs.field(default=(), converter=_guards)
    soft_guards: tuple[Guard, ...] = attrs.field(default=(), converter=_guards)
    effects: tuple[Effect, ...] = attrs.field(default=(), converter=_effects)
    label: str = ""
    payload_schema: type | None = None
    opens: tuple[dl.Deadline, ...] = attrs.field(default=(), converter=_obligations)
    requires_met: tuple[str, ...] = attrs.field(default=(), converter=_names)
    separation: tuple[ac.Separation, ...] = attrs.field(default=(), converter=_separations)
    spawn: tuple[Spawn, ...] = attrs.field(default=(), converter=_spawns)
    settle_children: str | None = None
    history: bool = False
    """Into a compound `dest`: resume the sub-state the case last left it from (复工 after
    停工), instead of its initial one."""

    @property
    def display(self) -> str:
        """`event (label)` for people."""
        return f"{self.event} ({self.label})" if self.label else self.event

    @property
    def roles_text(self) -> str:
        """Who may fire it, short and sorted (``*`` is any actor)."""
        return ", ".join(sorted(str(r) for r in self.roles))


@attrs.frozen
class Workflow:
    """A versioned process definition (流程), validated on construction.

    `schema` is an optional attrs class for the instance data; `index` names data fields that
    queries may filter on (a list field is indexed per element); `start_roles` says who may
    start an instance (``"*"``: any actor); `chains` are the approval chains (审批链) the
    workflow runs (see `govflow.approvals`); `start_guards` / `start_soft_guards` are checked
    when an instance starts (a sanctioned unit may not apply; 原则上 rules ask a justification);
    `milestones` are dated targets over the whole case, and `sequential_phases` says the states'
    planned windows follow one another (overlaps are refused) — see `govflow.phases`.

    States may nest (`State(states=[...])`); transitions name them by dotted path
    (``implementing.communities``). A transition from a compound state applies in every
    sub-state (a sub-state's own transition on the event is tried first); one into a compound
    state enters its initial sub-state, or with ``history=True`` the one last left. An instance
    is always in a leaf state (`leaves`).
    """

    name: str
    version: int
    states: tuple[State, ...] = attrs.field(converter=_states)
    transitions: tuple[Transition, ...] = attrs.field(converter=_transitions)
    title: str = ""
    description: str = ""
    schema: type | None = None
    index: tuple[str, ...] = attrs.field(default=(), converter=_names)
    start_roles: frozenset[str] = attrs.field(default=frozenset({"*"}), converter=_role_set)
    chains: tuple[ApprovalChain, ...] = attrs.field(default=(), converter=_chains)
    start_guards: tuple[Guard, ...] = attrs.field(default=(), converter=_guards)
    start_soft_guards: tuple[Guard, ...] = attrs.field(default=(), converter=_guards)
    milestones: tuple[Milestone, ...] = attrs.field(default=(), converter=_milestones)
    sequential_phases: bool = False
    nodes_by_path: dict[str, State] = attrs.field(init=False, repr=False, eq=False)
    """Every state by full path (computed)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "nodes_by_path", _flatten(self.states))
        problems = _problems(self)
        if problems:
            raise DefinitionError(self.name or "<unnamed>", problems)
        for schema in (self.schema, *(t.payload_schema for t in self.transitions)):
            if schema is not None:
                register_schema(schema)  # what from_json may name: the code this process built with

    @property
    def nodes(self) -> tuple[State, ...]:
        """Every state, compound ones included, named by full path, outer before inner."""
        return tuple(self.nodes_by_path.values())

    @property
    def leaves(self) -> tuple[State, ...]:
        """The states an instance can be in (no sub-states), named by full path."""
        return tuple(state for state in self.nodes_by_path.values() if not state.states)

    @property
    def compound(self) -> bool:
        """Whether any state has sub-states."""
        return any(state.states for state in self.states)

    def entry(self, name: str) -> str:
        """The leaf a case lands in when it enters state `name` (a compound's initial, inward)."""
        state = self.nodes_by_path[name]
        while state.states:
            name = f"{name}{SEPARATOR}{next(s.name for s in state.states if s.initial)}"
            state = self.nodes_by_path[name]
        return name

    def depth(self, transition: Transition, leaf: str) -> int:
        """How deep the source `transition` is declared on that covers `leaf` (``"*"``: 0). Deeper
        declarations are tried first, as in a hierarchical machine."""
        covering = [src for src in transition.source if src == leaf or leaf.startswith(src + SEPARATOR)]
        return max((src.count(SEPARATOR) + 1 for src in covering), default=0)

    def inside(self, name: str) -> tuple[str, ...]:
        """The leaves within state `name` (itself, if it is a leaf)."""
        prefix = name + SEPARATOR
        return tuple(s.name for s in self.leaves if s.name == name or s.name.startswith(prefix))

    @property
    def key(self) -> tuple[str, int]:
        """(name, version): what an instance is pinned to."""
        return (self.name, self.version)

    @property
    def initial(self) -> State:
        """The single initial (top-level) state; a case starts in its `entry` leaf."""
        return next(state for state in self.states if state.initial)

    def state(self, name: str) -> State:
        """The state at path `name`, compound or leaf (KeyError if there is none)."""
        return self.nodes_by_path[name]

    @property
    def final_states(self) -> frozenset[str]:
        """Names of the final (absorbing) states."""
        return frozenset(state.name for state in self.states if state.final)

    @property
    def events(self) -> tuple[str, ...]:
        """Every event name, in definition order, without repeats."""
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    def sources(self, transition: Transition) -> tuple[str, ...]:
        """The leaf states `transition` may leave (``"*"`` and compound sources expanded)."""
        if ANY_SOURCE in transition.source:
            return tuple(s.name for s in self.leaves if not s.final and s.name != transition.dest)
        if not self.compound:
            return transition.source
        known = self.nodes_by_path
        return tuple(dict.fromkeys(leaf for src in transition.source if src in known for leaf in self.inside(src)))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; code is referenced by registered name (see `from_json`)."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "schema": qualified_name(self.schema) if self.schema else None,
            "index": list(self.index),
            "start_roles": sorted(self.start_roles),
            "chains": [_chain_json(chain) for chain in self.chains],
            "start_guards": [g.name for g in self.start_guards],
            "start_soft_guards": [g.name for g in self.start_soft_guards],
            "milestones": [_spec_json(m) for m in self.milestones],
            "sequential_phases": self.sequential_phases,
            "states": [_state_json(state) for state in self.states],
            "transitions": [_transition_json(t) for t in self.transitions],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Workflow:
        """Rebuild a definition from `to_json` output. A document is data: guards, effects and
        schemas resolve only through the registries (`GUARDS`, `EFFECTS`, `SCHEMAS`), never by
        importing a module it names; anything malformed is a `DefinitionError` saying where."""
        if not isinstance(doc, Mapping):
            raise DefinitionError("<json>", [f"a workflow definition must be a JSON object, got {type(doc).__name__}"])
        raw_name = doc.get("name", "<json>")
        name = raw_name if isinstance(raw_name, str) and raw_name.isprintable() else "<json>"
        try:
            doc = json_value(doc, "definition")
        except InvalidData as exc:
            raise DefinitionError(name, exc.problems) from None
        return _located(name, "definition", lambda: cls(
            name=doc["name"],
            version=doc["version"],
            title=doc.get("title", ""),
            description=doc.get("description", ""),
            schema=_schema(doc.get("schema"), name),
            index=doc.get("index", ()),
            start_roles=doc.get("start_roles", ["*"]),
            chains=_each(doc, "chains", name, _chain_from_json),
            start_guards=[GUARDS.get(n, name) for n in _list(doc, "start_guards")],
            start_soft_guards=[GUARDS.get(n, name) for n in _list(doc, "start_soft_guards")],
            milestones=_each(doc, "milestones", name, _spec_from_json, mapping=False),
            sequential_phases=doc.get("sequential_phases", False),
            states=_each(doc, "states", name, _state_from_json, required=True),
            transitions=_each(doc, "transitions", name, lambda t: _transition_from_json(t, name), required=True),
        ))  # fmt: skip


_T = TypeVar("_T")

_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
"""What building from a malformed document raises inside attrs and the spec classes."""


def _located(workflow: str, where: str, build: Callable[[], _T]) -> _T:
    """`build()`, with any malformation reported as a `DefinitionError` naming `where`."""
    try:
        return build()
    except DefinitionError:
        raise
    except _MALFORMED as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__
        raise DefinitionError(workflow, [f"malformed JSON definition at {where}: {detail}"]) from None


def _list(doc: Mapping[str, Any], key: str, *, required: bool = False) -> list[Any]:
    if key not in doc and required:
        raise KeyError(key)
    items = doc.get(key, [])
    if not isinstance(items, list):
        raise TypeError(f"{key} must be a list, got {type(items).__name__}")
    return items


def _each(doc: Mapping[str, Any], key: str, workflow: str, parse: Any, *, required: bool = False,
          mapping: bool = True) -> list[Any]:  # fmt: skip
    """Parse every item of the list `doc[key]`; a bad item names its place (``states[2]``)."""
    out = []
    for i, item in enumerate(_list(doc, key, required=required)):
        where = f"{key}[{i}]"
        if mapping and not isinstance(item, Mapping):
            raise DefinitionError(workflow, [f"{where}: expected a JSON object, got {type(item).__name__}"])
        out.append(_located(workflow, where, partial(parse, item)))
    return out


def _schema(value: Any, workflow: str) -> type | None:
    """A schema named in a document, from `SCHEMAS` only (never imported)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DefinitionError(workflow, [f"a schema is named by text ('module:Name'), not {type(value).__name__}"])
    return SCHEMAS.get(value, workflow)


def _transition_json(t: Transition) -> dict[str, Any]:
    return {
        "event": t.event,
        "label": t.label,
        "source": list(t.source),
        "dest": t.dest,
        "roles": sorted((_spec_json(r) for r in t.roles), key=lambda r: json.dumps(r, sort_keys=True)),
        "separation": [_spec_json(r) for r in t.separation],
        "guards": [g.name for g in t.guards],
        "soft_guards": [g.name for g in t.soft_guards],
        "effects": [e.name for e in t.effects],
        "payload_schema": qualified_name(t.payload_schema) if t.payload_schema else None,
        "opens": [_spec_json(d) for d in t.opens],
        "spawn": [_spec_json(sp) for sp in t.spawn],
        "settle_children": t.settle_children,
        "requires_met": list(t.requires_met),
        "history": t.history,
    }


_SPEC_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        dl.Deadline,
        dl.Recurring,
        dl.WorkingDays,
        dl.Days,
        dl.Weeks,
        dl.Months,
        dl.ByDate,
        dl.OnEnter,
        dl.FromField,
        dl.BeforeField,
        dl.MarkOverdue,
        dl.FireEvent,
        dl.Escalate,
        ac.Role,
        ac.Scoped,
        ac.Relative,
        ac.NotInitiator,
        ac.NotActorOf,
        ac.NotSubject,
        ac.OwnUnitOnly,
        ac.NotOwnUnit,
        ac.Custom,
        ChainSigner,
        Spawn,
        dl.OnDate,
        dl.CheckMilestone,
        Window,
        Milestone,
    )
}
"""Spec classes by name: how deadlines, requirements and separation rules come back from JSON."""


def _spec_json(spec: Any) -> Any:
    """A spec (deadline, requirement, separation rule) as tagged JSON: {"type": "WorkingDays", "n": 10}."""
    if isinstance(spec, date):
        return {"type": "date", "value": spec.isoformat()}
    if attrs.has(type(spec)):
        doc = {"type": type(spec).__name__}
        for field in attrs.fields(type(spec)):
            if field.name != "kind":
                doc[field.name] = _spec_json(getattr(spec, field.name))
        return doc
    if isinstance(spec, tuple | list):
        return [_spec_json(item) for item in spec]
    return spec


def _spec_from_json(doc: Any) -> Any:
    if isinstance(doc, dict) and doc.get("type") == "date":
        return date.fromisoformat(doc["value"])
    if isinstance(doc, dict) and "type" in doc:
        cls = _SPEC_TYPES.get(doc["type"]) if isinstance(doc["type"], str) else None
        if cls is None:
            raise TypeError(f"unknown spec type {doc['type']!r}")
        return cls(**{k: _spec_from_json(v) for k, v in doc.items() if k != "type"})
    if isinstance(doc, list):
        return tuple(_spec_from_json(item) for item in doc)
    return doc


def _chain_json(chain: ApprovalChain) -> dict[str, Any]:
    doc = attrs.asdict(chain, recurse=False)
    doc["separation"] = [_spec_json(rule) for rule in chain.separation]
    return doc


def _chain_from_json(doc: Mapping[str, Any]) -> ApprovalChain:
    return ApprovalChain(**{**doc, "separation": [_spec_from_json(r) for r in doc.get("separation", ())]})


def _state_json(state: State) -> dict[str, Any]:
    doc = attrs.asdict(state, recurse=False)
    doc["deadlines"] = [_spec_json(d) for d in state.deadlines]
    doc["window"] = _spec_json(state.window) if state.window is not None else None
    doc["states"] = [_state_json(sub) for sub in state.states]
    return doc


def _state_from_json(doc: Mapping[str, Any]) -> State:
    window = doc.get("window")
    return State(
        **{
            **doc,
            "deadlines": [_spec_from_json(d) for d in doc.get("deadlines", ())],
            "window": _spec_from_json(window) if window else None,
            "states": [_state_from_json(sub) for sub in doc.get("states", ())],
        }
    )


def _flatten(states: Iterable[State], prefix: str = "") -> dict[str, State]:
    """Every state by full path, outer before inner (a malformed tree is reported by `_problems`)."""
    found: dict[str, State] = {}
    for state in states:
        path = f"{prefix}{state.name}" if isinstance(state.name, str) else state.name
        if path not in found:
            found[path] = attrs.evolve(state, name=path) if prefix else state
        found.update(_flatten(state.states, f"{path}{SEPARATOR}"))
    return found


def _transition_from_json(doc: Mapping[str, Any], workflow: str) -> Transition:
    payload = doc.get("payload_schema")
    return Transition(
        event=doc["event"],
        label=doc.get("label", ""),
        source=doc["source"],
        dest=doc["dest"],
        roles=[_spec_from_json(r) for r in doc["roles"]],
        separation=[_spec_from_json(r) for r in doc.get("separation", ())],
        guards=[GUARDS.get(n, workflow) for n in doc.get("guards", ())],
        soft_guards=[GUARDS.get(n, workflow) for n in doc.get("soft_guards", ())],
        effects=[EFFECTS.get(n, workflow) for n in doc.get("effects", ())],
        payload_schema=_schema(payload, workflow),
        opens=[_spec_from_json(d) for d in doc.get("opens", ())],
        spawn=[_spec_from_json(sp) for sp in doc.get("spawn", ())],
        settle_children=doc.get("settle_children"),
        requires_met=doc.get("requires_met", ()),
        history=doc.get("history", False),
    )


def _problems(wf: Workflow) -> list[str]:
    """Every structural fault of `wf`, worded for the person who wrote it."""
    problems: list[str] = []
    if not isinstance(wf.name, str) or not wf.name.strip():
        problems.append("the workflow needs a non-empty name")
    if isinstance(wf.version, bool) or not isinstance(wf.version, int) or wf.version < 1:
        problems.append(f"version must be a whole number ≥ 1, not {wf.version!r}")
    if not wf.states:
        return [*problems, "a workflow needs at least one state"]

    tree = _tree_problems(wf.states)
    problems.extend(tree)
    initials = [s.name for s in wf.states if s.initial]
    known = set(wf.nodes_by_path)
    leaves = [s.name for s in wf.leaves]

    outgoing: dict[str, list[Transition]] = {name: [] for name in leaves}
    for t in wf.transitions:
        where = f"transition {t.event!r}"
        if not isinstance(t.event, str) or not t.event.strip():
            problems.append(f"a transition into {t.dest!r} has an empty event name")
        if not t.roles:
            problems.append(f"{where} names no roles (use roles={{'*'}} to let any actor fire it)")
        if not t.source:
            problems.append(f"{where} has no source state")
        for src in t.source:
            if src != ANY_SOURCE and src not in known:
                problems.append(f"{where} comes from unknown state {src!r}")
        if t.dest not in known:
            problems.append(f"{where} goes to unknown state {t.dest!r}")
        elif t.history and not wf.state(t.dest).compound:
            problems.append(f"{where} resumes history in {t.dest!r}, which has no sub-states")
        for src in wf.sources(t):
            if src in outgoing:
                outgoing[src].append(t)

    for name in leaves:
        state = wf.state(name)
        if state.final and outgoing[name]:
            events = ", ".join(sorted({t.event for t in outgoing[name]}))
            problems.append(f"final state {name!r} has outgoing transitions ({events})")
        if not state.final and not outgoing[name]:
            problems.append(f"state {name!r} is not final but has no way out (a dead end)")

    if len(initials) == 1 and not tree:
        start = wf.entry(initials[0])
        reached = {start}
        frontier = deque([start])
        while frontier:
            for t in outgoing.get(frontier.popleft(), ()):
                dest = wf.entry(t.dest) if t.dest in known else None
                if dest is not None and dest not in reached:
                    reached.add(dest)
                    frontier.append(dest)
        for name in leaves:
            if name not in reached:
                problems.append(f"state {name!r} cannot be reached from {start!r}")

    for src, ts in outgoing.items():
        by_event: dict[tuple[str, int], list[Transition]] = {}
        for t in ts:
            by_event.setdefault((t.event, wf.depth(t, src)), []).append(t)
        for (event, _depth), group in by_event.items():
            problems.extend(_indistinct(src, event, group))

    if wf.schema is not None and not attrs.has(wf.schema):
        return [*problems, f"schema {wf.schema!r} is not an attrs class"]
    for t in wf.transitions:
        if t.payload_schema is not None and not attrs.has(t.payload_schema):
            problems.append(f"payload_schema of {t.event!r} is not an attrs class")
    fields = schema_fields(wf.schema)
    for name in wf.index:
        if fields is not None and name not in fields:
            problems.append(f"index field {name!r} is not a field of the data schema")
    problems.extend(_deadline_problems(wf, outgoing))
    problems.extend(_report_problems(wf))
    problems.extend(_access_problems(wf))
    problems.extend(_chain_problems(wf))
    return problems


def _tree_problems(states: tuple[State, ...], parent: str | None = None) -> list[str]:
    """Names, initial and final states, level by level through the tree of states."""
    problems: list[str] = []
    where = f" in {parent!r}" if parent else ""
    seen: set[str] = set()
    for state in states:
        name = state.name
        if not isinstance(name, str) or not name.strip():
            problems.append(f"state name {name!r}{where} is empty")
        elif name == ANY_SOURCE:
            problems.append(f"{ANY_SOURCE!r} is reserved and cannot name a state")
        elif SEPARATOR in name:
            problems.append(f"state name {name!r} contains {SEPARATOR!r}, which joins a compound state's path")
        elif name in seen:
            problems.append(f"duplicate state {name!r}{where}")
        seen.add(name)
        if state.initial and state.final:
            problems.append(f"state {name!r} cannot be both initial and final")
        if parent is not None and state.final:
            problems.append(f"sub-state {name!r} of {parent!r} cannot be final (final states are top-level)")
        if state.compound:
            path = f"{parent}{SEPARATOR}{name}" if parent else name
            if state.final:
                problems.append(f"compound state {path!r} cannot be final")
            problems.extend(_tree_problems(state.states, path))
    initials = [s.name for s in states if s.initial]
    if not initials:
        problems.append(f"no initial state{where} (mark one State(..., initial=True))")
    elif len(initials) > 1:
        problems.append(f"several initial states{where}: {', '.join(initials)} (exactly one is allowed)")
    return problems


def _chain_problems(wf: Workflow) -> list[str]:
    """A chain must run in a real, non-initial state and lead to real states with its events."""
    problems: list[str] = []
    names = {s.name for s in wf.leaves}
    seen: set[str] = set()
    for chain in wf.chains:
        where = f"approval chain {chain.name!r}"
        if chain.name in seen:
            problems.append(f"two approval chains are called {chain.name!r}")
        seen.add(chain.name)
        for role, state in (("state", chain.state), ("approved", chain.approved), ("returned", chain.returned),
                            ("rejected", chain.rejected)):  # fmt: skip
            if state not in names:
                problems.append(f"{where}: {role} state {state!r} is not a state of the workflow (a leaf state)")
        if chain.state in names and wf.state(chain.state).initial and SEPARATOR not in chain.state:
            problems.append(f"{where} cannot run in the initial state {chain.state!r}")
        if chain.policy not in POLICIES:
            problems.append(f"{where} uses unregistered routing policy {chain.policy!r} (register it with @routing)")
        events = {t.event for t in wf.transitions if chain.state in wf.sources(t)}
        for event in (chain.sign_event, chain.return_event, chain.reject_event):
            if event not in events:
                problems.append(f"{where}: add its transitions() to the workflow ({event!r} is missing)")
    return problems


def _report_problems(wf: Workflow) -> list[str]:
    """Children that report up need a parent event to report to, taking a `ChildReport` from
    the system."""
    problems: list[str] = []
    for spawn in (sp for t in wf.transitions for sp in t.spawn):
        if spawn.report is None:
            continue
        where = f"{spawn.workflow} children report with {spawn.report!r}"
        taking = [t for t in wf.transitions if t.event == spawn.report]
        if not taking:
            problems.append(f"{where}, which no transition takes")
        for t in taking:
            if t.payload_schema is not ChildReport:
                problems.append(f"{where}: the transition to {t.dest!r} must declare payload_schema=ChildReport")
            if not {"system", "*"} & t.roles:
                problems.append(f"{where}: the transition to {t.dest!r} must allow the role 'system'")
    return problems


def _access_problems(wf: Workflow) -> list[str]:
    """Relative roles must name registered resolvers; four-eyes rules must name real events."""
    problems: list[str] = []
    events = set(wf.events)
    for t in wf.transitions:
        for entry in t.roles:
            if not isinstance(entry, str | ac.Requirement):
                problems.append(f"transition {t.event!r} has role {entry!r}: a role is a name or a requirement")
            if isinstance(entry, ac.Relative) and entry.name not in ac.RESOLVERS:
                problems.append(
                    f"transition {t.event!r} uses unregistered resolver {entry.name!r} (register it with @resolver)"
                )
        for rule in t.separation:
            if not isinstance(rule, ac.Separation):
                problems.append(f"transition {t.event!r} has separation rule {rule!r}, which is not a rule")
            if isinstance(rule, ac.NotActorOf):
                for name in rule.events:
                    if name not in events:
                        problems.append(f"transition {t.event!r}: four-eyes rule names unknown event {name!r}")
            if isinstance(rule, ac.Custom) and rule.rule not in ac.SEPARATIONS:
                problems.append(f"transition {t.event!r} uses unregistered separation rule {rule.rule!r}")
    return problems


def _deadline_problems(wf: Workflow, outgoing: Mapping[str, list[Transition]]) -> list[str]:
    """Deadlines must be able to do what they say: fire valid events, read real date fields."""
    problems: list[str] = []
    events = set(wf.events)
    date_fields = _date_fields(wf.schema)
    obligations: dict[str, dl.Deadline] = {}
    for t in wf.transitions:
        for ob in t.opens:
            where = f"obligation {ob.name!r} opened by {t.event!r}"
            if ob.satisfied_by is None:
                problems.append(f"{where} needs satisfied_by=<event> (an obligation must be able to be met)")
            if isinstance(ob.action, dl.FireEvent):
                problems.append(f"{where} cannot fire an event: it outlives states; mark it overdue or escalate")
            if ob.name in obligations and obligations[ob.name] != ob:
                problems.append(f"two different obligations are called {ob.name!r}")
            obligations[ob.name] = ob
            problems.extend(_common_deadline_problems(where, ob, events, date_fields))
    for t in wf.transitions:
        for name in t.requires_met:
            if name not in obligations:
                problems.append(f"transition {t.event!r} requires obligation {name!r}, which no transition opens")
    if wf.sequential_phases:
        for level in (wf.states, *(s.states for s in wf.nodes if s.compound)):
            problems.extend(overlap_problems([(s.name, s.window) for s in level if s.window is not None]))
    names_taken = set(obligations)
    for m in wf.milestones:
        if m.name in names_taken:
            problems.append(f"milestone {m.name!r} has the name of another milestone or obligation")
        names_taken.add(m.name)
    for state in wf.nodes:
        if state.window is not None and date_fields is not None:
            for end in (state.window.start, state.window.end):
                if isinstance(end, str) and end not in date_fields:
                    problems.append(f"the window of {state.name!r} reads {end!r}, which is not a date field")
        seen: set[str] = set()
        for d in state.all_deadlines():
            where = f"deadline {d.name!r} on state {state.name!r}"
            if d.name in seen:
                problems.append(f"state {state.name!r} has two deadlines called {d.name!r}")
            seen.add(d.name)
            if state.final:
                problems.append(f"{where}: a final state cannot have deadlines")
            problems.extend(_common_deadline_problems(where, d, events, date_fields))
            if isinstance(d.action, dl.FireEvent):
                inside = wf.inside(state.name)
                fired = [t for leaf in inside for t in outgoing.get(leaf, ()) if t.event == d.action.event]
                stuck = [leaf for leaf in inside if not any(t.event == d.action.event for t in outgoing.get(leaf, ()))]
                for leaf in stuck:
                    valid = sorted({t.event for t in outgoing.get(leaf, ())})
                    problems.append(
                        f"{where} fires {d.action.event!r}, which cannot leave {leaf!r} "
                        f"(valid there: {', '.join(valid) or 'none'})"
                    )
                if fired and not any({"system", "*"} & t.roles for t in fired):
                    problems.append(f"{where} fires {d.action.event!r}, which does not allow the role 'system'")
    return problems


def _common_deadline_problems(
    where: str, d: dl.Deadline | dl.Recurring, events: set[str], date_fields: frozenset[str] | None
) -> list[str]:
    problems: list[str] = []
    if d.satisfied_by is not None and d.satisfied_by not in events:
        problems.append(f"{where} is satisfied by unknown event {d.satisfied_by!r}")
    anchor = d.anchor if isinstance(d, dl.Deadline) else None
    field = anchor.field if isinstance(anchor, dl.FromField | dl.BeforeField) else None
    if field is not None and date_fields is not None and field not in date_fields:
        problems.append(f"{where} is anchored on {field!r}, which is not a date field of the data schema")
    return problems


def _date_fields(schema: type | None) -> frozenset[str] | None:
    """Names of the schema's date/datetime fields (None without a schema: checked at run time)."""
    if schema is None or not attrs.has(schema):
        return None
    resolved = attrs.resolve_types(schema)
    found = set()
    for field in attrs.fields(resolved):
        kinds = getattr(field.type, "__args__", None) or (field.type,)
        if any(isinstance(k, type) and issubclass(k, date) for k in kinds):
            found.add(field.name)
    return frozenset(found)


def _indistinct(src: str, event: str, group: list[Transition]) -> list[str]:
    """Transitions on one event from one state must be told apart by their hard guards."""
    if len(group) < 2:
        return []
    problems: list[str] = []
    seen: set[frozenset[str]] = set()
    for position, t in enumerate(group):
        names = frozenset(g.name for g in t.guards)
        if names in seen:
            problems.append(
                f"two transitions on {event!r} from {src!r} have the same guards "
                f"({', '.join(sorted(names)) or 'none'}); nothing distinguishes them"
            )
        seen.add(names)
        if not names and position < len(group) - 1:
            problems.append(
                f"transition {event!r} from {src!r} to {t.dest!r} has no guard, so the later "
                f"transitions on {event!r} from {src!r} can never be taken"
            )
    return problems
