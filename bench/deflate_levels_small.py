"""Small images at each libdeflate level: the bytes each level saves, and the time it costs.

compress.py stores a small image's indices at libdeflate's level 12, its slowest, or at level 11
for a photo (``quantize.png_encoder.default_level``). This measures what level 12 buys over levels
9, 10 and 11 on the images of ``bench/compress_small_vs_pngquant.py``: the 18 icon pairs (six 512 x
512 Adwaita icons at K = 16, 64 and 256), chelsea.png at 512 px and K = 256, and the 48 files of
its batch at K = 64 (icons at 256 and 512 px, photos of 256-512 px). The palette and the indices
are compress.py's, found once for each image, so every level stores the same pixels (the same
PSNR); only the deflate level of the image data changes.

A fourth group, the repository's four photos scaled to 256 and 512 px at K = 16 and 256, adds
photos of other content. For each level, and for compress.py's own choice (level 12, or 11 for
an image whose layout trials shrank it less than ``png_encoder.SHRINK_FOR_LEVEL_SMALL`` times:
the range of that shrink in the group is printed under its table): the bytes of all the files of
a group (and over level 12's, and the largest of one file over its level-12 file), the files
larger than pngquant's (``pngquant --nofs --speed 4 --strip K``, run once on each image), and the
processor time of the whole encoder (``encode_indexed_png``: the layout's trials and the final
stream; the median of ``--repeat`` runs, in this one process). "Smaller of 9 and N" is the
file with whichever of the two levels gives fewer bytes; its time is level N's alone (the pass at
level 9 would cost 2-4 ms a file more).

``--trials`` measures the other use of deflate in a small image's encoding: the trials that
choose its layout (bit depth and row filter, ``png_encoder.choose_layout``), each layout's stream
compressed whole at one level, the smallest kept, then compressed at level 12. On every 512 x 512
icon of the theme at K = 16, 64 and 256 and on the batch's 48 files at K = 64, for each trial
level (or a first level for every layout and a second for those within 1 % of the smallest, as
compress.py does): how often its pick is the layout that level 12 compresses best, the bytes
(at level 12) lost to wrong picks, in all and at most in one file, and the processor time of
the trials.

Usage::

    python bench/deflate_levels_small.py             # 3 timings of each encode
    python bench/deflate_levels_small.py --repeat 1
    python bench/deflate_levels_small.py --trials    # the layout trials' level
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compress_small_vs_pngquant import (BATCH_K, ICON_THEME, ICONS, KS, PNGQUANT_STRIP,  # noqa: E402
                                              batch_files, small_photo)
from bench.compress_vs_peers import machine, pngquant_version  # noqa: E402
from quantize.threads import one_blas_thread, use_threads  # noqa: E402

LEVELS = (9, 10, 11, 12)
NOW = 12  # the level compress.py uses for small images (png_encoder.LEVEL_SMALL)
# Each rule: every layout at the first level, then those within 1 % of the smallest at the second
# (None: no second round); compress.py's own rule is added from png_encoder's settings.
TRIAL_RULES = ((1, None), (4, None), (6, None), (7, None), (8, None), (9, None), (6, 9))


def measure(cases: list[tuple[Path, int]], folder: Path, repeat: int) -> list[dict]:
    """For each (image, K): pngquant's bytes, and compress.py's bytes and encode seconds at each level."""
    from quantize.image_io import decode_image
    from quantize.indexed_image import Quantizer
    from quantize.png_encoder import encode_indexed_png, stored_image

    results = []
    for path, K in cases:
        theirs = folder / "pngquant.png"
        subprocess.run([*PNGQUANT_STRIP, "-o", str(theirs), str(K), str(path)], check=True)
        quantized = Quantizer(decode_image(str(path)).pixels).quantize(K, 0)
        entry = {"pngquant": theirs.stat().st_size, "bytes": {}, "seconds": {},
                 "shrink": stored_image(quantized.indices, quantized.palette)[1].shrink}
        for level in (*LEVELS, None):  # None: compress.py's default
            times = []
            for _ in range(repeat):
                start = time.process_time()
                png = encode_indexed_png(quantized.indices, quantized.palette, level=level)
                times.append(time.process_time() - start)
            entry["bytes"][level] = len(png)
            entry["seconds"][level] = statistics.median(times)
        results.append(entry)
    return results


def report(name: str, results: list[dict]) -> None:
    from quantize.png_encoder import LEVEL_SMALL_PHOTO, SHRINK_FOR_LEVEL_SMALL

    now = sum(entry["bytes"][NOW] for entry in results)
    print(f"\n{name} ({len(results)} files; bytes over level {NOW}'s, files larger than pngquant's)\n")
    print("| level | bytes | / level 12 | larger than pngquant's | encode s (processor) |")
    print("|---|---:|---:|---:|---:|")
    for level in (*LEVELS, None):
        total = sum(entry["bytes"][level] for entry in results)
        larger = sum(entry["bytes"][level] > entry["pngquant"] for entry in results)
        seconds = sum(entry["seconds"][level] for entry in results)
        label = level or f"compress.py: {NOW}, or {LEVEL_SMALL_PHOTO} below a shrink of {SHRINK_FOR_LEVEL_SMALL}"
        worst = max(entry["bytes"][level] / entry["bytes"][NOW] for entry in results)
        print(f"| {label} | {total:,} | {total / now:.4f} (worst file {worst:.4f}) | {larger} | {seconds:.2f} |")
    for level in LEVELS[1:-1]:
        smaller = [min(entry["bytes"][9], entry["bytes"][level]) for entry in results]
        larger = sum(size > entry["pngquant"] for size, entry in zip(smaller, results))
        seconds = sum(entry["seconds"][level] for entry in results)
        print(f"| smaller of 9 and {level} | {sum(smaller):,} | {sum(smaller) / now:.4f} | {larger} | {seconds:.2f} |")
    shrinks = [entry["shrink"] for entry in results]
    print(f"\nThe trials shrank these files {min(shrinks):.1f} to {max(shrinks):.1f} times.")


def compress_py_streams(paths_and_ks: list[tuple[Path, int]]) -> list[dict[tuple[int, int], object]]:
    """For each (image, K): every layout's stream of compress.py's indices, as ``choose_layout`` tries them."""
    from quantize.image_io import decode_image
    from quantize.indexed_image import Quantizer
    from quantize.png_encoder import layout_streams, renumbered

    result = []
    for path, K in paths_and_ks:
        quantized = Quantizer(decode_image(str(path)).pixels).quantize(K, 0)
        stored, indices = renumbered(quantized.indices, quantized.palette)
        result.append(layout_streams([indices], len(stored)))
    return result


def trials(folder: Path) -> None:
    """The layout trials' level: right picks, bytes lost at level 12 to wrong ones, and the trials' time."""
    import deflate

    from quantize.png_encoder import LEVEL_SMALL, LEVEL_WHOLE_SAMPLE, LEVEL_WHOLE_TIES, WHOLE_TIE

    rules = sorted({*TRIAL_RULES, (LEVEL_WHOLE_SAMPLE, LEVEL_WHOLE_TIES)}, key=lambda rule: (rule[1] or 0, rule[0]))

    icons = sorted(ICON_THEME.glob("*/*.png"))
    batch = batch_files(folder / "batch")
    images = compress_py_streams([(icon, K) for K in KS for icon in icons] + [(path, BATCH_K) for path in batch])
    final = [{layout: len(deflate.zlib_compress(stream, LEVEL_SMALL)) for layout, stream in image.items()}
             for image in images]
    best = [min(sizes.values()) for sizes in final]
    print(f"\n{len(images)} images: the theme's {len(icons)} icons at K = {', '.join(map(str, KS))} and the batch's "
          f"{len(batch)} files at K = {BATCH_K}; compress.py's trials are at level {LEVEL_WHOLE_SAMPLE}, then at "
          f"{LEVEL_WHOLE_TIES} for the layouts within {WHOLE_TIE:.0%} of the smallest; its file at level "
          f"{LEVEL_SMALL}\n")
    print(f"| trial levels | picks of level {LEVEL_SMALL}'s best | bytes lost | most lost in one file | "
          "trials s (processor) |")
    print("|---|---:|---:|---:|---:|")
    for first, second in rules:
        start = time.process_time()
        sizes = []
        for image in images:
            trial = {layout: len(deflate.zlib_compress(stream, first)) for layout, stream in image.items()}
            smallest = min(trial.values())
            close = [layout for layout in trial if trial[layout] <= smallest * (1 + WHOLE_TIE)]
            if second is not None and len(close) > 1:
                trial = {layout: len(deflate.zlib_compress(image[layout], second)) for layout in close}
            sizes.append(trial)
        seconds = time.process_time() - start
        picks = [min(trial, key=lambda layout: (trial[layout], layout)) for trial in sizes]
        lost = [final[i][pick] - best[i] for i, pick in enumerate(picks)]
        worst = max(range(len(lost)), key=lambda i: lost[i] / best[i])
        rule = f"{first}" if second is None else f"{first}, ties at {second}"
        if (first, second) == (LEVEL_WHOLE_SAMPLE, LEVEL_WHOLE_TIES):
            rule += " (compress.py)"
        print(f"| {rule} | {sum(x == 0 for x in lost)} of {len(lost)} | {sum(lost):,} of {sum(best):,} | "
              f"{lost[worst]:,} of {best[worst]:,} ({lost[worst] / best[worst]:.1%}) | {seconds:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings of each encode, median reported (default 3)")
    parser.add_argument("--trials", action="store_true", help="only the level of the trials that choose the layout")
    args = parser.parse_args()
    if not args.trials and pngquant_version() is None:
        sys.exit("error: pngquant is not installed (make bench-small installs it)")
    if not all((ICON_THEME / icon).is_file() for icon in ICONS):
        sys.exit(f"error: the Adwaita icons are not in {ICON_THEME} (apt-get install adwaita-icon-theme)")
    one_blas_thread()
    use_threads(1)  # one core, as each worker of a batch
    if args.trials:
        print(f"# {machine()}; one process, one thread")
        with tempfile.TemporaryDirectory() as tmp:
            trials(Path(tmp))
        return
    print(f"# {machine()}; encode times: median of {args.repeat}, one process, one thread")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report("Icon pairs (K = 16, 64, 256)", measure([(ICON_THEME / icon, K) for icon in ICONS for K in KS],
                                                      folder, args.repeat))
        report("chelsea.png at 512 px, K = 256", measure([(small_photo(folder, 512), 256)], folder, args.repeat))
        paths = batch_files(folder / "batch")
        icons = [path for path in paths if not path.name.startswith("photo")]
        photos = [path for path in paths if path.name.startswith("photo")]
        report(f"The batch's icons, K = {BATCH_K}", measure([(path, BATCH_K) for path in icons], folder, args.repeat))
        report(f"The batch's photos, K = {BATCH_K}", measure([(path, BATCH_K) for path in photos], folder,
                                                           args.repeat))
        others = [(small_photo(folder, size, name), K) for name in ("chelsea.png", "china.jpg", "coffee.png",
                                                                    "flower.jpg")
                  for size in (256, 512) for K in (16, 256)]
        report("The repository's photos at 256 and 512 px, K = 16 and 256", measure(others, folder, args.repeat))


if __name__ == "__main__":
    main()
