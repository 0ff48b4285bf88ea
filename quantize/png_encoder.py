"""Indexed PNGs as small as the palette and the indices allow: the files ``compress.py`` writes.

Three things decide the size of an indexed PNG once its pixels are fixed (none changes a pixel,
so none changes PSNR):

- *palette order*: a PNG row filter predicts each byte from its neighbours, which only helps if
  neighbouring indices stand for similar colours; entries are numbered by luminance (entries that
  are not opaque first, so that the tRNS chunk stays short);
- *layout*: the bit depth (for 16 colours or fewer, indices packed 2, 4 or 8 to a byte, or one a
  byte, which deflate matches better on some photos) and the row filter (none, Up or Paeth for
  the whole image), whichever compresses a sample of the rows best (photos with noise compress
  best unfiltered; smooth ones, and upscaled ones, filtered); a small image is its own sample;
- *deflate*: libdeflate (the ``deflate`` package), whose level 12 (its slowest) finds shorter
  encodings than zlib's best; it is affordable for up to 384 KiB of indices (the repository's
  photos, at most 274,000 bytes), and level 9 is used above, where level 12 would take longer
  than the clustering (a photo of 1 megapixel at 16 colours has 500,000 bytes of indices). Of
  the small images, those whose indices the layout trials shrink less than 8 times (photos:
  1.5 to 6.2 times; icons, with their long runs, 10 to 105 times) are stored at level 11, which
  level 12 beats on photos by 0.04 % (on icons, by up to 6 %).

The measurements behind each choice are in docs/compress.md ("Bytes against pngquant").
The notebook's byte counts stay those of Pillow's writer (:mod:`course.pillow_png`).
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

import deflate
import numpy as np

from quantize.atomic_files import write_atomically
from quantize.indexed_arrays import checked_indexed_image

__all__ = ["palette_order", "pack_rows", "filter_rows", "filtered_stream", "layout_streams", "renumbered",
           "Layout", "choose_layout", "stored_image", "default_level",
           "encode_indexed_png", "write_indexed_png"]

NONE, UP, PAETH = 0, 2, 4  # the PNG filter types tried; Sub and Average lose to these (docs/compress.md)
FILTERS = (NONE, UP, PAETH)
LEVEL_SMALL_MAX_BYTES = 3 << 17  # index bytes (0.38 MP at 8 bits) up to which libdeflate level 12 is affordable
WHOLE_SAMPLE_PIXELS = 1 << 19  # pixels up to which the layout is chosen on the whole image
LEVEL_SMALL, LEVEL_LARGE, LEVEL_SAMPLE = 12, 9, 6
# A small image is its own sample, every layout tried at level 7, and those within 1 % of the
# smallest tried again at level 9: level 6 misjudged the layout of icons, whose long runs level 12
# encodes best unfiltered; on 270 small images, level 9 for every layout picked level 12's best
# as often and lost more bytes to wrong picks in all, for 2.3 times the time, and level 7 alone
# missed by more (`python bench/deflate_levels_small.py --trials`; docs/compress.md, "Why it is
# built this way"). An image whose file is written at LEVEL_LARGE (more than LEVEL_SMALL_MAX_BYTES
# of 8-bit indices) has every layout tried at that level, which picks its smallest exactly.
LEVEL_WHOLE_SAMPLE, LEVEL_WHOLE_TIES, WHOLE_TIE = 7, 9, 0.01
# A small image whose stream the trials shrink less than SHRINK_FOR_LEVEL_SMALL times is stored at
# LEVEL_SMALL_PHOTO: on the 53 small photos of bench/deflate_levels_small.py (shrunk 1.5 to 6.2
# times) level 11 was 0.04 % larger than level 12 in all (0.38 % at most) and the encoder took
# 0.81 of its time; on its 30 icons (10.7 to 105 times) level 11 was up to 6 % larger.
LEVEL_SMALL_PHOTO, SHRINK_FOR_LEVEL_SMALL = 11, 8
_SAMPLE_BLOCK_ROWS = 16  # rows in each block of the sample the layout is chosen on
_SAMPLE_BLOCKS = 16  # blocks in the sample, spread over the image
_FILTER_CHUNK_ROWS = 256  # rows filtered at once: bounds the int16 temporaries
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def palette_order(palette: np.ndarray) -> np.ndarray:
    """The order in which to store a palette: entries that are not opaque first, then by luminance.

    Parameters
    ----------
    palette : numpy.ndarray
        ``(k, 3)`` or ``(k, 4)`` uint8.

    Returns
    -------
    numpy.ndarray
        ``(k,) intp``: ``palette[order]`` is the stored palette.
    """
    luminance = palette[:, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    opaque = palette[:, 3] == 255 if palette.shape[1] == 4 else np.ones(len(palette), dtype=bool)
    return np.lexsort((luminance, opaque))


def _bit_depth(colours: int) -> int:
    """Bits a pixel for a palette of ``colours`` entries: the fewest of 1, 2, 4, 8 that hold them."""
    return next(depth for depth in (1, 2, 4, 8) if colours <= 1 << depth)


def pack_rows(indices: np.ndarray, depth: int) -> np.ndarray:
    """Pack indices into PNG rows of ``depth`` bits a pixel, leftmost pixel in the high bits.

    Parameters
    ----------
    indices : numpy.ndarray
        ``(H, W) uint8``, each below ``2**depth``.
    depth : int
        1, 2, 4 or 8.

    Returns
    -------
    numpy.ndarray
        ``(H, ceil(W * depth / 8)) uint8``, the rows a PNG stores before filtering.
    """
    if depth == 8:
        return np.ascontiguousarray(indices, dtype=np.uint8)
    per_byte = 8 // depth
    height, width = indices.shape
    padded = np.zeros((height, -(-width // per_byte) * per_byte), dtype=np.uint8)
    padded[:, :width] = indices
    groups = padded.reshape(height, -1, per_byte)
    packed = np.zeros(groups.shape[:2], dtype=np.uint8)
    for position in range(per_byte):
        packed |= groups[:, :, position] << np.uint8(depth * (per_byte - 1 - position))
    return packed


def filter_rows(rows: np.ndarray, kind: int, above: np.ndarray | None = None) -> np.ndarray:
    """Apply one PNG filter to every row (one byte a pixel for the predictors, as for palettes).

    Parameters
    ----------
    rows : numpy.ndarray
        ``(h, n) uint8`` packed rows.
    kind : int
        ``NONE``, ``UP`` or ``PAETH``.
    above : numpy.ndarray, optional
        ``(n,) uint8``: the row above the first (None: the first row of the image, zeros above).

    Returns
    -------
    numpy.ndarray
        ``(h, n) uint8`` filtered bytes (differences modulo 256).
    """
    if kind == NONE:
        return rows
    current = rows.astype(np.int16)
    up = np.empty_like(current)
    up[0] = 0 if above is None else above
    up[1:] = current[:-1]
    if kind == UP:
        return (current - up).astype(np.uint8)
    left = np.zeros_like(current)
    left[:, 1:] = current[:, :-1]
    up_left = np.zeros_like(current)
    up_left[:, 1:] = up[:, :-1]
    estimate = left + up - up_left
    to_left, to_up, to_up_left = np.abs(estimate - left), np.abs(estimate - up), np.abs(estimate - up_left)
    predictor = np.where((to_left <= to_up) & (to_left <= to_up_left), left, np.where(to_up <= to_up_left, up, up_left))
    return (current - predictor).astype(np.uint8)


def filtered_stream(rows: np.ndarray, kind: int) -> np.ndarray:
    """The bytes a PNG deflates: each row filtered, after a byte naming its filter; ``(H, 1 + n) uint8``."""
    stream = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
    stream[:, 0] = kind
    for start in range(0, len(rows), _FILTER_CHUNK_ROWS):
        stop = min(start + _FILTER_CHUNK_ROWS, len(rows))
        stream[start:stop, 1:] = filter_rows(rows[start:stop], kind, rows[start - 1] if start else None)
    return stream


def layout_streams(blocks: list[np.ndarray], colours: int) -> dict[tuple[int, int], np.ndarray]:
    """Every layout :func:`choose_layout` tries, and its stream of ``blocks`` of rows, joined.

    ``blocks`` are ``(h, W) uint8`` rows of indices; the keys are ``(depth, kind)``: the fewest
    bits that hold ``colours`` and 8, each with every filter of ``FILTERS``.
    """
    return {(depth, kind): np.concatenate([filtered_stream(pack_rows(block, depth), kind) for block in blocks])
            for depth in sorted({_bit_depth(colours), 8}) for kind in FILTERS}


def renumbered(indices: np.ndarray, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The palette in :func:`palette_order`, and the indices renumbered to match (every pixel keeps its colour)."""
    order = palette_order(palette)
    renumber = np.empty(len(order), dtype=np.uint8)
    renumber[order] = np.arange(len(order))
    return palette[order], renumber[indices]


class Layout(NamedTuple):
    """How the indices are stored: bit depth and row filter, and how well the trials compressed them."""

    depth: int  # bits a pixel: 1, 2, 4 or 8
    kind: int  # the row filter, one of FILTERS
    shrink: float  # the sample's stream in this layout, in bytes, over its deflated size at the first trial level


def choose_layout(indices: np.ndarray, colours: int) -> Layout:
    """The bit depth and filter whose stream deflates smallest on a sample of blocks of rows.

    Parameters
    ----------
    indices : numpy.ndarray
        ``(H, W) uint8``, already in the stored palette's numbering.
    colours : int
        Entries of the palette.

    Returns
    -------
    Layout
        ``depth``, the fewest bits that hold ``colours`` or 8, and ``kind``, one of ``FILTERS``; and
        ``shrink``, how many times the first trial level compressed that layout. The sample is the whole
        of an image of up to ``WHOLE_SAMPLE_PIXELS`` pixels, else ``_SAMPLE_BLOCKS`` blocks of
        ``_SAMPLE_BLOCK_ROWS`` rows spread evenly over it, compressed at a fast level
        (``LEVEL_SAMPLE``): a few per cent of the work of compressing the whole image once. A small
        image is compressed whole at ``LEVEL_WHOLE_SAMPLE``, and the layouts within a fraction
        ``WHOLE_TIE`` (1 %) of the smallest again at ``LEVEL_WHOLE_TIES``: level 12's best more often
        than ``LEVEL_SAMPLE`` picks it, and as often as level 9 for every layout, in less than half the
        time. An image of more than ``LEVEL_SMALL_MAX_BYTES`` pixels, whose 8-bit file is written at
        ``LEVEL_LARGE``, has every layout compressed at ``LEVEL_LARGE`` instead.
    """
    ties = None
    if indices.size <= WHOLE_SAMPLE_PIXELS:
        blocks = [indices]  # a small image is its own sample
        level, ties = LEVEL_WHOLE_SAMPLE, LEVEL_WHOLE_TIES
        if indices.size > LEVEL_SMALL_MAX_BYTES:
            level, ties = LEVEL_LARGE, None
    else:
        starts = np.linspace(0, len(indices) - _SAMPLE_BLOCK_ROWS, _SAMPLE_BLOCKS).astype(int)
        blocks = [indices[start:start + _SAMPLE_BLOCK_ROWS] for start in np.unique(starts)]
        level = LEVEL_SAMPLE
    streams = layout_streams(blocks, colours)
    first = sizes = {layout: len(deflate.zlib_compress(stream, level)) for layout, stream in streams.items()}
    if ties is not None:
        smallest = min(sizes.values())
        close = [layout for layout in sizes if sizes[layout] <= smallest * (1 + WHOLE_TIE)]
        if len(close) > 1:
            sizes = {layout: len(deflate.zlib_compress(streams[layout], ties)) for layout in close}
    depth, kind = min(sizes, key=lambda layout: (sizes[layout], layout))
    return Layout(depth, kind, streams[depth, kind].size / first[depth, kind])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def stored_image(indices: np.ndarray, palette: np.ndarray) -> tuple[np.ndarray, Layout, np.ndarray]:
    """What :func:`encode_indexed_png` stores, before deflate.

    Returns ``(stored, layout, stream)``: the palette in :func:`palette_order`, ``(k, 3)`` or
    ``(k, 4)`` uint8; the :class:`Layout` :func:`choose_layout` chose; and :func:`filtered_stream`
    of the indices renumbered to match, ``(H, 1 + packed row bytes) uint8``, the bytes the IDAT
    deflates.
    """
    stored, indices = renumbered(*checked_indexed_image(indices, palette))
    layout = choose_layout(indices, len(stored))
    return stored, layout, filtered_stream(pack_rows(indices, layout.depth), layout.kind)


def default_level(stream: np.ndarray, layout: Layout) -> int:
    """libdeflate's level for ``stream`` (:func:`stored_image`'s) in ``layout``: ``LEVEL_SMALL``
    up to ``LEVEL_SMALL_MAX_BYTES`` of packed indices, or ``LEVEL_SMALL_PHOTO`` there if the
    trials shrank them less than ``SHRINK_FOR_LEVEL_SMALL`` times; ``LEVEL_LARGE`` above."""
    if stream.size - len(stream) > LEVEL_SMALL_MAX_BYTES:
        return LEVEL_LARGE
    return LEVEL_SMALL if layout.shrink >= SHRINK_FOR_LEVEL_SMALL else LEVEL_SMALL_PHOTO


def encode_indexed_png(indices: np.ndarray, palette: np.ndarray, level: int | None = None) -> bytes:
    """The bytes of an indexed PNG, as small as :mod:`quantize.png_encoder` makes them.

    ``indices`` is ``(H, W) uint8``, each below ``len(palette)``; ``palette`` is ``(k, 3)`` or
    ``(k, 4)`` uint8 RGB or RGBA, ``1 <= k <= 256``. Returns a PNG of colour type 3 (palette) at
    1, 2, 4 or 8 bits a pixel (the fewest that hold k colours, or 8: :func:`choose_layout`), with
    a tRNS chunk if any alpha is below 255. The palette is stored in :func:`palette_order`, the
    indices renumbered to match: every pixel keeps its colour. ``level`` is libdeflate's level for
    the image data, 1 to 12; by default :func:`default_level`'s (``bench/deflate_levels_small.py``
    compares levels).
    """
    stored, layout, stream = stored_image(indices, palette)
    if level is None:
        level = default_level(stream, layout)
    height, width = np.shape(indices)
    parts = [_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, layout.depth, 3, 0, 0, 0)),
             _chunk(b"PLTE", stored[:, :3].tobytes())]
    if stored.shape[1] == 4 and (stored[:, 3] < 255).any():
        alpha = stored[:, 3]
        parts.append(_chunk(b"tRNS", alpha[: np.flatnonzero(alpha < 255)[-1] + 1].tobytes()))
    parts += [_chunk(b"IDAT", deflate.zlib_compress(stream, level)), _chunk(b"IEND", b"")]
    return b"".join(parts)


def write_indexed_png(path, indices: np.ndarray, palette: np.ndarray, overwrite: bool = False) -> int:
    """Write :func:`encode_indexed_png`'s file atomically (:func:`quantize.atomic_files.write_atomically`).

    Returns
    -------
    int
        Bytes written.
    """
    data = encode_indexed_png(indices, palette)
    write_atomically(path, lambda file: file.write(data), overwrite=overwrite)
    return len(data)
