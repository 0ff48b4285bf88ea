"""The assignment as an Otter-Grader master notebook: what ``otter assign`` expects, so it hands out no solution.

Otter reads its own markers: an ``ASSIGNMENT CONFIG`` raw cell, questions between ``BEGIN
QUESTION`` and ``END QUESTION`` raw cells, ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines, and test
cells between ``BEGIN TESTS`` and ``END TESTS``. Given this project's notebook as it is, whose
solution markers are nbgrader's ``### BEGIN SOLUTION``, ``otter assign`` writes a student notebook
with every solution in it. ``python -m grading otter --out DIR`` writes the master notebook Otter
needs into DIR, with the learner's files beside it:

- each graded function's exercise cell is a question worth its ``POINTS``: the cell in a solution
  block, its solution regions marked Otter's way, then one test cell that runs the function's
  public test silently (it raises on a wrong answer, so Otter's test fails);
- the optional exercise's solution regions are marked Otter's way too, outside any question
  (``strip_solutions_from_all_cells``);
- every other cell is as it is, so the learners read the same notebook.

Otter then grades with the public tests only, all or nothing a question, as nbgrader does, and in
the learner's own kernel: a determined submission can still change what a test sees (the files
beside it, Python's own modules). Grades that cannot be forged come from ``python -m grading``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from grading import settings
from grading.instructor_notebook import BEGIN_SOLUTION, END_SOLUTION, GRADED_FUNCTIONS, solution_regions
from grading.outputs import replacing_folder
from grading.release.learner_files import learner_files

__all__ = ["OTTER_BEGIN", "OTTER_END", "otter_master", "write_otter_master"]

OTTER_BEGIN, OTTER_END = "# BEGIN SOLUTION", "# END SOLUTION"


def _config(files: list[str]) -> str:
    listed = "\n".join(f"    - {name}" for name in files)
    return ("# ASSIGNMENT CONFIG\n"
            "name: image_compression\n"
            "requirements: requirements.txt\n"
            "files:\n" + listed + "\n"
            "export_cell: false\n"
            "init_cell: true\n"  # otter.Notebook(), which the grader.check cells after each question need
            "check_all_cell: false\n"
            "strip_solutions_from_all_cells: true\n"  # the optional exercise's cell, outside any question
            "run_tests: false\n")


def _otter_markers(source: str) -> str:
    """``source`` with its solution markers written Otter's way, each at its own indentation."""
    if not solution_regions(source):
        return source
    lines = source.split("\n")
    for number, line in enumerate(lines):
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() == BEGIN_SOLUTION:
            lines[number] = indent + OTTER_BEGIN
        elif line.strip() == END_SOLUTION:
            lines[number] = indent + OTTER_END
    return "\n".join(lines)


# Otter runs its tests in the learner's own namespace: the public test is loaded from its file, not
# looked up by a name a learner's cell could have redefined. Otter's tests are doctests, which expect
# the output the cell had in the master notebook (none), so the success line is kept out; a wrong
# answer raises.
_TEST_CELL = """import contextlib, importlib.util, io
spec = importlib.util.spec_from_file_location("public_tests_for_otter", "public_tests.py")
checks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checks)
with contextlib.redirect_stdout(io.StringIO()):
    checks.{function}_test({function})"""


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def otter_master(notebook: nbformat.NotebookNode, files: list[str]) -> nbformat.NotebookNode:
    """The Otter master notebook of the instructor's ``notebook``; ``files`` are the support files Otter copies."""
    cells = [_raw(_config(files))]
    for cell in notebook.cells:
        cell = nbformat.from_dict(dict(cell))
        cell.metadata = nbformat.from_dict({key: value for key, value in cell.metadata.items() if key != "nbgrader"})
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        cell.source = _otter_markers(cell.source)
        cell.outputs, cell.execution_count = [], None
        function = next((f for f in GRADED_FUNCTIONS if cell.source.startswith(f"def {f}(")), None)
        if function is None:
            cells.append(cell)
            continue
        test = nbformat.v4.new_code_cell(_TEST_CELL.format(function=function))
        cells += [_raw(f"# BEGIN QUESTION\nname: {function}\npoints: {settings.POINTS[function]:g}"),
                  _raw(OTTER_BEGIN), cell, _raw(OTTER_END),
                  _raw("# BEGIN TESTS"), test, _raw("# END TESTS"), _raw("# END QUESTION")]
    master = nbformat.v4.new_notebook(cells=cells, metadata=nbformat.from_dict(dict(notebook.metadata)))
    return master


def write_otter_master(out: Path, source: Path) -> list[Path]:
    """Write the master notebook and the learner's files into the folder ``out`` (replaced whole).

    Returns the files written, relative to ``out``.
    """
    root = source.resolve().parent
    files = learner_files(root)
    tops = sorted({relative.parts[0] for relative in files})
    master = otter_master(nbformat.read(source, as_version=4), tops)
    with replacing_folder(out) as building:
        for relative in files:
            (building / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / relative, building / relative)
        nbformat.write(master, building / "image_compression.ipynb")
    return [*files, Path("image_compression.ipynb")]
