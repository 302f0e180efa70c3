"""Headless agent actions (``workbench act …``) and the outbox (``workbench outbox``).

Each ``act`` command goes through the same service the desk uses (``store.actions``): the action
is checked, then written to the cache and the outbox in one transaction, and stays pending until
the next ``workbench sync`` — or is pushed at once with ``--push`` (or when ``--core`` is given
to the command). Exit status: 0 when the action is recorded (confirmed, or pending because the
core could not be reached: it is delivered later); 1 for invalid input, a refusal by the core
(the action is parked) or a rejected token. Output never holds personal data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from workbench import config
from workbench.cli.read_cmds import db_option, emit_json, json_option, open_existing, resolve_db
from workbench.cli.sync_cmds import load_token, resolve_core, token_option

_LONG_DIGITS = re.compile(r"\d{7,}")


def push_options(fn):
    fn = click.option("--push", "push_now", is_flag=True, help="Push to the core right away.")(fn)
    fn = click.option("--core", "core_url", help="Core URL for --push (WORKBENCH_CORE_URL).")(fn)
    fn = token_option(fn)
    fn = click.option(
        "--agent",
        "agent_id",
        help=f"Acting agent ({config.ENV_AGENT}; default {config.DEMO_AGENT}).",
    )(fn)
    return json_option(db_option(fn))


@click.group()
def act() -> None:
    """Record an agent action (note, promise, callback, escalation)."""


@act.command()
@click.argument("borrower_id")
@click.argument("text")
@click.option("--loan", "loan_id", help="The loan the note is about.")
@push_options
@click.pass_context
def note(ctx: click.Context, borrower_id: str, text: str, loan_id: str | None, **common) -> None:
    """Add a note to a borrower's history."""
    from workbench.store.actions import add_note

    _run(
        ctx,
        common,
        lambda conn, agent: add_note(conn, borrower_id, text, agent_id=agent, loan_id=loan_id),
    )


@act.command()
@click.argument("loan_id")
@click.argument("amount")
@click.argument("promised_date", metavar="DATE")
@push_options
@click.pass_context
def promise(ctx: click.Context, loan_id: str, amount: str, promised_date: str, **common) -> None:
    """Record a promise to pay AMOUNT (yuan, e.g. 2,992.60) on LOAN_ID by DATE (YYYY-MM-DD)."""
    from workbench.store.action_rules import parse_amount
    from workbench.store.actions import promise_to_pay

    _run(
        ctx,
        common,
        lambda conn, agent: promise_to_pay(
            conn, loan_id, parse_amount(amount), promised_date, agent_id=agent
        ),
    )


@act.command()
@click.argument("borrower_id")
@click.argument("when")
@click.option("--number", help="Number to call (default: the borrower's first callable phone).")
@click.option("--reason", default="requested", show_default=True)
@click.option("--priority", type=click.IntRange(1, 5), help="1 (highest) … 5.")
@push_options
@click.pass_context
def callback(
    ctx: click.Context,
    borrower_id: str,
    when: str,
    number: str | None,
    reason: str,
    priority: int | None,
    **common,
) -> None:
    """Book a callback at WHEN (ISO time; without an offset it is Beijing time)."""
    from workbench.store.actions import schedule_callback

    _run(
        ctx,
        common,
        lambda conn, agent: schedule_callback(
            conn, borrower_id, when, agent_id=agent, number=number, reason=reason, priority=priority
        ),
    )


@act.command()
@click.argument("borrower_id")
@click.argument("department")
@click.argument("reason")
@click.option(
    "--priority",
    default="normal",
    show_default=True,
    type=click.Choice(["low", "normal", "high", "urgent"]),
)
@click.option("--loan", "loan_id", help="The loan it is about (its snapshot goes along).")
@push_options
@click.pass_context
def escalate(
    ctx: click.Context,
    borrower_id: str,
    department: str,
    reason: str,
    priority: str,
    loan_id: str | None,
    **common,
) -> None:
    """Escalate to DEPARTMENT (supervisor, risk, legal, collections, complaints, operations)."""
    from workbench.store.actions import escalate as raise_escalation

    _run(
        ctx,
        common,
        lambda conn, agent: raise_escalation(
            conn,
            borrower_id,
            department,
            reason,
            agent_id=agent,
            priority=priority,
            loan_id=loan_id,
        ),
    )


def _run(ctx: click.Context, common: dict[str, Any], take) -> None:
    """Take the action through the service, push it if asked, report it."""
    from workbench.store.actions import ValidationError, as_dict

    path = resolve_db(ctx, common["db_path"])
    conn = open_existing(path)
    agent = common["agent_id"] or config.default_agent_id()
    try:
        action = take(conn, agent)
    except ValidationError as exc:
        raise click.ClickException(f"输入有误 / invalid {exc.field}: {exc.message}") from exc
    finally:
        conn.close()
    result = as_dict(action)
    problem = None
    if common["push_now"] or common["core_url"]:
        result["status"], problem = _push(ctx, path, common, action.key)
    if common["as_json"]:
        emit_json(result)
    else:
        click.echo(
            f"已记录 / recorded {action.type} {action.record_id} for {action.borrower_id}: "
            f"{_STATUS_WORDS.get(result['status'], result['status'])}"
        )
    if problem:
        raise click.ClickException(problem)


_STATUS_WORDS = {
    "pending": "待确认 / pending",
    "confirmed": "已确认 / confirmed",
    "parked": "需处理 / needs attention",
}


def _push(ctx: click.Context, path: Path, common: dict[str, Any], key: str):
    """Push the outbox now; (this action's status, a fatal problem or None)."""
    import asyncio

    from workbench.store import outbox
    from workbench.store.db import connect
    from workbench.sync.push import push_to

    url = resolve_core(ctx, common["core_url"])
    if not url:
        raise click.UsageError("--push needs a core: pass --core URL or set WORKBENCH_CORE_URL")
    result = asyncio.run(push_to(path, url, token=load_token(common["token"]), due_only=False))
    for line in result.errors:
        click.echo(f"推送 / push: {safe_text(line)}", err=True)
    conn = connect(path)
    try:
        entry = outbox.get(conn, key)
    finally:
        conn.close()
    status = entry.status if entry else "pending"
    if result.unauthorized:
        return status, "令牌被拒绝 / token rejected: the action stays pending"
    if status == "parked":
        return status, f"核心拒绝 / the core refused the action: {safe_text(entry.last_error)}"
    return status, None


def safe_text(text: str | None) -> str:
    """A message from the core with long digit runs (phone, ID, card numbers) masked."""
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text or "")


@click.group(invoke_without_command=True)
@db_option
@json_option
@click.option(
    "--recent",
    default=20,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="How many recently confirmed actions to list.",
)
@click.pass_context
def outbox(ctx: click.Context, db_path: str | None, as_json: bool, recent: int) -> None:
    """List pending, parked and recently confirmed actions (no personal data)."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.store import outbox as store_outbox

    conn = open_existing(resolve_db(ctx, db_path))
    rows = [_row(e) for e in store_outbox.entries(conn, recent_confirmed=recent)]
    counts = store_outbox.counts(conn)
    if as_json:
        emit_json(
            {
                "counts": {
                    "pending": counts.pending,
                    "parked": counts.parked,
                    "confirmed": counts.confirmed,
                },
                "actions": rows,
            }
        )
        return
    click.echo(
        f"待确认 pending {counts.pending} · 需处理 parked {counts.parked} · "
        f"已确认 confirmed {counts.confirmed}"
    )
    for row in rows:
        error = f"  {row['last_error']}" if row["last_error"] else ""
        click.echo(
            f"{row['created_at']}  {row['status']:<9} {row['type']:<12} {row['borrower_id']:<10} "
            f"{row['record_id']}  tries {row['attempts']}{error}"
        )


def _row(entry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "type": entry.type,
        "borrower_id": entry.borrower_id,
        "record_id": entry.record_id,
        "status": entry.status,
        "attempts": entry.attempts,
        "last_error": safe_text(entry.last_error) or None,
        "created_at": entry.created_at,
        "confirmed_at": entry.confirmed_at,
        "core_seq": entry.core_seq,
    }


@outbox.command()
@click.argument("key")
@db_option
@click.pass_context
def retry(ctx: click.Context, key: str, db_path: str | None) -> None:
    """Send a parked action again at the next sync (same key, same body)."""
    from workbench.store import outbox as store_outbox
    from workbench.store.db import write_transaction

    conn = open_existing(resolve_db(ctx, db_path))
    with write_transaction(conn):
        done = store_outbox.retry_parked(conn, key)
    if not done:
        raise click.ClickException(f"没有这个已暂停的操作 / no parked action {key}")
    click.echo(f"已重新排队 / queued again: {key}")


@outbox.command()
@click.argument("key")
@db_option
@click.pass_context
def discard(ctx: click.Context, key: str, db_path: str | None) -> None:
    """Drop a parked action (its provisional record goes; the outbox row is kept)."""
    from workbench.store import outbox as store_outbox
    from workbench.store.db import write_transaction

    conn = open_existing(resolve_db(ctx, db_path))
    with write_transaction(conn):
        done = store_outbox.discard(conn, key)
    if not done:
        raise click.ClickException(f"没有这个已暂停的操作 / no parked action {key}")
    click.echo(f"已放弃 / discarded: {key}")


from workbench.cli import act_more  # noqa: E402, F401  (registers more `act` commands)
