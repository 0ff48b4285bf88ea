"""Writing the grader's outputs safely: a file through a temporary file and a rename, a folder built
beside its place and swapped in.

A reader (an instructor opening the gradebook while grading runs, a script polling for it) never sees
half a file, and a write that fails half-way leaves what was there before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing_folder", "replace_file"]


def replace_file(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path``, replacing whatever is there.

    Through a temporary file in the same folder (created if needed), synced to disk, then a rename.
    Whatever stood at ``path`` is replaced, a folder included: the caller owns the name. On failure
    the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : pathlib.Path
    data : str or bytes
        Written as it is (newlines unchanged).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)  # mkstemp makes the file private (0600): give it a new file's permissions
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # os.replace cannot put a file where a folder is
        os.replace(temp, path)
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise


@contextmanager
def replacing_folder(out: Path) -> Iterator[Path]:
    """A new, empty folder to fill; if the ``with`` block succeeds, it takes ``out``'s place.

    The folder is built beside ``out`` (same file system, so the final rename is atomic) under a
    name that says what it is, in case the process is killed half-way. If the block raises, the
    folder is removed and ``out`` is left as it was.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write, or to replace with everything in it once the block succeeds.

    Yields
    ------
    pathlib.Path
        ``<out's parent>/.<out's name>.building-<pid>``, created (and its parents).
    """
    building = out.parent / f".{out.name}.building-{os.getpid()}"
    if building.exists():  # left by an earlier process with our pid, killed half-way
        shutil.rmtree(building)
    building.mkdir(parents=True)
    try:
        yield building
        if out.is_dir() and not out.is_symlink():
            shutil.rmtree(out)
        elif os.path.lexists(out):
            out.unlink()
        building.rename(out)
    finally:
        if building.exists():
            shutil.rmtree(building)
