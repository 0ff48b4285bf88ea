"""Palettes for colours that are partly transparent: fitted and measured on premultiplied colour.

What a viewer shows of a pixel over any background is its colour times its opacity, plus the
background times the rest: so two pixels look alike when their *premultiplied* colours
(R, G, B times alpha / 255) and their alphas are close, whatever their straight colours. A pixel
of alpha 3 whose straight colour is far off shows an error of 3 / 255 of that; clustered straight,
such faint pixels (the soft edge of an icon, a shadow) pull palette entries towards colours no
one sees. pngquant clusters premultiplied colour for this reason, and so does this module.

The palette is fitted on the premultiplied colours rounded to 8 bits (the fit's input), then each
entry is stored as the straight colour a PNG holds (its premultiplied colour divided by its alpha,
rounded), and every colour takes the stored entry nearest to its exact premultiplied value. The
error is summed on those exact values: over the three premultiplied channels and alpha.
"""

from __future__ import annotations

import numpy as np

from quantize.indexed_arrays import psnr_from_mse
from quantize.palette import fit_palette
from quantize.weighted_kmeans import nearest_centre

__all__ = ["premultiply", "premultiplied_psnr", "fit_premultiplied"]


def premultiply(colours: np.ndarray) -> np.ndarray:
    """RGB times alpha / 255, and alpha: ``(n, 4) uint8`` straight RGBA to ``(n, 4) float32``."""
    colours = np.asarray(colours)
    alpha = colours[:, 3:].astype(np.float32)
    return np.hstack([colours[:, :3] * (alpha / np.float32(255)), alpha])


def premultiplied_psnr(original: np.ndarray, written: np.ndarray) -> float:
    """PSNR in dB (peak 255) of premultiplied colour and alpha, over every pixel and 4 channels; inf if equal.

    ``original`` and ``written`` are ``(..., 4) uint8`` straight RGBA of the same shape: the measure
    :class:`quantize.indexed_image.Quantized` reports for partly transparent images, and by which
    the benchmarks compare any tool's files.
    """
    a, b = (premultiply(np.asarray(image).reshape(-1, 4)).astype(np.float64) for image in (original, written))
    return psnr_from_mse(float(((a - b) ** 2).mean()), peak=255.0)


def _straight(premultiplied: np.ndarray) -> np.ndarray:
    """The 8-bit straight RGBA whose premultiplied colour is nearest ``(k, 4) uint8`` premultiplied entries.

    Premultiplied colour is linear in the straight colour, so rounding ``p * 255 / alpha`` gives
    the nearest in each channel; an entry of alpha 0 is stored as (0, 0, 0, 0).
    """
    alpha = premultiplied[:, 3:].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rgb = np.where(alpha > 0, premultiplied[:, :3] * 255.0 / alpha, 0.0)
    return np.hstack([np.clip(np.rint(rgb), 0, 255), alpha]).astype(np.uint8)


def fit_premultiplied(colours: np.ndarray, weights: np.ndarray, K: int, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray, float]:
    """At most ``K`` straight RGBA entries that minimise the error of premultiplied colour and alpha.

    Parameters
    ----------
    colours : numpy.ndarray
        ``(n, 4) uint8`` distinct straight RGBA colours.
    weights : numpy.ndarray
        ``(n,) float64`` pixel counts.
    K : int
        Largest palette size, 1 to 256.
    seed : int, optional
        Seeds the fit (:func:`quantize.palette.fit_palette`).

    Returns
    -------
    palette : numpy.ndarray
        ``(k, 4) uint8`` straight RGBA, ``k <= K``, every entry used.
    labels : numpy.ndarray
        ``(n,) uint8`` each colour's entry.
    sse : float
        ``sum(weights * |premultiply(colours) - premultiply(palette[labels])|^2)``, 8-bit units.
    """
    exact = premultiply(colours)
    # Colours that premultiply to the same 8-bit values are one point of the fit (faint pixels of
    # many hidden colours become a few), weighted by all their pixels.
    rounded = np.rint(exact).astype(np.uint8)
    points, group = np.unique(rounded, axis=0, return_inverse=True)
    point_weights = np.bincount(group.ravel(), weights=weights, minlength=len(points))
    fit = fit_palette(points, point_weights, K, seed)
    palette = _straight(fit.palette)
    stored = premultiply(palette)
    labels, _ = nearest_centre(exact, stored)
    # The error from the differences themselves, in float64: exact where the distance is zero.
    error = ((exact.astype(np.float64) - stored[labels]) ** 2).sum(axis=1)
    used = np.bincount(labels, minlength=len(palette)) > 0
    renumber = (np.cumsum(used) - 1).astype(np.uint8)
    return palette[used], renumber[labels], float(weights @ error)
