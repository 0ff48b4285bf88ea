"""Call everything a release holds the way the exercises are called; print what answers one.

Run as a script inside a learner's copy (``python release_probe.py``, from the copy's folder): it
imports every Python module of the copy, then calls every callable it finds there (module-level
functions and objects, static and class methods of its classes, methods of its instances,
callables kept in its dicts and lists) as ``f(X, centroids)``, ``f(X, idx, K)`` and
``f(X, K, rng)`` on a few inputs of the notebook's kinds, and prints one JSON line: the callables
whose result holds the exercise's right answer on every input of a kind (the result itself, or
anything in the tuples, lists, dicts and objects it returns, nested; for the labels, an (m, K) table
of distances whose argmin they are). ``tests/test_release.py`` runs it.

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


def _candidates(value, depth: int = 3):
    """The value and what it holds: elements of tuples and lists, values of dicts, fields of objects, nested."""
    yield value
    if depth == 0 or isinstance(value, (str, bytes, np.ndarray)) or inspect.ismodule(value):
        return
    if isinstance(value, (tuple, list)):
        inner = value[:20]
    elif isinstance(value, dict):
        inner = list(value.values())[:20]
    else:
        fields = getattr(value, "__dict__", None)
        inner = list(fields.values())[:20] if isinstance(fields, dict) else []
    for item in inner:
        yield from _candidates(item, depth - 1)


def _is(value, expected, close: bool) -> bool:
    """Whether ``value`` holds the answer: the labels or means themselves, or for labels an (m, K) table of distances."""
    for candidate in _candidates(value):
        try:
            got = np.asarray(candidate)
            if got.dtype == object:
                continue
            if close and got.shape == expected.shape and np.allclose(got.astype(np.float64), expected, rtol=1e-6, atol=1e-6):
                return True
            if not close and got.shape == expected.shape and np.array_equal(got, expected):
                return True
            if not close and got.ndim == 2 and got.shape[0] == expected.shape[0] and got.shape[1] > 1 and \
                    np.array_equal(np.argmin(got, axis=1), expected):
                return True  # a table whose argmin is the answer: the exercise but for one call
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
    """Every callable a module holds: its functions and objects, the static and class methods of its
    classes, the methods of its instances, and callables kept in its dicts, lists and tuples."""
    for name, value in sorted(vars(module).items()):
        if inspect.ismodule(value):
            continue
        if isinstance(value, (dict, list, tuple)):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in list(items)[:50]:
                if callable(item) and not inspect.isclass(item) and _ours(item):
                    yield f"{module.__name__}.{name}[{key!r}]", item
            continue
        if not callable(value):
            if _ours(type(value)) and type(value).__module__ == module.__name__:  # an instance of a class of ours
                for attribute in dir(type(value)):
                    member = getattr(value, attribute, None)
                    if not attribute.startswith("__") and inspect.ismethod(member):
                        yield f"{module.__name__}.{name}.{attribute}", member
            continue
        if not _ours(value):
            continue
        yield f"{module.__name__}.{name}", value
        if inspect.isclass(value) and getattr(value, "__module__", "") == module.__name__:
            for attribute, member in vars(value).items():
                if isinstance(member, (staticmethod, classmethod)):
                    yield f"{module.__name__}.{name}.{attribute}", getattr(value, attribute)


def _ours(value) -> bool:
    """Not the standard library's machinery (calling it could touch the machine)."""
    owner = getattr(value, "__module__", None) or ""
    return owner.split(".")[0] not in SKIPPED_MODULES


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
