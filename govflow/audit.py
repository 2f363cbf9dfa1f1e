"""The audit trail (审计留痕): append-only, hash-chained per instance.

Each event holds the hash of the one before it, and its own hash covers every field over a
canonical JSON encoding. Editing, deleting, inserting or reordering any event breaks the chain,
and the instance row keeps the newest hash (`head`), so cutting events off the end shows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

import attrs

from govflow.errors import AuditIntegrityError

GENESIS = "0" * 64
"""The `prev_hash` of an instance's first event."""


@attrs.frozen
class AuditEvent:
    """One recorded step: who did what, when, from which state to which, and why.

    `kind` is ``start``, ``transition``, ``timer``, ``migrate`` or another engine action;
    `roles` are the actor's roles that authorised the step; `on_behalf_of` names the person a
    delegate acted for; `overrides` lists the 原则上 rules the `justification` overrode.
    """

    instance_id: str
    seq: int
    kind: str
    event: str
    source: str | None
    dest: str
    actor: str
    roles: tuple[str, ...]
    at: datetime
    payload: Mapping[str, Any]
    justification: str | None
    overrides: tuple[str, ...]
    workflow_version: int
    prev_hash: str
    hash: str
    on_behalf_of: str | None = None
    detail: Mapping[str, Any] = attrs.field(factory=dict)

    def body(self) -> dict[str, Any]:
        """Every field but `hash`, in JSON form: what the hash covers."""
        return {
            "instance_id": self.instance_id,
            "seq": self.seq,
            "kind": self.kind,
            "event": self.event,
            "source": self.source,
            "dest": self.dest,
            "actor": self.actor,
            "roles": list(self.roles),
            "on_behalf_of": self.on_behalf_of,
            "at": format_instant(self.at),
            "payload": self.payload,
            "justification": self.justification,
            "overrides": list(self.overrides),
            "workflow_version": self.workflow_version,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }


def format_instant(at: datetime) -> str:
    """An aware datetime as a fixed-width UTC ISO string (what storage and hashes use).

    Fixed width, so comparing the strings orders the instants (the timer index relies on it).
    """
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds")


def parse_instant(text: str) -> datetime:
    """Inverse of `format_instant`."""
    return datetime.fromisoformat(text)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical(body: Mapping[str, Any]) -> bytes:
    """The canonical encoding hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return _CANONICAL.encode(body).encode()


def digest(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical encoding, hex."""
    return hashlib.sha256(canonical(body)).hexdigest()


_str = encode_basestring  # JSON string literal, the same escaping json.dumps(ensure_ascii=False) uses


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


def _list(values: Sequence[str]) -> str:
    return "[" + ",".join(map(_str, values)) + "]"


def _obj(value: Mapping[str, Any]) -> str:
    return _CANONICAL.encode(value) if value else "{}"


def _canonical_text(
    instance_id: str,
    seq: int,
    kind: str,
    event: str,
    source: str | None,
    dest: str,
    actor: str,
    roles: Sequence[str],
    on_behalf_of: str | None,
    at: str,
    payload: Mapping[str, Any],
    justification: str | None,
    overrides: Sequence[str],
    workflow_version: int,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """`canonical(body)` as text, written field by field in sorted-key order (the fire path's
    hot spot). `test_audit` checks it is byte-identical to the generic encoding."""
    if type(seq) is not int or type(workflow_version) is not int:
        raise TypeError("seq and workflow_version must be integers")
    return (
        f'{{"actor":{_str(actor)},"at":{_str(at)},"dest":{_str(dest)},"detail":{_obj(detail)},'
        f'"event":{_str(event)},"instance_id":{_str(instance_id)},"justification":{_opt(justification)},'
        f'"kind":{_str(kind)},"on_behalf_of":{_opt(on_behalf_of)},"overrides":{_list(overrides)},'
        f'"payload":{_obj(payload)},"prev_hash":{_str(prev_hash)},"roles":{_list(roles)},"seq":{seq},'
        f'"source":{_opt(source)},"workflow_version":{workflow_version}}}'
    )


def seal(
    *,
    instance_id: str,
    seq: int,
    kind: str,
    event: str,
    source: str | None,
    dest: str,
    actor: str,
    roles: Sequence[str],
    at: datetime,
    payload: Mapping[str, Any],
    justification: str | None,
    overrides: Sequence[str],
    workflow_version: int,
    prev_hash: str,
    on_behalf_of: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Build the next event of a chain with its hash computed (one body, one hash, one object)."""
    return seal_positional(
        instance_id, seq, kind, event, source, dest, actor, tuple(sorted(roles)), at, payload, justification,
        tuple(overrides), workflow_version, prev_hash, on_behalf_of, dict(detail) if detail else {},
    )  # fmt: skip


def seal_positional(
    instance_id: str,
    seq: int,
    kind: str,
    event: str,
    source: str | None,
    dest: str,
    actor: str,
    roles: tuple[str, ...],
    at: datetime,
    payload: Mapping[str, Any],
    justification: str | None,
    overrides: tuple[str, ...],
    workflow_version: int,
    prev_hash: str,
    on_behalf_of: str | None,
    detail: dict[str, Any],
) -> AuditEvent:
    """`seal` for the fire path: positional, `roles` already sorted, `detail` already a dict."""
    text = _canonical_text(
        instance_id, seq, kind, event, source, dest, actor, roles, on_behalf_of, format_instant(at),
        payload, justification, overrides, workflow_version, detail, prev_hash,
    )  # fmt: skip
    return AuditEvent(
        instance_id, seq, kind, event, source, dest, actor, roles, at, payload, justification, overrides,
        workflow_version, prev_hash, hashlib.sha256(text.encode()).hexdigest(), on_behalf_of, detail,
    )  # fmt: skip


def verify_chain(instance_id: str, events: Sequence[AuditEvent], head: str, revision: int, state: str) -> None:
    """Raise `AuditIntegrityError` unless `events` form the unbroken chain ending in `head`.

    Checks, in order: numbering 1..n without gaps or repeats (deletion, insertion, reordering),
    each recomputed hash (editing), each link to the previous hash, that the newest hash is the
    instance's `head` and the count its `revision` (cutting the tail), and that replaying the
    source/dest steps from the first event ends in the instance's current `state`.
    """
    previous = GENESIS
    replay: str | None = None
    for position, event in enumerate(events, start=1):
        if event.instance_id != instance_id:
            raise AuditIntegrityError(instance_id, event.seq, f"event belongs to instance {event.instance_id}")
        if event.seq != position:
            raise AuditIntegrityError(
                instance_id,
                event.seq,
                f"expected event #{position} here, found #{event.seq} (deleted, inserted or reordered)",
            )
        if digest(event.body()) != event.hash:
            raise AuditIntegrityError(instance_id, event.seq, "its content does not match its hash (edited)")
        if event.prev_hash != previous:
            raise AuditIntegrityError(instance_id, event.seq, "it does not link to the event before it")
        if position > 1 and event.source != replay:
            raise AuditIntegrityError(
                instance_id, event.seq, f"it leaves {event.source!r} but the instance was in {replay!r}"
            )
        replay = event.dest
        previous = event.hash
    if len(events) != revision:
        raise AuditIntegrityError(
            instance_id, None, f"{len(events)} events for revision {revision} (events missing or added)"
        )
    if previous != head:
        raise AuditIntegrityError(
            instance_id, None, "the newest event is not the one the instance recorded last (events cut off)"
        )
    if replay != state:
        raise AuditIntegrityError(
            instance_id, None, f"replaying the history ends in {replay!r}, the instance is in {state!r}"
        )
