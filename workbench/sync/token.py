"""Which bearer token the workbench presents to the core, and where it comes from.

In order: ``--token`` on the command line, the ``WORKBENCH_TOKEN`` environment variable, then
the file ``token`` in the config folder (``config.config_dir()``), which must be readable by its
owner only (mode 0600), as ssh demands of a private key. No token at all is fine for the embedded
demo and for a core served without ``--token-file``. The token is never printed or logged.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workbench import config

ENV_TOKEN = "WORKBENCH_TOKEN"
TOKEN_FILE = "token"


class TokenError(Exception):
    """The token file exists but cannot be used; the message says how to fix it."""


def token_path() -> Path:
    """Where the token file lives."""
    return config.config_dir() / TOKEN_FILE


def resolve_token(explicit: str | None = None) -> str | None:
    """The token to use, or None when none is configured."""
    if explicit:
        return explicit.strip() or None
    env = os.environ.get(ENV_TOKEN, "").strip()
    if env:
        return env
    return read_token_file(token_path())


def read_token_file(path: Path) -> str | None:
    """The token in ``path`` (first line), None if there is no such file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenError(
            f"令牌文件权限过宽 / the token file {path} can be read by others: "
            f"run `chmod 600 {path}`"
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(f"cannot read the token file {path}: {exc}") from exc
    token = lines[0].strip() if lines else ""
    return token or None


def save_token(token: str, path: Path | None = None) -> Path:
    """Write the token file, owner-only (0600) from the first byte."""
    path = path or token_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token.strip() + "\n")
    os.chmod(path, 0o600)
    return path
