"""Talking to the core: https with verification to any other machine (custom CA allowed), plain
http only to loopback, checked before connecting; the desk's role comes from the core."""

from __future__ import annotations

import certifi
import click
import httpx
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.cli.desk import identity_from_core
from workbench.core.auth import load_tokens
from workbench.sync.client import InsecureCore, check_core_url, make_client
from workbench.sync.identity import Me, fetch_reveals, who_am_i

SUPERVISOR = "tok-A018-" + "s" * 24
AGENT = "tok-A001-" + "a" * 24


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://localhost:8765/",
        "http://[::1]:8765",
        "http://127.8.0.1",
        "https://core.example.cn",
        "https://10.0.0.5:8443",
    ],
)
def test_loopback_http_and_any_https_are_allowed(url):
    check_core_url(url)


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8765", "http://core.example.cn", "http://0.0.0.0:8765"]
)
def test_plain_http_to_another_machine_is_refused_before_connecting(url, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr("socket.create_connection", no_network)
    with pytest.raises(InsecureCore, match="refusing plain http") as refused:
        make_client(url, token=AGENT)
    assert "https" in str(refused.value) and AGENT not in str(refused.value)


@pytest.mark.parametrize("url", ["ftp://core.example.cn", "core.example.cn:8765", ""])
def test_other_schemes_are_refused(url):
    with pytest.raises(InsecureCore):
        check_core_url(url)


def test_an_in_process_core_is_not_checked():
    make_client("http://demo-core", transport=httpx.MockTransport(lambda r: httpx.Response(200)))


def test_a_custom_ca_bundle_is_used_and_a_missing_one_is_a_message(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_CA_BUNDLE", certifi.where())
    client = make_client("https://core.example.cn")
    assert client._transport._pool._ssl_context.verify_mode.name == "CERT_REQUIRED"
    monkeypatch.setenv("WORKBENCH_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(InsecureCore, match="cannot use the CA bundle"):
        make_client("https://core.example.cn")


def test_the_cli_refuses_plain_http_to_another_machine_with_a_message(tmp_path):
    result = CliRunner().invoke(
        main, ["sync", "--core", "http://192.0.2.10:8765", "--db", str(tmp_path / "c.db")]
    )
    assert result.exit_code != 0
    assert "refusing plain http" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c.db").exists() or (tmp_path / "c.db").stat().st_size == 0


@pytest.fixture
def token_core(own_core, tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(
        f'["{SUPERVISOR}"]\nagent_id = "A018"\nrole = "supervisor"\n\n'
        f'["{AGENT}"]\nagent_id = "A001"\nrole = "agent"\n',
        encoding="utf-8",
    )
    return own_core(borrowers=5, seed=3, tokens=load_tokens(path))


def test_the_role_comes_from_the_core_not_the_environment(token_core, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ROLE", "auditor")  # ignored with a configured core
    assert who_am_i(token_core.url, SUPERVISOR) == Me("A018", "supervisor")
    assert identity_from_core(token_core.url, AGENT) == Me("A001", "agent")
    with pytest.raises(click.ClickException, match="token rejected"):
        identity_from_core(token_core.url, "tok-nobody-" + "x" * 20)


def test_a_core_that_cannot_say_leaves_the_desk_an_agent(capsys):
    assert identity_from_core("http://127.0.0.1:9", AGENT) is None  # nothing listens on 9
    assert "opening as an agent" in capsys.readouterr().err


async def test_only_an_auditor_may_list_reveals_through_the_client(token_core):
    from workbench.sync.client import SyncError

    async with make_client(token_core.url, token=SUPERVISOR) as client:
        with pytest.raises(SyncError, match="403"):
            await fetch_reveals(client)
