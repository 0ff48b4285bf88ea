"""Run the learner's code in a separate process, with a memory limit and a clock.

:class:`Worker` is one learner process (``grading/worker.py``) seen from the grading process: it
sends requests, waits for each reply at most a given time, and kills the process group when time
runs out, so that whatever the learner's code started goes with it. A worker that dies is seen as
an end of file on its reply pipe, or as its exit, whichever comes first, and described from its
exit status.

This isolates honest mistakes (endless loops, runaway memory, ``sys.exit``, crashes, floods of
output) from the grader and from the other submissions. It is not a sandbox against hostile code:
the process runs as the grader's user, can read what that user can read, and can use the network.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["Worker", "WorkerCrashed", "WorkerTimeout"]

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
MAX_REPLY_BYTES = 1024**2  # replies are short JSON; anything longer is not the worker speaking
POLL_SECONDS = 0.25  # how often a silent worker is checked for having exited


class WorkerTimeout(Exception):
    """The worker did not reply in time; it has been killed."""


class WorkerCrashed(Exception):
    """The worker exited or broke the protocol; the message says how, for the learner."""


def _environment(folder: Path) -> dict[str, str]:
    """A small environment: nothing of the grader's but what Python, numpy and matplotlib need."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", str(folder)),
        "TMPDIR": str(folder),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",  # plt.show() in a graded cell must not look for a display
        # One thread each: several workers may run side by side (--jobs), and a thread pool's
        # reserved memory would count against the address-space limit.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if "MPLCONFIGDIR" in os.environ:
        env["MPLCONFIGDIR"] = os.environ["MPLCONFIGDIR"]
    return env


class Worker:
    """One learner process.

    Parameters
    ----------
    folder : pathlib.Path
        Its working folder (created if needed): inputs and results are exchanged there.
    public_dir : pathlib.Path
        A folder with the learner's own modules (utils.py, public_tests.py, quantize/), put on
        the worker's ``sys.path`` for the notebook's imports.
    memory : int
        Address-space limit, bytes.
    file_size : int
        Largest file the worker may write, bytes.
    """

    def __init__(self, folder: Path, public_dir: Path, memory: int, file_size: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._buffer = b""
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT), str(memory), str(file_size), str(public_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=folder,
            env=_environment(folder),
            start_new_session=True,  # its own process group: kill() reaches what it started
        )

    def request(self, message: dict, timeout: float) -> dict:
        """Send a request and wait at most ``timeout`` seconds for the reply.

        Raises
        ------
        WorkerTimeout
            No reply in time (the worker is killed).
        WorkerCrashed
            The worker exited, or replied with something that is not one JSON line.
        """
        deadline = time.monotonic() + timeout
        try:
            self.process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except OSError:  # the pipe is broken: the worker is gone
            raise WorkerCrashed(self._exit_description()) from None
        line = self._read_line(deadline)
        try:
            reply = json.loads(line)
        except ValueError:
            self.kill()
            raise WorkerCrashed("sent a reply the grader could not read") from None
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerCrashed("sent a reply the grader could not read")
        return reply

    def _read_line(self, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerTimeout()
            ready, _, _ = select.select([fd], [], [], min(remaining, POLL_SECONDS))
            if not ready:
                # A process the worker started may hold the pipe open after the worker died.
                if self.process.poll() is not None:
                    raise WorkerCrashed(self._exit_description())
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise WorkerCrashed(self._exit_description())
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self.kill()
                raise WorkerCrashed("sent a reply far longer than any the grader expects")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _exit_description(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        finally:
            self.kill()  # whatever it started goes too; and the worker itself, if it stopped answering
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
            if -code == signal.SIGKILL:
                return "was killed (SIGKILL: what the system does to a process that runs out of memory)"
            if -code == signal.SIGSEGV:
                return "crashed (SIGSEGV, a segmentation fault)"
            return f"was killed by {name}"
        return f"exited with code {code} (os._exit() or sys.exit() in the learner's code?)"

    def kill(self) -> None:
        """Kill the worker's process group and reap the worker; safe to call more than once."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # already gone
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
