"""Headless read commands: ``lookup``, ``show`` and ``cache stats``.

JSON on stdout with ``--json`` (for scripts), a compact table otherwise; errors on stderr with a
non-zero exit. Every personal number is masked. A missing cache is reported, never created.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from workbench import config

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
RECENT_INTERACTIONS = 20

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), help="Cache file (WORKBENCH_DB)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


def resolve_db(ctx: click.Context, db_path: str | None) -> Path:
    """``--db`` of the subcommand, else of the main group, else WORKBENCH_DB / the demo cache."""
    if db_path:
        return Path(db_path)
    root = ctx.find_root().params.get("db_path")
    return Path(root) if root else config.default_db_path()


def business_date() -> date:
    """Today in the lender's zone, from the workbench clock (honours WORKBENCH_NOW)."""
    return config.now().astimezone(BUSINESS_ZONE).date()


def open_existing(path: Path):
    """Open an existing cache for reading, or fail with a message (never create one)."""
    from workbench.store.db import CacheError, connect

    if not path.exists():
        raise click.ClickException(
            f"找不到缓存 / no cache at {path}: run `workbench sync --core URL --db {path} --once`"
        )
    try:
        return connect(path)
    except CacheError as exc:
        raise click.ClickException(str(exc)) from exc


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@click.command()
@click.argument("query")
@db_option
@json_option
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.pass_context
def lookup(ctx: click.Context, query: str, db_path: str | None, as_json: bool, limit: int) -> None:
    """Find borrowers by phone, last 4, ID last 6, contract, plate, name or pinyin."""
    from workbench.store.queries import lookup as run_lookup

    conn = open_existing(resolve_db(ctx, db_path))
    hits = run_lookup(conn, query, limit=limit, as_of=business_date())
    if as_json:
        emit_json([hit._asdict() for hit in hits])
        return
    from workbench.cli.read_render import print_hits

    print_hits(hits)


@click.command()
@click.argument("borrower_id")
@db_option
@json_option
@click.option(
    "--reveal", is_flag=True, help="Full ID, phone and card numbers (supervisor/auditor; audited)."
)
@click.option("--reason", help="Why the numbers are revealed (required with --reveal).")
@click.pass_context
def show(
    ctx: click.Context,
    borrower_id: str,
    db_path: str | None,
    as_json: bool,
    reveal: bool = False,
    reason: str | None = None,
) -> None:
    """The unified view of one borrower (masked): profile, loans, payments, recent contacts.

    ``--reveal --reason R`` shows the full numbers to a role that may (``cli.reveal_cmds``)."""
    from workbench.cli.read_render import print_view, view_as_data
    from workbench.store.queries import borrower_view, interactions_page

    path = resolve_db(ctx, db_path)
    conn = open_existing(path)
    view = borrower_view(conn, borrower_id, business_date())
    if view is None:
        raise click.ClickException(f"未找到借款人 / unknown borrower: {borrower_id}")
    recent = interactions_page(conn, borrower_id, limit=RECENT_INTERACTIONS)
    data = view_as_data(view, recent)
    if reveal:
        from workbench.cli.reveal_cmds import reveal_view

        data = reveal_view(ctx, path, conn, view, data, reason)
    if as_json:
        emit_json(data)
    else:
        print_view(data)
        if reveal:
            from workbench.cli.reveal_cmds import print_cards

            print_cards(data)


@click.group()
def cache() -> None:
    """Inspect the local cache."""


@cache.command()
@db_option
@json_option
@click.pass_context
def stats(ctx: click.Context, db_path: str | None, as_json: bool) -> None:
    """Row counts per entity (named as in the core's /v1/stats), the sync cursor, quarantined
    feed records and the outbox."""
    from workbench.store.queries import cache_stats

    path = resolve_db(ctx, db_path)
    result = cache_stats(open_existing(path))
    if as_json:
        emit_json(result)
        return
    from workbench.cli.read_render import print_stats

    print_stats(path, result)
    box = result["outbox"]
    click.echo(
        f"隔离 quarantined {result['quarantined']:,}  ·  待确认 pending {box['pending']:,}  ·  "
        f"需处理 parked {box['parked']:,}  ·  已确认 confirmed {box['confirmed']:,}"
    )
