"""Where things live and which defaults apply; environment variables override."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "workbench"

ENV_DB = "WORKBENCH_DB"
ENV_CORE_URL = "WORKBENCH_CORE_URL"
ENV_HOME = "WORKBENCH_HOME"  # one folder for data and config: tests and training rooms
ENV_NOW = "WORKBENCH_NOW"  # fixed clock (ISO time with offset): tests and training drills
ENV_LANG = "WORKBENCH_LANG"  # zh (default) or en
ENV_AGENT = "WORKBENCH_AGENT"  # who acts, when the token does not say
ENV_DB_KEY = "WORKBENCH_DB_KEY"  # the cache key (else the OS keyring, else a prompt)
ENV_DB_NEW_KEY = "WORKBENCH_DB_NEW_KEY"  # the new key for `workbench cache rekey`

DEMO_AGENT = "A001"  # the agent every caller is on a core without tokens (the demo)


def data_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    return Path(home) / "data" if home else Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    return Path(home) / "config" if home else Path(user_config_dir(APP_NAME, appauthor=False))


def demo_db_path() -> Path:
    """The cache of the embedded demo portfolio."""
    return data_dir() / "demo.db"


def default_db_path() -> Path:
    """``WORKBENCH_DB`` if set, else the demo cache."""
    env = os.environ.get(ENV_DB)
    return Path(env) if env else demo_db_path()


def default_core_url() -> str | None:
    return os.environ.get(ENV_CORE_URL) or None


def now() -> datetime:
    """The clock: ``WORKBENCH_NOW`` if set (ISO time with offset), else the real time in UTC."""
    fixed = os.environ.get(ENV_NOW)
    if fixed:
        try:
            value = datetime.fromisoformat(fixed)
        except ValueError:
            raise ValueError(f"{ENV_NOW} is not an ISO time with offset: {fixed!r}") from None
        if value.tzinfo is None:
            raise ValueError(f"{ENV_NOW} needs an offset, e.g. 2026-11-27T10:00:00+08:00")
        return value.astimezone(UTC)
    return datetime.now(UTC)


def default_agent_id() -> str:
    """``WORKBENCH_AGENT`` if set, else the demo agent."""
    return os.environ.get(ENV_AGENT) or DEMO_AGENT


# -- desk settings (config.toml) ----------------------------------------------------------------

CONFIG_FILE = "config.toml"  # in config_dir(): keymap = "vim", lang = "en", theme = "…"
SETTINGS = ("keymap", "lang", "theme")
TABLES = ("contact",)  # [contact]: the contact gate's limits (domain.compliance)
OTHER_KEYS = ("lock_after_min", "lock_pin")  # read by ui.lock_settings (the idle lock)


def settings_path() -> Path:
    """The desk's settings file: ``config.toml`` in the config folder."""
    return config_dir() / CONFIG_FILE


def load_settings(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The settings of ``config.toml`` (missing file: none) and what is wrong in it.

    Only ``keymap``, ``lang`` and ``theme`` (strings) are read; anything else is reported,
    never fatal: the desk starts with its defaults for what it cannot use."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{path}: {exc}"]
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path}: {exc}"]
    values: dict[str, str] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key in TABLES and isinstance(value, dict):
            continue  # read by its own loader (contact_policy)
        if key in OTHER_KEYS:
            continue  # read (and checked) by its own loader
        if key in SETTINGS and isinstance(value, str) and value.strip():
            values[key] = value.strip()
        else:
            problems.append(f"{path}: {key} = {value!r}")
    return values, problems


def contact_policy(path: Path | None = None):
    """The contact gate's limits: ``[contact]`` of ``config.toml`` over the defaults, and what
    is wrong in it (those keys keep their defaults). Returns ``(ContactPolicy, problems)``."""
    from workbench.domain.compliance import ContactPolicy, policy_from_settings

    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ContactPolicy(), []
    except (OSError, UnicodeDecodeError) as exc:
        return ContactPolicy(), [f"{path}: {exc}"]
    import tomllib

    try:
        table = tomllib.loads(text).get("contact", {})
    except tomllib.TOMLDecodeError as exc:
        return ContactPolicy(), [f"{path}: {exc}"]
    if not isinstance(table, dict):
        return ContactPolicy(), [f"{path}: contact = {table!r}"]
    policy, problems = policy_from_settings(table)
    return policy, [f"{path}: {p}" for p in problems]
