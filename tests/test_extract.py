"""Reading a submission and picking out what the grader runs (grading/grade/submission.py)."""

from __future__ import annotations

import copy
import json
import os

import nbformat
import pytest

from grading.grade.submission import InvalidSubmission, extract, read_submission
from grading.instructor_notebook import SOURCE_NOTEBOOK, graded_cells
from grading.release.learner_copy import learner_notebook


@pytest.fixture(scope="module")
def instructor():
    return nbformat.read(SOURCE_NOTEBOOK, as_version=4)


def _copy(notebook):
    return copy.deepcopy(notebook)


def _closest_cell(notebook):
    return graded_cells(notebook)[0]


def test_the_instructors_notebook_gives_its_two_graded_cells_and_numpys_import(instructor):
    extraction = extract(instructor)
    assert extraction.imports == ["import numpy as np"]  # utils, public_tests, pyplot: not needed
    assert [cell.functions for cell in extraction.cells] == [["find_closest_centroids"], ["compute_centroids"]]
    assert [cell.source for cell in extraction.cells] == [cell.source for cell in graded_cells(instructor)]
    assert extraction.missing == [] and extraction.notes == []


def test_only_imports_that_bind_a_name_the_graded_cells_use_are_kept(instructor):
    notebook = _copy(instructor)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(
        "import os, sys\nfrom scipy.spatial.distance import cdist as pairwise, euclidean\nfrom math import *\n"
        "if True:\n    import json  # not at top level\nx = 1"))
    cell = _closest_cell(notebook)
    cell.source = cell.source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    d = pairwise(X, centroids)")
    extraction = extract(notebook)
    assert extraction.imports == [
        "import numpy as np",
        "from scipy.spatial.distance import cdist as pairwise, euclidean",
        "from math import *",
    ]


def test_a_lost_tag_falls_back_to_the_last_cell_defining_the_function_and_says_so(instructor):
    notebook = _copy(instructor)
    lost = _closest_cell(notebook)
    lost.metadata["tags"] = []
    earlier = nbformat.v4.new_code_cell("def find_closest_centroids(X, centroids):\n    return None")
    notebook.cells.insert(3, earlier)
    extraction = extract(notebook)
    assert extraction.cells[0].source == lost.source  # the last definition, as a kernel would have it
    assert any("No cell tagged 'graded' defines find_closest_centroids" in note for note in extraction.notes)


def test_several_tagged_cells_defining_a_function_grade_the_last(instructor):
    notebook = _copy(instructor)
    duplicate = copy.deepcopy(_closest_cell(notebook))
    duplicate.source = duplicate.source.replace("return idx", "return idx + 1")
    notebook.cells.append(duplicate)
    extraction = extract(notebook)
    assert extraction.cells[-1].source.endswith("return idx + 1")
    assert any("2 cells tagged 'graded' define find_closest_centroids" in note for note in extraction.notes)


def test_a_deleted_graded_cell_is_missing(instructor):
    notebook = _copy(instructor)
    notebook.cells.remove(graded_cells(notebook)[1])
    extraction = extract(notebook)
    assert extraction.missing == ["compute_centroids"]
    assert [cell.functions for cell in extraction.cells] == [["find_closest_centroids"]]


def test_magics_are_neutralised_keeping_line_numbers_and_reported(instructor):
    notebook = _copy(instructor)
    cell = _closest_cell(notebook)
    cell.source = "%%time\n" + cell.source.replace("    K = centroids.shape[0]", "    %timeit 1 + 1\n    K = centroids.shape[0]")
    cell.source += "\n!echo done"
    extraction = extract(notebook)
    source = extraction.cells[0].source
    assert source.split("\n")[0] == "" and "    pass\n    K = centroids.shape[0]" in source and source.endswith("\npass")
    assert len(source.split("\n")) == len(cell.source.split("\n"))
    compile(source, "cell", "exec")
    assert any("IPython syntax" in note and "%timeit 1 + 1" in note for note in extraction.notes)


def test_a_cell_with_a_syntax_error_is_still_found_by_its_def_line(instructor):
    notebook = _copy(instructor)
    cell = graded_cells(notebook)[1]
    cell.source = cell.source.replace("m, n = X.shape", "m, n = X.shape)")
    extraction = extract(notebook)
    assert [cell.functions for cell in extraction.cells] == [["find_closest_centroids"], ["compute_centroids"]]
    assert extraction.cells[1].source == cell.source  # sent as it is: the learner's process reports the SyntaxError


def test_names_defined_outside_the_graded_cells_are_pointed_out(instructor):
    notebook = _copy(instructor)
    notebook.cells.insert(5, nbformat.v4.new_code_cell("def squared(a):\n    return a ** 2\nLIMIT = 3"))
    cell = _closest_cell(notebook)
    cell.source = cell.source.replace("squared_norms = np.sum(centroids**2, axis=1)", "squared_norms = np.sum(squared(centroids), axis=1)")
    extraction = extract(notebook)
    note = next(note for note in extraction.notes if "`squared`" in note)
    assert "cell 6 of the notebook, which the grader does not run" in note
    assert "LIMIT" not in note  # not used by the graded cells


@pytest.mark.parametrize("content, reason", [
    (b"", "not JSON"),
    (b"this is not json {", "not JSON"),
    (bytes(range(256)), "not UTF-8"),
    (b"[" * 100_000, "not JSON"),
    (b"[1, 2, 3]", "not a notebook"),
    (b'{"cells": []}', "not a notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "not a notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}', "not a readable notebook"),
    (b'{"nbformat": 9, "nbformat_minor": 0, "metadata": {}, "cells": []}', "not a readable notebook"),
])
def test_malformed_files_are_invalid_with_a_one_line_reason(tmp_path, content, reason):
    path = tmp_path / "submission.ipynb"
    path.write_bytes(content)
    with pytest.raises(InvalidSubmission, match=reason) as caught:
        read_submission(path)
    assert "\n" not in str(caught.value)


def test_a_notebook_that_fails_validation_but_reads_is_graded_with_a_note(tmp_path, instructor):
    data = json.loads(nbformat.writes(learner_notebook(instructor)))
    data["cells"][0]["metadata"]["tags"] = "not a list"
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps(data))
    extraction = extract(read_submission(path))
    assert len(extraction.cells) == 2
    assert any("format check" in note for note in extraction.notes)


def test_the_format_note_is_the_graders_not_one_the_learner_wrote(tmp_path, instructor):
    data = json.loads(nbformat.writes(learner_notebook(instructor)))
    data["metadata"]["grading_validation"] = "Score: 20 / 20 <img src=x onerror=alert(1)>" * 100
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(data))
    assert not any("format check" in note for note in extract(read_submission(path)).notes)


def test_the_instructors_notebook_reached_through_a_link_is_no_submission(tmp_path):
    """A hard link (an archive's link member makes one) or a linked folder on the way (O_NOFOLLOW sees the last part only)."""
    course = tmp_path / "course"
    course.mkdir()
    instructors = course / "image_compression.ipynb"
    instructors.write_bytes(SOURCE_NOTEBOOK.read_bytes())
    os.link(instructors, tmp_path / "hard.ipynb")
    (tmp_path / "linked").symlink_to(course)
    for path in (tmp_path / "hard.ipynb", tmp_path / "linked" / instructors.name):
        with pytest.raises(InvalidSubmission, match="the instructor's notebook, reached through a link"):
            read_submission(path, (instructors,))
    assert read_submission(instructors, (instructors,)).cells  # given as it is, it is graded
