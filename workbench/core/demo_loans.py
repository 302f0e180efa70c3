"""Demo loans: terms, schedules from ``domain.loans`` and a payment history that explains the DPD.

Each loan is drawn in a *state* — current, M1…M4 delinquent, chronically late, settled or
settled early — and its schedule is then paid with ``domain.loans.apply_payment`` exactly as the
state needs (auto-debits on due dates, failed debits, late payments in the app, partial
payments), producing one Payment record per posted payment or failed debit. The loan's DPD is
therefore whatever ``days_past_due`` computes from the schedule, never a number made up apart.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from random import Random
from typing import Any

from workbench.core.clock import stamp
from workbench.domain.loans import (
    add_months,
    amount_due,
    apply_payment,
    build_schedule,
    days_past_due,
)
from workbench.domain.models import Installment, LoanStatus, Product

# Loan state → share of loans. Active loans: ~86 % current, the rest a tail in M1..M4+.
STATES = (
    ("current", 780), ("settled", 50), ("early_settled", 40), ("M1", 60), ("M2", 25),
    ("M3", 15), ("M4", 20), ("chronic", 10),
)  # fmt: skip
_STATE_NAMES = tuple(s for s, _ in STATES)
_STATE_CUM = tuple(accumulate(w for _, w in STATES))
UNPAID_BY_STATE = {"M1": (1, 1), "M2": (2, 2), "M3": (3, 3), "M4": (4, 10)}

RATES_BP = (388, 490, 588, 688, 788, 888, 999, 1188, 1288, 1488)  # the lender's rate card
TERMS = (12, 24, 36, 48, 60)
TERM_CUM = tuple(accumulate((8, 22, 40, 12, 18)))
LATE_CHANNELS = ("app", "app", "wechat", "alipay", "bank_transfer", "counter")
_REF_START = date(2000, 1, 31)
_TABLE_START = date(2010, 1, 1)
_TABLE_MONTHS = 12 * 30


class ScheduleMaker:
    """``build_schedule`` with memory: amounts depend only on the loan's terms, not its dates.

    The domain computes each installment's interest from the remaining principal and the
    monthly rate, so two loans with the same product, principal, rate and term share every
    amount; only the due dates differ. Amounts are cached per terms (a rate card and principals
    in ¥5,000 steps make a few thousand distinct terms), and due dates come from a table of
    ``add_months`` per day of month, so a million schedules cost a few thousand calls of the
    exact domain code.
    """

    def __init__(self) -> None:
        self._amounts: dict[tuple[str, int, int, int], tuple[array, array]] = {}
        self._dues: dict[int, list[str]] = {}

    def build(
        self, product: str, principal: int, rate_bp: int, term: int, start: date
    ) -> list[Installment]:
        """Same result as ``build_schedule(product, principal, rate_bp, term, start)``."""
        key = (product, principal, rate_bp, term)
        amounts = self._amounts.get(key)
        if amounts is None:
            rows = build_schedule(product, principal, rate_bp, term, _REF_START)
            amounts = (
                array("q", [r.principal for r in rows]),
                array("q", [r.interest for r in rows]),
            )
            self._amounts[key] = amounts
        first = (start.year - _TABLE_START.year) * 12 + start.month - _TABLE_START.month + 1
        if not 1 <= first <= _TABLE_MONTHS - term:
            dues = [add_months(start, n).isoformat() for n in range(1, term + 1)]
        else:
            dues = self._due_table(start.day)[first : first + term]
        principals, interests = amounts
        return [
            Installment(n, due, p, i)
            for n, due, p, i in zip(range(1, term + 1), dues, principals, interests, strict=True)
        ]

    def _due_table(self, day: int) -> list[str]:
        """Due dates anchored on ``day`` for every month of the table: ``add_months`` itself."""
        table = self._dues.get(day)
        if table is None:
            table = [add_months(_TABLE_START, m, day).isoformat() for m in range(_TABLE_MONTHS)]
            self._dues[day] = table
        return table


@dataclass(slots=True)
class LoanFacts:
    """One generated loan and what the contact history needs to know about it."""

    loan: dict[str, Any]
    schedule: list[Installment]
    state: str
    start: date
    dpd: int
    first_unpaid_due: date | None
    settled_on: date | None
    payments: list[dict[str, Any]] = field(default_factory=list)
    vehicle: dict[str, Any] = field(default_factory=dict)

    @property
    def delinquent(self) -> bool:
        return self.dpd > 0


def pick_state(rng: Random) -> str:
    return rng.choices(_STATE_NAMES, cum_weights=_STATE_CUM)[0]


def pick_terms(rng: Random, price_yuan: int) -> tuple[str, int, int, int]:
    """(product, principal fen, rate bp, term months) for a car of ``price_yuan``."""
    down = rng.uniform(0.15, 0.4)
    principal_yuan = round(price_yuan * (1 - down) / 5000) * 5000
    principal_yuan = min(max(principal_yuan, 30_000), 400_000)
    product = Product.EQUAL_INSTALLMENT if rng.random() < 0.8 else Product.EQUAL_PRINCIPAL
    term = rng.choices(TERMS, cum_weights=TERM_CUM)[0]
    return str(product), principal_yuan * 100, rng.choice(RATES_BP), term


def pick_start(rng: Random, state: str, term: int, as_of: date) -> date:
    """A start date that puts the loan where its state says: mid-life, finished, ..."""
    if state == "settled":
        return add_months(as_of, -term) - timedelta(days=rng.randint(10, 700))
    if state == "chronic":
        return add_months(as_of, -rng.randint(min(24, term - 2), term - 2)) - timedelta(
            days=rng.randint(1, 27)
        )
    low = {"current": 1, "early_settled": 6, "M1": 2, "M2": 3, "M3": 4, "M4": 6}[state]
    elapsed = rng.randint(min(low, term - 1), term - 1)
    return add_months(as_of, -elapsed) - timedelta(days=rng.randint(1, 27))


class PaymentBook:
    """Applies payments to one loan's schedule and writes the Payment records."""

    def __init__(self, loan_id: str, borrower_id: str, offset_h: int, rng: Random) -> None:
        self.loan_id = loan_id
        self.borrower_id = borrower_id
        self.offset_h = offset_h
        self.rng = rng
        self.records: list[dict[str, Any]] = []
        self.paid_through = 0  # installments before this index are paid in full
        self._prefix = f"P{loan_id[1:]}-"
        self._random = rng.random

    def _record(self, channel: str, amount: int, day: date, status: str) -> None:
        if channel == "auto_debit":  # the bank's overnight debit run, 02:00–06:00
            local = 7200 + int(self._random() * 14400)
        else:
            local = 28800 + int(self._random() * 50400)
        records = self.records
        records.append(
            {
                "id": f"{self._prefix}{len(records) + 1:03d}",
                "loan_id": self.loan_id,
                "borrower_id": self.borrower_id,
                "channel": channel,
                "amount": amount,
                "posted_at": stamp(day, local, self.offset_h),
                "status": status,
            }
        )

    def pay(self, schedule: list[Installment], k: int, day: date, channel: str, amount=None):
        """Pay installment ``k`` (0-based; all before it are paid) on ``day``."""
        inst = schedule[k]
        due = amount_due(inst) if amount is None else amount
        # Every earlier installment is paid and ``due`` fits in this one, so applying it to this
        # row alone is what applying it to the whole schedule (oldest dues first) does.
        apply_payment([inst], due, day)
        self._record(channel, due, day, "posted")

    def fail(self, amount: int, day: date) -> None:
        self._record("auto_debit", amount, day, "failed")


def settle_schedule(
    rng: Random, schedule: list[Installment], state: str, as_of: date, book: PaymentBook
) -> date | None:
    """Pay the schedule as ``state`` needs; returns the settlement date for settled loans."""
    due_dates = [date.fromisoformat(x.due_date) for x in schedule]
    due_count = sum(1 for d in due_dates if d < as_of)
    unpaid = 0
    if state in UNPAID_BY_STATE:
        low, high = UNPAID_BY_STATE[state]
        unpaid = min(rng.randint(low, high), due_count)
    elif state == "chronic" and rng.random() < 0.5:
        unpaid = 1
    settle_at = None
    if state == "early_settled":
        settle_at = rng.randint(min(3, due_count - 1), due_count - 1)
    chronic = state == "chronic"
    rand = rng.random
    for k in range(due_count - unpaid):
        if settle_at is not None and k == settle_at:
            return _settle_early(rng, schedule, k, due_dates, as_of, book)
        roll = rand()
        if chronic or roll < 0.08:
            _pay_off_time(rng, schedule, k, due_dates[k], as_of, book, roll, chronic=chronic)
        else:  # the usual case, kept short: the auto-debit collects on the due date
            book.pay(schedule, k, due_dates[k], "auto_debit")
    for k in range(due_count - unpaid, due_count):
        book.fail(amount_due(schedule[k]), due_dates[k])
    if unpaid and rng.random() < 0.3:
        k = due_count - unpaid
        part = amount_due(schedule[k]) * rng.randint(30, 70) // 100
        day = min(due_dates[k] + timedelta(days=rng.randint(3, 20)), as_of - timedelta(days=1))
        book.pay(schedule, k, day, rng.choice(LATE_CHANNELS), part)
    book.paid_through = due_count - unpaid
    if due_count == len(schedule) and not unpaid:
        return date.fromisoformat(schedule[-1].paid_date or schedule[-1].due_date)
    return None


def _pay_off_time(rng, schedule, k, due, as_of, book, roll: float, *, chronic: bool) -> None:
    """A failed debit and a late payment in another channel, or a payment ahead of time."""
    if chronic or roll < 0.06:
        late = rng.randint(3, 25) if chronic else rng.randint(1, 12)
        day = min(due + timedelta(days=late), as_of - timedelta(days=1))
        book.fail(amount_due(schedule[k]), due)
        book.pay(schedule, k, day, rng.choice(LATE_CHANNELS))
    else:
        book.pay(schedule, k, due - timedelta(days=rng.randint(1, 5)), rng.choice(LATE_CHANNELS))


def _settle_early(rng, schedule, k, due_dates, as_of, book) -> date:
    """Pay off everything at installment ``k``: future interest is waived on early settlement."""
    day = min(due_dates[k] + timedelta(days=rng.randint(0, 20)), as_of - timedelta(days=1))
    for inst in schedule[k + 1 :]:
        inst.interest = 0
    total = sum(amount_due(x) for x in schedule[k:])
    apply_payment(schedule[k:], total, day)
    book.paid_through = len(schedule)
    book._record(rng.choice(("bank_transfer", "app", "counter")), total, day, "posted")
    return day


def loan_status(state: str, dpd: int, settled_on: date | None) -> str:
    if settled_on is not None:
        return str(LoanStatus.EARLY_SETTLED if state == "early_settled" else LoanStatus.SETTLED)
    if dpd > 180:
        return str(LoanStatus.CHARGED_OFF)
    return str(LoanStatus.OVERDUE if dpd > 0 else LoanStatus.ACTIVE)


def installment_dicts(schedule: list[Installment]) -> list[dict[str, Any]]:
    """The schedule as wire objects (``dataclasses.asdict`` is ten times slower)."""
    return [
        {
            "n": x.n,
            "due_date": x.due_date,
            "principal": x.principal,
            "interest": x.interest,
            "paid_principal": x.paid_principal,
            "paid_interest": x.paid_interest,
            "paid_date": x.paid_date,
        }
        for x in schedule
    ]


def first_unpaid_due(schedule: list[Installment], start: int = 0) -> date | None:
    """Due date of the oldest installment not paid in full; those before ``start`` are paid."""
    for x in schedule[start:]:
        if amount_due(x):
            return date.fromisoformat(x.due_date)
    return None


def dpd_of(schedule: list[Installment], as_of: date, start: int = 0) -> int:
    """``days_past_due`` of the schedule, skipping the first ``start`` installments (all paid)."""
    return days_past_due(schedule[start:], as_of)
