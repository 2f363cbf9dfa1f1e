"""Static checks (静态检查): what a definition allows but is almost certainly a mistake.

Building a `Workflow` already refuses structural faults (unknown or unreachable states, dead
ends, indistinct transitions, deadlines that fire events their state cannot take). `check`
looks further, at what can happen in practice:

* states from which no final state can ever be reached (the case can never be closed);
* states reachable only through transitions no one can fire (only the ``system`` role, and
  neither a deadline nor the engine — a child's report, a parent settling it — fires them);
* transitions shadowed by an earlier one on the same event and state whose guards are a subset
  of theirs (the earlier one always wins);
* roles that nobody in a given organisation directory holds;
* joins and milestones waiting on children no transition spawns, or on states they do not have;
* guards and effects not registered under their names (the definition will not load from JSON);
* guards that read the event's payload without ``on_payload=True``: listing what an actor may
  do (inbox, `available`) has no payload, so such a guard silently hides its event there.

Each finding is one line a person can act on. `govflow check` runs this over modules.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections import deque
from collections.abc import Iterable

from govflow import deadlines as dl
from govflow.access import Role, Scoped
from govflow.actor import SYSTEM_ROLE
from govflow.children import JOINS, KEEP, Join
from govflow.definition import Transition, Workflow
from govflow.directory import Directory
from govflow.effects import EFFECTS
from govflow.guards import GUARDS, Guard


def check(workflow: Workflow, directory: Directory | None = None, others: Iterable[Workflow] = ()) -> list[str]:
    """Every finding for `workflow` (empty when it is clean), one line each. `others` are the
    workflows it spawns children of (so joins on their states can be checked) and those that
    spawn it (so events its parents settle it with count as fired)."""
    others = list(others)
    findings: list[str] = []
    findings.extend(_joins_never_met(workflow, {w.name: w for w in others}))
    findings.extend(_never_closed(workflow))
    findings.extend(_unreachable_in_practice(workflow, _engine_fired(workflow, others)))
    findings.extend(_shadowed(workflow))
    findings.extend(_unregistered(workflow))
    findings.extend(_payload_readers(workflow))
    if directory is not None:
        findings.extend(_roles_nobody_holds(workflow, directory))
    return findings


def _edges(workflow: Workflow, usable: Iterable[Transition]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {state.name: set() for state in workflow.leaves}
    for t in usable:
        for source in workflow.sources(t):
            edges[source].add(workflow.entry(t.dest))
    return edges


def _reach(edges: dict[str, set[str]], start: Iterable[str]) -> set[str]:
    seen = set(start)
    frontier = deque(seen)
    while frontier:
        for nxt in edges.get(frontier.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def _never_closed(workflow: Workflow) -> list[str]:
    finals = workflow.final_states
    if not finals:
        return []
    reverse: dict[str, set[str]] = {state.name: set() for state in workflow.leaves}
    for source, dests in _edges(workflow, workflow.transitions).items():
        for dest in dests:
            reverse[dest].add(source)
    can_finish = _reach(reverse, finals)
    return [
        f"state {state.display!r} can never reach a final state (a case there can never be closed)"
        for state in workflow.leaves
        if state.name not in can_finish
    ]


def _fired_by_deadlines(workflow: Workflow) -> set[tuple[str, str]]:
    return {
        (leaf, d.action.event)
        for state in workflow.nodes
        for d in state.deadlines
        if isinstance(d.action, dl.FireEvent)
        for leaf in workflow.inside(state.name)
    }


def _engine_fired(workflow: Workflow, others: Iterable[Workflow]) -> set[str]:
    """Events the engine fires itself: its children's reports, and what its parents settle it with."""
    fired = {sp.report for t in workflow.transitions for sp in t.spawn if sp.report}
    for parent in others:
        if any(sp.workflow == workflow.name for t in parent.transitions for sp in t.spawn):
            fired |= {t.settle_children for t in parent.transitions if t.settle_children not in (None, KEEP)}
    return {event for event in fired if event is not None}


def _usable(workflow: Workflow, t: Transition, timed: set[tuple[str, str]], engine: set[str]) -> bool:
    """Whether someone can fire `t` in practice: a role other than system, a deadline, or the
    engine (a child reporting up, a parent settling its children)."""
    if any(not (isinstance(r, str) and r == SYSTEM_ROLE) for r in t.roles):
        return True
    if t.event in engine:
        return True
    return any((source, t.event) in timed for source in workflow.sources(t))


def _unreachable_in_practice(workflow: Workflow, engine: set[str]) -> list[str]:
    timed = _fired_by_deadlines(workflow)
    usable = [t for t in workflow.transitions if _usable(workflow, t, timed, engine)]
    reached = _reach(_edges(workflow, usable), [workflow.entry(workflow.initial.name)])
    findings = [
        f"transition {t.display!r} can only be fired by the system role, and no deadline fires it"
        for t in workflow.transitions
        if t not in usable
    ]
    findings.extend(
        f"state {state.display!r} is reachable only through transitions nobody can fire"
        for state in workflow.leaves
        if state.name not in reached
    )
    return findings


def _shadowed(workflow: Workflow) -> list[str]:
    findings = []
    for index, later in enumerate(workflow.transitions):
        for earlier in workflow.transitions[:index]:
            if earlier.event != later.event:
                continue
            # Where they are declared at the same depth (a sub-state's own transition goes first).
            common = {
                leaf
                for leaf in set(workflow.sources(earlier)) & set(workflow.sources(later))
                if workflow.depth(earlier, leaf) == workflow.depth(later, leaf)
            }
            if not common or not earlier.roles >= later.roles:
                continue
            if {g.name for g in earlier.guards} <= {g.name for g in later.guards}:
                findings.append(
                    f"transition {later.display!r} from {', '.join(sorted(common))} to {later.dest!r} is shadowed "
                    f"by the earlier one to {earlier.dest!r}: its guards are a subset, so the earlier one always wins"
                )
    return findings


def _unregistered(workflow: Workflow) -> list[str]:
    findings = []
    for t in workflow.transitions:
        for g in (*t.guards, *t.soft_guards):
            if g.name not in GUARDS or GUARDS.get(g.name) is not g:
                findings.append(f"guard {g.name!r} of {t.event!r} is not the one registered under that name")
        for e in t.effects:
            if e.name not in EFFECTS or EFFECTS.get(e.name) is not e:
                findings.append(f"effect {e.name!r} of {t.event!r} is not the one registered under that name")
    return findings


def _joins_never_met(workflow: Workflow, others: dict[str, Workflow]) -> list[str]:
    spawned = {sp.workflow for t in workflow.transitions for sp in t.spawn}
    findings = []
    waits = [(t.event, JOINS[g.name]) for t in workflow.transitions for g in t.guards if g.name in JOINS]
    waits += [(m.name, Join(m.workflow, m.states)) for m in workflow.milestones if m.workflow is not None]
    for where, spec in waits:
        if spec.workflow not in spawned:
            findings.append(f"{where!r} waits on {spec.workflow} children, but no transition spawns them (never met)")
            continue
        child = others.get(spec.workflow)
        if child is not None:
            unknown = sorted(set(spec.states) - set(child.nodes_by_path))
            if unknown:
                findings.append(
                    f"{where!r} waits on {spec.workflow} children in {unknown}: it has no such state (never met)"
                )
    return findings


def _roles_nobody_holds(workflow: Workflow, directory: Directory) -> list[str]:
    held = directory.positions()
    findings = []
    seen: set[str] = set()
    for t in workflow.transitions:
        for entry in t.roles:
            role = entry if isinstance(entry, str) else entry.name if isinstance(entry, Role) else None
            if isinstance(entry, Scoped):
                role = entry.role
            if role is None or role in ("*", SYSTEM_ROLE) or role in held or role in seen:
                continue
            seen.add(role)
            findings.append(f"role {role!r} (needed for {t.event!r}) is held by nobody in the organisation directory")
    return findings


def payload_fields_read(guard: Guard) -> frozenset[str] | None:
    """The payload fields `guard`'s code reads (``ctx.payload["x"]``, ``ctx.payload.get("x")``;
    ``"*"`` for any other use of ``ctx.payload``), or None when its source cannot be read."""
    try:
        source = textwrap.dedent(inspect.getsource(guard.check))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return None
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "payload"):
            continue
        found.add("*")
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Subscript) and _is_payload(node.value):
            target = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and _is_payload(node.func.value)
            and node.args
        ):
            target = node.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            found.add(target.value)
    if found and found != {"*"}:
        found.discard("*")
    return frozenset(found)


def _is_payload(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "payload"


def _payload_readers(workflow: Workflow) -> list[str]:
    findings = []
    for t in workflow.transitions:
        for g in (*t.guards, *t.soft_guards):
            if g.on_payload:
                continue
            fields = payload_fields_read(g)
            if fields:
                what = ", ".join(sorted(fields)) if "*" not in fields else "the payload"
                findings.append(
                    f"transition {t.event!r}: guard {g.name!r} reads {what} from the event's payload but is not "
                    "marked on_payload=True, so inbox/available() never offer the event (mark it @guard(..., "
                    "on_payload=True))"
                )
    return findings
