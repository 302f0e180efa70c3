"""The reference core service: the other side of the wire (protocol v1 over its own store).

``create_app`` is imported lazily so ``workbench.core.demo`` and friends load without Starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.core.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from workbench.core.app import create_app

        return create_app
    raise AttributeError(f"module 'workbench.core' has no attribute {name!r}")
