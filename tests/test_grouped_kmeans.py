"""Lloyd on colours grouped in bins (quantize.grouped_kmeans): the same answers as plain Lloyd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from quantize import weighted_kmeans as wk
from quantize.colour_counts import bin_index, colour_histogram
from quantize.grouped_kmeans import group_points, grouped_assignment, grouped_lloyd, worth_grouping
from quantize.palette import fit_palette

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def photo_colours():
    """The distinct colours of a photo and their counts: (n, 3) uint8, (n,) float."""
    counts = colour_histogram(np.asarray(Image.open(ROOT / "images" / "china.jpg").convert("RGB")))
    return counts.colours, counts.counts.astype(float)


def groups_of(colours, weights, bits=6):
    return group_points(colours, weights, bin_index(colours, bits), 1 << (8 - bits))


def brute_nearest(points, centres):
    d = ((points[:, None, :].astype(float) - centres[None].astype(float)) ** 2).sum(-1)
    return d.argmin(1), d.min(1)


def test_groups_summarise_their_members(photo_colours):
    colours, weights = photo_colours
    groups = groups_of(colours, weights)
    assert groups.weights.sum() == weights.sum()
    assert np.allclose(groups.means.T @ groups.weights, colours.T.astype(float) @ weights)
    offsets = colours - groups.means[groups.of]
    distances = np.sqrt((offsets**2).sum(1))
    assert (distances <= groups.radius[groups.of] + 1e-9).all()  # the radius bounds every member
    scatter = np.bincount(groups.of, weights=weights * distances**2)
    assert np.allclose(groups.scatter, scatter, rtol=1e-9, atol=1e-3)
    assert (groups.corner == (colours // 4 * 4)[np.unique(groups.of, return_index=True)[1]]).all()


@pytest.mark.parametrize("K", [2, 16, 64])
def test_grouped_assignment_is_the_nearest_centre(photo_colours, K):
    colours, weights = photo_colours
    centres = np.random.default_rng(K).random((K, 3)) * 255
    labels, sse = grouped_assignment(colours.astype(np.float32), weights, groups_of(colours, weights), centres)
    want, sq = brute_nearest(colours, centres)
    chosen = ((colours - centres[labels]) ** 2).sum(1)
    assert np.allclose(chosen, sq, atol=0.1)  # the nearest, up to float32 near-ties
    assert (labels == want).mean() > 0.999
    assert sse == pytest.approx(weights @ chosen, rel=1e-6)  # float32 distances of the loose colours


@pytest.mark.parametrize("K", [16, 64])
def test_grouped_lloyd_follows_plain_lloyd(photo_colours, K):
    colours, weights = photo_colours
    points = colours.astype(np.float32)
    start = colours[np.random.default_rng(K).choice(len(colours), K, replace=False)].astype(float)
    plain, plain_sse = wk.lloyd(points, weights, start, max_iter=4, tol=0)
    grouped, grouped_sse = grouped_lloyd(points, weights, groups_of(colours, weights), start, max_iter=4, tol=0)
    assert np.allclose(grouped, plain, atol=1e-3)
    assert grouped_sse == pytest.approx(plain_sse, rel=1e-6)


def test_grouped_lloyd_refills_an_empty_centre(photo_colours):
    colours, weights = photo_colours
    start = np.array([[60.0, 60, 60], [200, 200, 200], [5000, 5000, 5000]])  # the last is far from all
    centres, _ = grouped_lloyd(colours.astype(np.float32), weights, groups_of(colours, weights), start, max_iter=5)
    labels, _ = brute_nearest(colours, centres)
    assert len(np.unique(labels)) == 3


def test_grouping_pays_for_few_centres_only(photo_colours):
    colours, weights = photo_colours
    groups = groups_of(colours, weights)
    rng = np.random.default_rng(1)
    assert worth_grouping(groups, colours[rng.choice(len(colours), 8, replace=False)].astype(float))
    assert not worth_grouping(groups, colours[rng.choice(len(colours), 256, replace=False)].astype(float))


@pytest.mark.parametrize("K", [16, 256])
def test_a_photo_palette_reports_its_exact_error(photo_colours, K):
    """fit_palette finishes on groups at K = 16 and plainly at K = 256: either way, each colour
    gets its nearest palette entry and the error is exact."""
    colours, weights = photo_colours
    fit = fit_palette(colours, weights, K, seed=0)
    sq = ((colours.astype(float) - fit.palette[fit.labels]) ** 2).sum(1)
    assert fit.sse == pytest.approx(weights @ sq, rel=1e-9)
    _, nearest_sq = brute_nearest(colours, fit.palette)
    assert np.allclose(sq, nearest_sq)


def test_an_empty_centre_is_refilled_as_plain_lloyd_refills_it():
    """A heavy bin sitting on a centre costs most as a bin (its scatter) but nothing as a mean:
    the empty centre must go to the costliest colour, as in plain Lloyd, not onto that centre."""
    heavy = np.stack(np.meshgrid(*[np.arange(100, 104)] * 3, indexing="ij"), -1).reshape(-1, 3)
    light = np.unique(np.random.default_rng(0).integers(180, 200, (400, 3)), axis=0)
    colours = np.vstack([heavy, light]).astype(np.uint8)
    weights = np.concatenate([np.full(len(heavy), 1e6), np.ones(len(light))])
    start = np.array([heavy.mean(0), light.mean(0), [10.0, 10, 10]])  # the last centre is far from all
    points = colours.astype(np.float32)
    grouped, grouped_sse = grouped_lloyd(points, weights, groups_of(colours, weights), start, max_iter=20)
    plain, plain_sse = wk.lloyd(points, weights, start, max_iter=20)
    assert len(np.unique(brute_nearest(colours, grouped)[0])) == 3
    assert np.allclose(grouped, plain, atol=1e-3) and grouped_sse == pytest.approx(plain_sse, rel=1e-6)
