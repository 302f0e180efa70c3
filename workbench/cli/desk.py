"""``workbench`` with no subcommand: prepare a cache if needed, then open the agent desk.

With no core configured, the desk runs on the embedded demo: the reference core is started
in-process (``httpx.ASGITransport``, no port) over a demo portfolio under the user data folder,
synced into the demo cache once (with a progress bar), and every later run opens that cache
straight away.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from workbench import config

DEMO_BORROWERS = 2000
DEMO_SEED = 7
DEMO_CORE_URL = "http://demo-core"  # never resolved: requests go to the in-process app
AGENT_ZONE = ZoneInfo("Asia/Shanghai")


def run_desk(*, db_path: str | None, core_url: str | None) -> None:
    """Open the desk on ``db_path`` / ``core_url``, or on the embedded demo when neither is set."""
    core_url = core_url or config.default_core_url()
    if db_path is None and core_url is None and not os.environ.get(config.ENV_DB):
        path = ensure_demo_cache()
    else:
        path = Path(db_path) if db_path else config.default_db_path()
        if core_url:
            _sync_once(path, core_url)
        elif not path.exists():
            raise click.ClickException(
                f"没有缓存文件 / no cache at {path}: run `workbench sync --core URL --db {path}`"
            )
    from workbench.ui.app import WorkbenchApp

    WorkbenchApp(path).run()


def ensure_demo_cache(*, borrowers: int = DEMO_BORROWERS) -> Path:
    """The demo cache, built on first use from an in-process reference core (progress shown)."""
    path = config.demo_db_path()
    marker = demo_marker(path)
    if path.exists() and marker.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not demo_core_path(path).exists():
        # A cache left without its core (deleted by hand) cannot resume against a new one.
        for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    as_of = _demo_as_of(marker)
    from workbench.cli.sync_cmds import progress_bar
    from workbench.core.app import create_app
    from workbench.sync.pull import pull_from

    click.echo(
        "首次运行：正在生成演示数据并同步到本地缓存… / first run: building the demo cache…",
        err=True,
    )
    with progress_bar("生成演示数据 building demo portfolio") as progress:
        app = create_app(
            demo_core_path(path),
            borrowers=borrowers,
            seed=DEMO_SEED,
            as_of=as_of,
            progress=progress,
        )
    import httpx

    with progress_bar("同步 syncing") as progress:
        asyncio.run(
            pull_from(path, DEMO_CORE_URL, transport=httpx.ASGITransport(app), progress=progress)
        )
    app.state.store.close()
    marker.write_text(
        json.dumps({"borrowers": borrowers, "seed": DEMO_SEED, "as_of": as_of.isoformat()}),
        encoding="utf-8",
    )
    return path


def demo_core_path(cache: Path) -> Path:
    """Where the embedded core keeps its own store: beside the cache, never inside it."""
    return cache.with_name("demo-core.db")


def demo_marker(cache: Path) -> Path:
    """Written after the first full sync: its presence means the demo cache is complete."""
    return cache.with_name(cache.name + ".ready")


def _demo_as_of(marker: Path) -> date:
    """The demo portfolio's as-of date: the day it was first built, kept for every later run."""
    core = demo_core_path(marker.with_name(marker.name.removesuffix(".ready")))
    if core.exists():
        from workbench.core.storage import CoreStore

        store = CoreStore.open(core)
        try:
            params = store.generated_params() or {}
        finally:
            store.close()
        if "as_of" in params:
            return date.fromisoformat(params["as_of"])
    return config.now().astimezone(AGENT_ZONE).date()


def _sync_once(path: Path, core_url: str) -> None:
    """Bring a configured core's cache up to date before the desk opens (first cut)."""
    from workbench.cli.sync_cmds import progress_bar
    from workbench.sync.client import SyncError
    from workbench.sync.pull import pull_from

    try:
        with progress_bar("同步 syncing") as progress:
            asyncio.run(pull_from(path, core_url, progress=progress))
    except SyncError as exc:
        if not path.exists():
            raise click.ClickException(f"同步失败 / sync failed: {exc}") from exc
        click.echo(f"同步失败，使用本地缓存 / sync failed, opening the cache: {exc}", err=True)
