"""Writing files so that a reader, or a crash, never sees half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, flush to disk, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        os.chmod(temporary, usual_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def temporary_files(folder: Path) -> list[Path]:
    """The temporary files `write_atomically` left in `folder` when its process was killed
    between writing and renaming. Only the run that owns the folder may remove them: a live
    writer's file looks the same."""
    return sorted(p for p in folder.glob(f".*{TEMPORARY_SUFFIX}") if p.is_file())


def usual_mode(folder: bool = False) -> int:
    """The permissions open() or mkdir() would give under the umask. Temporary files and folders
    are made private (0600, 0700); kept so in the archive, they would lock out the colleagues and
    the web server that read it."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask
