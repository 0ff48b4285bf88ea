"""compress.py against pngquant and Pillow's quantizers: time, PSNR, bytes and memory, side by side.

Test images are made in a temporary folder from the repository's photos, all as PNG (pngquant
reads only PNG): the five photos in images/, and a 12-megapixel photo made by upscaling
china.jpg to 4000 x 3000 (bicubic). Each tool runs as a whole process, as a user runs it
(start-up, imports, reading, quantising, writing), without dithering:

- ``python compress.py IN -k K -o OUT``
- ``python bench/compress_floor.py IN PALETTE OUT``: the floor, every step of compress.py but the
  clustering, given the palette compress.py chose (its time is what compress.py would take if
  finding the palette cost nothing)
- ``pngquant --nofs --speed 4 K -o OUT IN`` (pngquant's default speed; skipped if not installed)
- Pillow ``Image.quantize(K, method=MEDIANCUT)`` and ``method=FASTOCTREE`` in a fresh interpreter

Runs are interleaved (every tool once, then every tool again...) so that load on a shared
machine hits all of them; the time is the median of --repeat wall-clock runs, the memory the
largest peak resident set size of the process. PSNR is computed the same way for every output:
the PNG read back with Pillow, as 8-bit RGB, against the input's pixels, peak 255. Ratios are
against pngquant on the same image and K.

pngquant is a system package; on Debian or Ubuntu::

    sudo apt-get install pngquant

Usage::

    python bench/compress_vs_peers.py                 # full table (a few minutes)
    python bench/compress_vs_peers.py --quick         # small photos only, one run each
    python bench/compress_vs_peers.py --write-reference   # store pngquant's PSNR for the tests

``--write-reference`` runs pngquant on the small images of the quality test
(tests/test_compress_quality.py) and writes its PSNRs, with pngquant's version, to
tests/data/pngquant_reference.json, so that the test can run where pngquant is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course.accounting import psnr  # noqa: E402

IMAGES = ROOT / "images"
REFERENCE = ROOT / "tests" / "data" / "pngquant_reference.json"
KS = (16, 64, 256)
# pngquant as the issue compares with it: no dithering (like for like), its default speed.
# Followed by K, -o OUTPUT and INPUT. The quality test runs it the same way.
PNGQUANT = ["pngquant", "--nofs", "--speed", "4", "--force"]
TARGET_TIME_RATIO = 0.3  # issue 13: at most 0.3 x pngquant's wall time on the 12 MP photo, K = 16 and 256
TARGET_FLOOR_RATIO = 1.3  # issue 13: within 1.3 x the floor (every step but the clustering)
TARGET_MEMORY_MIB = 300  # issue 13: peak memory of one file at 12 MP
BIG = "china-12mp.png"
FLOOR = "floor (no clustering)"

# The quality test's images: small, and exact (PNG decoding does not vary between versions).
# Each is a file of images/ and a crop [top, bottom, left, right] (None: the whole image); the
# test rebuilds them from what the reference file records.
REFERENCE_IMAGES = [
    ("images/chelsea_small.png", None),
    ("images/coffee.png", [100, 228, 200, 392]),
]


def reference_pixels(source: str, crop: list[int] | None) -> np.ndarray:
    """``(H, W, 3) uint8`` pixels of a reference image (the same recipe as the quality test)."""
    pixels = np.asarray(Image.open(ROOT / source).convert("RGB"))
    return pixels if crop is None else pixels[crop[0]:crop[1], crop[2]:crop[3]]


PILLOW_SCRIPT = (
    "import sys; from PIL import Image; "
    "Image.open(sys.argv[1]).convert('RGB').quantize(int(sys.argv[2]), method=Image.Quantize.{method}, "
    "dither=Image.Dither.NONE).save(sys.argv[3])"
)


@dataclass
class Tool:
    name: str
    command: list[str]  # with {input}, {K} and {output} to fill in


def tools(with_pngquant: bool) -> list[Tool]:
    python = sys.executable
    found = [Tool("compress.py", [python, str(ROOT / "compress.py"), "{input}", "-k", "{K}", "-o", "{output}",
                                  "--force"]),
             # Every step of compress.py but the clustering, with the palette compress.py just chose
             # (bench/compress_floor.py); it runs right after compress.py, whose file it reads.
             Tool(FLOOR, [python, str(ROOT / "bench" / "compress_floor.py"), "{input}", "{palette}", "{output}"])]
    if with_pngquant:
        found.append(Tool("pngquant", [*PNGQUANT, "{K}", "-o", "{output}", "{input}"]))
    for method in ("MEDIANCUT", "FASTOCTREE"):
        found.append(Tool(f"Pillow {method.lower()}",
                          [python, "-c", PILLOW_SCRIPT.format(method=method), "{input}", "{K}", "{output}"]))
    return found


def pngquant_version() -> str | None:
    if shutil.which("pngquant") is None:
        return None
    return subprocess.run(["pngquant", "--version"], capture_output=True, text=True).stdout.strip()


def make_images(folder: Path, quick: bool) -> list[Path]:
    """The repository's photos as RGB PNGs, and (unless quick) the 12 MP upscale of china.jpg."""
    paths = []
    for source in sorted(IMAGES.glob("*")):
        if source.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        path = folder / f"{source.stem}.png"
        Image.open(source).convert("RGB").save(path)
        paths.append(path)
    if not quick:
        china = Image.open(IMAGES / "china.jpg").convert("RGB")
        china.resize((4000, 3000), Image.Resampling.BICUBIC).save(folder / BIG)
        paths.append(folder / BIG)
    return paths


# Runs one command and prints "seconds peak_kib status". Linux carries a process's peak memory
# across fork and exec from its parent, so a child of this (large) benchmark would report at
# least the benchmark's own peak; a child of this small launcher reports its own.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def cached_bytecode() -> None:
    """Compile compress.py's own modules to bytecode, as its first run does wherever Python writes bytecode.

    That is Python's default, so a user's every run after the first reads the compiled files. A
    machine that sets PYTHONDONTWRITEBYTECODE (this workplace's do) would otherwise compile
    about 3,500 lines on every timed run: 0.05 s of a 0.5 s icon's run, measured on 2026-12-06.
    """
    import compileall

    compileall.compile_file(str(ROOT / "compress.py"), quiet=1)
    for package in ("compress_cli", "quantize", "course"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def run(command: list[str]) -> tuple[float, float]:
    """Run a command to the end: (wall seconds, peak resident memory of that process in MiB)."""
    done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *command], capture_output=True, text=True)
    seconds, peak_kib, status = done.stdout.split()
    if int(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return float(seconds), int(peak_kib) / 1024  # Linux reports kibibytes


def measure(image: Path, K: int, all_tools: list[Tool], repeat: int, out: Path) -> dict[str, dict]:
    original = np.asarray(Image.open(image).convert("RGB"))
    times: dict[str, list[float]] = {t.name: [] for t in all_tools}
    memory: dict[str, float] = {t.name: 0.0 for t in all_tools}
    outputs = {t.name: out / f"{image.stem}-{K}-{t.name.replace(' ', '_')}.png" for t in all_tools}
    for _ in range(repeat):
        for tool in all_tools:
            fill = {"{input}": str(image), "{K}": str(K), "{output}": str(outputs[tool.name]),
                    "{palette}": str(outputs["compress.py"])}
            seconds, mib = run([fill.get(part, part) for part in tool.command])
            times[tool.name].append(seconds)
            memory[tool.name] = max(memory[tool.name], mib)
    results = {}
    for tool in all_tools:
        written = np.asarray(Image.open(outputs[tool.name]).convert("RGB"))
        results[tool.name] = {
            "seconds": statistics.median(times[tool.name]),
            "psnr": psnr(original, written, peak=255.0),
            "bytes": outputs[tool.name].stat().st_size,
            "mib": memory[tool.name],
        }
    return results


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {np.__version__}, "
            f"Pillow {PIL.__version__}, pngquant {pngquant_version() or 'not installed'}")


def table(rows: list[tuple[str, int, dict[str, dict]]], have_pngquant: bool) -> str:
    head = ("| image | K | tool | time s | time / pngquant | PSNR dB | PSNR - pngquant | bytes | bytes / pngquant "
            "| peak MiB |")
    lines = [head, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for image, K, results in rows:
        ref = results.get("pngquant") if have_pngquant else None
        for name, r in results.items():
            ratio = f"{r['seconds'] / ref['seconds']:.2f}" if ref else "-"
            gain = f"{r['psnr'] - ref['psnr']:+.2f}" if ref else "-"
            size = f"{r['bytes'] / ref['bytes']:.2f}" if ref else "-"
            lines.append(f"| {image} | {K} | {name} | {r['seconds']:.2f} | {ratio} | {r['psnr']:.2f} | {gain} | "
                         f"{r['bytes']:,} | {size} | {r['mib']:.0f} |")
    return "\n".join(lines)


def write_reference() -> None:
    """Run pngquant on the quality test's images and store its PSNRs in tests/data."""
    version = pngquant_version()
    if version is None:
        sys.exit("error: pngquant is not installed (on Debian or Ubuntu: sudo apt-get install pngquant)")
    entries = []
    with tempfile.TemporaryDirectory() as folder:
        for source, crop in REFERENCE_IMAGES:
            pixels = reference_pixels(source, crop)
            path = Path(folder) / "reference.png"
            Image.fromarray(pixels).save(path)
            for K in KS:
                target = Path(folder) / f"reference-{K}.png"
                subprocess.run([*PNGQUANT, str(K), "-o", str(target), str(path)], check=True)
                value = psnr(pixels, np.asarray(Image.open(target).convert("RGB")), peak=255.0)
                entries.append({"source": source, "crop": crop, "K": K, "psnr": round(value, 4)})
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(json.dumps({
        "tool": "pngquant --nofs --speed 4 K",
        "command": PNGQUANT,  # followed by K, -o OUTPUT and INPUT; the live quality test runs it so
        "image": "the RGB pixels of source; of a crop [top, bottom, left, right], rows top:bottom, columns left:right",
        "version": version,
        "written_by": "python bench/compress_vs_peers.py --write-reference",
        "psnr": entries,
    }, indent=2) + "\n")
    print(f"wrote {REFERENCE.relative_to(ROOT)} ({version})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the repository's photos only, one run each")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool, median reported (default 3)")
    parser.add_argument("--K", type=int, nargs="+", default=list(KS), help="palette sizes (default 16 64 256)")
    parser.add_argument("--only", nargs="+", help="image names to keep, e.g. china-12mp.png")
    parser.add_argument("--write-reference", action="store_true", help=write_reference.__doc__)
    args = parser.parse_args()
    if args.write_reference:
        write_reference()
        return
    have_pngquant = pngquant_version() is not None
    if not have_pngquant:
        print("pngquant is not installed (sudo apt-get install pngquant): no ratios.\n", file=sys.stderr)
    repeat = 1 if args.quick else args.repeat
    cached_bytecode()
    all_tools = tools(have_pngquant)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        images = make_images(folder, args.quick)
        if args.only:
            images = [p for p in images if p.name in args.only]
        for image in images:
            for K in args.K:
                results = measure(image, K, all_tools, repeat, folder)
                rows.append((image.name, K, results))
                print(f"{image.name} K={K}: " + ", ".join(f"{n} {r['seconds']:.2f} s {r['psnr']:.2f} dB"
                                                           for n, r in results.items()), file=sys.stderr)
    print(f"Machine: {machine()}. Times: median of {repeat} whole-process runs.\n")
    print(table(rows, have_pngquant))
    if have_pngquant:
        print()
        for image, K, results in rows:
            ours, ref = results["compress.py"], results["pngquant"]
            verdict = []
            verdict.append("PSNR ok" if ours["psnr"] >= ref["psnr"] else "PSNR BELOW pngquant")
            if image == BIG and K in (16, 256):
                ratio = ours["seconds"] / ref["seconds"]
                verdict.append(f"time {ratio:.2f} x pngquant's ({'ok' if ratio <= TARGET_TIME_RATIO else 'over'} "
                               f"{TARGET_TIME_RATIO})")
                floor = ours["seconds"] / results[FLOOR]["seconds"]
                verdict.append(f"{floor:.2f} x the floor ({'ok' if floor <= TARGET_FLOOR_RATIO else 'over'} "
                               f"{TARGET_FLOOR_RATIO})")
                verdict.append(f"memory {ours['mib']:.0f} MiB "
                               f"({'ok' if ours['mib'] < TARGET_MEMORY_MIB else 'over'} {TARGET_MEMORY_MIB})")
            print(f"- {image} K={K}: " + ", ".join(verdict))


if __name__ == "__main__":
    main()
