"""The demo (演示): a small 公文审批 (document approval) workflow and a seeded run of it.

`govflow demo` runs `run_demo`: it fills a fresh SQLite file with a dozen documents pushed
along every kind of path — approved and archived, returned and resubmitted, rejected, one that
overrides a 原则上 rule with a justification, some still in flight — and verifies each audit
chain. It is deterministic (seeded random choices, a `FakeClock`, fixed instance ids
``doc-0001`` …), so the README's commands and their outputs stay true.

The rules here are demo rules, not drawn from a source document.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import attrs

from govflow.actor import Actor
from govflow.clock import SHANGHAI, FakeClock
from govflow.definition import State, Transition, Workflow
from govflow.engine import Engine
from govflow.errors import GovflowError
from govflow.guards import GuardContext, guard
from govflow.storage.sqlite import SQLiteStorage

MAX_PAGES = 10
"""Demo rule: a document is 原则上 (in principle) at most this many pages (inclusive)."""

DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
"""When the demo's fake clock starts (a Monday morning, Beijing time)."""

DEFAULT_SEED = 2026
"""The seed `run_demo` uses unless told otherwise."""

ROLES = {"clerk": "经办人", "reviewer": "审核人", "leader": "分管领导"}
"""The demo's roles beside their Chinese names."""


@attrs.frozen
class DocData:
    """A document's data (公文): its title (标题), length in pages (页数) and kind (文种)."""

    title: str
    pages: int = 1
    kind: str = "请示"


@attrs.frozen
class Opinion:
    """The payload of a decision: the decider's written opinion (意见), kept in the audit trail."""

    opinion: str = ""


@guard("doc_approval.title_given", "a document needs a non-blank title (标题)")
def title_given(ctx: GuardContext) -> bool:
    """Hard rule of the demo: nothing is submitted without a title that says what it is."""
    return bool(str(ctx.data.get("title", "")).strip())


@guard("doc_approval.page_limit", f"a document should not exceed {MAX_PAGES} pages")
def page_limit(ctx: GuardContext) -> bool | str:
    """Soft (原则上) rule of the demo: at most `MAX_PAGES` pages, inclusive."""
    pages = int(ctx.data.get("pages", 1))
    return pages <= MAX_PAGES or f"the document has {pages} pages, more than {MAX_PAGES} (原则上 demo rule)"


DOC_APPROVAL = Workflow(
    name="doc_approval",
    version=1,
    title="公文审批",
    description="Demo: a clerk drafts and submits, a reviewer checks, a leader decides, the clerk archives.",
    schema=DocData,
    start_roles={"clerk"},
    states=[
        State("draft", "起草", initial=True),
        State("submitted", "已报送"),
        State("reviewed", "已审核"),
        State("approved", "已批准"),
        State("archived", "已归档", final=True),
        State("returned", "退回修改"),
        State("rejected", "不予批准", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            source="draft",
            dest="submitted",
            roles={"clerk"},
            guards=[title_given],
            soft_guards=[page_limit],
            label="报送",
        ),
        Transition("review", source="submitted", dest="reviewed", roles={"reviewer"}, label="审核"),
        Transition(
            "return",
            source="submitted",
            dest="returned",
            roles={"reviewer"},
            payload_schema=Opinion,
            label="退回",
        ),
        Transition(
            "return",
            source="reviewed",
            dest="returned",
            roles={"leader"},
            payload_schema=Opinion,
            label="退回",
        ),
        Transition(
            "resubmit",
            source="returned",
            dest="submitted",
            roles={"clerk"},
            guards=[title_given],
            soft_guards=[page_limit],
            label="重新报送",
        ),
        Transition(
            "approve",
            source="reviewed",
            dest="approved",
            roles={"leader"},
            payload_schema=Opinion,
            label="批准",
        ),
        Transition(
            "reject",
            source="reviewed",
            dest="rejected",
            roles={"leader"},
            payload_schema=Opinion,
            label="不予批准",
        ),
        Transition("archive", source="approved", dest="archived", roles={"clerk"}, label="归档"),
    ],
)
"""The demo's 公文审批 workflow."""

WORKFLOWS = [DOC_APPROVAL]

CLERKS = (
    Actor("clerk.wang", roles={"clerk"}, unit="county.office", name="王经办"),
    Actor("clerk.chen", roles={"clerk"}, unit="county.office", name="陈经办"),
)
REVIEWER = Actor("reviewer.li", roles={"reviewer"}, unit="county.office", name="李审核")
LEADER = Actor("leader.zhao", roles={"leader"}, unit="county.office", name="赵领导")

TITLES = (
    "关于春耕备耕工作的请示",
    "关于调整办公用房的请示",
    "关于开展安全生产大检查的报告",
    "关于申请防汛物资经费的请示",
    "关于召开年度工作会议的请示",
    "关于整改巡察反馈问题的报告",
)


@attrs.frozen
class DemoSummary:
    """What a demo run left behind: where, how many instances and events, and their states."""

    db_path: str
    instances: int
    events: int
    by_state: dict[str, int]
    verified: int
    broken: tuple[str, ...]
    justified: tuple[str, ...]
    instance_ids: tuple[str, ...]


def _is_govflow_db(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'govflow_schema'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return row is not None


def _reset(path: Path) -> None:
    """Delete an earlier demo database; refuse to delete a file that is not a govflow database."""
    if path.exists():
        if not _is_govflow_db(path):
            raise GovflowError(f"{str(path)!r} exists and is not a govflow database; refusing to overwrite it")
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class _Run:
    """One demo run: the engine, its clock and the random source that picks timings and paths."""

    def __init__(self, engine: Engine, clock: FakeClock, rng: random.Random) -> None:
        self.engine = engine
        self.clock = clock
        self.rng = rng
        self.justified: list[str] = []

    def later(self) -> None:
        """Let some office time pass: 20 minutes to 5 hours, within 09:00–18:00 on weekdays."""
        self.clock.advance(minutes=self.rng.randrange(20, 300, 5))
        now = self.clock.now().astimezone(SHANGHAI)
        if now.hour >= 18 or now.weekday() >= 5:
            days = 1
            while (now + timedelta(days=days)).weekday() >= 5:
                days += 1
            morning = (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
            self.clock.set(morning + timedelta(minutes=self.rng.randrange(0, 120, 5)))

    def fire(
        self,
        doc: str,
        event: str,
        actor: Actor,
        payload: dict[str, object] | None = None,
        justification: str | None = None,
    ) -> None:
        self.later()
        self.engine.fire(doc, event, actor=actor, payload=payload, justification=justification)

    def opinion(self, text: str) -> dict[str, object]:
        return {"opinion": text}

    # The paths a document may take. Each starts from a freshly started draft.

    def approved(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)
        self.fire(doc, "review", REVIEWER)
        self.fire(doc, "approve", LEADER, payload=self.opinion("同意。"))
        self.fire(doc, "archive", clerk)

    def returned_then_approved(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)
        self.fire(doc, "return", REVIEWER, payload=self.opinion("请补充经费测算依据。"))
        self.fire(doc, "resubmit", clerk, payload={"pages": self.rng.randint(2, MAX_PAGES)})
        self.fire(doc, "review", REVIEWER)
        self.fire(doc, "approve", LEADER, payload=self.opinion("同意，按程序办理。"))
        self.fire(doc, "archive", clerk)

    def rejected(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)
        self.fire(doc, "review", REVIEWER)
        self.fire(doc, "reject", LEADER, payload=self.opinion("不符合相关规定，不予批准。"))

    def justified_long(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk, justification="附件为全年项目清单，无法压缩篇幅")
        self.justified.append(doc)
        self.fire(doc, "review", REVIEWER)
        self.fire(doc, "approve", LEADER, payload=self.opinion("同意。"))

    def awaiting_review(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)

    def awaiting_decision(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)
        self.fire(doc, "review", REVIEWER)

    def returned_by_leader(self, doc: str, clerk: Actor) -> None:
        self.fire(doc, "submit", clerk)
        self.fire(doc, "review", REVIEWER)
        self.fire(doc, "return", LEADER, payload=self.opinion("请进一步征求财政部门意见。"))

    def still_draft(self, doc: str, clerk: Actor) -> None:
        """Left as a draft: nothing fired yet."""


def run_demo(db_path: str | Path = "govflow-demo.db", *, count: int = 12, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Recreate `db_path` and push `count` documents through `DOC_APPROVAL`; verify every chain.

    The first documents cover one path each (so even a small count shows the variety), the rest
    pick a path at random. Only a file that is a govflow database (or absent) is replaced.
    """
    if count < 0:
        raise ValueError(f"count must be ≥ 0, not {count}")
    path = Path(db_path)
    _reset(path)
    rng = random.Random(seed)
    clock = FakeClock(DEMO_START)
    storage = SQLiteStorage(path)
    try:
        engine = Engine(storage=storage, workflows=WORKFLOWS, clock=clock)
        run = _Run(engine, clock, rng)
        paths: list[Callable[[str, Actor], None]] = [
            run.approved,
            run.returned_then_approved,
            run.rejected,
            run.justified_long,
            run.awaiting_review,
            run.awaiting_decision,
            run.returned_by_leader,
            run.still_draft,
        ]
        ids: list[str] = []
        for n in range(count):
            doc = f"doc-{n + 1:04d}"
            clerk = CLERKS[n % len(CLERKS)]
            chosen = paths[n] if n < len(paths) else rng.choice(paths)
            if chosen == run.justified_long:
                pages = rng.randint(MAX_PAGES + 1, MAX_PAGES + 20)
            else:
                pages = rng.randint(1, MAX_PAGES)
            data = {"title": rng.choice(TITLES), "pages": pages, "kind": "请示"}
            run.later()
            engine.start(DOC_APPROVAL.name, actor=clerk, data=data, instance_id=doc)
            chosen(doc, clerk)
            ids.append(doc)
        failures = engine.verify_all()
        by_state = {state.name: engine.count(DOC_APPROVAL.name, state=state.name) for state in DOC_APPROVAL.states}
        events = sum(len(engine.history(doc)) for doc in ids)
        return DemoSummary(
            db_path=str(path),
            instances=len(ids),
            events=events,
            by_state=by_state,
            verified=len(ids) - len(failures),
            broken=tuple(str(f) for f in failures),
            justified=tuple(run.justified),
            instance_ids=tuple(ids),
        )
    finally:
        storage.close()
