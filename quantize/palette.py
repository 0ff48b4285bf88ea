"""A palette of at most K colours for a weighted colour histogram: fast, coarse-to-fine K-means.

The palette minimises the mean squared error of the image (so it maximises PSNR), found in three
stages, each on a finer version of the same weighted histogram:

1. *Start*: bins of 5 bits a channel (4 for RGBA): a few thousand weighted means. Several starts
   are tried when K is small, where K-means is most sensitive to its start and each run is
   cheap: median cut along principal axes, and for K up to 32 median cut along colour axes
   and greedy k-means++ (seeded). The start with the lowest error after Lloyd iterations wins,
   and swaps of its least useful centre try to improve it
   (:func:`~quantize.weighted_kmeans.swap_search`).
2. *Refine*: a few Lloyd iterations on bins of 6 bits a channel (5 for RGBA): tens of thousands.
3. *Finish*: Lloyd iterations on the distinct colours themselves, as many as a fixed work budget
   allows (at least one: every colour's own nearest centre, then the means), then round the
   centres to 8 bits and give each colour its nearest 8-bit palette entry. Where the centres
   are far apart compared with the fine bins (small K), a bin whose colours all have the same
   nearest centre is handled as one point, exactly (:mod:`quantize.grouped_kmeans`).

A level that would not be smaller than the next (a small image) is skipped, and an image of
fewer than ``BINNED_MIN_COLOURS`` colours is fitted on its colours alone. Bin means, not bin
centres nor a subsample of pixels, carry each bin, because rare saturated colours matter (a
subsample loses them). A grey image (every colour has R = G = B) is a one-dimensional problem,
solved exactly instead (:func:`_grey_palette`). The measurements behind the levels, the budget
and the swaps are in docs/compress.md, "Why it is built this way".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantize.colour_counts import bin_index
from quantize.grouped_kmeans import group_points, grouped_assignment, grouped_lloyd, worth_grouping
from quantize.weighted_kmeans import centre_means, kmeans_plus_plus, lloyd, median_cut_centres, nearest_centre, swap_search

__all__ = ["PaletteFit", "fit_palette"]

FINE_BITS = 6  # for RGB; the coarse level has one bit less
# Work allowed for the Lloyd iterations on the distinct colours, in units of one colour against
# one centre; an iteration costs about ``colours x (K + 32)`` (the 32: the updates and distances
# that do not depend on K), so a photo with many colours gets few iterations at large K. A small
# image stops at FINISH_MAX_ITER, so that its fit costs in proportion to its colours: on
# small images, iterations after the fourth gained 0.02 dB on average (docs/compress.md).
FINISH_BUDGET = 1.0e8
FINISH_MAX_ITER = 4
# Below this many distinct colours (an icon, a logo) every stage runs on the colours themselves:
# they are few enough, and bins would merge heavy colours that need entries of their own (an
# icon's two near-white fills of 37,000 and 28,500 pixels shared one bin, then one entry, 5.3 dB
# below pngquant at K = 16). On the 74 Adwaita icons at K = 16 and 64, up to 4,096 colours gained
# 0.24 dB on the median over always binning, for 8 % more fit time (docs/compress.md).
BINNED_MIN_COLOURS = 4096
MAX_ITER = 100  # Lloyd on the coarse bins runs to convergence, or this many iterations
REFINE_MAX_ITER = 10  # on the fine bins, a few iterations: most of the gain, at large K too
# Swaps tried after the best start, up to K = SWAP_MAX_K (see swap_search): each trial runs
# SWAP_PROBE_ITER Lloyd iterations and goes on to convergence only if it is already better.
# A trial costs in proportion to the coarse bins, so their number is bounded by SWAP_WORK
# bin-trials: all 40 trials on photos of a few megapixels, fewer on larger ones, whose many
# bins leave the swaps little to gain (docs/compress.md, "How it is fast"). On a small image the
# swaps would cost more than the rest of the fit, so their work is also at most one bin-trial
# for every four distinct colours (SWAP_WORK_PER_COLOUR): an icon of 4,000 colours gets a few
# trials, and a photo of fewer than 600,000 colours fewer than SWAP_WORK allows.
SWAP_TRIALS = 40
SWAP_WORK = 150_000
SWAP_WORK_PER_COLOUR = 0.25
SWAP_PROBE_ITER = 5
SWAP_MAX_K = 128
# Up to this K (the fit's) a second median cut, along the colour axes, is a start of its own.
# Above it, dropping it saved a sixth of the fit's time on the 60 small image-and-K pairs of
# bench/fit_budget_small.py (48 at K = 64): smallest lead over pngquant the same, mean lead
# 0.02 dB lower, some images higher, some lower (docs/compress.md, "Why it is built this way").
COLOUR_AXES_MAX_K = 32


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
    starts = [median_cut_centres(points, weights, K, principal_axis=True)]
    if K <= COLOUR_AXES_MAX_K:
        starts.append(median_cut_centres(points, weights, K, principal_axis=False))
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
    if colours.shape[1] == 3 and (colours == colours[:, :1]).all():
        return _grey_palette(colours, weights, K)

    # The levels, coarse to fine; a level is used only if it is much smaller than the next.
    colours32 = colours.astype(np.float32)
    levels = [(colours32, weights)]
    # Bins of 6 and 5 bits a channel for RGB; 5 and 4 for RGBA, whose bins are 16 times as many.
    # The fine bins also group the colours for the finish (quantize.grouped_kmeans).
    fine_bits = FINE_BITS if colours.shape[1] == 3 else FINE_BITS - 1
    fine = group_points(colours, weights, bin_index(colours, fine_bits), 1 << (8 - fine_bits))
    # Each fine bin lies in one coarse bin, so the coarse means are means of the fine ones.
    coarse_of = bin_index(fine.corner, fine_bits - 1)
    coarse_means, coarse_weights = centre_means(fine.means, fine.weights, coarse_of, int(coarse_of.max()) + 1)
    fine_level_used = 4 * K <= len(fine) <= len(colours) // 2 and len(colours) > BINNED_MIN_COLOURS
    if fine_level_used:
        levels.insert(0, (fine.means.astype(np.float32), fine.weights))
    if 4 * K <= len(coarse_weights) <= len(levels[0][0]) // 2 and len(colours) > BINNED_MIN_COLOURS:
        levels.insert(0, (coarse_means.astype(np.float32), coarse_weights))

    points, point_weights = levels[0]
    best = None
    for start in _starts(points, point_weights, K, seed):
        centres, sse = lloyd(points, point_weights, start, max_iter=MAX_ITER)
        if best is None or sse < best[1]:
            best = (centres, sse)
    centres, sse = best
    if 2 <= K <= SWAP_MAX_K:
        work = min(SWAP_WORK, SWAP_WORK_PER_COLOUR * len(colours))
        trials = int(np.clip(work // len(points), 1, SWAP_TRIALS))
        centres, _ = swap_search(points, point_weights, centres, sse, trials,
                                 np.random.default_rng([seed, 1]), max_iter=MAX_ITER,
                                 probe_iter=SWAP_PROBE_ITER)
    for points, point_weights in levels[1:-1]:
        centres, _ = lloyd(points, point_weights, centres, max_iter=REFINE_MAX_ITER)
    # The finish takes settled fine bins whole when that pays (quantize.grouped_kmeans).
    grouped = fine_level_used and K >= 2 and worth_grouping(fine, centres)
    finish_iter = int(min(FINISH_MAX_ITER, max(1, FINISH_BUDGET // (len(colours) * (K + 32)))))
    if len(levels) > 1:
        if grouped:
            centres, _ = grouped_lloyd(colours32, weights, fine, centres, max_iter=finish_iter)
        else:
            centres, _ = lloyd(colours32, weights, centres, max_iter=finish_iter)

    # Round to the 8-bit colours a PNG stores, then give each colour its nearest stored entry.
    palette = np.clip(np.rint(centres), 0, 255).astype(np.uint8)
    if grouped and len(palette) >= 2 and worth_grouping(fine, palette):
        labels, sse = grouped_assignment(colours32, weights, fine, palette)
    else:
        labels, sq_dist = nearest_centre(colours32, palette)
        sse = float(weights @ sq_dist)
    # Drop entries no colour chose (two centres that rounded to one colour, say).
    used = np.bincount(labels, minlength=len(palette)) > 0
    renumber = (np.cumsum(used) - 1).astype(np.uint8)
    return PaletteFit(palette[used], renumber[labels], sse)


def _grey_palette(colours: np.ndarray, weights: np.ndarray, K: int) -> PaletteFit:
    """The best palette of K greys for grey colours, exactly, by dynamic programming.

    In one dimension the pixels nearest to each palette entry form an interval of grey levels,
    so the best palette splits the sorted levels into K intervals; each takes the 8-bit grey
    nearest to its weighted mean (the best 8-bit value for a squared error, in every channel).
    ``best[k, j]``, the least error of the first j levels in k intervals, is the minimum over
    ``i`` of ``best[k - 1, i] + cost(i, j)``: K steps over an ``(n + 1, n + 1)`` table, n <= 256.
    No colour palette does better: a colour entry is never closer to a grey pixel than the grey
    with its rounded channel mean.

    Parameters
    ----------
    colours : numpy.ndarray
        ``(n, 3) uint8`` distinct greys (R = G = B), in increasing order, ``n > K``.
    weights : numpy.ndarray
        ``(n,) float64`` pixel counts.
    K : int
        Palette size.

    Returns
    -------
    PaletteFit
    """
    grey = colours[:, 0].astype(np.float64)
    n = len(grey)
    cum_w, cum_s, cum_q = (np.concatenate([[0.0], np.cumsum(weights * grey**p)]) for p in (0, 1, 2))
    start, stop = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        w, s, q = cum_w[stop] - cum_w[start], cum_s[stop] - cum_s[start], cum_q[stop] - cum_q[start]
        level = np.rint(s / w)
        # Error of levels start..stop-1 around one grey; an empty or reversed interval is barred.
        cost = np.where(stop > start, q - 2 * level * s + level**2 * w, np.inf)
    best = cost[0].copy()
    choices = []
    for _ in range(1, K):
        total = best[:, None] + cost
        choice = total.argmin(axis=0)
        choices.append(choice)
        best = total[choice, np.arange(n + 1)]
    bounds = [n]
    for choice in reversed(choices):
        bounds.append(choice[bounds[-1]])
    bounds = np.array(bounds[::-1])  # where intervals 2..K start, then n; interval 1 starts at 0
    labels = np.zeros(n, dtype=np.uint8)
    labels[bounds[:-1]] = 1
    labels = np.cumsum(labels).astype(np.uint8)
    starts = np.concatenate([[0], bounds[:-1]])
    greys = level[starts, bounds].astype(np.uint8)
    return PaletteFit(np.repeat(greys[:, None], 3, axis=1), labels, float(3 * best[n]))
