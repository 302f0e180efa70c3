"""The contact gate for one borrower from the cache: may we call (or message) them now?

``contact_gate`` picks the number (the one given, else the borrower's first own phone that is
callable), counts today's outbound contacts from the cached interaction history
(``store.callbacks.contact_history``) and asks ``domain.compliance.check_contact``. The desk's
forms, the worklist and ``workbench act call --dry-run`` give the same answer for the same cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench import config
from workbench.domain.compliance import (
    PURPOSES,
    ContactPolicy,
    GateDecision,
    check_contact,
)
from workbench.domain.models import Borrower
from workbench.store import action_rules as rules
from workbench.store import queries
from workbench.store.action_rules import ValidationError
from workbench.store.callbacks import contact_history

OWN_KINDS = ("mobile", "home", "work")


@dataclass(frozen=True, slots=True)
class GateAnswer:
    """The gate's decision for ``number`` (``None``: the borrower has no number to call)."""

    borrower_id: str
    number: str | None
    purpose: str
    kind: str
    at: datetime
    decision: GateDecision


def contact_gate(
    conn,
    borrower_id: str,
    *,
    number: str | None = None,
    purpose: str = "collection",
    kind: str = "call",
    now: datetime | None = None,
    policy: ContactPolicy | None = None,
) -> GateAnswer:
    """The gate for an outbound ``kind`` contact with ``purpose`` at ``now`` (default: now)."""
    borrower = queries.get_borrower(conn, borrower_id) if isinstance(borrower_id, str) else None
    if borrower is None:
        raise rules.unknown("borrower_id", str(borrower_id), "借款人", "borrower")
    if purpose not in PURPOSES:
        raise ValidationError(
            "purpose",
            "purpose.invalid",
            f"目的不对 / unknown purpose: choose one of {', '.join(sorted(PURPOSES))}",
        )
    now = now or config.now()
    policy = policy or config.contact_policy()[0]
    number = number if number is not None else default_number(borrower)
    history = contact_history(conn, borrower_id, number, now) if number else []
    decision = check_contact(
        policy,
        borrower=borrower,
        number=number,
        purpose=purpose,
        kind=kind,
        history=history,
        now=now,
    )
    return GateAnswer(borrower_id, number, purpose, kind, now, decision)


def default_number(borrower: Borrower) -> str | None:
    """The borrower's first own phone that may be called, else their first own phone."""
    own = [p for p in borrower.phones if p.kind in OWN_KINDS]
    callable_ = [p for p in own if p.consent and not p.do_not_call]
    pick = (callable_ or own or [None])[0]
    return pick.number if pick is not None else None
