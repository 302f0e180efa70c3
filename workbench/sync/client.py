"""HTTP access to the core: one place that builds the client and turns failures into words.

Example::

    async with make_client("http://127.0.0.1:8765", token=token) as client:
        stats = await get_json(client, "/v1/stats")

For an in-process core (the embedded demo, tests) pass ``transport=httpx.ASGITransport(app)``.

Every request runs under a whole-request deadline (``asyncio.timeout``): httpx's read timeout
applies to each chunk, so a core that trickles a byte every few seconds would otherwise hold a
request open for ever. Bodies are read with a size cap, and JSON that orjson refuses (numbers
beyond 64 bits, ``NaN``) is read by the standard library instead, so one odd value in a page
becomes one quarantined record rather than a sync that can never pass that page.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import ssl
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import zstandard

from workbench.domain.redact import register_secret
from workbench.sync.gcpause import paused_gc

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Connect fails fast when the core is down; a large page still has time to arrive."""
DEADLINE = 120.0
"""Seconds one whole request (connect, send, every chunk of the answer) may take."""
ENV_CA_BUNDLE = "WORKBENCH_CA_BUNDLE"
"""A PEM file of CA certificates to trust for the core's https certificate."""
MAX_BODY = 256 * 1024 * 1024
"""Largest answer read (a page of 5,000 loans with schedules is ~25 MB)."""


class SyncError(Exception):
    """Talking to the core failed; the message says what happened and what to try."""


class CursorGone(SyncError):
    """The core no longer knows our cursor (410): the cache must sync again from scratch."""


class Unauthorized(SyncError):
    """The core rejected the token (401): retrying will not help until the token changes."""


class InsecureCore(SyncError):
    """The core URL would send data unprotected (plain http to another machine) or is not
    a URL: refused before connecting."""


class Unreachable(SyncError):
    """The core could not be reached or did not answer in time (worth retrying later)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer of the core, read within the deadline."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    reason_phrase: str = ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def make_client(
    base_url: str, *, transport: httpx.AsyncBaseTransport | None = None, token: str | None = None
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for the core at ``base_url`` with timeouts (and bearer token).

    Over the network the URL must pass :func:`check_core_url` (https with certificate
    verification, plain http only to this machine; ``WORKBENCH_CA_BUNDLE`` names a custom CA
    bundle); an in-process ``transport`` (the embedded demo, tests) is not checked."""
    verify: ssl.SSLContext | bool = True
    if transport is None:
        check_core_url(base_url)
        verify = tls_verify()
    headers = {"Accept": "application/json", "User-Agent": "workbench-sync/1"}
    if token:
        register_secret(token)  # never in a log line or a crash report (domain.redact)
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        transport=transport,
        timeout=TIMEOUT,
        headers=headers,
        verify=verify,
    )


def check_core_url(url: str) -> None:
    """Refuse a core URL the desk must not talk to, before any connection is made.

    https is always allowed (verified); plain http only to a loopback host (``127.0.0.1``,
    ``::1``, ``localhost``): borrowers' data and the token never cross a network in clear."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InsecureCore(f"核心地址无效 / not a valid core URL: {exc}") from None
    if parsed.scheme == "https" and parsed.host:
        return
    if parsed.scheme == "http" and _loopback(parsed.host):
        return
    if parsed.scheme == "http":
        raise InsecureCore(
            f"拒绝以明文 HTTP 连接远程核心 / refusing plain http to {parsed.host}: a core on "
            "another machine must be reached over https (certificate verified; a private CA "
            f"via --ca-bundle or {ENV_CA_BUNDLE})"
        )
    raise InsecureCore(f"核心地址须为 https:// / the core URL must start with https://: {url!r}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_verify() -> ssl.SSLContext | bool:
    """Verification of the core's certificate: the system's CAs, or ``WORKBENCH_CA_BUNDLE``."""
    bundle = os.environ.get(ENV_CA_BUNDLE)
    if not bundle:
        return True
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise InsecureCore(
            f"无法读取 CA 证书包 / cannot use the CA bundle {bundle}: {_reason(exc)}"
        ) from None


async def request(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    deadline: float = DEADLINE,
    max_body: int = MAX_BODY,
    **kwargs: Any,
) -> Answer:
    """Send one request and read its whole answer within ``deadline`` seconds.

    Raises :class:`Unreachable` for connection failures, timeouts, a cut or oversized answer;
    never for an HTTP status (the caller decides what a status means).
    """
    where = f"{client.base_url}{path}"
    try:
        async with asyncio.timeout(deadline):
            request_ = client.build_request(method, path, **kwargs)
            response = await client.send(request_, stream=True)
            try:
                zstd_body = (
                    response.headers.get("content-encoding", "").lower() == "zstd"
                    and not response.is_stream_consumed  # a transport that read it already
                )
                body = bytearray()
                # A zstd answer (a feed page) is read as it came and decompressed whole at the
                # end: the stream decoder would copy each chunk twice on the way.
                async for chunk in response.aiter_raw() if zstd_body else response.aiter_bytes():
                    body += chunk
                    if len(body) > max_body:
                        raise Unreachable(f"the answer from {where} is larger than {max_body:,} B")
            finally:
                await response.aclose()
            content = _unzstd(body, max_body, where) if zstd_body else bytes(body)
    except TimeoutError as exc:
        raise Unreachable(
            f"the core at {client.base_url} did not answer within {deadline:g} s ({where})"
        ) from exc
    except httpx.ConnectError as exc:
        raise Unreachable(
            f"cannot reach the core at {client.base_url}: {_reason(exc)}. "
            "Is it running (`workbench core serve`) and is the URL right?"
        ) from exc
    except httpx.TimeoutException as exc:
        raise Unreachable(
            f"the core at {client.base_url} did not answer in time ({where})"
        ) from exc
    except httpx.HTTPError as exc:
        raise Unreachable(f"talking to the core at {where} failed: {_reason(exc)}") from exc
    return Answer(response.status_code, response.headers, content, response.reason_phrase)


def _unzstd(raw: bytearray, max_body: int, where: str) -> bytes:
    """The body of a zstd answer, frame after frame, never more than ``max_body`` bytes;
    :class:`Unreachable` when it is not zstd, is cut short, or is too large."""
    parts: list[bytes] = []
    total = 0
    data = bytes(raw)
    try:
        while data:
            size = zstandard.frame_content_size(data)
            if size > max_body - total:
                raise Unreachable(f"the answer from {where} is larger than {max_body:,} B")
            frame = zstandard.ZstdDecompressor().decompressobj()
            parts.append(frame.decompress(data))
            total += len(parts[-1])
            if total > max_body:
                raise Unreachable(f"the answer from {where} is larger than {max_body:,} B")
            if not frame.eof:
                raise Unreachable(f"the answer from {where} was cut short (zstd)")
            data = frame.unused_data
    except zstandard.ZstdError as exc:
        raise Unreachable(f"the answer from {where} is not valid zstd: {exc}") from exc
    return parts[0] if len(parts) == 1 else b"".join(parts)


async def get_json(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    deadline: float = DEADLINE,
) -> Any:
    """GET ``path`` and return its JSON, or raise :class:`SyncError` in plain words."""
    answer = await get_answer(client, path, params, deadline=deadline)
    with paused_gc():
        return decoded(client, path, answer)


async def get_answer(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    deadline: float = DEADLINE,
) -> Answer:
    """GET ``path``: its answer when the core said yes (2xx/3xx), else :class:`SyncError`
    (:class:`CursorGone` for 410, :class:`Unauthorized` for 401, :class:`Unreachable` for
    5xx) in plain words. :func:`decoded` reads the JSON."""
    where = f"{client.base_url}{path}"
    response = await request(client, "GET", path, params=params, deadline=deadline)
    if response.status_code == 410:
        raise CursorGone(
            f"the core no longer knows this cache's cursor ({where}): the cache syncs again "
            "from the start (unconfirmed actions are kept)"
        )
    if response.status_code == 401:
        raise Unauthorized(token_rejected_message(client))
    if response.status_code == 403:
        raise SyncError(f"the core refused access to {path} (403): check the token's role")
    if response.status_code >= 500:
        raise Unreachable(
            f"the core answered {response.status_code} for {where}" + body_hint(response)
        )
    if response.status_code >= 400:
        raise SyncError(
            f"the core answered {response.status_code} {response.reason_phrase} for {where}"
            + body_hint(response)
        )
    return response


def decoded(client: httpx.AsyncClient, path: str, answer: Answer) -> Any:
    """The JSON of an answer of ``path``, or :class:`SyncError` saying it is not JSON."""
    try:
        return parse_json(answer.content)
    except ValueError as exc:
        raise SyncError(
            f"the answer from {client.base_url}{path} is not JSON (cut short or garbled?): is "
            f"{client.base_url} a workbench core?" + body_hint(answer)
        ) from exc


def parse_json(content: bytes) -> Any:
    """JSON from bytes: orjson, or the standard library for what orjson refuses."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(content)  # big integers, NaN; ValueError for garbage
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def token_rejected_message(client: httpx.AsyncClient) -> str:
    return (
        f"令牌被拒绝 / token rejected by the core at {client.base_url} (401): set a valid token "
        "with --token, WORKBENCH_TOKEN or the token file"
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def body_hint(response: Answer) -> str:
    """A short, single-line excerpt of an answer for an error message."""
    text = " ".join(response.text.split())[:200]
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return f": {printable}" if printable else ""
