"""Demo follow-ups: promises to pay, escalations with their SLA and history, callbacks."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

from workbench.core.clock import stamp
from workbench.core.demo_loans import LoanFacts
from workbench.domain.loans import amount_due, bucket, days_past_due, payoff_quote

# department → (SLA hours, reasons)
ESCALATION_REASONS: dict[str, tuple[int, tuple[str, ...]]] = {
    "supervisor": (4, ("客户要求主管回电", "客户对催收方式不满，要求主管处理")),
    "risk": (48, ("疑似车辆转卖，GPS信号异常", "客户失联，申请风控排查")),
    "legal": (120, ("逾期超过90天，转法务诉讼评估", "客户明确拒绝还款，申请发送律师函")),
    "collections": (72, ("M2以上逾期，申请转外访催收",)),
    "complaints": (24, ("客户投诉重复扣款", "客户投诉催收电话过多", "客户投诉解押进度慢")),
    "operations": (72, ("结清后申请解押，需开具结清证明", "客户申请邮寄结清证明")),
}
PRIORITY_BY_DEPARTMENT = {
    "supervisor": "high", "risk": "high", "legal": "normal", "collections": "normal",
    "complaints": "urgent", "operations": "normal",
}  # fmt: skip


def promises(
    rng: Random, bid: str, loan: LoanFacts, as_of: date, offset_h: int, agents: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Promises on a late or chronically late loan; the newest may still be pending."""
    if not (loan.delinquent or loan.state == "chronic"):
        return []
    owed = sum(amount_due(x) for x in loan.schedule if date.fromisoformat(x.due_date) < as_of)
    owed = owed or loan.loan["installment_amount"]
    count = rng.randint(3, 8) if loan.state == "chronic" else rng.randint(1, 3)
    start = loan.first_unpaid_due or (as_of - timedelta(days=365))
    out = []
    for n in range(1, count + 1):
        newest = n == count
        if newest and loan.dpd and loan.dpd <= 60 and rng.random() < 0.6:
            created = as_of - timedelta(days=rng.randint(1, 3))
            promised, status = as_of + timedelta(days=rng.randint(1, 10)), "pending"
        else:
            span = max((as_of - start).days - 12, 1)
            created = start + timedelta(days=rng.randint(0, span))
            promised = created + timedelta(days=rng.randint(2, 10))
            kept = 0.75 if loan.state == "chronic" else 0.25
            roll = rng.random()
            status = "kept" if roll < kept else ("partial" if roll < kept + 0.15 else "broken")
        out.append(
            {
                "id": f"R{bid[1:]}-{loan.loan['id'][-1]}{n:02d}",
                "borrower_id": bid,
                "loan_id": loan.loan["id"],
                "amount": owed,
                "promised_date": promised.isoformat(),
                "status": status,
                "created_at": stamp(created, rng.randint(32_400, 72_000), offset_h),
                "agent_id": rng.choice(agents),
            }
        )
    out.sort(key=lambda p: p["created_at"])
    return out


def escalation(
    rng: Random,
    bid: str,
    department: str,
    loan: LoanFacts | None,
    open_promises: int,
    as_of: date,
    offset_h: int,
    raised_by: str | None,
    handlers: tuple[str, ...],
) -> dict[str, Any]:
    """One escalation raised in the last 60 days, with a loan snapshot as of the raise date."""
    sla_hours, reasons = ESCALATION_REASONS[department]
    created_day = as_of - timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 13, 21, 34, 55)))
    created_s = rng.randint(32_400, 64_800)
    created_at = stamp(created_day, created_s, offset_h)
    sla_due_at = stamp(created_day, created_s + sla_hours * 3600, offset_h)
    age_h = (as_of - created_day).days * 24
    history = [{"at": created_at, "status": "open", "by": raised_by, "comment": ""}]
    status = "open"
    if age_h >= 24 or rng.random() < 0.3:
        status = "acknowledged"
        history.append(_event(rng, created_day, created_s + 1800, offset_h, status, handlers))
    if age_h > sla_hours and rng.random() < 0.7:
        status = "resolved"
        history.append(
            _event(rng, created_day, created_s + sla_hours * 3000, offset_h, status, handlers)
        )
    return {
        "id": f"E{bid[1:]}-{department[:3]}",
        "borrower_id": bid,
        "loan_id": loan.loan["id"] if loan else None,
        "department": department,
        "reason": rng.choice(reasons),
        "priority": PRIORITY_BY_DEPARTMENT[department],
        "status": status,
        "created_at": created_at,
        "sla_due_at": sla_due_at,
        "agent_id": raised_by,
        "snapshot": snapshot(loan, created_day, open_promises),
        "history": history,
    }


def _event(rng, day, seconds, offset_h, status, handlers) -> dict[str, Any]:
    comment = {"acknowledged": "已受理，处理中", "resolved": "已处理完毕，已回复客户"}[status]
    return {
        "at": stamp(day, seconds, offset_h),
        "status": status,
        "by": rng.choice(handlers),
        "comment": comment,
    }


def snapshot(loan: LoanFacts | None, day: date, open_promises: int) -> dict[str, Any]:
    """The loan at raise time: DPD, bucket, outstanding principal, payoff, open promises."""
    if loan is None:
        return {"open_promises": open_promises}
    schedule, terms = loan.schedule, loan.loan
    quote = payoff_quote(schedule, terms["annual_rate_bp"], terms["late_fee_daily_bp"], day)
    dpd = days_past_due(schedule, day)
    return {
        "loan_id": terms["id"],
        "dpd": dpd,
        "bucket": bucket(dpd),
        "outstanding_principal": quote.outstanding_principal,
        "payoff": quote.total,
        "open_promises": open_promises,
    }


CALLBACK_EXTRAS: dict[str, Any] = {
    "claimed_by": None,
    "claim_expires_at": None,
    "history": [],
    "first_attempt_at": None,
    "last_outcome": None,
    "satisfaction": None,
    "comment": "",
    "source": None,
    "wait_s": 0,
}
"""The working fields of a callback (``models.Callback``), as a demo callback starts them."""


def callback(
    rng: Random,
    bid: str,
    n: int,
    reason: str,
    number: str,
    as_of: date,
    offset_h: int,
    queue_id: str,
) -> dict[str, Any]:
    """A callback task; most are open and due today or tomorrow, some already done."""
    history = rng.random() < 0.25
    if reason == "abandoned":  # an evening call that hung up in the queue
        created_day, created_s = as_of - timedelta(days=1), rng.randint(61_200, 75_600)
        due_day, due_s = as_of, rng.randint(32_400, 43_200)
    else:
        created_day = as_of - timedelta(days=rng.randint(1, 5))
        created_s = rng.randint(32_400, 68_400)
        due_day = as_of + timedelta(days=rng.randint(0, 1))
        due_s = rng.randint(32_400, 68_400)
    if history:
        created_day -= timedelta(days=rng.randint(7, 60))
        due_day = created_day + timedelta(days=1)
    priority = {"abandoned": 2, "broken_promise": 1, "requested": 3, "follow_up": 4}[reason]
    status = rng.choice(("done", "done", "cancelled")) if history else "open"
    return {
        "id": f"C{bid[1:]}-{n}",
        "borrower_id": bid,
        "number": number,
        "reason": reason,
        "due_at": stamp(due_day, due_s, offset_h),
        "priority": priority + (1 if rng.random() < 0.2 else 0),
        "attempts": rng.randint(1, 3) if history else rng.choice((0, 0, 0, 1)),
        "status": status,
        "created_at": stamp(created_day, created_s, offset_h),
        "queue_id": queue_id,
        **CALLBACK_EXTRAS,
    }
