"""``POST /v1/actions``: check the request, then apply it exactly once (``idempotency``).

Order of checks, each with its own answer: the ``Idempotency-Key`` header (400), the body is
JSON of at most 64 KiB (422), the body's ``agent_id`` is the caller's (403), the body is a
well-formed action (422), then the key (422 mismatch, 409 in progress, 200 replay) and the
action against the store (422), and finally 201 with the applied action.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workbench.core import idempotency
from workbench.core.actions import Action, InvalidAction, parse_action
from workbench.core.auth import identity_of
from workbench.core.escalation_actions import SUPERVISOR_ACTIONS
from workbench.core.security_routes import reveal_refusal
from workbench.core.storage import CoreStore
from workbench.domain.models import Role

MAX_BODY = 64 * 1024
PURGE_EVERY_S = 3600.0
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_KEY_RULE = "1 to 255 visible ASCII characters: a new UUID4 per action, the same on its retries"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def actions_endpoint(
    store: CoreStore, now: Callable[[], datetime]
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint function over ``store`` with the core's clock ``now``."""
    purged = [float("-inf")]  # monotonic time of the last purge of old keys

    def reserve(
        key: str, body: object, action: Action
    ) -> tuple[datetime, idempotency.Outcome | str]:
        moment = now()
        if time.monotonic() - purged[0] >= PURGE_EVERY_S:
            purged[0] = time.monotonic()
            idempotency.purge(store, moment)
        digest = idempotency.payload_hash(body)
        return moment, idempotency.reserve(store, key, action.agent_id, digest, moment)

    async def actions(request: Request) -> Response:
        key = request.headers.get("idempotency-key")
        if key is None or not key.strip():
            return _error(
                400, "missing_idempotency_key", f"send an Idempotency-Key header ({_KEY_RULE})"
            )
        if not _KEY.fullmatch(key):
            return _error(400, "bad_idempotency_key", f"the Idempotency-Key must be {_KEY_RULE}")
        raw = await _read_body(request)
        if raw is None:
            return _error(422, "invalid_action", f"the body is larger than {MAX_BODY} bytes")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return _error(422, "invalid_action", f"the body is not valid JSON: {exc}")
        who = identity_of(request.scope)
        claimed = body.get("agent_id") if isinstance(body, dict) else None
        if isinstance(claimed, str) and claimed != who.agent_id:
            return _error(403, "forbidden", f"agent {who.agent_id} cannot act as agent {claimed}")
        if (
            isinstance(body, dict)
            and body.get("type") in SUPERVISOR_ACTIONS
            and who.role != Role.SUPERVISOR.value
        ):
            return _error(
                403,
                "supervisor_only",
                f"只有主管可以处理升级工单 / only a supervisor may update escalations "
                f"(this token's role is {who.role})",
            )
        if isinstance(body, dict) and body.get("type") == "reveal_audit":
            refused = reveal_refusal(who)
            if refused is not None:
                return refused
        try:
            action = parse_action(body)
        except InvalidAction as exc:
            return _error(422, "invalid_action", str(exc))
        # Two trips to the thread pool: other requests run between reserving the key and
        # applying the action, and see it in progress (409) meanwhile.
        moment, reserved = await run_in_threadpool(reserve, key, body, action)
        if isinstance(reserved, idempotency.Outcome):
            outcome = reserved
        else:
            outcome = await run_in_threadpool(
                idempotency.apply, store, key, reserved, action, moment
            )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)

    return actions


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None once it passes ``MAX_BODY`` (not read further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
