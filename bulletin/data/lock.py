"""The data folder's lock: an import writes alone, loads read together.

`bulletin data import` reads the trade files, merges its rows and writes them back; a second
import doing the same at once would write back rows without the first one's revision, and a
build reading while an import writes would record one file's hash with another file's figures.
So an import holds the data folder's lock exclusively for its whole read-merge-write, and every
load of the data (build, publish, send, check) holds it shared while it hashes and reads the files.

The lock is the operating system's (flock), taken on the data folder itself: a lock left by a
process that died is free at once, and taking it writes nothing, so a read-only data folder is
read as well and a refused command leaves the folder exactly as it was.
"""
from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bulletin.errors import DataError, Problem

log = logging.getLogger(__name__)

LOCK_TIMEOUT_SECONDS = 600
POLL_SECONDS = 0.05


@contextmanager
def data_lock(data_dir: Path, exclusive: bool, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the data folder's lock: exclusive to change its files, shared to read them.

    A missing folder is read without it (the load then says what is missing); an import makes
    the folder, as it would to write its first file.
    """
    if exclusive:
        data_dir.mkdir(parents=True, exist_ok=True)
    elif not data_dir.is_dir():
        yield
        return
    descriptor = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _acquire(descriptor, data_dir, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, timeout)
        yield
    finally:
        os.close(descriptor)  # closing the folder releases the lock


def _acquire(descriptor: int, data_dir: Path, mode: int, timeout: float) -> None:
    """Take the lock, waiting up to `timeout` seconds for the run that holds it (said once, in the log)."""
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DataError([Problem(str(data_dir), None, None,
                                         f"another run (an import or a build) has held the data folder for over "
                                         f"{timeout:g} s; try again later")]) from None
            if not waiting:
                log.info("waiting for another run to finish with the data folder %s", data_dir)
                waiting = True
            time.sleep(POLL_SECONDS)
