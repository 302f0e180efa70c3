"""``workbench sync``: pull the core's change feed into the local cache."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from workbench import config
from workbench.cli.read_cmds import emit_json, resolve_db


@click.command()
@click.option("--core", "core_url", help="Core URL (WORKBENCH_CORE_URL).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Cache file (WORKBENCH_DB).")
@click.option(
    "--once",
    is_flag=True,
    help="Pull until the cache has caught up, then exit (the only mode of this version).",
)
@click.option("--page-size", default=1000, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help='Print {"applied", "cursor"} on stdout.')
@click.pass_context
def sync(
    ctx: click.Context,
    core_url: str | None,
    db_path: str | None,
    once: bool,
    page_size: int,
    as_json: bool,
) -> None:
    """Bring the cache up to date with the core (each page stored with its cursor)."""
    from workbench.store.db import CacheError
    from workbench.sync.client import SyncError
    from workbench.sync.pull import pull_from

    url = core_url or ctx.find_root().params.get("core_url") or config.default_core_url()
    if not url:
        raise click.UsageError("no core to sync from: pass --core URL or set WORKBENCH_CORE_URL")
    path = resolve_db(ctx, db_path)
    with progress_bar() as progress:
        try:
            result = asyncio.run(pull_from(path, url, page_size=page_size, progress=progress))
        except (SyncError, CacheError) as exc:
            raise click.ClickException(f"同步失败 / sync failed: {exc}") from exc
    if as_json:
        emit_json({"applied": result.applied, "cursor": result.cursor})
        return
    rate = result.applied / result.seconds if result.seconds > 0 else 0.0
    click.echo(
        f"已同步 / synced {result.applied:,} changes in {result.pages} pages, "
        f"{result.seconds:.1f} s ({rate:,.0f}/s); cursor {result.cursor} → {path}"
    )


@contextmanager
def progress_bar(
    description: str = "同步 syncing",
) -> Iterator[Callable[[int, int | None], None] | None]:
    """A rich progress bar on stderr when it is a terminal (else None: no output), yielding the
    ``progress(done, total)`` callback that ``sync.pull`` takes."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=max(total, done) if total else None)

        yield update
