"""A demo run of the 安全生产大检查大整治 (`govflow_workflows.safety_campaign`): one county's December campaign.

`demo_campaign(engine, rng, units)` plays the document's calendar (seed 004 L1081–L1087) on the
engine's `FakeClock`: the 县安委办 deploys before 10 December (one 单位检查验收 per unit), the units
inspect (集中检查, 10–15 December) and order enterprises to stop production (停产整顿); one
enterprise is found producing before its acceptance and is closed down (关闭取缔, L863/L951), the
rest pass and resume; the 副县长 lead inspections of every unit (16–18); the office supervises
and bulletins (19–20); in 总结验收 (20–30) every unit reports its summary and most are accepted,
while a seeded-random few fail, which opens 限期整改 items and records their deductions (L1087);
then the campaign concludes. It returns a `CampaignDemoResult` read back through the module's
queries (`safety_campaign.summary`) and counts, never by loading every instance.

Deterministic for a given `rng` seed (instance ids other than the campaign's are random, the
numbers are not). Needs a `FakeClock`; the default strict PRC calendar covers `year` ≤ 2026.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from govflow import Actor, Engine
from govflow.clock import FakeClock
from govflow_workflows import rectification
from govflow_workflows import safety_campaign as sc

__all__ = ["COUNTY_UNITS", "UNIT_STEPS", "CampaignDemoResult", "demo_campaign"]

COUNTY_UNITS: tuple[str, ...] = (
    *(f"county.town{n}" for n in range(1, 9)),  # 乡镇
    "county.transport",  # 县交通运输局
    "county.education",  # 县教育局
    "county.housing",  # 县住建局
    "county.market",  # 县市场监管局
)
"""A county's units taking part: eight townships (乡镇) and four county bureaus (县直部门)."""

UNIT_STEPS = 3
"""Progress steps per unit: 集中检查, 副县长带队检查, 总结验收 (so a bar's total is ``3 × units``)."""

OFFICE = Actor("office.an", roles={"safety_office"}, unit="county.safety_office", name="安伟 (县安委办)")
"""The 县安委办, which deploys the campaign and moves its phases."""

INSPECTOR = Actor("inspector.zhao", roles={"inspector"}, unit="county.safety_office", name="赵验收 (县安委办验收组)")
"""The acceptance team (验收组) and enforcement officer (执法人员); not of any inspected unit."""

LEADERS = tuple(
    Actor(f"leader.{who}", roles={"leader"}, unit="county.government", name=f"{name}副县长")
    for who, name in (("li", "李"), ("wang", "王"), ("chen", "陈"))
)
"""The 副县长 who lead the county inspections (县政府全体副县长带队, seed 004 L1083)."""

ENTERPRISES = ("青山采石场", "宏达化工厂", "顺发砖厂", "永安加油站", "金鑫矿业公司", "平安客运站")
"""Enterprises the units may order to stop production (停产整顿, seed 004 L951)."""

RESUMED_EARLY = "红星烟花爆竹经营部"
"""The enterprise found producing before its acceptance (擅自复产 → 关闭取缔, seed 004 L863, L951)."""

FINDINGS = (
    "烟花爆竹仓库超量储存",
    "危险化学品台账不全",
    "消防通道堵塞",
    "特种设备未按期检验",
    "应急预案未演练",
    "安全生产责任制未落实到岗",
    "客运车辆动态监控不到位",
    "校车安全隐患未整改",
)
"""Problems an acceptance team records when it fails a unit (限期整改 items)."""


@attrs.frozen
class CampaignDemoResult:
    """What the 县安委办 reads about the campaign afterwards (from `safety_campaign.summary`)."""

    campaign_id: str
    year: int
    phase: str
    units: int
    by_outcome: dict[str, int]
    """Unit inspections per state (accepted, failed, …), states with none left out."""
    deductions: dict[str, Decimal]
    """Failed unit → points deducted in the annual assessment (考核扣分)."""
    rectification_items: dict[str, int]
    """Failed unit → 限期整改 items opened for it."""
    orders: int
    """Enterprises ordered to stop production (停产整顿)."""
    closures: dict[str, int]
    """Unit → enterprises closed down (关闭取缔)."""
    leader_visits: int

    @property
    def closed(self) -> int:
        """Enterprises closed down across the county."""
        return sum(self.closures.values())


def demo_campaign(
    engine: Engine,
    rng: random.Random,
    units: Sequence[str] = COUNTY_UNITS,
    progress_callback: Callable[[], None] | None = None,
    *,
    year: int = 2016,
) -> CampaignDemoResult:
    """Run `year`'s December campaign over `units` on `engine` (whose clock must be a `FakeClock`).

    `progress_callback` is called after each unit's step (`UNIT_STEPS` per unit), so a progress
    bar can follow the county. Registers the campaign's and the 整改闭环's workflows if needed.
    """
    clock = engine.clock
    if not isinstance(clock, FakeClock):
        raise TypeError("demo_campaign moves through December: the engine needs a govflow.clock.FakeClock")
    units = list(units)
    if len(units) < 2:
        raise ValueError("demo_campaign needs at least two units (one fails, most are accepted)")
    for workflow in [*rectification.WORKFLOWS, *sc.WORKFLOWS]:
        engine.register(workflow)
    tick = progress_callback or (lambda: None)

    def at(month_day: tuple[int, int], hour: int = 9, minute: int = 0) -> None:
        when = datetime(year, *month_day, hour, minute, tzinfo=sc.TZ)
        clock.set(max(when, clock.now() + timedelta(minutes=1)))  # time only moves on

    at((12, 1))
    campaign = engine.start(
        sc.CAMPAIGN_NAME, actor=OFFICE, data=sc.campaign_data(year, units), instance_id=f"safety-{year}"
    ).id
    at((12, 8))  # 12月10日前,县政府下发文件进行部署安排
    engine.fire(campaign, "deploy", actor=OFFICE, payload={"document_no": f"县政办〔{year}〕88号"})
    kids = {kid.unit or kid.id: kid.id for kid in engine.children(campaign)}
    at((12, 10))
    engine.fire(campaign, "begin_inspection", actor=OFFICE, payload={})

    # 集中检查 (12/10–15): some units order enterprises to stop production; one resumes early.
    towns = [u for u in units if ".town" in u] or units
    closing_unit = rng.choice(towns)
    ordering = {closing_unit, *rng.sample(units, k=min(3, len(units)))}
    spare = list(ENTERPRISES)
    rng.shuffle(spare)
    orders = 0
    to_pass: list[str] = []
    for i, unit in enumerate(units):
        at((12, 10 + i * 6 // len(units)), 10, i)
        if unit in ordering:
            batch: list[dict[str, Any]] = []
            if unit == closing_unit:
                batch.append({"enterprise": RESUMED_EARLY, "order_no": "", "reason": "超量储存,无证经营"})
            batch.append({"enterprise": spare.pop(), "order_no": "", "reason": "存在重大隐患"})
            for item in batch:
                orders += 1
                item["order_no"] = f"安监停〔{year}〕{orders}号"
            engine.fire(kids[unit], "order_suspension", actor=INSPECTOR, payload={"orders": batch})
            for order in engine.children(kids[unit]):
                if order.data["enterprise"] == RESUMED_EARLY:
                    at((12, 14), 22)  # 夜间暗访: producing before acceptance
                    evidence = {"evidence": "夜间暗访发现未经验收擅自恢复生产"}
                    engine.fire(order.id, "resume_found", actor=INSPECTOR, payload=evidence)
                else:
                    to_pass.append(order.id)
        tick()
    at((12, 15), 16)
    for order_id in to_pass:  # 复产验收合格
        engine.fire(order_id, "pass_acceptance", actor=INSPECTOR, payload={"opinion": "整顿到位,同意恢复生产"})

    # 县政府全体副县长带队 (12/16–18): every unit visited once.
    at((12, 16))
    engine.fire(campaign, "lead_inspections", actor=OFFICE, payload={})
    for i, unit in enumerate(units):
        at((12, 16 + i * 3 // len(units)), 10, i)
        notes = {"notes": f"检查{unit}重点企业和人员密集场所"}
        engine.fire(kids[unit], "leader_inspect", actor=LEADERS[i % len(LEADERS)], payload=notes)
        tick()

    # 督促督查 (12/19–20), reported and bulletined; 总结验收 from the 20th.
    at((12, 19))
    engine.fire(campaign, "supervise", actor=OFFICE, payload={})
    at((12, 20), 15)
    report = {"summary": "各单位行动有力,个别单位隐患整改滞后", "bulletin_no": f"安委办通报〔{year}〕9号"}
    engine.fire(campaign, "begin_acceptance", actor=OFFICE, payload=report)
    failing = set(rng.sample(units, k=max(1, min(len(units) - 1, rng.randint(2, 3)))))
    for i, unit in enumerate(units):
        at((12, 21 + i * 9 // len(units)), 10, i)
        found = rng.randint(3, 12)
        summary = {
            "summary": "全面排查辖区企业和人员密集场所",
            "checked": rng.randint(20, 60),
            "hazards_found": found,
            "hazards_rectified": found - (rng.randint(1, 3) if unit in failing else rng.randint(0, 1)),
        }
        engine.fire(kids[unit], "report", actor=sc.unit_clerk(unit), payload=summary)
        at((12, 21 + i * 9 // len(units)), 15, i)
        if unit in failing:
            engine.fire(kids[unit], "fail", actor=INSPECTOR, payload=_failure(rng))
        else:
            engine.fire(kids[unit], "accept", actor=INSPECTOR, payload={"opinion": "验收合格"})
        tick()
    at((12, 30), 16)
    engine.fire(campaign, "conclude", actor=OFFICE, payload={})

    seen = sc.summary(engine, campaign)
    failed = sorted(seen.deductions)
    return CampaignDemoResult(
        campaign_id=campaign,
        year=seen.year,
        phase=seen.phase,
        units=seen.units,
        by_outcome=seen.by_outcome,
        deductions=dict(sorted(seen.deductions.items())),  # found in id order, and ids are random
        # Counted by workflow: `sc.rectification_items` tallies every child of a failed unit,
        # its 停产整顿 orders included.
        rectification_items={unit: engine.count(rectification.WORKFLOW_NAME, parent_id=kids[unit]) for unit in failed},
        orders=orders,
        closures=dict(sorted(seen.closures.items())),
        leader_visits=len(units),
    )


def _failure(rng: random.Random) -> dict[str, Any]:
    """A failed acceptance (验收不合格): grounds, 限期整改 findings, and the points (相应扣分, L1087)."""
    grounds = rng.sample(sc.GROUNDS, k=rng.randint(1, 2))
    findings: list[dict[str, Any]] = [{"item": item} for item in rng.sample(FINDINGS, k=rng.randint(1, 3))]
    if "major_hazard" in grounds:
        findings[0]["major"] = True
    return {
        "grounds": grounds,
        "findings": findings,
        "deduction": rng.choice((1.0, 1.5, 2.0, 3.0)),
        "opinion": "、".join(sc.GROUND_LABELS[g] for g in grounds) + ",限期整改",
    }
