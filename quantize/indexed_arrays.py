"""An indexed image as arrays, an index a pixel and a palette: checked for writing, and its error as PSNR.

Both PNG writers (Pillow's, whose sizes the notebook counts, and the engine's own) take these
arrays through :func:`checked_indexed_image`; the engine, the command and the notebook state
quality as :func:`psnr_from_mse`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["checked_indexed_image", "psnr_from_mse"]


def checked_indexed_image(indices: np.ndarray, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W)`` indices and a ``(k, 3 or 4)`` palette of 1 to 256 entries as contiguous uint8, or ValueError."""
    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    palette = np.asarray(palette, dtype=np.uint8)
    if indices.ndim != 2 or palette.ndim != 2 or palette.shape[1] not in (3, 4) or not 1 <= len(palette) <= 256:
        raise ValueError(f"need (H, W) indices and a (k, 3 or 4) palette, got {indices.shape} and {palette.shape}")
    return indices, palette


def psnr_from_mse(mse: float, peak: float = 1.0) -> float:
    """``10 log10(peak^2 / MSE)`` in dB, from a mean squared error already known; ``inf`` for 0."""
    if mse == 0:
        return math.inf
    return float(10.0 * np.log10(peak**2 / mse))
