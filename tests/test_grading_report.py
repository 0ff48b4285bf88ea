"""The class report (report.md, report.png): what the class got, failed, mistook and shared, told truly."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from grading.grade.gradebook import points
from grading.grade.report import KnownCode, class_report, write_report
from grading.grade.results import read_results
from grading.grade.similarity import fingerprint
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, INSTRUCTOR, RELEASED, answered, grade_folder

ONE_MORE = "idx = np.argmin(((X[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1) + 1"
# The same right answer as CLOSEST_RIGHT, with other names, a comment and other spacing.
CLOSEST_RENAMED = """
# squared distances, dropping |x|^2, which every centroid shares
norms=np.sum( np.asarray(centroids,dtype=float)**2 ,axis=1) - 2*(np.asarray(X,dtype=float) @ np.asarray(centroids,dtype=float).T)
idx = np.argmin(norms, axis=1)
"""
CLASS = {
    "ana": INSTRUCTOR,
    "ben": INSTRUCTOR,
    "cy": answered(closest=CLOSEST_RIGHT, centroids=CENTROIDS_RIGHT),
    "dee": answered(closest=CLOSEST_RENAMED, centroids=CENTROIDS_RIGHT),
    "eve": answered(closest=ONE_MORE, centroids=CENTROIDS_RIGHT),
    "fay": answered(closest=ONE_MORE, centroids=CENTROIDS_RIGHT.replace("counts[:, None]", "(counts[:, None] + 1)")),
    "gus": RELEASED,
    "hal": RELEASED,
    "<img src=x>": INSTRUCTOR,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    run, rows, out = grade_folder(tmp_path_factory, "report", CLASS)
    assert run.returncode == 0, run.stderr
    return rows, out, (out / "report.md").read_text()


def test_the_report_counts_the_class(graded):
    rows, _, report = graded
    assert f"{len(CLASS)} submissions; mean" in report
    totals = sorted(float(row["total"]) for row in rows.values())
    assert f"mean {points(sum(totals) / len(totals))} / 20" in report
    table = dict(re.findall(r"^\| ([\d.]+) / 20 \| (\d+) \|", report, re.M))
    assert sum(map(int, table.values())) == len(CLASS)
    assert int(table["20"]) == sum(t == 20 for t in totals)


def test_each_tests_pass_rate_is_the_gradebooks(graded):
    _, out, report = graded
    _, results = read_results(out / "results.json")
    for title in ("500 examples in the plane (n = 2), K = 3", "speed on 100,000 pixels x 3 channels, K = 4"):
        passed = sum(t.passed for r in results for t in r.tests if t.title == title)
        assert re.search(rf"\| {re.escape(title)} \| {passed} of {len(CLASS)} \|", report), title


def test_the_most_common_mistake_is_named_with_its_share(graded):
    report = graded[2]
    share = 2 / len(CLASS)
    line = next(line for line in report.splitlines() if "every label is one more than expected" in line)
    assert line.startswith(f"- {100 * share:.0f} % of the class (2 of {len(CLASS)}): `find_closest_centroids`:")
    assert any("not implemented" in line and "(2 of" in line for line in report.splitlines())


def test_the_same_code_is_grouped_whatever_its_names_comments_and_spacing(graded):
    report = graded[2]
    section = report.split("## Submissions with the same code", 1)[1]
    assert "- 3 submissions (the reference solution's code): &lt;img src=x&gt;, ana, ben" in section
    assert "- 2 submissions: cy, dee" in section
    assert "2 submissions wrote neither function" in section
    assert "eve" not in section and "fay" not in section


def test_learner_names_are_inert_in_the_report(graded):
    report = graded[2]
    assert "<img" not in report and "&lt;img src=x&gt;" in report


def test_the_figure_shows_the_scores(graded):
    _, out, report = graded
    image = Image.open(out / "report.png")
    assert image.format == "PNG" and image.size == (700, 320) and "](report.png)" in report
    pixels = np.asarray(image.convert("RGB"))
    assert (np.abs(pixels.astype(int) - [0x44, 0x77, 0xAA]).sum(axis=2) < 30).sum() > 500  # the bars are drawn


def test_the_report_is_the_same_for_the_same_class(graded, tmp_path):
    _, out, _ = graded
    _, results = read_results(out / "results.json")
    write_report(results, tmp_path)
    assert (tmp_path / "report.png").read_bytes() == (out / "report.png").read_bytes()
    assert class_report(results, KnownCode(), "report.png") == (tmp_path / "report.md").read_text()


def test_one_submission_gets_a_report_without_a_figure(tmp_path):
    (tmp_path / "report.png").write_bytes(b"an earlier class's figure")
    write_report([], tmp_path)
    assert (tmp_path / "report.md").read_text() == "# Class report\n\nNo submissions were graded.\n"
    assert not (tmp_path / "report.png").exists()


def test_fingerprints_ignore_names_comments_docstrings_and_layout():
    functions = ("f",)
    a = 'def f(X, c):\n    """Doc."""\n    # why\n    d = ((X[:, None] - c) ** 2).sum(2)\n    return d.argmin(1)\n'
    b = "def f(points,  centres):\n    dist=((points[:,None]-centres)**2).sum(2)   # x\n    return dist.argmin(1)"
    assert fingerprint([a], functions) == fingerprint([b], functions) != ""
    assert fingerprint([a.replace("argmin", "argmax")], functions) != fingerprint([a], functions)
    assert fingerprint([a.replace("** 2", "** 3")], functions) != fingerprint([a], functions)
    assert fingerprint(["def g(): pass"], functions) == "" and fingerprint(["def f(:"], functions) == ""
    assert fingerprint(["def f(): return 1", "def f(): return 2"], functions) == fingerprint(["def f(): return 2"], functions)


def test_a_name_cannot_add_columns_to_a_table():
    from grading.grade.scores import SubmissionResult

    report = class_report([SubmissionResult("x | 99.0 | ok", seconds=3.0), SubmissionResult("y", seconds=1.0)])
    row = next(line for line in report.splitlines() if line.startswith("| x"))
    assert row.replace("\\|", "").count("|") == 4, row
