"""Fewer palette entries where the error is already too small to see: each one removed costs bytes no more.

K-means with K entries spends all K, even where the image has only a few more colours than K and
the K-entry palette is all but exact: an icon of 357 colours at K = 256 comes out at 84 dB, an
error of one level in one channel value in about 30,000. No viewer sees the difference between
that and 78 dB, but every entry costs four bytes of palette and makes the indices less
compressible. pngquant stops adding entries at an error target of its own, on such an icon at
188 entries and 76 dB; :func:`prune_palette` does the same after the fit, with a stricter target.

It takes the entries away one at a time, each time the one whose colours move to their next
nearest entry at the least cost, while the total error stays within a budget and no colour
lands further than a given distance from its new entry: the budget is a mean over the pixels,
and on a large image it would otherwise let one pixel of a rare colour move 80 levels. The
entries that stay are not moved, so every kept colour is exactly what the fit chose, and the
error is exact.
"""

from __future__ import annotations

import numpy as np

__all__ = ["prune_palette"]

CHUNK_ROWS = 4096


def _nearest(points: np.ndarray, entries: np.ndarray, alive: np.ndarray,
             besides: np.ndarray | None = None) -> np.ndarray:
    """Index of each point's nearest alive entry other than ``besides`` (one index a point, or none): ``(n,) intp``."""
    squares = (entries**2).sum(1)
    squares[~alive] = np.inf
    nearest = np.empty(len(points), dtype=np.intp)
    for start in range(0, len(points), CHUNK_ROWS):
        block = points[start:start + CHUNK_ROWS]
        # |p - e|^2 less the |p|^2 that all entries share, in float64: only exact ties are ties.
        dist = squares - 2.0 * (block @ entries.T)
        if besides is not None:
            dist[np.arange(len(block)), besides[start:start + CHUNK_ROWS]] = np.inf
        nearest[start:start + len(block)] = dist.argmin(axis=1)
    return nearest


def prune_palette(points: np.ndarray, weights: np.ndarray, entries: np.ndarray, max_sse: float,
                  max_move: float = np.inf, fixed: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """The entries to keep when the cheapest are removed, one at a time, while the error stays at most ``max_sse``.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, C) float64`` the colours, in the space the error is measured in.
    weights : numpy.ndarray
        ``(n,) float64`` their pixel counts.
    entries : numpy.ndarray
        ``(k, C) float64`` palette entries in the same space, ``k >= 1``.
    max_sse : float
        The most ``sum(weights * |points - entries[labels]|^2)`` may be.
    max_move : float, optional
        The largest squared distance a point may be from its entry after a removal: an entry
        goes only if each of its points has another within this, so that the error cannot
        gather on a few points while the total stays small.
    fixed : numpy.ndarray, optional
        ``(k,) bool`` entries never removed.

    Returns
    -------
    keep : numpy.ndarray
        ``(k,) bool`` the entries kept: all of them if even the nearest-entry error exceeds ``max_sse``.
    labels : numpy.ndarray
        ``(n,) intp`` each point's nearest kept entry, an index into ``entries``.
    sse : float
        The error with the kept entries, computed from the differences.
    """
    points = np.asarray(points, dtype=np.float64)
    entries = np.asarray(entries, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    k = len(entries)
    alive = np.ones(k, dtype=bool)

    def error_to(labels: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return ((points[rows] - entries[labels]) ** 2).sum(1)

    if k == 1:
        labels = np.zeros(len(points), dtype=np.intp)
        return alive, labels, float(weights @ error_to(labels))
    best = _nearest(points, entries, alive)
    second = _nearest(points, entries, alive, besides=best)
    first_error, second_error = error_to(best), error_to(second)
    sse = float(weights @ first_error)
    while alive.sum() > 1:
        # Removing an entry moves each of its points to its second nearest entry.
        cost = np.bincount(best, weights=weights * (second_error - first_error), minlength=k)
        cost[~alive] = np.inf
        cost[np.bincount(best, weights=second_error > max_move, minlength=k) > 0] = np.inf
        if fixed is not None:
            cost[fixed] = np.inf
        victim = int(cost.argmin())
        if not np.isfinite(cost[victim]) or sse + cost[victim] > max_sse:
            break
        alive[victim] = False
        sse += float(cost[victim])
        moved = best == victim
        best[moved], first_error[moved] = second[moved], second_error[moved]
        if alive.sum() == 1:
            break
        # Their second nearest, and that of the points whose second nearest was removed, anew.
        stale = np.flatnonzero(moved | (second == victim))
        second[stale] = _nearest(points[stale], entries, alive, besides=best[stale])
        second_error[stale] = error_to(second[stale], stale)
    return alive, best, float(weights @ first_error)
