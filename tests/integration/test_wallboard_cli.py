"""``workbench wallboard --once --json`` against a served core, with a supervisor's token."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.cli import main
from workbench.core.auth import load_tokens


def tokens_file(tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(
        '["sup-token-1"]\nagent_id = "S001"\nrole = "supervisor"\n'
        '["agent-token-1"]\nagent_id = "A001"\nrole = "agent"\n',
        encoding="utf-8",
    )
    return load_tokens(path)


def test_wallboard_once_json_from_a_core_and_an_agent_refused(own_core, tmp_path):
    core = own_core(tokens=tokens_file(tmp_path))
    runner = CliRunner()
    args = ["wallboard", "--core", core.url, "--once"]
    result = runner.invoke(main, [*args, "--json", "--token", "sup-token-1"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {q["queue_id"] for q in body["queues"]} >= {"repayment", "overdue"}
    assert body["total"]["queue_id"] == "*"
    text = runner.invoke(main, [*args, "--token", "sup-token-1"])
    assert text.exit_code == 0 and "repayment" in text.output and "—" in text.output
    refused = runner.invoke(main, [*args, "--json", "--token", "agent-token-1"])
    assert refused.exit_code != 0
    assert "supervisor" in refused.output and "主管" in refused.output
