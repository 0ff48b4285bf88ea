"""A palette of at most K colours for a weighted colour histogram: fast, coarse-to-fine K-means.

The palette minimises the mean squared error of the image (so it maximises PSNR), found in three
stages, each on a finer version of the same weighted histogram:

1. *Start*: bins of 5 bits a channel (a few thousand weighted means). Several starts are tried
   when K is small, where K-means is most sensitive to its start and each run is cheap: median
   cut along principal axes, median cut along colour axes, greedy k-means++ (seeded). The start
   with the lowest error after Lloyd iterations wins.
2. *Refine*: Lloyd iterations on bins of 6 bits a channel (tens of thousands of means).
3. *Finish*: Lloyd iterations on the distinct colours themselves, as many as a fixed work budget
   of ``colours x K`` allows (at least one: every colour's own nearest centre, then the means),
   then round the centres to 8 bits and give each colour its nearest 8-bit palette entry.

A level that would not be smaller than the next (a small image) is skipped. Bin means, not bin
centres nor a subsample of pixels, carry each bin: a random subsample of 20,000 colours lost up
to 3.45 dB against pngquant, because rare saturated colours matter (see PEERS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colour_counts import bin_means
from .weighted_kmeans import kmeans_plus_plus, lloyd, median_cut, nearest_centre

__all__ = ["PaletteFit", "fit_palette"]

COARSE_BITS = 5
FINE_BITS = 6
# Distance evaluations (colours x K) allowed for the Lloyd iterations on the distinct colours;
# 1.3 M colours x 256 centres take one iteration, 100,000 colours x 16 take 100.
FINISH_BUDGET = 2.0e8
MAX_ITER = 100


@dataclass(frozen=True, eq=False)
class PaletteFit:
    """A palette and the palette index of every distinct colour.

    Attributes
    ----------
    palette : numpy.ndarray
        ``(k, C) uint8``, every entry used by at least one colour.
    labels : numpy.ndarray
        ``(n,) uint8`` index into ``palette`` of each colour of the histogram.
    sse : float
        Weighted sum of squared differences (in 8-bit units, summed over channels) between the
        colours and their palette entries: ``sum(weights * |colours - palette[labels]|^2)``.
    """

    palette: np.ndarray
    labels: np.ndarray
    sse: float


def _starts(points: np.ndarray, weights: np.ndarray, K: int, seed: int) -> list[np.ndarray]:
    """Starting centres to try: more of them for small K, where each run is cheap."""
    starts = [median_cut(points, weights, K, principal_axis=True)]
    if K <= 128:
        starts.append(median_cut(points, weights, K, principal_axis=False))
    if K <= 32:
        rng = np.random.default_rng(seed)
        starts += [kmeans_plus_plus(points, weights, K, rng) for _ in range(2)]
    return starts


def fit_palette(colours: np.ndarray, weights: np.ndarray, K: int, seed: int = 0) -> PaletteFit:
    """Find at most ``K`` palette colours that minimise the weighted squared error.

    Parameters
    ----------
    colours : numpy.ndarray
        ``(n, C) uint8`` distinct colours, ``C`` = 3 or 4 (all channels weigh the same).
    weights : numpy.ndarray
        ``(n,)`` positive pixel counts.
    K : int
        Largest palette size, 1 to 256.
    seed : int, optional
        Seeds the k-means++ starts; the result is a function of the inputs and the seed.

    Returns
    -------
    PaletteFit
        If ``n <= K`` the palette is the colours themselves (no error).
    """
    colours = np.asarray(colours, dtype=np.uint8)
    weights = np.asarray(weights, dtype=np.float64)
    if not 1 <= K <= 256:
        raise ValueError(f"K must be 1 to 256, got {K}")
    if len(colours) <= K:
        return PaletteFit(colours.copy(), np.arange(len(colours), dtype=np.uint8), 0.0)

    # The levels, coarse to fine; a level is used only if it is much smaller than the next.
    levels = [(colours.astype(np.float32), weights)]
    for bits in (FINE_BITS, COARSE_BITS):
        means, bin_weights = bin_means(colours, weights, bits)
        if 4 * K <= len(means) <= len(levels[0][0]) // 2:
            levels.insert(0, (means.astype(np.float32), bin_weights))

    points, point_weights = levels[0]
    best = None
    for start in _starts(points, point_weights, K, seed):
        centres, sse, _ = lloyd(points, point_weights, start, max_iter=MAX_ITER)
        if best is None or sse < best[1]:
            best = (centres, sse)
    centres = best[0]
    for points, point_weights in levels[1:-1]:
        centres, _, _ = lloyd(points, point_weights, centres, max_iter=MAX_ITER)
    if len(levels) > 1:
        finish_iter = int(min(MAX_ITER, max(1, FINISH_BUDGET // (len(colours) * K))))
        centres, _, _ = lloyd(*levels[-1], centres, max_iter=finish_iter)

    # Round to the 8-bit colours a PNG stores, then give each colour its nearest stored entry.
    palette = np.clip(np.rint(centres), 0, 255).astype(np.uint8)
    labels, sq_dist = nearest_centre(levels[-1][0], palette)
    # Drop entries no colour chose (two centres that rounded to one colour, say).
    used = np.bincount(labels, minlength=len(palette)) > 0
    renumber = (np.cumsum(used) - 1).astype(np.uint8)
    return PaletteFit(palette[used], renumber[labels], float(weights @ sq_dist))
