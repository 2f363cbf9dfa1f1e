"""External events by correlation (外部事件按关联键送达): deliver what another agency reports.

Some events do not come from a person working a case but from outside it: a police system
reports that a person was detained (羁押), a prison that someone was released, a court that a
ruling was made. The sender knows the *person* (an id card number, a prisoner number), not the
govflow instance. `deliver` finds the instance waiting for the event through an **indexed** data
field (``correlate={"person_id": ...}``), and fires the event on it as an **external actor**
named after the source, so the audit trail says which system reported it
(``external:<source>``) and the payload it carried.

Why a function of its own and not a person's click: the documents make some events effective by
themselves — 「被收监执行或在社区矫正期间重新犯罪的…自羁押之日起自然解除社区矫正」 (seed 001 L295,
seed 000 L611): the case ends from the day of detention, with no approval step. The case must
still change only through a checked, audited fire; the external actor holds the role
`EXTERNAL_ROLE`, which a transition must name for the event to be deliverable.

Matching is strict by default: no waiting instance raises `NoCorrelatedInstance`, more than one
raises `AmbiguousCorrelation` (a person id that matches two open cases is a data problem to
look at, not a reason to end both). ``expect="all"`` delivers to every waiting instance (e.g. a
person whose two cases both end on a detention). Only fields declared in `Workflow.index` may
correlate, so finding the instance is an indexed query, never a scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from govflow.actor import Actor
from govflow.definition import ANY_SOURCE, SEPARATOR, Workflow
from govflow.errors import AmbiguousCorrelation, InvalidData, NoCorrelatedInstance, UnknownEvent

if TYPE_CHECKING:
    from govflow.engine import Engine
    from govflow.instance import Instance

EXTERNAL_ROLE = "external"
"""The role an external actor holds; a transition names it to accept delivered events."""

EXTERNAL_PREFIX = "external:"
"""Prefix of an external actor's id (``external:county.police``), so the audit trail tells it
apart from people and from the engine's own ``system`` sweeps."""


def external_actor(source: str) -> Actor:
    """The actor an event from `source` (a sending system or agency) fires as."""
    if not isinstance(source, str) or not source.strip():
        raise InvalidData("an external event needs a non-empty source (the system or agency that sent it)")
    return Actor(f"{EXTERNAL_PREFIX}{source}", roles={EXTERNAL_ROLE}, name=f"外部事件 ({source})")


def waiting_for(workflow: Workflow, state: str, event: str) -> bool:
    """Whether an instance of `workflow` in leaf `state` has a transition on `event` (guards aside)."""
    for transition in workflow.transitions:
        if transition.event != event:
            continue
        for source in transition.source:
            if source == ANY_SOURCE or state == source or state.startswith(source + SEPARATOR):
                return True
    return False


def correlated(
    engine: Engine,
    workflow: str,
    event: str,
    *,
    correlate: Mapping[str, Any],
) -> list[Instance]:
    """The instances of `workflow` matching `correlate` (indexed fields) that wait for `event`.

    Raises `UnknownEvent` when no registered version of the workflow has the event, and
    `InvalidData` when `correlate` is empty or names a field that is not indexed.
    """
    if not correlate:
        raise InvalidData("an external event must name at least one correlation field (e.g. person_id)")
    latest = engine.workflow(workflow)
    versions = [wf for wf in engine.workflows() if wf.name == workflow]
    if not any(t.event == event for wf in versions for t in wf.transitions):
        raise UnknownEvent(workflow, event, {t.event for t in latest.transitions})
    found = engine.find(workflow, where=dict(correlate))
    waiting: list[Instance] = []
    for instance in found:
        definition = engine.workflow(instance.workflow, instance.workflow_version)
        node = definition.nodes_by_path.get(instance.state)
        if node is not None and node.final:
            continue
        if waiting_for(definition, instance.state, event):
            waiting.append(instance)
    return waiting


def deliver(
    engine: Engine,
    workflow: str,
    event: str,
    *,
    correlate: Mapping[str, Any],
    source: str,
    payload: Mapping[str, Any] | None = None,
    expect: Literal["one", "all"] = "one",
) -> list[Instance]:
    """Fire `event` from outside (`source`) on the instance(s) of `workflow` found by `correlate`.

    Each fire is an ordinary checked fire by `external_actor(source)`: roles (the transition must
    allow `EXTERNAL_ROLE`), guards and separation apply, the audit event records the actor and
    the payload, and the instance's revision is compared (a case that moved between finding and
    firing raises `ConcurrentModification`). Returns the instances' new records.

    With ``expect="one"`` (the default) exactly one instance must wait for the event:
    none raises `NoCorrelatedInstance`, several raise `AmbiguousCorrelation`, and nothing is
    written. With ``expect="all"`` every waiting instance gets it (at least one must wait); each
    fire commits on its own, so a refusal on a later instance leaves the earlier ones fired.
    """
    if expect not in ("one", "all"):
        raise InvalidData(f"expect must be 'one' or 'all', not {expect!r}")
    actor = external_actor(source)
    waiting = correlated(engine, workflow, event, correlate=correlate)
    if not waiting:
        raise NoCorrelatedInstance(workflow, event, dict(correlate))
    if expect == "one" and len(waiting) > 1:
        raise AmbiguousCorrelation(workflow, event, dict(correlate), [i.id for i in waiting])
    return [
        engine.fire(instance.id, event, actor=actor, payload=payload, expected_revision=instance.revision)
        for instance in waiting
    ]
