"""The call centre's endpoints and the task that runs the simulated ACD (``workbench.core.acd``).

- ``GET /v1/events/poll?after=ID&wait=S`` → ``{"events": [{"id", "event", "data"}], "last_id"}``
  (the events of ``/v1/events`` for clients that cannot stream; waits up to S ≤ 25 s)
- ``GET /v1/agents/me`` → ``{"agent": AgentStatus, "calls": [CallInfo, ...]}``
- ``POST /v1/agents/me/state`` ``{"state": "available" | "break" | "offline"}`` → AgentStatus
  (409 ``acw_disposition_required`` while the call in after-call work has no disposition)
- ``POST /v1/calls/{call_id}/answer|hold|resume|end|reject`` → CallInfo
  (404 ``unknown_call``, 403 ``not_your_call``, 409 ``wrong_state``)

The ACD is built on first use (it reads the queues, the agents and every borrower's phones from
the store, in a worker thread) and ticked by a task on the serving loop every ``tick_s``: from the
app's lifespan when ``call_rate > 0``, else from the first call request (an in-process transport
runs no lifespan). The same task keeps the phone index current from the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core.acd import Acd
from workbench.core.acd_model import AcdConfig, CallError
from workbench.core.acd_phones import PhoneIndex
from workbench.core.auth import identity_of
from workbench.core.callback_book import CallbackConfig
from workbench.core.callback_desk import CallbackDesk
from workbench.core.callback_routes import callback_routes
from workbench.core.events import EventHub
from workbench.core.storage import CoreStore
from workbench.core.ticking import Ticking
from workbench.domain.calls import CALL_VERBS, agent_to_json, call_to_json

MAX_WAIT_S = 25.0
log = logging.getLogger(__name__)
INDEX_EVERY_S = 1.0
Clock = Callable[[], datetime]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def disposed(store: CoreStore, call_id: str) -> bool:
    """Whether a disposition action named ``call_id`` (``call_dispositions``)."""
    with store.read() as conn:
        row = conn.execute("SELECT 1 FROM call_dispositions WHERE call_id = ?", (call_id,))
        return row.fetchone() is not None


class CallCenter(Ticking):
    """The ACD of one app, its tick task and its endpoints."""

    TASK_NAME = "acd"

    def __init__(
        self,
        store: CoreStore,
        hub: EventHub,
        config: AcdConfig | None = None,
        *,
        clock: Clock | None = None,
        callbacks: CallbackConfig | None = None,
    ) -> None:
        self.store = store
        self.hub = hub
        self.config = config or AcdConfig()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.callbacks = CallbackDesk(store, callbacks, hub.publish)
        self.acd: Acd | None = None
        self._build_lock = threading.Lock()
        self._init_ticking()

    # -- the ACD and its task -------------------------------------------------------------------

    def build(self) -> Acd:
        """The ACD over the store's queues, agents and phones (built once; blocking)."""
        with self._build_lock:
            if self.acd is None:
                queues = {
                    q["id"]: bool(q.get("disposition_required", True)) for q in self._all("queue")
                }
                self.acd = Acd(
                    self.config,
                    queues=queues,
                    agents=self._all("agent"),
                    start=self.clock(),
                    phones=PhoneIndex.from_store(self.store),
                    publish=self.hub.publish,
                )
            return self.acd

    def _all(self, entity: str) -> list[dict[str, Any]]:
        return [orjson.loads(data) for _, _, data in self.store.iter_records(entity)]

    async def ready(self) -> Acd:
        """The ACD, built if needed, with its tick task running on this loop."""
        acd = self.acd or await run_in_threadpool(self.build)
        self.start_task()
        return acd

    async def _tick(self) -> None:
        acd = self.acd or await self._in_thread(self.build)
        indexed = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                acd.advance(self.clock())
            except Exception:  # a fault in one step must not stop the call centre for good
                log.exception("the simulated ACD failed to advance")
            try:  # abandoned known calls become callbacks here, within a tick
                if acd.abandoned_known or acd.outbound_done:
                    await self._in_thread(self.callbacks.take_abandoned, acd)
                await self._in_thread(self.callbacks.sweep, self.clock())
            except Exception:
                log.exception("the callback desk failed a round")
            if loop.time() - indexed >= INDEX_EVERY_S:
                indexed = loop.time()
                with contextlib.suppress(Exception):  # a busy store: the next round retries
                    if await self._in_thread(acd.phones.catch_up, self.store):
                        acd.refresh_numbers()
            await asyncio.sleep(self.config.tick_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the app's lifespan: the ACD runs while the app does when ``call_rate > 0``."""
        if self.config.call_rate > 0:
            await self.ready()
        try:
            yield
        finally:
            await self.stop()

    # -- endpoints --------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        """The call centre's routes, to mount in the app."""
        return [
            Route("/v1/events/poll", self.poll, methods=["GET"]),
            Route("/v1/agents/me", self.me, methods=["GET"]),
            Route("/v1/agents/me/state", self.state, methods=["POST"]),
            Route("/v1/calls/{call_id}/{verb}", self.call, methods=["POST"]),
            *callback_routes(self),
        ]

    async def poll(self, request: Request) -> Response:
        """``GET /v1/events/poll``: the events after ``after``, waiting up to ``wait`` s."""
        params = request.query_params
        after = params.get("after") or None
        wait = params.get("wait") or "0"
        if after is not None and not (after.isascii() and after.isdigit() and len(after) <= 18):
            return _error(400, "bad_after", f"after must be an event id, got {after!r}")
        try:
            seconds = min(max(float(wait), 0.0), MAX_WAIT_S)
        except ValueError:
            return _error(400, "bad_wait", f"wait must be seconds (0 to 25), got {wait!r}")
        if self.config.call_rate > 0 or self.acd is not None:
            await self.ready()
        events, last = await self.hub.poll(int(after) if after else None, seconds)
        body = [{"id": str(e.id), "event": e.type, "data": e.data} for e in events]
        return JSONResponse({"events": body, "last_id": str(last)})

    async def me(self, request: Request) -> Response:
        """``GET /v1/agents/me``: the caller's agent state and its open calls."""
        acd = await self.ready()
        try:
            agent, calls = acd.status(identity_of(request.scope).agent_id, self.clock())
        except CallError as exc:
            return _error(exc.status, exc.code, exc.message)
        return JSONResponse(
            {"agent": agent_to_json(agent), "calls": [call_to_json(c) for c in calls]}
        )

    async def state(self, request: Request) -> Response:
        """``POST /v1/agents/me/state``: switch the caller's agent state."""
        acd = await self.ready()
        body = await _json_body(request)
        target = body.get("state") if isinstance(body, dict) else None
        if not isinstance(target, str):
            return _error(422, "invalid_state", 'send {"state": "available" | "break" | "offline"}')
        agent_id = identity_of(request.scope).agent_id
        try:
            owed = acd.acw_pending(agent_id)
            done = owed is None or await run_in_threadpool(disposed, self.store, owed)
            status = acd.set_state(agent_id, target, self.clock(), acw_done=done)
        except CallError as exc:
            return _error(exc.status, exc.code, exc.message)
        return JSONResponse(agent_to_json(status))

    async def call(self, request: Request) -> Response:
        """``POST /v1/calls/{call_id}/{verb}``: answer, hold, resume, end or reject a call."""
        verb = request.path_params["verb"]
        if verb not in CALL_VERBS:
            return _error(404, "not_found", f"no such endpoint: {request.url.path}")
        acd = await self.ready()
        agent_id = identity_of(request.scope).agent_id
        try:
            info = acd.command(agent_id, request.path_params["call_id"], verb, self.clock())
        except CallError as exc:
            return _error(exc.status, exc.code, exc.message)
        return JSONResponse(call_to_json(info))


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
