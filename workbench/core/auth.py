"""Bearer tokens: who is calling, from a token file mapping each token to an agent and role.

The file is TOML or JSON: a table per token (optionally all under ``tokens``)::

    ["k2V9-secret-token-of-A001"]
    agent_id = "A001"
    role = "agent"

With a token file every endpoint except ``/v1/health`` and ``/v1/openapi.json`` needs
``Authorization: Bearer <token>``; anything else is a 401 with ``WWW-Authenticate: Bearer``.
Without one (the embedded demo, ``core serve`` without ``--token-file``) every caller is
``DEMO_IDENTITY``: agent ``A001``, role ``agent``, whatever token it sends.

Tokens are kept only as SHA-256 digests in memory and never written to a log or an answer.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.domain.models import Role

PUBLIC_PATHS = frozenset({"/v1/health", "/v1/openapi.json"})
SCOPE_KEY = "workbench.identity"


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller: an agent id and a role (``agent``, ``supervisor``, ``auditor``)."""

    agent_id: str
    role: str


DEMO_IDENTITY = Identity("A001", Role.AGENT.value)


class TokenFileError(ValueError):
    """The token file cannot be used; the message says where and why (never the token)."""


def load_tokens(path: str | Path) -> dict[str, Identity]:
    """Read a token file; returns ``{sha256(token): Identity}``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TokenFileError(f"cannot read the token file {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TokenFileError(f"{path} is neither valid JSON nor TOML: {exc}") from None
    if isinstance(raw.get("tokens"), dict) and len(raw) == 1:
        raw = raw["tokens"]
    tokens = {}
    for n, (token, entry) in enumerate(raw.items(), 1):
        tokens[digest(_check_token(path, n, token))] = _identity(path, n, entry)
    if not tokens:
        raise TokenFileError(f"{path} holds no tokens")
    return tokens


def _check_token(path: Path, n: int, token: Any) -> str:
    if not token or any(c.isspace() or not c.isprintable() for c in token) or len(token) > 512:
        raise TokenFileError(
            f"{path}: token #{n} must be 1 to 512 visible characters without spaces"
        )
    return token


def _identity(path: Path, n: int, entry: Any) -> Identity:
    if not isinstance(entry, dict) or not isinstance(entry.get("agent_id"), str):
        raise TokenFileError(f"{path}: token #{n} needs a table with agent_id and role")
    role = entry.get("role", Role.AGENT.value)
    if role not in {r.value for r in Role}:
        raise TokenFileError(
            f"{path}: token #{n} has role {role!r}; use one of {', '.join(r.value for r in Role)}"
        )
    return Identity(entry["agent_id"], role)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def identity_of(scope: Scope) -> Identity:
    """The identity the auth middleware attached to a request."""
    return scope.get(SCOPE_KEY, DEMO_IDENTITY)


class BearerAuth:
    """ASGI middleware: attach the caller's identity, or answer 401."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: dict[str, Identity] | None,
        anonymous: Identity = DEMO_IDENTITY,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.anonymous = anonymous  # every caller without a token file (the embedded demo)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.tokens is None:
            if scope["type"] == "http":
                scope[SCOPE_KEY] = self.anonymous
            await self.app(scope, receive, send)
            return
        if scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        who = self.tokens.get(digest(token)) if token else None
        if who is None:
            await _unauthorized(send, token is not None)
            return
        scope[SCOPE_KEY] = who
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else ""
    return None


async def _unauthorized(send: Send, presented: bool) -> None:
    if presented:
        message = "the bearer token is not valid for this core; check the token you were given"
        challenge = b'Bearer realm="workbench", error="invalid_token"'
    else:
        message = "this core needs a token: send the header Authorization: Bearer <token>"
        challenge = b'Bearer realm="workbench"'
    body = json.dumps({"error": "unauthorized", "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
