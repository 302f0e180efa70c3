"""Who the caller is, and the auditor's list of PII reveals.

- ``GET /v1/me`` → ``{"agent_id", "role", "may_reveal"}``: the identity the core gave the
  caller's token (the desk shows it and lets the role decide what it offers; the core decides
  again on every request).
- ``GET /v1/audit/reveals?limit=N&agent_id=A&borrower_id=B`` (role ``auditor`` only; any other
  role gets 403 ``auditor_only``) → ``{"reveals": [...], "count"}``, newest first, from the
  core-only ``audits`` table (never in the agent feed).

The rule for reveals themselves (``reveal_refusal``) is applied by ``POST /v1/actions``: an
agent token's ``reveal_audit`` is refused with 403 ``reveal_not_allowed``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core.auth import Identity, identity_of
from workbench.core.storage import CoreStore
from workbench.domain.models import Role

REVEAL_ROLES = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value})
DEFAULT_LIMIT = 200
MAX_LIMIT = 5000
_COLUMNS = ("id", "agent_id", "borrower_id", "field", "target_id", "reason", "created_at")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def reveal_refusal(who: Identity) -> JSONResponse | None:
    """The 403 answer for a reveal by a role that may not reveal, else None."""
    if who.role in REVEAL_ROLES:
        return None
    return _error(
        403,
        "reveal_not_allowed",
        f"坐席角色不能查看完整证件号、电话或卡号 / role {who.role} may not reveal full ID, "
        "phone or card numbers (supervisors and auditors may, with a reason)",
    )


def list_reveals(
    store: CoreStore,
    *,
    limit: int = DEFAULT_LIMIT,
    agent_id: str | None = None,
    borrower_id: str | None = None,
) -> list[dict[str, Any]]:
    """The core's reveal audit records, newest first (``recorded_at`` is when it arrived)."""
    where, args = [], []
    for column, value in (("agent_id", agent_id), ("borrower_id", borrower_id)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    sql = f"SELECT {', '.join(_COLUMNS)}, recorded_at FROM audits"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY recorded_at DESC, id DESC LIMIT ?"
    with store.read() as conn:
        rows = conn.execute(sql, (*args, limit)).fetchall()
    return [dict(zip((*_COLUMNS, "recorded_at"), row, strict=True)) for row in rows]


def security_routes(store: CoreStore) -> list[Route]:
    """``/v1/me`` and ``/v1/audit/reveals`` over ``store``."""

    async def me(request: Request) -> Response:
        who = identity_of(request.scope)
        return JSONResponse(
            {"agent_id": who.agent_id, "role": who.role, "may_reveal": who.role in REVEAL_ROLES}
        )

    async def reveals(request: Request) -> Response:
        who = identity_of(request.scope)
        if who.role != Role.AUDITOR.value:
            return _error(
                403,
                "auditor_only",
                f"查看明文审计记录仅限审计角色 / only an auditor may list reveals "
                f"(this token's role is {who.role})",
            )
        raw = request.query_params.get("limit") or str(DEFAULT_LIMIT)
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            return _error(400, "bad_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
        found = await run_in_threadpool(
            list_reveals,
            store,
            limit=min(int(raw), MAX_LIMIT),
            agent_id=request.query_params.get("agent_id"),
            borrower_id=request.query_params.get("borrower_id"),
        )
        return JSONResponse({"reveals": found, "count": len(found)})

    return [
        Route("/v1/me", me, methods=["GET"]),
        Route("/v1/audit/reveals", reveals, methods=["GET"]),
    ]
