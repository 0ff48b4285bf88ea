"""Building submissions for the grader's tests, and grading a folder of them as an instructor would.

Submissions are made from the instructor's notebook (its solution regions replaced) or from the
learner's released copy (its ``# YOUR CODE HERE`` placeholders replaced), so that they are what a
learner would hand in.
"""

from __future__ import annotations

import copy
import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

from grading.grade.gradebook import feedback_file
from grading.instructor_notebook import GRADED_FUNCTIONS, SOURCE_NOTEBOOK, graded_cells, solution_regions
from grading.release.learner_copy import learner_notebook

CLOSEST, CENTROIDS = GRADED_FUNCTIONS
INSTRUCTOR = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
RELEASED = learner_notebook(INSTRUCTOR)

# Right, vectorised answers, for the exercise an attack leaves alone.
CLOSEST_RIGHT = """
d = np.sum(np.asarray(centroids, dtype=float) ** 2, axis=1) - 2 * (np.asarray(X, dtype=float) @ np.asarray(centroids, dtype=float).T)
idx = np.argmin(d, axis=1)
"""
CENTROIDS_RIGHT = """
counts = np.bincount(idx, minlength=K)
for j in range(n):
    centroids[:, j] = np.bincount(idx, weights=X[:, j], minlength=K)
with np.errstate(invalid="ignore"):
    centroids /= counts[:, None]
"""


def graded_cell(notebook, function):
    """The code cell that defines ``function``."""
    return next(cell for cell in graded_cells(notebook) if cell.source.startswith(f"def {function}("))


def _indented(body: str, indent: str) -> list[str]:
    return [f"{indent}{line}" if line else line for line in textwrap.dedent(body).strip("\n").split("\n")]


def solved(closest: str | None = None, centroids: str | None = None, notebook=INSTRUCTOR):
    """The instructor's notebook with a graded function's solution region replaced by ``closest`` / ``centroids``.

    The code runs where the solution did: after ``K``, ``idx`` (or ``m, n``, ``centroids``) are
    set up, before ``return idx`` (``return centroids``).
    """
    notebook = copy.deepcopy(notebook)
    for function, body in ((CLOSEST, closest), (CENTROIDS, centroids)):
        if body is None:
            continue
        cell = graded_cell(notebook, function)
        region = solution_regions(cell.source)[0]
        lines = cell.source.split("\n")
        lines[region.begin : region.end + 1] = _indented(body, region.indent)
        cell.source = "\n".join(lines)
    return notebook


def answered(closest: str | None = None, centroids: str | None = None, before: str = ""):
    """The released notebook as a learner hands it in: ``# YOUR CODE HERE`` and the line after it replaced.

    Parameters
    ----------
    closest, centroids : str, optional
        The code written in each exercise (indented like the placeholder); None leaves it unwritten.
    before : str
        Code the learner put at the top of the Exercise 2 cell, before the function (run when the
        graded cells are defined).
    """
    notebook = copy.deepcopy(RELEASED)
    for function, body in ((CLOSEST, closest), (CENTROIDS, centroids)):
        cell = graded_cell(notebook, function)
        lines = cell.source.split("\n")
        if body is not None:
            at = next(i for i, line in enumerate(lines) if line.strip() == "# YOUR CODE HERE")
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
            lines[at : at + 2] = _indented(body, indent)
        if function == CENTROIDS and before:
            lines = [*textwrap.dedent(before).strip("\n").split("\n"), "", *lines]
        cell.source = "\n".join(lines)
    return notebook


def edited(change):
    """The instructor's notebook after ``change(notebook)``."""
    notebook = copy.deepcopy(INSTRUCTOR)
    change(notebook)
    return notebook


def grade_folder(tmp_path_factory, name, submissions, malformed=None, options=(), folder=None):
    """Write the submissions into a folder (new, or ``folder``) and grade it through the command line, two at a time.

    Returns
    -------
    (subprocess.CompletedProcess, dict, pathlib.Path)
        The run, the gradebook's rows by submission name, and the output folder.
    """
    folder = folder or tmp_path_factory.mktemp(name)
    inbox = folder / "submissions"
    inbox.mkdir()
    for sub, notebook in submissions.items():
        nbformat.write(notebook, inbox / f"{sub}.ipynb")
    for sub, data in (malformed or {}).items():
        (inbox / f"{sub}.ipynb").write_bytes(data)
    out = folder / "grades"
    run = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(inbox), "--out", str(out), "--jobs", "2", *options],
        capture_output=True, text=True, cwd=SOURCE_NOTEBOOK.parent, timeout=600,
    )
    rows = {}
    if (out / "gradebook.csv").is_file():
        with open(out / "gradebook.csv", newline="") as f:
            rows = {row["submission"]: row for row in csv.DictReader(f)}
    return run, rows, out


# ``python -m grading`` run so that it says, last on stderr, the most memory its own process held
# (every job's thread included; the learners' processes are children and count apart), with an
# address-space limit well above what it needs, so that a grader without bounds fails instead of
# taking the machine's memory.
GRADER_ADDRESS_SPACE = 6 * 1024**3
_MEASURED_GRADER = """
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
try:
    runpy.run_module("grading", run_name="__main__", alter_sys=True)
finally:
    print(f"grader peak: {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}} KiB", file=sys.stderr)
"""


def measured_grader(*args: str) -> list[str]:
    """The command line of ``python -m grading *args``, as :data:`_MEASURED_GRADER` runs it."""
    return [sys.executable, "-c", _MEASURED_GRADER.format(limit=GRADER_ADDRESS_SPACE), *args]


def grader_peak_bytes(stderr: str | bytes) -> int:
    """The grader's peak resident memory, from the last line of a :func:`measured_grader` run's stderr."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    return int(text.rstrip().rsplit("grader peak: ", 1)[1].split(" KiB")[0]) * 1024


def feedback(out: Path, name: str) -> str:
    """A submission's feedback file."""
    return (out / "feedback" / feedback_file(name)).read_text()


def points(row) -> tuple[float, float, float, str]:
    """A gradebook row's points per function, total and status."""
    return float(row[CLOSEST]), float(row[CENTROIDS]), float(row["total"]), row["status"]
