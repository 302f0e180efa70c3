"""Working callbacks at the desk: "next callback", claim, dial, outcome (issue 6).

One ``CallbackDesk`` per app (``app.callbacks``), driven from the app's loop only:

1. ``next()`` reads the worklist from the cache (``store.callbacks.next_callback``): blocked
   rows before the first workable one are skipped and the agent is told why (the rule id and
   until when);
2. the chosen callback is claimed through the core (``CallCommand("claim")``); a refusal
   (another agent holds it, the core's gate…) is shown and the desk stops there;
3. on ``callback.claimed`` for this agent the borrower's unified view opens and the outbound
   call is placed through the core (``CallCommand("dial")``); the call then shows in the call
   bar like any call;
4. when the call ends, the outcome form (``screens.callback_outcome``) records the outcome
   through the outbox (``store.callbacks.record_callback_outcome``): pending at once in the
   borrower's follow-ups, confirmed by the core. With the call's id it is also the call's
   wrap-up, so the agent goes available after saving.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from workbench.domain.calls import CallCommand, CallEvent, CallInfo
from workbench.domain.compliance import RULE_ORDER
from workbench.ui.callback_text import rule_text
from workbench.ui.format import plain
from workbench.ui.i18n import t

if TYPE_CHECKING:
    from workbench.domain.callback_work import WorklistRow
    from workbench.ui.app import WorkbenchApp

log = logging.getLogger("workbench.desk")

IDLE, CLAIMING, DIALING, CALLING = "idle", "claiming", "dialing", "calling"
SKIPPED_SHOWN = 4
CALLBACK_REFUSALS = frozenset(
    {"claimed", "not_claimed", "closed", "unknown_callback", "none_due", "busy"}
)


class CallbackDesk:
    """The desk's side of the callback worklist."""

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.phase = IDLE
        self.row: WorklistRow | None = None  # the callback being worked
        self.call_id: str | None = None  # its outbound call
        self.ended: CallInfo | None = None  # that call once it ended (the outcome is owed)
        self.last_message = ""  # the latest refusal or skip report (the worklist shows it)
        self.last_refused = False

    # -- next callback --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A callback is being claimed, dialled or called."""
        return self.phase != IDLE

    def next(self) -> None:
        """Take the next workable callback: skip blocked ones (saying why), then claim it."""
        if self.phase == CALLING and self.app.call_state.call is None:
            self.open_outcome(self.ended)  # the form was left for later: the outcome is owed
            return
        if self.busy:
            self.tell(t("callback.working", id=self._id()), severity="warning")
            return
        self.app.run_worker(self._next(), group="callback-next", exclusive=True)

    async def _next(self) -> None:
        from workbench.store.callbacks import next_callback
        from workbench.ui.cache import reading

        app = self.app

        def read():
            with reading(app.db_path) as conn:
                return next_callback(conn, app.agent_id, app.clock())

        try:
            row, skipped = await asyncio.to_thread(read)
        except Exception as exc:  # a cache that cannot be read: said, never a traceback
            log.warning("next callback could not read the cache: %s", exc)
            self.tell(t("callback.read_failed", detail=plain(str(exc), 120)), severity="error")
            return
        blocked = [s for s in skipped if not s.gate.allowed]
        if blocked:
            self.tell(skipped_text(blocked), severity="warning")
        if row is None:
            self.tell(t("callback.none_due"), severity="information", keep=not blocked)
            return
        self.work(row)

    def work(self, row: WorklistRow) -> None:
        """Work ``row``: claim it through the core (already mine: straight to the dial)."""
        self.row, self.call_id = row, None
        if row.mine:
            self._claimed()
            return
        self.phase = CLAIMING
        self.app.call_control(CallCommand("claim", callback_id=row.id))
        self._refresh()

    def _claimed(self) -> None:
        row = self.row
        if row is None:
            return
        self.phase = DIALING
        self.app.open_borrower(row.callback.borrower_id)
        self.tell(t("callback.dialing", id=row.id, number=row.number_masked), keep=False)
        self.app.call_control(CallCommand("dial", callback_id=row.id))
        self._refresh()

    # -- events -----------------------------------------------------------------------------

    def consumes(self, event: CallEvent) -> bool:
        """Look at ``event`` before the call desk; True when it was a refusal of ours."""
        if event.type == "error":
            return self._refused(event)
        if event.type.startswith("callback."):
            self._callback_event(event)
        return False

    def follow(self, event: CallEvent) -> None:
        """Look at ``event`` after the call desk: our outbound call rang or ended."""
        call = event.call
        row = self.row
        if call is None or row is None or not event.type.startswith("call."):
            return
        if call.callback_id == row.id and event.type == "call.offered" and self.phase == DIALING:
            self.phase, self.call_id = CALLING, call.call_id
            self._refresh()
        elif call.call_id == self.call_id and event.type in ("call.ended", "call.abandoned"):
            self.ended = call
            if self.app.call_state.wrap is None:  # not picked up: no wrap-up to delegate
                self.open_outcome(call)

    def _callback_event(self, event: CallEvent) -> None:
        cb = event.callback
        row = self.row
        if (
            cb is not None
            and row is not None
            and cb.id == row.id
            and event.type == "callback.claimed"
            and cb.claimed_by == self.app.agent_id
            and self.phase == CLAIMING
        ):
            self._claimed()
        self._refresh()

    def _refused(self, event: CallEvent) -> bool:
        if self.phase not in (CLAIMING, DIALING):
            return False
        rule = event.code in RULE_ORDER or event.code == "unknown_number"
        if event.code not in CALLBACK_REFUSALS and not rule and not event.until:
            return False
        row, phase = self.row, self.phase
        self.phase, self.row = IDLE, None
        detail = plain(event.message, 200) or event.code
        if rule or event.until:
            detail = f"{rule_text(event.code, event.until)} · {detail}"
        key = "callback.claim_refused" if phase == CLAIMING else "callback.dial_refused"
        self.tell(t(key, id=row.id if row else "", detail=detail), severity="error")
        if phase == DIALING and row is not None:  # the claim is ours: give it back
            self.app.call_control(CallCommand("release", callback_id=row.id))
        self._refresh()
        return True

    # -- outcome ----------------------------------------------------------------------------

    def open_outcome(self, call: CallInfo | None = None) -> bool:
        """Show the outcome form of the callback just called (the call's wrap-up); False when
        the desk is working no callback (e.g. restarted: the ordinary wrap-up applies)."""
        from workbench.ui.screens.callback_outcome import OutcomeScreen

        row = self.row
        if row is None:
            return False
        if isinstance(self.app.screen, OutcomeScreen):
            return True
        answered = call is not None and call.answered_at is not None
        call_id = call.call_id if call is not None else self.call_id
        self.app.push_screen(OutcomeScreen(row, call_id=call_id, answered=answered))
        return True

    def outcome_saved(self, call_id: str | None) -> None:
        """The outcome is in the outbox: deliver it, show it, and end the wrap-up."""
        self.phase, self.row, self.call_id, self.ended = IDLE, None, None, None
        if call_id is not None and self.app.call_state.in_wrap_up:
            self.app.calls.disposition_saved(call_id, then_available=True)
        else:
            self.app.push_now()
            self.app.cache_changed(feed=False)
        self._refresh()

    # -- telling ----------------------------------------------------------------------------

    def tell(self, text: str, *, severity: str = "information", keep: bool = True) -> None:
        """A notice, also kept on the worklist's status line."""
        if keep:
            self.last_message, self.last_refused = text, severity == "error"
        self.app.notify(text, severity=severity, markup=False, timeout=8)  # type: ignore[arg-type]
        self._refresh()

    def _id(self) -> str:
        return self.row.id if self.row is not None else ""

    def _refresh(self) -> None:
        from workbench.ui.screens.worklist import WorklistScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, WorklistScreen):
                screen.reload()


def skipped_text(rows: list[WorklistRow]) -> str:
    """``跳过 2 条（合规）：张* 138****5678 contact_window … 至 …`` for the blocked rows."""
    lines = [
        f"{plain(r.borrower_name or r.callback.borrower_id, 12)} {r.number_masked}: "
        f"{rule_text(r.gate.rule, r.gate.allowed_from)}"
        for r in rows[:SKIPPED_SHOWN]
    ]
    more = len(rows) - SKIPPED_SHOWN
    if more > 0:
        lines.append(t("callback.skipped_more", n=more))
    return t("callback.skipped", n=len(rows)) + "\n" + "\n".join(lines)
