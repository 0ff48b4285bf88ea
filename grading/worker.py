"""The learner's process: define the graded functions, call them on inputs, report what happened.

:mod:`grading.sandbox` starts it as::

    python -I worker.py MEMORY_BYTES FILE_BYTES PUBLIC_DIR

in an empty working folder of its own. ``-I`` leaves the script's folder and the PYTHON*
variables out of ``sys.path``, so this process cannot import the grading package (the hidden
tests, the reference solution): it imports only the standard library, numpy, and whatever the
learner's cells import, with PUBLIC_DIR (copies of the learner's own files: utils.py,
public_tests.py, quantize/) on its path. It never receives an expected answer: it returns what
the learner's function returned, and the grading process judges it.

First thing, it limits its address space (MEMORY_BYTES, so a runaway allocation raises MemoryError
instead of taking the machine down) and the size of any file it writes (FILE_BYTES), and keeps the
stdin and stdout it was started with for the protocol, pointing file descriptors 0, 1 and 2 at
/dev/null: whatever the learner's code prints is thrown away, however much, and cannot be mistaken
for a reply; ``input()`` gets an end of file instead of waiting forever.

Protocol: one JSON object per line, each request answered by one reply. Arrays travel as ``.npy``
files in the working folder, read and written without pickle.

``{"op": "define", "file": F}``
    F holds ``{"imports": [statement, ...], "cells": [{"label", "source"}]}``. Runs each import,
    then each cell one top-level statement at a time, so that an error in one statement does not
    stop the definitions after it. Replies ``{"problems": [{"where", "error"}]}``.
``{"op": "call", "function": name, "args": [{"name", "npy": F} | {"name", "int": K}], "out": F or null}``
    Calls the function once on fresh copies of the inputs. Replies ``{"kind": "returned", "seconds",
    "changed", "type", "saved", "repr"}`` (the result saved to ``out`` when it is, or converts to,
    a numeric array; with ``out`` null, a timing run, the result is not kept),
    ``{"kind": "raised", "error", "where", "changed"}`` or ``{"kind": "undefined"}``.
"""

from __future__ import annotations

import ast
import json
import linecache
import os
import sys
import time
import traceback

MAX_TEXT = 1000  # characters of an error message or repr sent back
MAX_RESULT_BYTES = 128 * 1024**2


def _limit_resources(memory: int, file_size: int) -> None:
    """Set the limits this system supports (Linux: all of them; macOS does not enforce RLIMIT_AS)."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, file_size), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass  # not supported here: the clock still applies


def _take_protocol_streams():
    """Keep stdin and stdout for the protocol; point 0, 1 and 2 at /dev/null for the learner's code."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    return requests, replies


def _text(value, limit: int = MAX_TEXT) -> str:
    try:
        text = str(value)
    except BaseException:  # a __str__ that fails or exits: say what it is instead
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(exc: BaseException) -> str:
    message = _text(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _where(exc: BaseException, labels: set[str]) -> str:
    """The last line of the learner's code in the traceback: ``line 12 of the X cell: `code```."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename in labels]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or "").strip()
    return f"line {frame.lineno} of {frame.filename}" + (f": `{_text(code, 200)}`" if code else "")


class Learner:
    """The learner's namespace: the notebook's imports and the graded cells, run once."""

    def __init__(self) -> None:
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        self.labels: set[str] = set()

    def define(self, imports: list[str], cells: list[dict]) -> dict:
        problems = []
        for statement in imports:
            try:
                exec(compile(statement, "the notebook's imports", "exec"), self.namespace)
            except BaseException as exc:
                problems.append({"where": f"`{_text(statement, 200)}`", "error": _error(exc)})
        for cell in cells:
            label, source = cell["label"], cell["source"]
            self.labels.add(label)
            # Registered so that tracebacks can quote the learner's lines.
            linecache.cache[label] = (len(source), None, source.splitlines(True), label)
            try:
                tree = ast.parse(source, label)
            except SyntaxError as exc:
                problems.append({"where": f"line {exc.lineno} of {label}", "error": f"SyntaxError: {exc.msg}"})
                continue
            except BaseException as exc:
                problems.append({"where": label, "error": _error(exc)})
                continue
            for statement in tree.body:
                try:
                    exec(compile(ast.Module([statement], type_ignores=[]), label, "exec"), self.namespace)
                except BaseException as exc:
                    where = _where(exc, self.labels) or f"line {statement.lineno} of {label}"
                    problems.append({"where": where, "error": _error(exc)})
        return {"problems": problems}

    def call(self, function: str, args: list[dict], out: str | None) -> dict:
        import numpy as np

        target = self.namespace.get(function)
        if not callable(target):
            return {"kind": "undefined"}

        def fresh():
            return [np.load(arg["npy"], allow_pickle=False) if "npy" in arg else arg["int"] for arg in args]

        inputs = fresh()
        try:
            # Processor time of this thread, not the wall clock: time spent waiting for a core that
            # other submissions (or other users) hold is not the learner's.
            begin = time.thread_time()
            value = target(*inputs)
            seconds = time.thread_time() - begin
        except BaseException as exc:
            return {"kind": "raised", "error": _error(exc), "where": _where(exc, self.labels),
                    "changed": _changed(args, inputs, fresh())}
        reply = {"kind": "returned", "seconds": seconds, "changed": _changed(args, inputs, fresh())}
        if out is not None:
            reply.update(_save(value, out))
        return reply


def _changed(args: list[dict], after: list, before: list) -> list[str]:
    import numpy as np

    changed = []
    for arg, a, b in zip(args, after, before):
        if "npy" in arg and not (
            isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
        ):
            changed.append(arg["name"])
    return changed


def _save(value, out: str) -> dict:
    """Describe the learner's result, and save it as .npy when it is (or converts to) a numeric array."""
    import numpy as np

    info = {"type": type(value).__name__, "saved": False}
    try:
        info["repr"] = _text(repr(value), 300)
    except BaseException:
        info["repr"] = f"<{info['type']}>"
    array = None
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except BaseException:
            array = None
    if array is not None and array.dtype.kind in "biufc" and array.nbytes <= MAX_RESULT_BYTES:
        np.save(out, np.asarray(array), allow_pickle=False)
        info["saved"] = True
    return info


def main(argv: list[str]) -> int:
    memory, file_size, public = int(argv[1]), int(argv[2]), argv[3]
    _limit_resources(memory, file_size)
    requests, replies = _take_protocol_streams()
    sys.path.insert(0, public)
    import numpy  # noqa: F401  (imported before the learner's code, so its time is not theirs)

    learner = Learner()
    for line in requests:
        request = json.loads(line)
        if request["op"] == "define":
            with open(request["file"], encoding="utf-8") as f:
                spec = json.load(f)
            reply = learner.define(spec["imports"], spec["cells"])
        elif request["op"] == "call":
            reply = learner.call(request["function"], request["args"], request.get("out"))
        else:
            reply = {"error": f"unknown op {request['op']!r}"}
        replies.write(json.dumps(reply).encode("utf-8") + b"\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
