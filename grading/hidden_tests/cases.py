"""The hidden tests: what each graded function is tested on, beyond the public tests.

Never released (:mod:`grading.release.leaks` checks), never sent to the learner's process: only each case's
inputs are. Expected answers are not written here: the grader computes them from the reference
solution in the source notebook's solution regions, so the notebook stays the one source of truth.

Each test has one or more cases (argument tuples) and passes when every case passes; its share of
the function's points (``grading.settings.POINTS``) is proportional to its weight. How a case is
judged is named by ``check`` and implemented in :mod:`grading.hidden_tests.checks`:

``labels``
    ``find_closest_centroids``: integer labels of shape (m,); a label may differ from the
    reference's only where the two centroids are equally far, to the inputs' precision.
``lowest_index``
    ``find_closest_centroids`` on exact ties: the labels must equal the reference's (lowest index).
``centroids``
    ``compute_centroids``: float (K, n); rows of non-empty clusters equal the reference's, to the
    inputs' precision; rows of empty clusters are not checked.
``unchanged``
    the result must be right and the array arguments unchanged afterwards.
``speed``
    the result must be right, in at most ``SPEED_MAX_RATIO`` times the reference's time. Its
    :data:`SPEED_CASES` cases are drawn alike and each timed run gets a new one, judged like the
    first: a function cannot pass by remembering an earlier answer.

Every input of the correctness tests comes from a generator seeded by the test and by
``settings.HIDDEN_TEST_SEED``, so every submission, and every run, sees the same inputs; an
instructor whose learners could read this file in the project's public repository changes that
number. The speed tests' inputs are drawn anew on every grading run, from a secret seed: a learner
who knew them could compute the answers while the graded cells are defined, off the clock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable

import numpy as np

from grading import settings

__all__ = ["HiddenTest", "HIDDEN_TESTS", "SPEED_CASES", "tests_for"]

SPEED_CASES = 7  # the most timed runs of a speed test: each on inputs of its own
# Few centroids: the reference's time grows with K and a Python loop over every pixel's hardly does,
# so a small K keeps the loops far from the vectorised styles (at K = 16 the fastest pixel loop was
# 21 times the reference and the slowest vectorised style 11; at K = 4, 42 and 7).
SPEED_K = 4


@dataclass(frozen=True)
class HiddenTest:
    """One hidden test.

    Attributes
    ----------
    id : str
        Stable identifier, ``"<function>/<name>"``.
    function : str
        The graded function it calls.
    title : str
        What it tests, as the learner reads it in the feedback.
    check : str
        How each case is judged (see the module docstring).
    make_cases : callable
        ``() -> list of tuple``: the arguments of each case, made afresh (seeded) on each call.
    weight : float
        Its share of the function's points, relative to the function's other tests.
    """

    id: str
    function: str
    title: str
    check: str
    make_cases: Callable[[], list[tuple]]
    weight: float = 1.0


CLOSEST = "find_closest_centroids"
CENTROIDS = "compute_centroids"


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([settings.HIDDEN_TEST_SEED, seed])


def _secret_rng() -> np.random.Generator:
    return np.random.default_rng(secrets.randbits(128))


def _blobs(seed: int, m: int, n: int, K: int, dtype=np.float64, scale: float = 10.0):
    """m examples around K random centres, and K centroids near (not at) those centres."""
    rng = _rng(seed)
    centres = rng.uniform(0, scale, size=(K, n))
    X = centres[rng.integers(0, K, size=m)] + rng.normal(0, scale / (2 * K ** (1 / n) + 2), size=(m, n))
    centroids = centres + rng.normal(0, scale / 20, size=(K, n))
    return X.astype(dtype), centroids.astype(dtype)


def _pixels(seed: int, m: int, K: int, centroid_dtype=np.float64):
    """uint8 RGB pixels, clustered like a photo's colours, and K float centroids.

    Centroids are never uint8: the notebook's contract is any numeric dtype for X, while its
    centroids are means (floats); most correct solutions convert X and would wrap on uint8 centroids.
    """
    rng = _rng(seed)
    palette = rng.integers(0, 256, size=(K, 3))
    X = np.clip(palette[rng.integers(0, K, size=m)] + rng.normal(0, 24, size=(m, 3)), 0, 255).astype(np.uint8)
    return X, rng.uniform(0, 255, size=(K, 3)).astype(centroid_dtype)


def _labelled(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Each example's nearest centroid (brute force): realistic idx for compute_centroids."""
    Xf = X.astype(np.float64)
    return np.argmin(((Xf[:, None, :] - centroids[None].astype(np.float64)) ** 2).sum(axis=2), axis=1)


# --- find_closest_centroids -----------------------------------------------------------------------


def _closest_plane():
    return [_blobs(11, m=500, n=2, K=3)]


def _closest_one_feature():
    return [_blobs(12, m=300, n=1, K=7)]


def _closest_five_features():
    return [_blobs(13, m=2000, n=5, K=20)]


def _closest_edge_sizes():
    X1, C1 = _blobs(14, m=50, n=2, K=1)  # a single centroid
    lone_point = np.array([[7.5, -2.0, 3.25]])  # m = 1, nearest to centroid 4 of 6
    C2 = np.array([[0.0, 0, 0], [1, 1, 1], [9, 9, 9], [-5, 0, 4], [7, -1, 3], [8, -3, 2.5]])
    X3, C3 = _blobs(15, m=5, n=2, K=12)  # more centroids than examples
    # Every example millions away from every centroid: a running minimum started at a fixed
    # number (999, 1e6, 1e9 ...) is never beaten.
    X4, C4 = _blobs(23, m=200, n=3, K=6, scale=1e8)
    # public_tests.py's far case, whose farthest example is 2.7e12 from its nearest centroid: the
    # farthest of both judges, so that a start below it fails both and one above passes both.
    X5 = np.array([[1.4, 0.6], [4.3, 1.5], [3.5, 5.2], [0.6, 1.8], [5.7, 0.3], [2.4, 6.9], [3.1, 2.9]]) * 1e12
    C5 = np.array([[1.0, 1.0], [5.0, 1.0], [3.0, 6.0]]) * 1e12
    return [(X1, C1), (lone_point, C2), (X3, C3), (X4, C4), (X5, C5)]


def _closest_uint8_pixels():
    return [_pixels(16, m=30_000, K=16)]


def _closest_uint8_float32():
    return [_pixels(17, m=5000, K=20, centroid_dtype=np.float32)]


def _closest_float32():
    return [_blobs(18, m=3000, n=4, K=9, dtype=np.float32, scale=1.0)]


def _closest_exact_ties():
    grid = np.array([[x, y] for x in range(-1, 6) for y in range(-1, 6)], dtype=np.float64)
    square = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    repeated = np.array([[1.0, 1.0], [5.0, 5.0], [1.0, 1.0], [5.0, 5.0], [9.0, 1.0]])  # rows 2, 3 repeat 0, 1
    rng = _rng(19)
    X = rng.integers(0, 11, size=(60, 2)).astype(np.float64)
    cube = np.array([[0, 0, 0], [2, 2, 2], [0, 2, 0], [2, 0, 2]], dtype=np.uint8)
    X_cube = np.array([[1, 1, 1], [1, 1, 0], [0, 1, 1], [1, 2, 1], [2, 1, 2], [1, 0, 1]], dtype=np.uint8)
    return [(grid, square), (X, repeated), (X_cube, cube.astype(np.float64))]


def _closest_unchanged():
    return [_blobs(20, m=200, n=3, K=5), _pixels(21, m=200, K=5), _blobs(22, m=200, n=2, K=4, dtype=np.float32)]


def _closest_speed():
    rng = _secret_rng()
    cases = []
    for _ in range(SPEED_CASES):
        X = rng.random((100_000, 3))  # a photo's pixels as the notebook has them: floats in [0, 1]
        cases.append((X, X[rng.choice(len(X), size=SPEED_K, replace=False)].copy()))
    return cases


# --- compute_centroids ----------------------------------------------------------------------------


def _with_labels(X, centroids):
    return X, _labelled(X, centroids), len(centroids)


def _centroids_plane():
    return [_with_labels(*_blobs(31, m=500, n=2, K=3))]


def _centroids_one_feature():
    return [_with_labels(*_blobs(32, m=300, n=1, K=6))]


def _centroids_five_features():
    X, _ = _blobs(33, m=2000, n=5, K=20)
    return [(X, _rng(33).integers(0, 20, size=2000), 20)]


def _centroids_edge_sizes():
    X1, _ = _blobs(34, m=40, n=3, K=1)
    return [(X1, np.zeros(40, dtype=np.int64), 1), (np.array([[2.5, -1.0]]), np.array([0]), 1)]


def _centroids_uint8_pixels():
    return [_with_labels(*_pixels(35, m=30_000, K=16))]


def _centroids_float32():
    return [_with_labels(*_blobs(36, m=3000, n=4, K=9, dtype=np.float32, scale=1.0))]


def _centroids_singletons():
    rng = _rng(37)
    X = rng.normal(0, 5, size=(60, 3))
    idx = np.concatenate([rng.integers(0, 4, size=56), [4, 5, 6, 7]])  # clusters 4 to 7: one example each
    order = rng.permutation(60)
    return [(X[order], idx[order], 8)]


def _centroids_empty():
    rng = _rng(38)
    X = rng.uniform(-3, 3, size=(400, 2))
    idx = rng.choice([0, 1, 3, 4, 6], size=400)  # clusters 2, 5 and the last three (7 to 9) are empty
    return [(X, idx, 10)]


def _centroids_unchanged():
    X, C = _pixels(39, m=300, K=5)
    X2, C2 = _blobs(40, m=300, n=3, K=4, dtype=np.float32)
    return [_with_labels(*_blobs(41, m=300, n=2, K=4)), (X, _labelled(X, C), 5), (X2, _labelled(X2, C2), 4)]


def _centroids_speed():
    rng = _secret_rng()
    return [(rng.random((100_000, 3)), rng.integers(0, SPEED_K, size=100_000), SPEED_K) for _ in range(SPEED_CASES)]


HIDDEN_TESTS = (
    HiddenTest(f"{CLOSEST}/plane", CLOSEST, "500 examples in the plane (n = 2), K = 3", "labels", _closest_plane),
    HiddenTest(f"{CLOSEST}/one-feature", CLOSEST, "one feature per example (n = 1), K = 7", "labels", _closest_one_feature),
    HiddenTest(f"{CLOSEST}/five-features", CLOSEST, "2,000 examples with n = 5 features, K = 20", "labels", _closest_five_features),
    HiddenTest(f"{CLOSEST}/edge-sizes", CLOSEST, "edge sizes: K = 1; a single example; more centroids than examples; examples far from every centroid",
               "labels", _closest_edge_sizes),
    HiddenTest(f"{CLOSEST}/uint8-pixels", CLOSEST, "30,000 uint8 RGB pixels, float centroids, K = 16", "labels", _closest_uint8_pixels),
    HiddenTest(f"{CLOSEST}/uint8-float32", CLOSEST, "5,000 uint8 pixels with float32 centroids, K = 20", "labels",
               _closest_uint8_float32),
    HiddenTest(f"{CLOSEST}/float32", CLOSEST, "float32 examples and centroids, n = 4, K = 9", "labels", _closest_float32),
    HiddenTest(f"{CLOSEST}/exact-ties", CLOSEST, "exact ties on a grid and with repeated centroids: lowest index wins",
               "lowest_index", _closest_exact_ties),
    HiddenTest(f"{CLOSEST}/unchanged", CLOSEST, "X and centroids unchanged after the call (float64, uint8, float32)",
               "unchanged", _closest_unchanged),
    HiddenTest(f"{CLOSEST}/speed", CLOSEST, f"speed on 100,000 pixels x 3 channels, K = {SPEED_K}", "speed", _closest_speed),
    HiddenTest(f"{CENTROIDS}/plane", CENTROIDS, "500 labelled examples in the plane (n = 2), K = 3", "centroids", _centroids_plane),
    HiddenTest(f"{CENTROIDS}/one-feature", CENTROIDS, "one feature per labelled example (n = 1), K = 6", "centroids",
               _centroids_one_feature),
    HiddenTest(f"{CENTROIDS}/five-features", CENTROIDS, "2,000 labelled examples with n = 5 features, K = 20", "centroids",
               _centroids_five_features),
    HiddenTest(f"{CENTROIDS}/edge-sizes", CENTROIDS, "edge sizes: K = 1 with 40 examples; a single example", "centroids",
               _centroids_edge_sizes),
    HiddenTest(f"{CENTROIDS}/uint8-pixels", CENTROIDS, "30,000 labelled uint8 RGB pixels, K = 16", "centroids",
               _centroids_uint8_pixels),
    HiddenTest(f"{CENTROIDS}/float32", CENTROIDS, "float32 labelled examples, n = 4, K = 9", "centroids", _centroids_float32),
    HiddenTest(f"{CENTROIDS}/singletons", CENTROIDS, "four clusters of a single example among larger ones, K = 8", "centroids",
               _centroids_singletons),
    HiddenTest(f"{CENTROIDS}/empty", CENTROIDS, "empty clusters in the middle and at the end (K = 10, labels up to 6)",
               "centroids", _centroids_empty),
    HiddenTest(f"{CENTROIDS}/unchanged", CENTROIDS, "X and idx unchanged after the call (float64, uint8, float32)",
               "unchanged", _centroids_unchanged),
    HiddenTest(f"{CENTROIDS}/speed", CENTROIDS, f"speed on 100,000 labelled pixels x 3 channels, K = {SPEED_K}", "speed",
               _centroids_speed),
)


def tests_for(function: str) -> list[HiddenTest]:
    """The hidden tests of one graded function, in the order they run (speed last: it is the slowest)."""
    return [test for test in HIDDEN_TESTS if test.function == function]
