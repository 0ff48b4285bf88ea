"""What the command's arguments must be, and the errors it reports: checked without numpy.

``compress.py`` parses and checks its arguments before it imports the engine, so that ``--help``
and a mistake in the arguments cost the interpreter's start and this module, not numpy's import.
:mod:`compress_cli.one_file` raises these errors and checks these options again for its callers.
"""

from __future__ import annotations

import math
import os
from numbers import Integral
from pathlib import Path

from quantize.palette_size import check_K

__all__ = ["CompressError", "TargetNotReached", "NotSmaller", "check_options", "default_output_path"]


class CompressError(ValueError):
    """A mistake by the user (bad input, K out of range, an output that exists...): one line."""


class TargetNotReached(CompressError):
    """``min_psnr`` is out of reach with K colours; nothing was written."""


class NotSmaller(CompressError):
    """The PNG would not be smaller than the input, and ``skip_if_larger`` was asked; nothing was written."""


def check_options(K: int, seed: int = 0, min_psnr: float | None = None) -> None:
    """Raise :class:`CompressError` for K, seed or PSNR target out of range (once, before many files)."""
    try:
        check_K(K)
    except ValueError as exc:
        raise CompressError(str(exc)) from None
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise CompressError(f"the seed must be a non-negative whole number, got {seed!r}")
    if min_psnr is not None and not (isinstance(min_psnr, (int, float)) and 0 < min_psnr < math.inf):
        raise CompressError(f"the PSNR target must be a positive number of dB, got {min_psnr!r}")


def default_output_path(input_path: str | os.PathLike, K: int, out_dir: str | os.PathLike | None = None) -> Path:
    """``<input stem>-k<K>.png`` in ``out_dir``, or beside the input."""
    path = Path(input_path)
    name = f"{path.stem}-k{K}.png"
    return path.with_name(name) if out_dir is None else Path(out_dir) / name
