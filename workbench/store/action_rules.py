"""What an agent's action must satisfy before it is kept: one ValidationError per problem.

Each check raises :class:`ValidationError` with the form ``field`` it is about, a stable message
``key`` (``"amount.too_large"``; the desk translates keys) and a bilingual ``message`` (Simplified
Chinese first) that the command line prints as is. Checks read the cache but never write.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workbench.domain.models import LoanStatus
from workbench.domain.money import format_fen, parse_yuan

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
NOTE_MAX = 4000
REASON_MAX = 500
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # keeps \n and \t
_LINE_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]{5,20}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}")
PROMISE_HORIZON_DAYS = 30
CALLBACK_HORIZON_DAYS = 90
PROMISE_MARGIN_FEN = 10_000  # ¥100 above the payoff, or 10 % of it when that is more
_SETTLED = {LoanStatus.SETTLED.value, LoanStatus.EARLY_SETTLED.value}


class ValidationError(ValueError):
    """An action the agent must correct; nothing is written when it is raised.

    ``field`` names the form field, ``key`` the problem (stable, for translation), ``params``
    the values the message mentions, ``message`` a bilingual sentence.
    """

    def __init__(self, field: str, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.key = key
        self.message = message
        self.params = params


def business_today(now: datetime) -> date:
    """The lender's date (Asia/Shanghai) at ``now``."""
    return now.astimezone(BUSINESS_ZONE).date()


def text(
    field: str, value: Any, *, limit: int, what_zh: str, what_en: str, multiline: bool = False
) -> str:
    """A person's text: not blank, at most ``limit`` characters, no control characters (line
    breaks and tabs only where ``multiline``); kept exactly as typed."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field, f"{field}.empty", f"{what_zh}不能为空 / the {what_en} must not be empty"
        )
    if (_CONTROL if multiline else _LINE_CONTROL).search(value):
        raise ValidationError(
            field,
            f"{field}.control",
            f"{what_zh}含有控制字符 / the {what_en} holds a control character"
            + ("" if multiline else " or a line break"),
        )
    if len(value) > limit:
        raise ValidationError(
            field,
            f"{field}.too_long",
            f"{what_zh}最多 {limit} 字（现 {len(value)} 字） / the {what_en} is {len(value)} "
            f"characters, at most {limit} are allowed",
            limit=limit,
            length=len(value),
        )
    return value


def one_of(field: str, value: Any, allowed: tuple[str, ...], *, what: str) -> str:
    """One of a fixed set of codes."""
    if value not in allowed:
        raise ValidationError(
            field,
            f"{field}.unknown",
            f"未知的{what} {str(value)[:40]!r}，可选：{', '.join(allowed)} / unknown {field} "
            f"{str(value)[:40]!r}; choose one of {', '.join(allowed)}",
            allowed=allowed,
        )
    return value


def phone_number(field: str, value: Any) -> str:
    """Digits only, 5 to 20 of them (a mainland mobile, or a landline with its area code)."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise ValidationError(
            field,
            f"{field}.invalid",
            "号码须为 5–20 位数字 / the number must be 5 to 20 digits",
        )
    return value


def recipient(channel: str, value: Any) -> str:
    """An SMS goes to a phone number, an e-mail to an address."""
    if channel == "sms":
        return phone_number("to", value)
    if not isinstance(value, str) or not _EMAIL.fullmatch(value) or len(value) > 254:
        raise ValidationError(
            "to", "to.invalid", "邮箱地址不对 / not an e-mail address (name@example.com)"
        )
    return value


def parse_amount(value: str | int) -> int:
    """Fen from what was typed in yuan (``"1,234.50"``, ``"￥８００"``) or an int of fen."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return parse_yuan(str(value))
    except ValueError:
        raise ValidationError(
            "amount",
            "amount.invalid",
            f"金额格式不对：{str(value)[:40]!r}（例如 1,234.50） / not an amount in yuan: "
            f"{str(value)[:40]!r} (e.g. 1,234.50)",
        ) from None


def amount(value: int, *, owed: int) -> int:
    """A promised amount: more than zero and at most what is owed plus a margin."""
    if value <= 0:
        raise ValidationError(
            "amount", "amount.not_positive", "金额必须大于零 / the amount must be more than zero"
        )
    limit = owed + max(owed // 10, PROMISE_MARGIN_FEN)
    if value > limit:
        raise ValidationError(
            "amount",
            "amount.too_large",
            f"金额 {format_fen(value)} 超过应还总额 {format_fen(owed)} 太多 / the amount "
            f"{format_fen(value)} is far above the {format_fen(owed)} owed "
            f"(at most {format_fen(limit)})",
            owed=owed,
            limit=limit,
        )
    return value


def promised_date(value: date | str, *, today: date) -> date:
    """A promise's date: today or later, within :data:`PROMISE_HORIZON_DAYS`."""
    day = _as_date(value)
    if day < today:
        raise ValidationError(
            "promised_date",
            "promised_date.past",
            f"承诺日期 {day} 已过 / the promised date {day} is in the past",
            today=today.isoformat(),
        )
    last = today + timedelta(days=PROMISE_HORIZON_DAYS)
    if day > last:
        raise ValidationError(
            "promised_date",
            "promised_date.too_far",
            f"承诺日期最晚 {last}（{PROMISE_HORIZON_DAYS} 天内） / the promised date must be "
            f"within {PROMISE_HORIZON_DAYS} days (by {last})",
            last=last.isoformat(),
        )
    return day


def future_time(field: str, value: datetime | str, *, now: datetime) -> datetime:
    """A time after ``now`` and within :data:`CALLBACK_HORIZON_DAYS`, as aware UTC."""
    at = parse_time(field, value)
    if at <= now:
        raise ValidationError(
            field,
            f"{field}.past",
            f"时间 {iso(at)} 已过 / the time {iso(at)} is not in the future",
            now=iso(now),
        )
    if at > now + timedelta(days=CALLBACK_HORIZON_DAYS):
        raise ValidationError(
            field,
            f"{field}.too_far",
            f"时间须在 {CALLBACK_HORIZON_DAYS} 天内 / the time must be within "
            f"{CALLBACK_HORIZON_DAYS} days",
        )
    return at


def parse_time(field: str, value: datetime | str) -> datetime:
    """An aware datetime from one, or from ISO text; text without an offset is Asia/Shanghai."""
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                field,
                f"{field}.invalid",
                f"时间格式不对：{str(value)[:40]!r}（例如 2026-11-28T15:00） / not a time: "
                f"{str(value)[:40]!r} (e.g. 2026-11-28T15:00)",
            ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=BUSINESS_ZONE)
    return at.astimezone(ZoneInfo("UTC"))


def iso(at: datetime) -> str:
    """UTC ISO-8601 with a ``Z``, to the second."""
    return at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def unknown(field: str, value: str, what_zh: str, what_en: str) -> ValidationError:
    return ValidationError(
        field,
        f"{field}.unknown",
        f"本地缓存中没有{what_zh} {value[:40]!r} / no {what_en} {value[:40]!r} in the cache",
        value=value,
    )


def open_loan(loan, loan_id: str, borrower_id: str | None = None):
    """The loan, if it exists, is not settled and (when given) belongs to the borrower."""
    if loan is None:
        raise unknown("loan_id", loan_id, "贷款", "loan")
    if borrower_id is not None and loan.borrower_id != borrower_id:
        raise ValidationError(
            "loan_id",
            "loan_id.other_borrower",
            f"贷款 {loan_id} 不属于借款人 {borrower_id} / loan {loan_id} is not {borrower_id}'s",
        )
    if loan.status in _SETTLED:
        raise ValidationError(
            "loan_id", "loan_id.settled", f"贷款 {loan_id} 已结清 / loan {loan_id} is settled"
        )
    return loan


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            "promised_date",
            "promised_date.invalid",
            f"日期格式不对：{str(value)[:40]!r}（例如 2026-12-05） / not a date: "
            f"{str(value)[:40]!r} (e.g. 2026-12-05)",
        ) from None
