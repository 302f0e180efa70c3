"""``kill -9`` at random moments: ``workbench sync`` (pull and push) and ``workbench act --push``
run as subprocesses against the real core and are killed mid-flight, again and again.

After every kill the cache sits exactly at a page boundary (its records are the core's feed up to
its cursor); after a final clean run the cache equals the core and every action the agent took
reached the core exactly once — none lost, none doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from workbench.store import actions, outbox
from workbench.store.apply import get_cursor
from workbench.store.db import connect
from workbench.store.keys import rebuild_search_keys

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
SEED = int(os.environ.get("CRASH_SEED", "20261127"))
PULL_KILLS = 7
PUSH_KILLS = 8


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after(process: subprocess.Popen, seconds: float) -> int | None:
    """SIGKILL the process after ``seconds`` unless it ended; its exit code if it ended."""
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


def cursor_of(db) -> str | None:
    if not db.exists():
        return None
    try:
        conn = connect(db, readonly=True)
    except Exception:  # the file may be a second old and not yet a cache
        return None
    try:
        return get_cursor(conn)
    finally:
        conn.close()


def kill_mid_sync(process: subprocess.Popen, db, rng: random.Random) -> int | None:
    """SIGKILL a sync once it has stored a new page, a random moment later.

    Waiting for progress rather than a fixed time keeps the kills inside the sync however long
    the interpreter takes to start on a loaded machine.
    """
    before = cursor_of(db)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        if cursor_of(db) != before:
            break
        time.sleep(0.01)
    return kill_after(process, rng.uniform(0.0, 0.25))


def feed_prefix(store, cursor: str | None) -> dict[tuple[str, str], dict]:
    """The core's live records with seq ≤ cursor (what a cache at that cursor must hold)."""
    if cursor is None:
        return {}
    rows, _, _ = store.changes_raw(0, 10**9)
    return {
        (entity, rid): json.loads(data)
        for seq, entity, rid, deleted, data in rows
        if seq <= int(cursor) and not deleted
    }


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_doubles_nothing(
    own_core, cli_env, tmp_path, read_cache, replica_check
):
    rng = random.Random(SEED)
    core = own_core(borrowers=300, seed=6)
    db = tmp_path / "desk.db"
    sync = ("sync", "--core", core.url, "--db", str(db), "--once", "--page-size", "100")
    started = time.monotonic()

    # 1. The first sync, killed again and again: always at a page boundary, then resumed.
    mid_sync = 0
    for _ in range(PULL_KILLS):
        kill_mid_sync(start(cli_env, *sync), db, rng)
        if db.exists():
            conn = connect(db)
            cursor = get_cursor(conn)
            conn.close()
            assert read_cache(db) == feed_prefix(core.store, cursor), f"cursor {cursor}"
            mid_sync += cursor is not None and int(cursor) < core.store.head()
    assert mid_sync >= 2  # the kills did land in the middle of the first sync
    assert start(cli_env, *sync).wait(timeout=60) == 0

    # 2. Actions written in the cache, pushed by syncs and by `act --push`, all killed at random.
    conn = connect(db)
    borrowers = [row[0] for row in conn.execute("SELECT id FROM borrower LIMIT 12")]
    taken = [
        actions.add_note(conn, bid, f"离线备注 {n}", agent_id="A001", now=NOW).key
        for n, bid in enumerate(borrowers * 3)
    ]
    conn.close()
    finished_acts: list[str] = []
    for n in range(PUSH_KILLS):
        if n % 2:
            text = f"命令行备注 {n}"
            act = ("act", "note", rng.choice(borrowers), text, "--db", str(db), "--push",
                   "--core", core.url)  # fmt: skip
            if kill_after(start(cli_env, *act), rng.uniform(0.2, 0.7)) == 0:
                finished_acts.append(text)
        else:
            kill_after(start(cli_env, *sync), rng.uniform(0.3, 0.9))

    # 3. A clean run (twice at most: a key the core was still applying answers 409 once).
    for _ in range(2):
        assert start(cli_env, *sync).wait(timeout=60) == 0
        conn = connect(db)
        if outbox.counts(conn).pending == 0:
            break
        conn.close()
        time.sleep(0.5)
    counts = outbox.counts(conn)
    texts = {note_text(conn, e.key) for e in outbox.entries(conn, recent_confirmed=10**6)}
    keys = {e.key for e in outbox.entries(conn, recent_confirmed=10**6)}
    conn.close()
    assert (counts.pending, counts.parked) == (0, 0)
    assert set(taken) <= keys  # nothing written before the kills was lost
    assert set(finished_acts) <= texts  # every act that said "recorded" is there
    stats = core.store.stats()
    assert stats["actions"]["applied"] == counts.confirmed  # exactly once each
    assert replica_check(core.url, db) == []
    conn = connect(db)  # search keys built by the killed first sync = keys derived afresh
    kept = conn.execute("SELECT * FROM search_key ORDER BY 1, 2, 3").fetchall()
    rebuild_search_keys(conn)
    assert kept == conn.execute("SELECT * FROM search_key ORDER BY 1, 2, 3").fetchall()
    conn.close()
    assert time.monotonic() - started < 90


def note_text(conn, key: str) -> str:
    return json.loads(outbox.body_of(conn, key))["payload"]["text"]
