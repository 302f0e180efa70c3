"""The status line: is the desk live, how fresh is the cache, and what is still on its way.

It shows the app's ``sync_status`` (``None`` when the desk runs without a sync: a fixed
"未连接 · 离线缓存", so headless pictures never change) and re-reads the age of the last sync
every :data:`AGE_REFRESH_S` seconds.
"""

from __future__ import annotations

import re

from textual.content import Content
from textual.widget import Widget

from workbench.sync.status import SyncState, SyncStatus
from workbench.ui.format import plain
from workbench.ui.i18n import t

AGE_REFRESH_S = 5.0
MUTED = "$text-muted"
_LONG_DIGITS = re.compile(r"\d{7,}")

STATE_LOOKS: dict[SyncState, tuple[str, str, str]] = {
    # state: (symbol, catalog key, style)
    SyncState.STARTING: ("◌", "sync.starting", "$text-muted"),
    SyncState.LIVE: ("●", "sync.live", "bold $success"),
    SyncState.RECONNECTING: ("◐", "sync.reconnecting", "bold $warning"),
    SyncState.OFFLINE: ("○", "sync.offline", "bold $error"),
    SyncState.UNAUTHORIZED: ("✕", "sync.unauthorized", "bold $error"),
    SyncState.STOPPED: ("■", "sync.stopped", "$text-muted"),
}


def age_text(seconds: float | None) -> str:
    """How long ago the last sync was, in words: 刚刚 / 2 分钟前 / 3 小时前 / 2 天前."""
    if seconds is None:
        return t("sync.never")
    if seconds < 60:
        return t("age.now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return t("age.minutes", n=minutes)
    if minutes < 24 * 60:
        return t("age.hours", n=minutes // 60)
    return t("age.days", n=minutes // (24 * 60))


def status_content(status: SyncStatus | None) -> Content:
    """The status line's text for ``status`` (``None``: the desk has no sync at all)."""
    if status is None:
        return Content.assemble(("○ ", MUTED), (t("sync.none"), MUTED))
    symbol, key, style = STATE_LOOKS.get(status.state, STATE_LOOKS[SyncState.STOPPED])
    parts: list[Content | str | tuple[str, str]] = [(f"{symbol} {t(key)}", style)]
    if status.state != SyncState.STARTING:
        age = status.age_seconds()
        synced = t("sync.never") if age is None else t("sync.synced", age=age_text(age))
        parts.append((f"  ·  {synced}", MUTED))
    parts.append(("  ·  ", MUTED))
    parts.append((t("sync.pending", n=status.pending), "bold" if status.pending else MUTED))
    if status.parked:
        parts.append("  ")
        parts.append((f" {t('sync.parked', n=status.parked)} ", "bold $text on $error"))
    return Content.assemble(*parts)


def problem_text(status: SyncStatus | None) -> Content | None:
    """The last problem, for the tooltip: made harmless, long digit runs (phone, ID, card)
    masked."""
    if status is None or not status.message:
        return None
    masked = _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], status.message)
    return Content(plain(masked, 300))


class SyncBar(Widget):
    """One line above the footer, on the desk and on every borrower view."""

    def on_mount(self) -> None:
        self.watch(self.app, "sync_status", self._status_changed)
        self.set_interval(AGE_REFRESH_S, self._tick)

    def _tick(self) -> None:
        if getattr(self.app, "sync_status", None) is not None:  # no sync: nothing ages
            self.refresh()

    def _status_changed(self, status: SyncStatus | None) -> None:
        self.set_class(status is not None and status.parked > 0, "-parked")
        self.tooltip = problem_text(status)
        self.refresh()

    def render(self) -> Content:
        return status_content(getattr(self.app, "sync_status", None))
