"""The two graded functions as learners write them: right ones in many styles, and the typical mistakes.

One catalogue for both judges. ``test_public_tests.py`` runs every entry through the public tests,
``test_checks.py`` through the hidden tests' judges in-process, and ``test_contract.py`` through
the grader itself, each entry pasted into a learner's notebook; the contract is that the two
verdicts agree: a function passes its public test exactly when the grader gives it every
correctness point.

Each function is self-contained, as code pasted into the exercise cell would be: it uses ``np``
(imported by the notebook's first cell) and imports anything else in its own body. The right
ones are written the way learners write them: mostly loops, with no dtype conversion (the
notebook's centroids are always floats, and uint8 pixels minus float centroids are floats), lists
of norms, ``enumerate``, running minimums, tables then argmin.

``CORRECT_*`` lists the right ones. ``WRONG_*`` maps a mistake to ``(function, words)``: the words
that the public test's message must contain, naming the mistake.
"""

from __future__ import annotations

import numpy as np

# --- find_closest_centroids, right --------------------------------------------------------------------------


def closest_course_loop(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distance = []
        for j in range(K):
            norm_ij = np.linalg.norm(X[i] - centroids[j])
            distance.append(norm_ij)
        idx[i] = np.argmin(distance)
    return idx


def closest_course_loop_squared_norm(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distances = []
        for j in range(K):
            distances.append(np.linalg.norm(X[i] - centroids[j]) ** 2)
        idx[i] = np.argmin(distances)
    return idx


def closest_sum_of_squares_list(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        d = [np.sum((X[i] - centroids[j]) ** 2) for j in range(K)]
        idx[i] = np.argmin(d)
    return idx


def closest_norms_comprehension(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(len(X)):
        idx[i] = np.argmin([np.linalg.norm(X[i] - c) for c in centroids])
    return idx


def closest_running_minimum_inf(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i, x in enumerate(X):
        best = np.inf
        for j, c in enumerate(centroids):
            d = np.sum((x - c) ** 2)
            if d < best:
                best = d
                idx[i] = j
    return idx


def closest_running_minimum_first_centroid(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        min_dist = np.linalg.norm(X[i] - centroids[0])
        for j in range(1, K):
            dist = np.linalg.norm(X[i] - centroids[j])
            if dist < min_dist:
                min_dist = dist
                idx[i] = j
    return idx


def closest_running_minimum_float_inf(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        smallest = float("inf")
        for j in range(centroids.shape[0]):
            d = np.sqrt(np.sum(np.square(X[i] - centroids[j])))
            if d < smallest:
                smallest, idx[i] = d, j
    return idx


def closest_distance_row(X, centroids):
    m, K = X.shape[0], centroids.shape[0]
    idx = np.zeros(m, dtype=int)
    for i in range(m):
        distances = np.zeros(K)
        for j in range(K):
            distances[j] = np.dot(X[i] - centroids[j], X[i] - centroids[j])
        idx[i] = np.argmin(distances)
    return idx


def closest_table_then_argmin(X, centroids):
    m, K = X.shape[0], centroids.shape[0]
    table = np.zeros((m, K))
    for i in range(m):
        for j in range(K):
            table[i, j] = np.linalg.norm(X[i] - centroids[j])
    idx = np.argmin(table, axis=1)
    return idx


def closest_math_dist(X, centroids):
    import math

    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        d = [math.dist(X[i], c) for c in centroids]
        idx[i] = d.index(min(d))
    return idx


def closest_min_with_key(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = min(range(len(centroids)), key=lambda j: np.sum((X[i] - centroids[j]) ** 2))
    return idx


def closest_where_minimum(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        d = np.sum((centroids - X[i]) ** 2, axis=1)
        idx[i] = np.where(d == d.min())[0][0]
    return idx


def closest_list_of_labels(X, centroids):
    labels = []
    for x in X:
        labels.append(np.argmin(np.linalg.norm(centroids - x, axis=1)))
    return np.array(labels)


def closest_while_loop(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    i = 0
    while i < X.shape[0]:
        idx[i] = np.argmin(np.sum((X[i] - centroids) ** 2, axis=1))
        i += 1
    return idx


def closest_loop_over_k_stack(X, centroids):
    columns = [np.sum((X - centroids[j]) ** 2, axis=1) for j in range(centroids.shape[0])]
    distances = np.stack(columns, axis=1)
    return np.argmin(distances, axis=1)


def closest_loop_over_k_running_best(X, centroids):
    best = np.full(len(X), np.inf)
    idx = np.zeros(len(X), dtype=int)
    for k, c in enumerate(centroids):
        d = ((X - c) ** 2).sum(axis=1)
        closer = d < best
        best[closer] = d[closer]
        idx[closer] = k
    return idx


def closest_loop_over_k_norm_columns(X, centroids):
    distances = np.zeros((X.shape[0], centroids.shape[0]))
    for j in range(centroids.shape[0]):
        distances[:, j] = np.linalg.norm(X - centroids[j], axis=1)
    return np.argmin(distances, axis=1)


def closest_broadcast(X, centroids):
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def closest_broadcast_norm(X, centroids):
    distances = np.linalg.norm(X[:, np.newaxis] - centroids, axis=2)
    return np.argmin(distances, axis=1)


def closest_hint_4_identity(X, centroids):
    return np.argmin(np.sum(centroids ** 2, axis=1) - 2 * (X @ centroids.T), axis=1)


def closest_full_identity_converted(X, centroids):
    X = X.astype(float)
    d = (X ** 2).sum(axis=1)[:, None] - 2 * X @ centroids.T + (centroids ** 2).sum(axis=1)[None, :]
    return np.argmin(d, axis=1)


def closest_einsum(X, centroids):
    diff = X[:, None, :] - centroids[None, :, :]
    return np.argmin(np.einsum("ijk,ijk->ij", diff, diff), axis=1)


def closest_identity_keeps_float32(X, centroids):
    if not (X.dtype == centroids.dtype == np.float32):
        X, centroids = X.astype(np.float64), centroids.astype(np.float64)
    d = (centroids ** 2).sum(axis=1) - 2 * (X @ centroids.T)
    return d.argmin(axis=1).astype(np.int32)


def closest_pixel_loop_vectorised_over_k(X, centroids):
    # A loop over the examples, numpy over the centroids: the loop learners write most often.
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = np.argmin(((centroids - X[i]) ** 2).sum(axis=1))
    return idx


def closest_pixel_loop_expanded_square(X, centroids):
    # The same loop with the squared distance expanded, norms computed once: the fastest pixel loop
    # a red team found (the grader once gave it the speed point, at 17 times the reference).
    idx = np.zeros(X.shape[0], dtype=int)
    C = np.asarray(centroids, dtype=float)
    squared_norms, doubled = (C * C).sum(axis=1), 2 * C
    for i, x in enumerate(np.asarray(X, dtype=float)):
        idx[i] = (squared_norms - doubled @ x).argmin()
    return idx


CORRECT_CLOSEST = [
    closest_course_loop,
    closest_course_loop_squared_norm,
    closest_sum_of_squares_list,
    closest_norms_comprehension,
    closest_running_minimum_inf,
    closest_running_minimum_first_centroid,
    closest_running_minimum_float_inf,
    closest_distance_row,
    closest_table_then_argmin,
    closest_math_dist,
    closest_min_with_key,
    closest_where_minimum,
    closest_list_of_labels,
    closest_while_loop,
    closest_loop_over_k_stack,
    closest_loop_over_k_running_best,
    closest_loop_over_k_norm_columns,
    closest_broadcast,
    closest_broadcast_norm,
    closest_hint_4_identity,
    closest_full_identity_converted,
    closest_einsum,
    closest_identity_keeps_float32,
    closest_pixel_loop_vectorised_over_k,
    closest_pixel_loop_expanded_square,
]
# Right, and a Python loop over every example: the grader's speed test fails them, and the public
# test says so in its cell.
SLOW_CLOSEST = {
    closest_course_loop, closest_course_loop_squared_norm, closest_sum_of_squares_list, closest_norms_comprehension,
    closest_running_minimum_inf, closest_running_minimum_first_centroid, closest_running_minimum_float_inf,
    closest_distance_row, closest_table_then_argmin, closest_math_dist, closest_min_with_key, closest_where_minimum,
    closest_list_of_labels, closest_while_loop, closest_pixel_loop_vectorised_over_k, closest_pixel_loop_expanded_square,
}


# --- find_closest_centroids, wrong ----------------------------------------------------------------------------


def closest_fixed_start_999(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        smallest = 999
        for j in range(centroids.shape[0]):
            d = np.linalg.norm(X[i] - centroids[j])
            if d < smallest:
                smallest = d
                idx[i] = j
    return idx


def closest_fixed_start_million_squared(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        best = 1000000
        for j in range(centroids.shape[0]):
            d = np.sum((X[i] - centroids[j]) ** 2)
            if d < best:
                best, idx[i] = d, j
    return idx


def closest_first_100_examples(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(min(100, X.shape[0])):
        idx[i] = np.argmin([np.linalg.norm(X[i] - c) for c in centroids])
    return idx


def closest_loop_over_range_K(X, centroids):
    K = centroids.shape[0]
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(min(K, X.shape[0])):
        idx[i] = np.argmin(np.sum((centroids - X[i]) ** 2, axis=1))
    return idx


def closest_loop_over_range_m_minus_1(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0] - 1):
        idx[i] = np.argmin(np.sum((centroids - X[i]) ** 2, axis=1))
    return idx


def closest_ties_to_highest(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        best = np.inf
        for j in range(centroids.shape[0]):
            d = np.sum((X[i] - centroids[j]) ** 2)
            if d <= best:
                best, idx[i] = d, j
    return idx


def closest_l1(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None]).sum(axis=2), axis=1)


def closest_linf(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None]).max(axis=2), axis=1)


def closest_argmax(X, centroids):
    return np.argmax(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)


def closest_one_based(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1) + 1


def closest_one_based_floats(X, centroids):
    idx = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        idx[i] = np.argmin([np.linalg.norm(X[i] - c) for c in centroids]) + 1
    return idx


def closest_float_labels(X, centroids):
    idx = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        idx[i] = np.argmin([np.linalg.norm(X[i] - c) for c in centroids])
    return idx


def closest_returns_distances(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2).min(axis=1)


def closest_returns_distance_table(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)


def closest_argmin_over_examples(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=0)


def closest_column_vector(X, centroids):
    return ((X[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)[:, None]


def closest_returns_list(X, centroids):
    return [int(np.argmin(np.sum((centroids - x) ** 2, axis=1))) for x in X]


def closest_returns_none(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = np.argmin(np.sum((centroids - X[i]) ** 2, axis=1))


def closest_hard_coded_K_3(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = np.argmin([np.sum((X[i] - centroids[j]) ** 2) for j in range(min(3, len(centroids)))])
    return idx


def closest_hard_coded_2_features(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        d = [(X[i, 0] - c[0]) ** 2 + (X[i, 1] - c[1]) ** 2 for c in centroids]
        idx[i] = np.argmin(d)
    return idx


def closest_modifies_X(X, centroids):
    X -= X.min(axis=0)  # "normalise" the examples, in place
    return ((X[:, None, :] - (centroids[None] - centroids.min(axis=0))) ** 2).sum(axis=2).argmin(axis=1)


def closest_uint8_doubling_wraps(X, centroids):
    # 2 * X is computed first, in X's dtype: on uint8 pixels above 127 it wraps around.
    return np.argmin(np.sum(centroids ** 2, axis=1) - 2 * X @ centroids.T, axis=1)


def closest_scikit_learn(X, centroids):
    from sklearn.metrics import pairwise_distances_argmin

    return pairwise_distances_argmin(X, centroids)


def closest_scipy(X, centroids):
    from scipy.spatial.distance import cdist

    return np.argmin(cdist(X, centroids), axis=1)


def closest_raises_name_error(X, centroids):
    return np.argmin(distances, axis=1)  # noqa: F821 - "distances" was never computed


def closest_not_implemented(X, centroids):
    raise NotImplementedError("find_closest_centroids is not implemented yet: replace this line with your code")


WRONG_CLOSEST = {
    "fixed_start_999": (closest_fixed_start_999, ["a fixed number", "np.inf"]),
    "fixed_start_million_squared": (closest_fixed_start_million_squared, ["a fixed number", "np.inf"]),
    "first_100_examples": (closest_first_100_examples, ["stopped after 100 examples", "range(100)", "range(m)"]),
    "loop_over_range_K": (closest_loop_over_range_K, ["stopped after 3 examples", "3 is K", "range(m)"]),
    "loop_over_range_m_minus_1": (closest_loop_over_range_m_minus_1, ["is m - 1", "range(m)"]),
    "ties_to_highest": (closest_ties_to_highest, ["lowest index", "`<`"]),
    "l1_distance": (closest_l1, ["L1", "Manhattan"]),
    "linf_distance": (closest_linf, ["L-infinity"]),
    "argmax": (closest_argmax, ["farthest", "argmin"]),
    "one_based": (closest_one_based, ["one more than expected", "not from 1"]),
    "one_based_floats": (closest_one_based_floats, ["one more than expected", "stored as float64"]),
    "float_labels": (closest_float_labels, ["stored as float64", "dtype=int"]),
    "returns_distances": (closest_returns_distances, ["distances", "np.argmin"]),
    "returns_distance_table": (closest_returns_distance_table, ["table of distances", "axis=1"]),
    "argmin_over_examples": (closest_argmin_over_examples, ["one value per centroid", "axis=1"]),
    "column_vector": (closest_column_vector, ["flat vector", "ravel"]),
    "returns_list": (closest_returns_list, ["list (with the right values)", "not a numpy array"]),
    "returns_none": (closest_returns_none, ["returned None", "return idx"]),
    "hard_coded_K_3": (closest_hard_coded_K_3, ["hard-code K = 3"]),
    "hard_coded_2_features": (closest_hard_coded_2_features, ["hard-code 2 features"]),
    "modifies_X_in_place": (closest_modifies_X, ["changed its input `X` in place"]),
    "uint8_doubling_wraps": (closest_uint8_doubling_wraps, ["uint8", "wraps around"]),
    "scikit_learn": (closest_scikit_learn, ["sklearn", "numpy and Python's standard library only"]),
    "scipy": (closest_scipy, ["scipy", "numpy and Python's standard library only"]),
    "raises_name_error": (closest_raises_name_error, ["raised NameError", "inside your function"]),
    "not_implemented": (closest_not_implemented, ["not implemented yet"]),
}


# --- compute_centroids, right -----------------------------------------------------------------------------------


def centroids_course_loop(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = np.mean(points, axis=0)  # NaN, with a warning, for an empty cluster
    return centroids


def centroids_skip_empty(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(K):
        points = X[idx == k]
        if len(points) > 0:
            centroids[k] = points.mean(axis=0)
    return centroids


def centroids_sum_over_count(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = np.sum(points, axis=0) / len(points)  # 0 / 0: NaN, with a warning
    return centroids


def centroids_where(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k, :] = np.mean(X[np.where(idx == k)], axis=0)
    return centroids


def centroids_comprehension(X, idx, K):
    return np.array([X[idx == k].mean(axis=0) for k in range(K)])


def centroids_average(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = np.average(X[idx == k], axis=0)
    return centroids


def centroids_count_then_divide(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        mask = idx == k
        count = np.sum(mask)
        if count:
            centroids[k] = X[mask].sum(axis=0) / count
    return centroids


def centroids_bincount(X, idx, K):
    counts = np.bincount(idx, minlength=K)
    sums = np.stack([np.bincount(idx, weights=X[:, j], minlength=K) for j in range(X.shape[1])], axis=1)
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


def centroids_one_hot(X, idx, K):
    one_hot = (idx[:, None] == np.arange(K)[None, :]).astype(float)
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


def centroids_loop_over_examples(X, idx, K):
    sums, counts = np.zeros((K, X.shape[1])), np.zeros(K)
    for i in range(X.shape[0]):
        sums[idx[i]] += X[i]
        counts[idx[i]] += 1
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


def centroids_lists_per_cluster(X, idx, K):
    members = [[] for _ in range(K)]
    for i in range(len(X)):
        members[idx[i]].append(X[i])
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if members[k]:
            centroids[k] = np.mean(members[k], axis=0)
    return centroids


def centroids_sums_in_lists(X, idx, K):
    # One pass over the examples in plain Python, sums kept in lists: the fastest pixel loop a red
    # team found (the grader once gave it the speed point, at 38 times the reference).
    sums, counts = [[0.0] * X.shape[1] for _ in range(K)], [0] * K
    for k, row in zip(idx.tolist(), X.tolist()):
        counts[k] += 1
        for j, value in enumerate(row):
            sums[k][j] += value
    return np.array([[total / counts[k] if counts[k] else 0.0 for total in sums[k]] for k in range(K)])


CORRECT_CENTROIDS = [
    centroids_course_loop,
    centroids_skip_empty,
    centroids_sum_over_count,
    centroids_where,
    centroids_comprehension,
    centroids_average,
    centroids_count_then_divide,
    centroids_bincount,
    centroids_one_hot,
    centroids_add_at,
    centroids_keep_float32,
    centroids_loop_over_examples,
    centroids_lists_per_cluster,
    centroids_sums_in_lists,
]
SLOW_CENTROIDS = {centroids_loop_over_examples, centroids_lists_per_cluster, centroids_sums_in_lists}


# --- compute_centroids, wrong ----------------------------------------------------------------------------------


def centroids_unique(X, idx, K):
    return np.array([X[idx == k].mean(axis=0) for k in np.unique(idx)])


def centroids_bincount_without_minlength(X, idx, K):
    counts = np.bincount(idx)
    sums = np.stack([np.bincount(idx, weights=X[:, j]) for j in range(X.shape[1])], axis=1)
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


def centroids_one_to_K(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(1, K + 1):
        centroids[k - 1] = np.mean(X[idx == k], axis=0)
    return centroids


def centroids_plus_one(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k + 1]
        if len(points):
            centroids[k] = points.mean(axis=0)
    return centroids


def centroids_mean_without_axis(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean()
    return centroids


def centroids_loop_over_range_K_minus_1(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K - 1):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_sum_not_mean(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = X[idx == k].sum(axis=0)
    return centroids


def centroids_divided_by_m(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = X[idx == k].sum(axis=0) / X.shape[0]
    return centroids


def centroids_divided_by_K(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = X[idx == k].sum(axis=0) / K
    return centroids


def centroids_divided_by_count_plus_1(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = points.sum(axis=0) / (len(points) + 1)
    return centroids


def centroids_transposed(X, idx, K):
    centroids = np.zeros((X.shape[1], K))
    for k in range(K):
        if np.any(idx == k):
            centroids[:, k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_hard_coded_K_3(X, idx, K):
    centroids = np.zeros((3, X.shape[1]))
    for k in range(3):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_hard_coded_2_features(X, idx, K):
    centroids = np.zeros((K, 2))
    for k in range(K):
        points = X[idx == k]
        if len(points):
            centroids[k] = points[:, :2].mean(axis=0)
    return centroids


def centroids_integer_dtype(X, idx, K):
    centroids = np.zeros((K, X.shape[1]), dtype=X.dtype)
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_zeros_int(X, idx, K):
    centroids = np.zeros((K, X.shape[1]), dtype=int)
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)
    return centroids


def centroids_ignore_idx(X, idx, K):
    return np.tile(X.mean(axis=0), (K, 1))


def centroids_median(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = np.median(X[idx == k], axis=0)
    return centroids


def centroids_returns_list(X, idx, K):
    return [list(X[idx == k].mean(axis=0)) if np.any(idx == k) else [0.0] * X.shape[1] for k in range(K)]


def centroids_returns_none(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = X[idx == k].mean(axis=0)


def centroids_mean_over_everything(X, idx, K):
    return X.mean(axis=0)


def centroids_modifies_idx(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        members = idx == k
        if members.any():
            centroids[k] = X[members].mean(axis=0)
        idx[members] = -1  # "done with these", in the caller's array
    return centroids


def centroids_python_sum(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        centroids[k] = sum(points) / len(points)  # 0 / 0 for an empty cluster: ZeroDivisionError
    return centroids


def centroids_first_100_examples(X, idx, K):
    sums, counts = np.zeros((K, X.shape[1])), np.zeros(K)
    for i in range(min(100, X.shape[0])):
        sums[idx[i]] += X[i]
        counts[idx[i]] += 1
    with np.errstate(invalid="ignore"):
        return sums / counts[:, None]


def centroids_not_implemented(X, idx, K):
    raise NotImplementedError("compute_centroids is not implemented yet: replace this line with your code")


WRONG_CENTROIDS = {
    "skips_empty_clusters_np_unique": (centroids_unique, ["np.unique(idx) skips", "one per cluster"]),
    "bincount_without_minlength": (centroids_bincount_without_minlength, ["minlength=K"]),
    "loop_from_1_to_K": (centroids_one_to_K, ["mean of cluster k + 1", "range(1, K + 1)"]),
    "selects_idx_plus_one": (centroids_plus_one, ["mean of cluster k + 1", "idx == k + 1"]),
    "mean_without_axis": (centroids_mean_without_axis, ["without an axis", "mean(axis=0)"]),
    "loop_over_range_K_minus_1": (centroids_loop_over_range_K_minus_1, ["stopped after 2 clusters", "is K - 1", "range(K)"]),
    "sum_not_mean": (centroids_sum_not_mean, ["wrong count", "sum of its examples"]),
    "divided_by_m": (centroids_divided_by_m, ["wrong count", "divided by m"]),
    "divided_by_K": (centroids_divided_by_K, ["wrong count", "divided by K"]),
    "divided_by_count_plus_1": (centroids_divided_by_count_plus_1, ["wrong count", "one more"]),
    "transposed": (centroids_transposed, ["transposed"]),
    "hard_coded_K_3": (centroids_hard_coded_K_3, ["hard-code K"]),
    "hard_coded_2_features": (centroids_hard_coded_2_features, ["hard-code the number of features"]),
    "integer_dtype": (centroids_integer_dtype, ["truncates", "np.zeros((K, n))"]),
    "integer_zeros": (centroids_zeros_int, ["truncates", "np.zeros((K, n))"]),
    "ignores_idx": (centroids_ignore_idx, ["mean of all the examples"]),
    "median": (centroids_median, ["rows are wrong", "whose mean is"]),
    "returns_list": (centroids_returns_list, ["list", "not a numpy array"]),
    "returns_none": (centroids_returns_none, ["returned None", "return centroids"]),
    "mean_over_everything": (centroids_mean_over_everything, ["axis=0", "one row per cluster"]),
    "modifies_idx_in_place": (centroids_modifies_idx, ["changed its input `idx` in place"]),
    "python_sum_wraps_on_uint8": (centroids_python_sum, ["Python's sum() over uint8 rows", "wraps around at 256"]),
    "first_100_examples": (centroids_first_100_examples, ["means of the first 100 examples", "range(100)"]),
    "not_implemented": (centroids_not_implemented, ["not implemented yet"]),
}


# Right answers, but a loop over the examples inside a loop over the clusters and another over the
# examples: far too slow for the grader to finish its 30,000-pixel test in its time (a real
# learner's, in substance), so the grader gives it no points there, and the public test fails it.
def centroids_index_lists_recomputed(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for i in range(K):
        members = []
        for j in range(m):
            if idx[j] == i:
                members.append(j)
        for _ in range(m):
            centroids[i] = np.mean(X[members], axis=0)
    return centroids


WRONG_CENTROIDS["too_slow_to_be_graded"] = (centroids_index_lists_recomputed, ["too slow for the grader to test it",
                                                                                 "stops a test after 15 s"])


# Right, and fast enough, with the prints a learner leaves in while debugging: the grader formats
# them and throws them away, and so does the public test while it times the function.
def centroids_course_loop_with_prints(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(K):
        points = X[idx == k]
        print(f"points {k}: {points}")
        centroids[k] = np.mean(points, axis=0)
        print(f"centroid {k}: {centroids[k]}")
    return centroids


CORRECT_CENTROIDS.append(centroids_course_loop_with_prints)


# --- more, from a review: right ones in float32, and mistakes the first catalogue missed ------------------------


def closest_in_float32(X, centroids):
    X32, C32 = X.astype(np.float32), centroids.astype(np.float32)
    d = np.sum(C32 ** 2, axis=1) - 2 * (X32 @ C32.T)
    return np.argmin(d, axis=1)


def centroids_float32_mean(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        if len(points):
            centroids[k] = points.mean(axis=0, dtype=np.float32)
    return centroids


CORRECT_CLOSEST.append(closest_in_float32)
CORRECT_CENTROIDS.append(centroids_float32_mean)


def closest_centroids_cast_to_X_dtype(X, centroids):
    C = centroids.astype(X.dtype)  # "the same type as the pixels"
    return np.argmin(((X[:, None, :].astype(float) - C[None].astype(float)) ** 2).sum(axis=2), axis=1)


def closest_never_filled(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        distances = [np.sum((X[i] - c) ** 2) for c in centroids]
        best = np.argmin(distances)  # noqa: F841 - computed, never stored in idx[i]
    return idx


def closest_norm_without_axis(X, centroids):
    distances = [np.linalg.norm(X - c) for c in centroids]  # one number per centroid, over all of X
    return np.full(X.shape[0], np.argmin(distances))


def closest_squared_sum_of_differences(X, centroids):
    idx = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        idx[i] = np.argmin([np.sum(X[i] - c) ** 2 for c in centroids])
    return idx


def centroids_counts_like_X(X, idx, K):
    sums, counts = np.zeros((K, X.shape[1])), np.zeros(K, dtype=X.dtype)
    for k in range(K):
        members = X[idx == k]
        sums[k] = members.sum(axis=0)
        counts[k] = len(members)  # a uint8 count wraps at 256
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def centroids_running_total_like_X(X, idx, K):
    totals, counts = np.zeros((K, X.shape[1]), dtype=X.dtype), np.zeros(K)
    for i in range(X.shape[0]):
        totals[idx[i]] += X[i]  # in X's dtype: uint8 wraps at 256
        counts[idx[i]] += 1
    with np.errstate(invalid="ignore"):
        return totals / counts[:, None]


def centroids_mean_of_distinct_points(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        if len(points):
            centroids[k] = np.unique(points, axis=0).mean(axis=0)
    return centroids


def centroids_divided_by_n(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        centroids[k] = X[idx == k].sum(axis=0) / X.shape[1]
    return centroids


WRONG_CLOSEST.update({
    "centroids_cast_to_X_dtype": (closest_centroids_cast_to_X_dtype, ["centroids cut to whole numbers", "keep them float"]),
    "never_filled": (closest_never_filled, ["every label is 0", "idx[i] ="]),
    "norm_without_axis": (closest_norm_without_axis, ["every label is 0", "without axis=1"]),
    "squared_sum_of_differences": (closest_squared_sum_of_differences, ["summed differences", "Square each difference first"]),
})
WRONG_CENTROIDS.update({
    "counts_like_X": (centroids_counts_like_X, ["560 uint8 pixels", "raised OverflowError", "uint8 holds 0 to 255"]),
    "running_total_like_X": (centroids_running_total_like_X, ["wraps around at 256"]),
    "mean_of_distinct_points": (centroids_mean_of_distinct_points, ["560 uint8 pixels", "distinct examples, each counted once"]),
    "divided_by_n": (centroids_divided_by_n, ["wrong count", "divided by n = 2"]),
})


def closest_summed_differences(X, centroids):
    return np.argmin(np.stack([np.sum(X - c, axis=1) for c in centroids], axis=1), axis=1)


def centroids_rounded(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        if np.any(idx == k):
            centroids[k] = np.round(X[idx == k].mean(axis=0), 4)  # "to make them readable"
    return centroids


WRONG_CLOSEST["summed_differences"] = (closest_summed_differences, ["labels of the summed differences",
                                                                     "Square each difference"])
WRONG_CENTROIDS["rounded_to_four_decimals"] = (centroids_rounded, ["rows are wrong"])


# --- Found by a red team (2026-12-03): each passed the public test and lost points in the grader ------------


def closest_argsort_first(X, centroids):
    d = np.sum((X[:, None, :] - centroids[None, :, :]) ** 2, axis=2)
    return np.argsort(d, axis=1)[:, 0]


def closest_rounded_distances(X, centroids):
    d = np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2)
    return np.argmin(np.round(d, 2), axis=1)  # "two decimals are plenty"


def closest_argmin_without_axis(X, centroids):
    d = np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2)
    return np.argmin(d)


def closest_K_by_m_table_argmin_axis_1(X, centroids):
    distances = np.array([np.sum((X - c) ** 2, axis=1) for c in centroids])  # (K, m)
    return np.argmin(distances, axis=1)


def closest_scales_centroids_and_back(X, centroids):
    scale = max(np.abs(X).max(), np.abs(centroids).max())
    centroids /= scale  # in place: the learner's own array, changed and (almost) changed back
    d = ((X[:, None, :] / scale - centroids[None]) ** 2).sum(axis=2)
    centroids *= scale
    return np.argmin(d, axis=1)


def centroids_first_1000_of_each_cluster(X, idx, K):
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k][:1000]  # "enough points for a good estimate, and faster"
        if len(points):
            centroids[k] = points.mean(axis=0)
    return centroids


def _argsort_breaks_ties() -> bool:
    """Whether this machine's np.argsort puts another of several equal distances first on the
    judges' ties (numpy's AVX-512 sorts do, on these small rows): then argsort's first column is
    wrong, and both judges must say so; where it keeps these ties in order, both must pass it."""
    import public_tests
    from grading.hidden_tests.cases import _closest_exact_ties

    ties = [(case["X"], case["centroids"]) for case in public_tests._CLOSEST_CASES if case.get("ties")]
    for X, centroids in ties + _closest_exact_ties():
        d = ((X[:, None].astype(np.float64) - centroids[None]) ** 2).sum(axis=2)
        if not np.array_equal(np.argsort(d, axis=1)[:, 0], d.argmin(axis=1)):
            return True
    return False


if _argsort_breaks_ties():
    WRONG_CLOSEST["argsort_breaks_ties"] = (closest_argsort_first, ["exactly as far from two centroids",
                                                                    "kind='stable'"])
else:
    CORRECT_CLOSEST.append(closest_argsort_first)
WRONG_CLOSEST.update({
    "rounded_distances": (closest_rounded_distances, ["close calls", "without rounding them"]),
    "argmin_without_axis": (closest_argmin_without_axis, ["one number", "np.argmin(distances, axis=1)"]),
    "K_by_m_table_argmin_axis_1": (closest_K_by_m_table_argmin_axis_1, ["axis=0 of a (K, m) one"]),
    "scales_centroids_and_back": (closest_scales_centroids_and_back, ["changed its input `centroids` in place",
                                                                      "print alike but are not equal"]),
})
WRONG_CENTROIDS["first_1000_of_each_cluster"] = (centroids_first_1000_of_each_cluster, ["a cluster of 14,840"])


# --- from the second red team: prints that cost, and answers kept from an earlier call -----------------------


# Right, and vectorised, but it prints every example's distances: formatting 100,000 lines takes
# hundreds of times the reference's work, in the grader (which formats what it throws away) and in
# the public test's timing alike.
def closest_vectorised_printing_every_example(X, centroids):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    idx = np.argmin(d, axis=1)
    for i, k in enumerate(idx):
        print(i, k, d[i])
    return idx


# Right, and a Python loop over every example, with its answers kept by the bytes of X: a call on
# the same pixels again is instant. The grader times every run on inputs of their own, and the
# public test too, so both find it slow.
def closest_course_loop_with_kept_answers(X, centroids, kept={}):  # noqa: B006 - the store, on purpose
    key = (X.tobytes(), centroids.tobytes())
    if key not in kept:
        idx = np.zeros(X.shape[0], dtype=int)
        for i in range(X.shape[0]):
            idx[i] = np.argmin([np.sum((X[i] - c) ** 2) for c in centroids])
        kept.clear()
        kept[key] = idx
    return kept[key].copy()


CORRECT_CLOSEST += [closest_vectorised_printing_every_example, closest_course_loop_with_kept_answers]
SLOW_CLOSEST |= {closest_vectorised_printing_every_example, closest_course_loop_with_kept_answers}


# A running minimum started at a number larger than the old far case's distances (millions), but
# below the far case's 2.7e12 that both judges now share: both fail it.
def closest_fixed_start_ten_million(X, centroids):
    labels = []
    for x in X:
        best, best_j = 10_000_000, 0
        for j, c in enumerate(centroids):
            if np.sqrt(np.sum((x - c) ** 2)) < best:
                best, best_j = np.sqrt(np.sum((x - c) ** 2)), j
        labels.append(best_j)
    return np.array(labels)


def closest_vectorised_fixed_start_1e14_squared(X, centroids):
    best = np.full(X.shape[0], 1e14)
    idx = np.zeros(X.shape[0], dtype=int)
    for j in range(centroids.shape[0]):
        d = np.sum((X - centroids[j]) ** 2, axis=1)
        closer = d < best
        best[closer] = d[closer]
        idx[closer] = j
    return idx


WRONG_CLOSEST["fixed_start_ten_million"] = (closest_fixed_start_ten_million, ["a fixed number", "np.inf"])
WRONG_CLOSEST["vectorised_fixed_start_1e14_squared"] = (closest_vectorised_fixed_start_1e14_squared,
                                                        ["a fixed number", "np.inf"])


# The means of the first 10,000 examples only: the grader's largest test has 30,000, and so,
# nearly, has the public test's largest case.
def centroids_of_the_first_10000_examples(X, idx, K):
    X, idx = X[:10000], idx[:10000]
    centroids = np.zeros((K, X.shape[1]))
    for k in range(K):
        points = X[idx == k]
        if len(points):
            centroids[k] = points.mean(axis=0)
    return centroids


WRONG_CENTROIDS["first_10000_examples"] = (centroids_of_the_first_10000_examples, ["a cluster of 14,840"])


# --- mistakes whose messages named another cause (second red team) -------------------------------------------


def closest_in_float16(X, centroids):
    Xh, Ch = X.astype(np.float16), centroids.astype(np.float16)  # "half the memory"
    return np.argmin(((Xh[:, None] - Ch[None]) ** 2).sum(-1), axis=1)


def closest_rescales_the_pixels_only(X, centroids):
    if X.dtype == np.uint8:
        X = X / 255.0  # pixels to [0, 1], the centroids left as they are
    d = ((X[:, None] - centroids[None]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def closest_returns_labels_and_distances(X, centroids):
    d = np.linalg.norm(X[:, None] - centroids[None], axis=2)
    idx = np.argmin(d, axis=1)
    return idx, d.min(axis=1)


def centroids_K_from_the_labels(X, idx, K):
    K = idx.max() + 1  # "the number of clusters actually used"
    return np.array([X[idx == k].mean(axis=0) for k in range(K)])


def centroids_loop_over_the_features(X, idx, K):
    m, n = X.shape
    centroids = np.zeros((K, n))
    for k in range(X.shape[1]):
        centroids[k] = np.mean(X[idx == k], axis=0)
    return centroids


def centroids_sums_in_uint16(X, idx, K):
    accumulator = np.uint16 if X.dtype == np.uint8 else np.float64  # "wide enough for pixels"
    sums = np.zeros((K, X.shape[1]), dtype=accumulator)
    np.add.at(sums, idx, X.astype(accumulator))
    counts = np.bincount(idx, minlength=K)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def centroids_as_np_matrix(X, idx, K):
    onehot = np.asmatrix(np.eye(K)[idx])
    counts = onehot.sum(axis=0).T
    counts[counts == 0] = 1
    return (onehot.T * np.asmatrix(X, dtype=float)) / counts


WRONG_CLOSEST["in_float16"] = (closest_in_float16, ["float16", "65,504"])
WRONG_CLOSEST["rescales_the_pixels_only"] = (closest_rescales_the_pixels_only, ["nearest the origin", "same units"])
WRONG_CLOSEST["returns_labels_and_distances"] = (closest_returns_labels_and_distances, ["a tuple of 2 values",
                                                                                         "return idx alone"])
WRONG_CENTROIDS["K_from_the_labels"] = (centroids_K_from_the_labels, ["not from idx"])
WRONG_CENTROIDS["loop_over_the_features"] = (centroids_loop_over_the_features, ["n = X.shape[1]"])
WRONG_CENTROIDS["sums_in_uint16"] = (centroids_sums_in_uint16, ["wrapped around at 65,536"])
WRONG_CENTROIDS["as_np_matrix"] = (centroids_as_np_matrix, ["not a plain numpy array", "np.asarray"])


# The caller's arrays reshaped in place, in a way the function's next call cannot take: both judges
# call it again with the same array objects, which the first call left reshaped, and it fails.
def closest_centroids_reshaped_in_place(X, centroids):
    K, n = centroids.shape
    centroids.shape = (1, K, n)
    d = ((X[:, None, :] - centroids) ** 2).sum(axis=2)
    return np.argmin(d, axis=1)


def closest_X_reshaped_in_place(X, centroids):
    X.shape = (X.shape[0], 1, X.shape[1])
    d = np.sum((X - centroids) ** 2, axis=-1)
    return d.argmin(axis=1)


WRONG_CLOSEST["centroids_reshaped_in_place"] = (closest_centroids_reshaped_in_place, ["changed its input `centroids`",
                                                                                        "changes the caller's array"])
WRONG_CLOSEST["X_reshaped_in_place"] = (closest_X_reshaped_in_place, ["changed its input `X`",
                                                                        "changes the caller's array"])


# Right, and its second call on the same arrays is right too, though the first left idx reshaped:
# the grader cannot see it, so it passes both judges, and the public test's note says what it did.
def centroids_idx_reshaped_in_place(X, idx, K):
    idx.shape = (-1, 1)
    onehot = (idx == np.arange(K)).astype(float)
    counts = onehot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (onehot.T @ X) / counts[:, None]


CORRECT_CENTROIDS.append(centroids_idx_reshaped_in_place)
