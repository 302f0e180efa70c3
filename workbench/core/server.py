"""Serving the core with uvicorn without hanging on open event streams at shutdown.

uvicorn waits for every open response to finish before it shuts down, and an event stream
never finishes by itself. ``CoreServer`` ends the app's streams (``app.state.events.close()``)
first, then shuts down as usual; clients reconnect with ``Last-Event-ID`` to the next run.

Example::

    server = CoreServer(uvicorn.Config(app, host="127.0.0.1", port=8765))
    server.run()
"""

from __future__ import annotations

import socket

import uvicorn


class CoreServer(uvicorn.Server):
    """``uvicorn.Server`` that closes the core's event streams before draining connections."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        hub = _hub(self.config.app)
        if hub is not None:
            hub.close()
        await super().shutdown(sockets)


def _hub(app: object):
    state = getattr(app, "state", None)
    return getattr(state, "events", None)


def serve(app: object, host: str, port: int, *, log_level: str = "warning") -> None:
    """Run ``app`` on ``host:port`` until interrupted (Ctrl-C or SIGTERM)."""
    CoreServer(uvicorn.Config(app, host=host, port=port, log_level=log_level)).run()
