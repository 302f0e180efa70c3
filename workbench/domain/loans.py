"""Loan math: repayment schedules, days past due, buckets and payoff quotes. Pure functions.

(Contract stub: the signatures below are fixed; bodies are being written.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workbench.domain.models import Installment


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What it costs to settle a loan in full on ``as_of``; every amount in fen."""

    as_of: date
    outstanding_principal: int
    overdue_interest: int  # interest of installments already due and unpaid
    accrued_interest: int  # interest of the current period, accrued day by day to as_of
    late_fees: int
    total: int


def equal_installment_payment(principal: int, annual_rate_bp: int, term_months: int) -> int:
    """Monthly payment of an 等额本息 loan, rounded to the fen (¥100,000, 490 bp, 36 → 299260)."""
    raise NotImplementedError


def build_schedule(
    product: str, principal: int, annual_rate_bp: int, term_months: int, start_date: date
) -> list[Installment]:
    """The repayment schedule, nothing paid yet; principal sums exactly to ``principal``."""
    raise NotImplementedError


def days_past_due(schedule: list[Installment], as_of: date) -> int:
    """Days since the due date of the oldest installment not paid in full (0 when current)."""
    raise NotImplementedError


def bucket(dpd: int) -> str:
    """M0 current, M1 1–30, M2 31–60, M3 61–90, M4+ over 90."""
    raise NotImplementedError


def outstanding_principal(schedule: list[Installment]) -> int:
    raise NotImplementedError


def next_due(schedule: list[Installment], as_of: date) -> Installment | None:
    """The oldest installment not paid in full (overdue or upcoming), or None when settled."""
    raise NotImplementedError


def amount_due(inst: Installment) -> int:
    """What is still owed on one installment."""
    raise NotImplementedError


def payoff_quote(
    schedule: list[Installment], annual_rate_bp: int, late_fee_daily_bp: int, as_of: date
) -> PayoffQuote:
    raise NotImplementedError


def apply_payment(schedule: list[Installment], amount: int, paid_on: date) -> int:
    """Apply a payment to the oldest dues first (interest, then principal); return what is left."""
    raise NotImplementedError
