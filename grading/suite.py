"""The hidden tests made ready to grade with: inputs, the reference's answers, its times and points.

Prepared once per grading run, in the grading process, before any learner's process starts (so
that the reference is timed on a quiet machine), and shared by every submission.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from grading import settings
from grading.hidden_tests import HIDDEN_TESTS, HiddenTest
from grading.source import GRADED_FUNCTIONS, SOURCE_NOTEBOOK, load_reference

__all__ = ["PreparedTest", "prepare_suite", "time_best"]

# Timing runs: at most this many, and no more once this many seconds have gone (reference and
# learner alike, so that both are the best of several runs when they are fast).
TIMING_RUNS = 5
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
    reference_seconds : float or None
        For speed tests, the reference's best time on the (single) case.
    """

    test: HiddenTest
    cases: list[tuple]
    expected: list[np.ndarray]
    max_points: float
    reference_seconds: float | None = None


def time_best(function, args: tuple, runs: int = TIMING_RUNS, budget: float = TIMING_BUDGET) -> float:
    """Best time of up to ``runs`` calls on fresh copies of ``args``, stopping once ``budget`` s have gone."""
    times, started = [], time.perf_counter()
    for _ in range(runs):
        fresh = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)
        begin = time.perf_counter()
        function(*fresh)
        times.append(time.perf_counter() - begin)
        if time.perf_counter() - started > budget:
            break
    return min(times)


def prepare_suite(source: str | os.PathLike = SOURCE_NOTEBOOK, points: dict[str, float] | None = None) -> list[PreparedTest]:
    """Make every hidden test's inputs and compute the reference's answers (and times).

    Parameters
    ----------
    source : str or path-like
        The instructor's notebook: the reference solution is its graded cells.
    points : dict, optional
        Points per graded function (default ``settings.POINTS``).

    Returns
    -------
    list of PreparedTest
        Grouped by function, in ``GRADED_FUNCTIONS`` order, each function's tests in their order.
    """
    points = settings.POINTS if points is None else points
    reference = load_reference(source)
    prepared = []
    for function in GRADED_FUNCTIONS:
        tests = [test for test in HIDDEN_TESTS if test.function == function]
        total_weight = sum(test.weight for test in tests)
        for test in tests:
            cases = test.make_cases()
            # Copies: a reference that modified its inputs must not change what learners get.
            expected = [reference[function](*(np.array(a) if isinstance(a, np.ndarray) else a for a in case)) for case in cases]
            seconds = time_best(reference[function], cases[0]) if test.check == "speed" else None
            prepared.append(PreparedTest(test, cases, expected, points[function] * test.weight / total_weight, seconds))
    return prepared
