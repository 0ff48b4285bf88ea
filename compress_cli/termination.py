"""SIGTERM and SIGHUP as an exception, so that a stopped command cleans up as it does for Ctrl-C.

Python turns SIGINT (Ctrl-C) into :class:`KeyboardInterrupt`, and every ``finally`` and
``except BaseException`` block runs: temporary files are removed. SIGTERM, which ``kill``,
``timeout`` and batch schedulers send, and SIGHUP (the terminal closed) end the process at once
by default, leaving a temporary file behind. :func:`raise_on_termination` makes them raise
:class:`Terminated` instead.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["Terminated", "raise_on_termination", "raising_on_termination"]

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
