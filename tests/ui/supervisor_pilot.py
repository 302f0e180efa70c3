"""Helpers of the supervisor view's tests: a served core with a supervisor and an agent token."""

from __future__ import annotations

from workbench.core.acd_model import AcdConfig
from workbench.core.auth import Identity, digest
from workbench.sync.client import make_client
from workbench.sync.wallboard import WallboardFeed

TOKENS = {"tok-sup": Identity("S001", "supervisor"), "tok-a1": Identity("A001", "agent")}


def wallboard_core(own_core):
    """A core on 127.0.0.1 with tokens; no scripted colleagues, no random calls."""
    tokens = {digest(t): who for t, who in TOKENS.items()}
    return own_core(borrowers=30, seed=3, tokens=tokens, acd=AcdConfig(colleagues=0))


def feed_factory(url: str, token: str):
    """The app's ``wallboard_feed``: the real feed, over HTTP to the core at ``url``."""

    def make(on_update):
        return WallboardFeed(lambda: make_client(url, token=token), on_update)

    return make


class StaticFeed:
    """A feed that hands over one fixed snapshot (pictures of the view)."""

    def __init__(self, body, on_update) -> None:
        self.body, self.on_update = body, on_update

    def start(self) -> None:
        self.on_update("snapshot", self.body)

    def stop(self, timeout: float = 0) -> None:
        pass
