"""Indexed (palette) PNGs as Pillow writes them: the notebook's byte counts.

The notebook measures what a palette saves in a file any library would write: Pillow's indexed
PNG with these options. ``compress.py`` writes smaller files of the same pixels
(:mod:`quantize.png_encoder`).
"""

from __future__ import annotations

import zlib

import numpy as np
from PIL import Image

from quantize.indexed_arrays import checked_indexed_image

__all__ = ["indexed_png_image", "png_save_options"]


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
