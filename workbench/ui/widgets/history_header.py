"""Column titles above the interaction history."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from workbench.ui.i18n import t
from workbench.ui.widgets.history_columns import COLUMNS, GAP, fit, notes_width


class HistoryHeader(Widget):
    """One line of column titles aligned with ``HistoryView`` rows."""

    def render(self) -> Content:
        gap = " " * GAP
        parts = [fit(t(f"history.col.{name}"), width) + gap for name, width in COLUMNS]
        parts.append(fit(t("history.col.notes"), notes_width(self.size.width - 1)))
        return Content(" " + "".join(parts))
