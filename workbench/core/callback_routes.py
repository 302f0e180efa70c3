"""The callback endpoints (mounted with the call centre's, ``call_routes.CallCenter.routes``).

- ``POST /v1/callbacks/{id}/claim`` → the Callback record (``status`` claimed, ``claimed_by``
  the caller, ``claim_expires_at``); 409 ``claimed`` when another agent holds a live claim,
  409 ``closed`` when done/cancelled, 404 ``unknown_callback``. Claiming again renews.
- ``POST /v1/callbacks/next/claim`` → ``{"callback": record, "skipped": [{"callback_id",
  "rule", "until"}]}``: the first open callback of the caller's queues (priority, then due)
  that the contact gate allows now; 404 ``none_due`` (with ``skipped``) when there is none.
- ``POST /v1/callbacks/{id}/release`` → the record, open again (only its claimant).
- ``POST /v1/callbacks/{id}/dial`` → the outbound CallInfo (``direction`` "out", ringing);
  409 ``not_claimed`` without the caller's live claim, 409 ``busy`` unless the agent is
  available with no call, 409 ``<rule id>`` when the contact gate blocks (``until``: UTC time
  it lifts, or null).
- ``GET /v1/callbacks/figures`` → callback coverage, open, overdue, median abandonment to
  first attempt, per queue and overall (``domain.callback_figures``).

Every success is also published on the event stream (``callback.claimed`` /
``callback.released`` with the record; the dial's ``call.offered``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core.auth import identity_of
from workbench.core.callback_book import CallbackRefused
from workbench.core.callback_stats import core_figures
from workbench.domain.calls import call_to_json

if TYPE_CHECKING:
    from workbench.core.call_routes import CallCenter

VERBS = ("claim", "release", "dial")


def _refused(exc: CallbackRefused) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if hasattr(exc, "until"):
        body["until"] = exc.until
    return JSONResponse(body, status_code=exc.status)


def callback_routes(center: CallCenter) -> list[Route]:
    """The routes over one call centre (its ACD, its callback desk, its clock)."""

    async def claim_next(request: Request) -> Response:
        acd = await center.ready()
        agent_id = identity_of(request.scope).agent_id
        slot = acd.agents.get(agent_id)
        queues = slot.queues if slot is not None else None
        record, skipped = await run_in_threadpool(
            center.callbacks.claim_next, agent_id, queues, center.clock()
        )
        passed = [{"callback_id": s.callback_id, "rule": s.rule, "until": s.until} for s in skipped]
        if record is None:
            body = {
                "error": "none_due",
                "message": "没有可处理的回呼 / no callback can be worked now",
                "skipped": passed,
            }
            return JSONResponse(body, status_code=404)
        return JSONResponse({"callback": record, "skipped": passed})

    async def act(request: Request) -> Response:
        verb = request.path_params["verb"]
        callback_id = request.path_params["callback_id"]
        if verb not in VERBS:
            return JSONResponse(
                {"error": "not_found", "message": f"no such endpoint: {request.url.path}"},
                status_code=404,
            )
        acd = await center.ready()
        agent_id = identity_of(request.scope).agent_id
        desk = center.callbacks
        try:
            if verb == "dial":
                info = await run_in_threadpool(
                    desk.dial, acd, agent_id, callback_id, center.clock()
                )
                return JSONResponse(call_to_json(info))
            method = desk.claim if verb == "claim" else desk.release
            record = await run_in_threadpool(method, agent_id, callback_id, center.clock())
        except CallbackRefused as exc:
            return _refused(exc)
        return JSONResponse(record)

    async def figures(request: Request) -> Response:
        acd = await center.ready()
        body = await run_in_threadpool(core_figures, center.store, acd, center.clock())
        return JSONResponse(body)

    return [
        Route("/v1/callbacks/figures", figures, methods=["GET"]),
        Route("/v1/callbacks/next/claim", claim_next, methods=["POST"]),
        Route("/v1/callbacks/{callback_id}/{verb}", act, methods=["POST"]),
    ]
