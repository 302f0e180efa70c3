"""Who sits at the desk: the role decides what the desk lets them do (the core decides again).

Roles are ``agent``, ``supervisor`` and ``auditor`` (``domain.models.Role``). The desk's role
comes from the token when the core tells it, else ``WORKBENCH_ROLE``, else ``agent`` — the
least privileged, so a typo in the variable never grants more.

Revealing a full 身份证 number, phone or card number is need-to-know: supervisors (who work
escalations and complaints) and auditors (who check reveals) may, agents may not; every reveal
asks for a reason and is audited (``store.actions.reveal_audit``).
"""

from __future__ import annotations

import os

from workbench.domain.models import Role

ENV_ROLE = "WORKBENCH_ROLE"
REVEAL_ROLES = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value})


def resolve_role(role: str | None = None) -> str:
    """``role`` if given, else ``WORKBENCH_ROLE``, else ``agent``; an unknown value is ``agent``."""
    wanted = (role or os.environ.get(ENV_ROLE) or Role.AGENT.value).strip().lower()
    return wanted if wanted in {r.value for r in Role} else Role.AGENT.value


def may_reveal(role: str) -> bool:
    """True when ``role`` may see a full ID number, phone or card number (with a reason)."""
    return role in REVEAL_ROLES
