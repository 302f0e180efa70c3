"""More headless actions: ``act disposition``, ``act message``, ``act link``, and two that write
nothing: ``act payoff`` (a payoff quote from the cache) and ``act call --dry-run`` (the contact
gate: allowed, or the rule that blocks and when contact is allowed again).

They share ``act``'s options and its one write path (``act_cmds._run``): checked by the same
service the desk uses, written to the cache and the outbox in one transaction, pushed with
``--push``. Output never holds a full personal number.
"""

from __future__ import annotations

from datetime import date

import click

from workbench.cli.act_cmds import _run, act, push_options
from workbench.cli.read_cmds import (
    business_date,
    db_option,
    emit_json,
    json_option,
    open_existing,
    resolve_db,
)


@act.command()
@click.argument("borrower_id")
@click.argument("code")
@click.option("--notes", default="", help="Free text kept with the disposition.")
@click.option("--channel", default="call_in", type=click.Choice(["call_in", "call_out"]))
@click.option("--duration", "duration_s", default=0, type=click.IntRange(0, 86_400))
@click.option("--queue", "queue_id", help="The queue the call came through.")
@click.option("--call", "call_id", help="The ACD call id (lets the agent leave after-call work).")
@push_options
@click.pass_context
def disposition(
    ctx: click.Context,
    borrower_id: str,
    code: str,
    notes: str,
    channel: str,
    duration_s: int,
    queue_id: str | None,
    call_id: str | None,
    **common,
) -> None:
    """Record the disposition CODE of a call with BORROWER_ID."""
    from workbench.store.actions import record_disposition
    from workbench.store.call_actions import record_call_disposition

    def take(conn, agent):
        args = dict(agent_id=agent, notes=notes, channel=channel, duration_s=duration_s)
        if call_id:
            return record_call_disposition(
                conn, borrower_id, code, call_id=call_id, queue_id=queue_id, **args
            )
        return record_disposition(conn, borrower_id, code, queue_id=queue_id, **args)

    _run(ctx, common, take)


@act.command()
@click.argument("borrower_id")
@click.argument("template")
@click.argument("body")
@click.option("--channel", default="sms", type=click.Choice(["sms", "email"]))
@click.option("--to", "to", help="Number or e-mail address (default: the borrower's phone).")
@push_options
@click.pass_context
def message(
    ctx: click.Context,
    borrower_id: str,
    template: str,
    body: str,
    channel: str,
    to: str | None,
    **common,
) -> None:
    """Send BODY (made from TEMPLATE) to BORROWER_ID by SMS or e-mail, after the contact gate."""
    from workbench.store.actions import ValidationError, send_message
    from workbench.store.gate import contact_gate

    def take(conn, agent):
        number = to if channel == "sms" else None
        answer = contact_gate(conn, borrower_id, number=number, purpose="message", kind=channel)
        if not answer.decision.allowed:
            raise ValidationError("to", "form.blocked", _refusal(answer.decision))
        recipient = to or answer.number or ""
        return send_message(conn, borrower_id, channel, template, body, recipient, agent_id=agent)

    _run(ctx, common, take)


@act.command()
@click.argument("borrower_id")
@click.argument("number")
@click.option("--call", "call_id", help="The ACD call the caller proved themselves on.")
@push_options
@click.pass_context
def link(ctx: click.Context, borrower_id: str, number: str, call_id: str | None, **common) -> None:
    """Add NUMBER (digits) to BORROWER_ID's phones, through the core."""
    from workbench.store.call_actions import link_number

    _run(
        ctx,
        common,
        lambda conn, agent: link_number(conn, borrower_id, number, agent_id=agent, call_id=call_id),
    )


@act.command()
@click.argument("loan_id")
@click.option("--as-of", "as_of", help="Settlement date (YYYY-MM-DD; default today).")
@db_option
@json_option
@click.pass_context
def payoff(
    ctx: click.Context, loan_id: str, as_of: str | None, db_path: str | None, as_json: bool
) -> None:
    """The amount that settles LOAN_ID in full on a date (nothing is written)."""
    from workbench.domain.loans import payoff_quote
    from workbench.domain.money import format_fen
    from workbench.store import queries

    try:
        day = date.fromisoformat(as_of) if as_of else business_date()
    except ValueError as exc:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD: {as_of}") from exc
    if day < business_date():
        raise click.BadParameter("日期不能早于今天 / the date cannot be in the past")
    conn = open_existing(resolve_db(ctx, db_path))
    try:
        loan = queries.get_loan(conn, loan_id)
        schedule = queries.schedule(conn, loan_id) if loan else []
    finally:
        conn.close()
    if loan is None:
        raise click.ClickException(f"找不到贷款 / no loan {loan_id} in the cache")
    quote = payoff_quote(schedule, loan.annual_rate_bp, loan.late_fee_daily_bp, day)
    parts = {
        "outstanding_principal": quote.outstanding_principal,
        "overdue_interest": quote.overdue_interest,
        "accrued_interest": quote.accrued_interest,
        "late_fees": quote.late_fees,
        "total": quote.total,
    }
    if as_json:
        emit_json({"loan_id": loan_id, "as_of": day.isoformat(), **parts})
        return
    click.echo(f"结清金额 / payoff of {loan_id} on {day.isoformat()}:")
    for name, fen in parts.items():
        click.echo(f"  {name:<22} {format_fen(fen):>16}")


@act.command()
@click.argument("borrower_id")
@click.option("--number", help="Number to call (default: the borrower's first callable phone).")
@click.option(
    "--purpose",
    default="collection",
    show_default=True,
    type=click.Choice(["collection", "service", "callback", "legal"]),
)
@click.option("--dry-run", is_flag=True, help="Only check the contact gate (required today).")
@db_option
@json_option
@click.pass_context
def call(
    ctx: click.Context,
    borrower_id: str,
    number: str | None,
    purpose: str,
    dry_run: bool,
    db_path: str | None,
    as_json: bool,
) -> None:
    """May BORROWER_ID be called now? Exit 0 when allowed, 3 when the gate blocks.

    Calls themselves are placed from the desk (or the callback worklist) through the core's
    ACD; headless, only ``--dry-run`` exists."""
    from workbench.domain import pii
    from workbench.store.actions import ValidationError
    from workbench.store.gate import contact_gate

    if not dry_run:
        raise click.UsageError(
            "外呼请在工作台发起；此处仅支持 --dry-run / calls are placed from the desk: "
            "use --dry-run to check the contact gate"
        )
    conn = open_existing(resolve_db(ctx, db_path))
    try:
        answer = contact_gate(conn, borrower_id, number=number, purpose=purpose)
    except ValidationError as exc:
        raise click.ClickException(f"输入有误 / invalid {exc.field}: {exc.message}") from exc
    finally:
        conn.close()
    decision = answer.decision
    result = {
        "borrower_id": borrower_id,
        "number": pii.mask_phone(answer.number) if answer.number else None,
        "purpose": purpose,
        "at": answer.at.isoformat(),
        "allowed": decision.allowed,
        "rule": decision.rule,
        "allowed_from": decision.allowed_from.isoformat() if decision.allowed_from else None,
        "params": {k: str(v) for k, v in decision.reason_params.items()},
    }
    if as_json:
        emit_json(result)
    elif decision.allowed:
        click.echo(f"允许 / allowed: {borrower_id} {result['number'] or ''}")
    else:
        click.echo(f"禁止 / blocked: {_refusal(decision)}")
    if not decision.allowed:
        ctx.exit(3)


def _refusal(decision) -> str:
    """The blocking rule and when contact is allowed again, in both languages."""
    when = (
        f"允许时间 / allowed from {decision.allowed_from.strftime('%Y-%m-%d %H:%M %Z')}"
        if decision.allowed_from
        else "不会自动解除 / not by time alone"
    )
    return f"规则 / rule {decision.rule}; {when}"
