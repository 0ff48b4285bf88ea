"""course.animation: K-means' states, the animation's frames, and a GIF reproducible byte for byte."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from matplotlib.animation import PillowWriter
from sklearn.cluster import KMeans

from course.animation import HOLD_FRAMES, kmeans_animation, kmeans_steps, save_gif
from course.plots import cluster_colours
from grading.instructor_notebook import load_reference

ROOT = Path(__file__).resolve().parent.parent
COMMITTED_GIF = ROOT / "docs" / "kmeans.gif"
# The reference solution's two steps, as docs/make_kmeans_gif.py takes them from the notebook.
REFERENCE = load_reference()
find, compute = REFERENCE["find_closest_centroids"], REFERENCE["compute_centroids"]
TOY_INITIAL_CENTROIDS = np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]])  # the notebook's three


def toy_data() -> np.ndarray:
    return np.loadtxt(ROOT / "data" / "toy_points.csv", delimiter=",", skiprows=1)


def small_data() -> tuple[np.ndarray, np.ndarray]:
    """60 points in three blobs and three initial centroids: a GIF of a few frames, quickly."""
    rng = np.random.default_rng(5)
    X = np.vstack([centre + 0.4 * rng.standard_normal((20, 2)) for centre in ([0, 0], [3, 0], [1.5, 2.5])])
    return X, np.array([[0.5, 0.5], [1.0, 0.0], [2.0, 1.0]])


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]


def test_steps_on_the_toy_data_agree_with_scikit_learn():
    X = toy_data()
    steps = kmeans_steps(X, TOY_INITIAL_CENTROIDS, find, compute, max_iters=50)
    # Lloyd from the same start: the same centroids and labels when both have converged.
    sk = KMeans(n_clusters=3, init=TOY_INITIAL_CENTROIDS, n_init=1, algorithm="lloyd", tol=0).fit(X)
    assert steps.converged
    assert np.allclose(steps.centroids[-1], sk.cluster_centers_, rtol=0, atol=1e-9)
    assert np.array_equal(steps.idx[-1], sk.labels_)
    assert steps.J[-1] == pytest.approx(sk.inertia_ / len(X))
    # Every state is consistent: each example's label is its closest centroid of that state.
    for centroids, idx, J in zip(steps.centroids, steps.idx, steps.J):
        assert np.array_equal(idx, find(X, centroids))
        assert J == pytest.approx(np.mean(np.sum((X - centroids[idx]) ** 2, axis=1)))
    assert np.all(np.diff(steps.J) <= 1e-12)  # K-means never raises the distortion
    assert np.array_equal(steps.centroids[0], TOY_INITIAL_CENTROIDS)


def test_steps_stop_at_max_iters_or_when_nothing_changes():
    X = toy_data()
    assert len(kmeans_steps(X, TOY_INITIAL_CENTROIDS, find, compute, max_iters=3).J) == 4
    assert not kmeans_steps(X, TOY_INITIAL_CENTROIDS, find, compute, max_iters=3).converged
    none = kmeans_steps(X, TOY_INITIAL_CENTROIDS, find, compute, max_iters=0)
    assert none.centroids.shape == (1, 3, 2) and none.idx.shape == (1, 300) and not none.converged
    # Started at the converged centroids, one iteration shows that nothing changes.
    done = kmeans_steps(X, kmeans_steps(X, TOY_INITIAL_CENTROIDS, find, compute, 50).centroids[-1],
                        find, compute, max_iters=10)
    assert done.converged and len(done.J) == 2


def test_an_empty_cluster_keeps_its_centroid():
    X, start = small_data()
    far = np.vstack([start, [[50.0, 50.0]]])  # a fourth centroid no example is close to
    steps = kmeans_steps(X, far, find, compute, max_iters=5)
    assert np.all(steps.centroids[:, 3] == [50.0, 50.0])
    assert np.isfinite(steps.centroids).all() and np.isfinite(steps.J).all()


def test_the_learners_functions_are_checked_with_a_clear_message():
    X, start = small_data()
    with pytest.raises(ValueError, match=r"find_closest_centroids must return \(60,\) integers"):
        kmeans_steps(X, start, lambda X, c: find(X, c).astype(float), compute)
    with pytest.raises(ValueError, match=r"find_closest_centroids must return \(60,\) integers"):
        kmeans_steps(X, start, lambda X, c: find(X, c)[:-1], compute)
    with pytest.raises(ValueError, match="indices from 0 to 2"):
        kmeans_steps(X, start, lambda X, c: find(X, c) + 1, compute)
    with pytest.raises(ValueError, match=r"compute_centroids must return shape \(3, 2\)"):
        kmeans_steps(X, start, find, lambda X, idx, K: compute(X, idx, K).T)


@pytest.mark.parametrize("X, centroids, max_iters, message", [
    (np.zeros((10, 3)), np.zeros((2, 3)), 5, r"must be \(m, 2\)"),
    (np.zeros(10), np.zeros((2, 2)), 5, r"must be \(m, 2\)"),
    (np.zeros((10, 2)), np.zeros((2, 3)), 5, r"initial_centroids must be \(K, 2\)"),
    (np.zeros((10, 2)), np.zeros((0, 2)), 5, r"initial_centroids must be \(K, 2\)"),
    (np.zeros((0, 2)), np.zeros((2, 2)), 5, r"X must be \(m, n\)"),
    (np.zeros((10, 2)), np.zeros((2, 2)), -1, "max_iters must be a whole number"),
    (np.zeros((10, 2)), np.zeros((2, 2)), 2.5, "max_iters must be a whole number"),
])
def test_bad_inputs_raise_a_clear_error(X, centroids, max_iters, message):
    with pytest.raises(ValueError, match=message):
        kmeans_animation(X, centroids, find, compute, max_iters)


def test_K_1_and_more_centroids_than_distinct_points():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 5, axis=0)  # two distinct points
    one = kmeans_steps(X, np.array([[3.0, 3.0]]), find, compute)
    assert np.allclose(one.centroids[-1], [[0.5, 0.5]]) and one.converged
    many = kmeans_steps(X, np.array([[0.0, 0.0], [1.0, 1.0], [0.2, 0.1], [5.0, 5.0]]), find, compute)
    assert many.converged and many.J[-1] == 0.0
    assert len(np.unique(many.idx[-1])) == 2  # two centroids lose their examples and stay put
    assert np.allclose(many.centroids[-1, 3], [5.0, 5.0])


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")  # drawn by hand here
def test_each_frame_recolours_the_points_and_moves_the_centroids():
    X, start = small_data()
    animation = kmeans_animation(X, start, find, compute, max_iters=10)
    steps = kmeans_steps(X, start, find, compute, max_iters=10)
    # matplotlib has no public way back from an animation to its figure and function.
    fig, draw = animation._fig, animation._func
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert labels == ["example, coloured by cluster", "centroid", "initial centroid", "path of a centroid"]
    colours = cluster_colours(3)
    for t in range(len(steps.J)):
        points, centroids, title, *paths = draw(t)
        assert np.allclose(points.get_facecolors()[:, :3], colours[steps.idx[t], :3])
        assert np.allclose(centroids.get_offsets(), steps.centroids[t])
        assert all(len(path.get_xdata()) == t + 1 for path in paths)  # a trail from the start
        assert f"J = {steps.J[t]:.4f}" in title.get_text()
        assert ("start" if t == 0 else f"iteration {t}") in title.get_text()
    assert "converged" in title.get_text()
    # The animation sits in a reference cycle with its figure: collect it now, under the filter
    # above, rather than in a later test.
    del animation, fig, draw
    gc.collect()


def test_gif_is_reproducible_has_one_frame_per_state_and_is_not_blank(tmp_path):
    X, start = small_data()
    steps = kmeans_steps(X, start, find, compute, max_iters=10)
    first, second = tmp_path / "first.gif", tmp_path / "second.gif"
    size = save_gif(kmeans_animation(X, start, find, compute, max_iters=10), first, fps=2)
    save_gif(kmeans_animation(X, start, find, compute, max_iters=10), second, fps=2)
    assert size == first.stat().st_size
    assert first.read_bytes() == second.read_bytes()
    frames = gif_frames(first)
    # The held frames repeat the last one, and the GIF writer merges them into it.
    assert len(frames) == len(steps.J) >= 3
    for frame in frames:
        grey = frame.mean(axis=2)
        assert grey.std() > 20 and (grey < 100).mean() > 0.005  # text, points and markers drawn
    assert not np.array_equal(frames[0], frames[-1])
    with Image.open(first) as gif:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    assert durations[:-1] == [500] * (len(frames) - 1) and durations[-1] == 500 * (1 + HOLD_FRAMES)
    assert durations[-1] > durations[0]  # a looping GIF pauses on the result
    # Other inputs, another GIF: the comparison above is not blind.
    save_gif(kmeans_animation(X, start[::-1], find, compute, max_iters=10), second, fps=2)
    assert first.read_bytes() != second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.gif", "second.gif"]  # no temporary left


def test_save_gif_is_atomic(tmp_path, monkeypatch):
    X, start = small_data()
    path = tmp_path / "kept.gif"
    path.write_bytes(b"old")
    animation = kmeans_animation(X, start, find, compute, max_iters=2)
    with pytest.raises(FileExistsError):
        save_gif(animation, path, overwrite=False)
    assert path.read_bytes() == b"old"
    with pytest.raises(ValueError, match="fps must be positive"):
        save_gif(animation, path, fps=0)

    # A failure while the frames are made (a full disk, say) leaves the old file, and nothing else.
    grab_frame, grabbed = PillowWriter.grab_frame, []

    def fails_after_the_first_frame(writer, **kwargs):
        if grabbed:
            raise OSError("no space left on device")
        grabbed.append(grab_frame(writer, **kwargs))

    monkeypatch.setattr(PillowWriter, "grab_frame", fails_after_the_first_frame)
    with pytest.raises(OSError, match="no space left"):
        save_gif(animation, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["kept.gif"]


def test_committed_gif_is_what_the_command_makes(tmp_path):
    made = tmp_path / "kmeans.gif"
    # A fresh process, as the GIF was made: matplotlib's default settings, its Agg backend.
    result = subprocess.run([sys.executable, "docs/make_kmeans_gif.py", "--out", str(made)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"wrote {made}" in result.stdout
    assert made.read_bytes() == COMMITTED_GIF.read_bytes(), (
        "docs/kmeans.gif differs from what `python docs/make_kmeans_gif.py --out docs/kmeans.gif` makes now "
        "(a change to the animation, or another matplotlib or Pillow): run that command and commit the GIF")
    assert COMMITTED_GIF.stat().st_size < 300_000
    # The toy run: the start and one frame per iteration until nothing changes.
    steps = kmeans_steps(toy_data(), TOY_INITIAL_CENTROIDS, find, compute, max_iters=10)
    assert len(gif_frames(made)) == len(steps.J)
