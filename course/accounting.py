"""How many bits and bytes an image takes, before and after colour quantisation, and its PSNR.

Two kinds of figure, kept apart on purpose:

- the *information* count: a true-colour pixel is 24 bits; a quantised pixel is an index into a
  palette of K colours, ``ceil(log2 K)`` bits, plus the palette itself (K x 24 bits), once;
- the *file* count: the bytes of a real PNG, which also pays for headers and gains from zlib.
  PNG stores palette indices with 1, 2, 4 or 8 bits, so K = 8 costs 4 bits a pixel in a file.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

from course.pillow_png import indexed_png_image, png_save_options
from quantize.indexed_arrays import psnr_from_mse

__all__ = [
    "BITS_PER_TRUE_COLOUR_PIXEL",
    "index_bits",
    "png_index_bits",
    "BitBudget",
    "bit_budget",
    "to_uint8",
    "rgb_png_bytes",
    "indexed_png_bytes",
    "psnr",
    "CompressionReport",
    "compression_report",
]

BITS_PER_TRUE_COLOUR_PIXEL = 24  # 8 bits for each of red, green and blue


def index_bits(K: int) -> int:
    """Bits needed to tell K palette entries apart: ``ceil(log2 K)`` (0 for K = 1)."""
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    return math.ceil(math.log2(K))


def png_index_bits(K: int) -> int:
    """Bits a PNG spends on each palette index for K colours: the next of 1, 2, 4 or 8."""
    if not 1 <= K <= 256:
        raise ValueError(f"a PNG palette holds 1 to 256 colours, got {K}")
    return next(depth for depth in (1, 2, 4, 8) if K <= 1 << depth)


@dataclass(frozen=True)
class BitBudget:
    """The information count for an image of ``pixels`` pixels quantised to ``K`` colours."""

    pixels: int
    K: int

    @property
    def original_bits(self) -> int:
        """24 bits for every pixel."""
        return self.pixels * BITS_PER_TRUE_COLOUR_PIXEL

    @property
    def bits_per_pixel(self) -> int:
        """Bits of each pixel's palette index: ``ceil(log2 K)``."""
        return index_bits(self.K)

    @property
    def palette_bits(self) -> int:
        """The palette: K colours of 24 bits each."""
        return self.K * BITS_PER_TRUE_COLOUR_PIXEL

    @property
    def compressed_bits(self) -> int:
        """Indices for every pixel plus the palette."""
        return self.pixels * self.bits_per_pixel + self.palette_bits

    @property
    def ratio(self) -> float:
        """How many times smaller the quantised image is: original bits / compressed bits."""
        return self.original_bits / self.compressed_bits


def bit_budget(pixels: int, K: int) -> BitBudget:
    """The information count for ``pixels`` pixels and a palette of ``K`` colours."""
    if pixels < 1:
        raise ValueError(f"an image has at least one pixel, got {pixels}")
    index_bits(K)  # validates K
    return BitBudget(int(pixels), int(K))


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float colours in [0, 1] (any shape) to the nearest 8-bit values; uint8 passes through."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def _png_size(img: Image.Image, **options) -> int:
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", **options)  # by default zlib level 6, no optimize pass
    return buffer.tell()


def rgb_png_bytes(image: np.ndarray) -> int:
    """Bytes of a 24-bit (true-colour) PNG of ``image``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1] or uint8.
    """
    image = to_uint8(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be (H, W, 3), got shape {image.shape}")
    return _png_size(Image.fromarray(image))


def indexed_png_bytes(idx: np.ndarray, palette: np.ndarray) -> int:
    """Bytes of an indexed (palette) PNG: one index per pixel plus a palette of K colours.

    Parameters
    ----------
    idx : numpy.ndarray
        ``(H, W)`` integer palette indices in ``0 .. K-1``.
    palette : numpy.ndarray
        ``(K, 3)`` colours, float in [0, 1] or uint8, with ``1 <= K <= 256``.

    Returns
    -------
    int
        The size Pillow writes, with the options of :func:`course.pillow_png.png_save_options`
        (``compress.py`` writes smaller files of the same pixels: :mod:`quantize.png_encoder`).
        Pillow packs indices at 1, 2, 4 or 8 bits, the smallest depth that holds K colours,
        because the palette it is given has exactly K entries.
    """
    idx = np.asarray(idx)
    palette = to_uint8(palette)
    K = len(palette)
    png_index_bits(K)  # validates K
    if idx.ndim != 2:
        raise ValueError(f"idx must be (H, W), got shape {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= K):
        raise ValueError(f"indices must lie in 0..{K - 1}")
    return _png_size(indexed_png_image(idx, palette), **png_save_options(K))


def psnr(original: np.ndarray, compressed: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in decibels: ``10 log10(peak^2 / MSE)``.

    Parameters
    ----------
    original, compressed : numpy.ndarray
        Arrays of the same shape, e.g. ``(H, W, 3)`` floats in [0, 1].
    peak : float, optional
        The largest possible value: 1.0 for floats in [0, 1], 255 for 8-bit values.

    Returns
    -------
    float
        PSNR in dB; higher is closer. ``inf`` if the arrays are identical. Around 30 dB a
        quantised photo looks close to the original at a glance; 40 dB and above, differences
        are hard to see.
    """
    original = np.asarray(original, dtype=np.float64)
    compressed = np.asarray(compressed, dtype=np.float64)
    if original.shape != compressed.shape:
        raise ValueError(f"shapes differ: {original.shape} and {compressed.shape}")
    return psnr_from_mse(float(np.mean((original - compressed) ** 2)), peak)


@dataclass(frozen=True)
class CompressionReport:
    """Sizes and quality of one image quantised to K colours; ``str()`` gives the printed table."""

    budget: BitBudget
    true_colour_png_bytes: int
    indexed_png_bytes: int
    psnr_db: float
    source_name: str | None = None
    source_bytes: int | None = None

    @property
    def png_ratio(self) -> float:
        """How many times smaller the indexed PNG is than the 24-bit PNG of the same image."""
        return self.true_colour_png_bytes / self.indexed_png_bytes

    def __str__(self) -> str:
        b = self.budget
        rows = [
            ("Information", ""),
            ("  original", f"{b.pixels:,} pixels x 24 bits = {b.original_bits:,} bits"),
            ("  compressed", f"{b.pixels:,} pixels x {b.bits_per_pixel} bits + palette of {b.K} x 24 bits"
                             f" = {b.compressed_bits:,} bits"),
            ("  ratio", f"{b.ratio:.2f} : 1"),
            ("Files written by Pillow", "bytes"),
        ]
        if self.source_bytes is not None:
            rows.append((f"  source file ({self.source_name})", f"{self.source_bytes:,}"))
        rows += [
            ("  24-bit PNG", f"{self.true_colour_png_bytes:,}"),
            (f"  indexed PNG, K = {b.K}", f"{self.indexed_png_bytes:,}  ({png_index_bits(b.K)}-bit indices, "
                                        f"{self.png_ratio:.2f} times smaller than the 24-bit PNG)"),
            ("Quality", f"PSNR {self.psnr_db:.2f} dB (the indexed PNG's pixels against the original)"),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}".rstrip() for label, value in rows)


def sweep_table(reports: list[CompressionReport]) -> str:
    """The table of a sweep over K: index bits, ratio, bytes, PSNR and the gain of each step.

    Parameters
    ----------
    reports : list of CompressionReport
        One per K, in increasing K, of the same image.

    Returns
    -------
    str
        Two header lines, then one line per K.
    """
    lines = [
        f"{'':>3}  {'':>10}  {'':>6}  {'information':>11}  {'indexed PNG':>11}  {'':>13}  {'':>8}  {'':>7}",
        f"{'K':>3}  {'index bits':>10}  {'ratio':>6}  {'(bytes)':>11}  {'(bytes)':>11}  "
        f"{'vs 24-bit PNG':>13}  {'PSNR':>8}  {'gain':>7}",
    ]
    for i, r in enumerate(reports):
        gain = "" if i == 0 else f"+{r.psnr_db - reports[i - 1].psnr_db:.2f}"
        lines.append(f"{r.budget.K:>3}  {r.budget.bits_per_pixel:>10}  {r.budget.ratio:>5.2f}x  "
                     f"{r.budget.compressed_bits / 8:>11,.0f}  {r.indexed_png_bytes:>11,}  {r.png_ratio:>12.2f}x  "
                     f"{r.psnr_db:>5.2f} dB  {gain:>7}")
    return "\n".join(lines)


def compression_report(image: np.ndarray, palette: np.ndarray, idx: np.ndarray,
                       source_file: str | os.PathLike | None = None) -> CompressionReport:
    """Measure an image before and after quantisation.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1] or uint8: the original.
    palette : numpy.ndarray
        ``(K, 3)`` float in [0, 1] or uint8: the palette (the centroids).
    idx : numpy.ndarray
        ``(H * W,)`` or ``(H, W)`` integer palette index of each pixel.
    source_file : str or path-like, optional
        The file the image was read from; its size is reported for comparison.

    Returns
    -------
    CompressionReport
        The information count, the bytes of a 24-bit PNG and of an indexed PNG of the image
        (both written by Pillow with the same settings), and the PSNR of the indexed PNG's
        pixels (its palette rounded to 8 bits, as stored) against the original.
    """
    original = to_uint8(image)
    # PSNR against the image as given: its own float values, or its 8-bit values scaled to [0, 1].
    reference = original / 255.0 if np.asarray(image).dtype == np.uint8 else np.asarray(image, dtype=np.float64)
    height, width = original.shape[:2]
    indices = np.reshape(idx, (height, width))
    stored_palette = to_uint8(palette)
    return CompressionReport(
        budget=bit_budget(height * width, len(stored_palette)),
        true_colour_png_bytes=rgb_png_bytes(original),
        indexed_png_bytes=indexed_png_bytes(indices, stored_palette),
        psnr_db=psnr(reference, stored_palette[indices] / 255.0),
        source_name=None if source_file is None else os.path.basename(source_file),
        source_bytes=None if source_file is None else os.path.getsize(source_file),
    )
