"""深圳市信访工作目标管理考核办法 — Shenzhen's assessment of petition work (信访工作), seed 003
篇三 (``seeds/003_ec4c128682b62831.txt`` L151–L295; 深办〔2003〕36号 of 2003-08-25, L157–L159, in
force from 2003-10-01, L295; digest ``grid-overseas-trips-petitions-discipline_seed-003.md`` §3).
The file's header says 娄底 (L151); the body is Shenzhen's.

Units are split into three categories (分类, L169–L175), each its own ranking pool (分类排队,
L293): A — the 6 districts; B — 18 units with much petition work; C — 23 units with an ordinary
amount. Six items (L183–L275), each sub-item marked with the categories it applies to:

- (一) 信访领导工作 20 (L183–L207), (二) 基层、基础工作 20 (L209–L229), (三) 信息、调研、宣传 15
  (L231–L249), (六) 改革与创新 10 (L273–L275): scored additively (累加记分法) by the 市考评小组
  once every two years, after the unit's written self-assessment (L291) — each sub-item a panel
  score between 0 and its value;
- (四) 集体上访和疑难个访 20 (L251–L265) and (五) 信访立案件办理 15 (L267–L271): scored by
  deduction (倒扣计分法) every year by 市信访办, floored at zero (L283), the biennial total using
  the two years' average (两年总评时该两项得分取两年的平均值, L283). 重大恶性事件 found by a
  superior forfeits the whole of (四) and bars the unit from 先进 (L255); collective petitions to
  national / provincial / city organs cost 3 / 2 / 1 each (L259), and as much again when the
  unit's responsible official did not come to the scene (L261); a difficult individual petition
  to a city-or-higher organ with no official on the scene costs 0.5 (L265); an assigned case not
  handled as required costs 1 and each reminder (催办) 0.5 more (L269); a closed case short of
  the quality standard 1, a petitioner not answered 0.5 (L271). Several responsible units each
  bear the full deduction (涉及多个单位的等同对待, L259–L265): each is its own fact.

The total is the sum of the six items (L293); B and C are published on a 100-point scale
(按百分制折算, L293); units are ranked within their category; 考核成绩突出的 become 全市信访工作
先进单位 (L293).

Left out: the categories' membership changes (市信访办 may move units, L179 — a new scheme
version); the 信访立案件 handling lifecycle itself (L269, a workflow, not a score); the count of
information items (每年各区不少于4条, 其他单位不少于2条, L237) is part of the panel's judgement of
sub-item 三.1(2), not a separate deduction, since the document attaches no points to a shortfall.
The number of 先进单位 is not stated; the scheme names the ranking, not a quota.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from govflow.scoring import (
    Band,
    Bands,
    Cohort,
    Deductions,
    Direct,
    OccurrenceOf,
    Part,
    Rounding,
    Rule,
    Scheme,
    Sum,
    TieBreak,
    Tier,
    Veto,
    Weighted,
)

SEED = "seed003"
"""The source file, ``seeds/003_ec4c128682b62831.txt``; ``seed003:259`` cites its line 259."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "A": ("福田区", "罗湖区", "盐田区", "南山区", "宝安区", "龙岗区"),
    "B": (
        "市委组织部",
        "市中级人民法院",
        "市检察院",
        "市教育局",
        "市公安局",
        "市监察局",
        "市人事局",
        "市劳动局",
        "市规划与国土资源局",
        "市交通局",
        "市环保局",
        "市工商局",
        "市城管办",
        "市社保局",
        "市住宅局",
        "市投资管理公司",
        "市建设控股公司",
        "市商贸控股公司",
    ),
    "C": (
        "市经济贸易局",
        "市卫生局",
        "市科技局",
        "市民政局",
        "市司法局",
        "市建设局",
        "市水务局",
        "市农林渔业局",
        "市外经贸局",
        "市文化局",
        "市计生办",
        "市地税局",
        "市质监局",
        "市药监局",
        "市旅游局",
        "市国资办",
        "市口岸办",
        "市侨办",
        "市台办",
        "市保税区管理局",
        "市总工会",
        "市妇联",
        "市残联",
    ),
}
"""The units of each category (L171–L175: 6, 18 and 23). The text lists 「市中级人民法院、检察院」
and 「市教育局、公安局…」 with 市 once; each name here carries it."""

DECLARED_MAXIMUM: dict[str, int] = {"A": 100, "B": 95, "C": 80}
"""「A类考核单位满分为100分,B类…95分,C类…80分」 (L293)."""

C_SCALE_BASE = 82
"""The C category's sub-items, as tagged (考核A、B、C类), add up to 82, not the declared 80 (L293):
(一) 16 + (二) 14 + (三) 7 + (四) 20 + (五) 15 + (六) 10. The reading: a C unit is scored on
every sub-item tagged for it and published on 100 against the 82 those items are worth. Scaling
by the declared 80 would publish a perfect C unit at 102.5 on a 百分制 scale; dropping 2 points
to reach 80 would pick sub-items the text does not name. `DECLARED_MAXIMUM` keeps the 80."""

PUBLISHED_PLACES = 2
"""B and C totals are published 按百分制折算 (raw × 100 / 95, raw × 100 / 82, L293): the text
gives no rounding, and 100/95 has no finite decimal. The reading: two decimals, half up
(四舍五入) — fine enough that no two different raw totals of a category publish equal. A totals
are whole or half points and are rounded the same way (a no-op)."""

SCALE_PLACES = 12
"""Decimals of the 100/95 and 100/82 factors (rounded up): 95 × 1.052631578948 = 100.00000000006,
which publishes as 100.00; the error (< 10⁻¹⁰ of a point) is far below the published 0.01."""

ROUNDING_MODE = "half_up"
"""四舍五入 for the published total (`PUBLISHED_PLACES`)."""

TIE_BREAK = TieBreak(last="shared")
"""「各单位得分分类排队」 (L293) says nothing of ties: equal totals share a place — the one order
that invents no criterion the document lacks."""

YEARS = ("第一年", "第二年")
"""Items (四) and (五) are scored each year of the two-year cycle (L283); each year has its own
deduction ledger (`Deductions.period`): an occurrence names the year's item and carries the same
year as its ``period``, and one filed under the other year is refused."""

YEAR_WEIGHT = Decimal("0.5")
"""「两年总评时该两项得分取两年的平均值」 (L283): each year weighs one half."""

MAJOR_INCIDENT = "重大恶性事件"
"""重大恶性事件 or 反复多次越级上访 found by a superior (经上级部门处理解决并对事件原因作出结论的,
L255): one occurrence of this row, dated by the superior's conclusion and filed under that year's
item (四), both takes all 20 points of the year's item and bars the unit from 先进 (an
`OccurrenceOf` veto) — entered once. The bar lasts the cycle (取消评选先进单位资格: the award is
biennial)."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _scale(category: str) -> Decimal:
    """100 / the category's maximum to `SCALE_PLACES` decimals, rounded up, so the maximum itself
    publishes at exactly 100.00 after rounding (100/95 has no finite decimal)."""
    maximum = {"A": 100, "B": 95, "C": C_SCALE_BASE}[category]
    exact = Decimal(100) / Decimal(maximum)
    return exact.quantize(Decimal(1).scaleb(-SCALE_PLACES), rounding=decimal.ROUND_CEILING)


PANEL_ITEMS: tuple[tuple[str, str, str, int, str, int], ...] = (
    # (block, key, label, points, categories, line)
    ("一", "领导责任", "落实领导责任", 4, "ABC", 185),
    ("一", "领导接待", "做好领导接待群众工作", 6, "ABC", 189),
    ("一", "领导阅批包案", "领导阅批重要信访事项和包案处理信访大要案", 4, "ABC", 195),
    ("一", "领导小组", "健全信访工作领导小组", 2, "A", 203),
    ("一", "机构经费", "信访工作机构设置、干部配备和业务经费", 2, "AB", 205),
    ("一", "干部培养", "关心信访干部的成长", 2, "ABC", 207),
    ("二", "基层信访", "抓好基层信访工作", 4, "ABC", 211),
    ("二", "制度化规范化", "推进信访工作制度化、规范化建设", 4, "ABC", 215),
    ("二", "畅通渠道", "畅通信访渠道", 4, "ABC", 219),
    ("二", "挂牌场所", "独立并挂牌的候访室、接待室、领导接访室和办公室", 2, "A", 223),
    ("二", "接待环境", "接待场所环境整洁、公布有关规定", 2, "ABC", 225),
    ("二", "信息化", "加快信访信息化建设", 4, "AB", 227),
    ("三", "紧急信息", "紧急重大信访信息迅速报送", 2, "ABC", 235),
    ("三", "统计报表", "按时报送统计报表和信访工作信息", 2, "AB", 237),
    ("三", "信息刊物", "分管信息工作的领导和人员、信访信息刊物", 1, "A", 239),
    ("三", "调研", "积极开展信访调研", 5, "AB", 241),
    ("三", "宣传", "努力做好信访宣传", 5, "ABC", 245),
    ("六", "改革创新", "信访工作改革与创新", 10, "ABC", 273),
)
"""The panel-scored sub-items of (一)(二)(三)(六) with their points, the categories they apply to
(考核A、B、C类) and their lines; each is a `Direct` score 0 … points given by the 市考评小组 (L291)."""

BLOCKS: dict[str, tuple[str, int]] = {
    "一": ("信访领导工作", 183),
    "二": ("信访基层、基础工作", 209),
    "三": ("信访信息、信访调研和信访宣传工作", 231),
    "六": ("信访工作改革与创新", 273),
}


def _panel_block(block: str, category: str) -> Sum:
    label, line = BLOCKS[block]
    parts: list[Rule] = [
        Direct(key=key, label=f"{text} ({points})", full=Decimal(points), source=_src(ln))
        for b, key, text, points, cats, ln in PANEL_ITEMS
        if b == block and category in cats
    ]
    return Sum(key=f"项目{block}", label=f"({block}) {label}", parts=parts, source=_src(line))


def _petitions(year: str) -> Deductions:
    """(四) 集体上访和疑难个访处理工作 20 for one year: 倒扣计分法, floored at 0 (L251–L265, L283)."""
    return Deductions(
        key=f"集体上访_{year}",
        label=f"{year} 集体上访和疑难个访处理 (20)",
        base=Decimal(20),
        floor=Decimal(0),
        period=year,
        tiers=[
            Tier(MAJOR_INCIDENT, Decimal(20)),  # L255: 扣除责任单位本项全部得分
            Tier("国家", Decimal(3), severity="集体上访"),  # L259: 每起依次扣3分、2分、1分
            Tier("省", Decimal(2), severity="集体上访"),
            Tier("市", Decimal(1), severity="集体上访"),
            Tier("国家", Decimal(3), severity="未及时到场"),  # L261: the official did not come
            Tier("省", Decimal(2), severity="未及时到场"),
            Tier("市", Decimal(1), severity="未及时到场"),
            Tier("市以上", Decimal("0.5"), severity="疑难个访未到场"),  # L265
        ],
        source=_src(251),
    )


def _cases(year: str) -> Deductions:
    """(五) 信访立案件办理工作 15 for one year: 倒扣计分法, floored at 0 (L267–L271, L283)."""
    return Deductions(
        key=f"立案件_{year}",
        label=f"{year} 信访立案件办理 (15)",
        base=Decimal(15),
        floor=Decimal(0),
        period=year,
        tiers=[
            Tier("未按要求办理", Decimal(1)),  # L269: 未能按要求办理的,每件扣1分
            Tier("催办", Decimal("0.5")),  # L269: 每催办一次,加扣0.5分
            Tier("办结未达要求", Decimal(1)),  # L271
            Tier("未答复信访人", Decimal("0.5")),  # L271
        ],
        source=_src(267),
    )


def _averaged(key: str, label: str, rules: list[Deductions], line: int) -> Weighted:
    """The two years' average (两年平均, L283) of one deduction item."""
    return Weighted(
        key=key,
        label=label,
        parts=[Part(YEAR_WEIGHT, rule) for rule in rules],
        source=_src(line),
    )


def _cohort(category: str) -> Cohort:
    items: list[Rule] = [
        _panel_block("一", category),
        _panel_block("二", category),
        _panel_block("三", category),
        _averaged("项目四", "(四) 集体上访和疑难个访处理工作 — 两年平均 (20)", [_petitions(y) for y in YEARS], 283),
        _averaged("项目五", "(五) 信访立案件办理工作 — 两年平均 (15)", [_cases(y) for y in YEARS], 283),
        _panel_block("六", category),
    ]
    raw = Sum(key=f"{category}类得分", label=f"一至六项得分相加 ({category}类)", parts=items, source=_src(293))
    scale = _scale(category)
    root: Rule = raw
    if scale != 1:
        root = Weighted(
            key="百分制折算",
            label=f"按百分制折算 ×100/{C_SCALE_BASE if category == 'C' else DECLARED_MAXIMUM[category]}",
            parts=[Part(scale, raw)],
            total_weight=scale,
            source=_src(293),
        )
    return Cohort(
        name=category,
        label=f"{category}类考核单位",
        root=root,
        bands=Bands([Band("已考核")], source=_src(293)),
        rounding=Rounding(PUBLISHED_PLACES, ROUNDING_MODE, source=_src(293)),
        tie_break=TIE_BREAK,
        source=_src({"A": 171, "B": 173, "C": 175}[category]),
    )


SCHEME = Scheme(
    name="shenzhen_petitions",
    version=1,
    title="深圳市信访工作目标管理考核办法 (深办〔2003〕36号, seed 003 篇三)",
    source=SEED,
    notes=(
        "C_SCALE_BASE: C is scored on its tagged sub-items (82) and published against 82, not the declared 80",
        "PUBLISHED_PLACES: B/C published to 2 decimals, half up",
        "TIE_BREAK: equal totals share a place",
        "MAJOR_INCIDENT: one occurrence forfeits the year's item (四) and bars 先进",
    ),
    cohorts=[_cohort(c) for c in ("A", "B", "C")],
    vetoes=[
        Veto(
            key="取消评先",
            category=MAJOR_INCIDENT,
            label="取消评选先进单位资格 barred from 先进单位",
            triggers=[OccurrenceOf(f"集体上访_{year}", authority=MAJOR_INCIDENT) for year in YEARS],
            effects=("no_honours",),
            source=_src(255),
        )
    ],
)
"""The biennial scheme: categories A, B, C, each its own ranking pool."""

SCHEMES = [SCHEME]
