"""Indexed (palette) PNGs as Pillow writes them: the notebook's byte counts.

The notebook measures what a palette saves in a file any library would write: Pillow's indexed
PNG with these options. ``compress.py`` writes smaller files of the same pixels
(:mod:`quantize.png_encoder`).
"""

from __future__ import annotations

import zlib

import numpy as np
from PIL import Image

__all__ = ["checked_indexed_image", "indexed_png_image", "png_save_options"]


def checked_indexed_image(indices: np.ndarray, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W)`` indices and a ``(k, 3 or 4)`` palette of 1 to 256 entries as contiguous uint8, or ValueError."""
    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    palette = np.asarray(palette, dtype=np.uint8)
    if indices.ndim != 2 or palette.ndim != 2 or palette.shape[1] not in (3, 4) or not 1 <= len(palette) <= 256:
        raise ValueError(f"need (H, W) indices and a (k, 3 or 4) palette, got {indices.shape} and {palette.shape}")
    return indices, palette


def indexed_png_image(indices: np.ndarray, palette: np.ndarray) -> Image.Image:
    """A Pillow palette image ready to save as PNG.

    Parameters
    ----------
    indices : numpy.ndarray
        ``(H, W) uint8`` palette index of each pixel, all below ``len(palette)``.
    palette : numpy.ndarray
        ``(k, 3)`` or ``(k, 4)`` uint8 RGB or RGBA colours, ``1 <= k <= 256``.

    Returns
    -------
    PIL.Image.Image
        Mode ``"P"`` with exactly ``k`` palette entries, so that Pillow stores 1, 2, 4 or 8 bits
        a pixel, the fewest that hold k. With an RGBA palette that has any alpha below 255,
        ``info["transparency"]`` holds the alphas, which Pillow writes as the tRNS chunk.
    """
    indices, palette = checked_indexed_image(indices, palette)
    img = Image.frombytes("P", indices.shape[::-1], indices.tobytes())
    img.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    if palette.shape[1] == 4 and (palette[:, 3] < 255).any():
        alpha = palette[:, 3]
        # tRNS may stop after the last entry that is not opaque; the rest default to 255.
        img.info["transparency"] = alpha[: np.flatnonzero(alpha < 255)[-1] + 1].tobytes()
    return img


def png_save_options(k: int) -> dict:
    """Pillow's PNG options for a palette of ``k`` colours, as the notebook's byte counts use them
    (:func:`course.accounting.indexed_png_bytes`)."""
    options = {"compress_level": 6}
    if k <= 16:
        # 1, 2 or 4 bits a pixel: zlib's run-length strategy makes smaller files than its default
        # here, and faster; at 8 bits it makes larger ones (docs/compress.md, "Why it is built
        # this way").
        options["compress_type"] = zlib.Z_RLE  # Pillow hands it to zlib as the strategy
    return options
