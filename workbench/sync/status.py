"""The sync's status as a status line shows it: live / reconnecting / offline, and more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class SyncState(StrEnum):
    STARTING = "starting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What a status line shows: state, last successful sync, outbox counts (no personal data)."""

    state: SyncState = SyncState.STARTING
    last_sync_at: datetime | None = None  # UTC, end of the last successful pull
    pending: int = 0  # actions not yet confirmed by the core
    parked: int = 0  # actions the core refused: they need attention
    confirmed: int = 0
    cursor: str | None = None
    applied_total: int = 0  # changes applied since start: when it grows, re-read open views
    events: bool = False  # the live event stream is open
    message: str | None = None  # the last problem, in words

    def age_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds since the last successful sync, None before the first."""
        if self.last_sync_at is None:
            return None
        return ((now or datetime.now(UTC)) - self.last_sync_at).total_seconds()


StatusCallback = Callable[[SyncStatus], None]
