"""The command line's part in the cache key: a prompt, and no plaintext cache for a real core.

``install(insecure=...)`` gives ``store.cipher`` a key provider, asked only when no key was
found in memory, ``WORKBENCH_DB_KEY`` or the OS keyring:

- an encrypted cache: type its key (in a terminal; otherwise the open fails with a clear
  message);
- a new cache for a configured core (``--core`` / ``WORKBENCH_CORE_URL``): type a new key
  twice, or with ``--insecure-cache`` (``WORKBENCH_INSECURE_CACHE=1``) go on unencrypted after
  a loud warning; without a terminal and without that flag it is refused;
- a new cache without a core (the embedded demo, ``--db`` only) stays plain.

The prompt runs only on the main thread: the desk's workers never prompt under the running UI
(``unlock_before_desk`` asks first).
"""

from __future__ import annotations

import sys
import threading
from functools import partial
from pathlib import Path

import click

from workbench import config
from workbench.store import cipher

ENV_INSECURE = "WORKBENCH_INSECURE_CACHE"


def install(*, insecure: bool, allow_plain: bool = False) -> None:
    """Make this process ask for cache keys as described above.

    ``allow_plain`` lets an existing plain cache open quietly (``cache rekey`` encrypts it).
    """
    cipher.set_key_provider(partial(provide, insecure=insecure, allow_plain=allow_plain))


def provide(
    path: Path, state: cipher.State, *, insecure: bool, allow_plain: bool = False
) -> str | None:
    """The key provider: a passphrase, None (stay plain / no key), or KeyRefused."""
    if state == "encrypted":
        return ask_key(f"缓存密钥 / key of the cache {path}") if can_prompt() else None
    on_main = threading.current_thread() is threading.main_thread()
    if state == "plain" and (allow_plain or not on_main):
        return None  # worker threads: the command decided on the main thread already
    core = configured_core()
    if core is None:
        return None  # the demo, or a cache without a core: may stay plain
    if insecure:
        warn_insecure(path, core)
        return None
    if state == "plain":
        raise cipher.KeyRefused(
            f"缓存未加密 / the cache {path} is not encrypted, and it holds data of the core "
            f"{core}: encrypt it with `workbench cache rekey` (the new key from "
            f"{config.ENV_DB_NEW_KEY} or typed), or pass --insecure-cache to go on in plain text"
        )
    if can_prompt():
        click.echo(f"新缓存将加密 / the new cache {path} will be encrypted.", err=True)
        key = ask_key("新缓存密钥 / new cache key", confirm=True)
        if key:
            report_key_storage(path, key)
        return key
    raise cipher.KeyRefused(
        f"拒绝创建未加密的缓存 / refusing to create an unencrypted cache at {path} for the core "
        f"{core}: set {config.ENV_DB_KEY} (or an OS keyring entry), run the command in a "
        "terminal to type a key, or pass --insecure-cache to accept a plaintext cache"
    )


def report_key_storage(path: Path, key: str) -> None:
    """Keep a new key in the OS keyring when there is one, and say where the key lives."""
    if cipher.keyring_set(path, key):
        click.echo("密钥已存入系统钥匙串 / the key is kept in the OS keyring", err=True)
    else:
        click.echo(
            "请记住此密钥 / keep this key: there is no OS keyring here, so give it each time "
            f"({config.ENV_DB_KEY} or the prompt); without it the cache cannot be read",
            err=True,
        )


def ask_key(prompt: str, *, confirm: bool = False) -> str | None:
    """Read a key without echo (twice when ``confirm``); None when the input ends."""
    try:
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    except (click.Abort, EOFError):
        return None
    return value or None


def can_prompt() -> bool:
    """Whether a person can type here: the main thread, with a terminal on stdin."""
    if threading.current_thread() is not threading.main_thread():
        return False
    stdin = sys.stdin
    return stdin is not None and stdin.isatty()


def configured_core() -> str | None:
    """The core this command talks to: ``--core`` of the command or the group, else the env."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        url = ctx.params.get("core_url")
        if url:
            return url
        ctx = ctx.parent
    return config.default_core_url()


_warned: set[Path] = set()


def warn_insecure(path: Path, core: str) -> None:
    """Say loudly, once per cache and process, that borrowers' data goes to disk in clear."""
    if path in _warned:
        return
    _warned.add(path)
    line = "!" * 78
    click.secho(
        f"{line}\n警告：缓存未加密 / WARNING: UNENCRYPTED CACHE (--insecure-cache)\n"
        f"{path} will hold borrowers' personal data from {core} in plain text.\n"
        f"Anyone who gets this file can read it. Use it for tests only; encrypt it with\n"
        f"`workbench cache rekey` (key from {config.ENV_DB_NEW_KEY} or a prompt).\n{line}",
        err=True,
        fg="red",
        bold=True,
    )


def unlock_before_desk(db_path: str | None) -> None:
    """Before the desk starts: make sure the cache opens (prompting for its key now if need be)
    and that a configured core's cache is not plain without --insecure-cache.

    Raises ClickException with the store's message when the key is missing or wrong.
    """
    path = Path(db_path) if db_path else config.default_db_path()
    state = cipher.file_state(path)
    if state == "new" or (state == "plain" and configured_core() is None):
        return  # nothing to unlock, nothing to refuse (the demo starts without a detour)
    from workbench.store.db import CacheError, connect

    try:
        connect(path).close()
    except CacheError as exc:
        raise click.ClickException(str(exc)) from exc
