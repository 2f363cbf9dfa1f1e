"""Routing tables as data (govflow.routing), escalation ladders (govflow.ladder) and weekly /
within-the-period recurring duties (govflow.deadlines.Recurring)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from govflow import Actor, Days, Engine, Recurring, State, Transition, Workflow, WorkingDays, check
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import describe, period_label, period_of
from govflow.errors import DefinitionError, InvalidData
from govflow.ladder import Ladder, Level
from govflow.routing import Route, RoutingTable
from govflow.storage import Storage

TABLE = RoutingTable(
    "matters",
    routes=[
        Route("lamp", "d.lighting", WorkingDays(3), label="路灯"),
        Route("fumes", "d.environment", Days(5, roll_forward=True), label="油烟"),
        Route("market", "d.lighting", WorkingDays(2)),
    ],
)


def at(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


# -- routing tables ---------------------------------------------------------------------------------


def test_a_route_is_looked_up_by_category() -> None:
    assert TABLE.route("fumes") == Route("fumes", "d.environment", Days(5, roll_forward=True), label="油烟")
    assert TABLE.categories == ("lamp", "fumes", "market")
    assert TABLE.units() == ("d.lighting", "d.environment")
    assert TABLE.has("lamp") and not TABLE.has("ufo")


def test_an_unknown_category_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidData, match=r"no route for category 'ufo' \(known: lamp, fumes, market\)"):
        TABLE.route("ufo")


def test_a_default_catches_the_rest() -> None:
    table = RoutingTable("t", routes=[], default="d.office", default_limit=WorkingDays(10))
    route = table.route("anything")
    assert (route.unit, route.limit, table.has("anything")) == ("d.office", WorkingDays(10), False)
    assert table.units() == ("d.office",)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: RoutingTable("t", routes=[Route("a", "u", Days(1)), Route("a", "v", Days(2))]), "routed twice"),
        (lambda: RoutingTable("t", routes=[]), "at least one route"),
        (lambda: RoutingTable("t", routes=[Route("a", "u", Days(1))], default="u"), "together"),
        (lambda: RoutingTable("", routes=[Route("a", "u", Days(1))]), "non-empty name"),
        (lambda: Route("", "u", Days(1)), "non-empty category"),
        (lambda: Route("a", "", Days(1)), "non-empty unit"),
        (lambda: Route("a", "u", 3), "WorkingDays or Days"),  # type: ignore[arg-type]
    ],
)
def test_bad_tables_are_definition_errors(build: object, words: str) -> None:
    with pytest.raises(DefinitionError, match=words):
        build()  # type: ignore[operator]


def test_a_table_round_trips_through_json() -> None:
    with_default = RoutingTable(
        "t", routes=TABLE.routes, default="d.office", default_limit=Days(3, roll_forward=True), source="seed 002 L16"
    )
    for table in (TABLE, with_default):
        assert RoutingTable.from_json(table.to_json()) == table
    with pytest.raises(DefinitionError, match="unknown limit"):
        RoutingTable.from_json({"name": "t", "routes": [{"category": "a", "unit": "u", "limit": {"type": "Weeks"}}]})


# -- ladders ---------------------------------------------------------------------------------------

LEVELS = [
    Level("grid", "网格", "grid_head", Days(1)),
    Level("community", "社区", "community", WorkingDays(5)),
    Level("street", "街道", "street", WorkingDays(5)),
]


def _flow(ladder: Ladder) -> Workflow:
    return Workflow(
        name=f"ladder_{ladder.on_expiry}",
        version=1,
        states=[State("new", initial=True), *ladder.states(), State("done", final=True)],
        transitions=[
            Transition("take", source="new", dest=ladder.state_name("grid"), roles={"grid_head"}),
            *ladder.transitions(),
            *(Transition("solve", source=s, dest="done", roles={"street"}) for s in ladder.state_names),
        ],
    )


def test_a_ladder_builds_one_state_per_level_with_its_limit() -> None:
    ladder = Ladder("at", levels=LEVELS)
    states = ladder.states()
    assert [(s.name, s.label) for s in states] == [
        ("at_grid", "网格办理中"),
        ("at_community", "社区办理中"),
        ("at_street", "街道办理中"),
    ]
    assert [(d.name, d.duration, d.action.kind) for s in states for d in s.deadlines] == [
        ("grid_limit", Days(1), "overdue"),
        ("community_limit", WorkingDays(5), "overdue"),
        ("street_limit", WorkingDays(5), "overdue"),
    ]
    assert [(t.event, t.roles, t.label) for t in ladder.transitions()] == [
        ("escalate", frozenset({"grid_head"}), "上报社区"),
        ("escalate", frozenset({"community"}), "上报街道"),
    ]
    assert ladder.level_of("at_street") == LEVELS[2] and ladder.level_of("new") is None
    assert ladder.above("community") == LEVELS[2] and ladder.above(LEVELS[2]) is None
    assert ladder.level("grid") == LEVELS[0]
    assert check(_flow(ladder)) == []


def test_an_auto_ladder_climbs_on_expiry_and_the_top_is_only_marked(storage: Storage) -> None:
    """Taken Fri 2016-09-30: the grid's 1 day ends on the 1st (a holiday), the community's 5
    working days from the 1st end on Wed 10-12 (8, 9, 10, 11, 12 October)."""
    ladder = Ladder("at", levels=LEVELS, on_expiry="escalate")
    assert next(t.roles for t in ladder.transitions()) == frozenset({"grid_head", "system"})
    assert ladder.deadline(LEVELS[2]).action.kind == "overdue"
    wf = _flow(ladder)
    clock = FakeClock(at(2016, 9, 30))
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    head = Actor("wang", roles={"grid_head"}, unit="g1")
    case = engine.start(wf.name, actor=head).id
    engine.fire(case, "take", actor=head)
    clock.set(at(2016, 10, 2))
    assert [(o.timer.name, o.result) for o in engine.tick()] == [("grid_limit", "done")]
    assert engine.get(case).state == "at_community"
    [timer] = [t for t in engine.timers(case) if t.status == "pending"]
    assert timer.params["due_date"] == "2016-10-12"
    clock.set(at(2016, 10, 13))
    engine.tick()
    assert engine.get(case).state == "at_street"
    clock.set(at(2016, 11, 1))
    engine.tick()
    inst = engine.get(case)
    assert inst.state == "at_street" and "street_limit" in inst.marks["overdue"]
    assert [e.actor for e in engine.history(case) if e.event == "escalate"] == ["system", "system"]


@pytest.mark.parametrize(
    ("levels", "kw", "words"),
    [
        (LEVELS[:1], {}, "at least two levels"),
        ([LEVELS[0], LEVELS[0]], {}, "repeat"),
        (LEVELS, {"on_expiry": "explode"}, "on_expiry"),
    ],
)
def test_bad_ladders_are_definition_errors(levels: list[Level], kw: dict[str, str], words: str) -> None:
    with pytest.raises(DefinitionError, match=words):
        Ladder("at", levels=levels, **kw)  # type: ignore[arg-type]


# -- weekly duties and duties due within their period ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period", "label"),
    [
        (date(2016, 10, 1), ("2016-09-26", "2016-10-02"), "2016-W39"),
        (date(2016, 10, 3), ("2016-10-03", "2016-10-09"), "2016-W40"),
        (date(2021, 1, 1), ("2020-12-28", "2021-01-03"), "2020-W53"),  # ISO year of the Monday
        (date(2024, 12, 30), ("2024-12-30", "2025-01-05"), "2025-W01"),
    ],
)
def test_weeks_run_monday_to_sunday(day: date, period: tuple[str, str], label: str) -> None:
    first, last = period_of("week", day)
    assert (first.isoformat(), last.isoformat()) == period
    assert period_label("week", first) == label


def test_a_duty_within_its_period(storage: Storage) -> None:
    weekly = Recurring("meeting", "week", None, satisfied_by="meet", label="周例会")
    monthly = Recurring("analysis", "month", None, satisfied_by="analyse")
    assert describe(weekly) == ("every week, by its last day; met by meet", "each period", "mark overdue (逾期)")
    wf = Workflow(
        name="duties", version=1,
        states=[State("on", initial=True, deadlines=[weekly, monthly]), State("off", final=True)],
        transitions=[Transition("meet", source="on", dest="on", roles={"head"}),
                     Transition("analyse", source="on", dest="on", roles={"head"}),
                     Transition("stop", source="on", dest="off", roles={"head"})],
    )  # fmt: skip
    assert Workflow.from_json(wf.to_json()) == wf and check(wf) == []
    clock = FakeClock(at(2016, 9, 28))
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    head = Actor("wang", roles={"head"}, unit="g1")
    inst = engine.start("duties", actor=head).id
    assert {t.name: t.params["due_date"] for t in engine.timers(inst)} == {
        "meeting": "2016-10-02",
        "analysis": "2016-09-30",
    }
    clock.set(at(2016, 10, 2, 23))
    assert [o.timer.name for o in engine.tick()] == ["analysis"]  # the week is still open until 24:00
    engine.fire(inst, "meet", actor=head)
    assert sorted((t.name, t.params["period"], t.status) for t in engine.timers(inst)) == [
        ("analysis", "2016-09", "overdue"),
        ("analysis", "2016-10", "pending"),
        ("meeting", "2016-W40", "pending"),
    ]


def test_every_names_week() -> None:
    with pytest.raises(DefinitionError, match="every must be week, month"):
        Recurring("x", "day", None, satisfied_by="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("module", ["govflow.routing", "govflow.ladder"])
def test_the_module_examples_run(module: str) -> None:
    import importlib
    import re

    doc = importlib.import_module(module).__doc__ or ""
    [code] = re.findall(r"```python\n(.*?)```", doc, re.S)
    exec(compile(code, f"<{module} docstring>", "exec"), {})
