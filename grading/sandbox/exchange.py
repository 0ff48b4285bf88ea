"""The memory the grader shares with one learner process: a test's inputs in, its result out.

One sealed memory file (``memfd_create``) per submission, mapped by both processes. Before each
call the grader writes that call's inputs into it, fresh; the learner's function gets numpy arrays
that *are* that memory, so whatever it does to its inputs the grader sees there after the call and
compares with its own copy: "inputs unchanged" does not depend on anything the learner's process
says. The learner's process writes its result into the second region; the grader checks the
description it is given (a plain numeric dtype, a shape that fits) and copies the bytes out.

The file is sealed against growing and shrinking: the learner's process can write into it but not
make it use more memory than the grader gave it.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import re

import numpy as np

__all__ = ["Exchange", "RESULT_BYTES", "array_bytes"]

# The largest result the grader reads back. The largest right answer is 100,000 int64 labels
# (0.8 MB); this leaves room for wrong ones worth diagnosing, such as a (100000, 16) table of distances.
RESULT_BYTES = 32 * 1024**2
_ALIGN = 64  # every array starts on a cache line, as numpy's own allocations do
_RESULT_KINDS = "biufc"  # bool, integers, floats, complex: nothing with objects or pointers
_PLAIN_DTYPE = re.compile(r"[<>|=]?[biufc][0-9]{1,2}")  # what numpy's dtype.str is for those: "<i8", "|b1", "<f4"


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def array_bytes(case: tuple) -> int:
    """The room one call's inputs take in the exchange."""
    return sum(_aligned(a.nbytes) for a in case if isinstance(a, np.ndarray))


class Exchange:
    """The shared memory of one submission.

    Parameters
    ----------
    input_bytes : int
        Room for the largest call's inputs (see :func:`array_bytes`).

    Attributes
    ----------
    fd : int
        The memory file, for the learner's process (close-on-exec: pass it explicitly).
    result_offset : int
        Where the result region starts; it holds :data:`RESULT_BYTES`.
    """

    def __init__(self, input_bytes: int) -> None:
        self.result_offset = _aligned(max(input_bytes, 1))
        size = self.result_offset + RESULT_BYTES
        self.fd = os.memfd_create("grading-exchange", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(self.fd, size)
            fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
            self._memory = mmap.mmap(self.fd, size)
        except BaseException:
            os.close(self.fd)
            raise
        self._written: list[tuple[str, int, np.ndarray]] = []

    def put(self, names: tuple[str, ...], case: tuple) -> list[dict]:
        """Write one call's inputs, fresh, and describe them for the learner's process.

        Parameters
        ----------
        names : tuple of str
            The arguments' names.
        case : tuple
            The arguments: arrays (written here) and integers (sent as they are).

        Returns
        -------
        list of dict
            Per argument, ``{"name", "offset", "dtype", "shape"}`` or ``{"name", "int"}``.
        """
        specs, offset, self._written = [], 0, []
        for name, value in zip(names, case):
            if isinstance(value, np.ndarray):
                value = np.ascontiguousarray(value)
                self._view(offset, value.dtype, value.shape)[...] = value
                specs.append({"name": name, "offset": offset, "dtype": value.dtype.str, "shape": list(value.shape)})
                self._written.append((name, offset, value))
                offset += _aligned(value.nbytes)
            else:
                specs.append({"name": name, "int": int(value)})
        return specs

    def changed(self) -> list[str]:
        """The arguments of the last :meth:`put` whose memory no longer holds what was written."""
        return [name for name, offset, value in self._written
                if self._memory[offset : offset + value.nbytes] != value.tobytes()]

    def result(self, description) -> np.ndarray | None:
        """A copy of the result the learner's process described, or None if the description is not one.

        Parameters
        ----------
        description : object
            From the learner's reply: ``{"dtype": str, "shape": [int, ...]}``.
        """
        if not isinstance(description, dict) or not isinstance(description.get("dtype"), str):
            return None
        if not _PLAIN_DTYPE.fullmatch(description["dtype"]):
            return None  # a forged description: numpy's parser of anything else is more than this needs
        try:
            dtype = np.dtype(description["dtype"])
        except Exception:  # noqa: BLE001 - whatever numpy makes of the learner's text, it is no result
            return None
        shape = description.get("shape")
        if (dtype.kind not in _RESULT_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None
                or not isinstance(shape, list) or len(shape) > 8
                or not all(type(n) is int and 0 <= n <= RESULT_BYTES for n in shape)):
            return None
        if int(np.prod(shape, dtype=object)) * dtype.itemsize > RESULT_BYTES:
            return None
        try:
            return self._view(self.result_offset, dtype, tuple(shape)).copy()
        except (ValueError, OverflowError):
            return None

    def _view(self, offset: int, dtype: np.dtype, shape: tuple) -> np.ndarray:
        return np.ndarray(shape, dtype=dtype, buffer=self._memory, offset=offset)

    def close(self) -> None:
        """Unmap and close (the learner's process must be gone or have its own mapping)."""
        self._memory.close()
        os.close(self.fd)
