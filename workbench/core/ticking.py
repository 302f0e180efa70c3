"""A service's tick task on the running loop, and the worker-thread jobs it must outlive.

The call centre (``call_routes.CallCenter``) and the wallboard (``wallboard_routes``) each run a
loop of rounds whose store work goes to worker threads. ``stop()`` cancels the loop and waits
for those threads, so once it returns no thread of the service touches the store and the app
may close it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool


class Ticking:
    """Mixin: ``start_task`` runs ``self._tick()`` once per event loop; ``_in_thread`` runs
    blocking work whose thread ``stop()`` waits for. Call ``_init_ticking`` in ``__init__``."""

    TASK_NAME = "tick"

    def _init_ticking(self) -> None:
        self._task: asyncio.Task | None = None
        self._jobs: set[asyncio.Future[Any]] = set()

    async def _tick(self) -> None:
        raise NotImplementedError

    def start_task(self) -> None:
        """Start ticking on the running loop (once; again on another loop)."""
        task, loop = self._task, asyncio.get_running_loop()
        if task is None or task.done() or task.get_loop() is not loop:
            self._task = loop.create_task(self._tick(), name=self.TASK_NAME)

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker thread; cancelling the caller never abandons the thread.

        The job is shielded and kept in ``_jobs`` until it ends, so ``stop()`` can wait for it.
        """
        job = asyncio.ensure_future(run_in_threadpool(fn, *args))
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        return await asyncio.shield(job)

    async def stop(self) -> None:
        """Stop ticking, and wait for the tick's work in worker threads to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await task
        while self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)
