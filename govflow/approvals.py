"""Approval chains (审批链): who signs, in what order, computed from the case itself.

Which leaders approve a case often depends on the case: the overseas-trip notice routes a
bureau head's trip through the leader in charge of the line, then the deputy secretary for
foreign affairs, then the secretary — a deputy's trip through one leader only. A *routing
policy* (a registered function) turns the case's data and the organisation directory into an
ordered list of `Step`s when the case enters the chain's state; the chain it got is stored on
the instance (``marks["chains"]``) and written into the audit event of that entry.

Step kinds carry their own semantics:

| kind | 中文 | blocks | signatures needed |
|---|---|---|---|
| ``review`` | 审核 | yes | one of `people` |
| ``approve`` | 审批 | yes | one of `people` |
| ``final`` | 审定 | yes | one of `people` |
| ``consent`` | 同意 (prior consent) | yes | one of `people` |
| ``cosign`` | 会签 | yes | all of `people`, any order |
| ``quorum`` | N of M | yes | `need` of `people` |
| ``file`` | 备案 (filing) | no | none: the people are notified when the chain is set |

At each step a signer may approve (the chain's sign event), return the case for amendment
(退回修改, with comments, back to the applicant) or reject it. With ``sequential=True`` steps
open one after another within each track; otherwise every step is open at once. Steps may be
grouped into parallel `track`s (a mixed party/government delegation gets one track per line):
the chain completes when every track has.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from govflow.access import AccessContext, Grant, Requirement, ResolveContext, Separation
from govflow.effects import EffectContext, effect
from govflow.errors import DefinitionError, UnresolvedRole
from govflow.guards import GuardContext, guard
from govflow.registry import Registry

Kind = Literal["review", "approve", "final", "consent", "cosign", "quorum", "file"]

KIND_LABELS: dict[str, str] = {
    "review": "审核",
    "approve": "审批",
    "final": "审定",
    "consent": "同意",
    "cosign": "会签",
    "quorum": "多数通过",
    "file": "备案",
}


def _people(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _separation(value: Iterable[Separation]) -> tuple[Separation, ...]:
    return tuple(value)


@attrs.frozen
class Step:
    """One step of a chain: who may sign (`people`, resolved by the policy), and how many must.

    `label` names the post in the document's words ("市委分管外事工作的副书记"); `track`
    groups steps that run in parallel with other tracks.
    """

    kind: Kind
    people: tuple[str, ...] = attrs.field(converter=_people)
    label: str = ""
    need: int | None = None
    track: str = "main"

    def __attrs_post_init__(self) -> None:
        if self.kind not in KIND_LABELS:
            raise DefinitionError(
                "approval step", [f"unknown step kind {self.kind!r} (known: {', '.join(KIND_LABELS)})"]
            )

    @property
    def required(self) -> int:
        """Signatures that complete the step."""
        if self.kind == "file":
            return 0
        if self.kind == "cosign":
            return len(self.people)
        if self.kind == "quorum":
            if self.need is None:
                raise DefinitionError("approval step", ["a quorum step needs need=N"], kind="step")
            return self.need
        return 1


Policy = Callable[[ResolveContext], Sequence[Step]]

POLICIES: Registry[Policy] = Registry("routing policy")
"""Routing policies by name (`@routing`)."""


def routing(name: str) -> Callable[[Policy], Policy]:
    """Decorator: register a routing policy (case → ordered approval steps)."""

    def register(fn: Policy) -> Policy:
        return POLICIES.add(name, fn)

    return register


# -- the chain document stored on the instance -------------------------------------------------


def route(policy: str, ctx: ResolveContext, *, sequential: bool, chain: str) -> dict[str, Any]:
    """Run `policy` and return the chain document; `UnresolvedRole` for a step with nobody."""
    steps = list(POLICIES.get(policy)(ctx))
    if not steps:
        raise UnresolvedRole(f"approval chain {chain!r}", f"routing policy {policy!r} gave no steps for this case")
    docs = []
    for index, step in enumerate(steps):
        if not step.people:
            label = step.label or KIND_LABELS[step.kind]
            raise UnresolvedRole(f"{label} (step {index + 1} of chain {chain!r})", f"policy {policy!r} found nobody")
        if step.required > len(step.people):
            raise UnresolvedRole(
                f"step {index + 1} of chain {chain!r}", f"needs {step.required} signatures but names {len(step.people)}"
            )
        docs.append(
            {
                "kind": step.kind,
                "kind_label": KIND_LABELS[step.kind],
                "label": step.label,
                "people": list(step.people),
                "need": step.required,
                "track": step.track,
                "signed": [],
                "status": "notified" if step.kind == "file" else "pending",
            }
        )
    return {"policy": policy, "sequential": sequential, "steps": docs}


def open_steps(doc: Mapping[str, Any]) -> list[int]:
    """Indices of the steps that can be signed now."""
    found = []
    blocked_tracks: set[str] = set()
    for index, step in enumerate(doc["steps"]):
        if step["status"] != "pending":
            continue
        if doc["sequential"]:
            if step["track"] in blocked_tracks:
                continue
            blocked_tracks.add(step["track"])
        found.append(index)
    return found


def complete(doc: Mapping[str, Any]) -> bool:
    """Whether every blocking step of every track is done."""
    return all(step["status"] != "pending" for step in doc["steps"])


def signer(doc: Mapping[str, Any], ctx: AccessContext) -> tuple[str, Grant] | None:
    """The person the actor signs as (themselves, or whom they stand in for) and the grant."""
    pending = {
        person
        for index in open_steps(doc)
        for person in doc["steps"][index]["people"]
        if person not in doc["steps"][index]["signed"]
    }
    if ctx.actor.id in pending:
        return ctx.actor.id, Grant(("approver",))
    for holding in ctx.holdings():
        stand_in = holding.for_person
        if stand_in is not None and stand_in in pending:
            return stand_in, Grant(("approver",), stand_in, holding.via)
    return None


def signed(doc: Mapping[str, Any], person: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chain after `person` signs the first open step naming them, and that step."""
    new = copy.deepcopy(dict(doc))
    for index in open_steps(new):
        step = new["steps"][index]
        if person in step["people"] and person not in step["signed"]:
            step["signed"].append(person)
            if len(step["signed"]) >= step["need"]:
                step["status"] = "done"
            return new, {"step": index + 1, **{k: step[k] for k in ("kind", "kind_label", "label", "status")}}
    raise UnresolvedRole("approval chain", f"{person!r} has no open step to sign")


# -- the definition side -------------------------------------------------------------------------


@attrs.frozen
class ChainSigner(Requirement):
    """Be a signer of an open step of chain `chain` (or stand in for one as backup/delegate)."""

    chain: str

    def describe(self) -> str:
        return f"a signer of the open step of approval chain {self.chain!r}"

    def __str__(self) -> str:
        return f"signer of {self.chain}"

    def grant(self, ctx: AccessContext) -> Grant | None:
        doc = chain_doc(ctx.instance.marks if ctx.instance else {}, self.chain)
        if doc is None:
            return None
        doc = refreshed(doc, _resolve_context(ctx.data, ctx.instance, ctx.engine, ctx.now), self.chain)
        found = signer(doc, ctx)
        return found[1] if found else None


def chain_doc(marks: Mapping[str, Any], chain: str) -> dict[str, Any] | None:
    """The stored chain document of `chain`, if the instance has one."""
    doc = marks.get("chains", {}).get(chain)
    return doc if isinstance(doc, dict) else None


def refreshed(doc: Mapping[str, Any], ctx: ResolveContext, chain: str) -> dict[str, Any]:
    """The chain with the people of its still-open steps resolved again for `ctx.on`.

    Steps name people, resolved from posts when the case entered the chain; when a leader is
    replaced mid-chain (换届, 岗位调整), the successor signs, not the predecessor. The route's
    shape (steps, kinds, tracks) stays as entered — a case whose route would change shape must be
    returned and resubmitted. A post that has fallen vacant is an `UnresolvedRole`.
    """
    new = route(doc["policy"], ctx, sequential=doc["sequential"], chain=chain)
    shape = [(s["kind"], s["track"]) for s in doc["steps"]]
    if [(s["kind"], s["track"]) for s in new["steps"]] != shape:
        return dict(doc)
    out = copy.deepcopy(dict(doc))
    for old, fresh in zip(out["steps"], new["steps"], strict=True):
        if old["status"] == "pending" and fresh["people"] != old["people"]:
            old["people"] = fresh["people"]
            old["need"] = max(fresh["need"], len(old["signed"])) if old["kind"] == "cosign" else old["need"]
    return out


def _resolve_context(data: Mapping[str, Any], instance: Any, engine: Any, now: Any) -> ResolveContext:
    return ResolveContext(
        data=data,
        unit=instance.unit if instance is not None else None,
        directory=engine.directory,
        on=engine.calendar.local_date(now),
        instance=instance,
    )


@attrs.frozen
class Comments:
    """What a return or rejection carries: the signer's comments (意见)."""

    comments: str = attrs.field()

    @comments.validator
    def _not_blank(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not value.strip():
            raise ValueError("comments must not be empty")


@attrs.frozen
class ApprovalChain:
    """An approval chain on state `state`: routed by `policy` on entry; `sign_event` signs the
    open step (moving to `approved` when the last blocking step is done), `return_event` sends
    the case back to `returned` with comments (退回修改), `reject_event` ends it in `rejected`.

    `separation` rules apply to all three (e.g. `NotSubject` so a traveller cannot sign for
    their own trip). Add `transitions()` to the workflow's transitions and the chain to
    `Workflow(chains=...)`.
    """

    name: str
    state: str
    policy: str
    approved: str
    returned: str
    rejected: str
    sequential: bool = True
    sign_event: str = "approve"
    return_event: str = "return"
    reject_event: str = "reject"
    label: str = "审批"
    separation: tuple[Separation, ...] = attrs.field(default=(), converter=_separation)

    def transitions(self) -> list[Any]:
        """The sign / return / reject transitions this chain needs."""
        from govflow.definition import Transition

        signer_role = ChainSigner(self.name)
        last, more = _completion_guards(self.name)
        record = _record_signature(self.name)
        rules = self.separation
        return [
            Transition(self.sign_event, source=self.state, dest=self.state, roles={signer_role}, guards=[more],
                       effects=[record], label=f"{self.label}·签批", separation=rules),
            Transition(self.sign_event, source=self.state, dest=self.approved, roles={signer_role}, guards=[last],
                       effects=[record], label=f"{self.label}·签批（完成）", separation=rules),
            Transition(self.return_event, source=self.state, dest=self.returned, roles={signer_role},
                       payload_schema=Comments, label="退回修改", separation=rules),
            Transition(self.reject_event, source=self.state, dest=self.rejected, roles={signer_role},
                       payload_schema=Comments, label="不予批准", separation=rules),
        ]  # fmt: skip

    def enter(self, ctx: ResolveContext) -> dict[str, Any]:
        """The chain document for a case entering `state`."""
        return route(self.policy, ctx, sequential=self.sequential, chain=self.name)


def _signing_person(
    ctx: GuardContext | EffectContext, chain: str, marks: Mapping[str, Any]
) -> tuple[dict[str, Any], str]:
    stored = chain_doc(marks, chain)
    if stored is None:
        raise UnresolvedRole(f"approval chain {chain!r}", "the case has no chain (it did not enter the chain's state)")
    if isinstance(ctx, EffectContext):
        instance = ctx.engine.get(ctx.instance_id)
        doc = refreshed(stored, _resolve_context(ctx.data, instance, ctx.engine, ctx.now), chain)
        return doc, ctx.on_behalf_of or ctx.actor.id
    doc = refreshed(stored, _resolve_context(ctx.data, ctx.instance, ctx.engine, ctx.now), chain)
    access = AccessContext(
        actor=ctx.actor, event=ctx.event, instance=ctx.instance, data=ctx.data, now=ctx.now, engine=ctx.engine
    )
    found = signer(doc, access)
    if found is None:
        raise UnresolvedRole(f"approval chain {chain!r}", f"{ctx.actor.id!r} has no open step to sign")
    return doc, found[0]


def _completion_guards(chain: str) -> tuple[Any, Any]:
    """Guards telling the last signature (→ approved) from the others (stay in the chain)."""

    def completes(ctx: GuardContext) -> bool:
        assert ctx.instance is not None
        doc, person = _signing_person(ctx, chain, ctx.instance.marks)
        return complete(signed(doc, person)[0])

    last = guard(f"chain.{chain}.completes", "this signature completes the chain")(completes)
    more = guard(f"chain.{chain}.more_to_sign", "more signatures are needed after this one")(
        lambda ctx: not completes(ctx)
    )
    return last, more


def _record_signature(chain: str) -> Any:
    @effect(f"chain.{chain}.record", "record the signature on the chain")
    def record(ctx: EffectContext) -> None:
        doc, person = _signing_person(ctx, chain, ctx.marks)
        new, step = signed(doc, person)
        ctx.marks["chains"] = {**ctx.marks.get("chains", {}), chain: new}
        ctx.detail["signed"] = {**step, "as": person}

    return record
