"""How the kept borrower view takes another borrower: the reading, and what holds still while
it is shown (frames, the cyclic collector, the whole-screen restyle)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date

from textual.app import App

from workbench.domain.models import Interaction
from workbench.store.queries import BorrowerView, borrower_view, interactions_page, pending_ids
from workbench.sync.gcpause import paused_gc
from workbench.ui.widgets.history_view import PAGE

READ_WAIT_S = 0.05
"""How long opening a borrower waits for its reading before the screen is shown. The reading
(a few milliseconds) then reaches the screen ahead of it being shown, so the view is laid out
and painted once, with the borrower in it; a slower reading is shown when it comes."""

Reading = tuple[BorrowerView | None, dict[str, str], dict[int, list[Interaction]]]

SWITCH_PAINTED_S = 1.0
"""The latest the collector resumes after another borrower was shown (see ``Switch``)."""


class Switch:
    """Showing another borrower in the kept view, from the moment they are chosen: no frame is
    painted until their reading is shown (``painting``), so the last borrower never shows
    again, and the cyclic collector waits until the first frame is painted (``painted``): its
    full passes (40–90 ms) no longer land between the agent's choice and the view."""

    def __init__(self, app: App, *, hold_frames: bool = True) -> None:
        self._batch: AbstractContextManager[None] | None = None
        if hold_frames:  # (the first borrower of a session: its screen is being mounted)
            self._batch = app.batch_update()
            self._batch.__enter__()
        self._gc: AbstractContextManager[None] | None = paused_gc()
        self._gc.__enter__()

    def painting(self) -> None:
        """The reading is shown: frames may be painted (once; later calls do nothing)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.__exit__(None, None, None)

    def painted(self) -> None:
        """The first frame is painted: the collector may run (once)."""
        pause, self._gc = self._gc, None
        if pause is not None:
            pause.__exit__(None, None, None)

    def end(self) -> None:
        """Nothing is held any longer (the reading was not in in time)."""
        self.painting()
        self.painted()


def read_borrower(conn: object, borrower_id: str, as_of: date, pages: list[int]) -> Reading:
    """The view, its marks and history ``pages`` (run in the view reader's thread)."""
    view = borrower_view(conn, borrower_id, as_of)
    if view is None:
        return None, {}, {}
    marks = pending_ids(conn, borrower_id)
    read = {
        page: interactions_page(conn, borrower_id, offset=page * PAGE, limit=PAGE) for page in pages
    }
    return view, marks, read


StyleState = tuple[tuple[object, ...], tuple[object, ...]]


def style_state(app: App) -> StyleState:
    """What the styles of a screen's widgets depend on beyond the widgets themselves: the
    stylesheet, its rules and variables (objects a theme or CSS change replaces), and the
    app's CSS generation, theme, classes and pseudo-classes (values)."""
    sheet = app.stylesheet
    objects = (sheet, sheet.rules, getattr(sheet, "_variables", None))
    values = (
        getattr(app, "_css_update_count", None),
        app.theme,
        frozenset(app.classes),
        app.pseudo_classes,
    )
    return objects, values


def same_state(old: StyleState | None, new: StyleState) -> bool:
    """True when nothing a widget's styles depend on has changed from ``old`` to ``new``."""
    if old is None:
        return False
    same_objects = all(a is b for a, b in zip(old[0], new[0], strict=True))
    return same_objects and old[1] == new[1]
