"""The body of ``POST /v1/actions``: its fields per action type, and their validation.

One declarative table (``ENVELOPE``, ``PAYLOADS``) drives both the validator and the OpenAPI
schema, so the document cannot drift from what the core accepts. Validation here is pure (no
store): it answers *is this a well-formed action?* with a reason a person can act on. Whether
the borrower, loan or queue exist is checked when the action is applied (``effects``).

Text typed by a person may hold any Unicode, newlines and tabs, but no other control
characters (an ESC would reach every desk that shows the note; the desk refuses such records).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from workbench.domain.models import CallbackReason, Channel, Department

ACTION_TYPES = (
    "note",
    "disposition",
    "promise",
    "callback",
    "escalation",
    "message",
    "reveal_audit",
    "link_number",
    "callback_outcome",
    "escalation_update",
)
PRIORITIES = ("low", "normal", "high", "urgent")
REVEAL_FIELDS = ("id_no", "phone", "debit_card")
MAX_AMOUNT = 10**12  # fen: ten billion yuan, far beyond any car loan
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # keeps \n and \t
_LINE_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_ID_RULE = "must be 1 to 100 letters, digits or . _ : - (starting with a letter or digit)"
_DIGITS = re.compile(r"[0-9]{5,20}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


class InvalidAction(ValueError):
    """The action cannot be applied; ``str(exc)`` says why (sent as the 422 message)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field: ``kind`` is text, id, int, date, time, enum or digits."""

    kind: str
    required: bool = True
    low: int = 1  # text/digits: length; int: value
    high: int = 100
    choices: tuple[str, ...] = ()
    multiline: bool = False
    doc: str = ""


def _text(low: int, high: int, *, required: bool = True, multiline: bool = False, doc: str = ""):
    return Field("text", required, low, high, multiline=multiline, doc=doc)


def _id(doc: str = "", *, required: bool = True) -> Field:
    return Field("id", required, doc=doc)


def _enum(choices, *, required: bool = True, doc: str = "") -> Field:
    return Field("enum", required, choices=tuple(str(c) for c in choices), doc=doc)


ENVELOPE: dict[str, Field] = {
    "type": _enum(ACTION_TYPES),
    "id": _id("id of the record the action creates, chosen by the client ('N-' + uuid4 hex)"),
    "borrower_id": _id("the borrower the action is about"),
    "agent_id": _id("the acting agent; must be the token's agent"),
    "created_at": Field("time", doc="when the agent acted (UTC, ends in Z)"),
    "payload": Field("object", doc="type-specific fields"),
}

PAYLOADS: dict[str, dict[str, Field]] = {
    "note": {
        "text": _text(1, 4000, multiline=True),
        "loan_id": _id(required=False),
    },
    "disposition": {
        "code": _text(1, 64, doc="disposition code, e.g. 承诺还款"),
        "notes": _text(0, 4000, required=False, multiline=True),
        "channel": _enum(
            (Channel.CALL_IN, Channel.CALL_OUT), required=False, doc="default call_in"
        ),
        "duration_s": Field("int", False, 0, 86_400, doc="talk time in seconds, default 0"),
        "queue_id": _id(required=False),
        "loan_id": _id(required=False),
        "call_id": _id(required=False, doc="the ACD call this disposition closes"),
    },
    "promise": {
        "loan_id": _id(),
        "amount": Field("int", True, 1, MAX_AMOUNT, doc="fen"),
        "promised_date": Field("date"),
    },
    "callback": {
        "number": Field("digits", doc="digits only (PII)"),
        "due_at": Field("time"),
        "reason": _enum(CallbackReason),
        "priority": Field("int", False, 1, 5, doc="1 highest; default from the reason and flags"),
    },
    "escalation": {
        "department": _enum(Department),
        "reason": _text(1, 500, multiline=True),
        "priority": _enum(PRIORITIES),
        "loan_id": _id(required=False),
    },
    "message": {
        "channel": _enum((Channel.SMS, Channel.EMAIL)),
        "template": _text(1, 64),
        "body": _text(1, 4000, multiline=True),
        "to": _text(3, 254, doc="mobile number (sms) or address (email); PII"),
        "loan_id": _id(required=False),
    },
    "reveal_audit": {
        "field": _enum(REVEAL_FIELDS),
        "reason": _text(1, 500),
        "target_id": _id("the record whose field was revealed (borrower or loan id)"),
    },
    "link_number": {
        "number": Field("digits", doc="the caller's number, added to the borrower's phones (PII)"),
        "call_id": _id(required=False, doc="the ACD call the borrower proved to be on"),
    },
    "callback_outcome": {
        "callback_id": _id("the callback attempted"),
        "outcome": _enum(
            ("reached", "no_answer", "wrong_number", "promised", "call_back_later"),
        ),
        "call_id": _id(required=False, doc="the outbound ACD call (closes its after-call work)"),
        "due_at": Field("time", False, doc="call_back_later: the new time, inside the window"),
        "satisfaction": Field("int", False, 1, 5, doc="回访 score 1 (worst) .. 5 (best)"),
        "comment": _text(0, 500, required=False, multiline=True, doc="回访 comment"),
        "notes": _text(0, 4000, required=False, multiline=True),
    },
    "escalation_update": {  # supervisors only (core.escalation_actions)
        "escalation_id": _id("the escalation updated"),
        "verb": _enum(("acknowledge", "reassign", "comment", "resolve")),
        "department": _enum(Department, required=False, doc="reassign: the new department"),
        "comment": _text(0, 500, required=False, multiline=True),
    },
}


@dataclass(frozen=True, slots=True)
class Action:
    """A well-formed action (optional payload fields that were absent or null are None)."""

    type: str
    id: str
    borrower_id: str
    agent_id: str
    created_at: str
    payload: dict[str, Any]

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at)


def parse_action(body: Any) -> Action:
    """Check an action body (parsed JSON); raise ``InvalidAction`` with the first problem."""
    if not isinstance(body, dict):
        raise InvalidAction("the body must be a JSON object")
    _check_fields(body, ENVELOPE, "")
    payload = body["payload"]
    if not isinstance(payload, dict):
        raise InvalidAction("payload must be a JSON object")
    spec = PAYLOADS[body["type"]]
    _check_fields(payload, spec, "payload.")
    clean = {name: payload.get(name) for name in spec}
    _check_rules(body["type"], clean)
    return Action(
        body["type"], body["id"], body["borrower_id"], body["agent_id"], body["created_at"], clean
    )


def parse_time(text: str) -> datetime:
    """``"2026-11-27T02:00:00Z"`` → an aware UTC datetime."""
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """An aware datetime → ``"2026-11-27T02:00:00Z"`` (seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_fields(obj: dict[str, Any], spec: dict[str, Field], prefix: str) -> None:
    unknown = sorted(set(obj) - set(spec))
    if unknown:
        raise InvalidAction(
            f"unknown field {prefix}{unknown[0]}; allowed: {', '.join(prefix + n for n in spec)}"
        )
    for name, field in spec.items():
        value = obj.get(name)
        if value is None:
            if field.required:
                raise InvalidAction(f"{prefix}{name} is required")
            continue
        problem = _problem(field, value)
        if problem:
            raise InvalidAction(f"{prefix}{name} {problem}")


def _problem(field: Field, value: Any) -> str | None:
    """Why ``value`` does not fit ``field``, or None."""
    kind = field.kind
    if kind == "object":
        return None if isinstance(value, dict) else "must be a JSON object"
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        return (
            None
            if field.low <= value <= field.high
            else (f"must be from {field.low} to {field.high}, got {value}")
        )
    if not isinstance(value, str):
        return "must be a string"
    if kind == "text":
        if not field.low <= len(value) <= field.high:
            return f"must be {field.low} to {field.high} characters long, got {len(value)}"
        bad = (_CONTROL if field.multiline else _LINE_CONTROL).search(value)
        return f"contains a control character ({bad.group()!r})" if bad else None
    if kind == "id":
        return None if _ID.fullmatch(value) else _ID_RULE
    if kind == "enum":
        return None if value in field.choices else f"must be one of {', '.join(field.choices)}"
    if kind == "digits":
        return None if _DIGITS.fullmatch(value) else "must be 5 to 20 digits"
    if kind == "date":
        return None if _is_date(value) else f"must be an ISO date (YYYY-MM-DD), got {value!r}"
    if kind == "time":
        return (
            None
            if _is_time(value)
            else (f"must be a UTC time like 2026-11-27T02:00:00Z, got {value!r}")
        )
    raise AssertionError(kind)


def _is_date(value: str) -> bool:
    try:
        return len(value) == 10 and date.fromisoformat(value).year >= 2000
    except ValueError:
        return False


def _is_time(value: str) -> bool:
    if not _TIME.fullmatch(value):
        return False
    try:
        return parse_time(value).year >= 2000
    except ValueError:
        return False


def _check_rules(kind: str, payload: dict[str, Any]) -> None:
    """Rules across fields of one payload."""
    if kind == "message":
        to, channel = payload["to"], payload["channel"]
        if channel == Channel.SMS and not _DIGITS.fullmatch(to):
            raise InvalidAction("payload.to must be a phone number (5 to 20 digits) for sms")
        if channel == Channel.EMAIL and not _EMAIL.fullmatch(to):
            raise InvalidAction("payload.to must be an email address for email")
