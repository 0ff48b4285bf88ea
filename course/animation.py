"""Watch K-means converge: an animation of its steps on 2-D data, and a reproducible GIF of it.

Each frame is one state of the algorithm: the examples coloured by the centroid they are closest
to, the centroids where they stand and the path each has taken so far, and the distortion J in
the title. The first frame is the start (the initial centroids); each later frame is one
iteration (move every centroid to the mean of its examples, then assign them again). The
K-means steps are passed in, so the animation can show the learner's own functions at work.

The same inputs give the same GIF, byte for byte, on the same versions of matplotlib and Pillow:
every frame is drawn by Agg from fixed data, with no timestamp in the file. The repository's
``docs/kmeans.gif`` is made from the toy data of the notebook, with the reference solution's two
steps, by ``python docs/make_kmeans_gif.py --out docs/kmeans.gif``.
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from course.measure import distortion
from course.plots import cluster_colours
from quantize.atomic_files import write_atomically

__all__ = ["KMeansSteps", "ShownGif", "kmeans_steps", "kmeans_animation", "save_gif"]

# Frames the last state is shown for, on top of its own, so a looping GIF pauses on the result.
# The GIF writer merges identical frames into one longer frame, so the file does not grow.
HOLD_FRAMES = 3


@dataclass(frozen=True, eq=False)
class KMeansSteps:
    """Every state of one K-means run: the start, then one entry per iteration.

    Attributes
    ----------
    centroids : numpy.ndarray
        ``(T + 1, K, n) float64``: the initial centroids, then the centroids after each of the
        T iterations run.
    idx : numpy.ndarray
        ``(T + 1, m) intp``: each example's closest centroid among ``centroids[t]``.
    J : numpy.ndarray
        ``(T + 1,) float64``: the distortion, the mean squared distance from each example to
        its centroid, at each state.
    converged : bool
        True if the run stopped because no example changed cluster in its last iteration.
    """

    centroids: np.ndarray
    idx: np.ndarray
    J: np.ndarray
    converged: bool


def _checked_idx(idx, m: int, K: int) -> np.ndarray:
    """The result of ``find_closest_centroids``, or a ValueError that says what is wrong with it."""
    idx = np.asarray(idx)
    if idx.shape != (m,) or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"find_closest_centroids must return ({m},) integers, "
                         f"got {idx.dtype} of shape {idx.shape}")
    if idx.min() < 0 or idx.max() >= K:
        raise ValueError(f"find_closest_centroids must return indices from 0 to {K - 1}, "
                         f"got {idx.min()} to {idx.max()}")
    return idx.astype(np.intp)


def kmeans_steps(X: np.ndarray, initial_centroids: np.ndarray, find_closest_centroids: Callable,
                 compute_centroids: Callable, max_iters: int = 10) -> KMeansSteps:
    """Run K-means as the notebook's ``run_kMeans`` does, keeping every state.

    Each iteration moves every centroid to the mean of its examples (a centroid left with no
    example stays where it was), then assigns every example to its closest centroid; the run
    stops after ``max_iters`` iterations, or sooner when no example changes cluster.

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, n)`` examples, float.
    initial_centroids : numpy.ndarray
        ``(K, n)`` centroids to start from.
    find_closest_centroids : callable
        ``find_closest_centroids(X, centroids)`` returns ``(m,)`` integers from 0 to K - 1.
    compute_centroids : callable
        ``compute_centroids(X, idx, K)`` returns ``(K, n)`` means, NaN rows for empty clusters.
    max_iters : int, optional
        Most iterations to run, 0 or more.

    Returns
    -------
    KMeansSteps

    Raises
    ------
    ValueError
        If the shapes do not fit, or a step returns something of the wrong shape or range.
    """
    X = np.asarray(X, dtype=np.float64)
    centroids = np.array(initial_centroids, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be (m, n) examples, one per row, got shape {X.shape}")
    if centroids.ndim != 2 or centroids.shape[1] != X.shape[1] or len(centroids) == 0:
        raise ValueError(f"initial_centroids must be (K, {X.shape[1]}), one centroid per row, "
                         f"got shape {centroids.shape}")
    if isinstance(max_iters, bool) or not isinstance(max_iters, (int, np.integer)) or max_iters < 0:
        raise ValueError(f"max_iters must be a whole number, 0 or more, got {max_iters!r}")
    m, K = len(X), len(centroids)
    idx = _checked_idx(find_closest_centroids(X, centroids), m, K)
    history, assignments, distortions = [centroids], [idx], [distortion(X, centroids, idx)]
    converged = False
    for _ in range(max_iters):
        new_centroids = np.array(compute_centroids(X, idx, K), dtype=np.float64)
        if new_centroids.shape != centroids.shape:
            raise ValueError(f"compute_centroids must return shape {centroids.shape}, got {new_centroids.shape}")
        empty = np.bincount(idx, minlength=K) == 0
        new_centroids[empty] = centroids[empty]  # an empty cluster keeps its centroid
        centroids = new_centroids
        new_idx = _checked_idx(find_closest_centroids(X, centroids), m, K)
        converged = bool(np.array_equal(new_idx, idx))
        idx = new_idx
        history.append(centroids)
        assignments.append(idx)
        distortions.append(distortion(X, centroids, idx))
        if converged:
            break
    return KMeansSteps(np.stack(history), np.stack(assignments), np.array(distortions), converged)


def _title(steps: KMeansSteps, t: int) -> str:
    last = len(steps.J) - 1
    state = "start" if t == 0 else f"iteration {t}"
    detail = f"distortion J = {steps.J[t]:.4f}"
    if t == last and steps.converged and t > 0:
        state += ": converged"
        detail += ", no example changed cluster"
    return f"K-means, {state}\n{detail}"


def kmeans_animation(X: np.ndarray, initial_centroids: np.ndarray, find_closest_centroids: Callable,
                     compute_centroids: Callable, max_iters: int = 10) -> FuncAnimation:
    """An animation of K-means on 2-D data, one frame per state of :func:`kmeans_steps`.

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, 2)`` examples.
    initial_centroids : numpy.ndarray
        ``(K, 2)`` centroids to start from.
    find_closest_centroids, compute_centroids : callable
        The two K-means steps, as in :func:`kmeans_steps`.
    max_iters : int, optional
        Most iterations to show.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Frames: the start, each iteration, then the last state held for a few more frames. Its
        figure is not managed by pyplot, so Jupyter shows no stray still of it; show the
        animation with ``IPython.display.HTML(animation.to_jshtml())``, or save it with
        :func:`save_gif` and show the file.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be (m, 2): the animation draws points in the plane, got shape {X.shape}")
    steps = kmeans_steps(X, initial_centroids, find_closest_centroids, compute_centroids, max_iters)
    K = steps.centroids.shape[1]
    colours = cluster_colours(K)
    path_colours = 0.65 * colours[:, :3]  # darker than the points, so paths stand out over them

    # A figure of its own, not pyplot's: nothing else draws on it, and it is not shown twice.
    fig = Figure(figsize=(6.4, 5.6), dpi=80, facecolor="white", layout="constrained")
    ax = fig.add_subplot()
    points = ax.scatter(X[:, 0], X[:, 1], s=18, c=colours[steps.idx[0]], alpha=0.7, linewidths=0, zorder=2)
    start = steps.centroids[0]
    ax.scatter(start[:, 0], start[:, 1], s=110, facecolors="white", edgecolors="black", linewidths=1.5, zorder=3)
    paths = [ax.plot([], [], "-o", color=path_colours[k], linewidth=2, markersize=4, zorder=4)[0]
             for k in range(K)]
    centroids = ax.scatter(start[:, 0], start[:, 1], s=260, marker="X", c=colours, edgecolors="black",
                           linewidths=1.5, zorder=5)
    title = ax.set_title(_title(steps, 0), fontsize=13)

    # Fixed limits that hold every point and every centroid position, with a margin, so the
    # view does not jump between frames.
    everything = np.vstack([X, steps.centroids.reshape(-1, 2)])
    low, high = everything.min(axis=0), everything.max(axis=0)
    margin = 0.05 * (high - low).max()
    ax.set(xlim=(low[0] - margin, high[0] + margin), ylim=(low[1] - margin, high[1] + margin), aspect="equal")
    ax.set_xlabel("$x_1$", fontsize=13)
    ax.set_ylabel("$x_2$", fontsize=13)
    ax.tick_params(labelsize=11)
    ax.grid(alpha=0.25)
    # Neutral proxies: an entry drawn from the data would show the first cluster's colour only.
    legend = [
        Line2D([], [], linestyle="", marker="o", markersize=6, color="0.45", label="example, coloured by cluster"),
        Line2D([], [], linestyle="", marker="X", markersize=12, markerfacecolor="white", markeredgecolor="black",
               label="centroid"),
        Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor="white", markeredgecolor="black",
               label="initial centroid"),
        Line2D([], [], marker="o", markersize=4, color="0.3", linewidth=2, label="path of a centroid"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncols=2, fontsize=11, frameon=False)
    # Lay the figure out once, then freeze it: a layout redone each frame could shift the axes
    # when the title's width changes, and the picture would jitter.
    fig.draw_without_rendering()
    fig.set_layout_engine("none")

    def draw(t: int):
        points.set_facecolor(colours[steps.idx[t]])
        centroids.set_offsets(steps.centroids[t])
        for k, path in enumerate(paths):
            path.set_data(steps.centroids[: t + 1, k, 0], steps.centroids[: t + 1, k, 1])
        title.set_text(_title(steps, t))
        return [points, centroids, title, *paths]

    last = len(steps.J) - 1
    frames = list(range(last + 1)) + [last] * HOLD_FRAMES
    # interval: the pause between frames when shown in Jupyter, in milliseconds.
    return FuncAnimation(fig, draw, frames=frames, interval=700, repeat=True)


def save_gif(animation: FuncAnimation, path: str | os.PathLike, fps: float = 1.5, overwrite: bool = True) -> int:
    """Write an animation as a looping GIF, atomically, with matplotlib's PillowWriter.

    The GIF is made in a temporary folder, then written beside ``path`` and renamed over it
    (:func:`quantize.atomic_files.write_atomically`), so a failure leaves the old file or none.

    Parameters
    ----------
    animation : matplotlib.animation.Animation
        E.g. from :func:`kmeans_animation`.
    path : str or path-like
        The GIF to write; its folder must exist.
    fps : float, optional
        Frames per second (the GIF stores each frame's time in hundredths of a second).
    overwrite : bool, optional
        Replace an existing file, as ``Animation.save`` does; if False, an existing ``path``
        raises ``FileExistsError``.

    Returns
    -------
    int
        Bytes written.
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    with tempfile.TemporaryDirectory() as folder:
        # PillowWriter saves to a file name (Pillow picks the format from its extension).
        temporary = Path(folder) / "animation.gif"
        animation.save(temporary, writer=PillowWriter(fps=fps))
        data = temporary.read_bytes()
    write_atomically(path, lambda file: file.write(data), overwrite=overwrite)
    return len(data)


@dataclass(frozen=True)
class ShownGif:
    """A GIF as a notebook cell shows it: an HTML ``<img>`` with its text alternative.

    HTML, not the ``image/gif`` output type: JupyterLab shows both, but nbconvert's HTML export
    (and so nbgrader's feedback) leaves ``image/gif`` out and prints the object's text instead. As
    text (a terminal, a screen reader, nbval's comparison), it is its alternative.

    Attributes
    ----------
    data : bytes
        The GIF file's bytes.
    alt : str
        What the animation shows, in words.
    """

    data: bytes
    alt: str

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.data).decode("ascii")
        return f'<img src="data:image/gif;base64,{encoded}" alt="{html.escape(self.alt, quote=True)}"/>'

    def __repr__(self) -> str:
        return self.alt
