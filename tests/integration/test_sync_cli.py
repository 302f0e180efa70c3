"""The headless commands against a real core served by uvicorn on 127.0.0.1, run as a person
would run them: ``python -m workbench …`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.domain.pii import mask_phone
from workbench.store.db import connect
from workbench.store.queries import borrower_view, get_borrower
from workbench.store.search import normalize


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def ok_json(env: dict[str, str], *args: str):
    result = run(env, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def synced(core_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache filled by ``workbench sync --once`` from the served core."""
    db = tmp_path_factory.mktemp("cli") / "desk.db"
    env = dict(os.environ)
    result = run(env, "sync", "--core", core_server, "--db", str(db), "--once", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["applied"] > 0
    return db


def pick_borrower(db: Path):
    """A borrower with a two-character name, a mobile phone and a loan on a plated vehicle."""
    conn = connect(db, readonly=True)
    for (bid,) in conn.execute("SELECT id FROM borrower ORDER BY id"):
        b = get_borrower(conn, bid)
        view = borrower_view(conn, bid, date(2026, 11, 27))
        plated = [lv for lv in view.loans if lv.vehicle and lv.vehicle.plate]
        if len(b.name) == 2 and b.phones and plated:
            return b, plated[0]
    raise AssertionError("the demo portfolio has no such borrower")


def test_cache_stats_equal_the_cores(synced: Path, core_server: str, cli_env):
    core = httpx.get(f"{core_server}/v1/stats").json()
    cache = ok_json(cli_env, "cache", "stats", "--db", str(synced), "--json")
    assert (cache["entities"], cache["cursor"]) == (core["entities"], core["cursor"])


def test_sync_again_applies_nothing(synced: Path, core_server: str, cli_env):
    again = ok_json(cli_env, "sync", "--core", core_server, "--db", str(synced), "--once", "--json")
    assert again["applied"] == 0
    assert again["cursor"] == httpx.get(f"{core_server}/v1/stats").json()["cursor"]


def test_db_and_core_from_the_environment_and_the_main_group(synced, core_server, cli_env):
    env = cli_env | {"WORKBENCH_DB": str(synced), "WORKBENCH_CORE_URL": core_server}
    assert ok_json(env, "sync", "--once", "--json")["applied"] == 0
    stats = ok_json(cli_env, "--db", str(synced), "cache", "stats", "--json")
    assert stats["entities"]["borrower"] == 300


def test_lookup_finds_the_borrower_every_way(synced: Path, cli_env):
    borrower, loan_view = pick_borrower(synced)
    phone = borrower.phones[0].number
    from pypinyin import Style, lazy_pinyin

    initials = "".join(lazy_pinyin(borrower.name, style=Style.FIRST_LETTER))
    queries = {
        phone: "phone",
        phone[-4:]: "phone_last4",
        borrower.name: "name",
        initials: "pinyin",
        loan_view.loan.contract_no: "contract",
        loan_view.vehicle.plate: "plate",
        normalize(loan_view.vehicle.plate).lower(): "plate",
    }
    runner = CliRunner()  # in-process (the same command, without a process start per query)
    for query, how in queries.items():
        args = ["lookup", query, "--db", str(synced), "--json", "--limit", "500"]
        result = runner.invoke(main, args, env=cli_env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        hits = json.loads(result.stdout)
        mine = [h for h in hits if h["borrower_id"] == borrower.id]
        assert mine, f"{query!r} did not find {borrower.id}"
        assert mine[0]["matched_by"] == how, query
        assert phone not in json.dumps(hits)


def test_show_is_the_unified_view_with_personal_numbers_masked(synced: Path, cli_env):
    borrower, _ = pick_borrower(synced)
    view = ok_json(cli_env, "show", borrower.id, "--db", str(synced), "--json")
    assert view["borrower"]["id"] == borrower.id
    assert view["as_of"] == "2026-11-27"  # WORKBENCH_NOW of the test session
    assert view["loans"] and {"dpd", "bucket", "payoff", "next_due"} <= set(view["loans"][0])
    assert len(view["interactions"]["newest"]) <= 20
    text = json.dumps(view, ensure_ascii=False)
    assert borrower.id_no not in text
    for phone in borrower.phones:
        assert phone.number not in text
        assert mask_phone(phone.number) in text
    for lv in view["loans"]:
        assert "****" in lv["loan"]["debit_card"]


def test_human_output_is_masked_too(synced: Path, cli_env):
    borrower, _ = pick_borrower(synced)
    shown = run(cli_env, "show", borrower.id, "--db", str(synced))
    found = run(cli_env, "lookup", borrower.name, "--db", str(synced))
    for result in (shown, found):
        assert result.returncode == 0, result.stderr
        assert borrower.name in result.stdout
        assert borrower.id_no not in result.stdout
        assert borrower.phones[0].number not in result.stdout


def test_unknown_borrower_is_a_clear_error(synced: Path, cli_env):
    result = run(cli_env, "show", "B999999", "--db", str(synced), "--json")
    assert result.returncode == 1
    assert "unknown borrower: B999999" in result.stderr
    assert result.stdout == ""


def test_missing_cache_is_reported_not_created(tmp_path: Path, cli_env):
    missing = tmp_path / "nowhere.db"
    for args in (["lookup", "张伟"], ["show", "B000001"], ["cache", "stats"]):
        result = run(cli_env, *args, "--db", str(missing), "--json")
        assert result.returncode == 1
        assert "no cache at" in result.stderr
        assert "Traceback" not in result.stderr
    assert not missing.exists()


def test_core_down_is_a_clear_error(tmp_path: Path, cli_env):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = tmp_path / "c.db"
    result = run(cli_env, "sync", "--core", f"http://127.0.0.1:{port}", "--db", str(db), "--once")
    assert result.returncode == 1
    assert "cannot reach the core" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_core_configured_is_a_usage_error(tmp_path: Path, cli_env):
    result = run(cli_env, "sync", "--db", str(tmp_path / "c.db"), "--once")
    assert result.returncode == 2
    assert "WORKBENCH_CORE_URL" in result.stderr
