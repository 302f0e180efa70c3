"""Where the bearer token comes from, and a token file others can read is refused."""

from __future__ import annotations

import os

import pytest

from workbench.sync.token import ENV_TOKEN, TokenError, resolve_token, save_token, token_path


@pytest.fixture(autouse=True)
def no_env_token(monkeypatch):
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    token_path().unlink(missing_ok=True)
    yield
    token_path().unlink(missing_ok=True)


def test_explicit_then_environment_then_file_then_none(monkeypatch):
    assert resolve_token() is None
    path = save_token("from-file")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert resolve_token() == "from-file"
    monkeypatch.setenv(ENV_TOKEN, "from-env")
    assert resolve_token() == "from-env"
    assert resolve_token("explicit") == "explicit"


def test_a_token_file_others_can_read_is_refused():
    path = save_token("secret-token")
    os.chmod(path, 0o644)
    with pytest.raises(TokenError, match="chmod 600") as caught:
        resolve_token()
    assert "secret-token" not in str(caught.value)
