"""Weighted K-means on a few million points of low dimension: assignment, Lloyd, initialisation.

Each point stands for many pixels (a distinct colour and its count, or a bin of colours and its
mean), so every step takes weights. Everything is vectorised over points; the only Python loops
run over chunks of points, over iterations and over the K centres of an initialisation.

How it is fast (the measurements behind each choice: docs/compress.md, "Why it is built this
way"):

- the nearest centre comes from ``argmin(|c|^2 - 2 x.c)``: one small matrix product per chunk
  of 4,096 points, whose ``(4096, K)`` float32 block stays in cache (a broadcast
  ``x[:, None] - c`` is much slower and needs ``n x K x 3`` memory);
- float32 is enough to pick the nearest centre (coordinates are at most 255, so the rounding
  error is about 0.02 in squared distance and only flips exact near-ties); the distance that is
  reported is recomputed from the difference to the chosen centre, which has no cancellation;
- centre updates are ``np.bincount`` with weights, one call a coordinate;
- large assignments are split between threads, one a core (:func:`quantize.threads.use_threads`): matrix
  products this small gain nothing from a multi-threaded BLAS, whose idle threads spin
  (``compress.py`` runs with one BLAS thread), but threads that each take a share of the rows do.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from quantize.threads import engine_threads

__all__ = ["nearest_centre", "two_nearest", "centre_means", "lloyd", "swap_search", "median_cut_centres",
           "kmeans_plus_plus"]

CHUNK_ROWS = 4096
_FLOAT64_MAX_K = 32  # up to this many centres, nearest_centre compares float64 distances


def nearest_centre(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of, and squared distance to, the nearest centre of each point.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float32 (other dtypes are converted).
    centres : numpy.ndarray
        ``(k, d)`` float, ``1 <= k``.

    Returns
    -------
    labels : numpy.ndarray
        ``(n,) intp`` in ``0 .. k-1``; ties go to the lowest index, up to float32 rounding.
    sq_dist : numpy.ndarray
        ``(n,) float32`` squared Euclidean distance to ``centres[labels]``.
    """
    points = np.asarray(points, dtype=np.float32)
    centres32 = np.asarray(centres, dtype=np.float32)
    # One product gives |c|^2 - 2 x.c: append a column of ones to x and a row |c|^2 to -2 c^T.
    weights = np.vstack([-2.0 * centres32.T, (centres32.astype(np.float64) ** 2).sum(1).astype(np.float32)])
    labels = np.empty(len(points), dtype=np.intp)

    # numpy's argmin over rows of a few float32 values is several times slower than over float64
    # ones (docs/compress.md, "Why it is built this way"), so for few centres the distances are
    # made in float64.
    if len(centres32) <= _FLOAT64_MAX_K:
        weights = weights.astype(np.float64)

    def assign(first: int, last: int) -> None:
        block = np.ones((CHUNK_ROWS, points.shape[1] + 1), dtype=weights.dtype)
        for start in range(first, last, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, last)
            block[:stop - start, :-1] = points[start:stop]
            labels[start:stop] = (block[:stop - start] @ weights).argmin(axis=1)

    # numpy releases the GIL in the product and in argmin, so threads share the rows: every row
    # is independent, hence the result is the same for any number of threads.
    workers = min(engine_threads(), len(points) // (8 * CHUNK_ROWS))
    if workers > 1:
        bounds = np.linspace(0, len(points), workers + 1).astype(int) // CHUNK_ROWS * CHUNK_ROWS
        bounds[-1] = len(points)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(assign, bounds[:-1], bounds[1:]))
    else:
        assign(0, len(points))
    diff = points - centres32[labels]
    return labels, np.einsum("ij,ij->i", diff, diff)


def two_nearest(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest centre of each point, and squared distances to the nearest and second nearest.

    The two candidates are picked with float32 products, as in :func:`nearest_centre` (so of two
    centres whose squared distances differ by less than about 0.1, either may be picked); their
    distances are then computed exactly, in float64, from the differences.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    centres : numpy.ndarray
        ``(k, d)`` float, ``k >= 2``.

    Returns
    -------
    labels : numpy.ndarray
        ``(n,) intp``.
    first, second : numpy.ndarray
        ``(n,) float64`` squared distances to the nearest and the second nearest centre.
    """
    points = np.asarray(points, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    centres32 = centres.astype(np.float32)
    weights = np.vstack([-2.0 * centres32.T, (centres**2).sum(1).astype(np.float32)])
    labels = np.empty(len(points), dtype=np.intp)
    runner_up = np.empty(len(points), dtype=np.intp)
    block = np.ones((CHUNK_ROWS, points.shape[1] + 1), dtype=np.float32)
    for start in range(0, len(points), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(points))
        block[:stop - start, :-1] = points[start:stop]
        dist = block[:stop - start] @ weights
        pick = dist.argmin(axis=1)
        labels[start:stop] = pick
        dist[np.arange(stop - start), pick] = np.inf
        runner_up[start:stop] = dist.argmin(axis=1)
    first = ((points - centres[labels]) ** 2).sum(1)
    second = ((points - centres[runner_up]) ** 2).sum(1)
    return labels, first, second


def centre_means(points: np.ndarray, weights: np.ndarray, labels: np.ndarray,
                 k: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of the points given to each of ``k`` centres.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    weights : numpy.ndarray
        ``(n,)`` non-negative float.
    labels : numpy.ndarray
        ``(n,)`` integers in ``0 .. k-1``.
    k : int
        Number of centres.

    Returns
    -------
    means : numpy.ndarray
        ``(k, d) float64``; rows of empty centres are NaN, for the caller to refill.
    totals : numpy.ndarray
        ``(k,) float64`` total weight given to each centre.
    """
    totals = np.bincount(labels, weights=weights, minlength=k)
    sums = np.stack([np.bincount(labels, weights=weights * points[:, j], minlength=k)
                     for j in range(points.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals[:, None], totals


def lloyd(points: np.ndarray, weights: np.ndarray, centres: np.ndarray, max_iter: int = 100,
          tol: float = 1e-4) -> tuple[np.ndarray, float]:
    """Weighted Lloyd iterations: assign each point to its nearest centre, move centres to means.

    An empty centre is moved to the point that contributes most to the error and is not yet a
    centre, so that all ``k`` centres stay in use.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    weights : numpy.ndarray
        ``(n,)`` positive float.
    centres : numpy.ndarray
        ``(k, d)`` float: the starting centres.
    max_iter : int, optional
        At most this many assignment steps (at least 1).
    tol : float, optional
        Stop when an iteration lowers the weighted sum of squared distances by less than this
        fraction of it.

    Returns
    -------
    centres : numpy.ndarray
        ``(k, d) float64``, the means of the last assignment (which lowers the error further).
    sse : float
        Weighted sum of squared distances at the last assignment (an upper bound for the
        returned centres).
    """
    points32 = np.asarray(points, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float64)
    centres = np.array(centres, dtype=np.float64)
    previous = np.inf
    for _ in range(max(1, max_iter)):
        labels, sq_dist = nearest_centre(points32, centres)
        cost = weights * sq_dist
        sse = float(cost.sum())
        means, totals = centre_means(points32, weights, labels, len(centres))
        empty = np.flatnonzero(totals == 0)
        centres = np.where(totals[:, None] > 0, means, centres)
        if len(empty):
            # Worst points first; a point already sitting on a centre has zero cost and is last.
            worst = np.argsort(-cost, kind="stable")[: len(empty)]
            centres[empty[: len(worst)]] = points32[worst]
            previous = np.inf
            continue
        if previous - sse <= tol * sse:
            break
        previous = sse
    return centres, sse


def swap_search(points: np.ndarray, weights: np.ndarray, centres: np.ndarray, sse: float, trials: int,
                rng: np.random.Generator, max_iter: int = 100, probe_iter: int = 100) -> tuple[np.ndarray, float]:
    """Escape Lloyd's local minimum: move the least useful centre elsewhere, keep it if better.

    Each trial removes the centre whose points would cost least to give to their second nearest
    centre, puts it on a point drawn with probability proportional to its weighted error without
    that centre (as k-means++ does), runs a few Lloyd iterations from there (the probe) and, if
    the error is already lower, runs Lloyd on to convergence and keeps the result: a swap
    heuristic of the kind of Kanungo et al. (2004), which lowers the error where Lloyd alone is
    stuck. Most trials fail, and the probe makes a failed trial cheap.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    weights : numpy.ndarray
        ``(n,)`` positive float.
    centres : numpy.ndarray
        ``(k, d)`` float, ``k >= 2``: a Lloyd fixed point.
    sse : float
        Its weighted sum of squared distances.
    trials : int
        Number of swaps tried.
    rng : numpy.random.Generator
        Draws the new positions.
    max_iter : int, optional
        Lloyd iterations after a swap that the probe kept.
    probe_iter : int, optional
        Lloyd iterations of the probe after each swap.

    Returns
    -------
    centres : numpy.ndarray
        ``(k, d) float64``, the best found.
    sse : float
        Its error.
    """
    centres = np.array(centres, dtype=np.float64)
    for _ in range(trials):
        labels, first, second = two_nearest(points, centres)
        loss = np.bincount(labels, weights=weights * (second - first), minlength=len(centres))
        drop = int(np.argmin(loss))
        cost = weights * np.where(labels == drop, second, first)
        if cost.sum() <= 0:
            break
        trial = centres.copy()
        trial[drop] = points[rng.choice(len(points), p=cost / cost.sum())]
        moved, moved_sse = lloyd(points, weights, trial, max_iter=probe_iter)
        if moved_sse < sse:
            centres, sse = lloyd(points, weights, moved, max_iter=max_iter)
    return centres, sse


def median_cut_centres(points: np.ndarray, weights: np.ndarray, k: int, principal_axis: bool = True) -> np.ndarray:
    """Up to ``k`` centres by variance-based median cut: split the worst box until there are k.

    The box with the largest weighted sum of squared deviations is split, along the direction in
    which it varies most, at the position that leaves the smallest total error in its two halves
    (found exactly from cumulative sums over the sorted points). The centres are the boxes' means.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    weights : numpy.ndarray
        ``(n,)`` positive float.
    k : int
        Number of boxes wanted, ``k >= 1``.
    principal_axis : bool, optional
        Split along the principal axis of the box (default) or along the coordinate axis of
        largest variance.

    Returns
    -------
    numpy.ndarray
        ``(m, d) float64`` with ``m <= k`` (fewer when fewer distinct points can be split).
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    boxes = [np.arange(len(points))]
    errors = [_box_error(points, weights, boxes[0])]
    while len(boxes) < k:
        worst = int(np.argmax(errors))
        if errors[worst] <= 0:
            break  # every box holds a single colour
        members = boxes[worst]
        x, w = points[members], weights[members]
        centred = x - (w @ x) / w.sum()
        if principal_axis:
            scatter = (centred * w[:, None]).T @ centred
            direction = np.linalg.eigh(scatter)[1][:, -1]
        else:
            direction = np.eye(x.shape[1])[np.argmax(w @ centred**2)]
        order = np.argsort(centred @ direction, kind="stable")
        w_sorted, centred = w[order], centred[order]
        cum_w = np.cumsum(w_sorted)[:-1]
        cum_s = np.cumsum(w_sorted[:, None] * centred, axis=0)[:-1]
        # Splitting after position i leaves SSE = total - |S1|^2/W1 - |S2|^2/W2, and S2 = -S1
        # about the box mean; maximise the between-halves term |S1|^2 (1/W1 + 1/W2).
        between = (cum_s**2).sum(1)
        gain = between * (1.0 / cum_w + 1.0 / (w.sum() - cum_w))
        cut = int(np.argmax(gain)) + 1
        # Each half's error from the same sums: its weighted squares less |S|^2 / W about its mean.
        squares = w_sorted @ (centred**2).sum(1)
        left_squares = float(w_sorted[:cut] @ (centred[:cut] ** 2).sum(1))
        halves = [(cut, left_squares - between[cut - 1] / cum_w[cut - 1]),
                  (len(order) - cut, squares - left_squares - between[cut - 1] / (w.sum() - cum_w[cut - 1]))]
        # A single point has no error; rounding must not make it look splittable.
        left_error, right_error = (max(0.0, float(error)) if size > 1 else 0.0 for size, error in halves)
        boxes[worst], errors[worst] = members[order[:cut]], left_error
        boxes.append(members[order[cut:]])
        errors.append(right_error)
    return np.array([(weights[b] @ points[b]) / weights[b].sum() for b in boxes])


def _box_error(points: np.ndarray, weights: np.ndarray, members: np.ndarray) -> float:
    """Weighted sum of squared deviations of ``points[members]`` from their weighted mean."""
    x, w = points[members], weights[members]
    centred = x - (w @ x) / w.sum()
    return float(w @ (centred**2).sum(1))


def kmeans_plus_plus(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator,
                     trials: int | None = None) -> np.ndarray:
    """``k`` centres by greedy weighted k-means++ (as scikit-learn's ``kmeans_plusplus``).

    Each new centre is the best, by the resulting weighted error, of ``trials`` points drawn with
    probability proportional to weight times squared distance to the nearest centre so far.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float, ``n >= k``.
    weights : numpy.ndarray
        ``(n,)`` positive float.
    k : int
        Number of centres.
    rng : numpy.random.Generator
        The source of every random choice.
    trials : int, optional
        Candidates per centre; default ``2 + int(log(k))``.

    Returns
    -------
    numpy.ndarray
        ``(k, d) float64``.
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    trials = trials or 2 + int(np.log(k))
    first = rng.choice(len(points), p=weights / weights.sum())
    chosen = [first]
    closest = ((points - points[first]) ** 2).sum(1)
    for _ in range(1, k):
        potential = np.cumsum(weights * closest)
        if potential[-1] <= 0:
            break  # every point is already a centre
        candidates = np.searchsorted(potential, rng.random(trials) * potential[-1], side="right")
        candidates = np.minimum(candidates, len(points) - 1)
        distances = np.minimum(closest, ((points[None, :, :] - points[candidates, None, :]) ** 2).sum(2))
        best = int(np.argmin(distances @ weights))
        chosen.append(candidates[best])
        closest = distances[best]
    centres = points[chosen]
    if len(centres) < k:
        centres = np.vstack([centres, np.repeat(centres[:1], k - len(centres), axis=0)])
    return centres
