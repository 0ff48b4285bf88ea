"""The Gradescope autograder bundle, run in a temporary root laid out as Gradescope lays out /autograder."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grading.grade.gradescope import gradescope_results, main as convert
from grading.instructor_notebook import SOURCE_NOTEBOOK
from submissions import CENTROIDS_RIGHT, INSTRUCTOR, answered

WRONG = answered(closest="idx = np.argmin(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1) + 1",
                 centroids=CENTROIDS_RIGHT)


def _grader(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grading", *map(str, args)], capture_output=True, text=True,
                          cwd=SOURCE_NOTEBOOK.parent, timeout=300)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    run = _grader("gradescope", "--out", out)
    assert run.returncode == 0 and "wrote" in run.stdout, run.stderr
    return out


def _autograde(bundle: Path, root: Path, uploads: dict[str, object]) -> dict:
    """Unpack the bundle as Gradescope does, upload files, run run_autograder; Gradescope's results."""
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name, content in uploads.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    if results["output"].startswith("Not graded:") and "no sandbox" in results["output"]:  # the bundle requires it
        if os.environ.get("CI") == "true":
            pytest.fail(f"the sandbox is required in CI: {results['output']}")
        pytest.skip(f"no sandbox on this machine: {results['output']}")
    return results


def _gradebook_row(root: Path) -> dict:
    with open(root / "results" / "grading" / "gradebook.csv", newline="") as f:
        return next(csv.DictReader(f))


def test_the_bundle_holds_the_grader_and_the_two_scripts(bundle):
    with zipfile.ZipFile(bundle) as archive:
        members = {info.filename: info for info in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(members[script].external_attr >> 16) == 0o755
    assert {"image_compression.ipynb", "grading/cli.py", "grading/hidden_tests/cases.py", "course/mistakes.py",
            "public_tests.py", "requirements.txt"} <= set(members)
    assert not any(name.startswith(("tests/", "bench/", "docs/", ".git")) or name == "compress.py" for name in members)
    subprocess.run(["bash", "-n", "/dev/stdin"], input=zipfile.ZipFile(bundle).read("setup.sh"), check=True)


def test_the_same_sources_give_the_same_bundle(bundle, tmp_path):
    assert _grader("gradescope", "--out", tmp_path / "again.zip").returncode == 0
    assert (tmp_path / "again.zip").read_bytes() == bundle.read_bytes()


@pytest.mark.parametrize("submission, total", [(INSTRUCTOR, 20.0), (WRONG, 10.0)], ids=["right", "wrong"])
def test_gradescopes_results_are_the_gradebooks(bundle, tmp_path, submission, total):
    results = _autograde(bundle, tmp_path / "autograder", {"image_compression.ipynb": submission})
    row = _gradebook_row(tmp_path / "autograder")
    assert results["score"] == float(row["total"]) == total
    tests = results["tests"]
    assert len(tests) == 20 and len({t["name"] for t in tests}) == 20
    assert sum(t["score"] for t in tests) == results["score"] and sum(t["max_score"] for t in tests) == 20
    assert all(set(t) >= {"name", "score", "max_score", "output", "visibility"} for t in tests)
    assert results["visibility"] == "visible" and results["output"].startswith(row["message"])
    if total < 20:
        failed = [t for t in tests if t["score"] < t["max_score"]]
        assert failed and all("one more than expected" in t["output"] for t in failed if "speed" not in t["name"])


def test_a_notebook_of_another_name_alone_is_graded(bundle, tmp_path):
    results = _autograde(bundle, tmp_path / "autograder", {"hw/my_work.ipynb": INSTRUCTOR})
    assert results["score"] == 20.0


@pytest.mark.parametrize("uploads, found", [
    ({"notes.txt": b"no notebook"}, "none"),
    ({"a.ipynb": INSTRUCTOR, "b.ipynb": INSTRUCTOR}, "a.ipynb, b.ipynb"),
])
def test_an_upload_without_one_notebook_scores_0_and_says_what_to_upload(bundle, tmp_path, uploads, found):
    results = _autograde(bundle, tmp_path / "autograder", uploads)
    assert results["score"] == 0.0 and f"Upload one notebook, image_compression.ipynb (found: {found})" in results["output"]


def test_without_the_sandbox_the_output_says_so(tmp_path):
    """A container without user namespaces: the grader falls back to process isolation, and says so."""
    submission = tmp_path / "submission"
    submission.mkdir()
    nbformat.write(INSTRUCTOR, submission / "image_compression.ipynb")
    run = _grader("grade", submission, "--out", tmp_path / "grading", "--sandbox", "off")
    assert run.returncode == 0, run.stderr
    results = gradescope_results(submission, tmp_path / "grading")
    assert results["score"] == 20.0
    assert "Graded without the sandbox, so this score could have been forged" in results["output"]
    assert "process isolation" in results["output"]


def test_a_bundle_needs_a_zip_name(tmp_path):
    run = _grader("gradescope", "--out", tmp_path / "autograder")
    assert run.returncode == 2 and ".zip" in run.stderr and len(run.stderr.splitlines()) == 1


def test_the_bundle_grades_only_in_the_sandbox_unless_told(bundle, tmp_path):
    script = zipfile.ZipFile(bundle).read("run_autograder").decode()
    assert "--sandbox require" in script
    assert _grader("gradescope", "--out", tmp_path / "open.zip", "--allow-unsandboxed").returncode == 0
    assert "--sandbox auto" in zipfile.ZipFile(tmp_path / "open.zip").read("run_autograder").decode()


def test_without_the_sandbox_the_required_bundle_gives_0_and_the_reason(tmp_path):
    """Where the container cannot make the sandbox, the grader refuses (status 2, one line): the result says why."""
    (tmp_path / "submission").mkdir()
    nbformat.write(INSTRUCTOR, tmp_path / "submission" / "image_compression.ipynb")
    (tmp_path / "grading.log").write_text("python -m grading: error: no sandbox (--sandbox require): bwrap cannot "
                                          "make the sandbox here: No permissions to create a new namespace\n")
    convert([str(tmp_path / "submission"), str(tmp_path / "grading"), str(tmp_path / "results.json")])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0.0 and results["output"].startswith("Not graded: python -m grading: error: no sandbox")
