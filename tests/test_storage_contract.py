"""The storage contract: one suite, unchanged, against every adapter (the `storage` fixture)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from govflow.audit import GENESIS, seal
from govflow.errors import ConcurrentModification, InstanceNotFound
from govflow.instance import Instance
from govflow.storage import Change, Query, Storage, TimerQuery
from govflow.timer import Timer

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def instance(iid: str, *, revision: int = 1, state: str = "a", head: str = "h", **kw: object) -> Instance:
    fields: dict[str, object] = {
        "id": iid,
        "workflow": "w",
        "workflow_version": 1,
        "state": state,
        "data": {"n": 1},
        "revision": revision,
        "unit": "u1",
        "created_at": T0,
        "updated_at": T0,
        "created_by": "alice",
        "head": head,
    }
    fields.update(kw)
    return Instance(**fields)  # type: ignore[arg-type]


def event(iid: str, seq: int, prev: str = GENESIS, dest: str = "a", source: str | None = None) -> object:
    return seal(
        instance_id=iid,
        seq=seq,
        kind="start" if seq == 1 else "transition",
        event="e",
        source=source,
        dest=dest,
        actor="alice",
        roles=["clerk"],
        at=T0,
        payload={"k": "值"},
        justification=None,
        overrides=(),
        workflow_version=1,
        prev_hash=prev,
    )


def timer(tid: str, iid: str, due: datetime, state: str | None = "a") -> Timer:
    return Timer(id=tid, instance_id=iid, name="reply", due=due, action="overdue", state=state, params={"days": 10})


def create(storage: Storage, iid: str, **kw: object) -> Instance:
    first = event(iid, 1)
    inst = instance(iid, head=first.hash, **kw)  # type: ignore[attr-defined]
    storage.commit(Change(instance=inst, expected_revision=0, events=(first,)))  # type: ignore[arg-type]
    return inst


def test_create_load_and_history(storage: Storage) -> None:
    inst = create(storage, "i1")
    assert storage.load("i1") == inst
    [first] = storage.history("i1")
    assert (first.seq, first.payload, first.at) == (1, {"k": "值"}, T0)
    assert storage.history("nobody") == []
    with pytest.raises(InstanceNotFound):
        storage.load("nobody")


def test_creating_twice_is_a_conflict(storage: Storage) -> None:
    create(storage, "i1")
    with pytest.raises(ConcurrentModification):
        create(storage, "i1")
    assert len(storage.history("i1")) == 1


def test_compare_and_set_on_revision(storage: Storage) -> None:
    inst = create(storage, "i1")
    second = event("i1", 2, inst.head, "b", "a")
    nxt = instance("i1", revision=2, state="b", head=second.hash)  # type: ignore[attr-defined]
    storage.commit(Change(instance=nxt, expected_revision=1, events=(second,)))  # type: ignore[arg-type]
    with pytest.raises(ConcurrentModification, match="expected revision 1, it is at revision 2"):
        storage.commit(Change(instance=instance("i1", revision=2, state="zzz"), expected_revision=1, events=(second,)))  # type: ignore[arg-type]
    assert storage.load("i1") == nxt
    assert [e.seq for e in storage.history("i1")] == [1, 2]
    with pytest.raises(ConcurrentModification, match="it is deleted"):
        storage.commit(Change(instance=instance("ghost", revision=2), expected_revision=1, events=()))


def test_timers_arm_cancel_fire_exactly_once(storage: Storage) -> None:
    inst = create(storage, "i1")
    t1, t2, t3 = (
        timer("t1", "i1", T0 + timedelta(days=2)),
        timer("t2", "i1", T0 + timedelta(days=1)),
        timer("t3", "i1", T0 + timedelta(days=5), None),
    )
    storage.commit(
        Change(instance=instance("i1", revision=1, head=inst.head), expected_revision=1, events=(), arm=(t1, t2, t3))
    )
    assert [t.id for t in storage.timers("i1")] == ["t2", "t1", "t3"]
    assert storage.timers("i1")[0] == t2
    lease = timedelta(minutes=5)
    assert [t.id for t in storage.claim_due(T0 + timedelta(days=9), 1, worker="w1", lease=lease)] == ["t2"]
    assert [t.id for t in storage.claim_due(T0 + timedelta(days=2), 10, worker="w2", lease=lease)] == ["t1"]
    storage.commit(
        Change(
            instance=instance("i1", revision=1, head=inst.head),
            expected_revision=1,
            events=(),
            claim=(("t2", "fired"),),
            settle=(("t1", "cancelled"),),
        )
    )
    assert [t.id for t in storage.timers("i1")] == ["t3"]
    # Firing a timer that is no longer pending loses, and the whole change is refused.
    with pytest.raises(ConcurrentModification):
        storage.commit(
            Change(
                instance=instance("i1", revision=1, state="moved", head=inst.head),
                expected_revision=1,
                events=(),
                claim=(("t2", "fired"),),
            )
        )
    assert storage.load("i1").state == "a"


def test_leases_spread_due_timers_between_workers(storage: Storage) -> None:
    inst = create(storage, "i1")
    timers = tuple(timer(f"t{n}", "i1", T0 + timedelta(minutes=n)) for n in range(5))
    storage.commit(
        Change(instance=instance("i1", revision=1, head=inst.head), expected_revision=1, events=(), arm=timers)
    )
    now, lease = T0 + timedelta(hours=1), timedelta(minutes=5)
    first = storage.claim_due(now, 3, worker="a", lease=lease)
    second = storage.claim_due(now, 3, worker="b", lease=lease)
    assert [t.id for t in first] == ["t0", "t1", "t2"]
    assert [t.id for t in second] == ["t3", "t4"]
    assert storage.claim_due(now, 10, worker="c", lease=lease) == []
    # Worker a dies holding t0-t2; once its lease runs out, others take them.
    assert [t.id for t in storage.claim_due(now + lease, 10, worker="c", lease=lease)] == ["t0", "t1", "t2", "t3", "t4"]
    # A claimed (fired) timer is never leased again.
    storage.commit(Change(instance=storage.load("i1"), expected_revision=1, events=(), claim=(("t0", "fired"),)))
    assert "t0" not in [t.id for t in storage.claim_due(now + 3 * lease, 10, worker="d", lease=lease)]


def test_queries(storage: Storage) -> None:
    create(storage, "i1")
    create(storage, "i2", state="b", unit="u2", created_at=T0 + timedelta(hours=1))
    create(storage, "i3", workflow="other", created_at=T0 + timedelta(hours=2), parent_id="i1")
    inst = storage.load("i2")
    storage.commit(
        Change(
            instance=inst,
            expected_revision=1,
            events=(),
            keys=(("members", "bob"), ("members", "amy"), ("year", "2026")),
        )
    )
    storage.commit(Change(instance=storage.load("i1"), expected_revision=1, events=(), keys=(("members", "bob"),)))
    ids = lambda q: [i.id for i in storage.find(q)]  # noqa: E731
    assert ids(Query()) == ["i1", "i2", "i3"]
    assert ids(Query(workflow="w")) == ["i1", "i2"]
    assert ids(Query(states=("b",))) == ["i2"]
    assert ids(Query(states=())) == []
    assert ids(Query(unit="u2")) == ["i2"]
    assert ids(Query(parent_id="i1")) == ["i3"]
    assert ids(Query(where={"members": "bob"})) == ["i1", "i2"]
    assert ids(Query(where={"members": "bob", "year": "2026"})) == ["i2"]
    assert ids(Query(where={"members": "zed"})) == []
    assert ids(Query(created_from=T0 + timedelta(hours=1))) == ["i2", "i3"]
    assert ids(Query(created_to=T0 + timedelta(hours=1))) == ["i1"]
    assert ids(Query(limit=2, offset=1)) == ["i2", "i3"]
    assert storage.count(Query(workflow="w", limit=1)) == 2
    # Re-indexing replaces the old keys.
    storage.commit(Change(instance=storage.load("i2"), expected_revision=1, events=(), keys=(("members", "amy"),)))
    assert ids(Query(where={"members": "bob"})) == ["i1"]


def test_documents(storage: Storage) -> None:
    assert storage.get_document("calendar", "2027") is None
    doc = {"holidays": ["2027-01-01"], "note": "国务院办公厅通知"}
    storage.put_document("calendar", "2027", doc)
    doc["holidays"].append("2027-10-01")
    assert storage.get_document("calendar", "2027") == {"holidays": ["2027-01-01"], "note": "国务院办公厅通知"}
    storage.put_document("calendar", "2027", {"v": 2})
    storage.put_document("calendar", "2028", {"v": 3})
    storage.put_document("sanction", "2027", {"v": 4})
    assert storage.documents("calendar") == {"2027": {"v": 2}, "2028": {"v": 3}}


def test_threads_racing_on_one_instance_lose_cleanly(storage: Storage) -> None:
    inst = create(storage, "i1")
    wins: list[int] = []
    losses: list[int] = []
    barrier = threading.Barrier(8)

    def attempt(n: int) -> None:
        nxt = event("i1", 2, inst.head, f"s{n}", "a")
        barrier.wait()
        try:
            storage.commit(
                Change(
                    instance=instance("i1", revision=2, state=f"s{n}", head=nxt.hash),
                    expected_revision=1,
                    events=(nxt,),
                )
            )  # type: ignore[attr-defined]
            wins.append(n)
        except ConcurrentModification:
            losses.append(n)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 7
    assert storage.load("i1").state == f"s{wins[0]}"
    assert [e.seq for e in storage.history("i1")] == [1, 2]


def test_changes_riding_along_commit_together_or_not_at_all(storage: Storage) -> None:
    parent = create(storage, "p1")
    child_event = event("c1", 1)
    child = Change(
        instance=instance("c1", head=child_event.hash, parent_id="p1"), expected_revision=0, events=(child_event,)
    )  # type: ignore[attr-defined]
    stale = Change(instance=instance("p1", revision=5), expected_revision=4, events=())
    with pytest.raises(ConcurrentModification):
        storage.commit(attrs.evolve(stale, also=(child,)))
    with pytest.raises(InstanceNotFound):
        storage.load("c1")
    nxt = event("p1", 2, parent.head, "b", "a")
    storage.commit(
        Change(
            instance=instance("p1", revision=2, state="b", head=nxt.hash),
            expected_revision=1,
            events=(nxt,),
            also=(child,),
        )
    )  # type: ignore[attr-defined]
    assert storage.load("c1").parent_id == "p1" and storage.load("p1").state == "b"


# -- timers of workflows an engine has not loaded; retries; re-arming (schema version 3) --------


def timers_of_two_workflows(storage: Storage) -> None:
    """i1 (w v1) and i2 (other v1) and i3 (w v2), each with one timer due at T0 + 1 h."""
    for iid, workflow, version in (("i1", "w", 1), ("i2", "other", 1), ("i3", "w", 2)):
        inst = create(storage, iid, workflow=workflow, workflow_version=version)
        storage.commit(
            Change(
                instance=inst,
                expected_revision=1,
                events=(),
                arm=(timer(f"t-{iid}", iid, T0 + timedelta(hours=1)),),
            )
        )


def test_claim_due_leases_only_timers_of_the_given_workflow_versions(storage: Storage) -> None:
    timers_of_two_workflows(storage)
    now, lease = T0 + timedelta(hours=2), timedelta(minutes=5)
    assert [t.id for t in storage.claim_due(now, 10, worker="a", lease=lease, workflows={("w", 1)})] == ["t-i1"]
    assert storage.claim_due(now, 10, worker="a", lease=lease, workflows=[]) == []
    # What was not leased is still there for an engine that has the definitions.
    assert storage.due_elsewhere(now, {("w", 1)}) == {("other", 1): 1, ("w", 2): 1}
    assert storage.due_elsewhere(now, {("w", 1), ("other", 1), ("w", 2)}) == {}
    assert storage.due_elsewhere(T0, set()) == {}  # nothing due yet
    rest = storage.claim_due(now, 10, worker="b", lease=lease, workflows={("other", 1), ("w", 2), ("w", 1)})
    assert [t.id for t in rest] == ["t-i2", "t-i3"]
    assert storage.instance_versions() == {("other", 1): 1, ("w", 1): 1, ("w", 2): 1}


def test_a_failed_attempt_backs_off_and_is_recorded(storage: Storage) -> None:
    timers_of_two_workflows(storage)
    now, lease = T0 + timedelta(hours=2), timedelta(minutes=5)
    [leased] = storage.claim_due(now, 1, worker="a", lease=lease)
    retry_at = now + timedelta(minutes=10)
    assert storage.record_attempt(leased.id, attempts=1, retry_at=retry_at, error="KeyError: 'x'") is True
    [stored] = storage.timers(leased.id.removeprefix("t-"))
    assert (stored.status, stored.attempts, stored.retry_at, stored.last_error) == (
        "pending",
        1,
        retry_at,
        "KeyError: 'x'",
    )
    # Backing off: not leased before retry_at, by anyone, though its lease was released.
    assert leased.id not in [t.id for t in storage.claim_due(now, 10, worker="b", lease=lease)]
    assert leased.id in [t.id for t in storage.claim_due(retry_at, 10, worker="c", lease=lease)]
    found = storage.find_timers(TimerQuery(statuses=("pending",), failed_attempts=True))
    assert [t.id for t, _ in found] == [leased.id]
    # A settled timer takes no attempt.
    iid = leased.instance_id
    storage.commit(Change(instance=storage.load(iid), expected_revision=1, events=(), claim=((leased.id, "fired"),)))
    assert storage.record_attempt(leased.id, attempts=2, retry_at=retry_at, error="late") is False


def test_released_leases_are_taken_at_once(storage: Storage) -> None:
    timers_of_two_workflows(storage)
    now, lease = T0 + timedelta(hours=2), timedelta(minutes=5)
    batch = storage.claim_due(now, 10, worker="a", lease=lease)
    assert storage.claim_due(now, 10, worker="b", lease=lease) == []
    assert storage.release([t.id for t in batch], worker="someone-else") == 0
    assert storage.release([batch[0].id, batch[1].id], worker="a") == 2
    assert storage.release([], worker="a") == 0
    assert [t.id for t in storage.claim_due(now, 10, worker="b", lease=lease)] == [batch[0].id, batch[1].id]


def test_a_parked_timer_is_reopened_only_while_failed(storage: Storage) -> None:
    timers_of_two_workflows(storage)
    inst = storage.load("i1")
    storage.commit(Change(instance=inst, expected_revision=1, events=(), claim=(("t-i1", "failed"),)))
    assert storage.timers("i1") == []
    [(parked, owner)] = storage.find_timers(TimerQuery(statuses=("failed",), ids=("t-i1",)))
    assert (parked.status, owner.id) == ("failed", "i1")
    second = event("i1", 2, inst.head)
    nxt = instance("i1", revision=2, head=second.hash)  # type: ignore[attr-defined]
    storage.commit(Change(instance=nxt, expected_revision=1, events=(second,), reopen=("t-i1",)))  # type: ignore[arg-type]
    [reopened] = storage.timers("i1")
    assert (reopened.id, reopened.status, reopened.attempts, reopened.last_error) == ("t-i1", "pending", 0, None)
    assert [t.id for t in storage.claim_due(T0 + timedelta(hours=2), 10, worker="a", lease=timedelta(minutes=5))][
        :1
    ] == ["t-i1"]
    # Reopening a timer that is not failed is a lost race, and nothing of the change is written.
    third = event("i1", 3, nxt.head)
    with pytest.raises(ConcurrentModification):
        storage.commit(
            Change(
                instance=instance("i1", revision=3, state="moved"),
                expected_revision=2,
                events=(third,),
                reopen=("t-i1",),
            )  # type: ignore[arg-type]
        )
    assert storage.load("i1").revision == 2 and len(storage.history("i1")) == 2
    assert storage.find_timers(TimerQuery(statuses=("pending",), ids=())) == []


@pytest.mark.parametrize(
    ("data", "payload", "fragment"),
    [
        ({"z": -0.0}, {}, "data['z']: -0.0 is refused"),
        ({"t": "a\x00b"}, {}, "data['t']: NUL character (U+0000) at position 1"),
        ({"n": 1}, {"k": ["\x00"]}, "payload['k'][0]: NUL character"),
        ({"n": 1}, {"k": "\ud800"}, "payload['k']: lone surrogate U+D800"),
        ({9: "a"}, {}, "data: key 9 (int) is not text"),
    ],
)
def test_every_adapter_refuses_what_one_of_them_cannot_store(
    storage: Storage, data: dict[object, object], payload: dict[str, object], fragment: str
) -> None:
    from govflow.errors import InvalidData

    first = attrs.evolve(event("i1", 1), payload=payload)  # type: ignore[misc]
    inst = instance("i1", head=first.hash, data=data)
    with pytest.raises(InvalidData) as err:
        storage.commit(Change(instance=inst, expected_revision=0, events=(first,)))
    assert fragment in str(err.value)
    with pytest.raises(InstanceNotFound):
        storage.load("i1")
    assert storage.history("i1") == []


@pytest.mark.parametrize(
    ("page", "fragment"),
    [
        ({"limit": -1}, "limit must be from 0 to 2147483647 (inclusive), not -1"),
        ({"offset": -1}, "offset must be from 0 to 2147483647 (inclusive), not -1"),
        ({"limit": 2**70}, "limit must be from 0"),
        ({"offset": 2**31}, "offset must be from 0"),
        ({"limit": 1.5}, "limit must be a whole number, got float"),
    ],
)
def test_one_page_bound_on_every_adapter(storage: Storage, page: dict[str, object], fragment: str) -> None:
    from govflow.errors import InvalidData

    create(storage, "i1")
    with pytest.raises(InvalidData, match=re.escape(fragment)):
        storage.find(Query(**page))  # type: ignore[arg-type]
    assert [i.id for i in storage.find(Query(limit=2**31 - 1, offset=0))] == ["i1"]
    assert storage.find(Query(limit=0)) == []


def test_rescheduling_timers_commits_with_the_audit_event_or_not_at_all(storage: Storage) -> None:
    """A recomputed deadline (a year's official schedule arrived) moves with its audit event."""
    inst = create(storage, "i1")
    t1 = attrs.evolve(timer("t1", "i1", T0 + timedelta(days=2)), provisional=True)
    t2 = timer("t2", "i1", T0 + timedelta(days=3))
    storage.commit(Change(instance=inst, expected_revision=1, events=(), arm=(t1, t2)))
    second = event("i1", 2, inst.head)
    moved = attrs.evolve(t1, due=T0 + timedelta(days=4), provisional=False, params={"days": 10, "due_date": "x"})
    nxt = instance("i1", revision=2, head=second.hash)  # type: ignore[attr-defined]
    storage.commit(Change(instance=nxt, expected_revision=1, events=(second,), reschedule=(moved,)))  # type: ignore[arg-type]
    assert storage.timers("i1") == [attrs.evolve(t2), moved]
    assert [e.seq for e in storage.history("i1")] == [1, 2]
    # A timer that is no longer pending cannot be rescheduled: the whole change is refused.
    storage.commit(Change(instance=nxt, expected_revision=2, events=(), settle=(("t2", "cancelled"),)))
    third = event("i1", 3, second.hash)  # type: ignore[attr-defined]
    late = attrs.evolve(t2, due=T0 + timedelta(days=9))
    with pytest.raises(ConcurrentModification):
        storage.commit(
            Change(
                instance=instance("i1", revision=3, state="moved", head=third.hash),  # type: ignore[attr-defined]
                expected_revision=2,
                events=(third,),  # type: ignore[arg-type]
                reschedule=(late,),
            )
        )
    assert storage.load("i1").revision == 2 and len(storage.history("i1")) == 2
    assert storage.timers("i1") == [moved]
