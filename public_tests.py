"""Public tests for the two graded functions of image_compression.ipynb.

Call them from the notebook with your function as the argument::

    find_closest_centroids_test(find_closest_centroids)
    compute_centroids_test(compute_centroids)
    kmeans_plus_plus_test(kmeans_plus_plus_init)  # the optional exercise of Going further

Each runs a series of small checks. When all pass it prints one line, then times the function on
the graded speed test's input and, if the grader would find it too slow, says so and which hint
helps. At the first failure it raises ``CheckFailed`` (an ``AssertionError``) with a message that
names the check, shows the input, what was expected and what came back, and, when a typical
mistake explains the difference, says which one. In Jupyter the message is all it shows (with the
traceback of your own code, when your function raised), not the machinery of this file.

These tests and the grader judge alike: a function passes them exactly when the grader's hidden
tests give it every correctness point. The words for each mistake come from one place,
``course/mistakes.py``, which both use.

The expected answers below are written out by hand (small integers where possible, so you can
check them on paper); the project's own test suite recomputes every one of them. Nothing in this
file computes an answer to an exercise.
"""

from __future__ import annotations

import ast
import contextlib
import dis
import functools
import inspect
import io
import itertools
import linecache
import math
import signal
import sys
import sysconfig
import time
import traceback
import warnings

import numpy as np

from course.mistakes import centroids_problem, describe_result, labels_problem, recognised_mistakes, with_article

__all__ = ["CheckFailed", "find_closest_centroids_test", "compute_centroids_test", "kmeans_plus_plus_test"]

# The graded speed test fails a function that takes more than this many times the reference
# solution's processor time (the grader's SPEED_MAX_RATIO; the project's tests keep the two equal).
SPEED_MAX_RATIO = 20
# Graded cells may import these and Python's standard library, nothing else: the grader's
# ALLOWED_PACKAGES, as the modules they install (None: any installed package). The release refuses
# to go out while the two differ.
ALLOWED_MODULES: tuple[str, ...] | None = ("numpy",)
# Section 3 of the notebook: K-means on the photo's pixels, 30 iterations of each function.
PHOTO_PIXELS, PHOTO_ITERATIONS = 273_280, 30


class CheckFailed(AssertionError):
    """A check failed; its message says which, and why.

    In IPython and Jupyter, ``_render_traceback_`` replaces the usual traceback: the learner sees
    the message, under the traceback of their own code when their function raised, without the
    frames of this file.
    """

    def _render_traceback_(self) -> list[str]:
        lines = []
        cause = self.__cause__
        if cause is not None:
            frames = [f for f in traceback.extract_tb(cause.__traceback__) if f.filename != __file__]
            lines += ["Traceback of your code (most recent call last):", *"".join(traceback.format_list(frames)).splitlines(),
                      f"{type(cause).__name__}: {cause}", ""]
        return lines + [f"{type(self).__name__}: {self}"]


# --------------------------------------------------------------------------------------------
# The cases: a name, the inputs and the expected answer. A find_closest_centroids case about
# exact ties says so ("ties"): there the lowest index must win everywhere; elsewhere a label may
# differ where two centroids are equally far to the inputs' precision, as in the grader.
# --------------------------------------------------------------------------------------------

# 250 examples with whole-number features from 0 to 96, spread without a random generator (whose
# numbers could change with numpy's version), and their labels for five centroids, one digit each.
_SPREAD = np.array([[(37 * i) % 97, (53 * i) % 89, (71 * i) % 83] for i in range(250)], dtype=np.float64)
_SPREAD_LABELS = np.array([int(digit) for digit in (
    "0212430124340343243032140330422103321041230212430124300343243032130330402103321041330412412124300243"
    "2430221303314023032210413104124121243002432430224303314033032210313104124121241012434034324303214033"
    "04221033210412302124101243003432430321303304023033")])

# Ten RGB pixels and four centroids with fractions, as means have: the last two pixels change
# centroid if the centroids are cut or rounded to whole numbers (to X's uint8).
_PIXELS = np.array([[250, 30, 20], [200, 60, 200], [10, 190, 60], [120, 140, 130], [40, 50, 230], [90, 200, 170],
                    [255, 255, 255], [0, 0, 0], [39, 35, 84], [69, 175, 100]], dtype=np.uint8)
_PIXEL_CENTROIDS = np.array([[240.4, 20.3, 19.8], [20.6, 199.7, 40.2], [30.3, 40.6, 219.5], [128.4, 127.6, 128.3]])
_PIXEL_LABELS = np.array([0, 3, 1, 3, 2, 3, 3, 1, 2, 1])
# The first eight pixels, each repeated: cluster 3 then holds 280 pixels, more than a uint8 counts.
_REPEATS = np.array([70, 90, 70, 60, 70, 30, 100, 70])

_CLOSEST_CASES = [
    {
        "name": "2-D points, K = 3",
        "X": np.array([[1.8, 4.9], [5.6, 2.2], [7.9, 5.3], [2.6, 1.1], [6.2, 3.4], [3.1, 3.2]]),
        "centroids": np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]]),
        "expected": np.array([0, 1, 2, 0, 1, 0]),
    },
    {
        "name": "L1 and Euclidean distances disagree",
        "X": np.array([[0, 3], [2, 4], [6, 8], [2, 2], [3, 6]], dtype=np.float64),
        "centroids": np.array([[6, 0], [8, 8], [7, 2]], dtype=np.float64),
        "expected": np.array([0, 2, 1, 0, 1]),
    },
    {
        "name": "ties go to the lowest index (centroid 3 repeats centroid 1)",
        # (1, 0) is as far from centroids 0, 1 and 3; (1, 1) from all four; (2, 1) from 1 and 3.
        "X": np.array([[1, 0], [1, 1], [1, 2], [2, 1], [2, 2], [0, 1]], dtype=np.float64),
        "centroids": np.array([[0, 0], [2, 0], [0, 2], [2, 0]], dtype=np.float64),
        "expected": np.array([0, 0, 2, 1, 1, 0]),
        "ties": True,
    },
    {
        "name": "ties on a grid: points midway between the corners of a square, K = 4",
        # A point with x = 3 is as far from the left corners as from the right ones, one with y = 3
        # from the lower as from the upper, and (3, 3) from all four: the lowest index wins everywhere.
        "X": np.array([[3, 0], [3, 2], [3, 3], [3, 6], [0, 3], [2, 3], [6, 3], [3, 4], [1, 1], [5, 5], [4, 3], [3, 1]],
                      dtype=np.float64),
        "centroids": np.array([[1, 1], [5, 1], [1, 5], [5, 5]], dtype=np.float64),
        "expected": np.array([0, 0, 0, 2, 0, 0, 1, 2, 0, 3, 1, 0]),
        "ties": True,
    },
    {
        "name": "close calls: the nearest centroid is ahead by 0.0012 or less in squared distance, K = 4",
        "X": np.array([[0.5005, 0.1], [0.4995, 0.1], [0.5003, 0.4999], [0.4998, 0.5003], [0.9, 0.5004], [0.9, 0.4994],
                       [0.1, 0.5006]]),
        "centroids": np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
        "expected": np.array([1, 0, 1, 2, 3, 1, 2]),
        "on_wrong": ("Each example here is almost as close to two centroids: compare the distances as they are "
                     "computed, without rounding them (np.round) or storing them in an integer array."),
    },
    {
        "name": "RGB pixels as uint8, n = 3 features, K = 4",
        "X": _PIXELS,
        "centroids": _PIXEL_CENTROIDS,
        "expected": _PIXEL_LABELS,
    },
    {
        "name": "uint8 pixels with float32 centroids, K = 4",
        "X": _PIXELS,
        "centroids": _PIXEL_CENTROIDS.astype(np.float32),
        "expected": _PIXEL_LABELS,
    },
    {
        "name": "float32 inputs, n = 4 features, K = 5",
        # Eighths are exact in float32.
        "X": np.array(
            [[0.625, 0, 0, 0.25], [1, 0.125, 0.75, 0.25], [0.125, 0.625, 0.875, 0.25], [0.625, 0.25, 0.125, 1],
             [0.375, 0, 0.25, 0], [0.875, 0.5, 0.125, 0.875], [0.25, 0.875, 0, 0], [0.5, 0.5, 0.625, 0.375]],
            dtype=np.float32,
        ),
        "centroids": np.array(
            [[0.5, 0.125, 1, 0.75], [1, 0, 0.375, 0.125], [0.75, 1, 0.125, 0.125],
             [1, 0.75, 0.625, 0.25], [1, 0.875, 0, 1]],
            dtype=np.float32,
        ),
        "expected": np.array([1, 1, 0, 4, 1, 4, 2, 3]),
    },
    {
        "name": "a single centroid, K = 1",
        "X": np.array([[0.0, 0.0], [5.0, -1.0], [-3.0, 2.5], [10.0, 10.0]]),
        "centroids": np.array([[1.0, 1.0]]),
        "expected": np.array([0, 0, 0, 0]),
    },
    {
        "name": "a single example, m = 1, and more centroids than examples, K = 4",
        "X": np.array([[7.5, -2.0, 3.25]]),
        "centroids": np.array([[0.0, 0.0, 0.0], [9.0, 9.0, 9.0], [7.0, -1.0, 3.0], [8.0, -3.0, 2.5]]),
        "expected": np.array([2]),
    },
    {
        "name": "one feature, n = 1, K = 3",
        "X": np.array([[0.5], [4.9], [2.2], [9.0], [5.1]]),
        "centroids": np.array([[0.0], [5.0], [10.0]]),
        "expected": np.array([0, 1, 0, 2, 1]),
    },
    {
        "name": "examples far from every centroid (coordinates in the trillions)",
        # The grader's hidden tests hold these same points: a running minimum started at a fixed
        # number (999, 1e6, 1e12, sys.maxsize ...) below the farthest one's distance, 2.7e12 (or
        # its square), fails both alike, and one above it passes both.
        "X": np.array([[1.4, 0.6], [4.3, 1.5], [3.5, 5.2], [0.6, 1.8], [5.7, 0.3], [2.4, 6.9], [3.1, 2.9]]) * 1e12,
        "centroids": np.array([[1.0, 1.0], [5.0, 1.0], [3.0, 6.0]]) * 1e12,
        "expected": np.array([0, 1, 2, 0, 1, 2, 1]),
    },
    {
        "name": "40 points, n = 3 features, K = 6",
        "X": np.array(
            [[1, 9, 2], [8, 1, 7], [3, 3, 9], [7, 7, 1], [0, 5, 5], [9, 9, 9], [2, 0, 0], [6, 2, 3],
             [5, 8, 6], [1, 1, 8], [9, 4, 0], [4, 6, 2], [0, 9, 9], [7, 0, 5], [3, 7, 7], [8, 5, 2],
             [2, 2, 4], [6, 9, 0], [5, 1, 1], [0, 0, 9], [9, 2, 8], [1, 6, 0], [4, 4, 5], [7, 8, 8],
             [3, 0, 2], [8, 7, 4], [2, 8, 3], [6, 3, 9], [0, 3, 1], [9, 0, 3], [4, 9, 5], [1, 4, 8],
             [7, 4, 6], [5, 5, 0], [2, 6, 9], [8, 2, 1], [3, 9, 1], [6, 6, 7], [0, 1, 4], [9, 7, 2]],
            dtype=np.float64,
        ),
        "centroids": np.array(
            [[1.5, 1.5, 1.5], [8.0, 1.5, 6.5], [1.5, 7.5, 8.0], [7.5, 7.5, 1.5], [5.0, 5.0, 5.0],
             [2.0, 8.0, 1.0]]
        ),
        "expected": np.array(
            [5, 1, 2, 3, 2, 4, 0, 4, 4, 4, 3, 5, 2, 1, 2, 3, 0, 3, 0, 2,
             1, 5, 4, 4, 0, 3, 5, 1, 0, 1, 4, 2, 4, 3, 2, 1, 5, 4, 0, 3]
        ),
    },
    {
        "name": "250 examples, n = 3 features, K = 5",
        "X": _SPREAD,
        "centroids": np.array([[20.3, 21.7, 19.9], [75.6, 20.2, 60.7], [20.8, 70.4, 60.1], [70.9, 70.3, 20.6],
                               [48.2, 44.6, 41.3]]),
        "expected": _SPREAD_LABELS,
    },
]

_CENTROID_CASES = [
    {
        "name": "2-D points, K = 3",
        "X": _CLOSEST_CASES[0]["X"],
        "idx": np.array([0, 1, 2, 0, 1, 0]),
        "K": 3,
        "expected": np.array([[2.5, 3.0666666666666664], [5.9, 2.8], [7.9, 5.3]]),
    },
    {
        "name": "RGB pixels as uint8, n = 3 features, K = 4",
        "X": _PIXELS,
        "idx": _PIXEL_LABELS,
        "K": 4,
        # The sums of each cluster's pixels, over its number of pixels.
        "expected": np.array([[250, 30, 20], [79, 365, 160], [79, 85, 314], [665, 655, 755]]) / np.array([1, 3, 2, 4])[:, None],
    },
    {
        "name": "560 uint8 pixels, repeated, K = 4: a cluster of 280",
        "X": np.repeat(_PIXELS[:8], _REPEATS, axis=0),
        "idx": np.repeat(_PIXEL_LABELS[:8], _REPEATS),
        "K": 4,
        "expected": np.array([[17500, 2100, 1400], [700, 13300, 4200], [2800, 3500, 16100], [53400, 45300, 56400]])
        / np.array([70, 140, 70, 280])[:, None],
    },
    {
        "name": "float32 inputs, n = 4 features, K = 2",
        "X": _CLOSEST_CASES[7]["X"],
        "idx": np.array([1, 0, 0, 1, 0, 1, 1, 0]),
        "K": 2,
        "expected": np.array([[0.5, 0.3125, 0.625, 0.21875], [0.59375, 0.40625, 0.0625, 0.53125]]),
    },
    {
        "name": "a cluster with one point, empty clusters in the middle and at the end, K = 6",
        # Clusters 2 and 5 have no points: their rows are not checked; cluster 3 has one.
        "X": np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [9.0, 9.0], [5.0, 5.0], [7.0, 5.0]]),
        "idx": np.array([0, 0, 1, 3, 4, 4]),
        "K": 6,
        "expected": np.array([[1.0, 0.0], [0.0, 4.0], [np.nan, np.nan], [9.0, 9.0], [6.0, 5.0], [np.nan, np.nan]]),
        "on_error": (
            "No point has idx == 2 or idx == 5 in this check, so clusters 2 and 5 are empty. Your function must "
            "still return: their rows may be NaN (the mean of no points), and run_kMeans deals with it."
        ),
    },
    {
        "name": "a single cluster, K = 1",
        "X": _CLOSEST_CASES[8]["X"],
        "idx": np.array([0, 0, 0, 0]),
        "K": 1,
        "expected": np.array([[3.0, 2.875]]),
    },
    {
        "name": "a single example, m = 1",
        "X": np.array([[2.5, -1.0]]),
        "idx": np.array([0]),
        "K": 1,
        "expected": np.array([[2.5, -1.0]]),
    },
    {
        "name": "one feature, n = 1, K = 3",
        "X": _CLOSEST_CASES[10]["X"],
        "idx": np.array([0, 1, 0, 2, 1]),
        "K": 3,
        "expected": np.array([[1.35], [5.0], [9.0]]),
    },
    {
        "name": "40 points, n = 3 features, K = 6",
        "X": _CLOSEST_CASES[12]["X"],
        "idx": _CLOSEST_CASES[12]["expected"],
        "K": 6,
        "expected": np.array(
            [[2.0, 1.1666666666666667, 2.0], [7.833333333333333, 1.3333333333333333, 5.5],
             [1.2857142857142858, 4.857142857142857, 8.0],
             [7.428571428571429, 6.285714285714286, 1.2857142857142858],
             [5.444444444444445, 5.666666666666667, 6.333333333333333], [2.2, 7.6, 1.6]]
        ),
    },
    {
        "name": "250 examples, n = 3 features, K = 5",
        "X": _SPREAD,
        "idx": _SPREAD_LABELS,
        "K": 5,
        # The sums of each cluster's features, over its number of examples.
        "expected": np.array([[1183, 1066, 1479], [2839, 827, 2071], [1066, 3150, 3029], [4775, 4273, 1515],
                              [2109, 1730, 2115]]) / np.array([51, 40, 51, 65, 43])[:, None],
    },
    {
        "name": "29,680 uint8 pixels, repeated, K = 4: a cluster of 14,840",
        # Each of the eight pixels 53 times as often as in the 560: the same means, and clusters too
        # large for a sum kept in uint16 (1,400 x 255 already is), a count kept in float16 (exact
        # up to 2,048), or a sample of the examples. 29,680 is as many as the grader's largest test
        # holds (30,000) less a part of one 560: a learner's cut below it fails here as there.
        "X": np.repeat(_PIXELS[:8], 53 * _REPEATS, axis=0),
        "idx": np.repeat(_PIXEL_LABELS[:8], 53 * _REPEATS),
        "K": 4,
        "expected": np.array([[17500, 2100, 1400], [700, 13300, 4200], [2800, 3500, 16100], [53400, 45300, 56400]])
        / np.array([70, 140, 70, 280])[:, None],
    },
]


# --------------------------------------------------------------------------------------------
# Shared machinery
# --------------------------------------------------------------------------------------------


def _show(a, prefix: str = "") -> str:
    """``prefix`` then the value as the learner would type it, with its dtype and shape.

    Continuation lines of an array line up under its first element.
    """
    if isinstance(a, np.ndarray):
        body = np.array2string(a, separator=", ", threshold=200, max_line_width=100, prefix=prefix)
        return f"{prefix}{body}  (dtype {a.dtype}, shape {a.shape})"
    if isinstance(a, (int, float, np.integer, np.floating)):
        return f"{prefix}{a!r}"
    return f"{prefix}{a!r}  ({with_article(type(a).__name__)}, not a numpy array)"


def _show_inputs(inputs) -> str:
    return "".join(_show(value, f"  {arg} = ") + "\n" for arg, value in inputs.items())


# The assignment's own modules: never importable in a graded cell, whatever ALLOWED_MODULES says.
_TOOLS = ("utils", "course", "quantize", "public_tests")
_EXERCISES = ("find_closest_centroids", "compute_centroids")


def _code_objects(code):
    """A code object and every code object nested in it (lambdas, comprehensions, inner functions)."""
    yield code
    for constant in code.co_consts:
        if inspect.iscode(constant):
            yield from _code_objects(constant)


def _loaded_globals(code) -> set[str]:
    """The global names the code loads (not attribute names, which ``co_names`` lists too)."""
    return {instruction.argval for nested in _code_objects(code) for instruction in dis.get_instructions(nested)
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(instruction.argval, str)}


def _imported(code) -> set[str]:
    return {instruction.argval for nested in _code_objects(code) for instruction in dis.get_instructions(nested)
            if instruction.opname == "IMPORT_NAME" and isinstance(instruction.argval, str)}


def _module_of(value) -> str | None:
    if inspect.ismodule(value):
        return value.__name__
    module = getattr(value, "__module__", None)
    return module if isinstance(module, str) else None


def _refused(module: str) -> bool:
    """Whether the grader's learner process cannot import this module (or the module of this object)."""
    top = module.split(".")[0]
    if top in _TOOLS:
        return True
    return ALLOWED_MODULES is not None and top not in (*ALLOWED_MODULES, *sys.stdlib_module_names, "builtins", "__main__")


def _installed(module: str) -> bool:
    """Whether a module comes from the environment's installed packages (site-packages)."""
    loaded = sys.modules.get(module.split(".")[0])
    where = getattr(loaded, "__file__", None) or ""
    return any(where.startswith(path) for path in {sysconfig.get_paths()[key] for key in ("purelib", "platlib")})


def _exercise_cells(function) -> set[str] | None:
    """In a notebook, the files of the cells the grader runs (the two exercise cells); elsewhere None.

    IPython compiles each cell under a file name of its own and keeps its source in ``linecache``.
    """
    names = getattr(function, "__globals__", {})
    if names.get("__name__") != "__main__":
        return None
    files = {getattr(getattr(f, "__code__", None), "co_filename", None)
             for f in (function, *(names.get(exercise) for exercise in _EXERCISES))}
    files.discard(None)
    return files if files and all(linecache.getlines(file) for file in files) else None


def _bound_at_top_level(files: set[str]) -> set[str]:
    """The names the cells' code binds outside any function: assignments, definitions, imports, loops."""
    bound = set()
    for file in files:
        try:
            tree = ast.parse("".join(linecache.getlines(file)))
        except SyntaxError:
            continue
        todo = list(tree.body)
        while todo:
            node = todo.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            todo += [child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.Lambda)]
    return bound


def _what_the_grader_lacks(function) -> str | None:
    """Why the grader could not run ``function`` as it runs here, or None.

    The grader runs the two exercise cells and the notebook's import lines, in a process where only
    numpy and the standard library can be imported (``ALLOWED_MODULES``) and the assignment's own
    modules cannot. So it refuses a function that imports, or uses something from, any other
    package; and, in a notebook, one that uses a helper function or a value defined in another cell
    (a name imported in any cell is fine: the grader runs the import lines). The function's own
    helpers, partial applications and default arguments are followed.
    """
    home = _module_of(function)
    cells = _exercise_cells(function)
    bound = _bound_at_top_level(cells) if cells else None
    todo, seen = [function], set()
    while todo:
        current = todo.pop()
        if isinstance(current, functools.partial):
            todo += [current.func, *current.args, *current.keywords.values()]
            continue
        module = _module_of(current)
        if module and module != home and _refused(module):
            return f"{getattr(current, '__name__', module)} from {module}"
        if current is function and module and _refused(module) and (module.split(".")[0] in _TOOLS or _installed(module)):
            return f"{getattr(current, '__name__', module)} from {module}"  # another package's function, as it is
        code = getattr(current, "__code__", None)
        if code is None or code in seen:
            continue
        seen.add(code)
        for imported in _imported(code):
            if _refused(imported):
                return f"import {imported}"
        names = getattr(current, "__globals__", {})
        values = [cell.cell_contents for cell in (current.__closure__ or ()) if _has_contents(cell)]
        values += [*(current.__defaults__ or ()), *(current.__kwdefaults__ or {}).values()]
        for name in _loaded_globals(code):
            if name not in names:
                continue  # a builtin, or a name the call would not find (the checks have said so)
            value = names[name]
            if (cells and bound is not None and name not in bound and _module_of(value) in (None, "__main__")
                    and not inspect.ismodule(value)):
                where = "defined" if callable(value) else "set"
                return f"`{name}`, {where} in another cell of the notebook, which the grader does not run"
            values.append(value)
        for value in values:
            module = _module_of(value)
            if module is None:
                continue
            if module == home and callable(value) and not inspect.ismodule(value):
                todo.append(value)  # a helper of the learner's own: what does it use?
            elif _refused(module):
                return f"{getattr(value, '__name__', module)} from {module}"
    return None


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return False
    return True


def _refuse_borrowed(name, function) -> None:
    lacking = _what_the_grader_lacks(function)
    if lacking is None:
        return
    if lacking.startswith("`"):
        raise CheckFailed(f"{name} uses {lacking}: keep everything your function needs in its exercise cell (the "
                          "notebook's import lines excepted), or the grader's tests raise NameError.")
    top = lacking.rsplit(" ", 1)[-1].split(".")[0]
    if top in _TOOLS:
        why = f"{top} is one of the assignment's own tools, not part of the exercise, and graded cells cannot import it"
    else:
        why = (f"graded functions may use {', '.join(ALLOWED_MODULES or ())} and Python's standard library only, and the "
               f"grader cannot import {top}: it would give this function no points")
    raise CheckFailed(f"{name} uses {lacking}: {why}. Write this step with numpy.")


def _call(func, name, case, argnames):
    """Call the learner's function on fresh copies of the case's inputs.

    Returns ``(result, inputs)``; raises CheckFailed if the function raised or changed its
    inputs in place.
    """
    inputs = {arg: np.array(case[arg]) if isinstance(case[arg], np.ndarray) else case[arg] for arg in argnames}
    try:
        if len(case["X"]) >= LARGE_CASE:
            with _stopped_after(TEST_SECONDS):
                result = func(*inputs.values())
        else:
            result = func(*inputs.values())
    except _OutOfTime:
        raise CheckFailed(
            f"{name} is too slow for the grader to test it: on the check '{case['name']}' it was still running after "
            f"{TEST_SECONDS:g} s of processor time, and the grader stops a test after {TEST_SECONDS:g} s (its largest "
            f"has {LARGEST_TEST_PIXELS:,} pixels) and gives it no points. Does it loop over the examples inside a loop "
            "over them? The usual cause is a Python loop over the examples (or, in a vectorised function, an array "
            "of m x K x n differences, far larger than the data).") from None
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not implemented yet: in its cell, replace the line "
            f"`raise NotImplementedError(...)` under `# YOUR CODE HERE` with your code, run "
            f"that cell, then run this test again."
        ) from None
    except Exception as exc:
        hint = f"\n{case['on_error']}" if "on_error" in case else ""
        if isinstance(exc, OverflowError):
            hint += ("\nAn OverflowError here means a number too large for its array's dtype: a count or a sum kept in "
                     "X's dtype (uint8 holds 0 to 255). Keep counts and sums in float (np.zeros(K)) or int.")
        if isinstance(exc, IndexError):
            K_from = "centroids.shape[0]" if "centroids" in argnames else "the argument K"
            hint += (
                "\nAn IndexError on a small input often means a size was written as a number: "
                f"take K from {K_from} and n from X.shape[1]."
            )
        raise CheckFailed(
            f"{name} raised {type(exc).__name__}: {exc}\n"
            f"This is an error inside your function (its traceback is above), on the check "
            f"'{case['name']}' with input:\n" + _show_inputs(inputs) + hint
        ) from exc
    reshaped = []  # inputs with the same numbers in another shape or dtype: X.shape = ... in place
    for arg, value in inputs.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, case[arg], equal_nan=True):
            if value.tobytes() == np.ascontiguousarray(case[arg]).tobytes():
                reshaped.append(arg)
                continue
            before, after = _show(case[arg], "Before: "), _show(value, "After:  ")
            if before[len("Before: "):] == after[len("After:  "):] and value.shape == case[arg].shape:
                # Printed alike: a value changed and changed back (x -= c; x += c) differs in its last digits.
                change = np.abs(value.astype(np.float64) - case[arg].astype(np.float64))
                after += (f"\n(they print alike but are not equal: a value changed by up to {np.nanmax(change):.3g}, "
                          "as when an array is changed and changed back, x -= c then x += c)")
            raise CheckFailed(
                f"{name} changed its input `{arg}` in place (check '{case['name']}').\n"
                f"{before}\n{after}\n"
                f"Leave the inputs as they are: write results into a new array "
                f"(e.g. `diff = X - mu`, not `X -= mu`)."
            )
    if reshaped:
        _judge_reshaped(func, name, case, inputs, result, reshaped)
    return result, inputs


_NOTES = []  # said after the success line of the test running (a function that reshaped its inputs)


def _judge_reshaped(func, name, case, inputs, result, reshaped) -> None:
    """An input left with its numbers in another shape or dtype (``idx.shape = (-1, 1)``), as the grader judges it.

    The grader cannot see an array's shape in the learner's process; it calls the function again
    with the same array objects, and a function that cannot take what it left fails there. So
    here: wrong or an error on the same arrays fails; right again passes, with a note, since the
    caller's array is changed all the same.
    """
    arg = reshaped[0]
    before, after = case[arg], inputs[arg]
    became = (f"shape went from {before.shape} to {after.shape}" if after.shape != before.shape
              else f"dtype went from {before.dtype} to {after.dtype}")
    how = (f"`{arg}.shape = ...` (or `.dtype = ...`) changes the caller's array. Make a new one instead: "
           f"`{arg} = {arg}.reshape(...)`.")
    try:
        with _as_graded():  # as the grader's second call: what it prints thrown away
            again = func(*inputs.values())
    except Exception as exc:
        raise CheckFailed(f"{name} changed its input `{arg}` in place (check '{case['name']}'): its {became}, and "
                          f"called again with the same arrays, as a notebook passes them, it raised "
                          f"{type(exc).__name__}: {exc}\n{how}") from exc
    first, second = describe_result(result)[1], describe_result(again)[1]
    if first is None or second is None or first.shape != second.shape or not np.array_equal(first, second, equal_nan=True):
        raise CheckFailed(f"{name} changed its input `{arg}` in place (check '{case['name']}'): its {became}, and "
                          f"called again with the same arrays, as a notebook passes them, it gave another result.\n{how}")
    note = (f"Note: {name} changed its input `{arg}` in place: its {became}. The grader passes it, since called "
            f"again with the same arrays it is still right, but in your notebook the caller's {arg} is changed. {how}")
    if note not in _NOTES:
        _NOTES.append(note)


def _failure(name, case, inputs, got, diagnosis) -> CheckFailed:
    lines = [
        f"{name} failed the check '{case['name']}': {diagnosis.problem}",
        "Input:",
        _show_inputs(inputs).rstrip("\n"),
        _show(case["expected"], "Expected: "),
        _show(got, "Got:      "),
    ]
    if diagnosis.hint:
        lines.append(f"Likely cause: {diagnosis.hint}")
    if "on_wrong" in case:
        lines.append(case["on_wrong"])
    return CheckFailed("\n".join(lines))


# --------------------------------------------------------------------------------------------
# find_closest_centroids
# --------------------------------------------------------------------------------------------


def find_closest_centroids_test(target) -> None:
    """Check ``target(X, centroids) -> idx`` on small cases; raise CheckFailed on the first failure.

    When every check passes, time it too (:func:`_timing_notes`): it fails if the grader could not
    finish its tests in their time, and says so if the graded speed test would fail it.

    Parameters
    ----------
    target : callable
        The learner's ``find_closest_centroids``.
    """
    name = "find_closest_centroids"
    _refuse_borrowed(name, target)
    _NOTES.clear()
    failed = []  # (case, inputs, result, its value as an array): every case that gives wrong labels
    for case in _CLOSEST_CASES:
        try:
            got, inputs = _call(target, name, case, ("X", "centroids"))
        except CheckFailed:
            if failed:
                break  # the first wrong answer says more than a later error
            raise
        type_name, value = describe_result(got)
        if labels_problem(case["X"], case["centroids"], case["expected"], value, type_name,
                          exact_ties=case.get("ties", False)) is not None:
            failed.append((case, inputs, got, value, type_name))
    if failed:
        # A typical mistake recognised on one small case may be chance: name it only if it explains every failure.
        kinds = set.intersection(*(recognised_mistakes(c["X"], c["centroids"], c["expected"], v) for c, _, _, v, _ in failed))
        case, inputs, got, value, type_name = failed[0]
        raise _failure(name, case, inputs, got, labels_problem(case["X"], case["centroids"], case["expected"], value,
                                                               type_name, case.get("ties", False), recognised=kinds))
    notes = _timing_notes(name, target, "Hint 3 loops over the K centroids instead, and Hint 4 over nothing.")  # raises CheckFailed if the grader could not finish its tests
    print(f"All {len(_CLOSEST_CASES)} checks passed: {name} is correct on every test case.")
    for note in _NOTES + notes:
        print(note)


# --------------------------------------------------------------------------------------------
# compute_centroids
# --------------------------------------------------------------------------------------------


def compute_centroids_test(target) -> None:
    """Check ``target(X, idx, K) -> centroids`` on small cases; raise CheckFailed on the first failure.

    Rows of clusters that have no points are not checked. When every check passes, time it too, as
    :func:`find_closest_centroids_test` does.

    Parameters
    ----------
    target : callable
        The learner's ``compute_centroids``.
    """
    name = "compute_centroids"
    _refuse_borrowed(name, target)
    _NOTES.clear()
    for case in _CENTROID_CASES:
        got, inputs = _call(target, name, case, ("X", "idx", "K"))
        type_name, value = describe_result(got)
        diagnosis = centroids_problem(case["X"], case["idx"], case["K"], case["expected"], value, type_name)
        if diagnosis is not None:
            raise _failure(name, case, inputs, got, diagnosis)
    notes = _timing_notes(name, target, "Hint 2 loops over the K clusters instead, and Hint 3 over nothing.")  # raises CheckFailed if the grader could not finish its tests
    print(f"All {len(_CENTROID_CASES)} checks passed: {name} is correct on every test case.")
    for note in _NOTES + notes:
        print(note)


# --------------------------------------------------------------------------------------------
# Time: can the grader finish its tests, and would its speed test pass the function?
# --------------------------------------------------------------------------------------------

# The graded speed test's input: 100,000 pixels as the notebook has them (floats in [0, 1]), K = 4.
SPEED_PIXELS, SPEED_K = 100_000, 4
# The grader's largest correctness test: 30,000 uint8 pixels, K = 16; and the wall-clock seconds it
# gives one test before it stops it (settings.TIME_LIMIT x settings.TEST_TIME_SHARE).
LARGEST_TEST_PIXELS, LARGEST_TEST_K, TEST_SECONDS = 30_000, 16, 15.0
# The function is timed on the first pixels only, and its time on more extrapolated (a Python loop
# over every pixel would take seconds on all of them). A speed ratio that is not clearly under the
# limit is estimated again from more pixels (SECOND_LOOK: a function's fixed costs, or its prints,
# can weigh more on a small sample), and one still within CLEAR_MARGIN of the limit, either way, is
# measured on all 100,000 pixels, as the grader measures it; a time near the grader's limit per
# test gets a warning.
SAMPLE_SIZES, SECOND_LOOK = (1_000, 5_000), (5_000, 20_000)
CLEAR_MARGIN = 1.5


def _speed_inputs():
    """100,000 pixels as the notebook has them (floats in [0, 1]), SPEED_K centroids among them, and labels."""
    rng = np.random.default_rng(0)
    X = rng.random((SPEED_PIXELS, 3))
    return X, X[rng.choice(SPEED_PIXELS, SPEED_K, replace=False)], rng.integers(0, SPEED_K, SPEED_PIXELS)


def _pixel_inputs():
    """30,000 uint8 RGB pixels, 16 float centroids and labels: the grader's largest correctness test's kind."""
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (LARGEST_TEST_PIXELS, 3)).astype(np.uint8)
    return X, rng.uniform(0, 255, (LARGEST_TEST_K, 3)), rng.integers(0, LARGEST_TEST_K, LARGEST_TEST_PIXELS)


def _reference_work(name: str):
    """A function of no arguments that does the reference solution's numpy work, on numbers of its own.

    The operations the grader's reference solution does on its speed test, on arrays of the same
    shapes and dtypes: for find_closest_centroids a matrix product, a subtraction and an argmin,
    a block of rows at a time; for compute_centroids one np.bincount for the counts, one per feature
    for the sums, and a division. So it takes the reference's time; but its inputs are random
    numbers of its own, so what it computes answers nothing.
    """
    rng = np.random.default_rng(1)
    A, labels = rng.random((SPEED_PIXELS, 3)), rng.integers(0, SPEED_K, SPEED_PIXELS)
    B = rng.random((SPEED_K, 3))
    rows = max(1, 2**18 // SPEED_K)

    def products_and_argmin():
        # As the reference does it: a new label array, the centroids' norms, then a product with the
        # transposed centroids and an argmin a block at a time (the layout and the allocation count:
        # without them this took two thirds of the reference's time).
        out = np.zeros(SPEED_PIXELS, dtype=int)
        centres = np.asarray(B, dtype=np.float64)
        lengths = np.sum(centres**2, axis=1)
        for start in range(0, SPEED_PIXELS, rows):
            block = np.asarray(A[start:start + rows], dtype=np.float64)
            out[start:start + rows] = np.argmin(lengths - 2.0 * (block @ centres.T), axis=1)

    def counts_and_sums():
        totals = np.empty((SPEED_K, 3))
        for j in range(3):
            totals[:, j] = np.bincount(labels, weights=A[:, j], minlength=SPEED_K)
        totals /= np.bincount(labels, minlength=SPEED_K)[:, None]

    return products_and_argmin if name == "find_closest_centroids" else counts_and_sums


class _OneBlasThread:
    """Hold BLAS to one thread while timing, as the grader does (a no-op without threadpoolctl)."""

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            self.limits = None
        else:
            self.limits = threadpool_limits(limits=1)
        return self

    def __exit__(self, *exc):
        if self.limits is not None:
            self.limits.restore_original_limits()


def _cpu_seconds(call, make_args, runs: int, enough: float = 0.2) -> float:
    """The least processor time (every thread of this process, as the grader counts) of ``runs`` calls.

    Each call gets fresh arguments, made before its clock starts; once two calls have taken
    ``enough`` seconds each, a third would only tell the same (one slow call can be the machine's
    hiccup). The calls run :func:`_as_graded`.
    """
    best = np.inf
    for run in range(runs):
        args = make_args()
        with _as_graded():
            start = _CLOCK()
            try:
                call(*args)
            except Exception as exc:
                raise _RaisedWhileTimed(exc) from exc
            best = min(best, _CLOCK() - start)
        if run >= 1 and best > enough:
            break
    return max(best, 1e-7)  # never 0: a ratio divides by it


class _Discard(io.TextIOBase):
    """A text stream that keeps nothing: what is printed to it is formatted, then dropped."""

    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _as_graded():
    """Timed calls run as the grader runs them: prints formatted and thrown away, warnings ignored.

    The grader throws away what a function prints, but formatting it takes time, which its timing
    counts: a function that prints every example's distances is slow there, so it is here. Numpy's
    print options are its defaults, as in the grader, which runs only the graded cells: an
    ``np.set_printoptions`` in another cell does not make a print slow here and not there.
    """
    with warnings.catch_warnings(), contextlib.redirect_stdout(_Discard()), np.printoptions(
            precision=8, threshold=1000, edgeitems=3, linewidth=75, suppress=False, nanstr="nan", infstr="inf",
            formatter=None, sign="-", floatmode="maxprec", legacy=False):
        warnings.simplefilter("ignore")
        yield


class _RaisedWhileTimed(Exception):
    """The function raised on the timing inputs (which, unlike the checks, have no expected answer)."""


# Processor time where the system counts it finely (Linux, macOS: nanoseconds). Windows counts it in
# steps of 15.6 ms, longer than the reference's whole run: there, wall-clock time instead.
def _clock_for(resolution: float):
    return time.process_time if resolution <= 1e-4 else time.perf_counter


_CLOCK = _clock_for(time.get_clock_info("process_time").resolution)


class _OutOfTime(BaseException):
    """Raised into a timed call that has used up its processor time (not an Exception: ``except Exception`` lets it by)."""


def _out_of_time(signum, frame):
    raise _OutOfTime


# A check with this many examples runs under the grader's time limit per test, as the grader runs
# its own large tests: a function that loops over the examples inside a loop over them would
# otherwise keep the test cell busy for minutes before its verdict.
LARGE_CASE = 10_000


@contextlib.contextmanager
def _stopped_after(limit: float):
    """Raise :class:`_OutOfTime` into the block once it has used ``limit`` s of processor time,
    again every 0.1 s after (a bare ``except`` cannot outlast it). Yields whether the timer is set:
    not on Windows, which has none, nor off the main thread, where no signal can be set."""
    try:
        kept = signal.signal(signal.SIGPROF, _out_of_time)
    except (AttributeError, ValueError):
        yield False
        return
    try:
        signal.setitimer(signal.ITIMER_PROF, limit, 0.1)
        yield True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, kept)


def _seconds_until(call, make_args, limit: float) -> float | None:
    """The processor time of one call; ``inf`` if it was stopped at ``limit``.

    The grader stops a test at its time limit; so does this (:func:`_stopped_after`). A stopped
    call counts as stopped, whatever the clock reads: the timer counts the process's time in
    scheduler ticks, the clock precisely, so on a busy machine a stopped call's time can read
    under the limit.
    None where there is no such timer (Windows) or no signal can be set (not the main thread).
    """
    args = make_args()
    try:
        with _stopped_after(limit) as timed:
            if not timed:
                return None
            with _as_graded():
                start = _CLOCK()
                call(*args)
                took = _CLOCK() - start
    except _OutOfTime:  # in the call, or just after it, before the timer was stopped
        return math.inf
    except Exception as exc:
        raise _RaisedWhileTimed(exc) from exc
    return took


def _growth(call, first, sizes=SAMPLE_SIZES) -> callable:
    """``seconds(m)``: the time of ``call`` on the first m pixels, from its times on ``sizes`` of them.

    A straight line (a fixed cost plus a cost per pixel) through the two times; where the time grows
    much faster than the number of pixels (a function that loops over every pixel inside a loop
    over them: a power near 2), a power law through them instead, so that the estimate is not far
    too low. A loop over the pixels alone grows as their number, but its two times are noisy: on a
    quiet machine, a power from 1.0 up to 1.21 (2026-12-02), hence the bar of 1.5.
    """
    (small, large), (t_small, t_large) = sizes, (_cpu_seconds(call, first(m), runs=3) for m in sizes)
    per_pixel = max(0.0, (t_large - t_small) / (large - small))
    fixed = max(0.0, t_small - per_pixel * small)
    power = np.log(max(t_large, 1e-9) / max(t_small, 1e-9)) / np.log(large / small)
    if power > 1.5:
        return lambda m: t_large * (m / large) ** power
    return lambda m: fixed + per_pixel * m


def _duration(seconds: float) -> str:
    if seconds >= 90:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def _inputs_for(name, X, centroids, idx):
    """``first(m)``: a maker of arguments on the first m pixels, each call's rows in another order.

    As in the grader, where each timed run has inputs of its own, no call can reuse an answer it
    kept from an earlier one.
    """
    shifts = itertools.count()

    def first(m):
        def make():
            shift = next(shifts)
            rows = np.roll(X[:m], shift, axis=0)
            if name == "find_closest_centroids":
                return rows, centroids.copy()
            return rows, np.roll(idx[:m], shift), len(centroids)
        return make
    return first


def _timing_notes(name, target, hint) -> list[str]:
    """Time ``target`` as the grader would; raise CheckFailed if the grader could not finish its tests.

    Two questions, each with the grader's measure (processor time, one BLAS thread):

    - its largest correctness test, 30,000 uint8 pixels: the grader stops a test after
      ``TEST_SECONDS`` and gives it no points, so a function that takes longer fails here, however
      right its answers; one that takes more than half as long gets a warning. Its time is
      estimated from samples, and where the estimate is over a quarter of the limit, the test
      itself is timed, stopped at the limit as the grader stops it;
    - its speed test: at most ``SPEED_MAX_RATIO`` times the reference solution's work on 100,000
      pixels. The estimate is measured again on all of them when it is within ``CLEAR_MARGIN`` of
      the limit, alternating with the reference's work, and twice before a ratio over the limit is
      reported. Too slow, or only just fast enough: a note says so.

    Returns the notes to print after the success line.
    """
    cause = ("The usual cause is a Python loop over the examples (or, in a vectorised function, an array of "
             f"m x K x n differences, far larger than the data): {hint}")
    how = "estimated from its times on the first {:,} and {:,}".format
    notes = []
    with _OneBlasThread():
        np.ones(2**21)  # a freed 16 MiB block: malloc then keeps large blocks, as in the grader's processes
        largest = _inputs_for(name, *_pixel_inputs())
        try:
            pixels, measured_largest = _growth(target, largest)(LARGEST_TEST_PIXELS), False
            # Where the verdict is at stake, it rests on the test itself: an estimate from small samples
            # is too low for a loop whose cost per example grows (a list rebuilt for every example).
            if pixels > TEST_SECONDS / 4:
                took = _seconds_until(target, largest(LARGEST_TEST_PIXELS), TEST_SECONDS)
                if took is not None:
                    pixels, measured_largest = took, True
        except _RaisedWhileTimed as raised:  # the grader's correctness tests have such inputs: they would fail
            exc = raised.__cause__
            raise CheckFailed(f"{name} is right on every check, but on {LARGEST_TEST_PIXELS:,} uint8 pixels and K = "
                              f"{LARGEST_TEST_K} centroids, inputs like the grader's, it raised {type(exc).__name__}: {exc}, and "
                              "the grader would give that test no points.") from exc
        on_largest = f"on {LARGEST_TEST_PIXELS:,} pixels, the size of its largest correctness test,"
        if pixels > TEST_SECONDS:
            took = (f"it was still running after {TEST_SECONDS:g} s of processor time" if measured_largest else
                    f"it would take about {_duration(pixels)} of processor time ({how(*SAMPLE_SIZES)})")
            raise CheckFailed(
                f"{name} is right on every check, but too slow for the grader to test it: {on_largest} {took}, and "
                f"the grader stops a test after {TEST_SECONDS:g} s and gives it no points. Does it loop over the "
                f"examples inside a loop over them? {cause}") from None
        if pixels > TEST_SECONDS / 2:
            took = (f"took {_duration(pixels)} of processor time" if measured_largest else
                    f"would take about {_duration(pixels)} ({how(*SAMPLE_SIZES)})")
            notes.append(f"It is close to the grader's time limit: {on_largest} {name} {took}, and the grader stops a "
                         f"test after {TEST_SECONDS:g} s; on a busy machine it may not finish. {cause}")
        try:
            first = _inputs_for(name, *_speed_inputs())
            reference = _reference_work(name)
            base = _cpu_seconds(reference, tuple, runs=7)
            seconds, sizes = _growth(target, first), SAMPLE_SIZES
            took, measured = seconds(SPEED_PIXELS), False
            ratio = took / base
            # Not clearly fast, yet cheap on the samples (where fixed costs, or prints, can weigh more than
            # the work): a second look, on more pixels. A function slow on them is slow per pixel.
            if ratio >= SPEED_MAX_RATIO / CLEAR_MARGIN and seconds(SAMPLE_SIZES[1]) < 0.25:
                seconds, sizes = _growth(target, first, SECOND_LOOK), SECOND_LOOK
                took = seconds(SPEED_PIXELS)
                ratio = took / base
            if SPEED_MAX_RATIO / CLEAR_MARGIN <= ratio <= SPEED_MAX_RATIO * CLEAR_MARGIN:
                for _ in range(2):
                    for _ in range(3):  # alternating, so that the machine's load weighs on both alike
                        took = min(took if measured else np.inf, _cpu_seconds(target, first(SPEED_PIXELS), runs=1))
                        base = min(base, _cpu_seconds(reference, tuple, runs=1))
                        measured = True
                    ratio = took / base
                    if ratio <= SPEED_MAX_RATIO:
                        break
        except _RaisedWhileTimed as raised:  # only the speed test has such inputs: it alone would fail
            exc = raised.__cause__
            return notes + [f"But on the graded speed test's input ({SPEED_PIXELS:,} pixels as floats, K = {SPEED_K}) it "
                            f"raised {type(exc).__name__}: {exc}, and the grader would give that test no points."]
    if ratio < SPEED_MAX_RATIO / CLEAR_MARGIN:
        return notes
    timing = (f"on {SPEED_PIXELS:,} pixels, {name} takes about {_duration(took)} of processor time"
              f"{'' if measured else ' (' + how(*sizes) + ')'}, {ratio:,.0f} times the reference solution's {_duration(base)}; "
              f"the grader allows {SPEED_MAX_RATIO} times")
    if ratio <= SPEED_MAX_RATIO:
        return notes + [f"It passes the graded speed test, but only just: {timing}, and a busier machine may tip it "
                        f"over. {cause}"]
    section_3 = seconds(PHOTO_PIXELS) * PHOTO_ITERATIONS
    return notes + [f"But it is too slow for the graded speed test: {timing}, and section 3 would spend about "
                    f"{_duration(section_3)} in it. {cause}"]


# --------------------------------------------------------------------------------------------
# kmeans_plus_plus_init (optional, not graded)
# --------------------------------------------------------------------------------------------

# 200 points near the origin and 2 far away: k-means++ should take a far one as its second
# centroid almost every time (probability above 0.999 here), a uniform choice 1 time in 100.
_CROWD = np.vstack([np.random.default_rng(7).normal(0, 0.1, size=(200, 2)), [[10.0, 10.0], [10.5, 9.5]]])
_FAR = {200, 201}


# A centre and ten points around it, all at distance 1: when the centre is the first centroid,
# every other point is equally likely to be the second, and k-means++ must pick among them at random.
_WHEEL = np.vstack([[0.0, 0.0], np.c_[np.cos(np.arange(10) * np.pi / 5), np.sin(np.arange(10) * np.pi / 5)]])


def _kmeans_plus_plus_call(name, target, X, K, seed):
    try:
        centroids = target(X.copy(), K, np.random.default_rng(seed))
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet: it is optional, and the cells after it need it. In its cell, "
                          "replace the line `raise NotImplementedError(...)` under `# YOUR CODE HERE` with your code.") from None
    except Exception as exc:
        raise CheckFailed(f"{name} raised {type(exc).__name__}: {exc} (with K = {K} on {len(X)} points)") from exc
    centroids = np.asarray(centroids)
    if centroids.shape != (K, X.shape[1]):
        raise CheckFailed(f"{name} returned shape {centroids.shape} for K = {K}: it must be ({K}, {X.shape[1]}), "
                          "one row per centroid.")
    return centroids


def _rows_of(X, centroids) -> list[int]:
    """The row of X each centroid is, or -1."""
    return [int(np.flatnonzero(np.all(X == c, axis=1))[0]) if np.any(np.all(X == c, axis=1)) else -1 for c in centroids]


def kmeans_plus_plus_test(target) -> None:
    """Check ``target(X, K, rng) -> centroids``, k-means++'s start; raise CheckFailed on the first failure.

    Parameters
    ----------
    target : callable
        The learner's ``kmeans_plus_plus_init``.
    """
    name = "kmeans_plus_plus_init"
    checks = 0
    for X, K, seeds in ((_CROWD, 1, [1]), (_CROWD, 5, [5]), (_CROWD[:6], 6, range(10))):
        for seed in seeds:
            rows = _rows_of(X, _kmeans_plus_plus_call(name, target, X, K, seed))
            if -1 in rows:
                raise CheckFailed(f"{name}: centroid {rows.index(-1)} is not one of the points of X: k-means++ starts "
                                  "from examples, chosen at random.")
            if len(set(rows)) < K:
                raise CheckFailed(
                    f"{name} chose the same point twice (K = {K}, {len(X)} points): a point already chosen is at distance "
                    "0 from its centroid, so its weight D(x)^2 must be 0. D(x) is the distance to the nearest centroid "
                    "chosen so far, all of them, not only the last one.")
        checks += 1
    far = sum(bool(set(_rows_of(_CROWD, _kmeans_plus_plus_call(name, target, _CROWD, 2, seed))) & _FAR) for seed in range(40))
    if far < 36:
        raise CheckFailed(
            f"{name}: on 200 points near the origin and 2 far away, with K = 2, a far point was among the centroids in "
            f"only {far} of 40 seeded runs; with k-means++ it should be in nearly all of them (a uniform random choice "
            "gives about 1 in 100 for the second centroid). Choose each new centroid with probability proportional to "
            "D(x)^2, the squared distance from x to the nearest centroid chosen so far: rng.choice(m, p=weights / weights.sum()).")
    checks += 1
    seconds = {rows[1] for rows in (_rows_of(_WHEEL, _kmeans_plus_plus_call(name, target, _WHEEL, 2, seed))
                                    for seed in range(300)) if rows[0] == 0}
    if len(seconds) < 3:
        raise CheckFailed(
            f"{name}: from the centre of ten points all at distance 1, the second centroid was always the same point: "
            "k-means++ draws it at random, with probability proportional to D(x)^2, not the farthest point every time.")
    checks += 1
    print(f"All {checks} checks passed: {name} picks distinct points, far ones likely, at random.")
