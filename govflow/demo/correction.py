"""A demo year of a township's registers: 社区矫正 and 安置帮教 (`govflow_workflows.community_correction`,
`govflow_workflows.resettlement`).

`demo_register(engine, rng)` plays a township justice office's year from September 2024: court
judgments and prison releases come in (most documents on time, some late and accepted only with a
justification, one relay forgotten over National Day), people register at the 司法所 and then the
派出所, files and plans are made, monthly reports are filed (some short of the quotas), the
quarterly and yearly assessments are held, one person on 保外就医 is recommitted, one reoffends —
both detentions arrive from the police by person id, not by a click — and the terms that end in
2025 go through the pre-release review (opened by itself 30 days before) to release.
`demo_resettlement(engine, rng)` registers the year's released persons, one of whom does not turn
up and is searched for, classifies them, refers most to employment or 低保, and reads the year-end
KPIs. Both are deterministic for a given `rng` seed and need a `FakeClock`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from govflow import Actor, Engine
from govflow.clock import SHANGHAI, FakeClock
from govflow.correlation import deliver
from govflow.errors import GovflowError

TOWN = "county.qiantang.justice"
"""The township justice office (钱塘镇司法所) whose register the demo keeps."""

COURT = Actor("court.wang", roles={"court"}, unit="county.court", name="县法院王")
PRISON = Actor("prison.zhao", roles={"prison"}, unit="province.prison1", name="省第一监狱赵")
COUNTY_POLICE = Actor("police.sun", roles={"county_police"}, unit="county.police", name="县公安局孙")
COUNTY_JUSTICE = Actor("justice.qian", roles={"county_justice"}, unit="county.justice", name="县司法局钱")
OFFICE = Actor("office.chen", roles={"justice_office"}, unit=TOWN, name="司法所陈")
STATION = Actor("station.li", roles={"police_station"}, unit="county.qiantang.station", name="派出所李")
COMMITTEE = Actor("committee.zhou", roles={"correction_committee"}, unit="county.committee", name="矫正委办周")
VOLUNTEER = Actor("volunteer.wu", roles={"volunteer"}, unit=TOWN, name="志愿者吴")
POLICE_SYSTEM = "county.police"
"""The police system that reports detentions (the `source` of the delivered events)."""

TALK = {"talk_held": True, "rules_told": True, "family_invited": True}


@attrs.define
class RegisterSummary:
    """What the township's register shows at the end of the demo year."""

    cases: int = 0
    on_time: int = 0
    late_documents: int = 0
    late_relays: int = 0
    shortfalls: int = 0
    assessments: int = 0
    reviews_opened_by_system: int = 0
    released: int = 0
    recommitted: int = 0
    reoffended: int = 0
    open: int = 0
    refused: list[str] = attrs.field(factory=list)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _sweep(engine: Engine) -> int:
    done = 0
    while outcomes := engine.tick():
        done += len(outcomes)
    return done


def _goto(engine: Engine, clock: FakeClock, day: date, hour: int = 10) -> None:
    target = _at(day, hour)
    if target > clock.now():
        clock.set(target)
    _sweep(engine)


PEOPLE: tuple[tuple[str, str, str, str, date, date, str | None, int], ...] = (
    # person_id, name, channel, category, decided_on, term_end, ground, remaining months
    ("330100198001010011", "张某", "court", "probation", date(2024, 9, 10), date(2025, 6, 30), None, 0),
    ("330100198102020022", "李某", "court", "surveillance", date(2024, 9, 24), date(2025, 7, 31), None, 0),
    ("330100198203030033", "王某", "court_suspended", "suspended", date(2024, 9, 26), date(2026, 3, 25), "medical", 18),
    ("330100198304040044", "赵某", "parole", "parole", date(2024, 10, 8), date(2025, 8, 31), None, 0),
    ("330100198405050055", "钱某", "court", "probation", date(2024, 10, 15), date(2026, 4, 14), None, 0),
    ("330100198506060066", "孙某", "court", "deprivation", date(2024, 11, 4), date(2026, 11, 3), None, 0),
    ("330100198607070077", "周某", "court", "probation", date(2024, 11, 20), date(2025, 9, 30), None, 0),
    (
        "330100198708080088",
        "吴某",
        "additional_deprivation",
        "deprivation",
        date(2024, 12, 2),
        date(2026, 12, 1),
        None,
        0,
    ),
)
"""The year's intake: judgments, a 暂予监外执行 on medical grounds, a parole, a release with 附加剥权."""

LATE_DOCUMENTS = frozenset({"330100198506060066", "330100198607070077"})
"""Whose documents arrive a day after their limit (accepted with a justification)."""

FORGOTTEN_RELAY = "330100198203030033"
"""Whose relay to the 派出所 is forgotten over National Day (done late, on the record)."""


def _fire(summary: RegisterSummary, engine: Engine, case: str, event: str, actor: Actor, **kwargs: Any) -> bool:
    try:
        engine.fire(case, event, actor=actor, **kwargs)
    except GovflowError as exc:
        summary.refused.append(f"{event}: {type(exc).__name__}")
        return False
    return True


def demo_register(engine: Engine, rng: random.Random, on_step: Callable[[], None] | None = None) -> RegisterSummary:
    """A township's 社区矫正 register from September 2024 to September 2025 (see the module docstring)."""
    from govflow_workflows.community_correction import COMMUNITY_CORRECTION, register_summary

    engine.register(COMMUNITY_CORRECTION)
    clock = engine.clock
    assert isinstance(clock, FakeClock), "the demo needs a FakeClock (time must pass)"
    summary = RegisterSummary()
    cases: dict[str, str] = {}
    waiting = list(PEOPLE)
    # The months pass: each month's intake, then reports by the 3rd of the next month,
    # assessments after each quarter, reviews, and releases on the day the term ends.
    month = date(2024, 10, 1)
    while month <= date(2025, 10, 1):
        while waiting and waiting[0][4] < month:
            _intake(summary, engine, clock, rng, cases, waiting.pop(0))
            if on_step:
                on_step()
        _goto(engine, clock, month.replace(day=3))
        previous = (month.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        for case in cases.values():
            inst = engine.get(case)
            if not inst.state.startswith("supervision"):
                continue
            report = {
                "period": previous,
                "service_days": rng.choice([1, 2, 2, 3]),
                "study_hours": [rng.choice([1.5, 2, 2.5])],
            }
            _fire(summary, engine, case, "monthly_report", OFFICE, payload=report)
            if month.month in (1, 4, 7, 10):
                quarter = (month - timedelta(days=1)).month // 3
                label = f"{(month - timedelta(days=1)).year}-Q{quarter}"
                _fire(summary, engine, case, "assess_quarter", OFFICE, payload={"period": label, "grade": "合格"})
                summary.assessments += 1
            if month.month == 1:
                _fire(summary, engine, case, "assess_year", OFFICE, payload={"period": "2024", "grade": "合格"})
                summary.assessments += 1
            if engine.get(case).state == "supervision.pre_release":
                _finish(summary, engine, case, clock)
        ending = sorted(
            (date.fromisoformat(engine.get(c).data["term_end"]), c)
            for c in cases.values()
            if engine.get(c).state == "supervision.pre_release"
        )
        for end, case in ending:
            if end < (month + timedelta(days=32)).replace(day=1):
                _goto(engine, clock, end)
                _finish(summary, engine, case, clock)
        if month == date(2025, 2, 1):
            _recommit_and_reoffend(summary, engine, clock, cases)
        month = (month + timedelta(days=32)).replace(day=1)
        if on_step:
            on_step()
    for case in cases.values():  # whoever reached the end of the term by now is released
        inst = engine.get(case)
        if inst.state == "supervision.pre_release":
            _finish(summary, engine, case, clock)
    counts = register_summary(engine, TOWN)
    summary.released, summary.recommitted, summary.reoffended, summary.open = (
        counts["released"],
        counts["recommitted"],
        counts["reoffended"],
        counts["open"],
    )
    for case in cases.values():
        history = engine.history(case)
        summary.reviews_opened_by_system += sum(1 for e in history if e.event == "open_review" and e.actor == "system")
        summary.shortfalls += len(engine.get(case).data.get("shortfalls", []))
    return summary


def _intake(
    summary: RegisterSummary,
    engine: Engine,
    clock: FakeClock,
    rng: random.Random,
    cases: dict[str, str],
    person: tuple[str, str, str, str, date, date, str | None, int],
) -> None:
    """One person's intake: the documents (on time or late), the relays, registration, file and plan."""
    from govflow_workflows.community_correction import REQUIRED_DOCUMENTS, WORKFLOW_NAME, intake_data

    pid, name, channel, category, decided, term_end, ground, remaining = person
    _goto(engine, clock, decided)
    starter = COURT if channel.startswith("court") else PRISON
    data = intake_data(
        engine, person_id=pid, name=name, channel=channel, category=category, decided_on=decided,
        term_end=term_end, ground=ground, remaining_months=remaining, able_to_work=rng.random() < 0.8,
    )  # fmt: skip
    case = engine.start(WORKFLOW_NAME, actor=starter, unit=TOWN, data=data).id
    cases[pid] = case
    summary.cases += 1
    due = date.fromisoformat(data["documents_due"])
    if pid in LATE_DOCUMENTS:
        arrives = due + timedelta(days=1)
    elif pid == FORGOTTEN_RELAY:
        arrives = decided + timedelta(days=1)  # Friday 27 September: the relay is due Monday the 30th
    else:
        arrives = decided + timedelta(days=rng.randint(1, 3))
    _goto(engine, clock, arrives)
    event = "send_documents" if starter is COURT else "release_documents"
    papers = {"received_on": arrives.isoformat(), "documents": sorted(REQUIRED_DOCUMENTS[channel])}
    if pid in LATE_DOCUMENTS:
        _fire(summary, engine, case, event, starter, payload=papers)  # refused: late, no justification
        _fire(summary, engine, case, event, starter, payload=papers, justification="文书节后补送,已说明")
        summary.late_documents += 1
    else:
        _fire(summary, engine, case, event, starter, payload=papers)
        summary.on_time += 1
    if starter is COURT:
        _fire(summary, engine, case, "copy_to_justice", COUNTY_POLICE, payload={})
    _fire(summary, engine, case, "relay_to_office", COUNTY_JUSTICE, payload={})
    if pid == FORGOTTEN_RELAY:
        _goto(engine, clock, arrives + timedelta(days=5))
        _fire(summary, engine, case, "relay_to_station", COUNTY_POLICE, payload={})  # refused: late
        _fire(summary, engine, case, "relay_to_station", COUNTY_POLICE, payload={}, justification="值班漏转,已补送")
        summary.late_relays += 1
    else:
        _fire(summary, engine, case, "relay_to_station", COUNTY_POLICE, payload={})
    _goto(engine, clock, engine.calendar.local_date(clock.now()) + timedelta(days=1))
    _fire(summary, engine, case, "register_at_office", OFFICE, payload=TALK)
    _fire(summary, engine, case, "register_at_station", STATION, payload=TALK)
    _fire(summary, engine, case, "open_file", OFFICE, payload={})
    _fire(summary, engine, case, "draft_plan", OFFICE, payload={})
    _fire(summary, engine, case, "sign_agreement", OFFICE, payload={"signatory": "relative"})
    _fire(summary, engine, case, "countersign_plan", STATION, payload={})


def _finish(summary: RegisterSummary, engine: Engine, case: str, clock: FakeClock) -> None:
    """The pre-release steps, then the release on the last day if it has come."""
    data = engine.get(case).data
    if not data.get("appraisal_on"):
        for event, actor in (
            ("self_assessment", OFFICE),
            ("attend_review", VOLUNTEER),
            ("review_meeting", OFFICE),
            ("submit_appraisal", OFFICE),
            ("approve_appraisal_justice", COUNTY_JUSTICE),
            ("approve_appraisal_police", COUNTY_POLICE),
        ):
            _fire(summary, engine, case, event, actor, payload={})
        if data["category"] != "suspended":
            _fire(summary, engine, case, "issue_certificate", COUNTY_POLICE, payload={})
    end = date.fromisoformat(data["term_end"])
    if engine.calendar.local_date(clock.now()) < end:
        return
    _fire(summary, engine, case, "release", OFFICE, payload={"announced_with": STATION.id})


def _recommit_and_reoffend(summary: RegisterSummary, engine: Engine, clock: FakeClock, cases: dict[str, str]) -> None:
    """February 2025: 王某 has recovered (保外就医 lapses) and is recommitted; 孙某 is detained for a new offence."""
    from govflow_workflows.community_correction import WORKFLOW_NAME

    wang = cases["330100198203030033"]
    _fire(
        summary,
        engine,
        wang,
        "propose_recommittal",
        OFFICE,
        payload={"kind": "收监意见", "reason": "病愈,保外就医条件消失"},
    )
    _fire(summary, engine, wang, "review_recommittal", COMMITTEE, payload={})
    _fire(summary, engine, wang, "notify_prison", COUNTY_POLICE, payload={})
    _goto(engine, clock, date(2025, 2, 12))
    for pid, reason, day in (
        ("330100198203030033", "recommitted", "2025-02-11"),
        ("330100198506060066", "reoffended", "2025-02-09"),
    ):
        try:
            deliver(engine, WORKFLOW_NAME, "detained", correlate={"person_id": pid}, source=POLICE_SYSTEM,
                    payload={"detained_on": day, "reason": reason})  # fmt: skip
        except GovflowError as exc:
            summary.refused.append(f"detained: {type(exc).__name__}")


UNPLACED = 47
"""The one released person of the demo year not placed by year end (49 of 50: 98 %; not 低保-eligible)."""

REOFFENDER = 5
"""The one who reoffends (1 of 50: exactly 2 %, which 2%以下 includes)."""


@attrs.define
class ResettlementSummary:
    """The district's year-end view of the township's released persons."""

    persons: int = 0
    searched: int = 0
    by_category: dict[str, int] = attrs.field(factory=dict)
    kpis: dict[str, Any] = attrs.field(factory=dict)


def demo_resettlement(engine: Engine, rng: random.Random, count: int = 50) -> ResettlementSummary:
    """The year's released persons (2025): registration, helpers, categories, referrals, one re-offence."""
    from govflow_workflows.resettlement import (
        CATEGORIES,
        REFERRAL_NAME,
        WORKFLOW_NAME,
        WORKFLOWS,
        notice_data,
        year_end_kpis,
    )

    for workflow in WORKFLOWS:
        engine.register(workflow)
    clock = engine.clock
    assert isinstance(clock, FakeClock), "the demo needs a FakeClock (time must pass)"
    office = Actor("anjiao.he", roles={"resettlement_office"}, unit="county.office", name="县安教办何")
    labour = Actor("labour.ma", roles={"labour_bureau"}, unit="county.labour", name="劳动保障局马")
    civil = Actor("civil.xu", roles={"civil_affairs"}, unit="county.civil", name="民政局徐")
    summary = ResettlementSummary()
    start = date(2025, 1, 6)
    for n in range(count):
        released = start + timedelta(days=7 * n)
        _goto(engine, clock, released - timedelta(days=3))
        pid = f"35050419900101{n:04d}"
        data = notice_data(person_id=pid, name=f"刑释人员{n + 1}", kind="prison" if n % 4 else "labour",
                           released_on=released, source="省第一监狱", dibao_eligible=n % 6 == 0)  # fmt: skip
        case = engine.start(WORKFLOW_NAME, actor=office, unit=TOWN, data=data).id
        summary.persons += 1
        if n == 3:  # does not turn up: the search opens by itself, the police find him
            _goto(engine, clock, released + timedelta(days=8))
            summary.searched += 1
            engine.fire(case, "found", actor=STATION, payload={"reason": "在外地务工,已联系返回", "card_no": f"LJ-{n}"})
        else:
            _goto(engine, clock, released + timedelta(days=rng.randint(1, 5)))
            engine.fire(case, "register", actor=OFFICE, payload={"card_no": f"LJ-{n}"})
        category = "key" if n == 3 else rng.choice(CATEGORIES)
        engine.fire(
            case,
            "assign_helper",
            actor=OFFICE,
            payload={"helper": "村帮教员", "agreement_signed": True, "category": category},
        )
        summary.by_category[category] = summary.by_category.get(category, 0) + 1
        if n != UNPLACED:  # all but one are placed by year end
            path = "dibao" if data["dibao_eligible"] else "employment"
            engine.fire(case, "refer", actor=OFFICE, payload={"referrals": [{"path": path}]})
            [child] = engine.find(REFERRAL_NAME, parent_id=case)
            engine.fire(child.id, "place", actor=civil if path == "dibao" else labour, payload={})
    _goto(engine, clock, date(2025, 11, 20))
    reoffender = {"person_id": f"35050419900101{REOFFENDER:04d}"}
    deliver(engine, WORKFLOW_NAME, "detained", correlate=reoffender, source=POLICE_SYSTEM,
            payload={"detained_on": "2025-11-18"})  # fmt: skip
    _goto(engine, clock, date(2025, 12, 31))
    summary.kpis = year_end_kpis(engine, 2025, unit=TOWN)
    return summary


def print_demo(db_path: str, console: Any, *, seed: int) -> None:
    """`govflow demo`'s section: the township's two registers over a year, into the demo database."""
    from rich.table import Table

    from govflow.storage.sqlite import SQLiteStorage

    rng = random.Random(seed)
    engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(datetime(2024, 9, 2, 9, tzinfo=SHANGHAI)))
    try:
        register = demo_register(engine, rng)
        broken = engine.verify_all("community_correction")
    finally:
        engine.storage.close()
    table = Table(title="社区矫正 (community correction): 钱塘镇司法所's register, Sept 2024 – Oct 2025")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for label, value in (
        ("cases received (接收)", register.cases),
        ("documents on time (按时送达)", register.on_time),
        ("documents late, accepted with a justification (逾期送达)", register.late_documents),
        ("relays late, on the record (逾期转送)", register.late_relays),
        ("late steps refused until justified", len(register.refused)),
        ("monthly quota shortfalls recorded (公益劳动/集中学习不足)", register.shortfalls),
        ("assessments filed (季度/年度考评)", register.assessments),
        ("pre-release reviews opened by themselves (期满前30日)", register.reviews_opened_by_system),
        ("released (解除矫正)", register.released),
        ("recommitted (收监, 自羁押之日起解除)", register.recommitted),
        ("reoffended (重新犯罪, 自然解除)", register.reoffended),
        ("still under correction (矫正中)", register.open),
        ("broken audit chains (审计链异常)", len(broken)),
    ):
        table.add_row(label, str(value))
    console.print(table)
    engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(datetime(2025, 1, 2, 9, tzinfo=SHANGHAI)))
    try:
        released = demo_resettlement(engine, rng)
        broken = engine.verify_all("resettlement")
    finally:
        engine.storage.close()
    kpis = released.kpis
    table = Table(title="安置帮教 (resettlement): persons released in 2025, year-end figures")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("released persons registered (登记建档)", str(released.persons))
    table.add_row("searched for, then found (去向不明查找)", str(released.searched))
    for category, n in sorted(released.by_category.items()):
        table.add_row(f"  first category {category}", str(n))
    for name, label in (
        ("assistance_rate", "帮教率"),
        ("resettlement_rate", "安置率 (target 95%以上)"),
        ("reoffence_rate", "重新犯罪率 (target 2%以下)"),
        ("dibao_coverage", "低保 coverage (应保尽保)"),
    ):
        meets = kpis["meets"].get(name)
        verdict = "" if meets is None else (" ✓" if meets else " ✗")
        table.add_row(label, f"{kpis[name]:.1%}{verdict}")
    table.add_row("broken audit chains (审计链异常)", str(len(broken)))
    console.print(table)
