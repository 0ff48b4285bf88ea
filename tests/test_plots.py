"""course.plots: every figure draws something, with labels, on the installed matplotlib."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from course import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _rendered(fig) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return np.asarray(Image.open(buffer).convert("L"), dtype=float)


def _not_blank(fig) -> bool:
    return _rendered(fig).std() > 5


@pytest.mark.parametrize("K", [1, 3, 10, 15, 40])
def test_cluster_colours_are_distinct_for_any_K(K):
    colours = plots.cluster_colours(K)
    assert colours.shape == (K, 4)
    assert len(np.unique(np.round(colours, 3), axis=0)) == K


@pytest.mark.parametrize("K", [3, 12])
def test_kmeans_progress_draws_points_paths_and_labelled_axes(K):
    rng = np.random.default_rng(0)
    X = rng.random((200, 2))
    history = [rng.random((K, 2)) for _ in range(4)]
    fig = plots.plot_kmeans_progress(X, history, rng.integers(0, K, 200))
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.lines) >= 2 * K  # a path and its step markers for every centroid
    assert ax.get_legend() is not None
    assert _not_blank(fig)


def test_distortion_plot():
    fig = plots.plot_distortion([4.0, 3.0, 2.5, 2.4])
    ax = fig.axes[0]
    assert ax.get_ylabel().startswith("distortion") and ax.get_xlabel() == "iteration"
    assert np.array_equal(ax.lines[0].get_ydata(), [4.0, 3.0, 2.5, 2.4])


def test_rgb_space_is_3d_with_a_seeded_sample_and_centroids():
    rng = np.random.default_rng(0)
    pixels = rng.random((10_000, 3))
    fig = plots.plot_rgb_space(pixels, centroids=rng.random((16, 3)), sample=500, seed=1)
    ax = fig.axes[0]
    assert ax.name == "3d"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("red", "green", "blue")
    dots, centroids = ax.collections
    assert len(dots.get_offsets()) == 500 and len(centroids.get_offsets()) == 16
    again = plots.plot_rgb_space(pixels, sample=500, seed=1).axes[0].collections[0]
    assert np.array_equal(dots.get_offsets(), again.get_offsets())
    assert _not_blank(fig)


def test_palette_draws_one_swatch_per_colour_with_labels():
    palette = np.random.default_rng(0).random((20, 3))
    counts = np.arange(20) + 1
    fig = plots.plot_palette(palette, counts=counts)
    ax = fig.axes[0]
    assert len(ax.patches) == 20 and len(ax.texts) == 20
    assert ax.texts[0].get_text().endswith(f"{100 * 20 / counts.sum():.1f}%")  # largest share first
    assert _not_blank(fig)


def test_side_by_side_and_grid_show_images_with_titles():
    image = np.random.default_rng(0).random((30, 40, 3))
    fig = plots.side_by_side(image, image.astype(np.float32), "left", "right")
    assert [ax.get_title() for ax in fig.axes] == ["left", "right"]
    assert all(ax.images for ax in fig.axes)
    fig = plots.plot_image_grid([image] * 5, [f"K = {k}" for k in range(5)], ncols=3)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 5 and all(ax.images for ax in titled)
    assert _not_blank(fig)


def test_k_sweep_has_two_labelled_panels():
    Ks = [2, 4, 8]
    fig = plots.plot_k_sweep(Ks, [1000, 2000, 3000], [20.0, 24.0, 27.0], information_bytes=[1500, 2500, 3500],
                             original_png_bytes=9000)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xlabel() == "K (colours)" and ax.get_ylabel() and ax.get_title()
    assert len(fig.axes[0].get_legend().get_texts()) == 3


def test_which_k_plots_the_elbow_and_rate_against_distortion():
    fig = plots.plot_which_k([2, 4, 8], [0.04, 0.02, 0.015], [0.8, 1.6, 2.4], [20.0, 24.0, 27.0])
    elbow, rate = fig.axes
    assert elbow.get_xlabel() == "K (colours)" and "distortion" in elbow.get_ylabel()
    assert np.allclose(rate.lines[0].get_xydata(), [[0.8, 20.0], [1.6, 24.0], [2.4, 27.0]])
    assert [t.get_text() for t in rate.texts] == ["K = 2", "K = 4", "K = 8"]
    assert _not_blank(fig)


def test_restarts_show_each_run_and_the_best_of_n():
    fig = plots.plot_restarts({"random": np.array([3.0, 2.0, 4.0]), "k-means++": np.array([2.5, 2.5, 1.0])})
    spread, best = fig.axes
    assert [label.get_text() for label in spread.get_xticklabels()] == ["random", "k-means++"]
    assert np.array_equal(best.lines[0].get_ydata(), [3.0, 2.0, 2.0]) and np.array_equal(best.lines[1].get_ydata(), [2.5, 2.5, 1.0])
    assert all(ax.get_ylabel() and ax.get_title() for ax in fig.axes)


def test_error_map_zooms_into_the_square_it_draws():
    rng = np.random.default_rng(0)
    image = rng.random((60, 80, 3))
    compressed = np.round(image * 3) / 3
    fig = plots.plot_error_map(image, compressed, box=(10, 20, 16))
    heat, original, zoomed = fig.axes[:3]
    assert heat.images[0].get_array().shape == (60, 80)
    assert original.images[0].get_array().shape == (16, 16, 3) and np.allclose(original.images[0].get_array(), image[10:26, 20:36])
    assert len(heat.patches) == 1 and _not_blank(fig)


def test_rgb_space_can_paint_each_cluster_its_own_colour():
    rng = np.random.default_rng(0)
    pixels = rng.random((300, 3))
    clusters = rng.integers(0, 4, size=300)
    centroids = np.array([pixels[clusters == k].mean(axis=0) for k in range(4)])
    fig = plots.plot_rgb_space(pixels, clusters=clusters, centroids=centroids, sample=300)
    fig.canvas.draw()  # 3-D collections settle their colours when drawn
    dots, marks = fig.axes[0].collections[:2]
    dot_colours = {tuple(np.round(c[:3], 3)) for c in dots.get_facecolors()}
    assert len(dot_colours) == 4  # one colour per cluster, not the pixels' own colours
    assert {tuple(np.round(c[:3], 3)) for c in marks.get_facecolors()} == dot_colours
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "centroids, each in its cluster's colour"
