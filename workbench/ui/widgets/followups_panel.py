"""Promises to pay, escalations and callbacks, briefly: what is open on this borrower.

A record the core has not confirmed yet ends with its mark: 待确认 (pending) or 未送达·需处理
(parked: the core refused it).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.domain.models import Callback, Escalation, Promise
from workbench.domain.money import format_fen
from workbench.domain.pii import mask_phone
from workbench.store.queries import BorrowerView
from workbench.ui.format import label, local_time, plain, safe
from workbench.ui.i18n import t

MUTED = "$text-muted"
OPEN_STYLE = "bold $warning"
MARK_STYLES = {"pending": "bold $warning", "parked": "bold $text on $error"}


class FollowUpsPanel(VerticalScroll):
    """Three short lists; anything still open is highlighted."""

    def __init__(
        self, view: BorrowerView, *, marks: dict[str, str] | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.view = view
        self.marks: dict[str, str] = dict(marks or {})

    async def show(self, view: BorrowerView, marks: dict[str, str]) -> None:
        """Show a newer reading of the borrower (only when something here changed)."""
        old = self.view
        same = (old.promises, old.escalations, old.callbacks) == (
            view.promises,
            view.escalations,
            view.callbacks,
        )
        self.view = view
        if not same or marks != self.marks:
            self.marks = dict(marks)
            await self.recompose()

    def compose(self) -> ComposeResult:
        marked = self._marked
        sections = (
            ("followups.promises", [marked(p.id, _promise(p)) for p in self.view.promises]),
            (
                "followups.escalations",
                [marked(e.id, _escalation(e)) for e in self.view.escalations],
            ),
            ("followups.callbacks", [marked(c.id, _callback(c)) for c in self.view.callbacks]),
        )
        for key, lines in sections:
            yield Static(Content(f"{t(key)} ({len(lines)})"), classes="subsection")
            body = Content("\n").join(lines) if lines else Content(t("followups.none"))
            yield Static(body, classes="followup-list")

    def _marked(self, record_id: str, line: Content) -> Content:
        mark = self.marks.get(record_id)
        if mark is None:
            return line
        return Content.assemble(line, "  ", (f" {t(f'mark.{mark}')} ", MARK_STYLES[mark]))


def _status(kind: str, code: str, open_codes: tuple[str, ...]) -> tuple[str, str]:
    return (label(kind, code), OPEN_STYLE if code in open_codes else MUTED)


def _promise(p: Promise) -> Content:
    return Content.assemble(
        (plain(p.promised_date, 10), "bold"),
        "  ",
        format_fen(p.amount),
        "  ",
        _status("promise_status", p.status, ("pending", "broken")),
        (f"  {t('followups.created')} {local_time(p.created_at)}", MUTED),
    )


def _escalation(e: Escalation) -> Content:
    return Content.assemble(
        (label("department", e.department), "bold"),
        "  ",
        label("priority", e.priority),
        "  ",
        _status("escalation_status", e.status, ("open", "acknowledged")),
        (f"  {t('followups.sla')} {local_time(e.sla_due_at)}  ", MUTED),
        safe(e.reason, 60),
    )


def _callback(c: Callback) -> Content:
    return Content.assemble(
        (local_time(c.due_at), "bold"),
        "  ",
        label("callback_reason", c.reason),
        "  ",
        safe(mask_phone(c.number)),
        "  ",
        _status("callback_status", c.status, ("open", "claimed")),
        (f"  {t('followups.attempts', n=c.attempts)}", MUTED),
        *_feedback(c),
    )


def _feedback(c: Callback) -> list[tuple[str, str] | Content]:
    """The last outcome and a 回访's satisfaction score and comment (issue 6)."""
    parts: list[tuple[str, str] | Content] = []
    if c.last_outcome:
        outcome = t(f"callback.outcome.{c.last_outcome}")
        if outcome == f"callback.outcome.{c.last_outcome}":
            outcome = c.last_outcome
        parts.append((f"  {t('followups.outcome', outcome=plain(outcome, 30))}", ""))
    if c.satisfaction is not None:
        parts.append((f"  {t('followups.satisfaction', score=c.satisfaction)}", "bold"))
    if c.comment:
        parts.extend(["  ", safe(c.comment, 60)])
    return parts
