"""Do the public tests and the grader agree on a folder of learners' functions? And are they right?

    .venv/bin/python bench/public_vs_grader.py DIR [--jobs 2]

DIR holds Python files, each defining ``find_closest_centroids`` or ``compute_centroids`` as a
learner wrote it (with the imports it needs), in subfolders or not. Each function is judged three
ways:

- the public test (``public_tests.py``), run here;
- the grader (``python -m grading grade``), on the learner's notebook with the function pasted into
  its exercise cell: every correctness point, or not (the speed test is reported apart);
- an independent verdict, from this script's own brute force on inputs of every kind the hidden
  tests use (uint8 pixels, float32, one feature, one centroid, one example, more centroids than
  examples, exact ties, examples far from every centroid, empty clusters), none of the two judges'
  code: right labels (a near tie either way) or means, an ndarray of the right shape and dtype kind,
  inputs unchanged, no exception.

Prints a table and the agreement counts; exits 1 if the public test and the grader disagree on
any function, or the public test's speed note on a function the grader's speed test judged
otherwise (a note that the function passes "only just" agrees either way). The contract this measures is the one tests/test_contract.py keeps on the
project's own catalogue; this runs it on functions nobody wrote for the project.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import io
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import public_tests  # noqa: E402
from grading.hidden_tests.cases import HIDDEN_TESTS  # noqa: E402
from grading.instructor_notebook import GRADED_FUNCTIONS, SOURCE_NOTEBOOK, graded_cells  # noqa: E402
from grading.release.learner_copy import learner_notebook  # noqa: E402

CLOSEST, CENTROIDS = GRADED_FUNCTIONS
SPEED_TITLES = {test.title for test in HIDDEN_TESTS if test.check == "speed"}


# --- the independent verdict -------------------------------------------------------------------------


def _closest_cases(rng):
    def blobs(m, n, K, dtype=np.float64, scale=10.0):
        centres = rng.uniform(0, scale, (K, n))
        X = centres[rng.integers(0, K, m)] + rng.normal(0, scale / 8, (m, n))
        return X.astype(dtype), (centres + rng.normal(0, scale / 40, (K, n))).astype(dtype)

    pixels = rng.integers(0, 256, (3000, 3)).astype(np.uint8)
    grid = np.array([[x, y] for x in range(-1, 6) for y in range(-1, 6)], dtype=np.float64)
    square = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0], [4.0, 0.0]])  # the last repeats one
    return [
        (*blobs(300, 2, 3), False), (*blobs(200, 1, 5), False), (*blobs(500, 5, 12), False),
        (*blobs(40, 3, 1), False), (*blobs(1, 3, 4), False), (*blobs(3, 2, 7), False),
        (pixels, rng.uniform(0, 255, (16, 3)), False), (pixels, rng.uniform(0, 255, (8, 3)).astype(np.float32), False),
        (*blobs(400, 4, 6, dtype=np.float32, scale=1.0), False), (*blobs(150, 3, 5, scale=1e8), False),
        (grid, square, True),
    ]


def _right_labels(X, C, got, exact):
    Xf, Cf = X.astype(np.float64), C.astype(np.float64)
    d = np.stack([((Xf - c) ** 2).sum(axis=1) for c in Cf], axis=1)
    if not isinstance(got, np.ndarray) or got.shape != (len(X),) or got.dtype.kind not in "iu":
        return False
    if got.min() < 0 or got.max() >= len(C):
        return False
    if exact:
        return bool(np.array_equal(got, d.argmin(axis=1)))
    low = 1e-5 if np.float32 in (X.dtype, C.dtype) else 1e-9
    slack = low * ((Xf ** 2).sum(axis=1) + (Cf ** 2).sum(axis=1).max())
    return bool(np.all(d[np.arange(len(X)), got] <= d.min(axis=1) + slack))


def _centroid_cases(rng):
    X2 = rng.normal(0, 3, (300, 2))
    pixels = rng.integers(0, 256, (3000, 3)).astype(np.uint8)
    return [
        (X2, rng.integers(0, 4, 300), 4), (rng.normal(0, 1, (100, 1)), rng.integers(0, 3, 100), 3),
        (pixels, rng.integers(0, 16, 3000), 16), (rng.random((200, 4)).astype(np.float32), rng.integers(0, 5, 200), 5),
        (X2[:1], np.array([0]), 1), (X2[:40], np.zeros(40, dtype=int), 1),
        (X2, rng.choice([0, 1, 3, 4], 300), 7),  # clusters 2, 5 and 6 empty
    ]


def _right_means(X, idx, K, got):
    if not isinstance(got, np.ndarray) or got.shape != (K, X.shape[1]) or got.dtype.kind != "f":
        return False
    filled = np.bincount(idx, minlength=K) > 0
    means = np.array([X[idx == k].astype(np.float64).mean(axis=0) if filled[k] else np.zeros(X.shape[1])
                      for k in range(K)])
    rtol = 1e-4 if X.dtype == np.float32 else 1e-7
    return bool(np.allclose(got[filled], means[filled], rtol=rtol, atol=rtol * max(1.0, float(np.abs(X).max()))))


def independent_verdict(function: str, implementation) -> bool:
    rng = np.random.default_rng(20261201)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            if function == CLOSEST:
                for X, C, exact in _closest_cases(rng):
                    args = (X.copy(), C.copy())
                    if not _right_labels(X, C, implementation(*args), exact) or not all(
                            np.array_equal(a, b) for a, b in zip(args, (X, C))):
                        return False
            else:
                for X, idx, K in _centroid_cases(rng):
                    args = (X.copy(), idx.copy(), K)
                    if not _right_means(X, idx, K, implementation(*args)) or not all(
                            np.array_equal(a, b) for a, b in zip(args[:2], (X, idx))):
                        return False
        except Exception:
            return False
    return True


# --- the two judges ------------------------------------------------------------------------------------


def public_verdict(function: str, implementation) -> tuple[bool, str]:
    """Whether the public test passes the function, and what its speed note says: "slow", "just" or ""."""
    test = public_tests.find_closest_centroids_test if function == CLOSEST else public_tests.compute_centroids_test
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        try:
            test(implementation)
        except public_tests.CheckFailed:
            return False, ""
    text = out.getvalue()
    return True, "slow" if "too slow for the graded speed test" in text else "just" if "but only just" in text else ""


def _feedback_verdicts(text: str, function: str) -> dict[str, bool]:
    verdicts, current = {}, None
    for line in text.splitlines():
        heading = re.match(r"## (\w+): ", line)
        if heading:
            current = heading.group(1)
        test = re.match(r"- \*\*(passed|FAILED|not run)\*\* \([^)]*\): (.*)$", line)
        if test and current == function:
            verdicts[test.group(2)] = test.group(1) == "passed"
    return verdicts


def grader_verdicts(entries: dict[str, tuple[str, str]], jobs: int) -> dict[str, tuple[bool, bool]]:
    """``{name: (every correctness point, speed point)}`` from one grading run."""
    released = learner_notebook(nbformat.read(SOURCE_NOTEBOOK, as_version=4))
    with tempfile.TemporaryDirectory() as folder:
        inbox, out = Path(folder, "submissions"), Path(folder, "grades")
        inbox.mkdir()
        for name, (function, source) in entries.items():
            notebook = copy.deepcopy(released)
            next(c for c in graded_cells(notebook) if c.source.startswith(f"def {function}(")).source = source
            nbformat.write(notebook, inbox / f"{name}.ipynb")
        run = subprocess.run([sys.executable, "-m", "grading", "grade", str(inbox), "--out", str(out), "--jobs", str(jobs)],
                             cwd=ROOT, capture_output=True, text=True)
        if not (out / "gradebook.csv").is_file():
            raise SystemExit(f"the grader wrote no gradebook:\n{run.stderr[-2000:]}")
        with open(out / "gradebook.csv", newline="") as f:
            graded = {row["submission"] for row in csv.DictReader(f)}
        verdicts = {}
        for name, (function, _) in entries.items():
            tests = _feedback_verdicts((out / "feedback" / f"{name}.md").read_text(), function) if name in graded else {}
            correct = bool(tests) and all(ok for title, ok in tests.items() if title not in SPEED_TITLES)
            verdicts[name] = (correct, any(ok for title, ok in tests.items() if title in SPEED_TITLES))
        return verdicts


# --- the run ---------------------------------------------------------------------------------------


def _load(path: Path):
    source = path.read_text()
    function = CLOSEST if f"def {CLOSEST}(" in source else CENTROIDS if f"def {CENTROIDS}(" in source else None
    if function is None:
        return None
    namespace = {"np": np}
    # numpy's error handling and print options are global: what one file sets at its top
    # (np.seterr(all="raise"), say) must not change how the next files' functions run here.
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(**np.geterr()), np.printoptions(**np.get_printoptions()):
        exec(compile(source, str(path), "exec"), namespace)
    return function, source, namespace[function]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Python files, each defining one of the graded functions")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    args = parser.parse_args(argv)
    entries, loaded = {}, {}
    for number, path in enumerate(sorted(args.folder.rglob("*.py"))):
        found = _load(path)
        if found is None:
            continue
        name = f"{number:03d}"
        entries[name] = found[:2]
        loaded[name] = (path.relative_to(args.folder).as_posix(), found[0], found[2])
    grader = grader_verdicts(entries, args.jobs)
    rows, disagree = [], 0
    # functions; public = grader; public = independent; grader = independent; speed note = grader's speed test
    counts = {function: [0, 0, 0, 0, 0] for function in GRADED_FUNCTIONS}
    for name, (label, function, implementation) in loaded.items():
        (public, note), right = public_verdict(function, implementation), independent_verdict(function, implementation)
        correct, speed = grader[name]
        # The note agrees when it warns exactly where the grader took the point ("only just" either way).
        note_agrees = note == "just" or (note == "slow") == (not speed) or not (public and correct)
        tally = counts[function]
        tally[0] += 1
        tally[1] += public == correct
        tally[2] += public == right
        tally[3] += correct == right
        tally[4] += note_agrees
        disagree += public != correct or not note_agrees
        rows.append(f"{label:<28} {function:<23} {'right' if right else 'wrong':<6} public {'pass' if public else 'FAIL'}"
                    f"{' (' + note + ')' if note else '':<8}  grader {'all correctness points' if correct else 'FAILS a test':<22}"
                    f"  speed {'pass' if speed else 'fail'}"
                    f"{'   <- DISAGREE' if public != correct or not note_agrees else ''}")
    print("\n".join(rows))
    for function, (total, agree, public_right, grader_right, notes) in counts.items():
        print(f"{function}: {total} functions; public test and grader agree on {agree}; the public test agrees with "
              f"the independent verdict on {public_right}, the grader on {grader_right}; the speed note and the "
              f"grader's speed test on {notes}")
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
