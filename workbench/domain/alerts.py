"""Supervisor alerts: thresholds per queue and department, raised with the rule that fired.

Rules (each configurable per queue or per department, defaults in ``Thresholds``):

- ``waiting``: more than ``waiting_max`` calls waiting in a queue now;
- ``service_level``: a queue's service level today under its target (once at least
  ``sl_min_calls`` calls count towards it, so the first abandoned call of the day is no alarm);
- ``escalation_due``: an open escalation of a department is within ``due_soon_s`` of its SLA;
- ``escalation_overdue``: an open escalation has passed its SLA.

``evaluate`` is pure: figures in, the alerts that hold now out. ``AlertBook`` remembers since
when each one holds; an alert whose condition no longer holds clears by itself.

Thresholds from a file (``workbench core serve --alerts FILE``), parsed by
``parse_alert_rules`` (TOML text, or the table already read); every key is optional, a queue's
or department's table starts from ``[default]``, which starts from the built-in defaults::

    [default]
    waiting_max = 5        # calls waiting now, more is an alert
    sl_min_calls = 5       # calls counted before the service level can alert
    due_soon_min = 30      # minutes before an escalation's SLA that it is "about to breach"

    [queue.overdue]
    waiting_max = 3

    [department.legal]
    due_soon_min = 60

``rules_as_table`` gives the same shape back (the wallboard snapshot carries it).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from workbench.domain.supervision import DUE_SOON_S, escalation_state


@dataclass(frozen=True, slots=True)
class Thresholds:
    """One queue's or department's alert settings."""

    waiting_max: int = 5
    sl_min_calls: int = 5
    due_soon_s: float = DUE_SOON_S


@dataclass(frozen=True, slots=True)
class AlertRules:
    """Default thresholds, with overrides per queue id and per department."""

    default: Thresholds = Thresholds()
    queues: Mapping[str, Thresholds] = field(default_factory=dict)
    departments: Mapping[str, Thresholds] = field(default_factory=dict)

    def for_queue(self, queue_id: str) -> Thresholds:
        return self.queues.get(queue_id, self.default)

    def for_department(self, department: str) -> Thresholds:
        return self.departments.get(department, self.default)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: ``rule`` that fired, on ``subject`` (queue id or escalation id), with values."""

    rule: str  # waiting | service_level | escalation_due | escalation_overdue
    subject: str
    value: float
    limit: float
    department: str | None = None
    since: str | None = None  # when it was first raised (set by AlertBook)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.subject)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "value": self.value,
            "limit": self.limit,
            "department": self.department,
            "since": self.since,
        }


def queue_alerts(rows: Iterable[Mapping[str, Any]], rules: AlertRules) -> list[Alert]:
    """Waiting and service-level alerts from queue rows (``QueueRow.as_dict``; not the total)."""
    out = []
    for row in rows:
        qid = row["queue_id"]
        if qid == "*":
            continue
        limits = rules.for_queue(qid)
        if row["waiting"] > limits.waiting_max:
            out.append(Alert("waiting", qid, row["waiting"], limits.waiting_max))
        sl, target = row.get("service_level"), row.get("target_pct")
        counted = row["answered"] + row["abandoned"] - row.get("short_abandoned", 0)
        enough = sl is not None and target is not None and counted >= limits.sl_min_calls
        if enough and sl * 100 < target:
            out.append(Alert("service_level", qid, round(sl * 100, 1), target))
    return out


def escalation_alerts(
    escalations: Iterable[Mapping[str, Any]], now: datetime, rules: AlertRules
) -> list[Alert]:
    """About-to-breach and overdue alerts, one per open escalation."""
    out = []
    for esc in escalations:
        limits = rules.for_department(esc["department"])
        state = escalation_state(esc, now, limits.due_soon_s)
        if state in ("due_soon", "overdue"):
            rule = "escalation_due" if state == "due_soon" else "escalation_overdue"
            left = (_at(esc["sla_due_at"]) - now).total_seconds()
            out.append(Alert(rule, esc["id"], round(left), limits.due_soon_s, esc["department"]))
    return out


def evaluate(
    rows: Iterable[Mapping[str, Any]],
    escalations: Iterable[Mapping[str, Any]],
    now: datetime,
    rules: AlertRules = AlertRules(),
) -> list[Alert]:
    """Every alert that holds now."""
    return queue_alerts(rows, rules) + escalation_alerts(escalations, now, rules)


class AlertBook:
    """The alerts raised and not yet cleared, each with the time it was first raised."""

    def __init__(self) -> None:
        self.active: dict[tuple[str, str], Alert] = {}

    def update(self, holding: Iterable[Alert], now_iso: str) -> tuple[list[Alert], list[Alert]]:
        """Take the alerts that hold now; returns ``(raised, cleared)`` since the last update."""
        fresh: dict[tuple[str, str], Alert] = {}
        raised = []
        for alert in holding:
            old = self.active.get(alert.key)
            since = old.since if old is not None else now_iso
            kept = Alert(
                alert.rule, alert.subject, alert.value, alert.limit, alert.department, since
            )
            fresh[alert.key] = kept
            if old is None:
                raised.append(kept)
        cleared = [a for k, a in self.active.items() if k not in fresh]
        self.active = fresh
        return raised, cleared

    def current(self) -> list[Alert]:
        """The active alerts, oldest first."""
        return sorted(self.active.values(), key=lambda a: (a.since or "", a.rule, a.subject))


class AlertConfigError(ValueError):
    """A thresholds file that cannot be used; ``str()`` names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + problem)


_SECTIONS = ("default", "queue", "department")


def parse_alert_rules(text_or_table: str | Mapping[str, Any], source: str = "alerts") -> AlertRules:
    """``AlertRules`` from TOML text (or its table); ``AlertConfigError`` names what is wrong."""
    table = text_or_table
    if isinstance(table, str):
        try:
            table = tomllib.loads(table)
        except tomllib.TOMLDecodeError as exc:
            raise AlertConfigError(source, "", f"not valid TOML ({exc})") from None
    for name in table:
        if name not in _SECTIONS:
            raise AlertConfigError(source, name, "unknown section (use [default], "
                                   "[queue.<id>] or [department.<name>])")  # fmt: skip
    default = _thresholds(table.get("default", {}), Thresholds(), source, "default")
    groups = {}
    for section in ("queue", "department"):
        entries = table.get(section, {})
        if not isinstance(entries, Mapping):
            raise AlertConfigError(source, section, f"must be tables [{section}.<name>]")
        groups[section] = {
            str(name): _thresholds(values, default, source, f"{section}.{name}")
            for name, values in entries.items()
        }
    return AlertRules(default, groups["queue"], groups["department"])


def _thresholds(values: Any, base: Thresholds, source: str, where: str) -> Thresholds:
    if not isinstance(values, Mapping):
        raise AlertConfigError(source, where, "must be a table of settings")
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{where}.{key}"
        if key not in ("waiting_max", "sl_min_calls", "due_soon_min"):
            raise AlertConfigError(source, name, "unknown setting (waiting_max, sl_min_calls, "
                                   "due_soon_min)")  # fmt: skip
        whole = key != "due_soon_min"
        ok_type = (int,) if whole else (int, float)
        bad = isinstance(value, bool) or not isinstance(value, ok_type)
        if bad or not math.isfinite(value) or value < 0:
            kind = "a whole number" if whole else "a number of minutes"
            raise AlertConfigError(source, name, f"must be {kind} ≥ 0, not {value!r}")
        if whole:
            changes[key] = value
        else:
            changes["due_soon_s"] = float(value) * 60
    return replace(base, **changes)


def rules_as_table(rules: AlertRules) -> dict[str, Any]:
    """The rules in the file's shape (``parse_alert_rules`` reads it back)."""

    def one(th: Thresholds) -> dict[str, Any]:
        minutes = th.due_soon_s / 60
        return {
            "waiting_max": th.waiting_max,
            "sl_min_calls": th.sl_min_calls,
            "due_soon_min": int(minutes) if minutes == int(minutes) else minutes,
        }

    return {
        "default": one(rules.default),
        "queue": {q: one(th) for q, th in sorted(rules.queues.items())},
        "department": {d: one(th) for d, th in sorted(rules.departments.items())},
    }


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
