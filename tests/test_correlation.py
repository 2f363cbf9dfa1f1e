"""External events by correlation (govflow.correlation): found through an index, fired as an external actor."""

from __future__ import annotations

from datetime import datetime

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.correlation import EXTERNAL_ROLE, correlated, deliver, external_actor
from govflow.errors import (
    AmbiguousCorrelation,
    GovflowError,
    GuardRejected,
    InvalidData,
    NoCorrelatedInstance,
    PermissionDenied,
    UnknownEvent,
)
from govflow.guards import GuardContext, guard
from govflow.storage import Storage


@guard("test_correlation.dated", "羁押 needs the day of detention (detained_on)")
def dated(ctx: GuardContext) -> bool:
    return bool(ctx.data.get("detained_on"))


CASE = Workflow(
    name="case",
    version=1,
    index=("person_id",),
    states=[
        State("open", "办理中", initial=True),
        State("closed", "已解除", final=True),
        State("ended", "自然解除", final=True),
    ],
    transitions=[
        Transition("close", source="open", dest="closed", roles={"officer"}),
        Transition("detained", source="open", dest="ended", roles={EXTERNAL_ROLE}, guards=[dated]),
    ],
)
OFFICER = Actor("li", roles={"officer"}, unit="town.justice")
DETENTION = {"detained_on": "2024-10-03"}


@pytest.fixture
def engine(storage: Storage) -> Engine:
    return Engine(storage=storage, workflows=[CASE], clock=FakeClock(datetime(2024, 10, 8, 9, tzinfo=SHANGHAI)))


def test_delivers_to_the_one_waiting_case_as_the_external_source(engine: Engine) -> None:
    mine = engine.start("case", actor=OFFICER, data={"person_id": "330100198001010011"})
    other = engine.start("case", actor=OFFICER, data={"person_id": "330100198001010022"})
    [ended] = deliver(
        engine,
        "case",
        "detained",
        correlate={"person_id": "330100198001010011"},
        source="county.police",
        payload=DETENTION,
    )
    assert (ended.id, ended.state, ended.data["detained_on"]) == (mine.id, "ended", "2024-10-03")
    last = engine.history(mine.id)[-1]
    assert (last.event, last.actor, last.roles, last.payload) == (
        "detained",
        "external:county.police",
        (EXTERNAL_ROLE,),
        DETENTION,
    )
    assert engine.get(other.id).state == "open"
    engine.verify(mine.id)


def test_a_closed_case_is_not_waiting(engine: Engine) -> None:
    case = engine.start("case", actor=OFFICER, data={"person_id": "P1"})
    engine.fire(case.id, "close", actor=OFFICER)
    with pytest.raises(NoCorrelatedInstance, match="no 'case' instance with person_id='P1' is waiting for 'detained'"):
        deliver(engine, "case", "detained", correlate={"person_id": "P1"}, source="county.police", payload=DETENTION)
    assert engine.history(case.id)[-1].event == "close"


def test_no_match_and_several_matches_are_refused_and_write_nothing(engine: Engine) -> None:
    with pytest.raises(NoCorrelatedInstance) as none:
        deliver(engine, "case", "detained", correlate={"person_id": "nobody"}, source="county.police")
    assert (none.value.workflow, none.value.correlate) == ("case", {"person_id": "nobody"})
    first = engine.start("case", actor=OFFICER, data={"person_id": "P2"})
    second = engine.start("case", actor=OFFICER, data={"person_id": "P2"})
    with pytest.raises(AmbiguousCorrelation) as several:
        deliver(engine, "case", "detained", correlate={"person_id": "P2"}, source="county.police", payload=DETENTION)
    assert set(several.value.instance_ids) == {first.id, second.id}
    assert {engine.get(i).revision for i in (first.id, second.id)} == {1}
    both = deliver(
        engine,
        "case",
        "detained",
        correlate={"person_id": "P2"},
        source="county.police",
        payload=DETENTION,
        expect="all",
    )
    assert {i.state for i in both} == {"ended"}


def test_refusals_of_the_fire_itself_pass_through(engine: Engine) -> None:
    case = engine.start("case", actor=OFFICER, data={"person_id": "P3"})
    with pytest.raises(GuardRejected, match="detained_on"):
        deliver(engine, "case", "detained", correlate={"person_id": "P3"}, source="county.police", payload={})
    assert engine.get(case.id).state == "open"
    # A person cannot fire the external event, and the external actor cannot close a case.
    with pytest.raises(PermissionDenied):
        engine.fire(case.id, "detained", actor=OFFICER, payload=DETENTION)
    with pytest.raises(PermissionDenied):
        deliver(engine, "case", "close", correlate={"person_id": "P3"}, source="county.police")


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"correlate": {}}, InvalidData, "at least one correlation field"),
        ({"correlate": {"name": "张三"}}, InvalidData, "not indexed"),
        ({"source": " "}, InvalidData, "non-empty source"),
        ({"event": "vanish"}, UnknownEvent, "no event 'vanish'"),
        ({"expect": "some"}, InvalidData, "expect must be"),
    ],
)
def test_bad_deliveries_are_refused(
    engine: Engine, kwargs: dict[str, object], error: type[GovflowError], words: str
) -> None:
    engine.start("case", actor=OFFICER, data={"person_id": "P4", "name": "张三"})
    call: dict[str, object] = {"event": "detained", "correlate": {"person_id": "P4"}, "source": "county.police"}
    call.update(kwargs)
    with pytest.raises(error, match=words):
        deliver(engine, "case", **call)  # type: ignore[arg-type]


def test_correlated_lists_without_firing(engine: Engine) -> None:
    case = engine.start("case", actor=OFFICER, data={"person_id": "P5"})
    assert [i.id for i in correlated(engine, "case", "detained", correlate={"person_id": "P5"})] == [case.id]
    assert engine.get(case.id).revision == 1
    assert external_actor("prison.a").id == "external:prison.a"
