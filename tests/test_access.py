"""Who may act: the organisation directory, scoped and relative roles, separation of duties,
AB岗 backups and delegation — each rule on its own, then a property over random actors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.access import (
    SEPARATIONS,
    AccessContext,
    NotActorOf,
    NotInitiator,
    NotOwnUnit,
    NotSubject,
    OwnUnitOnly,
    Relative,
    ResolveContext,
    Scoped,
    resolver,
)
from govflow.access import Custom as CustomRule
from govflow.clock import SHANGHAI, FakeClock
from govflow.directory import Absence, Backup, Delegation, Directory, Post, Unit
from govflow.errors import DefinitionError, DirectoryError, PermissionDenied, UnresolvedRole
from govflow.storage import MemoryStorage, Storage

NOW = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)

UNITS = [
    Unit("city", "重庆市", kind="市"),
    Unit("city.gov", "市政府", parent="city", line="government"),
    Unit("city.party", "市委", parent="city", line="party"),
    Unit("yubei", "渝北区", parent="city", kind="区"),
    Unit("yubei.st1", "双龙湖街道", parent="yubei", kind="街道"),
]
POSTS = [
    Post("mayor", "principal", "city.gov", "2020-01-01"),
    Post("vmayor", "vice_mayor", "city.gov", "2020-01-01", portfolio={"line:foreign_affairs"}),
    Post("sec", "principal", "city.party", "2020-01-01"),
    Post("liaison", "city_leader", "city.party", "2020-01-01", portfolio={"liaison:yubei"}),
    Post("zhang", "reviewer", "yubei", "2020-01-01"),
    Post("li", "clerk", "yubei.st1", "2020-01-01"),
    Post("wang", "clerk", "yubei.st1", "2020-01-01"),
    Post("chen", "principal", "yubei", "2020-01-01", end="2025-12-31"),
    Post("zhou", "principal", "yubei", "2026-01-01"),
]


def directory(**kw: Any) -> Directory:
    return Directory(units=UNITS, posts=POSTS, **kw)


@resolver("test_access.liaison_leader")
def liaison_leader(ctx: ResolveContext) -> list[str]:
    """市委联系该区县的领导: the city leader whose portfolio names the case's district."""
    assert ctx.directory is not None
    district = ctx.data.get("district", "")
    return [p.person for p in ctx.directory.find_posts(ctx.on, portfolio=f"liaison:{district}")]


def flow(**transition: Any) -> Workflow:
    return Workflow(
        name="case",
        version=1,
        states=[State("open", "办理中", initial=True), State("done", "办结", final=True)],
        transitions=[Transition("decide", source="open", dest="done", **transition)],
    )


def engine_for(wf: Workflow, storage: Storage | None = None, **kw: Any) -> Engine:
    return Engine(storage=storage or MemoryStorage(), workflows=[wf], clock=FakeClock(NOW), **kw)


LI = Actor("li", unit="yubei.st1")
ZHANG = Actor("zhang")


# -- the directory ------------------------------------------------------------------------------


def test_directory_tree_and_tenures() -> None:
    d = directory()
    assert d.ancestors("yubei.st1") == ["yubei.st1", "yubei", "city"]
    assert d.within("yubei.st1", "city") and not d.within("yubei", "yubei.st1")
    assert d.holders("principal", "yubei", date(2025, 6, 1)) == ["chen"]
    assert d.holders("principal", "yubei", date(2026, 6, 1)) == ["zhou"]
    with pytest.raises(DirectoryError, match="unknown unit 'nowhere'"):
        d.holders("principal", "nowhere", date(2026, 1, 1))
    with pytest.raises(DirectoryError, match="unknown position 'emperor'"):
        d.holders("emperor", "city", date(2026, 1, 1))
    assert d.holders("principal", "city.gov", date(2019, 1, 1)) == []  # vacant before the tenure began


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"units": [*UNITS, Unit("x", parent="ghost")]}, "unit 'x' has unknown parent 'ghost'"),
        ({"units": [*UNITS, Unit("a", parent="b"), Unit("b", parent="a")]}, "units form a cycle: a → b → a"),
        ({"posts": [*POSTS, Post("ma", "principal", "yubei", "2025-06-01", end="2026-02-01")]}, "single-holder post"),
        ({"posts": [*POSTS, Post("ma", "clerk", "mars", "2025-06-01")]}, "in unknown unit 'mars'"),
        ({"delegations": [Delegation("li", "li", "2026-03-01", "2026-03-10")]}, "cannot delegate to themselves"),
        (
            {"delegations": [Delegation("li", "wang", "2026-03-01", "2026-03-10", positions={"principal"})]},
            "beyond their own rights",
        ),
        ({"delegations": [Delegation("chen", "wang", "2026-03-01", "2026-03-10")]}, "holds no post for the whole of"),
        ({"backups": [Backup("li", "li", "2020-01-01")]}, "cannot be their own AB岗 backup"),
    ],
)
def test_directory_faults_are_refused(kw: dict[str, Any], message: str) -> None:
    fields = {"units": UNITS, "posts": POSTS, **kw}
    with pytest.raises(DirectoryError, match=message):
        Directory(**fields)


def test_directory_round_trips_and_is_shared_through_storage() -> None:
    d = directory(
        backups=[Backup("zhang", "li", "2020-01-01")],
        delegations=[Delegation("mayor", "vmayor", "2026-03-01", "2026-03-31")],
    )
    assert Directory.from_json(d.to_json()) == d
    csv_units = "id,name,parent,kind,line\ncity,市,,市,\nd1,一区,city,区,government\n"
    csv_posts = "person,position,unit,start,end,portfolio,line\nli,clerk,d1,2020-01-01,,line:a|line:b,\n"
    from_csv = Directory.from_csv(csv_units, csv_posts)
    assert from_csv.posts[0].portfolio == {"line:a", "line:b"}
    assert from_csv.unit("d1").line == "government"
    with pytest.raises(DirectoryError, match="malformed directory JSON"):
        Directory.from_json('{"units": [{"nope": 1}]}')
    storage = MemoryStorage()
    engine_for(flow(roles={"clerk"}), storage).load_directory(d)
    again = engine_for(flow(roles={"clerk"}), storage)
    assert again.directory == d
    assert again.actor("vmayor").roles == {"vice_mayor"}


# -- role expressions --------------------------------------------------------------------------


def test_plain_role_from_the_directory_post() -> None:
    engine = engine_for(flow(roles={"clerk"}), directory=directory())
    inst = engine.start("case", actor=LI)
    assert engine.fire(inst.id, "decide", actor=Actor("wang")).state == "done"  # wang's post gives him "clerk"


def test_scoped_role_in_own_unit_or_above() -> None:
    own = engine_for(flow(roles={Scoped("reviewer")}), directory=directory())
    inst = own.start("case", actor=LI, unit="yubei.st1")
    with pytest.raises(PermissionDenied, match="role 'reviewer' in the case's own unit") as err:
        own.fire(inst.id, "decide", actor=ZHANG)
    assert err.value.requirement == "requirement"
    above = engine_for(flow(roles={Scoped("reviewer", "ancestors")}), directory=directory())
    inst = above.start("case", actor=LI, unit="yubei.st1")
    assert above.fire(inst.id, "decide", actor=ZHANG).state == "done"
    # Without a directory the unit's dotted prefix gives the parent.
    plain = engine_for(flow(roles={Scoped("reviewer", "ancestors")}))
    inst = plain.start("case", actor=LI, unit="county.office")
    assert plain.fire(inst.id, "decide", actor=Actor("r", roles={"reviewer"}, unit="county")).state == "done"
    with pytest.raises(PermissionDenied):
        plain.fire(
            plain.start("case", actor=LI, unit="county.office").id,
            "decide",
            actor=Actor("r", roles={"reviewer"}, unit="town"),
        )


def test_relative_role_resolved_from_the_case() -> None:
    engine = engine_for(
        flow(roles={Relative("test_access.liaison_leader", "市委联系该区县的领导")}), directory=directory()
    )
    inst = engine.start("case", actor=LI, data={"district": "yubei"})
    with pytest.raises(PermissionDenied, match="市委联系该区县的领导"):
        engine.fire(inst.id, "decide", actor=Actor("sec"))
    assert engine.fire(inst.id, "decide", actor=Actor("liaison")).state == "done"
    nobody = engine.start("case", actor=LI, data={"district": "wanzhou"})
    before = (engine.get(nobody.id), engine.history(nobody.id))
    with pytest.raises(
        UnresolvedRole, match=r"市委联系该区县的领导: resolver 'test_access\.liaison_leader' found nobody"
    ):
        engine.fire(nobody.id, "decide", actor=Actor("liaison"))
    assert (engine.get(nobody.id), engine.history(nobody.id)) == before


def test_unregistered_resolver_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"unregistered resolver 'nobody\.knows'"):
        flow(roles={Relative("nobody.knows")})


# -- separation of duties -----------------------------------------------------------------------


def test_not_initiator() -> None:
    engine = engine_for(flow(roles={"clerk"}, separation=[NotInitiator()]))
    inst = engine.start("case", actor=Actor("li", roles={"clerk"}))
    with pytest.raises(PermissionDenied, match="started this case") as err:
        engine.fire(inst.id, "decide", actor=Actor("li", roles={"clerk"}))
    assert err.value.requirement == "not-initiator"
    assert engine.available(inst.id, Actor("li", roles={"clerk"})) == []
    assert engine.available(inst.id, Actor("wang", roles={"clerk"})) == ["decide"]
    assert [i.instance.id for i in engine.inbox(Actor("li", roles={"clerk"}))] == []


def test_four_eyes() -> None:
    wf = Workflow(
        name="case",
        version=1,
        states=[State("open", initial=True), State("reviewed"), State("done", final=True)],
        transitions=[
            Transition("review", source="open", dest="reviewed", roles={"officer"}),
            Transition(
                "approve", source="reviewed", dest="done", roles={"officer"}, separation=[NotActorOf(["review"])]
            ),
        ],
    )
    engine = engine_for(wf)
    a, b = Actor("a", roles={"officer"}), Actor("b", roles={"officer"})
    inst = engine.fire(engine.start("case", actor=a).id, "review", actor=a)
    with pytest.raises(PermissionDenied, match=r"'a' already did 'review' \(#2\)") as err:
        engine.fire(inst.id, "approve", actor=a)
    assert err.value.requirement == "four-eyes"
    assert engine.fire(inst.id, "approve", actor=b).state == "done"


def test_not_subject() -> None:
    engine = engine_for(flow(roles={"leader"}, separation=[NotSubject("members")]))
    inst = engine.start("case", actor=LI, data={"members": ["vmayor", "zhang"]})
    with pytest.raises(PermissionDenied, match="'vmayor' is named in 'members'"):
        engine.fire(inst.id, "decide", actor=Actor("vmayor", roles={"leader"}))
    assert engine.fire(inst.id, "decide", actor=Actor("mayor", roles={"leader"})).state == "done"


def test_self_assessment_only_on_its_own_step() -> None:
    wf = Workflow(
        name="assess",
        version=1,
        states=[State("self", "自评", initial=True), State("review", "考核"), State("done", final=True)],
        transitions=[
            Transition("self_assess", source="self", dest="review", roles={"assessor"}, separation=[OwnUnitOnly()]),
            Transition("score", source="review", dest="done", roles={"assessor"}, separation=[NotOwnUnit()]),
        ],
    )
    engine = engine_for(wf)
    own, other = Actor("own", roles={"assessor"}, unit="yubei"), Actor("other", roles={"assessor"}, unit="city")
    inst = engine.start("assess", actor=other, unit="yubei")
    with pytest.raises(PermissionDenied, match="only people of 'yubei' act on this step"):
        engine.fire(inst.id, "self_assess", actor=other)
    inst = engine.fire(inst.id, "self_assess", actor=own)
    with pytest.raises(PermissionDenied, match="may not assess their own unit"):
        engine.fire(inst.id, "score", actor=own)
    assert engine.fire(inst.id, "score", actor=other).state == "done"


def test_custom_separation_rule() -> None:
    SEPARATIONS.add(
        "test_access.no_relatives", lambda ctx, person: "relative of the applicant" if person == "li.jr" else None
    )
    engine = engine_for(flow(roles={"leader"}, separation=[CustomRule("test_access.no_relatives")]))
    inst = engine.start("case", actor=LI)
    with pytest.raises(PermissionDenied, match="relative of the applicant"):
        engine.fire(inst.id, "decide", actor=Actor("li.jr", roles={"leader"}))


# -- backups and delegation ---------------------------------------------------------------------


def test_ab_backup_acts_only_while_the_primary_is_absent() -> None:
    wf = flow(roles={"reviewer"})
    present = engine_for(wf, directory=directory(backups=[Backup("zhang", "li", "2020-01-01")]))
    inst = present.start("case", actor=LI)
    with pytest.raises(PermissionDenied):
        present.fire(inst.id, "decide", actor=LI)
    absent = engine_for(
        wf,
        directory=directory(
            backups=[Backup("zhang", "li", "2020-01-01")], absences=[Absence("zhang", "2026-03-01", "2026-03-06")]
        ),
    )
    inst = absent.start("case", actor=LI)
    inst = absent.fire(inst.id, "decide", actor=LI)
    event = absent.history(inst.id)[-1]
    assert (event.actor, event.on_behalf_of, event.detail["via"], event.roles) == (
        "li",
        "zhang",
        "backup",
        ("reviewer",),
    )


def test_delegation_records_both_and_respects_separation() -> None:
    wf = flow(roles={"vice_mayor"}, separation=[NotInitiator()])
    engine = engine_for(
        wf, directory=directory(delegations=[Delegation("vmayor", "zhang", "2026-03-01", "2026-03-10")])
    )
    inst = engine.start("case", actor=LI)
    inst = engine.fire(inst.id, "decide", actor=ZHANG)
    event = engine.history(inst.id)[-1]
    assert (event.actor, event.on_behalf_of, event.detail["via"]) == ("zhang", "vmayor", "delegation")
    # The delegator's own separation rules bind the delegate too.
    mine = engine.start("case", actor=Actor("vmayor"))
    with pytest.raises(PermissionDenied, match="'vmayor' started this case"):
        engine.fire(mine.id, "decide", actor=ZHANG)
    # Outside the period the delegation gives nothing.
    engine.clock.set(datetime(2026, 3, 11, 9, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    later = engine.start("case", actor=LI)
    with pytest.raises(PermissionDenied):
        engine.fire(later.id, "decide", actor=ZHANG)


# -- property: nobody outside the rules ever changes a state --------------------------------------

PEOPLE = ["li", "wang", "zhang", "zhou", "mayor", "vmayor", "nobody"]


def oracle(actor: str, event: str, history: list[tuple[str, str]], initiator: str, d: Directory) -> bool:
    """An independent statement of the rules below, from the directory's posts directly."""
    posts = {p.position for p in d.posts_of(actor, NOW.date())}
    if event == "review":
        return "reviewer" in posts or "principal" in posts
    if event == "approve":
        did_review = any(e == "review" and a == actor for e, a in history)
        return "principal" in posts and actor != initiator and not did_review
    if event == "return":
        return bool(posts & {"reviewer", "principal"})
    if event == "submit":
        return "clerk" in posts
    return False


RULES = Workflow(
    name="chain",
    version=1,
    states=[State("draft", initial=True), State("reviewing"), State("approving"), State("done", final=True)],
    transitions=[
        Transition("submit", source="draft", dest="reviewing", roles={"clerk"}),
        Transition("review", source="reviewing", dest="approving", roles={"reviewer", "principal"}),
        Transition("return", source=["reviewing", "approving"], dest="draft", roles={"reviewer", "principal"}),
        Transition(
            "approve",
            source="approving",
            dest="done",
            roles={"principal"},
            separation=[NotInitiator(), NotActorOf(["review"])],
        ),
    ],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initiator=st.sampled_from(PEOPLE),
    moves=st.lists(
        st.tuples(st.sampled_from(PEOPLE), st.sampled_from(["submit", "review", "return", "approve"])), max_size=25
    ),
)
def test_no_one_outside_the_rules_changes_a_state(initiator: str, moves: list[tuple[str, str]]) -> None:
    d = directory()
    engine = engine_for(RULES, directory=d)
    inst = engine.start("chain", actor=Actor(initiator))
    for person, event in moves:
        before = engine.get(inst.id)
        history = [(e.event, e.actor) for e in engine.history(inst.id)]
        valid_here = event in engine._compile_for("chain", 1).events_from[before.state]
        try:
            engine.fire(inst.id, event, actor=Actor(person))
            accepted = True
        except PermissionDenied:
            accepted = False
        except Exception:  # wrong state
            accepted = False
        allowed = valid_here and oracle(person, event, history, initiator, d)
        assert accepted == allowed, (person, event, before.state)
        after = engine.get(inst.id)
        if not accepted:
            assert after == before
        else:
            last = engine.history(inst.id)[-1]
            assert (last.actor, last.event, last.seq) == (person, event, before.revision + 1)
    engine.verify(inst.id)


def test_access_context_reads_history_only_when_asked() -> None:
    engine = engine_for(flow(roles={"clerk"}))
    inst = engine.start("case", actor=LI)
    ctx = AccessContext(actor=LI, event="decide", instance=inst, data={}, now=NOW, engine=engine)
    assert ctx._history is None
    assert [e.event for e in ctx.history()] == ["start"]
