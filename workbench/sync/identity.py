"""Who the core says the desk is (``GET /v1/me``), and the auditor's reveals list.

The role decides what the desk offers (``ui.roles``); it comes from the core whenever one is
configured, so an agent cannot grant itself more by setting ``WORKBENCH_ROLE``. If the core
cannot be asked, the desk is an ``agent`` (the least privileged) until it can.

Example::

    me = who_am_i("https://core.example.cn", token)   # Me(agent_id="A018", role="supervisor")
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.sync.client import SyncError, get_json, make_client

ME_PATH = "/v1/me"
REVEALS_PATH = "/v1/audit/reveals"
ROLES = ("agent", "supervisor", "auditor")
DEADLINE = 10.0


@dataclass(frozen=True, slots=True)
class Me:
    """The caller as the core sees it."""

    agent_id: str
    role: str


async def fetch_me(client: httpx.AsyncClient) -> Me:
    """``GET /v1/me``; an unknown role in the answer counts as ``agent``."""
    data = await get_json(client, ME_PATH, deadline=DEADLINE)
    if not isinstance(data, dict) or not isinstance(data.get("agent_id"), str):
        raise SyncError(f"the core's {ME_PATH} answer has no agent_id: is it a workbench core?")
    role = data.get("role")
    return Me(data["agent_id"], role if role in ROLES else "agent")


def who_am_i(
    core_url: str, token: str | None, *, transport: httpx.AsyncBaseTransport | None = None
) -> Me:
    """:func:`fetch_me` from synchronous code (the CLI, the desk before it starts)."""

    async def ask() -> Me:
        async with make_client(core_url, token=token, transport=transport) as client:
            return await fetch_me(client)

    return asyncio.run(ask())


async def fetch_reveals(
    client: httpx.AsyncClient, *, limit: int = 200, agent_id: str | None = None
) -> list[dict[str, Any]]:
    """The core's reveal audit records, newest first (role auditor; 403 → ``SyncError``)."""
    params: dict[str, Any] = {"limit": limit} | ({"agent_id": agent_id} if agent_id else {})
    data = await get_json(client, REVEALS_PATH, params, deadline=DEADLINE)
    if not isinstance(data, dict) or not isinstance(data.get("reveals"), list):
        raise SyncError(f"the core's {REVEALS_PATH} answer has no reveals list")
    return [r for r in data["reveals"] if isinstance(r, dict)]
