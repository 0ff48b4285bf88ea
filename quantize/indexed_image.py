"""Reduce an array of pixels to a palette of at most K colours and an index per pixel.

The steps, each done once however many pixels share a colour: count the distinct colours
(:mod:`quantize.colour_counts`), fit a palette to them weighted by their counts
(:mod:`quantize.palette`), spread the colours' palette indices back to the pixels with one table
lookup. The error, hence PSNR, is summed over distinct colours too.

A :class:`Quantizer` counts the colours once and then fits palettes of any size to them, so that
:func:`smallest_palette_reaching` tries several K for the cost of one count.

Transparency: a fully transparent pixel's colour cannot be seen, so all of them share one palette
entry (0, 0, 0, 0), and the error counts them as exact. Where some pixels are partly transparent,
the others are clustered, and the error measured, on premultiplied colour and alpha
(:mod:`quantize.premultiplied`): what a viewer shows over any background. Opaque pixels'
premultiplied colour is their colour, so an image whose alpha is only 0 and 255 is clustered as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quantize.colour_counts import colour_histogram
from quantize.indexed_arrays import psnr_from_mse
from quantize.palette import fit_palette
from quantize.palette_pruning import prune_palette
from quantize.palette_size import check_K
from quantize.premultiplied import fit_premultiplied, premultiply

__all__ = ["Quantized", "Quantizer", "quantize_pixels", "smallest_palette_reaching", "check_K", "ENOUGH_PSNR",
           "ENOUGH_MOVE"]

# An error of 1/32 of a level, root mean square over pixels and channels (78.2 dB), where no
# pixel is more than 4 levels off, is far below what the eye or 8-bit compositing can show: a
# palette that does better than that with fewer entries than K spends no more of them
# (quantize.palette_pruning). pngquant stops at its own target, 73-76 dB on the Adwaita icons
# that have a few hundred colours (docs/compress.md).
ENOUGH_PSNR = psnr_from_mse((1 / 32) ** 2, peak=255.0)
ENOUGH_MOVE = 4.0**2  # and no colour moves further than 4 levels (a squared distance over its channels)


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
        (fully transparent pixels count as equal); for RGBA, of the premultiplied colour
        (RGB times alpha / 255) and alpha.
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


class Quantizer:
    """The colours of one image, counted once, ready to be fitted with palettes of any size.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, 3)`` or ``(H, W, 4)`` uint8, RGB or RGBA. An alpha channel that is 255
        everywhere is clustered as RGB (and put back on the palette).
    """

    def __init__(self, pixels: np.ndarray) -> None:
        pixels = np.asarray(pixels)
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
            raise ValueError(f"pixels must be (H, W, 3) or (H, W, 4) uint8, got {pixels.dtype} {pixels.shape}")
        self._opaque_alpha = pixels.shape[2] == 4 and bool((pixels[..., 3] == 255).all())
        if self._opaque_alpha:
            pixels = pixels[..., :3]
        elif pixels.shape[2] == 4:
            hidden = (pixels[..., 3] == 0) & pixels[..., :3].any(axis=2)
            if hidden.any():
                pixels = pixels.copy()
                pixels[hidden] = 0  # an invisible colour is no colour: one entry serves them all
        self._histogram = colour_histogram(pixels)

    @property
    def colours(self) -> int:
        """Distinct colours of the image (fully transparent pixels count as one)."""
        return len(self._histogram)

    def quantize(self, K: int, seed: int = 0, enough_psnr: float | None = ENOUGH_PSNR) -> Quantized:
        """The palette of at most ``K`` colours with the least squared error, and every pixel's index.

        Parameters
        ----------
        K : int
            Largest number of colours, 1 to 256.
        seed : int, optional
            Seeds every random choice; the same pixels, K and seed give the same result.
        enough_psnr : float or None, optional
            Where the image has more than K colours and the K-colour palette's PSNR exceeds this,
            entries are removed while the PSNR stays at least this and no colour moves further
            than ``ENOUGH_MOVE`` (:func:`prune_palette`); ``None``: all K are kept.

        Returns
        -------
        Quantized
            An image with at most K colours is kept exactly (``lossless``).
        """
        K = check_K(K)
        counts = self._histogram
        colours, weights = counts.colours, counts.counts.astype(np.float64)
        if len(counts) <= K:
            palette, labels, sse = colours, np.arange(len(colours), dtype=np.uint8), 0.0
        else:
            transparent = np.flatnonzero(colours[:, 3] == 0) if colours.shape[1] == 4 else []
            if len(transparent) and K >= 2:
                # Fully transparent pixels get an exact entry of their own; the rest share K - 1.
                others = np.ones(len(colours), dtype=bool)
                others[transparent] = False
                entries, labels_of_others, sse = self._fit(colours[others], weights[others], K - 1, seed)
                palette = np.vstack([np.zeros((1, 4), np.uint8), entries])
                labels = np.zeros(len(colours), dtype=np.uint8)
                labels[others] = labels_of_others + 1
            else:
                palette, labels, sse = self._fit(colours, weights, K, seed)
            if enough_psnr is not None and len(palette) > 1:
                # The error at enough_psnr, over pixels and channels as Quantized.psnr counts them.
                channels = 4 if self._opaque_alpha else colours.shape[1]
                max_sse = 255.0**2 / 10 ** (enough_psnr / 10) * weights.sum() * channels
                if sse < max_sse:
                    palette, labels, sse = self._pruned(colours, weights, palette, max_sse)
        palette, labels = _ordered(palette, labels, weights)
        if self._opaque_alpha:
            palette = np.hstack([palette, np.full((len(palette), 1), 255, np.uint8)])
        return Quantized(palette, counts.per_pixel(labels), len(counts), float(sse))

    @staticmethod
    def _pruned(colours: np.ndarray, weights: np.ndarray, palette: np.ndarray, max_sse: float
                ) -> tuple[np.ndarray, np.ndarray, float]:
        """``palette`` less the entries whose removal keeps the error at most ``max_sse``, cheapest first.

        The error is measured as the fit measures it: on premultiplied colour and alpha for RGBA.
        """
        measured = premultiply if colours.shape[1] == 4 else (lambda rgb: rgb)
        # The entry of the fully transparent pixels stays theirs (Quantized.palette).
        transparent = (palette[:, 3] == 0) if palette.shape[1] == 4 else None
        keep, labels, sse = prune_palette(measured(colours).astype(np.float64), weights,
                                          measured(palette).astype(np.float64), max_sse,
                                          max_move=ENOUGH_MOVE, fixed=transparent)
        renumber = (np.cumsum(keep) - 1).astype(np.uint8)
        return palette[keep], renumber[labels], sse

    @staticmethod
    def _fit(colours: np.ndarray, weights: np.ndarray, K: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Palette, labels and error of ``colours``: premultiplied where some are partly transparent.

        At K = 1 the one entry is the mean of clear and opaque pixels alike, partly transparent
        itself, so it is stored and measured premultiplied too.
        """
        if colours.shape[1] == 4 and (K == 1 or ((colours[:, 3] > 0) & (colours[:, 3] < 255)).any()):
            return fit_premultiplied(colours, weights, K, seed)
        fit = fit_palette(colours, weights, K, seed)
        return fit.palette, fit.labels, fit.sse


def quantize_pixels(pixels: np.ndarray, K: int, seed: int = 0) -> Quantized:
    """Reduce an image to at most ``K`` colours that minimise the squared error (maximise PSNR).

    ``Quantizer(pixels).quantize(K, seed)``: ``pixels`` is ``(H, W, 3)`` or ``(H, W, 4)`` uint8,
    K from 1 to 256; the same input, K and seed give the same result. An image with at most K
    colours is kept exactly (``lossless``); one with a few more, whose K-colour palette would be
    better than ``ENOUGH_PSNR``, gets fewer entries at that PSNR. Raises ValueError if K is out
    of range.
    """
    return Quantizer(pixels).quantize(K, seed)


def smallest_palette_reaching(quantizer: Quantizer, min_psnr: float, K: int, seed: int = 0,
                              finish: Callable[[Quantized], Quantized] | None = None) -> tuple[Quantized, bool]:
    """The fewest colours, at most ``K``, whose result reaches a PSNR, from one colour count.

    PSNR grows with the number of colours, so a bisection over 1..K finds the smallest that
    reaches the target in about ``log2(K)`` palette fits (8 at K = 256), all on the colours
    counted once by ``quantizer``. Should PSNR dip as K grows (it can, by a hair, since each
    palette is a local optimum), the result still reaches the target; a smaller K might too.

    Parameters
    ----------
    quantizer : Quantizer
        The image's colours.
    min_psnr : float
        The target, in dB.
    K : int
        Most colours allowed, 1 to 256.
    seed : int, optional
        Seeds each fit.
    finish : callable, optional
        Applied to each candidate before its PSNR is judged (dithering, say), so that the target
        holds for what is written.

    Returns
    -------
    quantized : Quantized
        The smallest palette found that reaches ``min_psnr``; if even ``K`` colours do not, the
        ``K``-colour result.
    reached : bool
        Whether ``quantized.psnr >= min_psnr``.
    """
    finish = finish or (lambda quantized: quantized)
    # The bisection is the search for the fewest entries here: each fit keeps all it is given, so
    # that a target above ENOUGH_PSNR is not reported out of reach.
    best = finish(quantizer.quantize(K, seed, enough_psnr=None))
    if best.psnr < min_psnr:
        return best, False
    low, high = 0, K  # low colours do not reach the target (0: none tried), high colours do
    while high - low > 1:
        middle = (low + high) // 2
        candidate = finish(quantizer.quantize(middle, seed, enough_psnr=None))
        if candidate.psnr >= min_psnr:
            best, high = candidate, middle
        else:
            low = middle
    return best, True
