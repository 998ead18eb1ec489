"""The life of the processes: named points where the reliability tests kill them, and the one
way work is spread over processes (`in_processes`, with workers that die with their parent).

`BULLETIN_KILL_AT=<point>` makes the process kill itself (SIGKILL, no clean-up) on reaching that
point; `BULLETIN_STOP_AT=<point>` makes it stop there (SIGSTOP) until it is sent SIGCONT, so that
a test can run another process at exactly that moment. Unset, as in every real run, a checkpoint
does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

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



def in_processes(function: Callable, items: list, workers: int) -> Iterator:
    """`function(item)` for each item, in the order they finish, on up to `workers` processes.

    The processes are forked: they share the memory of this one (the loaded data, the imported
    modules) as it is when they start, instead of each receiving a copy or importing anew. Inside
    a worker the items are done one after another: the editions of a many-editions build are
    already spread over the cores, so their charts are not spread again.
    """
    if workers <= 1 or len(items) <= 1 or multiprocessing.parent_process() is not None:
        yield from map(function, items)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=multiprocessing.get_context("fork"),
                             initializer=die_with_parent) as pool:
        for future in as_completed([pool.submit(function, item) for item in items]):
            yield future.result()


def available_cores() -> int:
    """The processor cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
