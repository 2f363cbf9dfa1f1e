"""Minimum quotas per period (govflow.quotas): the bound is inclusive; shortfalls are facts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from govflow import Actor, Days, Engine, Recurring, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import DefinitionError, InvalidData
from govflow.quotas import Minimum, record_shortfalls, shortfalls
from govflow.storage import Storage

SERVICE = Minimum("service", "service_days", 2, applies_if="able_to_work", unit="working days", source="seed 001 L285")
STUDY = Minimum("study", "study_hours", 1, each_at_least=2, unit="sessions", source="seed 001 L286")
RECORD = record_shortfalls("test_quotas.record", [SERVICE, STUDY])

LEDGER = Workflow(
    name="quota_ledger",
    version=1,
    states=[
        State(
            "running",
            initial=True,
            deadlines=[Recurring("monthly", "month", Days(5), satisfied_by="report")],
        ),
        State("ended", final=True),
    ],
    transitions=[
        Transition("report", source="running", dest="running", roles={"office"}, effects=[RECORD]),
        Transition("end", source="running", dest="ended", roles={"office"}),
    ],
)
OFFICE = Actor("li", roles={"office"}, unit="town.justice")


def test_the_bound_itself_meets_the_quota() -> None:
    able = {"able_to_work": True}
    assert shortfalls([SERVICE, STUDY], {"service_days": 2, "study_hours": [2]}, able) == []
    [short] = shortfalls([SERVICE], {"service_days": 1.5}, able)
    assert (short["quota"], short["required"], short["reported"], short["missing"]) == ("service", "2", "1.5", "0.5")
    # A 1.5-hour session does not count; two sessions of which one is 2 hours do.
    assert [f["quota"] for f in shortfalls([STUDY], {"study_hours": [1.5]})] == ["study"]
    assert shortfalls([STUDY], {"study_hours": [1.5, 2]}) == []


def test_a_quota_that_does_not_apply_is_skipped() -> None:
    assert shortfalls([SERVICE], {"service_days": 0}, {"able_to_work": False}) == []
    assert [f["quota"] for f in shortfalls([SERVICE], {}, {"able_to_work": True})] == ["service"]


def test_shortfalls_are_recorded_on_the_report(storage: Storage) -> None:
    engine = Engine(storage=storage, workflows=[LEDGER], clock=FakeClock(datetime(2024, 11, 3, 9, tzinfo=SHANGHAI)))
    case = engine.start("quota_ledger", actor=OFFICE, data={"able_to_work": True})
    after = engine.fire(
        case.id, "report", actor=OFFICE, payload={"period": "2024-10", "service_days": 1, "study_hours": [2.5]}
    )
    assert [(f["period"], f["quota"], f["missing"]) for f in after.data["shortfalls"]] == [("2024-10", "service", "1")]
    assert engine.history(case.id)[-1].detail["shortfalls"] == after.data["shortfalls"]
    after = engine.fire(
        case.id, "report", actor=OFFICE, payload={"period": "2024-11", "service_days": 2, "study_hours": [2]}
    )
    assert len(after.data["shortfalls"]) == 1  # November met both


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"service_days": 2}, "needs 'period'"),
        ({"period": "2024-10", "service_days": "two"}, "must be a number"),
        ({"period": "2024-10", "service_days": -1}, "≥ 0"),
        ({"period": "2024-10", "service_days": 2, "study_hours": 2}, "list of sizes"),
    ],
)
def test_bad_reports_are_refused(storage: Storage, payload: dict[str, object], words: str) -> None:
    engine = Engine(storage=storage, workflows=[LEDGER], clock=FakeClock(datetime(2024, 11, 3, 9, tzinfo=SHANGHAI)))
    case = engine.start("quota_ledger", actor=OFFICE, data={"able_to_work": True})
    with pytest.raises(InvalidData, match=words):
        engine.fire(case.id, "report", actor=OFFICE, payload=payload)
    assert engine.get(case.id).revision == 1


def test_bad_quotas_are_refused_when_built() -> None:
    with pytest.raises(DefinitionError, match="at_least must be > 0"):
        Minimum("none", "x", 0)
    with pytest.raises(DefinitionError, match="each_at_least must be > 0"):
        Minimum("none", "x", 1, each_at_least=Decimal(0))
