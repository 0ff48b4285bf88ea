"""``results.json``: everything a grading run found, written beside the gradebook, read back whole.

The gradebook and the feedback are for people; this file is for the tools that come after a run:
``python -m grading merge`` joins the runs of a sharded class into what one run writes, and the
class report reads every test of every submission. It records which run it was: the instructor's
notebook (its SHA-256), the hidden tests' seed, the shard of the class (``I`` of ``N``, of how many
submissions) and the isolation, so that runs that do not belong together are never merged.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from grading.grade.scores import Problem, Status, SubmissionResult, TestResult
from grading.outputs import replace_file

__all__ = ["FORMAT", "ResultsError", "Run", "class_digest", "read_results", "source_digest", "write_results"]

FORMAT = "image-compression-grading-results/2"


class ResultsError(ValueError):
    """A results file that cannot be read, or that does not belong with the others: one line."""


@dataclass(frozen=True)
class Run:
    """Which run a results file comes from.

    Attributes
    ----------
    source : str
        SHA-256 of the instructor's notebook, whose solutions are the reference.
    seed : int
        ``settings.HIDDEN_TEST_SEED``, which draws the hidden tests' inputs.
    shard : tuple of int
        ``(I, N)``: the I-th of N slices of the class; ``(1, 1)`` for a whole class.
    class_size : int
        Submissions in the whole class, before slicing.
    class_digest : str
        SHA-256 of the whole class's submissions, names and sizes in bytes (read without opening
        a file), before slicing: shards of one class list the same files.
    isolation : str
        The run's isolation line (sandbox or process isolation, and why).
    seconds : float
        Wall-clock time the run spent grading.
    """

    source: str
    seed: int
    shard: tuple[int, int]
    class_size: int
    class_digest: str
    isolation: str
    seconds: float


def source_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def class_digest(submissions: list[tuple[str, Path]]) -> str:
    """SHA-256 of every submission's name and size, as hex; a file that cannot be examined counts as size -1."""
    lines = []
    for name, path in sorted(submissions):
        try:
            size = os.lstat(path).st_size  # never opened: a FIFO or a device among them must not block
        except OSError:
            size = -1
        lines.append(f"{name}\0{size}")
    return hashlib.sha256("\n".join(lines).encode("utf-8", "backslashreplace")).hexdigest()


def write_results(results: list[SubmissionResult], run: Run, path: Path) -> None:
    """Write ``results.json`` atomically: the run, then every submission sorted by name."""
    document = {"format": FORMAT, "run": asdict(run), "submissions": [asdict(r) for r in sorted(results, key=lambda r: r.name)]}
    # ASCII, every other character escaped: a lone surrogate in a learner's text cannot fail the write.
    replace_file(path, json.dumps(document, indent=1) + "\n")


def read_results(path: Path) -> tuple[Run, list[SubmissionResult]]:
    """The run and the submissions of a ``results.json``.

    Raises
    ------
    ResultsError
        If the file is missing, is not JSON, or is not a results file of this format.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ResultsError(f"{path}: not a results file of {FORMAT} (format {document.get('format')!r})")
        run = dict(document["run"])
        run["shard"] = tuple(run["shard"])
        results = []
        for entry in document["submissions"]:
            tests = [TestResult(**{**test, "problem": Problem(test["problem"])}) for test in entry["tests"]]
            results.append(SubmissionResult(**{**entry, "status": Status(entry["status"]), "tests": tests}))
        return Run(**run), results
    except ResultsError:
        raise
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file (give the --out folders of grading runs)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ResultsError(f"{path}: not a readable results file ({type(exc).__name__}: {exc})") from None
