"""The idle lock: after ``lock_after_min`` minutes without a key or a click the desk covers
everything with :class:`LockScreen` (nothing of the borrower stays on screen) until the token,
the PIN or the cache key is typed (``ui.lock_settings``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from workbench.ui.i18n import security as _catalog
from workbench.ui.i18n import t
from workbench.ui.lock_settings import LockSettings

_catalog.install()
CHECK_EVERY_S = 1.0
ACTIVITY = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class LockScreen(Screen[None]):
    """An opaque screen over the desk; closes only when the settings accept what is typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "nothing", show=False, priority=True)
    ]
    DEFAULT_CSS = """
    LockScreen { align: center middle; background: $background; }
    LockScreen > Vertical { width: 60; height: auto; border: heavy $accent; padding: 1 2; }
    LockScreen #lock-title { text-style: bold; }
    LockScreen #lock-error { color: $error; }
    """

    def __init__(self, settings: LockSettings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        ask = t("lock.ask_secret") if self.settings.needs_secret else t("lock.ask_enter")
        with Vertical():
            yield Static(t("lock.title"), id="lock-title", markup=False)
            yield Static(t("lock.why"), markup=False)
            yield Static(ask, id="lock-ask", markup=False)
            yield Input(password=True, placeholder=t("lock.placeholder"), id="lock-secret")
            yield Static("", id="lock-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_nothing(self) -> None:
        """Escape does not leave the lock."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed, event.input.value = event.value, ""
        if self.settings.opens(typed):
            self.dismiss(None)
        else:
            self.query_one("#lock-error", Static).update(t("lock.wrong"))


class IdleLock:
    """Watches activity on ``app`` and pushes a :class:`LockScreen` once idle too long."""

    def __init__(self, settings: LockSettings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.clock = clock
        self.last_activity = clock()
        self.locked = False
        self.held: list[tuple[str, dict]] = []  # toasts that came while locked
        self._app: App | None = None

    def start(self, app: App) -> None:
        """Check every second (or sooner for short test timeouts) while ``app`` runs."""
        if self.settings.after_s > 0:
            app.set_interval(min(CHECK_EVERY_S, self.settings.after_s / 4), lambda: self.check(app))

    def touch(self, event: events.Event) -> None:
        """Note activity (keys, clicks, scrolls); typing on the lock itself does not count."""
        if isinstance(event, ACTIVITY):
            self.last_activity = self.clock()

    def check(self, app: App) -> None:
        """Lock now when idle for ``after_s`` seconds."""
        if self.locked or self.settings.after_s <= 0:
            return
        if self.clock() - self.last_activity >= self.settings.after_s:
            self.lock(app)

    def lock(self, app: App) -> None:
        """Cover the desk at once (any open modal stays below the lock)."""
        self.locked, self._app = True, app
        app.push_screen(LockScreen(self.settings), callback=self._unlocked)

    def _unlocked(self, _: None) -> None:
        self.locked = False
        self.last_activity = self.clock()
        held, self.held = self.held, []
        for message, options in held:
            self._app.notify(message, **options)
        calls = getattr(self._app, "_calls", None)
        if calls is not None:  # a call that rang while locked gets its pop now
            calls.after_unlock()
