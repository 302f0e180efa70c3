"""The callback worklist from the cache, and the outcome of an attempt through the outbox.

Stub: signatures are final (see the callbacks contract); bodies land next.
"""

from __future__ import annotations

from datetime import datetime

from workbench.domain.callback_work import WorklistRow
from workbench.domain.compliance import ContactPolicy
from workbench.domain.models import Callback
from workbench.store.actions import Action

DEFAULT_POLICY = ContactPolicy()


def callback_worklist(
    conn,
    agent_id: str,
    now: datetime | None = None,
    *,
    policy: ContactPolicy = DEFAULT_POLICY,
    include_claimed: bool = True,
    limit: int = 500,
) -> list[WorklistRow]:
    """Open and claimed callbacks by priority then due, each with its contact gate at ``now``."""
    raise NotImplementedError


def next_callback(
    conn, agent_id: str, now: datetime | None = None, *, policy: ContactPolicy = DEFAULT_POLICY
) -> tuple[WorklistRow | None, list[WorklistRow]]:
    """The first workable row, and the rows skipped before it (blocked or claimed by others)."""
    raise NotImplementedError


def get_callback(conn, callback_id: str) -> Callback | None:
    """One cached callback."""
    raise NotImplementedError


def record_callback_outcome(
    conn,
    callback_id: str,
    outcome: str,
    *,
    agent_id: str,
    call_id: str | None = None,
    due_at: datetime | str | None = None,
    satisfaction: int | None = None,
    comment: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> Action:
    """The outcome of an attempt, as an outbox action ``callback_outcome``."""
    raise NotImplementedError
