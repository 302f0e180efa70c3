"""Loan math: repayment schedules, days past due, buckets and payoff quotes. Pure functions.

All money is ``int`` fen and all arithmetic is exact: rational amounts are kept as integer
numerator/denominator pairs (``fractions.Fraction`` at the public edges), and a value is rounded
to the fen only where stated, always half-up (``0.5`` fen → ``1`` fen).

Schedules
    The monthly rate is ``r = annual_rate_bp / 10000 / 12``. Installment *k* (1-based) is due on
    the start date's day of month, *k* months after the start date, clamped to the month's end
    (start 2024-01-31 → 2024-02-29, 2024-03-31, 2024-04-30, …).

    * 等额本息 ``equal_installment``: payment ``A = P·r·(1+r)^n / ((1+r)^n − 1)`` rounded to the
      fen (``A = P/n`` when ``r = 0``). Each installment's interest is the remaining principal × r,
      rounded; its principal is ``A − interest`` (never more than what remains).
    * 等额本金 ``equal_principal``: each installment's principal is ``P/n`` rounded (never more
      than what remains); its interest is the remaining principal × r, rounded.

    The last installment's principal is whatever remains, so the schedule's principal sums
    exactly to the loan principal.

Days past due and bucket
    DPD is ``as_of − due_date`` in days for the oldest installment not paid in full whose due
    date is before ``as_of`` (0 when there is none; an installment due today is not yet late).
    Bucket: M0 = 0, M1 = 1–30, M2 = 31–60, M3 = 61–90, M4+ = over 90.

Payoff quote as of date *D* (what settles the loan in full on *D*)::

    total = outstanding_principal + overdue_interest + accrued_interest + late_fees

    outstanding_principal = Σ (principal − paid_principal) over all installments
    overdue_interest      = Σ (interest − paid_interest) over installments with due_date ≤ D
    accrued_interest      = max(0, round(interest_c × elapsed / period_days) − paid_interest_c)
                            for the current installment c, the first with due_date > D. Its period
                            runs from the previous due date (the loan start date for installment 1)
                            to c's due date and is period_days long; elapsed = (D − period start)
                            in days, clamped to [0, period_days]. 0 when there is no current
                            installment (all are already due and counted in overdue_interest).
    late_fees             = Σ round(late_fee_daily_bp / 10000 × amount_due × (D − due_date).days)
                            over installments with due_date < D and amount_due > 0, where
                            amount_due = unpaid principal + unpaid interest of that installment

    round() is half-up to the fen; each term is rounded per installment, then summed. A settled
    loan quotes zero. A quote before the start date is the outstanding principal alone.

    The schedule does not carry the start date, so the first period's start is inferred: one
    month before the first due date, on the day of month the due dates are anchored to (the
    largest day among them; exact whenever the schedule has two or more installments, as any
    two consecutive months include a 31-day month).
    Late fees use each installment's *current* unpaid amount for every overdue day (simple, no
    compounding, no history of partial payments).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from workbench.domain.models import Installment, Product


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What it costs to settle a loan in full on ``as_of``; every amount in fen."""

    as_of: date
    outstanding_principal: int
    overdue_interest: int  # interest of installments already due and unpaid
    accrued_interest: int  # interest of the current period, accrued day by day to as_of
    late_fees: int
    total: int


_RATE_DENOMINATOR = 10000 * 12  # monthly rate = annual_rate_bp / _RATE_DENOMINATOR


def round_half_up(value: Fraction | int) -> int:
    """Round an exact amount to the nearest fen, halves away from zero: ``Fraction(5, 2)`` → 3."""
    if type(value) is int:
        return value
    value = Fraction(value)
    return _div_half_up(value.numerator, value.denominator)


def _div_half_up(numerator: int, denominator: int) -> int:
    """``round_half_up(Fraction(numerator, denominator))`` in integers (``denominator > 0``).

    ``floor(|n|/d + 1/2)`` does not change when n and d are scaled together, so the pair need
    not be in lowest terms; this keeps the hot paths free of Fraction's gcd work.
    """
    magnitude = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def monthly_rate(annual_rate_bp: int) -> Fraction:
    """The exact monthly rate: ``annual_rate_bp / 10000 / 12`` (490 bp → 49/120000)."""
    return Fraction(annual_rate_bp, _RATE_DENOMINATOR)


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """``start`` plus ``months`` months on ``anchor_day`` (default: start's day), clamped.

    ``add_months(date(2024, 1, 31), 1)`` → ``date(2024, 2, 29)``.
    """
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]
    return date(year, month, min(anchor_day or start.day, last))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: see add_months


def equal_installment_payment(principal: int, annual_rate_bp: int, term_months: int) -> int:
    """Monthly payment of an 等额本息 loan, rounded to the fen (¥100,000, 490 bp, 36 → 299260)."""
    _check_terms(principal, annual_rate_bp, term_months)
    if annual_rate_bp == 0:
        return _div_half_up(principal, term_months)
    # With r = bp/D: P·r·(1+r)^n / ((1+r)^n − 1) = P·bp·(D+bp)^n / (D·((D+bp)^n − D^n)).
    base = _RATE_DENOMINATOR
    grown, unit = (base + annual_rate_bp) ** term_months, base**term_months
    return _div_half_up(principal * annual_rate_bp * grown, base * (grown - unit))


def build_schedule(
    product: str, principal: int, annual_rate_bp: int, term_months: int, start_date: date
) -> list[Installment]:
    """The repayment schedule, nothing paid yet; principal sums exactly to ``principal``."""
    _check_terms(principal, annual_rate_bp, term_months)
    if product == Product.EQUAL_INSTALLMENT:
        payment = equal_installment_payment(principal, annual_rate_bp, term_months)
    elif product == Product.EQUAL_PRINCIPAL:
        regular_principal = _div_half_up(principal, term_months)
    else:
        raise ValueError(f"unknown loan product: {product!r}")
    schedule: list[Installment] = []
    remaining = principal
    for n in range(1, term_months + 1):
        interest = _div_half_up(remaining * annual_rate_bp, _RATE_DENOMINATOR)
        if n == term_months:
            part = remaining
        elif product == Product.EQUAL_INSTALLMENT:
            part = min(max(payment - interest, 0), remaining)
        else:
            part = min(regular_principal, remaining)
        due = add_months(start_date, n)
        schedule.append(
            Installment(n=n, due_date=due.isoformat(), principal=part, interest=interest)
        )
        remaining -= part
    return schedule


def _check_terms(principal: int, annual_rate_bp: int, term_months: int) -> None:
    if principal < 0 or annual_rate_bp < 0 or term_months < 1:
        raise ValueError(
            f"loan terms out of range: principal={principal} fen, rate={annual_rate_bp} bp, "
            f"term={term_months} months (need principal ≥ 0, rate ≥ 0, term ≥ 1)"
        )


def amount_due(inst: Installment) -> int:
    """What is still owed on one installment."""
    return max(inst.principal - inst.paid_principal, 0) + max(inst.interest - inst.paid_interest, 0)


def is_paid(inst: Installment) -> bool:
    """True when the installment's principal and interest are paid in full."""
    return amount_due(inst) == 0


def days_past_due(schedule: list[Installment], as_of: date) -> int:
    """Days since the due date of the oldest installment not paid in full (0 when current)."""
    for inst in schedule:
        if not is_paid(inst):
            return max((as_of - date.fromisoformat(inst.due_date)).days, 0)
    return 0


def bucket(dpd: int) -> str:
    """M0 current, M1 1–30, M2 31–60, M3 61–90, M4+ over 90."""
    if dpd <= 0:
        return "M0"
    if dpd <= 30:
        return "M1"
    if dpd <= 60:
        return "M2"
    if dpd <= 90:
        return "M3"
    return "M4+"


def outstanding_principal(schedule: list[Installment]) -> int:
    """Loan principal not yet repaid: Σ (principal − paid_principal)."""
    return sum(max(inst.principal - inst.paid_principal, 0) for inst in schedule)


def next_due(schedule: list[Installment], as_of: date) -> Installment | None:
    """The oldest installment not paid in full (overdue or upcoming), or None when settled."""
    return next((inst for inst in schedule if not is_paid(inst)), None)


def payoff_quote(
    schedule: list[Installment], annual_rate_bp: int, late_fee_daily_bp: int, as_of: date
) -> PayoffQuote:
    """Amount that settles the loan in full on ``as_of``; formula in the module docstring.

    ``annual_rate_bp`` is accepted for interface stability; the quote accrues the schedule's own
    interest, which was computed from that rate.
    """
    principal = outstanding_principal(schedule)
    overdue_interest = late_fees = 0
    for inst in schedule:
        due = date.fromisoformat(inst.due_date)
        if due <= as_of:
            overdue_interest += max(inst.interest - inst.paid_interest, 0)
        if due < as_of and not is_paid(inst):
            fee = late_fee_daily_bp * amount_due(inst) * (as_of - due).days
            late_fees += _div_half_up(fee, 10000)
    accrued = _accrued_interest(schedule, as_of)
    total = principal + overdue_interest + accrued + late_fees
    return PayoffQuote(as_of, principal, overdue_interest, accrued, late_fees, total)


def _accrued_interest(schedule: list[Installment], as_of: date) -> int:
    """Interest of the current period earned from its start to ``as_of``, less what was paid."""
    for i, inst in enumerate(schedule):
        due = date.fromisoformat(inst.due_date)
        if due <= as_of:
            continue
        period_start = date.fromisoformat(schedule[i - 1].due_date) if i else _start_of(schedule)
        period_days = (due - period_start).days
        elapsed = min(max((as_of - period_start).days, 0), period_days)
        earned = _div_half_up(inst.interest * elapsed, max(period_days, 1))
        return max(earned - inst.paid_interest, 0)
    return 0


def _start_of(schedule: list[Installment]) -> date:
    """The loan start date, inferred from the due dates (see the module docstring)."""
    anchor_day = max(date.fromisoformat(inst.due_date).day for inst in schedule)
    return add_months(date.fromisoformat(schedule[0].due_date), -1, anchor_day)


def apply_payment(schedule: list[Installment], amount: int, paid_on: date) -> int:
    """Apply a payment to the oldest dues first (interest, then principal); return what is left.

    Installments paid in full by this payment get ``paid_date = paid_on``. The schedule is
    updated in place; a payment larger than everything owed returns the excess.
    """
    if amount < 0:
        raise ValueError(f"a payment cannot be negative: {amount} fen")
    left = amount
    for inst in schedule:
        if left == 0:
            break
        if is_paid(inst):
            continue
        to_interest = min(left, max(inst.interest - inst.paid_interest, 0))
        inst.paid_interest += to_interest
        left -= to_interest
        to_principal = min(left, max(inst.principal - inst.paid_principal, 0))
        inst.paid_principal += to_principal
        left -= to_principal
        if is_paid(inst):
            inst.paid_date = paid_on.isoformat()
    return left
