"""``workbench callbacks`` (the worklist and its figures, from the cache) and
``workbench core simulate`` (a day of the reference core on an accelerated clock).

``workbench callbacks --json`` prints::

    {"as_of", "agent_id",
     "worklist": [{"id", "borrower_id", "borrower_name", "number" (masked), "reason",
                   "priority", "attempts", "status", "due_at", "overdue", "due_soon", "ready",
                   "claimed_by", "mine", "gate": {"allowed", "rule", "allowed_from", "params"},
                   "last_outcome", "satisfaction"}],
     "figures": {"total": {...}, "queues": {queue_id: {...}}}}

Figures from a cache are over the abandoned calls the cache knows through callbacks (see
``domain.callback_figures``); the core's own figures are at ``GET /v1/callbacks/figures``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from workbench import config
from workbench.cli.read_cmds import db_option, emit_json, json_option, open_existing, resolve_db


def row_json(row) -> dict[str, Any]:
    """One worklist row as JSON (the number masked)."""
    gate = row.gate
    return {
        "id": row.id,
        "borrower_id": row.callback.borrower_id,
        "borrower_name": row.borrower_name,
        "number": row.number_masked,
        "reason": row.reason,
        "priority": row.priority,
        "attempts": row.attempts,
        "status": row.status,
        "due_at": row.due_at,
        "overdue": row.overdue,
        "due_soon": row.due_soon,
        "ready": row.ready,
        "claimed_by": row.claimed_by,
        "mine": row.mine,
        "queue_id": row.callback.queue_id,
        "gate": {
            "allowed": gate.allowed,
            "rule": gate.rule,
            "allowed_from": gate.allowed_from.isoformat() if gate.allowed_from else None,
            "params": {k: str(v) for k, v in gate.reason_params.items()},
        },
        "last_outcome": row.callback.last_outcome,
        "satisfaction": row.callback.satisfaction,
    }


@click.command()
@db_option
@json_option
@click.option("--agent", "agent_id", default="A001", show_default=True, help="Whose worklist.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 5000))
@click.pass_context
def callbacks(
    ctx: click.Context, db_path: str | None, as_json: bool, agent_id: str, limit: int
) -> None:
    """The callback worklist (priority, then due) and the callback figures, from the cache."""
    from workbench.domain.callback_figures import callback_figures
    from workbench.store.callbacks import all_callbacks, callback_worklist

    conn = open_existing(resolve_db(ctx, db_path))
    now = config.now()
    rows = callback_worklist(conn, agent_id, now, limit=limit)
    figures = callback_figures(all_callbacks(conn), now)
    total = figures.pop("*")
    body = {
        "as_of": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "agent_id": agent_id,
        "worklist": [row_json(r) for r in rows],
        "figures": {
            "total": total.as_dict(),
            "queues": {q: f.as_dict() for q, f in figures.items()},
        },
    }
    if as_json:
        emit_json(body)
        return
    _print(body)


def _print(body: dict[str, Any]) -> None:
    total = body["figures"]["total"]
    coverage = total["coverage"]
    median = total["median_abandon_to_first_attempt_s"]
    click.echo(
        f"回呼 callbacks: 待处理 open {total['open']}  逾期 overdue {total['overdue']}  "
        f"覆盖率 coverage {'—' if coverage is None else f'{coverage:.0%}'}  "
        f"放弃→首呼 abandon→attempt {'—' if median is None else f'{median:.0f} s'}"
    )
    for row in body["worklist"]:
        flag = "逾期" if row["overdue"] else ("将到期" if row["due_soon"] else "")
        gate = "" if row["gate"]["allowed"] else f"拦截 {row['gate']['rule']}"
        held = f"认领 {row['claimed_by']}" if row["claimed_by"] else ""
        line = (
            f"P{row['priority']} {row['due_at']} {row['reason']:<14} {row['borrower_id']} "
            f"{row['borrower_name']} {row['number']} 尝试{row['attempts']} {flag} {gate} {held}"
        )
        click.echo(line.rstrip())


@click.command()
@click.option("--hours", type=click.FloatRange(0.01, 24 * 7), default=8.0, show_default=True)
@click.option("--agents", type=click.IntRange(1, 500), default=6, show_default=True)
@click.option("--call-rate", type=click.FloatRange(0, 600), default=2.0, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--borrowers", type=click.IntRange(10, 100_000), default=300, show_default=True)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M"]),
    default="2026-11-27T09:00",
    show_default=True,
    help="Start, Beijing time.",
)
@json_option
def simulate(
    hours: float,
    agents: int,
    call_rate: float,
    seed: int,
    borrowers: int,
    start: datetime,
    as_json: bool,
) -> None:
    """A day of the call centre on an accelerated clock: calls, callbacks and their figures."""
    from workbench.core.simulate import SimConfig, simulate_day

    cfg = SimConfig(
        hours=hours,
        agents=agents,
        call_rate=call_rate,
        seed=seed,
        borrowers=borrowers,
        day=start.date(),
        start_local=start.time(),
    )
    figures = simulate_day(cfg)
    if as_json:
        emit_json(figures)
        return
    figures.pop("callbacks", None)
    checks = figures.pop("checks")
    figures.pop("config")
    for name, value in {**figures, **checks}.items():
        click.echo(f"{name:<36} {'—' if value is None else value}")
