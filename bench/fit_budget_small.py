"""What the fit's budgets buy on small images: processor time of the fit, and its lead over pngquant.

The small images of ``bench/compress_small_vs_pngquant.py`` (the six Adwaita icons at K = 16, 64
and 256, and the 36 photos and 6 icons at 256 px of its 48-file batch at K = 64) are quantised
in this process with each setting of ``quantize.palette``'s budgets given, and every result is
compared with pngquant's file for the same image and K (``pngquant --nofs --speed 4``), by the
PSNR of premultiplied colour and alpha (:func:`quantize.premultiplied.premultiplied_psnr`). The
time is the processor time of all the fits of one setting (the histograms are made once, before).

Usage::

    python bench/fit_budget_small.py                      # the settings of the code, and the old ones
    python bench/fit_budget_small.py '{"SWAP_WORK_PER_COLOUR": 2}' '{"FINISH_MAX_ITER": 100}'
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import quantize.palette as palette  # noqa: E402
from bench.compress_small_vs_pngquant import BATCH_K, ICON_THEME, ICONS, KS, batch_files, rgba  # noqa: E402
from bench.compress_vs_peers import PNGQUANT, pngquant_version  # noqa: E402
from quantize.image_io import decode_image  # noqa: E402
from quantize.indexed_image import Quantizer  # noqa: E402
from quantize.premultiplied import premultiplied_psnr  # noqa: E402
from quantize.threads import one_blas_thread  # noqa: E402

# The budgets before issue 21 (item 2): 40 swaps whatever the colours, and the finish up to 100 iterations.
BEFORE = {"SWAP_WORK_PER_COLOUR": float("inf"), "FINISH_MAX_ITER": 100}


def pairs(folder: Path) -> list[tuple[Path, int]]:
    icons = [(ICON_THEME / icon, K) for icon in ICONS for K in KS]
    small = [(path, BATCH_K) for path in batch_files(folder)  # the 512 px icons are among the icons above
             if path.name.startswith("photo") or path.name.endswith("-256.png")]
    return icons + small


def as_rgba(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3 or 4) uint8`` as RGBA, opaque where it has no alpha."""
    if image.shape[2] == 4:
        return image
    return np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])


def pngquant_psnr(image: Path, K: int, out: Path) -> float:
    subprocess.run([*PNGQUANT, "-o", str(out), str(K), str(image)], check=True)
    return premultiplied_psnr(rgba(image), rgba(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("settings", nargs="*", help="JSON objects of quantize.palette names and values")
    args = parser.parse_args()
    if pngquant_version() is None:
        sys.exit("error: pngquant is not installed (make bench-small installs it)")
    settings = [json.loads(s) for s in args.settings]
    # Every name any setting changes is put back to the code's value before the next setting.
    code = {name: getattr(palette, name) for name in {*BEFORE, *(name for setting in settings for name in setting)}}
    settings = settings or [code, BEFORE]
    one_blas_thread()
    with tempfile.TemporaryDirectory() as tmp:
        work = pairs(Path(tmp) / "in")
        theirs = np.array([pngquant_psnr(image, K, Path(tmp) / "pq.png") for image, K in work])
        images = [(rgba(image), Quantizer(decode_image(image).pixels), K) for image, K in work]
    print(f"# {len(work)} small images and K; fit processor time, and PSNR minus pngquant's ({pngquant_version()})\n")
    print("| setting | fit s | smallest lead dB | mean lead dB | pairs below pngquant |")
    print("|---|---:|---:|---:|---:|")
    for setting in settings:
        for name, value in {**code, **setting}.items():
            setattr(palette, name, value)
        start = time.process_time()
        results = [(original, quantizer.quantize(K, 0)) for original, quantizer, K in images]
        seconds = time.process_time() - start
        ours = np.array([premultiplied_psnr(original, as_rgba(quantized.image())) for original, quantized in results])
        lead = ours - theirs
        print(f"| {json.dumps(setting)} | {seconds:.2f} | {lead.min():+.2f} | {lead.mean():+.2f} | "
              f"{int((lead < 0).sum())} of {len(lead)} |", flush=True)


if __name__ == "__main__":
    main()
