"""The layout of the unified view once the borrower has been read."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import Static, TabbedContent, TabPane

from workbench.store.queries import BorrowerView
from workbench.ui.i18n import t
from workbench.ui.widgets.borrower_header import BorrowerHeader
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_detail import HistoryDetail
from workbench.ui.widgets.history_header import HistoryHeader
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.loan_panel import LoanPanel
from workbench.ui.widgets.payments_table import PaymentsTable
from workbench.ui.widgets.profile_panel import ProfilePanel
from workbench.ui.widgets.schedule_table import ScheduleTable


class BorrowerBody(Vertical):
    """Header; profile and vehicle beside the loans; tabs for history, schedule, payments
    and follow-ups. The hidden tabs are mounted lazily, after the first frame is on screen."""

    def __init__(self, view: BorrowerView, db_path: Path, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.db_path = db_path

    def compose(self) -> ComposeResult:
        view = self.view
        yield BorrowerHeader(view, id="borrower-header")
        with Horizontal(id="summary"):
            yield ProfilePanel(view, id="profile")
            yield LoanPanel(view, id="loans")
        with TabbedContent(id="tabs", initial="tab-history"):
            with TabPane(t("tab.history", count=f"{view.interaction_count:,}"), id="tab-history"):
                yield HistoryHeader(id="history-header")
                yield HistoryView(
                    self.db_path, view.borrower.id, view.interaction_count, id="history"
                )
                yield HistoryDetail(id="history-detail")
            with TabPane(t("tab.schedule"), id="tab-schedule"):
                yield Static(id="schedule-caption")
                yield Lazy(ScheduleTable(view, id="schedule"))
            with TabPane(t("tab.payments", count=len(view.payments)), id="tab-payments"):
                yield Lazy(PaymentsTable(view, id="payments"))
            with TabPane(t("tab.followups"), id="tab-followups"):
                yield Lazy(FollowUpsPanel(view, id="followups"))
