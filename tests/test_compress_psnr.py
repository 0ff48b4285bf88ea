"""--psnr DB: the fewest colours that reach a PSNR, from one colour count; status 99 when out of reach."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from compress_cli.one_file import TargetNotReached, compress_file
from quantize import indexed_image
from quantize.indexed_image import Quantizer, quantize_pixels, smallest_palette_reaching
from tests.test_compress_cli import assert_one_error_line, run_main

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "images" / "chelsea_small.png"


def cat() -> np.ndarray:
    return np.asarray(Image.open(CAT).convert("RGB"))


@pytest.mark.parametrize("target", [25.0, 31.5, 36.0])
def test_the_fewest_colours_that_reach_the_target(target):
    q, reached = smallest_palette_reaching(Quantizer(cat()), target, 256, seed=0)
    assert reached and q.psnr >= target
    k = len(q.palette)
    assert quantize_pixels(cat(), k - 1).psnr < target  # one colour fewer falls short
    assert q.psnr == pytest.approx(quantize_pixels(cat(), k).psnr)  # the same as asking for k colours


def test_out_of_reach_returns_the_K_colour_result():
    q, reached = smallest_palette_reaching(Quantizer(cat()), 45.0, 16)
    assert not reached and len(q.palette) == 16 and q.psnr == quantize_pixels(cat(), 16).psnr


def test_lossless_reaches_any_target():
    pixels = np.array([[[0, 0, 0], [255, 0, 0]], [[0, 255, 0], [0, 0, 255]]], np.uint8)
    q, reached = smallest_palette_reaching(Quantizer(pixels), 60.0, 256)
    assert reached and q.lossless and len(q.palette) == 4


def test_the_colours_are_counted_once(monkeypatch):
    calls = []
    real = indexed_image.colour_histogram
    monkeypatch.setattr(indexed_image, "colour_histogram", lambda pixels: calls.append(1) or real(pixels))
    tried = []
    smallest_palette_reaching(Quantizer(cat()), 33.0, 256, finish=lambda q: tried.append(len(q.palette)) or q)
    assert len(calls) == 1 and len(tried) >= 8  # 256, then a bisection over 1..256


def test_command_reports_the_target_and_writes_the_fewest_colours(capsys, tmp_path):
    target = tmp_path / "out.png"
    status, out, _ = run_main(capsys, CAT, "--psnr", "32", "-k", "64", "-o", target)
    assert status == 0 and "target 32 dB" in out
    written = np.asarray(Image.open(target).convert("RGB"))
    k = len(Image.open(target).getpalette()) // 3
    assert f"colours  13,642 -> {k}" in out and 1 < k < 64
    measured = 10 * np.log10(255**2 / np.mean((written.astype(float) - cat()) ** 2))
    assert measured >= 32 and f"PSNR {measured:.2f} dB" in out


def test_command_out_of_reach_is_status_99_and_writes_nothing(capsys, tmp_path):
    photo = tmp_path / "cat.png"
    photo.write_bytes(CAT.read_bytes())
    status, out, err = run_main(capsys, photo, "--psnr", "45", "-k", "16", "--compare", tmp_path / "fig.png")
    assert status == 99 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {photo}: PSNR 45 dB is out of reach with 16 colours")
    assert "nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]
    with pytest.raises(TargetNotReached):
        compress_file(photo, K=16, min_psnr=45)


@pytest.mark.parametrize("value, words", [("abc", ["--psnr", "not a number"]), ("-3", ["--psnr", "positive"]),
                                          ("0", ["positive"]), ("inf", ["positive"]), ("nan", ["positive"])])
def test_a_bad_target_is_one_error_line(capsys, tmp_path, value, words):
    status, _, err = run_main(capsys, CAT, "--psnr", value, "-o", tmp_path / "o.png")
    assert_one_error_line(status, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_many_files_one_out_of_reach(capsys, tmp_path):
    flat = tmp_path / "flat.png"
    Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(flat)  # one colour: lossless at any target
    status, out, err = run_main(capsys, CAT, flat, "--psnr", "40", "-k", "8", "--out-dir", tmp_path)
    assert status == 99
    assert err.startswith(f"error: {CAT}: PSNR 40 dB is out of reach with 8 colours")
    assert out.splitlines()[-1].startswith("2 files: 1 written, 1 below the PSNR target; ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat-k8.png", "flat.png"]


def test_the_psnr_example_in_docs_compress_md(capsys, tmp_path):
    """docs/compress.md shows the colours and quality lines of this run; they are kept true here."""
    example = (ROOT / "docs" / "compress.md").read_text()
    status, out, _ = run_main(capsys, CAT, "--psnr", "32", "-k", "64", "-o", tmp_path / "o.png")
    assert status == 0
    for line in out.splitlines():
        if line.startswith(("colours", "quality")):
            assert f"\n{line}\n" in example, line
