"""Where compress.py's time goes on the 12-megapixel photo, step by step.

The photo is the one of ``bench/compress_vs_peers.py`` (china.jpg upscaled to 4000 x 3000,
bicubic, saved as PNG). Each step of a run is timed on its own, in one process, as
``compress.py`` does it (one BLAS thread, no transparent huge pages); the palette fit is split
into its stages by wrapping the functions it calls. The start-up is timed apart, as a fresh
interpreter importing the command. Every figure is the median of ``--repeat`` runs; the machine
is shared, so read the shares rather than the seconds.

Usage::

    python bench/compress_steps.py                 # K = 16 and 256, 3 runs each
    python bench/compress_steps.py --K 64 --repeat 5
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")  # as compress.py runs
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bench.compress_vs_peers import BIG, machine  # noqa: E402
from quantize import palette  # noqa: E402
from quantize import indexed_image  # noqa: E402
from quantize.image_io import decode_image  # noqa: E402
from quantize.indexed_image import Quantizer  # noqa: E402
from quantize.png_encoder import encode_indexed_png  # noqa: E402
from quantize.threads import one_blas_thread  # noqa: E402

# The palette fit's stages: the functions quantize.palette calls, and the row each is counted in.
FIT_STAGES = {
    "bin_index": "bins of 6 and 5 bits a channel, and what the finish needs of them",
    "group_points": "bins of 6 and 5 bits a channel, and what the finish needs of them",
    "_starts": "starts and Lloyd on the 5-bit bins, swaps",
    "lloyd": None,  # by the number of its points (timed_fit)
    "swap_search": "starts and Lloyd on the 5-bit bins, swaps",
    "worth_grouping": "Lloyd on the distinct colours (the finish)",
    "grouped_lloyd": "Lloyd on the distinct colours (the finish)",
    "grouped_assignment": "each colour's nearest palette entry",
    "nearest_centre": "each colour's nearest palette entry",
}
OTHER_FIT = "the rest of the fit (rounding, renumbering)"


def start_up_seconds() -> float:
    """A fresh interpreter importing compress.py's modules, less a bare interpreter's start."""
    def timed(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                       env={**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"})
        return time.perf_counter() - start
    return timed("import compress; compress.one_blas_thread_from_the_start(); compress.one_blas_thread()") - timed("pass")


def timed_fit(stages: dict[str, float], colours: int, stack: contextlib.ExitStack) -> list[float]:
    """Wrap quantize.palette's helpers, while ``stack`` is open, so that each call adds its seconds
    to its stage; returns the list to which each fit_palette call appends its own seconds."""
    coarsest = []

    def lloyd_stage(points: int) -> str:
        coarsest[:] = coarsest or [points]  # the first Lloyd runs on the coarsest level
        if points == colours:
            return "Lloyd on the distinct colours (the finish)"
        return "Lloyd on the 6-bit bins" if points > coarsest[0] else "starts and Lloyd on the 5-bit bins, swaps"

    def timed(function, stage_of):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[stage_of(args)] += time.perf_counter() - start
        return call

    def worth_grouping_stage(args) -> str:  # asked before the finish, and before the last assignment
        return "each colour's nearest palette entry" if args[1].dtype == np.uint8 else FIT_STAGES["worth_grouping"]

    for name, stage in FIT_STAGES.items():
        stage_of = (lambda args: lloyd_stage(len(args[0]))) if name == "lloyd" else (
            worth_grouping_stage if name == "worth_grouping" else (lambda args, stage=stage: stage))
        stack.enter_context(mock.patch.object(palette, name, timed(getattr(palette, name), stage_of)))
    fits: list[float] = []
    real_fit = palette.fit_palette

    def fit(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real_fit(*args, **kwargs)
        finally:
            fits.append(time.perf_counter() - start)

    stack.enter_context(mock.patch.object(indexed_image, "fit_palette", fit))
    return fits


def one_run(path: Path, K: int) -> dict[str, float]:
    """Seconds of each step of compressing ``path`` with ``K`` colours, as compress.py does it."""
    steps: dict[str, float] = defaultdict(float)
    clock = time.perf_counter
    start = clock()
    decoded = decode_image(path)
    steps["decode the PNG to a numpy array"] = clock() - start
    start = clock()
    quantizer = Quantizer(decoded.pixels)
    steps["count the distinct colours"] = clock() - start
    fit_stages: dict[str, float] = defaultdict(float)
    with contextlib.ExitStack() as stack:
        fits = timed_fit(fit_stages, quantizer.colours, stack)
        start = clock()
        quantized = quantizer.quantize(K)
        quantize_seconds = clock() - start
    for stage, seconds in fit_stages.items():
        steps["palette: " + stage] = seconds
    steps["palette: " + OTHER_FIT] = fits[0] - sum(fit_stages.values())
    steps["each pixel's index (a table lookup), palette order"] = quantize_seconds - fits[0]
    start = clock()
    png = encode_indexed_png(quantized.indices, quantized.palette)
    steps["encode the PNG (layout on a sample, row filter, libdeflate)"] = clock() - start
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        start = clock()
        file.write(png)
        file.flush()
        steps["write the file"] = clock() - start
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--K", type=int, nargs="+", default=[16, 256], help="palette sizes (default 16 256)")
    parser.add_argument("--repeat", type=int, default=3, help="runs, median reported (default 3)")
    parser.add_argument("--size", type=int, nargs=2, default=[4000, 3000], metavar=("WIDTH", "HEIGHT"),
                        help="the upscaled photo's size (default 4000 3000, 12 megapixels)")
    args = parser.parse_args()
    one_blas_thread()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / BIG
        photo = Image.open(ROOT / "images" / "china.jpg").convert("RGB")
        photo.resize(tuple(args.size), Image.Resampling.BICUBIC).save(path)
        columns = {}
        for K in args.K:
            runs = [one_run(path, K) for _ in range(args.repeat)]
            starts = [start_up_seconds() for _ in range(args.repeat)]
            steps = {"start-up: interpreter and imports": statistics.median(starts)}
            for name in runs[0]:
                steps[name] = statistics.median(run.get(name, 0.0) for run in runs)
            columns[K] = steps
    names = list(dict.fromkeys(name for steps in columns.values() for name in steps))  # in order, each once
    print(f"Machine: {machine()}. Seconds, median of {args.repeat} runs.\n")
    print("| step | " + " | ".join(f"K = {K}" for K in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{columns[K].get(name, 0.0):.2f}" for K in columns) + " |")
    print("| **total** | " + " | ".join(f"**{sum(steps.values()):.2f}**" for steps in columns.values()) + " |")
    print("| of which the palette fit | " + " | ".join(
        f"{sum(v for n, v in steps.items() if n.startswith('palette: ')):.2f}" for steps in columns.values()) + " |")


if __name__ == "__main__":
    main()
