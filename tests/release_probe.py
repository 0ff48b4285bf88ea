"""Call everything a release holds the way the exercises are called; print what answers one.

Run as a script inside a learner's copy (``python release_probe.py``, from the copy's folder): it
imports every Python module of the copy, then calls every callable it finds there (module-level
functions and objects, static and class methods of its classes) as ``f(X, centroids)``,
``f(X, idx, K)`` and ``f(X, K, rng)`` on a few inputs of the notebook's kinds, and prints one JSON
line: the callables whose result (or an element of a returned tuple, or a field of a returned
object) is the exercise's right answer on every input of a kind. ``tests/test_release.py`` runs it.

k-means++ counts as done when, on 200 points near the origin and 2 far away, a far point is among
the K = 2 centroids in at least 36 of 40 seeded calls, as the public test asks, and the centroids are
points of X.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import os
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

# Calling these could touch the machine; none of them is the release's own code.
SKIPPED_MODULES = ("os", "posix", "sys", "shutil", "subprocess", "signal", "socket", "builtins", "_io", "io", "threading",
                   "multiprocessing", "concurrent", "tempfile", "pathlib", "atexit", "ctypes", "gc", "importlib")
SECONDS_PER_CALL = 10


class _TimedOut(Exception):
    pass


def _alarm(signum, frame):
    raise _TimedOut()


def _inputs():
    rng = np.random.default_rng(5)
    toy = rng.normal(0, 1, (60, 2)) + rng.integers(0, 3, 60)[:, None] * 4.0
    pixels = rng.integers(0, 256, (500, 3)).astype(np.uint8)
    photo = rng.random((3000, 3))
    cases = []
    for X, K in ((toy, 3), (pixels, 5), (photo, 16)):
        centroids = X[rng.choice(len(X), K, replace=False)].astype(np.float64) + 0.25
        d = ((X.astype(np.float64)[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        idx = d.argmin(axis=1)
        means = np.array([X[idx == k].astype(np.float64).mean(axis=0) for k in range(K)])
        cases.append((X, centroids, idx, K, means))
    return cases


def _candidates(value):
    """The value, the elements of a tuple or list it is, and the fields of an object it is."""
    yield value
    if isinstance(value, (tuple, list)) and len(value) <= 8:
        yield from value
    fields = getattr(value, "__dict__", None)
    if isinstance(fields, dict) and not inspect.ismodule(value):
        yield from list(fields.values())[:20]


def _is(value, expected, close: bool) -> bool:
    for candidate in _candidates(value):
        try:
            got = np.asarray(candidate)
            if got.shape != expected.shape or got.dtype == object:
                continue
            if close and np.allclose(got.astype(np.float64), expected, rtol=1e-6, atol=1e-6):
                return True
            if not close and np.array_equal(got, expected):
                return True
        except Exception:
            continue
    return False


def _call(function, *args):
    signal.alarm(SECONDS_PER_CALL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return function(*[np.array(a) if isinstance(a, np.ndarray) else a for a in args])
    finally:
        signal.alarm(0)
        with contextlib.suppress(Exception):
            import matplotlib.pyplot as plt
            plt.close("all")


def _answers(function, cases) -> list[str]:
    found = []
    checks = {
        "find_closest_centroids": lambda X, C, idx, K, means: _is(_call(function, X, C), idx, close=False),
        "compute_centroids": lambda X, C, idx, K, means: _is(_call(function, X, idx, K), means, close=True),
    }
    for exercise, check in checks.items():
        try:
            if all(check(*case) for case in cases):
                found.append(exercise)
        except BaseException:  # noqa: BLE001 - anything a call does is a "no"
            pass
    try:
        if _does_kmeans_plus_plus(function):
            found.append("kmeans_plus_plus_init")
    except BaseException:  # noqa: BLE001
        pass
    return found


def _does_kmeans_plus_plus(function) -> bool:
    crowd = np.vstack([np.random.default_rng(7).normal(0, 0.1, size=(200, 2)), [[10.0, 10.0], [10.5, 9.5]]])
    far = 0
    for seed in range(40):
        got = np.asarray(_call(function, crowd, 2, np.random.default_rng(seed)), dtype=np.float64)
        if got.shape != (2, 2) or not all(np.any(np.all(crowd == c, axis=1)) for c in got):
            return False
        far += bool(np.any(np.all(got[:, None, :] == crowd[None, 200:], axis=2)))
    return far >= 36


def _module_names(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        if path.name == Path(__file__).name:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        names.append(".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts))
    return names


def _callables(module):
    for name, value in sorted(vars(module).items()):
        if inspect.ismodule(value) or not callable(value):
            continue
        owner = getattr(value, "__module__", None) or ""
        if owner.split(".")[0] in SKIPPED_MODULES:
            continue
        yield f"{module.__name__}.{name}", value
        if inspect.isclass(value) and owner == module.__name__:
            for attribute, member in vars(value).items():
                if isinstance(member, (staticmethod, classmethod)):
                    yield f"{module.__name__}.{name}.{attribute}", getattr(value, attribute)


def main() -> None:
    root = Path.cwd()
    sys.path.insert(0, str(root))
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGALRM, _alarm)
    cases = _inputs()
    modules, failed = [], {}
    for name in _module_names(root):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                modules.append(importlib.import_module(name))
        except BaseException as exc:  # noqa: BLE001
            failed[name] = f"{type(exc).__name__}: {exc}"
    seen, solvers, called = set(), {}, 0
    for module in modules:
        for label, function in _callables(module):
            if id(function) in seen:
                continue
            seen.add(id(function))
            called += 1
            answered = _answers(function, cases)
            if answered:
                solvers[label] = answered
    print(json.dumps({"modules": [m.__name__ for m in modules], "import_errors": failed, "called": called,
                      "solvers": solvers}))


if __name__ == "__main__":
    main()
