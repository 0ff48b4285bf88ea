"""Read the instructor's notebook: its graded cells and the reference solution they contain.

The notebook is the one source of truth for the solutions. Graded functions live in code cells
tagged ``graded``; each solution sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
(nbgrader's convention). This module finds those cells and turns them into callable functions,
for the tests, the benchmarks and the grader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "ARGUMENT_NAMES",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "GRADED_TAG",
    "OPTIONAL_TAG",
    "GRADED_FUNCTIONS",
    "SOURCE_NOTEBOOK",
    "SolutionMarkerError",
    "SolutionRegion",
    "graded_cells",
    "load_reference",
    "solution_regions",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
GRADED_TAG = "graded"
# An ungraded exercise (Going further): its solution regions are cleared in the learner's copy as
# a graded one's are, and the grader never looks at it.
OPTIONAL_TAG = "optional"
GRADED_FUNCTIONS = ("find_closest_centroids", "compute_centroids")
# Each graded function's parameters, in order, as the notebook names them: the feedback and the
# learner's process call the inputs by these names.
ARGUMENT_NAMES = {"find_closest_centroids": ("X", "centroids"), "compute_centroids": ("X", "idx", "K")}
SOURCE_NOTEBOOK = Path(__file__).resolve().parent.parent / "image_compression.ipynb"


class SolutionMarkerError(ValueError):
    """A ``### BEGIN SOLUTION`` / ``### END SOLUTION`` pair that is nested, unclosed or unopened."""


@dataclass(frozen=True)
class SolutionRegion:
    """One solution region of a cell's source.

    Attributes
    ----------
    begin, end : int
        0-based line numbers of the ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines.
    indent : str
        The white space before ``### BEGIN SOLUTION``: the placeholder is indented like it.
    lines : tuple of str
        The solution: the lines strictly between the two markers, as written.
    """

    begin: int
    end: int
    indent: str
    lines: tuple[str, ...]


def solution_regions(source: str) -> list[SolutionRegion]:
    """The solution regions of a cell's source, in order.

    A marker is a line that is exactly ``### BEGIN SOLUTION`` or ``### END SOLUTION`` once
    stripped of surrounding white space (nbgrader's rule: a marker inside other text is not one).

    Raises
    ------
    SolutionMarkerError
        For a region opened inside another, an END without a BEGIN, or a BEGIN never closed:
        guessing where such a region ends could hand a solution to the learners.
    """
    regions = []
    lines = source.split("\n")
    begin = None
    for number, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if begin is not None:
                raise SolutionMarkerError(f"line {number + 1}: {BEGIN_SOLUTION} inside another solution region")
            begin = number
        elif marker == END_SOLUTION:
            if begin is None:
                raise SolutionMarkerError(f"line {number + 1}: {END_SOLUTION} without a {BEGIN_SOLUTION}")
            opener = lines[begin]
            regions.append(SolutionRegion(begin, number, opener[: len(opener) - len(opener.lstrip())],
                                          tuple(lines[begin + 1 : number])))
            begin = None
    if begin is not None:
        raise SolutionMarkerError(f"line {begin + 1}: {BEGIN_SOLUTION} is never closed by {END_SOLUTION}")
    return regions


def graded_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells tagged ``graded``, in notebook order."""
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and GRADED_TAG in cell.get("metadata", {}).get("tags", [])
    ]


def load_reference(path: str | os.PathLike = SOURCE_NOTEBOOK) -> dict:
    """Execute the graded cells of the instructor's notebook and return the graded functions.

    Parameters
    ----------
    path : str or path-like
        The instructor's notebook (default: the repository's ``image_compression.ipynb``).

    Returns
    -------
    dict
        ``{"find_closest_centroids": function, "compute_centroids": function}``.
    """
    notebook = nbformat.read(os.fspath(path), as_version=4)
    namespace: dict = {}
    exec("import numpy as np", namespace)  # the notebook's own import, made in its first cell
    for cell in graded_cells(notebook):
        exec(compile(cell.source, f"{Path(path).name}[graded]", "exec"), namespace)
    missing = [name for name in GRADED_FUNCTIONS if name not in namespace]
    if missing:
        raise ValueError(f"{path}: no graded cell defines {', '.join(missing)}")
    return {name: namespace[name] for name in GRADED_FUNCTIONS}
