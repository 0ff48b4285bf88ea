"""Floyd–Steinberg dithering onto a given palette, by Pillow (in C), and its error.

Without dithering every pixel takes its nearest palette colour, which is what minimises the
error (PSNR); a smooth gradient then shows bands. Floyd–Steinberg error diffusion passes each
pixel's rounding error on to its neighbours, so the bands become a fine mix of two colours: it
looks smoother and measures worse (lower PSNR). ``docs/compress.md`` shows a crop of both.

Pillow's ``Image.quantize(palette=..., dither=FLOYDSTEINBERG)`` does the diffusion in C. Its
nearest-colour search looks colours up in a cache of 6 bits a channel, so a pixel may take a
colour a little farther than its nearest: invisible under dithering's own noise, and counted in
the PSNR reported, which is measured on the indices it chose.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from quantize.indexed_image import Quantized

__all__ = ["dither", "squared_error"]

# Pixels whose error is summed at once: bounds the int32 temporaries to a few tens of MiB.
_ERROR_CHUNK = 1 << 20


def squared_error(pixels: np.ndarray, palette: np.ndarray, indices: np.ndarray) -> float:
    """Sum over pixels and channels of ``(palette[indices] - pixels)**2``, in 8-bit units.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, C) uint8``.
    palette : numpy.ndarray
        ``(k, C) uint8``.
    indices : numpy.ndarray
        ``(H, W)`` integer indices into ``palette``.

    Returns
    -------
    float
        Computed in chunks of pixels, never more than one ``(chunk, C)`` array at a time.
    """
    flat_pixels = pixels.reshape(-1, pixels.shape[-1])
    flat_indices = indices.reshape(-1)
    palette = palette.astype(np.int32)
    total = 0
    for start in range(0, len(flat_indices), _ERROR_CHUNK):
        difference = palette[flat_indices[start:start + _ERROR_CHUNK]] - flat_pixels[start:start + _ERROR_CHUNK]
        total += int(np.einsum("ij,ij->", difference, difference, dtype=np.int64))
    return float(total)


def dither(pixels: np.ndarray, quantized: Quantized) -> Quantized:
    """Map ``pixels`` onto ``quantized``'s palette with Floyd–Steinberg error diffusion.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, 3)`` uint8 RGB, or ``(H, W, 4)`` RGBA that is opaque everywhere.
    quantized : Quantized
        Its palette (from the same pixels); the palette is kept, the indices are replaced.

    Returns
    -------
    Quantized
        The same palette, dithered indices, and the error of those indices.

    Raises
    ------
    ValueError
        For pixels with transparency: Pillow's dithering works on RGB only.
    """
    if pixels.shape[2] == 4:
        if not (pixels[..., 3] == 255).all():
            raise ValueError("Pillow dithers RGB only: these pixels have transparency")
        pixels = pixels[..., :3]
    palette = quantized.palette
    if len(palette) == 1 or quantized.lossless:
        return quantized  # nothing to diffuse: every pixel is exact, or has the one colour there is
    target = Image.new("P", (1, 1))
    target.putpalette(palette[:, :3].tobytes())
    remapped = Image.fromarray(np.ascontiguousarray(pixels), "RGB").quantize(
        palette=target, dither=Image.Dither.FLOYDSTEINBERG)
    indices = np.asarray(remapped, dtype=np.uint8)
    return Quantized(palette, indices, quantized.colours_in, squared_error(pixels, palette[:, :3], indices))
