"""Picture of the callback worklist: a capped broken-promise callback blocked (rule and until),
overdue rows, a row another agent holds (greyed), and the rest allowed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from call_pilot import TelephonySync, iso
from desk_pilot import NOW, SIZE, wait_for
from test_worklist import block_first, worklist

from workbench.store.apply import put_records
from workbench.store.db import connect, write_transaction
from workbench.ui.screens.worklist import WorklistScreen


def hold(path, callback_id: str, agent: str) -> None:
    """``agent`` claims the callback (as the feed brings a claim)."""
    row = next(r for r in worklist(path) if r.id == callback_id)
    data = asdict(row.callback) | {
        "status": "claimed",
        "claimed_by": agent,
        "claim_expires_at": iso(NOW + timedelta(minutes=15)),
    }
    conn = connect(path)
    try:
        with write_transaction(conn):
            put_records(conn, "callback", {callback_id: data})
    finally:
        conn.close()


def test_the_callback_worklist(snap_compare, make_app, desk_cache):
    block_first(desk_cache)
    hold(desk_cache, worklist(desk_cache)[1].id, "A002")
    app = make_app(desk_cache)
    app.sync = TelephonySync()

    async def open_list(pilot) -> None:
        await wait_for(pilot, lambda: app.sync_status is not None, what="the first status poll")
        await pilot.press("f11")
        await wait_for(pilot, lambda: isinstance(app.screen, WorklistScreen) and app.screen.loaded)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_list)
