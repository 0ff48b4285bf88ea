"""course.baselines: each baseline's contract, the grid's levels, and that K-means beats them."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course.accounting import psnr, to_uint8
from course.baselines import fast_octree, grid_levels, median_cut, random_codebook, uniform_grid
from grading.instructor_notebook import load_reference
from quantize.image_io import load_image
from quantize.indexed_image import quantize_pixels

ROOT = Path(__file__).resolve().parent.parent
# random_codebook assigns with the learner's find_closest_centroids: here, the reference solution's.
FIND = load_reference()["find_closest_centroids"]
PHOTO = ROOT / "images" / "china.jpg"

# Every baseline called the same way: (image (H, W, 3), K) -> (palette, idx).
BASELINES = {
    "random_codebook": lambda image, K: random_codebook(image.reshape(-1, 3), K, rng=0, find_closest_centroids=FIND),
    "uniform_grid": lambda image, K: uniform_grid(image.reshape(-1, 3), K),
    "median_cut": median_cut,
    "fast_octree": fast_octree,
}


def photo_crop() -> np.ndarray:
    """A 60 x 80 crop of the photo: thousands of colours, fast to quantise."""
    return load_image(PHOTO)[200:260, 300:380]


def three_colours() -> np.ndarray:
    """An (8, 8, 3) image of exactly three 8-bit colours."""
    image = np.zeros((8, 8, 3))
    image[:4] = [1.0, 0.0, 0.0]
    image[4:, :3] = [0.0, 0.0, 1.0]
    image[4:, 3:] = np.array([40, 200, 120]) / 255
    return image


@pytest.mark.parametrize("name", BASELINES)
@pytest.mark.parametrize("K", [1, 2, 16, 256])
def test_shapes_and_at_most_K_colours(name, K):
    image = photo_crop()
    palette, idx = BASELINES[name](image, K)
    assert palette.ndim == 2 and palette.shape[1] == 3 and 1 <= len(palette) <= K
    assert palette.dtype == np.float64 and palette.min() >= 0 and palette.max() <= 1
    assert idx.shape == (60 * 80,) and np.issubdtype(idx.dtype, np.integer)
    assert idx.min() >= 0 and idx.max() < len(palette)
    assert len(np.unique(palette[idx], axis=0)) <= K


@pytest.mark.parametrize("name", BASELINES)
def test_K_1_gives_one_colour(name):
    palette, idx = BASELINES[name](photo_crop(), 1)
    assert len(palette) == 1 and np.all(idx == 0)


@pytest.mark.parametrize("name", ["median_cut", "fast_octree"])
def test_pillow_keeps_an_image_of_few_colours_exactly(name):
    image = three_colours()
    palette, idx = BASELINES[name](image, 16)
    assert len(palette) == 3  # fast octree pads its palette to 16 entries: only used ones come back
    assert np.array_equal(to_uint8(palette[idx]), to_uint8(image).reshape(-1, 3))


def test_random_codebook_with_more_K_than_colours_or_pixels():
    image = three_colours()
    palette, idx = random_codebook(image.reshape(-1, 3), 16, rng=0, find_closest_centroids=FIND)
    # Each colour at most once, and only the image's own.
    assert len(palette) <= 3 and len(np.unique(palette, axis=0)) == len(palette)
    assert all((image.reshape(-1, 3) == colour).all(axis=1).any() for colour in palette)
    # K above the number of pixels: every pixel drawn, so the result is exact.
    pixels = np.random.default_rng(0).random((5, 3))
    palette, idx = random_codebook(pixels, 10, rng=0, find_closest_centroids=FIND)
    assert len(palette) == 5 and np.array_equal(palette[idx], pixels)


def test_uniform_grid_with_more_K_than_colours_keeps_its_fixed_grid():
    palette, idx = uniform_grid(three_colours().reshape(-1, 3), 16)
    assert len(palette) == 16 and len(np.unique(idx)) == 3


def test_random_codebook_is_seeded_and_its_palette_is_drawn_from_the_pixels():
    pixels = photo_crop().reshape(-1, 3)
    first = random_codebook(pixels, 16, rng=7, find_closest_centroids=FIND)
    again = random_codebook(pixels, 16, rng=np.random.default_rng(7), find_closest_centroids=FIND)  # a seed or a Generator
    other = random_codebook(pixels, 16, rng=8, find_closest_centroids=FIND)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    assert all((pixels == colour).all(axis=1).any() for colour in first[0])
    with pytest.raises(ValueError, match="seed"):
        random_codebook(pixels, 16, rng=None, find_closest_centroids=FIND)


def test_random_codebook_says_what_is_wrong_with_a_broken_find_closest_centroids():
    pixels = np.random.default_rng(3).random((50, 3))
    for broken in (lambda X, C: np.zeros((len(X), 1), dtype=int), lambda X, C: np.zeros(len(X)),
                   lambda X, C: np.full(len(X), len(C))):
        with pytest.raises(ValueError, match="find_closest_centroids must return 50 integers from 0 to"):
            random_codebook(pixels, 4, rng=0, find_closest_centroids=broken)


def test_random_codebook_maps_each_pixel_to_its_nearest_colour():
    pixels = np.random.default_rng(3).random((2_000, 3))
    palette, idx = random_codebook(pixels, 32, rng=3, find_closest_centroids=FIND)
    # The plain way, fine for 2,000 pixels: every distance, then the smallest.
    distances = ((pixels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    chosen = distances[np.arange(len(pixels)), idx]
    assert np.allclose(chosen, distances.min(axis=1), rtol=0, atol=1e-6)


@pytest.mark.parametrize("K, levels", [(1, (1, 1, 1)), (2, (1, 2, 1)), (4, (2, 2, 1)), (5, (2, 2, 1)),
                                       (8, (2, 2, 2)), (12, (2, 3, 2)), (16, (2, 4, 2)), (32, (3, 3, 3)),
                                       (64, (4, 4, 4)), (100, (5, 5, 4)), (251, (7, 7, 5)), (256, (6, 7, 6))])
def test_grid_levels(K, levels):
    assert grid_levels(K) == levels


def _grid_error(levels) -> float:
    """Mean squared error of a uniform grid on evenly spread colours, times 12."""
    return sum(1.0 / n**2 for n in levels)


def test_grid_levels_is_the_finest_grid_within_K():
    # Every grid of at most 256 colours (a few thousand), by brute force.
    r, g, b = np.array([(r, g, b) for r in range(1, 257) for g in range(1, 256 // r + 1)
                        for b in range(1, 256 // (r * g) + 1)]).T
    errors = 1.0 / r**2 + 1.0 / g**2 + 1.0 / b**2
    for K in range(1, 257):
        levels = grid_levels(K)
        assert np.prod(levels) <= K
        assert levels[1] >= levels[0] >= levels[2]  # green finest, blue coarsest
        assert _grid_error(levels) == pytest.approx(errors[r * g * b <= K].min(), rel=1e-12), K


def test_uniform_grid_levels_sit_at_cell_centres():
    palette, idx = uniform_grid(np.zeros((1, 3)), 16)  # 2 x 4 x 2
    assert np.array_equal(np.unique(palette[:, 0]), [0.25, 0.75])
    assert np.array_equal(np.unique(palette[:, 1]), [0.125, 0.375, 0.625, 0.875])
    assert np.array_equal(np.unique(palette[:, 2]), [0.25, 0.75])
    # Red slowest, blue fastest.
    assert np.array_equal(palette[:3], [[0.25, 0.125, 0.25], [0.25, 0.125, 0.75], [0.25, 0.375, 0.25]])
    # The edges of the cube go to the outer cells; a grid colour maps to itself.
    _, corners = uniform_grid(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.49, 0.51, 0.5]]), 16)
    assert np.array_equal(palette[corners], [[0.25, 0.125, 0.25], [0.75, 0.875, 0.75], [0.25, 0.625, 0.75]])
    _, itself = uniform_grid(palette, 16)
    assert np.array_equal(itself, np.arange(16))


@pytest.mark.parametrize("K", [5, 16, 100])
def test_uniform_grid_picks_the_nearest_grid_colour(K):
    pixels = np.random.default_rng(K).random((3_000, 3))
    palette, idx = uniform_grid(pixels, K)
    distances = ((pixels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    assert np.allclose(distances[np.arange(len(pixels)), idx], distances.min(axis=1), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, method", [("median_cut", Image.Quantize.MEDIANCUT),
                                          ("fast_octree", Image.Quantize.FASTOCTREE)])
def test_pillow_baselines_give_pillows_image(name, method):
    image = photo_crop()
    palette, idx = BASELINES[name](image, 16)
    direct = Image.fromarray(to_uint8(image)).quantize(colors=16, method=method, dither=Image.Dither.NONE)
    assert np.array_equal(to_uint8(palette[idx]).reshape(image.shape), np.asarray(direct.convert("RGB")))


def test_memory_stays_bounded_for_many_pixels_and_colours():
    pixels = np.random.default_rng(0).random((50_000, 3))
    K = 256
    broadcast_bytes = len(pixels) * K * 3 * 4  # a float32 pixels x K x 3 array: 154 MB
    tracemalloc.start()
    try:
        random_codebook(pixels, K, rng=0, find_closest_centroids=FIND)
        uniform_grid(pixels, K)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < broadcast_bytes / 10, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.parametrize("K", [4, 16])
def test_kmeans_beats_every_baseline_on_a_photo(K):
    image = load_image(PHOTO)
    q = quantize_pixels(to_uint8(image), K, seed=0)  # the project's K-means, as compress.py runs it
    kmeans_psnr = psnr(image, q.image() / 255.0)
    for name, baseline in BASELINES.items():
        palette, idx = baseline(image, K)
        baseline_psnr = psnr(image.reshape(-1, 3), palette[idx])
        assert baseline_psnr < kmeans_psnr, f"{name}: {baseline_psnr:.2f} dB against K-means {kmeans_psnr:.2f} dB"


BAD_IMAGES = [
    (np.zeros((8, 8, 4)), "one RGB colour per pixel"),
    (np.zeros((8, 8)), "one RGB colour per pixel"),
    (np.zeros((0, 8, 3)), "one RGB colour per pixel"),
    (np.full((8, 8, 3), 255, dtype=np.uint8), "divide 8-bit values by 255"),
    (np.full((8, 8, 3), 1.5), r"in \[0, 1\]"),
    (np.full((8, 8, 3), np.nan), r"in \[0, 1\]"),
]
BAD_PIXELS = [
    (np.zeros((64, 4)), "one RGB colour per pixel"),
    (np.zeros(64), "one RGB colour per pixel"),
    (np.zeros((0, 3)), "one RGB colour per pixel"),
    (np.full((64, 3), 255, dtype=np.uint8), "divide 8-bit values by 255"),
    (np.full((64, 3), -0.1), r"in \[0, 1\]"),
    (np.full((64, 3), np.nan), r"in \[0, 1\]"),
]


@pytest.mark.parametrize("baseline", [median_cut, fast_octree])
@pytest.mark.parametrize("bad, message", BAD_IMAGES)
def test_bad_images_raise_a_clear_error(baseline, bad, message):
    with pytest.raises(ValueError, match=message):
        baseline(bad, 4)


@pytest.mark.parametrize("baseline", [lambda pixels, K: random_codebook(pixels, K, rng=0, find_closest_centroids=FIND), uniform_grid])
@pytest.mark.parametrize("bad, message", BAD_PIXELS)
def test_bad_pixels_raise_a_clear_error(baseline, bad, message):
    with pytest.raises(ValueError, match=message):
        baseline(bad, 4)


@pytest.mark.parametrize("name", BASELINES)
@pytest.mark.parametrize("K", [0, 257, 2.0, True, "16"])
def test_bad_K_raises_a_clear_error(name, K):
    with pytest.raises(ValueError, match="K must be a whole number from 1 to 256"):
        BASELINES[name](photo_crop(), K)


def test_pixels_and_images_are_not_mixed_up():
    image = photo_crop()
    with pytest.raises(ValueError, match=r"expected \(m, 3\)"):
        random_codebook(image, 4, rng=0, find_closest_centroids=FIND)
    with pytest.raises(ValueError, match=r"expected \(m, 3\)"):
        uniform_grid(image, 4)
    with pytest.raises(ValueError, match=r"expected \(H, W, 3\)"):
        median_cut(image.reshape(-1, 3), 4)
