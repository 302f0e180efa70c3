"""``show --reveal --reason`` and ``audit reveals`` headless: the role from the core (token) or
WORKBENCH_ROLE (demo), agents refused, every reveal audited through the outbox and once at the
core, and only auditors list reveals."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.core.auth import load_tokens
from workbench.store.db import connect
from workbench.store.queries import get_borrower
from workbench.store.reveal_log import local_reveals
from workbench.sync.pull import pull_from

BORROWER = "B000001"
TOKENS = {
    "agent": ("tok-A001-" + "a" * 24, "A001"),
    "supervisor": ("tok-A018-" + "s" * 24, "A018"),
    "auditor": ("tok-AU01-" + "u" * 24, "AU01"),
}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def cache(demo_cache, tmp_path):
    copy = tmp_path / "cache.db"
    shutil.copy(demo_cache, copy)
    return copy


def test_an_agent_is_refused_and_nothing_is_revealed_or_recorded(cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ROLE", "agent")
    borrower = get_borrower(connect(cache), BORROWER)
    result = run("show", BORROWER, "--db", str(cache), "--reveal", "--reason", "核实")
    assert result.exit_code == 1
    assert "may not reveal" in result.output
    assert borrower.id_no not in result.output
    assert local_reveals(connect(cache)) == []


def test_a_supervisor_reveals_with_a_reason_and_it_is_recorded(cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ROLE", "supervisor")
    borrower = get_borrower(connect(cache), BORROWER)
    missing = run("show", BORROWER, "--db", str(cache), "--reveal")
    assert missing.exit_code == 1 and "needs --reason" in missing.output
    shown = run("show", BORROWER, "--db", str(cache), "--json", "--reveal", "--reason", "投诉核实")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["borrower"]["id_no"] == borrower.id_no and data["revealed"] is True
    assert [p["number"] for p in data["borrower"]["phones"]] == [p.number for p in borrower.phones]
    record = local_reveals(connect(cache))
    fields = sorted(r["field"] for r in record)
    assert fields == sorted(["id_no", "phone"] + ["debit_card"] * len(data["loans"]))
    assert {(r["agent_id"], r["reason"], r["status"]) for r in record} == {
        ("A001", "投诉核实", "pending")
    }
    text = run("show", BORROWER, "--db", str(cache), "--reveal", "--reason", "再次核实")
    assert borrower.id_no in text.output and "卡号 card" in text.output
    masked = run("show", BORROWER, "--db", str(cache))
    assert borrower.id_no not in masked.output  # without --reveal, masked as always
    refused = run("audit", "reveals", "--db", str(cache))
    assert refused.exit_code == 1 and "only an auditor" in refused.output
    monkeypatch.setenv("WORKBENCH_ROLE", "auditor")
    listed = run("audit", "reveals", "--db", str(cache), "--json")
    assert len(json.loads(listed.output)) == 2 * len(record)


@pytest.fixture
def token_core(own_core, tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(
        "".join(
            f'["{token}"]\nagent_id = "{agent}"\nrole = "{role}"\n\n'
            for role, (token, agent) in TOKENS.items()
        ),
        encoding="utf-8",
    )
    core = own_core(borrowers=5, seed=3, tokens=load_tokens(path))
    cache = tmp_path / "core-cache.db"
    asyncio.run(pull_from(cache, core.url, token=TOKENS["agent"][0]))
    return core, cache


def audits(core) -> list[tuple]:
    with core.app.state.store.read() as conn:
        return conn.execute("SELECT agent_id, field FROM audits").fetchall()


def test_against_a_core_the_token_decides_and_the_core_audits_once(token_core, monkeypatch):
    core, cache = token_core
    monkeypatch.setenv("WORKBENCH_ROLE", "auditor")  # ignored: the core says who the token is
    base = ["--core", core.url, "show", BORROWER, "--db", str(cache), "--reveal"]
    monkeypatch.setenv("WORKBENCH_TOKEN", TOKENS["agent"][0])
    refused = run(*base, "--reason", "想看看")
    assert refused.exit_code == 1 and "role agent may not reveal" in refused.output
    assert audits(core) == []

    monkeypatch.setenv("WORKBENCH_TOKEN", TOKENS["supervisor"][0])
    shown = run(*base, "--reason", "客户投诉", "--json")
    assert shown.exit_code == 0, shown.output
    loans = len(json.loads(shown.output)["loans"])
    assert sorted(audits(core)) == sorted(
        [("A018", "id_no"), ("A018", "phone")] + [("A018", "debit_card")] * loans
    )
    assert {r["status"] for r in local_reveals(connect(cache))} == {"confirmed"}
    run("--core", core.url, "sync", "--db", str(cache))  # a later sync sends nothing again
    assert len(audits(core)) == 2 + loans

    listing = ["--core", core.url, "audit", "reveals", "--json"]
    assert run(*listing).exit_code == 1  # the supervisor may not list
    monkeypatch.setenv("WORKBENCH_TOKEN", TOKENS["auditor"][0])
    listed = json.loads(run(*listing).output)
    assert len(listed) == 2 + loans and {r["agent_id"] for r in listed} == {"A018"}
    assert TOKENS["auditor"][0] not in run(*listing).output
