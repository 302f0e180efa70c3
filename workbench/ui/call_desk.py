"""Call handling at the desk: screen pop, call keys, after-call work.

The sync hands ``CallEvent``s to ``WorkbenchApp.report_call_event`` (any thread); the app gives
them to :class:`CallDesk` on its own loop, which folds them into ``app.call_state`` (a
``ui.calls.DeskCalls``) and moves the screens:

* ``call.offered`` to this agent → the matched borrower's unified view opens behind a pop with
  a one-key answer; several borrowers on the number → a pick list; an unknown number → the
  search, and after answering a key links the number to the borrower found (``call.link``);
* the call ends → after-call work: the wrap-up form asks for a disposition code of the queue
  (required to become available again unless the queue says otherwise).

Commands go out through ``app.call_control`` (the sync's ``control``); the desk never does
HTTP. What the core answers comes back as events, failures as ``error`` events.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from workbench.domain import pii
from workbench.domain.calls import AgentState, CallCommand, CallEvent, can_request
from workbench.ui import call_link
from workbench.ui import calls as rules
from workbench.ui.call_keys import key_names
from workbench.ui.format import plain
from workbench.ui.i18n import t

if TYPE_CHECKING:
    from workbench.domain.models import Queue
    from workbench.ui.app import WorkbenchApp

log = logging.getLogger("workbench.desk")
_LONG_DIGITS = re.compile(r"\d{7,}")  # a phone number in an error message is masked


STATE_RETRIES = 12
"""Times a state change refused right after a disposition is asked again (the disposition
may still be on its way to the core)."""
STATE_RETRY_S = 0.4


class CallDesk:
    """The desk's call logic; one per app, driven from the app's loop only."""

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.queues: dict[str, Queue] = {}
        self.callers: dict[str, rules.Caller] = {}  # borrower id → who, for the bar and the pop
        self.linked: dict[str, set[str]] = {}  # call id → borrowers its number was linked to
        self._wanted_state: str | None = None
        self._warming = False
        self._retries = 0
        self._after_unlock: set[str] = set()  # "pop" / "wrap": held while the desk was locked

    # -- state ------------------------------------------------------------------------------

    @property
    def state(self) -> rules.DeskCalls:
        """The desk's current view of telephony."""
        return self.app.call_state

    @property
    def has_telephony(self) -> bool:
        """The sync can carry call commands, or the desk has heard of telephony at all."""
        return callable(getattr(self.app.sync, "control", None)) or self.state.known

    def queue_name(self, queue_id: str | None) -> str:
        """The queue's display name in the desk's language (its id when not in the cache)."""
        queue = self.queues.get(queue_id or "")
        if queue is None:
            return plain(queue_id or "—", 24)
        return plain(queue.name_en if self.app.language == "en" else queue.name, 24)

    def disposition_required(self, queue_id: str | None) -> bool:
        """Whether leaving after-call work needs a disposition (default: yes)."""
        queue = self.queues.get(queue_id or "")
        return bool(getattr(queue, "disposition_required", True)) if queue else True

    def acw_done(self) -> bool:
        """After-call work may end: the disposition is saved, or none is owed (the queue
        needs none, or the caller is no known borrower: an unknown number never linked)."""
        wrap = self.state.wrap
        if wrap is None or wrap.saved:
            return True
        return not self.disposition_owed()

    def disposition_owed(self) -> bool:
        """The call in after-call work needs a disposition (the core's rule too)."""
        wrap = self.state.wrap
        if wrap is None or wrap.saved:
            return False
        known = bool(wrap.call.borrower_ids or wrap.borrower_id)
        return known and self.disposition_required(wrap.call.queue_id)

    # -- events -------------------------------------------------------------------------------

    def handle(self, event: CallEvent) -> None:
        """Fold ``event`` into the state and move the screens accordingly."""
        if event.type == "error":
            self._error(event.message)
            return
        old = self.state
        new = rules.apply_event(old, event, agent_id=self.app.agent_id, now=self.app.clock())
        if new == old:
            return
        self.app.call_state = new
        if new.agent_state == self._wanted_state:
            self._wanted_state = None
        if new.ringing and (old.call is None or old.call.call_id != new.call.call_id):
            self._offered()
        elif old.ringing and not new.ringing:
            self._ringing_stopped(answered=new.talking)
        if new.wrap is not None and (old.wrap is None or old.wrap.call is not new.wrap.call):
            self.open_wrap_up()
        elif new.wrap is None and old.wrap is not None:
            self._close_wrap_up()
        self.app.refresh_bindings()

    def _error(self, message: str) -> None:
        masked = _LONG_DIGITS.sub(lambda m: pii.mask_phone(m.group()), message)
        text = plain(masked, 200) or t("call.error_unknown")
        if self._wanted_state and self._retries > 0 and self.state.in_wrap_up:
            self._retries -= 1  # the disposition may not have reached the core yet
            self.app.push_now()
            self.app.set_timer(STATE_RETRY_S, self._retry_state)
            return
        self._wanted_state = None
        self.app.notify(t("call.error", detail=text), severity="error", markup=False)

    def _retry_state(self) -> None:
        if self._wanted_state and self.state.agent_state != self._wanted_state:
            self.app.call_control(CallCommand("state", state=self._wanted_state))

    def _offered(self) -> None:
        """A call rings for this agent: the caller's screen and the pop at once; names and
        the queue are read meanwhile and shown when in."""
        from workbench.ui.screens.call_pop import CallPopScreen

        call = self.state.call
        if call is None or call.direction == "out":  # our own dial (a callback): no pop
            return
        if self._locked():  # nothing of the caller over the lock: the pop waits for the unlock
            self._after_unlock.add("pop")
            return
        self._close_pops()
        self._show_caller(call.borrower_ids)
        self.app.push_screen(CallPopScreen(call.call_id))
        self.app.run_worker(
            self._read(call.borrower_ids, call.number), group="call-read", exclusive=True
        )

    def warm(self) -> None:
        """Read the queues once, before the first call (names and codes ready at the pop)."""
        if not self.queues and not self._warming:
            self._warming = True
            self.app.run_worker(self._read([], ""), group="call-read")

    async def _read(self, borrower_ids: list[str], number: str) -> None:
        from workbench.ui.cache import reading

        def read() -> tuple[list[Queue], dict[str, rules.Caller]]:
            from workbench.store.queries import get_borrower, queues

            with reading(self.app.db_path) as conn:
                found = [get_borrower(conn, bid) for bid in borrower_ids[:20]]
                return queues(conn), {
                    b.id: rules.caller_of(b, number) for b in found if b is not None
                }

        try:
            queue_list, callers = await asyncio.to_thread(read)
        except Exception as exc:  # the pop still shows the number; names come from the view
            log.warning("call pop could not read the cache: %s", exc)
            return
        self.queues = {q.id: q for q in queue_list}
        self.callers.update(callers)
        self.refresh_bars()
        from workbench.ui.screens.call_pop import CallPopScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, CallPopScreen):
                screen.names_read()

    def refresh_bars(self) -> None:
        """Draw the call bars again (names and queues were read)."""
        from workbench.ui.widgets.call_bar import CallBar

        for screen in self.app.screen_stack:
            for bar in screen.query(CallBar):
                bar.refresh()

    def _show_caller(self, borrower_ids: list[str]) -> None:
        """Put the screen the agent needs behind the pop (forms being filled in stay)."""
        from workbench.ui.screens.borrower import BorrowerScreen
        from workbench.ui.screens.desk import DeskScreen

        app = self.app
        if not isinstance(app.screen, DeskScreen | BorrowerScreen):
            return  # a form is open: never throw away what the agent is typing
        if len(borrower_ids) == 1:
            bid = borrower_ids[0]
            if isinstance(app.screen, BorrowerScreen) and app.screen.borrower_id == bid:
                return
            while len(app.screen_stack) > 1:
                app.pop_screen()
            app.open_borrower(bid)
        else:
            app.back_to_search()

    def _close_pops(self) -> None:
        from workbench.ui.screens.call_pop import CallPopScreen

        for screen in list(self.app.screen_stack):
            if isinstance(screen, CallPopScreen):
                screen.close()

    def _ringing_stopped(self, *, answered: bool) -> None:
        from workbench.ui.screens.call_pop import CallPopScreen

        pop = self.app.screen
        if not isinstance(pop, CallPopScreen):
            self._close_pops()
            return
        if answered and pop.picking:
            pop.refresh_view()  # still to choose which borrower is calling
            return
        pop.close()
        if answered and not self.state.borrower_id:
            self.app.notify(t("call.unknown_hint", **key_names(self.app)), markup=False)

    def picked(self, borrower_id: str) -> None:
        """The agent chose ``borrower_id`` from the pick list: open it behind the call."""
        from workbench.ui.screens.call_pop import CallPopScreen

        self.app.call_state = rules.with_borrower(self.state, borrower_id)
        self._close_pops()
        while len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        self.app.open_borrower(borrower_id)
        call = self.state.call
        if self.state.ringing and call is not None:
            self.app.push_screen(CallPopScreen(call.call_id))

    # -- commands -----------------------------------------------------------------------------

    def can(self, verb: str) -> bool:
        """Whether the call key ``verb`` applies now (unusable keys are hidden)."""
        s = self.state
        if not self.has_telephony:
            return False
        dialling = s.ringing and s.call is not None and s.call.direction == "out"
        if verb in ("answer", "reject"):
            return s.ringing and not dialling
        if verb in ("hold", "end"):
            return s.talking or (verb == "end" and dialling)  # hang up an outbound call ringing
        if verb == "link":
            return call_link.target(self) is not None
        if verb == "wrapup":
            return s.wrap is not None
        if verb == "available":
            return s.call is None and s.agent_state != AgentState.AVAILABLE
        if verb == "break":
            return s.call is None and s.agent_state not in (AgentState.BREAK,)
        return False

    def command(self, verb: str) -> None:
        """Carry out the call key ``verb``."""
        s = self.state
        if verb in ("available", "break"):
            self.request_state(AgentState.AVAILABLE if verb == "available" else AgentState.BREAK)
        elif verb == "link":
            self.link()
        elif verb == "wrapup":
            self.open_wrap_up()
        elif s.call is not None:
            if verb == "hold":
                verb = "resume" if s.held else "hold"
            self.app.call_control(CallCommand(verb, call_id=s.call.call_id))

    def request_state(self, target: str, *, retry: bool = False) -> None:
        """Ask to become ``target``; leaving after-call work first needs the disposition."""
        current = self.state.agent_state
        if not can_request(current, target, acw_done=self.acw_done()):
            if current == AgentState.AFTER_CALL and not self.acw_done():
                self.open_wrap_up(warn=True)
            else:
                self.app.notify(t("call.state_refused"), severity="warning", markup=False)
            return
        self._wanted_state = target
        saved = self.state.wrap is not None and self.state.wrap.saved
        # the disposition (or a callback's outcome: ``retry``) may be on its way
        self._retries = STATE_RETRIES if saved or retry else 0
        self.app.call_control(CallCommand("state", state=target))

    # -- wrap-up ------------------------------------------------------------------------------

    def open_wrap_up(self, *, warn: bool = False) -> None:
        """Show the wrap-up form of the call in after-call work (once)."""
        from workbench.ui.screens.wrap_up import WrapUpScreen

        wrap = self.state.wrap
        if self._locked():
            self._after_unlock.add("wrap")
            return
        callback_call = wrap is not None and bool(wrap.call.callback_id) and not wrap.saved
        if callback_call and self.app.callbacks.open_outcome(wrap.call):
            return  # a callback's outcome is its wrap-up
        if isinstance(self.app.screen, WrapUpScreen):
            self.app.screen.warn(warn)
        elif self.state.wrap is not None:
            self.app.run_worker(self._open_wrap_up(warn), group="wrap-open", exclusive=True)

    def _locked(self) -> bool:
        lock = getattr(self.app, "idle_lock", None)
        return lock is not None and lock.locked

    def after_unlock(self) -> None:
        """The desk was unlocked: show what a call brought meanwhile (if still so)."""
        due, self._after_unlock = self._after_unlock, set()
        if "pop" in due and self.state.ringing:
            self._offered()
        if "wrap" in due and self.state.wrap is not None:
            self.open_wrap_up()

    def _close_wrap_up(self) -> None:
        """After-call work ended (at the core): its form, if on top, goes too."""
        from workbench.ui.screens.wrap_up import WrapUpScreen

        screen = self.app.screen
        if isinstance(screen, WrapUpScreen) and not screen.saving:
            screen.dismiss(None)

    async def _open_wrap_up(self, warn: bool) -> None:
        from workbench.ui.screens.wrap_up import WrapUpScreen

        wrap = self.state.wrap
        if wrap is None:
            return
        if wrap.call.queue_id not in self.queues:  # e.g. the desk restarted during the call
            await self._read(wrap.call.borrower_ids, wrap.call.number)
        if self.state.wrap is wrap and not isinstance(self.app.screen, WrapUpScreen):
            self.app.push_screen(WrapUpScreen(wrap.call.call_id, warn=warn))

    def borrower_name(self, borrower_id: str) -> str | None:
        """The name of ``borrower_id`` if the desk has read it."""
        from workbench.ui.screens.borrower import BorrowerScreen

        if borrower_id in self.callers:
            return self.callers[borrower_id].name
        for screen in self.app.screen_stack:
            if isinstance(screen, BorrowerScreen) and screen.borrower_id == borrower_id:
                return screen.view.borrower.name if screen.view is not None else None
        return None

    def wrap_borrower(self) -> str | None:
        """The borrower the disposition is recorded on: the one matched, picked or linked;
        of several on the number, the one open on screen. None for an unknown caller."""
        wrap = self.state.wrap
        if wrap is None:
            return None
        if wrap.borrower_id:
            return wrap.borrower_id
        if len(wrap.call.borrower_ids) == 1:
            return wrap.call.borrower_ids[0]
        shown = self.open_borrower_id()
        return shown if shown in wrap.call.borrower_ids else None

    def disposition_saved(self, call_id: str, *, then_available: bool) -> None:
        """The wrap-up form wrote the disposition: deliver it, show it, maybe go available."""
        self.app.call_state = rules.wrap_saved(self.state, call_id)
        self.app.push_now()
        self.app.cache_changed(feed=False)
        self.app.refresh_bindings()
        if then_available:
            self.request_state(AgentState.AVAILABLE, retry=True)

    def disposition_kwargs(self) -> dict[str, Any]:
        """What ``store.call_actions.record_call_disposition`` needs of the call in wrap-up."""
        wrap = self.state.wrap
        if wrap is None:
            return {}
        return {
            "call_id": wrap.call.call_id,
            "channel": "call_out" if wrap.call.direction == "out" else "call_in",
            "duration_s": rules.call_duration_s(wrap),
            "queue_id": wrap.call.queue_id or None,
        }

    # -- linking an unknown number ----------------------------------------------------------

    def open_borrower_id(self) -> str | None:
        """The borrower of the topmost unified view that is shown (None when none)."""
        from workbench.ui.screens.borrower import BorrowerScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, BorrowerScreen) and screen.view is not None:
                return screen.borrower_id
        return None

    def link(self) -> None:
        """Add the caller's number to the borrower on screen (an action to the core)."""
        target = call_link.target(self)
        if target is not None:
            self.app.run_worker(call_link.write(self, *target), group="call-link", exclusive=True)
