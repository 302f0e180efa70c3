"""Headless actions and the outbox from the command line, against the real core on 127.0.0.1:
``workbench act …``, ``workbench outbox``, tokens, refusals, and ``sync --follow`` stopping."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main

TOKEN = "tok-A001-sekrit"


@pytest.fixture
def core(own_core, tmp_path: Path):
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(f'["{TOKEN}"]\nagent_id = "A001"\nrole = "agent"\n', encoding="utf-8")
    from workbench.core.auth import load_tokens

    return own_core(borrowers=20, seed=8, tokens=load_tokens(tokens))


@pytest.fixture
def desk(core, tmp_path: Path, cli_env) -> Path:
    db = tmp_path / "desk.db"
    invoke(cli_env, "sync", "--core", core.url, "--db", str(db), "--token", TOKEN)
    return db


def invoke(env, *args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def as_json(env, *args: str, code: int = 0):
    return json.loads(invoke(env, *args, "--json", code=code).stdout)


def a_borrower(core) -> tuple[str, str, list[str]]:
    """(borrower id, an active loan id, the borrower's phone numbers)."""
    for _, bid, raw in core.store.iter_records("borrower"):
        loans = [json.loads(d) for _, _, d in core.store.iter_records("loan")]
        mine = [ln["id"] for ln in loans if ln["borrower_id"] == bid and ln["status"] == "active"]
        if mine:
            return bid, mine[0], [p["number"] for p in json.loads(raw)["phones"]]
    raise AssertionError("no borrower with an active loan")


def test_an_action_waits_in_the_outbox_until_the_next_sync(core, desk, cli_env):
    bid, _, phones = a_borrower(core)
    db = str(desk)
    action = as_json(cli_env, "act", "note", bid, "客户说明天还款", "--db", db)
    assert action["status"] == "pending" and action["record_id"].startswith("N-")
    listed = as_json(cli_env, "outbox", "--db", db)
    assert listed["counts"] == {"pending": 1, "parked": 0, "confirmed": 0}
    assert [a["key"] for a in listed["actions"]] == [action["key"]]
    assert not any(p in json.dumps(listed) for p in phones)
    summary = as_json(cli_env, "sync", "--core", core.url, "--db", db, "--token", TOKEN)
    assert summary["pushed"]["confirmed"] == 1
    assert core.store.get("interaction", action["record_id"])["notes"] == "客户说明天还款"
    assert as_json(cli_env, "outbox", "--db", db)["actions"][0]["status"] == "confirmed"


def test_push_at_once_for_each_kind(core, desk, cli_env):
    bid, loan, _ = a_borrower(core)
    common = ("--db", str(desk), "--push", "--core", core.url, "--token", TOKEN)
    promise = as_json(cli_env, "act", "promise", loan, "¥1,200.50", "2026-12-03", *common)
    callback = as_json(cli_env, "act", "callback", bid, "2026-11-28T16:30", *common)
    escalation = as_json(cli_env, "act", "escalate", bid, "complaints", "客户投诉催收方式",
                         "--priority", "urgent", *common)  # fmt: skip
    assert {promise["status"], callback["status"], escalation["status"]} == {"confirmed"}
    assert core.store.get("promise", promise["record_id"])["amount"] == 120_050
    assert core.store.get("callback", callback["record_id"])["due_at"] == "2026-11-28T08:30:00Z"
    assert core.store.get("escalation", escalation["record_id"])["priority"] == "urgent"


def test_invalid_input_is_refused_with_a_clear_message_and_nothing_kept(core, desk, cli_env):
    _, loan, _ = a_borrower(core)
    result = invoke(cli_env, "act", "promise", loan, "0", "2026-12-03", "--db", str(desk), code=1)
    assert "amount" in result.stderr and "more than zero" in result.stderr
    result = invoke(cli_env, "act", "escalate", "B000001", "marketing", "x", "--db", str(desk),
                    code=1)  # fmt: skip
    assert "department" in result.stderr
    assert as_json(cli_env, "outbox", "--db", str(desk))["counts"]["pending"] == 0


def test_a_rejected_token_keeps_the_action_pending(core, desk, cli_env):
    bid, _, _ = a_borrower(core)
    result = invoke(cli_env, "act", "note", bid, "令牌错了", "--db", str(desk), "--push", "--core",
                    core.url, "--token", "wrong", code=1)  # fmt: skip
    assert "token rejected" in result.stderr and "wrong" not in result.stderr
    assert as_json(cli_env, "outbox", "--db", str(desk))["counts"]["pending"] == 1
    env = cli_env | {"WORKBENCH_TOKEN": TOKEN}
    assert as_json(env, "sync", "--core", core.url, "--db", str(desk))["pushed"]["confirmed"] == 1


def test_a_refused_action_is_parked_for_a_person(core, desk, cli_env):
    bid, _, _ = a_borrower(core)
    core.store.delete("borrower", bid)  # the core no longer knows the borrower; the cache does
    result = invoke(cli_env, "act", "note", bid, "核心已删除此人", "--db", str(desk), "--push",
                    "--core", core.url, "--token", TOKEN, code=1)  # fmt: skip
    assert "refused" in result.stderr and "unknown borrower" in result.stderr
    listed = as_json(cli_env, "outbox", "--db", str(desk))
    (parked,) = [a for a in listed["actions"] if a["status"] == "parked"]
    assert "unknown borrower" in parked["last_error"]
    invoke(cli_env, "outbox", "discard", parked["key"], "--db", str(desk))
    assert as_json(cli_env, "outbox", "--db", str(desk))["counts"]["parked"] == 0


def as_in_a_terminal() -> None:
    """Ctrl-C reaches the child (a test runner started in the background may ignore SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_follow_runs_until_interrupted_and_stops_cleanly(core, desk, cli_env, stop):
    env = cli_env | {"WORKBENCH_TOKEN": TOKEN}
    args = ["sync", "--follow", "--core", core.url, "--db", str(desk)]
    child = subprocess.Popen(
        [sys.executable, "-m", "workbench", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_in_a_terminal,
    )
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        lines.append(line)
        if "[live]" in line:
            break
    assert any("[live]" in line for line in lines), lines
    child.send_signal(stop)
    _, err = child.communicate(timeout=10)
    assert child.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
