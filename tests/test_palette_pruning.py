"""Fewer entries where the palette's error is already too small to see (quantize/palette_pruning.py).

An image with a few more colours than K comes out of K-means all but exact; entries past
ENOUGH_PSNR (an error of 1/32 of a level) cost bytes and no visible quality. On the Adwaita icon
text-x-preview (357 colours) at K = 256, all 256 entries gave 84.0 dB in 3,853 bytes, against
pngquant's 76.3 dB in 3,493 with 188 entries (tests/test_premultiplied.py holds the pair to
pngquant's figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from quantize.indexed_image import ENOUGH_MOVE, ENOUGH_PSNR, Quantizer, quantize_pixels, smallest_palette_reaching
from quantize.palette_pruning import prune_palette
from quantize.png_encoder import encode_indexed_png
from quantize.premultiplied import premultiplied_psnr

ROOT = Path(__file__).resolve().parent.parent
PREVIEW = ROOT / "tests" / "data" / "icons" / "text-x-preview.png"


def preview() -> np.ndarray:
    return np.asarray(Image.open(PREVIEW).convert("RGBA"))


def errors(points, weights, entries, keep):
    """Each point's squared distance to its nearest kept entry, by brute force, and the total."""
    d = ((points[:, None, :] - entries[None, keep, :]) ** 2).sum(-1)
    return d.min(1), float(weights @ d.min(1))


@pytest.mark.parametrize("seed", range(5))
def test_pruning_stays_within_the_budget_with_exact_nearest_labels(seed):
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 256, (600, 3)).astype(np.float64)
    weights = rng.integers(1, 50, 600).astype(np.float64)
    entries = points[rng.choice(600, 40, replace=False)] + rng.integers(-2, 3, (40, 3))
    _, start = errors(points, weights, entries, np.ones(40, bool))
    for budget in (start * 1.01, start * 1.5, start * 4):
        keep, labels, sse = prune_palette(points, weights, entries, budget)
        nearest, total = errors(points, weights, entries, keep)
        assert 1 <= keep.sum() < 40 and start <= sse <= budget
        assert sse == pytest.approx(total) and keep[labels].all()
        assert np.allclose(((points - entries[labels]) ** 2).sum(1), nearest)  # each label is a nearest kept entry


def test_nothing_is_removed_when_the_error_is_already_over_budget():
    points = np.array([[0.0, 0, 0], [10, 0, 0], [20, 0, 0]])
    keep, labels, sse = prune_palette(points, np.ones(3), points[:2], max_sse=1.0)
    assert keep.all() and labels.tolist() == [0, 1, 1] and sse == 100.0


def test_no_point_moves_further_than_max_move():
    points = np.array([[0.0, 0, 0], [1, 0, 0], [100, 0, 0], [103, 0, 0]])
    keep, labels, _ = prune_palette(points, np.ones(4), points, max_sse=np.inf, max_move=4.0)
    # 0 and 1 are a squared distance of 1 apart, 100 and 103 of 9: only the first two may share.
    assert keep.sum() == 3 and keep[2:].all() and labels[0] == labels[1] and labels.tolist()[2:] == [2, 3]
    keep, _, _ = prune_palette(points, np.ones(4), points, max_sse=np.inf, max_move=0.5)
    assert keep.all()


def test_a_rare_colour_keeps_its_entry_however_large_the_image():
    """The error budget is a mean over all pixels: on an image of 16 M pixels, one pixel's colour
    lost its entry and moved 80 levels within it (found by a red team); no colour moves more than 4."""
    rng = np.random.default_rng(0)
    pixels = np.full((4096, 4096, 3), 255, np.uint8)
    colours = rng.integers(0, 200, (250, 3)).astype(np.uint8)
    for i, colour in enumerate(colours):  # 250 colours in blocks of 8 x 8
        y, x = divmod(i, 20)
        pixels[y * 16:y * 16 + 8, x * 16 + 400:x * 16 + 408] = colour
    for i in range(10):  # 10 near-duplicates of a pixel each, so that K = 256 is not lossless
        pixels[1000 + i, 1000] = np.clip(colours[i].astype(int) + 1, 0, 255)
    pixels[1500, 1500] = (255, 0, 0)
    pixels[1600, 1600] = (0, 0, 255)
    quantized = quantize_pixels(pixels, 256)
    assert len(quantized.palette) < 256 and quantized.psnr >= ENOUGH_PSNR  # pruned, yet
    moved = ((quantized.image().astype(float) - pixels) ** 2).sum(axis=2)
    assert moved.max() <= ENOUGH_MOVE and quantized.image()[1500, 1500].tolist() == [255, 0, 0]


def test_fixed_entries_stay_even_with_no_limit():
    points = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [200, 0, 0]])
    fixed = np.array([True, False, False, True])
    keep, labels, _ = prune_palette(points, np.ones(4), points, max_sse=np.inf, fixed=fixed)
    assert keep.tolist() == [True, False, False, True] and labels.tolist() == [0, 0, 0, 3]


def test_a_nearly_exact_palette_spends_fewer_entries_and_fewer_bytes():
    pixels = preview()
    quantizer = Quantizer(pixels)
    assert quantizer.colours == 357
    full = quantizer.quantize(256, enough_psnr=None)
    pruned = quantizer.quantize(256)
    assert len(full.palette) == 256 and full.psnr > 83
    assert len(pruned.palette) < 200 and ENOUGH_PSNR <= pruned.psnr < full.psnr
    assert pruned.psnr == pytest.approx(premultiplied_psnr(pixels, pruned.image()), abs=1e-6)
    assert len(encode_indexed_png(pruned.indices, pruned.palette)) < 0.92 * len(
        encode_indexed_png(full.indices, full.palette))
    # The fully transparent pixels keep their entry.
    assert (pruned.image()[pixels[..., 3] == 0] == 0).all()


def test_a_palette_below_enough_and_a_lossless_one_are_untouched():
    pixels = preview()
    quantizer = Quantizer(pixels)
    at_64 = quantizer.quantize(64)
    assert at_64.psnr < ENOUGH_PSNR and len(at_64.palette) == 64
    few = np.array([[[0, 0, 0], [1, 0, 0]], [[0, 1, 0], [0, 0, 1]]], np.uint8)  # K >= colours: kept exactly
    assert quantize_pixels(few, 256).lossless and len(quantize_pixels(few, 256).palette) == 4


def test_a_psnr_target_above_enough_is_still_reached():
    quantized, reached = smallest_palette_reaching(Quantizer(preview()), 80.0, 256)
    assert reached and 80.0 <= quantized.psnr and len(quantized.palette) < 256


def test_the_report_says_why_there_are_fewer_colours_than_K(tmp_path):
    from compress_cli.one_file import compress_file

    report = compress_file(PREVIEW, K=256, output_path=tmp_path / "out.png")
    # docs/compress.md shows this report
    assert "colours  357 -> 182  (fewer than K: past 78.2 dB, more colours cost bytes and show nothing)" in str(report)
    assert f"{report.psnr_db:.2f}" == "78.27"
    assert "fewer than K" not in str(compress_file(PREVIEW, K=64, output_path=tmp_path / "64.png"))
