"""Judge one hidden-test case: the learner's result against the reference's, with a diagnosis.

Runs in the grading process only. Each judge returns None when the case passes, or the message
the learner reads in the feedback: what is wrong and, where a typical mistake explains it, which.

The messages are the grader's own rather than ``public_tests.py``'s: that file is the learner's,
released unchanged and free to change with the notebook, and its diagnoses work on small
hand-made cases with known traps; here inputs are large and random, and a label may differ from
the reference's where two centroids are equally far (to the inputs' precision) without being wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grading.source import ARGUMENT_NAMES

__all__ = ["Outcome", "judge", "judge_speed", "describe_inputs", "speed_timeout"]

UINT8_HINT = (
    " The inputs are uint8 here, and numpy arithmetic on uint8 wraps around at 256 (X - mu, 2 * X, "
    "X**2, or Python's sum over uint8 rows, overflow silently): convert first, X.astype(np.float64)."
)
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


def _values(a, limit: int = 6) -> str:
    a = np.asarray(a)
    flat = a.ravel()
    body = np.array2string(flat[:limit], separator=", ", precision=6, max_line_width=200)
    return body[:-1] + ", ...]" if flat.size > limit else body


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


def _not_an_array(outcome: Outcome, name: str, right: bool) -> str | None:
    if outcome.type == "NoneType":
        return f"it returned None: does the function end with `return {name}`?"
    if outcome.type != "ndarray":
        values = " (with the right values)" if right else ""
        return f"it returned a {outcome.type}{values}, not a numpy array: build `{name}` with numpy."
    if outcome.value is None:
        return f"it returned a numpy array the grader cannot compare: {outcome.repr}"
    return None


# --- find_closest_centroids -----------------------------------------------------------------------


def _distances(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(m, K) squared Euclidean distances, in float64."""
    diff = X.astype(np.float64)[:, None, :] - centroids.astype(np.float64)[None, :, :]
    return np.einsum("mkn,mkn->mk", diff, diff)


def _labels_problem(args: tuple, expected: np.ndarray, outcome: Outcome, exact_ties: bool) -> str | None:
    X, centroids = args
    m, K = len(X), len(centroids)
    got = outcome.value
    problem = _not_an_array(outcome, "idx", got is not None and got.shape == expected.shape and np.array_equal(got, expected))
    if problem:
        return problem
    if got.shape != (m,):
        if got.shape in ((m, 1), (1, m)):
            return f"idx has shape {got.shape}: it must be a flat vector of shape ({m},). Use np.argmin(..., axis=1), or idx.ravel()."
        if got.shape == (K,):
            return f"idx has shape ({K},), one value per centroid: take the argmin over the centroids (axis=1), not over the examples."
        if got.shape == (m, K):
            return f"idx has shape ({m}, {K}), the table of distances: idx[i] is the position of the smallest entry of row i, np.argmin(distances, axis=1)."
        return f"idx has shape {got.shape}; it needs one label per example (row of X): shape ({m},)."
    if got.dtype.kind not in "iu":
        if got.dtype.kind == "f" and np.all(np.isfinite(got)) and np.array_equal(got, expected):
            return (f"the labels are right but stored as {got.dtype} (np.zeros(m) makes a float array): labels index the "
                    "centroids, so they must be integers, np.zeros(m, dtype=int) or what np.argmin returns.")
        if got.dtype.kind == "f":
            return (f"idx has dtype {got.dtype} and does not hold the labels: idx[i] is the position of the closest "
                    "centroid (np.argmin), not the distance to it (np.min).")
        return f"idx has dtype {got.dtype}: it must hold integer labels from 0 to K - 1."
    if got.min() < 0 or got.max() > K - 1:
        if np.array_equal(got, expected + 1):
            return f"every label is one more than expected: labels run from 0 to K - 1 (0 to {K - 1} here), not from 1 to K."
        return f"labels must lie between 0 and {K - 1}, but they run from {got.min()} to {got.max()}."
    if np.array_equal(got, expected):
        return None
    D = _distances(X, centroids)
    rows = np.arange(m)
    d_got, d_expected = D[rows, got], D[rows, expected]
    if exact_ties:
        wrong = np.flatnonzero(got != expected)
        if np.all(d_got[wrong] == d_expected[wrong]) and np.all(got[wrong] > expected[wrong]):
            i = int(wrong[0])
            return (f"{wrong.size} of {m} examples lie exactly as far from two centroids, and you chose the higher index: "
                    f"X[{i}] = {X[i].tolist()} is at squared distance {d_expected[i]:g} from centroids {expected[i]} and "
                    f"{got[i]}; the lowest index, {expected[i]}, must win. np.argmin does this; in a loop, replace the "
                    "best centroid only when a distance is strictly smaller (`<`, not `<=`).")
        tolerance = 0.0
    else:
        # Equally far to the inputs' precision is not wrong: float32 arithmetic, or another
        # (correct) formula for the distance, may break a near-tie either way.
        low_precision = X.dtype == np.float32 or centroids.dtype == np.float32
        scale = np.sum(X.astype(np.float64) ** 2, axis=1) + np.max(np.sum(centroids.astype(np.float64) ** 2, axis=1))
        tolerance = (1e-5 if low_precision else 1e-9) * scale
        wrong = np.flatnonzero((got != expected) & (d_got > d_expected + tolerance))
        if wrong.size == 0:
            return None
    if np.array_equal(got, np.argmax(D, axis=1)):
        return "every example went to its farthest centroid: use argmin (the smallest distance), not argmax."
    hint = ""
    diff = X.astype(np.float64)[:, None, :] - centroids.astype(np.float64)[None, :, :]
    if np.array_equal(got, np.argmin(np.abs(diff).sum(axis=2), axis=1)):
        hint = " These are the labels of the L1 (Manhattan) distance, |dx| + |dy| + ...; K-means uses the Euclidean one: sum((x - mu)**2)."
    elif np.array_equal(got, np.argmin(np.abs(diff).max(axis=2), axis=1)):
        hint = " These are the labels of the largest single-coordinate difference (L-infinity); K-means sums (x - mu)**2 over all features."
    elif K > 3 and np.array_equal(got, np.argmin(D[:, :3], axis=1)):
        hint = f" Only the first 3 centroids were compared although K = {K}: did you hard-code K = 3? Use K = centroids.shape[0]."
    elif X.shape[1] > 2 and np.array_equal(got, np.argmin((diff[:, :, :2] ** 2).sum(axis=2), axis=1)):
        hint = f" Only the first 2 features were used although n = {X.shape[1]}: did you hard-code them? Use every column of X."
    elif X.dtype == np.uint8 or centroids.dtype == np.uint8:
        hint = UINT8_HINT
    i = int(wrong[0])
    return (f"{wrong.size} of {m} labels are wrong. The first: X[{i}] = {X[i].tolist()} is at squared distance "
            f"{d_expected[i]:.6g} from centroid {expected[i]}, but you chose centroid {got[i]}, at {d_got[i]:.6g}.{hint}")


# --- compute_centroids ------------------------------------------------------------------------------


def _centroids_problem(args: tuple, expected: np.ndarray, outcome: Outcome) -> str | None:
    X, idx, K = args
    m, n = X.shape
    got = outcome.value
    sizes = np.bincount(idx, minlength=K)
    filled = sizes > 0
    rtol = 1e-4 if X.dtype == np.float32 else 1e-7
    atol = rtol * max(1.0, float(np.max(np.abs(X.astype(np.float64)))))

    def close(a, b):
        return bool(np.allclose(a, b, rtol=rtol, atol=atol))

    right = got is not None and got.shape == expected.shape and close(got[filled], expected[filled])
    problem = _not_an_array(outcome, "centroids", right)
    if problem:
        return problem
    if got.shape != (K, n):
        if got.shape == (n, K) and n != K and close(got.T[filled], expected[filled]):
            return f"centroids has shape ({n}, {K}), transposed: row k must be the mean of cluster k, shape (K, n) = ({K}, {n})."
        if got.ndim == 2 and got.shape[1] == n:
            return f"centroids has {got.shape[0]} rows for K = {K} clusters: did you hard-code K, or drop the empty clusters? Return one row per cluster, shape ({K}, {n})."
        if got.ndim == 2 and got.shape[0] == K:
            return f"centroids has {got.shape[1]} columns for n = {n} features: use every column of X (n = X.shape[1])."
        if got.shape in ((n,), (K,)):
            return f"centroids has shape {got.shape}: the mean was taken over too much. Average the examples of each cluster (axis=0), one row per cluster: shape ({K}, {n})."
        return f"centroids has shape {got.shape}; it needs one row per cluster and one column per feature: ({K}, {n})."
    if got.dtype.kind not in "fc":
        return (f"centroids has dtype {got.dtype}: means are fractions, and an integer array truncates them "
                "(np.zeros_like(X) on integer pixels makes one). Start from np.zeros((K, n)), which is float.")
    nan_rows = np.flatnonzero(np.isnan(got).any(axis=1) & filled)
    if nan_rows.size:
        k = int(nan_rows[0])
        return f"row {k} is NaN, but cluster {k} has {sizes[k]} example(s): select them with X[idx == {k}] before taking the mean."
    if close(got[filled], expected[filled]):
        return None
    # A row divided by the wrong count is the mean times (cluster size / wrong count).
    for multiplier, what in [
        (sizes, "each row is the sum of its examples, not their mean: divide by the number of examples in the cluster"),
        (sizes / m, f"each row was divided by m = {m} (all the examples), not by the number in its cluster"),
        (sizes / K, f"each row was divided by K = {K}, not by the number of examples in its cluster"),
        (sizes / (sizes + 1.0), "each row was divided by one more than the number of examples in its cluster"),
    ]:
        if close(got[filled], (expected * multiplier[:, None])[filled]):
            return f"the rows are off by a factor: {what}."
    if K > 1 and filled[1:].all() and close(got[:-1], expected[1:]):
        return "row k holds the mean of cluster k + 1: labels run from 0 to K - 1, select cluster k with idx == k."
    overall = X.astype(np.float64).mean(axis=0)
    if K > 1 and np.allclose(got[filled], overall, rtol=rtol, atol=atol):
        return "every row is the mean of all the examples: each row must average only its cluster's examples, X[idx == k].mean(axis=0)."
    bad = np.flatnonzero(filled & ~np.isclose(got, expected, rtol=rtol, atol=atol).all(axis=1))
    k = int(bad[0])
    hint = UINT8_HINT if X.dtype == np.uint8 else ""
    return (f"{bad.size} of {int(filled.sum())} rows are wrong. The first, row {k}: cluster {k} has {sizes[k]} example(s), "
            f"whose mean is {_values(expected[k])}, but you returned {_values(got[k])}.{hint}")


def judge(check: str, function: str, args: tuple, expected: np.ndarray, outcome: Outcome) -> str | None:
    """Judge one case.

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
    str or None
        None if the case passes, else the learner-facing reason.
    """
    if outcome.kind == "undefined":
        return f"{function} is not defined: its cell did not get as far as defining it (see the problems above)."
    if outcome.kind == "raised":
        if outcome.error.startswith("NotImplementedError"):
            return _raised(function, outcome)
        return f"{_raised(function, outcome)} Inputs: {describe_inputs(function, args)}."
    if function == "find_closest_centroids":
        problem = _labels_problem(args, expected, outcome, exact_ties=check == "lowest_index")
    else:
        problem = _centroids_problem(args, expected, outcome)
    if problem:
        return f"On {describe_inputs(function, args)}: {problem}"
    if check == "unchanged" and outcome.changed:
        names = " and ".join(f"`{name}`" for name in outcome.changed)
        return (f"{function} changed its input {names} in place (on {describe_inputs(function, args)}). Leave the inputs "
                "as they are: compute into new arrays (`diff = X - mu`, not `X -= mu`; `np.sort(idx)`, not `idx.sort()`).")
    return None


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
