"""Every loan of the borrower, one card each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.store.queries import BorrowerView
from workbench.ui.i18n import t
from workbench.ui.widgets.loan_card import LoanCard


class LoanPanel(VerticalScroll):
    """A scrollable stack of ``LoanCard``s; the selected loan's card is highlighted."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        if not self.view.loans:
            yield Static(Content(t("loan.none")), classes="empty")
        for loan_view in self.view.loans:
            yield LoanCard(loan_view)

    def on_mount(self) -> None:
        self.border_title = t("section.loans", count=len(self.view.loans))
        self.select(0)

    async def show(self, view: BorrowerView) -> None:
        """Show a newer reading of the borrower's loans (the screen re-selects its loan)."""
        self.view = view
        cards = list(self.query(LoanCard))
        if view.loans and len(cards) == len(view.loans):  # as many cards: new text in place
            for card, loan_view in zip(cards, view.loans, strict=True):
                card.show(loan_view)
        else:
            await self.recompose()
        title = t("section.loans", count=len(view.loans))
        if title != self.border_title:  # a new title redraws the whole panel
            self.border_title = title

    def select(self, index: int) -> None:
        """Highlight the card of loan ``index`` and scroll it into view."""
        cards = list(self.query(LoanCard))
        for i, card in enumerate(cards):
            card.set_class(i == index, "-selected")
        if 0 <= index < len(cards):
            self.scroll_to_widget(cards[index], animate=False)
