"""``workbench cache rekey``, ``compact`` and ``wipe``, added to the ``cache`` group.

``rekey`` encrypts the cache with a new key (a plain cache becomes encrypted): the current key
comes from the usual places (``WORKBENCH_DB_KEY``, the OS keyring, a prompt), the new one from
``WORKBENCH_DB_NEW_KEY`` or a prompt (typed twice). ``compact`` gives back the room that
changes since the first sync left in half-empty pages (run it when the desk is closed, for
example nightly after the day's last sync). ``wipe`` deletes the cache and its
``-wal``/``-shm`` after a confirmation (or ``--yes``): unconfirmed actions in its outbox go too.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from workbench import config
from workbench.cli.cache_key import ask_key, can_prompt, install, report_key_storage
from workbench.cli.read_cmds import cache, db_option, resolve_db


def _existing_cache(ctx: click.Context, db_path: str | None) -> Path:
    """The cache a ``cache`` command works on (it must exist), with its key sources installed."""
    path = resolve_db(ctx, db_path)
    if not path.exists():
        raise click.ClickException(f"找不到缓存 / no cache at {path}")
    install(insecure=bool(ctx.find_root().params.get("insecure_cache")), allow_plain=True)
    return path


@cache.command()
@db_option
@click.pass_context
def rekey(ctx: click.Context, db_path: str | None) -> None:
    """Encrypt the cache with a new key (WORKBENCH_DB_NEW_KEY or typed twice)."""
    from workbench.store.cache_files import rekey as rekey_file
    from workbench.store.db import CacheError

    path = _existing_cache(ctx, db_path)
    new_key = os.environ.get(config.ENV_DB_NEW_KEY) or (
        ask_key("新缓存密钥 / new cache key", confirm=True) if can_prompt() else None
    )
    if not new_key:
        raise click.ClickException(
            f"没有新密钥 / no new key: set {config.ENV_DB_NEW_KEY} or run in a terminal to type it"
        )
    try:
        rekey_file(path, new_key)
    except CacheError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已更换密钥 / the cache {path} is now encrypted with the new key", err=True)
    report_key_storage(path, new_key)


@cache.command()
@db_option
@click.pass_context
def compact(ctx: click.Context, db_path: str | None) -> None:
    """Rewrite the cache with full pages, giving back room left by changes since the first sync."""
    from workbench.store.cache_files import compact as compact_file
    from workbench.store.db import CacheError

    path = _existing_cache(ctx, db_path)
    try:
        before, after = compact_file(path)
    except CacheError as exc:
        raise click.ClickException(str(exc)) from exc
    saved = before - after
    click.echo(
        f"已压缩 / compacted {path}: {before / 1e6:,.1f} MB → {after / 1e6:,.1f} MB"
        f" ({saved / 1e6:,.1f} MB {'freed' if saved >= 0 else 'more'})"
    )


@cache.command()
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def wipe(ctx: click.Context, db_path: str | None, yes: bool) -> None:
    """Delete the cache and its -wal/-shm files (pending actions in its outbox are lost)."""
    from workbench.store.cache_files import cache_files
    from workbench.store.cache_files import wipe as wipe_files

    path = resolve_db(ctx, db_path)
    files = cache_files(path)
    if not files:
        click.echo(f"没有缓存 / no cache at {path}: nothing to delete", err=True)
        return
    if not yes:
        click.confirm(
            f"删除缓存 / delete {', '.join(str(f) for f in files)}? Close the desk first; "
            "actions not yet delivered to the core are lost",
            abort=True,
            err=True,
        )
    gone = wipe_files(path)
    click.echo(f"已删除 / deleted {len(gone)} file(s): {', '.join(str(f) for f in gone)}")
