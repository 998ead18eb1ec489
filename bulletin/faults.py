"""Named points where the reliability tests kill the process, to prove that nothing is lost.

`BULLETIN_KILL_AT=<point>` makes the process kill itself (SIGKILL, no clean-up) on reaching that
point. Unset, as in every real run, a checkpoint does nothing.
"""
from __future__ import annotations

import os
import signal

VARIABLE = "BULLETIN_KILL_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
