"""--dither: Floyd–Steinberg onto the K-means palette (Pillow, in C); PSNR measured on what is written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course.accounting import psnr
from quantize.dithering import dither, squared_error
from quantize.indexed_image import quantize_pixels
from tests.test_compress_cli import assert_one_error_line, run_main

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "images" / "chelsea_small.png"


def gradient() -> np.ndarray:
    """A smooth 64 x 256 colour ramp: what a small palette bands and dithering smooths."""
    x = np.linspace(0, 1, 256)[None, :, None]
    y = np.linspace(0, 1, 64)[:, None, None]
    return np.rint(255 * np.concatenate([x * np.ones_like(y), 0.3 + 0.4 * y * np.ones_like(x),
                                         1 - 0.5 * x * np.ones_like(y)], axis=2)).astype(np.uint8)


def box_blur(image: np.ndarray, size: int = 8) -> np.ndarray:
    """Mean over non-overlapping size x size blocks: roughly what an eye sees from afar."""
    h, w, c = image.shape
    return image[: h // size * size, : w // size * size].astype(float).reshape(
        h // size, size, w // size, size, c).mean(axis=(1, 3))


def test_dithering_keeps_the_palette_and_tracks_the_gradient_from_afar():
    pixels = gradient()
    plain = quantize_pixels(pixels, 6)
    dithered = dither(pixels, plain)
    assert np.array_equal(dithered.palette, plain.palette) and dithered.indices.shape == plain.indices.shape
    assert not np.array_equal(dithered.indices, plain.indices)
    # Pixel by pixel, the nearest colour is closer (higher PSNR); from afar, dithering is.
    assert dithered.psnr < plain.psnr
    far_plain = np.mean((box_blur(plain.image()) - box_blur(pixels)) ** 2)
    far_dithered = np.mean((box_blur(dithered.image()) - box_blur(pixels)) ** 2)
    assert far_dithered < far_plain / 2


def test_dithered_error_is_that_of_its_pixels():
    pixels = np.asarray(Image.open(CAT).convert("RGB"))
    dithered = dither(pixels, quantize_pixels(pixels, 16))
    assert dithered.psnr == pytest.approx(psnr(pixels, dithered.image(), peak=255.0), abs=1e-9)
    assert squared_error(pixels, dithered.palette, dithered.indices) == pytest.approx(
        ((dithered.image().astype(float) - pixels) ** 2).sum())


def test_opaque_rgba_is_dithered_as_rgb_and_transparency_is_refused():
    pixels = np.dstack([gradient(), np.full(gradient().shape[:2], 255, np.uint8)])
    dithered = dither(pixels, quantize_pixels(pixels, 6))
    assert dithered.palette.shape[1] == 4 and dithered.psnr < quantize_pixels(pixels, 6).psnr
    pixels[0, 0, 3] = 0
    with pytest.raises(ValueError, match="transparency"):
        dither(pixels, quantize_pixels(pixels, 6))


def test_command_dithers_and_reports_the_psnr_of_the_file(capsys, tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "ramp.png")
    status, out, _ = run_main(capsys, tmp_path / "ramp.png", "-k", "8", "--dither", "-o", tmp_path / "d.png")
    assert status == 0 and "Floyd-Steinberg dithering" in out
    written = np.asarray(Image.open(tmp_path / "d.png").convert("RGB"))
    assert f"PSNR {psnr(gradient(), written, peak=255.0):.2f} dB" in out
    status, out, _ = run_main(capsys, tmp_path / "ramp.png", "-k", "8", "-o", tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").getpalette() == Image.open(tmp_path / "d.png").getpalette()


def test_dither_with_a_psnr_target_holds_for_the_dithered_result(capsys, tmp_path):
    status, out, _ = run_main(capsys, CAT, "--dither", "--psnr", "30", "-o", tmp_path / "d.png", "-k", "256")
    assert status == 0
    written = np.asarray(Image.open(tmp_path / "d.png").convert("RGB"))
    assert psnr(np.asarray(Image.open(CAT).convert("RGB")), written, peak=255.0) >= 30


def test_dither_on_transparency_is_one_error_line(capsys, tmp_path):
    pixels = np.dstack([gradient(), np.full(gradient().shape[:2], 128, np.uint8)])
    Image.fromarray(pixels, "RGBA").save(tmp_path / "glass.png")
    status, _, err = run_main(capsys, tmp_path / "glass.png", "--dither")
    assert_one_error_line(status, err, "glass.png", "--dither", "without transparency")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glass.png"]


def test_the_dithering_figures_in_docs_compress_md(capsys, tmp_path):
    """docs/compress.md quotes china.jpg's whole-image PSNRs at K = 16 (bench/dither_crop.py prints them
    too); here they are what the command itself reports, without and with --dither."""
    text = (ROOT / "docs" / "compress.md").read_text()
    for name, options in (("without dithering", []), ("with --dither", ["--dither"])):
        status, out, _ = run_main(capsys, ROOT / "images" / "china.jpg", "-k", "16", "-o", tmp_path / "out.png",
                                  "--force", *options)
        value = float(re.search(r"PSNR ([\d.]+) dB", out).group(1))
        assert status == 0 and re.search(rf"{re.escape(name)}[^.\n]*?{value:.2f} dB", text), (name, f"{value:.2f}")
    assert (ROOT / "docs" / "dither-crop.png").exists() and "dither-crop.png" in text
