"""回访 feedback for the supervisor (domain.supervision) and alert thresholds from TOML
(domain.alerts.parse_alert_rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.config import ENV_HOME
from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore
from workbench.domain.alerts import (
    AlertConfigError,
    AlertRules,
    Thresholds,
    parse_alert_rules,
    rules_as_table,
)
from workbench.domain.supervision import callback_feedback, clean_comment
from workbench.ui.wallboard_state import WallboardState

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def follow_up(cid: str, *steps: dict, reason: str = "follow_up") -> dict:
    return {"id": cid, "borrower_id": "B" + cid[-3:], "reason": reason, "history": list(steps)}


def attempt(at: str, score: int | None = None, comment: str = "") -> dict:
    return {"at": at, "kind": "attempt", "satisfaction": score, "comment": comment}


def test_feedback_counts_today_in_beijing_and_overall_and_lists_the_latest_comments():
    callbacks = [
        follow_up(
            "CB-001",
            attempt("2026-11-26T15:59:00Z", 2, "太慢"),
            attempt("2026-11-26T16:01:00Z", 5, "好"),
        ),  # the first 23:59 the day before (Beijing), the second 00:01 today
        follow_up("CB-002", attempt("2026-11-27T01:00:00Z", 4)),
        follow_up("CB-003", attempt("2026-11-27T01:30:00Z", None, "没评分\n但有话说")),
        follow_up("CB-004", attempt("2026-11-27T01:40:00Z", 1, "x"), reason="abandoned"),
        follow_up("CB-005", {"at": "2026-11-27T01:50:00Z", "kind": "created", "comment": "no"}),
    ]
    fb = callback_feedback(callbacks, NOW, latest=2)
    assert (fb["scored"], fb["mean"]) == (3, 3.67)
    assert (fb["scored_today"], fb["mean_today"]) == (2, 4.5)
    assert [(c["callback_id"], c["comment"]) for c in fb["latest"]] == [
        ("CB-003", "没评分 但有话说"),
        ("CB-001", "好"),
    ]
    assert fb["latest"][0]["score"] is None and fb["latest"][0]["borrower_id"] == "B003"


def test_no_follow_ups_means_no_scores():
    assert callback_feedback([], NOW) == {
        "scored": 0, "mean": None, "scored_today": 0, "mean_today": None, "latest": [],
    }  # fmt: skip


def test_a_comment_is_one_printable_line_numbers_masked_and_cut_short():
    assert clean_comment("请\x1b[31m打 13812345678\t谢谢") == "请 [31m打 138****5678 谢谢"
    assert clean_comment("[b]x[/b]") == "[b]x[/b]"  # kept as typed; the view shows it plain
    long = clean_comment("很" * 100, limit=10)
    assert long == "很" * 9 + "…"


# -- alert thresholds from a file ---------------------------------------------------------------

GOOD = """
[default]
waiting_max = 8
due_soon_min = 45

[queue.overdue]
waiting_max = 2

[department.legal]
due_soon_min = 90.5
sl_min_calls = 0
"""


def test_thresholds_file_overrides_start_from_the_default_table():
    rules = parse_alert_rules(GOOD, "alerts.toml")
    assert rules.default == Thresholds(waiting_max=8, sl_min_calls=5, due_soon_s=45 * 60)
    assert rules.for_queue("overdue") == Thresholds(2, 5, 45 * 60)
    assert rules.for_queue("repayment") == rules.default
    assert rules.for_department("legal") == Thresholds(8, 0, 90.5 * 60)
    assert parse_alert_rules(rules_as_table(rules)) == rules  # the snapshot's shape reads back
    assert parse_alert_rules("") == AlertRules()


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[queue.overdue]\nwaiting_max = 'five'", "queue.overdue.waiting_max", "whole number"),
        ("[default]\nwaiting_max = -1", "default.waiting_max", "≥ 0"),
        ("[default]\nwaiting_max = true", "default.waiting_max", "whole number"),
        ("[default]\nwaiting_max = 2.5", "default.waiting_max", "whole number"),
        ("[department.legal]\ndue_soon_min = nan", "department.legal.due_soon_min", "minutes"),
        ("[department.legal]\ndue_soon = 30", "department.legal.due_soon", "unknown setting"),
        ("[queues.overdue]\nwaiting_max = 1", "queues", "unknown section"),
        ("queue = 3", "queue", "tables"),
        ("[queue]\noverdue = 3", "queue.overdue", "table of settings"),
        ("[default\nwaiting_max = 1", "", "not valid TOML"),
    ],
)
def test_a_bad_thresholds_file_names_the_file_and_the_key(text, key, words):
    with pytest.raises(AlertConfigError) as caught:
        parse_alert_rules(text, "alerts.toml")
    assert caught.value.key == key and words in str(caught.value)
    assert str(caught.value).startswith(f"alerts.toml: {key}: " if key else "alerts.toml: ")


def test_core_serve_refuses_a_bad_thresholds_file_before_starting(tmp_path):
    bad = tmp_path / "alerts.toml"
    bad.write_text("[queue.overdue]\nwaiting_max = 'five'\n", encoding="utf-8")
    env = {ENV_HOME: str(tmp_path / "home")}
    result = CliRunner().invoke(main, ["core", "serve", "--alerts", str(bad)], env=env)
    assert result.exit_code == 1
    assert str(bad) in result.output and "queue.overdue.waiting_max" in result.output
    assert not (tmp_path / "home").exists()  # no store made, no server started


def test_the_core_alerts_on_the_configured_threshold_and_sends_it_in_the_snapshot(tmp_path):
    path = tmp_path / "core.db"
    open_portfolio(path, 30, 3, date(2026, 11, 27)).close()
    store = CoreStore.open(path)
    try:
        rules = parse_alert_rules("[queue.overdue]\nwaiting_max = 1\n")
        core = build_app(store, acd=AcdConfig(colleagues=0), acd_clock=lambda: NOW, alerts=rules)
        wall = core.state.wallboard
        wall.round(NOW)
        acd = core.state.calls.build()
        for n in range(2):
            acd.inject(f"1391234{n:04d}", "overdue", NOW)
            acd.inject(f"1391235{n:04d}", "repayment", NOW)
        body = wall.snapshot(NOW)
    finally:
        store.close()
    assert [(a["rule"], a["subject"]) for a in body["alerts"]] == [("waiting", "overdue")]
    assert body["thresholds"]["queue"]["overdue"]["waiting_max"] == 1
    state = WallboardState()
    state.take_snapshot(body)  # the desk colours by the core's thresholds
    assert state.rules == rules
    assert state.level(state.queues["overdue"], "waiting") == "bad"
