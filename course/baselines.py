"""Simpler ways to pick K colours, to see what K-means buys over them at the same K.

Each baseline returns what K-means returns: a palette and the palette index of every pixel.

- :func:`random_codebook`: K pixels drawn at random are the palette, as in scikit-learn's
  colour-quantisation example; every pixel goes to its nearest palette colour, by the learner's
  own ``find_closest_centroids``.
- :func:`uniform_grid`: a fixed grid of colours, the same for every image (``grid_levels(16)`` is
  2 x 4 x 2: red, green, blue); every channel goes to its nearest level.
- :func:`median_cut` and :func:`fast_octree`: Pillow's own quantisers, ``Image.quantize`` without
  dithering. Median cut splits the box of colours at the median of its longest side until there
  are K boxes; fast octree groups colours by the leading bits of their channels.

Pixels are ``(m, 3)`` floats in [0, 1] (an ``(H, W, 3)`` image for Pillow's two); palettes come
back as ``(k, 3)`` floats in [0, 1] with ``k <= K``, indices as ``(m,)`` integers.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from course.accounting import to_uint8

__all__ = ["random_codebook", "grid_levels", "uniform_grid", "median_cut", "fast_octree"]

MAX_K = 256  # a PNG palette's size, and the most Pillow's quantisers give


def _check_K(K) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or not 1 <= K <= MAX_K:
        raise ValueError(f"K must be a whole number from 1 to {MAX_K}, got {K!r}")
    return int(K)


def _check_colours(values, shape: str) -> np.ndarray:
    """Float colours in [0, 1] whose last axis is 3, or a ValueError that says what is wrong."""
    array = np.asarray(values)
    expected_ndim = shape.count(",") + 1
    if array.ndim != expected_ndim or array.shape[-1] != 3 or array.size == 0:
        raise ValueError(f"expected {shape}, one RGB colour per pixel, got shape {array.shape}")
    if array.dtype.kind != "f":
        raise ValueError(f"expected floats in [0, 1], got {array.dtype}; divide 8-bit values by 255.0 first")
    # Written so that NaN fails too: every comparison with NaN is False.
    if not (np.all(array >= 0.0) and np.all(array <= 1.0)):
        raise ValueError("expected colours in [0, 1]; some are outside, or NaN")
    return array


def random_codebook(pixels: np.ndarray, K: int, rng: np.random.Generator | int,
                    find_closest_centroids) -> tuple[np.ndarray, np.ndarray]:
    """K pixels drawn at random as the palette, each pixel mapped to the nearest of them by ``find_closest_centroids``.

    What scikit-learn's colour-quantisation example compares K-means with: the palette costs
    nothing to find, and follows the image's colours only as far as a random sample does.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(m, 3)`` float colours in [0, 1].
    K : int
        Pixels to draw, 1 to 256 (all of them if the image has fewer).
    rng : numpy.random.Generator or int
        The source of randomness, or a seed for one; the same seed gives the same result.
    find_closest_centroids : callable
        The learner's: ``find_closest_centroids(pixels, palette)`` gives each pixel's nearest
        palette colour, ``(m,)`` integers.

    Returns
    -------
    palette : numpy.ndarray
        ``(k, 3) float64``, ``k <= K``: the distinct colours among the drawn pixels, sorted.
    idx : numpy.ndarray
        ``(m,) intp``: the nearest palette colour of each pixel, as ``find_closest_centroids`` says.
    """
    pixels = _check_colours(pixels, "(m, 3)")
    K = _check_K(K)
    if rng is None:
        raise ValueError("rng must be a numpy Generator or an int seed, so that the draw can be repeated")
    rng = np.random.default_rng(rng)
    drawn = pixels[rng.choice(len(pixels), size=min(K, len(pixels)), replace=False)]
    # Pixels of one colour drawn twice would waste a palette entry: keep each colour once.
    palette = np.unique(drawn.astype(np.float64), axis=0)
    idx = np.asarray(find_closest_centroids(pixels, palette))
    if idx.shape != (len(pixels),) or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= len(palette):
        raise ValueError(f"find_closest_centroids must return {len(pixels)} integers from 0 to {len(palette) - 1}, "
                         f"got {idx.dtype} of shape {idx.shape}")
    return palette, idx.astype(np.intp)


def grid_levels(K: int) -> tuple[int, int, int]:
    """Levels of red, green and blue of the finest uniform grid with at most K colours.

    "Finest" is measured: with n levels a channel is off by at most half a cell, and its mean
    squared error over evenly spread values is ``1 / (12 n^2)``; the grid chosen makes the sum
    ``1/r^2 + 1/g^2 + 1/b^2`` smallest with ``r * g * b <= K``.
    So grids are as even as K allows (32 gives 3 x 3 x 3 = 27 rather than 2 x 4 x 4 = 32, and a
    prime K is not spent on one channel); the eye tells greens apart best and blues least, so
    green takes the most levels and blue the fewest: 16 gives 2 x 4 x 2, 64 gives 4 x 4 x 4.

    Parameters
    ----------
    K : int
        1 to 256.

    Returns
    -------
    tuple of int
        ``(red, green, blue)`` levels, whose product is at most K.
    """
    K = _check_K(K)
    # Every sorted triple a <= b <= c, with c as large as K allows (a larger c only lowers the
    # error): for K <= 256 under a hundred pairs (a, b), so a plain search is instant.
    candidates = ((a, b, K // (a * b)) for a in range(1, K + 1) if a**3 <= K
                  for b in range(a, math.isqrt(K // a) + 1))
    # (No two candidates tie for any K up to 256, so no tie-break is needed.)
    blue, red, green = min(candidates, key=lambda t: 1 / t[0]**2 + 1 / t[1]**2 + 1 / t[2]**2)
    return red, green, blue


def uniform_grid(pixels: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed grid of colours: each channel cut into equal cells, each cell's centre a level.

    The palette is the same for every image, so it spends colours on regions of the RGB cube
    an image may never use; the mapping is exact (the nearest grid colour is the nearest level
    in each channel) and costs one pass.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(m, 3)`` float colours in [0, 1].
    K : int
        Most colours, 1 to 256; the grid is :func:`grid_levels` ``(K)``.

    Returns
    -------
    palette : numpy.ndarray
        ``(r * g * b, 3) float64``: every grid colour, red slowest, blue fastest, used or not;
        with n levels a channel's values are ``(i + 0.5) / n`` for ``i = 0 .. n-1``.
    idx : numpy.ndarray
        ``(m,) intp``: the grid colour of each pixel, ``(i_red * g + i_green) * b + i_blue``.
    """
    pixels = _check_colours(pixels, "(m, 3)")
    levels = np.array(grid_levels(K))
    # Cell i of n holds [i / n, (i + 1) / n); 1.0 belongs to the last cell.
    cells = np.minimum((pixels * levels).astype(np.intp), levels - 1)  # (m, 3)
    idx = (cells[:, 0] * levels[1] + cells[:, 1]) * levels[2] + cells[:, 2]
    centres = [(np.arange(n) + 0.5) / n for n in levels]
    palette = np.stack(np.meshgrid(*centres, indexing="ij"), axis=-1).reshape(-1, 3)
    return palette, idx


def _pillow_quantize(image: np.ndarray, K: int, method: Image.Quantize) -> tuple[np.ndarray, np.ndarray]:
    image = _check_colours(image, "(H, W, 3)")
    K = _check_K(K)
    quantized = Image.fromarray(to_uint8(image)).quantize(colors=K, method=method, dither=Image.Dither.NONE)
    indices = np.asarray(quantized).ravel()
    palette = np.asarray(quantized.getpalette()[: 3 * MAX_K], dtype=np.float64).reshape(-1, 3) / 255.0
    # Fast octree pads its palette to K entries; keep the used ones, numbered in their order.
    used = np.bincount(indices, minlength=len(palette)) > 0
    renumber = np.cumsum(used) - 1
    return palette[used], renumber[indices]


def median_cut(image: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Pillow's median cut: ``Image.quantize(colors=K, method=MEDIANCUT, dither=NONE)``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float colours in [0, 1]; rounded to 8 bits for Pillow.
    K : int
        Most colours, 1 to 256.

    Returns
    -------
    palette : numpy.ndarray
        ``(k, 3) float64`` in [0, 1], ``k <= K``, 8-bit values / 255; every entry used.
    idx : numpy.ndarray
        ``(H * W,) intp``: the palette index of each pixel, row by row.
    """
    return _pillow_quantize(image, K, Image.Quantize.MEDIANCUT)


def fast_octree(image: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Pillow's fast octree: ``Image.quantize(colors=K, method=FASTOCTREE, dither=NONE)``.

    Parameters and return values as for :func:`median_cut`: an ``(H, W, 3)`` float image in
    [0, 1] and K from 1 to 256 in; a ``(k, 3)`` palette, ``k <= K``, and ``(H * W,)`` indices out.
    """
    return _pillow_quantize(image, K, Image.Quantize.FASTOCTREE)
