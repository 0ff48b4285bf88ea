"""The distinct colours of an image and how many pixels have each: a weighted colour histogram.

A 12-megapixel photo has about a million and a half distinct colours, so everything after this
step (clustering, nearest-colour search, the error count) works on each colour once, weighted by
its count, instead of once per pixel. The palette index of every pixel is then one table lookup.

Two routes:

- RGB, and the opaque pixels of RGBA: pack each pixel into a 24-bit integer and count with
  ``np.bincount`` over all 2**24 values, much faster than ``np.unique`` (a sort);
- RGBA pixels that are not opaque: 32-bit keys are too many to count densely, so ``np.unique``
  sorts them.

:func:`bin_index` then sorts the colours into cubes of a few levels a channel, whose weighted
means (:mod:`quantize.grouped_kmeans`) are a cheap stand-in on which to search for a palette and
which keep rare saturated colours (a random subsample of pixels would drop them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ColourHistogram", "colour_histogram", "bin_index"]

_RGB_KEYS = 1 << 24
# Below this many pixels, colours are counted by sorting (see colour_histogram).
DENSE_MIN_PIXELS = 1 << 20


def _pack(pixels: np.ndarray) -> np.ndarray:
    """``(N, C) uint8`` to ``(N,)`` integer keys, first channel most significant.

    int32 keys for RGB (they index the 2**24 counts directly), uint32 for RGBA.
    """
    channels = pixels.shape[1]
    dtype = np.int32 if channels == 3 else np.uint32
    keys = pixels[:, 0].astype(dtype)
    for c in range(1, channels):
        keys <<= 8
        keys |= pixels[:, c]
    return keys


def _unpack(keys: np.ndarray, channels: int) -> np.ndarray:
    """Inverse of :func:`_pack`: ``(n,)`` keys to ``(n, channels) uint8``."""
    # The big-endian bytes of a 32-bit key are its channels, most significant first.
    return np.ascontiguousarray(keys.astype(">u4").view(np.uint8).reshape(-1, 4)[:, 4 - channels:])


@dataclass(frozen=True, eq=False)
class ColourHistogram:
    """The distinct colours of an image, their pixel counts, and where each pixel's colour is.

    Attributes
    ----------
    colours : numpy.ndarray
        ``(n, C) uint8`` distinct colours, ``C`` = 3 (RGB) or 4 (RGBA). For RGBA, the colours
        that are not opaque come first, then the opaque ones; each group in increasing order of
        packed value (red, then green, then blue, then alpha).
    counts : numpy.ndarray
        ``(n,) int64`` number of pixels of each colour; sums to ``H * W``.
    shape : tuple of int
        ``(H, W)`` of the image counted.
    """

    colours: np.ndarray
    counts: np.ndarray
    shape: tuple[int, int]
    # Pixels counted through the 2**24 table (all of RGB, the opaque ones of RGBA): their packed
    # RGB keys, (m,) int32, and which pixels they are, (H*W,) bool (None: every pixel).
    _dense_keys: np.ndarray
    _dense_pixels: np.ndarray | None
    # Every other pixel's row in ``colours``, (H*W - m,) intp; those rows come first.
    _sparse_rows: np.ndarray
    _sparse_colours: int

    def __len__(self) -> int:
        return len(self.counts)

    def per_pixel(self, values: np.ndarray) -> np.ndarray:
        """Spread one value per distinct colour out to every pixel.

        Parameters
        ----------
        values : numpy.ndarray
            ``(n,)`` values, one for each row of :attr:`colours` (e.g. uint8 palette indices).

        Returns
        -------
        numpy.ndarray
            ``(H, W)`` of ``values.dtype``: each pixel's value.
        """
        values = np.asarray(values)
        if values.shape != (len(self),):
            raise ValueError(f"need one value per distinct colour ({len(self)}), got shape {values.shape}")
        sparse = self._sparse_colours
        if sparse == len(self):
            return values[self._sparse_rows].reshape(self.shape)
        # A 2**24 table (16 MiB for uint8 values), then one gather over the pixels.
        table = np.zeros(_RGB_KEYS, dtype=values.dtype)
        table[_pack(self.colours[sparse:, :3])] = values[sparse:]
        if self._dense_pixels is None:
            return table[self._dense_keys].reshape(self.shape)
        flat = np.empty(self.shape[0] * self.shape[1], dtype=values.dtype)
        flat[self._dense_pixels] = table[self._dense_keys]
        flat[~self._dense_pixels] = values[self._sparse_rows]
        return flat.reshape(self.shape)


def _count_dense(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(N, 3) uint8`` pixels: (packed keys, distinct colours (n, 3) uint8, counts (n,) int64)."""
    keys = _pack(pixels)
    counts = np.bincount(keys, minlength=_RGB_KEYS)
    distinct = np.flatnonzero(counts.astype(bool))  # a bool table scans twice as fast as int64
    return keys, _unpack(distinct, 3), counts[distinct]


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True, return_counts=True)`` for ``(N,)`` integer keys.

    The same result, from one stable argsort instead of the several sorts ``np.unique`` makes
    for its three outputs, in under half the time.
    """
    if len(keys) == 0:
        return keys, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    rows = np.empty(len(keys), dtype=np.intp)
    rows[order] = np.cumsum(np.concatenate([[False], ordered[1:] != ordered[:-1]]))
    return ordered[starts], rows, np.diff(np.append(starts, len(keys)))


def colour_histogram(pixels: np.ndarray) -> ColourHistogram:
    """Count the distinct colours of an image.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, 3)`` or ``(H, W, 4)`` uint8.

    Returns
    -------
    ColourHistogram
        Time and memory are linear in the number of pixels: keys of 4 bytes a pixel and a
        transient 128 MiB table of counts; for RGBA pixels that are not opaque, a sort of their
        keys (a few times slower, but such pixels are usually few: edges and shadows). Images
        of fewer than ``DENSE_MIN_PIXELS`` pixels are counted by a sort of all their keys.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"pixels must be (H, W, 3) or (H, W, 4) uint8, got {pixels.dtype} {pixels.shape}")
    height, width, channels = pixels.shape
    flat = pixels.reshape(-1, channels)
    if channels == 3 and len(flat) >= DENSE_MIN_PIXELS:
        keys, colours, counts = _count_dense(flat)
        return ColourHistogram(colours, counts, (height, width), keys, None, np.zeros(0, np.intp), 0)
    if channels == 3 or len(flat) < DENSE_MIN_PIXELS:
        # A small image, RGB or RGBA (an icon): sorting its keys is quicker than clearing a
        # 128 MiB table.
        colours, rows, counts = _unique(_pack(flat))
        return ColourHistogram(_unpack(colours, channels), counts, (height, width), np.zeros(0, np.int32),
                            np.zeros(len(flat), dtype=bool), rows, len(colours))
    opaque = flat[:, 3] == 255
    keys, opaque_colours, opaque_counts = _count_dense(flat[opaque, :3])
    sparse, rows, sparse_counts = _unique(_pack(flat[~opaque]))
    opaque_colours = np.hstack([opaque_colours, np.full((len(opaque_colours), 1), 255, np.uint8)])
    colours = np.vstack([_unpack(sparse, 4), opaque_colours])
    counts = np.concatenate([sparse_counts.astype(np.int64), opaque_counts])
    return ColourHistogram(colours, counts, (height, width), keys, opaque, rows.reshape(-1), len(sparse))


def bin_index(colours: np.ndarray, bits: int) -> np.ndarray:
    """The bin of each colour when ``2**bits`` levels a channel are kept.

    Parameters
    ----------
    colours : numpy.ndarray
        ``(n, C)`` uint8 colours.
    bits : int
        Bits kept of each channel, 1 to 8; each bin is a cube of side ``2**(8 - bits)``.

    Returns
    -------
    numpy.ndarray
        ``(n,) intp``: occupied bins numbered ``0 .. m-1`` in the order of their packed values,
        every number used.
    """
    colours = np.asarray(colours)
    shift = 8 - bits
    key = np.zeros(len(colours), dtype=np.int64)
    for c in range(colours.shape[1]):
        key <<= bits
        key |= colours[:, c] >> shift
    if bits * colours.shape[1] > 21:
        return _unique(key)[1]
    # Few enough bins to number densely (a table of at most 16 MiB).
    occupied = np.zeros(1 << (bits * colours.shape[1]), dtype=bool)
    occupied[key] = True
    rank = np.cumsum(occupied) - 1
    return rank[key]
