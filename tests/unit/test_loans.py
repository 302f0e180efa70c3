"""Loan math: schedules, DPD and buckets, payments and payoff quotes."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.loans import (
    PayoffQuote,
    amount_due,
    apply_payment,
    bucket,
    build_schedule,
    days_past_due,
    equal_installment_payment,
    next_due,
    outstanding_principal,
    payoff_quote,
    round_half_up,
)

START = date(2024, 1, 15)


def loan_100k(product: str = "equal_installment", start: date = START):
    return build_schedule(product, 10_000_000, 490, 36, start)


def test_equal_installment_payment_of_the_reference_loan():
    # ¥100,000 at 4.90 % a year over 36 months → ¥2,992.60 a month.
    assert equal_installment_payment(10_000_000, 490, 36) == 299260


def test_zero_rate_payment_is_principal_over_term():
    assert equal_installment_payment(1_200_000, 0, 12) == 100_000


def test_rounding_is_half_up():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(249, 100)) == 2
    assert round_half_up(Fraction(-5, 2)) == -3


def test_reference_schedule_interest_and_last_installment():
    schedule = loan_100k()
    assert [i.n for i in schedule] == list(range(1, 37))
    assert sum(i.principal for i in schedule) == 10_000_000
    # ≈ ¥7,733.67 by a calculator's unrounded payment; with interest rounded per installment and
    # the last installment absorbing the remainder the exact figure is ¥7,733.69.
    assert sum(i.interest for i in schedule) == 773369
    assert all(i.principal + i.interest == 299260 for i in schedule[:-1])
    assert schedule[0].interest == 40833  # 10,000,000 × 0.049 / 12 = 40,833.33
    assert schedule[-1].principal + schedule[-1].interest == 299269


def test_equal_principal_schedule():
    schedule = loan_100k("equal_principal")
    assert [i.principal for i in schedule[:-1]] == [277778] * 35
    assert schedule[-1].principal == 10_000_000 - 35 * 277778
    assert schedule[0].interest == 40833
    assert [i.interest for i in schedule] == sorted((i.interest for i in schedule), reverse=True)


def test_unknown_product_and_bad_terms_are_refused():
    with pytest.raises(ValueError, match="unknown loan product"):
        build_schedule("balloon", 100, 490, 12, START)
    with pytest.raises(ValueError, match="term"):
        build_schedule("equal_principal", 100, 490, 0, START)


def test_due_dates_clamp_to_month_end_and_keep_the_anchor_day():
    schedule = build_schedule("equal_installment", 1_200_000, 600, 5, date(2024, 1, 31))
    assert [i.due_date for i in schedule] == [
        "2024-02-29",  # leap year
        "2024-03-31",
        "2024-04-30",
        "2024-05-31",
        "2024-06-30",
    ]
    non_leap = build_schedule("equal_installment", 1_200_000, 600, 2, date(2023, 1, 31))
    assert non_leap[0].due_date == "2023-02-28"


def test_dpd_and_bucket():
    schedule = loan_100k()
    first_due = date(2024, 2, 15)
    assert days_past_due(schedule, first_due) == 0  # due today is not late
    assert days_past_due(schedule, first_due + timedelta(days=1)) == 1
    assert days_past_due(schedule, date(2023, 12, 1)) == 0  # before the start
    assert days_past_due(schedule, date(2024, 5, 25)) == (date(2024, 5, 25) - first_due).days
    assert [bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "M0", "M1", "M1", "M2", "M2", "M3", "M3", "M4+", "M4+",
    ]  # fmt: skip


def test_apply_payment_oldest_first_interest_before_principal():
    schedule = loan_100k()
    left = apply_payment(schedule, 50_000, date(2024, 2, 15))
    assert left == 0
    assert schedule[0].paid_interest == 40833
    assert schedule[0].paid_principal == 50_000 - 40833
    assert schedule[0].paid_date is None
    assert days_past_due(schedule, date(2024, 2, 20)) == 5
    assert next_due(schedule, date(2024, 2, 20)) is schedule[0]

    left = apply_payment(schedule, amount_due(schedule[0]) + 1000, date(2024, 2, 21))
    assert left == 0
    assert schedule[0].paid_date == "2024-02-21"
    assert schedule[1].paid_interest == 1000 and schedule[1].paid_principal == 0
    assert days_past_due(schedule, date(2024, 2, 21)) == 0
    assert next_due(schedule, date(2024, 2, 21)) is schedule[1]


def test_overpayment_settles_and_returns_the_excess():
    schedule = loan_100k("equal_principal")
    owed = sum(amount_due(i) for i in schedule)
    assert apply_payment(schedule, owed + 123, date(2024, 3, 1)) == 123
    assert outstanding_principal(schedule) == 0
    assert next_due(schedule, date(2024, 3, 1)) is None
    assert all(i.paid_date == "2024-03-01" for i in schedule)
    with pytest.raises(ValueError):
        apply_payment(schedule, -1, date(2024, 3, 1))


def test_payoff_quote_mid_first_period_accrues_daily():
    schedule = loan_100k()  # period 1: 2024-01-15 → 2024-02-15, 31 days, interest 40833
    quote = payoff_quote(schedule, 490, 5, date(2024, 1, 25))
    assert quote == PayoffQuote(
        as_of=date(2024, 1, 25),
        outstanding_principal=10_000_000,
        overdue_interest=0,
        accrued_interest=13172,  # 40833 × 10 / 31 = 13172.0
        late_fees=0,
        total=10_013_172,
    )


def test_payoff_quote_on_a_due_date_counts_the_installment_not_the_accrual():
    schedule = loan_100k()
    quote = payoff_quote(schedule, 490, 5, date(2024, 2, 15))
    assert quote.overdue_interest == 40833
    assert quote.accrued_interest == 0
    assert quote.late_fees == 0
    assert quote.total == 10_000_000 + 40833


def test_payoff_quote_when_overdue_adds_late_fees():
    schedule = loan_100k()  # installment 1 unpaid, as_of 10 days after its due date
    as_of = date(2024, 2, 25)
    quote = payoff_quote(schedule, 490, 5, as_of)
    # late fee: 5 bp × 299,260 × 10 days = 1,496.3 → 1,496
    assert quote.late_fees == 1496
    assert quote.overdue_interest == 40833
    # period 2: 2024-02-15 → 2024-03-15 (29 days, leap February), 10 days elapsed
    assert quote.accrued_interest == round_half_up(Fraction(schedule[1].interest * 10, 29))
    assert quote.total == 10_000_000 + 40833 + quote.accrued_interest + 1496


def test_payoff_quote_first_period_start_is_inferred_across_month_ends():
    # Start 2024-01-31: first due 2024-02-29, so period 1 is 29 days from Jan 31, not Jan 29.
    schedule = build_schedule("equal_installment", 10_000_000, 490, 12, date(2024, 1, 31))
    quote = payoff_quote(schedule, 490, 5, date(2024, 2, 1))
    assert quote.accrued_interest == round_half_up(Fraction(schedule[0].interest, 29))


def test_payoff_quote_before_start_and_after_settlement():
    schedule = loan_100k()
    before = payoff_quote(schedule, 490, 5, date(2023, 6, 1))
    assert before.total == before.outstanding_principal == 10_000_000
    apply_payment(schedule, sum(amount_due(i) for i in schedule), date(2024, 2, 1))
    settled = payoff_quote(schedule, 490, 5, date(2030, 1, 1))
    assert settled == PayoffQuote(date(2030, 1, 1), 0, 0, 0, 0, 0)


def test_payoff_after_partial_interest_payment_in_current_period():
    schedule = loan_100k()
    apply_payment(schedule, 299260, date(2024, 2, 15))  # installment 1 in full
    apply_payment(schedule, 5000, date(2024, 2, 16))  # some of installment 2's interest
    quote = payoff_quote(schedule, 490, 5, date(2024, 2, 20))
    earned = round_half_up(Fraction(schedule[1].interest * 5, 29))
    assert quote.accrued_interest == max(earned - 5000, 0)
    assert quote.outstanding_principal == 10_000_000 - schedule[0].principal


loans = st.fixed_dictionaries(
    {
        "product": st.sampled_from(["equal_installment", "equal_principal"]),
        "principal": st.integers(0, 100_000_000),
        "rate": st.integers(0, 3600),
        "term": st.integers(1, 84),
        "start": st.dates(date(1995, 1, 1), date(2035, 12, 31)),
    }
)


@settings(max_examples=150, deadline=None)
@given(loans)
def test_schedule_invariants(loan):
    schedule = build_schedule(
        loan["product"], loan["principal"], loan["rate"], loan["term"], loan["start"]
    )
    assert len(schedule) == loan["term"]
    assert sum(i.principal for i in schedule) == loan["principal"]
    assert all(i.principal >= 0 and i.interest >= 0 for i in schedule)
    dues = [date.fromisoformat(i.due_date) for i in schedule]
    assert loan["start"] < dues[0]
    assert all(a < b for a, b in pairwise(dues))


@settings(max_examples=100, deadline=None)
@given(loans)
def test_paying_every_installment_on_time_settles_the_loan(loan):
    schedule = build_schedule(
        loan["product"], loan["principal"], loan["rate"], loan["term"], loan["start"]
    )
    for inst in schedule:
        due = date.fromisoformat(inst.due_date)
        assert apply_payment(schedule, amount_due(inst), due) == 0
        assert days_past_due(schedule, due + timedelta(days=1)) == 0
    end = date.fromisoformat(schedule[-1].due_date) + timedelta(days=40)
    assert days_past_due(schedule, end) == 0
    assert outstanding_principal(schedule) == 0
    assert payoff_quote(schedule, loan["rate"], 5, end).total == 0
