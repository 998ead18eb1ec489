"""The life of the processes: named points where the reliability tests kill them, and workers
that die with their parent.

`BULLETIN_KILL_AT=<point>` makes the process kill itself (SIGKILL, no clean-up) on reaching that
point; `BULLETIN_STOP_AT=<point>` makes it stop there (SIGSTOP) until it is sent SIGCONT, so that
a test can run another process at exactly that moment. Unset, as in every real run, a checkpoint
does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

VARIABLE = "BULLETIN_KILL_AT"
STOP_VARIABLE = "BULLETIN_STOP_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(STOP_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGSTOP)


def die_with_parent() -> None:
    """Initializer for worker processes: end when the parent process dies, even by SIGKILL.

    Without it, the workers of a killed build wait forever on their task queue, holding the
    edition lock they inherited with the parent's memory (Linux only; elsewhere a no-op).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:  # an unusual C library: workers then simply outlive a killed parent
        return
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

