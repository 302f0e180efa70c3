"""What the forms offer to choose from: the borrower's loans and phones, labelled for a person.

Labels are ``Content`` (never markup): contract numbers come from the core. Phone numbers are
always masked here; the full number is only the option's value, never shown.
"""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from workbench.domain.models import Borrower, Phone
from workbench.domain.pii import mask_phone
from workbench.store.queries import BorrowerView, LoanView
from workbench.ui.format import DISPLAY_TZ, dpd_text, label, plain
from workbench.ui.i18n import t

SETTLED = frozenset({"settled", "early_settled"})


def open_loans(view: BorrowerView) -> list[LoanView]:
    """The loans that can still be acted on (not settled)."""
    return [lv for lv in view.loans if lv.loan.status not in SETTLED]


def worst_loan(view: BorrowerView, *, open_only: bool = True) -> LoanView | None:
    """The loan most behind: most days past due, then most overdue, then the largest payoff."""
    loans = open_loans(view) if open_only else view.loans
    if not loans:
        return None
    return max(loans, key=lambda lv: (lv.dpd, lv.overdue_amount, lv.payoff.total))


def loan_options(view: BorrowerView, *, open_only: bool = True) -> list[tuple[Content, str]]:
    """``(label, loan id)`` per loan: contract number, bucket and days past due."""
    loans = open_loans(view) if open_only else view.loans
    return [(Content(loan_label(lv)), lv.loan.id) for lv in loans]


def loan_label(lv: LoanView) -> str:
    """``HT2025HB00002951 · M2 · 逾期 50 天``."""
    return t(
        "form.loan_option",
        contract=plain(lv.loan.contract_no, 32),
        status=dpd_text(lv.dpd, lv.bucket),
    )


def find_loan(view: BorrowerView, loan_id: object) -> LoanView | None:
    """The view of one of the borrower's loans by id."""
    return next((lv for lv in view.loans if lv.loan.id == loan_id), None)


def phone_label(phone: Phone) -> str:
    """``159****1740 · 本人`` with 勿扰 / 未授权 when they apply (the number masked)."""
    parts = [mask_phone(phone.number), label("phone_kind", phone.kind)]
    if phone.do_not_call:
        parts.append(t("phone.dnc"))
    if not phone.consent:
        parts.append(t("phone.no_consent"))
    return " · ".join(parts)


def phone_options(borrower: Borrower) -> list[tuple[Content, str]]:
    """``(masked label, number)`` per phone of the borrower, as listed."""
    return [(Content(phone_label(p)), p.number) for p in borrower.phones]


def first_callable(borrower: Borrower) -> str | None:
    """The first of the borrower's own numbers that may be contacted."""
    own = [p for p in borrower.phones if p.consent and not p.do_not_call]
    mobile = [p for p in own if p.kind == "mobile"]
    chosen = mobile or own
    return chosen[0].number if chosen else None


def local_time_text(at: datetime, zone_key: str) -> str:
    """``2026-11-27 14:30`` in the zone it is given in, with the zone named when it is not the
    agent's (Asia/Shanghai)."""
    text = at.strftime("%Y-%m-%d %H:%M")
    return text if zone_key == DISPLAY_TZ.key else f"{text} ({zone_key})"
