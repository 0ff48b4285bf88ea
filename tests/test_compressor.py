"""compress_cli.one_file: every input format, transparency, the lossless path, files and mistakes."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, features

from compress_cli.one_file import CompressedFile, CompressError, compress_file, default_output_path
from course.accounting import psnr
from quantize import atomic_files
from quantize.indexed_image import Quantized, quantize_pixels
from quantize.premultiplied import premultiply

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "images" / "chelsea_small.png"  # 128 x 128 RGB photo


def cat() -> np.ndarray:
    return np.asarray(Image.open(CAT).convert("RGB"))


def with_alpha() -> np.ndarray:
    """The cat with a left-to-right alpha ramp and a fully transparent top band of mixed colours."""
    rgb = cat()
    alpha = np.tile(np.linspace(0, 255, rgb.shape[1]).astype(np.uint8), (rgb.shape[0], 1))
    alpha[:20] = 0
    return np.dstack([rgb, alpha])


def read_back(path: Path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- each input format Pillow reads -----------------------------------------------------------

def _rgb_png(p):
    Image.fromarray(cat()).save(p / "in.png")
    return p / "in.png", (128, 128), False


def _rgba_png(p):
    Image.fromarray(with_alpha(), "RGBA").save(p / "in.png")
    return p / "in.png", (128, 128), True


def _palette_png_with_transparency(p):
    img = Image.fromarray(cat()).quantize(100)
    img.info["transparency"] = 0  # palette entry 0 is transparent
    img.save(p / "in.png", transparency=0)
    return p / "in.png", (128, 128), True


def _grey_png(p):
    Image.fromarray(cat()).convert("L").save(p / "in.png")
    return p / "in.png", (128, 128), False


def _grey16_png(p):
    wide = (cat()[..., 1].astype(np.uint16) * 257) + np.arange(128, dtype=np.uint16)[None, :]
    Image.fromarray(wide).save(p / "in.png")  # mode I;16
    return p / "in.png", (128, 128), False


def _cmyk_jpeg(p):
    Image.fromarray(cat()).convert("CMYK").save(p / "in.jpg", quality=95)
    return p / "in.jpg", (128, 128), False


def _exif_rotated_jpeg(p):
    img = Image.fromarray(cat()[:, :64])  # 64 wide, 128 high as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    img.save(p / "in.jpg", exif=exif)
    return p / "in.jpg", (128, 64), False  # as viewed: 128 wide, 64 high


def _gif(p):
    img = Image.fromarray(cat()).quantize(200)
    img.save(p / "in.gif", transparency=5)
    return p / "in.gif", (128, 128), True


def _webp(p):
    if not features.check("webp"):
        pytest.skip("this Pillow was built without WebP")
    Image.fromarray(with_alpha(), "RGBA").save(p / "in.webp", lossless=True)
    return p / "in.webp", (128, 128), True


def _tiff(p):
    Image.fromarray(cat()).save(p / "in.tiff")
    return p / "in.tiff", (128, 128), False


FORMATS = [_rgb_png, _rgba_png, _palette_png_with_transparency, _grey_png, _grey16_png, _cmyk_jpeg,
           _exif_rotated_jpeg, _gif, _webp, _tiff]


@pytest.mark.parametrize("make", FORMATS, ids=lambda f: f.__name__.strip("_"))
def test_every_format_gives_an_indexed_png_of_the_same_size(make, tmp_path):
    source, size, transparent = make(tmp_path)
    before = sha(source)
    report = compress_file(source, K=16)
    assert report.output_path == tmp_path / "in-k16.png"
    out = read_back(report.output_path)
    assert out.format == "PNG" and out.mode == "P"
    assert out.size == size == (report.width, report.height)
    assert report.colours_out == len(out.getpalette()) // 3 <= 16
    assert ("transparency" in out.info) == transparent
    assert sha(source) == before  # the input is never modified


def test_transparent_pixels_stay_transparent(tmp_path):
    pixels = with_alpha()
    Image.fromarray(pixels, "RGBA").save(tmp_path / "in.png")
    compress_file(tmp_path / "in.png", tmp_path / "out.png", K=16)
    out = np.asarray(read_back(tmp_path / "out.png").convert("RGBA"))
    assert (out[..., 3][pixels[..., 3] == 0] == 0).all()
    # Half-transparent pixels stay half transparent: alpha is clustered with the colours.
    assert len(np.unique(out[..., 3])) > 8
    assert np.abs(out[..., 3].astype(int) - pixels[..., 3]).mean() < 16


def test_quantize_pixels_api():
    pixels = cat()
    q = quantize_pixels(pixels, 16, seed=0)
    assert isinstance(q, Quantized)
    assert q.palette.dtype == np.uint8 and q.palette.shape[1] == 3 and len(q.palette) <= 16
    assert q.indices.dtype == np.uint8 and q.indices.shape == pixels.shape[:2]
    assert not q.lossless
    assert q.colours_in == len(np.unique(pixels.reshape(-1, 3), axis=0))
    image = q.image()
    assert image.shape == pixels.shape and image.dtype == np.uint8
    assert np.array_equal(image, q.palette[q.indices])
    # The error summed over distinct colours is the error over pixels.
    assert q.psnr == pytest.approx(psnr(pixels, image, peak=255.0), abs=1e-9)
    # Every entry is used, and each pixel has its nearest entry.
    assert len(np.unique(q.indices)) == len(q.palette)
    d = ((pixels[:, :, None, :].astype(int) - q.palette[None, None].astype(int)) ** 2).sum(-1)
    assert (np.take_along_axis(d, q.indices[..., None].astype(int), 2)[..., 0] == d.min(-1)).all()


def test_quantize_rgba_keeps_four_channels():
    pixels = with_alpha()
    q = quantize_pixels(pixels, 32)
    assert q.palette.shape[1] == 4 and len(q.palette) <= 32
    assert (q.palette[0] == 0).all()  # the one fully transparent entry comes first
    image = q.image()
    assert (image[pixels[..., 3] == 0] == 0).all()
    visible = pixels.copy()
    visible[pixels[..., 3] == 0] = 0  # hidden colours count as equal
    # The error is that of premultiplied colour and alpha, what a viewer sees (tests/test_premultiplied.py).
    shown = [premultiply(a.reshape(-1, 4)).astype(np.float64) for a in (visible, image)]
    assert q.psnr == pytest.approx(psnr(*shown, peak=255.0), abs=1e-6)


def test_opaque_alpha_channel_is_clustered_as_rgb():
    rgba = np.dstack([cat(), np.full((128, 128), 255, np.uint8)])
    q = quantize_pixels(rgba, 16)
    assert q.palette.shape[1] == 4 and (q.palette[:, 3] == 255).all()
    assert np.array_equal(q.palette[:, :3], quantize_pixels(cat(), 16).palette)


@pytest.mark.parametrize("K", [1, 2, 256])
def test_extreme_K(K):
    q = quantize_pixels(cat(), K)
    assert 1 <= len(q.palette) <= K
    if K == 1:
        assert np.allclose(q.palette[0], cat().reshape(-1, 3).mean(0), atol=0.5)


def test_few_colours_are_kept_losslessly(tmp_path):
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, (5, 3), dtype=np.uint8)
    pixels = colours[rng.integers(0, 5, (40, 30))]
    Image.fromarray(pixels).save(tmp_path / "five.png")
    report = compress_file(tmp_path / "five.png", K=5)
    assert report.lossless and report.colours_in == report.colours_out == 5
    assert math.isinf(report.psnr_db)
    assert "lossless" in str(report)
    assert np.array_equal(np.asarray(read_back(report.output_path).convert("RGB")), pixels)


def test_few_colours_with_hidden_ones_are_lossless_where_visible():
    rng = np.random.default_rng(1)
    pixels = np.zeros((20, 20, 4), np.uint8)
    pixels[:10] = [10, 20, 30, 255]
    pixels[10:, :, 3] = 0
    pixels[10:, :, :3] = rng.integers(0, 256, (10, 20, 3))  # invisible colours, all different
    q = quantize_pixels(pixels, 2)
    assert q.lossless and len(q.palette) == 2
    assert np.array_equal(q.image()[:10], pixels[:10]) and (q.image()[10:, :, 3] == 0).all()


def test_same_seed_same_file(tmp_path):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    compress_file(tmp_path / "in.png", tmp_path / "a.png", K=16, seed=7)
    compress_file(tmp_path / "in.png", tmp_path / "b.png", K=16, seed=7)
    assert sha(tmp_path / "a.png") == sha(tmp_path / "b.png")
    a, b = quantize_pixels(cat(), 64, seed=3), quantize_pixels(cat(), 64, seed=3)
    assert np.array_equal(a.palette, b.palette) and np.array_equal(a.indices, b.indices)


def test_report_figures(tmp_path):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    report = compress_file(tmp_path / "in.png", K=16)
    assert isinstance(report, CompressedFile)
    assert report.input_bytes == (tmp_path / "in.png").stat().st_size
    assert report.output_bytes == report.output_path.stat().st_size
    assert report.bits_per_pixel_out == pytest.approx(8 * report.output_bytes / 128**2)
    assert report.ratio == pytest.approx(report.input_bytes / report.output_bytes)
    assert 25 < report.psnr_db < 40 and report.seconds > 0
    text = str(report)
    for word in ("bytes", "bits/pixel", "ratio", "PSNR", "colours", "time", f"{report.output_bytes:,}"):
        assert word in text


def test_default_output_name_beside_the_input(tmp_path):
    assert default_output_path(tmp_path / "holiday.photo.jpg", 64) == tmp_path / "holiday.photo-k64.png"


# --- files: no overwriting, atomic writes -----------------------------------------------------

def test_refuses_to_overwrite_without_force(tmp_path):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    (tmp_path / "out.png").write_bytes(b"keep me")
    with pytest.raises(CompressError, match="already exists.*--force"):
        compress_file(tmp_path / "in.png", tmp_path / "out.png")
    assert (tmp_path / "out.png").read_bytes() == b"keep me"
    compress_file(tmp_path / "in.png", tmp_path / "out.png", force=True)
    assert read_back(tmp_path / "out.png").mode == "P"


def test_never_overwrites_the_input_even_with_force(tmp_path):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    before = sha(tmp_path / "in.png")
    with pytest.raises(CompressError, match="is the input"):
        compress_file(tmp_path / "in.png", tmp_path / "in.png", force=True)
    assert sha(tmp_path / "in.png") == before


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, existing):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    if existing:
        (tmp_path / "out.png").write_bytes(b"old")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_files.os, "fsync", full_disk)  # the disk fills as the PNG is flushed
    with pytest.raises(CompressError, match="out.png: cannot write.*No space left"):
        compress_file(tmp_path / "in.png", tmp_path / "out.png", force=existing)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["in.png", "out.png"] if existing else ["in.png"])
    if existing:
        assert (tmp_path / "out.png").read_bytes() == b"old"


def test_written_file_has_ordinary_permissions(tmp_path):
    Image.fromarray(cat()).save(tmp_path / "in.png")
    umask = os.umask(0o022)
    try:
        compress_file(tmp_path / "in.png", tmp_path / "out.png")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.png").stat().st_mode & 0o777 == 0o644


# --- a user's mistakes: one CompressError, one line -------------------------------------------

def _truncated(p):
    data = (ROOT / "images" / "china.jpg").read_bytes()
    (p / "cut.jpg").write_bytes(data[: len(data) // 3])
    return dict(input_path=p / "cut.jpg")


MISTAKES = {
    "missing file": (lambda p: dict(input_path=p / "nope.png"), "no such file"),
    "not an image": (lambda p: (p / "t.png").write_text("hello") and dict(input_path=p / "t.png"),
                     "not an image"),
    "truncated": (_truncated, "truncated"),
    "K zero": (lambda p: dict(input_path=CAT, output_path=p / "o.png", K=0), "K must be"),
    "K too large": (lambda p: dict(input_path=CAT, output_path=p / "o.png", K=257), "K must be"),
    "K not whole": (lambda p: dict(input_path=CAT, output_path=p / "o.png", K=2.5), "K must be"),
    "negative seed": (lambda p: dict(input_path=CAT, output_path=p / "o.png", seed=-1), "seed"),
    "no such folder": (lambda p: dict(input_path=CAT, output_path=p / "missing" / "o.png"), "does not exist"),
    "not a png name": (lambda p: dict(input_path=CAT, output_path=p / "o.jpg"), r"\.png"),
    "output is a folder": (lambda p: (p / "d.png").mkdir() or dict(input_path=CAT, output_path=p / "d.png",
                                                                     force=True), "is a folder"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_is_one_compress_error_line(name, tmp_path):
    make, pattern = MISTAKES[name]
    kwargs = make(tmp_path)
    with pytest.raises(CompressError, match=pattern) as caught:
        compress_file(**kwargs)
    assert "\n" not in str(caught.value)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_decompression_bomb_is_a_compress_error(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the cat has 16,384 pixels
    with pytest.raises(CompressError, match="too large"):
        compress_file(CAT, tmp_path / "o.png")
