"""The testing toolkit: generated stateful tests, static checks, coverage, profiles — and proof
that the generated test catches planted bugs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from govflow import (
    Actor,
    Days,
    Deadline,
    Engine,
    GuardContext,
    Months,
    State,
    Transition,
    Workflow,
    WorkingDays,
    check,
    guard,
)
from govflow.access import NotInitiator
from govflow.clock import SHANGHAI, FakeClock
from govflow.demo import DOC_APPROVAL
from govflow.directory import Directory, Post, Unit
from govflow.engine import Engine as EngineClass
from govflow.storage import MemoryStorage, SQLiteStorage
from govflow.storage.base import Change
from govflow.testing import load_profile, stateful_test, transition_coverage
from govflow.testing.strategies import actors_for

# -- a workflow with deadlines, obligations and separation, to generate tests for -----------------

NOTICE = Workflow(
    name="toolkit_notice",
    version=1,
    title="整改通知",
    states=[
        State("issued", "已下发", initial=True, deadlines=[Deadline("reply", WorkingDays(5), satisfied_by="reply")]),
        State("rectifying", "整改中", deadlines=[Deadline("finish", Days(20))]),
        State("verifying", "核查中"),
        State("closed", "已销号", final=True),
    ],
    transitions=[
        Transition("reply", source="issued", dest="issued", roles={"unit_clerk"}),
        Transition("accept", source="issued", dest="rectifying", roles={"unit_clerk"}),
        Transition("report", source="rectifying", dest="verifying", roles={"unit_clerk"},
                   opens=[Deadline("evidence", Months(1), satisfied_by="file_evidence")]),
        Transition("file_evidence", source="verifying", dest="verifying", roles={"unit_clerk"}),
        Transition("reopen", source="verifying", dest="rectifying", roles={"inspector"}),
        Transition("close", source="verifying", dest="closed", roles={"inspector"},
                   separation=[NotInitiator()], requires_met=["evidence"]),
    ],
)  # fmt: skip


def run(machine: type) -> None:
    """Run a generated test with the budget of the active profile (GOVFLOW_HYPOTHESIS_PROFILE),
    derandomized: the callers assert every transition fired, which must not depend on the seed
    (ids are a counter per case, so the same examples drive the same paths on every run)."""
    run_state_machine_as_test(machine, settings=settings(derandomize=True))


def failure_of(machine: type, examples: int = 300) -> str:
    """Run a generated test expected to fail (no shrinking: we only need to see it caught);
    return the text of every distinct failure hypothesis reports. Derandomized: the same
    examples on every run, so whether the budget suffices does not depend on the seed."""
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=30,
                deadline=None,
                phases=(Phase.explicit, Phase.reuse, Phase.generate),
                report_multiple_bugs=False,
                derandomize=True,
            ),
        )
    except AssertionError as exc:
        return str(exc)
    raise AssertionError("the generated test did not catch the planted bug")


def test_generated_test_passes_on_a_sound_workflow() -> None:
    machine = stateful_test(NOTICE)
    run(machine)
    fired = set(machine.fired)
    assert ("issued", "accept") in fired and ("verifying", "close") in fired
    assert {(s, t.event) for t in NOTICE.transitions for s in NOTICE.sources(t)} <= fired


def test_the_ten_line_example_on_the_demo_workflow() -> None:
    opinion = st.fixed_dictionaries({"opinion": st.sampled_from(["同意", "请修改"])})
    data = st.fixed_dictionaries({"title": st.sampled_from(["关于春耕的请示", ""]), "pages": st.integers(1, 14)})
    machine = stateful_test(
        DOC_APPROVAL, data=data, payloads={"return": opinion, "approve": opinion, "reject": opinion}
    )
    run(machine)
    every = {(s, t.event) for t in DOC_APPROVAL.transitions for s in DOC_APPROVAL.sources(t)}
    assert every <= set(machine.fired), sorted(every - set(machine.fired))


# -- planted bugs ---------------------------------------------------------------------------


def test_catches_a_transition_that_forgot_its_role_with_a_user_invariant() -> None:
    """The copy lets anyone close; the team's invariant "only inspectors close" catches it."""
    buggy = attrs.evolve(
        NOTICE,
        transitions=[attrs.evolve(t, roles={"*"}) if t.event == "close" else t for t in NOTICE.transitions],
    )
    machine = stateful_test(buggy, actors=actors_for(NOTICE))

    @machine.add_invariant
    def only_inspectors_close(engine: Engine, instance: Any) -> None:
        for event in engine.history(instance.id):
            if event.event == "close":
                assert event.actor.startswith("inspector"), f"{event.actor} closed a case"

    assert "closed a case" in failure_of(machine)


def test_catches_a_deadline_left_armed_after_leaving_its_state() -> None:
    """A storage adapter that forgets to settle timers (a planted bug) leaves deadlines armed."""

    class ForgetfulSQLite(SQLiteStorage):
        def commit(self, change: Change) -> None:
            super().commit(attrs.evolve(change, settle=()))

    class Buggy(stateful_test(NOTICE)):  # type: ignore[misc]
        def _open(self) -> EngineClass:
            return EngineClass(
                storage=ForgetfulSQLite(self.folder / "generated.db"), workflows=[self.workflow],
                clock=self.clock, calendar=self.calendar,
            )  # fmt: skip

    text = failure_of(Buggy)
    assert "still armed after leaving their state" in text or "open deadlines" in text


def test_catches_a_rejected_call_that_wrote_something() -> None:
    """A guard with a side effect (it fires another event, then rejects) breaks "rejections write nothing"."""

    @guard("toolkit.meddling", "meddling guard")
    def meddling(ctx: GuardContext) -> bool:
        assert ctx.instance is not None
        ctx.engine.fire(ctx.instance.id, "reply", actor=Actor("unit_clerk-1", roles={"unit_clerk"}))
        return False

    buggy = attrs.evolve(
        NOTICE,
        transitions=[attrs.evolve(t, guards=[meddling]) if t.event == "accept" else t for t in NOTICE.transitions],
    )
    assert "a rejected 'accept' changed the instance" in failure_of(stateful_test(buggy))


# -- static checks ----------------------------------------------------------------------------


def test_static_checks() -> None:
    @guard("toolkit.g1", "g1")
    def g1(ctx: GuardContext) -> bool:
        return True

    @guard("toolkit.g2", "g2")
    def g2(ctx: GuardContext) -> bool:
        return True

    wf = Workflow(
        name="smelly", version=1,
        states=[State("a", initial=True), State("loop1"), State("loop2"), State("auto"), State("z", final=True)],
        transitions=[
            Transition("go", source="a", dest="loop1", roles={"clerk"}, guards=[g1]),
            Transition("go", source="a", dest="z", roles={"clerk"}, guards=[g1, g2]),
            Transition("spin", source="loop1", dest="loop2", roles={"clerk"}),
            Transition("spin", source="loop2", dest="loop1", roles={"clerk"}),
            Transition("auto", source="a", dest="auto", roles={"system"}),
            Transition("finish", source="auto", dest="z", roles={"clerk"}),
        ],
    )  # fmt: skip
    findings = check(wf, Directory(units=[Unit("u")], posts=[Post("p", "leader", "u", "2020-01-01")]))
    text = "\n".join(findings)
    assert "state 'loop1' can never reach a final state" in text
    assert "transition 'auto' can only be fired by the system role" in text
    assert "state 'auto' is reachable only through transitions nobody can fire" in text
    assert "is shadowed by the earlier one to 'loop1'" in text
    assert "role 'clerk' (needed for 'go') is held by nobody" in text
    assert check(NOTICE) == []


def test_govflow_check_cli_reports_each_finding(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from govflow.cli import cli

    module = tmp_path / "smelly_flow.py"
    module.write_text(
        "from govflow import State, Transition, Workflow\n"
        "WORKFLOW = Workflow(name='smelly_cli', version=1,\n"
        "    states=[State('a', initial=True), State('b'), State('c'), State('z', final=True)],\n"
        "    transitions=[Transition('go', source='a', dest='b', roles={'r'}),\n"
        "                 Transition('x', source='b', dest='c', roles={'r'}),\n"
        "                 Transition('y', source='c', dest='b', roles={'r'}),\n"
        "                 Transition('end', source='a', dest='z', roles={'r'})])\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", str(module)])
    assert result.exit_code == 1
    assert result.stdout.count("can never reach a final state") == 2


# -- coverage and profiles -------------------------------------------------------------------


def test_transition_coverage_from_the_audit_trail() -> None:
    engine = Engine(
        storage=MemoryStorage(), workflows=[NOTICE], clock=FakeClock(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    )
    clerk = Actor("c", roles={"unit_clerk"})
    inst = engine.start("toolkit_notice", actor=clerk)
    engine.fire(inst.id, "accept", actor=clerk)
    report = transition_coverage(engine, NOTICE)
    assert report.fired == {("issued", "accept"): 1}
    assert ("verifying", "close") in report.missed
    assert report.ratio == pytest.approx(1 / 6)
    assert "never: verifying --close-->" in report.render()


def test_profiles_are_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVFLOW_HYPOTHESIS_PROFILE", "thorough")
    assert load_profile() == "thorough"
    assert settings().max_examples == 1000
    monkeypatch.setenv("GOVFLOW_HYPOTHESIS_PROFILE", "nope")
    with pytest.raises(ValueError, match="choose one of ci, dev, thorough"):
        load_profile()
    monkeypatch.delenv("GOVFLOW_HYPOTHESIS_PROFILE")
    load_profile()


class TestGeneratedTestCaseRunsTheMachine(stateful_test(NOTICE).TestCase):  # type: ignore[misc]
    """The generated TestCase as pytest collects it: the state machine itself must run."""


def test_pytest_collects_the_state_machine_run() -> None:
    names = [n for n in dir(stateful_test(NOTICE).TestCase) if n.startswith("test")]
    assert names == ["test_state_machine", "test_zz_every_transition_fired"]


def test_generated_cases_number_their_ids_and_restore_the_source() -> None:
    """Ids are a counter per generated case (so an example drives one path on every run), and
    the default random ids come back after the case."""
    from govflow.instance import ID_SOURCE, SequentialIds, id_source, new_instance_id

    machine = stateful_test(NOTICE)()
    inst = machine.engine.start(NOTICE.name, actor=Actor("unit_clerk-1", roles={"unit_clerk"}), unit="unit.a")
    assert inst.id == f"{1:032x}"
    assert {t.id for t in machine.engine.timers(inst.id)} == {f"{2:032x}"}
    machine.teardown()
    assert ID_SOURCE.get() is None and new_instance_id() != f"{3:032x}"
    with id_source(SequentialIds(7)):
        assert new_instance_id() == f"{7:032x}"
    assert ID_SOURCE.get() is None


@guard("toolkit_test.never", "this door never opens")
def never_opens(ctx: GuardContext) -> bool:
    return False


def test_the_coverage_check_still_fails_for_a_transition_no_budget_reaches() -> None:
    """The top-up runs (`COVERAGE_TOP_UP`) give rare moves more examples; an unreachable
    transition is still reported, naming it."""
    locked = Workflow(
        name="locked_door",
        version=1,
        states=[State("closed", initial=True), State("open"), State("gone", final=True)],
        transitions=[
            Transition("open", source="closed", dest="open", roles={"clerk"}, guards=[never_opens]),
            Transition("leave", source="closed", dest="gone", roles={"clerk"}),
            Transition("leave_open", source="open", dest="gone", roles={"clerk"}),
        ],
    )
    case = stateful_test(locked, data=st.just({})).TestCase
    case.settings = settings(case.settings, max_examples=5, derandomize=True)
    instance = case()
    instance.test_state_machine()
    with pytest.raises(
        AssertionError, match=r"never fired successfully: \[\('closed', 'open'\), \('open', 'leave_open'\)\]"
    ):
        instance.test_zz_every_transition_fired()
