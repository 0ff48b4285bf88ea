"""Indexed (palette) PNGs: the Pillow image, its save options, its bytes, and a safe write.

Every indexed PNG of the project (the command's files, the notebook's byte counts) is made here,
with the same options, so the same palette and indices give the same bytes everywhere. Files are
written through :func:`quantize.atomic_files.write_atomically`, so a failure never leaves a
partial file.
"""

from __future__ import annotations

import io
import os
import zlib

import numpy as np
from PIL import Image

from .atomic_files import write_atomically

__all__ = ["indexed_png_image", "png_save_options", "encode_indexed_png", "write_indexed_png"]


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
    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    palette = np.asarray(palette, dtype=np.uint8)
    if indices.ndim != 2 or palette.ndim != 2 or palette.shape[1] not in (3, 4) or not 1 <= len(palette) <= 256:
        raise ValueError(f"need (H, W) indices and a (k, 3 or 4) palette, got {indices.shape} and {palette.shape}")
    img = Image.frombytes("P", indices.shape[::-1], indices.tobytes())
    img.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    if palette.shape[1] == 4 and (palette[:, 3] < 255).any():
        alpha = palette[:, 3]
        # tRNS may stop after the last entry that is not opaque; the rest default to 255.
        img.info["transparency"] = alpha[: np.flatnonzero(alpha < 255)[-1] + 1].tobytes()
    return img


def png_save_options(k: int) -> dict:
    """Pillow's PNG options for a palette of ``k`` colours: how every indexed PNG here is written.

    The notebook's byte counts (:func:`quantize.accounting.indexed_png_bytes`) and the files of
    ``compress.py`` use the same options, so the same palette and indices give the same size.
    """
    options = {"compress_level": 6}
    if k <= 16:
        # 1, 2 or 4 bits a pixel: zlib's run-length strategy makes smaller files than its default
        # here, and faster; at 8 bits it makes larger ones (docs/compress.md, "Why it is built
        # this way").
        options["compress_type"] = zlib.Z_RLE  # Pillow hands it to zlib as the strategy
    return options


def encode_indexed_png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """The bytes of an indexed PNG, in memory.

    Parameters
    ----------
    indices : numpy.ndarray
        ``(H, W) uint8`` palette indices.
    palette : numpy.ndarray
        ``(k, 3)`` or ``(k, 4)`` uint8 colours; see :func:`indexed_png_image`.

    Returns
    -------
    bytes
        The whole file, written with :func:`png_save_options`.
    """
    buffer = io.BytesIO()
    indexed_png_image(indices, palette).save(buffer, format="PNG", **png_save_options(len(palette)))
    return buffer.getvalue()


def write_indexed_png(path: str | os.PathLike, indices: np.ndarray, palette: np.ndarray,
                      overwrite: bool = False) -> int:
    """Write an indexed PNG atomically (see :func:`write_atomically`).

    Parameters
    ----------
    path : str or path-like
        Destination file.
    indices : numpy.ndarray
        ``(H, W) uint8`` palette indices.
    palette : numpy.ndarray
        ``(k, 3)`` or ``(k, 4)`` uint8 colours; see :func:`indexed_png_image`.
    overwrite : bool, optional
        Replace an existing file.

    Returns
    -------
    int
        Bytes written.
    """
    data = encode_indexed_png(indices, palette)
    write_atomically(path, lambda file: file.write(data), overwrite=overwrite)
    return len(data)
