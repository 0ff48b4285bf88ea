"""The hidden tests made ready to grade with: inputs, the reference's answers, and points.

Prepared once per grading run, in the grading process, and shared by every submission. Speed tests
keep the reference function itself: it is timed in the grading process, in runs that alternate
with the learner's, so that whatever else the machine is doing at the time weighs on both alike
(a reference timed once on a quiet machine made a fine loop over the K centroids look 20 times
slower when two submissions were graded side by side on two cores).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from grading import settings
from grading.hidden_tests.cases import HiddenTest, tests_for
from grading.instructor_notebook import GRADED_FUNCTIONS
from grading.sandbox.exchange import array_bytes

__all__ = ["PreparedTest", "TIMING_BUDGET", "input_bytes", "prepare_suite", "reference_thread_seconds"]

# Speed tests: a run each of the learner's function and the reference on each case (at most
# SPEED_CASES), and no new case once this many seconds have gone; the best of each is compared.
TIMING_BUDGET = 1.0


@dataclass
class PreparedTest:
    """A hidden test with everything the grading process needs to judge it.

    Attributes
    ----------
    test : HiddenTest
    cases : list of tuple
        The inputs of each case.
    expected : list of numpy.ndarray
        The reference solution's result on each case.
    max_points : float
        Its share of its function's points.
    reference : callable or None
        For speed tests, the reference solution, to time on each case.
    """

    test: HiddenTest
    cases: list[tuple]
    expected: list[np.ndarray]
    max_points: float
    reference: Callable | None = None


def _copies(args: tuple) -> tuple:
    """``args`` with each array copied (a new, writable array of the same dtype and shape); other values as they are."""
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def reference_thread_seconds(function: Callable, args: tuple) -> float:
    """Processor seconds one call takes in this thread, on fresh copies of ``args`` (made before the clock starts).

    Processor time, like the learner's process measures it: waiting for a core held by another
    job is nobody's time. Compare only under the same BLAS threading (``python -m grading`` runs
    with one BLAS thread, as the learner's processes do).
    """
    fresh = _copies(args)
    begin = time.thread_time()
    function(*fresh)
    return time.thread_time() - begin


def prepare_suite(reference: dict[str, Callable], points: dict[str, float] | None = None) -> list[PreparedTest]:
    """Make every hidden test's inputs and compute the reference's answers.

    Parameters
    ----------
    reference : dict
        The reference solution, ``{function name: function}`` for every graded function, as
        :func:`grading.instructor_notebook.load_reference` returns it.
    points : dict, optional
        Points per graded function (default ``settings.POINTS``).

    Returns
    -------
    list of PreparedTest
        Grouped by function, in ``GRADED_FUNCTIONS`` order, each function's tests in their order.
    """
    points = settings.POINTS if points is None else points
    np.ones(2**21)  # one freed 16 MiB block: malloc then keeps large blocks, as in the learner's process (grading/sandbox/learner_main.py)
    prepared = []
    for function in GRADED_FUNCTIONS:
        tests = tests_for(function)
        total_weight = sum(test.weight for test in tests)
        for test in tests:
            cases = test.make_cases()
            # Copies: a reference that modified its inputs must not change what learners get.
            expected = [reference[function](*_copies(case)) for case in cases]
            timed = reference[function] if test.check == "speed" else None
            prepared.append(PreparedTest(test, cases, expected, points[function] * test.weight / total_weight, timed))
    return prepared


def input_bytes(suite: list[PreparedTest]) -> int:
    """The room the largest call's inputs take in a learner's shared memory."""
    return max(array_bytes(case) for prepared in suite for case in prepared.cases)
