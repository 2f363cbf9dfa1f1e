"""`govflow worker --notify FILE`: the worker delivers notifications as one more feed consumer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli_time import setup  # noqa: F401 - the fixture: three notices in a SQLite file
from test_notify import Receiver

from govflow import Actor, Engine
from govflow.cli import cli
from govflow.delivery import SENT, DeliveryQuery
from govflow.loading import load_modules
from govflow.storage import SQLiteStorage


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("worker-secret")
    yield r
    r.close()


def test_the_worker_sweeps_timers_and_delivers_notifications(
    setup: tuple[Path, Path, list[str]],  # noqa: F811
    receiver: Receiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, module, ids = setup
    engine = Engine(storage=SQLiteStorage(db), workflows=load_modules([str(module)]))
    engine.fire(ids[0], "close", actor=Actor("li", roles={"clerk"}, unit="county"))  # a decision: tell li
    engine.storage.close()
    settings = tmp_path / "notify.toml"
    settings.write_text(f'[webhook]\nurl = "{receiver.url}"\nsecret_env = "HOOK_SECRET"\n', encoding="utf-8")
    monkeypatch.setenv("HOOK_SECRET", "worker-secret")
    args = ["--db", str(db), "--workflows", str(module), "worker", "--interval", "0.01", "--sweeps", "2"]
    result = CliRunner().invoke(cli, [*args, "--notify", str(settings)])
    assert result.exit_code == 0, result.output
    assert "done: overdue reply" in result.stdout  # the timers were swept as before
    assert "notify:" in result.stdout and "sent: webhook 1" in result.stdout
    [request] = receiver.requests
    assert request["genuine"] and request["body"]["recipient"] == "li"
    assert request["body"]["subject"].startswith("【办结】")
    store = SQLiteStorage(db)
    assert [d.status for d in store.find_deliveries(DeliveryQuery())] == [SENT]
    store.close()
    again = CliRunner().invoke(cli, [*args, "--notify", str(settings)])
    assert again.exit_code == 0 and len(receiver.requests) == 1  # nothing sent twice


def test_a_notify_file_it_cannot_use_is_one_error_line(setup: tuple[Path, Path, list[str]], tmp_path: Path) -> None:  # noqa: F811
    db, module, _ = setup
    settings = tmp_path / "notify.toml"
    settings.write_text('[webhook]\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db), "--workflows", str(module), "worker", "--notify", str(settings)])
    assert result.exit_code == 1
    assert "error:" in result.stderr and "secret_env" in result.stderr
