"""Measuring K-means for the notebook's Going further: against scikit-learn, in time, in memory.

- :func:`agreement`: how closely two K-means results on the same pixels agree.
- :func:`race_assignment`: the assignment step three ways, timed on the same pixels.
- :func:`assignment_memory`: the peak memory of three ways to compute the assignment.

The three assignment functions here (:func:`double_loop_assignment`, :func:`broadcast_assignment`,
:func:`chunked_assignment`) are yardsticks, not exercises: the notebook's exercises are graded
from the learner's own cells, where this module cannot be imported.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

__all__ = ["Agreement", "agreement", "assignment_memory", "best_seconds", "broadcast_assignment", "chunked_assignment",
           "distortion", "double_loop_assignment", "race_assignment", "worst_square"]


@dataclass(frozen=True)
class Agreement:
    """Two K-means results on the same pixels, compared; ``str()`` says it in three lines."""

    pixels: int
    same_labels: int
    largest_centroid_difference: float
    distortion_a: float
    distortion_b: float
    tolerance: float

    def __str__(self) -> str:
        close = ("agree to within" if self.largest_centroid_difference <= self.tolerance else "differ by more than")
        return "\n".join([
            f"labels:     {self.same_labels:,} of {self.pixels:,} pixels in the same cluster",
            f"centroids:  {close} {self.tolerance:g} in every coordinate",
            f"distortion: J = {self.distortion_a:.8f} (yours), {self.distortion_b:.8f} (scikit-learn)",
        ])


def distortion(X: np.ndarray, centroids: np.ndarray, idx: np.ndarray) -> float:
    """J, the mean squared distance from each example to its centroid: ``(m, n)``, ``(K, n)``, ``(m,)`` in."""
    return float(np.mean(np.sum((X - centroids[idx]) ** 2, axis=1)))


def agreement(X: np.ndarray, centroids_a: np.ndarray, idx_a: np.ndarray, centroids_b: np.ndarray,
              idx_b: np.ndarray, tolerance: float = 1e-9) -> Agreement:
    """Compare two K-means results on the same examples (the same starting centroids, so the same order).

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, n)`` float: the examples both ran on.
    centroids_a, centroids_b : numpy.ndarray
        ``(K, n)`` float: their centroids.
    idx_a, idx_b : numpy.ndarray
        ``(m,)`` int: their labels.
    tolerance : float
        The largest difference between centroids still called agreement.
    """
    return Agreement(len(X), int(np.sum(np.asarray(idx_a) == np.asarray(idx_b))),
                     float(np.max(np.abs(np.asarray(centroids_a) - np.asarray(centroids_b)))),
                     distortion(X, np.asarray(centroids_a), np.asarray(idx_a)),
                     distortion(X, np.asarray(centroids_b), np.asarray(idx_b)), tolerance)


def double_loop_assignment(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest centroid by a Python loop over the examples and one over the centroids: ``(m,)`` int."""
    idx = np.zeros(len(X), dtype=np.intp)
    for i in range(len(X)):
        best = np.inf
        for k in range(len(centroids)):
            d = np.sum((X[i] - centroids[k]) ** 2)
            if d < best:
                best, idx[i] = d, k
    return idx


def broadcast_assignment(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest centroid through an ``(m, K, n)`` array of differences: short to write, large in memory."""
    return np.argmin(np.sum((X[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1)


def chunked_assignment(X: np.ndarray, centroids: np.ndarray, rows: int = 16_384) -> np.ndarray:
    """Nearest centroid by ``||c||^2 - 2 x.c`` (``||x||^2`` cannot change the argmin), a block of rows at a time."""
    lengths = (centroids * centroids).sum(axis=1)
    idx = np.empty(len(X), dtype=np.intp)
    for start in range(0, len(X), rows):
        idx[start:start + rows] = (lengths - 2.0 * (X[start:start + rows] @ centroids.T)).argmin(axis=1)
    return idx


def best_seconds(function, args, repeat: int, enough: float = np.inf) -> float:
    """The best of ``repeat`` calls, or of fewer once one has taken ``enough`` seconds."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
        if best >= enough:
            break
    return best


def race_assignment(find_closest_centroids, X: np.ndarray, centroids: np.ndarray, loop_sample: int = 2_000,
                    seed: int = 0) -> list[tuple[str, float]]:
    """The assignment step three ways on the same pixels: ``[(label, seconds for all of X)]``, slowest first.

    The double loop runs on ``loop_sample`` examples only, and its time is scaled to all of ``X``
    (it grows with their number); the learner's function and scikit-learn's
    ``pairwise_distances_argmin`` run on all of ``X``, best of three.
    """
    from sklearn.metrics import pairwise_distances_argmin

    sample = X[np.random.default_rng(seed).choice(len(X), size=min(loop_sample, len(X)), replace=False)]
    loop = best_seconds(double_loop_assignment, (sample, centroids), 1) * len(X) / len(sample)
    return [
        (f"a Python loop over examples and centroids ({len(sample):,} pixels, scaled to {len(X):,})", loop),
        ("your find_closest_centroids", best_seconds(find_closest_centroids, (X, centroids), 3, enough=1.0)),
        ("scikit-learn's pairwise_distances_argmin", best_seconds(pairwise_distances_argmin, (X, centroids), 3)),
    ]


def assignment_memory(X: np.ndarray, centroids: np.ndarray) -> list[tuple[str, int]]:
    """Peak bytes numpy allocates for the assignment three ways: ``[(label, bytes)]``.

    Measured with ``tracemalloc``, which sees numpy's allocations: the same inputs give the same
    figures on every run.
    """
    m, K, n = len(X), len(centroids), X.shape[1]
    ways = [(f"broadcast: an ({m:,}, {K}, {n}) array of differences", broadcast_assignment),
            (f"identity: one ({m:,}, {K}) table, ||c||^2 - 2 x.c", lambda X, C: chunked_assignment(X, C, rows=len(X))),
            ("identity, 16,384 rows at a time", chunked_assignment)]
    peaks = []
    for label, function in ways:
        tracemalloc.start()
        function(X, centroids)
        peaks.append((label, tracemalloc.get_traced_memory()[1]))
        tracemalloc.stop()
    return peaks


def worst_square(image: np.ndarray, compressed: np.ndarray, size: int) -> tuple[int, int, int]:
    """The ``size`` x ``size`` square of the image where quantisation costs most: ``(top, left, size)``.

    The squared error of every pixel (summed over R, G, B) is added up over every square at once,
    with a summed-area table (two cumulative sums), and the largest total wins (the first, on a tie).

    Parameters
    ----------
    image, compressed : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1], ``H, W >= size``.
    size : int
    """
    error = np.sum((np.asarray(image, float) - np.asarray(compressed, float)) ** 2, axis=2)
    table = np.zeros((error.shape[0] + 1, error.shape[1] + 1))
    table[1:, 1:] = error.cumsum(axis=0).cumsum(axis=1)
    totals = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    top, left = np.unravel_index(int(np.argmax(totals)), totals.shape)
    return int(top), int(left), size
