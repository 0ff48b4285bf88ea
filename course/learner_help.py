"""What the notebook does for its learners beyond the exercises: messages that say what to do, figures described.

- :func:`explain_unfinished_work`: in Jupyter, a cell that calls an exercise not yet written, or
  that uses a name an earlier cell makes and that cell has not run, stops with one line naming the
  exercise to finish, or the cells to run, instead of a traceback (and without the empty axes of a
  figure it had begun). Errors inside the learner's own functions keep their full traceback.
- :func:`stop_if_too_slow`: before a cell runs K-means on a photo, a quick timing of the learner's
  functions on a sample of its pixels; if the cell would take minutes, it stops at once and says
  so, instead of running for half an hour.
- :func:`describe_figures`: every figure the notebook shows carries a text alternative, made from
  its panels' titles and axis labels, for screen readers and the HTML export (``alt``).
"""

from __future__ import annotations

import linecache
import re

import numpy as np
from matplotlib import pyplot as plt

from course.measure import best_wall_seconds

__all__ = ["EXERCISES", "TooSlowForThisCell", "describe_figures", "explain_unfinished_work", "figure_description",
           "stop_if_too_slow"]

# The graded functions, and where the notebook asks for each.
EXERCISES = {"find_closest_centroids": "Exercise 1", "compute_centroids": "Exercise 2",
             "kmeans_plus_plus_init": "the optional exercise of Going further"}
SAMPLE_PIXELS = 5_000  # what stop_if_too_slow times each function on
# A cell that would take longer stops before it starts. Loops over the K centroids, as the hints
# teach, take a minute or two in the slowest cell; a Python loop over the pixels, twenty and more.
MAX_SECONDS = 300


class TooSlowForThisCell(RuntimeError):
    """A cell would take minutes with the learner's functions; Jupyter shows only the message."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"{type(self).__name__}: {self}"]


def _innermost(tb):
    """The traceback entry of the innermost frame: where the error was raised."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _one_line(etype, value, tb) -> str | None:
    """The message for an unfinished exercise or a cell run too early, or None for any other error."""
    innermost = _innermost(tb)
    frame = innermost.tb_frame
    if issubclass(etype, NotImplementedError) and frame.f_code.co_name in EXERCISES:
        function = frame.f_code.co_name
        return (f"{function} is not implemented yet: finish {EXERCISES[function]} first (replace "
                "`raise NotImplementedError(...)` in its cell with your code, and run that cell), then run this cell again.")
    if issubclass(etype, NameError) and frame.f_code.co_name == "<module>":
        line = linecache.getline(frame.f_code.co_filename, innermost.tb_lineno).strip()
        where = f" (line {innermost.tb_lineno}: `{line}`)" if line else ""
        return (f"{value}{where}. If an earlier cell makes it, run the cells above this one in order (Run > Run All "
                "Above Selected Cell), and if one of them stops, do what it says first; if not, check the spelling.")
    return None


def _handler(shell, etype, value, tb, tb_offset=None):
    message = _one_line(etype, value, tb)
    if message is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    plt.close("all")  # a figure the cell had begun would show as empty axes
    shell._showtraceback(etype, value, [f"{etype.__name__}: {message}"])  # the kernel sends it as the error
    return None


def explain_unfinished_work() -> None:
    """In IPython and Jupyter, explain unfinished exercises and cells run too early in one line.

    Does nothing outside IPython. Other errors are shown as usual.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError, NameError), _handler)


def stop_if_too_slow(find_closest_centroids, compute_centroids, X: np.ndarray, Ks, iterations: int, runs: int = 1,
                     max_seconds: float = MAX_SECONDS) -> None:
    """Raise :class:`TooSlowForThisCell` if K-means with these functions would take many minutes on ``X``.

    For each K, each function is timed on a sample of :data:`SAMPLE_PIXELS` rows of ``X`` (best of
    three calls, or one if that one takes a second) and its time scaled to all of ``X``: a Python
    loop over the pixels grows with their number, and so does a vectorised function.

    Parameters
    ----------
    find_closest_centroids, compute_centroids : callable
        The learner's functions.
    X : ndarray, shape (m, n)
        The examples the cell clusters.
    Ks : int or sequence of int
        The number of centroids of each run the cell makes.
    iterations : int
        The iterations of one run, at most (each calls both functions once).
    runs : int
        How many runs the cell makes with each K.
    max_seconds : float
        The longest the cell may take.
    """
    Ks = [Ks] if np.ndim(Ks) == 0 else list(Ks)
    rng = np.random.default_rng(0)
    sample = X[rng.choice(len(X), size=min(SAMPLE_PIXELS, len(X)), replace=False)]
    closest = means = 0.0
    for K in Ks:
        # Best of three calls (a first call pays for warming up), or of one that already takes a second.
        closest += best_wall_seconds(find_closest_centroids, (sample, sample[:K].astype(np.float64)), 3, enough=1.0)
        means += best_wall_seconds(compute_centroids, (sample, rng.integers(0, K, size=len(sample)), K), 3, enough=1.0)
    scale = len(X) / len(sample) * iterations * runs
    total = (closest + means) * scale
    if total <= max_seconds:
        return
    slower = "find_closest_centroids" if closest >= means else "compute_centroids"
    raise TooSlowForThisCell(
        f"With your functions this cell would take about {total / 60:.0f} minutes ({closest * scale:.0f} s in "
        f"find_closest_centroids, {means * scale:.0f} s in compute_centroids, for {len(X):,} pixels), so it stops here. "
        f"{slower} is right but too slow for it: the note under its test cell, and the hints of {EXERCISES[slower]}, "
        "say how to make it faster.")


def _clean(text: str) -> str:
    """One line of plain text: mathtext such as ``$x_2$`` read as ``x2``, a title's lines joined by commas."""
    text = re.sub(r"\$([^$]*)\$", lambda math: re.sub(r"[\\_{}^]", "", math.group(1)), text)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return "".join(line if i == 0 else (" " if lines[i - 1][-1] in ":,;" else ", ") + line for i, line in enumerate(lines))


def figure_description(fig) -> str:
    """A text alternative for a figure: what each panel is, from its title and axis labels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        E.g. ``"2 panels. 1: Best of 10 random starts: J = 0.8888, a plot of x2 against x1. 2: ..."``.
    """
    panels = []
    colour_bars = {id(getattr(image.colorbar, "ax", None)) for ax in fig.axes for image in ax.images + ax.collections}
    for ax in fig.axes:
        if id(ax) in colour_bars:  # a colour bar is part of its panel, not a panel
            continue
        title = _clean(ax.get_title())
        if ax.images:
            kind = "an image"
        elif ax.name == "3d":
            kind = f"a 3-D scatter plot of {_clean(ax.get_xlabel())}, {_clean(ax.get_ylabel())} and {_clean(ax.get_zlabel())}"
        elif ax.get_xlabel() and ax.get_ylabel():
            kind = f"a plot of {_clean(ax.get_ylabel())} against {_clean(ax.get_xlabel())}"
        else:
            kind = "a chart"
        panels.append(f"{title}, {kind}" if title else kind[0].upper() + kind[1:])
    heading = _clean(fig._suptitle.get_text()) + ". " if fig._suptitle is not None else ""
    if len(panels) == 1:
        return heading + panels[0] + "."
    return heading + f"{len(panels)} panels. " + " ".join(f"{i}: {p}." for i, p in enumerate(panels, start=1))


def describe_figures() -> None:
    """In IPython and Jupyter, give every figure shown as JPEG or PNG its :func:`figure_description` as ``alt``.

    Call it after ``%matplotlib inline`` and the figure formats are set. Does nothing outside IPython.
    """
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    for mime in ("image/jpeg", "image/png"):
        formatter = shell.display_formatter.formatters[mime]
        try:
            draw = formatter.lookup_by_type(Figure)
        except KeyError:
            continue
        if getattr(draw, "describes", False):
            continue

        def with_alt(fig, draw=draw):
            data = draw(fig)
            return None if data is None else (data, {"alt": figure_description(fig)})

        with_alt.describes = True
        formatter.for_type(Figure, with_alt)
