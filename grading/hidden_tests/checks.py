"""Judge one hidden-test case: the learner's result against the reference's, with a diagnosis.

Runs in the grading process only. Each judge returns None when the case passes, or the message
the learner reads in the feedback: what is wrong and, where a typical mistake explains it, which.

What is wrong with a result is decided by :mod:`course.mistakes`, which the public tests ask too:
the two judge alike and name each mistake in the same words. Here the inputs are the hidden
tests' and the right answer the reference solution's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from course.mistakes import centroids_problem, labels_problem
from grading.instructor_notebook import ARGUMENT_NAMES

__all__ = ["Outcome", "assess", "describe_inputs", "judge", "judge_speed", "mistake_name", "reshaped_in_place",
           "speed_timeout"]

# What a failed speed test advises, whether it finished too slowly or was stopped at its time cap.
SPEED_HINT = (
    " A Python loop over every example is too slow for an image: loop over the K centroids (or none) "
    "and let numpy handle all the examples at once."
)


@dataclass
class Outcome:
    """What the learner's function did on one case, as the learner's process reported it.

    Attributes
    ----------
    kind : str
        ``"returned"``, ``"raised"`` or ``"undefined"`` (the function does not exist).
    value : numpy.ndarray or None
        The result, when it was (or converted to) a numeric array.
    type : str
        The result's type name (``"ndarray"``, ``"list"``, ``"NoneType"`` ...).
    repr : str
        The start of the result's repr, for results that are not arrays.
    error, where : str
        For ``"raised"``: ``"ValueError: ..."``, and the learner's line it came from.
    changed : list of str
        Array arguments the call modified in place.
    seconds : float
        The processor time the call took, all threads of the learner's process, read by the
        grading process from the kernel.
    """

    kind: str
    value: np.ndarray | None = None
    type: str = ""
    repr: str = ""
    error: str = ""
    where: str = ""
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _shape(a: np.ndarray) -> str:
    return f"{a.dtype} {tuple(a.shape)}"


def describe_inputs(function: str, args: tuple) -> str:
    """``"X: uint8 (30000, 3), centroids: float64 (16, 3)"``."""
    return ", ".join(f"{name}: {_shape(a)}" if isinstance(a, np.ndarray) else f"{name} = {a}"
                     for name, a in zip(ARGUMENT_NAMES[function], args))


def _raised(function: str, outcome: Outcome) -> str:
    where = f" ({outcome.where})" if outcome.where else ""
    name = outcome.error.split(":", 1)[0]
    if name == "NotImplementedError":
        return (f"{function} is not implemented yet: where it says `# YOUR CODE HERE`, replace the line "
                "`raise NotImplementedError(...)` with your code.")
    if name == "SystemExit":
        return f"{function} called sys.exit(){where}: a graded function must return its result."
    if name == "MemoryError":
        return (f"{function} ran out of memory{where}: it needs more than the grader's limit on this input. "
                "Avoid arrays of size m x K x n: work on blocks of rows, or loop over the K centroids.")
    return f"{function} raised {outcome.error}{where}."


def judge(check: str, function: str, args: tuple, expected: np.ndarray, outcome: Outcome) -> str | None:
    """Judge one case: None if it passes, else the learner-facing reason (see :func:`assess`)."""
    verdict = assess(check, function, args, expected, outcome)
    return verdict[0] if verdict else None


def mistake_name(text: str) -> str:
    """A diagnosis with its numbers taken out, so that one mistake reads the same on every input."""
    return re.sub(r"-?\d+(?:[.,]\d+)*", "N", text)


def assess(check: str, function: str, args: tuple, expected: np.ndarray, outcome: Outcome) -> tuple[str, str] | None:
    """Judge one case, and name the mistake for the class report.

    Parameters
    ----------
    check : str
        ``"labels"``, ``"lowest_index"``, ``"centroids"``, ``"unchanged"`` or ``"speed"`` (for
        speed, only the result is judged here; see :func:`judge_speed`).
    function : str
        The graded function.
    args : tuple
        The case's inputs, as sent.
    expected : numpy.ndarray
        The reference solution's result on them.
    outcome : Outcome
        What the learner's function did.

    Returns
    -------
    (str, str) or None
        None if the case passes, else the learner-facing reason and the mistake's name, the same
        for every submission that makes it (``"every label is one more than expected."``,
        ``"raised IndexError"``, ``"not implemented"``).
    """
    if outcome.kind == "undefined":
        return (f"{function} is not defined: its cell did not get as far as defining it (see the problems above).",
                "not defined")
    if outcome.kind == "raised":
        name = outcome.error.split(":", 1)[0]
        if name == "NotImplementedError":
            return _raised(function, outcome), "not implemented"
        return f"{_raised(function, outcome)} Inputs: {describe_inputs(function, args)}.", f"raised {name}"
    if function == "find_closest_centroids":
        problem = labels_problem(*args, expected, outcome.value, outcome.type, exact_ties=check == "lowest_index")
    else:
        problem = centroids_problem(*args, expected, outcome.value, outcome.type)
    if problem:
        return f"On {describe_inputs(function, args)}: {problem}", mistake_name(problem.problem)
    if check == "unchanged" and outcome.changed:
        names = " and ".join(f"`{name}`" for name in outcome.changed)
        return (f"{function} changed its input {names} in place (on {describe_inputs(function, args)}). Leave the inputs "
                "as they are: compute into new arrays (`diff = X - mu`, not `X -= mu`; `np.sort(idx)`, not `idx.sort()`).",
                "changed its input in place")
    return None


def reshaped_in_place(function: str, failure: str) -> str:
    """The message for a function right on a case and wrong on it again, given the same arrays.

    Nothing in the shared memory changed, so the first call changed the array objects themselves:
    their shape or dtype (``X.shape = ...``), which in a notebook changes the caller's arrays.
    """
    return (f"{function} is right on a case, then wrong on it called again with the same arrays, as a notebook "
            f"passes them: {failure} The first call changed its inputs' shape or dtype in place (`X.shape = ...`, "
            "`idx.shape = (-1, 1)`): that changes the caller's arrays. Reshape a new view instead: "
            "`X = X.reshape(...)`.")


def judge_speed(seconds: list[float], reference_seconds: list[float], max_ratio: float) -> tuple[bool, str]:
    """Whether the learner's best time is within ``max_ratio`` times the reference's best, and the report.

    Parameters
    ----------
    seconds : list of float
        The learner's timed runs (at least one).
    reference_seconds : list of float
        The reference solution's runs on the same input, alternating with the learner's (so that
        the load of the machine at the time weighs on both alike).
    max_ratio : float
        The most times slower that still passes.

    Returns
    -------
    (bool, str)
    """
    best, reference = min(seconds), min(reference_seconds)
    ratio = best / reference
    report = (f"it took {_duration(best)} of processor time (best of {len(seconds)}), {ratio:.1f} times the "
              f"reference solution's {_duration(reference)}; the limit is {max_ratio:g} times.")
    if ratio <= max_ratio:
        return True, report
    return False, report[0].upper() + report[1:] + SPEED_HINT


def speed_timeout(function: str, timeout: float, reference_seconds: float, max_ratio: float) -> str:
    """The report of a speed test stopped at its time cap, before the learner's function returned.

    Parameters
    ----------
    function : str
        The graded function.
    timeout : float
        Seconds it was given (wall clock) before it was stopped.
    reference_seconds : float
        The reference solution's processor time on the same input.
    max_ratio : float
        The most times slower that passes.

    Returns
    -------
    str
    """
    return (f"{function} was still running after {timeout:.1f} s, more than {timeout / reference_seconds:,.0f} times "
            f"the reference solution's {_duration(reference_seconds)} (the limit is {max_ratio:g} times), "
            f"and was stopped.{SPEED_HINT}")


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"
