"""``workbench sync``: push the outbox and pull the core's change feed into the local cache.

``--once`` (the default) pushes every due action, pulls until the cache has caught up, and
exits. ``--follow`` keeps going — live events, a pull every 30 s, pushes as actions come due —
until Ctrl-C (or SIGTERM), printing each change of state on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from workbench import config
from workbench.cli.read_cmds import emit_json, resolve_db

PAGE_SIZE = 5000  # the reference core serves at most 5,000 changes a page

token_option = click.option(
    "--token",
    help="Bearer token (else WORKBENCH_TOKEN, else the token file in the config folder).",
)


@click.command()
@click.option("--core", "core_url", help="Core URL (WORKBENCH_CORE_URL).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Cache file (WORKBENCH_DB).")
@click.option("--once", "mode", flag_value="once", default=True, help="Catch up, then exit.")
@click.option("--follow", "mode", flag_value="follow", help="Keep syncing until interrupted.")
@click.option("--push/--no-push", default=True, show_default=True, help="Send the outbox too.")
@token_option
@click.option("--page-size", default=PAGE_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (--once).")
@click.pass_context
def sync(
    ctx: click.Context,
    core_url: str | None,
    db_path: str | None,
    mode: str,
    push: bool,
    token: str | None,
    page_size: int,
    as_json: bool,
) -> None:
    """Bring the cache up to date with the core and deliver pending actions."""
    url = resolve_core(ctx, core_url)
    if not url:
        raise click.UsageError("no core to sync from: pass --core URL or set WORKBENCH_CORE_URL")
    path = resolve_db(ctx, db_path)
    secret = load_token(token)
    if mode == "follow":
        follow(path, url, secret, page_size)
        return
    summary = sync_once(path, url, secret, page_size, push)
    if as_json:
        emit_json(summary)
        return
    click.echo(
        f"已同步 / synced {summary['applied']:,} changes in {summary['pages']} pages, "
        f"{summary['seconds']:.1f} s; cursor {summary['cursor']} → {path}"
    )


def sync_once(path: Path, url: str, token: str | None, page_size: int, push: bool) -> dict:
    """Push (if asked) then pull; a summary dict, or ClickException on failure."""
    from workbench.store.db import CacheError
    from workbench.sync.client import SyncError, make_client
    from workbench.sync.pull import pull
    from workbench.sync.push import push as push_outbox

    async def run():
        async with make_client(url, token=token) as client:
            pushed = await push_outbox(path, client, due_only=False) if push else None
            with progress_bar() as progress:
                pulled = await pull(path, client, page_size=page_size, progress=progress)
            return pushed, pulled

    try:
        pushed, pulled = asyncio.run(run())
    except (SyncError, CacheError) as exc:
        raise click.ClickException(f"同步失败 / sync failed: {exc}") from exc
    summary = {
        "applied": pulled.applied,
        "pages": pulled.pages,
        "cursor": pulled.cursor,
        "seconds": round(pulled.seconds, 3),
        "started_over": pulled.started_over,
    }
    if pulled.started_over:
        click.echo(f"缓存已重建 / the cache was filled again ({pulled.started_over})", err=True)
    if pushed is not None:
        summary["pushed"] = {
            "confirmed": pushed.confirmed,
            "parked": pushed.parked,
            "retrying": pushed.retrying,
        }
        for line in pushed.errors:
            click.echo(f"推送 / push: {line}", err=True)
        if pushed.unauthorized:
            raise click.ClickException("令牌被拒绝 / token rejected: actions stay pending")
    return summary


def follow(path: Path, url: str, token: str | None, page_size: int) -> None:
    """Run the follower in the foreground until Ctrl-C or SIGTERM; state changes on stderr."""
    from workbench.sync.runner import Follower, SyncStatus

    shown: list[tuple] = []

    def report(status: SyncStatus) -> None:
        line = (status.state.value, status.pending, status.parked, status.message)
        if not shown or shown[-1] != line:
            shown.append(line)
            counts = f"pending {status.pending}, parked {status.parked}"
            why = f" — {status.message}" if status.message else ""
            click.echo(f"[{status.state.value}] cursor {status.cursor}; {counts}{why}", err=True)

    follower = Follower(path, url, token=token, on_status=report, page_size=page_size)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(number) is not signal.SIG_IGN:  # ignored (nohup, &): stays so
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(number, follower.request_stop)
        await follower.run()

    click.echo(f"持续同步 / following {url} → {path} (Ctrl-C to stop)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    click.echo("已停止 / stopped", err=True)


def resolve_core(ctx: click.Context, core_url: str | None) -> str | None:
    """``--core`` of the subcommand, else of the main group, else WORKBENCH_CORE_URL."""
    return core_url or ctx.find_root().params.get("core_url") or config.default_core_url()


def load_token(token: str | None) -> str | None:
    """The token to present (never printed), or a ClickException saying what is wrong."""
    from workbench.sync.token import TokenError, resolve_token

    try:
        return resolve_token(token)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc


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
