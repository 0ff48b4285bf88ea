"""The learner's process: define the graded functions, call them on inputs, describe what came back.

:mod:`grading.sandbox.learner_process` starts it, in the sandbox or not, as::

    python -I learner_main.py MEMORY_BYTES FILE_BYTES TASKS PUBLIC_DIR EXCHANGE_FD

``-I`` leaves the script's folder and the PYTHON* variables out of ``sys.path``: it imports only
the standard library, numpy, and whatever the learner's cells import, with PUBLIC_DIR (the
learner's public files, such as public_tests.py) on its path. It never receives an expected
answer, and nothing it says is trusted: the grading process judges the result it reads from the
shared memory, times the call with the kernel's clocks, and checks the inputs in that memory itself.

First thing, it limits its address space (MEMORY_BYTES, so a runaway allocation raises MemoryError
instead of taking the machine down), the size of any file it writes (FILE_BYTES), its threads
(TASKS, -1 for no limit) and its open files, and keeps the
stdin and stdout it was started with for the protocol, pointing file descriptors 0, 1 and 2 at
/dev/null: whatever the learner's code prints is thrown away, however much, and cannot be mistaken
for a reply; ``input()`` gets an end of file instead of waiting forever.

Protocol: one JSON object per line, each request answered by one reply. Arrays travel through the
shared memory file EXCHANGE_FD (:mod:`grading.sandbox.exchange`), never pickled.

``{"op": "define", "imports": [statement, ...], "cells": [{"label", "source"}], "unavailable": {name: why}}``
    Makes the top-level modules ``unavailable`` (the assignment's own tools, packages the
    instructor left out) fail to import with the message ``why``, runs each import, then each cell one top-level statement at a time, so
    that an error in one statement does not stop the definitions after it. Replies
    ``{"problems": [{"where", "error"}]}``.
``{"op": "call", "function": name, "args": [{"name", "offset", "dtype", "shape"} | {"name", "int"}], "result": OFFSET, "again": bool}``
    Calls the function once on arrays that are views of the shared memory (with ``again``, the
    very array objects of the call before, as a notebook passes its own arrays again), under numpy's default
    print options (what a cell set with ``np.set_printoptions`` does not reach the call, as it
    does not in public_tests.py's timing: formatting what the learner prints costs the same
    there and here). Replies
    ``{"kind": "returned", "type", "result": {"dtype", "shape"}}`` when the result is, or converts
    to, a numeric array that fits (it is then written at OFFSET), else
    ``{"kind": "returned", "type", "repr", "result": null}``;
    ``{"kind": "raised", "error", "where"}`` or ``{"kind": "undefined"}``.
"""

from __future__ import annotations

import ast
import importlib.abc
import json
import linecache
import mmap
import os
import sys
import traceback

MAX_TEXT = 1000  # characters of an error message or repr sent back (the grader keeps a shorter excerpt)


# Open files at once: this process needs a handful; pipes and sockets beyond this would hold kernel
# memory that no other limit counts.
MAX_OPEN_FILES = 256


def _limit_resources(memory: int, file_size: int, tasks: int) -> None:
    """Set the limits this system supports (Linux: all of them; macOS does not enforce RLIMIT_AS).

    ``tasks`` (-1 for none) caps this process's threads (RLIMIT_NPROC): in the sandbox's own user
    namespace it counts only the sandbox's; the kernel does not apply it to root.
    """
    import resource

    limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, file_size), (resource.RLIMIT_CORE, 0),
              (resource.RLIMIT_NOFILE, MAX_OPEN_FILES), (resource.RLIMIT_NPROC, tasks)]
    for limit, value in limits:
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass  # not supported here, or above the limit already set: the clock still applies


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


class _Unavailable(importlib.abc.MetaPathFinder):
    """Makes some top-level modules fail to import with a message that says why, not just "not found"."""

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = reasons

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.reasons:
            raise ModuleNotFoundError(self.reasons[top], name=fullname)
        return None


def _display(*objs, **kwargs) -> None:
    """The notebook's ``display``, which IPython makes a builtin: each object formatted, as there, then thrown away."""
    for obj in objs:
        try:
            repr(obj)
        except Exception:  # noqa: BLE001 - IPython shows a formatter's error and goes on
            pass


class Learner:
    """The learner's namespace: the notebook's imports and the graded cells, run once.

    ``display`` is defined, as in a notebook: a graded function may show a table with it.
    """

    def __init__(self, exchange: mmap.mmap) -> None:
        import numpy as np

        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__, "display": _display}
        self.print_options = np.get_printoptions()  # numpy's defaults: no learner code has run yet
        self.inputs: tuple[str, list] | None = None  # the last call's function and arguments
        self.labels: set[str] = set()
        self.exchange = exchange

    def define(self, imports: list[str], cells: list[dict], unavailable: dict[str, str]) -> dict:
        sys.meta_path.insert(0, _Unavailable(unavailable))
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

    def call(self, function: str, args: list[dict], result_offset: int, again: bool = False) -> dict:
        import numpy as np

        target = self.namespace.get(function)
        if not callable(target):
            return {"kind": "undefined"}
        if again and self.inputs is not None and self.inputs[0] == function:
            inputs = self.inputs[1]  # whatever the last call did to them (X.shape = ...) stays
        else:
            inputs = [
                np.ndarray(tuple(arg["shape"]), dtype=np.dtype(arg["dtype"]), buffer=self.exchange, offset=arg["offset"])
                if "offset" in arg else arg["int"]
                for arg in args
            ]
            self.inputs = (function, inputs)
        try:
            with np.printoptions(**self.print_options):
                value = target(*inputs)
        except BaseException as exc:
            return {"kind": "raised", "error": _error(exc), "where": _where(exc, self.labels)}
        return {"kind": "returned", **self._describe(value, result_offset)}

    def _describe(self, value, offset: int) -> dict:
        """The result, written at ``offset`` when it is a numeric array that fits; else its type and repr."""
        import numpy as np

        array = None
        if isinstance(value, np.ndarray):
            array = value
        elif isinstance(value, (list, tuple)):
            try:
                array = np.asarray(value)
            except BaseException:
                array = None
        info = {"type": type(value).__name__, "result": None}
        if array is not None and array.dtype.kind in "biufc" and offset + array.nbytes <= len(self.exchange):
            np.ndarray(array.shape, dtype=array.dtype, buffer=self.exchange, offset=offset)[...] = array
            info["result"] = {"dtype": array.dtype.str, "shape": list(array.shape)}
            return info
        try:
            info["repr"] = _text(repr(value), 300)
        except BaseException:
            info["repr"] = f"<{info['type']}>"
        return info


def main(argv: list[str]) -> int:
    memory, file_size, tasks, public, exchange_fd = int(argv[1]), int(argv[2]), int(argv[3]), argv[4], int(argv[5])
    _limit_resources(memory, file_size, tasks)
    requests, replies = _take_protocol_streams()
    exchange = mmap.mmap(exchange_fd, 0)  # shared with the grader: inputs in, result out
    sys.path.insert(0, public)
    import numpy  # imported before the learner's code, whose first call must not pay for it

    # glibc's malloc gives large blocks back to the system as soon as they are freed, until a large
    # block has been freed once; from then on it keeps them. One freed 16 MiB block puts this process
    # in the state the grading process is in when it times the reference (grading.hidden_tests.suite does the
    # same): fresh, numpy's temporaries fault in new pages on every call, and the reference solution
    # took three times as long here as there.
    numpy.ones(2**21)

    learner = Learner(exchange)
    for line in requests:
        request = json.loads(line)
        if request["op"] == "define":
            reply = learner.define(request["imports"], request["cells"], request["unavailable"])
        elif request["op"] == "call":
            reply = learner.call(request["function"], request["args"], request["result"], bool(request.get("again")))
        else:
            reply = {"error": f"unknown op {request['op']!r}"}
        replies.write(json.dumps(reply).encode("utf-8") + b"\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
