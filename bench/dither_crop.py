"""Make docs/dither-crop.png: a crop of sky, without and with ``--dither``, and print both PSNRs.

china.jpg is compressed whole at K = 16 as ``compress.py`` does it (the same library calls),
once without dithering and once with; the figure shows the same crop of the sky (a smooth
gradient, where a small palette shows bands) from the original and from both results, enlarged
without smoothing so that single pixels stay visible. The PSNRs printed, of the whole image, are
those docs/compress.md quotes (tests/test_compress_dither.py keeps them true).

Usage (from the repository root)::

    python bench/dither_crop.py            # writes docs/dither-crop.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quantize.dithering import dither  # noqa: E402
from quantize.image_io import decode_image  # noqa: E402
from quantize.indexed_image import quantize_pixels  # noqa: E402

SOURCE = ROOT / "images" / "china.jpg"
K = 16
CROP = (slice(0, 110), slice(240, 480))  # rows, columns: the sky above the lake
ZOOM = 2
FIGURE = ROOT / "docs" / "dither-crop.png"


def results() -> tuple[np.ndarray, dict[str, tuple[np.ndarray, float]]]:
    """The original pixels, and each result's pixels and whole-image PSNR, by name."""
    pixels = decode_image(SOURCE).pixels
    plain = quantize_pixels(pixels, K, seed=0)
    dithered = dither(pixels, plain)
    return pixels, {"without dithering": (plain.image(), plain.psnr),
                    "with --dither": (dithered.image(), dithered.psnr)}


def main() -> None:
    from matplotlib import pyplot as plt

    pixels, compressed = results()
    panels = [("original", pixels, None), *((name, image, value) for name, (image, value) in compressed.items())]
    height, width = pixels[CROP].shape[:2]
    fig, axes = plt.subplots(1, 3, figsize=(3 * width * ZOOM / 100, height * ZOOM / 100 + 0.5), dpi=100,
                             layout="constrained")
    for ax, (name, image, value) in zip(axes, panels):
        ax.imshow(image[CROP], interpolation="nearest")
        ax.set_title(name if value is None else f"K = {K}, {name}", fontsize=10)
        ax.set_axis_off()
    fig.savefig(FIGURE, dpi=100)
    plt.close(fig)
    print(f"wrote {FIGURE.relative_to(ROOT)}")
    for name, (_, value) in compressed.items():
        print(f"china.jpg, K = {K}, {name}: PSNR {value:.2f} dB")


if __name__ == "__main__":
    main()
