"""Column layout of the interaction history, shared by its header and its rows."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from workbench.domain.models import Interaction
from workbench.ui.format import duration, label, local_time, plain

GAP = 2
COLUMNS: tuple[tuple[str, int], ...] = (
    ("time", 16),
    ("channel", 8),
    ("agent", 8),
    ("duration", 7),
    ("disposition", 14),
    ("outcome", 10),
)
"""Fixed columns (name, cells); the notes take whatever width is left."""


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells (CJK is two cells), ``…`` when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)


def notes_width(total_width: int) -> int:
    """Cells left for the notes column in a row ``total_width`` wide."""
    fixed = sum(width + GAP for _, width in COLUMNS)
    return max(total_width - fixed, 0)


def cells(item: Interaction) -> dict[str, str]:
    """The text of each column for one interaction (untrusted fields made harmless)."""
    return {
        "time": local_time(item.started_at),
        "channel": label("channel", item.channel),
        "agent": plain(item.agent_id or "—", 12),
        "duration": duration(item.duration_s),
        "disposition": label("disposition", item.disposition),
        "outcome": label("outcome", item.outcome),
        "notes": plain(item.notes, 400),
    }
