"""``govflow scheme list|show|check`` and ``govflow score``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from govflow.cli import cli

B71 = "govflow_workflows.schemes.b7_1_zhengding"
MINE = ["--schemes", B71, "--schemes", "govflow_workflows.schemes.b2_sihong_transport",
        "--schemes", "govflow_workflows.schemes.a1_district_safety"]  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("GOVFLOW_SCHEMES", "GOVFLOW_REFERENCE", "GOVFLOW_WORKFLOWS", "GOVFLOW_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


FACTS = {
    "period": {"label": "2015", "start": "2015-01-01", "end": "2015-12-31"},
    "subjects": [{"id": "南牛乡", "cohort": "town"}, {"id": "新安镇", "cohort": "town"}],
    "values": [
        {"subject": "南牛乡", "indicator": "经济发展", "value": "100", "target": "100", "period": "final"},
        {"subject": "南牛乡", "indicator": "领导评估", "value": "9", "period": "final"},
        {"subject": "新安镇", "indicator": "经济发展", "value": "90", "target": "100", "period": "final"},
    ],
    "claims": [
        {
            "id": "c1",
            "subject": "南牛乡",
            "item": "bonus",
            "authority": "省委省政府",
            "evidence": {"number": "冀字[2015]3号", "date": "2015-04-02", "authority": "河北省委"},
        }
    ],
}


def facts_file(tmp_path: Path, doc: object = FACTS) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_list_and_show_fit_80_columns() -> None:
    code, out = run("scheme", "list", *MINE)
    assert code == 0 and "b7_1_zhengding v1" in out and "a1_district_safety v1" in out
    code, out = run("scheme", "show", "b7_1_zhengding", "--schemes", B71)
    assert code == 0
    assert "指标评估 mid ×0.5 [sum]" in out and "加 ≤4" in out and "名额 绩效管理先进单位: 25% (half_up) ≥90" in out
    wide = [line for line in out.splitlines() if sum(2 if "\u2e80" <= c <= "\uffef" else 1 for c in line) > 80]
    assert wide == []


def test_show_json_round_trips() -> None:
    from govflow.scoring import Scheme
    from govflow_workflows.schemes.b7_1_zhengding import SCHEME

    code, out = run("scheme", "show", "b7_1_zhengding", "--json", "--schemes", B71)
    assert code == 0 and Scheme.from_json(json.loads(out)) == SCHEME


def test_check_passes_my_reference_schemes_and_names_a_broken_one(tmp_path: Path) -> None:
    code, out = run("scheme", "check", *MINE)
    assert code == 0, out
    assert "3 scheme(s) checked, 0 finding(s)" in out
    broken = tmp_path / "broken_scheme.py"
    broken.write_text(
        "from govflow.scoring import *\n"
        "SCHEME = Scheme('bad', 1, 'x', cohorts=[Cohort('c', 'c', root=Weighted('w', 'w', parts=["
        "Part('0.75', Direct('a', 'a', 100)), Part('0.2', Direct('b', 'b', 100))]),"
        " bands=Bands([Band('合格', lower=60), Band('不合格', upper=59)]))])\n",
        encoding="utf-8",
    )
    code, out = run("scheme", "check", "--schemes", str(broken))
    assert code == 1
    assert "weights 0.75 + 0.2 = 0.95, not 1" in out
    assert "gap between 不合格 (-∞, 59) and 合格 [60, +∞)" in out


def test_check_finds_unreachable_grades_and_caps(tmp_path: Path) -> None:
    module = tmp_path / "odd_scheme.py"
    module.write_text(
        "from govflow.scoring import *\n"
        "SCHEME = Scheme('odd', 1, 'x', cohorts=[Cohort('c', 'c', root=Sum('s', 's', parts=["
        "Direct('a', 'a', 80), Deductions('d', 'd', tiers=[Tier('县', 1)], base=5, cap=8)]),"
        " bands=Bands([Band('优秀', lower=90), Band('合格', upper=90)]))])\n",
        encoding="utf-8",
    )
    code, out = run("scheme", "check", "--schemes", str(module))
    assert code == 1
    assert "cap 8 is larger than the item's 5 points" in out
    assert "grade 优秀 [90, +∞) is unreachable (totals at most 85)" in out


def test_score_ranked_table_explain_and_json(tmp_path: Path) -> None:
    path = facts_file(tmp_path)
    code, out = run("score", "--scheme", "b7_1_zhengding", "--facts", path, "--schemes", B71)
    assert code == 0, out
    rows = [line.split()[:4] for line in out.splitlines() if line[:1].isdigit()]
    assert rows == [["1", "南牛乡", "30", "不合格"], ["2", "新安镇", "20.25", "不合格"]]
    code, out = run("score", "--scheme", "b7_1_zhengding", "--facts", path, "--explain", "南牛乡", "--schemes", B71)
    assert code == 0
    assert "省委省政府 冀字[2015]3号 (2015-04-02) <c1> [seed004:550]" in out
    assert "100 ≥ 标准值 100: full 45 <value:南牛乡:经济发展:final>" in out
    code, out = run("score", "--scheme", "b7_1_zhengding", "--facts", path, "--json", "--schemes", B71)
    assert code == 0 and Decimal(json.loads(out)["results"][0]["total"]) == 30


def test_score_bad_facts_named_exit_1(tmp_path: Path) -> None:
    doc = {**FACTS, "values": [{"subject": "南牛乡", "indicator": "GDP", "value": "1"}]}
    code, out = run("score", "--scheme", "b7_1_zhengding", "--facts", facts_file(tmp_path, doc), "--schemes", B71)
    assert code == 1 and "unknown indicator 'GDP'" in out
    code, out = run("score", "--scheme", "nope", "--facts", facts_file(tmp_path), "--schemes", B71)
    assert code == 1 and "unknown scheme 'nope'" in out


def test_reference_flag_loads_the_reference_schemes() -> None:
    code, out = run("--reference", "scheme", "list")
    assert code == 0 and "b2_sihong_transport v1" in out
    code, out = run("scheme", "list")
    assert code == 2 and "no schemes loaded" in out
