"""Reveals and their audit from the command line: ``show BORROWER --reveal --reason R`` and
``workbench audit reveals [--json] [--local]``.

The role comes from the core when one is configured (``--core`` / ``WORKBENCH_CORE_URL``,
``GET /v1/me`` with the token), else from ``--role`` / ``WORKBENCH_ROLE`` (the embedded demo).
An agent is refused; a supervisor or auditor gives a reason, and each revealed field becomes a
``reveal_audit`` action in the outbox (the local audit record), sent to the core at once when
one is configured (else by the next sync).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from workbench import config

REFUSED = (
    "坐席角色不能查看明文 / role {role} may not reveal full ID, phone or card numbers: "
    "ask a supervisor or an auditor"
)


@dataclass(frozen=True, slots=True)
class CliIdentity:
    """Who runs the command: agent, role, and whether the core said so."""

    agent_id: str
    role: str
    core_url: str | None = None
    token: str | None = None


def cli_identity(ctx: click.Context) -> CliIdentity:
    """The core's word on the token (configured core), else ``--role``/``WORKBENCH_ROLE``."""
    from workbench.ui.roles import resolve_role

    root = ctx.find_root().params
    core_url = root.get("core_url") or config.default_core_url()
    if not core_url:
        return CliIdentity(config.default_agent_id(), resolve_role(root.get("role")))
    from workbench.cli.sync_cmds import load_token
    from workbench.sync.client import SyncError
    from workbench.sync.identity import who_am_i

    token = load_token(None)
    try:
        me = who_am_i(core_url, token)
    except SyncError as exc:
        raise click.ClickException(f"无法确认角色 / cannot confirm the role: {exc}") from exc
    return CliIdentity(me.agent_id, me.role, core_url, token)


def reveal_view(
    ctx: click.Context, path: Path, conn, view, data: dict[str, Any], reason: str | None
) -> dict[str, Any]:
    """``data`` (masked, from ``view_as_data``) with the full numbers, after the role check and
    one audit action per revealed field; raises ``ClickException`` when refused."""
    from workbench.store.action_rules import ValidationError
    from workbench.store.actions import reveal_audit
    from workbench.ui.roles import may_reveal

    who = cli_identity(ctx)
    if not may_reveal(who.role):
        raise click.ClickException(REFUSED.format(role=who.role))
    if not reason or not reason.strip():
        raise click.ClickException("查看明文须说明原因 / a reveal needs --reason (it is audited)")
    targets = [("id_no", view.borrower.id), ("phone", view.borrower.id)]
    targets += [("debit_card", lv.loan.id) for lv in view.loans]
    try:
        for field, target in targets:
            reveal_audit(
                conn, view.borrower.id, field, reason.strip(), agent_id=who.agent_id,
                target_id=target,
            )  # fmt: skip
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from exc
    if who.core_url:
        _push_now(path, who)
    return unmask(view, data)


def unmask(view, data: dict[str, Any]) -> dict[str, Any]:
    """The view's data with the full ID number, phone numbers and debit cards."""
    data["borrower"]["id_no"] = view.borrower.id_no
    for shown, phone in zip(data["borrower"]["phones"], view.borrower.phones, strict=True):
        shown["number"] = phone.number
    for shown, lv in zip(data["loans"], view.loans, strict=True):
        shown["loan"]["debit_card"] = lv.loan.debit_card
    data["revealed"] = True
    return data


def print_cards(data: dict[str, Any]) -> None:
    """The revealed debit cards (the text view shows no cards otherwise)."""
    for lv in data["loans"]:
        click.echo(f"卡号 card {lv['loan']['contract_no']}: {lv['loan']['debit_card']}")


def _push_now(path: Path, who: CliIdentity) -> None:
    """Deliver the audit actions now; if the core cannot be reached they wait in the outbox."""
    from workbench.sync.client import SyncError
    from workbench.sync.push import push_to

    try:
        asyncio.run(push_to(path, who.core_url, token=who.token))
    except SyncError as exc:
        click.echo(f"审计记录待发送 / the audit waits in the outbox: {exc}", err=True)


@click.group()
def audit() -> None:
    """Audit records (auditors)."""


@audit.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Cache file (WORKBENCH_DB).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--local", is_flag=True, help="This cache's own reveal record, not the core's.")
@click.option("--agent", "agent_id", help="Only this agent's reveals (core).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.pass_context
def reveals(
    ctx: click.Context,
    db_path: str | None,
    as_json: bool,
    local: bool,
    agent_id: str | None,
    limit: int,
) -> None:
    """Who revealed which borrower's ID, phone or card number, when and why (auditors only).

    From the core when one is configured (its audit table), else this cache's own record."""
    who = cli_identity(ctx)
    if who.role != "auditor":
        raise click.ClickException(
            f"查看明文审计记录仅限审计角色 / only an auditor may list reveals (role {who.role})"
        )
    if who.core_url and not local:
        found = _core_reveals(who, limit, agent_id)
    else:
        from workbench.cli.read_cmds import open_existing, resolve_db
        from workbench.store.reveal_log import local_reveals

        found = local_reveals(open_existing(resolve_db(ctx, db_path)), limit=limit)
    if as_json:
        from workbench.cli.read_cmds import emit_json

        emit_json(found)
        return
    for r in found:
        status = f"  [{r['status']}]" if "status" in r else ""
        click.echo(
            f"{r['created_at']}  {r['agent_id']}  {r['borrower_id']}  {r['field']}"
            f"({r['target_id']})  {_one_line(r['reason'])}{status}"
        )
    click.echo(f"共 {len(found)} 条 / {len(found)} reveals", err=True)


def _core_reveals(who: CliIdentity, limit: int, agent_id: str | None) -> list[dict[str, Any]]:
    from workbench.sync.client import SyncError, make_client
    from workbench.sync.identity import fetch_reveals

    async def go() -> list[dict[str, Any]]:
        async with make_client(who.core_url, token=who.token) as client:
            return await fetch_reveals(client, limit=limit, agent_id=agent_id)

    try:
        return asyncio.run(go())
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc


def _one_line(text: str | None) -> str:
    """A reason as one harmless line (no control characters from anyone's input)."""
    return "".join(ch if ch.isprintable() else " " for ch in (text or ""))[:200]
