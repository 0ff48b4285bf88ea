"""The assignment in Otter-Grader's format (python -m grading otter), checked with Otter 7 itself (in .venv-otter).

Given the project's notebook as it is, ``otter assign`` writes a student copy holding every
solution, since Otter reads ``# BEGIN SOLUTION`` and the notebook carries nbgrader's ``### BEGIN
SOLUTION``. The export is what Otter expects: here ``otter assign`` releases it without a line of
any solution, and ``otter run`` grades with its questions as this grader's points say.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading import settings
from grading.instructor_notebook import SOURCE_NOTEBOOK
from grading.release.leaks import solution_needles
from submissions import INSTRUCTOR, solved

ROOT = SOURCE_NOTEBOOK.parent
OTTER = ROOT / ".venv-otter" / "bin" / "otter"


def _run(*command, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def assigned(tmp_path_factory) -> Path:
    if not OTTER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Otter-Grader is not installed: make test installs it in .venv-otter")
        pytest.skip("Otter-Grader is not installed (make .venv-otter/.installed, or make test)")
    root = tmp_path_factory.mktemp("otter")
    _run(sys.executable, "-m", "grading", "otter", "--out", root / "master", cwd=ROOT)
    _run(OTTER, "assign", root / "master" / "image_compression.ipynb", root / "dist", cwd=root)
    return root / "dist"


def _sources(path: Path) -> str:
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)


def test_otters_student_copy_holds_no_line_of_any_solution(assigned):
    student = _sources(assigned / "student" / "image_compression.ipynb")
    needles = solution_needles(INSTRUCTOR)
    assert len(needles) > 10 and [needle for needle in needles if needle in student] == []
    assert "BEGIN SOLUTION" not in student
    for function in ("find_closest_centroids", "compute_centroids", "kmeans_plus_plus_init"):
        cell = next(c.source for c in nbformat.read(assigned / "student" / "image_compression.ipynb", as_version=4).cells
                    if c.source.startswith(f"def {function}("))
        assert "\n    ...\n" in cell, cell[-300:]
    assert all(needle in _sources(assigned / "autograder" / "image_compression.ipynb") for needle in needles[:3])


def test_otters_questions_are_the_graded_functions_with_their_points(assigned):
    student = _sources(assigned / "student" / "image_compression.ipynb")
    for function in settings.POINTS:
        assert f'grader.check("{function}")' in student
    config = json.loads((assigned / "autograder" / "otter_config.json").read_text())
    assert config.get("assignment_name") == "image_compression"


def test_otter_grades_a_right_and_a_wrong_submission_as_this_grader_does(assigned, tmp_path):
    zips = sorted((assigned / "autograder").glob("*.zip"))
    assert len(zips) == 1
    scores = {}
    otter_metadata = nbformat.read(assigned / "student" / "image_compression.ipynb", as_version=4).metadata["otter"]
    for name, notebook in (("right", INSTRUCTOR), ("wrong", solved(centroids="centroids = np.zeros((K, n))"))):
        folder = tmp_path / name
        folder.mkdir()
        notebook = nbformat.from_dict(notebook)
        notebook.metadata["otter"] = otter_metadata  # as in the student copy a learner starts from
        nbformat.write(notebook, folder / "image_compression.ipynb")
        _run(OTTER, "run", "-a", zips[0], "-o", folder, folder / "image_compression.ipynb", cwd=folder)
        results = json.loads((folder / "results.json").read_text())
        scores[name] = sum(test["score"] for test in results["tests"] if "score" in test)  # "Public Tests" has none
    assert scores == {"right": 20.0, "wrong": 10.0}


def test_otters_tests_do_not_call_a_test_the_learner_redefined(assigned, tmp_path):
    """A cell that replaces the public test functions by name does not pass Otter's tests."""
    zips = sorted((assigned / "autograder").glob("*.zip"))
    notebook = nbformat.from_dict(solved(closest="idx = np.zeros(X.shape[0], dtype=int)",
                                         centroids="centroids = np.zeros((K, n))"))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "find_closest_centroids_test = compute_centroids_test = lambda function: None"))
    notebook.metadata["otter"] = nbformat.read(assigned / "student" / "image_compression.ipynb", as_version=4).metadata["otter"]
    nbformat.write(notebook, tmp_path / "image_compression.ipynb")
    _run(OTTER, "run", "-a", zips[0], "-o", tmp_path, tmp_path / "image_compression.ipynb", cwd=tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    assert sum(test["score"] for test in results["tests"] if "score" in test) == 0


def test_the_notebook_as_it_is_would_hand_otter_users_every_solution(assigned, tmp_path):
    """Why the export exists (docs/grading.md): Otter does not read nbgrader's markers, and says nothing."""
    (tmp_path / "as-is").mkdir()
    (tmp_path / "as-is" / "image_compression.ipynb").write_bytes(SOURCE_NOTEBOOK.read_bytes())
    _run(OTTER, "assign", tmp_path / "as-is" / "image_compression.ipynb", tmp_path / "dist", cwd=tmp_path / "as-is")
    student = _sources(tmp_path / "dist" / "student" / "image_compression.ipynb")
    assert all(needle in student for needle in solution_needles(INSTRUCTOR))
