"""utils: the notebook's one import; what it adds to the quantize modules."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

import utils  # noqa: E402


def test_everything_listed_is_importable():
    for name in utils.__all__:
        assert callable(getattr(utils, name)) or isinstance(getattr(utils, name), type)


def test_count_colours():
    image = np.zeros((4, 4, 3))
    image[0, 0] = [1.0, 0.0, 0.0]
    image[1, 1] = [1.0, 0.0, 1 / 255]  # differs from red only in the last bit of blue
    assert utils.count_colours(image) == 3
    assert utils.count_colours(image.reshape(-1, 3)) == 3
    assert utils.count_colours((image * 255).astype(np.uint8)) == 3


def test_show_compression_draws_two_figures_and_prints_the_report(capsys, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    rng = np.random.default_rng(0)
    palette = rng.random((8, 3))
    idx = rng.integers(0, 8, size=12 * 16)
    image = palette[idx].reshape(12, 16, 3)
    report = utils.show_compression(image, palette, idx, source_file="images/chelsea_small.png")
    assert len(shown) == 2
    assert "chelsea_small.png: original" in shown[1].axes[0].get_title()
    assert f"{report.indexed_png_bytes:,} bytes" in shown[1].axes[1].get_title()
    assert str(report) in capsys.readouterr().out
    plt.close("all")


def test_quantize_image_gives_a_float_palette_and_flat_indices_that_rebuild_the_image():
    image = utils.load_image("images/chelsea_small.png")
    palette, idx = utils.quantize_image(image, 16)
    assert palette.shape == (16, 3) and palette.dtype == np.float64
    assert 0.0 <= palette.min() and palette.max() <= 1.0
    assert idx.shape == (image.shape[0] * image.shape[1],) and idx.max() < 16
    # Same PSNR as the library reports for the same pixels: the float round trip loses nothing.
    from quantize.quantizer import quantize_pixels
    expected = quantize_pixels(utils.to_uint8(image), 16, seed=0).psnr
    assert np.isclose(utils.psnr(image, palette[idx].reshape(image.shape)), expected, atol=1e-9)
    again, idx_again = utils.quantize_image(image, 16)
    assert np.array_equal(again, palette) and np.array_equal(idx_again, idx)


def test_quantize_image_keeps_every_colour_of_an_image_with_at_most_K_of_them():
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 256, size=(5, 3)).astype(np.uint8)
    image = colours[rng.integers(0, 5, size=(20, 30))]
    palette, idx = utils.quantize_image(image, 16)
    assert len(palette) == 5
    assert np.array_equal(utils.to_uint8(palette[idx]).reshape(image.shape), image)


def test_downscale_keeps_the_aspect_and_the_mean_colour():
    rng = np.random.default_rng(0)
    image = rng.random((300, 400, 3))
    small = utils.downscale(image, max_pixels=10_000)
    assert small.shape == (86, 115, 3) and small.shape[0] * small.shape[1] <= 10_000
    assert np.allclose(small.mean(axis=(0, 1)), image.mean(axis=(0, 1)), atol=0.01)
    assert utils.downscale(image, max_pixels=120_000) is not None and utils.downscale(image, 120_000).shape == image.shape


def test_sweep_table_is_one_line_per_K_with_the_gain_of_each_step():
    rng = np.random.default_rng(0)
    image = rng.random((40, 50, 3))
    reports = []
    for K in (2, 4):
        palette = rng.random((K, 3))
        idx = rng.integers(0, K, size=40 * 50)
        reports.append(utils.compression_report(image, palette, idx))
    lines = utils.sweep_table(reports).splitlines()
    assert len(lines) == 4 and lines[1].split()[:3] == ["K", "index", "bits"]
    assert lines[3].split()[-1] == f"+{reports[1].psnr_db - reports[0].psnr_db:.2f}"
