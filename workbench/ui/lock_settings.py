"""The idle lock's settings and secrets (no Textual here).

``config.toml``::

    lock_after_min = 15        # minutes without a key or click; 0 = never lock
    lock_pin = "scrypt$<salt hex>$<hash hex>"   # optional: `python -m workbench.ui.lock_settings`

The locked desk reopens with the bearer token, the PIN (checked against its scrypt hash) or the
cache key, whichever of them exists; with none of them (the embedded demo without a PIN) Enter
reopens it — the screen is still hidden while away.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import sys
from dataclasses import dataclass, field

from workbench import config

DEFAULT_LOCK_AFTER_MIN = 15.0
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True, slots=True)
class LockSettings:
    """How long the desk may sit idle, and what reopens it."""

    after_s: float  # 0 = never lock
    pin_hash: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)  # token, cache key: never shown

    def with_secret(self, secret: str | None) -> LockSettings:
        """These settings with one more secret that reopens the desk (e.g. the token)."""
        if not secret:
            return self
        return LockSettings(self.after_s, self.pin_hash, (*self.secrets, secret))

    @property
    def needs_secret(self) -> bool:
        return bool(self.pin_hash or self.secrets)

    def opens(self, typed: str) -> bool:
        """True when ``typed`` is the token, the cache key or the PIN (or nothing is needed)."""
        if not self.needs_secret:
            return True
        typed = typed.strip()
        if not typed:
            return False
        hits = [hmac.compare_digest(typed.encode(), s.encode()) for s in self.secrets]
        return any(hits) or (self.pin_hash is not None and check_pin(typed, self.pin_hash))


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$salt$hash`` of ``pin`` for ``lock_pin`` in config.toml."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a :func:`hash_pin` value (a malformed value matches nothing)."""
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        again = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    except ValueError:
        return False
    return hmac.compare_digest(again.hex(), digest)


def read_lock_settings(path=None) -> tuple[LockSettings, list[str]]:
    """``lock_after_min`` and ``lock_pin`` of config.toml (defaults when absent) and problems."""
    import tomllib

    path = path or config.settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return LockSettings(DEFAULT_LOCK_AFTER_MIN * 60), [f"{path}: {exc}"]
    problems = []
    minutes = data.get("lock_after_min", DEFAULT_LOCK_AFTER_MIN)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
        problems.append(f"{path}: lock_after_min = {minutes!r}")
        minutes = DEFAULT_LOCK_AFTER_MIN
    pin = data.get("lock_pin")
    if pin is not None and not (isinstance(pin, str) and pin.startswith("scrypt$")):
        problems.append(
            f"{path}: lock_pin must be a hash from `python -m workbench.ui.lock_settings`"
        )
        pin = None
    return LockSettings(float(minutes) * 60, pin), problems


def main() -> None:
    """Print the ``lock_pin`` line for a PIN typed twice (never echoed)."""
    first = getpass.getpass("PIN: ")
    if len(first) < 4 or first != getpass.getpass("PIN again: "):
        sys.exit("PIN too short (4+) or the two differ")
    print(f'lock_pin = "{hash_pin(first)}"')


if __name__ == "__main__":
    main()
