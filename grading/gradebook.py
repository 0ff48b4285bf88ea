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
import io
from collections import Counter
from pathlib import Path

from grading.grade import SubmissionResult
from grading.files import replacing_folder, write_atomically
from grading.source import GRADED_FUNCTIONS

__all__ = ["COLUMNS", "STATUSES", "feedback", "points", "spreadsheet_text", "summary", "write_feedback", "write_gradebook"]

STATUSES = ("ok", "error", "timeout", "invalid")
COLUMNS = ("submission", *GRADED_FUNCTIONS, "total", "max_total", "status", "message")


def points(value: float) -> str:
    """Points as a spreadsheet reads them: ``10``, ``8.5``, ``3.33``."""
    return f"{round(value, 2):g}"


# OWASP, "CSV Injection": these first characters make a spreadsheet evaluate the cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` as a gradebook cell that a spreadsheet shows and never runs, on one line.

    A leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` before it, so
    ``=HYPERLINK(...)`` is shown as text; a character that is not printable (a newline) is written
    as its Python escape (``\\n``).
    """
    if text.startswith(_FORMULA_STARTS):
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
    write_atomically(path, buffer.getvalue())


def feedback(result: SubmissionResult) -> str:
    """The learner's feedback for one submission, as Markdown."""
    lines = [
        f"# Feedback: {result.name}",
        "",
        f"**Score: {points(result.total)} / {points(result.max_total)}** (grading status: {result.status})",
        "",
    ]
    if result.status == "invalid" and not result.notes:
        lines += [f"Your notebook could not be graded: {result.message}.", ""]
    if result.notes or result.problems:
        lines += ["## How your notebook was read", ""]
        lines += [f"- {note}" for note in result.notes]
        lines += [f"- Error while running your graded cells: {problem}" for problem in result.problems]
        lines.append("")
    for function in GRADED_FUNCTIONS:
        tests = [test for test in result.tests if test.function == function]
        passed = sum(test.passed for test in tests)
        lines += [f"## {function}: {points(result.points(function))} / {points(result.max_points(function))}", "",
                  f"{passed} of {len(tests)} tests passed.", ""]
        for test in tests:
            verdict = "passed" if test.passed else ("not run" if test.problem == "not run" else "FAILED")
            lines.append(f"- **{verdict}** ({points(test.points)} / {points(test.max_points)}): {test.title}")
            if test.message:
                lines += ["", *(f"  > {line}" for line in test.message.splitlines()), ""]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_feedback(results: list[SubmissionResult], folder: Path) -> None:
    """Write ``<folder>/<name>.md`` for every submission, replacing what a previous run left there.

    The files are written to a new folder first, which then takes ``folder``'s place: feedback
    from an earlier run, for a submission no longer graded, cannot linger and mislead. If writing
    fails, the new folder is removed and ``folder`` is left as it was.
    """
    with replacing_folder(folder) as building:
        for result in results:
            target = building / f"{result.name}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(feedback(result), encoding="utf-8")


def summary(results: list[SubmissionResult], seconds: float) -> str:
    """One line: how many were graded, the mean score, and the submissions by status."""
    if not results:
        return "graded 0 submissions"
    mean = sum(r.total for r in results) / len(results)
    top = max(r.max_total for r in results)
    statuses = Counter(r.status for r in results)
    failing = sum(1 for r in results if r.status == "ok" and r.total < r.max_total)
    by_status = ", ".join(f"{statuses[s]} {s}" for s in STATUSES)
    return (f"graded {len(results)} submission{'s' * (len(results) != 1)} in {seconds:.1f} s: mean {points(mean)} / {points(top)}; "
            f"{by_status}; {failing} ok with failed tests")
