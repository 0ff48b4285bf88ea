"""Bytes of compress.py's PNG against pngquant's at the same K, one encoder step at a time.

The palette and indices are those compress.py finds (the same for every step, so every step has
the same pixels and the same PSNR); only the way they are stored changes:

0. Pillow's writer, as compress.py wrote until now (zlib level 6; run-length strategy and
   Pillow's own row filters for 16 colours or fewer);
1. no row filter, zlib level 9: pngquant's settings;
2. the palette in luminance order, and the best of no filter, Up and Paeth (zlib level 9);
3. libdeflate instead of zlib, at the level the encoder uses (12 up to 384 KiB of indices, else 9);
4. for 16 colours or fewer, one index a byte when that compresses better: the encoder as it is
   (``quantize.png_encoder.encode_indexed_png``), whose time is given.

Each figure is the file's size over pngquant's (``pngquant --nofs --speed 4 K``) on the same
image: below 1, smaller than pngquant's. Images: the repository's photos as PNG, and with --big
the 12-megapixel upscale of china.jpg of bench/compress_vs_peers.py.

Usage::

    python bench/png_bytes_steps.py            # the five photos, K = 16, 64, 256
    python bench/png_bytes_steps.py --big      # and the 12-megapixel photo
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import deflate
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compress_vs_peers import PNGQUANT, machine, make_images, pngquant_version  # noqa: E402
from course.pillow_png import indexed_png_image, png_save_options  # noqa: E402
from quantize import png_encoder  # noqa: E402
from quantize.indexed_image import quantize_pixels  # noqa: E402

KS = (16, 64, 256)
STEPS = ["0 Pillow", "1 no filter, zlib 9", "2 + luminance order, filter", "3 + libdeflate", "4 + 8-bit indices (now)"]


def pillow_bytes(indices: np.ndarray, palette: np.ndarray) -> int:
    buffer = io.BytesIO()
    indexed_png_image(indices, palette).save(buffer, format="PNG", **png_save_options(len(palette)))
    return buffer.tell()


def stored_bytes(stream: np.ndarray, compress, colours: int) -> int:
    """Size of a PNG whose IDAT holds ``compress(stream)``: the chunks around it are fixed."""
    overhead = 8 + 25 + (12 + 3 * colours) + 12 + 12  # signature, IHDR, PLTE, IDAT, IEND
    return overhead + len(compress(stream))


def steps(indices: np.ndarray, palette: np.ndarray) -> tuple[list[int], float]:
    """Bytes after each step, and the time of the last (the encoder as it is)."""
    colours = len(palette)
    depth = next(d for d in (1, 2, 4, 8) if colours <= 1 << d)
    zlib9 = lambda stream: zlib.compress(stream.tobytes(), 9)  # noqa: E731
    sizes = [pillow_bytes(indices, palette)]
    rows = png_encoder.pack_rows(indices, depth)
    sizes.append(stored_bytes(png_encoder.filtered_stream(rows, png_encoder.NONE), zlib9, colours))
    order = png_encoder.palette_order(palette)
    renumber = np.empty(len(order), dtype=np.uint8)
    renumber[order] = np.arange(len(order))
    rows = png_encoder.pack_rows(renumber[indices], depth)
    streams = {kind: png_encoder.filtered_stream(rows, kind) for kind in png_encoder.FILTERS}
    sizes.append(min(stored_bytes(stream, zlib9, colours) for stream in streams.values()))
    level = png_encoder.LEVEL_SMALL if rows.nbytes <= png_encoder.LEVEL_SMALL_MAX_BYTES else png_encoder.LEVEL_LARGE
    libdeflate = lambda stream: deflate.zlib_compress(stream, level)  # noqa: E731
    sizes.append(min(stored_bytes(stream, libdeflate, colours) for stream in streams.values()))
    started = time.perf_counter()
    sizes.append(len(png_encoder.encode_indexed_png(indices, palette)))
    return sizes, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="also the 12-megapixel photo")
    args = parser.parse_args()
    if pngquant_version() is None:
        sys.exit("error: pngquant is not installed (on Debian or Ubuntu: sudo apt-get install pngquant)")
    lines, ratios = [], []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        images = make_images(folder, quick=not args.big)
        for image in images:
            pixels = np.asarray(Image.open(image).convert("RGB"))
            for K in KS:
                theirs = folder / f"{image.stem}-pq{K}.png"
                subprocess.run([*PNGQUANT, str(K), "-o", str(theirs), str(image)], check=True)
                q = quantize_pixels(pixels, K)
                sizes, seconds = steps(q.indices, q.palette)
                reference = theirs.stat().st_size
                ratios.append(sizes[-1] / reference)
                lines.append(f"| {image.name} | {K} | {reference:,} | " + " | ".join(
                    f"{size / reference:.3f}" for size in sizes) + f" | {sizes[-1]:,} | {seconds:.2f} |")
                print(lines[-1], file=sys.stderr)
    print(f"Machine: {machine()}; libdeflate through deflate {getattr(deflate, '__version__', '')}.\n")
    print("| image | K | pngquant bytes | " + " | ".join(STEPS) + " | bytes now | encode s |")
    print("|---|---:|---:|" + "---:|" * len(STEPS) + "---:|---:|")
    print("\n".join(lines))
    worst = max(ratios)
    print(f"\nLargest size over pngquant's, now: {worst:.3f} ({'no larger on any' if worst <= 1 else 'LARGER on some'}).")


if __name__ == "__main__":
    main()
