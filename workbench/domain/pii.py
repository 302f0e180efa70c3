"""Masking of personal data. The one place that decides what a masked value looks like."""

from __future__ import annotations


def mask_id_no(id_no: str) -> str:
    """``110101199003071234`` → ``110***********1234``: region prefix and last four kept."""
    if len(id_no) <= 7:
        return "*" * len(id_no)
    return id_no[:3] + "*" * (len(id_no) - 7) + id_no[-4:]


def mask_phone(number: str) -> str:
    """``13812345678`` → ``138****5678``; landlines keep the last four only."""
    if len(number) == 11 and number.startswith("1"):
        return number[:3] + "****" + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def mask_card(card: str) -> str:
    """``6222021234567890123`` → ``6222 **** **** 0123``: issuer prefix and last four kept."""
    digits = card.replace(" ", "")
    if len(digits) <= 8:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"
