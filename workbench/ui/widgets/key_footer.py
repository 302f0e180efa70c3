"""The key footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's ``Footer``, drawn the same, but not rebuilt for nothing.

    The stock footer mounts a fresh widget for every key each time the screen's bindings are
    refreshed (every focus move, every ``refresh_bindings``), which is most of the cost of
    opening a borrower; this one rebuilds only when the shown keys, their descriptions or
    their enabled state differ from what it shows.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Any, ...] | None = None
        self._pending = False

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._pending:  # one rebuild at most per frame, however many changes
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if self.is_attached and self._keys(self.screen) != self._shown:
            await self.recompose()

    @staticmethod
    def _keys(screen: Screen) -> tuple[Any, ...]:
        return tuple(
            (binding.key, binding.key_display, binding.description, binding.action, on, tip)
            for (_, binding, on, tip) in screen.active_bindings.values()
            if binding.show
        )
