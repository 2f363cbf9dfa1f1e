"""Who approves a Chongqing overseas trip (因公临时出国(境)审批权限): the routing policy.

Source: 渝委发[2005]14号 (seed 003, the second document), §(十二) "严格审批工作", seed 003
L111–L131. Every trip of a city-managed cadre (市管干部) passes 市外办 review and the 市委 or
市政府 general office (L111, a matter for the workflow's states), then the city leaders this
module computes. Which leaders depends on the traveller's organ and rank:

| Row | Traveller (出访人) | Approvers, in the listed order (seed 003 line) |
|---|---|---|
| 1 | 正职 of 市委各部委, 市级群团组织 | 市委分管业务工作的领导 → 分管外事工作的副书记 → 书记 (L113) |
| 2 | 正职 of 市人大/市政协各专门委员会 | 市委分管外事工作的副书记 → 书记 (L115) |
| 3 | 区县党委书记, 人大主任, 政协主席 | 市委联系该区县的领导 → 分管外事工作的副书记 → 书记 (L117) |
| 4 | 副职 of 市委部委, 专委, 市纪委·法检, 群团; 厅级 of 分院·中院; 区县 (below) | 市委分管外事工作的副书记 (L119) |
| 5 | 正职 of 市政府各部门 | 市政府分管业务工作的领导 (原文 "市管") → 分管外事工作的副市长 → 市长 (L121) |
| 6 | 区县长 | 分管外事工作的副市长 → 市委联系该区县的领导 → 市长 (L123) |
| 7 | 副职 of 市政府各部门 and 区县政府 | 分管外事工作的副市长 (L125) |
| 8a | 正职 of 高等院校, 市级新闻单位 | 市委或市政府分管业务工作的领导 → 分管外事工作的副书记或副市长 (L127) |
| 8b | 副职 of the same | 市委或市政府分管业务工作的副书记或副市长 (L127) |
| 9 | mixed party/government groups | each crossing member 单独报批 to their own side (L129) |
| 10 | 双跨 groups | prior consent of 市委、市政府 leaders attached, else 一律不予审批 (L131) |

Row 4's district cadres are the 区县党委副书记, 常委, 人大副主任, 政协副主席, 纪委书记, 法院院长 and
检察院检察长.

**Rows as data.** `ROUTING_TABLE` holds rows 1–8b, each with the (organ, rank) cells it covers,
its approvers as keys of `POSITIONS` and its citation. The approvers are *relative positions*
(`RelativePosition`): a unit, a position name and a portfolio item, looked up in the
organisation `Directory` on the day the case enters the chain, so a leader replaced on a date is
replaced in every chain routed from that date. Conventions (one place, the constants below):

* 市委 is unit `PARTY_UNIT`, 市政府 is `GOVERNMENT_UNIT`; a "市委-side" post is a post in
  `PARTY_UNIT` (a 常委 who is also a vice mayor holds a post in each unit).
* 书记 and 市长 are the `PRINCIPAL` (主要负责人) of their unit; deputy secretaries hold
  `DEPUTY_SECRETARY`, standing-committee members `STANDING_COMMITTEE_MEMBER`, vice mayors
  `VICE_MAYOR`.
* A post's `portfolio` says what its holder is in charge of: ``line:<business line>`` for each
  line of work (分管), ``line:foreign_affairs`` (`FOREIGN_AFFAIRS`) for 外事, and
  ``liaison:<district unit id>`` for each district the leader liaises with (联系区县).
* 分管业务工作的领导 = any post of that side's unit whose portfolio holds ``line:<the traveller's
  business line>``; 分管外事工作的副书记 / 副市长 = the `DEPUTY_SECRETARY` / `VICE_MAYOR` post with
  ``line:foreign_affairs``; 联系该区县的领导 = the `PARTY_UNIT` post with ``liaison:<district>``.
* Row 8b is read literally: 分管业务工作的 **副书记或副市长**, so the business leader must hold
  `DEPUTY_SECRETARY` / `VICE_MAYOR`; a line held by a 常委 leaves the step unresolved.

A position nobody holds on the day gives a step with no people, and `govflow.approvals` then
raises `UnresolvedRole` naming the post: a case is never approved by nobody, nor by anybody.

**Choices the text leaves open.**

* *Which travellers drive the main track* (`MAIN_TRACK`, default ``"union"``). The table routes
  a *traveller*, but a request (请示) is one per group ("一团一报", seed 003 L85). Every city-managed
  member of the side the request goes to needs the approvals their own row names, so the main
  track is the union of their chains, in table order, each approver once, with every member's
  listed order kept (a stable topological merge). ``"highest"`` instead takes the chain of the
  member whose row needs the most signatures (ties: table order, then list order); it is shorter
  but can skip a leader a lower-ranked member's row names (e.g. the 市委 leader liaising with a
  member's district), so it is not the default.
* *Row 9* (seed 003 L129). Its opening clause "团组中出现党政干部交叉的,需单独报批" is general;
  the enumerations that follow (row 1–3 正职 in a 市政府 group; row 5–6 正职 in a 市委 group)
  are its cases. Every member whose own row belongs to the other side (rows 1–4 are the 市委's,
  5–7 the 市政府's — row 6, the 区县长, is a government cadre although a 市委 leader signs in
  the middle —, 8a/8b the side of the unit's `line`) gets a separate track of their own row,
  named ``"<side>:<person>"``; the chain completes only when every track has.
* *Sequential or parallel signing* (§2.13 point 6): `SIGN_IN_SEQUENCE`.
* *Row 10* (双跨 groups) is a hard guard, not routing: see `dual_cross_cleared`.

Travellers not in the table (non-city-managed members, or 正职 of 市纪委/法检, who are not
city-managed) cannot be described as `Traveller`s; the request lists only its city-managed
cadres in ``travellers``. The policy reads two fields of the instance data, `ROUTING_FIELDS`:
``request_to`` (``"party"``: 报市委, ``"government"``: 报市政府) and ``travellers``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, get_args

import attrs

from govflow.access import ResolveContext
from govflow.approvals import Step, routing
from govflow.data import validate
from govflow.directory import Directory, Post, Unit
from govflow.errors import UnresolvedRole

__all__ = [
    "DEPUTY_SECRETARY",
    "FOREIGN_AFFAIRS",
    "GOVERNMENT_UNIT",
    "MAIN_TRACK",
    "ORGANS",
    "PARTY_UNIT",
    "POLICY",
    "POSITIONS",
    "PRINCIPAL",
    "ROUTING_FIELDS",
    "ROUTING_TABLE",
    "SIGN_IN_SEQUENCE",
    "STANDING_COMMITTEE_MEMBER",
    "VICE_MAYOR",
    "Organ",
    "RelativePosition",
    "TableRow",
    "Traveller",
    "TripGroup",
    "chain_for",
    "dual_cross_cleared",
    "group_from_data",
    "liaison",
    "line",
    "route",
    "route_group",
    "row_for",
    "sample_directory",
    "sample_travellers",
    "separately_approved",
]

# -- vocabulary --------------------------------------------------------------------------------

Side = Literal["party", "government"]
"""Which side approves: ``party`` = 市委, ``government`` = 市政府."""

OrganKind = Literal[
    "city_party_dept",  # 市委各部委
    "city_mass_org",  # 市级群团组织
    "congress_cppcc_committee",  # 市人大、市政协各专门委员会
    "city_discipline_judicial",  # 市纪委、市高级人民法院、市人民检察院
    "branch_judicial",  # 市人民检察院各分院、市各中级人民法院
    "city_gov_dept",  # 市政府各部门
    "district_party",  # 区县(自治县、市)党委
    "district_congress",  # 区县人大
    "district_cppcc",  # 区县政协
    "district_discipline_judicial",  # 区县纪委、法院、检察院
    "district_gov",  # 区县政府
    "university",  # 高等院校
    "city_media",  # 市级新闻单位
]
"""The kind of organ a traveller leads (机关类别), as the table distinguishes them."""

Rank = Literal["principal", "deputy", "standing_committee"]
"""正职 / 副职 / 常委 (a district party standing-committee member, named in row 4)."""

MainTrack = Literal["union", "highest"]
"""How a group's main track is formed (see `MAIN_TRACK`)."""


@attrs.frozen
class Organ:
    """What the table needs to know about a kind of organ.

    `line` is the side that approves its cadres (None: the unit's own `Traveller.line` decides,
    row 8); `district` says its cadres belong to a district (区县); `titles` gives, per rank it
    may have, the post's name in the table's words (row 3/4/6 name district posts one by one).
    """

    label: str
    line: Side | None
    district: bool
    titles: Mapping[str, str]


ORGANS: dict[OrganKind, Organ] = {
    "city_party_dept": Organ("市委各部委", "party", False, {"principal": "正职", "deputy": "副职"}),
    "city_mass_org": Organ("市级群团组织", "party", False, {"principal": "正职", "deputy": "副职"}),
    "congress_cppcc_committee": Organ(
        "市人大、市政协各专门委员会", "party", False, {"principal": "正职", "deputy": "副职"}
    ),
    "city_discipline_judicial": Organ("市纪委、市高级人民法院、市人民检察院", "party", False, {"deputy": "副职"}),
    "branch_judicial": Organ(
        "市人民检察院各分院、市各中级人民法院", "party", False, {"principal": "厅级正职", "deputy": "厅级副职"}
    ),
    "city_gov_dept": Organ("市政府各部门", "government", False, {"principal": "正职", "deputy": "副职"}),
    "district_party": Organ(
        "区县党委", "party", True, {"principal": "党委书记", "deputy": "党委副书记", "standing_committee": "常委"}
    ),
    "district_congress": Organ("区县人大", "party", True, {"principal": "人大主任", "deputy": "人大副主任"}),
    "district_cppcc": Organ("区县政协", "party", True, {"principal": "政协主席", "deputy": "政协副主席"}),
    "district_discipline_judicial": Organ(
        "区县纪委、法院、检察院", "party", True, {"principal": "纪委书记、法院院长、检察长"}
    ),
    "district_gov": Organ("区县政府", "government", True, {"principal": "区县长", "deputy": "副区县长"}),
    "university": Organ("高等院校", None, False, {"principal": "正职", "deputy": "副职"}),
    "city_media": Organ("市级新闻单位", None, False, {"principal": "正职", "deputy": "副职"}),
}
"""Every organ kind of `OrganKind`, with its label, side and the ranks the table covers."""

# -- directory conventions (the one place they are decided) -----------------------------------

PARTY_UNIT = "cq.party"
"""中共重庆市委: the unit whose posts are the "市委" leaders."""

GOVERNMENT_UNIT = "cq.gov"
"""重庆市人民政府: the unit whose posts are the "市政府" leaders."""

PRINCIPAL = "principal"
"""主要负责人: 书记 in `PARTY_UNIT`, 市长 in `GOVERNMENT_UNIT` (govflow's single-holder position)."""

DEPUTY_SECRETARY = "deputy_secretary"
"""市委副书记."""

STANDING_COMMITTEE_MEMBER = "standing_committee_member"
"""市委常委 (may be in charge of lines and liaise with districts)."""

VICE_MAYOR = "vice_mayor"
"""副市长."""

FOREIGN_AFFAIRS = "line:foreign_affairs"
"""The portfolio item of the leader in charge of foreign affairs (分管外事工作)."""


def line(business_line: str) -> str:
    """The portfolio item of the leader in charge of `business_line` (分管业务): ``line:<it>``."""
    return f"line:{business_line}"


def liaison(district: str) -> str:
    """The portfolio item of the leader liaising with `district` (联系区县): ``liaison:<unit id>``."""
    return f"liaison:{district}"


# -- the data the policy reads ------------------------------------------------------------------


def _check_traveller(traveller: Traveller) -> list[str]:
    organ = ORGANS[traveller.organ]
    who = f"traveller {traveller.person!r} ({organ.label})"
    problems = []
    if traveller.rank not in organ.titles:
        covered = ", ".join(f"{rank} {title}" for rank, title in organ.titles.items())
        problems.append(
            f"{who}: rank {traveller.rank!r} is not routed by the table (seed 003 L113–L127 covers {covered})"
        )
    if organ.line is None and traveller.line is None:
        problems.append(f"{who}: say which side the unit is under (line: party or government; seed 003 L127)")
    if organ.line is not None and traveller.line not in (None, organ.line):
        problems.append(f"{who}: the organ is on the {organ.line} side, not {traveller.line}")
    if organ.district and not traveller.district:
        problems.append(f"{who}: a district cadre needs the district's unit id")
    if not organ.district and traveller.district:
        problems.append(f"{who}: not a district cadre, so no district")
    row = _BY_CELL.get((traveller.organ, traveller.rank))
    if row is not None and row.needs_business_line and not traveller.business_line:
        problems.append(f"{who}: row {row.row} needs the unit's business line (分管业务, {row.source})")
    return problems


@attrs.frozen
class Traveller:
    """A city-managed cadre in the group (出访人), as the table routes them.

    `person` is their id; `organ` and `rank` (正职/副职/常委) place them in a row; `line` is the
    side their unit is under (required for universities and media, row 8; otherwise implied by
    the organ); `district` is the district's unit id for a district cadre (rows 3, 4, 6, 7);
    `business_line` is the unit's line of work (分管业务), matched against ``line:<it>`` in the
    leaders' portfolios (rows 1, 5, 8).
    """

    person: str
    organ: OrganKind
    rank: Rank
    line: Side | None = None
    district: str | None = None
    business_line: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = _check_traveller(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def side(self) -> Side:
        """The side whose leaders approve this traveller: the organ's, else the unit's `line`."""
        fixed = ORGANS[self.organ].line
        side = fixed if fixed is not None else self.line
        assert side is not None  # checked on construction
        return side

    @property
    def title(self) -> str:
        """The post in the table's words, e.g. ``区县党委 党委书记`` or ``市政府各部门 正职``."""
        organ = ORGANS[self.organ]
        return f"{organ.label} {organ.titles[self.rank]}"

    @property
    def row(self) -> TableRow:
        """The row of `ROUTING_TABLE` that routes this traveller."""
        return row_for(self)


@attrs.frozen
class TripGroup:
    """The group-level fields the policy reads: the side the request goes to (`request_to`:
    ``party`` = 报市委, ``government`` = 报市政府) and the group's city-managed `travellers`."""

    request_to: Side
    travellers: list[Traveller]

    def __attrs_post_init__(self) -> None:
        if not self.travellers:
            raise ValueError("a group lists at least one city-managed traveller")
        people = [t.person for t in self.travellers]
        twice = sorted({p for p in people if people.count(p) > 1})
        if twice:
            raise ValueError(f"travellers listed twice: {', '.join(twice)}")


ROUTING_FIELDS = ("request_to", "travellers")
"""The instance-data fields the policy reads (a workflow's schema declares them as `TripGroup` does)."""


def group_from_data(data: Mapping[str, Any]) -> TripGroup:
    """The `TripGroup` in an instance's data (`InvalidData` listing every problem if it does not fit)."""
    picked = {key: data[key] for key in ROUTING_FIELDS if key in data}
    group: TripGroup = validate(TripGroup, picked, "the overseas-trip routing fields")[1]
    return group


# -- relative positions -------------------------------------------------------------------------


@attrs.frozen
class RelativePosition:
    """A leader named by position, found in the directory on the day (相对岗位).

    The holders are the people with a post in `unit` on that day, of `position` (None: any), whose
    portfolio holds `portfolio` once ``{business_line}`` / ``{district}`` are filled in from the
    traveller (None: any portfolio).
    """

    label: str
    unit: str
    position: str | None = None
    portfolio: str | None = None

    def item(self, traveller: Traveller) -> str | None:
        """The portfolio item to look for, for this traveller (None: none needed)."""
        if self.portfolio is None:
            return None
        return self.portfolio.format(business_line=traveller.business_line, district=traveller.district)

    def holders(self, traveller: Traveller, directory: Directory, on: date) -> tuple[str, ...]:
        """Who holds the position for `traveller` on `on` (empty if nobody: the step is unresolved)."""
        posts = directory.find_posts(on, position=self.position, unit=self.unit, portfolio=self.item(traveller))
        return tuple(sorted({post.person for post in posts}))


POSITIONS: dict[str, RelativePosition] = {
    "top.party": RelativePosition("书记", PARTY_UNIT, PRINCIPAL),
    "top.government": RelativePosition("市长", GOVERNMENT_UNIT, PRINCIPAL),
    "foreign_affairs.party": RelativePosition("分管外事工作的副书记", PARTY_UNIT, DEPUTY_SECRETARY, FOREIGN_AFFAIRS),
    "foreign_affairs.government": RelativePosition(
        "分管外事工作的副市长", GOVERNMENT_UNIT, VICE_MAYOR, FOREIGN_AFFAIRS
    ),
    "business_leader.party": RelativePosition("市委分管业务工作的领导", PARTY_UNIT, None, "line:{business_line}"),
    "business_leader.government": RelativePosition(
        "市政府分管业务工作的领导", GOVERNMENT_UNIT, None, "line:{business_line}"
    ),
    "business_deputy.party": RelativePosition(
        "市委分管业务工作的副书记", PARTY_UNIT, DEPUTY_SECRETARY, "line:{business_line}"
    ),
    "business_deputy.government": RelativePosition(
        "市政府分管业务工作的副市长", GOVERNMENT_UNIT, VICE_MAYOR, "line:{business_line}"
    ),
    "liaison.party": RelativePosition("市委联系该区县的领导", PARTY_UNIT, None, "liaison:{district}"),
}
"""The relative positions the table names, by key (``{line}`` in a row's approvers picks ``.party``
or ``.government`` by the traveller's side)."""


# -- the table ----------------------------------------------------------------------------------


def _cells(organs: Iterable[str], ranks: Iterable[str]) -> frozenset[tuple[str, str]]:
    ranks = tuple(ranks)
    return frozenset((organ, rank) for organ in organs for rank in ranks)


@attrs.frozen
class TableRow:
    """One row of the 审批权限 table: whom it covers (`cells`: (organ, rank) pairs), the
    approvers in the listed order (keys of `POSITIONS`; ``{line}`` = the traveller's side),
    the side its cadres belong to (None: the unit's line) and its `source` (seed file and line)."""

    row: str
    source: str
    travellers: str
    cells: frozenset[tuple[str, str]]
    approvers: tuple[str, ...]
    side: Side | None

    def approver_keys(self, traveller: Traveller) -> tuple[str, ...]:
        """The `POSITIONS` keys of this row's approvers for `traveller`."""
        return tuple(key.format(line=traveller.side) for key in self.approvers)

    @property
    def needs_business_line(self) -> bool:
        """Whether an approver is found by the traveller's business line."""
        return any("business" in key for key in self.approvers)


ROUTING_TABLE: tuple[TableRow, ...] = (
    TableRow(
        "1",
        "seed 003 L113",
        "市委各部委、市级群团组织的正职领导",
        _cells(["city_party_dept", "city_mass_org"], ["principal"]),
        ("business_leader.party", "foreign_affairs.party", "top.party"),
        "party",
    ),
    TableRow(
        "2",
        "seed 003 L115",
        "市人大和市政协各专门委员会的正职领导",
        _cells(["congress_cppcc_committee"], ["principal"]),
        ("foreign_affairs.party", "top.party"),
        "party",
    ),
    TableRow(
        "3",
        "seed 003 L117",
        "区县(自治县、市)党委书记、人大主任、政协主席",
        _cells(["district_party", "district_congress", "district_cppcc"], ["principal"]),
        ("liaison.party", "foreign_affairs.party", "top.party"),
        "party",
    ),
    TableRow(
        "4",
        "seed 003 L119",
        "市委各部委、市人大和市政协各专门委员会、市纪委、市高级人民法院、市人民检察院、市级群团组织的副职领导、"
        "市人民检察院各分院、市各中级人民法院厅级领导,以及区县(自治县、市)党委副书记、常委、人大副主任、"
        "政协副主席、纪委书记、法院院长、检察院检察长",
        _cells(["city_party_dept", "congress_cppcc_committee", "city_discipline_judicial", "city_mass_org"], ["deputy"])
        | _cells(["branch_judicial"], ["principal", "deputy"])
        | _cells(["district_party"], ["deputy", "standing_committee"])
        | _cells(["district_congress", "district_cppcc"], ["deputy"])
        | _cells(["district_discipline_judicial"], ["principal"]),
        ("foreign_affairs.party",),
        "party",
    ),
    TableRow(
        "5",
        "seed 003 L121",
        "市政府各部门的正职领导",
        _cells(["city_gov_dept"], ["principal"]),
        ("business_leader.government", "foreign_affairs.government", "top.government"),
        "government",
    ),
    TableRow(
        "6",
        "seed 003 L123",
        "区县(自治县、市)长",
        _cells(["district_gov"], ["principal"]),
        ("foreign_affairs.government", "liaison.party", "top.government"),
        "government",
    ),
    TableRow(
        "7",
        "seed 003 L125",
        "市政府各部门以及区县(自治县、市)政府的副职领导干部",
        _cells(["city_gov_dept", "district_gov"], ["deputy"]),
        ("foreign_affairs.government",),
        "government",
    ),
    TableRow(
        "8a",
        "seed 003 L127",
        "高等院校、市级新闻单位的正职领导",
        _cells(["university", "city_media"], ["principal"]),
        ("business_leader.{line}", "foreign_affairs.{line}"),
        None,
    ),
    TableRow(
        "8b",
        "seed 003 L127",
        "高等院校、市级新闻单位的副职领导",
        _cells(["university", "city_media"], ["deputy"]),
        ("business_deputy.{line}",),
        None,
    ),
)
"""Rows 1–8b of the table (seed 003 L113–L127), in the document's order."""


def _index(rows: Sequence[TableRow]) -> dict[tuple[str, str], TableRow]:
    """(organ, rank) → row, refusing a table where two rows cover one cell or a key is unknown."""
    index: dict[tuple[str, str], TableRow] = {}
    for row in rows:
        for cell in sorted(row.cells):
            if cell in index:
                raise ValueError(f"rows {index[cell].row} and {row.row} both cover {cell}")
            index[cell] = row
        for key in row.approvers:
            for side in get_args(Side):
                if key.format(line=side) not in POSITIONS:
                    raise ValueError(f"row {row.row} names unknown position {key!r}")
    for organ_kind, organ in ORGANS.items():
        for rank in organ.titles:
            if (organ_kind, rank) not in index:
                raise ValueError(f"no row covers {organ_kind} {rank}")
    return index


_BY_CELL = _index(ROUTING_TABLE)


def row_for(traveller: Traveller) -> TableRow:
    """The row that routes `traveller` (every valid traveller has exactly one)."""
    return _BY_CELL[(traveller.organ, traveller.rank)]


# -- the policy ---------------------------------------------------------------------------------

MAIN_TRACK: MainTrack = "union"
"""Which travellers' chains make the main track: ``"union"`` (every member on the request's side,
merged in table order, each approver once, every member's order kept) or ``"highest"`` (the
member whose row needs most signatures). Union is the default because each city-managed member's
trip needs the approvals of their own row (seed 003 L111: "市管干部出访…报…审批"); the request is
one per group (seed 003 L85), so one chain must carry all of them."""

SIGN_IN_SEQUENCE = True
"""Leaders sign one after another, in the listed order (``ApprovalChain(sequential=...)``).

§2.13 point 6 of the digest leaves open whether the listed approvers sign in sequence or in
parallel. Every row lists them ascending — the leader in charge of the line or district, then the
leader in charge of foreign affairs, then the secretary or mayor (seed 003 L113–L127); the general
office "呈送" the file to the leaders (seed 003 L137), read here as the usual 逐级呈批, each leader
seeing the opinions of those before; and row 6 puts a 市委 leader between two 市政府 ones, which
only matters if the order does. Separate row-9 tracks still run in parallel with the main track.
"""

POLICY = "overseas_trip.route"
"""The registered name of the routing policy (`route`)."""


def chain_for(traveller: Traveller, directory: Directory, on: date, *, track: str = "main") -> list[Step]:
    """The steps `traveller`'s own row names, resolved on `on` (a step with no people if vacant)."""
    return [
        _step(POSITIONS[key], traveller, directory, on, track) for key in row_for(traveller).approver_keys(traveller)
    ]


def _step(position: RelativePosition, traveller: Traveller, directory: Directory, on: date, track: str) -> Step:
    people = position.holders(traveller, directory, on)
    return Step("approve", people, position.label, track=track)


def _table_order(travellers: Sequence[Traveller]) -> list[Traveller]:
    position = {row.row: index for index, row in enumerate(ROUTING_TABLE)}
    return sorted(travellers, key=lambda t: position[t.row.row])  # stable: list order within a row


def _merge(chains: Sequence[Sequence[Step]]) -> list[Step]:
    """One sequence holding every step of `chains` once, keeping each chain's order; ties (and
    steps no chain orders) go by first appearance."""
    first: dict[tuple[str, tuple[str, ...]], int] = {}
    steps: dict[tuple[str, tuple[str, ...]], Step] = {}
    after: dict[tuple[str, tuple[str, ...]], set[tuple[str, tuple[str, ...]]]] = {}
    for chain in chains:
        keys = [(step.label, step.people) for step in chain]
        for key, step in zip(keys, chain, strict=True):
            first.setdefault(key, len(first))
            steps.setdefault(key, step)
            after.setdefault(key, set())
        for earlier, later in itertools.pairwise(keys):
            if earlier != later:
                after[later].add(earlier)
    merged: list[Step] = []
    done: set[tuple[str, tuple[str, ...]]] = set()
    while len(done) < len(first):
        ready = [key for key in first if key not in done and after[key] <= done]
        # The table's orders never conflict; if a directory made them (one person in two
        # capacities), fall back to first appearance rather than lose a step.
        key = min(ready or [k for k in first if k not in done], key=first.__getitem__)
        merged.append(steps[key])
        done.add(key)
    return merged


def separately_approved(group: TripGroup) -> list[Traveller]:
    """Members whose own row belongs to the other side: each is approved on a track of their own
    (单独报批, seed 003 L129), in table order."""
    return [t for t in _table_order(group.travellers) if t.side != group.request_to]


def route_group(group: TripGroup, directory: Directory, on: date, *, main_track: MainTrack = MAIN_TRACK) -> list[Step]:
    """The ordered steps for `group` on `on`: the main track, then one track per member who is
    approved separately (track ``"<side>:<person>"``)."""
    ordered = _table_order(group.travellers)
    own = [t for t in ordered if t.side == group.request_to]
    chains = [chain_for(t, directory, on) for t in own]
    if not chains:
        main: list[Step] = []
    elif main_track == "union":
        main = _merge(chains)
    elif main_track == "highest":
        main = max(chains, key=len)  # max keeps the first of equals: table order, then list order
    else:
        raise ValueError(f"main_track must be 'union' or 'highest', not {main_track!r}")
    tracks = [chain_for(t, directory, on, track=f"{t.side}:{t.person}") for t in separately_approved(group)]
    return [*main, *(step for chain in tracks for step in chain)]


@routing(POLICY)
def route(ctx: ResolveContext) -> list[Step]:
    """The routing policy ``overseas_trip.route``: the instance's `TripGroup` through the table,
    leaders resolved in the engine's directory on the day the case enters the chain."""
    group = group_from_data(ctx.data)
    if ctx.directory is None:
        raise UnresolvedRole(
            "审批权限 (seed 003 L111–L129)", "the engine has no organisation directory to find leaders in"
        )
    return route_group(group, ctx.directory, ctx.on)


def dual_cross_cleared(*, dual_cross: bool, opinions_from: Iterable[Side]) -> bool:
    """Row 10 (seed 003 L131), for the workflow's hard guard: a 双跨 (cross-region, cross-industry)
    group is approved only with the prior opinions of the relevant 市委 **and** 市政府 leaders
    attached ("需事先征得市委、市政府相关领导同意…否则,一律不予审批"). `opinions_from` lists the
    sides whose leader's opinion is attached. Any other group passes."""
    return not dual_cross or set(get_args(Side)) <= set(opinions_from)


# -- a sample directory -------------------------------------------------------------------------


def sample_directory() -> Directory:
    """A small Chongqing-like directory for tests, docs and the demo (fictional people).

    市委: 书记 huang; 副书记 tang (外事, until 2026-03-31, then zhao from 2026-04-01) and wu
    (教育); 常委 li (宣传, liaises with 渝北区) and chen (组织 and 群团, liaises with 万州区);
    秘书长 ma. 市政府: 市长 hu; 副市长 zhou (外事), qian (商务), sun (教育). Units led by
    travellers: 市委宣传部 (xu, deputy he), 市委组织部 (yang), 市人大外事委员会 (kong), 市商务委
    (feng, deputy deng), 市教委 (jiang), 市外办 (gao), 渝北区 (区委 lin, deputy pan; 区政府 guo,
    deputy song), 万州区 (区委 luo; 区政府 xie), 重庆大学 (du, deputy fan), 重庆日报 (cao, deputy peng).
    """
    units = [
        Unit("cq", "重庆市", kind="市"),
        Unit(PARTY_UNIT, "中共重庆市委", "cq", "市委", "party"),
        Unit(GOVERNMENT_UNIT, "重庆市人民政府", "cq", "市政府", "government"),
        Unit("cq.party.propaganda", "市委宣传部", PARTY_UNIT, "市委部委", "party"),
        Unit("cq.party.organisation", "市委组织部", PARTY_UNIT, "市委部委", "party"),
        Unit("cq.npc", "市人大常委会", "cq", "市人大"),
        Unit("cq.npc.foreign_affairs", "市人大外事委员会", "cq.npc", "专门委员会"),
        Unit("cq.gov.commerce", "市商务委", GOVERNMENT_UNIT, "市政府部门", "government"),
        Unit("cq.gov.education", "市教委", GOVERNMENT_UNIT, "市政府部门", "government"),
        Unit("cq.gov.fao", "市政府外事办公室(市外办)", GOVERNMENT_UNIT, "市政府部门", "government"),
        Unit("cq.yubei", "渝北区", "cq", "区"),
        Unit("cq.yubei.party", "中共渝北区委", "cq.yubei", "区县党委", "party"),
        Unit("cq.yubei.gov", "渝北区人民政府", "cq.yubei", "区县政府", "government"),
        Unit("cq.wanzhou", "万州区", "cq", "区"),
        Unit("cq.wanzhou.party", "中共万州区委", "cq.wanzhou", "区县党委", "party"),
        Unit("cq.wanzhou.gov", "万州区人民政府", "cq.wanzhou", "区县政府", "government"),
        Unit("cq.cqu", "重庆大学", "cq", "高校", "government"),
        Unit("cq.daily", "重庆日报报业集团", "cq", "市级新闻单位", "party"),
    ]
    posts = [
        # 市委 leaders
        Post("huang", PRINCIPAL, PARTY_UNIT, "2017-07-20", line="party"),
        Post("tang", DEPUTY_SECRETARY, PARTY_UNIT, "2021-01-01", "2026-03-31", {FOREIGN_AFFAIRS}, "party"),
        Post("zhao", DEPUTY_SECRETARY, PARTY_UNIT, "2026-04-01", None, {FOREIGN_AFFAIRS}, "party"),
        Post("wu", DEPUTY_SECRETARY, PARTY_UNIT, "2022-01-01", None, {line("education")}, "party"),
        Post(
            "li",
            STANDING_COMMITTEE_MEMBER,
            PARTY_UNIT,
            "2022-01-01",
            None,
            {line("propaganda"), liaison("cq.yubei")},
            "party",
        ),
        Post(
            "chen",
            STANDING_COMMITTEE_MEMBER,
            PARTY_UNIT,
            "2022-01-01",
            None,
            {line("organisation"), line("mass_organisations"), liaison("cq.wanzhou")},
            "party",
        ),
        Post("ma", "secretary_general", PARTY_UNIT, "2022-01-01", line="party"),
        # 市政府 leaders
        Post("hu", PRINCIPAL, GOVERNMENT_UNIT, "2021-01-01", line="government"),
        Post("zhou", VICE_MAYOR, GOVERNMENT_UNIT, "2021-01-01", None, {FOREIGN_AFFAIRS}, "government"),
        Post("qian", VICE_MAYOR, GOVERNMENT_UNIT, "2022-01-01", None, {line("commerce")}, "government"),
        Post("sun", VICE_MAYOR, GOVERNMENT_UNIT, "2022-01-01", None, {line("education")}, "government"),
        # heads of the units travellers come from
        Post("xu", PRINCIPAL, "cq.party.propaganda", "2022-01-01"),
        Post("he", "deputy_head", "cq.party.propaganda", "2022-01-01"),
        Post("yang", PRINCIPAL, "cq.party.organisation", "2022-01-01"),
        Post("kong", PRINCIPAL, "cq.npc.foreign_affairs", "2022-01-01"),
        Post("feng", PRINCIPAL, "cq.gov.commerce", "2022-01-01"),
        Post("deng", "deputy_head", "cq.gov.commerce", "2022-01-01"),
        Post("jiang", PRINCIPAL, "cq.gov.education", "2022-01-01"),
        Post("gao", PRINCIPAL, "cq.gov.fao", "2022-01-01"),
        Post("lin", PRINCIPAL, "cq.yubei.party", "2021-06-01"),
        Post("pan", DEPUTY_SECRETARY, "cq.yubei.party", "2021-06-01"),
        Post("guo", PRINCIPAL, "cq.yubei.gov", "2021-06-01"),
        Post("song", "deputy_head", "cq.yubei.gov", "2021-06-01"),
        Post("luo", PRINCIPAL, "cq.wanzhou.party", "2021-06-01"),
        Post("xie", PRINCIPAL, "cq.wanzhou.gov", "2021-06-01"),
        Post("du", PRINCIPAL, "cq.cqu", "2022-01-01"),
        Post("fan", "deputy_head", "cq.cqu", "2022-01-01"),
        Post("cao", PRINCIPAL, "cq.daily", "2022-01-01"),
        Post("peng", "deputy_head", "cq.daily", "2022-01-01"),
    ]
    return Directory(units=units, posts=posts)


def sample_travellers() -> dict[str, Traveller]:
    """A traveller for each row of the table, from `sample_directory`, by person id."""
    return {
        t.person: t
        for t in [
            Traveller("xu", "city_party_dept", "principal", business_line="propaganda"),  # row 1
            Traveller("yang", "city_party_dept", "principal", business_line="organisation"),  # row 1
            Traveller("kong", "congress_cppcc_committee", "principal"),  # row 2
            Traveller("lin", "district_party", "principal", district="cq.yubei"),  # row 3
            Traveller("luo", "district_party", "principal", district="cq.wanzhou"),  # row 3
            Traveller("he", "city_party_dept", "deputy", business_line="propaganda"),  # row 4
            Traveller("pan", "district_party", "deputy", district="cq.yubei"),  # row 4
            Traveller("feng", "city_gov_dept", "principal", business_line="commerce"),  # row 5
            Traveller("jiang", "city_gov_dept", "principal", business_line="education"),  # row 5
            Traveller("guo", "district_gov", "principal", district="cq.yubei"),  # row 6
            Traveller("xie", "district_gov", "principal", district="cq.wanzhou"),  # row 6
            Traveller("deng", "city_gov_dept", "deputy", business_line="commerce"),  # row 7
            Traveller("song", "district_gov", "deputy", district="cq.yubei"),  # row 7
            Traveller("du", "university", "principal", "government", business_line="education"),  # row 8a
            Traveller("cao", "city_media", "principal", "party", business_line="propaganda"),  # row 8a
            Traveller("fan", "university", "deputy", "government", business_line="education"),  # row 8b
            Traveller("peng", "city_media", "deputy", "party", business_line="propaganda"),  # row 8b
        ]
    }
