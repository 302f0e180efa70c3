"""The desk's keyboard, language and theme options on the command line."""

from __future__ import annotations

from click.testing import CliRunner

from workbench.cli import main


def test_the_desk_options_are_offered():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for option in ("--keymap", "--lang", "--theme"):
        assert option in result.output


def test_an_unknown_language_is_refused_before_the_desk_opens():
    result = CliRunner().invoke(main, ["--lang", "fr"])
    assert result.exit_code == 2
    assert "'zh'" in result.output and "'en'" in result.output
