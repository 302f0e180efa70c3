"""The contact gate's answer in a form's words: which rule blocks, and from when it lifts."""

from __future__ import annotations

from workbench.domain.compliance import GateDecision
from workbench.store.action_rules import ValidationError
from workbench.ui.i18n import t


def blocked(field: str, decision: GateDecision, zone_key: str) -> ValidationError:
    """A refusal naming the rule (``form.rule.<id>``) and when contact is allowed again."""
    rule = decision.rule or "unknown"
    if decision.allowed_from is not None:
        at = decision.allowed_from.strftime("%Y-%m-%d %H:%M")
        when = t("form.gate.from", time=at, tz=zone_key)
    else:
        when = t("form.gate.never")
    text = t("form.error.blocked", rule=t(f"form.rule.{rule}"), when=when)
    return ValidationError(field, "form.blocked", text, rule=rule)
