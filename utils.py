"""Helpers for image_compression.ipynb: data, images, figures, and bit and byte accounting.

None of these is an exercise: the notebook's graded functions are yours to write. The helpers
live in the small modules of the ``quantize`` package (one concern each) and are gathered here,
so the notebook needs a single ``import utils``:

- data and images: :func:`load_toy_data`, :func:`load_image`, :func:`count_colours`
- figures (``quantize/plots.py``): :func:`plot_points`, :func:`plot_kmeans_progress`,
  :func:`plot_distortion`, :func:`plot_rgb_space`, :func:`plot_palette`, :func:`side_by_side`,
  :func:`plot_image_grid`, :func:`plot_k_sweep`
- accounting (``quantize/accounting.py``): :func:`bit_budget`, :func:`indexed_png_bytes`,
  :func:`rgb_png_bytes`, :func:`psnr`, :func:`compression_report`
- :func:`quantize_image`: a palette and an index per pixel from the library behind
  ``compress.py`` (``quantize/compressor.py``), for photos of any size.
- :func:`show_compression`: the palette, the side-by-side figure and the report, in one call.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from matplotlib import pyplot as plt

from quantize.accounting import (
    CompressionReport,
    bit_budget,
    compression_report,
    index_bits,
    indexed_png_bytes,
    png_index_bits,
    psnr,
    rgb_png_bytes,
    to_uint8,
)
from quantize.quantizer import quantize_pixels
from quantize.image_io import ImageReadError, load_image
from quantize.plots import (
    plot_distortion,
    plot_image_grid,
    plot_k_sweep,
    plot_kmeans_progress,
    plot_palette,
    plot_points,
    plot_rgb_space,
    side_by_side,
)

__all__ = [
    "CompressionReport",
    "ImageReadError",
    "bit_budget",
    "compression_report",
    "count_colours",
    "index_bits",
    "indexed_png_bytes",
    "load_image",
    "load_toy_data",
    "plot_distortion",
    "plot_image_grid",
    "plot_k_sweep",
    "plot_kmeans_progress",
    "plot_palette",
    "plot_points",
    "plot_rgb_space",
    "png_index_bits",
    "psnr",
    "quantize_image",
    "rgb_png_bytes",
    "show_compression",
    "side_by_side",
    "to_uint8",
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


def quantize_image(image: np.ndarray, K: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A palette of at most K colours for an image, and each pixel's index, as compress.py makes them.

    The library runs K-means on each distinct colour once, weighted by how many pixels have it,
    from several good starts, so it is fast on photos of many megapixels. An image with at most
    K distinct colours keeps every one of them exactly.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1] (as :func:`load_image` gives) or uint8.
    K : int
        Largest number of colours, 1 to 256.
    seed : int, optional
        Seeds every random choice: the same image, K and seed give the same palette.

    Returns
    -------
    palette : numpy.ndarray
        ``(k, 3)`` float in [0, 1], ``k <= K``, most used colour first.
    idx : numpy.ndarray
        ``(H * W,)`` uint8 palette index of each pixel, in the order of ``image.reshape(-1, 3)``.
    """
    quantized = quantize_pixels(to_uint8(image), K, seed=seed)
    return quantized.palette / 255.0, quantized.indices.ravel()


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
