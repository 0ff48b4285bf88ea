"""Many photos in one call: ``compress.py -j 2`` against one ``pngquant`` call on the same files.

The photos are made in a temporary folder, from a seed: each is one of the repository's photos,
flipped or not, scaled (bicubic) to a random size of 1 to 3 megapixels, saved as PNG (pngquant
reads only PNG). Both tools run as one whole process over all of them, side by side, as a user
runs them:

- ``python compress.py *.png -k K --out-dir OUT -j JOBS``
- ``pngquant --nofs --speed 4 --force --ext -pq.png K *.png``

Runs alternate (one tool, then the other, --repeat times) so that load on a shared machine hits
both; the time is the median, the memory the largest peak resident set size of any one process
of the run (compress.py's workers included). PSNR is computed the same way for every output (the
PNG read back as 8-bit RGB against its input, peak 255), and compared file by file.

Usage::

    python bench/compress_batch_vs_pngquant.py                  # 100 photos, K = 16 and 256
    python bench/compress_batch_vs_pngquant.py --count 20 --K 64 --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compress_vs_peers import PNGQUANT, cached_bytecode, machine, pngquant_version, run  # noqa: E402
from course.accounting import psnr  # noqa: E402

TARGET_TIME_RATIO = 0.5  # issue 13: at most 0.5 x one pngquant call's time, with -j 2
SOURCES = ["chelsea.png", "china.jpg", "coffee.png", "flower.jpg", "chelsea_small.png"]


def make_photos(folder: Path, count: int, seed: int) -> list[Path]:
    """``count`` PNG photos of 1 to 3 megapixels, drawn from the repository's photos by ``seed``."""
    rng = np.random.default_rng(seed)
    sources = [Image.open(ROOT / "images" / name).convert("RGB") for name in SOURCES]
    paths = []
    for i in range(count):
        source = sources[rng.integers(len(sources))]
        if rng.random() < 0.5:
            source = source.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        scale = np.sqrt(rng.uniform(1e6, 3e6) / (source.width * source.height))
        size = (round(source.width * scale), round(source.height * scale))
        path = folder / f"photo{i:03d}.png"
        source.resize(size, Image.Resampling.BICUBIC).save(path)
        paths.append(path)
    return paths


def psnrs(photos: list[Path], outputs: list[Path]) -> np.ndarray:
    """PSNR of each output against its photo, in dB."""
    values = []
    for photo, output in zip(photos, outputs):
        original = np.asarray(Image.open(photo).convert("RGB"))
        values.append(psnr(original, np.asarray(Image.open(output).convert("RGB")), peak=255.0))
    return np.array(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="photos (default 100)")
    parser.add_argument("--K", type=int, nargs="+", default=[16, 256], help="palette sizes (default 16 256)")
    parser.add_argument("--jobs", type=int, default=2, help="compress.py's -j (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool, median reported (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the photos (default 0)")
    args = parser.parse_args()
    if pngquant_version() is None:
        sys.exit("error: pngquant is not installed (on Debian or Ubuntu: sudo apt-get install pngquant)")
    cached_bytecode()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "in").mkdir()
        photos = make_photos(folder / "in", args.count, args.seed)
        megapixels = sum(Image.open(p).width * Image.open(p).height for p in photos) / 1e6
        for K in args.K:
            out = folder / f"ours-{K}"
            out.mkdir()
            ours = [sys.executable, str(ROOT / "compress.py"), *map(str, photos), "-k", str(K), "--out-dir", str(out),
                    "-j", str(args.jobs), "--force"]
            theirs = [*PNGQUANT, "--ext", f"-pq{K}.png", str(K), *map(str, photos)]
            times = {"compress.py": [], "pngquant": []}
            memory = {"compress.py": 0.0, "pngquant": 0.0}
            for _ in range(args.repeat):
                for name, command in (("compress.py", ours), ("pngquant", theirs)):
                    seconds, mib = run(command)
                    times[name].append(seconds)
                    memory[name] = max(memory[name], mib)
            our_psnr = psnrs(photos, [out / f"{p.stem}-k{K}.png" for p in photos])
            their_psnr = psnrs(photos, [p.with_name(f"{p.stem}-pq{K}.png") for p in photos])
            our_bytes = sum((out / f"{p.stem}-k{K}.png").stat().st_size for p in photos)
            their_bytes = sum(p.with_name(f"{p.stem}-pq{K}.png").stat().st_size for p in photos)
            rows.append((K, {name: statistics.median(t) for name, t in times.items()}, memory,
                         our_psnr - their_psnr, our_psnr.mean(), their_psnr.mean(), our_bytes / their_bytes))
            print(f"K={K}: compress.py {rows[-1][1]['compress.py']:.1f} s, pngquant {rows[-1][1]['pngquant']:.1f} s",
                  file=sys.stderr)
    print(f"Machine: {machine()}. {args.count} photos, {megapixels:.0f} megapixels in all (seed {args.seed}); "
          f"compress.py -j {args.jobs}; times: median of {args.repeat} whole-process runs.\n")
    print("| K | compress.py s | pngquant s | time / pngquant | mean PSNR dB (pngquant) | files at least pngquant's "
          "PSNR | smallest difference dB | bytes / pngquant | peak MiB of a process (pngquant) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for K, seconds, memory, difference, ours, theirs, size in rows:
        ratio = seconds["compress.py"] / seconds["pngquant"]
        print(f"| {K} | {seconds['compress.py']:.1f} | {seconds['pngquant']:.1f} | **{ratio:.2f}** | {ours:.2f} "
              f"({theirs:.2f}) | {(difference >= 0).sum()} of {len(difference)} | {difference.min():+.2f} | "
              f"{size:.2f} | {memory['compress.py']:.0f} ({memory['pngquant']:.0f}) |")
    print()
    for K, seconds, _, difference, *_ in rows:
        ratio = seconds["compress.py"] / seconds["pngquant"]
        print(f"- K={K}: time {ratio:.2f} x ({'ok' if ratio <= TARGET_TIME_RATIO else 'over'} {TARGET_TIME_RATIO}), "
              f"PSNR {'ok' if (difference >= 0).all() else 'BELOW pngquant on some files'}")


if __name__ == "__main__":
    main()
