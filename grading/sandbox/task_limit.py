"""A bound on the threads of a learner's process where the kernel's per-user limit does not apply: as root.

The learner's process caps its own threads with ``RLIMIT_NPROC`` (``grading/sandbox/learner_main.py``), which the
kernel counts per user and does not apply to root: graded as root (as CI does, and many
containers), one learner's code started 3,000 threads, and host process IDs are shared, so tens of
thousands would break the machine. There, each learner process goes into a cgroup of its own with
``pids.max`` set (the kernel's pids controller counts every thread of every process in it, whoever
owns them). The process is put into its cgroup before anything of it runs: a shell writes its own
process ID to the cgroup, then becomes the learner's process (:meth:`TaskLimit.wrap`).

Where no pids controller can be written (a container without one), :func:`why_unbounded` says so,
for the instructor's description of the run.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

__all__ = ["TaskLimit", "needed", "why_unbounded"]

_V1 = Path("/sys/fs/cgroup/pids")  # cgroup v1: the pids hierarchy
_V2 = Path("/sys/fs/cgroup")  # cgroup v2: the unified hierarchy, with "pids" among its controllers
_NUMBERS = itertools.count()


def needed() -> bool:
    """Whether threads need a bound beyond RLIMIT_NPROC: the grader runs as root, which the kernel exempts."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _hierarchy() -> Path | None:
    """A folder of a pids cgroup hierarchy this process may make cgroups in, or None."""
    if (_V1 / "tasks").is_file() and os.access(_V1, os.W_OK):
        return _V1
    controllers = _V2 / "cgroup.controllers"
    if controllers.is_file() and "pids" in controllers.read_text().split() and os.access(_V2, os.W_OK):
        control = _V2 / "cgroup.subtree_control"
        try:
            if "pids" not in control.read_text().split():
                control.write_text("+pids")
        except OSError:
            return None
        return _V2
    return None


def why_unbounded() -> str:
    """"" if learner processes' threads are bounded on this machine, else why not, in a few words."""
    if not needed():
        return ""
    if _hierarchy() is None:
        return "graded as root, where the kernel does not apply the thread limit, and no pids cgroup can be made"
    return ""


class TaskLimit:
    """A pids cgroup for one learner process: at most ``tasks`` threads, all its processes together.

    Parameters
    ----------
    tasks : int
        The most threads (and processes) the cgroup may hold.
    """

    def __init__(self, tasks: int) -> None:
        hierarchy = _hierarchy()
        if hierarchy is None:
            raise OSError("no pids cgroup can be made here")
        self.path = hierarchy / f"grading-{os.getpid()}-{next(_NUMBERS)}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(str(tasks))

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run by a shell that first moves itself into the cgroup, then becomes ``argv``.

        If the move fails, nothing runs (the shell exits with status 1).
        """
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *argv]

    def remove(self, timeout: float = 2.0) -> None:
        """Remove the cgroup, once its processes are gone (the kernel refuses before)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # an empty cgroup costs nothing; the next run's names are its own
                time.sleep(0.01)
