"""Promises to pay, escalations and callbacks, briefly: what is open on this borrower."""

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


class FollowUpsPanel(VerticalScroll):
    """Three short lists; anything still open is highlighted."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        sections = (
            ("followups.promises", [_promise(p) for p in self.view.promises]),
            ("followups.escalations", [_escalation(e) for e in self.view.escalations]),
            ("followups.callbacks", [_callback(c) for c in self.view.callbacks]),
        )
        for key, lines in sections:
            yield Static(Content(f"{t(key)} ({len(lines)})"), classes="subsection")
            body = Content("\n").join(lines) if lines else Content(t("followups.none"))
            yield Static(body, classes="followup-list")


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
    )
