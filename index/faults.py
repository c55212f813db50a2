"""Fault injection for the crash-safety tests: the process kills itself (SIGKILL, no cleanup) at
the named point of a reindex. Unset in normal use."""

from __future__ import annotations

import os
import signal

CRASH_POINT_ENV = "BRIEFBOT_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_POINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
