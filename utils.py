"""Helpers for image_compression.ipynb: data, images, figures, and bit and byte accounting.

None of these is an exercise: the notebook's graded functions are yours to write. The helpers
live in the small modules of the ``course`` package (one concern each), with image reading from
``quantize``, and are gathered here, so the notebook needs a single ``import utils``:

- data and images: :func:`load_toy_data`, :func:`load_image`, :func:`count_colours`
- figures (``course/plots.py``): :func:`plot_points`, :func:`plot_kmeans_progress`,
  :func:`plot_distortion`, :func:`plot_rgb_space`, :func:`plot_palette`, :func:`side_by_side`,
  :func:`plot_image_grid`, :func:`plot_k_sweep`
- accounting (``course/accounting.py``): :func:`bit_budget`, :func:`indexed_png_bytes`,
  :func:`rgb_png_bytes`, :func:`psnr`, :func:`compression_report`, :func:`sweep_table`
- your own image: :func:`downscale`, a small copy for your own K-means; :func:`closest_in_blocks`,
  your ``find_closest_centroids`` on every pixel, a block at a time; :func:`compare_copy_and_whole`,
  the palette on the copy and on the whole image, side by side.
- :func:`show_compression`: the palette, the side-by-side figure and the report, in one call.
- Going further: :func:`agreement` with scikit-learn,
  :func:`race_assignment` and :func:`assignment_memory`, the assignment step's time and memory three
  ways (``course/measure.py``); figures :func:`plot_restarts`, :func:`plot_which_k`,
  :func:`plot_error_map`; baselines (``course/baselines.py``) :func:`random_codebook`,
  :func:`uniform_grid`, :func:`median_cut`, :func:`fast_octree`; CIELAB
  (``course/colour_space.py``) :func:`srgb_to_lab`, :func:`lab_to_srgb`, :func:`delta_e_1976`;
  :func:`animate_kmeans` (``course/animation.py``).
- :func:`one_blas_thread`: numpy's matrix products on one thread, as fast as on many for this
  notebook's sizes, and never slowed by idle threads spinning on a busy machine.
- for the learner (``course/learner_help.py``): :func:`explain_unfinished_work`, so that an
  unfinished exercise says so in one line; :func:`stop_if_too_slow`, so that a cell that would
  run for many minutes stops at once and says why; :func:`describe_figures`, a text alternative
  for every figure.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib import pyplot as plt
from PIL import Image

from course.accounting import (
    CompressionReport,
    bit_budget,
    compression_report,
    index_bits,
    indexed_png_bytes,
    png_index_bits,
    psnr,
    rgb_png_bytes,
    sweep_table,
    to_uint8,
)
from course.animation import ShownGif, kmeans_animation, save_gif
from course.baselines import fast_octree, median_cut, random_codebook, uniform_grid
from course.colour_space import delta_e_1976, lab_to_srgb, srgb_to_lab
from course.learner_help import TooSlowForThisCell, describe_figures, explain_unfinished_work, stop_if_too_slow
from course.measure import agreement, assignment_memory, race_assignment, worst_square
from course.plots import (
    plot_distortion,
    plot_image_grid,
    plot_k_sweep,
    plot_kmeans_progress,
    plot_error_map,
    plot_palette,
    plot_points,
    plot_restarts,
    plot_rgb_space,
    plot_which_k,
    side_by_side,
)
from quantize.image_io import ImageReadError, load_image
from quantize.threads import one_blas_thread

__all__ = [
    "agreement",
    "animate_kmeans",
    "assignment_memory",
    "CompressionReport",
    "ImageReadError",
    "TooSlowForThisCell",
    "bit_budget",
    "closest_in_blocks",
    "compare_copy_and_whole",
    "compression_report",
    "count_colours",
    "delta_e_1976",
    "describe_figures",
    "downscale",
    "explain_unfinished_work",
    "index_bits",
    "indexed_png_bytes",
    "fast_octree",
    "lab_to_srgb",
    "load_image",
    "load_toy_data",
    "median_cut",
    "one_blas_thread",
    "plot_distortion",
    "plot_error_map",
    "plot_image_grid",
    "plot_k_sweep",
    "plot_kmeans_progress",
    "plot_palette",
    "plot_points",
    "plot_restarts",
    "plot_rgb_space",
    "plot_which_k",
    "png_index_bits",
    "psnr",
    "race_assignment",
    "random_codebook",
    "rgb_png_bytes",
    "show_compression",
    "side_by_side",
    "stop_if_too_slow",
    "srgb_to_lab",
    "sweep_table",
    "to_uint8",
    "uniform_grid",
    "worst_square",
]

TOY_DATA = Path(__file__).with_name("data") / "toy_points.csv"


def load_toy_data(path: str | os.PathLike = TOY_DATA) -> np.ndarray:
    """The 2-D points of the first exercises.

    Returns
    -------
    numpy.ndarray
        ``(300, 2) float64``: three clusters of 100 points (made by ``data/make_toy_points.py``).
    """
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)


def count_colours(image: np.ndarray) -> int:
    """Number of distinct colours in an image.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` or ``(m, 3)``, float in [0, 1] or uint8.
    """
    rgb = to_uint8(image).reshape(-1, 3).astype(np.uint32)
    # One 24-bit integer per colour: counting distinct integers is much faster than distinct rows.
    packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    return int(np.unique(packed).size)


def downscale(image: np.ndarray, max_pixels: int) -> np.ndarray:
    """A copy of an image scaled down to at most ``max_pixels`` pixels, or the image itself if it is that small.

    Each new pixel is the mean of the block of pixels it replaces (Pillow's box filter), so the
    copy keeps the colours of the original in the same proportions.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1] (as :func:`load_image` gives) or uint8.
    max_pixels : int

    Returns
    -------
    numpy.ndarray
        ``(h, w, 3)`` float in [0, 1], with ``h * w <= max_pixels`` and the same aspect ratio.
    """
    height, width = image.shape[:2]
    if height * width <= max_pixels:
        return np.asarray(image, dtype=np.float64) / (255.0 if np.asarray(image).dtype == np.uint8 else 1.0)
    scale = (max_pixels / (height * width)) ** 0.5
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return np.asarray(Image.fromarray(to_uint8(image)).resize(size, Image.Resampling.BOX), dtype=np.float64) / 255.0


def closest_in_blocks(find_closest_centroids, X: np.ndarray, centroids: np.ndarray, rows: int = 100_000) -> np.ndarray:
    """Your ``find_closest_centroids`` on every row of ``X``, ``rows`` rows at a time.

    A block at a time keeps whatever your function allocates (an ``(m, K)`` table, or an
    ``(m, K, n)`` array of differences) to the size of one block, however large the image.

    Parameters
    ----------
    find_closest_centroids : callable
        Yours: ``find_closest_centroids(X, centroids)`` returns ``(m,)`` integers from 0 to K - 1.
    X : numpy.ndarray
        ``(m, n)``: every pixel of an image, one per row.
    centroids : numpy.ndarray
        ``(K, n)``: the palette.
    rows : int, optional
        Rows of ``X`` in one call.

    Returns
    -------
    numpy.ndarray
        ``(m,) intp``: each row's label, as your function gave it.
    """
    K = len(centroids)
    labels = []
    for start in range(0, len(X), rows):
        block = X[start:start + rows]
        idx = np.asarray(find_closest_centroids(block, centroids))
        if idx.shape != (len(block),) or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= K:
            raise ValueError(f"find_closest_centroids must return {len(block)} integers from 0 to {K - 1}, "
                             f"got {idx.dtype} of shape {idx.shape}")
        labels.append(idx.astype(np.intp))
    return np.concatenate(labels) if labels else np.zeros(0, dtype=np.intp)


def compare_copy_and_whole(small: np.ndarray, idx_small: np.ndarray, image: np.ndarray, idx: np.ndarray,
                           centroids: np.ndarray) -> tuple[float, float]:
    """One palette on the small copy it was learned from and on the whole image, each with its PSNR.

    Parameters
    ----------
    small : numpy.ndarray
        ``(h, w, 3)`` float in [0, 1]: the copy your K-means ran on (:func:`downscale`).
    idx_small : numpy.ndarray
        ``(h * w,)``: what your ``run_kMeans`` returned for it.
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1]: the whole image.
    idx : numpy.ndarray
        ``(H * W,)``: the palette index of each of its pixels (:func:`closest_in_blocks`).
    centroids : numpy.ndarray
        ``(K, 3)``: the palette, your K-means' centroids.

    Returns
    -------
    (float, float)
        The two PSNRs, in dB, each against the image it was computed from.
    """
    palette = np.asarray(centroids)
    on_copy = palette[np.reshape(idx_small, small.shape[:2])]
    on_image = palette[np.reshape(idx, image.shape[:2])]
    copy_db, image_db = psnr(small, on_copy), psnr(image, on_image)
    side_by_side(
        on_copy, on_image,
        f"Your K-means, K = {len(palette)}, on a {small.shape[1]} x {small.shape[0]} copy\nPSNR {copy_db:.1f} dB",
        f"Its palette on all {image.shape[1]} x {image.shape[0]} pixels\nPSNR {image_db:.1f} dB",
    )
    return copy_db, image_db


def show_compression(image: np.ndarray, palette: np.ndarray, idx: np.ndarray,
                     source_file: str | os.PathLike | None = None) -> CompressionReport:
    """The whole report for one quantised image: palette, side by side, bits and bytes.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1]: the original.
    palette : numpy.ndarray
        ``(K, 3)`` float in [0, 1]: the centroids.
    idx : numpy.ndarray
        ``(H * W,)`` integer palette index of each pixel.
    source_file : str or path-like, optional
        The file the image came from (its size is shown, and its name in the titles).

    Returns
    -------
    CompressionReport
        The figures that were printed.
    """
    report = compression_report(image, palette, idx, source_file)
    K = len(palette)
    plot_palette(palette, counts=np.bincount(np.ravel(idx), minlength=K))
    plt.show()
    compressed = np.asarray(palette)[np.reshape(idx, image.shape[:2])]
    name = "" if source_file is None else f"{Path(source_file).name}: "
    side_by_side(
        image,
        compressed,
        f"{name}original, {count_colours(image):,} colours\n24-bit PNG: {report.true_colour_png_bytes:,} bytes",
        f"K = {K} colours\nindexed PNG: {report.indexed_png_bytes:,} bytes",
    )
    plt.show()
    print(report)
    return report


def animate_kmeans(X: np.ndarray, initial_centroids: np.ndarray, find_closest_centroids, compute_centroids,
                   max_iters: int = 10):
    """K-means on 2-D data, animated with your two functions, as an image the notebook shows.

    Takes what :func:`course.animation.kmeans_animation` takes, and returns a
    :class:`course.animation.ShownGif` (one frame a state, the last held) with a text alternative,
    which the notebook, its HTML export and nbgrader's feedback all show. The same inputs give the
    same bytes.
    """
    animation = kmeans_animation(X, initial_centroids, find_closest_centroids, compute_centroids, max_iters)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "kmeans.gif")
        save_gif(animation, path)
        data = path.read_bytes()
    return ShownGif(data, f"Animation of K-means on {len(X)} examples in the plane, K = {len(initial_centroids)}: at "
                          "each step the points take the colour of their closest centroid and the centroids move to their means.")
