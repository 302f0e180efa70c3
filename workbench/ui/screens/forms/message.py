"""Send a message: SMS or e-mail from a template, previewed as it will be sent.

Templates (Chinese, or English when the desk speaks English): repayment reminder, payoff
quote, settlement certificate, 解押 (lien release) guide. The preview is filled from the cache
— name, amount due and its date, payoff as of today, contract and plate of the chosen loan —
and what is sent is exactly the preview. An SMS goes to one of the borrower's numbers (masked
here); an e-mail to the address typed. The contact gate is asked first (window, do-not-call,
consent, cease-contact, legal hold; a reminder about an overdue loan is a collections
message, so third parties are refused too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from workbench import config
from workbench.domain.compliance import ContactPolicy, borrower_zone, check_contact
from workbench.domain.money import format_fen
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.screens.forms.base import ActionForm, pick, refusal
from workbench.ui.screens.forms.choices import (
    find_loan,
    first_callable,
    loan_options,
    phone_options,
    worst_loan,
)
from workbench.ui.screens.forms.gate import blocked

if TYPE_CHECKING:
    from datetime import datetime

    from workbench.domain.models import Borrower
    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView, LoanView

TEMPLATES = ("reminder", "payoff", "settlement", "release")
CHANNELS = ("sms", "email")


class MessageScreen(ActionForm):
    """The send-message form (binding ``borrower.message``)."""

    FORM = "message"
    FIELDS: ClassVar[dict[str, str]] = {
        "channel": "#channel",
        "template": "#template",
        "number": "#to-phone",
        "to": "#to",
        "loan_id": "#loan",
    }
    DEFAULT_CSS = """
    MessageScreen #preview {
        height: auto;
        min-height: 3;
        padding: 0 1;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
    }
    MessageScreen .-hidden { display: none; }
    """

    def __init__(
        self, view: BorrowerView, *, now: datetime, policy: ContactPolicy | None = None
    ) -> None:
        super().__init__(view, now=now)
        self.policy = policy or config.contact_policy()[0]

    def fields(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(t("form.message.channel"), classes="form-label")
            channels = [(Content(t(f"channel.{c}")), c) for c in CHANNELS]
            yield Select(channels, value="sms", allow_blank=False, id="channel")
        with Horizontal(classes="form-row", id="to-phone-row"):
            yield Label(t("form.field.number"), classes="form-label")
            numbers = phone_options(self.borrower)
            if numbers:
                first = first_callable(self.borrower) or numbers[0][1]
                yield Select(numbers, value=first, allow_blank=False, id="to-phone")
            else:
                yield Static(Content(t("form.no_phone")), id="to-phone", classes="form-info")
        with Horizontal(classes="form-row -hidden", id="to-row"):
            yield Label(t("form.message.email"), classes="form-label")
            yield Input(placeholder="name@example.com", id="to")
        with Horizontal(classes="form-row"):
            yield Label(t("form.message.template"), classes="form-label")
            templates = [(Content(t(f"form.message.template.{n}")), n) for n in TEMPLATES]
            yield Select(templates, value="reminder", allow_blank=False, id="template")
        worst = worst_loan(self.view, open_only=False)
        with Horizontal(classes="form-row"):
            yield Label(t("form.field.loan"), classes="form-label")
            yield Select(
                loan_options(self.view, open_only=False),
                prompt=t("form.no_open_loan"),
                value=worst.loan.id if worst else Select.BLANK,
                id="loan",
            )
        preview = Static(id="preview")
        preview.border_title = t("form.message.preview")
        yield preview

    def on_mount(self) -> None:
        super().on_mount()
        self._show_preview()

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        if event.select.id == "channel":
            email = event.value == "email"
            self.query_one("#to-row").set_class(not email, "-hidden")
            self.query_one("#to-phone-row").set_class(email, "-hidden")
        self._show_preview()

    def _show_preview(self) -> None:
        self.query_one("#preview", Static).update(Content(self.body()))

    def body(self) -> str:
        """The message as it will be sent (the preview)."""
        values = self.values()
        lv = find_loan(self.view, values["loan_id"])
        return fill(str(values["template"]), self.borrower, lv, self.view.as_of.isoformat())

    # -- values -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        phone = self.query("#to-phone").first()
        loan = self.query_one("#loan", Select).value
        return {
            "channel": self.query_one("#channel", Select).value,
            "number": phone.value if isinstance(phone, Select) else None,
            "to": self.query_one("#to", Input).value,
            "template": self.query_one("#template", Select).value,
            "loan_id": loan if isinstance(loan, str) else None,
        }

    def restore(self, values: dict[str, Any]) -> None:
        pick(self, "#channel", values.get("channel"))
        pick(self, "#to-phone", values.get("number"))
        self.query_one("#to", Input).value = values.get("to", "")
        pick(self, "#template", values.get("template"))
        pick(self, "#loan", values.get("loan_id") or Select.BLANK)

    def check(self) -> dict[str, Any]:
        values = self.values()
        channel = values["channel"]
        if channel == "sms":
            if not isinstance(values["number"], str):
                raise refusal("number", "no_phone")
            to, number = values["number"], values["number"]
        else:
            to, number = values["to"].strip(), None
            if not to:
                raise refusal("to", "required", what=t("form.message.email"))
        lv = find_loan(self.view, values["loan_id"])
        collection = values["template"] == "reminder" and lv is not None and lv.dpd > 0
        decision = check_contact(
            self.policy,
            borrower=self.borrower,
            number=number,
            purpose="collection" if collection else "message",
            kind=str(channel),
            now=self.app.clock(),
        )
        if not decision.allowed:
            field = "number" if channel == "sms" else "channel"
            raise blocked(field, decision, borrower_zone(self.borrower).key)
        return {"channel": channel, "template": values["template"], "to": to, "body": self.body()}

    def perform(self, conn: Any, prepared: dict[str, Any]) -> Action:
        from workbench.store.actions import send_message

        return send_message(
            conn,
            self.borrower.id,
            prepared["channel"],
            prepared["template"],
            prepared["body"],
            prepared["to"],
            agent_id=self.app.agent_id,
            now=self.now,
        )


def fill(template: str, borrower: Borrower, lv: LoanView | None, as_of: str) -> str:
    """A template filled from the cache (the core's text made plain, never markup)."""
    nxt = lv.next_due if lv else None
    due = (lv.overdue_amount or lv.next_due_amount) if lv else 0
    vehicle = lv.vehicle if lv else None
    return t(
        f"message.{template}",
        name=plain(borrower.name, 32),
        contract=plain(lv.loan.contract_no, 32) if lv else "—",
        amount_due=format_fen(due),
        due_date=nxt.due_date if nxt else "—",
        payoff=format_fen(lv.payoff.total) if lv else format_fen(0),
        as_of=as_of,
        plate=plain(vehicle.plate, 16) if vehicle else "—",
    )
