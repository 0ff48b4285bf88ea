"""Grade submissions: each one's graded functions against the hidden tests, in a learner process.

For one submission (:func:`grade_submission`): read the notebook, pick out the graded cells and the
imports they need (:mod:`grading.grade.submission`), start a learner process that defines the functions
(:mod:`grading.grade.learner_session`), and run every hidden test in it, one case at a time, judging each result
in this process (:mod:`grading.hidden_tests.checks`). A test that times out or crashes costs that test: the
process is restarted for the next one. After ``MAX_CONSECUTIVE_FAILURES`` such tests in a row, a
function's remaining tests are not run, and the time left goes to the other function.

Status of a submission:

``invalid``
    not a readable notebook, or a graded function that no cell defines;
``timeout``
    the graded cells, a test, or the submission as a whole ran out of time (a speed test stopped at
    its time cap is only a failed speed test: that is what it measures);
``error``
    the learner's code raised while the graded cells and their imports ran, or the learner's
    process crashed;
``ok``
    everything ran, whether or not every test passed.

Points come only from tests that ran and whose results this process judged right, so a process
killed for memory, one that never answered, or one that claims anything about itself can never be
counted as passing.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Callable

from grading import settings
from grading.grade.learner_session import LearnerCrashed, LearnerTimeout, Session
from grading.grade.similarity import fingerprint
from grading.grade.submission import Extraction, InvalidSubmission, extract, read_submission
from grading.hidden_tests.checks import assess, describe_inputs, judge_speed, reshaped_in_place, speed_timeout
from grading.hidden_tests.suite import TIMING_BUDGET, PreparedTest, input_bytes, reference_thread_seconds
from grading.instructor_notebook import GRADED_FUNCTIONS
from grading.sandbox.learner_process import Isolation

__all__ = ["Limits", "Problem", "Status", "SubmissionResult", "TestResult", "grade_all", "grade_submission"]

# Below this many seconds left, a test is not started: it could not even start a process.
MIN_SECONDS_FOR_A_TEST = 0.2


@dataclass(frozen=True)
class Limits:
    """The limits one submission is graded under.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds for the whole submission.
    memory : int
        Address-space limit of the learner's process, bytes.
    disk : int
        Bytes the learner's process may write (see ``settings.DISK_LIMIT``).
    """

    timeout: float = settings.TIME_LIMIT
    memory: int = settings.MEMORY_LIMIT
    disk: int = settings.DISK_LIMIT

    @property
    def per_test(self) -> float:
        """Seconds one test (or the definition of the functions) may take."""
        return self.timeout * settings.TEST_TIME_SHARE


class Status(StrEnum):
    """A submission's grading status, as the gradebook writes it; the worst of its problems."""

    OK = "ok"
    ERROR = "error"  # its code raised or its process crashed
    TIMEOUT = "timeout"  # something did not finish in time
    INVALID = "invalid"  # the notebook could not be read, or a graded function is defined nowhere


# From worst to least bad: a submission's status is the first of these it has a problem of.
_WORST_FIRST = (Status.INVALID, Status.TIMEOUT, Status.ERROR)


class Problem(StrEnum):
    """What kept one hidden test from a verdict on the learner's answer."""

    NONE = ""
    TIMEOUT = "timeout"
    CRASH = "crash"
    NOT_RUN = "not run"


@dataclass
class TestResult:
    """One hidden test's result for one submission.

    Attributes
    ----------
    id, function, title : str
        From the hidden test.
    points, max_points : float
    passed : bool
    message : str
        Learner-facing: why it failed, or (speed tests) the time it took.
    problem : Problem
    mistake : str
        For a failed test, the mistake's name, the same for every submission that makes it
        (:func:`grading.hidden_tests.checks.assess`); the class report counts them.
    """

    id: str
    function: str
    title: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    problem: Problem = Problem.NONE
    mistake: str = ""


@dataclass
class SubmissionResult:
    """Everything graded about one submission.

    Attributes
    ----------
    name : str
        The submission's name (gradebook row, feedback file).
    status : Status
    message : str
        One line for the gradebook.
    tests : list of TestResult
        Every hidden test, in order.
    notes : list of str
        Learner-facing remarks on how the notebook was read.
    problems : list of str
        Learner-facing errors raised while the graded cells and their imports ran.
    seconds : float
        Wall-clock time spent grading it.
    internal_error : bool
        True when the grader itself failed on this submission (its row is not a grade).
    fingerprint : str
        Its graded functions' code once names, comments and layout are normalised
        (:func:`grading.grade.similarity.fingerprint`); "" where they cannot be read.
    """

    name: str
    status: Status = Status.OK
    message: str = ""
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    internal_error: bool = False
    fingerprint: str = ""

    def points(self, function: str) -> float:
        return sum(test.points for test in self.tests if test.function == function)

    def max_points(self, function: str) -> float:
        return sum(test.max_points for test in self.tests if test.function == function)

    @property
    def total(self) -> float:
        return sum(test.points for test in self.tests)

    @property
    def max_total(self) -> float:
        return sum(test.max_points for test in self.tests)


def _not_run(prepared: PreparedTest, why: str) -> TestResult:
    test = prepared.test
    return TestResult(test.id, test.function, test.title, 0.0, prepared.max_points, False, why, Problem.NOT_RUN)


def _run_test(session: Session, prepared: PreparedTest, timeout: float, cut_by_deadline: bool) -> TestResult:
    """Run one test's cases in the learner's process and judge them; the first failing case decides.

    A speed test times each of its cases on both sides, the reference here and the learner's
    function by the kernel's count of its processes, alternately (so that whatever else the machine
    is doing weighs on both alike), until its cases or ``TIMING_BUDGET`` run out, and judges every
    result: each timed run has inputs of its own, so no run can reuse an earlier answer.
    """
    test = prepared.test
    deadline = time.monotonic() + timeout
    speed = test.check == "speed"
    learner_seconds, reference_seconds = [], []

    def result(passed: bool, message: str = "", problem: Problem = Problem.NONE, mistake: str = "") -> TestResult:
        points = prepared.max_points if passed else 0.0
        return TestResult(test.id, test.function, test.title, points, prepared.max_points, passed, message, problem,
                          mistake)

    calls = [(case, expected, False) for case, expected in zip(prepared.cases, prepared.expected)]
    if test.check == "unchanged":  # each case twice, the second time on the same array objects
        calls = [call for case, expected, _ in calls for call in ((case, expected, False), (case, expected, True))]
    started = time.monotonic()
    for number, (case, expected, again) in enumerate(calls):
        if speed and number and time.monotonic() - started > TIMING_BUDGET:
            break
        try:
            since = None
            if speed:  # the learner's clock starts first: its threads get no free time while the reference runs
                since = session.cpu_seconds()
                reference_seconds.append(reference_thread_seconds(prepared.reference, case))
            outcome = session.call(test.function, case, max(0.0, deadline - time.monotonic()), since, again)
        except LearnerTimeout:
            if speed and not cut_by_deadline:
                return result(False, speed_timeout(test.function, timeout, reference_seconds[-1], settings.SPEED_MAX_RATIO),
                              mistake="too slow")
            return result(False, (
                f"{test.function} did not finish within {timeout:.1f} s on {describe_inputs(test.function, case)} and was "
                "stopped: an endless loop, or a loop far too slow for this input?"), Problem.TIMEOUT, "did not finish")
        except LearnerCrashed as crash:
            return result(False, (
                f"The process running {test.function} {crash}, on {describe_inputs(test.function, case)}. "
                "No result, so no points for this test."), Problem.CRASH, "crashed")
        verdict = assess(test.check, test.function, case, expected, outcome)
        if verdict and again:
            return result(False, reshaped_in_place(test.function, verdict[0]), mistake="changed its input in place")
        if verdict:
            return result(False, verdict[0], mistake=verdict[1])
        learner_seconds.append(outcome.seconds)
    if speed:
        fast_enough, report = judge_speed(learner_seconds, reference_seconds, settings.SPEED_MAX_RATIO)
        return result(fast_enough, report, mistake="" if fast_enough else "too slow")
    return result(True)


class _SubmissionGrading:
    """Grading one submission, test by test: its learner process, its deadline, and what went wrong first.

    :meth:`run` goes through every hidden test in order. Before each one, :meth:`_why_not_run`
    says why it cannot run (a function no cell defines, no process can define the functions, time
    is up, too many failures in a row), starting a learner process if none is running; otherwise
    the test runs. The first problem of each kind is kept for the gradebook's message.
    """

    def __init__(self, name: str, extraction: Extraction, suite: list[PreparedTest], session: Session,
                 limits: Limits, started: float) -> None:
        self.result = SubmissionResult(name, notes=list(extraction.notes),
                                       fingerprint=fingerprint([cell.source for cell in extraction.cells], GRADED_FUNCTIONS))
        self.missing = extraction.missing
        self.suite, self.session, self.limits = suite, session, limits
        self.deadline = started + limits.timeout
        self.first_problem: dict[Status, str] = {}  # the gradebook's message for each status a problem gave
        self.cannot_define: str | None = None  # why no learner process can define the functions, once known
        for function in self.missing:
            self._problem(Status.INVALID, f"no cell of the notebook defines {function}")

    def run(self) -> SubmissionResult:
        for function in GRADED_FUNCTIONS:
            failures_in_a_row = 0
            for prepared in (p for p in self.suite if p.test.function == function):
                why_not = self._why_not_run(function, failures_in_a_row)
                if why_not:
                    self.result.tests.append(_not_run(prepared, f"Not run: {why_not}."))
                    continue
                remaining = self.deadline - time.monotonic()
                timeout = min(self.limits.per_test, remaining)
                tested = _run_test(self.session, prepared, timeout, cut_by_deadline=remaining < self.limits.per_test)
                self.result.tests.append(tested)
                failures_in_a_row = failures_in_a_row + 1 if tested.problem in (Problem.TIMEOUT, Problem.CRASH) else 0
                if tested.problem == Problem.TIMEOUT:
                    self._problem(Status.TIMEOUT, f"{function}: {prepared.test.title!r} did not finish within {timeout:.1f} s")
                elif tested.problem == Problem.CRASH:
                    self._problem(Status.ERROR, f"{function}: the learner's process crashed on {prepared.test.title!r}")
        return self._finish()

    def _problem(self, status: Status, message: str) -> None:
        self.first_problem.setdefault(status, message)

    def _out_of_time(self) -> str:
        self._problem(Status.TIMEOUT, f"the time limit ({self.limits.timeout:g} s) ran out before every test had run")
        return f"the time limit for a submission ({self.limits.timeout:g} s) ran out"

    def _why_not_run(self, function: str, failures_in_a_row: int) -> str:
        """Why the next test of ``function`` cannot run, or "" once a learner process is ready for it."""
        remaining = self.deadline - time.monotonic()
        if function in self.missing:
            return f"no cell of the notebook defines {function}"
        if self.cannot_define is not None:
            return self.cannot_define
        if remaining < MIN_SECONDS_FOR_A_TEST:
            return self._out_of_time()
        if failures_in_a_row >= settings.MAX_CONSECUTIVE_FAILURES:
            return f"the {failures_in_a_row} tests before it timed out or crashed"
        if not self.session.running:
            return self._start(min(self.limits.per_test, remaining))
        return ""

    def _start(self, timeout: float) -> str:
        """Start a learner process; "" when it is ready, else why no test can run now."""
        restart = self.session.problems is not None  # the graded cells ran before: only time can be short now
        try:
            self.session.start(timeout)
        except LearnerTimeout:
            if restart and timeout < self.limits.per_test:
                return self._out_of_time()
            self._problem(Status.TIMEOUT, f"running the graded cells did not finish within {timeout:.1f} s")
            self.cannot_define = (f"running your graded cells (and their imports) did not finish within {timeout:.1f} s: "
                                  "keep only your functions in the exercise cells")
        except LearnerCrashed as crash:
            self._problem(Status.ERROR, f"the learner's process {crash} while the graded cells ran")
            self.cannot_define = f"the process running your graded cells {crash}"
        else:
            if not self.result.problems and self.session.problems:
                self.result.problems = list(self.session.problems)
                self._problem(Status.ERROR, self.result.problems[0])
        return self.cannot_define or ""

    def _finish(self) -> SubmissionResult:
        result = self.result
        result.status = next((s for s in _WORST_FIRST if s in self.first_problem), Status.OK)
        passed = sum(test.passed for test in result.tests)
        count = f"{passed} of {len(result.tests)} tests passed"
        first = _first_problem(result.tests) if result.status == Status.OK else self.first_problem[result.status]
        result.message = f"{first}; {count}" if first else count
        return result


def grade_submission(path: Path, name: str, suite: list[PreparedTest], isolation: Isolation, folder: Path,
                     public_dir: Path, limits: Limits = Limits(), instructors: tuple[Path, ...] = ()) -> SubmissionResult:
    """Grade one notebook.

    Parameters
    ----------
    path : pathlib.Path
        The submitted notebook.
    name : str
        Its name in the gradebook.
    suite : list of PreparedTest
        From :func:`grading.hidden_tests.suite.prepare_suite`.
    isolation : Isolation
        Sandbox or process isolation for its learner process.
    folder : pathlib.Path
        A scratch folder for its learner process without the sandbox (created, then removed).
    public_dir : pathlib.Path
        The learner's public files (see :class:`grading.grade.learner_session.Session`).
    limits : Limits
    instructors : tuple of pathlib.Path
        The instructor's notebook: no submission where reached through a link
        (:func:`grading.grade.submission.read_submission`).

    Returns
    -------
    SubmissionResult
        Once every process of the submission's is gone.
    """
    started = time.monotonic()
    try:
        extraction = extract(read_submission(path, instructors))
    except InvalidSubmission as exc:
        result = SubmissionResult(name, Status.INVALID, str(exc), [_not_run(p, "Not graded: the notebook could not be read.") for p in suite])
    else:
        session = Session(extraction, isolation, folder, public_dir, input_bytes(suite), limits.memory, limits.disk)
        try:
            result = _SubmissionGrading(name, extraction, suite, session, limits, started).run()
        finally:
            session.stop()
            shutil.rmtree(folder, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _first_problem(tests: list[TestResult]) -> str:
    """The gradebook's note on a submission that ran: what was not written, or the first failure.

    An instructor reading the gradebook should tell "not attempted" from "attempted but wrong".
    """
    unwritten = [function for function in dict.fromkeys(test.function for test in tests)
                 if all("is not implemented yet" in test.message for test in tests if test.function == function)]
    if unwritten:
        return ", ".join(f"{function} not implemented" for function in unwritten)
    failed = next((test for test in tests if not test.passed), None)
    return "" if failed is None else f"first failed: {failed.function}: {failed.title}"


def _processors() -> list[int | None]:
    """The processors this process may run on (``[None]`` where the system cannot say)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None]


@contextmanager
def _on_processor(processor: int | None) -> Iterator[None]:
    """Run the calling thread, and every process it starts, on one processor for the ``with`` block.

    A submission's learner processes inherit it, and cannot leave it in the sandbox (its system-call
    filter): a learner's threads then compete with each other, not with another submission's test,
    whose wall-clock limit they could otherwise eat. The reference solution is timed on the same
    processor, in this thread, between the learner's calls.
    """
    if processor is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {processor})  # 0: the calling thread (Linux)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def grade_all(submissions: list[tuple[str, Path]], suite: list[PreparedTest], public_dir: Path, isolation: Isolation,
              limits: Limits = Limits(), jobs: int = 1,
              progress: Callable[[int, int, SubmissionResult], None] | None = None,
              instructors: tuple[Path, ...] = ()) -> list[SubmissionResult]:
    """Grade many notebooks, ``jobs`` at a time.

    Parameters
    ----------
    submissions : list of (str, pathlib.Path)
        Each submission's name and notebook.
    suite : list of PreparedTest
    public_dir : pathlib.Path
        The learner's public files (:func:`grading.release.learner_files.copy_public_files`).
    isolation : Isolation
    limits : Limits
    jobs : int
        Submissions graded at the same time (each in its own learner process).
    progress : callable, optional
        Called as ``progress(done, total, result)`` after each submission.
    instructors : tuple of pathlib.Path
        As for :func:`grade_submission`.

    Returns
    -------
    list of SubmissionResult
        Sorted by name, once every learner process is gone. A submission on which the grader itself
        failed gets status ``error``, ``internal_error`` set and the exception in its message; the
        others are unaffected.
    """
    results = []
    processors = queue.SimpleQueue()  # one per job, while there are enough
    for processor in itertools.islice(itertools.cycle(_processors()), jobs):
        processors.put(processor)
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:

        def one(number: int, name: str, path: Path) -> SubmissionResult:
            processor = processors.get()
            try:
                with _on_processor(processor):
                    return grade_submission(path, name, suite, isolation, Path(scratch, f"submission-{number}"), public_dir,
                                            limits, instructors)
            except Exception as exc:  # a grader bug must not take the other submissions with it
                traceback.print_exc(file=sys.stderr)
                return SubmissionResult(name, Status.ERROR, f"internal grader error: {type(exc).__name__}: {exc}",
                                        [_not_run(p, "Not graded: the grader failed.") for p in suite], internal_error=True)
            finally:
                processors.put(processor)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, number, name, path) for number, (name, path) in enumerate(submissions)]
            for done, future in enumerate(as_completed(futures), start=1):
                results.append(future.result())
                if progress:
                    progress(done, len(submissions), results[-1])
    return sorted(results, key=lambda r: r.name)
