"""Every figure of the assignment, in one place.

Each function draws on the axes it is given (or makes its own figure) and returns the figure, so
the notebook can show it and the command line can save it. Only matplotlib's stable API is used:
3-D axes come from ``add_subplot(projection="3d")``, which works on every matplotlib since 3.2.
"""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.colors import PowerNorm, to_hex
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.figure import Figure

__all__ = [
    "cluster_colours",
    "plot_points",
    "plot_kmeans_progress",
    "plot_distortion",
    "plot_rgb_space",
    "plot_palette",
    "side_by_side",
    "plot_image_grid",
    "plot_k_sweep",
]


def _as_display(image: np.ndarray) -> np.ndarray:
    """uint8 or float-in-[0, 1] image, clipped so imshow never warns about the range."""
    image = np.asarray(image)
    return image if image.dtype == np.uint8 else np.clip(image, 0.0, 1.0)


def side_by_side(original: np.ndarray, compressed: np.ndarray, left_title: str, right_title: str,
                 width: float = 12.0) -> Figure:
    """Two images next to each other, without axis ticks, each with a title.

    Parameters
    ----------
    original, compressed : numpy.ndarray
        ``(H, W, 3)`` or ``(H, W, 4)`` images, float in [0, 1] or uint8, of the same size.
    left_title, right_title : str
        Titles; say what each image is (e.g. its number of colours and its size in bytes).
    width : float, optional
        Figure width in inches; the height follows the images' aspect ratio.

    Returns
    -------
    matplotlib.figure.Figure
    """
    height, wide = np.asarray(original).shape[:2]
    fig, axes = plt.subplots(1, 2, figsize=(width, width / 2 * height / wide + 0.8), layout="constrained")
    for ax, image, title in zip(axes, (original, compressed), (left_title, right_title)):
        ax.imshow(_as_display(image), interpolation="nearest" if max(height, wide) < 300 else "antialiased")
        ax.set_title(title)
        ax.set_axis_off()
    return fig


def cluster_colours(K: int) -> np.ndarray:
    """``(K, 4)`` RGBA colours that tell K clusters apart: tab10 / tab20, then a rainbow."""
    if K <= 10:
        return plt.get_cmap("tab10")(np.arange(K))
    if K <= 20:
        return plt.get_cmap("tab20")(np.arange(K))
    return plt.get_cmap("turbo")(np.linspace(0.05, 0.95, K))


def _new_axes(ax, figsize, **kwargs):
    if ax is not None:
        return ax.figure, ax
    fig = plt.figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot(**kwargs)


def plot_points(X: np.ndarray, ax=None, title: str = "The data") -> Figure:
    """Scatter plot of 2-D points ``X``, shape ``(m, 2)``."""
    fig, ax = _new_axes(ax, (6, 5))
    ax.scatter(X[:, 0], X[:, 1], s=14, color="0.35", alpha=0.7)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    return fig


def plot_kmeans_progress(X: np.ndarray, centroid_history, idx: np.ndarray, ax=None,
                         title: str = "How the centroids moved") -> Figure:
    """Points coloured by cluster and the path each centroid took, iteration by iteration.

    Parameters
    ----------
    X : numpy.ndarray
        ``(m, 2)`` points.
    centroid_history : sequence of numpy.ndarray
        ``(K, 2)`` centroids, first the initial ones, then one array after each iteration.
    idx : numpy.ndarray
        ``(m,)`` integer cluster of each point (the final assignment).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    title : str, optional
    """
    history = np.stack([np.asarray(c, dtype=float) for c in centroid_history])  # (T, K, 2)
    K = history.shape[1]
    colours = cluster_colours(K)
    fig, ax = _new_axes(ax, (6, 5))
    ax.scatter(X[:, 0], X[:, 1], s=14, c=colours[idx], alpha=0.55, linewidths=0)
    # Each path in its cluster's colour, darkened so it stands out from the points: paths that
    # cross or run side by side stay tellable apart.
    path_colours = 0.65 * colours[:, :3]
    for k in range(K):
        ax.plot(history[:, k, 0], history[:, k, 1], "-", color=path_colours[k], linewidth=1.8, zorder=3)
        ax.plot(history[:-1, k, 0], history[:-1, k, 1], "x", color=path_colours[k], markersize=6, zorder=3)
    ax.scatter(history[0, :, 0], history[0, :, 1], s=90, facecolors="white", edgecolors="black",
               linewidths=1.5, zorder=4, label="initial centroid")
    ax.scatter(history[-1, :, 0], history[-1, :, 1], s=220, marker="*", c=colours,
               edgecolors="black", linewidths=1.2, zorder=5)
    # Neutral proxies: a legend entry drawn from the data would show the first cluster's colour.
    ax.plot([], [], linestyle="", marker="*", markersize=14, markerfacecolor="white",
            markeredgecolor="black", label="final centroid")
    ax.plot([], [], "-x", color="0.3", label="path, one step per iteration")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_distortion(distortions, ax=None, title: str = "Distortion after each iteration") -> Figure:
    """Line plot of the distortion J, one value per iteration (iteration 0 = the start)."""
    fig, ax = _new_axes(ax, (5, 4))
    ax.plot(np.arange(len(distortions)), distortions, "o-", color="tab:blue")
    ax.set(xlabel="iteration", ylabel="distortion $J$", title=title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    return fig


def plot_rgb_space(pixels: np.ndarray, colours: np.ndarray | None = None,
                   centroids: np.ndarray | None = None, sample: int = 2000, seed: int = 0,
                   ax=None, title: str = "Pixels in RGB space", clusters: np.ndarray | None = None) -> Figure:
    """3-D scatter of pixel colours in the RGB cube, each dot painted in a colour of its own.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(m, 3)`` colours in [0, 1]; each becomes a dot at (red, green, blue).
    colours : numpy.ndarray, optional
        ``(m, 3)`` colour to paint each dot with; by default its own colour. Pass
        ``centroids[idx]`` to show which centroid each pixel was replaced by.
    centroids : numpy.ndarray, optional
        ``(K, 3)`` centroids, drawn as large markers with a black edge.
    sample : int, optional
        How many pixels to draw, chosen at random (seeded): enough to see the shape of the
        cloud, few enough to draw quickly.
    seed : int, optional
        Seed of the random sample; the same seed picks the same pixels.
    ax : 3-D Axes, optional
        Made with ``fig.add_subplot(projection="3d")``; a new figure if omitted.
    clusters : numpy.ndarray, optional
        ``(m,)`` cluster of each pixel: every cluster gets a distinct colour of its own, for its
        dots and its centroid, so that the K regions of the cube show (``colours`` is then unused).
    """
    pixels = np.asarray(pixels, dtype=float)
    colours = pixels if colours is None else np.asarray(colours, dtype=float)
    centroid_colours = None if centroids is None else np.clip(np.asarray(centroids, dtype=float), 0, 1)
    if clusters is not None:
        distinct = cluster_colours(len(centroids) if centroids is not None else int(np.max(clusters)) + 1)[:, :3]
        colours, centroid_colours = distinct[np.asarray(clusters)], distinct[: len(centroids) if centroids is not None else 0]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pixels), size=min(sample, len(pixels)), replace=False)
    fig, ax = _new_axes(ax, (6, 6), projection="3d")
    # mplot3d sorts artists by depth, which hid centroids behind the pixels: draw them on top.
    ax.computed_zorder = False
    ax.scatter(*pixels[chosen].T, c=np.clip(colours[chosen], 0, 1), s=6, alpha=0.8, depthshade=False)
    if centroids is not None:
        centroids = np.asarray(centroids, dtype=float)
        ax.scatter(*centroids.T, c=centroid_colours, s=160, marker="o", edgecolors="black",
                   linewidths=1.5, alpha=1.0, depthshade=False, zorder=10)
        # A neutral proxy: the legend would otherwise show the first centroid's colour, as if
        # every centroid had it.
        label = "centroids, each in its cluster's colour" if clusters is not None else "centroids, each in its colour"
        marker = Line2D([], [], linestyle="", marker="o", markersize=10, markerfacecolor="white",
                        markeredgecolor="black", markeredgewidth=1.5, label=label)
        ax.legend(handles=[marker], loc="upper left", fontsize="small")
    ax.set(xlabel="red", ylabel="green", zlabel="blue", xlim=(0, 1), ylim=(0, 1), zlim=(0, 1), title=title)
    # Few ticks: with six an axis, the labels ran into each other; green's 0 would touch red's 1.
    ax.set(xticks=[0, 0.5, 1], yticks=[0.5, 1], zticks=[0, 0.5, 1])
    ax.view_init(elev=20, azim=-60)
    ax.set_box_aspect(None, zoom=0.88)  # room for the axis labels inside the figure
    return fig


def plot_palette(palette: np.ndarray, counts: np.ndarray | None = None, ax=None,
                 title: str | None = None, per_row: int = 16) -> Figure:
    """The palette as a row (or rows) of swatches, each labelled with its hex code.

    Parameters
    ----------
    palette : numpy.ndarray
        ``(K, 3)`` colours, float in [0, 1] or uint8.
    counts : numpy.ndarray, optional
        ``(K,)`` pixels per colour: swatches are then sorted by it and labelled with their share.
    per_row : int, optional
        Swatches per row.
    """
    palette = np.asarray(palette)
    palette = palette / 255.0 if palette.dtype == np.uint8 else np.clip(palette.astype(float), 0, 1)
    K = len(palette)
    order = np.arange(K) if counts is None else np.argsort(-np.asarray(counts), kind="stable")
    rows = -(-K // per_row)
    cols = min(K, per_row)
    fig, ax = _new_axes(ax, (min(12.0, 0.8 * cols + 0.5), 0.95 * rows + 0.5))
    for position, k in enumerate(order):
        row, col = divmod(position, per_row)
        ax.add_patch(plt.Rectangle((col, -row), 0.92, 0.6, facecolor=palette[k], edgecolor="0.6"))
        label = to_hex(palette[k])
        if counts is not None:
            label += f"\n{100 * counts[k] / np.sum(counts):.1f}%"
        ax.text(col + 0.46, -row - 0.08, label, ha="center", va="top", fontsize=8.5)
    ax.set(xlim=(-0.1, cols), ylim=(-(rows - 1) - 0.5, 0.7), aspect="equal")
    ax.set_axis_off()
    ax.set_title(title if title is not None else f"Palette: {K} colours"
                 + (" (sorted by share of pixels)" if counts is not None else ""))
    return fig


def plot_image_grid(images, titles, ncols: int = 3, width: float = 12.0) -> Figure:
    """Images of the same size in a grid, each with its title and without axis ticks."""
    images = list(images)
    nrows = -(-len(images) // ncols)
    height, wide = np.asarray(images[0]).shape[:2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, nrows * ((width / ncols) * height / wide + 0.35)),
                             layout="constrained", squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, image, title in zip(axes.ravel(), images, titles):
        ax.imshow(_as_display(image))
        ax.set_title(title, fontsize="medium")
    return fig


def plot_k_sweep(Ks, png_bytes, psnr_db, information_bytes=None, original_png_bytes: int | None = None) -> Figure:
    """Two panels over K: size and quality.

    Parameters
    ----------
    Ks : sequence of int
        Palette sizes, e.g. (2, 4, 8, 16, 32, 64); drawn on a log2 axis.
    png_bytes, psnr_db : sequence of numbers
        One value per K: indexed-PNG bytes, PSNR in dB.
    information_bytes : sequence of numbers, optional
        One value per K: the information count (indices plus palette) in bytes, drawn on the
        size panel next to the PNG's bytes.
    original_png_bytes : int, optional
        Size of the 24-bit PNG, drawn as a reference line on the size panel.
    """
    Ks = np.asarray(Ks)
    fig, (ax_size, ax_quality) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax_size.plot(Ks, np.asarray(png_bytes) / 1000, "o-", label="indexed PNG")
    if information_bytes is not None:
        ax_size.plot(Ks, np.asarray(information_bytes) / 1000, "s--", color="tab:green",
                     label="information: indices + palette")
    if original_png_bytes is not None:
        ax_size.axhline(original_png_bytes / 1000, color="tab:red", linestyle=":", label="24-bit PNG")
    ax_size.legend(loc="best", fontsize="small")
    ax_quality.plot(Ks, psnr_db, "o-")
    for ax, ylabel, title in ((ax_size, "size (kB)", "Size"), (ax_quality, "PSNR (dB), higher is better", "Quality")):
        _log2_k_axis(ax, Ks)
        ax.set(ylabel=ylabel, title=title)
    return fig


def _log2_k_axis(ax, Ks) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(Ks, [str(k) for k in Ks])
    ax.set_xlabel("K (colours)")
    ax.grid(alpha=0.3)


def plot_which_k(Ks, distortion, bits_per_pixel, psnr_db) -> Figure:
    """Two questions about K, one panel each: where the distortion stops falling fast (the elbow),
    and how much quality each bit of the file buys (rate against distortion).

    Parameters
    ----------
    Ks : sequence of int
        Palette sizes, increasing.
    distortion : sequence of float
        One per K: J, the mean squared distance of a pixel to its centroid.
    bits_per_pixel : sequence of float
        One per K: the indexed PNG's size in bits, per pixel.
    psnr_db : sequence of float
        One per K.
    """
    Ks = np.asarray(Ks)
    fig, (ax_elbow, ax_rate) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    ax_elbow.plot(Ks, distortion, "o-")
    _log2_k_axis(ax_elbow, Ks)
    ax_elbow.set(ylabel="distortion J (mean squared distance)", title="The elbow: distortion against K")
    ax_rate.plot(bits_per_pixel, psnr_db, "o-", color="tab:purple")
    for k, x, y in zip(Ks, bits_per_pixel, psnr_db):
        ax_rate.annotate(f"K = {k}", (x, y), textcoords="offset points", xytext=(6, -10), fontsize="small")
    ax_rate.set(xlabel="indexed PNG, bits per pixel", ylabel="PSNR (dB)", title="Rate and distortion: what each bit buys")
    ax_rate.grid(alpha=0.3)
    return fig


def plot_restarts(final_J: dict[str, np.ndarray]) -> Figure:
    """Where K-means ends from different starts: each run's final J, and the best of the first N runs.

    Parameters
    ----------
    final_J : dict
        ``{name of the start: (runs,) final distortions, in the order the runs were made}``.
    """
    fig, (ax_spread, ax_best) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for position, (name, values) in enumerate(final_J.items()):
        values = np.asarray(values)
        jitter = np.random.default_rng(position).uniform(-0.12, 0.12, size=len(values))
        ax_spread.scatter(position + jitter, values, s=22, alpha=0.8, color=f"C{position}")
        ax_spread.hlines(np.median(values), position - 0.3, position + 0.3, color="black", linewidth=2,
                         label="median" if position == 0 else None)
        ax_best.plot(np.arange(1, len(values) + 1), np.minimum.accumulate(values), "o-", markersize=3,
                     color=f"C{position}", label=name)
    ax_spread.set_xticks(range(len(final_J)), list(final_J))
    runs = len(next(iter(final_J.values())))
    ax_spread.set(xlim=(-0.6, len(final_J) - 0.4), ylabel="final distortion J", title=f"One run from each of {runs} seeds")
    ax_spread.legend(loc="upper right", fontsize="small")
    ax_best.set(xlabel="N, runs made", ylabel="lowest final J of the first N runs", title="What best-of-N restarts buy")
    ax_best.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_best.legend(loc="upper right", fontsize="small")
    for ax in (ax_spread, ax_best):
        ax.grid(alpha=0.3)
    return fig


def plot_error_map(image: np.ndarray, compressed: np.ndarray, box: tuple[int, int, int]) -> Figure:
    """Where quantisation hurts: each pixel's squared error, and a square of the image zoomed in.

    Parameters
    ----------
    image, compressed : numpy.ndarray
        ``(H, W, 3)`` float in [0, 1].
    box : (int, int, int)
        ``(top, left, size)`` of the square to zoom into, drawn on the error map.
    """
    error = np.sum((np.asarray(image, float) - np.asarray(compressed, float)) ** 2, axis=2)
    top, left, size = box
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.9), layout="constrained", gridspec_kw={"width_ratios": [1.5, 1, 1]})
    # A square-root scale: the error is small almost everywhere, and a linear one shows only the worst.
    shown = axes[0].imshow(error, cmap="magma", norm=PowerNorm(gamma=0.5))
    fig.colorbar(shown, ax=axes[0], shrink=0.85, label="squared error, square-root scale")
    axes[0].add_patch(plt.Rectangle((left, top), size, size, fill=False, edgecolor="cyan", linewidth=1.5))
    axes[0].set_title("Squared error of each pixel (sum over R, G, B)\nthe square is zoomed on the right")
    for ax, picture, title in ((axes[1], image, "Original, zoomed"), (axes[2], compressed, "Compressed, zoomed")):
        ax.imshow(np.clip(picture[top:top + size, left:left + size], 0, 1), interpolation="nearest")
        ax.set_title(title)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
