"""The agent desk application."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from workbench import config
from workbench.sync.status import SyncState, SyncStatus
from workbench.ui import desk_settings
from workbench.ui.bindings import localize_bindings
from workbench.ui.call_keys import CALL_BINDINGS
from workbench.ui.callback_keys import CALLBACK_BINDINGS
from workbench.ui.format import DISPLAY_TZ, plain
from workbench.ui.i18n import set_language, t
from workbench.ui.idle_gc import IdleCollector
from workbench.ui.lock_settings import read_lock_settings
from workbench.ui.roles import resolve_role

if TYPE_CHECKING:  # the call logic is imported after the first frame
    from workbench.domain.calls import CallCommand, CallEvent
    from workbench.ui.call_desk import CallDesk
    from workbench.ui.callback_desk import CallbackDesk
    from workbench.ui.calls import DeskCalls
    from workbench.ui.idle_lock import IdleLock

log = logging.getLogger("workbench.desk")
log.addHandler(logging.NullHandler())  # nothing reaches the terminal unless a log is set up

SYNC_POLL_S = 1.0


def _action_commands() -> type:
    from workbench.ui.palette import ActionCommands  # the palette loads when first opened

    return ActionCommands


def _borrower_commands() -> type:
    from workbench.ui.palette import BorrowerCommands

    return BorrowerCommands


class SyncService(Protocol):
    """What the desk needs of a background sync (``workbench.sync.runner.SyncRunner``).

    ``start``/``poke``/``stop`` must return at once or nearly (the desk calls ``start`` and
    ``stop`` from a thread, ``poke`` from the UI thread); ``status`` is read from the UI thread.
    """

    @property
    def status(self) -> SyncStatus: ...

    def start(self) -> None: ...

    def poke(self) -> None: ...

    def stop(self) -> None: ...


class WorkbenchApp(App[None]):
    """The agent desk over the cache at ``db_path``.

    ``clock`` gives "now" (an aware datetime): the view's as-of date and payoff quotes follow it,
    so tests and training drills can fix it. ``lang`` is ``"zh"`` (default) or ``"en"``;
    ``None`` reads ``WORKBENCH_LANG``.

    ``sync`` (optional) keeps the cache in step in the background: started when the app mounts,
    stopped when it exits. Wire its status callback to :meth:`report_sync_status` (safe from
    any thread); the status is also polled every second, so any object with ``status`` works.
    ``agent_id`` is who acts (default ``WORKBENCH_AGENT``, else the demo agent);
    ``role`` what they may do (default ``WORKBENCH_ROLE``, else ``agent``: see ``ui.roles``);
    ``started_at`` (``time.perf_counter()`` when the launcher began) is logged as the start time.
    """

    sync_status: reactive[SyncStatus | None] = reactive(None, init=False)
    """The sync's latest status; ``None`` when the desk runs without a sync."""

    call_state: reactive[DeskCalls] = reactive(lambda: _no_calls(), init=False)
    """This agent's telephony: state, call, after-call work (``ui.call_desk`` keeps it)."""

    class CallEventReceived(Message):
        """The sync reported a call or agent event (posted from its thread)."""

        def __init__(self, event: CallEvent) -> None:
            super().__init__()
            self.event = event

    class SyncStatusChanged(Message):
        """The sync reported a new status (posted from its thread)."""

        def __init__(self, status: SyncStatus) -> None:
            super().__init__()
            self.status = status

    CSS_PATH: ClassVar[list[str | Path]] = [  # absolute: subclasses live elsewhere
        Path(__file__).with_name("workbench.tcss"),
        Path(__file__).with_name("high_contrast.tcss"),
    ]
    # The palette lists our own commands (ui.palette), in the desk's language.
    COMMANDS: ClassVar[set] = {_action_commands, _borrower_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "key.quit", priority=True, id="app.quit"),
        Binding("f1,question_mark", "help", "key.help", show=False, id="app.help"),
        Binding(  # the footer shows it on the right, where Textual puts the palette's key
            "ctrl+p", "command_palette", "key.palette", show=False, priority=True, id="app.palette"
        ),
        *CALL_BINDINGS,
        Binding("f10", "supervisor", "key.supervisor", show=False, id="supervisor.open"),
        *CALLBACK_BINDINGS,
    ]

    def __init__(
        self,
        db_path: Path | str,
        *,
        clock: Callable[[], datetime] = config.now,
        lang: str | None = None,
        sync: SyncService | None = None,
        agent_id: str | None = None,
        started_at: float | None = None,
        role: str | None = None,
        keymap: str | None = None,
        theme: str | None = None,
    ) -> None:
        settings = desk_settings.read_settings(lang, keymap, theme)
        self.language = set_language(settings.lang)
        super().__init__()
        localize_bindings(self)
        self.keymap_checked = False
        self.keymap = desk_settings.apply_settings(self, settings)
        self._settings_problems = settings.problems
        self.db_path = Path(db_path)
        self.clock = clock
        self.sync = sync
        self.agent_id = agent_id or config.default_agent_id()
        self.role = resolve_role(role)
        self._calls: CallDesk | None = None
        self._callbacks: CallbackDesk | None = None
        self.wallboard_feed: Callable[..., Any] | None = None
        """Makes the supervisor view's feed: ``wallboard_feed(on_update)`` → object with
        ``start()``/``stop(timeout)`` (``sync.wallboard.WallboardFeed``); set by the launcher."""
        self.started_at = started_at
        self.title = t("app.title")
        self.sub_title = t("app.as_of", date=self.as_of().isoformat())
        self.lock_settings, lock_problems = read_lock_settings()
        self._settings_problems += [t("settings.problem", detail=p) for p in lock_problems]
        self.idle_lock: IdleLock | None = None
        """The idle lock (``ui.idle_lock``), started on mount from ``lock_settings``; the
        launcher adds the token / cache key as secrets that reopen it."""
        self.idle_collector = IdleCollector()
        """Full passes of the cyclic collector while the agent is idle (``ui.idle_gc``)."""

    def show_identity(self, agent_id: str, role: str) -> None:
        """The agent and role the core gave the token: they replace the local ones and show."""
        from workbench.ui.i18n.security import install

        install()  # the identity line's catalog entries
        self.agent_id, self.role = agent_id, resolve_role(role)
        identity = t("identity.line", agent=agent_id, role=t(f"role.{self.role}"))
        self.sub_title = f"{t('app.as_of', date=self.as_of().isoformat())} · {identity}"

    async def on_event(self, event: events.Event) -> None:
        if self.idle_lock is not None:
            self.idle_lock.touch(event)
        self.idle_collector.touch(event)
        await super().on_event(event)

    def _fatal_error(self) -> None:
        """A crash: Textual's report without locals and with personal numbers masked."""
        from rich.segment import Segments

        from workbench.ui.crash import safe_crash_report

        self.bell()
        report = safe_crash_report()
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    def notify(self, message: str, **options: Any) -> None:
        """A toast; while the desk is locked it is held and shown after the unlock."""
        if self.idle_lock is not None and self.idle_lock.locked:
            self.idle_lock.held.append((message, options))
            return
        super().notify(message, **options)

    def _start_idle_lock(self) -> None:
        from workbench.ui.idle_lock import IdleLock

        self.idle_lock = IdleLock(self.lock_settings)
        self.idle_lock.start(self)

    # -- keys, help, palette, theme (issue 8) -------------------------------------------------

    def watch_theme(self, theme: str) -> None:
        desk_settings.watch_theme(self, theme)

    def action_help(self) -> None:
        """Show the keys of the current screen (F1 or ``?`` again closes it)."""
        from workbench.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        """Find an action of this screen or a borrower by name (Ctrl+P)."""
        from workbench.ui.palette import DeskPalette

        if not DeskPalette.is_open(self):
            self.push_screen(DeskPalette())

    # -- supervisor view (issue 7) ----------------------------------------------------------

    def action_supervisor(self) -> None:
        """Open the supervisor view (F10); an agent is told it is for supervisors."""
        from workbench.ui.screens.supervisor import SupervisorScreen

        if self.role != "supervisor":
            message = t("supervisor.refused_role", role=self.role)
            self.notify(message, severity="warning", markup=False)
            return
        if not isinstance(self.screen, SupervisorScreen):
            self.push_screen(SupervisorScreen())

    # -- background sync --------------------------------------------------------------------

    def on_mount(self) -> None:
        self._start_idle_lock()
        self.idle_collector.start(self)
        desk_settings.report_problems(self, self._settings_problems)
        desk_settings.check_keymap_later(self, self.keymap)
        if self.role == "supervisor":
            self.call_later(self.action_supervisor)
        if self.sync is not None:
            self.run_worker(self.sync.start, thread=True, group="sync-control", exit_on_error=False)
            self.set_interval(SYNC_POLL_S, self._poll_sync)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "sync-control" and event.state == WorkerState.ERROR:
            # The desk goes on from the cache; the agent is told, never shown a traceback.
            detail = plain(str(event.worker.error), 200)
            log.error("background sync did not start: %s", detail)
            self.sync = None  # nothing to poll, poke or stop
            self.sync_status = SyncStatus(SyncState.STOPPED, message=detail)
            self.notify(t("sync.failed", detail=detail), severity="error", markup=False)

    def on_ready(self) -> None:
        if self.started_at is not None:
            elapsed_ms = (time.perf_counter() - self.started_at) * 1000
            log.info("started in %.0f ms", elapsed_ms)
            self.log.info(f"started in {elapsed_ms:.0f} ms")

    async def on_unmount(self) -> None:
        if self.sync is not None:
            # A thread: stopping waits for the sync's thread, never on the UI's loop.
            await asyncio.to_thread(self.sync.stop)

    def report_sync_status(self, status: SyncStatus) -> None:
        """The sync's status callback: safe from any thread, never blocks it."""
        self.post_message(self.SyncStatusChanged(status))

    def on_workbench_app_sync_status_changed(self, message: SyncStatusChanged) -> None:
        # The latest snapshot, not the message's: messages may be read after a newer poll.
        self.sync_status = self.sync.status if self.sync is not None else message.status

    # -- telephony (issue 5) ------------------------------------------------------------------

    @property
    def calls(self) -> CallDesk:
        """The desk's call handling (``ui.call_desk``), made on first use."""
        if self._calls is None:
            from workbench.ui.call_desk import CallDesk

            self._calls = CallDesk(self)
        return self._calls

    def report_call_event(self, event: CallEvent) -> None:
        """The sync's call-event callback: safe from any thread, never blocks it."""
        self.post_message(self.CallEventReceived(event))

    def on_workbench_app_call_event_received(self, message: CallEventReceived) -> None:
        callbacks = self._callbacks
        if callbacks is not None and callbacks.consumes(message.event):
            return  # a refusal of a claim or dial: the callback desk said it
        self.calls.handle(message.event)
        if callbacks is not None:
            callbacks.follow(message.event)

    # -- callback worklist (issue 6) ------------------------------------------------------------

    @property
    def callbacks(self) -> CallbackDesk:
        """The desk's callback work (``ui.callback_desk``), made on first use."""
        if self._callbacks is None:
            from workbench.ui.callback_desk import CallbackDesk

            self._callbacks = CallbackDesk(self)
        return self._callbacks

    def action_callback_list(self) -> None:
        """Open the callback worklist (F11)."""
        from workbench.ui.screens.worklist import WorklistScreen

        _ = self.callbacks  # from now on callback events refresh the list
        if not isinstance(self.screen, WorklistScreen):
            self.push_screen(WorklistScreen())

    def action_callback_next(self) -> None:
        """Work the next callback: gate, claim, the borrower's view, the outbound call (F12)."""
        self.calls.warm()
        self.callbacks.next()

    def call_control(self, cmd: CallCommand) -> None:
        """Ask the sync to carry out ``cmd`` (returns at once; the outcome comes back as an
        event). Without a sync that carries calls the agent is told so."""
        control = getattr(self.sync, "control", None)
        if not callable(control):
            self.notify(t("call.no_telephony"), severity="warning", markup=False)
            return
        control(cmd)

    def action_call(self, verb: str) -> None:
        """A call key (answer, hold, end, available, break, link, wrapup, reject)."""
        if self.calls.can(verb):
            self.calls.command(verb)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.idle_lock is not None and self.idle_lock.locked and action != "quit":
            return False  # while locked no key opens anything over the lock
        if action == "call":  # no call keys until the call bar has started the call desk
            return (
                self._calls is not None and bool(parameters) and self._calls.can(str(parameters[0]))
            )
        return True

    def _poll_sync(self) -> None:
        if self.sync is not None:
            self.sync_status = self.sync.status

    def watch_sync_status(self, old: SyncStatus | None, new: SyncStatus | None) -> None:
        if new is None:
            return
        before = old or SyncStatus()
        moved = new.applied_total != before.applied_total
        outbox_moved = (new.pending, new.parked, new.confirmed) != (
            before.pending,
            before.parked,
            before.confirmed,
        )
        if moved or outbox_moved:
            self.cache_changed(feed=moved)

    def cache_changed(self, *, feed: bool = True) -> None:
        """The cache changed under the open screens: each re-reads what it shows.

        ``feed`` is True when records came from the core, False when only the outbox moved
        (an action was confirmed or parked)."""
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_from_cache", None)
            if refresh is not None:
                refresh(feed=feed)

    def push_now(self) -> None:
        """An action was written: ask the sync to deliver it now (returns at once)."""
        if self.sync is not None:
            self.sync.poke()

    def as_of(self) -> date:
        """Today in the agent's zone, by ``clock``: the date quotes and DPD are computed for."""
        return self.clock().astimezone(DISPLAY_TZ).date()

    def get_default_screen(self) -> Screen:
        from workbench.ui.screens.desk import DeskScreen

        return DeskScreen()

    def open_borrower(self, borrower_id: str) -> None:
        """Open the unified view of ``borrower_id`` on top of the desk."""
        from workbench.ui.screens.borrower import BorrowerScreen

        self.push_screen(BorrowerScreen.for_borrower(self, borrower_id, self.as_of()))

    def back_to_search(self) -> None:
        """Close any borrower view and put the cursor in the search box, its text selected so
        the next caller's details replace it."""
        from workbench.ui.screens.desk import DeskScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        desk = self.screen
        if isinstance(desk, DeskScreen):
            desk.action_focus_search()
            desk.query_one("#search", Input).select_all()


def _no_calls() -> DeskCalls:
    from workbench.ui.calls import DeskCalls

    return DeskCalls()
