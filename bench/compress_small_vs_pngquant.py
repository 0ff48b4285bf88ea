"""Small images, what people compress most: compress.py against pngquant, side by side in one run.

Three measurements, each as a whole process, as a user runs it (``python compress.py IN -k K -o
OUT`` against ``pngquant --nofs --speed 4 --force --strip -o OUT K IN``), runs alternating between
the two tools so that load on a shared machine hits both; times are medians. compress.py's
modules are compiled to bytecode first, as its first run leaves them wherever Python may write
bytecode (its default). ``--strip``: pngquant otherwise copies the input's text and pHYs chunks
into its file (227 bytes for the Adwaita icons, 5-12 % of a small icon's file), which
compress.py does not write; the bytes are compared like with like, the palette and the pixels.

1. *Icons*: six 512 x 512 RGBA icons of GNOME's Adwaita theme (transparent web graphics: soft
   edges and shadows), at K = 16, 64 and 256: wall time, bytes, and the PSNR of premultiplied
   colour and alpha (RGB times alpha / 255, and alpha: what a viewer shows over any background),
   the same measure for both tools' files.
2. *A small photo*: chelsea.png scaled to 512 x 512 (bicubic), K = 256: time, bytes, PSNR.
3. *Many small files in one call*: 48 files (the icons at 256 and 512 px, and photos scaled to
   256-512 px) at K = 64, ``compress.py *.png --out-dir`` against one ``pngquant`` call.
4. *Every icon of the theme* (``--theme``): PSNR and bytes only, on all of Adwaita's 512 x 512
   icons at K = 16, 64 and 256, so that the six of the timed pairs are not all the evidence.

Where pngquant makes some of an icon's fully transparent pixels visible (at K = 16 on some
icons it gives the whole clear background an alpha of 1 or 2: one entry then holds the
background and the faintest shadow, which saves bytes), the pair is marked ``*``; ``--theme``
also counts those icons, those where every clear pixel became visible, and the largest alpha
pngquant gave one. compress.py keeps every fully transparent pixel clear, and the bench stops
with an error if it ever does not.

The icons are the system's: ``apt-get install adwaita-icon-theme`` (``make bench-small`` does it).
Their licence: CC-BY-SA 3.0 or LGPL 3, the GNOME Project.

Usage::

    python bench/compress_small_vs_pngquant.py              # 5 runs of each
    python bench/compress_small_vs_pngquant.py --repeat 3
    python bench/compress_small_vs_pngquant.py --batch-only     # only the 48 files in one call
    python bench/compress_small_vs_pngquant.py --theme          # PSNR and bytes on every icon of the theme
    python bench/compress_small_vs_pngquant.py --write-reference   # the icon test's pngquant PSNRs and bytes
"""

from __future__ import annotations

import argparse
import json
import subprocess
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compress_vs_peers import PNGQUANT, cached_bytecode, machine, pngquant_version, run  # noqa: E402
from quantize.premultiplied import premultiplied_psnr  # noqa: E402

ICON_THEME = Path("/usr/share/icons/Adwaita/512x512")
ICONS = ["devices/audio-headphones.png", "devices/media-flash.png", "mimetypes/application-x-addon.png",
         "mimetypes/text-x-preview.png", "places/folder-drag-accept.png", "places/user-home.png"]
KS = (16, 64, 256)
BATCH_K = 64
BATCH_FILES = 48
TARGET_ICON_RATIO = 2.0  # issue 21: one 512 x 512 icon, K = 64, at most 2x pngquant's wall time
TARGET_BATCH_RATIO = 1.0  # issue 21: 48 small files in one call, at most one pngquant call's time
COMPRESS = [sys.executable, str(ROOT / "compress.py")]
PNGQUANT_STRIP = PNGQUANT + ["--strip"]  # no metadata copied from the input: compress.py writes none
TEST_ICONS = ROOT / "tests" / "data" / "icons"  # two of the icons, for tests/test_premultiplied.py
REFERENCE = ROOT / "tests" / "data" / "pngquant_icons.json"


def rgba(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA"))


def clear_made_visible(original: np.ndarray, quantized: np.ndarray) -> int:
    """Pixels fully transparent in ``original`` that ``quantized`` (both ``(H, W, 4) uint8``) makes visible.

    compress.py keeps every such pixel clear; pngquant, at K = 16 on some icons, gives the whole
    transparent background an alpha of 1 or 2 so that one entry holds it and the faintest shadow.
    """
    return int(((original[..., 3] == 0) & (quantized[..., 3] > 0)).sum())


def start_up(repeat: int) -> dict[str, float]:
    """Median wall seconds of a bare interpreter, and of one importing what a one-file call imports."""
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "imports of a one-file call": [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                                               "import compress; compress.one_blas_thread_from_the_start(); "
                                               "import compress_cli.one_file; compress.one_blas_thread()"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(run(command)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def one_file(image: Path, K: int, repeat: int, out: Path) -> dict[str, dict]:
    """Both tools on one image: median wall seconds, bytes and premultiplied PSNR of each."""
    commands = {
        "compress.py": COMPRESS + [str(image), "-k", str(K), "--force", "-o", str(out / "ours.png")],
        "pngquant": PNGQUANT_STRIP + ["-o", str(out / "theirs.png"), str(K), str(image)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(run(command)[0])
    original = rgba(image)
    return {name: {"seconds": statistics.median(times[name]),
                   "bytes": (out / file).stat().st_size,
                   "psnr": premultiplied_psnr(original, rgba(out / file)),
                   "clear made visible": clear_made_visible(original, rgba(out / file))}
            for name, file in (("compress.py", "ours.png"), ("pngquant", "theirs.png"))}


def small_photo(folder: Path, size: int, name: str = "chelsea.png", flip: bool = False) -> Path:
    photo = Image.open(ROOT / "images" / name).convert("RGB")
    if flip:
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    scale = size / max(photo.size)
    path = folder / f"{Path(name).stem}-{size}{'-flipped' if flip else ''}.png"
    photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC).save(path)
    return path


def batch_files(folder: Path, seed: int = 0) -> list[Path]:
    """``BATCH_FILES`` PNGs: the icons at 512 and 256 px, and photos of 256-512 px drawn by ``seed``."""
    folder.mkdir()
    paths = []
    for icon in ICONS:
        source = Image.open(ICON_THEME / icon)
        for size in (512, 256):
            path = folder / f"{Path(icon).stem}-{size}.png"
            source.resize((size, size), Image.Resampling.LANCZOS).save(path)
            paths.append(path)
    rng = np.random.default_rng(seed)
    names = ["chelsea.png", "china.jpg", "coffee.png", "flower.jpg"]
    while len(paths) < BATCH_FILES:
        name = names[rng.integers(len(names))]
        path = small_photo(folder, int(rng.integers(256, 513)), name, bool(rng.random() < 0.5))
        paths.append(path.rename(folder / f"photo{len(paths):02d}-{path.name}"))
    return paths


def batch(folder: Path, repeat: int) -> dict[str, float]:
    """Median wall seconds of one call of each tool over every file of the batch, and under
    ``"not larger"`` the number of compress.py's files no larger than pngquant's for the same input."""
    paths = batch_files(folder / "in")
    files = [str(path) for path in paths]
    commands = {
        "compress.py": COMPRESS + [*files, "-k", str(BATCH_K), "--force", "--out-dir", str(folder / "out")],
        "pngquant": PNGQUANT_STRIP + ["--ext", "-pq.png", str(BATCH_K), *files],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(run(command)[0])
    result = {name: statistics.median(values) for name, values in times.items()}
    result["not larger"] = sum((folder / "out" / f"{path.stem}-k{BATCH_K}.png").stat().st_size
                               <= path.with_name(f"{path.stem}-pq.png").stat().st_size for path in paths)
    return result


def write_reference() -> None:
    """Run pngquant on the test's icons and store its premultiplied PSNRs and bytes in tests/data."""
    entries = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "reference.png"
        for icon in sorted(TEST_ICONS.glob("*.png")):
            for K in KS:
                subprocess.run([*PNGQUANT_STRIP, "-o", str(target), str(K), str(icon)], check=True)
                value = premultiplied_psnr(rgba(icon), rgba(target))
                entries.append({"source": str(icon.relative_to(ROOT)), "K": K, "psnr": round(value, 4),
                                "bytes": target.stat().st_size})
    REFERENCE.write_text(json.dumps({
        "tool": "pngquant --nofs --speed 4 --strip K",
        "command": PNGQUANT_STRIP,  # followed by -o OUTPUT, K and INPUT
        "measure": "PSNR (peak 255) of premultiplied colour and alpha: RGB times alpha / 255, and alpha; "
                   "bytes of the file (--strip: no metadata copied from the input, as compress.py writes none)",
        "version": pngquant_version(),
        "written_by": "python bench/compress_small_vs_pngquant.py --write-reference",
        "cases": entries,
    }, indent=2) + "\n")
    print(f"wrote {REFERENCE.relative_to(ROOT)} ({pngquant_version()})")


def theme(folder: Path) -> None:
    """PSNR and bytes of both tools on every 512 x 512 icon of the theme at each K, one call of each per K."""
    icons = sorted(ICON_THEME.glob("*/*.png"))
    print(f"Every icon of {ICON_THEME} ({len(icons)}), compress.py against pngquant, one call of each per K:\n")
    print("| K | PSNR at least pngquant's | bytes at most pngquant's | median bytes / pngquant | pairs that lose "
          "(PSNR dB, bytes / pngquant; * pngquant made clear pixels visible) | icons whose clear pixels pngquant "
          "made visible (all of them; the largest alpha it gave them) |")
    print("|---:|---:|---:|---:|---|---:|")
    for K in KS:
        out = folder / f"k{K}"
        out.mkdir()
        copies = []
        for icon in icons:  # icons of different folders may share a name
            copies.append(out / f"{icon.parent.name}--{icon.name}")
            copies[-1].write_bytes(icon.read_bytes())
        run(COMPRESS + [*map(str, copies), "-k", str(K), "--force", "--out-dir", str(out)])
        run(PNGQUANT_STRIP + ["--ext", "-pq.png", str(K), *map(str, copies)])
        psnr_wins, byte_wins, ratios, losses = 0, 0, [], []
        made_visible, all_visible, largest_alpha = 0, 0, 0
        for copy in copies:
            original = rgba(copy)
            ours_path, theirs_path = out / f"{copy.stem}-k{K}.png", out / f"{copy.stem}-pq.png"
            ours, theirs = rgba(ours_path), rgba(theirs_path)
            psnr = premultiplied_psnr(original, ours), premultiplied_psnr(original, theirs)
            ratio = ours_path.stat().st_size / theirs_path.stat().st_size
            if (ours_visible := clear_made_visible(original, ours)):
                sys.exit(f"error: compress.py made {ours_visible:,} clear pixels of {copy.name} visible at K = {K}")
            visible = clear_made_visible(original, theirs)
            if visible:
                made_visible += 1
                all_visible += visible == (original[..., 3] == 0).sum()
                largest_alpha = max(largest_alpha, int(theirs[..., 3][original[..., 3] == 0].max()))
            psnr_wins += psnr[0] >= psnr[1]  # both inf where both are exact
            byte_wins += ratio <= 1
            ratios.append(ratio)
            if psnr[0] < psnr[1] or ratio > 1:
                name = copy.stem.split("--")[1] + ("*" if visible else "")
                losses.append(f"{name} ({psnr[0] - psnr[1]:+.2f}, {ratio:.3f})")
        visible_note = f" ({all_visible}; alpha {largest_alpha})" if made_visible else ""
        print(f"| {K} | {psnr_wins} of {len(copies)} | {byte_wins} of {len(copies)} | {statistics.median(ratios):.3f} | "
              f"{'; '.join(losses) or 'none'} | {made_visible} of {len(copies)}{visible_note} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each tool, median reported (default 5)")
    parser.add_argument("--batch-only", action="store_true", help=f"only the {BATCH_FILES} files in one call")
    parser.add_argument("--theme", action="store_true",
                        help="only PSNR and bytes on every 512 x 512 icon of the theme, at K = 16, 64 and 256")
    parser.add_argument("--write-reference", action="store_true",
                        help=f"only write {REFERENCE.relative_to(ROOT)}, pngquant's PSNRs and bytes on the test's icons")
    args = parser.parse_args()
    if pngquant_version() is None:
        sys.exit("error: pngquant is not installed (make bench-small installs it)")
    if args.write_reference:
        write_reference()
        return
    if not all((ICON_THEME / icon).is_file() for icon in ICONS):
        sys.exit(f"error: the Adwaita icons are not in {ICON_THEME} (apt-get install adwaita-icon-theme)")
    cached_bytecode()
    if args.theme:
        print(f"# {machine()}\n")
        with tempfile.TemporaryDirectory() as tmp:
            theme(Path(tmp))
        return
    print(f"# {machine()}; {args.repeat} runs each, interleaved, median\n")
    if args.batch_only:
        with tempfile.TemporaryDirectory() as tmp:
            report_batch(batch(Path(tmp), args.repeat))
        return
    print("| image | K | compress.py s | pngquant s | time / pngquant | PSNR dB (pngquant) | bytes (pngquant) | bytes / pngquant |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pairs = [(ICON_THEME / icon, K) for icon in ICONS for K in KS] + [(small_photo(folder, 512), 256)]
        wins = {"psnr": 0, "bytes": 0}
        icon_ratios = []
        for image, K in pairs:
            result = one_file(image, K, args.repeat, folder)
            ours, theirs = result["compress.py"], result["pngquant"]
            ratio = ours["seconds"] / theirs["seconds"]
            if image.parent != folder and K == 64:
                icon_ratios.append(ratio)
            wins["psnr"] += ours["psnr"] >= theirs["psnr"]
            wins["bytes"] += ours["bytes"] <= theirs["bytes"]
            if ours["clear made visible"]:
                sys.exit(f"error: compress.py made {ours['clear made visible']:,} clear pixels of {image.name} "
                         f"visible at K = {K}")
            mark = "*" if theirs["clear made visible"] else ""
            print(f"| {image.name}{mark} | {K} | {ours['seconds']:.3f} | {theirs['seconds']:.3f} | {ratio:.2f} | "
                  f"{ours['psnr']:.2f} ({theirs['psnr']:.2f}) | {ours['bytes']:,} ({theirs['bytes']:,}) | "
                  f"{ours['bytes'] / theirs['bytes']:.3f} |", flush=True)
        print(f"\nPSNR at least pngquant's on {wins['psnr']} of {len(pairs)} pairs; bytes at most pngquant's on "
              f"{wins['bytes']} of {len(pairs)}. *: pngquant gave the transparent background an alpha above 0 "
              "(compress.py keeps every fully transparent pixel clear).")
        print(f"One icon at K = 64: {min(icon_ratios):.2f}x to {max(icon_ratios):.2f}x pngquant's wall time "
              f"(target: at most {TARGET_ICON_RATIO:g}x).")
        floor = start_up(args.repeat)
        print("Start-up of a one-file call: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in floor.items())
              + " (the interpreter and the imports, before any work).")
        report_batch(batch(folder, args.repeat))


def report_batch(times: dict[str, float]) -> None:
    print(f"{BATCH_FILES} small files in one call, K = {BATCH_K}: compress.py {times['compress.py']:.2f} s, "
          f"pngquant {times['pngquant']:.2f} s, {times['compress.py'] / times['pngquant']:.2f}x "
          f"(target: at most {TARGET_BATCH_RATIO:g}x); files at most pngquant's bytes: {times['not larger']} of "
          f"{BATCH_FILES}.")


if __name__ == "__main__":
    main()
