"""Public tests for the two graded functions of image_compression.ipynb.

Call them from the notebook with your function as the argument::

    find_closest_centroids_test(find_closest_centroids)
    compute_centroids_test(compute_centroids)
    kmeans_plus_plus_test(kmeans_plus_plus_init)  # the optional exercise of Going further

Each runs a series of small checks. When all pass it prints one line, then times the function on
20,000 pixels and, if it is too slow for the graded speed test, says so and which hint helps. At the
first failure it raises ``CheckFailed`` (an ``AssertionError``) with a message that names the
check, shows the input, what was expected and what came back, and, when a typical mistake explains
the difference, says which one. In Jupyter the message is all it shows (with the traceback of your
own code, when your function raised), not the machinery of this file.

The expected answers below are written out by hand (small integers where possible, so you can
check them on paper); the project's own test suite recomputes every one of them.
"""

from __future__ import annotations

import time
import traceback

import numpy as np

__all__ = ["CheckFailed", "find_closest_centroids_test", "compute_centroids_test", "kmeans_plus_plus_test"]

# The graded speed test fails a function that takes more than this many times a vectorised
# solution's time (the grader's SPEED_MAX_RATIO; the project's tests keep the two equal).
SPEED_MAX_RATIO = 50
# Section 3 of the notebook: K-means on the photo's pixels, 30 iterations of each function.
PHOTO_PIXELS, PHOTO_ITERATIONS = 273_280, 30


class CheckFailed(AssertionError):
    """A check failed; its message says which, and why.

    In IPython and Jupyter, ``_render_traceback_`` replaces the usual traceback: the learner sees
    the message, under the traceback of their own code when their function raised, without the
    frames of this file.
    """

    def _render_traceback_(self) -> list[str]:
        lines = []
        cause = self.__cause__
        if cause is not None:
            frames = [f for f in traceback.extract_tb(cause.__traceback__) if f.filename != __file__]
            lines += ["Traceback of your code (most recent call last):", *"".join(traceback.format_list(frames)).splitlines(),
                      f"{type(cause).__name__}: {cause}", ""]
        return lines + [f"{type(self).__name__}: {self}"]


# --------------------------------------------------------------------------------------------
# The cases. Each is a dict: a name, the inputs, the expected answer, and ``traps``: wrong
# answers that a typical mistake produces on exactly this input, each with its explanation.
# --------------------------------------------------------------------------------------------

_L1_HINT = (
    "This is the answer with the L1 (Manhattan) distance, |dx| + |dy| + ...; K-means uses the "
    "Euclidean distance: square the differences and sum them, sum((x - mu)**2)."
)
_LINF_HINT = (
    "This is the answer with the largest single-coordinate difference (the L-infinity "
    "distance); K-means uses the Euclidean distance: sum((x - mu)**2) over all features."
)
_UINT8_HINT = (
    " X holds uint8 pixels here, and numpy arithmetic on uint8 wraps around at 256 "
    "(2 * X, X**2 or X - X can overflow silently): convert first, X = X.astype(np.float64)."
)
_UINT8_BOTH_HINT = (
    " X and the centroids both hold uint8 pixels here (as when the centroids are picked from the "
    "pixels), and numpy arithmetic on uint8 wraps around at 256: X[i] - centroids[j] or "
    "centroids**2 overflow silently. Convert both first: X.astype(np.float64), centroids.astype(np.float64)."
)
_ARGMAX_HINT = (
    "Every point went to its farthest centroid: use argmin (the smallest distance), not argmax."
)

_CLOSEST_CASES = [
    {
        "name": "2-D points, K = 3",
        "X": np.array([[1.8, 4.9], [5.6, 2.2], [7.9, 5.3], [2.6, 1.1], [6.2, 3.4], [3.1, 3.2]]),
        "centroids": np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]]),
        "expected": np.array([0, 1, 2, 0, 1, 0]),
        "traps": {
            (2, 2, 0, 2, 0, 2): _ARGMAX_HINT,
        },
    },
    {
        "name": "L1 and Euclidean distances disagree",
        "X": np.array([[0, 3], [2, 4], [6, 8], [2, 2], [3, 6]], dtype=np.float64),
        "centroids": np.array([[6, 0], [8, 8], [7, 2]], dtype=np.float64),
        "expected": np.array([0, 2, 1, 0, 1]),
        "traps": {
            (2, 2, 1, 2, 1): _L1_HINT,
            (0, 0, 1, 0, 2): _LINF_HINT,
        },
    },
    {
        "name": "ties go to the lowest index",
        # (1, 0) is as far from centroid 0 as from centroid 1; (1, 1) is as far from all three.
        "X": np.array([[1, 0], [1, 1], [1, 2], [2, 1], [2, 2], [0, 1]], dtype=np.float64),
        "centroids": np.array([[0, 0], [2, 0], [0, 2]], dtype=np.float64),
        "expected": np.array([0, 0, 2, 1, 1, 0]),
        "ties": [0, 1, 4, 5],
        "traps": {},
    },
    {
        "name": "RGB pixels as uint8, n = 3 features, K = 4",
        "X": np.array(
            [[250, 30, 20], [200, 60, 200], [10, 190, 60], [120, 140, 130],
             [40, 50, 230], [90, 200, 170], [255, 255, 255], [0, 0, 0]],
            dtype=np.uint8,
        ),
        "centroids": np.array(
            [[240.0, 20.0, 20.0], [20.0, 200.0, 40.0], [30.0, 40.0, 220.0], [128.0, 128.0, 128.0]]
        ),
        "expected": np.array([0, 3, 1, 3, 2, 3, 3, 1]),
        "traps": {
            (0, 0, 1, 3, 2, 1, 3, 2): (
                "This is the answer using only the first two features (red and green). "
                "Did you hard-code 2 features? Use every column of X (n = X.shape[1])."
            ),
            (0, 2, 1, 1, 2, 1, 2, 1): (
                "Only labels 0, 1 and 2 appear although K = 4. Did you hard-code K = 3? "
                "Use every centroid (K = centroids.shape[0])."
            ),
            (0, 2, 1, 3, 2, 3, 3, 1): _L1_HINT,
            (0, 3, 1, 3, 2, 3, 3, 3): _LINF_HINT,
        },
    },
    {
        "name": "float32 inputs, n = 4 features, K = 5",
        # Eighths are exact in float32, so every correct formula gives the same labels.
        "X": np.array(
            [[0.625, 0, 0, 0.25], [1, 0.125, 0.75, 0.25], [0.125, 0.625, 0.875, 0.25], [0.625, 0.25, 0.125, 1],
             [0.375, 0, 0.25, 0], [0.875, 0.5, 0.125, 0.875], [0.25, 0.875, 0, 0], [0.5, 0.5, 0.625, 0.375]],
            dtype=np.float32,
        ),
        "centroids": np.array(
            [[0.5, 0.125, 1, 0.75], [1, 0, 0.375, 0.125], [0.75, 1, 0.125, 0.125],
             [1, 0.75, 0.625, 0.25], [1, 0.875, 0, 1]],
            dtype=np.float32,
        ),
        "expected": np.array([1, 1, 0, 4, 1, 4, 2, 3]),
        "traps": {
            (1, 1, 0, 0, 1, 2, 2, 0): (
                "Only labels 0, 1 and 2 appear although K = 5. Did you hard-code K = 3? "
                "Use every centroid (K = centroids.shape[0])."
            ),
            (0, 1, 0, 0, 0, 3, 2, 0): (
                "This is the answer using only the first two features. Did you hard-code 2 "
                "features? Use every column of X (n = X.shape[1])."
            ),
            (1, 1, 3, 4, 1, 4, 2, 3): _L1_HINT,
            (1, 1, 0, 4, 1, 4, 2, 0): _LINF_HINT,
        },
    },
    {
        "name": "a single centroid, K = 1",
        "X": np.array([[0.0, 0.0], [5.0, -1.0], [-3.0, 2.5], [10.0, 10.0]]),
        "centroids": np.array([[1.0, 1.0]]),
        "expected": np.array([0, 0, 0, 0]),
        "traps": {},
    },
    {
        "name": "one feature, n = 1, K = 3",
        "X": np.array([[0.5], [4.9], [2.2], [9.0], [5.1]]),
        "centroids": np.array([[0.0], [5.0], [10.0]]),
        "expected": np.array([0, 1, 0, 2, 1]),
        "traps": {},
    },
    {
        "name": "40 points, n = 3 features, K = 6",
        "X": np.array(
            [[1, 9, 2], [8, 1, 7], [3, 3, 9], [7, 7, 1], [0, 5, 5], [9, 9, 9], [2, 0, 0], [6, 2, 3],
             [5, 8, 6], [1, 1, 8], [9, 4, 0], [4, 6, 2], [0, 9, 9], [7, 0, 5], [3, 7, 7], [8, 5, 2],
             [2, 2, 4], [6, 9, 0], [5, 1, 1], [0, 0, 9], [9, 2, 8], [1, 6, 0], [4, 4, 5], [7, 8, 8],
             [3, 0, 2], [8, 7, 4], [2, 8, 3], [6, 3, 9], [0, 3, 1], [9, 0, 3], [4, 9, 5], [1, 4, 8],
             [7, 4, 6], [5, 5, 0], [2, 6, 9], [8, 2, 1], [3, 9, 1], [6, 6, 7], [0, 1, 4], [9, 7, 2]],
            dtype=np.float64,
        ),
        "centroids": np.array(
            [[1.5, 1.5, 1.5], [8.0, 1.5, 6.5], [1.5, 7.5, 8.0], [7.5, 7.5, 1.5], [5.0, 5.0, 5.0],
             [2.0, 8.0, 1.0]]
        ),
        "expected": np.array(
            [5, 1, 2, 3, 2, 4, 0, 4, 4, 4, 3, 5, 2, 1, 2, 3, 0, 3, 0, 2,
             1, 5, 4, 4, 0, 3, 5, 1, 0, 1, 4, 2, 4, 3, 2, 1, 5, 4, 0, 3]
        ),
        "traps": {},
    },
    {
        "name": "uint8 pixels and uint8 centroids (centroids picked from the pixels), K = 3",
        "X": np.array(
            [[169, 15, 245], [142, 231, 69], [92, 225, 47], [16, 95, 173], [31, 222, 87], [58, 139, 229],
             [226, 223, 78], [4, 199, 181]],
            dtype=np.uint8,
        ),
        "centroids": np.array([[111, 238, 52], [135, 83, 75], [206, 39, 81]], dtype=np.uint8),
        "expected": np.array([2, 0, 0, 1, 0, 1, 0, 0]),
        "traps": {
            (2, 2, 1, 2, 0, 1, 2, 2): _UINT8_BOTH_HINT.strip(),  # X[i] - centroids[j] in uint8
            (2, 0, 0, 0, 0, 0, 0, 0): _UINT8_BOTH_HINT.strip(),  # centroids**2 in uint8
        },
    },
]

_CENTROID_CASES = [
    {
        "name": "2-D points, K = 3",
        "X": _CLOSEST_CASES[0]["X"],
        "idx": np.array([0, 1, 2, 0, 1, 0]),
        "K": 3,
        "expected": np.array([[2.5, 3.0666666666666664], [5.9, 2.8], [7.9, 5.3]]),
    },
    {
        "name": "RGB pixels as uint8, n = 3 features, K = 4",
        "X": _CLOSEST_CASES[3]["X"],
        "idx": np.array([0, 3, 1, 3, 2, 3, 3, 1]),
        "K": 4,
        "expected": np.array(
            [[250.0, 30.0, 20.0], [5.0, 95.0, 30.0], [40.0, 50.0, 230.0], [166.25, 163.75, 188.75]]
        ),
    },
    {
        "name": "float32 inputs, n = 4 features, K = 2",
        "X": _CLOSEST_CASES[4]["X"],
        "idx": np.array([1, 0, 0, 1, 0, 1, 1, 0]),
        "K": 2,
        "expected": np.array([[0.5, 0.3125, 0.625, 0.21875], [0.59375, 0.40625, 0.0625, 0.53125]]),
    },
    {
        "name": "a cluster with one point and an empty cluster, K = 5",
        # Cluster 2 has no points: its row is not checked (see the docstring); cluster 3 has one.
        "X": np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [9.0, 9.0], [5.0, 5.0], [7.0, 5.0]]),
        "idx": np.array([0, 0, 1, 3, 4, 4]),
        "K": 5,
        "expected": np.array([[1.0, 0.0], [0.0, 4.0], [np.nan, np.nan], [9.0, 9.0], [6.0, 5.0]]),
        "on_error": (
            "No point has idx == 2 in this check, so cluster 2 is empty. Your function must still "
            "return: its row may be NaN (the mean of no points), and run_kMeans deals with it."
        ),
    },
    {
        "name": "a single cluster, K = 1",
        "X": _CLOSEST_CASES[5]["X"],
        "idx": np.array([0, 0, 0, 0]),
        "K": 1,
        "expected": np.array([[3.0, 2.875]]),
    },
    {
        "name": "one feature, n = 1, K = 3",
        "X": _CLOSEST_CASES[6]["X"],
        "idx": np.array([0, 1, 0, 2, 1]),
        "K": 3,
        "expected": np.array([[1.35], [5.0], [9.0]]),
    },
    {
        "name": "40 points, n = 3 features, K = 6",
        "X": _CLOSEST_CASES[7]["X"],
        "idx": _CLOSEST_CASES[7]["expected"],
        "K": 6,
        "expected": np.array(
            [[2.0, 1.1666666666666667, 2.0], [7.833333333333333, 1.3333333333333333, 5.5],
             [1.2857142857142858, 4.857142857142857, 8.0],
             [7.428571428571429, 6.285714285714286, 1.2857142857142858],
             [5.444444444444445, 5.666666666666667, 6.333333333333333], [2.2, 7.6, 1.6]]
        ),
    },
]


# --------------------------------------------------------------------------------------------
# Shared machinery
# --------------------------------------------------------------------------------------------


def _show(a, prefix: str = "") -> str:
    """``prefix`` then the value as the learner would type it, with its dtype and shape.

    Continuation lines of an array line up under its first element.
    """
    if isinstance(a, np.ndarray):
        body = np.array2string(a, separator=", ", threshold=200, max_line_width=100, prefix=prefix)
        return f"{prefix}{body}  (dtype {a.dtype}, shape {a.shape})"
    if isinstance(a, (int, float, np.integer, np.floating)):
        return f"{prefix}{a!r}"
    return f"{prefix}{a!r}  (a {type(a).__name__}, not a numpy array)"


def _call(func, name, case, argnames):
    """Call the learner's function on fresh copies of the case's inputs.

    Returns ``(result, inputs)``; raises AssertionError if the function raised or changed its
    inputs in place.
    """
    inputs = {arg: np.array(case[arg]) if isinstance(case[arg], np.ndarray) else case[arg] for arg in argnames}
    try:
        result = func(*inputs.values())
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not implemented yet: in its cell, replace the line "
            f"`raise NotImplementedError(...)` under `# YOUR CODE HERE` with your code, run "
            f"that cell, then run this test again."
        ) from None
    except Exception as exc:
        hint = f"\n{case['on_error']}" if "on_error" in case else ""
        if isinstance(exc, IndexError):
            hint += (
                "\nAn IndexError on a small input often means a size was written as a number: "
                "take K from centroids.shape[0] (or from the K argument) and n from X.shape[1]."
            )
        raise CheckFailed(
            f"{name} raised {type(exc).__name__}: {exc}\n"
            f"This is an error inside your function (its traceback is above), on the check "
            f"'{case['name']}' with input:\n" + _show_inputs(inputs) + hint
        ) from exc
    for arg, value in inputs.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, case[arg], equal_nan=True):
            raise CheckFailed(
                f"{name} changed its input `{arg}` in place (check '{case['name']}').\n"
                f"{_show(case[arg], 'Before: ')}\n{_show(value, 'After:  ')}\n"
                f"Leave the inputs as they are: write results into a new array "
                f"(e.g. `diff = X - mu`, not `X -= mu`)."
            )
    return result, inputs


def _show_inputs(inputs) -> str:
    return "".join(_show(value, f"  {arg} = ") + "\n" for arg, value in inputs.items())


def _failure(name, case, inputs, expected, got, problem, hint=None) -> CheckFailed:
    lines = [
        f"{name} failed the check '{case['name']}': {problem}",
        "Input:",
        _show_inputs(inputs).rstrip("\n"),
        _show(expected, "Expected: "),
        _show(got, "Got:      "),
    ]
    if hint:
        lines.append(f"Likely cause: {hint}")
    return CheckFailed("\n".join(lines))


# --------------------------------------------------------------------------------------------
# find_closest_centroids
# --------------------------------------------------------------------------------------------


def _diagnose_labels(case, inputs, got):
    """Return (problem, hint) for labels that differ from the expected ones, or None if equal."""
    X, centroids, expected = case["X"], case["centroids"], case["expected"]
    m, K = len(X), len(centroids)
    if got is None:
        return "it returned None.", "the function does not `return idx` at the end."
    if not isinstance(got, np.ndarray):
        return (
            f"it returned a {type(got).__name__}, not a numpy array.",
            "build idx with numpy (np.zeros(m, dtype=int), np.argmin(...)) or convert with np.asarray(idx).",
        )
    if got.shape != (m,):
        if got.shape == (m, 1) or got.shape == (1, m):
            hint = f"idx is a {'column' if got.shape == (m, 1) else 'row'} of shape {got.shape}; it must be a flat vector of shape (m,) = ({m},): use np.argmin(..., axis=1) on an (m, K) array, or idx.ravel()."
        elif got.shape == (K,):
            hint = "there is one value per centroid, not one per point: take the argmin along axis 1 (over centroids), not axis 0."
        elif got.shape == (m, K):
            hint = "this is the full table of distances; idx[i] is the position of the smallest entry in row i: np.argmin(distances, axis=1)."
        else:
            hint = f"idx needs one label per point (row of X): shape ({m},)."
        return f"idx has shape {got.shape}, expected ({m},).", hint
    if got.dtype == bool or not np.issubdtype(got.dtype, np.number):
        return f"idx has dtype {got.dtype}, expected integers.", "return integer labels 0 .. K-1."
    if np.issubdtype(got.dtype, np.floating) or np.issubdtype(got.dtype, np.complexfloating):
        integral = np.all(np.isfinite(got)) and np.all(got == np.round(got))
        if integral and got.min() >= 0 and got.max() <= K - 1:
            hint = (
                "the labels are right but stored as floats (np.zeros(m) makes a float array). "
                "Labels index the centroids, so they must be integers: np.zeros(m, dtype=int), "
                "or the integer array np.argmin returns."
            )
        else:
            hint = (
                "these look like distances, not labels. idx[i] is the *position* of the closest "
                "centroid (np.argmin), not the distance to it (np.min)."
            )
        return f"idx has dtype {got.dtype}, expected integer labels.", hint
    if np.array_equal(got, expected):
        return None
    if np.array_equal(got, expected + 1):
        return (
            "every label is one more than expected.",
            f"labels run from 0 to K-1 (the row of `centroids`: 0 .. {K - 1}), not from 1 to K.",
        )
    trap = case["traps"].get(tuple(int(v) for v in got))
    if trap:
        return "the labels differ.", trap
    stopped = _stopped_loop(got, expected, {"m - 1": m - 1, "K": K, "n": X.shape[1]})
    if stopped is not None:
        stop, which = stopped
        return (
            f"the labels from point {stop} on are all 0, the value idx starts with.",
            f"your loop stopped after {stop} points ({stop} is {which}: is that what your range() was given?); "
            f"it must visit every point: for i in range(m), with m = X.shape[0] = {m}.",
        )
    if got.min() < 0 or got.max() > K - 1:
        return (
            f"labels must lie in 0 .. {K - 1}, got values from {got.min()} to {got.max()}.",
            "idx[i] is the row number of a centroid, between 0 and K-1.",
        )
    wrong = np.flatnonzero(got != expected)
    ties = set(case.get("ties", ()))
    if wrong.size and set(wrong) <= ties and np.all(got[wrong] > expected[wrong]):
        return (
            "at points equally far from two centroids, a higher label was returned.",
            "ties must go to the lowest index (what np.argmin does). In a loop, replace the "
            "centroid only when a distance is strictly smaller (`<`, not `<=`).",
        )
    i = int(wrong[0])
    x = X[i].astype(np.float64)
    right, chosen = int(expected[i]), int(got[i])
    d_right = float(np.sum((x - centroids[right]) ** 2))
    d_chosen = float(np.sum((x - centroids[chosen]) ** 2))
    return (
        f"{wrong.size} of {m} labels differ; the first is point {i}.",
        f"X[{i}] = {X[i].tolist()} is at squared Euclidean distance {d_right:g} from centroid "
        f"{right} but {d_chosen:g} from centroid {chosen}, which you chose. Compare every "
        f"centroid, sum the squared differences over all features, and keep the smallest."
        + (_UINT8_BOTH_HINT if centroids.dtype == np.uint8 else _UINT8_HINT if X.dtype == np.uint8 else ""),
    )


def _stopped_loop(got, expected, ranges: dict[str, int]):
    """``(stop, "K - 1")`` when a loop seems to have stopped at one of ``ranges``, or None.

    The sign: everything before ``stop`` right, everything from it on still the starter code's
    zeros although the answer is not. ``ranges`` are the numbers a range() is wrongly given, most
    likely first (``{"m - 1": m - 1, "K": K, "n": n}``). ``got`` and ``expected`` have the same
    shape (labels, or rows of centroids with NaN for no mean).
    """
    for which, stop in ranges.items():
        if not 0 < stop < len(got):
            continue
        head = expected[:stop]
        right = (np.allclose(got[:stop], head, equal_nan=True) if np.issubdtype(head.dtype, np.floating)
                 else np.array_equal(got[:stop], head))
        if right and np.all(got[stop:] == 0) and np.any(np.nan_to_num(expected[stop:]) != 0):
            return stop, which
    return None


def find_closest_centroids_test(target) -> None:
    """Check ``target(X, centroids) -> idx`` on small cases; raise CheckFailed on the first failure.

    When every check passes, time it too (:func:`_speed_note`) and say so if it is too slow for the
    graded speed test.

    Parameters
    ----------
    target : callable
        The learner's ``find_closest_centroids``.
    """
    name = "find_closest_centroids"
    for case in _CLOSEST_CASES:
        got, inputs = _call(target, name, case, ("X", "centroids"))
        diagnosis = _diagnose_labels(case, inputs, got)
        if diagnosis is not None:
            problem, hint = diagnosis
            raise _failure(name, case, inputs, case["expected"], got, problem, hint)
    print(f"All {len(_CLOSEST_CASES)} checks passed: {name} is correct on every test case.")
    X, centroids, idx = _speed_inputs()
    note = _speed_note(name, lambda: target(X.copy(), centroids.copy()), lambda: _vectorised_closest(X, centroids),
                       "Hint 3 loops over the K centroids instead, and Hint 4 over nothing.")
    if note:
        print(note)


# --------------------------------------------------------------------------------------------
# Speed: is a correct function fast enough for the graded test, and for section 3?
# --------------------------------------------------------------------------------------------

SPEED_PIXELS, SPEED_K = 20_000, 16


def _speed_inputs():
    """20,000 pixels as the notebook has them (floats in [0, 1]), 16 centroids, and labels."""
    rng = np.random.default_rng(0)
    X = rng.random((SPEED_PIXELS, 3))
    return X, X[rng.choice(SPEED_PIXELS, SPEED_K, replace=False)], rng.integers(0, SPEED_K, SPEED_PIXELS)


def _best_time(call, runs: int, give_up_after: float = np.inf) -> float:
    best = np.inf
    for _ in range(runs):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
        if best > give_up_after:
            break
    return best


def _duration(seconds: float) -> str:
    if seconds >= 90:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def _vectorised_closest(X, centroids):
    """What the graded test's vectorised solution does: ``|c|^2 - 2 x.c``, a block of rows at a time."""
    C = centroids.astype(np.float64)
    lengths = (C * C).sum(axis=1)
    out = np.empty(len(X), dtype=np.intp)
    step = max(1, 262_144 // len(C))
    for first in range(0, len(X), step):
        out[first:first + step] = (lengths - 2.0 * (X[first:first + step].astype(np.float64) @ C.T)).argmin(axis=1)
    return out


def _vectorised_means(X, idx, K):
    """What the graded test's vectorised solution does: sums and counts by np.bincount."""
    sums = np.stack([np.bincount(idx, weights=column, minlength=K) for column in X.T], axis=1)
    with np.errstate(invalid="ignore"):
        return sums / np.bincount(idx, minlength=K)[:, None]


def _speed_note(name, call, vectorised, hint):
    """A note when ``call`` is too slow for the graded speed test, or "".

    ``vectorised`` does what the graded test's vectorised solution does, on the same input. A
    ratio above the grader's limit is measured a second time before anything is said: on a busy
    machine one measurement can be several times off.
    """
    # numpy's allocator keeps large blocks once one has been freed; without this, every call of
    # the vectorised work faults in fresh pages and looks several times slower than it is.
    np.ones(2**21)
    ratio, took, base = np.inf, np.inf, np.inf
    for _ in range(2):
        base = min(base, _best_time(vectorised, runs=7))
        took = min(took, _best_time(call, runs=3, give_up_after=3 * SPEED_MAX_RATIO * base))
        ratio = took / base
        if ratio <= SPEED_MAX_RATIO:
            return ""
    section_3 = took * PHOTO_PIXELS / SPEED_PIXELS * PHOTO_ITERATIONS
    return (f"But it is too slow for the graded speed test: on {SPEED_PIXELS:,} pixels, {name} took "
            f"{_duration(took)}, {ratio:,.0f} times as long as a vectorised solution ({_duration(base)}); the "
            f"grader allows {SPEED_MAX_RATIO} times, and section 3 would spend about {_duration(section_3)} in it. "
            "The usual cause is a Python loop over the examples (or, in a vectorised function, an array of "
            f"m x K x n differences, far larger than the data): {hint}")


# --------------------------------------------------------------------------------------------
# compute_centroids
# --------------------------------------------------------------------------------------------


def _rows_match(a, b, rows, rtol) -> bool:
    return bool(np.allclose(a[rows], b[rows], rtol=rtol, atol=1e-8 + rtol))


def _diagnose_centroids(case, inputs, got):
    """Return (problem, hint) for centroids that differ from the expected ones, or None if right."""
    X, idx, K, expected = case["X"], case["idx"], case["K"], case["expected"]
    m, n = X.shape
    sizes = np.bincount(idx, minlength=K)
    filled = sizes > 0
    # float32 inputs may give float32 means: compare to float32 precision.
    rtol = 1e-5 if X.dtype == np.float32 else 1e-9
    if got is None:
        return "it returned None.", "the function does not `return centroids` at the end."
    if not isinstance(got, np.ndarray):
        return (
            f"it returned a {type(got).__name__}, not a numpy array.",
            "start from a numpy array, e.g. centroids = np.zeros((K, n)), and fill it row by row.",
        )
    if got.shape != (K, n):
        if got.shape == (n, K) and n != K and _rows_match(got.T, expected, filled, rtol):
            hint = "the result is transposed: row k must be the mean of cluster k, shape (K, n)."
        elif got.ndim == 2 and got.shape[1] == n and got.shape[0] == filled.sum() and _rows_match(got, expected[filled], slice(None), rtol):
            hint = (f"there is a row for each of the {got.shape[0]} clusters that have points, and none for the empty "
                    f"one: np.unique(idx) skips clusters without points. Return K = {K} rows, one per cluster, "
                    "empty or not: for k in range(K).")
        elif got.ndim == 2 and got.shape[1] == n and got.shape[0] != K:
            hint = f"there are {got.shape[0]} rows for K = {K} clusters. Did you hard-code K? Use the K argument."
        elif got.ndim == 2 and got.shape[0] == K and got.shape[1] != n:
            hint = f"there are {got.shape[1]} columns for n = {n} features. Did you hard-code the number of features? Use X.shape[1]."
        elif got.shape in ((n,), (K,)):
            hint = "the mean was taken over too much: average over the points of each cluster (axis=0), giving one row per cluster."
        else:
            hint = f"centroids needs one row per cluster and one column per feature: shape ({K}, {n})."
        return f"centroids has shape {got.shape}, expected ({K}, {n}).", hint
    if not np.issubdtype(got.dtype, np.floating):
        return (
            f"centroids has dtype {got.dtype}, expected floats.",
            "means are fractions, and an integer array truncates them (np.zeros_like(X) on "
            "integer pixels makes one). Start from np.zeros((K, n)), which is float.",
        )
    shifted = filled[1:]  # rows k whose cluster k + 1 has points
    if K > 2 and shifted.sum() >= 2 and _rows_match(got[:-1], expected[1:], shifted, rtol):
        return (
            "row k holds the mean of cluster k+1.",
            "labels run from 0 to K-1: select the points of cluster k with idx == k, not idx == k + 1.",
        )
    stopped = _stopped_loop(got, expected, {"K - 1": K - 1, "n": n})
    if stopped is not None:
        stop, which = stopped
        return (
            f"the rows from row {stop} on are all 0, what centroids starts as.",
            f"your loop stopped after {stop} clusters ({stop} is {which}: is that what your range() was "
            f"given?); it must visit every cluster: for k in range(K), K = {K} here.",
        )
    if np.any(np.isnan(got[filled])):
        k = int(np.flatnonzero(np.isnan(got).any(axis=1) & filled)[0])
        return (
            f"row {k} is NaN, but cluster {k} has {sizes[k]} point(s).",
            "select the points with idx == k (a boolean mask, X[idx == k]) before taking the mean.",
        )
    if _rows_match(got, expected, filled, rtol):
        return None
    ratio_hints = [
        (sizes, "each row is the sum of its points, not their mean: divide by the number of points in the cluster."),
        (sizes / m, f"each row was divided by m = {m} (all points) instead of the number of points in that cluster."),
        (sizes / K, f"each row was divided by K = {K} instead of the number of points in that cluster."),
        (sizes / (sizes + 1.0), "each row was divided by one more than the number of points in the cluster."),
    ]
    for factor, hint in ratio_hints:
        if _rows_match(got, expected * factor[:, None], filled, rtol):
            return "the rows are off by a factor.", f"divided by the wrong count: {hint}"
    scalar_means = np.array([X[idx == k].astype(np.float64).mean() if filled[k] else np.nan for k in range(K)])
    if n > 1 and np.allclose(got[filled], scalar_means[filled][:, None], rtol=rtol):
        return (
            "each row holds one number, repeated: the mean of all the coordinates of the cluster's points.",
            "np.mean without an axis averages everything into one number; average the points feature by "
            "feature, X[idx == k].mean(axis=0), which gives one value per feature.",
        )
    overall = X.astype(np.float64).mean(axis=0)
    if K > 1 and np.allclose(got[filled], overall, rtol=rtol):
        return (
            "every row is the mean of all the points.",
            "each row must average only the points assigned to that cluster: X[idx == k].mean(axis=0).",
        )
    k = int(np.flatnonzero(filled & ~np.isclose(got, expected, rtol=rtol, atol=1e-8 + rtol).all(axis=1))[0])
    members = X[idx == k]
    return (
        f"row {k} is wrong.",
        f"cluster {k} has {len(members)} point(s), X[idx == {k}] = {members.tolist()}; their "
        f"mean is {expected[k].tolist()}, you returned {got[k].tolist()}."
        + (_UINT8_HINT if X.dtype == np.uint8 else ""),
    )


def compute_centroids_test(target) -> None:
    """Check ``target(X, idx, K) -> centroids`` on small cases; raise CheckFailed on the first failure.

    Rows of clusters that have no points are not checked.

    Parameters
    ----------
    target : callable
        The learner's ``compute_centroids``.
    """
    name = "compute_centroids"
    for case in _CENTROID_CASES:
        got, inputs = _call(target, name, case, ("X", "idx", "K"))
        diagnosis = _diagnose_centroids(case, inputs, got)
        if diagnosis is not None:
            problem, hint = diagnosis
            raise _failure(name, case, inputs, case["expected"], got, problem, hint)
    print(f"All {len(_CENTROID_CASES)} checks passed: {name} is correct on every test case.")
    X, centroids, idx = _speed_inputs()
    note = _speed_note(name, lambda: target(X.copy(), idx.copy(), SPEED_K), lambda: _vectorised_means(X, idx, SPEED_K),
                       "Hint 2 loops over the K clusters instead, and Hint 3 over nothing.")
    if note:
        print(note)


# --------------------------------------------------------------------------------------------
# kmeans_plus_plus_init (optional, not graded)
# --------------------------------------------------------------------------------------------

# 200 points near the origin and 2 far away: k-means++ should take a far one as its second
# centroid almost every time (probability above 0.999 here), a uniform choice 1 time in 100.
_CROWD = np.vstack([np.random.default_rng(7).normal(0, 0.1, size=(200, 2)), [[10.0, 10.0], [10.5, 9.5]]])
_FAR = {200, 201}


# A centre and ten points around it, all at distance 1: when the centre is the first centroid,
# every other point is equally likely to be the second, and k-means++ must pick among them at random.
_WHEEL = np.vstack([[0.0, 0.0], np.c_[np.cos(np.arange(10) * np.pi / 5), np.sin(np.arange(10) * np.pi / 5)]])


def _kmeans_plus_plus_call(name, target, X, K, seed):
    try:
        centroids = target(X.copy(), K, np.random.default_rng(seed))
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet: it is optional, and the cells after it need it. In its cell, "
                          "replace the line `raise NotImplementedError(...)` under `# YOUR CODE HERE` with your code.") from None
    except Exception as exc:
        raise CheckFailed(f"{name} raised {type(exc).__name__}: {exc} (with K = {K} on {len(X)} points)") from exc
    centroids = np.asarray(centroids)
    if centroids.shape != (K, X.shape[1]):
        raise CheckFailed(f"{name} returned shape {centroids.shape} for K = {K}: it must be ({K}, {X.shape[1]}), "
                          "one row per centroid.")
    return centroids


def _rows_of(X, centroids) -> list[int]:
    """The row of X each centroid is, or -1."""
    return [int(np.flatnonzero(np.all(X == c, axis=1))[0]) if np.any(np.all(X == c, axis=1)) else -1 for c in centroids]


def kmeans_plus_plus_test(target) -> None:
    """Check ``target(X, K, rng) -> centroids``, k-means++'s start; raise CheckFailed on the first failure.

    Parameters
    ----------
    target : callable
        The learner's ``kmeans_plus_plus_init``.
    """
    name = "kmeans_plus_plus_init"
    checks = 0
    for X, K, seeds in ((_CROWD, 1, [1]), (_CROWD, 5, [5]), (_CROWD[:6], 6, range(10))):
        for seed in seeds:
            rows = _rows_of(X, _kmeans_plus_plus_call(name, target, X, K, seed))
            if -1 in rows:
                raise CheckFailed(f"{name}: centroid {rows.index(-1)} is not one of the points of X: k-means++ starts "
                                  "from examples, chosen at random.")
            if len(set(rows)) < K:
                raise CheckFailed(
                    f"{name} chose the same point twice (K = {K}, {len(X)} points): a point already chosen is at distance "
                    "0 from its centroid, so its weight D(x)^2 must be 0. D(x) is the distance to the nearest centroid "
                    "chosen so far, all of them, not only the last one.")
        checks += 1
    far = sum(bool(set(_rows_of(_CROWD, _kmeans_plus_plus_call(name, target, _CROWD, 2, seed))) & _FAR) for seed in range(40))
    if far < 36:
        raise CheckFailed(
            f"{name}: on 200 points near the origin and 2 far away, with K = 2, a far point was among the centroids in "
            f"only {far} of 40 seeded runs; with k-means++ it should be in nearly all of them (a uniform random choice "
            "gives about 1 in 100 for the second centroid). Choose each new centroid with probability proportional to "
            "D(x)^2, the squared distance from x to the nearest centroid chosen so far: rng.choice(m, p=weights / weights.sum()).")
    checks += 1
    seconds = {rows[1] for rows in (_rows_of(_WHEEL, _kmeans_plus_plus_call(name, target, _WHEEL, 2, seed))
                                    for seed in range(300)) if rows[0] == 0}
    if len(seconds) < 3:
        raise CheckFailed(
            f"{name}: from the centre of ten points all at distance 1, the second centroid was always the same point: "
            "k-means++ draws it at random, with probability proportional to D(x)^2, not the farthest point every time.")
    checks += 1
    print(f"All {checks} checks passed: {name} picks distinct points, far ones likely, at random.")
