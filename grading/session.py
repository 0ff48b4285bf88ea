"""The learner's process for one submission: started, restarted after a crash or a timeout, stopped.

A restart runs the imports and graded cells again in a fresh process, so that the tests after a
crash or an endless loop are still graded. Inputs are written once, as ``.npy`` files in the
submission's own folder (opaque names: the learner's process learns nothing from them); results
come back the same way and are read without pickle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grading.checks import Outcome
from grading.extract import Extraction
from grading.sandbox import Worker, WorkerCrashed, WorkerTimeout
from grading.source import ARGUMENT_NAMES
from grading.worker import MAX_RESULT_BYTES

__all__ = ["Session", "WorkerCrashed", "WorkerTimeout"]


class Session:
    """Runs one submission's graded functions in a learner process.

    Parameters
    ----------
    extraction : Extraction
        What to define in the learner's process.
    folder : pathlib.Path
        The submission's working folder (created; the caller removes it).
    public_dir : pathlib.Path
        The learner's own modules, for the notebook's imports.
    memory, file_size : int
        The learner process's limits, bytes.

    Attributes
    ----------
    definition : dict or None
        The learner process's reply to its first ``define`` request: ``{"problems": [...]}``;
        None until a process has defined the functions.
    """

    def __init__(self, extraction: Extraction, folder: Path, public_dir: Path, memory: int, file_size: int) -> None:
        self.extraction = extraction
        self.folder = folder
        self.public_dir = public_dir
        self.memory, self.file_size = memory, file_size
        self.worker: Worker | None = None
        self.definition: dict | None = None
        self._inputs: dict[tuple, list[dict]] = {}
        folder.mkdir(parents=True, exist_ok=True)
        spec = {
            "imports": extraction.imports,
            "cells": [{"label": cell.label, "source": cell.source} for cell in extraction.cells],
        }
        (folder / "define.json").write_text(json.dumps(spec), encoding="utf-8")

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self, timeout: float) -> None:
        """Start a learner process and define the functions in it, within ``timeout`` seconds.

        Raises
        ------
        WorkerTimeout, WorkerCrashed
            The definitions did not finish in time, or the process died running them.
        """
        worker = Worker(self.folder, self.public_dir, self.memory, self.file_size)
        try:
            reply = worker.request({"op": "define", "file": "define.json"}, timeout)
        except (WorkerTimeout, WorkerCrashed):
            worker.kill()
            raise
        self.worker = worker
        if self.definition is None:
            self.definition = reply

    def call(self, key: tuple, function: str, case: tuple, timeout: float, keep: bool = True) -> Outcome:
        """Call the learner's function once on one case in the running process.

        Parameters
        ----------
        key : tuple
            Identifies the case (its inputs are written once per key).
        function : str
            The graded function.
        case : tuple
            Its arguments.
        timeout : float
            Seconds to wait for the reply.
        keep : bool
            Whether to bring the result back (False for a timing run: only its time is wanted).

        Raises
        ------
        WorkerTimeout, WorkerCrashed
            The process has then been stopped: :meth:`start` again before the next call.
        """
        args = self._write_inputs(key, function, case)
        out = self.folder / "result.npy"
        out.unlink(missing_ok=True)
        try:
            reply = self.worker.request(
                {"op": "call", "function": function, "args": args, "out": out.name if keep else None}, timeout
            )
        except (WorkerTimeout, WorkerCrashed):
            self.worker = None
            raise
        outcome = Outcome(
            kind=reply.get("kind", "raised"),
            type=str(reply.get("type", "")),
            repr=str(reply.get("repr", "")),
            error=str(reply.get("error", "")),
            where=str(reply.get("where", "")),
            changed=[str(name) for name in reply.get("changed", [])],
            seconds=float(reply.get("seconds", 0.0)),
        )
        if reply.get("saved"):
            outcome.value = _read_result(out)
        return outcome

    def _write_inputs(self, key: tuple, function: str, case: tuple) -> list[dict]:
        if key not in self._inputs:
            args = []
            for name, value in zip(ARGUMENT_NAMES[function], case):
                if isinstance(value, np.ndarray):
                    path = self.folder / f"input-{len(self._inputs)}-{name}.npy"
                    np.save(path, value, allow_pickle=False)
                    args.append({"name": name, "npy": path.name})
                else:
                    args.append({"name": name, "int": int(value)})
            self._inputs[key] = args
        return self._inputs[key]

    def stop(self) -> None:
        """Stop the learner process, if one is running."""
        if self.worker is not None:
            self.worker.kill()
            self.worker = None


def _read_result(path: Path) -> np.ndarray | None:
    """The learner's result array, or None if the file is missing, too large or not a plain .npy."""
    try:
        if path.stat().st_size > MAX_RESULT_BYTES + 4096:
            return None
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
