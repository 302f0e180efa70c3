"""回访 feedback for the supervisor (domain.supervision) and alert thresholds from TOML
(domain.alerts.parse_alert_rules)."""

from __future__ import annotations

from datetime import UTC, datetime

from workbench.domain.supervision import callback_feedback, clean_comment

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
