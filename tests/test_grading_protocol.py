"""The learner's process cannot bend the protocol: no work off the clock, no write that blocks the grader.

Two attacks of issue 18, on one learner process each, with and without the sandbox:

- work after the reply: a thread keeps working once the function has returned, while the grader
  reads the clock and the result, times the reference, or waits; the learner's process is stopped,
  every thread, from each reply to the next request, so all the processor time it uses is on the
  clock of a call;
- a full request pipe: the learner's code shrinks the pipe the grader writes requests into, forges
  replies, and stops reading; the grader's writes keep to the test's deadline instead of blocking
  forever.

Under ``CI=true`` a machine without the sandbox fails the sandbox half; elsewhere it is skipped, saying why.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from grading.sandbox import bubblewrap

from grading import settings
from grading.grade.learner_session import LearnerCrashed, LearnerTimeout, Session
from grading.grade.submission import extract
from grading.instructor_notebook import SOURCE_NOTEBOOK
from grading.release.learner_files import copy_public_files
from grading.sandbox.learner_process import Isolation
from submissions import CENTROIDS_RIGHT, answered


@pytest.fixture(scope="module")
def public_dir():
    with tempfile.TemporaryDirectory() as folder:
        copy_public_files(SOURCE_NOTEBOOK.parent, Path(folder))
        yield Path(folder)


@pytest.fixture(params=["process isolation", "sandbox"])
def isolation(request, public_dir):
    if request.param == "process isolation":
        return Isolation(False, "process isolation")
    why_not = bubblewrap.probe(public_dir, [SOURCE_NOTEBOOK.parent], settings.DISK_LIMIT)
    if why_not:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the sandbox is required in CI: {why_not}")
        pytest.skip(f"no sandbox on this machine: {why_not}")
    return Isolation(True, "sandbox")


def _session(closest: str, isolation, public_dir, tmp_path, before: str = "") -> Session:
    extraction = extract(answered(textwrap.dedent(closest), CENTROIDS_RIGHT, before))
    session = Session(extraction, isolation, tmp_path / "scratch", public_dir, 10**6, settings.MEMORY_LIMIT,
                      settings.DISK_LIMIT)
    session.start(20)
    return session


# A thread that spins for half a second of processor time after the function has returned.
WORKS_AFTER_THE_REPLY = """
import threading, time
def spin():
    end = time.thread_time() + 0.5
    while time.thread_time() < end:
        pass
threading.Thread(target=spin, daemon=True).start()
"""


def test_no_processor_time_is_used_off_the_clock(isolation, public_dir, tmp_path):
    session = _session(WORKS_AFTER_THE_REPLY, isolation, public_dir, tmp_path)
    try:
        X, C = np.random.default_rng(0).random((50, 3)), np.random.default_rng(1).random((4, 3))
        defined = session.process.cpu_seconds()
        counted = 0.0
        for _ in range(3):
            counted += session.call("find_closest_centroids", (X, C), 10).seconds
            time.sleep(0.6)  # the grader at other work: the spinning threads would have all the time they want
        used = session.process.cpu_seconds() - defined
        assert used - counted < 0.05, f"{used - counted:.3f} s of processor time off the clock ({used:.3f} used)"
    finally:
        session.stop()


# Shrinks the pipe the grader writes requests into, floods the replies with forgeries, never reads again.
HOLDS_THE_REQUEST_PIPE = """
import fcntl, json, sys, threading, time
loop = sys._getframe(2).f_locals  # the worker's main loop: its two protocol streams
fcntl.fcntl(loop["requests"].fileno(), 1031, 4096)  # F_SETPIPE_SZ: the smallest pipe there is
def forge(out=loop["replies"]):
    while True:
        out.write(json.dumps({"kind": "returned", "type": "ndarray", "result": None, "repr": "forged"}).encode() + b"\\n")
        out.flush()
threading.Thread(target=forge, daemon=True).start()
while True:
    time.sleep(1)
"""


def test_a_learner_process_that_stops_reading_cannot_hold_the_grader(isolation, public_dir, tmp_path):
    session = _session(HOLDS_THE_REQUEST_PIPE, isolation, public_dir, tmp_path)
    X, C = np.random.default_rng(0).random((50, 3)), np.random.default_rng(1).random((4, 3))
    started = time.monotonic()
    try:
        with pytest.raises((LearnerTimeout, LearnerCrashed)):
            for _ in range(100):  # a few dozen requests fill a 4 KiB pipe nobody reads
                session.call("find_closest_centroids", (X, C), 3)
    finally:
        session.stop()
    assert time.monotonic() - started < 30


# A learner's debugging in a notebook: a table shown with IPython's display (a builtin there, so
# the grader defines it too), and every number printed, which np.set_printoptions in the same cell
# allows (at the top of a graded cell, which the grader runs). The grader calls the function under numpy's default print options, as the public tests
# time it, so the print is shortened in both.
SHOWS_AND_PRINTS = """
d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
display(d[:3])
idx = np.argmin(d, axis=1)
assert "..." in np.array2string(np.arange(2000)), "the cell's print options reached the call"
"""


def test_the_learner_namespace_has_display_and_numpys_default_print_options(public_dir, tmp_path):
    session = _session(SHOWS_AND_PRINTS, Isolation(False, "process isolation"), public_dir, tmp_path,
                       before="np.set_printoptions(threshold=10**9)")  # at the top of a graded cell
    try:
        X, C = np.random.default_rng(0).random((50, 3)), np.random.default_rng(1).random((4, 3))
        outcome = session.call("find_closest_centroids", (X, C), 10)
        assert outcome.kind == "returned", outcome.error
        assert np.array_equal(outcome.value, np.argmin(((X[:, None] - C[None]) ** 2).sum(2), axis=1))
    finally:
        session.stop()


# Reshapes the caller's array in place: right the first time, and the arrays it was given are left
# (m, 1, n), which its next call on them cannot take.
RESHAPES_X_IN_PLACE = """
X.shape = (X.shape[0], 1, X.shape[1])
idx = np.sum((X - centroids) ** 2, axis=-1).argmin(axis=1)
"""


def test_a_second_call_gets_the_same_array_objects(public_dir, tmp_path):
    """What the first call did to the arrays themselves (not to their memory) is there in the second:
    how the grader's "unchanged" test sees a function that reshapes its inputs in place."""
    session = _session(RESHAPES_X_IN_PLACE, Isolation(False, "process isolation"), public_dir, tmp_path)
    try:
        X, C = np.random.default_rng(0).random((50, 3)), np.random.default_rng(1).random((4, 3))
        right = np.argmin(((X[:, None] - C[None]) ** 2).sum(2), axis=1)
        first = session.call("find_closest_centroids", (X, C), 10)
        assert first.kind == "returned" and np.array_equal(first.value, right) and not first.changed
        again = session.call("find_closest_centroids", (X, C), 10, again=True)
        assert again.kind == "raised" and "ValueError" in again.error  # X.shape = (50, 1, 1): cannot reshape
        fresh = session.call("find_closest_centroids", (X, C), 10)  # new views: right again
        assert fresh.kind == "returned" and np.array_equal(fresh.value, right)
    finally:
        session.stop()
