"""The full record of the interaction under the history cursor (notes wrapped, not cut)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from workbench.domain.models import Interaction
from workbench.ui.format import safe_block
from workbench.ui.i18n import t
from workbench.ui.widgets.history_columns import cells

MUTED = "$text-muted"
MARK_STYLES = {"pending": "bold $warning", "parked": "bold $error"}


class HistoryDetail(Static):
    """Position in the history, the interaction's facts, then its notes."""

    def show(
        self, index: int, total: int, item: Interaction | None, mark: str | None = None
    ) -> None:
        """Describe interaction ``index`` of ``total`` (``item`` None while it loads); ``mark``
        says whether the core has yet to confirm it."""
        if not total:
            self.update(Content(t("history.empty")), layout=False)
            return
        position = t("history.position", index=f"{index + 1:,}", total=f"{total:,}")
        if item is None:
            loading = Content.assemble((position, MUTED), "  ", t("history.loading"))
            self.update(loading, layout=False)
            return
        text = cells(item)
        facts = "  ".join(
            value
            for value in (
                text["time"],
                text["channel"],
                text["agent"],
                text["duration"],
                text["disposition"],
                text["outcome"],
            )
            if value
        )
        parts: list[Content | str | tuple[str, str]] = [(position, MUTED), "  ", (facts, "bold")]
        if mark is not None:
            parts += ["  ", (t(f"mark.{mark}_detail"), MARK_STYLES.get(mark, "bold"))]
        # Its height is fixed by the stylesheet: new text never needs the screen laid out.
        self.update(Content.assemble(*parts, "\n", safe_block(item.notes)), layout=False)
