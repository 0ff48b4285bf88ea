"""Measuring K-means for Going further (course/measure.py)."""

from __future__ import annotations

import numpy as np
import pytest

from course import measure
from grading.instructor_notebook import load_reference

# The learner's find_closest_centroids, where the notebook passes one: here, the reference solution's.
FIND = load_reference()["find_closest_centroids"]


@pytest.fixture(scope="module")
def pixels():
    rng = np.random.default_rng(0)
    return rng.random((3000, 3)), rng.random((8, 3))


def test_agreement_counts_labels_and_bounds_the_centroid_difference(pixels):
    X, C = pixels
    idx = FIND(X, C)
    same = measure.agreement(X, C, idx, C + 1e-12, idx)
    assert same.same_labels == 3000 and same.largest_centroid_difference < 1e-9
    assert "3,000 of 3,000 pixels" in str(same) and "agree to within 1e-09" in str(same)
    moved = idx.copy()
    moved[:10] = (moved[:10] + 1) % 8
    other = measure.agreement(X, C, idx, C + 1e-6, moved)
    assert other.same_labels == 2990 and "differ by more than" in str(other)
    assert other.distortion_a < other.distortion_b


def test_the_race_scales_the_loop_and_times_the_rest(pixels):
    X, C = pixels
    race = measure.race_assignment(FIND, X, C, loop_sample=300)
    assert [label.split(" ")[0] for label, _ in race] == ["a", "your", "scikit-learn's"]
    assert "300 pixels, scaled to 3,000" in race[0][0]
    assert all(seconds > 0 for _, seconds in race) and race[0][1] > race[1][1]


def test_memory_is_largest_for_the_broadcast_and_the_same_every_time():
    X = np.random.default_rng(1).random((50_000, 3))
    C = X[:16]
    first = measure.assignment_memory(X, C)
    broadcast, table, chunked = (peak for _, peak in first)
    assert broadcast >= 50_000 * 16 * 3 * 8 > table >= 50_000 * 16 * 8 > chunked
    again = [peak for _, peak in measure.assignment_memory(X, C)]
    assert np.allclose(again, [broadcast, table, chunked], rtol=0.01)  # numpy's own small allocations vary a little


def test_the_worst_square_is_where_the_error_is():
    image = np.zeros((40, 50, 3))
    compressed = image.copy()
    compressed[22:30, 31:39] = 0.5  # an 8 x 8 patch of error
    compressed[0:2, 0:2] = 0.4
    assert measure.worst_square(image, compressed, 8) == (22, 31, 8)
