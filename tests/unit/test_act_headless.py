"""The headless twin of the desk's actions: ``act call --dry-run`` (the contact gate),
``act disposition``, ``act message``, ``act link`` and ``act payoff``, on a real cache file,
with the clock fixed by ``WORKBENCH_NOW`` and the limits from ``config.toml``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.domain.compliance import ContactPolicy, policy_from_settings
from workbench.store import queries, schema
from workbench.store.apply import put_records
from workbench.store.codec import codec_of
from workbench.store.db import connect, write_transaction


@pytest.fixture
def cache(demo_cache: Path, tmp_path: Path) -> Path:
    """A private copy of the demo cache (the shared one is read-only)."""
    conn = connect(demo_cache)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    path = tmp_path / "cache.db"
    shutil.copy(demo_cache, path)
    return path


def borrowers(path: Path):
    conn = connect(path)
    try:
        rows = conn.execute(f"SELECT {schema.row_columns('borrower')} FROM borrower ORDER BY id")
        codec = codec_of(conn)
        return [
            queries.records.to_model("borrower", codec.unpack(conn, "borrower", r)) for r in rows
        ]
    finally:
        conn.close()


def plain_shanghai(path: Path):
    """A borrower with no flags, in Beijing time, whose first phone is their own and callable."""
    for b in borrowers(path):
        first = b.phones[0] if b.phones else None
        if (
            not b.flags
            and b.tz == "Asia/Shanghai"
            and first is not None
            and first.kind == "mobile"
            and first.consent
            and not first.do_not_call
        ):
            return b
    pytest.skip("no plain borrower in the demo cache")


def run(*args: str, now: str | None = None, code: int = 0, home: Path | None = None):
    env = {"WORKBENCH_NOW": now} if now else {}
    if home is not None:
        env["WORKBENCH_HOME"] = str(home)
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def gate(path: Path, bid: str, *extra: str, now: str | None = None, code: int = 0, home=None):
    out = run(
        "act",
        "call",
        bid,
        "--dry-run",
        "--json",
        "--db",
        str(path),
        *extra,
        now=now,
        code=code,
        home=home,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        ("2026-11-27T21:59:00+08:00", True),
        ("2026-11-27T22:00:00+08:00", False),
        ("2026-11-28T07:59:00+08:00", False),
        ("2026-11-28T08:00:00+08:00", True),
    ],
)
def test_the_contact_window_in_the_borrowers_time(cache: Path, now: str, allowed: bool) -> None:
    b = plain_shanghai(cache)
    answer = gate(cache, b.id, now=now, code=0 if allowed else 3)
    assert answer["allowed"] is allowed
    assert b.phones[0].number not in json.dumps(answer)  # masked
    if not allowed:
        assert answer["rule"] == "contact_window"
        assert answer["allowed_from"].startswith("2026-11-28T08:00:00")


def test_the_fourth_connected_collection_call_of_the_day_is_blocked(cache: Path) -> None:
    b = plain_shanghai(cache)
    for minute in ("09:00", "09:10", "09:20"):
        run(
            "act",
            "disposition",
            b.id,
            "promised",
            "--channel",
            "call_out",
            "--duration",
            "60",
            "--db",
            str(cache),
            now=f"2026-11-27T{minute}:00+08:00",
        )
    answer = gate(cache, b.id, now="2026-11-27T10:00:00+08:00", code=3)
    assert answer["rule"] == "daily_connected_cap"
    assert answer["allowed_from"].startswith("2026-11-28T08:00:00")
    service = gate(cache, b.id, "--purpose", "service", now="2026-11-27T10:00:00+08:00")
    assert service["allowed"] is True  # the cap counts collection calls only


def test_a_do_not_call_number_is_blocked_and_named(cache: Path) -> None:
    b = plain_shanghai(cache)
    conn = connect(cache)
    try:
        row = conn.execute(
            f"SELECT {schema.row_columns('borrower')} FROM borrower WHERE id = ?", (b.id,)
        ).fetchone()
        data = codec_of(conn).unpack(conn, "borrower", row)
        data["phones"][0]["do_not_call"] = True
        with write_transaction(conn):
            put_records(conn, "borrower", {b.id: data})
    finally:
        conn.close()
    answer = gate(cache, b.id, "--number", b.phones[0].number, code=3)
    assert answer["rule"] == "do_not_call"
    assert answer["allowed_from"] is None
    refused = run(
        "act",
        "message",
        b.id,
        "reminder",
        "您好",
        "--to",
        b.phones[0].number,
        "--db",
        str(cache),
        code=1,
    )
    assert "do_not_call" in refused.stderr


def test_limits_come_from_the_config_file(cache: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        '[contact]\nwindow_end = "21:00"\n', encoding="utf-8"
    )
    b = plain_shanghai(cache)
    answer = gate(cache, b.id, now="2026-11-27T21:30:00+08:00", code=3, home=home)
    assert answer["rule"] == "contact_window"
    assert answer["params"]["end"] == "21:00"
    assert gate(cache, b.id, now="2026-11-27T20:59:00+08:00", home=home)["allowed"] is True


def test_policy_settings_are_checked() -> None:
    policy, problems = policy_from_settings(
        {
            "window_start": "09:00",
            "max_unanswered_attempts_per_day": 4,
            "window_end": "25:00",
            "max_connected_collection_calls_per_day": "three",
            "colour": "red",
        }
    )
    assert policy.window_start.hour == 9 and policy.max_unanswered_attempts_per_day == 4
    assert policy.window_end == ContactPolicy().window_end
    assert policy.max_connected_collection_calls_per_day == 3
    assert len(problems) == 3
    backwards, problems = policy_from_settings({"window_start": "23:00", "window_end": "08:00"})
    assert backwards == ContactPolicy() and problems


def test_disposition_message_and_link_are_pending_at_once(cache: Path) -> None:
    b = plain_shanghai(cache)
    out = run("act", "disposition", b.id, "info_given", "--json", "--db", str(cache))
    assert json.loads(out.stdout)["status"] == "pending"
    out = run(
        "act",
        "message",
        b.id,
        "reminder",
        "尊敬的客户，您的本期还款日将至。",
        "--json",
        "--db",
        str(cache),
    )
    assert json.loads(out.stdout)["status"] == "pending"
    out = run("act", "link", b.id, "13900001111", "--json", "--db", str(cache))
    assert json.loads(out.stdout)["status"] == "pending"
    bad = run("act", "link", b.id, "12ab", "--db", str(cache), code=1)
    assert "number" in bad.stderr
    listed = json.loads(run("outbox", "--json", "--db", str(cache)).stdout)
    assert "13900001111" not in json.dumps(listed)


def test_payoff_quote_adds_up_and_refuses_the_past(cache: Path) -> None:
    conn = connect(cache)
    try:
        loan_id = conn.execute("SELECT id FROM loan ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    quote = json.loads(run("act", "payoff", loan_id, "--json", "--db", str(cache)).stdout)
    parts = ("outstanding_principal", "overdue_interest", "accrued_interest", "late_fees")
    assert quote["total"] == sum(quote[p] for p in parts)
    later = json.loads(
        run("act", "payoff", loan_id, "--as-of", "2026-12-20", "--json", "--db", str(cache)).stdout
    )
    assert later["as_of"] == "2026-12-20"
    run("act", "payoff", loan_id, "--as-of", "2026-01-01", "--db", str(cache), code=2)
    run("act", "payoff", "NO-SUCH", "--db", str(cache), code=1)
