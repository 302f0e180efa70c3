"""Escalations by department and the callback backlog, as the supervisor's panes show them.

- **Escalations** per department: ``open`` (status open or acknowledged), of which
  ``acknowledged``, ``overdue`` (its SLA due time has passed), ``due_soon`` (due within the
  warning window, not yet overdue) and the ``oldest`` open one's age.
- **Callback backlog** per reason: ``open`` (open or claimed), ``overdue`` (due time passed) and
  ages since creation in buckets (< 1 h, 1–4 h, 4–24 h, ≥ 24 h).
- **回访 feedback** (``callback_feedback``): satisfaction scores (1–5) recorded on follow-up
  attempts, overall and today (the day in Asia/Shanghai): count and mean; and the latest
  comments, newest first, by callback and borrower id only, the text on one line, cut short,
  and with any phone, ID or card number masked (``domain.redact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from workbench.domain.redact import redact
from workbench.domain.wallboard import ZONE, parse_at

OPEN_ESCALATION = frozenset({"open", "acknowledged"})
OPEN_CALLBACK = frozenset({"open", "claimed"})
AGE_BUCKETS = ((3600, "lt_1h"), (4 * 3600, "1_4h"), (24 * 3600, "4_24h"))
OLDEST_BUCKET = "ge_24h"
DUE_SOON_S = 1800.0
FEEDBACK_LATEST = 3
COMMENT_MAX = 60


def escalation_state(esc: Mapping[str, Any], now: datetime, due_soon_s: float = DUE_SOON_S) -> str:
    """``resolved``, ``overdue``, ``due_soon`` or ``ok`` for one escalation record."""
    if esc.get("status") not in OPEN_ESCALATION:
        return "resolved"
    left = (parse_at(esc["sla_due_at"]) - now).total_seconds()
    if left < 0:
        return "overdue"
    return "due_soon" if left <= due_soon_s else "ok"


def escalations_by_department(
    escalations: Iterable[Mapping[str, Any]], now: datetime, due_soon_s: float = DUE_SOON_S
) -> dict[str, dict[str, Any]]:
    """Per department: open, acknowledged, overdue, due_soon, oldest_id and oldest_s."""
    out: dict[str, dict[str, Any]] = {}
    for esc in escalations:
        state = escalation_state(esc, now, due_soon_s)
        if state == "resolved":
            continue
        dept = out.setdefault(
            esc["department"],
            {
                "open": 0,
                "acknowledged": 0,
                "overdue": 0,
                "due_soon": 0,
                "oldest_id": None,
                "oldest_s": None,
            },
        )
        dept["open"] += 1
        dept["acknowledged"] += esc["status"] == "acknowledged"
        dept["overdue"] += state == "overdue"
        dept["due_soon"] += state == "due_soon"
        age = (now - parse_at(esc["created_at"])).total_seconds()
        if dept["oldest_s"] is None or age > dept["oldest_s"]:
            dept["oldest_s"], dept["oldest_id"] = round(age), esc["id"]
    return dict(sorted(out.items()))


def age_bucket(seconds: float) -> str:
    """The backlog age bucket of ``seconds``."""
    for limit, name in AGE_BUCKETS:
        if seconds < limit:
            return name
    return OLDEST_BUCKET


def callback_backlog(
    callbacks: Iterable[Mapping[str, Any]], now: datetime
) -> dict[str, dict[str, int]]:
    """Per reason: open, overdue, and the open ones by age bucket (see the module doc)."""
    out: dict[str, dict[str, int]] = {}
    for cb in callbacks:
        if cb.get("status") not in OPEN_CALLBACK:
            continue
        row = out.setdefault(
            cb["reason"],
            {"open": 0, "overdue": 0, **{name: 0 for _, name in AGE_BUCKETS}, OLDEST_BUCKET: 0},
        )
        row["open"] += 1
        row["overdue"] += parse_at(cb["due_at"]) < now
        row[age_bucket((now - parse_at(cb["created_at"])).total_seconds())] += 1
    return dict(sorted(out.items()))


def clean_comment(text: str, limit: int = COMMENT_MAX) -> str:
    """A borrower's comment for a pane: one line, printable, numbers masked, at most ``limit``."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    one_line = redact(" ".join(printable.split()))
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def callback_feedback(
    callbacks: Iterable[Mapping[str, Any]], now: datetime, latest: int = FEEDBACK_LATEST
) -> dict[str, Any]:
    """回访 feedback (see the module doc): ``scored``, ``mean``, ``scored_today``,
    ``mean_today`` (None with no score) and ``latest`` comments
    (``callback_id``, ``borrower_id``, ``at``, ``score``, ``comment``)."""
    today = now.astimezone(ZONE).date()
    scores: list[int] = []
    today_scores: list[int] = []
    comments: list[dict[str, Any]] = []
    for cb in callbacks:
        if cb.get("reason") != "follow_up":
            continue
        for step in cb.get("history") or []:
            if step.get("kind") != "attempt":
                continue
            score = step.get("satisfaction")
            at = parse_at(step["at"])
            if score is not None:
                scores.append(score)
                if at.astimezone(ZONE).date() == today:
                    today_scores.append(score)
            text = clean_comment(step.get("comment") or "")
            if text:
                comments.append({"callback_id": cb["id"], "borrower_id": cb["borrower_id"],
                                 "at": step["at"], "score": score, "comment": text})  # fmt: skip
    comments.sort(key=lambda c: (c["at"], c["callback_id"]), reverse=True)
    return {
        "scored": len(scores),
        "mean": _mean(scores),
        "scored_today": len(today_scores),
        "mean_today": _mean(today_scores),
        "latest": comments[:latest],
    }


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
