"""Exact Lloyd iterations on many points, most of them handled a group at a time.

The distinct colours of a photo fall into small bins (cubes of 4 levels a channel). If
every member of a bin is certainly nearest to the same centre, the bin's members move that
centre exactly as much as their weighted mean would, and their error is the bin's own scatter
plus its weight times the squared distance from its mean: the bin is one point. Only the members
of bins that straddle a boundary between two centres need their own distances.

The test is the triangle inequality. With ``m`` the bin's mean, ``r`` the largest distance of a
member from ``m``, and ``d1 <= d2`` the distances from ``m`` to its nearest and second nearest
centre: a member ``x`` is within ``d1 + r`` of the nearest centre and at least ``d2 - r`` from any
other, so if ``d2 - d1 > 2 r`` every member goes to the nearest. On a 12-megapixel photo, 1.3 M
distinct colours, about 80 % of them are settled that way at K = 16, and an assignment takes
half the time; at K = 256 only about a third are, and the plain assignment is as quick
(:func:`worth_grouping` tells them apart; docs/compress.md has the measurements).

The result is that of plain Lloyd on the points (:func:`quantize.weighted_kmeans.lloyd`), up to
the float32 rounding of near-ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantize.weighted_kmeans import centre_means, nearest_centre, two_nearest

__all__ = ["Groups", "group_points", "grouped_assignment", "grouped_lloyd", "worth_grouping"]

# Squared distance within which two_nearest's float32 products may pick either of two centres:
# their rounding, on coordinates of at most 255, is a small fraction of it.
_TIE = 1.0


@dataclass(frozen=True, eq=False)
class Groups:
    """Points partitioned into groups, with what the bound needs of each group.

    Attributes
    ----------
    of : numpy.ndarray
        ``(n,) intp``: the group of each point, ``0 .. m-1``.
    means : numpy.ndarray
        ``(m, d) float64`` weighted mean of each group's points.
    weights : numpy.ndarray
        ``(m,) float64`` total weight of each group.
    radius : numpy.ndarray
        ``(m,) float64`` largest distance of a member from its group's mean.
    scatter : numpy.ndarray
        ``(m,) float64`` weighted sum of squared distances of the members from the group's mean.
    corner : numpy.ndarray
        ``(m, d)`` uint8 lowest corner of each group's cube.
    """

    of: np.ndarray
    means: np.ndarray
    weights: np.ndarray
    radius: np.ndarray
    scatter: np.ndarray
    corner: np.ndarray

    def __len__(self) -> int:
        return len(self.weights)


def group_points(points: np.ndarray, weights: np.ndarray, of: np.ndarray, side: int) -> Groups:
    """Summarise colour bins: ``(n, d)`` uint8 colours, ``(n,)`` positive weights, their bins.

    ``of`` numbers the bins ``0 .. m-1`` (all used; :func:`quantize.colour_counts.bin_index`),
    each a cube of ``side`` levels a channel aligned on multiples of ``side``. The radius is
    bounded by the cube's corner farthest from the mean, which needs no pass over the members.
    """
    weights = np.asarray(weights, dtype=np.float64)
    of = np.asarray(of, dtype=np.intp)
    values = np.asarray(points, dtype=np.float64)
    means, totals = centre_means(values, weights, of, int(of.max()) + 1)
    corner = np.zeros(means.shape, dtype=np.uint8)
    corner[of] = np.asarray(points, dtype=np.uint8) // side * side
    reach = np.maximum(means - corner, corner + (side - 1.0) - means)
    square_sums = np.bincount(of, weights=weights * np.einsum("ij,ij->i", values, values), minlength=len(totals))
    scatter = np.maximum(square_sums - totals * (means**2).sum(1), 0.0)
    return Groups(of, means, totals, np.sqrt((reach**2).sum(1)), scatter, corner)


def worth_grouping(groups: Groups, centres: np.ndarray) -> bool:
    """Whether groups settle enough points to save work: fewer than half of them left loose.

    With many centres close together (K = 256) most small bins straddle a boundary, and the
    plain assignment of every point is as quick.
    """
    settled = _settled(groups, centres)[2]
    return 2 * int(np.count_nonzero(~settled[groups.of])) < len(groups.of)


def _settled(groups: Groups, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's nearest centre, squared distance to it, and whether all its members share it."""
    labels, first, second = two_nearest(groups.means, centres)
    # The runner-up may be a near-tie's other centre (two_nearest), so its distance is lowered
    # by that much before the test, which then errs only on the safe side.
    second = np.maximum(second - _TIE, 0.0)
    settled = np.sqrt(second) - np.sqrt(first) > 2.0 * groups.radius
    return labels, first, settled


def grouped_assignment(points: np.ndarray, weights: np.ndarray, groups: Groups,
                       centres: np.ndarray) -> tuple[np.ndarray, float]:
    """Every point's nearest centre, and the weighted sum of squared distances to it.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, d)`` float.
    weights : numpy.ndarray
        ``(n,)`` non-negative float.
    groups : Groups
        A grouping of the points (:func:`group_points`).
    centres : numpy.ndarray
        ``(k, d)`` float, ``k >= 2``.

    Returns
    -------
    labels : numpy.ndarray
        ``(n,) intp``.
    sse : float
    """
    group_labels, settled, loose, loose_labels, sse = _assign(points, weights, groups, centres)
    labels = group_labels[groups.of]
    labels[loose] = loose_labels
    return labels, sse


def _assign(points: np.ndarray, weights: np.ndarray, groups: Groups, centres: np.ndarray):
    """One assignment: each group's nearest centre and which groups are settled, the loose
    points (indices into ``points``) and their nearest centres, and the weighted error."""
    group_labels, first, settled = _settled(groups, centres)
    loose = np.flatnonzero(~settled[groups.of])
    loose_labels, loose_sq = nearest_centre(points[loose], centres)
    sse = (groups.weights[settled] @ first[settled] + groups.scatter[settled].sum()
           + weights[loose] @ loose_sq.astype(np.float64))
    return group_labels, settled, loose, loose_labels, float(sse)


def grouped_lloyd(points: np.ndarray, weights: np.ndarray, groups: Groups, centres: np.ndarray,
                  max_iter: int, tol: float = 1e-4) -> tuple[np.ndarray, float]:
    """Weighted Lloyd iterations on ``points``, settled groups taken whole.

    The same contract as :func:`quantize.weighted_kmeans.lloyd` (``(n, d)`` points, ``(n,)``
    weights, ``(k, d)`` starting centres with ``k >= 2``; returns the ``(k, d) float64`` means of
    the last assignment and that assignment's error). An empty centre is moved, as there, to the
    point that costs most (found by assigning every point, which only an empty centre needs).
    """
    points32 = np.asarray(points, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float64)
    centres = np.array(centres, dtype=np.float64)
    k = len(centres)
    previous = np.inf
    for _ in range(max(1, max_iter)):
        group_labels, settled, loose, loose_labels, sse = _assign(points32, weights, groups, centres)
        whole = np.flatnonzero(settled)
        parts = ((groups.means[whole], group_labels[whole], groups.weights[whole]),
                 (points32[loose], loose_labels, weights[loose]))
        totals = sum(np.bincount(labels, weights=w, minlength=k) for _, labels, w in parts)
        sums = np.stack([sum(np.bincount(labels, weights=w * rows[:, j], minlength=k) for rows, labels, w in parts)
                         for j in range(centres.shape[1])], axis=1)
        empty = np.flatnonzero(totals == 0)
        if len(empty):
            # Rare: the costs of single points are needed, which groups do not keep.
            _, sq_dist = nearest_centre(points32, centres)
            worst = np.argsort(-(weights * sq_dist), kind="stable")[: len(empty)]
        with np.errstate(invalid="ignore", divide="ignore"):
            centres = np.where(totals[:, None] > 0, sums / totals[:, None], centres)
        if len(empty):
            centres[empty[: len(worst)]] = points32[worst]
            previous = np.inf
            continue
        if previous - sse <= tol * sse:
            break
        previous = sse
    return centres, sse
