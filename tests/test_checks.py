"""The hidden tests and their judges, in-process: fair to every correct style, and clear about mistakes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grading import settings
from grading.hidden_tests.cases import HIDDEN_TESTS, SPEED_CASES
from grading.hidden_tests.checks import Outcome, judge, judge_speed, speed_timeout
from grading.hidden_tests.suite import prepare_suite
from grading.instructor_notebook import load_reference
from grading.settings import POINTS
from learner_styles import CORRECT_CENTROIDS, CORRECT_CLOSEST, SLOW_CENTROIDS, SLOW_CLOSEST


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def suite(reference):
    return prepare_suite(reference)


def _run(impl, case) -> Outcome:
    """Call an implementation as the learner's process would, and describe the outcome."""
    args = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in case)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty cluster
            value = impl(*args)
    except Exception as exc:
        return Outcome("raised", error=f"{type(exc).__name__}: {exc}")
    # As the grader sees them: the bytes in the shared memory (a view's shape is the learner's own).
    changed = [name for name, a, b in zip(("X", "second"), args, case)
               if isinstance(b, np.ndarray) and a.tobytes() != np.ascontiguousarray(b).tobytes()]
    array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    return Outcome("returned", value=array, type=type(value).__name__, changed=changed)


def _verdicts(suite, function, impl) -> dict[str, str | None]:
    verdicts = {}
    for prepared in suite:
        if prepared.test.function != function:
            continue
        verdicts[prepared.test.id] = next(
            (message for case, expected in zip(prepared.cases, prepared.expected)
             if (message := judge(prepared.test.check, function, case, expected, _run(impl, case)))),
            None,
        )
    return verdicts


# --- the tests themselves ----------------------------------------------------------------------------------


def test_hidden_tests_cover_what_the_issue_asks():
    cases = {t.id: t.make_cases() for t in HIDDEN_TESTS}
    closest = [case for t in HIDDEN_TESTS if t.function == "find_closest_centroids" for case in cases[t.id]]
    assert {X.shape[1] for X, _ in closest} == {1, 2, 3, 4, 5}
    assert {len(C) for X, C in closest} >= {1, 20} and max(len(C) for X, C in closest) == 20
    assert max(len(X) for X, _ in closest) >= 30_000
    assert {X.dtype for X, _ in closest} == {np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64)}
    centroids = [case for t in HIDDEN_TESTS if t.function == "compute_centroids" for case in cases[t.id]]
    assert any((np.bincount(idx, minlength=K) == 1).any() for X, idx, K in centroids)  # clusters of one point
    assert {t.check for t in HIDDEN_TESTS} == {"labels", "lowest_index", "centroids", "unchanged", "speed"}
    speed = [cases[t.id][0][0] for t in HIDDEN_TESTS if t.check == "speed"]
    assert len(speed) == 2 and all(X.shape == (100_000, 3) for X in speed)


def test_correctness_inputs_are_the_same_on_every_run_and_speed_inputs_never_are():
    for test in HIDDEN_TESTS:
        first, second = test.make_cases(), test.make_cases()
        same = [all(np.array_equal(x, y) for x, y in zip(a, b)) for a, b in zip(first, second)]
        if test.check == "speed":  # drawn from a secret seed on every run: nobody can compute them beforehand
            assert len(first) == SPEED_CASES and not any(same), test.id
        else:
            assert all(same), test.id


def test_the_course_seed_changes_every_correctness_input(monkeypatch):
    before = {test.id: test.make_cases() for test in HIDDEN_TESTS if test.check != "speed"}
    monkeypatch.setattr(settings, "HIDDEN_TEST_SEED", settings.HIDDEN_TEST_SEED + 1)
    for test in HIDDEN_TESTS:
        if test.id in before:
            after = test.make_cases()
            assert not all(np.array_equal(x, y) for a, b in zip(before[test.id], after) for x, y in zip(a, b)), test.id


def test_points_add_up_to_the_exercise_points(suite):
    for function, points in POINTS.items():
        assert sum(p.max_points for p in suite if p.test.function == function) == pytest.approx(points)


def test_the_reference_passes_every_hidden_test(suite, reference):
    for function in POINTS:
        assert _verdicts(suite, function, reference[function]) == dict.fromkeys(
            [p.test.id for p in suite if p.test.function == function])


# --- fair to every correct style ----------------------------------------------------------------------------


# The loops over every example (seconds each here) are graded end to end instead, by test_contract.py.
@pytest.mark.parametrize("impl", [f for f in CORRECT_CLOSEST if f not in SLOW_CLOSEST], ids=lambda f: f.__name__)
def test_every_find_closest_centroids_the_public_tests_accept_passes_the_hidden_ones(suite, impl):
    verdicts = _verdicts([p for p in suite if p.test.check != "speed"], "find_closest_centroids", impl)
    assert all(message is None for message in verdicts.values()), verdicts


@pytest.mark.parametrize("impl", [f for f in CORRECT_CENTROIDS if f not in SLOW_CENTROIDS], ids=lambda f: f.__name__)
def test_every_compute_centroids_the_public_tests_accept_passes_the_hidden_ones(suite, impl):
    verdicts = _verdicts([p for p in suite if p.test.check != "speed"], "compute_centroids", impl)
    assert all(message is None for message in verdicts.values()), verdicts


def test_near_ties_may_go_either_way_but_real_errors_may_not():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    centroids = np.array([[-1.0, 0.0], [1.0 + 1e-12, 0.0], [3.0, 0.0]])
    expected = np.array([0, 1, 2])
    near_tie = Outcome("returned", value=np.array([1, 1, 2]), type="ndarray")  # X[0] is 1 from c0, 1 + 1e-12 from c1
    assert judge("labels", "find_closest_centroids", (X, centroids), expected, near_tie) is None
    # The ties test has no tolerance: a near tie is a wrong label there, but not one chosen by breaking a tie.
    message = judge("lowest_index", "find_closest_centroids", (X, centroids), expected, near_tie)
    assert message is not None and "1 of 3 labels are wrong" in message and "lowest index" not in message
    wrong = Outcome("returned", value=np.array([0, 2, 2]), type="ndarray")
    assert "1 of 3 labels are wrong" in judge("labels", "find_closest_centroids", (X, centroids), expected, wrong)


# --- mistakes are named -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, words", [
    (None, "returned None"),
    ([0, 1, 2, 0], "returned a list (with the right values), not a numpy array"),
    (np.array([[0], [1], [2], [0]]), "flat vector of shape (4,)"),
    (np.array([0, 1, 2]), "one value per centroid"),
    (np.zeros((4, 3)), "the table of distances"),
    (np.array([0.0, 1.0, 2.0, 0.0]), "stored as float64"),
    (np.array([1, 2, 3, 1]), "one more than expected"),
    (np.array([0, 7, 2, 0]), "between 0 and 2"),
])
def test_label_shape_and_type_mistakes_are_named(value, words):
    X = np.array([[0.0, 0.0], [5.0, 0.0], [9.0, 9.0], [1.0, 1.0]])
    centroids = np.array([[0.0, 0.0], [5.0, 0.0], [9.0, 9.0]])
    kind = "NoneType" if value is None else type(value).__name__
    outcome = Outcome("returned", value=None if value is None else np.asarray(value), type=kind)
    message = judge("labels", "find_closest_centroids", (X, centroids), np.array([0, 1, 2, 0]), outcome)
    assert words in message


def test_centroid_mistakes_are_named():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [9.0, 9.0], [5.0, 5.0], [7.0, 5.0]])
    idx, K = np.array([0, 0, 1, 3, 4, 4]), 5
    expected = np.array([[1.0, 0.0], [0.0, 4.0], [np.nan, np.nan], [9.0, 9.0], [6.0, 5.0]])
    sizes = np.array([2, 1, 0, 1, 2])

    def message(value):
        outcome = Outcome("returned", value=value, type="ndarray")
        return judge("centroids", "compute_centroids", (X, idx, K), expected, outcome)

    assert message(np.nan_to_num(expected)) is None  # an empty cluster's row is not checked
    assert "transposed" in message(np.nan_to_num(expected).T)
    assert "sum of its examples" in message(np.nan_to_num(expected) * sizes[:, None])
    assert "divided by m = 6" in message(np.nan_to_num(expected) * sizes[:, None] / 6)
    assert "np.unique(idx) skips clusters" in message(np.nan_to_num(expected)[[0, 1, 3, 4]])
    assert "truncates" in message(np.nan_to_num(expected).astype(int))
    assert "row 0 is NaN" in message(np.full((5, 2), np.nan))
    assert "cluster 4 has 2 example(s), X[idx == 4] = [[5.0, 5.0], [7.0, 5.0]], whose mean is [6., 5.]" in message(np.nan_to_num(expected) + np.array([[0, 0]] * 4 + [[1, 0]]))


def test_errors_say_what_and_where():
    outcome = Outcome("raised", error="IndexError: index 3 is out of bounds", where="line 4 of the X cell: `d[3]`")
    message = judge("labels", "find_closest_centroids", (np.zeros((2, 2)), np.zeros((1, 2))), np.zeros(2, int), outcome)
    assert "raised IndexError: index 3 is out of bounds (line 4 of the X cell: `d[3]`)" in message
    assert "X: float64 (2, 2)" in message
    not_yet = Outcome("raised", error="NotImplementedError: find_closest_centroids is not implemented yet")
    assert "is not implemented yet" in judge("labels", "find_closest_centroids", (np.zeros((2, 2)), np.zeros((1, 2))),
                                              np.zeros(2, int), not_yet)


def test_mutation_is_reported_only_on_a_right_result():
    X, centroids = np.array([[0.0, 0.0], [5.0, 0.0]]), np.array([[0.0, 0.0], [5.0, 0.0]])
    right = Outcome("returned", value=np.array([0, 1]), type="ndarray", changed=["X"])
    assert "changed its input `X` in place" in judge("unchanged", "find_closest_centroids", (X, centroids), np.array([0, 1]), right)
    assert judge("labels", "find_closest_centroids", (X, centroids), np.array([0, 1]), right) is None


def test_speed_compares_best_times_and_reports_them():
    passed, report = judge_speed([0.050, 0.040], [0.003, 0.002], 20)
    assert passed and "40.0 ms of processor time (best of 2), 20.0 times the reference solution's 2.0 ms" in report
    passed, report = judge_speed([3.5], [0.005, 0.006], 20)
    assert not passed and report.startswith("It took 3.50 s of processor time (best of 1), 700.0 times")
    assert "loop over the K centroids" in report


def test_a_speed_test_stopped_at_its_cap_says_how_many_times_the_reference_it_ran():
    message = speed_timeout("find_closest_centroids", 15.0, 0.005455, 20)
    # As docs/grading.md quotes it: thousands with a comma.
    assert message.startswith("find_closest_centroids was still running after 15.0 s, more than 2,750 times the "
                              "reference solution's 5.5 ms (the limit is 20 times), and was stopped.")
    assert "loop over the K centroids" in message
