"""Write the learner's copy of the assignment: ``python -m grading release --out DIR``.

The learner's notebook is the instructor's with every solution region replaced by a placeholder
(nbgrader's ``ClearSolutions`` behaviour), every output and execution count cleared, and cell
metadata cut down to the tags. Next to it go the files the notebook imports or reads, copied byte
for byte, and a short README. The release is built in a temporary folder next to DIR, scanned for
solution lines and hidden-test text (:mod:`grading.release.leaks`), and only then renamed to DIR: a failed
release leaves nothing behind that could be handed out by mistake.

The same source gives the same bytes on every run: fixed JSON formatting (``nbformat.write``),
sorted file walks, file contents copied without their metadata, no timestamps.
"""

from __future__ import annotations

import ast
import copy
import os
import shutil
from pathlib import Path

import nbformat

from grading import settings
from grading.instructor_notebook import GRADED_TAG, OPTIONAL_TAG, SOURCE_NOTEBOOK, SolutionMarkerError, solution_regions
from grading.outputs import replacing_folder
from grading.release.leaks import find_leaks, hidden_test_needles, solution_needles
from grading.release.learner_files import MissingLearnerFile, learner_files

__all__ = ["ReleaseError", "check_allowed_modules", "learner_notebook", "placeholder", "write_release"]

LEARNER_README = Path(__file__).with_name("learner_readme.md")
# Notebook-level metadata a learner's Jupyter needs; anything else is the instructor's.
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")


class ReleaseError(Exception):
    """The release cannot be written; the message is one line for the instructor."""


def check_allowed_modules(public_tests: Path, allowed_packages: tuple[str, ...] | None) -> None:
    """Refuse a release whose public tests refuse other imports than the grader does.

    ``public_tests.ALLOWED_MODULES`` must name the top-level modules of the distributions
    ``allowed_packages`` lets graded cells import (``settings.ALLOWED_PACKAGES``, with what they
    depend on), or be None when that is None: otherwise a learner's public test would fail a
    function the grader accepts, or pass one it gives nothing.

    Raises
    ------
    ReleaseError
        Saying which tuple to write in ``public_tests.py``.
    """
    from grading.packages import PackageError, allowed_modules

    try:
        expected = None if allowed_packages is None else tuple(allowed_modules(allowed_packages))
    except PackageError as exc:
        raise ReleaseError(str(exc)) from None
    tree = ast.parse(public_tests.read_text())
    value = next((node.value for node in tree.body
                  if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "ALLOWED_MODULES" for t in node.targets)
                  or isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "ALLOWED_MODULES"), None)
    try:
        written = ast.literal_eval(value) if value is not None else "missing"
    except ValueError:
        written = "not a literal"
    if written is not None and not isinstance(written, str):
        written = tuple(sorted(written))
    if written != expected:
        raise ReleaseError(f"{public_tests.name}'s ALLOWED_MODULES is {written!r} but the grader's ALLOWED_PACKAGES lets "
                           f"graded cells import {expected!r}: write ALLOWED_MODULES = {expected!r} in {public_tests.name}")


def placeholder(function_name: str | None, indent: str) -> list[str]:
    """The two lines that replace a solution region.

    The notebook's prose tells learners to replace the ``raise NotImplementedError(...)`` line
    under ``# YOUR CODE HERE``; the error names the function, so a cell that calls it before it is
    written stops with a message that says what to do, not with a NameError further down.

    Parameters
    ----------
    function_name : str or None
        The function the region sits in, or None for a region outside any function.
    indent : str
        The region's indentation (that of its ``### BEGIN SOLUTION`` line).

    Returns
    -------
    list of str
        ``["<indent># YOUR CODE HERE", "<indent>raise NotImplementedError(...)"]``.
    """
    what = function_name or "this exercise"
    message = f"{what} is not implemented yet: replace this line with your code"
    return [f"{indent}# YOUR CODE HERE", f'{indent}raise NotImplementedError("{message}")']


def _enclosing_function(source: str, line_number: int) -> str | None:
    """The innermost function whose body holds 0-based ``line_number``, if the source parses."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    functions = [
        node for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line_number + 1 <= node.end_lineno
    ]
    return max(functions, key=lambda node: node.lineno).name if functions else None


def _clear_solutions(source: str) -> str:
    lines = source.split("\n")
    for region in reversed(solution_regions(source)):  # from the end, so earlier line numbers hold
        function_name = _enclosing_function(source, region.begin)
        lines[region.begin : region.end + 1] = placeholder(function_name, region.indent)
    return "\n".join(lines)


def learner_notebook(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner's version of the instructor's notebook.

    Parameters
    ----------
    source : nbformat.NotebookNode
        The instructor's notebook (left unchanged).

    Returns
    -------
    nbformat.NotebookNode
        Solution regions replaced by :func:`placeholder`; outputs and execution counts cleared;
        cell metadata reduced to ``tags``; notebook metadata to the kernel and language.

    Raises
    ------
    ReleaseError
        If a solution region is malformed, or sits anywhere but in a code cell tagged ``graded``
        (the grader reads only those: a region elsewhere is a mistake, and releasing it would be
        worse).
    """
    notebook = copy.deepcopy(source)
    for number, cell in enumerate(notebook.cells, start=1):
        tags = list(cell.get("metadata", {}).get("tags", []))
        try:
            has_solution = bool(solution_regions(cell.source))
            if has_solution and (cell.cell_type != "code" or not {GRADED_TAG, OPTIONAL_TAG} & set(tags)):
                raise SolutionMarkerError(f"a solution region outside a code cell tagged {GRADED_TAG!r} or {OPTIONAL_TAG!r}")
            if has_solution:
                cell.source = _clear_solutions(cell.source)
        except SolutionMarkerError as exc:
            raise ReleaseError(f"cell {number} of the source notebook: {exc}") from None
        cell.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata = nbformat.NotebookNode(
        {key: notebook.metadata[key] for key in KEPT_NOTEBOOK_METADATA if key in notebook.metadata}
    )
    return notebook


def _looks_like_release(path: Path, notebook_name: str) -> bool:
    """Whether --force may replace path: a previous release, not a project or home folder."""
    return (
        (path / notebook_name).is_file()
        and (path / "public_tests.py").is_file()
        and not (path / ".git").exists()
        and not (path / "grading").exists()
    )


def write_release(out: str | os.PathLike, source: str | os.PathLike = SOURCE_NOTEBOOK, force: bool = False) -> list[str]:
    """Write the learner's copy of the assignment into ``out``.

    Parameters
    ----------
    out : str or path-like
        The folder to create. It may exist only if empty, or, with ``force``, if it holds a
        previous release (which is then replaced).
    source : str or path-like
        The instructor's notebook; the files of
        :data:`grading.release.learner_files.LEARNER_FILES` are taken from its folder.
    force : bool
        Replace a previous release in ``out``.

    Returns
    -------
    list of str
        The files written, relative to ``out``, sorted.

    Raises
    ------
    ReleaseError
        If ``out`` cannot be used, a learner file is missing, the notebook's solution regions are
        malformed, or the scan finds a solution line or hidden-test text in what would be released.
    """
    source, out = Path(source), Path(out)
    try:
        instructor = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as exc:  # nbformat's read errors are ValueErrors
        raise ReleaseError(f"cannot read the source notebook {source}: {exc}") from None
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not force:
            raise ReleaseError(f"{out} exists and is not empty: pass --force to replace a previous release")
        if not out.is_dir() or not _looks_like_release(out, source.name):
            raise ReleaseError(f"{out} does not look like a previous release: remove it yourself, or choose another --out")
    notebook = learner_notebook(instructor)
    try:
        files = learner_files(source.parent)
    except MissingLearnerFile as exc:
        raise ReleaseError(str(exc)) from None
    check_allowed_modules(source.parent / "public_tests.py", settings.ALLOWED_PACKAGES)

    # Scanned before it replaces out: a release that leaks is never renamed into place.
    with replacing_folder(out) as building:
        nbformat.write(notebook, building / source.name)
        shutil.copyfile(LEARNER_README, building / "README.md")
        for relative in files:
            (building / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.parent / relative, building / relative)  # bytes only: no mtimes
        needles = dict.fromkeys(hidden_test_needles(), "hidden test")
        needles.update(dict.fromkeys(solution_needles(instructor), "solution line"))
        leaks = find_leaks(building, needles)
        if leaks:
            more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
            raise ReleaseError(f"release not written: {leaks[0]}{more}")
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
