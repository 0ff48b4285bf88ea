"""Measuring K-means for the notebook's Going further: against scikit-learn, in time, in memory.

- :func:`agreement`: how closely two K-means results on the same pixels agree.
- :func:`race_assignment`: the assignment step three ways, timed on the same pixels.
- :func:`assignment_memory`: the peak memory of three ways to compute the assignment.

The ways of computing the assignment that these time and measure live inside them and give back
only seconds and bytes: nothing in this module answers an exercise.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

__all__ = ["Agreement", "agreement", "assignment_memory", "best_wall_seconds", "distortion", "race_assignment", "worst_square"]


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


def best_wall_seconds(function, args, repeat: int, enough: float = np.inf) -> float:
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

    A Python loop over the examples and, inside it, over the centroids runs on ``loop_sample``
    examples only, and its time is scaled to all of ``X`` (it grows with their number); the
    learner's function and scikit-learn's ``pairwise_distances_argmin`` run on all of ``X``, best of
    three.
    """
    from sklearn.metrics import pairwise_distances_argmin

    def double_loop(examples, centres):
        for x in examples:
            best = np.inf
            for c in centres:
                best = min(best, np.sum((x - c) ** 2))

    sample = X[np.random.default_rng(seed).choice(len(X), size=min(loop_sample, len(X)), replace=False)]
    loop = best_wall_seconds(double_loop, (sample, centroids), 1) * len(X) / len(sample)
    return [
        (f"a Python loop over examples and centroids ({len(sample):,} pixels, scaled to {len(X):,})", loop),
        ("your find_closest_centroids", best_wall_seconds(find_closest_centroids, (X, centroids), 3, enough=1.0)),
        ("scikit-learn's pairwise_distances_argmin", best_wall_seconds(pairwise_distances_argmin, (X, centroids), 3)),
    ]


def assignment_memory(X: np.ndarray, centroids: np.ndarray, rows: int = 16_384) -> list[tuple[str, int]]:
    """Peak bytes numpy allocates for the distances of the assignment, three ways: ``[(label, bytes)]``.

    Each way computes what the argmin would be taken of, and lets it go: the ``(m, K, n)``
    differences of a broadcast and their squares' sums, the ``(m, K)`` table of
    ``||c||^2 - 2 x.c`` (``||x||^2`` cannot change the argmin), and the same table ``rows`` rows at
    a time. Measured with ``tracemalloc``, which sees numpy's allocations: the same inputs give the
    same figures on every run.
    """
    m, K, n = len(X), len(centroids), X.shape[1]
    lengths = (centroids * centroids).sum(axis=1)

    def broadcast():
        np.sum((X[:, None, :] - centroids[None, :, :]) ** 2, axis=2)

    def table(block=m):
        for start in range(0, m, block):
            lengths - 2.0 * (X[start:start + block] @ centroids.T)

    ways = [(f"broadcast: an ({m:,}, {K}, {n}) array of differences", broadcast),
            (f"identity: one ({m:,}, {K}) table, ||c||^2 - 2 x.c", table),
            (f"identity, {rows:,} rows at a time", lambda: table(rows))]
    peaks = []
    for label, way in ways:
        tracemalloc.start()
        way()
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
