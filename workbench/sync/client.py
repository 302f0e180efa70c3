"""HTTP access to the core: one place that builds the client and turns failures into words.

Example::

    async with make_client("http://127.0.0.1:8765") as client:
        stats = await get_json(client, "/v1/stats")

For an in-process core (the embedded demo, tests) pass ``transport=httpx.ASGITransport(app)``.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Connect fails fast when the core is down; a large page still has time to arrive."""


class SyncError(Exception):
    """Talking to the core failed; the message says what happened and what to try."""


class CursorGone(SyncError):
    """The core no longer knows our cursor (410): the cache must sync again from scratch."""


def make_client(
    base_url: str, *, transport: httpx.AsyncBaseTransport | None = None, token: str | None = None
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for the core at ``base_url`` with timeouts (and bearer token)."""
    headers = {"Accept": "application/json", "User-Agent": "workbench-sync/1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"), transport=transport, timeout=TIMEOUT, headers=headers
    )


async def get_json(
    client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None
) -> Any:
    """GET ``path`` and return its JSON, or raise :class:`SyncError` in plain words."""
    where = f"{client.base_url}{path}"
    try:
        response = await client.get(path, params=params)
    except httpx.ConnectError as exc:
        raise SyncError(
            f"cannot reach the core at {client.base_url}: {_reason(exc)}. "
            "Is it running (`workbench core serve`) and is the URL right?"
        ) from exc
    except httpx.TimeoutException as exc:
        raise SyncError(f"the core at {client.base_url} did not answer in time ({where})") from exc
    except httpx.HTTPError as exc:
        raise SyncError(f"talking to the core at {where} failed: {_reason(exc)}") from exc
    if response.status_code == 410:
        raise CursorGone(
            f"the core no longer knows this cache's cursor ({where}): the cache must be "
            "filled again from the start (move it aside and sync into a new --db)"
        )
    if response.status_code in (401, 403):
        raise SyncError(f"the core refused access ({response.status_code}): check the token")
    if response.status_code >= 400:
        raise SyncError(
            f"the core answered {response.status_code} {response.reason_phrase} for {where}"
            + _body_hint(response)
        )
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise SyncError(
            f"the answer from {where} is not JSON: is {client.base_url} a workbench core?"
            + _body_hint(response)
        ) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _body_hint(response: httpx.Response) -> str:
    text = " ".join(response.text.split())[:200]
    return f": {text}" if text else ""
