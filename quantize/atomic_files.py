"""Write files so that a failure never leaves a partial one, and a group of files all or none.

Each file is written in full to a hidden temporary file in its destination folder
(``.<name>.<random>.tmp``), flushed to disk, and only then renamed to its name. The rename is
atomic because both names are in one folder, hence on one file system: a reader sees the old
file or the new one, never half of one.

:class:`StagedFiles` does this for several files at once (a PNG and its comparison figure): all
of them are written to temporary files first; :meth:`StagedFiles.commit` renames them together,
with the signals that stop a command (Ctrl-C, ``kill``, a closed terminal) held back for those
few microseconds. A failure before the commit leaves none of the files and no temporary file
(any exception, including the :class:`KeyboardInterrupt` of Ctrl-C and the exception that
:func:`compress_cli.termination.raise_on_termination` makes of SIGTERM). Only SIGKILL, which no
program can catch, can leave a temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["StagedFiles", "stale_temporaries", "write_atomically"]

# The signals a user or a scheduler stops a command with; they wait while files are renamed.
_STOP_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]


@contextlib.contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP; one that arrived meanwhile is raised again on exit.

    Python runs signal handlers in the main thread between two bytecodes, whichever thread the
    kernel gave the signal to (numpy's BLAS threads, say), so a signal mask cannot hold them
    back; swapping the handlers for one that only takes note does. Only the main thread may set
    handlers: elsewhere, nothing is held back.
    """
    pending: list[int] = []
    previous = {}
    try:
        for signum in _STOP_SIGNALS:
            handler = signal.getsignal(signum)
            if handler is not None:  # None: set outside Python, which could not be put back
                previous[signum] = signal.signal(signum, lambda number, frame: pending.append(number))
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(pending):  # once each: the kernel does not queue them either
            signal.raise_signal(signum)


_TEMP_NAME_BYTES = 200  # of the destination's name kept in the temporary one: 200 + 14 < 255


def _temporary_prefix(path: str | os.PathLike) -> tuple[str, str]:
    """The folder of ``path``'s temporary files, and the start of their names (``.<name>.``)."""
    folder, name = os.path.split(os.path.abspath(path))
    # The temporary name adds 14 bytes to the destination's: cut, it stays within the 255
    # bytes a name may have wherever the destination's own name fits.
    short = os.fsencode(name)[:_TEMP_NAME_BYTES].decode("utf-8", errors="ignore") or "staged"
    return folder, f".{short}."


# Characters of tempfile's random part in a temporary name: with them, .a.png.<8>.tmp (a.png's) is
# told from .a.png.old.<8>.tmp (a.png.old's).
_RANDOM_PART = 8

# Seconds a file's time may read before time.time() read just before it was made: Linux stamps
# files with a coarser clock, a tick (up to 10 ms) behind.
_FILE_CLOCK_LAG = 1.0


def stale_temporaries(path: str | os.PathLike, since: float) -> list[str]:
    """Temporary files of ``path`` made at ``since`` (a ``time.time()``) or later, left by a process that died.

    A process killed while it writes (SIGKILL, the out-of-memory killer) cannot remove its
    temporary file; the one that started it can, once it knows that the process is gone.
    """
    folder, prefix = _temporary_prefix(path)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp") and len(name) == len(prefix) + _RANDOM_PART + len(".tmp"):
            try:
                if os.lstat(os.path.join(folder, name)).st_mtime >= since - _FILE_CLOCK_LAG:
                    found.append(os.path.join(folder, name))
            except OSError:
                continue
    return found


def _file_mode() -> int:
    """The permissions a new file gets here: ``0o666`` less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class StagedFiles:
    """Files written to temporary names, then renamed to their own names together: all or none.

    Use as a context manager::

        with StagedFiles() as files:
            files.add("out.png", lambda f: f.write(png_bytes))
            files.add("figure.pdf", save_figure, overwrite=True)
            files.commit()

    Leaving the block without :meth:`commit` (an exception, Ctrl-C, SIGTERM turned into an
    exception) removes every temporary file and leaves the destinations as they were.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, str, bool]] = []  # (temporary file, destination, overwrite)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    def add(self, path: str | os.PathLike, write: Callable[[BinaryIO], None], overwrite: bool = False) -> str:
        """Write a file's whole content to a temporary file beside ``path``.

        Parameters
        ----------
        path : str or path-like
            The destination; its folder must exist.
        write : callable
            Writes the whole content to the binary file object it is given.
        overwrite : bool, optional
            Replace an existing ``path`` at commit. If False and ``path`` exists now or at commit,
            ``FileExistsError`` is raised and nothing is changed.

        Returns
        -------
        str
            The temporary file's path, which holds the content until the commit (to read it back).

        Raises
        ------
        OSError
            ``FileExistsError`` as above; otherwise whatever the file system reports (no such
            folder, permission denied, disk full). The temporary file is removed in every case.
        """
        path = os.fspath(path)
        if not overwrite and os.path.lexists(path):
            raise FileExistsError(17, "File exists", path)
        folder, prefix = _temporary_prefix(path)
        try:
            fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
        except OSError as exc:  # name the destination the caller asked for, not the temporary file
            raise type(exc)(exc.errno, exc.strerror, path) from None
        self._staged.append((temp, path, overwrite))  # from here on, discard() removes it
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, _file_mode())  # mkstemp makes the file private (0600)
        return temp

    def commit(self) -> None:
        """Rename every staged file to its destination: all of them, or (on failure) none.

        Files that may not replace an existing one go first, each by a hard link that fails if
        the destination appeared since :meth:`add`; if one fails, those already linked are
        removed again. Files that may replace one go last, by ``os.replace``, which does not fail
        in a folder where a temporary file was just written.

        Raises
        ------
        OSError
            ``FileExistsError`` if a destination appeared meanwhile; nothing is changed then.
        """
        staged = sorted(self._staged, key=lambda entry: entry[2])  # no-clobber ones first
        linked: list[str] = []
        with _stop_signals_deferred():
            try:
                for temp, path, overwrite in staged:
                    if overwrite:
                        os.replace(temp, path)
                    else:
                        _link_no_clobber(temp, path)
                        linked.append(path)
            except BaseException:
                for path in linked:
                    os.unlink(path)
                raise
            self.discard()

    def discard(self) -> None:
        """Remove every temporary file still staged (commit has not run, or failed)."""
        for temp, _, _ in self._staged:
            if os.path.lexists(temp):
                os.unlink(temp)
        self._staged.clear()


def _link_no_clobber(temp: str, path: str) -> None:
    """Give ``temp``'s file the name ``path`` unless ``path`` exists, without a race between the two."""
    try:
        os.link(temp, path)  # fails with FileExistsError if path exists, atomically
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a tiny race remains).
        if os.path.lexists(path):
            raise FileExistsError(17, "File exists", path) from None
        os.replace(temp, path)


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None], overwrite: bool = False) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    One file of :class:`StagedFiles`; the parameters and errors are those of
    :meth:`StagedFiles.add`.
    """
    with StagedFiles() as files:
        files.add(path, write, overwrite)
        files.commit()
