"""public_tests.py in both directions.

- Every hard-coded expected answer and trap in public_tests.py is recomputed here by brute force.
- Correct implementations in many styles pass.
- A catalogue of typical wrong implementations is caught, each with a message that names the
  mistake (checked by the words the message must contain).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import pairwise_distances_argmin

import public_tests as pt
from public_tests import compute_centroids_test, find_closest_centroids_test

# ---------------------------------------------------------------------------------------------
# The test cases themselves are right
# ---------------------------------------------------------------------------------------------


def _distances(X, C, metric="sqeuclidean"):
    X, C = np.asarray(X, np.float64), np.asarray(C, np.float64)
    diff = X[:, None, :] - C[None, :, :]
    return {
        "sqeuclidean": (diff**2).sum(-1),
        "l1": np.abs(diff).sum(-1),
        "linf": np.abs(diff).max(-1),
    }[metric]


@pytest.mark.parametrize("case", pt._CLOSEST_CASES, ids=lambda c: c["name"])
def test_closest_case_expected_is_brute_force_argmin(case):
    d = _distances(case["X"], case["centroids"])
    assert np.array_equal(d.argmin(axis=1), case["expected"])
    # Ties exist exactly where the case says; elsewhere the nearest centroid wins clearly, so
    # float32 and the ||x||^2 - 2 x.c + ||c||^2 identity cannot flip a label.
    ordered = np.sort(d, axis=1)
    if d.shape[1] > 1:
        tied = np.flatnonzero(ordered[:, 0] == ordered[:, 1])
        assert list(tied) == case.get("ties", [])
        gaps = (ordered[:, 1] - ordered[:, 0])[np.setdiff1d(np.arange(len(d)), tied)]
        assert gaps.min() >= 0.01


def test_closest_cases_cover_what_the_issue_asks():
    cases = pt._CLOSEST_CASES
    assert {c["X"].shape[1] for c in cases} >= {1, 2, 3, 4}  # n > 2 included
    assert len({len(c["centroids"]) for c in cases}) >= 4  # several K
    assert {c["X"].dtype for c in cases} >= {np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64)}
    assert any(c.get("ties") for c in cases)
    assert any(
        not np.array_equal(_distances(c["X"], c["centroids"], "l1").argmin(1), c["expected"]) for c in cases
    )


def test_uint8_traps_are_what_uint8_arithmetic_gives():
    case = next(c for c in pt._CLOSEST_CASES if c["centroids"].dtype == np.uint8)
    X, C = case["X"], case["centroids"]
    wrapped_difference = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)  # stays uint8
    wrapped_square = ((C**2).sum(axis=1) - 2 * (X.astype(np.float64) @ C.T)).argmin(axis=1)
    assert set(case["traps"]) == {tuple(wrapped_difference.tolist()), tuple(wrapped_square.tolist())}
    assert not np.array_equal(wrapped_difference, case["expected"]) and not np.array_equal(wrapped_square, case["expected"])


@pytest.mark.parametrize("case", pt._CENTROID_CASES, ids=lambda c: c["name"])
def test_centroid_case_expected_is_the_cluster_mean(case):
    X, idx, K = case["X"].astype(np.float64), case["idx"], case["K"]
    for k in range(K):
        members = X[idx == k]
        if len(members):
            assert np.allclose(case["expected"][k], members.mean(axis=0), rtol=1e-12)
        else:
            assert np.isnan(case["expected"][k]).all()


# ---------------------------------------------------------------------------------------------
# Correct implementations, in the styles learners write, pass
# ---------------------------------------------------------------------------------------------


def as_floats(closest):
    """``closest`` on float64 copies of both inputs: what a learner adds to handle uint8 pixels."""
    def converted(X, centroids):
        return closest(np.asarray(X, dtype=np.float64), np.asarray(centroids, dtype=np.float64))

    converted.__name__ = closest.__name__
    return converted


def closest_course_loops(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distance = []
        for j in range(K):
            distance.append(np.linalg.norm(X[i] - centroids[j]))
        idx[i] = np.argmin(distance)
    return idx


def closest_strict_less_loop(X, centroids):
    idx = np.zeros(len(X), dtype=np.int64)
    for i, x in enumerate(X):
        best = np.inf
        for j, c in enumerate(centroids):
            d = float(np.sum((x - c) ** 2))
            if d < best:
                best, idx[i] = d, j
    return idx


def closest_broadcast(X, centroids):
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def closest_identity(X, centroids):
    X = X.astype(np.float64)
    d = (X**2).sum(1)[:, None] - 2 * X @ centroids.T + (centroids**2).sum(1)[None, :]
    return np.argmin(d, axis=1)


def closest_identity_float32(X, centroids):
    d = (centroids**2).sum(1) - 2 * (X @ centroids.T)  # keeps float32 when both inputs are float32
    return d.argmin(axis=1).astype(np.int32)


def closest_loop_over_k(X, centroids):
    best = np.full(len(X), np.inf)
    idx = np.zeros(len(X), dtype=np.intp)
    for k, c in enumerate(centroids):
        d = ((X - c) ** 2).sum(axis=1)
        closer = d < best
        best[closer], idx[closer] = d[closer], k
    return idx


def closest_scipy(X, centroids):
    return cdist(X, centroids, "sqeuclidean").argmin(axis=1)


def closest_sklearn(X, centroids):
    return pairwise_distances_argmin(X, centroids)


def closest_linalg_norm_axis(X, centroids):
    return np.linalg.norm(X[:, np.newaxis] - centroids, axis=2).argmin(axis=1).astype(np.int32)


def closest_identity_float32_when_float32(X, centroids):
    if not (X.dtype == centroids.dtype == np.float32):
        X, centroids = X.astype(np.float64), centroids.astype(np.float64)
    return closest_identity_float32(X, centroids)


# Styles that compute in the inputs' dtype convert first: on uint8 pixels and uint8 centroids they
# would wrap around (WRONG_CLOSEST has them as they are).
CORRECT_CLOSEST = [
    as_floats(closest_course_loops),
    as_floats(closest_strict_less_loop),
    as_floats(closest_broadcast),
    as_floats(closest_identity),
    closest_identity_float32_when_float32,
    as_floats(closest_loop_over_k),
    closest_scipy,
    closest_sklearn,
    as_floats(closest_linalg_norm_axis),
]


@pytest.mark.parametrize("impl", CORRECT_CLOSEST, ids=lambda f: f.__name__)
def test_correct_find_closest_centroids_passes(impl, capsys):
    find_closest_centroids_test(impl)
    assert "All" in capsys.readouterr().out


def centroids_course_loop(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = np.mean(points, axis=0)  # NaN, with a RuntimeWarning, for an empty cluster
    return centroids


def centroids_skip_empty(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_bincount(X, idx, K):
    counts = np.bincount(idx, minlength=K).astype(np.float64)
    sums = np.stack([np.bincount(idx, weights=X[:, j], minlength=K) for j in range(X.shape[1])], axis=1)
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


def centroids_one_hot(X, idx, K):
    one_hot = (idx[:, None] == np.arange(K)[None, :]).astype(np.float64)
    with np.errstate(invalid="ignore"):
        return (one_hot.T @ X) / one_hot.sum(axis=0)[:, None]


def centroids_add_at(X, idx, K):
    sums = np.zeros((K, X.shape[1]))
    np.add.at(sums, idx, X)
    counts = np.bincount(idx, minlength=K)[:, None]
    return np.divide(sums, counts, out=np.full_like(sums, np.nan), where=counts > 0)


def centroids_keep_float32(X, idx, K):
    centroids = np.zeros((K, X.shape[1]), dtype=np.float32 if X.dtype == np.float32 else np.float64)
    for k in range(K):
        if (idx == k).any():
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_python_loop_over_examples(X, idx, K):
    sums, counts = np.zeros((K, X.shape[1])), np.zeros(K)
    for i in range(X.shape[0]):
        sums[idx[i]] += X[i]
        counts[idx[i]] += 1
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


CORRECT_CENTROIDS = [
    centroids_python_loop_over_examples,
    centroids_course_loop,
    centroids_skip_empty,
    centroids_bincount,
    centroids_one_hot,
    centroids_add_at,
    centroids_keep_float32,
]


@pytest.mark.parametrize("impl", CORRECT_CENTROIDS, ids=lambda f: f.__name__)
def test_correct_compute_centroids_passes(impl, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty cluster
        compute_centroids_test(impl)
    assert "All" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Typical mistakes are caught, and the message says which mistake
# ---------------------------------------------------------------------------------------------


def _sq(X, centroids):
    return ((X[:, None, :].astype(np.float64) - centroids[None, :, :]) ** 2).sum(axis=2)


WRONG_CLOSEST = {
    "returns_distances": (lambda X, C: _sq(X, C).min(axis=1), ["distances", "argmin"]),
    "returns_sqrt_distances": (lambda X, C: np.sqrt(_sq(X, C)).min(axis=1), ["distances", "argmin"]),
    "column_vector": (lambda X, C: _sq(X, C).argmin(axis=1)[:, None], ["column", "(m,)"]),
    "one_based_labels": (lambda X, C: _sq(X, C).argmin(axis=1) + 1, ["0 to K-1", "not from 1"]),
    "hard_coded_K_3": (lambda X, C: _sq(X, C[:3]).argmin(axis=1), ["hard-code K = 3"]),
    "hard_coded_2_features": (lambda X, C: _sq(X[:, :2], C[:, :2]).argmin(axis=1), ["hard-code 2 features"]),
    "l1_distance": (lambda X, C: np.abs(X[:, None, :] - C[None]).sum(2).argmin(1), ["L1", "Manhattan"]),
    "linf_distance": (lambda X, C: np.abs(X[:, None, :] - C[None]).max(2).argmin(1), ["L-infinity"]),
    "argmax": (lambda X, C: _sq(X, C).argmax(axis=1), ["farthest", "argmin"]),
    "float_labels": (lambda X, C: _sq(X, C).argmin(axis=1).astype(np.float64), ["floats", "dtype=int"]),
    "returns_list": (lambda X, C: list(_sq(X, C).argmin(axis=1)), ["list", "numpy array"]),
    "returns_none": (lambda X, C: None, ["None", "return idx"]),
    "argmin_over_wrong_axis": (lambda X, C: _sq(X, C).argmin(axis=0), ["axis 1"]),
    "returns_distance_matrix": (lambda X, C: _sq(X, C), ["table of distances", "axis=1"]),
    "not_implemented": (lambda X, C: (_ for _ in ()).throw(NotImplementedError()), ["not implemented yet"]),
    # 2 * X is computed first, in uint8, and wraps around for pixel values above 127.
    "uint8_wraparound": (lambda X, C: ((C**2).sum(1) - 2 * X @ C.T).argmin(1), ["uint8", "wraps around"]),
    # Right on floats; on uint8 pixels with uint8 centroids, X - c and c**2 wrap around.
    "uint8_both_course_loops": (closest_course_loops, ["both hold uint8", "Convert both"]),
    "uint8_both_broadcast": (closest_broadcast, ["both hold uint8", "Convert both"]),
    "uint8_both_loop_over_k": (closest_loop_over_k, ["both hold uint8", "Convert both"]),
    "uint8_both_identity_converts_X_only": (closest_identity, ["both hold uint8", "Convert both"]),
    "raises_name_error": (lambda X, C: undefined_name, ["raised NameError", "inside your function"]),  # noqa: F821
}


def closest_ties_to_highest(X, centroids):
    idx = np.zeros(len(X), dtype=int)
    for i, x in enumerate(X):
        best = np.inf
        for j, c in enumerate(centroids):
            d = np.sum((x - c) ** 2)
            if d <= best:
                best, idx[i] = d, j
    return idx


def closest_modifies_X(X, centroids):
    X -= X.min()  # "normalise" the data in place
    return _sq(X, centroids).argmin(axis=1)


def closest_loop_hard_coded_K(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = np.argmin([np.sum((X[i] - centroids[j]) ** 2) for j in range(3)])
    return idx


def closest_loop_hard_coded_n(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        d = [(X[i, 0] - c[0]) ** 2 + (X[i, 1] - c[1]) ** 2 for c in centroids]
        idx[i] = np.argmin(d)
    return idx


def closest_loop_over(size):
    """A loop over the examples given the wrong range (size(X, centroids)): the rest keep label 0."""
    def impl(X, centroids):
        X, centroids = X.astype(np.float64), centroids.astype(np.float64)
        idx = np.zeros(X.shape[0], dtype=int)
        for i in range(size(X, centroids)):
            idx[i] = np.argmin(((centroids - X[i]) ** 2).sum(axis=1))
        return idx

    return impl


WRONG_CLOSEST.update(
    {
        "loop_over_range_K": (closest_loop_over(lambda X, C: len(C)), ["stopped after 3 points", "3 is K", "range(m)"]),
        "loop_over_range_m_minus_1": (closest_loop_over(lambda X, C: len(X) - 1), ["is m - 1", "range(m)"]),
        "ties_to_highest_index": (closest_ties_to_highest, ["lowest index", "`<`"]),
        "modifies_X_in_place": (closest_modifies_X, ["changed its input `X` in place"]),
        "loop_hard_coded_K_3": (closest_loop_hard_coded_K, ["hard-code K = 3"]),
        "loop_hard_coded_2_features": (closest_loop_hard_coded_n, ["hard-code 2 features"]),
    }
)


@pytest.mark.parametrize("mistake", sorted(WRONG_CLOSEST))
def test_wrong_find_closest_centroids_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_CLOSEST[mistake]
    with pytest.raises(AssertionError) as caught:
        find_closest_centroids_test(impl)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{mistake}: {word!r} missing from:\n{message}"
    # Every failure names the check, and (unless the function never ran) shows input and output.
    assert "find_closest_centroids" in message
    if mistake not in ("not_implemented", "modifies_X_in_place"):
        assert "X = " in message


def centroids_loop(X, idx, K, reduce=np.mean, dtype=np.float64, shape=None, select=None):
    shape = shape or (K, X.shape[1])
    centroids = np.zeros(shape, dtype=dtype)
    for k in range(shape[0]):
        members = X[idx == (select(k) if select else k)]
        if len(members):
            centroids[k] = reduce(members[:, : shape[1]], axis=0)
    return centroids


def centroids_modifies_idx(X, idx, K):
    idx.sort()  # sorts the caller's array
    return centroids_skip_empty(X, idx, K)


def centroids_divides_by(divisor):
    def impl(X, idx, K):
        centroids = np.zeros((K, X.shape[1]))
        for k in range(K):
            members = X[idx == k]
            centroids[k] = members.sum(axis=0) / divisor(len(X), K, len(members))
        return centroids

    return impl


def centroids_python_sum(X, idx, K):
    X = X.astype(np.float64)
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = sum(points) / len(points)  # 0 / 0 for an empty cluster: ZeroDivisionError
    return centroids


def centroids_unique(X, idx, K):
    return np.array([X[idx == k].mean(axis=0) for k in np.unique(idx)])


def centroids_plus_one_nan(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = np.mean(X[idx == k + 1], axis=0)  # the last row: the mean of no points, NaN
    return centroids


def centroids_mean_without_axis(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean()
    return centroids


def centroids_loop_over_K_minus_1(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K - 1):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


WRONG_CENTROIDS = {
    "skips_empty_clusters_np_unique": (centroids_unique, ["np.unique(idx) skips", "one per cluster"]),
    "one_based_selection_with_nan": (centroids_plus_one_nan, ["idx == k + 1"]),
    "mean_without_axis": (centroids_mean_without_axis, ["without an axis", "mean(axis=0)"]),
    "loop_over_range_K_minus_1": (centroids_loop_over_K_minus_1, ["stopped after 2 clusters", "is K - 1", "range(K)"]),
    "sum_not_mean": (centroids_divides_by(lambda m, K, c: 1), ["wrong count", "sum of its points"]),
    "divided_by_m": (centroids_divides_by(lambda m, K, c: m), ["wrong count", "divided by m"]),
    "divided_by_K": (centroids_divides_by(lambda m, K, c: K), ["wrong count", "divided by K"]),
    "divided_by_count_plus_1": (centroids_divides_by(lambda m, K, c: c + 1), ["wrong count", "one more"]),
    "transposed": (lambda X, idx, K: centroids_skip_empty(X, idx, K).T, ["transposed"]),
    "hard_coded_K_3": (lambda X, idx, K: centroids_loop(X, idx, K, shape=(3, X.shape[1])), ["hard-code K"]),
    "hard_coded_2_features": (lambda X, idx, K: centroids_loop(X, idx, K, shape=(K, 2)), ["hard-code the number of features"]),
    "integer_dtype": (lambda X, idx, K: centroids_loop(X, idx, K, dtype=X.dtype), ["truncates", "np.zeros((K, n))"]),
    "one_based_selection": (lambda X, idx, K: centroids_loop(X, idx, K, select=lambda k: k + 1), ["idx == k + 1"]),
    "ignores_idx": (lambda X, idx, K: np.tile(X.mean(axis=0), (K, 1)), ["mean of all the points"]),
    "median": (lambda X, idx, K: centroids_loop(X, idx, K, reduce=np.median), ["row", "their mean is"]),
    "returns_list": (lambda X, idx, K: centroids_skip_empty(X, idx, K).tolist(), ["list", "numpy array"]),
    "returns_none": (lambda X, idx, K: None, ["None", "return centroids"]),
    "mean_over_everything": (lambda X, idx, K: X.mean(axis=0), ["averaged over", "axis=0"][1:] + ["one row per cluster"]),
    "modifies_idx_in_place": (centroids_modifies_idx, ["changed its input `idx` in place"]),
    "crashes_on_empty_cluster": (centroids_python_sum, ["raised ZeroDivisionError", "cluster 2 is empty"]),
    "not_implemented": (lambda X, idx, K: (_ for _ in ()).throw(NotImplementedError()), ["not implemented yet"]),
}


@pytest.mark.parametrize("mistake", sorted(WRONG_CENTROIDS))
def test_wrong_compute_centroids_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_CENTROIDS[mistake]
    with pytest.raises(AssertionError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        compute_centroids_test(impl)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{mistake}: {word!r} missing from:\n{message}"
    assert "compute_centroids" in message


def test_a_learner_exception_is_chained_so_its_traceback_shows():
    def broken(X, centroids):
        raise KeyError("oops")

    with pytest.raises(AssertionError) as caught:
        find_closest_centroids_test(broken)
    assert isinstance(caught.value.__cause__, KeyError)
    assert "raised KeyError" in str(caught.value)


def test_uint8_wraparound_in_compute_centroids_is_explained():
    def python_sum(X, idx, K):  # Python's sum over uint8 rows wraps around at 256
        return np.array([sum(X[idx == k]) / max(1, np.sum(idx == k)) for k in range(K)])

    with pytest.raises(AssertionError) as caught:
        compute_centroids_test(python_sum)
    assert "wraps around at 256" in str(caught.value)


def test_failure_message_shows_expected_and_got():
    with pytest.raises(AssertionError) as caught:
        find_closest_centroids_test(lambda X, C: _sq(X, C).argmin(axis=1) + 1)
    message = str(caught.value)
    assert "Expected: [0, 1, 2, 0, 1, 0]" in message
    assert "Got:      [1, 2, 3, 1, 2, 1]" in message
    assert "2-D points, K = 3" in message


# ---------------------------------------------------------------------------------------------
# What the learner sees: a short message, and a word on speed
# ---------------------------------------------------------------------------------------------


def test_not_implemented_is_one_short_message_in_jupyter():
    def placeholder(X, centroids):
        raise NotImplementedError("find_closest_centroids is not implemented yet: replace this line with your code")

    with pytest.raises(pt.CheckFailed) as caught:
        find_closest_centroids_test(placeholder)
    shown = caught.value._render_traceback_()  # what IPython prints instead of a traceback
    assert len(shown) == 1 and shown[0].startswith("CheckFailed: find_closest_centroids is not implemented yet")


def test_an_error_in_the_learners_code_shows_their_lines_and_not_this_files():
    def broken(X, centroids):
        return centroids[99]

    with pytest.raises(pt.CheckFailed) as caught:
        find_closest_centroids_test(broken)
    shown = "\n".join(caught.value._render_traceback_())
    assert "return centroids[99]" in shown and "IndexError: index 99 is out of bounds" in shown
    assert pt.__file__ not in shown and "raised IndexError" in shown


def test_the_public_speed_limit_is_the_graders():
    from grading import settings

    assert pt.SPEED_MAX_RATIO == settings.SPEED_MAX_RATIO


@pytest.mark.parametrize("test, impl, too_slow", [
    (find_closest_centroids_test, as_floats(closest_course_loops), True),
    (find_closest_centroids_test, as_floats(closest_loop_over_k), False),
    (find_closest_centroids_test, closest_sklearn, False),
    (compute_centroids_test, centroids_python_loop_over_examples, True),
    (compute_centroids_test, centroids_skip_empty, False),
    (compute_centroids_test, centroids_bincount, False),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_a_correct_but_slow_function_is_told_so_in_the_test_cell(capsys, test, impl, too_slow):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        test(impl)
    out = capsys.readouterr().out
    assert out.startswith("All ")
    if too_slow:
        note = out.splitlines()[1]
        assert note.startswith("But it is too slow for the graded speed test: on 20,000 pixels")
        assert f"the grader allows {pt.SPEED_MAX_RATIO} times" in note and "section 3 would spend about" in note
        assert "The usual cause is a Python loop over the examples" in note and "): Hint" in note
    else:
        assert len(out.splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# k-means++ (the optional exercise)
# ---------------------------------------------------------------------------------------------


def kmeans_plus_plus(X, K, rng):
    X = np.asarray(X, dtype=float)
    centroids = [X[rng.integers(len(X))]]
    closest = np.sum((X - centroids[0]) ** 2, axis=1)
    for _ in range(1, K):
        centroids.append(X[rng.choice(len(X), p=closest / closest.sum())])
        closest = np.minimum(closest, np.sum((X - centroids[-1]) ** 2, axis=1))
    return np.array(centroids)


def kmeans_plus_plus_cumulative(X, K, rng):  # the same, drawn by inverting the cumulative weights
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1)
        cumulative = np.cumsum(d2)
        centroids.append(X[np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")])
    return np.array(centroids, dtype=float)


@pytest.mark.parametrize("impl", [kmeans_plus_plus, kmeans_plus_plus_cumulative], ids=lambda f: f.__name__)
def test_correct_kmeans_plus_plus_passes(impl, capsys):
    pt.kmeans_plus_plus_test(impl)
    assert capsys.readouterr().out.startswith("All 5 checks passed: kmeans_plus_plus_init")


WRONG_KMEANS_PLUS_PLUS = {
    "uniform_random_start": (lambda X, K, rng: X[rng.choice(len(X), size=K, replace=False)], ["D(x)^2", "only"]),
    "distance_not_squared": (None, ["D(x)^2"]),
    "may_repeat_a_point": (lambda X, K, rng: X[np.r_[0, np.zeros(K - 1, dtype=int)]], ["same point twice"]),
    "means_not_points": (lambda X, K, rng: np.tile(X.mean(axis=0), (K, 1)) + np.arange(K)[:, None], ["not one of the points"]),
    "not_implemented": (lambda X, K, rng: (_ for _ in ()).throw(NotImplementedError()), ["not implemented yet", "optional"]),
}


def _distance_not_squared(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d = np.sqrt(np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1))  # D, not D^2
        centroids.append(X[rng.choice(len(X), p=d / d.sum())])
    return np.array(centroids)


WRONG_KMEANS_PLUS_PLUS["distance_not_squared"] = (_distance_not_squared, ["D(x)^2"])


def _last_centroid_only(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.sum((X - centroids[-1]) ** 2, axis=1)  # to the last centroid, not the nearest of all
        centroids.append(X[rng.choice(len(X), p=d2 / d2.sum())])
    return np.array(centroids)


def _farthest_point(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1)
        centroids.append(X[np.argmax(d2)])  # the farthest, every time: no randomness
    return np.array(centroids)


WRONG_KMEANS_PLUS_PLUS["last_centroid_only"] = (_last_centroid_only, ["same point twice", "not only the last one"])
WRONG_KMEANS_PLUS_PLUS["farthest_point_every_time"] = (_farthest_point, ["always the same point", "at random"])


@pytest.mark.parametrize("mistake", sorted(WRONG_KMEANS_PLUS_PLUS))
def test_wrong_kmeans_plus_plus_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_KMEANS_PLUS_PLUS[mistake]
    with pytest.raises(pt.CheckFailed) as caught:
        pt.kmeans_plus_plus_test(impl)
    for word in words:
        assert word in str(caught.value), f"{mistake}: {word!r} missing from {caught.value}"
