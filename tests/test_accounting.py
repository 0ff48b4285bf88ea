"""course.accounting: the bit counts, the real PNG byte counts, PSNR and the printed report."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from course.accounting import (
    bit_budget,
    compression_report,
    index_bits,
    indexed_png_bytes,
    png_index_bits,
    psnr,
    rgb_png_bytes,
    to_uint8,
)


@pytest.mark.parametrize("K, bits, png_bits", [(1, 0, 1), (2, 1, 1), (3, 2, 2), (4, 2, 2), (8, 3, 4),
                                                (16, 4, 4), (17, 5, 8), (64, 6, 8), (256, 8, 8)])
def test_index_bits(K, bits, png_bits):
    assert index_bits(K) == bits == math.ceil(math.log2(K))
    assert png_index_bits(K) == png_bits


@pytest.mark.parametrize("K", [0, 257])
def test_png_palette_size_is_checked(K):
    with pytest.raises(ValueError):
        png_index_bits(K)


def test_bit_budget_for_the_course_example():
    budget = bit_budget(128 * 128, 16)
    assert budget.original_bits == 16384 * 24 == 393_216
    assert budget.compressed_bits == 16384 * 4 + 16 * 24 == 65_920
    assert budget.ratio == pytest.approx(393_216 / 65_920)


def _read_png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _png_bytes_of(idx, palette) -> bytes:
    """The bytes indexed_png_bytes counts, obtained the same way, to check what they contain."""
    height, width = idx.shape
    img = Image.frombytes("P", (width, height), idx.astype(np.uint8).tobytes())
    img.putpalette(to_uint8(palette).tobytes())
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("K", [2, 4, 16, 64, 256])
def test_indexed_png_stores_the_indices_and_palette_at_the_smallest_depth(K):
    rng = np.random.default_rng(K)
    idx = rng.integers(0, K, size=(40, 50))
    palette = rng.integers(0, 256, size=(K, 3), dtype=np.uint8)
    size = indexed_png_bytes(idx, palette)
    data = _png_bytes_of(idx, palette)
    assert size == len(data)
    img = _read_png(data)
    assert img.mode == "P" and data[24] == png_index_bits(K)  # IHDR bit depth
    assert np.array_equal(np.asarray(img), idx)
    assert np.array_equal(np.asarray(img.getpalette()[: 3 * K]).reshape(K, 3), palette)


def test_indexed_png_rejects_bad_indices():
    with pytest.raises(ValueError, match="0..3"):
        indexed_png_bytes(np.array([[0, 4]]), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="(H, W)"):
        indexed_png_bytes(np.array([0, 1]), np.zeros((4, 3)))


def test_rgb_png_bytes_is_the_size_of_a_lossless_png(tmp_path):
    image = np.random.default_rng(0).random((30, 40, 3))
    size = rgb_png_bytes(image)
    path = tmp_path / "x.png"
    Image.fromarray(to_uint8(image)).save(path)
    assert size == path.stat().st_size
    assert np.array_equal(np.asarray(Image.open(path)), to_uint8(image))


def test_psnr_known_values():
    a = np.zeros((10, 10, 3))
    assert psnr(a, a) == math.inf
    assert psnr(a, a + 0.1) == pytest.approx(20.0)  # MSE 0.01
    assert psnr(a, a + 25.5, peak=255) == pytest.approx(20.0)
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(a, a[:5])


def test_compression_report_figures_agree_with_their_parts(tmp_path):
    rng = np.random.default_rng(0)
    palette = rng.random((4, 3))
    idx = rng.integers(0, 4, size=(20, 30))
    image = np.clip(palette[idx] + rng.normal(0, 0.02, (20, 30, 3)), 0, 1)
    source = tmp_path / "source.png"
    Image.fromarray(to_uint8(image)).save(source)

    report = compression_report(image, palette, idx.ravel(), source_file=source)
    assert report.budget == bit_budget(600, 4)
    assert report.true_colour_png_bytes == rgb_png_bytes(image)
    assert report.indexed_png_bytes == indexed_png_bytes(idx, palette)
    assert report.source_bytes == source.stat().st_size
    assert report.psnr_db == pytest.approx(psnr(image, to_uint8(palette)[idx] / 255))
    text = str(report)
    for figure in (f"{report.budget.original_bits:,}", f"{report.budget.compressed_bits:,}",
                   f"{report.indexed_png_bytes:,}", f"{report.psnr_db:.2f} dB", "source.png", "2-bit indices"):
        assert figure in text


def test_compression_report_accepts_uint8_images():
    palette = np.array([[0, 0, 0], [255, 255, 255]], dtype=np.uint8)
    idx = np.array([[0, 1], [1, 0]])
    report = compression_report(palette[idx], palette, idx)
    assert report.psnr_db == math.inf


def test_compress_writes_smaller_files_than_the_notebook_counts():
    """The notebook counts Pillow's indexed PNG; compress.py writes the same pixels in fewer bytes."""
    from quantize.image_io import decode_image
    from quantize.indexed_image import quantize_pixels
    from quantize.png_encoder import encode_indexed_png

    for name in ("chelsea_small.png", "coffee.png"):
        pixels = decode_image(f"images/{name}").pixels
        for K in (8, 16, 64, 256):
            q = quantize_pixels(pixels, K)
            assert len(encode_indexed_png(q.indices, q.palette)) < indexed_png_bytes(q.indices, q.palette), (name, K)
