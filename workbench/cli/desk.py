"""``workbench`` with no subcommand: prepare a cache if needed, then open the agent desk.

With no core configured, the desk runs on the embedded demo: the reference core is started
in-process (``httpx.ASGITransport``, no port) over a demo portfolio under the user data folder,
synced into the demo cache once (with a progress bar), and every later run opens that cache
straight away.

Either way the desk keeps syncing in the background (``sync.runner.SyncRunner``): with the demo
through the in-process core (built in the sync's thread, so the first frame does not wait for
it), with a configured core over HTTP. Without a core (``--db`` only) the desk shows the cache.
The start time is logged to ``desk.log`` in the data folder ("started in N ms").
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from workbench import config
from workbench.sync.status import SyncStatus

if TYPE_CHECKING:
    import httpx

    from workbench.domain.calls import CallCommand
    from workbench.sync.calls import CallEventCallback
    from workbench.sync.runner import SyncRunner
    from workbench.sync.status import StatusCallback

DEMO_BORROWERS = 2000
DEMO_SEED = 7
DEMO_CORE_URL = "http://demo-core"  # never resolved: requests go to the in-process app
DEMO_PULL_INTERVAL = 10.0  # in-process pulls cost little; the demo core has no event stream
DEMO_CALL_RATE = 3.0  # calls a minute: an available desk is offered one within a minute or so
DEMO_COLLEAGUES = 1  # a scripted colleague, busy enough that most calls reach the desk
AGENT_ZONE = ZoneInfo("Asia/Shanghai")
LOG_FILE = "desk.log"


def run_desk(
    *,
    db_path: str | None,
    core_url: str | None,
    keymap: str | None = None,
    lang: str | None = None,
    theme: str | None = None,
    role: str | None = None,
) -> None:
    """Open the desk on ``db_path`` / ``core_url``, or on the embedded demo when neither is set;
    ``keymap``/``lang``/``theme`` override ``config.toml`` (see ``ui.desk_settings``); ``role``
    (else ``WORKBENCH_ROLE``) ``supervisor`` opens the supervisor view (the demo core then
    treats the desk as a supervisor)."""
    started = time.perf_counter()
    core_url = core_url or config.default_core_url()
    make_sync: Callable[[StatusCallback], SyncRunner] | None = None
    from workbench.ui.roles import resolve_role

    role = resolve_role(role)
    wallboard_feed = None
    me, token = None, None
    if db_path is None and core_url is None and not os.environ.get(config.ENV_DB):
        path = ensure_demo_cache()
        core = _once(partial(demo_core_app, path, role=role))
        make_sync = partial(demo_runner, path, build_core=core)
        wallboard_feed = partial(_feed, DEMO_CORE_URL, None, core)
    else:
        path = Path(db_path) if db_path else config.default_db_path()
        if core_url:
            from workbench.cli.sync_cmds import load_token

            token = load_token(None)
            me = identity_from_core(core_url, token)
            role = me.role if me is not None else "agent"  # the core decides, never the env
            if not path.exists():  # nothing to show yet: the first sync comes first
                _sync_once(path, core_url, token)
            make_sync = partial(core_runner, path, core_url, token)
            wallboard_feed = partial(_feed, core_url, token, None)
        elif not path.exists():
            raise click.ClickException(
                f"没有缓存文件 / no cache at {path}: run `workbench sync --core URL --db {path}`"
            )
    _log_to_file()
    from workbench.ui.app import WorkbenchApp

    app = WorkbenchApp(path, started_at=started, keymap=keymap, lang=lang, theme=theme, role=role)
    if me is not None:
        app.show_identity(me.agent_id, me.role)
    app.lock_settings = lock_secrets(app.lock_settings, path, token)
    app.wallboard_feed = wallboard_feed
    if make_sync is not None:
        on_call = getattr(app, "report_call_event", None)  # the desk's call handling, if built
        build = partial(make_sync, app.report_sync_status, on_call_event=on_call)
        app.sync = DeferredSync(build, on_call_event=on_call)
    app.run()


def identity_from_core(core_url: str, token: str | None):
    """``sync.identity.Me`` from the core's ``/v1/me``, or None (then the desk is an agent)
    when the core cannot say; an insecure URL is refused here, before anything else."""
    from workbench.sync.client import InsecureCore, SyncError, Unauthorized
    from workbench.sync.identity import who_am_i

    try:
        return who_am_i(core_url, token)
    except (InsecureCore, Unauthorized) as exc:
        raise click.ClickException(str(exc)) from exc
    except SyncError as exc:
        click.echo(
            f"无法确认角色，按坐席权限打开 / role unknown, opening as an agent: {exc}", err=True
        )
        return None


def lock_secrets(settings, path: Path, token: str | None):
    """The idle lock reopens with the token and with the cache key, when they exist."""
    from workbench.store.cipher import known_key

    return settings.with_secret(token).with_secret(known_key(path))


def _once(build: Callable[[], object]) -> Callable[[], object]:
    """``build()`` on the first call, the same object after (thread-safe)."""
    lock, made = threading.Lock(), []

    def get() -> object:
        with lock:
            if not made:
                made.append(build())
            return made[0]

    return get


def _feed(url: str, token: str | None, core: Callable[[], object] | None, on_update):
    """The supervisor view's feed (``sync.wallboard``): the core at ``url``, or in-process."""
    from workbench.sync.client import make_client
    from workbench.sync.wallboard import WallboardFeed

    def client():
        transport = lazy_core_transport(core) if core is not None else None
        return make_client(url, token=token, transport=transport)

    return WallboardFeed(client, on_update)


class DeferredSync:
    """A sync runner made by ``build()`` only when the desk starts it (in the desk's worker
    thread): the sync's imports and the demo core never delay the first frame."""

    def __init__(
        self, build: Callable[[], SyncRunner], *, on_call_event: CallEventCallback | None = None
    ) -> None:
        self._build = build
        self._on_call_event = on_call_event
        self._runner: SyncRunner | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def status(self) -> SyncStatus:
        """The runner's status (the initial one until it exists)."""
        runner = self._runner
        return runner.status if runner is not None else SyncStatus()

    def start(self) -> None:
        """Build the runner and start it (blocks for the imports: call it from a thread)."""
        with self._lock:
            if not self._stopped and self._runner is None:
                self._runner = self._build()
                self._runner.start()

    def poke(self) -> None:
        """Deliver new actions now."""
        if self._runner is not None:
            self._runner.poke()

    def control(self, cmd: CallCommand) -> None:
        """Send a call command (see ``SyncRunner.control``); before the start, an error event."""
        runner = self._runner
        if runner is not None:
            runner.control(cmd)
        elif self._on_call_event is not None:
            from workbench.domain.calls import CallEvent

            message = "同步尚未启动，无法操作呼叫 / the sync has not started yet: no call control"
            self._on_call_event(CallEvent("error", message=message))

    def stop(self) -> None:
        """Stop the runner (waits for a start under way)."""
        with self._lock:
            self._stopped = True
            if self._runner is not None:
                self._runner.stop()


def core_runner(
    path: Path,
    core_url: str,
    token: str | None,
    on_status: StatusCallback,
    *,
    on_call_event: CallEventCallback | None = None,
) -> SyncRunner:
    """The desk's background sync with a core over HTTP (live events, pull, push, calls)."""
    from workbench.sync.runner import SyncRunner

    return SyncRunner(path, core_url, token=token, on_status=on_status, on_call_event=on_call_event)


def demo_runner(
    path: Path,
    on_status: StatusCallback,
    *,
    on_call_event: CallEventCallback | None = None,
    build_core: Callable[[], object] | None = None,
) -> SyncRunner:
    """The desk's background sync with the embedded demo core, in-process.

    The core is built on the first request, in the sync's own thread; over ASGITransport there
    is no event stream, so the runner polls every :data:`DEMO_PULL_INTERVAL` seconds (and pulls
    at once after each action it delivers); call events come by long-poll."""
    from workbench.sync.runner import SyncRunner

    return SyncRunner(
        path,
        DEMO_CORE_URL,
        transport=lazy_core_transport(build_core or (lambda: demo_core_app(path))),
        events=False,
        pull_interval=DEMO_PULL_INTERVAL,
        on_status=on_status,
        on_call_event=on_call_event,
    )


def demo_core_app(cache: Path, *, call_rate: float = DEMO_CALL_RATE, role: str | None = None):
    """The embedded core over the demo cache's core store, with the parameters it was built
    with (read from the ready marker), its simulated call centre running at ``call_rate``
    calls a minute with :data:`DEMO_COLLEAGUES` scripted colleagues of the desk's agent."""
    from workbench.core.acd_model import AcdConfig
    from workbench.core.app import create_app
    from workbench.core.auth import Identity
    from workbench.core.security_routes import REVEAL_ROLES

    params = json.loads(demo_marker(cache).read_text(encoding="utf-8"))
    return create_app(
        demo_core_path(cache),
        borrowers=int(params["borrowers"]),
        seed=int(params["seed"]),
        as_of=date.fromisoformat(params["as_of"]),
        acd=AcdConfig(call_rate=call_rate, colleagues=DEMO_COLLEAGUES, seed=int(time.time())),
        **({"demo_identity": Identity("A001", role)} if role in REVEAL_ROLES else {}),
    )


def lazy_core_transport(build: Callable[[], object]) -> httpx.AsyncBaseTransport:
    """An in-process transport to the ASGI app ``build()`` makes on the first request."""
    import httpx

    class LazyASGITransport(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self._inner: httpx.ASGITransport | None = None

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if self._inner is None:
                self._inner = httpx.ASGITransport(app=build())
            return await self._inner.handle_async_request(request)

    return LazyASGITransport()


def _log_to_file() -> None:
    """Send the workbench's log (start time, sync trouble) to ``desk.log``, never the screen."""
    from workbench.domain.redact import RedactFilter

    folder = config.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())  # no personal number or token reaches the file
    (folder / LOG_FILE).chmod(0o600)
    for noisy in ("httpx", "httpcore"):  # request lines carry URLs: never below WARNING
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger = logging.getLogger("workbench")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


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


def _sync_once(path: Path, core_url: str, token: str | None = None) -> None:
    """Fill a new cache from a configured core before the desk opens (with a progress bar)."""
    from workbench.cli.sync_cmds import progress_bar
    from workbench.sync.client import SyncError
    from workbench.sync.pull import pull_from

    try:
        with progress_bar("同步 syncing") as progress:
            asyncio.run(pull_from(path, core_url, token=token, progress=progress))
    except SyncError as exc:
        if not path.exists():
            raise click.ClickException(f"同步失败 / sync failed: {exc}") from exc
        click.echo(f"同步失败，使用本地缓存 / sync failed, opening the cache: {exc}", err=True)
