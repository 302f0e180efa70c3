"""``workbench wallboard [--once] [--json]``: the supervisor's queue figures, headless.

With a configured core (``--core`` / ``WORKBENCH_CORE_URL``) it asks ``GET /v1/wallboard``
with the token (a token whose role is not supervisor is refused, with the core's reason);
otherwise it reads the embedded demo core in-process (the demo cache is built if needed).
``--json`` prints the core's snapshot as it is (``workbench.core.wallboard_routes``); the text
form prints one line per queue and the total. Without ``--once`` it prints again every
``--every`` seconds until interrupted.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import click

from workbench import config

MAX_ALERT_LINES = 20
COLUMNS = (
    ("queue_id", "队列 queue", 14),
    ("waiting", "等待", 5),
    ("longest_wait_s", "最长等待s", 9),
    ("offered", "呼入", 6),
    ("answered", "接听", 6),
    ("abandoned", "放弃", 6),
    ("service_level", "服务水平", 8),
    ("asa_s", "ASA s", 7),
    ("aht_s", "AHT s", 7),
    ("abandon_rate", "放弃率", 7),
    ("available", "空闲", 5),
    ("on_call", "通话", 5),
    ("after_call", "话后", 5),
)


def from_core(core_url: str, token: str | None) -> dict[str, Any]:
    """The snapshot of a configured core (ClickException with the core's reason on refusal)."""
    from workbench.sync.client import SyncError, make_client
    from workbench.sync.wallboard import fetch_wallboard

    async def go() -> dict[str, Any]:
        async with make_client(core_url, token=token) as client:
            return await fetch_wallboard(client)

    try:
        return asyncio.run(go())
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc


def from_demo() -> dict[str, Any]:
    """The snapshot of the embedded demo core, read in-process."""
    from workbench.cli.desk import demo_core_app, ensure_demo_cache

    app = demo_core_app(ensure_demo_cache(), call_rate=0)
    try:
        wall = app.state.wallboard
        return wall.snapshot(wall.center.clock())
    finally:
        app.state.store.close()


def cell(key: str, value: Any) -> str:
    """One figure as text: rates in %, seconds whole, nothing yet as —."""
    if value is None:
        return "—"
    if key in ("service_level", "abandon_rate"):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


def render(snapshot: dict[str, Any]) -> str:
    """The queue rows and the total as a text table."""
    lines = [" ".join(f"{title:>{width}}" for _, title, width in COLUMNS)]
    for row in [*snapshot["queues"], snapshot["total"]]:
        lines.append(" ".join(f"{cell(k, row.get(k)):>{w}}" for k, _, w in COLUMNS))
    alerts = snapshot.get("alerts") or []
    lines.append(f"告警 alerts: {len(alerts)}")
    for alert in alerts[:MAX_ALERT_LINES]:
        lines.append(f"  {alert['rule']} {alert['subject']} {alert['value']} / {alert['limit']}")
    if len(alerts) > MAX_ALERT_LINES:
        lines.append(f"  … +{len(alerts) - MAX_ALERT_LINES} (--json lists all)")
    return "\n".join(lines)


@click.command()
@click.option("--core", "core_url", help="Core URL (WORKBENCH_CORE_URL); omit for the demo.")
@click.option("--token", help="Bearer token (else WORKBENCH_TOKEN or the token file).")
@click.option("--once", is_flag=True, help="Print once and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot as JSON.")
@click.option("--every", default=2.0, show_default=True, help="Seconds between prints.")
def wallboard(
    core_url: str | None, token: str | None, once: bool, as_json: bool, every: float
) -> None:
    """队列看板 / the supervisor's queue figures (supervisor token for a configured core)."""
    from workbench.cli.read_cmds import emit_json
    from workbench.cli.sync_cmds import load_token

    core_url = core_url or config.default_core_url()
    secret = load_token(token) if core_url else None
    while True:
        snapshot = from_core(core_url, secret) if core_url else from_demo()
        if as_json:
            emit_json(snapshot)
        else:
            click.echo(render(snapshot))
        if once:
            return
        time.sleep(max(0.5, every))
