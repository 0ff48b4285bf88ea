"""The notebook in a real nbgrader course (nbgrader 0.9.6, in .venv-nbgrader): a whole round, its points against ours.

generate_assignment, three submissions (right, a wrong compute_centroids, a wrong
find_closest_centroids), autograde, export, generate_feedback; the notebooks run in this
environment's kernel, as a course's would. nbgrader scores the public test cells, all or nothing
a cell, so where a wrong function makes another function's test cell fail too, nbgrader's total
is lower than ours: the third submission shows it (docs/grading.md, "In an nbgrader course").
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading import settings
from grading.instructor_notebook import SOURCE_NOTEBOOK
from grading.release.leaks import solution_needles
from grading.release.learner_files import learner_files
from submissions import INSTRUCTOR, solved

ROOT = SOURCE_NOTEBOOK.parent
NBGRADER = ROOT / ".venv-nbgrader" / "bin" / "nbgrader"
ONE_MORE = "idx = np.argmin(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1) + 1"
CLASS = {
    "alice": INSTRUCTOR,
    "bob": solved(centroids="centroids = np.zeros((K, n))"),
    "carol": solved(closest=ONE_MORE),
}
OURS = {"alice": 20.0, "bob": 10.0, "carol": 10.0}
NBGRADERS = {"alice": 20.0, "bob": 10.0, "carol": 0.0}  # carol's wrong labels also fail compute_centroids' test cell


def _nbgrader(course: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    if not NBGRADER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nbgrader is not installed: make test installs it in .venv-nbgrader")
        pytest.skip("nbgrader is not installed (make .venv-nbgrader/.installed, or make test)")
    root = tmp_path_factory.mktemp("nbgrader")
    course, jupyter = root / "course", root / "jupyter"
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(jupyter), "--name", "image-compression"],
                   check=True, capture_output=True)
    source = course / "source" / "ps1"
    for relative in [*learner_files(ROOT), Path("image_compression.ipynb")]:
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, source / relative)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        'c.CourseDirectory.course_id = "image-compression"\n'
        "c.ExecutePreprocessor.timeout = 300  # as docs/grading.md advises: the default 30 s stops the K sweep\n"
        'c.ExecutePreprocessor.kernel_name = "image-compression"\n')
    env = {**os.environ, "JUPYTER_PATH": str(jupyter / "share" / "jupyter"),
           "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ['PATH']}"}  # nbgrader runs alembic from its environment
    _nbgrader(course, env, "generate_assignment", "ps1")
    for student, notebook in CLASS.items():
        folder = course / "submitted" / student / "ps1"
        shutil.copytree(source, folder)
        nbformat.write(notebook, folder / "image_compression.ipynb")
        _nbgrader(course, env, "db", "student", "add", student)
    _nbgrader(course, env, "autograde", "ps1")
    _nbgrader(course, env, "export")
    _nbgrader(course, env, "generate_feedback", "ps1")
    return course


def test_nbgrader_releases_the_exercises_without_their_solutions(course):
    released = nbformat.read(course / "release" / "ps1" / "image_compression.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in released.cells)
    assert "BEGIN SOLUTION" not in text and text.count("raise NotImplementedError()") == 3
    needles = solution_needles(INSTRUCTOR)
    assert len(needles) > 10 and [needle for needle in needles if needle in text] == []


def test_nbgraders_points_are_the_graders_where_no_cell_cascades(course, tmp_path):
    with open(course / "grades.csv", newline="") as f:
        theirs = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    assert theirs == {student: (score, 20.0) for student, score in NBGRADERS.items()}
    inbox = tmp_path / "class"
    inbox.mkdir()
    for student, notebook in CLASS.items():
        nbformat.write(notebook, inbox / f"{student}.ipynb")
    run = subprocess.run([sys.executable, "-m", "grading", "grade", str(inbox), "--out", str(tmp_path / "grades")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "grades" / "gradebook.csv", newline="") as f:
        ours = {row["submission"]: float(row["total"]) for row in csv.DictReader(f)}
    assert ours == OURS
    assert {s for s in CLASS if ours[s] == theirs[s][0]} == {"alice", "bob"}


def test_the_notebooks_nbgrader_cells_carry_the_graders_points():
    cells = {cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]
             for cell in INSTRUCTOR.cells if "nbgrader" in cell.metadata}
    assert {name: cell["points"] for name, cell in cells.items() if cell["grade"]} == {
        f"{function}_test": points for function, points in settings.POINTS.items()}
    solution_cells = {name for name, cell in cells.items() if cell["solution"]}
    assert solution_cells == {cell.source.split("(")[0].removeprefix("def ") for cell in INSTRUCTOR.cells
                              if "### BEGIN SOLUTION" in cell.source}


def test_nbgraders_html_feedback_shows_the_animation(course):
    html = (course / "feedback" / "alice" / "ps1" / "image_compression.html").read_text()
    assert html.count("data:image/gif;base64,") == 1 and "IPython.core.display" not in html
