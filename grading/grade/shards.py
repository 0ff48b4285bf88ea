"""A class graded in slices, on several machines or as a batch scheduler's array job, then joined.

``grade --shard I/N`` grades the I-th of N fixed slices of the submissions: the whole class is
listed and named first, exactly as one call would list and name it, then every N-th submission
from the I-th on is graded (``I`` from 1 to ``N``, round-robin, so that large folders spread over
the slices). ``python -m grading merge DIR... --out DIR`` reads the slices' ``results.json`` and
writes what one call would have written: the same gradebook, the same feedback files, one summary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeVar

from grading.grade.results import ResultsError, Run, read_results
from grading.grade.scores import SubmissionResult

__all__ = ["merge_runs", "parse_shard", "slice_of"]

T = TypeVar("T")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``, whole numbers with 1 <= I <= N; else ValueError with a one-line message."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise ValueError(f"--shard takes I/N with 1 <= I <= N (e.g. 2/4), got {text!r}")
    return int(found.group(1)), int(found.group(2))


def slice_of(items: list[T], shard: tuple[int, int]) -> list[T]:
    """The I-th of N round-robin slices of ``items``: every N-th, from the I-th (1-based) on."""
    number, count = shard
    return items[number - 1::count]


def merge_runs(folders: list[Path]) -> tuple[list[SubmissionResult], list[Run]]:
    """Every submission of the shards in ``folders``, checked to make one whole class.

    Returns
    -------
    results : list of SubmissionResult
        Sorted by name, as one call gives them.
    runs : list of Run
        The shards' runs, in shard order.

    Raises
    ------
    ResultsError
        If a folder holds no readable results, the runs differ in their reference, seed, class
        (its submissions' names and sizes, listed by each shard), isolation or number of shards,
        a shard is missing or given twice, or a submission appears twice.
    """
    runs = []
    for folder in folders:
        run, results = read_results(folder / "results.json")
        runs.append((run, results, folder))
    first = runs[0][0]
    for run, _, folder in runs[1:]:
        for field, what in (("source", "instructor's notebook"), ("seed", "hidden tests' seed"),
                            ("class_digest", "class (its submissions' names and sizes)"),
                            ("isolation", "isolation (sandbox or not)")):
            if getattr(run, field) != getattr(first, field):
                raise ResultsError(f"{folder} was graded with another {what} than {runs[0][2]}: they do not merge")
        if run.shard[1] != first.shard[1]:
            raise ResultsError(f"{folder} is a shard of {run.shard[1]}, {runs[0][2]} of {first.shard[1]}: they do not merge")
    count = first.shard[1]
    given = sorted(run.shard[0] for run, _, _ in runs)
    if given != list(range(1, count + 1)):
        twice = sorted({i for i in given if given.count(i) > 1})
        missing = sorted(set(range(1, count + 1)) - set(given))
        raise ResultsError(f"shards of {count} needed once each: " + "; ".join(
            part for part in (f"missing {', '.join(map(str, missing))}" if missing else "",
                              f"given twice {', '.join(map(str, twice))}" if twice else "") if part))
    merged = [result for _, results, _ in runs for result in results]
    names = [result.name for result in merged]
    if len(set(names)) != len(names) or len(merged) != first.class_size:
        raise ResultsError(f"the shards hold {len(merged)} submissions ({len(set(names))} names) of a class of "
                           f"{first.class_size}: not one class")
    return sorted(merged, key=lambda r: r.name), [run for run, _, _ in sorted(runs, key=lambda entry: entry[0].shard)]
