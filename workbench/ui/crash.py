"""The desk's crash report: a traceback without local variables, scrubbed of personal numbers
and tokens (``domain.redact``), for the terminal and for ``desk.log``.

Textual's own report shows every frame's locals — a borrower record, a phone number, the token
— so ``WorkbenchApp`` uses this one instead.
"""

from __future__ import annotations

import io
import logging

from rich.console import Console
from rich.text import Text
from rich.traceback import Traceback

from workbench.domain.redact import redact

log = logging.getLogger("workbench.desk")


def safe_crash_report(width: int = 100) -> Text:
    """The exception being handled as a plain, redacted traceback (call inside ``except``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, markup=False)
    console.print(Traceback(show_locals=False, width=width, extra_lines=0, max_frames=20))
    report = redact(buffer.getvalue())
    log.error("desk crashed:\n%s", report)
    return Text(report)
