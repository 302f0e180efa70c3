"""The call bar: the agent's state, the call and its timers, on the desk and every borrower view.

One line above the sync status line. It shows the app's ``call_state`` (``ui.calls.DeskCalls``)
and ticks every second by the app's clock: time in the state, talk time, hold time, after-call
work time, the ringing caller's waiting time. The caller's number is always masked. A desk
without telephony (no sync that carries calls, no call event ever) hides the bar. The call
logic is imported after the first frame (``ui.call_bar_text``, ``ui.call_desk``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from workbench.ui.calls import DeskCalls

TICK_S = 1.0


class CallBar(Widget):
    """One line above the status line; hidden while the desk has no telephony."""

    DEFAULT_CSS = """
    CallBar {
        height: 1;
        padding: 0 2;
        background: $boost;
        display: none;
    }
    CallBar.-telephony { display: block; }
    CallBar.-ringing { background: $accent 30%; }
    CallBar.-after-call { background: $warning 15%; }
    """

    def on_mount(self) -> None:
        # After the first frame: the call logic is not on the start-up path.
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self.watch(self.app, "call_state", self._changed)
        self.set_interval(TICK_S, self._tick)
        self.app.refresh_bindings()

    def _tick(self) -> None:
        if self.has_class("-telephony"):
            self.refresh()

    def _changed(self, calls: DeskCalls) -> None:
        telephony = self.app.calls.has_telephony
        if telephony:
            self.app.calls.warm()
        self.set_class(telephony, "-telephony")
        self.set_class(calls.ringing, "-ringing")
        self.set_class(calls.in_wrap_up, "-after-call")
        self.refresh()

    def render(self) -> Content:
        if not self.has_class("-telephony"):
            return Content("")
        from workbench.ui.call_bar_text import bar_content, key_hints

        return bar_content(self.app, self.app.call_state, self.app.clock()) + key_hints(self.app)
