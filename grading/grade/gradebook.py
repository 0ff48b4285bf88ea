"""Write what grading found: ``gradebook.csv``, one feedback file per submission, a summary line.

``gradebook.csv`` has one row per submission, sorted by name: ``submission``, one column per graded
function with its points, ``total``, ``max_total``, ``status`` (ok, error, timeout, invalid) and a
short ``message``. It is written to a temporary file and renamed, so a reader never sees half a
gradebook. Text a spreadsheet would run as a formula (a cell starting with ``=``, ``+``, ``-`` or
``@``, OWASP's CSV-injection advice) starts with a ``'`` instead, and control characters (a newline
in a submission's file name) are written as escapes, so every row is one line. Feedback is Markdown, for the learner: every test, passed or failed, with its message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from pathlib import Path

from grading.grade.scores import Problem, Status, SubmissionResult
from grading.grade.text import markdown
from grading.instructor_notebook import GRADED_FUNCTIONS
from grading.outputs import replacing_folder, replace_file

__all__ = ["COLUMNS", "STATUSES", "feedback", "feedback_file", "points", "spreadsheet_text", "summary", "write_feedback", "write_gradebook"]

STATUSES = tuple(Status)
COLUMNS = ("submission", *GRADED_FUNCTIONS, "total", "max_total", "status", "message")


def points(value: float) -> str:
    """Points as a spreadsheet reads them: ``10``, ``8.5``, ``3.33``."""
    return f"{round(value, 2):g}"


# OWASP, "CSV Injection": these first characters make a spreadsheet evaluate the cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` as a gradebook cell that a spreadsheet shows and never runs, on one line.

    A leading ``=``, ``+``, ``-``, ``@``, tab or carriage return, spaces before it or not, gets a
    ``'`` before it, so ``=HYPERLINK(...)`` is shown as text; a character that is not printable (a
    newline) is written as its Python escape (``\\n``).
    """
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        text = "'" + text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def write_gradebook(results: list[SubmissionResult], path: Path) -> None:
    """Write ``gradebook.csv`` (see the module docstring), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in sorted(results, key=lambda r: r.name):
        writer.writerow([
            spreadsheet_text(result.name),
            *(points(result.points(function)) for function in GRADED_FUNCTIONS),
            points(result.total),
            points(result.max_total),
            result.status,
            spreadsheet_text(" ".join(result.message.splitlines())),
        ])
    replace_file(path, buffer.getvalue())


def feedback(result: SubmissionResult) -> str:
    """The learner's feedback for one submission, as Markdown.

    Every piece of text in it (names, notes, messages: some quote the learner's code and what it
    raised) goes through :func:`grading.grade.text.markdown`, so no learner's text renders as HTML, a link
    or an image, or carries a control character; the Markdown around them is the grader's own.
    """
    lines = [
        f"# Feedback: {markdown(result.name)}",
        "",
        f"**Score: {points(result.total)} / {points(result.max_total)}** (grading status: {result.status})",
        "",
    ]
    if result.status == Status.INVALID and not result.notes:
        lines += [f"Your notebook could not be graded: {markdown(result.message)}.", ""]
    if result.notes or result.problems:
        lines += ["## How your notebook was read", ""]
        lines += [f"- {markdown(note)}" for note in result.notes]
        lines += [f"- Error while running your graded cells: {markdown(problem)}" for problem in result.problems]
        lines.append("")
    for function in GRADED_FUNCTIONS:
        tests = [test for test in result.tests if test.function == function]
        passed = sum(test.passed for test in tests)
        lines += [f"## {function}: {points(result.points(function))} / {points(result.max_points(function))}", "",
                  f"{passed} of {len(tests)} tests passed.", ""]
        for test in tests:
            verdict = "passed" if test.passed else ("not run" if test.problem == Problem.NOT_RUN else "FAILED")
            lines.append(f"- **{verdict}** ({points(test.points)} / {points(test.max_points)}): {markdown(test.title)}")
            if test.message:
                lines += ["", *(f"  > {markdown(line)}" for line in test.message.splitlines()), ""]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def feedback_file(name: str) -> str:
    """The feedback file of a submission: its name, flat (``alice/hw`` gives ``alice__hw.md``) and safe.

    Only letters, digits, ``.``, ``_`` and ``-`` are kept, anything else becoming ``_``, so that no
    name can reach outside the feedback folder, collide with a folder of another name (``bob/a``
    beside ``bob/a.md/b``), or trouble a file system; a long name keeps its start and a hash.
    :func:`write_feedback` makes the names of one run unique.
    """
    flat = re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("/", "__")).lstrip(".") or "_"
    if len(flat) > 120:
        flat = f"{flat[:100]}-{hashlib.sha256(name.encode('utf-8', 'backslashreplace')).hexdigest()[:12]}"
    return f"{flat}.md"


def write_feedback(results: list[SubmissionResult], folder: Path) -> None:
    """Write ``<folder>/<feedback_file(name)>`` for every submission, replacing what a previous run left there.

    The files are written to a new folder first, which then takes ``folder``'s place: feedback
    from an earlier run, for a submission no longer graded, cannot linger and mislead. If writing
    fails, the new folder is removed and ``folder`` is left as it was.
    """
    taken = set()
    with replacing_folder(folder) as building:
        for result in sorted(results, key=lambda r: r.name):
            name, number = feedback_file(result.name), 1
            while name.lower() in taken:  # unique, even where case does not count (macOS, Windows)
                number += 1
                name = feedback_file(result.name).removesuffix(".md") + f"-{number}.md"
            taken.add(name.lower())
            (building / name).write_text(feedback(result), encoding="utf-8")


def summary(results: list[SubmissionResult], seconds: float) -> str:
    """One line: how many were graded, the mean score, and the submissions by status."""
    if not results:
        return "graded 0 submissions"
    mean = sum(r.total for r in results) / len(results)
    top = max(r.max_total for r in results)
    statuses = Counter(r.status for r in results)
    failing = sum(1 for r in results if r.status == Status.OK and r.total < r.max_total)
    by_status = ", ".join(f"{statuses[s]} {s}" for s in STATUSES)
    return (f"graded {len(results)} submission{'s' * (len(results) != 1)} in {seconds:.1f} s: mean {points(mean)} / {points(top)}; "
            f"{by_status}; {failing} ok with failed tests")
