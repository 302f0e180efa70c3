"""Command line: ``workbench`` opens the desk; subcommands run headless.

Subcommand modules are imported lazily so ``workbench --help`` and the desk start fast.
"""

from __future__ import annotations

import os
import sys

import click

from workbench.cli.lazy import LazyGroup


class WorkbenchGroup(LazyGroup):
    """The main group: a cache that cannot be opened (wrong key, …) is a message, whichever
    subcommand met it, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            db = sys.modules.get("workbench.store.db")  # loaded if it raised CacheError
            if db is not None and isinstance(exc, db.CacheError):
                raise click.ClickException(str(exc)) from exc
            raise


@click.group(
    cls=WorkbenchGroup,
    invoke_without_command=True,
    lazy_subcommands={
        "core": "workbench.cli.core_cmds:core",
        "sync": "workbench.cli.sync_cmds:sync",
        "lookup": "workbench.cli.read_cmds:lookup",
        "show": "workbench.cli.read_cmds:show",
        "cache": "workbench.cli.cache_cmds:cache",
        "act": "workbench.cli.act_cmds:act",
        "outbox": "workbench.cli.act_cmds:outbox",
        "callbacks": "workbench.cli.callback_cmds:callbacks",
        "wallboard": "workbench.cli.wallboard_cmds:wallboard",
        "audit": "workbench.cli.reveal_cmds:audit",
    },
)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Cache file (WORKBENCH_DB).")
@click.option("--core", "core_url", help="Core URL (WORKBENCH_CORE_URL); omit for the demo.")
@click.option(
    "--insecure-cache",
    is_flag=True,
    envvar="WORKBENCH_INSECURE_CACHE",
    help="Let a configured core fill an UNENCRYPTED cache (tests only; WORKBENCH_INSECURE_CACHE).",
)
@click.option(
    "--keymap",
    help="Desk keys: default, function-keys, vim or a keymap file (config.toml: keymap).",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), help="Desk language (WORKBENCH_LANG; config.toml)."
)
@click.option(
    "--theme",
    help="Desk theme: dark, light, high-contrast or a Textual theme name (config.toml: theme).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False),
    envvar="WORKBENCH_CA_BUNDLE",
    help="PEM file of CAs trusted for the core's https certificate (WORKBENCH_CA_BUNDLE).",
)
@click.option(
    "--role",
    type=click.Choice(["agent", "supervisor", "auditor"]),
    help="Desk role (WORKBENCH_ROLE); supervisor opens the supervisor view.",
)
@click.pass_context
def main(
    ctx: click.Context,
    db_path: str | None,
    core_url: str | None,
    insecure_cache: bool,
    keymap: str | None,
    lang: str | None,
    theme: str | None,
    role: str | None,
    ca_bundle: str | None = None,
) -> None:
    """Agent workbench. With no subcommand, opens the agent desk."""
    from workbench.cli import cache_key

    if ca_bundle:  # read by sync.client.make_client for every https core
        os.environ["WORKBENCH_CA_BUNDLE"] = ca_bundle

    cache_key.install(insecure=insecure_cache)
    if ctx.invoked_subcommand is None:
        from workbench.cli.desk import run_desk

        cache_key.unlock_before_desk(db_path)
        run_desk(
            db_path=db_path, core_url=core_url, keymap=keymap, lang=lang, theme=theme, role=role
        )
