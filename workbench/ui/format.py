"""Small formatting helpers shared by the desk's widgets.

Everything from the core is untrusted: ``safe`` turns it into ``Content`` (never markup) after
``domain.text`` has made control characters visible, so nothing reaches the terminal raw.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from textual.content import Content

from workbench.domain.text import one_line, printable
from workbench.ui.i18n import t, t_or

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
"""The agent's zone: timestamps (stored in UTC) are shown here."""

BUCKET_STYLES = {
    "M0": "$success",
    "M1": "$warning",
    "M2": "#f28c28",
    "M3": "$error",
    "M4+": "bold $error",
}
BUCKET_CLASSES = {"M0": "m0", "M1": "m1", "M2": "m2", "M3": "m3", "M4+": "m4"}


def safe(text: str | None, limit: int | None = None) -> Content:
    """Untrusted text as one harmless line of ``Content`` (markup is never parsed)."""
    return Content(one_line(text or "", limit))


def safe_block(text: str | None) -> Content:
    """Untrusted text that may span lines (notes): control characters made visible."""
    return Content(printable(text or ""))


def plain(text: str | None, limit: int | None = None) -> str:
    """Untrusted text as a harmless one-line ``str`` (for cells that are not markup)."""
    return one_line(text or "", limit)


def label(kind: str, code: str | None) -> str:
    """The catalog label of a code (``label("product", "equal_installment")`` → 等额本息);
    an unknown code from the core is shown as itself, made harmless."""
    if not code:
        return "—"
    return t_or(f"{kind}.{code}", plain(code))


def bucket_class(bucket: str) -> str:
    """The CSS class of a DPD bucket badge (``M4+`` → ``m4``)."""
    return BUCKET_CLASSES.get(bucket, "m4")


def dpd_text(dpd: int, bucket: str) -> str:
    """``M2 · 逾期 45 天`` / ``M0 · 正常``."""
    status = t("dpd.days", dpd=dpd) if dpd > 0 else t("dpd.current")
    return f"{bucket} · {status}"


def parse_utc(stamp: str) -> datetime:
    """A stored UTC ISO timestamp (``…Z``) as an aware datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def local_time(stamp: str | None) -> str:
    """A UTC timestamp shown in the agent's zone: ``2026-11-27 10:00``."""
    if not stamp:
        return "—"
    try:
        return parse_utc(stamp).astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return plain(stamp, 16)


def duration(seconds: int) -> str:
    """Talk time as ``m:ss`` (``h:mm:ss`` past an hour); empty for zero."""
    if seconds <= 0:
        return ""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def age_on(birth_date: str, as_of: date) -> int | None:
    """Full years from ``birth_date`` (ISO) to ``as_of``; None when the date is unreadable."""
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        return None
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def rate(annual_rate_bp: int) -> str:
    """Basis points as a percentage: ``490`` → ``4.90%``."""
    return f"{annual_rate_bp / 100:.2f}%"
