"""What the notebook says when a learner's path goes wrong (course/learner_help.py)."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from course import learner_help
from course.learner_help import TooSlowForThisCell, stop_if_too_slow


def _traceback_of(code: str, namespace: dict):
    try:
        exec(compile(code, "<cell>", "exec"), namespace)
    except Exception:
        return sys.exc_info()
    raise AssertionError("the code did not raise")


def _placeholder(name):
    source = f"def {name}(*args):\n    raise NotImplementedError('{name} is not implemented yet')\n"
    namespace = {}
    exec(source, namespace)
    return namespace[name]


@pytest.mark.parametrize("function, exercise", [("find_closest_centroids", "Exercise 1"), ("compute_centroids", "Exercise 2")])
def test_an_unfinished_exercise_is_named_in_one_line(function, exercise):
    etype, value, tb = _traceback_of(f"{function}(1, 2)", {function: _placeholder(function)})
    message = learner_help._one_line(etype, value, tb)
    assert message.startswith(f"{function} is not implemented yet: finish {exercise} first")


def test_a_name_an_earlier_cell_makes_sends_the_learner_back_up_or_to_the_spelling():
    import linecache

    code = "x = 1\nprint(history)\n"
    linecache.cache["<cell>"] = (len(code), None, code.splitlines(True), "<cell>")
    message = learner_help._one_line(*_traceback_of(code, {}))
    assert message.startswith("name 'history' is not defined (line 2: `print(history)`). If an earlier cell makes it, run")
    assert message.endswith("check the spelling.")


def test_errors_in_the_learners_own_code_keep_their_traceback():
    namespace = {}
    exec("def find_closest_centroids(X, C):\n    return undefined_thing\n", namespace)
    assert learner_help._one_line(*_traceback_of("find_closest_centroids(1, 2)", namespace)) is None  # NameError inside
    exec("def helper():\n    raise NotImplementedError\n", namespace)
    assert learner_help._one_line(*_traceback_of("helper()", namespace)) is None  # not an exercise


def _closest(X, C):
    return np.argmin(np.sum(C**2, axis=1) - 2 * (X @ C.T), axis=1)


def _centroids(X, idx, K):
    return np.stack([np.bincount(idx, weights=X[:, j], minlength=K) for j in range(X.shape[1])], axis=1)


def test_fast_functions_pass_the_guard_silently():
    X = np.random.default_rng(0).random((273_280, 3))
    stop_if_too_slow(_closest, _centroids, X, 16, iterations=30)
    stop_if_too_slow(_closest, _centroids, X, [2, 4, 8, 16, 32, 64], iterations=30)


def test_a_cell_that_would_take_minutes_stops_and_says_why():
    def slow_closest(X, C):
        time.sleep(0.2)  # as a Python loop over 5,000 pixels might: 328 s for the cell
        return _closest(X, C)

    X = np.random.default_rng(0).random((273_280, 3))
    with pytest.raises(TooSlowForThisCell) as caught:
        stop_if_too_slow(slow_closest, _centroids, X, 16, iterations=30)
    message = str(caught.value)
    assert message.startswith("With your functions this cell would take about ") and " minutes (" in message
    assert "find_closest_centroids is right but too slow for it" in message and "Exercise 1" in message
    assert caught.value._render_traceback_() == [f"TooSlowForThisCell: {message}"]


def test_a_figure_is_described_by_its_panels():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    left.imshow(np.zeros((4, 4, 3)))
    left.set_title("Original:\n96,615 colours")
    right.plot([1, 2], [3, 4])
    right.set(title="Quality", xlabel="K (colours)", ylabel="distortion $J$ of $x_2$")
    assert learner_help.figure_description(fig) == (
        "2 panels. 1: Original: 96,615 colours, an image. 2: Quality, a plot of distortion J of x2 against K (colours).")
    plt.close(fig)


def test_a_colour_bar_is_part_of_its_panel():
    from course import plots

    rng = np.random.default_rng(0)
    image = rng.random((40, 40, 3))
    fig = plots.plot_error_map(image, np.round(image), box=(0, 0, 8))
    description = learner_help.figure_description(fig)
    assert description.startswith("3 panels. 1: Squared error of each pixel (sum over R, G, B), the square is zoomed")
    assert "4:" not in description
