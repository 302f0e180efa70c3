"""The layout of the unified view once the borrower has been read."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.lazy import Lazy
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from workbench.domain.models import Interaction
from workbench.store.queries import BorrowerView
from workbench.ui.format import plain
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

W = TypeVar("W", bound=Widget)


class BorrowerBody(Vertical):
    """Header; profile and vehicle beside the loans; tabs for history, schedule, payments
    and follow-ups. The hidden tabs are mounted lazily, after the first frame is on screen.

    ``marks`` are the borrower's records still waiting for the core (``pending``/``parked``).
    """

    def __init__(
        self,
        view: BorrowerView,
        db_path: Path,
        *,
        marks: dict[str, str] | None = None,
        pages: dict[int, list[Interaction]] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.view = view
        self.db_path = db_path
        self.marks = dict(marks or {})
        self._pages = pages or {}
        self._stale: set[str] = set()  # hidden tabs to bring up to date when shown
        self.loan_index = 0  # the loan whose card is selected and whose schedule is shown
        self._schedule_stale = True  # the schedule tab waits to show the selected loan
        self._parts: dict[str, Widget] = {}
        self._titles = {"tab-history": _history_title(view), "tab-payments": _payments_title(view)}

    def _part(self, selector: str, kind: type[W]) -> W:
        """The one widget ``selector`` of this layout (looked up once: the parts stay)."""
        found = self._parts.get(selector)
        if found is None or not found.is_attached:
            found = self._parts[selector] = self.query_one(selector, kind)
        return cast(W, found)

    @property
    def history(self) -> HistoryView:
        """The interaction history."""
        return self._part("#history", HistoryView)

    @property
    def detail(self) -> HistoryDetail:
        """The record under the history cursor."""
        return self._part("#history-detail", HistoryDetail)

    @property
    def tabs(self) -> TabbedContent:
        """History, schedule, payments and follow-ups."""
        return self._part("#tabs", TabbedContent)

    @property
    def loan_panel(self) -> LoanPanel:
        """The loan cards."""
        return self._part("#loans", LoanPanel)

    @property
    def schedule_caption(self) -> Static:
        """Which loan the schedule tab shows."""
        return self._part("#schedule-caption", Static)

    def compose(self) -> ComposeResult:
        view = self.view
        yield BorrowerHeader(view, id="borrower-header")
        with Horizontal(id="summary"):
            yield ProfilePanel(view, id="profile")
            yield LoanPanel(view, id="loans")
        with TabbedContent(id="tabs", initial="tab-history"):
            with TabPane(_history_title(view), id="tab-history"):
                yield HistoryHeader(id="history-header")
                yield HistoryView(
                    self.db_path,
                    view.borrower.id,
                    view.interaction_count,
                    marks=self.marks,
                    pages=self._pages,
                    id="history",
                )
                yield HistoryDetail(id="history-detail")
            with TabPane(t("tab.schedule"), id="tab-schedule"):
                yield Static(id="schedule-caption")
                yield Lazy(ScheduleTable(view, id="schedule"))
            with TabPane(_payments_title(view), id="tab-payments"):
                yield Lazy(PaymentsTable(view, id="payments"))
            with TabPane(t("tab.followups"), id="tab-followups"):
                yield Lazy(FollowUpsPanel(view, marks=self.marks, id="followups"))

    async def show(
        self,
        view: BorrowerView,
        marks: dict[str, str],
        pages: dict[int, list[Interaction]],
        *,
        newest: bool = False,
    ) -> bool:
        """Show a newer reading of the borrower in place: only the parts that changed are
        redrawn, focus, tab, scroll and cursor stay. True when the loans changed (the screen
        then re-selects its loan)."""
        old, self.view, self.marks = self.view, view, dict(marks)
        tabs, history = self.tabs, self.history
        if view.borrower.id != old.borrower.id:  # another borrower in the same layout
            tabs.active = "tab-history"
            history.show_borrower(view.borrower.id, view.interaction_count, pages, marks)
        else:
            history.replace(view.interaction_count, pages, marks, newest=newest)
        if view.borrower != old.borrower or view.loans != old.loans:
            await self._part("#borrower-header", BorrowerHeader).show(view)
        if view.borrower != old.borrower or view.extra != old.extra:
            await self._part("#profile", ProfilePanel).show(view)
        loans_changed = view.loans != old.loans
        if loans_changed:
            await self.loan_panel.show(view)
            for schedule in self.query(ScheduleTable):
                schedule.view = view
        self._stale.update(("tab-payments", "tab-followups"))
        await self._bring_up_to_date(tabs.active)
        self._title_tab("tab-history", _history_title(view))
        self._title_tab("tab-payments", _payments_title(view))
        return loans_changed

    def _title_tab(self, pane: str, title: str) -> None:
        """Give tab ``pane`` the title ``title`` (its tab is redrawn only if it changed)."""
        if self._titles.get(pane) != title:
            self._titles[pane] = title
            self.tabs.get_tab(pane).label = title

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.before_showing(event.pane.id)
            await self._bring_up_to_date(event.pane.id)

    # -- the selected loan and its schedule -----------------------------------------------

    def select_loan(self, index: int) -> int:
        """Select loan ``index`` (counted round the loans; the index selected is returned):
        its card is highlighted, and the schedule tab shows its installments (filled at once
        when that tab is shown, else when it is)."""
        self.loan_index = index % len(self.view.loans) if self.view.loans else 0
        if self.view.loans:
            self.loan_panel.select(self.loan_index)
        self._schedule_stale = True
        if self.tabs.active == "tab-schedule":
            self._fill_schedule(on_screen=True)
        return self.loan_index

    def before_showing(self, pane: str) -> None:
        """Tab ``pane`` is about to be shown: the schedule gets the selected loan first, so it
        never shows another one."""
        if pane == "tab-schedule" and self._schedule_stale:
            self._fill_schedule()

    def _fill_schedule(self, *, on_screen: bool = False) -> None:
        """The schedule tab: the caption and installments of the selected loan (``on_screen``:
        in the tab being looked at, else in the tab about to be shown)."""
        self._schedule_stale = False
        caption, loans = self.schedule_caption, self.view.loans
        if not loans:
            caption.update(Content(t("loan.none")))
            return
        loan_view = loans[min(self.loan_index, len(loans) - 1)]
        text = t(
            "schedule.caption",
            contract=plain(loan_view.loan.contract_no, 32),
            index=self.loan_index + 1,
            count=len(loans),
        )
        caption.update(Content(text))
        for table in self.query(ScheduleTable):  # none until the lazy tab has mounted
            table.show(loan_view, self.view.as_of, due_at_top=not on_screen)

    @on(ScheduleTable.Mounted)
    def _schedule_mounted(self) -> None:
        self.select_loan(self.loan_index)

    async def _bring_up_to_date(self, pane: str) -> None:
        """Show the newest reading in the hidden tab ``pane`` now that it is shown."""
        if pane not in self._stale:
            return
        self._stale.discard(pane)
        if pane == "tab-payments":
            for payments in self.query(PaymentsTable):
                payments.show(self.view)
        elif pane == "tab-followups":
            for followups in self.query(FollowUpsPanel):
                await followups.show(self.view, self.marks)


def _history_title(view: BorrowerView) -> str:
    return t("tab.history", count=f"{view.interaction_count:,}")


def _payments_title(view: BorrowerView) -> str:
    return t("tab.payments", count=len(view.payments))
