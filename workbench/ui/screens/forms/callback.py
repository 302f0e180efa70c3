"""Schedule a callback: which number (masked), when, why.

Only times inside the contact window (08:00–22:00 in the borrower's local time unless the
policy says otherwise) are offered: the next slots on a 30-minute grid
(``domain.compliance.next_allowed_slots``). A time can also be typed (``2026-11-28 15:00`` or
``15:00``, the borrower's local time); one outside the window is refused, naming the window and
the next time that is allowed. The number and the time then pass the contact gate as it will
stand at the callback's time (do-not-call, consent, cease-contact, legal hold, third parties);
the daily caps are counted when the call is made, not now.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from workbench import config
from workbench.domain.compliance import (
    ContactPolicy,
    borrower_zone,
    check_contact,
    in_window,
    next_allowed_slots,
    next_window_start,
)
from workbench.domain.models import CallbackReason
from workbench.ui.format import label
from workbench.ui.i18n import t
from workbench.ui.screens.forms.base import ActionForm, pick, refusal
from workbench.ui.screens.forms.choices import first_callable, local_time_text, phone_options
from workbench.ui.screens.forms.gate import blocked

if TYPE_CHECKING:
    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView

SLOT_COUNT = 48  # a day and a half of 30-minute slots
LEAD = timedelta(minutes=5)  # a slot starting sooner than this is not offered


class CallbackScreen(ActionForm):
    """The schedule-callback form (binding ``borrower.callback``)."""

    FORM = "callback"
    FIELDS: ClassVar[dict[str, str]] = {
        "number": "#number",
        "due_at": "#custom-time",
        "slot": "#slot",
        "reason": "#reason",
    }

    def __init__(
        self,
        view: BorrowerView,
        *,
        now: datetime,
        policy: ContactPolicy | None = None,
        slots: int = SLOT_COUNT,
    ) -> None:
        super().__init__(view, now=now)
        self.policy = policy or config.contact_policy()[0]
        self.zone = borrower_zone(self.borrower)
        self.slots = next_allowed_slots(self.policy, self.borrower, now + LEAD, n=slots)

    def fields(self) -> ComposeResult:
        numbers = phone_options(self.borrower)
        with Horizontal(classes="form-row"):
            yield Label(t("form.field.number"), classes="form-label")
            if numbers:
                first = first_callable(self.borrower) or numbers[0][1]
                yield Select(numbers, value=first, allow_blank=False, id="number")
            else:
                yield Static(Content(t("form.no_phone")), id="number", classes="form-info")
        with Horizontal(classes="form-row"):
            yield Label(t("form.callback.slot"), classes="form-label")
            options = [(Content(local_time_text(s, self.zone.key)), s) for s in self.slots]
            yield Select(options, value=self.slots[0], allow_blank=False, id="slot")
        with Horizontal(classes="form-row"):
            yield Label(t("form.callback.custom"), classes="form-label")
            yield Input(placeholder=t("form.callback.custom_placeholder"), id="custom-time")
        window = t(
            "form.callback.window",
            start=self.policy.window_start.strftime("%H:%M"),
            end=self.policy.window_end.strftime("%H:%M"),
            tz=self.zone.key,
        )
        yield Static(Content(window), id="window", classes="form-info")
        with Horizontal(classes="form-row"):
            yield Label(t("form.callback.reason"), classes="form-label")
            reasons = [(Content(label("callback_reason", r)), r.value) for r in CallbackReason]
            yield Select(
                reasons, value=CallbackReason.REQUESTED.value, allow_blank=False, id="reason"
            )

    def values(self) -> dict[str, Any]:
        number = self.query("#number").first()
        return {
            "number": number.value if isinstance(number, Select) else None,
            "slot": self.query_one("#slot", Select).value,
            "custom": self.query_one("#custom-time", Input).value,
            "reason": self.query_one("#reason", Select).value,
        }

    def restore(self, values: dict[str, Any]) -> None:
        pick(self, "#number", values.get("number"))
        pick(self, "#slot", values.get("slot"))
        self.query_one("#custom-time", Input).value = values.get("custom", "")
        pick(self, "#reason", values.get("reason"))

    def check(self) -> tuple[str, datetime, str]:
        values = self.values()
        number = values["number"]
        if not isinstance(number, str):
            raise refusal("number", "no_phone")
        due = self._custom_time(values["custom"]) if values["custom"].strip() else values["slot"]
        reason = str(values["reason"])
        purpose = "collection" if reason == CallbackReason.BROKEN_PROMISE else "callback"
        decision = check_contact(
            self.policy, borrower=self.borrower, number=number, purpose=purpose, now=due
        )
        if not decision.allowed:
            field = "due_at" if decision.rule == "contact_window" else "number"
            raise blocked(field, decision, self.zone.key)
        return number, due, reason

    def _custom_time(self, text: str) -> datetime:
        """A typed time in the borrower's zone: after now and inside the window."""
        local = parse_local_time(text, self.now.astimezone(self.zone))
        if local <= self.now:
            raise refusal("due_at", "time_past", time=local.strftime("%Y-%m-%d %H:%M"))
        if not in_window(self.policy, local):
            after = next_window_start(self.policy, local)
            raise refusal(
                "due_at",
                "outside_window",
                time=local.strftime("%Y-%m-%d %H:%M"),
                start=self.policy.window_start.strftime("%H:%M"),
                end=self.policy.window_end.strftime("%H:%M"),
                tz=self.zone.key,
                next=after.strftime("%Y-%m-%d %H:%M"),
            )
        return local

    def perform(self, conn: Any, prepared: tuple[str, datetime, str]) -> Action:
        from workbench.store.actions import schedule_callback

        number, due, reason = prepared
        return schedule_callback(
            conn,
            self.borrower.id,
            due,
            agent_id=self.app.agent_id,
            number=number,
            reason=reason,
            now=self.now,
        )


def parse_local_time(text: str, local_now: datetime) -> datetime:
    """``2026-11-28 15:00`` / ``2026-11-28T15:00`` / ``15:00`` (today, or tomorrow once it
    has passed) in ``local_now``'s zone."""
    raw = text.strip().replace("T", " ").replace("：", ":")
    zone = local_now.tzinfo
    try:
        if " " in raw:
            day_text, clock_text = raw.split(None, 1)
            day = date.fromisoformat(day_text.replace("/", "-"))
        else:
            day, clock_text = local_now.date(), raw
        hour, minute = (int(part) for part in clock_text.split(":"))
        at = datetime.combine(day, time(hour, minute), tzinfo=zone)
    except ValueError:
        raise refusal("due_at", "time_invalid", value=text.strip()[:40]) from None
    if " " not in raw and at <= local_now:
        at += timedelta(days=1)
    return at
