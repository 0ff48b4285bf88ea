"""The palette's size, K: a whole number from 1 to 256, the most entries a PNG palette holds.

Its own module, without numpy, so that ``compress.py`` checks K among its arguments before it
imports the engine (an argument error costs the interpreter's start and no more).
"""

from __future__ import annotations

from numbers import Integral

__all__ = ["MAX_K", "check_K"]

MAX_K = 256  # entries of a PNG palette (8 bits an index)


def check_K(K: int) -> int:
    """``K`` as an int, or ValueError (one line, for a user) unless it is a whole number from 1 to 256.

    The engine checks K here, once, in :meth:`quantize.indexed_image.Quantizer.quantize`, which
    every fit goes through; numpy's integers count as whole numbers (they are ``Integral``).
    """
    if isinstance(K, bool) or not isinstance(K, Integral) or not 1 <= K <= MAX_K:
        raise ValueError(f"K must be a whole number from 1 to {MAX_K} (a PNG palette's size), got {K!r}")
    return int(K)
