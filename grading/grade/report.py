"""``report.md`` and ``report.png``: the class at a glance, for the instructor, beside the gradebook.

What none of nbgrader, otter or Gradescope gives: the scores' distribution, each hidden test's
pass rate, the mistakes most of the class made (counted from the diagnoses the checks give the
learners, one count per submission), the slowest submissions, and the groups of submissions whose
graded functions are the same code once names, comments and layout are normalised
(:mod:`grading.grade.similarity`). Every name and message in it comes from learners and goes
through :func:`grading.grade.text.markdown`, so nothing in it renders as HTML, a link or an image.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from grading.grade.gradebook import points
from grading.grade.scores import Status, SubmissionResult
from grading.grade.text import markdown
from grading.outputs import replace_file

__all__ = ["KnownCode", "class_report", "score_figure", "write_report"]

MOST_MISTAKES = 10  # mistakes listed, most frequent first
SLOWEST = 5  # submissions listed by grading time


@dataclass(frozen=True)
class KnownCode:
    """Fingerprints the report names instead of listing as a group: the reference solution, the
    released placeholders (nothing written). Either may be ""."""

    reference: str = ""
    placeholder: str = ""


def _cell(text: str) -> str:
    """Learner's text for a table cell: inert Markdown, its ``|`` kept from making a column."""
    return markdown(text).replace("|", "\\|")


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %"


def _names(results: list[SubmissionResult]) -> str:
    return ", ".join(markdown(r.name) for r in sorted(results, key=lambda r: r.name))


def class_report(results: list[SubmissionResult], known: KnownCode = KnownCode(), figure: str | None = None) -> str:
    """The report as Markdown; ``figure`` is the file name of the scores' figure, if there is one."""
    total = len(results)
    lines = ["# Class report", ""]
    if not total:
        return "\n".join([*lines, "No submissions were graded.", ""])
    scores = sorted(r.total for r in results)
    top = max(r.max_total for r in results)
    statuses = Counter(r.status for r in results)
    lines += [f"{total} submission{'s' * (total != 1)}; mean {points(statistics.mean(scores))} / {points(top)}, median "
              f"{points(statistics.median(scores))}; "
              + ", ".join(f"{statuses[s]} {s}" for s in Status) + ".", ""]

    lines += ["## Scores", ""]
    if figure:
        lines += [f"![How many submissions got each score]({figure})", ""]
    lines += ["| score | submissions | share |", "|---:|---:|---:|"]
    for score, count in sorted(Counter(scores).items(), reverse=True):
        lines.append(f"| {points(score)} / {points(top)} | {count} | {_percent(count, total)} |")
    lines.append("")

    lines += ["## Hidden tests", "", "How many submissions passed each test (those not run count as not passed).", "",
              "| function | test | passed | rate |", "|---|---|---:|---:|"]
    passed, seen, order = Counter(), Counter(), {}
    for result in results:
        for test in result.tests:
            key = (test.function, test.title)
            order.setdefault(key, len(order))
            seen[key] += 1
            passed[key] += test.passed
    for key in sorted(seen, key=order.get):
        lines.append(f"| `{key[0]}` | {_cell(key[1])} | {passed[key]} of {seen[key]} | {_percent(passed[key], seen[key])} |")
    lines.append("")

    lines += ["## The class's most common mistakes", "",
              "Each submission counts once for each mistake its failed tests were diagnosed with.", ""]
    made = Counter()
    for result in results:
        made.update({(test.function, test.mistake) for test in result.tests if test.mistake})
    if made:
        for (function, mistake), count in sorted(made.items(), key=lambda item: (-item[1], item[0]))[:MOST_MISTAKES]:
            lines.append(f"- {_percent(count, total)} of the class ({count} of {total}): `{function}`: {markdown(mistake)}")
    else:
        lines.append("No test failed with a diagnosis.")
    lines.append("")

    lines += ["## Slowest to grade", "", "| submission | seconds | status |", "|---|---:|---|"]
    for result in sorted(results, key=lambda r: (-r.seconds, r.name))[:SLOWEST]:
        lines.append(f"| {_cell(result.name)} | {result.seconds:.1f} | {result.status} |")
    lines.append("")

    lines += ["## Submissions with the same code", "",
              "Graded functions that are the same once variable names, comments, docstrings and layout are set "
              "aside: a place to look, not a verdict (short functions written from the same hints can coincide).", ""]
    groups = defaultdict(list)
    for result in results:
        if result.fingerprint:
            groups[result.fingerprint].append(result)
    same = [(code, members) for code, members in groups.items() if len(members) > 1 and code != known.placeholder]
    for code, members in sorted(same, key=lambda item: (-len(item[1]), _names(item[1]))):
        what = " (the reference solution's code)" if code == known.reference else ""
        lines.append(f"- {len(members)} submissions{what}: {_names(members)}")
    if not same:
        lines.append("None.")
    alone = groups.get(known.reference, []) if known.reference else []
    if len(alone) == 1:
        lines += ["", f"The reference solution's code, in one submission: {_names(alone)}."]
    unwritten = len(groups.get(known.placeholder, [])) if known.placeholder else 0
    if unwritten:
        lines += ["", f"{unwritten} submission{'s' * (unwritten != 1)} wrote neither function (the released placeholders)."]
    return "\n".join(lines).rstrip("\n") + "\n"


def score_figure(results: list[SubmissionResult]) -> bytes:
    """A bar chart of how many submissions got each total score, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # only a report of a class draws
    from matplotlib.figure import Figure

    top = max(r.max_total for r in results)
    counts = Counter(round(r.total, 2) for r in results)
    figure = Figure(figsize=(7, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(list(counts), list(counts.values()), width=max(top / 40, 0.4), color="#4477aa")
    axes.set(xlim=(-0.5, top + 0.5), xlabel=f"score (out of {points(top)})", ylabel="submissions",
             title=f"Scores of {len(results)} submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="y", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})  # no version stamp: the same class, the same bytes
    return buffer.getvalue()


def write_report(results: list[SubmissionResult], folder, known: KnownCode = KnownCode()) -> None:
    """Write ``report.md`` into ``folder``, with ``report.png`` for a class of two or more (one score is no distribution)."""
    figure = None
    if len(results) > 1:
        replace_file(folder / "report.png", score_figure(results))
        figure = "report.png"
    elif (folder / "report.png").exists():
        (folder / "report.png").unlink()  # a figure of an earlier class would mislead
    replace_file(folder / "report.md", class_report(results, known, figure))
