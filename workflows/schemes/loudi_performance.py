"""娄底市落实2009年省委省政府绩效评估工作实施方案 — Loudi's 2009 performance evaluation of its county
and district governments and the economic development zone (seed 003 篇五,
``seeds/003_ec4c128682b62831.txt`` L411–L561; 娄办发〔2009〕19号 of 2009-09-21, L415, L427; digest
``grid-overseas-trips-petitions-discipline_seed-003.md`` §5). The file's header reads 第五篇.

The county cohort (各县市区政府、娄底经济开发区管委会, L443), on 1000 points (L449):

- 综合得分=指标考核得分×60%+公众评议得分×30%+内部评估得分×10%+加减分 (L473, L513); 内部评估 is
  领导评价 50 % + 同级评价 50 % (L487); 公众评议 is a satisfaction survey (满意/基本满意/不满意, L485);
- bonuses (L491–L493): +20 for a commendation by 党中央、国务院 or 省委、省政府 or doubling a key task,
  +10 for a main indicator moving up sharply in the city or province ranking, +10 for an
  outstanding contribution in a disaster or emergency; claimed before the year ends, approved by
  the mayor (经市长批准), at most 50 in all;
- deductions (L497–L499): 通报批评 by 党中央、国务院 −30, by 省委省政府 or a ministry −20, by 市委市政府
  or a provincial department −10 per time; a leadership member disciplined −10 to −20 per person
  (视情节轻重); staff dereliction with major loss −10 to −20 per person; at most 50 in all;
- 一票否决 (L507): 计划生育, 社会治安综合治理不达标, 未完成节能减排任务, 重大责任事故 — the unit cannot be
  合格; and 不合格 by decision of the 市委常委会议 (L517);
- grades (L511–L519): 合格 at 600 and above, 不合格 below; 先进 from the 合格 units, 30 % of those
  evaluated, each meeting all four conditions of L519;
- consequences (L535–L539).

Left out: the 市直责任部门 (L451, L501–L505, L521–L527) — each of their indicators is scored on 100
and 合格 needs *every* one at 60 or more and 为民办实事 completed, with no composite total; the
engine's `Lowest` reads that, but each department carries its own indicators while the 30 % 先进
quota pools them all, and the text never says what ranks one 合格 department above another. The
composition of 指标考核 (其他各项指标…具体指标分解由市绩效评估委员会另行通知, L453) is not in the file:
指标考核 is one score on 1000.
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Bonuses,
    Cohort,
    Consequence,
    Deductions,
    Direct,
    FindingOf,
    Gate,
    GradeIs,
    NoFinding,
    OccurrenceOf,
    Part,
    Proportional,
    Quota,
    Scheme,
    SubGradeIn,
    Sum,
    TieBreak,
    Tier,
    ValueBelow,
    Veto,
    Weighted,
)

SEED = "seed003"
"""The source file, ``seeds/003_ec4c128682b62831.txt``; ``seed003:513`` cites its line 513."""

COUNTIES = "县市区"
"""The one cohort encoded: 各县市区政府 and 娄底经济开发区管委会 (L443)."""

SCALE = Decimal(1000)
"""「评估指标总分值为1000分」 (L449) and 「综合得分在600分以上的为合格」 (L515): the 600 threshold only
makes sense if every component is on the same 1000 points. The reading: 指标考核, 公众评议 and each
half of 内部评估 are scored on 1000 and weighted 60 / 30 / 10."""

PUBLIC_FROM_RATE = True
"""公众评议's scoring rules are 「另行制定」 (L485). The reading: 1000 × the satisfaction rate (the
share of 满意 and 基本满意, in %), the same rate L519 calls 公众满意度."""

BONUS_PER_MATTER = True
"""「根据情况每项给予加分」 (L493): each approved matter counts its row once (a matter that fits two
rows counts the higher); different matters add up, to 50 (「累计加分不超过50分」)."""

MAYOR_APPROVES = True
"""「经市长批准后」 (L493): a claim not (yet) approved is `Claim.confirmed = False` and scores nothing."""

DEDUCTIONS_NEED_OPINION = True
"""「扣分事项,由市绩效评估委员办公室提出意见,报市绩效评估委员会审核后实施」 (L499): every deduction
carries the office's opinion as its reason; the 10–20 per person rows carry their points."""

SIX_HUNDRED_IS_PASS = True
"""「600分以上的为合格」 and 「600分以下的」 不合格 (L515, L517) both claim 600 (以上/以下 include the
number). The reading: 600 is 合格 (the conventional reading of such pairs): 不合格 is below 600."""

QUOTA_ROUNDING = "floor"
"""「名额按被评估单位总数的30%确定」 (L519) does not say how 30 % of the count is rounded. The reading:
down (去尾) — a 名额 is a ceiling, and rounding up would award more than 30 % (6 units → 1)."""

ADVANCED_CONDITIONS = {
    "主要指标未完成目标": "人均地区生产总值、财政总收入、固定资产投资、规模工业增加值增长率和招商引资完成市政府目标"
}
"""L519's four conditions for 先进, each read where it is recorded: the growth indicators missed is
a finding the office records (their targets are the city's, not in the file); 「公众满意度在60%以上」
is read from the 公众评议 value (`SATISFACTION_FLOOR`); 「班子成员未受党纪、政纪及以上处分」 from the
deduction row that docks the same discipline (`DISCIPLINE_ROW`) — entered once; the judgement
「在贯彻落实科学发展观…取得重大成效,作出重大贡献」 is the sub-assessment `CONTRIBUTION`."""

SATISFACTION_FLOOR = Decimal(60)
"""「公众满意度在60%以上」 (L519): 60 itself qualifies (以上 includes the number); below 60 the unit
cannot be 先进."""

DISCIPLINE_ROW = "班子成员受党纪政纪处分"
"""The deduction row of L497 whose occurrence also bars 先进 (L519)."""

CONTRIBUTION = ("科学发展贡献", "重大")
"""The sub-assessment and grade that satisfy the judgement condition of L519."""

VETO_CATEGORIES = ("违反计划生育政策", "社会治安综合治理不达标", "未完成节能减排任务", "重大责任事故")
"""「凡因违反计划生育政策、社会治安综合治理不达标、未完成节能减排任务、发生重大责任事故等被"一票否决"的
单位,当年绩效评估结果不能评为合格等次」 (L507): each a finding of its category; 「等」 leaves the
list open — another category is a new scheme version."""

COMMITTEE_FAIL = "市委常委会议认定不合格"
"""「因工作严重失职…经市委常委会议研究,同意认定为不合格的」 (L517): the committee's decision is
recorded as a finding and fails the unit whatever its score."""

TIE_BREAK = TieBreak(by=("指标考核",), last="shared")
"""The document never says how ties are broken. The reading: the indicator assessment (60 %, the
work itself) decides; still equal, the place is shared — and a tie across the 30 % boundary
leaves both out."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


ROOT = Sum(
    key="综合得分",
    label="指标考核×60% + 公众评议×30% + 内部评估×10% + 加减分",
    source=_src(513),
    parts=[
        Weighted(
            key="三种方式",
            label="指标考核、公众评议、内部评估 (60/30/10)",
            source=_src(473),
            parts=[
                Part(Decimal("0.6"), Direct(key="指标考核", label="指标考核 (1000)", full=SCALE, source=_src(475))),
                Part(
                    Decimal("0.3"),
                    Proportional(
                        key="公众评议",
                        label="公众评议 (1000 × 满意率)",
                        full=SCALE,
                        indicator="公众满意度",
                        target=Decimal(100),
                        source=_src(485),
                    ),
                ),
                Part(
                    Decimal("0.1"),
                    Weighted(
                        key="内部评估",
                        label="内部评估: 领导评价50% + 同级评价50%",
                        source=_src(487),
                        parts=[
                            Part(
                                Decimal("0.5"),
                                Direct(key="领导评价", label="领导评价 (1000)", full=SCALE, source=_src(487)),
                            ),
                            Part(
                                Decimal("0.5"),
                                Direct(key="同级评价", label="同级评价 (1000)", full=SCALE, source=_src(487)),
                            ),
                        ],
                    ),
                ),
            ],
        ),
        Bonuses(
            key="加分",
            label="加分 (累计不超过50分)",
            tiers=[
                Tier("党中央国务院及省委省政府表彰或成倍超额完成重点工作", Decimal(20)),
                Tier("主要指标排位大幅度前移", Decimal(10)),
                Tier("应对重大灾害和突发事件突出贡献", Decimal(10)),
            ],
            cap=Decimal(50),
            highest_only=BONUS_PER_MATTER,
            source=_src(491),
        ),
        Deductions(
            key="减分",
            label="减分 (累计不超过50分)",
            tiers=[
                Tier("党中央国务院通报批评", Decimal(30)),
                Tier("省委省政府或国家部委通报批评", Decimal(20)),
                Tier("市委市政府或省直部门通报批评", Decimal(10)),
                Tier(DISCIPLINE_ROW, Decimal(10), max_points=Decimal(20)),
                Tier("工作人员失职渎职", Decimal(10), max_points=Decimal(20)),
            ],
            cap=Decimal(50),
            requires_reason=DEDUCTIONS_NEED_OPINION,
            source=_src(497),
        ),
    ],
)
"""The county total on 1000 (bounds 0 − 50 … 1000 + 50)."""

SCHEME = Scheme(
    name="loudi_performance",
    version=1,
    title="娄底市落实2009年省委省政府绩效评估工作实施方案 (娄办发〔2009〕19号, seed 003 篇五)",
    source=SEED,
    notes=(
        "SCALE: every component on 1000, weighted 60/30/10",
        "SIX_HUNDRED_IS_PASS: 600 is 合格",
        "QUOTA_ROUNDING: 30 % of the count, rounded down",
        "ADVANCED_CONDITIONS: satisfaction from its value, discipline from its deduction, the judgement a sub-grade",
        "TIE_BREAK: by 指标考核, then shared",
    ),
    cohorts=[
        Cohort(
            name=COUNTIES,
            label="县市区政府、娄底经济开发区管委会",
            root=ROOT,
            grades=("先进", "合格", "不合格"),
            bands=Bands(
                [
                    Band("合格", lower=Decimal(600), source=_src(515)),
                    Band("不合格", upper=Decimal(600), source=_src(517)),
                ],
                source=_src(511),
            ),
            gates=[
                Gate(
                    "先进",
                    requires=[
                        *(NoFinding(category) for category in ADVANCED_CONDITIONS),
                        SubGradeIn(CONTRIBUTION[0], (CONTRIBUTION[1],)),
                    ],
                    fall_through="合格",
                    source=_src(519),
                )
            ],
            quotas=[
                Quota(
                    title="先进单位",
                    grade="先进",
                    share=Decimal("0.30"),
                    rounding=QUOTA_ROUNDING,
                    eligible_grades=("合格",),
                    source=_src(519),
                )
            ],
            consequences=[
                Consequence(
                    "先进",
                    "先进: 通报表彰, 一次性奖励",
                    when=[GradeIs(("先进",))],
                    actions=[
                        Action("通报表彰"),
                        Action("一次性奖励 (具体办法另行制定)"),
                        Action("考核中可评为优秀", role="主要负责人"),
                        Action("公务员考核优秀等次比例可提高到25%", role="公务员"),
                    ],
                    source=_src(535),
                ),
                Consequence(
                    "不合格",
                    "不合格: 通报批评, 限期整改, 诫勉谈话",
                    when=[GradeIs(("不合格",))],
                    actions=[
                        Action("通报批评"),
                        Action("限期整改"),
                        Action("考核不能评为优秀", role="班子成员"),
                        Action("公务员考核优秀等次比例按10%执行", role="公务员"),
                        Action("不得参加其他奖励项目的评选"),
                        Action("向市委、市政府作书面检讨", role="主要负责人"),
                        Action("由市委组织部进行诫勉谈话", role="主要负责人"),
                    ],
                    source=_src(539),
                ),
            ],
            tie_break=TIE_BREAK,
            source=_src(443),
        )
    ],
    vetoes=[
        *(
            Veto(
                key=f"否决_{category}",
                category=category,
                label=f"{category}: 一票否决, 不能评为合格",
                triggers=[FindingOf(category)],
                effects=("fail",),
                source=_src(507),
            )
            for category in VETO_CATEGORIES
        ),
        Veto(
            key="满意度不足",
            category="公众满意度未达60%",
            label="公众满意度未达60%: 不能评为先进",
            triggers=[ValueBelow("公众满意度", SATISFACTION_FLOOR)],
            effects=("forbid_grades",),
            forbid=("先进",),
            source=_src(519),
        ),
        Veto(
            key="班子成员处分",
            category=DISCIPLINE_ROW,
            label="班子成员受党纪政纪处分: 不能评为先进",
            triggers=[OccurrenceOf("减分", authority=DISCIPLINE_ROW)],
            effects=("forbid_grades",),
            forbid=("先进",),
            source=_src(519),
        ),
        Veto(
            key="常委会认定",
            category=COMMITTEE_FAIL,
            label="经市委常委会议研究认定为不合格",
            triggers=[FindingOf(COMMITTEE_FAIL)],
            effects=("fail",),
            source=_src(517),
        ),
    ],
)
"""The county scheme."""

SCHEMES = [SCHEME]
