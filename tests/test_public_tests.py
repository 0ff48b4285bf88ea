"""public_tests.py in both directions, on the catalogue of learners' styles (tests/learner_styles.py).

- Every hand-written expected answer in public_tests.py is recomputed here by brute force.
- Every right implementation of the catalogue passes, in the styles learners write, with a speed
  note exactly when it loops over every example.
- Every typical mistake of the catalogue is caught, with a message that names it (checked by the
  words the message must contain).
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
import warnings

import numpy as np
import pytest

import public_tests as pt
from learner_styles import (CORRECT_CENTROIDS, CORRECT_CLOSEST, SLOW_CENTROIDS, SLOW_CLOSEST, WRONG_CENTROIDS,
                            WRONG_CLOSEST, centroids_idx_reshaped_in_place)
from public_tests import compute_centroids_test, find_closest_centroids_test

# ---------------------------------------------------------------------------------------------
# The test cases themselves are right
# ---------------------------------------------------------------------------------------------


def _squared(X, C):
    X, C = np.asarray(X, np.float64), np.asarray(C, np.float64)
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)


@pytest.mark.parametrize("case", pt._CLOSEST_CASES, ids=lambda c: c["name"])
def test_closest_case_expected_is_brute_force_argmin(case):
    d = _squared(case["X"], case["centroids"])
    assert np.array_equal(d.argmin(axis=1), case["expected"])
    # Ties exist only in the cases about ties; elsewhere the nearest centroid wins clearly, so that
    # no correct formula, in float32 or by the ||x||^2 - 2 x.c + ||c||^2 identity, can flip a label:
    # by 0.01 at least, or, in the case about close calls, by 1e-4 of the squared distances.
    if d.shape[1] > 1:
        ordered = np.sort(d, axis=1)
        gaps = ordered[:, 1] - ordered[:, 0]
        if case.get("ties"):
            assert np.count_nonzero(gaps == 0) >= 3
        else:
            assert (gaps / ordered[:, 1]).min() >= 1e-4
            assert gaps.min() >= 0.01 or case["name"].startswith("close calls")


def test_the_close_calls_are_lost_to_distances_rounded_to_two_decimals():
    case = next(c for c in pt._CLOSEST_CASES if c["name"].startswith("close calls"))
    distances = np.sqrt(_squared(case["X"], case["centroids"]))
    assert np.count_nonzero(np.round(distances, 2).argmin(axis=1) != case["expected"]) >= 3
    assert np.array_equal(np.round(distances, 4).argmin(axis=1), case["expected"])  # 4 decimals are enough


def test_the_grid_of_ties_is_lost_to_an_unstable_sort():
    """np.argsort's default sort and np.argpartition may put any of several equal distances first
    (they do on machines whose numpy sorts with AVX-512): the grid has ties between centroids that
    are not neighbours in index order, and ties of four."""
    case = next(c for c in pt._CLOSEST_CASES if c["name"].startswith("ties on a grid"))
    d = _squared(case["X"], case["centroids"])
    ties = (d == d.min(axis=1, keepdims=True)).sum(axis=1)
    assert set(ties.tolist()) == {1, 2, 4}
    stable = np.argsort(d, axis=1, kind="stable")[:, 0]
    assert np.array_equal(stable, case["expected"])


def test_closest_cases_cover_what_the_hidden_tests_check():
    cases = pt._CLOSEST_CASES
    assert {c["X"].shape[1] for c in cases} >= {1, 2, 3, 4}
    assert len({len(c["centroids"]) for c in cases}) >= 4
    assert any(len(c["X"]) == 1 for c in cases) and any(len(c["centroids"]) > len(c["X"]) for c in cases)
    assert max(len(c["X"]) for c in cases) > 200  # a loop over the first 100 (or 200) examples shows
    assert {(c["X"].dtype, c["centroids"].dtype) for c in cases} >= {
        (np.dtype(np.uint8), np.dtype(np.float64)), (np.dtype(np.uint8), np.dtype(np.float32)),
        (np.dtype(np.float32), np.dtype(np.float32)), (np.dtype(np.float64), np.dtype(np.float64))}
    assert all(c["centroids"].dtype.kind == "f" for c in cases)  # the notebook's centroids are means: floats
    ties = [c for c in cases if c.get("ties")]
    assert ties and any(len(np.unique(c["centroids"], axis=0)) < len(c["centroids"]) for c in ties)  # a repeated centroid
    # A running minimum that starts at a fixed number up to 1e10 is never beaten in one case.
    assert any(_squared(c["X"], c["centroids"]).min() > 1e10 for c in cases)
    assert any(not np.array_equal(np.abs(c["X"][:, None, :] - c["centroids"][None]).sum(-1).argmin(1), c["expected"])
               for c in cases)


@pytest.mark.parametrize("case", pt._CENTROID_CASES, ids=lambda c: c["name"])
def test_centroid_case_expected_is_the_cluster_mean(case):
    X, idx, K = case["X"].astype(np.float64), case["idx"], case["K"]
    for k in range(K):
        members = X[idx == k]
        if len(members):
            assert np.allclose(case["expected"][k], members.mean(axis=0), rtol=1e-12)
        else:
            assert np.isnan(case["expected"][k]).all()


def test_centroid_cases_cover_what_the_hidden_tests_check():
    cases = pt._CENTROID_CASES
    sizes = [np.bincount(c["idx"], minlength=c["K"]) for c in cases]
    assert any((s == 1).any() for s in sizes)  # a cluster of one example
    assert any(s[-1] == 0 for s in sizes) and any((s[1:-1] == 0).any() for s in sizes)  # empty at the end, in the middle
    assert any(len(c["X"]) == 1 for c in cases) and any(c["K"] == 1 for c in cases)
    assert max(len(c["X"]) for c in cases) > 200
    assert {c["X"].dtype for c in cases} >= {np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64)}
    assert {c["X"].shape[1] for c in cases} >= {1, 2, 3, 4}


# ---------------------------------------------------------------------------------------------
# Right implementations, in the styles learners write, pass; typical mistakes are named
# ---------------------------------------------------------------------------------------------


def _quietly(test, impl):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty cluster
        test(impl)


@pytest.mark.parametrize("mistake", sorted(WRONG_CLOSEST))
def test_wrong_find_closest_centroids_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_CLOSEST[mistake]
    with pytest.raises(pt.CheckFailed) as caught:
        _quietly(find_closest_centroids_test, impl)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{mistake}: {word!r} missing from:\n{message}"
    assert "find_closest_centroids" in message
    if mistake not in ("not_implemented", "modifies_X_in_place", "scales_centroids_and_back", "scikit_learn", "scipy",
                       "centroids_reshaped_in_place", "X_reshaped_in_place"):
        assert "X = " in message  # the input is shown


@pytest.mark.parametrize("mistake", sorted(WRONG_CENTROIDS))
def test_wrong_compute_centroids_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_CENTROIDS[mistake]
    with pytest.raises(pt.CheckFailed) as caught:
        _quietly(compute_centroids_test, impl)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{mistake}: {word!r} missing from:\n{message}"
    assert "compute_centroids" in message


def test_a_learner_exception_is_chained_so_its_traceback_shows():
    def broken(X, centroids):
        raise KeyError("oops")

    with pytest.raises(AssertionError) as caught:
        find_closest_centroids_test(broken)
    assert isinstance(caught.value.__cause__, KeyError)
    assert "raised KeyError" in str(caught.value)


def test_failure_message_shows_expected_and_got():
    with pytest.raises(AssertionError) as caught:
        find_closest_centroids_test(WRONG_CLOSEST["one_based"][0])
    message = str(caught.value)
    assert "Expected: [0, 1, 2, 0, 1, 0]" in message
    assert "Got:      [1, 2, 3, 1, 2, 1]" in message
    assert "2-D points, K = 3" in message


def test_the_assignments_own_tools_are_refused_like_other_packages():
    import utils

    def with_a_tool(X, idx, K):
        return np.array([utils.to_uint8(X[idx == k]).mean(axis=0) for k in range(K)])

    with pytest.raises(pt.CheckFailed) as caught:
        compute_centroids_test(with_a_tool)
    assert "one of the assignment's own tools" in str(caught.value)


def test_a_helper_of_the_learners_own_is_followed():
    from scipy.spatial.distance import cdist

    def distances(X, centroids):
        return cdist(X, centroids)

    def closest(X, centroids):
        return np.argmin(distances(X, centroids), axis=1)

    closest.__globals__["distances"] = distances  # as in a notebook, where both are globals
    try:
        with pytest.raises(pt.CheckFailed) as caught:
            find_closest_centroids_test(closest)
    finally:
        del closest.__globals__["distances"]
    assert "scipy" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# What the learner sees: a short message, and a word on speed they can trust
# ---------------------------------------------------------------------------------------------


def test_not_implemented_is_one_short_message_in_jupyter():
    def placeholder(X, centroids):
        raise NotImplementedError("find_closest_centroids is not implemented yet: replace this line with your code")

    with pytest.raises(pt.CheckFailed) as caught:
        find_closest_centroids_test(placeholder)
    shown = caught.value._render_traceback_()  # what IPython prints instead of a traceback
    assert len(shown) == 1 and shown[0].startswith("CheckFailed: find_closest_centroids is not implemented yet")


def test_an_error_in_the_learners_code_shows_their_lines_and_not_this_files():
    def broken(X, centroids):
        return centroids[99]

    with pytest.raises(pt.CheckFailed) as caught:
        find_closest_centroids_test(broken)
    shown = "\n".join(caught.value._render_traceback_())
    assert "return centroids[99]" in shown and "IndexError: index 99 is out of bounds" in shown
    assert pt.__file__ not in shown and "raised IndexError" in shown


def test_the_public_limits_are_the_graders():
    from grading import settings
    from grading.hidden_tests.cases import HIDDEN_TESTS, tests_for
    from grading.packages import hidden_modules

    assert pt.SPEED_MAX_RATIO == settings.SPEED_MAX_RATIO
    # The speed test's input: as many pixels, K and dtype as the grader's.
    for function in ("find_closest_centroids", "compute_centroids"):
        X = next(t for t in tests_for(function) if t.check == "speed").make_cases()[0][0]
        assert X.shape == (pt.SPEED_PIXELS, 3) and X.dtype == np.float64
    # The largest correctness test's size and kind, and the time the grader gives one test.
    largest = max((case[0] for t in HIDDEN_TESTS if t.check != "speed" for case in t.make_cases()), key=len)
    assert largest.shape == (pt.LARGEST_TEST_PIXELS, 3) and largest.dtype == pt._pixel_inputs()[0].dtype == np.uint8
    assert pt.TEST_SECONDS == settings.TIME_LIMIT * settings.TEST_TIME_SHARE
    # What graded cells may import: the packages the grader lets them import, as module names.
    assert settings.ALLOWED_PACKAGES == ("numpy",) and pt.ALLOWED_MODULES == ("numpy",)
    assert {"sklearn", "scipy"} <= set(hidden_modules(settings.ALLOWED_PACKAGES))


def test_the_public_speed_baseline_takes_the_reference_solutions_time():
    """The note's measure: its baseline does the reference's work, so the two take about the same time."""
    from grading.instructor_notebook import load_reference

    reference = load_reference()
    X, centroids, idx = pt._speed_inputs()
    for name, args in (("find_closest_centroids", (X, centroids)), ("compute_centroids", (X, idx, pt.SPEED_K))):
        ratios = []
        with pt._OneBlasThread():
            for _ in range(7):  # alternating, best of each, as the note and the grader time
                ratios.append((pt._cpu_seconds(pt._reference_work(name), tuple, runs=1),
                               pt._cpu_seconds(reference[name], lambda: tuple(np.copy(a) for a in args), runs=1)))
        ratio = min(r[0] for r in ratios) / min(r[1] for r in ratios)
        assert 0.5 < ratio < 2, (name, ratio)


@pytest.mark.parametrize("test, impl, slow", [
    *((find_closest_centroids_test, f, f in SLOW_CLOSEST) for f in CORRECT_CLOSEST),
    *((compute_centroids_test, f, f in SLOW_CENTROIDS) for f in CORRECT_CENTROIDS),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_right_function_passes_with_a_speed_note_exactly_when_it_loops_over_every_example(capsys, monkeypatch,
                                                                                             test, impl, slow):
    timed_pixels = _count_timed_pixels(monkeypatch)
    _quietly(test, impl)
    out = capsys.readouterr().out
    cases = pt._CLOSEST_CASES if test is find_closest_centroids_test else pt._CENTROID_CASES
    lines = out.splitlines()
    success = next(i for i, line in enumerate(lines) if line.startswith(f"All {len(cases)} checks passed"))
    notes = lines[success + 1:]  # what the function printed itself comes before
    function = "find_closest_centroids" if test is find_closest_centroids_test else "compute_centroids"
    in_place = [note for note in notes if note.startswith(f"Note: {function} changed its input")]
    assert bool(in_place) == (impl is centroids_idx_reshaped_in_place), in_place  # right, but idx left reshaped
    notes = [note for note in notes if note not in in_place]
    if slow:  # too slow, or at the limit (a loop that appends every example to a list): a note either way
        assert len(notes) == 1, notes
        note = notes[0]
        assert note.startswith(("But it is too slow for the graded speed test: on ", "It passes the graded speed test, "
                                "but only just: on ")), note
        assert f"{pt.SPEED_PIXELS:,} pixels" in note and f"the grader allows {pt.SPEED_MAX_RATIO} times" in note
        assert "The usual cause is a Python loop over the examples" in note and "): Hint" in note
    else:
        assert not notes, notes
    # What the whole test cell costs, in the function's own work: the pixels handed to its timed calls.
    # Not seconds: the slowest cell here (a function that prints every example) took 4.8-5.2 s of
    # processor time on a quiet machine (2026-12-02 and -08) and 10.7 s in CI on a busy one
    # (2026-12-07). The bound: at most 8 runs' worth of the speed test's pixels. A function near the
    # limit, timed again on all of them six times, is fed at most 741,000 today (the samples, the
    # largest test, the six runs); a quiet machine feeds these at most 116,000.
    assert timed_pixels() <= 8 * pt.SPEED_PIXELS, timed_pixels()


def _count_timed_pixels(monkeypatch):
    """Count the pixels (rows of the first argument) of every call the public tests time; returns the count's reader."""
    counted = 0

    def counting(timer):
        def timed(call, make_args, *rest, **options):
            def made():
                nonlocal counted
                args = make_args()
                counted += len(args[0]) if args else 0
                return args
            return timer(call, made, *rest, **options)
        return timed

    monkeypatch.setattr(pt, "_cpu_seconds", counting(pt._cpu_seconds))
    monkeypatch.setattr(pt, "_seconds_until", counting(pt._seconds_until))
    return lambda: counted


def _spin(seconds: float) -> None:
    """Use ``seconds`` of processor time in a Python loop (which a signal can interrupt)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_function_whose_cost_per_example_grows_is_timed_on_the_largest_test_itself():
    # 0.1 ms per example plus 20 ns per example squared: 0.12 s on 1,000 examples and 1.0 s on 5,000
    # (a power of 1.31, under the bar of a power law), so a straight line through the samples
    # estimates 6.5 s on 30,000, under the warning's 7.5 s; the call itself takes 21 s there, and the
    # grader, which stops it at 15 s, gives that test no points. Before the test was timed itself, this
    # passed without a word (and the catalogue's index-list loop did too, on a fast machine).
    def right_but_slower_per_example_the_more_there_are(X, idx, K):
        m = len(X)
        _spin(1e-4 * m + 2e-8 * m * m)
        return np.array([X[idx == k].mean(axis=0) for k in range(K)])

    # Its 29,680-pixel check already runs under the grader's limit per test, and stops it there.
    with pytest.raises(pt.CheckFailed) as caught:
        _quietly(compute_centroids_test, right_but_slower_per_example_the_more_there_are)
    assert ("too slow for the grader to test it: on the check '29,680 uint8 pixels, repeated, K = 4: a cluster of "
            "14,840' it was still running after 15 s of processor time") in str(caught.value)


def _stubborn():
    while True:
        try:
            sum(range(1000))
        except Exception:
            pass


def test_the_time_limit_stops_a_call_that_catches_every_exception_and_restores_the_signal():
    def noticed(signum, frame):
        pass

    kept = signal.signal(signal.SIGPROF, noticed)
    try:
        started = time.process_time()
        took = pt._seconds_until(_stubborn, tuple, 0.3)
        spent = time.process_time() - started
        assert signal.getsignal(signal.SIGPROF) is noticed
    finally:
        signal.signal(signal.SIGPROF, kept)
    assert took == np.inf
    assert 0.3 <= spent < 1.0, spent  # processor time: the timer counts it, however busy the machine


def test_a_stopped_call_counts_as_stopped_whatever_the_clock_reads(monkeypatch):
    # The timer (SIGPROF) counts the process's time in scheduler ticks, the clock precisely: on a
    # busy machine, a stopped call's time can read under the limit. The likely way the CI once
    # passed the index-list loop (about 40 s) under two busy processes: "close to the limit".
    monkeypatch.setattr(pt, "_CLOCK", lambda: 0.0)
    assert pt._seconds_until(_stubborn, tuple, 0.2) == np.inf
    assert pt._seconds_until(lambda: None, tuple, 0.2) == 0.0


# ---------------------------------------------------------------------------------------------
# k-means++ (the optional exercise)
# ---------------------------------------------------------------------------------------------


def kmeans_plus_plus(X, K, rng):
    X = np.asarray(X, dtype=float)
    centroids = [X[rng.integers(len(X))]]
    closest = np.sum((X - centroids[0]) ** 2, axis=1)
    for _ in range(1, K):
        centroids.append(X[rng.choice(len(X), p=closest / closest.sum())])
        closest = np.minimum(closest, np.sum((X - centroids[-1]) ** 2, axis=1))
    return np.array(centroids)


def kmeans_plus_plus_cumulative(X, K, rng):  # the same, drawn by inverting the cumulative weights
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1)
        cumulative = np.cumsum(d2)
        centroids.append(X[np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")])
    return np.array(centroids, dtype=float)


@pytest.mark.parametrize("impl", [kmeans_plus_plus, kmeans_plus_plus_cumulative], ids=lambda f: f.__name__)
def test_correct_kmeans_plus_plus_passes(impl, capsys):
    pt.kmeans_plus_plus_test(impl)
    assert capsys.readouterr().out.startswith("All 5 checks passed: kmeans_plus_plus_init")


WRONG_KMEANS_PLUS_PLUS = {
    "uniform_random_start": (lambda X, K, rng: X[rng.choice(len(X), size=K, replace=False)], ["D(x)^2", "only"]),
    "distance_not_squared": (None, ["D(x)^2"]),
    "may_repeat_a_point": (lambda X, K, rng: X[np.r_[0, np.zeros(K - 1, dtype=int)]], ["same point twice"]),
    "means_not_points": (lambda X, K, rng: np.tile(X.mean(axis=0), (K, 1)) + np.arange(K)[:, None], ["not one of the points"]),
    "not_implemented": (lambda X, K, rng: (_ for _ in ()).throw(NotImplementedError()), ["not implemented yet", "optional"]),
}


def _distance_not_squared(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d = np.sqrt(np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1))  # D, not D^2
        centroids.append(X[rng.choice(len(X), p=d / d.sum())])
    return np.array(centroids)


WRONG_KMEANS_PLUS_PLUS["distance_not_squared"] = (_distance_not_squared, ["D(x)^2"])


def _last_centroid_only(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.sum((X - centroids[-1]) ** 2, axis=1)  # to the last centroid, not the nearest of all
        centroids.append(X[rng.choice(len(X), p=d2 / d2.sum())])
    return np.array(centroids)


def _farthest_point(X, K, rng):
    centroids = [X[rng.integers(len(X))]]
    for _ in range(1, K):
        d2 = np.min(((X[:, None, :] - np.array(centroids)[None]) ** 2).sum(axis=2), axis=1)
        centroids.append(X[np.argmax(d2)])  # the farthest, every time: no randomness
    return np.array(centroids)


WRONG_KMEANS_PLUS_PLUS["last_centroid_only"] = (_last_centroid_only, ["same point twice", "not only the last one"])
WRONG_KMEANS_PLUS_PLUS["farthest_point_every_time"] = (_farthest_point, ["always the same point", "at random"])


@pytest.mark.parametrize("mistake", sorted(WRONG_KMEANS_PLUS_PLUS))
def test_wrong_kmeans_plus_plus_is_caught_with_a_helpful_message(mistake):
    impl, words = WRONG_KMEANS_PLUS_PLUS[mistake]
    with pytest.raises(pt.CheckFailed) as caught:
        pt.kmeans_plus_plus_test(impl)
    for word in words:
        assert word in str(caught.value), f"{mistake}: {word!r} missing from {caught.value}"


def test_with_every_package_allowed_only_the_assignments_own_tools_are_refused(monkeypatch, capsys):
    from learner_styles import closest_scikit_learn

    monkeypatch.setattr(pt, "ALLOWED_MODULES", None)  # as an instructor who widened ALLOWED_PACKAGES writes it
    find_closest_centroids_test(closest_scikit_learn)
    assert capsys.readouterr().out.startswith("All ")
    test_the_assignments_own_tools_are_refused_like_other_packages()


# ---------------------------------------------------------------------------------------------
# What the grader cannot run: helpers and values from other cells, other packages however reached
# ---------------------------------------------------------------------------------------------


def _notebook(*cells: str) -> dict:
    """Run cells as IPython does (each compiled under a file name of its own, its source in linecache)."""
    import linecache

    namespace = {"__name__": "__main__", "np": np}
    for number, source in enumerate(cells):
        filename = f"<notebook cell {number} of {id(namespace)}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


CLOSEST_USING_HELPER = ("def find_closest_centroids(X, centroids):\n"
                        "    return np.argmin(np.stack([squared(X - c) for c in centroids], axis=1), axis=1)\n")
HELPER = "def squared(diff):\n    return np.sum(diff ** 2, axis=1)\n"
CENTROIDS_CELL = "def compute_centroids(X, idx, K):\n    return np.array([X[idx == k].mean(axis=0) for k in range(K)])\n"


def test_a_helper_defined_in_another_cell_is_refused_as_the_grader_would(capsys):
    notebook = _notebook(HELPER, CLOSEST_USING_HELPER, CENTROIDS_CELL)
    with pytest.raises(pt.CheckFailed, match="uses `squared`, defined in another cell of the notebook, which the grader "
                                             "does not run: keep everything your function needs in its exercise cell"):
        find_closest_centroids_test(notebook["find_closest_centroids"])


@pytest.mark.parametrize("cells", [
    (CLOSEST_USING_HELPER + HELPER, CENTROIDS_CELL),  # in the same cell
    (CLOSEST_USING_HELPER, HELPER + CENTROIDS_CELL),  # in the other exercise's cell, which the grader runs too
    ("from numpy.linalg import norm\n",  # imported in another cell: the grader runs the notebook's import lines
     "def find_closest_centroids(X, centroids):\n"
     "    return np.argmin(np.stack([norm(X - c, axis=1) for c in centroids], axis=1), axis=1)\n", CENTROIDS_CELL),
], ids=["same cell", "other exercise cell", "import elsewhere"])
def test_what_the_grader_runs_too_is_accepted(cells, capsys):
    find_closest_centroids_test(_notebook(*cells)["find_closest_centroids"])
    assert capsys.readouterr().out.startswith("All ")


def test_a_value_set_in_another_cell_is_refused():
    notebook = _notebook("BIG = float('inf')\n",
                         "def find_closest_centroids(X, centroids):\n"
                         "    idx = np.zeros(len(X), dtype=int)\n"
                         "    for i in range(len(X)):\n"
                         "        best = BIG\n"
                         "        for j in range(len(centroids)):\n"
                         "            d = np.sum((X[i] - centroids[j]) ** 2)\n"
                         "            if d < best:\n"
                         "                best, idx[i] = d, j\n"
                         "    return idx\n", CENTROIDS_CELL)
    with pytest.raises(pt.CheckFailed, match="uses `BIG`, set in another cell"):
        find_closest_centroids_test(notebook["find_closest_centroids"])


@pytest.mark.parametrize("make", [
    lambda: __import__("sklearn.metrics", fromlist=["x"]).pairwise_distances_argmin,  # another package's, as it is
    lambda: __import__("functools").partial(lambda X, C, f: f(X, C),
                                            f=__import__("sklearn.metrics", fromlist=["x"]).pairwise_distances_argmin),
    lambda: _notebook("from scipy.spatial import distance as D\n",
                      "def find_closest_centroids(X, centroids, cd=D.cdist):\n"
                      "    return np.argmin(cd(X, centroids), axis=1)\n", CENTROIDS_CELL)["find_closest_centroids"],
], ids=["function itself", "partial", "default argument"])
def test_other_packages_are_refused_however_reached(make):
    with pytest.raises(pt.CheckFailed, match="numpy and Python's standard library only"):
        find_closest_centroids_test(make())


def test_an_attribute_named_like_a_global_is_not_mistaken_for_it(capsys):
    notebook = _notebook("import matplotlib.pyplot as shape\n",  # a global named like the attribute X.shape
                         "def find_closest_centroids(X, centroids):\n"
                         "    idx = np.zeros(X.shape[0], dtype=int)\n"
                         "    for i in range(X.shape[0]):\n"
                         "        idx[i] = np.argmin(np.sum((centroids - X[i]) ** 2, axis=1))\n"
                         "    return idx\n", CENTROIDS_CELL)
    find_closest_centroids_test(notebook["find_closest_centroids"])
    assert capsys.readouterr().out.startswith("All ")


def test_a_coarse_processor_clock_is_not_used_and_no_time_is_zero():
    assert pt._clock_for(1e-9) is time.process_time
    assert pt._clock_for(0.015625) is time.perf_counter  # Windows' 15.6 ms steps: longer than the reference's run
    assert pt._cpu_seconds(lambda: None, tuple, runs=3) > 0  # a ratio divides by it


def test_an_error_on_inputs_like_the_graders_says_which_and_costs_what_the_grader_takes():
    def fails_on_many_pixels(X, centroids):  # right on the checks' small inputs only
        if len(X) > 500 and X.dtype == np.uint8:
            raise MemoryError("no room")
        return np.argmin(((X[:, None, :].astype(float) - centroids[None]) ** 2).sum(axis=2), axis=1)

    with pytest.raises(pt.CheckFailed, match="on 30,000 uint8 pixels and K = 16 centroids, inputs like the grader's, it "
                                             "raised MemoryError: no room"):
        find_closest_centroids_test(fails_on_many_pixels)

    def fails_on_the_speed_input(X, centroids):
        if len(X) > 500 and X.dtype == np.float64:
            raise ValueError("too many")
        return np.argmin(((X[:, None, :].astype(float) - centroids[None]) ** 2).sum(axis=2), axis=1)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        find_closest_centroids_test(fails_on_the_speed_input)  # the correctness points are the grader's to give
    assert "But on the graded speed test's input (100,000 pixels as floats, K = 4) it raised ValueError" in out.getvalue()
