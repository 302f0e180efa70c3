"""``workbench core …``: run the reference core service, build its demo store, compact it."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from workbench import config
from workbench.config import data_dir
from workbench.core.demo import DEFAULT_AS_OF, DEFAULT_BORROWERS, DEFAULT_SEED


def default_store_path(borrowers: int, seed: int, as_of: date) -> Path:
    """``<data dir>/core-<N>-<S>.db`` (with ``-<as_of>`` when it is not the default date)."""
    suffix = "" if as_of == DEFAULT_AS_OF else f"-{as_of.isoformat()}"
    return data_dir() / f"core-{borrowers}-{seed}{suffix}.db"


def _portfolio_options(func):
    func = click.option(
        "--store",
        "store_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Store file (default: core-<N>-<S>.db in the data folder).",
    )(func)
    func = click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=DEFAULT_AS_OF.isoformat(),
        show_default=True,
        help="The portfolio's 'today'; fixed so the same seed gives the same data every day.",
    )(func)
    func = click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)(func)
    func = click.option(
        "--borrowers", type=click.IntRange(min=0), default=DEFAULT_BORROWERS, show_default=True
    )(func)
    return func


class _Progress:
    """Generation progress on stderr, at most once a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= 1 or done == total:
            self.last = now
            click.echo(f"generating borrowers: {done:,}/{total:,}", err=True)


@click.group()
def core() -> None:
    """The reference core service (the lender's side of the sync protocol)."""


@core.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML or JSON file mapping bearer tokens to {agent_id, role}; without it every "
    "caller is the demo agent A001.",
)
@click.option(
    "--call-rate",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Simulated incoming calls per minute over all queues (0: no calls).",
)
@click.option(
    "--patience",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Mean seconds a waiting caller holds on before abandoning.",
)
@click.option(
    "--colleagues",
    type=click.IntRange(min=0),
    default=None,
    help="Scripted agents taking calls besides the people at desks (default: all agents).",
)
@click.option(
    "--alerts",
    "alerts_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file of the wallboard's alert thresholds ([default], [queue.<id>], "
    "[department.<name>]: waiting_max, sl_min_calls, due_soon_min); built-in defaults without.",
)
@_portfolio_options
def serve(
    host: str,
    port: int,
    log_level: str,
    token_file: Path | None,
    call_rate: float,
    patience: float,
    colleagues: int | None,
    alerts_file: Path | None,
    borrowers: int,
    seed: int,
    as_of: datetime,
    store_path: Path | None,
) -> None:
    """Serve protocol v1 over HTTP with uvicorn, generating the demo portfolio on first run.

    With --call-rate R the simulated call centre puts about R calls a minute on the queues;
    desks (agent A001, or the agents of the token file) get offers when they are available.
    """
    from workbench.core.app import create_app
    from workbench.core.auth import TokenFileError, load_tokens
    from workbench.core.portfolio import PortfolioMismatch
    from workbench.core.server import serve as run_server

    tokens = None
    if token_file is not None:
        try:
            tokens = load_tokens(token_file)
        except TokenFileError as exc:
            raise click.ClickException(str(exc)) from None
    alerts = load_alert_rules(alerts_file) if alerts_file is not None else None
    day = as_of.date()
    path = store_path or default_store_path(borrowers, seed, day)
    try:
        app = create_app(
            path,
            borrowers=borrowers,
            seed=seed,
            as_of=day,
            progress=_Progress(),
            tokens=tokens,
            clock=config.now,
            acd=_acd_config(call_rate, patience, colleagues, seed, tokens),
            alerts=alerts,
        )
    except PortfolioMismatch as exc:
        raise click.ClickException(str(exc)) from None
    auth = f"{len(tokens)} token(s)" if tokens else "no tokens: every caller is agent A001"
    calls = f"; {call_rate:g} calls/min" if call_rate else ""
    click.echo(f"workbench core: http://{host}:{port}  (store {path}; {auth}{calls})")
    sys.stdout.flush()
    run_server(app, host, port, log_level=log_level)


def load_alert_rules(path: Path):
    """The ``--alerts`` file's thresholds; a bad file ends the command naming file and key."""
    from workbench.domain.alerts import AlertConfigError, parse_alert_rules

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read ({exc})") from None
    try:
        return parse_alert_rules(text, str(path))
    except AlertConfigError as exc:
        raise click.ClickException(f"alert thresholds: {exc}") from None


def _acd_config(call_rate: float, patience: float, colleagues: int | None, seed: int, tokens):
    """The call centre's settings: the token file's agents are people, not scripted."""
    from workbench.core.acd_model import AcdConfig

    humans = tuple(sorted({who.agent_id for who in tokens.values()})) if tokens else ("A001",)
    return AcdConfig(
        call_rate=call_rate,
        patience_s=patience,
        colleagues=colleagues,
        humans=humans,
        seed=seed,
    )


@core.command()
@click.option(
    "--store",
    "store_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The core's store file.",
)
@click.option(
    "--to",
    "horizon",
    type=click.IntRange(min=0),
    default=None,
    help="Raise the compaction horizon to this cursor (default: the head).",
)
@click.option(
    "--keep-days",
    type=click.IntRange(min=30),
    default=30,
    show_default=True,
    help="Forget idempotency keys older than this many days.",
)
def compact(store_path: Path, horizon: int | None, keep_days: int) -> None:
    """Drop old tombstones and idempotency keys; clients behind the horizon resync (410)."""
    from workbench.core.idempotency import purge
    from workbench.core.storage import CoreStore

    store = CoreStore.open(store_path)
    try:
        result = store.compact(horizon)
        result["keys_forgotten"] = purge(store, config.now(), keep_days)
        result["cursor"] = store.head()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(json.dumps({"store": str(store_path), **result}, indent=2))


@core.command()
@click.option(
    "--workers", type=click.IntRange(min=0), default=None, help="Generator processes (0: none)."
)
@_portfolio_options
def generate(
    workers: int | None, borrowers: int, seed: int, as_of: datetime, store_path: Path | None
) -> None:
    """Build the demo store and exit; prints counts and timing as JSON."""
    from workbench.core.portfolio import PortfolioMismatch, build_portfolio, open_portfolio

    day = as_of.date()
    path = store_path or default_store_path(borrowers, seed, day)
    if path.exists():
        try:
            store = open_portfolio(path, borrowers, seed, day)
        except PortfolioMismatch as exc:
            raise click.ClickException(str(exc)) from None
        result = {"store": str(path), "built": False, **store.stats()}
        store.close()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "built": True,
            **build_portfolio(path, borrowers, seed, day, progress=_Progress(), workers=workers),
        }
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _add_simulate() -> None:
    from workbench.cli.callback_cmds import simulate

    core.add_command(simulate)


_add_simulate()
