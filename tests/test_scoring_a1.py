"""A1 (district safety-production assessment and awards) scenarios with the document's numbers."""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import Facts, Incident, IndicatorValue, Period, Subject, evaluate
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes.a1_district_safety import INCIDENT, RULEBOOK_SCORE, SCHEME, scheme

YEAR = Period("2022", "2022-01-01", "2022-12-31")


def units(
    cohort: str, scores: dict[str, int], **managers: tuple[str, ...]
) -> tuple[list[Subject], list[IndicatorValue]]:
    subjects = [Subject(s, cohort, managers=managers.get(s, ())) for s in scores]
    return subjects, [IndicatorValue(s, RULEBOOK_SCORE, v) for s, v in scores.items()]


def accident(iid: str, sid: str, deaths: int = 0, injured: int = 0) -> Incident:
    return Incident(iid, sid, INCIDENT, "2022-06-01", deaths=deaths, serious_injuries=injured)


def awarded(result, cohort: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.subject for r in result.cohort(cohort) if r.awards]


def test_top_three_townships_and_top_three_departments_separately() -> None:
    # seed000:17: 「分别取乡镇(街道)、区直部门综合考核得分前三名」
    t, tv = units("township", {"甲镇": 95, "乙镇": 93, "丙镇": 91, "丁镇": 89, "戊街道": 97})
    d, dv = units("department", {"安监局": 90, "住建局": 88, "交通局": 86, "教育局": 70})
    result = evaluate(SCHEME, Facts(YEAR, t + d, tv + dv))
    assert awarded(result, "township") == ["戊街道", "甲镇", "乙镇"]
    assert awarded(result, "department") == ["安监局", "住建局", "交通局"]
    assert result.get("戊街道").grade == "优秀" and result.get("丁镇").grade == "合格"


def test_one_death_caps_the_grade_below_excellent_and_the_next_unit_moves_up() -> None:
    # seed000:29: 「发生1起1人以上(含1人)死亡的一般生产责任事故…不予评定优秀等次」 — a cap, not a veto
    t, tv = units("township", {"甲镇": 95, "乙镇": 93, "丙镇": 91, "丁镇": 89})
    result = evaluate(SCHEME, Facts(YEAR, t, tv, incidents=[accident("i1", "甲镇", deaths=1)]))
    capped = result.get("甲镇")
    assert capped.rank == 1 and capped.grade == "合格" and capped.awards == ()
    assert awarded(result, "township") == ["乙镇", "丙镇", "丁镇"]
    no_death = evaluate(SCHEME, Facts(YEAR, t, tv, incidents=[accident("i1", "甲镇", injured=2)]))
    assert no_death.get("甲镇").grade == "优秀"


def test_three_deaths_is_a_one_vote_veto_with_accountability() -> None:
    # seed000:29: 「发生1起死亡3人以上安全生产责任事故的,实行"一票否决",对有关责任人员依法实行责任追究」
    t, tv = units("township", {"甲镇": 95, "乙镇": 93})
    result = evaluate(SCHEME, Facts(YEAR, t, tv, incidents=[accident("i1", "乙镇", deaths=3)]))
    vetoed = result.get("乙镇")
    assert vetoed.grade == "不合格" and {f.veto for f in vetoed.flags} == {
        "one_death_no_excellent",
        "three_deaths_veto",
    }
    assert [c.rule for c in vetoed.consequences] == ["accountability"]
    two = evaluate(SCHEME, Facts(YEAR, t, tv, incidents=[accident("i1", "乙镇", deaths=2)]))
    assert two.get("乙镇").grade == "合格"  # 2 deaths: capped (no 优秀), not vetoed


def test_deaths_in_two_accidents_are_not_summed() -> None:
    # 「1起死亡3人以上」 counts one accident: 2 + 2 deaths in two accidents is no veto
    t, tv = units("township", {"甲镇": 95})
    incidents = [accident("i1", "甲镇", deaths=2), accident("i2", "甲镇", deaths=2)]
    assert evaluate(SCHEME, Facts(YEAR, t, tv, incidents=incidents)).get("甲镇").grade == "合格"


def test_enterprise_incident_propagates_to_its_managers() -> None:
    # seed000:31: 3人以上(含3人)10人以下重伤 → not 先进单位; 「其主管和直接负责安全生产的管理人员,当年不予评定
    # 安全生产先进个人」
    e, ev = units("enterprise", {f"企业{i}": 100 - i for i in range(1, 9)}, 企业1=("王经理",))
    people = {f"个人{i}": 100 - i for i in range(1, 12)} | {"王经理": 100}
    p, pv = units("individual", people)
    facts = Facts(YEAR, e + p, ev + pv, incidents=[accident("i1", "企业1", injured=3)])
    result = evaluate(SCHEME, facts)
    assert awarded(result, "enterprise") == [f"企业{i}" for i in range(2, 8)]  # top 6 without 企业1
    assert "王经理" not in awarded(result, "individual") and result.get("王经理").rank == 1
    assert awarded(result, "individual") == [f"个人{i}" for i in range(1, 11)]  # top 10
    (flag,) = result.person_flags
    assert (flag.holder, flag.via) == ("王经理", "企业1 → managers")
    assert all(p.amount == 500 for r in result.cohort("individual") for p in r.payouts)  # seed000:25
    for injured in (2, 11):  # below 3, above 10: outside 「3人以上(含3人)10人以下」
        result = evaluate(SCHEME, Facts(YEAR, e + p, ev + pv, incidents=[accident("i1", "企业1", injured=injured)]))
        assert "企业1" in awarded(result, "enterprise") and "王经理" in awarded(result, "individual")


def test_masked_amounts_are_parameters() -> None:
    # seed000:25: 「5**元」, 「3**元」 are masked in the source: given by the caller, never invented
    assert SCHEME.cohort("township").rewards == ()
    paid = scheme(target_unit_reward=Decimal(5000)).cohort("township").rewards[0]
    assert (paid.title, paid.amount) == ("安全生产目标管理先进单位", 5000)


def test_tie_across_the_last_award_place_gives_it_to_none_of_the_tied() -> None:
    t, tv = units("township", {"甲镇": 95, "乙镇": 93, "丙镇": 90, "丁镇": 90})
    result = evaluate(SCHEME, Facts(YEAR, t, tv))
    assert awarded(result, "township") == ["甲镇", "乙镇"]
    assert result.get("丙镇").rank == result.get("丁镇").rank == 3


test_a1_invariants = scheme_property_test(SCHEME)
test_a1_fuzz = fuzz_test(SCHEME)
