"""Scrubbing free text (log lines, crash reports) of personal numbers and bearer tokens.

Masking at the source (``domain.pii``) is the rule; this is the net under it for text nobody
formatted on purpose: an exception message, a traceback, a third-party log line.

>>> redact("call 13812345678 about 11010119900307123X, Authorization: Bearer abc.def")
'call 138****5678 about 110***********123X, Authorization: Bearer ***'
"""

from __future__ import annotations

import logging
import re

from workbench.domain import pii

_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")
_TOKEN_PARAM = re.compile(r"(?i)\b(token|access_token|authorization)=([^\s&'\"]+)")
_ID_NO = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<!\d)\d(?:-?\d){10,22}(?!\d)")  # phones, cards, landlines
_SPACED_CARD = re.compile(r"(?<!\d)\d{4}(?: \d{4}){2,3}(?: \d{1,4})?(?!\d)")


_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Hide ``secret`` (a bearer token, a key) wherever it appears in redacted text."""
    if secret and len(secret) >= 8:
        _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with known secrets and bearer tokens hidden, ID, phone and card numbers masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    text = _BEARER.sub(r"\1***", text)
    text = _TOKEN_PARAM.sub(r"\1=***", text)
    text = _ID_NO.sub(lambda m: pii.mask_id_no(m.group()), text)
    text = _SPACED_CARD.sub(lambda m: pii.mask_card(m.group()), text)
    return _DIGITS.sub(lambda m: _mask_digits(m.group()), text)


def _mask_digits(run: str) -> str:
    digits = run.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return pii.mask_phone(digits)
    if len(digits) >= 15:
        return pii.mask_card(digits)
    return pii.mask_phone(digits)


class RedactFilter(logging.Filter):
    """A logging filter that redacts each record's final message (and drops its args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = message, ()
        return True
