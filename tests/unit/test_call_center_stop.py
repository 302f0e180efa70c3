"""Stopping the call centre waits for the tick's work in worker threads (the store closes next)."""

from __future__ import annotations

import asyncio
import threading
from datetime import date

import pytest

from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.callback_book import CallbackConfig
from workbench.core.portfolio import open_portfolio


@pytest.mark.parametrize("how", ["calls.stop", "app.shutdown"])
def test_stop_waits_for_store_work_in_a_thread(tmp_path, how) -> None:
    store = open_portfolio(tmp_path / "core.db", 10, 3, date(2026, 11, 27))
    config = AcdConfig(colleagues=0, humans=("A001",), tick_s=0.01)
    sweeps = CallbackConfig(sweep_every_s=0)  # every tick writes to the store in a thread
    app = build_app(store, acd=config, callbacks=sweeps)
    calls = app.state.calls
    holding, release = threading.Event(), threading.Event()

    def hold_the_store() -> None:  # a long write: the tick's next store work waits behind it
        with store.write():
            holding.set()
            release.wait(10)

    async def scenario() -> None:
        await calls.ready()
        await asyncio.sleep(0.1)  # the tick runs its rounds
        holder = threading.Thread(target=hold_the_store)
        holder.start()
        assert holding.wait(5)
        await asyncio.sleep(0.2)  # the tick is now inside a worker thread, waiting for the store
        # app.state.shutdown (the lifespan's exit, and how in-process apps end) also closes
        # the store: closing it under the tick's running query crashed the process.
        stop = calls.stop if how == "calls.stop" else app.state.shutdown
        stopping = asyncio.ensure_future(stop())
        await asyncio.sleep(0.3)
        assert not stopping.done(), "stop() returned while a tick thread still used the store"
        release.set()
        await asyncio.wait_for(stopping, 5)
        holder.join(5)
        store.close()  # what the app's shutdown does next: no thread of the tick is left in it

    asyncio.run(scenario())
