"""Entities of car-loan servicing, as they travel on the wire and sit in the cache.

Money is ``int`` fen, rates are ``int`` basis points, timestamps are UTC ISO-8601 strings
(``2026-11-27T08:30:00Z``), dates are ISO dates (``2026-11-27``). Each dataclass below *is* the
wire contract of protocol v1: the ``data`` object of a change with ``entity`` equal to the class's
``ENTITY`` has exactly these fields (nested dataclasses become nested objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Product(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金


class LoanStatus(StrEnum):
    ACTIVE = "active"
    OVERDUE = "overdue"
    SETTLED = "settled"
    EARLY_SETTLED = "early_settled"
    CHARGED_OFF = "charged_off"


class LienStatus(StrEnum):
    MORTGAGED = "mortgaged"  # 抵押
    RELEASING = "releasing"  # 解押中
    RELEASED = "released"  # 已解押


class Flag(StrEnum):
    VIP = "vip"
    COMPLAINT_RISK = "complaint_risk"
    LEGAL_HOLD = "legal_hold"
    CEASE_CONTACT = "cease_contact"
    DECEASED = "deceased"
    FRAUD_SUSPECT = "fraud_suspect"


class Channel(StrEnum):
    CALL_IN = "call_in"
    CALL_OUT = "call_out"
    SMS = "sms"
    EMAIL = "email"
    APP_CHAT = "app_chat"
    LETTER = "letter"
    VISIT = "visit"
    NOTE = "note"  # an agent's internal note, not a contact with the borrower


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    PARTIAL = "partial"


class Department(StrEnum):
    SUPERVISOR = "supervisor"
    RISK = "risk"  # 风控
    LEGAL = "legal"  # 法务
    COLLECTIONS = "collections"
    COMPLAINTS = "complaints"  # 投诉
    OPERATIONS = "operations"  # 解押, settlement certificates


class CallbackReason(StrEnum):
    ABANDONED = "abandoned"
    REQUESTED = "requested"
    BROKEN_PROMISE = "broken_promise"
    FOLLOW_UP = "follow_up"  # 回访


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"


@dataclass(slots=True)
class Phone:
    number: str  # 11-digit mainland mobile or landline with area code, digits only
    kind: str  # mobile | home | work | spouse | relative
    consent: bool = True
    do_not_call: bool = False


@dataclass(slots=True)
class Address:
    province: str
    city: str
    district: str
    line: str


@dataclass(slots=True)
class Borrower:
    ENTITY = "borrower"
    id: str
    name: str
    id_no: str  # 18-character 身份证 number (PII)
    gender: str  # M | F
    birth_date: str
    phones: list[Phone]
    address: Address
    tz: str
    employer: str
    risk_grade: str  # A (best) .. E
    flags: list[str] = field(default_factory=list)
    created_at: str = ""


@dataclass(slots=True)
class Vehicle:
    ENTITY = "vehicle"
    id: str
    borrower_id: str
    vin: str
    plate: str  # 京A·12345
    brand: str
    model: str
    year: int
    gps_installed: bool
    lien_status: str
    insurance_expiry: str


@dataclass(slots=True)
class Installment:
    """One row of a repayment schedule; ``paid_*`` are what has been applied so far."""

    n: int
    due_date: str
    principal: int
    interest: int
    paid_principal: int = 0
    paid_interest: int = 0
    paid_date: str | None = None  # date it was paid in full, if it was


@dataclass(slots=True)
class Loan:
    ENTITY = "loan"
    id: str
    contract_no: str
    borrower_id: str
    vehicle_id: str
    product: str
    principal: int
    annual_rate_bp: int
    term_months: int
    start_date: str
    maturity_date: str
    installment_amount: int  # the regular installment (first one for equal principal)
    debit_card: str  # auto-debit bank card number (PII)
    status: str
    schedule: list[Installment]
    late_fee_daily_bp: int = 5  # late fee per day on overdue amounts, basis points


@dataclass(slots=True)
class Payment:
    ENTITY = "payment"
    id: str
    loan_id: str
    borrower_id: str
    channel: str  # auto_debit | app | bank_transfer | counter | wechat | alipay
    amount: int
    posted_at: str
    status: str  # posted | failed | reversed


@dataclass(slots=True)
class Interaction:
    ENTITY = "interaction"
    id: str
    borrower_id: str
    channel: str
    agent_id: str | None
    started_at: str
    duration_s: int
    disposition: str
    notes: str
    outcome: str
    loan_id: str | None = None
    queue_id: str | None = None


@dataclass(slots=True)
class Promise:
    ENTITY = "promise"
    id: str
    borrower_id: str
    loan_id: str
    amount: int
    promised_date: str
    status: str
    created_at: str
    agent_id: str | None = None


@dataclass(slots=True)
class EscalationEvent:
    at: str
    status: str
    by: str | None
    comment: str = ""


@dataclass(slots=True)
class Escalation:
    ENTITY = "escalation"
    id: str
    borrower_id: str
    loan_id: str | None
    department: str
    reason: str
    priority: str  # low | normal | high | urgent
    status: str  # open | acknowledged | resolved
    created_at: str
    sla_due_at: str
    agent_id: str | None
    snapshot: dict  # loan at raise time: dpd, outstanding_principal, payoff, open_promises
    history: list[EscalationEvent] = field(default_factory=list)


@dataclass(slots=True)
class CallbackStep:
    """One line of a callback's history (oldest first): a trigger, a claim or an attempt."""

    at: str
    kind: str  # created | merged | claimed | released | expired | dialed | attempt
    agent_id: str | None = None
    reason: str | None = None  # created / merged: the trigger's reason
    source: str | None = None  # call:K… | promise:P… | escalation:E… | action:C-…
    outcome: str | None = None  # attempt: reached | no_answer | wrong_number | promised | …
    call_id: str | None = None
    satisfaction: int | None = None  # 回访 score 1..5
    comment: str = ""
    due_at: str | None = None  # the due time after a merge or a call_back_later


@dataclass(slots=True)
class Callback:
    ENTITY = "callback"
    id: str
    borrower_id: str
    number: str
    reason: str
    due_at: str
    priority: int  # 1 (highest) .. 5
    attempts: int
    status: str  # open | claimed | done | cancelled
    created_at: str
    queue_id: str | None = None
    claimed_by: str | None = None  # the agent working it while status is claimed
    claim_expires_at: str | None = None
    history: list[CallbackStep] = field(default_factory=list)
    first_attempt_at: str | None = None
    last_outcome: str | None = None
    satisfaction: int | None = None  # latest 回访 score 1..5
    comment: str = ""  # latest 回访 comment
    source: str | None = None  # what created it (as CallbackStep.source)
    wait_s: int = 0  # abandoned: seconds the caller waited before hanging up


@dataclass(slots=True)
class Agent:
    ENTITY = "agent"
    id: str
    name: str
    role: str
    queues: list[str]


@dataclass(slots=True)
class Queue:
    ENTITY = "queue"
    id: str
    name: str  # Chinese display name, e.g. 还款咨询
    name_en: str
    sl_threshold_s: int = 20
    sl_target_pct: int = 80
    short_abandon_s: int = 5
    dispositions: list[str] = field(default_factory=list)
    disposition_required: bool = True  # a call of this queue needs a disposition to leave ACW


ENTITIES: dict[str, type] = {
    cls.ENTITY: cls
    for cls in (
        Agent,
        Queue,
        Borrower,
        Vehicle,
        Loan,
        Payment,
        Interaction,
        Promise,
        Escalation,
        Callback,
    )
}
"""Entity name on the wire → dataclass. The order is the order a fresh core emits them in."""
