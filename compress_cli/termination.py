"""SIGTERM and SIGHUP as an exception, so that a stopped command cleans up as it does for Ctrl-C.

Python turns SIGINT (Ctrl-C) into :class:`KeyboardInterrupt`, and every ``finally`` and
``except BaseException`` block runs: temporary files are removed. SIGTERM, which ``kill``,
``timeout`` and batch schedulers send, and SIGHUP (the terminal closed) end the process at once
by default, leaving a temporary file behind. :func:`raise_on_termination` makes them raise
:class:`Terminated` instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["Terminated", "end_with_parent", "raise_on_termination", "raising_on_termination"]

_TERMINATION_SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


class Terminated(SystemExit):
    """The process was asked to stop by a signal; its exit status is ``128 + signal number``.

    A :class:`SystemExit`, so that a process that does not catch it still ends quietly (no
    traceback), with the status a shell expects of a process stopped by that signal.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


def raise_on_termination(interrupt: bool = False) -> None:
    """From now on, SIGTERM and SIGHUP raise :class:`Terminated` (call from the main thread).

    With ``interrupt``, so does SIGINT, instead of :class:`KeyboardInterrupt`: for a worker
    process, which a terminal's Ctrl-C reaches too and which should then end without a traceback.
    """
    for signum in [*_TERMINATION_SIGNALS, *([signal.SIGINT] if interrupt else [])]:
        signal.signal(signum, _raise_terminated)


@contextlib.contextmanager
def raising_on_termination() -> Iterator[None]:
    """:func:`raise_on_termination` for the time of a ``with`` block; the old handlers come back after."""
    previous = {signum: signal.getsignal(signum) for signum in _TERMINATION_SIGNALS}
    raise_on_termination()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PARENT_POLL_SECONDS = 0.2


def end_with_parent(parent: int) -> None:
    """SIGTERM this process when the process ``parent`` ends (call from a worker, after :func:`raise_on_termination`).

    A worker whose command was killed outright (SIGKILL, which nobody can catch) went on with
    the files it held, and wrote them. On Linux the kernel sends the signal the moment the parent
    dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread looks every 0.2 s.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the request: no signal would come
                    os.kill(os.getpid(), signal.SIGTERM)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="end with parent", daemon=True).start()
