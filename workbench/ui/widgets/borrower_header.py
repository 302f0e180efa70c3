"""The top of the unified view: who the borrower is and how worried to be, at a glance."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from workbench.domain.pii import mask_id_no
from workbench.store.queries import BorrowerView
from workbench.ui.format import age_on, bucket_class, dpd_text, label, safe
from workbench.ui.i18n import t
from workbench.ui.widgets.badge import Badge


class BorrowerHeader(Horizontal):
    """Name, masked ID number, flags as badges and the worst DPD bucket as a coloured badge."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        borrower = self.view.borrower
        yield Label(safe(borrower.name, 32), id="borrower-name")
        yield Label(safe(mask_id_no(borrower.id_no)), id="borrower-id-no")
        yield Label(safe(self._summary()), id="borrower-summary")
        for flag in borrower.flags:
            yield Badge(label("flag", flag), classes=f"flag flag-{_css_name(flag)}")
        yield Label(id="header-spacer")
        worst = max((loan.dpd for loan in self.view.loans), default=0)
        bucket = self.view.worst_bucket
        yield Badge(dpd_text(worst, bucket), classes=f"dpd {bucket_class(bucket)}")

    async def show(self, view: BorrowerView) -> None:
        """Show another borrower (or a newer reading): the text changes in place when the
        flags are the same, else the header is rebuilt."""
        old, self.view = self.view, view
        if old.borrower.flags != view.borrower.flags:
            await self.recompose()
            return
        borrower = view.borrower
        self.query_one("#borrower-name", Label).update(safe(borrower.name, 32))
        self.query_one("#borrower-id-no", Label).update(safe(mask_id_no(borrower.id_no)))
        self.query_one("#borrower-summary", Label).update(safe(self._summary()))
        worst = max((loan.dpd for loan in view.loans), default=0)
        badge = self.query_one(".dpd", Badge)
        badge.update(safe(dpd_text(worst, view.worst_bucket)))
        badge.set_classes(f"badge dpd {bucket_class(view.worst_bucket)}")

    def _summary(self) -> str:
        borrower = self.view.borrower
        parts = [label("gender", borrower.gender)]
        age = age_on(borrower.birth_date, self.view.as_of)
        if age is not None:
            parts.append(t("profile.age_value", age=age))
        parts.append(borrower.address.city)
        return " · ".join(parts)


def _css_name(code: str) -> str:
    """A code from the core reduced to characters a CSS class may hold."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in code)
