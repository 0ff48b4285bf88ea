"""quantize.image_io and utils.load_image: every kind of image Pillow reads, and every way to fail."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from quantize.image_io import ImageReadError, decode_image, image_to_array, read_image
from utils import load_image

ROOT = Path(__file__).resolve().parent.parent

RGB = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                [[255, 255, 255], [0, 0, 0], [128, 64, 32]]], dtype=np.uint8)  # 2 x 3 pixels


def _save(tmp_path, img, name, **kwargs):
    path = tmp_path / name
    img.save(path, **kwargs)
    return path


@pytest.mark.parametrize("name", ["x.png", "x.bmp", "x.tif", "x.webp", "x.gif"])
def test_lossless_formats_round_trip_exactly(tmp_path, name):
    kwargs = {"lossless": True} if name.endswith("webp") else {}
    path = _save(tmp_path, Image.fromarray(RGB), name, **kwargs)
    image = load_image(path)
    assert image.shape == (2, 3, 3) and image.dtype == np.float64
    assert np.array_equal(np.rint(image * 255).astype(np.uint8), RGB)


def test_jpeg_loads_as_float_rgb_in_unit_range(tmp_path):
    path = _save(tmp_path, Image.fromarray(np.full((16, 16, 3), 200, np.uint8)), "x.jpg", quality=95)
    image = load_image(path)
    assert image.shape == (16, 16, 3) and 0.0 <= image.min() and image.max() <= 1.0
    assert abs(image.mean() - 200 / 255) < 0.01


def test_exif_orientation_is_applied(tmp_path):
    img = Image.fromarray(np.zeros((20, 40, 3), np.uint8))  # 40 wide, 20 high as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    path = _save(tmp_path, img, "rotated.jpg", exif=exif)
    assert load_image(path).shape == (40, 20, 3)


def test_greyscale_palette_and_cmyk_become_rgb(tmp_path):
    grey = _save(tmp_path, Image.fromarray(np.array([[0, 128, 255]], np.uint8)), "grey.png")
    assert np.allclose(load_image(grey)[0, :, 0], [0, 128 / 255, 1]) and load_image(grey).shape == (1, 3, 3)
    palette = _save(tmp_path, Image.fromarray(RGB).convert("P", palette=Image.Palette.ADAPTIVE, colors=6), "p.png")
    assert np.array_equal(np.rint(load_image(palette) * 255).astype(np.uint8), RGB)
    cmyk = _save(tmp_path, Image.fromarray(RGB).convert("CMYK"), "cmyk.jpg", quality=100)
    assert load_image(cmyk).shape == (2, 3, 3)


def test_sixteen_bit_greyscale_keeps_its_range(tmp_path):
    wide = np.array([[0, 32768, 65535]], dtype=np.uint16)
    path = _save(tmp_path, Image.fromarray(wide), "wide.png")
    assert Image.open(path).mode.startswith("I")
    image = load_image(path)
    # convert("RGB") would clip everything above 255 to white; the values must scale instead.
    assert np.allclose(image[0, :, 0], [0, 128 / 255, 1], atol=1 / 255)


def test_transparency_is_kept_as_alpha_and_composited_over_white_for_the_notebook(tmp_path):
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[0, 0] = [255, 0, 0, 255]  # opaque red
    rgba[0, 1] = [0, 0, 255, 0]  # fully transparent blue
    path = _save(tmp_path, Image.fromarray(rgba), "alpha.png")
    assert image_to_array(read_image(path)).shape == (1, 2, 4)
    assert np.allclose(load_image(path)[0], [[1, 0, 0], [1, 1, 1]])
    # A palette image whose entry 0 is transparent (a tRNS chunk) also has alpha.
    p = Image.fromarray(np.array([[0, 1]], np.uint8)).convert("P")
    p.putpalette([0, 0, 0, 255, 255, 0])
    path = _save(tmp_path, p, "ptrns.png", transparency=0)
    assert np.allclose(load_image(path)[0], [[1, 1, 1], [1, 1, 0]])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "not an image"),
    ],
)
def test_unreadable_inputs_raise_one_line_errors(tmp_path, make, message):
    with pytest.raises(ImageReadError, match=message) as caught:
        load_image(make(tmp_path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("name", ["x.png", "x.jpg"])
def test_truncated_files_raise_a_clear_error(tmp_path, name):
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    path = _save(tmp_path, Image.fromarray(noisy), name)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="truncated or corrupt"):
        load_image(path)


def test_decompression_bomb_is_refused_with_a_clear_error(tmp_path):
    path = _save(tmp_path, Image.new("RGB", (100, 100)), "big.png")
    # Lower Pillow's limit in a child process, so this test leaves the global setting alone.
    code = (
        "import sys; from PIL import Image; Image.MAX_IMAGE_PIXELS = 1000\n"
        "from quantize.image_io import read_image, ImageReadError\n"
        f"try: read_image({str(path)!r})\n"
        "except ImageReadError as e: print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "too large to decode safely (10000 pixels" in out and "limit is 1000 pixels" in out


def test_the_input_file_is_not_modified(tmp_path):
    path = _save(tmp_path, Image.fromarray(RGB), "x.png")
    before = path.read_bytes()
    load_image(path)
    assert path.read_bytes() == before


def test_sample_images_load():
    for name, shape in [("china.jpg", (427, 640, 3)), ("chelsea_small.png", (128, 128, 3))]:
        assert load_image(f"images/{name}").shape == shape


# --- decode_image: what reading had to change -------------------------------------------------

def test_decode_image_of_an_ordinary_file_changes_nothing(tmp_path):
    path = _save(tmp_path, Image.fromarray(RGB), "x.png")
    decoded = decode_image(path)
    assert np.array_equal(decoded.pixels, RGB)
    assert decoded.faithful and decoded.notes == () and decoded.frames == 1
    assert decoded.file_bytes == path.stat().st_size


def test_float_image_in_zero_to_one_is_scaled_and_said_so(tmp_path):
    values = np.linspace(0, 1, 900, dtype=np.float32).reshape(30, 30)  # 900 distinct values
    path = _save(tmp_path, Image.fromarray(values), "f.tif")
    decoded = decode_image(path)
    grey = decoded.pixels[..., 0]
    assert grey.min() == 0 and grey.max() == 255 and len(np.unique(grey)) == 256  # not clipped to 2
    assert np.array_equal(grey, np.rint(values.astype(np.float64) * 255))
    assert not decoded.faithful
    assert decoded.notes == ("32-bit float greyscale (values 0 to 1) scaled by 255 and rounded to 8 bits",)


def test_float_image_beyond_one_is_read_as_0_to_255_and_clipped(tmp_path):
    values = np.array([[-10.0, 0.4, 100.6, 300.0]], np.float32)
    decoded = decode_image(_save(tmp_path, Image.fromarray(values), "f.tif"))
    assert decoded.pixels[0, :, 0].tolist() == [0, 0, 101, 255]
    assert "clipped to 0-255" in decoded.notes[0]


def test_a_signalling_nan_becomes_0_without_a_warning(tmp_path):
    values = np.array([[0.0, 0.5, 1.0, 0.25]], np.float32)
    values.view(np.uint32)[0, 0] = 0x7F800001  # a signalling NaN: numpy warns as it widens one
    path = _save(tmp_path, Image.fromarray(values), "f.tif")
    done = subprocess.run([sys.executable, "-W", "error", "-c",
                           f"from quantize.image_io import decode_image; print(decode_image({str(path)!r}).pixels[0, :, 0].tolist())"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 128, 255, 64]" and done.stderr == ""


def test_sixteen_bit_greyscale_is_faithful_only_if_no_bits_are_lost(tmp_path):
    exact = _save(tmp_path, Image.fromarray(np.array([[0, 257, 65535]], np.uint16)), "exact.png")
    assert decode_image(exact).faithful
    rounded = _save(tmp_path, Image.fromarray(np.array([[0, 258, 65535]], np.uint16)), "rounded.png")
    assert decode_image(rounded).notes == ("16-bit greyscale rounded to 8 bits",)


def test_cmyk_conversion_is_a_note(tmp_path):
    decoded = decode_image(_save(tmp_path, Image.fromarray(RGB).convert("CMYK"), "c.jpg", quality=95))
    assert len(decoded.notes) == 1 and decoded.notes[0].startswith("CMYK converted to RGB")


def test_sixteen_bits_a_channel_colour_png_is_a_note(tmp_path):
    # Pillow has no 16-bit RGB mode: it reads such a PNG as 8-bit RGB, keeping the high bytes.
    rows = (np.arange(2 * 3 * 3).reshape(2, 9) * 1000).astype(">u2")  # big-endian, as PNG stores it
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 3, 2, 16, 2, 0, 0, 0)  # 3 x 2, 16 bits a sample, RGB
    path = tmp_path / "wide.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
                     + chunk(b"IEND", b""))
    decoded = decode_image(path)
    assert np.array_equal(decoded.pixels.reshape(2, 9), (rows >> 8).astype(np.uint8))
    assert decoded.notes == ("16 bits a channel reduced to 8 (Pillow keeps the high byte)",)


def test_animated_gif_keeps_the_first_frame_and_says_so(tmp_path):
    frames = [Image.fromarray(np.full((4, 4, 3), level, np.uint8)) for level in (10, 120, 250)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    decoded = decode_image(path)
    assert decoded.frames == 3 and (decoded.pixels == 10).all()
    assert decoded.notes == ("kept the first of 3 frames (an animation or a multi-page file)",)
    assert not decoded.faithful


def test_decode_image_from_bytes_names_standard_input():
    decoded = decode_image((ROOT / "images" / "chelsea_small.png").read_bytes())
    assert decoded.pixels.shape == (128, 128, 3) and decoded.faithful
    with pytest.raises(ImageReadError, match="^standard input: not an image"):
        decode_image(b"hello")
