"""A process and everything it started, seen from outside through ``/proc``: list, time, kill.

The grader measures the learner's code by what the kernel counts, not by anything the learner's
process reports: the processor time of every process in the tree, each one's clock covering all
its threads, dead or alive (``clock_gettime`` on the process's CPU clock, in nanoseconds), plus
the time of children that were waited for. Linux only (``/proc``, per-process CPU clocks).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["cpu_seconds", "descendants", "kill", "resume", "stop", "wait_gone"]

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it, parents before children.

    Found through ``/proc/<pid>/task/<tid>/children`` (a process may be started by any of its
    threads). A process that exits while the tree is read is simply missing.
    """
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                queue += [int(child) for child in (task / "children").read_text().split()]
            except (OSError, ValueError):
                pass
    return list(dict.fromkeys(found))


def _process_clock(pid: int) -> int:
    # clock_getcpuclockid(3) for another process: MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED).
    return ((~pid) << 3) | 2


def _waited_children_seconds(pid: int) -> float:
    """``cutime + cstime`` of /proc/<pid>/stat: the time of its children it has waited for."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": the command may hold spaces
    return (int(fields[13]) + int(fields[14])) / _TICKS_PER_SECOND  # fields 16 and 17 of proc(5)


def cpu_seconds(pids: list[int]) -> float:
    """Processor seconds used so far by these processes (all their threads) and their waited-for children.

    A process that is gone by the time it is read counts for nothing.
    """
    total = 0.0
    for pid in pids:
        try:
            total += time.clock_gettime(_process_clock(pid)) + _waited_children_seconds(pid)
        except (OSError, ValueError):
            pass
    return total


def kill(pids: list[int]) -> None:
    """SIGKILL each process that still exists (no error for one already gone or not ours)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def stop(pids: list[int], timeout: float = 1.0) -> bool:
    """SIGSTOP each process, and wait until every thread of each is stopped (or gone); False at ``timeout``.

    SIGSTOP stops all of a process's threads, but asynchronously: a thread running on another
    processor stops when the kernel next looks at it. Each thread's state in ``/proc`` says when;
    a process still waiting for a processor, its SIGSTOP pending, counts as stopped
    (:func:`_stop_pending_and_idle`).
    """
    for pid in pids:
        try:
            os.kill(pid, signal.SIGSTOP)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + timeout
    while not all(_stopped(pid) for pid in pids):
        if time.monotonic() > deadline:
            # One last look: this thread may have waited for the GIL between two readings of
            # /proc (another job parsing a large notebook), and taken a stopped process for a running one.
            return all(_stopped(pid) for pid in pids)
        if all(_stopped(pid) or _stop_pending_and_idle(pid) for pid in pids):
            return True
        time.sleep(0.0005)
    return True


_SIGSTOP_BIT = 1 << (signal.SIGSTOP - 1)


def _stop_pending_and_idle(pid: int, seconds: float = 0.002) -> bool:
    """Whether a process has SIGSTOP pending and used no processor time for ``seconds``.

    On a busy machine a process may wait long for a processor after its SIGSTOP (over ten seconds
    was seen here, the process runnable, the signal pending). Such a process runs none of its
    code again before it stops: a thread acts on a pending signal before it returns to its own
    code, and none runs now (its processor clock stands still) that could send itself SIGCONT.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        pending = int(next(line for line in status.splitlines() if line.startswith("ShdPnd:")).split()[1], 16)
        if not pending & _SIGSTOP_BIT:
            return False
        before = time.clock_gettime(_process_clock(pid))
        time.sleep(seconds)
        return time.clock_gettime(_process_clock(pid)) == before
    except (OSError, ValueError, StopIteration):
        return False


def resume(pids: list[int]) -> None:
    """SIGCONT each process that still exists."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except (ProcessLookupError, PermissionError):
            pass


def _stopped(pid: int) -> bool:
    """Whether every thread of the process is stopped (T, t), dead (Z, X) or gone."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return True
    for task in tasks:
        try:
            text = (task / "stat").read_text()
        except OSError:
            continue
        if text[text.rindex(")") + 2] not in "TtZX":
            return False
    return True


def _running(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] not in "ZX"  # a zombie runs nothing; its reaper may never come


def wait_gone(pids: list[int], timeout: float = 5.0) -> bool:
    """Wait until none of ``pids`` runs any more (gone, or a zombie); False if some still do at ``timeout``."""
    deadline = time.monotonic() + timeout
    while any(_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
