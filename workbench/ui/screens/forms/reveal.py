"""Reveal one masked value (身份证 number, a phone, a bank card) — need-to-know, audited.

Only a role that may (``ui.roles``: supervisor, auditor) gets past the first check; an agent is
told so and nothing is written. The reveal asks for a reason, writes the audit through
``store.actions.reveal_audit`` (cache outbox first, then the core), and only then shows the
full value, for :data:`REVEAL_SECONDS`; then it is masked again. Closing the form hides it too.
The value is never logged, notified or kept anywhere but this form's screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static

from workbench.domain.pii import mask_card, mask_id_no
from workbench.ui.format import label, plain
from workbench.ui.i18n import t
from workbench.ui.roles import may_reveal
from workbench.ui.screens.forms.base import ActionForm, pick, refusal
from workbench.ui.screens.forms.choices import phone_label

if TYPE_CHECKING:
    from datetime import datetime

    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView

REVEAL_SECONDS = 30.0
"""How long a revealed value stays on screen."""


@dataclass(frozen=True, slots=True)
class Target:
    """One value that can be revealed: the audit's field and record, its masked and full form."""

    field: str  # id_no | phone | debit_card
    target_id: str  # the borrower's id, or the loan's for a card
    label: str  # masked, for the list
    masked: str
    value: str


def targets(view: BorrowerView) -> list[Target]:
    """Every value of the borrower that is masked on the desk."""
    borrower = view.borrower
    found = [
        Target(
            "id_no",
            borrower.id,
            t("form.reveal.id_no", masked=mask_id_no(borrower.id_no)),
            mask_id_no(borrower.id_no),
            borrower.id_no,
        )
    ]
    for phone in borrower.phones:
        masked = phone_label(phone)
        found.append(
            Target(
                "phone", borrower.id, t("form.reveal.phone", masked=masked), masked, phone.number
            ),
        )
    for lv in view.loans:
        card = lv.loan.debit_card
        text = t(
            "form.reveal.card", masked=mask_card(card), contract=plain(lv.loan.contract_no, 32)
        )
        found.append(Target("debit_card", lv.loan.id, text, mask_card(card), card))
    return found


class RevealScreen(ActionForm):
    """The reveal form (binding ``borrower.reveal``); closes with the last audit written."""

    FORM = "reveal"
    FIELDS: ClassVar[dict[str, str]] = {"field": "#target", "reason": "#reason"}
    DEFAULT_CSS = """
    RevealScreen #revealed { padding: 0 1; border: round $panel-lighten-2; height: 3; }
    RevealScreen #revealed.-shown { border: round $warning; color: $warning; }
    """

    def __init__(self, view: BorrowerView, *, now: datetime, seconds: float | None = None) -> None:
        super().__init__(view, now=now)
        self.seconds = REVEAL_SECONDS if seconds is None else seconds
        self.targets = targets(view)
        self.audited: Action | None = None
        self.shown: Target | None = None
        self._hide_timer: Timer | None = None

    @property
    def allowed(self) -> bool:
        """True when the desk's role may reveal."""
        return may_reveal(getattr(self.app, "role", "agent"))

    def fields(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(t("form.reveal.field"), classes="form-label")
            options = [(Content(target.label), i) for i, target in enumerate(self.targets)]
            yield Select(options, value=0, allow_blank=False, id="target")
        with Horizontal(classes="form-row"):
            yield Label(t("form.reveal.reason"), classes="form-label")
            yield Input(placeholder=t("form.reveal.reason_placeholder"), id="reason")
        yield Static(Content(self.targets[0].masked), id="revealed")

    def on_mount(self) -> None:
        super().on_mount()
        if not self.allowed:
            self.refuse(self._refusal())

    def _refusal(self):
        return refusal("field", "reveal_refused", role=label("role", self.app.role))

    @on(Select.Changed, "#target")
    def _target_changed(self) -> None:
        self.hide()

    def values(self) -> dict[str, Any]:
        return {
            "target": self.query_one("#target", Select).value,
            "reason": self.query_one("#reason", Input).value,
        }

    def restore(self, values: dict[str, Any]) -> None:
        pick(self, "#target", values.get("target"))
        self.query_one("#reason", Input).value = values.get("reason", "")

    def check(self) -> tuple[Target, str]:
        if not self.allowed:
            raise self._refusal()
        values = self.values()
        return self.targets[int(values["target"])], values["reason"]

    def perform(self, conn: Any, prepared: tuple[Target, str]) -> Action:
        from workbench.store.actions import reveal_audit

        target, reason = prepared
        return reveal_audit(
            conn,
            self.borrower.id,
            target.field,
            reason,
            agent_id=self.app.agent_id,
            target_id=target.target_id,
            now=self.now,
        )

    def saved(self, action: Action) -> None:
        """Audited: show the full value for a while (the form stays open)."""
        self.audited = action
        target = self.targets[int(self.values()["target"])]
        self.shown = target
        shown = self.query_one("#revealed", Static)
        shown.update(Content(target.value))
        shown.add_class("-shown")
        self.say(t("form.reveal.shown", seconds=math.ceil(self.seconds)), "-warning")
        if self._hide_timer is not None:
            self._hide_timer.stop()
        self._hide_timer = self.set_timer(self.seconds, self.hide)

    def hide(self) -> None:
        """Mask the value again."""
        if self._hide_timer is not None:
            self._hide_timer.stop()
            self._hide_timer = None
        was_shown = self.shown is not None
        self.shown = None
        target = self.targets[int(self.values()["target"])]
        shown = self.query_one("#revealed", Static)
        shown.update(Content(target.masked))
        shown.remove_class("-shown")
        if was_shown:
            self.say(t("form.reveal.hidden"))

    def action_cancel(self) -> None:
        """Close (the value goes with the form); the audit written, if any, is returned."""
        if self.saving:
            return
        self.hide()
        self.dismiss(self.audited)
