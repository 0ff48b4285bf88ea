"""Write an indexed (palette) PNG without ever leaving a partial file behind.

The image is written to a temporary file in the destination folder and then renamed over the
destination, so a failure (a full disk, an error, Ctrl-C) leaves either the old file or none.
The rename is atomic because both names are in one folder, hence on one file system.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
from PIL import Image

__all__ = ["write_atomically", "write_indexed_png", "indexed_png_image", "png_save_options"]


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
        # 1, 2 or 4 bits a pixel: zlib's run-length strategy gave files 1-10 % smaller than its
        # default on every photo tried, and 4x faster (0.07 s instead of 0.3 s at 12 MP).
        # At 8 bits it is 20-60 % larger, so the default strategy stays; level 9 would save
        # 1-3 % for 3-5x the time, and ``optimize=True`` takes seconds (measured once, by hand,
        # on the repository's photos and a 12-megapixel one).
        options["compress_type"] = zlib.Z_RLE  # Pillow hands it to zlib as the strategy
    return options


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None], overwrite: bool = False) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    Parameters
    ----------
    path : str or path-like
        The destination; its folder must exist.
    write : callable
        Writes the whole content to the binary file object it is given.
    overwrite : bool, optional
        Replace an existing ``path``. If False and ``path`` exists (even if it appears while
        writing), ``FileExistsError`` is raised and nothing is changed.

    Raises
    ------
    OSError
        ``FileExistsError`` as above; otherwise whatever the file system reports (no such folder,
        permission denied, disk full). The temporary file is removed in every case.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(17, "File exists", path)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the permissions a new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        if overwrite:
            os.replace(temp, path)
        else:
            _rename_no_clobber(temp, path)
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise


def _rename_no_clobber(temp: str, path: str) -> None:
    """Rename ``temp`` to ``path`` unless ``path`` exists, without a window between check and act."""
    try:
        os.link(temp, path)  # fails with FileExistsError if path exists, atomically
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a tiny race remains).
        if os.path.lexists(path):
            raise FileExistsError(17, "File exists", path) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


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
    img = indexed_png_image(indices, palette)
    options = png_save_options(len(palette))
    write_atomically(path, lambda file: img.save(file, format="PNG", **options), overwrite=overwrite)
    return os.path.getsize(path)
