"""What is wrong with a graded function's result, and which typical mistake explains it: said once, for both judges.

``public_tests.py`` (the learner's checks, on small hand-written cases) and the grader
(``grading/hidden_tests/checks.py``, on the hidden tests' larger ones) both ask :func:`labels_problem` and
:func:`centroids_problem`. So a mistake is named in the same words wherever it is found, and what
one judge accepts the other accepts too: the same conditions, the same tolerances.

Neither function computes an answer. Each is given the right one (``expected``: a public case's
hand-written answer, or the grader's reference solution's) and says how the result differs from
it. The typical mistakes are recognised by recomputing what that mistake gives (the L1 distance,
the first three centroids only, a sum instead of a mean...) and comparing.

Tolerances: results to float32 precision are right, whatever the inputs' dtype (a learner who
computes in float32 has made no mistake). Labels may differ from the expected ones where two
centroids are equally far to 1e-5 relative (float32 arithmetic, or another correct formula for the
distance, breaks such a near tie either way), except on a case about exact ties, where the lowest
index must win. Centroids are compared to 1e-5 relative and, near 0, 1e-6 of the data's largest
value (1e-4 both for float32 inputs), the rows of empty clusters not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Diagnosis", "centroids_problem", "describe_result", "labels_problem", "recognised_mistakes", "with_article"]


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a result.

    Attributes
    ----------
    problem : str
        What differs, e.g. ``"idx has shape (6, 1), expected (6,)."``
    hint : str
        The likely cause and its remedy, when a typical mistake explains the difference; else "".
    kind : str
        Which typical mistake, for those recognised by recomputing what it gives from the inputs
        (``"argmax"``, ``"sum"``, ``"l1"``, ``"signed"``, ``"linf"``, ``"first centroids"``, ``"whole centroids"``,
        ``"first features"``):
        on a small case such a match can be a coincidence, so a caller with several cases may
        check that the others agree. "" for the rest.
    """

    problem: str
    hint: str = ""
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.problem} {self.hint}".strip()


def describe_result(value) -> tuple[str, np.ndarray | None]:
    """``(type name, numeric array or None)``: a returned value as both judges look at it.

    An ndarray, list or tuple that holds numbers (or booleans) becomes an array; anything else
    (None, a string, an array of objects) gives None. The grader's learner process does the same
    before it sends a result back.
    """
    array = None
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except Exception:  # ragged lists and the like: not a result the judges can compare
            array = None
    if array is not None and array.dtype.kind not in "biufc":
        array = None
    return type(value).__name__, array


def with_article(type_name: str) -> str:
    """The type's name after its article, as it is read out: "a list", "an int64", "a uint8", "an ndarray"."""
    return f"{'an' if type_name[:1] in 'aeio' or type_name.startswith('nd') else 'a'} {type_name}"


# What find_closest_centroids returned


def _columns(X: np.ndarray, centroids: np.ndarray, distance) -> np.ndarray:
    """``(m, K)`` float64: ``distance(X - centroid)`` for every centroid, one column at a time (memory: a few X)."""
    examples = X.astype(np.float64)
    table = np.empty((len(examples), len(centroids)))
    for k, c in enumerate(centroids.astype(np.float64)):
        table[:, k] = distance(examples - c)
    return table


def _squared(diff):
    return np.einsum("ij,ij->i", diff, diff)


# What typical mistakes compute instead of the squared distance, from the differences x - mu.
_OTHER_DISTANCES = {
    "sum": lambda diff: diff.sum(axis=1),
    "l1": lambda diff: np.abs(diff).sum(axis=1),
    "signed": lambda diff: diff.sum(axis=1) ** 2,
    "linf": lambda diff: np.abs(diff).max(axis=1) if diff.shape[1] else np.zeros(len(diff)),
}


# Results to float32 precision are right, whatever the inputs' dtype: the notebook's data need no
# more, and a learner who computes in float32 (X.astype(np.float32), a float32 accumulator) has
# made no mistake.
LABELS_PRECISION = 1e-5


def _matches(labels: np.ndarray, table: np.ndarray, relative: float) -> bool:
    """Whether every label is the position of its row's smallest entry of ``table``, to ``relative`` precision."""
    if table.shape[1] == 0 or labels.min() < 0 or labels.max() >= table.shape[1]:
        return False
    chosen = table[np.arange(len(table)), labels]
    best = table.min(axis=1)
    return bool(np.all(chosen <= best + relative * (np.abs(table).max(axis=1) + 1e-300)))


def _round_stops(m: int, names: dict[str, int]):
    """``(stop, " (3 is K: is that what your range() was given?)")`` for where a loop over m examples may stop early."""
    for name, value in names.items():
        if 0 < value < m:
            yield value, f" ({value} is {name}: is that what your range() was given?)"
    for value in (100, 200, 500, 1000):
        if value < m and value not in names.values():
            yield value, f" (did you write range({value})?)"


def _stop(labels: np.ndarray, wrong: np.ndarray, names: dict[str, int]) -> tuple[int, str] | None:
    """Where a loop over the examples seems to have stopped, and what that number is, or None.

    The sign: every wrong label is 0 (what ``idx`` starts as), from some example on, and every
    label before it is right. The stop lies somewhere from just after the last label that is not 0
    to the first wrong one; a size the learner may have given range() (``names``: m - 1, K ...) or
    a round number in that span is the likely one.
    """
    if wrong.size == 0 or np.any(labels[wrong] != 0):
        return None
    nonzero = np.flatnonzero(labels)
    low, high = (int(nonzero[-1]) + 1 if nonzero.size else 0), int(wrong[0])
    if low > high or high == 0:
        return None
    for name, value in names.items():
        if low <= value <= high and value > 0:
            return value, f" ({value} is {name}: is that what your range() was given?)"
    for step in (100, 10):
        rounded = -(-max(low, 1) // step) * step
        if rounded <= high:
            return rounded, f" (did you write range({rounded})?)"
    return None


# A running minimum that starts at a fixed number is the likely cause of wrong 0 labels only when
# the examples it misses are at least this far from every centroid.
FAR = 30.0

_UINT8_LABELS = (" X holds uint8 pixels here, and numpy arithmetic on uint8 stays uint8 and wraps around at 256: "
                 "X ** 2, 2 * X or X - X overflow silently. Convert first: X = X.astype(np.float64).")


def _recognised(X: np.ndarray, centroids: np.ndarray, expected: np.ndarray, labels: np.ndarray, telling: bool = True):
    """``(kind, problem, hint)`` for every typical mistake whose labels these are, most likely first.

    Each is recognised by recomputing the labels that mistake gives on these inputs; with
    ``telling``, only where those differ from the right ones (a mistake that gives the right answer
    here cannot be told from it), else wherever the labels are the mistake's.
    """
    m, K, n = len(X), len(centroids), X.shape[1]

    def explained_by(table: np.ndarray) -> bool:
        return _matches(labels, table, LABELS_PRECISION) and not (telling and _matches(expected, table, LABELS_PRECISION))

    if K > 1 and explained_by(-_columns(X, centroids, _squared)):
        yield "argmax", "every example went to its farthest centroid.", "Use argmin (the smallest distance), not argmax."
    if explained_by(_columns(X, centroids, _OTHER_DISTANCES["sum"])):
        yield ("sum", "these are the labels of the summed differences, dx + dy + ..., which are negative as often as not.",
               "Square each difference before adding them: np.sum((x - mu) ** 2).")
    if explained_by(_columns(X, centroids, _OTHER_DISTANCES["l1"])):
        yield ("l1", "these are the labels of the L1 (Manhattan) distance, |dx| + |dy| + ...",
               "K-means uses the Euclidean distance: square the differences and add them, sum((x - mu)**2).")
    if n > 1 and explained_by(_columns(X, centroids, _OTHER_DISTANCES["signed"])):
        yield ("signed", "these are the labels of the square of the summed differences, (dx + dy + ...)**2.",
               "Square each difference first, then add them: np.sum((x - mu) ** 2), not np.sum(x - mu) ** 2.")
    if n > 1 and explained_by(_columns(X, centroids, _OTHER_DISTANCES["linf"])):
        yield ("linf", "these are the labels of the largest single difference (the L-infinity distance).",
               "K-means adds the squared differences of every feature: sum((x - mu)**2).")
    used = int(labels.max()) + 1
    if 1 < used < K and explained_by(_columns(X, centroids[:used], _squared)):
        yield ("first centroids", f"only labels 0 to {used - 1} appear although K = {K}: only the first {used} "
               "centroids were compared.", f"Did you hard-code K = {used}? Use every centroid: K = centroids.shape[0].")
    if X.dtype.kind in "iu":
        for cut, how in ((np.trunc, "cut"), (np.round, "rounded")):
            if explained_by(_columns(X, cut(centroids.astype(np.float64)), _squared)):
                yield ("whole centroids", f"these are the labels for the centroids {how} to whole numbers.",
                       f"Did you convert the centroids to X's dtype ({X.dtype})? They are means, with fractions: keep "
                       "them float (X - centroids is float already).")
                break
    for features in range(1, n):
        if explained_by(_columns(X[:, :features], centroids[:, :features], _squared)):
            plural = "s" * (features > 1)
            yield ("first features", f"these are the labels of the first {features} feature{plural} only, although n = {n}.",
                   f"Did you hard-code {features} feature{plural}? Use every column of X (n = X.shape[1]).")
            break


def recognised_mistakes(X: np.ndarray, centroids: np.ndarray, expected: np.ndarray, value: np.ndarray | None) -> set[str]:
    """The kinds of typical mistake whose labels ``value`` is on these inputs (an empty set if none, or not labels).

    Counted wherever the labels are the mistake's, even where it gives the right ones: a caller
    with several cases takes the kinds common to all the cases its function fails.
    """
    if value is None or value.shape != (len(X),) or value.dtype.kind not in "iuf" or not np.all(np.isfinite(value)):
        return set()
    labels = value.astype(np.int64)
    if labels.min() < 0 or labels.max() >= len(centroids):
        return set()
    return {kind for kind, _, _ in _recognised(X, centroids, expected, labels, telling=False)}


def labels_problem(X: np.ndarray, centroids: np.ndarray, expected: np.ndarray, value: np.ndarray | None,
                   type_name: str = "ndarray", exact_ties: bool = False,
                   recognised: set[str] | None = None) -> Diagnosis | None:
    """What is wrong with ``find_closest_centroids(X, centroids)``'s result, or None if it is right.

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, n)``, the examples the function was given.
    centroids : numpy.ndarray
        ``(K, n)``, the centroids it was given.
    expected : numpy.ndarray
        ``(m,)`` integer: the right labels (lowest index on ties).
    value : numpy.ndarray or None
        What it returned, as :func:`describe_result` gives it.
    type_name : str
        The type of what it returned (``"ndarray"``, ``"list"``, ``"NoneType"`` ...).
    exact_ties : bool
        The case is about exact ties: every label must equal the expected one. Otherwise a label
        may differ where two centroids are equally far to float32 precision.
    recognised : set of str, optional
        The kinds of :func:`recognised_mistakes` that may be named (default: every one); a caller
        that has several cases passes the kinds that explain all of them.

    Returns
    -------
    Diagnosis or None
    """
    m, K, n = len(X), len(centroids), X.shape[1]
    if type_name == "NoneType":
        return Diagnosis("it returned None.", "Does the function end with `return idx`?")
    if type_name != "ndarray":
        right = value is not None and value.shape == expected.shape and np.array_equal(value, expected)
        values = " (with the right values)" if right else ""
        if type_name.startswith(("int", "uint", "float")) and m > 1:  # one number, as np.argmin(table) gives
            return Diagnosis(f"it returned {with_article(type_name)}, one number, not an array of {m} labels.",
                             "np.argmin without an axis gives the position of the smallest entry of the whole table: "
                             "np.argmin(distances, axis=1) gives one label per row (example) of an (m, K) table.")
        if type_name == "tuple" and value is not None and value.ndim == 2 and value.shape[0] in (2, 3) \
                and np.array_equal(value[0], expected):
            return Diagnosis(f"it returned a tuple of {value.shape[0]} values, not a numpy array.",
                             "Its first value holds the right labels: return idx alone (the distances are not asked for).")
        if type_name in _ARRAY_SUBCLASSES:
            return Diagnosis(f"it returned {with_article(type_name)}{values}, not a plain numpy array (np.ndarray).",
                             _ARRAY_SUBCLASSES[type_name])
        return Diagnosis(f"it returned {with_article(type_name)}{values}, not a numpy array.",
                         "Build idx with numpy: fill np.zeros(m, dtype=int), or return what np.argmin gives.")
    if value is None:
        return Diagnosis("it returned a numpy array that holds no numbers.",
                         "idx holds integer labels: fill np.zeros(m, dtype=int), or return what np.argmin gives.")
    got = value
    if got.shape != (m,):
        if got.shape in ((m, 1), (1, m)):
            hint = (f"It must be a flat vector of shape ({m},): np.argmin(distances, axis=1) on an (m, K) table gives one, "
                    "or idx.ravel().")
        elif got.shape == (K,):
            hint = ("That is one value per centroid: take the argmin over the centroids, not over the examples "
                    "(axis=1 of an (m, K) table of distances, axis=0 of a (K, m) one).")
        elif got.shape == (m, K):
            hint = ("That is the table of distances: idx[i] is the position of the smallest entry of row i, "
                    "np.argmin(distances, axis=1).")
        else:
            hint = f"idx needs one label per example (row of X): shape ({m},)."
        return Diagnosis(f"idx has shape {got.shape}, expected ({m},).", hint)
    if got.dtype.kind == "b":
        return Diagnosis("idx holds booleans (True, False), not labels.", f"idx[i] is a centroid's number, 0 to {K - 1}.")
    stored_as = ""
    if got.dtype.kind in "fc":
        whole = bool(np.all(np.isfinite(got)) and np.all(got == np.round(got.real)))
        if not whole:
            return Diagnosis(f"idx has dtype {got.dtype} and holds fractions, not labels.",
                             "These look like distances: idx[i] is the position of the closest centroid (np.argmin), "
                             "not the distance to it (np.min).")
        labels = got.real.astype(np.int64)
        if np.array_equal(labels, expected):
            return Diagnosis(f"the labels are right but stored as {got.dtype}.",
                             "np.zeros(m) makes a float array; labels index the centroids, so they must be integers: "
                             "np.zeros(m, dtype=int), or what np.argmin returns.")
        stored_as = (f" Also, the labels are stored as {got.dtype}: labels index the centroids, so they must be "
                     "integers (np.zeros(m, dtype=int)).")
    else:
        labels = got.astype(np.int64)

    def diagnosis(problem: str, hint: str = "") -> Diagnosis:
        return Diagnosis(problem, (hint + stored_as).strip())

    if labels.min() < 0 or labels.max() > K - 1:
        if np.array_equal(labels, expected + 1):
            return diagnosis("every label is one more than expected.",
                             f"Labels run from 0 to K - 1 (0 to {K - 1} here: the rows of centroids), not from 1 to K.")
        return diagnosis(f"labels must lie between 0 and {K - 1}, but they run from {labels.min()} to {labels.max()}.",
                         "idx[i] is the number of a row of centroids, from 0 to K - 1.")
    if np.array_equal(labels, expected) and not stored_as:
        return None
    D = _columns(X, centroids, _squared)
    rows = np.arange(m)
    d_got, d_expected = D[rows, labels], D[rows, expected]
    if exact_ties:
        wrong = np.flatnonzero(labels != expected)
        if wrong.size and np.all(d_got[wrong] == d_expected[wrong]) and np.all(labels[wrong] > expected[wrong]):
            i = int(wrong[0])
            return diagnosis(
                f"{wrong.size} of {m} examples are exactly as far from two centroids, and you chose the higher index.",
                f"X[{i}] = {X[i].tolist()} is at squared distance {d_expected[i]:g} from centroids {expected[i]} and "
                f"{labels[i]}: the lowest index, {expected[i]}, must win. np.argmin does this; in a loop, replace the "
                "best centroid only when a distance is strictly smaller (`<`, not `<=`). np.argsort and "
                "np.argpartition may put any of equal distances first: use np.argmin, or np.argsort(..., kind='stable').")
    else:
        # Equally far to float32 precision is not wrong: float32 arithmetic, or another correct
        # formula for the distance, may break a near tie either way.
        scale = np.sum(X.astype(np.float64) ** 2, axis=1) + np.max(np.sum(centroids.astype(np.float64) ** 2, axis=1))
        wrong = np.flatnonzero((labels != expected) & (d_got > d_expected + LABELS_PRECISION * scale))
    if wrong.size == 0:
        return diagnosis(f"the labels are right but stored as {got.dtype}.") if stored_as else None

    for kind, problem, hint in _recognised(X, centroids, expected, labels):
        if recognised is None or kind in recognised:
            found = diagnosis(problem, hint)
            return Diagnosis(found.problem, found.hint, kind)
    stop = _stop(labels, wrong, {"m - 1": m - 1, "K": K, "n": n})
    if stop is not None:
        at, named = stop
        return diagnosis(f"the labels from example {at} on are all 0, the value idx starts with.",
                         f"Your loop stopped after {at} examples{named}; it must visit every example: for i in "
                         f"range(m), with m = X.shape[0] = {m}.")
    nearest = D.min(axis=1)
    # A running minimum started at a fixed number leaves 0 exactly where every distance is above
    # it: the examples farthest from every centroid, in absolute terms far (no one starts at 0.5).
    far = np.sqrt(nearest[wrong].min()) >= FAR
    near_and_right = np.setdiff1d(np.flatnonzero(expected != 0), wrong)
    if far and np.all(labels[wrong] == 0) and (near_and_right.size == 0
                                                 or nearest[wrong].min() > nearest[near_and_right].max()):
        return diagnosis(
            f"{wrong.size} of {m} labels are 0 where another centroid is closer, and these are the examples farthest "
            f"from every centroid (at a distance of {np.sqrt(nearest[wrong].min()):.4g} or more).",
            "A running minimum that starts at a fixed number (999, 1e6...) is never beaten when every distance is "
            "larger. Start it at np.inf, or at the distance to centroid 0."
            + (" (Or distances kept in float16, whose largest number is 65,504: beyond it every distance is inf, "
               "and the first centroid wins.)" if nearest[wrong].min() > np.finfo(np.float16).max else ""))
    if K > 1 and m > 1 and np.all(labels == labels[0]):
        if labels[0] == 0:
            return diagnosis("every label is 0, what idx starts as.",
                             "Is idx ever filled? In a loop, each example's label must be stored: idx[i] = ... "
                             "(and a distance over all of X at once, without axis=1, gives one number, not one per example).")
        Xf, Cf = X.astype(np.float64), centroids.astype(np.float64)
        nearest_origin = int(np.argmin(np.sum(Cf**2, axis=1)))
        nearest_all = int(np.argmin(np.sum(Cf**2, axis=1) * m - 2 * Cf @ Xf.sum(axis=0)))  # least total distance
        if labels[0] == nearest_origin != nearest_all:
            return diagnosis(f"every example got the same label, {labels[0]}: the centroid nearest the origin.",
                             "Were X's values rescaled (X / 255, say) and the centroids' not? Then every example is "
                             "near 0, and nearest to that centroid. Compare X and centroids in the same units.")
        return diagnosis(f"every example got the same label, {labels[0]}.",
                         "A distance computed over all of X at once (np.linalg.norm(X - c) or np.sum(...) without "
                         "axis=1) is one number per centroid, not one per example: give axis=1.")
    i = int(wrong[0])
    return diagnosis(
        f"{wrong.size} of {m} labels are wrong. The first: X[{i}] = {X[i].tolist()} is at squared distance "
        f"{d_expected[i]:.6g} from centroid {expected[i]}, but you chose centroid {labels[i]}, at {d_got[i]:.6g}.",
        "Compare every centroid, add the squared differences over all features, and keep the smallest."
        + (_UINT8_LABELS if X.dtype == np.uint8 else ""))


# What compute_centroids returned


# Means to float32 precision are right (1e-4 relative for float32 inputs, whose sums lose more):
# a float32 accumulator or np.mean(..., dtype=np.float32) is no mistake.
MEANS_PRECISION = 1e-5

# Kinds of ndarray that numpy makes and both judges refuse: each stands for a plain array with
# other rules (np.matrix multiplies as matrices and stays 2-D; a masked array hides entries).
_ARRAY_SUBCLASSES = {
    "matrix": "np.matrix (np.asmatrix) is a kind of array that numpy advises against: it stays 2-D and * "
              "multiplies as matrices. Return a plain array: np.asarray(result).",
    "MaskedArray": "A masked array (np.ma) hides some entries; return a plain array: np.asarray(result), or "
                   "result.filled(np.nan) to choose what the hidden entries hold.",
}

_UINT8_MEANS = (" X holds uint8 pixels here, and arithmetic on uint8 wraps around at 256: Python's sum() over "
                "uint8 rows, or an accumulator of X's dtype, overflows silently. Use np.mean(..., axis=0), or "
                "convert first: X.astype(np.float64).")


def centroids_problem(X: np.ndarray, idx: np.ndarray, K: int, expected: np.ndarray, value: np.ndarray | None,
                      type_name: str = "ndarray") -> Diagnosis | None:
    """What is wrong with ``compute_centroids(X, idx, K)``'s result, or None if it is right.

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, n)``, the examples the function was given.
    idx : numpy.ndarray
        ``(m,)`` integer labels, from 0 to K - 1.
    K : int
    expected : numpy.ndarray
        ``(K, n)`` float: the right means (rows of empty clusters are not looked at).
    value : numpy.ndarray or None
        What it returned, as :func:`describe_result` gives it.
    type_name : str
        The type of what it returned.

    Returns
    -------
    Diagnosis or None
    """
    m, n = X.shape
    sizes = np.bincount(idx, minlength=K)
    filled = sizes > 0
    rtol = 1e-4 if X.dtype == np.float32 else MEANS_PRECISION
    # Near 0, an absolute margin: float32 arithmetic's error, on the data's scale (a mean rounded to
    # four decimals is further off than that).
    atol = (rtol if X.dtype == np.float32 else 1e-6) * max(1.0, float(np.max(np.abs(X.astype(np.float64))))) if m else rtol
    expected = np.asarray(expected, dtype=np.float64)

    def close(a, b) -> bool:
        return bool(np.allclose(np.asarray(a, dtype=np.float64), b, rtol=rtol, atol=atol))

    got = value
    if type_name == "NoneType":
        return Diagnosis("it returned None.", "Does the function end with `return centroids`?")
    if type_name != "ndarray":
        right = got is not None and got.shape == expected.shape and close(got[filled], expected[filled])
        values = " (with the right values)" if right else ""
        if type_name in _ARRAY_SUBCLASSES:
            return Diagnosis(f"it returned {with_article(type_name)}{values}, not a plain numpy array (np.ndarray).",
                             _ARRAY_SUBCLASSES[type_name])
        return Diagnosis(f"it returned {with_article(type_name)}{values}, not a numpy array.",
                         "Start from a numpy array, centroids = np.zeros((K, n)), and fill it row by row.")
    if got is None:
        return Diagnosis("it returned a numpy array that holds no numbers.",
                         "Start from centroids = np.zeros((K, n)) and fill it row by row.")
    if got.shape != (K, n):
        if got.shape == (n, K) and n != K and close(got.T[filled], expected[filled]):
            hint = "It is transposed: row k must be the mean of cluster k, shape (K, n)."
        elif got.ndim == 2 and got.shape[1] == n and got.shape[0] == filled.sum() < K and close(got, expected[filled]):
            hint = (f"There is a row for each of the {got.shape[0]} clusters that have examples, and none for the empty "
                    f"ones: np.unique(idx) skips clusters without examples. Return K = {K} rows, one per cluster, empty "
                    "or not: for k in range(K).")
        elif (got.ndim == 2 and got.shape[1] == n and 0 < got.shape[0] < K and not filled[got.shape[0]:].any()
              and close(got[filled[:got.shape[0]]], expected[:got.shape[0]][filled[:got.shape[0]]])):
            empty = (f"cluster {K - 1} is empty but needs a row too" if got.shape[0] == K - 1 else
                     f"clusters {got.shape[0]} to {K - 1} are empty but need rows too")
            hint = (f"The rows stop after the last cluster that has examples ({got.shape[0] - 1}); {empty}. Take the number of clusters from the "
                    "argument K, not from idx (idx.max() + 1 stops at the last label used), and if you count with "
                    "np.bincount(idx), give it minlength=K.")
        elif got.ndim == 2 and got.shape[1] == n:
            hint = f"There are {got.shape[0]} rows for K = {K} clusters. Did you hard-code K? Use the K argument."
        elif got.ndim == 2 and got.shape[0] == K:
            hint = (f"There are {got.shape[1]} columns for n = {n} features. Did you hard-code the number of features? "
                    "Use n = X.shape[1].")
        elif got.shape in ((n,), (K,)):
            hint = ("The mean was taken over too much: average the examples of each cluster (axis=0), one row per "
                    "cluster.")
        else:
            hint = f"centroids needs one row per cluster and one column per feature: shape ({K}, {n})."
        return Diagnosis(f"centroids has shape {got.shape}, expected ({K}, {n}).", hint)
    if got.dtype.kind not in "fc":
        return Diagnosis(f"centroids has dtype {got.dtype}, expected floats.",
                         "Means are fractions, and an integer array truncates them (np.zeros_like(X) on integer pixels "
                         "makes one). Start from np.zeros((K, n)), which is float.")
    got = got.real.astype(np.float64)
    if close(got[filled], expected[filled]):
        return None
    later = filled[1:]  # rows k whose cluster k + 1 has examples
    if K > 1 and later.any() and close(got[:-1][later], expected[1:][later]):
        return Diagnosis("row k holds the mean of cluster k + 1.",
                         "Labels run from 0 to K - 1: select cluster k with idx == k, not idx == k + 1 (and a loop "
                         "over range(K), not range(1, K + 1)).")
    sizes_named = {"K - 1": K - 1, "n = X.shape[1]": n, "m - 1": m - 1}
    for stop in dict.fromkeys(sizes_named.values()):
        if 0 < stop < K and filled[stop:].any() and np.all(got[stop:] == 0) and close(got[:stop][filled[:stop]],
                                                                                      expected[:stop][filled[:stop]]):
            which = " and ".join(name for name, size in sizes_named.items() if size == stop)
            return Diagnosis(f"the rows from row {stop} on are all 0, what centroids starts as.",
                             f"Your loop stopped after {stop} clusters ({stop} is {which}: is that what your range() was "
                             f"given?); it must visit every cluster: for k in range(K), K = {K} here.")
    for stop, which in _round_stops(m, {"m - 1": m - 1, "K": K, "n": n}):
        prefix = idx[:stop]
        counted = np.bincount(prefix, minlength=K) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            partial = np.array([X[:stop][prefix == k].astype(np.float64).mean(axis=0) if counted[k] else np.zeros(n)
                                for k in range(K)])
        untouched = got[~counted]  # rows the loop never reached: what an accumulator gives them, NaN or 0
        if ((~counted & filled).any() and close(got[counted], partial[counted])
                and np.all(np.isnan(untouched) | (untouched == 0))):
            return Diagnosis(f"the rows are the means of the first {stop} examples only.",
                             f"Your loop over the examples stopped after {stop} of them{which}; it must visit every "
                             f"example: for i in range(m), with m = X.shape[0] = {m}.")
    nan_rows = np.flatnonzero(np.isnan(got).any(axis=1) & filled)
    if nan_rows.size:
        k = int(nan_rows[0])
        return Diagnosis(f"row {k} is NaN, but cluster {k} has {sizes[k]} example(s).",
                         f"Select them with a boolean mask, X[idx == {k}], before taking the mean.")
    for factor, what in [
        (sizes, "each row is the sum of its examples, not their mean: divide by the number of examples in the cluster."),
        (sizes / max(m, 1), f"each row was divided by m = {m} (all the examples), not by the number in its cluster."),
        (sizes / K, f"each row was divided by K = {K}, not by the number of examples in its cluster."),
        (sizes / n, f"each row was divided by n = {n} (the number of features), not by the number of examples in "
                    "its cluster."),
        (sizes / (sizes + 1.0), "each row was divided by one more than the number of examples in its cluster."),
    ]:
        if close(got[filled], (expected * factor[:, None])[filled]):
            return Diagnosis("the rows are off by a factor.", f"Divided by the wrong count: {what}")
    with np.errstate(invalid="ignore", divide="ignore"):
        flat_means = np.array([X[idx == k].astype(np.float64).mean() if filled[k] else np.nan for k in range(K)])
    if n > 1 and close(got[filled], np.repeat(flat_means[filled][:, None], n, axis=1)):
        return Diagnosis("each row holds one number, repeated: the mean of all the coordinates of the cluster's examples.",
                         "np.mean without an axis averages everything into one number; average feature by feature, "
                         "X[idx == k].mean(axis=0).")
    overall = X.astype(np.float64).mean(axis=0)
    if K > 1 and filled.sum() > 1 and close(got[filled], np.broadcast_to(overall, (int(filled.sum()), n))):
        return Diagnosis("every row is the mean of all the examples.",
                         "Each row must average only its cluster's examples: X[idx == k].mean(axis=0).")
    bad = np.flatnonzero(filled & ~np.isclose(got, expected, rtol=rtol, atol=atol).all(axis=1))
    k = int(bad[0])
    members = X[idx == k]
    shown = f", X[idx == {k}] = {members.tolist()}" if members.size <= 12 else ""
    problem = (f"{bad.size} of {int(filled.sum())} rows are wrong. The first, row {k}: cluster {k} has {sizes[k]} "
               f"example(s){shown}, whose mean is {_values(expected[k])}, but you returned {_values(got[k])}.")
    if len(np.unique(members, axis=0)) < len(members) and close(got[k], np.unique(members, axis=0).astype(np.float64).mean(axis=0)):
        return Diagnosis(problem, "That is the mean of the cluster's distinct examples, each counted once: np.unique "
                                  "drops the repeats, but an example that occurs 100 times counts 100 times in the mean.")
    if X.dtype.kind in "iu":
        sums = members.astype(np.int64).sum(axis=0)
        if close(got[k], (sums % 256) / sizes[k]):
            return Diagnosis(problem, _UINT8_MEANS.strip())
        for bits in (16, 32):
            if close(got[k], (sums % 2**bits) / sizes[k]):
                return Diagnosis(problem, f"Those are the sums wrapped around at {2**bits:,}, then divided: sums kept "
                                          f"in a {bits}-bit integer (np.uint{bits}, np.int{bits}) overflow silently on "
                                          "a large cluster. Keep sums in float, np.zeros((K, n)), or in np.int64.")
    return Diagnosis(problem)


def _values(a: np.ndarray, limit: int = 6) -> str:
    flat = np.asarray(a).ravel()
    body = np.array2string(flat[:limit], separator=", ", precision=6, max_line_width=200)
    return body[:-1] + ", ...]" if flat.size > limit else body
