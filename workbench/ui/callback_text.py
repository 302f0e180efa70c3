"""What the callback worklist says: due and overdue (relative, ticking), gate, claim (pure)."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from workbench.domain.callback_work import WorklistRow, parse_at
from workbench.domain.compliance import GateDecision
from workbench.ui.calls import clock_text
from workbench.ui.format import label, plain, safe
from workbench.ui.i18n import t

MUTED = "$text-muted"
DAY_S = 86_400


def span_text(seconds: int) -> str:
    """``754`` → ``12:34``; a day or more → ``2 天`` / ``2 d``."""
    seconds = abs(seconds)
    if seconds >= DAY_S:
        return t("callback.days", n=seconds // DAY_S)
    return clock_text(seconds)


def due_text(due_at: str, now: datetime) -> tuple[str, str]:
    """The due time relative to ``now`` and its style: ``逾期 12:34`` or ``12:34 后``."""
    seconds = int((parse_at(due_at) - now).total_seconds())
    if seconds < 0:
        return t("callback.overdue", span=span_text(seconds)), "bold $error"
    style = "bold $warning" if seconds <= 1800 else ""
    return t("callback.due_in", span=span_text(seconds)), style


def until_text(at: datetime | str | None) -> str:
    """When a block lifts, as the borrower's (or UTC) time ``2026-11-28 08:00``; "" if never."""
    if at is None:
        return ""
    if isinstance(at, str):
        try:
            at = parse_at(at)
        except ValueError:
            return plain(at, 25)
    return at.strftime("%Y-%m-%d %H:%M")


def rule_text(rule: str | None, until: datetime | str | None, *, short: bool = False) -> str:
    """``contact_window 不在可联系时段… · 至 2026-11-28 08:00`` (the rule id named; ``short``:
    without the rule's sentence, for the table)."""
    rule = rule or "unknown"
    name = t(f"form.rule.{rule}")
    if name == f"form.rule.{rule}":
        name = t("form.rule.unknown")
    when = until_text(until)
    text = plain(rule, 40) if short else f"{plain(rule, 40)} {name}"
    return t("callback.until", text=text, time=when) if when else text


def gate_cell(gate: GateDecision, ready: bool) -> Content:
    """The gate column: allowed, blocked (rule and until when), or not yet due."""
    if not gate.allowed:
        return Content.styled("⛔ " + rule_text(gate.rule, gate.allowed_from, short=True), "$error")
    if not ready:
        return Content.styled(t("callback.not_ready"), MUTED)
    return Content.styled("✓ " + t("callback.allowed"), "$success")


def claim_cell(row: WorklistRow) -> Content:
    """Who holds the callback: me, another agent (greyed), or nobody."""
    if row.mine:
        return Content.styled(t("callback.mine"), "bold $accent")
    if row.claimed_by:
        return Content.styled(t("callback.held_by", agent=plain(row.claimed_by, 20)), MUTED)
    return Content("")


def row_cells(row: WorklistRow, now: datetime) -> list[Content]:
    """The cells of one worklist row at ``now``."""
    due, style = due_text(row.due_at, now)
    dim = bool(row.claimed_by and not row.mine)
    name = row.borrower_name or row.callback.borrower_id
    who = Content.assemble(safe(name, 12), "  ", (plain(row.number_masked, 16), MUTED))
    cells = [
        Content.styled(f"P{row.priority}", "bold" if row.priority <= 2 else ""),
        Content.styled(due, style),
        Content(label("callback_reason", row.reason)),
        Content(str(row.attempts)),
        who,
        gate_cell(row.gate, row.ready),
        claim_cell(row),
    ]
    return [c.stylize(MUTED) if dim else c for c in cells]


COLUMNS = ("priority", "due", "reason", "attempts", "borrower", "gate", "claim")
WIDTHS = {
    "priority": 6,
    "due": 12,
    "reason": 8,
    "attempts": 4,
    "borrower": 28,
    "gate": 48,
    "claim": 12,
}
"""Fixed column widths (a wide-character cell measured late would cut the text)."""
