"""Quality and bytes against pngquant, on small images, so that neither can regress silently (no timing here).

The reference PSNRs in tests/data/pngquant_reference.json were given by pngquant (its version is
recorded there) and are rewritten by ``python bench/compress_vs_peers.py --write-reference``. CI
has no pngquant, so the stored values are the test; where pngquant is installed, it is also run
live on the same images.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course.accounting import psnr
from quantize.indexed_image import quantize_pixels
from quantize.png_encoder import encode_indexed_png

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((ROOT / "tests" / "data" / "pngquant_reference.json").read_text())
CASES = REFERENCE["psnr"]


PNGQUANT = REFERENCE["command"]  # as bench/compress_vs_peers.py ran it for the reference


def pixels_of(case: dict) -> np.ndarray:
    """The reference image, rebuilt from the recipe the JSON records (its ``image`` says how)."""
    pixels = np.asarray(Image.open(ROOT / case["source"]).convert("RGB"))
    top, bottom, left, right = case["crop"] or (None, None, None, None)
    return pixels[top:bottom, left:right]


def case_id(case: dict) -> str:
    return f"{Path(case['source']).stem}{'-crop' if case['crop'] else ''}-K{case['K']}"


@pytest.fixture(scope="module")
def ours() -> dict[str, float]:
    """Our PSNR on every case, computed once (the live test reuses it)."""
    results = {}
    for case in CASES:
        pixels = pixels_of(case)
        results[case_id(case)] = psnr(pixels, quantize_pixels(pixels, case["K"], seed=0).image(), peak=255.0)
    return results


def test_reference_covers_the_issue():
    assert "pngquant" in REFERENCE["tool"] and REFERENCE["version"]
    assert {case["K"] for case in CASES} == {16, 64, 256}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_at_least_pngquants_stored_psnr(case, ours):
    assert ours[case_id(case)] >= case["psnr"], (
        f"PSNR {ours[case_id(case)]:.3f} dB is below pngquant's {case['psnr']:.3f} dB ({REFERENCE['version']})")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_at_least_live_pngquants_psnr(case, ours, tmp_path):
    if shutil.which("pngquant") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pngquant is not installed: .ci/run installs it")
        pytest.skip("pngquant is not installed (apt-get install pngquant, or make pngquant)")
    pixels = pixels_of(case)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    subprocess.run([*PNGQUANT, str(case["K"]), "-o", str(tmp_path / "out.png"), str(tmp_path / "in.png")],
                   check=True, timeout=60)
    theirs = psnr(pixels, np.asarray(Image.open(tmp_path / "out.png").convert("RGB")), peak=255.0)
    assert ours[case_id(case)] >= theirs
    # Bytes: the PNG compress.py writes of the same image is no larger than pngquant's.
    quantized = quantize_pixels(pixels, case["K"], seed=0)
    assert len(encode_indexed_png(quantized.indices, quantized.palette)) <= (tmp_path / "out.png").stat().st_size


def test_the_floor_benchmark_writes_what_compress_py_wrote(tmp_path):
    """bench/compress_floor.py, the floor of bench/compress_vs_peers.py, does every step of a run
    but the clustering: given compress.py's palette, its file shows the same pixels (each colour
    at its nearest entry; only exact ties may go to the other entry, at no cost in error)."""
    source = ROOT / "images" / "chelsea.png"
    ours, floor = tmp_path / "ours.png", tmp_path / "floor.png"
    subprocess.run([sys.executable, str(ROOT / "compress.py"), str(source), "-k", "16", "-o", str(ours)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "compress_floor.py"), str(source), str(ours), str(floor)],
                   check=True, capture_output=True)
    original = np.asarray(Image.open(source).convert("RGB")).astype(int)
    a, b = (np.asarray(Image.open(path).convert("RGB")).astype(int) for path in (ours, floor))
    assert (a != b).any(axis=2).mean() < 0.01
    assert np.array_equal(((original - a) ** 2).sum(2), ((original - b) ** 2).sum(2))


def test_the_steps_benchmark_accounts_for_every_step():
    """bench/compress_steps.py wraps the palette fit's helpers by name: a renamed helper would
    silently drop out of its table. On a small photo, every stage shows and the rows add up."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "compress_steps.py"), "--K", "16", "256",
                           "--repeat", "1", "--size", "800", "600"], check=True, capture_output=True, text=True)
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")[1:] for line in done.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| step")}
    for stage in ("bins of 6 and 5 bits", "starts and Lloyd on the 5-bit bins", "Lloyd on the 6-bit bins",
                  "Lloyd on the distinct colours", "each colour's nearest palette entry"):
        assert any(stage in name for name in rows), stage
    for column in range(2):
        values = [float(cells[column].strip(" |*")) for name, cells in rows.items()
                  if name not in ("**total**", "of which the palette fit")]
        total = float(rows["**total**"][column].strip(" |*"))
        assert sum(values) == pytest.approx(total, abs=0.005 * (len(values) + 1))  # each rounded to 0.01
