"""The learner's process seen from the grading process: started, asked, timed and killed from outside.

:class:`LearnerProcess` runs ``grading/sandbox/learner_main.py`` either in the bubblewrap sandbox
(:mod:`grading.sandbox.bubblewrap`) or, where there is none, as a plain child process
(:class:`Isolation` says which). Either way it sends requests, waits for each reply at most a
given time, and kills every process of the learner's when time runs out. A learner process that
dies is seen as an end of file on its reply pipe, or as its exit, whichever comes first, and
described from its exit status.

Its clock is the kernel's: the processor time of every process of the tree, every thread
included, read from ``/proc`` (:mod:`grading.sandbox.process_tree`), never a figure the learner's process
reports.

Without the sandbox ("process isolation"), the learner's process runs as the grader's user in its
own process group, with the same limits: this stops honest mistakes (endless loops, runaway memory,
exits, crashes, floods of output), not hostile code. docs/grading.md says what each level stops.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grading.sandbox import bubblewrap, process_tree, task_limit

__all__ = ["Isolation", "LearnerProcess", "LearnerCrashed", "LearnerTimeout"]

LEARNER_MAIN = Path(__file__).with_name("learner_main.py")
MAX_REPLY_BYTES = 1024**2  # replies are short JSON; anything longer is not the learner's process speaking
POLL_SECONDS = 0.25  # how often a silent learner process is checked for having exited
SANDBOX_THREADS = 64  # tasks of one learner process: its processes and their threads (as root, by a pids cgroup)
_PAUSE_ROUNDS = 20  # readings of the tree until no new process shows: each catches what the last one raced
# How long a learner process may take to stop once signalled: a process waiting for a processor on a
# busy machine took over a second (and one that cannot stop at all is killed).
STOP_SECONDS = 10.0


class LearnerTimeout(Exception):
    """The learner's process did not reply in time; it has been killed."""


class LearnerCrashed(Exception):
    """The learner's process exited or broke the protocol; the message says how, for the learner."""


@dataclass(frozen=True)
class Isolation:
    """How learners' processes are isolated in this grading run.

    Attributes
    ----------
    sandbox : bool
        True: in the bubblewrap sandbox. False: process isolation only.
    description : str
        One line for the instructor: which, and why when there is no sandbox.
    site_entries : tuple of str or None
        In the sandbox, the entries of site-packages it shows (``settings.ALLOWED_PACKAGES``), or
        None for all of it.
    hidden_modules : tuple of str
        Installed top-level modules that graded code may not import (``settings.ALLOWED_PACKAGES``).
    """

    sandbox: bool
    description: str
    site_entries: tuple[str, ...] | None = None
    hidden_modules: tuple[str, ...] = ()


def _plain_environment(folder: Path) -> dict[str, str]:
    """Without the sandbox: nothing of the grader's environment but what Python, numpy and matplotlib need."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",  # plt.show() in a graded cell must not look for a display
        "MPLCONFIGDIR": str(folder / ".matplotlib"),
        # One thread each: several learner processes may run side by side (--jobs), and a thread pool's
        # reserved memory would count against the address-space limit.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return env


class LearnerProcess:
    """One learner process.

    Parameters
    ----------
    isolation : Isolation
    folder : pathlib.Path
        Without the sandbox, its working folder (created if needed); unused in the sandbox, whose
        working folder is its own tmpfs.
    public_dir : pathlib.Path
        The learner's public files, put on the learner process's ``sys.path``.
    exchange_fd : int
        The shared memory file (:class:`grading.sandbox.exchange.Exchange`), passed to the learner's process.
    memory : int
        Address-space limit, bytes.
    disk : int
        Bytes it may write: in the sandbox, the size of its writable tmpfs; without, the largest file.
    """

    def __init__(self, isolation: Isolation, folder: Path, public_dir: Path, exchange_fd: int,
                 memory: int, disk: int) -> None:
        self._buffer = b""
        self._paused: list[int] = []  # the processes pause() stopped, for resume()
        self.sandbox = isolation.sandbox
        # As root the kernel does not apply RLIMIT_NPROC: a pids cgroup bounds the threads instead,
        # every process of the learner's together (bwrap and the sandbox's init among them).
        self.tasks = None
        if task_limit.needed() and not task_limit.why_unbounded():
            self.tasks = task_limit.TaskLimit(SANDBOX_THREADS)
        if isolation.sandbox:
            # Its tmpfs holds `disk` bytes, all files together. The thread limit counts the sandbox's
            # user namespace alone; without the sandbox it would count all the grader's user runs.
            limits = [str(memory), str(resource.RLIM_INFINITY), str(SANDBOX_THREADS)]
            with bubblewrap.command([bubblewrap.LEARNER_MAIN, *limits, bubblewrap.PUBLIC, str(exchange_fd)], public_dir, disk,
                                    isolation.site_entries) as (argv, fds):
                self.process = self._popen(argv, (exchange_fd, *fds), None, bubblewrap.environment())
        else:
            # A limit per file is all a process can set on its own; a thread limit would count every
            # process of the grader's user.
            limits = [str(memory), str(disk), str(resource.RLIM_INFINITY)]
            folder.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, "-I", str(LEARNER_MAIN), *limits, str(public_dir), str(exchange_fd)]
            self.process = self._popen(argv, (exchange_fd,), folder, _plain_environment(folder))

    def _popen(self, argv: list[str], fds: tuple[int, ...], cwd: Path | None, env: dict[str, str]) -> subprocess.Popen:
        if self.tasks is not None:
            argv = self.tasks.wrap(argv)
        return subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, pass_fds=fds, cwd=cwd, env=env,
            start_new_session=True,  # its own process group: without the sandbox, kill() reaches what it started
        )

    def cpu_seconds(self) -> float:
        """Processor seconds used so far by every process of this learner's (all threads), as the kernel counts them."""
        return process_tree.cpu_seconds(process_tree.descendants(self.process.pid))

    def request(self, message: dict, timeout: float) -> dict:
        """Send a request and wait at most ``timeout`` seconds for the reply.

        The learner's process runs only from the request to its reply: it is stopped, every
        thread, as soon as the reply has come (:meth:`pause`), and let go again with the next
        request. So while the grader reads its clock, checks its inputs, copies its result or
        times the reference solution, no thread of the learner's runs: none can change what is
        being read, slow the reference down, or work off the clock.

        The request is written without blocking, within the same deadline: a learner's process
        that shrinks its request pipe and stops reading cannot hold the grader (the write would
        block forever).

        Raises
        ------
        LearnerTimeout
            No reply in time (the learner's process is killed).
        LearnerCrashed
            The learner's process exited, or replied with something that is not one JSON line.
        """
        deadline = time.monotonic() + timeout
        self.resume()
        self._write(json.dumps(message).encode("utf-8") + b"\n", deadline)
        line = self._read_line(deadline)
        self.pause()
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):
            reply = None
        if not isinstance(reply, dict):
            self.kill()
            raise LearnerCrashed("sent a reply the grader could not read")
        return reply

    def _ready(self, fd: int, deadline: float, write: bool) -> bool:
        """Wait at most POLL_SECONDS for ``fd`` to be writable (or readable); whether it is.

        Past the deadline, one last look without waiting: this thread may have waited for the GIL
        (another job parsing a large notebook), not the pipe for the learner's process, and a reply that came
        meanwhile is read, not taken for a timeout.

        Raises
        ------
        LearnerTimeout
            Past the deadline, and still not ready (the learner's process is killed).
        LearnerCrashed
            The learner's process has exited (a process it started may hold the pipe open after it died).
        """
        remaining = deadline - time.monotonic()
        readable, writable, _ = select.select([] if write else [fd], [fd] if write else [], [],
                                              max(0.0, min(remaining, POLL_SECONDS)))
        if readable or writable:
            return True
        if remaining <= 0:
            self.kill()
            raise LearnerTimeout()
        if self.process.poll() is not None:
            raise LearnerCrashed(self._exit_description())
        return False

    def _write(self, data: bytes, deadline: float) -> None:
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        while view:
            if not self._ready(fd, deadline, write=True):
                continue
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError:  # the pipe is broken: the learner's process is gone
                raise LearnerCrashed(self._exit_description()) from None

    def _read_line(self, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            if not self._ready(fd, deadline, write=False):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise LearnerCrashed(self._exit_description())
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self.kill()
                raise LearnerCrashed("sent a reply far longer than any the grader expects")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _exit_description(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        finally:
            self.kill()  # whatever it started goes too; and the learner's process itself, if it stopped answering
        # In the sandbox bwrap passes on the learner process's exit status, and a signal as 128 + its number.
        if self.sandbox and code > 128 and code - 128 in signal.valid_signals():
            code = -(code - 128)
        if code >= 0:
            return f"exited with code {code} (os._exit() or sys.exit() in the learner's code?)"
        if -code == signal.SIGKILL:
            return "was killed (SIGKILL: what the system does to a process that runs out of memory)"
        if -code == signal.SIGSEGV:
            return "crashed (SIGSEGV, a segmentation fault)"
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:  # a real-time signal has a number, not a name
            return f"was killed by signal {-code}"

    def pause(self) -> None:
        """Stop every thread of every process of this learner's, and wait until they are stopped.

        Between a reply and the next request the grader reads the learner's clock, checks its
        inputs and copies its result from the memory the two share, and may time the reference
        solution: a thread left running could change what is read, use the processor off the
        clock, or take it from the reference. A process that cannot be stopped within STOP_SECONDS is
        killed.

        The tree is read again once what it held is stopped, until no new process shows: one
        started between the reading and the signals (where new processes are allowed, without the
        sandbox) is stopped too, and a stopped process starts no more.

        Raises
        ------
        LearnerCrashed
            It could not be stopped (it has been killed).
        """
        self._paused = []
        for _ in range(_PAUSE_ROUNDS):
            new = [pid for pid in process_tree.descendants(self.process.pid) if pid not in self._paused]
            if not new:
                return
            self._paused += new
            if not process_tree.stop(new, timeout=STOP_SECONDS):
                break
        self.kill()
        raise LearnerCrashed("could not be stopped to read its result")

    def resume(self) -> None:
        """Let the processes :meth:`pause` stopped run again."""
        process_tree.resume(self._paused)
        self._paused = []

    def kill(self) -> None:
        """Kill every process of this learner's and wait until none runs; safe to call more than once."""
        if self.process.returncode is None:  # once reaped, its process ID may be someone else's
            tree = process_tree.descendants(self.process.pid)
            process_tree.kill(tree)
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass  # already gone
            self.process.wait()
            process_tree.wait_gone(tree)
        if self.tasks is not None:
            self.tasks.remove()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
