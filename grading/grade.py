"""Grade submissions: each one's graded functions against the hidden tests, in a learner process.

For one submission (:func:`grade_submission`): read the notebook, pick out the graded cells and the
imports they need (:mod:`grading.extract`), start a learner process that defines the functions
(:mod:`grading.session`), and run every hidden test in it, one case at a time, judging each result
in this process (:mod:`grading.checks`). A test that times out or crashes costs that test: the
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

Points come only from tests that ran and passed, so a process killed for memory, or one that
never answered, can never be counted as passing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grading import settings
from grading.checks import describe_inputs, judge, judge_speed, speed_timeout
from grading.extract import InvalidSubmission, extract, read_submission
from grading.release import learner_files
from grading.session import Session, WorkerCrashed, WorkerTimeout
from grading.source import GRADED_FUNCTIONS
from grading.suite import TIMING_BUDGET, TIMING_RUNS, PreparedTest, time_once

__all__ = ["Limits", "SubmissionResult", "TestResult", "grade_all", "grade_submission"]

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
    file_size : int
        Largest file the learner's process may write, bytes.
    """

    timeout: float = settings.TIME_LIMIT
    memory: int = settings.MEMORY_LIMIT
    file_size: int = settings.FILE_SIZE_LIMIT

    @property
    def per_test(self) -> float:
        """Seconds one test (or the definition of the functions) may take."""
        return self.timeout * settings.TEST_TIME_SHARE


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
    problem : str
        ``""``, ``"timeout"``, ``"crash"`` or ``"not run"``.
    """

    id: str
    function: str
    title: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    problem: str = ""


@dataclass
class SubmissionResult:
    """Everything graded about one submission.

    Attributes
    ----------
    name : str
        The submission's name (gradebook row, feedback file).
    status : str
        ``ok``, ``error``, ``timeout`` or ``invalid``.
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
    """

    name: str
    status: str = "ok"
    message: str = ""
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    internal_error: bool = False

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
    return TestResult(test.id, test.function, test.title, 0.0, prepared.max_points, False, why, "not run")


def _run_test(session: Session, index: int, prepared: PreparedTest, timeout: float, cut_by_deadline: bool) -> TestResult:
    """Run one test's cases in the learner's process and judge them; the first failing case decides."""
    test = prepared.test
    deadline = time.monotonic() + timeout

    def result(passed: bool, message: str = "", problem: str = "") -> TestResult:
        points = prepared.max_points if passed else 0.0
        return TestResult(test.id, test.function, test.title, points, prepared.max_points, passed, message, problem)

    def call(number: int, case: tuple, keep: bool = True):
        return session.call((index, number), test.function, case, max(0.0, deadline - time.monotonic()), keep)

    for number, (case, expected) in enumerate(zip(prepared.cases, prepared.expected)):
        try:
            outcome = call(number, case)
            message = judge(test.check, test.function, case, expected, outcome)
            if message:
                return result(False, message)
            if test.check == "speed":
                # Alternate the reference's runs with the learner's: the best of each is compared.
                learner, reference = [outcome.seconds], [time_once(prepared.reference, case)]
                started = time.monotonic()
                while len(learner) < TIMING_RUNS and time.monotonic() - started < TIMING_BUDGET:
                    reference.append(time_once(prepared.reference, case))
                    run = call(number, case, keep=False)
                    if run.kind != "returned":
                        break  # a later run that raises adds no time; the first run was judged
                    learner.append(run.seconds)
                passed, report = judge_speed(learner, reference, settings.SPEED_MAX_RATIO)
                return result(passed, report)
        except WorkerTimeout:
            if test.check == "speed" and not cut_by_deadline:
                reference = time_once(prepared.reference, case)
                return result(False, speed_timeout(test.function, timeout, reference, settings.SPEED_MAX_RATIO))
            return result(False, (
                f"{test.function} did not finish within {timeout:.1f} s on {describe_inputs(test.function, case)} and was "
                "stopped: an endless loop, or a loop far too slow for this input?"), "timeout")
        except WorkerCrashed as crash:
            return result(False, (
                f"The process running {test.function} {crash}, on {describe_inputs(test.function, case)}. "
                "No result, so no points for this test."), "crash")
    return result(True)


def grade_submission(path: Path, name: str, suite: list[PreparedTest], folder: Path, public_dir: Path,
                     limits: Limits = Limits()) -> SubmissionResult:
    """Grade one notebook.

    Parameters
    ----------
    path : pathlib.Path
        The submitted notebook.
    name : str
        Its name in the gradebook.
    suite : list of PreparedTest
        From :func:`grading.suite.prepare_suite`.
    folder : pathlib.Path
        A scratch folder for its learner process (created, then removed).
    public_dir : pathlib.Path
        The learner's own modules (see :class:`grading.session.Session`).
    limits : Limits

    Returns
    -------
    SubmissionResult
    """
    started = time.monotonic()
    deadline = started + limits.timeout
    result = SubmissionResult(name)
    try:
        extraction = extract(read_submission(path))
    except InvalidSubmission as exc:
        result.status, result.message = "invalid", str(exc)
        result.tests = [_not_run(p, "Not graded: the notebook could not be read.") for p in suite]
        result.seconds = time.monotonic() - started
        return result
    result.notes = list(extraction.notes)

    flags: dict[str, str] = {}  # first "timeout" / "error" / "invalid" seen, with its gradebook message
    for function in extraction.missing:
        flags.setdefault("invalid", f"no cell of the notebook defines {function}")
    session = Session(extraction, folder, public_dir, limits.memory, limits.file_size)
    fatal = ""  # set when no learner process can define the functions: nothing more can run
    try:
        for function in GRADED_FUNCTIONS:
            in_a_row = 0
            for index, prepared in enumerate(suite):
                if prepared.test.function != function:
                    continue
                remaining = deadline - time.monotonic()
                if function in extraction.missing:
                    result.tests.append(_not_run(prepared, f"Not run: no cell of the notebook defines {function}."))
                elif fatal:
                    result.tests.append(_not_run(prepared, f"Not run: {fatal}."))
                elif remaining < MIN_SECONDS_FOR_A_TEST:
                    flags.setdefault("timeout", f"the time limit ({limits.timeout:g} s) ran out before every test had run")
                    result.tests.append(_not_run(prepared, f"Not run: the time limit for a submission ({limits.timeout:g} s) ran out."))
                elif in_a_row >= settings.MAX_CONSECUTIVE_FAILURES:
                    result.tests.append(_not_run(prepared, f"Not run: the {in_a_row} tests before it timed out or crashed."))
                else:
                    if not session.running:
                        fatal = _start(session, min(limits.per_test, remaining), result, flags, limits)
                        if fatal:
                            result.tests.append(_not_run(prepared, f"Not run: {fatal}."))
                            continue
                    remaining = deadline - time.monotonic()
                    timeout = min(limits.per_test, remaining)
                    tested = _run_test(session, index, prepared, timeout, cut_by_deadline=remaining < limits.per_test)
                    result.tests.append(tested)
                    in_a_row = in_a_row + 1 if tested.problem in ("timeout", "crash") else 0
                    if tested.problem == "timeout":
                        flags.setdefault("timeout", f"{function}: {prepared.test.title!r} did not finish within {timeout:.1f} s")
                    elif tested.problem == "crash":
                        flags.setdefault("error", f"{function}: the learner's process crashed on {prepared.test.title!r}")
    finally:
        session.stop()
        shutil.rmtree(folder, ignore_errors=True)

    result.status = next((status for status in ("invalid", "timeout", "error") if status in flags), "ok")
    passed = sum(test.passed for test in result.tests)
    count = f"{passed} of {len(result.tests)} tests passed"
    result.message = f"{_first_problem(result.tests)}; {count}" if result.status == "ok" else f"{flags[result.status]}; {count}"
    result.message = result.message.removeprefix("; ")
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


def _start(session: Session, timeout: float, result: SubmissionResult, flags: dict[str, str], limits: Limits) -> str:
    """Start the learner's process; record what went wrong defining the functions. Returns why nothing can run, or ""."""
    restart = session.definition is not None  # the graded cells ran before: only time can be short now
    try:
        session.start(timeout)
    except WorkerTimeout:
        if restart and timeout < limits.per_test:
            flags.setdefault("timeout", f"the time limit ({limits.timeout:g} s) ran out before every test had run")
            return f"the time limit for a submission ({limits.timeout:g} s) ran out"
        flags.setdefault("timeout", f"running the graded cells did not finish within {timeout:.1f} s")
        return (f"running your graded cells (and their imports) did not finish within {timeout:.1f} s: keep only "
                "your functions in the exercise cells")
    except WorkerCrashed as crash:
        flags.setdefault("error", f"the learner's process {crash} while the graded cells ran")
        return f"the process running your graded cells {crash}"
    if not result.problems and session.definition["problems"]:
        result.problems = [f"{p['where']}: {p['error']}" for p in session.definition["problems"]]
        flags.setdefault("error", f"{result.problems[0]}")
    return ""


def grade_all(submissions: list[tuple[str, Path]], suite: list[PreparedTest], source_root: Path, limits: Limits = Limits(),
              jobs: int = 1, progress: Callable[[int, int, SubmissionResult], None] | None = None) -> list[SubmissionResult]:
    """Grade many notebooks, ``jobs`` at a time.

    Parameters
    ----------
    submissions : list of (str, pathlib.Path)
        Each submission's name and notebook.
    suite : list of PreparedTest
    source_root : pathlib.Path
        The folder of the source notebook: the learner's own modules are copied from there.
    limits : Limits
    jobs : int
        Submissions graded at the same time (each in its own learner process).
    progress : callable, optional
        Called as ``progress(done, total, result)`` after each submission.

    Returns
    -------
    list of SubmissionResult
        Sorted by name. A submission on which the grader itself failed gets status ``error``,
        ``internal_error`` set and the exception in its message; the others are unaffected.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        scratch = Path(scratch)
        public_dir = scratch / "public"
        for relative in learner_files(source_root):
            (public_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_root / relative, public_dir / relative)

        def one(number: int, name: str, path: Path) -> SubmissionResult:
            try:
                return grade_submission(path, name, suite, scratch / f"submission-{number}", public_dir, limits)
            except Exception as exc:  # a grader bug must not take the other submissions with it
                traceback.print_exc(file=sys.stderr)
                return SubmissionResult(name, "error", f"internal grader error: {type(exc).__name__}: {exc}",
                                        [_not_run(p, "Not graded: the grader failed.") for p in suite], internal_error=True)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, number, name, path) for number, (name, path) in enumerate(submissions)]
            for done, future in enumerate(as_completed(futures), start=1):
                results.append(future.result())
                if progress:
                    progress(done, len(submissions), results[-1])
    return sorted(results, key=lambda r: r.name)
