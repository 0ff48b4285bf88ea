"""Compress an image to an indexed PNG of at most K colours: the library behind ``compress.py``.

Two entry points:

- :func:`quantize_pixels` works on an array: it finds the palette and every pixel's index;
- :func:`compress_file` does the whole job of the command: read any image Pillow reads, quantise
  it, write the PNG atomically, and return a :class:`CompressReport` of sizes, quality and time.

The steps, each done once however many pixels share a colour: count the distinct colours
(:mod:`quantize.colour_counts`), fit a palette to them weighted by their counts
(:mod:`quantize.palette`), spread the colours' palette indices back to the pixels with one table
lookup, write the PNG (:mod:`quantize.png_writer`). The error, hence PSNR, is summed over distinct
colours too.

Transparency: a fully transparent pixel's colour cannot be seen, so all of them share one palette
entry (0, 0, 0, 0), and the error counts them as exact. The other pixels are clustered in RGBA,
all four channels weighing the same, so half-transparent edges keep their alpha.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from .accounting import psnr_from_mse
from .colour_counts import count_colours
from .image_io import ImageReadError, image_to_array, read_image
from .palette import fit_palette
from .png_writer import write_atomically, write_indexed_png

T = TypeVar("T")

__all__ = ["CompressError", "Quantized", "quantize_pixels", "CompressReport", "compress_file",
           "default_output_path", "check_figure_path", "save_comparison"]


class CompressError(ValueError):
    """A mistake by the user (bad input, K out of range, an output that exists...): one line."""


@dataclass(frozen=True, eq=False)
class Quantized:
    """An image as a palette and an index per pixel.

    Attributes
    ----------
    palette : numpy.ndarray
        ``(k, C) uint8`` with ``k <= K`` and ``C`` the input's channels (3 RGB, 4 RGBA). Entries
        that are not opaque come first, then the rest from most to least used.
        Fully transparent input pixels stay fully transparent (they share one entry), except at
        K = 1, where the one entry is the mean of all pixels.
    indices : numpy.ndarray
        ``(H, W) uint8`` palette index of each pixel.
    colours_in : int
        Distinct colours of the input; for RGBA, all fully transparent pixels count as one
        colour, whatever their hidden RGB values.
    sse : float
        Sum over pixels and channels of the squared difference from the input, in 8-bit units
        (fully transparent pixels count as equal).
    """

    palette: np.ndarray
    indices: np.ndarray
    colours_in: int
    sse: float

    @property
    def lossless(self) -> bool:
        """True if every pixel is reproduced exactly (the image had at most K colours; for RGBA,
        fully transparent pixels of any hidden colour count as one colour)."""
        return self.sse == 0

    def image(self) -> np.ndarray:
        """The quantised image, ``palette[indices]``: ``(H, W, C) uint8``."""
        return self.palette[self.indices]

    @property
    def psnr(self) -> float:
        """PSNR in dB against the input, peak 255, over all channels; ``inf`` if lossless."""
        return psnr_from_mse(self.sse / (self.indices.size * self.palette.shape[1]), peak=255.0)


def _check_K(K: int) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or not 1 <= K <= 256:
        raise CompressError(f"K must be a whole number from 1 to 256 (a PNG palette's size), got {K!r}")
    return int(K)


def _ordered(palette: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber a palette: entries that are not opaque first (so tRNS stays short), then by use.

    The order is for readers of the file (and determinism); it does not change the PNG's size,
    since Pillow stores palette images unfiltered and zlib is blind to a relabelling of bytes.
    """
    use = np.bincount(labels, weights=weights, minlength=len(palette))
    opaque = palette[:, 3] == 255 if palette.shape[1] == 4 else np.ones(len(palette), dtype=bool)
    order = np.lexsort((-use, opaque))
    rank = np.empty(len(order), dtype=np.uint8)
    rank[order] = np.arange(len(order))
    return palette[order], rank[labels]


def quantize_pixels(pixels: np.ndarray, K: int, seed: int = 0) -> Quantized:
    """Reduce an image to at most ``K`` colours that minimise the squared error (maximise PSNR).

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, 3)`` or ``(H, W, 4)`` uint8, RGB or RGBA.
    K : int
        Largest number of colours, 1 to 256.
    seed : int, optional
        Seeds every random choice; the same input, K and seed give the same result.

    Returns
    -------
    Quantized
        An image with at most K colours is kept exactly (``lossless``).

    Raises
    ------
    CompressError
        If K is out of range.
    """
    K = _check_K(K)
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"pixels must be (H, W, 3) or (H, W, 4) uint8, got {pixels.dtype} {pixels.shape}")
    if pixels.shape[2] == 4:
        alpha = pixels[..., 3]
        if (alpha == 255).all():
            # An alpha channel with nothing in it: cluster in RGB, put the alpha back after.
            rgb = quantize_pixels(pixels[..., :3], K, seed)
            palette = np.hstack([rgb.palette, np.full((len(rgb.palette), 1), 255, np.uint8)])
            return Quantized(palette, rgb.indices, rgb.colours_in, rgb.sse)
        hidden = (alpha == 0) & pixels[..., :3].any(axis=2)
        if hidden.any():
            pixels = pixels.copy()
            pixels[hidden] = 0  # an invisible colour is no colour: one entry serves them all

    counts = count_colours(pixels)
    colours, weights = counts.colours, counts.counts.astype(np.float64)
    if len(counts) <= K:
        palette, labels, sse = colours, np.arange(len(colours), dtype=np.uint8), 0.0
    else:
        transparent = np.flatnonzero(colours[:, 3] == 0) if pixels.shape[2] == 4 else []
        if len(transparent) and K >= 2:
            # Fully transparent pixels get an exact entry of their own; the rest share K - 1.
            others = np.ones(len(colours), dtype=bool)
            others[transparent] = False
            fit = fit_palette(colours[others], weights[others], K - 1, seed)
            palette = np.vstack([np.zeros((1, 4), np.uint8), fit.palette])
            labels = np.zeros(len(colours), dtype=np.uint8)
            labels[others] = fit.labels + 1
        else:
            fit = fit_palette(colours, weights, K, seed)
            palette, labels = fit.palette, fit.labels
        sse = fit.sse
    palette, labels = _ordered(palette, labels, weights)
    return Quantized(palette, counts.per_pixel(labels), len(counts), float(sse))


def default_output_path(input_path: str | os.PathLike, K: int) -> Path:
    """``<input stem>-k<K>.png`` in the input's folder."""
    path = Path(input_path)
    return path.with_name(f"{path.stem}-k{K}.png")


@dataclass(frozen=True)
class CompressReport:
    """What :func:`compress_file` did, with every figure the command prints.

    Sizes are in bytes, ``seconds`` is the wall time of reading, quantising and writing.
    """

    input_path: Path
    output_path: Path
    width: int
    height: int
    K: int
    input_bytes: int
    output_bytes: int
    colours_in: int
    colours_out: int
    psnr_db: float
    seconds: float

    @property
    def lossless(self) -> bool:
        """True if the output reproduces the input exactly (its PSNR is infinite)."""
        return math.isinf(self.psnr_db)

    @property
    def pixels(self) -> int:
        """Width times height."""
        return self.width * self.height

    @property
    def bits_per_pixel_in(self) -> float:
        """Bits of the input file for each pixel."""
        return 8 * self.input_bytes / self.pixels

    @property
    def bits_per_pixel_out(self) -> float:
        """Bits of the output PNG for each pixel."""
        return 8 * self.output_bytes / self.pixels

    @property
    def ratio(self) -> float:
        """Input bytes over output bytes: how many times smaller the output is."""
        return self.input_bytes / self.output_bytes

    def __str__(self) -> str:
        quality = "lossless (the image has no more colours than K)" if self.lossless else f"PSNR {self.psnr_db:.2f} dB"
        rows = [
            ("input", f"{self.input_path}  {self.width} x {self.height}"),
            ("output", f"{self.output_path}  (K = {self.K})"),
            ("size", f"{self.input_bytes:,} -> {self.output_bytes:,} bytes  "
                     f"({self.bits_per_pixel_in:.2f} -> {self.bits_per_pixel_out:.2f} bits/pixel, "
                     f"ratio {self.ratio:.2f})"),
            ("colours", f"{self.colours_in:,} -> {self.colours_out:,}"),
            ("quality", quality),
            ("time", f"{self.seconds:.2f} s"),
        ]
        return "\n".join(f"{label:<8} {value}" for label, value in rows)


def _check_destination(path: Path, input_path: Path, force: bool, what: str) -> None:
    """Refuse, before any work, a destination that cannot or must not be written."""
    folder = path.parent
    if not folder.is_dir():
        raise CompressError(f"{what} folder {folder} does not exist")
    if path.exists() or path.is_symlink():
        if input_path.exists() and path.exists() and os.path.samefile(path, input_path):
            raise CompressError(f"{path} is the input file; choose another {what} name")
        if path.is_dir():
            raise CompressError(f"{path} is a folder; give a file name for the {what}")
        if not force:
            raise CompressError(_exists(path))


def _exists(path: Path) -> str:
    return f"{path} already exists (use --force to overwrite it)"


def _writing(path: Path, write: Callable[[], T]) -> T:
    """Call ``write()``, an atomic write to ``path``, with its failures as one-line CompressErrors."""
    try:
        return write()
    except FileExistsError:  # appeared since the check before the work
        raise CompressError(_exists(path)) from None
    except OSError as exc:
        raise CompressError(f"{path}: cannot write ({exc.strerror or exc})") from None


def compress_file(input_path: str | os.PathLike, output_path: str | os.PathLike | None = None, K: int = 16,
                  seed: int = 0, force: bool = False) -> CompressReport:
    """Compress an image file to an indexed PNG with at most ``K`` colours.

    Parameters
    ----------
    input_path : str or path-like
        Any image Pillow reads; EXIF orientation is applied. Never modified.
    output_path : str or path-like, optional
        A ``.png`` file name; default ``<input stem>-k<K>.png`` beside the input.
    K : int, optional
        Largest number of colours, 1 to 256 (default 16).
    seed : int, optional
        Seeds every random choice (a non-negative integer).
    force : bool, optional
        Overwrite an existing output file.

    Returns
    -------
    CompressReport

    Raises
    ------
    CompressError
        For every mistake a user can make: a missing, unreadable, truncated or too large input;
        K or seed out of range; an output that exists (without ``force``), is the input, is not
        a ``.png`` name, or lies in a folder that does not exist or cannot be written.
    """
    started = time.perf_counter()
    K = _check_K(K)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CompressError(f"the seed must be a non-negative whole number, got {seed!r}")
    input_path = Path(input_path)
    output_path = default_output_path(input_path, K) if output_path is None else Path(output_path)
    if output_path.suffix.lower() != ".png":
        raise CompressError(f"{output_path}: the output is a PNG file, so its name must end in .png")
    try:
        image = read_image(input_path)
    except ImageReadError as exc:
        raise CompressError(str(exc)) from None
    _check_destination(output_path, input_path, force, "output")
    input_bytes = input_path.stat().st_size
    pixels = image_to_array(image)
    del image  # the decoded copy is as large as the pixels
    quantized = quantize_pixels(pixels, K, seed)
    output_bytes = _writing(output_path, lambda: write_indexed_png(output_path, quantized.indices, quantized.palette,
                                                                   overwrite=force))
    height, width = quantized.indices.shape
    return CompressReport(
        input_path=input_path, output_path=output_path, width=width, height=height, K=K,
        input_bytes=input_bytes, output_bytes=output_bytes, colours_in=quantized.colours_in,
        colours_out=len(quantized.palette), psnr_db=quantized.psnr,
        seconds=time.perf_counter() - started,
    )


def save_comparison(report: CompressReport, figure_path: str | os.PathLike, force: bool = False) -> Path:
    """Save the input and the written PNG side by side, titled with their colours and sizes.

    Parameters
    ----------
    report : CompressReport
        From :func:`compress_file`; both of its files are read again, so the figure shows what
        is on disk.
    figure_path : str or path-like
        Any format matplotlib writes, by its extension (``.png``, ``.pdf``, ``.svg``...).
    force : bool, optional
        Overwrite an existing figure file.

    Returns
    -------
    pathlib.Path
        ``figure_path``.

    Raises
    ------
    CompressError
        If the figure cannot be written there, or its format is unknown.
    """
    figure_path = Path(figure_path)
    check_figure_path(figure_path, report.input_path, report.output_path, force)
    from matplotlib import pyplot as plt  # only the figure needs matplotlib (0.3 s to import)

    from .plots import side_by_side

    original = image_to_array(read_image(report.input_path))
    compressed = image_to_array(read_image(report.output_path))
    quality = "lossless" if report.lossless else f"PSNR {report.psnr_db:.2f} dB"
    fig = side_by_side(
        original, compressed,
        f"original: {report.colours_in:,} colours, {report.input_bytes:,} bytes",
        f"K = {report.K}: {report.colours_out} colours, {report.output_bytes:,} bytes, {quality}",
    )
    file_format = figure_path.suffix[1:].lower()
    try:
        _writing(figure_path, lambda: write_atomically(
            figure_path, lambda file: fig.savefig(file, format=file_format, dpi=100), overwrite=force))
    finally:
        plt.close(fig)
    return figure_path


def check_figure_path(figure_path: str | os.PathLike, input_path: str | os.PathLike,
                      output_path: str | os.PathLike, force: bool = False) -> None:
    """Raise :class:`CompressError` unless ``figure_path`` can take a figure (call before work).

    The format comes from the extension and must be one matplotlib writes; the figure may not
    replace the input nor the compressed output.
    """
    figure_path = Path(figure_path)
    if figure_path.resolve() == Path(output_path).resolve():
        raise CompressError(f"{figure_path} is also the output file; give the figure another name")
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if figure_path.suffix[1:].lower() not in formats:
        raise CompressError(f"{figure_path}: the figure's name must end in one of "
                            f"{', '.join('.' + f for f in sorted(formats))}")
    _check_destination(figure_path, Path(input_path), force, "figure")
