"""A simulated day of the call centre: every abandoned known call called back, by the rules."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.cli import main
from workbench.core.simulate import SimConfig, simulate_day

DAY = SimConfig(hours=3, agents=5, call_rate=2.5, seed=7, borrowers=120)


def test_a_simulated_day_covers_every_abandoned_call_within_the_rules() -> None:
    figures = simulate_day(DAY)
    checks = figures["checks"]
    assert figures["offered"] > 300 and figures["abandoned_known"] > 10
    assert figures["callback_coverage"] == 1.0
    assert checks["callbacks_created_after_60s"] == 0 and checks["max_abandon_to_callback_s"] <= 60
    assert checks["attempts"] > 10
    assert checks["attempts_outside_window"] == 0
    assert checks["over_attempt_cap"] == 0 and checks["over_connected_cap"] == 0
    assert checks["overlapping_claims"] == 0
    assert figures["median_abandon_to_first_attempt_s"] is not None
    assert checks["duplicate_open_callbacks"] == 0  # repeats merge, they don't pile up
    assert simulate_day(DAY) == figures  # same seed, same day


def test_the_evening_is_called_back_the_next_morning_not_at_night() -> None:
    late = SimConfig(hours=2, agents=2, call_rate=2.0, seed=3, borrowers=60,
                     start_local=DAY.start_local.replace(hour=21, minute=15))  # fmt: skip
    figures = simulate_day(late)
    assert figures["checks"]["attempts_outside_window"] == 0
    assert figures["compliance_blocks"] > 0  # after 22:00 the gate says no, and why


def test_core_simulate_prints_the_days_figures_as_json() -> None:
    args = ["core", "simulate", "--hours", "1", "--agents", "3", "--call-rate", "1.5",
            "--seed", "2", "--borrowers", "60", "--json"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {"offered", "answered", "abandoned", "service_level", "callback_coverage",
            "callbacks_overdue", "median_abandon_to_first_attempt_s", "compliance_blocks",
            "checks", "config"} <= set(body)  # fmt: skip
    assert body["config"]["seed"] == 2
    again = CliRunner().invoke(main, args)
    assert json.loads(again.output) == body
