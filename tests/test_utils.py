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


def test_closest_in_blocks_gives_what_the_function_gives_on_the_whole_and_calls_it_a_block_at_a_time():
    from grading.instructor_notebook import load_reference

    find = load_reference()["find_closest_centroids"]
    rng = np.random.default_rng(2)
    X, centroids = rng.random((2_500, 3)), rng.random((7, 3))
    sizes = []

    def counting(block, C):
        sizes.append(len(block))
        return find(block, C)

    idx = utils.closest_in_blocks(counting, X, centroids, rows=1_000)
    assert np.array_equal(idx, find(X, centroids)) and idx.dtype == np.intp
    assert sizes == [1_000, 1_000, 500]


def test_closest_in_blocks_says_what_is_wrong_with_a_broken_function():
    X, centroids = np.zeros((10, 3)), np.zeros((2, 3))
    for broken in (lambda B, C: np.zeros(len(B)), lambda B, C: np.zeros((len(B), 1), int), lambda B, C: np.full(len(B), 2)):
        try:
            utils.closest_in_blocks(broken, X, centroids)
        except ValueError as exc:
            assert "find_closest_centroids must return 10 integers from 0 to 1" in str(exc)
        else:
            raise AssertionError("a broken result was accepted")


def test_compare_copy_and_whole_shows_both_with_their_psnr(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    rng = np.random.default_rng(3)
    palette = rng.random((4, 3))
    image_idx, small_idx = rng.integers(0, 4, 20 * 30), rng.integers(0, 4, 10 * 15)
    image, small = palette[image_idx].reshape(20, 30, 3), rng.random((10, 15, 3))
    copy_db, image_db = utils.compare_copy_and_whole(small, small_idx, image, image_idx, palette)
    assert image_db == np.inf and copy_db == utils.psnr(small, palette[small_idx].reshape(small.shape))
    titles = [ax.get_title() for ax in plt.gcf().axes]
    assert f"on a 15 x 10 copy\nPSNR {copy_db:.1f} dB" in titles[0] and "on all 30 x 20 pixels" in titles[1]
    plt.close("all")


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
