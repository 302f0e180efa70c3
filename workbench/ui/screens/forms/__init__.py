"""The borrower view's action forms, each one key away (binding ids ``borrower.<name>``).

``make_form(name, view, now)`` builds one by name; modules load on first use so the desk's
start stays quick. Every form is a modal ``ActionForm`` (``forms.base``): Ctrl+S saves through
a ``store.actions`` service (pending at once, confirmed by the core later), Esc closes and
keeps what was typed as a draft.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.store.queries import BorrowerView
    from workbench.ui.screens.forms.base import ActionForm

FORMS: dict[str, tuple[str, str]] = {
    "promise": ("promise", "PromiseScreen"),
    "callback": ("callback", "CallbackScreen"),
    "escalate": ("escalate", "EscalateScreen"),
    "message": ("message", "MessageScreen"),
    "payoff": ("payoff", "PayoffScreen"),
    "reveal": ("reveal", "RevealScreen"),
}
"""Form name → (module under ``forms``, class)."""


def make_form(name: str, view: BorrowerView, now: datetime) -> ActionForm:
    """The form ``name`` (a key of :data:`FORMS`) for the borrower of ``view`` at ``now``."""
    module, cls = FORMS[name]
    form_class = getattr(import_module(f"{__name__}.{module}"), cls)
    return form_class(view, now=now)
