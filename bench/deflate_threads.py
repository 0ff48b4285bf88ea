"""Could two cores share the encoding of a large image? What each way of splitting it costs.

compress.py deflates a large image's indices with libdeflate at level 9 in one call
(``quantize.png_encoder``), on one core. The ``deflate`` package releases Python's lock while
libdeflate works, so two threads can each compress a part at once. But a PNG's image data is one
zlib stream, and each libdeflate call ends its stream with a final block, which the package gives
no way to continue: two libdeflate streams cannot be joined. A stream can be joined the way pigz
does it: every part but the last compressed by zlib (the standard library) with the 32 KiB before
it as its dictionary and ended by a sync flush, the last part by libdeflate. This measures, on the
12-megapixel photo of ``bench/compress_vs_peers.py`` (by default) at K = 16, 64 and 256 (its indices as
compress.py chooses them, stored as compress.py stores them):

- *one stream*: what compress.py does now, its bytes and processor time;
- *two halves, two threads*: two libdeflate streams (not a valid PNG), the wall time of both
  threads against one after the other, which shows whether the lock is released, and each half's
  processor time, which shows how unevenly the work is spread over a photo;
- *joined*: the first fraction ``f`` of the rows by zlib at level 6 or 9 (in four parts), the
  rest by libdeflate, each side in a thread of its own: the bytes over one stream's (and over
  pngquant's, ``pngquant --nofs --speed 4`` at the same K, if it is installed), and the time of
  the slower side (its processor time) over one stream's. Every joined stream is checked to
  decode to the same bytes.

Usage::

    python bench/deflate_threads.py              # median of 3 timings each
    python bench/deflate_threads.py --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import deflate
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compress_vs_peers import PNGQUANT, machine, pngquant_version  # noqa: E402
from quantize.indexed_image import Quantizer  # noqa: E402
from quantize.png_encoder import LEVEL_LARGE, encode_indexed_png, stored_image  # noqa: E402
from quantize.threads import one_blas_thread  # noqa: E402

KS = (16, 64, 256)
ZLIB_LEVELS = (6, 9)
FRACTIONS = (0.3, 0.5, 0.7)
ZLIB_PARTS = 4  # zlib's share is cut in parts, as a pool of threads would take them
WINDOW = 1 << 15  # deflate's window: the dictionary each zlib part starts from


def timed(function, repeat: int) -> tuple[object, float]:
    """``function()``'s result and the median processor time of this thread over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.thread_time()
        result = function()
        times.append(time.thread_time() - start)
    return result, statistics.median(times)


def zlib_parts(data: bytes, stop: int, level: int) -> bytes:
    """``data[:stop]`` as raw deflate blocks, none final, ending on a byte: the head of a joined stream."""
    out = []
    cuts = np.linspace(0, stop, ZLIB_PARTS + 1).astype(int)
    for start, end in zip(cuts[:-1], cuts[1:]):
        dictionary = data[max(0, start - WINDOW):start]
        compressor = (zlib.compressobj(level, zlib.DEFLATED, -15, 9, zdict=dictionary) if dictionary
                      else zlib.compressobj(level, zlib.DEFLATED, -15, 9))
        out.append(compressor.compress(data[start:end]) + compressor.flush(zlib.Z_SYNC_FLUSH))
    return b"".join(out)


def in_threads(*functions) -> tuple[list, list[float], float]:
    """Run each function in a thread of its own: results, each thread's processor seconds, wall seconds."""
    results, seconds = [None] * len(functions), [0.0] * len(functions)

    def run(i):
        start = time.thread_time()
        results[i] = functions[i]()
        seconds[i] = time.thread_time() - start

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(functions))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, seconds, time.perf_counter() - start


def pngquant_bytes(pixels: np.ndarray, K: int, folder: Path) -> int | None:
    if pngquant_version() is None:
        return None
    source, theirs = folder / "photo.png", folder / "pngquant.png"
    if not source.exists():
        Image.fromarray(pixels).save(source)
    subprocess.run([*PNGQUANT, "--force", "-o", str(theirs), str(K), str(source)], check=True)
    return theirs.stat().st_size


def measure(pixels: np.ndarray, K: int, repeat: int, folder: Path) -> None:
    quantized = Quantizer(pixels).quantize(K, 0)
    _, _, stream = stored_image(quantized.indices, quantized.palette)
    data = stream.tobytes()
    row = stream.shape[1]
    whole, whole_seconds = timed(lambda: deflate.deflate_compress(data, LEVEL_LARGE), repeat)
    theirs = pngquant_bytes(pixels, K, folder)
    headers = len(encode_indexed_png(quantized.indices, quantized.palette)) - len(whole)  # the file less its deflate
    versus = f"; the file is {(headers + len(whole)) / theirs:.3f} of pngquant's" if theirs else ""
    print(f"\n## K = {K}: {len(data):,} bytes of filtered indices\n")
    print(f"One stream, libdeflate level {LEVEL_LARGE}: {len(whole):,} bytes, "
          f"{whole_seconds:.3f} s of processor time{versus}.\n")

    half = len(stream) // 2 * row
    halves = [lambda: deflate.deflate_compress(data[:half], LEVEL_LARGE),
              lambda: deflate.deflate_compress(data[half:], LEVEL_LARGE)]
    serial, parallel, each = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        for function in halves:
            function()
        serial.append(time.perf_counter() - start)
        _, seconds, wall = in_threads(*halves)
        parallel.append(wall)
        each.append(seconds)
    first, second = (statistics.median(seconds[i] for seconds in each) for i in (0, 1))
    print(f"Two halves (two streams, not joinable): {statistics.median(serial):.3f} s one after the other, "
          f"{statistics.median(parallel):.3f} s in two threads (wall); the top half {first:.3f} s, "
          f"the bottom half {second:.3f} s of processor time.\n")

    print("| joined: zlib level, its share of the rows | bytes / one stream | bytes / pngquant's "
          "| zlib side s | libdeflate side s | slower side / one stream |")
    print("|---|---:|---:|---:|---:|---:|")
    for level in ZLIB_LEVELS:
        for fraction in FRACTIONS:
            stop = round(len(stream) * fraction) * row
            runs = [in_threads(lambda: zlib_parts(data, stop, level),
                               lambda: deflate.deflate_compress(data[stop:], LEVEL_LARGE))
                    for _ in range(repeat)]
            (head, tail), _, _ = runs[0]
            joined = b"\x78\xda" + head + tail + zlib.adler32(data).to_bytes(4, "big")  # 6 bytes of zlib's wrapper
            if zlib.decompress(joined) != data:
                sys.exit(f"error: the joined stream at zlib level {level}, f = {fraction} does not decode")
            zlib_side, libdeflate_side = (statistics.median(run[1][i] for run in runs) for i in (0, 1))
            over_pngquant = f"{(headers + len(joined) - 6) / theirs:.3f}" if theirs else "—"
            print(f"| {level}, {fraction:.0%} | {(len(joined) - 6) / len(whole):.4f} | {over_pngquant} "
                  f"| {zlib_side:.3f} | {libdeflate_side:.3f} "
                  f"| {max(zlib_side, libdeflate_side) / whole_seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, median reported (default 3)")
    parser.add_argument("--K", type=int, nargs="+", default=list(KS), help="palette sizes (default 16 64 256)")
    parser.add_argument("--size", type=int, nargs=2, default=[4000, 3000], metavar=("WIDTH", "HEIGHT"),
                        help="the upscaled photo's size (default 4000 3000, 12 megapixels)")
    args = parser.parse_args()
    one_blas_thread()
    print(f"# {machine()}, deflate {deflate.__version__}; medians of {args.repeat}")
    china = Image.open(ROOT / "images" / "china.jpg").convert("RGB")
    pixels = np.asarray(china.resize(tuple(args.size), Image.Resampling.BICUBIC))
    with tempfile.TemporaryDirectory() as tmp:
        for K in args.K:
            measure(pixels, K, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
