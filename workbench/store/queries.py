"""Read-side queries of the cache: lookup and the unified borrower view.

(Contract stub: the dataclasses and signatures are fixed; bodies are being written.)
The UI calls these from thread workers, each with its own connection from ``store.db.connect``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workbench.domain.loans import PayoffQuote
from workbench.domain.models import (
    Borrower,
    Callback,
    Escalation,
    Installment,
    Interaction,
    Loan,
    Payment,
    Promise,
    Vehicle,
)


@dataclass(frozen=True, slots=True)
class LookupHit:
    """One borrower found by a lookup; everything in it is already masked."""

    borrower_id: str
    name: str
    masked_id_no: str
    masked_phone: str  # the matched phone when a phone matched, else the first phone
    city: str
    matched_by: str  # phone | phone_last4 | id_last6 | contract | plate | name | pinyin
    worst_bucket: str  # M0 .. M4+


@dataclass(slots=True)
class LoanView:
    loan: Loan
    vehicle: Vehicle | None
    dpd: int
    bucket: str
    outstanding_principal: int
    next_due: Installment | None
    next_due_amount: int
    payoff: PayoffQuote


@dataclass(slots=True)
class BorrowerView:
    """Everything the unified borrower view shows except the (paged) interaction history."""

    borrower: Borrower  # raw: masking is the caller's job via domain.pii
    as_of: date
    loans: list[LoanView]
    payments: list[Payment]  # newest first
    promises: list[Promise]
    escalations: list[Escalation]
    callbacks: list[Callback]
    interaction_count: int
    worst_bucket: str = "M0"
    extra: dict = field(default_factory=dict)


def lookup(conn, query: str, *, limit: int = 50) -> list[LookupHit]:
    """Find borrowers by full phone, last 4 of a phone, last 6 of the ID number, contract
    number, plate, 2/3-character CJK name (or substring) or pinyin initials / full pinyin."""
    raise NotImplementedError


def borrower_view(conn, borrower_id: str, as_of: date) -> BorrowerView | None:
    raise NotImplementedError


def interactions_page(
    conn, borrower_id: str, *, offset: int = 0, limit: int = 100
) -> list[Interaction]:
    """Interaction history newest first, one page at a time."""
    raise NotImplementedError
