"""One submission's learner process: started, restarted after a crash or a timeout, called, stopped.

A restart runs the imports and graded cells again in a fresh process, so that the tests after a
crash or an endless loop are still graded. Each call's inputs are written fresh into the shared
memory (:mod:`grading.sandbox.exchange`); afterwards the grading process reads there what the learner's
function left of them and what it returned, and reads the call's processor time from the kernel.
Everything the learner's process says in words (an error, a repr, where in its code) reaches the
feedback only as a short excerpt.
"""

from __future__ import annotations

import re
from pathlib import Path

from grading.grade.submission import Extraction
from grading.grade.text import printable, without_backticks
from grading.hidden_tests.checks import Outcome
from grading.instructor_notebook import ARGUMENT_NAMES
from grading.release.learner_files import tool_module_names
from grading.sandbox.exchange import Exchange
from grading.sandbox.learner_process import Isolation, LearnerProcess, LearnerCrashed, LearnerTimeout

__all__ = ["EXCERPT_CHARACTERS", "Session", "LearnerCrashed", "LearnerTimeout", "excerpt"]

# The most of any text from the learner's process that reaches the feedback: enough for an
# exception's message, too little to carry files out.
EXCERPT_CHARACTERS = 200


def excerpt(value, limit: int = EXCERPT_CHARACTERS) -> str:
    """Text from the learner's process as one printable line of at most ``limit`` characters (``...`` marks a cut).

    Whatever the learner's code raised or returned: its characters that are not printable become
    escapes (:func:`grading.grade.text.printable`), and its backticks cannot end a code span of the
    feedback (:func:`grading.grade.text.without_backticks`).
    """
    text = without_backticks(printable(" ".join(str(value).split())))
    return text if len(text) <= limit else text[: limit - 3] + "..."


_WHERE = re.compile(r"line (\d+) of (.{1,80}?): `(.*)`")


def where(value, labels: list[str]) -> str:
    """The learner process's ``"line 12 of the X cell: `code`"``, rebuilt from its parts: the code quoted as a code span.

    Only a label of one of the submission's graded cells is kept; anything else the learner's
    process sends is an excerpt like any other.
    """
    match = _WHERE.fullmatch(str(value))
    if match and match.group(2) in labels:
        return f"line {match.group(1)} of {match.group(2)}: `{excerpt(match.group(3), 120)}`"
    return excerpt(value, 120)


class Session:
    """Runs one submission's graded functions in a learner process.

    Parameters
    ----------
    extraction : Extraction
        What to define in the learner's process.
    isolation : Isolation
        Sandbox or process isolation.
    folder : pathlib.Path
        The submission's working folder without the sandbox (created; the caller removes it).
    public_dir : pathlib.Path
        The learner's public files, for the notebook's imports.
    input_bytes : int
        Room for the largest call's inputs (:func:`grading.sandbox.exchange.array_bytes`).
    memory, disk : int
        The learner process's limits, bytes (see :class:`grading.sandbox.learner_process.LearnerProcess`).

    Attributes
    ----------
    problems : list of str or None
        What went wrong while the first process ran the imports and graded cells
        (``"where: error"``, excerpts); None until a process has defined the functions.
    """

    def __init__(self, extraction: Extraction, isolation: Isolation, folder: Path, public_dir: Path, input_bytes: int,
                 memory: int, disk: int) -> None:
        self.isolation, self.folder, self.public_dir = isolation, folder, public_dir
        self.limits = (memory, disk)
        self.process: LearnerProcess | None = None
        self.problems: list[str] | None = None
        self.exchange = Exchange(input_bytes)
        self._labels = [cell.label for cell in extraction.cells]
        self._definition = {
            "op": "define",
            "imports": extraction.imports,
            "cells": [{"label": cell.label, "source": cell.source} for cell in extraction.cells],
            "unavailable": {
                **{name: (f"{name} is not among the packages graded cells may use (the grader's ALLOWED_PACKAGES): "
                          "write the function with numpy") for name in isolation.hidden_modules},
                **{name: (f"{name} is one of the assignment's own tools, not part of an exercise: graded cells "
                          "cannot import it. Write the function with numpy") for name in tool_module_names()},
            },
        }

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, timeout: float) -> None:
        """Start a learner process and define the functions in it, within ``timeout`` seconds.

        Raises
        ------
        LearnerTimeout, LearnerCrashed
            The definitions did not finish in time, or the process died running them.
        """
        process = LearnerProcess(self.isolation, self.folder, self.public_dir, self.exchange.fd, *self.limits)
        try:
            reply = process.request(self._definition, timeout)
        except (LearnerTimeout, LearnerCrashed):
            process.kill()
            raise
        self.process = process
        if self.problems is None:
            problems = reply.get("problems")
            problems = problems if isinstance(problems, list) else []
            self.problems = [f"{where(p.get('where', ''), self._labels)}: {excerpt(p.get('error', ''))}"
                             for p in problems[:20] if isinstance(p, dict)]

    def cpu_seconds(self) -> float:
        """Processor seconds the running learner process has used so far (see :meth:`call`'s ``since``)."""
        return self.process.cpu_seconds()

    def call(self, function: str, case: tuple, timeout: float, since: float | None = None, again: bool = False) -> Outcome:
        """Call the learner's function once on one case in the running process.

        Parameters
        ----------
        function : str
            The graded function.
        case : tuple
            Its arguments.
        timeout : float
            Seconds to wait for the reply.
        since : float, optional
            A reading of :meth:`cpu_seconds` to time the call from (default: just before it), so
            that what the learner's threads did meanwhile counts as the call's.
        again : bool, optional
            Pass the very array objects of the call before (its case again, written afresh): a
            function that reshaped them in place (``X.shape = ...``) meets what it left.

        Raises
        ------
        LearnerTimeout, LearnerCrashed
            The process has then been stopped: :meth:`start` again before the next call.
        """
        args = self.exchange.put(ARGUMENT_NAMES[function], case)
        request = {"op": "call", "function": function, "args": args, "result": self.exchange.result_offset,
                   "again": again}
        try:
            before = self.process.cpu_seconds() if since is None else since
            # Stopped from its reply to the next request (LearnerProcess.request): no thread of the
            # learner's changes the result or the inputs while they are read, nor works off the clock.
            reply = self.process.request(request, timeout)
        except (LearnerTimeout, LearnerCrashed):
            self.process = None
            raise
        return self._outcome(reply, self.process.cpu_seconds() - before)

    def _outcome(self, reply: dict, seconds: float) -> Outcome:
        """The call's outcome from the reply and the shared memory, read while the learner's process is stopped."""
        kind = reply.get("kind")
        outcome = Outcome(
            kind=kind if kind in ("returned", "raised", "undefined") else "raised",
            type=excerpt(reply.get("type", ""), 60),
            repr=excerpt(reply.get("repr", "")),
            error=excerpt(reply.get("error", "")),
            where=where(reply.get("where", ""), self._labels),
            changed=self.exchange.changed(),
            seconds=seconds,
        )
        if outcome.kind == "returned" and reply.get("result") is not None:
            outcome.value = self.exchange.result(reply["result"])
        return outcome

    def stop(self) -> None:
        """Stop the learner process, if one is running, and release the shared memory."""
        if self.process is not None:
            self.process.kill()
            self.process = None
        self.exchange.close()
